//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tlslint::engine::Engine;
use tlslint::prefilter::Prefilter;
use tlslint::rules::RuleSet;
use tlslint::scan::{Checked, Checker};

/// The built-in rules, indexed.
pub fn engine() -> Engine {
    Engine::new(RuleSet::builtin().expect("built-in rules load"))
}

/// The prefilter of the built-in rules.
pub fn prefilter(engine: &Engine) -> Prefilter {
    Prefilter::new(
        engine
            .rules
            .rules
            .iter()
            .flat_map(|r| r.keywords.iter().cloned()),
    )
}

/// A finding reduced to what fixtures assert: (1-based line, category, rule id).
pub type Seen = (usize, String, String);

/// Scans one file's bytes with the real pipeline (prefilter included).
pub fn findings_for(engine: &Engine, pf: &Prefilter, path: &Path, bytes: &[u8]) -> Vec<Seen> {
    findings_detail(engine, pf, path, &path.to_string_lossy(), bytes)
        .into_iter()
        .map(|f| (f.line, f.category, f.rule))
        .collect()
}

/// A finding with what fixtures assert about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenFinding {
    /// 1-based line.
    pub line: usize,
    /// Category.
    pub category: String,
    /// Rule id.
    pub rule: String,
    /// The option that gates it, when it is an opt-in.
    pub opt_in: Option<String>,
}

/// Scans one file's bytes with the real pipeline (prefilter included); `display` is the
/// path the report (and the file-context classification) sees.
pub fn findings_detail(
    engine: &Engine,
    pf: &Prefilter,
    path: &Path,
    display: &str,
    bytes: &[u8],
) -> Vec<SeenFinding> {
    let checker = Checker {
        engine,
        prefilter: Some(pf),
        unused_suppressions: true,
        pool: None,
    };
    match checker.check(path, display, bytes, false) {
        Checked::Findings(report) => report
            .findings
            .iter()
            .map(|f| {
                let pos = report.index.position(&report.text, f.span.start);
                SeenFinding {
                    line: pos.line,
                    category: f.category.as_str().to_string(),
                    rule: engine.rules.rules[f.rule].id.clone(),
                    opt_in: f.opt_in.clone(),
                }
            })
            .collect(),
        Checked::Clean { .. } | Checked::Binary => Vec::new(),
    }
}

/// The file's bytes with every `tlslint-expect` annotation blanked out (the comment
/// opener and closer stay), re-encoded as the file was stored, so that annotations
/// never feed the prefilter or an analyzer.
pub fn blank_annotations(bytes: &[u8]) -> Vec<u8> {
    let Ok(src) = tlslint::decode::decode(bytes, true) else {
        return bytes.to_vec();
    };
    if !src.text.contains("tlslint-expect") {
        return bytes.to_vec();
    }
    let mut out = String::with_capacity(src.text.len());
    for line in src.text.split_inclusive('\n') {
        let Some(pos) = line.find("tlslint-expect") else {
            out.push_str(line);
            continue;
        };
        let body_end = line.trim_end_matches(['\r', '\n']).len();
        let end = ["-->", "*/", "#>"]
            .iter()
            .filter_map(|c| line[pos..body_end].find(c).map(|i| pos + i))
            .min()
            .unwrap_or(body_end);
        out.push_str(&line[..pos]);
        out.extend(std::iter::repeat_n(' ', line[pos..end].chars().count()));
        out.push_str(&line[end..]);
    }
    src.encoding.encode(&out)
}

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// All files below `dir`, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// What an expectation says about a finding's opt-in marking (DETECTION.md, "Who asked
/// for it?").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum OptIn {
    /// No `opt-in` word: the finding must not be an opt-in.
    No,
    /// `opt-in`: the finding must be an opt-in, gated by any option.
    Any,
    /// `opt-in=NAME`: the finding must be an opt-in gated by exactly `NAME`.
    Named(String),
}

impl OptIn {
    /// Whether a finding's `opt_in` satisfies the expectation.
    pub fn accepts(&self, got: Option<&str>) -> bool {
        match (self, got) {
            (OptIn::No, None) | (OptIn::Any, Some(_)) => true,
            (OptIn::Named(want), Some(g)) => want == g,
            _ => false,
        }
    }
}

impl std::fmt::Display for OptIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OptIn::No => f.write_str("not an opt-in"),
            OptIn::Any => f.write_str("opt-in"),
            OptIn::Named(n) => write!(f, "opt-in={n}"),
        }
    }
}

/// One expectation parsed from a fixture.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expect {
    /// Target line (1-based).
    pub line: usize,
    /// Categories expected on the line.
    pub categories: BTreeSet<String>,
    /// Rule ids, when given (a finding matches any of them).
    pub rules: Vec<String>,
    /// Whether the finding must be an opt-in (`opt-in`, `opt-in=NAME`) or must not be.
    pub opt_in: OptIn,
    /// Line of the annotation itself.
    pub at: usize,
}

const OPENERS: &[&str] = &[
    "<!--", "/*", "<#", "//", "::", "#", ";", "--", "'", "@REM ", "@rem ", "REM ", "rem ", "Rem ",
    "REM\t", "rem\t",
];

/// Parses `tlslint-expect` annotations (see fixtures/README.md).
pub fn parse_expectations(text: &str) -> Result<Vec<Expect>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut pending: Vec<(usize, String)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let Some(pos) = line.find("tlslint-expect") else {
            for (at, body) in pending.drain(..) {
                out.push(parse_body(&body, n, at)?);
            }
            continue;
        };
        let rest = &line[pos + "tlslint-expect".len()..];
        if rest.starts_with("-none") {
            // A documented look-alike: nothing to record, unannotated lines must be silent anyway.
            continue;
        }
        let (offset, body) = if let Some(r) = rest.strip_prefix("(+") {
            let close = r
                .find("):")
                .ok_or_else(|| format!("line {n}: expected `tlslint-expect(+N):`"))?;
            let k: usize = r[..close]
                .parse()
                .map_err(|_| format!("line {n}: bad offset"))?;
            (Some(k), r[close + 2..].to_string())
        } else if let Some(r) = rest.strip_prefix(':') {
            (None, r.to_string())
        } else {
            return Err(format!("line {n}: expected `tlslint-expect:`"));
        };
        let body = strip_closer(&body);
        if let Some(k) = offset {
            out.push(parse_body(&body, n + k, n)?);
        } else if is_own_line(&line[..pos]) {
            pending.push((n, body));
        } else {
            out.push(parse_body(&body, n, n)?);
        }
    }
    if let Some((at, _)) = pending.first() {
        return Err(format!(
            "line {at}: expectation at the end of the file has no target line"
        ));
    }
    Ok(out)
}

fn strip_closer(s: &str) -> String {
    let mut t = s.trim().to_string();
    for closer in ["-->", "*/", "#>"] {
        if let Some(x) = t.strip_suffix(closer) {
            t = x.trim().to_string();
        }
    }
    t
}

fn is_own_line(before: &str) -> bool {
    let mut t = before.trim_start();
    for o in OPENERS {
        if let Some(r) = t.strip_prefix(o) {
            t = r;
            break;
        }
    }
    t.trim().is_empty()
}

fn parse_body(body: &str, line: usize, at: usize) -> Result<Expect, String> {
    let body = body.trim();
    let (cats, rest) = match body.strip_prefix('[') {
        Some(r) => {
            let close = r
                .find(']')
                .ok_or_else(|| format!("line {at}: missing `]`"))?;
            (&r[..close], r[close + 1..].trim())
        }
        None => return Err(format!("line {at}: expected `[category, ...]`")),
    };
    let categories: BTreeSet<String> = cats
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    for c in &categories {
        if tlslint::diagnostic::Category::parse(c).is_none() {
            return Err(format!("line {at}: unknown category `{c}`"));
        }
    }
    // Rule ids and the `opt-in` marker follow the categories; the first other word that
    // is not kebab-case starts a comment.
    let mut rules = Vec::new();
    let mut opt_in = OptIn::No;
    for w in rest.split_whitespace() {
        if w == "opt-in" {
            opt_in = OptIn::Any;
            continue;
        }
        if let Some(name) = w.strip_prefix("opt-in=") {
            if name.is_empty() {
                return Err(format!("line {at}: `opt-in=` needs the option's name"));
            }
            opt_in = OptIn::Named(name.to_string());
            continue;
        }
        let kebab = w.contains('-')
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !kebab {
            break;
        }
        rules.push(w.to_string());
    }
    Ok(Expect {
        line,
        categories,
        rules,
        opt_in,
        at,
    })
}

/// Writes `data` to `dir/name`, creating folders.
pub fn write_file(dir: &Path, name: &str, data: &[u8]) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, data).expect("write");
}

/// `s` as UTF-16LE with a BOM, as regedit writes it.
pub fn utf16le_bom(s: &str) -> Vec<u8> {
    let mut v = vec![0xFF, 0xFE];
    v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
    v
}

/// (path, line, rule) of every finding of a JSON report on stdout.
pub fn json_findings(o: &std::process::Output) -> Vec<(String, u64, String)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "invalid JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["rule_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}
