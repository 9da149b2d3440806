//! No input ends a scan: one file's work runs under [`catch`], so that a bug (a panic) in
//! an analyzer is reported as `tlslint: PATH: internal error, please report (...)` and the
//! scan goes on with the other files, keeping the 0/1/2 exit contract.
//!
//! The binary installs [`install_hook`], which keeps the panic message and location of a
//! caught panic for that note instead of printing Rust's panic banner; panics anywhere
//! else still go to the default hook.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    static INSIDE: Cell<bool> = const { Cell::new(false) };
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the panic hook: inside [`catch`], remember the message; elsewhere, behave as
/// before.
pub fn install_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if INSIDE.with(Cell::get) {
            let at = info
                .location()
                .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            let msg = payload_message(info.payload());
            LAST.with(|l| *l.borrow_mut() = Some(format!("panicked{at}: {msg}")));
        } else {
            previous(info);
        }
    }));
}

fn payload_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// The note printed for a file whose analysis panicked.
pub fn internal_error(detail: &str) -> String {
    format!("internal error, please report ({detail})")
}

/// Runs `f`; a panic inside it becomes `Err` with a description (message and location when
/// the hook is installed). Thread-local state that `f` leaves behind must be reset by the
/// caller (the time budget's guard is dropped on unwinding).
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let was = INSIDE.with(|i| i.replace(true));
    LAST.with(|l| l.borrow_mut().take());
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    INSIDE.with(|i| i.set(was));
    result.map_err(|payload| {
        LAST.with(|l| l.borrow_mut().take())
            .unwrap_or_else(|| format!("panicked: {}", payload_message(payload.as_ref())))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_the_next_call_works() {
        install_hook();
        let r: Result<u32, String> = catch(|| {
            let v: Vec<u32> = Vec::new();
            v[usize::from(v.is_empty())]
        });
        let e = r.expect_err("must be caught");
        assert!(e.contains("panicked at src/isolate.rs:"), "{e}");
        assert!(e.contains("index out of bounds"), "{e}");
        assert_eq!(catch(|| 7), Ok(7));
        let r: Result<(), String> = catch(|| panic!("custom {}", 1));
        assert!(r.expect_err("caught").ends_with(": custom 1"));
        assert!(internal_error("x").starts_with("internal error, please report"));
    }
}
