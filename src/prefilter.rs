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
/// Blanks after a written key that a block seam may cut off (`verify    =`) and the next
/// block still sees.
const WRITTEN_SLACK: usize = 64;

/// One group of keywords: Teddy where the CPU has it, else an automaton.
#[derive(Debug, Clone)]
enum Searcher {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
    /// The automaton could not be built (size limits): every file passes.
    Everything,
}

impl Searcher {
    /// Teddy for one group of (lowercase) patterns where the CPU has it, else an
    /// automaton; `longest` picks the longest of the patterns that start at one place.
    fn build(patterns: &[String], longest: bool) -> Searcher {
        let (packed_kind, kind) = if longest {
            (
                packed::MatchKind::LeftmostLongest,
                MatchKind::LeftmostLongest,
            )
        } else {
            (packed::MatchKind::LeftmostFirst, MatchKind::LeftmostFirst)
        };
        let packed = packed::Config::new()
            .match_kind(packed_kind)
            .builder()
            .extend(patterns.iter().map(String::as_bytes))
            .build();
        match packed {
            Some(p) => Searcher::Packed(p),
            None => AhoCorasickBuilder::new()
                .match_kind(kind)
                .build(patterns)
                .map_or(Searcher::Everything, Searcher::Automaton),
        }
    }

    fn is_match(&self, hay: &[u8]) -> bool {
        match self {
            Searcher::Packed(s) => s.find(hay).is_some(),
            Searcher::Automaton(a) => a.is_match(hay),
            Searcher::Everything => true,
        }
    }

    /// Whether `accept` takes the span of any match (leftmost, non-overlapping).
    fn any_match(&self, hay: &[u8], mut accept: impl FnMut(usize, usize) -> bool) -> bool {
        match self {
            Searcher::Packed(s) => s.find_iter(hay).any(|m| accept(m.start(), m.end())),
            Searcher::Automaton(a) => a.find_iter(hay).any(|m| accept(m.start(), m.end())),
            Searcher::Everything => true,
        }
    }
}

/// A compiled keyword set.
#[derive(Debug, Clone)]
pub struct Prefilter {
    groups: Vec<Searcher>,
    keywords: Vec<String>,
    /// Setting keys that count only where the text writes them ([`written_key`]):
    /// the same word is common in code that only reads it (`verify`,
    /// `InsecureSkipVerify`).
    written: Option<Searcher>,
    written_keys: Vec<String>,
    longest: usize,
    /// PowerShell's backtick escapes are dropped before searching (off for code, whose
    /// second stage has no PowerShell to read).
    escapes: bool,
    /// Finds `powershell`/`pwsh`: a file that starts PowerShell may hide its keywords in
    /// a base64 `-EncodedCommand` payload, which is decoded and searched too.
    launcher: Option<Box<Prefilter>>,
}

/// Base64 runs shorter than this are not PowerShell payloads worth decoding.
const MIN_PAYLOAD: usize = 16;
/// At most this many base64 bytes of one file are decoded by the prefilter.
const MAX_PAYLOAD_BYTES: usize = 4 << 20;

/// Whether `c` can be part of a base64 payload.
fn is_base64(c: u8) -> bool {
    crate::analyze::command::BASE64_VALUE[usize::from(c)] < 64 || c == b'='
}

/// The maximal runs of base64 characters at least `min` long, as byte ranges. Looks at
/// the last byte a run starting here would need first: where that is not base64 (most of
/// text: names are shorter than a payload) it skips `min` bytes at once.
fn base64_runs(bytes: &[u8], min: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let min = min.max(1);
    // Invariant: `i` is 0 or follows a byte that is not base64.
    let mut i = 0;
    std::iter::from_fn(move || {
        while let Some(&last) = bytes.get(i + min - 1) {
            if !is_base64(last) {
                i += min;
                continue;
            }
            // Where the run holding `last` starts, if after `i`.
            let mut j = i + min - 1;
            while j > i && is_base64(bytes[j - 1]) {
                j -= 1;
            }
            if j > i {
                i = j;
                continue;
            }
            let start = i;
            let mut end = i + min;
            while end < bytes.len() && is_base64(bytes[end]) {
                end += 1;
            }
            i = end + 1;
            return Some((start, end));
        }
        None
    })
}

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

    /// The second stage of a code language: any of `words`, or a key of `written` where
    /// the code writes it ([`written_key`]). Backticks are not escapes in code.
    pub fn code<S: AsRef<str>>(words: &[S], written: &[S]) -> Prefilter {
        let mut p = Prefilter::build(words, true);
        p.escapes = false;
        let keys = lowercase_set(written);
        if !keys.is_empty() {
            // Leftmost-longest: `InsecureSkipVerifyTLS:` is the key
            // `InsecureSkipVerifyTLS` written, not `InsecureSkipVerify` followed by `T`.
            p.written = Some(Searcher::build(&keys, true));
            p.longest = p
                .longest
                .max(keys.iter().map(String::len).max().unwrap_or(0));
            p.written_keys = keys;
        }
        p
    }

    fn build<I: IntoIterator<Item = S>, S: AsRef<str>>(keywords: I, launcher: bool) -> Prefilter {
        let words = lowercase_set(keywords);
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
            .map(|chunk| Searcher::build(chunk, false))
            .collect();
        let launcher = (launcher && !minimal.is_empty())
            .then(|| Box::new(Prefilter::build(["powershell", "pwsh"], false)));
        Prefilter {
            groups,
            keywords: minimal,
            written: None,
            written_keys: Vec::new(),
            longest,
            escapes: true,
            launcher,
        }
    }

    /// Whether nothing was asked for (such a prefilter passes every file).
    fn is_empty(&self) -> bool {
        self.keywords.is_empty() && self.written_keys.is_empty()
    }

    /// How much of a block the next one repeats: a keyword across the seam is seen
    /// whole in the next block, and so is a written key with the blanks after it.
    fn overlap(&self) -> usize {
        let slack = if self.written.is_some() {
            WRITTEN_SLACK
        } else {
            0
        };
        self.longest.saturating_sub(1) + slack
    }

    /// Whether a block holds a keyword, or a key written ([`written_key`]); `last` when
    /// no block follows. A key whose writing the block cuts off is judged in the next
    /// block, which repeats it, or counts when it is too far from the seam for that.
    fn block_matches(&self, buf: &[u8], last: bool) -> bool {
        self.groups.iter().any(|g| g.is_match(buf))
            || self.written.as_ref().is_some_and(|w| {
                w.any_match(buf, |start, end| {
                    written_at(buf, end)
                        .unwrap_or_else(|| !last && buf.len() - start > self.overlap())
                })
            })
    }

    /// Whether a base64 run in a file that starts PowerShell decodes (as an
    /// `-EncodedCommand` payload) to text with a keyword.
    fn encoded_payload_matches(&self, bytes: &[u8], buf: &mut Vec<u8>) -> bool {
        if self.launcher.is_none() {
            return false;
        }
        let words = || self.keywords.iter().chain(&self.written_keys);
        // A payload decodes to UTF-16: ASCII keywords can only be where it holds that
        // many ASCII characters in a row, which most base64-looking runs (long names,
        // hashes) do not.
        let ascii = words().all(|w| w.is_ascii());
        let shortest = words().map(String::len).min().unwrap_or(0);
        let mut script = Vec::new();
        let mut budget = MAX_PAYLOAD_BYTES;
        for (start, end) in base64_runs(bytes, MIN_PAYLOAD) {
            if budget == 0 {
                break;
            }
            let Some(run) = bytes.get(start..end) else {
                break;
            };
            if run.len() > budget {
                continue;
            }
            budget -= run.len();
            let found = if ascii {
                decode_ascii_units(run, &mut script) >= shortest
                    && self.search(&script, View::Bytes, buf, None).0
            } else {
                let script = std::str::from_utf8(run)
                    .ok()
                    .and_then(crate::analyze::command::decode_encoded_command);
                script.is_some_and(|s| self.search(s.as_bytes(), View::Bytes, buf, None).0)
            };
            if found {
                return true;
            }
        }
        false
    }

    /// Whether any keyword occurs in `bytes` (ignoring ASCII case; UTF-16 aware).
    pub fn is_match(&self, bytes: &[u8]) -> bool {
        if self.is_empty() {
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
        let overlap = self.overlap();
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
                    // Copied between backticks (a plain copy where there are none), then
                    // folded in place: both vectorize, unlike a byte-at-a-time filter.
                    if self.escapes {
                        let mut from = 0;
                        for tick in memchr::memchr_iter(b'`', block) {
                            buf.extend_from_slice(&block[from..tick]);
                            from = tick + 1;
                        }
                        buf.extend_from_slice(&block[from..]);
                    } else {
                        buf.extend_from_slice(block);
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
            if self.block_matches(buf, end == units) {
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

/// Decodes a base64 run as UTF-16LE into `out` as an ASCII keyword search sees it:
/// ASCII characters as themselves, any other as `0xFF`; returns the longest row of ASCII
/// characters. What [`crate::analyze::command::decode_encoded_command`] decodes, without
/// building the string.
fn decode_ascii_units(run: &[u8], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut bytes = crate::analyze::command::base64_bytes(run).flatten();
    let (mut row, mut longest) = (0usize, 0usize);
    while let (Some(lo), Some(hi)) = (bytes.next(), bytes.next()) {
        let unit = u16::from_le_bytes([lo, hi]);
        if unit < 0x80 {
            out.push(unit as u8);
            row += 1;
            longest = longest.max(row);
        } else {
            out.push(0xFF);
            row = 0;
        }
    }
    longest
}

/// Lowercase, sorted, without duplicates or empty words.
fn lowercase_set<I: IntoIterator<Item = S>, S: AsRef<str>>(words: I) -> Vec<String> {
    let mut out: Vec<String> = words
        .into_iter()
        .map(|k| k.as_ref().to_ascii_lowercase())
        .filter(|k| !k.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether a setting key that ends at `end` is written there, as every position a
/// setting fact comes from writes it: an argument or assignment (`verify=`,
/// `.InsecureSkipVerify = `), a field or annotated member (`InsecureSkipVerify:`), a
/// dict key or string subscript (`'verify'`), a setter (`SetInsecureSkipVerify(`).
/// Blanks may separate the key from `=`, `:` or `(`; a quote must follow at once.
pub fn written_key(text: &[u8], end: usize) -> bool {
    written_at(text, end).unwrap_or(false)
}

/// [`written_key`], or `None` when `text` ends before it can tell.
fn written_at(text: &[u8], end: usize) -> Option<bool> {
    match text.get(end)? {
        b'\'' | b'"' | b'`' => return Some(true),
        _ => {}
    }
    let rest = text.get(end..).unwrap_or_default();
    rest.iter()
        .find(|c| !matches!(c, b' ' | b'\t'))
        .map(|c| matches!(c, b'=' | b':' | b'('))
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
    fn written_keys_count_where_written_also_across_seams() {
        let p = Prefilter::code(
            &["curlopt_ssl_verifypeer"],
            &["verify", "InsecureSkipVerify"],
        );
        assert!(p.is_match(b"get(u, VERIFY=False)"));
        assert!(p.is_match(b"{'verify': 0}"));
        assert!(p.is_match(b"o.SetInsecureSkipVerify(true)"));
        assert!(p.is_match(b"x CURLOPT_SSL_VERIFYPEER y"));
        assert!(!p.is_match(b"if s.verify and ok:\n"));
        assert!(!p.is_match(b"return verify"));
        // Leftmost-longest: a longer key written is not the shorter one written.
        assert!(!p.is_match(b"if s.insecureskipverifyx {\n"));
        for pad in [
            BLOCK - 9,
            BLOCK - 7,
            BLOCK - 6,
            BLOCK - 3,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
        ] {
            let mut hay = vec![b'.'; pad];
            hay.extend_from_slice(b"verify  = False");
            assert!(p.is_match(&hay), "written at {pad}");
            let mut hay = vec![b'.'; pad];
            hay.extend_from_slice(b"verify.x()");
            assert!(!p.is_match(&hay), "read at {pad}");
        }
        // Blanks cut off by a seam, farther than the next block repeats: counted.
        let mut hay = vec![b'.'; BLOCK - 6 - 100];
        hay.extend_from_slice(b"verify");
        hay.extend_from_slice(&[b' '; 100]);
        hay.extend_from_slice(b"= False");
        assert!(p.is_match(&hay));
        // The last block's end is the text's end: a key there is not written.
        let mut hay = vec![b'.'; BLOCK + 5];
        hay.extend_from_slice(b"verify");
        assert!(!p.is_match(&hay));
        // In code a backtick is a quote, not an escape.
        assert!(p.is_match(b"json:`verify`"));
        assert!(!Prefilter::code(&["skipcacheck"], &[]).is_match(b"-Skip`CACheck"));
        assert!(Prefilter::new(["skipcacheck"]).is_match(b"-Skip`CA`Check"));
    }

    /// The next number of a deterministic pseudo-random sequence.
    fn xorshift(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn base64_runs_are_the_maximal_runs_of_at_least_the_length() {
        // Every run of every length around the minimum, at the start, middle and end,
        // and pseudo-random text of names, blanks and punctuation.
        let naive = |b: &[u8], min: usize| {
            let mut out = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if !is_base64(b[i]) {
                    i += 1;
                    continue;
                }
                let s = i;
                while i < b.len() && is_base64(b[i]) {
                    i += 1;
                }
                if i - s >= min {
                    out.push((s, i));
                }
            }
            out
        };
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for n in 0..40 {
            for pad in 0..3 {
                let mut t = b" ".repeat(pad);
                t.extend(std::iter::repeat_n(b'A', n));
                t.extend(b" x-".repeat(pad));
                t.extend(std::iter::repeat_n(b'=', n % 3));
                texts.push(t);
            }
        }
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..300 {
            let mut t = Vec::new();
            let alphabet = b"aZ09+/= \n-_.\"(aaaaaaaaaa";
            for _ in 0..200 {
                t.push(alphabet[(xorshift(&mut seed) % alphabet.len() as u64) as usize]);
            }
            texts.push(t);
        }
        for t in &texts {
            for min in [1, 2, 16, 17] {
                assert_eq!(
                    base64_runs(t, min).collect::<Vec<_>>(),
                    naive(t, min),
                    "{:?} {min}",
                    String::from_utf8_lossy(t)
                );
            }
        }
    }

    #[test]
    fn payloads_decode_as_the_command_analyzer_decodes_them() {
        use crate::analyze::command::decode_encoded_command;
        // UTF-16LE base64 of `curl -k https://x`, of a line ending in `é中`, and of
        // `Get-Date -Format o`.
        const CURL: &str = "YwB1AHIAbAAgAC0AawAgAGgAdAB0AHAAcwA6AC8ALwB4AA==";
        const PROTOCOL: &str = "WwBOAGUAdAAuAFMAZQByAHYAaQBjAGUAUABvAGkAbgB0AE0AYQBuAGEAZwBlAHIAXQA6ADoAUwBlAGMAdQByAGkAdAB5AFAAcgBvAHQAbwBjAG8AbAAgAD0AIAAnAFMAcwBsADMAJwAgAOkALU4=";
        const DATE: &str = "RwBlAHQALQBEAGEAdABlACAALQBGAG8AcgBtAGEAdAAgAG8A";
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
        let mut runs: Vec<String> = vec![
            CURL.to_string(),
            PROTOCOL.to_string(),
            "SecurityProtocolTypeTls12".to_string(),
        ];
        for n in 0..300 {
            let mut r = String::new();
            for _ in 0..(16 + n % 40) {
                r.push(char::from(
                    alphabet[(xorshift(&mut seed) % alphabet.len() as u64) as usize],
                ));
            }
            runs.push(r);
        }
        let mut out = Vec::new();
        for run in &runs {
            let longest = decode_ascii_units(run.as_bytes(), &mut out);
            let want: Vec<u8> = decode_encoded_command(run)
                .unwrap_or_default()
                .chars()
                .map(|c| if c.is_ascii() { c as u8 } else { 0xFF })
                .collect();
            assert_eq!(out, want, "{run}");
            let row = want
                .split(|&b| b == 0xFF)
                .map(<[u8]>::len)
                .max()
                .unwrap_or(0);
            assert_eq!(longest, row, "{run}");
        }
        // A launched payload with a keyword passes; the same words not encoded do not.
        let p = Prefilter::new(["SecurityProtocol"]);
        let file = format!("powershell -EncodedCommand {PROTOCOL}");
        assert!(p.is_match(file.as_bytes()));
        let other = format!("powershell -EncodedCommand {DATE}");
        assert!(!p.is_match(other.as_bytes()));
        assert_eq!(
            decode_encoded_command(CURL).as_deref(),
            Some("curl -k https://x")
        );
    }

    #[test]
    fn empty_matches_everything() {
        assert!(Prefilter::new(Vec::<String>::new()).is_match(b"x"));
        let p = Prefilter::new(["curl"]);
        assert!(!p.is_match(b""));
        assert!(!p.is_match(&[0xFF, 0xFE, 0x41]));
    }
}
