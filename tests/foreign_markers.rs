//! Other tools' suppression markers, through the real binary: each marker that names a TLS
//! check or is blanket hides the finding and is counted apart (`--stats`, JSON `stats`);
//! look-alikes (another linter, another check id, a marker in a string) hide nothing;
//! `--no-foreign-markers` and `foreign-markers = false` report everything.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("run tlslint")
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, data) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, data).expect("write");
    }
    dir
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "invalid JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// `path:line` of every finding.
fn reported(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| format!("{}:{}", f["path"].as_str().expect("path"), f["line"]))
        .collect()
}

const GO: &str = r##"package main

import (
	"crypto/tls"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

func a() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true} //nolint:gosec // lab gateway
}

func b() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true} //nolint:errcheck,unused
}

func c() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true} // nolint: gosec // test only code
}

func d() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true} // #nosec G402 -- reviewed, OPS-12
}

func e() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true} // #nosec G101
}

func f() (string, *tls.Config) {
	return "//nolint:gosec", &tls.Config{InsecureSkipVerify: true}
}

func g() []grpc.DialOption {
	return []grpc.DialOption{
		// nolint: gosec
		// Only runs against the lab, see OPS-99.
		grpc.WithTransportCredentials(credentials.NewTLS(
			&tls.Config{
				// Always skip verifying in the lab.
				InsecureSkipVerify: true,
			})),
		grpc.WithBlock(),
	}
}

func h() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true}
}

func i() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true} //nolint
}
"##;

const PY: &str = r##"import requests

requests.get("https://a.example/", verify=False)  # nosec B501
requests.get("https://b.example/", verify=False)  # nosec B101
requests.get("https://c.example/", verify=False)  # noqa: S501
requests.get("https://d.example/", verify=False)  # noqa: E501
requests.get("https://e.example/", verify=False)  # nosemgrep: python.requests.security.disabled-cert-validation.disabled-cert-validation
requests.get("https://f.example/", verify=False)  # nosemgrep: python.lang.security.audit.eval-detected
print("# nosec"); requests.get("https://g.example/", verify=False)
requests.get("https://h.example/", verify=False)  # NOSONAR
requests.get("https://i.example/", verify=False)  # nosec
requests.get("https://j.example/", verify=False)
"##;

const PS1: &str = r##"Invoke-RestMethod -Uri $u -SkipCertificateCheck # DevSkim: ignore DS126185
Invoke-RestMethod -Uri $u -SkipCertificateCheck # DevSkim: ignore DS137138
Invoke-RestMethod -Uri $u -SkipCertificateCheck # DevSkim: ignore DS126185 until 2001-01-01
Write-Host "# NOSONAR"; Invoke-RestMethod -Uri $u -SkipCertificateCheck
Invoke-RestMethod -Uri $u -SkipCertificateCheck
"##;

const YML: &str = r##"jobs:
  build:
    steps:
      - run: curl -k https://a.example/ # nosemgrep: bash.curl.security.curl-insecure-tls
      - run: curl -k https://b.example/ # nosemgrep: generic.secrets.security.detected-token
      - run: curl -k https://c.example/ # nosemgrep
      - run: curl -k https://d.example/
"##;

const EXPECTED_KEPT: &[&str] = &[
    "app.py:4",
    "app.py:6",
    "app.py:8",
    "app.py:9",
    "app.py:12",
    "ci.yml:5",
    "ci.yml:7",
    "client.go:15",
    "client.go:27",
    "client.go:31",
    "client.go:48",
    "deploy.ps1:2",
    "deploy.ps1:3",
    "deploy.ps1:4",
    "deploy.ps1:5",
];

fn files() -> tempfile::TempDir {
    tree(&[
        ("client.go", GO),
        ("app.py", PY),
        ("deploy.ps1", PS1),
        ("ci.yml", YML),
    ])
}

#[test]
fn markers_naming_tls_checks_or_blanket_hide_findings_and_are_counted() {
    let d = files();
    let o = run(&["scan", "--format", "json", "."], d.path());
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(reported(&v), EXPECTED_KEPT);
    // Go 5 (a, c, d, g, i), Python 5, PowerShell 1, YAML 2.
    assert_eq!(v["stats"]["suppressed_foreign"], 13, "{}", v["stats"]);
    assert_eq!(v["stats"]["suppressed"], 0);
}

#[test]
fn no_foreign_markers_reports_everything() {
    let d = files();
    let all = json(&run(
        &["scan", "--no-foreign-markers", "--format", "json", "."],
        d.path(),
    ));
    let n = reported(&all).len();
    assert_eq!(n, EXPECTED_KEPT.len() + 13);
    assert_eq!(all["stats"]["suppressed_foreign"], 0);
    // The configuration's key does the same.
    std::fs::write(d.path().join(".tlslint.toml"), "foreign-markers = false\n").expect("write");
    let v = json(&run(&["scan", "--format", "json", "."], d.path()));
    assert_eq!(reported(&v), reported(&all));
    std::fs::write(d.path().join(".tlslint.toml"), "foreign-markers = true\n").expect("write");
    let v = json(&run(&["scan", "--format", "json", "."], d.path()));
    assert_eq!(reported(&v), EXPECTED_KEPT);
    // A bad value is a configuration error that names the key.
    std::fs::write(d.path().join(".tlslint.toml"), "foreign-markers = \"no\"\n").expect("write");
    let o = run(&["scan", "."], d.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("foreign-markers"), "{err}");
}

#[test]
fn stats_line_counts_foreign_markers_apart() {
    let d = tree(&[(
        "client.go",
        "package main\n\nimport \"crypto/tls\"\n\nvar a = &tls.Config{InsecureSkipVerify: true} //nolint:gosec\n// tlslint: ignore[cert-validation] lab\nvar b = &tls.Config{InsecureSkipVerify: true}\n",
    )]);
    let o = run(&["scan", "--stats", "."], d.path());
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("1 suppressed inline (0 suppressions without a reason), 1 suppressed by another tool's marker,"),
        "{err}"
    );
    let o = run(&["scan", "--stats", "--no-foreign-markers", "."], d.path());
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("0 suppressed by another tool's marker (--no-foreign-markers)"),
        "{err}"
    );
}

#[test]
fn fix_leaves_lines_under_a_marker_alone() {
    let text = "import requests\nrequests.get(u, verify=False)  # nosec B501\nrequests.get(u, verify=False)\n";
    let d = tree(&[("app.py", text)]);
    let o = run(&["scan", "--fix", "--format", "json", "."], d.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("app.py")).expect("read"),
        "import requests\nrequests.get(u, verify=False)  # nosec B501\nrequests.get(u)\n"
    );
}

#[test]
fn stdin_honours_markers_too() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .args(["scan", "--format", "json", "--stdin-filename", "a.py", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"import requests\nrequests.get(u, verify=False)  # noqa: S501\n")
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    let v = json(&o);
    assert_eq!(reported(&v), Vec::<String>::new());
    assert_eq!(v["stats"]["suppressed_foreign"], 1);
}

#[test]
fn human_and_concise_summaries_say_how_many_markers_hid() {
    let d = files();
    let o = run(&["scan", "--color", "never", "."], d.path());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.ends_with(
            "13 more findings hidden by other tools' suppression markers (--no-foreign-markers reports them).\n"
        ),
        "{out}"
    );
    let o = run(&["scan", "--format", "concise", "."], d.path());
    let out = String::from_utf8_lossy(&o.stdout);
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.ends_with("; 13 hidden by other tools' markers."),
        "{last}"
    );
    // Nothing left at all.
    let one = tree(&[(
        "a.py",
        "import requests\nrequests.get(u, verify=False)  # nosec\n",
    )]);
    let o = run(&["scan", "--format", "concise", "."], one.path());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "No findings in 1 files; 1 hidden by other tools' markers.\n"
    );
    let o = run(
        &["scan", "--no-foreign-markers", "--format", "concise", "."],
        one.path(),
    );
    assert_eq!(o.status.code(), Some(1));
}
