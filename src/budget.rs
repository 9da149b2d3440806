//! The per-file time budget: one pathological file cannot stall a scan.
//!
//! Every analyzer is meant to be linear, and the size limit bounds the input; the budget
//! is the backstop. [`start`] arms a deadline for the file analyzed on this thread, the
//! analyzers' main loops call [`exceeded`] (cheap: the clock is read every 256 calls), and
//! once the deadline has passed they stop early with what they found so far. The scan then
//! reports the file as `tlslint: PATH: analysis stopped after ...`.

use std::cell::Cell;
use std::time::{Duration, Instant};

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    static TICKS: Cell<u32> = const { Cell::new(0) };
    static EXCEEDED: Cell<bool> = const { Cell::new(false) };
}

/// Disarms the deadline when dropped.
pub struct Guard(());

impl Drop for Guard {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(None));
    }
}

/// Arms the budget for the file about to be analyzed on this thread (`None`: no limit).
pub fn start(limit: Option<Duration>) -> Guard {
    DEADLINE.with(|d| d.set(limit.and_then(|l| Instant::now().checked_add(l))));
    TICKS.with(|t| t.set(0));
    EXCEEDED.with(|e| e.set(false));
    Guard(())
}

/// Whether the current file's budget is spent. Sticky: once true, stays true until the
/// next [`start`].
pub fn exceeded() -> bool {
    if EXCEEDED.with(Cell::get) {
        return true;
    }
    let Some(deadline) = DEADLINE.with(Cell::get) else {
        return false;
    };
    let n = TICKS.with(|t| {
        let n = t.get().wrapping_add(1);
        t.set(n);
        n
    });
    if n % 256 != 0 {
        return false;
    }
    let over = Instant::now() >= deadline;
    if over {
        EXCEEDED.with(|e| e.set(true));
    }
    over
}

/// Whether the budget of the last file analyzed on this thread ran out.
pub fn was_exceeded() -> bool {
    EXCEEDED.with(Cell::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_is_sticky_and_disarmed() {
        {
            let _g = start(Some(Duration::ZERO));
            let mut hit = false;
            for _ in 0..1000 {
                hit |= exceeded();
            }
            assert!(hit && exceeded() && was_exceeded());
        }
        let _g = start(None);
        assert!((0..1000).all(|_| !exceeded()));
        assert!(!was_exceeded());
    }
}
