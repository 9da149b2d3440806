//! Presentation for triage, through the real binary: `--format concise` (one line per
//! finding), a rule's help shown once in human output (`--show-help` for all of it), and a
//! summary that counts findings per rule and file context with fixable counts.

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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
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

const ARR_REG: &str = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\IIS Extensions\\Application Request Routing\\Parameters]\r\n\"SecureConnectionIgnoreFlags\"=dword:00003300\r\n";

const SH: &str =
    "curl -k https://a.example/\ncurl -k https://b.example/\ncurl --tlsv1.0 https://c.example/\n";

const OPT_IN_PY: &str = "import ssl\n\ndef context(validate_certs):\n    c = ssl.create_default_context()\n    if not validate_certs:\n        c.verify_mode = ssl.CERT_NONE\n    return c\n";

#[test]
fn concise_is_one_line_per_finding() {
    let d = tree(&[
        ("deploy/arr-setup.reg", ARR_REG),
        ("get.sh", SH),
        ("lib/tls.py", OPT_IN_PY),
    ]);
    let o = run(&["scan", "--format", "concise", "."], d.path());
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7, "{out}");
    assert!(
        lines[0].starts_with(
            "deploy/arr-setup.reg:4:31: arr-secure-connection-ignore-flags [cert-validation] ARR "
        ),
        "{out}"
    );
    assert!(lines[0].ends_with(" [*]"), "{out}");
    assert_eq!(
        lines[2],
        "get.sh:1:6: curl-insecure [cert-validation] curl does not verify the server certificate (-k) [*]"
    );
    assert!(lines[4].starts_with("get.sh:3:6: curl-legacy-tls [legacy-protocol] "));
    // An opt-in names its option; it has no fix.
    assert!(
        lines[5].starts_with("lib/tls.py:6:")
            && lines[5].contains(" [cert-validation] ")
            && lines[5].ends_with(" (opt-in: validate_certs)"),
        "{out}"
    );
    assert_eq!(
        lines[6],
        "Found 6 findings in 3 files (6 product); [*] 5 fixable with --fix."
    );
    // --quiet: the findings only.
    let q = stdout(&run(&["scan", "-q", "--format", "concise", "."], d.path()));
    assert_eq!(q.lines().count(), 6, "{q}");
    assert!(!q.contains("Found"));
    // As an extra report from the same scan.
    let o = run(
        &[
            "scan",
            "--format",
            "json",
            "--report",
            "concise:findings.txt",
            ".",
        ],
        d.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let file = std::fs::read_to_string(d.path().join("findings.txt")).expect("read");
    assert_eq!(file, out);
    // Nothing found.
    let clean = tree(&[("ok.sh", "curl https://a.example/\n")]);
    let o = run(&["scan", "--format", "concise", "."], clean.path());
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "No findings in 1 files.\n");
}

#[test]
fn human_shows_a_rules_help_once() {
    let d = tree(&[("deploy/arr-setup.reg", ARR_REG), ("get.sh", SH)]);
    let out = stdout(&run(&["scan", "--color", "never", "."], d.path()));
    // Two findings of the ARR rule (line 4: names and certificates), one multi-paragraph
    // help; two of curl-insecure, one help.
    assert_eq!(
        out.matches("= help: Delete the `SecureConnectionIgnoreFlags` value")
            .count(),
        1,
        "{out}"
    );
    assert_eq!(out.matches("= help: Remove `-k`").count(), 1, "{out}");
    assert_eq!(out.matches("error[curl-insecure]").count(), 2);
    // The help's second paragraph only with --show-help, on every finding.
    assert!(!out.contains("Then give the backends certificates"));
    let all = stdout(&run(
        &["scan", "--color", "never", "--show-help", "."],
        d.path(),
    ));
    assert_eq!(
        all.matches("= help: Delete the `SecureConnectionIgnoreFlags` value")
            .count(),
        2,
        "{all}"
    );
    assert_eq!(
        all.matches("Then give the backends certificates").count(),
        2
    );
    assert_eq!(all.matches("= help: Remove `-k`").count(), 2);
}

#[test]
fn human_summary_counts_per_rule_and_context_with_fixes() {
    let d = tree(&[
        ("deploy/arr-setup.reg", ARR_REG),
        ("get.sh", SH),
        ("lib/tls.py", OPT_IN_PY),
    ]);
    let out = stdout(&run(&["scan", "--color", "never", "."], d.path()));
    let summary = &out[out.find("Found 6 findings").expect("summary")..];
    assert_eq!(
        summary,
        "Found 6 findings in 3 files (4 cert-validation, 1 hostname-validation, 1 legacy-protocol).\n\
         \n\
         rule                                product  opt-in  fixable\n\
         arr-secure-connection-ignore-flags        2       -        2\n\
         curl-insecure                             2       -        2\n\
         curl-legacy-tls                           1       -        1\n\
         python-tls-verification-disabled          1       1        -\n\
         total                                     6       1        5\n\
         5 fixable with --fix; --diff shows the changes.\n"
    );
    // -q leaves the summary out.
    let q = stdout(&run(&["scan", "-q", "--color", "never", "."], d.path()));
    assert!(!q.contains("Found 6"), "{q}");
}

#[test]
fn context_shows_in_concise_and_in_the_summary() {
    let d = tree(&[
        ("deploy.sh", "curl -k https://a.example/\n"),
        ("examples/get.sh", "curl -k https://a.example/\n"),
        (
            "tests/test_api.py",
            "import requests\nrequests.get(u, verify=False)\n",
        ),
    ]);
    let out = stdout(&run(&["scan", "--format", "concise", "."], d.path()));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("deploy.sh:1:6: curl-insecure ") && lines[0].ends_with(" [*]"));
    // An example's fix is unsafe (the setting is often the point of the example): no [*].
    assert!(lines[1].starts_with("examples/get.sh:1:6: ") && lines[1].ends_with(" (example)"));
    assert!(!lines[1].contains("[*]"));
    assert!(lines[2].starts_with("tests/test_api.py:2:24: ") && lines[2].ends_with(" (test)"));
    assert_eq!(
        lines[3],
        "Found 3 findings in 3 files (1 product, 1 test, 1 example); [*] 1 fixable with --fix."
    );
    let out = stdout(&run(&["scan", "--color", "never", "."], d.path()));
    let table = &out[out.find("\nrule ").expect("table") + 1..];
    assert_eq!(
        table,
        "rule                              product  test  example  fixable\n\
         curl-insecure                           1     -        1        1\n\
         python-tls-verification-disabled        -     1        -        -\n\
         total                                   1     1        1        1\n\
         1 fixable with --fix (2 more with --unsafe-fixes); --diff shows the changes.\n"
    );
}

#[test]
fn concise_on_a_minified_line_stays_short() {
    // One 1.6 MB line: the concise line names the position, never the line's text.
    let mut js = "var a=1;".repeat(100_000);
    js.push_str("https.request({host:\"x\",rejectUnauthorized:false});");
    js.push_str(&"var b=2;".repeat(100_000));
    let d = tree(&[("app.min.js", &js)]);
    let out = stdout(&run(&["scan", "--format", "concise", "."], d.path()));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{}", &out[..out.len().min(500)]);
    assert!(lines[0].starts_with("app.min.js:1:800044: node-reject-unauthorized-disabled "));
    assert!(lines[0].len() < 300, "{}", lines[0].len());
}
