//! .NET semantics shared by the C#, PowerShell and XML configuration analyzers.

/// Finds `Switch.X.Y=true|false` assignments in a string (AppContextSwitchOverrides
/// syntax); calls `f(name, value, offset, length of the assignment)`.
pub fn appcontext_switches(s: &str, mut f: impl FnMut(&str, &str, usize, usize)) {
    let mut from = 0;
    while let Some(p) = s[from..].find("Switch.") {
        let start = from + p;
        let rest = &s[start..];
        let name_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let after = rest[name_len..].trim_start();
        if let Some(v) = after.strip_prefix('=') {
            let v = v.trim_start();
            let vlen = v
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(v.len());
            let value = &v[..vlen];
            let total = rest.len() - v.len() + vlen;
            if !value.is_empty() {
                f(name, value, start, total);
            }
        }
        from = start + name_len.max(1);
    }
}

/// Classes in C# source that implement `ICertificatePolicy` with a
/// `CheckValidationResult` that only returns true.
pub fn trust_all_policies(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(p) = src[from..].find("class ") {
        let start = from + p + 6;
        let rest = &src[start..];
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let body_start = rest.find('{').map_or(rest.len(), |i| i);
        let header = &rest[..body_start];
        let body_end = rest
            .find(
                "
class ",
            )
            .or_else(|| rest.find(" class "))
            .unwrap_or(rest.len());
        let body = &rest[body_start.min(body_end)..body_end];
        if header.contains("ICertificatePolicy") {
            if let Some(m) = body.find("CheckValidationResult") {
                let after = &body[m..];
                if let Some(open) = after.find('{') {
                    let inner: String = after[open + 1..]
                        .chars()
                        .take_while(|&c| c != '}')
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    if inner == "returntrue;" && !name.is_empty() {
                        out.push(name.clone());
                    }
                }
            }
        }
        from = start;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_in_strings() {
        let mut got = Vec::new();
        appcontext_switches(
            "Switch.A.B=false;Switch.System.Net.DontEnableSchUseStrongCrypto=true",
            |n, v, at, len| got.push((n.to_string(), v.to_string(), at, len)),
        );
        assert_eq!(got[1].0, "Switch.System.Net.DontEnableSchUseStrongCrypto");
        assert_eq!(got[1].1, "true");
        assert_eq!(got[1].2, 17);
    }

    #[test]
    fn policies() {
        let src = "using System.Net;\npublic class TrustAll : ICertificatePolicy {\n public bool CheckValidationResult(ServicePoint sp, X509Certificate c, WebRequest r, int p) {\n return true;\n }\n}";
        assert_eq!(trust_all_policies(src), ["TrustAll"]);
        let strict = src.replace("return true;", "return p == 0;");
        assert!(trust_all_policies(&strict).is_empty());
    }
}
