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
