//! Terraform/HCL: attributes of blocks, as `terraform` settings keyed by their block path
//! (`provider.kubernetes.insecure`, `resource.vault_mount.x.skip_tls_verify`).
//!
//! A line-oriented reader (blocks `name "label" {`, attributes `key = value`, `#`, `//`
//! and `/* */` comments, heredocs skipped) is enough for the switches that matter; values
//! that are expressions (`var.insecure`) are not literals and are not judged.

use crate::diagnostic::Span;
use crate::facts::{Fact, SettingFact};
use crate::rules::value::Value;

use super::Ctx;

/// Analyzes HCL. Only attributes whose block path a rule asks about become facts: a
/// generated file of half a million attributes would otherwise hold them all.
pub fn analyze(text: &str, ctx: &Ctx<'_>, facts: &mut Vec<Fact>) {
    let mut path: Vec<String> = Vec::new();
    let mut full = String::new();
    let mut depths: Vec<usize> = Vec::new();
    let mut in_block_comment = false;
    let mut heredoc: Option<String> = None;
    let mut off = 0;
    for raw in text.split_inclusive('\n') {
        let start = off;
        off += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let t = line.trim();
        if let Some(end) = &heredoc {
            if t == end {
                heredoc = None;
            }
            continue;
        }
        if in_block_comment {
            if t.contains("*/") {
                in_block_comment = false;
            }
            continue;
        }
        if t.starts_with("/*") {
            in_block_comment = !t.contains("*/");
            continue;
        }
        if t.is_empty() || t.starts_with('#') || t.starts_with("//") {
            continue;
        }
        if t.starts_with('}') {
            if let Some(n) = depths.pop() {
                path.truncate(path.len().saturating_sub(n));
            }
            continue;
        }
        if let Some(head) = t.strip_suffix('{') {
            let parts: Vec<String> = head
                .split_whitespace()
                .map(|p| p.trim_matches('"').to_string())
                .filter(|p| !p.is_empty() && p != "=")
                .collect();
            depths.push(parts.len());
            path.extend(parts);
            continue;
        }
        if let Some((k, v)) = t.split_once('=') {
            let key = k.trim();
            if !key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                continue;
            }
            let v = v.trim();
            if let Some(h) = v.strip_prefix("<<") {
                heredoc = Some(h.trim_start_matches('-').trim().to_string());
                continue;
            }
            full.clear();
            for p in &path {
                full.push_str(p);
                full.push('.');
            }
            full.push_str(key);
            if !ctx.wants("terraform", &full) {
                continue;
            }
            let value_text = v
                .split("//")
                .next()
                .unwrap_or(v)
                .split('#')
                .next()
                .unwrap_or(v)
                .trim();
            let literal = value_text.trim_matches('"');
            let value = if value_text.starts_with('"')
                || matches!(value_text, "true" | "false")
                || value_text.parse::<f64>().is_ok()
            {
                Value::Str(literal.to_string())
            } else {
                Value::Unknown
            };
            let vpos = line.find(value_text).unwrap_or(0);
            let span = Span::new(start + vpos, start + vpos + value_text.len().max(1));
            facts.push(Fact::Setting(SettingFact {
                domain: "terraform",
                key: full.clone(),
                value,
                span,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "provider \"kubernetes\" {\n  insecure = true\n  host = \"h\"\n}\nvariable \"insecure\" {\n  default = false\n}\n";

    /// The keys of the setting facts of [`TEXT`], with `keys` as the rules' key filter.
    fn keys_of(keys: Option<&crate::analyze::KeyFilter>) -> Vec<String> {
        let (tables, index) = (Vec::new(), crate::rules::tables::TableIndex::default());
        let mut ctx = Ctx::bare(&tables, &index);
        ctx.keys = keys;
        let mut f = Vec::new();
        analyze(TEXT, &ctx, &mut f);
        f.iter()
            .filter_map(|f| match f {
                Fact::Setting(s) => Some(s.key.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn block_paths() {
        assert_eq!(
            keys_of(None),
            [
                "provider.kubernetes.insecure",
                "provider.kubernetes.host",
                "variable.insecure.default"
            ]
        );
    }

    #[test]
    fn only_keys_a_rule_asks_about_become_facts() {
        let mut keys = crate::analyze::KeyFilter::default();
        let glob = globset::Glob::new("provider.*.insecure").map(|g| g.compile_matcher());
        keys.add("terraform", &[glob.unwrap()]);
        assert_eq!(keys_of(Some(&keys)), ["provider.kubernetes.insecure"]);
    }
}
