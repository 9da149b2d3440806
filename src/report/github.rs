//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` line per finding,
//! which GitHub shows as annotations on the pull request's diff.
//!
//! Escaping follows the runner's rules: in the message `%`, CR and LF become `%25`, `%0D`,
//! `%0A`; in properties also `:` and `,` become `%3A` and `%2C`.

use super::{locate_all, repo_path};
use crate::diagnostic::Severity;
use crate::engine::Engine;
use crate::scan::Outcome;
use std::io::{self, Write};

/// Escapes workflow-command data (the message).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Writes the annotations.
pub fn write(outcome: &Outcome, engine: &Engine, w: &mut dyn Write) -> io::Result<()> {
    for l in locate_all(outcome, engine) {
        let f = l.finding;
        let rule = &engine.rules.rules[f.rule];
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        // Text from the file (in the message and the fix) with control characters made
        // visible; the line break before `Fix:` is the report's own.
        // The context (and an opt-in's option) in the message, so the annotation says
        // whether this is product code or a test.
        let mut tags = vec![f.category.as_str().to_string()];
        if l.file.context != crate::context::Context::Product {
            tags.push(l.file.context.as_str().to_string());
        }
        if let Some(o) = &f.opt_in {
            tags.push(format!("opt-in: {}", super::escape::terminal(o)));
        }
        let mut message = format!(
            "[{}] {}",
            tags.join(", "),
            super::escape::terminal(&f.message)
        );
        if let Some(fix) = &f.fix {
            message.push_str(&format!(
                "\nFix: {}",
                super::escape::terminal(&fix.description)
            ));
        }
        writeln!(
            w,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&repo_path(l.file)),
            l.start.line,
            l.start.column,
            l.end.line,
            l.end.column,
            escape_property(&format!("tlslint {}", rule.id)),
            escape_data(&message)
        )?;
    }
    // Paths that could not be read (a mistyped `path:` input) fail the run: say so where
    // the run's annotations are.
    for p in outcome.problems.iter().filter(|p| p.is_error) {
        writeln!(
            w,
            "::error title=tlslint::{}",
            escape_data(&format!("{}: {}", p.path, p.message))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("100% a\r\nb"), "100%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
