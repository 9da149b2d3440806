//! The value-flow pass: which values reach an expression, where they were written, and
//! who asked for them.
//!
//! Intra-file and deliberately simple. A name is resolved to the assignments that reach
//! it in its function (walking back in source order: an unconditional `=` at the use's
//! level ends the walk, `|=` adds flags, `&= ~X` clears them), to the enclosing
//! functions' assignments (closures), to its function's parameter (the default, the
//! literals that call sites in the file pass, and the parameter itself as an option),
//! to assignments of the same member in the class (`self.x`), or to a named constant.
//! Calls of functions defined in the file resolve to their returned values; wrappers named
//! in `rules/flow/flow.toml` (`uint16(x)`, `wrapperspb.Bool(x)`, `&BoolValue{Value: x}`)
//! are transparent. Depth and fan-out are bounded.
//!
//! Every value carries the statements it passed through, so the caller can ask the two
//! questions DETECTION.md puts to every finding: was the value chosen by a `case` of a
//! switch (a mapping of a user's choice, not a setting), and is the statement guarded by
//! an option whose meaning is the bypass (an opt-in)?

use super::{AssignOp, BinOp, FuncId, GuardKind, Ir, NodeId, NodeKind, StmtId, StmtKind, UnOp};
use crate::diagnostic::Span;
use serde::Deserialize;
use std::collections::HashMap;

/// Flow data: `rules/flow/flow.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowConfig {
    /// Calls that return their (single) argument: type conversions and pointer helpers
    /// (`uint16`, `ptr.To`, `wrapperspb.Bool`). Matched on the callee's last segment or
    /// the whole callee, case-sensitively.
    #[serde(default)]
    pub transparent_calls: Vec<String>,
    /// Object types whose one field is the value (`BoolValue` with `Value`): `"Type.Field"`.
    #[serde(default)]
    pub wrapper_types: Vec<String>,
    /// Named values defined elsewhere whose value is known (`proto.BoolTrue = true`).
    #[serde(default)]
    pub constants: HashMap<String, toml::Value>,
    /// A switch that turns a check off, and the members that replace the check with the
    /// program's own when set on the same object (`InsecureSkipVerify` and
    /// `VerifyPeerCertificate`).
    #[serde(default)]
    pub replaced_checks: HashMap<String, Vec<String>>,
    /// A minimum and the members that cap it on the same object (`MinVersion` and
    /// `MaxVersion`): raising a minimum above a legacy maximum leaves no version at all,
    /// so such a finding carries no fix.
    #[serde(default)]
    pub capped_by: HashMap<String, Vec<String>>,
    /// Options that configure the TLS of a connection another option names by URL
    /// (`CURLOPT_PROXY_SSLVERSION` and `CURLOPT_PROXY`): inert when every URL the file
    /// gives has a plain-text scheme.
    #[serde(default)]
    pub tls_of_url: Vec<TlsOfUrl>,
    /// Calls that write a registry value (`Registry.SetValue`, `key.SetValue`,
    /// `RegSetValueExW`): judged as the same write in a `.reg` file would be.
    #[serde(default)]
    pub registry_write: Vec<RegistryCall>,
    /// Calls that open a registry key for the writes above (`OpenSubKey`, `RegOpenKeyExW`).
    #[serde(default)]
    pub registry_open: Vec<RegistryOpen>,
    /// Words of an option whose meaning is the bypass: a statement guarded by such an
    /// option, or a value taken from it, is an opt-in (DETECTION.md, "Real code").
    /// Compared with the option's last name segment, lower-cased, `_`/`-` removed.
    #[serde(default)]
    pub gate_words: Vec<String>,
    /// Names that hold data to compare rather than settings (`expected`, `want`).
    #[serde(default)]
    pub compared_words: Vec<String>,
    /// Words that look like gate words but are not (`verifyresult`).
    #[serde(default)]
    pub gate_exceptions: Vec<String>,
    /// Words of an option that names the check itself (`verify_ssl`, `validate_certs`):
    /// the bypass is the option turned off. Unless the name also says the bypass
    /// ([`Self::gate_bypass_words`]: `no_verify`, `skip_tls_verify`).
    #[serde(default)]
    pub gate_check_words: Vec<String>,
    /// Words of an option's name that say the bypass (`insecure`, `skip`, `ignore`);
    /// matched at the start of the name when they end in `-` (`no-`: `noverify`).
    #[serde(default)]
    pub gate_bypass_words: Vec<String>,
    /// Calls that start a process: the command line they run takes effect there.
    #[serde(default)]
    pub exec: Vec<ExecCall>,
    /// Words a command that code runs must have near its call to be read (long options
    /// and command names of the option rules, keywords of the git/npm/pip/environment
    /// setting rules; built by the engine from the rules, not read from the file). `None`:
    /// no command is read.
    #[serde(skip)]
    pub exec_words: Option<crate::prefilter::Prefilter>,
    /// The keywords of the `[[exec]]` calls of each code setting domain, each once (built
    /// by the engine with [`Self::exec_words`]).
    #[serde(skip)]
    pub exec_keywords_by_domain: HashMap<String, Vec<String>>,
}

/// How far before a process-starting call the prefilter looks for a command's words.
pub const EXEC_BEFORE: usize = 3000;
/// How far after it.
pub const EXEC_AFTER: usize = 1000;

/// Options that take effect only on a TLS connection to a URL another option gives
/// (`rules/flow/flow.toml`, `[[tls_of_url]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsOfUrl {
    /// The option that takes the URL (`CURLOPT_PROXY`).
    pub url_option: String,
    /// Schemes of a connection without TLS (`http`, `socks5`).
    pub plain_schemes: Vec<String>,
    /// The options that configure that connection's TLS.
    pub options: Vec<String>,
}

/// Where a registry write made by code finds its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyFrom {
    /// Argument `key_arg` is the full path, hive included (`Registry.SetValue`).
    Arg,
    /// Argument `hive_arg` is a hive constant, `key_arg` the subkey (`RegSetKeyValueW`).
    HiveArg,
    /// The method's receiver is a key object a `[[registry_open]]` call returned.
    Receiver,
    /// Argument `key_arg` is a handle a `[[registry_open]]` call wrote (`RegSetValueExW`).
    Handle,
}

/// A call that writes a registry value (`rules/flow/flow.toml`, `[[registry_write]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryCall {
    /// The callees: a qualified name matches as a suffix, a bare one the last segment.
    pub calls: Vec<String>,
    /// The languages (`Lang::name`).
    pub langs: Vec<String>,
    /// Where the key comes from.
    pub key: KeyFrom,
    /// The positional argument of the key, subkey or handle.
    #[serde(default)]
    pub key_arg: usize,
    /// The positional argument of the hive (`HiveArg`).
    #[serde(default)]
    pub hive_arg: usize,
    /// The positional argument of the value name.
    pub name_arg: usize,
    /// The positional argument of the data (`&value` and casts are seen through).
    pub data_arg: usize,
}

/// A call that opens (or creates) a registry key (`[[registry_open]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryOpen {
    /// The callees' last segments.
    pub calls: Vec<String>,
    /// The languages (`Lang::name`).
    pub langs: Vec<String>,
    /// The positional argument of the hive; none: the method's receiver is the hive
    /// (`Registry.LocalMachine.OpenSubKey`) or a key opened on it (`OpenBaseKey`).
    #[serde(default)]
    pub hive_arg: Option<usize>,
    /// The positional argument of the subkey's path.
    pub path_arg: usize,
    /// The positional argument the handle is written to (`&hKey`); none: the call
    /// returns the key object.
    #[serde(default)]
    pub out_arg: Option<usize>,
}

/// How a process-starting call takes its command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExecKind {
    /// The argument is a command line a shell reads (`os.system(cmd)`, `system(cmd)`).
    Shell,
    /// The arguments from `arg` on are the program and its arguments; a list literal
    /// among them is spread (`subprocess.run(["curl", "-k", url])`, `exec.Command("curl",
    /// "-k", url)`, `spawn("curl", ["-k", url])`). A single string with a space is a
    /// command line (`subprocess.run("curl -k x", shell=True)`).
    Argv,
    /// The argument is the program and the next one all its arguments as one string
    /// (`Process.Start("curl.exe", "-k https://x")`).
    Program,
}

/// Calls of one kind that start a process (`rules/flow/flow.toml`, `[[exec]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecCall {
    /// The callees, as written (`subprocess.run`, `exec.Command`, `system`).
    pub calls: Vec<String>,
    /// The languages (`Lang::name`: `python`, `go`, `c`, `c++`, `javascript`, ...).
    pub langs: Vec<String>,
    /// How the command is passed.
    pub kind: ExecKind,
    /// The first positional argument that is part of the command.
    #[serde(default)]
    pub arg: usize,
    /// Words a file that makes such a call contains (the prefilter looks for a command
    /// word near them).
    pub keywords: Vec<String>,
    /// For a type among `calls` built with an object initializer (`new ProcessStartInfo {
    /// FileName = "curl.exe", Arguments = "-k ..." }`): its program field and its
    /// arguments field, in that order.
    #[serde(default)]
    pub fields: Vec<String>,
}

impl FlowConfig {
    /// The process-starting call `callee` is, in `lang`: as written, or a qualified entry
    /// with more qualification (`System.Diagnostics.Process.Start`). A bare entry
    /// (`system`, `exec`) matches only a bare callee (not `re.exec`).
    pub fn exec_call(&self, lang: super::Lang, callee: &str) -> Option<&ExecCall> {
        let matches = |c: &String| {
            c == callee
                || (c.contains('.')
                    && callee
                        .strip_suffix(c.as_str())
                        .is_some_and(|head| head.ends_with('.')))
        };
        self.exec
            .iter()
            .find(|e| e.langs.iter().any(|l| l == lang.name()) && e.calls.iter().any(matches))
    }

    /// The keywords of the `[[exec]]` entries of the languages `langs`, each once.
    pub fn exec_keywords(&self, langs: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = self
            .exec
            .iter()
            .filter(|e| e.langs.iter().any(|l| langs.contains(&l.as_str())))
            .flat_map(|e| e.keywords.iter().cloned())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether the commands a file's code runs are worth reading: a call that starts a
    /// process (a keyword of the `[[exec]]` entries of setting domain `domain`) has a word of a rule that
    /// judges commands ([`Self::exec_words`]) within [`EXEC_BEFORE`] bytes before it or
    /// [`EXEC_AFTER`] after, where code builds the command it runs. The prefilter's second
    /// stage and the analysis ask this same question, so that the prefilter never drops a
    /// file the analysis would report.
    pub fn exec_gate(&self, domain: &str, text: &[u8]) -> bool {
        let (Some(words), Some(keywords)) =
            (&self.exec_words, self.exec_keywords_by_domain.get(domain))
        else {
            return false;
        };
        // At most this many calls are looked at (a file of thousands of `exec.Command`s).
        let mut budget = 64;
        for k in keywords {
            for at in memchr::memmem::find_iter(text, k.as_bytes()) {
                if budget == 0 {
                    return false;
                }
                budget -= 1;
                let from = at.saturating_sub(EXEC_BEFORE);
                let to = (at + k.len() + EXEC_AFTER).min(text.len());
                if text.get(from..to).is_some_and(|w| words.is_match(w)) {
                    return true;
                }
            }
        }
        false
    }
}

impl FlowConfig {
    /// Whether `name` (a variable, field or option) names a bypass switch.
    pub fn is_gate(&self, name: &str) -> bool {
        let norm = Self::last_segment_normalized(name);
        if norm.is_empty() || self.gate_exceptions.iter().any(|e| norm.contains(e)) {
            return false;
        }
        self.gate_words.iter().any(|w| norm.contains(w.as_str()))
    }

    /// Whether the option `name` names the check itself, so that the weakening happens
    /// when it is off (`verify_ssl`, `validate_certs`), rather than the bypass (`insecure`,
    /// `no_verify`) or a value (`min_version`).
    pub fn option_names_the_check(&self, name: &str) -> bool {
        let norm = Self::last_segment_normalized(name);
        let says_bypass = self
            .gate_bypass_words
            .iter()
            .any(|w| match w.strip_suffix('-') {
                Some(prefix) => norm.starts_with(prefix),
                None => norm.contains(w.as_str()),
            });
        !says_bypass
            && self
                .gate_check_words
                .iter()
                .any(|w| norm.contains(w.as_str()))
    }

    fn last_segment_normalized(name: &str) -> String {
        let last = name
            .rsplit(['.', '[', ']', '$', '-'])
            .find(|s| !s.is_empty())
            .unwrap_or(name);
        last.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    }

    /// Whether `name` names data that is compared (`expectedConf`, `want`).
    pub fn is_compared(&self, name: &str) -> bool {
        let last = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
        self.compared_words
            .iter()
            .any(|w| last == *w || last.starts_with(w.as_str()))
    }

    fn transparent(&self, callee: &str) -> bool {
        let last = callee.rsplit('.').next().unwrap_or(callee);
        self.transparent_calls
            .iter()
            .any(|t| t == callee || t == last)
    }

    fn wrapper_field(&self, ty: &str) -> Option<&str> {
        let last = ty.rsplit('.').next().unwrap_or(ty);
        self.wrapper_types.iter().find_map(|w| {
            let (t, f) = w.rsplit_once('.')?;
            (t == last || t == ty).then_some(f)
        })
    }
}

/// A value that reaches an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ValKind {
    /// An integer.
    Int(u64),
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// `null`/`None`/`nil`: the default.
    Null,
    /// A named constant (`tls.VersionTLS10`, `SECURITY_FLAG_IGNORE_UNKNOWN_CA`), or the
    /// callee of a call whose result is not known (`ssl._create_unverified_context`).
    Const(String),
    /// A value chosen elsewhere: a parameter, a field, an option (`opts.Insecure`).
    Opaque(String),
    /// A function (a lambda, or a named method used as a value).
    Func(FuncId),
    /// An object literal.
    Object(NodeId),
}

/// A value with where it was written and what it passed through.
#[derive(Debug, Clone)]
pub struct Val {
    /// The value.
    pub kind: ValKind,
    /// Where it is written (the finding's position).
    pub span: Span,
    /// The statement it is written in.
    pub stmt: StmtId,
    /// Assignments it passed through on its way (statements, in order from the value).
    pub hops: Vec<StmtId>,
    /// Conditions of `c ? a : b` it was chosen by.
    pub conds: Vec<NodeId>,
    /// It is a parameter's default value.
    pub default: bool,
    /// The written literal is negated on the way (`!o.TLSVerify`): its text is not the
    /// value, and a fix of the literal would be wrong.
    pub negated: bool,
    /// The value is held by a wrapper object (`&BoolValue{Value: true}`); `span` is the
    /// wrapper's.
    pub wrapped: bool,
}

impl Val {
    fn new(kind: ValKind, span: Span, stmt: StmtId) -> Val {
        Val {
            kind,
            span,
            stmt,
            hops: Vec::new(),
            conds: Vec::new(),
            default: false,
            negated: false,
            wrapped: false,
        }
    }
}

/// Fan-out limit: values per resolution.
const MAX_VALUES: usize = 64;
/// Depth limit: resolution steps through variables, parameters and calls.
const MAX_DEPTH: u32 = 8;

/// Resolves values over one lowered file.
pub struct Flow<'a> {
    /// The lowered file.
    pub ir: &'a Ir,
    /// Flow data.
    pub cfg: &'a FlowConfig,
    /// Whether a name is a known constant of a flag table.
    pub is_constant: &'a dyn Fn(&str) -> bool,
    /// Functions by name.
    funcs_by_name: HashMap<&'a str, Vec<FuncId>>,
    /// Call nodes by callee's last segment.
    calls_by_name: HashMap<&'a str, Vec<NodeId>>,
    /// Assignment statements by target name.
    assigns: HashMap<&'a str, Vec<StmtId>>,
    /// Values already resolved, by node (`None` while a resolution is under way).
    memo: std::cell::RefCell<HashMap<NodeId, Option<std::rc::Rc<Vec<Val>>>>>,
    /// Resolution steps taken: a budget against pathological files.
    steps: std::cell::Cell<u32>,
    /// Parameters bound to a call's arguments while that call's returned values are
    /// resolved (a helper like `_fallback(value, default)` returns what each caller
    /// passed, not what every caller passes).
    bindings: std::cell::RefCell<Vec<(FuncId, Binding)>>,
}

/// A call's arguments by parameter name (`None`: not passed).
type Binding = Vec<(String, Option<NodeId>)>;

/// Resolution steps per file.
const MAX_STEPS: u32 = 2_000_000;

impl<'a> Flow<'a> {
    /// Prepares the lookups.
    pub fn new(ir: &'a Ir, cfg: &'a FlowConfig, is_constant: &'a dyn Fn(&str) -> bool) -> Self {
        let mut funcs_by_name: HashMap<&str, Vec<FuncId>> = HashMap::new();
        for (i, f) in ir.funcs.iter().enumerate() {
            if !f.name.is_empty() {
                funcs_by_name
                    .entry(f.name.as_str())
                    .or_default()
                    .push(u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        let mut calls_by_name: HashMap<&str, Vec<NodeId>> = HashMap::new();
        for (i, n) in ir.nodes.iter().enumerate() {
            if let NodeKind::Call { callee, .. } = &n.kind {
                let last = callee.rsplit('.').next().unwrap_or(callee);
                if !last.is_empty() {
                    calls_by_name
                        .entry(last)
                        .or_default()
                        .push(u32::try_from(i).unwrap_or(u32::MAX));
                }
            }
        }
        let mut assigns: HashMap<&str, Vec<StmtId>> = HashMap::new();
        for (i, s) in ir.stmts.iter().enumerate() {
            if let StmtKind::Assign { target, .. } = &s.kind {
                if let Some(name) = ir.name(*target) {
                    assigns
                        .entry(name)
                        .or_default()
                        .push(u32::try_from(i).unwrap_or(u32::MAX));
                }
            }
        }
        Flow {
            ir,
            cfg,
            is_constant,
            funcs_by_name,
            calls_by_name,
            assigns,
            memo: std::cell::RefCell::new(HashMap::new()),
            steps: std::cell::Cell::new(0),
            bindings: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Functions named `name` in the file.
    pub fn funcs_named(&self, name: &str) -> &[FuncId] {
        self.funcs_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// Call nodes whose callee ends in `name`.
    pub fn calls_named(&self, name: &str) -> &[NodeId] {
        self.calls_by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// The values that can reach node `n`.
    pub fn resolve(&self, n: NodeId) -> Vec<Val> {
        let mut out = Vec::new();
        self.resolve_into(n, 0, &mut out);
        out
    }

    fn resolve_into(&self, n: NodeId, depth: u32, out: &mut Vec<Val>) {
        if depth > MAX_DEPTH || out.len() >= MAX_VALUES {
            return;
        }
        let steps = self.steps.get().saturating_add(1);
        self.steps.set(steps);
        if steps > MAX_STEPS || (steps % 4096 == 0 && crate::budget::exceeded()) {
            return;
        }
        // Values resolved under a call's parameter bindings depend on that call.
        if !self.bindings.borrow().is_empty() {
            self.resolve_uncached(n, depth, out);
            return;
        }
        // Literals need no memo; everything else is resolved once per node.
        let cached = self.memo.borrow().get(&n).cloned();
        match cached {
            Some(Some(vals)) => {
                out.extend(
                    vals.iter()
                        .take(MAX_VALUES.saturating_sub(out.len()))
                        .cloned(),
                );
                return;
            }
            Some(None) => return, // a cycle
            None => {}
        }
        self.memo.borrow_mut().insert(n, None);
        let mut mine = Vec::new();
        self.resolve_uncached(n, depth, &mut mine);
        out.extend(
            mine.iter()
                .take(MAX_VALUES.saturating_sub(out.len()))
                .cloned(),
        );
        self.memo
            .borrow_mut()
            .insert(n, Some(std::rc::Rc::new(mine)));
    }

    fn resolve_uncached(&self, n: NodeId, depth: u32, out: &mut Vec<Val>) {
        let Some(node) = self.ir.nodes.get(n as usize) else {
            return;
        };
        let lit = |k: ValKind| Val::new(k, node.span, node.stmt);
        match &node.kind {
            NodeKind::Int(v) => out.push(lit(ValKind::Int(*v))),
            NodeKind::Str(s) => out.push(lit(ValKind::Str(s.clone()))),
            NodeKind::Bool(b) => out.push(lit(ValKind::Bool(*b))),
            NodeKind::Null => out.push(lit(ValKind::Null)),
            NodeKind::Name(name) => self.resolve_name(name, n, depth, out),
            NodeKind::Bin {
                op: BinOp::Or,
                l,
                r,
            } => {
                self.resolve_into(*l, depth, out);
                self.resolve_into(*r, depth, out);
            }
            NodeKind::Bin {
                op: BinOp::Logic,
                l,
                r,
            } => {
                // `opts.insecure || false`, `verify or default`: either side may be the value.
                self.resolve_into(*l, depth + 1, out);
                self.resolve_into(*r, depth + 1, out);
            }
            NodeKind::Bin { .. } => {}
            NodeKind::Unary { op: UnOp::Not, x } => {
                let mut inner = Vec::new();
                self.resolve_into(*x, depth + 1, &mut inner);
                for mut v in inner {
                    v.negated = !v.negated;
                    v.kind = match v.kind {
                        ValKind::Bool(b) => ValKind::Bool(!b),
                        ValKind::Opaque(o) => ValKind::Opaque(o),
                        _ => continue,
                    };
                    out.push(v);
                }
            }
            NodeKind::Unary { .. } => {}
            NodeKind::Cond { cond, then, els } => {
                let start = out.len();
                self.resolve_into(*then, depth + 1, out);
                self.resolve_into(*els, depth + 1, out);
                for v in &mut out[start..] {
                    v.conds.push(*cond);
                }
            }
            NodeKind::Call {
                callee,
                args,
                ctor: false,
            } => {
                let last = callee.rsplit('.').next().unwrap_or(callee);
                if args.len() == 1 && self.cfg.transparent(callee) {
                    self.resolve_into(args[0].value, depth + 1, out);
                    return;
                }
                let local: Vec<FuncId> = self
                    .funcs_named(last)
                    .iter()
                    .copied()
                    .filter(|&f| !self.ir.func(f).lambda)
                    .collect();
                if !local.is_empty() && !callee.is_empty() {
                    for f in local.into_iter().take(4) {
                        let binding = self.bind(f, callee, args);
                        let bound = binding.is_some();
                        if let Some(b) = binding {
                            self.bindings.borrow_mut().push((f, b));
                        }
                        self.returns_of(f, depth + 1, out);
                        if bound {
                            self.bindings.borrow_mut().pop();
                        }
                    }
                    return;
                }
                if !callee.is_empty() {
                    out.push(lit(ValKind::Const(callee.clone())));
                }
            }
            NodeKind::Call { .. } => {}
            NodeKind::Object { ty, fields, .. } => {
                if let Some(field) = ty.as_deref().and_then(|t| self.cfg.wrapper_field(t)) {
                    if let Some(f) = fields.iter().find(|f| f.key == field) {
                        let start = out.len();
                        self.resolve_into(f.value, depth + 1, out);
                        for v in &mut out[start..] {
                            v.span = node.span;
                            v.wrapped = true;
                        }
                        return;
                    }
                }
                out.push(lit(ValKind::Object(n)));
            }
            NodeKind::Lambda(f) => out.push(lit(ValKind::Func(*f))),
            NodeKind::Index { base, key } => {
                // `module.params['validate_certs']`, `os.environ["X"]`: an option by name.
                if let NodeKind::Str(k) = &self.ir.node(*key).kind {
                    let name = match self.ir.name(*base) {
                        Some(b) => format!("{b}['{k}']"),
                        None => k.clone(),
                    };
                    out.push(lit(ValKind::Opaque(name)));
                }
            }
            NodeKind::Unknown => {}
        }
    }

    /// The arguments a call gives each parameter of `f` (`None`: not passed, the default
    /// applies); `None` when they cannot be matched (`*args`, `**kwargs`).
    fn bind(&self, f: FuncId, callee: &str, args: &[super::Arg]) -> Option<Binding> {
        if args.iter().any(|a| a.splat) {
            return None;
        }
        let fd = self.ir.func(f);
        let shift = usize::from(
            fd.params
                .first()
                .is_some_and(|p| matches!(p.name.as_str(), "self" | "cls"))
                && callee.contains('.'),
        );
        let positional: Vec<NodeId> = args
            .iter()
            .filter(|a| a.name.is_none())
            .map(|a| a.value)
            .collect();
        let mut out = Vec::new();
        for (i, p) in fd.params.iter().enumerate() {
            let by_name = args
                .iter()
                .find(|a| a.name.as_deref() == Some(p.name.as_str()))
                .map(|a| a.value);
            let by_pos = i
                .checked_sub(shift)
                .and_then(|j| positional.get(j).copied());
            out.push((p.name.clone(), by_name.or(by_pos)));
        }
        Some(out)
    }

    fn returns_of(&self, f: FuncId, depth: u32, out: &mut Vec<Val>) {
        if depth > MAX_DEPTH {
            return;
        }
        if let Some(e) = self.ir.func(f).expr_body {
            self.resolve_into(e, depth, out);
            return;
        }
        for (i, s) in self.ir.stmts.iter().enumerate() {
            if s.func != f {
                continue;
            }
            if let StmtKind::Return(Some(v)) = s.kind {
                let start = out.len();
                self.resolve_into(v, depth, out);
                let sid = u32::try_from(i).unwrap_or(u32::MAX);
                for val in &mut out[start..] {
                    if val.stmt != sid {
                        val.hops.push(sid);
                    }
                }
                if out.len() >= MAX_VALUES {
                    return;
                }
            }
        }
    }

    fn constant_value(&self, name: &str, span: Span, stmt: StmtId) -> Option<Val> {
        let v = self.cfg.constants.get(name)?;
        let kind = match v {
            toml::Value::Boolean(b) => ValKind::Bool(*b),
            toml::Value::Integer(i) => ValKind::Int(u64::try_from(*i).unwrap_or(0)),
            toml::Value::String(s) => ValKind::Str(s.clone()),
            _ => return None,
        };
        Some(Val::new(kind, span, stmt))
    }

    fn resolve_name(&self, name: &str, at: NodeId, depth: u32, out: &mut Vec<Val>) {
        let node = self.ir.node(at);
        if let Some(v) = self.constant_value(name, node.span, node.stmt) {
            out.push(v);
            return;
        }
        if (self.is_constant)(name) {
            out.push(Val::new(
                ValKind::Const(name.to_string()),
                node.span,
                node.stmt,
            ));
            return;
        }
        let at_stmt = node.stmt;
        let func = self.ir.func_of(at);
        // Assignments that reach the use.
        if self.reaching_assignments(name, at_stmt, func, depth, out) {
            return;
        }
        // A named function used as a value (a callback): `Callback = Handler`.
        if !name.contains('.') {
            if let Some(&f) = self
                .funcs_named(name)
                .iter()
                .find(|&&f| !self.ir.func(f).lambda)
            {
                out.push(Val::new(ValKind::Func(f), node.span, node.stmt));
                return;
            }
        }
        // A parameter of the function (or of an enclosing one).
        if !name.contains('.') {
            let mut f = func;
            for _ in 0..16 {
                let fd = self.ir.func(f);
                if let Some((pi, p)) = fd.params.iter().enumerate().find(|(_, p)| p.name == name) {
                    // Bound by the call being resolved: that call's argument, or the default.
                    let bound = self
                        .bindings
                        .borrow()
                        .iter()
                        .rev()
                        .find(|(bf, _)| *bf == f)
                        .and_then(|(_, b)| b.iter().find(|(n, _)| n == name).map(|(_, a)| *a));
                    if let Some(arg) = bound {
                        match arg {
                            Some(a) => {
                                // The argument is written in the caller: resolve it there.
                                let saved = self.bindings.borrow_mut().pop();
                                self.resolve_into(a, depth + 1, out);
                                if let Some(b) = saved {
                                    self.bindings.borrow_mut().push(b);
                                }
                            }
                            None => {
                                if let Some(d) = p.default {
                                    let start = out.len();
                                    self.resolve_into(d, depth + 1, out);
                                    for v in &mut out[start..] {
                                        v.default = true;
                                    }
                                }
                            }
                        }
                        return;
                    }
                    out.push(Val::new(
                        ValKind::Opaque(name.to_string()),
                        node.span,
                        node.stmt,
                    ));
                    if let Some(d) = p.default {
                        let start = out.len();
                        self.resolve_into(d, depth + 1, out);
                        for v in &mut out[start..] {
                            v.default = true;
                        }
                    }
                    self.call_site_args(f, pi, name, depth + 1, out);
                    return;
                }
                if f == 0 {
                    break;
                }
                f = fd.parent;
            }
        }
        // `self.x` / `this.x`: assignments to the member anywhere in the class.
        if let Some(member) = name
            .strip_prefix("self.")
            .or_else(|| name.strip_prefix("this."))
        {
            if !member.contains('.') && self.member_assignments(name, func, depth, out) {
                return;
            }
        }
        if self.global_field_assignments(name, func, depth, out) {
            return;
        }
        out.push(Val::new(
            ValKind::Opaque(name.to_string()),
            node.span,
            node.stmt,
        ));
    }

    /// Assignments to `name` that reach statement `at` in `func` (or an enclosing
    /// function); `true` when any was found.
    fn reaching_assignments(
        &self,
        name: &str,
        at: StmtId,
        func: FuncId,
        depth: u32,
        out: &mut Vec<Val>,
    ) -> bool {
        let Some(list) = self.assigns.get(name) else {
            return false;
        };
        let at_guard = self.ir.stmt(at).guard;
        let mut found = false;
        let mut cleared: Vec<ValKind> = Vec::new();
        for &sid in list.iter().rev() {
            if sid >= at {
                continue;
            }
            let s = self.ir.stmt(sid);
            if !self.ir.func_within(func, s.func) {
                continue;
            }
            let StmtKind::Assign { op, value, .. } = &s.kind else {
                continue;
            };
            match op {
                AssignOp::Clear => {
                    let mut names = Vec::new();
                    self.ir.names_in(*value, &mut names);
                    cleared.extend(
                        names
                            .into_iter()
                            .map(|(n, _)| ValKind::Const(n))
                            .chain(self.ints_in(*value).into_iter().map(ValKind::Int)),
                    );
                    found = true;
                    continue;
                }
                AssignOp::Other => {
                    found = true;
                    continue;
                }
                _ => {}
            }
            let start = out.len();
            self.resolve_into(*value, depth + 1, out);
            let mut k = start;
            while k < out.len() {
                if cleared.contains(&out[k].kind) {
                    out.remove(k);
                } else {
                    if out[k].stmt != sid {
                        out[k].hops.push(sid);
                    }
                    k += 1;
                }
            }
            found = true;
            // An unconditional `=` at the use's level (or outside it) ends the walk; so
            // does an unconditional `=` in an enclosing function (a module constant set
            // again before the function that reads it: `X = False` then `X = CA_PATH`).
            if *op == AssignOp::Set
                && ((s.func == func
                    && self.ir.guard_encloses(s.guard, at_guard)
                    && !self.in_loop_or_case(s.guard))
                    || (s.func != func && s.guard == 0))
            {
                break;
            }
            if out.len() >= MAX_VALUES {
                break;
            }
        }
        found
    }

    fn ints_in(&self, id: NodeId) -> Vec<u64> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            if out.len() > 64 {
                break;
            }
            match &self.ir.node(n).kind {
                NodeKind::Int(v) => out.push(*v),
                NodeKind::Bin { l, r, .. } => {
                    stack.push(*l);
                    stack.push(*r);
                }
                NodeKind::Unary { x, .. } => stack.push(*x),
                _ => {}
            }
        }
        out
    }

    fn in_loop_or_case(&self, g: u32) -> bool {
        matches!(
            self.ir.guard(g).kind,
            GuardKind::Loop | GuardKind::Case { .. }
        ) && g != 0
    }

    fn member_assignments(&self, name: &str, func: FuncId, depth: u32, out: &mut Vec<Val>) -> bool {
        let class = self.ir.func(func).class.clone();
        if class.is_none() {
            return false;
        }
        let Some(list) = self.assigns.get(name) else {
            return false;
        };
        let mut found = false;
        for &sid in list.iter().take(16) {
            let s = self.ir.stmt(sid);
            if self.ir.func(s.func).class != class {
                continue;
            }
            if let StmtKind::Assign {
                op: AssignOp::Set,
                value,
                ..
            } = &s.kind
            {
                self.resolve_assigned(sid, *value, depth, out);
                found = true;
            }
        }
        found
    }

    /// The values of `value`, assigned in statement `sid`, which becomes a hop of each.
    fn resolve_assigned(&self, sid: StmtId, value: NodeId, depth: u32, out: &mut Vec<Val>) {
        let start = out.len();
        self.resolve_into(value, depth + 1, out);
        for v in &mut out[start..] {
            if v.stmt != sid {
                v.hops.push(sid);
            }
        }
    }

    /// C/C++: a field of a file-scope variable read in a function that neither declares
    /// nor assigns it (`opt.auth_mode`, set by the option parser in another function and
    /// passed to a setting in `main`): its assignments anywhere in the file, in whatever
    /// order the functions run.
    fn global_field_assignments(
        &self,
        name: &str,
        func: FuncId,
        depth: u32,
        out: &mut Vec<Val>,
    ) -> bool {
        if !self.ir.lang.is_c() || func == 0 {
            return false;
        }
        let Some((root, _)) = name.split_once('.') else {
            return false;
        };
        if !self.ir.declared_in(0, root) {
            return false;
        }
        // Shadowed by a local or a parameter of this function or an enclosing one.
        let mut f = func;
        for _ in 0..16 {
            if f == 0 {
                break;
            }
            let fd = self.ir.func(f);
            if self.ir.declared_in(f, root) || fd.params.iter().any(|p| p.name == root) {
                return false;
            }
            f = fd.parent;
        }
        let Some(list) = self.assigns.get(name) else {
            return false;
        };
        let mut found = false;
        for &sid in list.iter().take(64) {
            let s = self.ir.stmt(sid);
            if s.func == 0 || self.ir.func_within(func, s.func) {
                continue; // this function's own assignments were read in order already
            }
            let StmtKind::Assign {
                op: AssignOp::Set | AssignOp::Or,
                value,
                ..
            } = &s.kind
            else {
                continue;
            };
            self.resolve_assigned(sid, *value, depth, out);
            found = true;
        }
        found
    }

    /// Values that call sites in the file pass for parameter `pi` (`name`) of `f`.
    fn call_site_args(&self, f: FuncId, pi: usize, name: &str, depth: u32, out: &mut Vec<Val>) {
        if depth > MAX_DEPTH {
            return;
        }
        for (_, value) in self.call_site_arguments(f, pi, name) {
            let start = out.len();
            self.resolve_into(value, depth, out);
            // Only literal values: an option passed on is already the parameter.
            let mut k = start;
            while k < out.len() {
                if matches!(out[k].kind, ValKind::Opaque(_)) {
                    out.remove(k);
                } else {
                    k += 1;
                }
            }
        }
    }

    /// The calls of `f` in the file (at most 16, not from inside `f` itself: recursion
    /// adds nothing new) with the argument each passes for parameter `pi` (`name`), by
    /// name or by position (a method called on a receiver does not pass `self`).
    pub fn call_site_arguments(&self, f: FuncId, pi: usize, name: &str) -> Vec<(NodeId, NodeId)> {
        let fd = self.ir.func(f);
        if fd.name.is_empty() {
            return Vec::new();
        }
        let has_self = fd
            .params
            .first()
            .is_some_and(|p| matches!(p.name.as_str(), "self" | "cls"));
        let mut out = Vec::new();
        for &c in self.calls_named(&fd.name).iter().take(16) {
            let NodeKind::Call { callee, args, .. } = &self.ir.node(c).kind else {
                continue;
            };
            if self.ir.func_within(self.ir.func_of(c), f) {
                continue;
            }
            let pos = if has_self && callee.contains('.') {
                pi.checked_sub(1)
            } else {
                Some(pi)
            };
            let arg = args
                .iter()
                .find(|a| a.name.as_deref() == Some(name))
                .or_else(|| {
                    pos.and_then(|p| args.get(p))
                        .filter(|a| a.name.is_none() && !a.splat)
                });
            if let Some(a) = arg {
                out.push((c, a.value));
            }
        }
        out
    }

    /// The statements a value passed through, from where it is written to `sink`.
    pub fn path_stmts(&self, v: &Val, sink: StmtId) -> Vec<StmtId> {
        let mut s = vec![v.stmt];
        s.extend(v.hops.iter().copied());
        s.push(sink);
        s
    }

    /// Whether the value was chosen by a `case` of a switch, or normalized under a
    /// comparison of the variable it is assigned to: a mapping, not a setting.
    pub fn is_mapped(&self, v: &Val, sink: StmtId) -> bool {
        let sink_guard = self.ir.stmt(sink).guard;
        let mut stmts = vec![v.stmt];
        stmts.extend(v.hops.iter().copied());
        for sid in stmts {
            if sid == sink {
                continue;
            }
            let mut g = self.ir.stmt(sid).guard;
            for _ in 0..64 {
                if g == 0 {
                    break;
                }
                let guard = self.ir.guard(g);
                // A `case` arm that chose the value, when the sink is outside the arm
                // (`case X: min = TLS1_VERSION; break; } set_min(ctx, min)`). A sink in
                // the arm itself is a setting made in that case.
                if let GuardKind::Case { labels } = &guard.kind {
                    if !labels.is_empty() && !self.ir.guard_encloses(g, sink_guard) {
                        return true;
                    }
                }
                g = guard.parent;
            }
        }
        // `if (v <= X) v = Y;`: a value normalized after a comparison of the same variable
        // (the value written in that assignment, or passed through it).
        for &sid in std::iter::once(&v.stmt).chain(&v.hops) {
            let s = self.ir.stmt(sid);
            let StmtKind::Assign { target, .. } = &s.kind else {
                continue;
            };
            let Some(tname) = self.ir.name(*target) else {
                continue;
            };
            let g = self.ir.guard(s.guard);
            if let (GuardKind::If, Some(c)) = (&g.kind, g.cond) {
                if let NodeKind::Bin {
                    op: BinOp::Compare,
                    l,
                    r,
                } = &self.ir.node(c).kind
                {
                    if self.ir.name(*l) == Some(tname) || self.ir.name(*r) == Some(tname) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// The option that gates the value (DETECTION.md, "Who asked for it?"): a condition
    /// around the value, the assignments it passed through or the sink that mentions a
    /// bypass option, or the value itself when it is such an option.
    pub fn gate(&self, v: &Val, sink: StmtId) -> Option<String> {
        if let ValKind::Opaque(name) = &v.kind {
            if self.cfg.is_gate(name) {
                return Some(name.clone());
            }
        }
        for &c in &v.conds {
            if let Some(g) = self.gate_in(c) {
                return Some(g);
            }
        }
        for sid in self.path_stmts(v, sink) {
            let mut g = self.ir.stmt(sid).guard;
            for _ in 0..64 {
                if g == 0 {
                    break;
                }
                let guard = self.ir.guard(g);
                if let Some(name) = self.gate_of_guard(guard) {
                    return Some(name);
                }
                g = guard.parent;
            }
        }
        None
    }

    /// The option that gates statement `stmt` (its guards), or a node through the
    /// conditional expressions it sits in (`None if verify else {...}`).
    pub fn gate_at(&self, stmt: StmtId, node: Option<NodeId>) -> Option<String> {
        if let Some(mut n) = node {
            for _ in 0..64 {
                let Some(p) = self.ir.node(n).parent else {
                    break;
                };
                if let NodeKind::Cond { cond, then, els } = &self.ir.node(p).kind {
                    if (*then == n || *els == n) && self.gate_in(*cond).is_some() {
                        return self.gate_in(*cond);
                    }
                }
                n = p;
            }
        }
        let mut g = self.ir.stmt(stmt).guard;
        for _ in 0..64 {
            if g == 0 {
                break;
            }
            let guard = self.ir.guard(g);
            if let Some(name) = self.gate_of_guard(guard) {
                return Some(name);
            }
            g = guard.parent;
        }
        None
    }

    fn gate_in(&self, cond: NodeId) -> Option<String> {
        self.gate_named_in(cond, true)
    }

    fn gate_named_in(&self, cond: NodeId, strings: bool) -> Option<String> {
        let mut names = Vec::new();
        self.ir.names_in_with(cond, strings, &mut names);
        names
            .into_iter()
            .map(|(n, _)| n)
            .find(|n| self.cfg.is_gate(n))
    }

    /// The option a guard tests. On the `else` side, a string the condition compares is
    /// not the option that was chosen (`if (!strcmp(p, "min_version")) ... else if
    /// (!strcmp(p, "auth_mode"))`: the second branch is not `min_version`'s); a
    /// variable still is (`if (verify) ... else ...` is `verify`'s either way).
    fn gate_of_guard(&self, guard: &super::Guard) -> Option<String> {
        self.gate_named_in(guard.cond?, !guard.negated)
    }

    /// Statements of the file in the function `f` (not nested functions).
    pub fn stmts_of(&self, f: FuncId) -> impl Iterator<Item = (StmtId, &'a super::Stmt)> + '_ {
        self.ir
            .stmts
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.func == f)
            .map(|(i, s)| (u32::try_from(i).unwrap_or(u32::MAX), s))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Lang, lower::lower};
    use super::*;

    fn cfg() -> FlowConfig {
        FlowConfig {
            transparent_calls: vec!["uint16".into()],
            wrapper_types: vec!["BoolValue.Value".into()],
            gate_words: vec!["insecure".into(), "verify".into()],
            compared_words: vec!["expected".into()],
            ..FlowConfig::default()
        }
    }

    fn values_at_call(src: &str, lang: Lang, callee: &str, arg: usize) -> Vec<Val> {
        let ir = lower(lang, src).expect("parses");
        let c = cfg();
        let is_const = |n: &str| {
            n.starts_with("tls.") || n.chars().all(|c| c.is_ascii_uppercase() || c == '_')
        };
        let flow = Flow::new(&ir, &c, &is_const);
        let call = ir
            .nodes
            .iter()
            .find_map(|n| match &n.kind {
                NodeKind::Call {
                    callee: c, args, ..
                } if c == callee => Some(args[arg].value),
                _ => None,
            })
            .expect("call");
        flow.resolve(call)
    }

    #[test]
    fn flags_accumulate_through_a_variable() {
        let src =
            "void f(HINTERNET h) {\n  DWORD f = A;\n  f |= B;\n  f &= ~A;\n  Set(h, X, &f);\n}\n";
        let vals = values_at_call(src, Lang::C, "Set", 2);
        let names: Vec<_> = vals.iter().map(|v| v.kind.clone()).collect();
        assert_eq!(names, vec![ValKind::Const("B".into())]);
    }

    #[test]
    fn unconditional_assignment_ends_the_walk() {
        let src = "void f(void) {\n  long v = A;\n  v = B;\n  Set(h, v);\n}\n";
        let vals = values_at_call(src, Lang::C, "Set", 1);
        assert_eq!(vals.len(), 1);
        assert_eq!(vals[0].kind, ValKind::Const("B".into()));
    }

    #[test]
    fn branches_add_values() {
        let src = "void f(int c) {\n  long v = A;\n  if (c) v = B;\n  Set(h, v);\n}\n";
        let vals = values_at_call(src, Lang::C, "Set", 1);
        assert_eq!(vals.len(), 2);
    }

    #[test]
    fn parameters_carry_defaults_and_call_sites() {
        let src = "def fetch(url, verify=False):\n    return get(url, verify=verify)\n\nfetch('u', verify=None)\n";
        let ir = lower(Lang::Python, src).expect("parses");
        let c = cfg();
        let is_const = |_: &str| false;
        let flow = Flow::new(&ir, &c, &is_const);
        let v = ir
            .nodes
            .iter()
            .find_map(|n| match &n.kind {
                NodeKind::Call { callee, args, .. } if callee == "get" => Some(args[1].value),
                _ => None,
            })
            .expect("call");
        let kinds: Vec<_> = flow
            .resolve(v)
            .into_iter()
            .map(|v| (v.kind, v.default))
            .collect();
        assert!(kinds.contains(&(ValKind::Opaque("verify".into()), false)));
        assert!(kinds.contains(&(ValKind::Bool(false), true)));
        assert!(kinds.contains(&(ValKind::Null, false)));
    }

    #[test]
    fn switch_cases_are_mappings() {
        let src = "void f(int v) {\n  long m;\n  switch (v) {\n  case A: m = TLS1_VERSION; break;\n  }\n  Set(c, m);\n}\n";
        let ir = lower(Lang::C, src).expect("parses");
        let c = cfg();
        let is_const = |n: &str| n.contains("VERSION");
        let flow = Flow::new(&ir, &c, &is_const);
        let (call, stmt) = ir
            .nodes
            .iter()
            .find_map(|n| match &n.kind {
                NodeKind::Call { callee, args, .. } if callee == "Set" => {
                    Some((args[1].value, n.stmt))
                }
                _ => None,
            })
            .expect("call");
        let vals = flow.resolve(call);
        assert_eq!(vals.len(), 1);
        assert!(flow.is_mapped(&vals[0], stmt));
    }

    #[test]
    fn gates_come_from_conditions_and_options() {
        let src = "func f(o *Opts) {\n\tc := &tls.Config{}\n\tif o.Insecure {\n\t\tc.InsecureSkipVerify = true\n\t}\n\tuse(c)\n}\n";
        let ir = lower(Lang::Go, src).expect("parses");
        let c = cfg();
        let is_const = |_: &str| false;
        let flow = Flow::new(&ir, &c, &is_const);
        let (sid, value) = ir
            .stmts
            .iter()
            .enumerate()
            .find_map(|(i, s)| match &s.kind {
                StmtKind::Assign { target, value, .. }
                    if ir.name(*target) == Some("c.InsecureSkipVerify") =>
                {
                    Some((u32::try_from(i).unwrap_or(0), *value))
                }
                _ => None,
            })
            .expect("assignment");
        let vals = flow.resolve(value);
        assert_eq!(flow.gate(&vals[0], sid).as_deref(), Some("o.Insecure"));
    }

    #[test]
    fn wrappers_are_transparent() {
        let src = "package x\nfunc f() {\n\ts := Settings{Skip: &BoolValue{Value: true}, Min: uint16(tls.VersionTLS10)}\n\tuse(s)\n}\n";
        let ir = lower(Lang::Go, src).expect("parses");
        let c = cfg();
        let is_const = |n: &str| n.starts_with("tls.");
        let flow = Flow::new(&ir, &c, &is_const);
        let obj = ir
            .nodes
            .iter()
            .find_map(|n| match &n.kind {
                NodeKind::Object {
                    ty: Some(t),
                    fields,
                    ..
                } if t == "Settings" => Some(fields.clone()),
                _ => None,
            })
            .expect("object");
        let a = flow.resolve(obj[0].value);
        let b = flow.resolve(obj[1].value);
        assert_eq!(a[0].kind, ValKind::Bool(true));
        assert_eq!(b[0].kind, ValKind::Const("tls.VersionTLS10".into()));
    }
}
