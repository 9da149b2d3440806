//! The .reg parser, directly and through the whole pipeline.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = tlslint::decode::decode(data, true).expect("forced decoding never fails");
    let mut facts = Vec::new();
    tlslint::analyze::reg::analyze(&text.text, &mut facts);
    for f in &facts {
        let _ = format!("{f:?}");
    }
    common::check_and_fix("x.reg", data, true, false);
});
