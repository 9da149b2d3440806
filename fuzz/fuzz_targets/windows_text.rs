//! Text formats of Windows and Ansible administration: security templates
//! (`GptTmpl.inf`), Inno Setup scripts (`.iss`) and Ansible INI inventories, through
//! their analyzers directly and the whole pipeline (names/windows_text.txt).
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| common::names(include_str!("../names/windows_text.txt")));

fuzz_target!(|data: &[u8]| {
    let Some((name, flag, content)) = common::pick(&NAMES, data) else {
        return;
    };
    let text = tlslint::decode::decode(content, true)
        .expect("forced decoding never fails")
        .text;
    let mut facts = Vec::new();
    tlslint::analyze::inf::analyze(&text, &mut facts);
    tlslint::analyze::iss::analyze(&text, &mut facts);
    tlslint::analyze::ini::analyze_inventory(&text, &mut facts);
    for f in &facts {
        let s = f.span();
        assert!(
            text.get(s.start..s.end).is_some(),
            "span inside the text, on character boundaries"
        );
    }
    common::check_and_fix(name, content, flag, false);
});
