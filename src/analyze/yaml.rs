//! YAML: Ansible, Kubernetes and CI pipelines, with `saphyr-parser` (an event parser that
//! reports positions; aliases are not expanded, so alias bombs cost nothing).
//!
//! What becomes a fact:
//!
//! * every scalar `key: value` as a `yaml` setting keyed by the key's name
//!   (`validate_certs: no`, `insecure-skip-tls-verify: true`,
//!   `ansible_winrm_server_cert_validation: ignore`);
//! * environment maps and lists (`env:`, `environment:`, `variables:`; `K=V` items and
//!   `{name, value}` items) as environment settings;
//! * inline scripts handed to the analyzer of their language with positions mapped back:
//!   GitHub Actions `run:` (its `shell:`, or PowerShell on Windows runners), GitLab
//!   `script:`, Azure Pipelines `script:`/`bash:`/`pwsh:`/`powershell:` steps and the
//!   `inputs.script`/`inline`/`inlineScript` of PowerShell, CmdLine, Bash and AzureCLI
//!   tasks, Ansible `win_shell`/`shell`/`command`, Kubernetes `command:` lists;
//! * Ansible `win_regedit` tasks as registry writes, also when a `loop:` carries the data
//!   (the finding is on the loop item).

use super::Ctx;
use super::command::{Arg, MAX_DEPTH, Shell, command_facts, env_setting};
use super::embed::Embedded;
use crate::diagnostic::Span;
use crate::facts::{Fact, SettingFact};
use crate::format::FileFormat;
use crate::rules::registry::RegistryWrite;
use crate::rules::tables::parse_int;
use crate::rules::value::Value;
use crate::source::{LineIndex, Position};
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Deepest nesting analyzed (deeper content is skipped, not parsed recursively).
const MAX_NESTING: usize = 128;

#[derive(Debug, Clone)]
enum Node<'a> {
    Scalar {
        /// Borrowed from the file when the scalar is written as it reads (most are), so a
        /// large file does not hold a second copy of its text.
        value: std::borrow::Cow<'a, str>,
        style: ScalarStyle,
        span: Span,
    },
    Map(Vec<(Node<'a>, Node<'a>)>),
    Seq(Vec<Node<'a>>),
    Other,
}

impl<'a> Node<'a> {
    fn str(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

enum Building<'a> {
    Map(Vec<(Node<'a>, Node<'a>)>, Option<Node<'a>>),
    Seq(Vec<Node<'a>>),
}

fn marker_offset(ix: &LineIndex, text: &str, m: &saphyr_parser::Marker) -> usize {
    ix.offset(
        text,
        Position {
            line: m.line(),
            column: m.col() + 1,
        },
    )
}

/// Parses all documents; a syntax error ends parsing but keeps what was read.
fn parse<'a>(text: &'a str, ix: &LineIndex) -> Vec<Node<'a>> {
    let mut docs = Vec::new();
    let mut stack: Vec<Building<'a>> = Vec::new();
    let mut skip_depth = 0usize;
    let push = |stack: &mut Vec<Building<'a>>, docs: &mut Vec<Node<'a>>, node: Node<'a>| match stack
        .last_mut()
    {
        Some(Building::Map(entries, key)) => match key.take() {
            Some(k) => entries.push((k, node)),
            None => *key = Some(node),
        },
        Some(Building::Seq(items)) => items.push(node),
        None => docs.push(node),
    };
    for ev in Parser::new_from_str(text) {
        let Ok((ev, span)) = ev else { break };
        if skip_depth > 0 {
            match ev {
                Event::MappingStart(..) | Event::SequenceStart(..) => skip_depth += 1,
                Event::MappingEnd | Event::SequenceEnd => {
                    skip_depth -= 1;
                    if skip_depth == 0 {
                        push(&mut stack, &mut docs, Node::Other);
                    }
                }
                _ => {}
            }
            continue;
        }
        match ev {
            Event::Scalar(v, style, _, _) => {
                let start = marker_offset(ix, text, &span.start);
                let end = marker_offset(ix, text, &span.end).max(start);
                let value = match text.get(start..end) {
                    Some(src) if src == v.as_ref() => std::borrow::Cow::Borrowed(src),
                    _ => std::borrow::Cow::Owned(v.into_owned().into_boxed_str().into_string()),
                };
                push(
                    &mut stack,
                    &mut docs,
                    Node::Scalar {
                        value,
                        style,
                        span: Span::new(start, end),
                    },
                );
            }
            Event::Alias(_) => push(&mut stack, &mut docs, Node::Other),
            Event::MappingStart(..) | Event::SequenceStart(..) if stack.len() >= MAX_NESTING => {
                skip_depth = 1
            }
            Event::MappingStart(..) => stack.push(Building::Map(Vec::new(), None)),
            Event::SequenceStart(..) => stack.push(Building::Seq(Vec::new())),
            Event::MappingEnd | Event::SequenceEnd => {
                let node = match stack.pop() {
                    Some(Building::Map(e, _)) => Node::Map(e),
                    Some(Building::Seq(s)) => Node::Seq(s),
                    None => continue,
                };
                push(&mut stack, &mut docs, node);
            }
            _ => {}
        }
    }
    // Close what a syntax error left open.
    while let Some(b) = stack.pop() {
        let node = match b {
            Building::Map(e, _) => Node::Map(e),
            Building::Seq(s) => Node::Seq(s),
        };
        push(&mut stack, &mut docs, node);
    }
    docs
}

/// The scalar's text mapped to the file. Block scalars map line by line; single-line
/// plain and quoted scalars map character by character; anything else maps to the
/// scalar's first line.
fn embed_scalar(text: &str, value: &str, style: ScalarStyle, span: Span) -> Embedded {
    match style {
        ScalarStyle::Literal | ScalarStyle::Folded => {
            // The span starts at the `|`/`>` header or at the first content line.
            let at_header = matches!(text.as_bytes().get(span.start), Some(b'|' | b'>'));
            let header_end = if at_header {
                text[span.start..]
                    .find('\n')
                    .map_or(text.len(), |e| span.start + e + 1)
            } else {
                text[..span.start].rfind('\n').map_or(0, |e| e + 1)
            };
            let mut e = Embedded::new();
            let mut indent: Option<usize> = None;
            let mut pos = header_end;
            while pos < text.len() {
                let end = text[pos..].find('\n').map_or(text.len(), |x| pos + x);
                let line = text[pos..end].trim_end_matches('\r');
                let lead = line.len() - line.trim_start_matches(' ').len();
                if line.trim().is_empty() {
                    e.push_char('\n', pos, 0);
                } else {
                    let ind = *indent.get_or_insert(lead);
                    if lead < ind {
                        break;
                    }
                    e.push_str(&line[ind..], pos + ind);
                    e.push_char('\n', pos + line.len(), 0);
                }
                pos = end + 1;
            }
            if style == ScalarStyle::Literal && e.text.trim_end() == value.trim_end() {
                return e;
            }
            // Folded scalars join lines with spaces: keep the line mapping, the commands
            // on those lines are what matters.
            if style == ScalarStyle::Folded && !e.text.is_empty() {
                return e;
            }
            fallback(value, span)
        }
        _ => {
            let start = match style {
                ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => span.start + 1,
                _ => span.start,
            };
            if text.get(start..start + value.len()) == Some(value) {
                Embedded::contiguous(value, start)
            } else {
                fallback(value, span)
            }
        }
    }
}

fn fallback(value: &str, span: Span) -> Embedded {
    let mut e = Embedded::new();
    for c in value.chars() {
        e.push_char(c, span.start, 0);
    }
    e
}

struct Walker<'a, 'f> {
    text: &'a str,
    depth: u8,
    ctx: &'a Ctx<'a>,
    facts: &'f mut Vec<Fact>,
    /// What runs the scripts of the current job.
    runner: Runner,
    /// `defaults: run: shell:` of the workflow or job (GitHub Actions).
    default_shell: Option<FileFormat>,
}

/// The agent a CI job runs on, as far as the YAML tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    /// Not Windows (or not a CI file).
    Other,
    /// Windows with PowerShell as the default script shell (GitHub Actions `runs-on`,
    /// GitLab `tags`/`image`).
    WindowsPowerShell,
    /// Windows with cmd as the `script:` shell (Azure Pipelines `pool`/`vmImage`).
    WindowsCmd,
}

/// The runner named by the keys of one mapping (a job, a pipeline, a stage), if any.
fn runner_of(map: &Node) -> Option<Runner> {
    let mut named = None;
    for (key, kind) in [
        ("runs-on", Runner::WindowsPowerShell),
        ("tags", Runner::WindowsPowerShell),
        ("image", Runner::WindowsPowerShell),
        ("pool", Runner::WindowsCmd),
        ("vmImage", Runner::WindowsCmd),
        ("os", Runner::WindowsCmd),
    ] {
        let Some(v) = map.get(key) else { continue };
        let windows = match v {
            Node::Map(_) => ["vmImage", "name", "demands", "image"]
                .iter()
                .any(|k| v.get(k).is_some_and(scalar_mentions_windows)),
            _ => scalar_mentions_windows(v),
        };
        // `runs-on: ${{ matrix.os }}` says nothing.
        let templated = v
            .str()
            .is_some_and(|s| s.contains("${{") || s.contains("$("));
        if windows {
            return Some(kind);
        }
        if !templated && !matches!(v, Node::Map(_)) {
            named = Some(Runner::Other);
        }
    }
    named
}

/// The language of a script, from the key that holds it and the mapping around it.
fn script_language(
    key: &str,
    map: &Node,
    task: Option<&str>,
    runner: Runner,
    default_shell: Option<FileFormat>,
) -> Option<FileFormat> {
    let shell_named = |s: &str| Some(shell_format(s));
    match key {
        "pwsh" | "powershell" | "win_shell" | "ansible.windows.win_shell" => {
            Some(FileFormat::PowerShell)
        }
        "bash"
        | "sh"
        | "ansible.builtin.shell"
        | "ansible.builtin.command"
        | "ansible.windows.win_command"
        | "win_command" => Some(if key.contains("win_command") {
            FileFormat::Cmd
        } else {
            FileFormat::Shell
        }),
        "shell" | "command" | "cmd" => {
            // `command: [sh, -c, ...]` (Kubernetes exec form).
            if matches!(map.get(key), Some(Node::Seq(_))) {
                return Some(FileFormat::Shell);
            }
            // `shell: bash` names a shell (GitHub Actions); `shell: curl -k ...` is one (Ansible).
            let v = map.get(key)?.str()?;
            let one_word = !v.trim().contains(char::is_whitespace);
            if one_word
                && ["bash", "sh", "pwsh", "powershell", "cmd", "python", "zsh"].contains(&v.trim())
            {
                None
            } else {
                Some(FileFormat::Shell)
            }
        }
        "run" => match map.get("shell").and_then(Node::str) {
            Some(s) => shell_named(s),
            None => Some(default_shell.unwrap_or(if runner == Runner::Other {
                FileFormat::Shell
            } else {
                FileFormat::PowerShell
            })),
        },
        "script" | "inline" | "Inline" | "inlineScript" | "before_script" | "after_script" => {
            match task {
                Some(t) => {
                    let t = t.to_ascii_lowercase();
                    if t.starts_with("powershell") || t.starts_with("azurepowershell") {
                        Some(FileFormat::PowerShell)
                    } else if t.starts_with("cmdline") {
                        Some(FileFormat::Cmd)
                    } else if t.starts_with("azurecli") {
                        match map
                            .get("scriptType")
                            .and_then(Node::str)
                            .map(str::to_ascii_lowercase)
                            .as_deref()
                        {
                            Some("ps" | "pscore") => Some(FileFormat::PowerShell),
                            Some("batch") => Some(FileFormat::Cmd),
                            _ => Some(FileFormat::Shell),
                        }
                    } else {
                        Some(FileFormat::Shell)
                    }
                }
                None => Some(match runner {
                    Runner::WindowsCmd if key == "script" => FileFormat::Cmd,
                    Runner::WindowsPowerShell => FileFormat::PowerShell,
                    _ => FileFormat::Shell,
                }),
            }
        }
        _ => None,
    }
}

impl Walker<'_, '_> {
    fn setting(&mut self, key: &str, value: &str, span: Span) {
        // Every `key: value` of a large file would be a fact: keep those a rule can match.
        if !self.ctx.wants("yaml", key) {
            return;
        }
        self.facts.push(Fact::Setting(SettingFact {
            domain: "yaml",
            key: key.to_string(),
            value: Value::Str(value.to_string()),
            span,
        }));
    }

    fn script(&mut self, lang: FileFormat, node: &Node) {
        match node {
            Node::Scalar { value, style, span } => {
                let e = embed_scalar(self.text, value, *style, *span);
                super::analyze_embedded(lang, &e, self.depth + 1, self.ctx, self.facts);
            }
            Node::Seq(items) => {
                // A list of lines (GitLab) or an exec-form command (Kubernetes).
                let all_scalars = items.iter().all(|i| matches!(i, Node::Scalar { .. }));
                let exec_form = all_scalars
                    && items
                        .first()
                        .and_then(Node::str)
                        .is_some_and(|s| !s.contains(char::is_whitespace));
                if exec_form {
                    let args: Vec<Arg> = items
                        .iter()
                        .filter_map(|i| match i {
                            Node::Scalar { value, style, span } => Some(Arg {
                                text: embed_scalar(self.text, value, *style, *span),
                                span: *span,
                                known: true,
                                attached: None,
                                raw: None,
                            }),
                            _ => None,
                        })
                        .collect();
                    command_facts(&args, Shell::Posix, self.depth + 1, self.ctx, self.facts);
                } else {
                    for i in items {
                        self.script(lang, i);
                    }
                }
            }
            Node::Map(_) => {
                // CircleCI `run: {command: ...}`.
                if let Some(c) = node.get("command") {
                    self.script(lang, c);
                }
            }
            Node::Other => {}
        }
    }

    /// A Kubernetes container's `command:` list with its `args:` list, as one argv.
    fn exec_command(&mut self, command: &Node, args: Option<&Node>) {
        let mut items: Vec<&Node> = Vec::new();
        for list in [Some(command), args].into_iter().flatten() {
            if let Node::Seq(xs) = list {
                items.extend(xs.iter());
            }
        }
        let argv: Vec<Arg> = items
            .into_iter()
            .filter_map(|i| match i {
                Node::Scalar { value, style, span } => Some(Arg {
                    text: embed_scalar(self.text, value, *style, *span),
                    span: *span,
                    known: true,
                    attached: None,
                    raw: None,
                }),
                _ => None,
            })
            .collect();
        command_facts(&argv, Shell::Posix, self.depth + 1, self.ctx, self.facts);
    }

    fn env(&mut self, node: &Node) {
        match node {
            Node::Map(entries) => {
                for (k, v) in entries {
                    if let (Some(name), Node::Scalar { value, span, .. }) = (k.str(), v) {
                        env_setting(name, Value::Str(value.to_string()), *span, self.facts);
                    }
                }
            }
            Node::Seq(items) => {
                for it in items {
                    match it {
                        Node::Scalar { value, style, span } => {
                            if let Some((k, v)) = value.split_once('=') {
                                let e = embed_scalar(self.text, value, *style, *span);
                                let vspan = if v.is_empty() {
                                    *span
                                } else {
                                    e.map_span(Span::new(k.len() + 1, value.len()))
                                };
                                env_setting(k, Value::Str(v.to_string()), vspan, self.facts);
                            }
                        }
                        Node::Map(_) => {
                            if let (Some(name), Some(Node::Scalar { value, span, .. })) =
                                (it.get("name").and_then(Node::str), it.get("value"))
                            {
                                env_setting(name, Value::Str(value.to_string()), *span, self.facts);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Ansible `win_regedit`, with the task (for `loop:`) around it.
    fn win_regedit(&mut self, args: &Node, task: &Node) {
        if args
            .get("state")
            .and_then(Node::str)
            .is_some_and(|s| s.eq_ignore_ascii_case("absent"))
        {
            return;
        }
        let (Some(path), Some(name)) = (
            args.get("path").and_then(Node::str),
            args.get("name").and_then(Node::str),
        ) else {
            return;
        };
        let ty = args
            .get("type")
            .and_then(Node::str)
            .unwrap_or("string")
            .to_ascii_lowercase();
        let data = args.get("data");
        let value_of = |s: &str| {
            if ty == "dword" || ty == "qword" {
                parse_int(s).map_or(Value::Unknown, Value::Int)
            } else {
                Value::Str(s.to_string())
            }
        };
        let items = task.get("loop").or_else(|| task.get("with_items"));
        let templated = |s: &str| s.contains("{{");
        match (items, data) {
            (Some(Node::Seq(items)), _)
                if templated(name) || data.and_then(Node::str).is_some_and(templated) =>
            {
                for it in items {
                    let field = |f: &str| -> Option<&Node> {
                        let key = f
                            .trim()
                            .trim_start_matches("{{")
                            .trim_end_matches("}}")
                            .trim()
                            .strip_prefix("item.")?
                            .to_string();
                        it.get(&key)
                    };
                    let n = if templated(name) {
                        field(name).and_then(Node::str)
                    } else {
                        Some(name)
                    };
                    let (v, span) = match data {
                        Some(Node::Scalar { value, span, .. }) if templated(value) => {
                            match field(value) {
                                Some(Node::Scalar {
                                    value: iv,
                                    span: is,
                                    ..
                                }) => (value_of(iv), *is),
                                _ => (Value::Unknown, *span),
                            }
                        }
                        Some(Node::Scalar { value, span, .. }) => (value_of(value), *span),
                        _ => continue,
                    };
                    if let Some(n) = n {
                        self.facts.push(Fact::Registry(RegistryWrite {
                            key: path.to_string(),
                            value_name: n.to_string(),
                            value: v,
                            span,
                            entry: None,
                        }));
                    }
                }
            }
            (_, Some(Node::Scalar { value, span, .. })) if !templated(name) => {
                let v = if templated(value) {
                    Value::Unknown
                } else {
                    value_of(value)
                };
                self.facts.push(Fact::Registry(RegistryWrite {
                    key: path.to_string(),
                    value_name: name.to_string(),
                    value: v,
                    span: *span,
                    entry: None,
                }));
            }
            _ => {}
        }
    }

    fn walk(&mut self, node: &Node, task: Option<&str>, nesting: usize) {
        if nesting > MAX_NESTING {
            return;
        }
        match node {
            Node::Map(entries) => {
                let task_here = node.get("task").and_then(Node::str);
                // A job names its runner and default shell for everything below it.
                let saved = (self.runner, self.default_shell);
                if let Some(r) = runner_of(node) {
                    self.runner = r;
                }
                if let Some(sh) = node
                    .get("defaults")
                    .and_then(|d| d.get("run"))
                    .and_then(|r| r.get("shell"))
                    .and_then(Node::str)
                {
                    self.default_shell = Some(shell_format(sh));
                }
                for (k, v) in entries {
                    let Some(key) = k.str() else { continue };
                    if let Node::Scalar { value, span, .. } = v {
                        self.setting(key, value, *span);
                    }
                    if matches!(key, "env" | "environment" | "variables") {
                        self.env(v);
                    }
                    if key.ends_with("win_regedit") {
                        self.win_regedit(v, node);
                    }
                    if let Some(lang) =
                        script_language(key, node, task, self.runner, self.default_shell)
                    {
                        if key == "command" && matches!(v, Node::Seq(_)) {
                            // Kubernetes: `command:` then `args:` make one argv.
                            self.exec_command(v, node.get("args"));
                        } else if !matches!(v, Node::Map(_)) || key == "run" {
                            self.script(lang, v);
                        }
                    }
                    // Ansible modules given as a mapping with a `cmd:` argument.
                    if let (Some(lang), Node::Map(_)) = (
                        script_language(key, node, None, self.runner, self.default_shell),
                        v,
                    ) {
                        if let Some(cmd) = v.get("cmd") {
                            self.script(lang, cmd);
                        }
                    }
                    let inner_task = if key == "inputs" { task_here } else { None };
                    self.walk(v, inner_task, nesting + 1);
                }
                (self.runner, self.default_shell) = saved;
            }
            Node::Seq(items) => {
                for i in items {
                    self.walk(i, None, nesting + 1);
                }
            }
            _ => {}
        }
    }
}

/// Whether the document runs on Windows agents/runners (decides the default shell):
/// `runs-on`, `vmImage`, `pool`, `tags`, `image` or `os` naming Windows anywhere.
fn mentions_windows(node: &Node, nesting: usize) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    match node {
        Node::Map(entries) => entries.iter().any(|(k, v)| {
            let key = k.str().unwrap_or("");
            (matches!(
                key,
                "runs-on" | "vmImage" | "pool" | "tags" | "image" | "os" | "name"
            ) && scalar_mentions_windows(v))
                || mentions_windows(v, nesting + 1)
        }),
        Node::Seq(items) => items.iter().any(|i| mentions_windows(i, nesting + 1)),
        _ => false,
    }
}

fn scalar_mentions_windows(v: &Node) -> bool {
    match v {
        Node::Scalar { value, .. } => value.to_ascii_lowercase().contains("windows"),
        Node::Seq(items) => items.iter().any(scalar_mentions_windows),
        _ => false,
    }
}

/// The Windows runner kind of a document that mentions Windows: GitLab and GitHub
/// files run PowerShell, Azure Pipelines run cmd for `script:`.
fn runner_of_document(doc: &Node) -> Runner {
    let azure = ["pool", "trigger", "pr", "extends", "resources"]
        .iter()
        .any(|k| doc.get(k).is_some());
    if azure {
        Runner::WindowsCmd
    } else {
        Runner::WindowsPowerShell
    }
}

fn shell_format(s: &str) -> FileFormat {
    let s = s.to_ascii_lowercase();
    if s.contains("pwsh") || s.contains("powershell") {
        FileFormat::PowerShell
    } else if s == "cmd" || s.starts_with("cmd ") {
        FileFormat::Cmd
    } else {
        FileFormat::Shell
    }
}

/// Analyzes YAML.
pub fn analyze(text: &str, depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    if depth > MAX_DEPTH {
        return;
    }
    let ix = LineIndex::new(text);
    for doc in parse(text, &ix) {
        if crate::budget::exceeded() {
            break;
        }
        // A document that names Windows somewhere but not per job (an Azure template
        // with its pool elsewhere) defaults to it.
        let runner = if mentions_windows(&doc, 0) {
            runner_of_document(&doc)
        } else {
            Runner::Other
        };
        let mut w = Walker {
            text,
            depth,
            ctx,
            facts,
            runner,
            default_shell: None,
        };
        w.walk(&doc, None, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tables::TableIndex;

    fn facts(text: &str) -> Vec<Fact> {
        let tables = Vec::new();
        let index = TableIndex::default();
        let mut f = Vec::new();
        analyze(text, 0, &Ctx::bare(&tables, &index), &mut f);
        f
    }

    #[test]
    fn block_scalars_map_lines() {
        let t = "jobs:\n  a:\n    steps:\n      - run: |\n          echo hi\n          curl --insecure https://x\n";
        let f = facts(t);
        let opt = f.iter().find_map(|f| {
            if let Fact::Option(o) = f {
                (o.option == "--insecure").then_some(o.option_span)
            } else {
                None
            }
        });
        let s = opt.expect("curl option found");
        assert_eq!(&t[s.start..s.end], "--insecure");
    }

    #[test]
    fn deep_nesting_and_bad_yaml_do_not_panic() {
        let deep = "[".repeat(5000);
        let _ = facts(&deep);
        let _ = facts("a: [1, 2\nb: {");
        let bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c, *c]\n";
        let _ = facts(bomb);
    }

    #[test]
    fn loop_items_carry_registry_data() {
        let t = "- name: x\n  ansible.windows.win_regedit:\n    path: HKLM:\\A\n    name: \"{{ item.name }}\"\n    data: \"{{ item.data }}\"\n    type: dword\n  loop:\n    - { name: Enabled, data: 1 }\n";
        let f = facts(t);
        let w = f
            .iter()
            .find_map(|f| {
                if let Fact::Registry(r) = f {
                    Some(r.clone())
                } else {
                    None
                }
            })
            .expect("write");
        assert_eq!(w.value_name, "Enabled");
        assert_eq!(w.value, Value::Int(1));
        assert_eq!(&t[w.span.start..w.span.end], "1");
    }
}
