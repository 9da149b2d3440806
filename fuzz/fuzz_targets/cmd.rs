//! The cmd analyzer family through the whole pipeline: the first byte picks the file
//! name from names/cmd.txt, the rest is the file.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| common::names(include_str!("../names/cmd.txt")));

fuzz_target!(|data: &[u8]| {
    let Some((name, flag, content)) = common::pick(&NAMES, data) else {
        return;
    };
    common::check_and_fix(name, content, flag, false);
});
