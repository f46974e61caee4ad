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
    let (lines, _, errors) = network_and_problems(path);
    (lines, errors)
}

/// The network dump (sorted lines, positions and addresses dropped), the problem lines, and
/// the input errors.
fn network_and_problems(path: &Path) -> (String, Vec<String>, Vec<String>) {
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
    // Problems are messages about the input, worded per language; the network is compared.
    let is_problem = |l: &str| {
        let t = l.trim_start();
        t.starts_with("note[") || t.starts_with("warning[") || t.starts_with("error[")
    };
    let problems = text
        .lines()
        .filter(|l| is_problem(l))
        .map(str::to_string)
        .collect();
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !is_problem(l))
        .map(|l| without_address(&positions.replace_all(l, "")))
        .collect();
    lines.sort();
    (lines.join("\n"), problems, errors)
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
/// networks are equal. Not yet equal (issue 12 keeps it open):
/// - `aca-lza/hosting-environment`: its naming module reads `naming-rules.jsonc`, which the
///   corpus copy left out, so names are unknown from Bicep and known from the template (which
///   inlines the file). [`MISSING_FILE`] compares it up to what depends on that file.
///
/// `lz/sub-vending` deploys its network into a subscription it creates (module `scope:
/// resourceGroup(subscriptionId, …)`, the id read from the alias after deployment): its NSG ids
/// are unknown from both, for the same reason. `sa/chat-with-your-data` and
/// `sa/customer-chatbot` deploy no network with their defaults; they are equal in that, and in
/// raising no input error.
const PATTERNS: [&str; 5] = [
    "app/container-job-toolkit",
    "data/private-analytical-workspace",
    "lz/sub-vending",
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

/// Patterns whose Bicep source reads a file the corpus copy left out (the compiled template
/// inlines it), and that file. The corpus is read-only and the file is not nsgate's to add.
const MISSING_FILE: [(&str, &str); 1] = [("aca-lza/hosting-environment", "naming-rules.jsonc")];

/// The `<unknown: …>` tokens of a dump line (angle brackets nest in reasons).
fn unknown_tokens(line: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(start) = line[from..].find("<unknown").map(|i| i + from) {
        let mut depth = 0;
        let mut end = line.len();
        for (i, c) in line[start..].char_indices() {
            match c {
                '<' => depth += 1,
                '>' => {
                    depth -= 1;
                    if depth == 0 {
                        end = start + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.push((start, end));
        from = end;
    }
    out
}

/// A Bicep dump line as a pattern over template lines: each unknown whose reason names the
/// missing file stands for whatever the template computed from the file; the rest is literal.
/// `None` when the line holds no such unknown.
fn pattern_without(line: &str, file: &str) -> Option<regex::Regex> {
    let mut re = String::from("^");
    let mut at = 0;
    let mut wild = false;
    for (start, end) in unknown_tokens(line) {
        if line[start..end].contains(file) {
            re.push_str(&regex::escape(&line[at..start]));
            re.push_str(".+?");
            at = end;
            wild = true;
        }
    }
    re.push_str(&regex::escape(&line[at..]));
    re.push('$');
    wild.then(|| regex::Regex::new(&re).unwrap())
}

/// A pattern whose Bicep source reads a missing file gives the template's network up to
/// that file: every line equal, or equal once each unknown that names the missing file is
/// read as the template's value; and the Bicep side says which file is missing.
#[test]
fn a_pattern_missing_a_file_differs_only_where_that_file_is_read() {
    let Some(root) = corpus() else { return };
    with_cache(&root);
    for (p, file) in MISSING_FILE {
        let bicep = root.join("modules").join(p).join("main.bicep");
        let (from_bicep, problems, bicep_errors) = network_and_problems(&bicep);
        let (from_json, json_errors) = network(&bicep.with_extension("json"));
        assert!(
            bicep_errors.is_empty() && json_errors.is_empty(),
            "{p}: Bicep errors {bicep_errors:?}, JSON errors {json_errors:?}"
        );
        assert!(
            problems.iter().any(|l| l.contains(file)),
            "{p}: no problem names the missing `{file}`:\n{}",
            problems.join("\n")
        );
        let mut unmatched: Vec<&str> = from_json.lines().collect();
        let mut unexplained = Vec::new();
        let mut explained = 0;
        // Equal lines first, so a pattern cannot take a template line another line equals.
        let mut rest = Vec::new();
        for line in from_bicep.lines() {
            match unmatched.iter().position(|j| *j == line) {
                Some(i) => {
                    unmatched.remove(i);
                }
                None => rest.push(line),
            }
        }
        for line in rest {
            let found = pattern_without(line, file)
                .and_then(|re| unmatched.iter().position(|j| re.is_match(j)));
            match found {
                Some(i) => {
                    unmatched.remove(i);
                    explained += 1;
                }
                None => unexplained.push(line),
            }
        }
        eprintln!(
            "{p}: {} lines, {explained} equal up to `{file}`",
            from_bicep.lines().count()
        );
        assert!(
            unexplained.is_empty() && unmatched.is_empty(),
            "{p}: differences not explained by `{file}`\n  only from Bicep:\n    {}\n  only from JSON:\n    {}",
            unexplained.join("\n    "),
            unmatched.join("\n    ")
        );
        // Otherwise the pattern belongs in PATTERNS.
        assert!(
            explained > 0,
            "{p}: equal without the missing file; move it to PATTERNS"
        );
    }
}
