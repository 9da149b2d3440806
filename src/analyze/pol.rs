//! Group Policy `Registry.pol`: the binary PReg format of GPO backups and of Microsoft's
//! security baselines (`{GUID}\DomainSysvol\GPO\Machine\registry.pol`).
//!
//! The file is a header (`PReg`, version 1 as a little-endian u32) followed by records
//! `[key;value;type;size;data]`, where the brackets and semicolons are UTF-16LE
//! characters, `key` and `value` are NUL-terminated UTF-16LE strings, `type` and `size`
//! little-endian u32s and `data` `size` raw bytes
//! (<https://learn.microsoft.com/previous-versions/windows/desktop/policy/registry-policy-file-format>).
//! Keys carry no hive: the policy's folder gives it (`Machine` is `HKLM`, `User` is
//! `HKCU`; any other folder is taken as `Machine`, which is what baselines ship).
//!
//! A binary file has no lines, so tlslint reports it through a text *view*: one line per
//! record, `[HKLM\key;value;REG_DWORD;4;0x00000a80]`. A finding's line is the record's
//! 1-based index in the file and its column points into that decoded record, which is
//! also what reports quote. Findings carry no mechanical fix (the view is not the file).
//!
//! Values named `**del.X`, `**delvals.`, `**DeleteValues`, `**DeleteKeys` and
//! `**SecureKey` delete or protect rather than write, and are not writes; `**soft.X`
//! writes X when it is absent, and is one.

use crate::diagnostic::Span;
use crate::facts::Fact;
use crate::rules::registry::RegistryWrite;
use crate::rules::value::Value;

/// The file signature: `PReg` and version 1.
pub const HEADER: [u8; 8] = [b'P', b'R', b'e', b'g', 1, 0, 0, 0];

/// Longest key or value name read, in UTF-16 code units (registry keys are limited to
/// 255 characters per component and values names to 16,383).
const MAX_STRING_UNITS: usize = 32 * 1024;

/// Data bytes shown in the view for binary values.
const SHOWN_BYTES: usize = 32;

/// Whether `bytes` start like a PReg file.
pub fn is_preg(bytes: &[u8]) -> bool {
    bytes.starts_with(&HEADER)
}

/// One record of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The key, without hive (`Software\Policies\...`).
    pub key: String,
    /// The value name (may be a `**` command such as `**del.Name`).
    pub value_name: String,
    /// The registry type (`REG_DWORD` is 4).
    pub kind: u32,
    /// The data bytes.
    pub data: Vec<u8>,
}

/// What reading a file gave: the records read and whether the file ended cleanly.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// Records in file order.
    pub records: Vec<Record>,
    /// The file is truncated or malformed after the last record read.
    pub malformed: bool,
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn unit(&mut self) -> Option<u16> {
        let lo = *self.b.get(self.i)?;
        let hi = *self.b.get(self.i + 1)?;
        self.i += 2;
        Some(u16::from_le_bytes([lo, hi]))
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.unit()? == u16::from(c)).then_some(())
    }

    fn u32(&mut self) -> Option<u32> {
        let s = self.b.get(self.i..self.i + 4)?;
        self.i += 4;
        Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }

    /// A NUL-terminated UTF-16LE string.
    fn string(&mut self) -> Option<String> {
        let mut units = Vec::new();
        loop {
            let u = self.unit()?;
            if u == 0 {
                break;
            }
            if units.len() >= MAX_STRING_UNITS {
                return None;
            }
            units.push(u);
        }
        Some(String::from_utf16_lossy(&units))
    }

    fn record(&mut self) -> Option<Record> {
        self.expect(b'[')?;
        let key = self.string()?;
        self.expect(b';')?;
        let value_name = self.string()?;
        self.expect(b';')?;
        let kind = self.u32()?;
        self.expect(b';')?;
        let size = usize::try_from(self.u32()?).ok()?;
        self.expect(b';')?;
        let end = self.i.checked_add(size)?;
        let data = self.b.get(self.i..end)?.to_vec();
        self.i = end;
        self.expect(b']')?;
        Some(Record {
            key,
            value_name,
            kind,
            data,
        })
    }
}

/// Reads the records of a PReg file (empty when the header is missing). Reading stops
/// at the first malformed record; what was read before it is kept.
pub fn parse(bytes: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    if !is_preg(bytes) {
        out.malformed = true;
        return out;
    }
    let mut r = Reader {
        b: bytes,
        i: HEADER.len(),
    };
    while r.i < bytes.len() {
        match r.record() {
            Some(rec) => out.records.push(rec),
            None => {
                out.malformed = true;
                break;
            }
        }
    }
    out
}

/// The registry type's name.
fn type_name(kind: u32) -> String {
    match kind {
        0 => "REG_NONE".into(),
        1 => "REG_SZ".into(),
        2 => "REG_EXPAND_SZ".into(),
        3 => "REG_BINARY".into(),
        4 => "REG_DWORD".into(),
        5 => "REG_DWORD_BIG_ENDIAN".into(),
        7 => "REG_MULTI_SZ".into(),
        11 => "REG_QWORD".into(),
        n => format!("type {n}"),
    }
}

/// A UTF-16LE string value without its terminating NULs.
fn utf16_data(data: &[u8]) -> String {
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let s = String::from_utf16_lossy(&units);
    s.trim_end_matches('\0').to_string()
}

/// The data as the view shows it, and as the rules judge it.
fn data_of(rec: &Record) -> (String, Value) {
    let d = &rec.data;
    match rec.kind {
        4 if d.len() == 4 => {
            let v = u32::from_le_bytes([d[0], d[1], d[2], d[3]]);
            (format!("0x{v:08x}"), Value::Int(u64::from(v)))
        }
        5 if d.len() == 4 => {
            let v = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
            (format!("0x{v:08x}"), Value::Int(u64::from(v)))
        }
        11 if d.len() == 8 => {
            let v = u64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]);
            (format!("0x{v:016x}"), Value::Int(v))
        }
        1 | 2 => {
            let s = utf16_data(d);
            (format!("\"{}\"", escape(&s)), Value::Str(s))
        }
        7 => {
            let s = utf16_data(d);
            let shown = s.split('\0').map(escape).collect::<Vec<_>>().join("\\0");
            (format!("\"{shown}\""), Value::Str(s.replace('\0', ",")))
        }
        _ => {
            let mut hex: Vec<String> = d
                .iter()
                .take(SHOWN_BYTES)
                .map(|b| format!("{b:02x}"))
                .collect();
            if d.len() > SHOWN_BYTES {
                hex.push("...".into());
            }
            (format!("hex:{}", hex.join(",")), Value::Unknown)
        }
    }
}

/// Control characters shown as escapes, so that a record stays on one line.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// The value a record writes, or `None` for the `**` commands that delete or protect.
fn written_name(name: &str) -> Option<&str> {
    if !name.starts_with("**") {
        return Some(name);
    }
    let lower = name.to_ascii_lowercase();
    lower
        .starts_with("**soft.")
        .then(|| name.get("**soft.".len()..))
        .flatten()
}

/// The hive of a policy file from its folder: `User` is `HKCU`, anything else `HKLM`.
pub fn hive_for(path: &std::path::Path) -> &'static str {
    let user = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case("user"));
    if user { "HKCU" } else { "HKLM" }
}

/// Reads a PReg file: the text view (one line per record) and one registry write per
/// record that writes a value, with spans into the view.
pub fn analyze(bytes: &[u8], hive: &str, facts: &mut Vec<Fact>) -> String {
    let parsed = parse(bytes);
    let mut view = String::new();
    for rec in &parsed.records {
        let (shown, value) = data_of(rec);
        let key = escape(&rec.key);
        let name = escape(&rec.value_name);
        view.push('[');
        view.push_str(hive);
        if !key.is_empty() {
            view.push('\\');
            view.push_str(&key);
        }
        view.push(';');
        view.push_str(&name);
        view.push(';');
        view.push_str(&type_name(rec.kind));
        view.push_str(&format!(";{};", rec.data.len()));
        let data_start = view.len();
        view.push_str(&shown);
        let data_end = view.len();
        view.push_str("]\n");
        if let Some(n) = written_name(&rec.value_name) {
            facts.push(Fact::Registry(RegistryWrite {
                key: format!("{hive}\\{}", rec.key),
                value_name: n.to_string(),
                value,
                span: Span::new(data_start, data_end.max(data_start + 1)),
                entry: None,
                added: false,
            }));
        }
    }
    if parsed.malformed && is_preg(bytes) {
        view.push_str("(the rest of the file is not a valid PReg record)\n");
    }
    view
}

/// Builds a PReg file from `(key, value name, type, data)` records: for tests and fuzz
/// seeds.
pub fn build(records: &[(&str, &str, u32, &[u8])]) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    let unit = |out: &mut Vec<u8>, c: u8| out.extend_from_slice(&[c, 0]);
    for (key, name, kind, data) in records {
        unit(&mut out, b'[');
        out.extend(key.encode_utf16().chain([0]).flat_map(u16::to_le_bytes));
        unit(&mut out, b';');
        out.extend(name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes));
        unit(&mut out, b';');
        out.extend_from_slice(&kind.to_le_bytes());
        unit(&mut out, b';');
        let size = u32::try_from(data.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&size.to_le_bytes());
        unit(&mut out, b';');
        out.extend_from_slice(data);
        unit(&mut out, b']');
    }
    out
}

/// `s` as REG_SZ data (UTF-16LE with its terminating NUL).
pub fn sz(s: &str) -> Vec<u8> {
    s.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHANNEL: &str =
        r"System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Client";

    fn writes(bytes: &[u8]) -> (String, Vec<RegistryWrite>) {
        let mut f = Vec::new();
        let view = analyze(bytes, "HKLM", &mut f);
        let w = f
            .into_iter()
            .filter_map(|f| match f {
                Fact::Registry(r) => Some(r),
                _ => None,
            })
            .collect();
        (view, w)
    }

    #[test]
    fn records_round_trip() {
        let file = build(&[
            (SCHANNEL, "Enabled", 4, &1u32.to_le_bytes()),
            (SCHANNEL, "**del.DisabledByDefault", 1, &sz(" ")),
            (r"Software\Policies\Vendor", "Url", 1, &sz("https://x/")),
            (
                r"Software\Policies\Vendor",
                "**soft.Mode",
                11,
                &7u64.to_le_bytes(),
            ),
        ]);
        let p = parse(&file);
        assert!(!p.malformed);
        assert_eq!(p.records.len(), 4);
        assert_eq!(p.records[0].key, SCHANNEL);
        let (view, w) = writes(&file);
        assert_eq!(view.lines().count(), 4);
        assert_eq!(w.len(), 3, "the **del. record is not a write");
        assert_eq!(w[0].value, Value::Int(1));
        assert_eq!(&view[w[0].span.start..w[0].span.end], "0x00000001");
        assert!(
            view.lines()
                .next()
                .is_some_and(|l| l.starts_with(r"[HKLM\System\"))
        );
        assert_eq!(w[1].value, Value::Str("https://x/".into()));
        assert_eq!(w[2].value_name, "Mode");
        assert_eq!(w[2].value, Value::Int(7));
    }

    #[test]
    fn malformed_files_keep_what_was_read() {
        let good = build(&[(SCHANNEL, "Enabled", 4, &1u32.to_le_bytes())]);
        for cut in 0..good.len() {
            let p = parse(&good[..cut]);
            assert!(p.records.is_empty() || cut == good.len());
        }
        let mut two = good.clone();
        two.extend_from_slice(&good[HEADER.len()..good.len() - 3]);
        let p = parse(&two);
        assert_eq!(p.records.len(), 1);
        assert!(p.malformed);
        // A size beyond the file, a huge size, no header.
        let mut huge = build(&[(SCHANNEL, "Enabled", 4, &[1, 0, 0, 0])]);
        let at = huge.len() - 2 - 4 - 2 - 4;
        huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse(&huge).records.is_empty());
        assert!(parse(b"PReg").records.is_empty());
        assert!(parse(b"not a policy").malformed);
        // Odd lengths and unterminated strings.
        let mut odd = HEADER.to_vec();
        odd.extend_from_slice(&[b'[', 0, b'A']);
        assert!(parse(&odd).malformed);
    }

    #[test]
    fn view_lines_are_records() {
        let file = build(&[
            ("Software\\A", "Multi", 7, &sz("a\0b\0")),
            ("Software\\B\nC", "Bin", 3, &[0u8; 40]),
            ("Software\\C", "Dword", 4, &[1, 2]),
        ]);
        let (view, w) = writes(&file);
        assert_eq!(view.lines().count(), 3, "{view}");
        assert!(view.contains("hex:00,"));
        assert!(view.contains("..."));
        assert_eq!(
            w[2].value,
            Value::Unknown,
            "a DWORD of 2 bytes is not a number"
        );
    }

    #[test]
    fn hive_from_folder() {
        use std::path::Path;
        assert_eq!(hive_for(Path::new("GPO/Machine/registry.pol")), "HKLM");
        assert_eq!(hive_for(Path::new("GPO/USER/Registry.pol")), "HKCU");
        assert_eq!(hive_for(Path::new("Registry.pol")), "HKLM");
    }
}
