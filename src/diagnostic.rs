//! The vocabulary every stage shares: categories, severities, spans, findings and fixes.
//!
//! A [`Finding`] is what a rule says about one place in one file. Positions are byte
//! offsets into the *decoded* text of the file; they are turned into lines and columns
//! only when a report is written (see [`crate::source::LineIndex`]). Fixes are plain data
//! (edits + applicability), in the manner of ruff: rules propose, the engine applies.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The five kinds of TLS weakness tlslint reports (DETECTION.md, "The five categories").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// The peer's certificate chain is not (fully) verified.
    CertValidation,
    /// The certificate's name is not matched against the host.
    HostnameValidation,
    /// Revocation checking (CRL/OCSP) is switched off.
    Revocation,
    /// SSL 2.0/3.0 or TLS 1.0/1.1 is enabled or allowed, or strong crypto is off.
    LegacyProtocol,
    /// An HTTPS request may be redirected to plain HTTP.
    InsecureRedirect,
    /// Not a TLS weakness: a `tlslint: ignore` comment that names an unknown rule or
    /// suppresses nothing (the `unknown-suppression` and `unused-suppression` rules). Not in
    /// [`Category::ALL`], which lists the five TLS categories.
    Suppression,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 5] = [
        Category::CertValidation,
        Category::HostnameValidation,
        Category::Revocation,
        Category::LegacyProtocol,
        Category::InsecureRedirect,
    ];

    /// The kebab-case name used in reports, configuration and suppressions.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::CertValidation => "cert-validation",
            Category::HostnameValidation => "hostname-validation",
            Category::Revocation => "revocation",
            Category::LegacyProtocol => "legacy-protocol",
            Category::InsecureRedirect => "insecure-redirect",
            Category::Suppression => "suppression",
        }
    }

    /// Parses a kebab-case category name (the five of [`Category::ALL`] and `suppression`).
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .chain([Category::Suppression])
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The CWE that best describes the category (used when a rule names none).
    pub fn cwe(self) -> u32 {
        match self {
            Category::CertValidation => 295,
            Category::HostnameValidation => 297,
            Category::Revocation => 299,
            Category::LegacyProtocol => 327,
            Category::InsecureRedirect => 319,
            // No weakness: suppression findings carry no CWE.
            Category::Suppression => 0,
        }
    }

    /// Why weakening this is dangerous: the "Why is this dangerous?" of every rule in
    /// the category.
    pub fn rationale(self) -> &'static str {
        match self {
            Category::CertValidation => {
                "A client that does not validate the server's certificate cannot tell the real server \
                 from anyone who can intercept the connection: a proxy on the path, a rogue access \
                 point, a poisoned DNS answer. The attacker presents any certificate, the client \
                 accepts it, and everything sent over the \"secure\" channel (credentials, tokens, \
                 downloaded code) can be read and changed."
            }
            Category::HostnameValidation => {
                "A certificate proves an identity only together with the name it was issued to. \
                 Without the name check, any certificate that chains to a trusted CA (one the \
                 attacker obtained for their own domain, or any certificate of the same private CA) \
                 is accepted for the server, so the connection can be intercepted as if validation \
                 were off."
            }
            Category::Revocation => {
                "Revocation is how a CA withdraws a certificate whose private key was stolen or that \
                 was mis-issued. A client that does not check, or ignores a failed check, keeps \
                 accepting such a certificate until it expires, which gives whoever holds the stolen \
                 key months or years of undetected interception."
            }
            Category::LegacyProtocol => {
                "SSL 2.0, SSL 3.0, TLS 1.0 and TLS 1.1 have known weaknesses (POODLE, BEAST, weak MAC \
                 and cipher constructions) and are deprecated (RFC 8996). Allowing them lets an \
                 attacker on the path force a downgrade to a version they can break or tamper with; \
                 security baselines (PCI DSS, NIST SP 800-52r2) forbid them."
            }
            Category::InsecureRedirect => {
                "Following a redirect from HTTPS to plain HTTP sends the rest of the exchange \
                 (cookies, credentials, the downloaded file) unencrypted and unauthenticated. An \
                 attacker on the path can inject such a redirect or tamper with the HTTP leg, which \
                 defeats the HTTPS of the first request."
            }
            Category::Suppression => {
                "A suppression comment is a promise that a finding was reviewed. One that names a \
                 rule or category that does not exist suppresses nothing, so the finding it was \
                 meant for stays (or a typo hides the wrong thing later); one that no longer \
                 suppresses anything is stale and will silently hide the next finding on its line."
            }
        }
    }

    /// A short human phrase ("certificate validation").
    pub fn phrase(self) -> &'static str {
        match self {
            Category::CertValidation => "certificate validation",
            Category::HostnameValidation => "host name validation",
            Category::Revocation => "revocation checking",
            Category::LegacyProtocol => "legacy protocol",
            Category::InsecureRedirect => "HTTPS to HTTP redirect",
            Category::Suppression => "suppression comment",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a finding is. Orders `Note < Warning < Error`.
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
pub enum Severity {
    /// Worth a look.
    Note,
    /// Weakens TLS.
    Warning,
    /// Switches a protection off.
    Error,
}

impl Severity {
    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning` or `note`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "note" | "info" => Some(Severity::Note),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A half-open byte range `[start, end)` in a file's decoded text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (swapped if given backwards).
    pub fn new(start: usize, end: usize) -> Span {
        if end < start {
            Span {
                start: end,
                end: start,
            }
        } else {
            Span { start, end }
        }
    }

    /// Moves the span by `delta` bytes.
    #[must_use]
    pub fn shifted(self, delta: usize) -> Span {
        Span {
            start: self.start + delta,
            end: self.end + delta,
        }
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// True for an empty span.
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Whether `--fix` may apply a fix without asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Applied by `--fix`.
    Safe,
    /// Shown, applied only with `--unsafe-fixes`.
    Unsafe,
    /// Shown as a suggestion only.
    DisplayOnly,
}

/// One replacement of a span's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// What is replaced.
    pub span: Span,
    /// The replacement (empty for a deletion).
    pub text: String,
}

/// A proposed change that removes a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, in a few words.
    pub description: String,
    /// Non-overlapping edits, sorted by start.
    pub edits: Vec<Edit>,
    /// Whether `--fix` may apply it.
    pub applicability: Applicability,
}

/// What a rule reports about one place in one file.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Index of the rule in the rule set.
    pub rule: usize,
    /// The finding's category.
    pub category: Category,
    /// Severity (the rule's, possibly overridden by configuration).
    pub severity: Severity,
    /// Where the dangerous value sits.
    pub span: Span,
    /// One-line explanation with the decoded value.
    pub message: String,
    /// Extra lines for human output (decoded bits, context).
    pub notes: Vec<String>,
    /// A mechanical fix, when one exists.
    pub fix: Option<Fix>,
    /// The option that gates the setting (an opt-in: DETECTION.md, "Who asked for it?").
    pub opt_in: Option<String>,
    /// Where the value takes effect, when that is not where it is written.
    pub sink: Option<crate::facts::SinkRef>,
    /// The statements the value passed through, value first (SARIF code flows).
    pub path: Vec<crate::facts::SinkRef>,
}
