//! Which format a file is in: by name and extension first, by content second.
//!
//! The name is cheap and usually right (`.reg`, `.ps1`, `web.config`). Content decides
//! for files whose name says nothing or says too little: a `REGEDIT4` or `Windows Registry
//! Editor Version 5.00` header, `<?xml` followed by `<RegistrySettings` (Group Policy
//! Preferences) or `<configuration>` (.NET), or a shebang.

use std::path::Path;

/// A file format tlslint knows how to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileFormat {
    /// A regedit export (`.reg`).
    Reg,
    /// A cmd.exe batch file (`.cmd`, `.bat`).
    Cmd,
    /// PowerShell (`.ps1`, `.psm1`, `.psd1`), also DSC configurations.
    PowerShell,
    /// .NET/IIS XML configuration (`web.config`, `app.config`, `*.exe.config`, `applicationHost.config`).
    DotNetConfig,
    /// Group Policy Preferences `Registry.xml`.
    GppRegistry,
    /// Any other XML.
    Xml,
    /// YAML (Ansible, Kubernetes, CI pipelines).
    Yaml,
    /// C and C++ sources and headers.
    C,
    /// C#.
    CSharp,
    /// Java.
    Java,
    /// Go.
    Go,
    /// Rust.
    Rust,
    /// Python.
    Python,
    /// JavaScript and TypeScript.
    JavaScript,
    /// POSIX shell and bash.
    Shell,
    /// Dockerfile / Containerfile.
    Dockerfile,
    /// git configuration (`.gitconfig`).
    GitConfig,
    /// npm/yarn configuration (`.npmrc`, `.yarnrc`).
    Npmrc,
    /// curl configuration (`.curlrc`).
    Curlrc,
    /// wget configuration (`.wgetrc`).
    Wgetrc,
    /// pip configuration (`pip.conf`, `pip.ini`).
    PipConf,
    /// Terraform / HCL.
    Terraform,
    /// nginx configuration (`nginx.conf`, `conf.d/*.conf`).
    Nginx,
    /// Apache httpd configuration (`httpd.conf`, `ssl.conf`, `<VirtualHost>` files).
    Apache,
    /// HAProxy configuration (`haproxy.cfg`).
    HaProxy,
    /// Eclipse Mosquitto configuration (`mosquitto.conf`).
    Mosquitto,
    /// OpenSSL configuration (`openssl.cnf`).
    OpenSslConf,
    /// Java properties (`*.properties`, `java.security`).
    JavaProperties,
    /// Azure Bicep (`.bicep`, `.bicepparam`).
    Bicep,
    /// JSON, comments allowed (ARM templates, browser policies).
    Json,
    /// TOML (Traefik, Telegraf, Cargo's `config.toml`).
    Toml,
    /// Firefox preference files (`prefs.js`, `user.js`, `mozilla.cfg`).
    FirefoxPrefs,
    /// Ansible INI inventory (`hosts`, `inventory*`, `*.ini` with Ansible variables).
    AnsibleInventory,
    /// Group Policy `Registry.pol` (binary PReg format, UTF-16LE records).
    RegistryPol,
    /// Security template / Group Policy `GptTmpl.inf` (`[Registry Values]`).
    SecurityTemplate,
    /// Inno Setup script (`.iss`, its `[Registry]` section).
    InnoSetup,
    /// Markdown and other documentation: never a finding.
    Documentation,
}

impl FileFormat {
    /// The short name used in `--stats`, rule `formats` and examples.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Reg => "reg",
            FileFormat::Cmd => "cmd",
            FileFormat::PowerShell => "powershell",
            FileFormat::DotNetConfig => "dotnet-config",
            FileFormat::GppRegistry => "gpp",
            FileFormat::Xml => "xml",
            FileFormat::Yaml => "yaml",
            FileFormat::C => "c",
            FileFormat::CSharp => "csharp",
            FileFormat::Java => "java",
            FileFormat::Go => "go",
            FileFormat::Rust => "rust",
            FileFormat::Python => "python",
            FileFormat::JavaScript => "javascript",
            FileFormat::Shell => "shell",
            FileFormat::Dockerfile => "dockerfile",
            FileFormat::GitConfig => "gitconfig",
            FileFormat::Npmrc => "npmrc",
            FileFormat::Curlrc => "curlrc",
            FileFormat::Wgetrc => "wgetrc",
            FileFormat::PipConf => "pip-conf",
            FileFormat::Terraform => "terraform",
            FileFormat::Nginx => "nginx",
            FileFormat::Apache => "apache",
            FileFormat::HaProxy => "haproxy",
            FileFormat::Mosquitto => "mosquitto",
            FileFormat::OpenSslConf => "openssl-conf",
            FileFormat::JavaProperties => "properties",
            FileFormat::Bicep => "bicep",
            FileFormat::Json => "json",
            FileFormat::Toml => "toml",
            FileFormat::FirefoxPrefs => "firefox-prefs",
            FileFormat::AnsibleInventory => "ansible-inventory",
            FileFormat::RegistryPol => "registry-pol",
            FileFormat::SecurityTemplate => "security-template",
            FileFormat::InnoSetup => "inno-setup",
            FileFormat::Documentation => "documentation",
        }
    }

    /// Every format, for name lookups.
    pub const ALL: [FileFormat; 37] = [
        FileFormat::Reg,
        FileFormat::Cmd,
        FileFormat::PowerShell,
        FileFormat::DotNetConfig,
        FileFormat::GppRegistry,
        FileFormat::Xml,
        FileFormat::Yaml,
        FileFormat::C,
        FileFormat::CSharp,
        FileFormat::Java,
        FileFormat::Go,
        FileFormat::Rust,
        FileFormat::Python,
        FileFormat::JavaScript,
        FileFormat::Shell,
        FileFormat::Dockerfile,
        FileFormat::GitConfig,
        FileFormat::Npmrc,
        FileFormat::Curlrc,
        FileFormat::Wgetrc,
        FileFormat::PipConf,
        FileFormat::Terraform,
        FileFormat::Nginx,
        FileFormat::Apache,
        FileFormat::HaProxy,
        FileFormat::Mosquitto,
        FileFormat::OpenSslConf,
        FileFormat::JavaProperties,
        FileFormat::Bicep,
        FileFormat::Json,
        FileFormat::Toml,
        FileFormat::FirefoxPrefs,
        FileFormat::AnsibleInventory,
        FileFormat::RegistryPol,
        FileFormat::SecurityTemplate,
        FileFormat::InnoSetup,
        FileFormat::Documentation,
    ];

    /// Looks a format up by its [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<FileFormat> {
        FileFormat::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Classifies by file name alone. `None` means "look at the content".
/// The user/system configuration format a script writes to when it redirects text into
/// `path` (`echo strict-ssl=false >> ~/.npmrc`, `cat > /etc/pip.conf <<EOF`).
pub fn deployed_config(path: &str) -> Option<FileFormat> {
    let target = path.trim().trim_matches(['"', '\'']);
    // A repository's own configuration, the system's and the XDG user file.
    let unix = target.replace('\\', "/").to_ascii_lowercase();
    if unix == ".git/config"
        || unix.ends_with("/.git/config")
        || unix.ends_with("/etc/gitconfig")
        || unix.ends_with("/git/config") && unix.contains(".config/")
    {
        return Some(FileFormat::GitConfig);
    }
    let base = target.rsplit(['\\', '/']).next().unwrap_or(target);
    by_name(Path::new(base)).filter(|f| {
        matches!(
            f,
            FileFormat::Npmrc
                | FileFormat::GitConfig
                | FileFormat::Curlrc
                | FileFormat::Wgetrc
                | FileFormat::PipConf
        )
    })
}

/// Suffixes that mark a file as the template of another (`pip.conf.j2`,
/// `config.yml.template`, `deploy.sh.in`): the real format is the name without them.
const TEMPLATE_SUFFIXES: &[&str] = &[
    ".j2",
    ".jinja",
    ".jinja2",
    ".template",
    ".tmpl",
    ".tpl",
    ".in",
    ".example",
    ".sample",
];

/// The name without its template suffixes (at most two: `x.yml.example.j2`).
pub fn strip_template_suffix(name: &str) -> &str {
    let mut n = name;
    for _ in 0..2 {
        let lower = n.to_ascii_lowercase();
        match TEMPLATE_SUFFIXES
            .iter()
            .find(|s| lower.ends_with(*s) && lower.len() > s.len())
        {
            Some(s) => n = &n[..n.len() - s.len()],
            None => break,
        }
    }
    n
}

/// Names of Ansible inventories (INI or YAML; content tells which).
fn inventory_name(name: &str) -> bool {
    name == "hosts"
        || name.starts_with("inventory")
        || name.ends_with(".inventory")
        || name.ends_with("_inventory")
}

pub fn by_name(path: &Path) -> Option<FileFormat> {
    let full = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let name = strip_template_suffix(&full).to_string();
    // A `.pol` file is binary: its name alone decides.
    if full.ends_with(".pol") {
        return Some(FileFormat::RegistryPol);
    }
    match name.as_str() {
        "dockerfile" | "containerfile" => return Some(FileFormat::Dockerfile),
        ".gitconfig" | "gitconfig" | ".gitmodules" => return Some(FileFormat::GitConfig),
        ".npmrc" | "npmrc" | ".yarnrc" => return Some(FileFormat::Npmrc),
        ".curlrc" | "_curlrc" | "curlrc" => return Some(FileFormat::Curlrc),
        ".wgetrc" | "wgetrc" => return Some(FileFormat::Wgetrc),
        "pip.conf" | "pip.ini" => return Some(FileFormat::PipConf),
        "registry.xml" => return Some(FileFormat::GppRegistry),
        ".bashrc" | ".bash_profile" | ".profile" | ".zshrc" | ".envrc" => {
            return Some(FileFormat::Shell);
        }
        "nginx.conf" => return Some(FileFormat::Nginx),
        "httpd.conf" | "apache2.conf" | "httpd-ssl.conf" => return Some(FileFormat::Apache),
        "haproxy.cfg" => return Some(FileFormat::HaProxy),
        "mosquitto.conf" => return Some(FileFormat::Mosquitto),
        "telegraf.conf" => return Some(FileFormat::Toml),
        "openssl.cnf" | "openssl.conf" => return Some(FileFormat::OpenSslConf),
        "java.security" => return Some(FileFormat::JavaProperties),
        "prefs.js" | "user.js" | "mozilla.cfg" => return Some(FileFormat::FirefoxPrefs),
        _ => {}
    }
    if name.starts_with("dockerfile.")
        || name.ends_with(".dockerfile")
        || name.starts_with("containerfile.")
    {
        return Some(FileFormat::Dockerfile);
    }
    if name.ends_with(".gitconfig") {
        return Some(FileFormat::GitConfig);
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "reg" => FileFormat::Reg,
        "cmd" | "bat" => FileFormat::Cmd,
        "ps1" | "psm1" | "psd1" => FileFormat::PowerShell,
        "config" => FileFormat::DotNetConfig,
        "xml" | "wxs" | "wxi" => return None,
        "yml" | "yaml" => FileFormat::Yaml,
        "c" | "h" | "cc" | "cpp" | "cxx" | "c++" | "hh" | "hpp" | "hxx" | "h++" | "inl" | "ipp"
        | "tpp" => FileFormat::C,
        "cs" | "csx" => FileFormat::CSharp,
        "java" => FileFormat::Java,
        "go" => FileFormat::Go,
        "rs" => FileFormat::Rust,
        "py" | "pyw" | "pyi" => FileFormat::Python,
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => FileFormat::JavaScript,
        "sh" | "bash" | "zsh" | "ksh" | "ash" | "dash" => FileFormat::Shell,
        "tf" | "tfvars" | "hcl" => FileFormat::Terraform,
        "bicep" | "bicepparam" => FileFormat::Bicep,
        "json" | "jsonc" => FileFormat::Json,
        "toml" => FileFormat::Toml,
        "properties" => FileFormat::JavaProperties,
        "iss" => FileFormat::InnoSetup,
        "md" | "markdown" | "mdx" | "rst" | "adoc" | "asciidoc" | "txt" | "html" | "htm" => {
            FileFormat::Documentation
        }
        _ => return None,
    })
}

/// Classifies by content (the first bytes of the decoded text). Used when the name is
/// not conclusive, and to refine `.xml`.
pub fn by_content(head: &str) -> Option<FileFormat> {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with("Windows Registry Editor Version") || t.starts_with("REGEDIT4") {
        return Some(FileFormat::Reg);
    }
    // cloud-init user data (`user-data`, `*.cfg`).
    if t.starts_with("#cloud-config") {
        return Some(FileFormat::Yaml);
    }
    if let Some(f) = script_by_content(t) {
        return Some(f);
    }
    if let Some(rest) = t.strip_prefix("#!") {
        let line = rest.lines().next().unwrap_or("");
        let interp = shebang_interpreter(line);
        return match interp {
            "sh" | "bash" | "zsh" | "ksh" | "dash" | "ash" => Some(FileFormat::Shell),
            "pwsh" | "powershell" => Some(FileFormat::PowerShell),
            i if i.starts_with("python") => Some(FileFormat::Python),
            "node" | "deno" | "bun" | "ts-node" => Some(FileFormat::JavaScript),
            _ => None,
        };
    }
    if t.starts_with('<') {
        let window = &t[..t.len().min(4096)];
        if window.contains("<RegistrySettings") {
            return Some(FileFormat::GppRegistry);
        }
        if window.contains("<configuration") {
            return Some(FileFormat::DotNetConfig);
        }
        if t.starts_with("<?xml") {
            return Some(FileFormat::Xml);
        }
    }
    None
}

/// Batch files, kubeconfigs and manifests, and Helm helper templates, by their first
/// meaningful lines: `@echo off`, `reg add` lines, `apiVersion:` with `kind:`,
/// `{{- define`.
fn script_by_content(t: &str) -> Option<FileFormat> {
    let mut lines = t
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let first = lines.next()?.to_ascii_lowercase();
    let first = first.trim_start_matches('@');
    if first == "echo off" || first.starts_with("echo off ") || first.starts_with("setlocal") {
        return Some(FileFormat::Cmd);
    }
    let is_reg_add = |l: &str| {
        let l = l.trim_start_matches('@').to_ascii_lowercase();
        l.starts_with("reg add ") || l.starts_with("reg.exe add ")
    };
    if is_reg_add(first) || first.starts_with("rem ") && t.lines().take(20).any(is_reg_add) {
        return Some(FileFormat::Cmd);
    }
    // Kubernetes objects and kubeconfigs (`kind: Config`).
    let window: Vec<&str> = t.lines().take(40).collect();
    let has = |p: &str| window.iter().any(|l| l.starts_with(p));
    if has("apiVersion:") && has("kind:") {
        return Some(FileFormat::Yaml);
    }
    if t.contains("{{- define ") || t.contains("{{ define ") {
        return Some(FileFormat::Yaml);
    }
    None
}

/// An INI inventory: `[group:vars]`/`[group:children]` sections or `ansible_*=` variables.
fn looks_like_ini_inventory(head: &str) -> bool {
    head.lines().any(|l| {
        let l = l.trim();
        (l.starts_with('[') && (l.contains(":vars]") || l.contains(":children]")))
            || l.contains("ansible_") && l.contains('=')
    })
}

/// A YAML inventory (`all:`, `---`, `key:` at column 0).
fn looks_like_yaml_inventory(head: &str) -> bool {
    head.lines()
        .map(|l| l.trim_end())
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with(['#', ';']))
        .is_some_and(|l| {
            l == "---"
                || (!l.starts_with([' ', '\t', '['])
                    && l.ends_with(':')
                    && !l.contains(char::is_whitespace))
        })
}

fn shebang_interpreter(line: &str) -> &str {
    let mut parts = line.split_whitespace();
    let first = parts.next().unwrap_or("");
    let base = first.rsplit('/').next().unwrap_or(first);
    if base == "env" {
        let mut next = parts.next().unwrap_or("");
        while next.starts_with('-') {
            next = parts.next().unwrap_or("");
        }
        return next.rsplit('/').next().unwrap_or(next);
    }
    base
}

/// Classifies a file: name first, content second. `.xml` and `.config` files are refined
/// by content (a `Registry.xml` of Group Policy, a .NET `<configuration>`).
pub fn classify(path: &Path, head: &str) -> Option<FileFormat> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let stem = strip_template_suffix(&name);
    let named = by_name(path);
    // Ansible inventories: INI unless the content is YAML (`inventory.yml` and dynamic
    // inventory scripts are named by their extension).
    if named.is_none()
        && (inventory_name(stem) || stem.ends_with(".ini") && looks_like_ini_inventory(head))
    {
        return Some(if looks_like_yaml_inventory(head) {
            FileFormat::Yaml
        } else {
            FileFormat::AnsibleInventory
        });
    }
    // A security template (`GptTmpl.inf`, `secedit /export`), not a driver INF.
    if stem.ends_with(".inf") {
        let h = head.to_ascii_lowercase();
        return (stem == "gpttmpl.inf"
            || h.contains("[registry values]")
            || h.contains("$chicago$"))
        .then_some(FileFormat::SecurityTemplate);
    }
    match named {
        Some(FileFormat::GppRegistry) => Some(FileFormat::GppRegistry),
        Some(FileFormat::DotNetConfig) => match by_content(head) {
            Some(FileFormat::GppRegistry) => Some(FileFormat::GppRegistry),
            Some(FileFormat::DotNetConfig) | None | Some(FileFormat::Xml) => {
                Some(FileFormat::DotNetConfig)
            }
            other => other,
        },
        Some(f) => Some(f),
        None => by_content(head).or_else(|| server_config(path, head)),
    }
}

/// `.conf`, `.cfg` and `.cnf` files (and files in `sites-available`-style folders) are
/// nginx, Apache httpd, HAProxy, Mosquitto, OpenSSL or Firefox configuration when their
/// content says so; most are none of these and stay unread.
fn server_config(path: &Path, head: &str) -> Option<FileFormat> {
    let full = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    // `default.conf.template`, `haproxy.cfg.j2`: the format of the file they render.
    let name = strip_template_suffix(&full);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let parent = path
        .parent()
        .and_then(Path::file_name)
        .map(|p| p.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let in_conf_dir = matches!(
        parent.as_str(),
        "sites-available" | "sites-enabled" | "conf.d" | "conf-available" | "conf-enabled"
    );
    if !matches!(ext, "conf" | "cfg" | "cnf") && !in_conf_dir {
        return None;
    }
    let lines: Vec<&str> = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .collect();
    let word = |l: &str| -> String {
        l.split(|c: char| c.is_whitespace() || c == '{' || c == '=')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    let any = |f: &dyn Fn(&str) -> bool| lines.iter().any(|l| f(l));
    if ext == "cfg" {
        if any(&|l| {
            l.starts_with("lockPref(") || l.starts_with("defaultPref(") || l.starts_with("pref(")
        }) {
            return Some(FileFormat::FirefoxPrefs);
        }
        let section = any(&|l| {
            matches!(
                word(l).as_str(),
                "frontend" | "backend" | "listen" | "defaults"
            )
        });
        let body = any(&|l| {
            matches!(
                word(l).as_str(),
                "bind"
                    | "server"
                    | "default_backend"
                    | "use_backend"
                    | "balance"
                    | "default-server"
            )
        });
        return (section && body).then_some(FileFormat::HaProxy);
    }
    if any(&|l| {
        let lower = l.to_ascii_lowercase();
        lower.starts_with("<virtualhost")
            || lower.starts_with("<ifmodule")
            || lower.starts_with("<directory")
    }) || any(&|l| {
        matches!(
            word(l).as_str(),
            "sslengine"
                | "sslprotocol"
                | "sslproxyengine"
                | "sslproxyverify"
                | "loadmodule"
                | "documentroot"
        ) && !l.ends_with(';')
    }) {
        return Some(FileFormat::Apache);
    }
    let nginx_block = any(&|l| {
        let w = word(l);
        matches!(
            w.as_str(),
            "server" | "http" | "events" | "upstream" | "location" | "stream" | "map"
        ) && l.ends_with('{')
    });
    let nginx_directive = any(&|l| {
        matches!(
            word(l).as_str(),
            "server_name"
                | "proxy_pass"
                | "ssl_certificate"
                | "ssl_protocols"
                | "listen"
                | "proxy_ssl_verify"
                | "root"
        ) && l.ends_with(';')
    });
    if nginx_block || nginx_directive {
        return Some(FileFormat::Nginx);
    }
    if any(&|l| {
        matches!(
            word(l).as_str(),
            "listener"
                | "allow_anonymous"
                | "persistence"
                | "persistence_location"
                | "bridge_cafile"
                | "per_listener_settings"
        ) && !l.ends_with(';')
    }) {
        return Some(FileFormat::Mosquitto);
    }
    if matches!(ext, "cnf" | "conf")
        && any(&|l| {
            let w = word(l);
            w == "openssl_conf" || w == "minprotocol" || w == "cipherstring" || w == "ssl_conf"
        })
    {
        return Some(FileFormat::OpenSslConf);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            classify(Path::new("a/b/KMK.reg"), ""),
            Some(FileFormat::Reg)
        );
        assert_eq!(classify(Path::new("x.BAT"), ""), Some(FileFormat::Cmd));
        assert_eq!(
            classify(
                Path::new("web.config"),
                "<?xml version=\"1.0\"?>\n<configuration>"
            ),
            Some(FileFormat::DotNetConfig)
        );
        assert_eq!(
            classify(Path::new("App.exe.config"), ""),
            Some(FileFormat::DotNetConfig)
        );
        assert_eq!(
            classify(Path::new("Registry.xml"), ""),
            Some(FileFormat::GppRegistry)
        );
        assert_eq!(
            classify(Path::new("Dockerfile"), ""),
            Some(FileFormat::Dockerfile)
        );
        assert_eq!(
            classify(Path::new(".gitconfig"), ""),
            Some(FileFormat::GitConfig)
        );
        assert_eq!(
            classify(Path::new("README.md"), ""),
            Some(FileFormat::Documentation)
        );
    }

    #[test]
    fn content() {
        assert_eq!(
            classify(
                Path::new("export"),
                "Windows Registry Editor Version 5.00\r\n"
            ),
            Some(FileFormat::Reg)
        );
        assert_eq!(
            classify(Path::new("run"), "#!/usr/bin/env bash\n"),
            Some(FileFormat::Shell)
        );
        assert_eq!(
            classify(Path::new("tool"), "#!/usr/bin/env -S python3 -u\n"),
            Some(FileFormat::Python)
        );
        assert_eq!(
            classify(
                Path::new("x.xml"),
                "<?xml version=\"1.0\"?><RegistrySettings clsid=\"{A}\">"
            ),
            Some(FileFormat::GppRegistry)
        );
        assert_eq!(classify(Path::new("blob"), "just text"), None);
        assert_eq!(
            classify(
                Path::new("rollback"),
                "@ECHO OFF\r\nreg add HKLM\\X /v A /d 1 /f\r\n"
            ),
            Some(FileFormat::Cmd)
        );
        assert_eq!(
            classify(
                Path::new("apply"),
                "reg add \"HKLM\\X\" /v A /t REG_DWORD /d 1 /f\n"
            ),
            Some(FileFormat::Cmd)
        );
        assert_eq!(
            classify(
                Path::new("kubeconfig-lab"),
                "apiVersion: v1\nclusters:\n- cluster: {}\nkind: Config\n"
            ),
            Some(FileFormat::Yaml)
        );
        assert_eq!(
            classify(Path::new("user-data"), "#cloud-config\nwrite_files: []\n"),
            Some(FileFormat::Yaml)
        );
        assert_eq!(
            classify(
                Path::new("_helpers.tpl"),
                "{{/* x */}}\n{{- define \"a\" -}}\n"
            ),
            Some(FileFormat::Yaml)
        );
        // A prose file that mentions the words is not a script.
        assert_eq!(
            classify(
                Path::new("NOTES"),
                "Run reg add to fix it; echo off is cmd.\n"
            ),
            None
        );
    }

    #[test]
    fn template_suffixes_and_inventories() {
        assert_eq!(
            classify(Path::new("pip.conf.j2"), ""),
            Some(FileFormat::PipConf)
        );
        assert_eq!(
            classify(Path::new("deploy.sh.in"), ""),
            Some(FileFormat::Shell)
        );
        assert_eq!(
            classify(Path::new("values.yaml.example"), ""),
            Some(FileFormat::Yaml)
        );
        assert_eq!(
            classify(Path::new("README.md.j2"), ""),
            Some(FileFormat::Documentation)
        );
        assert_eq!(strip_template_suffix("x.yml.example.j2"), "x.yml");
        assert_eq!(strip_template_suffix(".j2"), ".j2");
        assert_eq!(
            classify(Path::new("hosts"), "[web]\nw1 ansible_host=1.2.3.4\n"),
            Some(FileFormat::AnsibleInventory)
        );
        assert_eq!(
            classify(Path::new("inventory"), "# lab\nall:\n  hosts:\n"),
            Some(FileFormat::Yaml)
        );
        assert_eq!(
            classify(Path::new("inventory.yml"), "plugin: aws_ec2\n"),
            Some(FileFormat::Yaml)
        );
        assert_eq!(
            classify(Path::new("inventory.winrm.template"), "[windows]\nw1\n"),
            Some(FileFormat::AnsibleInventory)
        );
        assert_eq!(
            classify(Path::new("lab.ini"), "[win:vars]\nansible_port=5986\n"),
            Some(FileFormat::AnsibleInventory)
        );
        assert_eq!(
            classify(Path::new("tox.ini"), "[tox]\nenvlist = py3\n"),
            None
        );
        assert_eq!(
            classify(Path::new("GptTmpl.inf"), "[Unicode]\nUnicode=yes\n"),
            Some(FileFormat::SecurityTemplate)
        );
        assert_eq!(
            classify(
                Path::new("netdriver.inf"),
                "[Version]\nSignature=\"$Windows NT$\"\n"
            ),
            None
        );
        assert_eq!(
            classify(Path::new("Setup.ISS"), ""),
            Some(FileFormat::InnoSetup)
        );
        assert_eq!(
            classify(Path::new("Machine/registry.pol"), ""),
            Some(FileFormat::RegistryPol)
        );
        assert_eq!(deployed_config(".git/config"), Some(FileFormat::GitConfig));
        assert_eq!(
            deployed_config("repo/.git/config"),
            Some(FileFormat::GitConfig)
        );
        assert_eq!(
            deployed_config("/etc/gitconfig"),
            Some(FileFormat::GitConfig)
        );
        assert_eq!(deployed_config("app/config"), None);
    }
}
