//! SARIF 2.1.0 for GitHub code scanning.
//!
//! What GitHub needs (and `shared/tools/sarif-validate` checks): a rule entry per rule
//! that ran, with help text, `security` and CWE tags and a `security-severity`;
//! relative URIs under `%SRCROOT%`; full regions; `partialFingerprints` that survive
//! unrelated edits; `fixes` where a finding has one; `automationDetails.id`.

use super::{Located, locate_all, locate_edit};
use crate::diagnostic::Severity;
use crate::engine::Engine;
use crate::rules::Rule;
use crate::scan::Outcome;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{self, Write};

/// Where the project lives (SARIF `informationUri`).
pub const INFORMATION_URI: &str = "https://github.com/tlslint/tlslint";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// `arr-secure-connection-ignore-flags` -> `ArrSecureConnectionIgnoreFlags`.
pub fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Percent-encodes a relative path for a URI (keeps unreserved characters and `/`).
pub fn uri_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The rule's help as Markdown: description, fix, references.
pub fn help_markdown(rule: &Rule) -> String {
    let mut s = String::new();
    s.push_str(&rule.description);
    s.push_str("\n\n**How to fix:** ");
    s.push_str(&rule.fix);
    if !rule.references.is_empty() {
        s.push_str("\n\n**References:**\n");
        for r in &rule.references {
            s.push_str(&format!("- <{r}>\n"));
        }
    }
    s
}

fn help_text(rule: &Rule) -> String {
    let mut s = format!("{}\n\nHow to fix: {}", rule.description, rule.fix);
    if !rule.references.is_empty() {
        s.push_str("\n\nReferences:\n");
        for r in &rule.references {
            s.push_str(&format!("- {r}\n"));
        }
    }
    s
}

/// The documentation of a built-in rule: its section of `docs/rules.md` at the release
/// tag of this version (`None` for an organization's own rules from `.tlslint.toml`).
pub fn help_uri(rule: &Rule) -> Option<String> {
    if rule.origin.contains("[[rules]]") {
        return None;
    }
    Some(format!(
        "{INFORMATION_URI}/blob/v{}/docs/rules.md#{}",
        env!("CARGO_PKG_VERSION"),
        rule.id
    ))
}

fn rule_json(rule: &Rule) -> Value {
    // Suppression findings are about comments, not security: no `security` tag, CWE or
    // security-severity, so code scanning files them as ordinary alerts.
    let security = !rule
        .categories
        .contains(&crate::diagnostic::Category::Suppression);
    let mut tags = Vec::new();
    if security {
        tags.push("security".to_string());
    }
    for c in &rule.cwe {
        tags.push(format!("external/cwe/cwe-{c}"));
    }
    for c in &rule.categories {
        tags.push(c.as_str().to_string());
    }
    let mut properties = json!({
        "tags": tags,
        "precision": "high",
        "problem.severity": level(rule.severity),
    });
    if security {
        properties["security-severity"] = json!(format!("{:.1}", rule.security_severity()));
    }
    let mut r = json!({
        "id": rule.id,
        "name": pascal(&rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": first_paragraph(&rule.description)},
        "help": {"text": help_text(rule), "markdown": help_markdown(rule)},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": properties,
    });
    if let Some(uri) = help_uri(rule) {
        r["helpUri"] = json!(uri);
    }
    r
}

fn first_paragraph(s: &str) -> String {
    s.split("\n\n")
        .next()
        .unwrap_or(s)
        .replace('\n', " ")
        .trim()
        .to_string()
}

fn region(start: crate::source::Position, end: crate::source::Position) -> Value {
    let end_column = if end.line == start.line && end.column <= start.column {
        start.column + 1
    } else {
        end.column
    };
    json!({"startLine": start.line, "startColumn": start.column, "endLine": end.line.max(start.line), "endColumn": end_column})
}

fn result_json(l: &Located<'_>, engine: &Engine, rule_index: usize) -> Value {
    let f = l.finding;
    let rule = &engine.rules.rules[f.rule];
    let uri = uri_encode(&super::repo_path(l.file));
    let mut reg = region(l.start, l.end);
    reg["snippet"] = json!({"text": l.snippet});
    let mut r = json!({
        "ruleId": rule.id,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                "region": reg,
            }
        }],
        "partialFingerprints": {"tlslintFingerprint/v1": l.fingerprint},
        "properties": {"category": f.category.as_str(), "context": l.file.context.as_str()},
    });
    // Tags code scanning can filter on: the file's context, and `opt-in` for a setting
    // that only an option turns on.
    let mut tags = vec![format!("context:{}", l.file.context.as_str())];
    if let Some(opt) = &f.opt_in {
        tags.push("opt-in".to_string());
        r["properties"]["opt-in"] = json!(opt);
    }
    r["properties"]["tags"] = json!(tags);
    // Where the value lands, and the statements it passed through (GitHub shows code
    // flows as the alert's path).
    if let Some(sink) = &f.sink {
        let s = l.file.index.position(&l.file.text, sink.span.start);
        let e = l.file.index.position(&l.file.text, sink.span.end);
        r["relatedLocations"] = json!([{
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                "region": region(s, e),
            },
            "message": {"text": format!("the value takes effect here: {}", sink.text)},
        }]);
    }
    if f.path.len() >= 2 {
        let locs: Vec<Value> = f
            .path
            .iter()
            .map(|step| {
                let s = l.file.index.position(&l.file.text, step.span.start);
                let e = l.file.index.position(&l.file.text, step.span.end);
                json!({"location": {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                        "region": region(s, e),
                    },
                    "message": {"text": step.text},
                }})
            })
            .collect();
        r["codeFlows"] = json!([{"threadFlows": [{"locations": locs}]}]);
    }
    if let Some(fix) = &f.fix {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                let le = locate_edit(l.file, e);
                let deleted = json!({"startLine": le.start.line, "startColumn": le.start.column, "endLine": le.end.line, "endColumn": le.end.column});
                json!({"deletedRegion": deleted, "insertedContent": {"text": le.text}})
            })
            .collect();
        r["fixes"] = json!([{
            "description": {"text": fix.description},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri_encode(&super::repo_path(l.file)), "uriBaseId": "%SRCROOT%"},
                "replacements": replacements,
            }]
        }]);
    }
    r
}

/// Writes the SARIF log.
pub fn write(outcome: &Outcome, engine: &Engine, w: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<(usize, &Rule)> = engine
        .rules
        .rules
        .iter()
        .enumerate()
        .filter(|(i, _)| engine.is_enabled(*i))
        .collect();
    let index: HashMap<usize, usize> = rules
        .iter()
        .enumerate()
        .map(|(pos, (i, _))| (*i, pos))
        .collect();
    let located = locate_all(outcome, engine);
    let results: Vec<Value> = located
        .iter()
        .map(|l| result_json(l, engine, index.get(&l.finding.rule).copied().unwrap_or(0)))
        .collect();
    let notifications: Vec<Value> = outcome
        .problems
        .iter()
        .map(|p| {
            json!({
                "level": if p.is_error { "warning" } else { "note" },
                "message": {"text": format!("{}: {}", p.path, p.message)},
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tlslint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules.iter().map(|(_, r)| rule_json(r)).collect::<Vec<_>>(),
            }},
            "automationDetails": {"id": "tlslint/"},
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": outcome.stats.named_errors == 0,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *w, &log).map_err(io::Error::from)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(
            pascal("arr-secure-connection-ignore-flags"),
            "ArrSecureConnectionIgnoreFlags"
        );
        assert_eq!(
            uri_encode("gpp/Policies/{0BEB}/a b.xml"),
            "gpp/Policies/%7B0BEB%7D/a%20b.xml"
        );
        assert_eq!(uri_encode("\u{c5}.reg"), "%C3%85.reg");
    }
}
