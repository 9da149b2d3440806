//! Where a scan spends its time, stage by stage, for `bench/run.py --real`.
//!
//! Off unless the environment sets `TLSLINT_PROFILE_STAGES=1`; then every thread charges
//! the time between two stage boundaries to the stage it was in (exclusive time: a
//! nested stage is not counted twice), and `tlslint scan` prints the totals and a few
//! counters on standard error at the end. Off, a boundary costs one relaxed atomic load.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// A stage of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Stage {
    /// Loading rules, building the engine and the prefilters (main thread).
    Setup,
    /// Walking directories (worker threads, between files).
    Walk,
    /// Opening and reading files.
    Read,
    /// The first-stage keyword prefilter over the raw bytes.
    Prefilter,
    /// Encoding sniffing and decoding to UTF-8.
    Decode,
    /// Format and context classification.
    Classify,
    /// The second-stage (per code language) keyword prefilter.
    Prefilter2,
    /// tree-sitter parsing.
    Parse,
    /// Lowering syntax trees to the intermediate form.
    Lower,
    /// The value-flow pass.
    Flow,
    /// Sinks of code files: facts from the intermediate form.
    Sinks,
    /// The analyzers of other formats (PowerShell, YAML, shell, XML, ...), parsing included.
    Analyze,
    /// Rules judging facts; findings, suppressions.
    Judge,
    /// Writing reports (main thread).
    Report,
}

const STAGES: [Stage; 14] = [
    Stage::Setup,
    Stage::Walk,
    Stage::Read,
    Stage::Prefilter,
    Stage::Decode,
    Stage::Classify,
    Stage::Prefilter2,
    Stage::Parse,
    Stage::Lower,
    Stage::Flow,
    Stage::Sinks,
    Stage::Analyze,
    Stage::Judge,
    Stage::Report,
];

impl Stage {
    /// The name printed.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Setup => "setup",
            Stage::Walk => "walk",
            Stage::Read => "read",
            Stage::Prefilter => "prefilter",
            Stage::Decode => "decode",
            Stage::Classify => "classify",
            Stage::Prefilter2 => "prefilter2",
            Stage::Parse => "parse",
            Stage::Lower => "lower",
            Stage::Flow => "flow",
            Stage::Sinks => "sinks",
            Stage::Analyze => "analyze",
            Stage::Judge => "judge",
            Stage::Report => "report",
        }
    }
}

/// Counted events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Count {
    /// Files whose bytes were searched by the first stage.
    Searched,
    /// Bytes searched by the first stage.
    SearchedBytes,
    /// Files that passed the first stage.
    Passed,
    /// Files decoded whole.
    Decoded,
    /// Bytes decoded whole.
    DecodedBytes,
    /// Files that passed the second stage (or had none) and went to an analyzer.
    Analyzed,
    /// Bytes of those.
    AnalyzedBytes,
}

const COUNTS: [Count; 7] = [
    Count::Searched,
    Count::SearchedBytes,
    Count::Passed,
    Count::Decoded,
    Count::DecodedBytes,
    Count::Analyzed,
    Count::AnalyzedBytes,
];

impl Count {
    fn name(self) -> &'static str {
        match self {
            Count::Searched => "files searched",
            Count::SearchedBytes => "bytes searched",
            Count::Passed => "files passing stage 1",
            Count::Decoded => "files decoded",
            Count::DecodedBytes => "bytes decoded",
            Count::Analyzed => "files analyzed",
            Count::AnalyzedBytes => "bytes analyzed",
        }
    }
}

static ON: AtomicBool = AtomicBool::new(false);
static TOTALS: [AtomicU64; STAGES.len()] = [const { AtomicU64::new(0) }; STAGES.len()];
static COUNTERS: [AtomicU64; COUNTS.len()] = [const { AtomicU64::new(0) }; COUNTS.len()];

struct Local {
    stage: Stage,
    since: Option<Instant>,
    nanos: [u64; STAGES.len()],
    counts: [u64; COUNTS.len()],
}

thread_local! {
    static LOCAL: RefCell<Local> = const {
        RefCell::new(Local {
            stage: Stage::Walk,
            since: None,
            nanos: [0; STAGES.len()],
            counts: [0; COUNTS.len()],
        })
    };
    static PAUSED: Cell<bool> = const { Cell::new(false) };
}

/// Turns accounting on when `TLSLINT_PROFILE_STAGES` is set (to anything but `0`).
pub fn init_from_env() {
    if std::env::var_os("TLSLINT_PROFILE_STAGES").is_some_and(|v| v != "0") {
        ON.store(true, Ordering::Relaxed);
        enter_stage(Stage::Setup);
    }
}

/// Whether accounting is on.
#[inline]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Charges the time since the last boundary to the current stage and switches to
/// `stage`; returns the stage left.
fn switch(stage: Stage) -> Stage {
    let now = Instant::now();
    LOCAL.with(|l| {
        let Ok(mut l) = l.try_borrow_mut() else {
            return stage;
        };
        let prev = l.stage;
        if let Some(since) = l.since {
            if !PAUSED.with(Cell::get) {
                let d = u64::try_from(now.duration_since(since).as_nanos()).unwrap_or(u64::MAX);
                l.nanos[prev as usize] = l.nanos[prev as usize].saturating_add(d);
            }
        }
        l.stage = stage;
        l.since = Some(now);
        prev
    })
}

/// Switches this thread to `stage` for good (no guard).
pub fn enter_stage(stage: Stage) {
    if enabled() {
        switch(stage);
    }
}

/// Time from now until the guard drops is charged to `stage`, then to the stage before.
#[must_use]
pub struct Guard(Option<Stage>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(prev) = self.0 {
            switch(prev);
        }
    }
}

/// Enters `stage` until the guard drops.
#[inline]
pub fn enter(stage: Stage) -> Guard {
    if enabled() {
        Guard(Some(switch(stage)))
    } else {
        Guard(None)
    }
}

/// Counts an event.
#[inline]
pub fn count(c: Count, n: u64) {
    if enabled() {
        LOCAL.with(|l| {
            if let Ok(mut l) = l.try_borrow_mut() {
                l.counts[c as usize] = l.counts[c as usize].saturating_add(n);
            }
        });
    }
}

/// The main thread waits for the workers: its time is not charged until [`resume`].
pub fn pause() {
    if enabled() {
        switch(Stage::Walk);
        PAUSED.with(|p| p.set(true));
    }
}

/// Ends a [`pause`], entering `stage`.
pub fn resume(stage: Stage) {
    if enabled() {
        switch(stage);
        PAUSED.with(|p| p.set(false));
    }
}

/// Adds this thread's totals to the process totals (at the end of each file on the
/// worker threads, and before printing on the main thread).
pub fn flush() {
    if !enabled() {
        return;
    }
    let cur = LOCAL.with(|l| l.try_borrow().map(|l| l.stage).unwrap_or(Stage::Walk));
    switch(cur);
    LOCAL.with(|l| {
        let Ok(mut l) = l.try_borrow_mut() else {
            return;
        };
        for (i, n) in l.nanos.iter_mut().enumerate() {
            if *n > 0 {
                TOTALS[i].fetch_add(std::mem::take(n), Ordering::Relaxed);
            }
        }
        for (i, n) in l.counts.iter_mut().enumerate() {
            if *n > 0 {
                COUNTERS[i].fetch_add(std::mem::take(n), Ordering::Relaxed);
            }
        }
    });
}

/// Prints the totals on standard error: one line per stage (`stage: NAME ms PERCENT`)
/// and one per counter, the format `bench/run.py` reads.
pub fn print() {
    if !enabled() {
        return;
    }
    flush();
    let totals: Vec<u64> = TOTALS.iter().map(|t| t.load(Ordering::Relaxed)).collect();
    let sum: u64 = totals.iter().sum::<u64>().max(1);
    for (s, n) in STAGES.iter().zip(&totals) {
        eprintln!(
            "tlslint-profile: stage {} {:.1} ms {:.1}%",
            s.name(),
            *n as f64 / 1e6,
            *n as f64 * 100.0 / sum as f64
        );
    }
    for (c, n) in COUNTS.iter().zip(&COUNTERS) {
        eprintln!(
            "tlslint-profile: count {} {}",
            c.name(),
            n.load(Ordering::Relaxed)
        );
    }
}
