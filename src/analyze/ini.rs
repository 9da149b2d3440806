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
    // A template (`npmrc.j2`): its statements are blanked, positions kept.
    let dialects = super::template::detect(text);
    let blanked;
    let text = if dialects.any() {
        blanked = super::template::blank(text, dialects, false);
        blanked.text.as_str()
    } else {
        text
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

/// Analyzes an Ansible INI inventory (`hosts`, `inventory.ini`, `inventory.winrm.j2`):
/// every `key=value` variable of a host line or a `[group:vars]` section becomes an
/// `ansible` setting (`ansible_winrm_server_cert_validation=ignore`,
/// `aci_validate_certs=no`). Jinja directives of `.j2` templates are blanked first,
/// positions kept.
pub fn analyze_inventory(text: &str, facts: &mut Vec<Fact>) {
    let dialects = super::template::Dialects {
        go: false,
        jinja: true,
    };
    let blanked = super::template::blank(text, dialects, true);
    let text = blanked.text.as_str();
    let mut section_kind = Section::Hosts;
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
            let name = t.trim_start_matches('[').split(']').next().unwrap_or("");
            section_kind = if name.ends_with(":vars") {
                Section::Vars
            } else if name.ends_with(":children") {
                Section::Children
            } else {
                Section::Hosts
            };
            continue;
        }
        let at = line_start + lead;
        match section_kind {
            Section::Children => {}
            Section::Vars => {
                if let Some(eq) = t.find('=') {
                    let key = t[..eq].trim();
                    let v = t[eq + 1..].trim_start();
                    let v = strip_comment(v).trim_end();
                    let vstart = at + (t.len() - t[eq + 1..].trim_start().len());
                    inventory_var(key, v, vstart, facts);
                }
            }
            Section::Hosts => {
                // `host key=value key="a b" ...`: the first word is the host.
                for (w, wstart) in inventory_words(t).into_iter().skip(1) {
                    if w.starts_with('#') {
                        break;
                    }
                    if let Some(eq) = w.find('=') {
                        inventory_var(&w[..eq], &w[eq + 1..], at + wstart + eq + 1, facts);
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Section {
    Hosts,
    Vars,
    Children,
}

/// One inventory variable; `vstart` is where `value` (quotes included) starts.
fn inventory_var(key: &str, value: &str, vstart: usize, facts: &mut Vec<Fact>) {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return;
    }
    let bare = value.trim_matches(['"', '\'']);
    if bare.is_empty() {
        return;
    }
    let q = value.len() - value.trim_start_matches(['"', '\'']).len();
    let start = vstart + q;
    facts.push(Fact::Setting(SettingFact {
        domain: "ansible",
        key: key.to_string(),
        value: Value::Str(bare.to_string()),
        span: Span::new(start, start + bare.len()),
    }));
}

/// Whitespace-separated words with their offsets; quotes group (`k="a b"`).
fn inventory_words(t: &str) -> Vec<(&str, usize)> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        let mut quote: Option<u8> = None;
        while i < b.len() {
            let c = b[i];
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == b'"' || c == b'\'' => quote = Some(c),
                None if c.is_ascii_whitespace() => break,
                None => {}
            }
            i += 1;
        }
        if i > start {
            if let Some(w) = t.get(start..i) {
                out.push((w, start));
            }
        }
    }
    out
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
        crate::analyze::settings_of(f, text)
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

    fn inventory(text: &str) -> Vec<(String, String, String)> {
        let mut f = Vec::new();
        analyze_inventory(text, &mut f);
        crate::analyze::settings_of(f, text)
    }

    #[test]
    fn inventory_hosts_and_vars() {
        let t = "[win]\nweb01 ansible_host=10.0.0.5 ansible_winrm_server_cert_validation=ignore\n\n[win:vars]\nansible_connection = winrm\naci_validate_certs=\"no\" ; lab\n[all:children]\nwin\n";
        let s = inventory(t);
        assert!(s.contains(&(
            "ansible_winrm_server_cert_validation".into(),
            "ignore".into(),
            "ignore".into()
        )));
        assert!(
            s.contains(&("aci_validate_certs".into(), "no".into(), "no".into())),
            "{s:?}"
        );
        assert!(s.iter().all(|(k, _, _)| k != "win"));
    }

    #[test]
    fn inventory_jinja_template() {
        let t = "[windows]\n{% for h in groups.windows %}\n{{ h }} ansible_host={{ hostvars[h]['ip'] }}{% if x %} ansible_port=5986{% endif %}\n{% endfor %}\n[windows:vars]\nansible_psrp_cert_validation=ignore\n";
        let s = inventory(t);
        assert!(
            s.iter().any(|(k, v, _)| k == "ansible_port" && v == "5986"),
            "{s:?}"
        );
        assert!(
            s.iter()
                .any(|(k, v, at)| k == "ansible_psrp_cert_validation"
                    && v == "ignore"
                    && at == "ignore")
        );
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
