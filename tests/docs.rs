//! `docs/rules.md` is generated from the rules; this fails when it is stale.
//! Regenerate with `cargo run -- rules --format markdown > docs/rules.md`
//! (or run this test with `TLSLINT_UPDATE_DOCS=1`).

mod common;

#[test]
fn rules_md_is_up_to_date() {
    let rules = tlslint::rules::RuleSet::builtin().expect("rules");
    let want = format!("{}\n", tlslint::docs::rules_markdown(&rules));
    let path = common::root().join("docs/rules.md");
    if std::env::var_os("TLSLINT_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).expect("write docs/rules.md");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have.replace("\r\n", "\n") == want,
        "docs/rules.md is stale: run `cargo run -- rules --format markdown > docs/rules.md`"
    );
}

#[test]
fn explain_has_the_fixed_headings_for_every_rule() {
    let rules = tlslint::rules::RuleSet::builtin().expect("rules");
    for r in &rules.rules {
        let md = tlslint::docs::rule_markdown(&rules, r, 1);
        for h in [
            "## What it does",
            "## Why is this dangerous?",
            "## Example",
            "## Use instead",
        ] {
            assert!(md.contains(h), "{}: no `{h}`", r.id);
        }
        assert!(
            !r.references.is_empty() && md.contains("## References"),
            "{}: no references",
            r.id
        );
        assert!(!r.fix.trim().is_empty(), "{}: no fix advice", r.id);
    }
}
