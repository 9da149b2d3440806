//! The intermediate form every programming language is lowered to, and the one value-flow
//! pass over it.
//!
//! A syntax tree (tree-sitter for C/C++, C#, Go, Java, JavaScript/TypeScript and Python)
//! is lowered by [`lower`] into a few kinds of facts that are the same for every language:
//! assignments (to variables, fields, properties, indexers), expressions (literals, names,
//! operators, calls with positional and named arguments, object/struct/dict literals with
//! their keys, lambdas), returns and throws, each statement under the conditions that guard
//! it (`if`, `else`, `case`, loops), and functions with their parameters and defaults.
//! [`flow`] then answers one question for every place where a value takes effect (a sink):
//! which values can reach it, where were they written, and who asked for them.
//!
//! Every node keeps its span (byte offsets in the decoded text), so a finding can sit on
//! the line where the dangerous value is written and name the line where it lands.

pub mod flow;
pub mod lower;
pub mod preproc;
#[cfg(test)]
mod tests;

use crate::diagnostic::Span;

/// Index of an expression node.
pub type NodeId = u32;
/// Index of a statement.
pub type StmtId = u32;
/// Index of a function (0 is the file's top level).
pub type FuncId = u32;
/// Index of a guard (0 is "no condition").
pub type GuardId = u32;

/// A language lowered to this form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// C.
    C,
    /// C++.
    Cpp,
    /// C#.
    CSharp,
    /// Go.
    Go,
    /// Java.
    Java,
    /// JavaScript (and JSX).
    JavaScript,
    /// TypeScript.
    TypeScript,
    /// TypeScript with JSX.
    Tsx,
    /// Python.
    Python,
}

impl Lang {
    /// Every language lowered to this form.
    pub const ALL: [Lang; 9] = [
        Lang::C,
        Lang::Cpp,
        Lang::CSharp,
        Lang::Go,
        Lang::Java,
        Lang::JavaScript,
        Lang::TypeScript,
        Lang::Tsx,
        Lang::Python,
    ];

    /// Name used in statistics and messages.
    pub fn name(self) -> &'static str {
        match self {
            Lang::C => "c",
            Lang::Cpp => "c++",
            Lang::CSharp => "c#",
            Lang::Go => "go",
            Lang::Java => "java",
            Lang::JavaScript => "javascript",
            Lang::TypeScript => "typescript",
            Lang::Tsx => "tsx",
            Lang::Python => "python",
        }
    }

    /// Whether the language is JavaScript or TypeScript.
    pub fn is_js(self) -> bool {
        matches!(self, Lang::JavaScript | Lang::TypeScript | Lang::Tsx)
    }

    /// Whether the language is C or C++.
    pub fn is_c(self) -> bool {
        matches!(self, Lang::C | Lang::Cpp)
    }
}

/// A binary operator, as far as value flow cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `|`, `+` (flags added), PowerShell `-bor`: the value holds both operands.
    Or,
    /// `&`: a mask, the operands are tested or cleared.
    And,
    /// `==`, `!=`, `is`, `in`, `<`, `<=`, ...: the operands are compared, not set.
    Compare,
    /// `&&`, `||`, `and`, `or`.
    Logic,
    /// Anything else (`-`, `*`, `<<`, `??`, ...).
    Other,
}

/// A unary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `!`, `not`.
    Not,
    /// `~`: the operand is cleared.
    BitNot,
    /// Anything else (`-`, `*`, `++`).
    Other,
}

/// A named field of an object, struct, dict or hashtable literal.
#[derive(Debug, Clone)]
pub struct Field {
    /// The key as written, quotes removed.
    pub key: String,
    /// Where the key is written.
    pub key_span: Span,
    /// The value.
    pub value: NodeId,
}

/// An argument of a call.
#[derive(Debug, Clone)]
pub struct Arg {
    /// The keyword of a named argument (`verify=False`, C# `name: value`).
    pub name: Option<String>,
    /// The value.
    pub value: NodeId,
    /// `*args` / `**kwargs` / `...spread`.
    pub splat: bool,
}

/// The values of the positional arguments (not named, not spread), in order.
pub fn positional(args: &[Arg]) -> Vec<NodeId> {
    args.iter()
        .filter(|a| a.name.is_none() && !a.splat)
        .map(|a| a.value)
        .collect()
}

/// What an expression is.
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// An integer literal.
    Int(u64),
    /// A string literal (its content, escapes as written).
    Str(String),
    /// `true` / `false` in any spelling.
    Bool(bool),
    /// `null`, `nil`, `None`, `undefined`: "the default".
    Null,
    /// An identifier or a qualified name (`tls.VersionTLS10`, `self.verify`,
    /// `config->insecure_ok`), segments joined with `.`.
    Name(String),
    /// A binary operation.
    Bin {
        /// The operator.
        op: BinOp,
        /// Left operand.
        l: NodeId,
        /// Right operand.
        r: NodeId,
    },
    /// A unary operation.
    Unary {
        /// The operator.
        op: UnOp,
        /// The operand.
        x: NodeId,
    },
    /// A call or an object creation.
    Call {
        /// The callee as a qualified name (`curl_easy_setopt`, `requests.get`,
        /// `new HttpClientHandler` is `HttpClientHandler`); empty when not a name.
        callee: String,
        /// The arguments in order.
        args: Vec<Arg>,
        /// `new X(...)`.
        ctor: bool,
    },
    /// An object, struct, dict, hashtable or initializer-list literal.
    Object {
        /// The type written with it (`tls.Config`, `HttpClientHandler`), if any.
        ty: Option<String>,
        /// Keyed fields.
        fields: Vec<Field>,
        /// Positional elements.
        items: Vec<NodeId>,
    },
    /// `c ? a : b`, `a if c else b`.
    Cond {
        /// The condition.
        cond: NodeId,
        /// Value when it holds.
        then: NodeId,
        /// Value otherwise.
        els: NodeId,
    },
    /// A lambda, closure, anonymous method or function literal.
    Lambda(FuncId),
    /// `base[key]`.
    Index {
        /// What is indexed.
        base: NodeId,
        /// The index.
        key: NodeId,
    },
    /// Anything else (its sub-expressions are still in the arena).
    Unknown,
}

/// An expression node.
#[derive(Debug, Clone)]
pub struct Node {
    /// What it is.
    pub kind: NodeKind,
    /// Where it is written.
    pub span: Span,
    /// The statement it belongs to.
    pub stmt: StmtId,
    /// The node that holds it (an object's field or item, a call's argument, an operand).
    pub parent: Option<NodeId>,
}

/// How an assignment combines with the target's earlier value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignOp {
    /// `=`, `:=`, a declaration with an initializer.
    Set,
    /// `|=`, `+=`: flags are added.
    Or,
    /// `&=`, `-=`, `^=`: flags are cleared or toggled.
    Clear,
    /// Any other compound assignment.
    Other,
}

/// What a statement does.
#[derive(Debug, Clone)]
pub enum StmtKind {
    /// `target op value`.
    Assign {
        /// The assigned place (a [`NodeKind::Name`] or [`NodeKind::Index`] node).
        target: NodeId,
        /// The operator.
        op: AssignOp,
        /// The value.
        value: NodeId,
    },
    /// An expression evaluated for its effect (a call).
    Eval(NodeId),
    /// `return [value]`.
    Return(Option<NodeId>),
    /// `throw`, `raise`, `panic`.
    Throw,
    /// A position holder for expressions outside statements (field initializers).
    Other,
}

/// A statement.
#[derive(Debug, Clone)]
pub struct Stmt {
    /// What it does.
    pub kind: StmtKind,
    /// Where it is written.
    pub span: Span,
    /// The function it is in.
    pub func: FuncId,
    /// The innermost condition it runs under.
    pub guard: GuardId,
}

/// Why a statement runs only sometimes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuardKind {
    /// No condition (index 0 only).
    Root,
    /// The branch of an `if` (or `else`, with `negated`).
    If,
    /// A `case` arm; `labels` are the case values (empty for `default`).
    Case {
        /// The case values.
        labels: Vec<NodeId>,
    },
    /// The body of a loop.
    Loop,
    /// A preprocessor conditional (`#if DEBUG`): still a finding.
    Preproc,
}

/// A condition around statements.
#[derive(Debug, Clone)]
pub struct Guard {
    /// The enclosing guard.
    pub parent: GuardId,
    /// The kind.
    pub kind: GuardKind,
    /// The condition expression (`if`, `case` discriminant, loop condition).
    pub cond: Option<NodeId>,
    /// The `else` side of the condition.
    pub negated: bool,
}

/// A parameter of a function.
#[derive(Debug, Clone)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its declared type, as written.
    pub ty: Option<String>,
    /// Its default value.
    pub default: Option<NodeId>,
    /// Where it is declared.
    pub span: Span,
}

/// A function, method, lambda or the file's top level (index 0).
#[derive(Debug, Clone)]
pub struct Func {
    /// Its name (empty for lambdas and the top level).
    pub name: String,
    /// The class it is a member of.
    pub class: Option<String>,
    /// The classes or interfaces that class extends or implements.
    pub bases: Vec<String>,
    /// Its parameters.
    pub params: Vec<Param>,
    /// The function it is written in.
    pub parent: FuncId,
    /// The whole function.
    pub span: Span,
    /// Its name (or the start of a lambda).
    pub name_span: Span,
    /// A lambda or anonymous function.
    pub lambda: bool,
    /// An expression-bodied lambda's value (`x => true`).
    pub expr_body: Option<NodeId>,
}

/// A lowered file.
#[derive(Debug, Clone)]
pub struct Ir {
    /// The language.
    pub lang: Lang,
    /// Expressions.
    pub nodes: Vec<Node>,
    /// Statements, in source order.
    pub stmts: Vec<Stmt>,
    /// Functions (0 = top level).
    pub funcs: Vec<Func>,
    /// Guards (0 = none).
    pub guards: Vec<Guard>,
    /// Whether the tree had syntax errors (error nodes are lowered as far as they go).
    pub had_errors: bool,
    /// C and C++ variables declared in each function (0: file scope), initialized or not:
    /// which names are globals (`static struct options opt;`) and which are shadowed.
    pub decls: Vec<(FuncId, String)>,
}

impl Ir {
    /// An empty file of `lang`.
    pub fn new(lang: Lang) -> Ir {
        Ir {
            lang,
            nodes: Vec::new(),
            stmts: Vec::new(),
            funcs: vec![Func {
                name: String::new(),
                class: None,
                bases: Vec::new(),
                params: Vec::new(),
                parent: 0,
                span: Span::default(),
                name_span: Span::default(),
                lambda: false,
                expr_body: None,
            }],
            guards: vec![Guard {
                parent: 0,
                kind: GuardKind::Root,
                cond: None,
                negated: false,
            }],
            had_errors: false,
            decls: Vec::new(),
        }
    }

    /// Whether C/C++ variable `name` is declared in function `f` itself.
    pub fn declared_in(&self, f: FuncId, name: &str) -> bool {
        self.decls.iter().any(|(g, n)| *g == f && n == name)
    }

    /// The node `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// The statement `id`.
    pub fn stmt(&self, id: StmtId) -> &Stmt {
        &self.stmts[id as usize]
    }

    /// The function `id`.
    pub fn func(&self, id: FuncId) -> &Func {
        &self.funcs[id as usize]
    }

    /// The guard `id`.
    pub fn guard(&self, id: GuardId) -> &Guard {
        &self.guards[id as usize]
    }

    /// The text of a name node.
    pub fn name(&self, id: NodeId) -> Option<&str> {
        match &self.node(id).kind {
            NodeKind::Name(n) => Some(n),
            _ => None,
        }
    }

    /// The function a node is in.
    pub fn func_of(&self, id: NodeId) -> FuncId {
        self.stmts
            .get(self.node(id).stmt as usize)
            .map_or(0, |s| s.func)
    }

    /// Whether guard `a` is `b` or encloses it.
    pub fn guard_encloses(&self, a: GuardId, mut b: GuardId) -> bool {
        loop {
            if a == b {
                return true;
            }
            if b == 0 {
                return false;
            }
            b = self.guards[b as usize].parent;
        }
    }

    /// The guards from `g` outwards, stopping before `stop` (exclusive) or the root.
    pub fn guards_between(&self, mut g: GuardId, stop: GuardId) -> Vec<GuardId> {
        let mut out = Vec::new();
        while g != 0 && g != stop && out.len() < 256 {
            out.push(g);
            g = self.guards[g as usize].parent;
        }
        out
    }

    /// Whether function `inner` is `outer` or written inside it.
    pub fn func_within(&self, mut inner: FuncId, outer: FuncId) -> bool {
        for _ in 0..256 {
            if inner == outer {
                return true;
            }
            if inner == 0 {
                return false;
            }
            inner = self.funcs[inner as usize].parent;
        }
        false
    }

    /// Every name mentioned in the expression `id` (for conditions), with the short
    /// strings it compares (`strcmp(p, "auth_mode")`, `getattr(o, "verify")`).
    pub fn names_in(&self, id: NodeId, out: &mut Vec<(String, Span)>) {
        self.names_in_with(id, true, out);
    }

    /// [`Self::names_in`], with or without the strings.
    pub fn names_in_with(&self, id: NodeId, strings: bool, out: &mut Vec<(String, Span)>) {
        let mut stack = vec![id];
        let mut steps = 0;
        while let Some(n) = stack.pop() {
            steps += 1;
            if steps > 4096 {
                return;
            }
            let node = self.node(n);
            match &node.kind {
                NodeKind::Name(s) => out.push((s.clone(), node.span)),
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
                NodeKind::Call { args, callee, .. } => {
                    // `getattr(o, "verify")`, `strcmp(a, b)`: the arguments are what is
                    // tested; a method call's receiver too (`opts.get("insecure")`).
                    if let Some((recv, _)) = callee.rsplit_once('.') {
                        out.push((recv.to_string(), node.span));
                    }
                    // A getter reads an option: `config.isInsecure()`, `opts.getSkipVerify()`.
                    let last = callee.rsplit('.').next().unwrap_or(callee);
                    let getter = ["is", "get"].iter().any(|p| {
                        last.strip_prefix(p)
                            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_uppercase()))
                    });
                    if getter && args.is_empty() {
                        out.push((callee.clone(), node.span));
                    }
                    for a in args.iter().rev() {
                        stack.push(a.value);
                    }
                }
                NodeKind::Index { base, key } => {
                    stack.push(*key);
                    stack.push(*base);
                }
                NodeKind::Str(s) if strings && s.len() < 64 => out.push((s.clone(), node.span)),
                _ => {}
            }
        }
    }
}
