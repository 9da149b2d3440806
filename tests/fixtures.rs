//! Runs every fixture under `fixtures/` through the real pipeline and compares the
//! findings with the file's inline `tlslint-expect` annotations (fixtures/README.md).
//! Every finding must be expected and every expectation met; unannotated lines are
//! implicit negatives.

mod common;

use common::{
    Expect, OptIn, SeenFinding, engine, files_below, findings_detail, findings_for,
    parse_expectations, prefilter, root,
};
use std::collections::BTreeSet;

/// The path a fixture is scanned under: its path below `fixtures/`, so that the file's
/// context (product, test, example, ...) comes from where it sits in its own tree
/// (`go/tests/...`, `..._test.go`), not from the `fixtures` folder that holds them all.
fn display_path(path: &std::path::Path) -> String {
    let dir = root().join("fixtures");
    path.strip_prefix(&dir)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn check_file(
    engine: &tlslint::engine::Engine,
    pf: &tlslint::prefilter::Prefilter,
    path: &std::path::Path,
) -> Vec<String> {
    let bytes = std::fs::read(path).expect("read fixture");
    let text = tlslint::decode::decode(&bytes, true)
        .expect("fixture decodes")
        .text;
    let rel = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    let expects = match parse_expectations(&text) {
        Ok(e) => e,
        Err(e) => return vec![format!("{rel}: {e}")],
    };
    let blanked = common::blank_annotations(&bytes);
    let display = display_path(path);
    let seen = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        findings_detail(engine, pf, path, &display, &blanked)
    })) {
        Ok(seen) => seen,
        Err(_) => return vec![format!("{rel}: the scan panicked")],
    };
    let matches = |e: &Expect, f: &SeenFinding, c: &str| {
        e.line == f.line && f.category == c && (e.rules.is_empty() || e.rules.contains(&f.rule))
    };
    let mut problems = Vec::new();
    for f in &seen {
        let hits: Vec<&Expect> = expects
            .iter()
            .filter(|e| e.categories.contains(&f.category) && matches(e, f, &f.category))
            .collect();
        if hits.is_empty() {
            problems.push(format!(
                "{rel}:{}: unexpected [{}] {}{}",
                f.line,
                f.category,
                f.rule,
                f.opt_in
                    .as_deref()
                    .map(|o| format!(" (opt-in={o})"))
                    .unwrap_or_default()
            ));
        } else if !hits.iter().any(|e| e.opt_in.accepts(f.opt_in.as_deref())) {
            problems.push(format!(
                "{rel}:{}: [{}] {} is {}, the annotation on line {} says {}",
                f.line,
                f.category,
                f.rule,
                f.opt_in
                    .as_deref()
                    .map_or_else(|| "not an opt-in".to_string(), |o| format!("opt-in={o}")),
                hits[0].at,
                hits[0].opt_in
            ));
        }
    }
    for e in &expects {
        for c in &e.categories {
            if !seen.iter().any(|f| matches(e, f, c)) {
                problems.push(format!(
                    "{rel}:{}: expected [{c}] {} (annotation on line {}) not reported",
                    e.line,
                    e.rules.join(" "),
                    e.at
                ));
            }
        }
    }
    problems
}

/// Known tool defects: a fixture's annotation says what is right (DETECTION.md), the tool
/// does otherwise. Each entry is the exact problem line the harness reports, with why the
/// tool is wrong. The test fails when a listed defect no longer occurs (remove it then),
/// so this list is always the current set of known wrong answers, never a way to make a
/// fixture agree with the tool.
const KNOWN_DEFECTS: &[(&str, &str)] = &[];

#[test]
fn fixtures_match_their_annotations() {
    let engine = engine();
    let pf = prefilter(&engine);
    let dir = root().join("fixtures");
    let files: Vec<_> = files_below(&dir)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    assert!(!files.is_empty(), "no fixtures found");
    let mut problems = Vec::new();
    for f in &files {
        problems.extend(check_file(&engine, &pf, f));
    }
    for (defect, why) in KNOWN_DEFECTS {
        match problems.iter().position(|p| p == defect) {
            Some(i) => {
                problems.remove(i);
            }
            None => problems.push(format!(
                "known defect no longer occurs (remove it from KNOWN_DEFECTS): {defect} ({why})"
            )),
        }
    }
    assert!(
        problems.is_empty(),
        "{} fixture problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_rule_has_a_fixture_finding() {
    let engine = engine();
    let pf = prefilter(&engine);
    let mut fired: BTreeSet<String> = BTreeSet::new();
    for f in files_below(&root().join("fixtures")) {
        let bytes = common::blank_annotations(&std::fs::read(&f).expect("read fixture"));
        for (_, _, rule) in findings_for(&engine, &pf, &f, &bytes) {
            fired.insert(rule);
        }
    }
    let missing: Vec<&str> = engine
        .rules
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !fired.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a fixture finding: {missing:?}"
    );
}

#[test]
fn annotation_parser() {
    let text = "a\n; tlslint-expect: [revocation] some-rule\n; tlslint-expect: [legacy-protocol]\nvalue\nx # tlslint-expect: [cert-validation]\n<!-- tlslint-expect(+2): [insecure-redirect] -->\n\ny\n";
    let e = parse_expectations(text).unwrap();
    assert_eq!(e.len(), 4);
    assert_eq!(
        (e[0].line, e[0].rules.clone()),
        (4, vec!["some-rule".to_string()])
    );
    assert_eq!(e[1].line, 4);
    assert_eq!(e[2].line, 5);
    assert_eq!(e[3].line, 8);
    assert!(e[3].categories.contains("insecure-redirect"));
    assert!(parse_expectations("x # tlslint-expect: [bogus]\n").is_err());
    // Without `opt-in` a finding must not be an opt-in; `opt-in` and `opt-in=NAME` say it must.
    assert_eq!(e[0].opt_in, OptIn::No);
    let o = parse_expectations(
        "a // tlslint-expect: [cert-validation] curl-verify-host-disabled opt-in because\nb // tlslint-expect: [cert-validation] opt-in=config->insecure_ok\nc // tlslint-expect: [cert-validation] opt-in= x\n",
    );
    assert!(o.is_err(), "`opt-in=` without a name is an error");
    let o = parse_expectations(
        "a // tlslint-expect: [cert-validation] curl-verify-host-disabled opt-in because\nb // tlslint-expect: [cert-validation] opt-in=config.insecure_ok\n",
    )
    .unwrap();
    assert_eq!(o[0].rules, vec!["curl-verify-host-disabled".to_string()]);
    assert_eq!(o[0].opt_in, OptIn::Any);
    assert!(o[0].opt_in.accepts(Some("insecure")));
    assert!(!o[0].opt_in.accepts(None));
    assert_eq!(o[1].opt_in, OptIn::Named("config.insecure_ok".into()));
    assert!(o[1].opt_in.accepts(Some("config.insecure_ok")));
    assert!(!o[1].opt_in.accepts(Some("insecure")));
    assert!(OptIn::No.accepts(None) && !OptIn::No.accepts(Some("verify")));
}

/// Fixtures are classified by their path below `fixtures/`, not as tests because the
/// folder holding them is called `fixtures`.
#[test]
fn fixtures_are_classified_below_the_fixtures_folder() {
    use tlslint::context::{Context, by_path};
    let d = display_path(
        &root()
            .join("fixtures")
            .join("go")
            .join("exporter_client.go"),
    );
    assert_eq!(d, "go/exporter_client.go");
    assert_eq!(by_path(&d), Context::Product);
    let t = display_path(
        &root()
            .join("fixtures")
            .join("go")
            .join("relay_config_test.go"),
    );
    assert_eq!(by_path(&t), Context::Test);
}
