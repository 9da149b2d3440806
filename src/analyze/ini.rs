//! INI-style configuration files: `.gitconfig`, `.npmrc`/`.yarnrc`, `pip.conf`/`pip.ini`,
//! `.wgetrc`, `.curlrc`, OpenSSL's `openssl.cnf`.
//!
//! Each `key = value` line becomes a setting in the file's domain, qualified by its
//! section (`http "https://git.example/".sslverify` -> `http.https://git.example/.sslverify`);
//! `.curlrc` lines are curl options. Comments (`#`, `;`) are skipped.

use crate::diagnostic::Span;
use crate::facts::{Fact, OptionFact, SettingFact};
use crate::format::FileFormat;
use crate::rules::value::Value;

/// Analyzes an INI-style file of `format`.
pub fn analyze(format: FileFormat, text: &str, facts: &mut Vec<Fact>) {
    let domain = match format {
        FileFormat::GitConfig => "git-config",
        FileFormat::Npmrc => "npm-config",
        FileFormat::PipConf => "pip-config",
        FileFormat::Wgetrc => "wgetrc",
        FileFormat::Curlrc => "curlrc",
        FileFormat::OpenSslConf => "openssl-conf",
        _ => return,
    };
    let mut section = String::new();
    let mut off = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = off;
        off += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let lead = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if t.starts_with('[') {
            section = section_name(t);
            continue;
        }
        if format == FileFormat::Curlrc {
            curlrc_line(t, line_start + lead, facts);
            continue;
        }
        // `key = value`, `key=value`, `key value` (.yarnrc), or a bare key (git: true).
        let (key, value, vpos) = match t
            .find(['=', ':'])
            .filter(|_| format != FileFormat::Npmrc || t.contains('='))
        {
            Some(eq) if format != FileFormat::Npmrc || t.as_bytes()[eq] == b'=' => {
                let v = t[eq + 1..].trim_start();
                (t[..eq].trim(), v, t.len() - v.len())
            }
            _ => match t.split_once(char::is_whitespace) {
                Some((k, v)) if format == FileFormat::Npmrc => {
                    let v = v.trim_start();
                    (k, v, t.len() - v.len())
                }
                _ => (t, "true", t.len()),
            },
        };
        let value = strip_comment(value);
        let value = value.trim().trim_matches('"');
        let vstart = line_start + lead + vpos;
        let span = if vpos < t.len() {
            Span::new(vstart, vstart + value.len().max(1))
        } else {
            Span::new(line_start + lead, line_start + lead + t.len())
        };
        let key = key.to_ascii_lowercase();
        let full = if section.is_empty() {
            key
        } else {
            format!("{section}.{key}")
        };
        facts.push(Fact::Setting(SettingFact {
            domain,
            key: full,
            value: Value::Str(value.to_string()),
            span,
        }));
    }
}

fn strip_comment(v: &str) -> &str {
    let mut quoted = false;
    for (i, c) in v.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '#' | ';' if !quoted && (i == 0 || v[..i].ends_with(char::is_whitespace)) => {
                return &v[..i];
            }
            _ => {}
        }
    }
    v
}

/// `[http]`, `[http "https://x/"]`, `[global]` -> `http`, `http.https://x/`, `global`.
fn section_name(t: &str) -> String {
    let inner = t
        .trim_start_matches('[')
        .split(']')
        .next()
        .unwrap_or("")
        .trim();
    match inner.split_once(char::is_whitespace) {
        Some((s, sub)) => format!(
            "{}.{}",
            s.to_ascii_lowercase(),
            sub.trim().trim_matches('"')
        ),
        None => inner.to_ascii_lowercase(),
    }
}

/// A `.curlrc` line: `insecure`, `--insecure`, `-k`, `tlsv1.0`, `tls-max = 1.1`.
fn curlrc_line(t: &str, at: usize, facts: &mut Vec<Fact>) {
    let (name, rest) = match t.find(|c: char| c.is_whitespace() || c == '=' || c == ':') {
        Some(i) => (
            &t[..i],
            t[i..].trim_start_matches(|c: char| c.is_whitespace() || c == '=' || c == ':'),
        ),
        None => (t, ""),
    };
    let option = if name.starts_with('-') {
        name.to_string()
    } else {
        format!("--{name}")
    };
    let option_span = Span::new(at, at + name.len());
    let next = (!rest.is_empty()).then(|| {
        let v = rest.trim().trim_matches('"');
        let vs = at + t.len() - rest.len();
        (Value::Str(v.to_string()), Span::new(vs, vs + rest.len()))
    });
    facts.push(Fact::Option(OptionFact {
        command: "curl".into(),
        option,
        option_span,
        attached: None,
        next,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(format: FileFormat, text: &str) -> Vec<(String, String, String)> {
        let mut f = Vec::new();
        analyze(format, text, &mut f);
        f.into_iter()
            .filter_map(|f| match f {
                Fact::Setting(s) => Some((
                    s.key,
                    s.value.text(),
                    text[s.span.start..s.span.end].to_string(),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn gitconfig_sections() {
        let s = settings(
            FileFormat::GitConfig,
            "[http]\n\tsslVerify = false # lab\n[http \"https://x.example/\"]\n\tsslVerify\n",
        );
        assert_eq!(
            s[0],
            ("http.sslverify".into(), "false".into(), "false".into())
        );
        assert_eq!(s[1].0, "http.https://x.example/.sslverify");
        assert_eq!(s[1].1, "true");
    }

    #[test]
    fn npmrc_and_pip() {
        let s = settings(
            FileFormat::Npmrc,
            "strict-ssl=false\n//reg.example/:_authToken=x\n",
        );
        assert_eq!(s[0].0, "strict-ssl");
        let s = settings(
            FileFormat::PipConf,
            "[global]\ntrusted-host = pypi.example\n",
        );
        assert_eq!(s[0].0, "global.trusted-host");
    }
}
