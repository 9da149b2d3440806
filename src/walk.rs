//! Walking the scanned paths: parallel, `.gitignore`-aware, hidden files included.
//!
//! Settings live in dot-files and dot-folders (`.github/workflows`, `.gitlab-ci.yml`,
//! `.gitconfig`, `.npmrc`), so hidden entries are walked; version-control folders never
//! are. `.gitignore`/`.ignore` are honoured unless `--no-ignore`. Files named on the
//! command line are "explicit": they are scanned even if binary or ignored, as ripgrep does.

use ignore::{WalkBuilder, WalkState};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One file to scan.
#[derive(Debug, Clone)]
pub struct Haystack {
    /// Path to open.
    pub path: PathBuf,
    /// Path for reports: relative to the scanned root, forward slashes.
    pub display: String,
    /// Named on the command line.
    pub explicit: bool,
    /// Size, when known before the file is opened (files named on the command line).
    pub len: Option<u64>,
}

/// Walk options.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Worker threads.
    pub threads: usize,
    /// Ignore `.gitignore`/`.ignore` files.
    pub no_ignore: bool,
    /// The configuration's `exclude`/`include` (not applied to files named explicitly).
    pub filter: Option<std::sync::Arc<crate::config::PathFilter>>,
    /// Apply `filter` to files named on the command line too (pre-commit passes every
    /// staged file, excluded ones included).
    pub force_exclude: bool,
}

/// Folders that are never walked.
const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".bzr", "_darcs", ".jj"];

/// A path made absolute without resolving the last component: the parent folder is
/// canonicalized (symbolic links and `..` resolved) and the name kept, so a link named on
/// the command line keeps its own name in reports. `.`, `..` and `/` are canonicalized whole.
pub fn absolute_keep_name(path: &Path) -> PathBuf {
    let name = path.file_name().filter(|_| {
        !matches!(
            path.components().next_back(),
            Some(std::path::Component::CurDir | std::path::Component::ParentDir)
        )
    });
    if let Some(name) = name {
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(p) = parent.canonicalize() {
            return p.join(name);
        }
    }
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The folder every report path is relative to, the same for every format and for
/// fingerprints: the current folder when every scanned path is below it (as ruff and
/// semgrep do), else the deepest folder that holds them all (one scanned folder outside
/// the current one: that folder). `roots` are as given; those that do not exist are left out.
pub fn report_base(roots: &[PathBuf]) -> PathBuf {
    let cwd = std::env::current_dir()
        .and_then(|c| c.canonicalize())
        .unwrap_or_default();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for r in roots {
        let Ok(meta) = std::fs::metadata(r) else {
            continue;
        };
        let abs = absolute_keep_name(r);
        let dir = if meta.is_dir() {
            abs
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or(abs)
        };
        dirs.push(dir);
    }
    if dirs.iter().all(|d| d.starts_with(&cwd)) {
        return cwd;
    }
    let mut base = dirs.first().cloned().unwrap_or(cwd);
    for d in &dirs[1..] {
        while !d.starts_with(&base) {
            match base.parent() {
                Some(p) => base = p.to_path_buf(),
                None => break,
            }
        }
    }
    base
}

/// The report path of `abs` (an absolute path below `base`): relative, forward slashes.
/// `fallback` (the path as walked) is used when `abs` is not below `base`.
pub fn display_path(base: &Path, abs: &Path, fallback: &Path) -> String {
    let rel = match abs.strip_prefix(base) {
        Ok(r) if !r.as_os_str().is_empty() => r,
        Ok(_) => abs.file_name().map_or(fallback, Path::new),
        Err(_) => fallback,
    };
    let mut s = rel.to_string_lossy().replace('\\', "/");
    while let Some(r) = s.strip_prefix("./") {
        s = r.to_string();
    }
    s
}

/// Walks `roots` in parallel, calling `visit` for each file and `error` for entries that
/// cannot be read (`named`: a path given on the command line). Both run on worker
/// threads. Files named on the command line are visited first; a file reached twice
/// (named twice, or below two named folders) is visited once.
pub fn walk<V, E>(roots: &[PathBuf], opts: &WalkOptions, visit: V, error: E)
where
    V: Fn(Haystack) + Sync,
    E: Fn(String, String, bool) + Sync,
{
    let base = report_base(roots);
    let seen: Option<Mutex<HashSet<PathBuf>>> = (roots.len() > 1).then(Mutex::default);
    let first_visit = |key: &Path| match &seen {
        None => true,
        Some(s) => s.lock().map_or(true, |mut s| s.insert(key.to_path_buf())),
    };
    let mut dirs = Vec::new();
    for root in roots {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                error(root.to_string_lossy().into_owned(), e.to_string(), true);
                continue;
            }
        };
        let abs = absolute_keep_name(root);
        if !meta.is_file() {
            dirs.push((root, abs));
            continue;
        }
        if opts.force_exclude
            && let Some(f) = &opts.filter
            && !f.allows_explicit(&abs)
        {
            continue;
        }
        if !first_visit(&abs) {
            continue;
        }
        visit(Haystack {
            path: root.clone(),
            display: display_path(&base, &abs, root),
            explicit: true,
            len: Some(meta.len()),
        });
    }
    for (root, root_abs) in dirs {
        let mut b = WalkBuilder::new(root);
        b.hidden(false)
            .follow_links(false)
            .threads(opts.threads.max(1));
        if opts.no_ignore {
            b.git_ignore(false)
                .git_global(false)
                .git_exclude(false)
                .ignore(false)
                .parents(false);
        }
        let filter = opts.filter.clone();
        let walk_root = root.clone();
        let filter_root = root_abs.clone();
        b.filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if is_dir && VCS_DIRS.iter().any(|d| e.file_name() == *d) {
                return false;
            }
            match &filter {
                Some(f) => {
                    let rel = e.path().strip_prefix(&walk_root).unwrap_or(e.path());
                    f.allows(&filter_root.join(rel), is_dir)
                }
                None => true,
            }
        });
        b.build_parallel().run(|| {
            let visit = &visit;
            let error = &error;
            let first_visit = &first_visit;
            let base = &base;
            let root_abs = &root_abs;
            Box::new(move |res| {
                match res {
                    Ok(entry) => {
                        if entry.file_type().is_some_and(|t| t.is_file()) {
                            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
                            let abs = root_abs.join(rel);
                            if first_visit(&abs) {
                                // No stat here: the reader takes the size of the
                                // open file.
                                visit(Haystack {
                                    display: display_path(base, &abs, entry.path()),
                                    path: entry.into_path(),
                                    explicit: false,
                                    len: None,
                                });
                            }
                        }
                    }
                    Err(e) => {
                        let (path, msg) = split_walk_error(&e);
                        error(path, msg, false);
                    }
                }
                WalkState::Continue
            })
        });
    }
}

fn split_walk_error(e: &ignore::Error) -> (String, String) {
    match e {
        ignore::Error::WithPath { path, err } => {
            (path.to_string_lossy().into_owned(), err.to_string())
        }
        ignore::Error::WithDepth { err, .. } => split_walk_error(err),
        ignore::Error::WithLineNumber { err, .. } => split_walk_error(err),
        ignore::Error::Loop { child, ancestor } => (
            child.to_string_lossy().into_owned(),
            format!("symlink loop to {}", ancestor.display()),
        ),
        other => (String::new(), other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths() {
        let base = Path::new("/r");
        assert_eq!(
            display_path(base, Path::new("/r/a/b.reg"), Path::new("x")),
            "a/b.reg"
        );
        assert_eq!(
            display_path(
                base,
                Path::new("/elsewhere/b.reg"),
                Path::new("../elsewhere/b.reg")
            ),
            "../elsewhere/b.reg"
        );
    }
}
