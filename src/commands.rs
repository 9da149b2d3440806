//! The subcommands: `scan`, `rules`, `explain`.

use crate::cli::{ColorChoice, ExplainArgs, FailOn, ListFormat, RulesArgs, ScanArgs};
use crate::diagnostic::{Category, Severity};
use crate::engine::Engine;
use crate::prefilter::Prefilter;
use crate::report::{self, ReportFormat};
use crate::rules::RuleSet;
use crate::rules::tables::{Hex, parse_int};
use crate::scan::{self, ScanOptions};
use anyhow::{Context, Result, bail};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Exit status, as ruff and ripgrep use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// No finding at or above `--fail-on`.
    Success,
    /// Findings.
    Failure,
    /// Usage, configuration or I/O error.
    Error,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Error => 2,
        }
    }
}

/// A `--select`/`--ignore` item: a category or a rule id.
enum Selector {
    Category(Category),
    Rule(String),
}

impl Selector {
    fn parse(rules: &RuleSet, item: &str) -> Result<Selector> {
        let item = item.trim();
        if let Some(c) = Category::parse(item) {
            return Ok(Selector::Category(c));
        }
        if rules.get(item).is_some() {
            return Ok(Selector::Rule(item.to_string()));
        }
        let cats: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        bail!(
            "unknown rule or category `{item}` (categories: {}; `tlslint rules` lists the rule ids)",
            cats.join(", ")
        )
    }

    fn matches(&self, rule: &crate::rules::Rule) -> bool {
        match self {
            Selector::Category(c) => rule.categories.contains(c),
            Selector::Rule(id) => rule.id == *id,
        }
    }
}

/// Turns `--select`/`--ignore` into an enabled-rule mask.
pub fn rule_mask(rules: &RuleSet, select: &[String], ignore: &[String]) -> Result<Vec<bool>> {
    let parse = |items: &[String]| -> Result<Vec<Selector>> {
        items
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| Selector::parse(rules, s))
            .collect()
    };
    let select = parse(select)?;
    let ignore = parse(ignore)?;
    Ok(rules
        .rules
        .iter()
        .map(|r| {
            (select.is_empty() || select.iter().any(|s| s.matches(r)))
                && !ignore.iter().any(|s| s.matches(r))
        })
        .collect())
}

fn use_color(choice: ColorChoice, to_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

fn parse_report_spec(s: &str) -> Result<(ReportFormat, PathBuf)> {
    use clap::ValueEnum;
    let Some((fmt, path)) = s.split_once(':') else {
        bail!("--report expects FORMAT:FILE, e.g. sarif:results.sarif (got `{s}`)");
    };
    let format = ReportFormat::from_str(fmt, true).map_err(|_| {
        let names: Vec<String> = ReportFormat::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        anyhow::anyhow!(
            "unknown report format `{fmt}` (valid: {})",
            names.join(", ")
        )
    })?;
    if path.is_empty() {
        bail!("--report {fmt}: needs a file name");
    }
    Ok((format, PathBuf::from(path)))
}

fn write_to_file(
    path: &std::path::Path,
    f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    // Never through a symbolic link: a scanned repository may plant one at the report's
    // path (the Action's SARIF file lies in the pull request's checkout).
    let file = crate::safe_io::create_report(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    f(&mut w).with_context(|| format!("cannot write {}", path.display()))?;
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `tlslint scan`.
pub fn scan(args: &ScanArgs) -> Result<ExitStatus> {
    let mut rules = RuleSet::builtin().context("loading the built-in rules")?;
    let config = load_config(args, &rules)?;
    config.extend_rules(&mut rules)?;
    // The command line's --select replaces the file's; --ignore adds to it.
    let select = if args.select.is_empty() {
        config.select.clone()
    } else {
        args.select.clone()
    };
    let ignore: Vec<String> = config.ignore.iter().chain(&args.ignore).cloned().collect();
    let mask = rule_mask(&rules, &select, &ignore)?;
    let fail_on = args.fail_on.unwrap_or(match config.fail_on {
        Some(crate::config::FailOnSetting::Error) => FailOn::Error,
        Some(crate::config::FailOnSetting::Warning) => FailOn::Warning,
        Some(crate::config::FailOnSetting::Never) => FailOn::Never,
        Some(crate::config::FailOnSetting::Note) | None => FailOn::Note,
    });
    let mut extra_reports = Vec::new();
    for spec in &args.reports {
        extra_reports.push(parse_report_spec(spec)?);
    }
    // Read the diff before scanning: a bad revision is a usage error, not a late surprise.
    let mut changes = Vec::new();
    if let Some(rev) = &args.diff_base {
        let mut tops = std::collections::HashSet::new();
        for p in &args.paths {
            let c = crate::gitdiff::changes_since(p, rev).map_err(|e| anyhow::anyhow!(e))?;
            if tops.insert(c.top.clone()) {
                changes.push(c);
            }
        }
    }
    let mut keywords: Vec<String> = rules
        .rules
        .iter()
        .zip(&mask)
        .filter(|(_, on)| **on)
        .flat_map(|(r, _)| r.keywords.iter().cloned())
        .collect();
    if args.report_unused_suppressions {
        // Files whose only trigger is a suppression comment must be read too.
        keywords.push(crate::suppress::MARKER.to_string());
    }
    let prefilter = Prefilter::new(&keywords);
    let by_rule = config
        .rule_severity
        .iter()
        .filter_map(|(id, sev)| rules.index_of(id).map(|i| (i, *sev)))
        .collect();
    let by_category = config
        .category_severity
        .iter()
        .map(|(c, s)| (*c, *s))
        .collect();
    let mut engine = Engine::new(rules);
    engine.set_enabled(mask);
    engine.set_severities(by_rule, by_category);
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let opts = ScanOptions {
        paths: args.paths.clone(),
        threads,
        no_ignore: args.no_ignore,
        max_filesize: args.max_filesize,
        unused_suppressions: args.report_unused_suppressions,
        filter: config.path_filter().map(std::sync::Arc::new),
        force_exclude: args.force_exclude,
        time_limit: (args.timeout > 0).then(|| std::time::Duration::from_secs(args.timeout)),
    };
    let mut outcome = scan::scan(&opts, &engine, &prefilter);

    if let Some(path) = &args.write_baseline {
        let b = crate::baseline::record(&outcome, &engine);
        let text = serde_json::to_string_pretty(&b)? + "\n";
        write_to_file(path, |w| w.write_all(text.as_bytes()))?;
        eprintln!(
            "tlslint: recorded {} findings in the baseline {}",
            b.findings.len(),
            path.display()
        );
        return Ok(ExitStatus::Success);
    }
    let mut baselined: Option<std::collections::HashSet<String>> = None;
    if let Some(path) = &args.baseline {
        let b =
            crate::baseline::load(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        crate::baseline::apply(&mut outcome, &engine, &b);
        baselined = Some(b.findings.into_iter().map(|e| e.fingerprint).collect());
    }
    if args.diff_base.is_some() {
        outcome.stats.outside_diff = crate::gitdiff::filter(&mut outcome, &changes) as u64;
    }

    if args.fix || args.diff {
        let checker = scan::Checker {
            engine: &engine,
            prefilter: Some(&prefilter),
            unused_suppressions: false,
        };
        let status = fix(args, &checker, &mut outcome, baselined.as_ref())?;
        if args.diff {
            return Ok(status);
        }
        let after = report_and_status(args, fail_on, &outcome, &engine, &extra_reports)?;
        return Ok(if status == ExitStatus::Error {
            ExitStatus::Error
        } else {
            after
        });
    }
    report_and_status(args, fail_on, &outcome, &engine, &extra_reports)
}

/// The configuration: `--config FILE`, else the nearest `.tlslint.toml` above the first
/// scanned path (none with `--no-config`).
fn load_config(args: &ScanArgs, rules: &RuleSet) -> Result<crate::config::Config> {
    if args.no_config {
        return Ok(crate::config::Config::default());
    }
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => args.paths.first().and_then(|p| crate::config::discover(p)),
    };
    match path {
        Some(p) => Ok(crate::config::Config::load(&p, rules)?),
        None => Ok(crate::config::Config::default()),
    }
}

/// `--fix` / `--diff`: applies (or prints) the fixes; `outcome` is updated with what is
/// left in the fixed files. With `--diff`, the status is 1 when there is a patch. A file
/// that is not rewritten by policy (a symbolic link, lossy decoding, read-only, setuid,
/// hard links, changed since the scan) keeps its findings, which decide the status as
/// after any scan; only an I/O error while writing makes it 2.
fn fix(
    args: &ScanArgs,
    checker: &scan::Checker<'_>,
    outcome: &mut scan::Outcome,
    baseline: Option<&std::collections::HashSet<String>>,
) -> Result<ExitStatus> {
    let mut fixed_findings = 0;
    let mut edits = 0;
    let mut fixed_files = 0;
    let mut failed = false;
    let mut stdout = std::io::stdout().lock();
    let mut kept = Vec::new();
    let opts = crate::apply::FixOptions {
        unsafe_fixes: args.unsafe_fixes,
        baseline,
    };
    let note = |path: &str, msg: &str| {
        eprintln!(
            "tlslint: {}: {}",
            crate::report::escape::terminal(path),
            msg
        );
    };
    for report in std::mem::take(&mut outcome.files) {
        // `--diff` shows only what `--fix` would write.
        if let Err(r) = crate::apply::check_rewritable(&report) {
            if report.findings.iter().any(|f| f.fix.is_some()) {
                note(&report.path, &r.message);
                failed |= r.is_error;
            }
            kept.push(report);
            continue;
        }
        let done = match crate::isolate::catch(|| {
            let _memory = crate::memory::arm(Some(crate::memory::PER_FILE));
            crate::apply::fix_in_memory(checker, &report, &opts)
        }) {
            Ok(Some(done)) => done,
            Ok(None) => {
                kept.push(report);
                continue;
            }
            Err(detail) => {
                note(&report.path, &crate::isolate::internal_error(&detail));
                kept.push(report);
                continue;
            }
        };
        if args.diff {
            let patch = crate::apply::unified_diff(&report.path, &report.text, &done.text);
            if let Err(e) = stdout.write_all(patch.as_bytes()) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return Ok(ExitStatus::Failure);
                }
                return Err(e).context("writing the diff");
            }
            fixed_findings += done.fixed;
            edits += done.edits;
            fixed_files += 1;
            kept.push(report);
            continue;
        }
        match crate::apply::write_fixed(&report, &done.text) {
            Ok(()) => {
                fixed_findings += done.fixed;
                edits += done.edits;
                fixed_files += 1;
                if let Some(r) = done.remaining {
                    kept.push(*r);
                }
            }
            Err(r) => {
                note(&report.path, &r.message);
                failed |= r.is_error;
                kept.push(report);
            }
        }
    }
    outcome.files = kept;
    let s = report::plural;
    let edits_note = if edits != fixed_findings {
        format!(" ({edits} {})", s(edits, "edit", "edits"))
    } else {
        String::new()
    };
    if args.diff {
        eprintln!(
            "tlslint: would fix {fixed_findings} {} in {fixed_files} {}{edits_note}",
            s(fixed_findings, "finding", "findings"),
            s(fixed_files, "file", "files")
        );
        return Ok(if fixed_files > 0 {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        });
    }
    eprintln!(
        "tlslint: fixed {fixed_findings} {} in {fixed_files} {}{edits_note}",
        s(fixed_findings, "finding", "findings"),
        s(fixed_files, "file", "files")
    );
    Ok(if failed {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

/// Writes the reports and works out the exit status.
fn report_and_status(
    args: &ScanArgs,
    fail_on: FailOn,
    outcome: &scan::Outcome,
    engine: &Engine,
    extra_reports: &[(ReportFormat, PathBuf)],
) -> Result<ExitStatus> {
    use crate::report::escape::terminal;
    for p in &outcome.problems {
        if p.path.is_empty() {
            eprintln!("tlslint: {}", terminal(&p.message));
        } else {
            eprintln!("tlslint: {}: {}", terminal(&p.path), terminal(&p.message));
        }
    }
    let mut unused = 0;
    for (path, note) in &outcome.suppression_notes {
        if note.unused {
            if !args.report_unused_suppressions {
                continue;
            }
            unused += 1;
        }
        eprintln!(
            "tlslint: {}:{}: {}",
            terminal(path),
            note.line,
            terminal(&note.message)
        );
    }

    for (format, path) in extra_reports {
        write_to_file(path, |w| {
            report::write_report(*format, outcome, engine, false, w)
        })?;
    }
    match &args.output {
        Some(path) => write_to_file(path, |w| {
            report::write_report(args.format, outcome, engine, false, w)
        })?,
        None => {
            let stdout = std::io::stdout();
            let color = use_color(args.color, stdout.is_terminal());
            let mut lock = std::io::BufWriter::new(stdout.lock());
            let res = report::write_report(args.format, outcome, engine, color, &mut lock)
                .and_then(|()| lock.flush());
            if let Err(e) = res {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e).context("writing the report");
                }
            }
        }
    }

    let findings: Vec<&crate::diagnostic::Finding> =
        outcome.files.iter().flat_map(|f| &f.findings).collect();
    if args.stats {
        let s = &outcome.stats;
        eprintln!(
            "tlslint: {} files ({} bytes) scanned, {} analyzed, {} binary and {} large skipped, {} unreadable, {} internal errors, in {} ms",
            s.files_scanned,
            s.bytes_scanned,
            s.files_analyzed,
            s.skipped_binary,
            s.skipped_large,
            s.errors,
            s.internal_errors,
            s.duration.as_millis()
        );
        for (path, why) in &s.skipped {
            eprintln!(
                "tlslint:   not analyzed completely: {}: {why}",
                crate::report::escape::terminal(path)
            );
        }
        for c in Category::ALL {
            let n = findings.iter().filter(|f| f.category == c).count();
            eprintln!("tlslint:   {c:<20} {n}");
        }
        eprintln!(
            "tlslint: {} suppressed inline ({} suppressions without a reason), {} hidden by the baseline, {} outside the diff",
            s.suppressed, s.without_reason, s.baselined, s.outside_diff
        );
    }

    if outcome.stats.files_scanned == 0 && outcome.stats.errors > 0 {
        return Ok(ExitStatus::Error);
    }
    let threshold = match fail_on {
        FailOn::Never => None,
        FailOn::Note => Some(Severity::Note),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Error => Some(Severity::Error),
    };
    let failing = threshold.is_some_and(|t| findings.iter().any(|f| f.severity >= t))
        || (unused > 0 && fail_on != FailOn::Never);
    Ok(if failing {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// `tlslint rules`.
pub fn rules(args: &RulesArgs) -> Result<ExitStatus> {
    let rules = RuleSet::builtin().context("loading the built-in rules")?;
    let mut out = std::io::stdout().lock();
    match args.format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = rules
                .rules
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "categories": r.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                        "severity": r.severity.as_str(),
                        "title": r.title,
                        "cwe": r.cwe,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        ListFormat::Markdown => {
            writeln!(out, "{}", crate::docs::rules_markdown(&rules))?;
        }
        ListFormat::Keywords => {
            let p = Prefilter::new(rules.rules.iter().flat_map(|r| r.keywords.iter()));
            for k in p.keywords() {
                writeln!(out, "{k}")?;
            }
        }
        ListFormat::Human => {
            let w = rules.rules.iter().map(|r| r.id.len()).max().unwrap_or(10);
            for r in &rules.rules {
                let cats: Vec<&str> = r.categories.iter().map(|c| c.as_str()).collect();
                writeln!(
                    out,
                    "{:<w$}  {:<7}  {:<40}  {}",
                    r.id,
                    r.severity.as_str(),
                    cats.join(","),
                    r.title
                )?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// `tlslint explain`.
pub fn explain(args: &ExplainArgs) -> Result<ExitStatus> {
    let rules = RuleSet::builtin().context("loading the built-in rules")?;
    let mut out = std::io::stdout().lock();
    if let (Some(value), Some(kind)) = (&args.value, &args.kind) {
        let Some(v) = parse_int(value) else {
            bail!("`{value}` is not a number (decimal or 0x hex)")
        };
        let (table_id, arr) = match kind.as_str() {
            "arr-ignore-flags" | "arr" => ("winhttp-security-flags", true),
            "schannel" => ("schannel-protocols", false),
            other => (other, false),
        };
        let Some(table) = rules.table(table_id) else {
            let mut names: Vec<&str> = rules.tables.iter().map(|t| t.id.as_str()).collect();
            names.push("arr-ignore-flags");
            names.sort_unstable();
            bail!("unknown kind `{kind}` (valid: {})", names.join(", "));
        };
        let d = table.decode(v);
        writeln!(out, "{} as {}: {}", Hex(v), kind, d.describe())?;
        for e in &d.parts {
            let cat = e
                .category
                .map_or("safe".to_string(), |c| c.as_str().to_string());
            writeln!(
                out,
                "  {:<10} {:<45} {}",
                Hex(e.value).to_string(),
                e.names[0],
                cat
            )?;
        }
        if d.unknown != 0 {
            writeln!(
                out,
                "  {:<10} {:<45} unknown",
                Hex(d.unknown).to_string(),
                "(no name)"
            )?;
        }
        let mut cats: Vec<Category> = d.categories.iter().copied().collect();
        if arr && !cats.contains(&Category::HostnameValidation) {
            cats.insert(0, Category::HostnameValidation);
            writeln!(
                out,
                "  note: ARR treats any written SecureConnectionIgnoreFlags value, even 0, as ignoring certificate name mismatches (KB 2693489)"
            )?;
        }
        cats.sort();
        let names: Vec<&str> = cats.iter().map(|c| c.as_str()).collect();
        writeln!(
            out,
            "categories: {}",
            if names.is_empty() {
                "none (safe)".to_string()
            } else {
                names.join(", ")
            }
        )?;
        return Ok(ExitStatus::Success);
    }
    let Some(id) = &args.rule else {
        bail!("name a rule, or give --value N --as KIND")
    };
    let Some(rule) = rules.get(id) else {
        bail!("unknown rule `{id}` (`tlslint rules` lists them)");
    };
    write!(out, "{}", crate::docs::rule_markdown(&rules, rule, 1))?;
    Ok(ExitStatus::Success)
}
