//! Native commands, whichever shell runs them: cmd, PowerShell, sh/bash, a Dockerfile
//! `RUN`, a CI step.
//!
//! Each shell analyzer splits its own syntax into [`Arg`]s (quotes removed, known
//! variables expanded, positions kept) and hands the command here. This module knows what
//! the commands mean: `reg add` writes the registry, `bitsadmin /SetSecurityFlags` sets a
//! BITS flag word, `git config`/`git -c` and `npm config set` change settings, `setx`
//! sets the environment, `powershell -Command` and `cmd /c` run embedded scripts. Every
//! option of every command also becomes an [`OptionFact`] for the `option` rules (curl,
//! wget, kubectl, helm, pip, openssl, PowerShell cmdlets).

use super::Ctx;
use super::embed::Embedded;
use crate::diagnostic::Span;
use crate::facts::{Fact, FlagFact, OptionFact, SettingFact};
use crate::format::FileFormat;
use crate::rules::registry::RegistryWrite;
use crate::rules::tables::parse_int;
use crate::rules::value::Value;

/// One argument of a command line.
#[derive(Debug, Clone)]
pub struct Arg {
    /// The argument as the program receives it (quotes removed, known variables
    /// expanded), mapped to the file.
    pub text: Embedded,
    /// Where it is written (quotes included).
    pub span: Span,
    /// False when it contains a variable or expression whose value is not known.
    pub known: bool,
    /// A value attached PowerShell-style (`-Param:$value`), as text.
    pub attached: Option<(String, Span, bool)>,
    /// The argument as written (quotes kept, variables expanded), where the shell passes
    /// raw text on (`cmd /c "..."`).
    pub raw: Option<Embedded>,
}

impl Arg {
    /// An argument whose text is known and written contiguously at `span`.
    pub fn plain(text: &str, span: Span) -> Arg {
        Arg {
            text: Embedded::contiguous(text, span.start),
            span,
            known: true,
            attached: None,
            raw: None,
        }
    }

    /// The argument's text.
    pub fn s(&self) -> &str {
        &self.text.text
    }

    /// The argument's value: text when known, else unknown.
    pub fn value(&self) -> Value {
        if self.known {
            Value::Str(self.text.text.clone())
        } else {
            Value::Unknown
        }
    }

    fn is(&self, word: &str) -> bool {
        self.known && self.s().eq_ignore_ascii_case(word)
    }
}

/// The shell the command line came from (quoting and option conventions differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// cmd.exe.
    Cmd,
    /// PowerShell.
    PowerShell,
    /// sh/bash (also Dockerfile `RUN`, CI `run:`).
    Posix,
}

/// How deep embedded scripts may nest (`cmd /c powershell -Command "cmd /c ..."`).
pub const MAX_DEPTH: u8 = 4;

/// The command's name: basename, lower-case, without `.exe`/`.cmd`/`.bat`/`.com`.
pub fn command_name(raw: &str) -> String {
    let base = raw.rsplit(['\\', '/']).next().unwrap_or(raw);
    let lower = base.to_ascii_lowercase();
    for ext in [".exe", ".cmd", ".bat", ".com"] {
        if let Some(stem) = lower.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    lower
}

/// Turns one command line into facts. `args[0]` is the command.
pub fn command_facts(args: &[Arg], shell: Shell, depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    let Some(first) = args.first() else { return };
    // `%SystemRoot%\System32\reg.exe`: the base name is known even if the folder is not.
    let name = command_name(first.s());
    if !first.known && (name.contains('\u{fffd}') || name.is_empty()) {
        return;
    }
    let rest = &args[1..];
    match name.as_str() {
        // Wrappers: the real command follows.
        "sudo" | "doas" | "time" | "nohup" | "exec" | "command" | "call" | "xargs" | "nice"
        | "stdbuf" | "timeout" | "runuser" | "chroot" | "ionice" | "setsid" | "watch" | "retry"
        | "gosu" | "su-exec" => {
            // Options, with their values where they take one, then (for timeout) the
            // duration, (for gosu/su-exec/chroot) the user or root; then the command.
            let takes_value: &[&str] = match name.as_str() {
                "sudo" => &[
                    "-u", "-g", "-C", "-h", "-p", "-U", "-r", "-t", "-D", "-R", "--user", "--group",
                ],
                "nice" => &["-n", "--adjustment"],
                "stdbuf" => &["-i", "-o", "-e"],
                "timeout" => &["-s", "-k", "--signal", "--kill-after"],
                "xargs" => &["-n", "-I", "-d", "-L", "-P", "-s", "-E", "-a"],
                "runuser" => &["-u", "-g", "-G", "-l"],
                "ionice" => &["-c", "-n", "-p"],
                "watch" => &["-n", "-d"],
                _ => &[],
            };
            let mut i = 0;
            while i < rest.len() && rest[i].s().starts_with('-') {
                i += if takes_value.contains(&rest[i].s()) {
                    2
                } else {
                    1
                };
            }
            if matches!(name.as_str(), "timeout" | "gosu" | "su-exec" | "chroot") {
                i += 1;
            }
            if i < rest.len() {
                command_facts(&rest[i..], shell, depth, ctx, facts);
            }
            return;
        }
        "env" => {
            let mut i = 0;
            while i < rest.len() && (rest[i].s().starts_with('-') || rest[i].s().contains('=')) {
                if let Some((k, _)) = rest[i].s().split_once('=') {
                    if !rest[i].s().starts_with('-') {
                        env_assignment(k, &rest[i], k.len() + 1, facts);
                    }
                }
                i += 1;
            }
            command_facts(&rest[i..], shell, depth, ctx, facts);
            return;
        }
        "kubectl" | "oc" => {
            if let Some(dd) = kubectl_inner(rest) {
                options(&name, &rest[..dd], shell, facts);
                command_facts(&rest[dd + 1..], shell, depth, ctx, facts);
                return;
            }
        }
        "docker" | "podman" | "nerdctl" => {
            if let Some((own, inner)) = container_inner(rest) {
                options(&name, &rest[..own], shell, facts);
                command_facts(&inner, shell, depth, ctx, facts);
                return;
            }
        }
        "java" | "javaw" => {
            for a in rest.iter().filter(|a| a.known) {
                if let Some(kv) = a.s().strip_prefix("-D") {
                    if let Some(eq) = kv.find('=') {
                        let vspan = a.text.map_span(Span::new(2 + eq + 1, a.s().len()));
                        jvm_property(
                            &kv[..eq],
                            Value::Str(kv[eq + 1..].to_string()),
                            vspan,
                            facts,
                        );
                    }
                }
            }
        }
        "reg" => reg_command(rest, facts),
        "bitsadmin" => bitsadmin(rest, facts),
        "git" => git(rest, facts),
        "npm" | "yarn" | "pnpm" => npm(rest, facts),
        "python" | "python3" | "python2" | "py" => {
            if let Some(m) = rest.iter().position(|a| a.is("-m")) {
                if rest.get(m + 1).is_some_and(|a| a.is("pip") || a.is("pip3")) {
                    let mut sub = vec![rest[m + 1].clone()];
                    sub.extend_from_slice(&rest[m + 2..]);
                    command_facts(&sub, shell, depth, ctx, facts);
                }
            }
            return;
        }
        "pip" | "pip3" => pip(rest, facts),
        "setx" => {
            if let (Some(k), Some(v)) = (rest.first(), rest.get(1)) {
                if k.known && !k.s().starts_with('/') {
                    env_setting(k.s(), v.value(), v.span, facts);
                }
            }
        }
        "powershell" | "pwsh" if depth < MAX_DEPTH => powershell(rest, depth, ctx, facts),
        "cmd" if depth < MAX_DEPTH => cmd_c(rest, depth, ctx, facts),
        "bash" | "sh" | "zsh" | "dash" if depth < MAX_DEPTH => sh_c(rest, depth, ctx, facts),
        _ => {}
    }
    options(&name, rest, shell, facts);
}

/// Every option-looking argument becomes an [`OptionFact`].
fn options(command: &str, rest: &[Arg], shell: Shell, facts: &mut Vec<Fact>) {
    for (i, a) in rest.iter().enumerate() {
        if !a.known {
            continue;
        }
        let t = a.s();
        // `-3` is curl's `--sslv3`; `-12` or `-1.5` is a number.
        let is_option = t.len() > 1
            && t.starts_with('-')
            && (t.len() == 2 || !t[1..].starts_with(|c: char| c.is_ascii_digit()));
        // cmd.exe's `/SWITCH` convention, also for native commands run from PowerShell
        // (`net use ... /SKIPCERTCHECK`).
        let is_slash_option = shell != Shell::Posix
            && t.len() > 1
            && t.starts_with('/')
            && t[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ':');
        if !is_option && !is_slash_option {
            continue;
        }
        let (option, attached) = if let Some((v, s, known)) = &a.attached {
            let value = if *known {
                Value::Str(v.clone())
            } else {
                Value::Unknown
            };
            (t.to_string(), Some((value, *s)))
        } else if let Some(eq) = t.find('=').filter(|_| t.starts_with("--")) {
            let vspan = a.text.map_span(Span::new(eq + 1, t.len()));
            (
                t[..eq].to_string(),
                Some((Value::Str(t[eq + 1..].to_string()), vspan)),
            )
        } else {
            (t.to_string(), None)
        };
        let opt_len = option.len();
        let option_span = a.text.map_span(Span::new(0, opt_len.min(t.len())));
        let next = rest
            .get(i + 1)
            .filter(|n| !n.s().starts_with('-') || !n.known)
            .map(|n| (n.value(), n.span));
        facts.push(Fact::Option(OptionFact {
            command: command.to_string(),
            option,
            option_span,
            attached,
            next,
        }));
    }
}

/// `reg add KEY [/v NAME | /ve] [/t TYPE] [/d DATA] [/f] [/reg:64]`; switches in any
/// order and case. `reg delete`, `reg query`, `reg import` write nothing judged here.
fn reg_command(rest: &[Arg], facts: &mut Vec<Fact>) {
    let Some(op) = rest.first() else { return };
    if !op.is("add") {
        return;
    }
    let mut key: Option<&Arg> = None;
    let mut name: Option<String> = Some(String::new());
    let mut ty = String::from("REG_SZ");
    let mut data: Option<&Arg> = None;
    let mut i = 1;
    while i < rest.len() {
        let a = &rest[i];
        let sw = a.s().to_ascii_lowercase();
        let is_switch = a.known && (sw.starts_with('/') || sw.starts_with('-')) && sw.len() > 1;
        match sw.get(1..).filter(|_| is_switch) {
            Some("v") => {
                name = rest
                    .get(i + 1)
                    .filter(|n| n.known)
                    .map(|n| n.s().to_string());
                i += 2;
                continue;
            }
            Some("ve") => name = Some(String::new()),
            Some("t") => {
                if let Some(t) = rest.get(i + 1) {
                    ty = t.s().to_ascii_uppercase();
                }
                i += 2;
                continue;
            }
            Some("d") => {
                data = rest.get(i + 1);
                i += 2;
                continue;
            }
            Some("s") => {
                i += 2;
                continue;
            }
            Some(_) => {}
            None => {
                if key.is_none() {
                    key = Some(a);
                }
            }
        }
        i += 1;
    }
    let (Some(key), Some(name), Some(data)) = (key, name, data) else {
        return;
    };
    if !key.known {
        return;
    }
    let value = if !data.known {
        Value::Unknown
    } else if ty == "REG_DWORD" || ty == "REG_QWORD" || ty == "REG_DWORD_LITTLE_ENDIAN" {
        parse_int(data.s()).map_or(Value::Unknown, Value::Int)
    } else {
        Value::Str(data.s().to_string())
    };
    facts.push(Fact::Registry(RegistryWrite {
        key: key.s().to_string(),
        value_name: name,
        value,
        span: data.span,
        entry: None,
        added: false,
    }));
}

/// `bitsadmin /SetSecurityFlags JOB VALUE` (decimal or hex).
fn bitsadmin(rest: &[Arg], facts: &mut Vec<Fact>) {
    for (i, a) in rest.iter().enumerate() {
        if a.is("/setsecurityflags") || a.is("-setsecurityflags") {
            if let Some(v) = rest.get(i + 2).filter(|v| v.known) {
                if let Some(n) = parse_int(v.s()) {
                    facts.push(Fact::Flags(FlagFact {
                        table: "bits-security-flags".into(),
                        value: n,
                        name: None,
                        span: v.span,
                    }));
                }
            }
        }
    }
}

fn git_setting(key: &str, value: Value, span: Span, facts: &mut Vec<Fact>) {
    facts.push(Fact::Setting(SettingFact {
        domain: "git-config",
        key: key.to_ascii_lowercase(),
        value,
        span,
    }));
}

/// `git -c key=value ...`, `git clone -c key=value`/`--config key=value`, and
/// `git config [scope] key value` (also `git config set`).
fn git(rest: &[Arg], facts: &mut Vec<Fact>) {
    let mut sub: Option<usize> = None;
    let mut i = 0;
    while i < rest.len() {
        let a = &rest[i];
        let t = a.s();
        let inline = t.strip_prefix("--config=");
        if a.is("-c") || a.is("--config") || inline.is_some() {
            let kv = if inline.is_some() {
                Some(a)
            } else {
                rest.get(i + 1)
            };
            if let Some(kv) = kv {
                let base = if inline.is_some() {
                    "--config=".len()
                } else {
                    0
                };
                let body = &kv.s()[base.min(kv.s().len())..];
                if let Some(eq) = body.find('=') {
                    let vspan = kv.text.map_span(Span::new(base + eq + 1, kv.s().len()));
                    let value = if kv.known {
                        Value::Str(body[eq + 1..].to_string())
                    } else {
                        Value::Unknown
                    };
                    git_setting(&body[..eq], value, vspan, facts);
                }
            }
            i += if inline.is_some() { 1 } else { 2 };
            continue;
        }
        if a.known && t.starts_with('-') {
            // Global options with a separate argument.
            if sub.is_none()
                && [
                    "-C",
                    "--git-dir",
                    "--work-tree",
                    "--namespace",
                    "--exec-path",
                ]
                .contains(&t)
            {
                i += 2;
            } else {
                i += 1;
            }
            continue;
        }
        if sub.is_none() {
            sub = Some(i);
            if a.is("config") {
                git_config(&rest[i + 1..], facts);
                return;
            }
        }
        i += 1;
    }
}

fn git_config(args: &[Arg], facts: &mut Vec<Fact>) {
    let mut positional: Vec<&Arg> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let t = a.s();
        if a.known && t.starts_with('-') {
            let read_only = [
                "--get",
                "--get-all",
                "--get-regexp",
                "--get-urlmatch",
                "--unset",
                "--unset-all",
                "-l",
                "--list",
                "--remove-section",
                "--rename-section",
                "-e",
                "--edit",
            ];
            if read_only.iter().any(|o| t.eq_ignore_ascii_case(o)) {
                return;
            }
            i += if ["-f", "--file", "--blob", "--type", "--default", "--comment"].contains(&t) {
                2
            } else {
                1
            };
            continue;
        }
        positional.push(a);
        i += 1;
    }
    if positional.first().is_some_and(|p| p.is("set")) {
        positional.remove(0);
    } else if positional.first().is_some_and(|p| {
        [
            "get",
            "unset",
            "list",
            "edit",
            "rename-section",
            "remove-section",
        ]
        .iter()
        .any(|w| p.is(w))
    }) {
        return;
    }
    if let (Some(k), Some(v)) = (positional.first(), positional.get(1)) {
        if k.known {
            git_setting(k.s(), v.value(), v.span, facts);
        }
    }
}

fn npm_setting(key: &str, value: Value, span: Span, facts: &mut Vec<Fact>) {
    facts.push(Fact::Setting(SettingFact {
        domain: "npm-config",
        key: key.to_ascii_lowercase(),
        value,
        span,
    }));
}

/// `npm config set key value`, `npm set key=value`, `yarn config set`, and
/// `--key=value` / `--key value` npm options.
fn npm(rest: &[Arg], facts: &mut Vec<Fact>) {
    let words: Vec<&Arg> = rest
        .iter()
        .filter(|a| !(a.known && a.s().starts_with('-')))
        .collect();
    let set_at = match (words.first(), words.get(1)) {
        (Some(c), Some(s)) if c.is("config") && s.is("set") => Some(2),
        (Some(s), _) if s.is("set") => Some(1),
        _ => None,
    };
    if let Some(k) = set_at.and_then(|at| words.get(at)) {
        if let Some(eq) = k.s().find('=') {
            let vspan = k.text.map_span(Span::new(eq + 1, k.s().len()));
            npm_setting(
                &k.s()[..eq],
                Value::Str(k.s()[eq + 1..].to_string()),
                vspan,
                facts,
            );
        } else if let Some(v) = set_at.and_then(|at| words.get(at + 1)) {
            npm_setting(k.s(), v.value(), v.span, facts);
        }
    }
    for (i, a) in rest.iter().enumerate() {
        let Some(opt) = a.s().strip_prefix("--").filter(|_| a.known) else {
            continue;
        };
        if let Some((k, v)) = opt.split_once('=') {
            let vspan = a.text.map_span(Span::new(2 + k.len() + 1, a.s().len()));
            npm_setting(k, Value::Str(v.to_string()), vspan, facts);
        } else if opt == "strict-ssl" || opt == "no-strict-ssl" {
            match rest
                .get(i + 1)
                .filter(|n| n.known && (n.is("false") || n.is("true")))
            {
                Some(n) if opt == "strict-ssl" => npm_setting(opt, n.value(), n.span, facts),
                _ if opt == "no-strict-ssl" => {
                    npm_setting("strict-ssl", Value::Str("false".into()), a.span, facts)
                }
                _ => {}
            }
        }
    }
}

/// `pip config [--global|--site|--user] set global.trusted-host HOST`; `--trusted-host`
/// itself is an option rule.
fn pip(rest: &[Arg], facts: &mut Vec<Fact>) {
    let words: Vec<&Arg> = rest
        .iter()
        .filter(|a| !(a.known && a.s().starts_with('-')))
        .collect();
    if words.first().is_some_and(|a| a.is("config")) && words.get(1).is_some_and(|a| a.is("set")) {
        if let (Some(k), Some(v)) = (words.get(2), words.get(3)) {
            facts.push(Fact::Setting(SettingFact {
                domain: "pip-config",
                key: k.s().to_ascii_lowercase(),
                value: v.value(),
                span: v.span,
            }));
        }
    }
}

/// Records an environment variable assignment (`NAME=value` in `arg`, value starting at
/// byte `value_at` of the argument's text).
pub fn env_assignment(name: &str, arg: &Arg, value_at: usize, facts: &mut Vec<Fact>) {
    let t = arg.s();
    let value_at = value_at.min(t.len());
    let span = if value_at < t.len() {
        arg.text.map_span(Span::new(value_at, t.len()))
    } else {
        arg.span
    };
    let value = if arg.known {
        Value::Str(t[value_at..].to_string())
    } else {
        Value::Unknown
    };
    env_setting(name, value, span, facts);
}

/// Records an environment variable; `npm_config_*` variables are npm settings too.
pub fn env_setting(name: &str, value: Value, span: Span, facts: &mut Vec<Fact>) {
    let lower = name.to_ascii_lowercase();
    if let Some(k) = lower.strip_prefix("npm_config_") {
        npm_setting(&k.replace('_', "-"), value.clone(), span, facts);
    }
    if lower == "pip_trusted_host" {
        facts.push(Fact::Setting(SettingFact {
            domain: "pip-config",
            key: "global.trusted-host".into(),
            value: value.clone(),
            span,
        }));
    }
    env_options(name, &value, span, facts);
    let upper = name.to_ascii_uppercase();
    let jvm = matches!(
        upper.as_str(),
        "JAVA_TOOL_OPTIONS" | "JDK_JAVA_OPTIONS" | "_JAVA_OPTIONS"
    ) || upper.ends_with("JAVA_OPTS")
        || upper.ends_with("_OPTS");
    if jvm {
        if let Value::Str(v) = &value {
            jvm_options(v, span, facts);
        }
    }
    facts.push(Fact::Setting(SettingFact {
        domain: "env",
        key: name.to_string(),
        value,
        span,
    }));
}

fn jvm_property(key: &str, value: Value, span: Span, facts: &mut Vec<Fact>) {
    facts.push(Fact::Setting(SettingFact {
        domain: "jvm-property",
        key: key.to_string(),
        value,
        span,
    }));
}

/// `-Dname=value` words of a JVM argument string (`JAVA_OPTS`, Gradle's
/// `org.gradle.jvmargs`) as JVM system properties. `span` is where `value` is written;
/// when the text maps onto it one to one, each property gets its own span.
pub fn jvm_options(value: &str, span: Span, facts: &mut Vec<Fact>) {
    // The value as written: bare, or in quotes.
    let written = span.end.saturating_sub(span.start);
    let base = if written == value.len() {
        Some(span.start)
    } else if written == value.len() + 2 {
        Some(span.start + 1)
    } else {
        None
    };
    let mut at = 0;
    for word in value.split_whitespace() {
        let start = value[at..].find(word).map_or(at, |k| at + k);
        at = start + word.len();
        let w = word.trim_matches(['"', '\'']);
        let Some(kv) = w.strip_prefix("-D") else {
            continue;
        };
        let Some(eq) = kv.find('=') else { continue };
        let wspan = match base {
            Some(b) => {
                let off = start + (word.len() - word.trim_start_matches(['"', '\'']).len());
                Span::new(b + off + 2 + eq + 1, b + off + w.len())
            }
            None => span,
        };
        jvm_property(
            &kv[..eq],
            Value::Str(kv[eq + 1..].to_string()),
            wspan,
            facts,
        );
    }
}

/// `kubectl run NAME ... -- COMMAND ARGS` (also `exec`, `debug`, `oc`): the index of the
/// `--` that starts the command run in the container.
fn kubectl_inner(rest: &[Arg]) -> Option<usize> {
    let sub = rest.iter().find(|a| a.known && !a.s().starts_with('-'))?;
    if !["run", "exec", "debug"].iter().any(|w| sub.is(w)) {
        return None;
    }
    let dd = rest.iter().position(|a| a.is("--"))?;
    (dd + 1 < rest.len()).then_some(dd)
}

/// `docker run [OPTIONS] IMAGE [COMMAND ARGS]`, `docker exec [OPTIONS] CONTAINER COMMAND
/// ARGS` (also `create`, `compose run/exec SERVICE`, podman, nerdctl): how many arguments
/// belong to docker itself, and the command run in the container. Arguments after an
/// image that start with `-` go to the image's entrypoint, named after the image
/// (`curlimages/curl -k URL` runs `curl -k URL`).
fn container_inner(rest: &[Arg]) -> Option<(usize, Vec<Arg>)> {
    const GLOBAL_VALUE: &[&str] = &[
        "-H",
        "--host",
        "-c",
        "--context",
        "--config",
        "-l",
        "--log-level",
        "--tlscacert",
        "--tlscert",
        "--tlskey",
        "--url",
        "--connection",
        "--root",
        "--runroot",
    ];
    const RUN_VALUE: &[&str] = &[
        "-a",
        "--attach",
        "--add-host",
        "--annotation",
        "--blkio-weight",
        "--blkio-weight-device",
        "--cap-add",
        "--cap-drop",
        "--cgroup-parent",
        "--cgroupns",
        "--cidfile",
        "--cpu-period",
        "--cpu-quota",
        "--cpu-rt-period",
        "--cpu-rt-runtime",
        "-c",
        "--cpu-shares",
        "--cpus",
        "--cpuset-cpus",
        "--cpuset-mems",
        "--device",
        "--device-cgroup-rule",
        "--device-read-bps",
        "--device-read-iops",
        "--device-write-bps",
        "--device-write-iops",
        "--dns",
        "--dns-option",
        "--dns-search",
        "--domainname",
        "--entrypoint",
        "-e",
        "--env",
        "--env-file",
        "--expose",
        "--gpus",
        "--group-add",
        "--health-cmd",
        "--health-interval",
        "--health-retries",
        "--health-start-interval",
        "--health-start-period",
        "--health-timeout",
        "-h",
        "--hostname",
        "--ip",
        "--ip6",
        "--ipc",
        "--isolation",
        "--kernel-memory",
        "-l",
        "--label",
        "--label-file",
        "--link",
        "--link-local-ip",
        "--log-driver",
        "--log-opt",
        "--mac-address",
        "-m",
        "--memory",
        "--memory-reservation",
        "--memory-swap",
        "--memory-swappiness",
        "--mount",
        "--name",
        "--network",
        "--net",
        "--network-alias",
        "--oom-score-adj",
        "--pid",
        "--pids-limit",
        "--platform",
        "-p",
        "--publish",
        "--pull",
        "--restart",
        "--runtime",
        "--security-opt",
        "--shm-size",
        "--stop-signal",
        "--stop-timeout",
        "--storage-opt",
        "--sysctl",
        "--tmpfs",
        "--ulimit",
        "-u",
        "--user",
        "--userns",
        "--uts",
        "-v",
        "--volume",
        "--volume-driver",
        "--volumes-from",
        "-w",
        "--workdir",
        "--detach-keys",
        "-f",
        "--file",
        "-p",
        "--project-name",
        "--profile",
        "--project-directory",
    ];
    let takes = |list: &[&str], a: &Arg| a.known && list.contains(&a.s());
    let mut i = 0;
    while i < rest.len() && rest[i].known && rest[i].s().starts_with('-') {
        i += if takes(GLOBAL_VALUE, &rest[i]) { 2 } else { 1 };
    }
    let sub = rest.get(i)?;
    let mut i = i + 1;
    let compose = sub.is("compose");
    let sub = if compose {
        while i < rest.len() && rest[i].known && rest[i].s().starts_with('-') {
            i += if takes(RUN_VALUE, &rest[i]) { 2 } else { 1 };
        }
        let s = rest.get(i)?;
        i += 1;
        s
    } else {
        sub
    };
    let run = sub.is("run") || sub.is("create");
    if !run && !sub.is("exec") {
        return None;
    }
    while i < rest.len() && rest[i].known && rest[i].s().starts_with('-') {
        i += if takes(RUN_VALUE, &rest[i]) { 2 } else { 1 };
    }
    let target = rest.get(i)?;
    let after = rest.get(i + 1..).unwrap_or(&[]);
    if !target.known {
        return None;
    }
    let first_is_option = after
        .first()
        .is_some_and(|a| a.known && a.s().starts_with('-'));
    if run && !compose && first_is_option {
        // The image's entrypoint gets the arguments: name it after the image.
        let base = target.s().rsplit('/').next().unwrap_or("");
        let base = base.split(['@', ':']).next().unwrap_or(base);
        if base.is_empty() {
            return None;
        }
        let mut argv = vec![Arg::plain(base, target.span)];
        argv.extend_from_slice(after);
        return Some((i + 1, argv));
    }
    (!after.is_empty()).then(|| (i + 1, after.to_vec()))
}

/// A variable that holds a command's options (`CURL_OPTS="-k -s"`,
/// `ETCD_EXTRA_AUTH_FLAGS=--insecure-skip-tls-verify`, `NODE_OPTIONS=--tls-min-v1.0`):
/// its words are options of the command the name starts with (`curl`, `etcd`, `node`).
fn env_options(name: &str, value: &Value, span: Span, facts: &mut Vec<Fact>) {
    let Value::Str(v) = value else { return };
    let upper = name.to_ascii_uppercase();
    let holds_options = ["_OPTS", "_OPTIONS", "_FLAGS", "_ARGS", "_ARGUMENTS"]
        .iter()
        .any(|s| upper.ends_with(s));
    if !holds_options || !v.split_whitespace().any(|w| w.starts_with('-')) {
        return;
    }
    let command = upper.split('_').next().unwrap_or("").to_ascii_lowercase();
    if command.is_empty() {
        return;
    }
    // The value as written: bare, or in quotes.
    let base = if span.end - span.start == v.len() {
        Some(span.start)
    } else if span.end - span.start == v.len() + 2 {
        Some(span.start + 1)
    } else {
        None
    };
    let mut args = Vec::new();
    let mut off = 0;
    for w in v.split_whitespace() {
        let Some(p) = v[off..].find(w) else { break };
        let at = off + p;
        off = at + w.len();
        let s = base.map_or(span, |b| Span::new(b + at, b + at + w.len()));
        args.push(Arg::plain(w, s));
    }
    options(&command, &args, Shell::Posix, facts);
}

/// Joins arguments into one script text (as `powershell -Command a b c` does); `raw`
/// keeps quotes (as `cmd /c` passes its command line on).
fn join_args(args: &[Arg], raw: bool) -> Embedded {
    let mut e = Embedded::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            let at = args[i - 1].span.end;
            e.push_char(' ', at, 0);
        }
        match (&a.raw, raw) {
            (Some(r), true) => e.append(r),
            _ => e.append(&a.text),
        }
    }
    e
}

/// `powershell [-NoProfile ...] -Command SCRIPT...`, `-EncodedCommand BASE64`, or a bare script.
fn powershell(rest: &[Arg], depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    const WITH_VALUE: &[&str] = &[
        "-executionpolicy",
        "-ep",
        "-ex",
        "-windowstyle",
        "-w",
        "-inputformat",
        "-outputformat",
        "-version",
        "-v",
        "-configurationname",
        "-workingdirectory",
        "-wd",
        "-psconsolefile",
        "-settingsfile",
    ];
    let mut i = 0;
    while i < rest.len() {
        let a = &rest[i];
        let t = a.s().to_ascii_lowercase();
        if !a.known || !(t.starts_with('-') || t.starts_with('/')) {
            break;
        }
        let flag = format!("-{}", &t[1..]);
        if flag.len() >= 2 && "-command".starts_with(flag.as_str()) && flag != "-" {
            i += 1;
            break;
        }
        if ["-encodedcommand", "-enc", "-e", "-ec", "-en", "-enco"].contains(&flag.as_str())
            || (flag.len() > 3 && "-encodedcommand".starts_with(flag.as_str()))
        {
            if let Some(b64) = rest.get(i + 1).filter(|b| b.known) {
                if let Some(script) = decode_encoded_command(b64.s()) {
                    // No character mapping through base64: every fact points at the argument.
                    let mut sub = Vec::new();
                    super::analyze_embedded(
                        FileFormat::PowerShell,
                        &Embedded::contiguous(&script, 0),
                        depth + 1,
                        ctx,
                        &mut sub,
                    );
                    for mut f in sub {
                        f.map_spans(&|_| b64.span);
                        facts.push(f);
                    }
                }
            }
            return;
        }
        if ["-file", "-f"].contains(&flag.as_str()) {
            return;
        }
        i += if WITH_VALUE.contains(&flag.as_str()) {
            2
        } else {
            1
        };
    }
    if i >= rest.len() {
        return;
    }
    let script = join_args(&rest[i..], false);
    super::analyze_embedded(FileFormat::PowerShell, &script, depth + 1, ctx, facts);
}

/// Decodes a PowerShell `-EncodedCommand` argument (base64 of UTF-16LE).
/// Each byte's value in the base64 alphabet; 64 for a byte outside it.
pub const BASE64_VALUE: [u8; 256] = {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut t = [64u8; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

pub fn decode_encoded_command(b64: &str) -> Option<String> {
    let bytes: Vec<u8> = base64_bytes(b64.as_bytes()).collect::<Option<_>>()?;
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    Some(String::from_utf16_lossy(&units))
}

/// The bytes base64 text decodes to (whitespace and `=` skipped); `None` for a character
/// outside the alphabet (where decoding fails).
pub fn base64_bytes(b64: &[u8]) -> impl Iterator<Item = Option<u8>> + '_ {
    let (mut bits, mut nbits) = (0u32, 0u32);
    b64.iter()
        .filter(|c| !c.is_ascii_whitespace() && **c != b'=')
        .filter_map(move |&c| {
            let v = BASE64_VALUE[usize::from(c)];
            if v == 64 {
                return Some(None);
            }
            bits = (bits << 6) | u32::from(v);
            nbits += 6;
            if nbits < 8 {
                return None;
            }
            nbits -= 8;
            let byte = (bits >> nbits) as u8;
            bits &= (1 << nbits) - 1;
            Some(Some(byte))
        })
}

/// `cmd /c COMMAND...` or `cmd /k ...`.
fn cmd_c(rest: &[Arg], depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    let Some(at) = rest
        .iter()
        .position(|a| a.is("/c") || a.is("/k") || a.is("/r"))
    else {
        return;
    };
    if at + 1 >= rest.len() {
        return;
    }
    let mut script = join_args(&rest[at + 1..], true);
    // `cmd /c "curl -k URL"`: cmd drops the first and the last quote of the command line.
    let t = script.text.trim_end();
    if script.text.starts_with('"') && t.len() > 1 && t.ends_with('"') {
        script = script.slice(1, t.len() - 1);
    }
    super::analyze_embedded(FileFormat::Cmd, &script, depth + 1, ctx, facts);
}

/// `bash -c 'COMMAND'`.
fn sh_c(rest: &[Arg], depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    let Some(at) = rest.iter().position(|a| {
        a.known && a.s().starts_with('-') && !a.s().starts_with("--") && a.s().contains('c')
    }) else {
        return;
    };
    if let Some(script) = rest.get(at + 1) {
        super::analyze_embedded(FileFormat::Shell, &script.text, depth + 1, ctx, facts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(command_name(r"C:\Windows\System32\reg.exe"), "reg");
        assert_eq!(command_name("curl.EXE"), "curl");
        assert_eq!(command_name("/usr/bin/git"), "git");
    }

    #[test]
    fn encoded_command() {
        // "$x = 1" in UTF-16LE, base64.
        assert_eq!(
            decode_encoded_command("JAB4ACAAPQAgADEA").as_deref(),
            Some("$x = 1")
        );
    }
}
