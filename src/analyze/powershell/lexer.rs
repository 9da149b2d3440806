//! A PowerShell tokenizer that keeps positions.
//!
//! Handles what decides whether text is code: `#` and `<# #>` comments, single- and
//! double-quoted strings (with backtick escapes, `""`, and `$( )` subexpressions that
//! contain quotes), here-strings, backtick line continuations, variables (`$x`, `${x}`,
//! `$env:X`), splats (`@x`), parameters (`-Name`, `-Name:$v`) versus operators (`-bor`),
//! type literals (`[Net.ServicePointManager]`), numbers, groups (`( ) { } [ ] @( @{ $(`)
//! and barewords. There is no full parser behind it: the analyzer works on this token
//! stream with bracket matching, which is robust to the partial and odd scripts found in
//! repositories.

/// Longest type literal (`[System.Collections.Generic.List[string]]`) recognized.
const MAX_TYPE_LITERAL: usize = 1024;

use crate::diagnostic::Span;

/// Token kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A bareword: command name, argument, member name, keyword.
    Word,
    /// `$name` (text: the name without `$` and scope prefix kept).
    Var,
    /// `@name` splatting (text: the name).
    Splat,
    /// `-Name` parameter (text: the name without `-`).
    Param,
    /// Operators: `-bor`, `=`, `+=`, `|`, `,`, `;`, `.`, `::`, `&`, redirections.
    Op,
    /// A string literal (text: decoded value).
    Str,
    /// A number literal (text: as written).
    Num,
    /// `[TypeName]` (text: the name inside).
    Type,
    /// `(`, `{`, `[`, `@(`, `@{`, `$(`.
    Open,
    /// `)`, `}`, `]`.
    Close,
    /// An unescaped line end (statement separator).
    Newline,
}

/// A token's span in 8 bytes (analyzed text is far below 4 GiB: files over
/// --max-filesize are not read).
#[derive(Debug, Clone, Copy, Default)]
struct Span32 {
    start: u32,
    end: u32,
}

impl Span32 {
    fn new(s: Span) -> Span32 {
        let at = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        Span32 {
            start: at(s.start),
            end: at(s.end),
        }
    }

    fn get(self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }
}

impl Token<'_> {
    /// Where it is written.
    pub fn span(&self) -> Span {
        self.span.get()
    }

    /// For strings: the span inside the quotes (else the token's span).
    pub fn content(&self) -> Span {
        let s = self.span.get();
        let start = s.start.saturating_add(usize::from(self.quotes[0]));
        Span::new(
            start,
            s.end.saturating_sub(usize::from(self.quotes[1])).max(start),
        )
    }

    /// Sets [`Token::content`] (inside the token's span).
    fn set_content(&mut self, c: Span) {
        let s = self.span.get();
        let delta = |d: usize| u16::try_from(d).unwrap_or(u16::MAX);
        self.quotes = [
            delta(c.start.saturating_sub(s.start)),
            delta(s.end.saturating_sub(c.end)),
        ];
    }
}

/// A token: 32 bytes, its text borrowed from the script (or, when the lexer decoded it,
/// from the file's arena), as a 2 MB module is some 300,000 tokens.
#[derive(Debug, Clone)]
pub struct Token<'a> {
    /// Text (see [`Kind`]).
    pub text: &'a str,
    /// Where it is written.
    span: Span32,
    /// Kind.
    pub kind: Kind,
    /// For strings: double-quoted or `@"` (variables are expanded).
    pub expandable: bool,
    /// For parameters: written `-Name:` (the value follows, attached).
    pub attached: bool,
    /// Whitespace (or a line continuation) precedes the token.
    pub space_before: bool,
    /// For strings: bytes of the opening and closing quotes ([`Token::content`]).
    quotes: [u16; 2],
}

const OPERATORS: &[&str] = &[
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "like",
    "notlike",
    "match",
    "notmatch",
    "contains",
    "notcontains",
    "in",
    "notin",
    "replace",
    "split",
    "join",
    "is",
    "isnot",
    "as",
    "band",
    "bor",
    "bxor",
    "bnot",
    "not",
    "and",
    "or",
    "xor",
    "f",
    "shl",
    "shr",
    "ieq",
    "ine",
    "igt",
    "ige",
    "ilt",
    "ile",
    "ilike",
    "inotlike",
    "imatch",
    "inotmatch",
    "icontains",
    "inotcontains",
    "iin",
    "inotin",
    "ireplace",
    "isplit",
    "ceq",
    "cne",
    "cgt",
    "cge",
    "clt",
    "cle",
    "clike",
    "cnotlike",
    "cmatch",
    "cnotmatch",
    "ccontains",
    "cnotcontains",
    "cin",
    "cnotin",
    "creplace",
    "csplit",
];

/// True for a dash operator name (without `-`).
pub fn is_operator(name: &str) -> bool {
    OPERATORS.iter().any(|o| o.eq_ignore_ascii_case(name))
}

struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    out: Vec<Token<'a>>,
    space: bool,
    /// Texts the lexer decoded (escapes, lower-cased operators): the others are slices of `s`.
    arena: &'a bumpalo::Bump,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'a> Lexer<'a> {
    /// Bytes of a dash at the current position: `-` (1), or an en dash, em dash or
    /// horizontal bar (3, UTF-8), which PowerShell reads as `-`; 0 otherwise.
    fn dash_len(&self) -> usize {
        match self.b.get(self.i..self.i + 3) {
            _ if self.peek(0) == b'-' => 1,
            Some([0xE2, 0x80, 0x93..=0x95]) => 3,
            _ => 0,
        }
    }

    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    /// Pushes a token from `start` to here whose text is `text`: found in the token as
    /// written, or copied to the arena ([`Lexer::borrow`]).
    fn push(&mut self, kind: Kind, start: usize, text: impl AsRef<str>) {
        let text = self.borrow(start, text.as_ref());
        self.push_slice(kind, start, text);
    }

    /// The script from `from` to `to` (empty when that is not a slice of it).
    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.s.get(from..to).unwrap_or_default()
    }

    /// [`Lexer::push`] for a text that is already a slice of the script.
    fn push_slice(&mut self, kind: Kind, start: usize, text: &'a str) {
        let span = Span32::new(Span::new(start, self.i));
        self.out.push(Token {
            kind,
            span,
            text,
            quotes: [0, 0],
            expandable: false,
            attached: false,
            space_before: self.space,
        });
        self.space = false;
    }

    /// `text` as a slice of the token as written when it is one (`Name` of `$Name`, the
    /// inside of `'as is'`), else a copy in the arena (`it's` of `'it''s'`).
    fn borrow(&self, start: usize, text: &str) -> &'a str {
        let s = self.s;
        let Some(written) = s.get(start..self.i) else {
            return self.arena.alloc_str(text);
        };
        // Mostly after a sigil or quote (`$`, `'`, `${`): tried before a search.
        for at in 0..3 {
            if let Some(w) = written.get(at..at + text.len())
                && w == text
            {
                return w;
            }
        }
        match written.find(text) {
            Some(at) => &written[at..at + text.len()],
            None => self.arena.alloc_str(text),
        }
    }

    /// The previous token ends exactly here and is a value (so `.`/`[` continue it).
    fn adjacent_value(&self, at: usize) -> bool {
        self.out.last().is_some_and(|t| {
            t.span().end == at
                && matches!(
                    t.kind,
                    Kind::Var | Kind::Close | Kind::Str | Kind::Word | Kind::Type | Kind::Num
                )
        })
    }

    fn char_len(&self) -> usize {
        self.s[self.i..].chars().next().map_or(1, char::len_utf8)
    }

    fn at_quote(&self, single: bool) -> bool {
        let rest = &self.s[self.i..];
        if single {
            rest.starts_with('\'') || rest.starts_with('\u{2018}') || rest.starts_with('\u{2019}')
        } else {
            rest.starts_with('"') || rest.starts_with('\u{201c}') || rest.starts_with('\u{201d}')
        }
    }

    fn lex(mut self) -> Vec<Token<'a>> {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            let start = self.i;
            match c {
                b' ' | b'\t' | 0x0B | 0x0C => {
                    self.i += 1;
                    self.space = true;
                }
                b'\r' | b'\n' => {
                    if c == b'\r' && self.peek(1) == b'\n' {
                        self.i += 1;
                    }
                    self.i += 1;
                    if !matches!(self.out.last(), Some(t) if t.kind == Kind::Newline) {
                        self.push(Kind::Newline, start, String::new());
                    }
                    self.space = true;
                }
                b'`' if matches!(self.peek(1), b'\r' | b'\n') => {
                    self.i += 1;
                    if self.peek(0) == b'\r' {
                        self.i += 1;
                    }
                    if self.peek(0) == b'\n' {
                        self.i += 1;
                    }
                    self.space = true;
                }
                b'#' => {
                    while self.i < self.b.len() && !matches!(self.b[self.i], b'\n' | b'\r') {
                        self.i += 1;
                    }
                }
                b'<' if self.peek(1) == b'#' => {
                    self.i += 2;
                    match self.s[self.i..].find("#>") {
                        Some(e) => self.i += e + 2,
                        None => self.i = self.b.len(),
                    }
                    self.space = true;
                }
                b'@' if matches!(self.peek(1), b'\'' | b'"') && self.here_string_follows() => {
                    self.here_string()
                }
                _ if self.at_quote(true) => self.single_quoted(),
                _ if self.at_quote(false) => self.double_quoted(),
                b'@' if self.peek(1) == b'(' || self.peek(1) == b'{' => {
                    self.i += 2;
                    self.push(
                        Kind::Open,
                        start,
                        if c == b'@' && self.b[start + 1] == b'(' {
                            "@("
                        } else {
                            "@{"
                        },
                    );
                }
                b'@' if is_ident(self.peek(1)) => {
                    self.i += 1;
                    while is_ident(self.peek(0)) {
                        self.i += 1;
                    }
                    self.push_slice(Kind::Splat, start, self.slice(start + 1, self.i));
                }
                b'$' => self.variable(),
                b'(' | b'{' => {
                    self.i += 1;
                    self.push_slice(Kind::Open, start, self.slice(start, self.i));
                }
                b')' | b'}' | b']' => {
                    self.i += 1;
                    self.push_slice(Kind::Close, start, self.slice(start, self.i));
                }
                b'[' => {
                    if !self.adjacent_value(start) {
                        if let Some((end, name)) = self.type_literal() {
                            self.i = end;
                            self.push(Kind::Type, start, name);
                            continue;
                        }
                    }
                    self.i += 1;
                    self.push(Kind::Open, start, "[");
                }
                // `--insecure`, `--global`: long options of native commands.
                b'-' if self.peek(1) == b'-'
                    && (self.peek(2).is_ascii_alphabetic() || self.peek(2) == b'%')
                    && self.space =>
                {
                    self.word()
                }
                b'-' | 0xE2
                    if self.dash_len() > 0
                        && (self.peek(self.dash_len()).is_ascii_alphabetic()
                            || self.peek(self.dash_len()) == b'_') =>
                {
                    // A parameter or operator: PowerShell also takes an en dash, em dash or
                    // horizontal bar for the `-`, and a backtick before a letter of the name
                    // escapes it (`-Skip`CertificateCheck` is -SkipCertificateCheck).
                    self.i += self.dash_len();
                    let mut name = String::new();
                    loop {
                        let c = self.peek(0);
                        if is_ident(c) || c == b'-' {
                            name.push(char::from(c));
                            self.i += 1;
                        } else if c == b'`' && is_ident(self.peek(1)) && !name.is_empty() {
                            self.i += 1;
                        } else {
                            break;
                        }
                    }
                    if is_operator(&name) {
                        self.push(Kind::Op, start, format!("-{}", name.to_ascii_lowercase()));
                    } else {
                        let attached = self.peek(0) == b':' && self.peek(1) != b':';
                        if attached {
                            self.i += 1;
                        }
                        self.push(Kind::Param, start, name);
                        if let Some(t) = self.out.last_mut() {
                            t.attached = attached;
                        }
                    }
                }
                b'-' if self.peek(1).is_ascii_digit()
                    && (self.space
                        || self.out.last().is_none_or(|t| {
                            !matches!(t.kind, Kind::Var | Kind::Num | Kind::Close)
                        })) =>
                {
                    self.i += 1;
                    self.number(start);
                }
                b'0'..=b'9' => {
                    if matches!(self.peek(1), b'>')
                        || (self.peek(1) == b'>' && self.peek(2) == b'>')
                    {
                        self.redirection();
                    } else {
                        self.number(start);
                    }
                }
                b'*' if self.peek(1) == b'>' => self.redirection(),
                b'>' => self.redirection(),
                b'.' if self.adjacent_value(start)
                    && (is_ident(self.peek(1))
                        || self.peek(1) == b'\''
                        || self.peek(1) == b'"'
                        || self.peek(1) == b'$') =>
                {
                    self.i += 1;
                    self.push(Kind::Op, start, ".");
                    self.member_name();
                }
                b':' if self.peek(1) == b':' => {
                    self.i += 2;
                    self.push(Kind::Op, start, "::");
                    self.member_name();
                }
                // `/switch` arguments of native commands (`bitsadmin /SetSecurityFlags`).
                b'/' if self.space
                    && (self.peek(1).is_ascii_alphabetic() || self.peek(1) == b'?') =>
                {
                    self.word()
                }
                b'=' | b'+' | b'*' | b'/' | b'%' | b'!' | b',' | b';' | b'|' | b'&' | b'.'
                | b'-' | b'<' => {
                    self.i += 1;
                    let two = [c, self.peek(0)];
                    if matches!(
                        &two,
                        b"=="
                            | b"+="
                            | b"-="
                            | b"*="
                            | b"/="
                            | b"%="
                            | b"&&"
                            | b"||"
                            | b"++"
                            | b"--"
                            | b".."
                    ) {
                        self.i += 1;
                    }
                    self.push_slice(Kind::Op, start, self.slice(start, self.i));
                }
                _ => self.word(),
            }
        }
        self.out
    }

    fn member_name(&mut self) {
        let start = self.i;
        while is_ident(self.peek(0)) {
            self.i += 1;
        }
        if self.i > start {
            self.space = false;
            self.push(Kind::Word, start, &self.s[start..self.i]);
        }
    }

    fn redirection(&mut self) {
        let start = self.i;
        while matches!(self.peek(0), b'0'..=b'9' | b'*' | b'>' | b'&') {
            self.i += 1;
        }
        self.push_slice(Kind::Op, start, self.slice(start, self.i));
    }

    fn number(&mut self, start: usize) {
        let rest = &self.b[self.i..];
        let mut j = 0;
        if rest.len() > 2 && rest[0] == b'0' && (rest[1] == b'x' || rest[1] == b'X') {
            j = 2;
            while j < rest.len() && rest[j].is_ascii_hexdigit() {
                j += 1;
            }
        } else {
            while j < rest.len()
                && (rest[j].is_ascii_digit()
                    || (rest[j] == b'.' && rest.get(j + 1).is_some_and(u8::is_ascii_digit)))
            {
                j += 1;
            }
        }
        // Type suffixes and multipliers.
        let suffix_end = {
            let mut k = j;
            let lower: Vec<u8> = rest[j..rest.len().min(j + 2)]
                .iter()
                .map(u8::to_ascii_lowercase)
                .collect();
            if lower.starts_with(b"kb")
                || lower.starts_with(b"mb")
                || lower.starts_with(b"gb")
                || lower.starts_with(b"tb")
                || lower.starts_with(b"pb")
            {
                k += 2;
            } else if rest.get(k).is_some_and(|c| b"lLuUdDnNyYsS".contains(c)) {
                k += 1;
                if rest.get(k).is_some_and(|c| b"lLyYsS".contains(c)) {
                    k += 1;
                }
            }
            k
        };
        let follows_word = rest.get(suffix_end).is_some_and(|&c| {
            is_ident(c) || c == b'.' || c == b'\\' || c == b'/' || c == b':' || c == b'-'
        });
        if follows_word {
            self.word_from(start);
            return;
        }
        self.i += suffix_end;
        self.push_slice(Kind::Num, start, self.slice(start, self.i));
    }

    fn word(&mut self) {
        let start = self.i;
        self.word_from(start);
    }

    fn word_from(&mut self, start: usize) {
        let mut text = String::new();
        self.i = start;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' | b'{' | b'}' | b',' | b';' | b'|'
                | b'&' | b'\'' | b'"' => break,
                b'[' | b']' if self.i > start => break,
                b'=' if self.i > start => {
                    // `http.sslVerify=false` is one argument; `Name='x'` and `Name = 1` are not.
                    if matches!(
                        self.peek(1),
                        b' ' | b'\t'
                            | b'\r'
                            | b'\n'
                            | b'\''
                            | b'"'
                            | b'$'
                            | b'('
                            | b'@'
                            | b'['
                            | b'{'
                            | 0
                    ) {
                        break;
                    }
                    text.push('=');
                    self.i += 1;
                }
                b'`' => {
                    if let Some(ch) = self.s[self.i + 1..].chars().next() {
                        if ch == '\r' || ch == '\n' {
                            break;
                        }
                        text.push(ch);
                        self.i += 1 + ch.len_utf8();
                    } else {
                        self.i += 1;
                    }
                }
                _ => {
                    let n = self.char_len();
                    text.push_str(&self.s[self.i..self.i + n]);
                    self.i += n;
                }
            }
        }
        if self.i == start {
            // A character no rule takes (a stray `]` at the start, ...): consume it.
            self.i += self.char_len();
            text = self.s[start..self.i].to_string();
        }
        self.push(Kind::Word, start, text);
    }

    fn variable(&mut self) {
        let start = self.i;
        match self.peek(1) {
            b'(' => {
                self.i += 2;
                self.push(Kind::Open, start, "$(");
            }
            b'{' => {
                let end = self.s[self.i + 2..]
                    .find('}')
                    .map_or(self.b.len(), |e| self.i + 2 + e);
                let name = self.slice((self.i + 2).min(end), end);
                self.i = (end + 1).min(self.b.len());
                self.push_slice(Kind::Var, start, name);
            }
            c if is_ident(c) || c == b'?' || c == b'^' || c == b'$' => {
                self.i += 1;
                if matches!(c, b'?' | b'^' | b'$') {
                    self.i += 1;
                } else {
                    while is_ident(self.peek(0))
                        || (self.peek(0) == b':' && is_ident(self.peek(1)) && self.peek(1) != b':')
                    {
                        self.i += 1;
                    }
                }
                self.push_slice(Kind::Var, start, self.slice(start + 1, self.i));
            }
            _ => self.word(),
        }
    }

    fn single_quoted(&mut self) {
        let start = self.i;
        let q = self.char_len();
        self.i += q;
        let cstart = self.i;
        let mut text = String::new();
        while self.i < self.b.len() {
            if self.at_quote(true) {
                let n = self.char_len();
                // '' is an escaped quote.
                if self.s[self.i + n..].starts_with('\'') {
                    text.push('\'');
                    self.i += n + 1;
                    continue;
                }
                break;
            }
            let n = self.char_len();
            text.push_str(&self.s[self.i..self.i + n]);
            self.i += n;
        }
        let cend = self.i;
        if self.i < self.b.len() {
            self.i += self.char_len();
        }
        self.push(Kind::Str, start, text);
        if let Some(t) = self.out.last_mut() {
            t.set_content(Span::new(cstart, cend));
        }
    }

    /// Skips a `$( ... )` subexpression inside a double-quoted string, strings included.
    fn skip_subexpression(&mut self) {
        let mut depth = 0usize;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.i += 1;
                        return;
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
                        if self.b[self.i] == b'`' {
                            self.i += 1;
                        }
                        self.i += 1;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
    }

    fn double_quoted(&mut self) {
        let start = self.i;
        self.i += self.char_len();
        let cstart = self.i;
        let mut text = String::new();
        while self.i < self.b.len() {
            if self.at_quote(false) {
                let n = self.char_len();
                if self.s[self.i + n..].starts_with('"') {
                    text.push('"');
                    self.i += n + 1;
                    continue;
                }
                break;
            }
            match self.b[self.i] {
                b'`' => {
                    let ch = self.s[self.i + 1..].chars().next().unwrap_or('`');
                    text.push(match ch {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '0' => '\0',
                        c => c,
                    });
                    self.i += 1 + ch.len_utf8();
                }
                b'$' if self.peek(1) == b'(' => {
                    let s = self.i;
                    self.skip_subexpression();
                    text.push_str(&self.s[s..self.i.min(self.b.len())]);
                }
                _ => {
                    let n = self.char_len();
                    text.push_str(&self.s[self.i..self.i + n]);
                    self.i += n;
                }
            }
        }
        let cend = self.i.min(self.b.len());
        if self.i < self.b.len() {
            self.i += self.char_len();
        }
        self.push(Kind::Str, start, text);
        if let Some(t) = self.out.last_mut() {
            t.set_content(Span::new(cstart, cend));
            t.expandable = true;
        }
    }

    fn here_string_follows(&self) -> bool {
        let rest = &self.b[self.i + 2..];
        let mut k = 0;
        while k < rest.len() && (rest[k] == b' ' || rest[k] == b'\t') {
            k += 1;
        }
        k < rest.len() && (rest[k] == b'\n' || rest[k] == b'\r')
    }

    fn here_string(&mut self) {
        let start = self.i;
        let quote = self.b[self.i + 1];
        self.i += 2;
        while self.i < self.b.len() && !matches!(self.b[self.i], b'\n' | b'\r') {
            self.i += 1;
        }
        if self.peek(0) == b'\r' {
            self.i += 1;
        }
        if self.peek(0) == b'\n' {
            self.i += 1;
        }
        let cstart = self.i;
        let term = [quote, b'@'];
        let mut cend = self.b.len();
        let mut line = self.i;
        loop {
            if line >= self.b.len() {
                self.i = self.b.len();
                break;
            }
            if self.b[line..].starts_with(&term) {
                cend = line;
                self.i = line + 2;
                break;
            }
            match self.s[line..].find('\n') {
                Some(e) => line += e + 1,
                None => {
                    self.i = self.b.len();
                    break;
                }
            }
        }
        // The line end before the terminator is not part of the string.
        let mut ce = cend;
        if ce > cstart && self.b[ce - 1] == b'\n' {
            ce -= 1;
        }
        if ce > cstart && self.b[ce - 1] == b'\r' {
            ce -= 1;
        }
        self.push_slice(Kind::Str, start, self.slice(cstart, ce.max(cstart)));
        if let Some(t) = self.out.last_mut() {
            t.set_content(Span::new(cstart, ce.max(cstart)));
            t.expandable = quote == b'"';
        }
    }

    /// `[Name.Space.Type]`, `[string[]]`, `[System.Collections.Generic.List[string]]`.
    fn type_literal(&self) -> Option<(usize, String)> {
        let rest = &self.b[self.i + 1..];
        let mut depth = 1;
        let mut k = 0;
        // Type names are short: a bounded look-ahead keeps `[[[[...` linear.
        while k < rest.len().min(MAX_TYPE_LITERAL) {
            match rest[k] {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                c if is_ident(c) || matches!(c, b'.' | b',' | b' ' | b'`' | b'+') => {}
                _ => return None,
            }
            k += 1;
        }
        if k >= rest.len().min(MAX_TYPE_LITERAL) {
            return None;
        }
        let inner = self.s[self.i + 1..self.i + 1 + k].trim();
        if !inner
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        {
            return None;
        }
        Some((self.i + k + 2, inner.to_string()))
    }
}

/// Tokenizes PowerShell source; decoded texts go to `arena`.
pub fn lex<'a>(s: &'a str, arena: &'a bumpalo::Bump) -> Vec<Token<'a>> {
    Lexer {
        s,
        b: s.as_bytes(),
        i: 0,
        out: Vec::new(),
        space: true,
        arena,
    }
    .lex()
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static ARENA: &'static bumpalo::Bump = Box::leak(Box::new(bumpalo::Bump::new()));
    }

    /// [`super::lex`] with an arena that outlives the test.
    fn lex(s: &str) -> Vec<Token<'_>> {
        ARENA.with(|a| super::lex(s, a))
    }

    /// A token per 3-7 bytes of script: a 2 MB module is about 300,000 tokens, so their
    /// size is the analyzer's memory (32 bytes: 8-byte spans, text borrowed).
    #[test]
    fn tokens_stay_small() {
        assert!(std::mem::size_of::<Token>() <= 32);
        let t = &lex("$x = 'a'")[2];
        assert_eq!((t.span(), t.content()), (Span::new(5, 8), Span::new(6, 7)));
        // Texts as written are borrowed from the script; decoded ones are copies.
        let script = "$Name = 'it''s' + 'as is' -EQ [Type]";
        let toks = lex(script);
        let inside = |t: &str| script.as_bytes().as_ptr_range().contains(&t.as_ptr());
        let texts: Vec<(&str, bool)> = toks.iter().map(|t| (t.text, inside(t.text))).collect();
        assert_eq!(
            texts,
            [
                ("Name", true),
                ("=", true),
                ("it's", false),
                ("+", true),
                ("as is", true),
                ("-eq", false),
                ("Type", true)
            ]
        );
        let here = &lex("@\"\n  x\n\"@")[0];
        assert_eq!((here.text, here.content()), ("  x", Span::new(3, 6)));
    }

    fn kinds(s: &str) -> Vec<(Kind, String)> {
        lex(s)
            .into_iter()
            .map(|t| (t.kind, t.text.to_string()))
            .collect()
    }

    #[test]
    fn comments_and_strings() {
        let k = kinds("# x\n<# a\n b #>'it''s' \"a`\"b\" @'\nhere\n'@\n");
        assert_eq!(k[0], (Kind::Newline, String::new()));
        assert_eq!(k[1], (Kind::Str, "it's".into()));
        assert_eq!(k[2], (Kind::Str, "a\"b".into()));
        assert_eq!(k[3], (Kind::Str, "here".into()));
    }

    #[test]
    fn params_operators_types() {
        let k = kinds(
            "[Net.ServicePointManager]::SecurityProtocol = $x -band (-bnot [Net.SecurityProtocolType]::Ssl3)",
        );
        assert_eq!(k[0], (Kind::Type, "Net.ServicePointManager".into()));
        assert_eq!(k[1], (Kind::Op, "::".into()));
        assert_eq!(k[2], (Kind::Word, "SecurityProtocol".into()));
        assert!(k.contains(&(Kind::Op, "-bnot".into())));
        let k = kinds("Set-ItemProperty -Path $p -Confirm:$false");
        assert_eq!(k[1], (Kind::Param, "Path".into()));
        assert_eq!(k[3], (Kind::Param, "Confirm".into()));
    }

    #[test]
    fn continuation_and_members() {
        let t = lex("$r = Invoke-WebRequest -Uri $u `\n    -SkipCertificateCheck\n$a.b.c = 1");
        let names: Vec<&str> = t.iter().map(|t| t.text).collect();
        assert!(names.contains(&"SkipCertificateCheck"));
        assert_eq!(t.iter().filter(|t| t.kind == Kind::Newline).count(), 1);
        let k = kinds("$a.b.c = 1");
        assert_eq!(k[1], (Kind::Op, ".".into()));
        assert_eq!(k[2], (Kind::Word, "b".into()));
    }

    #[test]
    fn words_with_equals_and_dots() {
        let k = kinds("git -c http.sslVerify=false clone; bitsadmin.exe /x; @{Name='x'}");
        assert_eq!(k[2], (Kind::Word, "http.sslVerify=false".into()));
        assert!(k.contains(&(Kind::Word, "bitsadmin.exe".into())));
        assert!(k.contains(&(Kind::Word, "Name".into())));
    }

    #[test]
    fn subexpressions_in_strings() {
        let k = kinds("\"a $(\"x\" + 'y') b\" 1");
        assert_eq!(k[0].0, Kind::Str);
        assert_eq!(k[1], (Kind::Num, "1".into()));
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for s in [
            "'abc", "\"abc", "@'\nabc", "<# abc", "[abc", "$(", "${abc", "-", "`", "0x", "@", "$",
        ] {
            let _ = lex(s);
        }
    }
}
