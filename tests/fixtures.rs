//! Runs every fixture under `fixtures/` through the real pipeline and compares the
//! findings with the file's inline `tlslint-expect` annotations (fixtures/README.md).
//! Every finding must be expected and every expectation met; unannotated lines are
//! implicit negatives.

mod common;

use common::{
    Expect, Seen, engine, files_below, findings_for, parse_expectations, prefilter, root,
};
use std::collections::BTreeSet;

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
    let seen = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        findings_for(engine, pf, path, &blanked)
    })) {
        Ok(seen) => seen,
        Err(_) => return vec![format!("{rel}: the scan panicked")],
    };
    let mut problems = Vec::new();
    for (line, cat, rule) in &seen {
        let hit = expects.iter().position(|e: &Expect| {
            e.line == *line
                && e.categories.contains(cat)
                && (e.rules.is_empty() || e.rules.contains(rule))
        });
        if hit.is_none() {
            problems.push(format!("{rel}:{line}: unexpected [{cat}] {rule}"));
        }
    }
    for e in &expects {
        for c in &e.categories {
            let found = seen.iter().any(|(l, cat, rule): &Seen| {
                *l == e.line && cat == c && (e.rules.is_empty() || e.rules.contains(rule))
            });
            if !found {
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
}
