//! Syntax trees (tree-sitter) lowered to the intermediate form.
//!
//! One lowering serves every grammar: tree-sitter grammars name the same constructs in a
//! few different ways (`call_expression`, `call`, `invocation_expression`,
//! `method_invocation`), so the lowering matches on node kinds across languages and reads
//! fields by name. Unknown constructs are not dropped: their sub-expressions are lowered
//! too, so a call nested in an unfamiliar expression still reaches the sink pass. Error
//! nodes are normal input: they are lowered like blocks. Nesting deeper than
//! [`MAX_DEPTH`] is not followed (hostile input), and the per-file time budget is checked
//! as nodes are visited.

use super::{
    Arg, AssignOp, BinOp, Field, Func, FuncId, Guard, GuardId, GuardKind, Ir, Lang, Node, NodeId,
    NodeKind, Param, Stmt, StmtId, StmtKind, UnOp,
};
use crate::diagnostic::Span;
use tree_sitter::{Language, Node as TsNode, Parser, Tree};

/// Syntax nesting beyond which subtrees are not lowered.
pub const MAX_DEPTH: u32 = 400;

/// The tree-sitter grammar of a language.
pub fn grammar(lang: Lang) -> Language {
    match lang {
        Lang::C => tree_sitter_c::LANGUAGE.into(),
        Lang::Cpp => tree_sitter_cpp::LANGUAGE.into(),
        Lang::CSharp => tree_sitter_c_sharp::LANGUAGE.into(),
        Lang::Go => tree_sitter_go::LANGUAGE.into(),
        Lang::Java => tree_sitter_java::LANGUAGE.into(),
        Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
        Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        Lang::Python => tree_sitter_python::LANGUAGE.into(),
    }
}

thread_local! {
    /// One parser per thread and language, reused across files.
    static PARSERS: std::cell::RefCell<Vec<(Lang, Parser)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Parses `text`; `None` when the grammar cannot be loaded or the time budget ran out.
pub fn parse(lang: Lang, text: &str) -> Option<Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let pos = match parsers.iter().position(|(l, _)| *l == lang) {
            Some(p) => p,
            None => {
                let mut p = Parser::new();
                p.set_language(&grammar(lang)).ok()?;
                parsers.push((lang, p));
                parsers.len() - 1
            }
        };
        let parser = &mut parsers[pos].1;
        parser.reset();
        let mut progress = |_: &tree_sitter::ParseState| crate::budget::exceeded();
        let opts = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let bytes = text.as_bytes();
        let len = bytes.len();
        parser.parse_with_options(
            &mut |i: usize, _| bytes.get(i..len).unwrap_or(&[]),
            None,
            Some(opts),
        )
    })
}

/// Parses and lowers a file.
pub fn lower(lang: Lang, text: &str) -> Option<Ir> {
    // C, C++ and C#: conditional directives are blanked (same offsets), so that an `#if`
    // inside an `if`/`else` chain does not break the tree around it.
    let blanked = if lang.is_c() || lang == Lang::CSharp {
        super::preproc::blank_conditionals(text)
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let text: &str = &blanked;
    let tree = {
        let _p = crate::profile::enter(crate::profile::Stage::Parse);
        parse(lang, text)?
    };
    let _p = crate::profile::enter(crate::profile::Stage::Lower);
    let root = tree.root_node();
    let mut l = Lowerer {
        ir: Ir::new(lang),
        src: text,
        lang,
        func: 0,
        guard: 0,
        stmt: 0,
        class: None,
        bases: Vec::new(),
        depth: 0,
        visited: 0,
        macro_defs: None,
    };
    l.ir.had_errors = root.has_error();
    l.ir.funcs[0].span = span(root);
    // Statement 0 holds expressions written outside any statement.
    l.push_stmt(StmtKind::Other, span(root));
    l.stmts(root);
    let ir = l.ir;
    let _p = crate::profile::enter(crate::profile::Stage::Parse);
    drop(tree);
    Some(ir)
}

fn span(n: TsNode) -> Span {
    Span {
        start: n.start_byte(),
        end: n.end_byte(),
    }
}

struct Lowerer<'t> {
    ir: Ir,
    src: &'t str,
    lang: Lang,
    func: FuncId,
    guard: GuardId,
    stmt: StmtId,
    class: Option<String>,
    bases: Vec<String>,
    depth: u32,
    visited: u32,
    /// How often each macro is `#define`d in the file (built at the first `#define`).
    macro_defs: Option<std::collections::HashMap<&'t str, u32>>,
}

/// Kinds that hold statements (blocks, bodies, error nodes).
fn is_container(kind: &str) -> bool {
    matches!(
        kind,
        "translation_unit"
            | "module"
            | "program"
            | "source_file"
            | "compilation_unit"
            | "block"
            | "compound_statement"
            | "statement_block"
            | "statement_list"
            | "declaration_list"
            | "class_body"
            | "interface_body"
            | "enum_body_declarations"
            | "field_declaration_list"
            | "namespace_declaration"
            | "file_scoped_namespace_declaration"
            | "namespace_definition"
            | "linkage_specification"
            | "labeled_statement"
            | "decorated_definition"
            | "export_statement"
            | "try_statement"
            | "try_with_resources_statement"
            | "catch_clause"
            | "finally_clause"
            | "except_clause"
            | "else_clause"
            | "with_statement"
            | "with_clause"
            | "using_statement"
            | "lock_statement"
            | "checked_statement"
            | "unsafe_statement"
            | "fixed_statement"
            | "synchronized_statement"
            | "static_initializer"
            | "constructor_body"
            | "template_declaration"
            | "ERROR"
            | "preproc_else"
            | "preproc_elif"
            | "preproc_elifdef"
            | "preproc_region"
            | "global_statement"
            | "block_statement"
            | "unchecked_statement"
    )
}

/// Kinds that are skipped entirely: imports, definitions of constants and types.
fn is_skipped(kind: &str) -> bool {
    matches!(
        kind,
        "comment"
            | "line_comment"
            | "block_comment"
            | "preproc_include"
            | "preproc_def"
            | "preproc_function_def"
            | "preproc_call"
            | "preproc_directive"
            | "import_declaration"
            | "import_statement"
            | "import_from_statement"
            | "future_import_statement"
            | "using_directive"
            | "extern_alias_directive"
            | "package_clause"
            | "package_declaration"
            | "enum_declaration"
            | "enum_specifier"
            | "enumerator_list"
            | "type_declaration"
            | "type_alias_declaration"
            | "interface_declaration"
            | "type_definition"
            | "struct_specifier"
            | "union_specifier"
            | "attribute_list"
            | "annotation"
            | "marker_annotation"
            | "decorator"
            | "pass_statement"
            | "break_statement"
            | "continue_statement"
            | "empty_statement"
            | "goto_statement"
            | "delegate_declaration"
            | "event_field_declaration"
            | "using_declaration"
            | "alias_declaration"
            | "static_assert_declaration"
            | "module_declaration"
    )
}

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_definition"
            | "function_declaration"
            | "generator_function_declaration"
            | "method_declaration"
            | "constructor_declaration"
            | "destructor_declaration"
            | "local_function_statement"
            | "method_definition"
            | "operator_declaration"
            | "conversion_operator_declaration"
            | "accessor_declaration"
            | "compact_constructor_declaration"
    )
}

fn is_class(kind: &str) -> bool {
    matches!(
        kind,
        "class_definition"
            | "class_declaration"
            | "class_specifier"
            | "struct_declaration"
            | "record_declaration"
            | "record_struct_declaration"
            | "class"
            | "abstract_class_declaration"
            | "object_declaration"
    )
}

fn is_lambda(kind: &str) -> bool {
    matches!(
        kind,
        "lambda_expression"
            | "lambda"
            | "arrow_function"
            | "function_expression"
            | "function"
            | "generator_function"
            | "func_literal"
            | "anonymous_method_expression"
    )
}

fn bin_op(op: &str) -> BinOp {
    match op {
        "|" | "+" => BinOp::Or,
        "&" => BinOp::And,
        "==" | "!=" | "===" | "!==" | "<" | ">" | "<=" | ">=" | "is" | "is not" | "in"
        | "not in" | "instanceof" | "<>" => BinOp::Compare,
        "&&" | "||" | "and" | "or" | "??" => BinOp::Logic,
        _ => BinOp::Other,
    }
}

fn assign_op(op: &str) -> AssignOp {
    match op {
        "=" | ":=" => AssignOp::Set,
        "|=" | "+=" => AssignOp::Or,
        "&=" | "-=" | "^=" | "&^=" => AssignOp::Clear,
        _ => AssignOp::Other,
    }
}

/// An integer literal's value (`0x3300`, `0L`, `0x00003200UL`, `1_000`, `0o17`, `0b1`).
pub fn int_literal(text: &str) -> Option<u64> {
    let t: String = text.chars().filter(|&c| c != '_' && c != '\'').collect();
    let t = t.trim();
    let (digits, radix) = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (b, 2)
    } else if let Some(o) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
        (o, 8)
    } else {
        (t, 10)
    };
    let digits = digits.trim_end_matches(['u', 'U', 'l', 'L', 'n']);
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// The content of a string literal: prefixes (`L`, `u8`, `r`, `b`, `f`, `@`, `$`) and
/// quotes removed.
pub fn string_content(text: &str) -> String {
    let t = text.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '@' || c == '$');
    for q in ["\"\"\"", "'''", "\"", "'", "`"] {
        if let Some(inner) = t.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    // C++ raw strings R"d(...)d".
    if let (Some(open), Some(close)) = (t.find('('), t.rfind(')')) {
        if t.starts_with('"') && open < close {
            return t.get(open + 1..close).unwrap_or("").to_string();
        }
    }
    t.trim_matches(|c| c == '"' || c == '\'').to_string()
}

impl<'t> Lowerer<'t> {
    fn text(&self, n: TsNode) -> &'t str {
        self.src.get(n.byte_range()).unwrap_or("")
    }

    fn tick(&mut self) -> bool {
        self.visited = self.visited.wrapping_add(1);
        self.visited % 256 == 0 && crate::budget::exceeded()
    }

    fn push_node(&mut self, kind: NodeKind, span: Span) -> NodeId {
        let id = u32::try_from(self.ir.nodes.len()).unwrap_or(u32::MAX);
        self.ir.nodes.push(Node {
            kind,
            span,
            stmt: self.stmt,
            parent: None,
        });
        id
    }

    fn set_parent(&mut self, child: NodeId, parent: NodeId) {
        if let Some(n) = self.ir.nodes.get_mut(child as usize) {
            if n.parent.is_none() && child != parent {
                n.parent = Some(parent);
            }
        }
    }

    fn push_stmt(&mut self, kind: StmtKind, span: Span) -> StmtId {
        let id = u32::try_from(self.ir.stmts.len()).unwrap_or(u32::MAX);
        self.ir.stmts.push(Stmt {
            kind,
            span,
            func: self.func,
            guard: self.guard,
        });
        id
    }

    fn push_guard(&mut self, kind: GuardKind, cond: Option<NodeId>, negated: bool) -> GuardId {
        let id = u32::try_from(self.ir.guards.len()).unwrap_or(u32::MAX);
        self.ir.guards.push(Guard {
            parent: self.guard,
            kind,
            cond,
            negated,
        });
        id
    }

    /// Opens a statement: expressions lowered until the next call belong to it.
    fn begin(&mut self, n: TsNode) -> StmtId {
        let id = self.push_stmt(StmtKind::Other, span(n));
        self.stmt = id;
        id
    }

    fn finish(&mut self, id: StmtId, kind: StmtKind) {
        if let Some(s) = self.ir.stmts.get_mut(id as usize) {
            s.kind = kind;
        }
    }

    fn named_children(n: TsNode<'t>) -> Vec<TsNode<'t>> {
        let mut c = n.walk();
        n.named_children(&mut c).collect()
    }

    // ---------------------------------------------------------------- statements

    fn stmts(&mut self, n: TsNode<'t>) {
        for ch in Self::named_children(n) {
            self.stmt_node(ch);
        }
    }

    fn stmt_node(&mut self, n: TsNode<'t>) {
        if self.depth > MAX_DEPTH || self.tick() {
            return;
        }
        self.depth += 1;
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.stmt_inner(n));
        self.depth -= 1;
    }

    fn stmt_inner(&mut self, n: TsNode<'t>) {
        let kind = n.kind();
        if kind == "preproc_def" {
            self.string_macro(n);
            return;
        }
        if is_skipped(kind) {
            return;
        }
        if is_container(kind) {
            self.stmts(n);
            return;
        }
        if is_function(kind) {
            self.function(n, false);
            return;
        }
        if is_class(kind) {
            self.class(n);
            return;
        }
        match kind {
            "preproc_if" | "preproc_ifdef" => {
                let g = self.push_guard(GuardKind::Preproc, None, false);
                let saved = self.guard;
                self.guard = g;
                for ch in Self::named_children(n) {
                    if n.child_by_field_name("condition") == Some(ch)
                        || n.child_by_field_name("name") == Some(ch)
                    {
                        continue;
                    }
                    self.stmt_node(ch);
                }
                self.guard = saved;
            }
            "if_statement" | "elif_clause" => self.if_stmt(n),
            "switch_statement"
            | "expression_switch_statement"
            | "type_switch_statement"
            | "switch_expression"
            | "match_statement"
            | "select_statement" => self.switch_stmt(n),
            "for_statement"
            | "while_statement"
            | "do_statement"
            | "for_in_statement"
            | "foreach_statement"
            | "for_range_loop"
            | "enhanced_for_statement"
            | "for_of_statement" => {
                let cond = n
                    .child_by_field_name("condition")
                    .map(|c| self.expr_in_new_stmt(c));
                let g = self.push_guard(GuardKind::Loop, cond, false);
                let saved = self.guard;
                self.guard = g;
                for ch in Self::named_children(n) {
                    if n.child_by_field_name("condition") == Some(ch) {
                        continue;
                    }
                    self.stmt_node(ch);
                }
                self.guard = saved;
            }
            "return_statement" | "yield_statement" => {
                let id = self.begin(n);
                let v = Self::named_children(n)
                    .into_iter()
                    .find(|c| !matches!(c.kind(), "comment"))
                    .map(|c| self.expr(c));
                self.finish(id, StmtKind::Return(v));
            }
            "throw_statement" | "raise_statement" | "throw_expression" => {
                let id = self.begin(n);
                for ch in Self::named_children(n) {
                    self.expr(ch);
                }
                self.finish(id, StmtKind::Throw);
            }
            "expression_statement" | "go_statement" | "defer_statement" => {
                let chs = Self::named_children(n);
                if chs.len() == 1 {
                    self.expr_stmt(chs[0]);
                } else {
                    for ch in chs {
                        self.expr_stmt(ch);
                    }
                }
            }
            "assignment_statement" | "short_var_declaration" => self.go_assign(n),
            "var_declaration" | "const_declaration" | "var_spec" | "const_spec" => {
                self.go_var(n);
            }
            "declaration"
            | "field_declaration"
            | "local_declaration_statement"
            | "local_variable_declaration"
            | "lexical_declaration"
            | "variable_declaration"
            | "constant_declaration"
            | "property_declaration"
            | "public_field_definition"
            | "field_definition" => self.declaration(n),
            _ => {
                if self.looks_like_expr(kind) {
                    self.expr_stmt(n);
                } else {
                    self.stmts(n);
                }
            }
        }
    }

    fn looks_like_expr(&self, kind: &str) -> bool {
        kind.ends_with("_expression")
            || kind.ends_with("assignment")
            || matches!(
                kind,
                "call" | "method_invocation" | "assignment" | "augmented_assignment"
            )
    }

    /// An expression used as a statement: an assignment, or an evaluated expression.
    fn expr_stmt(&mut self, n: TsNode<'t>) {
        match n.kind() {
            "assignment_expression"
            | "augmented_assignment_expression"
            | "assignment"
            | "augmented_assignment" => {
                let id = self.begin(n);
                let kind = self.assignment(n);
                self.finish(id, kind);
            }
            "update_expression" | "inc_statement" | "dec_statement" => {}
            "call_expression" | "call" | "invocation_expression"
                if self.lang == Lang::Go
                    && n.child_by_field_name("function")
                        .is_some_and(|f| self.text(f) == "panic") =>
            {
                let id = self.begin(n);
                self.expr(n);
                self.finish(id, StmtKind::Throw);
            }
            _ => {
                let id = self.begin(n);
                let e = self.expr(n);
                self.finish(id, StmtKind::Eval(e));
            }
        }
    }

    /// `left op right` (and Python's chained `a = b = v`): the statement kind.
    fn assignment(&mut self, n: TsNode<'t>) -> StmtKind {
        let left = n.child_by_field_name("left");
        let right = n.child_by_field_name("right");
        let op = n
            .child_by_field_name("operator")
            .map_or("=", |o| self.text(o));
        let op = if n.kind() == "assignment" { "=" } else { op };
        let (Some(left), Some(right)) = (left, right) else {
            for ch in Self::named_children(n) {
                self.expr(ch);
            }
            return StmtKind::Other;
        };
        // Python `a = b = v`: the inner assignment is its own statement.
        let value = if right.kind() == "assignment" {
            let inner = self.begin(right);
            let k = self.assignment(right);
            self.finish(inner, k.clone());
            match k {
                StmtKind::Assign { value, .. } => value,
                _ => self.push_node(NodeKind::Unknown, span(right)),
            }
        } else {
            self.expr(right)
        };
        // Python tuple targets `a, b = ...`: the first target.
        let left = if matches!(
            left.kind(),
            "pattern_list" | "tuple_pattern" | "expression_list"
        ) {
            Self::named_children(left)
                .into_iter()
                .next()
                .unwrap_or(left)
        } else {
            left
        };
        let target = self.expr(left);
        StmtKind::Assign {
            target,
            op: assign_op(op),
            value,
        }
    }

    fn go_assign(&mut self, n: TsNode<'t>) {
        let id = self.begin(n);
        let op = n
            .child_by_field_name("operator")
            .map_or(":=", |o| self.text(o));
        let lefts = n
            .child_by_field_name("left")
            .map(Self::named_children)
            .unwrap_or_default();
        let rights = n
            .child_by_field_name("right")
            .map(Self::named_children)
            .unwrap_or_default();
        let mut first = None;
        for (i, r) in rights.iter().enumerate() {
            let value = self.expr(*r);
            if let Some(l) = lefts.get(i) {
                let target = self.expr(*l);
                let kind = StmtKind::Assign {
                    target,
                    op: assign_op(op),
                    value,
                };
                if first.is_none() {
                    first = Some(kind);
                } else {
                    let extra = self.push_stmt(kind, span(n));
                    let _ = extra;
                }
            }
        }
        self.finish(id, first.unwrap_or(StmtKind::Other));
    }

    fn go_var(&mut self, n: TsNode<'t>) {
        if matches!(n.kind(), "var_declaration" | "const_declaration") {
            for ch in Self::named_children(n) {
                if matches!(ch.kind(), "var_spec" | "const_spec" | "var_spec_list") {
                    self.go_var(ch);
                }
            }
            return;
        }
        if n.kind() == "var_spec_list" {
            for ch in Self::named_children(n) {
                self.go_var(ch);
            }
            return;
        }
        let names: Vec<TsNode> = {
            let mut c = n.walk();
            n.children_by_field_name("name", &mut c).collect()
        };
        let Some(values) = n.child_by_field_name("value") else {
            return;
        };
        let values = Self::named_children(values);
        for (i, v) in values.iter().enumerate() {
            let id = self.begin(n);
            let value = self.expr(*v);
            let kind = match names.get(i) {
                Some(name) => {
                    let target = self.expr(*name);
                    StmtKind::Assign {
                        target,
                        op: AssignOp::Set,
                        value,
                    }
                }
                None => StmtKind::Eval(value),
            };
            self.finish(id, kind);
        }
    }

    /// Variable and field declarations of C, C#, Java and JavaScript.
    fn declaration(&mut self, n: TsNode<'t>) {
        if self.lang.is_c() && n.kind() == "declaration" {
            let mut c = n.walk();
            for d in n.children_by_field_name("declarator", &mut c) {
                if d.kind() == "function_declarator" {
                    continue; // a prototype
                }
                if let Some((name, _)) = self.declared_name(d) {
                    self.ir.decls.push((self.func, name));
                }
            }
        }
        // C: `enum {...}` / `struct {...}` types in a declaration are not values.
        for ch in Self::named_children(n) {
            match ch.kind() {
                "init_declarator" | "variable_declarator" => self.declarator(ch),
                "variable_declaration" => self.declaration(ch),
                "enum_specifier" | "struct_specifier" | "union_specifier" => {}
                _ => {
                    // C# property initializer `= value`, JS class fields `x = value`.
                    if n.kind() == "property_declaration"
                        || n.kind() == "public_field_definition"
                        || n.kind() == "field_definition"
                    {
                        if let (Some(name), Some(value)) = (
                            n.child_by_field_name("name")
                                .or_else(|| n.child_by_field_name("property")),
                            n.child_by_field_name("value"),
                        ) {
                            let id = self.begin(n);
                            let v = self.expr(value);
                            let t = self.expr(name);
                            self.finish(
                                id,
                                StmtKind::Assign {
                                    target: t,
                                    op: AssignOp::Set,
                                    value: v,
                                },
                            );
                            return;
                        }
                    }
                }
            }
        }
    }

    fn declarator(&mut self, d: TsNode<'t>) {
        let name = d
            .child_by_field_name("declarator")
            .or_else(|| d.child_by_field_name("name"));
        let value = d.child_by_field_name("value").or_else(|| {
            // C#: `name = value` has the value as a plain child after the name.
            Self::named_children(d).into_iter().rev().find(|c| {
                Some(*c) != name
                    && !matches!(
                        c.kind(),
                        "bracketed_argument_list" | "array_rank_specifier" | "type_annotation"
                    )
            })
        });
        let id = self.begin(d);
        let Some(value) = value else {
            self.finish(id, StmtKind::Other);
            return;
        };
        let v = self.expr(value);
        let kind = match name.and_then(|nm| self.declared_name(nm)) {
            Some((text, sp)) => {
                let t = self.push_node(NodeKind::Name(text), sp);
                StmtKind::Assign {
                    target: t,
                    op: AssignOp::Set,
                    value: v,
                }
            }
            None => StmtKind::Eval(v),
        };
        self.finish(id, kind);
    }

    /// `#define WINHTTP_KEY L"SOFTWARE\\..."`: a macro whose whole value is one string
    /// literal is lowered as a file-scope assignment, so the name resolves to the string
    /// (a registry path, a URL, a cipher list). Macros of numbers and expressions stay
    /// names: tables match constants by name.
    fn string_macro(&mut self, n: TsNode<'t>) {
        let (Some(name), Some(value)) = (
            n.child_by_field_name("name"),
            n.child_by_field_name("value"),
        ) else {
            return;
        };
        // Defined more than once (`#ifdef LOCAL ... #else ... #endif`): which one holds is
        // not known here, so the name stays a name.
        let src = self.src;
        let defs = self.macro_defs.get_or_insert_with(|| {
            let mut m = std::collections::HashMap::new();
            for line in src.lines() {
                let Some(rest) = line.trim_start().strip_prefix('#') else {
                    continue;
                };
                let Some(rest) = rest.trim_start().strip_prefix("define") else {
                    continue;
                };
                let rest = rest.trim_start();
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                if end > 0 {
                    *m.entry(&rest[..end]).or_insert(0u32) += 1;
                }
            }
            m
        });
        let macro_name = src.get(name.byte_range()).unwrap_or("");
        if defs.get(macro_name).copied().unwrap_or(0) > 1 {
            return;
        }
        let raw = self.text(value);
        let lit = raw.trim();
        let body = lit
            .strip_prefix("u8")
            .or_else(|| lit.strip_prefix(['L', 'u', 'U']))
            .unwrap_or(lit);
        let Some(inner) = body.strip_prefix('"').and_then(|b| b.strip_suffix('"')) else {
            return;
        };
        let mut escaped = false;
        for c in inner.chars() {
            match c {
                '"' if !escaped => return,
                '\\' => escaped = !escaped,
                _ => escaped = false,
            }
        }
        if escaped {
            return;
        }
        let lead = raw.len() - raw.trim_start().len();
        let start = value.start_byte() + lead;
        let lit_span = Span::new(start, start + lit.len());
        let id = self.begin(n);
        let target = self.push_node(NodeKind::Name(self.text(name).to_string()), span(name));
        let v = self.push_node(NodeKind::Str(string_content(lit)), lit_span);
        self.finish(
            id,
            StmtKind::Assign {
                target,
                op: AssignOp::Set,
                value: v,
            },
        );
    }

    /// The identifier a declarator declares (through pointers, arrays, references).
    fn declared_name(&self, n: TsNode<'t>) -> Option<(String, Span)> {
        let mut cur = n;
        for _ in 0..16 {
            match cur.kind() {
                "identifier" | "field_identifier" | "property_identifier" | "variable_name" => {
                    return Some((self.text(cur).to_string(), span(cur)));
                }
                _ => {
                    cur = cur
                        .child_by_field_name("declarator")
                        .or_else(|| cur.child_by_field_name("name"))
                        .or_else(|| {
                            Self::named_children(cur).into_iter().find(|c| {
                                c.kind().contains("identifier") || c.kind().contains("declarator")
                            })
                        })?;
                }
            }
        }
        None
    }

    fn if_stmt(&mut self, n: TsNode<'t>) {
        if let Some(init) = n.child_by_field_name("initializer") {
            self.stmt_node(init);
        }
        let cond = n
            .child_by_field_name("condition")
            .map(|c| self.expr_in_new_stmt(c));
        let saved = self.guard;
        let g = self.push_guard(GuardKind::If, cond, false);
        self.guard = g;
        if let Some(c) = n.child_by_field_name("consequence") {
            self.stmt_node(c);
        }
        self.guard = saved;
        let alts: Vec<TsNode> = {
            let mut c = n.walk();
            n.children_by_field_name("alternative", &mut c).collect()
        };
        if alts.is_empty() {
            return;
        }
        let ng = self.push_guard(GuardKind::If, cond, true);
        self.guard = ng;
        for a in alts {
            self.stmt_node(a);
        }
        self.guard = saved;
    }

    fn switch_stmt(&mut self, n: TsNode<'t>) {
        let disc = n
            .child_by_field_name("condition")
            .or_else(|| n.child_by_field_name("value"))
            .or_else(|| n.child_by_field_name("subject"));
        let disc_id = disc.map(|d| self.expr_in_new_stmt(d));
        let body = n.child_by_field_name("body").unwrap_or(n);
        let saved = self.guard;
        for arm in Self::named_children(body) {
            if Some(arm) == disc {
                continue;
            }
            let k = arm.kind();
            let is_arm = k.contains("case")
                || matches!(
                    k,
                    "switch_section"
                        | "switch_block_statement_group"
                        | "switch_rule"
                        | "switch_default"
                        | "default_case"
                        | "switch_expression_arm"
                        | "communication_case"
                );
            if !is_arm {
                self.stmt_node(arm);
                continue;
            }
            // Labels: the arm's `value`, or label children.
            let mut labels = Vec::new();
            let mut label_nodes = Vec::new();
            let mut c = arm.walk();
            for v in arm.children_by_field_name("value", &mut c) {
                label_nodes.push(v);
            }
            for ch in Self::named_children(arm) {
                if matches!(
                    ch.kind(),
                    "case_switch_label"
                        | "case_pattern_switch_label"
                        | "switch_label"
                        | "constant_pattern"
                        | "case_pattern"
                ) || (k == "switch_expression_arm" && Some(ch) == arm.named_child(0))
                {
                    label_nodes.push(ch);
                }
            }
            let id = self.begin(arm);
            for ln in &label_nodes {
                let e = self.expr(*ln);
                labels.push(e);
            }
            self.finish(id, StmtKind::Other);
            self.guard = saved;
            let g = self.push_guard(GuardKind::Case { labels }, disc_id, false);
            self.guard = g;
            for ch in Self::named_children(arm) {
                if label_nodes.contains(&ch) {
                    continue;
                }
                if k == "switch_expression_arm" || k == "switch_rule" {
                    // `X => value` / `case X -> value`: the arm's value is "returned".
                    if self.looks_like_expr(ch.kind()) || Self::is_literalish(ch.kind()) {
                        let id = self.begin(ch);
                        let e = self.expr(ch);
                        self.finish(id, StmtKind::Return(Some(e)));
                        continue;
                    }
                }
                self.stmt_node(ch);
            }
            self.guard = saved;
        }
        self.guard = saved;
    }

    fn is_literalish(kind: &str) -> bool {
        kind.contains("literal")
            || kind.contains("identifier")
            || matches!(kind, "true" | "false" | "string" | "number" | "integer")
    }

    /// Lowers an expression in a statement of its own (conditions, discriminants).
    fn expr_in_new_stmt(&mut self, n: TsNode<'t>) -> NodeId {
        let id = self.begin(n);
        let e = self.expr(n);
        self.finish(id, StmtKind::Eval(e));
        e
    }

    // ---------------------------------------------------------------- functions and classes

    fn class(&mut self, n: TsNode<'t>) {
        let name = n
            .child_by_field_name("name")
            .map(|c| self.text(c).to_string());
        let mut bases = Vec::new();
        for f in ["superclass", "superclasses", "interfaces", "bases"] {
            if let Some(b) = n.child_by_field_name(f) {
                self.collect_type_names(b, &mut bases);
            }
        }
        for ch in Self::named_children(n) {
            if matches!(
                ch.kind(),
                "base_list" | "base_class_clause" | "super_interfaces" | "class_heritage"
            ) {
                self.collect_type_names(ch, &mut bases);
            }
        }
        let saved = (self.class.take(), std::mem::take(&mut self.bases));
        self.class = name;
        self.bases = bases;
        if let Some(body) = n.child_by_field_name("body") {
            self.stmts(body);
        } else {
            for ch in Self::named_children(n) {
                if matches!(ch.kind(), "field_declaration_list" | "declaration_list") {
                    self.stmts(ch);
                }
            }
        }
        self.class = saved.0;
        self.bases = saved.1;
    }

    fn collect_type_names(&self, n: TsNode<'t>, out: &mut Vec<String>) {
        let mut stack = vec![n];
        let mut steps = 0;
        while let Some(x) = stack.pop() {
            steps += 1;
            if steps > 256 {
                break;
            }
            if matches!(
                x.kind(),
                "identifier"
                    | "type_identifier"
                    | "qualified_name"
                    | "scoped_type_identifier"
                    | "attribute"
                    | "qualified_identifier"
                    | "generic_name"
            ) {
                let t = self.text(x);
                let t = t.split('<').next().unwrap_or(t);
                out.push(t.rsplit(['.', ':']).next().unwrap_or(t).to_string());
                continue;
            }
            for ch in Self::named_children(x) {
                stack.push(ch);
            }
        }
    }

    /// A function, method or lambda; returns its id.
    fn function(&mut self, n: TsNode<'t>, lambda: bool) -> FuncId {
        let name_node = n.child_by_field_name("name").or_else(|| {
            n.child_by_field_name("declarator").and_then(|d| {
                d.child_by_field_name("declarator")
                    .filter(|x| !x.kind().contains("parameter"))
            })
        });
        let name = name_node.map_or(String::new(), |x| {
            let t = self.text(x);
            t.rsplit(['.', ':']).next().unwrap_or(t).to_string()
        });
        let params_node = n
            .child_by_field_name("parameters")
            .or_else(|| {
                n.child_by_field_name("declarator")
                    .and_then(|d| d.child_by_field_name("parameters"))
            })
            .or_else(|| n.child_by_field_name("parameter"));
        let id = u32::try_from(self.ir.funcs.len()).unwrap_or(u32::MAX);
        self.ir.funcs.push(Func {
            name,
            class: self.class.clone(),
            bases: self.bases.clone(),
            params: Vec::new(),
            parent: self.func,
            span: span(n),
            name_span: name_node.map_or(span(n), span),
            lambda,
            expr_body: None,
        });
        let saved = (self.func, self.guard, self.stmt);
        self.func = id;
        self.guard = 0;
        // Parameters (defaults are expressions of the function's own statement 0).
        let pstmt = self.begin(params_node.unwrap_or(n));
        self.finish(pstmt, StmtKind::Other);
        let mut params = Vec::new();
        if let Some(p) = params_node {
            if matches!(p.kind(), "identifier") {
                params.push(Param {
                    name: self.text(p).to_string(),
                    ty: None,
                    default: None,
                    span: span(p),
                });
            } else {
                for ch in Self::named_children(p) {
                    if let Some(param) = self.param(ch) {
                        params.push(param);
                    }
                }
            }
        }
        // Python lambda: `lambda u, verify=False: ...` has `parameters` holding the list.
        if let Some(f) = self.ir.funcs.get_mut(id as usize) {
            f.params = params;
        }
        if let Some(body) = n.child_by_field_name("body") {
            let k = body.kind();
            let block_like =
                is_container(k) || matches!(k, "block" | "statement_block" | "compound_statement");
            if block_like {
                self.stmts(body);
            } else {
                let sid = self.begin(body);
                let e = self.expr(body);
                self.finish(sid, StmtKind::Return(Some(e)));
                if let Some(f) = self.ir.funcs.get_mut(id as usize) {
                    f.expr_body = Some(e);
                }
            }
        } else {
            // C# anonymous methods: `delegate { ... }` has a block child.
            for ch in Self::named_children(n) {
                if matches!(ch.kind(), "block" | "statement_block") {
                    self.stmts(ch);
                }
            }
        }
        self.func = saved.0;
        self.guard = saved.1;
        self.stmt = saved.2;
        id
    }

    fn param(&mut self, p: TsNode<'t>) -> Option<Param> {
        let k = p.kind();
        if matches!(k, "comment" | "self" | "this") {
            return None;
        }
        if matches!(k, "identifier" | "shorthand_property_identifier_pattern") {
            return Some(Param {
                name: self.text(p).to_string(),
                ty: None,
                default: None,
                span: span(p),
            });
        }
        let name_node = p
            .child_by_field_name("name")
            .or_else(|| p.child_by_field_name("pattern"))
            .or_else(|| p.child_by_field_name("left"))
            .or_else(|| p.child_by_field_name("declarator"))
            .or_else(|| {
                Self::named_children(p)
                    .into_iter()
                    .find(|c| c.kind() == "identifier")
            });
        let name = match name_node {
            Some(nn) => self
                .declared_name(nn)
                .map_or_else(|| self.text(nn).to_string(), |(t, _)| t),
            None => return None,
        };
        let ty = p
            .child_by_field_name("type")
            .map(|t| self.text(t).trim_start_matches(':').trim().to_string());
        let default = p
            .child_by_field_name("value")
            .or_else(|| p.child_by_field_name("default_value"))
            .or_else(|| p.child_by_field_name("right"))
            .or_else(|| {
                Self::named_children(p)
                    .into_iter()
                    .find(|c| c.kind() == "equals_value_clause")
                    .and_then(|c| c.named_child(0))
            })
            .map(|d| self.expr(d));
        Some(Param {
            name,
            ty,
            default,
            span: span(p),
        })
    }

    // ---------------------------------------------------------------- expressions

    fn expr(&mut self, n: TsNode<'t>) -> NodeId {
        if self.depth > MAX_DEPTH || self.tick() {
            return self.push_node(NodeKind::Unknown, span(n));
        }
        self.depth += 1;
        let id = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_inner(n));
        self.depth -= 1;
        id
    }

    fn unknown(&mut self, n: TsNode<'t>) -> NodeId {
        let id = self.push_node(NodeKind::Unknown, span(n));
        for ch in Self::named_children(n) {
            let c = self.expr(ch);
            self.set_parent(c, id);
        }
        id
    }

    /// Whether `n` is `(T)` with `T` a Win32 pointer typedef (`LPVOID`, `PDWORD`,
    /// `LPCVOID`, `DWORD_PTR`): the left side of a cast the C grammar reads as `&`.
    fn is_pointer_typedef_cast(&self, n: TsNode<'t>) -> bool {
        if n.kind() != "parenthesized_expression" || n.named_child_count() != 1 {
            return false;
        }
        let Some(inner) = n.named_child(0) else {
            return false;
        };
        if inner.kind() != "identifier" {
            return false;
        }
        let t = self.text(inner);
        if !t
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return false;
        }
        const TYPES: &[&str] = &[
            "VOID", "CVOID", "DWORD", "BYTE", "ULONG", "LONG", "UINT", "INT", "BOOL", "WORD",
            "STR", "WSTR", "CSTR", "CWSTR", "TSTR", "CTSTR",
        ];
        let base = t
            .strip_prefix("LP")
            .or_else(|| t.strip_prefix('P'))
            .unwrap_or("");
        TYPES.contains(&base) || t.ends_with("_PTR")
    }

    /// A dotted path for a name-like node, or `None` when it is not a name.
    fn path(&mut self, n: TsNode<'t>) -> Option<String> {
        let k = n.kind();
        match k {
            "identifier"
            | "field_identifier"
            | "property_identifier"
            | "type_identifier"
            | "package_identifier"
            | "shorthand_property_identifier"
            | "namespace_identifier"
            | "this"
            | "self"
            | "super"
            | "this_expression"
            | "base_expression"
            | "predefined_type"
            | "private_property_identifier"
            | "statement_identifier" => Some(self.text(n).to_string()),
            "qualified_identifier"
            | "qualified_name"
            | "scoped_identifier"
            | "scoped_type_identifier"
            | "qualified_type"
            | "nested_identifier"
            | "member_expression"
            | "selector_expression"
            | "attribute"
            | "member_access_expression"
            | "field_access"
            | "field_expression"
            | "generic_name"
            | "generic_type" => {
                let (obj, field) = match k {
                    "selector_expression" => ("operand", "field"),
                    "attribute" => ("object", "attribute"),
                    "member_access_expression" => ("expression", "name"),
                    "field_access" => ("object", "field"),
                    "field_expression" => ("argument", "field"),
                    "member_expression" => ("object", "property"),
                    "qualified_identifier" => ("scope", "name"),
                    "qualified_name" => ("qualifier", "name"),
                    "scoped_identifier" | "scoped_type_identifier" => ("scope", "name"),
                    "qualified_type" => ("package", "name"),
                    _ => ("", ""),
                };
                if k == "generic_name" || k == "generic_type" {
                    let t = self.text(n);
                    return Some(t.split('<').next().unwrap_or(t).trim().to_string());
                }
                let o = n.child_by_field_name(obj);
                let f = n.child_by_field_name(field);
                match (o, f) {
                    (Some(o), Some(f)) => {
                        let fp = self.path(f).unwrap_or_else(|| self.text(f).to_string());
                        match self.path(o) {
                            Some(op) => Some(format!("{op}.{fp}")),
                            None => {
                                // `f().x`: the receiver is an expression of its own.
                                self.expr(o);
                                Some(format!("_.{fp}"))
                            }
                        }
                    }
                    (None, Some(f)) => self.path(f),
                    _ => {
                        let t = self.text(n);
                        Some(t.replace("->", ".").replace("::", ".").replace("?.", "."))
                    }
                }
            }
            "parenthesized_expression" if n.named_child_count() == 1 => {
                n.named_child(0).and_then(|c| self.path(c))
            }
            _ => None,
        }
    }

    fn expr_inner(&mut self, n: TsNode<'t>) -> NodeId {
        let k = n.kind();
        let sp = span(n);
        match k {
            // Literals.
            "number_literal"
            | "integer"
            | "int_literal"
            | "integer_literal"
            | "decimal_integer_literal"
            | "hex_integer_literal"
            | "octal_integer_literal"
            | "binary_integer_literal"
            | "number" => match int_literal(self.text(n)) {
                Some(v) => self.push_node(NodeKind::Int(v), sp),
                None => self.push_node(NodeKind::Unknown, sp),
            },
            "string_literal"
            | "interpreted_string_literal"
            | "raw_string_literal"
            | "string"
            | "verbatim_string_literal"
            | "char_literal"
            | "character_literal"
            | "template_string"
            | "text_block" => {
                if k == "template_string" && n.named_child_count() > 0 {
                    let has_subst = Self::named_children(n)
                        .iter()
                        .any(|c| c.kind() == "template_substitution");
                    if has_subst {
                        return self.unknown(n);
                    }
                }
                if k == "string" && self.lang == Lang::Python {
                    let has_interp = Self::named_children(n)
                        .iter()
                        .any(|c| c.kind() == "interpolation");
                    if has_interp {
                        return self.unknown(n);
                    }
                }
                let s = string_content(self.text(n));
                self.push_node(NodeKind::Str(s), sp)
            }
            "concatenated_string" => {
                let mut s = String::new();
                for ch in Self::named_children(n) {
                    s.push_str(&string_content(self.text(ch)));
                }
                self.push_node(NodeKind::Str(s), sp)
            }
            "true" => self.push_node(NodeKind::Bool(true), sp),
            "false" => self.push_node(NodeKind::Bool(false), sp),
            "boolean_literal" | "boolean" => {
                let t = self.text(n).trim().to_ascii_lowercase();
                self.push_node(NodeKind::Bool(t == "true"), sp)
            }
            "null" | "nil" | "none" | "null_literal" | "undefined" | "nullptr" => {
                self.push_node(NodeKind::Null, sp)
            }
            "identifier" if matches!(self.text(n), "True" | "False" | "None") => {
                match self.text(n) {
                    "True" => self.push_node(NodeKind::Bool(true), sp),
                    "False" => self.push_node(NodeKind::Bool(false), sp),
                    _ => self.push_node(NodeKind::Null, sp),
                }
            }
            // Transparent wrappers.
            "expression_list" => {
                // Go `return a, b`: every value is lowered; the first is the value.
                let mut first = None;
                for ch in Self::named_children(n) {
                    if ch.kind() == "comment" {
                        continue;
                    }
                    let e = self.expr(ch);
                    first.get_or_insert(e);
                }
                first.unwrap_or_else(|| self.push_node(NodeKind::Unknown, sp))
            }
            "parenthesized_expression"
            | "await_expression"
            | "non_null_expression"
            | "literal_element"
            | "pointer_expression"
            | "type_conversion_expression"
            | "checked_expression"
            | "ref_expression"
            | "reference_expression"
            | "spread_element"
            | "list_splat"
            | "dictionary_splat"
            | "parenthesized_list_splat"
            | "equals_value_clause"
            | "argument"
            | "arrow_expression_clause"
            | "expression_body"
            | "case_switch_label"
            | "switch_label"
            | "constant_pattern"
            | "case_pattern"
            | "condition_clause" => {
                let inner = match k {
                    "cast_expression" => n.child_by_field_name("value"),
                    "pointer_expression" => n.child_by_field_name("argument"),
                    "type_conversion_expression" => n.child_by_field_name("operand"),
                    _ => None,
                }
                .or_else(|| {
                    Self::named_children(n)
                        .into_iter()
                        .rev()
                        .find(|c| !matches!(c.kind(), "comment" | "name_colon"))
                        .filter(|_| n.named_child_count() >= 1)
                });
                // Other children (a C comma expression, a type) are lowered too, so
                // nothing nested in them is lost.
                for ch in Self::named_children(n) {
                    if Some(ch) != inner && !matches!(ch.kind(), "comment" | "name_colon") {
                        self.expr(ch);
                    }
                }
                match inner {
                    Some(i) => self.expr(i),
                    None => self.push_node(NodeKind::Unknown, sp),
                }
            }
            "cast_expression" | "as_expression" | "satisfies_expression" => {
                let inner = n
                    .child_by_field_name("value")
                    .or_else(|| n.named_child(0).filter(|_| k != "cast_expression"));
                match inner {
                    Some(i) => self.expr(i),
                    None => self.unknown(n),
                }
            }
            // Operators.
            "binary_expression" | "binary_operator" | "boolean_operator" => {
                let (Some(l), Some(r)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                ) else {
                    return self.unknown(n);
                };
                let op = n
                    .child_by_field_name("operator")
                    .map_or("", |o| self.text(o));
                // C/C++ `(LPVOID)&flags` parses as `(LPVOID) & flags` when the grammar
                // does not know the typedef: a cast of the address, the value is `flags`.
                if self.lang.is_c() && op.trim() == "&" && self.is_pointer_typedef_cast(l) {
                    return self.expr(r);
                }
                let op = bin_op(op.trim());
                self.binary(op, l, r, sp)
            }
            "comparison_operator" => {
                let ops = Self::named_children(n);
                if ops.len() >= 2 {
                    self.binary(BinOp::Compare, ops[0], ops[1], sp)
                } else {
                    self.unknown(n)
                }
            }
            "not_operator" | "unary_expression" | "prefix_unary_expression" | "unary_operator" => {
                let arg = n
                    .child_by_field_name("argument")
                    .or_else(|| n.child_by_field_name("operand"))
                    .or_else(|| n.named_child(n.named_child_count().saturating_sub(1)));
                let op_text = n.child_by_field_name("operator").map_or_else(
                    || self.text(n).chars().take(1).collect::<String>(),
                    |o| self.text(o).to_string(),
                );
                let op = match op_text.trim() {
                    "!" | "not" => UnOp::Not,
                    "~" | "^" => UnOp::BitNot,
                    "&" => {
                        // Go `&x{...}`: an address, transparent.
                        if let Some(a) = arg {
                            return self.expr(a);
                        }
                        UnOp::Other
                    }
                    _ if k == "not_operator" => UnOp::Not,
                    _ => UnOp::Other,
                };
                let Some(a) = arg else {
                    return self.unknown(n);
                };
                let x = self.expr(a);
                let id = self.push_node(NodeKind::Unary { op, x }, sp);
                self.set_parent(x, id);
                id
            }
            "conditional_expression" | "ternary_expression" => {
                let (c, t, e) = if self.lang == Lang::Python {
                    let ch = Self::named_children(n);
                    (ch.get(1).copied(), ch.first().copied(), ch.get(2).copied())
                } else {
                    (
                        n.child_by_field_name("condition"),
                        n.child_by_field_name("consequence"),
                        n.child_by_field_name("alternative"),
                    )
                };
                let (Some(c), Some(t), Some(e)) = (c, t, e) else {
                    return self.unknown(n);
                };
                let cond = self.expr(c);
                let then = self.expr(t);
                let els = self.expr(e);
                let id = self.push_node(NodeKind::Cond { cond, then, els }, sp);
                for x in [cond, then, els] {
                    self.set_parent(x, id);
                }
                id
            }
            // Calls and object creation.
            "call_expression"
            | "call"
            | "invocation_expression"
            | "method_invocation"
            | "new_expression"
            | "object_creation_expression"
            | "implicit_object_creation_expression" => self.call(n),
            "composite_literal" => {
                let ty = n.child_by_field_name("type").map(|t| {
                    let t = self.text(t);
                    t.trim_start_matches(['&', '*', '[', ']']).to_string()
                });
                match n.child_by_field_name("body") {
                    Some(b) => self.object(b, ty, sp),
                    None => self.push_node(NodeKind::Unknown, sp),
                }
            }
            "literal_value"
            | "dictionary"
            | "object"
            | "initializer_list"
            | "initializer_expression"
            | "anonymous_object_creation_expression"
            | "hash_table"
            | "object_pattern" => self.object(n, None, sp),
            "list"
            | "tuple"
            | "set"
            | "array"
            | "array_initializer"
            | "array_literal"
            | "collection_expression"
            | "list_comprehension" => {
                let mut items = Vec::new();
                for ch in Self::named_children(n) {
                    if ch.kind() == "comment" {
                        continue;
                    }
                    items.push(self.expr(ch));
                }
                let id = self.push_node(
                    NodeKind::Object {
                        ty: None,
                        fields: Vec::new(),
                        items: items.clone(),
                    },
                    sp,
                );
                for i in items {
                    self.set_parent(i, id);
                }
                id
            }
            "array_creation_expression"
            | "implicit_array_creation_expression"
            | "stackalloc_expression" => {
                let init = n.child_by_field_name("value").or_else(|| {
                    Self::named_children(n).into_iter().find(|c| {
                        matches!(c.kind(), "initializer_expression" | "array_initializer")
                    })
                });
                match init {
                    Some(i) => {
                        let ty = n
                            .child_by_field_name("type")
                            .map(|t| self.text(t).to_string());
                        let id = self.expr(i);
                        if let Some(node) = self.ir.nodes.get_mut(id as usize) {
                            if let NodeKind::Object { ty: t, .. } = &mut node.kind {
                                *t = ty;
                            }
                            node.span = sp;
                        }
                        id
                    }
                    None => self.unknown(n),
                }
            }
            // Lambdas.
            _ if is_lambda(k) => {
                let f = self.function(n, true);
                self.push_node(NodeKind::Lambda(f), sp)
            }
            // Indexing.
            "subscript_expression"
            | "subscript"
            | "element_access_expression"
            | "index_expression"
            | "array_access" => {
                let base = n
                    .child_by_field_name("argument")
                    .or_else(|| n.child_by_field_name("object"))
                    .or_else(|| n.child_by_field_name("value"))
                    .or_else(|| n.child_by_field_name("expression"))
                    .or_else(|| n.child_by_field_name("operand"))
                    .or_else(|| n.child_by_field_name("array"));
                let key = n
                    .child_by_field_name("index")
                    .or_else(|| n.child_by_field_name("subscript"))
                    .or_else(|| n.child_by_field_name("subscripts"));
                match (base, key) {
                    (Some(b), Some(kk)) => {
                        let b = self.expr(b);
                        let kk = self.expr(kk);
                        let id = self.push_node(NodeKind::Index { base: b, key: kk }, sp);
                        self.set_parent(b, id);
                        self.set_parent(kk, id);
                        id
                    }
                    _ => self.unknown(n),
                }
            }
            "bracketed_argument_list" | "subscript_argument_list" => match n.named_child(0) {
                Some(c) => self.expr(c),
                None => self.unknown(n),
            },
            // Assignments inside expressions.
            "assignment_expression"
            | "augmented_assignment_expression"
            | "assignment"
            | "augmented_assignment"
            | "named_expression" => {
                let id = self.begin(n);
                let kind = if k == "named_expression" {
                    match (
                        n.child_by_field_name("name"),
                        n.child_by_field_name("value"),
                    ) {
                        (Some(nm), Some(v)) => {
                            let value = self.expr(v);
                            let target = self.expr(nm);
                            StmtKind::Assign {
                                target,
                                op: AssignOp::Set,
                                value,
                            }
                        }
                        _ => StmtKind::Other,
                    }
                } else {
                    self.assignment(n)
                };
                let value = match &kind {
                    StmtKind::Assign { value, .. } => Some(*value),
                    _ => None,
                };
                self.finish(id, kind);
                value.unwrap_or_else(|| self.push_node(NodeKind::Unknown, sp))
            }
            _ => {
                if let Some(p) = self.path(n) {
                    return self.push_node(NodeKind::Name(p.replace("->", ".")), sp);
                }
                self.unknown(n)
            }
        }
    }

    fn binary(&mut self, op: BinOp, l: TsNode<'t>, r: TsNode<'t>, sp: Span) -> NodeId {
        // Long `A | B | C | ...` chains nest to the left: walk them without recursion.
        let mut operands = vec![r];
        let mut cur = l;
        let mut steps = 0;
        while matches!(cur.kind(), "binary_expression" | "binary_operator")
            && steps < 100_000
            && cur
                .child_by_field_name("operator")
                .is_some_and(|o| bin_op(self.text(o).trim()) == op)
        {
            steps += 1;
            match (
                cur.child_by_field_name("left"),
                cur.child_by_field_name("right"),
            ) {
                (Some(ll), Some(rr)) => {
                    operands.push(rr);
                    cur = ll;
                }
                _ => break,
            }
        }
        operands.push(cur);
        operands.reverse();
        let mut acc = self.expr(operands[0]);
        for o in &operands[1..] {
            let rhs = self.expr(*o);
            let start = self.ir.nodes[acc as usize].span.start;
            let end = self.ir.nodes[rhs as usize].span.end.max(start);
            let id = self.push_node(NodeKind::Bin { op, l: acc, r: rhs }, Span { start, end });
            self.set_parent(acc, id);
            self.set_parent(rhs, id);
            acc = id;
        }
        if let Some(node) = self.ir.nodes.get_mut(acc as usize) {
            node.span = sp;
        }
        acc
    }

    fn call(&mut self, n: TsNode<'t>) -> NodeId {
        let k = n.kind();
        let sp = span(n);
        let ctor = matches!(
            k,
            "new_expression" | "object_creation_expression" | "implicit_object_creation_expression"
        );
        let callee_node = match k {
            "method_invocation" => None,
            "new_expression" => n
                .child_by_field_name("constructor")
                .or_else(|| n.child_by_field_name("type")),
            "object_creation_expression" => n.child_by_field_name("type"),
            _ => n.child_by_field_name("function"),
        };
        let callee = if k == "method_invocation" {
            let name = n
                .child_by_field_name("name")
                .map_or(String::new(), |x| self.text(x).to_string());
            match n.child_by_field_name("object") {
                Some(o) => match self.path(o) {
                    Some(p) => format!("{p}.{name}"),
                    None => {
                        self.expr(o);
                        format!("_.{name}")
                    }
                },
                None => name,
            }
        } else {
            match callee_node {
                Some(c) => match self.path(c) {
                    Some(p) => p,
                    None => {
                        self.expr(c);
                        String::new()
                    }
                },
                None => String::new(),
            }
        };
        let callee = callee.replace("->", ".").replace("::", ".");
        let mut args = Vec::new();
        if let Some(al) = n.child_by_field_name("arguments") {
            for a in Self::named_children(al) {
                if let Some(arg) = self.arg(a) {
                    args.push(arg);
                }
            }
        }
        // Java anonymous classes `new TrustManager() { ... }`.
        let mut class_body = None;
        let mut init = None;
        for ch in Self::named_children(n) {
            match ch.kind() {
                "class_body" => class_body = Some(ch),
                "initializer_expression" | "initializer_list" if ctor => init = Some(ch),
                _ => {}
            }
        }
        if init.is_none() {
            init = n.child_by_field_name("initializer");
        }
        let id = self.push_node(
            NodeKind::Call {
                callee: callee.clone(),
                args: args.clone(),
                ctor,
            },
            sp,
        );
        for a in &args {
            self.set_parent(a.value, id);
        }
        if let Some(body) = class_body {
            let saved = (self.class.take(), std::mem::take(&mut self.bases));
            let base = callee.rsplit('.').next().unwrap_or(&callee).to_string();
            self.class = Some(format!("anonymous {base}"));
            self.bases = vec![base];
            let saved_stmt = self.stmt;
            self.stmts(body);
            self.stmt = saved_stmt;
            self.class = saved.0;
            self.bases = saved.1;
        }
        if let Some(i) = init {
            // `new T(args) { A = v }`: the object with its fields is the value.
            let ty = Some(callee);
            let obj = self.object(i, ty, sp);
            self.set_parent(id, obj);
            return obj;
        }
        id
    }

    fn arg(&mut self, a: TsNode<'t>) -> Option<Arg> {
        match a.kind() {
            "comment" => None,
            "keyword_argument" => {
                let name = a
                    .child_by_field_name("name")
                    .map(|x| self.text(x).to_string());
                let v = a.child_by_field_name("value")?;
                let value = self.expr(v);
                Some(Arg {
                    name,
                    value,
                    splat: false,
                })
            }
            "argument" => {
                // C#: `name: value`, `out var x`, `ref x`.
                let name = a
                    .child_by_field_name("name")
                    .map(|x| self.text(x).to_string())
                    .or_else(|| {
                        Self::named_children(a)
                            .into_iter()
                            .find(|c| c.kind() == "name_colon")
                            .and_then(|c| c.named_child(0))
                            .map(|x| self.text(x).to_string())
                    });
                let v = Self::named_children(a).into_iter().rev().find(|c| {
                    !matches!(c.kind(), "name_colon" | "identifier")
                        || a.named_child_count() == 1
                        || name.is_none()
                })?;
                let v = if name.is_some() && a.child_by_field_name("name") == Some(v) {
                    return None;
                } else {
                    v
                };
                let value = self.expr(v);
                Some(Arg {
                    name,
                    value,
                    splat: false,
                })
            }
            "dictionary_splat" | "list_splat" | "spread_element" | "variadic_argument" => {
                let v = a.named_child(0)?;
                let value = self.expr(v);
                Some(Arg {
                    name: None,
                    value,
                    splat: true,
                })
            }
            _ => {
                let value = self.expr(a);
                Some(Arg {
                    name: None,
                    value,
                    splat: false,
                })
            }
        }
    }

    fn object(&mut self, n: TsNode<'t>, ty: Option<String>, sp: Span) -> NodeId {
        let mut fields = Vec::new();
        let mut items = Vec::new();
        for ch in Self::named_children(n) {
            match ch.kind() {
                "comment" => {}
                "keyed_element"
                | "pair"
                | "initializer_pair"
                | "assignment_expression"
                | "anonymous_object_member_declarator"
                | "object_assignment_pattern"
                | "pair_pattern" => {
                    let (kn, vn) = match ch.kind() {
                        "keyed_element" => {
                            let kk = ch.child_by_field_name("key").or_else(|| ch.named_child(0));
                            let vv = ch
                                .child_by_field_name("value")
                                .or_else(|| ch.named_child(1));
                            (kk, vv)
                        }
                        "initializer_pair" => (
                            ch.child_by_field_name("designator"),
                            ch.child_by_field_name("value"),
                        ),
                        "assignment_expression" | "object_assignment_pattern" => (
                            ch.child_by_field_name("left"),
                            ch.child_by_field_name("right"),
                        ),
                        _ => (
                            ch.child_by_field_name("key").or_else(|| ch.named_child(0)),
                            ch.child_by_field_name("value")
                                .or_else(|| ch.named_child(1)),
                        ),
                    };
                    let (Some(kn), Some(vn)) = (kn, vn) else {
                        let u = self.unknown(ch);
                        items.push(u);
                        continue;
                    };
                    let key = self.key_text(kn);
                    let value = self.expr(vn);
                    match key {
                        Some(key) => fields.push(Field {
                            key,
                            key_span: span(kn),
                            value,
                        }),
                        None => {
                            // A computed key: lower it too.
                            self.expr(kn);
                            items.push(value);
                        }
                    }
                }
                "shorthand_property_identifier" => {
                    let key = self.text(ch).to_string();
                    let value = self.push_node(NodeKind::Name(key.clone()), span(ch));
                    fields.push(Field {
                        key,
                        key_span: span(ch),
                        value,
                    });
                }
                "method_definition" => {
                    let key = ch
                        .child_by_field_name("name")
                        .map(|x| self.text(x).to_string());
                    let f = self.function(ch, true);
                    let value = self.push_node(NodeKind::Lambda(f), span(ch));
                    if let Some(key) = key {
                        fields.push(Field {
                            key,
                            key_span: span(ch),
                            value,
                        });
                    }
                }
                _ => {
                    let v = self.expr(ch);
                    items.push(v);
                }
            }
        }
        let kids: Vec<NodeId> = fields
            .iter()
            .map(|f| f.value)
            .chain(items.iter().copied())
            .collect();
        let id = self.push_node(NodeKind::Object { ty, fields, items }, sp);
        for c in kids {
            self.set_parent(c, id);
        }
        id
    }

    /// The text of an object key: an identifier, a string, a designator `.x`.
    fn key_text(&self, k: TsNode<'t>) -> Option<String> {
        let mut cur = k;
        for _ in 0..4 {
            match cur.kind() {
                "identifier"
                | "field_identifier"
                | "property_identifier"
                | "shorthand_property_identifier"
                | "type_identifier" => {
                    return Some(self.text(cur).to_string());
                }
                "string"
                | "string_literal"
                | "interpreted_string_literal"
                | "raw_string_literal" => {
                    return Some(string_content(self.text(cur)));
                }
                "field_designator" => {
                    return Some(self.text(cur).trim_start_matches('.').to_string());
                }
                "literal_element" | "member_access_expression" | "selector_expression" => {
                    if cur.kind() != "literal_element" {
                        let t = self.text(cur);
                        return Some(t.rsplit('.').next().unwrap_or(t).to_string());
                    }
                    cur = cur.named_child(0)?;
                }
                _ => return None,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(ir: &Ir) -> Vec<String> {
        ir.stmts
            .iter()
            .map(|s| match &s.kind {
                StmtKind::Assign { target, op, .. } => {
                    format!("assign {:?} {:?}", ir.name(*target), op)
                }
                StmtKind::Eval(_) => "eval".into(),
                StmtKind::Return(_) => "return".into(),
                StmtKind::Throw => "throw".into(),
                StmtKind::Other => "other".into(),
            })
            .collect()
    }

    #[test]
    fn literals() {
        assert_eq!(int_literal("0x00003200UL"), Some(0x3200));
        assert_eq!(int_literal("0L"), Some(0));
        assert_eq!(int_literal("1_000"), Some(1000));
        assert_eq!(int_literal("1.5"), None);
        assert_eq!(string_content("L\"X\""), "X");
        assert_eq!(string_content("r'''a'''"), "a");
        assert_eq!(string_content("@\"x\""), "x");
    }

    #[test]
    fn go_statements_are_all_seen() {
        let src = "package x\nfunc f() {\n\tc.InsecureSkipVerify = true\n\tc.MinVersion = tls.VersionTLS10\n\tlog.Print(c)\n}\n";
        let ir = lower(Lang::Go, src).expect("parses");
        let k = kinds(&ir);
        assert!(
            k.contains(&"assign Some(\"c.InsecureSkipVerify\") Set".to_string()),
            "{k:?}"
        );
        assert!(
            k.contains(&"assign Some(\"c.MinVersion\") Set".to_string()),
            "{k:?}"
        );
    }

    /// An `#if` between the `}` and the `else` of an `if` chain broke the C tree, and the
    /// branches after it were lost: the directive lines are blanked before parsing.
    #[test]
    fn conditional_compilation_inside_an_else_chain_keeps_the_chain() {
        let src = "void parse(char *p, char *q) {\n    if (strcmp(p, \"min_version\") == 0) {\n        opt.min_version = 3;\n    }\n#if defined(TLS13)\n    else if (strcmp(p, \"tls13\") == 0) {\n        opt.min_version = 4;\n    }\n#endif\n    else if (strcmp(p, \"auth_mode\") == 0) {\n        opt.auth_mode = MBEDTLS_SSL_VERIFY_NONE;\n    }\n}\n";
        for lang in [Lang::C, Lang::Cpp] {
            let ir = lower(lang, src).expect("parses");
            assert!(!ir.had_errors, "{lang:?}");
            let k = kinds(&ir);
            assert!(
                k.contains(&"assign Some(\"opt.auth_mode\") Set".to_string()),
                "{lang:?} {k:?}"
            );
            let at = src.find("MBEDTLS").expect("in text");
            assert!(
                ir.nodes.iter().any(|n| n.span.start == at),
                "spans are those of the text as written"
            );
        }
    }

    /// A macro whose value is one string literal is a file-scope assignment of the string;
    /// numbers, expressions, concatenations and function-like macros stay names.
    #[test]
    fn string_macros_are_assignments() {
        let src = "#define KEY L\"SOFTWARE\\\\X\"\n#define ESC \"a\\\"b\"\n#define N 5\n#define CAT \"a\" \"b\"\n#define F(x) \"f\"\n#define BAD \"a\\\\\n";
        for lang in [Lang::C, Lang::Cpp] {
            let ir = lower(lang, src).expect("parses");
            let assigned: Vec<(String, String, &str)> = ir
                .stmts
                .iter()
                .filter_map(|s| match &s.kind {
                    StmtKind::Assign { target, value, .. } => match &ir.node(*value).kind {
                        NodeKind::Str(v) => Some((
                            ir.name(*target).unwrap_or("").to_string(),
                            v.clone(),
                            src.get(ir.node(*value).span.start..ir.node(*value).span.end)
                                .unwrap_or(""),
                        )),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            assert_eq!(
                assigned,
                vec![
                    (
                        "KEY".to_string(),
                        "SOFTWARE\\\\X".to_string(),
                        "L\"SOFTWARE\\\\X\""
                    ),
                    ("ESC".to_string(), "a\\\"b".to_string(), "\"a\\\"b\""),
                ],
                "{lang:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let src = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        let ir = lower(Lang::Python, &src).expect("parses");
        assert!(!ir.nodes.is_empty());
    }
}
