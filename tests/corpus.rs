//! The public corpus (`../shared/corpus`) as a test (issue 11): `nsgate check` on every
//! repository folder (discovery finds its roots) never panics and always prints a report, and
//! its summary (exit code, roots, NSGs, findings per policy and severity, input errors) is a
//! snapshot a change must update on purpose.
//!
//! The corpus is valid input (published, deployed code), so no repository may exit 2: a module
//! missing from the corpus copy is a warning with unknowns, never an input error.
//!
//! Every error-level finding is judged by hand in `tests/corpus-judgments.toml` (repository,
//! policy, a piece of the message, whether it is right, and why): a new error-level finding
//! fails the test until someone judges it, and a judgment that matches nothing fails it too,
//! so the file stays the record of what nsgate says about real repositories.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

mod common;

const CORPUS: &str = "../shared/corpus";

/// The corpus, or `None` (said where a reader sees it) when it is absent; under `CI=true` its
/// absence is a failure, so the test can never pass by skipping there.
fn corpus() -> Option<std::path::PathBuf> {
    let path = common::root().join(CORPUS);
    if path.is_dir() {
        return Some(path);
    }
    common::missing_prerequisite(&format!("the public corpus at {}", path.display()));
    None
}

#[test]
fn every_corpus_repository_is_checked_and_summarised() {
    let Some(root) = corpus() else { return };
    let mut repos: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('_'))
        .collect();
    repos.sort();
    let judgments = Judgments::load();
    let mut unjudged = Vec::new();
    let mut used = vec![0usize; judgments.finding.len()];
    let mut summary = String::new();
    for repo in &repos {
        let path = format!("{CORPUS}/{repo}");
        let out = common::nsgate(&["check", "--format", "json", "--fail-on", "never", &path]);
        let doc: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{repo}: not JSON ({e}): {}", out.stderr));
        assert!(
            out.code < 2,
            "{repo}: exit {} on valid input: {}",
            out.code,
            doc["errors"]
        );
        for f in doc["findings"].as_array().unwrap() {
            if f["severity"] != "error" {
                continue;
            }
            let policy = f["policy"].as_str().unwrap();
            let message = f["message"].as_str().unwrap();
            let hit = judgments.finding.iter().position(|j| {
                &j.repo == repo && j.policy == policy && message.contains(&j.message)
            });
            match hit {
                Some(i) => used[i] += 1,
                None => unjudged.push(format!(
                    "[[finding]]\nrepo = {repo:?}\npolicy = {policy:?}\nmessage = {message:?}\n# at {}:{}\n",
                    f["location"]["path"].as_str().unwrap_or("?"),
                    f["location"]["start"]["line"]
                )),
            }
        }
        let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
        for f in doc["findings"].as_array().unwrap() {
            let policy = f["policy"].as_str().unwrap().to_string();
            let severity = f["severity"].as_str().unwrap().to_string();
            *counts
                .entry((policy.clone(), severity.clone()))
                .or_default() += 1;
        }
        let c = &doc["coverage"];
        summary.push_str(&format!(
            "{repo}: exit {}, {} roots, {} NSGs ({} unattached), {} rules, {} subnets, {} unknown values, {} skipped\n",
            out.code,
            c["roots"],
            c["nsgs"],
            c["nsgs_unattached"],
            c["rules"],
            c["subnets"],
            c["unknown_values"],
            c["skipped"].as_array().unwrap().len()
        ));
        for ((policy, severity), n) in &counts {
            summary.push_str(&format!("  {policy} {severity}: {n}\n"));
        }
        for e in doc["errors"].as_array().unwrap() {
            let message = e["message"]
                .as_str()
                .unwrap()
                .replace(&format!("{path}/"), "");
            summary.push_str(&format!("  input error: {message}\n"));
        }
    }
    insta::assert_snapshot!("corpus_summary", summary);
    assert!(Path::new(&root).is_dir());
    assert!(
        unjudged.is_empty(),
        "{} error-level corpus findings are not judged in tests/corpus-judgments.toml; judge each \
         (verdict and why):\n{}",
        unjudged.len(),
        unjudged.join("\n")
    );
    let changed: Vec<String> = judgments
        .finding
        .iter()
        .zip(&used)
        .filter(|(j, n)| j.count != **n)
        .map(|(j, n)| {
            format!(
                "{} {} {:?}: judged {}, now {n}",
                j.repo, j.policy, j.message, j.count
            )
        })
        .collect();
    assert!(
        changed.is_empty(),
        "judgments whose findings changed in number (judge the new ones, or say in the commit why \
         they went away, and update `count`):\n{}",
        changed.join("\n")
    );
}

/// The hand judgments of `tests/corpus-judgments.toml`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Judgments {
    #[serde(default)]
    finding: Vec<Judgment>,
}

/// One error-level finding (or several alike): `message` is a piece of the finding's message.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Judgment {
    repo: String,
    policy: String,
    message: String,
    /// How many findings it covered when judged: a change in number needs a new judgment.
    count: usize,
    /// `true`: the finding is right; `false`: nsgate is wrong here (the why says what is wrong).
    correct: bool,
    why: String,
}

impl Judgments {
    fn load() -> Judgments {
        let path = common::root().join("tests/corpus-judgments.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let j: Judgments = toml::from_str(&text).unwrap();
        for f in &j.finding {
            assert!(!f.why.trim().is_empty(), "{}: judgment without why", f.repo);
            let _ = f.correct;
        }
        j
    }
}
