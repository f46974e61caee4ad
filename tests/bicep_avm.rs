//! Issue 12, item 5: a `.bicep` file and the template `bicep build` made of it give the same
//! network, rule by rule, unknowns included. For each Azure Verified Module pattern in
//! `../shared/corpus/Azure__bicep-registry-modules-ptn/` (registry modules read from the Bicep
//! module cache under its `home/.bicep`), the linked network from `main.bicep` is compared with
//! the one from Microsoft's compiled `main.json`, as a dump without source positions.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::string_slice
)]

use std::path::{Path, PathBuf};

use nsgate::frontend::{load_paths, LoadOptions};
use nsgate::model::{dump::dump, link::link};
use nsgate::source::Sources;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/Azure__bicep-registry-modules-ptn");
    if p.is_dir() {
        return Some(p);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{} is missing under CI=true", p.display());
    }
    eprintln!(
        "SKIPPED: {} is absent; the AVM pattern comparison did not run",
        p.display()
    );
    None
}

/// The network dump with source positions (`file:line`) dropped: the two inputs differ only
/// there.
fn network(path: &Path) -> (String, Vec<String>) {
    let mut sources = Sources::new();
    let loaded = load_paths(
        &[path.to_path_buf()],
        None,
        &LoadOptions::default(),
        &mut sources,
    );
    let errors: Vec<String> = loaded.errors.iter().map(|e| e.message.clone()).collect();
    let net = link(loaded.network);
    let text = dump(&net, &sources);
    let positions = regex::Regex::new(r" ?@ [^ ,>\]]+:\d+").unwrap();
    let mut lines: Vec<String> = text
        .lines()
        // Problems are messages about the input, worded per language; the network is compared.
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("note[") || t.starts_with("warning[") || t.starts_with("error["))
        })
        .map(|l| without_address(&positions.replace_all(l, "")))
        .collect();
    lines.sort();
    (lines.join("\n"), errors)
}

/// A resource's line without its address (`[deployment path/symbol]`): addresses name where
/// a resource sits in each input (Bicep modules are evaluated in place, ARM nests deployment
/// names); names, prefixes, rules and links are compared.
fn without_address(line: &str) -> String {
    let kinds = ["nsg ", "subnet ", "vnet ", "nic ", "asg "];
    if !kinds.iter().any(|k| line.starts_with(k)) {
        return line.to_string();
    }
    let Some(open) = line.find(" [") else {
        return line.to_string();
    };
    let mut depth = 0;
    for (i, c) in line[open + 1..].char_indices() {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return format!("{}{}", &line[..open], &line[open + 1 + i + 1..]);
                }
            }
            _ => {}
        }
    }
    line.to_string()
}

/// How `main.bicep` and its `main.json` differ, if they do.
fn compare(root: &Path, bicep: &Path) -> Option<String> {
    let (from_bicep, bicep_errors) = network(bicep);
    let (from_json, json_errors) = network(&bicep.with_extension("json"));
    let name = bicep.strip_prefix(root).unwrap().display().to_string();
    eprintln!(
        "{name}: {} lines from Bicep, {} from JSON",
        from_bicep.lines().count(),
        from_json.lines().count()
    );
    if !bicep_errors.is_empty() || !json_errors.is_empty() {
        return Some(format!(
            "{name}: Bicep errors {bicep_errors:?}, JSON errors {json_errors:?}"
        ));
    }
    if from_bicep == from_json {
        return None;
    }
    let only = |a: &str, b: &str| -> Vec<String> {
        a.lines()
            .filter(|l| !b.lines().any(|x| x == *l))
            .map(str::to_string)
            .collect()
    };
    Some(format!(
        "{name}: the networks differ\n  only from Bicep:\n    {}\n  only from JSON:\n    {}",
        only(&from_bicep, &from_json).join("\n    "),
        only(&from_json, &from_bicep).join("\n    ")
    ))
}

/// Run with `HOME` at the corpus's module cache (registry modules resolve from `~/.bicep`).
/// Only these tests in this binary read HOME, and they set the same value.
fn with_cache(root: &Path) {
    std::env::set_var("HOME", root.join("home"));
}

/// The patterns of the corpus (each with `main.bicep` and its compiled `main.json`) whose two
/// networks are equal. Not yet equal (issue 12 keeps them open):
/// - `aca-lza/hosting-environment`: its naming module reads `naming-rules.jsonc`, which the
///   corpus copy left out, so names are unknown from Bicep and known from the template (which
///   inlines the file);
/// - `lz/sub-vending`: the template's `reference('createLzNsg[i]')` inside a parameter `copy`
///   loop of a nested deployment is not resolved, so a subnet's NSG is unknown for another
///   reason than from Bicep.
///
/// `sa/chat-with-your-data` and `sa/customer-chatbot` deploy no network with their defaults;
/// they are equal in that, and in raising no input error.
const PATTERNS: [&str; 4] = [
    "app/container-job-toolkit",
    "data/private-analytical-workspace",
    "sa/chat-with-your-data",
    "sa/customer-chatbot",
];

#[test]
fn every_pattern_gives_the_same_network_as_its_template() {
    let Some(root) = corpus() else { return };
    with_cache(&root);
    let diffs: Vec<String> = PATTERNS
        .iter()
        .filter_map(|p| compare(&root, &root.join("modules").join(p).join("main.bicep")))
        .collect();
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));
}
