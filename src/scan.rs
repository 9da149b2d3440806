//! The scan pipeline: walk -> read -> prefilter -> decode -> classify -> analyze -> judge.
//!
//! Each file is handled on a worker thread and independently of all others. Only files
//! with findings are kept (with their text, for reports); everything else is counted and
//! dropped, so memory stays flat in the size of the tree. Findings are de-duplicated per
//! (path, line, category) and sorted, which makes reports byte-identical whatever the
//! thread count.

use crate::analyze;
use crate::decode::{self, Encoding, NotText};
use crate::diagnostic::{Category, Finding, Span};
use crate::engine::Engine;
use crate::facts::Fact;
use crate::format::{self, FileFormat};
use crate::prefilter::Prefilter;
use crate::source::LineIndex;
use crate::suppress;
use crate::walk::{self, Haystack, WalkOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The rule reporting suppressions that name an unknown rule or category.
pub const UNKNOWN_SUPPRESSION: &str = "unknown-suppression";
/// The rule reporting suppressions that suppress nothing.
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files and folders.
    pub paths: Vec<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Also scan files that `.gitignore`/`.ignore` exclude.
    pub no_ignore: bool,
    /// Larger files are skipped with a note.
    pub max_filesize: u64,
    /// Look for suppressions in files without findings too (to report unused ones).
    pub unused_suppressions: bool,
    /// The configuration's `exclude`/`include`.
    pub filter: Option<std::sync::Arc<crate::config::PathFilter>>,
    /// Apply `filter` to files named on the command line too.
    pub force_exclude: bool,
    /// Per-file analysis time limit.
    pub time_limit: Option<std::time::Duration>,
    /// Reports keep their files' whole texts (`--fix`, `--diff`); otherwise only the lines
    /// a report shows ([`FileReport::keep_reported_lines`]).
    pub whole_texts: bool,
}

/// A file with findings, ready for reporting.
#[derive(Debug)]
pub struct FileReport {
    /// Report path (relative to the scanned root, forward slashes).
    pub path: String,
    /// Where the file lives (product, test, ...).
    pub context: crate::context::Context,
    /// Path on disk.
    pub fs_path: PathBuf,
    /// Decoded text.
    pub text: String,
    /// Line index of `text`.
    pub index: LineIndex,
    /// Format the file was read as.
    pub format: FileFormat,
    /// Encoding on disk.
    pub encoding: Encoding,
    /// The bytes did not decode exactly (invalid UTF-8 replaced): never rewritten.
    pub lossy: bool,
    /// FNV-1a of the bytes read, to tell whether the file changed before a fix is written.
    pub digest: u64,
    /// Findings suppressed by inline comments.
    pub suppressed: usize,
    /// Findings suppressed by another tool's marker (`//nolint:gosec`, `# nosec`, ...).
    pub suppressed_foreign: usize,
    /// Suppressions used without a reason.
    pub without_reason: usize,
    /// Notes on suppressions (unknown selectors, unused ones).
    pub suppression_notes: Vec<crate::suppress::Note>,
    /// Findings, sorted and de-duplicated.
    pub findings: Vec<Finding>,
    /// Fixes of findings that de-duplication merged into a reported one, by (0-based line,
    /// category): `--fix` applies them with the reported finding's fix, so that 25
    /// occurrences on one line are fixed in one run.
    pub merged_fixes: MergedFixes,
}

impl FileReport {
    /// Keeps only the lines a report shows: those of the findings, where their values
    /// land, the steps between, and what their fixes edit. The other lines are emptied
    /// (their line ends stay, so line numbers do not change) and every span moves with
    /// its line, so positions, snippets and fingerprints are those of the whole text.
    /// A repository's findings would otherwise hold whole files (megabytes of generated
    /// YAML) while the rest is analyzed; this is what ripgrep keeps of a match.
    pub fn keep_reported_lines(&mut self) {
        let mut keep = vec![false; self.index.line_count() + 1];
        let text = &self.text;
        let mut mark = |span: &mut Span, edit: bool| {
            let (mut start, mut end) = (span.start, span.end.max(span.start));
            if edit {
                // A fix is shown as the lines it changes, split at `\n` only
                // ([`crate::fixes::line_diff`]): a lone CR does not end them.
                let at = |o: usize| crate::source::floor_char_boundary(text, o.min(text.len()));
                start = text[..at(start)].rfind('\n').map_or(0, |i| i + 1);
                end = text[at(end)..]
                    .find('\n')
                    .map_or(text.len(), |i| at(end) + i);
            }
            let first = self.index.line_of(start);
            let last = self.index.line_of(end);
            for k in keep.iter_mut().take(last + 1).skip(first) {
                *k = true;
            }
        };
        for_each_span(&mut self.findings, &mut self.merged_fixes, &mut mark);
        let mut kept = String::new();
        for (line, &k) in keep.iter().enumerate().take(self.index.line_count()) {
            let (start, next) = self.index.line_range_with_end(line);
            let from = if k {
                start
            } else {
                self.index.line_range(text, line).1
            };
            kept.push_str(text.get(from..next).unwrap_or(""));
        }
        let index = LineIndex::new(&kept);
        if index.line_count() != self.index.line_count() {
            return;
        }
        // A line's new start and end are those of the same line in `kept`.
        let old = &self.index;
        let map = |o: usize| {
            let line = old.line_of(o);
            let (start, next) = index.line_range_with_end(line);
            start
                .saturating_add(o.saturating_sub(old.line_start(line)))
                .min(next)
        };
        for_each_span(&mut self.findings, &mut self.merged_fixes, &mut |s, _| {
            *s = Span::new(map(s.start), map(s.end));
        });
        self.text = kept;
        self.index = index;
    }
}

/// Calls `f` on every span of a file's findings: the finding's, its sink's, its path's
/// and its fix's edits (`true`), and the edits of the fixes merged into it.
fn for_each_span(
    findings: &mut [Finding],
    merged: &mut MergedFixes,
    f: &mut dyn FnMut(&mut Span, bool),
) {
    let fixes = findings
        .iter_mut()
        .flat_map(|finding| {
            f(&mut finding.span, false);
            if let Some(sink) = &mut finding.sink {
                f(&mut sink.span, false);
            }
            for step in &mut finding.path {
                f(&mut step.span, false);
            }
            finding.fix.as_mut()
        })
        .collect::<Vec<_>>();
    for fix in fixes.into_iter().chain(merged.values_mut().flatten()) {
        for e in &mut fix.edits {
            f(&mut e.span, true);
        }
    }
}

/// A problem with one path (unreadable, skipped); printed as `tlslint: PATH: message`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The path.
    pub path: String,
    /// What happened.
    pub message: String,
    /// An error (counts towards exit status 2 when nothing was scanned) or a note.
    pub is_error: bool,
}

/// Counters for `--stats` and the JSON report.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Files read (or named and considered).
    pub files_scanned: u64,
    /// Bytes read.
    pub bytes_scanned: u64,
    /// Files that passed the prefilter and were analyzed.
    pub files_analyzed: u64,
    /// Binary files skipped.
    pub skipped_binary: u64,
    /// Files over `--max-filesize` skipped.
    pub skipped_large: u64,
    /// Files that could not be read.
    pub errors: u64,
    /// Files whose analysis failed with an internal error (a bug; reported per file).
    pub internal_errors: u64,
    /// Files that held a rule keyword but were not analyzed (or not completely), with the
    /// reason: `--stats` names them.
    pub skipped: Vec<(String, String)>,
    /// Paths named on the command line that could not be read (exit status 2).
    pub named_errors: u64,
    /// Findings suppressed by inline comments.
    pub suppressed: u64,
    /// Findings suppressed by another tool's marker (`//nolint:gosec`, `# nosec`, ...).
    pub suppressed_foreign: u64,
    /// Suppressions used without a reason.
    pub without_reason: u64,
    /// Findings hidden by the baseline.
    pub baselined: u64,
    /// Findings on lines that did not change since `--diff-base`.
    pub outside_diff: u64,
    /// Wall time.
    pub duration: Duration,
}

/// The result of a scan.
#[derive(Debug)]
pub struct Outcome {
    /// Files with findings, sorted by path.
    pub files: Vec<FileReport>,
    /// Counters.
    pub stats: Stats,
    /// Problems, sorted by path.
    pub problems: Vec<Problem>,
    /// Notes on suppressions, by path.
    pub suppression_notes: Vec<(String, suppress::Note)>,
}

/// The per-file work shared by the scanner and the test harness.
pub struct Checker<'a> {
    /// The rules.
    pub engine: &'a Engine,
    /// The keyword prefilter (`None` analyzes every file).
    pub prefilter: Option<&'a Prefilter>,
    /// Report suppressions that suppress nothing (as `unused-suppression` findings, when
    /// that rule is enabled).
    pub unused_suppressions: bool,
    /// Analysis memory shared by the threads: a file whose analysis is estimated to cost
    /// more than [`crate::memory::SMALL`] waits for its share after the prefilter passed
    /// it (files the prefilter rejects never wait).
    pub pool: Option<&'a crate::memory::Pool>,
}

/// What checking one file's bytes gave.
pub enum Checked {
    /// Nothing to report.
    Clean {
        /// The file passed the prefilter and was analyzed.
        analyzed: bool,
    },
    /// Binary content in a walked file.
    Binary,
    /// Findings.
    Findings(Box<FileReport>),
}

impl Checker<'_> {
    /// Checks one file's bytes. `path` is used to classify the format.
    pub fn check(&self, path: &Path, display: &str, bytes: &[u8], explicit: bool) -> Checked {
        let by_name = format::by_name(path);
        if by_name == Some(FileFormat::Documentation) {
            return Checked::Clean { analyzed: false };
        }
        // A binary policy file is read by its own parser (it is small; no prefilter).
        if by_name == Some(FileFormat::RegistryPol) {
            return self.check_pol(path, display, bytes);
        }
        let Some(second) = self.passes_prefilter(by_name, bytes) else {
            return Checked::Clean { analyzed: false };
        };
        let _p = crate::profile::enter(crate::profile::Stage::Decode);
        // A file whose name says it is a script or configuration (`.cmd`, `.ps1`, `.reg`,
        // `.yml`, a Dockerfile) is read as text whatever bytes it holds: a few NULs must not
        // hide it (binary data under such a name yields nothing anyway). Other files that
        // look binary are skipped, and `--stats` names those that held a keyword.
        let src = match decode::decode(bytes, explicit || by_name.is_some()) {
            Ok(s) => s,
            Err(NotText::Binary) => return Checked::Binary,
        };
        crate::profile::count(crate::profile::Count::Decoded, 1);
        crate::profile::count(crate::profile::Count::DecodedBytes, bytes.len() as u64);
        let digest = digest(bytes);
        drop(_p);
        self.check_text(path, display, src, digest, second)
    }

    /// [`Checker::check`] for bytes the caller gives away: valid UTF-8 becomes the text
    /// without a copy.
    pub fn check_owned(
        &self,
        path: &Path,
        display: &str,
        bytes: Vec<u8>,
        explicit: bool,
    ) -> Checked {
        let by_name = format::by_name(path);
        if by_name == Some(FileFormat::Documentation) {
            return Checked::Clean { analyzed: false };
        }
        let Some(second) = self.passes_prefilter(by_name, &bytes) else {
            return Checked::Clean { analyzed: false };
        };
        let _p = crate::profile::enter(crate::profile::Stage::Decode);
        let digest = digest(&bytes);
        let len = bytes.len() as u64;
        let src = match decode::decode_owned(bytes, explicit || by_name.is_some()) {
            Ok(s) => s,
            Err(NotText::Binary) => return Checked::Binary,
        };
        crate::profile::count(crate::profile::Count::Decoded, 1);
        crate::profile::count(crate::profile::Count::DecodedBytes, len);
        drop(_p);
        self.check_text(path, display, src, digest, second)
    }

    /// Whether a file's bytes may hold something a rule matches; `Some(true)` when the
    /// second stage already passed too.
    ///
    /// A file named as code (or JSON/Bicep) in an 8-bit encoding goes straight to the
    /// second stage, its language's keywords: they are all its analyzer can report,
    /// so the first stage, decoding and classification are skipped for the many code
    /// files that only mention `verify` or `openssl` (the name decides the format of
    /// these files; see [`format::classify`]).
    fn passes_prefilter(&self, by_name: Option<FileFormat>, bytes: &[u8]) -> Option<bool> {
        let Some(prefilter) = self.prefilter else {
            return Some(false);
        };
        if let Some(domain) = by_name.and_then(second_stage_domain) {
            if crate::prefilter::is_eight_bit(bytes) {
                let _p = crate::profile::enter(crate::profile::Stage::Prefilter2);
                crate::profile::count(crate::profile::Count::Searched, 1);
                crate::profile::count(crate::profile::Count::SearchedBytes, bytes.len() as u64);
                return self.engine.code_may_match(domain, bytes).then_some(true);
            }
        }
        self.first_stage(prefilter, by_name, bytes).then_some(false)
    }

    fn first_stage(
        &self,
        prefilter: &Prefilter,
        by_name: Option<FileFormat>,
        bytes: &[u8],
    ) -> bool {
        // Small dotfiles are read whole: their settings are written without the words the
        // prefilter looks for (`.curlrc` says `insecure`, not `curl --insecure`).
        let dotfile = matches!(
            by_name,
            Some(
                FileFormat::Curlrc
                    | FileFormat::Wgetrc
                    | FileFormat::Npmrc
                    | FileFormat::PipConf
                    | FileFormat::GitConfig
            )
        );
        let _p = crate::profile::enter(crate::profile::Stage::Prefilter);
        crate::profile::count(crate::profile::Count::Searched, 1);
        crate::profile::count(crate::profile::Count::SearchedBytes, bytes.len() as u64);
        let pass = dotfile || prefilter.is_match(bytes);
        if pass {
            crate::profile::count(crate::profile::Count::Passed, 1);
        }
        pass
    }

    /// Checks text already decoded (`--fix` re-checks its edits in the file's known
    /// encoding: sniffing the re-encoded bytes again could read them differently).
    pub fn check_decoded(
        &self,
        path: &Path,
        display: &str,
        src: decode::SourceText,
        digest: u64,
    ) -> Checked {
        self.check_text(path, display, src, digest, false)
    }

    /// [`Checker::check_decoded`]; `second_done` when the second stage of the
    /// prefilter already passed on the bytes.
    fn check_text(
        &self,
        path: &Path,
        display: &str,
        src: decode::SourceText,
        digest: u64,
        second_done: bool,
    ) -> Checked {
        let classify = crate::profile::enter(crate::profile::Stage::Classify);
        let head_end = crate::source::floor_char_boundary(&src.text, 4096);
        let Some(fmt) = format::classify(path, &src.text[..head_end]) else {
            return Checked::Clean { analyzed: false };
        };
        if fmt == FileFormat::Documentation {
            return Checked::Clean { analyzed: false };
        }
        let ext_lower = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if self.prefilter.is_some() && !second_done {
            if let Some(d) = second_stage_domain(fmt) {
                let _p = crate::profile::enter(crate::profile::Stage::Prefilter2);
                if !self.engine.code_may_match(d, src.text.as_bytes()) {
                    return Checked::Clean { analyzed: false };
                }
            }
        }
        let mut facts: Vec<Fact> = Vec::new();
        let context =
            self.engine
                .context_policy()
                .classifier
                .classify(display, path, &src.text[..head_end]);
        let mut ctx = self.engine.ctx();
        ctx.ext = &ext_lower;
        ctx.in_test = context == crate::context::Context::Test;
        ctx.in_generated = context == crate::context::Context::Generated;
        let keywords = self.prefilter.map_or(&[][..], |p| p.keywords());
        drop(classify);
        crate::profile::count(crate::profile::Count::Analyzed, 1);
        crate::profile::count(crate::profile::Count::AnalyzedBytes, src.text.len() as u64);
        let cost = crate::memory::charge(Some(fmt), src.text.len());
        let _permit = self
            .pool
            .filter(|_| cost > crate::memory::SMALL)
            .map(|p| p.acquire(cost));
        let analyze = crate::profile::enter(crate::profile::Stage::Analyze);
        crate::memory::analyze_within(
            fmt,
            &src.text,
            &ctx,
            keywords,
            crate::memory::armed(),
            &mut facts,
        );
        drop(analyze);
        if let Some(offset) = crate::memory::partial_at() {
            let line = LineIndex::new(&src.text).line_of(offset.min(src.text.len()));
            crate::memory::set_partial_line(line + 1);
        }
        let _p = crate::profile::enter(crate::profile::Stage::Judge);
        self.judge_facts(path, display, src, fmt, &facts, digest, context)
    }

    /// A Group Policy `Registry.pol`: judged through its text view (one line per record,
    /// see [`analyze::pol`]); findings carry no fix, as the view is not the file.
    fn check_pol(&self, path: &Path, display: &str, bytes: &[u8]) -> Checked {
        if !analyze::pol::is_preg(bytes) {
            return Checked::Clean { analyzed: false };
        }
        let mut facts = Vec::new();
        let view = analyze::pol::analyze(bytes, analyze::pol::hive_for(path), &mut facts);
        let src = decode::SourceText {
            text: view,
            encoding: Encoding::Utf16Le { bom: false },
            lossy: true,
        };
        let context = self
            .engine
            .context_policy()
            .classifier
            .classify(display, path, "");
        let checked = self.judge_facts(
            path,
            display,
            src,
            FileFormat::RegistryPol,
            &facts,
            digest(bytes),
            context,
        );
        match checked {
            Checked::Findings(mut r) => {
                for f in &mut r.findings {
                    f.fix = None;
                }
                Checked::Findings(r)
            }
            other => other,
        }
    }

    /// Judges the facts of one file and builds its report.
    #[allow(clippy::too_many_arguments)]
    fn judge_facts(
        &self,
        path: &Path,
        display: &str,
        src: decode::SourceText,
        fmt: FileFormat,
        facts: &[Fact],
        digest: u64,
        context: crate::context::Context,
    ) -> Checked {
        let mut findings = Vec::new();
        let src_ref = crate::fixes::Source {
            text: &src.text,
            format: fmt,
        };
        // Built here when findings were cut, else below once there is something to report.
        let mut index = None;
        if let Some(cut) = self.engine.judge(facts, src_ref, &mut findings) {
            // Whole lines: the note says from which line on nothing is reported.
            let ix = LineIndex::new(&src.text);
            let line = ix.line_of(cut.min(src.text.len()));
            let from = ix.line_start(line);
            findings.retain(|f| f.span.start < from);
            crate::memory::set_findings_cut_line(line + 1);
            index = Some(ix);
        }
        self.engine.drop_per_file_ignored(path, &mut findings);
        let policy = self.engine.context_policy();
        for f in &mut findings {
            f.severity = policy.cap(context, f.severity);
            // Outside product code the setting is often deliberate (a test against a
            // self-signed server, the documentation of the option, a vendored copy, an
            // expected output): its fix is shown, and applied only with --unsafe-fixes.
            if context != crate::context::Context::Product {
                if let Some(fix) = &mut f.fix {
                    if fix.applicability == crate::diagnostic::Applicability::Safe {
                        fix.applicability = crate::diagnostic::Applicability::Unsafe;
                    }
                }
            }
        }
        let has_marker = src.text.contains(suppress::MARKER);
        let meta = |id: &str| {
            self.engine
                .rules
                .index_of(id)
                .filter(|&i| self.engine.is_enabled(i))
        };
        let (unknown_rule, unused_rule) = if has_marker {
            (
                meta(UNKNOWN_SUPPRESSION),
                meta(UNUSED_SUPPRESSION).filter(|_| self.unused_suppressions),
            )
        } else {
            (None, None)
        };
        if findings.is_empty() && unknown_rule.is_none() && unused_rule.is_none() {
            return Checked::Clean { analyzed: true };
        }
        let index = index.unwrap_or_else(|| LineIndex::new(&src.text));
        let (findings, merged_fixes) =
            finalize_with_merged(findings, &index, &self.engine.rules.rules);
        let sups = suppress::parse(&src.text, &index, fmt);
        let applied = suppress::apply(
            findings,
            &sups,
            &index,
            &src.text,
            &self.engine.rules.rules,
            &|i| self.engine.is_enabled(i),
        );
        let mut findings = applied.kept;
        let suppressed_foreign = if self.engine.foreign_markers() {
            crate::foreign::apply(
                &self.engine.rules.foreign,
                fmt,
                &src.text,
                &index,
                &mut findings,
            )
        } else {
            0
        };
        // Unknown and unused suppressions are findings of their own rules.
        let mut notes = Vec::new();
        let before = findings.len();
        for note in applied.notes {
            let rule = if note.unused {
                unused_rule
            } else {
                unknown_rule
            };
            match rule {
                Some(ri) => findings.push(Finding {
                    rule: ri,
                    category: Category::Suppression,
                    severity: self.engine.severity_of(ri, Category::Suppression),
                    span: note.span,
                    message: note.message,
                    notes: Vec::new(),
                    fix: None,
                    opt_in: None,
                    sink: None,
                    path: Vec::new(),
                }),
                None => notes.push(note),
            }
        }
        if findings.len() > before {
            findings = finalize(findings, &index, &self.engine.rules.rules);
        }
        Checked::Findings(Box::new(FileReport {
            path: display.to_string(),
            context,
            fs_path: path.to_path_buf(),
            text: src.text,
            index,
            format: fmt,
            encoding: src.encoding,
            lossy: src.lossy,
            digest,
            suppressed: applied.suppressed,
            suppressed_foreign,
            without_reason: applied.without_reason,
            suppression_notes: notes,
            findings,
            merged_fixes,
        }))
    }
}

/// FNV-1a, 64 bits, of a file's bytes.
pub fn digest(bytes: &[u8]) -> u64 {
    // FNV-style over 8-byte words (a byte at a time cost 7% of a scan): `--fix` only
    // compares it with the file it is about to rewrite.
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(a))
            .wrapping_mul(PRIME)
            .rotate_left(31);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    h
}

/// Fixes of merged duplicates, by (0-based line, category).
pub type MergedFixes =
    std::collections::HashMap<(usize, crate::diagnostic::Category), Vec<crate::diagnostic::Fix>>;

/// [`finalize`], also returning the fixes of the findings it merged away.
pub fn finalize_with_merged(
    findings: Vec<Finding>,
    index: &LineIndex,
    rules: &[crate::rules::Rule],
) -> (Vec<Finding>, MergedFixes) {
    let mut merged = MergedFixes::new();
    let kept = finalize_inner(findings, index, rules, &mut merged);
    (kept, merged)
}

/// Sorts findings by position and category and keeps one per (line, category).
pub fn finalize(
    findings: Vec<Finding>,
    index: &LineIndex,
    rules: &[crate::rules::Rule],
) -> Vec<Finding> {
    finalize_inner(findings, index, rules, &mut MergedFixes::new())
}

fn finalize_inner(
    mut findings: Vec<Finding>,
    index: &LineIndex,
    rules: &[crate::rules::Rule],
    merged: &mut MergedFixes,
) -> Vec<Finding> {
    // Per (line, category), the bypass wins over an opt-in note, then the higher severity,
    // then the first position.
    findings.sort_by(|a, b| {
        (
            index.line_of(a.span.start),
            a.category,
            a.opt_in.is_some(),
            std::cmp::Reverse(a.severity),
            a.span.start,
            &rules[a.rule].id,
            a.span.end,
        )
            .cmp(&(
                index.line_of(b.span.start),
                b.category,
                b.opt_in.is_some(),
                std::cmp::Reverse(b.severity),
                b.span.start,
                &rules[b.rule].id,
                b.span.end,
            ))
    });
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    for f in findings {
        let key = (index.line_of(f.span.start), f.category);
        if seen.insert(key) {
            out.push(f);
        } else if let Some(fix) = f.fix {
            merged.entry(key).or_default().push(fix);
        }
    }
    out.sort_by(|a, b| {
        (index.line_of(a.span.start), a.span.start, a.category).cmp(&(
            index.line_of(b.span.start),
            b.span.start,
            b.category,
        ))
    });
    out
}

/// The second-stage keyword set of a file of `format`: its code language's, or the
/// data domain's (JSON, Bicep), whose every member is a setting.
fn second_stage_domain(format: FileFormat) -> Option<&'static str> {
    match format {
        FileFormat::Json => Some("json"),
        FileFormat::Bicep => Some("bicep"),
        // The dialect (C or C++, JS or TS, told by the extension) shares its domain.
        _ => crate::analyze::code::tree_lang(format, "").map(crate::analyze::code::sinks::domain),
    }
}

/// Scans the paths in `opts`.
pub fn scan(opts: &ScanOptions, engine: &Engine, prefilter: &Prefilter) -> Outcome {
    let started = Instant::now();
    let pool = crate::memory::Pool::new(crate::memory::POOL);
    let checker = Checker {
        engine,
        prefilter: Some(prefilter),
        unused_suppressions: opts.unused_suppressions,
        pool: Some(&pool),
    };
    let files = Mutex::new(Vec::new());
    let problems = Mutex::new(Vec::new());
    let notes = Mutex::new(Vec::new());
    let counters = Counters::default();
    let skipped = Mutex::new(Vec::new());
    let skip = |path: String, why: String| {
        if let Ok(mut s) = skipped.lock() {
            s.push((path, why));
        }
    };
    let push_problem = |path: String, message: String, is_error: bool| {
        if let Ok(mut p) = problems.lock() {
            p.push(Problem {
                path,
                message,
                is_error,
            });
        }
    };
    let visit_bytes = |h: &Haystack, buf: &mut Vec<u8>| {
        buf.clear();
        let read = crate::profile::enter(crate::profile::Stage::Read);
        let read_result = read_limited(&h.path, opts.max_filesize, buf);
        drop(read);
        match read_result {
            Ok(None) => {}
            Ok(Some(size)) => {
                counters.skipped_large.fetch_add(1, Ordering::Relaxed);
                push_problem(h.display.clone(), too_large(size, opts.max_filesize), false);
                return;
            }
            Err(e) => {
                counters.errors.fetch_add(1, Ordering::Relaxed);
                push_problem(h.display.clone(), e.to_string(), true);
                return;
            }
        };
        counters.files.fetch_add(1, Ordering::Relaxed);
        counters
            .bytes
            .fetch_add(buf.len() as u64, Ordering::Relaxed);
        let budget = crate::budget::start(opts.time_limit);
        let _memory = crate::memory::arm(Some(crate::memory::PER_FILE));
        // A big file's buffer becomes its text (no second copy when it is UTF-8).
        let owned = (buf.len() > KEEP_BUFFER).then(|| std::mem::take(buf));
        let checked = match crate::isolate::catch(|| {
            let mut checked = match owned {
                Some(bytes) => checker.check_owned(&h.path, &h.display, bytes, h.explicit),
                None => checker.check(&h.path, &h.display, buf, h.explicit),
            };
            if let Checked::Findings(report) = &mut checked
                && !opts.whole_texts
            {
                report.keep_reported_lines();
            }
            checked
        }) {
            Ok(c) => c,
            Err(detail) => {
                drop(budget);
                counters.internal.fetch_add(1, Ordering::Relaxed);
                skip(h.display.clone(), "internal error".to_string());
                push_problem(
                    h.display.clone(),
                    crate::isolate::internal_error(&detail),
                    false,
                );
                return;
            }
        };
        if crate::memory::was_windowed() {
            skip(
                h.display.clone(),
                "memory budget: analyzed in windows".to_string(),
            );
            push_problem(
                h.display.clone(),
                format!(
                    "analyzed in windows around its keywords: the whole file would need more than the per-file memory budget ({} MiB); findings that depend on distant lines may be missed",
                    crate::memory::PER_FILE >> 20
                ),
                false,
            );
        }
        for (reason, note) in partial_notes() {
            skip(h.display.clone(), reason.to_string());
            push_problem(h.display.clone(), note, false);
        }
        if crate::budget::was_exceeded() {
            skip(h.display.clone(), "time limit".to_string());
            push_problem(
                h.display.clone(),
                format!(
                    "analysis stopped after the per-file time limit ({} s, --timeout); findings in this file may be incomplete",
                    opts.time_limit.map_or(0, |d| d.as_secs())
                ),
                false,
            );
        }
        drop(budget);
        match checked {
            Checked::Clean { analyzed } => {
                if analyzed {
                    counters.analyzed.fetch_add(1, Ordering::Relaxed);
                }
            }
            Checked::Binary => {
                // It held a rule keyword (the prefilter ran first): name it in --stats.
                counters.binary.fetch_add(1, Ordering::Relaxed);
                skip(
                    h.display.clone(),
                    "looks binary (name it on the command line to scan it)".to_string(),
                );
            }
            Checked::Findings(mut report) => {
                counters.analyzed.fetch_add(1, Ordering::Relaxed);
                counters
                    .suppressed
                    .fetch_add(report.suppressed as u64, Ordering::Relaxed);
                counters
                    .suppressed_foreign
                    .fetch_add(report.suppressed_foreign as u64, Ordering::Relaxed);
                counters
                    .without_reason
                    .fetch_add(report.without_reason as u64, Ordering::Relaxed);
                if !report.suppression_notes.is_empty() {
                    if let Ok(mut n) = notes.lock() {
                        for note in std::mem::take(&mut report.suppression_notes) {
                            n.push((report.path.clone(), note));
                        }
                    }
                }
                if !report.findings.is_empty() {
                    if let Ok(mut f) = files.lock() {
                        f.push(*report);
                    }
                }
            }
        }
    };
    let visit = |h: Haystack| {
        if let Some(len) = h.len.filter(|&l| l > opts.max_filesize) {
            counters.skipped_large.fetch_add(1, Ordering::Relaxed);
            push_problem(
                h.display.clone(),
                too_large(Some(len), opts.max_filesize),
                false,
            );
            return;
        }
        READ_BUFFER.with(|cell| {
            let mut buf = cell.borrow_mut();
            crate::profile::enter_stage(crate::profile::Stage::Walk);
            visit_bytes(&h, &mut buf);
            crate::profile::flush();
            // Keep the buffer for the next file unless a big one made it big.
            if buf.capacity() > KEEP_BUFFER {
                *buf = Vec::new();
            }
        });
    };
    let error = |path: String, message: String, named: bool| {
        counters.errors.fetch_add(1, Ordering::Relaxed);
        if named {
            counters.named_errors.fetch_add(1, Ordering::Relaxed);
        }
        push_problem(path, message, true);
    };
    walk::walk(
        &opts.paths,
        &WalkOptions {
            threads: opts.threads,
            no_ignore: opts.no_ignore,
            filter: opts.filter.clone(),
            force_exclude: opts.force_exclude,
        },
        visit,
        error,
    );
    let mut files = files.into_inner().unwrap_or_default();
    files.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.fs_path.cmp(&b.fs_path)));
    let mut problems = problems.into_inner().unwrap_or_default();
    problems.sort();
    let mut suppression_notes: Vec<(String, suppress::Note)> =
        notes.into_inner().unwrap_or_default();
    suppression_notes.sort();
    let stats = Stats {
        files_scanned: counters.files.load(Ordering::Relaxed),
        bytes_scanned: counters.bytes.load(Ordering::Relaxed),
        files_analyzed: counters.analyzed.load(Ordering::Relaxed),
        skipped_binary: counters.binary.load(Ordering::Relaxed),
        skipped_large: counters.skipped_large.load(Ordering::Relaxed),
        errors: counters.errors.load(Ordering::Relaxed),
        internal_errors: counters.internal.load(Ordering::Relaxed),
        skipped: {
            let mut s = skipped.into_inner().unwrap_or_default();
            s.sort();
            s
        },
        named_errors: counters.named_errors.load(Ordering::Relaxed),
        suppressed: counters.suppressed.load(Ordering::Relaxed),
        suppressed_foreign: counters.suppressed_foreign.load(Ordering::Relaxed),
        without_reason: counters.without_reason.load(Ordering::Relaxed),
        baselined: 0,
        outside_diff: 0,
        duration: started.elapsed(),
    };
    Outcome {
        files,
        stats,
        problems,
        suppression_notes,
    }
}

/// Scans bytes read from standard input. `name` (`--stdin-filename`) decides the format,
/// the configuration's path rules (with `--force-exclude`) and the report path; without
/// it the format is read from the content and the path is `-`.
pub fn scan_stdin(
    opts: &ScanOptions,
    engine: &Engine,
    prefilter: &Prefilter,
    bytes: &[u8],
    name: Option<&Path>,
) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        files: Vec::new(),
        stats: Stats::default(),
        problems: Vec::new(),
        suppression_notes: Vec::new(),
    };
    let path = name.unwrap_or(Path::new("-"));
    let display = match name {
        Some(n) => {
            let abs = crate::walk::absolute_keep_name(n);
            let base = std::env::current_dir()
                .and_then(|c| c.canonicalize())
                .unwrap_or_default();
            crate::walk::display_path(&base, &abs, n)
        }
        None => "-".to_string(),
    };
    if opts.force_exclude
        && let (Some(f), Some(n)) = (&opts.filter, name)
        && !f.allows_explicit(&crate::walk::absolute_keep_name(n))
    {
        outcome.stats.duration = started.elapsed();
        return outcome;
    }
    if bytes.len() as u64 > opts.max_filesize {
        outcome.stats.skipped_large = 1;
        outcome.problems.push(Problem {
            path: display,
            message: too_large(Some(bytes.len() as u64), opts.max_filesize),
            is_error: false,
        });
        return outcome;
    }
    let checker = Checker {
        engine,
        prefilter: Some(prefilter),
        unused_suppressions: opts.unused_suppressions,
        pool: None,
    };
    outcome.stats.files_scanned = 1;
    outcome.stats.bytes_scanned = bytes.len() as u64;
    let budget = crate::budget::start(opts.time_limit);
    crate::memory::reset();
    let checked = checker.check(path, &display, bytes, true);
    drop(budget);
    for (_, message) in partial_notes() {
        outcome.problems.push(Problem {
            path: display.clone(),
            message,
            is_error: false,
        });
    }
    match checked {
        Checked::Clean { analyzed } => outcome.stats.files_analyzed = u64::from(analyzed),
        Checked::Binary => outcome.stats.skipped_binary = 1,
        Checked::Findings(mut report) => {
            outcome.stats.files_analyzed = 1;
            outcome.stats.suppressed = report.suppressed as u64;
            outcome.stats.suppressed_foreign = report.suppressed_foreign as u64;
            outcome.stats.without_reason = report.without_reason as u64;
            for note in std::mem::take(&mut report.suppression_notes) {
                outcome.suppression_notes.push((report.path.clone(), note));
            }
            if !report.findings.is_empty() {
                outcome.files.push(*report);
            }
        }
    }
    outcome.stats.duration = started.elapsed();
    outcome
}

#[derive(Default)]
struct Counters {
    files: AtomicU64,
    bytes: AtomicU64,
    analyzed: AtomicU64,
    binary: AtomicU64,
    skipped_large: AtomicU64,
    errors: AtomicU64,
    internal: AtomicU64,
    named_errors: AtomicU64,
    suppressed: AtomicU64,
    suppressed_foreign: AtomicU64,
    without_reason: AtomicU64,
}

/// Reads a file into `buf` (cleared by the caller), refusing to read more than `limit`
/// bytes (files can grow between the walk and the read): `Ok(Some(size))` when it is
/// larger (the size known, or `None` for a file that grew past the limit while read).
fn read_limited(
    path: &Path,
    limit: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Option<u64>>> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    // The size of the open file (fstat) instead of a stat of every walked path: a file
    // too large is not read at all, and the buffer is sized once.
    let size = f.metadata().map_or(0, |m| m.len());
    if size > limit {
        return Ok(Some(Some(size)));
    }
    buf.reserve(usize::try_from(size).unwrap_or(0).saturating_add(1));
    // Still bounded: the file may grow while it is read.
    f.take(limit.saturating_add(1)).read_to_end(buf)?;
    Ok((buf.len() as u64 > limit).then_some(None))
}

/// The note on a file skipped for its size.
fn too_large(size: Option<u64>, limit: u64) -> String {
    match size {
        Some(n) => format!("skipped: {n} bytes is larger than --max-filesize ({limit} bytes)"),
        None => format!("skipped: larger than --max-filesize ({limit} bytes)"),
    }
}

/// Read buffers above this size are freed after use, so memory stays flat.
const KEEP_BUFFER: usize = 1 << 20;

/// The notes, with their `--stats` reasons, of the file last checked on this thread when
/// it was read only up to a line ([`crate::memory::note_partial`]) or had findings left
/// out ([`crate::engine::MAX_FINDINGS`]).
fn partial_notes() -> Vec<(&'static str, String)> {
    let mut notes = Vec::new();
    if let Some(line) = crate::memory::partial_line() {
        notes.push((
            "memory budget: analyzed in part",
            format!(
                "analyzed up to line {line}: the rest holds more {} than the per-file memory budget ({} MiB) allows; findings after that line may be missing",
                crate::memory::partial_what(),
                crate::memory::PER_FILE >> 20
            ),
        ));
    }
    if let Some(line) = crate::memory::findings_cut_line() {
        notes.push((
            "findings limit",
            format!(
                "more than {} findings: those from line {line} on are not reported (a generated file? exclude it, or fix these and scan again)",
                crate::engine::MAX_FINDINGS
            ),
        ));
    }
    notes
}

thread_local! {
    /// Each walker thread reads its files into one reused buffer.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{fingerprints, locate_all};
    use crate::rules::RuleSet;

    /// Everything a report prints about a file's findings, resolved against its text.
    fn printed(report: FileReport, engine: &Engine) -> (Vec<String>, FileReport) {
        let outcome = Outcome {
            files: vec![report],
            stats: Stats::default(),
            problems: Vec::new(),
            suppression_notes: Vec::new(),
        };
        let mut out = Vec::new();
        for l in locate_all(&outcome, engine) {
            let file = l.file;
            let at = |s: Span| {
                (
                    file.index.position(&file.text, s.start),
                    file.index.position(&file.text, s.end),
                )
            };
            let f = l.finding;
            let mut line = format!(
                "{:?}-{:?} {} {} {:?}",
                l.start, l.end, l.snippet, l.fingerprint, f.message
            );
            for r in f.sink.iter().chain(&f.path) {
                line.push_str(&format!(" {:?} {}", at(r.span), r.text));
            }
            for fix in f.fix.iter().chain(file.merged_fixes.values().flatten()) {
                let edits: Vec<_> = fix.edits.iter().map(|e| (at(e.span), &e.text)).collect();
                let diff = crate::fixes::line_diff(&file.text, fix);
                line.push_str(&format!(" {edits:?} {diff:?}"));
            }
            out.push(line);
        }
        out.extend(fingerprints(&outcome.files[0], engine));
        let report = outcome.files.into_iter().next().expect("one file");
        (out, report)
    }

    #[test]
    fn a_report_keeps_only_its_lines_and_prints_the_same() {
        let engine = Engine::new(RuleSet::builtin().expect("rules"));
        let checker = Checker {
            engine: &engine,
            prefilter: None,
            unused_suppressions: false,
            pool: None,
        };
        let filler = "// nothing to see here\n".repeat(50);
        let cases = [
            // A value written on one line that lands on another (sink and path).
            (
                "client.go",
                format!(
                    "package main\n\nimport \"crypto/tls\"\n{filler}func c() *tls.Config {{\n\tskip := true\n{filler}\tcfg := &tls.Config{{}}\n\tcfg.InsecureSkipVerify = skip\n\treturn cfg\n}}\n"
                ),
            ),
            // Fixes, CRLF and lone CR line ends, a last line without a line end.
            (
                "get.sh",
                format!(
                    "#!/bin/sh\r\n{}curl -k https://a/\r\necho x\rcurl --insecure https://b/ && curl -k https://c/\r\n{}wget --no-check-certificate https://d/",
                    "# filler\r\n".repeat(40),
                    "# filler\n".repeat(40)
                ),
            ),
            (
                "tls.reg",
                format!(
                    "Windows Registry Editor Version 5.00\r\n\r\n{}[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server]\r\n\"Enabled\"=dword:00000001\r\n\"DisabledByDefault\"=dword:00000000\r\n",
                    "; filler\r\n".repeat(40)
                ),
            ),
        ];
        for (name, text) in cases {
            let Checked::Findings(report) =
                checker.check(Path::new(name), name, text.as_bytes(), true)
            else {
                panic!("{name}: expected findings");
            };
            let whole_len = report.text.len();
            let lines = report.index.line_count();
            let (whole, mut report) = printed(*report, &engine);
            report.keep_reported_lines();
            assert!(report.text.len() * 2 < whole_len, "{name}: {}", report.text);
            assert_eq!(report.index.line_count(), lines, "{name}");
            let (kept, _) = printed(report, &engine);
            assert!(whole.len() > 1, "{name}: {whole:?}");
            assert_eq!(whole, kept, "{name}");
        }
    }
}
