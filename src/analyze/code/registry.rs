//! Registry writes made by code: `Registry.SetValue(@"HKEY_LOCAL_MACHINE\...", "Name", v)`,
//! `key.SetValue("Name", v)` on a key `Registry.LocalMachine.OpenSubKey(path, true)`
//! returned, `RegSetValueExW(hKey, L"Name", 0, REG_DWORD, (const BYTE *)&v, sizeof v)`
//! on a handle `RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"...", 0, KEY_SET_VALUE, &hKey)`
//! wrote, `RegSetKeyValueW(HKEY_LOCAL_MACHINE, L"...", L"Name", REG_DWORD, &v, sizeof v)`.
//!
//! The calls are data (`rules/flow/flow.toml`, `[[registry_write]]` and
//! `[[registry_open]]`). Each write becomes the same registry fact a `.reg` file or a
//! PowerShell script gives, judged by the same registry rules and flag tables, on the line
//! where the data is written, with the call as its sink.

use super::sinks::Sinks;
use crate::facts::{Fact, Position};
use crate::ir::flow::{KeyFrom, RegistryOpen, ValKind};
use crate::ir::{NodeId, NodeKind, StmtId, StmtKind};
use crate::rules::registry::{RegistryWrite, hive_short as hive_name};
use crate::rules::value::Value;

/// Most facts one call gives (keys x names x values).
const MAX_WRITES: usize = 32;

/// Whether `callee` is the configured call `c`: a qualified name matches as a suffix at a
/// segment boundary, a bare name the last segment.
fn callee_is(c: &str, callee: &str) -> bool {
    if c.contains('.') {
        callee == c
            || callee
                .strip_suffix(c)
                .is_some_and(|head| head.ends_with('.'))
    } else {
        callee.rsplit('.').next() == Some(c)
    }
}

impl Sinks<'_, '_> {
    /// Every registry write of the file.
    pub(super) fn registry_calls(&mut self) {
        let ir = self.ir;
        let lang = ir.lang.name();
        let cfg = self.ctx.flow;
        if !cfg
            .registry_write
            .iter()
            .any(|w| w.langs.iter().any(|l| l == lang))
        {
            return;
        }
        for node in &ir.nodes {
            if crate::budget::exceeded() {
                return;
            }
            let NodeKind::Call { callee, args, .. } = &node.kind else {
                continue;
            };
            let Some(spec) = cfg.registry_write.iter().find(|w| {
                w.langs.iter().any(|l| l == lang) && w.calls.iter().any(|c| callee_is(c, callee))
            }) else {
                continue;
            };
            let pos: Vec<NodeId> = crate::ir::positional(args);
            let keys = match spec.key {
                KeyFrom::Arg => pos
                    .get(spec.key_arg)
                    .map(|&a| self.strings(a))
                    .unwrap_or_default(),
                KeyFrom::HiveArg => match (pos.get(spec.hive_arg), pos.get(spec.key_arg)) {
                    (Some(&h), Some(&k)) => self.under_hive(h, k),
                    _ => Vec::new(),
                },
                KeyFrom::Receiver => match callee.rsplit_once('.') {
                    Some((recv, _)) => self.opened_object(recv, node.stmt),
                    None => Vec::new(),
                },
                KeyFrom::Handle => match pos.get(spec.key_arg).and_then(|&h| self.handle_name(h)) {
                    Some(h) => self.opened_handle(&h, node.stmt),
                    None => Vec::new(),
                },
            };
            let names = pos
                .get(spec.name_arg)
                .map(|&a| self.strings(a))
                .unwrap_or_default();
            let Some(&data) = pos.get(spec.data_arg) else {
                continue;
            };
            if keys.is_empty() || names.is_empty() || !self.data_is_plain(data, node.stmt) {
                continue;
            }
            let mut made = 0;
            for v in self.flow.resolve(data) {
                let value = match &v.kind {
                    ValKind::Int(n) => Value::Int(*n),
                    ValKind::Str(s) => Value::Str(s.clone()),
                    _ => continue,
                };
                for k in &keys {
                    for n in &names {
                        if made >= MAX_WRITES {
                            break;
                        }
                        made += 1;
                        let fact = Fact::Registry(RegistryWrite {
                            key: k.clone(),
                            value_name: n.clone(),
                            value: value.clone(),
                            span: v.span,
                            entry: None,
                            added: false,
                        });
                        let via =
                            self.via(&v, node.stmt, node.span, Some(Position::Call), None, false);
                        self.push(fact, via);
                    }
                }
            }
        }
    }

    /// The strings an argument may be, `\\` of a C-family literal read as one backslash.
    fn strings(&self, n: NodeId) -> Vec<String> {
        self.flow
            .resolve(n)
            .into_iter()
            .filter_map(|v| match v.kind {
                ValKind::Str(s) => Some(s.replace("\\\\", "\\")),
                _ => None,
            })
            .collect()
    }

    /// `hive\subkey` for a hive constant argument and a subkey argument.
    fn under_hive(&self, hive: NodeId, sub: NodeId) -> Vec<String> {
        let Some(h) = self.ir.name(hive).and_then(hive_name) else {
            return Vec::new();
        };
        self.strings(sub)
            .into_iter()
            .map(|p| format!("{h}\\{}", p.trim_start_matches('\\')))
            .collect()
    }

    /// The opening calls of the file's language.
    fn opens(&self) -> impl Iterator<Item = &RegistryOpen> {
        let lang = self.ir.lang.name();
        self.ctx
            .flow
            .registry_open
            .iter()
            .filter(move |o| o.langs.iter().any(|l| l == lang))
    }

    /// The keys a key object held by `recv` was opened at: `recv = <hive>.OpenSubKey(path)`,
    /// the hive written as `Registry.LocalMachine` or held by a variable assigned
    /// `RegistryKey.OpenBaseKey(RegistryHive.LocalMachine, view)`.
    fn opened_object(&self, recv: &str, at: StmtId) -> Vec<String> {
        let Some((_, callee, args)) = self.assigned_call(recv, at) else {
            return Vec::new();
        };
        let last = callee.rsplit('.').next().unwrap_or(callee);
        let Some(open) = self
            .opens()
            .find(|o| o.out_arg.is_none() && o.calls.iter().any(|c| c == last))
        else {
            return Vec::new();
        };
        let pos: Vec<NodeId> = crate::ir::positional(args);
        let Some(&path) = pos.get(open.path_arg) else {
            return Vec::new();
        };
        let hive = match open.hive_arg {
            Some(i) => pos
                .get(i)
                .and_then(|&h| self.ir.name(h))
                .and_then(hive_name),
            None => callee
                .rsplit_once('.')
                .and_then(|(base, _)| hive_name(base).or_else(|| self.base_key_hive(base, at))),
        };
        let Some(h) = hive else {
            return Vec::new();
        };
        self.strings(path)
            .into_iter()
            .map(|p| format!("{h}\\{}", p.trim_start_matches('\\')))
            .collect()
    }

    /// The hive of a variable assigned `RegistryKey.OpenBaseKey(RegistryHive.X, view)`.
    fn base_key_hive(&self, var: &str, at: StmtId) -> Option<&'static str> {
        self.assigned_call(var, at)
            .into_iter()
            .find_map(|(_, callee, args)| {
                (callee.rsplit('.').next() == Some("OpenBaseKey"))
                    .then(|| args.first())
                    .flatten()
                    .and_then(|a| self.ir.name(a.value))
                    .and_then(hive_name)
            })
    }

    /// The call variable `var` holds at statement `at`: its last assignment before `at` in
    /// the same function, when that assigns a call (a variable reassigned to something
    /// else, or only assigned in another method, holds no key we know).
    fn assigned_call(&self, var: &str, at: StmtId) -> Option<(NodeId, &str, &[crate::ir::Arg])> {
        let ir = self.ir;
        let func = ir.stmt(at).func;
        let last = ir.stmts.iter().take(at as usize).rev().find_map(|s| {
            let StmtKind::Assign { target, value, .. } = &s.kind else {
                return None;
            };
            (s.func == func && ir.name(*target) == Some(var)).then_some(*value)
        })?;
        match &ir.node(last).kind {
            NodeKind::Call { callee, args, .. } => Some((last, callee.as_str(), args.as_slice())),
            _ => None,
        }
    }

    /// Whether the data a write passes is what its variable was assigned: not changed by
    /// `|=`/`&=` (the flow gives each operand, not the sum) and, in C and C++, not given to
    /// another call first (`RegQueryValueExW(h, n, 0, 0, (LPBYTE)&v, &sz)` writes it).
    fn data_is_plain(&self, data: NodeId, at: StmtId) -> bool {
        let ir = self.ir;
        let mut names = Vec::new();
        ir.names_in_with(data, false, &mut names);
        let [(var, _)] = names.as_slice() else {
            return names.is_empty();
        };
        let func = ir.stmt(at).func;
        let compound = ir.stmts.iter().take(at as usize).any(|s| {
            s.func == func
                && matches!(&s.kind, StmtKind::Assign { target, op, .. }
                    if *op != crate::ir::AssignOp::Set && ir.name(*target) == Some(var.as_str()))
        });
        if compound {
            return false;
        }
        // C and C++ pass out-parameters by address, which the lowered form does not keep
        // apart from a value (`&v` is `v`): any call before the write that is given the
        // variable may have written it.
        !ir.lang.is_c()
            || !ir.nodes.iter().any(|n| {
                let NodeKind::Call { args, .. } = &n.kind else {
                    return false;
                };
                n.stmt < at
                    && ir.stmt(n.stmt).func == func
                    && args
                        .iter()
                        .any(|a| self.handle_name(a.value).as_deref() == Some(var.as_str()))
            })
    }

    /// The variable a handle argument names (`hKey`, `*phKey`).
    fn handle_name(&self, n: NodeId) -> Option<String> {
        let mut cur = n;
        for _ in 0..4 {
            match &self.ir.node(cur).kind {
                NodeKind::Name(s) => return Some(s.clone()),
                NodeKind::Unary { x, .. } => cur = *x,
                _ => return None,
            }
        }
        None
    }

    /// The keys a handle variable was opened at: `RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"...",
    /// 0, KEY_SET_VALUE, &hKey)`.
    fn opened_handle(&self, handle: &str, at: StmtId) -> Vec<String> {
        let mut out = Vec::new();
        let func = self.ir.stmt(at).func;
        for node in self.ir.nodes.iter().rev() {
            let NodeKind::Call { callee, args, .. } = &node.kind else {
                continue;
            };
            if node.stmt >= at || self.ir.stmt(node.stmt).func != func {
                continue;
            }
            let last = callee.rsplit('.').next().unwrap_or(callee);
            let Some(open) = self.opens().find(|o| o.calls.iter().any(|c| c == last)) else {
                continue;
            };
            let (Some(out_arg), Some(hive_arg)) = (open.out_arg, open.hive_arg) else {
                continue;
            };
            let pos: Vec<NodeId> = crate::ir::positional(args);
            let writes_handle = pos
                .get(out_arg)
                .and_then(|&o| self.handle_name(o))
                .is_some_and(|h| h == handle);
            if !writes_handle {
                continue;
            }
            if let (Some(&h), Some(&p)) = (pos.get(hive_arg), pos.get(open.path_arg)) {
                out.extend(self.under_hive(h, p));
            }
            // The last open before the write is the key the handle holds.
            break;
        }
        out
    }
}
