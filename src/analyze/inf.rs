//! Security templates: Group Policy `GptTmpl.inf` (`...\GPO\Machine\Microsoft\Windows
//! NT\SecEdit\GptTmpl.inf` in GPO backups and security baselines) and `secedit /export`
//! files. Usually UTF-16LE; the decoder handles that.
//!
//! The `[Registry Values]` section writes registry values, one a line:
//! `MACHINE\System\...\SCHANNEL\Protocols\TLS 1.0\Server\Enabled=4,1` is the key
//! (`MACHINE\` is `HKLM`, `USER\` is `HKCU`, `CLASSES_ROOT\` is `HKCR`), the value name
//! after the last backslash, the registry type (1 `REG_SZ`, 2 `REG_EXPAND_SZ`,
//! 3 `REG_BINARY`, 4 `REG_DWORD`, 7 `REG_MULTI_SZ`) and the data. Each becomes a
//! [`RegistryWrite`] with the data as its span.

use crate::diagnostic::Span;
use crate::facts::Fact;
use crate::rules::registry::RegistryWrite;
use crate::rules::tables::parse_int;
use crate::rules::value::Value;

/// The hive of a security-template key's first component.
fn hive(first: &str) -> Option<&'static str> {
    Some(match first.to_ascii_uppercase().as_str() {
        "MACHINE" => "HKLM",
        "USER" | "USERS" => "HKCU",
        "CLASSES_ROOT" => "HKCR",
        _ => return None,
    })
}

/// Analyzes a security template.
pub fn analyze(text: &str, facts: &mut Vec<Fact>) {
    let mut in_registry = false;
    let mut off = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = off;
        off += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let lead = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() || t.starts_with(';') {
            continue;
        }
        if t.starts_with('[') {
            in_registry = t.eq_ignore_ascii_case("[Registry Values]");
            continue;
        }
        if !in_registry {
            continue;
        }
        if let Some(w) = registry_value(t, line_start + lead) {
            facts.push(Fact::Registry(w));
        }
    }
}

/// `MACHINE\path\Name=4,1` at offset `at`.
fn registry_value(t: &str, at: usize) -> Option<RegistryWrite> {
    let eq = t.find('=')?;
    let (path, rest) = (t[..eq].trim(), &t[eq + 1..]);
    let path = path.trim_matches('"');
    let (first, tail) = path.split_once('\\')?;
    let hive = hive(first)?;
    let (key, name) = tail.rsplit_once('\\')?;
    let comma = rest.find(',')?;
    let kind = rest[..comma].trim();
    let data_raw = &rest[comma + 1..];
    let data = data_raw.trim();
    if data.is_empty() {
        return None;
    }
    let data_at = at + eq + 1 + comma + 1 + (data_raw.len() - data_raw.trim_start().len());
    let value = match kind {
        "4" | "11" => parse_int(data).map_or(Value::Unknown, Value::Int),
        "1" | "2" | "7" => Value::Str(data.trim_matches('"').to_string()),
        _ => Value::Unknown,
    };
    Some(RegistryWrite {
        key: format!("{hive}\\{key}"),
        value_name: name.to_string(),
        value,
        span: Span::new(data_at, data_at + data.len()),
        entry: None,
        added: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_values_section() {
        let t = "[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nMinimumPasswordAge = 1\r\n[Registry Values]\r\nMACHINE\\System\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server\\Enabled=4,1\r\nMACHINE\\Software\\Policies\\X\\Url=1,\"https://x\"\r\n; MACHINE\\A\\B=4,1\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nMACHINE\\A\\B=4,1\r\n";
        let mut f = Vec::new();
        analyze(t, &mut f);
        let w: Vec<RegistryWrite> = f
            .into_iter()
            .filter_map(|f| match f {
                Fact::Registry(r) => Some(r),
                _ => None,
            })
            .collect();
        assert_eq!(w.len(), 2);
        assert!(w[0].key.starts_with("HKLM\\System\\"));
        assert!(w[0].key.ends_with("TLS 1.0\\Server"));
        assert_eq!(w[0].value_name, "Enabled");
        assert_eq!(w[0].value, Value::Int(1));
        assert_eq!(&t[w[0].span.start..w[0].span.end], "1");
        assert_eq!(w[1].value, Value::Str("https://x".into()));
    }

    #[test]
    fn malformed_lines() {
        let mut f = Vec::new();
        analyze(
            "[Registry Values]\nMACHINE\nMACHINE\\A=4\nOTHER\\A\\B=4,1\n=\n\\=,\n",
            &mut f,
        );
        assert!(f.is_empty());
    }
}
