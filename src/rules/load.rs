//! Loading and validating rule files and flag tables.
//!
//! Rule files are strict: unknown keys, unknown categories, unknown tables, construct
//! names or setting domains, key patterns without a hive, and ids that differ from the
//! file stem are errors naming the file (and the line, where TOML knows it). The same
//! loader reads the extra registry rules of a `.tlslint.toml`.

use super::{
    Example, Matcher, OptionMatcher, RegistryMatcher, Rule, SettingMatcher, registry,
    tables::FlagTable,
};
use crate::diagnostic::{Category, Severity};
use crate::facts::{CONSTRUCTS, DOMAINS};
use crate::fixes::{FixSpec, FixWord};
use crate::format::FileFormat;
use crate::rules::value::When;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// A rule or table file that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct LoadError {
    /// The file (`registry/x.toml`, or a config path).
    pub origin: String,
    /// What is wrong, with the line when known.
    pub message: String,
}

fn err(origin: &str, message: impl Into<String>) -> LoadError {
    LoadError {
        origin: origin.to_string(),
        message: message.into(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    title: String,
    categories: Vec<Category>,
    severity: Severity,
    #[serde(default)]
    cwe: Vec<u32>,
    description: String,
    fix: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    message: String,
    #[serde(default)]
    messages: BTreeMap<Category, String>,
    #[serde(default, rename = "match")]
    matchers: Vec<MatcherSpec>,
    #[serde(default, rename = "example")]
    examples: Vec<ExampleSpec>,
    #[serde(default)]
    example_bad: Option<String>,
    #[serde(default)]
    example_good: Option<String>,
}

/// The matcher kinds as written in rule files.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) enum MatcherSpec {
    Registry {
        keys: Vec<String>,
        value: String,
        #[serde(default)]
        when: When,
        #[serde(default)]
        values: Vec<String>,
        #[serde(default)]
        category: Option<Category>,
        #[serde(default)]
        table: Option<String>,
        #[serde(default)]
        fix: Option<FixSpec>,
    },
    Flags {
        table: String,
        #[serde(default)]
        fix: Option<FixSpec>,
    },
    Option {
        commands: Vec<String>,
        options: Vec<String>,
        #[serde(default)]
        ignore_case: bool,
        #[serde(default)]
        bundle: Option<String>,
        #[serde(default)]
        takes_value: bool,
        #[serde(default)]
        when: When,
        #[serde(default)]
        values: Vec<String>,
        #[serde(default)]
        fix: Option<FixSpec>,
    },
    Setting {
        domain: String,
        keys: Vec<String>,
        #[serde(default)]
        when: When,
        #[serde(default)]
        values: Vec<String>,
        #[serde(default)]
        fix: Option<FixSpec>,
        #[serde(default)]
        positions: Vec<String>,
        #[serde(default)]
        types: Vec<String>,
    },
    Construct {
        construct: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExampleSpec {
    format: String,
    code: String,
    #[serde(default)]
    expect: Vec<Category>,
}

/// All rules and flag tables.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// Rules in id order.
    pub rules: Vec<Rule>,
    /// Flag tables in id order.
    pub tables: Vec<FlagTable>,
    /// Value-flow data (`flow/flow.toml`).
    pub flow: crate::ir::flow::FlowConfig,
    /// Other tools' suppression markers (`foreign/markers.toml`).
    pub foreign: crate::foreign::MarkerTable,
    by_id: HashMap<String, usize>,
}

impl RuleSet {
    /// The rules and tables built into the binary.
    pub fn builtin() -> Result<RuleSet, LoadError> {
        let files: Vec<(String, String)> = super::embedded::RULE_FILES
            .iter()
            .map(|(p, t)| ((*p).to_string(), (*t).to_string()))
            .collect();
        RuleSet::from_files(&files)
    }

    /// Loads rules and tables from `(relative path, contents)` pairs; paths under
    /// `tables/` are flag tables.
    pub fn from_files(files: &[(String, String)]) -> Result<RuleSet, LoadError> {
        let mut tables = Vec::new();
        for (path, text) in files.iter().filter(|(p, _)| p.starts_with("tables/")) {
            let t: FlagTable = toml::from_str(text).map_err(|e| err(path, e.to_string()))?;
            check_stem(path, &t.id)?;
            if t.entries.is_empty() {
                return Err(err(path, "a table needs at least one [[flag]]"));
            }
            tables.push(t);
        }
        tables.sort_by(|a, b| a.id.cmp(&b.id));
        let mut flow = crate::ir::flow::FlowConfig::default();
        for (path, text) in files.iter().filter(|(p, _)| p.starts_with("flow/")) {
            flow = toml::from_str(text).map_err(|e| err(path, e.to_string()))?;
        }
        let mut foreign = crate::foreign::MarkerTable::default();
        for (path, text) in files.iter().filter(|(p, _)| p.starts_with("foreign/")) {
            foreign = toml::from_str(text).map_err(|e| err(path, e.to_string()))?;
        }
        let mut set = RuleSet {
            rules: Vec::new(),
            tables,
            flow,
            foreign,
            by_id: HashMap::new(),
        };
        for (path, text) in files.iter().filter(|(p, _)| {
            !p.starts_with("tables/") && !p.starts_with("flow/") && !p.starts_with("foreign/")
        }) {
            let rule = set.parse_rule(path, text)?;
            set.push_rule(rule)?;
        }
        set.rules.sort_by(|a, b| a.id.cmp(&b.id));
        set.reindex();
        Ok(set)
    }

    /// Adds rules from extra files (a `.tlslint.toml`'s own registry rules).
    pub fn extend(&mut self, origin: &str, text: &str) -> Result<(), LoadError> {
        let rule = self.parse_rule_unchecked_stem(origin, text)?;
        self.push_rule(rule)?;
        self.rules.sort_by(|a, b| a.id.cmp(&b.id));
        self.reindex();
        Ok(())
    }

    fn reindex(&mut self) {
        self.by_id = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
    }

    fn push_rule(&mut self, rule: Rule) -> Result<(), LoadError> {
        if self.rules.iter().any(|r| r.id == rule.id) {
            return Err(err(
                &rule.origin,
                format!("duplicate rule id `{}`", rule.id),
            ));
        }
        self.rules.push(rule);
        Ok(())
    }

    /// Index of a rule by id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// A rule by id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.index_of(id).map(|i| &self.rules[i])
    }

    /// A table by id.
    pub fn table(&self, id: &str) -> Option<&FlagTable> {
        self.tables.iter().find(|t| t.id == id)
    }

    fn parse_rule(&self, path: &str, text: &str) -> Result<Rule, LoadError> {
        let rule = self.parse_rule_unchecked_stem(path, text)?;
        check_stem(path, &rule.id)?;
        Ok(rule)
    }

    fn parse_rule_unchecked_stem(&self, path: &str, text: &str) -> Result<Rule, LoadError> {
        let f: RuleFile = toml::from_str(text).map_err(|e| err(path, e.to_string()))?;
        self.compile(path, f)
    }

    fn compile(&self, path: &str, f: RuleFile) -> Result<Rule, LoadError> {
        if !is_kebab(&f.id) {
            return Err(err(path, format!("rule id `{}` must be kebab-case", f.id)));
        }
        if f.categories.is_empty() {
            return Err(err(path, "`categories` must name at least one category"));
        }
        // Suppression rules are reported by the suppression pass (src/suppress.rs), not by
        // matchers; they are the only rules without one.
        let suppression_rule = f.categories == [Category::Suppression];
        if f.matchers.is_empty() && !suppression_rule {
            return Err(err(path, "a rule needs at least one [[match]]"));
        }
        if suppression_rule && !f.matchers.is_empty() {
            return Err(err(path, "a suppression rule has no [[match]]"));
        }
        if !suppression_rule && f.categories.contains(&Category::Suppression) {
            return Err(err(
                path,
                "`suppression` is the category of the suppression rules only",
            ));
        }
        let mut matchers = Vec::new();
        for m in f.matchers {
            matchers.push(self.compile_matcher(path, m)?);
        }
        let mut examples = Vec::new();
        for e in f.examples {
            if FileFormat::from_name(&e.format).is_none() {
                return Err(err(
                    path,
                    format!("example format `{}` is unknown", e.format),
                ));
            }
            if let Some(c) = e.expect.iter().find(|c| !f.categories.contains(c)) {
                return Err(err(
                    path,
                    format!("example expects `{c}`, which is not in the rule's categories"),
                ));
            }
            examples.push(Example {
                format: e.format,
                code: e.code,
                expect: e.expect,
            });
        }
        let mut cwe = f.cwe;
        if cwe.is_empty() {
            cwe = f
                .categories
                .iter()
                .map(|c| c.cwe())
                .filter(|&c| c != 0)
                .collect();
            cwe.dedup();
        }
        // PowerShell takes unambiguous prefixes of parameter names (`-SkipCert`): the
        // shortest prefix the engine accepts (six letters) is a keyword too.
        let mut keywords = f.keywords;
        for m in &matchers {
            if let super::Matcher::Option(o) = m {
                for opt in o.options.iter().filter(|_| o.ignore_case) {
                    if opt.starts_with('-') && !opt.starts_with("--") && opt.len() > 7 {
                        let short = opt[1..7].to_string();
                        if !keywords.iter().any(|k| k.eq_ignore_ascii_case(&short)) {
                            keywords.push(short);
                        }
                    }
                }
            }
        }
        Ok(Rule {
            id: f.id,
            title: f.title,
            categories: f.categories,
            severity: f.severity,
            cwe,
            description: f.description,
            fix: f.fix,
            references: f.references,
            keywords,
            message: f.message,
            messages: f.messages,
            matchers,
            examples,
            origin: path.to_string(),
            example_bad: f.example_bad,
            example_good: f.example_good,
        })
    }

    fn table_index(&self, path: &str, id: &str) -> Result<usize, LoadError> {
        super::find_table(&self.tables, id)
            .map(|(i, _)| i)
            .ok_or_else(|| {
                let known: Vec<&str> = self.tables.iter().map(|t| t.id.as_str()).collect();
                err(
                    path,
                    format!("unknown table `{id}` (known: {})", known.join(", ")),
                )
            })
    }

    pub(crate) fn compile_matcher(&self, path: &str, m: MatcherSpec) -> Result<Matcher, LoadError> {
        Ok(match m {
            MatcherSpec::Registry {
                keys,
                value,
                when,
                values,
                category,
                table,
                fix,
            } => {
                if keys.is_empty() {
                    return Err(err(path, "a registry matcher needs `keys`"));
                }
                let mut res = Vec::new();
                for k in &keys {
                    res.push(registry::key_pattern_regex(k).map_err(|e| err(path, e))?);
                }
                let table = table.map(|t| self.table_index(path, &t)).transpose()?;
                if category.is_none() && table.is_none() {
                    return Err(err(
                        path,
                        "a registry matcher needs a `category`, a `table`, or both",
                    ));
                }
                check_values(path, when, &values)?;
                if matches!(fix, Some(FixSpec::Clear { .. })) && table.is_none() {
                    return Err(err(
                        path,
                        "`fix = { clear = ... }` needs the matcher's `table`",
                    ));
                }
                if matches!(fix, Some(FixSpec::Word(FixWord::Remove | FixWord::Negate))) {
                    return Err(err(
                        path,
                        "a registry fix is `\"delete\"`, `{ set = N }` or `{ clear = CATEGORY }`",
                    ));
                }
                Matcher::Registry(RegistryMatcher {
                    keys: res,
                    key_text: keys,
                    value_name: value,
                    when,
                    values,
                    category,
                    table,
                    fix,
                })
            }
            MatcherSpec::Flags { table, fix } => Matcher::Flags {
                table: self.table_index(path, &table)?,
                fix,
            },
            MatcherSpec::Option {
                commands,
                options,
                ignore_case,
                bundle,
                takes_value,
                when,
                values,
                fix,
            } => {
                if commands.is_empty() || options.is_empty() {
                    return Err(err(
                        path,
                        "an option matcher needs `commands` and `options`",
                    ));
                }
                check_values(path, when, &values)?;
                let commands = commands.iter().map(|c| c.to_ascii_lowercase()).collect();
                Matcher::Option(OptionMatcher {
                    commands,
                    options,
                    ignore_case,
                    bundle,
                    takes_value,
                    when,
                    values,
                    fix,
                })
            }
            MatcherSpec::Setting {
                domain,
                keys,
                when,
                values,
                fix,
                positions,
                types,
            } => {
                let mut pos = Vec::new();
                for p in &positions {
                    pos.push(crate::facts::Position::parse(p).ok_or_else(|| {
                        err(
                            path,
                            format!(
                                "unknown position `{p}` (known: argument, field, key, member, setter, call)"
                            ),
                        )
                    })?);
                }
                let mut type_globs = Vec::new();
                for t in &types {
                    let g = globset::GlobBuilder::new(&t.to_ascii_lowercase())
                        .literal_separator(false)
                        .build()
                        .map_err(|e| err(path, format!("bad type glob `{t}`: {e}")))?;
                    type_globs.push(g.compile_matcher());
                }
                if !DOMAINS.contains(&domain.as_str()) {
                    return Err(err(
                        path,
                        format!(
                            "unknown setting domain `{domain}` (known: {})",
                            DOMAINS.join(", ")
                        ),
                    ));
                }
                let mut globs = Vec::new();
                for k in &keys {
                    let g = globset::GlobBuilder::new(&k.to_ascii_lowercase())
                        .literal_separator(false)
                        .build()
                        .map_err(|e| err(path, format!("bad key glob `{k}`: {e}")))?;
                    globs.push(g.compile_matcher());
                }
                check_values(path, when, &values)?;
                let key_suffix = keys.iter().map(|k| literal_suffix(k)).collect();
                Matcher::Setting(SettingMatcher {
                    domain,
                    keys: globs,
                    key_suffix,
                    key_text: keys,
                    when,
                    values,
                    fix,
                    positions: pos,
                    types: type_globs,
                    type_text: types,
                })
            }
            MatcherSpec::Construct { construct } => {
                if !CONSTRUCTS.contains(&construct.as_str()) {
                    return Err(err(
                        path,
                        format!(
                            "unknown construct `{construct}` (known: {})",
                            CONSTRUCTS.join(", ")
                        ),
                    ));
                }
                Matcher::Construct { name: construct }
            }
        })
    }
}

/// The literal end of a key glob (`*mintlsversion` -> `mintlsversion`), lower-case; empty
/// when it ends with glob syntax.
pub(crate) fn literal_suffix(glob: &str) -> String {
    let lower = glob.to_ascii_lowercase();
    let start = lower
        .rfind(['*', '?', '[', ']', '{', '}', '\\'])
        .map_or(0, |i| i + 1);
    lower[start..].to_string()
}

fn check_values(path: &str, when: When, values: &[String]) -> Result<(), LoadError> {
    if matches!(when, When::Equals | When::Contains | When::Lacks) && values.is_empty() {
        return Err(err(
            path,
            "`when = \"equals\"`, `\"contains\"` and `\"lacks\"` need `values`",
        ));
    }
    Ok(())
}

fn check_stem(path: &str, id: &str) -> Result<(), LoadError> {
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".toml");
    if stem != id {
        return Err(err(
            path,
            format!("id `{id}` must equal the file stem `{stem}`"),
        ));
    }
    Ok(())
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let set = RuleSet::builtin().expect("built-in rules load");
        assert!(!set.rules.is_empty());
        assert!(!set.tables.is_empty());
    }

    /// A table's fix replaces the last segment of the name as written
    /// (`SslVerifyMode::NONE` -> `SslVerifyMode::PEER`): the result must be a safe name the
    /// same table knows, in the same library's spelling, or the fix would not compile
    /// (`SslVerifyMode::SSL_VERIFY_PEER`, `MBEDTLS_SSL_VERIFY_NONE` -> `SSL_VERIFY_PEER`).
    #[test]
    fn every_table_fix_names_a_safe_constant_of_the_same_library() {
        let set = RuleSet::builtin().expect("built-in rules load");
        let mut wrong = Vec::new();
        for t in &set.tables {
            let safe: Vec<&str> = t
                .entries
                .iter()
                .filter(|f| f.category.is_none())
                .flat_map(|f| f.names.iter().map(String::as_str))
                .collect();
            for f in t.entries.iter().filter(|f| f.category.is_some()) {
                let Some(fix) = f.fix.as_deref() else {
                    continue;
                };
                if fix == "0" || fix == "0L" {
                    continue; // removed from the OR (`0L`: libcurl's options are longs)
                }
                for name in &f.names {
                    let fixed = match name.rsplit_once('.') {
                        Some((head, _)) => format!("{head}.{fix}"),
                        None => fix.to_string(),
                    };
                    if !safe.contains(&fixed.as_str()) {
                        wrong.push(format!("{}: {name} -> {fixed}", t.id));
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "fixes that name no safe constant:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let files = vec![(
            "registry/x.toml".to_string(),
            "id = \"x\"\nbogus = 1\n".to_string(),
        )];
        let e = RuleSet::from_files(&files).unwrap_err();
        assert!(e.to_string().contains("bogus"), "{e}");
    }

    #[test]
    fn stem_must_match() {
        let text = r#"
id = "y"
title = "t"
categories = ["revocation"]
severity = "warning"
description = "d"
fix = "f"
message = "m"
[[match]]
kind = "registry"
keys = ['HKLM\SOFTWARE\X']
value = "V"
category = "revocation"
"#;
        let files = vec![("registry/x.toml".to_string(), text.to_string())];
        let e = RuleSet::from_files(&files).unwrap_err();
        assert!(e.to_string().contains("file stem"), "{e}");
    }
}
