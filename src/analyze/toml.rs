//! TOML configuration (Traefik, Telegraf and other Go tools, Cargo's `config.toml`): every
//! scalar `key = value` becomes a `yaml` setting keyed by its own name, as a YAML mapping
//! entry does. A tool's setting is the same whichever format wrote it: Traefik's
//! `insecureSkipVerify = true` is its YAML `insecureSkipVerify: true`, Telegraf's
//! `insecure_skip_verify = true` the same switch as Prometheus's.
//!
//! Parsed by the `toml` crate's span-keeping parser, with error recovery (what parses is
//! read). A string's span is its content where it is written as is (a fix replaces the
//! value, not its quotes), otherwise the whole literal. A document
//! nested deeper than [`MAX_DEPTH`] is not parsed.

use crate::diagnostic::Span;
use crate::facts::{Fact, SettingFact};
use crate::rules::value::Value;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Deepest nesting of arrays, inline tables and table headers read.
const MAX_DEPTH: usize = 128;

/// Analyzes a TOML document; only keys some rule could judge (`ctx.keys`) become facts.
pub fn analyze(text: &str, ctx: &super::Ctx<'_>, facts: &mut Vec<Fact>) {
    if too_deep(text) {
        return;
    }
    let (doc, _errors) = DeTable::parse_recoverable(text);
    table(doc.get_ref(), text, ctx, facts);
}

/// Whether brackets and braces (counted outside nothing: a rough upper bound) nest deeper
/// than [`MAX_DEPTH`], which a recursive parser should not be handed.
fn too_deep(text: &str) -> bool {
    let mut depth = 0usize;
    for b in text.bytes() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

fn table(t: &DeTable<'_>, text: &str, ctx: &super::Ctx<'_>, facts: &mut Vec<Fact>) {
    for (k, v) in t.iter() {
        value(k.get_ref(), v, text, ctx, facts);
    }
}

fn value(
    key: &str,
    v: &Spanned<DeValue<'_>>,
    text: &str,
    ctx: &super::Ctx<'_>,
    facts: &mut Vec<Fact>,
) {
    let range = v.span();
    let span = Span::new(range.start, range.end);
    let scalar = match v.get_ref() {
        DeValue::Table(t) => return table(t, text, ctx, facts),
        DeValue::Array(items) => {
            // An array of tables (`[[inputs.http]]`, `servers = [{...}]`); a list of
            // scalars is not one setting.
            for item in items {
                if let DeValue::Table(t) = item.get_ref() {
                    table(t, text, ctx, facts);
                }
            }
            return;
        }
        DeValue::String(s) => Some((s.to_string(), crate::source::content_span(text, span, s))),
        DeValue::Boolean(b) => Some((b.to_string(), span)),
        DeValue::Integer(i) => Some((i.as_str().to_string(), span)),
        DeValue::Float(f) => Some((f.as_str().to_string(), span)),
        DeValue::Datetime(_) => None,
    };
    let Some((value, span)) = scalar else {
        return;
    };
    if key.is_empty() || !ctx.wants("yaml", key) {
        return;
    }
    facts.push(Fact::Setting(SettingFact {
        domain: "yaml",
        key: key.to_string(),
        value: Value::Str(value),
        span,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<(String, String, String)> {
        let tables = Vec::new();
        let index = crate::rules::tables::TableIndex::default();
        let ctx = super::super::Ctx::bare(&tables, &index);
        let mut facts = Vec::new();
        analyze(text, &ctx, &mut facts);
        facts
            .into_iter()
            .filter_map(|f| match f {
                Fact::Setting(s) => {
                    let at = text.get(s.span.start..s.span.end).unwrap_or("").to_string();
                    let v = match s.value {
                        Value::Str(v) => v,
                        _ => String::new(),
                    };
                    Some((s.key, v, at))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn scalars_become_settings_with_the_span_of_their_value() {
        let mut got = keys(
            "[serversTransport]\n  insecureSkipVerify = true\n[tls.options.old]\n  minVersion = \"VersionTLS11\"\n[[inputs.http]]\n  insecure_skip_verify = true\n  urls = [\"https://x\"]\n[http]\ncheck-revoke = false\nsite.a.b = 'TLS10'\n",
        );
        got.sort();
        let want: Vec<(String, String, String)> = [
            ("b", "TLS10", "TLS10"),
            ("check-revoke", "false", "false"),
            ("insecureSkipVerify", "true", "true"),
            ("insecure_skip_verify", "true", "true"),
            ("minVersion", "VersionTLS11", "VersionTLS11"),
        ]
        .iter()
        .map(|(k, v, a)| (k.to_string(), v.to_string(), a.to_string()))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn broken_and_deep_documents_are_read_as_far_as_they_go() {
        // Recovery: the key before the error is still read.
        let got = keys("[a]\nx = true\ny = = \n");
        assert!(got.iter().any(|(k, _, _)| k == "x"), "{got:?}");
        let deep = format!("x = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(keys(&deep).is_empty());
        assert!(keys("").is_empty());
        assert!(keys("\"\"\"\n").is_empty());
    }
}
