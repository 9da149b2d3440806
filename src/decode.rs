//! Bytes to text: BOM sniffing, UTF-16 detection, Windows-1252 fallback, binary detection.
//!
//! Windows repositories hold text in several encodings: regedit writes UTF-16LE with a
//! BOM, Windows PowerShell 5 writes UTF-8 with a BOM or UTF-16LE, old batch files are
//! Windows-1252. As in ripgrep, the BOM is sniffed *before* the binary check so that the
//! NUL bytes of UTF-16 never make a text file look binary. The decoded text is always
//! UTF-8; [`Encoding`] remembers how to write it back (used by `--fix`).

use encoding_rs::{UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How a file was stored on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8 {
        /// The file started with EF BB BF.
        bom: bool,
    },
    /// UTF-16 little endian, with or without a byte-order mark.
    Utf16Le {
        /// The file started with FF FE.
        bom: bool,
    },
    /// UTF-16 big endian with a byte-order mark.
    Utf16Be,
    /// Windows-1252 (the ANSI code page of western Windows), for non-UTF-8 8-bit text.
    Windows1252,
}

impl Encoding {
    /// A short name for messages and `--stats`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 { bom: false } => "utf-8",
            Encoding::Utf8 { bom: true } => "utf-8-bom",
            Encoding::Utf16Le { bom: true } => "utf-16le-bom",
            Encoding::Utf16Le { bom: false } => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// Encodes `text` the way the original file was stored (BOM included).
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Encoding::Utf8 { bom } => {
                let mut out = Vec::with_capacity(text.len() + 3);
                if bom {
                    out.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
                }
                out.extend_from_slice(text.as_bytes());
                out
            }
            Encoding::Utf16Le { bom } => {
                let mut out = Vec::with_capacity(text.len() * 2 + 2);
                if bom {
                    out.extend_from_slice(&[0xFF, 0xFE]);
                }
                for u in text.encode_utf16() {
                    out.extend_from_slice(&u.to_le_bytes());
                }
                out
            }
            Encoding::Utf16Be => {
                let mut out = Vec::with_capacity(text.len() * 2 + 2);
                out.extend_from_slice(&[0xFE, 0xFF]);
                for u in text.encode_utf16() {
                    out.extend_from_slice(&u.to_be_bytes());
                }
                out
            }
            Encoding::Windows1252 => {
                let (bytes, _, _) = WINDOWS_1252.encode(text);
                bytes.into_owned()
            }
        }
    }
}

/// A decoded file.
#[derive(Debug)]
pub struct SourceText {
    /// The text, always UTF-8, without a BOM.
    pub text: String,
    /// How it was stored.
    pub encoding: Encoding,
    /// True if some bytes could not be decoded and were replaced by U+FFFD.
    pub lossy: bool,
}

/// Why a file was not decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotText {
    /// NUL bytes in 8-bit content: a binary file.
    Binary,
}

/// Bytes inspected for the binary check and the BOM-less UTF-16 heuristic.
const SNIFF_LEN: usize = 8 * 1024;

/// Returns how the bytes are most likely encoded, without decoding them.
pub fn sniff(bytes: &[u8]) -> Result<Encoding, NotText> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok(Encoding::Utf8 { bom: true });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        // FF FE 00 00 would be UTF-32LE; treat it as binary like typos does.
        if bytes.len() >= 4 && bytes[2] == 0 && bytes[3] == 0 {
            return Err(NotText::Binary);
        }
        return Ok(Encoding::Utf16Le { bom: true });
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Ok(Encoding::Utf16Be);
    }
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    if looks_like_utf16le(head) {
        return Ok(Encoding::Utf16Le { bom: false });
    }
    if memchr0(head) && looks_binary(head) {
        return Err(NotText::Binary);
    }
    Ok(Encoding::Utf8 { bom: false })
}

fn memchr0(b: &[u8]) -> bool {
    b.contains(&0)
}

/// Content with NUL bytes is binary unless they are strays in text: a few NULs and hardly
/// any other control bytes. (ripgrep calls any NUL binary; a security linter must not let
/// one NUL byte hide a script from it.) Executables, images and archives have many NULs or
/// about 11% control bytes.
fn looks_binary(head: &[u8]) -> bool {
    let mut nul = 0usize;
    let mut control = 0usize;
    for &b in head {
        if b == 0 {
            nul += 1;
        }
        if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B) {
            control += 1;
        }
    }
    nul >= 8 || (control > 1 && control * 100 > head.len() * 2)
}

/// BOM-less UTF-16LE as some tools write .reg and .ps1 files. Text in any script is
/// mostly ASCII code units (a NUL high byte) with letters of other scripts in between
/// (Cyrillic, CJK: a non-NUL high byte); what decides is that every code unit is a
/// plausible character: no NUL units, no C0 controls other than tab and line ends, no
/// unpaired surrogates, and line ends present. Binary data with many NULs fails the
/// first test, 8-bit text fails all of them.
fn looks_like_utf16le(head: &[u8]) -> bool {
    if head.len() < 16 {
        return false;
    }
    let pairs = head.len() / 2;
    let mut ascii = 0usize;
    let mut bad = 0usize;
    let mut line_ends = 0usize;
    let mut pending_high = false;
    for i in 0..pairs {
        let u = u16::from_le_bytes([head[2 * i], head[2 * i + 1]]);
        let last = i + 1 == pairs;
        match u {
            0 => bad += 1,
            0x0A | 0x0D => {
                line_ends += 1;
                ascii += 1;
            }
            0x09 | 0x0C => ascii += 1,
            0x01..=0x1F | 0x7F | 0xFFFE | 0xFFFF => bad += 1,
            0x20..=0x7E => ascii += 1,
            0xD800..=0xDBFF => {
                if pending_high {
                    bad += 1;
                }
                pending_high = !last;
                continue;
            }
            0xDC00..=0xDFFF if !pending_high => bad += 1,
            _ => {}
        }
        if pending_high && !(0xDC00..=0xDFFF).contains(&u) {
            bad += 1;
        }
        pending_high = false;
    }
    // Mostly ASCII and nothing implausible: the classic export. Or fewer ASCII units (a
    // file full of Cyrillic comments) but then line ends and not one bad unit.
    (ascii * 10 >= pairs * 9 && bad * 50 <= pairs)
        || (ascii * 10 >= pairs * 3 && bad == 0 && line_ends > 0)
}

/// Decodes a file's bytes. `force_text` decodes binary-looking content anyway (files named
/// on the command line, as in ripgrep).
pub fn decode(bytes: &[u8], force_text: bool) -> Result<SourceText, NotText> {
    let encoding = match sniff(bytes) {
        Ok(e) => e,
        Err(NotText::Binary) if force_text => Encoding::Utf8 { bom: false },
        Err(e) => return Err(e),
    };
    Ok(decode_as(bytes, encoding))
}

/// [`decode`] taking the bytes: UTF-8 (with or without a BOM) becomes the text in place.
pub fn decode_owned(mut bytes: Vec<u8>, force_text: bool) -> Result<SourceText, NotText> {
    let encoding = match sniff(&bytes) {
        Ok(e) => e,
        Err(NotText::Binary) if force_text => Encoding::Utf8 { bom: false },
        Err(e) => return Err(e),
    };
    if let Encoding::Utf8 { bom } = encoding {
        if bom {
            bytes.drain(..3);
        }
        return match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceText {
                text,
                encoding,
                lossy: false,
            }),
            Err(e) => {
                let mut bytes = e.into_bytes();
                if bom {
                    bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
                }
                Ok(decode_as(&bytes, encoding))
            }
        };
    }
    Ok(decode_as(&bytes, encoding))
}

/// Decodes `bytes` with a known encoding. For UTF-8 that turns out invalid, falls back to
/// Windows-1252, which maps every byte.
pub fn decode_as(bytes: &[u8], encoding: Encoding) -> SourceText {
    match encoding {
        Encoding::Utf8 { bom } => {
            let body = if bom { &bytes[3..] } else { bytes };
            match std::str::from_utf8(body) {
                Ok(s) => SourceText {
                    text: s.to_owned(),
                    encoding,
                    lossy: false,
                },
                Err(_) if !bom => {
                    let (text, lossy) = WINDOWS_1252.decode_without_bom_handling(body);
                    SourceText {
                        text: text.into_owned(),
                        encoding: Encoding::Windows1252,
                        lossy,
                    }
                }
                Err(_) => {
                    let text = String::from_utf8_lossy(body).into_owned();
                    SourceText {
                        text,
                        encoding,
                        lossy: true,
                    }
                }
            }
        }
        Encoding::Utf16Le { bom } => {
            let body = if bom { &bytes[2..] } else { bytes };
            let (text, lossy) = UTF_16LE.decode_without_bom_handling(body);
            SourceText {
                text: text.into_owned(),
                encoding,
                lossy,
            }
        }
        Encoding::Utf16Be => {
            let (text, lossy) = UTF_16BE.decode_without_bom_handling(&bytes[2..]);
            SourceText {
                text: text.into_owned(),
                encoding,
                lossy,
            }
        }
        Encoding::Windows1252 => {
            let (text, lossy) = WINDOWS_1252.decode_without_bom_handling(bytes);
            SourceText {
                text: text.into_owned(),
                encoding,
                lossy,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        Encoding::Utf16Le { bom }.encode(s)
    }

    #[test]
    fn utf8_plain_and_bom() {
        let d = decode(b"abc\r\n", false).unwrap();
        assert_eq!(d.text, "abc\r\n");
        assert_eq!(d.encoding, Encoding::Utf8 { bom: false });
        let d = decode(b"\xEF\xBB\xBFabc", false).unwrap();
        assert_eq!(d.text, "abc");
        assert_eq!(d.encoding, Encoding::Utf8 { bom: true });
    }

    #[test]
    fn utf16le_with_and_without_bom() {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n";
        let d = decode(&utf16le(text, true), false).unwrap();
        assert_eq!(d.text, text);
        assert_eq!(d.encoding, Encoding::Utf16Le { bom: true });
        let d = decode(&utf16le(text, false), false).unwrap();
        assert_eq!(d.text, text);
        assert_eq!(d.encoding, Encoding::Utf16Le { bom: false });
    }

    #[test]
    fn utf16le_without_bom_with_non_latin_text() {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n; \u{41d}\u{430}\u{441}\u{442}\u{440}\u{43e}\u{439}\u{43a}\u{438} \u{431}\u{435}\u{437}\u{43e}\u{43f}\u{430}\u{441}\u{43d}\u{43e}\u{441}\u{442}\u{438} \u{434}\u{43b}\u{44f} \u{441}\u{442}\u{430}\u{440}\u{44b}\u{445}\r\n";
        let d = decode(&utf16le(text, false), false).unwrap();
        assert_eq!(d.encoding, Encoding::Utf16Le { bom: false });
        assert_eq!(d.text, text);
        // 8-bit text and binary stay what they were.
        assert_eq!(
            decode("caf\u{e9} au lait\r\n".repeat(4).as_bytes(), false)
                .unwrap()
                .encoding,
            Encoding::Utf8 { bom: false }
        );
    }

    #[test]
    fn utf16be_with_bom() {
        let bytes = Encoding::Utf16Be.encode("REGEDIT4\r\n");
        let d = decode(&bytes, false).unwrap();
        assert_eq!(d.text, "REGEDIT4\r\n");
    }

    #[test]
    fn cp1252_fallback() {
        let d = decode(b"rem \xC5lborg\r\n", false).unwrap();
        assert_eq!(d.text, "rem \u{c5}lborg\r\n");
        assert_eq!(d.encoding, Encoding::Windows1252);
        assert_eq!(Encoding::Windows1252.encode(&d.text), b"rem \xC5lborg\r\n");
    }

    #[test]
    fn binary_is_refused_unless_forced() {
        let bytes = b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0";
        assert_eq!(decode(bytes, false).unwrap_err(), NotText::Binary);
        assert!(decode(bytes, true).is_ok());
    }

    #[test]
    fn a_stray_nul_in_text_is_still_text() {
        let bytes = b"@echo off\r\nrem \0 stray\r\nset GIT_SSL_NO_VERIFY=1\r\n";
        assert!(decode(bytes, false).is_ok());
        // Random bytes (archives, compressed data) stay binary.
        let mut x: u32 = 1;
        let random: Vec<u8> = (0..4096)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        assert_eq!(decode(&random, false).unwrap_err(), NotText::Binary);
    }

    #[test]
    fn odd_length_and_lone_surrogates_do_not_panic() {
        let mut b = utf16le("abcdefghijklmnop", true);
        b.push(0x41);
        assert!(decode(&b, false).unwrap().lossy);
        let b = [0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00];
        assert!(decode(&b, false).unwrap().lossy);
    }

    #[test]
    fn round_trip_utf16_bytes() {
        let bytes = utf16le("a\r\nb", true);
        let d = decode(&bytes, false).unwrap();
        assert_eq!(d.encoding.encode(&d.text), bytes);
    }
}
