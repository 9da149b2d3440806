//! File context and opt-ins with the real binary: each finding carries its file's context
//! (product, test, example, vendor, generated, docs) in every format; tests and examples
//! are notes by default; product findings come first in human and Markdown output;
//! `[context]` in `.tlslint.toml` overrides paths and severities; opt-ins are notes that
//! name their option and carry no fix.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str], cwd: &Path) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tlslint"));
    c.env_remove("NO_COLOR")
        .args(args)
        .current_dir(cwd)
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

const PRODUCT: &str =
    "import requests\n\ndef push(url):\n    return requests.post(url, verify=False)\n";
const TEST: &str =
    "import requests\n\ndef test_push():\n    requests.get('https://x', verify=False)\n";
const VENDOR: &str = "package x\n\nvar c = &tls.Config{InsecureSkipVerify: true}\n";
const GATED: &str = "import ssl\n\ndef context(validate_certs):\n    ctx = ssl.create_default_context()\n    if not validate_certs:\n        ctx.check_hostname = False\n    return ctx\n";

fn json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["scan", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(".");
    let o = run(&args, dir);
    serde_json::from_slice(&o.stdout).expect("json")
}

fn by_path(v: &serde_json::Value, path: &str) -> Vec<serde_json::Value> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["path"] == path)
        .cloned()
        .collect()
}

#[test]
fn every_finding_has_its_context_and_tests_are_notes() {
    let d = tree(&[
        ("app/push.py", PRODUCT),
        ("tests/test_push.py", TEST),
        ("vendor/github.com/x/c.go", VENDOR),
    ]);
    let v = json(d.path(), &[]);
    let p = by_path(&v, "app/push.py");
    assert_eq!(p[0]["context"], "product");
    assert_eq!(p[0]["severity"], "error");
    let t = by_path(&v, "tests/test_push.py");
    assert_eq!(t[0]["context"], "test");
    assert_eq!(t[0]["severity"], "note");
    let g = by_path(&v, "vendor/github.com/x/c.go");
    assert_eq!(g[0]["context"], "vendor");
    assert_eq!(g[0]["severity"], "note");
    // --fail-on warning fails on product code only.
    let only_tests = tree(&[("tests/test_push.py", TEST)]);
    let o = run(&["scan", "--fail-on", "warning", "."], only_tests.path());
    assert_eq!(o.status.code(), Some(0));
    let o = run(&["scan", "--fail-on", "warning", "."], d.path());
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn configuration_overrides_paths_and_severities() {
    let d = tree(&[
        ("qa/push.py", PRODUCT),
        ("tests/test_push.py", TEST),
        (
            ".tlslint.toml",
            "[context.paths]\ntest = [\"qa/**\"]\n\n[context.severity]\ntest = \"rule\"\n",
        ),
    ]);
    let v = json(d.path(), &[]);
    let q = by_path(&v, "qa/push.py");
    assert_eq!(q[0]["context"], "test");
    // `rule`: the rule's own severity in tests.
    assert_eq!(q[0]["severity"], "error");
    let bad = tree(&[
        ("a.py", PRODUCT),
        (".tlslint.toml", "[context.severity]\ntests = \"note\"\n"),
    ]);
    let o = run(&["scan", "."], bad.path());
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown context is a config error"
    );
}

#[test]
fn opt_ins_are_notes_that_name_their_option_and_have_no_fix() {
    let d = tree(&[("lib/client.py", GATED)]);
    let v = json(d.path(), &[]);
    let f = &by_path(&v, "lib/client.py")[0];
    assert_eq!(f["line"], 6);
    assert_eq!(f["opt_in"], "validate_certs");
    assert_eq!(f["severity"], "note");
    assert!(f["fix"].is_null());
    assert!(
        f["message"]
            .as_str()
            .expect("message")
            .contains("validate_certs")
    );
    // SARIF: tags for code scanning filters.
    let o = run(&["scan", "--format", "sarif", "."], d.path());
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    let tags = &s["runs"][0]["results"][0]["properties"]["tags"];
    let tags: Vec<&str> = tags
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(tags.contains(&"opt-in"), "{tags:?}");
    assert!(tags.contains(&"context:product"), "{tags:?}");
}

#[test]
fn reports_put_product_first_and_say_the_context() {
    let d = tree(&[("a_tests/test_a.py", TEST), ("z_app/push.py", PRODUCT)]);
    let o = run(&["scan", "--color", "never", "."], d.path());
    let human = String::from_utf8_lossy(&o.stdout);
    let app = human.find("z_app/push.py").expect("product file shown");
    let test = human.find("a_tests/test_a.py").expect("test file shown");
    assert!(app < test, "product findings come first:\n{human}");
    let o = run(&["scan", "--format", "github", "."], d.path());
    let gh = String::from_utf8_lossy(&o.stdout);
    let line = gh
        .lines()
        .find(|l| l.contains("a_tests/test_a.py"))
        .expect("annotation");
    assert!(line.contains("[cert-validation, test]"), "{line}");
    let o = run(&["scan", "--format", "markdown", "."], d.path());
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.contains("By context: 1 product, 1 test."), "{md}");
    let first_row = md.lines().find(|l| l.starts_with("| `")).expect("a row");
    assert!(first_row.contains("| product |"), "{md}");
}

#[test]
fn a_value_that_reaches_its_sink_elsewhere_names_the_sink() {
    let src = "#include <winhttp.h>\nvoid f(HINTERNET h) {\n    DWORD flags = SECURITY_FLAG_IGNORE_UNKNOWN_CA;\n    log(\"x\");\n    WinHttpSetOption(h, WINHTTP_OPTION_SECURITY_FLAGS, &flags, sizeof(flags));\n}\n";
    let d = tree(&[("src/net.c", src)]);
    let v = json(d.path(), &[]);
    let f = &by_path(&v, "src/net.c")[0];
    assert_eq!(f["line"], 3);
    assert_eq!(f["sink"]["line"], 5);
    let o = run(&["scan", "--format", "sarif", "."], d.path());
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    let r = &s["runs"][0]["results"][0];
    assert_eq!(
        r["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
    let steps = r["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .expect("code flow");
    assert!(steps.len() >= 2);
}
