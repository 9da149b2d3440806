//! SChannelDsc resources in DSC configurations, as the registry writes they perform.
//!
//! The resources of the `SChannelDsc` module (and of its predecessor `cSchannel`) write the
//! same SCHANNEL and .NET registry values a `.reg` file would; judging them as those writes
//! keeps one registry model (`schannel-legacy-protocol-enabled`, `dotnet-strong-crypto-
//! disabled`, `winhttp-default-secure-protocols-legacy` decide, not this module):
//!
//! * `SChannelProtocolServer`/`SChannelProtocolClient` `ProtocolsEnabled = 'Ssl3', 'Tls'`
//!   (SChannelDsc 2): `Enabled` = 1 under `...\SCHANNEL\Protocols\<name>\Server` (`Client`);
//!   `ProtocolsDisabled` writes 0, `ProtocolsDefault` deletes (nothing to judge);
//! * `Protocol`/`cProtocol` `Protocol = 'SSL 3.0'` with `State = 'Enabled'` (SChannelDsc 1)
//!   or `Ensure = 'Present'` (cSchannel), also on the client side with
//!   `IncludeClientSide = $true`;
//! * `SChannelSettings` `WinHttpDefaultSecureProtocols = @('TLS1.1', 'TLS1.2')`: WinHTTP's
//!   `DefaultSecureProtocols` bit set; `TLS12State = 'Disabled'`: `SchUseStrongCrypto` = 0.
//!
//! Each write is placed on the line of the property that carries it.

use super::Entry;
use crate::diagnostic::Span;
use crate::rules::registry::RegistryWrite;
use crate::rules::value::Value;

const PROTOCOLS: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols";

/// SChannelDsc 2 enum names to SCHANNEL key names.
fn class_protocol(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "ssl2" => "SSL 2.0",
        "ssl3" => "SSL 3.0",
        "tls" => "TLS 1.0",
        "tls11" => "TLS 1.1",
        "tls12" => "TLS 1.2",
        "tls13" => "TLS 1.3",
        "dtls1" => "DTLS 1.0",
        "dtls12" => "DTLS 1.2",
        _ => return None,
    })
}

fn write(key: String, name: &str, value: Value, span: Span, out: &mut Vec<RegistryWrite>) {
    out.push(RegistryWrite {
        key,
        value_name: name.to_string(),
        value,
        span,
        entry: None,
        added: false,
    });
}

/// The registry writes of an SChannelDsc resource of type `rtype` (lower-case).
pub(super) fn writes(rtype: &str, entries: &[Entry]) -> Vec<RegistryWrite> {
    let get = |k: &str| entries.iter().find(|e| e.key.eq_ignore_ascii_case(k));
    let mut out = Vec::new();
    match rtype {
        "schannelprotocolserver" | "schannelprotocolclient" => {
            let side = if rtype.ends_with("client") {
                "Client"
            } else {
                "Server"
            };
            for (prop, enabled) in [("ProtocolsEnabled", 1), ("ProtocolsDisabled", 0)] {
                let Some(e) = get(prop) else { continue };
                for p in e.val.strs().unwrap_or(&[]) {
                    if let Some(key) = class_protocol(p.trim()) {
                        write(
                            format!(r"{PROTOCOLS}\{key}\{side}"),
                            "Enabled",
                            Value::Int(enabled),
                            e.span,
                            &mut out,
                        );
                    }
                }
            }
        }
        "protocol" | "cprotocol" => {
            let Some(proto) = get("Protocol").and_then(|e| e.val.first()) else {
                return out;
            };
            let known = [
                "Multi-Protocol Unified Hello",
                "PCT 1.0",
                "SSL 2.0",
                "SSL 3.0",
                "TLS 1.0",
                "TLS 1.1",
                "TLS 1.2",
                "TLS 1.3",
                "DTLS 1.0",
                "DTLS 1.2",
            ];
            let Some(key) = known.iter().find(|k| k.eq_ignore_ascii_case(proto.trim())) else {
                return out;
            };
            let (state, enabled) = match (get("State"), get("Ensure")) {
                (Some(s), _) => {
                    let v = s.val.first().map(str::to_ascii_lowercase);
                    let enabled = match v.as_deref() {
                        Some("enabled") => Some(1),
                        Some("disabled") => Some(0),
                        _ => None,
                    };
                    (s, enabled)
                }
                (None, Some(e)) => {
                    let v = e.val.first().map(str::to_ascii_lowercase);
                    let enabled = match v.as_deref() {
                        Some("present") => Some(1),
                        Some("absent") => Some(0),
                        _ => None,
                    };
                    (e, enabled)
                }
                (None, None) => return out,
            };
            let Some(enabled) = enabled else { return out };
            let client = get("IncludeClientSide")
                .and_then(|e| e.val.first())
                .is_some_and(|v| Value::Str(v.to_string()).as_bool() == Some(true));
            let sides: &[&str] = if client {
                &["Server", "Client"]
            } else {
                &["Server"]
            };
            for side in sides {
                write(
                    format!(r"{PROTOCOLS}\{key}\{side}"),
                    "Enabled",
                    Value::Int(enabled),
                    state.span,
                    &mut out,
                );
            }
        }
        "schannelsettings" => {
            if let Some(e) = get("WinHttpDefaultSecureProtocols") {
                let mut bits = 0u64;
                let mut known = true;
                for p in e.val.strs().unwrap_or(&[]) {
                    bits |= match p.trim().to_ascii_uppercase().as_str() {
                        "SSL2.0" => 0x8,
                        "SSL3.0" => 0x20,
                        "TLS1.0" => 0x80,
                        "TLS1.1" => 0x200,
                        "TLS1.2" => 0x800,
                        "TLS1.3" => 0x2000,
                        _ => {
                            known = false;
                            0
                        }
                    };
                }
                if e.val.strs().is_some() {
                    write(
                        r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp"
                            .to_string(),
                        "DefaultSecureProtocols",
                        if known {
                            Value::Int(bits)
                        } else {
                            Value::Unknown
                        },
                        e.span,
                        &mut out,
                    );
                }
            }
            if let Some(e) = get("TLS12State") {
                let state = e.val.first().map(str::to_ascii_lowercase);
                let value = match state.as_deref() {
                    Some("enabled") => Some(1),
                    Some("disabled") => Some(0),
                    _ => None,
                };
                if let Some(v) = value {
                    for name in ["SchUseStrongCrypto", "SystemDefaultTlsVersions"] {
                        write(
                            r"HKLM\SOFTWARE\Microsoft\.NETFramework\v4.0.30319".to_string(),
                            name,
                            Value::Int(v),
                            e.span,
                            &mut out,
                        );
                    }
                }
            }
        }
        _ => {}
    }
    out
}
