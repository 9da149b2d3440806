//! The PowerShell analyzer: scripts, modules, DSC configurations, and PowerShell embedded
//! in batch files and CI pipelines.
//!
//! Works on the [`lexer`] token stream with bracket matching and a light statement
//! splitter (newlines and `;`, with the continuations PowerShell allows). Variables that
//! hold paths, arrays, hashtables and registry keys are tracked in order, with loop
//! variables bound to the values they iterate over, so that
//! `$p = Join-Path $schannel "$proto\$side"` followed by `Set-ItemProperty -Path $p ...`
//! produces a registry write for each possible key. Splatted hashtables become named
//! parameters at the line of each entry. What is recognized:
//!
//! * registry writes: `Set-ItemProperty`, `New-ItemProperty`, `Set-Item`, `HKLM:\`,
//!   `Registry::HKEY_...`, `[Microsoft.Win32.Registry]::SetValue`, `RegistryKey.SetValue`,
//!   DSC `Registry`/`xRegistry`/`RegistryPolicyFile` resources (`Ensure = 'Absent'` is not
//!   a write), and the SChannelDsc resources as the writes they perform ([`schannel_dsc`]);
//! * .NET settings: enum members of the flag tables (`[Net.SecurityProtocolType]::Tls11`),
//!   values assigned to typed members (`SecurityProtocol = 'Tls11,Tls12'` or `768`),
//!   `CheckCertificateRevocationList = $false`, trust-all callbacks (`{ $true }`), the
//!   `DangerousAcceptAnyServerCertificateValidator`, and a trust-all `ICertificatePolicy`
//!   compiled with `Add-Type` and installed as `CertificatePolicy` (reported on the install
//!   line);
//! * every cmdlet and native command via the shared [`command`](super::command) semantics
//!   (`-SkipCertificateCheck`, `New-PSSessionOption -SkipCACheck`, `bitsadmin`, `git -c`);
//! * `$env:NAME = ...` and AppContext switches written as strings.
//!
//! Comments, help blocks, `param()` declarations, `enum`/`class` bodies and the text of
//! output commands (`Write-Host`, `Write-Warning`, ...) never produce findings.

pub mod lexer;
mod schannel_dsc;

use super::Ctx;
use super::command::{Arg, MAX_DEPTH, Shell, command_facts, env_setting};
use super::dotnet::{appcontext_switches, trust_all_policies};
use super::embed::Embedded;
use crate::diagnostic::{Category, Span};
use crate::facts::{ConstructFact, Fact, FlagFact, SettingFact};
use crate::rules::registry::RegistryWrite;
use crate::rules::tables::parse_int;
use crate::rules::value::Value;
use lexer::{Kind, Token};
use std::collections::{HashMap, HashSet};

/// Most alternatives kept for one value.
const MAX_ALTS: usize = 32;

/// A statically known value.
#[derive(Debug, Clone)]
enum Val {
    /// Possible strings.
    Strs(Vec<String>),
    /// A hashtable (for splatting).
    Hash(Vec<Entry>),
    /// A registry key object (`CreateSubKey`), by possible paths.
    Key(Vec<String>),
    /// A script block: the index of its `{`.
    Block(usize),
    /// A value not known, with these bits OR-ed in (`$p -bor 0x80` where `$p` was read
    /// from the registry): each alternative's bits are certainly set.
    Added(Vec<u64>),
    /// Not known.
    Unknown,
}

#[derive(Debug, Clone)]
struct Entry {
    key: String,
    val: Val,
    /// Span of the value expression.
    span: Span,
    /// The bypass option of the `if` that set this entry (`if (-not $ValidateCerts) {
    /// $params.SkipCertificateCheck = $true }`), carried to where the table is splatted.
    gate: Option<String>,
}

impl Val {
    fn strs(&self) -> Option<&[String]> {
        match self {
            Val::Strs(v) => Some(v),
            _ => None,
        }
    }

    fn first(&self) -> Option<&str> {
        self.strs().and_then(|v| v.first()).map(String::as_str)
    }

    fn to_values(&self) -> Vec<Value> {
        match self {
            Val::Strs(v) if !v.is_empty() => v.iter().map(|s| Value::Str(s.clone())).collect(),
            _ => vec![Value::Unknown],
        }
    }
}

/// Integers as PowerShell hex literals.
fn ints_val(v: impl Iterator<Item = u64>) -> Val {
    Val::Strs(v.map(|x| format!("0x{x:X}")).collect())
}

fn product(a: &[String], b: &[String], sep: &str) -> Vec<String> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            if out.len() >= MAX_ALTS {
                return out;
            }
            if sep.is_empty() {
                out.push(format!("{x}{y}"));
            } else {
                out.push(format!(
                    "{}{sep}{}",
                    x.trim_end_matches(['\\', '/']),
                    y.trim_start_matches(['\\', '/'])
                ));
            }
        }
    }
    out
}

/// Members that take a certificate-validation callback.
const CALLBACK_MEMBERS: &[&str] = &[
    "servercertificatevalidationcallback",
    "servercertificatecustomvalidationcallback",
    "remotecertificatevalidationcallback",
    "usercertificatevalidationcallback",
];

/// Switch parameters (no value) of common cmdlets, for parameter binding.
const SWITCHES: &[&str] = &[
    "force",
    "confirm",
    "whatif",
    "passthru",
    "verbose",
    "debug",
    "usetransaction",
    "recurse",
    "skipcertificatecheck",
    "usebasicparsing",
    "usessl",
    "skipcacheck",
    "skipcncheck",
    "skiprevocationcheck",
    "nonewline",
    "raw",
    "asjob",
    "noprofile",
    "wait",
    "append",
];

fn is_output_command(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("write-")
        || n == "echo"
        || n.starts_with("out-host")
        || n.contains("log")
        || n == "throw"
        || n == "out-default"
}

/// Named parameters (name -> token range of the value) and positional arguments.
type Bound = (HashMap<String, (usize, usize)>, Vec<(usize, usize)>);

struct Ps<'a, 'f> {
    source: &'a str,
    toks: &'a [Token<'a>],
    /// The matching bracket of each bracket token (`NO_PAIR` for none).
    pair: Vec<u32>,
    vars: HashMap<String, Val>,
    policies: HashSet<String>,
    /// `{` groups already analyzed with bindings (ForEach-Object bodies).
    handled: HashSet<usize>,
    /// A registry key piped into the current command (`New-Item $k | New-ItemProperty`).
    piped_key: Option<Val>,
    /// The pipeline element before the current command (`'x' | Add-Content FILE`).
    piped_from: Option<(usize, usize)>,
    /// Flag facts held by variables until the variable is used to set something.
    pending: HashMap<String, Vec<Fact>>,
    /// Where each variable's current value was written (`$p = $p -bor 0x80`, or the
    /// argument a call site bound to a function parameter): a setting made with the
    /// variable is reported there (DETECTION.md, "Which line").
    var_spans: HashMap<String, Span>,
    /// Functions of the file by lower-case name: analyzed again for each call site with
    /// the parameters bound to the call's arguments.
    funcs: HashMap<String, FuncDef>,
    /// Functions being analyzed for a call (no recursion).
    active: Vec<String>,
    /// Call sites analyzed so far (bounded).
    calls: usize,
    /// Tokens analyzed again for call sites so far (bounded).
    reanalyzed: usize,
    /// Bypass options of the enclosing gated `if` branches.
    gates: Vec<String>,
    /// Inside `return ...` or an output-only statement: a constant there is a function's
    /// result (a mapping from a name to a protocol), not a setting.
    returning: bool,
    /// Current nesting of blocks and sub-pipelines.
    nest: usize,
    depth: u8,
    ctx: &'a Ctx<'a>,
    facts: &'f mut Vec<Fact>,
}

/// Deepest nesting of script blocks and sub-pipelines followed.
const MAX_NEST: usize = 128;

/// Most call sites of the file's own functions analyzed with their arguments bound.
const MAX_CALLS: usize = 256;

/// A function of the file: its body and its parameters in declaration order.
#[derive(Debug, Clone)]
struct FuncDef {
    /// Index of the body's `{`.
    open: usize,
    /// Index of the body's `}`.
    close: usize,
    /// Lower-case parameter names (without `$`).
    params: Vec<String>,
}

fn var_key(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    for p in ["script:", "global:", "local:", "private:", "using:"] {
        if let Some(r) = lower.strip_prefix(p) {
            return r.to_string();
        }
    }
    lower
}

impl<'a> Ps<'a, '_> {
    /// The token that closes (or opens) the bracket at `i`.
    fn pair_of(&self, i: usize) -> Option<usize> {
        self.pair
            .get(i)
            .filter(|&&p| p != NO_PAIR)
            .map(|&p| p as usize)
    }

    fn tok(&self, i: usize) -> Option<&'a Token<'a>> {
        self.toks.get(i)
    }

    fn is_op(&self, i: usize, op: &str) -> bool {
        self.tok(i)
            .is_some_and(|t| t.kind == Kind::Op && t.text == op)
    }

    fn is_open(&self, i: usize, o: &str) -> bool {
        self.tok(i)
            .is_some_and(|t| t.kind == Kind::Open && t.text == o)
    }

    fn word_is(&self, i: usize, w: &str) -> bool {
        self.tok(i)
            .is_some_and(|t| t.kind == Kind::Word && t.text.eq_ignore_ascii_case(w))
    }

    /// Index after the token or group starting at `i`.
    fn after(&self, i: usize) -> usize {
        match self.toks.get(i) {
            Some(t) if t.kind == Kind::Open => self.pair_of(i).map_or(i + 1, |p| p + 1),
            _ => i + 1,
        }
    }

    fn span_of(&self, a: usize, b: usize) -> Span {
        if a >= b || a >= self.toks.len() {
            return self.toks.get(a).map_or(Span::default(), |t| t.span());
        }
        let last = (b - 1).min(self.toks.len() - 1);
        self.toks[a].span().cover(self.toks[last].span())
    }

    /// Skips newlines in `[a, b)`.
    fn trim(&self, mut a: usize, mut b: usize) -> (usize, usize) {
        while a < b && self.toks[a].kind == Kind::Newline {
            a += 1;
        }
        while b > a && self.toks[b - 1].kind == Kind::Newline {
            b -= 1;
        }
        (a, b)
    }

    fn prev_significant(&self, a: usize, i: usize) -> Option<&'a Token<'a>> {
        let mut j = i;
        while j > a {
            j -= 1;
            if self.toks[j].kind != Kind::Newline {
                return Some(&self.toks[j]);
            }
        }
        None
    }

    fn next_significant(&self, i: usize, b: usize) -> Option<&'a Token<'a>> {
        (i..b)
            .map(|j| &self.toks[j])
            .find(|t| t.kind != Kind::Newline)
    }

    /// Whether a newline at `i` continues the statement started at `a`.
    fn continues(&self, a: usize, i: usize, b: usize) -> bool {
        if let Some(p) = self.prev_significant(a, i) {
            if p.kind == Kind::Op
                && (matches!(p.text, "|" | "=" | "+=" | "-=" | "," | "+" | "&&" | "||")
                    || p.text.starts_with('-'))
            {
                return true;
            }
        }
        if let Some(n) = self.next_significant(i + 1, b) {
            if n.kind == Kind::Word
                && ["else", "elseif", "catch", "finally", "until", "while"]
                    .iter()
                    .any(|w| n.text.eq_ignore_ascii_case(w))
            {
                return self
                    .prev_significant(a, i)
                    .is_some_and(|p| p.kind == Kind::Close && p.text == "}");
            }
            if n.kind == Kind::Op && n.text == "|" {
                return true;
            }
            // `if (...)`, `function f`, `Registry Name` with the brace on the next line
            // (but not a script block that starts a statement after a `}`).
            if n.kind == Kind::Open && n.text == "{" {
                return !self
                    .prev_significant(a, i)
                    .is_some_and(|p| p.kind == Kind::Close && p.text == "}");
            }
        }
        false
    }

    fn statements(&self, a: usize, b: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut s = a;
        let mut i = a;
        while i < b {
            let t = &self.toks[i];
            match t.kind {
                Kind::Open => {
                    i = self.after(i).min(b);
                    continue;
                }
                Kind::Newline if self.continues(s, i, b) => {}
                Kind::Newline => {
                    if s < i {
                        out.push((s, i));
                    }
                    s = i + 1;
                }
                Kind::Op if t.text == ";" => {
                    if s < i {
                        out.push((s, i));
                    }
                    s = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        if s < b {
            out.push((s, b));
        }
        out
    }

    fn block(&mut self, a: usize, b: usize) {
        // Nesting is bounded so that no input can overflow the stack (no real script
        // nests script blocks this deep).
        if self.nest >= MAX_NEST {
            return;
        }
        self.nest += 1;
        self.block_inner(a, b);
        self.nest -= 1;
    }

    fn block_inner(&mut self, a: usize, b: usize) {
        for (s, e) in self.statements(a, b) {
            if crate::budget::exceeded() {
                return;
            }
            let (s, e) = self.trim(s, e);
            if s < e {
                self.statement(s, e);
            }
        }
    }

    /// Analyzes every `{ }` group in `[a, b)` as a script block (not those inside another).
    fn recurse_blocks(&mut self, a: usize, b: usize) {
        let mut i = a;
        while i < b {
            if self.is_open(i, "{") {
                // An unclosed `{` is not a block (and recursing to the end of the file
                // for each one would be quadratic).
                let Some(end) = self.pair_of(i) else {
                    i += 1;
                    continue;
                };
                let end = end.min(b);
                if !self.handled.contains(&i) {
                    self.block(i + 1, end);
                }
                i = end + 1;
                continue;
            }
            i += 1;
        }
    }

    fn statement(&mut self, a: usize, b: usize) {
        let t = &self.toks[a];
        if t.kind == Kind::Word {
            let kw = t.text.to_ascii_lowercase();
            match kw.as_str() {
                "param" | "class" | "enum" | "using" | "#requires" => return,
                "foreach" if self.is_open(a + 1, "(") => {
                    self.foreach(a, b);
                    return;
                }
                "if" => {
                    self.if_chain(a, b);
                    return;
                }
                "elseif" | "else" | "while" | "until" | "switch" | "do" | "try" | "catch"
                | "finally" | "for" | "foreach" | "trap" | "begin" | "process" | "end"
                | "dynamicparam" | "clean" | "function" | "filter" | "workflow"
                | "configuration" | "node" | "parallel" | "sequence" | "inlinescript" | "data" => {
                    let start = self.facts.len();
                    self.scan(a, b, false);
                    self.recurse_blocks(a, b);
                    // `if (-not $ValidateCerts) { ... }`: what the branches set is an
                    // opt-in of that option (DETECTION.md, "Who asked for it?").
                    if matches!(kw.as_str(), "while" | "switch") {
                        if let Some(gate) = self.condition_gate(a, b) {
                            self.gate_facts(start, &gate);
                        }
                    }
                    return;
                }
                "return" => {
                    // A returned constant is the function's result (`switch ($Name) {
                    // 'archive' { return [Net.SecurityProtocolType]::Tls } }` maps a name to a
                    // protocol); the caller's assignment is the setting.
                    if a + 1 < b {
                        let saved = std::mem::replace(&mut self.returning, true);
                        self.statement(a + 1, b);
                        self.returning = saved;
                    }
                    return;
                }
                "exit" | "break" | "continue" => {
                    if a + 1 < b {
                        self.statement(a + 1, b);
                    }
                    return;
                }
                "throw" => {
                    self.scan(a, b, true);
                    self.recurse_blocks(a, b);
                    return;
                }
                _ => {}
            }
            // DSC resource: `Registry Name { ... }` (the brace may be on the next line). Pester
            // blocks (`Describe "x" { }`, `It "y" { }`) and cmdlets (`Verb-Noun`) look the
            // same but hold script blocks.
            let pester = [
                "describe",
                "context",
                "it",
                "beforeall",
                "beforeeach",
                "afterall",
                "aftereach",
                "beforediscovery",
                "inmodulescope",
                "mock",
            ]
            .contains(&kw.as_str())
                || kw.contains('-');
            let brace = (a + 2..b).find(|&j| self.toks[j].kind != Kind::Newline);
            if let Some(open) = brace.filter(|_| !pester) {
                if matches!(self.toks[a + 1].kind, Kind::Word | Kind::Str | Kind::Var)
                    && self.is_open(open, "{")
                {
                    self.dsc_resource(a, open, b);
                    return;
                }
            }
        }
        if let Some(k) = self.assignment_op(a, b) {
            self.assignment(a, k, b);
            return;
        }
        // A statement that only outputs a constant (`'archive' { [Net.SecurityProtocolType]::Tls }`
        // in a switch, the last line of a function) is a result, not a setting.
        if self.toks[a].kind == Kind::Type
            && self.is_op(a + 1, "::")
            && self.tok(a + 2).is_some_and(|t| t.kind == Kind::Word)
            && !self.is_open(a + 3, "(")
            && !(a + 3..b).any(|k| self.is_op(k, "|"))
        {
            let saved = std::mem::replace(&mut self.returning, true);
            self.pipeline(a, b);
            self.returning = saved;
            return;
        }
        self.pipeline(a, b);
    }

    /// The index of a top-level assignment operator, when `[a, k)` is an assignable target.
    fn assignment_op(&self, a: usize, b: usize) -> Option<usize> {
        let mut i = a;
        while i < b {
            let t = &self.toks[i];
            if t.kind == Kind::Op && matches!(t.text, "=" | "+=" | "-=" | "*=" | "/=") {
                let first = &self.toks[a];
                let target_ok = matches!(first.kind, Kind::Var | Kind::Type) && i > a;
                return target_ok.then_some(i);
            }
            if t.kind == Kind::Word && i == a {
                return None; // a command
            }
            if t.kind == Kind::Op && t.text == "|" {
                return None;
            }
            i = self.after(i);
        }
        None
    }

    fn assignment(&mut self, a: usize, k: usize, b: usize) {
        let (ra, rb) = self.trim(k + 1, b);
        // Target: [cast] $var (.member | [index])*  or  [Type]::Member(.member)*
        let mut i = a;
        while self.toks[i].kind == Kind::Type && i + 1 < k && self.toks[i + 1].kind == Kind::Var {
            i += 1;
        }
        let base = &self.toks[i];
        let mut members: Vec<(String, Span)> = Vec::new();
        let mut index: Option<(usize, usize)> = None;
        let mut j = i + 1;
        while j < k {
            if (self.is_op(j, ".") || self.is_op(j, "::"))
                && self.tok(j + 1).is_some_and(|t| t.kind == Kind::Word)
            {
                members.push((self.toks[j + 1].text.to_string(), self.toks[j + 1].span()));
                j += 2;
            } else if self.is_open(j, "[") {
                index = Some((j + 1, self.pair_of(j).unwrap_or(k)));
                j = self.after(j);
            } else {
                j += 1;
            }
        }
        let rhs_val = self.eval(ra, rb);
        let rhs_span = self.value_span(ra, rb);
        let gate = self.gates.last().cloned();
        if base.kind == Kind::Var && members.is_empty() {
            let name = var_key(base.text);
            match index {
                None => {
                    if name.starts_with("env:") {
                        // The name as written (`$env:NODE_TLS_REJECT_UNAUTHORIZED`), for
                        // the message; the prefix is ASCII, so its length is the same.
                        let env = base
                            .text
                            .get(base.text.len().saturating_sub(name.len()) + 4..)
                            .or_else(|| name.get(4..))
                            .unwrap_or_default();
                        // Assigning an empty string (or $null) removes the variable.
                        for v in rhs_val.to_values() {
                            if v != Value::Str(String::new()) {
                                env_setting(env, v, rhs_span, self.facts);
                            }
                        }
                    } else {
                        self.var_spans.insert(name.clone(), rhs_span);
                        self.vars.insert(name, rhs_val.clone());
                    }
                }
                Some((ia, ib)) => {
                    let key = self.eval(ia, ib).first().map(str::to_string);
                    if let Some(key) = key {
                        if name == "psdefaultparametervalues" {
                            self.default_parameter(&key, &rhs_val, rhs_span);
                        } else if let Some(Val::Hash(entries)) = self.vars.get_mut(&name) {
                            entries.push(Entry {
                                key,
                                val: rhs_val.clone(),
                                span: rhs_span,
                                gate: gate.clone(),
                            });
                        }
                    }
                }
            }
        } else if base.kind == Kind::Var
            && members.len() == 1
            && index.is_none()
            && matches!(self.vars.get(&var_key(base.text)), Some(Val::Hash(_)))
        {
            if let Some(Val::Hash(entries)) = self.vars.get_mut(&var_key(base.text)) {
                entries.push(Entry {
                    key: members[0].0.clone(),
                    val: rhs_val.clone(),
                    span: rhs_span,
                    gate,
                });
            }
        } else if let Some((member, _)) = members.last() {
            let member = member.clone();
            self.member_assignment(&member, ra, rb, &rhs_val, rhs_span);
        }
        // The right-hand side may be a command (`$s = New-PSSessionOption -SkipCACheck`).
        if ra < rb
            && (self.toks[ra].kind == Kind::Word || self.is_op(ra, "&"))
            && !self.is_open(ra, "{")
        {
            self.pipeline(ra, rb);
        } else {
            let before = self.facts.len();
            self.scan(a, b, false);
            // Flags stored in a plain variable count where the variable is used to set
            // something, not where it is only used to clear or test (`-bnot $legacy`).
            if base.kind == Kind::Var && members.is_empty() && index.is_none() {
                let name = var_key(base.text);
                if !name.starts_with("env:") {
                    let mut kept = Vec::new();
                    let mut deferred = Vec::new();
                    for f in self.facts.drain(before..) {
                        if matches!(f, Fact::Flags(_)) {
                            deferred.push(f)
                        } else {
                            kept.push(f)
                        }
                    }
                    self.facts.extend(kept);
                    if !deferred.is_empty() {
                        self.pending.insert(name, deferred);
                    }
                }
            }
            self.recurse_blocks(a, b);
        }
    }

    /// `$PSDefaultParameterValues['Invoke-RestMethod:SkipCertificateCheck'] = $true`.
    fn default_parameter(&mut self, key: &str, val: &Val, span: Span) {
        let Some((cmd, param)) = key.rsplit_once(':') else {
            return;
        };
        let value = val.first().map(str::to_string);
        let mut args = vec![
            Arg::plain(cmd, span),
            Arg::plain(&format!("-{param}"), span),
        ];
        if let Some(v) = value {
            args[1].attached = Some((v, span, true));
        }
        command_facts(&args, Shell::PowerShell, self.depth, self.ctx, self.facts);
    }

    fn member_assignment(&mut self, member: &str, ra: usize, rb: usize, rhs: &Val, rhs_span: Span) {
        let lower = member.to_ascii_lowercase();
        if CALLBACK_MEMBERS.contains(&lower.as_str()) {
            // `= [RemoteCertificateValidationCallback] { ... }`: skip delegate casts; a
            // variable holding a block (`$acceptAll = { $true }`) is judged where it is written.
            let mut open = ra;
            while open < rb && self.toks[open].kind == Kind::Type {
                open += 1;
            }
            if let Val::Block(at) = rhs {
                open = *at;
            }
            if self.is_open(open, "{") {
                let end = self.pair_of(open).unwrap_or(rb);
                if self.block_returns_true(open + 1, end) {
                    self.facts.push(Fact::Construct(ConstructFact {
                        name: "trust-all-callback",
                        categories: vec![Category::CertValidation],
                        // The whole script block: `{ $true }`.
                        span: match self.pair_of(open) {
                            Some(close) => self.toks[open].span().cover(self.toks[close].span()),
                            None => self.toks[open].span(),
                        },
                        detail: format!("{member} = {{ $true }}"),
                    }));
                } else if let Some(at) = self.accepts_name_mismatch(open + 1, end) {
                    self.facts.push(Fact::Construct(ConstructFact {
                        name: "trust-all-callback",
                        categories: vec![Category::HostnameValidation],
                        span: self.toks[at].span(),
                        detail: format!("{member} accepts RemoteCertificateNameMismatch"),
                    }));
                }
            }
        }
        if lower == "certificatepolicy" {
            let class = if self.word_is(ra, "New-Object") {
                let mut k = ra + 1;
                if self.tok(k).is_some_and(|t| {
                    t.kind == Kind::Param && t.text.eq_ignore_ascii_case("TypeName")
                }) {
                    k += 1;
                }
                self.tok(k)
                    .map(|t| t.text.trim_matches(['\'', '"']).to_string())
            } else if self.tok(ra).is_some_and(|t| t.kind == Kind::Type)
                && self.is_op(ra + 1, "::")
                && self.word_is(ra + 2, "new")
            {
                self.tok(ra).map(|t| t.text.to_string())
            } else {
                None
            };
            if let Some(c) = class {
                if self.policies.contains(&c.to_ascii_lowercase()) {
                    self.facts.push(Fact::Construct(ConstructFact {
                        name: "trust-all-certificate-policy",
                        categories: vec![Category::CertValidation],
                        span: rhs_span,
                        detail: c,
                    }));
                }
            }
        }
        if let Some(table) = self.ctx.index.table_for_target(self.ctx.tables, member) {
            let tid = table.id.clone();
            // `3072 -bor 768 -bor 192`: numbers OR-ed together are one value, decoded
            // (and fixed) as a whole, not one number at a time.
            let ored = self.ored_numbers(ra, rb);
            if let Some((value, span)) = ored {
                self.facts.push(Fact::Flags(FlagFact {
                    table: tid.clone(),
                    value,
                    name: None,
                    span,
                }));
            }
            // Otherwise each operand: constants, numbers and enum strings.
            let mut i = if ored.is_some() { rb } else { ra };
            let mut cast: Option<String> = None;
            while i < rb {
                let t = &self.toks[i];
                match t.kind {
                    Kind::Op if t.text == "-bnot" || t.text == "-band" => {
                        // A cleared or tested value: skip its operand.
                        i = self.after(i + 1);
                        continue;
                    }
                    Kind::Type => cast = Some(t.text.to_string()),
                    Kind::Num => {
                        if let Some(v) = parse_int(t.text) {
                            self.facts.push(Fact::Flags(FlagFact {
                                table: tid.clone(),
                                value: v,
                                name: None,
                                span: t.span(),
                            }));
                        }
                    }
                    Kind::Str if !t.expandable || !t.text.contains('$') => {
                        let _ = cast.take();
                        for part in t.text.split([',', ' ', '|']).filter(|p| !p.is_empty()) {
                            if let Some(e) = table.member(part) {
                                self.facts.push(Fact::Flags(FlagFact {
                                    table: tid.clone(),
                                    value: e.value,
                                    name: Some(e.names[0].clone()),
                                    span: t.span(),
                                }));
                            } else if let Some(v) = parse_int(part) {
                                self.facts.push(Fact::Flags(FlagFact {
                                    table: tid.clone(),
                                    value: v,
                                    name: None,
                                    span: t.span(),
                                }));
                            }
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        let value = rhs.to_values().into_iter().next().unwrap_or(Value::Unknown);
        self.facts.push(Fact::Setting(SettingFact {
            domain: "dotnet-member",
            key: member.to_string(),
            value,
            span: rhs_span,
        }));
    }

    /// `[a, b)` is two or more integer literals joined by `-bor` (newlines and a leading
    /// cast allowed): their OR and the span from the first to the last.
    fn ored_numbers(&self, a: usize, b: usize) -> Option<(u64, Span)> {
        let mut value = 0u64;
        let mut first: Option<Span> = None;
        let mut last: Option<Span> = None;
        let mut numbers = 0;
        let mut expect_number = true;
        for t in self.toks.get(a..b)? {
            match t.kind {
                Kind::Newline => {}
                Kind::Type if first.is_none() => {}
                Kind::Num if expect_number => {
                    value |= parse_int(t.text)?;
                    first.get_or_insert(t.span());
                    last = Some(t.span());
                    numbers += 1;
                    expect_number = false;
                }
                Kind::Op if !expect_number && t.text.eq_ignore_ascii_case("-bor") => {
                    expect_number = true;
                }
                _ => return None,
            }
        }
        match (first, last) {
            (Some(f), Some(l)) if numbers >= 2 && !expect_number => Some((value, f.cover(l))),
            _ => None,
        }
    }

    /// A script block whose body (after `param(...)`) is only `$true` / `return $true`.
    fn block_returns_true(&self, a: usize, b: usize) -> bool {
        let mut sig: Vec<usize> = Vec::new();
        let mut i = a;
        while i < b {
            let t = &self.toks[i];
            if t.kind == Kind::Word
                && t.text.eq_ignore_ascii_case("param")
                && self.is_open(i + 1, "(")
            {
                i = self.after(i + 1);
                continue;
            }
            if t.kind != Kind::Newline && !(t.kind == Kind::Op && t.text == ";") {
                sig.push(i);
            }
            i += 1;
        }
        let is_true = |j: usize| {
            self.toks[j].kind == Kind::Var && self.toks[j].text.eq_ignore_ascii_case("true")
        };
        match sig.as_slice() {
            [x] => is_true(*x),
            [r, x] => self.word_is(*r, "return") && is_true(*x),
            _ => false,
        }
    }

    /// In a callback body: `RemoteCertificateNameMismatch` compared with `-eq` (or
    /// `-contains`) in an accepting expression.
    fn accepts_name_mismatch(&self, a: usize, b: usize) -> Option<usize> {
        (a..b).find(|&k| {
            let t = &self.toks[k];
            let named = (t.kind == Kind::Word
                && t.text.eq_ignore_ascii_case("RemoteCertificateNameMismatch")
                && k >= a + 2
                && self.is_op(k - 1, "::"))
                || (t.kind == Kind::Str
                    && t.text
                        .trim()
                        .eq_ignore_ascii_case("RemoteCertificateNameMismatch"));
            if !named {
                return false;
            }
            let s = if t.kind == Kind::Word { k - 2 } else { k };
            s > a
                && self.toks[s - 1].kind == Kind::Op
                && matches!(
                    self.toks[s - 1].text,
                    "-eq" | "-ieq" | "-ceq" | "-contains" | "-in"
                )
        })
    }

    fn foreach(&mut self, a: usize, b: usize) {
        let open = a + 1;
        if open >= b {
            return;
        }
        // An unclosed `foreach (` runs to the end of the statement.
        let close = self.pair_of(open).unwrap_or(b).min(b);
        // foreach ($v in EXPR)
        let mut var: Option<String> = None;
        let mut in_at = None;
        for i in open + 1..close {
            if self.toks[i].kind == Kind::Var && var.is_none() {
                var = Some(var_key(self.toks[i].text));
            }
            if self.word_is(i, "in") {
                in_at = Some(i);
                break;
            }
        }
        let vals = in_at.map_or(Val::Unknown, |k| self.eval(k + 1, close));
        let vals = match vals {
            Val::Strs(v) => Val::Strs(v),
            Val::Key(k) => Val::Key(k),
            _ => Val::Unknown,
        };
        // `foreach ($p in $protocols)`: flag constants the list holds go on with the loop
        // variable, and count where it is used, not where the list is iterated.
        let source = in_at
            .filter(|&k| k + 2 == close && self.toks[k + 1].kind == Kind::Var)
            .map(|k| var_key(self.toks[k + 1].text));
        let header_end = if source.is_some() {
            in_at.unwrap_or(close)
        } else {
            (close + 1).min(b)
        };
        self.scan(a, header_end, false);
        if let (Some(src), Some(v)) = (&source, &var) {
            if let Some(facts) = self.pending.get(src).cloned() {
                self.pending.insert(v.clone(), facts);
            }
        }
        let saved = var.as_ref().and_then(|v| self.vars.get(v).cloned());
        if let Some(v) = &var {
            self.vars.insert(v.clone(), vals);
        }
        self.recurse_blocks(close + 1, b);
        if let Some(v) = var {
            match saved {
                Some(s) => self.vars.insert(v, s),
                None => self.vars.remove(&v),
            };
        }
    }

    /// `Registry Name { Key = ...; ValueName = ...; ValueData = ... }` and friends.
    fn dsc_resource(&mut self, a: usize, open: usize, b: usize) {
        let rtype = self.toks[a].text.to_ascii_lowercase();
        let close = self.pair_of(open).unwrap_or(b);
        let entries = self.entries(open + 1, close);
        let get = |k: &str| entries.iter().find(|e| e.key.eq_ignore_ascii_case(k));
        let is_registry = matches!(
            rtype.as_str(),
            "registry" | "xregistry" | "registrypolicyfile" | "cregistry"
        );
        if is_registry {
            let absent = get("Ensure")
                .and_then(|e| e.val.first().map(|s| s.eq_ignore_ascii_case("absent")))
                .unwrap_or(false);
            if let (false, Some(key), Some(name), Some(data)) =
                (absent, get("Key"), get("ValueName"), get("ValueData"))
            {
                let hex = get("Hex")
                    .and_then(|e| {
                        e.val
                            .first()
                            .map(|s| Value::Str(s.to_string()).as_bool() == Some(true))
                    })
                    .unwrap_or(false);
                let ty = get("ValueType")
                    .and_then(|e| e.val.first().map(str::to_ascii_lowercase))
                    .unwrap_or_else(|| "string".into());
                let prefix = if rtype == "registrypolicyfile" {
                    match get("TargetType")
                        .and_then(|e| e.val.first().map(str::to_ascii_lowercase))
                        .as_deref()
                    {
                        Some("userconfiguration") => "HKCU\\",
                        _ => "HKLM\\",
                    }
                } else {
                    ""
                };
                let keys: Vec<String> = key
                    .val
                    .strs()
                    .map(|v| v.iter().map(|k| format!("{prefix}{k}")).collect())
                    .unwrap_or_default();
                let names: Vec<String> =
                    name.val.strs().map(<[String]>::to_vec).unwrap_or_default();
                let values: Vec<Value> = match data.val.strs() {
                    Some(v) if !v.is_empty() => v
                        .iter()
                        .map(|d| {
                            if ty == "dword" || ty == "qword" {
                                let d = d.trim();
                                let n = if hex {
                                    u64::from_str_radix(
                                        d.trim_start_matches("0x").trim_start_matches("0X"),
                                        16,
                                    )
                                    .ok()
                                } else {
                                    parse_int(d)
                                };
                                n.map_or(Value::Unknown, Value::Int)
                            } else {
                                Value::Str(d.clone())
                            }
                        })
                        .collect(),
                    _ => vec![Value::Unknown],
                };
                for k in &keys {
                    for n in &names {
                        for v in &values {
                            self.facts.push(Fact::Registry(RegistryWrite {
                                key: k.clone(),
                                value_name: n.clone(),
                                value: v.clone(),
                                span: data.span,
                                entry: None,
                                added: false,
                            }));
                        }
                    }
                }
            }
        }
        for w in schannel_dsc::writes(&rtype, &entries) {
            self.facts.push(Fact::Registry(w));
        }
        // `It "name" { ... }` (Pester) has the shape of a resource but holds a script:
        // a body with anything other than `Name = value` lines is analyzed as one.
        if !self.is_property_list(open + 1, close) {
            self.block(open + 1, close);
            return;
        }
        self.scan(open + 1, close, false);
        self.recurse_blocks(open + 1, close);
    }

    /// Whether every statement of `[a, b)` is a `Name = value` property (a DSC resource
    /// body), and there is at least one.
    fn is_property_list(&mut self, a: usize, b: usize) -> bool {
        let mut any = false;
        for (s, e) in self.statements(a, b) {
            let (s, e) = self.trim(s, e);
            if s >= e {
                continue;
            }
            let t = &self.toks[s];
            let property = (matches!(t.kind, Kind::Word | Kind::Str) && self.is_op(s + 1, "="))
                || (t.kind == Kind::Word && t.text.contains('='));
            if !property {
                return false;
            }
            any = true;
        }
        any
    }

    /// Entries of a hashtable or DSC resource body: `Key = value` per line or `;`.
    fn entries(&mut self, a: usize, b: usize) -> Vec<Entry> {
        let mut out = Vec::new();
        for (s, e) in self.statements(a, b) {
            let (s, e) = self.trim(s, e);
            if s >= e {
                continue;
            }
            let kt = &self.toks[s];
            if !matches!(kt.kind, Kind::Word | Kind::Str | Kind::Num | Kind::Var) {
                continue;
            }
            if kt.kind == Kind::Word && kt.text.contains('=') && !self.is_op(s + 1, "=") {
                if let Some((k, v)) = kt.text.split_once('=') {
                    out.push(Entry {
                        key: k.to_string(),
                        val: Val::Strs(vec![v.to_string()]),
                        span: kt.span(),
                        gate: self.gates.last().cloned(),
                    });
                }
                continue;
            }
            if !self.is_op(s + 1, "=") {
                continue;
            }
            let key = if kt.kind == Kind::Var {
                self.eval(s, s + 1).first().unwrap_or("").to_string()
            } else {
                kt.text.to_string()
            };
            let (va, vb) = self.trim(s + 2, e);
            let val = self.eval(va, vb);
            // Ansible's PowerShell modules and their tests take module arguments as
            // hashtables (`validate_certs = $false`): the same settings as in YAML.
            if key.to_ascii_lowercase().contains("validate_certs")
                || key.to_ascii_lowercase().contains("cert_validation")
            {
                for v in val.to_values() {
                    self.facts.push(Fact::Setting(SettingFact {
                        domain: "ansible",
                        key: key.clone(),
                        value: v,
                        span: self.span_of(va, vb),
                    }));
                }
            }
            out.push(Entry {
                key,
                val,
                span: self.span_of(va, vb),
                gate: self.gates.last().cloned(),
            });
        }
        out
    }

    /// Evaluates an expression to the values it may have.
    fn eval(&mut self, a: usize, b: usize) -> Val {
        let (a, b) = self.trim(a, b);
        if a >= b {
            return Val::Unknown;
        }
        // Comma lists and `+` concatenation at the top level.
        let mut parts: Vec<(usize, usize)> = Vec::new();
        let mut plus: Vec<(usize, usize)> = Vec::new();
        let mut s = a;
        let mut i = a;
        let mut ps = a;
        while i < b {
            if self.is_op(i, ",") {
                parts.push((s, i));
                s = i + 1;
            } else if self.is_op(i, "+") && s == a {
                plus.push((ps, i));
                ps = i + 1;
            }
            i = self.after(i);
        }
        if !parts.is_empty() {
            parts.push((s, b));
            return self.union(&parts);
        }
        if !plus.is_empty() {
            plus.push((ps, b));
            let mut acc: Vec<String> = vec![String::new()];
            for (x, y) in plus {
                match self.eval(x, y) {
                    Val::Strs(v) => acc = product(&acc, &v, ""),
                    _ => return Val::Unknown,
                }
            }
            return Val::Strs(acc);
        }
        if let Some(v) = self.eval_bits(a, b) {
            return v;
        }
        let t = self.toks[a].clone();
        // A cast applies to what follows.
        if t.kind == Kind::Type && a + 1 < b && !self.is_op(a + 1, "::") {
            return self.eval(a + 1, b);
        }
        if t.kind == Kind::Word && a + 1 < b {
            if let Some(v) = self.eval_command(a, b) {
                return v;
            }
        }
        if let Some(v) = self.eval_key_object(a, b) {
            return v;
        }
        if self.after(a) != b {
            return Val::Unknown;
        }
        match t.kind {
            Kind::Str if t.expandable => self.interpolate(t.content()),
            Kind::Str | Kind::Num | Kind::Word => Val::Strs(vec![t.text.to_string()]),
            Kind::Var => {
                let k = var_key(t.text);
                match k.as_str() {
                    "true" => Val::Strs(vec!["$true".into()]),
                    "false" => Val::Strs(vec!["$false".into()]),
                    "null" => Val::Strs(vec![String::new()]),
                    _ => self.vars.get(&k).cloned().unwrap_or(Val::Unknown),
                }
            }
            Kind::Open => {
                let close = self.pair_of(a).unwrap_or(b);
                match t.text {
                    "(" | "$(" => self.eval(a + 1, close),
                    "@(" => {
                        let elems: Vec<(usize, usize)> =
                            self.statements(a + 1, close).into_iter().collect();
                        self.union(&elems)
                    }
                    "@{" => Val::Hash(self.entries(a + 1, close)),
                    "{" => Val::Block(a),
                    _ => Val::Unknown,
                }
            }
            _ => Val::Unknown,
        }
    }

    /// `$p -bor 0x80`, `0x800 -bor 0x200`, `$p -band (-bnot 0x200)`: numbers combined with
    /// bitwise operators (left to right, as PowerShell does), when every operand is known.
    /// `None` when `[a, b)` is not such an expression.
    fn eval_bits(&mut self, a: usize, b: usize) -> Option<Val> {
        let mut ops = Vec::new();
        let mut i = a;
        while i < b {
            let t = &self.toks[i];
            if t.kind == Kind::Op && matches!(t.text, "-bor" | "-band" | "-bxor") {
                ops.push(i);
            }
            i = self.after(i);
        }
        let negated = ops.is_empty() && self.is_op(a, "-bnot");
        if ops.is_empty() && !negated {
            return None;
        }
        if negated {
            let v = self.eval_ints(a + 1, b);
            return Some(v.map_or(Val::Unknown, |v| {
                ints_val(v.iter().map(|x| !x & 0xFFFF_FFFF))
            }));
        }
        // An unknown base OR-ed with known bits: those bits are set whatever it held.
        let mut added = false;
        let mut acc = match self.eval_ints(a, ops[0]) {
            Some(v) => v,
            None if ops.iter().all(|&o| self.toks[o].text == "-bor") => {
                added = true;
                match self.eval(a, ops[0]) {
                    Val::Added(v) => v,
                    _ => vec![0],
                }
            }
            None => return Some(Val::Unknown),
        };
        for (k, &op) in ops.iter().enumerate() {
            let end = ops.get(k + 1).copied().unwrap_or(b);
            let Some(rhs) = self.eval_ints(op + 1, end) else {
                return Some(Val::Unknown);
            };
            let mut next = Vec::new();
            for &x in &acc {
                for &y in &rhs {
                    if next.len() < MAX_ALTS {
                        next.push(match self.toks[op].text {
                            "-bor" => x | y,
                            "-band" => x & y,
                            _ => x ^ y,
                        });
                    }
                }
            }
            acc = next;
        }
        if added {
            if acc.iter().all(|&x| x != 0) {
                return Some(Val::Added(acc));
            }
            return Some(Val::Unknown);
        }
        Some(ints_val(acc.into_iter()))
    }

    /// The integers `[a, b)` may be.
    fn eval_ints(&mut self, a: usize, b: usize) -> Option<Vec<u64>> {
        match self.eval(a, b) {
            Val::Strs(v) if !v.is_empty() => v.iter().map(|s| parse_int(s.trim())).collect(),
            _ => None,
        }
    }

    fn union(&mut self, parts: &[(usize, usize)]) -> Val {
        let mut all = Vec::new();
        for &(x, y) in parts {
            match self.eval(x, y) {
                Val::Strs(v) => all.extend(v),
                Val::Unknown if x >= y => {}
                _ => return Val::Unknown,
            }
            if all.len() > MAX_ALTS {
                return Val::Unknown;
            }
        }
        Val::Strs(all)
    }

    /// `Join-Path A B` and `New-Object T`.
    fn eval_command(&mut self, a: usize, b: usize) -> Option<Val> {
        let name = self.toks[a].text.to_ascii_lowercase();
        match name.as_str() {
            "join-path" => {
                let (named, positional) = self.bind(a + 1, b);
                let path = named
                    .get("path")
                    .copied()
                    .or_else(|| positional.first().copied())?;
                let child = named.get("childpath").copied().or_else(|| {
                    positional
                        .get(if named.contains_key("path") { 0 } else { 1 })
                        .copied()
                })?;
                let (Val::Strs(p), Val::Strs(c)) =
                    (self.eval(path.0, path.1), self.eval(child.0, child.1))
                else {
                    return Some(Val::Unknown);
                };
                Some(Val::Strs(product(&p, &c, "\\")))
            }
            "new-object" => {
                let mut k = a + 1;
                if self.tok(k).is_some_and(|t| {
                    t.kind == Kind::Param && t.text.eq_ignore_ascii_case("TypeName")
                }) {
                    k += 1;
                }
                Some(
                    self.tok(k)
                        .map_or(Val::Unknown, |t| Val::Strs(vec![t.text.to_string()])),
                )
            }
            _ => None,
        }
    }

    /// `[Microsoft.Win32.Registry]::LocalMachine.CreateSubKey('path')`, `$base.OpenSubKey('path', $true)`,
    /// `[Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', ...)`.
    fn eval_key_object(&mut self, a: usize, b: usize) -> Option<Val> {
        let mut base: Vec<String>;
        let mut i;
        let t = &self.toks[a];
        if t.kind == Kind::Type
            && t.text.to_ascii_lowercase().ends_with("registry")
            && self.is_op(a + 1, "::")
        {
            let hive = self.tok(a + 2)?.text.to_ascii_lowercase();
            let h = match hive.as_str() {
                "localmachine" => "HKLM",
                "currentuser" => "HKCU",
                "users" => "HKU",
                _ => return None,
            };
            base = vec![h.to_string()];
            i = a + 3;
        } else if t.kind == Kind::Type
            && t.text.to_ascii_lowercase().ends_with("registrykey")
            && self.is_op(a + 1, "::")
            && self.word_is(a + 2, "OpenBaseKey")
            && self.is_open(a + 3, "(")
        {
            let close = self.pair_of(a + 3)?;
            let args = self.split_args(a + 4, close);
            // `'LocalMachine'` or `[Microsoft.Win32.RegistryHive]::LocalMachine`.
            let &(x, y) = args.first()?;
            let hive = self.src_slice(self.span_of(x, y)).to_ascii_lowercase();
            let h = if hive.contains("localmachine") {
                "HKLM"
            } else if hive.contains("currentuser") {
                "HKCU"
            } else {
                return None;
            };
            base = vec![h.to_string()];
            i = close + 1;
        } else if t.kind == Kind::Var {
            match self.vars.get(&var_key(t.text)) {
                Some(Val::Key(k)) => base = k.clone(),
                _ => return None,
            }
            i = a + 1;
            if i >= b {
                return Some(Val::Key(base));
            }
        } else {
            return None;
        }
        while i < b {
            if self.is_op(i, ".")
                && (self.word_is(i + 1, "CreateSubKey") || self.word_is(i + 1, "OpenSubKey"))
                && self.is_open(i + 2, "(")
            {
                let close = self.pair_of(i + 2)?;
                let args = self.split_args(i + 3, close);
                let sub = args.first().map(|&(x, y)| self.eval(x, y))?;
                base = product(&base, sub.strs()?, "\\");
                i = close + 1;
            } else {
                return None;
            }
        }
        Some(Val::Key(base))
    }

    /// `"...$var..."`: expands variables whose values are known.
    fn interpolate(&self, content: Span) -> Val {
        let src = self.src_slice(content);
        let b = src.as_bytes();
        let mut acc: Vec<String> = vec![String::new()];
        let mut i = 0;
        let mut lit = String::new();
        let flush = |acc: &mut Vec<String>, lit: &mut String| {
            if !lit.is_empty() {
                for a in acc.iter_mut() {
                    a.push_str(lit);
                }
                lit.clear();
            }
        };
        while i < b.len() {
            match b[i] {
                b'`' => {
                    if let Some(c) = src[i + 1..].chars().next() {
                        lit.push(match c {
                            'n' => '\n',
                            't' => '\t',
                            c => c,
                        });
                        i += 1 + c.len_utf8();
                    } else {
                        i += 1;
                    }
                }
                b'"' if b.get(i + 1) == Some(&b'"') => {
                    lit.push('"');
                    i += 2;
                }
                b'$' if b.get(i + 1) == Some(&b'(') => return Val::Unknown,
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    let Some(end) = src[i + 2..].find('}') else {
                        return Val::Unknown;
                    };
                    let name = &src[i + 2..i + 2 + end];
                    let Some(Val::Strs(v)) = self.vars.get(&var_key(name)) else {
                        return Val::Unknown;
                    };
                    flush(&mut acc, &mut lit);
                    acc = product(&acc, v, "");
                    i += end + 3;
                }
                b'$' if b
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') =>
                {
                    let mut j = i + 1;
                    while j < b.len()
                        && (b[j].is_ascii_alphanumeric()
                            || b[j] == b'_'
                            || (b[j] == b':'
                                && b.get(j + 1).is_some_and(|c| c.is_ascii_alphanumeric())))
                    {
                        j += 1;
                    }
                    let name = &src[i + 1..j];
                    let val = match var_key(name).as_str() {
                        "true" => Some(vec!["True".to_string()]),
                        "false" => Some(vec!["False".to_string()]),
                        k => match self.vars.get(k) {
                            Some(Val::Strs(v)) => Some(v.clone()),
                            _ => None,
                        },
                    };
                    let Some(v) = val else { return Val::Unknown };
                    flush(&mut acc, &mut lit);
                    acc = product(&acc, &v, "");
                    i = j;
                }
                _ => {
                    let c = src[i..].chars().next().unwrap_or(' ');
                    lit.push(c);
                    i += c.len_utf8();
                }
            }
        }
        flush(&mut acc, &mut lit);
        Val::Strs(acc)
    }

    fn src_slice(&self, s: Span) -> &str {
        self.source.get(s.start..s.end).unwrap_or("")
    }

    /// Splits `[a, b)` at top-level commas (method arguments).
    /// Where the value of `[a, b)` was written: a lone variable's assignment (or the
    /// call-site argument bound to it), otherwise the expression itself.
    fn value_span(&self, a: usize, b: usize) -> Span {
        if b == a + 1 && self.toks[a].kind == Kind::Var {
            if let Some(&s) = self.var_spans.get(&var_key(self.toks[a].text)) {
                return s;
            }
        }
        self.span_of(a, b)
    }

    /// The file's functions: `function Name { param(...) ... }` and `function Name($a, $b) { }`.
    fn functions(&self) -> HashMap<String, FuncDef> {
        let mut out = HashMap::new();
        let n = self.toks.len();
        let mut i = 0;
        while i + 2 < n {
            let t = &self.toks[i];
            if !(t.kind == Kind::Word
                && (t.text.eq_ignore_ascii_case("function")
                    || t.text.eq_ignore_ascii_case("filter"))
                && self.toks[i + 1].kind == Kind::Word)
            {
                i += 1;
                continue;
            }
            let name = self.toks[i + 1].text.to_ascii_lowercase();
            let mut j = i + 2;
            let mut params = Vec::new();
            if self.is_open(j, "(") {
                let close = self.pair_of(j).unwrap_or(j);
                params = self.param_names(j + 1, close);
                j = close + 1;
            }
            while j < n && self.toks[j].kind == Kind::Newline {
                j += 1;
            }
            let Some(close) = self.is_open(j, "{").then(|| self.pair_of(j)).flatten() else {
                i += 2;
                continue;
            };
            if params.is_empty() {
                // `param(...)`: the first statement of the body (after attributes).
                let mut k = j + 1;
                while k < close
                    && matches!(self.toks[k].kind, Kind::Newline | Kind::Type | Kind::Open)
                    && !self.word_is(k, "param")
                {
                    k = if self.toks[k].kind == Kind::Open {
                        self.after(k)
                    } else {
                        k + 1
                    };
                }
                if self.word_is(k, "param") && self.is_open(k + 1, "(") {
                    let pc = self.pair_of(k + 1).unwrap_or(k + 1);
                    params = self.param_names(k + 2, pc);
                }
            }
            out.insert(
                name,
                FuncDef {
                    open: j,
                    close,
                    params,
                },
            );
            i = j + 1;
        }
        out
    }

    /// Parameter names of `param(...)`: in each comma-separated part, the first variable
    /// outside attributes.
    fn param_names(&self, a: usize, b: usize) -> Vec<String> {
        let mut out = Vec::new();
        for (x, y) in self.split_args(a, b) {
            let mut k = x;
            while k < y {
                let t = &self.toks[k];
                if t.kind == Kind::Var {
                    out.push(var_key(t.text));
                    break;
                }
                k = self.after(k);
            }
        }
        out
    }

    /// A call of one of the file's functions: its body analyzed again with the
    /// parameters bound to the arguments (`Set-SchannelProtocol -Protocol 'TLS 1.0' -Enabled 1`).
    fn call_function(&mut self, at: usize, b: usize, name: &str) {
        let Some(def) = self.funcs.get(name).cloned() else {
            return;
        };
        // Bounded: at most MAX_CALLS call sites, and at most four times the file's tokens
        // analyzed again (a large function called from many places).
        let size = def.close.saturating_sub(def.open);
        if self.calls >= MAX_CALLS
            || self.reanalyzed.saturating_add(size) > 4 * self.toks.len() + 4096
            || self.active.iter().any(|f| f == name)
            || def.params.is_empty()
        {
            return;
        }
        // Only the body's own analysis: the call must sit outside it.
        if (def.open..=def.close).contains(&at) {
            return;
        }
        self.calls += 1;
        self.reanalyzed += size;
        let (named, positional) = self.bind(at + 1, b);
        let mut pos = positional.iter();
        let mut bound: Vec<(String, Val, Span)> = Vec::new();
        for p in &def.params {
            let arg = named.get(p.as_str()).copied().or_else(|| {
                // A parameter not named by the call takes the next positional argument.
                pos.next().copied()
            });
            match arg {
                Some((x, y)) if x < y => {
                    let v = self.eval(x, y);
                    bound.push((p.clone(), v, self.value_span(x, y)));
                }
                // A switch (`-Force`).
                Some((x, _)) => {
                    let span = self
                        .toks
                        .get(x.saturating_sub(1))
                        .map_or(Span::default(), |t| t.span());
                    bound.push((p.clone(), Val::Strs(vec!["$true".into()]), span));
                }
                None => {}
            }
        }
        if bound.iter().all(|(_, v, _)| matches!(v, Val::Unknown)) {
            return;
        }
        let saved_vars = self.vars.clone();
        let saved_spans = self.var_spans.clone();
        for (p, v, span) in bound {
            self.vars.insert(p.clone(), v);
            self.var_spans.insert(p, span);
        }
        self.active.push(name.to_string());
        self.block(def.open + 1, def.close);
        self.active.pop();
        self.vars = saved_vars;
        self.var_spans = saved_spans;
    }

    fn split_args(&self, a: usize, b: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut s = a;
        let mut i = a;
        while i < b {
            if self.is_op(i, ",") {
                out.push(self.trim(s, i));
                s = i + 1;
            }
            i = self.after(i);
        }
        if s < b {
            out.push(self.trim(s, b));
        }
        out
    }

    /// Command arguments: each a token range; adjacent tokens and comma lists form one.
    fn arguments(&self, a: usize, b: usize) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        let mut i = a;
        while i < b {
            let t = &self.toks[i];
            if t.kind == Kind::Newline {
                i += 1;
                continue;
            }
            let start = i;
            i = self.after(i);
            // Adjacent continuation (`$a.b`, `x[0]`, `[int]5`), and `a, b` lists.
            loop {
                if i < b
                    && !self.toks[i].space_before
                    && self.toks[i].kind != Kind::Newline
                    && !(self.toks[i].kind == Kind::Op && matches!(self.toks[i].text, "|" | ";"))
                    && self.toks[start].kind != Kind::Param
                {
                    i = self.after(i);
                } else if i + 1 < b && self.is_op(i, ",") && self.toks[start].kind != Kind::Param {
                    i = self.after(i + 1);
                } else {
                    break;
                }
            }
            out.push((start, i.min(b)));
        }
        out
    }

    /// Binds named and positional parameters of a command's arguments `[a, b)`.
    fn bind(&self, a: usize, b: usize) -> Bound {
        let args = self.arguments(a, b);
        let mut named = HashMap::new();
        let mut positional = Vec::new();
        let mut k = 0;
        while k < args.len() {
            let (x, y) = args[k];
            let t = &self.toks[x];
            if t.kind == Kind::Param && y == x + 1 {
                let name = t.text.to_ascii_lowercase();
                if t.attached || !SWITCHES.contains(&name.as_str()) {
                    if let Some(&v) = args
                        .get(k + 1)
                        .filter(|&&(vx, _)| self.toks[vx].kind != Kind::Param)
                    {
                        named.insert(name, v);
                        k += 2;
                        continue;
                    }
                }
                named.insert(name, (y, y));
            } else {
                positional.push((x, y));
            }
            k += 1;
        }
        (named, positional)
    }

    /// A pipeline: commands separated by `|`, or an expression.
    fn pipeline(&mut self, a: usize, b: usize) {
        if self.nest >= MAX_NEST {
            return;
        }
        self.nest += 1;
        self.pipeline_inner(a, b);
        self.nest -= 1;
    }

    fn pipeline_inner(&mut self, a: usize, b: usize) {
        let mut elems = Vec::new();
        let mut s = a;
        let mut i = a;
        while i < b {
            if crate::budget::exceeded() {
                return;
            }
            if self.is_op(i, "|") || self.is_op(i, "&&") || self.is_op(i, "||") {
                elems.push(self.trim(s, i));
                s = i + 1;
            }
            i = self.after(i);
        }
        elems.push(self.trim(s, b));
        let mut prev: Option<(usize, usize)> = None;
        for &(x, y) in &elems {
            if x >= y {
                continue;
            }
            let name = if self.is_op(x, "&") || self.is_op(x, ".") {
                self.tok(x + 1).map(|t| (x + 1, t.text.to_string()))
            } else if self.toks[x].kind == Kind::Word {
                Some((x, self.toks[x].text.to_string()))
            } else {
                None
            };
            match name {
                Some((at, n)) => {
                    let lower = n.to_ascii_lowercase();
                    if matches!(lower.as_str(), "foreach-object" | "%" | "foreach") {
                        if let (Some((pa, pb)), true) = (prev, self.is_open(at + 1, "{")) {
                            let items = self.eval(pa, pb);
                            let open = at + 1;
                            let close = self.pair_of(open).unwrap_or(y);
                            let saved = (
                                self.vars.get("_").cloned(),
                                self.vars.get("psitem").cloned(),
                            );
                            self.vars.insert("_".into(), items.clone());
                            self.vars.insert("psitem".into(), items);
                            self.block(open + 1, close);
                            self.handled.insert(open);
                            for (k, v) in [("_", saved.0), ("psitem", saved.1)] {
                                match v {
                                    Some(v) => self.vars.insert(k.into(), v),
                                    None => self.vars.remove(k),
                                };
                            }
                        }
                    }
                    // `New-Item $key -Force | New-ItemProperty -Name ...`: the key comes
                    // down the pipeline.
                    self.piped_key = prev.and_then(|(pa, pb)| self.item_path(pa, pb));
                    self.piped_from = prev;
                    self.command(at, y, &lower);
                    self.piped_key = None;
                    self.piped_from = None;
                }
                None => {
                    self.scan(x, y, false);
                    self.recurse_blocks(x, y);
                }
            }
            prev = Some((x, y));
        }
    }

    /// The path of `New-Item PATH` / `Get-Item PATH` (as piped registry key).
    fn item_path(&mut self, a: usize, b: usize) -> Option<Val> {
        let name = self.toks.get(a)?.text.to_ascii_lowercase();
        if !matches!(name.as_str(), "new-item" | "ni" | "get-item" | "gi" | "md") {
            return None;
        }
        let (named, positional) = self.bind(a + 1, b);
        let (x, y) = named
            .get("path")
            .or_else(|| named.get("literalpath"))
            .copied()
            .or_else(|| positional.first().copied())?;
        Some(self.eval(x, y))
    }

    fn command(&mut self, at: usize, b: usize, name: &str) {
        let output = is_output_command(name);
        let start = self.facts.len();
        if self.funcs.contains_key(name) {
            self.call_function(at, b, name);
        }
        match name {
            "set-itemproperty" | "sp" | "new-itemproperty" | "set-item" | "si" => {
                self.registry_cmdlet(at, b, name)
            }
            "add-type" => self.add_type(at + 1, b),
            "add-content" | "ac" | "set-content" | "sc" | "out-file" => {
                self.content_cmdlet(at + 1, b)
            }
            _ => {}
        }
        if !output {
            let args = self.command_args(at, b);
            command_facts(&args, Shell::PowerShell, self.depth, self.ctx, self.facts);
        }
        self.scan(at, b, output);
        self.recurse_blocks(at, b);
        // A splatted entry set inside a gated branch keeps that branch's option.
        let mut gated: Vec<(Span, String)> = Vec::new();
        for (x, _) in self.arguments(at + 1, b) {
            if self.toks[x].kind == Kind::Splat {
                if let Some(Val::Hash(e)) = self.vars.get(&var_key(self.toks[x].text)) {
                    gated.extend(e.iter().filter_map(|e| e.gate.clone().map(|g| (e.span, g))));
                }
            }
        }
        if !gated.is_empty() {
            for k in start..self.facts.len() {
                let span = self.facts[k].span();
                if let Some((_, g)) = gated
                    .iter()
                    .find(|(s, _)| s.start <= span.start && span.start < s.end.max(s.start + 1))
                {
                    let g = g.clone();
                    self.gate_facts_at(k, k + 1, &g);
                }
            }
        }
    }

    /// Arguments for the shared command semantics: splats expanded into `-Key value`.
    fn command_args(&mut self, at: usize, b: usize) -> Vec<Arg> {
        let mut out = Vec::new();
        let ranges = self.arguments(at, b);
        for (k, &(x, y)) in ranges.iter().enumerate() {
            let t = self.toks[x].clone();
            match t.kind {
                Kind::Splat => {
                    let entries = match self.vars.get(&var_key(t.text)) {
                        Some(Val::Hash(e)) => e.clone(),
                        _ => Vec::new(),
                    };
                    for e in entries {
                        let mut p = Arg::plain(&format!("-{}", e.key), e.span);
                        let (v, known) = match e.val.first() {
                            Some(v) => (v.to_string(), true),
                            None => (String::new(), false),
                        };
                        p.attached = Some((v, e.span, known));
                        out.push(p);
                    }
                }
                Kind::Param => {
                    let mut p = Arg::plain(&format!("-{}", t.text), t.span());
                    if t.attached {
                        if let Some(&(vx, vy)) = ranges.get(k + 1) {
                            let v = self.eval(vx, vy);
                            let span = self.span_of(vx, vy);
                            p.attached = Some((
                                v.first().unwrap_or("").to_string(),
                                span,
                                v.first().is_some(),
                            ));
                        }
                    }
                    out.push(p);
                }
                _ => {
                    if k > 0
                        && self.toks[ranges[k - 1].0].kind == Kind::Param
                        && self.toks[ranges[k - 1].0].attached
                    {
                        continue;
                    }
                    let span = self.span_of(x, y);
                    let v = if k == 0 && t.kind == Kind::Word {
                        Val::Strs(vec![t.text.to_string()])
                    } else {
                        self.eval(x, y)
                    };
                    let mut arg = match v.first() {
                        Some(s) => {
                            let mut a = Arg::plain(s, span);
                            if t.kind == Kind::Str && y == x + 1 && !t.expandable {
                                a.text = Embedded::contiguous(t.text, t.content().start);
                            }
                            a
                        }
                        None => Arg {
                            text: Embedded::contiguous("", span.start),
                            span,
                            known: false,
                            attached: None,
                            raw: None,
                        },
                    };
                    if t.kind == Kind::Str && y == x + 1 && t.expandable && arg.known {
                        arg.text = Embedded::contiguous(arg.s(), t.content().start);
                    }
                    out.push(arg);
                }
            }
        }
        out
    }

    fn registry_cmdlet(&mut self, at: usize, b: usize, name: &str) {
        let (named, positional) = self.bind(at + 1, b);
        // Splatted parameters.
        let mut splat: Vec<Entry> = Vec::new();
        for (x, _) in self.arguments(at + 1, b) {
            if self.toks[x].kind == Kind::Splat {
                if let Some(Val::Hash(e)) = self.vars.get(&var_key(self.toks[x].text)) {
                    splat.extend(e.iter().cloned());
                }
            }
        }
        let from_splat = |k: &str| {
            splat
                .iter()
                .find(|e| e.key.eq_ignore_ascii_case(k))
                .cloned()
        };
        let mut pos = positional.iter();
        let mut get =
            |this: &mut Self, keys: &[&str], positional_ok: bool| -> Option<(Val, Span)> {
                for k in keys {
                    if let Some(&(x, y)) = named.get(*k) {
                        if x < y {
                            return Some((this.eval(x, y), this.value_span(x, y)));
                        }
                    }
                    if let Some(e) = from_splat(k) {
                        return Some((e.val, e.span));
                    }
                }
                if positional_ok {
                    if let Some(&(x, y)) = pos.next() {
                        return Some((this.eval(x, y), this.value_span(x, y)));
                    }
                }
                None
            };
        let piped = self.piped_key.take();
        let Some((path, _)) = get(self, &["path", "literalpath", "pspath"], piped.is_none())
            .or_else(|| piped.map(|p| (p, Span::default())))
        else {
            return;
        };
        let is_set_item = name == "set-item" || name == "si";
        let value_name = if is_set_item {
            Some((Val::Strs(vec![String::new()]), Span::default()))
        } else {
            get(self, &["name"], true)
        };
        let Some((vname, _)) = value_name else { return };
        let Some((value, vspan)) = get(
            self,
            &["value"],
            name == "set-itemproperty" || name == "sp" || is_set_item,
        ) else {
            return;
        };
        let (Some(paths), Some(names)) = (
            path.strs().map(<[String]>::to_vec),
            vname.strs().map(<[String]>::to_vec),
        ) else {
            return;
        };
        // `-Value ($p -bor 0x80)` of a `$p` read before: only the bits OR-ed in are known.
        let (values, added) = match &value {
            Val::Added(bits) => (bits.iter().map(|&b| Value::Int(b)).collect(), true),
            _ => (value.to_values(), false),
        };
        let mut seen = HashSet::new();
        for p in &paths {
            for n in &names {
                for v in &values {
                    if seen.insert((
                        p.to_ascii_lowercase(),
                        n.to_ascii_lowercase(),
                        format!("{v:?}"),
                    )) {
                        self.facts.push(Fact::Registry(RegistryWrite {
                            key: p.clone(),
                            value_name: n.clone(),
                            value: v.clone(),
                            span: vspan,
                            entry: None,
                            added,
                        }));
                    }
                }
            }
        }
    }

    /// `Add-Type -TypeDefinition @" ... "@`: remembers classes implementing
    /// `ICertificatePolicy` whose `CheckValidationResult` always returns true.
    /// `Add-Content -Path $HOME\.npmrc -Value 'strict-ssl=false'`,
    /// `'insecure' | Out-File -Append ~\.curlrc`: text written into a configuration file
    /// is read as that file's format.
    fn content_cmdlet(&mut self, a: usize, b: usize) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        let (named, positional) = self.bind(a, b);
        let path = ["path", "filepath", "literalpath"]
            .iter()
            .find_map(|k| named.get(*k).copied())
            .or_else(|| positional.first().copied());
        let Some((px, py)) = path.filter(|(x, y)| x < y) else {
            return;
        };
        let Some(format) = crate::format::deployed_config(self.src_slice(self.span_of(px, py)))
        else {
            return;
        };
        let path_positional = !["path", "filepath", "literalpath"]
            .iter()
            .any(|k| named.contains_key(*k));
        let value = ["value", "inputobject"]
            .iter()
            .find_map(|k| named.get(*k).copied())
            .or_else(|| positional.get(usize::from(path_positional)).copied())
            .or(self.piped_from);
        let Some((vx, vy)) = value else { return };
        // The strings, one line each (an array writes one line per element).
        let mut text = Embedded::new();
        for t in &self.toks[vx..vy] {
            if t.kind != Kind::Str {
                continue;
            }
            if !text.text.is_empty() {
                text.push_char('\n', t.span().start, 0);
            }
            if t.content().len() == t.text.len() {
                text.push_str(t.text, t.content().start);
            } else {
                for (k, ch) in t.text.chars().enumerate() {
                    let at = if k == 0 {
                        t.content().start
                    } else {
                        t.content().end
                    };
                    text.push_char(ch, at, 0);
                }
            }
        }
        if !text.text.is_empty() {
            super::analyze_embedded(format, &text, self.depth + 1, self.ctx, self.facts);
        }
    }

    fn add_type(&mut self, a: usize, b: usize) {
        for i in a..b {
            let t = &self.toks[i];
            let sources: Vec<String> = match t.kind {
                Kind::Str => vec![t.text.to_string()],
                Kind::Var => match self.vars.get(&var_key(t.text)) {
                    Some(Val::Strs(v)) => v.clone(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            for src in &sources {
                for class in trust_all_policies(src) {
                    self.policies.insert(class.to_ascii_lowercase());
                }
            }
            // The C# itself (callbacks installed from static constructors, ...). A here-
            // string or single-quoted string maps one to one onto the file.
            if t.kind == Kind::Str && t.content().len() == t.text.len() && self.depth < MAX_DEPTH {
                let e = Embedded::contiguous(t.text, t.content().start);
                let mut sub = Vec::new();
                super::code::analyze(super::code::Lang::CSharp, &e.text, self.ctx, &mut sub);
                for mut f in sub {
                    f.map_spans(&|s| e.map_span(s));
                    self.facts.push(f);
                }
            }
        }
    }

    /// Context of a constant at `[x, y)`: cleared (`-bnot`), tested (`-band`, `-eq`,
    /// `.HasFlag(`), or set.
    fn constant_is_used(&self, x: usize, y: usize, lo: usize, hi: usize) -> bool {
        const TESTS: &[&str] = &[
            "-bnot",
            "-band",
            "-eq",
            "-ne",
            "-ceq",
            "-cne",
            "-ieq",
            "-ine",
            "-contains",
            "-notcontains",
            "-in",
            "-notin",
            "-is",
            "-isnot",
            "-lt",
            "-gt",
            "-le",
            "-ge",
        ];
        // Walk left over `(` and `-bor`/`-bxor`/`+`/`,` chains to the operator that
        // decides: `-bnot ([X]::A -bor [X]::B)` clears both A and B.
        let mut j = x;
        loop {
            if j <= lo {
                break;
            }
            let p = &self.toks[j - 1];
            if p.kind == Kind::Open && p.text == "(" {
                if j >= lo + 2 && self.word_is(j - 2, "HasFlag") {
                    return false;
                }
                j -= 1;
                continue;
            }
            if p.kind == Kind::Op && matches!(p.text, "-bor" | "-bxor" | "+" | ",") && j >= lo + 2 {
                // Skip the operand on the left.
                let mut k = j - 2;
                if self.toks[k].kind == Kind::Close {
                    k = self.pair_of(k).unwrap_or(k);
                } else if self.toks[k].kind == Kind::Word && k >= lo + 2 && self.is_op(k - 1, "::")
                {
                    k -= 2;
                }
                j = k;
                continue;
            }
            if p.kind == Kind::Op && TESTS.contains(&p.text) {
                return false;
            }
            break;
        }
        let mut k = y;
        while k < hi && self.toks[k].kind == Kind::Close && self.toks[k].text == ")" {
            k += 1;
        }
        if k < hi {
            let n = &self.toks[k];
            if n.kind == Kind::Op
                && matches!(
                    n.text,
                    "-eq"
                        | "-ne"
                        | "-band"
                        | "-ceq"
                        | "-cne"
                        | "-ieq"
                        | "-ine"
                        | "-in"
                        | "-notin"
                        | "-contains"
                )
            {
                return false;
            }
        }
        true
    }

    /// Whether the variable at `i` (holding flag constants) is used where its value can
    /// take effect: assigned, passed to a method, a constructor or a command. Not when it
    /// is only read for a property (`$all.Count`), indexed (`$names[$v]`: a lookup in a
    /// name table, the caller's choice), returned, or shown (`Write-Output $all`, `$all |
    /// Format-Table`): a list of protocols that is displayed configures nothing.
    fn var_flows_on(&self, i: usize, a: usize, b: usize) -> bool {
        const SHOWN: &[&str] = &[
            "write-",
            "out-",
            "format-",
            "convertto-",
            "export-",
            "measure-",
            "select-",
            "sort-",
            "group-",
            "should",
            "echo",
        ];
        let shown = |k: usize| {
            self.tok(k).is_some_and(|t| {
                t.kind == Kind::Word && {
                    let w = t.text.to_ascii_lowercase();
                    SHOWN.iter().any(|p| w.starts_with(p))
                }
            })
        };
        if self.returning {
            return false;
        }
        if let Some(n) = self.tok(i + 1).filter(|n| !n.space_before) {
            let property = n.kind == Kind::Op
                && n.text == "."
                && self.tok(i + 2).is_some_and(|m| m.kind == Kind::Word)
                && !self.is_open(i + 3, "(");
            let index = (n.kind == Kind::Open && n.text == "[") || n.kind == Kind::Type;
            if property || index {
                return false;
            }
        }
        // The command the variable is an argument of: the first token of its pipeline
        // element (groups around the variable are transparent).
        let mut head = a;
        let mut j = i;
        while j > a {
            j -= 1;
            let t = &self.toks[j];
            if t.kind == Kind::Close {
                match self.pair_of(j) {
                    Some(o) if o >= a => j = o,
                    _ => break,
                }
                continue;
            }
            if t.kind == Kind::Op && matches!(t.text, "|" | "=" | ";") {
                head = j + 1;
                break;
            }
        }
        while head < i && self.toks[head].kind == Kind::Newline {
            head += 1;
        }
        if head < i && shown(head) {
            return false;
        }
        // `$all | Format-Table`.
        let mut k = i + 1;
        while k < b && self.toks[k].kind == Kind::Close {
            k += 1;
        }
        if self.is_op(k, "|") {
            let mut n = k + 1;
            while n < b && self.toks[n].kind == Kind::Newline {
                n += 1;
            }
            if shown(n) {
                return false;
            }
        }
        true
    }

    /// Constants, dangerous members, method calls and AppContext strings anywhere in
    /// `[a, b)` outside script blocks (those are analyzed as blocks).
    fn scan(&mut self, a: usize, b: usize, output: bool) {
        let mut i = a;
        while i < b {
            let t = &self.toks[i];
            if t.kind == Kind::Open && t.text == "{" {
                // `({ $true } -as [Net.Security.RemoteCertificateValidationCallback])`
                if let Some(close) = self.pair_of(i) {
                    let cast = self
                        .tok(close + 1)
                        .is_some_and(|o| o.kind == Kind::Op && o.text.eq_ignore_ascii_case("-as"))
                        && self.tok(close + 2).is_some_and(|ty| {
                            ty.kind == Kind::Type && ty.text.contains("ValidationCallback")
                        });
                    // `[Net.Security.RemoteCertificateValidationCallback] { $true }`: a
                    // trust-all delegate, wherever it goes (an `SslStream`, a property).
                    let cast_before = i > a
                        && self.toks[i - 1].kind == Kind::Type
                        && self.toks[i - 1].text.contains("ValidationCallback");
                    if let Some(span) = (cast || cast_before)
                        .then(|| self.block_accepting_all(i))
                        .flatten()
                    {
                        self.trust_all_member(
                            span,
                            if cast {
                                "{ $true } -as [RemoteCertificateValidationCallback]"
                            } else {
                                "[RemoteCertificateValidationCallback] { $true }"
                            },
                        );
                    }
                }
                i = self.after(i);
                continue;
            }
            // A command inside `( )` or `$( )`: `-SessionOption (New-PSSessionOption -SkipCACheck)`.
            if t.kind == Kind::Open
                && (t.text == "(" || t.text == "$(" || t.text == "@(")
                && self.tok(i + 1).is_some_and(|n| n.kind == Kind::Word)
            {
                let method_call = i > a
                    && !t.space_before
                    && matches!(self.toks[i - 1].kind, Kind::Word | Kind::Close | Kind::Type);
                if let (false, Some(close)) = (method_call, self.pair_of(i)) {
                    let close = close.min(b);
                    self.pipeline(i + 1, close);
                    i = close + 1;
                    continue;
                }
            }
            // Pester's `-TestCases @( @{ Expected = [Net.SecurityProtocolType]::Tls } )`:
            // data a test compares, not settings.
            if t.kind == Kind::Param
                && (t.text.eq_ignore_ascii_case("TestCases")
                    || t.text.eq_ignore_ascii_case("ForEach"))
            {
                let mut j = i + 1;
                while j < b && self.toks[j].kind == Kind::Newline {
                    j += 1;
                }
                if self.is_open(j, "@(") || self.is_open(j, "@{") || self.is_open(j, "(") {
                    i = self.after(j);
                    continue;
                }
            }
            match t.kind {
                Kind::Type
                    if self.is_op(i + 1, "::")
                        && self.tok(i + 2).is_some_and(|m| m.kind == Kind::Word) =>
                {
                    let member = self.toks[i + 2].text.to_string();
                    let qualified = format!("{}.{}", t.text, member);
                    let span = t.span().cover(self.toks[i + 2].span());
                    if member.eq_ignore_ascii_case("DangerousAcceptAnyServerCertificateValidator") {
                        self.trust_all_member(span, &member);
                    } else if let Some(f) = self.ctx.index.lookup(self.ctx.tables, &qualified, true)
                    {
                        if !self.ctx.tables.is_empty()
                            && !self.returning
                            && self.constant_is_used(i, i + 3, a, b)
                        {
                            self.facts.push(Fact::Flags(FlagFact {
                                table: f.table.id.clone(),
                                value: f.entry.value,
                                name: Some(f.entry.names[0].clone()),
                                span,
                            }));
                        }
                    }
                    self.method_call(i, b, Some(t.text), i + 2);
                }
                // `New-Object Net.Security.SslStream($s, $false, { $true })`.
                Kind::Word
                    if t.text.to_ascii_lowercase().ends_with("sslstream")
                        && self.is_open(i + 1, "(") =>
                {
                    self.ssl_stream_callback(i + 1, b);
                }
                Kind::Word if i > a && self.is_op(i - 1, ".") => {
                    if t.text
                        .eq_ignore_ascii_case("DangerousAcceptAnyServerCertificateValidator")
                    {
                        let span = t.span();
                        let m = t.text.to_string();
                        self.trust_all_member(span, &m);
                    }
                    if t.text.eq_ignore_ascii_case("SetValue") {
                        self.set_value_call(a, i, b);
                    }
                }
                // An enum cast of a string: `[Net.SecurityProtocolType]'Ssl3,Tls,Tls12'`.
                Kind::Type
                    if self
                        .tok(i + 1)
                        .is_some_and(|n| n.kind == Kind::Str && !n.space_before) =>
                {
                    let ty = t.text.to_string();
                    let (text, span) = (self.toks[i + 1].text.to_string(), self.toks[i + 1].span());
                    if !self.returning && self.constant_is_used(i, i + 2, a, b) {
                        for part in text.split([',', ' ', '|']).filter(|p| !p.is_empty()) {
                            if let Some(f) = self.ctx.index.lookup(
                                self.ctx.tables,
                                &format!("{ty}.{part}"),
                                true,
                            ) {
                                self.facts.push(Fact::Flags(FlagFact {
                                    table: f.table.id.clone(),
                                    value: f.entry.value,
                                    name: Some(f.entry.names[0].clone()),
                                    span,
                                }));
                            }
                        }
                    }
                }
                Kind::Var
                    if self.pending.contains_key(&var_key(t.text))
                        && self.constant_is_used(i, i + 1, a, b)
                        && self.var_flows_on(i, a, b) =>
                {
                    if let Some(facts) = self.pending.remove(&var_key(t.text)) {
                        self.facts.extend(facts);
                    }
                }
                Kind::Str if !output => {
                    let (text, content) = (t.text.to_string(), t.content());
                    let exact = content.len() == text.len();
                    appcontext_switches(&text, |name, value, at, len| {
                        let span = if exact {
                            Span::new(content.start + at, content.start + at + len)
                        } else {
                            t.span()
                        };
                        self.facts.push(Fact::Setting(SettingFact {
                            domain: "appcontext-switch",
                            key: name.to_string(),
                            value: Value::Str(value.to_string()),
                            span,
                        }));
                    });
                }
                _ => {}
            }
            i += 1;
        }
    }

    /// `if (...) { } elseif (...) { } else { }`: each branch is an opt-in of the bypass
    /// option its own condition tests (`if ($SkipCertificateCheck) { ... }`); `else` of
    /// the options the chain tested (`if ($ValidateCerts) { } else { ... }`). An `elseif`
    /// that tests something else runs when the option is NOT set: not an opt-in.
    fn if_chain(&mut self, a: usize, b: usize) {
        let mut chain_gate: Option<String> = None;
        let mut i = a;
        while i < b {
            let is_if = self.word_is(i, "if") || self.word_is(i, "elseif");
            let is_else = !is_if && self.word_is(i, "else");
            if !is_if && !is_else {
                // Anything else in the chain (comments, stray tokens): as before.
                let next = self.after(i).min(b);
                self.scan(i, next, false);
                self.recurse_blocks(i, next);
                i = next;
                continue;
            }
            let mut j = i + 1;
            while j < b && self.toks[j].kind == Kind::Newline {
                j += 1;
            }
            let mut gate = None;
            let mut old_runtime = false;
            if is_if && self.is_open(j, "(") {
                let end = self.pair_of(j).unwrap_or(b).min(b);
                old_runtime = self.tests_old_runtime(j + 1, end);
                // The condition itself (a command in it, `if (Test-Path ...)`).
                self.scan(j, (end + 1).min(b), false);
                self.recurse_blocks(j, (end + 1).min(b));
                gate = self.gate_in(j + 1, end);
                j = end + 1;
                while j < b && self.toks[j].kind == Kind::Newline {
                    j += 1;
                }
            }
            let gate = if is_else { chain_gate.clone() } else { gate };
            if chain_gate.is_none() && !is_else {
                chain_gate.clone_from(&gate);
            }
            if self.is_open(j, "{") {
                let close = self.pair_of(j).unwrap_or(b).min(b);
                let start = self.facts.len();
                if let Some(g) = &gate {
                    self.gates.push(g.clone());
                }
                self.block(j + 1, close);
                if let Some(g) = &gate {
                    self.gates.pop();
                    self.gate_facts(start, g);
                }
                if old_runtime {
                    // `if ($PSVersionTable.PSVersion.Major -lt 3) { ... }`: PowerShell 2 on
                    // .NET 2.0-3.5 has no `Tls12` member to write; a fix would throw.
                    for f in &mut self.facts[start..] {
                        f.edit_via(|via| via.no_fix = true);
                    }
                }
                i = close + 1;
            } else {
                i = j.max(i + 1);
            }
        }
    }

    /// Whether a condition `[a, b)` selects an old runtime (`$PSVersionTable.PSVersion.Major
    /// -lt 3`, `$PSVersionTable.CLRVersion.Major -le 2`, `[Environment]::Version -lt ...`).
    fn tests_old_runtime(&self, a: usize, b: usize) -> bool {
        let names_version = (a..b).any(|k| {
            let t = self.toks[k].text.to_ascii_lowercase();
            t.contains("psversion") || t.contains("clrversion") || t == "version"
        });
        names_version && (a..b).any(|k| self.is_op(k, "-lt") || self.is_op(k, "-le"))
    }

    /// The bypass option a condition `[a, b)` tests.
    fn gate_in(&self, a: usize, b: usize) -> Option<String> {
        (a..b).find_map(|k| {
            let c = &self.toks[k];
            (matches!(c.kind, Kind::Var | Kind::Word | Kind::Str) && self.ctx.flow.is_gate(c.text))
                .then(|| {
                    if c.kind == Kind::Var {
                        format!("${}", c.text)
                    } else {
                        c.text.to_string()
                    }
                })
        })
    }

    /// The bypass option named in the conditions of an `if`/`elseif`/`while`/`switch`
    /// chain in `[a, b)` (`$ValidateCerts`, `$SkipCertificateCheck`, `$AllowTls10Server`).
    fn condition_gate(&self, a: usize, b: usize) -> Option<String> {
        let mut i = a;
        while i < b {
            let t = &self.toks[i];
            if t.kind == Kind::Word
                && ["if", "elseif", "while", "switch"]
                    .iter()
                    .any(|w| t.text.eq_ignore_ascii_case(w))
            {
                let mut j = i + 1;
                while j < b && self.toks[j].kind == Kind::Newline {
                    j += 1;
                }
                if self.is_open(j, "(") {
                    let end = self.pair_of(j).unwrap_or(b).min(b);
                    for k in j + 1..end {
                        let c = &self.toks[k];
                        if matches!(c.kind, Kind::Var | Kind::Word | Kind::Str)
                            && self.ctx.flow.is_gate(c.text)
                        {
                            let name = if c.kind == Kind::Var {
                                format!("${}", c.text)
                            } else {
                                c.text.to_string()
                            };
                            return Some(name);
                        }
                    }
                }
                i = j;
                continue;
            }
            i = self.after(i);
        }
        None
    }

    /// Marks the facts from `start` on as opt-ins of `gate`.
    fn gate_facts(&mut self, start: usize, gate: &str) {
        let end = self.facts.len();
        self.gate_facts_at(start, end, gate);
    }

    /// Marks the facts `[start, end)` as opt-ins of `gate`.
    fn gate_facts_at(&mut self, start: usize, end: usize, gate: &str) {
        for f in self.facts.iter_mut().take(end).skip(start) {
            f.edit_via(|via| {
                if via.opt_in.is_none() {
                    via.opt_in = Some(gate.to_string());
                }
            });
        }
    }

    /// The user-certificate callback of an `SslStream` constructor whose arguments open
    /// at `open` (the third): a script block, or a variable holding one, that returns
    /// `$true` accepts every server certificate. (A cast block is judged where it is
    /// written, by [`Self::scan`].)
    fn ssl_stream_callback(&mut self, open: usize, b: usize) {
        let close = self.pair_of(open).unwrap_or(b).min(b);
        let args = self.split_args(open + 1, close);
        let Some(&(x, y)) = args.get(2) else {
            return;
        };
        let (x, y) = self.trim(x, y);
        if x < y && self.toks[x].kind == Kind::Type {
            return;
        }
        if let Val::Block(at) = self.eval(x, y) {
            if let Some(span) = self.block_accepting_all(at) {
                self.trust_all_member(span, "SslStream(..., { $true })");
            }
        }
    }

    /// The script block opening at `open`, when it returns `$true` whatever it is given:
    /// its span, `{` to `}`.
    fn block_accepting_all(&self, open: usize) -> Option<Span> {
        let close = self.pair_of(open)?;
        self.block_returns_true(open + 1, close)
            .then(|| self.toks[open].span().cover(self.toks[close].span()))
    }

    fn trust_all_member(&mut self, span: Span, member: &str) {
        self.facts.push(Fact::Construct(ConstructFact {
            name: "trust-all-callback",
            categories: vec![Category::CertValidation],
            span,
            detail: member.to_string(),
        }));
    }

    /// `[Microsoft.Win32.Registry]::SetValue(...)`, `[AppContext]::SetSwitch(...)`,
    /// `[Environment]::SetEnvironmentVariable(...)`.
    fn method_call(
        &mut self,
        _type_at: usize,
        b: usize,
        type_name: Option<&str>,
        member_at: usize,
    ) {
        let Some(tn) = type_name.map(str::to_ascii_lowercase) else {
            return;
        };
        let method = self.toks[member_at].text.to_ascii_lowercase();
        if !self.is_open(member_at + 1, "(") {
            return;
        }
        let close = self.pair_of(member_at + 1).unwrap_or(b);
        let args = self.split_args(member_at + 2, close);
        let arg = |this: &mut Self, n: usize| {
            args.get(n)
                .map(|&(x, y)| (this.eval(x, y), this.span_of(x, y)))
        };
        match (tn.rsplit('.').next().unwrap_or(&tn), method.as_str()) {
            (t, "new") if t.ends_with("sslstream") => {
                self.ssl_stream_callback(member_at + 1, b);
            }
            ("registry", "setvalue") => {
                let (Some((k, _)), Some((n, _)), Some((v, vspan))) =
                    (arg(self, 0), arg(self, 1), arg(self, 2))
                else {
                    return;
                };
                let (Some(ks), Some(ns)) = (
                    k.strs().map(<[String]>::to_vec),
                    n.strs().map(<[String]>::to_vec),
                ) else {
                    return;
                };
                for key in &ks {
                    for name in &ns {
                        for value in v.to_values() {
                            self.facts.push(Fact::Registry(RegistryWrite {
                                key: key.clone(),
                                value_name: name.clone(),
                                value,
                                span: vspan,
                                entry: None,
                                added: false,
                            }));
                        }
                    }
                }
            }
            ("appcontext", "setswitch") => {
                if let (Some((n, _)), Some((v, vspan))) = (arg(self, 0), arg(self, 1)) {
                    if let Some(name) = n.first() {
                        let value = v
                            .first()
                            .map_or(Value::Unknown, |s| Value::Str(s.to_string()));
                        self.facts.push(Fact::Setting(SettingFact {
                            domain: "appcontext-switch",
                            key: name.to_string(),
                            value,
                            span: vspan,
                        }));
                    }
                }
            }
            ("environment", "setenvironmentvariable") => {
                if let (Some((n, _)), Some((v, vspan))) = (arg(self, 0), arg(self, 1)) {
                    if let Some(name) = n.first() {
                        let value = v
                            .first()
                            .map_or(Value::Unknown, |s| Value::Str(s.to_string()));
                        env_setting(name, value, vspan, self.facts);
                    }
                }
            }
            _ => {}
        }
    }

    /// `$key.SetValue('Name', 0, 'DWord')` on a tracked registry key, also on a chain
    /// (`[Microsoft.Win32.Registry]::LocalMachine.CreateSubKey('...').SetValue(...)`).
    fn set_value_call(&mut self, lo: usize, member_at: usize, b: usize) {
        if !self.is_open(member_at + 1, "(") || member_at < lo + 2 {
            return;
        }
        // The receiver: walk back over `.Method(...)` segments to a variable or `[Type]::Member`.
        let mut k = member_at - 2;
        loop {
            if self.toks[k].kind == Kind::Close && self.toks[k].text == ")" {
                let Some(o) = self.pair_of(k) else { return };
                if o < lo + 2 || self.toks[o - 1].kind != Kind::Word || !self.is_op(o - 2, ".") {
                    return;
                }
                k = o - 3;
                continue;
            }
            if self.toks[k].kind == Kind::Word
                && k >= lo + 2
                && self.is_op(k - 1, "::")
                && self.toks[k - 2].kind == Kind::Type
            {
                k -= 2;
            } else if self.toks[k].kind == Kind::Word && k >= lo + 2 && self.is_op(k - 1, ".") {
                k -= 2;
                continue;
            }
            break;
        }
        let Some(Val::Key(paths)) = self.eval_key_object(k, member_at - 1) else {
            return;
        };
        let close = self.pair_of(member_at + 1).unwrap_or(b);
        let args = self.split_args(member_at + 2, close);
        let (Some(&(nx, ny)), Some(&(vx, vy))) = (args.first(), args.get(1)) else {
            return;
        };
        let names = self.eval(nx, ny);
        let value = self.eval(vx, vy);
        let vspan = self.value_span(vx, vy);
        let Some(ns) = names.strs().map(<[String]>::to_vec) else {
            return;
        };
        for p in &paths {
            for n in &ns {
                for v in value.to_values() {
                    self.facts.push(Fact::Registry(RegistryWrite {
                        key: p.clone(),
                        value_name: n.clone(),
                        value: v,
                        span: vspan,
                        entry: None,
                        added: false,
                    }));
                }
            }
        }
    }
}

/// No matching bracket.
const NO_PAIR: u32 = u32::MAX;

fn match_pairs(toks: &[Token]) -> Vec<u32> {
    let mut pair = vec![NO_PAIR; toks.len()];
    let at = |x: usize| u32::try_from(x).unwrap_or(NO_PAIR);
    let mut stack: Vec<usize> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            Kind::Open => stack.push(i),
            Kind::Close => {
                let want = match t.text {
                    ")" => ["(", "@(", "$("].as_slice(),
                    "}" => ["{", "@{"].as_slice(),
                    _ => ["["].as_slice(),
                };
                // Pop to the nearest matching opener (tolerates stray closers).
                if let Some(pos) = stack.iter().rposition(|&o| want.contains(&toks[o].text)) {
                    let o = stack[pos];
                    stack.truncate(pos);
                    pair[o] = at(i);
                    pair[i] = at(o);
                }
            }
            _ => {}
        }
    }
    pair
}

/// Analyzes PowerShell source.
pub fn analyze(text: &str, depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    if depth > MAX_DEPTH {
        return;
    }
    let arena = bumpalo::Bump::new();
    let toks = lexer::lex(text, &arena);
    let pair = match_pairs(&toks);
    let mut ps = Ps {
        source: text,
        toks: &toks,
        pair,
        vars: HashMap::new(),
        policies: HashSet::new(),
        handled: HashSet::new(),
        piped_key: None,
        piped_from: None,
        pending: HashMap::new(),
        var_spans: HashMap::new(),
        funcs: HashMap::new(),
        active: Vec::new(),
        calls: 0,
        reanalyzed: 0,
        gates: Vec::new(),
        returning: false,
        nest: 0,
        depth,
        ctx,
        facts,
    };
    ps.funcs = ps.functions();
    let start = ps.facts.len();
    ps.block(0, toks.len());
    // A function analyzed once where it is defined and again for a call finds its
    // argument-independent settings twice: keep the first of identical facts.
    let mut seen = HashSet::new();
    let mut out: Vec<Fact> = ps.facts.drain(start..).collect();
    out.retain(|f| seen.insert(format!("{f:?}")));
    ps.facts.extend(out);
}
