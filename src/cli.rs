//! Command-line arguments, with the spellings of ruff and ripgrep.

use crate::report::ReportFormat;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// tlslint: find settings that weaken TLS (certificate validation off, host-name checks
/// ignored, revocation off, legacy protocols on, HTTPS-to-HTTP redirects allowed).
#[derive(Debug, Parser)]
#[command(name = "tlslint", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and folders (default: the current folder).
    Scan(ScanArgs),
    /// List every rule: id, categories, severity, title.
    Rules(RulesArgs),
    /// Print a rule's documentation, or decode a flag value.
    Explain(ExplainArgs),
}

/// When to use colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The lowest severity that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warning,
    /// Any finding.
    Note,
    /// Never fail because of findings.
    Never,
}

/// `tlslint scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and folders to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Report format on stdout (or in --output).
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,

    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write a report in another format to a file, e.g. `--report sarif:results.sarif`
    /// (repeatable; the scan runs once).
    #[arg(long = "report", value_name = "FORMAT:FILE")]
    pub reports: Vec<String>,

    /// Only these rules or categories (comma separated).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub select: Vec<String>,

    /// Skip these rules or categories (comma separated).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub ignore: Vec<String>,

    /// Lowest severity that makes the exit status 1 (default: any finding).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,

    /// Configuration file (default: the nearest .tlslint.toml from the scanned path upward).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore .tlslint.toml files.
    #[arg(long)]
    pub no_config: bool,

    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Also scan files that .gitignore/.ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,

    /// Apply the configuration's `exclude`/`include` to files named on the command line too
    /// (for pre-commit and editors, which pass files one by one).
    #[arg(long)]
    pub force_exclude: bool,

    /// Stop analyzing a file after this many seconds, with a note (0: no limit).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub timeout: u64,

    /// Skip larger files with a note (K, M and G suffixes).
    #[arg(long, default_value = "16M", value_name = "SIZE", value_parser = parse_size)]
    pub max_filesize: u64,

    /// Hide the findings recorded in this baseline file (see --write-baseline).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Report only findings on lines added or changed since this git revision (pull-request
    /// mode): committed, staged and unstaged changes and untracked files all count.
    #[arg(long, value_name = "REV", conflicts_with_all = ["fix", "diff", "write_baseline"])]
    pub diff_base: Option<String>,

    /// Record today's findings in FILE as a baseline, and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff"])]
    pub write_baseline: Option<PathBuf>,

    /// Apply the safe fixes in place (each file keeps its encoding, BOM and line endings).
    #[arg(long)]
    pub fix: bool,

    /// Also apply fixes marked unsafe.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Print the fixes as a unified diff instead of writing them (implies --fix).
    #[arg(long, visible_alias = "dry-run")]
    pub diff: bool,

    /// Report suppression comments that suppress nothing (and fail the run on them).
    #[arg(long)]
    pub report_unused_suppressions: bool,

    /// Print files, bytes, time and findings per category on stderr.
    #[arg(long)]
    pub stats: bool,

    /// When to use colours (honours NO_COLOR).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `tlslint rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

/// Formats of `tlslint rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table.
    Human,
    /// JSON.
    Json,
    /// Markdown documentation of every rule (docs/rules.md).
    Markdown,
    /// The prefilter's keywords, one per line (what `rg -F -f` needs to compare).
    Keywords,
}

/// `tlslint explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id.
    #[arg(required_unless_present = "value")]
    pub rule: Option<String>,

    /// A flag value to decode (decimal or 0x hex).
    #[arg(long, requires = "kind", value_name = "N")]
    pub value: Option<String>,

    /// The table to decode with (arr-ignore-flags, winhttp-security-flags,
    /// bits-security-flags, secure-protocols, schannel, ...).
    #[arg(long = "as", value_name = "KIND")]
    pub kind: Option<String>,
}

/// Parses `16M`, `512K`, `1G` or a plain byte count.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1024),
        Some('M') => (&t[..t.len() - 1], 1024 * 1024),
        Some('G') => (&t[..t.len() - 1], 1024 * 1024 * 1024),
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .map(|n| n.saturating_mul(mult))
        .map_err(|_| format!("`{s}` is not a size (e.g. 16M)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("16M"), Ok(16 * 1024 * 1024));
        assert_eq!(parse_size("10"), Ok(10));
        assert!(parse_size("x").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
