//! Escaping of text that comes from scanned files (file names, file content, values in
//! messages) before it reaches a terminal, a CI log or Markdown.
//!
//! A file name or a line of a file can hold a newline, a carriage return, ESC (terminal
//! control sequences), other C0/C1 control characters or Unicode bidirectional overrides.
//! In a CI log a line that starts with `::` is a workflow command (`::error`,
//! `::stop-commands::`), so a raw newline in a file name printed on stdout or stderr could
//! inject one. [`terminal`] writes every such character as a visible escape (`\n`,
//! `\x1b`, `\u{202e}`), so what tlslint prints from a file is always on one line and
//! never a control sequence. [`same_width`] does the same for a whole file's text but
//! keeps every byte offset (for source excerpts). [`markdown_text`] and
//! [`markdown_code`] make text inert in Markdown.

/// Whether `c` must not reach a terminal or a log as it is.
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `s` with every control character, line break and bidirectional control written as an
/// escape. Text without any is returned unchanged.
pub fn terminal(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c) && c != '\t') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push('\t'),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x100 && is_dangerous(c) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_dangerous(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A file's text for display: control characters other than tab and line ends, and
/// bidirectional controls, replaced by visible characters of the same UTF-8 length, so
/// that byte offsets into the original text stay valid.
pub fn same_width(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| is_dangerous(c) && !matches!(c, '\t' | '\n' | '\r');
    if !text.chars().any(bad) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if bad(c) {
            out.push(match c.len_utf8() {
                1 => '?',
                2 => '\u{bf}',    // ¿
                3 => '\u{fffd}',  // �
                _ => '\u{1f5f5}', // 4 bytes
            });
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text for a Markdown table cell, rendered literally: every ASCII punctuation character
/// that can start Markdown or GitHub syntax is backslash-escaped (no links,
/// images, emphasis, code spans, HTML, autolinks or cell breaks), control characters and
/// line breaks are escaped as in [`terminal`].
pub fn markdown_text(s: &str) -> String {
    let s = terminal(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '!'
                | '&'
                | '|'
                | '~'
                | ':'
                | '@'
                | '$'
        ) || (c == '.'
            && out
                .as_bytes()
                .get(out.len().saturating_sub(3)..)
                .is_some_and(|t| t.eq_ignore_ascii_case(b"www")))
        {
            // `www.` starts an autolink as `https://` does.
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `s` as a Markdown code span in a table cell: fenced with more backticks than any run
/// inside it, padded when it starts or ends with a backtick, `|` escaped for the table.
pub fn markdown_code(s: &str) -> String {
    let s = terminal(s);
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') || s.starts_with(' ') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", s.replace('|', "\\|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes() {
        assert_eq!(terminal("a.sh"), "a.sh");
        assert_eq!(
            terminal("x\n::error file=f::y\x1b[31m\u{202e}"),
            "x\\n::error file=f::y\\x1b[31m\\u{202e}"
        );
        assert_eq!(terminal("a\tb"), "a\tb");
    }

    #[test]
    fn same_width_keeps_offsets() {
        let t = "a\x1bb\u{85}c\u{202e}d\n";
        let s = same_width(t);
        assert_eq!(s.len(), t.len());
        assert_eq!(s, "a?b\u{bf}c\u{fffd}d\n");
    }

    #[test]
    fn markdown() {
        assert_eq!(
            markdown_text("V=[x](https://evil.example)"),
            "V=\\[x\\](https\\://evil.example)"
        );
        assert_eq!(markdown_text("see www.x.example"), "see www\\.x.example");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x` y|z"), "`` `x` y\\|z ``");
    }
}
