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
        let is_slash_option = shell == Shell::Cmd
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
    facts.push(Fact::Setting(SettingFact {
        domain: "env",
        key: name.to_string(),
        value,
        span,
    }));
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
pub fn decode_encoded_command(b64: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut bytes = Vec::new();
    for c in b64
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            bytes.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    Some(String::from_utf16_lossy(&units))
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
