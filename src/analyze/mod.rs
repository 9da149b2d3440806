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
pub mod ini;
pub mod json;
pub mod powershell;
pub mod properties;
pub mod reg;
pub mod shell;
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
    /// The setting keys rules can judge, for analyzers of formats where most values are
    /// not settings (JSON, Bicep) to skip the rest cheaply.
    pub keys: &'a SettingKeys,
}

/// Per setting domain, the literal endings of the rules' key globs (`*mintlsversion` ->
/// `mintlsversion`): a key that ends with none of them cannot match. A domain with a
/// glob ending in a wildcard wants every key; one without rules wants none.
#[derive(Debug, Clone, Default)]
pub struct SettingKeys {
    /// Domain -> suffixes (lower-case); `None` when any key may match.
    by_domain: std::collections::HashMap<String, Option<Vec<String>>>,
    /// Wants every key of every domain (contexts built without rules, in tests).
    all: bool,
}

impl SettingKeys {
    /// A filter that lets every key through.
    pub fn all() -> SettingKeys {
        SettingKeys {
            by_domain: Default::default(),
            all: true,
        }
    }

    /// Records that a rule of `domain` matches keys ending with `suffix` (empty: any key).
    pub fn add(&mut self, domain: &str, suffix: &str) {
        let e = self
            .by_domain
            .entry(domain.to_string())
            .or_insert_with(|| Some(Vec::new()));
        match (e, suffix.is_empty()) {
            (e @ Some(_), true) => *e = None,
            (Some(v), false) => v.push(suffix.to_string()),
            (None, _) => {}
        }
    }

    /// Whether some rule of `domain` could match `key` (compared ignoring ASCII case).
    pub fn wants(&self, domain: &str, key: &str) -> bool {
        if self.all {
            return true;
        }
        match self.by_domain.get(domain) {
            None => false,
            Some(None) => true,
            Some(Some(suffixes)) => suffixes.iter().any(|s| {
                key.len() >= s.len()
                    && key
                        .get(key.len() - s.len()..)
                        .is_some_and(|end| end.eq_ignore_ascii_case(s))
            }),
        }
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
        FileFormat::FirefoxPrefs => firefox::analyze(text, facts),
        FileFormat::Terraform => hcl::analyze(text, facts),
        FileFormat::C => code::analyze(code::Lang::C, text, ctx, facts),
        FileFormat::CSharp => code::analyze(code::Lang::CSharp, text, ctx, facts),
        FileFormat::Java => code::analyze(code::Lang::Java, text, ctx, facts),
        FileFormat::Go => code::analyze(code::Lang::Go, text, ctx, facts),
        FileFormat::JavaScript => code::analyze(code::Lang::Js, text, ctx, facts),
        FileFormat::Python => code::analyze(code::Lang::Python, text, ctx, facts),
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
    analyze_at_depth(format, &emb.text, depth, ctx, &mut sub);
    for mut f in sub {
        f.map_spans(&|s| emb.map_span(s));
        facts.push(f);
    }
}
