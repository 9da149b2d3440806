//! Values carried by facts and the conditions rules put on them.
//!
//! Scripts spell the same value many ways (`0`, `0x0`, `'0'`, `$false`, `no`, `false`);
//! [`Value`] keeps what was written and [`When`] answers questions like "is this false?"
//! the same way for every format.

use crate::rules::tables::parse_int;
use serde::Deserialize;

/// A value as written by a setting, option or registry write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A number (DWORD/QWORD data, numeric literal).
    Int(u64),
    /// Text (string data, an option's argument, a config value).
    Str(String),
    /// A switch present without an argument (`-SkipCertificateCheck`, `--insecure`).
    Flag,
    /// Written, but not known statically (a variable, an expression).
    Unknown,
}

impl Value {
    /// The value as a number, when it is one or is text that spells one.
    pub fn as_int(&self) -> Option<u64> {
        match self {
            Value::Int(v) => Some(*v),
            Value::Str(s) => parse_int(s),
            Value::Flag | Value::Unknown => None,
        }
    }

    /// A truth value, when the value spells one (`true`/`false`, `yes`/`no`, `on`/`off`,
    /// `1`/`0`, `$true`/`$false`; a bare switch is true).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Int(v) => Some(*v != 0),
            Value::Flag => Some(true),
            Value::Unknown => None,
            Value::Str(s) => {
                let t = s.trim().trim_matches(|c| c == '\'' || c == '"').trim();
                let t = t.strip_prefix('$').unwrap_or(t);
                match t.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "y" | "1" | "t" => Some(true),
                    "false" | "no" | "off" | "n" | "0" | "f" | "none" | "null" | "nil" => {
                        Some(false)
                    }
                    _ => parse_int(t).map(|v| v != 0),
                }
            }
        }
    }

    /// The text of the value (numbers in decimal).
    pub fn text(&self) -> String {
        match self {
            Value::Int(v) => v.to_string(),
            Value::Str(s) => s.clone(),
            Value::Flag => String::new(),
            Value::Unknown => "?".to_string(),
        }
    }
}

/// A condition on a value, written in rule files as `when = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    /// Any write, also of an unknown value.
    #[default]
    Any,
    /// A known value that is numerically zero.
    Zero,
    /// A known value that is numerically non-zero.
    Nonzero,
    /// A known value that spells false (or zero).
    False,
    /// A known value that spells true (or non-zero), or a bare switch.
    True,
    /// A known value equal (case-insensitively) to one of the rule's `values`; for a list
    /// value (`'Tls11,Tls12'`), any element.
    Equals,
    /// A known value that contains (case-insensitively) one of the rule's `values` as a
    /// substring (`DEFAULT:@SECLEVEL=0` contains `@SECLEVEL=0`).
    Contains,
    /// A known list value that lacks at least one of the rule's `values` as an element
    /// (`jdk.tls.disabledAlgorithms=SSLv3, RC4` lacks `TLSv1`).
    Lacks,
}

impl When {
    /// Whether `value` satisfies the condition; `values` is used by [`When::Equals`].
    pub fn holds(self, value: &Value, values: &[String]) -> bool {
        match self {
            When::Any => true,
            When::Zero => value.as_int() == Some(0),
            When::Nonzero => value.as_int().is_some_and(|v| v != 0),
            When::False => value.as_bool() == Some(false),
            When::True => value.as_bool() == Some(true),
            When::Equals => match value {
                // A list value ('Tls11,Tls12', "Tls11, Tls12") holds when any element does.
                Value::Str(s) => {
                    elements(s).any(|t| values.iter().any(|v| v.eq_ignore_ascii_case(t)))
                }
                Value::Int(i) => values.iter().any(|v| parse_int(v) == Some(*i)),
                Value::Flag | Value::Unknown => false,
            },
            When::Contains => match value {
                Value::Str(s) => {
                    let lower = s.to_ascii_lowercase();
                    values
                        .iter()
                        .any(|v| lower.contains(v.to_ascii_lowercase().as_str()))
                }
                Value::Int(_) | Value::Flag | Value::Unknown => false,
            },
            When::Lacks => match value {
                Value::Str(s) => values
                    .iter()
                    .any(|v| !elements(s).any(|t| v.eq_ignore_ascii_case(t))),
                Value::Int(_) | Value::Flag | Value::Unknown => false,
            },
        }
    }
}

/// The elements of a list value (`'Tls11,Tls12'`, `"Tls11, Tls12"`, `SSLv3; RC4`).
fn elements(s: &str) -> impl Iterator<Item = &str> {
    s.split([',', ' ', ';', '|', '\t', '\n', '\r'])
        .map(|t| t.trim().trim_matches(|c| c == '\'' || c == '"').trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthiness() {
        assert_eq!(Value::Str("$false".into()).as_bool(), Some(false));
        assert_eq!(Value::Str("no".into()).as_bool(), Some(false));
        assert_eq!(Value::Str("'0'".into()).as_bool(), Some(false));
        assert_eq!(Value::Str("True".into()).as_bool(), Some(true));
        assert_eq!(Value::Flag.as_bool(), Some(true));
        assert_eq!(Value::Unknown.as_bool(), None);
        assert_eq!(Value::Str("maybe".into()).as_bool(), None);
    }

    #[test]
    fn conditions() {
        assert!(When::Zero.holds(&Value::Str("0x0".into()), &[]));
        assert!(!When::Zero.holds(&Value::Unknown, &[]));
        assert!(When::Any.holds(&Value::Unknown, &[]));
        assert!(When::Nonzero.holds(&Value::Int(0xFFFF_FFFF), &[]));
        assert!(When::Equals.holds(&Value::Str("'ignore'".into()), &["Ignore".into()]));
        assert!(When::Equals.holds(&Value::Str("Tls11, Tls12".into()), &["Tls11".into()]));
        assert!(!When::Equals.holds(&Value::Str("Tls12,Tls13".into()), &["Tls".into()]));
        let sec0 = ["@SECLEVEL=0".to_string()];
        assert!(When::Contains.holds(&Value::Str("DEFAULT:@seclevel=0".into()), &sec0));
        assert!(!When::Contains.holds(&Value::Str("DEFAULT:@SECLEVEL=2".into()), &sec0));
        assert!(!When::Contains.holds(&Value::Unknown, &sec0));
        let legacy = ["TLSv1".to_string(), "TLSv1.1".to_string()];
        assert!(When::Lacks.holds(&Value::Str("SSLv3, TLSv1, RC4".into()), &legacy));
        assert!(!When::Lacks.holds(&Value::Str("SSLv3, TLSv1, TLSv1.1, RC4".into()), &legacy));
        assert!(!When::Lacks.holds(&Value::Unknown, &legacy));
    }
}
