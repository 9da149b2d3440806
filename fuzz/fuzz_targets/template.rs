//! Template directives (Helm/Go templates, Jinja): `template::blank` directly, with its
//! invariants (same length, line ends in place, option literals quoted from the text),
//! then the whole pipeline under a template-ish file name (names/template.txt).
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use tlslint::analyze::template::{self, Dialects};

static NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| common::names(include_str!("../names/template.txt")));

fuzz_target!(|data: &[u8]| {
    let Some((name, flag, content)) = common::pick(&NAMES, data) else {
        return;
    };
    let text = tlslint::decode::decode(content, true)
        .expect("forced decoding never fails")
        .text;
    let detected = template::detect(&text);
    for (d, all) in [
        (detected, false),
        (
            Dialects {
                go: true,
                jinja: true,
            },
            false,
        ),
        (
            Dialects {
                go: true,
                jinja: true,
            },
            true,
        ),
    ] {
        let b = template::blank(&text, d, all);
        assert_eq!(b.text.len(), text.len(), "blanking keeps the length");
        assert!(
            text.bytes()
                .zip(b.text.bytes())
                .all(|(a, c)| (a == b'\n') == (c == b'\n')),
            "blanking keeps line ends in place"
        );
        for (lit, s) in &b.option_literals {
            assert_eq!(text.get(s.start..s.end), Some(lit.as_str()));
        }
    }
    common::check_and_fix(name, content, flag, false);
});
