//! Format analyzers: text in, normalized facts out.
//!
//! Each analyzer is named after the format it reads and knows only its syntax; the
//! meaning of what it finds is decided by the shared rules (see [`crate::engine`]).
//! Scripts embedded in other files (PowerShell in a batch file, a CI step) are analyzed
//! by their own language's analyzer through [`analyze_embedded`], which maps positions
//! back to the enclosing file.

pub mod cmd;
pub mod code;
pub mod command;
pub mod dotnet;
pub mod embed;
pub mod hcl;
pub mod ini;
pub mod powershell;
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
    /// The engine, when analyzing for it: an analyzer that would emit a fact for every
    /// `key: value` of a file asks it which keys any rule can match, so that memory holds
    /// only facts that matter.
    pub engine: Option<&'a crate::engine::Engine>,
}

impl Ctx<'_> {
    /// Whether a setting of `domain` named `key` can matter to a rule (always, without an
    /// engine).
    pub fn wants_setting(&self, domain: &str, key: &str) -> bool {
        self.engine.is_none_or(|e| e.wants_setting(domain, key))
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
        | FileFormat::Curlrc => {
            ini::analyze(format, text, facts);
        }
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
