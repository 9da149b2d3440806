//! Format analyzers: text in, normalized facts out.
//!
//! Each analyzer is named after the format it reads and knows only its syntax; the
//! meaning of what it finds is decided by the shared rules (see [`crate::engine`]).

pub mod reg;

use crate::facts::Fact;
use crate::format::FileFormat;

/// Runs the analyzer for `format` over `text`, appending facts.
pub fn analyze(format: FileFormat, text: &str, facts: &mut Vec<Fact>) {
    if format == FileFormat::Reg {
        reg::analyze(text, facts);
    }
}
