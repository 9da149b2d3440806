//! Human output: one codespan-reporting diagnostic per finding.
//!
//! The span is labelled with the category, the decoded value is a note, the rule's fix
//! advice is the help line, and a proposed fix is shown as a small diff.

use super::escape::{same_width, terminal};
use super::locate_all;
use crate::diagnostic::Severity;
use crate::engine::Engine;
use crate::scan::Outcome;
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config, termcolor};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Lines longer than this are shown as an excerpt.
const LONG_LINE: usize = 1000;
/// Bytes of a long line shown on each side of a finding.
const EXCERPT: usize = 100;

fn floor(t: &str, i: usize) -> usize {
    crate::source::floor_char_boundary(t, i)
}

/// A line of a fix's diff, cut when very long.
fn cut(line: &str) -> &str {
    &line[..floor(line, LONG_LINE.min(line.len()))]
}

/// The first sentence or line of the fix advice, for the `help:` line.
pub fn short_advice(fix: &str) -> String {
    let para = fix.split("\n\n").next().unwrap_or(fix).replace('\n', " ");
    para.trim().to_string()
}

/// Writes all findings, then a summary line.
pub fn write(outcome: &Outcome, engine: &Engine, color: bool, w: &mut dyn Write) -> io::Result<()> {
    write_with(outcome, engine, color, true, w)
}

/// Writes all findings, then the summary line if `summary` (`--quiet` leaves it out).
pub fn write_with(
    outcome: &Outcome,
    engine: &Engine,
    color: bool,
    summary: bool,
    w: &mut dyn Write,
) -> io::Result<()> {
    let config = Config::default();
    let located = locate_all(outcome, engine);
    let mut buf = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    // File names and file text are shown with control characters made visible (a name or
    // a line cannot start a new log line, move the cursor or inject a workflow command).
    let mut current: Option<(
        *const crate::scan::FileReport,
        SimpleFile<String, Cow<'_, str>>,
    )> = None;
    for l in &located {
        let key = std::ptr::from_ref(l.file);
        if current.as_ref().is_none_or(|(k, _)| *k != key) {
            current = Some((
                key,
                SimpleFile::new(
                    terminal(&l.file.path).into_owned(),
                    same_width(&l.file.text),
                ),
            ));
        }
        let Some((_, whole)) = current.as_ref() else {
            continue;
        };
        let f = l.finding;
        // A finding on a very long line (minified code) shows an excerpt of the line, not
        // megabytes of it: a file of as many empty lines, then the excerpt.
        let (ls, le) = l.file.index.line_range(&l.file.text, l.start.line - 1);
        let excerpt = (le - ls > LONG_LINE).then(|| {
            let t = &l.file.text;
            let es = floor(t, f.span.start.saturating_sub(EXCERPT).max(ls));
            let ee = floor(
                t,
                f.span
                    .end
                    .min(f.span.start + EXCERPT)
                    .saturating_add(EXCERPT)
                    .min(le),
            );
            let pad = l.start.line - 1;
            let mut text = "\n".repeat(pad);
            text.push('\u{2026}');
            text.push_str(&same_width(&t[es..ee]));
            text.push('\u{2026}');
            let base = pad + '\u{2026}'.len_utf8();
            let range =
                base + (f.span.start - es)..base + (f.span.end.min(ee).max(f.span.start) - es);
            (
                SimpleFile::new(terminal(&l.file.path).into_owned(), Cow::Owned(text)),
                range,
            )
        });
        let file = excerpt.as_ref().map_or(whole, |(f, _)| f);
        let rule = &engine.rules.rules[f.rule];
        let diag = match f.severity {
            Severity::Error => Diagnostic::error(),
            Severity::Warning => Diagnostic::warning(),
            Severity::Note => Diagnostic::note(),
        };
        let mut notes: Vec<String> = f.notes.iter().map(|n| terminal(n).into_owned()).collect();
        if let Some(fix) = &f.fix {
            let mut d = format!("fix: {}", terminal(&fix.description));
            if fix.applicability != crate::diagnostic::Applicability::Safe {
                d.push_str(" (unsafe: applied with --unsafe-fixes)");
            }
            let (old, new) = crate::fixes::line_diff(&l.file.text, fix);
            for line in &old {
                d.push_str(&format!("\n  - {}", terminal(cut(line.trim_end()))));
            }
            for line in &new {
                d.push_str(&format!("\n  + {}", terminal(cut(line.trim_end()))));
            }
            notes.push(d);
        }
        notes.push(format!("help: {}", short_advice(&rule.fix)));
        let (start, end) = match &excerpt {
            Some((_, r)) => (r.start, r.end.max(r.start + 1)),
            None => {
                let end = if f.span.is_empty() {
                    f.span.start + 1
                } else {
                    f.span.end
                };
                (f.span.start, end.min(l.file.text.len()).max(f.span.start))
            }
        };
        if excerpt.is_some() {
            notes.push(format!(
                "the line is {} bytes long: an excerpt around column {} is shown",
                le - ls,
                l.start.column
            ));
        }
        let diag = diag
            .with_code(rule.id.as_str())
            .with_message(terminal(&f.message).into_owned())
            .with_labels(vec![
                Label::primary((), start..end).with_message(f.category.as_str()),
            ])
            .with_notes(notes);
        term::emit_to_write_style(&mut buf, &config, file, &diag).map_err(io::Error::other)?;
    }
    w.write_all(buf.as_slice())?;
    if !summary {
        return Ok(());
    }
    let mut per_cat: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &located {
        *per_cat.entry(l.finding.category.as_str()).or_default() += 1;
    }
    let files = outcome.files.len();
    if located.is_empty() {
        writeln!(w, "No findings in {} files.", outcome.stats.files_scanned)?;
    } else {
        let cats: Vec<String> = per_cat.iter().map(|(c, n)| format!("{n} {c}")).collect();
        writeln!(
            w,
            "Found {} {} in {} {} ({}).",
            located.len(),
            super::plural(located.len(), "finding", "findings"),
            files,
            super::plural(files, "file", "files"),
            cats.join(", ")
        )?;
    }
    Ok(())
}
