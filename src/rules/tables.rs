//! Flag tables: the one place where WinHTTP/WinINet, BITS, Schannel, .NET and libcurl
//! bit values are given names and categories.
//!
//! Every format that meets a flag value, whether as a constant name in C, a member of a
//! .NET enum in PowerShell, a decimal argument to `bitsadmin` or a `dword:` in a `.reg`
//! file, decodes it here, so a value means the same thing everywhere and `tlslint explain
//! --value N --as TABLE` prints exactly what a finding would say.

use crate::diagnostic::Category;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// How the entries of a table combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TableKind {
    /// A bit set: a value is the OR of its entries.
    Bits,
    /// An enumeration: a value is exactly one entry.
    Enum,
}

/// One named value of a table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagEntry {
    /// Constant names, the canonical one first (`SECURITY_FLAG_IGNORE_UNKNOWN_CA`). Names
    /// may be qualified (`SslProtocols.Tls`); code matches the last segments.
    pub names: Vec<String>,
    /// The constant takes effect wherever code passes or assigns it (a trust-all class,
    /// `ssl._create_unverified_context`): any use as a value is a sink.
    #[serde(default)]
    pub anywhere: bool,
    /// The numeric value.
    pub value: u64,
    /// For multi-bit fields: the bits the value is compared under (defaults to `value`).
    #[serde(default)]
    pub mask: Option<u64>,
    /// A short label for decoded output ("CN invalid").
    pub label: String,
    /// The category this value weakens; absent for safe values.
    #[serde(default)]
    pub category: Option<Category>,
    /// A combination of other entries (`SECURITY_FLAG_IGNORE_ALL_CERT_ERRORS`): not used
    /// when decoding numbers, its categories are those of its bits.
    #[serde(default)]
    pub composite: bool,
    /// One sentence on what the value does.
    #[serde(default)]
    pub note: Option<String>,
    /// The safe name that replaces this one when it is the whole value
    /// (`VersionTLS10` -> `VersionTLS12`); the last segment of the name is replaced.
    #[serde(default)]
    pub fix: Option<String>,
}

/// A named table of flag values.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagTable {
    /// Kebab-case id (`winhttp-security-flags`), equal to the file stem.
    pub id: String,
    /// What the table is.
    pub title: String,
    /// Where values of this table appear.
    pub description: String,
    /// Bit set or enumeration.
    pub kind: TableKind,
    /// Microsoft (or vendor) documents that define the values.
    #[serde(default)]
    pub references: Vec<String>,
    /// Member/property names whose values are decoded with this table when written as
    /// a string or a number (`SecurityProtocol = 'Tls11,Tls12'`, `SecurityProtocol = 768`).
    #[serde(default)]
    pub targets: Vec<String>,
    /// Members where named constants of this table take effect, but numbers are not
    /// decoded (`dwFlags` of `SCHANNEL_CRED`: too common a name to read every number).
    #[serde(default)]
    pub constant_targets: Vec<String>,
    /// Assignment targets that turn the values *off* (`grbitDisabledProtocols`): constants
    /// assigned to them are not findings.
    #[serde(default)]
    pub safe_targets: Vec<String>,
    /// Calls whose arguments are values of this table (raw numbers in them are decoded).
    #[serde(default, rename = "sink")]
    pub sinks: Vec<Sink>,
    /// The values.
    #[serde(rename = "flag")]
    pub entries: Vec<FlagEntry>,
}

/// A call that takes a value of a table: `SetSecurityFlags(value)`, or
/// `WinHttpSetOption(h, WINHTTP_OPTION_SECURITY_FLAGS, &value, size)`. `call` is the
/// function or method name (last segment; `*` globs, and the `A`/`W` suffixes of Windows
/// APIs, match).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sink {
    /// The function or method name (last segment).
    pub call: String,
    /// The 0-based argument holding the value (a number, or a variable assigned one).
    pub arg: usize,
    /// When given, argument `option_arg` must be this constant.
    #[serde(default)]
    pub option: Option<String>,
    /// The argument that selects the option.
    #[serde(default)]
    pub option_arg: usize,
    /// Only named constants count here (numbers passed to this call are not decoded).
    #[serde(default)]
    pub names_only: bool,
}

/// A value split into its named parts.
#[derive(Debug, Clone)]
pub struct Decoded<'a> {
    /// The value decoded.
    pub value: u64,
    /// Entries present in the value, in table order.
    pub parts: Vec<&'a FlagEntry>,
    /// Bits that no entry names.
    pub unknown: u64,
    /// Categories weakened by the value.
    pub categories: BTreeSet<Category>,
}

impl Decoded<'_> {
    /// `0x3300 = CN invalid 0x1000 + date invalid 0x2000 + ...`, dangerous parts first.
    pub fn describe(&self) -> String {
        let mut s = format!("{}", Hex(self.value));
        if self.parts.is_empty() && self.unknown == 0 {
            return s;
        }
        s.push_str(" = ");
        let mut first = true;
        let mut ordered: Vec<&&FlagEntry> =
            self.parts.iter().filter(|e| e.category.is_some()).collect();
        ordered.extend(self.parts.iter().filter(|e| e.category.is_none()));
        for e in ordered {
            if !first {
                s.push_str(" + ");
            }
            first = false;
            let _ = write!(s, "{} {}", e.label, Hex(e.value));
        }
        if self.unknown != 0 {
            if !first {
                s.push_str(" + ");
            }
            let _ = write!(s, "unknown bits {}", Hex(self.unknown));
        }
        s
    }

    /// Each part with what it weakens: `CN invalid 0x1000 -> hostname-validation, ...`.
    pub fn breakdown(&self) -> String {
        let mut parts: Vec<String> = self
            .parts
            .iter()
            .map(|e| {
                let what = e.category.map_or("safe", Category::as_str);
                format!("{} {} -> {what}", e.label, Hex(e.value))
            })
            .collect();
        if self.unknown != 0 {
            parts.push(format!("unknown bits {} -> not judged", Hex(self.unknown)));
        }
        if parts.is_empty() {
            return format!("{}: no flags set", Hex(self.value));
        }
        format!("{}: {}", Hex(self.value), parts.join(", "))
    }

    /// The labels of the parts that weaken `category`.
    pub fn labels_for(&self, category: Category) -> Vec<&str> {
        self.parts
            .iter()
            .filter(|e| e.category == Some(category))
            .map(|e| e.label.as_str())
            .collect()
    }
}

/// Formats a number as `0x...` in upper-case hex.
pub struct Hex(pub u64);

impl std::fmt::Display for Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{:X}", self.0)
    }
}

impl FlagTable {
    /// Decodes a numeric value.
    pub fn decode(&self, value: u64) -> Decoded<'_> {
        let mut parts = Vec::new();
        let mut covered = 0u64;
        let mut categories = BTreeSet::new();
        match self.kind {
            TableKind::Enum => {
                if let Some(e) = self
                    .entries
                    .iter()
                    .find(|e| e.value == value && !e.composite)
                {
                    parts.push(e);
                    if let Some(c) = e.category {
                        categories.insert(c);
                    }
                }
                let unknown = 0;
                return Decoded {
                    value,
                    parts,
                    unknown,
                    categories,
                };
            }
            TableKind::Bits => {
                for e in &self.entries {
                    if e.composite || e.value == 0 {
                        continue;
                    }
                    let mask = e.mask.unwrap_or(e.value);
                    if value & mask == e.value {
                        parts.push(e);
                        covered |= mask;
                        if let Some(c) = e.category {
                            categories.insert(c);
                        }
                    }
                }
            }
        }
        let unknown = value & !covered;
        Decoded {
            value,
            parts,
            unknown,
            categories,
        }
    }

    /// Finds an entry by constant name. `name` may be qualified (`System.Net.SecurityProtocolType.Tls`);
    /// it matches an entry name equal to its last segments.
    pub fn lookup(&self, name: &str) -> Option<&FlagEntry> {
        self.entries
            .iter()
            .find(|e| e.names.iter().any(|n| name_matches(name, n)))
    }

    /// The categories a named entry weakens: its own, or those of its bits.
    pub fn categories_of(&self, entry: &FlagEntry) -> BTreeSet<Category> {
        if let Some(c) = entry.category {
            return BTreeSet::from([c]);
        }
        if entry.composite || self.kind == TableKind::Bits {
            return self.decode(entry.value).categories;
        }
        BTreeSet::new()
    }
}

/// True when `name` (possibly more qualified) ends with the dotted segments of `entry`,
/// ASCII-case-sensitively for the last segment as in the languages that use them.
pub fn name_matches(name: &str, entry: &str) -> bool {
    if name == entry {
        return true;
    }
    name.len() > entry.len()
        && name.ends_with(entry)
        && name.as_bytes()[name.len() - entry.len() - 1] == b'.'
}

/// Parses a number as written in scripts and data: decimal, `0x` hex, `&H` hex, with an
/// optional C suffix (`0x3300UL`) and an optional leading sign.
pub fn parse_int(s: &str) -> Option<u64> {
    let t = s.trim().trim_matches(|c| c == '\'' || c == '"');
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let t = t.trim_end_matches(['u', 'U', 'l', 'L']);
    let v = if let Some(h) = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .or_else(|| t.strip_prefix("&H"))
        .or_else(|| t.strip_prefix("&h"))
    {
        u64::from_str_radix(&h.replace('_', ""), 16).ok()?
    } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        t.replace('_', "").parse::<u64>().ok()?
    } else {
        return None;
    };
    if neg {
        // -1 as a DWORD is 0xFFFFFFFF, as reg.exe and PowerShell treat it.
        Some(u64::from((v as u32).wrapping_neg()))
    } else {
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_int("0x3300"), Some(0x3300));
        assert_eq!(parse_int("0x00003300UL"), Some(0x3300));
        assert_eq!(parse_int("4608"), Some(4608));
        assert_eq!(parse_int("'2688'"), Some(2688));
        assert_eq!(parse_int("-1"), Some(0xFFFF_FFFF));
        assert_eq!(parse_int("&H800"), Some(0x800));
        assert_eq!(parse_int("abc"), None);
        assert_eq!(parse_int(""), None);
    }

    #[test]
    fn qualified_names() {
        assert!(name_matches(
            "System.Net.SecurityProtocolType.Tls",
            "SecurityProtocolType.Tls"
        ));
        assert!(!name_matches(
            "SecurityProtocolType.Tls12",
            "SecurityProtocolType.Tls"
        ));
        assert!(!name_matches(
            "XSecurityProtocolType.Tls",
            "SecurityProtocolType.Tls"
        ));
    }
}

/// Lookups over all tables: constant names (by last segment) and assignment targets.
#[derive(Debug, Clone, Default)]
pub struct TableIndex {
    by_last: std::collections::HashMap<String, Vec<(usize, usize)>>,
    by_target: std::collections::HashMap<String, usize>,
    safe_targets: std::collections::HashSet<String>,
}

/// A constant found in a table.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    /// The table.
    pub table: &'a FlagTable,
    /// The entry.
    pub entry: &'a FlagEntry,
}

fn last_segment(name: &str) -> &str {
    name.rsplit(['.', ':']).next().unwrap_or(name)
}

impl Sink {
    /// Whether a callee (its last segment) is this sink's function.
    pub fn matches_call(&self, callee: &str) -> bool {
        let last = callee.rsplit(['.', ':']).next().unwrap_or(callee);
        if self.call.contains('*') {
            return glob_match(&self.call, last);
        }
        last == self.call
            || (last.len() == self.call.len() + 1
                && last.starts_with(self.call.as_str())
                && (last.ends_with('W') || last.ends_with('A')))
    }
}

/// `*` matches any run of characters (case-sensitive).
fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            if !text.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if i == parts.len() - 1 {
            return text.len() >= pos + part.len() && text.ends_with(part);
        } else {
            match text.get(pos..).and_then(|t| t.find(part)) {
                Some(p) => pos += p + part.len(),
                None => return false,
            }
        }
    }
    pattern.ends_with('*') || pos == text.len() || parts.len() == 1
}

impl FlagTable {
    /// Whether assigning to member `key` is where values of this table take effect.
    pub fn is_target(&self, key: &str) -> bool {
        self.targets
            .iter()
            .chain(&self.constant_targets)
            .any(|t| t.eq_ignore_ascii_case(key))
    }
}

impl TableIndex {
    /// Indexes `tables`.
    pub fn new(tables: &[FlagTable]) -> TableIndex {
        let mut ix = TableIndex::default();
        for (ti, t) in tables.iter().enumerate() {
            for (ei, e) in t.entries.iter().enumerate() {
                for n in &e.names {
                    ix.by_last
                        .entry(last_segment(n).to_ascii_lowercase())
                        .or_default()
                        .push((ti, ei));
                }
            }
            for target in &t.targets {
                ix.by_target.insert(target.to_ascii_lowercase(), ti);
            }
            for target in &t.safe_targets {
                ix.safe_targets.insert(target.to_ascii_lowercase());
            }
        }
        ix
    }

    /// Finds a constant by the name written in code (`SECURITY_FLAG_IGNORE_UNKNOWN_CA`,
    /// `System.Net.SecurityProtocolType.Tls11`). `ignore_case` for PowerShell.
    pub fn lookup<'a>(
        &self,
        tables: &'a [FlagTable],
        written: &str,
        ignore_case: bool,
    ) -> Option<Found<'a>> {
        let cands = self
            .by_last
            .get(&last_segment(written).to_ascii_lowercase())?;
        let norm = written.replace("::", ".");
        for &(ti, ei) in cands {
            let t = &tables[ti];
            let e = &t.entries[ei];
            let hit = e.names.iter().any(|n| {
                if ignore_case {
                    name_matches(&norm.to_ascii_lowercase(), &n.to_ascii_lowercase())
                } else {
                    name_matches(&norm, n)
                }
            });
            if hit {
                return Some(Found { table: t, entry: e });
            }
        }
        None
    }

    /// The table that decodes values assigned to member `target` (`SecurityProtocol`).
    pub fn table_for_target<'a>(
        &self,
        tables: &'a [FlagTable],
        target: &str,
    ) -> Option<&'a FlagTable> {
        self.by_target
            .get(&target.to_ascii_lowercase())
            .map(|&i| &tables[i])
    }

    /// Whether assigning to `target` switches values off (`grbitDisabledProtocols`).
    pub fn is_safe_target(&self, target: &str) -> bool {
        self.safe_targets.contains(&target.to_ascii_lowercase())
    }
}

impl FlagTable {
    /// Finds an entry by a bare member name (`Tls11`), ignoring case: for values written
    /// as strings (`'Tls11,Tls12'`).
    pub fn member(&self, name: &str) -> Option<&FlagEntry> {
        let name = name.trim();
        self.entries.iter().find(|e| {
            e.names
                .iter()
                .any(|n| last_segment(n).eq_ignore_ascii_case(name))
        })
    }
}
