#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! The SARIF of every scenario passes Microsoft's SARIF Multitool (`sarif-multitool validate`,
//! npm package `@microsoft/sarif-multitool`) with zero errors and zero warnings, under both the
//! SARIF rules and the GitHub ingestion rules (`--rule-kind Sarif;Gh`).
//!
//! The tool is found through `SARIF_MULTITOOL` (a path), then `PATH`, then
//! `node_modules/.bin` or `target/tools/node_modules/.bin` under the crate root; install it
//! with `npm install --prefix target/tools @microsoft/sarif-multitool`. Without it the test
//! prints why and is skipped — and fails under `CI=true`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{nsgate, nsgate_with, temp_path, Env, SCENARIOS};

fn find_tool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SARIF_MULTITOOL").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let in_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("sarif-multitool"))
            .find(|p| p.is_file())
    });
    in_path.or_else(|| {
        let root = common::root();
        ["node_modules/.bin", "target/tools/node_modules/.bin"]
            .iter()
            .map(|d| root.join(d).join("sarif-multitool"))
            .find(|p| p.is_file())
    })
}

/// npm's `sarif-multitool` is a node script that runs the real binary through a shell, so
/// its arguments must be quoted for `sh` (`;` separates the values of `--level`).
fn is_shell_wrapper(tool: &Path) -> bool {
    std::fs::read(tool).is_ok_and(|b| b.starts_with(b"#!"))
}

fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// `(rule, level, message)` of everything the validator reports about `file`.
fn validate(tool: &Path, file: &Path) -> Vec<(String, String, String)> {
    let out = file.with_extension("validation.sarif");
    let args = [
        "validate".to_string(),
        file.display().to_string(),
        "--output".into(),
        out.display().to_string(),
        "--log".into(),
        "ForceOverwrite".into(),
        "--level".into(),
        "Error;Warning;Note".into(),
        "--rule-kind".into(),
        "Sarif;Gh".into(),
    ];
    let wrapper = is_shell_wrapper(tool);
    let args: Vec<String> = if wrapper {
        args.iter().map(|a| quote(a)).collect()
    } else {
        args.to_vec()
    };
    let run = Command::new(tool).args(&args).output().unwrap();
    assert!(
        run.status.success(),
        "sarif-multitool failed on {}:\n{}\n{}",
        file.display(),
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    results
        .iter()
        .map(|r| {
            let args: Vec<String> = r["message"]["arguments"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| x.as_str().unwrap_or("").to_string())
                        .collect()
                })
                .unwrap_or_default();
            (
                r["ruleId"].as_str().unwrap_or("").to_string(),
                // SARIF's default level is warning.
                r["level"].as_str().unwrap_or("warning").to_string(),
                format!(
                    "{} {}",
                    r["message"]["id"].as_str().unwrap_or(""),
                    args.join(" ")
                ),
            )
        })
        .collect()
}

#[test]
fn sarif_passes_the_multitool_validator() {
    let Some(tool) = find_tool() else {
        common::missing_prerequisite(
            "sarif-multitool not found (set SARIF_MULTITOOL, or run \
             `npm install --prefix target/tools @microsoft/sarif-multitool`)",
        );
        return;
    };
    let mut logs: Vec<(String, String)> = SCENARIOS
        .iter()
        .map(|(name, path, _)| {
            let out = nsgate(&["check", "--format", "sarif", path]).stdout;
            (name.to_string(), out)
        })
        .collect();
    for dir in [
        "testdata/terraform/standalone-rules",
        "testdata/plan/unknown-source-prefix",
        "testdata/arm/seed-broken-symbolic",
    ] {
        logs.push((
            dir.replace('/', "-"),
            nsgate(&["check", "--format", "sarif", dir]).stdout,
        ));
    }
    // Every scenario of every front end in one run (many files, every policy's findings).
    let mut all: Vec<String> = Vec::new();
    for kind in ["terraform", "plan", "arm"] {
        let mut dirs: Vec<String> = std::fs::read_dir(format!("testdata/{kind}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .map(|p| p.display().to_string())
            .collect();
        dirs.sort();
        all.extend(dirs);
    }
    let mut args = vec!["check", "--format", "sarif"];
    args.extend(all.iter().map(String::as_str));
    logs.push(("all-testdata".into(), nsgate(&args).stdout));
    // Standard input: no file to point into.
    let plan = std::fs::read_to_string("testdata/plan/incident-broken/plan.json").unwrap();
    let stdin = nsgate_with(
        &["check", "--format", "sarif", "-"],
        &Env {
            stdin: plan,
            ..Env::default()
        },
    );
    logs.push(("stdin-plan".into(), stdin.stdout));
    // The check itself catches problems: a log without `informationUri` (SARIF2005, a
    // warning) and with a result without locations (GitHub's GH1015, an error).
    let mut broken: serde_json::Value = serde_json::from_str(&logs[0].1).unwrap();
    broken["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("informationUri");
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("locations");
    let file = temp_path("broken.sarif");
    std::fs::write(&file, broken.to_string()).unwrap();
    let found = validate(&tool, &file);
    let has = |rule: &str, level: &str| found.iter().any(|(r, l, _)| r == rule && l == level);
    assert!(
        has("SARIF2005", "warning") && has("GH1015", "error"),
        "{found:#?}"
    );
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();

    let mut notes = 0;
    for (name, text) in &logs {
        let file = temp_path(&format!("{name}.sarif"));
        std::fs::write(&file, text).unwrap();
        let found = validate(&tool, &file);
        let bad: Vec<_> = found
            .iter()
            .filter(|(_, level, _)| level == "error" || level == "warning")
            .collect();
        assert!(bad.is_empty(), "{name}: {bad:#?}");
        notes += found.len();
        std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
    }
    println!(
        "sarif-multitool: {} logs, 0 errors, 0 warnings, {notes} notes",
        logs.len()
    );
}
