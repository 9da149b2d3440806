//! Applying fixes to files: repeated passes until nothing more applies, the file's own
//! encoding, BOM and line endings kept byte for byte outside the edits, and atomic writes.
//!
//! A pass applies every non-overlapping fix (ruff's model); the file is then checked
//! again, because removing one operand of `A | B | C` changes what the next fix looks
//! like. A file is written only if it is still what was read, it round-trips through its
//! encoding exactly, and it is not a symbolic link.

use crate::diagnostic::{Applicability, Finding};
use crate::fixes;
use crate::scan::{Checked, Checker, FileReport, digest};
use std::io::Write;
use std::path::Path;

/// At most this many passes per file.
const MAX_PASSES: usize = 10;

/// The result of fixing one file in memory.
#[derive(Debug)]
pub struct FixedFile {
    /// The text after the fixes.
    pub text: String,
    /// Findings that went away.
    pub fixed: usize,
    /// What is left (`None`: the file is clean).
    pub remaining: Option<Box<FileReport>>,
}

/// Whether `f`'s fix may be applied.
fn allowed(f: &Finding, unsafe_fixes: bool) -> bool {
    f.fix.as_ref().is_some_and(|x| match x.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
        Applicability::DisplayOnly => false,
    })
}

/// Applies the fixes of `report` in passes. `None` when nothing changes.
pub fn fix_in_memory(
    checker: &Checker<'_>,
    report: &FileReport,
    unsafe_fixes: bool,
) -> Option<FixedFile> {
    let before = report.findings.len();
    let mut text = report.text.clone();
    let mut findings: Vec<Finding> = report.findings.clone();
    let mut remaining: Option<Box<FileReport>> = None;
    let mut changed = false;
    for _ in 0..MAX_PASSES {
        let fixes: Vec<&crate::diagnostic::Fix> = findings
            .iter()
            .filter(|f| allowed(f, unsafe_fixes))
            .filter_map(|f| f.fix.as_ref())
            .collect();
        if fixes.is_empty() {
            break;
        }
        let (new, applied) = fixes::apply(&text, fixes);
        if applied == 0 || new == text {
            break;
        }
        text = new;
        changed = true;
        let bytes = report.encoding.encode(&text);
        let src = crate::decode::SourceText {
            text: text.clone(),
            encoding: report.encoding,
            lossy: false,
        };
        let digest = crate::scan::digest(&bytes);
        match checker.check_decoded(&report.fs_path, &report.path, src, digest) {
            Checked::Findings(r) => {
                findings = r.findings.clone();
                remaining = Some(r);
            }
            Checked::Clean { .. } | Checked::Binary => {
                findings.clear();
                remaining = None;
            }
        }
    }
    if !changed {
        return None;
    }
    let after = remaining.as_ref().map_or(0, |r| r.findings.len());
    Some(FixedFile {
        text,
        fixed: before.saturating_sub(after),
        remaining,
    })
}

/// Writes `new_text` over `report`'s file, atomically (a temporary file in the same
/// folder, then a rename), in the file's encoding. Refuses files that changed since they
/// were read, that do not re-encode exactly, and symbolic links.
pub fn write_fixed(report: &FileReport, new_text: &str) -> Result<(), String> {
    let path = report.fs_path.as_path();
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.file_type().is_symlink() {
        return Err("is a symbolic link; not rewritten".into());
    }
    if report.lossy {
        return Err("is not valid in its encoding; not rewritten".into());
    }
    let current = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if digest(&current) != report.digest {
        return Err("changed since it was scanned; skipped".into());
    }
    if report.encoding.encode(&report.text) != current {
        return Err(format!(
            "does not round-trip through {}; not rewritten",
            report.encoding.name()
        ));
    }
    let bytes = report.encoding.encode(new_text);
    write_atomic(path, &bytes, &meta.permissions())
}

fn write_atomic(path: &Path, bytes: &[u8], perms: &std::fs::Permissions) -> Result<(), String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".tlslint-fix-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file next to it: {e}"))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write: {e}"))?;
    // Keep the file's permissions (best effort: a read-only file stays read-only).
    let _ = std::fs::set_permissions(tmp.path(), perms.clone());
    tmp.persist(path)
        .map_err(|e| format!("cannot replace the file: {}", e.error))?;
    Ok(())
}

/// A unified diff of one file's fix, with `a/` and `b/` paths as git writes them.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Engine;
    use crate::rules::RuleSet;

    fn report_for(path: &Path, engine: &Engine) -> FileReport {
        let bytes = std::fs::read(path).expect("read");
        let checker = Checker {
            engine,
            prefilter: None,
            unused_suppressions: false,
        };
        match checker.check(path, "t.sh", &bytes, true) {
            Checked::Findings(r) => *r,
            _ => panic!("expected findings"),
        }
    }

    #[test]
    fn a_file_changed_since_the_scan_is_not_written() {
        let engine = Engine::new(RuleSet::builtin().expect("rules"));
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.sh");
        std::fs::write(&path, "curl -k https://x/\n").expect("write");
        let report = report_for(&path, &engine);
        let checker = Checker {
            engine: &engine,
            prefilter: None,
            unused_suppressions: false,
        };
        let fixed = fix_in_memory(&checker, &report, false).expect("a fix");
        assert_eq!(fixed.text, "curl https://x/\n");
        // Someone edits the file in the meantime.
        std::fs::write(&path, "curl -k https://x/ # edited\n").expect("write");
        let err = write_fixed(&report, &fixed.text).expect_err("must refuse");
        assert!(err.contains("changed since"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "curl -k https://x/ # edited\n"
        );
    }
}
