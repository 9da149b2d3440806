//! Every rule's `[[example]]` entries hold: an example that expects categories produces
//! exactly those categories from that rule, and a look-alike produces nothing from it.
//! The rule files and their examples cannot drift apart (as gitleaks validates its rules).

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use tlslint::format::FileFormat;

/// A file name that classifies as `format`.
fn name_for(format: &str) -> PathBuf {
    let f = FileFormat::from_name(format).expect("known format");
    PathBuf::from(match f {
        FileFormat::Reg => "example.reg",
        FileFormat::Cmd => "example.cmd",
        FileFormat::PowerShell => "example.ps1",
        FileFormat::DotNetConfig => "web.config",
        FileFormat::GppRegistry => "Registry.xml",
        FileFormat::Xml => "example.xml",
        FileFormat::Yaml => "example.yml",
        FileFormat::C => "example.c",
        FileFormat::CSharp => "Example.cs",
        FileFormat::Java => "Example.java",
        FileFormat::Go => "example.go",
        FileFormat::Rust => "example.rs",
        FileFormat::Python => "example.py",
        FileFormat::JavaScript => "example.js",
        FileFormat::Shell => "example.sh",
        FileFormat::Dockerfile => "Dockerfile",
        FileFormat::GitConfig => ".gitconfig",
        FileFormat::Npmrc => ".npmrc",
        FileFormat::Curlrc => ".curlrc",
        FileFormat::Wgetrc => ".wgetrc",
        FileFormat::PipConf => "pip.conf",
        FileFormat::Terraform => "main.tf",
        FileFormat::Documentation => "README.md",
    })
}

#[test]
fn rule_examples_hold() {
    let engine = common::engine();
    let pf = common::prefilter(&engine);
    let mut problems = Vec::new();
    let mut count = 0;
    for rule in &engine.rules.rules {
        if rule.examples.iter().all(|e| e.expect.is_empty()) {
            problems.push(format!(
                "{}: no example that must produce a finding",
                rule.id
            ));
        }
        if rule.examples.iter().all(|e| !e.expect.is_empty()) {
            problems.push(format!(
                "{}: no look-alike example that must stay silent",
                rule.id
            ));
        }
        for (i, ex) in rule.examples.iter().enumerate() {
            count += 1;
            let path = name_for(&ex.format);
            let got: BTreeSet<String> =
                common::findings_for(&engine, &pf, &path, ex.code.as_bytes())
                    .into_iter()
                    .filter(|(_, _, r)| *r == rule.id)
                    .map(|(_, c, _)| c)
                    .collect();
            let want: BTreeSet<String> = ex.expect.iter().map(|c| c.as_str().to_string()).collect();
            if got != want {
                problems.push(format!(
                    "{} example #{}: expected {want:?}, got {got:?}",
                    rule.id,
                    i + 1
                ));
            }
        }
    }
    assert!(count > 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
