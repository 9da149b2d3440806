//! Turning a rule's fix strategy into concrete edits.
//!
//! Rules declare *what* fixes a finding (`fix = { set = 0 }`, `"negate"`, `{ clear =
//! "legacy-protocol", fallback = 0x800 }`, `"remove"`, `{ replace = "Tls12" }`); this
//! module works out *how* in the file's own notation: `dword:00000a80` becomes
//! `dword:00000800`, `/d 2688` becomes `/d 2048`, `'0x00000A00'` becomes `'0x00000800'`, GPP's
//! `value="00000A80"` becomes `value="00000800"`, `False` becomes `True`, `0L` becomes `1L`. A
//! fix only ever touches the finding's own span (or, for removals, the option or argument
//! that carries it).

use crate::diagnostic::{Applicability, Category, Edit, Fix, Span};
use crate::facts::OptionFact;
use crate::format::FileFormat;
use crate::rules::tables::{FlagEntry, FlagTable, Hex};
use serde::Deserialize;

/// A rule's fix strategy, as written in rule files (`fix = ...` on a matcher).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum FixSpec {
    /// `"negate"` (a boolean to its safe opposite), `"remove"` (the option or argument),
    /// `"delete"` (the whole entry, e.g. a .reg value line).
    Word(FixWord),
    /// `{ set = N }`: write this number, in the notation used.
    Set {
        /// The value to write.
        set: u64,
    },
    /// `{ clear = "legacy-protocol", fallback = 0x800 }`: clear the bits of that category
    /// (decoded with the matcher's table); write `fallback` if nothing is left.
    Clear {
        /// Bits of this category are cleared.
        clear: Category,
        /// Written when no bit is left.
        #[serde(default)]
        fallback: Option<u64>,
    },
    /// `{ replace = "Tls12" }`: replace the value's text.
    Replace {
        /// The replacement text.
        replace: String,
    },
    /// `{ replace_map = { TLS10 = "TLS12", "1.0" = "1.2" } }`: replace the value by the
    /// safe spelling of the same family (matched ignoring ASCII case and quotes).
    ReplaceMap {
        /// Dangerous value -> safe value.
        replace_map: std::collections::BTreeMap<String, String>,
    },
    /// `{ delete_or_set = 1 }`: in a .reg file delete the value line (the default is
    /// safe); in a script, where a line is a statement, write the number.
    DeleteOrSet {
        /// The number written outside .reg files.
        delete_or_set: u64,
    },
}

/// Word-form fix strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixWord {
    /// Turn a boolean-like value into its opposite.
    Negate,
    /// Remove the option or argument.
    Remove,
    /// Delete the whole entry.
    Delete,
    /// Clear every bit of the value that weakens TLS (a flag table's dangerous bits).
    Clear,
}

/// Writes `new` in the style of the number in `original` (prefix, width, case, quotes and
/// casts around it kept). `hex_digits`: a bare digit run is hexadecimal (GPP values,
/// `dword:` data).
pub fn restyle_number(original: &str, hex_digits: bool, new: u64) -> Option<String> {
    if let Some(rest) = original
        .strip_prefix("hex(4):")
        .or_else(|| original.strip_prefix("hex(b):"))
    {
        let _ = rest;
        return Some(format!("dword:{new:08x}"));
    }
    let b = original.as_bytes();
    // Find the first number.
    let mut i = 0;
    let dword = original.to_ascii_lowercase().starts_with("dword:");
    if dword {
        i = 6;
    }
    while i < b.len() && !b[i].is_ascii_hexdigit() {
        i += 1;
    }
    if i >= b.len() {
        return None;
    }
    let (prefix_len, is_hex) = if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
        (2, true)
    } else if hex_digits || dword {
        (0, true)
    } else {
        (0, false)
    };
    let ds = i + prefix_len;
    let mut de = ds;
    while de < b.len()
        && (if is_hex {
            b[de].is_ascii_hexdigit()
        } else {
            b[de].is_ascii_digit()
        })
    {
        de += 1;
    }
    if de == ds {
        return None;
    }
    let digits = &original[ds..de];
    // Zero-padded numbers, and bare hex digit runs (`dword:`, GPP `value="ffffffff"`),
    // keep their width.
    let width = if (digits.len() > 1 && digits.starts_with('0')) || (prefix_len == 0 && is_hex) {
        digits.len()
    } else {
        0
    };
    let upper = digits.bytes().any(|c| c.is_ascii_uppercase());
    let new_digits = if is_hex {
        let s = if upper {
            format!("{new:X}")
        } else {
            format!("{new:x}")
        };
        format!("{s:0>width$}")
    } else {
        new.to_string()
    };
    Some(format!(
        "{}{}{}",
        &original[..ds],
        new_digits,
        &original[de..]
    ))
}

/// The safe opposite of a boolean-like literal, in the same spelling.
pub fn negate_literal(original: &str) -> Option<String> {
    let t = original.trim();
    let (q, inner) = match t.chars().next() {
        Some(c @ ('"' | '\'')) if t.len() >= 2 && t.ends_with(c) => (Some(c), &t[1..t.len() - 1]),
        _ => (None, t),
    };
    let flipped = match inner {
        "false" => "true",
        "False" => "True",
        "FALSE" => "TRUE",
        "no" => "yes",
        "No" => "Yes",
        "NO" => "YES",
        "off" => "on",
        "Off" => "On",
        "$false" => "$true",
        "$False" => "$True",
        "0" => "1",
        "0L" => "1L",
        "0l" => "1l",
        "0UL" => "1UL",
        "true" => "false",
        "True" => "False",
        "TRUE" => "FALSE",
        "yes" => "no",
        "on" => "off",
        "$true" => "$false",
        "1" => "0",
        _ => return None,
    };
    let body = match q {
        Some(c) => format!("{c}{flipped}{c}"),
        None => flipped.to_string(),
    };
    Some(original.replacen(t, &body, 1))
}

fn edit(description: String, span: Span, text: String, applicability: Applicability) -> Fix {
    Fix {
        description,
        edits: vec![Edit { span, text }],
        applicability,
    }
}

/// A fix that writes a number into a registry value's data.
pub fn registry_number(
    spec: &FixSpec,
    current: Option<u64>,
    table: Option<&FlagTable>,
    span: Span,
    text: &str,
    format: FileFormat,
    name: &str,
) -> Option<Fix> {
    let original = text.get(span.start..span.end)?;
    let new = new_registry_number(spec, current, table)?;
    if current == Some(new) || !is_number_literal(original) {
        return None;
    }
    let hex_digits = matches!(format, FileFormat::GppRegistry | FileFormat::Reg);
    let replacement = restyle_number(original, hex_digits, new)?;
    Some(edit(
        format!("Set {name} to {}", Hex(new)),
        span,
        replacement,
        Applicability::Safe,
    ))
}

/// Whether `original` is one number as a registry write spells it (`0`, `'1'`, `0x800`,
/// `dword:00000000`, `hex(4):...`), and not an expression or a list the number was
/// derived from (an SChannelDsc `ProtocolsEnabled = @('Tls', 'Tls12')`).
fn is_number_literal(original: &str) -> bool {
    let t = original
        .trim()
        .trim_matches(['\'', '"'])
        .trim()
        .to_ascii_lowercase();
    if t.starts_with("hex(") {
        return true;
    }
    let t = t.strip_prefix("dword:").unwrap_or(&t);
    let t = t.strip_prefix('-').unwrap_or(t);
    let t = t.strip_prefix("0x").unwrap_or(t);
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The text a fix works on.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The decoded file.
    pub text: &'a str,
    /// Its format (decides notations such as bare hex digits).
    pub format: FileFormat,
}

/// `value` without any bit that has a category in `table`.
fn cleared(table: &FlagTable, value: u64) -> u64 {
    let d = table.decode(value);
    let bad: u64 = d
        .parts
        .iter()
        .filter(|e| e.category.is_some())
        .map(|e| e.mask.unwrap_or(e.value))
        .fold(0, |a, b| a | b);
    value & !bad
}

/// A fix for a registry write: `"delete"` removes a .reg value line (other notations
/// are statements in a script, where deleting is not a mechanical change); numbers are
/// rewritten in the notation used. Returns the fix and the value it writes (`None` when
/// the value is deleted), so that the caller can tell which findings it resolves.
pub fn registry(
    spec: &FixSpec,
    current: Option<u64>,
    table: Option<&FlagTable>,
    span: Span,
    src: Source<'_>,
    name: &str,
) -> Option<(Fix, Option<u64>)> {
    let delete = match spec {
        FixSpec::Word(FixWord::Delete) => true,
        FixSpec::DeleteOrSet { .. } => src.format == FileFormat::Reg,
        _ => false,
    };
    if delete {
        if src.format != FileFormat::Reg {
            return None;
        }
        let lines = whole_lines(src.text, span);
        let fix = edit(
            format!("Delete the {name} value"),
            lines,
            String::new(),
            Applicability::Safe,
        );
        return Some((fix, None));
    }
    let spec = match spec {
        FixSpec::DeleteOrSet { delete_or_set } => &FixSpec::Set {
            set: *delete_or_set,
        },
        other => other,
    };
    let new = new_registry_number(spec, current, table)?;
    let fix = registry_number(spec, current, table, span, src.text, src.format, name)?;
    Some((fix, Some(new)))
}

/// The number a registry fix writes.
fn new_registry_number(
    spec: &FixSpec,
    current: Option<u64>,
    table: Option<&FlagTable>,
) -> Option<u64> {
    match spec {
        FixSpec::Set { set } => Some(*set),
        FixSpec::Clear { clear, fallback } => {
            let v = current?;
            let d = table?.decode(v);
            let bad: u64 = d
                .parts
                .iter()
                .filter(|e| e.category == Some(*clear))
                .map(|e| e.mask.unwrap_or(e.value))
                .fold(0, |a, b| a | b);
            let left = v & !bad;
            if left == 0 { *fallback } else { Some(left) }
        }
        FixSpec::Word(FixWord::Clear) => Some(cleared(table?, current?)),
        _ => None,
    }
}

/// The lines holding `span`, with the final line break. A line ends at LF, CRLF or a lone
/// CR, as [`crate::source::LineIndex`] and the analyzers count lines.
fn whole_lines(text: &str, span: Span) -> Span {
    let start = text[..span.start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let end = match text[span.end..].find(['\n', '\r']) {
        None => text.len(),
        Some(i) => {
            let at = span.end + i;
            if text[at..].starts_with("\r\n") {
                at + 2
            } else {
                at + 1
            }
        }
    };
    Span::new(start, end)
}

/// A fix for a number of a flag table (`SetSecurityFlags(0x3300)`, `f = 0x80`).
pub fn flag_number(
    spec: &FixSpec,
    table: &FlagTable,
    value: u64,
    span: Span,
    src: Source<'_>,
) -> Option<Fix> {
    let original = src.text.get(span.start..span.end)?;
    let new = match spec {
        FixSpec::Word(FixWord::Clear) => cleared(table, value),
        FixSpec::Set { set } => *set,
        FixSpec::Clear { .. } => {
            // Category-specific clearing with a fallback, as for registry values.
            return registry_number(
                spec,
                Some(value),
                Some(table),
                span,
                src.text,
                src.format,
                &table.title,
            )
            .map(|mut f| {
                f.description = format!("Clear the dangerous bits of {}", Hex(value));
                f
            });
        }
        _ => return None,
    };
    if new == value {
        return None;
    }
    // Numbers OR-ed together (`3072 -bor 768 -bor 192`): one number, in the first's style.
    let lower = original.to_ascii_lowercase();
    let replacement = if lower.contains("-bor") || original.contains('|') {
        let first = original
            .split(|c: char| c.is_whitespace() || c == '|')
            .find(|w| !w.is_empty())?;
        restyle_number(first, false, new)?
    } else {
        restyle_number(original, false, new)?
    };
    Some(edit(
        format!("Change {} to {}", Hex(value), Hex(new)),
        span,
        replacement,
        Applicability::Safe,
    ))
}

/// Where `word` occurs in `hay` as a whole word (ASCII case ignored), last occurrence.
fn find_word(hay: &str, word: &str) -> Option<usize> {
    let h = hay.to_ascii_lowercase();
    let w = word.to_ascii_lowercase();
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let hb = h.as_bytes();
    let mut found = None;
    let mut from = 0;
    while let Some(i) = h[from..].find(&w) {
        let at = from + i;
        let end = at + w.len();
        let before_ok = at == 0 || !is_word(hb[at - 1]);
        let after_ok = end >= hb.len() || !is_word(hb[end]);
        if before_ok && after_ok {
            found = Some(at);
        }
        from = at + 1;
    }
    found
}

/// A fix for a named constant of a table: removed from an OR (`A | B`, `A -bor B`, a
/// `'Tls,Tls12'` list), or, when it is the whole value, replaced by the entry's safe name.
pub fn flag_constant(entry: &FlagEntry, name: &str, span: Span, src: Source<'_>) -> Option<Fix> {
    let text = src.text;
    let within = text.get(span.start..span.end)?;
    // The name as written may be any of the entry's aliases.
    let (last, at) = std::iter::once(name)
        .chain(entry.names.iter().map(String::as_str))
        .find_map(|n| {
            let last = n.rsplit(['.', ':']).next().unwrap_or(n);
            find_word(within, last).map(|i| (last, span.start + i))
        })?;
    let (ws, we) = (at, at + last.len());
    let in_string = within.starts_with(['\'', '"']);
    let b = text.as_bytes();
    // The operand: the whole span when it is a qualified name, the word inside a string.
    let (os, oe) = if in_string {
        (ws, we)
    } else {
        (span.start, span.end)
    };
    // A PowerShell list of protocols (`@([SslProtocols]::Tls11, [SslProtocols]::Tls12)`,
    // iterated or OR-ed): the element is removed, not replaced by `None`.
    let seps: &[&str] = if in_string {
        &[","]
    } else if src.format == FileFormat::PowerShell && !is_call_argument(text, os) {
        &["|", "-bor", ","]
    } else {
        &["|", "-bor"]
    };
    let skip_ws = |mut k: usize, newlines: bool| {
        while k < b.len()
            && (b[k] == b' ' || b[k] == b'\t' || (newlines && matches!(b[k], b'\r' | b'\n')))
        {
            k += 1;
        }
        k
    };
    let after = skip_ws(oe, true);
    for sep in seps {
        if b.get(after..after + sep.len())
            .is_some_and(|t| t.eq_ignore_ascii_case(sep.as_bytes()))
            && !text[after + sep.len()..].starts_with('|')
        {
            let end = skip_ws(after + sep.len(), true);
            return Some(edit(
                format!("Remove {last}"),
                whole_line_if_self_assignment(
                    text,
                    Span::new(os, end),
                    src.format == FileFormat::PowerShell,
                ),
                String::new(),
                Applicability::Safe,
            ));
        }
    }
    // The separator may end the previous line (`A |` newline `B`).
    let mut before = os;
    while before > 0 && b[before - 1].is_ascii_whitespace() {
        before -= 1;
    }
    for sep in seps {
        if before >= sep.len()
            && b[before - sep.len()..before].eq_ignore_ascii_case(sep.as_bytes())
            && !(before > sep.len() && b[before - sep.len() - 1] == b'|')
        {
            let mut start = before - sep.len();
            while start > 0 && matches!(b[start - 1], b' ' | b'\t') {
                start -= 1;
            }
            // `A` newline `| B;`: join onto the line above, unless it ends in a comment.
            if start > 0 && matches!(b[start - 1], b'\n' | b'\r') {
                let mut k = start;
                while k > 0 && b[k - 1].is_ascii_whitespace() {
                    k -= 1;
                }
                let line_start = text[..k].rfind('\n').map_or(0, |i| i + 1);
                let prev = &text[line_start..k];
                if !["//", "/*", "#", "<#", "--", "'"]
                    .iter()
                    .any(|c| prev.contains(c))
                {
                    start = k;
                    // PowerShell's line continuation goes with the line break it escaped.
                    if prev.ends_with('`') {
                        start = k - 1;
                        while start > 0 && matches!(b[start - 1], b' ' | b'\t') {
                            start -= 1;
                        }
                    }
                }
            }
            return Some(edit(
                format!("Remove {last}"),
                whole_line_if_self_assignment(
                    text,
                    Span::new(start, oe),
                    src.format == FileFormat::PowerShell,
                ),
                String::new(),
                Applicability::Safe,
            ));
        }
    }
    let safe = entry.fix.as_deref()?;
    // `[Net.ServicePointManager]::SecurityProtocol += [Net.SecurityProtocolType]::Tls11`
    // adds the member's number: `+= Tls12` would add Tls12 a second time where the script
    // (or the runtime) already has it, which is no valid value at all. An OR is idempotent.
    if src.format == FileFormat::PowerShell {
        let mut k = span.start;
        while k > 0 && matches!(b[k - 1], b' ' | b'\t') {
            k -= 1;
        }
        if k >= 2 && &b[k - 2..k] == b"+=" {
            let line_start = text[..k - 2].rfind(['\n', ';']).map_or(0, |i| i + 1);
            let target = text[line_start..k - 2].trim();
            if target.starts_with('[') && target.contains("]::") {
                let operand = format!(
                    "{}{safe}{}",
                    text.get(span.start..ws)?,
                    text.get(we..span.end)?
                );
                return Some(edit(
                    format!("Replace += {last} with -bor {safe}"),
                    Span::new(k - 2, span.end),
                    format!("= {target} -bor {operand}"),
                    Applicability::Safe,
                ));
            }
        }
    }
    Some(edit(
        format!("Replace {last} with {safe}"),
        Span::new(ws, we),
        safe.to_string(),
        Applicability::Safe,
    ))
}

/// The whole line (with its line end) when removing `cut` would leave it an assignment
/// of a thing to itself (`[Net.ServicePointManager]::SecurityProtocol =
/// [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls11`
/// without its one operand), else `cut`.
///
/// Only a statement of its own line: in PowerShell (names compared ignoring case) not
/// continued from or onto another line with a backtick; elsewhere (names compared exactly)
/// ended by `;` and following a `;`, `{` or `}`, so that no unbraced `if` loses its body
/// and no object initializer (`SslProtocols = sslProtocols | ...`) loses a member.
fn whole_line_if_self_assignment(text: &str, cut: Span, powershell: bool) -> Span {
    let (Some(head), Some(tail)) = (text.get(..cut.start), text.get(cut.end..)) else {
        return cut;
    };
    let ls = head.rfind('\n').map_or(0, |i| i + 1);
    let le = tail.find('\n').map_or(text.len(), |i| cut.end + i);
    let rest = format!("{}{}", &head[ls..], &tail[..le - cut.end]);
    let before = head[..ls].trim_end();
    let line = rest.trim();
    let own_statement = if powershell {
        !line.ends_with('`') && !before.ends_with('`')
    } else {
        line.ends_with(';') && (before.is_empty() || before.ends_with([';', '{', '}']))
    };
    if !own_statement {
        return cut;
    }
    let line = line.trim_end_matches(';').trim_end();
    let Some((l, r)) = line.split_once('=') else {
        return cut;
    };
    let (l, r) = (l.trim(), r.trim());
    let compound = l.ends_with([
        '!', '<', '>', '=', '+', '-', '*', '/', '|', '&', '^', '%', '?',
    ]);
    let same = if powershell {
        l.eq_ignore_ascii_case(r)
    } else {
        l == r
    };
    if l.is_empty() || compound || r.starts_with('=') || !same {
        return cut;
    }
    Span::new(ls, (le + 1).min(text.len()))
}

/// Whether the operand at `at` is an argument of a call (`.AuthenticateAsClient($h, $null,
/// [SslProtocols]::Tls11, $false)`, `f(a, b)`): its nearest unclosed `(` follows a name.
fn is_call_argument(text: &str, at: usize) -> bool {
    let b = text.as_bytes();
    matches!(enclosing_open(text, Span::new(at, at)),
        Some((b'(', k)) if k > 0 && (b[k - 1].is_ascii_alphanumeric() || b[k - 1] == b'_'))
}

/// One fix for several named constants of one line (`Tls | Tls11 | Tls12`): each
/// constant's fix computed on the text the previous ones left, then the changed region
/// as one edit. `None` when one of them has no fix (a partial fix would leave a finding).
pub fn flag_constants(items: &[(&FlagEntry, &str, Span)], src: Source<'_>) -> Option<Fix> {
    let first = items.iter().map(|i| i.2.start).min()?;
    let last = items.iter().map(|i| i.2.end).max()?;
    // A window around the line: the fixes look at neighbouring separators and the line
    // above, never further.
    let mut lo = first.saturating_sub(4096);
    while lo > 0 && !src.text.is_char_boundary(lo) {
        lo -= 1;
    }
    let mut hi = last.saturating_add(4096).min(src.text.len());
    while hi < src.text.len() && !src.text.is_char_boundary(hi) {
        hi += 1;
    }
    let original = src.text.get(lo..hi)?;
    let mut text = original.to_string();
    let mut spans: Vec<Span> = items
        .iter()
        .map(|i| Span::new(i.2.start - lo, i.2.end - lo))
        .collect();
    let mut descriptions: Vec<String> = Vec::new();
    let mut applicability = Applicability::Safe;
    for k in 0..items.len() {
        let (entry, name, _) = items[k];
        let fix = flag_constant(
            entry,
            name,
            spans[k],
            Source {
                text: &text,
                format: src.format,
            },
        )?;
        if fix.applicability != Applicability::Safe {
            applicability = fix.applicability;
        }
        for e in fix.edits.iter().rev() {
            let (s, t) = (e.span.start, e.span.end);
            if t < s || !text.is_char_boundary(s) || !text.is_char_boundary(t) || t > text.len() {
                return None;
            }
            text.replace_range(s..t, &e.text);
            for sp in spans.iter_mut().skip(k + 1) {
                if sp.start >= t {
                    *sp = Span::new(
                        sp.start - (t - s) + e.text.len(),
                        sp.end - (t - s) + e.text.len(),
                    );
                } else if sp.start <= s && sp.end >= t {
                    // The same string (`'Tls,Tls11'`): it shrinks or grows.
                    *sp = Span::new(sp.start, sp.end - (t - s) + e.text.len());
                } else if sp.end > s {
                    // The edit removed part of a later constant: not one of ours to guess.
                    return None;
                }
            }
        }
        if !descriptions.contains(&fix.description) {
            descriptions.push(fix.description);
        }
    }
    let (a, b) = (original.as_bytes(), text.as_bytes());
    let mut pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while pre > 0 && !(original.is_char_boundary(pre) && text.is_char_boundary(pre)) {
        pre -= 1;
    }
    let max_suf = a.len().min(b.len()) - pre;
    let mut suf = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suf)
        .take_while(|(x, y)| x == y)
        .count();
    while suf > 0
        && !(original.is_char_boundary(a.len() - suf) && text.is_char_boundary(b.len() - suf))
    {
        suf -= 1;
    }
    let removed: Option<Vec<&str>> = descriptions
        .iter()
        .map(|d| d.strip_prefix("Remove "))
        .collect();
    let description = match removed {
        Some(names) => format!("Remove {}", names.join(", ")),
        None => descriptions.join("; "),
    };
    Some(Fix {
        description,
        edits: vec![Edit {
            span: Span::new(lo + pre, lo + a.len() - suf),
            text: text.get(pre..b.len() - suf)?.to_string(),
        }],
        applicability,
    })
}

/// A fix for a command-line option: `"remove"` drops it (with its value when it takes
/// one; a bundled letter alone from `-fsSLk`), `{ replace = ... }` rewrites its value.
pub fn option(
    spec: &FixSpec,
    spellings: &[String],
    takes_value: bool,
    o: &OptionFact,
    value_span: Span,
    src: Source<'_>,
) -> Option<Fix> {
    let text = src.text;
    let written = text.get(o.option_span.start..o.option_span.end)?;
    match spec {
        FixSpec::Word(FixWord::Remove) => {
            if written != o.option {
                // Escaped, splatted or assembled from pieces: not a plain edit.
                return None;
            }
            let spelled = spellings.iter().any(|s| s.eq_ignore_ascii_case(&o.option));
            if !spelled {
                // A bundle: remove the letter.
                let letter = spellings
                    .iter()
                    .filter_map(|s| {
                        s.strip_prefix('-')
                            .filter(|l| l.len() == 1 && !l.starts_with('-'))
                    })
                    .find_map(|l| o.option[1..].find(l).map(|i| (i + 1, l)))?;
                let at = o.option_span.start + letter.0;
                return Some(edit(
                    format!("Remove -{} from {}", letter.1, o.option),
                    Span::new(at, at + 1),
                    String::new(),
                    Applicability::Safe,
                ));
            }
            let mut end = o.option_span.end;
            if let Some((_, s)) = &o.attached {
                end = end.max(s.end);
            } else if takes_value {
                end = end.max(value_span.end);
            }
            let span = Span::new(o.option_span.start, end);
            if text.get(span.start..span.end)?.contains(['\n', '\r']) {
                return None;
            }
            if src.format == FileFormat::PowerShell && quoted_parameter_value(text, span) {
                // `Invoke-Fetch -Arguments '-SkipCertificateCheck'`: the string is the
                // value of a parameter; taking it out would leave `-Arguments` without one.
                return Some(edit(
                    format!("Remove {}", o.option),
                    span,
                    String::new(),
                    Applicability::Safe,
                ));
            }
            match list_element(text, span) {
                Element::Removal(del) => Some(edit(
                    format!("Remove {}", o.option),
                    del,
                    String::new(),
                    Applicability::Safe,
                )),
                // An argument vector whose element cannot be taken out cleanly: no fix
                // rather than an empty argument or a null.
                Element::Unclean => None,
                Element::Word => remove_option(span, text, &o.option),
            }
        }
        FixSpec::Replace { .. } | FixSpec::ReplaceMap { .. } => {
            let original = text.get(value_span.start..value_span.end)?;
            if value_span == o.option_span || original.contains(['\n', '\r']) {
                return None;
            }
            let mut f = setting(spec, value_span, text, &o.option)?;
            f.description = format!(
                "Use {} {}",
                o.option,
                f.edits[0].text.trim_matches(['"', '\''])
            );
            Some(f)
        }
        _ => None,
    }
}

/// Whether `span` is exactly the content of a quoted string that follows a PowerShell
/// parameter name (`-Arguments '-SkipCertificateCheck'`).
fn quoted_parameter_value(text: &str, span: Span) -> bool {
    let b = text.as_bytes();
    let (s, e) = (span.start, span.end);
    if s == 0 || e >= b.len() || !matches!(b[s - 1], b'"' | b'\'') || b[e] != b[s - 1] {
        return false;
    }
    let Some(prev) = text.get(..s - 1) else {
        return false;
    };
    let word = prev
        .trim_end_matches([' ', '\t'])
        .rsplit([' ', '\t', '\n', '(', ';', '|'])
        .next()
        .unwrap_or("");
    word.len() > 1
        && word.starts_with('-')
        && word[1..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && word[1..].starts_with(|c: char| c.is_ascii_alphabetic())
}

/// An edit that deletes all its line holds but the indentation takes the whole line
/// (`        validate_certs=False,` in a call written one argument per line): a line of
/// blanks left behind fails linters (pycodestyle's W293) and reads as a mistake.
pub fn tidy_lines(fix: &mut Fix, text: &str) {
    let n = fix.edits.len();
    for k in 0..n {
        let e = &fix.edits[k];
        if !e.text.is_empty() || e.span.start >= e.span.end {
            continue;
        }
        let (Some(head), Some(gone), Some(tail)) = (
            text.get(..e.span.start),
            text.get(e.span.start..e.span.end),
            text.get(e.span.end..),
        ) else {
            continue;
        };
        if gone.ends_with('\n') {
            // It takes its line break already (a .reg value line).
            continue;
        }
        let line_start = head.rfind('\n').map_or(0, |i| i + 1);
        // The last line of a file keeps its place (there is no line break to take).
        let Some(nl) = tail.find('\n') else { continue };
        let before = &head[line_start..];
        let rest = &tail[..nl];
        if !before.trim().is_empty() || !rest.trim().is_empty() {
            continue;
        }
        let wide = Span::new(line_start, e.span.end + nl + 1);
        let clear = fix
            .edits
            .iter()
            .enumerate()
            .all(|(j, o)| j == k || o.span.end <= wide.start || o.span.start >= wide.end);
        if clear {
            fix.edits[k].span = wide;
        }
    }
}

/// Applies fixes to `text`: edits are taken in order of position, identical edits once,
/// and a fix whose edits overlap an edit already taken is left for the next pass (after
/// a re-scan, as ruff does). Returns the new text and how many fixes were applied.
pub fn apply<'f>(text: &str, fixes: impl IntoIterator<Item = &'f Fix>) -> (String, usize) {
    let mut fixes: Vec<&Fix> = fixes.into_iter().collect();
    fixes.sort_by_key(|f| f.edits.first().map(|e| (e.span.start, e.span.end)));
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    'fixes: for f in fixes {
        let mut new_edits = Vec::new();
        for e in &f.edits {
            if e.span.end > text.len()
                || !text.is_char_boundary(e.span.start)
                || !text.is_char_boundary(e.span.end)
            {
                continue 'fixes;
            }
            if taken.contains(&e) {
                continue;
            }
            let overlaps = taken.iter().any(|t| {
                e.span.start < t.span.end && t.span.start < e.span.end
                    // Two insertions at one point, or an insertion inside a replacement.
                    || (e.span.start == t.span.start && (e.span.is_empty() || t.span.is_empty()))
            });
            if overlaps {
                continue 'fixes;
            }
            new_edits.push(e);
        }
        if !new_edits.is_empty() {
            taken.extend(new_edits);
            applied += 1;
        } else if f.edits.iter().all(|e| taken.contains(&e)) {
            // The same change as a fix already taken (one value, two categories).
            applied += 1;
        }
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in taken {
        out.push_str(&text[at..e.span.start]);
        out.push_str(&e.text);
        at = e.span.end;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// The whole lines a fix touches, before and after it (for showing it as a diff).
pub fn line_diff(text: &str, fix: &Fix) -> (Vec<String>, Vec<String>) {
    let (Some(first), Some(last)) = (fix.edits.first(), fix.edits.last()) else {
        return (Vec::new(), Vec::new());
    };
    let lo = text[..first.span.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let hi_from = last.span.end.min(text.len());
    // An edit that ends at a line start (a deleted line) covers whole lines already.
    let hi = if hi_from > lo && text[..hi_from].ends_with('\n') {
        hi_from
    } else {
        text[hi_from..]
            .find('\n')
            .map_or(text.len(), |i| hi_from + i)
    };
    let region = &text[lo..hi];
    let mut new = String::new();
    let mut at = lo;
    for e in &fix.edits {
        if e.span.start < at || e.span.end > hi {
            return (Vec::new(), Vec::new());
        }
        new.push_str(&text[at..e.span.start]);
        new.push_str(&e.text);
        at = e.span.end;
    }
    new.push_str(&text[at..hi]);
    let lines = |s: &str| {
        s.lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect()
    };
    (lines(region), lines(&new))
}

/// A fix for a setting's value span.
pub fn setting(spec: &FixSpec, span: Span, text: &str, name: &str) -> Option<Fix> {
    let original = text.get(span.start..span.end)?;
    match spec {
        FixSpec::Word(FixWord::Negate) => {
            // `Switch.X=true` inside a list: the part after the last `=`.
            let new = negate_literal(original).or_else(|| {
                let eq = original.rfind('=')?;
                let flipped = negate_literal(&original[eq + 1..])?;
                Some(format!("{}{flipped}", &original[..=eq]))
            })?;
            Some(edit(
                format!("Set {name} to {}", new.trim().trim_matches(['"', '\''])),
                span,
                new,
                Applicability::Safe,
            ))
        }
        FixSpec::Set { set } => {
            let new = restyle_number(original, false, *set)?;
            Some(edit(
                format!("Set {name} to {set}"),
                span,
                new,
                Applicability::Safe,
            ))
        }
        FixSpec::Replace { replace } => {
            let new = requote(original, replace);
            Some(edit(
                format!("Set {name} to {replace}"),
                span,
                new,
                Applicability::Safe,
            ))
        }
        FixSpec::ReplaceMap { replace_map } => {
            let bare = original.trim().trim_matches(['"', '\'']);
            let safe = replace_map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(bare))
                .map(|(_, v)| v)?;
            // In the case the value is written in (`tlsv1.1` -> `tlsv1.2`): an enumeration
            // that takes `tlsv1.2` may refuse `TLSv1.2`.
            let has = |f: fn(&char) -> bool| bare.chars().any(|c| f(&c));
            let safe = if has(char::is_ascii_lowercase) && !has(char::is_ascii_uppercase) {
                safe.to_ascii_lowercase()
            } else if has(char::is_ascii_uppercase) && !has(char::is_ascii_lowercase) {
                safe.to_ascii_uppercase()
            } else {
                safe.clone()
            };
            Some(edit(
                format!("Set {name} to {safe}"),
                span,
                requote(original, &safe),
                Applicability::Safe,
            ))
        }
        FixSpec::Word(FixWord::Remove) if in_parameter_list(text, span) => {
            // A parameter's default (`def fetch(url, verify=False)`): removing it would leave
            // the body's `verify` undefined. Flipping the default changes what every caller
            // that relies on it gets: not a mechanical change.
            let mut f = setting(&FixSpec::Word(FixWord::Negate), span, text, name)?;
            f.description = format!("{} (the parameter's default)", f.description);
            f.applicability = Applicability::Unsafe;
            Some(f)
        }
        FixSpec::Word(FixWord::Remove) => match removal_around(text, span) {
            Some(del) => Some(edit(
                format!("Remove {name}"),
                del,
                String::new(),
                // A keyword argument of a call goes; an entry of a plain dictionary or object
                // literal may be data that is not handed to a TLS API (the redis test's
                // expected `call_args`), so removing it is not known to be safe.
                if in_call_arguments(text, span) {
                    Applicability::Safe
                } else {
                    Applicability::Unsafe
                },
            )),
            // Not an argument (`session.verify = False`): the opposite value.
            None => setting(&FixSpec::Word(FixWord::Negate), span, text, name),
        },
        _ => None,
    }
}

/// Keeps the quotes of `original` around `new`.
fn requote(original: &str, new: &str) -> String {
    let t = original.trim();
    match t.chars().next() {
        Some(c @ ('"' | '\'')) if t.len() >= 2 && t.ends_with(c) => format!("{c}{new}{c}"),
        _ => new.to_string(),
    }
}

/// The opening bracket around `span` and its offset: scans back over balanced brackets,
/// skipping quoted strings on the way (a heuristic good enough for one statement; `None`
/// past 64 KiB or at a statement boundary).
fn enclosing_open(text: &str, span: Span) -> Option<(u8, usize)> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut k = span.start;
    let floor = span.start.saturating_sub(64 * 1024);
    while k > floor {
        k -= 1;
        match b[k] {
            b')' | b']' | b'}' => depth += 1,
            c @ (b'(' | b'[' | b'{') => {
                if depth == 0 {
                    return Some((c, k));
                }
                depth -= 1;
            }
            q @ (b'"' | b'\'') => {
                // Skip back to the opening quote of this string.
                while k > floor {
                    k -= 1;
                    if b[k] == q && (k == 0 || b[k - 1] != b'\\') {
                        break;
                    }
                }
            }
            b';' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// The identifier (with `.` and `$`) that ends right before `at`, skipping spaces.
fn word_before(text: &str, at: usize) -> &str {
    word_before_at(text, at).1
}

/// [`word_before`] and where it starts.
fn word_before_at(text: &str, at: usize) -> (usize, &str) {
    let b = text.as_bytes();
    let mut e = at;
    while e > 0 && matches!(b[e - 1], b' ' | b'\t') {
        e -= 1;
    }
    let mut s = e;
    while s > 0 && (b[s - 1].is_ascii_alphanumeric() || matches!(b[s - 1], b'_' | b'$' | b'.')) {
        s -= 1;
    }
    (s, &text[s..e])
}

/// Whether `span` is a default value in a function's parameter list: Python `def f(...)`
/// and `lambda a, k=v: ...`, JavaScript `function f(...)` and `(...) =>`.
fn in_parameter_list(text: &str, span: Span) -> bool {
    // `lambda u, verify=False: ...`: the keyword before the value on its line, with no `:`
    // or bracket between them.
    let line_start = text[..span.start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let before = &text[line_start..span.start];
    if let Some(i) = before.rfind("lambda") {
        let between = &before[i + "lambda".len()..];
        let is_kw = i == 0 || !before.as_bytes()[i - 1].is_ascii_alphanumeric();
        if is_kw && !between.contains([':', '(', ')', '[', '{']) {
            return true;
        }
    }
    let Some((b'(', open)) = enclosing_open(text, span) else {
        return false;
    };
    let (name_start, name) = word_before_at(text, open);
    let head = word_before(text, name_start);
    if matches!(name, "function" | "lambda") || matches!(head, "def" | "function") {
        return true;
    }
    // `(a, verify = false) =>`
    let close = matching_close(text, open);
    close.is_some_and(|c| text[c + 1..].trim_start().starts_with("=>"))
}

/// The `)` matching the `(` at `open` (strings are not skipped: a heuristic).
fn matching_close(text: &str, open: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().skip(open).take(64 * 1024) {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether `span` is an argument of a call (`f(...)`), not an entry of a literal.
fn in_call_arguments(text: &str, span: Span) -> bool {
    match enclosing_open(text, span) {
        Some((b'(', open)) => {
            let name = word_before(text, open);
            !name.is_empty()
                && !matches!(
                    name,
                    "if" | "while" | "for" | "return" | "and" | "or" | "not" | "in"
                )
        }
        _ => false,
    }
}

/// For `key=value` / `key: value` inside a call or literal, the span that removes it with
/// its separator (`, verify=False` or `verify=False, `).
fn removal_around(text: &str, value: Span) -> Option<Span> {
    let b = text.as_bytes();
    let mut k = value.start;
    while k > 0 && b[k - 1].is_ascii_whitespace() {
        k -= 1;
    }
    if k == 0 || !matches!(b[k - 1], b'=' | b':') {
        return None;
    }
    k -= 1;
    while k > 0 && b[k - 1].is_ascii_whitespace() {
        k -= 1;
    }
    let key_end = k;
    while k > 0
        && (b[k - 1].is_ascii_alphanumeric() || matches!(b[k - 1], b'_' | b'"' | b'\'' | b'-'))
    {
        k -= 1;
    }
    if k == key_end {
        return None;
    }
    let key_start = k;
    // A preceding comma: remove from it.
    let mut p = key_start;
    while p > 0 && matches!(b[p - 1], b' ' | b'\t') {
        p -= 1;
    }
    if p > 0 && b[p - 1] == b',' {
        return Some(Span::new(p - 1, value.end));
    }
    // Otherwise a following comma.
    let mut n = value.end;
    while n < b.len() && matches!(b[n], b' ' | b'\t') {
        n += 1;
    }
    if n < b.len() && b[n] == b',' {
        n += 1;
        while n < b.len() && matches!(b[n], b' ' | b'\t') {
            n += 1;
        }
        return Some(Span::new(key_start, n));
    }
    // The only argument.
    if p > 0 && matches!(b[p - 1], b'(' | b'{') {
        return Some(Span::new(key_start, value.end));
    }
    None
}

/// How an option sits in the text around it.
#[derive(Debug, PartialEq, Eq)]
enum Element {
    /// A whole element of an argument vector (a quoted item of a JSON/YAML flow list, a
    /// block-sequence item, a quoted shell word): removed with this span.
    Removal(Span),
    /// An element that cannot be removed cleanly.
    Unclean,
    /// A plain word in a command line.
    Word,
}

/// Classifies the option at `span`: `RUN ["curl", "-k", "u"]` and `command: ["curl",
/// "-k"]` lose the element and one comma, a YAML item `- -k` loses its whole line, a
/// quoted shell word `"-k"` loses its quotes too (never an empty argument).
fn list_element(text: &str, span: Span) -> Element {
    let b = text.as_bytes();
    // The quotes around the option, if it is exactly a quoted string.
    let (mut s, mut e) = (span.start, span.end);
    let quoted = s > 0 && e < b.len() && matches!(b[s - 1], b'"' | b'\'') && b[e] == b[s - 1];
    if quoted {
        s -= 1;
        e += 1;
    }
    let prev = text[..s].trim_end_matches([' ', '\t']);
    let next = text[e..].trim_start_matches([' ', '\t']);
    // A block-sequence item: `    - -k` alone on its line (a comment may follow).
    let line_start = prev.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let lead = &text[line_start..s];
    let dash_item = lead
        .trim_start()
        .strip_prefix('-')
        .is_some_and(|r| r.starts_with([' ', '\t']) && r.trim().is_empty());
    let rest_of_line = next.split(['\n', '\r']).next().unwrap_or("");
    if dash_item && (rest_of_line.is_empty() || rest_of_line.starts_with('#')) {
        let end = match text[e..].find(['\n', '\r']) {
            None => text.len(),
            Some(i) if text[e + i..].starts_with("\r\n") => e + i + 2,
            Some(i) => e + i + 1,
        };
        // The last line of the file: take the line break before it instead.
        let start = if end == text.len() && !text[e..].contains(['\n', '\r']) {
            text[..line_start].trim_end_matches(['\n', '\r']).len()
        } else {
            line_start
        };
        return Element::Removal(Span::new(start, end));
    }
    if dash_item {
        return Element::Unclean;
    }
    let after_prev = prev.len();
    if prev.ends_with(',')
        && (next.starts_with(',') || next.starts_with(']') || next.starts_with(')'))
    {
        // `, "-k"` (keep the comma after it).
        return Element::Removal(Span::new(after_prev - 1, e));
    }
    if prev.ends_with(['[', '(']) && next.starts_with(',') {
        // `["-k", "x"]`: the element, its comma and the space after it.
        let comma = e + (text[e..].len() - next.len());
        let after = comma
            + 1
            + (text[comma + 1..].len() - text[comma + 1..].trim_start_matches([' ', '\t']).len());
        return Element::Removal(Span::new(s, after));
    }
    if prev.ends_with('[') && next.starts_with(']') {
        return Element::Removal(Span::new(s, e));
    }
    if prev.ends_with([',', '[']) || next.starts_with([',', ']']) {
        return Element::Unclean;
    }
    if quoted {
        // A quoted shell word: the word and the blank before it.
        return Element::Removal(Span::new(after_prev.min(s), e));
    }
    Element::Word
}

/// Removes a command-line option (and the whitespace before it).
pub fn remove_option(option: Span, text: &str, name: &str) -> Option<Fix> {
    let b = text.as_bytes();
    let mut s = option.start;
    while s > 0 && matches!(b[s - 1], b' ' | b'\t') {
        s -= 1;
    }
    // Keep at least the separator if the option is first on a continued line.
    if s > 0 && matches!(b[s - 1], b'\n' | b'\r') {
        s = option.start;
        // An option alone on a continued line (`    -SkipCACheck \``): the whole line goes.
        let line_end = text[option.end..]
            .find('\n')
            .map_or(text.len(), |i| option.end + i);
        let rest = text[option.end..line_end].trim();
        let before = &text[text[..option.start].rfind('\n').map_or(0, |i| i + 1)..option.start];
        if before.trim().is_empty() && matches!(rest, "`" | "^" | "\\") && line_end < text.len() {
            let start = option.start - before.len();
            return Some(edit(
                format!("Remove {name}"),
                Span::new(start, line_end + 1),
                String::new(),
                Applicability::Safe,
            ));
        }
    }
    Some(edit(
        format!("Remove {name}"),
        Span::new(s, option.end),
        String::new(),
        Applicability::Safe,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_numbers_only_rewrite_number_literals() {
        for ok in [
            "0",
            "'1'",
            "0x800",
            "dword:00000000",
            "hex(4):00,00,00,00",
            "\"2688\"",
        ] {
            assert!(is_number_literal(ok), "{ok}");
        }
        for no in [
            "@('Tls', 'Tls12')",
            "'Enabled'",
            "$value",
            "'TLS1.1', 'TLS1.2'",
            "",
        ] {
            assert!(!is_number_literal(no), "{no}");
        }
    }

    #[test]
    fn numbers_keep_their_style() {
        assert_eq!(
            restyle_number("dword:00000a80", true, 0x800).as_deref(),
            Some("dword:00000800")
        );
        assert_eq!(
            restyle_number("0x00000A80", false, 0x800).as_deref(),
            Some("0x00000800")
        );
        assert_eq!(
            restyle_number("'0x00000A00'", false, 0x800).as_deref(),
            Some("'0x00000800'")
        );
        assert_eq!(restyle_number("2688", false, 2048).as_deref(), Some("2048"));
        assert_eq!(
            restyle_number("00000A80", true, 0x800).as_deref(),
            Some("00000800")
        );
        assert_eq!(
            restyle_number("([int]0x1100)", false, 0).as_deref(),
            Some("([int]0x0)")
        );
        assert_eq!(
            restyle_number("hex(4):80,0a,00,00", true, 0x800).as_deref(),
            Some("dword:00000800")
        );
        assert_eq!(restyle_number("0L", false, 2).as_deref(), Some("2L"));
    }

    #[test]
    fn literals_negate() {
        assert_eq!(negate_literal("False").as_deref(), Some("True"));
        assert_eq!(negate_literal("'0'").as_deref(), Some("'1'"));
        assert_eq!(negate_literal("$false").as_deref(), Some("$true"));
        assert_eq!(negate_literal("\"false\"").as_deref(), Some("\"true\""));
        assert_eq!(negate_literal("0L").as_deref(), Some("1L"));
        assert_eq!(negate_literal("maybe"), None);
    }

    #[test]
    fn removals() {
        let t = "get(url, verify=False, timeout=3)";
        let v = t.find("False").unwrap();
        let s = removal_around(t, Span::new(v, v + 5)).unwrap();
        assert_eq!(&t[s.start..s.end], ", verify=False");
        let t = "get(verify=False, timeout=3)";
        let v = t.find("False").unwrap();
        let s = removal_around(t, Span::new(v, v + 5)).unwrap();
        assert_eq!(&t[s.start..s.end], "verify=False, ");
    }
}
