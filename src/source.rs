//! Line index: byte offsets to 1-based lines and character columns.
//!
//! Built only for files that have something to report. A line ends at LF, CRLF or a lone
//! CR (old Mac files), so that line numbers agree with what an editor shows. Columns
//! count characters (Unicode scalar values) of the decoded line, as INTERFACE.md says.

/// Start offsets of every line of a text, as `u32` (half the memory of `usize`: a 16 MB
/// file of short lines has two million of them). Texts are far below 4 GiB (the size limit
/// is 16 MB unless raised); past 4 GiB no more line starts are recorded, so the rest of
/// such a text counts as one line, rather than a wrong offset.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
    len: usize,
    /// The text is ASCII: a column is a byte count.
    ascii: bool,
}

/// A 1-based position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut after_cr = usize::MAX;
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            // `\r\n` is one line end: its `\n` does not start another line.
            let Ok(next) = u32::try_from(i + 1) else {
                break;
            };
            if i == after_cr && bytes[i] == b'\n' {
                if let Some(last) = starts.last_mut() {
                    *last = next;
                }
                continue;
            }
            if bytes[i] == b'\r' {
                after_cr = i + 1;
            }
            starts.push(next);
        }
        LineIndex {
            starts,
            len: text.len(),
            ascii: text.is_ascii(),
        }
    }

    /// Number of lines (a trailing line end does not open a new line).
    pub fn line_count(&self) -> usize {
        if self.starts.len() > 1 && self.starts.last().map_or(0, |&s| s as usize) == self.len {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let Ok(offset) = u32::try_from(offset) else {
            return self.starts.len() - 1;
        };
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte offset where 0-based `line` starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).map_or(self.len, |&s| s as usize)
    }

    /// The byte range of 0-based `line` without its line end.
    pub fn line_range(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.line_start(line);
        let mut end = self.line_start(line + 1);
        let b = text.as_bytes();
        while end > start && (b[end - 1] == b'\n' || b[end - 1] == b'\r') {
            end -= 1;
        }
        (start, end)
    }

    /// The byte range of 0-based `line` including its line end.
    pub fn line_range_with_end(&self, line: usize) -> (usize, usize) {
        (self.line_start(line), self.line_start(line + 1))
    }

    /// The text of 0-based `line` without its line end.
    pub fn line_text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let (s, e) = self.line_range(text, line);
        &text[s..e]
    }

    /// 1-based line and character column of a byte offset.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line);
        let column = text[start..offset].chars().count() + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// Byte offset of a 1-based line and character column (clamped to the line).
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let line = pos.line.saturating_sub(1);
        let (s, e) = self.line_range(text, line);
        // Columns count characters: in ASCII they are bytes (a whole-text answer, else
        // this line's: both vectorized, unlike walking the characters).
        let ascii = self.ascii && self.len == text.len();
        if ascii || text.get(s..e).is_some_and(str::is_ascii) {
            return if pos.column <= 1 {
                s
            } else {
                s + (pos.column - 1).min(e - s)
            };
        }
        let mut off = s;
        for (n, (i, _)) in text[s..e].char_indices().enumerate() {
            if n + 1 == pos.column {
                return s + i;
            }
            off = s + i;
        }
        if pos.column <= 1 { s } else { e.max(off) }
    }
}

/// The largest char boundary `<= i`.
pub fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Where the content `s` of a string literal written at `span` of `text` sits (after its
/// quote or prefix); the literal's span when the content is not written as is (escapes).
pub fn content_span(text: &str, span: crate::diagnostic::Span, s: &str) -> crate::diagnostic::Span {
    match text.get(span.start..span.end).and_then(|w| w.find(s)) {
        Some(at) if !s.is_empty() => {
            crate::diagnostic::Span::new(span.start + at, span.start + at + s.len())
        }
        _ => span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_line_ends() {
        let t = "a\r\nbb\ncc\rd";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_count(), 4);
        assert_eq!(ix.position(t, 0), Position { line: 1, column: 1 });
        assert_eq!(ix.position(t, 3), Position { line: 2, column: 1 });
        assert_eq!(ix.position(t, 7), Position { line: 3, column: 2 });
        assert_eq!(ix.position(t, 9), Position { line: 4, column: 1 });
        assert_eq!(ix.line_text(t, 0), "a");
        assert_eq!(ix.line_text(t, 2), "cc");
    }

    #[test]
    fn columns_count_characters() {
        let t = "\u{c5}lborg = x";
        let ix = LineIndex::new(t);
        let off = t.find('=').unwrap();
        assert_eq!(ix.position(t, off).column, 8);
        assert_eq!(ix.offset(t, Position { line: 1, column: 8 }), off);
    }

    #[test]
    fn offsets_round_trip_in_ascii_and_not() {
        // Every line end, `\r\n` across lines, empty lines, a column past a line's end.
        for t in ["ab\r\n\r\ncd\n\re\r", "\u{c5}b\r\n\r\nc\u{e9}\n\re\r", "x"] {
            let ix = LineIndex::new(t);
            for (off, _) in t.char_indices() {
                let p = ix.position(t, off);
                let back = ix.offset(t, p);
                let (s, e) = ix.line_range(t, p.line - 1);
                if off <= e {
                    assert_eq!(back, off, "{t:?} {off}");
                } else {
                    assert_eq!(back, e.max(s), "{t:?} {off}");
                }
            }
            let p = Position {
                line: 1,
                column: 99,
            };
            assert_eq!(ix.offset(t, p), ix.line_range(t, 0).1);
        }
        let t = "a\r\nb";
        assert_eq!(LineIndex::new(t).line_start(1), 3);
        // Two CRs then LF: two line ends, the second a CRLF.
        let ix = LineIndex::new("a\r\r\nb\r");
        assert_eq!(ix.line_count(), 3);
        assert_eq!(ix.line_start(1), 2);
        assert_eq!(ix.line_start(2), 4);
    }

    #[test]
    fn trailing_newline_is_not_a_line() {
        let ix = LineIndex::new("a\nb\n");
        assert_eq!(ix.line_count(), 2);
        assert_eq!(LineIndex::new("").line_count(), 1);
    }
}
