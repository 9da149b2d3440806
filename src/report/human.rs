//! Human output: one codespan-reporting diagnostic per finding.
//!
//! The span is labelled with the category, the decoded value is a note, the rule's fix
//! advice is the help line (on a rule's first finding only, unless `--show-help`), and a
//! proposed fix is shown as a small diff. The summary counts findings per category, then
//! per rule and file context, with how many `--fix` fixes.

use super::escape::{same_width, terminal};
use super::locate_all;
use crate::context::Context;
use crate::diagnostic::Severity;
use crate::engine::Engine;
use crate::report::statistics::fixable;
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

/// The full fix advice: every paragraph, each on one line.
pub fn full_advice(fix: &str) -> String {
    fix.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// How to write the human report.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// ANSI colours.
    pub color: bool,
    /// The summary after the findings (`--quiet` leaves it out).
    pub summary: bool,
    /// Every finding's full fix advice (`--show-help`), not a rule's short advice once.
    pub show_help: bool,
}

/// Writes all findings, then the summary.
pub fn write(outcome: &Outcome, engine: &Engine, color: bool, w: &mut dyn Write) -> io::Result<()> {
    let options = Options {
        color,
        summary: true,
        show_help: false,
    };
    write_with(outcome, engine, &options, w)
}

/// Writes all findings, then the summary if `options.summary`.
pub fn write_with(
    outcome: &Outcome,
    engine: &Engine,
    options: &Options,
    w: &mut dyn Write,
) -> io::Result<()> {
    let (color, summary) = (options.color, options.summary);
    let mut helped = std::collections::HashSet::new();
    let config = Config::default();
    // Product (and CI) findings first, then tests, examples, vendored and generated code.
    let mut located = locate_all(outcome, engine);
    located.sort_by_key(|l| l.file.context);
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
        if options.show_help {
            notes.push(format!("help: {}", full_advice(&rule.fix)));
        } else if helped.insert(f.rule) {
            notes.push(format!("help: {}", short_advice(&rule.fix)));
        }
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
        write_breakdown(&located, engine, w)?;
    }
    let hidden = outcome.stats.suppressed_foreign;
    if hidden > 0 {
        writeln!(
            w,
            "{hidden} more {} hidden by other tools' suppression markers (--no-foreign-markers reports them).",
            super::plural(
                usize::try_from(hidden).unwrap_or(usize::MAX),
                "finding",
                "findings"
            ),
        )?;
    }
    Ok(())
}

/// One rule's row of the summary.
#[derive(Default)]
struct Row {
    by_context: BTreeMap<Context, usize>,
    total: usize,
    opt_in: usize,
    fixable: usize,
    unsafe_fixable: usize,
}

/// The summary's table: per rule, findings per file context, opt-ins and fixable ones
/// (`-` for none), most findings first; then how many `--fix` fixes.
fn write_breakdown(
    located: &[super::Located<'_>],
    engine: &Engine,
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut rows: BTreeMap<&str, Row> = BTreeMap::new();
    let mut total = Row::default();
    for l in located {
        let f = l.finding;
        let rule = engine.rules.rules[f.rule].id.as_str();
        for r in [rows.entry(rule).or_default(), &mut total] {
            *r.by_context.entry(l.file.context).or_default() += 1;
            r.total += 1;
            r.opt_in += usize::from(f.opt_in.is_some());
            r.fixable += usize::from(fixable(f, false));
            r.unsafe_fixable += usize::from(fixable(f, true) && !fixable(f, false));
        }
    }
    let contexts: Vec<Context> = Context::ALL
        .into_iter()
        .filter(|c| total.by_context.contains_key(c))
        .collect();
    let mut order: Vec<(&str, &Row)> = rows.iter().map(|(k, v)| (*k, v)).collect();
    order.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(b.0)));
    let width = order
        .iter()
        .map(|(r, _)| r.len())
        .chain(["rule".len(), "total".len()])
        .max()
        .unwrap_or(4);
    let cell = |n: usize, head: &str| {
        let text = if n == 0 {
            "-".to_string()
        } else {
            n.to_string()
        };
        format!("  {text:>w$}", w = head.len().max(3))
    };
    let mut head = format!("{:<width$}", "rule");
    for c in &contexts {
        head.push_str(&format!("  {:>3}", c.as_str()));
    }
    let show_opt_in = total.opt_in > 0;
    if show_opt_in {
        head.push_str("  opt-in");
    }
    head.push_str("  fixable");
    writeln!(w)?;
    writeln!(w, "{}", head.trim_end())?;
    let mut line = |name: &str, r: &Row| -> io::Result<()> {
        let mut s = format!("{name:<width$}");
        for c in &contexts {
            s.push_str(&cell(r.by_context.get(c).copied().unwrap_or(0), c.as_str()));
        }
        if show_opt_in {
            s.push_str(&cell(r.opt_in, "opt-in"));
        }
        s.push_str(&cell(r.fixable, "fixable"));
        writeln!(w, "{s}")
    };
    for (name, r) in &order {
        line(name, r)?;
    }
    if order.len() > 1 {
        line("total", &total)?;
    }
    if total.fixable > 0 || total.unsafe_fixable > 0 {
        let more = if total.unsafe_fixable > 0 {
            format!(" ({} more with --unsafe-fixes)", total.unsafe_fixable)
        } else {
            String::new()
        };
        writeln!(
            w,
            "{} fixable with --fix{more}; --diff shows the changes.",
            total.fixable
        )?;
    }
    Ok(())
}
