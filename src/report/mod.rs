//! Reports: findings rendered for people (human), programs (JSON) and code scanning (SARIF).
//!
//! Emitters read the scan [`Outcome`] and never reach back into the pipeline. Positions
//! are resolved once here ([`Located`]) so every format agrees on lines, columns,
//! snippets and fingerprints.

pub mod concise;
pub mod escape;
pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod statistics;

use crate::diagnostic::{Edit, Finding};
use crate::engine::Engine;
use crate::scan::{FileReport, Outcome};
use crate::source::Position;
use std::collections::HashMap;
use std::io::{self, Write};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Diagnostics with source excerpts (default).
    Human,
    /// One line per finding: `path:line:col: rule [category] message` (as ruff's).
    Concise,
    /// JSON: one object per finding, plus the tool and scan statistics.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A Markdown summary (for $GITHUB_STEP_SUMMARY or a pull-request comment).
    Markdown,
}

/// A finding with resolved positions.
pub struct Located<'a> {
    /// The file.
    pub file: &'a FileReport,
    /// The finding.
    pub finding: &'a Finding,
    /// Start (1-based line and character column).
    pub start: Position,
    /// End (exclusive column).
    pub end: Position,
    /// The text of the start line, trimmed.
    pub snippet: &'a str,
    /// Stable fingerprint (rule, category, path, normalized line text, occurrence).
    pub fingerprint: String,
}

/// An edit with resolved positions.
pub struct LocatedEdit<'a> {
    /// Start.
    pub start: Position,
    /// End (exclusive).
    pub end: Position,
    /// Replacement.
    pub text: &'a str,
}

/// Resolves an edit's positions in a file.
pub fn locate_edit<'a>(file: &FileReport, e: &'a Edit) -> LocatedEdit<'a> {
    LocatedEdit {
        start: file.index.position(&file.text, e.span.start),
        end: file.index.position(&file.text, e.span.end),
        text: &e.text,
    }
}

/// The path of a file as the repository sees it, for GitHub annotations and SARIF. Every
/// format now uses the same report path (relative to the current folder when everything
/// scanned is below it, as `walk::report_base` decides), so this is that path.
pub fn repo_path(file: &FileReport) -> String {
    file.path.clone()
}

/// `one` or `many`, as `n` asks ("1 finding", "2 findings").
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// FNV-1a, 64 bits: a small, stable, dependency-free hash for fingerprints.
pub fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Collapses runs of whitespace so that re-indentation does not change a fingerprint.
pub fn normalize_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The fingerprints of a file's findings, in order: rule, category, path, the finding's
/// line text with whitespace collapsed, and which occurrence of that combination it is.
/// Line numbers are not part of it, so findings keep their fingerprint when unrelated
/// lines are added or removed (baselines, SARIF `partialFingerprints`).
pub fn fingerprints(file: &FileReport, engine: &Engine) -> Vec<String> {
    let mut occurrences: HashMap<(usize, u8, String), usize> = HashMap::new();
    file.findings
        .iter()
        .map(|f| {
            let line = file.index.line_of(f.span.start);
            let norm = normalize_line(file.index.line_text(&file.text, line));
            let n = occurrences
                .entry((f.rule, f.category as u8, norm.clone()))
                .or_insert(0);
            *n += 1;
            let rule = &engine.rules.rules[f.rule].id;
            let h = fnv1a(&[rule, f.category.as_str(), &file.path, &norm, &n.to_string()]);
            format!("{h:016x}")
        })
        .collect()
}

/// Snippets longer than this are cut to the part around the finding.
pub const MAX_SNIPPET: usize = 240;

/// The finding's line, trimmed; on a very long line (minified code) the part around the
/// finding, so that a report does not carry megabytes of one line.
fn snippet<'a>(file: &'a FileReport, f: &Finding, line: usize) -> &'a str {
    let (ls, le) = file.index.line_range(&file.text, line);
    if le - ls <= MAX_SNIPPET {
        return file.text[ls..le].trim();
    }
    let half = MAX_SNIPPET / 2;
    let s = f.span.start.saturating_sub(half / 2).clamp(ls, le);
    let e = s.saturating_add(MAX_SNIPPET - half / 2).min(le);
    let s = crate::source::floor_char_boundary(&file.text, s);
    let e = crate::source::floor_char_boundary(&file.text, e);
    file.text[s..e].trim()
}

/// Resolves every finding of a scan, in report order.
pub fn locate_all<'a>(outcome: &'a Outcome, engine: &Engine) -> Vec<Located<'a>> {
    let mut out = Vec::new();
    for file in &outcome.files {
        for (f, fingerprint) in file.findings.iter().zip(fingerprints(file, engine)) {
            let start = file.index.position(&file.text, f.span.start);
            let end = file
                .index
                .position(&file.text, f.span.end.max(f.span.start));
            let snippet = snippet(file, f, start.line - 1);
            out.push(Located {
                file,
                finding: f,
                start,
                end,
                snippet,
                fingerprint,
            });
        }
    }
    out
}

/// Writes a report in `format`.
pub fn write_report(
    format: ReportFormat,
    outcome: &Outcome,
    engine: &Engine,
    color: bool,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Human => human::write(outcome, engine, color, w),
        ReportFormat::Concise => concise::write_with(outcome, engine, true, w),
        ReportFormat::Json => json::write(outcome, engine, w),
        ReportFormat::Sarif => sarif::write(outcome, engine, w),
        ReportFormat::Github => github::write(outcome, engine, w),
        ReportFormat::Markdown => markdown::write(outcome, engine, w),
    }
}
