//! Inno Setup scripts (`.iss`): the registry values an installer writes.
//!
//! * `[Registry]` entries: `Root: HKLM; Subkey: "SYSTEM\...\TLS 1.0\Client"; ValueType:
//!   dword; ValueName: "Enabled"; ValueData: 1; Flags: uninsdeletevalue`. Parameters are
//!   `Name: value` pairs separated by `;`, values optionally in double quotes (`""` is a
//!   quote). `Root` is `HKLM`, `HKCU`, `HKCR`, `HKU`, `HKCC` or `HKA` (the administrative
//!   install's `HKLM`), each optionally suffixed `32`/`64`. `ValueType: none` writes
//!   nothing. Numbers are decimal or `$`-prefixed hex; a value with an Inno constant
//!   (`{olddata}`, `{app}`) is not a known number.
//! * `[Code]` calls `RegWriteDWordValue(HKEY_LOCAL_MACHINE, 'SYSTEM\...', 'Enabled', 1)`
//!   (also `RegWriteQWordValue`, `RegWriteStringValue`, `RegWriteExpandStringValue`).
//!
//! `Check:`, `Tasks:` and `Components:` make an entry conditional; it is still a write.
//! <https://jrsoftware.org/ishelp/index.php?topic=registrysection>

use crate::diagnostic::Span;
use crate::facts::Fact;
use crate::rules::registry::RegistryWrite;
use crate::rules::value::Value;

/// The hive of an Inno Setup root constant.
fn root(r: &str) -> Option<&'static str> {
    let r = r.trim().to_ascii_uppercase();
    let r = r.trim_end_matches("32").trim_end_matches("64");
    Some(match r {
        "HKLM" | "HKA" | "HKEY_LOCAL_MACHINE" | "HKEY_AUTO" => "HKLM",
        "HKCU" | "HKEY_CURRENT_USER" => "HKCU",
        "HKCR" | "HKEY_CLASSES_ROOT" => "HKCR",
        "HKU" | "HKEY_USERS" => "HKU",
        "HKCC" | "HKEY_CURRENT_CONFIG" => "HKCC",
        _ => return None,
    })
}

/// An Inno number: decimal or `$`-prefixed hex.
fn number(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix('$') {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => crate::rules::tables::parse_int(s),
    }
}

/// Analyzes an Inno Setup script.
pub fn analyze(text: &str, facts: &mut Vec<Fact>) {
    let mut section = String::new();
    let mut off = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = off;
        off += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let lead = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() || t.starts_with(';') || t.starts_with("//") {
            continue;
        }
        if t.starts_with('[') && t.ends_with(']') && !t.contains(';') {
            section = t[1..t.len() - 1].trim().to_ascii_lowercase();
            continue;
        }
        match section.as_str() {
            "registry" => {
                if let Some(w) = registry_entry(t, line_start + lead) {
                    facts.push(Fact::Registry(w));
                }
            }
            "code" => code_line(line, line_start, facts),
            _ => {}
        }
    }
}

/// The `Name: value` parameters of an entry, with the value's offset in `t` (inside the
/// quotes when quoted) and its unquoted text.
fn parameters(t: &str) -> Vec<(String, String, usize, usize)> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let Some(colon) = t[i..].find(':').map(|p| i + p) else {
            break;
        };
        let name = t[i..colon]
            .trim()
            .trim_start_matches(';')
            .trim()
            .to_ascii_lowercase();
        let mut j = colon + 1;
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        let (value, vstart, vlen, next) = if b.get(j) == Some(&b'"') {
            let mut v = String::new();
            let mut k = j + 1;
            while k < b.len() {
                if b[k] == b'"' {
                    if b.get(k + 1) == Some(&b'"') {
                        v.push('"');
                        k += 2;
                        continue;
                    }
                    break;
                }
                let n = t[k..].chars().next().map_or(1, char::len_utf8);
                v.push_str(&t[k..k + n]);
                k += n;
            }
            let end = k.min(b.len());
            let next = t[end..].find(';').map_or(b.len(), |p| end + p + 1);
            (v, j + 1, end - (j + 1), next)
        } else {
            let end = t[j..].find(';').map_or(b.len(), |p| j + p);
            let v = t[j..end].trim_end();
            (
                v.to_string(),
                j,
                v.len(),
                (end + 1).min(b.len().max(end + 1)),
            )
        };
        out.push((name, value, vstart, vlen));
        if next <= i {
            break;
        }
        i = next;
    }
    out
}

/// One `[Registry]` entry at offset `at`.
fn registry_entry(t: &str, at: usize) -> Option<RegistryWrite> {
    let params = parameters(t);
    let get = |n: &str| params.iter().find(|p| p.0 == n);
    let hive = root(&get("root")?.1)?;
    let subkey = &get("subkey")?.1;
    let kind = get("valuetype").map_or("none".to_string(), |p| p.1.to_ascii_lowercase());
    if kind == "none" {
        return None;
    }
    let name = get("valuename").map_or(String::new(), |p| p.1.clone());
    let (_, data, dstart, dlen) = get("valuedata").filter(|p| p.3 > 0)?;
    let known = !data.contains('{');
    let value = match kind.as_str() {
        "dword" | "qword" if known => number(data).map_or(Value::Unknown, Value::Int),
        "string" | "expandsz" | "multisz" if known => Value::Str(data.clone()),
        _ => Value::Unknown,
    };
    Some(RegistryWrite {
        key: format!("{hive}\\{subkey}"),
        value_name: name,
        value,
        span: Span::new(at + dstart, at + dstart + *dlen),
        entry: None,
        added: false,
    })
}

/// `RegWriteDWordValue(HKEY_LOCAL_MACHINE, 'SYSTEM\...', 'Enabled', 1)` in `[Code]`.
fn code_line(line: &str, line_start: usize, facts: &mut Vec<Fact>) {
    let lower = line.to_ascii_lowercase();
    for (func, numeric) in [
        ("regwritedwordvalue(", true),
        ("regwriteqwordvalue(", true),
        ("regwritestringvalue(", false),
        ("regwriteexpandstringvalue(", false),
    ] {
        let Some(p) = lower.find(func) else { continue };
        let args_at = p + func.len();
        let args = pascal_args(&line[args_at..]);
        if args.len() != 4 {
            continue;
        }
        let (Some(hive), Some(key), Some(name)) = (
            root(&args[0].0),
            pascal_string(&args[1].0),
            pascal_string(&args[2].0),
        ) else {
            continue;
        };
        let (raw, off) = &args[3];
        let raw_t = raw.trim();
        if raw_t.is_empty() {
            continue;
        }
        let value = if numeric {
            number(raw_t).map_or(Value::Unknown, Value::Int)
        } else {
            pascal_string(raw_t).map_or(Value::Unknown, Value::Str)
        };
        let start = line_start + args_at + off + (raw.len() - raw.trim_start().len());
        facts.push(Fact::Registry(RegistryWrite {
            key: format!("{hive}\\{key}"),
            value_name: name,
            value,
            span: Span::new(start, start + raw_t.len()),
            entry: None,
            added: false,
        }));
    }
}

/// A Pascal string literal `'a''b'` -> `a'b`.
fn pascal_string(s: &str) -> Option<String> {
    let s = s.trim();
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(inner.replace("''", "'"))
}

/// The comma-separated arguments up to the closing parenthesis, with their offsets.
fn pascal_args(s: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth == 0 => {
                out.push((s[start..i].to_string(), start));
                return out;
            }
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push((s[start..i].to_string(), start));
                start = i + 1;
            }
            _ => {}
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writes(t: &str) -> Vec<RegistryWrite> {
        let mut f = Vec::new();
        analyze(t, &mut f);
        f.into_iter()
            .filter_map(|f| match f {
                Fact::Registry(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn registry_section() {
        let t = "[Setup]\nAppName=X\n\n[Registry]\n; legacy partner\nRoot: HKLM64; Subkey: \"SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Client\"; ValueType: dword; ValueName: \"Enabled\"; ValueData: $1; Flags: uninsdeletevalue\nRoot: HKCU; Subkey: \"Software\\X\"; ValueType: string; ValueName: \"Path\"; ValueData: \"{app}\"\nRoot: HKLM; Subkey: \"Software\\X\"; ValueType: none; Flags: deletekey\n[Files]\nRoot: HKLM; Subkey: \"A\"; ValueType: dword; ValueName: \"B\"; ValueData: 1\n";
        let w = writes(t);
        assert_eq!(w.len(), 2);
        assert!(w[0].key.starts_with("HKLM\\SYSTEM\\"));
        assert_eq!(w[0].value_name, "Enabled");
        assert_eq!(w[0].value, Value::Int(1));
        assert_eq!(&t[w[0].span.start..w[0].span.end], "$1");
        assert_eq!(w[1].value, Value::Unknown);
    }

    #[test]
    fn code_section() {
        let t = "[Code]\nprocedure X;\nbegin\n  RegWriteDWordValue(HKEY_LOCAL_MACHINE, 'SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319', 'SchUseStrongCrypto', 0);\n  RegWriteStringValue(HKCU, 'Software\\It''s', 'Name', 'v');\nend;\n";
        let w = writes(t);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].value_name, "SchUseStrongCrypto");
        assert_eq!(w[0].value, Value::Int(0));
        assert_eq!(&t[w[0].span.start..w[0].span.end], "0");
        assert_eq!(w[1].key, "HKCU\\Software\\It's");
    }

    #[test]
    fn hostile_lines() {
        for t in [
            "[Registry]\nRoot:\n",
            "[Registry]\nRoot: HKLM; Subkey: \"unterminated\n",
            "[Registry]\n:;:;::;;\n",
            "[Code]\nRegWriteDWordValue(\n",
            "[Code]\nRegWriteDWordValue(HKLM, 'a', 'b', (1)\n",
            "[Registry]\nRoot: HKLM; Subkey: \"\u{e9}\"; ValueType: dword; ValueName: \"\u{e9}\"; ValueData: \"\u{e9}\"\n",
        ] {
            let _ = writes(t);
        }
    }
}
