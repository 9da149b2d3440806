//! A Markdown summary for `$GITHUB_STEP_SUMMARY` or a pull-request comment: totals by
//! category and severity, then a table of findings, cut off sensibly for huge results.

use super::escape::{markdown_code, markdown_text};
use super::{locate_all, repo_path};
use crate::diagnostic::{Category, Severity};
use crate::engine::Engine;
use crate::scan::Outcome;
use std::io::{self, Write};

/// At most this many rows in the findings table.
pub const MAX_ROWS: usize = 100;

/// Writes the summary.
pub fn write(outcome: &Outcome, engine: &Engine, w: &mut dyn Write) -> io::Result<()> {
    let located = locate_all(outcome, engine);
    writeln!(w, "## tlslint")?;
    writeln!(w)?;
    let errors: Vec<_> = outcome.problems.iter().filter(|p| p.is_error).collect();
    for p in &errors {
        writeln!(
            w,
            "> **Error:** {}: {}",
            markdown_code(&p.path),
            markdown_text(&p.message)
        )?;
    }
    if !errors.is_empty() {
        writeln!(w)?;
    }
    if located.is_empty() {
        writeln!(
            w,
            "No settings that weaken TLS found in {} files.",
            outcome.stats.files_scanned
        )?;
        return Ok(());
    }
    let files = outcome.files.len();
    let fixable = located.iter().filter(|l| l.finding.fix.is_some()).count();
    writeln!(
        w,
        "**{} {}** in {} {} ({} scanned){}.",
        located.len(),
        super::plural(located.len(), "finding", "findings"),
        files,
        super::plural(files, "file", "files"),
        outcome.stats.files_scanned,
        if fixable > 0 {
            format!("; {fixable} can be fixed with `tlslint scan --fix`")
        } else {
            String::new()
        }
    )?;
    writeln!(w)?;
    writeln!(w, "| category | error | warning | note | total |")?;
    writeln!(w, "|---|---:|---:|---:|---:|")?;
    for c in Category::ALL.into_iter().chain([Category::Suppression]) {
        let of = |s: Severity| {
            located
                .iter()
                .filter(|l| l.finding.category == c && l.finding.severity == s)
                .count()
        };
        let (e, wa, n) = (
            of(Severity::Error),
            of(Severity::Warning),
            of(Severity::Note),
        );
        if e + wa + n > 0 {
            writeln!(w, "| {} | {e} | {wa} | {n} | {} |", c.as_str(), e + wa + n)?;
        }
    }
    writeln!(w)?;
    // Where the findings are: product code first.
    let mut contexts: Vec<(crate::context::Context, usize)> = Vec::new();
    for l in &located {
        match contexts.iter_mut().find(|(c, _)| *c == l.file.context) {
            Some(e) => e.1 += 1,
            None => contexts.push((l.file.context, 1)),
        }
    }
    contexts.sort();
    let opt_ins = located
        .iter()
        .filter(|l| l.finding.opt_in.is_some())
        .count();
    writeln!(
        w,
        "By context: {}{}.",
        contexts
            .iter()
            .map(|(c, n)| format!("{n} {}", c.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
        if opt_ins > 0 {
            format!("; {opt_ins} opt-in (only when an option asks for it)")
        } else {
            String::new()
        }
    )?;
    writeln!(w)?;
    let mut rows: Vec<&super::Located<'_>> = located.iter().collect();
    rows.sort_by_key(|l| l.file.context);
    writeln!(w, "| location | context | rule | severity | message |")?;
    writeln!(w, "|---|---|---|---|---|")?;
    for l in rows.into_iter().take(MAX_ROWS) {
        let rule = &engine.rules.rules[l.finding.rule];
        let context = match &l.finding.opt_in {
            Some(o) => format!("{}, opt-in: {}", l.file.context.as_str(), markdown_code(o)),
            None => l.file.context.as_str().to_string(),
        };
        writeln!(
            w,
            "| {} | {} | `{}` | {} | {} |",
            markdown_code(&format!("{}:{}", repo_path(l.file), l.start.line)),
            context,
            rule.id,
            l.finding.severity,
            markdown_text(&l.finding.message)
        )?;
    }
    if located.len() > MAX_ROWS {
        writeln!(w)?;
        writeln!(
            w,
            "… and {} more findings (the SARIF and JSON reports list them all).",
            located.len() - MAX_ROWS
        )?;
    }
    Ok(())
}
