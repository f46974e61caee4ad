//! Issue 12, item 5: a `.bicep` file and the template `bicep build` made of it give the same
//! network, rule by rule, unknowns included. For each Azure Verified Module pattern in
//! `../shared/corpus/Azure__bicep-registry-modules-ptn/` (registry modules read from the Bicep
//! module cache under its `home/.bicep`), the linked network from `main.bicep` is compared with
//! the one from Microsoft's compiled `main.json`, as a dump without source positions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
        .map(|l| positions.replace_all(l, "").into_owned())
        .collect();
    lines.sort();
    (lines.join("\n"), errors)
}

fn patterns(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.join("modules")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "main.bicep")
                && p.with_extension("json").is_file()
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Not yet true, so ignored (run with `--ignored`): four of the six `main.bicep` files use Bicep
/// syntax the `tree-sitter-bicep` 1.1.0 grammar rejects (typed `var`s, `resource` after some
/// newer constructs, `.tags = {}` forms), and the two that parse differ in resource addresses
/// (Bicep modules are flattened, ARM nests deployment paths) and in the wording of some
/// Unknowns. See issue 12's report.
#[test]
#[ignore = "AVM patterns do not all parse with tree-sitter-bicep 1.1.0 yet; see the doc comment"]
fn avm_patterns_give_the_same_network_as_their_compiled_templates() {
    let Some(root) = corpus() else { return };
    // Registry modules resolve from `$HOME/.bicep`; this test is the only one in its binary
    // that reads HOME.
    std::env::set_var("HOME", root.join("home"));
    let mut failures = Vec::new();
    let pats = patterns(&root);
    assert!(
        pats.len() >= 6,
        "expected the six AVM patterns, found {}",
        pats.len()
    );
    for bicep in pats {
        let (from_bicep, bicep_errors) = network(&bicep);
        let (from_json, json_errors) = network(&bicep.with_extension("json"));
        let json_errors = json_errors.len();
        let name = bicep.strip_prefix(&root).unwrap().display().to_string();
        eprintln!(
            "{name}: {} lines from Bicep, {} from JSON",
            from_bicep.lines().count(),
            from_json.lines().count()
        );
        eprintln!("{name}: Bicep errors: {:?}", bicep_errors);
        if !bicep_errors.is_empty() || json_errors != 0 {
            failures.push(format!(
                "{name}: Bicep errors {bicep_errors:?}, {json_errors} JSON errors"
            ));
        }
        if from_bicep != from_json {
            let only_bicep: Vec<&str> = from_bicep
                .lines()
                .filter(|l| !from_json.lines().any(|j| j == *l))
                .collect();
            let only_json: Vec<&str> = from_json
                .lines()
                .filter(|l| !from_bicep.lines().any(|j| j == *l))
                .collect();
            failures.push(format!(
                "{name}: the networks differ\n  only from Bicep:\n    {}\n  only from JSON:\n    {}",
                only_bicep.join("\n    "),
                only_json.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
