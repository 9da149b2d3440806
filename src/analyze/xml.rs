//! XML analyzers: .NET/IIS configuration, Group Policy Preferences `Registry.xml`, WiX.
//!
//! quick-xml gives the document structure (elements, nesting, comments and CDATA skipped
//! correctly); attribute positions are read from the element's own text, so that a
//! finding points at the attribute's value, on its own line in multi-line elements.
//! What becomes a fact:
//!
//! * every attribute, as a `dotnet-config` setting `element@attribute` (rules pick the
//!   ones that matter: `servicepointmanager@checkcertificaterevocationlist`,
//!   `authentication@certificatevalidationmode`, `transport@sslprotocols`, ...);
//! * AppContext switches in `<AppContextSwitchOverrides value="...">` and
//!   `<add key="AppContext.SetSwitch:..." value="..."/>`;
//! * IIS URL Rewrite rules that redirect HTTPS requests to `http://`;
//! * Group Policy Preferences registry items and WiX `RegistryValue`s as registry writes.

use super::dotnet::appcontext_switches;
use crate::diagnostic::{Category, Span};
use crate::facts::{ConstructFact, Fact, SettingFact};
use crate::rules::registry::RegistryWrite;
use crate::rules::value::Value;
use quick_xml::Reader;
use quick_xml::events::Event;

/// An attribute with positions.
#[derive(Debug, Clone)]
struct Attr {
    name: String,
    value: String,
    span: Span,
}

#[derive(Debug, Clone)]
struct Element {
    name: String,
    attrs: Vec<Attr>,
}

impl Element {
    fn get(&self, name: &str) -> Option<&Attr> {
        self.attrs
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(|a| a.value.as_str())
    }
}

/// Reads the attributes of the tag at `text[start..end]` (`<name a="1" b='2'/>`).
fn scan_attrs(text: &str, start: usize, end: usize) -> Vec<Attr> {
    let tag = &text[start..end];
    let b = tag.as_bytes();
    let mut i = 1;
    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' && b[i] != b'/' {
        i += 1;
    }
    let mut out = Vec::new();
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] == b'>' || b[i] == b'/' {
            break;
        }
        let ns = i;
        while i < b.len()
            && !b[i].is_ascii_whitespace()
            && b[i] != b'='
            && b[i] != b'>'
            && b[i] != b'/'
        {
            i += 1;
        }
        let name = &tag[ns..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || (b[i] != b'"' && b[i] != b'\'') {
            break;
        }
        let q = b[i];
        i += 1;
        let vs = i;
        while i < b.len() && b[i] != q {
            i += 1;
        }
        let raw = &tag[vs..i.min(b.len())];
        let value =
            quick_xml::escape::unescape(raw).map_or_else(|_| raw.to_string(), |v| v.into_owned());
        let local = name.rsplit(':').next().unwrap_or(name);
        out.push(Attr {
            name: local.to_string(),
            value,
            span: Span::new(start + vs, start + i.min(b.len())),
        });
        i += 1;
    }
    out
}

/// Whether a URL Rewrite condition restricts the rule to HTTPS requests.
fn https_condition(input: &str, pattern: &str, negate: bool, ignore_case: bool) -> bool {
    let input = input.trim().to_ascii_uppercase();
    let (yes, no) = match input.as_str() {
        "{HTTPS}" => ("on", "off"),
        "{SERVER_PORT_SECURE}" => ("1", "0"),
        "{SERVER_PORT}" => ("443", "80"),
        "{HTTP_X_FORWARDED_PROTO}" => ("https", "http"),
        _ => return false,
    };
    let re = regex::RegexBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .size_limit(1 << 16)
        .build();
    let Ok(re) = re else { return false };
    let (m_yes, m_no) = (re.is_match(yes), re.is_match(no));
    if negate {
        m_no && !m_yes
    } else {
        m_yes && !m_no
    }
}

#[derive(Default)]
struct RewriteRule {
    https: bool,
    redirect_to_http: Option<(Span, String)>,
}

/// Analyzes an XML file (any kind: the element names decide what applies).
pub fn analyze(text: &str, facts: &mut Vec<Fact>) {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = false;
    reader.config_mut().allow_unmatched_ends = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut disabled_depth: Option<usize> = None;
    let mut rule: Option<(usize, RewriteRule)> = None;
    // WiX: RegistryKey Root/Key context.
    let mut wix_keys: Vec<(usize, String)> = Vec::new();
    loop {
        if crate::budget::exceeded() {
            break;
        }
        let pos = usize::try_from(reader.buffer_position())
            .unwrap_or(usize::MAX)
            .min(text.len());
        let ev = match reader.read_event() {
            Ok(e) => e,
            Err(_) => break,
        };
        let (is_start, is_empty) = match &ev {
            Event::Start(_) => (true, false),
            Event::Empty(_) => (true, true),
            _ => (false, false),
        };
        if is_start {
            let end = usize::try_from(reader.buffer_position())
                .unwrap_or(text.len())
                .min(text.len());
            let start = text[pos..end].find('<').map_or(pos, |i| pos + i);
            let name = match &ev {
                Event::Start(e) | Event::Empty(e) => e.local_name().into_inner().to_owned(),
                _ => String::new(),
            };
            let el = Element {
                name,
                attrs: scan_attrs(text, start, end),
            };
            let depth = stack.len();
            if disabled_depth.is_none() && el.value("disabled").is_some_and(|d| d == "1") {
                disabled_depth = Some(depth);
            }
            element(
                &el,
                &stack,
                disabled_depth.is_some(),
                &mut rule,
                &mut wix_keys,
                depth,
                facts,
            );
            stack.push(el);
            if is_empty {
                close(
                    &mut stack,
                    &mut disabled_depth,
                    &mut rule,
                    &mut wix_keys,
                    facts,
                );
            }
        } else if let Event::End(_) = ev {
            close(
                &mut stack,
                &mut disabled_depth,
                &mut rule,
                &mut wix_keys,
                facts,
            );
        } else if let Event::Eof = ev {
            break;
        }
    }
}

fn close(
    stack: &mut Vec<Element>,
    disabled: &mut Option<usize>,
    rule: &mut Option<(usize, RewriteRule)>,
    wix_keys: &mut Vec<(usize, String)>,
    facts: &mut Vec<Fact>,
) {
    let Some(_) = stack.pop() else { return };
    let depth = stack.len();
    if disabled.is_some_and(|d| d >= depth) {
        *disabled = None;
    }
    if rule.as_ref().is_some_and(|(d, _)| *d >= depth) {
        if let Some((_, r)) = rule.take() {
            if let (true, Some((span, url))) = (r.https, r.redirect_to_http) {
                facts.push(Fact::Construct(ConstructFact {
                    name: "rewrite-redirect-to-http",
                    categories: vec![Category::InsecureRedirect],
                    span,
                    detail: format!("Redirect to {url} for HTTPS requests"),
                }));
            }
        }
    }
    while wix_keys.last().is_some_and(|(d, _)| *d >= depth) {
        wix_keys.pop();
    }
}

fn element(
    el: &Element,
    stack: &[Element],
    disabled: bool,
    rule: &mut Option<(usize, RewriteRule)>,
    wix_keys: &mut Vec<(usize, String)>,
    depth: usize,
    facts: &mut Vec<Fact>,
) {
    let lname = el.name.to_ascii_lowercase();
    let parent = stack
        .last()
        .map(|p| p.name.to_ascii_lowercase())
        .unwrap_or_default();
    // Every attribute is a setting `element@attribute`.
    for a in &el.attrs {
        facts.push(Fact::Setting(SettingFact {
            domain: "dotnet-config",
            key: format!("{lname}@{}", a.name.to_ascii_lowercase()),
            value: Value::Str(a.value.clone()),
            span: a.span,
        }));
    }
    match lname.as_str() {
        "appcontextswitchoverrides" => {
            if let Some(a) = el.get("value") {
                let exact = a.span.len() == a.value.len();
                appcontext_switches(&a.value, |name, value, at, len| {
                    let span = if exact {
                        Span::new(a.span.start + at, a.span.start + at + len)
                    } else {
                        a.span
                    };
                    facts.push(Fact::Setting(SettingFact {
                        domain: "appcontext-switch",
                        key: name.to_string(),
                        value: Value::Str(value.to_string()),
                        span,
                    }));
                });
            }
        }
        "add" if parent == "appsettings" => {
            if let (Some(k), Some(v)) = (el.value("key"), el.get("value")) {
                if let Some(name) = k.strip_prefix("AppContext.SetSwitch:") {
                    facts.push(Fact::Setting(SettingFact {
                        domain: "appcontext-switch",
                        key: name.to_string(),
                        value: Value::Str(v.value.clone()),
                        span: v.span,
                    }));
                }
            }
        }
        "rule"
            if matches!(parent.as_str(), "rules" | "globalrules")
                && stack.iter().any(|e| e.name.eq_ignore_ascii_case("rewrite")) =>
        {
            *rule = Some((depth, RewriteRule::default()));
        }
        "add" if parent == "conditions" => {
            if let Some((_, r)) = rule.as_mut() {
                let negate = el
                    .value("negate")
                    .is_some_and(|n| n.eq_ignore_ascii_case("true"));
                let ignore_case = !el
                    .value("ignoreCase")
                    .is_some_and(|n| n.eq_ignore_ascii_case("false"));
                let is_pattern = el
                    .value("matchType")
                    .is_none_or(|m| m.eq_ignore_ascii_case("Pattern"));
                if let (Some(input), Some(pattern), true) =
                    (el.value("input"), el.value("pattern"), is_pattern)
                {
                    if https_condition(input, pattern, negate, ignore_case) {
                        r.https = true;
                    }
                }
            }
        }
        "action" => {
            if let Some((_, r)) = rule.as_mut() {
                let redirect = el
                    .value("type")
                    .is_some_and(|t| t.eq_ignore_ascii_case("Redirect"));
                if let (true, Some(url)) = (redirect, el.get("url")) {
                    if url
                        .value
                        .trim_start()
                        .to_ascii_lowercase()
                        .starts_with("http://")
                    {
                        r.redirect_to_http = Some((url.span, url.value.clone()));
                    }
                }
            }
        }
        "properties" if parent == "registry" && !disabled => gpp_item(el, facts),
        "registrykey" => {
            let root = el.value("Root").or_else(|| wix_keys.last().map(|_| ""));
            let key = el.value("Key").unwrap_or("");
            let full = match (root, wix_keys.last()) {
                (Some(r), _) if !r.is_empty() => format!("{r}\\{key}"),
                (_, Some((_, parent_key))) => format!("{parent_key}\\{key}"),
                _ => String::new(),
            };
            if !full.is_empty() {
                wix_keys.push((depth, full));
            }
        }
        "registryvalue" => wix_value(el, wix_keys.last().map(|(_, k)| k.as_str()), facts),
        _ => {}
    }
}

/// A Group Policy Preferences registry item: `<Properties action hive key name type value/>`.
fn gpp_item(el: &Element, facts: &mut Vec<Fact>) {
    let action = el.value("action").unwrap_or("U");
    if action.eq_ignore_ascii_case("D") {
        return;
    }
    let (Some(hive), Some(key), Some(v)) = (el.value("hive"), el.value("key"), el.get("value"))
    else {
        return;
    };
    let name = if el.value("default").is_some_and(|d| d == "1") {
        ""
    } else {
        el.value("name").unwrap_or("")
    };
    let ty = el.value("type").unwrap_or("REG_SZ").to_ascii_uppercase();
    // GPP stores DWORD/QWORD data as hex digits, also when displayDecimal="1".
    let value = match ty.as_str() {
        "REG_DWORD" | "REG_QWORD" | "REG_DWORD_BIG_ENDIAN" => {
            u64::from_str_radix(v.value.trim().trim_start_matches("0x"), 16)
                .map_or(Value::Unknown, Value::Int)
        }
        "REG_BINARY" | "REG_NONE" => Value::Unknown,
        _ => Value::Str(v.value.clone()),
    };
    facts.push(Fact::Registry(RegistryWrite {
        key: format!("{hive}\\{key}"),
        value_name: name.to_string(),
        value,
        span: v.span,
        entry: None,
        added: false,
    }));
}

/// A WiX `<RegistryValue Root Key Name Value Type/>` (Key relative to an enclosing `RegistryKey`).
fn wix_value(el: &Element, parent_key: Option<&str>, facts: &mut Vec<Fact>) {
    let Some(v) = el.get("Value") else { return };
    if el
        .value("Action")
        .is_some_and(|a| a.eq_ignore_ascii_case("remove"))
    {
        return;
    }
    let key = match (el.value("Root"), el.value("Key"), parent_key) {
        (Some(r), Some(k), _) => format!("{r}\\{k}"),
        (None, Some(k), Some(p)) => format!("{p}\\{k}"),
        (None, None, Some(p)) => p.to_string(),
        _ => return,
    };
    let ty = el.value("Type").unwrap_or("string").to_ascii_lowercase();
    let value = if ty == "integer" {
        crate::rules::tables::parse_int(&v.value).map_or(Value::Unknown, Value::Int)
    } else {
        Value::Str(v.value.clone())
    };
    facts.push(Fact::Registry(RegistryWrite {
        key,
        value_name: el.value("Name").unwrap_or("").to_string(),
        value,
        span: v.span,
        entry: None,
        added: false,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_positions() {
        let t = "<a x=\"1\"\n   y='two &amp; three' />";
        let attrs = scan_attrs(t, 0, t.len());
        assert_eq!(attrs[1].name, "y");
        assert_eq!(attrs[1].value, "two & three");
        assert_eq!(
            &t[attrs[1].span.start..attrs[1].span.end],
            "two &amp; three"
        );
    }

    #[test]
    fn https_conditions() {
        assert!(https_condition("{HTTPS}", "^ON$", false, true));
        assert!(https_condition("{HTTPS}", "on", false, true));
        assert!(!https_condition("{HTTPS}", "off", false, true));
        assert!(!https_condition("{HTTPS}", "^OFF$", false, true));
        assert!(https_condition("{HTTPS}", "off", true, true));
        assert!(!https_condition("{HTTPS}", ".*", false, true));
        assert!(https_condition("{SERVER_PORT}", "^443$", false, true));
        assert!(!https_condition("{HTTP_HOST}", "on", false, true));
    }

    #[test]
    fn malformed_xml_does_not_panic() {
        let mut f = Vec::new();
        for t in [
            "<a",
            "<a b=\"",
            "<a><b></a>",
            "</x>",
            "<?xml",
            "<!-- ",
            "<a b=c>",
            "\u{feff}<a/>",
        ] {
            analyze(t, &mut f);
        }
    }
}
