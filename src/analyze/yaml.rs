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
use super::template;
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

/// Most nodes one parse builds (about 40 MB with the stacks they are built on): a file
/// of millions of tiny scalars (`[a,a,a,...]`) is read up to there, with a note, instead
/// of growing to 40 times its size. A 16 MB file of real YAML (configuration, an index
/// of scripts) has a few hundred thousand.
const MAX_NODES: usize = 1 << 20;

/// A parsed node. A large file is mostly nodes (an index of 47,000 entries), so they
/// are small: scalars borrow their text, collections are allocated at their exact size.
#[derive(Debug, Clone)]
enum Node<'a> {
    Scalar {
        /// Borrowed from the file when the scalar is written as it reads (most are),
        /// else from the parse's arena.
        value: &'a str,
        style: ScalarStyle,
        span: Span,
    },
    Map(Box<[(Node<'a>, Node<'a>)]>),
    Seq(Box<[Node<'a>]>),
    Other,
}

impl<'a> Node<'a> {
    fn str(&self) -> Option<&'a str> {
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

/// An open collection: where its entries start in [`Builder`]'s shared stacks.
enum Building<'a> {
    Map(usize, Option<Node<'a>>),
    Seq(usize),
}

/// Builds the documents from parser events. The entries and items of the open
/// collections share two stacks (innermost last), so a closed collection is copied once,
/// at its exact size.
#[derive(Default)]
struct Builder<'a> {
    docs: Vec<Node<'a>>,
    open: Vec<Building<'a>>,
    entries: Vec<(Node<'a>, Node<'a>)>,
    items: Vec<Node<'a>>,
    /// Nodes built so far.
    nodes: usize,
}

impl<'a> Builder<'a> {
    fn push(&mut self, node: Node<'a>) {
        self.nodes += 1;
        match self.open.last_mut() {
            Some(Building::Map(_, key)) => match key.take() {
                Some(k) => self.entries.push((k, node)),
                None => *key = Some(node),
            },
            Some(Building::Seq(_)) => self.items.push(node),
            None => self.docs.push(node),
        }
    }

    fn open_map(&mut self) {
        self.open.push(Building::Map(self.entries.len(), None));
    }

    fn open_seq(&mut self) {
        self.open.push(Building::Seq(self.items.len()));
    }

    /// Closes the innermost collection; `false` when none is open.
    fn close(&mut self) -> bool {
        let node = match self.open.pop() {
            Some(Building::Map(start, _)) => Node::Map(take_from(&mut self.entries, start)),
            Some(Building::Seq(start)) => Node::Seq(take_from(&mut self.items, start)),
            None => return false,
        };
        self.push(node);
        true
    }
}

/// The entries of a stack from `start` on, at their exact size. The outermost open
/// collection takes the stack itself (shrunk in place), so a large one is not held twice.
fn take_from<T>(stack: &mut Vec<T>, start: usize) -> Box<[T]> {
    if start == 0 {
        return std::mem::take(stack).into_boxed_slice();
    }
    stack.drain(start.min(stack.len())..).collect()
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

/// Parses all documents; a syntax error ends parsing but keeps what was read. Returns
/// the documents and the 1-based line of the syntax error, if any. Scalars that do not
/// read as written (escapes, folding) are copied to `arena`.
fn parse<'a>(
    text: &'a str,
    ix: &LineIndex,
    arena: &'a bumpalo::Bump,
) -> (Vec<Node<'a>>, Option<usize>) {
    let mut b = Builder::default();
    let mut skip_depth = 0usize;
    let mut error = None;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = match ev {
            Ok(x) => x,
            Err(e) => {
                error = Some(e.marker().line().max(1));
                break;
            }
        };
        if b.nodes >= MAX_NODES {
            crate::memory::note_partial(marker_offset(ix, text, &span.start), "YAML nodes");
            break;
        }
        if skip_depth > 0 {
            match ev {
                Event::MappingStart(..) | Event::SequenceStart(..) => skip_depth += 1,
                Event::MappingEnd | Event::SequenceEnd => {
                    skip_depth -= 1;
                    if skip_depth == 0 {
                        b.push(Node::Other);
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
                    Some(src) if src == v.as_ref() => src,
                    _ => &*arena.alloc_str(&v),
                };
                b.push(Node::Scalar {
                    value,
                    style,
                    span: Span::new(start, end),
                });
            }
            Event::Alias(_) => b.push(Node::Other),
            Event::MappingStart(..) | Event::SequenceStart(..) if b.open.len() >= MAX_NESTING => {
                skip_depth = 1
            }
            Event::MappingStart(..) => b.open_map(),
            Event::SequenceStart(..) => b.open_seq(),
            Event::MappingEnd | Event::SequenceEnd => {
                b.close();
            }
            _ => {}
        }
    }
    // Close what a syntax error left open.
    while b.close() {}
    (b.docs, error)
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
                    // Spaces beyond the indentation of a blank line are content.
                    if let Some(ind) = indent.filter(|&i| lead > i && line.len() == lead) {
                        e.push_str(&line[ind..], pos + ind);
                    }
                    e.push_char('\n', pos + line.len(), 0);
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
            // Equal but for blank-line whitespace: every other character is mapped exactly.
            let same = |a: &str, b: &str| {
                a.chars()
                    .filter(|c| !c.is_whitespace())
                    .eq(b.chars().filter(|c| !c.is_whitespace()))
            };
            if style == ScalarStyle::Literal && same(&e.text, value) {
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
                align(text, value, start, span)
            }
        }
    }
}

/// Maps a flow scalar that YAML folded (line breaks read as spaces) or unescaped (`''`,
/// `\"`) back onto its source, character by character, so that a command continued on the
/// next line is found on that line. Where the two stop agreeing, the rest maps to the
/// scalar's start.
fn align(text: &str, value: &str, start: usize, span: Span) -> Embedded {
    let src = text.get(start..span.end.max(start)).unwrap_or("");
    let mut e = Embedded::new();
    let mut pos = 0usize;
    let mut chars = value.chars().peekable();
    while let Some(&c) = chars.peek() {
        let Some(sc) = src[pos..].chars().next() else {
            break;
        };
        if sc == c {
            e.push_char(c, start + pos, sc.len_utf8());
            pos += sc.len_utf8();
            chars.next();
        } else if c.is_whitespace() && sc.is_whitespace() {
            // A folded line break (and the next line's indentation) reads as one space.
            let run = src[pos..]
                .find(|x: char| !x.is_whitespace())
                .unwrap_or(src.len() - pos);
            e.push_char(c, start + pos, 0);
            pos += run;
            chars.next();
            // Blank lines in the source fold to line breaks in the value.
            while chars.peek().is_some_and(|x| *x == '\n') {
                chars.next();
                e.push_char('\n', start + pos, 0);
            }
        } else if (sc == '\\' || sc == '\'') && pos + 1 < src.len() {
            // An escape (`\"`) or a doubled quote (`''`): skip the first character.
            pos += 1;
        } else {
            break;
        }
    }
    for c in chars {
        e.push_char(c, span.start, 0);
    }
    e
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
    /// Inside an Atomic Red Team `executor:`: the language of its `command:` and
    /// `cleanup_command:`.
    atomic_executor: Option<FileFormat>,
    /// Inside an atomic test's `dependencies:`: the language of `prereq_command:` and
    /// `get_prereq_command:`.
    atomic_dependency: Option<FileFormat>,
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
        // cloud-init: each item a shell line or an argv list.
        "runcmd" | "bootcmd" => Some(FileFormat::Shell),
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

    /// A Kubernetes container's `args:` without a `command:`: the arguments of the image's
    /// entrypoint, named after the image (`registry.k8s.io/metrics-server/metrics-server:v0.7`
    /// runs `metrics-server`).
    fn entrypoint_args(&mut self, image: &Node, args: &Node) {
        let Node::Scalar { value, span, .. } = image else {
            return;
        };
        let base = value.rsplit('/').next().unwrap_or("");
        let base = base.split(['@', ':']).next().unwrap_or(base);
        if base.is_empty() || base.contains("{{") || base.contains('$') {
            return;
        }
        let name = Node::Scalar {
            value: base,
            style: ScalarStyle::Plain,
            span: *span,
        };
        self.exec_command(&Node::Seq(Box::new([name])), Some(args));
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

    /// A container with `args:` but no `command:` runs its image's entrypoint: the image
    /// names the command (`curlimages/curl:8.5` with `args: ["-k", ...]` is `curl -k`).
    fn image_args(&mut self, image: &str, image_span: Span, args: &Node) {
        let Node::Seq(items) = args else { return };
        let name = image.rsplit('/').next().unwrap_or(image);
        let name = name.split(['@', ':']).next().unwrap_or(name);
        if name.is_empty() || name.contains(['{', '$', '_']) {
            return;
        }
        let mut argv = vec![Arg::plain(
            name,
            Span::new(image_span.start, image_span.start),
        )];
        argv.extend(items.iter().filter_map(|i| match i {
            Node::Scalar { value, style, span } => Some(Arg {
                text: embed_scalar(self.text, value, *style, *span),
                span: *span,
                known: true,
                attached: None,
                raw: None,
            }),
            _ => None,
        }));
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
                            added: false,
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
                    added: false,
                }));
            }
            _ => {}
        }
    }

    /// Ansible `copy`/`win_copy` with `content:` and `lineinfile`/`blockinfile` write text
    /// into a file: a `dest:` naming a configuration file makes it that file's content
    /// (`copy: {content: "[global]\ntrusted-host = ...", dest: ~/.pip/pip.conf}`).
    fn deployed_content(&mut self, module: &str, args: &Node) {
        let short = module.rsplit('.').next().unwrap_or(module);
        let field = match short {
            "copy" | "win_copy" => "content",
            "lineinfile" | "win_lineinfile" => "line",
            "blockinfile" => "block",
            _ => return,
        };
        let Some(dest) = ["dest", "path", "destfile", "name"]
            .iter()
            .find_map(|k| args.get(k).and_then(Node::str))
        else {
            return;
        };
        let Some(lang) = deployed_format(dest) else {
            return;
        };
        if let Some(Node::Scalar { value, style, span }) = args.get(field) {
            let e = embed_scalar(self.text, value, *style, *span);
            super::analyze_embedded(lang, &e, self.depth + 1, self.ctx, self.facts);
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
                // cloud-init `write_files:` items and the like: `path:` with `content:`.
                if let (Some(path), Some(Node::Scalar { value, style, span })) =
                    (node.get("path").and_then(Node::str), node.get("content"))
                {
                    if let Some(lang) = deployed_format(path) {
                        let e = embed_scalar(self.text, value, *style, *span);
                        super::analyze_embedded(lang, &e, self.depth + 1, self.ctx, self.facts);
                    }
                }
                let saved_atomic = (self.atomic_executor, self.atomic_dependency);
                for (k, v) in entries {
                    let Some(key) = k.str() else { continue };
                    if let Node::Scalar { value, span, .. } = v {
                        self.setting(key, value, *span);
                    }
                    if let Node::Scalar { value, style, span } = v {
                        if value.contains("validate_certs") && value.contains("{{") {
                            let e = embed_scalar(self.text, value, *style, *span);
                            jinja_validate_certs(&e, self.facts);
                        }
                        // `prometheus.yml: |`, `install.sh: |` (ConfigMap data): a document
                        // in the language its key names.
                        if let Some(lang) = file_key_language(key, value) {
                            let e = embed_scalar(self.text, value, *style, *span);
                            super::analyze_embedded(lang, &e, self.depth + 1, self.ctx, self.facts);
                        }
                    }
                    if let Node::Map(_) = v {
                        self.deployed_content(key, v);
                    }
                    if key == "args" && node.get("command").is_none() {
                        if let Some(Node::Scalar { value, span, .. }) = node.get("image") {
                            self.image_args(value, *span, v);
                        }
                    }
                    // Atomic Red Team tests: the executor's name is the language of its
                    // commands; `dependency_executor_name` that of the dependencies'.
                    if key == "executor" {
                        self.atomic_executor = atomic_language(v.get("name").and_then(Node::str));
                    }
                    if key == "dependencies" {
                        self.atomic_dependency = atomic_language(
                            node.get("dependency_executor_name")
                                .or_else(|| node.get("executor").and_then(|e| e.get("name")))
                                .and_then(Node::str),
                        );
                    }
                    let atomic = match key {
                        "command" | "cleanup_command" => self.atomic_executor,
                        "prereq_command" | "get_prereq_command" => self.atomic_dependency,
                        _ => None,
                    };
                    if let (Some(lang), Node::Scalar { value, style, span }) = (atomic, v) {
                        let mut e = embed_scalar(self.text, value, *style, *span);
                        e.text = atomic_inputs_blanked(&e.text);
                        super::analyze_embedded(lang, &e, self.depth + 1, self.ctx, self.facts);
                        continue;
                    }
                    if matches!(key, "env" | "environment" | "variables") {
                        self.env(v);
                    }
                    if key.ends_with("win_regedit") {
                        self.win_regedit(v, node);
                    }
                    if key == "args" && matches!(v, Node::Seq(_)) && node.get("command").is_none() {
                        if let Some(image) = node.get("image") {
                            self.entrypoint_args(image, v);
                        }
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
                    if matches!(key, "executor" | "dependencies") {
                        (self.atomic_executor, self.atomic_dependency) = saved_atomic;
                    }
                }
                (self.runner, self.default_shell) = saved;
                (self.atomic_executor, self.atomic_dependency) = saved_atomic;
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

/// The language of an Atomic Red Team executor (`powershell`, `command_prompt`, `sh`,
/// `bash`); `manual` and unknown names run nothing.
fn atomic_language(name: Option<&str>) -> Option<FileFormat> {
    match name?.trim().to_ascii_lowercase().as_str() {
        "powershell" => Some(FileFormat::PowerShell),
        "command_prompt" => Some(FileFormat::Cmd),
        "sh" | "bash" => Some(FileFormat::Shell),
        _ => None,
    }
}

/// Atomic Red Team input arguments (`#{target}`) are replaced before a command runs;
/// left in place, `#` would start a comment in PowerShell and sh. Each becomes `_`s of
/// the same length, so positions stay exact.
fn atomic_inputs_blanked(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find("#{") {
        let Some(close) = rest[p..]
            .find('}')
            .filter(|c| !rest[p..p + c].contains('\n'))
        else {
            break;
        };
        out.push_str(&rest[..p]);
        out.extend(std::iter::repeat_n('_', rest[p..p + close + 1].len()));
        rest = &rest[p + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Formats whose text can be embedded in a YAML value and analyzed there.
fn embeddable(f: FileFormat) -> bool {
    !matches!(f, FileFormat::Documentation | FileFormat::RegistryPol)
}

/// The language of a value whose key is a file name (`prometheus.yml`, `install.sh`,
/// `pip.conf`, `.gitconfig`, `web.config`, `setup.ps1.j2`): ConfigMap `data:`, Helm
/// `files:`, cloud-init `write_files` and the like.
fn file_key_language(key: &str, value: &str) -> Option<FileFormat> {
    let filename = key.len() > 2
        && key.contains('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && !key.ends_with('.');
    if !filename || value.len() < 4 {
        return None;
    }
    let head_end = crate::source::floor_char_boundary(value, 4096);
    crate::format::classify(std::path::Path::new(key), &value[..head_end])
        .filter(|f| embeddable(*f))
}

/// The format of a file a task writes to: a user/system configuration file
/// (`~/.pip/pip.conf`, `/etc/gitconfig`) or any file whose name says its format.
fn deployed_format(dest: &str) -> Option<FileFormat> {
    if let Some(f) = crate::format::deployed_config(dest) {
        return Some(f);
    }
    let base = dest.trim().rsplit(['/', '\\']).next().unwrap_or(dest);
    crate::format::by_name(std::path::Path::new(base)).filter(|f| embeddable(*f))
}

/// `validate_certs=False` as a keyword argument inside a Jinja expression
/// (`"{{ lookup('url', 'https://...', validate_certs=False) }}"`).
fn jinja_validate_certs(e: &Embedded, facts: &mut Vec<Fact>) {
    let t = &e.text;
    let mut from = 0;
    while let Some(p) = t[from..].find("validate_certs") {
        let at = from + p;
        from = at + "validate_certs".len();
        // Inside `{{ ... }}`: an opening before it not closed in between.
        let before = &t[..at];
        let inside = before
            .rfind("{{")
            .is_some_and(|o| !before[o..].contains("}}"));
        let word_start = at == 0
            || !t.as_bytes()[at - 1].is_ascii_alphanumeric() && t.as_bytes()[at - 1] != b'_';
        if !inside || !word_start {
            continue;
        }
        let rest = &t[from..];
        let Some(after_eq) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        if after_eq.starts_with('=') {
            continue;
        }
        let v_off =
            from + (rest.len() - after_eq.len()) + (after_eq.len() - after_eq.trim_start().len());
        let v: &str = &t[v_off..];
        let len = v
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(v.len());
        if len == 0 {
            continue;
        }
        facts.push(Fact::Setting(SettingFact {
            domain: "ansible",
            key: "validate_certs".to_string(),
            value: Value::Str(v[..len].to_string()),
            span: e.map_span(Span::new(v_off, v_off + len)),
        }));
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

/// Analyzes YAML, also YAML with template directives (Helm charts, Jinja templates):
/// the directives are blanked with positions kept (see [`template`]) and, as a rendered
/// chart may not be valid YAML where a directive stood, parsing resumes at the next line
/// that starts a top-level node after a syntax error.
pub fn analyze(text: &str, depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    if depth > MAX_DEPTH {
        return;
    }
    let dialects = template::detect(text);
    if dialects.any() {
        let blanked = template::blank(text, dialects, false);
        analyze_templated(&blanked, depth, ctx, facts);
        return;
    }
    let ix = LineIndex::new(text);
    let arena = bumpalo::Bump::new();
    let (docs, error) = parse(text, &ix, &arena);
    // `key: {{ .Values.x | quote }}` with no control line: not YAML until rendered.
    if error.is_some() && has_go_expression(text) {
        let d = template::Dialects {
            go: true,
            jinja: false,
        };
        analyze_templated(&template::blank(text, d, true), depth, ctx, facts);
        return;
    }
    walk_documents(text, &docs, depth, ctx, facts);
}

/// The text with every line of only blanks emptied (its line end kept), mapped.
fn empty_blank_lines(text: &str) -> Embedded {
    let mut e = Embedded::new();
    let mut off = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            e.push_str(&line[body.len()..], off + body.len());
        } else {
            e.push_str(line, off);
        }
        off += line.len();
    }
    e
}

/// `{{` that is not a CI expression (`${{ }}`).
fn has_go_expression(text: &str) -> bool {
    text.match_indices("{{")
        .any(|(i, _)| i == 0 || text.as_bytes()[i - 1] != b'$')
}

/// Most syntax errors a template leaves behind that parsing resumes after.
const MAX_RESUMES: usize = 64;

fn analyze_templated(b: &template::Blanked, depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    // A blanked directive line is a line of spaces, and YAML refuses leading blank
    // lines of a block scalar that hold more spaces than its first line: parse with
    // every blank line emptied, positions mapped back.
    let collapsed = empty_blank_lines(&b.text);
    let text = collapsed.text.as_str();
    let mut start = 0;
    for _ in 0..=MAX_RESUMES {
        if crate::budget::exceeded() {
            break;
        }
        let piece = &text[start..];
        let ix = LineIndex::new(piece);
        let arena = bumpalo::Bump::new();
        let before = crate::memory::partial_at();
        let (docs, error) = parse(piece, &ix, &arena);
        crate::memory::map_partial(before, |o| {
            collapsed.map_span(Span::new(o, o).shifted(start)).start
        });
        let mut sub = Vec::new();
        walk_documents(piece, &docs, depth, ctx, &mut sub);
        for mut f in sub {
            f.map_spans(&|s| collapsed.map_span(s.shifted(start)));
            facts.push(f);
        }
        let Some(line) = error else { break };
        // Resume at the next line, after the error's line, that starts at column 0.
        let from = ix.line_start(line.saturating_sub(1).min(ix.line_count()));
        let Some(next) = next_top_level_line(piece, from) else {
            break;
        };
        start += next;
    }
    // Options held in template variables (`{{- $tls := " --insecure-skip-tls-verify" }}`)
    // are arguments of a command the template writes elsewhere.
    for (lit, s) in &b.option_literals {
        option_fragment(lit, *s, depth, ctx, facts);
    }
}

/// A string of command-line options whose command is not named: `*` option rules
/// (`--insecure-skip-tls-verify`, PowerShell switches) judge them.
fn option_fragment(lit: &str, span: Span, depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    let mut args = vec![Arg::plain("", Span::new(span.start, span.start))];
    let mut off = 0;
    for w in lit.split_whitespace() {
        let Some(p) = lit[off..].find(w) else { break };
        let at = span.start + off + p;
        args.push(Arg::plain(w, Span::new(at, at + w.len())));
        off += p + w.len();
    }
    command_facts(&args, Shell::Posix, depth + 1, ctx, facts);
}

/// The offset of the first line at or after `from` that starts with a non-blank,
/// non-comment character in column 0, past the line holding `from`.
fn next_top_level_line(text: &str, from: usize) -> Option<usize> {
    let mut pos = text[from..].find('\n').map(|p| from + p + 1)?;
    while pos < text.len() {
        let c = text.as_bytes()[pos];
        if !c.is_ascii_whitespace() && c != b'#' {
            return Some(pos);
        }
        pos = text[pos..].find('\n').map(|p| pos + p + 1)?;
    }
    None
}

fn walk_documents(text: &str, docs: &[Node], depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    for doc in docs {
        if crate::budget::exceeded() {
            break;
        }
        // A document that names Windows somewhere but not per job (an Azure template
        // with its pool elsewhere) defaults to it.
        let runner = if mentions_windows(doc, 0) {
            runner_of_document(doc)
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
            atomic_executor: None,
            atomic_dependency: None,
        };
        w.walk(doc, None, 0);
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

    fn settings(text: &str) -> Vec<(String, String)> {
        facts(text)
            .into_iter()
            .filter_map(|f| match f {
                Fact::Setting(s) => Some((s.key, text[s.span.start..s.span.end].to_string())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn templated_yaml_resumes_after_syntax_errors() {
        let t = "{{- if .Values.a }}\nfirst:\n  key: {{ .Values.x }}\n    bad: indentation\nsecond:\n  insecureSkipVerify: true\n{{- end }}\n";
        let s = settings(t);
        assert!(
            s.contains(&("insecureSkipVerify".to_string(), "true".to_string())),
            "{s:?}"
        );
        // Without directives, a plain YAML syntax error is not worked around.
        let plain = "first:\n  key: x\n    bad: indentation\nsecond:\n  insecureSkipVerify: true\n";
        assert!(
            settings(plain)
                .iter()
                .all(|(k, _)| k != "insecureSkipVerify")
        );
        // `key: {{ x | quote }}` alone (no control line) is read once the parse fails.
        let expr = "a: {{ .Values.a | quote }}\nb:\n  insecure_skip_verify: true\n";
        assert!(
            settings(expr)
                .iter()
                .any(|(k, v)| k == "insecure_skip_verify" && v == "true")
        );
    }

    #[test]
    fn documents_under_file_named_keys() {
        let t = "data:\n  prometheus.yml: |\n    scrape_configs:\n      - tls_config:\n          insecure_skip_verify: true\n  notes: |\n    insecure_skip_verify: true\n";
        let s = settings(t);
        let found: Vec<_> = s
            .iter()
            .filter(|(k, _)| k == "insecure_skip_verify")
            .collect();
        assert_eq!(found.len(), 1, "{s:?}");
        let at = t.find("true").unwrap_or(0);
        let f = facts(t);
        let span = f
            .iter()
            .find_map(|f| match f {
                Fact::Setting(s) if s.key == "insecure_skip_verify" => Some(s.span),
                _ => None,
            })
            .expect("setting");
        assert_eq!(span.start, at);
    }

    #[test]
    fn jinja_validate_certs_keyword() {
        let t = "- set_fact:\n    x: \"{{ lookup('url', 'https://h/', validate_certs=False) }}\"\n    y: \"validate_certs=False\"\n    z: \"{{ lookup('url', u, validate_certs = no ) }}\"\n";
        let got: Vec<(String, String)> = facts(t)
            .into_iter()
            .filter_map(|f| match f {
                Fact::Setting(s) if s.domain == "ansible" => {
                    Some((s.value.text(), t[s.span.start..s.span.end].to_string()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            got,
            [
                ("False".to_string(), "False".to_string()),
                ("no".to_string(), "no".to_string())
            ]
        );
    }

    #[test]
    fn atomic_inputs() {
        assert_eq!(
            atomic_inputs_blanked("iwr #{url} -SkipCertificateCheck #{x"),
            "iwr ______ -SkipCertificateCheck #{x"
        );
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
