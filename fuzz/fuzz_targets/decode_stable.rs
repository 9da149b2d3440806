//! `--fix` decodes a file, edits the text, encodes the result in the file's encoding and
//! checks those bytes again (apply.rs `fix_in_memory`). The next pass's fixes are computed
//! on the re-decoded text but applied to the edited text, so the two should agree: decoding
//! the encoded edit should give back the same text in the same encoding.
//!
//! Input: two bytes choose a range of the decoded text to delete (the usual fix: drop an
//! operand or a flag), the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlslint::decode::{decode, decode_as};

fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fuzz_target!(|data: &[u8]| {
    let [a, b, file @ ..] = data else { return };
    let first = decode(file, true).expect("forced decoding never fails");
    if first.lossy {
        return;
    }
    let n = first.text.len();
    if n == 0 {
        return;
    }
    let start = floor(&first.text, usize::from(*a) * n / 256);
    let end = floor(&first.text, start + usize::from(*b));
    let mut edited = first.text.clone();
    edited.replace_range(start..end, "");
    let bytes = first.encoding.encode(&edited);
    // --fix re-reads its edit in the file's known encoding (Checker::check_decoded); a
    // fresh sniff could read the bytes differently (`þÿ` as a UTF-16BE BOM).
    let second = decode_as(&bytes, first.encoding);
    if second.lossy {
        // An encoding that cannot hold the edit (not the case for deletions).
        return;
    }
    assert_eq!(
        second.text,
        edited,
        "the edited text decodes differently in {}",
        first.encoding.name()
    );
});
