//! Firefox preference files: `prefs.js`/`user.js` (`user_pref("name", value);`) and
//! AutoConfig files (`mozilla.cfg`: `pref`, `defaultPref`, `lockPref`, `sticky_pref`).
//! Each call with a literal value becomes a `firefox-pref` setting keyed by the
//! preference name; comments (`//`, `/* */`, and `#` lines) are skipped.

use crate::diagnostic::Span;
use crate::facts::{Fact, SettingFact};
use crate::rules::value::Value;

const CALLS: &[&str] = &[
    "user_pref",
    "pref",
    "defaultPref",
    "lockPref",
    "sticky_pref",
];

/// Analyzes a preference file.
pub fn analyze(text: &str, facts: &mut Vec<Fact>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if crate::budget::exceeded() {
            return;
        }
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') || c == b'#' {
            i = text[i..].find('\n').map_or(b.len(), |k| i + k);
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = text[i + 2..].find("*/").map_or(b.len(), |k| i + 2 + k + 2);
            continue;
        }
        if c == b'"' || c == b'\'' {
            // A string outside a call: skip it whole.
            i = skip_string(b, i).1;
            continue;
        }
        if !(c.is_ascii_alphabetic() || c == b'_') || (i > 0 && is_word(b[i - 1])) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_word(b[i]) {
            i += 1;
        }
        let word = &text[start..i];
        if !CALLS.contains(&word) {
            continue;
        }
        if let Some((name, value, span, end)) = call(text, i) {
            facts.push(Fact::Setting(SettingFact {
                domain: "firefox-pref",
                key: name,
                value,
                span,
            }));
            i = end;
        }
    }
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// A string literal at `i`: its contents and the index after it.
fn skip_string(b: &[u8], i: usize) -> (String, usize) {
    let q = b[i];
    let mut j = i + 1;
    let mut s = Vec::new();
    while j < b.len() && b[j] != q && b[j] != b'\n' {
        if b[j] == b'\\' && j + 1 < b.len() {
            j += 1;
        }
        s.push(b[j]);
        j += 1;
    }
    (
        String::from_utf8_lossy(&s).into_owned(),
        (j + 1).min(b.len()),
    )
}

/// `("name", value)` after a call name: the name, the value, its span, the index after
/// the call.
fn call(text: &str, at: usize) -> Option<(String, Value, Span, usize)> {
    let b = text.as_bytes();
    let ws = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        j
    };
    let mut j = ws(at);
    if b.get(j) != Some(&b'(') {
        return None;
    }
    j = ws(j + 1);
    if !matches!(b.get(j), Some(b'"' | b'\'')) {
        return None;
    }
    let (name, after) = skip_string(b, j);
    j = ws(after);
    if b.get(j) != Some(&b',') {
        return None;
    }
    j = ws(j + 1);
    let vstart = j;
    let value = match b.get(j)? {
        b'"' | b'\'' => {
            let (s, after) = skip_string(b, j);
            j = after;
            Value::Str(s)
        }
        _ => {
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b'.') {
                j += 1;
            }
            if j == vstart {
                return None;
            }
            Value::Str(text[vstart..j].to_string())
        }
    };
    let span = Span::new(vstart, j);
    let close = ws(j);
    let known = b.get(close) == Some(&b')');
    Some((
        name,
        if known { value } else { Value::Unknown },
        span,
        close,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefs() {
        let text = "// user_pref(\"security.tls.version.min\", 0);\nuser_pref(\"security.tls.version.min\", 1);\nlockPref('security.tls.version.enable-deprecated', true);\npref(\"x\", \"a//b\");\n";
        let mut f = Vec::new();
        analyze(text, &mut f);
        let got = crate::analyze::settings_of(f, text);
        assert_eq!(
            got[0],
            ("security.tls.version.min".into(), "1".into(), "1".into())
        );
        assert_eq!(got[1].0, "security.tls.version.enable-deprecated");
        assert_eq!(got[1].1, "true");
        assert_eq!(got[2].1, "a//b");
        assert_eq!(got.len(), 3);
    }
}
