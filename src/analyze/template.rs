//! Template directives around configuration text: Helm / Go `text/template` (`{{ ... }}`)
//! and Jinja (`{% ... %}`, `{# ... #}`, `{{ ... }}`).
//!
//! A chart's `templates/deployment.yaml` or a role's `inventory.j2` is YAML, INI or shell
//! with directives woven in; the directives make the file unreadable for the format's own
//! parser. [`blank`] returns a text of the same length in which every directive is
//! replaced by characters of the same byte length, newlines kept, so that line and column
//! of everything else stay exact and facts found in the blanked text point at the
//! original file:
//!
//! * control actions (`{{- if .Values.x }}`, `{{ end }}`, `{{ range }}`, `{{ define }}`,
//!   `{{ $v := ... }}`), comments (`{{/* */}}`, `{# #}`) and Jinja statements (`{% %}`)
//!   render nothing: they become spaces. `curl {{ if .Values.insecure }}--insecure{{ end }}`
//!   reads as `curl` with `--insecure`: a conditional flag is still a flag, and when the
//!   condition is an option whose name says the bypass (or a check-named option turned
//!   off: `{{ if not .Values.verify }}`, the `else` of `{{ if .Values.verify }}`), what the
//!   branch renders is an opt-in of that option ([`gate_facts`]);
//! * a line that holds nothing but directives (`{{- include "x" . | nindent 4 }}`, which
//!   renders YAML we cannot know) becomes blank;
//! * an output action that renders a block (`{{- include "x" . | nindent 4 }}`,
//!   `toYaml`) becomes spaces: the lines below it continue that block;
//! * any other output action becomes `_` characters: an unknown scalar that keeps the
//!   structure around it (`key: {{ .Values.x | quote }}` is `key: ____...`);
//! * an output action whose pipeline ends in `default <literal>` (`{{ .Values.x | default
//!   true }}`) keeps the literal's bytes where they are written and blanks the rest: the
//!   chart's default is what most installations run, and a fix edits the literal itself.
//!
//! `${{ ... }}` (GitHub Actions, Azure Pipelines expressions) is not a template directive
//! and is left alone.

use crate::diagnostic::Span;

/// Which template languages a text uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dialects {
    /// Go `text/template` (Helm): control actions on lines of their own.
    pub go: bool,
    /// Jinja: `{% %}` statements or `{# #}` comments.
    pub jinja: bool,
}

impl Dialects {
    /// Whether any directive was seen.
    pub fn any(self) -> bool {
        self.go || self.jinja
    }
}

/// Go template keywords that render nothing.
const GO_CONTROL: &[&str] = &[
    "if", "else", "end", "range", "with", "define", "block", "break", "continue",
];

/// The dialects whose control lines appear in `text`: a line that starts with a Go
/// control action (`{{- if`, `{{ end }}`, `{{/*`, `{{- define`) or a Jinja statement or
/// comment (`{%`, `{#`). Output expressions alone (`"{{ item.name }}"`, Ansible's quoted
/// Jinja) do not make a text a template: they are valid YAML strings.
pub fn detect(text: &str) -> Dialects {
    let mut d = Dialects::default();
    if !text.contains("{{") && !text.contains("{%") && !text.contains("{#") {
        return d;
    }
    for line in text.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("{{") {
            let inner = rest.trim_start_matches('-').trim_start();
            if inner.starts_with("/*") || first_word(inner).is_some_and(|w| GO_CONTROL.contains(&w))
            {
                d.go = true;
            }
        } else if t.starts_with("{%") || t.starts_with("{#") {
            d.jinja = true;
        }
        if d.go && d.jinja {
            break;
        }
    }
    d
}

fn first_word(s: &str) -> Option<&str> {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (end > 0).then(|| &s[..end])
}

/// What a directive renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Plain text of the file.
    Text,
    /// A directive that renders nothing (or a line of directives only).
    Space,
    /// An output action: an unknown value.
    Output,
    /// Kept as written: the literal of a `default`, or a Jinja expression in the middle
    /// of a value.
    Keep,
}

/// A text with its directives blanked (same byte length, same line ends).
#[derive(Debug, Clone)]
pub struct Blanked {
    /// The blanked text.
    pub text: String,
    /// String literals assigned to template variables that hold command-line options
    /// (`{{- $tls := " --insecure-skip-tls-verify" -}}`): their content and its span.
    pub option_literals: Vec<(String, Span)>,
    /// The text each `if`/`else if` (`{% if %}`/`{% elif %}`) branch renders only under
    /// its condition: the branch's span and the condition as written.
    pub branches: Vec<(Span, String)>,
}

/// A block open at some point of the text: an `if` branch (its condition and where it
/// starts) or another block (`range`, `with`, `define`, `{% for %}`).
struct Open {
    cond: Option<String>,
    start: usize,
}

impl Blanked {
    /// The option whose name says the bypass and that gates the text at `span` (`curl {{
    /// if .Values.noCheckCertificate }}--insecure{{ end }}`, `{% if not validate_certs
    /// %}`): the chart's or role's user asks for it, so what it renders is an opt-in.
    pub fn gate(&self, span: Span, flow: &crate::ir::flow::FlowConfig) -> Option<String> {
        self.branches
            .iter()
            .filter(|(b, _)| b.start <= span.start && span.end <= b.end)
            .filter_map(|(b, cond)| gate_of(cond, flow).map(|g| (b.end - b.start, g)))
            .min_by_key(|(len, _)| *len)
            .map(|(_, g)| g)
    }
}

/// The option a condition tests so that the branch runs only when its user asked for the
/// bypass: a name that says the bypass (`.Values.insecure`, `noCheckCertificate`), or one
/// that names the check, negated (`not .Values.tls.verify`, `eq .Values.verify false`).
/// Not through `or` (another operand may hold), nor a negated bypass name.
fn gate_of(cond: &str, flow: &crate::ir::flow::FlowConfig) -> Option<String> {
    let words: Vec<&str> = cond
        .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ','))
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| *w == "or" || *w == "||") {
        return None;
    }
    let negated_all = words
        .iter()
        .any(|w| matches!(*w, "false" | "False" | "\"false\""));
    let mut prev = "";
    for w in &words {
        let name = w.trim_matches(['$', '!']);
        let is_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '.' || c == '_')
            && !matches!(
                name,
                "and" | "not" | "eq" | "ne" | "is" | "true" | "false" | "defined"
            );
        if is_name && flow.is_gate(name) {
            let negated = prev == "not" || w.starts_with('!') || negated_all;
            if flow.option_names_the_check(name) == negated {
                return Some(name.to_string());
            }
        }
        prev = w;
    }
    None
}

/// Longest directive followed (a longer one is taken as unterminated).
const MAX_ACTION: usize = 64 * 1024;

/// Blanks the directives of `text`. `all_output` also blanks Jinja output expressions
/// (`{{ var }}`) that are not alone on their line; Go output actions are always blanked.
pub fn blank(text: &str, dialects: Dialects, all_output: bool) -> Blanked {
    let b = text.as_bytes();
    let mut kinds = vec![Kind::Text; b.len()];
    let mut option_literals = Vec::new();
    let mut branches: Vec<(Span, String)> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] != b'{' {
            match memchr::memchr(b'{', &b[i..]) {
                Some(k) => i += k,
                None => break,
            }
            continue;
        }
        let open = b[i + 1];
        // `${{ ... }}` is a CI expression, `${#array[@]}` a shell length.
        let after_dollar = i > 0 && b[i - 1] == b'$';
        let is_expr = open == b'{' && !after_dollar;
        let is_stmt = dialects.jinja && (open == b'%' || open == b'#') && !after_dollar;
        if !is_expr && !is_stmt {
            i += 1;
            continue;
        }
        let Some(end) = action_end(b, i) else {
            i += 2;
            continue;
        };
        let inner = text.get(i + 2..end - 2).unwrap_or("");
        if (is_expr && dialects.go) || (is_stmt && open == b'%') {
            let body = inner.trim_matches(['-', '+', '~']).trim();
            blocks(body, i, end, &mut stack, &mut branches);
        }
        if is_stmt {
            kinds[i..end].fill(Kind::Space);
        } else {
            let body = inner.trim_start_matches('-').trim_start();
            let body_trimmed = body.trim_end().trim_end_matches('-').trim_end();
            let control = body.starts_with("/*")
                || first_word(body).is_some_and(|w| GO_CONTROL.contains(&w))
                || is_assignment(body);
            if control {
                kinds[i..end].fill(Kind::Space);
                if is_assignment(body) {
                    let body_off = i + 2 + (inner.len() - body.len());
                    option_literals.extend(
                        string_literals(body_trimmed)
                            .into_iter()
                            .filter(|(s, e)| holds_options(&body_trimmed[*s..*e]))
                            .map(|(s, e)| {
                                let lit = body_trimmed[s..e].to_string();
                                (lit, Span::new(body_off + s, body_off + e))
                            }),
                    );
                }
            } else if dialects.go || all_output {
                // `labels: {{- include "x" . | nindent 4 }}` renders a block that the
                // lines below continue: the key's value is that block, not a scalar.
                let block = body
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .any(|w| matches!(w, "nindent" | "toYaml"));
                kinds[i..end].fill(if block { Kind::Space } else { Kind::Output });
                let body_off = i + 2 + (inner.len() - body.len());
                if let Some((s, e)) = default_literal(body_trimmed) {
                    kinds[i..end].fill(Kind::Space);
                    kinds[body_off + s..body_off + e].fill(Kind::Keep);
                }
            } else {
                // A Jinja expression in the middle of a value stays as written; only a
                // line of nothing but directives is blanked (below).
                kinds[i..end].fill(Kind::Keep);
            }
        }
        i = end;
    }
    // Lines of directives only render YAML or text we cannot know: blank them.
    let mut start = 0;
    while start < b.len() {
        let nl = b[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| start + p);
        let line = start..nl;
        let mut has_directive = false;
        let mut has_text = false;
        for k in line.clone() {
            match kinds[k] {
                Kind::Text if !b[k].is_ascii_whitespace() => has_text = true,
                Kind::Text => {}
                // Kept bytes (a `default` literal, a Jinja expression) are still part of
                // a directive: a line of them alone is blanked too.
                _ => has_directive = true,
            }
        }
        if has_directive && !has_text {
            for k in line {
                if kinds[k] != Kind::Text {
                    kinds[k] = Kind::Space;
                }
            }
        }
        start = nl + 1;
    }
    let mut out = Vec::with_capacity(b.len());
    for (k, &c) in b.iter().enumerate() {
        out.push(match kinds[k] {
            Kind::Text | Kind::Keep => c,
            _ if c == b'\n' || c == b'\r' => c,
            Kind::Space => b' ',
            Kind::Output => b'_',
        });
    }
    // Every replaced range starts and ends at an ASCII delimiter and every replaced byte
    // becomes ASCII, so the result is UTF-8; the fallback only guards that reasoning.
    let text = String::from_utf8(out).unwrap_or_else(|_| text.to_string());
    Blanked {
        text,
        option_literals,
        branches,
    }
}

/// Follows the blocks a control action at `[at, end)` opens, continues or closes; a
/// closed `if` branch goes to `branches`. Bounded: a hostile file of a million `if`s
/// keeps at most 256 open.
fn blocks(
    body: &str,
    at: usize,
    end: usize,
    open: &mut Vec<Open>,
    branches: &mut Vec<(Span, String)>,
) {
    let Some(word) = first_word(body) else { return };
    let rest = body[word.len()..].trim();
    let close = |o: Open, branches: &mut Vec<(Span, String)>| {
        if let Some(c) = o.cond {
            branches.push((Span::new(o.start, at), c));
        }
    };
    match word {
        "if" if open.len() < 256 => open.push(Open {
            cond: Some(rest.to_string()),
            start: end,
        }),
        "range" | "with" | "define" | "block" | "for" | "macro" | "call" | "filter"
            if open.len() < 256 =>
        {
            open.push(Open {
                cond: None,
                start: end,
            });
        }
        "else" | "elif" => {
            if let Some(o) = open.pop() {
                let was_if = o.cond.is_some();
                // A plain `else` after `if X` (one name, or `not X`) is `not X`: the
                // `else` of `if .Values.verifyTls` runs when the user turned it off.
                let negation = o.cond.as_deref().and_then(|c| {
                    let w: Vec<&str> = c.split_whitespace().collect();
                    match w.as_slice() {
                        ["not", x] => Some((*x).to_string()),
                        [x] if !x.starts_with('!') => Some(format!("not {x}")),
                        _ => None,
                    }
                });
                close(o, branches);
                // `else if X` / `elif X` is a branch of its own.
                let cond = match (word, rest.strip_prefix("if")) {
                    ("elif", _) => Some(rest.to_string()),
                    (_, Some(c)) if was_if => Some(c.trim().to_string()),
                    _ => negation,
                };
                open.push(Open {
                    cond: cond.or_else(|| was_if.then(String::new)),
                    start: end,
                });
            }
        }
        w if w == "end" || w.starts_with("end") => {
            if let Some(o) = open.pop() {
                close(o, branches);
            }
        }
        _ => {}
    }
}

/// The end (exclusive) of the directive opened at `start` (`{{`, `{%` or `{#`), skipping
/// quoted strings and Go comments; `None` when it is not closed.
fn action_end(b: &[u8], start: usize) -> Option<usize> {
    let close = match b.get(start + 1) {
        Some(b'{') => b'}',
        Some(b'%') => b'%',
        Some(b'#') => b'#',
        _ => return None,
    };
    let limit = (start + MAX_ACTION).min(b.len());
    let mut i = start + 2;
    // `{{/* ... */}}` and `{{- /* ... */ -}}`: a comment may hold quotes and braces.
    let mut j = i;
    while j < limit && matches!(b[j], b'-' | b' ' | b'\t') {
        j += 1;
    }
    if close == b'}' && b.get(j) == Some(&b'/') && b.get(j + 1) == Some(&b'*') {
        let mut k = j + 2;
        while k + 1 < limit {
            if b[k] == b'*' && b[k + 1] == b'/' {
                i = k + 2;
                break;
            }
            k += 1;
        }
        if k + 1 >= limit {
            return None;
        }
    }
    if close == b'#' {
        while i + 1 < limit {
            if b[i] == b'#' && b[i + 1] == b'}' {
                return Some(i + 2);
            }
            i += 1;
        }
        return None;
    }
    while i + 1 < limit {
        match b[i] {
            q @ (b'"' | b'\'' | b'`') => {
                i += 1;
                while i < limit && b[i] != q {
                    if b[i] == b'\\' && q != b'`' {
                        i += 1;
                    }
                    // A quote never spans lines outside raw strings: an apostrophe in
                    // text is not a string.
                    if q != b'`' && i < limit && b[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            c if c == close && b[i + 1] == b'}' => return Some(i + 2),
            _ => i += 1,
        }
    }
    None
}

/// `$name := ...` or `$name = ...`.
fn is_assignment(body: &str) -> bool {
    let Some(rest) = body.strip_prefix('$') else {
        return false;
    };
    let name_end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let after = rest[name_end..].trim_start();
    // `$a, $b := range ...` is a range header, also rendering nothing.
    after.starts_with(":=") || (after.starts_with('=') && !after.starts_with("=="))
}

/// Byte ranges (content, without quotes) of the double-quoted and raw string literals
/// of an action body.
fn string_literals(body: &str) -> Vec<(usize, usize)> {
    let b = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        if q == b'"' || q == b'`' {
            let s = i + 1;
            let mut j = s;
            while j < b.len() && b[j] != q {
                if b[j] == b'\\' && q == b'"' {
                    j += 1;
                }
                j += 1;
            }
            if j >= b.len() {
                break;
            }
            out.push((s, j));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether a string holds command-line options (`--x` or ` -x` words).
fn holds_options(s: &str) -> bool {
    s.split_whitespace().any(|w| {
        w.len() > 2
            && w.starts_with('-')
            && w[1..].starts_with(|c: char| c == '-' || c.is_ascii_alphabetic())
    })
}

/// The literal of a pipeline's last `default` (`.Values.x | default true`,
/// `default "a" .Values.x`): its byte range in `body` (inside quotes for strings).
fn default_literal(body: &str) -> Option<(usize, usize)> {
    // The last command of the pipeline.
    let last_bar = last_top_level_bar(body);
    let cmd_start = last_bar.map_or(0, |p| p + 1);
    let cmd = &body[cmd_start..];
    let lead = cmd.len() - cmd.trim_start().len();
    let cmd_t = cmd.trim_start();
    let rest = cmd_t.strip_prefix("default")?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let arg_off = cmd_start + lead + "default".len() + (rest.len() - rest.trim_start().len());
    let arg = body[arg_off..].trim_end();
    let (s, e) = if let Some(q) = arg.strip_prefix('"') {
        let close = q.find('"')?;
        (arg_off + 1, arg_off + 1 + close)
    } else {
        let len = arg.find(|c: char| c.is_whitespace()).unwrap_or(arg.len());
        let word = &arg[..len];
        let literal = matches!(word, "true" | "false")
            || (!word.is_empty()
                && word
                    .bytes()
                    .all(|c| c.is_ascii_digit() || c == b'.' || c == b'-'));
        if !literal {
            return None;
        }
        (arg_off, arg_off + len)
    };
    // `default X .Values.y` (function form) or `... | default X` (pipeline form): in the
    // pipeline form nothing may follow the literal.
    if last_bar.is_some() && !body[e..].trim_start_matches('"').trim().is_empty() {
        return None;
    }
    (e > s).then_some((s, e))
}

fn last_top_level_bar(body: &str) -> Option<usize> {
    let b = body.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    let mut last = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) => {
                if c == b'\\' && q == b'"' {
                    i += 1;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                b'"' | b'`' | b'\'' => quote = Some(c),
                b'(' => depth += 1,
                b')' => depth -= 1,
                b'|' if depth == 0 && b.get(i + 1) != Some(&b'|') => last = Some(i),
                _ => {}
            },
        }
        i += 1;
    }
    last
}

/// Marks the facts found in `text` from index `start` on that a bypass option of the
/// template gates (`{{ if .Values.insecure }}`, `{% if not validate_certs %}`) as opt-ins of
/// that option: the chart's or role's user asks for them (DETECTION.md, "Who asked for
/// it?").
pub fn gate_facts(
    text: &str,
    facts: &mut [crate::facts::Fact],
    start: usize,
    flow: &crate::ir::flow::FlowConfig,
) {
    if facts.len() <= start {
        return;
    }
    let dialects = detect(text);
    if !dialects.any() {
        return;
    }
    let blanked = blank(text, dialects, false);
    if blanked.branches.is_empty() {
        return;
    }
    for f in facts.iter_mut().skip(start) {
        let Some(g) = blanked.gate(f.span(), flow) else {
            continue;
        };
        f.edit_via(|via| {
            if via.opt_in.is_none() {
                via.opt_in = Some(g);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(text: &str) -> String {
        blank(text, detect(text), false).text
    }

    /// Which option gates the text at the first occurrence of `at`.
    fn gate_at(text: &str, at: &str) -> Option<String> {
        let set = crate::rules::RuleSet::builtin().expect("rules");
        let b = blank(text, detect(text), false);
        let s = text.find(at).expect("needle");
        b.gate(Span::new(s, s + at.len()), &set.flow)
    }

    #[test]
    fn branches_under_a_bypass_option_are_gated_by_it() {
        let t =
            "{{- if .Values.x }}\nA: {{ if .Values.insecure }}--insecure{{ end }} -k\n{{- end }}\n";
        assert_eq!(
            gate_at(t, "--insecure").as_deref(),
            Some(".Values.insecure")
        );
        assert_eq!(gate_at(t, "-k"), None);
        // The else of a check-named option, and its negation.
        let t = "{{- if .Values.verify }}\nA\n{{- else }}\nB\n{{- end }}\n{{ if not .Values.verify }}C{{ end }}\n";
        assert_eq!(gate_at(t, "A"), None);
        assert_eq!(gate_at(t, "B").as_deref(), Some(".Values.verify"));
        assert_eq!(gate_at(t, "C").as_deref(), Some(".Values.verify"));
        // Not through `or`, not on the else of a bypass option, not a negated bypass.
        let t = "{{ if or .Values.insecure .Values.x }}A{{ end }}\n{{- if .Values.insecure }}\nB\n{{- else }}\nC\n{{- end }}\n{{ if not .Values.insecure }}D{{ end }}\n";
        assert_eq!(gate_at(t, "A"), None);
        assert_eq!(gate_at(t, "B").as_deref(), Some(".Values.insecure"));
        assert_eq!(gate_at(t, "C"), None);
        assert_eq!(gate_at(t, "D"), None);
        // Jinja: `elif` is a branch of its own; `and` keeps the gate.
        let t = "{% if a %}\nA\n{% elif lab_self_signed and b %}\nB\n{% endif %}\n";
        assert_eq!(gate_at(t, "A"), None);
        assert_eq!(gate_at(t, "B").as_deref(), Some("lab_self_signed"));
    }

    #[test]
    fn detects_dialects() {
        assert!(detect("a: 1\n{{- if .Values.x }}\nb: 2\n{{- end }}\n").go);
        assert!(detect("{{/* c */}}\n").go);
        assert!(!detect("name: \"{{ item.name }}\"\nurl: x/{{ y }}\n").any());
        assert!(detect("[w]\n{% for h in hosts %}\n{{ h }}\n{% endfor %}\n").jinja);
        assert!(!detect("run: echo ${{ github.token }}\n").any());
    }

    #[test]
    fn keeps_length_and_lines() {
        let t = "spec:\n  {{- if .Values.tls }}\n  insecureSkipVerify: true\n  {{- end }}\n  name: {{ .Values.name | quote }}\n";
        let out = go(t);
        assert_eq!(out.len(), t.len());
        assert_eq!(
            out.match_indices('\n').collect::<Vec<_>>(),
            t.match_indices('\n').collect::<Vec<_>>()
        );
        let blank_line = " ".repeat("  {{- if .Values.tls }}".len());
        assert!(out.contains(&format!("\n{blank_line}\n  insecureSkipVerify: true\n")));
        let placeholder = "_".repeat("{{ .Values.name | quote }}".len());
        assert!(out.contains(&format!("  name: {placeholder}\n")), "{out}");
    }

    #[test]
    fn conditional_flag_stays() {
        let t = "    curl {{ if $.Values.noCheck }}--insecure{{ end }} -fsSLO {{ $val | quote }}\n";
        let out = go(&format!("{{{{- if .x }}}}\n{t}"));
        let gap = " ".repeat(" {{ if $.Values.noCheck }}".len());
        assert!(out.contains(&format!("curl{gap}--insecure")), "{out}");
    }

    #[test]
    fn default_literal_kept_in_place() {
        let t =
            "{{- if .x }}\n  insecureSkipTLSVerify: {{ .Values.a.b | default true }}\n{{- end }}\n";
        let out = go(t);
        let at = t.find("true").unwrap();
        assert_eq!(&out[at..at + 4], "true");
        assert!(out.contains("insecureSkipTLSVerify:"));
        assert!(!out.contains("Values"));
        let q = "{{- if .x }}\nv: \"/certs/{{ .Values.ca | default \"ca.crt\" }}\"\n";
        let out = go(q);
        assert!(out.contains("ca.crt"), "{out}");
        // Not a literal: blanked.
        assert!(!go("{{ if .x }}\na: {{ .Values.a | default .Values.b }}\n").contains("Values"));
    }

    #[test]
    fn quotes_inside_actions_and_comments() {
        let t = "{{/* it's \"quoted\" }} */}}\n{{- if .x }}\n  path: \"{{ trimSuffix \"/\" .Values.p }}/metrics\"\n";
        let out = go(t);
        assert!(out.starts_with(&" ".repeat(26)), "{out:?}");
        let placeholder = "_".repeat("{{ trimSuffix \"/\" .Values.p }}".len());
        assert!(
            out.contains(&format!("path: \"{placeholder}/metrics\"")),
            "{out}"
        );
    }

    #[test]
    fn multiline_actions_keep_newlines() {
        let t = "{{- if .x }}\na: {{ include \"x\" (dict\n  \"k\" .) }}\nb: 1\n";
        let out = go(t);
        assert_eq!(out.lines().count(), t.lines().count());
        assert!(out.ends_with("\nb: 1\n"));
    }

    #[test]
    fn option_literals_of_assignments() {
        let t = "{{- define \"x\" -}}\n{{- $tls := \" --cert $F --insecure-skip-tls-verify\" -}}\n{{- $n := \"name\" -}}\n";
        let b = blank(t, detect(t), false);
        assert_eq!(b.option_literals.len(), 1);
        let (lit, s) = &b.option_literals[0];
        assert_eq!(&t[s.start..s.end], " --cert $F --insecure-skip-tls-verify");
        assert_eq!(&t[s.start..s.end], lit);
    }

    #[test]
    fn jinja_statements() {
        let t = "[w:vars]\n{% if x %}\nansible_psrp_cert_validation=ignore\n{% endif %}\n{{ host }} ansible_host={{ ip }}\n";
        let d = detect(t);
        let out = blank(t, d, false).text;
        assert!(out.contains("\nansible_psrp_cert_validation=ignore\n"));
        assert!(!out.contains("{%"));
        // Jinja output in the middle of a line stays.
        assert!(out.contains("{{ host }} ansible_host={{ ip }}"), "{out}");
        let all = blank(t, d, true).text;
        assert!(all.contains("________ ansible_host=________"), "{all}");
    }

    #[test]
    fn shell_parameter_expansions_are_not_directives() {
        let t = "{% if x %}\nn=${#items[@]} # done #}\n{% endif %}\n";
        let out = blank(t, detect(t), false).text;
        assert!(out.contains("n=${#items[@]} # done #}"), "{out}");
    }

    #[test]
    fn unterminated_and_hostile_input() {
        for t in [
            "{{",
            "{{ \"",
            "{{/* x",
            "{%",
            "{#",
            "a {{- if",
            "{{ '\n }}",
            "{{}}",
            "{{-}}",
        ] {
            let d = Dialects {
                go: true,
                jinja: true,
            };
            let out = blank(t, d, true).text;
            assert_eq!(out.len(), t.len());
        }
        let multibyte = "{{- if .x }}\nk: {{ \"\u{e9}t\u{e9}\" }} \u{e9}\n";
        let out = go(multibyte);
        assert_eq!(out.len(), multibyte.len());
        assert!(out.ends_with(" \u{e9}\n"));
    }
}
