//! Golden scenarios: every `testdata/{terraform,arm,plan,roots}/<case>/` is checked end to end through
//! the CLI against the `expect.toml` beside it (policy → number of findings; unlisted policies
//! must report nothing), and its compact report is snapshotted. A meta-test requires every
//! built-in policy to have a failing and a passing scenario.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

/// Run the CLI in-process from the crate root: (exit code, stdout, stderr).
pub fn nsgate(args: &[&str]) -> (u8, String, String) {
    let out = common::nsgate(args);
    (out.code, out.stdout, out.stderr)
}

struct Scenario {
    dir: String,
    expect: BTreeMap<String, i64>,
}

fn scenarios() -> Vec<Scenario> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for kind in ["terraform", "arm", "plan", "roots", "bicep"] {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("testdata").join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for d in dirs {
            let expect_file = d.join("expect.toml");
            assert!(expect_file.is_file(), "{} has no expect.toml", d.display());
            let table: toml::Table =
                toml::from_str(&std::fs::read_to_string(&expect_file).unwrap()).unwrap();
            let expect = table
                .into_iter()
                .map(|(k, v)| (k, v.as_integer().unwrap()))
                .collect();
            out.push(Scenario {
                dir: d
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
                expect,
            });
        }
    }
    out
}

fn counts(json: &str) -> BTreeMap<String, i64> {
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut counts = BTreeMap::new();
    for f in doc["findings"].as_array().unwrap() {
        *counts
            .entry(f["policy"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    counts
}

#[test]
fn every_scenario_reports_exactly_what_its_expect_file_says() {
    let mut failures = Vec::new();
    for s in scenarios() {
        // A scenario may carry its project configuration (roots: `exclude`).
        let config = format!("{}/nsgate.toml", s.dir);
        let mut args = vec!["check", "--fail-on", "never"];
        if Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(&config)
            .is_file()
        {
            args.extend(["--config", config.as_str()]);
        }
        args.push(&s.dir);
        let json_args: Vec<&str> = args.iter().copied().chain(["--format", "json"]).collect();
        let (code, json, _) = nsgate(&json_args);
        let want_exit = s.expect.get("exit").copied().unwrap_or(0);
        if i64::from(code) != want_exit {
            failures.push(format!("{}: exit {code}, expected {want_exit}", s.dir));
        }
        let got = counts(&json);
        for (policy, n) in &got {
            if s.expect.get(policy).copied().unwrap_or(0) != *n {
                failures.push(format!(
                    "{}: {policy} reported {n} time(s), expected {}",
                    s.dir,
                    s.expect.get(policy).copied().unwrap_or(0)
                ));
            }
        }
        for (policy, n) in s.expect.iter().filter(|(k, _)| *k != "exit") {
            if got.get(policy).copied().unwrap_or(0) != *n {
                failures.push(format!(
                    "{}: {policy} reported {} time(s), expected {n}",
                    s.dir,
                    got.get(policy).copied().unwrap_or(0)
                ));
            }
        }
        let compact_args: Vec<&str> = args
            .iter()
            .copied()
            .chain(["--format", "compact"])
            .collect();
        let (_, compact, _) = nsgate(&compact_args);
        insta::assert_snapshot!(s.dir.replace('/', "__"), compact);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_builtin_policy_has_a_failing_and_a_passing_scenario() {
    let all = scenarios();
    let mut sources = nsgate::source::Sources::new();
    let builtins = nsgate::policy::builtin::builtin_policies(&mut sources).unwrap();
    for p in builtins {
        let id = &p.meta.id;
        assert!(
            all.iter().any(|s| s.expect.get(id).is_some_and(|n| *n > 0)),
            "{id} has no failing scenario (an expect.toml with {id} = N > 0)"
        );
        assert!(
            all.iter().any(|s| s.expect.get(id) == Some(&0)),
            "{id} has no passing scenario (an expect.toml with {id} = 0)"
        );
    }
}

/// nsg-semantics §0 through each front end: exactly one NSG001 finding, both ports listed with
/// a witness each, decided by DenyAll at priority 400 on the inbound hop; the fixed input none.
#[test]
fn seed_incident_through_every_front_end() {
    let cases = [
        (
            "testdata/terraform/cses-broken",
            "testdata/terraform/cses-fixed",
        ),
        (
            "testdata/arm/seed-broken-classic",
            "testdata/arm/seed-fixed-classic",
        ),
        (
            "testdata/arm/seed-broken-symbolic",
            "testdata/arm/seed-fixed-symbolic",
        ),
        ("testdata/bicep/seed-broken", "testdata/bicep/seed-fixed"),
        (
            "testdata/plan/incident-broken",
            "testdata/plan/incident-fixed",
        ),
    ];
    for (broken, fixed) in cases {
        let (code, json, _) = nsgate(&["check", "--format", "json", broken]);
        assert_eq!(code, 1, "{broken}");
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        let findings = doc["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{broken}: {json}");
        let f = &findings[0];
        assert_eq!(f["policy"], "NSG001");
        let mut ports: Vec<u64> = f["witnesses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["destination_port"].as_u64().unwrap())
            .collect();
        ports.sort();
        assert_eq!(ports, vec![3389, 20000], "{broken}");
        for w in f["witnesses"].as_array().unwrap() {
            assert_eq!(w["protocol"], "tcp");
            assert_eq!(w["decided_by"]["rule"], "DenyAll");
            assert_eq!(w["decided_by"]["priority"], 400);
            assert_eq!(w["decided_by"]["direction"], "inbound");
            assert_eq!(w["decided_by"]["access"], "deny");
            assert_eq!(w["source"], "10.1.0.4", "a usable host of the subnet");
            assert_eq!(w["source_port"], 49152, "an ephemeral source port");
        }
        assert!(
            f["fix"]["snippet"].as_str().unwrap().contains("350"),
            "{broken}: fix at priority 350"
        );
        let (code, json, _) = nsgate(&["check", "--format", "json", fixed]);
        assert_eq!(code, 0, "{fixed}: {json}");
        assert_eq!(counts(&json).get("NSG001"), None);
    }
}

/// Issue 6: when the Terraform configuration is at hand, plan findings also point at the .tf
/// lines of the same resource and rule — beside the plan, or through `--source DIR`.
#[test]
fn plan_findings_also_point_at_the_configuration() {
    let runs = [
        (
            vec![
                "check",
                "--format",
                "json",
                "testdata/plan-with-configuration/plan.json",
            ],
            "testdata/plan-with-configuration/main.tf",
        ),
        (
            vec![
                "check",
                "--format",
                "json",
                "--source",
                "testdata/terraform/cses-broken",
                "testdata/plan/incident-broken/plan.json",
            ],
            "testdata/terraform/cses-broken/main.tf",
        ),
    ];
    for (args, tf) in runs {
        let (code, json, _) = nsgate(&args);
        assert_eq!(code, 1);
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        let f = &doc["findings"][0];
        assert!(f["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("plan.json"));
        let in_tf: Vec<&serde_json::Value> = f["related"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["location"]["path"] == tf)
            .collect();
        let deny = in_tf
            .iter()
            .find(|r| {
                r["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("denies TCP 3389, 20000")
            })
            .expect("the deciding rule in the .tf file");
        // DenyAll's security_rule block in the fixture.
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(tf)).unwrap();
        let line = deny["location"]["start"]["line"].as_u64().unwrap() as usize;
        let block: Vec<&str> = text.lines().skip(line - 1).take(3).collect();
        assert!(block.join("\n").contains("\"DenyAll\""), "{block:?}");
        assert!(in_tf
            .iter()
            .any(|r| r["message"].as_str().unwrap().starts_with("subnet `roles`")));
    }
    // Without a configuration, only the plan is pointed at.
    let (_, json, _) = nsgate(&[
        "check",
        "--format",
        "json",
        "testdata/plan/incident-broken/plan.json",
    ]);
    assert!(!json.contains("main.tf"));
}

/// With no free priority before the deciding rule, the fix names the rule that must move.
#[test]
fn without_a_free_priority_the_fix_names_the_rule_to_move() {
    let (code, json, _) = nsgate(&[
        "check",
        "--format",
        "json",
        "testdata/terraform/no-free-priority",
    ]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let fix = &doc["findings"][0]["fix"];
    let summary = fix["summary"].as_str().unwrap();
    assert!(
        summary.contains("no free priority between 300 and 301"),
        "{summary}"
    );
    assert!(
        summary.contains("move `AllowLocalRDP` (priority 300)"),
        "{summary}"
    );
    assert!(fix["snippet"].is_null());
}

/// Absolute inputs under the working directory are reported with relative paths.
#[test]
fn absolute_inputs_are_reported_relative_to_the_working_directory() {
    let absolute = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/terraform/cses-broken");
    let (_, compact, _) = nsgate(&["check", "--format", "compact", absolute.to_str().unwrap()]);
    assert!(
        compact.starts_with("testdata/terraform/cses-broken/main.tf:"),
        "{compact}"
    );
}
