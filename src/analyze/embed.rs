//! Text assembled from pieces of a file, with every byte mapped back to the file.
//!
//! Scripts hide inside other files: PowerShell passed to `powershell -Command "..."` over
//! several `^`-continued lines of a batch file, a CI step's `script: |` block, a quoted
//! argument with escapes. The analyzer of the inner language works on an [`Embedded`]
//! text; its facts are mapped back so that findings point at the outer file's lines.

use crate::diagnostic::Span;

/// Text plus a run-length map from its byte offsets to offsets in the enclosing file.
#[derive(Debug, Clone, Default)]
pub struct Embedded {
    /// The assembled text.
    pub text: String,
    /// `(text offset, file offset)` at the start of each contiguous run, ascending.
    segs: Vec<(usize, usize)>,
    /// File offset just after the last byte.
    end: usize,
}

impl Embedded {
    /// An empty text.
    pub fn new() -> Embedded {
        Embedded::default()
    }

    /// A text that is a contiguous slice of the file starting at `orig`.
    pub fn contiguous(text: &str, orig: usize) -> Embedded {
        let mut e = Embedded::new();
        e.push_str(text, orig);
        e
    }

    /// Appends `s`, which sits in the file at `orig`.
    pub fn push_str(&mut self, s: &str, orig: usize) {
        if s.is_empty() {
            return;
        }
        let at = self.text.len();
        let contiguous = self.segs.last().is_some_and(|&(t, o)| o + (at - t) == orig);
        if !contiguous {
            self.start_run(at, orig);
        }
        self.text.push_str(s);
        self.end = orig + s.len();
    }

    /// Starts a run at text offset `at` (replacing a run that would be empty).
    fn start_run(&mut self, at: usize, orig: usize) {
        match self.segs.last_mut() {
            Some(last) if last.0 == at => *last = (at, orig),
            _ => self.segs.push((at, orig)),
        }
    }

    /// Appends one character that stands for `orig_len` bytes of the file at `orig` (an
    /// escape sequence, a separator).
    pub fn push_char(&mut self, c: char, orig: usize, orig_len: usize) {
        let at = self.text.len();
        let mut buf = [0u8; 4];
        let s = c.encode_utf8(&mut buf);
        if s.len() == orig_len {
            self.push_str(s, orig);
            return;
        }
        self.start_run(at, orig);
        self.text.push(c);
        // What follows maps past the source; a following push starts a new run.
        self.segs.push((at + s.len(), orig + orig_len));
        self.end = orig + orig_len;
    }

    /// Appends another embedded text (keeping its mapping).
    pub fn append(&mut self, other: &Embedded) {
        let base = self.text.len();
        for &(t, o) in &other.segs {
            let at = base + t;
            let contiguous = self
                .segs
                .last()
                .is_some_and(|&(st, so)| so + (at - st) == o);
            if !contiguous {
                self.segs.push((at, o));
            }
        }
        self.text.push_str(&other.text);
        if !other.text.is_empty() {
            self.end = other.end;
        }
    }

    /// The text between byte offsets `start` and `end` (char boundaries), still mapped.
    pub fn slice(&self, start: usize, end: usize) -> Embedded {
        let mut out = Embedded::new();
        let end = end.min(self.text.len());
        for (i, &(t, o)) in self.segs.iter().enumerate() {
            let next = self.segs.get(i + 1).map_or(self.text.len(), |s| s.0);
            let (a, b) = (start.max(t), end.min(next));
            if a < b {
                if let Some(piece) = self.text.get(a..b) {
                    out.push_str(piece, o + (a - t));
                }
            }
        }
        out
    }

    /// The file offset of text offset `pos`.
    pub fn map(&self, pos: usize) -> usize {
        if pos >= self.text.len() {
            return self.end;
        }
        let i = match self.segs.binary_search_by(|&(t, _)| t.cmp(&pos)) {
            Ok(i) => i,
            Err(0) => return self.segs.first().map_or(0, |&(_, o)| o),
            Err(i) => i - 1,
        };
        let (t, o) = self.segs[i];
        o + (pos - t)
    }

    /// Maps a span of the text to the file. The end maps from the last byte of the span,
    /// so a span never stretches over a gap (a line continuation, a closing quote).
    pub fn map_span(&self, s: Span) -> Span {
        let start = self.map(s.start);
        let end = if s.end > s.start {
            self.map(s.end - 1) + 1
        } else {
            start
        };
        Span::new(start, end.max(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_map_back() {
        // file: `say "ab" ^\n  "cd"` -> text `ab cd`
        let file = "say \"ab\" ^\n  \"cd\"";
        let mut e = Embedded::new();
        e.push_str("ab", 5);
        e.push_char(' ', 8, 1);
        e.push_str("cd", 14);
        assert_eq!(e.text, "ab cd");
        assert_eq!(&file[e.map(0)..e.map(0) + 2], "ab");
        assert_eq!(&file[e.map(3)..e.map(3) + 2], "cd");
        let s = e.map_span(Span::new(3, 5));
        assert_eq!(&file[s.start..s.end], "cd");
    }

    #[test]
    fn escapes_take_their_source_width() {
        let mut e = Embedded::new();
        e.push_str("a", 0);
        e.push_char('"', 1, 2); // `\"`
        e.push_str("b", 3);
        assert_eq!(e.text, "a\"b");
        assert_eq!(e.map(2), 3);
    }

    #[test]
    fn append_keeps_mapping() {
        let a = Embedded::contiguous("xy", 10);
        let b = Embedded::contiguous("zw", 20);
        let mut c = Embedded::new();
        c.append(&a);
        c.push_char(' ', 12, 1);
        c.append(&b);
        assert_eq!(c.text, "xy zw");
        assert_eq!(c.map(3), 20);
        assert_eq!(c.map(1), 11);
    }
}
