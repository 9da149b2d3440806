//! Applying fixes to files: repeated passes until nothing more applies, the file's own
//! encoding, BOM and line endings kept byte for byte outside the edits, and atomic writes.
//!
//! A pass applies every non-overlapping fix (ruff's model); the file is then checked
//! again, because removing one operand of `A | B | C` changes what the next fix looks
//! like. A file is written only if it is still what was read, it round-trips through its
//! encoding exactly, and it is not a symbolic link.

use crate::diagnostic::{Applicability, Fix};
use crate::fixes;
use crate::scan::{Checked, Checker, FileReport, digest};
use std::io::Write;
use std::path::Path;

/// At most this many passes per file. A pass applies every non-overlapping fix (the
/// fixes of findings merged on one line included), so most files converge in one or two;
/// the limit stops a pathological ping-pong.
const MAX_PASSES: usize = 32;

/// What may be fixed.
#[derive(Default)]
pub struct FixOptions<'a> {
    /// Also apply fixes marked unsafe.
    pub unsafe_fixes: bool,
    /// Fingerprints of baselined findings: never fixed, also when a later pass finds them
    /// again.
    pub baseline: Option<&'a std::collections::HashSet<String>>,
}

/// The result of fixing one file in memory.
#[derive(Debug)]
pub struct FixedFile {
    /// The text after the fixes.
    pub text: String,
    /// Reported findings that went away.
    pub fixed: usize,
    /// Fixes applied (a reported finding may stand for several merged ones).
    pub edits: usize,
    /// What is left (`None`: the file is clean).
    pub remaining: Option<Box<FileReport>>,
}

/// Whether `f`'s fix may be applied.
fn allowed(f: &Fix, unsafe_fixes: bool) -> bool {
    match f.applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => unsafe_fixes,
        Applicability::DisplayOnly => false,
    }
}

/// Hides baselined findings of a (re-)checked file, as the scan did.
fn without_baselined(
    mut r: FileReport,
    checker: &Checker<'_>,
    opts: &FixOptions<'_>,
) -> FileReport {
    if let Some(known) = opts.baseline {
        let fps = crate::report::fingerprints(&r, checker.engine);
        let mut keep = fps.iter().map(|fp| !known.contains(fp.as_str()));
        r.findings.retain(|_| keep.next().unwrap_or(true));
    }
    r
}

/// The fixes `--fix` applies to a file: those of its reported findings and of the
/// findings merged into them.
fn fixes_of(r: &FileReport, unsafe_fixes: bool) -> Vec<&Fix> {
    let mut out = Vec::new();
    for f in &r.findings {
        let Some(fix) = f.fix.as_ref().filter(|x| allowed(x, unsafe_fixes)) else {
            continue;
        };
        out.push(fix);
        let key = (r.index.line_of(f.span.start), f.category);
        if let Some(more) = r.merged_fixes.get(&key) {
            out.extend(more.iter().filter(|x| allowed(x, unsafe_fixes)));
        }
    }
    out
}

/// Applies the fixes of `report` in passes until none applies. `None` when nothing
/// changes.
pub fn fix_in_memory(
    checker: &Checker<'_>,
    report: &FileReport,
    opts: &FixOptions<'_>,
) -> Option<FixedFile> {
    let before = report.findings.len();
    let mut text = report.text.clone();
    let mut current: Option<Box<FileReport>> = None;
    let mut changed = false;
    let mut edits = 0;
    for _ in 0..MAX_PASSES {
        let r: &FileReport = current.as_deref().unwrap_or(report);
        let fixes = fixes_of(r, opts.unsafe_fixes);
        if fixes.is_empty() {
            break;
        }
        let (new, applied) = fixes::apply(&text, fixes);
        if applied == 0 || new == text {
            break;
        }
        text = new;
        changed = true;
        edits += applied;
        let bytes = report.encoding.encode(&text);
        let src = crate::decode::SourceText {
            text: text.clone(),
            encoding: report.encoding,
            lossy: false,
        };
        let digest = crate::scan::digest(&bytes);
        current = match checker.check_decoded(&report.fs_path, &report.path, src, digest) {
            Checked::Findings(r) => Some(Box::new(without_baselined(*r, checker, opts))),
            Checked::Clean { .. } | Checked::Binary => {
                return Some(FixedFile {
                    text,
                    fixed: before,
                    edits,
                    remaining: None,
                });
            }
        };
    }
    if !changed {
        return None;
    }
    let remaining = current.filter(|r| !r.findings.is_empty());
    let after = remaining.as_ref().map_or(0, |r| r.findings.len());
    Some(FixedFile {
        text,
        fixed: before.saturating_sub(after),
        edits,
        remaining,
    })
}

/// Why a file was not rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The note (`tlslint: PATH: message`).
    pub message: String,
    /// An I/O error (exit status 2), not a refusal by policy (the findings stay reported).
    pub is_error: bool,
}

fn refuse(message: impl Into<String>) -> Refusal {
    Refusal {
        message: message.into(),
        is_error: false,
    }
}

fn io_error(message: impl Into<String>) -> Refusal {
    Refusal {
        message: message.into(),
        is_error: true,
    }
}

/// Whether `--fix` may rewrite `report`'s file at all (`--diff` asks the same, so that it
/// shows exactly what `--fix` would write): not a symbolic link, decoded exactly, a
/// regular file with one link, writable, not setuid or setgid.
pub fn check_rewritable(report: &FileReport) -> Result<std::fs::Metadata, Refusal> {
    let path = report.fs_path.as_path();
    let meta =
        std::fs::symlink_metadata(path).map_err(|e| io_error(format!("cannot read: {e}")))?;
    if meta.file_type().is_symlink() {
        return Err(refuse("is a symbolic link; not rewritten"));
    }
    if !meta.is_file() {
        return Err(refuse("is not a regular file; not rewritten"));
    }
    if report.lossy {
        return Err(refuse("is not valid in its encoding; not rewritten"));
    }
    // A folder of a relative path that is a symbolic link would take the write elsewhere
    // (`tree/link/x.sh` with `link -> /etc`): walked files never pass through one, and a
    // path named on the command line must not either.
    if path.is_relative() {
        let mut prefix = std::path::PathBuf::new();
        let parents: Vec<_> = path.components().collect();
        for c in parents.iter().take(parents.len().saturating_sub(1)) {
            prefix.push(c);
            if std::fs::symlink_metadata(&prefix).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(refuse(format!(
                    "is reached through the symbolic link {}; not rewritten",
                    prefix.display()
                )));
            }
        }
    }
    if meta.permissions().readonly() {
        return Err(refuse("is read-only; not rewritten"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.mode() & 0o6000 != 0 {
            return Err(refuse("is setuid or setgid; not rewritten"));
        }
        if meta.mode() & 0o200 == 0 {
            return Err(refuse("is read-only; not rewritten"));
        }
        if meta.nlink() > 1 {
            return Err(refuse(format!(
                "has {} hard links; not rewritten (a rewrite would split them)",
                meta.nlink()
            )));
        }
    }
    Ok(meta)
}

/// What identifies a version of a file: a write or a metadata change alters it.
#[derive(Debug, PartialEq, Eq)]
struct Version {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    ids: (u64, u64, i64, i64),
}

fn version(m: &std::fs::Metadata) -> Version {
    #[cfg(unix)]
    use std::os::unix::fs::MetadataExt;
    Version {
        len: m.len(),
        modified: m.modified().ok(),
        #[cfg(unix)]
        ids: (m.dev(), m.ino(), m.ctime(), m.ctime_nsec()),
    }
}

/// Writes `new_text` over `report`'s file in the file's encoding, keeping its mode and
/// owner, if [`check_rewritable`] allows it and the file is still what was scanned.
///
/// The new content is written to a temporary file in the same folder, flushed to disk,
/// and then swapped with the file. On Linux the swap is an atomic exchange of the two
/// names, after which the old file is checked once more: if anything changed it since it
/// was read, the exchange is undone and the file is left as it is. Elsewhere the file is
/// checked right before an atomic rename.
pub fn write_fixed(report: &FileReport, new_text: &str) -> Result<(), Refusal> {
    let path = report.fs_path.as_path();
    let meta = check_rewritable(report)?;
    let changed = || refuse("changed since it was scanned; skipped");
    let original = std::fs::File::open(path).map_err(|e| io_error(format!("cannot read: {e}")))?;
    let seen = original
        .metadata()
        .map_err(|e| io_error(format!("cannot read: {e}")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if (seen.dev(), seen.ino()) != (meta.dev(), meta.ino()) {
            return Err(changed());
        }
    }
    let v1 = version(&seen);
    let mut current = Vec::new();
    {
        use std::io::Read;
        (&original)
            .read_to_end(&mut current)
            .map_err(|e| io_error(format!("cannot read: {e}")))?;
    }
    if digest(&current) != report.digest {
        return Err(changed());
    }
    if report.encoding.encode(&report.text) != current {
        return Err(refuse(format!(
            "does not round-trip through {}; not rewritten",
            report.encoding.name()
        )));
    }
    let bytes = report.encoding.encode(new_text);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".tlslint-fix-")
        .tempfile_in(dir)
        .map_err(|e| io_error(format!("cannot create a temporary file next to it: {e}")))?;
    tmp.write_all(bytes.as_slice())
        .map_err(|e| io_error(format!("cannot write: {e}")))?;
    // The same mode and owner (a root run must not hand a user's file to root).
    tmp.as_file()
        .set_permissions(meta.permissions())
        .map_err(|e| io_error(format!("cannot keep its permissions: {e}")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let t = tmp
            .as_file()
            .metadata()
            .map_err(|e| io_error(format!("cannot write: {e}")))?;
        if (t.uid(), t.gid()) != (meta.uid(), meta.gid())
            && std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid())).is_err()
        {
            return Err(refuse(
                "is owned by another user or group, which a rewrite cannot keep; not rewritten",
            ));
        }
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| io_error(format!("cannot write: {e}")))?;
    // Last check before the swap: same file, not written since it was read.
    let unchanged = |f: &std::fs::File| f.metadata().is_ok_and(|m| version(&m) == v1);
    let still_there = std::fs::symlink_metadata(path).is_ok_and(|m| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino()) == (seen.dev(), seen.ino())
        }
        #[cfg(not(unix))]
        {
            m.is_file()
        }
    });
    if !still_there || !unchanged(&original) {
        return Err(changed());
    }
    // After the swap the old file's change time moves (a rename changes it): from then on
    // its size and modification time tell whether anyone wrote to it.
    let content = |m: &std::fs::Metadata| (m.len(), m.modified().ok());
    let c1 = content(&seen);
    let not_written = move |f: &std::fs::File| f.metadata().is_ok_and(|m| content(&m) == c1);
    swap_in(tmp, path, &original, &not_written)
}

/// Replaces `path` by the temporary file. Linux: exchange, check the old file, undo the
/// exchange if it changed in the meantime.
#[cfg(target_os = "linux")]
fn swap_in(
    tmp: tempfile::NamedTempFile,
    path: &Path,
    original: &std::fs::File,
    unchanged: &dyn Fn(&std::fs::File) -> bool,
) -> Result<(), Refusal> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, tmp.path(), CWD, path, RenameFlags::EXCHANGE) {
        Ok(()) => {
            // A writer that opened the file just before the exchange still writes to the
            // old one: give such a write (a shell's `>>`: open, write, close) a moment to
            // land where the check below sees it, rather than lose it with the old file.
            // One that holds the file open longer is not covered; no check can see it.
            std::thread::sleep(std::time::Duration::from_millis(2));
            if unchanged(original) {
                // The temporary name now holds the old file: dropping `tmp` removes it.
                drop(tmp);
                return Ok(());
            }
            // Written to between the last check and the exchange: put it back.
            renameat_with(CWD, tmp.path(), CWD, path, RenameFlags::EXCHANGE).map_err(|e| {
                io_error(format!(
                    "changed while being rewritten, and the change could not be put back: {e}"
                ))
            })?;
            Err(refuse("changed while being rewritten; left as it was"))
        }
        // No exchange on this file system: an atomic rename after the last check.
        Err(_) => tmp
            .persist(path)
            .map(|_| ())
            .map_err(|e| io_error(format!("cannot replace the file: {}", e.error))),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap_in(
    tmp: tempfile::NamedTempFile,
    path: &Path,
    _original: &std::fs::File,
    _unchanged: &dyn Fn(&std::fs::File) -> bool,
) -> Result<(), Refusal> {
    tmp.persist(path)
        .map(|_| ())
        .map_err(|e| io_error(format!("cannot replace the file: {}", e.error)))
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
            pool: None,
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
            pool: None,
        };
        let fixed = fix_in_memory(&checker, &report, &FixOptions::default()).expect("a fix");
        assert_eq!(fixed.text, "curl https://x/\n");
        // Someone edits the file in the meantime.
        std::fs::write(&path, "curl -k https://x/ # edited\n").expect("write");
        let err = write_fixed(&report, &fixed.text).expect_err("must refuse");
        assert!(err.message.contains("changed since"), "{err:?}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "curl -k https://x/ # edited\n"
        );
    }
}
