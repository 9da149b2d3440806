//! Baselines: today's findings recorded by fingerprint, so that a team can adopt tlslint
//! on an old repository and fail only on new findings. A fingerprint does not contain the
//! line number ([`crate::report::fingerprints`]), so a recorded finding stays hidden when
//! lines above it are added or removed; editing the finding's own line makes it new.

use crate::engine::Engine;
use crate::report::fingerprints;
use crate::scan::Outcome;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

/// The baseline file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Always `tlslint`.
    pub tool: String,
    /// Format version (1).
    pub version: u32,
    /// The recorded findings.
    pub findings: Vec<Entry>,
}

/// One recorded finding. Only the fingerprint matters; the rest helps people review it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Rule id.
    pub rule_id: String,
    /// Path, relative to the scanned root.
    pub path: String,
    /// Line when recorded.
    pub line: usize,
    /// Message when recorded.
    pub message: String,
}

/// Records every finding of `outcome`.
pub fn record(outcome: &Outcome, engine: &Engine) -> Baseline {
    let mut findings = Vec::new();
    for file in &outcome.files {
        for (f, fp) in file.findings.iter().zip(fingerprints(file, engine)) {
            findings.push(Entry {
                fingerprint: fp,
                rule_id: engine.rules.rules[f.rule].id.clone(),
                path: file.path.clone(),
                line: file.index.line_of(f.span.start) + 1,
                message: f.message.clone(),
            });
        }
    }
    Baseline {
        tool: "tlslint".into(),
        version: 1,
        findings,
    }
}

/// The largest baseline read (about 1.5 million findings).
pub const MAX_BASELINE: u64 = 256 * 1024 * 1024;

/// Reads a baseline file.
pub fn load(path: &Path) -> Result<Baseline, String> {
    // A regular file of bounded size: a FIFO would block, /dev/zero would never end.
    let bytes = crate::safe_io::read_regular(path, MAX_BASELINE)
        .map_err(|e| format!("cannot read: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| format!("cannot read: {e}"))?;
    let b: Baseline =
        serde_json::from_str(&text).map_err(|e| format!("not a tlslint baseline: {e}"))?;
    if b.tool != "tlslint" || b.version != 1 {
        return Err(format!(
            "not a tlslint baseline of version 1 (tool `{}`, version {})",
            b.tool, b.version
        ));
    }
    Ok(b)
}

/// Hides the findings recorded in `baseline`; returns how many.
pub fn apply(outcome: &mut Outcome, engine: &Engine, baseline: &Baseline) -> usize {
    let known: HashSet<&str> = baseline
        .findings
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    let mut hidden = 0;
    for file in &mut outcome.files {
        let fps = fingerprints(file, engine);
        let before = file.findings.len();
        let mut keep = fps.iter().map(|fp| !known.contains(fp.as_str()));
        file.findings.retain(|_| keep.next().unwrap_or(true));
        hidden += before - file.findings.len();
    }
    outcome.files.retain(|f| !f.findings.is_empty());
    outcome.stats.baselined = hidden as u64;
    hidden
}
