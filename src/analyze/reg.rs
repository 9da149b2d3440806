//! The `.reg` analyzer: regedit exports (REGEDIT4 and Windows Registry Editor 5.00).
//!
//! Turns every value line into a [`RegistryWrite`]. Handles `[key]` and `[-key]`
//! (values under a deleted key are not writes), quoted names with `\"` and `\\`
//! escapes, `@` for the default value, `"name"=-` deletions, `dword:`, `hex(4):`
//! (little-endian DWORD), `hex(b):` (QWORD), string data, `hex(2)`/`hex(7)` strings,
//! `\` line continuations and `;` comments. The finding's span is the value's data; the
//! entry span covers the value's lines so that a fix can delete them.

use crate::diagnostic::Span;
use crate::facts::Fact;
use crate::rules::registry::RegistryWrite;
use crate::rules::value::Value;

/// One logical line: physical lines joined by `\` continuations.
struct Logical<'a> {
    /// Byte offset of the first physical line.
    start: usize,
    /// Byte offset after the last physical line's end (line end included).
    end: usize,
    /// The pieces of content (without continuation backslashes and line ends), with their offsets.
    pieces: Vec<(usize, &'a str)>,
}

impl Logical<'_> {
    fn text(&self) -> String {
        let mut s = String::new();
        for (_, p) in &self.pieces {
            s.push_str(p);
        }
        s
    }

    /// Maps an offset in [`Self::text`] back to the file.
    fn map(&self, mut at: usize) -> usize {
        for (off, p) in &self.pieces {
            if at <= p.len() {
                return off + at;
            }
            at -= p.len();
        }
        self.pieces.last().map_or(self.start, |(o, p)| o + p.len())
    }
}

/// Splits text into physical lines: (start, content end, end after line break).
fn physical_lines(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let b = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        let start = i;
        while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
            i += 1;
        }
        let content_end = i;
        if i < b.len() && b[i] == b'\r' {
            i += 1;
        }
        if i < b.len() && b[i] == b'\n' && (i == content_end || b[i - 1] == b'\r') {
            i += 1;
        }
        Some((start, content_end, i))
    })
}

fn logical_lines(text: &str) -> Vec<Logical<'_>> {
    let mut out = Vec::new();
    let mut cur: Option<Logical<'_>> = None;
    for (start, cend, end) in physical_lines(text) {
        let line = &text[start..cend];
        let trimmed_end = line.trim_end();
        let continues = trimmed_end.ends_with('\\') && !trimmed_end.trim_start().starts_with(';');
        let (piece_off, piece) = match &cur {
            // Continuation lines are indented; the indentation is not data.
            Some(_) => {
                let lead = line.len() - line.trim_start().len();
                (start + lead, &line[lead..])
            }
            None => (start, line),
        };
        let piece = if continues {
            let p = piece.trim_end();
            &p[..p.len() - 1]
        } else {
            piece
        };
        let l = cur.get_or_insert_with(|| Logical {
            start,
            end,
            pieces: Vec::new(),
        });
        l.pieces.push((piece_off, piece));
        l.end = end;
        if !continues {
            if let Some(done) = cur.take() {
                out.push(done);
            }
        }
    }
    if let Some(done) = cur.take() {
        out.push(done);
    }
    out
}

/// Parses a quoted .reg string starting at `s[0] == '"'`; returns the unescaped text and
/// the byte length consumed (closing quote included).
fn parse_quoted(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, n)) = chars.next() {
                    out.push(n);
                }
            }
            '"' => return Some((out, i + 1)),
            c => out.push(c),
        }
    }
    None
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let p = part.trim();
        if p.is_empty() {
            continue;
        }
        out.push(u8::from_str_radix(p, 16).ok()?);
    }
    Some(out)
}

/// Parses value data; returns the value and the length of the data proper (for the span).
fn parse_data(data: &str, unicode: bool) -> (Value, usize) {
    let lower = data.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("dword:") {
        let digits: String = rest
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .take(8)
            .collect();
        let len = "dword:".len() + digits.len();
        return match u64::from_str_radix(&digits, 16) {
            Ok(v) => (Value::Int(v), len),
            Err(_) => (Value::Unknown, data.trim_end().len()),
        };
    }
    if data.starts_with('"') {
        return match parse_quoted(data) {
            Some((s, n)) => (Value::Str(s), n),
            None => (
                Value::Str(data.trim_end().trim_start_matches('"').to_string()),
                data.trim_end().len(),
            ),
        };
    }
    let len = data.trim_end().len();
    let Some(colon) = lower.find(':') else {
        return (Value::Unknown, len);
    };
    let kind = &lower[..colon];
    let Some(bytes) = hex_bytes(&data[colon + 1..]) else {
        return (Value::Unknown, len);
    };
    let value = match kind {
        "hex(4)" if bytes.len() == 4 => Value::Int(u64::from(u32::from_le_bytes([
            bytes[0], bytes[1], bytes[2], bytes[3],
        ]))),
        "hex(5)" if bytes.len() == 4 => Value::Int(u64::from(u32::from_be_bytes([
            bytes[0], bytes[1], bytes[2], bytes[3],
        ]))),
        "hex(b)" if bytes.len() == 8 => {
            let mut a = [0u8; 8];
            a.copy_from_slice(&bytes);
            Value::Int(u64::from_le_bytes(a))
        }
        "hex(2)" | "hex(7)" | "hex(1)" => Value::Str(decode_string_bytes(&bytes, unicode)),
        _ => Value::Unknown,
    };
    (value, len)
}

fn decode_string_bytes(bytes: &[u8], unicode: bool) -> String {
    let s = if unicode {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned()
    };
    s.trim_end_matches('\0').replace('\0', ",")
}

/// Extracts the registry writes of a `.reg` file.
pub fn analyze(text: &str, facts: &mut Vec<Fact>) {
    let unicode = !text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with("REGEDIT4");
    // None: no key yet, or the current key is being deleted.
    let mut key: Option<String> = None;
    for l in logical_lines(text) {
        if crate::budget::exceeded() {
            break;
        }
        let joined = l.text();
        let lead = joined.len() - joined.trim_start().len();
        let t = joined[lead..].trim_end();
        if t.is_empty() || t.starts_with(';') {
            continue;
        }
        if let Some(inner) = t.strip_prefix('[') {
            let inner = inner.rfind(']').map_or(inner, |i| &inner[..i]);
            key = if inner.starts_with('-') {
                None
            } else {
                Some(inner.trim().to_string())
            };
            continue;
        }
        let Some(k) = key.as_ref() else { continue };
        let (name, name_len) = if t.starts_with('@') {
            (String::new(), 1)
        } else if t.starts_with('"') {
            match parse_quoted(t) {
                Some(x) => x,
                None => continue,
            }
        } else {
            continue;
        };
        let after = &t[name_len..];
        let eq_ws = after.len() - after.trim_start().len();
        let Some(data_part) = after.trim_start().strip_prefix('=') else {
            continue;
        };
        let data_ws = data_part.len() - data_part.trim_start().len();
        let data = data_part.trim_start();
        if data == "-" {
            continue; // deletion
        }
        let data_start = lead + name_len + eq_ws + 1 + data_ws;
        let (value, data_len) = parse_data(data, unicode);
        let span = Span::new(
            l.map(data_start),
            l.map(data_start + data_len.max(1).min(data.len())),
        );
        facts.push(Fact::Registry(RegistryWrite {
            key: k.clone(),
            value_name: name,
            value,
            span,
            entry: Some(Span::new(l.start, l.end)),
            added: false,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writes(text: &str) -> Vec<RegistryWrite> {
        let mut f = Vec::new();
        analyze(text, &mut f);
        f.into_iter()
            .filter_map(|f| match f {
                Fact::Registry(r) => Some(r),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn dword_and_span() {
        let t = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"SecureConnectionIgnoreFlags\"=dword:00003300\r\n";
        let w = writes(t);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].value, Value::Int(0x3300));
        assert_eq!(&t[w[0].span.start..w[0].span.end], "dword:00003300");
        let e = w[0].entry.unwrap();
        assert_eq!(
            &t[e.start..e.end],
            "\"SecureConnectionIgnoreFlags\"=dword:00003300\r\n"
        );
    }

    #[test]
    fn hex4_qword_and_strings() {
        let t = "REGEDIT4\n[HKLM\\A]\n\"a\"=hex(4):00,33,00,00\n\"b\"=hex(b):00,08,00,00,00,00,00,00\n\"c\"=\"x\\\"y\"\n@=\"d\"\n";
        let w = writes(t);
        assert_eq!(w[0].value, Value::Int(0x3300));
        assert_eq!(w[1].value, Value::Int(0x800));
        assert_eq!(w[2].value, Value::Str("x\"y".into()));
        assert_eq!(w[3].value_name, "");
    }

    #[test]
    fn deletions_and_deleted_keys() {
        let t =
            "REGEDIT4\n[HKLM\\A]\n\"a\"=-\n[-HKLM\\B]\n\"b\"=dword:1\n[HKLM\\C]\n;\"c\"=dword:1\n";
        assert!(writes(t).is_empty());
    }

    #[test]
    fn continuations() {
        let t = "Windows Registry Editor Version 5.00\n[HKLM\\A]\n\"m\"=hex(7):41,00,42,00,\\\n  00,00,43,00,00,00,00,00\n\"n\"=dword:00000001\n";
        let w = writes(t);
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].value, Value::Str("AB,C".into()));
        assert_eq!(
            &t[w[0].span.start..w[0].span.end],
            "hex(7):41,00,42,00,\\\n  00,00,43,00,00,00,00,00"
        );
        assert_eq!(w[1].value, Value::Int(1));
    }
}
