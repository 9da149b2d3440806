//! The JSON report (INTERFACE.md, "Findings: the JSON report").

use super::{locate_all, locate_edit};
use crate::engine::Engine;
use crate::scan::Outcome;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Report<'a> {
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    stats: JsonStats,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    category: &'static str,
    severity: &'static str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    snippet: &'a str,
    fix: Option<JsonFix<'a>>,
    fingerprint: &'a str,
    /// Where the file lives: product, test, example, vendor, generated, docs.
    context: &'static str,
    /// The option that gates the setting (an opt-in), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    opt_in: Option<&'a str>,
    /// Where the value takes effect, when that is elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    sink: Option<JsonSink<'a>>,
}

#[derive(Serialize)]
struct JsonSink<'a> {
    line: usize,
    column: usize,
    text: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    applicability: &'static str,
    replacements: Vec<JsonReplacement<'a>>,
}

#[derive(Serialize)]
struct JsonReplacement<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    text: &'a str,
}

#[derive(Serialize)]
struct JsonStats {
    files_scanned: u64,
    bytes_scanned: u64,
    duration_ms: u64,
    /// Findings suppressed by `tlslint: ignore` comments.
    suppressed: u64,
    /// Findings suppressed by another tool's marker (`//nolint:gosec`, `# nosec`, ...).
    suppressed_foreign: u64,
}

/// Writes the JSON report.
pub fn write(outcome: &Outcome, engine: &Engine, w: &mut dyn Write) -> io::Result<()> {
    let located = locate_all(outcome, engine);
    let findings = located
        .iter()
        .map(|l| {
            let f = l.finding;
            JsonFinding {
                rule_id: &engine.rules.rules[f.rule].id,
                category: f.category.as_str(),
                severity: f.severity.as_str(),
                path: &l.file.path,
                line: l.start.line,
                column: l.start.column,
                end_line: l.end.line,
                end_column: l.end.column,
                message: &f.message,
                snippet: l.snippet,
                fix: f.fix.as_ref().map(|fix| JsonFix {
                    description: &fix.description,
                    applicability: match fix.applicability {
                        crate::diagnostic::Applicability::Safe => "safe",
                        crate::diagnostic::Applicability::Unsafe => "unsafe",
                        crate::diagnostic::Applicability::DisplayOnly => "display-only",
                    },
                    replacements: fix
                        .edits
                        .iter()
                        .map(|e| {
                            let le = locate_edit(l.file, e);
                            JsonReplacement {
                                line: le.start.line,
                                column: le.start.column,
                                end_line: le.end.line,
                                end_column: le.end.column,
                                text: le.text,
                            }
                        })
                        .collect(),
                }),
                fingerprint: &l.fingerprint,
                context: l.file.context.as_str(),
                opt_in: f.opt_in.as_deref(),
                sink: f.sink.as_ref().map(|s| {
                    let p = l.file.index.position(&l.file.text, s.span.start);
                    JsonSink {
                        line: p.line,
                        column: p.column,
                        text: &s.text,
                    }
                }),
            }
        })
        .collect();
    let report = Report {
        tool: Tool {
            name: "tlslint",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings,
        stats: JsonStats {
            files_scanned: outcome.stats.files_scanned,
            bytes_scanned: outcome.stats.bytes_scanned,
            duration_ms: u64::try_from(outcome.stats.duration.as_millis()).unwrap_or(u64::MAX),
            suppressed: outcome.stats.suppressed,
            suppressed_foreign: outcome.stats.suppressed_foreign,
        },
    };
    serde_json::to_writer_pretty(&mut *w, &report).map_err(io::Error::from)?;
    writeln!(w)
}
