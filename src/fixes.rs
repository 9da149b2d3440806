//! Turning a rule's fix strategy into concrete edits.
//!
//! Rules declare *what* fixes a finding (`fix = { set = 0 }`, `"negate"`, `{ clear =
//! "legacy-protocol", fallback = 0x800 }`, `"remove"`, `{ replace = "Tls12" }`); this
//! module works out *how* in the file's own notation: `dword:00000a80` becomes
//! `dword:00000800`, `/d 2688` becomes `/d 2048`, `'0x00000A00'` becomes `'0x00000800'`, GPP's
//! `value="00000A80"` becomes `value="00000800"`, `False` becomes `True`, `0L` becomes `1L`. A
//! fix only ever touches the finding's own span (or, for removals, the option or argument
//! that carries it).

use crate::diagnostic::{Applicability, Category, Edit, Fix, Span};
use crate::format::FileFormat;
use crate::rules::tables::{FlagTable, Hex};
use serde::Deserialize;

/// A rule's fix strategy, as written in rule files (`fix = ...` on a matcher).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum FixSpec {
    /// `"negate"` (a boolean to its safe opposite), `"remove"` (the option or argument),
    /// `"delete"` (the whole entry, e.g. a .reg value line).
    Word(FixWord),
    /// `{ set = N }`: write this number, in the notation used.
    Set {
        /// The value to write.
        set: u64,
    },
    /// `{ clear = "legacy-protocol", fallback = 0x800 }`: clear the bits of that category
    /// (decoded with the matcher's table); write `fallback` if nothing is left.
    Clear {
        /// Bits of this category are cleared.
        clear: Category,
        /// Written when no bit is left.
        #[serde(default)]
        fallback: Option<u64>,
    },
    /// `{ replace = "Tls12" }`: replace the value's text.
    Replace {
        /// The replacement text.
        replace: String,
    },
}

/// Word-form fix strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixWord {
    /// Turn a boolean-like value into its opposite.
    Negate,
    /// Remove the option or argument.
    Remove,
    /// Delete the whole entry.
    Delete,
}

/// Writes `new` in the style of the number in `original` (prefix, width, case, quotes and
/// casts around it kept). `hex_digits`: a bare digit run is hexadecimal (GPP values,
/// `dword:` data).
pub fn restyle_number(original: &str, hex_digits: bool, new: u64) -> Option<String> {
    if let Some(rest) = original
        .strip_prefix("hex(4):")
        .or_else(|| original.strip_prefix("hex(b):"))
    {
        let _ = rest;
        return Some(format!("dword:{new:08x}"));
    }
    let b = original.as_bytes();
    // Find the first number.
    let mut i = 0;
    let dword = original.to_ascii_lowercase().starts_with("dword:");
    if dword {
        i = 6;
    }
    while i < b.len() && !b[i].is_ascii_hexdigit() {
        i += 1;
    }
    if i >= b.len() {
        return None;
    }
    let (prefix_len, is_hex) = if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
        (2, true)
    } else if hex_digits || dword {
        (0, true)
    } else {
        (0, false)
    };
    let ds = i + prefix_len;
    let mut de = ds;
    while de < b.len()
        && (if is_hex {
            b[de].is_ascii_hexdigit()
        } else {
            b[de].is_ascii_digit()
        })
    {
        de += 1;
    }
    if de == ds {
        return None;
    }
    let digits = &original[ds..de];
    let width = if digits.len() > 1 && digits.starts_with('0') {
        digits.len()
    } else {
        0
    };
    let upper = digits.bytes().any(|c| c.is_ascii_uppercase());
    let new_digits = if is_hex {
        let s = if upper {
            format!("{new:X}")
        } else {
            format!("{new:x}")
        };
        format!("{s:0>width$}")
    } else {
        new.to_string()
    };
    Some(format!(
        "{}{}{}",
        &original[..ds],
        new_digits,
        &original[de..]
    ))
}

/// The safe opposite of a boolean-like literal, in the same spelling.
pub fn negate_literal(original: &str) -> Option<String> {
    let t = original.trim();
    let (q, inner) = match t.chars().next() {
        Some(c @ ('"' | '\'')) if t.len() >= 2 && t.ends_with(c) => (Some(c), &t[1..t.len() - 1]),
        _ => (None, t),
    };
    let flipped = match inner {
        "false" => "true",
        "False" => "True",
        "FALSE" => "TRUE",
        "no" => "yes",
        "No" => "Yes",
        "NO" => "YES",
        "off" => "on",
        "Off" => "On",
        "$false" => "$true",
        "$False" => "$True",
        "0" => "1",
        "0L" => "1L",
        "0l" => "1l",
        "0UL" => "1UL",
        "true" => "false",
        "True" => "False",
        "TRUE" => "FALSE",
        "yes" => "no",
        "on" => "off",
        "$true" => "$false",
        "1" => "0",
        _ => return None,
    };
    let body = match q {
        Some(c) => format!("{c}{flipped}{c}"),
        None => flipped.to_string(),
    };
    Some(original.replacen(t, &body, 1))
}

fn edit(description: String, span: Span, text: String, applicability: Applicability) -> Fix {
    Fix {
        description,
        edits: vec![Edit { span, text }],
        applicability,
    }
}

/// A fix that writes a number into a registry value's data.
pub fn registry_number(
    spec: &FixSpec,
    current: Option<u64>,
    table: Option<&FlagTable>,
    span: Span,
    text: &str,
    format: FileFormat,
    name: &str,
) -> Option<Fix> {
    let original = text.get(span.start..span.end)?;
    let new = match spec {
        FixSpec::Set { set } => *set,
        FixSpec::Clear { clear, fallback } => {
            let v = current?;
            let t = table?;
            let d = t.decode(v);
            let bad: u64 = d
                .parts
                .iter()
                .filter(|e| e.category == Some(*clear))
                .map(|e| e.mask.unwrap_or(e.value))
                .fold(0, |a, b| a | b);
            let left = v & !bad;
            if left == 0 { (*fallback)? } else { left }
        }
        _ => return None,
    };
    if current == Some(new) {
        return None;
    }
    let hex_digits = matches!(format, FileFormat::GppRegistry | FileFormat::Reg);
    let replacement = restyle_number(original, hex_digits, new)?;
    Some(edit(
        format!("Set {name} to {}", Hex(new)),
        span,
        replacement,
        Applicability::Safe,
    ))
}

/// A fix for a setting's value span.
pub fn setting(spec: &FixSpec, span: Span, text: &str, name: &str) -> Option<Fix> {
    let original = text.get(span.start..span.end)?;
    match spec {
        FixSpec::Word(FixWord::Negate) => {
            let new = negate_literal(original)?;
            Some(edit(
                format!("Set {name} to {}", new.trim().trim_matches(['"', '\''])),
                span,
                new,
                Applicability::Safe,
            ))
        }
        FixSpec::Set { set } => {
            let new = restyle_number(original, false, *set)?;
            Some(edit(
                format!("Set {name} to {set}"),
                span,
                new,
                Applicability::Safe,
            ))
        }
        FixSpec::Replace { replace } => {
            let new = requote(original, replace);
            Some(edit(
                format!("Set {name} to {replace}"),
                span,
                new,
                Applicability::Safe,
            ))
        }
        FixSpec::Word(FixWord::Remove) => {
            let del = removal_around(text, span)?;
            Some(edit(
                format!("Remove {name}"),
                del,
                String::new(),
                Applicability::Safe,
            ))
        }
        _ => None,
    }
}

/// Keeps the quotes of `original` around `new`.
fn requote(original: &str, new: &str) -> String {
    let t = original.trim();
    match t.chars().next() {
        Some(c @ ('"' | '\'')) if t.len() >= 2 && t.ends_with(c) => format!("{c}{new}{c}"),
        _ => new.to_string(),
    }
}

/// For `key=value` / `key: value` inside a call or literal, the span that removes it with
/// its separator (`, verify=False` or `verify=False, `).
fn removal_around(text: &str, value: Span) -> Option<Span> {
    let b = text.as_bytes();
    let mut k = value.start;
    while k > 0 && b[k - 1].is_ascii_whitespace() {
        k -= 1;
    }
    if k == 0 || !matches!(b[k - 1], b'=' | b':') {
        return None;
    }
    k -= 1;
    while k > 0 && b[k - 1].is_ascii_whitespace() {
        k -= 1;
    }
    let key_end = k;
    while k > 0
        && (b[k - 1].is_ascii_alphanumeric() || matches!(b[k - 1], b'_' | b'"' | b'\'' | b'-'))
    {
        k -= 1;
    }
    if k == key_end {
        return None;
    }
    let key_start = k;
    // A preceding comma: remove from it.
    let mut p = key_start;
    while p > 0 && matches!(b[p - 1], b' ' | b'\t') {
        p -= 1;
    }
    if p > 0 && b[p - 1] == b',' {
        return Some(Span::new(p - 1, value.end));
    }
    // Otherwise a following comma.
    let mut n = value.end;
    while n < b.len() && matches!(b[n], b' ' | b'\t') {
        n += 1;
    }
    if n < b.len() && b[n] == b',' {
        n += 1;
        while n < b.len() && matches!(b[n], b' ' | b'\t') {
            n += 1;
        }
        return Some(Span::new(key_start, n));
    }
    // The only argument.
    if p > 0 && matches!(b[p - 1], b'(' | b'{') {
        return Some(Span::new(key_start, value.end));
    }
    None
}

/// Removes a command-line option (and the whitespace before it).
pub fn remove_option(option: Span, text: &str, name: &str) -> Option<Fix> {
    let b = text.as_bytes();
    let mut s = option.start;
    while s > 0 && matches!(b[s - 1], b' ' | b'\t') {
        s -= 1;
    }
    // Keep at least the separator if the option is first on a continued line.
    if s > 0 && matches!(b[s - 1], b'\n' | b'\r') {
        s = option.start;
    }
    Some(edit(
        format!("Remove {name}"),
        Span::new(s, option.end),
        String::new(),
        Applicability::Safe,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_style() {
        assert_eq!(
            restyle_number("dword:00000a80", true, 0x800).as_deref(),
            Some("dword:00000800")
        );
        assert_eq!(
            restyle_number("0x00000A80", false, 0x800).as_deref(),
            Some("0x00000800")
        );
        assert_eq!(
            restyle_number("'0x00000A00'", false, 0x800).as_deref(),
            Some("'0x00000800'")
        );
        assert_eq!(restyle_number("2688", false, 2048).as_deref(), Some("2048"));
        assert_eq!(
            restyle_number("00000A80", true, 0x800).as_deref(),
            Some("00000800")
        );
        assert_eq!(
            restyle_number("([int]0x1100)", false, 0).as_deref(),
            Some("([int]0x0)")
        );
        assert_eq!(
            restyle_number("hex(4):80,0a,00,00", true, 0x800).as_deref(),
            Some("dword:00000800")
        );
        assert_eq!(restyle_number("0L", false, 2).as_deref(), Some("2L"));
    }

    #[test]
    fn literals_negate() {
        assert_eq!(negate_literal("False").as_deref(), Some("True"));
        assert_eq!(negate_literal("'0'").as_deref(), Some("'1'"));
        assert_eq!(negate_literal("$false").as_deref(), Some("$true"));
        assert_eq!(negate_literal("\"false\"").as_deref(), Some("\"true\""));
        assert_eq!(negate_literal("0L").as_deref(), Some("1L"));
        assert_eq!(negate_literal("maybe"), None);
    }

    #[test]
    fn removals() {
        let t = "get(url, verify=False, timeout=3)";
        let v = t.find("False").unwrap();
        let s = removal_around(t, Span::new(v, v + 5)).unwrap();
        assert_eq!(&t[s.start..s.end], ", verify=False");
        let t = "get(verify=False, timeout=3)";
        let v = t.find("False").unwrap();
        let s = removal_around(t, Span::new(v, v + 5)).unwrap();
        assert_eq!(&t[s.start..s.end], "verify=False, ");
    }
}
