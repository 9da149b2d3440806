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
        b"static const char *s = R\"aaaaaaaaaaaaaaa\xc3\x9c(x)\";\nint v = SSL_VERIFY_NONE;\n",
    );
    write(
        d,
        "y.cpp",
        b"auto s = R\"0123456789abcdef\xc3\xa9(x)\";\nint v = SSL_VERIFY_NONE;\n",
    );
    write(
        d,
        "z.cpp",
        b"auto s = R\"d(a)\" \")d\";\nint v = SSL_VERIFY_NONE;\nauto t = R\"\xc3\xa9\";\n",
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
