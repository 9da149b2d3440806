//! What a user does with findings, through the real binary: inline suppressions in every
//! comment syntax, `ignore-file`, unused suppressions, baselines that survive moved lines,
//! and `.tlslint.toml` (discovery, exclude, severity, own rules, strict errors).

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run tlslint")
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

fn findings(o: &Output) -> Vec<(String, usize, String, String)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().expect("path").to_string(),
                f["line"].as_u64().expect("line") as usize,
                f["rule_id"].as_str().expect("rule").to_string(),
                f["severity"].as_str().expect("severity").to_string(),
            )
        })
        .collect()
}

/// One dangerous line per comment syntax, each with a suppression; `{S}` is replaced by
/// the suppression text (or nothing, for the control run).
const SUPPRESSED: &[(&str, &str)] = &[
    ("a.sh", "curl -k https://x/ # {S}\n"),
    ("b.sh", "# {S}\ncurl -k https://x/\n"),
    (
        "c.ps1",
        "Invoke-WebRequest $u -SkipCertificateCheck # {S}\n",
    ),
    (
        "d.ps1",
        "<# {S} #>\nInvoke-WebRequest $u -SkipCertificateCheck\n",
    ),
    ("e.cmd", "REM {S}\r\ncurl.exe -k https://x/\r\n"),
    ("f.cmd", ":: {S}\r\ncurl.exe -k https://x/\r\n"),
    (
        "g.reg",
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n; {S}\r\n\"CertificateRevocation\"=dword:00000000\r\n",
    ),
    (
        "h/web.config",
        "<configuration>\n  <system.net>\n    <settings>\n      <!-- {S} -->\n      <servicePointManager checkCertificateRevocationList=\"false\" />\n    </settings>\n  </system.net>\n</configuration>\n",
    ),
    (
        "i.cs",
        "var h = new HttpClientHandler { CheckCertificateRevocationList = false }; // {S}\n",
    ),
    (
        "j.c",
        "/* {S} */\nSSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);\n",
    ),
    (
        "k.yml",
        "- name: fetch\n  # {S}\n  get_url: {url: 'https://x/', dest: /tmp/x, validate_certs: no}\n",
    ),
    ("l.py", "requests.get(url, verify=False)  # {S}\n"),
    (
        "m.go",
        "cfg := &tls.Config{InsecureSkipVerify: true} // {S}\n",
    ),
];

fn suppressed_tree(s: &str) -> tempfile::TempDir {
    let files: Vec<(String, String)> = SUPPRESSED
        .iter()
        .map(|(n, t)| ((*n).to_string(), t.replace("{S}", s)))
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    tree(&refs)
}

#[test]
fn suppressions_in_every_comment_syntax() {
    // Control: without a suppression every file has a finding.
    let control = suppressed_tree("just a comment");
    let o = run(&["scan", "--format", "json", "."], control.path());
    let files: std::collections::BTreeSet<String> = findings(&o).into_iter().map(|f| f.0).collect();
    assert_eq!(files.len(), SUPPRESSED.len(), "{files:?}");

    for s in [
        "tlslint: ignore[cert-validation, revocation] lab only, see OPS-12",
        "tlslint: ignore",
    ] {
        let dir = suppressed_tree(s);
        let o = run(&["scan", "--format", "json", "--stats", "."], dir.path());
        assert!(findings(&o).is_empty(), "{s}: {:?}", findings(&o));
        assert_eq!(o.status.code(), Some(0));
        assert!(
            String::from_utf8_lossy(&o.stderr)
                .contains(&format!("{} suppressed inline", SUPPRESSED.len())),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // A suppression for another rule or category does not hide the finding.
    let dir = suppressed_tree("tlslint: ignore[legacy-protocol]");
    let o = run(&["scan", "--format", "json", "."], dir.path());
    assert_eq!(findings(&o).len(), SUPPRESSED.len());
}

#[test]
fn ignore_file_and_unused_suppressions() {
    let dir = tree(&[
        (
            "a.sh",
            "#!/bin/sh\n# tlslint: ignore-file[curl-insecure] vendored script\ncurl -k https://x/\ncurl --tlsv1.0 https://y/\n",
        ),
        (
            "b.sh",
            "echo ok # tlslint: ignore[curl-insecure] left over\n",
        ),
    ]);
    let o = run(&["scan", "--format", "json", "."], dir.path());
    let f = findings(&o);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].2, "curl-legacy-tls");
    // Unused suppressions are reported and fail the run only on request.
    let o = run(
        &[
            "scan",
            "--format",
            "json",
            "--select",
            "cert-validation",
            "--report-unused-suppressions",
            ".",
        ],
        dir.path(),
    );
    // They are findings of the `unused-suppression` rule, in every format.
    let f = findings(&o);
    assert_eq!(
        f,
        vec![(
            "b.sh".to_string(),
            1,
            "unused-suppression".to_string(),
            "warning".to_string()
        )],
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(1));
    let o = run(
        &[
            "scan",
            "--format",
            "github",
            "--report-unused-suppressions",
            ".",
        ],
        dir.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("::warning file=b.sh,line=1,col=11,")
            && out.contains("title=tlslint unused-suppression::[suppression] unused suppression `tlslint: ignore[curl-insecure] left over`"),
        "{out}"
    );
    // Not without the flag, and --ignore turns it off again.
    let o = run(
        &[
            "scan",
            "--format",
            "json",
            "--report-unused-suppressions",
            "--ignore",
            "unused-suppression,legacy-protocol",
            ".",
        ],
        dir.path(),
    );
    assert!(findings(&o).is_empty(), "{:?}", findings(&o));
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn unknown_suppressions_are_findings_in_every_format() {
    let dir = tree(&[(
        "lab.sh",
        "#!/bin/sh
curl -k https://lab/ # tlslint: ignore[cert-validaton] lab appliance
",
    )]);
    let o = run(&["scan", "--format", "json", "."], dir.path());
    let f = findings(&o);
    assert_eq!(
        f,
        vec![
            (
                "lab.sh".to_string(),
                2,
                "curl-insecure".to_string(),
                "error".to_string()
            ),
            (
                "lab.sh".to_string(),
                2,
                "unknown-suppression".to_string(),
                "warning".to_string()
            ),
        ]
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let msg = v["findings"][1]["message"].as_str().expect("message");
    assert_eq!(
        msg,
        "suppression names unknown rule or category `cert-validaton` (did you mean `cert-validation`?)"
    );
    assert_eq!(v["findings"][1]["category"], "suppression");
    // Nothing about it on stderr any more: it is a finding.
    assert!(!String::from_utf8_lossy(&o.stderr).contains("unknown"));
    for (format, want) in [
        ("human", "warning[unknown-suppression]"),
        ("github", "title=tlslint unknown-suppression::"),
        ("markdown", "`unknown-suppression`"),
        ("sarif", "\"ruleId\": \"unknown-suppression\""),
    ] {
        let o = run(
            &["scan", "--color", "never", "--format", format, "."],
            dir.path(),
        );
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains(want), "{format}: {out}");
    }
    // The SARIF rule is not a security rule, and links to its documentation.
    let o = run(&["scan", "--format", "sarif", "."], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let rule = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|r| r["id"] == "unknown-suppression")
        .expect("the rule");
    assert!(rule["properties"].get("security-severity").is_none());
    assert!(
        rule["helpUri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/docs/rules.md#unknown-suppression"))
    );
    // `--ignore unknown-suppression` turns it off.
    let o = run(
        &[
            "scan",
            "--format",
            "json",
            "--ignore",
            "unknown-suppression",
            ".",
        ],
        dir.path(),
    );
    assert_eq!(findings(&o).len(), 1);
}

#[test]
fn baseline_survives_inserted_lines_and_catches_new_findings() {
    let dir = tree(&[(
        "deploy.ps1",
        "Set-StrictMode -Version 3\nInvoke-RestMethod $u -SkipCertificateCheck\n",
    )]);
    let o = run(
        &["scan", "--write-baseline", "tlslint-baseline.json", "."],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0));
    let b: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("tlslint-baseline.json")).expect("baseline"),
    )
    .expect("json");
    assert_eq!(b["findings"].as_array().expect("array").len(), 1);

    // Lines inserted above, and the same line re-indented: still known.
    std::fs::write(
        dir.path().join("deploy.ps1"),
        "# header\n# more\nSet-StrictMode -Version 3\n\n    Invoke-RestMethod $u   -SkipCertificateCheck\n",
    )
    .expect("write");
    let o = run(
        &[
            "scan",
            "--format",
            "json",
            "--stats",
            "--baseline",
            "tlslint-baseline.json",
            ".",
        ],
        dir.path(),
    );
    assert!(findings(&o).is_empty(), "{:?}", findings(&o));
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 hidden by the baseline"));

    // A new finding is reported.
    std::fs::write(
        dir.path().join("deploy.ps1"),
        "# header\n# more\nSet-StrictMode -Version 3\n\n    Invoke-RestMethod $u   -SkipCertificateCheck\ncurl.exe -k https://x/\n",
    )
    .expect("write");
    let o = run(
        &[
            "scan",
            "--format",
            "json",
            "--baseline",
            "tlslint-baseline.json",
            ".",
        ],
        dir.path(),
    );
    let f = findings(&o);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!((f[0].1, f[0].2.as_str()), (6, "curl-insecure"));

    // Not a baseline: a clear error.
    std::fs::write(dir.path().join("bogus.json"), "{\"x\": 1}").expect("write");
    let o = run(&["scan", "--baseline", "bogus.json", "."], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bogus.json"));
}

const CONFIG: &str = r#"
exclude = ["vendor/**"]
ignore = ["legacy-protocol"]
fail-on = "error"

[severity]
curl-insecure = "warning"
revocation = "note"

[[rules]]
id = "contoso-proxy-ignore-cert"
title = "Contoso proxy agent ignores certificate errors"
categories = ["cert-validation"]
severity = "error"
description = "The Contoso proxy agent reads IgnoreCertErrors from its registry key."
fix = "Set IgnoreCertErrors to 0."
message = "the Contoso proxy agent ignores certificate errors ({name} = {value})"
references = ["https://intranet.contoso.example/kb/proxy-agent"]

[[rules.match]]
kind = "registry"
keys = ['HKLM\SOFTWARE\Contoso\ProxyAgent']
value = "IgnoreCertErrors"
when = "nonzero"
category = "cert-validation"
fix = { set = 0 }
"#;

#[test]
fn configuration_is_discovered_and_applied() {
    let dir = tree(&[
        (".tlslint.toml", CONFIG),
        ("vendor/x.sh", "curl -k https://x/\n"),
        (
            "deploy/a.sh",
            "curl -k https://x/\ncurl --tlsv1.0 https://y/\ncurl --ssl-no-revoke https://z/\n",
        ),
        (
            "deploy/agent.reg",
            "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\ProxyAgent]\r\n\"IgnoreCertErrors\"=dword:00000001\r\n",
        ),
    ]);
    // Scanning a sub-folder finds the configuration above it. Paths are relative to the
    // current folder, whatever is scanned.
    let o = run(&["scan", "--format", "json", "deploy"], dir.path());
    let mut f = findings(&o);
    f.sort();
    assert_eq!(
        f,
        vec![
            (
                "deploy/a.sh".to_string(),
                1,
                "curl-insecure".to_string(),
                "warning".to_string()
            ),
            (
                "deploy/a.sh".to_string(),
                3,
                "curl-revocation-check-off".to_string(),
                "note".to_string()
            ),
            (
                "deploy/agent.reg".to_string(),
                4,
                "contoso-proxy-ignore-cert".to_string(),
                "error".to_string()
            ),
        ]
    );
    // fail-on = "error": the organization's rule fails the run.
    assert_eq!(o.status.code(), Some(1));
    // The organization's rule has a fix like the built-in ones.
    let o = run(&["scan", "--fix", "deploy"], dir.path());
    assert_ne!(o.status.code(), Some(2));
    assert!(
        std::fs::read_to_string(dir.path().join("deploy/agent.reg"))
            .expect("read")
            .contains("dword:00000000")
    );
    // --no-config scans everything with the defaults.
    let o = run(
        &["scan", "--format", "json", "--no-config", "."],
        dir.path(),
    );
    assert!(findings(&o).iter().any(|f| f.0 == "vendor/x.sh"));
}

#[test]
fn bad_configuration_is_a_clear_error() {
    for (text, want) in [
        (
            "exlude = [\"a\"]\n",
            ".tlslint.toml:1:1: unknown key `exlude` (did you mean `exclude`?); valid keys are exclude,",
        ),
        (
            "[severity]\ncurl-insecure = \"warn\"\n",
            ".tlslint.toml:2:17: `severity.curl-insecure`: unknown value `warn` (did you mean `warning`?); valid values are",
        ),
        (
            "# select = [\"cert-validaton\"] (old)\nselect = [\"cert-validaton\"]\n",
            ".tlslint.toml:2:11: `select`: unknown rule or category `cert-validaton` (did you mean `cert-validation`?)",
        ),
        (
            "[per-file-ignores]\n\"tests/**\" = [\"curl-insecur\"]\n",
            ".tlslint.toml:2:15: `per-file-ignores`: unknown rule or category `curl-insecur` (did you mean `curl-insecure`?)",
        ),
    ] {
        let dir = tree(&[(".tlslint.toml", text), ("a.sh", "echo\n")]);
        let o = run(&["scan", "."], dir.path());
        assert_eq!(o.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{text}: {err}");
    }
}

/// The configuration example in the README is valid.
#[test]
fn readme_configuration_example_parses() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let section = readme
        .split("## Configuration")
        .nth(1)
        .expect("a Configuration section");
    let block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a toml block");
    let rules = tlslint::rules::RuleSet::builtin().expect("rules");
    let cfg = tlslint::config::Config::parse(Path::new("README.md"), block, &rules)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut rules = rules;
    cfg.extend_rules(&mut rules)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(rules.get("contoso-proxy-ignore-cert").is_some());
}
