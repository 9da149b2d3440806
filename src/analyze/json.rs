//! JSON (comments and trailing commas allowed, as in ARM templates and Chrome policy
//! files): every scalar member becomes a `json` setting keyed by the dotted path of the
//! object keys above it (array levels are transparent), its span the written value.
//!
//! `{"policies": {"SSLVersionMin": "tls1"}}` gives `policies.SSLVersionMin` = `tls1`;
//! an ARM template resource gives `resources.properties.siteConfig.minTlsVersion`.
//!
//! ARM templates (an object whose `$schema` names a `deploymentTemplate`) pass values
//! through expressions: a property written `"[parameters('tls')]"` or
//! `"[variables('tls')]"` takes the template's literal `defaultValue` or variable, and
//! the finding is placed where that literal is written. Other expressions are unknown.
//!
//! Positions are kept by a small hand-written parser (serde_json does not report them);
//! nesting deeper than [`MAX_DEPTH`] and malformed input end the parse, keeping what was
//! read.

use crate::diagnostic::Span;
use crate::facts::{Fact, SettingFact};
use crate::rules::value::Value;
use std::borrow::Cow;

/// Deepest nesting parsed.
const MAX_DEPTH: usize = 128;

/// A parsed JSON value with positions.
#[derive(Debug, Clone)]
enum J<'a> {
    Obj(Vec<(Cow<'a, str>, J<'a>)>),
    Arr(Vec<J<'a>>),
    /// A scalar: its text (strings unescaped, other literals as written) and span.
    Scalar {
        text: Cow<'a, str>,
        string: bool,
        span: Span,
    },
}

impl<'a> J<'a> {
    fn get(&self, key: &str) -> Option<&J<'a>> {
        match self {
            J::Obj(m) => m
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    fn scalar(&self) -> Option<(&str, Span)> {
        match self {
            J::Scalar { text, span, .. } => Some((text, *span)),
            _ => None,
        }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        loop {
            while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
            if self.b.get(self.i) == Some(&b'/') {
                match self.b.get(self.i + 1) {
                    Some(b'/') => {
                        self.i = self.s[self.i..]
                            .find('\n')
                            .map_or(self.b.len(), |k| self.i + k);
                        continue;
                    }
                    Some(b'*') => {
                        self.i = self.s[self.i + 2..]
                            .find("*/")
                            .map_or(self.b.len(), |k| self.i + 2 + k + 2);
                        continue;
                    }
                    _ => {}
                }
            }
            return;
        }
    }

    fn string(&mut self) -> Option<(Cow<'a, str>, Span)> {
        let start = self.i;
        self.i += 1;
        // Most strings have no escapes: borrow them.
        let from = self.i;
        let mut j = from;
        while j < self.b.len() && self.b[j] != b'"' && self.b[j] != b'\\' {
            j += 1;
        }
        if self.b.get(j) == Some(&b'"') {
            self.i = j + 1;
            return Some((Cow::Borrowed(&self.s[from..j]), Span::new(start, self.i)));
        }
        let mut out = String::from(&self.s[from..j.min(self.b.len())]);
        self.i = j;
        loop {
            let c = *self.b.get(self.i)?;
            match c {
                b'"' => {
                    self.i += 1;
                    return Some((Cow::Owned(out), Span::new(start, self.i)));
                }
                b'\\' => {
                    let e = self.s.get(self.i + 1..)?.chars().next()?;
                    self.i += 1 + e.len_utf8();
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'b' | 'f' => {}
                        'u' => {
                            let hex = self.s.get(self.i..self.i + 4)?;
                            let v = u32::from_str_radix(hex, 16).ok()?;
                            out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                            self.i += 4;
                        }
                        other => out.push(other),
                    }
                }
                _ => {
                    let ch = self.s[self.i..].chars().next()?;
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }

    fn value(&mut self, depth: usize) -> Option<J<'a>> {
        if depth > MAX_DEPTH || crate::budget::exceeded() {
            return None;
        }
        self.skip_ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                loop {
                    self.skip_ws();
                    match self.b.get(self.i) {
                        Some(b'}') => {
                            self.i += 1;
                            return Some(J::Obj(members));
                        }
                        Some(b',') => {
                            self.i += 1;
                            continue;
                        }
                        Some(b'"') => {}
                        _ => return Some(J::Obj(members)),
                    }
                    let Some((key, _)) = self.string() else {
                        return Some(J::Obj(members));
                    };
                    self.skip_ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return Some(J::Obj(members));
                    }
                    self.i += 1;
                    match self.value(depth + 1) {
                        Some(v) => members.push((key, v)),
                        None => return Some(J::Obj(members)),
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.b.get(self.i) {
                        Some(b']') => {
                            self.i += 1;
                            return Some(J::Arr(items));
                        }
                        Some(b',') => {
                            self.i += 1;
                            continue;
                        }
                        None => return Some(J::Arr(items)),
                        _ => {}
                    }
                    match self.value(depth + 1) {
                        Some(v) => items.push(v),
                        None => return Some(J::Arr(items)),
                    }
                }
            }
            b'"' => {
                let (text, span) = self.string()?;
                Some(J::Scalar {
                    text,
                    string: true,
                    span,
                })
            }
            _ => {
                let start = self.i;
                while self.i < self.b.len()
                    && (self.b[self.i].is_ascii_alphanumeric()
                        || matches!(self.b[self.i], b'-' | b'+' | b'.'))
                {
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
                Some(J::Scalar {
                    text: Cow::Borrowed(&self.s[start..self.i]),
                    string: false,
                    span: Span::new(start, self.i),
                })
            }
        }
    }
}

/// An ARM template's scope: its parameters' default values and its variables.
#[derive(Clone, Copy)]
struct Template<'t, 'a> {
    root: &'t J<'a>,
}

impl Template<'_, '_> {
    /// The literal an expression `[parameters('x')]` / `[variables('x')]` stands for.
    fn resolve(&self, expr: &str) -> Option<(String, Span)> {
        let inner = expr.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
        let (section, rest) = if let Some(r) = inner.strip_prefix("parameters(") {
            ("parameters", r)
        } else if let Some(r) = inner.strip_prefix("variables(") {
            ("variables", r)
        } else {
            return None;
        };
        let name = rest
            .strip_suffix(')')?
            .trim()
            .strip_prefix('\'')?
            .strip_suffix('\'')?;
        if name.contains('\'') {
            return None;
        }
        let entry = self.root.get(section)?.get(name)?;
        let (text, span) = if section == "parameters" {
            entry.get("defaultValue")?.scalar()?
        } else {
            entry.scalar()?
        };
        // A default that is itself an expression is not a literal.
        (!text.starts_with('[')).then(|| (text.to_string(), span))
    }
}

fn is_template(node: &J) -> bool {
    node.get("$schema")
        .and_then(J::scalar)
        .is_some_and(|(s, _)| s.to_ascii_lowercase().contains("deploymenttemplate"))
}

/// Walks the tree; `path` is the dotted key path so far (`a.b`), extended in place.
fn walk<'t, 'a>(
    node: &'t J<'a>,
    path: &mut String,
    template: Option<Template<'t, 'a>>,
    ctx: &super::Ctx<'_>,
    facts: &mut Vec<Fact>,
) {
    match node {
        J::Obj(members) => {
            let template = if is_template(node) {
                Some(Template { root: node })
            } else {
                template
            };
            for (k, v) in members {
                let len = path.len();
                if len > 0 {
                    path.push('.');
                }
                path.push_str(k);
                walk(v, path, template, ctx, facts);
                path.truncate(len);
            }
        }
        J::Arr(items) => {
            for it in items {
                walk(it, path, template, ctx, facts);
            }
        }
        J::Scalar { text, string, span } => {
            if path.is_empty() || !ctx.wants("json", path) {
                return;
            }
            let (value, span) = if *string && text.starts_with('[') && !text.starts_with("[[") {
                match template.and_then(|t| t.resolve(text)) {
                    Some((v, s)) => (Value::Str(v), s),
                    None => (Value::Unknown, *span),
                }
            } else {
                (Value::Str(text.to_string()), *span)
            };
            facts.push(Fact::Setting(SettingFact {
                domain: "json",
                key: path.clone(),
                value,
                span,
            }));
        }
    }
}

/// Analyzes a JSON document; only members some rule could judge (`ctx.keys`) become facts.
pub fn analyze(text: &str, ctx: &super::Ctx<'_>, facts: &mut Vec<Fact>) {
    let mut p = Parser {
        b: text.as_bytes(),
        s: text,
        i: 0,
    };
    // A UTF-8 BOM decoded as U+FEFF.
    if text.starts_with('\u{feff}') {
        p.i = '\u{feff}'.len_utf8();
    }
    if let Some(root) = p.value(0) {
        walk(&root, &mut String::new(), None, ctx, facts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Vec<(String, String, String)> {
        let mut f = Vec::new();
        let (tables, index) = (Vec::new(), Default::default());
        analyze(text, &crate::analyze::Ctx::bare(&tables, &index), &mut f);
        crate::analyze::settings_of(f, text)
    }

    #[test]
    fn paths_and_spans() {
        let s = settings(
            "{\n  // policy\n  \"policies\": { \"SSLVersionMin\": \"tls1\", \"Preferences\": {\"security.tls.version.min\": {\"Value\": 1,}} },\n  \"list\": [ {\"a\": true} ]\n}",
        );
        assert_eq!(
            s[0],
            (
                "policies.SSLVersionMin".into(),
                "tls1".into(),
                "\"tls1\"".into()
            )
        );
        assert_eq!(
            s[1].0,
            "policies.Preferences.security.tls.version.min.Value"
        );
        assert_eq!(s[1].2, "1");
        assert_eq!(s[2].0, "list.a");
    }

    #[test]
    fn arm_parameters_resolve_to_their_default() {
        let t = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "parameters": { "tls": { "type": "string", "defaultValue": "1.0" }, "other": { "type": "string" } },
  "variables": { "min": "TLS1_0" },
  "resources": [
    { "type": "Microsoft.Web/sites", "properties": { "siteConfig": { "minTlsVersion": "[parameters('tls')]" } } },
    { "type": "Microsoft.Storage/storageAccounts", "properties": { "minimumTlsVersion": "[variables('min')]", "x": "[parameters('other')]" } }
  ]
}"#;
        let s = settings(t);
        let site = s
            .iter()
            .find(|x| x.0 == "resources.properties.siteConfig.minTlsVersion")
            .unwrap();
        assert_eq!((site.1.as_str(), site.2.as_str()), ("1.0", "\"1.0\""));
        let st = s
            .iter()
            .find(|x| x.0 == "resources.properties.minimumTlsVersion")
            .unwrap();
        assert_eq!(st.1, "TLS1_0");
        let x = s.iter().find(|x| x.0 == "resources.properties.x").unwrap();
        assert_eq!(x.1, "?");
    }

    #[test]
    fn only_keys_rules_can_judge_become_facts() {
        let mut keys = crate::analyze::KeyFilter::default();
        let glob = globset::Glob::new("*mintlsversion").map(|g| g.compile_matcher());
        keys.add("json", &[glob.expect("glob")]);
        let (tables, index) = (Vec::new(), Default::default());
        let mut ctx = crate::analyze::Ctx::bare(&tables, &index);
        ctx.keys = Some(&keys);
        let mut f = Vec::new();
        analyze(
            r#"{"a": {"MinTlsVersion": "1.0", "name": "x"}, "b": [1, 2]}"#,
            &ctx,
            &mut f,
        );
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn malformed_input_keeps_what_was_read() {
        let s = settings("{\"a\": \"b\", \"c\": [1, 2");
        assert_eq!(s[0].0, "a");
        assert!(settings("").is_empty());
        assert!(settings("\"just a string\"").is_empty());
        let deep = "[".repeat(100_000);
        assert!(settings(&deep).is_empty());
    }
}
