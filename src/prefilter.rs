//! The keyword prefilter: decides, on raw bytes, whether a file needs an analyzer at all.
//!
//! Most files of a repository mention nothing TLS-related. The keywords of every rule
//! answer "could any rule match here?" before the file is decoded, classified or parsed.
//! Keywords match ignoring ASCII case (PowerShell, cmd and registry paths are
//! case-insensitive) and in UTF-16 files too, so regedit exports are not decoded just to
//! be rejected.
//!
//! How it stays fast: the SIMD literal searcher (Teddy) handles at most 64 case-sensitive
//! literals, and an Aho-Corasick automaton over ~100 case-insensitive literals in two
//! encodings runs at a fraction of its speed. So the bytes are folded, a block at a time
//! into a small reusable buffer, to lowercase ASCII (for UTF-16, the low byte of each
//! ASCII code unit), and the lowercase keywords are searched in groups of at most 64 with
//! Teddy. A block overlaps the previous one by the longest keyword, so no match is lost
//! at a boundary.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind, packed};
use std::cell::RefCell;

/// Bytes folded and searched at a time (fits in L2 with the searchers' tables).
const BLOCK: usize = 64 * 1024;
/// Teddy's pattern limit.
const GROUP: usize = 64;

/// One group of keywords: Teddy where the CPU has it, else an automaton.
#[derive(Debug, Clone)]
enum Searcher {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
    /// The automaton could not be built (size limits): every file passes.
    Everything,
}

impl Searcher {
    fn is_match(&self, hay: &[u8]) -> bool {
        match self {
            Searcher::Packed(s) => s.find(hay).is_some(),
            Searcher::Automaton(a) => a.is_match(hay),
            Searcher::Everything => true,
        }
    }
}

/// A compiled keyword set.
#[derive(Debug, Clone)]
pub struct Prefilter {
    groups: Vec<Searcher>,
    keywords: Vec<String>,
    longest: usize,
    /// Finds `powershell`/`pwsh`: a file that starts PowerShell may hide its keywords in
    /// a base64 `-EncodedCommand` payload, which is decoded and searched too.
    launcher: Option<Box<Prefilter>>,
}

/// Base64 runs shorter than this are not PowerShell payloads worth decoding.
const MIN_PAYLOAD: usize = 16;
/// At most this many base64 bytes of one file are decoded by the prefilter.
const MAX_PAYLOAD_BYTES: usize = 4 << 20;

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// How a file's bytes are viewed as ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// 8-bit text (ASCII, UTF-8, Windows-1252).
    Bytes,
    /// UTF-16LE from this offset: the low byte of each code unit.
    Utf16Le(usize),
    /// UTF-16BE from this offset.
    Utf16Be(usize),
}

/// Whether `bytes` are read as 8-bit text (not UTF-16), as the prefilter sees them.
pub fn is_eight_bit(bytes: &[u8]) -> bool {
    view_of(bytes) == View::Bytes
}

fn view_of(bytes: &[u8]) -> View {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return View::Utf16Le(2);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return View::Utf16Be(2);
    }
    // BOM-less UTF-16LE (some tools write .reg and .ps1 files so): decode's heuristic.
    if bytes.len() >= 16 && (bytes[1] == 0 || bytes[3] == 0 || bytes[5] == 0) {
        if let Ok(crate::decode::Encoding::Utf16Le { bom: false }) = crate::decode::sniff(bytes) {
            return View::Utf16Le(0);
        }
    }
    View::Bytes
}

impl Prefilter {
    /// Builds the prefilter. An empty keyword list matches every file.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(keywords: I) -> Prefilter {
        Prefilter::build(keywords, true)
    }

    fn build<I: IntoIterator<Item = S>, S: AsRef<str>>(keywords: I, launcher: bool) -> Prefilter {
        let mut words: Vec<String> = keywords
            .into_iter()
            .map(|k| k.as_ref().to_ascii_lowercase())
            .filter(|k| !k.is_empty())
            .collect();
        words.sort();
        words.dedup();
        // A keyword that contains another is redundant: the shorter one already matches.
        let minimal: Vec<String> = words
            .iter()
            .filter(|w| !words.iter().any(|o| o != *w && w.contains(o.as_str())))
            .cloned()
            .collect();
        let longest = minimal.iter().map(String::len).max().unwrap_or(0);
        // Folding touches ASCII letters only, so a non-ASCII keyword still matches its
        // UTF-8 spelling (case-sensitively beyond ASCII).
        let groups = minimal
            .chunks(GROUP)
            .map(|chunk| {
                let packed = packed::Config::new()
                    .match_kind(packed::MatchKind::LeftmostFirst)
                    .builder()
                    .extend(chunk.iter().map(String::as_bytes))
                    .build();
                match packed {
                    Some(p) => Searcher::Packed(p),
                    None => AhoCorasickBuilder::new()
                        .match_kind(MatchKind::LeftmostFirst)
                        .build(chunk)
                        .map_or(Searcher::Everything, Searcher::Automaton),
                }
            })
            .collect();
        let launcher = (launcher && !minimal.is_empty())
            .then(|| Box::new(Prefilter::build(["powershell", "pwsh"], false)));
        Prefilter {
            groups,
            keywords: minimal,
            longest,
            launcher,
        }
    }

    /// Whether a base64 run in a file that starts PowerShell decodes (as an
    /// `-EncodedCommand` payload) to text with a keyword.
    fn encoded_payload_matches(&self, bytes: &[u8], buf: &mut Vec<u8>) -> bool {
        let Some(launcher) = &self.launcher else {
            return false;
        };
        if !launcher.search(bytes, View::Bytes, buf, None).0 {
            return false;
        }
        let is_b64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=');
        let mut budget = MAX_PAYLOAD_BYTES;
        let mut i = 0;
        while i < bytes.len() && budget > 0 {
            if !is_b64(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && is_b64(bytes[i]) {
                i += 1;
            }
            let run = &bytes[start..i];
            if run.len() < MIN_PAYLOAD || run.len() > budget {
                continue;
            }
            budget -= run.len();
            let Ok(run) = std::str::from_utf8(run) else {
                continue;
            };
            if let Some(script) = crate::analyze::command::decode_encoded_command(run) {
                if self.search(script.as_bytes(), View::Bytes, buf, None).0 {
                    return true;
                }
            }
        }
        false
    }

    /// Whether any keyword occurs in `bytes` (ignoring ASCII case; UTF-16 aware).
    pub fn is_match(&self, bytes: &[u8]) -> bool {
        if self.keywords.is_empty() {
            return true;
        }
        let view = view_of(bytes);
        BUFFER.with(|cell| {
            let mut buf = cell.borrow_mut();
            // One pass folds the bytes once and looks for the launcher words
            // (`powershell -EncodedCommand`) at the same time.
            let launcher = match view {
                View::Bytes => self.launcher.as_deref(),
                _ => None,
            };
            let (hit, launched) = self.search(bytes, view, &mut buf, launcher);
            hit || (launched && self.encoded_payload_matches(bytes, &mut buf))
        })
    }

    /// Whether a keyword occurs, and whether one of `also`'s keywords does.
    fn search(
        &self,
        bytes: &[u8],
        view: View,
        buf: &mut Vec<u8>,
        also: Option<&Prefilter>,
    ) -> (bool, bool) {
        let mut also_seen = false;
        let overlap = self.longest.saturating_sub(1);
        let (start, step) = match view {
            View::Bytes => (0, 1),
            View::Utf16Le(s) | View::Utf16Be(s) => (s, 2),
        };
        let units = bytes.len().saturating_sub(start) / step;
        let mut at = 0; // in units
        buf.clear();
        while at < units {
            let end = (at + BLOCK).min(units);
            // Keep the tail of the previous block so a keyword across the seam is seen.
            let keep = buf.len().min(overlap);
            let drop = buf.len() - keep;
            buf.drain(..drop);
            match view {
                // A backtick escapes the next character in PowerShell (`-Skip`Cert...`):
                // dropped, so that an escaped name still holds its keyword.
                View::Bytes => {
                    let block = &bytes[at..end];
                    let base = buf.len();
                    // Most blocks hold no backtick: a plain copy, folded in place (both
                    // vectorize), instead of a byte-at-a-time filter.
                    if memchr::memchr(b'`', block).is_none() {
                        buf.extend_from_slice(block);
                    } else {
                        buf.extend(block.iter().filter(|&&b| b != b'`'));
                    }
                    if let Some(tail) = buf.get_mut(base..) {
                        tail.make_ascii_lowercase();
                    }
                }
                View::Utf16Le(s) => {
                    buf.extend(bytes[s + 2 * at..s + 2 * end].chunks_exact(2).map(|u| {
                        if u[1] == 0 {
                            u[0].to_ascii_lowercase()
                        } else {
                            0xFF
                        }
                    }))
                }
                View::Utf16Be(s) => {
                    buf.extend(bytes[s + 2 * at..s + 2 * end].chunks_exact(2).map(|u| {
                        if u[0] == 0 {
                            u[1].to_ascii_lowercase()
                        } else {
                            0xFF
                        }
                    }))
                }
            }
            if self.groups.iter().any(|g| g.is_match(buf)) {
                return (true, also_seen);
            }
            if let Some(a) = also {
                also_seen = also_seen || a.groups.iter().any(|g| g.is_match(buf));
            }
            at = end;
        }
        (false, also_seen)
    }

    /// The (minimal, lowercase) keyword list, for benchmarks and `--stats`.
    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
        v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        v
    }

    #[test]
    fn ascii_and_utf16() {
        let p = Prefilter::new(["SecureConnectionIgnoreFlags", "SCHANNEL"]);
        assert!(p.is_match(b"xx secureconnectionignoreflags yy"));
        assert!(p.is_match(b"xx SECURECONNECTIONIGNOREFLAGS yy"));
        assert!(p.is_match(&utf16le("[HKLM\\...\\Schannel]", true)));
        assert!(p.is_match(&utf16le(
            "Windows Registry Editor Version 5.00\r\n[HKLM\\...\\Schannel]",
            false
        )));
        let mut be = vec![0xFE, 0xFF];
        be.extend("x SChannel".encode_utf16().flat_map(u16::to_be_bytes));
        assert!(p.is_match(&be));
        assert!(!p.is_match(b"nothing to see"));
        assert!(!p.is_match(&utf16le("nothing to see here at all", true)));
    }

    #[test]
    fn redundant_keywords_dropped() {
        let p = Prefilter::new(["verify", "sslverify", "insecure"]);
        assert_eq!(p.keywords(), ["insecure", "verify"]);
    }

    #[test]
    fn keywords_across_block_seams_and_in_every_group() {
        // More keywords than one Teddy group holds; each is found, also across a seam.
        let words: Vec<String> = (0..150).map(|i| format!("kw{i:03}zq")).collect();
        let p = Prefilter::new(&words);
        for w in &words {
            for pad in [0, BLOCK - 3, BLOCK - 1, 2 * BLOCK - 4] {
                let mut hay = vec![b'.'; pad];
                hay.extend_from_slice(w.to_ascii_uppercase().as_bytes());
                hay.extend_from_slice(b"...");
                assert!(p.is_match(&hay), "{w} at {pad}");
            }
        }
        let mut hay = vec![b'.'; 3 * BLOCK];
        hay.extend_from_slice(b"kw999zq");
        assert!(!p.is_match(&hay));
        // UTF-16 across a seam.
        let mut text = ".".repeat(BLOCK - 2);
        text.push_str("KW149ZQ");
        assert!(p.is_match(&utf16le(&text, true)));
    }

    #[test]
    fn empty_matches_everything() {
        assert!(Prefilter::new(Vec::<String>::new()).is_match(b"x"));
        let p = Prefilter::new(["curl"]);
        assert!(!p.is_match(b""));
        assert!(!p.is_match(&[0xFF, 0xFE, 0x41]));
    }
}
