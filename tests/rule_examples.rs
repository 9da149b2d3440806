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
        FileFormat::Nginx => "nginx.conf",
        FileFormat::Apache => "httpd.conf",
        FileFormat::HaProxy => "haproxy.cfg",
        FileFormat::Mosquitto => "mosquitto.conf",
        FileFormat::OpenSslConf => "openssl.cnf",
        FileFormat::JavaProperties => "example.properties",
        FileFormat::Bicep => "main.bicep",
        FileFormat::Json => "example.json",
        FileFormat::Toml => "config.toml",
        FileFormat::FirefoxPrefs => "user.js",
        FileFormat::AnsibleInventory => "hosts",
        FileFormat::RegistryPol => "Registry.pol",
        FileFormat::SecurityTemplate => "GptTmpl.inf",
        FileFormat::InnoSetup => "setup.iss",
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

/// The prefilter only lets a file through when it holds one of a rule's keywords, so
/// every matcher must name something that contains a keyword: the command (`curl`), or
/// the last segment of each setting key, option or registry value name. A matcher that
/// does not would silently never fire on a file without other triggers.
#[test]
fn every_matcher_is_reachable_through_the_prefilter() {
    use tlslint::rules::Matcher;
    let engine = common::engine();
    let mut problems = Vec::new();
    for rule in &engine.rules.rules {
        let kws: Vec<String> = rule
            .keywords
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .collect();
        let covered = |s: &str| {
            let s = s.to_ascii_lowercase();
            kws.iter().any(|k| s.contains(k.as_str()))
        };
        let last = |s: &str| {
            s.rsplit(['.', '\\', '/'])
                .find(|seg| !seg.trim_matches('*').is_empty())
                .unwrap_or(s)
                .trim_matches('*')
                .to_string()
        };
        for m in &rule.matchers {
            match m {
                Matcher::Option(o) => {
                    if o.commands.iter().all(|c| c != "*" && covered(c)) {
                        continue;
                    }
                    for opt in &o.options {
                        if !covered(opt) {
                            problems.push(format!("{}: option `{opt}` has no keyword", rule.id));
                        }
                    }
                }
                Matcher::Setting(s) => {
                    // A file must hold one of the matched values anyway.
                    let values_covered = matches!(
                        s.when,
                        tlslint::rules::value::When::Equals | tlslint::rules::value::When::Contains
                    ) && s.values.iter().all(|v| covered(v));
                    // Keys that are names written as one word, dots included
                    // (`security.tls.version.min`, `jdk.tls.disabledAlgorithms`); in JSON
                    // and Bicep paths, the member name after the last `*`.
                    let whole = matches!(
                        s.domain.as_str(),
                        "firefox-pref" | "java-properties" | "jvm-property"
                    );
                    for k in &s.key_text {
                        // `ssl` is reached through the `ssl=False` keyword.
                        let spelled = kws
                            .iter()
                            .any(|kw| kw.starts_with(&last(k).to_ascii_lowercase()));
                        let member = k.rsplit('*').next().unwrap_or(k);
                        let named = (whole && covered(k))
                            || (matches!(s.domain.as_str(), "json" | "bicep")
                                && member.contains('.')
                                && covered(member));
                        if !covered(&last(k)) && !values_covered && !spelled && !named {
                            problems.push(format!(
                                "{}: {} key `{k}` has no keyword",
                                rule.id, s.domain
                            ));
                        }
                    }
                }
                Matcher::Registry(r) => {
                    if !covered(&r.value_name) && !r.key_text.iter().all(|k| covered(k)) {
                        problems.push(format!(
                            "{}: registry value `{}` has no keyword",
                            rule.id, r.value_name
                        ));
                    }
                }
                // Tables are checked below, against all the rules that read them.
                Matcher::Flags { .. } => {}
                Matcher::Construct { .. } => {}
            }
        }
    }
    // Flag tables: every dangerous constant, API taking numbers and typed member must
    // hold a keyword of some rule that reads the table.
    for (ti, t) in engine.rules.tables.iter().enumerate() {
        let kws: Vec<String> = engine
            .rules
            .rules
            .iter()
            .filter(|r| {
                r.matchers
                    .iter()
                    .any(|m| matches!(m, Matcher::Flags { table, .. } if *table == ti))
            })
            .flat_map(|r| r.keywords.iter().map(|k| k.to_ascii_lowercase()))
            .collect();
        let covered = |s: &str| {
            let s = s.to_ascii_lowercase();
            kws.iter().any(|k| s.contains(k.as_str()))
        };
        for e in &t.entries {
            if !t.categories_of(e).is_empty() && !e.names.iter().any(|n| covered(n)) {
                problems.push(format!("{}: entry `{}` has no keyword", t.id, e.names[0]));
            }
        }
        for sink in t.sinks.iter().filter(|s| !s.names_only) {
            if !covered(&sink.call) && !sink.option.as_deref().is_some_and(covered) {
                problems.push(format!("{}: sink `{}` has no keyword", t.id, sink.call));
            }
        }
        for target in &t.targets {
            if !covered(target) {
                problems.push(format!("{}: target `{target}` has no keyword", t.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Code files go straight to their language's keywords (the second stage) on their bytes
/// when they are 8-bit text; UTF-16 code takes the first stage and is decoded first. Both
/// find the same setting, and a file that only reads the key is not analyzed.
#[test]
fn code_files_pass_the_second_stage_in_any_encoding() {
    let engine = common::engine();
    let pf = common::prefilter(&engine);
    let code = "import requests\n\nr = requests.get(url, verify   = False)\n";
    let path = std::path::Path::new("client.py");
    let utf8 = common::findings_for(&engine, &pf, path, code.as_bytes());
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(code.encode_utf16().flat_map(u16::to_le_bytes));
    let wide = common::findings_for(&engine, &pf, path, &utf16);
    assert_eq!(utf8.len(), 1, "{utf8:?}");
    assert_eq!(utf8, wide);
    let checker = tlslint::scan::Checker {
        engine: &engine,
        prefilter: Some(&pf),
        unused_suppressions: false,
        pool: None,
    };
    let read_only = b"def check(session):\n    if session.verify and ok:\n        return 1\n";
    assert!(matches!(
        checker.check(path, "client.py", read_only, false),
        tlslint::scan::Checked::Clean { analyzed: false }
    ));
}
