//! Source code: C/C++, C#, Java, Go, JavaScript/TypeScript and Python on one token
//! stream ([`lexer`]), Rust through `syn` ([`rust`]).
//!
//! Passes over the tokens, each feeding the shared semantics:
//!
//! * **constants**: a name in a flag table (`SECURITY_FLAG_IGNORE_UNKNOWN_CA`,
//!   `SslProtocols.Tls`, `ssl.CERT_NONE`, `tls.VersionTLS10`) used as a value is a
//!   [`FlagFact`]; not when it is defined (`#define`, `enum` bodies, `X = ...`), imported,
//!   tested (`flags & X`, `== X`, `HasFlag(X)`, `case X:`), cleared (`&= ~X`), in a
//!   preprocessor condition, or assigned to a target that switches it off
//!   (`grbitDisabledProtocols`). Each constant is reported on its own line, so a
//!   multi-line `A |` / `B |` / `C` expression gives one finding per dangerous flag.
//! * **sinks**: numbers passed to a table's API (`SetSecurityFlags(0x14)`), directly or
//!   through a variable assigned earlier in an enclosing block
//!   (`DWORD f = 0x3100; WinHttpSetOption(h, WINHTTP_OPTION_SECURITY_FLAGS, &f, ...)`),
//!   and numbers or strings assigned to a typed member (`grbitEnabledProtocols = 0x80`).
//! * **calls**: `f(h, CONSTANT, value)` as a `call-option` setting
//!   (`curl_easy_setopt.CURLOPT_SSL_VERIFYPEER = 0L`), literal arguments as `call-arg`
//!   settings (`SSLContext.getInstance = "TLSv1"`), environment and JVM-property setters,
//!   `AppContext.SetSwitch`.
//! * **assignments**: `key = value` / `key: value` / `key=value` (keyword arguments) as a
//!   setting of the language's domain (`InsecureSkipVerify: true`, `verify=False`,
//!   `rejectUnauthorized: false`, `CheckCertificateRevocationList = false`);
//!   `process.env.X = ...` / `os.environ["X"] = ...` as environment settings.
//! * **callbacks**: validation callbacks judged by what they accept (C# lambdas and methods
//!   taking `SslPolicyErrors`, Java `checkServerTrusted`/`verify` and lambdas, Node
//!   `checkServerIdentity`).

pub mod callbacks;
mod exec;
pub mod lexer;
mod registry;
pub mod rust;
pub mod sinks;

use super::Ctx;
use crate::diagnostic::{Category, Span};
use crate::facts::{ConstructFact, Fact, FlagFact, SettingFact};
use crate::rules::value::Value;
use lexer::{Family, K, Tok, int_value, lex};

/// A language read by this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// C and C++.
    C,
    /// C#.
    CSharp,
    /// Java (and Kotlin-like syntax where it coincides).
    Java,
    /// Go.
    Go,
    /// JavaScript and TypeScript.
    Js,
    /// Python.
    Python,
}

impl Lang {
    fn family(self) -> Family {
        match self {
            Lang::C => Family::C,
            Lang::CSharp => Family::CSharp,
            Lang::Java => Family::Java,
            Lang::Go => Family::Go,
            Lang::Js => Family::Js,
            Lang::Python => Family::Python,
        }
    }

    fn domain(self) -> &'static str {
        match self {
            Lang::C => "c",
            Lang::CSharp => "dotnet-member",
            Lang::Java => "java",
            Lang::Go => "go",
            Lang::Js => "javascript",
            Lang::Python => "python",
        }
    }
}

struct Code<'a, 'f> {
    lang: Lang,
    t: Vec<Tok>,
    pair: Vec<Option<usize>>,
    /// [`enclosing_opens`] of `t`.
    encl: Vec<Option<u32>>,
    /// `[open, close]` token ranges of enum bodies.
    enums: Vec<(usize, usize)>,
    /// Token ranges of import/using/package statements.
    imports: Vec<(usize, usize)>,
    ctx: &'a Ctx<'a>,
    facts: &'f mut Vec<Fact>,
}

/// The grammar for a file of `format` with extension `ext`.
pub fn tree_lang(format: crate::format::FileFormat, ext: &str) -> Option<crate::ir::Lang> {
    use crate::format::FileFormat as F;
    use crate::ir::Lang as L;
    Some(match format {
        F::C => match ext {
            "c" | "h" => L::C,
            _ => L::Cpp,
        },
        F::CSharp => L::CSharp,
        F::Java => L::Java,
        F::Go => L::Go,
        F::JavaScript => match ext {
            "ts" | "mts" | "cts" => L::TypeScript,
            "tsx" => L::Tsx,
            _ => L::JavaScript,
        },
        F::Python => L::Python,
        _ => return None,
    })
}

/// Analyzes source code through its syntax tree, the intermediate form and value flow.
pub fn analyze_tree(lang: crate::ir::Lang, text: &str, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    let Some(ir) = crate::ir::lower::lower(lang, text) else {
        return;
    };
    let is_constant = |n: &str| ctx.index.lookup(ctx.tables, n, false).is_some();
    let flow = {
        let _p = crate::profile::enter(crate::profile::Stage::Flow);
        crate::ir::flow::Flow::new(&ir, ctx.flow, &is_constant)
    };
    let _p = crate::profile::enter(crate::profile::Stage::Sinks);
    let mut s = sinks::Sinks {
        ir: &ir,
        flow: &flow,
        ctx,
        text,
        facts,
    };
    s.run();
    s.callbacks();
}

/// Analyzes source code with the token-based passes (Rust files `syn` cannot parse).
pub fn analyze(lang: Lang, text: &str, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    let t = lex(text, lang.family());
    let pair = match_pairs(&t);
    let encl = enclosing_opens(&t);
    let mut c = Code {
        lang,
        t,
        pair,
        encl,
        enums: Vec::new(),
        imports: Vec::new(),
        ctx,
        facts,
    };
    c.find_enums_and_imports();
    c.constants();
    c.sinks();
    c.calls();
    c.assignments();
    c.callbacks();
}

fn match_pairs(t: &[Tok]) -> Vec<Option<usize>> {
    let mut pair = vec![None; t.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, tok) in t.iter().enumerate() {
        match tok.k {
            K::Open => stack.push(i),
            K::Close => {
                let want = match tok.text.as_str() {
                    ")" => "(",
                    "]" => "[",
                    _ => "{",
                };
                // Look a bounded way down the stack: unbalanced input stays linear.
                let floor = stack.len().saturating_sub(64);
                if let Some(pos) = stack[floor..]
                    .iter()
                    .rposition(|&o| t[o].text == want)
                    .map(|p| p + floor)
                {
                    let o = stack[pos];
                    stack.truncate(pos);
                    pair[o] = Some(i);
                    pair[i] = Some(o);
                }
            }
            _ => {}
        }
    }
    pair
}

/// For each token, the innermost bracket open before it that is not closed before it
/// (any close closes the innermost open, as a backward scan would count them).
fn enclosing_opens(t: &[Tok]) -> Vec<Option<u32>> {
    let mut out = Vec::with_capacity(t.len());
    let mut stack: Vec<u32> = Vec::new();
    for (i, tok) in t.iter().enumerate() {
        out.push(stack.last().copied());
        match tok.k {
            K::Open => stack.push(u32::try_from(i).unwrap_or(u32::MAX)),
            K::Close => {
                stack.pop();
            }
            _ => {}
        }
    }
    out
}

fn is_constant_case(s: &str) -> bool {
    s.len() > 1
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && s.as_bytes()[0].is_ascii_uppercase()
}

impl Code<'_, '_> {
    fn text(&self, i: usize) -> &str {
        self.t.get(i).map_or("", |t| t.text.as_str())
    }

    fn is(&self, i: usize, k: K, s: &str) -> bool {
        self.t.get(i).is_some_and(|t| t.k == k && t.text == s)
    }

    fn punct(&self, i: usize, s: &str) -> bool {
        self.is(i, K::Punct, s)
    }

    fn span(&self, a: usize, b: usize) -> Span {
        if a >= b || b > self.t.len() {
            return self.t.get(a).map_or(Span::default(), |t| t.span);
        }
        self.t[a].span.cover(self.t[b - 1].span)
    }

    fn after(&self, i: usize) -> usize {
        match self.t.get(i) {
            Some(t) if t.k == K::Open => self.pair[i].map_or(i + 1, |p| p + 1),
            _ => i + 1,
        }
    }

    fn is_member_sep(&self, i: usize) -> bool {
        self.t
            .get(i)
            .is_some_and(|t| t.k == K::Punct && matches!(t.text.as_str(), "." | "::" | "->" | "?."))
    }

    /// Start of the qualified name ending at identifier `i` (`a.b::c`).
    fn chain_start(&self, i: usize) -> usize {
        let mut s = i;
        while s >= 2 && self.is_member_sep(s - 1) && self.t[s - 2].k == K::Ident {
            s -= 2;
        }
        s
    }

    fn chain_text(&self, s: usize, e: usize) -> String {
        (s..=e)
            .step_by(2)
            .map(|j| self.text(j))
            .collect::<Vec<_>>()
            .join(".")
    }

    fn in_ranges(ranges: &[(usize, usize)], i: usize) -> bool {
        ranges.iter().any(|&(a, b)| i > a && i < b)
    }

    fn find_enums_and_imports(&mut self) {
        let n = self.t.len();
        let mut i = 0;
        while i < n {
            if crate::budget::exceeded() {
                return;
            }
            let tok = &self.t[i];
            if tok.k == K::Ident && tok.text == "enum" && tok.pp.is_none() {
                // enum [class|struct] Name [: type] {
                let mut j = i + 1;
                while j < n && j < i + 12 && !self.is(j, K::Open, "{") && !self.punct(j, ";") {
                    j += 1;
                }
                if self.is(j, K::Open, "{") {
                    if let Some(close) = self.pair[j] {
                        self.enums.push((j, close));
                    }
                }
            }
            let import_kw = match self.lang {
                Lang::Java => matches!(tok.text.as_str(), "import" | "package"),
                Lang::CSharp => {
                    tok.text == "using"
                        && !self.is(i + 1, K::Open, "(")
                        && !self.is(i + 1, K::Ident, "var")
                }
                Lang::Python => matches!(tok.text.as_str(), "import" | "from") && tok.line_start,
                Lang::Js => tok.text == "import" && tok.line_start,
                Lang::Go => tok.text == "import",
                Lang::C => false,
            };
            if tok.k == K::Ident && import_kw {
                let mut j = i + 1;
                let line_end = |this: &Self, j: usize| this.t.get(j).is_none_or(|t| t.line_start);
                while j < n
                    && !self.punct(j, ";")
                    && !(self.lang == Lang::Python && line_end(self, j))
                {
                    if self.lang == Lang::Go && self.is(j, K::Open, "(") {
                        j = self.after(j);
                        break;
                    }
                    if self.lang == Lang::Js && self.t[j].k == K::Str {
                        j += 1;
                        break;
                    }
                    j += 1;
                }
                self.imports.push((i, j.min(n)));
                i = j;
                continue;
            }
            i += 1;
        }
    }

    /// Whether the value at tokens `[s, e]` is tested, cleared or compared rather than set.
    fn tested_or_cleared(&self, s: usize, e: usize) -> bool {
        let mut j = s;
        loop {
            if j == 0 {
                break;
            }
            let p = &self.t[j - 1];
            match (p.k, p.text.as_str()) {
                (K::Open, "(" | "[" | "{") => {
                    if j >= 2
                        && self.t[j - 2].k == K::Ident
                        && matches!(
                            self.t[j - 2].text.as_str(),
                            "HasFlag"
                                | "hasFlag"
                                | "contains"
                                | "Contains"
                                | "includes"
                                | "nameof"
                                | "typeof"
                                | "sizeof"
                                | "equals"
                                | "Equals"
                        )
                    {
                        return true;
                    }
                    // A cast `(DWORD)X`, a group, or a list literal: keep walking left,
                    // past the element type of `[]uint16{...}` / `new int[] {...}`.
                    j -= 1;
                    if p.text == "{" {
                        while j > 0
                            && (self.t[j - 1].k == K::Ident
                                || self.is_member_sep(j - 1)
                                || self.punct(j - 1, "*")
                                || matches!(self.text(j - 1), "[" | "]"))
                            && !matches!(self.text(j - 1), "return" | "new" | "in")
                        {
                            j -= 1;
                        }
                        if j > 0 && self.is(j - 1, K::Ident, "new") {
                            j -= 1;
                        }
                    }
                }
                (K::Punct, ",") => {
                    // An element of a list or an argument: judged by what holds the list
                    // (`x in (A, B)`, `Contains(new[] {A, B}, v)`).
                    match self.enclosing_open(j - 1) {
                        Some(o) => j = o + 1,
                        None => break,
                    }
                }
                (K::Close, ")") => {
                    // A cast before the value: `(long)X`.
                    match self.pair[j - 1] {
                        Some(o)
                            if (o + 1..j - 1)
                                .all(|k| self.t[k].k == K::Ident || self.punct(k, "*")) =>
                        {
                            j = o
                        }
                        _ => break,
                    }
                }
                (K::Punct, "|" | "+" | "||") => {
                    // Skip the operand on the left of the OR.
                    let mut k = j - 1;
                    if k == 0 {
                        break;
                    }
                    k -= 1;
                    if let Some(o) = self
                        .t
                        .get(k)
                        .filter(|t| t.k == K::Close)
                        .and_then(|_| self.pair[k])
                    {
                        k = o;
                    } else {
                        while k >= 2 && self.is_member_sep(k - 1) {
                            k -= 2;
                        }
                    }
                    j = k;
                }
                (
                    K::Punct,
                    "~" | "&" | "&=" | "^" | "^=" | "==" | "!=" | "===" | "!==" | "<" | ">" | "<="
                    | ">=" | "!" | "&&",
                ) => return true,
                (K::Ident, "case" | "is" | "in" | "not") => return true,
                // C# pattern combinators: `x is A or B`.
                (K::Ident, "or" | "and") if self.lang == Lang::CSharp => return true,
                _ => break,
            }
        }
        // On the right: `X & mask`, `X == y`.
        let mut k = e + 1;
        loop {
            match self.t.get(k) {
                Some(t) if t.k == K::Close && t.text == ")" => k += 1,
                Some(t) if t.k == K::Punct && t.text == "|" => k = self.after(k + 1),
                Some(t)
                    if t.k == K::Punct
                        && matches!(
                            t.text.as_str(),
                            "&" | "==" | "!=" | "===" | "!==" | "<" | ">" | "<=" | ">="
                        ) =>
                {
                    return true;
                }
                _ => return false,
            }
        }
    }

    /// The innermost group opened before token `i` and still open there.
    fn enclosing_open(&self, i: usize) -> Option<usize> {
        // Precomputed: scanning backwards per call would be quadratic on deep nesting.
        self.encl.get(i).copied().flatten().map(|o| o as usize)
    }

    /// A key of a map or dict literal (`{X: "name", ...}`) or a C# switch-expression
    /// arm (`X => ...`): a name for the value, not a use of it.
    fn is_key_or_pattern(&self, s: usize, e: usize) -> bool {
        if self.punct(e + 1, "=>") && self.lang == Lang::CSharp {
            return true;
        }
        self.punct(e + 1, ":")
            && s > 0
            && (self.punct(s - 1, ",") || self.is(s - 1, K::Open, "{"))
            && self.enclosing_open(s).is_some_and(|o| self.text(o) == "{")
    }

    /// The member assigned by the statement containing token `i` (`x.Target = ... i ...`).
    fn assignment_target(&self, i: usize) -> Option<&str> {
        let mut j = i;
        let mut depth = 0i32;
        while j > 0 {
            j -= 1;
            let t = &self.t[j];
            match t.k {
                K::Close => depth += 1,
                K::Open => {
                    if depth == 0 {
                        return None;
                    }
                    depth -= 1;
                }
                K::Punct if depth == 0 && matches!(t.text.as_str(), ";") => return None,
                K::Punct if depth == 0 && matches!(t.text.as_str(), "=" | "|=" | ":") => {
                    return (j > 0 && self.t[j - 1].k == K::Ident).then(|| self.text(j - 1));
                }
                _ => {}
            }
        }
        None
    }

    fn constants(&mut self) {
        let n = self.t.len();
        for i in 0..n {
            if crate::budget::exceeded() {
                return;
            }
            let tok = &self.t[i];
            if tok.k != K::Ident || tok.pp.is_some() {
                continue;
            }
            // Only the last identifier of a qualified name.
            if self.is_member_sep(i + 1) && self.t.get(i + 2).is_some_and(|t| t.k == K::Ident) {
                continue;
            }
            let s = self.chain_start(i);
            let qualified = self.chain_text(s, i);
            let Some(found) = self.ctx.index.lookup(self.ctx.tables, &qualified, false) else {
                continue;
            };
            let cats = found.table.categories_of(found.entry);
            if cats.is_empty() {
                continue;
            }
            if Self::in_ranges(&self.enums, i)
                || Self::in_ranges(&self.imports, i)
                || self.imports.iter().any(|&(a, _)| a == i)
            {
                continue;
            }
            // A definition of the constant itself: `X = ...`, `const X ...`, `X: int = ...`.
            if self.punct(i + 1, "=")
                || self.punct(i + 1, ":=")
                || (s > 0 && self.is(s - 1, K::Ident, "const") && self.lang == Lang::Go)
            {
                continue;
            }
            if self.tested_or_cleared(s, i) || self.is_key_or_pattern(s, i) {
                continue;
            }
            if self
                .assignment_target(s)
                .is_some_and(|t| self.ctx.index.is_safe_target(t))
            {
                continue;
            }
            let span = self.span(s, i + 1);
            let fact = FlagFact {
                table: found.table.id.clone(),
                value: found.entry.value,
                name: Some(found.entry.names[0].clone()),
                span,
            };
            self.facts.push(Fact::Flags(fact));
        }
    }

    /// Arguments of the call whose `(` is at `open`: token ranges.
    fn args(&self, open: usize) -> Vec<(usize, usize)> {
        let close = self.pair[open].unwrap_or(open);
        let mut out = Vec::new();
        let mut s = open + 1;
        let mut j = open + 1;
        while j < close {
            if self.punct(j, ",") {
                out.push((s, j));
                s = j + 1;
            }
            j = self.after(j);
        }
        if s < close {
            out.push((s, close));
        }
        out
    }

    /// Strips `&`, casts and wrapping parentheses from an argument.
    fn strip_arg(&self, mut a: usize, b: usize) -> (usize, usize) {
        loop {
            if a < b && (self.punct(a, "&") || self.punct(a, "*")) {
                a += 1;
            } else if a < b && self.is(a, K::Open, "(") {
                let close = self.pair[a].unwrap_or(b);
                let inner_is_type =
                    (a + 1..close).all(|k| self.t[k].k == K::Ident || self.punct(k, "*"));
                if inner_is_type && close + 1 < b {
                    a = close + 1;
                } else if close + 1 == b {
                    return self.strip_arg(a + 1, close);
                } else {
                    return (a, b);
                }
            } else {
                return (a, b);
            }
        }
    }

    /// Numbers in `[a, b)` (an OR of numbers and constants).
    fn numbers_in(&self, a: usize, b: usize) -> Vec<(u64, Span)> {
        (a..b)
            .filter(|&k| self.t[k].k == K::Num)
            .filter_map(|k| int_value(&self.t[k].text).map(|v| (v, self.t[k].span)))
            .collect()
    }

    /// Numbers assigned to variable `name` before token `before`, walking back through
    /// the enclosing blocks. An assignment in a branch (`if (x) f = A; else f = B;`, a
    /// nested block) adds its values and the walk goes on; an unconditional `=` at the
    /// sink's own level ends it.
    fn assigned_numbers(&self, name: &str, before: usize) -> Vec<(u64, Span)> {
        let mut out = Vec::new();
        let mut depth = 0usize;
        let mut j = before;
        while j > 0 {
            j -= 1;
            let t = &self.t[j];
            match t.k {
                K::Close => depth += 1,
                K::Open => depth = depth.saturating_sub(1),
                _ => {}
            }
            if t.k == K::Ident
                && t.text == name
                && (self.punct(j + 1, "=") || self.punct(j + 1, "|="))
                && !self.is_member_sep(j.wrapping_sub(1))
            {
                let mut e = j + 2;
                while e < self.t.len()
                    && !self.punct(e, ";")
                    && !(self.punct(e, ",") && self.lang != Lang::Go)
                {
                    e = self.after(e);
                }
                out.extend(self.numbers_in(j + 2, e));
                let in_branch = depth > 0
                    || (j > 0
                        && (self.is(j - 1, K::Close, ")") || self.is(j - 1, K::Ident, "else")));
                if self.punct(j + 1, "=") && !in_branch {
                    return out;
                }
            }
        }
        out
    }

    fn sinks(&mut self) {
        let n = self.t.len();
        let mut found: Vec<Fact> = Vec::new();
        for i in 0..n {
            if crate::budget::exceeded() {
                return;
            }
            if self.t[i].k != K::Ident || !self.is(i + 1, K::Open, "(") || self.t[i].pp.is_some() {
                continue;
            }
            let name = self.text(i);
            for table in self.ctx.tables {
                for sink in &table.sinks {
                    if sink.call != name
                        && !(name.len() == sink.call.len() + 1
                            && name.starts_with(sink.call.as_str())
                            && (name.ends_with('W') || name.ends_with('A')))
                    {
                        continue;
                    }
                    let args = self.args(i + 1);
                    if let Some(opt) = &sink.option {
                        let Some(&(_, ob)) = args.get(sink.option_arg) else {
                            continue;
                        };
                        if ob == 0 || self.text(ob - 1) != opt {
                            continue;
                        }
                    }
                    let Some(&(va, vb)) = args.get(sink.arg) else {
                        continue;
                    };
                    let (va, vb) = self.strip_arg(va, vb);
                    let nums = if vb == va + 1
                        && self.t[va].k == K::Ident
                        && !is_constant_case(self.text(va))
                    {
                        self.assigned_numbers(self.text(va), i)
                    } else {
                        self.numbers_in(va, vb)
                    };
                    for (v, span) in nums {
                        found.push(Fact::Flags(FlagFact {
                            table: table.id.clone(),
                            value: v,
                            name: None,
                            span,
                        }));
                    }
                }
            }
        }
        // Numbers assigned to a table's typed member: `cred.grbitEnabledProtocols = 0xA80;`,
        // `SecurityProtocol = (SecurityProtocolType)3072 | (SecurityProtocolType)768;`.
        for i in 0..n {
            let t = &self.t[i];
            if t.k != K::Ident
                || t.pp.is_some()
                || !(self.punct(i + 1, "=") || self.punct(i + 1, "|=") || self.punct(i + 1, ":"))
            {
                continue;
            }
            let Some(table) = self.ctx.index.table_for_target(self.ctx.tables, &t.text) else {
                continue;
            };
            let mut e = i + 2;
            while e < n && !self.punct(e, ";") && !self.punct(e, ",") && self.t[e].k != K::Close {
                // A cleared or tested operand (`& ~0x80`) is not part of the value.
                if self.punct(e, "&") || self.punct(e, "~") {
                    break;
                }
                e = self.after(e);
            }
            for k in i + 2..e {
                // Not an argument of a call on the right (`Pick(3)`) nor an index.
                let in_call = self.enclosing_open(k).is_some_and(|o| {
                    o > i + 1
                        && (self.text(o) == "["
                            || (self.text(o) == "(" && o > 0 && self.t[o - 1].k == K::Ident))
                });
                let Some(v) = (self.t[k].k == K::Num && !in_call)
                    .then(|| int_value(&self.t[k].text))
                    .flatten()
                else {
                    continue;
                };
                let span = self.t[k].span;
                found.push(Fact::Flags(FlagFact {
                    table: table.id.clone(),
                    value: v,
                    name: None,
                    span,
                }));
            }
        }
        self.facts.extend(found);
    }

    fn literal(&self, a: usize, b: usize) -> Value {
        let (a, b) = self.strip_arg(a, b);
        if b == a + 1 {
            let t = &self.t[a];
            return match t.k {
                K::Num => int_value(&t.text).map_or_else(|| Value::Str(t.text.clone()), Value::Int),
                K::Str | K::Ident => Value::Str(t.text.clone()),
                _ => Value::Unknown,
            };
        }
        if b > a
            && (a..b).step_by(2).all(|k| self.t[k].k == K::Ident)
            && (a + 1..b).step_by(2).all(|k| self.is_member_sep(k))
        {
            return Value::Str(self.chain_text(a, b - 1));
        }
        Value::Unknown
    }

    fn setting(&mut self, domain: &'static str, key: String, value: Value, span: Span) {
        self.facts.push(Fact::Setting(SettingFact {
            domain,
            key,
            value,
            span,
        }));
    }

    fn calls(&mut self) {
        let n = self.t.len();
        for i in 0..n {
            if crate::budget::exceeded() {
                return;
            }
            if self.t[i].k != K::Ident
                || !self.is(i + 1, K::Open, "(")
                || self.t[i].pp.is_some()
                || Self::in_ranges(&self.imports, i)
            {
                continue;
            }
            let method = self.text(i).to_string();
            let receiver = if i >= 2 && self.is_member_sep(i - 1) && self.t[i - 2].k == K::Ident {
                Some(self.text(i - 2).to_string())
            } else {
                None
            };
            let args = self.args(i + 1);
            let key = match &receiver {
                Some(r) => format!("{r}.{method}"),
                None => method.clone(),
            };
            // Constant-keyed options: f(h, CONST, value).
            for (k, &(a, b)) in args.iter().enumerate() {
                let (a2, b2) = self.strip_arg(a, b);
                if b2 == 0
                    || b2 <= a2
                    || self.t[b2 - 1].k != K::Ident
                    || !is_constant_case(self.text(b2 - 1))
                {
                    continue;
                }
                if let Some(&(va, vb)) = args.get(k + 1) {
                    let value = self.literal(va, vb);
                    let span = self.span(va, vb);
                    self.setting(
                        "call-option",
                        format!("{method}.{}", self.text(b2 - 1)),
                        value,
                        span,
                    );
                }
            }
            // Literal arguments (strings anywhere inside, booleans and numbers at the top).
            let close = self.pair[i + 1].unwrap_or(i + 1);
            for k in i + 2..close {
                if self.t[k].k == K::Str && !self.compared_literal(k) {
                    let (v, sp) = (self.t[k].text.clone(), self.t[k].span);
                    self.setting("call-arg", key.clone(), Value::Str(v), sp);
                }
            }
            for &(a, b) in &args {
                if b == a + 1
                    && (self.t[a].k == K::Num
                        || matches!(self.text(a), "true" | "false" | "True" | "False"))
                {
                    let (v, sp) = (self.t[a].text.clone(), self.t[a].span);
                    self.setting("call-arg", key.clone(), Value::Str(v), sp);
                }
            }
            self.special_call(&method, receiver.as_deref(), &args);
        }
    }

    /// A string compared or searched for (`p.equals("SSLv3")`, `x == "TLSv1"`), not passed
    /// as a value.
    fn compared_literal(&self, k: usize) -> bool {
        if k > 0 && matches!(self.text(k - 1), "==" | "!=" | "===" | "!==") {
            return true;
        }
        if matches!(self.text(k + 1), "==" | "!=" | "===" | "!==") {
            return true;
        }
        self.enclosing_open(k).is_some_and(|o| {
            self.text(o) == "("
                && o > 0
                && matches!(
                    self.text(o - 1),
                    "equals"
                        | "equalsIgnoreCase"
                        | "Equals"
                        | "contains"
                        | "Contains"
                        | "startsWith"
                        | "StartsWith"
                        | "endsWith"
                        | "EndsWith"
                        | "matches"
                        | "compareTo"
                        | "includes"
                        | "indexOf"
                        | "IndexOf"
                        | "strcmp"
                        | "_stricmp"
                        | "wcscmp"
                        | "_wcsicmp"
                        | "lstrcmpi"
                        | "remove"
                        | "Remove"
                )
        })
    }

    fn string_arg(&self, args: &[(usize, usize)], k: usize) -> Option<(String, Span)> {
        let &(a, b) = args.get(k)?;
        let (a, b) = self.strip_arg(a, b);
        // Go's os.Setenv("X", "0"), C's L"X" / TEXT("X").
        let idx = (a..b).find(|&j| self.t[j].k == K::Str)?;
        Some((self.t[idx].text.clone(), self.t[idx].span))
    }

    fn special_call(&mut self, method: &str, receiver: Option<&str>, args: &[(usize, usize)]) {
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
        ) || (method == "setdefault" && receiver == Some("environ"))
            || (method == "putenv" && receiver == Some("os"));
        if env_call {
            if let Some((name, span)) = self.string_arg(args, 0) {
                if let Some((k, v)) = name.split_once('=') {
                    super::command::env_setting(k, Value::Str(v.to_string()), span, self.facts);
                } else if let Some(&(a, b)) = args.get(1) {
                    let value = self.literal(a, b);
                    super::command::env_setting(&name, value, self.span(a, b), self.facts);
                }
            }
        }
        if method == "setProperty" && receiver == Some("System") {
            if let (Some((k, _)), Some((v, vspan))) =
                (self.string_arg(args, 0), self.string_arg(args, 1))
            {
                self.setting("jvm-property", k, Value::Str(v), vspan);
            }
        }
        if method == "SetSwitch" && receiver == Some("AppContext") {
            if let (Some((k, _)), Some(&(a, b))) = (self.string_arg(args, 0), args.get(1)) {
                let value = self.literal(a, b);
                self.setting("appcontext-switch", k, value, self.span(a, b));
            }
        }
    }

    fn assignments(&mut self) {
        let n = self.t.len();
        let domain = self.lang.domain();
        for i in 0..n {
            if crate::budget::exceeded() {
                return;
            }
            let t = &self.t[i];
            if t.pp.is_some() {
                continue;
            }
            let key_tok = matches!(t.k, K::Ident)
                || (t.k == K::Str && matches!(self.lang, Lang::Python | Lang::Js));
            if !key_tok {
                continue;
            }
            let Some(op) = self
                .t
                .get(i + 1)
                .filter(|o| o.k == K::Punct)
                .map(|o| o.text.as_str())
            else {
                continue;
            };
            let ok = match op {
                "=" | "|=" => true,
                ":" => {
                    !(matches!(self.lang, Lang::C)
                        || (self.lang == Lang::Python
                            && self.t[i].k == K::Ident
                            && !self.inside(i, "{")))
                }
                ":=" => self.lang == Lang::Go,
                _ => false,
            };
            if !ok {
                continue;
            }
            // The value: up to a separator at this level.
            let a = i + 2;
            let mut b = a;
            while b < n {
                let v = &self.t[b];
                if v.k == K::Close
                    || (v.k == K::Punct && matches!(v.text.as_str(), "," | ";" | "=" | ":"))
                    || (b > a && v.line_start && self.lang == Lang::Python)
                {
                    break;
                }
                b = self.after(b);
            }
            if b == a {
                continue;
            }
            let key = self.t[i].text.clone();
            let value = self.literal(a, b);
            let span = self.span(a, b);
            // process.env.X = ..., os.environ["X"] = ...
            if i >= 2
                && self.is_member_sep(i - 1)
                && self.text(i - 2) == "env"
                && (i < 4 || self.text(i - 4) == "process")
                && op == "="
            {
                super::command::env_setting(&key, value, span, self.facts);
                continue;
            }
            self.setting(domain, key, value, span);
        }
        // Index assignments: process.env['X'] = v; os.environ["X"] = v.
        for i in 0..n {
            if !self.is(i, K::Open, "[") || i == 0 {
                continue;
            }
            let recv = self.text(i - 1);
            if recv != "env" && recv != "environ" {
                continue;
            }
            let close = self.pair[i].unwrap_or(i);
            if close != i + 2 || self.t[i + 1].k != K::Str || !self.punct(close + 1, "=") {
                continue;
            }
            let mut b = close + 2;
            while b < n && !self.punct(b, ";") && !self.t[b].line_start {
                b = self.after(b);
            }
            let value = self.literal(close + 2, b);
            let span = self.span(close + 2, b);
            let name = self.t[i + 1].text.clone();
            super::command::env_setting(&name, value, span, self.facts);
        }
    }

    /// Whether token `i` sits directly inside a group opened by `open`.
    fn inside(&self, i: usize, open: &str) -> bool {
        let mut depth = 0i32;
        let mut j = i;
        while j > 0 {
            j -= 1;
            match self.t[j].k {
                K::Close => depth += 1,
                K::Open if depth == 0 => return self.t[j].text == open,
                K::Open => depth -= 1,
                _ => {}
            }
        }
        false
    }

    fn construct(&mut self, name: &'static str, cat: Category, span: Span, detail: String) {
        self.facts.push(Fact::Construct(ConstructFact {
            name,
            categories: vec![cat],
            span,
            detail,
        }));
    }

    fn callbacks(&mut self) {
        match self.lang {
            Lang::CSharp => self.csharp_callbacks(),
            Lang::Java => self.java_callbacks(),
            Lang::Js => self.js_callbacks(),
            _ => {}
        }
    }

    /// Indices of the tokens of a `{ }` body, without the braces.
    fn body(&self, open: usize) -> (usize, usize) {
        (open + 1, self.pair[open].unwrap_or(open + 1))
    }

    fn csharp_callbacks(&mut self) {
        let n = self.t.len();
        for i in 0..n {
            let t = self.t[i].clone();
            if t.pp.is_some() {
                continue;
            }
            if t.k == K::Ident
                && t.text == "DangerousAcceptAnyServerCertificateValidator"
                && !Self::in_ranges(&self.imports, i)
            {
                let span = t.span;
                self.construct(
                    "trust-all-callback",
                    Category::CertValidation,
                    span,
                    "DangerousAcceptAnyServerCertificateValidator".into(),
                );
            }
            // Lambdas: (a, b, c, d) => body
            if self.punct(i, "=>") && i > 0 {
                let (params, start) = if self.is(i - 1, K::Close, ")") {
                    let o = self.pair[i - 1].unwrap_or(i - 1);
                    (self.args(o).len(), o)
                } else {
                    (1, i - 1)
                };
                let cb_context = self.callback_context(start);
                if params == 4 || cb_context {
                    self.judge_validation_body(i + 1, start, true);
                }
            }
            // delegate (...) { ... } / delegate { ... }
            if t.k == K::Ident && t.text == "delegate" {
                let mut j = i + 1;
                if self.is(j, K::Open, "(") {
                    j = self.after(j);
                }
                if self.is(j, K::Open, "{") && self.callback_context(i) {
                    self.judge_validation_body(j, i, false);
                }
            }
            // Methods taking SslPolicyErrors: Name(... SslPolicyErrors e ...) { ... }
            if t.k == K::Ident && self.is(i + 1, K::Open, "(") {
                let close = self.pair[i + 1].unwrap_or(i + 1);
                let has_errors = (i + 2..close).any(|k| self.text(k) == "SslPolicyErrors")
                    && (i + 2..close).all(|k| self.t[k].k != K::Str);
                if has_errors && self.is(close + 1, K::Open, "{") {
                    self.judge_validation_body(close + 1, i, false);
                }
            }
        }
    }

    /// The lambda/delegate starting at `start` is assigned or passed as a certificate callback.
    fn callback_context(&self, start: usize) -> bool {
        let mut j = start;
        while j > 0 {
            j -= 1;
            let t = &self.t[j];
            if t.k == K::Ident && t.text.contains("ValidationCallback") {
                return true;
            }
            if t.k == K::Punct && matches!(t.text.as_str(), ";")
                || (t.k == K::Open && t.text == "{")
                || start - j > 6
            {
                return false;
            }
        }
        false
    }

    /// Judges a callback body: `=> true` / `{ ...; return true; }` with no rejecting path
    /// before it accepts everything; a returned expression or an `if` that returns true
    /// and accepts an error class (`errors == RemoteCertificateChainErrors`,
    /// `(errors & ~RemoteCertificateNameMismatch) == None`) accepts those certificates.
    /// `at` is where the callback is written.
    fn judge_validation_body(&mut self, body: usize, at: usize, lambda: bool) {
        let span = self.t[at].span;
        if lambda && !self.is(body, K::Open, "{") {
            // Expression body.
            let mut e = body;
            while e < self.t.len()
                && !self.punct(e, ";")
                && !self.punct(e, ",")
                && self.t[e].k != K::Close
            {
                e = self.after(e);
            }
            if e == body + 1 && self.text(body) == "true" {
                self.trust_all(span, "callback returns true");
            } else {
                self.accepted_errors(body, e);
            }
            return;
        }
        let (a, b) = self.body(body);
        // Statements of the body at its own level; `rejects` once any path returns
        // something other than `true` or throws.
        let mut k = a;
        let mut rejects = false;
        while k < b {
            if self.is(k, K::Ident, "return") {
                let end = (k..b).find(|&x| self.punct(x, ";")).unwrap_or(b);
                if end == k + 2 && self.is(k + 1, K::Ident, "true") {
                    if !rejects {
                        self.trust_all(span, "callback returns true");
                    }
                } else {
                    self.accepted_errors(k + 1, end);
                }
                return;
            }
            if self.is(k, K::Ident, "if") && self.is(k + 1, K::Open, "(") {
                let close = self.pair[k + 1].unwrap_or(k + 1);
                let then = close + 1;
                let then_end = if self.is(then, K::Open, "{") {
                    self.after(then)
                } else {
                    (then..b).find(|&x| self.punct(x, ";")).map_or(b, |x| x + 1)
                };
                let returns_true = (then..then_end)
                    .any(|x| self.is(x, K::Ident, "return") && self.is(x + 1, K::Ident, "true"));
                if returns_true {
                    self.accepted_errors(k + 2, close);
                }
                rejects |= self.rejects_in(then, then_end);
                k = then_end;
                continue;
            }
            let next = self.after(k);
            rejects |= self.rejects_in(k, next);
            k = next;
        }
    }

    /// Whether tokens `[a, b)` hold a `throw` or a `return` of anything but `true`.
    fn rejects_in(&self, a: usize, b: usize) -> bool {
        (a..b).any(|x| {
            self.is(x, K::Ident, "throw")
                || (self.is(x, K::Ident, "return") && !self.is(x + 1, K::Ident, "true"))
        })
    }

    fn trust_all(&mut self, span: Span, detail: &str) {
        self.construct(
            "trust-all-callback",
            Category::CertValidation,
            span,
            detail.into(),
        );
    }

    /// `SslPolicyErrors` members accepted by the condition in `[a, b)`: compared for
    /// equality, OR-ed into an accepted mask, or masked out (`~X`). A name mismatch is
    /// hostname-validation; chain errors or a missing certificate are cert-validation.
    fn accepted_errors(&mut self, a: usize, b: usize) {
        for k in a..b.min(self.t.len()) {
            let (cat, what) = match self.text(k) {
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
            let s = self.chain_start(k);
            if s > 0 && matches!(self.text(s - 1), "==" | "|" | "is" | "~" | "or") {
                let sp = self.t[k].span;
                self.construct(
                    "trust-all-callback",
                    cat,
                    sp,
                    format!("callback accepts {what}"),
                );
            }
        }
    }

    /// Whether the statements in `[a, b)` only log (or there are none): a
    /// `checkServerTrusted` like that never throws, so it accepts every chain.
    fn only_logs(&self, a: usize, b: usize) -> bool {
        let mut k = a;
        while k < b {
            let end = (k..b).find(|&x| self.punct(x, ";")).unwrap_or(b);
            let first = self.text(k);
            let lower = first.to_ascii_lowercase();
            let logging = lower.contains("log")
                || (first == "System" && matches!(self.text(k + 2), "out" | "err"))
                || (first == "return" && end == k + 1);
            if !logging
                || self.rejects_in(k, end)
                || (k..end).any(|x| self.t[x].k == K::Open && self.text(x) == "{")
            {
                return false;
            }
            k = end + 1;
        }
        true
    }

    /// The `return` token of a top-level `return true;` in `[a, b)` reached with no
    /// rejecting path before it.
    fn returns_true_unconditionally(&self, a: usize, b: usize) -> Option<usize> {
        let mut k = a;
        while k < b {
            if self.is(k, K::Ident, "return") {
                return (self.is(k + 1, K::Ident, "true") && self.punct(k + 2, ";")).then_some(k);
            }
            let next = self.after(k);
            if self.rejects_in(k, next) {
                return None;
            }
            k = next;
        }
        None
    }

    fn java_callbacks(&mut self) {
        let n = self.t.len();
        for i in 0..n {
            let t = &self.t[i];
            if t.k != K::Ident {
                continue;
            }
            // checkServerTrusted(...) [throws ...] { }
            if (t.text == "checkServerTrusted" || t.text == "verify")
                && self.is(i + 1, K::Open, "(")
            {
                let close = self.pair[i + 1].unwrap_or(i + 1);
                let mut j = close + 1;
                if self.is(j, K::Ident, "throws") {
                    while j < n && !self.is(j, K::Open, "{") && !self.punct(j, ";") {
                        j += 1;
                    }
                }
                if !(self.is(j, K::Open, "{") && i > 0 && matches!(self.t[i - 1].k, K::Ident)) {
                    continue;
                }
                let (a, b) = self.body(j);
                if t.text == "checkServerTrusted" && self.only_logs(a, b) {
                    let span = t.span;
                    self.construct(
                        "trust-all-callback",
                        Category::CertValidation,
                        span,
                        "checkServerTrusted accepts every chain (it never throws)".into(),
                    );
                } else if t.text == "verify" {
                    if let Some(r) = self.returns_true_unconditionally(a, b) {
                        let span = self.span(r, r + 3);
                        self.construct(
                            "trust-all-hostname-verifier",
                            Category::HostnameValidation,
                            span,
                            "HostnameVerifier.verify returns true".into(),
                        );
                    }
                }
            }
        }
        // Lambdas returning true: (h, s) -> true
        for i in 0..n {
            if !self.punct(i, "->") || i == 0 || !self.is(i - 1, K::Close, ")") {
                continue;
            }
            let o = self.pair[i - 1].unwrap_or(i - 1);
            let returns_true = self.is(i + 1, K::Ident, "true")
                || (self.is(i + 1, K::Open, "{")
                    && self.is(i + 2, K::Ident, "return")
                    && self.is(i + 3, K::Ident, "true"));
            if !returns_true {
                continue;
            }
            // The call or declaration it is passed to.
            let mut j = o;
            let mut context = String::new();
            while j > 0 && o - j < 12 {
                j -= 1;
                if self.t[j].k == K::Ident {
                    context.push_str(&self.t[j].text);
                    context.push(' ');
                }
                if self.punct(j, ";") || self.is(j, K::Open, "{") {
                    break;
                }
            }
            let span = self.t[o].span;
            if context.contains("ostnameVerifier") {
                self.construct(
                    "trust-all-hostname-verifier",
                    Category::HostnameValidation,
                    span,
                    "HostnameVerifier lambda returns true".into(),
                );
            } else if context.contains("TrustMaterial") || context.contains("TrustStrategy") {
                self.construct(
                    "trust-all-callback",
                    Category::CertValidation,
                    span,
                    "TrustStrategy lambda returns true".into(),
                );
            }
        }
    }

    fn js_callbacks(&mut self) {
        let n = self.t.len();
        for i in 0..n {
            if !(self.t[i].k == K::Ident && self.t[i].text == "checkServerIdentity") {
                continue;
            }
            // Method shorthand in an object literal: `checkServerIdentity() {}`.
            let shorthand = self.is(i + 1, K::Open, "(")
                && self.is(self.after(i + 1), K::Open, "{")
                && !self.is_member_sep(i.wrapping_sub(1));
            if !(self.punct(i + 1, ":") || self.punct(i + 1, "=") || shorthand) {
                continue;
            }
            let v = if shorthand { i } else { i + 2 };
            // () => undefined | () => {} | function () {} | () => { return undefined; }
            let mut j = if shorthand { i + 1 } else { v };
            if self.is(j, K::Ident, "function") {
                j += 1;
                if self.t.get(j).is_some_and(|t| t.k == K::Ident) {
                    j += 1;
                }
            }
            if self.is(j, K::Open, "(") {
                j = self.after(j);
            } else if self.t.get(j).is_some_and(|t| t.k == K::Ident) {
                j += 1;
            }
            if self.punct(j, "=>") {
                j += 1;
            }
            let accepts = if self.is(j, K::Open, "{") {
                let (a, b) = self.body(j);
                a == b
                    || (self.is(a, K::Ident, "return")
                        && (b == a + 1
                            || (b <= a + 3 && matches!(self.text(a + 1), "undefined" | ";"))))
            } else {
                matches!(self.text(j), "undefined" | "null")
                    || (self.text(j) == "void" && self.t.get(j + 1).is_some_and(|t| t.k == K::Num))
            };
            if accepts {
                let span = self.span(v, j + 1);
                self.construct(
                    "trust-all-hostname-verifier",
                    Category::HostnameValidation,
                    span,
                    "checkServerIdentity returns undefined".into(),
                );
            }
        }
    }
}
