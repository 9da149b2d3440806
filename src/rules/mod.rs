//! Rules are data: `rules/<surface>/<rule-id>.toml`, embedded at build time.
//!
//! A rule file names the bad pattern (id), says what it weakens (categories, CWE,
//! severity), documents it (title, description, fix advice, references), lists the
//! keywords that the prefilter looks for, and gives one or more typed matchers:
//!
//! * `registry`: a value under a key, judged by [`registry`] semantics;
//! * `flags`: a flag table whose dangerous bits are reported, wherever a format meets a value;
//! * `option`: a command-line option of a command (curl, kubectl, PowerShell cmdlets);
//! * `setting`: a key in a configuration domain (git config, npm config, environment, XML);
//! * `construct`: a structure an analyzer recognizes (a trust-all callback);
//! * `pattern`: a token pattern over source code.
//!
//! Code holds only the mechanisms that evaluate matchers; adding a rule of an existing
//! kind is a data change. Flag tables live in `rules/tables/`.

pub mod load;
pub mod registry;
pub mod tables;
pub mod value;

use crate::diagnostic::{Category, Severity};
use crate::rules::tables::FlagTable;
use crate::rules::value::When;
use std::collections::BTreeMap;

pub use crate::fixes::FixSpec;
pub use load::{LoadError, RuleSet};

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Kebab-case id naming the bad pattern; equal to the file stem.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Categories the rule can report, the main one first.
    pub categories: Vec<Category>,
    /// Default severity.
    pub severity: Severity,
    /// CWE numbers, most specific first.
    pub cwe: Vec<u32>,
    /// What the setting does and why it is dangerous (Markdown).
    pub description: String,
    /// How to fix it (Markdown).
    pub fix: String,
    /// Documents the setting comes from.
    pub references: Vec<String>,
    /// Prefilter keywords: the rule can only match in files containing one of them.
    pub keywords: Vec<String>,
    /// Message template (`{name}`, `{value}`, `{decoded}`, `{key}`, `{detail}`).
    pub message: String,
    /// Per-category message templates that override `message`.
    pub messages: BTreeMap<Category, String>,
    /// The matchers; a fact matched by any of them is reported.
    pub matchers: Vec<Matcher>,
    /// Examples that must (and must not) produce findings; checked by the test suite.
    pub examples: Vec<Example>,
    /// Where the rule came from (`registry/arr-....toml`, or a config file).
    pub origin: String,
    /// Example of the dangerous setting, for `explain`.
    pub example_bad: Option<String>,
    /// Example of the safe alternative, for `explain`.
    pub example_good: Option<String>,
}

impl Rule {
    /// The message template for a category.
    pub fn template(&self, category: Category) -> &str {
        self.messages
            .get(&category)
            .map_or(self.message.as_str(), String::as_str)
    }

    /// The rule's main category.
    pub fn category(&self) -> Category {
        self.categories[0]
    }

    /// SARIF `security-severity` (a CVSS-like score GitHub maps to critical/high/medium/low).
    pub fn security_severity(&self) -> f32 {
        match (self.severity, self.category()) {
            (Severity::Error, Category::CertValidation | Category::HostnameValidation) => 8.1,
            (Severity::Error, _) => 7.5,
            (Severity::Warning, Category::InsecureRedirect) => 6.5,
            (Severity::Warning, _) => 5.9,
            (Severity::Note, _) => 3.7,
        }
    }
}

/// A rule example: code in a format, with the categories it must produce (none for a
/// look-alike that must stay silent).
#[derive(Debug, Clone)]
pub struct Example {
    /// Format name (see [`crate::format::FileFormat::name`]).
    pub format: String,
    /// The file contents.
    pub code: String,
    /// Categories this rule must report, on any line; empty means "silent".
    pub expect: Vec<Category>,
}

/// A compiled matcher.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// A registry value under a key.
    Registry(RegistryMatcher),
    /// Dangerous entries of a flag table.
    Flags {
        /// Index into [`RuleSet::tables`].
        table: usize,
        /// How a number of the table is fixed (`{ clear = "cert-validation" }`); named
        /// constants are fixed by their entry's `fix` or removed from an OR.
        fix: Option<FixSpec>,
    },
    /// A command-line option.
    Option(OptionMatcher),
    /// A configuration setting.
    Setting(SettingMatcher),
    /// A construct recognized by an analyzer.
    Construct {
        /// Construct name (see [`crate::facts::CONSTRUCTS`]).
        name: String,
    },
}

/// Matches registry writes.
#[derive(Debug, Clone)]
pub struct RegistryMatcher {
    /// Key patterns over normalized keys.
    pub keys: Vec<regex::Regex>,
    /// The key patterns as written, for documentation.
    pub key_text: Vec<String>,
    /// Value name (case-insensitive).
    pub value_name: String,
    /// Condition on the data.
    pub when: When,
    /// Values for `when = "equals"`.
    pub values: Vec<String>,
    /// Category reported whenever the condition holds.
    pub category: Option<Category>,
    /// Flag table decoding the data into further categories.
    pub table: Option<usize>,
    /// The mechanical fix, when one exists (see [`crate::fixes`]).
    pub fix: Option<FixSpec>,
}

/// Matches command-line options.
#[derive(Debug, Clone)]
pub struct OptionMatcher {
    /// Command names (lower-case, without `.exe`); `*` for any command.
    pub commands: Vec<String>,
    /// Option spellings (`-k`, `--insecure`, `-SkipCertificateCheck`).
    pub options: Vec<String>,
    /// Compare option names ignoring case (PowerShell, cmd).
    pub ignore_case: bool,
    /// Short options may be bundled (`-fsSLk`); these letters take an argument.
    pub bundle: Option<String>,
    /// The option takes the next argument as its value (`--tls-max 1.1`,
    /// `-SslProtocol Tls11`); otherwise it is a switch whose value can only be attached
    /// (`--flag=false`, `-Switch:$false`).
    pub takes_value: bool,
    /// Condition on the option's argument (`any` for switches).
    pub when: When,
    /// Values for `when = "equals"`.
    pub values: Vec<String>,
    /// The mechanical fix, when one exists (see [`crate::fixes`]).
    pub fix: Option<FixSpec>,
}

/// Matches configuration settings.
#[derive(Debug, Clone)]
pub struct SettingMatcher {
    /// Where in code the key must be written (`argument`, `field`, ...); empty: anywhere.
    /// Facts from configuration formats carry no position and always match.
    pub positions: Vec<crate::facts::Position>,
    /// Types of the object literal or receivers the key must be in (lower-cased globs);
    /// empty: any. Facts without a known type match only when this is empty.
    pub types: Vec<globset::GlobMatcher>,
    /// The type globs as written.
    pub type_text: Vec<String>,
    /// Setting domain (see [`crate::facts::DOMAINS`]).
    pub domain: String,
    /// Key globs (`http.*.sslverify`), compared ignoring ASCII case.
    pub keys: Vec<globset::GlobMatcher>,
    /// The key globs as written.
    pub key_text: Vec<String>,
    /// Condition on the value.
    pub when: When,
    /// Values for `when = "equals"`.
    pub values: Vec<String>,
    /// The mechanical fix, when one exists (see [`crate::fixes`]).
    pub fix: Option<FixSpec>,
}

/// The embedded rule and table files.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// Looks a table up by id.
pub fn find_table<'a>(tables: &'a [FlagTable], id: &str) -> Option<(usize, &'a FlagTable)> {
    tables.iter().enumerate().find(|(_, t)| t.id == id)
}
