//! Snapshot tests of the rendered reports (human, concise, JSON, SARIF, GitHub, Markdown) for a small fixed tree.
//! Review changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

use std::path::Path;
use std::process::Command;

const REG: &str = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\IIS Extensions\\Application Request Routing\\Parameters]\r\n\"SecureConnectionIgnoreFlags\"=dword:00003300\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp]\r\n\"DefaultSecureProtocols\"=dword:00000a80\r\n";

fn scan(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .arg("scan")
        .args(args)
        .arg(".")
        .current_dir(dir)
        .output()
        .expect("run tlslint");
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(d.path().join("deploy")).expect("mkdir");
    std::fs::write(d.path().join("deploy/arr-setup.reg"), REG).expect("write");
    d
}

/// Replaces the run-dependent parts (durations, version) so snapshots are stable.
fn scrub(s: &str) -> String {
    let re = regex::Regex::new(r#""duration_ms": \d+"#).expect("regex");
    let s = re.replace_all(s, r#""duration_ms": 0"#);
    s.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

#[test]
fn human_report() {
    let d = tree();
    insta::assert_snapshot!(scrub(&scan(d.path(), &["--color", "never"])));
}

#[test]
fn concise_report() {
    let d = tree();
    insta::assert_snapshot!(scan(d.path(), &["--format", "concise"]));
}

#[test]
fn json_report() {
    let d = tree();
    insta::assert_snapshot!(scrub(&scan(d.path(), &["--format", "json"])));
}

#[test]
fn sarif_report() {
    let d = tree();
    let sarif = scrub(&scan(d.path(), &["--format", "sarif"]));
    // The rules list is long and changes with every new rule; snapshot the results part.
    let v: serde_json::Value = serde_json::from_str(&sarif).expect("json");
    let results = serde_json::to_string_pretty(&v["runs"][0]["results"]).expect("json");
    insta::assert_snapshot!(results);
}

#[test]
fn github_report() {
    let d = tree();
    insta::assert_snapshot!(scan(d.path(), &["--format", "github"]));
}

#[test]
fn markdown_report() {
    let d = tree();
    insta::assert_snapshot!(scan(d.path(), &["--format", "markdown"]));
}
