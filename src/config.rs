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
//! foreign-markers = false                     # report what `//nolint:gosec` etc. hide
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
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file name looked for.
pub const FILE_NAME: &str = ".tlslint.toml";

/// Where the published schema lives (its `$id`; `rule.schema.json` resolves beside it).
pub const SCHEMA_ID: &str =
    "https://raw.githubusercontent.com/tlslint/tlslint/main/rules/schema/config.schema.json";

/// `fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
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

/// tlslint project configuration, found upward from the scanned path or named with
/// --config. Unknown keys are errors.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = ".tlslint.toml", extend("$id" = SCHEMA_ID))]
pub struct RawConfig {
    /// Paths not to scan, relative to this file's folder, with .gitignore's syntax: a
    /// pattern without `/` matches a name at any depth, `dir/` matches folders, `!`
    /// re-includes what an earlier pattern excluded. Files named on the command line are
    /// scanned anyway unless --force-exclude is given.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    exclude: Vec<Spanned<String>>,
    /// When given, only files matching these patterns (same syntax as `exclude`) are
    /// scanned.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    include: Vec<Spanned<String>>,
    /// Only these rule ids or categories. The command line's --select replaces this list.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    select: Vec<Spanned<String>>,
    /// Skip these rule ids or categories. The command line's --ignore adds to this list.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    ignore: Vec<Spanned<String>>,
    /// Rule ids or categories not reported in the files a pattern matches (same syntax as
    /// `exclude`; a pattern starting with `!` applies to the files it does not match), e.g.
    /// `"tests/**" = ["cert-validation"]`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    per_file_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    /// Lowest severity that makes the exit status 1 (default: note, any finding). The
    /// command line's --fail-on wins.
    #[serde(default)]
    fail_on: Option<FailOnSetting>,
    /// Honour other tools' suppression markers that name a TLS check or are blanket
    /// (`//nolint:gosec`, `#nosec G402`, `# nosec B501`, `# noqa: S501`, `// NOSONAR`,
    /// `nosemgrep`, `DevSkim: ignore DS...`; default true). `false` reports everything
    /// (the command line's --no-foreign-markers does the same).
    #[serde(default)]
    foreign_markers: Option<bool>,
    /// Severity by rule id or category name; a rule's own entry wins over its category's.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Severity>")]
    severity: BTreeMap<Spanned<String>, Severity>,
    /// The organization's own rules, in the format of the built-in ones (rules/README.md).
    #[serde(default)]
    #[schemars(with = "Vec<OwnRule>")]
    rules: Vec<toml::Table>,
    /// Where files live (product, test, example, vendor, generated, docs) and how their
    /// findings are reported.
    #[serde(default)]
    context: ContextConfig,
}

/// `[context]`: file contexts.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ContextConfig {
    /// Globs on the report path that put files in a context before the conventions do,
    /// e.g. `test = ["qa/**"]`, `product = ["tools/testing-cluster/**"]`.
    #[serde(default)]
    paths: BTreeMap<crate::context::Context, Vec<String>>,
    /// The highest severity findings of a context are reported with: `error`, `warning`,
    /// `note`, or `rule` (the rule's own). Defaults: product `rule`, every other context
    /// `note`.
    #[serde(default)]
    severity: BTreeMap<crate::context::Context, ContextCap>,
}

/// A context's severity cap.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ContextCap {
    /// At most error (the rule's own).
    Error,
    /// At most warning.
    Warning,
    /// Notes.
    Note,
    /// The rule's own severity.
    Rule,
}

/// A rule written in the configuration: rule.schema.json.
struct OwnRule;

impl JsonSchema for OwnRule {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "OwnRule".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "$ref": "rule.schema.json" })
    }
}

/// The JSON schema of `.tlslint.toml`, generated from the types the parser reads
/// (`rules/schema/config.schema.json` is this text; a test keeps them equal).
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(RawConfig);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// A loaded configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from.
    pub path: Option<PathBuf>,
    /// Patterns of paths not to scan.
    pub exclude: Vec<String>,
    /// Patterns of the only paths to scan (empty: everything).
    pub include: Vec<String>,
    /// `select` (rule ids or categories).
    pub select: Vec<String>,
    /// `ignore` (rule ids or categories).
    pub ignore: Vec<String>,
    /// `per-file-ignores`: (pattern, rule ids or categories).
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// `fail-on`.
    pub fail_on: Option<FailOnSetting>,
    /// `foreign-markers` (default: true).
    pub foreign_markers: Option<bool>,
    /// Severity by rule id.
    pub rule_severity: BTreeMap<String, Severity>,
    /// Severity by category.
    pub category_severity: BTreeMap<Category, Severity>,
    /// Extra rules as `(origin, TOML text)`.
    pub rules: Vec<(String, String)>,
    /// `[context.paths]`.
    pub context_paths: Vec<(crate::context::Context, Vec<String>)>,
    /// `[context.severity]` merged over the defaults (empty: the defaults).
    pub context_caps: BTreeMap<crate::context::Context, Option<Severity>>,
    /// The file's text (for line numbers in later errors).
    pub text: String,
}

/// A configuration error, printed as `FILE:LINE:COLUMN: message`.
#[derive(Debug, thiserror::Error)]
#[error("{}{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default(), column.filter(|_| line.is_some()).map(|c| format!(":{c}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column (characters), when known.
    pub column: Option<usize>,
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

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = crate::source::floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle)
        .map(|i| text[..i].bytes().filter(|&b| b == b'\n').count() + 1)
}

/// The top-level keys of `.tlslint.toml`, in the order of the schema.
pub const KEYS: &[&str] = &[
    "exclude",
    "include",
    "select",
    "ignore",
    "per-file-ignores",
    "fail-on",
    "foreign-markers",
    "severity",
    "rules",
    "context",
];

/// The backquoted names of a serde message's `expected one of `a`, `b`` list.
fn expected_names(msg: &str) -> Vec<String> {
    msg.split_once("expected one of")
        .or_else(|| msg.split_once("expected"))
        .map(|(_, list)| {
            list.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The first backquoted word of a message (the unknown key or value).
fn first_quoted(msg: &str) -> Option<&str> {
    msg.split('`').nth(1)
}

impl Config {
    /// Reads and checks a configuration file against the built-in rules.
    pub fn load(path: &Path, rules: &RuleSet) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(path, &text, rules)
    }

    /// Parses and checks configuration text.
    pub fn parse(path: &Path, text: &str, rules: &RuleSet) -> Result<Config, ConfigError> {
        let at = |offset: Option<usize>, message: String| {
            let lc = offset.map(|o| line_col(text, o));
            ConfigError {
                path: path.to_path_buf(),
                line: lc.map(|(l, _)| l),
                column: lc.map(|(_, c)| c),
                message,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let start = e.span().map(|s| s.start);
            let msg = e.message().trim().to_string();
            let (line, _) = line_col(text, start.unwrap_or(0));
            // The key the error is about: the text before `=` on the error's line, with the
            // table it sits in.
            let key = start.and_then(|_| {
                let lines: Vec<&str> = text.lines().collect();
                let this = lines.get(line - 1)?;
                let key = this.split_once('=')?.0.trim().trim_matches(['"', '\'']);
                let table = lines[..line - 1].iter().rev().find_map(|t| {
                    t.trim()
                        .strip_prefix('[')
                        .map(|x| x.trim_matches(['[', ']']))
                });
                Some(match table {
                    Some(t) => format!("{t}.{key}"),
                    None => key.to_string(),
                })
            });
            let message = if msg.starts_with("unknown field") {
                let bad = first_quoted(&msg).unwrap_or_default();
                let valid = expected_names(&msg);
                format!(
                    "unknown key `{bad}`{}; valid keys are {}",
                    crate::suggest::hint(bad, valid.iter().map(String::as_str)),
                    valid.join(", ")
                )
            } else if msg.starts_with("unknown variant") {
                let bad = first_quoted(&msg).unwrap_or_default();
                let valid = expected_names(&msg);
                format!(
                    "{}unknown value `{bad}`{}; valid values are {}",
                    key.as_ref().map(|k| format!("`{k}`: ")).unwrap_or_default(),
                    crate::suggest::hint(bad, valid.iter().map(String::as_str)),
                    valid.join(", ")
                )
            } else {
                let choices = match key.as_deref() {
                    Some("fail-on") => Some("error, warning, note, never"),
                    Some("foreign-markers") => Some("true or false"),
                    Some(k) if k.starts_with("severity.") => Some("error, warning, note"),
                    Some("exclude" | "include" | "select" | "ignore") => Some("a list of strings"),
                    Some(k) if k.starts_with("per-file-ignores.") => {
                        Some("a list of rule ids or categories")
                    }
                    _ => None,
                };
                let msg = match choices {
                    Some(c) => format!("{msg} (expected: {c})"),
                    None => msg,
                };
                match key {
                    Some(k) => format!("`{k}`: {msg}"),
                    None => msg,
                }
            };
            at(start, message)
        })?;
        let cats: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        let own_ids = raw_rule_ids(&raw);
        let check_selector = |key: &str, item: &Spanned<String>| -> Result<(), ConfigError> {
            let name = item.get_ref().as_str();
            if Category::parse(name).is_some()
                || rules.get(name).is_some()
                || own_ids.iter().any(|id| id == name)
            {
                return Ok(());
            }
            let candidates = cats
                .iter()
                .copied()
                .chain(rules.rules.iter().map(|r| r.id.as_str()))
                .chain(own_ids.iter().map(String::as_str));
            Err(at(
                Some(item.span().start),
                format!(
                    "`{key}`: unknown rule or category `{name}`{} (categories: {}; `tlslint rules` lists the rule ids)",
                    crate::suggest::hint(name, candidates),
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
            match Category::parse(k.get_ref()) {
                Some(c) => {
                    category_severity.insert(c, *v);
                }
                None => {
                    check_selector("severity", k)?;
                    rule_severity.insert(k.get_ref().clone(), *v);
                }
            }
        }
        let base = Path::new("");
        for (key, patterns) in [("exclude", &raw.exclude), ("include", &raw.include)] {
            // Each pattern is compiled into the matcher: bound the memory a file can ask for.
            if patterns.len() > MAX_GLOBS {
                return Err(at(
                    patterns.first().map(|p| p.span().start),
                    format!(
                        "`{key}`: {} globs; at most {MAX_GLOBS} are supported (use folder globs such as `vendor/**`)",
                        patterns.len()
                    ),
                ));
            }
            for p in patterns {
                let mut b = GitignoreBuilder::new(base);
                if let Err(e) = b.add_line(None, p.get_ref()) {
                    return Err(at(
                        Some(p.span().start),
                        format!("`{key}`: bad pattern `{}`: {}", p.get_ref(), glob_error(&e)),
                    ));
                }
            }
        }
        let mut per_file_ignores = Vec::new();
        for (pattern, selectors) in &raw.per_file_ignores {
            let mut b = GitignoreBuilder::new(base);
            let glob = pattern
                .get_ref()
                .strip_prefix('!')
                .unwrap_or(pattern.get_ref());
            if let Err(e) = b.add_line(None, glob) {
                return Err(at(
                    Some(pattern.span().start),
                    format!(
                        "`per-file-ignores`: bad pattern `{}`: {}",
                        pattern.get_ref(),
                        glob_error(&e)
                    ),
                ));
            }
            for s in selectors {
                check_selector("per-file-ignores", s)?;
            }
            per_file_ignores.push((
                pattern.get_ref().clone(),
                selectors.iter().map(|s| s.get_ref().clone()).collect(),
            ));
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
            let body = toml::to_string(&t).map_err(|e| at(None, e.to_string()))?;
            extra.push((origin, body));
        }
        let strings = |v: &[Spanned<String>]| -> Vec<String> {
            v.iter().map(|s| s.get_ref().clone()).collect()
        };
        Ok(Config {
            path: Some(path.to_path_buf()),
            exclude: strings(&raw.exclude),
            include: strings(&raw.include),
            select: strings(&raw.select),
            ignore: strings(&raw.ignore),
            per_file_ignores,
            fail_on: raw.fail_on,
            foreign_markers: raw.foreign_markers,
            rule_severity,
            category_severity,
            rules: extra,
            context_paths: raw
                .context
                .paths
                .iter()
                .map(|(c, g)| (*c, g.clone()))
                .collect(),
            context_caps: {
                let mut caps = crate::context::default_caps();
                for (c, cap) in &raw.context.severity {
                    caps.insert(
                        *c,
                        match cap {
                            ContextCap::Error => Some(Severity::Error),
                            ContextCap::Warning => Some(Severity::Warning),
                            ContextCap::Note => Some(Severity::Note),
                            ContextCap::Rule => None,
                        },
                    );
                }
                caps
            },
            text: text.to_string(),
        })
    }

    /// The context policy: classifier globs and severity caps.
    pub fn context_policy(&self) -> Result<crate::context::Policy, ConfigError> {
        let classifier =
            crate::context::Classifier::new(&self.context_paths).map_err(|e| ConfigError {
                path: self.path.clone().unwrap_or_default(),
                line: None,
                column: None,
                message: format!("`context.paths`: {e}"),
            })?;
        let caps = if self.context_caps.is_empty() {
            crate::context::default_caps()
        } else {
            self.context_caps.clone()
        };
        Ok(crate::context::Policy {
            classifier: std::sync::Arc::new(classifier),
            caps,
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
                    column: None,
                    message: format!("rule `{id}`: {}", e.message),
                }
            })?;
        }
        Ok(())
    }

    /// The configuration's folder, absolute with symbolic links resolved (paths are
    /// compared with it the same way).
    fn base(&self) -> PathBuf {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                }
            })
            .map(|p| {
                p.canonicalize()
                    .or_else(|_| std::path::absolute(p))
                    .unwrap_or_else(|_| p.to_path_buf())
            })
            .unwrap_or_default()
    }

    /// The path filter of `exclude`/`include`, relative to the configuration's folder.
    pub fn path_filter(&self) -> Option<PathFilter> {
        if self.exclude.is_empty() && self.include.is_empty() {
            return None;
        }
        let base = self.base();
        Some(PathFilter {
            exclude: patterns(&base, &self.exclude),
            include: (!self.include.is_empty()).then(|| patterns(&base, &self.include)),
            base,
        })
    }

    /// `per-file-ignores`, ready to match, or `None` when there are none.
    pub fn per_file_ignores(&self) -> Option<PerFileIgnores> {
        if self.per_file_ignores.is_empty() {
            return None;
        }
        let base = self.base();
        let entries = self
            .per_file_ignores
            .iter()
            .map(|(pattern, selectors)| {
                let (negated, glob) = match pattern.strip_prefix('!') {
                    Some(g) => (true, g),
                    None => (false, pattern.as_str()),
                };
                PerFileEntry {
                    matcher: patterns(&base, &[glob.to_string()]),
                    negated,
                    selectors: selectors.clone(),
                }
            })
            .collect();
        Some(PerFileIgnores { base, entries })
    }
}

/// A glob error without the pattern repeated.
fn glob_error(e: &ignore::Error) -> String {
    match e {
        ignore::Error::Glob { err, .. } => err.clone(),
        other => other.to_string(),
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

/// Patterns with .gitignore's syntax and meaning, relative to `base` (checked when the
/// configuration was read, so none fails here).
fn patterns(base: &Path, lines: &[String]) -> Gitignore {
    let mut b = GitignoreBuilder::new(base);
    for l in lines {
        let _ = b.add_line(None, l);
    }
    b.build().unwrap_or_else(|_| Gitignore::empty())
}

/// Whether relative path `rel` matches `g` (itself or one of its folders; the last
/// matching pattern decides, so `!` re-includes).
fn matches(g: &Gitignore, rel: &Path, is_dir: bool) -> bool {
    g.matched_path_or_any_parents(rel, is_dir).is_ignore()
}

/// Decides which walked paths are scanned.
#[derive(Debug)]
pub struct PathFilter {
    base: PathBuf,
    exclude: Gitignore,
    include: Option<Gitignore>,
}

impl PathFilter {
    /// Whether the file or folder at `abs` is walked (`is_dir`: folders are only pruned
    /// by `exclude`; `include` applies to files).
    pub fn allows(&self, abs: &Path, is_dir: bool) -> bool {
        let Ok(rel) = abs.strip_prefix(&self.base) else {
            // Outside the configuration's folder: the patterns say nothing about it.
            return true;
        };
        if rel.as_os_str().is_empty() {
            return true;
        }
        if matches(&self.exclude, rel, is_dir) {
            return false;
        }
        is_dir || self.include.as_ref().is_none_or(|m| matches(m, rel, false))
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

/// One `per-file-ignores` entry.
#[derive(Debug)]
struct PerFileEntry {
    matcher: Gitignore,
    negated: bool,
    selectors: Vec<String>,
}

/// `per-file-ignores`: which rules and categories are not reported in which files.
#[derive(Debug)]
pub struct PerFileIgnores {
    base: PathBuf,
    entries: Vec<PerFileEntry>,
}

impl PerFileIgnores {
    /// The selectors (rule ids or categories) that apply to the file at `path`.
    pub fn selectors_for(&self, path: &Path) -> Vec<&str> {
        let abs = crate::walk::absolute_keep_name(path);
        let Ok(rel) = abs.strip_prefix(&self.base) else {
            return Vec::new();
        };
        if rel.as_os_str().is_empty() {
            return Vec::new();
        }
        self.entries
            .iter()
            .filter(|e| matches(&e.matcher, rel, false) != e.negated)
            .flat_map(|e| e.selectors.iter().map(String::as_str))
            .collect()
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
        assert!(e.starts_with("x/.tlslint.toml:2:1:"), "{e}");
        assert!(
            e.contains("unknown key `exlude` (did you mean `exclude`?)"),
            "{e}"
        );
        let e = err("[severity]\nlegacy-protocol = \"warn\"\n");
        assert!(e.contains(":2:") && e.contains("warning"), "{e}");
        let e = err("ignore = [\"legacy-protocols\"]\n");
        assert!(e.contains(":1:") && e.contains("legacy-protocol"), "{e}");
        let e = err("fail-on = \"sometimes\"\n");
        assert!(e.contains("never"), "{e}");
        let e = err("exclude = [\"a{b\"]\n");
        assert!(e.contains("bad pattern"), "{e}");
        // The line of the bad value, not of an earlier mention in a comment.
        let e = err(
            "# select = [\"curl-insecur\"] was a typo\nfail-on = \"error\"\n\nselect = [\"cert-validation\", \"curl-insecur\"]\n",
        );
        assert!(e.starts_with("x/.tlslint.toml:4:30:"), "{e}");
        assert!(e.contains("did you mean `curl-insecure`?"), "{e}");
        let e = err("[per-file-ignores]\n\"tests/**\" = [\"cert-validaton\"]\n");
        assert!(e.starts_with("x/.tlslint.toml:2:15:"), "{e}");
        let e = err("fail-on = \"warn\"\n");
        assert!(
            e.contains("`fail-on`: unknown value `warn` (did you mean `warning`?)"),
            "{e}"
        );
    }

    #[test]
    fn filters_follow_gitignore_habits() {
        let c = Config {
            path: Some(PathBuf::from("/r/.tlslint.toml")),
            exclude: vec![
                "vendor/".into(),
                "*.min.js".into(),
                "testdata".into(),
                "tests/**".into(),
                "!tests/keep.sh".into(),
            ],
            include: vec![],
            ..Config::default()
        };
        let f = c.path_filter().expect("filter");
        assert!(!f.allows(Path::new("/r/vendor"), true));
        assert!(!f.allows(Path::new("/r/a/vendor/b.reg"), false));
        assert!(!f.allows(Path::new("/r/web/app.min.js"), false));
        assert!(!f.allows(Path::new("/r/a/testdata/x.reg"), false));
        assert!(f.allows(Path::new("/r/src/vendor.reg"), false));
        assert!(f.allows(Path::new("/elsewhere/vendor/x"), false));
        // `!` re-includes a file that an earlier pattern excluded.
        assert!(f.allows(Path::new("/r/tests"), true));
        assert!(!f.allows(Path::new("/r/tests/a.sh"), false));
        assert!(f.allows(Path::new("/r/tests/keep.sh"), false));
        assert!(f.allows_explicit(Path::new("/r/tests/keep.sh")));
        assert!(!f.allows_explicit(Path::new("/r/vendor/x.sh")));
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

    #[test]
    fn per_file_ignores_match_like_exclude() {
        let c = Config::parse(
            Path::new("/r/.tlslint.toml"),
            "[per-file-ignores]\n\"tests/**\" = [\"cert-validation\"]\n\"*.ps1\" = [\"legacy-protocol\", \"curl-insecure\"]\n\"!deploy/**\" = [\"revocation\"]\n",
            &rules(),
        )
        .expect("parses");
        let p = c.per_file_ignores().expect("entries");
        let mut got = p.selectors_for(Path::new("/r/tests/a/x.ps1"));
        got.sort_unstable();
        assert_eq!(
            got,
            vec![
                "cert-validation",
                "curl-insecure",
                "legacy-protocol",
                "revocation"
            ]
        );
        assert_eq!(
            p.selectors_for(Path::new("/r/deploy/x.sh")),
            Vec::<&str>::new()
        );
        assert!(
            p.selectors_for(Path::new("/elsewhere/tests/x.sh"))
                .is_empty()
        );
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;

    /// `rules/schema/config.schema.json` is generated from the types the parser reads, so
    /// it cannot drift. Regenerate with `TLSLINT_UPDATE_SCHEMA=1 cargo test --lib schema`.
    #[test]
    fn schema_file_is_generated_from_the_config_types() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/schema/config.schema.json");
        let want = schema_json();
        if std::env::var_os("TLSLINT_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &want).expect("write the schema");
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have.replace("\r\n", "\n") == want,
            "rules/schema/config.schema.json is stale: run `TLSLINT_UPDATE_SCHEMA=1 cargo test --lib schema`"
        );
    }

    /// The schema lists exactly the keys the parser accepts.
    #[test]
    fn schema_matches_the_parser() {
        let schema: serde_json::Value =
            serde_json::from_str(&schema_json()).expect("schema is JSON");
        let mut in_schema: Vec<String> = schema["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect();
        in_schema.sort();
        let mut keys: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
        keys.sort();
        assert_eq!(in_schema, keys);
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
        assert_eq!(schema["$id"], serde_json::json!(SCHEMA_ID));
        let e = Config::parse(
            Path::new(".tlslint.toml"),
            "no-such-key = 1\n",
            &RuleSet::builtin().expect("rules"),
        )
        .expect_err("unknown key")
        .to_string();
        for k in KEYS {
            assert!(e.contains(k), "{k} is not accepted: {e}");
        }
    }
}
