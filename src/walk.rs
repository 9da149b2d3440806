//! Walking the scanned paths: parallel, `.gitignore`-aware, hidden files included.
//!
//! Settings live in dot-files and dot-folders (`.github/workflows`, `.gitlab-ci.yml`,
//! `.gitconfig`, `.npmrc`), so hidden entries are walked; version-control folders never
//! are. `.gitignore`/`.ignore` are honoured unless `--no-ignore`. Files named on the
//! command line are "explicit": they are scanned even if binary or ignored, as ripgrep does.

use ignore::{WalkBuilder, WalkState};
use std::path::{Path, PathBuf};

/// One file to scan.
#[derive(Debug, Clone)]
pub struct Haystack {
    /// Path to open.
    pub path: PathBuf,
    /// Path for reports: relative to the scanned root, forward slashes.
    pub display: String,
    /// Named on the command line.
    pub explicit: bool,
    /// Size from the directory entry's metadata, when known.
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

/// Turns a path below `root` into a report path.
pub fn display_path(root: &Path, path: &Path, root_is_file: bool) -> String {
    let rel = if root_is_file {
        path
    } else {
        path.strip_prefix(root).unwrap_or(path)
    };
    let mut s = rel.to_string_lossy().replace('\\', "/");
    while let Some(r) = s.strip_prefix("./") {
        s = r.to_string();
    }
    if s.is_empty() {
        s = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
    }
    s
}

/// Walks `roots` in parallel, calling `visit` for each file and `error` for entries that
/// cannot be read. Both run on worker threads.
pub fn walk<V, E>(roots: &[PathBuf], opts: &WalkOptions, visit: V, error: E)
where
    V: Fn(Haystack) + Sync,
    E: Fn(String, String) + Sync,
{
    for root in roots {
        let meta = match std::fs::metadata(root) {
            Ok(m) => m,
            Err(e) => {
                error(root.to_string_lossy().into_owned(), e.to_string());
                continue;
            }
        };
        if meta.is_file() {
            if opts.force_exclude
                && let Some(f) = &opts.filter
            {
                let abs = std::path::absolute(root).unwrap_or_else(|_| root.clone());
                if !f.allows_explicit(&abs) {
                    continue;
                }
            }
            visit(Haystack {
                path: root.clone(),
                display: display_path(root, root, true),
                explicit: true,
                len: Some(meta.len()),
            });
            continue;
        }
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
        let root_abs = std::path::absolute(root).unwrap_or_else(|_| root.clone());
        let walk_root = root.clone();
        b.filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if is_dir && VCS_DIRS.iter().any(|d| e.file_name() == *d) {
                return false;
            }
            match &filter {
                Some(f) => {
                    let rel = e.path().strip_prefix(&walk_root).unwrap_or(e.path());
                    f.allows(&root_abs.join(rel), is_dir)
                }
                None => true,
            }
        });
        let root = root.clone();
        b.build_parallel().run(|| {
            let visit = &visit;
            let error = &error;
            let root = &root;
            Box::new(move |res| {
                match res {
                    Ok(entry) => {
                        if entry.file_type().is_some_and(|t| t.is_file()) {
                            let len = entry.metadata().ok().map(|m| m.len());
                            visit(Haystack {
                                path: entry.path().to_path_buf(),
                                display: display_path(root, entry.path(), false),
                                explicit: false,
                                len,
                            });
                        }
                    }
                    Err(e) => {
                        let (path, msg) = split_walk_error(&e);
                        error(path, msg);
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
        assert_eq!(
            display_path(Path::new("repo"), Path::new("repo/a/b.reg"), false),
            "a/b.reg"
        );
        assert_eq!(
            display_path(Path::new("./x.reg"), Path::new("./x.reg"), true),
            "x.reg"
        );
        assert_eq!(
            display_path(Path::new("d/x.reg"), Path::new("d/x.reg"), true),
            "d/x.reg"
        );
    }
}
