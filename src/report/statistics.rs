//! `--statistics`: how many findings each rule reported and how many of them `--fix` can
//! fix, instead of the findings themselves (ruff's `--statistics`).

use crate::diagnostic::{Applicability, Finding};
use crate::engine::Engine;
use crate::scan::Outcome;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// One rule's line.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct RuleCount<'a> {
    /// The rule id.
    pub rule_id: &'a str,
    /// Findings.
    pub count: usize,
    /// Findings `--fix` would fix (with `--unsafe-fixes`: unsafe ones too).
    pub fixable: usize,
    /// The rule's severity (before configuration).
    pub severity: &'static str,
    /// The rule's title.
    pub title: &'a str,
}

/// Whether `--fix` (with `unsafe_fixes` as given) applies `f`'s fix.
pub fn fixable(f: &Finding, unsafe_fixes: bool) -> bool {
    f.fix.as_ref().is_some_and(|x| match x.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
        Applicability::DisplayOnly => false,
    })
}

/// The counts, most findings first, then by rule id.
pub fn counts<'a>(outcome: &Outcome, engine: &'a Engine, unsafe_fixes: bool) -> Vec<RuleCount<'a>> {
    let mut by_rule: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for f in outcome.files.iter().flat_map(|f| &f.findings) {
        let e = by_rule.entry(f.rule).or_default();
        e.0 += 1;
        if fixable(f, unsafe_fixes) {
            e.1 += 1;
        }
    }
    let mut out: Vec<RuleCount<'a>> = by_rule
        .into_iter()
        .map(|(i, (count, fixable))| {
            let r = &engine.rules.rules[i];
            RuleCount {
                rule_id: &r.id,
                count,
                fixable,
                severity: r.severity.as_str(),
                title: &r.title,
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule_id.cmp(b.rule_id)));
    out
}

/// A table: count, fixable count (`[*]` marks rules with fixes), rule id, title; then a
/// total line.
pub fn write_human(
    outcome: &Outcome,
    engine: &Engine,
    unsafe_fixes: bool,
    w: &mut dyn Write,
) -> io::Result<()> {
    let rows = counts(outcome, engine, unsafe_fixes);
    let width = rows
        .iter()
        .map(|r| r.rule_id.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let total: usize = rows.iter().map(|r| r.count).sum();
    let fixable: usize = rows.iter().map(|r| r.fixable).sum();
    for r in &rows {
        let fix = if r.fixable > 0 {
            format!("[*] {}", r.fixable)
        } else {
            String::new()
        };
        writeln!(
            w,
            "{:>6}  {:<7}  {:<width$}  {:<7}  {}",
            r.count, fix, r.rule_id, r.severity, r.title
        )?;
    }
    writeln!(
        w,
        "{total} {} from {} {}; {fixable} fixable with --fix{}.",
        super::plural(total, "finding", "findings"),
        rows.len(),
        super::plural(rows.len(), "rule", "rules"),
        if unsafe_fixes { " --unsafe-fixes" } else { "" }
    )
}

/// The counts as a JSON array.
pub fn write_json(
    outcome: &Outcome,
    engine: &Engine,
    unsafe_fixes: bool,
    w: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &counts(outcome, engine, unsafe_fixes))
        .map_err(io::Error::from)?;
    writeln!(w)
}
