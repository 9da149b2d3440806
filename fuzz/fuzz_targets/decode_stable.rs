//! `--fix` decodes a file, edits the text, encodes the result in the file's encoding and
//! checks those bytes again (apply.rs `fix_in_memory`). The next pass's fixes are computed
//! on the re-decoded text but applied to the edited text, so the two should agree: decoding
//! the encoded edit should give back the same text in the same encoding.
//!
//! Input: two bytes choose a range of the decoded text to delete (the usual fix: drop an
//! operand or a flag), the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlslint::decode::decode;

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
    let second = decode(&bytes, true).expect("forced decoding never fails");
    if second.lossy {
        // An encoding that cannot hold the edit (not the case for deletions).
        return;
    }
    // The encoding may change (ASCII left from Windows-1252 text reads as UTF-8), harmlessly:
    // fix_in_memory keeps encoding with the first report's encoding. The text must not.
    assert_eq!(
        second.text, edited,
        "the edited text decodes differently ({} -> {})",
        first.encoding.name(),
        second.encoding.name()
    );
});
