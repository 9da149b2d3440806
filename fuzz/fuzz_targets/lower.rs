//! The tree-sitter lowering and the value-flow pass, without the prefilter: the first
//! byte picks the language, the rest is the file. Every node of the intermediate form is
//! resolved, and the sinks and callbacks are judged with the built-in rules.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use tlslint::ir::Lang;

const LANGS: [Lang; 9] = Lang::ALL;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let lang = LANGS[usize::from(first) % LANGS.len()];
    let text = String::from_utf8_lossy(rest);
    let engine = &*common::ENGINE;
    let mut ctx = engine.ctx();
    ctx.in_test = first & 0x80 != 0;
    let Some(ir) = tlslint::ir::lower::lower(lang, &text) else {
        return;
    };
    // Every node's values resolve without panicking, and stay within the file.
    let is_constant = |n: &str| ctx.index.lookup(ctx.tables, n, false).is_some();
    let flow = tlslint::ir::flow::Flow::new(&ir, ctx.flow, &is_constant);
    for n in 0..ir.nodes.len().min(2000) {
        for v in flow.resolve(u32::try_from(n).unwrap_or(0)) {
            assert!(
                v.span.end <= text.len(),
                "a value's span is inside the file"
            );
            let _ = flow.gate(&v, v.stmt);
            let _ = flow.is_mapped(&v, v.stmt);
        }
    }
    let mut facts = Vec::new();
    tlslint::analyze::code::analyze_tree(lang, &text, &ctx, &mut facts);
    let mut findings = Vec::new();
    let src = tlslint::fixes::Source {
        text: &text,
        format: tlslint::format::FileFormat::C,
    };
    engine.judge(&facts, src, &mut findings);
    for f in &findings {
        assert!(
            f.span.end <= text.len(),
            "a finding's span is inside the file"
        );
        assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end));
    }
});
