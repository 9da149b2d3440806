//! Where values take effect in code: the sinks, judged on the lowered file.
//!
//! Sinks are data. A key sink is a field, keyword argument, dict key or member that a
//! setting rule names (`InsecureSkipVerify`, `verify`, `rejectUnauthorized`), or that a
//! flag table names as a target (`MinVersion`, `grbitEnabledProtocols`); a call sink is a
//! table's `[[sink]]` (`WinHttpSetOption(_, WINHTTP_OPTION_SECURITY_FLAGS, v)`), a
//! constant-keyed option (`curl_easy_setopt(_, CURLOPT_SSL_VERIFYPEER, v)`), or a literal
//! argument a rule names (`SSLContext.getInstance("TLSv1")`). For each sink, [`Flow`]
//! gives the values that reach it; each becomes a fact on the line where the value is
//! written, with the sink, the path and the gating option attached ([`Via`]). Constants
//! and numbers that reach no sink are not findings: a `case` label, a returned value, a
//! name table, a comparison.

use super::super::Ctx;
use crate::diagnostic::Span;
use crate::facts::{Fact, FlagFact, Position, SettingFact, SinkRef, Via};
use crate::ir::flow::{Flow, Val, ValKind};
use crate::ir::{Ir, Lang, NodeId, NodeKind, StmtId, StmtKind};
use crate::rules::value::Value;
use std::collections::HashMap;

/// The setting domain of a language's keys.
pub fn domain(lang: Lang) -> &'static str {
    match lang {
        Lang::C | Lang::Cpp => "c",
        Lang::CSharp => "dotnet-member",
        Lang::Go => "go",
        Lang::Java => "java",
        Lang::JavaScript | Lang::TypeScript | Lang::Tsx => "javascript",
        Lang::Python => "python",
    }
}

fn is_constant_case(s: &str) -> bool {
    let last = s.rsplit('.').next().unwrap_or(s);
    last.len() > 1
        && last
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && last.as_bytes()[0].is_ascii_uppercase()
}

/// Judges every sink of a lowered file.
pub struct Sinks<'a, 'f> {
    pub(super) ir: &'a Ir,
    pub(super) flow: &'a Flow<'a>,
    pub(super) ctx: &'a Ctx<'a>,
    pub(super) text: &'a str,
    pub(super) facts: &'f mut Vec<Fact>,
}

/// A place where a keyed value takes effect.
struct KeySink<'k> {
    /// The object literal the key is in (its enclosing conditions gate it).
    object: Option<NodeId>,
    key: &'k str,
    value: NodeId,
    position: Position,
    qualifier: Option<String>,
    span: Span,
    stmt: StmtId,
}

impl Sinks<'_, '_> {
    fn text_of(&self, s: Span) -> &str {
        self.text.get(s.start..s.end).unwrap_or("")
    }

    pub(super) fn snippet(&self, s: Span) -> String {
        let t = self.text_of(s).trim();
        let one_line: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 80 {
            let cut: String = one_line.chars().take(77).collect();
            format!("{cut}...")
        } else {
            one_line
        }
    }

    /// Runs every pass.
    pub fn run(&mut self) {
        self.object_fields();
        self.member_assignments();
        self.calls();
        self.anywhere_calls();
        self.anywhere_names();
        self.written_configs();
        self.exec_calls();
        self.registry_calls();
    }

    /// A pip configuration written out as a string literal (a `[global]` section with
    /// `trusted-host`, in a multi-line string a provisioning script writes to pip.conf):
    /// read as the file it becomes. Only literals whose text is the written text (no
    /// escapes between lines), so every position maps back into the file.
    fn written_configs(&mut self) {
        let ir = self.ir;
        for node in &ir.nodes {
            let NodeKind::Str(content) = &node.kind else {
                continue;
            };
            if !(content.contains("trusted-host") || content.contains("trusted_host"))
                || !content.lines().any(|l| {
                    matches!(
                        l.trim(),
                        "[global]" | "[install]" | "[download]" | "[wheel]"
                    )
                })
            {
                continue;
            }
            let Some(written) = self.text.get(node.span.start..node.span.end) else {
                continue;
            };
            let Some(at) = written.find(content.as_str()) else {
                continue;
            };
            let embedded =
                crate::analyze::embed::Embedded::contiguous(content, node.span.start + at);
            crate::analyze::analyze_embedded(
                crate::format::FileFormat::PipConf,
                &embedded,
                1,
                self.ctx,
                self.facts,
            );
        }
    }

    /// Constants that take effect wherever they are used as a value (`anywhere` table
    /// entries: `XHR_CERT_IGNORE_UNKNOWN_CA`, `WSManFlagSkipCACheck`): reported where
    /// they are assigned, OR-ed in, passed or given to a field, but not where they are
    /// tested, compared, cleared, listed in a table or returned.
    fn anywhere_names(&mut self) {
        let ir = self.ir;
        let tables = self.ctx.tables;
        let index = self.ctx.index;
        for (i, node) in ir.nodes.iter().enumerate() {
            let NodeKind::Name(name) = &node.kind else {
                continue;
            };
            let Some(found) = index.lookup(tables, name, false) else {
                continue;
            };
            if !found.entry.anywhere || found.table.categories_of(found.entry).is_empty() {
                continue;
            }
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            if !self.used_as_value(id) {
                continue;
            }
            let v = Val {
                kind: ValKind::Const(name.clone()),
                span: node.span,
                stmt: node.stmt,
                hops: Vec::new(),
                conds: Vec::new(),
                default: false,
                negated: false,
                wrapped: false,
            };
            let fact = Fact::Flags(FlagFact {
                table: found.table.id.clone(),
                value: found.entry.value,
                name: Some(name.clone()),
                span: node.span,
            });
            let mut via = self.via(&v, node.stmt, node.span, None, None, false);
            if via.opt_in.is_none() {
                via.opt_in = self.flow.gate_at(node.stmt, Some(id));
            }
            self.push(fact, via);
        }
    }

    /// Whether a node is a value that is set (assigned, OR-ed in, passed, given to a
    /// field) rather than tested, compared, cleared, listed or returned.
    fn used_as_value(&self, id: NodeId) -> bool {
        let ir = self.ir;
        let mut cur = id;
        for _ in 0..256 {
            let Some(p) = ir.node(cur).parent else {
                // The whole expression: the value of an assignment?
                return match &ir.stmt(ir.node(cur).stmt).kind {
                    StmtKind::Assign { value, op, .. } => {
                        *value == cur
                            && matches!(op, crate::ir::AssignOp::Set | crate::ir::AssignOp::Or)
                    }
                    _ => false,
                };
            };
            match &ir.node(p).kind {
                NodeKind::Bin {
                    op: crate::ir::BinOp::Or,
                    ..
                } => cur = p,
                NodeKind::Cond { cond, .. } => {
                    if *cond == cur {
                        return false;
                    }
                    cur = p;
                }
                NodeKind::Call { callee, .. } => {
                    let last = callee.rsplit('.').next().unwrap_or(callee);
                    return !matches!(
                        last,
                        "HasFlag"
                            | "Contains"
                            | "contains"
                            | "Equals"
                            | "equals"
                            | "nameof"
                            | "typeof"
                            | "sizeof"
                            | "ToString"
                            | "toString"
                            | "str"
                            | "print"
                    );
                }
                NodeKind::Object { fields, .. } => {
                    return fields.iter().any(|f| f.value == cur);
                }
                _ => return false,
            }
        }
        false
    }

    /// Calls whose result weakens TLS wherever it is used (`ssl._create_unverified_context()`):
    /// reported where the call is written unless the result reaches a keyed sink (which
    /// reports it with that sink's conditions).
    fn anywhere_calls(&mut self) {
        let ir = self.ir;
        let tables = self.ctx.tables;
        let index = self.ctx.index;
        for (i, node) in ir.nodes.iter().enumerate() {
            let NodeKind::Call { callee, .. } = &node.kind else {
                continue;
            };
            if node.parent.is_some() || callee.is_empty() {
                continue;
            }
            let Some(found) = index.lookup(tables, callee, false) else {
                continue;
            };
            if !found.entry.anywhere {
                continue;
            }
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let stmt = ir.stmt(node.stmt);
            let handled = match &stmt.kind {
                StmtKind::Assign { target, value, .. } if *value == id => match ir.name(*target) {
                    Some(var) if !var.contains('.') => self.reaches_keyed_sink(var, node.stmt),
                    _ => true,
                },
                StmtKind::Return(_) => true,
                _ => false,
            };
            if handled {
                continue;
            }
            let v = Val {
                kind: ValKind::Const(callee.clone()),
                span: node.span,
                stmt: node.stmt,
                hops: Vec::new(),
                conds: Vec::new(),
                default: false,
                negated: false,
                wrapped: false,
            };
            let fact = Fact::Flags(FlagFact {
                table: found.table.id.clone(),
                value: found.entry.value,
                name: Some(callee.clone()),
                span: node.span,
            });
            let via = self.via(&v, node.stmt, node.span, Some(Position::Call), None, false);
            self.push(fact, via);
        }
    }

    /// Whether variable `var`, assigned at `from`, is later given to a keyed sink (a
    /// keyword argument, a field, a member) in the same function.
    fn reaches_keyed_sink(&self, var: &str, from: StmtId) -> bool {
        let f = self.ir.stmt(from).func;
        for n in &self.ir.nodes {
            if n.stmt <= from || self.ir.stmt(n.stmt).func != f {
                continue;
            }
            if !matches!(&n.kind, NodeKind::Name(x) if x == var) {
                continue;
            }
            match n.parent.map(|p| &self.ir.node(p).kind) {
                Some(NodeKind::Object { .. }) => return true,
                Some(NodeKind::Call { args, .. }) => {
                    if args
                        .iter()
                        .any(|a| a.name.is_some() && self.ir.node(a.value).span == n.span)
                    {
                        return true;
                    }
                }
                _ => {
                    if let StmtKind::Assign { target, value, .. } = &self.ir.stmt(n.stmt).kind {
                        if self.ir.node(*value).span == n.span
                            && self.ir.name(*target).is_some_and(|t| t.contains('.'))
                        {
                            return true;
                        }
                    }
                }
            }
        }
        false
    }

    /// Whether a value written at `stmt` is data built to be compared (a table test's
    /// `expected`, `want`): only in test code.
    fn compared_object(&self, obj: NodeId) -> bool {
        if !self.ctx.in_test {
            return false;
        }
        let cfg = self.ctx.flow;
        let mut cur = obj;
        for _ in 0..32 {
            let node = self.ir.node(cur);
            let Some(parent) = node.parent else {
                // The outermost value: assigned to a variable named `expected...`?
                if let StmtKind::Assign { target, value, .. } = &self.ir.stmt(node.stmt).kind {
                    if *value == cur {
                        if let Some(n) = self.ir.name(*target) {
                            return cfg.is_compared(n);
                        }
                    }
                }
                return false;
            };
            // An argument of an assertion (`self.assertEqual({"verify": s.verify}, x)`,
            // `expect(opts).toEqual({rejectUnauthorized: false})`): compared.
            if let NodeKind::Call { callee, .. } = &self.ir.node(parent).kind {
                if is_assertion(callee) {
                    return true;
                }
            }
            if let NodeKind::Object { fields, .. } = &self.ir.node(parent).kind {
                // Held by a field named `expected...`, or by a test case that also has
                // an `expected...`/`want...` field: the case feeds a pure conversion.
                // Held by a field named `expected...`/`want...`: the result a test
                // compares with. (An input next to it in the same test case is still a
                // configuration handed to the code under test.)
                if let Some(f) = fields.iter().find(|f| f.value == cur) {
                    if cfg.is_compared(&f.key) {
                        return true;
                    }
                    // A test case's input that the test only compares: `newSecure:
                    // &SecureConfig{...}` read as `tc.newSecure` into a clone that only
                    // `reflect.DeepEqual` reads.
                    if self.is_table_case(parent) && self.case_field_only_compared(&f.key) {
                        return true;
                    }
                }
            }
            cur = parent;
        }
        false
    }

    /// Whether an object literal is one case of a table test: an element of a list or
    /// slice literal.
    fn is_table_case(&self, obj: NodeId) -> bool {
        self.ir.node(obj).parent.is_some_and(|p| {
            matches!(&self.ir.node(p).kind, NodeKind::Object { items, .. } if items.contains(&obj))
        })
    }

    /// Whether every read of the table field `key` (`tc.key`, `tc.key.Member`) only
    /// compares it: an assertion's argument, a `nil` check, or a value assigned into a
    /// variable that is itself only compared (`clone.Secure = tc.key` and then
    /// `reflect.DeepEqual(tc.cs, clone)`). A read passed to the code under test, returned,
    /// stored in a literal, or a method called on it configures something. No read at all
    /// is not "only compared".
    fn case_field_only_compared(&self, key: &str) -> bool {
        let mut reads = 0;
        let mut seen = Vec::new();
        for (i, n) in self.ir.nodes.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            match &n.kind {
                NodeKind::Name(name) if name.split('.').skip(1).any(|s| s == key) => {
                    reads += 1;
                    if !self.only_compared_read(id, 0, &mut seen) {
                        return false;
                    }
                }
                NodeKind::Call { callee, .. }
                    if callee.split('.').rev().skip(1).any(|s| s == key)
                        && callee.split('.').next() != Some(key) =>
                {
                    return false;
                }
                _ => {}
            }
        }
        if reads == 0 {
            return false;
        }
        // The whole case handed on (`runCase(t, tc)`): its fields are read where we do not
        // look.
        let roots: Vec<&str> = self
            .ir
            .nodes
            .iter()
            .filter_map(|n| match &n.kind {
                NodeKind::Name(name) if name.split('.').skip(1).any(|s| s == key) => {
                    name.split('.').next()
                }
                _ => None,
            })
            .collect();
        !self.ir.nodes.iter().any(|n| {
            matches!(&n.kind, NodeKind::Name(name) if roots.contains(&name.as_str()))
                && n.parent.is_some_and(|p| {
                    matches!(&self.ir.node(p).kind, NodeKind::Call { callee, .. }
                        if !is_assertion(callee) || self.defined_here(callee))
                })
        })
    }

    /// Whether a function or method of this file has the callee's name.
    fn defined_here(&self, callee: &str) -> bool {
        let last = callee.rsplit('.').next().unwrap_or(callee);
        self.ir
            .funcs
            .iter()
            .any(|f| !f.name.is_empty() && f.name == last)
    }

    /// Whether the read `id` only compares its value (see [`Self::case_field_only_compared`]).
    fn only_compared_read(&self, id: NodeId, depth: usize, seen: &mut Vec<String>) -> bool {
        let ir = self.ir;
        let mut cur = id;
        for _ in 0..8 {
            let node = ir.node(cur);
            let Some(p) = node.parent else {
                let stmt = ir.stmt(node.stmt);
                let StmtKind::Assign { target, value, .. } = &stmt.kind else {
                    return false;
                };
                if *target == cur {
                    // Written, not read.
                    return true;
                }
                if *value != cur || depth >= 3 {
                    return false;
                }
                let Some(t) = ir.name(*target) else {
                    return false;
                };
                let root = t.split('.').next().unwrap_or(t);
                return self.variable_only_compared(root, depth + 1, seen);
            };
            match &ir.node(p).kind {
                // `&tc.key`, `*tc.key`: the same value.
                NodeKind::Unary {
                    op: crate::ir::UnOp::Other,
                    ..
                } => cur = p,
                // A test library's assertion; a helper of the file named `expect...` may
                // well dial with what it is given.
                NodeKind::Call { callee, .. } => {
                    return is_assertion(callee) && !self.defined_here(callee);
                }
                NodeKind::Bin {
                    op: crate::ir::BinOp::Compare,
                    l,
                    r,
                } => {
                    let other = if *l == cur { *r } else { *l };
                    return matches!(ir.node(other).kind, NodeKind::Null);
                }
                _ => return false,
            }
        }
        false
    }

    /// Whether variable `root` is only written or compared anywhere in the file (a
    /// package-level variable is read by other functions): every read is an assertion's
    /// argument or a `nil` check, and no method is called on it.
    fn variable_only_compared(&self, root: &str, depth: usize, seen: &mut Vec<String>) -> bool {
        if seen.iter().any(|s| s == root) {
            return true;
        }
        seen.push(root.to_string());
        let ir = self.ir;
        let of_root = |name: &str| {
            name.strip_prefix(root)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        };
        let mut reads = 0;
        for (i, n) in ir.nodes.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            match &n.kind {
                NodeKind::Name(name) if of_root(name) => {
                    let written = n.parent.is_none()
                        && matches!(&ir.stmt(n.stmt).kind, StmtKind::Assign { target, .. } if *target == id);
                    if written {
                        continue;
                    }
                    reads += 1;
                    if !self.only_compared_read(id, depth, seen) {
                        return false;
                    }
                }
                NodeKind::Call { callee, .. }
                    if callee
                        .rsplit_once('.')
                        .is_some_and(|(recv, _)| of_root(recv)) =>
                {
                    return false;
                }
                _ => {}
            }
        }
        reads > 0
    }

    /// In a test: whether a later statement of the same function asserts on `key`
    /// (`self.assertFalse(kwargs['verify'])`): the test checks that the option is passed
    /// on, the value is compared rather than used.
    fn asserted_later(&self, key: &str, stmt: StmtId) -> bool {
        if !self.ctx.in_test {
            return false;
        }
        let f = self.ir.stmt(stmt).func;
        if f == 0 {
            return false;
        }
        self.ir.nodes.iter().any(|n| {
            if n.stmt <= stmt || self.ir.stmt(n.stmt).func != f {
                return false;
            }
            let NodeKind::Call { callee, args, .. } = &n.kind else {
                return false;
            };
            let last = callee
                .rsplit('.')
                .next()
                .unwrap_or(callee)
                .to_ascii_lowercase();
            if !last.starts_with("assert") && !last.starts_with("expect") {
                return false;
            }
            args.iter().any(|a| {
                let mut names = Vec::new();
                self.ir.names_in(a.value, &mut names);
                names
                    .iter()
                    .any(|(nm, _)| nm == key || nm.rsplit('.').next() == Some(key))
            })
        })
    }

    /// The type that qualifies an untyped nested literal: the key it is held under.
    fn qualifier_of(&self, obj: NodeId, ty: &Option<String>) -> Option<String> {
        if let Some(t) = ty {
            return Some(t.clone());
        }
        let parent = self.ir.node(obj).parent?;
        match &self.ir.node(parent).kind {
            NodeKind::Object { fields, ty, .. } => fields
                .iter()
                .find(|f| f.value == obj)
                .map(|f| f.key.clone())
                .or_else(|| {
                    // An element of a typed map or slice literal (`map[string]*Cluster{...}`).
                    ty.as_ref()
                        .map(|t| t.rsplit([']', '*', '.']).next().unwrap_or(t).to_string())
                }),
            NodeKind::Call { callee, .. } => Some(callee.clone()),
            _ => None,
        }
    }

    fn object_fields(&mut self) {
        let ir = self.ir;
        for (i, node) in ir.nodes.iter().enumerate() {
            let NodeKind::Object { ty, fields, .. } = &node.kind else {
                continue;
            };
            if fields.is_empty() {
                continue;
            }
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            if self.compared_object(id) {
                continue;
            }
            let position = if ir.lang == Lang::Python {
                Position::Key
            } else {
                Position::Field
            };
            let qualifier = self.qualifier_of(id, ty);
            for f in fields {
                self.key_sink(&KeySink {
                    object: Some(id),
                    key: &f.key,
                    value: f.value,
                    position,
                    qualifier: qualifier.clone(),
                    span: f.key_span.cover(ir.node(f.value).span),
                    stmt: node.stmt,
                });
            }
        }
    }

    fn member_assignments(&mut self) {
        let ir = self.ir;
        for (i, s) in ir.stmts.iter().enumerate() {
            let StmtKind::Assign { target, value, op } = &s.kind else {
                continue;
            };
            if matches!(op, crate::ir::AssignOp::Clear | crate::ir::AssignOp::Other) {
                continue;
            }
            let sid = u32::try_from(i).unwrap_or(u32::MAX);
            match &ir.node(*target).kind {
                NodeKind::Name(path) => {
                    // `process.env.X = v`
                    if let Some(var) = path.strip_prefix("process.env.") {
                        self.env(var, *value, sid);
                        continue;
                    }
                    let Some((recv, key)) = path.rsplit_once('.') else {
                        // C#/Java object initializers and class fields assign bare names
                        // inside a type; a plain variable is not a sink.
                        continue;
                    };
                    self.key_sink(&KeySink {
                        object: None,
                        key,
                        value: *value,
                        position: Position::Member,
                        qualifier: Some(recv.to_string()),
                        span: s.span,
                        stmt: sid,
                    });
                }
                NodeKind::Index { base, key } => {
                    let NodeKind::Str(k) = &ir.node(*key).kind else {
                        continue;
                    };
                    let b = ir.name(*base).unwrap_or("");
                    if b.ends_with("environ") || b.ends_with("env") || b == "ENV" {
                        self.env(k, *value, sid);
                        continue;
                    }
                    self.key_sink(&KeySink {
                        object: None,
                        key: k,
                        value: *value,
                        position: Position::Key,
                        qualifier: Some(b.to_string()),
                        span: s.span,
                        stmt: sid,
                    });
                }
                _ => {}
            }
        }
    }

    fn env(&mut self, var: &str, value: NodeId, stmt: StmtId) {
        let sink = self.ir.stmt(stmt).span;
        for v in self.flow.resolve(value) {
            let Some(val) = literal_value(&v) else {
                continue;
            };
            let mut sub = Vec::new();
            super::super::command::env_setting(var, val, v.span, &mut sub);
            for f in sub {
                let via = self.via(&v, stmt, sink, None, None, false);
                self.push(f, via);
            }
        }
    }

    /// Python: the default of an option declared in an argument specification, Ansible's
    /// `dict(type='bool', default=False)` or `{'type': 'bool', 'default': False}`.
    fn option_default(&self, n: NodeId) -> Option<NodeId> {
        if self.ir.lang != Lang::Python {
            return None;
        }
        match &self.ir.node(n).kind {
            NodeKind::Call { callee, args, .. } if callee == "dict" => args
                .iter()
                .find(|a| a.name.as_deref() == Some("default"))
                .map(|a| a.value),
            NodeKind::Object { fields, .. } => {
                let spec = fields
                    .iter()
                    .any(|f| matches!(f.key.as_str(), "type" | "required" | "choices" | "aliases"));
                fields
                    .iter()
                    .find(|f| f.key == "default")
                    .filter(|_| spec)
                    .map(|f| f.value)
            }
            _ => None,
        }
    }

    /// Judges the values reaching one keyed sink.
    fn key_sink(&mut self, k: &KeySink<'_>) {
        let index = self.ctx.index;
        let tables = self.ctx.tables;
        let target_table = index.table_for_target(tables, k.key);
        let wanted = self.ctx.wants(domain(self.ir.lang), k.key)
            || target_table.is_some()
            || tables.iter().any(|t| t.is_target(k.key))
            || is_cert_callback_key(k.key)
            || self.is_anywhere_value(k.value);
        if !wanted {
            return;
        }
        // An option declared with its default (`validate_certs=dict(type='bool',
        // default=False)`): the default is what the program does unless asked otherwise.
        let (value, declared_default) = match self.option_default(k.value) {
            Some(d) => (d, true),
            None => (k.value, false),
        };
        // Once per key, not per value that reaches it.
        let replaced_by = self.replaced_by(k);
        let capped = self.capped_at_legacy(k);
        for v in self.flow.resolve(value) {
            if self.flow.is_mapped(&v, k.stmt) {
                continue;
            }
            let object_gate = k.object.and_then(|o| self.flow.gate_at(k.stmt, Some(o)));
            let via = |this: &Self, passthrough: bool| {
                let position = if declared_default {
                    Position::Default
                } else {
                    k.position
                };
                let mut via = this.via(
                    &v,
                    k.stmt,
                    k.span,
                    Some(position),
                    k.qualifier.clone(),
                    passthrough,
                );
                if via.opt_in.is_none() {
                    via.opt_in.clone_from(&object_gate);
                }
                // A declared default is changed where it is declared, by hand (`default=True`
                // may need the documentation changed too).
                via.no_fix |= declared_default || capped;
                via.replaced_by.clone_from(&replaced_by);
                via
            };
            match &v.kind {
                ValKind::Const(name) => {
                    if let Some(found) = index.lookup(tables, name, false) {
                        if found.table.is_target(k.key) || found.entry.anywhere {
                            let fact = Fact::Flags(FlagFact {
                                table: found.table.id.clone(),
                                value: found.entry.value,
                                name: Some(name.clone()),
                                span: v.span,
                            });
                            let via = via(self, false);
                            self.push(fact, via);
                        }
                    }
                    // Rules that compare names (`cert_reqs = CERT_NONE`).
                    let fact = self.setting(k.key, Value::Str(name.clone()), v.span);
                    let via = via(self, false);
                    self.push(fact, via);
                }
                ValKind::Opaque(name) => {
                    // An option stored on the object itself (`self.verify = verify`) is
                    // not where it takes effect.
                    let own_member = k.position == Position::Member
                        && k.qualifier.as_deref().is_some_and(|q| {
                            matches!(q, "self" | "this" | "cls") || q.starts_with("this.")
                        });
                    // Go: an unexported field is the program's own struct (its option is
                    // passed on to where it takes effect, reported there).
                    let unexported = self.ir.lang == Lang::Go
                        && k.key.starts_with(|c: char| c.is_ascii_lowercase());
                    if self.ctx.flow.is_gate(name)
                        && !own_member
                        && !unexported
                        && !self.ctx.in_generated
                    {
                        // A pass-through is reported where the option reaches the sink.
                        let at = self.ir.node(k.value).span;
                        let fact = self.setting(k.key, Value::Unknown, at);
                        let mut via = via(self, true);
                        via.sink = None;
                        via.path.clear();
                        self.push(fact, via);
                    }
                }
                ValKind::Int(n) => {
                    if let Some(t) = target_table {
                        let fact = Fact::Flags(FlagFact {
                            table: t.id.clone(),
                            value: *n,
                            name: None,
                            span: v.span,
                        });
                        let via = via(self, false);
                        self.push(fact, via);
                    }
                    let fact = self.setting(k.key, Value::Int(*n), v.span);
                    let via = via(self, false);
                    self.push(fact, via);
                }
                ValKind::Str(_) | ValKind::Bool(_) => {
                    let Some(val) = literal_value(&v) else {
                        continue;
                    };
                    let val = match (&v.kind, val) {
                        // Keep the written spelling for fixes (`False`, `'0'`).
                        (ValKind::Bool(b), _)
                            if !v.negated
                                && !v.wrapped
                                && Value::Str(self.text_of(v.span).to_string()).as_bool()
                                    == Some(*b) =>
                        {
                            Value::Str(self.text_of(v.span).to_string())
                        }
                        (_, val) => val,
                    };
                    let fact = self.setting(k.key, val, v.span);
                    let via = via(self, false);
                    self.push(fact, via);
                }
                ValKind::Func(f) => {
                    let f = *f;
                    self.callback_value(k.key, f, &v, k.stmt, k.span);
                }
                ValKind::Null | ValKind::Object(_) => {}
            }
        }
    }

    fn setting(&self, key: &str, value: Value, span: Span) -> Fact {
        Fact::Setting(SettingFact {
            domain: domain(self.ir.lang),
            key: key.to_string(),
            value,
            span,
        })
    }

    pub(super) fn via(
        &self,
        v: &Val,
        sink_stmt: StmtId,
        sink_span: Span,
        position: Option<Position>,
        qualifier: Option<String>,
        passthrough: bool,
    ) -> Via {
        let opt_in = self.flow.gate(v, sink_stmt);
        let elsewhere = !(v.span.start >= sink_span.start && v.span.end <= sink_span.end);
        let sink = elsewhere.then(|| SinkRef {
            span: sink_span,
            text: self.snippet(sink_span),
        });
        let mut path = Vec::new();
        if elsewhere {
            path.push(SinkRef {
                span: v.span,
                text: self.snippet(v.span),
            });
            for &h in &v.hops {
                let s = self.ir.stmt(h).span;
                if s != sink_span {
                    path.push(SinkRef {
                        span: s,
                        text: self.snippet(s),
                    });
                }
            }
            path.push(SinkRef {
                span: sink_span,
                text: self.snippet(sink_span),
            });
        }
        Via {
            sink,
            path,
            opt_in,
            passthrough,
            position,
            qualifier,
            no_fix: v.negated || v.wrapped,
            replaced_by: None,
        }
    }

    /// The member that replaces the check a switch turns off, set on the same object: a
    /// field of the same literal (`tls.Config{InsecureSkipVerify: true,
    /// VerifyPeerCertificate: verifyChain}`) or a member of the same receiver assigned in
    /// the same function (`cfg.VerifyConnection = check`). Not a replacement that does
    /// nothing (`nil`, a function that only returns `nil`).
    fn replaced_by(&self, k: &KeySink<'_>) -> Option<String> {
        let replacements = self.ctx.flow.replaced_checks.get(k.key)?;
        self.siblings(k, replacements)
            .into_iter()
            .find(|(_, v)| self.does_something(*v))
            .map(|(m, _)| m)
    }

    /// Whether a member of the same object caps the minimum this key sets at a legacy
    /// version (`MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11`): raising
    /// the minimum alone would leave no version to negotiate.
    fn capped_at_legacy(&self, k: &KeySink<'_>) -> bool {
        let Some(caps) = self.ctx.flow.capped_by.get(k.key) else {
            return false;
        };
        let (index, tables) = (self.ctx.index, self.ctx.tables);
        self.siblings(k, caps).into_iter().any(|(_, v)| {
            self.flow.resolve(v).iter().any(|val| match &val.kind {
                ValKind::Const(name) => index
                    .lookup(tables, name, false)
                    .is_some_and(|f| !f.table.categories_of(f.entry).is_empty()),
                _ => false,
            })
        })
    }

    /// The members `names` set on the same object as `k`: fields of the same literal, or
    /// members of the same receiver assigned in the same function near it (a bounded
    /// window, for files of a hundred thousand assignments).
    fn siblings(&self, k: &KeySink<'_>, names: &[String]) -> Vec<(String, NodeId)> {
        let ir = self.ir;
        if let Some(o) = k.object {
            let NodeKind::Object { fields, .. } = &ir.node(o).kind else {
                return Vec::new();
            };
            return fields
                .iter()
                .filter(|f| names.contains(&f.key))
                .map(|f| (f.key.clone(), f.value))
                .collect();
        }
        let Some(recv) = k
            .qualifier
            .as_deref()
            .filter(|_| k.position == Position::Member)
        else {
            return Vec::new();
        };
        let func = ir.stmt(k.stmt).func;
        let at = k.stmt as usize;
        let Some(window) = ir
            .stmts
            .get(at.saturating_sub(256)..(at + 256).min(ir.stmts.len()))
        else {
            return Vec::new();
        };
        window
            .iter()
            .filter(|s| s.func == func)
            .filter_map(|s| {
                let StmtKind::Assign { target, value, .. } = &s.kind else {
                    return None;
                };
                let (r, member) = ir.name(*target)?.rsplit_once('.')?;
                (r == recv && names.iter().any(|x| x == member))
                    .then(|| (member.to_string(), *value))
            })
            .collect()
    }

    /// Whether a value installed as a check is one that can reject a peer: a verifier a
    /// call builds, a function of the file, a function literal that returns something
    /// else than `nil` (one that logs and returns `nil` accepts every peer). Not `nil`, not
    /// a value passed on from elsewhere.
    fn does_something(&self, n: NodeId) -> bool {
        match &self.ir.node(n).kind {
            // A verifier built by a call (`certverifier.VerifyServerCertificateChain(...)`).
            NodeKind::Call { .. } => true,
            // A function of the file; not a value passed on (`opts.VerifyPeerCertificate`
            // may be `nil`).
            NodeKind::Name(name) => self
                .ir
                .funcs
                .iter()
                .any(|f| !f.name.is_empty() && !f.lambda && f.name == *name),
            NodeKind::Lambda(f) => {
                let func = self.ir.func(*f);
                if let Some(e) = func.expr_body {
                    return !matches!(self.ir.node(e).kind, NodeKind::Null);
                }
                // Go returns an expression list: `return nil` is read as written.
                let is_nil = |e: NodeId| {
                    matches!(self.ir.node(e).kind, NodeKind::Null)
                        || matches!(
                            self.text_of(self.ir.node(e).span).trim(),
                            "nil" | "None" | "null"
                        )
                };
                // It can reject a peer: it returns something else than `nil`, or throws.
                self.ir.stmts.iter().any(|s| {
                    s.func == *f
                        && match &s.kind {
                            StmtKind::Return(Some(e)) => !is_nil(*e),
                            StmtKind::Throw => true,
                            _ => false,
                        }
                })
            }
            _ => false,
        }
    }

    pub(super) fn push(&mut self, f: Fact, via: Via) {
        self.facts.push(Fact::Via(Box::new(f), Box::new(via)));
    }

    fn calls(&mut self) {
        let ir = self.ir;
        let plain = self.plain_url_handles();
        for (i, node) in ir.nodes.iter().enumerate() {
            if crate::budget::exceeded() {
                return;
            }
            let NodeKind::Call { callee, args, .. } = &node.kind else {
                continue;
            };
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let stmt = node.stmt;
            let last = callee.rsplit('.').next().unwrap_or(callee);
            if self.tls_of_plain_url(args, &plain) {
                continue;
            }
            self.table_sinks(callee, args, stmt, node.span);
            // Keyword arguments (not of an assertion on a mock's expected call).
            let lower_last = last.to_ascii_lowercase();
            let expected_call =
                self.ctx.in_test && (lower_last.starts_with("assert") || lower_last == "call");
            for a in args {
                if let Some(name) = &a.name {
                    if expected_call || self.asserted_later(name, stmt) {
                        continue;
                    }
                    self.key_sink(&KeySink {
                        object: None,
                        key: name,
                        value: a.value,
                        position: Position::Argument,
                        qualifier: Some(callee.clone()),
                        span: ir.node(a.value).span,
                        stmt,
                    });
                }
            }
            let positional: Vec<NodeId> = crate::ir::positional(args);
            // Constant-keyed options: f(h, CONST, value).
            for w in positional.windows(2) {
                let Some(opt) = ir.name(w[0]) else { continue };
                if !is_constant_case(opt) {
                    continue;
                }
                let opt_last = opt.rsplit('.').next().unwrap_or(opt);
                let key = format!("{last}.{opt_last}");
                if self.ctx.wants("call-option", &key) {
                    self.call_value("call-option", &key, w[1], stmt, node.span);
                }
            }
            // Setters and option functions: `WithInsecureSkipVerify(true)`.
            if positional.len() == 1 {
                for prefix in ["With", "Set", "set", "with"] {
                    if let Some(rest) = last.strip_prefix(prefix) {
                        if rest.starts_with(|c: char| c.is_ascii_uppercase()) {
                            let recv = callee.rsplit_once('.').map(|(r, _)| r.to_string());
                            self.key_sink(&KeySink {
                                object: None,
                                key: rest,
                                value: positional[0],
                                position: Position::Setter,
                                qualifier: recv,
                                span: node.span,
                                stmt,
                            });
                        }
                        break;
                    }
                }
            }
            // Literal arguments: `SSLContext.getInstance("TLSv1")`.
            let key = {
                let mut segs = callee.rsplit('.');
                let m = segs.next().unwrap_or("");
                match segs.next() {
                    Some(r) if !r.is_empty() && r != "_" => format!("{r}.{m}"),
                    _ => m.to_string(),
                }
            };
            // `call-arg` rules name Java and JavaScript APIs (`SSLContext.getInstance`,
            // `setEnabledProtocols`), read where the prefilter's second stage looks for them.
            let call_arg_lang = crate::engine::setting_read_in("call-arg", domain(self.ir.lang));
            if call_arg_lang && !key.is_empty() && self.ctx.wants("call-arg", &key) {
                for &a in &positional {
                    self.call_literals(&key, a, stmt, node.span);
                }
            }
            self.special_call(callee, &positional, stmt, node.span);
            let _ = id;
        }
    }

    /// For each `[[tls_of_url]]` entry, the handles (the call's first argument) whose URL
    /// option the file sets, and whether every value it sets is a literal of a plain-text
    /// scheme (`curl_easy_setopt(h, CURLOPT_PROXY, "http://proxy:3128")`). Built once per
    /// file.
    fn plain_url_handles(&self) -> Vec<HashMap<String, bool>> {
        let ir = self.ir;
        let mut out = Vec::new();
        for u in &self.ctx.flow.tls_of_url {
            let mut m: HashMap<String, bool> = HashMap::new();
            if self.text.contains(u.url_option.as_str()) {
                for n in &ir.nodes {
                    let NodeKind::Call { args, .. } = &n.kind else {
                        continue;
                    };
                    let pos = crate::ir::positional(args);
                    let Some(handle) = pos.first().and_then(|&h| ir.name(h)) else {
                        continue;
                    };
                    for w in pos.windows(2) {
                        let opt = ir.name(w[0]).map(|s| s.rsplit('.').next().unwrap_or(s));
                        if opt != Some(u.url_option.as_str()) {
                            continue;
                        }
                        let values = self.flow.resolve(w[1]);
                        let plain = !values.is_empty()
                            && values.iter().all(|v| match &v.kind {
                                ValKind::Str(s) => {
                                    s.split_once("://").is_some_and(|(scheme, _)| {
                                        u.plain_schemes
                                            .iter()
                                            .any(|p| p.eq_ignore_ascii_case(scheme))
                                    })
                                }
                                _ => false,
                            });
                        let e = m.entry(handle.to_string()).or_insert(true);
                        *e &= plain;
                    }
                }
            }
            out.push(m);
        }
        out
    }

    /// Whether a call sets an option of a connection that has no TLS: the option
    /// configures the TLS of a URL another option of the same handle gives
    /// (`CURLOPT_PROXY_SSLVERSION` and `CURLOPT_PROXY`), and every value the file passes
    /// for that URL on that handle is a plain-text literal. Unknown, scheme-less or
    /// `https://` URLs, or none at all, keep the option.
    fn tls_of_plain_url(&self, args: &[crate::ir::Arg], plain: &[HashMap<String, bool>]) -> bool {
        let pos = crate::ir::positional(args);
        let Some(handle) = pos.first().and_then(|&h| self.ir.name(h)) else {
            return false;
        };
        let urls = &self.ctx.flow.tls_of_url;
        pos.iter().any(|&a| {
            let Some(opt) = self.ir.name(a).map(|s| s.rsplit('.').next().unwrap_or(s)) else {
                return false;
            };
            urls.iter().zip(plain).any(|(u, m)| {
                u.options.iter().any(|o| o == opt) && m.get(handle).copied().unwrap_or(false)
            })
        })
    }

    /// A value passed to a constant-keyed option.
    fn call_value(
        &mut self,
        domain: &'static str,
        key: &str,
        value: NodeId,
        stmt: StmtId,
        sink: Span,
    ) {
        for v in self.flow.resolve(value) {
            if self.flow.is_mapped(&v, stmt) {
                continue;
            }
            let (val, passthrough) = match &v.kind {
                ValKind::Opaque(n) if self.ctx.flow.is_gate(n) => (Value::Unknown, true),
                ValKind::Const(n) => (Value::Str(n.clone()), false),
                _ => match literal_value(&v) {
                    Some(val) => (val, false),
                    None => continue,
                },
            };
            let fact = Fact::Setting(SettingFact {
                domain,
                key: key.to_string(),
                value: val,
                span: v.span,
            });
            let via = self.via(&v, stmt, sink, Some(Position::Call), None, passthrough);
            self.push(fact, via);
        }
    }

    /// Literal strings, numbers and booleans passed as arguments (also inside array
    /// literals): `call-arg` settings.
    fn call_literals(&mut self, key: &str, arg: NodeId, stmt: StmtId, sink: Span) {
        for v in self.flow.resolve(arg) {
            if self.flow.is_mapped(&v, stmt) {
                continue;
            }
            let vals: Vec<(Value, Span)> = match &v.kind {
                ValKind::Str(s) => vec![(Value::Str(s.clone()), v.span)],
                ValKind::Bool(_) | ValKind::Int(_) => {
                    vec![(Value::Str(self.text_of(v.span).to_string()), v.span)]
                }
                ValKind::Object(o) => match &self.ir.node(*o).kind {
                    NodeKind::Object { items, .. } => items
                        .iter()
                        .filter_map(|&it| match &self.ir.node(it).kind {
                            NodeKind::Str(s) => {
                                Some((Value::Str(s.clone()), self.ir.node(it).span))
                            }
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            for (val, span) in vals {
                let fact = Fact::Setting(SettingFact {
                    domain: "call-arg",
                    key: key.to_string(),
                    value: val,
                    span,
                });
                let via = self.via(&v, stmt, sink, Some(Position::Call), None, false);
                self.push(fact, via);
            }
        }
    }

    /// A table's call sinks.
    fn table_sinks(&mut self, callee: &str, args: &[crate::ir::Arg], stmt: StmtId, sink: Span) {
        let tables = self.ctx.tables;
        let index = self.ctx.index;
        let positional: Vec<NodeId> = args
            .iter()
            .filter(|a| a.name.is_none())
            .map(|a| a.value)
            .collect();
        for (ti, table) in tables.iter().enumerate() {
            for (si, s) in table.sinks.iter().enumerate() {
                if !s.matches_call(callee) {
                    continue;
                }
                let option = match &s.option {
                    Some(_) => match positional.get(s.option_arg) {
                        Some(&o) => Some(o),
                        None => continue,
                    },
                    None => None,
                };
                let Some(&arg) = positional.get(s.arg) else {
                    continue;
                };
                self.sink_value(ti, si, option, arg, stmt, sink, 0);
            }
        }
        // Constants that take effect wherever they are passed (trust-all classes).
        for a in args {
            if !self.may_hold_anywhere(a.value) {
                continue;
            }
            for v in self.flow.resolve(a.value) {
                let ValKind::Const(name) = &v.kind else {
                    continue;
                };
                if let Some(found) = index.lookup(tables, name, false) {
                    if found.entry.anywhere && !self.flow.is_mapped(&v, stmt) {
                        let fact = Fact::Flags(FlagFact {
                            table: found.table.id.clone(),
                            value: found.entry.value,
                            name: Some(name.clone()),
                            span: v.span,
                        });
                        let via = self.via(&v, stmt, sink, Some(Position::Call), None, false);
                        self.push(fact, via);
                    }
                }
            }
        }
    }

    /// Whether a value could be an `anywhere` constant: a name (a constant, or a variable
    /// that may hold one) or a call of one.
    fn may_hold_anywhere(&self, n: NodeId) -> bool {
        match &self.ir.node(n).kind {
            NodeKind::Name(name) => {
                if name.contains('.') || is_constant_case(name) {
                    self.ctx
                        .index
                        .lookup(self.ctx.tables, name, false)
                        .is_some_and(|f| f.entry.anywhere)
                } else {
                    matches!(self.ir.lang, Lang::Java | Lang::Python)
                }
            }
            NodeKind::Call { callee, .. } => self
                .ctx
                .index
                .lookup(self.ctx.tables, callee, false)
                .is_some_and(|f| f.entry.anywhere),
            _ => false,
        }
    }

    /// Whether a value is written as an `anywhere` constant or a call of one.
    fn is_anywhere_value(&self, n: NodeId) -> bool {
        let name = match &self.ir.node(n).kind {
            NodeKind::Name(name) => name,
            NodeKind::Call { callee, .. } => callee,
            _ => return false,
        };
        self.ctx
            .index
            .lookup(self.ctx.tables, name, false)
            .is_some_and(|f| f.entry.anywhere)
    }

    /// Whether `node` is (or resolves to) the constant `opt`.
    fn is_option(&self, node: NodeId, opt: &str) -> bool {
        if self
            .ir
            .name(node)
            .is_some_and(|n| n.rsplit('.').next() == Some(opt))
        {
            return true;
        }
        self.flow.resolve(node).iter().any(|v| match &v.kind {
            ValKind::Const(n) => n.rsplit('.').next() == Some(opt),
            _ => false,
        })
    }

    /// The parameter index of `node` in the function it is written in, when it names one.
    fn param_index(&self, node: NodeId) -> Option<(crate::ir::FuncId, usize)> {
        let name = self.ir.name(node)?;
        let f = self.ir.func_of(node);
        let func = self.ir.func(f);
        if func.name.is_empty() || func.lambda {
            return None;
        }
        let i = func.params.iter().position(|p| p.name == name)?;
        Some((f, i))
    }

    /// Judges the value given to table `ti`'s sink `si`. When the option or the value is
    /// a parameter of the function that calls the sink (a wrapper such as
    /// `SetDword(h, option, value)`), each call of the wrapper in the file is judged with
    /// its own arguments.
    #[allow(clippy::too_many_arguments)]
    fn sink_value(
        &mut self,
        ti: usize,
        si: usize,
        option: Option<NodeId>,
        arg: NodeId,
        stmt: StmtId,
        sink: Span,
        depth: u32,
    ) {
        let tables = self.ctx.tables;
        let index = self.ctx.index;
        let table = &tables[ti];
        let s = &table.sinks[si];
        let opt_param = option.and_then(|o| self.param_index(o));
        let val_param = self.param_index(arg);
        if depth < 2 && (opt_param.is_some() || val_param.is_some()) {
            let f = opt_param.or(val_param).map_or(0, |(f, _)| f);
            let same =
                opt_param.is_none_or(|(g, _)| g == f) && val_param.is_none_or(|(g, _)| g == f);
            if same {
                let name = self.ir.func(f).name.clone();
                let sites: Vec<NodeId> = self.flow.calls_named(&name).to_vec();
                let mut any = false;
                for c in sites.into_iter().take(32) {
                    if self.ir.func_within(self.ir.func_of(c), f) {
                        continue;
                    }
                    let node = self.ir.node(c);
                    let NodeKind::Call { args, .. } = &node.kind else {
                        continue;
                    };
                    let pos: Vec<NodeId> = args
                        .iter()
                        .filter(|a| a.name.is_none())
                        .map(|a| a.value)
                        .collect();
                    let o = match opt_param {
                        Some((_, i)) => match pos.get(i) {
                            Some(&x) => Some(x),
                            None => continue,
                        },
                        None => option,
                    };
                    let a = match val_param {
                        Some((_, i)) => match pos.get(i) {
                            Some(&x) => x,
                            None => continue,
                        },
                        None => arg,
                    };
                    any = true;
                    self.sink_value(ti, si, o, a, node.stmt, node.span, depth + 1);
                }
                if any || opt_param.is_some() {
                    return;
                }
            }
        }
        if let (Some(opt), Some(o)) = (&s.option, option) {
            if !self.is_option(o, opt) {
                return;
            }
        }
        for v in self.flow.resolve(arg) {
            if self.flow.is_mapped(&v, stmt) {
                continue;
            }
            let fact = match &v.kind {
                ValKind::Int(n) if !s.names_only => FlagFact {
                    table: table.id.clone(),
                    value: *n,
                    name: None,
                    span: v.span,
                },
                ValKind::Const(name) => match index.lookup(tables, name, false) {
                    Some(found) => FlagFact {
                        table: found.table.id.clone(),
                        value: found.entry.value,
                        name: Some(name.clone()),
                        span: v.span,
                    },
                    None => continue,
                },
                _ => continue,
            };
            let via = self.via(&v, stmt, sink, Some(Position::Call), None, false);
            self.push(Fact::Flags(fact), via);
        }
    }

    /// Environment setters, JVM properties, AppContext switches.
    fn special_call(&mut self, callee: &str, args: &[NodeId], stmt: StmtId, sink: Span) {
        let mut segs = callee.rsplit('.');
        let method = segs.next().unwrap_or("");
        let recv = segs.next();
        let env_call = matches!(
            method,
            "SetEnvironmentVariable"
                | "SetEnvironmentVariableW"
                | "SetEnvironmentVariableA"
                | "Setenv"
                | "setenv"
                | "putenv"
                | "_putenv"
                | "_wputenv"
        ) || (method == "setdefault" && recv == Some("environ"));
        let str_val = |this: &Self, i: usize| -> Option<Val> {
            let &a = args.get(i)?;
            this.flow
                .resolve(a)
                .into_iter()
                .find(|v| matches!(v.kind, ValKind::Str(_)))
        };
        let str_arg = |this: &Self, i: usize| -> Option<(String, Span)> {
            str_val(this, i).and_then(|v| match v.kind {
                ValKind::Str(s) => Some((s, v.span)),
                _ => None,
            })
        };
        if env_call {
            if let Some(whole) = str_val(self, 0) {
                let ValKind::Str(name) = &whole.kind else {
                    return;
                };
                if let Some((k, v)) = name.split_once('=') {
                    let mut sub = Vec::new();
                    super::super::command::env_setting(
                        k,
                        Value::Str(v.to_string()),
                        whole.span,
                        &mut sub,
                    );
                    for f in sub {
                        // Under a bypass option (`if (insecure) _putenv("...=0")`): an opt-in.
                        let via = self.via(&whole, stmt, sink, Some(Position::Call), None, false);
                        self.push(f, via);
                    }
                } else if let Some(&a) = args.get(1) {
                    for v in self.flow.resolve(a) {
                        let Some(val) = literal_value(&v) else {
                            continue;
                        };
                        let mut sub = Vec::new();
                        super::super::command::env_setting(name, val, v.span, &mut sub);
                        for f in sub {
                            let via = self.via(&v, stmt, sink, Some(Position::Call), None, false);
                            self.push(f, via);
                        }
                    }
                }
            }
        }
        // JVM system properties and .NET AppContext switches, in their own languages (the
        // prefilter's second stage looks for their keywords there only).
        let code = domain(self.ir.lang);
        if method == "setProperty"
            && recv == Some("System")
            && crate::engine::setting_read_in("jvm-property", code)
        {
            if let (Some((k, _)), Some(val)) = (str_arg(self, 0), str_val(self, 1)) {
                if let ValKind::Str(v) = &val.kind {
                    let fact = Fact::Setting(SettingFact {
                        domain: "jvm-property",
                        key: k,
                        value: Value::Str(v.clone()),
                        span: val.span,
                    });
                    // Under a bypass option: an opt-in.
                    let via = self.via(&val, stmt, sink, Some(Position::Call), None, false);
                    self.push(fact, via);
                }
            }
        }
        if method == "SetSwitch"
            && recv == Some("AppContext")
            && crate::engine::setting_read_in("appcontext-switch", code)
        {
            if let (Some((k, _)), Some(&a)) = (str_arg(self, 0), args.get(1)) {
                for v in self.flow.resolve(a) {
                    let val = match &v.kind {
                        ValKind::Bool(_) => Value::Str(self.text_of(v.span).to_string()),
                        _ => match literal_value(&v) {
                            Some(x) => x,
                            None => continue,
                        },
                    };
                    let fact = Fact::Setting(SettingFact {
                        domain: "appcontext-switch",
                        key: k.clone(),
                        value: val,
                        span: v.span,
                    });
                    let via = self.via(&v, stmt, sink, Some(Position::Call), None, false);
                    self.push(fact, via);
                }
            }
        }
    }
}

/// Whether a call is a test's assertion: a segment starting with `assert`/`expect`
/// (`self.assertEqual`, `assert.deepStrictEqual`, `expect(x).toEqual`), or a matcher
/// or comparison of a test library (`toEqual`, testify's `require.Equal`).
fn is_assertion(callee: &str) -> bool {
    let mut segs = callee.rsplit('.');
    let last = segs.next().unwrap_or("");
    let recv = segs.next().unwrap_or("");
    if callee.split('.').any(|s| {
        let l = s.to_ascii_lowercase();
        l.starts_with("assert") || l.starts_with("expect")
    }) {
        return true;
    }
    matches!(
        last,
        "toEqual"
            | "toStrictEqual"
            | "toMatchObject"
            | "toHaveBeenCalledWith"
            | "toHaveBeenLastCalledWith"
            | "toBeCalledWith"
            | "calledWith"
            | "calledWithMatch"
    ) || (matches!(recv, "require" | "assert" | "is" | "reflect")
        && matches!(last, "Equal" | "EqualValues" | "DeepEqual" | "Exactly"))
}

/// Keys whose value is a certificate-validation callback (judged in `callbacks`).
fn is_cert_callback_key(key: &str) -> bool {
    key.contains("ValidationCallback") || key == "CertificateValidator"
}

/// A literal value as the rules see it.
fn literal_value(v: &Val) -> Option<Value> {
    match &v.kind {
        ValKind::Int(n) => Some(Value::Int(*n)),
        ValKind::Str(s) => Some(Value::Str(s.clone())),
        ValKind::Bool(b) => Some(Value::Str(if *b { "true" } else { "false" }.to_string())),
        _ => None,
    }
}
