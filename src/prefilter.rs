//! The keyword prefilter: decides, on raw bytes, whether a file needs an analyzer at all.
//!
//! Most files of a repository mention nothing TLS-related. One Aho-Corasick automaton over
//! the keywords of every rule answers "could any rule match here?" before the file is
//! decoded, classified or parsed. Keywords are matched ignoring ASCII case (PowerShell,
//! cmd and registry paths are case-insensitive) and also in their UTF-16LE form, so
//! regedit exports and UTF-16 scripts are not decoded just to be rejected.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// A compiled keyword set.
#[derive(Debug, Clone)]
pub struct Prefilter {
    ac: Option<AhoCorasick>,
    keywords: Vec<String>,
}

impl Prefilter {
    /// Builds the prefilter. An empty keyword list matches every file.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(keywords: I) -> Prefilter {
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
        if minimal.is_empty() {
            return Prefilter {
                ac: None,
                keywords: minimal,
            };
        }
        let mut patterns: Vec<Vec<u8>> = minimal.iter().map(|k| k.as_bytes().to_vec()).collect();
        for k in &minimal {
            if k.is_ascii() {
                patterns.push(k.bytes().flat_map(|b| [b, 0]).collect());
            }
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(&patterns)
            .ok();
        Prefilter {
            ac,
            keywords: minimal,
        }
    }

    /// Whether any keyword occurs in `bytes`.
    pub fn is_match(&self, bytes: &[u8]) -> bool {
        match &self.ac {
            None => true,
            Some(ac) => ac.is_match(bytes),
        }
    }

    /// The (minimal) keyword list, for benchmarks and `--stats`.
    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_and_utf16() {
        let p = Prefilter::new(["SecureConnectionIgnoreFlags", "SCHANNEL"]);
        assert!(p.is_match(b"xx secureconnectionignoreflags yy"));
        let utf16: Vec<u8> = "[HKLM\\...\\Schannel]"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(p.is_match(&utf16));
        assert!(!p.is_match(b"nothing to see"));
    }

    #[test]
    fn redundant_keywords_dropped() {
        let p = Prefilter::new(["verify", "sslverify", "insecure"]);
        assert_eq!(p.keywords(), ["insecure", "verify"]);
    }
}
