//! `--fix` and `--diff` through the real binary: byte-exact rewriting (UTF-16LE .reg
//! files, CRLF, BOMs), files without findings untouched, fixes that need several passes,
//! symbolic links refused, and every fixture's safe fixes removing their findings.

mod common;

use common::utf16le_bom;
use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run tlslint")
}

fn findings(dir: &Path) -> serde_json::Value {
    let o = run(&["scan", "--format", "json", "."], dir);
    serde_json::from_slice(&o.stdout).expect("json")
}

const REG: &str = "Windows Registry Editor Version 5.00\r\n\r\n\
; WinHTTP defaults for the dispatch terminals (TF-1187) - caf\u{e9}\r\n\
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\WinHttp]\r\n\
\"DefaultSecureProtocols\"=dword:00000a80\r\n\
\"Other\"=dword:00000001\r\n\r\n\
[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings]\r\n\
\"CertificateRevocation\"=dword:00000000\r\n";

#[test]
fn utf16le_reg_round_trips_byte_for_byte_outside_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tls.reg");
    let before = utf16le_bom(REG);
    std::fs::write(&path, &before).expect("write");
    let o = run(&["scan", "--fix", "tls.reg"], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let after = std::fs::read(&path).expect("read");
    // The expected result, built independently: the value rewritten in place, the
    // CertificateRevocation line deleted (a .reg default that is safe).
    let want = REG
        .replace("dword:00000a80", "dword:00000800")
        .replace("\"CertificateRevocation\"=dword:00000000\r\n", "");
    assert_eq!(after, utf16le_bom(&want));
    // Still UTF-16LE with a BOM, CRLF kept, nothing left to report.
    assert_eq!(&after[..2], &[0xFF, 0xFE]);
    assert!(
        findings(dir.path())["findings"]
            .as_array()
            .expect("array")
            .is_empty()
    );
}

#[test]
fn diff_prints_a_patch_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("setup.ps1");
    let text = "Invoke-RestMethod -Uri $u -SkipCertificateCheck\r\ngit config --global http.sslVerify false\r\n";
    std::fs::write(&path, text).expect("write");
    let o = run(&["scan", "--diff", "."], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let patch = String::from_utf8_lossy(&o.stdout);
    assert!(patch.contains("--- a/setup.ps1"), "{patch}");
    assert!(
        patch.contains("+git config --global http.sslVerify true"),
        "{patch}"
    );
    assert!(
        patch.contains("+Invoke-RestMethod -Uri $u\r\n")
            || patch.contains("+Invoke-RestMethod -Uri $u\n"),
        "{patch}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
    // `--dry-run` is the same.
    let o2 = run(&["scan", "--dry-run", "."], dir.path());
    assert_eq!(o2.stdout, o.stdout);
}

#[test]
fn fixes_that_overlap_are_finished_in_later_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flags.c");
    let text = "void f(HINTERNET h) {\n    DWORD flags = SECURITY_FLAG_IGNORE_UNKNOWN_CA\n                | SECURITY_FLAG_IGNORE_CERT_DATE_INVALID\n                | SECURITY_FLAG_IGNORE_CERT_CN_INVALID;\n    WinHttpSetOption(h, WINHTTP_OPTION_SECURITY_FLAGS, &flags, sizeof(flags));\n}\n";
    std::fs::write(&path, text).expect("write");
    let o = run(&["scan", "--fix", "."], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let after = std::fs::read_to_string(&path).expect("read");
    assert!(after.contains("    DWORD flags = 0;\n"), "{after}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("fixed 3 findings in 1 file"));
}

#[test]
fn files_without_findings_and_unfixable_findings_stay_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clean = "# nothing here\r\ncurl -fsSL https://example.org/\r\n";
    let unfixable = "export GIT_SSL_NO_VERIFY=1\n";
    std::fs::write(dir.path().join("clean.sh"), clean).expect("write");
    std::fs::write(dir.path().join("env.sh"), unfixable).expect("write");
    let o = run(&["scan", "--fix", "."], dir.path());
    // The unfixable finding is still reported.
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("git-ssl-verify-disabled"));
    assert_eq!(
        std::fs::read(dir.path().join("clean.sh")).expect("read"),
        clean.as_bytes()
    );
    assert_eq!(
        std::fs::read(dir.path().join("env.sh")).expect("read"),
        unfixable.as_bytes()
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_not_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("real.sh");
    std::fs::write(&target, "curl -k https://x/\n").expect("write");
    std::os::unix::fs::symlink(&target, dir.path().join("link.sh")).expect("symlink");
    let o = run(&["scan", "--fix", "link.sh"], dir.path());
    // Refused by policy: the finding stays reported, so the status is 1 (not an I/O error).
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("symbolic link"));
    assert_eq!(
        std::fs::read_to_string(&target).expect("read"),
        "curl -k https://x/\n"
    );
}

/// Every fixture file: after `--fix`, no finding that had a safe fix is left, and every
/// file that had no fixable finding is byte-identical.
#[test]
fn fix_on_the_fixtures_removes_every_fixable_finding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = common::root().join("fixtures");
    let mut originals = Vec::new();
    for f in common::files_below(&src) {
        let rel = f.strip_prefix(&src).expect("below").to_path_buf();
        let dst = dir.path().join(&rel);
        std::fs::create_dir_all(dst.parent().expect("parent")).expect("mkdir");
        let bytes = std::fs::read(&f).expect("read");
        std::fs::write(&dst, &bytes).expect("write");
        originals.push((rel, bytes));
    }
    let before = findings(dir.path());
    let fixable: std::collections::BTreeSet<String> = before["findings"]
        .as_array()
        .expect("array")
        .iter()
        .filter(|f| !f["fix"].is_null())
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect();
    assert!(
        fixable.len() > 20,
        "too few fixable files: {}",
        fixable.len()
    );
    let o = run(&["scan", "--fix", "--format", "json", "."], dir.path());
    assert_ne!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let after = findings(dir.path());
    let left: Vec<String> = after["findings"]
        .as_array()
        .expect("array")
        .iter()
        // `--fix` applies safe fixes only (unsafe ones need `--unsafe-fixes`).
        .filter(|f| f["fix"]["applicability"] == "safe")
        .map(|f| format!("{}:{} {}", f["path"], f["line"], f["rule_id"]))
        .collect();
    assert!(
        left.is_empty(),
        "fixable findings left after --fix:\n{}",
        left.join("\n")
    );
    for (rel, bytes) in originals {
        let key = rel.to_string_lossy().replace('\\', "/");
        if !fixable.contains(&key) {
            assert_eq!(
                std::fs::read(dir.path().join(&rel)).expect("read"),
                bytes,
                "{key} changed although it had no fix"
            );
        }
    }
}

/// Named constants of one line (`Tls12 | Tls | Tls11`, `'Tls,Tls11,Tls12'`) are one finding
/// with one fix that removes every legacy one (a fix per constant, each computed as if the
/// others stayed, would overlap or leave TLS 1.1); an element of a PowerShell list of
/// protocols is removed, not replaced by `None`.
#[test]
fn constants_of_one_line_are_fixed_together_and_list_elements_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cs = dir.path().join("Client.cs");
    std::fs::write(
        &cs,
        "class A { void M() {\n  ServicePointManager.SecurityProtocol = SecurityProtocolType.Tls12 | SecurityProtocolType.Tls | SecurityProtocolType.Tls11;\n} }\n",
    )
    .expect("write");
    let ps = dir.path().join("probe.ps1");
    std::fs::write(
        &ps,
        "[Net.ServicePointManager]::SecurityProtocol = 'Tls,Tls11,Tls12'\n$probe = @(\n    [System.Security.Authentication.SslProtocols]::Tls11,\n    [System.Security.Authentication.SslProtocols]::Tls12\n)\nforeach ($p in $probe) { $o.EnabledSslProtocols = $p }\n$s.AuthenticateAsClient($h, $null, [System.Security.Authentication.SslProtocols]::Tls11, $false)\n",
    )
    .expect("write");
    let f = findings(dir.path());
    let all = f["findings"].as_array().expect("findings");
    assert_eq!(all.len(), 4, "{f}");
    let one_line = all
        .iter()
        .filter(|x| {
            x["message"]
                .as_str()
                .is_some_and(|m| m.contains("TLS 1.0") && m.contains("TLS 1.1"))
        })
        .count();
    assert_eq!(one_line, 2, "{f}");
    let o = run(&["scan", "--fix", "."], dir.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("fixed 4 findings in 2 files"), "{stderr}");
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&cs).expect("read"),
        "class A { void M() {\n  ServicePointManager.SecurityProtocol = SecurityProtocolType.Tls12;\n} }\n"
    );
    assert_eq!(
        std::fs::read_to_string(&ps).expect("read"),
        "[Net.ServicePointManager]::SecurityProtocol = 'Tls12'\n$probe = @(\n    [System.Security.Authentication.SslProtocols]::Tls12\n)\nforeach ($p in $probe) { $o.EnabledSslProtocols = $p }\n$s.AuthenticateAsClient($h, $null, [System.Security.Authentication.SslProtocols]::None, $false)\n"
    );
}

/// Outside product code the insecure setting is often deliberate (a test against a
/// self-signed server, the documentation of an option): its fix is unsafe, so `--fix`
/// leaves it and `--unsafe-fixes` applies it; the same line in product code is fixed.
#[test]
fn fixes_outside_product_code_are_unsafe() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = "curl -k https://repo.example/agent.tgz -o agent.tgz\n";
    for p in ["deploy/fetch.sh", "tests/fetch.sh", "docs/fetch.sh"] {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, line).expect("write");
    }
    let f = findings(dir.path());
    let by_path = |p: &str| {
        f["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|x| x["path"] == p)
            .map(|x| x["fix"]["applicability"].clone())
    };
    assert_eq!(by_path("deploy/fetch.sh"), Some("safe".into()), "{f}");
    assert_eq!(by_path("tests/fetch.sh"), Some("unsafe".into()), "{f}");
    assert_eq!(by_path("docs/fetch.sh"), Some("unsafe".into()), "{f}");
    run(&["scan", "--fix", "."], dir.path());
    let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).expect("read");
    let fixed = "curl https://repo.example/agent.tgz -o agent.tgz\n";
    assert_eq!(read("deploy/fetch.sh"), fixed);
    assert_eq!(read("tests/fetch.sh"), line);
    assert_eq!(read("docs/fetch.sh"), line);
    run(&["scan", "--fix", "--unsafe-fixes", "."], dir.path());
    assert_eq!(read("tests/fetch.sh"), fixed);
    assert_eq!(read("docs/fetch.sh"), fixed);
}

/// Fixes leave valid, tidy code: a keyword argument alone on its line takes the line (no
/// line of blanks), an option that is a PowerShell parameter's whole string value leaves
/// an empty string (not a parameter without a value), and libcurl's option gets a long.
#[test]
fn fixes_leave_no_blank_line_no_dangling_parameter_and_the_right_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        (
            "client.py",
            "from ansible.module_utils.urls import open_url\n\ndef get(url):\n    return open_url(\n        url,\n        validate_certs=False,\n        timeout=5,\n    )\n",
            "from ansible.module_utils.urls import open_url\n\ndef get(url):\n    return open_url(\n        url,\n        timeout=5,\n    )\n",
        ),
        (
            "Fetch.ps1",
            "function Invoke-Fetch { param([string]$Uri, [string]$Arguments = '') Invoke-Expression \"Invoke-WebRequest -Uri $Uri $Arguments\" }\nInvoke-Fetch -Uri https://depot.example/ -Arguments '-SkipCertificateCheck'\n",
            "function Invoke-Fetch { param([string]$Uri, [string]$Arguments = '') Invoke-Expression \"Invoke-WebRequest -Uri $Uri $Arguments\" }\nInvoke-Fetch -Uri https://depot.example/ -Arguments ''\n",
        ),
        (
            "opt.c",
            "#include <curl/curl.h>\nvoid f(CURL *c) {\n  curl_easy_setopt(c, CURLOPT_SSL_OPTIONS, CURLSSLOPT_REVOKE_BEST_EFFORT);\n}\n",
            "#include <curl/curl.h>\nvoid f(CURL *c) {\n  curl_easy_setopt(c, CURLOPT_SSL_OPTIONS, 0L);\n}\n",
        ),
    ];
    for (name, before, _) in &files {
        std::fs::write(dir.path().join(name), before).expect("write");
    }
    let o = run(&["scan", "--fix", "."], dir.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("fixed 3 findings in 3 files"), "{stderr}");
    for (name, _, after) in &files {
        assert_eq!(
            &std::fs::read_to_string(dir.path().join(name)).expect("read"),
            after,
            "{name}"
        );
    }
}

/// `+=` on an enum adds the member's number: `+= Tls12` where TLS 1.2 is already set makes
/// an invalid value, so the fix ORs instead. Removing the one operand of `X = X -bor Tls11`
/// would leave `X = X`: the fix removes the statement. A list that reaches no sink is
/// not touched.
#[test]
fn enum_additions_become_ors_and_self_assignments_are_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ps = dir.path().join("enable.ps1");
    std::fs::write(
        &ps,
        "[Net.ServicePointManager]::SecurityProtocol += [Net.SecurityProtocolType]::Tls11\n[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls11\n[Net.ServicePointManager]::SecurityProtocol += 'Tls11'\n$list += [Net.SecurityProtocolType]::Tls11\nWrite-Output done\n",
    )
    .expect("write");
    let cs = dir.path().join("Client.cs");
    std::fs::write(
        &cs,
        "class A { void M() {\n  ServicePointManager.SecurityProtocol = ServicePointManager.SecurityProtocol | SecurityProtocolType.Tls | SecurityProtocolType.Tls11;\n  Go();\n} }\n",
    )
    .expect("write");
    let o = run(&["scan", "--fix", "."], dir.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&ps).expect("read"),
        "[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12\n[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor 'Tls12'\n$list += [Net.SecurityProtocolType]::Tls11\nWrite-Output done\n"
    );
    assert_eq!(
        std::fs::read_to_string(&cs).expect("read"),
        "class A { void M() {\n  Go();\n} }\n"
    );
}

/// The self-assignment a removal leaves is removed only as a statement of its own line:
/// not the body of an unbraced `if`, not an initializer member whose names differ in case,
/// and a PowerShell continuation goes with the line it continued.
#[test]
fn self_assignments_are_removed_only_as_whole_statements() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cs = dir.path().join("Boot.cs");
    std::fs::write(
        &cs,
        "static class Boot {\n    static void Init(bool legacy, SslProtocols p) {\n        if (legacy)\n            ServicePointManager.SecurityProtocol = ServicePointManager.SecurityProtocol | SecurityProtocolType.Tls11;\n        Poll();\n        var h = new HttpClientHandler\n        {\n            SslProtocols = sslProtocols | SslProtocols.Tls11\n        };\n    }\n}\n",
    )
    .expect("write");
    let ps = dir.path().join("enable.ps1");
    std::fs::write(
        &ps,
        "[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol `\n    -bor [Net.SecurityProtocolType]::Tls11\nWrite-Host done\n",
    )
    .expect("write");
    let o = run(&["scan", "--fix", "."], dir.path());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&cs).expect("read"),
        "static class Boot {\n    static void Init(bool legacy, SslProtocols p) {\n        if (legacy)\n            ServicePointManager.SecurityProtocol = ServicePointManager.SecurityProtocol;\n        Poll();\n        var h = new HttpClientHandler\n        {\n            SslProtocols = sslProtocols\n        };\n    }\n}\n"
    );
    assert_eq!(
        std::fs::read_to_string(&ps).expect("read"),
        "Write-Host done\n"
    );
}
