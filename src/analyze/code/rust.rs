//! Rust, parsed with `syn` (span locations on) and walked with its visitor.
//!
//! * method calls become `rust` settings keyed by the method name with the literal
//!   argument as value (`danger_accept_invalid_certs(true)`, `verify_hostname(false)`);
//! * paths that name flag-table constants (`SslVerifyMode::NONE`, `Protocol::Tlsv10`,
//!   `tls::Version::TLS_1_0`) are flag facts, except as operands of comparisons;
//! * a rustls `ServerCertVerifier` whose `verify_server_cert` returns
//!   `Ok(ServerCertVerified::assertion())` without any check is a trust-all verifier,
//!   reported on the line of that expression.
//!
//! Files that `syn` cannot parse (newer syntax, fragments) fall back to the token-based
//! analysis used for the C family, which still finds the method calls and constants.

use super::super::Ctx;
use crate::diagnostic::{Category, Span};
use crate::facts::{ConstructFact, Fact, FlagFact, SettingFact};
use crate::rules::value::Value;
use crate::source::{LineIndex, Position};
use proc_macro2::Span as PmSpan;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

struct Visitor<'a, 'f> {
    text: &'a str,
    index: LineIndex,
    ctx: &'a Ctx<'a>,
    facts: &'f mut Vec<Fact>,
    /// Inside a comparison (`==`, `!=`): constants there are tested, not set.
    comparing: usize,
}

impl Visitor<'_, '_> {
    fn span(&self, s: PmSpan) -> Span {
        let a = s.start();
        let b = s.end();
        let start = self.index.offset(
            self.text,
            Position {
                line: a.line,
                column: a.column + 1,
            },
        );
        let end = self.index.offset(
            self.text,
            Position {
                line: b.line,
                column: b.column + 1,
            },
        );
        Span::new(start, end.max(start))
    }

    fn literal(e: &syn::Expr) -> Value {
        match e {
            syn::Expr::Lit(l) => match &l.lit {
                syn::Lit::Bool(b) => Value::Str(b.value.to_string()),
                syn::Lit::Int(i) => Value::Str(i.base10_digits().to_string()),
                syn::Lit::Str(s) => Value::Str(s.value()),
                _ => Value::Unknown,
            },
            syn::Expr::Paren(p) => Self::literal(&p.expr),
            _ => Value::Unknown,
        }
    }
}

fn path_text(p: &syn::Path) -> String {
    p.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether a function body unconditionally returns `Ok(ServerCertVerified::assertion())`.
struct BodyCheck {
    assertion: Option<PmSpan>,
    conditional: bool,
}

impl<'ast> Visit<'ast> for BodyCheck {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::If(_) | syn::Expr::Match(_) | syn::Expr::Try(_) | syn::Expr::Return(_) => {
                self.conditional = true
            }
            syn::Expr::Call(c) => {
                if let syn::Expr::Path(p) = &*c.func {
                    let name = path_text(&p.path);
                    if name.ends_with("ServerCertVerified.assertion") && self.assertion.is_none() {
                        self.assertion = Some(e.span());
                    }
                    if name == "Err" {
                        self.conditional = true;
                    }
                }
            }
            _ => {}
        }
        visit::visit_expr(self, e);
    }
}

impl<'ast> Visit<'ast> for Visitor<'_, '_> {
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let value = m.args.first().map_or(Value::Unknown, Self::literal);
        let span = m
            .args
            .first()
            .map_or_else(|| self.span(m.method.span()), |a| self.span(a.span()));
        self.facts.push(Fact::Setting(SettingFact {
            domain: "rust",
            key: m.method.to_string(),
            value,
            span,
        }));
        visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        let cmp = matches!(
            b.op,
            syn::BinOp::Eq(_)
                | syn::BinOp::Ne(_)
                | syn::BinOp::Lt(_)
                | syn::BinOp::Gt(_)
                | syn::BinOp::Le(_)
                | syn::BinOp::Ge(_)
                | syn::BinOp::BitAnd(_)
        );
        if cmp {
            self.comparing += 1;
        }
        visit::visit_expr_binary(self, b);
        if cmp {
            self.comparing -= 1;
        }
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if self.comparing == 0 && p.path.segments.len() >= 2 {
            let name = path_text(&p.path);
            if let Some(f) = self.ctx.index.lookup(self.ctx.tables, &name, false) {
                if !f.table.categories_of(f.entry).is_empty() {
                    let span = self.span(p.span());
                    self.facts.push(Fact::Flags(FlagFact {
                        table: f.table.id.clone(),
                        value: f.entry.value,
                        name: Some(f.entry.names[0].clone()),
                        span,
                    }));
                }
            }
        }
        visit::visit_expr_path(self, p);
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let is_verifier = i.trait_.as_ref().is_some_and(|(_, p, _)| {
            p.segments
                .last()
                .is_some_and(|s| s.ident == "ServerCertVerifier")
        });
        if is_verifier {
            for item in &i.items {
                if let syn::ImplItem::Fn(f) = item {
                    if f.sig.ident == "verify_server_cert" {
                        let mut check = BodyCheck {
                            assertion: None,
                            conditional: false,
                        };
                        check.visit_block(&f.block);
                        if let (Some(s), false) = (check.assertion, check.conditional) {
                            let ty = match &*i.self_ty {
                                syn::Type::Path(p) => path_text(&p.path),
                                _ => "verifier".to_string(),
                            };
                            // Report the line of `Ok(ServerCertVerified::assertion())`.
                            let mut span = self.span(s);
                            if let Some(okpos) = self.text[..span.start].rfind("Ok(") {
                                if self.text[okpos..span.start]
                                    .trim_start_matches("Ok(")
                                    .trim()
                                    .is_empty()
                                {
                                    span = Span::new(okpos, span.end);
                                }
                            }
                            self.facts.push(Fact::Construct(ConstructFact {
                                name: "rustls-verifier-accepts-any",
                                categories: vec![Category::CertValidation],
                                span,
                                detail: format!("{ty}::verify_server_cert"),
                            }));
                        }
                    }
                }
            }
        }
        visit::visit_item_impl(self, i);
    }
}

/// Analyzes Rust source.
pub fn analyze(text: &str, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    match syn::parse_file(text) {
        Ok(file) => {
            let mut v = Visitor {
                text,
                index: LineIndex::new(text),
                ctx,
                facts,
                comparing: 0,
            };
            v.visit_file(&file);
        }
        Err(_) => fallback(text, ctx, facts),
    }
}

/// Token-based analysis for files `syn` rejects: method calls with a literal first
/// argument and table constants, via the C-family lexer.
fn fallback(text: &str, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    use super::lexer::{Family, K, lex};
    let t = lex(text, Family::Go);
    for i in 0..t.len() {
        if t[i].k == K::Ident
            && i > 0
            && t[i - 1].text == "."
            && t.get(i + 1).is_some_and(|x| x.text == "(")
        {
            if let Some(a) = t.get(i + 2) {
                if t.get(i + 3).is_some_and(|x| x.text == ")")
                    && matches!(a.k, K::Ident | K::Num | K::Str)
                {
                    facts.push(Fact::Setting(SettingFact {
                        domain: "rust",
                        key: t[i].text.clone(),
                        value: Value::Str(a.text.clone()),
                        span: a.span,
                    }));
                }
            }
        }
        if t[i].k == K::Ident && i >= 2 && t[i - 1].text == "::" && t[i - 2].k == K::Ident {
            let name = format!("{}.{}", t[i - 2].text, t[i].text);
            if let Some(f) = ctx.index.lookup(ctx.tables, &name, false) {
                let cmp = i >= 3 && matches!(t[i - 3].text.as_str(), "==" | "!=");
                if !cmp && !f.table.categories_of(f.entry).is_empty() {
                    facts.push(Fact::Flags(FlagFact {
                        table: f.table.id.clone(),
                        value: f.entry.value,
                        name: Some(f.entry.names[0].clone()),
                        span: t[i - 2].span.cover(t[i].span),
                    }));
                }
            }
        }
    }
}
