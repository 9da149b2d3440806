//! Shared by the fuzz targets: one engine with the built-in rules, and the whole
//! per-file pipeline (check, locate, fix) on a file name plus content.
#![allow(dead_code)]

use std::path::Path;
use std::sync::LazyLock;

use tlslint::apply::fix_in_memory;
use tlslint::engine::Engine;
use tlslint::fixes;
use tlslint::rules::RuleSet;
use tlslint::scan::{Checked, Checker, FileReport, Outcome, Stats};

/// The engine `tlslint scan` builds with no configuration file: every built-in rule.
pub static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::new(RuleSet::builtin().expect("built-in rules load")));

/// Splits `data` into (file name from `names`, flag, content): the first byte's low seven
/// bits pick the name, its high bit is the flag. `None` for empty input.
pub fn pick<'a>(names: &'a [&'a str], data: &'a [u8]) -> Option<(&'a str, bool, &'a [u8])> {
    let (&first, rest) = data.split_first()?;
    let name = names[usize::from(first & 0x7F) % names.len()];
    Some((name, first & 0x80 != 0, rest))
}

/// Names from a `names/*.txt` list (one a line).
pub fn names(list: &'static str) -> Vec<&'static str> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Checks `bytes` as the file `name` the way the scanner does (prefilter off): first as a
/// walked file, and if that calls it binary, as a file named on the command line. Then
/// resolves every finding's position and fix, and applies the fixes in memory.
/// `flag` turns on unsafe fixes and the unused-suppression bookkeeping.
pub fn check_and_fix(name: &str, bytes: &[u8], flag: bool, reports: bool) {
    let checker = Checker {
        engine: &ENGINE,
        prefilter: None,
        unused_suppressions: flag,
        pool: None,
    };
    let path = Path::new(name);
    let mut checked = checker.check(path, name, bytes, false);
    if matches!(checked, Checked::Binary) {
        checked = checker.check(path, name, bytes, true);
        assert!(
            !matches!(checked, Checked::Binary),
            "an explicit file is never binary"
        );
    }
    let Checked::Findings(report) = checked else {
        return;
    };
    locate(&report);
    let opts = tlslint::apply::FixOptions {
        unsafe_fixes: flag,
        baseline: None,
    };
    if let Some(fixed) = fix_in_memory(&checker, &report, &opts) {
        if let Some(rest) = &fixed.remaining {
            locate(rest);
        }
    }
    if reports {
        render(*report, bytes.len());
    }
}

/// What the reporters compute for each finding: positions, the line's text, fix diffs.
fn locate(report: &FileReport) {
    let text = &report.text;
    for f in &report.findings {
        assert!(f.span.start <= f.span.end, "span reversed: {:?}", f.span);
        let start = report.index.position(text, f.span.start);
        let _ = report.index.position(text, f.span.end);
        let _ = report.index.line_text(text, start.line - 1);
        if let Some(fix) = &f.fix {
            let _ = fixes::line_diff(text, fix);
            for e in &fix.edits {
                let _ = tlslint::report::locate_edit(report, e);
            }
        }
    }
}

/// One report format (by `pick`; all five are too slow to write every time), written to
/// nowhere.
fn render(report: FileReport, pick: usize) {
    let outcome = Outcome {
        files: vec![report],
        stats: Stats::default(),
        problems: Vec::new(),
        suppression_notes: Vec::new(),
    };
    use tlslint::report::{ReportFormat, write_report};
    let format = [
        ReportFormat::Human,
        ReportFormat::Json,
        ReportFormat::Sarif,
        ReportFormat::Github,
        ReportFormat::Markdown,
    ][pick % 5];
    write_report(format, &outcome, &ENGINE, false, &mut std::io::sink()).expect("sink");
}

/// The prefilter's promise (fuzz target `prefilter`): every finding of `bytes` checked as
/// `name` without the prefilter is found with both of its stages, as `tlslint scan`
/// builds them.
pub fn prefilter_keeps_findings(name: &str, bytes: &[u8]) {
    let without = findings_with(None, name, bytes);
    if without.is_empty() {
        return;
    }
    let with = findings_with(Some(&PREFILTER), name, bytes);
    assert_eq!(
        with, without,
        "the prefilter turned away findings of {name}"
    );
}

/// The prefilter `tlslint scan` builds with no configuration file.
pub static PREFILTER: LazyLock<tlslint::prefilter::Prefilter> = LazyLock::new(|| {
    tlslint::prefilter::Prefilter::new(
        ENGINE
            .rules
            .rules
            .iter()
            .flat_map(|r| r.keywords.iter().cloned()),
    )
});

/// (rule, category, start) of each finding of `bytes` checked as `name`.
fn findings_with(
    prefilter: Option<&tlslint::prefilter::Prefilter>,
    name: &str,
    bytes: &[u8],
) -> Vec<(usize, String, usize)> {
    let checker = Checker {
        engine: &ENGINE,
        prefilter,
        unused_suppressions: false,
        pool: None,
    };
    match checker.check(Path::new(name), name, bytes, false) {
        Checked::Findings(r) => r
            .findings
            .iter()
            .map(|f| (f.rule, format!("{:?}", f.category), f.span.start))
            .collect(),
        _ => Vec::new(),
    }
}
