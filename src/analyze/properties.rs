//! Java properties files (`*.properties`, `java.security`): `key=value`, `key: value` or
//! `key value`, `#`/`!` comments, `\` line continuations. Every entry becomes a
//! `java-properties` setting keyed by its key; Gradle's `systemProp.NAME` entries and
//! `-DNAME=VALUE` words in JVM argument entries (`org.gradle.jvmargs`) are JVM system
//! properties (`jvm-property`) as well.

use super::command::jvm_options;
use crate::diagnostic::Span;
use crate::facts::{Fact, SettingFact};
use crate::rules::value::Value;

/// Analyzes a properties file.
pub fn analyze(text: &str, facts: &mut Vec<Fact>) {
    let mut off = 0;
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(raw) = lines.next() {
        let start = off;
        off += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') || t.starts_with('!') {
            continue;
        }
        let lead = line.len() - t.len();
        // The key ends at an unescaped `=`, `:` or whitespace.
        let b = t.as_bytes();
        let mut k = 0;
        while k < b.len() && !matches!(b[k], b'=' | b':' | b' ' | b'\t') {
            // An escaped character (`\:`, `\ `) belongs to the key, whatever its length.
            if b[k] == b'\\' {
                k += 1;
            }
            k += t
                .get(k..)
                .and_then(|r| r.chars().next())
                .map_or(1, char::len_utf8);
        }
        let k = k.min(b.len());
        let key = t[..k].replace('\\', "");
        let mut v = k;
        while v < b.len() && matches!(b[v], b' ' | b'\t') {
            v += 1;
        }
        if v < b.len() && matches!(b[v], b'=' | b':') {
            v += 1;
            while v < b.len() && matches!(b[v], b' ' | b'\t') {
                v += 1;
            }
        }
        let vstart = start + lead + v;
        let mut value = t[v..].to_string();
        let mut vend = start + lead + t.len();
        // Continuations: a line ending in an odd number of backslashes.
        while value.ends_with('\\') && !value.ends_with("\\\\") {
            value.pop();
            let Some(next) = lines.next() else { break };
            off += next.len();
            let nl = next.trim_end_matches(['\n', '\r']);
            value.push_str(nl.trim_start());
            vend = off - (next.len() - nl.len());
        }
        let span = if vend > vstart {
            Span::new(vstart, vend)
        } else {
            Span::new(start + lead, start + lead + k.max(1))
        };
        if let Some(name) = key.strip_prefix("systemProp.") {
            facts.push(Fact::Setting(SettingFact {
                domain: "jvm-property",
                key: name.to_string(),
                value: Value::Str(value.clone()),
                span,
            }));
        }
        if key.to_ascii_lowercase().ends_with("jvmargs") {
            jvm_options(&value, span, facts);
        }
        facts.push(Fact::Setting(SettingFact {
            domain: "java-properties",
            key,
            value: Value::Str(value),
            span,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_continuations() {
        let text = "# comment\njdk.tls.disabledAlgorithms=SSLv3, RC4, \\\n    DES, MD5withRSA\nsystemProp.https.protocols = TLSv1,TLSv1.2\norg.gradle.jvmargs=-Xmx2g -Djdk.tls.client.protocols=TLSv1.1\n";
        let mut f = Vec::new();
        analyze(text, &mut f);
        let got: Vec<(&str, String, String)> = f
            .iter()
            .filter_map(|f| match f {
                Fact::Setting(s) => Some((
                    s.domain,
                    format!("{}={}", s.key, s.value.text()),
                    text[s.span.start..s.span.end].to_string(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            got[0].1,
            "jdk.tls.disabledAlgorithms=SSLv3, RC4, DES, MD5withRSA"
        );
        assert_eq!(got[0].2, "SSLv3, RC4, \\\n    DES, MD5withRSA");
        assert_eq!(
            got[1],
            (
                "jvm-property",
                "https.protocols=TLSv1,TLSv1.2".into(),
                "TLSv1,TLSv1.2".into()
            )
        );
        assert!(
            got.iter()
                .any(|g| g.0 == "jvm-property" && g.1 == "jdk.tls.client.protocols=TLSv1.1")
        );
    }
}
