//! Integration tests that run the real `tlslint` binary: exit codes, report formats,
//! walking rules (hidden files, VCS folders, ignore files, binaries, size limit),
//! encodings and determinism across thread counts.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tlslint"));
    c.env_remove("NO_COLOR");
    c
}

fn run(args: &[&str], cwd: &Path) -> Output {
    bin()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run tlslint")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const ARR_REG: &str = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\IIS Extensions\\Application Request Routing\\Parameters]\r\n\"SecureConnectionIgnoreFlags\"=dword:00003300\r\n";
const SAFE_REG: &str = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp]\r\n\"DefaultSecureProtocols\"=dword:00002800\r\n";

fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, data) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, data).expect("write");
    }
    dir
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", stdout(o)))
}

fn finding_paths(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect()
}

/// The findings of a JSON scan of `dir`.
fn scan_findings(dir: &Path) -> Vec<serde_json::Value> {
    let o = run(&["scan", "--format", "json", "."], dir);
    json(&o)["findings"].as_array().expect("findings").clone()
}

/// The finding on `line`.
fn finding_on(findings: &[serde_json::Value], line: u64) -> &serde_json::Value {
    findings
        .iter()
        .find(|f| f["line"].as_u64() == Some(line))
        .unwrap_or_else(|| panic!("no finding on line {line}: {findings:?}"))
}

#[test]
fn exit_codes() {
    let bad = tree(&[("a.reg", ARR_REG.as_bytes())]);
    let good = tree(&[("a.reg", SAFE_REG.as_bytes())]);
    assert_eq!(run(&["scan", "."], bad.path()).status.code(), Some(1));
    assert_eq!(run(&["scan", "."], good.path()).status.code(), Some(0));
    assert_eq!(
        run(&["scan", "--fail-on", "never", "."], bad.path())
            .status
            .code(),
        Some(0)
    );
    let missing = run(&["scan", "does-not-exist"], good.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("tlslint: does-not-exist:"),
        "{}",
        stderr(&missing)
    );
    let usage = run(&["scan", "--select", "no-such-rule", "."], good.path());
    assert_eq!(usage.status.code(), Some(2));
    assert!(stderr(&usage).contains("unknown rule or category `no-such-rule`"));
    assert_eq!(
        run(&["scan", "--bogus-flag"], good.path()).status.code(),
        Some(2)
    );
}

#[test]
fn fail_on_respects_severity() {
    // DefaultSecureProtocols legacy bits are a warning.
    let reg = "Windows Registry Editor Version 5.00\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp]\r\n\"DefaultSecureProtocols\"=dword:00000a80\r\n";
    let d = tree(&[("w.reg", reg.as_bytes())]);
    assert_eq!(
        run(&["scan", "--fail-on", "error", "."], d.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["scan", "--fail-on", "warning", "."], d.path())
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn json_report_schema() {
    let d = tree(&[("deploy/arr-setup.reg", ARR_REG.as_bytes())]);
    let o = run(&["scan", "--format", "json", "."], d.path());
    let v = json(&o);
    assert_eq!(v["tool"]["name"], "tlslint");
    let f = &v["findings"][0];
    for key in [
        "rule_id",
        "category",
        "severity",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "snippet",
        "fix",
    ] {
        assert!(f.get(key).is_some(), "missing {key} in {f}");
    }
    assert_eq!(f["rule_id"], "arr-secure-connection-ignore-flags");
    assert_eq!(f["path"], "deploy/arr-setup.reg");
    assert_eq!(
        (
            f["line"].as_u64(),
            f["column"].as_u64(),
            f["end_column"].as_u64()
        ),
        (Some(4), Some(31), Some(45))
    );
    assert_eq!(
        f["snippet"],
        "\"SecureConnectionIgnoreFlags\"=dword:00003300"
    );
    let cats: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert_eq!(cats, ["cert-validation", "hostname-validation"]);
    for key in ["files_scanned", "bytes_scanned", "duration_ms"] {
        assert!(v["stats"].get(key).is_some(), "missing stats.{key}");
    }
}

#[test]
fn path_is_relative_to_the_current_folder_or_to_a_root_outside_it() {
    let d = tree(&[("repo/deploy/a.reg", ARR_REG.as_bytes())]);
    let v = json(&run(&["scan", "-f", "json", "repo"], d.path()));
    assert_eq!(finding_paths(&v)[0], "repo/deploy/a.reg");
    let v = json(&run(&["scan", "-f", "json", "repo/deploy/a.reg"], d.path()));
    assert_eq!(finding_paths(&v)[0], "repo/deploy/a.reg");
    // A folder outside the current one: paths relative to it.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let root = d.path().join("repo");
    let v = json(&run(
        &["scan", "-f", "json", root.to_str().expect("utf-8")],
        elsewhere.path(),
    ));
    assert_eq!(finding_paths(&v)[0], "deploy/a.reg");
}

#[test]
fn sarif_report_shape() {
    let d = tree(&[("Policies/{0BEB}/a b.reg", ARR_REG.as_bytes())]);
    let o = run(&["scan", "--format", "sarif", "."], d.path());
    let v = json(&o);
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    assert!(run0["tool"]["driver"]["rules"].as_array().unwrap().len() >= 7);
    assert_eq!(run0["automationDetails"]["id"], "tlslint/");
    let r = &run0["results"][0];
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "Policies/%7B0BEB%7D/a%20b.reg"
    );
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 4);
    assert!(
        r["partialFingerprints"]
            .as_object()
            .unwrap()
            .values()
            .all(|f| f.as_str().unwrap().len() == 16)
    );
    let rule = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == r["ruleId"])
        .unwrap();
    let tags: Vec<&str> = rule["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tags.contains(&"security") && tags.iter().any(|t| t.starts_with("external/cwe/cwe-")));
    assert!(rule["properties"]["security-severity"].as_str().is_some());
    assert!(
        rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("How to fix")
    );
}

#[test]
fn human_report_labels_span_and_summarizes() {
    let d = tree(&[("a.reg", ARR_REG.as_bytes())]);
    let o = run(&["scan", "--color", "never", "."], d.path());
    let out = stdout(&o);
    assert!(
        out.contains("error[arr-secure-connection-ignore-flags]"),
        "{out}"
    );
    assert!(out.contains("a.reg:4:31"), "{out}");
    assert!(out.contains("^^^^^^^^^^^^^^ hostname-validation"), "{out}");
    assert!(out.contains("help:"), "{out}");
    assert!(out.contains("Found 2 findings in 1 file"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "no colour codes with --color never"
    );
    let colored = stdout(&run(&["scan", "--color", "always", "."], d.path()));
    assert!(colored.contains('\u{1b}'));
}

#[test]
fn several_reports_from_one_scan() {
    let d = tree(&[("a.reg", ARR_REG.as_bytes())]);
    let out = tempfile::tempdir().unwrap();
    let sarif = out.path().join("r.sarif");
    let js = out.path().join("r.json");
    let o = bin()
        .args(["scan", "-f", "human", "--color", "never"])
        .arg("--report")
        .arg(format!("sarif:{}", sarif.display()))
        .arg("--report")
        .arg(format!("json:{}", js.display()))
        .arg(".")
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[arr-secure-connection-ignore-flags]"));
    let s: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(s["runs"][0]["results"].as_array().unwrap().len(), 2);
    let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&js).unwrap()).unwrap();
    assert_eq!(j["findings"].as_array().unwrap().len(), 2);
    let bad = run(&["scan", "--report", "pdf:x.pdf", "."], d.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("unknown report format `pdf`"));
}

#[test]
fn output_file() {
    let d = tree(&[("a.reg", ARR_REG.as_bytes())]);
    let o = run(&["scan", "-f", "json", "-o", "out.json", "a.reg"], d.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("out.json")).unwrap()).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn hidden_files_scanned_vcs_folders_never() {
    let d = tree(&[
        (".config/hidden.reg", ARR_REG.as_bytes()),
        (".git/objects/x.reg", ARR_REG.as_bytes()),
        (".hg/store/x.reg", ARR_REG.as_bytes()),
        (".svn/x.reg", ARR_REG.as_bytes()),
    ]);
    let v = json(&run(&["scan", "-f", "json", "."], d.path()));
    let mut paths = finding_paths(&v);
    paths.dedup();
    assert_eq!(paths, [".config/hidden.reg"]);
}

#[test]
fn ignore_files_respected_unless_no_ignore() {
    let d = tree(&[
        (".ignore", b"generated/\n"),
        ("generated/x.reg", ARR_REG.as_bytes()),
        ("src/y.reg", ARR_REG.as_bytes()),
    ]);
    let v = json(&run(&["scan", "-f", "json", "."], d.path()));
    let mut paths = finding_paths(&v);
    paths.dedup();
    assert_eq!(paths, ["src/y.reg"]);
    let v = json(&run(&["scan", "-f", "json", "--no-ignore", "."], d.path()));
    let mut paths = finding_paths(&v);
    paths.dedup();
    assert_eq!(paths, ["generated/x.reg", "src/y.reg"]);
}

#[test]
fn gitignore_respected_in_a_git_repository() {
    let d = tree(&[
        (".gitignore", b"build/\n"),
        ("build/x.reg", ARR_REG.as_bytes()),
        ("y.reg", ARR_REG.as_bytes()),
    ]);
    let init = Command::new("git")
        .args(["init", "-q"])
        .current_dir(d.path())
        .status();
    if !init.is_ok_and(|s| s.success()) {
        eprintln!("git not available; skipping");
        return;
    }
    let v = json(&run(&["scan", "-f", "json", "."], d.path()));
    let mut paths = finding_paths(&v);
    paths.dedup();
    assert_eq!(paths, ["y.reg"]);
}

#[test]
fn binary_files_skipped_when_walked_scanned_when_named() {
    // Without a script's name, binary-looking content is skipped when walked (and named by
    // --stats), and scanned when named on the command line.
    let mut bin_reg = ARR_REG.as_bytes().to_vec();
    bin_reg.extend_from_slice(b"\0\0\0\x01\x02binary tail\0\0\0\0\0\0\0\0");
    let d = tree(&[("blob", &bin_reg), ("blob.reg", &bin_reg)]);
    let v = json(&run(&["scan", "-f", "json", "."], d.path()));
    // A `.reg` name says it is text: its NULs do not hide it.
    let mut paths = finding_paths(&v);
    paths.dedup();
    assert_eq!(paths, ["blob.reg"]);
    let v = json(&run(&["scan", "-f", "json", "blob"], d.path()));
    assert_eq!(finding_paths(&v).len(), 2);
}

#[test]
fn size_limit_skips_with_a_note() {
    let mut big = ARR_REG.as_bytes().to_vec();
    big.extend(std::iter::repeat_n(b';', 4096));
    let d = tree(&[("big.reg", &big), ("small.reg", ARR_REG.as_bytes())]);
    let o = run(
        &["scan", "-f", "json", "--max-filesize", "1K", "."],
        d.path(),
    );
    assert_eq!(finding_paths(&json(&o)), ["small.reg", "small.reg"]);
    assert!(
        stderr(&o).contains("tlslint: big.reg: skipped"),
        "{}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn utf16_and_cp1252_files() {
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(ARR_REG.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let cp1252 = b"REGEDIT4\r\n; \xC5lborg\r\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\"CertificateRevocation\"=dword:00000000\r\n";
    let d = tree(&[("u.reg", &utf16), ("a.reg", cp1252)]);
    let v = json(&run(&["scan", "-f", "json", "."], d.path()));
    let lines: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("a.reg".to_string(), 4),
            ("u.reg".to_string(), 4),
            ("u.reg".to_string(), 4)
        ]
    );
}

#[test]
fn unreadable_files_are_reported_and_the_scan_goes_on() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let d = tree(&[
            ("locked.reg", ARR_REG.as_bytes()),
            ("open.reg", ARR_REG.as_bytes()),
        ]);
        let locked = d.path().join("locked.reg");
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&locked).is_ok() {
            eprintln!("running as a user who can read mode-000 files; skipping");
            return;
        }
        let o = run(&["scan", "-f", "json", "."], d.path());
        assert!(
            stderr(&o).contains("tlslint: locked.reg:"),
            "{}",
            stderr(&o)
        );
        assert_eq!(finding_paths(&json(&o)), ["open.reg", "open.reg"]);
        assert_eq!(o.status.code(), Some(1));
    }
}

fn strip_stats(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("stats");
    }
    v
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let fixtures = common::root().join("fixtures");
    let dir: &Path = fixtures.as_path();
    // (--no-config: the repository's .tlslint.toml leaves the fixtures out.)
    let one = run(&["scan", "--no-config", "-f", "json", "-j", "1", "."], dir);
    let many = run(&["scan", "--no-config", "-f", "json", "-j", "8", "."], dir);
    assert!(!json(&one)["findings"].as_array().unwrap().is_empty());
    assert_eq!(strip_stats(json(&one)), strip_stats(json(&many)));
    let s1 = run(&["scan", "--no-config", "-f", "sarif", "-j", "1", "."], dir);
    let s8 = run(&["scan", "--no-config", "-f", "sarif", "-j", "8", "."], dir);
    assert_eq!(s1.stdout, s8.stdout);
    let h1 = run(
        &["scan", "--no-config", "--color", "never", "-j", "1", "."],
        dir,
    );
    let h8 = run(
        &["scan", "--no-config", "--color", "never", "-j", "8", "."],
        dir,
    );
    assert_eq!(h1.stdout, h8.stdout);
}

#[test]
fn rules_and_explain() {
    let here = PathBuf::from(".");
    let o = run(&["rules"], &here);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("arr-secure-connection-ignore-flags"));
    let v: serde_json::Value =
        serde_json::from_slice(&run(&["rules", "--format", "json"], &here).stdout).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "schannel-legacy-protocol-enabled")
    );
    let e = stdout(&run(
        &["explain", "arr-secure-connection-ignore-flags"],
        &here,
    ));
    assert!(e.contains("KB 2693489") || e.contains("2693489"), "{e}");
    let d = stdout(&run(
        &["explain", "--value", "0x3300", "--as", "arr-ignore-flags"],
        &here,
    ));
    assert!(
        d.contains("0x3300 as arr-ignore-flags: 0x3300 = CN invalid 0x1000"),
        "{d}"
    );
    assert!(
        d.contains("categories: cert-validation, hostname-validation"),
        "{d}"
    );
    let d = stdout(&run(
        &["explain", "--value", "2057", "--as", "bits-security-flags"],
        &here,
    ));
    assert!(
        d.contains("categories: cert-validation, insecure-redirect"),
        "{d}"
    );
    let d = stdout(&run(
        &["explain", "--value", "0x2800", "--as", "secure-protocols"],
        &here,
    ));
    assert!(d.contains("none (safe)"), "{d}");
    assert_eq!(
        run(&["explain", "no-such-rule"], &here).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["explain", "--value", "1", "--as", "nope"], &here)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn github_annotations_escape_properties_and_markdown_is_cut_off() {
    let many: String = (0..150)
        .map(|i| format!("set GIT_SSL_NO_VERIFY=1 & rem {i}\r\n"))
        .collect();
    let d = tree(&[
        ("odd, name: 100%.cmd", b"set GIT_SSL_NO_VERIFY=1\r\n"),
        ("many.cmd", many.as_bytes()),
    ]);
    let o = run(&["scan", "-f", "github", "odd, name: 100%.cmd"], d.path());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.starts_with("::error file=odd%2C name%3A 100%25.cmd,line=1,col="),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");

    let o = run(&["scan", "-f", "markdown", "."], d.path());
    let md = stdout(&o);
    assert!(md.contains("**151 findings** in 2 files"), "{md}");
    let rows = md.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, 100, "{md}");
    assert!(md.contains("… and 51 more findings"), "{md}");
}

/// An opt-in's message says when the weakening happens: an option that names the check
/// (`verify_ssl`) weakens when it is off, one that names the bypass (`insecure`) when set.
#[test]
fn opt_in_messages_follow_the_option_polarity() {
    let src = b"import requests\n\n\ndef fetch(url, verify_ssl=True, insecure=False):\n    requests.get(url, verify=verify_ssl)\n    if insecure:\n        requests.get(url, verify=False)\n    if not verify_ssl:\n        requests.post(url, verify=False)\n";
    let dir = tree(&[("client.py", src)]);
    let findings = scan_findings(dir.path());
    let at = |line: u64| {
        finding_on(&findings, line)["message"]
            .as_str()
            .expect("message")
            .to_string()
    };
    assert!(
        at(5).ends_with("(only when `verify_ssl` is off)"),
        "{}",
        at(5)
    );
    assert!(
        at(7).ends_with("(only when `insecure` asks for it)"),
        "{}",
        at(7)
    );
    assert!(
        at(9).ends_with("(only when `verify_ssl` is off)"),
        "{}",
        at(9)
    );
}

/// `InsecureSkipVerify: true` beside a `VerifyPeerCertificate` that can reject a peer: the
/// program verifies with its own code (compensated elsewhere: reported, but explained), a
/// note without a fix. A replacement that only returns `nil` replaces nothing.
#[test]
fn a_replaced_check_is_a_note_that_says_so() {
    let src = b"package p\n\nimport \"crypto/tls\"\n\nvar pinned = &tls.Config{\n\tInsecureSkipVerify: true,\n\tVerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {\n\t\treturn check(raw)\n\t},\n}\n\nvar open = &tls.Config{\n\tInsecureSkipVerify: true,\n\tVerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {\n\t\treturn nil\n\t},\n}\n";
    let dir = tree(&[("dial.go", src)]);
    let findings = scan_findings(dir.path());
    let pinned = finding_on(&findings, 6);
    assert_eq!(pinned["severity"], "note");
    assert!(pinned["fix"].is_null(), "{pinned}");
    assert!(
        pinned["message"]
            .as_str()
            .is_some_and(|m| m.contains("`VerifyPeerCertificate` on the same object replaces")),
        "{pinned}"
    );
    let open = finding_on(&findings, 13);
    assert_eq!(open["severity"], "error");
    assert!(!open["fix"].is_null(), "{open}");
}

/// `3072 -bor 768 -bor 192` is one value: its message names every legacy member and its
/// one fix leaves TLS 1.2 alone (not one number at a time).
#[test]
fn ored_numbers_are_decoded_and_fixed_as_one_value() {
    let src = b"[System.Net.ServicePointManager]::SecurityProtocol = 3072 -bor 768 -bor 192\n";
    let dir = tree(&[("build.ps1", src)]);
    let findings = scan_findings(dir.path());
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    let message = f["message"].as_str().expect("message");
    assert!(
        message.contains("0xFC0 = TLS 1.0 0xC0 + TLS 1.1 0x300 + TLS 1.2 0xC00"),
        "{message}"
    );
    assert_eq!(f["fix"]["replacements"][0]["text"], "3072", "{f}");
    assert_eq!(f["column"], 54);
    assert_eq!(f["end_column"], 76);
}

/// A legacy minimum capped by a legacy maximum on the same object is reported without a
/// fix: raising the minimum alone would leave no version to negotiate (`MinVersion` TLS 1.2,
/// `MaxVersion` TLS 1.1 refuses every handshake). With a modern maximum it is fixed.
#[test]
fn a_minimum_capped_at_a_legacy_maximum_has_no_fix() {
    let src = b"package m\n\nimport \"crypto/tls\"\n\nvar a = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}\nvar b = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS13}\n\nfunc c(cfg *tls.Config) {\n\tcfg.MinVersion = tls.VersionTLS11\n\tcfg.MaxVersion = tls.VersionTLS11\n}\n";
    let dir = tree(&[("m.go", src)]);
    let findings = scan_findings(dir.path());
    assert_eq!(findings.len(), 3, "{findings:?}");
    assert!(finding_on(&findings, 5)["fix"].is_null());
    assert_eq!(
        finding_on(&findings, 6)["fix"]["replacements"][0]["text"],
        "VersionTLS12"
    );
    assert!(finding_on(&findings, 9)["fix"].is_null());
}

/// In a PowerShell 2 branch a legacy `SecurityProtocolType` is reported without a fix: the
/// `Tls12` member a fix would write does not exist on .NET 2.0-3.5, so the line would throw.
#[test]
fn a_powershell_2_branch_gets_no_fix_that_names_tls12() {
    let src = b"if ($PSVersionTable.PSVersion.Major -lt 3) {\n    [Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Ssl3\n}\n[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Ssl3\n";
    let dir = tree(&[("install.ps1", src)]);
    let findings = scan_findings(dir.path());
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(finding_on(&findings, 2)["fix"].is_null());
    assert_eq!(
        finding_on(&findings, 4)["fix"]["replacements"][0]["text"],
        "Tls12"
    );
}

/// A replacement keeps the case the value is written in: a module whose choices are
/// `tlsv1.1|tlsv1.2` refuses `TLSv1.2`.
#[test]
fn a_replaced_value_keeps_its_case() {
    let src = b"mqtt:\n  tls_version: tlsv1.1\n  min_version: TLSv1.1\n";
    let dir = tree(&[("broker.yml", src)]);
    let findings = scan_findings(dir.path());
    assert_eq!(
        finding_on(&findings, 2)["fix"]["replacements"][0]["text"],
        "tlsv1.2"
    );
    assert_eq!(
        finding_on(&findings, 3)["fix"]["replacements"][0]["text"],
        "TLSv1.2"
    );
}

/// Bits OR-ed into a value read from the machine are set whatever it held: reported where
/// they are OR-ed in, saying so, and without a fix (the value written is not known).
#[test]
fn bits_ored_into_an_unknown_value_are_reported_without_a_fix() {
    let src = b"$k = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp'\n$p = (Get-ItemProperty -Path $k).DefaultSecureProtocols\n$p = $p -bor 0xA00\nSet-ItemProperty -Path $k -Name DefaultSecureProtocols -Value $p\n$q = (Get-ItemProperty -Path $k).DefaultSecureProtocols -bor 0x2800\nSet-ItemProperty -Path $k -Name DefaultSecureProtocols -Value $q\n";
    let dir = tree(&[("winhttp.ps1", src)]);
    let findings = scan_findings(dir.path());
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = finding_on(&findings, 3);
    assert!(f["fix"].is_null(), "{f}");
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("the value already there -bor 0xA00") && msg.contains("TLS 1.1 0x200"),
        "{msg}"
    );
}
