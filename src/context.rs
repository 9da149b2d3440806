//! Where a file lives: product code, tests, examples, vendored or generated code, docs.
//!
//! A minimal stand-in so that reports can group by context (issue 14, item 4): every file
//! is `product` here. The classifier (ecosystem conventions, `.gitattributes`,
//! configuration globs) replaces this file.

use serde::{Deserialize, Serialize};

/// The context of a file.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    /// Product code, deployment scripts, CI: what ships or runs.
    Product,
    /// Tests, test data, test helpers.
    Test,
    /// Examples and samples shipped for users to copy.
    Example,
    /// Third-party code kept in the repository.
    Vendor,
    /// Generated code.
    Generated,
    /// Documentation.
    Docs,
}

impl Context {
    /// Every context, in report order.
    pub const ALL: [Context; 6] = [
        Context::Product,
        Context::Test,
        Context::Example,
        Context::Vendor,
        Context::Generated,
        Context::Docs,
    ];

    /// The name used in reports and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Product => "product",
            Context::Test => "test",
            Context::Example => "example",
            Context::Vendor => "vendor",
            Context::Generated => "generated",
            Context::Docs => "docs",
        }
    }

    /// Parses a configuration name.
    pub fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}
