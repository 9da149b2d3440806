//! Embeds every rule and flag table under `rules/` into the binary.
//!
//! The generated file lists `(relative path, contents)` pairs using `include_str!`, so the
//! binary carries the data and `cargo` rebuilds whenever a rule file changes. Rules stay
//! plain data: nothing here interprets them.

use std::fs;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for entry in rd.flatten() {
        let p = entry.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let rules = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| f.parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in &dirs {
        println!("cargo:rerun-if-changed={}", d.display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("embedded_rules.rs");
    let mut code =
        String::from("/// Rule and table files under `rules/`, embedded at build time.\n");
    code.push_str("pub static RULE_FILES: &[(&str, &str)] = &[\n");
    for p in &files {
        println!("cargo:rerun-if-changed={}", p.display());
        let rel = p
            .strip_prefix(&rules)
            .expect("under rules/")
            .to_string_lossy()
            .replace('\\', "/");
        code.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            p.display().to_string()
        ));
    }
    code.push_str("];\n");
    fs::write(&out, code).expect("write embedded_rules.rs");
}
