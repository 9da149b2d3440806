//! `.tlslint.toml`: project configuration, found upward from the scanned path (or named
//! with `--config`). Every key is checked: an unknown key or a bad value is an error that
//! names the file, the line, the key and the valid choices (exit status 2).
//!
//! ```toml
//! exclude = ["vendor/**", "**/testdata/**"]   # globs, relative to this file's folder
//! include = ["deploy/**"]                     # when given, only these are scanned
//! select = ["cert-validation", "curl-insecure"]
//! ignore = ["legacy-protocol"]
//! fail-on = "warning"
//!
//! [severity]                                  # by rule id or category
//! legacy-protocol = "note"
//! curl-insecure = "warning"
//!
//! [[rules]]                                   # the organization's own rules, as in rules/
//! id = "contoso-proxy-allows-tls10"
//! ...
//! ```

use crate::diagnostic::{Category, Severity};
use crate::rules::RuleSet;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked for.
pub const FILE_NAME: &str = ".tlslint.toml";

/// `fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailOnSetting {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warning,
    /// Any finding.
    Note,
    /// Never.
    Never,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    fail_on: Option<FailOnSetting>,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    #[serde(default)]
    rules: Vec<toml::Table>,
}

/// A loaded configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from.
    pub path: Option<PathBuf>,
    /// Globs of paths not to scan.
    pub exclude: Vec<String>,
    /// Globs of the only paths to scan (empty: everything).
    pub include: Vec<String>,
    /// `select` (rule ids or categories).
    pub select: Vec<String>,
    /// `ignore` (rule ids or categories).
    pub ignore: Vec<String>,
    /// `fail-on`.
    pub fail_on: Option<FailOnSetting>,
    /// Severity by rule id.
    pub rule_severity: BTreeMap<String, Severity>,
    /// Severity by category.
    pub category_severity: BTreeMap<Category, Severity>,
    /// Extra rules as `(origin, TOML text)`.
    pub rules: Vec<(String, String)>,
    /// The file's text (for line numbers in later errors).
    pub text: String,
}

/// A configuration error, printed as `FILE:LINE: message`.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong, with the valid choices.
    pub message: String,
}

/// The nearest `.tlslint.toml` in `start` or a folder above it.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(start).ok()?;
    let mut dir = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle)
        .map(|i| text[..i].bytes().filter(|&b| b == b'\n').count() + 1)
}

impl Config {
    /// Reads and checks a configuration file against the built-in rules.
    pub fn load(path: &Path, rules: &RuleSet) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: None,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(path, &text, rules)
    }

    /// Parses and checks configuration text.
    pub fn parse(path: &Path, text: &str, rules: &RuleSet) -> Result<Config, ConfigError> {
        let fail = |line: Option<usize>, message: String| ConfigError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| {
                text[..s.start.min(text.len())]
                    .bytes()
                    .filter(|&b| b == b'\n')
                    .count()
                    + 1
            });
            let msg = e.message().to_string();
            let msg = if msg.starts_with("unknown field") {
                msg.replace("expected one of", "valid keys are")
            } else if msg.starts_with("unknown variant") {
                msg.replace("expected one of", "valid values are")
            } else {
                msg
            };
            // Name the key (with its table) when the message does not.
            let key = line.and_then(|l| {
                let lines: Vec<&str> = text.lines().collect();
                let this = lines.get(l - 1)?;
                let key = this.split_once('=')?.0.trim().trim_matches('"');
                let table = lines[..l - 1].iter().rev().find_map(|t| {
                    t.trim()
                        .strip_prefix('[')
                        .map(|x| x.trim_matches(['[', ']']))
                });
                Some(match table {
                    Some(t) => format!("{t}.{key}"),
                    None => key.to_string(),
                })
            });
            let choices = match key.as_deref() {
                Some("fail-on") => Some("error, warning, note, never"),
                Some(k) if k.starts_with("severity.") => Some("error, warning, note"),
                Some("exclude" | "include" | "select" | "ignore") => Some("a list of strings"),
                _ => None,
            };
            let msg = match choices {
                Some(c) if !msg.contains("valid values") => format!("{msg} (expected: {c})"),
                _ => msg,
            };
            let msg = match key {
                Some(k) if !msg.contains(&format!("`{}`", k.rsplit('.').next().unwrap_or(&k))) => {
                    format!("`{k}`: {msg}")
                }
                _ => msg,
            };
            fail(line, msg)
        })?;
        let cats: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        let check_selector = |key: &str, item: &str| -> Result<(), ConfigError> {
            if Category::parse(item).is_some() || rules.get(item).is_some() {
                return Ok(());
            }
            // Rules defined in this file are known too.
            if raw_rule_ids(&raw).iter().any(|id| id == item) {
                return Ok(());
            }
            Err(fail(
                line_of(text, &format!("\"{item}\"")).or_else(|| line_of(text, key)),
                format!(
                    "`{key}`: unknown rule or category `{item}` (categories: {}; `tlslint rules` lists the rule ids)",
                    cats.join(", ")
                ),
            ))
        };
        for s in &raw.select {
            check_selector("select", s)?;
        }
        for s in &raw.ignore {
            check_selector("ignore", s)?;
        }
        let mut rule_severity = BTreeMap::new();
        let mut category_severity = BTreeMap::new();
        for (k, v) in &raw.severity {
            match Category::parse(k) {
                Some(c) => {
                    category_severity.insert(c, *v);
                }
                None => {
                    check_selector("severity", k)?;
                    rule_severity.insert(k.clone(), *v);
                }
            }
        }
        for (key, globs) in [("exclude", &raw.exclude), ("include", &raw.include)] {
            // Each glob is compiled into the matcher: bound the memory a file can ask for.
            if globs.len() > MAX_GLOBS {
                return Err(fail(
                    line_of(text, key),
                    format!(
                        "`{key}`: {} globs; at most {MAX_GLOBS} are supported (use folder globs such as `vendor/**`)",
                        globs.len()
                    ),
                ));
            }
            for g in globs {
                if let Err(e) = Glob::new(g) {
                    return Err(fail(
                        line_of(text, &format!("\"{g}\"")).or_else(|| line_of(text, key)),
                        format!("`{key}`: bad glob `{g}`: {e}"),
                    ));
                }
            }
        }
        let mut extra = Vec::new();
        for (i, t) in raw.rules.iter().enumerate() {
            let mut t = t.clone();
            // A registry rule's value name is its natural prefilter keyword.
            if !t.contains_key("keywords") {
                let kws: Vec<toml::Value> = t
                    .get("match")
                    .and_then(toml::Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.get("value").and_then(toml::Value::as_str))
                    .map(|v| toml::Value::String(v.to_string()))
                    .collect();
                t.insert("keywords".into(), toml::Value::Array(kws));
            }
            let id = t
                .get("id")
                .and_then(toml::Value::as_str)
                .unwrap_or("?")
                .to_string();
            let origin = format!("{}: [[rules]] #{} ({id})", path.display(), i + 1);
            let body = toml::to_string(&t).map_err(|e| fail(None, e.to_string()))?;
            extra.push((origin, body));
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            exclude: raw.exclude,
            include: raw.include,
            select: raw.select,
            ignore: raw.ignore,
            fail_on: raw.fail_on,
            rule_severity,
            category_severity,
            rules: extra,
            text: text.to_string(),
        })
    }

    /// Adds the configuration's own rules to `rules`; errors name the `[[rules]]` entry.
    pub fn extend_rules(&self, rules: &mut RuleSet) -> Result<(), ConfigError> {
        let text_of_file = self.text.as_str();
        for (origin, body) in &self.rules {
            rules.extend(origin, body).map_err(|e| {
                let id = origin
                    .rsplit('(')
                    .next()
                    .unwrap_or("")
                    .trim_end_matches(')');
                ConfigError {
                    path: self.path.clone().unwrap_or_default(),
                    line: line_of(text_of_file, &format!("\"{id}\"")),
                    message: format!("rule `{id}`: {}", e.message),
                }
            })?;
        }
        Ok(())
    }

    /// The path filter of `exclude`/`include`, relative to the configuration's folder.
    pub fn path_filter(&self) -> Option<PathFilter> {
        if self.exclude.is_empty() && self.include.is_empty() {
            return None;
        }
        let base = self
            .path
            .as_deref()
            .and_then(Path::parent)
            .and_then(|p| std::path::absolute(p).ok())
            .unwrap_or_default();
        Some(PathFilter {
            base,
            exclude: Matcher::new(&self.exclude),
            include: (!self.include.is_empty()).then(|| Matcher::new(&self.include)),
        })
    }
}

fn raw_rule_ids(raw: &RawConfig) -> Vec<String> {
    raw.rules
        .iter()
        .filter_map(|t| {
            t.get("id")
                .and_then(toml::Value::as_str)
                .map(str::to_string)
        })
        .collect()
}

/// The most globs an `exclude` or `include` list may hold.
pub const MAX_GLOBS: usize = 2000;

/// Globs with gitignore's habits: a glob without `/` matches a name at any depth, one
/// with `/` matches the path from the configuration's folder, `dir/` a folder.
#[derive(Debug)]
struct Matcher {
    anywhere: GlobSet,
    rooted: GlobSet,
}

impl Matcher {
    fn new(globs: &[String]) -> Matcher {
        let mut anywhere = GlobSetBuilder::new();
        let mut rooted = GlobSetBuilder::new();
        for g in globs {
            let g = g.trim().trim_start_matches("./").trim_end_matches('/');
            let build = |p: &str| GlobBuilder::new(p).literal_separator(true).build();
            if g.contains('/') {
                if let Ok(x) = build(g.trim_start_matches('/')) {
                    rooted.add(x);
                }
                // `dir/**` also covers `dir` itself.
                if let Some(d) = g.strip_suffix("/**") {
                    if let Ok(x) = build(d.trim_start_matches('/')) {
                        rooted.add(x);
                    }
                }
            } else if let Ok(x) = build(g) {
                anywhere.add(x);
            }
        }
        Matcher {
            anywhere: anywhere.build().unwrap_or_else(|_| GlobSet::empty()),
            rooted: rooted.build().unwrap_or_else(|_| GlobSet::empty()),
        }
    }

    /// Whether `rel` (or one of its folders) matches.
    fn matches(&self, rel: &Path) -> bool {
        if self.rooted.is_match(rel) {
            return true;
        }
        let mut p = rel;
        loop {
            if p.file_name().is_some_and(|n| self.anywhere.is_match(n)) || self.rooted.is_match(p) {
                return true;
            }
            match p.parent() {
                Some(q) if !q.as_os_str().is_empty() => p = q,
                _ => return false,
            }
        }
    }
}

/// Decides which walked paths are scanned.
#[derive(Debug)]
pub struct PathFilter {
    base: PathBuf,
    exclude: Matcher,
    include: Option<Matcher>,
}

impl PathFilter {
    /// Whether the file or folder at `abs` is walked (`is_dir`: folders are only pruned
    /// by `exclude`; `include` applies to files).
    pub fn allows(&self, abs: &Path, is_dir: bool) -> bool {
        let Ok(rel) = abs.strip_prefix(&self.base) else {
            // Outside the configuration's folder: the globs say nothing about it.
            return true;
        };
        if rel.as_os_str().is_empty() {
            return true;
        }
        if self.exclude.matches(rel) {
            return false;
        }
        is_dir || self.include.as_ref().is_none_or(|m| m.matches(rel))
    }

    /// Whether a file named on the command line passes the filter, as if it had been
    /// reached by walking: none of its folders is excluded, and the file itself passes.
    pub fn allows_explicit(&self, abs: &Path) -> bool {
        let Ok(rel) = abs.strip_prefix(&self.base) else {
            return true;
        };
        let mut dir = self.base.clone();
        let mut parts = rel.components().peekable();
        while let Some(c) = parts.next() {
            dir.push(c);
            if parts.peek().is_some() && !self.allows(&dir, true) {
                return false;
            }
        }
        self.allows(abs, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RuleSet {
        RuleSet::builtin().expect("rules")
    }

    fn err(text: &str) -> String {
        Config::parse(Path::new("x/.tlslint.toml"), text, &rules())
            .expect_err("should fail")
            .to_string()
    }

    #[test]
    fn strict_errors_name_file_line_key_and_choices() {
        let e = err("select = [\"cert-validation\"]\nexlude = [\"a\"]\n");
        assert!(e.starts_with("x/.tlslint.toml:2:"), "{e}");
        assert!(e.contains("exlude") && e.contains("exclude"), "{e}");
        let e = err("[severity]\nlegacy-protocol = \"warn\"\n");
        assert!(e.contains(":2:") && e.contains("warning"), "{e}");
        let e = err("ignore = [\"legacy-protocols\"]\n");
        assert!(e.contains(":1:") && e.contains("legacy-protocol"), "{e}");
        let e = err("fail-on = \"sometimes\"\n");
        assert!(e.contains("never"), "{e}");
        let e = err("exclude = [\"a[\"]\n");
        assert!(e.contains("bad glob"), "{e}");
    }

    #[test]
    fn filters_follow_gitignore_habits() {
        let c = Config {
            path: Some(PathBuf::from("/r/.tlslint.toml")),
            exclude: vec!["vendor/**".into(), "*.min.js".into(), "testdata".into()],
            include: vec![],
            ..Config::default()
        };
        let f = c.path_filter().expect("filter");
        assert!(!f.allows(Path::new("/r/vendor"), true));
        assert!(!f.allows(Path::new("/r/vendor/a/b.reg"), false));
        assert!(!f.allows(Path::new("/r/web/app.min.js"), false));
        assert!(!f.allows(Path::new("/r/a/testdata/x.reg"), false));
        assert!(f.allows(Path::new("/r/src/vendor.reg"), false));
        assert!(f.allows(Path::new("/elsewhere/vendor/x"), false));
        let c = Config {
            path: Some(PathBuf::from("/r/.tlslint.toml")),
            include: vec!["deploy/**/*.reg".into()],
            ..Config::default()
        };
        let f = c.path_filter().expect("filter");
        assert!(f.allows(Path::new("/r/deploy/a/x.reg"), false));
        assert!(!f.allows(Path::new("/r/deploy/a/x.ps1"), false));
        assert!(f.allows(Path::new("/r/other"), true));
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;

    /// The published JSON schema lists exactly the keys the parser accepts.
    #[test]
    fn schema_matches_the_parser() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../rules/schema/config.schema.json"))
                .expect("schema is JSON");
        let mut in_schema: Vec<String> = schema["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect();
        in_schema.sort();
        let e = Config::parse(
            Path::new(".tlslint.toml"),
            "no-such-key = 1\n",
            &RuleSet::builtin().expect("rules"),
        )
        .expect_err("unknown key")
        .to_string();
        let mut accepted: Vec<String> = e
            .split('`')
            .skip(3)
            .step_by(2)
            .map(str::to_string)
            .collect();
        accepted.sort();
        assert_eq!(in_schema, accepted, "{e}");
    }
}
