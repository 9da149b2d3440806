//! Inline suppressions: `tlslint: ignore[RULE-OR-CATEGORY, ...] reason` in a comment on
//! the finding's line or on its own line just above it, and `tlslint: ignore-file[...]`
//! near the top of a file. The comment must use the file's own syntax (`#`, `//`,
//! `/* */`, `<# #>`, `REM`, `::`, `;` in .reg, `<!-- -->` in XML). A bare `ignore` (no
//! list) suppresses every rule there. The reason is optional but counted in `--stats`.

use crate::diagnostic::{Category, Finding, Span};
use crate::format::FileFormat;
use crate::rules::Rule;
use crate::source::LineIndex;

/// The marker that starts a suppression.
pub const MARKER: &str = "tlslint:";

/// How far down a file `ignore-file` may sit.
const FILE_LEVEL_LINES: usize = 20;

/// What a suppression covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One line (1-based).
    Line(usize),
    /// The whole file.
    File,
}

/// A parsed suppression comment.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// The line of the comment (1-based).
    pub line: usize,
    /// What it covers.
    pub scope: Scope,
    /// Rule ids or category names; empty: everything.
    pub selectors: Vec<String>,
    /// The reason written after the list.
    pub reason: Option<String>,
    /// The comment text, for messages.
    pub text: String,
    /// Where the comment text (from the marker to the end of the comment) sits.
    pub span: Span,
}

/// Something to say about a suppression.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    /// Line of the comment (1-based).
    pub line: usize,
    /// The suppression's text in the file (reported as a finding of the
    /// `unknown-suppression` or `unused-suppression` rule).
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// An unused suppression (rule `unused-suppression`) rather than one naming an unknown
    /// rule or category (`unknown-suppression`).
    pub unused: bool,
}

/// The outcome of applying suppressions to one file's findings.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings no suppression covers.
    pub kept: Vec<Finding>,
    /// Findings suppressed.
    pub suppressed: usize,
    /// Suppressions that matched something but give no reason.
    pub without_reason: usize,
    /// Unknown selectors, unused suppressions.
    pub notes: Vec<Note>,
}

/// Comment openers of a format (plus those of the languages it embeds).
fn openers(format: FileFormat) -> &'static [&'static str] {
    match format {
        FileFormat::Reg => &[";"],
        FileFormat::Cmd => &["rem ", "rem\t", "::", "# "],
        FileFormat::PowerShell => &["#", "<#"],
        FileFormat::DotNetConfig | FileFormat::GppRegistry | FileFormat::Xml => &["<!--"],
        FileFormat::Yaml | FileFormat::Dockerfile => &["#", "rem ", "::", "//"],
        FileFormat::Shell | FileFormat::Python | FileFormat::Toml => &["#"],
        FileFormat::GitConfig
        | FileFormat::Npmrc
        | FileFormat::Curlrc
        | FileFormat::Wgetrc
        | FileFormat::PipConf
        | FileFormat::OpenSslConf
        | FileFormat::JavaProperties => &["#", ";", "!"],
        FileFormat::Nginx | FileFormat::Apache | FileFormat::HaProxy | FileFormat::Mosquitto => {
            &["#"]
        }
        FileFormat::Terraform => &["#", "//", "/*"],
        FileFormat::Bicep | FileFormat::Json | FileFormat::FirefoxPrefs => &["//", "/*", "#"],
        FileFormat::AnsibleInventory => &["#", ";"],
        FileFormat::SecurityTemplate => &[";"],
        FileFormat::InnoSetup => &[";", "//"],
        FileFormat::RegistryPol => &[],
        FileFormat::C
        | FileFormat::CSharp
        | FileFormat::Java
        | FileFormat::Go
        | FileFormat::Rust
        | FileFormat::JavaScript => &["//", "/*"],
        FileFormat::Documentation => &[],
    }
}

/// Finds the suppressions of a file. Cheap when there are none.
pub fn parse(text: &str, index: &LineIndex, format: FileFormat) -> Vec<Suppression> {
    let mut out = Vec::new();
    if !text.contains(MARKER) {
        return out;
    }
    let opens = openers(format);
    let mut from = 0;
    while let Some(i) = text[from..].find(MARKER) {
        let at = from + i;
        from = at + MARKER.len();
        let line0 = index.line_of(at);
        let line = line0 + 1;
        let line_text = index.line_text(text, line0);
        let line_start = index.line_start(line0);
        let col = at - line_start;
        let before = line_text.get(..col).unwrap_or("");
        let lower = before.to_ascii_lowercase();
        // A marker quoted in backticks documents the syntax (`tlslint: ignore[...]`); it
        // suppresses nothing.
        if before.ends_with('`') {
            continue;
        }
        // The comment opener closest to the marker, and what comes before it. The `//` of
        // a URL (`https://`) opens no comment.
        let Some(open_at) = opens.iter().filter_map(|o| last_opener(&lower, o)).max() else {
            continue;
        };
        // (`<#`: the `#` is found last; its `<` is part of the opener, not code.)
        let code_before = before[..open_at].trim_end_matches('<').trim();
        let own_line = code_before.is_empty() || code_before == "@";
        let rest = text.get(from..line_start + line_text.len()).unwrap_or("");
        let rest = rest.trim_start();
        let (file_level, after) = if let Some(r) = rest.strip_prefix("ignore-file") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix("ignore") {
            (false, r)
        } else {
            continue;
        };
        let (selectors, reason) = match after.strip_prefix('[') {
            Some(r) => match r.find(']') {
                Some(close) => (
                    r[..close]
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                    &r[close + 1..],
                ),
                None => continue,
            },
            // `ignore` must end there (`ignored` is a word, not a suppression).
            None if after.is_empty() || after.starts_with(char::is_whitespace) => {
                (Vec::new(), after)
            }
            None => continue,
        };
        let mut reason = reason.trim();
        for closer in ["-->", "*/", "#>"] {
            reason = reason.trim_end_matches(closer).trim();
        }
        let reason = reason
            .trim_start_matches([':', '-', '\u{2014}'])
            .trim()
            .to_string();
        let scope = if file_level {
            if line > FILE_LEVEL_LINES {
                continue;
            }
            Scope::File
        } else if own_line {
            Scope::Line(line + 1)
        } else {
            Scope::Line(line)
        };
        let comment = text[at..line_start + line_text.len()].trim_end();
        let mut shown = comment;
        for closer in ["-->", "*/", "#>"] {
            shown = shown.trim_end_matches(closer).trim_end();
        }
        out.push(Suppression {
            line,
            scope,
            selectors,
            reason: (!reason.is_empty()).then_some(reason),
            text: shown.to_string(),
            span: Span::new(at, at + shown.len()),
        });
    }
    out
}

/// The last place `opener` starts in `line` (`//` right after `:` is a URL, not a comment).
fn last_opener(line: &str, opener: &str) -> Option<usize> {
    let mut end = line.len();
    while let Some(i) = line[..end].rfind(opener) {
        if !(opener == "//" && line[..i].ends_with(':')) {
            return Some(i);
        }
        end = i;
    }
    None
}

fn selector_matches(sel: &str, rule: &Rule, category: Category) -> bool {
    match Category::parse(sel) {
        Some(c) => c == category,
        None => rule.id.eq_ignore_ascii_case(sel),
    }
}

/// Applies suppressions to `findings` (sorted). `enabled(rule index)` tells which rules
/// ran, so that a suppression naming a switched-off rule is not called unused.
pub fn apply(
    findings: Vec<Finding>,
    sups: &[Suppression],
    index: &LineIndex,
    text: &str,
    rules: &[Rule],
    enabled: &dyn Fn(usize) -> bool,
) -> Applied {
    let mut applied = Applied::default();
    let mut used = vec![false; sups.len()];
    for f in findings {
        let line = index.line_of(f.span.start) + 1;
        let rule = &rules[f.rule];
        let hit = sups.iter().position(|s| {
            (s.scope == Scope::File || s.scope == Scope::Line(line))
                && (s.selectors.is_empty()
                    || s.selectors
                        .iter()
                        .any(|sel| selector_matches(sel, rule, f.category)))
        });
        match hit {
            Some(k) => {
                used[k] = true;
                applied.suppressed += 1;
            }
            None => applied.kept.push(f),
        }
    }
    let _ = text;
    for (s, used) in sups.iter().zip(&used) {
        let mut unknown = Vec::new();
        for sel in &s.selectors {
            let known = Category::parse(sel).is_some()
                || rules.iter().any(|r| r.id.eq_ignore_ascii_case(sel));
            if !known {
                unknown.push(sel.as_str());
            }
        }
        if !unknown.is_empty() {
            let names = Category::ALL
                .iter()
                .map(|c| c.as_str())
                .chain(rules.iter().map(|r| r.id.as_str()));
            let hint = match unknown.as_slice() {
                [one] => crate::suggest::hint(one, names),
                _ => String::new(),
            };
            applied.notes.push(Note {
                line: s.line,
                span: s.span,
                message: format!(
                    "suppression names unknown rule or category `{}`{hint}",
                    unknown.join("`, `")
                ),
                unused: false,
            });
        }
        if *used {
            if s.reason.is_none() {
                applied.without_reason += 1;
            }
            continue;
        }
        // Naming only rules that did not run is not "unused".
        let names_enabled = s.selectors.is_empty()
            || s.selectors.iter().any(|sel| match Category::parse(sel) {
                Some(c) => rules
                    .iter()
                    .enumerate()
                    .any(|(i, r)| enabled(i) && r.categories.contains(&c)),
                None => rules
                    .iter()
                    .enumerate()
                    .any(|(i, r)| enabled(i) && r.id.eq_ignore_ascii_case(sel)),
            });
        if names_enabled {
            applied.notes.push(Note {
                line: s.line,
                span: s.span,
                message: format!("unused suppression `{}`", s.text),
                unused: true,
            });
        }
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sups(text: &str, f: FileFormat) -> Vec<(usize, Scope, Vec<String>, Option<String>)> {
        let ix = LineIndex::new(text);
        parse(text, &ix, f)
            .into_iter()
            .map(|s| (s.line, s.scope, s.selectors, s.reason))
            .collect()
    }

    #[test]
    fn comment_syntaxes() {
        let t = "a\ncurl -k x # tlslint: ignore[curl-insecure] lab only\n";
        assert_eq!(
            sups(t, FileFormat::Shell),
            vec![(
                2,
                Scope::Line(2),
                vec!["curl-insecure".into()],
                Some("lab only".into())
            )]
        );
        let t = "; tlslint: ignore[legacy-protocol]\n\"X\"=dword:1\n";
        assert_eq!(sups(t, FileFormat::Reg)[0].1, Scope::Line(2));
        let t = "REM tlslint: ignore[cert-validation] - vendor box\r\ncurl -k x\r\n";
        assert_eq!(sups(t, FileFormat::Cmd)[0].3.as_deref(), Some("vendor box"));
        let t = "<!-- tlslint: ignore[revocation] offline network -->\n<x/>\n";
        assert_eq!(
            sups(t, FileFormat::Xml)[0].3.as_deref(),
            Some("offline network")
        );
        let t = "x = 1; /* tlslint: ignore */\n";
        assert_eq!(sups(t, FileFormat::C)[0].2, Vec::<String>::new());
        let t = "<# tlslint: ignore-file[legacy-protocol] lab #>\n";
        assert_eq!(sups(t, FileFormat::PowerShell)[0].1, Scope::File);
    }

    #[test]
    fn not_suppressions() {
        // Not in a comment of this format, or not the keyword.
        assert!(sups("echo 'tlslint: ignore[x]'\n", FileFormat::Shell).is_empty());
        assert!(sups("# tlslint: ignored here\n", FileFormat::Shell).is_empty());
        // (Built at run time, so that scanning this file finds no suppression in it.)
        let slashes = format!("// {MARKER} ignore[x]\n");
        assert!(sups(&slashes, FileFormat::Python).is_empty());
        // Quoted as documentation, or after the `//` of a URL.
        assert!(
            sups(
                "// write `tlslint: ignore[rule]` to suppress\n",
                FileFormat::C
            )
            .is_empty()
        );
        assert!(sups("curl(\"https://x/ tlslint: ignore\");\n", FileFormat::C).is_empty());
        assert_eq!(
            sups(
                "get(\"https://x/\"); // tlslint: ignore[curl-insecure]\n",
                FileFormat::C
            )
            .len(),
            1
        );
        // ignore-file below the top.
        let far = format!("{}# tlslint: ignore-file\n", "x\n".repeat(30));
        assert!(sups(&far, FileFormat::Shell).is_empty());
    }
}
