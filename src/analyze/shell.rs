//! The POSIX shell analyzer: sh/bash scripts, Dockerfile `RUN` lines, CI `run:` steps.
//!
//! A tokenizer that knows comments, single/double/`$'...'` quotes, backslash escapes and
//! line continuations, here-documents (their bodies are data, never commands), command
//! substitutions (analyzed as commands), operators and redirections. Variables assigned
//! with literal values are expanded in later arguments; assignments to environment
//! variables (`export NAME=value`, `NAME=value cmd`) are recorded. Commands go to the
//! shared [`command`](super::command) semantics.

use super::Ctx;
use super::command::{Arg, MAX_DEPTH, Shell, command_facts, env_assignment};
use super::embed::Embedded;
use crate::diagnostic::Span;
use crate::facts::Fact;
use crate::format::FileFormat;
use std::collections::HashMap;

#[derive(Debug, Clone)]
struct Word {
    text: Embedded,
    span: Span,
    known: bool,
    /// The word had no quotes or escapes (for keywords and assignments).
    plain: bool,
}

#[derive(Debug)]
enum Tok {
    Word(Word),
    /// The target of an output redirection (`> FILE`, `>> FILE`).
    RedirectTo(Word),
    /// A here-document of the current command: index into the lexer's bodies.
    Heredoc(usize),
    /// An array assignment `NAME=(a b c)` (or `NAME+=(...)`): the `NAME=` word and the items.
    Array(String, Vec<Word>),
    /// A single `|` (the next command reads this one's output).
    Pipe,
    /// `;`, `&`, `&&`, `||`, `|`, `|&`, newline, `(`, `)`.
    Sep,
}

struct Lexer<'a, 'v> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    vars: &'v HashMap<String, String>,
    subs: Vec<Span>,
    heredocs: Vec<(String, bool)>,
    /// Spans of the here-document bodies, in the order their `<<` appeared.
    bodies: Vec<Span>,
}

impl Lexer<'_, '_> {
    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    /// `#{name}` at the cursor: a template placeholder.
    fn placeholder(&self) -> bool {
        if self.peek(1) != b'{' {
            return false;
        }
        let mut k = 2;
        while self.peek(k).is_ascii_alphanumeric() || matches!(self.peek(k), b'_' | b'-' | b'.') {
            k += 1;
        }
        k > 2 && self.peek(k) == b'}'
    }

    fn skip_heredoc_bodies(&mut self) {
        // At the start of the line after `<<EOF`: skip until the delimiter line.
        for (delim, strip_tabs) in std::mem::take(&mut self.heredocs) {
            let body_start = self.i;
            loop {
                if self.i >= self.b.len() {
                    self.bodies.push(Span::new(body_start, self.b.len()));
                    return;
                }
                let end = self.s[self.i..]
                    .find('\n')
                    .map_or(self.b.len(), |e| self.i + e);
                let line = self.s[self.i..end].trim_end_matches('\r');
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                let line_start = self.i;
                self.i = (end + 1).min(self.b.len());
                if line == delim {
                    self.bodies.push(Span::new(body_start, line_start));
                    break;
                }
            }
        }
    }

    /// Skips a `$( ... )` or `` `...` `` substitution, returning its inner span.
    fn substitution(&mut self) -> Span {
        if self.peek(0) == b'`' {
            let start = self.i + 1;
            self.i += 1;
            while self.i < self.b.len() && self.b[self.i] != b'`' {
                if self.b[self.i] == b'\\' {
                    self.i += 1;
                }
                self.i += 1;
            }
            let end = self.i.min(self.b.len());
            self.i = (self.i + 1).min(self.b.len());
            return Span::new(start, end);
        }
        // `$(`
        self.i += 2;
        let start = self.i;
        let mut depth = 1;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        let end = self.i;
                        self.i += 1;
                        return Span::new(start, end);
                    }
                }
                b'\'' => {
                    self.i += 1;
                    while self.i < self.b.len() && self.b[self.i] != b'\'' {
                        self.i += 1;
                    }
                }
                b'"' => {
                    self.i += 1;
                    while self.i < self.b.len() && self.b[self.i] != b'"' {
                        if self.b[self.i] == b'\\' {
                            self.i += 1;
                        }
                        self.i += 1;
                    }
                }
                b'\\' => self.i += 1,
                _ => {}
            }
            self.i += 1;
        }
        // Unclosed: a quote or escape at the end stepped past it.
        self.i = self.i.min(self.b.len());
        Span::new(start.min(self.b.len()), self.b.len())
    }

    /// `$NAME`, `${NAME}`, `${NAME:-x}`: the known value, if any; advances past it.
    fn parameter(&mut self) -> Option<String> {
        let start = self.i;
        self.i += 1;
        if self.peek(0) == b'{' {
            let end = self.s[self.i..]
                .find('}')
                .map_or(self.b.len(), |e| self.i + e);
            let inner = &self.s[self.i + 1..end.max(self.i + 1)];
            self.i = (end + 1).min(self.b.len());
            let name: String = inner
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name.len() != inner.len() {
                return None;
            }
            return self.vars.get(&name).cloned();
        }
        let mut j = self.i;
        while j < self.b.len() && (self.b[j].is_ascii_alphanumeric() || self.b[j] == b'_') {
            j += 1;
        }
        if j == self.i {
            // `$1`, `$@`, `$$`: positional/special.
            if self.i < self.b.len() {
                self.i += 1;
            }
            let _ = start;
            return None;
        }
        let name = &self.s[self.i..j];
        self.i = j;
        self.vars.get(name).cloned()
    }

    fn lex(mut self) -> (Vec<Tok>, Vec<Span>, Vec<Span>) {
        let mut toks = Vec::new();
        while let Some(t) = self.next_tok() {
            toks.push(t);
        }
        (toks, self.subs, self.bodies)
    }

    /// The next token. Tokens are produced one at a time so that analysis holds one
    /// command, not the whole file. The here-document bodies that follow a line are
    /// skipped (and their spans recorded) before the newline's separator is returned,
    /// so a command sees its body when it ends.
    fn next_tok(&mut self) -> Option<Tok> {
        loop {
            if self.i >= self.b.len() {
                return None;
            }
            let c = self.b[self.i];
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\\' if matches!(self.peek(1), b'\n') => self.i += 2,
                b'\\' if self.peek(1) == b'\r' && self.peek(2) == b'\n' => self.i += 3,
                b'\n' => {
                    self.i += 1;
                    if !self.heredocs.is_empty() {
                        self.skip_heredoc_bodies();
                    }
                    return Some(Tok::Sep);
                }
                // `#{name}` is a template placeholder (Atomic Red Team, replace-tokens),
                // a word to be filled in, not a comment.
                b'#' if !self.placeholder() => {
                    while self.i < self.b.len() && self.b[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                b';' | b'&' | b'|' | b'(' | b')' => {
                    self.i += 1;
                    let pipe = c == b'|' && !matches!(self.peek(0), b'|' | b'&');
                    if matches!(
                        (c, self.peek(0)),
                        (b';', b';') | (b'&', b'&') | (b'|', b'|') | (b'|', b'&') | (b'&', b'>')
                    ) {
                        self.i += 1;
                    }
                    return Some(if pipe { Tok::Pipe } else { Tok::Sep });
                }
                b'<' | b'>' => {
                    if let Some(t) = self.redirection() {
                        return Some(t);
                    }
                }
                b'0'..=b'9' if matches!(self.peek(1), b'>' | b'<') => {
                    self.i += 1;
                    if let Some(t) = self.redirection() {
                        return Some(t);
                    }
                }
                _ => {
                    if let Some(w) = self.word() {
                        match array_name(&w).filter(|_| self.peek(0) == b'(') {
                            Some(name) => {
                                let items = self.array_items();
                                return Some(Tok::Array(name, items));
                            }
                            None => return Some(Tok::Word(w)),
                        }
                    }
                }
            }
        }
    }

    /// The items of `( ... )` after `NAME=`, up to the closing parenthesis.
    fn array_items(&mut self) -> Vec<Word> {
        self.i += 1;
        let mut items = Vec::new();
        while self.i < self.b.len() {
            match self.b[self.i] {
                b' ' | b'\t' | b'\r' | b'\n' => self.i += 1,
                b'\\' if matches!(self.peek(1), b'\n') => self.i += 2,
                b')' => {
                    self.i += 1;
                    break;
                }
                b'#' => {
                    while self.i < self.b.len() && self.b[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                _ => match self.word() {
                    Some(w) => items.push(w),
                    // `word` stops without consuming at operators (`;`, `|`): not an array.
                    None => break,
                },
            }
        }
        items
    }

    /// A redirection operator and its word: an output file or a here-document.
    fn redirection(&mut self) -> Option<Tok> {
        let heredoc = self.peek(0) == b'<' && self.peek(1) == b'<' && self.peek(2) != b'<';
        let op_start = self.i;
        while matches!(self.peek(0), b'<' | b'>' | b'&' | b'|') {
            self.i += 1;
        }
        let op = &self.s[op_start..self.i];
        let output = op.starts_with('>') && !op.contains('&');
        let strip = heredoc && self.peek(0) == b'-';
        if strip {
            self.i += 1;
        }
        while matches!(self.peek(0), b' ' | b'\t') {
            self.i += 1;
        }
        let w = self.word()?;
        if heredoc {
            let delim: String = w.text.text.clone();
            self.heredocs.push((delim, strip));
            return Some(Tok::Heredoc(self.bodies.len() + self.heredocs.len() - 1));
        }
        output.then_some(Tok::RedirectTo(w))
    }

    fn word(&mut self) -> Option<Word> {
        let start = self.i;
        let mut e = Embedded::new();
        let mut known = true;
        let mut plain = true;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                    break;
                }
                b'\\' => {
                    plain = false;
                    if self.peek(1) == b'\n' {
                        self.i += 2;
                        continue;
                    }
                    if let Some(ch) = self.s[self.i + 1..].chars().next() {
                        e.push_char(ch, self.i, 1 + ch.len_utf8());
                        self.i += 1 + ch.len_utf8();
                    } else {
                        self.i += 1;
                    }
                }
                b'\'' => {
                    plain = false;
                    self.i += 1;
                    let s = self.i;
                    while self.i < self.b.len() && self.b[self.i] != b'\'' {
                        self.i += 1;
                    }
                    e.push_str(&self.s[s..self.i], s);
                    self.i = (self.i + 1).min(self.b.len());
                }
                b'$' if self.peek(1) == b'\'' => {
                    plain = false;
                    self.i += 2;
                    let s = self.i;
                    while self.i < self.b.len() && self.b[self.i] != b'\'' {
                        if self.b[self.i] == b'\\' {
                            self.i += 1;
                        }
                        self.i += 1;
                    }
                    let end = self.i.min(self.b.len());
                    e.push_str(&self.s[s..end], s);
                    self.i = (self.i + 1).min(self.b.len());
                }
                b'"' => {
                    plain = false;
                    self.i += 1;
                    while self.i < self.b.len() && self.b[self.i] != b'"' {
                        match self.b[self.i] {
                            b'\\' if matches!(self.peek(1), b'"' | b'\\' | b'$' | b'`' | b'\n') => {
                                if self.peek(1) != b'\n' {
                                    e.push_char(self.peek(1) as char, self.i, 2);
                                }
                                self.i += 2;
                            }
                            b'$' if self.peek(1) == b'(' => {
                                let sp = self.substitution();
                                self.subs.push(sp);
                                known = false;
                                e.push_char('\u{fffd}', sp.start, 0);
                            }
                            b'`' => {
                                let sp = self.substitution();
                                self.subs.push(sp);
                                known = false;
                            }
                            b'$' if self.peek(1).is_ascii_alphanumeric()
                                || self.peek(1) == b'_'
                                || self.peek(1) == b'{' =>
                            {
                                let at = self.i;
                                match self.parameter() {
                                    Some(v) => {
                                        for (k, ch) in v.chars().enumerate() {
                                            e.push_char(
                                                ch,
                                                if k == 0 { at } else { self.i },
                                                if k == 0 { self.i - at } else { 0 },
                                            );
                                        }
                                    }
                                    None => {
                                        known = false;
                                        e.push_char('\u{fffd}', at, self.i - at);
                                    }
                                }
                            }
                            _ => {
                                let n = self.s[self.i..].chars().next().map_or(1, char::len_utf8);
                                e.push_str(&self.s[self.i..self.i + n], self.i);
                                self.i += n;
                            }
                        }
                    }
                    self.i = (self.i + 1).min(self.b.len());
                }
                b'$' if self.peek(1) == b'(' => {
                    plain = false;
                    let sp = self.substitution();
                    self.subs.push(sp);
                    known = false;
                    e.push_char('\u{fffd}', sp.start, 0);
                }
                b'`' => {
                    plain = false;
                    let sp = self.substitution();
                    self.subs.push(sp);
                    known = false;
                }
                b'$' if self.peek(1).is_ascii_alphanumeric()
                    || matches!(self.peek(1), b'_' | b'{' | b'@' | b'*' | b'#' | b'?') =>
                {
                    plain = false;
                    let at = self.i;
                    match self.parameter() {
                        Some(v) => {
                            for (k, ch) in v.chars().enumerate() {
                                e.push_char(
                                    ch,
                                    if k == 0 { at } else { self.i },
                                    if k == 0 { self.i - at } else { 0 },
                                );
                            }
                        }
                        None => {
                            known = false;
                            e.push_char('\u{fffd}', at, self.i - at);
                        }
                    }
                }
                _ => {
                    // This character, and the run of plain ones after it, in one push.
                    let n = self.s[self.i..].chars().next().map_or(1, char::len_utf8);
                    let from = self.i + n;
                    let end = self.b[from..]
                        .iter()
                        .position(|&b| breaks_plain_run(b))
                        .map_or(self.b.len(), |k| from + k);
                    e.push_str(&self.s[self.i..end], self.i);
                    self.i = end;
                }
            }
        }
        if self.i == start {
            self.i += 1;
            return None;
        }
        Some(Word {
            text: e,
            span: Span::new(start, self.i),
            known,
            plain,
        })
    }
}

/// A byte that [`Lexer::word`] treats other than as a plain character of a word: ASCII
/// (so a run of the others ends on a character boundary).
fn breaks_plain_run(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\n'
            | b'\r'
            | b';'
            | b'&'
            | b'|'
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'\\'
            | b'\''
            | b'"'
            | b'$'
            | b'`'
    )
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time",
    "function", "esac", "select",
];

fn is_assignment(w: &Word) -> Option<usize> {
    let t = &w.text.text;
    let eq = t.find('=')?;
    let name = &t[..eq];
    let name = name.strip_suffix('+').unwrap_or(name);
    (!name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit())
    .then_some(eq)
}

/// `NAME=` or `NAME+=` (a word that ends an assignment with no value): the name.
fn array_name(w: &Word) -> Option<String> {
    if !w.plain {
        return None;
    }
    let eq = is_assignment(w)?;
    (eq + 1 == w.text.text.len()).then(|| w.text.text[..eq].trim_end_matches('+').to_string())
}

/// `"${NAME[@]}"`, `${NAME[*]}`: the array expanded, by the word as written.
fn array_reference(raw: &str) -> Option<&str> {
    let r = raw.trim_matches('"');
    let inner = r.strip_prefix("${")?.strip_suffix('}')?;
    let name = inner
        .strip_suffix("[@]")
        .or_else(|| inner.strip_suffix("[*]"))?;
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
}

/// Analyzes shell source.
pub fn analyze(text: &str, depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    if depth > MAX_DEPTH {
        return;
    }
    // A template (`deploy.sh.j2`, `user_data.sh.tpl`): directives blanked in place.
    let dialects = super::template::detect(text);
    let blanked;
    let text = if dialects.any() {
        blanked = super::template::blank(text, dialects, false);
        blanked.text.as_str()
    } else {
        text
    };
    let mut vars: HashMap<String, String> = HashMap::new();
    let mut arrays: HashMap<String, Vec<Word>> = HashMap::new();
    let bodies: Vec<Span>;
    // Literal assignments are learned in a first pass (the first value of a name wins),
    // then arguments are expanded with them. Both passes stream tokens: memory holds one
    // command at a time, not the file's tokens.
    {
        let mut pre = Lexer {
            s: text,
            b: text.as_bytes(),
            i: 0,
            vars: &vars,
            subs: Vec::new(),
            heredocs: Vec::new(),
            bodies: Vec::new(),
        };
        let mut learned: Vec<(String, String)> = Vec::new();
        while let Some(tok) = pre.next_tok() {
            if crate::budget::exceeded() {
                break;
            }
            // Arrays: every literal item of every assignment (a conditional `+=` still adds).
            if let Tok::Array(name, items) = &tok {
                let entry = arrays.entry(name.clone()).or_default();
                entry.extend(items.iter().filter(|w| w.known).cloned());
            }
            if let Tok::Word(w) = tok {
                if let Some(eq) = is_assignment(&w) {
                    if w.known {
                        let (n, v) = w.text.text.split_at(eq);
                        learned.push((n.to_string(), v[1..].to_string()));
                    }
                }
            }
        }
        // The here-document bodies, in the order of their `<<`: a command that ends before
        // the line does (`cat <<EOF && x`) still finds its body in the second pass.
        bodies = std::mem::take(&mut pre.bodies);
        drop(pre);
        for (n, v) in learned {
            vars.entry(n).or_insert(v);
        }
    }
    let mut lexer = Lexer {
        s: text,
        b: text.as_bytes(),
        i: 0,
        vars: &vars,
        subs: Vec::new(),
        heredocs: Vec::new(),
        bodies: Vec::new(),
    };
    let mut cmd = Command::default();
    // The text an `echo`/`printf` wrote into the pipe that the current command reads.
    let mut piped: Option<Embedded> = None;
    while let Some(tok) = lexer.next_tok() {
        if crate::budget::exceeded() {
            break;
        }
        match tok {
            Tok::Word(w) => cmd.words.push(w),
            Tok::Array(..) => {}
            Tok::RedirectTo(w) => cmd.targets.push(w),
            Tok::Heredoc(k) => cmd.heredoc_index = Some(k),
            Tok::Pipe => {
                cmd.heredoc = cmd.heredoc_index.and_then(|k| bodies.get(k).copied());
                let out = deploy(&cmd, text, piped.take(), depth, ctx, facts);
                run(
                    expand_arrays(std::mem::take(&mut cmd.words), text, &arrays),
                    depth,
                    ctx,
                    facts,
                );
                cmd = Command::default();
                piped = out;
            }
            Tok::Sep => {
                cmd.heredoc = cmd.heredoc_index.and_then(|k| bodies.get(k).copied());
                deploy(&cmd, text, piped.take(), depth, ctx, facts);
                run(
                    expand_arrays(std::mem::take(&mut cmd.words), text, &arrays),
                    depth,
                    ctx,
                    facts,
                );
                cmd = Command::default();
            }
        }
    }
    cmd.heredoc = cmd.heredoc_index.and_then(|k| bodies.get(k).copied());
    deploy(&cmd, text, piped.take(), depth, ctx, facts);
    run(
        expand_arrays(std::mem::take(&mut cmd.words), text, &arrays),
        depth,
        ctx,
        facts,
    );
    let subs = std::mem::take(&mut lexer.subs);
    for s in subs {
        super::analyze_embedded(
            FileFormat::Shell,
            &Embedded::contiguous(&text[s.start..s.end], s.start),
            depth + 1,
            ctx,
            facts,
        );
    }
}

/// Replaces `"${NAME[@]}"` words by the items of array `NAME` (where they are written).
fn expand_arrays(words: Vec<Word>, text: &str, arrays: &HashMap<String, Vec<Word>>) -> Vec<Word> {
    if arrays.is_empty() || words.iter().all(|w| w.known) {
        return words;
    }
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        let items = (!w.known)
            .then(|| text.get(w.span.start..w.span.end))
            .flatten()
            .and_then(array_reference)
            .and_then(|n| arrays.get(n));
        match items {
            Some(items) => out.extend(items.iter().cloned()),
            None => out.push(w),
        }
    }
    out
}

/// One simple command with its redirections.
#[derive(Default)]
struct Command {
    words: Vec<Word>,
    targets: Vec<Word>,
    heredoc: Option<Span>,
    /// The here-document's number, resolved to `heredoc` when the command ends.
    heredoc_index: Option<usize>,
}

/// Text a command writes into a configuration file is that file's content:
/// `echo strict-ssl=false >> ~/.npmrc`, `printf 'insecure\n' > ~/.curlrc`,
/// `cat > /etc/pip.conf <<EOF ... EOF`, `echo ... | sudo tee -a /etc/wgetrc`. The text is
/// analyzed as that format. Returns what an `echo`/`printf` writes to a pipe.
fn deploy(
    cmd: &Command,
    text: &str,
    piped: Option<Embedded>,
    depth: u8,
    ctx: &Ctx<'_>,
    facts: &mut Vec<Fact>,
) -> Option<Embedded> {
    let mut words = cmd.words.as_slice();
    while words.first().is_some_and(|w| {
        w.plain
            && (matches!(w.text.text.as_str(), "sudo" | "command" | "builtin")
                || is_assignment(w).is_some())
    }) {
        words = &words[1..];
    }
    let name = words.first().map(|w| w.text.text.as_str())?;
    let written: Option<Embedded> = match name {
        "echo" | "printf" => {
            let mut e = Embedded::new();
            let mut args = words[1..].iter().peekable();
            let mut escapes = name == "printf";
            while name == "echo"
                && args.peek().is_some_and(|w| {
                    w.plain && matches!(w.text.text.as_str(), "-n" | "-e" | "-E" | "-ne" | "-en")
                })
            {
                escapes |= args.next().is_some_and(|w| w.text.text.contains('e'));
            }
            for (k, w) in args.enumerate() {
                if k > 0 {
                    e.push_char(' ', w.span.start, 0);
                }
                e.append(&w.text);
            }
            Some(if escapes { unescape(&e) } else { e })
        }
        "cat" | "tee" => match cmd.heredoc {
            Some(b) => Some(Embedded::contiguous(&text[b.start..b.end], b.start)),
            None => piped,
        },
        _ => None,
    };
    let written = written?;
    // Where it goes: redirections, or tee's file arguments.
    let mut targets: Vec<&str> = cmd.targets.iter().map(|w| w.text.text.as_str()).collect();
    if name == "tee" {
        targets.extend(
            words[1..]
                .iter()
                .map(|w| w.text.text.as_str())
                .filter(|t| !t.starts_with('-')),
        );
    }
    let mut to_pipe = true;
    for t in targets {
        to_pipe = false;
        if let Some(f) = crate::format::deployed_config(t) {
            super::analyze_embedded(f, &written, depth + 1, ctx, facts);
            break;
        }
    }
    (to_pipe && matches!(name, "echo" | "printf")).then_some(written)
}

/// `printf`/`echo -e` escapes: `\n` and `\t` become the characters they stand for.
fn unescape(e: &Embedded) -> Embedded {
    let mut out = Embedded::new();
    let mut chars = e.text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let esc = match (c, chars.peek()) {
            ('\\', Some((_, 'n'))) => Some('\n'),
            ('\\', Some((_, 't'))) => Some('\t'),
            _ => None,
        };
        match esc {
            Some(ch) => {
                chars.next();
                out.push_char(ch, e.map(i), 2);
            }
            None => out.push_char(c, e.map(i), c.len_utf8()),
        }
    }
    out
}

fn run(words: Vec<Word>, depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    let mut i = 0;
    // Keywords and `for x in ...` headers.
    while i < words.len() && words[i].plain && KEYWORDS.contains(&words[i].text.text.as_str()) {
        i += 1;
    }
    if i < words.len()
        && words[i].plain
        && matches!(words[i].text.text.as_str(), "for" | "case" | "in")
    {
        return;
    }
    let words = &words[i..];
    let Some(first) = words.first() else { return };
    let head = first.text.text.as_str();
    if first.plain
        && matches!(
            head,
            "export" | "declare" | "typeset" | "local" | "readonly"
        )
    {
        for w in &words[1..] {
            if let Some(eq) = is_assignment(w) {
                let name = w.text.text[..eq].trim_end_matches('+').to_string();
                env_assignment(&name, &to_arg(w), eq + 1, facts);
            }
        }
        return;
    }
    // Leading assignments (`NAME=value cmd`, or alone).
    let mut k = 0;
    while k < words.len() {
        let Some(eq) = is_assignment(&words[k]) else {
            break;
        };
        let name = words[k].text.text[..eq].trim_end_matches('+').to_string();
        env_assignment(&name, &to_arg(&words[k]), eq + 1, facts);
        k += 1;
    }
    if k < words.len() {
        if harness_script(&words[k..], depth, ctx, facts) {
            return;
        }
        let args: Vec<Arg> = words[k..].iter().map(to_arg).collect();
        command_facts(&args, Shell::Posix, depth, ctx, facts);
    }
}

/// Test harnesses that run their last argument as a script: git's and sharness'
/// `test_expect_success [PREREQ] 'title' 'script'` (also `test_expect_failure`,
/// `test_lazy_prereq NAME 'script'`). The script is analyzed as shell in place.
fn harness_script(words: &[Word], depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) -> bool {
    let Some(first) = words.first() else {
        return false;
    };
    let harness = first.plain
        && matches!(
            first.text.text.as_str(),
            "test_expect_success" | "test_expect_failure" | "test_lazy_prereq"
        );
    if !harness || words.len() < 3 || depth >= MAX_DEPTH {
        return false;
    }
    if let Some(script) = words.last().filter(|w| w.known) {
        super::analyze_embedded(FileFormat::Shell, &script.text, depth + 1, ctx, facts);
    }
    true
}

fn to_arg(w: &Word) -> Arg {
    Arg {
        raw: None,
        text: w.text.clone(),
        span: w.span,
        known: w.known,
        attached: None,
    }
}

/// Analyzes a Dockerfile: `RUN`, `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` as shell (or
/// PowerShell/cmd after a `SHELL` instruction that selects them), `RUN <<EOT` heredoc
/// bodies, and `ENV`/`ARG` as environment settings. Honours the `# escape=` directive
/// and comment lines inside continued instructions.
pub fn analyze_dockerfile(text: &str, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    let dialects = super::template::detect(text);
    let blanked;
    let text = if dialects.any() {
        blanked = super::template::blank(text, dialects, false);
        blanked.text.as_str()
    } else {
        text
    };
    let mut shell = FileFormat::Shell;
    // Parser directives come first: `# escape=`` ` changes the continuation character.
    let mut escape = '\\';
    for line in text.lines().take(8) {
        let l = line.trim();
        if let Some(d) = l.strip_prefix('#') {
            if let Some(v) = d.trim().strip_prefix("escape=") {
                escape = v.trim().chars().next().unwrap_or('\\');
            }
        } else if !l.is_empty() {
            break;
        }
    }
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // One instruction: lines joined by the escape character; comment lines inside
        // are skipped (Docker removes them).
        let start = i;
        let mut end = i;
        loop {
            let e = text[end..].find('\n').map_or(b.len(), |x| end + x);
            let line = text[end..e].trim_end_matches('\r');
            let is_comment = line.trim_start().starts_with('#') && end != start;
            end = e;
            if (line.trim_end().ends_with(escape) || is_comment) && end < b.len() {
                end += 1;
                continue;
            }
            break;
        }
        i = (end + 1).min(b.len().max(end + 1));
        let instr = &text[start..end.min(b.len())];
        let trimmed = instr.trim_start();
        if trimmed.starts_with('#') {
            continue;
        }
        let lead = instr.len() - trimmed.len();
        let kw_len = trimmed
            .find(|c: char| c.is_whitespace())
            .unwrap_or(trimmed.len());
        let kw = trimmed[..kw_len].to_ascii_uppercase();
        let body_off = start + lead + kw_len;
        let body = &text[body_off..end.min(b.len())];
        let run_body = |body: &str,
                        body_off: usize,
                        facts: &mut Vec<Fact>,
                        i: &mut usize,
                        shell: FileFormat| {
            let t = body.trim_start();
            let mut rest = t;
            let mut roff = body_off + (body.len() - t.len());
            // Flags (--mount=..., --network=..., --interval=...).
            while rest.starts_with("--") {
                let n = rest.find(char::is_whitespace).unwrap_or(rest.len());
                let r2 = rest[n..].trim_start();
                roff += rest.len() - r2.len();
                rest = r2;
            }
            if let Some(h) = rest.strip_prefix("<<") {
                // RUN <<EOT ... EOT: the body follows the instruction line.
                let delim: String = h
                    .trim_start_matches('-')
                    .trim_matches(['"', '\''])
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let hb = *i;
                let mut pos = hb;
                while pos < text.len() {
                    let e = text[pos..].find('\n').map_or(text.len(), |x| pos + x);
                    if text[pos..e].trim_end_matches('\r').trim() == delim {
                        super::analyze_embedded(
                            shell,
                            &Embedded::contiguous(&text[hb..pos], hb),
                            1,
                            ctx,
                            facts,
                        );
                        *i = (e + 1).min(text.len());
                        return;
                    }
                    pos = e + 1;
                }
                return;
            }
            // Exec form is a JSON array; anything else (`[Net.ServicePointManager]::...`
            // under a PowerShell SHELL) is shell form.
            if !(rest.starts_with('[') && exec_form(rest, roff, ctx, facts)) {
                super::analyze_embedded(shell, &Embedded::contiguous(rest, roff), 1, ctx, facts);
            }
        };
        match kw.as_str() {
            "RUN" | "CMD" | "ENTRYPOINT" => run_body(body, body_off, facts, &mut i, shell),
            "HEALTHCHECK" => {
                if let Some(p) = body.to_ascii_uppercase().find(" CMD ") {
                    run_body(&body[p + 5..], body_off + p + 5, facts, &mut i, shell);
                }
            }
            "SHELL" => {
                let l = body.to_ascii_lowercase();
                shell = if l.contains("powershell") || l.contains("pwsh") {
                    FileFormat::PowerShell
                } else if l.contains("cmd") {
                    FileFormat::Cmd
                } else {
                    FileFormat::Shell
                };
            }
            "ENV" | "ARG" => env_instruction(body, body_off, facts),
            _ => {}
        }
    }
}

/// `RUN ["curl", "-k", "https://..."]`; false when `s` is not a JSON array of strings.
fn exec_form(s: &str, off: usize, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) -> bool {
    let Ok(items) = serde_json::from_str::<Vec<String>>(s.trim()) else {
        return false;
    };
    let args: Vec<Arg> = items
        .iter()
        .map(|it| {
            let at = s.find(it.as_str()).map_or(off, |p| off + p);
            Arg::plain(it, Span::new(at, at + it.len()))
        })
        .collect();
    command_facts(&args, Shell::Posix, 1, ctx, facts);
    true
}

/// `ENV A=1 B="2"` or `ENV A 1`.
fn env_instruction(body: &str, off: usize, facts: &mut Vec<Fact>) {
    let vars = HashMap::new();
    let lx = Lexer {
        s: body,
        b: body.as_bytes(),
        i: 0,
        vars: &vars,
        subs: Vec::new(),
        heredocs: Vec::new(),
        bodies: Vec::new(),
    };
    let (toks, _, _) = lx.lex();
    let words: Vec<Word> = toks
        .into_iter()
        .filter_map(|t| match t {
            Tok::Word(mut w) => {
                w.span = w.span.shifted(off);
                let mut e = Embedded::new();
                e.append(&w.text);
                w.text = shift_embedded(&e, off);
                Some(w)
            }
            _ => None,
        })
        .collect();
    if words.iter().all(|w| is_assignment(w).is_some()) {
        for w in &words {
            if let Some(eq) = is_assignment(w) {
                env_assignment(&w.text.text[..eq], &to_arg(w), eq + 1, facts);
            }
        }
    } else if let (Some(k), Some(v)) = (words.first(), words.get(1)) {
        let value = crate::rules::value::Value::Str(
            words[1..]
                .iter()
                .map(|w| w.text.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        super::command::env_setting(&k.text.text, value, v.span, facts);
    }
}

fn shift_embedded(e: &Embedded, off: usize) -> Embedded {
    let mut out = Embedded::new();
    for (i, ch) in e.text.char_indices() {
        out.push_char(ch, e.map(i) + off, ch.len_utf8());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;
    use crate::rules::tables::TableIndex;

    fn options(text: &str) -> Vec<(String, String)> {
        let tables = Vec::new();
        let index = TableIndex::default();
        let mut f = Vec::new();
        analyze(text, 0, &Ctx::bare(&tables, &index), &mut f);
        f.into_iter()
            .filter_map(|f| match f {
                Fact::Option(o) => Some((o.command, o.option)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn commands_and_comments() {
        let o = options("# curl -k x\ncurl -fsSLk https://x | bash -s -- a\necho 'curl -k'\n");
        assert!(o.contains(&("curl".into(), "-fsSLk".into())), "{o:?}");
        assert_eq!(o.iter().filter(|(c, _)| c == "curl").count(), 1);
    }

    #[test]
    fn heredoc_bodies_are_data() {
        let o =
            options("cat <<EOF > x.sh\ncurl -k https://x\nEOF\nwget --no-check-certificate y\n");
        assert_eq!(
            o,
            [("wget".to_string(), "--no-check-certificate".to_string())]
        );
    }

    #[test]
    fn substitutions_are_commands() {
        let o = options("x=$(curl --insecure https://x)\n");
        assert!(o.contains(&("curl".into(), "--insecure".into())), "{o:?}");
    }

    #[test]
    fn arrays_expand_into_commands() {
        let o = options(
            "opts=(-fsS)\nopts+=(--insecure) # lab\ncurl \"${opts[@]}\" https://x\nw=(-k)\necho \"${w[@]}\"\n",
        );
        assert!(o.contains(&("curl".into(), "--insecure".into())), "{o:?}");
        assert!(
            !o.iter().any(|(c, _)| c == "-k" || c == "--insecure"),
            "{o:?}"
        );
        // Unterminated arrays and odd words.
        for s in [
            "a=(",
            "a=(b",
            "a=( $(x) )\ncurl \"${a[@]}\"",
            "a=(;)",
            "a=(\n#c\n)\n",
        ] {
            let _ = options(s);
        }
    }

    #[test]
    fn harness_scripts() {
        let o = options(
            "test_expect_success 'x' '\n\tcurl -k https://x\n'\ntest_expect_success \"y\" \"wget --no-check-certificate $u\"\n",
        );
        assert_eq!(o, [("curl".to_string(), "-k".to_string())]);
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        // Regression: a heredoc body running to the end of the file.
        for s in [
            "'abc",
            "\"abc",
            "$(",
            "`",
            "${",
            "cat <<EOF",
            "\\",
            "cat <<'NOTE'\nx\nNOTE",
            "cat <<EOF\nx\n",
        ] {
            let _ = options(s);
        }
    }
}
