//! Registry semantics: the normalized [`RegistryWrite`] fact and key-path matching.
//!
//! Every format that writes the registry (`.reg`, `reg add`, PowerShell, DSC, Group Policy
//! Preferences, Ansible `win_regedit`) produces the same fact, and one table of registry
//! rules judges it (DETECTION.md, "Registry settings"). Key paths compare
//! case-insensitively; `HKLM`, `HKLM:` and `HKEY_LOCAL_MACHINE` are one hive; the
//! `Wow6432Node` view is the same key as the native one; a loaded user hive under
//! `HKEY_USERS\<name>` is judged like `HKCU`; `ControlSet001` is `CurrentControlSet`.

use crate::diagnostic::Span;
use crate::rules::value::Value;

/// A registry value written by a script, an export or a policy.
#[derive(Debug, Clone)]
pub struct RegistryWrite {
    /// The key as written (hive included, any spelling).
    pub key: String,
    /// The value name (`@` or empty for the default value).
    pub value_name: String,
    /// The data written.
    pub value: Value,
    /// Where the data sits: the finding's span.
    pub span: Span,
    /// The whole entry (for a `.reg` value, its lines including the line end): deleting
    /// this span removes the write. `None` when the write cannot be removed on its own.
    pub entry: Option<Span>,
    /// The data is OR-ed into the value already there (`$p = (Get-ItemProperty ...).X;
    /// $p = $p -bor 0x80; Set-ItemProperty ... -Value $p`): only the bits in `value` are
    /// known to be set. Judged on those bits, reported without a fix.
    pub added: bool,
}

/// Canonical hive names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hive {
    /// HKEY_LOCAL_MACHINE.
    LocalMachine,
    /// HKEY_CURRENT_USER (and loaded user hives under HKEY_USERS).
    CurrentUser,
    /// HKEY_CLASSES_ROOT.
    ClassesRoot,
    /// HKEY_CURRENT_CONFIG.
    CurrentConfig,
}

impl Hive {
    fn short(self) -> &'static str {
        match self {
            Hive::LocalMachine => "HKLM",
            Hive::CurrentUser => "HKCU",
            Hive::ClassesRoot => "HKCR",
            Hive::CurrentConfig => "HKCC",
        }
    }

    fn parse(s: &str) -> Option<Hive> {
        let s = s.trim_end_matches(':').to_ascii_uppercase();
        Some(match s.as_str() {
            "HKLM" | "HKEY_LOCAL_MACHINE" => Hive::LocalMachine,
            "HKCU" | "HKEY_CURRENT_USER" => Hive::CurrentUser,
            "HKCR" | "HKEY_CLASSES_ROOT" => Hive::ClassesRoot,
            "HKCC" | "HKEY_CURRENT_CONFIG" => Hive::CurrentConfig,
            _ => return None,
        })
    }
}

/// The short name (`HKLM`) of a hive as .NET or Win32 code spells it:
/// `Registry.LocalMachine`, `RegistryHive.LocalMachine`, `HKEY_LOCAL_MACHINE`.
pub fn hive_short(name: &str) -> Option<&'static str> {
    let last = name.rsplit('.').next().unwrap_or(name);
    let hive = match last {
        "LocalMachine" => Hive::LocalMachine,
        "CurrentUser" => Hive::CurrentUser,
        "ClassesRoot" => Hive::ClassesRoot,
        "CurrentConfig" => Hive::CurrentConfig,
        other => Hive::parse(other)?,
    };
    Some(hive.short())
}

/// Normalizes a key path to `HIVE\UPPER\CASE\PATH`: provider prefixes dropped, separators
/// collapsed, `Wow6432Node` removed, `HKEY_USERS\<name>` mapped to `HKCU`,
/// `ControlSetNNN` mapped to `CurrentControlSet`. `None` when there is no known hive.
pub fn normalize_key(raw: &str) -> Option<String> {
    let mut s = raw.trim().trim_matches(|c| c == '"' || c == '\'');
    // A remote machine (`reg add \\HOST\HKLM\...`): the key is the same key.
    if let Some(rest) = s.strip_prefix("\\\\") {
        s = rest.split_once('\\').map_or("", |(_, r)| r);
    }
    for prefix in ["Microsoft.PowerShell.Core\\Registry::", "Registry::"] {
        // Compared as bytes: the key may have a non-ASCII character at that offset.
        if s.as_bytes()
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
        {
            s = &s[prefix.len()..];
        }
    }
    // `HKLM:SOFTWARE\...` (a drive-relative PowerShell path) is `HKLM:\SOFTWARE\...`.
    let split_drive = s.split_once(':').filter(|(h, r)| {
        !h.contains(['\\', '/']) && !r.starts_with(['\\', '/', ':']) && !r.is_empty()
    });
    let owned;
    if let Some((h, r)) = split_drive {
        owned = format!("{h}:\\{r}");
        s = &owned;
    }
    let mut parts = s.split(['\\', '/']).filter(|p| !p.is_empty());
    let first = parts.next()?;
    let (hive, rest): (Hive, Vec<&str>) = {
        let up = first.trim_end_matches(':').to_ascii_uppercase();
        if up == "HKU" || up == "HKEY_USERS" {
            // HKEY_USERS\<SID or mount name>\... is some user's HKCU.
            let _user = parts.next()?;
            (Hive::CurrentUser, parts.collect())
        } else {
            (Hive::parse(first)?, parts.collect())
        }
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(hive.short());
    for p in rest {
        let up = p.to_ascii_uppercase();
        if up == "WOW6432NODE" {
            continue;
        }
        out.push('\\');
        if up.len() == 13
            && up.starts_with("CONTROLSET")
            && up[10..].bytes().all(|b| b.is_ascii_digit())
        {
            out.push_str("CURRENTCONTROLSET");
        } else {
            out.push_str(&up);
        }
    }
    Some(out)
}

/// Compiles a key pattern from a rule (`HKLM\SYSTEM\...\Protocols\{SSL 2.0,TLS 1.0}\{Client,Server}`,
/// `*` for one path component) into a regex over normalized keys.
pub fn key_pattern_regex(pattern: &str) -> Result<regex::Regex, String> {
    let norm = normalize_key(pattern)
        .ok_or_else(|| format!("key pattern `{pattern}` has no known hive"))?;
    let mut re = String::from("^");
    let mut chars = norm.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                let mut alt = String::new();
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == '}' {
                        closed = true;
                        break;
                    }
                    alt.push(d);
                }
                if !closed {
                    return Err(format!("unclosed `{{` in key pattern `{pattern}`"));
                }
                let alts: Vec<String> = alt.split(',').map(|a| regex::escape(a.trim())).collect();
                re.push_str("(?:");
                re.push_str(&alts.join("|"));
                re.push(')');
            }
            '*' => re.push_str(r"[^\\]*"),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_spellings() {
        let want = Some(r"HKLM\SOFTWARE\MICROSOFT\IIS EXTENSIONS".to_string());
        assert_eq!(
            normalize_key(r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\IIS Extensions"),
            want
        );
        assert_eq!(
            normalize_key(r"HKLM:\software\microsoft\IIS Extensions\"),
            want
        );
        assert_eq!(
            normalize_key(r"Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\IIS Extensions"),
            want
        );
        assert_eq!(
            normalize_key(r"HKLM\SOFTWARE\WOW6432Node\Microsoft\IIS Extensions"),
            want
        );
        assert_eq!(
            normalize_key(r"HKLM:/SOFTWARE//Microsoft/IIS Extensions"),
            want
        );
    }

    #[test]
    fn user_hives() {
        assert_eq!(
            normalize_key(r"Registry::HKEY_USERS\VdaDefault\Software\Microsoft"),
            Some(r"HKCU\SOFTWARE\MICROSOFT".to_string())
        );
        assert_eq!(
            normalize_key(r"HKCU\Software"),
            Some(r"HKCU\SOFTWARE".to_string())
        );
        assert_eq!(normalize_key(r"SOFTWARE\Microsoft"), None);
    }

    #[test]
    fn control_sets() {
        assert_eq!(
            normalize_key(r"HKLM\SYSTEM\ControlSet001\Control"),
            Some(r"HKLM\SYSTEM\CURRENTCONTROLSET\CONTROL".to_string())
        );
    }

    #[test]
    fn patterns() {
        let re = key_pattern_regex(r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\{SSL 3.0,TLS 1.0}\{Client,Server}").unwrap();
        assert!(re.is_match(&normalize_key(r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Server").unwrap()));
        assert!(!re.is_match(&normalize_key(r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.2\Server").unwrap()));
        assert!(!re.is_match(&normalize_key(r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Server\Extra").unwrap()));
    }
}
