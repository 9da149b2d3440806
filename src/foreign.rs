//! Other tools' suppression markers: `//nolint:gosec`, `// #nosec G402`, `# nosec B501`,
//! `# noqa: S501`, `// NOSONAR`, `nosemgrep`, `DevSkim: ignore DS126186`.
//!
//! A team that already reviewed a TLS setting and silenced its own linter there should not
//! have to say so again for tlslint. A marker counts when it is blanket or names a TLS
//! check (the ids are data: `rules/foreign/markers.toml`); it must sit in a comment of the
//! file's own syntax (a marker inside a string literal is text). A trailing marker covers
//! its line; a marker on its own comment line covers the statement that follows (further
//! comment lines may come between), as golangci-lint and gosec do, the statement's extent
//! being approximated by bracket balance from its first line. Findings suppressed this way
//! are counted apart from tlslint's own suppressions (`--stats`, JSON `stats`), and
//! `foreign-markers = false` or `--no-foreign-markers` turns the whole pass off.

use crate::diagnostic::{Category, Finding};
use crate::format::FileFormat;
use crate::source::LineIndex;
use serde::Deserialize;
use std::sync::OnceLock;

/// How far a statement below an own-line marker may reach.
const MAX_STATEMENT_LINES: usize = 400;

/// The marker syntaxes tlslint can read; each [`Tool`] names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Syntax {
    /// golangci-lint: `//nolint`, `//nolint:a,b`, `// nolint: a // reason`.
    Nolint,
    /// gosec: `// #nosec`, `// #nosec G402 G101 -- reason`.
    GosecNosec,
    /// gosec: `//gosec:disable`, `//gosec:disable G402`.
    GosecDisable,
    /// bandit: `# nosec`, `# nosec B501`, `# nosec: B501,B502`, test names.
    BanditNosec,
    /// ruff, flake8: `# noqa`, `# noqa: S501,E501`.
    Noqa,
    /// Sonar: `NOSONAR`.
    Nosonar,
    /// semgrep: `nosemgrep`, `nosemgrep: id, id`.
    Nosemgrep,
    /// DevSkim: `DevSkim: ignore DS1,DS2 until 2027-01-31`, `DevSkim: ignore all`.
    Devskim,
}

/// Check ids of a tool that mean TLS, and what they cover.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdGroup {
    /// The tlslint categories these ids cover.
    pub categories: Vec<Category>,
    /// Exact ids (case-insensitive).
    #[serde(default)]
    pub ids: Vec<String>,
    /// For free-text ids (semgrep): words of the id that mean TLS.
    #[serde(default)]
    pub id_words: Vec<String>,
}

/// One tool's marker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    /// The tool, for messages.
    pub name: String,
    /// How its marker is written.
    pub syntax: Syntax,
    /// Formats it is honoured in (`FileFormat::name`, or `*`).
    pub formats: Vec<String>,
    /// Ids that mean "every check" (`//nolint:all`).
    #[serde(default)]
    pub blanket_ids: Vec<String>,
    /// Ids that mean TLS.
    #[serde(default)]
    pub ids: Vec<IdGroup>,
}

/// `rules/foreign/markers.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkerTable {
    /// The tools.
    #[serde(default, rename = "tool")]
    pub tools: Vec<Tool>,
}

impl Tool {
    fn applies_to(&self, format: FileFormat) -> bool {
        self.formats
            .iter()
            .any(|f| f == "*" || f.eq_ignore_ascii_case(format.name()))
    }

    /// The categories an id covers (`None`: not a TLS check of this tool).
    fn covers(&self, id: &str) -> Option<Cover> {
        if self.blanket_ids.iter().any(|b| b.eq_ignore_ascii_case(id)) {
            return Some(Cover::All);
        }
        let lower = id.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let mut cats: Vec<Category> = Vec::new();
        for g in &self.ids {
            let hit = g.ids.iter().any(|i| i.eq_ignore_ascii_case(id))
                || g.id_words.iter().any(|w| {
                    if w.contains('-') {
                        lower.contains(w.as_str())
                    } else {
                        words.contains(&w.as_str())
                    }
                });
            if hit {
                cats.extend(g.categories.iter().copied());
            }
        }
        (!cats.is_empty()).then_some(Cover::Some(cats))
    }
}

/// What one marker covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cover {
    /// Every finding (a blanket marker).
    All,
    /// Findings of these categories.
    Some(Vec<Category>),
}

impl Cover {
    fn merge(self, other: Cover) -> Cover {
        match (self, other) {
            (Cover::All, _) | (_, Cover::All) => Cover::All,
            (Cover::Some(mut a), Cover::Some(b)) => {
                a.extend(b);
                a.sort();
                a.dedup();
                Cover::Some(a)
            }
        }
    }

    fn includes(&self, c: Category) -> bool {
        match self {
            Cover::All => true,
            Cover::Some(cats) => cats.contains(&c),
        }
    }
}

/// A marker found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// The tool whose marker it is.
    pub tool: String,
    /// First and last line covered (0-based, inclusive).
    pub lines: (usize, usize),
    cover: Cover,
}

/// Words any marker contains: a file without them is not lexed.
fn has_candidate(text: &str) -> bool {
    static AC: OnceLock<Option<aho_corasick::AhoCorasick>> = OnceLock::new();
    AC.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build([
                "nolint",
                "nosec",
                "gosec:disable",
                "noqa",
                "nosonar",
                "nosem",
                "devskim",
            ])
            .ok()
    })
    .as_ref()
    .is_none_or(|ac| ac.is_match(text))
}

/// Removes from `findings` those another tool's marker covers; returns how many.
pub fn apply(
    table: &MarkerTable,
    format: FileFormat,
    text: &str,
    index: &LineIndex,
    findings: &mut Vec<Finding>,
) -> usize {
    if findings.is_empty() || !has_candidate(text) {
        return 0;
    }
    let markers = find(table, format, text);
    if markers.is_empty() {
        return 0;
    }
    let before = findings.len();
    findings.retain(|f| {
        let line = index.line_of(f.span.start);
        !markers
            .iter()
            .any(|m| m.lines.0 <= line && line <= m.lines.1 && m.cover.includes(f.category))
    });
    before - findings.len()
}

/// Every marker of `table`'s tools in `text`, with the lines it covers.
pub fn find(table: &MarkerTable, format: FileFormat, text: &str) -> Vec<Marker> {
    let tools: Vec<&Tool> = table
        .tools
        .iter()
        .filter(|t| t.applies_to(format))
        .collect();
    if tools.is_empty() {
        return Vec::new();
    }
    let lexed = lex(text, syntax_of(format));
    let mut out = Vec::new();
    for c in &lexed.comments {
        let body = text.get(c.start..c.end).unwrap_or("");
        for tool in &tools {
            let Some(cover) = parse_marker(tool, c.opener, body) else {
                continue;
            };
            let line = c.line;
            let own_line = !lexed.lines.get(line).is_some_and(|l| l.code);
            let last = if own_line {
                statement_below(&lexed.lines, line).unwrap_or(line)
            } else {
                line
            };
            out.push(Marker {
                tool: tool.name.clone(),
                lines: (line, last),
                cover,
            });
        }
    }
    out
}

/// What a tool's marker in one comment covers. `opener` is the comment's opening text
/// (`//`, `#`, `/*`), `body` what follows it up to the end of the comment.
fn parse_marker(tool: &Tool, opener: &str, body: &str) -> Option<Cover> {
    let ids_cover = |ids: &[&str]| -> Option<Cover> {
        ids.iter()
            .filter_map(|id| tool.covers(id))
            .reduce(Cover::merge)
    };
    match tool.syntax {
        Syntax::Nolint => {
            // golangci-lint: the comment's text, `/` and spaces trimmed, starts with
            // `nolint` followed by a space, `:` or nothing; `//` starts an explanation.
            let t = body.trim_start_matches(['/', ' ', '\t']);
            let rest = t.strip_prefix("nolint")?;
            let rest = rest.split("//").next().unwrap_or("");
            match rest.strip_prefix(':') {
                Some(list) => {
                    let ids: Vec<&str> = list
                        .split(',')
                        .filter_map(|i| i.split_whitespace().next())
                        .collect();
                    ids_cover(&ids)
                }
                None if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
                    Some(Cover::All)
                }
                None => None,
            }
        }
        Syntax::GosecNosec => {
            // gosec: the comment's text starts with `#nosec`; `G` + three digits before a
            // `--` name rules, none means every rule.
            let t = body.trim_start();
            let rest = t.strip_prefix("#nosec")?;
            if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            let directive = rest.split("--").next().unwrap_or("");
            let ids = gosec_ids(directive);
            if ids.is_empty() {
                Some(Cover::All)
            } else {
                ids_cover(&ids)
            }
        }
        Syntax::GosecDisable => {
            if opener != "//" {
                return None;
            }
            let rest = body.strip_prefix("gosec:disable")?;
            if !(rest.is_empty() || rest.starts_with(' ')) {
                return None;
            }
            let ids = gosec_ids(rest);
            if ids.is_empty() {
                Some(Cover::All)
            } else {
                ids_cover(&ids)
            }
        }
        Syntax::BanditNosec => {
            // bandit: `#\s*nosec:?\s*TESTS` anywhere in the comment (`# type: x # nosec`);
            // the tests run to the next `#`. Ids (`B501`) and test names (with `_`) name
            // tests; other words are prose, and no test named means every test.
            let full = format!("{opener}{body}");
            let mut from = 0;
            let mut cover: Option<Cover> = None;
            while let Some(i) = full[from..].find('#') {
                let at = from + i + 1;
                from = at;
                let rest = full[at..].trim_start_matches([' ', '\t']);
                let Some(rest) = rest.strip_prefix("nosec") else {
                    continue;
                };
                if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = rest.strip_prefix(':').unwrap_or(rest);
                let tests = rest.split('#').next().unwrap_or("");
                let named: Vec<&str> = tests
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|w| is_bandit_test(w))
                    .collect();
                let c = if named.is_empty() {
                    Some(Cover::All)
                } else {
                    ids_cover(&named)
                };
                cover = match (cover, c) {
                    (Some(a), Some(b)) => Some(a.merge(b)),
                    (a, b) => a.or(b),
                };
            }
            cover
        }
        Syntax::Noqa => {
            // ruff/flake8: `# noqa` (any case) anywhere in the comment; `: CODES` (commas
            // or spaces) names codes, anything else after it is blanket.
            let full = format!("{opener}{body}");
            let lower = full.to_ascii_lowercase();
            let mut from = 0;
            while let Some(i) = lower[from..].find('#') {
                let at = from + i + 1;
                from = at;
                let rest_l = lower[at..].trim_start_matches([' ', '\t']);
                if !rest_l.starts_with("noqa") {
                    continue;
                }
                let skip = lower.len() - rest_l.len() + "noqa".len();
                let rest = &full[skip..];
                if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                return match rest.trim_start_matches([' ', '\t']).strip_prefix(':') {
                    Some(list) => {
                        let codes: Vec<&str> = list
                            .split(|c: char| c == ',' || c.is_whitespace())
                            .filter(|w| !w.is_empty())
                            .take_while(|w| is_noqa_code(w))
                            .collect();
                        if codes.is_empty() {
                            Some(Cover::All)
                        } else {
                            ids_cover(&codes)
                        }
                    }
                    None => Some(Cover::All),
                };
            }
            None
        }
        Syntax::Nosonar => body.contains("NOSONAR").then_some(Cover::All),
        Syntax::Nosemgrep => {
            let lower = body.to_ascii_lowercase();
            let mut from = 0;
            while let Some(i) = lower[from..].find("nosem") {
                let at = from + i;
                from = at + 5;
                if lower[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    continue;
                }
                let mut rest = &body[at + 5..];
                if lower[at + 5..].starts_with("grep") {
                    rest = &rest[4..];
                }
                if rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                    continue;
                }
                return match rest.trim_start().strip_prefix(':') {
                    Some(list) => {
                        let ids: Vec<&str> = list
                            .split(|c: char| c == ',' || c.is_whitespace())
                            .filter(|w| !w.is_empty())
                            .collect();
                        if ids.is_empty() {
                            Some(Cover::All)
                        } else {
                            ids_cover(&ids)
                        }
                    }
                    None => Some(Cover::All),
                };
            }
            None
        }
        Syntax::Devskim => {
            // `DevSkim:\s+ignore\s([A-Za-z\d,:]+)(\s+until\s\d{4}-\d{2}-\d{2})?`, any case.
            let lower = body.to_ascii_lowercase();
            let at = lower.find("devskim:")?;
            let rest = &body[at + "devskim:".len()..];
            let rest = rest.trim_start();
            if !rest.get(..6)?.eq_ignore_ascii_case("ignore") {
                return None;
            }
            let rest = rest.get(6..)?;
            if !rest.starts_with(char::is_whitespace) {
                return None;
            }
            let rest = rest.get(1..)?;
            let list_end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == ',' || c == ':'))
                .unwrap_or(rest.len());
            let list = &rest[..list_end];
            if let Some(until) = devskim_until(&rest[list_end..]) {
                if until <= today() {
                    return None;
                }
            }
            let ids: Vec<&str> = list.split(',').filter(|w| !w.is_empty()).collect();
            ids_cover(&ids)
        }
    }
}

/// `G` followed by three digits, anywhere in gosec's directive.
fn gosec_ids(directive: &str) -> Vec<&str> {
    let b = directive.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= b.len() {
        if b[i] == b'G' && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            out.push(&directive[i..i + 4]);
            i += 4;
        } else {
            i += 1;
        }
    }
    out
}

/// A bandit test id (`B501`) or test name (`request_with_no_cert_validation`).
fn is_bandit_test(w: &str) -> bool {
    let w = w.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    let id = w.len() >= 2
        && (w.starts_with('B') || w.starts_with('b'))
        && w[1..].bytes().all(|b| b.is_ascii_digit());
    let name = w.contains('_')
        && w.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    id || name
}

/// A ruff/flake8 code: letters then digits (`S501`, `E501`, `RUF100`).
fn is_noqa_code(w: &str) -> bool {
    let letters = w.bytes().take_while(u8::is_ascii_alphabetic).count();
    letters > 0 && letters < w.len() && w.bytes().skip(letters).all(|b| b.is_ascii_digit())
}

/// The `until YYYY-MM-DD` after a DevSkim id list, as days since 1970-01-01.
fn devskim_until(after: &str) -> Option<i64> {
    let t = after.trim_start();
    if !t.get(..5)?.eq_ignore_ascii_case("until") {
        return None;
    }
    let date = t.get(5..)?.trim_start();
    let y: i64 = date.get(0..4)?.parse().ok()?;
    if date.get(4..5)? != "-" || date.get(7..8)? != "-" {
        return None;
    }
    let m: i64 = date.get(5..7)?.parse().ok()?;
    let d: i64 = date.get(8..10)?.parse().ok()?;
    Some(days_from_civil(y, m, d))
}

/// Today, as days since 1970-01-01 (UTC).
fn today() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| {
            i64::try_from(d.as_secs() / 86_400).unwrap_or(i64::MAX)
        })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// ---------------------------------------------------------------------------------------
// A small lexer: where comments are, which lines hold code, and how brackets balance.

/// Comment and string syntax of a format.
#[derive(Debug, Clone, Copy)]
struct Lang {
    /// Line comment openers.
    line: &'static [&'static str],
    /// Line comment openers that count only at the start of a line (after blanks).
    line_start: &'static [&'static str],
    /// `#` opens a comment only at the start of a word (shell, YAML).
    hash_word_start: bool,
    /// Block comments.
    block: &'static [(&'static str, &'static str)],
    /// Quote characters of one-line strings.
    quotes: &'static [u8],
    /// The escape character inside strings (`\`, PowerShell's backtick), if any.
    escape: Option<u8>,
    /// `"""` and `'''` strings span lines (Python; Java text blocks).
    triple: bool,
    /// Backtick strings span lines (Go raw strings, JavaScript templates).
    backtick: bool,
    /// `'` is also a lifetime (Rust): a char literal only when it closes at once.
    rust_quote: bool,
    /// Quotes open a string only at the start of a value (YAML).
    yaml_quotes: bool,
    /// `rem` and `::` comments (cmd).
    cmd: bool,
}

const fn lang() -> Lang {
    Lang {
        line: &[],
        line_start: &[],
        hash_word_start: false,
        block: &[],
        quotes: &[],
        escape: Some(b'\\'),
        triple: false,
        backtick: false,
        rust_quote: false,
        yaml_quotes: false,
        cmd: false,
    }
}

fn syntax_of(format: FileFormat) -> Lang {
    match format {
        FileFormat::Go | FileFormat::JavaScript => Lang {
            line: &["//"],
            block: &[("/*", "*/")],
            quotes: b"\"'",
            backtick: true,
            ..lang()
        },
        FileFormat::C | FileFormat::CSharp => Lang {
            line: &["//"],
            block: &[("/*", "*/")],
            quotes: b"\"'",
            ..lang()
        },
        FileFormat::Java => Lang {
            line: &["//"],
            block: &[("/*", "*/")],
            quotes: b"\"'",
            triple: true,
            ..lang()
        },
        FileFormat::Rust => Lang {
            line: &["//"],
            block: &[("/*", "*/")],
            quotes: b"\"'",
            rust_quote: true,
            ..lang()
        },
        FileFormat::Python => Lang {
            line: &["#"],
            quotes: b"\"'",
            triple: true,
            ..lang()
        },
        FileFormat::Shell | FileFormat::Dockerfile => Lang {
            line: &["#"],
            hash_word_start: true,
            quotes: b"\"'",
            ..lang()
        },
        FileFormat::Yaml => Lang {
            line: &["#"],
            hash_word_start: true,
            quotes: b"\"'",
            yaml_quotes: true,
            ..lang()
        },
        FileFormat::PowerShell => Lang {
            line: &["#"],
            block: &[("<#", "#>")],
            quotes: b"\"'",
            escape: Some(b'`'),
            ..lang()
        },
        FileFormat::Toml => Lang {
            line: &["#"],
            quotes: b"\"'",
            ..lang()
        },
        FileFormat::Terraform => Lang {
            line: &["#", "//"],
            block: &[("/*", "*/")],
            quotes: b"\"",
            ..lang()
        },
        FileFormat::Cmd => Lang {
            cmd: true,
            quotes: b"\"",
            escape: None,
            ..lang()
        },
        FileFormat::Reg => Lang {
            line_start: &[";"],
            quotes: b"\"",
            ..lang()
        },
        FileFormat::GitConfig
        | FileFormat::Npmrc
        | FileFormat::Curlrc
        | FileFormat::Wgetrc
        | FileFormat::PipConf => Lang {
            line: &["#", ";"],
            hash_word_start: true,
            ..lang()
        },
        FileFormat::AnsibleInventory => Lang {
            line: &["#", ";"],
            hash_word_start: true,
            ..lang()
        },
        FileFormat::SecurityTemplate => Lang {
            line_start: &[";"],
            ..lang()
        },
        FileFormat::InnoSetup => Lang {
            line: &["//"],
            line_start: &[";"],
            quotes: b"\"'",
            escape: None,
            ..lang()
        },
        FileFormat::Nginx | FileFormat::Mosquitto | FileFormat::HaProxy => Lang {
            line: &["#"],
            hash_word_start: true,
            quotes: b"\"'",
            ..lang()
        },
        // Apache: `#` comments only at the start of a line.
        FileFormat::Apache => Lang {
            line_start: &["#"],
            quotes: b"\"",
            ..lang()
        },
        FileFormat::OpenSslConf | FileFormat::JavaProperties => Lang {
            line_start: &["#", ";", "!"],
            ..lang()
        },
        FileFormat::Bicep => Lang {
            line: &["//"],
            block: &[("/*", "*/")],
            quotes: b"'",
            ..lang()
        },
        FileFormat::Json | FileFormat::FirefoxPrefs => Lang {
            line: &["//"],
            block: &[("/*", "*/")],
            quotes: b"\"'",
            ..lang()
        },
        // A text view of a binary file: no comments.
        FileFormat::RegistryPol => lang(),
        FileFormat::DotNetConfig | FileFormat::GppRegistry | FileFormat::Xml => Lang {
            block: &[("<!--", "-->")],
            escape: None,
            ..lang()
        },
        FileFormat::Documentation => lang(),
    }
}

/// A comment: its first line and the byte range of its text after the opener.
#[derive(Debug, Clone)]
struct Comment {
    line: usize,
    opener: &'static str,
    start: usize,
    end: usize,
}

/// What a line holds outside strings and comments.
#[derive(Debug, Clone, Copy, Default)]
struct LineInfo {
    /// Code (anything but blanks and comments).
    code: bool,
    /// A comment starts or continues on it.
    comment: bool,
    /// Net change of bracket depth.
    delta: i32,
    /// The code's first and last non-blank bytes (0: none).
    first: u8,
    last: u8,
    /// The code's last two non-blank bytes form `&&` or `||`.
    ends_with_logic: bool,
}

struct Lexed {
    comments: Vec<Comment>,
    lines: Vec<LineInfo>,
}

/// Where a multi-line construct left off at the end of a line.
#[derive(Clone, Copy)]
enum Carry {
    None,
    Block(&'static str),
    Triple(u8),
    Backtick,
}

fn lex(text: &str, lang: Lang) -> Lexed {
    let b = text.as_bytes();
    let mut comments = Vec::new();
    let mut lines = Vec::new();
    let mut carry = Carry::None;
    let mut line_start = 0;
    let mut line_no = 0;
    while line_start <= b.len() {
        // Lines end as `LineIndex` ends them: `\n`, `\r\n` or a lone `\r`.
        let line_end = b[line_start..]
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .map_or(b.len(), |p| line_start + p);
        let mut info = LineInfo::default();
        let mut i = line_start;
        let mut prev_code: u8 = 0;
        let mut last2: [u8; 2] = [0, 0];
        // Continue what the previous line left open.
        match carry {
            Carry::None => {}
            Carry::Block(close) => {
                info.comment = true;
                let end = find_bytes(b, i, line_end, close.as_bytes());
                comments.push(Comment {
                    line: line_no,
                    opener: "",
                    start: line_start,
                    end: end.unwrap_or(line_end),
                });
                match end {
                    Some(p) => {
                        i = p + close.len();
                        carry = Carry::None;
                    }
                    None => i = line_end,
                }
            }
            Carry::Triple(q) => {
                info.code = true;
                match find_bytes(b, i, line_end, &[q, q, q]) {
                    Some(p) => {
                        i = p + 3;
                        carry = Carry::None;
                    }
                    None => i = line_end,
                }
            }
            Carry::Backtick => {
                info.code = true;
                match find_unescaped(b, i, line_end, b'`', lang.escape) {
                    Some(p) => {
                        i = p + 1;
                        carry = Carry::None;
                    }
                    None => i = line_end,
                }
            }
        }
        'scan: while i < line_end {
            let c = b[i];
            if c == b' ' || c == b'\t' || c == b'\r' {
                i += 1;
                continue;
            }
            let at_line_start =
                !info.code && b[line_start..i].iter().all(|x| x.is_ascii_whitespace());
            // Comments.
            for (open, close) in lang.block {
                if b[i..line_end].starts_with(open.as_bytes()) {
                    info.comment = true;
                    let body = i + open.len();
                    match find_bytes(b, body, line_end, close.as_bytes()) {
                        Some(p) => {
                            comments.push(Comment {
                                line: line_no,
                                opener: open,
                                start: body,
                                end: p,
                            });
                            i = p + close.len();
                            continue 'scan;
                        }
                        None => {
                            comments.push(Comment {
                                line: line_no,
                                opener: open,
                                start: body,
                                end: line_end,
                            });
                            carry = Carry::Block(close);
                            break 'scan;
                        }
                    }
                }
            }
            let mut opener: Option<&'static str> = None;
            for o in lang.line {
                if b[i..line_end].starts_with(o.as_bytes()) {
                    let word_start = i == line_start
                        || matches!(b[i - 1], b' ' | b'\t' | b';' | b'|' | b'&' | b'(');
                    if *o == "#" && lang.hash_word_start && !word_start {
                        continue;
                    }
                    // `://` in a URL opens no comment.
                    if *o == "//" && i > line_start && b[i - 1] == b':' {
                        continue;
                    }
                    opener = Some(o);
                    break;
                }
            }
            if opener.is_none() && at_line_start {
                opener = lang
                    .line_start
                    .iter()
                    .find(|o| b[i..line_end].starts_with(o.as_bytes()))
                    .copied();
            }
            if opener.is_none() && lang.cmd && (at_line_start || prev_code == b'&') {
                let at = if c == b'@' { i + 1 } else { i };
                let rest = &b[at..line_end];
                let o = if rest.starts_with(b"::") {
                    Some("::")
                } else if rest.len() >= 3
                    && rest[..3].eq_ignore_ascii_case(b"rem")
                    && rest.get(3).is_none_or(|c| c.is_ascii_whitespace())
                {
                    Some("rem")
                } else {
                    None
                };
                if let Some(o) = o {
                    info.comment = true;
                    comments.push(Comment {
                        line: line_no,
                        opener: o,
                        start: at + o.len(),
                        end: line_end,
                    });
                    break 'scan;
                }
            }
            if let Some(o) = opener {
                info.comment = true;
                comments.push(Comment {
                    line: line_no,
                    opener: o,
                    start: i + o.len(),
                    end: line_end,
                });
                break 'scan;
            }
            // Code.
            info.code = true;
            if info.first == 0 {
                info.first = c;
            }
            last2 = [last2[1], c];
            prev_code = c;
            info.last = c;
            match c {
                b'(' | b'[' | b'{' => info.delta += 1,
                b')' | b']' | b'}' => info.delta -= 1,
                _ => {}
            }
            if lang.triple && (c == b'"' || c == b'\'') && b[i..line_end].starts_with(&[c, c, c]) {
                match find_bytes(b, i + 3, line_end, &[c, c, c]) {
                    Some(p) => i = p + 3,
                    None => {
                        carry = Carry::Triple(c);
                        i = line_end;
                    }
                }
                info.last = c;
                continue;
            }
            if lang.backtick && c == b'`' {
                match find_unescaped(b, i + 1, line_end, b'`', lang.escape) {
                    Some(p) => i = p + 1,
                    None => {
                        carry = Carry::Backtick;
                        i = line_end;
                    }
                }
                info.last = c;
                continue;
            }
            if lang.quotes.contains(&c) {
                if lang.rust_quote && c == b'\'' {
                    // A char literal closes within a few bytes; otherwise a lifetime.
                    let window_end = (i + 12).min(line_end);
                    let close = if b.get(i + 1) == Some(&b'\\') {
                        find_bytes(b, i + 3, window_end, b"'")
                    } else {
                        find_bytes(b, i + 2, window_end, b"'").filter(|&p| {
                            std::str::from_utf8(&b[i + 1..p]).is_ok_and(|s| s.chars().count() == 1)
                        })
                    };
                    if let Some(p) = close {
                        i = p + 1;
                    } else {
                        i += 1;
                    }
                    continue;
                }
                if lang.yaml_quotes {
                    let before = b[line_start..i]
                        .iter()
                        .rev()
                        .find(|x| !x.is_ascii_whitespace())
                        .copied();
                    if !matches!(before, None | Some(b':' | b'-' | b'[' | b'{' | b',' | b'?')) {
                        i += 1;
                        continue;
                    }
                }
                let esc = if lang.yaml_quotes && c == b'\'' {
                    None
                } else {
                    lang.escape
                };
                i = find_unescaped(b, i + 1, line_end, c, esc).map_or(line_end, |p| p + 1);
                info.last = c;
                continue;
            }
            i += 1;
        }
        info.ends_with_logic = matches!(&last2, b"&&" | b"||");
        lines.push(info);
        line_no += 1;
        if line_end >= b.len() {
            break;
        }
        line_start = if b[line_end] == b'\r' && b.get(line_end + 1) == Some(&b'\n') {
            line_end + 2
        } else {
            line_end + 1
        };
    }
    Lexed { comments, lines }
}

/// The first `needle` in `b[from..to]`.
fn find_bytes(b: &[u8], from: usize, to: usize, needle: &[u8]) -> Option<usize> {
    if from > to || to > b.len() || needle.is_empty() {
        return None;
    }
    b[from..to]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// The first `quote` in `b[from..to]` not escaped by `escape`.
fn find_unescaped(
    b: &[u8],
    from: usize,
    to: usize,
    quote: u8,
    escape: Option<u8>,
) -> Option<usize> {
    let mut i = from;
    while i < to.min(b.len()) {
        let c = b[i];
        if Some(c) == escape && c != quote {
            i += 2;
            continue;
        }
        if c == quote {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The last line of the statement that starts on the first code line below `marker`
/// (comment lines may come between; a blank line ends the search).
fn statement_below(lines: &[LineInfo], marker: usize) -> Option<usize> {
    let mut j = marker + 1;
    while let Some(l) = lines.get(j) {
        if l.code {
            break;
        }
        if !l.comment {
            return None;
        }
        j += 1;
    }
    lines.get(j)?;
    let start = j;
    let mut depth = 0i32;
    while j < lines.len() && j < start + MAX_STATEMENT_LINES {
        let l = lines[j];
        depth += l.delta;
        if l.code && depth <= 0 && !continues(lines, j) {
            return Some(j);
        }
        j += 1;
    }
    Some(j.saturating_sub(1).max(start))
}

/// Whether the statement goes on after line `j` although its brackets are balanced: a
/// continuation (`\`, PowerShell's backtick), a trailing operator, or a next line that
/// continues a method chain.
fn continues(lines: &[LineInfo], j: usize) -> bool {
    let l = lines[j];
    // (A trailing `,` ends an element of the list the marker sits in.)
    if matches!(l.last, b'\\' | b'`' | b'+' | b'=' | b'|' | b'.' | b'?') || l.ends_with_logic {
        return true;
    }
    let next = lines[j + 1..].iter().find(|n| n.code);
    next.is_some_and(|n| n.first == b'.' || n.first == b'?')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> MarkerTable {
        let rules = crate::rules::RuleSet::builtin().expect("rules");
        rules.foreign
    }

    /// The 1-based lines of `text` a marker covers for a finding of `cat`.
    fn covered(format: FileFormat, text: &str, cat: Category) -> Vec<usize> {
        let t = table();
        let markers = find(&t, format, text);
        let n = text.lines().count();
        (0..n)
            .filter(|&l| {
                markers
                    .iter()
                    .any(|m| m.lines.0 <= l && l <= m.lines.1 && m.cover.includes(cat))
            })
            .map(|l| l + 1)
            .collect()
    }

    const CERT: Category = Category::CertValidation;

    #[test]
    fn golangci_nolint() {
        let go = FileFormat::Go;
        assert_eq!(covered(go, "x := 1 //nolint:gosec\n", CERT), vec![1]);
        assert_eq!(
            covered(go, "x := 1 // nolint: gosec // test only\n", CERT),
            vec![1]
        );
        assert_eq!(covered(go, "x := 1 //nolint\n", CERT), vec![1]);
        assert_eq!(covered(go, "x := 1 //nolint:all\n", CERT), vec![1]);
        assert_eq!(
            covered(go, "x := 1 //nolint:errcheck,gosec\n", CERT),
            vec![1]
        );
        // Another linter only, a word that starts with nolint, not at the start.
        assert!(covered(go, "x := 1 //nolint:errcheck,unused\n", CERT).is_empty());
        assert!(covered(go, "x := 1 //nolintx\n", CERT).is_empty());
        assert!(covered(go, "x := 1 // TODO nolint:gosec\n", CERT).is_empty());
        // Not golangci's syntax in Python.
        assert!(covered(FileFormat::Python, "x = 1 # nolint:gosec\n", CERT).is_empty());
    }

    #[test]
    fn own_line_marker_covers_the_statement_below() {
        let go = "return []grpc.DialOption{\n\t// nolint: gosec\n\t// Only runs in the lab\n\tgrpc.WithTransportCredentials(credentials.NewTLS(\n\t\t&tls.Config{\n\t\t\t// comment\n\t\t\tInsecureSkipVerify: true,\n\t\t})),\n\tgrpc.WithBlock(),\n}\n";
        assert_eq!(covered(FileFormat::Go, go, CERT), vec![2, 3, 4, 5, 6, 7, 8]);
        let go = "// nolint: gosec\ncfg = &tls.Config{\n\tInsecureSkipVerify: true,\n}\nother := &tls.Config{InsecureSkipVerify: true}\n";
        assert_eq!(covered(FileFormat::Go, go, CERT), vec![1, 2, 3, 4]);
        // A blank line parts the marker from the code.
        let go = "// nolint: gosec\n\ncfg := &tls.Config{InsecureSkipVerify: true}\n";
        assert_eq!(covered(FileFormat::Go, go, CERT), vec![1]);
        // A chained call goes on on the next line.
        let js =
            "// NOSONAR\nconst agent = https\n  .Agent({ rejectUnauthorized: false });\nlater();\n";
        assert_eq!(covered(FileFormat::JavaScript, js, CERT), vec![1, 2, 3]);
        // Python: a backslash continues.
        let py = "# nosec\nr = requests.get(url, \\\n    verify=False)\nx = 1\n";
        assert_eq!(covered(FileFormat::Python, py, CERT), vec![1, 2, 3]);
    }

    #[test]
    fn gosec() {
        let go = FileFormat::Go;
        assert_eq!(covered(go, "c := x // #nosec\n", CERT), vec![1]);
        assert_eq!(covered(go, "c := x // #nosec G402\n", CERT), vec![1]);
        assert_eq!(
            covered(go, "c := x // #nosec G101 G402 -- lab\n", CERT),
            vec![1]
        );
        assert_eq!(covered(go, "c := x //#nosec G402\n", CERT), vec![1]);
        assert_eq!(
            covered(go, "c := x // #nosec -- reviewed, see G101\n", CERT),
            vec![1]
        );
        assert!(covered(go, "c := x // #nosec G101\n", CERT).is_empty());
        assert!(covered(go, "c := x // #nosec G204 -- wrong rule\n", CERT).is_empty());
        // gosec needs the `#`.
        assert!(covered(go, "c := x // nosec\n", CERT).is_empty());
        assert!(covered(go, "c := x // #nosecurity\n", CERT).is_empty());
        assert_eq!(
            covered(go, "//gosec:disable G402\nc := x\n", CERT),
            vec![1, 2]
        );
        assert_eq!(covered(go, "c := x //gosec:disable\n", CERT), vec![1]);
        assert!(covered(go, "c := x //gosec:disable G104\n", CERT).is_empty());
    }

    #[test]
    fn bandit_and_ruff() {
        let py = FileFormat::Python;
        let leg = Category::LegacyProtocol;
        assert_eq!(
            covered(py, "get(u, verify=False)  # nosec\n", CERT),
            vec![1]
        );
        assert_eq!(
            covered(py, "get(u, verify=False)  #nosec B501\n", CERT),
            vec![1]
        );
        assert_eq!(
            covered(py, "get(u, verify=False)  # nosec: B501, B101\n", CERT),
            vec![1]
        );
        assert_eq!(
            covered(
                py,
                "get(u, verify=False)  # nosec request_with_no_cert_validation\n",
                CERT
            ),
            vec![1]
        );
        assert_eq!(
            covered(py, "x = 1  # type: ignore # nosec B501\n", CERT),
            vec![1]
        );
        assert_eq!(covered(py, "x = 1  # nosec because lab\n", CERT), vec![1]);
        assert!(covered(py, "get(u, verify=False)  # nosec B101\n", CERT).is_empty());
        // B502 is a protocol check: it does not cover certificate validation.
        assert!(covered(py, "get(u, verify=False)  # nosec B502\n", CERT).is_empty());
        assert_eq!(
            covered(py, "ssl.PROTOCOL_TLSv1  # nosec B502\n", leg),
            vec![1]
        );
        assert!(covered(py, "get(u, verify=False)  # nosecurity\n", CERT).is_empty());
        // ruff / flake8.
        assert_eq!(covered(py, "get(u, verify=False)  # noqa\n", CERT), vec![1]);
        assert_eq!(
            covered(py, "get(u, verify=False)  # noqa: S501\n", CERT),
            vec![1]
        );
        assert_eq!(
            covered(py, "get(u, verify=False)  # NOQA:E501,S501\n", CERT),
            vec![1]
        );
        assert_eq!(
            covered(py, "get(u, verify=False)  # noqa: E501 S501\n", CERT),
            vec![1]
        );
        assert!(covered(py, "get(u, verify=False)  # noqa: E501\n", CERT).is_empty());
        assert!(covered(py, "get(u, verify=False)  # noqa: S502\n", CERT).is_empty());
        assert!(covered(py, "get(u, verify=False)  # noqarc\n", CERT).is_empty());
        // In a string, not a comment.
        assert!(covered(py, "s = \"# nosec\"; get(u, verify=False)\n", CERT).is_empty());
        assert!(covered(py, "s = '# noqa: S501'\n", CERT).is_empty());
        assert!(
            covered(
                py,
                "s = \"\"\"\n# nosec\n\"\"\"\nget(u, verify=False)\n",
                CERT
            )
            .is_empty()
        );
    }

    #[test]
    fn sonar_semgrep_devskim() {
        let cs = FileFormat::CSharp;
        assert_eq!(
            covered(cs, "cb = (a, b, c, d) => true; // NOSONAR\n", CERT),
            vec![1]
        );
        assert!(
            covered(
                cs,
                "cb = (a, b, c, d) => true; // nosonar is a word here\n",
                CERT
            )
            .is_empty()
        );
        let py = FileFormat::Python;
        assert_eq!(
            covered(py, "get(u, verify=False)  # nosemgrep\n", CERT),
            vec![1]
        );
        assert_eq!(
            covered(
                py,
                "get(u, verify=False)  # nosemgrep: python.requests.security.disabled-cert-validation.disabled-cert-validation\n",
                CERT
            ),
            vec![1]
        );
        assert!(
            covered(
                py,
                "get(u, verify=False)  # nosemgrep: python.lang.security.audit.eval-detected\n",
                CERT
            )
            .is_empty()
        );
        let yaml = FileFormat::Yaml;
        assert_eq!(
            covered(
                yaml,
                "insecure-skip-tls-verify: true # nosemgrep: yaml.kubernetes.security.skip-tls-verify-cluster\n",
                CERT
            ),
            vec![1]
        );
        let ps = FileFormat::PowerShell;
        assert_eq!(
            covered(
                ps,
                "Invoke-WebRequest $u -SkipCertificateCheck # DevSkim: ignore DS126185\n",
                CERT
            ),
            vec![1]
        );
        assert_eq!(
            covered(
                ps,
                "Invoke-WebRequest $u -SkipCertificateCheck # devskim: ignore all\n",
                CERT
            ),
            vec![1]
        );
        assert!(
            covered(
                ps,
                "Invoke-WebRequest $u -SkipCertificateCheck # DevSkim: ignore DS137138\n",
                CERT
            )
            .is_empty()
        );
        // Expired.
        assert!(
            covered(
                ps,
                "iwr $u -SkipCertificateCheck # DevSkim: ignore DS126185 until 2001-01-31\n",
                CERT
            )
            .is_empty()
        );
        assert_eq!(
            covered(
                ps,
                "iwr $u -SkipCertificateCheck # DevSkim: ignore DS126185 until 9999-01-31\n",
                CERT
            ),
            vec![1]
        );
        // A protocol id does not cover certificate validation.
        assert!(covered(ps, "x # DevSkim: ignore DS440000\n", CERT).is_empty());
    }

    #[test]
    fn strings_are_not_comments() {
        let go = FileFormat::Go;
        assert!(covered(go, "s := \"//nolint:gosec\"\n", CERT).is_empty());
        assert!(covered(go, "s := `\n// #nosec\n`\n", CERT).is_empty());
        assert!(covered(go, "u := \"https://x/\" + y\n", CERT).is_empty());
        assert_eq!(
            covered(go, "u := \"https://x/\" // NOSONAR\n", CERT),
            vec![1]
        );
        let sh = FileFormat::Shell;
        assert!(covered(sh, "echo \"# NOSONAR\"; curl -k x\n", CERT).is_empty());
        assert!(covered(sh, "curl -k x#NOSONAR\n", CERT).is_empty());
        assert_eq!(covered(sh, "curl -k x # NOSONAR\n", CERT), vec![1]);
        let rs = FileFormat::Rust;
        assert_eq!(
            covered(rs, "fn f<'a>(x: &'a str) { g(x) } // NOSONAR\n", CERT),
            vec![1]
        );
        let xml = FileFormat::DotNetConfig;
        assert_eq!(
            covered(
                xml,
                "<add key=\"x\" value=\"1\" /> <!-- NOSONAR -->\n",
                CERT
            ),
            vec![1]
        );
        let cmd = FileFormat::Cmd;
        assert_eq!(covered(cmd, "REM NOSONAR\ncurl -k x\n", CERT), vec![1, 2]);
        assert_eq!(covered(cmd, "curl -k x & rem NOSONAR\n", CERT), vec![1]);
    }

    #[test]
    fn line_ends_as_the_line_index_counts_them() {
        let py = FileFormat::Python;
        let crlf = "a = 1\r\n# nosec\r\nget(u, verify=False)\r\nb = 2\r\n";
        assert_eq!(covered(py, crlf, CERT), vec![2, 3]);
        // Lone CRs (old Mac files) end lines too.
        let cr = "a = 1\r# nosec\rget(u, verify=False)\rb = 2\r";
        let t = table();
        let m = find(&t, py, cr);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].lines, (1, 2));
        let ix = LineIndex::new(cr);
        assert_eq!(ix.line_of(cr.find("get").unwrap_or(0)), 2);
    }

    #[test]
    fn any_text_lexes_without_panic_and_markers_stay_in_the_file() {
        // Fragments that open and close every construct the lexer knows, in random order.
        let parts = [
            "//",
            "/*",
            "*/",
            "#",
            "<#",
            "#>",
            "<!--",
            "-->",
            "\"",
            "'",
            "`",
            "\"\"\"",
            "'''",
            "\\",
            "\n",
            "\r",
            "\r\n",
            "(",
            ")",
            "{",
            "}",
            "[",
            "]",
            " nolint:gosec",
            " #nosec G402",
            " nosec B501",
            " noqa: S501",
            " NOSONAR",
            " nosemgrep: a.tls.b",
            "DevSkim: ignore all",
            "DevSkim: ignore DS126186 until 2",
            "rem ",
            "::",
            "&",
            ";",
            "é",
            "\u{202e}",
            "x",
            " ",
        ];
        let t = table();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..400 {
            let mut text = String::new();
            for _ in 0..(round % 60) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(parts[(seed % parts.len() as u64) as usize]);
            }
            let lines = LineIndex::new(&text).line_of(text.len()) + 1;
            for f in FileFormat::ALL {
                for m in find(&t, f, &text) {
                    assert!(
                        m.lines.0 <= m.lines.1 && m.lines.1 < lines,
                        "{f:?} {text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert!(today() > days_from_civil(2024, 1, 1));
    }
}
