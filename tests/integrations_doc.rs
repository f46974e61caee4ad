#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! What docs/integrations.md promises about editors holds for real `compact` output: the VS
//! Code problem matcher in the document (read from it, not copied) extracts file, line, column,
//! severity, code and message of every finding, with Rust's regex and, when Node is installed,
//! with JavaScript's (VS Code's engine); vim's default `errorformat` reads every line as a valid
//! quickfix entry. The pre-commit stanza names the hook `.pre-commit-hooks.yaml` defines.

mod common;

use std::process::Command;

use common::{nsgate, temp_path, SCENARIOS};

fn doc() -> String {
    std::fs::read_to_string(common::root().join("docs/integrations.md")).unwrap()
}

/// The JSON block after the `tested:` marker.
fn tasks_json() -> serde_json::Value {
    let doc = doc();
    let marker = doc
        .find("<!-- tested: tests/integrations_doc.rs")
        .expect("the marker before tasks.json");
    let rest = &doc[marker..];
    let start = rest.find("```json\n").unwrap() + "```json\n".len();
    let end = rest[start..].find("```").unwrap();
    serde_json::from_str(&rest[start..start + end]).unwrap()
}

/// `(path, line, column, severity, code, message)` expected for every finding and tool error
/// of every scenario, from the JSON report.
fn expected() -> Vec<(String, u64, u64, String, String, String)> {
    let mut out = Vec::new();
    for (_, path, _) in SCENARIOS {
        let json: serde_json::Value =
            serde_json::from_str(&nsgate(&["check", "--format", "json", path]).stdout).unwrap();
        for f in json["findings"].as_array().unwrap() {
            let loc = &f["location"];
            out.push((
                loc["path"].as_str().unwrap().to_string(),
                loc["start"]["line"].as_u64().unwrap(),
                loc["start"]["column"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
                f["policy"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            ));
        }
        for e in json["errors"].as_array().unwrap() {
            let loc = &e["location"];
            out.push((
                loc["path"].as_str().unwrap().to_string(),
                loc["start"]["line"].as_u64().unwrap(),
                loc["start"]["column"].as_u64().unwrap(),
                "error".into(),
                "nsgate".into(),
                e["message"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

fn compact_lines() -> Vec<String> {
    SCENARIOS
        .iter()
        .flat_map(|(_, path, _)| {
            let out = nsgate(&["check", "--format", "compact", path]).stdout;
            out.lines().map(str::to_string).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn vscode_problem_matcher_reads_compact_output() {
    let tasks = tasks_json();
    let task = &tasks["tasks"][0];
    assert_eq!(task["command"], "nsgate");
    assert_eq!(
        task["args"],
        serde_json::json!(["check", "--format", "compact"])
    );
    let pattern = &task["problemMatcher"]["pattern"];
    let regexp = pattern["regexp"].as_str().unwrap();
    let group = |name: &str| pattern[name].as_u64().unwrap() as usize;
    let re = regex::Regex::new(regexp).unwrap();

    let lines = compact_lines();
    let expected = expected();
    assert_eq!(lines.len(), expected.len(), "one compact line per finding");
    assert!(lines.len() >= 10, "the scenarios have findings");
    let mut parsed = Vec::new();
    for line in &lines {
        let c = re
            .captures(line)
            .unwrap_or_else(|| panic!("no match: {line}"));
        parsed.push((
            c[group("file")].to_string(),
            c[group("line")].parse::<u64>().unwrap(),
            c[group("column")].parse::<u64>().unwrap(),
            c[group("severity")].to_string(),
            c[group("code")].to_string(),
            c[group("message")].to_string(),
        ));
    }
    // Same findings; compact folds whitespace in messages onto one line.
    let fold = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut want: Vec<_> = expected
        .into_iter()
        .map(|(p, l, c, s, code, m)| (p, l, c, s, code, fold(&m)))
        .collect();
    want.sort();
    parsed.sort();
    assert_eq!(parsed, want);
    for (file, ..) in &parsed {
        assert!(common::root().join(file).is_file(), "{file} is a real file");
    }

    // VS Code runs the regexp with JavaScript's engine: check it there too when Node is here.
    let script = format!(
        "const re = new RegExp({}); const lines = require('fs').readFileSync(0, 'utf8').split('\\n').filter(Boolean);\
         const out = lines.map(l => {{ const m = re.exec(l); if (!m) throw new Error('no match: ' + l); \
         return [m[{}], m[{}], m[{}], m[{}], m[{}]].join('|'); }}); console.log(out.join('\\n'));",
        serde_json::to_string(regexp).unwrap(),
        group("file"),
        group("line"),
        group("column"),
        group("severity"),
        group("code"),
    );
    let node = Command::new("node")
        .arg("-e")
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    match node {
        Err(e) => common::missing_prerequisite(&format!(
            "the JavaScript check needs node, not found ({e})"
        )),
        Ok(mut child) => {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(lines.join("\n").as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            let js: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            let rust: Vec<String> = lines
                .iter()
                .map(|l| {
                    let c = re.captures(l).unwrap();
                    ["file", "line", "column", "severity", "code"]
                        .map(|g| c[group(g)].to_string())
                        .join("|")
                })
                .collect();
            assert_eq!(js, rust, "JavaScript and Rust read the lines alike");
        }
    }
}

#[test]
fn vim_default_errorformat_reads_compact_output() {
    if Command::new("vim").arg("--version").output().is_err() {
        common::missing_prerequisite("vim not found");
        return;
    }
    let lines = compact_lines();
    let input = temp_path("compact.txt");
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let result = input.with_file_name("quickfix.txt");
    let script = input.with_file_name("read.vim");
    std::fs::write(
        &script,
        format!(
            "cgetfile {}\nlet lines = []\nfor e in getqflist()\n  call add(lines, bufname(e.bufnr) . '|' . e.lnum . '|' . e.col . '|' . e.valid)\nendfor\ncall writefile(lines, '{}')\nqa!\n",
            input.display(),
            result.display()
        ),
    )
    .unwrap();
    // -u NONE: vim's built-in defaults, the user's vimrc does not matter.
    let status = Command::new("vim")
        .args(["-u", "NONE", "-i", "NONE", "-N", "-es", "-S"])
        .arg(&script)
        .stdin(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let quickfix = std::fs::read_to_string(&result).unwrap();
    let want: Vec<String> = lines
        .iter()
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let (file, line, col) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
            );
            format!("{file}|{line}|{col}|1")
        })
        .collect();
    assert_eq!(quickfix.lines().collect::<Vec<_>>(), want);
    std::fs::remove_dir_all(input.parent().unwrap()).unwrap();
}

#[test]
fn precommit_stanza_names_the_defined_hook() {
    let hooks = std::fs::read_to_string(common::root().join(".pre-commit-hooks.yaml")).unwrap();
    assert!(hooks.contains("\n- id: nsgate\n"));
    assert!(hooks.contains("\n  entry: nsgate check\n"));
    assert!(hooks.contains("\n  language: rust\n"));
    assert!(doc().contains("    hooks:\n      - id: nsgate\n"));
}
