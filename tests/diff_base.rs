//! `--diff-base REV` against real git repositories: changed lines only, renames, new,
//! deleted and untracked files, CRLF files, UTF-16 files git diffs as binary, and the
//! error outside a repository.

mod common;

use common::{json_findings as findings, utf16le_bom, write_file as write};
use std::path::Path;
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tlslint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tlslint")
}

const PS_OLD: &str = "# deploy\nWrite-Host 'start'\n[Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }\nWrite-Host 'done'\n";
const REG_HEAD: &str = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server]\r\n\"Enabled\"=dword:00000001\r\n";

#[test]
fn only_changed_lines_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q"]);
    // Base: one old finding in each of these files.
    write(d, "deploy/setup.ps1", PS_OLD.as_bytes());
    write(
        d,
        "scripts/old name.cmd",
        b"@echo off\r\nset GIT_SSL_NO_VERIFY=1\r\necho one\r\necho two\r\n",
    );
    write(d, "gone.cmd", b"set GIT_SSL_NO_VERIFY=1\r\n");
    write(d, "reg/tls.reg", &utf16le_bom(REG_HEAD));
    write(d, "ignored/.keep", b"");
    write(d, ".gitignore", b"ignored/*.cmd\n");
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);

    // Head: an added finding in a changed file (the old one stays, unchanged)...
    let ps_new = PS_OLD.replace(
        "Write-Host 'done'\n",
        "Write-Host 'done'\n[Net.ServicePointManager]::SecurityProtocol = 'Ssl3'\n",
    );
    write(d, "deploy/setup.ps1", ps_new.as_bytes());
    // ...a renamed CRLF file with one edited line (the old finding is unchanged)...
    git(d, &["mv", "scripts/old name.cmd", "scripts/new name.cmd"]);
    write(
        d,
        "scripts/new name.cmd",
        b"@echo off\r\nset GIT_SSL_NO_VERIFY=1\r\necho one\r\ncurl -k https://x.example/\r\n",
    );
    // ...a deleted file, a UTF-16 file edited (binary to git), a new file.
    std::fs::remove_file(d.join("gone.cmd")).expect("rm");
    write(
        d,
        "reg/tls.reg",
        &utf16le_bom(&format!(
            "{REG_HEAD}\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319]\r\n\"SchUseStrongCrypto\"=dword:00000000\r\n"
        )),
    );
    write(
        d,
        "new/agent.cmd",
        b"set NODE_TLS_REJECT_UNAUTHORIZED=0\r\n",
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "head"]);
    // Untracked (not ignored) counts as new; ignored does not.
    write(d, "untracked.cmd", b"set GIT_SSL_NO_VERIFY=true\r\n");
    write(d, "ignored/x.cmd", b"set GIT_SSL_NO_VERIFY=true\r\n");

    let all = findings(&tlslint(d, &["scan", ".", "-f", "json", "--no-ignore"]));
    assert!(
        all.iter().any(|f| f.0 == "deploy/setup.ps1" && f.1 == 3),
        "{all:?}"
    );
    assert!(
        all.iter()
            .any(|f| f.0 == "scripts/new name.cmd" && f.1 == 2),
        "{all:?}"
    );

    let o = tlslint(d, &["scan", ".", "-f", "json", "--diff-base", "HEAD~1"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got = findings(&o);
    let places: Vec<(&str, u64)> = got.iter().map(|f| (f.0.as_str(), f.1)).collect();
    // Changed lines only in text files; the UTF-16 file is reported whole.
    assert!(places.contains(&("deploy/setup.ps1", 5)), "{got:?}");
    assert!(!places.contains(&("deploy/setup.ps1", 3)), "{got:?}");
    assert!(places.contains(&("scripts/new name.cmd", 4)), "{got:?}");
    assert!(!places.contains(&("scripts/new name.cmd", 2)), "{got:?}");
    assert!(places.contains(&("new/agent.cmd", 1)), "{got:?}");
    assert!(places.contains(&("untracked.cmd", 1)), "{got:?}");
    assert!(places.contains(&("reg/tls.reg", 4)), "{got:?}");
    assert!(
        places
            .iter()
            .all(|p| !p.0.starts_with("ignored/") && p.0 != "gone.cmd")
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("reg/tls.reg: git shows its diff as binary"),
        "{err}"
    );

    // A subfolder scan from inside the repository uses the same diff.
    let o = tlslint(
        d,
        &["scan", "deploy", "-f", "json", "--diff-base", "HEAD~1"],
    );
    let got = findings(&o);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, 5);

    // Nothing changed since HEAD (apart from untracked files): exit 1 only for those.
    std::fs::remove_file(d.join("untracked.cmd")).expect("rm");
    let o = tlslint(d, &["scan", ".", "-f", "json", "--diff-base", "HEAD"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", findings(&o));
}

#[test]
fn outside_a_repository_or_with_a_bad_revision_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "a.cmd", b"set GIT_SSL_NO_VERIFY=1\r\n");
    // GIT_CEILING_DIRECTORIES keeps git from finding a repository above the temp folder.
    let o = Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .args(["scan", ".", "--diff-base", "main"])
        .current_dir(d)
        .env("GIT_CEILING_DIRECTORIES", d.parent().expect("parent"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--diff-base needs a git repository"), "{err}");

    git(d, &["init", "-q"]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "x"]);
    let o = tlslint(d, &["scan", ".", "--diff-base", "no-such-rev"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("`no-such-rev` is not a commit"), "{err}");
    let o = tlslint(d, &["scan", ".", "--diff-base", "--output=x"]);
    assert_eq!(o.status.code(), Some(2));
}

/// `--diff-base main` on a branch compares with where the branch left main (the merge
/// base, as `git diff main...`): a finding main fixed after the branch was made is not
/// blamed on the branch. `--diff-exact` compares with main itself.
#[test]
fn diff_base_uses_the_merge_base_and_diff_exact_the_revision() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    git(d, &["init", "-q"]);
    write(
        d,
        "deploy.sh",
        b"#!/bin/sh\ncurl -k https://old/\necho end\n",
    );
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    git(d, &["checkout", "-q", "-b", "feature"]);
    // The branch adds one finding at the end and a new file.
    write(
        d,
        "deploy.sh",
        b"#!/bin/sh\ncurl -k https://old/\necho end\ncurl -k https://feature/\n",
    );
    write(d, "new.sh", b"curl --insecure https://new/\n");
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "feature"]);
    // Meanwhile main fixes line 2, which the branch never touched.
    git(d, &["checkout", "-q", "main"]);
    write(d, "deploy.sh", b"#!/bin/sh\ncurl https://old/\necho end\n");
    git(d, &["commit", "-q", "-am", "main fixes line 2"]);
    git(d, &["checkout", "-q", "feature"]);

    let sorted = |o: &Output| {
        let mut f = findings(o);
        f.sort();
        f
    };
    let merge_base = tlslint(d, &["scan", "-f", "json", "--diff-base", "main", "."]);
    assert_eq!(
        sorted(&merge_base),
        vec![
            ("deploy.sh".to_string(), 4, "curl-insecure".to_string()),
            ("new.sh".to_string(), 1, "curl-insecure".to_string()),
        ]
    );
    let exact = tlslint(
        d,
        &[
            "scan",
            "-f",
            "json",
            "--diff-base",
            "main",
            "--diff-exact",
            ".",
        ],
    );
    assert_eq!(
        sorted(&exact),
        vec![
            ("deploy.sh".to_string(), 2, "curl-insecure".to_string()),
            ("deploy.sh".to_string(), 4, "curl-insecure".to_string()),
            ("new.sh".to_string(), 1, "curl-insecure".to_string()),
        ]
    );
    // --diff-exact needs --diff-base.
    assert_eq!(
        tlslint(d, &["scan", "--diff-exact", "."]).status.code(),
        Some(2)
    );
    // Unrelated history: no merge base is a clear error that names --diff-exact.
    git(d, &["checkout", "-q", "--orphan", "lonely"]);
    git(d, &["commit", "-q", "-m", "orphan"]);
    let o = tlslint(d, &["scan", "--diff-base", "main", "."]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no merge base") && err.contains("--diff-exact"),
        "{err}"
    );
}
