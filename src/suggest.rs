//! "Did you mean ...?" for names people type: rule ids, categories, configuration keys,
//! values and flag-table kinds.

/// The candidate closest to `input`, when it is close enough to be a likely typo:
/// a normalized Damerau-Levenshtein similarity of at least 0.7 (`curl-insecur`,
/// `exlude`), or `input` is a prefix of at least half of it (`warn` for `warning`).
/// Case is ignored. A long id that merely starts with the input (`powershell` and
/// `powershell-ssl-protocol-legacy`) is not suggested.
pub fn closest<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let needle = input.trim().to_ascii_lowercase();
    if needle.is_empty() {
        return None;
    }
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        let hay = c.to_ascii_lowercase();
        let mut score = strsim::normalized_damerau_levenshtein(&needle, &hay);
        if needle.len() >= 3 && hay.starts_with(&needle) {
            score = score.max(needle.len() as f64 / hay.len() as f64 + 0.2);
        }
        if score >= 0.7 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean `x`?)` for the closest candidate, or nothing.
pub fn hint<'a, I>(input: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    closest(input, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let ids = [
            "curl-insecure",
            "curl-revocation-check-off",
            "cert-validation",
        ];
        assert_eq!(closest("curl-insecur", ids), Some("curl-insecure"));
        assert_eq!(closest("cert-validaton", ids), Some("cert-validation"));
        assert_eq!(closest("CURL-INSECURE", ids), Some("curl-insecure"));
        assert_eq!(closest("powershell", ids), None);
        assert_eq!(
            closest("powershell", ["powershell-ssl-protocol-legacy"]),
            None
        );
        assert_eq!(
            closest("warn", ["error", "warning", "note"]),
            Some("warning")
        );
        assert_eq!(
            closest("legacy-protocols", ["legacy-protocol", "curl-legacy-tls"]),
            Some("legacy-protocol")
        );
        assert_eq!(
            hint("exlude", ["exclude", "include"]),
            " (did you mean `exclude`?)"
        );
        assert_eq!(hint("zzz", ["exclude"]), "");
    }
}
