//! `--format concise`: one line per finding, as ruff's concise output, for triage in a
//! terminal, `grep` and editors' problem matchers:
//!
//! ```text
//! deploy/arr-setup.reg:4:31: arr-secure-connection-ignore-flags [hostname-validation] ARR ignores ... [*]
//! pkg/tlsutil/dial_test.go:12:3: go-insecure-skip-verify [cert-validation] ... (test, opt-in: insecure)
//! ```
//!
//! `[*]`: `--fix` fixes it. The parenthesis names the file's context when it is not
//! product code, and the option that gates an opt-in. Text from scanned files is escaped,
//! so a finding is always one line.

use super::escape::terminal;
use super::{locate_all, plural};
use crate::engine::Engine;
use crate::report::statistics::fixable;
use crate::scan::Outcome;
use std::io::{self, Write};

/// Writes every finding, then a summary line (`summary`: `--quiet` leaves it out).
pub fn write_with(
    outcome: &Outcome,
    engine: &Engine,
    summary: bool,
    w: &mut dyn Write,
) -> io::Result<()> {
    let located = locate_all(outcome, engine);
    for l in &located {
        let f = l.finding;
        let mut tags: Vec<String> = Vec::new();
        if l.file.context != crate::context::Context::Product {
            tags.push(l.file.context.as_str().to_string());
        }
        if let Some(o) = &f.opt_in {
            tags.push(format!("opt-in: {}", terminal(o)));
        }
        writeln!(
            w,
            "{}:{}:{}: {} [{}] {}{}{}",
            terminal(&l.file.path),
            l.start.line,
            l.start.column,
            engine.rules.rules[f.rule].id,
            f.category,
            terminal(&f.message),
            if fixable(f, false) { " [*]" } else { "" },
            if tags.is_empty() {
                String::new()
            } else {
                format!(" ({})", tags.join(", "))
            }
        )?;
    }
    if !summary {
        return Ok(());
    }
    let hidden = match outcome.stats.suppressed_foreign {
        0 => String::new(),
        n => format!("; {n} hidden by other tools' markers"),
    };
    if located.is_empty() {
        return writeln!(
            w,
            "No findings in {} files{hidden}.",
            outcome.stats.files_scanned
        );
    }
    let mut per_context = Vec::new();
    for c in crate::context::Context::ALL {
        let n = located.iter().filter(|l| l.file.context == c).count();
        if n > 0 {
            per_context.push(format!("{n} {}", c.as_str()));
        }
    }
    let fixes = located.iter().filter(|l| fixable(l.finding, false)).count();
    writeln!(
        w,
        "Found {} {} in {} {} ({}){}{hidden}.",
        located.len(),
        plural(located.len(), "finding", "findings"),
        outcome.files.len(),
        plural(outcome.files.len(), "file", "files"),
        per_context.join(", "),
        if fixes > 0 {
            format!("; [*] {fixes} fixable with --fix")
        } else {
            String::new()
        }
    )
}
