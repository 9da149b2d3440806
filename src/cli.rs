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
    Scan(Box<ScanArgs>),
    /// List every rule: id, categories, severity, title.
    Rules(RulesArgs),
    /// Print a rule's documentation, or decode a flag value.
    Explain(ExplainArgs),
    /// Print a shell completion script (bash, elvish, fish, powershell, zsh).
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a folder.
    Manpage(ManpageArgs),
}

/// `tlslint completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `tlslint manpage`.
#[derive(Debug, Args)]
pub struct ManpageArgs {
    /// Write `tlslint.1` and one page per subcommand (`tlslint-scan.1`, ...) into DIR
    /// instead of printing `tlslint.1`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// When to use colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal (FORCE_COLOR or CLICOLOR_FORCE: always; NO_COLOR or
    /// TERM=dumb: never).
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
    /// Files and folders to scan; `-` reads standard input (see --stdin-filename).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// The file name of what `-` reads, for its format, the configuration's path rules
    /// and the report (default: `-`, read by content).
    #[arg(long, value_name = "PATH", help_heading = "File selection")]
    pub stdin_filename: Option<PathBuf>,

    /// Report format on stdout (or in --output).
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Human, help_heading = "Output")]
    pub format: ReportFormat,

    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,

    /// Also write a report in another format to a file, e.g. `--report sarif:results.sarif`
    /// (repeatable; the scan runs once).
    #[arg(long = "report", value_name = "FORMAT:FILE", help_heading = "Output")]
    pub reports: Vec<String>,

    /// Only these rules or categories (comma separated).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        help_heading = "Rule selection"
    )]
    pub select: Vec<String>,

    /// Skip these rules or categories (comma separated).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LIST",
        help_heading = "Rule selection"
    )]
    pub ignore: Vec<String>,

    /// Lowest severity that makes the exit status 1 (default: any finding).
    #[arg(long, value_enum, value_name = "LEVEL", help_heading = "Exit status")]
    pub fail_on: Option<FailOn>,

    /// Exit 0 even when there are findings (the same as `--fail-on never`; errors still
    /// exit 2).
    #[arg(short = 'e', long, help_heading = "Exit status")]
    pub exit_zero: bool,

    /// Configuration file (default: the nearest .tlslint.toml from the scanned path upward).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "no_config",
        help_heading = "Configuration"
    )]
    pub config: Option<PathBuf>,

    /// Ignore .tlslint.toml files.
    #[arg(long, help_heading = "Configuration")]
    pub no_config: bool,

    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_name = "N", help_heading = "Resources")]
    pub threads: Option<usize>,

    /// Also scan files that .gitignore/.ignore exclude.
    #[arg(long, help_heading = "File selection")]
    pub no_ignore: bool,

    /// Apply the configuration's `exclude`/`include` to files named on the command line too
    /// (for pre-commit and editors, which pass files one by one).
    #[arg(long, help_heading = "File selection")]
    pub force_exclude: bool,

    /// Stop analyzing a file after this many seconds, with a note (0: no limit).
    #[arg(
        long,
        default_value_t = 10,
        value_name = "SECONDS",
        help_heading = "Resources"
    )]
    pub timeout: u64,

    /// Skip larger files with a note (K, M and G suffixes).
    #[arg(long, default_value = "16M", value_name = "SIZE", value_parser = parse_size, help_heading = "File selection")]
    pub max_filesize: u64,

    /// Hide the findings recorded in this baseline file (see --write-baseline).
    #[arg(long, value_name = "FILE", help_heading = "Baseline and pull requests")]
    pub baseline: Option<PathBuf>,

    /// Report only findings on lines added or changed since the merge base of this git
    /// revision and HEAD (pull-request mode, as `git diff REV...`): committed, staged and
    /// unstaged changes and untracked files all count.
    #[arg(long, value_name = "REV", conflicts_with_all = ["fix", "diff", "write_baseline"], help_heading = "Baseline and pull requests")]
    pub diff_base: Option<String>,

    /// With --diff-base: compare with REV itself, not with its merge base with HEAD.
    #[arg(
        long,
        requires = "diff_base",
        help_heading = "Baseline and pull requests"
    )]
    pub diff_exact: bool,

    /// Record today's findings in FILE as a baseline, and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff"], help_heading = "Baseline and pull requests")]
    pub write_baseline: Option<PathBuf>,

    /// Apply the safe fixes in place (each file keeps its encoding, BOM and line endings).
    #[arg(long, help_heading = "Fixes")]
    pub fix: bool,

    /// Also apply fixes marked unsafe.
    #[arg(long, help_heading = "Fixes")]
    pub unsafe_fixes: bool,

    /// Print the fixes as a unified diff instead of writing them (implies --fix).
    #[arg(long, visible_alias = "dry-run", help_heading = "Fixes")]
    pub diff: bool,

    /// List the fixes, per file and rule, on stderr: those applied with --fix, else those
    /// --fix would apply.
    #[arg(long, help_heading = "Fixes")]
    pub show_fixes: bool,

    /// Do not honour other tools' suppression markers (`//nolint:gosec`, `#nosec`,
    /// `# noqa: S501`, `NOSONAR`, `nosemgrep`, `DevSkim: ignore`): report everything.
    #[arg(long, help_heading = "Rule selection")]
    pub no_foreign_markers: bool,

    /// Report suppression comments that suppress nothing, as `unused-suppression` findings.
    #[arg(long, help_heading = "Rule selection")]
    pub report_unused_suppressions: bool,

    /// Print a count of findings per rule (with how many --fix can fix) instead of the
    /// findings (`--format json` for JSON).
    #[arg(long, help_heading = "Output")]
    pub statistics: bool,

    /// Print files, bytes, time and findings per category on stderr.
    #[arg(long, help_heading = "Output")]
    pub stats: bool,

    /// Human output: show each finding's full fix advice (by default a rule's advice is
    /// shown once, on its first finding).
    #[arg(long, help_heading = "Output")]
    pub show_help: bool,

    /// Print the findings and errors only: no summary line, no notes on stderr.
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    /// When to use colours.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN", help_heading = "Output")]
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
