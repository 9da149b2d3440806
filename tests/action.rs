//! The GitHub Action and the pre-commit hook: the Action's shell steps run locally
//! (action/test.sh), the workflow files follow the safety rules (pinned actions, no `${{ }}`
//! inside `run:`), the README shows the tested files, and the hook's entry works.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn action_steps_pass_locally() {
    let out = Command::new("bash")
        .arg(root().join("action/test.sh"))
        .env("TLSLINT", env!("CARGO_BIN_EXE_tlslint"))
        .output()
        .expect("run action/test.sh");
    assert!(
        out.status.success(),
        "action/test.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("all scenarios passed"));
}

/// The workflow files of the project, the Action and the README's example.
fn workflow_files() -> Vec<String> {
    let mut files = vec![
        "action.yml".to_string(),
        "docs/examples/github-workflow.yml".to_string(),
    ];
    let dir = root().join(".github/workflows");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect(".github/workflows")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yml") || n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 2, "{names:?}");
    files.extend(names.into_iter().map(|n| format!(".github/workflows/{n}")));
    files
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Lines of `run:` scripts (inline or block), with their line numbers.
fn run_script_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let t = l.trim_start().trim_start_matches("- ");
        if let Some(rest) = t.strip_prefix("run:") {
            out.push((i + 1, rest.to_string()));
            let base = indent(l);
            i += 1;
            while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) > base) {
                out.push((i + 1, lines[i].to_string()));
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out
}

#[test]
fn workflows_pin_actions_and_keep_expressions_out_of_shell() {
    let sha = regex::Regex::new(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}(\s+#.*)?$")
        .expect("regex");
    for file in workflow_files() {
        let text = read(&file);
        let mut uses = 0;
        for (n, line) in text.lines().enumerate() {
            let t = line.trim_start().trim_start_matches("- ");
            if let Some(target) = t.strip_prefix("uses:") {
                let target = target.trim();
                uses += 1;
                let ok = target == "./"
                    || sha.is_match(target)
                    // The README example names this action by the release tag of this
                    // version (CONTRIBUTING.md, "Releasing").
                    || target == format!("tlslint/tlslint@v{}", env!("CARGO_PKG_VERSION"));
                assert!(
                    ok,
                    "{file}:{}: `{target}` is not pinned to a commit SHA",
                    n + 1
                );
            }
        }
        assert!(uses > 0, "{file}: no `uses:`");
        for (n, line) in run_script_lines(&text) {
            assert!(
                !line.contains("${{"),
                "{file}:{n}: an expression inside `run:` (pass it through env:): {line}"
            );
        }
    }
}

/// The input names of action.yml.
fn action_inputs() -> BTreeSet<String> {
    let text = read("action.yml");
    let mut inputs = BTreeSet::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            inside = line.trim_end() == "inputs:";
            continue;
        }
        if inside && indent(line) == 2 && line.trim_end().ends_with(':') {
            inputs.insert(line.trim().trim_end_matches(':').to_string());
        }
    }
    inputs
}

/// The keys under each `with:` of the steps that use this action.
fn with_keys(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut keys = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start().trim_start_matches("- ");
        if !(t.starts_with("uses: ./") || t.starts_with("uses: tlslint/tlslint@")) {
            continue;
        }
        let step_indent = indent(l);
        let mut j = i + 1;
        while j < lines.len() && (lines[j].trim().is_empty() || indent(lines[j]) >= step_indent) {
            if lines[j].trim_start().starts_with("- ") && indent(lines[j]) < step_indent {
                break;
            }
            if lines[j].trim() == "with:" {
                let wi = indent(lines[j]);
                let mut k = j + 1;
                while k < lines.len() && (lines[k].trim().is_empty() || indent(lines[k]) > wi) {
                    let kt = lines[k].trim();
                    if !kt.starts_with('#')
                        && let Some((key, _)) = kt.split_once(':')
                    {
                        keys.push(key.to_string());
                    }
                    k += 1;
                }
            }
            j += 1;
        }
    }
    keys
}

#[test]
fn action_inputs_are_used_documented_and_passed_through_env() {
    let inputs = action_inputs();
    for expected in [
        "path",
        "fail-on",
        "baseline",
        "diff-base",
        "sarif-file",
        "upload-sarif",
        "args",
    ] {
        assert!(
            inputs.contains(expected),
            "action.yml lacks input {expected}"
        );
    }
    let action = read("action.yml");
    let readme = read("README.md");
    for input in &inputs {
        assert!(
            action.contains(&format!("inputs.{input} }}}}"))
                || action.contains(&format!("inputs.{input} ==")),
            "input {input} is never used"
        );
        assert!(
            readme.contains(&format!("| `{input}` |")),
            "input {input} is not in the README's table"
        );
    }
    for output in ["findings:", "sarif-file:"] {
        let outputs = action.split("\noutputs:").nth(1).expect("outputs");
        assert!(outputs.contains(output), "output {output}");
    }
    for file in workflow_files() {
        for key in with_keys(&read(&file)) {
            assert!(
                inputs.contains(&key),
                "{file}: `{key}` is not an input of action.yml"
            );
        }
    }
    // The steps the Action runs exist and are executable scripts.
    for script in ["action/install.sh", "action/scan.sh", "action/finish.sh"] {
        assert!(action.contains(script), "{script} not used by action.yml");
        let text = read(script);
        assert!(text.starts_with("#!/usr/bin/env bash"), "{script}");
    }
}

#[test]
fn readme_shows_the_tested_examples() {
    let readme = read("README.md");
    for example in [
        "docs/examples/github-workflow.yml",
        "docs/examples/pre-commit-config.yaml",
        "docs/examples/pre-commit-config-pypi.yaml",
    ] {
        let text = read(example);
        assert!(
            readme.contains(&format!("```yaml\n{text}```")),
            "README does not show {example} verbatim"
        );
    }
    let workflow = read("docs/examples/github-workflow.yml");
    for needed in [
        "pull_request",
        "security-events: write",
        "contents: read",
        "actions/checkout@",
    ] {
        assert!(
            workflow.contains(needed),
            "the example workflow lacks {needed}"
        );
    }
    // The pre-commit example names the hook the repository defines.
    let hooks = read(".pre-commit-hooks.yaml");
    let id = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("- id:"))
        .expect("hook id")
        .trim()
        .to_string();
    assert!(read("docs/examples/pre-commit-config.yaml").contains(&format!("- id: {id}")));
    // The snippets name the tag, the wheel and the image of this version, which the
    // release process creates (.github/release/check-version.sh checks it again at the tag).
    let v = env!("CARGO_PKG_VERSION");
    assert!(workflow.contains(&format!("uses: tlslint/tlslint@v{v}\n")));
    assert!(read("docs/examples/pre-commit-config.yaml").contains(&format!("rev: v{v}\n")));
    assert!(read("docs/examples/pre-commit-config-pypi.yaml").contains(&format!("tlslint=={v}]")));
    for needed in [
        format!("ghcr.io/tlslint/tlslint:{v}"),
        format!("tlslint=={v}"),
        format!("v={v} t="),
    ] {
        assert!(
            readme.contains(&needed),
            "the README does not name {needed}"
        );
    }
}

fn hook_entry() -> Vec<String> {
    let hooks = read(".pre-commit-hooks.yaml");
    let entry = hooks
        .lines()
        .find_map(|l| l.trim().strip_prefix("entry:"))
        .expect("entry");
    assert!(hooks.contains("language: python"), "a wheel, as ruff ships");
    assert!(
        hooks.contains("require_serial: true"),
        "one process, one summary"
    );
    entry.split_whitespace().map(str::to_string).collect()
}

#[test]
fn pre_commit_hook_entry_scans_the_files_it_is_given() {
    let entry = hook_entry();
    assert_eq!(
        entry[0],
        env!("CARGO_PKG_NAME"),
        "the entry runs the installed binary"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let write = |name: &str, text: &str| {
        let p = d.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write("ok.ps1", "Invoke-RestMethod https://example.com\n");
    write("bad.cmd", "set GIT_SSL_NO_VERIFY=1\r\n");
    write("vendor/lib.cmd", "set GIT_SSL_NO_VERIFY=1\r\n");
    write(".tlslint.toml", "exclude = [\"vendor/**\"]\n");
    let run = |files: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tlslint"))
            .args(&entry[1..])
            .args(files)
            .current_dir(d)
            .output()
            .expect("run")
    };
    assert_eq!(run(&["ok.ps1"]).status.code(), Some(0));
    let o = run(&["ok.ps1", "bad.cmd"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("bad.cmd:1:"));
    // --force-exclude: a staged file under an excluded folder is not scanned.
    let o = run(&["vendor/lib.cmd"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // Without it, a file named on the command line is scanned whatever the config says.
    let o = Command::new(env!("CARGO_BIN_EXE_tlslint"))
        .args(["scan", "vendor/lib.cmd"])
        .current_dir(d)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
}
