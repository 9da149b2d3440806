//! The cmd.exe analyzer: batch files (`.cmd`, `.bat`) and `cmd /c` command lines.
//!
//! A small tokenizer that knows what cmd.exe knows: `REM` and `::` comments, labels,
//! `echo` text (never analyzed), quoting, `^` escapes and line continuations, `&`, `&&`,
//! `||`, `|`, parenthesized blocks, redirections, and `%VAR%`, `!VAR!` and `%%X`
//! references. `set VAR=value` and `for %%X in (...)` bind variables, so that
//! `reg add "%ARRKEY%" ...` or a key built from loop variables is judged with its real
//! value. Commands go to the shared [`super::command`] semantics with their arguments
//! unquoted the way programs receive them.

use super::Ctx;
use super::command::{Arg, MAX_DEPTH, Shell, command_facts, env_setting};
use super::embed::Embedded;
use crate::diagnostic::Span;
use crate::facts::Fact;
use crate::rules::value::Value;
use std::collections::HashMap;

/// A piece of a word.
#[derive(Debug, Clone)]
enum Piece {
    /// Literal text at a file offset (`orig_len` bytes of source; more than the text for
    /// escapes like `^&` or `\"`).
    Lit {
        text: String,
        at: usize,
        orig_len: usize,
    },
    /// `%NAME%` / `!NAME!`.
    Var { name: String, at: usize, len: usize },
    /// `%%X` (or `%X` on a command line), with the `~` modifier flag.
    LoopVar {
        name: char,
        tilde: bool,
        at: usize,
        len: usize,
    },
    /// `%1`, `%~dp0`, `%*`, `%VAR:~0,3%` and friends: not known statically.
    Unknown { at: usize, len: usize },
}

#[derive(Debug, Clone)]
struct Word {
    pieces: Vec<Piece>,
    span: Span,
    /// The word starts with a quote (`start "title" ...`).
    quoted: bool,
}

#[derive(Debug, Clone)]
enum Tok {
    Word(Word),
    /// `&`, `&&`, `|`, `||`.
    Op,
    LParen(usize),
    RParen(usize),
    Newline,
}

struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    depth: usize,
    toks: Vec<Tok>,
    at_command_start: bool,
    /// `echo TEXT >> FILE` where FILE is a configuration file (`.npmrc`, `.curlrc`, ...):
    /// the text is deployed as a setting, and read as that file's format.
    deploys: Vec<(crate::format::FileFormat, Span)>,
}

impl<'a> Lexer<'a> {
    fn new(s: &'a str) -> Lexer<'a> {
        Lexer {
            s,
            b: s.as_bytes(),
            i: 0,
            depth: 0,
            toks: Vec::new(),
            at_command_start: true,
            deploys: Vec::new(),
        }
    }

    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn skip_to_eol(&mut self) {
        while self.i < self.b.len() && self.b[self.i] != b'\n' && self.b[self.i] != b'\r' {
            self.i += 1;
        }
    }

    /// At the start of a command: `@`, `REM`, `::`, labels and `echo` are handled here.
    fn command_start(&mut self) -> bool {
        while matches!(self.peek(0), b' ' | b'\t' | b'@' | b';' | b',') {
            self.i += 1;
        }
        let rest = &self.s[self.i..];
        let word_end = rest
            .find(|c: char| c.is_whitespace() || "&|()<>".contains(c))
            .unwrap_or(rest.len());
        let word = rest[..word_end].to_ascii_lowercase();
        if word == "rem"
            || word.starts_with("rem.")
            || word.starts_with("rem/")
            || word.starts_with("::")
            || (word.starts_with(':') && !word.starts_with(":\\"))
        {
            self.skip_to_eol();
            return true;
        }
        if word == "echo"
            || word.starts_with("echo.")
            || word.starts_with("echo:")
            || word.starts_with("echo(")
            || word.starts_with("echo/")
        {
            self.skip_echo();
            return true;
        }
        false
    }

    /// Skips echo text up to the end of the command (respecting carets and quotes). When
    /// the text is redirected into a configuration file, records it as deployed.
    fn skip_echo(&mut self) {
        let mut quoted = false;
        // After `echo` and one separator.
        while self.i < self.b.len()
            && !self.b[self.i].is_ascii_whitespace()
            && !matches!(self.b[self.i], b'.' | b':' | b'(' | b'/')
        {
            self.i += 1;
        }
        let text_start = (self.i + 1).min(self.b.len());
        let mut redirect: Option<usize> = None;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\n' | b'\r' => break,
                b'"' => quoted = !quoted,
                b'>' if !quoted && redirect.is_none() => redirect = Some(self.i),
                b'^' if !quoted => {
                    if matches!(self.peek(1), b'\r' | b'\n') {
                        self.i += 1;
                        if self.peek(0) == b'\r' {
                            self.i += 1;
                        }
                        if self.peek(0) == b'\n' {
                            self.i += 1;
                        }
                        continue;
                    }
                    self.i += 1;
                }
                b'&' | b'|' if !quoted => break,
                b')' if !quoted && self.depth > 0 => break,
                _ => {}
            }
            self.i += 1;
        }
        // A caret as the last byte escapes nothing: the loop stepped past the end.
        self.i = self.i.min(self.b.len());
        let Some(r) = redirect else { return };
        let Some(target) = self.s.get(r..self.i) else {
            return;
        };
        let target = target.trim_start_matches(['>', '&', '1']);
        if let Some(f) = crate::format::deployed_config(target) {
            let mut end = r;
            // `echo x 1>>file`: the stream number is not text.
            if end > text_start
                && self.b[end - 1].is_ascii_digit()
                && self
                    .b
                    .get(end.wrapping_sub(2))
                    .is_some_and(u8::is_ascii_whitespace)
            {
                end -= 1;
            }
            if end > text_start {
                self.deploys.push((f, Span::new(text_start, end)));
            }
        }
    }

    fn lex(mut self) -> (Vec<Tok>, Vec<(crate::format::FileFormat, Span)>) {
        let mut word: Option<Word> = None;
        let mut quoted = false;
        while self.i < self.b.len() {
            if self.at_command_start && word.is_none() {
                self.at_command_start = false;
                if self.command_start() {
                    continue;
                }
                if self.i >= self.b.len() {
                    break;
                }
            }
            let c = self.b[self.i];
            let start = self.i;
            if !quoted {
                match c {
                    b'\n' | b'\r' => {
                        self.flush(&mut word);
                        if c == b'\r' && self.peek(1) == b'\n' {
                            self.i += 1;
                        }
                        self.i += 1;
                        self.toks.push(Tok::Newline);
                        self.at_command_start = true;
                        continue;
                    }
                    b' ' | b'\t' | 0x0B | 0x0C => {
                        self.flush(&mut word);
                        self.i += 1;
                        continue;
                    }
                    b'^' => {
                        if matches!(self.peek(1), b'\r' | b'\n') {
                            // Line continuation: acts as a separator here.
                            self.i += 1;
                            if self.peek(0) == b'\r' {
                                self.i += 1;
                            }
                            if self.peek(0) == b'\n' {
                                self.i += 1;
                            }
                            self.flush(&mut word);
                            continue;
                        }
                        // `^X` is X; a `^` at the end of the file is itself.
                        let (ch, n) = match self.s[self.i + 1..].chars().next() {
                            Some(ch) => (ch, 1 + ch.len_utf8()),
                            None => ('^', 1),
                        };
                        let w = word.get_or_insert_with(|| Word {
                            pieces: Vec::new(),
                            span: Span::new(start, start),
                            quoted: c == b'"',
                        });
                        push_lit(w, ch, self.i, n);
                        self.i += n;
                        w.span.end = self.i;
                        continue;
                    }
                    b'&' | b'|' => {
                        self.flush(&mut word);
                        self.i += if self.peek(1) == c { 2 } else { 1 };
                        self.toks.push(Tok::Op);
                        self.at_command_start = true;
                        continue;
                    }
                    b'(' if word.is_none() => {
                        self.i += 1;
                        self.depth += 1;
                        self.toks.push(Tok::LParen(start));
                        self.at_command_start = true;
                        continue;
                    }
                    b')' if self.depth > 0 => {
                        self.flush(&mut word);
                        self.i += 1;
                        self.depth -= 1;
                        self.toks.push(Tok::RParen(start));
                        continue;
                    }
                    b'<' | b'>' => {
                        // Redirection: drop it and its target.
                        let digit_before = word.as_ref().is_some_and(|w| {
                            w.span.len() == 1 && self.b[w.span.start].is_ascii_digit()
                        });
                        if digit_before {
                            word = None;
                        } else {
                            self.flush(&mut word);
                        }
                        self.i += 1;
                        while matches!(self.peek(0), b'>' | b'&') {
                            self.i += 1;
                        }
                        while matches!(self.peek(0), b' ' | b'\t') {
                            self.i += 1;
                        }
                        let mut q = false;
                        while self.i < self.b.len() {
                            let d = self.b[self.i];
                            if d == b'"' {
                                q = !q;
                            } else if !q
                                && (d.is_ascii_whitespace()
                                    || d == b'&'
                                    || d == b'|'
                                    || (d == b')' && self.depth > 0))
                            {
                                break;
                            }
                            self.i += 1;
                        }
                        continue;
                    }
                    _ => {}
                }
            } else if c == b'\n' || c == b'\r' {
                // A quote never spans lines in cmd.
                quoted = false;
                continue;
            }
            let w = word.get_or_insert_with(|| Word {
                pieces: Vec::new(),
                span: Span::new(start, start),
                quoted: c == b'"',
            });
            match c {
                b'"' => {
                    quoted = !quoted;
                    self.i += 1;
                }
                b'\\' => {
                    // argv rules: 2n backslashes + quote -> n backslashes and a quote toggle;
                    // 2n+1 -> n backslashes and a literal quote.
                    let mut n = 0;
                    while self.peek(n) == b'\\' {
                        n += 1;
                    }
                    if self.peek(n) == b'"' {
                        for k in 0..n / 2 {
                            push_lit(w, '\\', self.i + 2 * k, 2);
                        }
                        if n % 2 == 1 {
                            push_lit(w, '"', self.i + n - 1, 2);
                            self.i += n + 1;
                        } else {
                            self.i += n;
                        }
                    } else {
                        for k in 0..n {
                            push_lit(w, '\\', self.i + k, 1);
                        }
                        self.i += n;
                    }
                }
                b'%' => {
                    let (piece, len) = percent(&self.s[self.i..], self.i);
                    w.pieces.push(piece);
                    self.i += len;
                }
                b'!' => {
                    let rest = &self.s[self.i + 1..];
                    match rest.find(['!', '\n', '\r', ' ', '"']) {
                        Some(end) if end > 0 && rest.as_bytes()[end] == b'!' => {
                            w.pieces.push(Piece::Var {
                                name: rest[..end].to_ascii_uppercase(),
                                at: self.i,
                                len: end + 2,
                            });
                            self.i += end + 2;
                        }
                        _ => {
                            push_lit(w, '!', self.i, 1);
                            self.i += 1;
                        }
                    }
                }
                _ => {
                    let ch = self.s[self.i..].chars().next().unwrap_or('\u{fffd}');
                    push_lit(w, ch, self.i, ch.len_utf8());
                    self.i += ch.len_utf8();
                }
            }
            w.span.end = self.i;
        }
        self.flush(&mut word);
        (self.toks, self.deploys)
    }

    fn flush(&mut self, word: &mut Option<Word>) {
        if let Some(w) = word.take() {
            self.toks.push(Tok::Word(w));
        }
    }
}

fn push_lit(w: &mut Word, ch: char, at: usize, orig_len: usize) {
    if let Some(Piece::Lit {
        text,
        at: a,
        orig_len: l,
    }) = w.pieces.last_mut()
    {
        if *a + *l == at && orig_len == ch.len_utf8() && text.len() == *l {
            text.push(ch);
            *l += orig_len;
            return;
        }
    }
    w.pieces.push(Piece::Lit {
        text: ch.to_string(),
        at,
        orig_len,
    });
}

/// Parses a `%` reference at the start of `s` (file offset `at`); returns the piece and
/// its length.
fn percent(s: &str, at: usize) -> (Piece, usize) {
    let b = s.as_bytes();
    if b.get(1) == Some(&b'%') {
        // %%X loop variable (with optional ~ modifiers), or a literal %.
        let mut j = 2;
        let mut tilde = false;
        if b.get(j) == Some(&b'~') {
            tilde = true;
            j += 1;
            while b.get(j).is_some_and(|c| b"fdpnxsatz".contains(c))
                && b.get(j + 1).is_some_and(u8::is_ascii_alphabetic)
            {
                j += 1;
            }
        }
        if let Some(&c) = b.get(j).filter(|c| c.is_ascii_alphabetic()) {
            if tilde && j > 3 {
                return (Piece::Unknown { at, len: j + 1 }, j + 1);
            }
            return (
                Piece::LoopVar {
                    name: c.to_ascii_uppercase() as char,
                    tilde,
                    at,
                    len: j + 1,
                },
                j + 1,
            );
        }
        return (
            Piece::Lit {
                text: "%".into(),
                at,
                orig_len: 2,
            },
            2,
        );
    }
    if b.get(1)
        .is_some_and(|c| c.is_ascii_digit() || *c == b'*' || *c == b'~')
    {
        // `%1`, `%*`, `%~dp0`, `%~nx1`: the last character is taken only if it is an
        // argument digit or `*` (never part of a multi-byte character).
        let mut end = 2;
        if b[1] == b'~' {
            let mut j = 2;
            while b.get(j).is_some_and(u8::is_ascii_alphabetic) {
                j += 1;
            }
            end = if b.get(j).is_some_and(|c| c.is_ascii_digit() || *c == b'*') {
                j + 1
            } else {
                j
            };
        }
        let end = end.min(s.len());
        return (Piece::Unknown { at, len: end }, end);
    }
    match s[1..].find(['%', '\n', '\r']) {
        Some(end) if end > 0 && b[1 + end] == b'%' => {
            let name = &s[1..1 + end];
            if name.contains(':') {
                (Piece::Unknown { at, len: end + 2 }, end + 2)
            } else {
                (
                    Piece::Var {
                        name: name.to_ascii_uppercase(),
                        at,
                        len: end + 2,
                    },
                    end + 2,
                )
            }
        }
        _ => (
            Piece::Lit {
                text: "%".into(),
                at,
                orig_len: 1,
            },
            1,
        ),
    }
}

/// Possible values of a variable: each `None` is "not known statically".
type Values = Vec<Option<String>>;

#[derive(Default)]
struct Scope {
    vars: HashMap<String, Values>,
    loops: Vec<(char, Values)>,
}

/// Appends one piece's value to an expansion, mapping its characters to the source.
fn push_value(e: &mut Embedded, val: Option<&str>, at: usize, len: usize, lit: bool) {
    match val {
        Some(v) if lit && v.len() == len => e.push_str(v, at),
        Some(v) => {
            let mut first = true;
            for ch in v.chars() {
                e.push_char(
                    ch,
                    if first { at } else { at + len },
                    if first { len } else { 0 },
                );
                first = false;
            }
        }
        None => e.push_char('\u{fffd}', at, len),
    }
}

/// Most combinations tried when words have several possible values.
const MAX_VARIANTS: usize = 16;

impl Scope {
    fn loop_values(&self, name: char) -> Option<&Values> {
        self.loops
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// Expands a word into its possible texts (capped), with mappings.
    fn expand(&self, w: &Word) -> Vec<(Embedded, bool)> {
        let mut out: Vec<(Embedded, bool)> = vec![(Embedded::new(), true)];
        for p in &w.pieces {
            let options: Vec<(Option<String>, usize, usize, bool)> = match p {
                Piece::Lit { text, at, orig_len } => {
                    vec![(Some(text.clone()), *at, *orig_len, true)]
                }
                Piece::Var { name, at, len } => match self.vars.get(name) {
                    Some(vals) => vals.iter().map(|v| (v.clone(), *at, *len, false)).collect(),
                    None => vec![(None, *at, *len, false)],
                },
                Piece::LoopVar {
                    name,
                    tilde,
                    at,
                    len,
                } => match self.loop_values(*name) {
                    Some(vals) => vals
                        .iter()
                        .map(|v| {
                            let v = v.as_ref().map(|s| {
                                if *tilde {
                                    s.trim_matches('"').to_string()
                                } else {
                                    s.clone()
                                }
                            });
                            (v, *at, *len, false)
                        })
                        .collect(),
                    None => vec![(None, *at, *len, false)],
                },
                Piece::Unknown { at, len } => vec![(None, *at, *len, false)],
            };
            if let [(val, at, len, lit)] = options.as_slice() {
                // One possible value (the usual case): append in place. Copying every
                // partial expansion per piece would be quadratic in the word's length.
                let val_known = val.as_ref().is_some_and(|v| !v.contains('\u{fffd}'));
                for (e, known) in &mut out {
                    push_value(e, val.as_deref(), *at, *len, *lit);
                    *known = *known && val_known;
                }
                continue;
            }
            let mut next = Vec::new();
            for (e, known) in &out {
                for (val, at, len, lit) in &options {
                    let mut e2 = e.clone();
                    push_value(&mut e2, val.as_deref(), *at, *len, *lit);
                    let val_known = val.as_ref().is_some_and(|v| !v.contains('\u{fffd}'));
                    next.push((e2, *known && val_known));
                    if next.len() >= MAX_VARIANTS {
                        break;
                    }
                }
            }
            out = next;
        }
        out
    }

    fn expand_one(&self, w: &Word) -> (Embedded, bool) {
        self.expand(w).into_iter().next().unwrap_or_default()
    }
}

/// Deepest nesting of blocks and commands followed.
const MAX_NEST: usize = 256;

struct Parser<'a> {
    src: &'a str,
    /// Current nesting of `command` calls.
    nest: usize,
    /// Inside an `if`/`else` body: `set` adds a possible value instead of replacing.
    conditional: usize,
    toks: &'a [Tok],
    i: usize,
    scope: Scope,
    depth: u8,
    ctx: &'a Ctx<'a>,
    facts: &'a mut Vec<Fact>,
}

impl Parser<'_> {
    fn block(&mut self, until_rparen: bool) {
        while self.i < self.toks.len() {
            if crate::budget::exceeded() {
                return;
            }
            match &self.toks[self.i] {
                Tok::Newline | Tok::Op => self.i += 1,
                Tok::RParen(_) => {
                    self.i += 1;
                    if until_rparen {
                        return;
                    }
                }
                _ => self.command(),
            }
        }
    }

    /// Words of the current command up to an operator, newline or block boundary.
    fn words(&mut self) -> Vec<Word> {
        let mut out = Vec::new();
        while let Some(Tok::Word(w)) = self.toks.get(self.i) {
            out.push(w.clone());
            self.i += 1;
        }
        out
    }

    fn word_text(&self, w: &Word) -> String {
        self.scope.expand_one(w).0.text.to_ascii_lowercase()
    }

    fn command(&mut self) {
        // Nesting (`(((...`, `if a if b if c ...`) is bounded: deeper levels are skipped
        // token by token instead of recursing, so no input can overflow the stack.
        if self.nest >= MAX_NEST {
            // Too deep to follow blocks: read the commands flat, without recursing.
            match self.toks.get(self.i) {
                Some(Tok::Word(w)) => {
                    let head = self.word_text(w);
                    if matches!(head.as_str(), "if" | "for" | "call" | "start") {
                        self.i += 1; // the commands they run follow, read flat
                    } else {
                        self.command_inner(); // no recursion for other commands
                    }
                }
                _ => self.i += 1,
            }
            return;
        }
        self.nest += 1;
        self.command_inner();
        self.nest -= 1;
    }

    fn command_inner(&mut self) {
        if let Some(Tok::LParen(_)) = self.toks.get(self.i) {
            self.i += 1;
            self.block(true);
            self.else_clause();
            return;
        }
        let Some(Tok::Word(first)) = self.toks.get(self.i).cloned() else {
            self.i += 1;
            return;
        };
        let head = self.word_text(&first);
        match head.as_str() {
            "if" => self.if_command(),
            "for" => self.for_command(),
            "set" => {
                let words = self.words();
                self.set_command(&words);
            }
            "setlocal" | "endlocal" | "goto" | "exit" | "pause" | "title" | "cls" | "color"
            | "shift" | "prompt" | "chcp" => {
                self.words();
            }
            "call" | "start" => {
                self.i += 1;
                if head == "start" {
                    // start ["title"] [/switches] command
                    while let Some(Tok::Word(w)) = self.toks.get(self.i) {
                        let t = self.word_text(w);
                        if t.starts_with('/') || w.quoted {
                            self.i += 1;
                        } else {
                            break;
                        }
                    }
                }
                if matches!(self.toks.get(self.i), Some(Tok::Word(_))) {
                    self.command();
                }
            }
            _ => {
                let words = self.words();
                self.run(&words);
            }
        }
    }

    fn else_clause(&mut self) {
        if let Some(Tok::Word(w)) = self.toks.get(self.i) {
            if self.word_text(w) == "else" {
                self.i += 1;
                self.command();
            }
        }
    }

    fn if_command(&mut self) {
        self.i += 1;
        let mut words: Vec<String> = Vec::new();
        let mut idx = Vec::new();
        let mut j = self.i;
        while let Some(Tok::Word(w)) = self.toks.get(j) {
            words.push(self.word_text(w));
            idx.push(j);
            j += 1;
        }
        let mut k = 0;
        while k < words.len() && (words[k] == "/i" || words[k] == "not") {
            k += 1;
        }
        let cond_len = match words.get(k).map(String::as_str) {
            Some("exist" | "defined" | "errorlevel" | "cmdextversion") => 2,
            Some(w) if w.contains("==") => {
                if w.ends_with("==") {
                    2
                } else {
                    1
                }
            }
            Some(_) => {
                if words.get(k + 1).is_some_and(|w| w.starts_with("==")) {
                    if words[k + 1] == "==" { 3 } else { 2 }
                } else {
                    3 // A EQU B
                }
            }
            None => 0,
        };
        self.i += (k + cond_len).min(words.len());
        self.conditional += 1;
        self.command();
        self.conditional -= 1;
    }

    fn for_command(&mut self) {
        self.i += 1;
        let mut kind = String::new();
        let mut var: Option<char> = None;
        while let Some(Tok::Word(w)) = self.toks.get(self.i).cloned() {
            self.i += 1;
            if let Some(Piece::LoopVar { name, .. }) = w.pieces.first() {
                var = Some(*name);
                continue;
            }
            let t = self.word_text(&w);
            if t == "in" {
                break;
            }
            if t.starts_with('/') && kind.is_empty() {
                kind = t;
            }
        }
        let mut values: Values = Vec::new();
        if let Some(&Tok::LParen(open)) = self.toks.get(self.i) {
            if kind.starts_with("/f") {
                self.for_f_command(open);
            }
            self.i += 1;
            while let Some(tok) = self.toks.get(self.i) {
                self.i += 1;
                match tok {
                    Tok::RParen(_) => break,
                    Tok::Word(w) => {
                        if kind.is_empty() {
                            for (e, known) in self.scope.expand(w) {
                                // Items are separated by spaces, commas and semicolons; a
                                // quoted item keeps its quotes (`%%~P` removes them).
                                if !known {
                                    values.push(None);
                                } else if w.quoted {
                                    values.push(Some(format!("\"{}\"", e.text)));
                                } else {
                                    for item in split_for_items(&e.text) {
                                        values.push(Some(item));
                                    }
                                }
                            }
                        } else {
                            values.push(None);
                        }
                    }
                    _ => {}
                }
            }
        }
        if values.is_empty() || values.len() > MAX_VARIANTS {
            values = vec![None];
        }
        if let Some(Tok::Word(w)) = self.toks.get(self.i) {
            if self.word_text(w) == "do" {
                self.i += 1;
            }
        }
        let Some(v) = var else {
            self.command();
            return;
        };
        self.scope.loops.push((v, values));
        self.command();
        self.scope.loops.pop();
    }

    /// `for /f ... in ('command')` / ``in (`command`)`` (usebackq): the command runs.
    fn for_f_command(&mut self, open: usize) {
        let mut depth = 0;
        let close = self.toks[self.i..].iter().find_map(|t| match t {
            Tok::LParen(_) => {
                depth += 1;
                None
            }
            Tok::RParen(at) => {
                depth -= 1;
                (depth == 0).then_some(*at)
            }
            _ => None,
        });
        let Some(close) = close else { return };
        let inner = &self.src[open + 1..close];
        let t = inner.trim();
        let lead = inner.len() - inner.trim_start().len();
        for q in ['`', '\''] {
            if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
                let cmd = &t[1..t.len() - 1];
                let at = open + 1 + lead + 1;
                super::analyze_embedded(
                    crate::format::FileFormat::Cmd,
                    &Embedded::contiguous(cmd, at),
                    self.depth + 1,
                    self.ctx,
                    self.facts,
                );
                return;
            }
        }
    }

    /// Expands `%VAR%` references in source text, keeping quotes (what `set` and `cmd /c`
    /// see). Returns the text and whether every reference was known.
    fn expand_raw(&self, start: usize, end: usize) -> (Embedded, bool) {
        let raw = &self.src[start..end];
        let b = raw.as_bytes();
        let mut e = Embedded::new();
        let mut known = true;
        let mut quoted = false;
        let mut i = 0;
        while i < b.len() {
            let at = start + i;
            match b[i] {
                b'"' => {
                    quoted = !quoted;
                    e.push_str("\"", at);
                    i += 1;
                }
                b'^' if !quoted => {
                    let rest = &raw[i + 1..];
                    if rest.starts_with("\r\n") || rest.starts_with('\n') {
                        i += if rest.starts_with('\r') { 3 } else { 2 };
                        continue;
                    }
                    let (ch, n) = match rest.chars().next() {
                        Some(ch) => (ch, 1 + ch.len_utf8()),
                        None => ('^', 1),
                    };
                    e.push_char(ch, at, n);
                    i += n;
                }
                b'%' => {
                    let (piece, len) = percent(&raw[i..], at);
                    let w = Word {
                        pieces: vec![piece],
                        span: Span::new(at, at + len),
                        quoted: false,
                    };
                    let (x, k) = self.scope.expand_one(&w);
                    e.append(&x);
                    known &= k;
                    i += len.max(1);
                }
                b'\r' | b'\n' => {
                    e.push_char(' ', at, 1);
                    i += 1;
                }
                _ => {
                    let ch = raw[i..].chars().next().unwrap_or(' ');
                    e.push_str(&raw[i..i + ch.len_utf8()], at);
                    i += ch.len_utf8();
                }
            }
        }
        (e, known)
    }

    fn set_command(&mut self, words: &[Word]) {
        let Some(first) = words.get(1) else { return };
        let t = self.word_text(first);
        if t.starts_with("/a") || t.starts_with("/p") {
            if let Some(w) = words.get(2) {
                let (e, _) = self.scope.expand_one(w);
                if let Some((name, _)) = e.text.split_once('=') {
                    self.scope
                        .vars
                        .insert(name.trim().to_ascii_uppercase(), vec![None]);
                }
            }
            return;
        }
        // The raw text after `set` (quotes are part of the value unless the whole
        // assignment is quoted: `set "X=v"`).
        let Some(last) = words.last() else { return };
        let (mut joined, known) = self.expand_raw(first.span.start, last.span.end);
        if joined.text.starts_with('"') {
            if let Some(close) = joined.text.rfind('"').filter(|&c| c > 0) {
                let mut inner = Embedded::new();
                for (i, ch) in joined.text[1..close].char_indices() {
                    inner.push_char(ch, joined.map(i + 1), ch.len_utf8());
                }
                joined = inner;
            }
        }
        let text = joined.text.clone();
        let Some(eq) = text.find('=') else { return };
        let name = text[..eq].trim().to_ascii_uppercase();
        if name.is_empty() {
            return;
        }
        let value = &text[eq + 1..];
        let vspan = if value.is_empty() {
            let s = joined.map(eq);
            Span::new(s, s + 1)
        } else {
            joined.map_span(Span::new(eq + 1, text.len()))
        };
        let v = if known {
            Value::Str(value.to_string())
        } else {
            Value::Unknown
        };
        // `set X=` deletes the variable: not an assignment.
        if !value.is_empty() {
            env_setting(text[..eq].trim(), v, vspan, self.facts);
        }
        // A partly known value keeps its known text, the unknown parts as U+FFFD
        // (`%SystemRoot%\System32\curl.exe` still names curl); expansion marks it unknown.
        let new = (known || value.chars().any(|c| c != '\u{fffd}')).then(|| value.to_string());
        if self.conditional > 0 {
            let vals = self.scope.vars.entry(name).or_default();
            if !vals.contains(&new) && vals.len() < MAX_VARIANTS {
                vals.push(new);
            }
            return;
        }
        self.scope.vars.insert(name, vec![new]);
    }

    fn run(&mut self, words: &[Word]) {
        if words.is_empty() {
            return;
        }
        // Expand each word; combine variants while the count stays small.
        let expansions: Vec<Vec<(Embedded, bool)>> =
            words.iter().map(|w| self.scope.expand(w)).collect();
        let mut variants: Vec<Vec<Arg>> = vec![Vec::new()];
        for (w, exps) in words.iter().zip(&expansions) {
            if let [(e, known)] = exps.as_slice() {
                // One possible text (the usual case): extend in place, no copies, so a
                // command with many arguments costs linear time.
                let raw = Some(self.expand_raw(w.span.start, w.span.end).0);
                for v in &mut variants {
                    v.push(Arg {
                        text: e.clone(),
                        span: w.span,
                        known: *known,
                        attached: None,
                        raw: raw.clone(),
                    });
                }
                continue;
            }
            let mut next = Vec::new();
            for v in &variants {
                for (e, known) in exps {
                    let mut v2 = v.clone();
                    v2.push(Arg {
                        text: e.clone(),
                        span: w.span,
                        known: *known,
                        attached: None,
                        raw: Some(self.expand_raw(w.span.start, w.span.end).0),
                    });
                    next.push(v2);
                    if next.len() >= MAX_VARIANTS {
                        break;
                    }
                }
            }
            variants = next;
        }
        for args in &variants {
            command_facts(args, Shell::Cmd, self.depth, self.ctx, self.facts);
        }
    }
}

fn split_for_items(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ' ' | ',' | ';' | '\t' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Analyzes a batch file or `cmd /c` text.
pub fn analyze(text: &str, depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    if depth > MAX_DEPTH {
        return;
    }
    let (toks, deploys) = Lexer::new(text).lex();
    for (f, span) in deploys {
        let line = text[span.start..span.end].trim_end();
        super::analyze_embedded(
            f,
            &Embedded::contiguous(line, span.start),
            depth + 1,
            ctx,
            facts,
        );
    }
    let mut p = Parser {
        nest: 0,
        src: text,
        conditional: 0,
        toks: &toks,
        i: 0,
        scope: Scope::default(),
        depth,
        ctx,
        facts,
    };
    p.block(false);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;

    fn facts(text: &str) -> Vec<Fact> {
        let mut f = Vec::new();
        let tables = Vec::new();
        let index = crate::rules::tables::TableIndex::default();
        analyze(text, 0, &Ctx::bare(&tables, &index), &mut f);
        f
    }

    fn registry(text: &str) -> Vec<(String, String, Value, String)> {
        facts(text)
            .into_iter()
            .filter_map(|f| match f {
                Fact::Registry(r) => Some((
                    r.key,
                    r.value_name,
                    r.value,
                    text[r.span.start..r.span.end].to_string(),
                )),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn reg_add_with_variables_and_reordered_switches() {
        let t =
            "set \"K=HKLM\\SOFTWARE\\X\"\r\nreg add \"%K%\" /f /t REG_DWORD /v Flags /d 0x3300\r\n";
        let r = registry(t);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, "HKLM\\SOFTWARE\\X");
        assert_eq!(r[0].1, "Flags");
        assert_eq!(r[0].2, Value::Int(0x3300));
        assert_eq!(r[0].3, "0x3300");
    }

    #[test]
    fn caret_continuation_and_value_line() {
        let t = "reg add \"HKLM\\A\" ^\r\n    /v N ^\r\n    /t REG_DWORD ^\r\n    /d 2688 ^\r\n    /f\r\n";
        let r = registry(t);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].2, Value::Int(2688));
        assert_eq!(r[0].3, "2688");
    }

    #[test]
    fn comments_echo_and_query_are_silent() {
        let t = "rem reg add HKLM\\A /v N /t REG_DWORD /d 1\r\n:: reg add HKLM\\A /v N /d 1\r\necho reg add HKLM\\A /v N /d 1\r\nreg query HKLM\\A /v N\r\n@REM x\r\n";
        assert!(registry(t).is_empty());
    }

    #[test]
    fn if_and_blocks() {
        let t = "if /i \"%MODE%\"==\"all\" (\r\n    echo [x] done)>>log\r\n    reg add HKLM\\A /v N /t REG_DWORD /d 1 /f\r\n)\r\nif exist x reg add HKLM\\B /v M /t REG_DWORD /d 2\r\n";
        let r = registry(t);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[1].0, "HKLM\\B");
    }

    #[test]
    fn for_loops_bind_variables() {
        let t = "for %%P in (\"SSL 3.0\" \"TLS 1.0\") do (\r\n  for %%S in (Client Server) do (\r\n    reg add \"HKLM\\P\\%%~P\\%%S\" /v Enabled /t REG_DWORD /d 1 /f >nul\r\n  )\r\n)\r\n";
        let keys: Vec<String> = registry(t).into_iter().map(|r| r.0).collect();
        assert!(
            keys.contains(&"HKLM\\P\\SSL 3.0\\Client".to_string()),
            "{keys:?}"
        );
        assert!(
            keys.contains(&"HKLM\\P\\TLS 1.0\\Server".to_string()),
            "{keys:?}"
        );
    }

    #[test]
    fn set_env_values() {
        let t = "set GIT_SSL_NO_VERIFY=true\r\nset GIT_SSL_NO_VERIFY=\r\nset \"NODE_TLS_REJECT_UNAUTHORIZED=0\"\r\n";
        let env: Vec<(String, Value)> = facts(t)
            .into_iter()
            .filter_map(|f| match f {
                Fact::Setting(s) if s.domain == "env" => Some((s.key, s.value)),
                _ => None,
            })
            .collect();
        assert_eq!(
            env[0],
            ("GIT_SSL_NO_VERIFY".to_string(), Value::Str("true".into()))
        );
        // `set X=` deletes the variable: no fact.
        assert_eq!(env.len(), 2, "{env:?}");
        assert_eq!(
            env[1],
            (
                "NODE_TLS_REJECT_UNAUTHORIZED".to_string(),
                Value::Str("0".into())
            )
        );
    }

    #[test]
    fn carets_escape_operators() {
        let t = "reg add HKLM\\A^&B /v N /t REG_DWORD /d 1\r\n";
        assert_eq!(registry(t)[0].0, "HKLM\\A&B");
    }
}
