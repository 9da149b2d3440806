//! Commands that code runs: `os.system("curl -k ...")`, `subprocess.run(["curl", "-k",
//! url])`, `exec.Command("git", "-c", "http.sslVerify=false", ...)`, `Process.Start("curl.exe",
//! "-k https://x")`.
//!
//! A process-starting call is a sink (`rules/flow/flow.toml`, `[[exec]]`): the command line
//! it runs takes effect there. Its pieces are the string literals the code writes, in the
//! call or in a variable value flow brings to it; anything else is an unknown argument. The
//! command is then read by the same analyzers as a shell script or a batch file's line
//! (`command::command_facts`, `shell::analyze`), and each fact keeps the position of the
//! literal it came from, the call as its sink and the option that gates the call.

use super::super::embed::Embedded;
use super::sinks::Sinks;
use crate::analyze::command::{self, Arg, Shell};
use crate::diagnostic::Span;
use crate::facts::{Fact, SinkRef, Via};
use crate::format::FileFormat;
use crate::ir::flow::{ExecCall, ExecKind, ValKind};
use crate::ir::{AssignOp, BinOp, NodeId, NodeKind, StmtId, StmtKind};

/// How many pieces one command may be assembled from.
const MAX_PIECES: usize = 256;
/// How many statements before a call are searched for the variable's assignment.
const LOOK_BACK: usize = 4096;

impl Sinks<'_, '_> {
    /// Every call of the file that starts a process.
    pub(super) fn exec_calls(&mut self) {
        let ir = self.ir;
        let cfg = self.ctx.flow;
        // The prefilter's promise: the second stage reads a file for its commands only
        // when it holds a word of a rule that judges commands; so does this pass.
        let domain = super::sinks::domain(ir.lang);
        if cfg.exec.is_empty() || !cfg.exec_gate(domain, self.text.as_bytes()) {
            return;
        }
        for (i, node) in ir.nodes.iter().enumerate() {
            if crate::budget::exceeded() {
                return;
            }
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            let mut sub = Vec::new();
            match &node.kind {
                NodeKind::Call { callee, args, .. } => {
                    let Some(spec) = cfg.exec_call(ir.lang, callee) else {
                        continue;
                    };
                    let mut positional: Vec<NodeId> = args
                        .iter()
                        .filter(|a| a.name.is_none())
                        .map(|a| a.value)
                        .collect();
                    // `subprocess.run(args=[...])`.
                    if positional.is_empty() {
                        positional.extend(
                            args.iter()
                                .filter(|a| a.name.as_deref() == Some("args"))
                                .map(|a| a.value),
                        );
                    }
                    // `new ProcessStartInfo("curl.exe") { Arguments = ... }`: the object.
                    if node
                        .parent
                        .is_some_and(|p| matches!(ir.node(p).kind, NodeKind::Object { .. }))
                        && !spec.fields.is_empty()
                    {
                        continue;
                    }
                    self.exec_command(spec, &positional, &mut sub);
                    if sub.is_empty() {
                        self.through_wrapper(id, spec, &positional);
                        continue;
                    }
                }
                NodeKind::Object {
                    ty: Some(ty),
                    fields,
                    ..
                } => {
                    let Some(spec) = cfg.exec_call(ir.lang, ty) else {
                        continue;
                    };
                    let [program_field, args_field] = spec.fields.as_slice() else {
                        continue;
                    };
                    let field = |name: &str| {
                        fields
                            .iter()
                            .find(|f| f.key.eq_ignore_ascii_case(name))
                            .map(|f| f.value)
                    };
                    // The program: the field, or the constructor's first argument.
                    let program = field(program_field).or_else(|| {
                        ir.nodes.iter().find_map(|c| match &c.kind {
                            NodeKind::Call { args, .. } if c.parent == Some(id) => {
                                args.first().map(|a| a.value)
                            }
                            _ => None,
                        })
                    });
                    let parts: Vec<NodeId> = program.into_iter().chain(field(args_field)).collect();
                    if parts.len() == 2 {
                        self.exec_command(spec, &parts, &mut sub);
                    }
                }
                _ => continue,
            }
            if sub.is_empty() {
                continue;
            }
            let opt_in = self.flow.gate_at(node.stmt, Some(id));
            let sink = SinkRef {
                span: node.span,
                text: self.snippet(node.span),
            };
            for f in sub {
                let at = f.span();
                let elsewhere = at.start < node.span.start || at.end > node.span.end;
                let via = Via {
                    sink: elsewhere.then(|| sink.clone()),
                    path: if elsewhere {
                        vec![
                            SinkRef {
                                span: at,
                                text: self.snippet(at),
                            },
                            sink.clone(),
                        ]
                    } else {
                        Vec::new()
                    },
                    // The call's condition, or that of the statement that wrote the piece
                    // (`if insecure: cmd += ["--insecure"]`).
                    opt_in: opt_in.clone().or_else(|| self.gate_of_span(at)),
                    // Removing the option where a variable holds it would break the code.
                    no_fix: elsewhere,
                    ..Via::default()
                };
                self.push(f, via);
            }
        }
    }

    /// A function of the file that runs the command its caller hands it (`def
    /// run_scm_cmd(cmd, cwd): Popen(cmd, ...)`, then `run_scm_cmd(clone_cmd, tmp)`): the
    /// command is assembled where each call site of the function in the file builds it,
    /// and the call site's condition gates it. One level, at most 16 call sites.
    fn through_wrapper(&mut self, call: NodeId, spec: &ExecCall, positional: &[NodeId]) {
        let ir = self.ir;
        let Some(&first) = positional.get(spec.arg) else {
            return;
        };
        let NodeKind::Name(name) = &ir.node(first).kind else {
            return;
        };
        let stmt = ir.node(call).stmt;
        let f = ir.stmt(stmt).func;
        if f == 0 || self.last_assignment(name, stmt).is_some() {
            return;
        }
        let fd = ir.func(f);
        let Some(pi) = fd.params.iter().position(|p| &p.name == name) else {
            return;
        };
        if fd.name.is_empty() || fd.lambda {
            return;
        }
        let exec_sink = SinkRef {
            span: ir.node(call).span,
            text: self.snippet(ir.node(call).span),
        };
        for (site, value) in self.flow.call_site_arguments(f, pi, name) {
            let mut handed = positional.to_vec();
            if let Some(slot) = handed.get_mut(spec.arg) {
                *slot = value;
            }
            let mut sub = Vec::new();
            self.exec_command(spec, &handed, &mut sub);
            let site_span = ir.node(site).span;
            let opt_in = self
                .flow
                .gate_at(ir.node(site).stmt, Some(site))
                .or_else(|| self.flow.gate_at(stmt, Some(call)));
            for fact in sub {
                let at = fact.span();
                let via = Via {
                    sink: Some(exec_sink.clone()),
                    path: vec![
                        SinkRef {
                            span: at,
                            text: self.snippet(at),
                        },
                        SinkRef {
                            span: site_span,
                            text: self.snippet(site_span),
                        },
                        exec_sink.clone(),
                    ],
                    opt_in: opt_in.clone().or_else(|| self.gate_of_span(at)),
                    no_fix: true,
                    ..Via::default()
                };
                self.push(fact, via);
            }
        }
    }

    /// The gating option of the statement written around `span`: statements are in source
    /// order, so it is among the last few that start before it (a bounded look back, for
    /// files of a hundred thousand commands).
    fn gate_of_span(&self, span: Span) -> Option<String> {
        let stmts = &self.ir.stmts;
        let upto = stmts.partition_point(|s| s.span.start <= span.start);
        let i = (upto.saturating_sub(64)..upto)
            .rev()
            .find(|&i| stmts.get(i).is_some_and(|s| span.end <= s.span.end))?;
        self.flow
            .gate_at(u32::try_from(i).unwrap_or(u32::MAX), None)
    }

    fn exec_command(&self, spec: &ExecCall, positional: &[NodeId], out: &mut Vec<Fact>) {
        let rest = positional.get(spec.arg..).unwrap_or(&[]);
        let Some(&first) = rest.first() else {
            return;
        };
        match spec.kind {
            ExecKind::Shell => {
                if let Some(line) = self.command_line(&[first]) {
                    crate::analyze::analyze_embedded(FileFormat::Shell, &line, 1, self.ctx, out);
                }
            }
            ExecKind::Program => {
                let parts: Vec<NodeId> = rest.iter().copied().take(2).collect();
                if let Some(line) = self.command_line(&parts) {
                    crate::analyze::analyze_embedded(FileFormat::Cmd, &line, 1, self.ctx, out);
                }
            }
            ExecKind::Argv => {
                // `subprocess.run("curl -k https://x", shell=True)`: one command line.
                if rest.len() == 1 && self.list_items(first).is_none() {
                    if let Some(line) = self.command_line(&[first]) {
                        if line.text.trim().contains(char::is_whitespace) {
                            crate::analyze::analyze_embedded(
                                FileFormat::Shell,
                                &line,
                                1,
                                self.ctx,
                                out,
                            );
                            return;
                        }
                    }
                }
                let mut argv = self.argv(rest);
                if let Some(program) = argv.first_mut() {
                    self.name_the_program(program);
                }
                if argv.first().is_some_and(|a| a.known) {
                    command::command_facts(&argv, Shell::Posix, 1, self.ctx, out);
                }
            }
        }
    }

    /// The one string a node holds: a literal, or a variable every reaching value of
    /// which is the same literal. With where its text is written.
    fn string_value(&self, n: NodeId) -> Option<(String, Span)> {
        let node = self.ir.node(n);
        match &node.kind {
            NodeKind::Str(s) => Some((
                s.clone(),
                crate::source::content_span(self.text, node.span, s),
            )),
            NodeKind::Name(_) => {
                let vals = self.flow.resolve(n);
                if vals.is_empty() {
                    return None;
                }
                let mut found: Option<(String, Span)> = None;
                for v in &vals {
                    let ValKind::Str(s) = &v.kind else {
                        return None;
                    };
                    match &found {
                        Some((f, _)) if f != s => return None,
                        Some(_) => {}
                        None => {
                            found =
                                Some((s.clone(), crate::source::content_span(self.text, v.span, s)))
                        }
                    }
                }
                found
            }
            _ => None,
        }
    }

    /// The concatenation last assigned to the variable `n` before its use in the same
    /// function (`cmd = "curl -k " + url`), if that is what it holds.
    fn assembled_value(&self, n: NodeId) -> Option<NodeId> {
        let node = self.ir.node(n);
        let NodeKind::Name(name) = &node.kind else {
            return None;
        };
        let (_, value) = self.last_assignment(name, node.stmt)?;
        matches!(
            self.ir.node(value).kind,
            NodeKind::Bin { op: BinOp::Or, .. }
        )
        .then_some(value)
    }

    /// The last plain assignment (`=`) of variable `name` in the function of statement
    /// `at`, before it: its statement's index and value (a bounded look back).
    fn last_assignment(&self, name: &str, at: StmtId) -> Option<(usize, NodeId)> {
        let func = self.ir.stmt(at).func;
        let before = self.ir.stmts.get(..at as usize)?;
        before
            .iter()
            .enumerate()
            .rev()
            .take(LOOK_BACK)
            .find_map(|(i, s)| match &s.kind {
                StmtKind::Assign {
                    target,
                    op: AssignOp::Set,
                    value,
                } if s.func == func && self.ir.name(*target) == Some(name) => Some((i, *value)),
                _ => None,
            })
    }

    /// The elements of a list literal (`["curl", "-k"]`, `[]string{...}`), if `n` is one,
    /// or of the list a variable holds where `n` reads it: its last assignment in the
    /// function and what the statements after it add (`cmd += ["--insecure"]`,
    /// `cmd.append(x)`, `cmd.extend([...])`, Go's `args = append(args, x)`).
    fn list_items(&self, n: NodeId) -> Option<Vec<NodeId>> {
        self.list_items_at(n, 0)
    }

    fn list_items_at(&self, n: NodeId, depth: u32) -> Option<Vec<NodeId>> {
        let node = self.ir.node(n);
        match &node.kind {
            NodeKind::Object { fields, items, .. } if fields.is_empty() => Some(items.clone()),
            NodeKind::Name(name) if depth < 4 => self.accumulated_list(name, node.stmt, depth),
            _ => None,
        }
    }

    fn accumulated_list(&self, name: &str, at: StmtId, depth: u32) -> Option<Vec<NodeId>> {
        let func = self.ir.stmt(at).func;
        let before = self.ir.stmts.get(..at as usize)?;
        let (start, value) = self.last_assignment(name, at)?;
        let mut items = match &self.ir.node(value).kind {
            // Go: `args = append(args, "--insecure")`.
            NodeKind::Call { callee, args, .. } if callee == "append" => {
                let (first, rest) = args.split_first()?;
                let mut base = self
                    .list_items_at(first.value, depth + 1)
                    .unwrap_or_default();
                base.extend(rest.iter().map(|a| a.value));
                base
            }
            _ => self.list_items_at(value, depth + 1)?,
        };
        for s in before.get(start + 1..)?.iter().filter(|s| s.func == func) {
            if items.len() >= MAX_PIECES {
                break;
            }
            match &s.kind {
                StmtKind::Assign {
                    target,
                    op: AssignOp::Or,
                    value,
                } if self.ir.name(*target) == Some(name) => {
                    items.extend(self.list_items_at(*value, depth + 1).unwrap_or_default());
                }
                StmtKind::Assign {
                    target,
                    op: AssignOp::Set,
                    value,
                } if self.ir.name(*target) == Some(name) => {
                    if let NodeKind::Call { callee, args, .. } = &self.ir.node(*value).kind {
                        if callee == "append" {
                            items.extend(args.iter().skip(1).map(|a| a.value));
                        }
                    }
                }
                StmtKind::Eval(call) => {
                    let NodeKind::Call { callee, args, .. } = &self.ir.node(*call).kind else {
                        continue;
                    };
                    let Some((recv, method)) = callee.rsplit_once('.') else {
                        continue;
                    };
                    if recv != name {
                        continue;
                    }
                    match (method, args.first()) {
                        ("append" | "push" | "add" | "Add", Some(_)) => {
                            items.extend(args.iter().map(|a| a.value));
                        }
                        ("extend" | "AddRange" | "addAll", Some(a)) => {
                            items
                                .extend(self.list_items_at(a.value, depth + 1).unwrap_or_default());
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Some(items)
    }

    /// A program found at run time and held in a variable named for it (`git_executable
    /// = shutil.which("git")`, `self._curl`, `curlPath`): the command is the name's stem.
    fn name_the_program(&self, program: &mut Arg) {
        if program.known {
            return;
        }
        let Some(written) = self.text.get(program.span.start..program.span.end) else {
            return;
        };
        let last = written.rsplit(['.', '>']).next().unwrap_or(written);
        if !last.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return;
        }
        let mut stem = last.trim_start_matches('_').to_ascii_lowercase();
        for suffix in ["executable", "binary", "path", "exe", "bin", "cmd"] {
            if let Some(s) = stem.strip_suffix(suffix) {
                stem = s.trim_end_matches('_').to_string();
                break;
            }
        }
        if stem.len() < 2 || !stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return;
        }
        *program = Arg {
            text: Embedded::contiguous(&stem, program.span.start),
            span: program.span,
            known: true,
            attached: None,
            raw: None,
        };
    }

    /// The program and its arguments.
    fn argv(&self, nodes: &[NodeId]) -> Vec<Arg> {
        let mut out = Vec::new();
        for &n in nodes {
            let spread: Vec<NodeId> = match self.list_items(n) {
                Some(items) => items,
                None => vec![n],
            };
            for &item in &spread {
                if out.len() >= MAX_PIECES {
                    return out;
                }
                out.push(self.arg(item));
            }
        }
        out
    }

    fn arg(&self, n: NodeId) -> Arg {
        match self.string_value(n) {
            Some((s, at)) if at.len() == s.len() => Arg::plain(&s, at),
            Some((s, at)) => Arg {
                // Escapes inside: the text is known, its bytes are not where it is written.
                text: Embedded::contiguous(&s, at.start),
                span: at,
                known: true,
                attached: None,
                raw: None,
            },
            None => {
                let span = self.ir.node(n).span;
                // `"curl -k " + url`, `f"-k {x}"`: what of it is written.
                if let Some(line) = self.command_line(&[n]) {
                    return Arg {
                        known: !line.text.contains('\u{fffd}'),
                        text: line,
                        span,
                        attached: None,
                        raw: None,
                    };
                }
                Arg {
                    text: Embedded::contiguous("\u{fffd}", span.start),
                    span,
                    known: false,
                    attached: None,
                    raw: None,
                }
            }
        }
    }

    /// A command line assembled from `parts` joined by spaces: string literals (and
    /// variables holding one) as written, `+` concatenations piece by piece, anything
    /// else a one-character stand-in. `None` when no piece is a known string.
    fn command_line(&self, parts: &[NodeId]) -> Option<Embedded> {
        let mut e = Embedded::new();
        let mut known = false;
        for (k, &p) in parts.iter().enumerate() {
            if k > 0 {
                let at = self.ir.node(p).span.start;
                e.push_char(' ', at, 0);
            }
            let mut pieces = 0;
            self.append_piece(p, &mut e, &mut known, &mut pieces);
        }
        known.then_some(e)
    }

    fn append_piece(&self, n: NodeId, e: &mut Embedded, known: &mut bool, pieces: &mut usize) {
        *pieces += 1;
        if *pieces > MAX_PIECES {
            return;
        }
        let node = self.ir.node(n);
        if let NodeKind::Bin {
            op: BinOp::Or,
            l,
            r,
        } = &node.kind
        {
            // `"curl -k " + url`: Python, JavaScript, Java, C#, Go all join strings with `+`.
            let (l, r) = (*l, *r);
            self.append_piece(l, e, known, pieces);
            self.append_piece(r, e, known, pieces);
            return;
        }
        // `cmd = "curl -k " + url` then `os.system(cmd)`: the assembled value.
        if let Some(v) = self.assembled_value(n) {
            self.append_piece(v, e, known, pieces);
            return;
        }
        match self.string_value(n) {
            Some((s, at)) if at.len() == s.len() => {
                e.push_str(&s, at.start);
                *known = true;
            }
            Some((s, at)) => {
                for c in s.chars() {
                    e.push_char(c, at.start, 0);
                }
                *known = true;
            }
            None if matches!(node.kind, NodeKind::Unknown) && self.interpolated(node.span, e) => {
                *known = true;
            }
            None => e.push_char('\u{fffd}', node.span.start, node.span.len()),
        }
    }

    /// An interpolated string (`f"curl -k {url}"`, `` `curl -k ${url}` ``, C#
    /// `$"curl -k {url}"`) as written, each interpolation a one-character stand-in.
    fn interpolated(&self, span: Span, e: &mut Embedded) -> bool {
        let Some(t) = self.text.get(span.start..span.end) else {
            return false;
        };
        let Some(p) = t.find(['"', '\'', '`']) else {
            return false;
        };
        if !t[..p].chars().all(|c| "fFrRbBuU$@".contains(c)) {
            return false;
        }
        let quote = &t[p..];
        let qlen = if quote.starts_with("\"\"\"") || quote.starts_with("'''") {
            3
        } else {
            1
        };
        let (Some(body), true) = (
            t.get(p + qlen..t.len().saturating_sub(qlen)),
            t.len() >= p + 2 * qlen,
        ) else {
            return false;
        };
        let js = quote.starts_with('`');
        let base = span.start + p + qlen;
        let b = body.as_bytes();
        let (mut run, mut k) = (0, 0);
        while k < b.len() {
            let opens = if js {
                b[k] == b'$' && b.get(k + 1) == Some(&b'{')
            } else {
                b[k] == b'{' && b.get(k + 1) != Some(&b'{')
            };
            if !js && b[k] == b'{' && b.get(k + 1) == Some(&b'{') {
                k += 2; // `{{`: a literal brace
                continue;
            }
            if !opens {
                k += 1;
                continue;
            }
            if let Some(lit) = body.get(run..k) {
                e.push_str(lit, base + run);
            }
            let mut depth = 0usize;
            let mut end = k;
            while end < b.len() {
                match b[end] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                end += 1;
            }
            let end = (end + 1).min(b.len());
            e.push_char('\u{fffd}', base + k, end - k);
            run = end;
            k = end;
        }
        if let Some(lit) = body.get(run..) {
            e.push_str(lit, base + run);
        }
        true
    }
}
