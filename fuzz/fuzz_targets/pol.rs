//! Group Policy `Registry.pol` (binary PReg): the record parser and the text view
//! directly, then the whole pipeline (and a report) as `Machine/Registry.pol`. Input
//! without the `PReg` header gets one, so that mutations reach the records.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use tlslint::analyze::pol;
use tlslint::facts::Fact;

fuzz_target!(|data: &[u8]| {
    let bytes = if pol::is_preg(data) {
        data.to_vec()
    } else {
        let mut b = pol::HEADER.to_vec();
        b.extend_from_slice(data);
        b
    };
    let parsed = pol::parse(&bytes);
    let mut facts = Vec::new();
    let view = pol::analyze(&bytes, "HKLM", &mut facts);
    assert_eq!(
        view.lines().count(),
        parsed.records.len() + usize::from(parsed.malformed),
        "one view line per record (and one for a damaged tail)"
    );
    for f in &facts {
        let s = f.span();
        assert!(
            view.get(s.start..s.end).is_some(),
            "a span inside the view, on character boundaries"
        );
        assert!(matches!(f, Fact::Registry(_)));
    }
    common::check_and_fix(
        "Machine/Registry.pol",
        &bytes,
        data.first() == Some(&0),
        true,
    );
});
