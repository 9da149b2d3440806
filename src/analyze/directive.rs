//! Directive-style server configuration: nginx, Apache httpd, HAProxy and Mosquitto.
//!
//! Each format is a list of directives (`name arg arg ...`), with `#` comments and quoted
//! arguments; nginx ends them with `;` and nests `{ }` blocks, Apache continues lines
//! with `\` and wraps sections in `<Tag>`, HAProxy groups keyword lines under section
//! headers and puts many `keyword value` pairs on one `bind`/`server` line. Every
//! directive becomes a setting in the format's domain (`nginx`, `apache`, `haproxy`,
//! `mosquitto`), keyed by its name (lower-case), its value the arguments joined by single
//! spaces, its span the written arguments. What a value means is the rules' business;
//! the one exception is Apache's `SSLProtocol` list, whose `+`/`-`/`all` arithmetic is
//! resolved here to the protocols it leaves enabled.
//!
//! Helm/Jinja template expressions (`{{ ... }}`) inside a value make it unknown.

use crate::diagnostic::Span;
use crate::facts::{Fact, SettingFact};
use crate::rules::value::Value;

/// A word of a directive: its text (quotes removed) and where it is written.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    span: Span,
}

fn push(domain: &'static str, key: String, value: Value, span: Span, facts: &mut Vec<Fact>) {
    facts.push(Fact::Setting(SettingFact {
        domain,
        key,
        value,
        span,
    }));
}

/// The arguments' value (unknown when a template expression is part of it) and span.
fn args_value(args: &[Word]) -> Option<(Value, Span)> {
    let (first, last) = (args.first()?, args.last()?);
    let span = Span::new(first.span.start, last.span.end);
    let templated = args
        .iter()
        .any(|w| w.text.contains("{{") || w.text.contains("{%"));
    let value = if templated {
        Value::Unknown
    } else {
        Value::Str(
            args.iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        )
    };
    Some((value, span))
}

/// Splits one line (starting at byte `base` of the file) into words: whitespace
/// separates, `'...'`/`"..."` quote (with `\` escapes), `#` at a word's start begins a
/// comment, and `{{ ... }}` stays one word.
fn line_words(line: &str, base: usize) -> Vec<Word> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'#' {
            break;
        }
        let start = i;
        let mut text = String::new();
        while i < b.len() && !b[i].is_ascii_whitespace() {
            match b[i] {
                q @ (b'"' | b'\'') => {
                    let from = i + 1;
                    let mut j = from;
                    let mut s = String::new();
                    while j < b.len() && b[j] != q {
                        if b[j] == b'\\' && j + 1 < b.len() {
                            j += 1;
                        }
                        j += 1;
                    }
                    if let Some(inner) = line.get(from..j.min(b.len())) {
                        s.push_str(&inner.replace("\\\"", "\"").replace("\\'", "'"));
                    }
                    text.push_str(&s);
                    i = (j + 1).min(b.len());
                }
                b'{' if b.get(i + 1) == Some(&b'{') => {
                    let end = line[i..].find("}}").map_or(b.len(), |k| i + k + 2);
                    text.push_str(line.get(i..end).unwrap_or(""));
                    i = end;
                }
                _ => {
                    let ch_len = line[i..].chars().next().map_or(1, char::len_utf8);
                    text.push_str(&line[i..i + ch_len]);
                    i += ch_len;
                }
            }
        }
        out.push(Word {
            text,
            span: Span::new(base + start, base + i),
        });
    }
    out
}

/// Lines of `text` with their start offsets, line ends removed.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut off = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = off;
        off += raw.len();
        (start, raw.trim_end_matches(['\n', '\r']))
    })
}

/// nginx: `name args;` directives, `name args { ... }` blocks, `#` comments.
pub fn analyze_nginx(text: &str, facts: &mut Vec<Fact>) {
    let b = text.as_bytes();
    let mut words: Vec<Word> = Vec::new();
    let mut i = 0;
    let emit = |words: &mut Vec<Word>, facts: &mut Vec<Fact>| {
        if let Some((name, args)) = words.split_first() {
            if let Some((value, span)) = args_value(args) {
                push("nginx", name.text.to_ascii_lowercase(), value, span, facts);
            }
        }
        words.clear();
    };
    while i < b.len() {
        if crate::budget::exceeded() {
            return;
        }
        let c = b[i];
        match c {
            b'#' => {
                i = text[i..].find('\n').map_or(b.len(), |k| i + k);
            }
            b';' => {
                emit(&mut words, facts);
                i += 1;
            }
            b'{' if b.get(i + 1) != Some(&b'{') => {
                // A block opens: its head (`server`, `location /x`) is not a setting.
                words.clear();
                i += 1;
            }
            b'}' => {
                // A directive without `;` before `}` is a syntax error; drop it.
                words.clear();
                i += 1;
            }
            _ if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                let mut text_out = String::new();
                while i < b.len() {
                    let d = b[i];
                    if d.is_ascii_whitespace() || d == b';' || d == b'}' {
                        break;
                    }
                    if d == b'{' {
                        if b.get(i + 1) == Some(&b'{') {
                            let end = text[i..].find("}}").map_or(b.len(), |k| i + k + 2);
                            text_out.push_str(text.get(i..end).unwrap_or(""));
                            i = end;
                            continue;
                        }
                        // `${var}` inside a word; otherwise a block opens.
                        if i > start && b[i - 1] == b'$' {
                            let end = text[i..].find('}').map_or(b.len(), |k| i + k + 1);
                            text_out.push_str(text.get(i..end).unwrap_or(""));
                            i = end;
                            continue;
                        }
                        break;
                    }
                    if d == b'"' || d == b'\'' {
                        let from = i + 1;
                        let mut j = from;
                        while j < b.len() && b[j] != d {
                            if b[j] == b'\\' {
                                j += 1;
                            }
                            j += 1;
                        }
                        text_out.push_str(text.get(from..j.min(b.len())).unwrap_or(""));
                        i = (j + 1).min(b.len());
                        continue;
                    }
                    let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
                    text_out.push_str(&text[i..i + ch_len]);
                    i += ch_len;
                }
                // A template statement (`{{- if .Values.x }}`) before a directive is
                // not part of it.
                let template = text_out.starts_with("{{") || text_out.starts_with("{%");
                if !(template && words.is_empty()) {
                    words.push(Word {
                        text: text_out,
                        span: Span::new(start, i),
                    });
                }
            }
        }
    }
}

/// Apache httpd: one directive per line (`\` continues it), `#` comment lines,
/// `<Section>` tags skipped.
pub fn analyze_apache(text: &str, facts: &mut Vec<Fact>) {
    let mut pending: Vec<Word> = Vec::new();
    for (start, line) in lines(text) {
        let trimmed = line.trim_start();
        let continued = line.trim_end().ends_with('\\');
        if pending.is_empty() && (trimmed.starts_with('#') || trimmed.starts_with('<')) {
            continue;
        }
        let body = if continued {
            &line[..line.trim_end().len() - 1]
        } else {
            line
        };
        pending.extend(line_words(body, start));
        if continued {
            continue;
        }
        let words = std::mem::take(&mut pending);
        let Some((name, args)) = words.split_first() else {
            continue;
        };
        let key = name.text.to_ascii_lowercase();
        let Some((mut value, span)) = args_value(args) else {
            continue;
        };
        if matches!(key.as_str(), "sslprotocol" | "sslproxyprotocol") && value != Value::Unknown {
            value = Value::Str(apache_protocols(args));
        }
        push("apache", key, value, span, facts);
    }
}

/// The protocols an Apache `SSLProtocol` list leaves enabled, in order: `all` is every
/// protocol mod_ssl knows (SSLv3 and TLSv1 to TLSv1.3), `+X` adds, `-X` removes, and a
/// word without a sign replaces what was set before (as mod_ssl does).
fn apache_protocols(args: &[Word]) -> String {
    const ALL: [&str; 5] = ["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
    let canonical = |w: &str| -> Vec<&'static str> {
        if w.eq_ignore_ascii_case("all") {
            return ALL.to_vec();
        }
        ["SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
            .into_iter()
            .filter(|p| p.eq_ignore_ascii_case(w))
            .collect()
    };
    let mut on: Vec<&'static str> = Vec::new();
    for a in args {
        let (sign, name) = match a.text.chars().next() {
            Some(c @ ('+' | '-')) => (Some(c), &a.text[1..]),
            _ => (None, a.text.as_str()),
        };
        let set = canonical(name);
        match sign {
            Some('+') => {
                for p in set {
                    if !on.contains(&p) {
                        on.push(p);
                    }
                }
            }
            Some(_) => on.retain(|p| !set.contains(p)),
            None => on = set,
        }
    }
    if on.is_empty() {
        "none".to_string()
    } else {
        on.join(" ")
    }
}

/// HAProxy: section headers (`global`, `defaults`, `frontend X`, `backend X`), keyword
/// lines. On `bind`, `server` and `default-server` lines and in the global
/// `ssl-default-bind-options`/`ssl-default-server-options`, each TLS parameter becomes
/// its own setting `LINE.PARAM` (`server.verify` = `none`, `bind.ssl-min-ver` = `TLSv1.0`,
/// `server.force-tlsv10`); other keyword lines are settings keyed by the keyword.
pub fn analyze_haproxy(text: &str, facts: &mut Vec<Fact>) {
    const WITH_VALUE: &[&str] = &["verify", "ssl-min-ver", "ssl-max-ver", "ciphers"];
    for (start, line) in lines(text) {
        let words = line_words(line, start);
        let Some((kw, args)) = words.split_first() else {
            continue;
        };
        let kw_l = kw.text.to_ascii_lowercase();
        let params: &[Word] = match kw_l.as_str() {
            // `server NAME ADDR params...`
            "server" => args.get(2..).unwrap_or(&[]),
            // `bind ADDR params...`
            "bind" => args.get(1..).unwrap_or(&[]),
            "default-server" | "ssl-default-bind-options" | "ssl-default-server-options" => args,
            _ => {
                if let Some((value, span)) = args_value(args) {
                    push("haproxy", kw_l, value, span, facts);
                }
                continue;
            }
        };
        let mut i = 0;
        while i < params.len() {
            let p = params[i].text.to_ascii_lowercase();
            if WITH_VALUE.contains(&p.as_str()) {
                if let Some(v) = params.get(i + 1) {
                    let value = if v.text.contains("{{") {
                        Value::Unknown
                    } else {
                        Value::Str(v.text.clone())
                    };
                    push("haproxy", format!("{kw_l}.{p}"), value, v.span, facts);
                }
                i += 2;
                continue;
            }
            if p.starts_with("force-") || p.starts_with("no-") {
                push(
                    "haproxy",
                    format!("{kw_l}.{p}"),
                    Value::Flag,
                    params[i].span,
                    facts,
                );
            }
            i += 1;
        }
    }
}

/// Mosquitto: `option value` lines, `#` comments.
pub fn analyze_mosquitto(text: &str, facts: &mut Vec<Fact>) {
    for (start, line) in lines(text) {
        let words = line_words(line, start);
        let Some((name, args)) = words.split_first() else {
            continue;
        };
        if let Some((value, span)) = args_value(args) {
            push(
                "mosquitto",
                name.text.to_ascii_lowercase(),
                value,
                span,
                facts,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(f: fn(&str, &mut Vec<Fact>), text: &str) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        f(text, &mut out);
        crate::analyze::settings_of(out, text)
    }

    #[test]
    fn nginx_directives_and_blocks() {
        let s = settings(
            analyze_nginx,
            "http {\n  # ssl_protocols SSLv3;\n  server {\n    listen 443 ssl;\n    ssl_protocols  TLSv1 TLSv1.2;\n    location / { proxy_ssl_verify \"off\"; }\n    set $x \"${a}b\";\n  }\n}\n",
        );
        assert_eq!(s[0], ("listen".into(), "443 ssl".into(), "443 ssl".into()));
        assert_eq!(
            s[1],
            (
                "ssl_protocols".into(),
                "TLSv1 TLSv1.2".into(),
                "TLSv1 TLSv1.2".into()
            )
        );
        assert_eq!(
            s[2],
            ("proxy_ssl_verify".into(), "off".into(), "\"off\"".into())
        );
        assert_eq!(s[3].1, "$x ${a}b");
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn nginx_templates_are_unknown() {
        let s = settings(
            analyze_nginx,
            "server {\n  ssl_protocols {{ .Values.tls.protocols }};\n  {{- if .Values.x }}\n  proxy_ssl_verify off;\n  {{- end }}\n}\n",
        );
        assert_eq!(s[0].0, "ssl_protocols");
        assert_eq!(s[0].1, "?");
        assert!(s.iter().any(|x| x.0 == "proxy_ssl_verify" && x.1 == "off"));
    }

    #[test]
    fn apache_protocol_arithmetic() {
        let s = settings(
            analyze_apache,
            "<VirtualHost *:443>\n  SSLProtocol all -SSLv3\n  SSLProxyProtocol -all +TLSv1.2 \\\n     +TLSv1.3\n  SSLProtocol TLSv1.2\n  #SSLProtocol all\n  SSLProxyVerify none\n</VirtualHost>\n",
        );
        assert_eq!(s[0].1, "TLSv1 TLSv1.1 TLSv1.2 TLSv1.3");
        assert_eq!(s[0].2, "all -SSLv3");
        assert_eq!(s[1].1, "TLSv1.2 TLSv1.3");
        assert_eq!(s[2].1, "TLSv1.2");
        assert_eq!(
            s[3],
            ("sslproxyverify".into(), "none".into(), "none".into())
        );
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn haproxy_line_parameters() {
        let s = settings(
            analyze_haproxy,
            "global\n  ssl-default-bind-options ssl-min-ver TLSv1.0 no-tls-tickets\n  ssl-server-verify none\nbackend app\n  server app1 10.0.0.5:443 ssl verify none check\n  server app2 10.0.0.6:443 ssl verify required ca-file /etc/ca.pem\n",
        );
        assert!(s.contains(&(
            "ssl-default-bind-options.ssl-min-ver".into(),
            "TLSv1.0".into(),
            "TLSv1.0".into()
        )));
        assert!(s.contains(&("ssl-server-verify".into(), "none".into(), "none".into())));
        assert!(s.contains(&("server.verify".into(), "none".into(), "none".into())));
        assert!(s.contains(&("server.verify".into(), "required".into(), "required".into())));
    }
}
