//! The command-line habits users bring from ruff, ripgrep, semgrep and gitleaks, each
//! checked with the real binary: missing paths, standard input, --quiet, --statistics,
//! --show-fixes, --exit-zero, colour variables, completions and man pages, "did you mean",
//! `!` in `exclude`, `per-file-ignores`, one path base for every format, SARIF help links
//! and help text that names only documents that ship.

mod common;

use common::{json_findings as findings, write_file};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tlslint"));
    for v in [
        "NO_COLOR",
        "FORCE_COLOR",
        "CLICOLOR_FORCE",
        "CLICOLOR",
        "TERM",
    ] {
        c.env_remove(v);
    }
    c
}

fn run(args: &[&str], cwd: &Path) -> Output {
    bin()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run tlslint")
}

fn run_stdin(args: &[&str], cwd: &Path, input: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tlslint");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        write_file(d.path(), name, text.as_bytes());
    }
    d
}

const BAD: &str = "#!/bin/sh\ncurl -k https://x/\ncurl --tlsv1.0 https://y/\n";
const CLEAN: &str = "#!/bin/sh\ncurl https://x/\n";

#[test]
fn a_missing_path_is_an_error_in_every_format() {
    let d = tree(&[("clean/a.sh", CLEAN)]);
    for format in ["human", "json", "sarif", "github", "markdown"] {
        let o = run(&["scan", "-f", format, "clean", "deplyo"], d.path());
        assert_eq!(o.status.code(), Some(2), "{format}: {}", err(&o));
        assert!(
            err(&o).contains("tlslint: deplyo: "),
            "{format}: {}",
            err(&o)
        );
        // --fail-on never and --exit-zero do not hide it.
        let o = run(&["scan", "-f", format, "-e", "clean", "deplyo"], d.path());
        assert_eq!(o.status.code(), Some(2), "{format}");
    }
    // Where CI shows results, the error shows too.
    let o = run(&["scan", "-f", "github", "clean", "deplyo"], d.path());
    assert!(
        out(&o).contains("::error title=tlslint::deplyo: "),
        "{}",
        out(&o)
    );
    let o = run(&["scan", "-f", "markdown", "clean", "deplyo"], d.path());
    assert!(out(&o).contains("> **Error:** `deplyo`: "), "{}", out(&o));
    let o = run(&["scan", "-f", "sarif", "clean", "deplyo"], d.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    assert_eq!(
        v["runs"][0]["invocations"][0]["executionSuccessful"],
        serde_json::json!(false)
    );
    // A file that is only unreadable inside a walked folder stays a note-level problem;
    // the named paths that exist scan fine.
    let o = run(&["scan", "clean"], d.path());
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn stdin_is_scanned_with_the_name_given() {
    let d = tree(&[(".tlslint.toml", "[severity]\ncurl-insecure = \"note\"\n")]);
    let o = run_stdin(
        &[
            "scan",
            "-f",
            "json",
            "--stdin-filename",
            "deploy/install.sh",
            "-",
        ],
        d.path(),
        b"curl -k https://x/\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert_eq!(
        findings(&o),
        vec![(
            "deploy/install.sh".to_string(),
            1,
            "curl-insecure".to_string()
        )]
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    // The configuration is found from the name's folder upward.
    assert_eq!(v["findings"][0]["severity"], "note");
    // Without a name the format is read from the content (a .reg header here).
    let o = run_stdin(
        &["scan", "-f", "json", "-"],
        d.path(),
        b"Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\IIS Extensions\\Application Request Routing\\Parameters]\r\n\"SecureConnectionIgnoreFlags\"=dword:00003300\r\n",
    );
    assert_eq!(findings(&o).len(), 2, "{}", out(&o));
    assert!(findings(&o).iter().all(|f| f.0 == "-"));
    // --fix prints the fixed text; the report goes to stderr.
    let o = run_stdin(
        &["scan", "--fix", "--stdin-filename", "x.sh", "-"],
        d.path(),
        b"curl -k https://x/\ncurl --tlsv1.0 https://y/\n",
    );
    assert_eq!(out(&o), "curl https://x/\ncurl https://y/\n");
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // Nothing to fix: the text passes through unchanged.
    let o = run_stdin(
        &["scan", "--fix", "--stdin-filename", "x.sh", "-"],
        d.path(),
        b"echo fine\n",
    );
    assert_eq!(out(&o), "echo fine\n");
    // `-` is alone, and --stdin-filename needs it.
    assert_eq!(run(&["scan", "-", "."], d.path()).status.code(), Some(2));
    let o = run(&["scan", "--stdin-filename", "x.sh", "."], d.path());
    assert_eq!(o.status.code(), Some(2));
    // --force-exclude applies the configuration to the name.
    let d = tree(&[(".tlslint.toml", "exclude = [\"vendor/\"]\n")]);
    let o = run_stdin(
        &[
            "scan",
            "-f",
            "json",
            "--force-exclude",
            "--stdin-filename",
            "vendor/x.sh",
            "-",
        ],
        d.path(),
        b"curl -k https://x/\n",
    );
    assert!(findings(&o).is_empty());
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn quiet_prints_findings_and_errors_only() {
    let d = tree(&[("a.sh", BAD), ("big.sh", &"#".repeat(2000))]);
    let o = run(
        &[
            "scan",
            "-q",
            "--color",
            "never",
            "--max-filesize",
            "1K",
            ".",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("error[curl-insecure]"), "{}", out(&o));
    assert!(!out(&o).contains("Found 2 findings"), "{}", out(&o));
    assert!(!err(&o).contains("skipped"), "{}", err(&o));
    // Without -q: the summary and the note.
    let o = run(
        &["scan", "--color", "never", "--max-filesize", "1K", "."],
        d.path(),
    );
    assert!(
        out(&o).contains("Found 2 findings in 1 file"),
        "{}",
        out(&o)
    );
    assert!(err(&o).contains("big.sh: skipped"), "{}", err(&o));
    // Errors are still printed.
    let o = run(&["scan", "-q", "nope"], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("nope"));
    // --fix's own summary is quiet too.
    let o = run(&["scan", "-q", "--fix", "."], d.path());
    assert!(!err(&o).contains("fixed"), "{}", err(&o));
    assert_eq!(
        std::fs::read_to_string(d.path().join("a.sh")).expect("read"),
        "#!/bin/sh\ncurl https://x/\ncurl https://y/\n"
    );
}

#[test]
fn statistics_count_findings_per_rule_with_fixable_counts() {
    let d = tree(&[
        ("a.sh", BAD),
        ("b.sh", "curl -k https://z/\n"),
        ("c.cmd", "set GIT_SSL_NO_VERIFY=1\r\n"),
    ]);
    let o = run(&["scan", "--statistics", "."], d.path());
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].trim_start().starts_with("2  [*] 2") && lines[0].contains("curl-insecure"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("git-ssl-verify-disabled") && !l.contains("[*]")),
        "{text}"
    );
    assert_eq!(
        lines[3], "4 findings from 3 rules; 3 fixable with --fix.",
        "{text}"
    );
    let o = run(&["scan", "--statistics", "-f", "json", "."], d.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v[0]["rule_id"], "curl-insecure");
    assert_eq!(v[0]["count"], 2);
    assert_eq!(v[0]["fixable"], 2);
    assert_eq!(v.as_array().expect("array").len(), 3);
    // Formats without a table are refused.
    let o = run(&["scan", "--statistics", "-f", "sarif", "."], d.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn show_fixes_lists_fixes_per_file_and_rule() {
    let d = tree(&[("a.sh", BAD), ("c.cmd", "set GIT_SSL_NO_VERIFY=1\r\n")]);
    let o = run(&["scan", "--show-fixes", "-q", "."], d.path());
    assert_eq!(
        err(&o),
        "Would fix (with --fix) 2 findings in 1 file:\n- a.sh:\n    1 × curl-insecure\n    1 × curl-legacy-tls\n"
    );
    let o = run(&["scan", "--fix", "--show-fixes", "-q", "."], d.path());
    assert_eq!(
        err(&o),
        "Fixed 2 findings in 1 file:\n- a.sh:\n    1 × curl-insecure\n    1 × curl-legacy-tls\n"
    );
    // What is left is reported as usual.
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("git-ssl-verify-disabled"));
}

#[test]
fn exit_zero_passes_findings_but_not_errors() {
    let d = tree(&[("a.sh", BAD)]);
    assert_eq!(run(&["scan", "."], d.path()).status.code(), Some(1));
    assert_eq!(run(&["scan", "-e", "."], d.path()).status.code(), Some(0));
    assert_eq!(
        run(&["scan", "--exit-zero", "--fail-on", "note", "."], d.path())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["scan", "--exit-zero", "--select", "nope", "."], d.path())
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn colour_variables_are_honoured() {
    let d = tree(&[("a.sh", BAD)]);
    let esc = |o: &Output| o.stdout.contains(&0x1b);
    let with = |vars: &[(&str, &str)], args: &[&str]| {
        let mut c = bin();
        c.args(["scan"]).args(args).arg(".").current_dir(d.path());
        for (k, v) in vars {
            c.env(k, v);
        }
        c.output().expect("run")
    };
    // Piped: no colour by default.
    assert!(!esc(&with(&[], &[])));
    assert!(esc(&with(&[("FORCE_COLOR", "1")], &[])));
    assert!(esc(&with(&[("CLICOLOR_FORCE", "1")], &[])));
    assert!(!esc(&with(&[("FORCE_COLOR", "0")], &[])));
    // Forcing beats NO_COLOR (CI logs); an explicit --color never beats both.
    assert!(esc(&with(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")], &[])));
    assert!(!esc(&with(&[("FORCE_COLOR", "1")], &["--color", "never"])));
    assert!(esc(&with(&[("NO_COLOR", "1")], &["--color", "always"])));
    // Reports written to files never carry colour.
    let o = with(&[("FORCE_COLOR", "1")], &["-o", "report.txt"]);
    assert_eq!(o.status.code(), Some(1));
    let written = std::fs::read(d.path().join("report.txt")).expect("report");
    assert!(!written.contains(&0x1b));
}

#[test]
fn completions_and_man_pages() {
    let d = tempfile::tempdir().expect("tempdir");
    for (shell, marker) in [
        ("bash", "_tlslint()"),
        ("zsh", "#compdef tlslint"),
        ("fish", "complete -c tlslint"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[tlslint]"),
    ] {
        let o = run(&["completions", shell], d.path());
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let text = out(&o);
        assert!(text.contains(marker), "{shell}: {text}");
        assert!(text.contains("stdin-filename"), "{shell}");
    }
    assert_eq!(
        run(&["completions", "tcsh"], d.path()).status.code(),
        Some(2)
    );
    let o = run(&["manpage"], d.path());
    assert_eq!(o.status.code(), Some(0));
    let page = out(&o);
    assert!(page.contains(".TH tlslint 1"), "{page}");
    assert!(page.contains("scan"), "{page}");
    let o = run(&["manpage", "--dir", "man"], d.path());
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    for page in [
        "tlslint.1",
        "tlslint-scan.1",
        "tlslint-rules.1",
        "tlslint-explain.1",
    ] {
        let text = std::fs::read_to_string(d.path().join("man").join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page}");
    }
    let scan_page =
        std::fs::read_to_string(d.path().join("man/tlslint-scan.1")).expect("scan page");
    assert!(scan_page.contains("stdin\\-filename"), "{scan_page}");
}

#[test]
fn near_misses_get_a_suggestion() {
    let d = tree(&[("a.sh", CLEAN)]);
    for (args, want) in [
        (
            vec!["scan", "--select", "curl-insecur", "."],
            "unknown rule or category `curl-insecur` (did you mean `curl-insecure`?)",
        ),
        (
            vec!["scan", "--ignore", "legacy-protocols", "."],
            "(did you mean `legacy-protocol`?)",
        ),
        (
            vec!["explain", "curl-insecur"],
            "unknown rule `curl-insecur` (did you mean `curl-insecure`?)",
        ),
        (
            vec!["explain", "--value", "1", "--as", "arr-ignore-flag"],
            "(did you mean `arr-ignore-flags`?)",
        ),
    ] {
        let o = run(&args, d.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(err(&o).contains(want), "{args:?}: {}", err(&o));
    }
    // Far from everything: no suggestion.
    let o = run(&["scan", "--select", "powershell", "."], d.path());
    assert!(!err(&o).contains("did you mean"), "{}", err(&o));
    // Configuration keys and values.
    let d = tree(&[
        (".tlslint.toml", "\n\nexlude = [\"vendor/\"]\n"),
        ("a.sh", CLEAN),
    ]);
    let o = run(&["scan", "."], d.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains(".tlslint.toml:3:1: unknown key `exlude` (did you mean `exclude`?)"),
        "{}",
        err(&o)
    );
}

#[test]
fn negation_in_exclude_reincludes_a_file() {
    let d = tree(&[
        (
            ".tlslint.toml",
            "exclude = [\"tests/**\", \"!tests/keep.sh\", \"vendor/\"]\n",
        ),
        ("tests/a.sh", BAD),
        ("tests/keep.sh", BAD),
        ("vendor/lib/x.sh", BAD),
        ("deploy/vendor.sh", "curl -k https://v/\n"),
    ]);
    let o = run(&["scan", "-f", "json", "."], d.path());
    let mut paths: Vec<String> = findings(&o).into_iter().map(|f| f.0).collect();
    paths.dedup();
    assert_eq!(paths, vec!["deploy/vendor.sh", "tests/keep.sh"]);
}

#[test]
fn per_file_ignores_hide_rules_and_categories_in_matching_files() {
    let d = tree(&[
        (
            ".tlslint.toml",
            "[per-file-ignores]\n\"tests/**\" = [\"cert-validation\"]\n\"*.cmd\" = [\"git-ssl-verify-disabled\"]\n",
        ),
        ("tests/a.sh", BAD),
        ("deploy/a.sh", BAD),
        ("deploy/b.cmd", "set GIT_SSL_NO_VERIFY=1\r\n"),
    ]);
    let o = run(&["scan", "-f", "json", "."], d.path());
    let mut got = findings(&o);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("deploy/a.sh".to_string(), 2, "curl-insecure".to_string()),
            ("deploy/a.sh".to_string(), 3, "curl-legacy-tls".to_string()),
            ("tests/a.sh".to_string(), 3, "curl-legacy-tls".to_string()),
        ]
    );
    // Ignored findings are not fixed either (a test's fixes are unsafe: asked for here).
    let o = run(
        &["scan", "--fix", "--unsafe-fixes", "-q", "tests"],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(
        std::fs::read_to_string(d.path().join("tests/a.sh")).expect("read"),
        "#!/bin/sh\ncurl -k https://x/\ncurl https://y/\n"
    );
}

/// Every format and every fingerprint use the same path, relative to the current folder,
/// whatever the scanned paths are; a file reached twice is scanned once; a baseline
/// written from the top applies to a scan of a sub-folder.
#[test]
fn one_path_base_for_every_format_and_fingerprint() {
    let d = tree(&[
        ("a/x.sh", "curl -k https://a/\n"),
        ("b/x.sh", "curl -k https://b/\n"),
    ]);
    let o = run(&["scan", "-f", "json", "a", "b", "a/x.sh", "a"], d.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let json: Vec<(String, String)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["fingerprint"].as_str().expect("fp").to_string(),
            )
        })
        .collect();
    assert_eq!(json.len(), 2, "{json:?}");
    assert_eq!(json[0].0, "a/x.sh");
    assert_eq!(json[1].0, "b/x.sh");
    assert_ne!(json[0].1, json[1].1);
    let o = run(&["scan", "-f", "sarif", "a", "b"], d.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    let sarif: Vec<(String, String)> = v["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .expect("uri")
                    .to_string(),
                r["partialFingerprints"]["tlslintFingerprint/v1"]
                    .as_str()
                    .expect("fp")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(sarif, json);
    let o = run(&["scan", "-f", "github", "a", "b"], d.path());
    assert!(out(&o).contains("file=a/x.sh,") && out(&o).contains("file=b/x.sh,"));
    let o = run(&["scan", "--color", "never", "a", "b"], d.path());
    assert!(out(&o).contains("a/x.sh:1:6") && out(&o).contains("b/x.sh:1:6"));
    let o = run(&["scan", "-f", "markdown", "a", "b"], d.path());
    assert!(out(&o).contains("`a/x.sh:1`") && out(&o).contains("`b/x.sh:1`"));
    // A file named twice: one finding.
    let o = run(&["scan", "-f", "json", "a/x.sh", "./a/x.sh"], d.path());
    assert_eq!(findings(&o).len(), 1);
    // A baseline written from the top hides the same findings in a sub-folder scan.
    let o = run(&["scan", "--write-baseline", "bl.json", "."], d.path());
    assert_eq!(o.status.code(), Some(0));
    let o = run(
        &["scan", "-f", "json", "--baseline", "bl.json", "a"],
        d.path(),
    );
    assert!(findings(&o).is_empty(), "{:?}", findings(&o));
    assert_eq!(o.status.code(), Some(0));
}

/// SARIF rules link to their section of docs/rules.md, and every such anchor exists.
#[test]
fn sarif_rules_link_to_their_documentation() {
    let d = tree(&[("a.sh", BAD)]);
    let o = run(&["scan", "-f", "sarif", "."], d.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    let docs = std::fs::read_to_string(common::root().join("docs/rules.md")).expect("docs");
    let anchors: Vec<String> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(|h| h.trim().to_string())
        .collect();
    let rules = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(rules.len() > 60);
    let prefix = format!(
        "https://github.com/tlslint/tlslint/blob/v{}/docs/rules.md#",
        env!("CARGO_PKG_VERSION")
    );
    for r in rules {
        let uri = r["helpUri"].as_str().expect("helpUri");
        let anchor = uri.strip_prefix(&prefix).unwrap_or_else(|| panic!("{uri}"));
        assert_eq!(anchor, r["id"].as_str().expect("id"));
        assert!(
            anchors.iter().any(|a| a == anchor),
            "no `## {anchor}` in docs/rules.md"
        );
    }
}

/// `--help` of every command names only documents that ship: in the crate package
/// (Cargo.toml `include`) and in the release archives (.github/release/package.sh).
#[test]
fn help_names_only_documents_that_ship() {
    let d = tempfile::tempdir().expect("tempdir");
    let cargo = std::fs::read_to_string(common::root().join("Cargo.toml")).expect("Cargo.toml");
    let package = std::fs::read_to_string(common::root().join(".github/release/package.sh"))
        .expect("package.sh");
    let doc = regex::Regex::new(r"[A-Za-z0-9_./-]+\.md\b").expect("regex");
    let mut named = Vec::new();
    for cmd in [
        vec!["--help"],
        vec!["scan", "--help"],
        vec!["rules", "--help"],
        vec!["explain", "--help"],
        vec!["completions", "--help"],
        vec!["manpage", "--help"],
    ] {
        let o = run(&cmd, d.path());
        assert_eq!(o.status.code(), Some(0), "{cmd:?}");
        let text = out(&o);
        assert!(!text.contains("INTERFACE"), "{cmd:?}: {text}");
        for m in doc.find_iter(&text) {
            named.push(m.as_str().to_string());
        }
    }
    assert!(!named.is_empty(), "the help names docs/rules.md at least");
    for doc in named {
        assert!(common::root().join(&doc).is_file(), "{doc} does not exist");
        assert!(
            cargo.contains(&format!("\"/{doc}\"")),
            "{doc} is not in the crate"
        );
        assert!(
            package.contains(&doc),
            "{doc} is not in the release archives"
        );
    }
}
