//! Every input the fuzzers found a crash with (fuzz/regressions/) runs through the same
//! pipeline as its fuzz target (fuzz/common): check, locate, fix, report. None may panic.
//! The file name's prefix is the target; its first byte picks the file name from
//! fuzz/names/<target>.txt (check_any for the decoding targets and `prefilter`, whose
//! inputs must also keep every finding through the prefilter).

#[path = "../fuzz/common/mod.rs"]
mod common;

use std::path::PathBuf;

#[test]
fn fuzz_crash_inputs_do_not_panic() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(root.join("regressions"))
        .expect("fuzz/regressions")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 10, "{inputs:?}");
    for input in inputs {
        let file = input
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let target = file.split('-').next().unwrap_or_default();
        let list = root.join("names").join(format!("{target}.txt"));
        let list = if list.exists() {
            list
        } else {
            root.join("names/check_any.txt")
        };
        let names_text = std::fs::read_to_string(&list).expect("names");
        let names: Vec<&str> = names_text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let data = std::fs::read(&input).expect("read");
        if let Some((name, flag, content)) = common::pick(&names, &data) {
            let result =
                std::panic::catch_unwind(|| common::check_and_fix(name, content, flag, true));
            assert!(result.is_ok(), "{file} (as {name}) panics");
            if target == "prefilter" {
                // Its property: the prefilter keeps every finding.
                common::prefilter_keeps_findings(name, content);
            }
        }
    }
}
