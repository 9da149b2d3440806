//! Validation callbacks judged by what they accept, on the lowered file.
//!
//! C#: lambdas, anonymous methods and methods taking `SslPolicyErrors` that return `true`
//! (trust-all) or accept an error class (`errors == RemoteCertificateNameMismatch`), also
//! when a named method is assigned as the callback; Java: a `checkServerTrusted` that never
//! throws, a `HostnameVerifier.verify` that returns `true`, lambdas returning `true` given
//! as a host-name verifier or trust strategy; JavaScript: a `checkServerIdentity` that
//! returns `undefined`. Each is reported where the acceptance is written.

use super::sinks::Sinks;
use crate::diagnostic::{Category, Span};
use crate::facts::{ConstructFact, Fact};
use crate::ir::flow::Val;
use crate::ir::{BinOp, FuncId, Lang, NodeId, NodeKind, StmtId, StmtKind, UnOp};

/// Keys whose value is a certificate-validation callback.
fn is_cert_callback_key(key: &str) -> bool {
    key.contains("ValidationCallback")
        || key == "CertificateValidator"
        || key == "RemoteCertificateValidationCallback"
}

/// What a callback body accepts.
enum Verdict {
    /// Every certificate (`return true` with no rejecting path before it).
    All(Span),
    /// Some error classes, each at its own position.
    Errors(Vec<(Category, Span, &'static str)>),
    /// Nothing found.
    None,
}

impl Sinks<'_, '_> {
    /// Runs the language's callback passes.
    pub fn callbacks(&mut self) {
        match self.ir.lang {
            Lang::CSharp => self.csharp(),
            Lang::Java => self.java(),
            l if l.is_js() => self.js(),
            _ => {}
        }
    }

    fn construct(&mut self, name: &'static str, cat: Category, span: Span, detail: String) {
        let fact = Fact::Construct(ConstructFact {
            name,
            categories: vec![cat],
            span,
            detail,
        });
        // A callback installed only when an option asks for it is an opt-in.
        let gate = self.construct_gate(span);
        match gate {
            Some(opt) => {
                let via = crate::facts::Via {
                    opt_in: Some(opt),
                    ..crate::facts::Via::default()
                };
                self.push(fact, via);
            }
            None => self.facts.push(fact),
        }
    }

    /// The option gating the statement where a construct is written.
    fn construct_gate(&self, span: Span) -> Option<String> {
        // The innermost node that holds the construct's position.
        let (id, node) = self
            .ir
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.span.start <= span.start && span.end <= n.span.end)
            .min_by_key(|(_, n)| n.span.end - n.span.start)?;
        let id = u32::try_from(id).unwrap_or(u32::MAX);
        // Inside a method that is itself the callback: the method's own guards do not
        // count; the statement that installs a lambda does.
        self.flow.gate_at(node.stmt, Some(id))
    }

    fn report(&mut self, verdict: Verdict, at: Span, what: &str) {
        match verdict {
            Verdict::All(_) => self.construct(
                "trust-all-callback",
                Category::CertValidation,
                at,
                format!("{what} returns true"),
            ),
            Verdict::Errors(errs) => {
                for (cat, sp, name) in errs {
                    self.construct(
                        "trust-all-callback",
                        cat,
                        sp,
                        format!("callback accepts {name}"),
                    );
                }
            }
            Verdict::None => {}
        }
    }

    /// A named method or lambda assigned as a callback (`Callback = Handler`).
    pub(super) fn callback_value(
        &mut self,
        key: &str,
        f: FuncId,
        v: &Val,
        _stmt: StmtId,
        _sink: Span,
    ) {
        if self.ir.lang != Lang::CSharp || !is_cert_callback_key(key) {
            return;
        }
        let func = self.ir.func(f);
        if func.lambda {
            // A lambda is judged where it is written, or here when nothing there says it
            // is a validation callback (`var cb = (a, b, c, d) => true;` then assigned).
            let lambda = self.ir.nodes.iter().enumerate().find_map(|(i, n)| {
                matches!(n.kind, NodeKind::Lambda(g) if g == f)
                    .then(|| (u32::try_from(i).unwrap_or(u32::MAX), n.span))
            });
            if let Some((id, span)) = lambda
                && !self.csharp_callback_where_written(id, f)
            {
                let verdict = self.judge_body(f);
                let at = self.first_line_span(span, Span::new(span.start, span.start + 1));
                self.report(verdict, at, "callback");
            }
            return;
        }
        if self.takes_policy_errors(f) {
            // SslPolicyErrors methods are judged where they are written.
            return;
        }
        let verdict = self.judge_body(f);
        self.report(verdict, v.span, "the callback");
    }

    /// Whether C# lambda `f` (node `id`) says where it is written that it validates
    /// certificates: given to a callback member (`...ValidationCallback = `), to an
    /// `SslStream` constructor (four parameters: sender, certificate, chain, errors), or
    /// taking `SslPolicyErrors`. Another four-parameter lambda that returns true is not a
    /// validation callback unless value flow takes it to one.
    fn csharp_callback_where_written(&self, id: NodeId, f: FuncId) -> bool {
        // The statement before the lambda, and the declaration it initializes (a field
        // `RemoteCertificateValidationCallback Name =` is not part of the statement).
        let start = self.ir.node(id).span.start;
        let from = crate::source::floor_char_boundary(self.text, start.saturating_sub(300));
        let before = self.text.get(from..start).unwrap_or("");
        let declaration = before
            .rfind([';', '{', '}'])
            .map_or(before, |i| before.get(i + 1..).unwrap_or(""));
        let says =
            |ctx: &str| ctx.contains("ValidationCallback") || ctx.contains("CertificateValidat");
        let ctx = self.context_before(id);
        says(ctx)
            || says(declaration)
            || self.takes_policy_errors(f)
            || (self.ir.func(f).params.len() == 4 && ctx.contains("SslStream"))
    }

    fn takes_policy_errors(&self, f: FuncId) -> bool {
        self.ir.func(f).params.iter().any(|p| {
            p.ty.as_deref()
                .is_some_and(|t| t.ends_with("SslPolicyErrors"))
        })
    }

    /// The statements of function `f` itself, in order.
    fn own_stmts(&self, f: FuncId) -> Vec<(StmtId, &crate::ir::Stmt)> {
        self.ir
            .stmts
            .iter()
            .enumerate()
            .filter(|(_, s)| s.func == f)
            .map(|(i, s)| (u32::try_from(i).unwrap_or(u32::MAX), s))
            .collect()
    }

    fn is_true(&self, n: NodeId) -> bool {
        matches!(self.ir.node(n).kind, NodeKind::Bool(true))
    }

    /// Judges a callback body: `return true` reached with no rejecting path before it
    /// accepts everything; a returned expression, or the condition of an `if` that
    /// returns true, that accepts an error class accepts those certificates.
    fn judge_body(&self, f: FuncId) -> Verdict {
        let func = self.ir.func(f);
        if let Some(e) = func.expr_body {
            if self.is_true(e) {
                return Verdict::All(self.ir.node(e).span);
            }
            return Verdict::Errors(self.accepted_errors(e));
        }
        let mut rejects = false;
        let mut errors = Vec::new();
        for (_, s) in self.own_stmts(f) {
            match &s.kind {
                StmtKind::Return(Some(e)) if self.is_true(*e) => {
                    if s.guard == 0 {
                        if !rejects && errors.is_empty() {
                            return Verdict::All(s.span);
                        }
                        break;
                    }
                    if let Some(c) = self.ir.guard(s.guard).cond {
                        if !self.ir.guard(s.guard).negated {
                            errors.extend(self.accepted_errors(c));
                        }
                    }
                }
                StmtKind::Return(Some(e)) => {
                    if s.guard == 0 {
                        errors.extend(self.accepted_errors(*e));
                        break;
                    }
                    rejects = true;
                }
                StmtKind::Return(None) | StmtKind::Throw => rejects = true,
                _ => {}
            }
        }
        if errors.is_empty() {
            Verdict::None
        } else {
            Verdict::Errors(errors)
        }
    }

    /// `SslPolicyErrors` members an expression accepts: compared for equality, OR-ed into
    /// an accepted mask, or masked out (`~X`).
    fn accepted_errors(&self, e: NodeId) -> Vec<(Category, Span, &'static str)> {
        let mut out = Vec::new();
        let mut stack = vec![e];
        let mut steps = 0;
        while let Some(n) = stack.pop() {
            steps += 1;
            if steps > 512 {
                break;
            }
            let node = self.ir.node(n);
            match &node.kind {
                NodeKind::Name(name) => {
                    let last = name.rsplit('.').next().unwrap_or(name);
                    let (cat, what) = match last {
                        "RemoteCertificateNameMismatch" => (
                            Category::HostnameValidation,
                            "RemoteCertificateNameMismatch",
                        ),
                        "RemoteCertificateChainErrors" => {
                            (Category::CertValidation, "RemoteCertificateChainErrors")
                        }
                        "RemoteCertificateNotAvailable" => {
                            (Category::CertValidation, "RemoteCertificateNotAvailable")
                        }
                        _ => continue,
                    };
                    let accepted = match node.parent.map(|p| &self.ir.node(p).kind) {
                        Some(NodeKind::Bin {
                            op: BinOp::Compare,
                            l,
                            r,
                        }) => {
                            let between = Span {
                                start: self.ir.node(*l).span.end,
                                end: self.ir.node(*r).span.start,
                            };
                            let op = self.text.get(between.start..between.end).unwrap_or("");
                            !op.contains("!=") && !op.contains("not")
                        }
                        Some(NodeKind::Bin { op: BinOp::Or, .. }) => true,
                        Some(NodeKind::Unary {
                            op: UnOp::BitNot, ..
                        }) => true,
                        Some(NodeKind::Unknown) => {
                            // C# patterns: `errors is X or Y`.
                            let p = node
                                .parent
                                .map(|p| self.ir.node(p).span)
                                .unwrap_or(node.span);
                            let t = self.text.get(p.start..p.end).unwrap_or("");
                            t.contains(" is ") || t.contains(" or ")
                        }
                        _ => false,
                    };
                    if accepted {
                        out.push((cat, node.span, what));
                    }
                }
                NodeKind::Bin { l, r, .. } => {
                    stack.push(*r);
                    stack.push(*l);
                }
                NodeKind::Unary { x, .. } => stack.push(*x),
                NodeKind::Cond { cond, then, els } => {
                    stack.push(*els);
                    stack.push(*then);
                    stack.push(*cond);
                }
                NodeKind::Unknown => {
                    for (i, c) in self.ir.nodes.iter().enumerate() {
                        if c.parent == Some(n) {
                            stack.push(u32::try_from(i).unwrap_or(u32::MAX));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The text of the statement that holds node `n`, before `n`.
    fn context_before(&self, n: NodeId) -> &str {
        let node = self.ir.node(n);
        let s = self.ir.stmt(node.stmt).span;
        let start = s.start.min(node.span.start);
        let start = node.span.start.saturating_sub(200).max(start);
        self.text.get(start..node.span.start).unwrap_or("")
    }

    fn csharp(&mut self) {
        let ir = self.ir;
        // DangerousAcceptAnyServerCertificateValidator wherever it is used.
        for node in &ir.nodes {
            if let NodeKind::Name(n) = &node.kind {
                if n.rsplit('.').next() == Some("DangerousAcceptAnyServerCertificateValidator") {
                    let start = node
                        .span
                        .end
                        .saturating_sub("DangerousAcceptAnyServerCertificateValidator".len());
                    self.construct(
                        "trust-all-callback",
                        Category::CertValidation,
                        Span {
                            start,
                            end: node.span.end,
                        },
                        "DangerousAcceptAnyServerCertificateValidator".into(),
                    );
                }
            }
        }
        // Lambdas and anonymous methods.
        for (i, node) in ir.nodes.iter().enumerate() {
            let NodeKind::Lambda(f) = node.kind else {
                continue;
            };
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            if self.csharp_callback_where_written(id, f) {
                let verdict = self.judge_body(f);
                let at = Span {
                    start: node.span.start,
                    end: node.span.start + 1,
                };
                let at = self.first_line_span(node.span, at);
                self.report(verdict, at, "callback");
            }
        }
        // Methods taking SslPolicyErrors.
        for (i, f) in ir.funcs.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            if f.lambda || f.name.is_empty() || !self.takes_policy_errors(id) {
                continue;
            }
            let verdict = self.judge_body(id);
            self.report(verdict, f.name_span, "callback");
        }
    }

    /// The part of `full` on its first line (a lambda's header), or `fallback`.
    fn first_line_span(&self, full: Span, fallback: Span) -> Span {
        let t = self.text.get(full.start..full.end).unwrap_or("");
        match t.find('\n') {
            Some(nl) if nl > 0 => Span {
                start: full.start,
                end: full.start + t[..nl].trim_end().len().max(1),
            },
            Some(_) => fallback,
            None => full,
        }
    }

    fn java(&mut self) {
        let ir = self.ir;
        for (i, f) in ir.funcs.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            if f.lambda {
                continue;
            }
            if f.name == "checkServerTrusted" && self.only_logs(id) {
                self.construct(
                    "trust-all-callback",
                    Category::CertValidation,
                    f.name_span,
                    "checkServerTrusted accepts every chain (it never throws)".into(),
                );
            }
            if f.name == "verify" && f.params.len() == 2 {
                if let Verdict::All(sp) = self.judge_body(id) {
                    self.construct(
                        "trust-all-hostname-verifier",
                        Category::HostnameValidation,
                        sp,
                        "HostnameVerifier.verify returns true".into(),
                    );
                }
            }
        }
        for (i, node) in ir.nodes.iter().enumerate() {
            let NodeKind::Lambda(f) = node.kind else {
                continue;
            };
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let Verdict::All(_) = self.judge_body(f) else {
                continue;
            };
            let ctx = self.context_before(id).to_string();
            let callee = node.parent.and_then(|p| match &ir.node(p).kind {
                NodeKind::Call { callee, .. } => Some(callee.clone()),
                _ => None,
            });
            let context = format!("{} {ctx}", callee.unwrap_or_default());
            let at = self.first_line_span(node.span, node.span);
            if context.contains("ostnameVerifier") {
                self.construct(
                    "trust-all-hostname-verifier",
                    Category::HostnameValidation,
                    at,
                    "HostnameVerifier lambda returns true".into(),
                );
            } else if context.contains("TrustMaterial") || context.contains("TrustStrategy") {
                self.construct(
                    "trust-all-callback",
                    Category::CertValidation,
                    at,
                    "TrustStrategy lambda returns true".into(),
                );
            }
        }
    }

    /// A body that only logs (or is empty): it never throws, so it accepts everything.
    fn only_logs(&self, f: FuncId) -> bool {
        for (_, s) in self.own_stmts(f) {
            if s.guard != 0 {
                return false;
            }
            match &s.kind {
                StmtKind::Other | StmtKind::Return(None) => {}
                StmtKind::Eval(e) => {
                    let NodeKind::Call { callee, .. } = &self.ir.node(*e).kind else {
                        return false;
                    };
                    let lower = callee.to_ascii_lowercase();
                    let logging = lower.contains("log")
                        || lower.starts_with("system.out")
                        || lower.starts_with("system.err")
                        || lower.ends_with("printstacktrace");
                    if !logging {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        // A nested function (a lambda in the body) is not logging either.
        !self.ir.funcs.iter().any(|g| g.parent == f && g.lambda)
    }

    fn js(&mut self) {
        let ir = self.ir;
        for node in &ir.nodes {
            let NodeKind::Object { fields, .. } = &node.kind else {
                continue;
            };
            for fld in fields {
                if fld.key != "checkServerIdentity" {
                    continue;
                }
                let NodeKind::Lambda(f) = ir.node(fld.value).kind else {
                    continue;
                };
                if self.returns_undefined(f) {
                    let vspan = ir.node(fld.value).span;
                    let at = self.first_line_span(vspan, vspan);
                    self.construct(
                        "trust-all-hostname-verifier",
                        Category::HostnameValidation,
                        at,
                        "checkServerIdentity returns undefined".into(),
                    );
                }
            }
        }
        // `opts.checkServerIdentity = () => undefined`
        for s in &ir.stmts {
            let StmtKind::Assign { target, value, .. } = &s.kind else {
                continue;
            };
            if ir
                .name(*target)
                .is_some_and(|n| n.ends_with("checkServerIdentity"))
            {
                if let NodeKind::Lambda(f) = ir.node(*value).kind {
                    if self.returns_undefined(f) {
                        let vspan = ir.node(*value).span;
                        let at = self.first_line_span(vspan, vspan);
                        self.construct(
                            "trust-all-hostname-verifier",
                            Category::HostnameValidation,
                            at,
                            "checkServerIdentity returns undefined".into(),
                        );
                    }
                }
            }
        }
    }

    fn returns_undefined(&self, f: FuncId) -> bool {
        let func = self.ir.func(f);
        if let Some(e) = func.expr_body {
            let node = self.ir.node(e);
            return match &node.kind {
                NodeKind::Null => true,
                NodeKind::Unary { .. } => self
                    .text
                    .get(node.span.start..node.span.end)
                    .is_some_and(|t| t.trim_start().starts_with("void")),
                NodeKind::Object { fields, items, .. } => fields.is_empty() && items.is_empty(),
                _ => false,
            };
        }
        let stmts = self.own_stmts(f);
        stmts.iter().all(|(_, s)| match &s.kind {
            StmtKind::Other => true,
            StmtKind::Return(None) => s.guard == 0,
            StmtKind::Return(Some(e)) => {
                s.guard == 0 && matches!(self.ir.node(*e).kind, NodeKind::Null)
            }
            _ => false,
        })
    }
}
