//! Bad input never stops or crashes a scan: binary data under scanned extensions, NUL
//! bytes in text, broken UTF-16 and UTF-8, empty files, a 20 MB line, deep nesting, YAML
//! alias bombs, truncated files, symlink loops, unreadable files and folders, file names
//! that are not UTF-8, paths with spaces and non-ASCII characters. Every other file is
//! still scanned, problems are reported as `tlslint: PATH: reason`, and exit codes stay
//! as INTERFACE.md says. Also: the per-file time limit, and the fuzzers' crash inputs.

mod common;

use common::{json_findings as findings, utf16le_bom as utf16le, write_file as write};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn tlslint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tlslint")
}

const BAD: &[u8] = b"set GIT_SSL_NO_VERIFY=1\r\n";
const SCHANNEL: &str = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server]\r\n\"Enabled\"=dword:00000001\r\n";

fn pseudo_random(n: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[test]
fn hostile_tree_is_scanned_to_the_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "binary.ps1", &pseudo_random(100_000));
    write(d, "binary.reg", &[0u8; 4096]);
    let mut nul = b"@echo off\r\nrem \0 a stray NUL\r\n".to_vec();
    nul.extend_from_slice(BAD);
    write(d, "nul-in-text.cmd", &nul);
    let mut odd = utf16le(SCHANNEL);
    odd.push(0x41);
    write(d, "odd-length.reg", &odd);
    let mut lone = utf16le("Windows Registry Editor Version 5.00\r\n");
    lone.extend_from_slice(&[0x00, 0xD8, 0x41, 0x00]); // unpaired high surrogate
    lone.extend_from_slice(&utf16le(&SCHANNEL[36..])[2..]);
    write(d, "lone-surrogate.reg", &lone);
    let mut bad_utf8 = b"rem \xff\xfe\xc3\x28 not UTF-8\r\n".to_vec();
    bad_utf8.extend_from_slice(BAD);
    write(d, "invalid-utf8.cmd", &bad_utf8);
    write(d, "empty.ps1", b"");
    write(d, "bom-only.reg", &[0xFF, 0xFE]);
    let mut long = b"var x='".to_vec();
    long.resize(20 * 1024 * 1024, b'a');
    long.extend_from_slice(b"';process.env.NODE_TLS_REJECT_UNAUTHORIZED='0';\n");
    write(d, "long-line.js", &long);
    let mut xml = b"<?xml version='1.0'?><configuration>".to_vec();
    xml.extend(b"<a>".repeat(100_000));
    xml.extend(b"<system.webServer><rewrite/></system.webServer>");
    xml.extend(b"</a>".repeat(100_000));
    xml.extend(b"</configuration>");
    write(d, "deep/web.config", &xml);
    let mut yaml = b"a:\n".to_vec();
    for i in 0..3000 {
        yaml.extend(" ".repeat(i + 1).as_bytes());
        yaml.extend(b"b:\n");
    }
    write(d, "deep.yml", &yaml);
    let mut flow = b"x: ".to_vec();
    flow.extend(b"[".repeat(100_000));
    flow.extend(b"]".repeat(100_000));
    write(d, "deep-flow.yml", &flow);
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let mut prev = 'a';
    for n in "bcdefghij".chars() {
        bomb.push_str(&format!(
            "{n}: &{n} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = n;
    }
    bomb.push_str(
        "tasks:\n  - win_get_url:\n      url: https://x.example/a.zip\n      validate_certs: no\n",
    );
    write(d, "bomb.yml", bomb.as_bytes());
    write(d, "truncated.xml", b"<?xml version='1.0'?><configuration><system.net><settings><servicePointManager checkCertificateRevocationList=\"fal");
    write(
        d,
        "truncated.json",
        b"{\"rejectUnauthorized\": false, \"a\": [1,2,",
    );
    write(d, "truncated.yml", b"- hosts: all\n  tasks:\n    - win_get_url:\n        url: https://x\n        validate_certs: no\n      args: {a: [1, 2");
    let mut cmd_nest = b"(".repeat(200_000);
    cmd_nest.extend_from_slice(BAD);
    write(d, "nested.cmd", &cmd_nest);
    let mut ps_nest = b"{".repeat(200_000);
    ps_nest.extend(b" Invoke-WebRequest -SkipCertificateCheck ");
    ps_nest.extend(b"}".repeat(200_000));
    write(d, "nested.ps1", &ps_nest);
    write(d, "dir with spaces/é ü 中文.cmd", BAD);
    write(d, "good.cmd", BAD);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::{PermissionsExt, symlink};
        symlink(".", d.join("loop")).expect("symlink");
        std::fs::create_dir_all(d.join("loopdir")).expect("mkdir");
        symlink("../loopdir", d.join("loopdir/self")).expect("symlink");
        symlink("missing-target", d.join("dangling.cmd")).expect("symlink");
        let name = std::ffi::OsStr::from_bytes(b"not-utf8-\xff.cmd");
        std::fs::write(d.join(name), BAD).expect("write");
        write(d, "unreadable.cmd", BAD);
        std::fs::set_permissions(
            d.join("unreadable.cmd"),
            std::fs::Permissions::from_mode(0o000),
        )
        .expect("chmod");
        write(d, "noperm/x.cmd", BAD);
        std::fs::set_permissions(d.join("noperm"), std::fs::Permissions::from_mode(0o000))
            .expect("chmod");
    }
    // root reads everything: then unreadable files cannot be tested here.
    let permissions_bite = std::fs::read(d.join("unreadable.cmd")).is_err();

    let started = Instant::now();
    let o = tlslint(
        d,
        &[
            "scan",
            ".",
            "-f",
            "json",
            "--stats",
            "--max-filesize",
            "64M",
        ],
    );
    let took = started.elapsed();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(d.join("noperm"), std::fs::Permissions::from_mode(0o755));
    }
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let got = findings(&o);
    let has = |path: &str, line: u64| got.iter().any(|f| f.0 == path && f.1 == line);
    // Every file with a finding that can be read is still reported.
    for (path, line) in [
        ("good.cmd", 1),
        ("nul-in-text.cmd", 3),
        ("invalid-utf8.cmd", 2),
        ("odd-length.reg", 4),
        ("lone-surrogate.reg", 5),
        ("dir with spaces/é ü 中文.cmd", 1),
        ("long-line.js", 1),
        ("bomb.yml", 14),
        ("truncated.yml", 5),
        ("nested.cmd", 1),
    ] {
        assert!(has(path, line), "{path}:{line} missing; got {got:?}\n{err}");
    }
    #[cfg(unix)]
    assert!(
        got.iter()
            .any(|f| f.0.starts_with("not-utf8-") && f.0.ends_with(".cmd")),
        "{got:?}"
    );
    if permissions_bite {
        assert!(err.contains("tlslint: unreadable.cmd: "), "{err}");
        assert!(err.contains("tlslint: noperm"), "{err}");
    }
    // Symlinks are not followed (as in ripgrep without -L): loops and dangling links are
    // skipped silently. Binary files never produce findings.
    assert!(
        got.iter()
            .all(|f| !f.0.starts_with("binary") && !f.0.starts_with("loop"))
    );
    // Bounded work: the whole tree (with a 20 MB line and 100k-deep nesting) is quick,
    // even in a debug build.
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn only_unreadable_input_is_status_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let o = tlslint(dir.path(), &["scan", "does-not-exist"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("tlslint: does-not-exist: "), "{err}");
}

#[test]
fn per_file_time_limit_stops_a_slow_file_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A large C# file full of trigger words keeps the analyzer busy for seconds.
    let unit = "var h = new HttpClientHandler { ServerCertificateCustomValidationCallback = (a, b, c, e) => true };\n";
    write(d, "big.cs", unit.repeat(150_000).as_bytes());
    write(d, "small.cmd", BAD);
    let started = Instant::now();
    let o = tlslint(
        d,
        &[
            "scan",
            ".",
            "-f",
            "json",
            "--timeout",
            "1",
            "--max-filesize",
            "64M",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let took = started.elapsed();
    if !err.contains("big.cs: analysis stopped after the per-file time limit (1 s, --timeout)") {
        // A fast machine analyzed it within the second: nothing to assert about the limit.
        assert!(took < Duration::from_secs(3), "{took:?} {err}");
    }
    assert!(findings(&o).iter().any(|f| f.0 == "small.cmd"), "{err}");
    assert!(took < Duration::from_secs(30), "{took:?}");
}

// ---- Regression tests from the attack report (robustness-2026-12-04.md), D1-D20 ----

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// D1: a C++ raw-string delimiter with a multi-byte character panicked the lexer, exit 101,
/// every other file's findings lost.
#[test]
fn d1_raw_string_with_non_ascii_delimiter_does_not_end_the_scan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "good.cmd", BAD);
    write(
        d,
        "x.c",
        b"static const char *s = R\"aaaaaaaaaaaaaaa\xc3\x9c(x)\";\nvoid f(SSL_CTX *c) { SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL); }\n",
    );
    write(
        d,
        "y.cpp",
        b"auto s = R\"0123456789abcdef\xc3\xa9(x)\";\nvoid f(SSL_CTX *c) { SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL); }\n",
    );
    write(
        d,
        "z.cpp",
        b"auto s = R\"d(a)\" \")d\";\nvoid f(SSL_CTX *c) { SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL); }\nauto t = R\"\xc3\xa9\";\n",
    );
    let o = tlslint(d, &["scan", "-f", "json", "."]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let got = findings(&o);
    assert!(got.iter().any(|f| f.0 == "good.cmd"), "{got:?}");
    for p in ["x.c", "y.cpp", "z.cpp"] {
        assert!(got.iter().any(|f| f.0 == p && f.1 == 2), "{p}: {got:?}");
    }
}

/// D6: `-o`, `--report` and `--write-baseline` never write through a symbolic link.
#[cfg(unix)]
#[test]
fn d6_reports_are_not_written_through_symlinks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "victim/file", b"precious\n");
    write(d, "pr/a.sh", b"curl -k https://x/\n");
    for name in ["tlslint.sarif", "out.json", "base.json"] {
        std::os::unix::fs::symlink("../victim/file", d.join("pr").join(name)).expect("symlink");
    }
    let pr = d.join("pr");
    for args in [
        &["scan", "--report", "sarif:tlslint.sarif", "a.sh"][..],
        &["scan", "-f", "json", "-o", "out.json", "a.sh"][..],
        &["scan", "--write-baseline", "base.json", "a.sh"][..],
    ] {
        let o = tlslint(&pr, args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("is a symbolic link; not written"), "{err}");
        assert_eq!(
            std::fs::read(d.join("victim/file")).expect("read"),
            b"precious\n"
        );
    }
    // A regular file is overwritten as before.
    let o = tlslint(&pr, &["scan", "-f", "json", "-o", "real.json", "a.sh"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        std::fs::read_to_string(pr.join("real.json"))
            .expect("read")
            .contains("curl")
    );
}

/// D11: file names and file content cannot inject workflow commands or terminal escapes
/// into the human report or the stderr notes, or links into the Markdown summary.
#[cfg(unix)]
#[test]
fn d11_names_and_content_are_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let bad = b"curl -k https://x/\n";
    write(d, "x\n::error file=fake.sh,line=1::injected.sh", bad);
    write(d, "esc\x1b[31mred.sh", bad);
    write(d, "x` [click](https:evil.example) `y.sh", bad);
    write(
        d,
        "v.cmd",
        b"set GIT_SSL_NO_VERIFY=[click](https://evil.example)\r\n",
    );
    write(d, "nl\n::warning::big.sh", &vec![b'x'; 2048]);
    let o = tlslint(
        d,
        &["scan", "--color", "never", "--max-filesize", "1K", "."],
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = stderr(&o);
    for text in [&out, &err] {
        assert!(
            !text.lines().any(|l| l.starts_with("::")),
            "a line starts a workflow command:\n{text}"
        );
        assert!(!text.contains('\x1b'), "raw ESC:\n{text}");
    }
    assert!(
        out.contains("x\\n::error file=fake.sh,line=1::injected.sh"),
        "{out}"
    );
    assert!(out.contains("esc\\x1b[31mred.sh"), "{out}");
    assert!(err.contains("nl\\n::warning::big.sh: skipped"), "{err}");
    let o = tlslint(d, &["scan", "-f", "markdown", "."]);
    let md = String::from_utf8_lossy(&o.stdout).into_owned();
    for line in md.lines().filter(|l| l.starts_with("| ")) {
        // No link syntax and no bare URL outside a code span survives.
        let outside_code: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, s)| s)
            .collect();
        // Backslash-escaped characters are literal text: drop them.
        let mut unescaped = String::new();
        let mut it = outside_code.chars();
        while let Some(c) = it.next() {
            if c == '\\' {
                it.next();
            } else {
                unescaped.push(c);
            }
        }
        let outside_code = unescaped;
        assert!(!outside_code.contains("]("), "{line}");
        assert!(!outside_code.contains("https://"), "{line}");
    }
    assert!(
        md.contains("| ``x` [click](https:evil.example) `y.sh:1`` |"),
        "{md}"
    );
    assert!(md.contains("\\[click\\](https\\://evil.example)"), "{md}");
}

/// D14: `--diff-base` does not run the scanned repository's `core.fsmonitor` or filter
/// drivers.
#[test]
fn d14_diff_base_runs_no_repository_configured_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let r = d.join("r");
    std::fs::create_dir_all(&r).expect("mkdir");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args([
                "-c",
                "user.name=a",
                "-c",
                "user.email=a@b",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&r)
            .output()
            .expect("git");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q"]);
    write(&r, "a.sh", b"curl -k https://x/\n");
    write(&r, ".gitattributes", b"*.sh filter=x\n");
    git(&["add", "."]);
    git(&["commit", "-qm", "b"]);
    let ran = d.join("ran");
    let cmd = format!("touch '{}'; false", ran.display());
    git(&["config", "core.fsmonitor", &cmd]);
    git(&[
        "config",
        "filter.x.clean",
        &format!("touch '{}'; cat", ran.display()),
    ]);
    git(&["config", "filter.x.process", &cmd]);
    write(
        &r,
        "a.sh",
        b"curl -k https://x/\nwget --no-check-certificate https://y/\n",
    );
    let o = tlslint(&r, &["scan", "-f", "json", "--diff-base", "HEAD", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!ran.exists(), "a repository-configured command ran");
    let got = findings(&o);
    assert!(got.iter().any(|f| f.0 == "a.sh" && f.1 == 2), "{got:?}");
    assert!(!got.iter().any(|f| f.1 == 1), "{got:?}");
}

/// D16: a baseline that is a FIFO or a device is refused at once.
#[cfg(unix)]
#[test]
fn d16_baseline_from_a_fifo_or_device_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "a.sh", b"curl -k https://x/\n");
    let fifo = d.join("bl.json");
    let ok = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(ok.success());
    for bl in ["bl.json", "/dev/zero"] {
        let started = Instant::now();
        let o = tlslint(d, &["scan", "--baseline", bl, "a.sh"]);
        assert_eq!(o.status.code(), Some(2), "{bl}: {}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

/// D19: a configuration with 100,000 globs is refused with a reason, not compiled.
#[test]
fn d19_too_many_globs_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let globs: Vec<String> = (0..100_000)
        .map(|i| format!("\"dir{i}/**/*.x{i}\""))
        .collect();
    write(
        d,
        ".tlslint.toml",
        format!("exclude = [{}]\n", globs.join(", ")).as_bytes(),
    );
    write(d, "good.cmd", BAD);
    let o = tlslint(d, &["scan", "."]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("100000 globs; at most 2000"), "{err}");
}

/// D9: a `.reg` value deleted by a fix takes only its own line when lines end in a lone CR.
#[test]
fn d9_reg_deletion_stops_at_a_lone_cr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let text = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\"CertificateRevocation\"=dword:00000000\r\"Keep\"=dword:00000001\r\n";
    write(d, "a.reg", text.as_bytes());
    let o = tlslint(d, &["scan", "--fix", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let after = std::fs::read_to_string(d.join("a.reg")).expect("read");
    assert_eq!(
        after,
        text.replace("\"CertificateRevocation\"=dword:00000000\r", "")
    );
}

/// D4: `--fix --baseline` leaves baselined findings alone, in every pass.
#[test]
fn d4_fix_with_a_baseline_keeps_baselined_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(d, "a.sh", b"curl -k https://old.example/\n");
    let o = tlslint(d, &["scan", "--write-baseline", "base.json", "a.sh"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    write(
        d,
        "a.sh",
        b"curl -k https://old.example/\necho x\ncurl --insecure https://new.example/\n",
    );
    let o = tlslint(d, &["scan", "--baseline", "base.json", "--fix", "a.sh"]);
    assert!(
        stderr(&o).contains("fixed 1 finding in 1 file\n"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(d.join("a.sh")).expect("read"),
        "curl -k https://old.example/\necho x\ncurl https://new.example/\n"
    );
}

/// D12: 25 occurrences on one line are fixed in one run, and the count says so.
#[test]
fn d12_fix_converges_in_one_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let line: String = (0..25)
        .map(|i| format!("h.request({{host:\"x{i}\",rejectUnauthorized:false}});"))
        .collect();
    write(d, "m.js", format!("{line}\n").as_bytes());
    let o = tlslint(d, &["scan", "--fix", "."]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("fixed 1 finding in 1 file (25 edits)"),
        "{err}"
    );
    let after = std::fs::read_to_string(d.join("m.js")).expect("read");
    assert!(!after.contains("rejectUnauthorized:false"), "{after}");
    let o = tlslint(d, &["scan", "--fix", "."]);
    assert!(
        stderr(&o).contains("fixed 0 findings in 0 files"),
        "{}",
        stderr(&o)
    );
}

/// D13: `--fix` keeps the owner and mode, and refuses setuid, read-only and hard-linked
/// files (a rewrite would change or split them).
#[cfg(unix)]
#[test]
fn d13_fix_keeps_owner_and_mode_and_refuses_special_files() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let bad = b"curl -k https://x/\n";
    write(d, "owned.sh", bad);
    write(d, "suid.sh", bad);
    write(d, "ro.sh", bad);
    write(d, "linked.sh", bad);
    std::fs::hard_link(d.join("linked.sh"), d.join("link2.sh")).expect("link");
    let mode = |p: &str, m: u32| {
        std::fs::set_permissions(d.join(p), std::fs::Permissions::from_mode(m)).expect("chmod")
    };
    mode("owned.sh", 0o750);
    mode("suid.sh", 0o4755);
    mode("ro.sh", 0o444);
    // As root, give a file to another user: the rewrite must keep that owner.
    let is_root = std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false);
    if is_root {
        let ok = Command::new("chown")
            .args(["65534:65534", "owned.sh"])
            .current_dir(d)
            .status()
            .expect("chown");
        assert!(ok.success());
    }
    let o = tlslint(
        d,
        &["scan", "--fix", "owned.sh", "suid.sh", "ro.sh", "linked.sh"],
    );
    let err = stderr(&o);
    // The refused files keep their findings: status 1, not 2.
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("suid.sh: is setuid or setgid; not rewritten"),
        "{err}"
    );
    assert!(err.contains("ro.sh: is read-only; not rewritten"), "{err}");
    assert!(
        err.contains("linked.sh: has 2 hard links; not rewritten"),
        "{err}"
    );
    for p in ["suid.sh", "ro.sh", "linked.sh", "link2.sh"] {
        assert_eq!(std::fs::read(d.join(p)).expect("read"), bad, "{p}");
    }
    let m = std::fs::metadata(d.join("owned.sh")).expect("meta");
    assert_eq!(
        std::fs::read(d.join("owned.sh")).expect("read"),
        b"curl https://x/\n"
    );
    assert_eq!(m.mode() & 0o7777, 0o750);
    if is_root {
        assert_eq!((m.uid(), m.gid()), (65534, 65534));
    }
    // --diff agrees: it shows no patch for the refused files.
    let o = tlslint(d, &["scan", "--diff", "suid.sh", "ro.sh", "linked.sh"]);
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(
        stderr(&o).contains("would fix 0 findings in 0 files"),
        "{}",
        stderr(&o)
    );
}

/// D17: a file that cannot be rewritten exactly keeps its findings and the exit status is
/// 1 (the scan completed); `--diff` shows no patch for it either.
#[test]
fn d17_refused_rewrite_keeps_status_1_and_diff_agrees() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "a.cmd",
        b"\xef\xbb\xbfrem \xff\xfe\r\ncurl -k https://x/\r\n",
    );
    let o = tlslint(d, &["scan", "--diff", "."]);
    assert!(
        o.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(stderr(&o).contains("a.cmd: is not valid in its encoding; not rewritten"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = tlslint(d, &["scan", "--fix", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("a.cmd: is not valid in its encoding; not rewritten"));
}

/// D5: appends that land while `--fix` rewrites a file are never lost: either the file is
/// rewritten before them (they go to the new file) or it is left as it was.
#[test]
fn d5_concurrent_appends_are_not_lost() {
    use std::io::Write as _;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_path_buf();
    let path = d.join("a.sh");
    let (mut rewritten, mut runs_losing) = (0, 0);
    for _ in 0..40 {
        std::fs::write(&path, "curl -k https://x.example/\n").expect("write");
        let stop = Arc::new(AtomicBool::new(false));
        let written = Arc::new(Mutex::new(Vec::new()));
        let writer = {
            let (stop, written, path) = (stop.clone(), written.clone(), path.clone());
            std::thread::spawn(move || {
                let mut i = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(&path) {
                        if writeln!(f, "echo {i}").is_ok() {
                            written.lock().expect("lock").push(i);
                        }
                    }
                    i += 1;
                    std::thread::sleep(Duration::from_millis(3));
                }
            })
        };
        std::thread::sleep(Duration::from_millis(2));
        let _ = tlslint(&d, &["scan", "--fix", "a.sh"]);
        std::thread::sleep(Duration::from_millis(2));
        stop.store(true, Ordering::Relaxed);
        writer.join().expect("join");
        let text = std::fs::read_to_string(&path).expect("read");
        if !text.contains("curl -k") {
            rewritten += 1;
        }
        let have: Vec<&str> = text.lines().collect();
        let lost = written
            .lock()
            .expect("lock")
            .iter()
            .any(|i| !have.contains(&format!("echo {i}").as_str()));
        if lost {
            runs_losing += 1;
        }
    }
    eprintln!("d5: {rewritten} of 40 runs rewrote the file");
    assert_eq!(runs_losing, 0, "{rewritten} of 40 runs rewrote the file");
}

/// Re-parses a fixed file with the parser that read it (YAML: saphyr; Dockerfile exec
/// form: JSON; Python: the `ast` module when python3 is installed). Returns a problem.
fn reparse_problem(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".yml") || name.ends_with(".yaml") {
        let mut in_seq = 0usize;
        for ev in saphyr_parser::Parser::new_from_str(&text) {
            match ev {
                Err(e) => return Some(format!("YAML no longer parses: {e}")),
                Ok((saphyr_parser::Event::SequenceStart(..), _)) => in_seq += 1,
                Ok((saphyr_parser::Event::SequenceEnd, _)) => in_seq = in_seq.saturating_sub(1),
                Ok((saphyr_parser::Event::Scalar(v, saphyr_parser::ScalarStyle::Plain, ..), m))
                    if in_seq > 0 && v.is_empty() =>
                {
                    return Some(format!("a null item in a list at line {}", m.start.line()));
                }
                _ => {}
            }
        }
    }
    if name == "dockerfile" || name.starts_with("dockerfile.") || name.ends_with(".dockerfile") {
        for line in text.lines() {
            let t = line.trim_start();
            let Some((word, rest)) = t.split_once(char::is_whitespace) else {
                continue;
            };
            let rest = rest.trim();
            if ["RUN", "CMD", "ENTRYPOINT", "SHELL"].contains(&word.to_ascii_uppercase().as_str())
                && rest.starts_with('[')
                && rest[1..].trim_start().starts_with('"')
            {
                match serde_json::from_str::<Vec<String>>(rest) {
                    Err(e) => return Some(format!("exec form no longer JSON: {line}: {e}")),
                    Ok(v) if v.iter().any(String::is_empty) => {
                        return Some(format!("an empty argument: {line}"));
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    if name.ends_with(".py") {
        // Every parameter a function's body uses must still be a parameter.
        let check = r#"
import ast, sys
src = open(sys.argv[1], encoding='utf-8', errors='replace').read()
try:
    tree = ast.parse(src)
except SyntaxError as e:
    print('syntax error', e); sys.exit(0)
module = set()
for n in ast.walk(tree):
    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
        module.add(n.id)
    if isinstance(n, (ast.Import, ast.ImportFrom)):
        module.update((a.asname or a.name).split('.')[0] for a in n.names)
for n in ast.walk(tree):
    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = n.args
        params = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
        params |= {x.arg for x in (a.vararg, a.kwarg) if x}
        body = n.body if isinstance(n.body, list) else [n.body]
        used = {x.id for b in body for x in ast.walk(b) if isinstance(x, ast.Name)}
        for name in sorted(used - params - module):
            if name in ('verify', 'ssl', 'insecure', 'validate_certs'):
                print(name, 'is undefined in the function at line', n.lineno)
"#;
        if let Ok(o) = Command::new("python3")
            .arg("-c")
            .arg(check)
            .arg(path)
            .output()
        {
            let out = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if !out.is_empty() {
                return Some(out);
            }
        }
    }
    None
}

/// D3: fixes keep code valid: a parameter default is flipped (unsafe), never removed;
/// argv arrays lose the whole element, never keep `""`; a YAML list item goes with its
/// line, never leaving a null. Each fixed file parses again with the same parser.
#[test]
fn d3_fixes_keep_code_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "py/a.py",
        b"import requests\n\ndef fetch(url, verify=False):\n    return requests.get(url, verify=verify)\n",
    );
    write(
        d,
        "py/b.py",
        b"import requests\nget = lambda u, verify=False: requests.get(u, verify=verify)\nr = requests.get(u, verify=False)\nx = {\"verify\": False}\n",
    );
    write(
        d,
        "docker/Dockerfile",
        b"FROM alpine\nRUN [\"curl\", \"-k\", \"https://y\"]\nRUN [\"curl\", \"https://y\", \"-k\"]\nRUN curl \"-k\" https://z\n",
    );
    write(
        d,
        "k8s/pod.yml",
        b"spec:\n  containers:\n  - name: c\n    command: [\"curl\", \"-k\", \"https://x\"]\n    args:\n    - curl\n    - -k\n    - https://y\n",
    );
    // Safe fixes only: the parameter default and the plain dictionary stay.
    let o = tlslint(d, &["scan", "--fix", "."]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let read = |p: &str| std::fs::read_to_string(d.join(p)).expect("read");
    assert!(read("py/a.py").contains("def fetch(url, verify=False):"));
    assert_eq!(
        read("py/b.py"),
        "import requests\nget = lambda u, verify=False: requests.get(u, verify=verify)\nr = requests.get(u)\nx = {\"verify\": False}\n"
    );
    assert_eq!(
        read("docker/Dockerfile"),
        "FROM alpine\nRUN [\"curl\", \"https://y\"]\nRUN [\"curl\", \"https://y\"]\nRUN curl https://z\n"
    );
    assert_eq!(
        read("k8s/pod.yml"),
        "spec:\n  containers:\n  - name: c\n    command: [\"curl\", \"https://x\"]\n    args:\n    - curl\n    - https://y\n"
    );
    // The unsafe ones say so, and flip the default rather than remove the parameter.
    let o = tlslint(d, &["scan", "-f", "json", "."]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let fixes: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| {
            Some((
                f["path"].as_str()?.to_string(),
                f["fix"]["applicability"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert_eq!(
        fixes,
        [
            ("py/a.py".to_string(), "unsafe".to_string()),
            ("py/b.py".to_string(), "unsafe".to_string()),
            ("py/b.py".to_string(), "unsafe".to_string()),
        ]
    );
    let o = tlslint(d, &["scan", "--fix", "--unsafe-fixes", "."]);
    // What is left has no fix (the pass-through `verify=verify` notes of the engine).
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(read("py/a.py").contains("def fetch(url, verify=True):"));
    assert!(read("py/b.py").contains("lambda u, verify=True: requests.get(u, verify=verify)"));
    for p in ["py/a.py", "py/b.py", "docker/Dockerfile", "k8s/pod.yml"] {
        assert_eq!(reparse_problem(&d.join(p)), None, "{p}");
    }
}

/// Every fix of every fixture, unsafe ones included, leaves a file that its parser reads
/// again (YAML without new nulls, Dockerfile exec forms as JSON, Python).
#[test]
fn d3_fixed_fixtures_parse_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = common::root().join("fixtures");
    let files = common::files_below(&root);
    for f in &files {
        let rel = f.strip_prefix(&root).expect("below");
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(f, &to).expect("copy");
    }
    // Known before the fix: no fixture may start out unparsable.
    let before: Vec<(String, String)> = common::files_below(dir.path())
        .iter()
        .filter_map(|p| reparse_problem(p).map(|e| (p.display().to_string(), e)))
        .collect();
    let o = tlslint(dir.path(), &["scan", "--fix", "--unsafe-fixes", "."]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let after: Vec<(String, String)> = common::files_below(dir.path())
        .iter()
        .filter_map(|p| reparse_problem(p).map(|e| (p.display().to_string(), e)))
        .collect();
    let new: Vec<&(String, String)> = after.iter().filter(|x| !before.contains(x)).collect();
    assert!(new.is_empty(), "fixes broke files: {new:#?}");
}

/// D10: NUL bytes do not hide a script; a walked file that looks binary but held a rule
/// keyword is counted and named by `--stats`.
#[test]
fn d10_nul_bytes_do_not_hide_a_script() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "a.cmd",
        b"rem \0\0\0\0\0\0\0\0\r\ncurl -k https://x.example/\r\n",
    );
    write(
        d,
        "b.cmd",
        b"@echo off\r\ncurl -k \0 https://x.example/\r\nrem a\0b\r\n",
    );
    let mut blob = b"\x7fELF\x02\x01\x01".to_vec();
    blob.extend(std::iter::repeat_n(0u8, 64));
    blob.extend_from_slice(b"GIT_SSL_NO_VERIFY");
    blob.extend(std::iter::repeat_n(0u8, 64));
    write(d, "tool", &blob);
    let o = tlslint(d, &["scan", "-f", "json", "--stats", "."]);
    let got = findings(&o);
    assert!(got.iter().any(|f| f.0 == "a.cmd" && f.1 == 2), "{got:?}");
    assert!(got.iter().any(|f| f.0 == "b.cmd" && f.1 == 2), "{got:?}");
    let err = stderr(&o);
    assert!(err.contains("1 binary and 0 large skipped"), "{err}");
    assert!(
        err.contains("not analyzed completely: tool: looks binary"),
        "{err}"
    );
}

/// D20: BOM-less UTF-16LE with non-Latin text is read; PowerShell parameters written
/// with an en or em dash, abbreviated, or with a backtick escape are recognized.
#[test]
fn d20_utf16_without_bom_and_powershell_parameter_spellings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let reg = "Windows Registry Editor Version 5.00\r\n\r\n; \u{41d}\u{430}\u{441}\u{442}\u{440}\u{43e}\u{439}\u{43a}\u{438} \u{431}\u{435}\u{437}\u{43e}\u{43f}\u{430}\u{441}\u{43d}\u{43e}\u{441}\u{442}\u{438} \u{434}\u{43b}\u{44f} \u{441}\u{442}\u{430}\u{440}\u{44b}\u{445} \u{441}\u{435}\u{440}\u{432}\u{435}\u{440}\u{43e}\u{432}\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\"CertificateRevocation\"=dword:00000000\r\n";
    let bytes: Vec<u8> = reg.encode_utf16().flat_map(u16::to_le_bytes).collect();
    write(d, "cyr.reg", &bytes);
    for (name, dash) in [("endash.ps1", "\u{2013}"), ("emdash.ps1", "\u{2014}")] {
        write(
            d,
            name,
            format!("Invoke-WebRequest -Uri https://x/ {dash}SkipCertificateCheck\n").as_bytes(),
        );
    }
    write(
        d,
        "abbrev.ps1",
        b"Invoke-WebRequest -Uri https://x/ -SkipCert\n",
    );
    write(
        d,
        "tick.ps1",
        b"Invoke-WebRequest -Uri https://x/ -Skip`CertificateCheck\n",
    );
    // Look-alikes stay silent: a short ambiguous prefix, another command's -Skip.
    write(
        d,
        "short.ps1",
        b"Invoke-WebRequest -Uri https://x/ -SkipC\n$a | Select-Object -Skip 1\n",
    );
    let o = tlslint(d, &["scan", "-f", "json", "."]);
    let got = findings(&o);
    for (p, line) in [
        ("cyr.reg", 5),
        ("endash.ps1", 1),
        ("emdash.ps1", 1),
        ("abbrev.ps1", 1),
        ("tick.ps1", 1),
    ] {
        assert!(got.iter().any(|f| f.0 == p && f.1 == line), "{p}: {got:?}");
    }
    assert!(!got.iter().any(|f| f.0 == "short.ps1"), "{got:?}");
    // An explicit path through a symlinked folder is not rewritten.
    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().expect("tempdir");
        write(outside.path(), "x.sh", b"curl -k https://x/\n");
        std::fs::create_dir_all(d.join("tree")).expect("mkdir");
        std::os::unix::fs::symlink(outside.path(), d.join("tree/link")).expect("symlink");
        let o = tlslint(d, &["scan", "--fix", "tree/link/x.sh"]);
        assert!(
            stderr(&o).contains("is reached through the symbolic link tree/link; not rewritten"),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            std::fs::read(outside.path().join("x.sh")).expect("read"),
            b"curl -k https://x/\n"
        );
    }
}

/// D7: a script whose only trigger word is inside a `powershell -EncodedCommand` payload is
/// analyzed (the prefilter decodes the payload).
#[test]
fn d7_encoded_command_payload_passes_the_prefilter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let script = "Invoke-WebRequest -Uri https://x/ -SkipCertificateCheck";
    let utf16: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let b64 = base64(&utf16);
    write(
        d,
        "enc.cmd",
        format!("@echo off\r\npowershell -NoProfile -EncodedCommand {b64}\r\n").as_bytes(),
    );
    write(
        d,
        "run.yml",
        format!("steps:\n  - run: pwsh -enc {b64}\n    shell: bash\n").as_bytes(),
    );
    let o = tlslint(d, &["scan", "-f", "json", "."]);
    let got = findings(&o);
    assert!(got.iter().any(|f| f.0 == "enc.cmd" && f.1 == 2), "{got:?}");
    assert!(got.iter().any(|f| f.0 == "run.yml" && f.1 == 2), "{got:?}");
}

fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(char::from(A[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Peak resident memory of a tlslint run, in KiB (Linux: the kernel's high-water mark,
/// read until the process ends).
#[cfg(target_os = "linux")]
fn peak_rss_kib(dir: &Path, args: &[&str]) -> (Output, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let t1 = std::thread::spawn(move || {
        let _ = std::io::Read::read_to_end(&mut so, &mut out);
        out
    });
    let t2 = std::thread::spawn(move || {
        let _ = std::io::Read::read_to_end(&mut se, &mut err);
        err
    });
    loop {
        if let Ok(s) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = child.wait().expect("wait");
    let o = Output {
        status,
        stdout: t1.join().expect("join"),
        stderr: t2.join().expect("join"),
    };
    (o, peak)
}

/// D2 and D18: memory does not grow with file size times threads, and a finding on a
/// multi-megabyte line does not put the line in the report. Four 8 MB minified scripts and
/// a 300,000-line shell script, each with one finding at its end, at -j4.
#[cfg(target_os = "linux")]
#[test]
fn d2_memory_is_bounded_and_d18_snippets_are_short() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut js = Vec::new();
    let mut i = 0;
    while js.len() < 8 << 20 {
        js.extend_from_slice(
            format!("function f{i}(a,b){{return a+b}}var q{i}={{k:\"v\",n:[1,2,3]}};").as_bytes(),
        );
        i += 1;
    }
    js.extend_from_slice(
        b"var h=require(\"https\");h.request({host:\"x\",rejectUnauthorized:false});\n",
    );
    for n in 0..4 {
        write(d, &format!("b{n}.min.js"), &js);
    }
    let mut sh = b"echo a\n".repeat(300_000);
    sh.extend_from_slice(b"curl -k https://x/\n");
    write(d, "lines.sh", &sh);
    let (o, peak) = peak_rss_kib(d, &["scan", "-j4", "-f", "json", "."]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let got = findings(&o);
    for n in 0..4 {
        let p = format!("b{n}.min.js");
        assert!(got.iter().any(|f| f.0 == p && f.1 == 1), "{p}: {got:?}");
        assert!(
            err.contains(&format!("{p}: analyzed in windows around its keywords")),
            "{err}"
        );
    }
    assert!(
        got.iter().any(|f| f.0 == "lines.sh" && f.1 == 300_001),
        "{got:?}"
    );
    // The goal: 64 MB plus twice the largest file (the report keeps the text of files with
    // findings: four of them here, so that much more).
    let limit = 64 * 1024 + 2 * 8 * 1024 + 4 * 8 * 1024;
    assert!(peak < limit, "peak RSS {peak} KiB >= {limit} KiB");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    for f in v["findings"].as_array().expect("findings") {
        let snippet = f["snippet"].as_str().unwrap_or_default();
        assert!(snippet.len() <= 240, "{} bytes", snippet.len());
    }
    assert!(o.stdout.len() < 20_000, "{} bytes of JSON", o.stdout.len());
    let o = tlslint(d, &["scan", "--color", "never", "b0.min.js"]);
    assert!(
        o.stdout.len() < 5_000,
        "{} bytes of human output",
        o.stdout.len()
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("rejectUnauthorized:false"), "{out}");
    assert!(out.contains("an excerpt around column"), "{out}");
}

/// A YAML file of millions of tiny scalars (`[a,a,a,...]`, 15 MB) is read up to the
/// node limit with a note naming the line, in bounded memory (it took 612 MB before the
/// limit: 40 times its size), and what comes before the limit is still reported.
#[cfg(target_os = "linux")]
#[test]
fn yaml_of_millions_of_tiny_scalars_is_read_in_part_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut y = String::from(
        "- hosts: all\n  tasks:\n    - uri:\n        url: https://x/\n        validate_certs: no\n",
    );
    y.push_str("- l: [");
    y.push_str(&"a,".repeat(7_500_000));
    y.push_str("a]\n- uri:\n    validate_certs: no\n");
    write(d, "big.yml", y.as_bytes());
    // In a Helm template, whose directive lines are emptied before parsing: the line is
    // the file's (5 nodes, then 2 per item: the limit stops in item 524,286, line 524,291).
    let mut t =
        String::from("x: {{ .Values.a }}\n{{- if .Values.b }}\nverify: x\n{{- end }}\nl:\n");
    t.push_str(&"- [a]\n".repeat(600_000));
    write(d, "chart.yaml", t.as_bytes());
    // One thread: the peak is one file's (glibc keeps each thread's heap at its largest).
    let (o, peak) = peak_rss_kib(d, &["scan", "-j1", "-f", "json", "."]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("big.yml: analyzed up to line 6: the rest holds more YAML nodes"),
        "{err}"
    );
    assert!(
        err.contains("chart.yaml: analyzed up to line 524291: the rest holds more YAML nodes"),
        "{err}"
    );
    let got = findings(&o);
    assert!(got.iter().any(|f| f.0 == "big.yml" && f.1 == 5), "{got:?}");
    assert!(peak < 128 * 1024, "peak RSS {peak} KiB");
}

/// A file with a finding on every one of tens of thousands of lines reports the first
/// 10,000 with a note naming the line from which the rest are left out: each finding holds
/// its message, snippet and fix, and a 16 MB file of them took 900 MB before the limit.
/// A file big enough to be analyzed in windows also stops collecting settings at a limit,
/// with a note, in bounded memory (each window's analysis was bounded, their facts
/// together were not: 300 MB for 16 MB of `reg add` lines that report nothing).
#[cfg(target_os = "linux")]
#[test]
fn a_file_of_a_finding_per_line_reports_a_bounded_number_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "many.sh",
        "curl -k https://x/\n".repeat(12_000).as_bytes(),
    );
    let js = "https.request({host: h, rejectUnauthorized: false});\n".repeat(60_000);
    write(d, "windows.js", js.as_bytes());
    // The per-file time limit is raised: this test is about memory, and a debug build on
    // a loaded machine took more than the default 10 s for the JavaScript file.
    let (o, peak) = peak_rss_kib(d, &["scan", "-j1", "--timeout", "120", "-f", "json", "."]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "many.sh: more than 10000 findings: those from line 10001 on are not reported"
        ),
        "{err}"
    );
    assert!(
        err.contains("windows.js: analyzed in windows around its keywords"),
        "{err}"
    );
    assert!(
        err.contains("windows.js: analyzed up to line ")
            && err.contains("the rest holds more settings than the per-file memory budget"),
        "{err}"
    );
    let got = findings(&o);
    let lines = |name: &str| -> Vec<u64> {
        let mut l: Vec<u64> = got.iter().filter(|f| f.0 == name).map(|f| f.1).collect();
        l.sort_unstable();
        l
    };
    assert_eq!(lines("many.sh"), (1..=10_000).collect::<Vec<u64>>());
    // Overlapping windows find some lines twice (one finding each once merged): the
    // limit counts them before merging. Every line before the one named is reported.
    let js = lines("windows.js");
    assert!((9_000..=10_000).contains(&js.len()), "{}", js.len());
    assert_eq!(js, (1..=js.len() as u64).collect::<Vec<u64>>());
    let note = format!(
        "windows.js: more than 10000 findings: those from line {} on are not reported",
        js.len() + 1
    );
    assert!(err.contains(&note), "{err}");
    assert!(peak < 128 * 1024, "peak RSS {peak} KiB");
}

/// The analyzers of the directive, properties, JSON, Bicep and Firefox formats never
/// panic on truncated or mangled input: every prefix of each fixture, and copies with
/// characters replaced by the syntax's special characters, run through the whole
/// per-file pipeline (analysis, judging, fixes).
#[test]
fn new_formats_survive_truncation_and_mangling() {
    let engine = common::engine();
    let checker = tlslint::scan::Checker {
        engine: &engine,
        prefilter: None,
        unused_suppressions: true,
        pool: None,
    };
    let root = common::root().join("fixtures");
    let files = [
        "nginx/brackwater-edge/nginx.conf",
        "apache/halvorsen-portal/sites-available/billing-ssl.conf",
        "haproxy/haproxy.cfg",
        "mosquitto/mosquitto.conf",
        "openssl/openssl.cnf",
        "properties/brackwater-gateway/java.security",
        "bicep/billing-platform.bicep",
        "json/azuredeploy.json",
        "browser/user.js",
        "browser/mozilla.cfg",
        "powershell/Set-SubstationSChannel.Dsc.ps1",
    ];
    let specials = [
        "{", "}", "[", "]", "(", ")", "\"", "'", "\\", ";", "#", "\n", "$", "@", "*", "=", ":",
        "{{", "${", "'''", "é", "",
    ];
    let mut x: u32 = 0x9e37_79b9;
    for f in files {
        let path = root.join(f);
        let text = std::fs::read_to_string(&path).expect("fixture");
        let name = path.clone();
        let mut variants: Vec<String> = Vec::new();
        let mut cut = 0;
        while cut < text.len() {
            if text.is_char_boundary(cut) {
                variants.push(text[..cut].to_string());
            }
            cut += 7;
        }
        for _ in 0..300 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let at = (x as usize) % text.len();
            let at = (0..=at)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            let rep = specials[(x as usize >> 8) % specials.len()];
            let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            variants.push(format!("{}{}{}", &text[..at], rep, &text[end..]));
        }
        for v in variants {
            let _ = checker.check(&name, f, v.as_bytes(), true);
        }
    }
}

/// PowerShell functions are analyzed again for each call site with the arguments bound:
/// recursion, mutual recursion and a large function called from thousands of places end
/// quickly, and the call that passes a legacy protocol is still found.
#[test]
fn powershell_call_site_analysis_is_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut s = String::from(
        "function Set-Proto {\n    param([string] $Protocol, [int] $Enabled)\n    \
         Set-ItemProperty -Path \"HKLM:\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\$Protocol\\Server\" -Name Enabled -Value $Enabled -Type DWord\n    \
         Set-Proto -Protocol $Protocol -Enabled $Enabled\n    Ping-Pong -Protocol $Protocol\n}\n\
         function Ping-Pong {\n    param([string] $Protocol)\n    Set-Proto -Protocol $Protocol -Enabled 0\n}\n\
         Set-Proto -Protocol 'TLS 1.0' -Enabled 1\n",
    );
    // A large function called from many places.
    s.push_str("function Big {\n    param($X)\n");
    for i in 0..2000 {
        s.push_str(&format!("    $v{i} = $X + '{i}'\n"));
    }
    s.push_str("}\n");
    for i in 0..5000 {
        s.push_str(&format!("Big -X 'a{i}'\n"));
    }
    write(d, "deploy.ps1", s.as_bytes());
    let start = Instant::now();
    let o = tlslint(d, &["scan", "-f", "json", "."]);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    let got = findings(&o);
    assert!(
        got.iter().any(|f| f.0 == "deploy.ps1" && f.1 == 11),
        "{got:?}\n{}",
        stderr(&o)
    );
}

/// The walk does not stat every file: the reader takes the size of the open file, skips a
/// file over --max-filesize unread, and names its size.
#[test]
fn a_walked_file_over_the_size_limit_is_skipped_with_its_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut big = b"curl -k https://x/\n".to_vec();
    big.resize(4096, b'#');
    write(d, "big.sh", &big);
    write(d, "small.sh", b"curl -k https://y/\n");
    let o = tlslint(d, &["scan", "-f", "json", "--max-filesize", "1K", "."]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("big.sh: skipped: 4096 bytes is larger than --max-filesize (1024 bytes)"),
        "{err}"
    );
    let got = findings(&o);
    assert!(got.iter().any(|f| f.0 == "small.sh"), "{got:?}");
    assert!(!got.iter().any(|f| f.0 == "big.sh"), "{got:?}");
}
