//! `--diff-base REV`: which lines changed since a git revision, to report only findings on
//! lines a pull request adds or changes.
//!
//! The working tree is compared with the merge base of REV and HEAD (as `git diff REV...`
//! compares a branch with where it left REV; with `--diff-exact`, with REV itself), so
//! committed, staged and unstaged changes all count, changes REV gained after the branch
//! left it are not blamed on the branch, renames keep only their edited lines, and
//! deleted files have nothing to report. Files git shows as binary (UTF-16 `.reg`
//! exports, unless `.gitattributes` says otherwise) have no line diff: they are reported
//! whole, with a note. Untracked files that are not ignored are new: reported whole.

use crate::scan::{Outcome, Problem};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What changed in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// These 1-based, inclusive line ranges of the new file were added or changed.
    Lines(Vec<(usize, usize)>),
    /// The whole file counts as changed (new or untracked).
    Whole,
    /// git shows the diff as binary: the whole file is reported, with a note.
    Binary,
}

impl Change {
    /// Whether 1-based `line` changed.
    pub fn contains(&self, line: usize) -> bool {
        match self {
            Change::Lines(r) => r.iter().any(|&(a, b)| a <= line && line <= b),
            Change::Whole | Change::Binary => true,
        }
    }
}

/// The changes of one repository, by path relative to its top folder.
#[derive(Debug)]
pub struct Changes {
    /// The repository's top folder (canonical).
    pub top: PathBuf,
    /// Changed files.
    pub files: HashMap<String, Change>,
}

/// Configuration that keeps git from running programs named by the scanned repository:
/// its `.git/config` is attacker-controlled when a tree ships its `.git` folder. The
/// file-system monitor hook is off, optional locks are not taken (nothing is written to
/// the index), and external diff and text conversion are off on every diff call.
const HARDENING: &[&str] = &[
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.quotePath=false",
    "-c",
    "core.untrackedCache=false",
];

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    git_with(dir, &[], args)
}

/// Runs git with [`HARDENING`], `overrides` (more `-c` settings) and `args`.
fn git_with(dir: &Path, overrides: &[String], args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(HARDENING)
        .args(overrides)
        .args(args)
        .env("GIT_PAGER", "cat")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_EXTERNAL_DIFF")
        .env_remove("GIT_DIFF_OPTS")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git ({e}); --diff-base needs git on PATH"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.trim().to_string());
    }
    Ok(out.stdout)
}

/// `-c filter.NAME.clean= -c filter.NAME.smudge= -c filter.NAME.process=` for every
/// filter driver the repository's configuration names: comparing the working tree with a
/// commit would otherwise run the driver's clean command on every file it applies to.
/// (Reading configuration runs nothing.)
fn filter_overrides(top: &Path) -> Vec<String> {
    let Ok(names) = git(
        top,
        &["config", "-z", "--name-only", "--get-regexp", r"^filter\."],
    ) else {
        return Vec::new();
    };
    let mut drivers: Vec<String> = names
        .split(|&b| b == 0)
        .filter_map(|n| std::str::from_utf8(n).ok())
        .filter_map(|n| {
            let rest = n.trim().strip_prefix("filter.")?;
            let (driver, _) = rest.rsplit_once('.')?;
            Some(driver.to_string())
        })
        .collect();
    drivers.sort();
    drivers.dedup();
    drivers
        .iter()
        .flat_map(|d| {
            ["clean", "smudge", "process"]
                .into_iter()
                .flat_map(move |k| ["-c".to_string(), format!("filter.{d}.{k}=")])
        })
        .collect()
}

/// What `--diff-base REV` compares the working tree with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The merge base of REV and HEAD (`git diff REV...`): what the branch changed.
    MergeBase,
    /// REV itself (`--diff-exact`).
    Revision,
}

/// Reads the changes since `rev` (or its merge base with HEAD) of the repository holding
/// `path`.
pub fn changes_since(path: &Path, rev: &str, against: Against) -> Result<Changes, String> {
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    let top = git(&dir, &["rev-parse", "--show-toplevel"]).map_err(|e| {
        format!(
            "--diff-base needs a git repository, and {} is not in one ({e})",
            path.display()
        )
    })?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches(['\n', '\r']));
    let top = top.canonicalize().unwrap_or(top);
    if rev.starts_with('-') {
        return Err(format!("--diff-base: `{rev}` is not a revision"));
    }
    let spec = format!("{rev}^{{commit}}");
    let commit = git(&top, &["rev-parse", "--verify", "--quiet", "--end-of-options", &spec])
        .map_err(|_| {
            format!(
                "--diff-base: `{rev}` is not a commit of the repository at {} (fetch it first, e.g. `git fetch origin {rev}`, or use `actions/checkout` with `fetch-depth: 0`)",
                top.display()
            )
        })?;
    let mut commit = String::from_utf8_lossy(&commit).trim().to_string();
    if against == Against::MergeBase {
        let base = git(&top, &["merge-base", "--end-of-options", &commit, "HEAD"]).map_err(|e| {
            format!(
                "--diff-base: no merge base of `{rev}` and HEAD in the repository at {} ({}); in a shallow clone fetch more history (`git fetch --deepen=100`, or `fetch-depth: 0` with actions/checkout), or compare with `{rev}` itself with --diff-exact",
                top.display(),
                if e.is_empty() { "unrelated histories or missing commits" } else { e.as_str() }
            )
        })?;
        commit = String::from_utf8_lossy(&base).trim().to_string();
    }

    let mut files = HashMap::new();
    let overrides = filter_overrides(&top);
    // Binary diffs first (numstat shows them as `-\t-`); -z keeps paths verbatim.
    let numstat = git_with(
        &top,
        &overrides,
        &[
            "diff",
            "--numstat",
            "-z",
            "-M",
            "--no-ext-diff",
            "--no-textconv",
            &commit,
            "--",
        ],
    )?;
    for path in binary_paths(&numstat) {
        files.insert(path, Change::Binary);
    }
    let patch = git_with(
        &top,
        &overrides,
        &[
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "-M",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            &commit,
            "--",
        ],
    )?;
    for (path, change) in parse_patch(&String::from_utf8_lossy(&patch)) {
        files.entry(path).or_insert(change);
    }
    let untracked = git_with(
        &top,
        &overrides,
        &["ls-files", "--others", "--exclude-standard", "-z"],
    )?;
    for p in untracked.split(|&b| b == 0).filter(|p| !p.is_empty()) {
        files.insert(String::from_utf8_lossy(p).into_owned(), Change::Whole);
    }
    Ok(Changes { top, files })
}

/// The new paths of the binary entries of `git diff --numstat -z`.
fn binary_paths(out: &[u8]) -> Vec<String> {
    let mut paths = Vec::new();
    let mut fields = out.split(|&b| b == 0);
    while let Some(rec) = fields.next() {
        if rec.is_empty() {
            continue;
        }
        // `ADDED\tDELETED\tPATH`, or `ADDED\tDELETED\t` then OLD and NEW for a rename.
        let mut parts = rec.splitn(3, |&b| b == b'\t');
        let added = parts.next().unwrap_or_default();
        let _deleted = parts.next();
        let path = parts.next().unwrap_or_default();
        let path = if path.is_empty() {
            let _old = fields.next();
            fields.next().unwrap_or_default()
        } else {
            path
        };
        if added == b"-" && !path.is_empty() {
            paths.push(String::from_utf8_lossy(path).into_owned());
        }
    }
    paths
}

/// A file being read: its new path, the added line ranges, and whether it is new.
type Current = Option<(String, Vec<(usize, usize)>, bool)>;

/// Parses `git diff --unified=0` output: the added line ranges of each new file.
pub fn parse_patch(patch: &str) -> Vec<(String, Change)> {
    let mut out: Vec<(String, Change)> = Vec::new();
    let mut current: Current = None;
    let flush = |cur: &mut Current, out: &mut Vec<(String, Change)>| {
        if let Some((path, ranges, new)) = cur.take() {
            let change = if new {
                Change::Whole
            } else {
                Change::Lines(ranges)
            };
            out.push((path, change));
        }
    };
    let mut new_file = false;
    let mut in_header = false;
    for line in patch.lines() {
        if line.starts_with("diff --git ") {
            flush(&mut current, &mut out);
            new_file = false;
            in_header = true;
            continue;
        }
        if in_header {
            if line.starts_with("new file mode") {
                new_file = true;
            } else if let Some(rest) = line.strip_prefix("+++ ") {
                in_header = false;
                if rest == "/dev/null" {
                    continue; // deleted: nothing to report
                }
                let name = unquote(rest.trim_end_matches('\t'));
                let name = name.strip_prefix("b/").unwrap_or(&name).to_string();
                current = Some((name, Vec::new(), new_file));
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("@@ ") {
            if let (Some((_, ranges, _)), Some(r)) = (current.as_mut(), hunk_new_range(h)) {
                ranges.push(r);
            }
        }
    }
    flush(&mut current, &mut out);
    out
}

/// `-a,b +c,d @@ ...` -> the inclusive range of new lines (`None` for a pure deletion).
fn hunk_new_range(h: &str) -> Option<(usize, usize)> {
    let plus = h.split_whitespace().find(|t| t.starts_with('+'))?;
    let plus = &plus[1..];
    let (start, count) = match plus.split_once(',') {
        Some((s, c)) => (s.parse::<usize>().ok()?, c.parse::<usize>().ok()?),
        None => (plus.parse::<usize>().ok()?, 1),
    };
    (count > 0).then(|| (start, start + count - 1))
}

/// Undoes git's C-style quoting of a path (`"a\tb\303\251"`).
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(b'a') => bytes.push(7),
            Some(b'b') => bytes.push(8),
            Some(b'f') => bytes.push(12),
            Some(b'v') => bytes.push(11),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&n @ b'0'..=b'7') = it.peek() {
                        v = v * 8 + u32::from(n - b'0');
                        it.next();
                    }
                }
                bytes.push((v & 0xff) as u8);
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Keeps only the findings (and suppression notes) on changed lines. Returns how many
/// findings were dropped.
pub fn filter(outcome: &mut Outcome, repos: &[Changes]) -> usize {
    let mut dropped = 0;
    let mut binary_noted: HashSet<String> = HashSet::new();
    let lookup = |fs_path: &Path| -> Option<(String, Change)> {
        let abs = fs_path.canonicalize().ok()?;
        let repo = repos
            .iter()
            .filter(|r| abs.starts_with(&r.top))
            .max_by_key(|r| r.top.as_os_str().len())?;
        let rel = abs.strip_prefix(&repo.top).ok()?;
        let key = rel.to_string_lossy().replace('\\', "/");
        repo.files.get(&key).map(|c| (key, c.clone()))
    };
    let mut by_path: HashMap<String, Option<Change>> = HashMap::new();
    for file in &mut outcome.files {
        let change = lookup(&file.fs_path).map(|(_, c)| c);
        let before = file.findings.len();
        match &change {
            None => file.findings.clear(),
            Some(c) => {
                let index = &file.index;
                file.findings
                    .retain(|f| c.contains(index.line_of(f.span.start) + 1));
            }
        }
        dropped += before - file.findings.len();
        if matches!(change, Some(Change::Binary))
            && !file.findings.is_empty()
            && binary_noted.insert(file.path.clone())
        {
            outcome.problems.push(Problem {
                path: file.path.clone(),
                message: "git shows its diff as binary (UTF-16?), so every finding in it is reported, not only those on changed lines".to_string(),
                is_error: false,
            });
        }
        by_path.insert(file.path.clone(), change);
    }
    outcome.files.retain(|f| !f.findings.is_empty());
    outcome.suppression_notes.retain(|(path, note)| {
        by_path
            .get(path)
            .is_none_or(|c| c.as_ref().is_some_and(|c| c.contains(note.line)))
    });
    outcome.problems.sort();
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks() {
        let patch = "diff --git a/x.reg b/x.reg\nindex 1..2 100644\n--- a/x.reg\n+++ b/x.reg\n@@ -3 +3 @@\n-a\n+b\n@@ -10,0 +11,2 @@\n+c\n+d\n@@ -20,2 +21,0 @@\n-e\n-f\n\
diff --git a/new.ps1 b/new.ps1\nnew file mode 100644\nindex 0..1\n--- /dev/null\n+++ b/new.ps1\n@@ -0,0 +1,3 @@\n+x\n+y\n+z\n\
diff --git a/gone.cmd b/gone.cmd\ndeleted file mode 100644\n--- a/gone.cmd\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n\
diff --git a/old name.cs b/new name.cs\nsimilarity index 90%\nrename from old name.cs\nrename to new name.cs\n--- a/old name.cs\t\n+++ b/new name.cs\t\n@@ -5 +5 @@\n-+++ b/fake\n++++ b/fake\n\
diff --git \"a/caf\\303\\251.yml\" \"b/caf\\303\\251.yml\"\n--- \"a/caf\\303\\251.yml\"\n+++ \"b/caf\\303\\251.yml\"\n@@ -1 +1 @@\n-a\n+b\n";
        let got = parse_patch(patch);
        assert_eq!(
            got,
            vec![
                ("x.reg".into(), Change::Lines(vec![(3, 3), (11, 12)])),
                ("new.ps1".into(), Change::Whole),
                ("new name.cs".into(), Change::Lines(vec![(5, 5)])),
                ("café.yml".into(), Change::Lines(vec![(1, 1)])),
            ]
        );
    }

    #[test]
    fn numstat_binary() {
        let out = b"-\t-\ta.reg\x001\t1\tb.txt\x00-\t-\t\x00old.reg\x00new dir/new.reg\x00";
        assert_eq!(binary_paths(out), vec!["a.reg", "new dir/new.reg"]);
    }

    #[test]
    fn contains() {
        let c = Change::Lines(vec![(3, 4)]);
        assert!(!c.contains(2) && c.contains(3) && c.contains(4) && !c.contains(5));
        assert!(Change::Binary.contains(1));
    }
}
