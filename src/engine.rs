//! The rule engine: judges facts against the rule set and produces findings.
//!
//! The engine is built once per scan. It indexes matchers by what they can match
//! (registry rules in one table, flag rules by table, option rules by command, setting
//! rules by domain, construct rules by name), so each fact meets only the rules that
//! could match it.

use crate::analyze::Ctx;
use crate::diagnostic::{Category, Finding, Fix, Span};
use crate::facts::{ConstructFact, Fact, FlagFact, OptionFact, SettingFact, Via};
use crate::fixes::{self, Source};
use crate::rules::registry::{RegistryWrite, normalize_key};
use crate::rules::tables::{Decoded, Hex, TableIndex};
use crate::rules::value::{Value, When};
use crate::rules::{Matcher, OptionMatcher, RegistryMatcher, Rule, RuleSet, SettingMatcher};
use std::collections::{BTreeSet, HashMap};

/// Matchers indexed for lookup. Each entry is `(rule index, matcher index)`.
#[derive(Debug)]
pub struct Engine {
    /// The rules and tables.
    pub rules: RuleSet,
    /// Constant-name and target lookups over the tables, for analyzers.
    pub index: TableIndex,
    registry: Vec<(usize, usize)>,
    flags: HashMap<usize, Vec<(usize, usize)>>,
    options: Vec<(usize, usize)>,
    settings: HashMap<String, Vec<(usize, usize)>>,
    constructs: HashMap<String, Vec<(usize, usize)>>,
    /// Rules switched off by `--select`/`--ignore`/configuration.
    enabled: Vec<bool>,
    /// Severity set by configuration, by rule index.
    rule_severity: HashMap<usize, crate::diagnostic::Severity>,
    /// Severity set by configuration, by category.
    category_severity: HashMap<Category, crate::diagnostic::Severity>,
    /// Setting keys that rules match, for code analysis and the JSON/Bicep readers.
    keys: crate::analyze::KeyFilter,
    /// Second-stage keyword sets per code language (by setting domain): only the
    /// keywords of rules that can match in that language.
    code_filters: HashMap<&'static str, crate::prefilter::Prefilter>,
    /// Rules and categories not reported in some files (configuration's `per-file-ignores`).
    per_file_ignores: Option<crate::config::PerFileIgnores>,
    /// Honour other tools' suppression markers (`//nolint:gosec`, `# nosec`, ...).
    foreign_markers: bool,
    /// File contexts and their severity caps.
    context: crate::context::Policy,
}

/// The setting domains of code languages.
pub const CODE_DOMAINS: [&str; 6] = ["c", "dotnet-member", "go", "java", "javascript", "python"];

/// Setting domains of data formats whose every member is a setting fact (`json`,
/// `bicep`): they get a second-stage keyword filter of their own, from the keywords of
/// the rules that judge them.
pub const DATA_DOMAINS: [&str; 2] = ["json", "bicep"];

/// The code domains a construct can be found in.
fn construct_domains(name: &str) -> &'static [&'static str] {
    match name {
        "trust-all-callback" => &["dotnet-member", "java", "javascript"],
        "trust-all-hostname-verifier" => &["java", "javascript"],
        "trust-all-certificate-policy" => &["dotnet-member"],
        _ => &[],
    }
}

/// The longest run of a glob without wildcards (`*.CURLOPT_SSL_VERIFYHOST` ->
/// `CURLOPT_SSL_VERIFYHOST`).
fn literal_part(glob: &str) -> &str {
    glob.split(['*', '?', '[', ']', '{', '}'])
        .max_by_key(|p| p.len())
        .unwrap_or(glob)
        .trim_matches('.')
}

/// A keyword for a constant name: its last segment when that is distinctive, else the
/// last two segments (`SecurityProtocolType.Tls`).
fn constant_keyword(name: &str) -> String {
    let mut segs = name.rsplit(['.', ':']).filter(|s| !s.is_empty());
    let last = segs.next().unwrap_or(name);
    let qualified = name.contains(['.', ':']);
    // An unqualified constant is written so; a qualified one (`TLSVersion.TLSv1_1`) is
    // looked for with its qualifier unless its last segment is long enough to be unique.
    let distinctive = last.len() >= 12
        || (!qualified && last.len() >= 6 && last.bytes().any(|b| b == b'_' || b.is_ascii_digit()));
    if distinctive {
        return last.to_string();
    }
    match segs.next() {
        Some(q) => format!("{q}.{last}"),
        None => last.to_string(),
    }
}

/// The words a command run by code must hold to be read (`Sinks::exec_calls`): the long
/// options of the option rules (`--insecure-skip-tls-verify`, `-SkipCertificateCheck`),
/// the commands whose short options they judge (`curl` for `-k`), and the keywords of the rules
/// on settings that commands write (`git -c http.sslVerify=false`, `npm config set
/// strict-ssl false`, `pip --trusted-host`, an environment variable). The same test decides
/// whether the prefilter's second stage reads the file and whether the analysis reads its
/// commands, so the prefilter never drops a file the analysis would report; a command that
/// holds none of them (a `reg add` alone) is not read.
fn exec_words(rules: &RuleSet) -> Vec<String> {
    let mut out = Vec::new();
    for r in &rules.rules {
        for m in &r.matchers {
            match m {
                Matcher::Option(o) => {
                    // Long options name themselves; a short one (`-k`, bundled in `-fsSLk`)
                    // needs its command's name (`curl`). Names such as `pip`, `net`,
                    // `node` and `docker` are in too much code to be worth a word.
                    out.extend(o.options.iter().filter(|s| s.len() > 3).cloned());
                    if o.options.iter().any(|s| s.len() <= 3) {
                        out.extend(o.commands.iter().filter(|c| *c != "*").cloned());
                    }
                }
                Matcher::Setting(s)
                    if matches!(
                        s.domain.as_str(),
                        "env" | "git-config" | "npm-config" | "pip-config" | "strict-ssl"
                    ) =>
                {
                    out.extend(r.keywords.iter().cloned());
                }
                _ => {}
            }
        }
    }
    out
}

/// The languages (`Lang::name`) whose keys are of setting domain `d`, derived from
/// [`crate::analyze::code::sinks::domain`].
fn domain_langs(d: &str) -> Vec<&'static str> {
    crate::ir::Lang::ALL
        .iter()
        .filter(|l| crate::analyze::code::sinks::domain(**l) == d)
        .map(|l| l.name())
        .collect()
}

/// Whether settings of domain `setting` are read in code of domain `code`: its own keys,
/// environment variables and constant-keyed options everywhere, pip.conf written as a
/// string literal (`Sinks::written_configs`) everywhere, and the APIs of one platform in
/// that platform's languages only (`call-arg`: Java's `SSLContext.getInstance`, also in
/// JavaScript; JVM properties in Java; AppContext switches in C#). The prefilter's second
/// stage and the code analysis both ask this, so they cannot disagree.
pub fn setting_read_in(setting: &str, code: &str) -> bool {
    setting == code
        || matches!(setting, "env" | "call-option" | "pip-config")
        || (setting == "call-arg" && matches!(code, "java" | "javascript"))
        || (setting == "jvm-property" && code == "java")
        || (setting == "appcontext-switch" && code == "dotnet-member")
}

/// The keywords that a file of code domain `d` must hold for a rule's matcher to find
/// something in it: setting keys (or the types that qualify them), the dangerous
/// constants of flag tables with the calls and members that take their numbers, and
/// the construct rules' own keywords. Derived from the rule data, so it cannot drift.
/// Two sets: words whose presence is enough, and setting keys that count only where the
/// code writes them (see [`crate::prefilter::written_key`]), because the same word is common in code that
/// only reads it (`verify`, `InsecureSkipVerify`).
fn code_keyword_sets(rules: &RuleSet, d: &str) -> (Vec<String>, Vec<String>) {
    let mut out = Vec::new();
    let mut written = Vec::new();
    for r in &rules.rules {
        for m in &r.matchers {
            match m {
                Matcher::Setting(s) => {
                    if !setting_read_in(&s.domain, d) {
                        continue;
                    }
                    let argument_only = s.positions == [crate::facts::Position::Argument];
                    for k in &s.key_text {
                        let k = literal_part(k);
                        if argument_only && d == "python" {
                            // A keyword argument is written `name=value`.
                            out.push(format!("{k}="));
                            out.push(format!("{k} ="));
                        } else if !s.types.is_empty() {
                            // A key qualified by its type (`TLSClientConfig{Insecure: true}`):
                            // written as a field or a member.
                            out.push(format!("{k}:"));
                            out.push(format!(".{k} ="));
                            out.push(format!(".{k}="));
                        } else if s.domain == d {
                            written.push(k.to_string());
                        } else {
                            out.push(k.to_string());
                        }
                    }
                }
                Matcher::Flags { table, .. } => {
                    let t = &rules.tables[*table];
                    for e in &t.entries {
                        if !t.categories_of(e).is_empty() {
                            out.extend(e.names.iter().map(|n| constant_keyword(n)));
                        }
                    }
                    // Numbers reach a sink through its call, or the option constant that
                    // selects it (`curl_easy_setopt(h, CURLOPT_SSLVERSION, 1)`).
                    for sink in t.sinks.iter().filter(|s| !s.names_only) {
                        match &sink.option {
                            Some(opt) => out.push(opt.clone()),
                            None => out.push(literal_part(&sink.call).to_string()),
                        }
                    }
                    out.extend(t.targets.iter().cloned());
                }
                Matcher::Construct { name } => {
                    if construct_domains(name).contains(&d) {
                        out.extend(r.keywords.iter().cloned());
                    }
                }
                // Registry writes that code makes (`[[registry_write]]`): the value names.
                Matcher::Registry(_) => {
                    let langs = domain_langs(d);
                    if rules
                        .flow
                        .registry_write
                        .iter()
                        .any(|w| w.langs.iter().any(|l| langs.contains(&l.as_str())))
                    {
                        out.extend(r.keywords.iter().cloned());
                    }
                }
                Matcher::Option(_) => {}
            }
        }
    }
    for v in [&mut out, &mut written] {
        v.retain(|k| !k.is_empty());
        v.sort();
        v.dedup();
    }
    (out, written)
}

/// Values substituted into message templates.
#[derive(Default)]
struct Vars {
    name: String,
    value: String,
    decoded: String,
    key: String,
    detail: String,
    /// A flag value with what it means: `SecurityProtocolType.Tls = TLS 1.0 0xC0` for a
    /// named constant, `0xFC0 = TLS 1.0 0xC0 + TLS 1.1 0x300 + TLS 1.2 0xC00` for a number.
    reason: String,
}

fn render(template: &str, v: &Vars) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(j) = tail.find('}') else {
            out.push_str(tail);
            return out;
        };
        let var = &tail[1..j];
        match var {
            "name" => out.push_str(&v.name),
            "value" => out.push_str(&v.value),
            "decoded" => out.push_str(if v.decoded.is_empty() {
                &v.value
            } else {
                &v.decoded
            }),
            "key" => out.push_str(&v.key),
            "detail" => out.push_str(&v.detail),
            "reason" => out.push_str(&v.reason),
            _ => out.push_str(&tail[..=j]),
        }
        rest = &tail[j + 1..];
    }
    out.push_str(rest);
    // An empty variable leaves no stray space: `(-3 )` -> `(-3)`.
    if out.contains("  ") || out.contains(" )") || out.contains("( ") || out.ends_with(' ') {
        out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        out = out.replace(" )", ")").replace("( ", "(");
    }
    out
}

fn fmt_value(v: &Value) -> String {
    match v {
        Value::Int(i) => Hex(*i).to_string(),
        Value::Str(s) => s.clone(),
        Value::Flag => String::new(),
        Value::Unknown => "(computed)".to_string(),
    }
}

impl Engine {
    /// Indexes a rule set.
    pub fn new(rules: RuleSet) -> Engine {
        let mut e = Engine {
            index: TableIndex::new(&rules.tables),
            enabled: vec![true; rules.rules.len()],
            rule_severity: HashMap::new(),
            category_severity: HashMap::new(),
            per_file_ignores: None,
            foreign_markers: true,
            context: crate::context::Policy::default(),
            rules,
            registry: Vec::new(),
            flags: HashMap::new(),
            options: Vec::new(),
            settings: HashMap::new(),
            constructs: HashMap::new(),
            keys: crate::analyze::KeyFilter::default(),
            code_filters: HashMap::new(),
        };
        for (ri, rule) in e.rules.rules.iter().enumerate() {
            for (mi, m) in rule.matchers.iter().enumerate() {
                match m {
                    Matcher::Registry(_) => e.registry.push((ri, mi)),
                    Matcher::Flags { table, .. } => {
                        e.flags.entry(*table).or_default().push((ri, mi))
                    }
                    Matcher::Option(_) => e.options.push((ri, mi)),
                    Matcher::Setting(s) => {
                        e.keys.add(&s.domain, &s.keys);
                        e.settings
                            .entry(s.domain.clone())
                            .or_default()
                            .push((ri, mi));
                    }
                    Matcher::Construct { name } => {
                        e.constructs.entry(name.clone()).or_default().push((ri, mi))
                    }
                }
            }
        }
        for d in CODE_DOMAINS {
            let (words, written) = code_keyword_sets(&e.rules, d);
            e.code_filters
                .insert(d, crate::prefilter::Prefilter::code(&words, &written));
        }
        let words = exec_words(&e.rules);
        e.rules.flow.exec_words = Some(crate::prefilter::Prefilter::code(&words, &[]));
        for d in CODE_DOMAINS {
            let keywords = e.rules.flow.exec_keywords(&domain_langs(d));
            e.rules
                .flow
                .exec_keywords_by_domain
                .insert(d.to_string(), keywords);
        }
        // Data formats read as one setting per member (JSON, Bicep): a file without a
        // keyword of a rule that judges that domain has nothing to report.
        for d in DATA_DOMAINS {
            let words: Vec<String> = e
                .rules
                .rules
                .iter()
                .filter(|r| {
                    r.matchers
                        .iter()
                        .any(|m| matches!(m, Matcher::Setting(s) if s.domain == d))
                })
                .flat_map(|r| r.keywords.iter().cloned())
                .collect();
            e.code_filters
                .insert(d, crate::prefilter::Prefilter::new(&words));
        }
        e
    }

    /// Whether decoded code of setting domain `domain` holds a keyword of a rule that can
    /// match in that language (the second stage of the prefilter).
    pub fn code_may_match(&self, domain: &str, text: &[u8]) -> bool {
        self.code_filters
            .get(domain)
            .is_none_or(|p| p.is_match(text))
            // A command that code runs (`Sinks::exec_calls`).
            || self.rules.flow.exec_gate(domain, text)
    }

    /// What analyzers consult.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            tables: &self.rules.tables,
            index: &self.index,
            flow: &self.rules.flow,
            in_test: false,
            in_generated: false,
            ext: "",
            keys: Some(&self.keys),
        }
    }

    /// Switches rules on or off (`enabled[i]` for rule `i`).
    pub fn set_enabled(&mut self, enabled: Vec<bool>) {
        assert_eq!(enabled.len(), self.rules.rules.len());
        self.enabled = enabled;
    }

    /// Severity overrides from configuration: a rule's own wins over its category's.
    pub fn set_severities(
        &mut self,
        by_rule: HashMap<usize, crate::diagnostic::Severity>,
        by_category: HashMap<Category, crate::diagnostic::Severity>,
    ) {
        self.rule_severity = by_rule;
        self.category_severity = by_category;
    }

    /// Sets the configuration's `per-file-ignores`.
    /// Sets the file-context policy (configuration's `[context]`).
    pub fn set_context_policy(&mut self, p: crate::context::Policy) {
        self.context = p;
    }

    /// The file-context policy.
    pub fn context_policy(&self) -> &crate::context::Policy {
        &self.context
    }

    pub fn set_per_file_ignores(&mut self, p: Option<crate::config::PerFileIgnores>) {
        self.per_file_ignores = p;
    }

    /// Honour other tools' suppression markers or not (`foreign-markers`,
    /// `--no-foreign-markers`).
    pub fn set_foreign_markers(&mut self, on: bool) {
        self.foreign_markers = on;
    }

    /// Whether other tools' suppression markers are honoured.
    pub fn foreign_markers(&self) -> bool {
        self.foreign_markers
    }

    /// Drops the findings `per-file-ignores` hides in the file at `path`.
    pub fn drop_per_file_ignored(&self, path: &std::path::Path, findings: &mut Vec<Finding>) {
        let Some(p) = &self.per_file_ignores else {
            return;
        };
        let selectors = p.selectors_for(path);
        if selectors.is_empty() {
            return;
        }
        findings.retain(|f| {
            let rule = &self.rules.rules[f.rule];
            !selectors.iter().any(|s| match Category::parse(s) {
                Some(c) => c == f.category,
                None => rule.id.eq_ignore_ascii_case(s),
            })
        });
    }

    /// The severity of rule `ri`'s findings in `category`, after configuration.
    pub fn severity_of(&self, ri: usize, category: Category) -> crate::diagnostic::Severity {
        self.rule_severity
            .get(&ri)
            .or_else(|| self.category_severity.get(&category))
            .copied()
            .unwrap_or(self.rules.rules[ri].severity)
    }

    /// Whether rule `i` runs.
    pub fn is_enabled(&self, i: usize) -> bool {
        self.enabled.get(i).copied().unwrap_or(false)
    }

    /// Judges facts found in `src`, appending findings (with their fixes).
    ///
    /// At most [`MAX_FINDINGS`] are kept, the first by position: a generated or hostile
    /// file with a finding on each of a million lines would otherwise hold a gigabyte of
    /// them. Returns the offset from which findings were dropped, if some were.
    pub fn judge(&self, facts: &[Fact], src: Source<'_>, out: &mut Vec<Finding>) -> Option<usize> {
        let base = out.len();
        let mut cut: Option<usize> = None;
        let groups = self.flag_groups(facts, src.text);
        for (i, f) in facts.iter().enumerate() {
            let start = out.len();
            match groups.get(&i) {
                Some(FlagGroup::Member) => continue,
                Some(FlagGroup::Lead(members)) => {
                    let flags: Vec<&FlagFact> = members
                        .iter()
                        .filter_map(|&k| flag_of(&facts[k]).map(|(x, _)| x))
                        .collect();
                    self.judge_flags(&flags, src, out);
                    // The members share what value flow learned (the group's key).
                    if let Some(v) = flag_of(f).and_then(|(_, via)| via) {
                        for finding in &mut out[start..] {
                            self.annotate(finding, v);
                        }
                    }
                }
                None => self.judge_one(f, None, src, out),
            }
            if let Some(c) = cut {
                let mut kept = start;
                for i in start..out.len() {
                    if out[i].span.start < c {
                        out.swap(kept, i);
                        kept += 1;
                    }
                }
                out.truncate(kept);
            }
            if out.len() - base >= 2 * MAX_FINDINGS {
                cut = keep_first(out, base, cut);
            }
        }
        if out.len() - base > MAX_FINDINGS {
            cut = keep_first(out, base, cut);
        }
        for f in &mut out[base..] {
            if let Some(fix) = &mut f.fix {
                fixes::tidy_lines(fix, src.text);
            }
        }
        cut
    }

    fn judge_one(&self, f: &Fact, via: Option<&Via>, src: Source<'_>, out: &mut Vec<Finding>) {
        match f {
            Fact::Registry(r) => self.judge_registry(r, src, out),
            Fact::Flags(x) => self.judge_flags(&[x], src, out),
            Fact::Option(o) => self.judge_option(o, src, out),
            Fact::Setting(s) => self.judge_setting(s, via, src, out),
            Fact::Construct(c) => self.judge_construct(c, out),
            Fact::Via(inner, v) => {
                let start = out.len();
                self.judge_one(inner, Some(v), src, out);
                for finding in &mut out[start..] {
                    self.annotate(finding, v);
                }
            }
        }
    }

    /// Adds what value flow learned to a finding: where the value lands, and whether an
    /// option gates it (an opt-in: a note that names the option, never fixed).
    fn annotate(&self, f: &mut Finding, via: &Via) {
        f.sink.clone_from(&via.sink);
        f.path.clone_from(&via.path);
        if via.no_fix {
            f.fix = None;
        }
        if let Some(opt) = &via.opt_in {
            // `f().verify_ssl`: the receiver is an expression, the option its field.
            let mut opt = opt.as_str();
            while let Some(rest) = opt.strip_prefix("_.") {
                opt = rest;
            }
            f.opt_in = Some(opt.to_string());
            f.fix = None;
            f.severity = crate::diagnostic::Severity::Note;
            // The option's polarity: `verify=self.verify_ssl` weakens when `verify_ssl`
            // is off, `InsecureSkipVerify: opts.Insecure` when `Insecure` is set.
            let when = if self.rules.flow.option_names_the_check(opt) {
                "is off"
            } else if via.passthrough {
                "is set"
            } else {
                "asks for it"
            };
            f.message = format!("{} (only when `{opt}` {when})", f.message);
        }
        if let Some(check) = &via.replaced_by {
            // The program verifies with its own code instead (DETECTION.md's
            // compensated-elsewhere class: report, but explain): a note to review, and
            // no fix, which would break the replacement.
            f.fix = None;
            f.severity = crate::diagnostic::Severity::Note;
            f.message = format!(
                "{} (`{check}` on the same object replaces the default check: review it)",
                f.message
            );
        }
        if let Some(sink) = &via.sink {
            f.notes
                .push(format!("the value takes effect at `{}`", sink.text));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &self,
        ri: usize,
        category: Category,
        span: Span,
        vars: &Vars,
        notes: Vec<String>,
        fix: Option<&Fix>,
        out: &mut Vec<Finding>,
    ) {
        let rule: &Rule = &self.rules.rules[ri];
        if !self.enabled[ri] || !rule.categories.contains(&category) {
            return;
        }
        let severity = self
            .rule_severity
            .get(&ri)
            .or_else(|| self.category_severity.get(&category))
            .copied()
            .unwrap_or(rule.severity);
        out.push(Finding {
            rule: ri,
            category,
            severity,
            span,
            message: render(rule.template(category), vars),
            notes,
            fix: fix.cloned(),
            opt_in: None,
            sink: None,
            path: Vec::new(),
        });
    }

    /// Decodes a registry write's data with a table.
    fn decode_with(&self, table: usize, v: u64) -> Decoded<'_> {
        self.rules.tables[table].decode(v)
    }

    fn judge_registry(&self, w: &RegistryWrite, src: Source<'_>, out: &mut Vec<Finding>) {
        let Some(norm) = normalize_key(&w.key) else {
            return;
        };
        for &(ri, mi) in &self.registry {
            let Matcher::Registry(m) = &self.rules.rules[ri].matchers[mi] else {
                continue;
            };
            if !registry_matches(m, &norm, &w.value_name) || !m.when.holds(&w.value, &m.values) {
                continue;
            }
            let mut cats: BTreeSet<Category> = BTreeSet::new();
            if let Some(c) = m.category {
                cats.insert(c);
            }
            // Bits OR-ed into the value already there: say so wherever the value shows.
            let added = |s: String| {
                if w.added {
                    format!("the value already there -bor {s}")
                } else {
                    s
                }
            };
            let mut vars = Vars {
                name: w.value_name.clone(),
                value: added(fmt_value(&w.value)),
                key: w.key.clone(),
                ..Vars::default()
            };
            let mut notes = Vec::new();
            if let (Some(t), Some(v)) = (m.table, w.value.as_int()) {
                let d = self.decode_with(t, v);
                vars.decoded = added(d.describe());
                cats.extend(d.categories.iter().copied());
                notes.push(format!("{} {}", w.value_name, d.breakdown()));
            }
            let fix = m.fix.as_ref().filter(|_| !w.added).and_then(|spec| {
                let table = m.table.map(|t| &self.rules.tables[t]);
                fixes::registry(spec, w.value.as_int(), table, w.span, src, &w.value_name)
            });
            // A fix goes only with the findings it resolves: judged again with the value
            // it writes (ARR reads any written SecureConnectionIgnoreFlags, 0 included, as
            // ignoring name mismatches, so writing 0 resolves the other categories only).
            let still = |c: Category, after: Option<u64>| -> bool {
                let Some(n) = after else { return false };
                let v = Value::Int(n);
                if !m.when.holds(&v, &m.values) {
                    return false;
                }
                m.category == Some(c)
                    || m.table
                        .is_some_and(|t| self.decode_with(t, n).categories.contains(&c))
            };
            for c in cats {
                let fix = fix
                    .as_ref()
                    .filter(|(_, after)| !still(c, *after))
                    .map(|(f, _)| f);
                self.emit(ri, c, w.span, &vars, notes.clone(), fix, out);
            }
        }
    }

    /// Named constants of one table written on one line (`Tls | Tls11 | Tls12`,
    /// `'Tls,Tls11'`) that each give a finding: judged together, as one finding that names
    /// them all and one fix that removes them all (a fix per constant would leave the
    /// others). Returns, by fact index, the group's lead (with its members) or a member.
    fn flag_groups(&self, facts: &[Fact], text: &str) -> HashMap<usize, FlagGroup> {
        let mut cands: Vec<(usize, usize, Span, String)> = Vec::new();
        for (i, f) in facts.iter().enumerate() {
            let Some((x, via)) = flag_of(f) else { continue };
            let Some((ti, table)) = crate::rules::find_table(&self.rules.tables, &x.table) else {
                continue;
            };
            let bad = x
                .name
                .as_deref()
                .and_then(|n| table.lookup(n))
                .is_some_and(|e| !table.categories_of(e).is_empty());
            if !bad || !self.flags.contains_key(&ti) {
                continue;
            }
            // Findings that value flow annotates differently are not one finding.
            let key = via.map_or_else(String::new, |v| {
                format!(
                    "{:?}|{:?}|{:?}|{}",
                    v.sink.as_ref().map(|s| &s.text),
                    v.opt_in,
                    v.replaced_by,
                    v.no_fix
                )
            });
            cands.push((ti, i, x.span, key));
        }
        let mut groups: HashMap<usize, FlagGroup> = HashMap::new();
        if cands.len() < 2 {
            return groups;
        }
        cands.sort_by_key(|c| (c.0, c.3.clone(), c.2.start, c.2.end));
        let mut run: Vec<usize> = Vec::new();
        let mut last: Option<(usize, &str, usize)> = None;
        let flush = |run: &mut Vec<usize>, groups: &mut HashMap<usize, FlagGroup>| {
            if let (true, Some(lead)) = (run.len() > 1, run.iter().copied().min()) {
                for &m in run.iter().filter(|&&m| m != lead) {
                    groups.insert(m, FlagGroup::Member);
                }
                groups.insert(lead, FlagGroup::Lead(std::mem::take(run)));
            }
            run.clear();
        };
        for (ti, i, span, key) in &cands {
            let same_line = last.is_some_and(|(t, k, end)| {
                t == *ti
                    && k == key.as_str()
                    && text
                        .get(end.min(span.start)..span.start)
                        .is_some_and(|between| !between.contains('\n'))
            });
            if !same_line {
                flush(&mut run, &mut groups);
            }
            // The same constant seen twice (two flows to one sink) is one.
            let name = flag_of(&facts[*i]).and_then(|(x, _)| x.name.as_deref());
            if run.iter().any(|&k| {
                flag_of(&facts[k])
                    .is_some_and(|(y, _)| y.span == *span && y.name.as_deref() == name)
            }) {
                groups.insert(*i, FlagGroup::Member);
                continue;
            }
            run.push(*i);
            let end = last
                .filter(|_| same_line)
                .map_or(span.end, |(_, _, e)| e.max(span.end));
            last = Some((*ti, key.as_str(), end));
        }
        flush(&mut run, &mut groups);
        groups
    }

    /// Flag values of one table (one, or named constants of one line): a finding per
    /// category, naming each value with its meaning.
    fn judge_flags(&self, fs: &[&FlagFact], src: Source<'_>, out: &mut Vec<Finding>) {
        let Some(f) = fs.first() else { return };
        let Some((ti, table)) = crate::rules::find_table(&self.rules.tables, &f.table) else {
            return;
        };
        let Some(rules) = self.flags.get(&ti) else {
            return;
        };
        let mut cats: BTreeSet<Category> = BTreeSet::new();
        let (mut names, mut decodeds, mut reasons, mut notes) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut value = 0u64;
        let mut entries = Vec::new();
        for f in fs {
            let entry = f
                .name
                .as_deref()
                .and_then(|n| table.lookup(n).map(|e| (n, e)));
            let (c, decoded, name) = match entry {
                Some((n, e)) => {
                    let d = table.decode(e.value);
                    let text = if e.composite {
                        d.describe()
                    } else {
                        format!("{} {}", e.label, Hex(e.value))
                    };
                    (table.categories_of(e), text, n.to_string())
                }
                None => {
                    let d = table.decode(f.value);
                    (d.categories.clone(), d.describe(), Hex(f.value).to_string())
                }
            };
            cats.extend(c);
            reasons.push(match entry {
                Some(_) => format!("{name} = {decoded}"),
                None => decoded.clone(),
            });
            notes.push(format!("{}: {} ({})", table.title, decoded, name));
            names.push(name);
            decodeds.push(decoded);
            value |= f.value;
            entries.push(entry);
        }
        let vars = Vars {
            name: names.join(", "),
            value: Hex(value).to_string(),
            decoded: decodeds.join(", "),
            reason: reasons.join(", "),
            ..Vars::default()
        };
        for &(ri, mi) in rules {
            let fix = match (fs, entries.as_slice(), &self.rules.rules[ri].matchers[mi]) {
                ([f], [Some((n, e))], _) => fixes::flag_constant(e, n, f.span, src),
                (
                    [f],
                    [None],
                    Matcher::Flags {
                        fix: Some(spec), ..
                    },
                ) => fixes::flag_number(spec, table, f.value, f.span, src),
                ([_], _, _) => None,
                _ => {
                    let items: Option<Vec<_>> = fs
                        .iter()
                        .zip(&entries)
                        .map(|(f, e)| e.map(|(n, e)| (e, n, f.span)))
                        .collect();
                    items.and_then(|items| fixes::flag_constants(&items, src))
                }
            };
            for &c in &cats {
                self.emit(ri, c, f.span, &vars, notes.clone(), fix.as_ref(), out);
            }
        }
    }

    fn judge_option(&self, o: &OptionFact, src: Source<'_>, out: &mut Vec<Finding>) {
        for &(ri, mi) in &self.options {
            let Matcher::Option(m) = &self.rules.rules[ri].matchers[mi] else {
                continue;
            };
            let Some((value, span)) = option_matches(m, o) else {
                continue;
            };
            let vars = Vars {
                name: o.option.clone(),
                value: fmt_value(&value),
                detail: o.command.clone(),
                ..Vars::default()
            };
            let fix = m
                .fix
                .as_ref()
                .and_then(|spec| fixes::option(spec, &m.options, m.takes_value, o, span, src));
            let cats = self.rules.rules[ri].categories.clone();
            for c in cats {
                self.emit(ri, c, span, &vars, Vec::new(), fix.as_ref(), out);
            }
        }
    }

    fn judge_setting(
        &self,
        s: &SettingFact,
        via: Option<&Via>,
        src: Source<'_>,
        out: &mut Vec<Finding>,
    ) {
        let Some(rules) = self.settings.get(s.domain) else {
            return;
        };
        let key = s.key.to_ascii_lowercase();
        for &(ri, mi) in rules {
            let Matcher::Setting(m) = &self.rules.rules[ri].matchers[mi] else {
                continue;
            };
            // The literal end of a glob first: most keys fail that cheap test.
            let key_matches = m
                .keys
                .iter()
                .zip(&m.key_suffix)
                .any(|(g, suffix)| key.ends_with(suffix.as_str()) && g.is_match(&key));
            if !key_matches || !placed(m, via) {
                continue;
            }
            // A pass-through of an option (`InsecureSkipVerify: opts.Insecure`) holds for
            // a boolean switch whatever the option says.
            let passthrough = via.is_some_and(|v| v.passthrough)
                && matches!(
                    m.when,
                    When::True | When::False | When::Zero | When::Nonzero
                );
            if !passthrough && !m.when.holds(&s.value, &m.values) {
                continue;
            }
            let vars = Vars {
                name: s.key.clone(),
                value: fmt_value(&s.value),
                ..Vars::default()
            };
            let fix = m
                .fix
                .as_ref()
                .and_then(|spec| fixes::setting(spec, s.span, src.text, &s.key));
            let cats = self.rules.rules[ri].categories.clone();
            for c in cats {
                self.emit(ri, c, s.span, &vars, Vec::new(), fix.as_ref(), out);
            }
        }
    }

    fn judge_construct(&self, c: &ConstructFact, out: &mut Vec<Finding>) {
        let Some(rules) = self.constructs.get(c.name) else {
            return;
        };
        let vars = Vars {
            detail: c.detail.clone(),
            ..Vars::default()
        };
        for &(ri, _) in rules {
            for &cat in &c.categories {
                self.emit(ri, cat, c.span, &vars, Vec::new(), None, out);
            }
        }
    }
}

fn registry_matches(m: &RegistryMatcher, norm_key: &str, value_name: &str) -> bool {
    m.value_name.eq_ignore_ascii_case(value_name.trim())
        && m.keys.iter().any(|re| re.is_match(norm_key))
}

/// Whether an option fact matches an option matcher (command, spelling, bundling, value);
/// returns the value judged and the span to report.
pub fn option_matches(m: &OptionMatcher, o: &OptionFact) -> Option<(Value, Span)> {
    if !m.commands.iter().any(|c| c == "*" || *c == o.command) {
        return None;
    }
    let spelled = m.options.iter().any(|opt| {
        if m.ignore_case {
            opt.eq_ignore_ascii_case(&o.option)
        } else {
            *opt == o.option
        }
    });
    // PowerShell takes any unambiguous prefix of a parameter name (`-SkipCert`); an
    // ambiguous one fails before the command runs, so a prefix that names a rule's
    // parameter is that parameter. Six letters at least, so that short prefixes that name
    // another command's own parameter (`-Skip` of Select-Object) stay unrelated.
    let spelled = spelled
        || (m.ignore_case
            && o.option.starts_with('-')
            && !o.option.starts_with("--")
            && o.option.len() > 6
            && o.option.bytes().skip(1).all(|b| b.is_ascii_alphanumeric())
            && m.options.iter().any(|opt| {
                opt.len() > o.option.len()
                    && opt.starts_with('-')
                    && !opt.starts_with("--")
                    && opt.as_bytes()[..o.option.len()].eq_ignore_ascii_case(o.option.as_bytes())
            }));
    if !spelled {
        let bundled = m
            .bundle
            .as_deref()
            .is_some_and(|takes_arg| in_bundle(&m.options, &o.option, takes_arg));
        return (bundled && m.when == When::Any).then_some((Value::Flag, o.option_span));
    }
    let (value, span) = if m.takes_value {
        o.attached.clone().or_else(|| o.next.clone())?
    } else {
        match &o.attached {
            Some((v, s)) => (v.clone(), o.option_span.cover(*s)),
            None => (Value::Flag, o.option_span),
        }
    };
    m.when.holds(&value, &m.values).then_some((value, span))
}

/// `-fsSLk` contains `-k` when no letter before `k` takes an argument.
fn in_bundle(options: &[String], arg: &str, takes_arg: &str) -> bool {
    let Some(letters) = arg.strip_prefix('-') else {
        return false;
    };
    if letters.starts_with('-')
        || letters.len() < 2
        || !letters.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return false;
    }
    for opt in options {
        let Some(l) = opt.strip_prefix('-') else {
            continue;
        };
        if l.len() != 1 || l.starts_with('-') {
            continue;
        }
        let want = l.as_bytes()[0];
        for b in letters.bytes() {
            if b == want {
                return true;
            }
            if takes_arg.as_bytes().contains(&b) {
                break;
            }
        }
    }
    false
}

/// Whether a code fact sits where the matcher wants it (position, enclosing type).
fn placed(m: &SettingMatcher, via: Option<&Via>) -> bool {
    let Some(via) = via else {
        return true;
    };
    if !m.positions.is_empty() && !via.position.is_some_and(|p| m.positions.contains(&p)) {
        return false;
    }
    // A declared option's default is judged only by matchers that ask for it.
    if m.positions.is_empty() && via.position == Some(crate::facts::Position::Default) {
        return false;
    }
    if !m.types.is_empty() {
        let Some(q) = &via.qualifier else {
            return false;
        };
        let q = q.to_ascii_lowercase();
        let last = q.rsplit('.').next().unwrap_or(&q);
        return m.types.iter().any(|g| g.is_match(&q) || g.is_match(last));
    }
    true
}

/// The most findings one file reports ([`Engine::judge`]).
pub const MAX_FINDINGS: usize = 10_000;

/// Keeps the first [`MAX_FINDINGS`] findings of `out[base..]` by position, all of those
/// that start before the first one dropped, and returns where dropping starts (never later
/// than `cut`).
fn keep_first(out: &mut Vec<Finding>, base: usize, cut: Option<usize>) -> Option<usize> {
    let Some(tail) = out.get_mut(base..) else {
        return cut;
    };
    // Stable: findings at one position keep their order for de-duplication.
    tail.sort_by_key(|f| f.span.start);
    let Some(first_dropped) = tail.get(MAX_FINDINGS).map(|f| f.span.start) else {
        return cut;
    };
    let mut keep = tail.partition_point(|f| f.span.start < first_dropped);
    if keep == 0 {
        // More than the limit at one position: keep the limit's worth.
        keep = MAX_FINDINGS;
    }
    out.truncate(base + keep);
    Some(cut.map_or(first_dropped, |c| c.min(first_dropped)))
}

/// A fact's place in a group of flag constants judged together ([`Engine::judge`]).
enum FlagGroup {
    /// The first fact of the group, with every member's index (itself included).
    Lead(Vec<usize>),
    /// Judged with its lead.
    Member,
}

/// The flag value of a fact, bare or with what value flow learned about it.
fn flag_of(f: &Fact) -> Option<(&FlagFact, Option<&Via>)> {
    match f {
        Fact::Flags(x) => Some((x, None)),
        Fact::Via(inner, via) => match inner.as_ref() {
            Fact::Flags(x) => Some((x, Some(via.as_ref()))),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every language's setting domain has a second prefilter stage.
    #[test]
    fn every_language_is_among_its_domains_languages() {
        for lang in crate::ir::Lang::ALL {
            let d = crate::analyze::code::sinks::domain(lang);
            assert!(CODE_DOMAINS.contains(&d), "{d}");
            assert!(domain_langs(d).contains(&lang.name()), "{lang:?}");
        }
    }

    /// A process call is read for its commands only with a command word near it; the
    /// prefilter asks the same question of the file.
    #[test]
    fn commands_are_read_when_a_command_word_is_near_the_call() {
        let e = Engine::new(RuleSet::builtin().expect("rules"));
        let near = "import subprocess\nsubprocess.run([\"curl\", \"-k\", url])\n";
        assert!(e.code_may_match("python", near.as_bytes()));
        let far = format!(
            "TOOL = \"curl\"\n{}import subprocess\nsubprocess.run([TOOL, \"-k\"])\n",
            "#\n".repeat(2000)
        );
        assert!(!e.code_may_match("python", far.as_bytes()));
        let no_call = "x = [\"curl\", \"-k\"]\n";
        assert!(!e.code_may_match("python", no_call.as_bytes()));
    }

    #[test]
    fn a_setting_key_counts_where_it_is_written() {
        let written = |t: &str, key: &str| {
            let end = t.find(key).map(|i| i + key.len()).unwrap_or(0);
            crate::prefilter::written_key(t.as_bytes(), end)
        };
        // Every position a setting fact comes from.
        assert!(written("get(u, verify=False)", "verify"));
        assert!(written("s.verify    = False", "verify"));
        assert!(written("{'verify': False}", "verify"));
        assert!(written("kw[\"verify\"] = v", "verify"));
        assert!(written(
            "tls.Config{InsecureSkipVerify: true}",
            "InsecureSkipVerify"
        ));
        assert!(written("verify_ssl : bool = False", "verify_ssl"));
        assert!(written(
            "o.SetInsecureSkipVerify(true)",
            "InsecureSkipVerify"
        ));
        assert!(written("o.Insecure\t= true", "Insecure"));
        // Reads, longer names, and a key at the end of the file.
        // A colon may be an annotation (`verify: bool = False`): read as written.
        assert!(written("if s.verify:", "verify"));
        assert!(!written(
            "if cfg.InsecureSkipVerify {",
            "InsecureSkipVerify"
        ));
        assert!(!written("self.verify_response(r)", "verify"));
        assert!(!written("return verify", "verify"));
        assert!(!written("x.verify", "verify"));
    }

    #[test]
    fn the_second_stage_wants_a_written_key_or_a_specific_word() {
        let e = Engine::new(RuleSet::builtin().expect("rules"));
        let py = |t: &str| e.code_may_match("python", t.as_bytes());
        assert!(py("requests.get(u, verify=False)\n"));
        assert!(py("session.verify   = False\n"));
        assert!(py("opts = {'verify': False}\n"));
        assert!(py("Client(verify_server_cert=False)\n"));
        assert!(py("ctx.verify_mode = ssl.CERT_NONE\n"));
        assert!(!py(
            "def verify_signature(sig):\n    return sig.verify_with(key)\n"
        ));
        assert!(!py("if session.verify and ok:\n    pass\n"));
        let go = |t: &str| e.code_may_match("go", t.as_bytes());
        assert!(go("c := &tls.Config{InsecureSkipVerify: true}\n"));
        assert!(go("opts := []Opt{WithInsecureSkipVerifyTLS(o.insecure)}\n"));
        assert!(go("cfg.InsecureSkipVerify = skip\n"));
        assert!(!go("if cfg.InsecureSkipVerify {\n\tlog.Print(1)\n}\n"));
    }

    #[test]
    fn templates() {
        let v = Vars {
            name: "N".into(),
            value: "0x1".into(),
            ..Vars::default()
        };
        assert_eq!(
            render("{name} = {decoded} {unknown}", &v),
            "N = 0x1 {unknown}"
        );
        assert_eq!(render("open { brace", &v), "open { brace");
    }

    #[test]
    fn bundles() {
        let opts = vec!["-k".to_string(), "--insecure".to_string()];
        assert!(in_bundle(&opts, "-fsSLk", "o"));
        assert!(!in_bundle(&opts, "-ok", "o"));
        assert!(!in_bundle(&opts, "--kk", "o"));
    }
}
