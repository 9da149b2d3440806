//! The per-file memory budget: analysis memory is estimated from a file's size and format
//! (measured factors: a token, node or fact per few bytes), and
//!
//! * files whose analysis would cost more than [`PER_FILE`] are analyzed in windows around
//!   their keywords (each window on its own, so memory is bounded by the window size), with
//!   a note: findings that need the whole file's context may be missed there;
//! * files that cost more than [`SMALL`] take their cost from a process-wide [`Pool`] before
//!   they are read, so big files are analyzed a few at a time whatever `-j` is, and peak
//!   memory does not grow with the thread count.

use crate::analyze::{self, Ctx, embed::Embedded};
use crate::facts::Fact;
use crate::format::FileFormat;
use std::cell::Cell;
use std::sync::{Condvar, Mutex};

/// Estimated analysis memory above which a file is analyzed in windows.
pub const PER_FILE: usize = 40 << 20;
/// Files cheaper than this do not wait for the pool.
pub const SMALL: usize = 4 << 20;
/// The pool's capacity: estimated memory of the big files analyzed at once. The
/// estimates are worst cases (generated files); real code costs a third to a half of
/// them, so a 32 MB pool kept one thread idle behind every large file (0.6 s of the
/// real bench's 3.8 s); at 64 MB the scan takes 3.5 s and peaks 9 MB higher.
pub const POOL: usize = 64 << 20;
/// Bytes of context on each side of a keyword in windowed analysis.
const CONTEXT: usize = 4096;
/// The largest window analyzed at once.
const MAX_WINDOW: usize = 256 << 10;

/// Peak bytes per byte of input, by analyzer (reading and decoding included), as
/// measured on generated files; an unknown format takes the largest common factor.
pub fn factor(format: Option<FileFormat>) -> usize {
    match format {
        Some(
            FileFormat::C
            | FileFormat::CSharp
            | FileFormat::Java
            | FileFormat::Go
            | FileFormat::JavaScript
            | FileFormat::Python,
            // Measured on the tree-sitter engine: a 9 MB C or Go file peaks at 850-870 MB
            // (syntax tree and intermediate form together), about 95x.
        ) => 100,
        Some(FileFormat::Rust) => 60,
        Some(FileFormat::Yaml) => 16,
        Some(FileFormat::DotNetConfig | FileFormat::GppRegistry | FileFormat::Xml) => 20,
        Some(FileFormat::PowerShell) => 20,
        Some(FileFormat::Reg) => 10,
        Some(FileFormat::Cmd) => 6,
        Some(FileFormat::Documentation) => 0,
        Some(_) => 4,
        None => 32,
    }
}

/// Formats whose meaning depends on the whole document (YAML keys and nesting, XML
/// elements): a window of lines would not parse. They are analyzed whole unless their
/// estimate passes this much (larger than any file under the default --max-filesize).
pub const STRUCTURED_LIMIT: usize = 256 << 20;

/// The estimate above which a file of `format` is analyzed in windows.
pub fn window_threshold(format: Option<FileFormat>, budget: usize) -> usize {
    match format {
        Some(
            FileFormat::Yaml
            | FileFormat::Xml
            | FileFormat::DotNetConfig
            | FileFormat::GppRegistry
            | FileFormat::Terraform,
        ) => budget.max(STRUCTURED_LIMIT),
        _ => budget,
    }
}

/// Estimated analysis memory of `len` bytes of `format`.
pub fn estimate(format: Option<FileFormat>, len: usize) -> usize {
    len.saturating_mul(factor(format))
}

/// What a file takes from the pool: its estimate, or for a windowed file its text twice
/// (bytes and decoded) and one window's analysis.
pub fn charge(format: Option<FileFormat>, len: usize) -> usize {
    let est = estimate(format, len);
    if est > window_threshold(format, PER_FILE) {
        len.saturating_mul(2)
            .saturating_add(MAX_WINDOW.saturating_mul(factor(format)))
    } else {
        est
    }
}

/// A counting semaphore over estimated bytes.
#[derive(Debug)]
pub struct Pool {
    used: Mutex<usize>,
    freed: Condvar,
    capacity: usize,
}

/// Returns its units to the pool when dropped.
pub struct Permit<'a> {
    pool: &'a Pool,
    units: usize,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Ok(mut used) = self.pool.used.lock() {
            *used = used.saturating_sub(self.units);
        }
        self.pool.freed.notify_all();
    }
}

impl Pool {
    /// A pool of `capacity` units.
    pub fn new(capacity: usize) -> Pool {
        Pool {
            used: Mutex::new(0),
            freed: Condvar::new(),
            capacity,
        }
    }

    /// Waits until `units` (at most the capacity) are free and takes them. A request as
    /// large as the pool waits until it is empty.
    pub fn acquire(&self, units: usize) -> Permit<'_> {
        let units = units.min(self.capacity);
        let Ok(mut used) = self.used.lock() else {
            return Permit {
                pool: self,
                units: 0,
            };
        };
        while *used > 0 && *used + units > self.capacity {
            match self.freed.wait(used) {
                Ok(u) => used = u,
                Err(_) => {
                    return Permit {
                        pool: self,
                        units: 0,
                    };
                }
            }
        }
        *used += units;
        Permit { pool: self, units }
    }
}

thread_local! {
    static WINDOWED: Cell<bool> = const { Cell::new(false) };
    static PARTIAL: Cell<Option<usize>> = const { Cell::new(None) };
    static PARTIAL_WHAT: Cell<&'static str> = const { Cell::new("") };
    static PARTIAL_LINE: Cell<Option<usize>> = const { Cell::new(None) };
    static FINDINGS_CUT_LINE: Cell<Option<usize>> = const { Cell::new(None) };
    static BUDGET: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Disarms the budget when dropped.
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        BUDGET.with(|b| b.set(None));
    }
}

/// Arms the per-file memory budget for the files checked on this thread until the guard
/// is dropped (`None`: analyze every file whole).
pub fn arm(budget: Option<usize>) -> Guard {
    BUDGET.with(|b| b.set(budget));
    reset();
    Guard(())
}

/// The armed budget.
pub fn armed() -> Option<usize> {
    BUDGET.with(Cell::get)
}

/// Whether the last file checked on this thread was analyzed in windows.
pub fn was_windowed() -> bool {
    WINDOWED.with(Cell::get)
}

/// Clears the flags before a file is checked.
pub fn reset() {
    WINDOWED.with(|w| w.set(false));
    PARTIAL.with(|p| p.set(None));
    PARTIAL_LINE.with(|p| p.set(None));
    FINDINGS_CUT_LINE.with(|p| p.set(None));
}

/// The 1-based line from which the last file checked on this thread had findings left
/// out, because it had more than [`crate::engine::MAX_FINDINGS`].
pub fn findings_cut_line() -> Option<usize> {
    FINDINGS_CUT_LINE.with(Cell::get)
}

/// Sets what [`findings_cut_line`] answers.
pub fn set_findings_cut_line(line: usize) {
    FINDINGS_CUT_LINE.with(|p| p.set(Some(line)));
}

/// Records that an analyzer stopped reading its text at byte `offset` because the rest
/// would not fit the per-file memory budget (the first such place is kept). An analyzer
/// of embedded text maps the offset into the enclosing text ([`map_partial`]), and the
/// scan reports the file's line. `what` names what there was too much of (`YAML nodes`).
pub fn note_partial(offset: usize, what: &'static str) {
    PARTIAL.with(|p| {
        if p.get().is_none() {
            p.set(Some(offset));
            PARTIAL_WHAT.with(|w| w.set(what));
        }
    });
}

/// What the last file checked on this thread had too much of, when it was read in part.
pub fn partial_what() -> &'static str {
    PARTIAL_WHAT.with(Cell::get)
}

/// The most facts (settings, options, flags found) one file analyzed in windows keeps:
/// each window's analysis is bounded, their facts together are not, and a generated file
/// with a setting on each of a million lines would hold hundreds of megabytes of them.
pub const MAX_FACTS: usize = 50_000;

/// Where the last file checked on this thread stopped being read, if it did: a byte
/// offset in the text analyzed last.
pub fn partial_at() -> Option<usize> {
    PARTIAL.with(Cell::get)
}

/// The 1-based line of the file where the last file checked on this thread stopped
/// being read (set by the checker from [`partial_at`]).
pub fn partial_line() -> Option<usize> {
    PARTIAL_LINE.with(Cell::get)
}

/// Sets what [`partial_line`] answers.
pub fn set_partial_line(line: usize) {
    PARTIAL_LINE.with(|p| p.set(Some(line)));
}

/// Maps an offset noted by [`note_partial`] since `before` (what [`partial_at`] said
/// before an embedded text was analyzed) into the enclosing text.
pub fn map_partial(before: Option<usize>, map: impl Fn(usize) -> usize) {
    if before.is_some() {
        return;
    }
    PARTIAL.with(|p| p.set(p.get().map(map)));
}

/// Analyzes `text` whole, or in windows around `keywords` when its estimate is over
/// `budget`.
pub fn analyze_within(
    format: FileFormat,
    text: &str,
    ctx: &Ctx<'_>,
    keywords: &[String],
    budget: Option<usize>,
    facts: &mut Vec<Fact>,
) {
    let over = budget
        .is_some_and(|b| estimate(Some(format), text.len()) > window_threshold(Some(format), b));
    if !over || keywords.is_empty() {
        analyze::analyze(format, text, ctx, facts);
        return;
    }
    WINDOWED.with(|w| w.set(true));
    for (s, e) in windows(text, keywords) {
        if crate::budget::exceeded() {
            break;
        }
        if facts.len() >= MAX_FACTS {
            note_partial(s, "settings");
            break;
        }
        analyze::analyze_embedded(format, &Embedded::contiguous(&text[s..e], s), 0, ctx, facts);
    }
}

/// The windows around every keyword of `text`: whole lines where lines are short, else
/// [`CONTEXT`] bytes each side; overlapping windows merged up to [`MAX_WINDOW`].
pub fn windows(text: &str, keywords: &[String]) -> Vec<(usize, usize)> {
    let Ok(ac) = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(keywords)
    else {
        return vec![(0, text.len())];
    };
    let mut out: Vec<(usize, usize)> = Vec::new();
    for m in ac.find_iter(text) {
        let (s, e) = around(text, m.start(), m.end());
        match out.last_mut() {
            Some(last) if s <= last.1 && e.saturating_sub(last.0) <= MAX_WINDOW => {
                last.1 = last.1.max(e);
            }
            _ => out.push((s, e)),
        }
    }
    out
}

fn around(text: &str, start: usize, end: usize) -> (usize, usize) {
    let floor = |mut i: usize| {
        while i > 0 && !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let lo = floor(start.saturating_sub(CONTEXT));
    let hi = floor(end.saturating_add(CONTEXT).min(text.len()));
    // Start at a line start inside the context, when there is one; on one long line
    // (minified code), after the last `;` before the keyword, so that the window starts at
    // a statement rather than inside a string literal. End at a line end.
    let s = match text[lo..start].find('\n') {
        Some(i) => (lo + i + 1).min(start),
        None => text[lo..start].rfind(';').map_or(lo, |i| lo + i + 1),
    };
    let e = text[end..hi]
        .rfind('\n')
        .map_or(hi, |i| end + i + 1)
        .max(end);
    (floor(s), floor(e).max(end.min(text.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_serializes_big_requests() {
        let pool = Pool::new(10);
        let a = pool.acquire(6);
        let b = pool.acquire(3);
        drop((a, b));
        let big = pool.acquire(100);
        assert_eq!(big.units, 10);
    }

    #[test]
    fn windows_cover_keywords_on_line_boundaries() {
        let mut text = "a\n".repeat(10_000);
        text.push_str("curl -k https://x/\n");
        text.push_str(&"b\n".repeat(10_000));
        let w = windows(&text, &["curl".to_string()]);
        assert_eq!(w.len(), 1);
        let (s, e) = w[0];
        assert!(text[s..e].contains("curl -k https://x/\n"));
        assert!(e - s <= 2 * CONTEXT + 32);
        assert!(s == 0 || text.as_bytes()[s - 1] == b'\n');
        // One long line: a window of bytes around the keyword, on char boundaries.
        let long = format!(
            "{}rejectUnauthorized:false{}",
            "é".repeat(50_000),
            "ü".repeat(50_000)
        );
        let w = windows(&long, &["rejectunauthorized".to_string()]);
        let (s, e) = w[0];
        assert!(long[s..e].contains("rejectUnauthorized:false"));
        assert!(e - s <= 2 * CONTEXT + 32);
    }
}
