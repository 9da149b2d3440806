//! Format analyzers: text in, normalized facts out.
//!
//! Each analyzer is named after the format it reads and knows only its syntax; the
//! meaning of what it finds is decided by the shared rules (see [`crate::engine`]).
//! Scripts embedded in other files (PowerShell in a batch file, a CI step) are analyzed
//! by their own language's analyzer through [`analyze_embedded`], which maps positions
//! back to the enclosing file.

pub mod bicep;
pub mod cmd;
pub mod code;
pub mod command;
pub mod directive;
pub mod dotnet;
pub mod embed;
pub mod firefox;
pub mod hcl;
pub mod inf;
pub mod ini;
pub mod iss;
pub mod json;
pub mod pol;
pub mod powershell;
pub mod properties;
pub mod reg;
pub mod shell;
pub mod template;
pub mod toml;
pub mod xml;
pub mod yaml;

use crate::facts::Fact;
use crate::format::FileFormat;
use crate::rules::tables::{FlagTable, TableIndex};
use embed::Embedded;

/// What analyzers may consult: the flag tables (constant names, typed members).
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// All flag tables.
    pub tables: &'a [FlagTable],
    /// Lookups over them.
    pub index: &'a TableIndex,
    /// Value-flow data.
    pub flow: &'a crate::ir::flow::FlowConfig,
    /// The file is test code (values only compared there are not settings).
    pub in_test: bool,
    /// The file is generated (option plumbing there is not reported as opt-ins).
    pub in_generated: bool,
    /// The file's extension, lower-case (`c` or `cpp`, `ts` or `js` pick the grammar).
    pub ext: &'a str,
    /// The setting keys rules ask about (`None`: every key is of interest).
    pub keys: Option<&'a KeyFilter>,
}

/// The setting keys that some rule matches, by domain: code analysis resolves only the
/// values of keys a rule could report.
///
/// Each glob keeps the literal text every key it matches ends with (`*mintlsversion` ->
/// `mintlsversion`), tested first: formats where most values are not settings (JSON,
/// Bicep) ask about every member, and most fail on that cheap test.
#[derive(Debug, Default, Clone)]
pub struct KeyFilter {
    by_domain: std::collections::HashMap<String, Vec<(globset::GlobMatcher, String)>>,
}

impl KeyFilter {
    /// Adds a rule's key globs.
    pub fn add(&mut self, domain: &str, keys: &[globset::GlobMatcher]) {
        self.by_domain
            .entry(domain.to_string())
            .or_default()
            .extend(keys.iter().map(|g| {
                (
                    g.clone(),
                    crate::rules::load::literal_suffix(g.glob().glob()),
                )
            }));
    }

    /// Whether some rule of `domain` matches `key`.
    pub fn wants(&self, domain: &str, key: &str) -> bool {
        let Some(globs) = self.by_domain.get(domain) else {
            return false;
        };
        let ends = |suffix: &str| {
            key.len() >= suffix.len()
                && key
                    .get(key.len() - suffix.len()..)
                    .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
        };
        if !globs.iter().any(|(_, suffix)| ends(suffix)) {
            return false;
        }
        let k = key.to_ascii_lowercase();
        globs
            .iter()
            .any(|(g, suffix)| k.ends_with(suffix.as_str()) && g.is_match(&k))
    }
}

static NO_FLOW: std::sync::LazyLock<crate::ir::flow::FlowConfig> =
    std::sync::LazyLock::new(crate::ir::flow::FlowConfig::default);

impl<'a> Ctx<'a> {
    /// A context with only tables (unit tests of analyzers).
    pub fn bare(tables: &'a [FlagTable], index: &'a TableIndex) -> Ctx<'a> {
        Ctx {
            tables,
            index,
            flow: &NO_FLOW,
            in_test: false,
            in_generated: false,
            ext: "",
            keys: None,
        }
    }

    /// Whether a rule of `domain` could match `key`.
    pub fn wants(&self, domain: &str, key: &str) -> bool {
        self.keys.is_none_or(|k| k.wants(domain, key))
    }
}

/// Runs the analyzer for `format` over `text`, appending facts.
pub fn analyze(format: FileFormat, text: &str, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    analyze_at_depth(format, text, 0, ctx, facts);
}

/// Runs an analyzer for text embedded `depth` levels deep.
pub fn analyze_at_depth(
    format: FileFormat,
    text: &str,
    depth: u8,
    ctx: &Ctx<'_>,
    facts: &mut Vec<Fact>,
) {
    if depth > command::MAX_DEPTH || crate::budget::exceeded() {
        return;
    }
    let start = facts.len();
    analyze_format(format, text, depth, ctx, facts);
    // A template's `{{ if .Values.insecure }}` branch renders only for the user who asks.
    if !matches!(
        format,
        FileFormat::Reg
            | FileFormat::Cmd
            | FileFormat::PowerShell
            | FileFormat::C
            | FileFormat::CSharp
            | FileFormat::Java
            | FileFormat::Go
            | FileFormat::JavaScript
            | FileFormat::Python
            | FileFormat::Rust
    ) {
        template::gate_facts(text, facts, start, ctx.flow);
    }
}

fn analyze_format(format: FileFormat, text: &str, depth: u8, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    match format {
        FileFormat::Reg => reg::analyze(text, facts),
        FileFormat::Cmd => cmd::analyze(text, depth, ctx, facts),
        FileFormat::PowerShell => powershell::analyze(text, depth, ctx, facts),
        FileFormat::DotNetConfig | FileFormat::GppRegistry | FileFormat::Xml => {
            xml::analyze(text, facts)
        }
        FileFormat::Shell => shell::analyze(text, depth, ctx, facts),
        FileFormat::Dockerfile => shell::analyze_dockerfile(text, ctx, facts),
        FileFormat::GitConfig
        | FileFormat::Npmrc
        | FileFormat::PipConf
        | FileFormat::Wgetrc
        | FileFormat::Curlrc
        | FileFormat::OpenSslConf => {
            ini::analyze(format, text, facts);
        }
        FileFormat::Nginx => directive::analyze_nginx(text, facts),
        FileFormat::Apache => directive::analyze_apache(text, facts),
        FileFormat::HaProxy => directive::analyze_haproxy(text, facts),
        FileFormat::Mosquitto => directive::analyze_mosquitto(text, facts),
        FileFormat::JavaProperties => properties::analyze(text, facts),
        FileFormat::Bicep => bicep::analyze(text, ctx, facts),
        FileFormat::Json => json::analyze(text, ctx, facts),
        FileFormat::Toml => toml::analyze(text, ctx, facts),
        FileFormat::FirefoxPrefs => firefox::analyze(text, facts),
        FileFormat::Terraform => hcl::analyze(text, ctx, facts),
        FileFormat::AnsibleInventory => ini::analyze_inventory(text, facts),
        FileFormat::SecurityTemplate => inf::analyze(text, facts),
        FileFormat::InnoSetup => iss::analyze(text, facts),
        FileFormat::C
        | FileFormat::CSharp
        | FileFormat::Java
        | FileFormat::Go
        | FileFormat::JavaScript
        | FileFormat::Python => {
            if let Some(lang) = code::tree_lang(format, ctx.ext) {
                code::analyze_tree(lang, text, ctx, facts);
            }
        }
        FileFormat::Rust => code::rust::analyze(text, ctx, facts),
        FileFormat::Yaml => yaml::analyze(text, depth, ctx, facts),
        _ => {}
    }
}

/// Analyzes an embedded script and maps its facts into the enclosing file.
pub fn analyze_embedded(
    format: FileFormat,
    emb: &Embedded,
    depth: u8,
    ctx: &Ctx<'_>,
    facts: &mut Vec<Fact>,
) {
    let mut sub = Vec::new();
    let before = crate::memory::partial_at();
    analyze_at_depth(format, &emb.text, depth, ctx, &mut sub);
    crate::memory::map_partial(before, |o| {
        emb.map_span(crate::diagnostic::Span::new(o, o)).start
    });
    for mut f in sub {
        f.map_spans(&|s| emb.map_span(s));
        facts.push(f);
    }
}

/// Test helper of the settings analyzers: the settings among `facts` as (key, value, the
/// text their span covers).
#[cfg(test)]
pub(crate) fn settings_of(facts: Vec<Fact>, text: &str) -> Vec<(String, String, String)> {
    facts
        .into_iter()
        .filter_map(|f| match f {
            Fact::Setting(s) => Some((
                s.key,
                s.value.text(),
                text[s.span.start..s.span.end].to_string(),
            )),
            _ => None,
        })
        .collect()
}
