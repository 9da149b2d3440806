//! A comment- and string-aware lexer for the C family (C, C++, C#, Java, Go, JS/TS) and
//! Python.
//!
//! Why a lexer and not parsers: the rules need to know what is code (not a comment, not a
//! string, not a preprocessor condition) and a little structure (calls, assignments,
//! enum bodies, method bodies), across seven languages, on files that are often partial,
//! preprocessor-heavy or newer than any grammar we could ship. A full parser per language
//! (tree-sitter grammars are tens of megabytes of generated C for C#/TS alone) would add
//! build time and failure modes without adding findings; the token stream plus bracket
//! matching is what [`super`] works on. Rust, whose grammar `syn` covers completely, is
//! parsed properly (see [`super::rust`]).

use crate::diagnostic::Span;

/// Token kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum K {
    /// Identifier or keyword.
    Ident,
    /// Number literal.
    Num,
    /// String literal (text: the content, escapes decoded where simple).
    Str,
    /// Character literal (C, C#, Java).
    Char,
    /// Operator or punctuation.
    Punct,
    /// `(`, `[`, `{`.
    Open,
    /// `)`, `]`, `}`.
    Close,
}

/// A token.
#[derive(Debug, Clone)]
pub struct Tok {
    /// Kind.
    pub k: K,
    /// Where it is written.
    pub span: Span,
    /// Source text (for strings: the content).
    pub text: String,
    /// Part of a preprocessor directive (`#define`, `#if`, `#include`, ...): the
    /// directive's name, lower-case.
    pub pp: Option<String>,
    /// The first token on its line.
    pub line_start: bool,
}

/// The lexical family of a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// C and C++ (preprocessor, raw strings, `'` digit separators).
    C,
    /// C# (preprocessor directives, verbatim/interpolated/raw strings).
    CSharp,
    /// Java (text blocks).
    Java,
    /// Go (raw strings in backticks).
    Go,
    /// JavaScript/TypeScript (template literals, regex literals).
    Js,
    /// Python (`#` comments, prefixed and triple-quoted strings).
    Python,
}

const PUNCTS: &[&str] = &[
    ">>>=", "<<=", ">>=", "...", "**=", "//=", "->", "=>", "::", "==", "!=", "<=", ">=", "&&",
    "||", "|=", "&=", "^=", "+=", "-=", "*=", "/=", "%=", "++", "--", "<<", "??", "?.", "**", ":=",
];

struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    fam: Family,
    out: Vec<Tok>,
    line_start: bool,
    pp: Option<String>,
}

fn ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80
}

fn ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn push(&mut self, k: K, start: usize, text: String) {
        self.out.push(Tok {
            k,
            span: Span::new(start, self.i),
            text,
            pp: self.pp.clone(),
            line_start: self.line_start,
        });
        self.line_start = false;
    }

    fn regex_allowed(&self) -> bool {
        match self.out.last() {
            None => true,
            Some(t) => match t.k {
                K::Ident => matches!(
                    t.text.as_str(),
                    "return"
                        | "typeof"
                        | "case"
                        | "do"
                        | "else"
                        | "in"
                        | "of"
                        | "new"
                        | "delete"
                        | "void"
                        | "throw"
                        | "yield"
                        | "await"
                ),
                K::Num | K::Str | K::Char | K::Close => false,
                K::Punct => !matches!(t.text.as_str(), "++" | "--"),
                K::Open => true,
            },
        }
    }

    fn lex(mut self) -> Vec<Tok> {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            let start = self.i;
            match c {
                b'\n' => {
                    self.i += 1;
                    self.line_start = true;
                    // A preprocessor directive ends at an unescaped line end.
                    if self.pp.is_some()
                        && !(start > 0 && self.b[start - 1] == b'\\')
                        && !(start > 1 && self.b[start - 1] == b'\r' && self.b[start - 2] == b'\\')
                    {
                        self.pp = None;
                    }
                }
                b' ' | b'\t' | b'\r' | 0x0B | 0x0C => self.i += 1,
                b'/' if self.peek(1) == b'/' && self.fam != Family::Python => self.skip_line(),
                b'/' if self.peek(1) == b'*' && self.fam != Family::Python => {
                    self.i += 2;
                    match self.s[self.i..].find("*/") {
                        Some(e) => self.i += e + 2,
                        None => self.i = self.b.len(),
                    }
                }
                b'#' if self.fam == Family::Python => self.skip_line(),
                b'#' if self.line_start && matches!(self.fam, Family::C | Family::CSharp) => {
                    self.i += 1;
                    while matches!(self.peek(0), b' ' | b'\t') {
                        self.i += 1;
                    }
                    let ns = self.i;
                    while ident_char(self.peek(0)) {
                        self.i += 1;
                    }
                    let name = self.s[ns..self.i].to_ascii_lowercase();
                    self.pp = Some(name.clone());
                    self.push(K::Punct, start, format!("#{name}"));
                    if name == "include"
                        || name == "pragma"
                        || name == "error"
                        || name == "warning"
                        || name == "region"
                        || name == "endregion"
                    {
                        self.skip_line();
                    }
                }
                b'"' | b'\'' => self.string(start),
                b'`' if matches!(self.fam, Family::Js | Family::Go) => self.backtick(start),
                b'@' if self.fam == Family::CSharp && self.peek(1) == b'"' => {
                    self.i += 1;
                    self.verbatim(start);
                }
                b'$' if self.fam == Family::CSharp
                    && (self.peek(1) == b'"' || (self.peek(1) == b'@' && self.peek(2) == b'"')) =>
                {
                    self.i += if self.peek(1) == b'@' { 2 } else { 1 };
                    if self.b[self.i - 1] == b'@' {
                        self.verbatim(start)
                    } else {
                        self.string(start)
                    }
                }
                b'/' if self.fam == Family::Js && self.regex_allowed() => self.regex(start),
                b'0'..=b'9' => self.number(start),
                b'.' if self.peek(1).is_ascii_digit() => self.number(start),
                b'(' | b'[' | b'{' => {
                    self.i += 1;
                    self.push(K::Open, start, (c as char).to_string());
                }
                b')' | b']' | b'}' => {
                    self.i += 1;
                    self.push(K::Close, start, (c as char).to_string());
                }
                _ if ident_start(c) => {
                    // String prefixes: Python r/b/f/u, C++ R"( )", L"", u8"".
                    if let Some(q) = self.string_prefix() {
                        self.i += q;
                        if self.fam == Family::C && self.b[self.i - 1] == b'R' {
                            self.raw_cpp(start);
                        } else {
                            self.string(start);
                        }
                        continue;
                    }
                    while ident_char(self.peek(0)) {
                        self.i += if self.peek(0) >= 0x80 {
                            self.s[self.i..].chars().next().map_or(1, char::len_utf8)
                        } else {
                            1
                        };
                    }
                    let text = self.s[start..self.i].to_string();
                    self.push(K::Ident, start, text);
                }
                _ => {
                    let rest = &self.s[self.i..];
                    let p = PUNCTS.iter().find(|p| rest.starts_with(**p)).map_or_else(
                        || rest.chars().next().map_or(1, char::len_utf8),
                        |p| p.len(),
                    );
                    self.i += p;
                    let text = self.s[start..self.i].to_string();
                    self.push(K::Punct, start, text);
                }
            }
        }
        self.out
    }

    fn skip_line(&mut self) {
        while self.i < self.b.len() && self.b[self.i] != b'\n' {
            self.i += 1;
        }
    }

    /// Length of a string prefix (`r`, `b`, `f`, `rb`, `u8`, `L`, `R`) followed by a quote.
    fn string_prefix(&self) -> Option<usize> {
        let rest = &self.b[self.i..];
        let prefixes: &[&str] = match self.fam {
            Family::Python => &[
                "rb", "br", "rf", "fr", "Rb", "bR", "RB", "BR", "r", "b", "f", "u", "R", "B", "F",
                "U",
            ],
            Family::C => &["u8R", "LR", "uR", "UR", "u8", "R", "L", "u", "U"],
            _ => &[],
        };
        for p in prefixes {
            if rest.starts_with(p.as_bytes()) && matches!(rest.get(p.len()), Some(b'"' | b'\'')) {
                if self.fam == Family::C && rest[p.len()] == b'\'' && p.ends_with('R') {
                    continue;
                }
                return Some(p.len());
            }
        }
        None
    }

    fn string(&mut self, start: usize) {
        let q = self.b[self.i];
        let triple = matches!(self.fam, Family::Python | Family::Java | Family::CSharp)
            && self.peek(1) == q
            && self.peek(2) == q;
        if q == b'\''
            && matches!(
                self.fam,
                Family::C | Family::CSharp | Family::Java | Family::Go
            )
        {
            // A character literal.
            self.i += 1;
            while self.i < self.b.len() && self.b[self.i] != b'\'' && self.b[self.i] != b'\n' {
                if self.b[self.i] == b'\\' {
                    self.i += 1;
                }
                self.i += 1;
            }
            self.i = (self.i + 1).min(self.b.len());
            let text = self.s[start..self.i].to_string();
            self.push(K::Char, start, text);
            return;
        }
        let mut text = String::new();
        if triple {
            self.i += 3;
            let close = [q, q, q];
            while self.i < self.b.len() && !self.b[self.i..].starts_with(&close) {
                if self.b[self.i] == b'\\' && self.fam != Family::CSharp {
                    self.i += 1;
                }
                if let Some(ch) = self.s.get(self.i..).and_then(|r| r.chars().next()) {
                    text.push(ch);
                    self.i += ch.len_utf8();
                } else {
                    self.i += 1;
                }
            }
            self.i = (self.i + 3).min(self.b.len());
        } else {
            self.i += 1;
            while self.i < self.b.len() && self.b[self.i] != q {
                if self.b[self.i] == b'\n' && self.fam != Family::Js {
                    break;
                }
                if self.b[self.i] == b'\\' {
                    let n = self.s[self.i + 1..].chars().next().unwrap_or('\\');
                    text.push(match n {
                        'n' => '\n',
                        't' => '\t',
                        c => c,
                    });
                    self.i += 1 + n.len_utf8();
                    continue;
                }
                let ch = self.s[self.i..].chars().next().unwrap_or(' ');
                text.push(ch);
                self.i += ch.len_utf8();
            }
            self.i = (self.i + 1).min(self.b.len());
        }
        self.push(K::Str, start, text);
    }

    fn verbatim(&mut self, start: usize) {
        // At the opening quote of @"...": "" is an escaped quote.
        self.i += 1;
        let mut text = String::new();
        while self.i < self.b.len() {
            if self.b[self.i] == b'"' {
                if self.peek(1) == b'"' {
                    text.push('"');
                    self.i += 2;
                    continue;
                }
                break;
            }
            let ch = self.s[self.i..].chars().next().unwrap_or(' ');
            text.push(ch);
            self.i += ch.len_utf8();
        }
        self.i = (self.i + 1).min(self.b.len());
        self.push(K::Str, start, text);
    }

    fn raw_cpp(&mut self, start: usize) {
        // R"delim( ... )delim": the delimiter is at most 16 basic characters, none of them
        // a space, parenthesis, backslash or control character (so it is ASCII and every
        // slice below is on a char boundary). Anything else is not a raw string.
        let ds = self.i + 1;
        let mut de = ds;
        while de < self.b.len()
            && de - ds < 16
            && self.b[de].is_ascii_graphic()
            && !matches!(self.b[de], b'(' | b')' | b'\\' | b'"')
        {
            de += 1;
        }
        if self.b.get(de) != Some(&b'(') {
            self.string(start);
            return;
        }
        let delim = format!("){}\"", &self.s[ds..de]);
        let cs = de + 1;
        let end = self.s[cs..].find(&delim).map_or(self.b.len(), |e| cs + e);
        let text = self.s[cs..end].to_string();
        self.i = (end + delim.len()).min(self.b.len());
        self.push(K::Str, start, text);
    }

    fn backtick(&mut self, start: usize) {
        self.i += 1;
        let mut depth = 0usize;
        let cs = self.i;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'\\' if self.fam == Family::Js => self.i += 1,
                b'`' if depth == 0 => break,
                b'$' if self.fam == Family::Js && self.peek(1) == b'{' => {
                    depth += 1;
                    self.i += 1;
                }
                b'}' if depth > 0 => depth -= 1,
                _ => {}
            }
            self.i += 1;
        }
        let text = self.s[cs..self.i.min(self.b.len())].to_string();
        self.i = (self.i + 1).min(self.b.len());
        self.push(K::Str, start, text);
    }

    fn regex(&mut self, start: usize) {
        self.i += 1;
        let mut class = false;
        while self.i < self.b.len() && self.b[self.i] != b'\n' {
            match self.b[self.i] {
                b'\\' => self.i += 1,
                b'[' => class = true,
                b']' => class = false,
                b'/' if !class => break,
                _ => {}
            }
            self.i += 1;
        }
        self.i = (self.i + 1).min(self.b.len());
        while ident_char(self.peek(0)) {
            self.i += 1;
        }
        let text = self.s[start..self.i].to_string();
        self.push(K::Str, start, text);
    }

    fn number(&mut self, start: usize) {
        let hex = self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'X');
        if hex {
            self.i += 2;
        }
        while self.i < self.b.len() {
            let c = self.b[self.i];
            let ok = c.is_ascii_alphanumeric()
                || c == b'_'
                || c == b'.'
                || (c == b'\'' && self.fam == Family::C && self.peek(1).is_ascii_alphanumeric());
            if !ok {
                break;
            }
            if c == b'.' && !self.peek(1).is_ascii_digit() {
                break;
            }
            self.i += 1;
        }
        let text = self.s[start..self.i].to_string();
        self.push(K::Num, start, text);
    }
}

/// Tokenizes source text of a language family.
pub fn lex(s: &str, fam: Family) -> Vec<Tok> {
    Lexer {
        s,
        b: s.as_bytes(),
        i: 0,
        fam,
        out: Vec::new(),
        line_start: true,
        pp: None,
    }
    .lex()
}

/// The value of an integer literal (`0x3300`, `0x00'00'33'00`, `1_000`, `0x14UL`).
pub fn int_value(text: &str) -> Option<u64> {
    // Digit separators (`1'000`, `1_000`) and C/C#/Java integer suffixes (`5L`, `0x80u`).
    let t: String = text
        .trim_end_matches(['u', 'U', 'l', 'L'])
        .chars()
        .filter(|c| *c != '\'' && *c != '_')
        .collect();
    crate::rules::tables::parse_int(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str, f: Family) -> Vec<(K, String)> {
        lex(s, f).into_iter().map(|t| (t.k, t.text)).collect()
    }

    #[test]
    fn comments_strings_and_preprocessor() {
        let t = lex(
            "#define X 1 /* c */\n// y\nint a = X; /* SSL_VERIFY_NONE */ f(\"SSL_VERIFY_NONE\");",
            Family::C,
        );
        assert_eq!(t[0].pp.as_deref(), Some("define"));
        assert!(
            t.iter()
                .filter(|t| t.k == K::Ident)
                .all(|t| t.text != "SSL_VERIFY_NONE")
        );
        let inner: Vec<&Tok> = t.iter().filter(|t| t.text == "X").collect();
        assert_eq!(inner.len(), 2);
        assert!(inner[0].pp.is_some() && inner[1].pp.is_none());
    }

    #[test]
    fn csharp_strings() {
        let t = toks(
            "var a = @\"C:\\x\"\"y\"; var b = $\"{x}\"; #if DEBUG\nok();",
            Family::CSharp,
        );
        assert!(t.contains(&(K::Str, "C:\\x\"y".into())));
        assert!(t.contains(&(K::Ident, "ok".into())));
    }

    #[test]
    fn python_strings() {
        let t = toks(
            "'''doc verify=False'''\nx = r'a\\b' # verify=False\nf(verify=False)",
            Family::Python,
        );
        assert_eq!(
            t.iter()
                .filter(|(k, s)| *k == K::Ident && s == "verify")
                .count(),
            1
        );
    }

    #[test]
    fn js_templates_and_regex() {
        let t = toks(
            "const a = `x ${b} rejectUnauthorized: false`; const r = /a\\/b/g; x = a / b;",
            Family::Js,
        );
        assert_eq!(
            t.iter()
                .filter(|(k, s)| *k == K::Ident && s == "rejectUnauthorized")
                .count(),
            0
        );
        assert!(t.contains(&(K::Punct, "/".into())));
    }

    #[test]
    fn numbers() {
        assert_eq!(int_value("0x00'00'33'00"), Some(0x3300));
        assert_eq!(int_value("0x0014UL"), Some(0x14));
        assert_eq!(int_value("1_000"), Some(1000));
        let t = toks("x = 0x00003200;", Family::C);
        assert!(t.contains(&(K::Num, "0x00003200".into())));
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for f in [
            Family::C,
            Family::CSharp,
            Family::Java,
            Family::Go,
            Family::Js,
            Family::Python,
        ] {
            for s in [
                "\"abc", "'a", "/* x", "`x", "@\"x", "R\"x(", "'''x", "#define", "0x", "/x",
            ] {
                let _ = lex(s, f);
            }
        }
    }
}
