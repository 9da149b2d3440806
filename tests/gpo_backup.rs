//! Group Policy backups read offline: `Registry.pol` (binary PReg, built here with
//! `tlslint::analyze::pol::build`) and `GptTmpl.inf` (UTF-16LE), as Microsoft's
//! security baselines and `Backup-GPO` lay them out. Runs the real binary.

mod common;

use common::{json_findings, utf16le_bom, write_file};
use std::process::Command;
use tlslint::analyze::pol::{build, sz};

const GPO: &str = "{6B3C0A52-9F0E-4C1D-8E21-5D0C7A3B9F11}/DomainSysvol/GPO";
const SCHANNEL: &str = r"System\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols";
const INET_POLICY: &str = r"Software\Policies\Microsoft\Windows\CurrentVersion\Internet Settings";

fn dword(v: u32) -> Vec<u8> {
    v.to_le_bytes().to_vec()
}

/// A machine policy of a "legacy partner" GPO: three weakening writes among safe ones.
fn machine_pol() -> Vec<u8> {
    let tls10_server = format!(r"{SCHANNEL}\TLS 1.0\Server");
    let tls12_server = format!(r"{SCHANNEL}\TLS 1.2\Server");
    let ssl3_client = format!(r"{SCHANNEL}\SSL 3.0\Client");
    let dotnet = r"Software\Microsoft\.NETFramework\v4.0.30319";
    build(&[
        // 1: safe (TLS 1.2 on)
        (&tls12_server, "Enabled", 4, &dword(1)),
        // 2: TLS 1.0 server enabled -> legacy-protocol
        (&tls10_server, "Enabled", 4, &dword(1)),
        // 3: TLS 1.0 server not disabled by default -> legacy-protocol
        (&tls10_server, "DisabledByDefault", 4, &dword(0)),
        // 4: a deletion, not a write
        (&ssl3_client, "**del.Enabled", 1, &sz(" ")),
        // 5: SSL 3.0 client off: safe
        (&ssl3_client, "Enabled", 4, &dword(0)),
        // 6: strong crypto off -> legacy-protocol
        (dotnet, "SchUseStrongCrypto", 4, &dword(0)),
        // 7: WinINet policy TLS 1.0 + 1.1 + 1.2 -> legacy-protocol
        (INET_POLICY, "SecureProtocols", 4, &dword(0xA80)),
        // 8: an unrelated string policy
        (
            r"Software\Policies\Microsoft\Edge",
            "HomepageLocation",
            1,
            &sz("https://intranet.example/"),
        ),
    ])
}

fn scan(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .arg("scan")
        .args(extra)
        .arg(dir)
        .output()
        .expect("run tlslint")
}

#[test]
fn registry_pol_records_are_judged_by_the_registry_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let machine = format!("{GPO}/Machine/registry.pol");
    write_file(dir.path(), &machine, &machine_pol());
    // The user policy: the same WinINet key under HKCU, safe value; and a deletion.
    let user = format!("{GPO}/User/Registry.pol");
    write_file(
        dir.path(),
        &user,
        &build(&[
            (INET_POLICY, "SecureProtocols", 4, &dword(0x800)),
            (INET_POLICY, "**delvals.", 1, &sz(" ")),
        ]),
    );
    let o = scan(dir.path(), &["--format", "json"]);
    let mut got = json_findings(&o);
    got.sort();
    let want: Vec<(String, u64, String)> = [
        (2, "schannel-legacy-protocol-enabled"),
        (3, "schannel-legacy-protocol-enabled-by-default"),
        (6, "dotnet-strong-crypto-disabled"),
        (7, "wininet-secure-protocols-legacy"),
    ]
    .iter()
    .map(|(l, r)| (machine.clone(), *l, r.to_string()))
    .collect();
    assert_eq!(got, want, "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn registry_pol_view_is_reported_and_never_rewritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let machine = format!("{GPO}/Machine/registry.pol");
    let bytes = machine_pol();
    write_file(dir.path(), &machine, &bytes);
    let o = scan(dir.path(), &[]);
    let human = String::from_utf8_lossy(&o.stdout);
    // The human report quotes the decoded record.
    assert!(
        human.contains(r"[HKLM\Software\Policies\Microsoft\Windows\CurrentVersion\Internet Settings;SecureProtocols;REG_DWORD;4;0x00000a80]"),
        "{human}"
    );
    assert!(
        !human.contains("fix:"),
        "no mechanical fix on a binary file: {human}"
    );
    let _ = scan(dir.path(), &["--fix", "--unsafe-fixes"]);
    assert_eq!(
        std::fs::read(dir.path().join(&machine)).expect("read"),
        bytes,
        "--fix must not touch a .pol file"
    );
    // SARIF keeps the record index as the line.
    let o = scan(dir.path(), &["--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("sarif");
    let lines: Vec<u64> = v["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64())
        .collect();
    assert_eq!(lines, [2, 3, 6, 7]);
}

#[test]
fn truncated_and_foreign_pol_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cut = machine_pol();
    // Keep records 1-3 whole and half of the fourth: records read before the damage count.
    let three = build(&[
        (
            &format!(r"{SCHANNEL}\TLS 1.2\Server"),
            "Enabled",
            4,
            &dword(1),
        ),
        (
            &format!(r"{SCHANNEL}\TLS 1.0\Server"),
            "Enabled",
            4,
            &dword(1),
        ),
        (
            &format!(r"{SCHANNEL}\TLS 1.0\Server"),
            "DisabledByDefault",
            4,
            &dword(0),
        ),
    ]);
    cut.truncate(three.len() + 9);
    write_file(dir.path(), "Machine/registry.pol", &cut);
    // An NT4 System Policy file is not PReg: nothing is read.
    write_file(
        dir.path(),
        "legacy/ntconfig.pol",
        b"\x00\x01\x02SCHANNEL garbage",
    );
    let o = scan(dir.path(), &["--format", "json"]);
    let got = json_findings(&o);
    assert_eq!(
        got.iter()
            .map(|(p, l, _)| (p.as_str(), *l))
            .collect::<Vec<_>>(),
        [("Machine/registry.pol", 2), ("Machine/registry.pol", 3)]
    );
}

#[test]
fn gpttmpl_inf_registry_values_in_utf16() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inf = "[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature=\"$CHICAGO$\"\r\nRevision=1\r\n[Registry Values]\r\nMACHINE\\System\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.1\\Client\\Enabled=4,1\r\nMACHINE\\System\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client\\Enabled=4,1\r\nMACHINE\\System\\CurrentControlSet\\Control\\Lsa\\NoLMHash=4,1\r\n";
    let path = format!("{GPO}/Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf");
    write_file(dir.path(), &path, &utf16le_bom(inf));
    let o = scan(dir.path(), &["--format", "json"]);
    assert_eq!(
        json_findings(&o),
        [(path, 7, "schannel-legacy-protocol-enabled".to_string())]
    );
}
