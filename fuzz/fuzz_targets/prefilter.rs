//! The prefilter's promise: it never turns away a file a rule would report. The first byte
//! picks the file name (names/check_any.txt), the rest is the file; the file is checked
//! without the prefilter and with both of its stages, as `tlslint scan` builds them, and
//! every finding of the first check must be in the second (`common::prefilter_keeps_findings`).
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| common::names(include_str!("../names/check_any.txt")));

fuzz_target!(|data: &[u8]| {
    let Some((name, _, content)) = common::pick(&NAMES, data) else {
        return;
    };
    common::prefilter_keeps_findings(name, content);
});
