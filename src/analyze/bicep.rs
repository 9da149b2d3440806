//! Azure Bicep (`.bicep`, `.bicepparam`): object properties as `bicep` settings keyed by
//! the dotted path of property names from the declaration down (`properties.siteConfig.
//! minTlsVersion`, `params.minimumTlsVersion`, `tls.validateCertificateChain`); array
//! levels are transparent.
//!
//! A value is known when it is one literal (`'TLS1_0'`, `false`, `12`); a plain
//! identifier naming a `param` with a literal default or a `var` with a literal value
//! takes that literal, and the finding is placed where the literal is written. Anything
//! else (interpolated strings, unions, function calls, conditions) is unknown. `type`
//! declarations (whose "values" are types such as `'1.0' | '1.2'`), decorators
//! (`@allowed([...])`) and comments are skipped. In a `.bicepparam` file (`using ...`),
//! `param name = literal` is a setting keyed by the parameter's name.

use crate::diagnostic::Span;
use crate::facts::{Fact, SettingFact};
use crate::rules::value::Value;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
enum T {
    Ident(String),
    /// A string literal: its text, whether it interpolates (`${...}`).
    Str(String, bool),
    Num(String),
    Punct(u8),
    Newline,
}

#[derive(Debug, Clone)]
struct Tok {
    t: T,
    span: Span,
}

fn lex(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if crate::budget::exceeded() {
            break;
        }
        let c = b[i];
        match c {
            b'\n' => {
                out.push(Tok {
                    t: T::Newline,
                    span: Span::new(i, i + 1),
                });
                i += 1;
            }
            _ if c.is_ascii_whitespace() => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |k| i + k);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |k| i + 2 + k + 2);
            }
            b'\'' if text[i..].starts_with("'''") => {
                let end = text[i + 3..].find("'''").map_or(b.len(), |k| i + 3 + k + 3);
                let inner = text
                    .get(i + 3..end.saturating_sub(3).max(i + 3))
                    .unwrap_or("");
                out.push(Tok {
                    t: T::Str(inner.to_string(), false),
                    span: Span::new(i, end),
                });
                i = end;
            }
            b'\'' => {
                let start = i;
                i += 1;
                let mut s = String::new();
                let mut interp = false;
                while i < b.len() && b[i] != b'\'' && b[i] != b'\n' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        let e = text[i + 1..].chars().next().unwrap_or(' ');
                        s.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            other => other,
                        });
                        i += 1 + e.len_utf8();
                        continue;
                    }
                    if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
                        interp = true;
                        // Skip the interpolation, which may hold strings and braces.
                        let mut depth = 0usize;
                        while i < b.len() {
                            match b[i] {
                                b'{' => depth += 1,
                                b'}' => {
                                    depth = depth.saturating_sub(1);
                                    if depth == 0 {
                                        i += 1;
                                        break;
                                    }
                                }
                                b'\'' => {
                                    i += 1;
                                    while i < b.len() && b[i] != b'\'' && b[i] != b'\n' {
                                        i += 1;
                                    }
                                }
                                b'\n' => break,
                                _ => {}
                            }
                            i += 1;
                        }
                        continue;
                    }
                    let ch = text[i..].chars().next().unwrap_or(' ');
                    s.push(ch);
                    i += ch.len_utf8();
                }
                i = (i + 1).min(b.len());
                out.push(Tok {
                    t: T::Str(s, interp),
                    span: Span::new(start, i),
                });
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$')
                {
                    i += 1;
                }
                out.push(Tok {
                    t: T::Ident(text[start..i].to_string()),
                    span: Span::new(start, i),
                });
            }
            _ if c.is_ascii_digit() => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                out.push(Tok {
                    t: T::Num(text[start..i].to_string()),
                    span: Span::new(start, i),
                });
            }
            _ if c.is_ascii() => {
                out.push(Tok {
                    t: T::Punct(c),
                    span: Span::new(i, i + 1),
                });
                i += 1;
            }
            _ => {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    out
}

struct Walker<'a> {
    toks: &'a [Tok],
    ctx: &'a super::Ctx<'a>,
    /// Literal defaults of parameters and values of variables, by name.
    literals: HashMap<String, (String, Span)>,
    facts: &'a mut Vec<Fact>,
}

impl Walker<'_> {
    fn punct(&self, i: usize, c: u8) -> bool {
        matches!(self.toks.get(i), Some(Tok { t: T::Punct(p), .. }) if *p == c)
    }

    fn ident(&self, i: usize) -> Option<&str> {
        match self.toks.get(i) {
            Some(Tok { t: T::Ident(s), .. }) => Some(s),
            _ => None,
        }
    }

    /// The index after the bracket that closes the one at `i`.
    fn close(&self, i: usize) -> usize {
        let mut depth = 0usize;
        let mut j = i;
        while j < self.toks.len() {
            if let T::Punct(p) = self.toks[j].t {
                match p {
                    b'{' | b'[' | b'(' => depth += 1,
                    b'}' | b']' | b')' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
            }
            j += 1;
        }
        self.toks.len()
    }

    /// The end of the expression starting at `i`: the next newline, `,` or closing
    /// bracket at depth 0.
    fn expr_end(&self, mut i: usize) -> usize {
        while i < self.toks.len() {
            match self.toks[i].t {
                T::Newline => return i,
                T::Punct(b',' | b'}' | b']' | b')') => return i,
                T::Punct(b'{' | b'[' | b'(') => i = self.close(i),
                _ => i += 1,
            }
        }
        i
    }

    /// A literal expression `[a, b)`: its text and span.
    fn literal(&self, a: usize, b: usize) -> Option<(String, Span)> {
        if b != a + 1 {
            // `-1`
            if b == a + 2 && self.punct(a, b'-') {
                if let T::Num(n) = &self.toks[a + 1].t {
                    return Some((
                        format!("-{n}"),
                        Span::new(self.toks[a].span.start, self.toks[a + 1].span.end),
                    ));
                }
            }
            return None;
        }
        let t = &self.toks[a];
        match &t.t {
            T::Str(s, false) => Some((s.clone(), t.span)),
            T::Num(n) => Some((n.clone(), t.span)),
            T::Ident(w) if matches!(w.as_str(), "true" | "false" | "null") => {
                Some((w.clone(), t.span))
            }
            _ => None,
        }
    }

    fn setting(&mut self, key: String, value: Value, span: Span) {
        if !self.ctx.wants("bicep", &key) {
            return;
        }
        self.facts.push(Fact::Setting(SettingFact {
            domain: "bicep",
            key,
            value,
            span,
        }));
    }

    /// An object body `{ ... }` opening at `open`, under `path`.
    fn object(&mut self, open: usize, path: &mut Vec<String>, depth: usize) -> usize {
        let end = self.close(open);
        let last = end.saturating_sub(1);
        let mut i = open + 1;
        while i < last {
            if crate::budget::exceeded() || depth > 64 {
                return end;
            }
            let t = &self.toks[i];
            let key = match &t.t {
                T::Newline | T::Punct(b',') => {
                    i += 1;
                    continue;
                }
                T::Punct(b'@') => {
                    // A decorator on a property.
                    i = self.skip_decorator(i);
                    continue;
                }
                T::Ident(k) => k.clone(),
                T::Str(k, false) => k.clone(),
                _ => {
                    i = self.expr_end(i + 1).max(i + 1);
                    continue;
                }
            };
            if !self.punct(i + 1, b':') {
                i = self.expr_end(i + 1).max(i + 1);
                continue;
            }
            path.push(key);
            i = self.value(i + 2, path, depth);
            path.pop();
        }
        end
    }

    /// A value starting at `i` under `path`; returns where it ends.
    fn value(&mut self, i: usize, path: &mut Vec<String>, depth: usize) -> usize {
        let end = self.expr_end(i);
        if i >= end {
            return end.max(i);
        }
        // Objects and arrays, also inside conditions and loops: descend into each.
        let mut j = i;
        let mut nested = false;
        while j < end {
            if self.punct(j, b'{') {
                nested = true;
                j = self.object(j, path, depth + 1);
            } else if self.punct(j, b'[') {
                nested = true;
                j = self.array(j, path, depth + 1);
            } else {
                j += 1;
            }
        }
        if !nested {
            let (value, span) = match self.literal(i, end) {
                Some((v, s)) => (Value::Str(v), s),
                None => match (end == i + 1).then(|| self.ident(i)).flatten() {
                    Some(name) => match self.literals.get(name) {
                        Some((v, s)) => (Value::Str(v.clone()), *s),
                        None => (Value::Unknown, self.span(i, end)),
                    },
                    None => (Value::Unknown, self.span(i, end)),
                },
            };
            self.setting(path.join("."), value, span);
        }
        end
    }

    /// An array `[ ... ]` opening at `open`: objects inside keep `path`.
    fn array(&mut self, open: usize, path: &mut Vec<String>, depth: usize) -> usize {
        let end = self.close(open);
        if depth > 64 {
            return end;
        }
        let last = end.saturating_sub(1);
        let mut j = open + 1;
        while j < last {
            if self.punct(j, b'{') {
                j = self.object(j, path, depth + 1);
            } else if self.punct(j, b'[') {
                j = self.array(j, path, depth + 1);
            } else {
                j += 1;
            }
        }
        end
    }

    fn span(&self, a: usize, b: usize) -> Span {
        let last = b.saturating_sub(1).max(a);
        match (self.toks.get(a), self.toks.get(last)) {
            (Some(x), Some(y)) => Span::new(x.span.start, y.span.end.max(x.span.start)),
            _ => Span::new(0, 0),
        }
    }

    /// `@name(...)`: returns the index after it.
    fn skip_decorator(&self, i: usize) -> usize {
        let mut j = i + 1;
        while self.ident(j).is_some() || self.punct(j, b'.') {
            j += 1;
        }
        if self.punct(j, b'(') {
            j = self.close(j);
        }
        j
    }

    /// The end of a top-level statement starting at `i` (its last line).
    fn statement_end(&self, i: usize) -> usize {
        let mut j = i;
        while j < self.toks.len() {
            match self.toks[j].t {
                T::Newline => return j,
                T::Punct(b'{' | b'[' | b'(') => j = self.close(j),
                _ => j += 1,
            }
        }
        j
    }

    fn run(&mut self, params_file: bool) {
        // First pass: literal parameter defaults and variables.
        let mut i = 0;
        while i < self.toks.len() {
            let line_start = i == 0 || matches!(self.toks[i - 1].t, T::Newline);
            if line_start {
                match self.ident(i) {
                    Some("param") => {
                        let end = self.statement_end(i);
                        if let Some(eq) = (i..end).find(|&j| self.punct(j, b'=')) {
                            if let (Some(name), Some(lit)) =
                                (self.ident(i + 1), self.literal(eq + 1, end))
                            {
                                self.literals.insert(name.to_string(), lit);
                            }
                        }
                        i = end;
                        continue;
                    }
                    Some("var") => {
                        let end = self.statement_end(i);
                        if let (Some(name), true) = (self.ident(i + 1), self.punct(i + 2, b'=')) {
                            if let Some(lit) = self.literal(i + 3, end) {
                                self.literals.insert(name.to_string(), lit);
                            }
                        }
                        i = end;
                        continue;
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        // Second pass: declarations.
        let mut i = 0;
        while i < self.toks.len() {
            if crate::budget::exceeded() {
                return;
            }
            match &self.toks[i].t {
                T::Newline => {
                    i += 1;
                    continue;
                }
                T::Punct(b'@') => {
                    i = self.skip_decorator(i);
                    continue;
                }
                _ => {}
            }
            let end = self.statement_end(i);
            match self.ident(i) {
                Some("resource" | "module") => {
                    if let Some(eq) = (i..end).find(|&j| self.punct(j, b'=')) {
                        let mut path = Vec::new();
                        self.value(eq + 1, &mut path, 0);
                    }
                }
                Some("var") => {
                    if let (Some(name), true) = (self.ident(i + 1), self.punct(i + 2, b'=')) {
                        let mut path = vec![name.to_string()];
                        let mut j = i + 3;
                        while j < end {
                            if self.punct(j, b'{') {
                                j = self.object(j, &mut path, 0);
                            } else if self.punct(j, b'[') {
                                j = self.array(j, &mut path, 0);
                            } else {
                                j += 1;
                            }
                        }
                    }
                }
                Some("param") if params_file => {
                    if let (Some(name), true) = (self.ident(i + 1), self.punct(i + 2, b'=')) {
                        let mut path = vec![name.to_string()];
                        self.value(i + 3, &mut path, 0);
                    }
                }
                // `type`, `param` declarations, `output`, `func`, `metadata`, imports.
                _ => {}
            }
            i = end.max(i + 1);
        }
    }
}

/// Analyzes a Bicep file; only properties some rule could judge (`ctx.keys`) become facts.
pub fn analyze(text: &str, ctx: &super::Ctx<'_>, facts: &mut Vec<Fact>) {
    let toks = lex(text);
    let params_file = toks
        .iter()
        .find(|t| t.t != T::Newline)
        .is_some_and(|t| t.t == T::Ident("using".into()));
    let mut w = Walker {
        toks: &toks,
        ctx,
        literals: HashMap::new(),
        facts,
    };
    w.run(params_file);
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
    fn resources_and_paths() {
        let s = settings(
            "param tls string = 'TLS1_0'\n@allowed(['1.0', '1.2'])\nparam other string = '1.2'\nvar name = 'x${tls}'\ntype t = {\n  minTlsVersion: ('1.0' | '1.1')?\n}\nresource site 'Microsoft.Web/sites@2022-03-01' = {\n  name: name\n  properties: {\n    siteConfig: {\n      minTlsVersion: '1.0' // legacy\n      ftpsState: 'Disabled'\n    }\n  }\n}\nresource sa 'Microsoft.Storage/storageAccounts@2023-01-01' = if (deploy) {\n  properties: { minimumTlsVersion: tls, x: other }\n}\n",
        );
        assert!(s.contains(&(
            "properties.siteConfig.minTlsVersion".into(),
            "1.0".into(),
            "'1.0'".into()
        )));
        assert!(s.contains(&(
            "properties.minimumTlsVersion".into(),
            "TLS1_0".into(),
            "'TLS1_0'".into()
        )));
        assert!(s.iter().any(|x| x.0 == "name" && x.1 == "?"));
        assert!(
            !s.iter()
                .any(|x| x.0.contains("t.minTlsVersion") || x.2.contains('|'))
        );
    }

    #[test]
    fn modules_arrays_and_params_files() {
        let s = settings(
            "module apim './m.bicep' = {\n  params: {\n    backends: [\n      {\n        tls: {\n          validateCertificateChain: false\n        }\n      }\n    ]\n  }\n}\n",
        );
        assert_eq!(
            s[0],
            (
                "params.backends.tls.validateCertificateChain".into(),
                "false".into(),
                "false".into()
            )
        );
        let p = settings("using './main.bicep'\nparam minTlsVersion = '1.1'\n");
        assert_eq!(p[0].0, "minTlsVersion");
        assert_eq!(p[0].1, "1.1");
    }

    #[test]
    fn hostile_input_ends() {
        // Unclosed, deeply nested and unterminated input ends without a panic and
        // reports nothing it cannot place.
        let s = settings("resource x 'y' = {{{{{{{{ a: ");
        assert!(s.iter().all(|x| x.1 == "?"), "{s:?}");
        let deep = "var x = ".to_string() + &"{a:".repeat(5000);
        assert!(settings(&deep).iter().all(|x| x.0.starts_with("x.a")));
        assert!(settings("'unterminated ${ x").is_empty());
    }
}
