//! The subcommands: `scan`, `rules`, `explain`.

use crate::cli::{
    Cli, ColorChoice, CompletionsArgs, ExplainArgs, FailOn, ListFormat, ManpageArgs, RulesArgs,
    ScanArgs,
};
use crate::diagnostic::{Category, Severity};
use crate::engine::Engine;
use crate::prefilter::Prefilter;
use crate::report::escape::terminal;
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
        let hint = crate::suggest::hint(
            item,
            cats.iter()
                .copied()
                .chain(rules.rules.iter().map(|r| r.id.as_str())),
        );
        bail!(
            "unknown rule or category `{item}`{hint} (categories: {}; `tlslint rules` lists the rule ids)",
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

/// Whether to colour output to a terminal (`to_terminal`): `--color always|never` wins;
/// with `auto`, `FORCE_COLOR` (unless `0` or `false`) and `CLICOLOR_FORCE` force colours
/// (for CI logs), then `NO_COLOR`, `CLICOLOR=0` and `TERM=dumb` turn them off.
pub fn use_color(choice: ColorChoice, to_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let force = std::env::var("FORCE_COLOR")
                .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"));
            if force || anstyle_query::clicolor_force() {
                return true;
            }
            if anstyle_query::no_color() || anstyle_query::clicolor() == Some(false) {
                return false;
            }
            to_terminal && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
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

/// Whether the paths name standard input (`-`).
fn reads_stdin(args: &ScanArgs) -> bool {
    args.paths.iter().any(|p| p.as_os_str() == "-")
}

/// `tlslint scan`.
pub fn scan(args: &ScanArgs) -> Result<ExitStatus> {
    let stdin = reads_stdin(args);
    if stdin {
        if args.paths.len() > 1 {
            bail!("`-` (standard input) cannot be combined with other paths");
        }
        if args.diff_base.is_some() {
            bail!("--diff-base needs files in a git repository, not standard input");
        }
        if args.write_baseline.is_some() {
            bail!("--write-baseline needs files, not standard input");
        }
    } else if args.stdin_filename.is_some() {
        bail!("--stdin-filename names what `-` reads; pass `-` as the path");
    }
    if args.statistics && !matches!(args.format, ReportFormat::Human | ReportFormat::Json) {
        bail!("--statistics prints a human or JSON table (-f human or -f json)");
    }
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
    let mut mask = rule_mask(&rules, &select, &ignore)?;
    // Unused suppressions are reported on request: --report-unused-suppressions, or the
    // rule (or its category, `suppression`) named in --select.
    if let Some(i) = rules.index_of(scan::UNUSED_SUPPRESSION) {
        let named = |list: &[String]| {
            list.iter().any(|s| {
                let s = s.trim();
                s.eq_ignore_ascii_case(scan::UNUSED_SUPPRESSION)
                    || Category::parse(s) == Some(Category::Suppression)
            })
        };
        mask[i] = (args.report_unused_suppressions || named(&select)) && !named(&ignore);
    }
    let fail_on = if args.exit_zero {
        FailOn::Never
    } else {
        args.fail_on.unwrap_or(match config.fail_on {
            Some(crate::config::FailOnSetting::Error) => FailOn::Error,
            Some(crate::config::FailOnSetting::Warning) => FailOn::Warning,
            Some(crate::config::FailOnSetting::Never) => FailOn::Never,
            Some(crate::config::FailOnSetting::Note) | None => FailOn::Note,
        })
    };
    let mut extra_reports = Vec::new();
    for spec in &args.reports {
        extra_reports.push(parse_report_spec(spec)?);
    }
    // Read the diff before scanning: a bad revision is a usage error, not a late surprise.
    let mut changes = Vec::new();
    if let Some(rev) = &args.diff_base {
        let mut tops = std::collections::HashSet::new();
        let against = if args.diff_exact {
            crate::gitdiff::Against::Revision
        } else {
            crate::gitdiff::Against::MergeBase
        };
        for p in &args.paths {
            let c =
                crate::gitdiff::changes_since(p, rev, against).map_err(|e| anyhow::anyhow!(e))?;
            if tops.insert(c.top.clone()) {
                changes.push(c);
            }
        }
    }
    let keywords: Vec<String> = rules
        .rules
        .iter()
        .zip(&mask)
        .filter(|(_, on)| **on)
        .flat_map(|(r, _)| r.keywords.iter().cloned())
        .collect();
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
    let unused_on = rules
        .index_of(scan::UNUSED_SUPPRESSION)
        .is_some_and(|i| mask[i]);
    let mut engine = Engine::new(rules);
    engine.set_enabled(mask);
    engine.set_severities(by_rule, by_category);
    engine.set_per_file_ignores(config.per_file_ignores());
    engine.set_context_policy(
        config
            .context_policy()
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    engine.set_foreign_markers(!args.no_foreign_markers && config.foreign_markers != Some(false));
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let opts = ScanOptions {
        paths: args.paths.clone(),
        threads,
        no_ignore: args.no_ignore,
        max_filesize: args.max_filesize,
        unused_suppressions: unused_on,
        filter: config.path_filter().map(std::sync::Arc::new),
        force_exclude: args.force_exclude,
        time_limit: (args.timeout > 0).then(|| std::time::Duration::from_secs(args.timeout)),
        whole_texts: args.fix || args.diff,
    };
    let mut stdin_bytes = None;
    let mut outcome = if stdin {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::io::stdin().lock(), args.max_filesize.saturating_add(1)),
            &mut bytes,
        )
        .context("reading standard input")?;
        let outcome = scan::scan_stdin(
            &opts,
            &engine,
            &prefilter,
            &bytes,
            args.stdin_filename.as_deref(),
        );
        stdin_bytes = Some(bytes);
        outcome
    } else {
        crate::profile::pause();
        let outcome = scan::scan(&opts, &engine, &prefilter);
        crate::profile::resume(crate::profile::Stage::Report);
        outcome
    };

    if let Some(path) = &args.write_baseline {
        let b = crate::baseline::record(&outcome, &engine);
        let text = serde_json::to_string_pretty(&b)? + "\n";
        write_to_file(path, |w| w.write_all(text.as_bytes()))?;
        print_problems(args, &outcome);
        if !args.quiet {
            eprintln!(
                "tlslint: recorded {} findings in the baseline {}",
                b.findings.len(),
                path.display()
            );
        }
        return Ok(if outcome.stats.named_errors > 0 {
            ExitStatus::Error
        } else {
            ExitStatus::Success
        });
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
            unused_suppressions: unused_on,
            pool: None,
        };
        let (status, fixed) = fix(
            args,
            stdin_bytes.as_deref(),
            &checker,
            &mut outcome,
            baselined.as_ref(),
        )?;
        if args.show_fixes {
            show_fixes(&fixed, if args.diff { "Would fix" } else { "Fixed" });
        }
        if args.diff {
            print_problems(args, &outcome);
            return Ok(if outcome.stats.named_errors > 0 {
                ExitStatus::Error
            } else {
                status
            });
        }
        let after = report_and_status(args, fail_on, &outcome, &engine, &extra_reports, stdin)?;
        return Ok(if status == ExitStatus::Error {
            ExitStatus::Error
        } else {
            after
        });
    }
    let status = report_and_status(args, fail_on, &outcome, &engine, &extra_reports, false)?;
    if args.show_fixes {
        show_fixes(
            &fixable_by_file(&outcome, &engine, args.unsafe_fixes),
            "Would fix (with --fix)",
        );
    }
    Ok(status)
}

/// Fixes per file and rule: `(report path, rule id -> count)`.
type FixList = Vec<(String, std::collections::BTreeMap<String, usize>)>;

/// What `--fix` would fix in `outcome`, per file and rule.
fn fixable_by_file(outcome: &scan::Outcome, engine: &Engine, unsafe_fixes: bool) -> FixList {
    outcome
        .files
        .iter()
        .filter_map(|f| {
            let mut by_rule = std::collections::BTreeMap::new();
            for x in f
                .findings
                .iter()
                .filter(|x| report::statistics::fixable(x, unsafe_fixes))
            {
                *by_rule
                    .entry(engine.rules.rules[x.rule].id.clone())
                    .or_insert(0) += 1;
            }
            (!by_rule.is_empty()).then(|| (f.path.clone(), by_rule))
        })
        .collect()
}

/// `--show-fixes`: the fixes per file and rule, on stderr (as ruff lists them).
fn show_fixes(list: &FixList, what: &str) {
    let total: usize = list.iter().flat_map(|(_, m)| m.values()).sum();
    let s = report::plural;
    if total == 0 {
        eprintln!("{what}: nothing.");
        return;
    }
    eprintln!(
        "{what} {total} {} in {} {}:",
        s(total, "finding", "findings"),
        list.len(),
        s(list.len(), "file", "files")
    );
    for (path, by_rule) in list {
        eprintln!("- {path}:");
        for (rule, n) in by_rule {
            eprintln!("    {n} × {rule}");
        }
    }
}

/// The configuration: `--config FILE`, else the nearest `.tlslint.toml` above the first
/// scanned path (for standard input, above `--stdin-filename` or the current folder; none
/// with `--no-config`).
fn load_config(args: &ScanArgs, rules: &RuleSet) -> Result<crate::config::Config> {
    if args.no_config {
        return Ok(crate::config::Config::default());
    }
    let start = if reads_stdin(args) {
        Some(
            args.stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from(".")),
        )
    } else {
        args.paths.first().cloned()
    };
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => start.and_then(|p| crate::config::discover(&p)),
    };
    match path {
        Some(p) => Ok(crate::config::Config::load(&p, rules)?),
        None => Ok(crate::config::Config::default()),
    }
}

/// `--fix` / `--diff`: applies (or prints) the fixes; `outcome` is updated with what is
/// left in the fixed files. With `--diff`, the status is 1 when there is a patch. With
/// standard input, `--fix` prints the fixed text on stdout. Returns the status and what
/// was fixed, per file and rule. A file that is not rewritten by policy (a symbolic link,
/// lossy decoding, read-only, setuid, hard links, changed since the scan) keeps its
/// findings, which decide the status as after any scan; only an I/O error while writing
/// makes it 2.
fn fix(
    args: &ScanArgs,
    stdin: Option<&[u8]>,
    checker: &scan::Checker<'_>,
    outcome: &mut scan::Outcome,
    baseline: Option<&std::collections::HashSet<String>>,
) -> Result<(ExitStatus, FixList)> {
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
    let mut list: FixList = Vec::new();
    let count_rules = |findings: &[crate::diagnostic::Finding]| {
        let mut m = std::collections::BTreeMap::new();
        for f in findings {
            *m.entry(f.rule).or_insert(0usize) += 1;
        }
        m
    };
    let write_out = |out: &mut std::io::StdoutLock<'_>, bytes: &[u8]| -> Result<bool> {
        match out.write_all(bytes).and_then(|()| out.flush()) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(e).context("writing to stdout"),
        }
    };
    let mut stdin_text_written = false;
    for report in std::mem::take(&mut outcome.files) {
        // `--diff` shows only what `--fix` would write (standard input is never written).
        let refused = if stdin.is_some() {
            Ok(())
        } else {
            crate::apply::check_rewritable(&report).map(|_| ())
        };
        if let Err(r) = refused {
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
        let before = count_rules(&report.findings);
        let after = done
            .remaining
            .as_ref()
            .map(|r| count_rules(&r.findings))
            .unwrap_or_default();
        let by_rule: std::collections::BTreeMap<String, usize> = before
            .iter()
            .filter_map(|(rule, n)| {
                let gone = n.saturating_sub(after.get(rule).copied().unwrap_or(0));
                (gone > 0).then(|| (checker.engine.rules.rules[*rule].id.clone(), gone))
            })
            .collect();
        if !by_rule.is_empty() {
            list.push((report.path.clone(), by_rule));
        }
        if args.diff {
            let patch = crate::apply::unified_diff(&report.path, &report.text, &done.text);
            if !write_out(&mut stdout, patch.as_bytes())? {
                return Ok((ExitStatus::Failure, list));
            }
            fixed_findings += done.fixed;
            edits += done.edits;
            fixed_files += 1;
            kept.push(report);
            continue;
        }
        if stdin.is_some() {
            // Standard input cannot be written back: the fixed text goes to stdout, in the
            // encoding it came in.
            write_out(&mut stdout, &report.encoding.encode(&done.text))?;
            stdin_text_written = true;
            fixed_findings += done.fixed;
            fixed_files += 1;
            if let Some(r) = done.remaining {
                kept.push(*r);
            }
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
    if let Some(bytes) = stdin.filter(|_| !args.diff && !stdin_text_written) {
        // Nothing to fix: the text goes through unchanged.
        write_out(&mut stdout, bytes)?;
    }
    let s = report::plural;
    let edits_note = if edits != fixed_findings {
        format!(" ({edits} {})", s(edits, "edit", "edits"))
    } else {
        String::new()
    };
    if args.diff {
        if !args.quiet {
            eprintln!(
                "tlslint: would fix {fixed_findings} {} in {fixed_files} {}{edits_note}",
                s(fixed_findings, "finding", "findings"),
                s(fixed_files, "file", "files")
            );
        }
        return Ok((
            if fixed_files > 0 {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            },
            list,
        ));
    }
    if !args.quiet {
        eprintln!(
            "tlslint: fixed {fixed_findings} {} in {fixed_files} {}{edits_note}",
            s(fixed_findings, "finding", "findings"),
            s(fixed_files, "file", "files")
        );
    }
    Ok((
        if failed {
            ExitStatus::Error
        } else {
            ExitStatus::Success
        },
        list,
    ))
}

/// Problems on stderr: errors always, notes (skipped files, time limits) unless `--quiet`.
fn print_problems(args: &ScanArgs, outcome: &scan::Outcome) {
    for p in &outcome.problems {
        if args.quiet && !p.is_error {
            continue;
        }
        if p.path.is_empty() {
            eprintln!("tlslint: {}", terminal(&p.message));
        } else {
            eprintln!("tlslint: {}: {}", terminal(&p.path), terminal(&p.message));
        }
    }
}

/// Writes the reports and works out the exit status. `to_stderr`: the report goes to
/// stderr (stdout holds the fixed text of standard input).
fn report_and_status(
    args: &ScanArgs,
    fail_on: FailOn,
    outcome: &scan::Outcome,
    engine: &Engine,
    extra_reports: &[(ReportFormat, PathBuf)],
    to_stderr: bool,
) -> Result<ExitStatus> {
    print_problems(args, outcome);

    for (format, path) in extra_reports {
        write_to_file(path, |w| {
            report::write_report(*format, outcome, engine, false, w)
        })?;
    }
    let write_main = |w: &mut dyn Write, color: bool| -> std::io::Result<()> {
        if args.statistics {
            return match args.format {
                ReportFormat::Json => {
                    report::statistics::write_json(outcome, engine, args.unsafe_fixes, w)
                }
                _ => report::statistics::write_human(outcome, engine, args.unsafe_fixes, w),
            };
        }
        match args.format {
            ReportFormat::Human => report::human::write_with(
                outcome,
                engine,
                &report::human::Options {
                    color,
                    summary: !args.quiet,
                    show_help: args.show_help,
                },
                w,
            ),
            ReportFormat::Concise => report::concise::write_with(outcome, engine, !args.quiet, w),
            other => report::write_report(other, outcome, engine, color, w),
        }
    };
    match &args.output {
        Some(path) => write_to_file(path, |w| write_main(w, false))?,
        None if to_stderr => {
            let stderr = std::io::stderr();
            let color = use_color(args.color, stderr.is_terminal());
            let mut lock = stderr.lock();
            write_main(&mut lock, color).context("writing the report")?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = use_color(args.color, stdout.is_terminal());
            let mut lock = std::io::BufWriter::new(stdout.lock());
            let res = write_main(&mut lock, color).and_then(|()| lock.flush());
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
        let n = findings
            .iter()
            .filter(|f| f.category == Category::Suppression)
            .count();
        if n > 0 {
            eprintln!("tlslint:   {:<20} {n}", Category::Suppression);
        }
        eprintln!(
            "tlslint: {} suppressed inline ({} suppressions without a reason), {} suppressed by another tool's marker{}, {} hidden by the baseline, {} outside the diff",
            s.suppressed,
            s.without_reason,
            s.suppressed_foreign,
            if engine.foreign_markers() {
                ""
            } else {
                " (--no-foreign-markers)"
            },
            s.baselined,
            s.outside_diff
        );
    }

    // A path named on the command line that cannot be read is an error (as in rg):
    // a typo must not pass as "no findings".
    if outcome.stats.named_errors > 0
        || (outcome.stats.files_scanned == 0 && outcome.stats.errors > 0)
    {
        return Ok(ExitStatus::Error);
    }
    let threshold = match fail_on {
        FailOn::Never => None,
        FailOn::Note => Some(Severity::Note),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Error => Some(Severity::Error),
    };
    let failing = threshold.is_some_and(|t| findings.iter().any(|f| f.severity >= t));
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
            names.extend(["arr-ignore-flags", "arr", "schannel"]);
            names.sort_unstable();
            bail!(
                "unknown kind `{kind}`{} (valid: {})",
                crate::suggest::hint(kind, names.iter().copied()),
                names.join(", ")
            );
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
        bail!(
            "unknown rule `{id}`{} (`tlslint rules` lists them)",
            crate::suggest::hint(id, rules.rules.iter().map(|r| r.id.as_str()))
        );
    };
    write!(out, "{}", crate::docs::rule_markdown(&rules, rule, 1))?;
    Ok(ExitStatus::Success)
}

/// `tlslint completions SHELL`.
pub fn completions(args: &CompletionsArgs) -> Result<ExitStatus> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "tlslint", &mut out);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&out)?;
    stdout.flush()?;
    Ok(ExitStatus::Success)
}

/// `tlslint manpage [--dir DIR]`.
pub fn manpage(args: &ManpageArgs) -> Result<ExitStatus> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&out)?;
            stdout.flush()?;
        }
    }
    Ok(ExitStatus::Success)
}
