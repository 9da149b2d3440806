//! Normalized facts: what analyzers extract from text, and what rules judge.
//!
//! Analyzers are named after formats and know syntax; rules know semantics. The facts
//! between them are format-independent, so that `reg add`, a `.reg` file, PowerShell and
//! Group Policy all produce the same [`RegistryWrite`], and a BITS flag word is the same
//! [`FlagFact`] whether it came from `bitsadmin` or from C++.

use crate::diagnostic::{Category, Span};
pub use crate::rules::registry::RegistryWrite;
use crate::rules::value::Value;

/// Configuration domains that `setting` matchers can name.
pub const DOMAINS: &[&str] = &[
    // git configuration: .gitconfig, `git config`, `git -c`, GIT_CONFIG_* (keys lower-case, `http.<url>.sslverify`).
    "git-config",
    // npm/yarn configuration: .npmrc, `npm config set`, npm_config_* variables.
    "npm-config",
    // Environment variables: set/export/$env:/ENV/CI variables/process.env/os.environ.
    "env",
    // pip configuration: pip.conf/pip.ini and `--trusted-host`-style options.
    "pip-config",
    // kubeconfig clusters.
    "kubeconfig",
    // Ansible module arguments and inventory variables.
    "ansible",
    // Terraform/HCL attributes (`provider.<name>.<attr>`).
    "terraform",
    // curl and wget configuration files.
    "curlrc",
    "wgetrc",
    // .NET/IIS XML configuration: `element@attribute` paths (lower-case).
    "dotnet-config",
    // .NET AppContext switches (AppContextSwitchOverrides, AppContext.SetSwitch).
    "appcontext-switch",
    // .NET properties assigned in code (C#, PowerShell): the key is the member name
    // (`CheckCertificateRevocationList`).
    "dotnet-member",
    // Member and key assignments in source code, per language: `InsecureSkipVerify: true`
    // (go), `rejectUnauthorized: false` (javascript), `verify=False` (python), `x.y = v`
    // (java, c). C# uses `dotnet-member`, shared with PowerShell.
    "go",
    "javascript",
    "python",
    "java",
    "c",
    "rust",
    // Constant-keyed call options: `curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L)` is key
    // `curl_easy_setopt.CURLOPT_SSL_VERIFYPEER` with value `0L`.
    "call-option",
    // Literal call arguments: `SSLContext.getInstance("TLSv1")` is key
    // `SSLContext.getInstance` with value `TLSv1` (one fact per literal argument).
    "call-arg",
    // JVM system properties (`System.setProperty`, `-Dname=value`).
    "jvm-property",
    // Generic YAML keys of tools that are not modelled further (docker-compose, Helm values).
    "yaml",
    // Server configuration directives, keyed by name (lower-case): nginx `ssl_protocols`,
    // Apache `sslprotocol` (its value the protocols the +/- list leaves enabled), HAProxy
    // keywords and `bind`/`server` parameters (`server.verify`), Mosquitto options.
    "nginx",
    "apache",
    "haproxy",
    "mosquitto",
    // OpenSSL configuration (`openssl.cnf`): `section.key`.
    "openssl-conf",
    // Java properties files (`java.security`, `gradle.properties`, `application.properties`).
    "java-properties",
    // Azure Bicep properties by path (`properties.siteConfig.minTlsVersion`).
    "bicep",
    // JSON members by path (`resources.properties.minimumTlsVersion`, `policies.SSLVersionMin`).
    "json",
    // Firefox preferences (`prefs.js`, `user.js`, `mozilla.cfg`).
    "firefox-pref",
];

/// Constructs that `construct` matchers can name.
pub const CONSTRUCTS: &[&str] = &[
    // A certificate-validation callback or trust manager that accepts everything (or, with
    // hostname-validation, a name mismatch).
    "trust-all-callback",
    // A host-name verifier that accepts every name.
    "trust-all-hostname-verifier",
    // A .NET ICertificatePolicy whose CheckValidationResult returns true, installed.
    "trust-all-certificate-policy",
    // An IIS URL Rewrite rule redirecting HTTPS requests to http://.
    "rewrite-redirect-to-http",
    // A rustls ServerCertVerifier that returns `ServerCertVerified::assertion()` unconditionally.
    "rustls-verifier-accepts-any",
];

/// A value from a flag table met in code or a command line.
#[derive(Debug, Clone)]
pub struct FlagFact {
    /// Table id.
    pub table: String,
    /// The value (a named constant's value, or a number).
    pub value: u64,
    /// The constant name when the value was written as one.
    pub name: Option<String>,
    /// Where it is written.
    pub span: Span,
}

/// A command-line option of a command.
#[derive(Debug, Clone)]
pub struct OptionFact {
    /// The command (lower-case, without path or `.exe`).
    pub command: String,
    /// The option as written, without an attached value (`--insecure`, `-fsSLk`,
    /// `-SkipCertificateCheck`).
    pub option: String,
    /// Where the option is written.
    pub option_span: Span,
    /// A value attached to the option (`--opt=value`, PowerShell `-Opt:$value`).
    pub attached: Option<(Value, Span)>,
    /// The next argument, when it does not look like an option.
    pub next: Option<(Value, Span)>,
}

/// A configuration setting.
#[derive(Debug, Clone)]
pub struct SettingFact {
    /// One of [`DOMAINS`].
    pub domain: &'static str,
    /// The key (compared ignoring ASCII case).
    pub key: String,
    /// The value.
    pub value: Value,
    /// Where the value is written.
    pub span: Span,
}

/// A structure an analyzer recognized.
#[derive(Debug, Clone)]
pub struct ConstructFact {
    /// One of [`CONSTRUCTS`].
    pub name: &'static str,
    /// What it weakens.
    pub categories: Vec<Category>,
    /// Where it is written.
    pub span: Span,
    /// A few words for the message (`{detail}`).
    pub detail: String,
}

/// The syntactic place where a code value takes effect, for matchers that care
/// (`positions = ["argument"]`: aiohttp's `ssl=False` keyword, not a `{'ssl': False}` dict).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// A keyword/named argument of a call (`verify=False`).
    Argument,
    /// A field of a struct or object literal (`InsecureSkipVerify: true`).
    Field,
    /// A key of a dict/map/hashtable literal (`{'verify': False}`).
    Key,
    /// An assignment to a member (`cfg.InsecureSkipVerify = true`).
    Member,
    /// An option function or setter (`WithInsecureSkipVerify(true)`).
    Setter,
    /// A positional argument of a call.
    Call,
    /// The default of a declared option (Ansible's `validate_certs=dict(type='bool',
    /// default=False)`): only matchers that name this position judge it.
    Default,
}

impl Position {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Position::Argument => "argument",
            Position::Field => "field",
            Position::Key => "key",
            Position::Member => "member",
            Position::Setter => "setter",
            Position::Call => "call",
            Position::Default => "default",
        }
    }

    /// Parses a rule file's name.
    pub fn parse(s: &str) -> Option<Position> {
        [
            Position::Argument,
            Position::Field,
            Position::Key,
            Position::Member,
            Position::Setter,
            Position::Call,
            Position::Default,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// Where a value lands, when that is not where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkRef {
    /// The place where the value takes effect.
    pub span: Span,
    /// A short description (`WinHttpSetOption(..., WINHTTP_OPTION_SECURITY_FLAGS, ...)`).
    pub text: String,
}

/// What value flow learned about a fact: where it lands, who asked for it.
#[derive(Debug, Clone, Default)]
pub struct Via {
    /// The sink, when the value is written elsewhere (a variable assigned earlier).
    pub sink: Option<SinkRef>,
    /// Statements the value passed through (for SARIF code flows), value first.
    pub path: Vec<SinkRef>,
    /// The option whose meaning is the bypass and that gates the fact (DETECTION.md,
    /// "Who asked for it?"): the finding becomes an opt-in note.
    pub opt_in: Option<String>,
    /// The value is the option itself (`InsecureSkipVerify: opts.Insecure`): matchers on
    /// a boolean switch hold whatever it is.
    pub passthrough: bool,
    /// Where the value takes effect syntactically.
    pub position: Option<Position>,
    /// The type of the object literal, or the receiver of the member, the setting is in.
    pub qualifier: Option<String>,
    /// The written text is not the value (negated, wrapped): no mechanical fix.
    pub no_fix: bool,
    /// The member of the same object that replaces the check the setting turns off
    /// (`VerifyPeerCertificate` beside `InsecureSkipVerify: true`).
    pub replaced_by: Option<String>,
}

impl Fact {
    /// Changes what value flow learned about this fact (`edit` on its [`Via`]), wrapping
    /// a bare fact first.
    pub fn edit_via(&mut self, edit: impl FnOnce(&mut Via)) {
        if let Fact::Via(_, via) = self {
            edit(via);
            return;
        }
        let placeholder = Fact::Flags(FlagFact {
            table: String::new(),
            value: 0,
            name: None,
            span: Span::default(),
        });
        let inner = std::mem::replace(self, placeholder);
        let mut via = Via::default();
        edit(&mut via);
        *self = Fact::Via(Box::new(inner), Box::new(via));
    }
}

/// Any fact.
#[derive(Debug, Clone)]
pub enum Fact {
    /// A registry write.
    Registry(RegistryWrite),
    /// A flag value.
    Flags(FlagFact),
    /// A command-line option.
    Option(OptionFact),
    /// A configuration setting.
    Setting(SettingFact),
    /// A recognized construct.
    Construct(ConstructFact),
    /// A fact with what value flow learned about it.
    Via(Box<Fact>, Box<Via>),
}

impl Fact {
    /// The span of the fact.
    pub fn span(&self) -> Span {
        match self {
            Fact::Registry(r) => r.span,
            Fact::Flags(f) => f.span,
            Fact::Option(o) => o.option_span,
            Fact::Setting(s) => s.span,
            Fact::Construct(c) => c.span,
            Fact::Via(f, _) => f.span(),
        }
    }

    /// Maps every span (facts of an embedded script mapped into its file).
    pub fn map_spans(&mut self, f: &dyn Fn(Span) -> Span) {
        match self {
            Fact::Registry(r) => {
                r.span = f(r.span);
                r.entry = r.entry.map(f);
            }
            Fact::Flags(x) => x.span = f(x.span),
            Fact::Option(o) => {
                o.option_span = f(o.option_span);
                if let Some((_, s)) = o.attached.as_mut() {
                    *s = f(*s);
                }
                if let Some((_, s)) = o.next.as_mut() {
                    *s = f(*s);
                }
            }
            Fact::Setting(s) => s.span = f(s.span),
            Fact::Construct(c) => c.span = f(c.span),
            Fact::Via(inner, via) => {
                inner.map_spans(f);
                if let Some(s) = via.sink.as_mut() {
                    s.span = f(s.span);
                }
                for p in &mut via.path {
                    p.span = f(p.span);
                }
            }
        }
    }
}
