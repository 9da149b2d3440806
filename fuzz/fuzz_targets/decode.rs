//! Bytes to text: sniffing, decoding with each encoding, and writing back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlslint::decode::{Encoding, NotText, decode, decode_as, sniff};

const ALL: [Encoding; 6] = [
    Encoding::Utf8 { bom: false },
    Encoding::Utf8 { bom: true },
    Encoding::Utf16Le { bom: false },
    Encoding::Utf16Le { bom: true },
    Encoding::Utf16Be,
    Encoding::Windows1252,
];

/// The byte-order mark `decode_as` expects in front of the bytes for `e`.
fn bom(e: Encoding) -> &'static [u8] {
    match e {
        Encoding::Utf8 { bom: true } => &[0xEF, 0xBB, 0xBF],
        Encoding::Utf16Le { bom: true } => &[0xFF, 0xFE],
        Encoding::Utf16Be => &[0xFE, 0xFF],
        _ => &[],
    }
}

fuzz_target!(|data: &[u8]| {
    let sniffed = sniff(data);
    let forced = decode(data, true).expect("forced decoding never fails");
    match decode(data, false) {
        Ok(d) => {
            assert!(sniffed.is_ok());
            assert_eq!(d.text, forced.text);
            assert_eq!(d.encoding, forced.encoding);
        }
        Err(NotText::Binary) => assert_eq!(sniffed, Err(NotText::Binary)),
    }
    // What was decoded without loss is written back byte for byte (`--fix` relies on it).
    if !forced.lossy {
        assert_eq!(
            forced.encoding.encode(&forced.text),
            data,
            "{} does not round-trip",
            forced.encoding.name()
        );
    }
    let _ = forced.encoding.name();
    // Every encoding, with the BOM it expects when it has one.
    for e in ALL {
        let mut bytes = bom(e).to_vec();
        bytes.extend_from_slice(data);
        let d = decode_as(&bytes, e);
        let again = d.encoding.encode(&d.text);
        if !d.lossy {
            assert_eq!(
                again,
                bytes,
                "{} (from {}) does not round-trip",
                d.encoding.name(),
                e.name()
            );
        }
        // Encoding arbitrary text and decoding it back gives the text (UTF-8 and UTF-16
        // represent every string).
        if matches!(
            e,
            Encoding::Utf8 { .. } | Encoding::Utf16Le { bom: true } | Encoding::Utf16Be
        ) {
            let enc = e.encode(&forced.text);
            let back = decode_as(&enc, e);
            assert!(!back.lossy);
            assert_eq!(back.text, forced.text, "{}", e.name());
        }
    }
});
