//! Unit tests of the value-flow pass on hand-built intermediate form: no grammar, no
//! lowering, only [`Ir`] values written the way [`super::lower`] writes them (nodes of a
//! statement are created before the statement, parameter defaults belong to the
//! function's first statement, guards nest).

use super::flow::{Flow, FlowConfig, Val, ValKind};
use super::*;

/// Builds an [`Ir`] by hand. Every node gets its own one-byte span (in creation order),
/// and belongs to the next statement created.
struct B {
    ir: Ir,
    pos: usize,
    func: FuncId,
    guard: GuardId,
    /// Statement spans start here (the first node of the statement being built).
    stmt_start: Option<usize>,
}

impl B {
    fn new(lang: Lang) -> B {
        B {
            ir: Ir::new(lang),
            pos: 0,
            func: 0,
            guard: 0,
            stmt_start: None,
        }
    }

    fn next_stmt(&self) -> StmtId {
        u32::try_from(self.ir.stmts.len()).expect("few statements")
    }

    fn node(&mut self, kind: NodeKind) -> NodeId {
        let span = Span {
            start: self.pos,
            end: self.pos + 1,
        };
        self.stmt_start.get_or_insert(self.pos);
        self.pos += 2;
        let id = u32::try_from(self.ir.nodes.len()).expect("few nodes");
        let stmt = self.next_stmt();
        self.ir.nodes.push(Node {
            kind,
            span,
            stmt,
            parent: None,
        });
        id
    }

    fn adopt(&mut self, parent: NodeId, children: &[NodeId]) {
        for &c in children {
            self.ir.nodes[c as usize].parent = Some(parent);
        }
    }

    fn int(&mut self, v: u64) -> NodeId {
        self.node(NodeKind::Int(v))
    }

    fn boolean(&mut self, b: bool) -> NodeId {
        self.node(NodeKind::Bool(b))
    }

    fn null(&mut self) -> NodeId {
        self.node(NodeKind::Null)
    }

    fn name(&mut self, n: &str) -> NodeId {
        self.node(NodeKind::Name(n.to_string()))
    }

    fn bin(&mut self, op: BinOp, l: NodeId, r: NodeId) -> NodeId {
        let id = self.node(NodeKind::Bin { op, l, r });
        self.adopt(id, &[l, r]);
        id
    }

    fn unary(&mut self, op: UnOp, x: NodeId) -> NodeId {
        let id = self.node(NodeKind::Unary { op, x });
        self.adopt(id, &[x]);
        id
    }

    fn cond(&mut self, cond: NodeId, then: NodeId, els: NodeId) -> NodeId {
        let id = self.node(NodeKind::Cond { cond, then, els });
        self.adopt(id, &[cond, then, els]);
        id
    }

    /// A call with positional arguments and `(name, value)` keyword arguments.
    fn call(&mut self, callee: &str, pos: &[NodeId], kw: &[(&str, NodeId)]) -> NodeId {
        let mut args: Vec<Arg> = pos
            .iter()
            .map(|&value| Arg {
                name: None,
                value,
                splat: false,
            })
            .collect();
        args.extend(kw.iter().map(|&(n, value)| Arg {
            name: Some(n.to_string()),
            value,
            splat: false,
        }));
        let children: Vec<NodeId> = args.iter().map(|a| a.value).collect();
        let id = self.node(NodeKind::Call {
            callee: callee.to_string(),
            args,
            ctor: false,
        });
        self.adopt(id, &children);
        id
    }

    fn object(&mut self, ty: Option<&str>, fields: &[(&str, NodeId)]) -> NodeId {
        let fs: Vec<Field> = fields
            .iter()
            .map(|&(k, value)| Field {
                key: k.to_string(),
                key_span: Span::default(),
                value,
            })
            .collect();
        let children: Vec<NodeId> = fields.iter().map(|f| f.1).collect();
        let id = self.node(NodeKind::Object {
            ty: ty.map(str::to_string),
            fields: fs,
            items: Vec::new(),
        });
        self.adopt(id, &children);
        id
    }

    fn index(&mut self, base: &str, key: &str) -> NodeId {
        let b = self.name(base);
        let k = self.node(NodeKind::Str(key.to_string()));
        let id = self.node(NodeKind::Index { base: b, key: k });
        self.adopt(id, &[b, k]);
        id
    }

    fn stmt(&mut self, kind: StmtKind) -> StmtId {
        let id = self.next_stmt();
        let start = self.stmt_start.take().unwrap_or(self.pos);
        self.pos += 2;
        self.ir.stmts.push(Stmt {
            kind,
            span: Span {
                start,
                end: self.pos - 1,
            },
            func: self.func,
            guard: self.guard,
        });
        id
    }

    fn assign_op(&mut self, target: &str, op: AssignOp, value: NodeId) -> StmtId {
        let t = self.name(target);
        self.stmt(StmtKind::Assign {
            target: t,
            op,
            value,
        })
    }

    fn assign(&mut self, target: &str, value: NodeId) -> StmtId {
        self.assign_op(target, AssignOp::Set, value)
    }

    fn eval(&mut self, e: NodeId) -> StmtId {
        self.stmt(StmtKind::Eval(e))
    }

    fn ret(&mut self, e: NodeId) -> StmtId {
        self.stmt(StmtKind::Return(Some(e)))
    }

    /// `sink(value)` as a statement: returns (the argument, the statement).
    fn sink(&mut self, value: NodeId) -> (NodeId, StmtId) {
        let c = self.call("sink", &[value], &[]);
        (value, self.eval(c))
    }

    /// Starts a function (defaults for `params` are nodes created before this call are
    /// not allowed: pass `None` and use [`B::param_default`]).
    fn begin_func(&mut self, name: &str, class: Option<&str>) -> FuncId {
        let id = u32::try_from(self.ir.funcs.len()).expect("few functions");
        self.ir.funcs.push(Func {
            name: name.to_string(),
            class: class.map(str::to_string),
            bases: Vec::new(),
            params: Vec::new(),
            parent: self.func,
            span: Span::default(),
            name_span: Span::default(),
            lambda: false,
            expr_body: None,
        });
        self.func = id;
        self.guard = 0;
        id
    }

    /// The function's parameters; `defaults` are nodes built just before (they belong to
    /// the parameter statement, as in the lowering).
    fn params(&mut self, params: &[(&str, Option<NodeId>)]) {
        self.stmt(StmtKind::Other);
        let f = self.func as usize;
        self.ir.funcs[f].params = params
            .iter()
            .map(|&(n, d)| Param {
                name: n.to_string(),
                ty: None,
                default: d,
                span: Span::default(),
            })
            .collect();
    }

    fn end_func(&mut self) {
        self.func = self.ir.funcs[self.func as usize].parent;
        self.guard = 0;
    }

    fn push_guard(&mut self, kind: GuardKind, cond: Option<NodeId>, negated: bool) -> GuardId {
        // The condition is an expression of a statement of its own, as in the lowering.
        if cond.is_some() {
            self.stmt(StmtKind::Other);
        }
        let id = u32::try_from(self.ir.guards.len()).expect("few guards");
        self.ir.guards.push(Guard {
            parent: self.guard,
            kind,
            cond,
            negated,
        });
        self.guard = id;
        id
    }

    fn if_(&mut self, cond: NodeId) -> GuardId {
        self.push_guard(GuardKind::If, Some(cond), false)
    }

    fn else_(&mut self, of: GuardId) -> GuardId {
        let g = self.ir.guards[of as usize].clone();
        self.guard = g.parent;
        let id = u32::try_from(self.ir.guards.len()).expect("few guards");
        self.ir.guards.push(Guard {
            parent: g.parent,
            kind: GuardKind::If,
            cond: g.cond,
            negated: true,
        });
        self.guard = id;
        id
    }

    fn case(&mut self, labels: Vec<NodeId>) -> GuardId {
        self.push_guard(GuardKind::Case { labels }, None, false)
    }

    fn end_guard(&mut self) {
        self.guard = self.ir.guards[self.guard as usize].parent;
    }
}

fn cfg() -> FlowConfig {
    let mut constants = std::collections::HashMap::new();
    constants.insert("proto.BoolTrue".to_string(), toml::Value::Boolean(true));
    FlowConfig {
        transparent_calls: vec!["uint16".into(), "wrapperspb.Bool".into()],
        wrapper_types: vec!["BoolValue.Value".into()],
        constants,
        gate_words: vec![
            "insecure".into(),
            "verify".into(),
            "validatecerts".into(),
            "allowtls10".into(),
        ],
        compared_words: vec!["expected".into(), "want".into()],
        gate_exceptions: vec!["verifyresult".into()],
        ..FlowConfig::default()
    }
}

/// Names of the flag tables: upper-case names and `tls.` constants.
fn is_const(n: &str) -> bool {
    n.starts_with("tls.")
        || n.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn kinds(vals: &[Val]) -> Vec<ValKind> {
    vals.iter().map(|v| v.kind.clone()).collect()
}

fn c(n: &str) -> ValKind {
    ValKind::Const(n.to_string())
}

#[test]
fn a_literal_reaches_through_a_variable_with_its_position_and_path() {
    let mut b = B::new(Lang::Go);
    b.begin_func("client", None);
    b.params(&[]);
    let lit = b.boolean(true);
    let set = b.assign("skip", lit);
    let unrelated = b.int(5);
    b.assign("timeout", unrelated);
    let use_ = b.name("skip");
    let (arg, sink) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let vals = flow.resolve(arg);
    assert_eq!(kinds(&vals), vec![ValKind::Bool(true)]);
    // The finding's position is the literal, not the use; the path is the assignment.
    assert_eq!(vals[0].span, b.ir.node(lit).span);
    assert_eq!(vals[0].stmt, set);
    assert_eq!(flow.path_stmts(&vals[0], sink), vec![set, sink]);
    assert!(!flow.is_mapped(&vals[0], sink));
    assert_eq!(flow.gate(&vals[0], sink), None);
}

#[test]
fn a_named_constant_reaches_through_two_variables() {
    let mut b = B::new(Lang::C);
    let k = b.name("TLS1_VERSION");
    let first = b.assign("legacy_min", k);
    b.begin_func("setup", None);
    b.params(&[]);
    let v = b.name("legacy_min");
    let second = b.assign("min", v);
    let use_ = b.name("min");
    let (arg, _) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let vals = flow.resolve(arg);
    assert_eq!(kinds(&vals), vec![c("TLS1_VERSION")]);
    assert_eq!(vals[0].stmt, first);
    assert_eq!(vals[0].hops, vec![second]);
}

#[test]
fn an_unconditional_assignment_ends_the_walk() {
    let mut b = B::new(Lang::C);
    b.begin_func("f", None);
    b.params(&[]);
    let a = b.name("A");
    b.assign("v", a);
    let bb = b.name("B");
    b.assign("v", bb);
    let use_ = b.name("v");
    let (arg, _) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    assert_eq!(kinds(&flow.resolve(arg)), vec![c("B")]);
}

#[test]
fn a_module_level_reassignment_hides_the_first_value_from_functions() {
    // `X = False` then `X = CA` at the top level, read in a function.
    let mut b = B::new(Lang::Python);
    let f = b.boolean(false);
    b.assign("strict_verify", f);
    let ca = b.node(NodeKind::Str("/etc/ca.pem".into()));
    b.assign("strict_verify", ca);
    b.begin_func("fetch", None);
    b.params(&[]);
    let use_ = b.name("strict_verify");
    let (arg, _) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    assert_eq!(
        kinds(&flow.resolve(arg)),
        vec![ValKind::Str("/etc/ca.pem".into())]
    );
}

#[test]
fn branches_add_values_and_later_uses_see_both() {
    let mut b = B::new(Lang::C);
    b.begin_func("f", None);
    b.params(&[]);
    let a = b.name("A");
    b.assign("v", a);
    let cnd = b.name("legacy");
    let g = b.if_(cnd);
    let bb = b.name("B");
    b.assign("v", bb);
    b.else_(g);
    let cc = b.name("C");
    b.assign("v", cc);
    b.end_guard();
    let use_ = b.name("v");
    let (arg, _) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let mut got = kinds(&flow.resolve(arg));
    got.sort_by_key(|k| format!("{k:?}"));
    // Each branch may run; the value before them survives either (no `=` at the use's level).
    assert_eq!(got, vec![c("A"), c("B"), c("C")]);
}

#[test]
fn an_assignment_in_a_loop_does_not_end_the_walk() {
    let mut b = B::new(Lang::C);
    b.begin_func("f", None);
    b.params(&[]);
    let a = b.name("A");
    b.assign("v", a);
    b.push_guard(GuardKind::Loop, None, false);
    let bb = b.name("B");
    b.assign("v", bb);
    b.end_guard();
    let use_ = b.name("v");
    let (arg, _) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    assert_eq!(kinds(&flow.resolve(arg)), vec![c("B"), c("A")]);
}

#[test]
fn flags_accumulate_and_cleared_flags_do_not_count() {
    // f = A; f |= B; f |= C | D; f &= ~C; sink(f)
    let mut b = B::new(Lang::Cpp);
    b.begin_func("f", None);
    b.params(&[]);
    let a = b.name("A");
    let s_a = b.assign("f", a);
    let bb = b.name("B");
    let s_b = b.assign_op("f", AssignOp::Or, bb);
    let cc = b.name("C");
    let dd = b.name("D");
    let cd = b.bin(BinOp::Or, cc, dd);
    b.assign_op("f", AssignOp::Or, cd);
    let c2 = b.name("C");
    let not_c = b.unary(UnOp::BitNot, c2);
    b.assign_op("f", AssignOp::Clear, not_c);
    let use_ = b.name("f");
    let (arg, _) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let vals = flow.resolve(arg);
    let mut got = kinds(&vals);
    got.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(got, vec![c("A"), c("B"), c("D")]);
    // Each flag sits where it is written.
    let a_val = vals.iter().find(|v| v.kind == c("A")).expect("A");
    assert_eq!(a_val.stmt, s_a);
    let b_val = vals.iter().find(|v| v.kind == c("B")).expect("B");
    assert_eq!(b_val.stmt, s_b);
}

#[test]
fn cleared_numbers_do_not_count_either() {
    // p = 0x800 | 0x200; p &= ~0x200; sink(p)
    let mut b = B::new(Lang::C);
    b.begin_func("f", None);
    b.params(&[]);
    let x800 = b.int(0x800);
    let x200 = b.int(0x200);
    let or = b.bin(BinOp::Or, x800, x200);
    b.assign("p", or);
    let y200 = b.int(0x200);
    let not = b.unary(UnOp::BitNot, y200);
    b.assign_op("p", AssignOp::Clear, not);
    let use_ = b.name("p");
    let (arg, _) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    assert_eq!(kinds(&flow.resolve(arg)), vec![ValKind::Int(0x800)]);
}

#[test]
fn a_case_arm_that_chooses_a_value_is_a_mapping_a_sink_in_the_arm_is_not() {
    // switch (v) { case L1: m = TLS1_VERSION; break; case L2: sink(TLS1_1_VERSION); default: m = X }
    // sink(m)
    let mut b = B::new(Lang::C);
    b.begin_func("f", None);
    b.params(&[("v", None)]);
    let l1 = b.name("CURL_SSLVERSION_TLSv1_0");
    b.case(vec![l1]);
    let t10 = b.name("TLS1_VERSION");
    b.assign("m", t10);
    b.end_guard();
    let l2 = b.name("CURL_SSLVERSION_TLSv1_1");
    b.case(vec![l2]);
    let t11 = b.name("TLS1_1_VERSION");
    let (in_arm, in_arm_sink) = b.sink(t11);
    b.end_guard();
    b.case(Vec::new());
    let x = b.name("TLS1_2_VERSION");
    b.assign("m", x);
    b.end_guard();
    let use_ = b.name("m");
    let (after, after_sink) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let vals = flow.resolve(after);
    let v10 = vals
        .iter()
        .find(|v| v.kind == c("TLS1_VERSION"))
        .expect("10");
    assert!(
        flow.is_mapped(v10, after_sink),
        "chosen by a case, set after"
    );
    // The `default` arm has no label: what it sets is not a mapping of a choice.
    let v12 = vals
        .iter()
        .find(|v| v.kind == c("TLS1_2_VERSION"))
        .expect("12");
    assert!(!flow.is_mapped(v12, after_sink));
    let arm = flow.resolve(in_arm);
    assert_eq!(kinds(&arm), vec![c("TLS1_1_VERSION")]);
    assert!(
        !flow.is_mapped(&arm[0], in_arm_sink),
        "a setting made in the arm"
    );
}

#[test]
fn a_value_returned_from_a_case_is_a_mapping() {
    // func parse(s) { switch s { case "1.0": return tls.VersionTLS10 }; return tls.VersionTLS12 }
    // sink(parse(x))
    let mut b = B::new(Lang::Go);
    let parse = b.begin_func("parse", None);
    b.params(&[("s", None)]);
    let label = b.node(NodeKind::Str("1.0".into()));
    b.case(vec![label]);
    let v10 = b.name("tls.VersionTLS10");
    let r10 = b.ret(v10);
    b.end_guard();
    let v12 = b.name("tls.VersionTLS12");
    b.ret(v12);
    b.end_func();
    b.begin_func("main", None);
    b.params(&[]);
    let x = b.name("x");
    let call = b.call("parse", &[x], &[]);
    let (arg, sink) = b.sink(call);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let vals = flow.resolve(arg);
    assert_eq!(
        kinds(&vals),
        vec![c("tls.VersionTLS10"), c("tls.VersionTLS12")]
    );
    assert_eq!(vals[0].stmt, r10, "written in the return");
    assert!(flow.is_mapped(&vals[0], sink));
    assert!(!flow.is_mapped(&vals[1], sink));
    assert_eq!(flow.funcs_named("parse"), &[parse]);
}

#[test]
fn a_value_normalized_after_comparing_its_variable_is_a_mapping() {
    // f: if (min < TLS1_VERSION) min = TLS1_VERSION; sink(min)
    // g: floor = TLS1_1_VERSION; if (min < floor) min = floor; sink(min)
    // h: if (verbose < 2) min = TLS1_VERSION; sink(min)  -- another variable compared
    let mut b = B::new(Lang::C);
    b.begin_func("f", None);
    b.params(&[("min", None)]);
    let l = b.name("min");
    let r = b.name("TLS1_VERSION");
    let cmp = b.bin(BinOp::Compare, l, r);
    b.if_(cmp);
    let v = b.name("TLS1_VERSION");
    b.assign("min", v);
    b.end_guard();
    let use_ = b.name("min");
    let (direct, direct_sink) = b.sink(use_);
    b.end_func();
    b.begin_func("g", None);
    b.params(&[("min", None)]);
    let k = b.name("TLS1_1_VERSION");
    b.assign("floor", k);
    let l = b.name("min");
    let r = b.name("floor");
    let cmp = b.bin(BinOp::Compare, l, r);
    b.if_(cmp);
    let v = b.name("floor");
    b.assign("min", v);
    b.end_guard();
    let use_ = b.name("min");
    let (via, via_sink) = b.sink(use_);
    b.end_func();
    b.begin_func("h", None);
    b.params(&[("min", None), ("verbose", None)]);
    let l = b.name("verbose");
    let r = b.int(2);
    let cmp = b.bin(BinOp::Compare, l, r);
    b.if_(cmp);
    let v = b.name("TLS1_VERSION");
    b.assign("min", v);
    b.end_guard();
    let use_ = b.name("min");
    let (other, other_sink) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let find = |arg: NodeId, k: &str| {
        flow.resolve(arg)
            .into_iter()
            .find(|v| v.kind == c(k))
            .expect("the value")
    };
    assert!(flow.is_mapped(&find(direct, "TLS1_VERSION"), direct_sink));
    assert!(flow.is_mapped(&find(via, "TLS1_1_VERSION"), via_sink));
    assert!(!flow.is_mapped(&find(other, "TLS1_VERSION"), other_sink));
}

#[test]
fn gates_come_from_conditions_values_and_conditional_expressions() {
    let mut b = B::new(Lang::C);
    b.begin_func("f", None);
    b.params(&[("config", None), ("validate_certs", None)]);
    // if (config->insecure_ok) sink(0)
    let gate = b.name("config.insecure_ok");
    b.if_(gate);
    let zero = b.int(0);
    let (gated, gated_sink) = b.sink(zero);
    b.end_guard();
    // if (verbose) sink(0): not a bypass option
    let verbose = b.name("config.verbose");
    b.if_(verbose);
    let zero2 = b.int(0);
    let (plain, plain_sink) = b.sink(zero2);
    b.end_guard();
    // sink(validate_certs ? REQUIRED : NONE)
    let vc = b.name("validate_certs");
    let req = b.name("CERT_REQUIRED");
    let none = b.name("CERT_NONE");
    let cnd = b.cond(vc, req, none);
    let (cond_arg, cond_sink) = b.sink(cnd);
    // sink(validate_certs): the option passed through
    let through = b.name("validate_certs");
    let (pass, pass_sink) = b.sink(through);
    // if (verify_result != 0) sink(0): an exception to the gate words
    let vr = b.name("verify_result");
    b.if_(vr);
    let zero3 = b.int(0);
    let (exc, exc_sink) = b.sink(zero3);
    b.end_guard();
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let g = flow.resolve(gated);
    assert_eq!(
        flow.gate(&g[0], gated_sink).as_deref(),
        Some("config.insecure_ok")
    );
    assert_eq!(
        flow.gate_at(gated_sink, Some(gated)).as_deref(),
        Some("config.insecure_ok")
    );
    let p = flow.resolve(plain);
    assert_eq!(flow.gate(&p[0], plain_sink), None);
    let cv = flow.resolve(cond_arg);
    assert_eq!(kinds(&cv), vec![c("CERT_REQUIRED"), c("CERT_NONE")]);
    assert!(
        cv.iter()
            .all(|v| flow.gate(v, cond_sink).as_deref() == Some("validate_certs"))
    );
    let pv = flow.resolve(pass);
    assert_eq!(kinds(&pv), vec![ValKind::Opaque("validate_certs".into())]);
    assert_eq!(
        flow.gate(&pv[0], pass_sink).as_deref(),
        Some("validate_certs")
    );
    let e = flow.resolve(exc);
    assert_eq!(flow.gate(&e[0], exc_sink), None);
}

#[test]
fn a_gate_on_the_assignment_the_value_passed_through_counts() {
    // if (o.AllowTLS10) { min = VersionTLS10 }  sink(min)
    let mut b = B::new(Lang::Go);
    b.begin_func("f", None);
    b.params(&[("o", None)]);
    let lo = b.name("tls.VersionTLS12");
    b.assign("min", lo);
    let gate = b.name("o.AllowTLS10");
    b.if_(gate);
    let v = b.name("tls.VersionTLS10");
    b.assign("min", v);
    b.end_guard();
    let use_ = b.name("min");
    let (arg, sink) = b.sink(use_);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let vals = flow.resolve(arg);
    let v10 = vals
        .iter()
        .find(|v| v.kind == c("tls.VersionTLS10"))
        .expect("10");
    assert_eq!(flow.gate(v10, sink).as_deref(), Some("o.AllowTLS10"));
    let v12 = vals
        .iter()
        .find(|v| v.kind == c("tls.VersionTLS12"))
        .expect("12");
    assert_eq!(flow.gate(v12, sink), None);
}

#[test]
fn a_getter_in_a_condition_names_the_option() {
    // if (config.isInsecure()) sink(true); if (check(cert)) sink(true)
    let mut b = B::new(Lang::Java);
    b.begin_func("f", None);
    b.params(&[]);
    let getter = b.call("config.isInsecure", &[], &[]);
    b.if_(getter);
    let t = b.boolean(true);
    let (a, a_sink) = b.sink(t);
    b.end_guard();
    let cert = b.name("cert");
    let check = b.call("check", &[cert], &[]);
    b.if_(check);
    let t2 = b.boolean(true);
    let (bb, b_sink) = b.sink(t2);
    b.end_guard();
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let av = flow.resolve(a);
    assert_eq!(
        flow.gate(&av[0], a_sink).as_deref(),
        Some("config.isInsecure")
    );
    let bv = flow.resolve(bb);
    assert_eq!(flow.gate(&bv[0], b_sink), None);
}

#[test]
fn parameters_give_the_default_the_call_sites_literals_and_the_option() {
    // def fetch(url, verify=False): sink(verify)
    // fetch(u, verify=None); fetch(u, True); fetch(u, verify=opts.verify)
    let mut b = B::new(Lang::Python);
    let fetch = b.begin_func("fetch", None);
    let d = b.boolean(false);
    b.params(&[("url", None), ("verify", Some(d))]);
    let use_ = b.name("verify");
    let (arg, sink) = b.sink(use_);
    b.end_func();
    let u = b.name("u");
    let n = b.null();
    let c1 = b.call("fetch", &[u], &[("verify", n)]);
    b.eval(c1);
    let u2 = b.name("u");
    let t = b.boolean(true);
    let c2 = b.call("fetch", &[u2, t], &[]);
    b.eval(c2);
    let u3 = b.name("u");
    let o = b.name("opts.verify");
    let c3 = b.call("fetch", &[u3], &[("verify", o)]);
    b.eval(c3);
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let vals = flow.resolve(arg);
    let got: Vec<(ValKind, bool)> = vals.iter().map(|v| (v.kind.clone(), v.default)).collect();
    assert_eq!(
        got,
        vec![
            (ValKind::Opaque("verify".into()), false),
            (ValKind::Bool(false), true),
            (ValKind::Null, false),
            (ValKind::Bool(true), false),
        ],
        "an option passed on by a caller is not a literal of the call site"
    );
    // The default sits on the parameter list, the call site's literal on its call.
    let default = &vals[1];
    assert_eq!(default.span, b.ir.node(d).span);
    assert_eq!(vals[3].span, b.ir.node(t).span);
    assert_eq!(flow.gate(&vals[0], sink).as_deref(), Some("verify"));
    assert_eq!(flow.calls_named("fetch").len(), 3);
    assert_eq!(flow.funcs_named("fetch"), &[fetch]);
}

#[test]
fn a_helper_that_returns_its_argument_gives_each_call_its_own_value() {
    // def _fallback(value, default): return default if value is None else value
    // a = _fallback(None, False); b = _fallback(x, True); sink(a); sink(b)
    let mut b = B::new(Lang::Python);
    b.begin_func("_fallback", None);
    b.params(&[("value", None), ("default", None)]);
    let v = b.name("value");
    let n = b.null();
    let is_none = b.bin(BinOp::Compare, v, n);
    let d = b.name("default");
    let v2 = b.name("value");
    let pick = b.cond(is_none, d, v2);
    b.ret(pick);
    b.end_func();
    b.begin_func("main", None);
    b.params(&[]);
    let n1 = b.null();
    let f1 = b.boolean(false);
    let call1 = b.call("_fallback", &[n1, f1], &[]);
    b.assign("a", call1);
    let x = b.name("cfg.ca_bundle");
    let t1 = b.boolean(true);
    let call2 = b.call("_fallback", &[x, t1], &[]);
    b.assign("b", call2);
    let ua = b.name("a");
    let (arg_a, _) = b.sink(ua);
    let ub = b.name("b");
    let (arg_b, _) = b.sink(ub);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let a = kinds(&flow.resolve(arg_a));
    let bv = kinds(&flow.resolve(arg_b));
    assert!(a.contains(&ValKind::Bool(false)), "{a:?}");
    assert!(!a.contains(&ValKind::Bool(true)), "{a:?}");
    assert!(bv.contains(&ValKind::Bool(true)), "{bv:?}");
    assert!(!bv.contains(&ValKind::Bool(false)), "{bv:?}");
    assert!(
        bv.contains(&ValKind::Opaque("cfg.ca_bundle".into())),
        "{bv:?}"
    );
    // The literal keeps the position where the caller wrote it.
    let f = flow
        .resolve(arg_a)
        .into_iter()
        .find(|v| v.kind == ValKind::Bool(false))
        .expect("False");
    assert_eq!(f.span, b.ir.node(f1).span);
}

#[test]
fn wrappers_conversions_and_known_constants_are_transparent() {
    let mut b = B::new(Lang::Go);
    b.begin_func("f", None);
    b.params(&[]);
    let t = b.boolean(true);
    let wrapper = b.object(Some("wrapperspb.BoolValue"), &[("Value", t)]);
    let (w, _) = b.sink(wrapper);
    let k = b.name("tls.VersionTLS10");
    let conv = b.call("uint16", &[k], &[]);
    let (cv, _) = b.sink(conv);
    let bt = b.name("proto.BoolTrue");
    let (pt, _) = b.sink(bt);
    let f = b.boolean(false);
    let helper = b.call("wrapperspb.Bool", &[f], &[]);
    let (h, _) = b.sink(helper);
    let other = b.object(Some("tls.Config"), &[]);
    let (o, _) = b.sink(other);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let wv = flow.resolve(w);
    assert_eq!(kinds(&wv), vec![ValKind::Bool(true)]);
    assert!(wv[0].wrapped);
    assert_eq!(
        wv[0].span,
        b.ir.node(wrapper).span,
        "reported on the wrapper"
    );
    assert_eq!(kinds(&flow.resolve(cv)), vec![c("tls.VersionTLS10")]);
    assert_eq!(kinds(&flow.resolve(pt)), vec![ValKind::Bool(true)]);
    assert_eq!(kinds(&flow.resolve(h)), vec![ValKind::Bool(false)]);
    assert_eq!(kinds(&flow.resolve(o)), vec![ValKind::Object(other)]);
}

#[test]
fn negation_flips_booleans_and_marks_the_value() {
    let mut b = B::new(Lang::JavaScript);
    b.begin_func("f", None);
    b.params(&[("opts", None)]);
    let t = b.boolean(true);
    let not_t = b.unary(UnOp::Not, t);
    let (a, _) = b.sink(not_t);
    let o = b.name("opts.insecure");
    let not_o = b.unary(UnOp::Not, o);
    let (bb, sink_b) = b.sink(not_o);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let av = flow.resolve(a);
    assert_eq!(kinds(&av), vec![ValKind::Bool(false)]);
    assert!(av[0].negated, "the written `true` is not the value");
    let bv = flow.resolve(bb);
    assert_eq!(kinds(&bv), vec![ValKind::Opaque("opts.insecure".into())]);
    assert_eq!(flow.gate(&bv[0], sink_b).as_deref(), Some("opts.insecure"));
}

#[test]
fn named_functions_are_values_and_local_calls_return_their_values() {
    let mut b = B::new(Lang::CSharp);
    let handler = b.begin_func("AcceptAll", Some("Client"));
    b.params(&[("sender", None), ("errors", None)]);
    let t = b.boolean(true);
    let ret = b.ret(t);
    b.end_func();
    b.begin_func("Install", Some("Client"));
    b.params(&[]);
    let h = b.name("AcceptAll");
    let (cb, _) = b.sink(h);
    let call = b.call("AcceptAll", &[], &[]);
    let (r, _) = b.sink(call);
    let ext = b.call("Library.Make", &[], &[]);
    let (e, _) = b.sink(ext);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    assert_eq!(kinds(&flow.resolve(cb)), vec![ValKind::Func(handler)]);
    let rv = flow.resolve(r);
    assert_eq!(kinds(&rv), vec![ValKind::Bool(true)]);
    assert_eq!(rv[0].stmt, ret);
    // A call of something not defined in the file is named by its callee.
    assert_eq!(kinds(&flow.resolve(e)), vec![c("Library.Make")]);
}

#[test]
fn members_are_resolved_across_the_methods_of_a_class() {
    // class Client: def __init__(self): self.verify = False ; def get(self): sink(self.verify)
    // class Other: def get(self): sink(self.verify)
    let mut b = B::new(Lang::Python);
    b.begin_func("__init__", Some("Client"));
    b.params(&[("self", None)]);
    let f = b.boolean(false);
    b.assign("self.verify", f);
    b.end_func();
    b.begin_func("get", Some("Client"));
    b.params(&[("self", None)]);
    let u = b.name("self.verify");
    let (mine, _) = b.sink(u);
    b.end_func();
    b.begin_func("get", Some("Other"));
    b.params(&[("self", None)]);
    let u2 = b.name("self.verify");
    let (other, _) = b.sink(u2);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    assert_eq!(kinds(&flow.resolve(mine)), vec![ValKind::Bool(false)]);
    assert_eq!(
        kinds(&flow.resolve(other)),
        vec![ValKind::Opaque("self.verify".into())]
    );
}

#[test]
fn an_option_read_by_name_is_opaque_and_can_be_a_gate() {
    let mut b = B::new(Lang::Python);
    b.begin_func("main", None);
    b.params(&[("module", None)]);
    let ix = b.index("module.params", "validate_certs");
    let (arg, sink) = b.sink(ix);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let v = flow.resolve(arg);
    assert_eq!(
        kinds(&v),
        vec![ValKind::Opaque("module.params['validate_certs']".into())]
    );
    assert_eq!(
        flow.gate(&v[0], sink).as_deref(),
        Some("module.params['validate_certs']")
    );
}

#[test]
fn cycles_and_recursion_end() {
    // x = x | A (no earlier value); def f(a): return f(a); sink(x); sink(f(1))
    let mut b = B::new(Lang::C);
    let f = b.begin_func("f", None);
    b.params(&[("a", None)]);
    let a = b.name("a");
    let rec = b.call("f", &[a], &[]);
    b.ret(rec);
    b.end_func();
    b.begin_func("main", None);
    b.params(&[]);
    let x = b.name("x");
    let aa = b.name("A");
    let or = b.bin(BinOp::Or, x, aa);
    b.assign("x", or);
    let ux = b.name("x");
    let (sx, _) = b.sink(ux);
    let one = b.int(1);
    let call = b.call("f", &[one], &[]);
    let (sf, _) = b.sink(call);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    let xv = kinds(&flow.resolve(sx));
    assert!(xv.contains(&c("A")), "{xv:?}");
    // Recursion adds nothing and ends.
    let fv = flow.resolve(sf);
    assert!(fv.len() <= 64, "bounded");
    assert_eq!(flow.funcs_named("f"), &[f]);
}

#[test]
fn a_long_chain_is_cut_at_the_depth_limit() {
    // v0 = TRUE_CONST; v1 = v0; ... v40 = v39; sink(v40)
    let mut b = B::new(Lang::C);
    b.begin_func("f", None);
    b.params(&[]);
    let k = b.name("ORIGIN");
    b.assign("v0", k);
    for i in 1..=40 {
        let prev = b.name(&format!("v{}", i - 1));
        b.assign(&format!("v{i}"), prev);
    }
    let u = b.name("v40");
    let (far, _) = b.sink(u);
    let u3 = b.name("v3");
    let (near, _) = b.sink(u3);
    b.end_func();
    let cfg = cfg();
    let flow = Flow::new(&b.ir, &cfg, &is_const);
    assert!(flow.resolve(far).is_empty(), "beyond the depth limit");
    assert_eq!(kinds(&flow.resolve(near)), vec![c("ORIGIN")]);
}

#[test]
fn gate_words_are_compared_on_the_last_segment_normalized() {
    let cfg = cfg();
    assert!(cfg.is_gate("config->insecure_ok".replace("->", ".").as_str()));
    assert!(cfg.is_gate("$ValidateCerts"));
    assert!(cfg.is_gate("opts.AllowTLS10"));
    assert!(cfg.is_gate("module.params['validate_certs']"));
    assert!(!cfg.is_gate("ssl_verify_result"));
    assert!(!cfg.is_gate("config.verbose"));
    // Only the last segment counts: an insecure *object* is not an option.
    assert!(!cfg.is_gate("insecure.timeout"));
    assert!(cfg.is_compared("expectedConfig"));
    assert!(cfg.is_compared("tt.want"));
    assert!(!cfg.is_compared("unexpected"));
}
