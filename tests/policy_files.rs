//! User rule files, project configuration, baselines, and every kind of mistake in a rule file
//! or `nsgate.toml` (each a diagnostic pointing into the file, exit code 2, snapshotted).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]

use std::path::{Path, PathBuf};

mod common;

/// Run the CLI in-process from the crate root: (exit code, stdout then stderr).
fn nsgate(args: &[&str]) -> (u8, String) {
    let out = common::nsgate(args);
    (out.code, out.stdout + &out.stderr)
}

fn policies_in(json: &str) -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["policy"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn user_policies_load_from_the_command_line() {
    let (code, json) = nsgate(&[
        "check",
        "--format",
        "json",
        "--policies",
        "testdata/policies/org",
        "testdata/terraform/internet-exposure",
    ]);
    assert_eq!(code, 1);
    let found = policies_in(&json);
    assert!(
        found.contains(&("ORG100".into(), "error".into())),
        "{found:?}"
    );
    // The built-ins still run beside it.
    assert!(found.iter().any(|(p, _)| p == "NSG003"));
    let (_, list) = nsgate(&["policies", "--policies", "testdata/policies/org"]);
    assert!(list.contains("ORG100") && list.contains("NSG001"), "{list}");
    let (_, text) = nsgate(&["explain", "ORG100", "--policies", "testdata/policies/org"]);
    assert!(text.contains("Front Door"), "{text}");
}

#[test]
fn configuration_adds_policies_disables_and_overrides_severity() {
    let (code, json) = nsgate(&[
        "check",
        "--format",
        "json",
        "--config",
        "testdata/config/nsgate.toml",
        "testdata/terraform/internet-exposure",
    ]);
    assert_eq!(code, 1);
    let found = policies_in(&json);
    assert!(
        found.contains(&("ORG100".into(), "error".into())),
        "policies from the config: {found:?}"
    );
    assert!(
        !found.iter().any(|(p, _)| p == "NSG010"),
        "NSG010 disabled: {found:?}"
    );
    assert!(
        found.contains(&("NSG003".into(), "warning".into())),
        "NSG003 downgraded: {found:?}"
    );
}

#[test]
fn config_overrides_scope_and_trusted_sources() {
    let dir = std::env::temp_dir().join(format!("nsgate-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("nsgate.toml");
    std::fs::write(&config, "[policy.NSG003]\nexcept_from = [\"0.0.0.0/1\", \"128.0.0.0/1\"]\n\n[policy.NSG001]\nsubnets = [\"nothing-matches\"]\n").unwrap();
    let (_, json) = nsgate(&[
        "check",
        "--format",
        "json",
        "--config",
        config.to_str().unwrap(),
        "testdata/terraform/internet-exposure",
    ]);
    assert!(
        !policies_in(&json).iter().any(|(p, _)| p == "NSG003"),
        "every IPv4 source trusted: {json}"
    );
    let (code, json) = nsgate(&[
        "check",
        "--format",
        "json",
        "--config",
        config.to_str().unwrap(),
        "testdata/terraform/cses-broken",
    ]);
    assert_eq!(code, 0, "NSG001 scoped away: {json}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_baseline_gates_only_new_findings() {
    let dir = std::env::temp_dir().join(format!("nsgate-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = dir.join("baseline.json");
    let b = baseline.to_str().unwrap();
    let (code, _) = nsgate(&[
        "check",
        "--write-baseline",
        b,
        "testdata/terraform/internet-exposure",
    ]);
    assert_eq!(code, 1, "writing a baseline still reports");
    let (code, json) = nsgate(&[
        "check",
        "--format",
        "json",
        "--baseline",
        b,
        "testdata/terraform/internet-exposure",
    ]);
    assert_eq!(code, 0, "{json}");
    assert!(policies_in(&json).is_empty());
    // A finding the baseline does not know still fails the gate.
    let (code, json) = nsgate(&[
        "check",
        "--format",
        "json",
        "--baseline",
        b,
        "testdata/terraform/cses-broken",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        policies_in(&json),
        vec![("NSG001".to_string(), "error".to_string())]
    );
    std::fs::write(&baseline, "not json").unwrap();
    let (code, text) = nsgate(&["check", "--baseline", b, "testdata/terraform/cses-broken"]);
    assert_eq!(code, 2, "{text}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn unknown_policy_ids_in_only_and_skip_are_errors() {
    let (code, text) = nsgate(&[
        "check",
        "--only",
        "NSG999",
        "testdata/terraform/cses-broken",
    ]);
    assert_eq!(code, 2);
    assert!(text.contains("no policy has the ID `NSG999`"), "{text}");
    let (code, _) = nsgate(&[
        "check",
        "--only",
        "NSG002",
        "testdata/terraform/cses-broken",
    ]);
    assert_eq!(code, 0, "only NSG002 runs, and it passes");
}

fn entries(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn every_mistake_in_a_rule_file_is_a_diagnostic_in_that_file() {
    for path in entries("testdata/policy-errors") {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let rel = format!("testdata/policy-errors/{name}.toml");
        let (code, text) = nsgate(&["check", "--policies", &rel, "testdata/terraform/cses-fixed"]);
        assert_eq!(code, 2, "{rel}: {text}");
        assert!(
            text.contains(&format!("[{rel}:")),
            "{rel}: the diagnostic points into the file:\n{text}"
        );
        insta::assert_snapshot!(format!("policy_error__{name}"), text);
    }
}

#[test]
fn every_mistake_in_a_config_file_is_a_diagnostic_in_that_file() {
    for path in entries("testdata/config-errors") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let rel = format!("testdata/config-errors/{name}/nsgate.toml");
        let (code, text) = nsgate(&["check", "--config", &rel, "testdata/terraform/cses-fixed"]);
        assert_eq!(code, 2, "{rel}: {text}");
        assert!(
            text.contains(&format!("[{rel}:")),
            "{rel}: the diagnostic points into the file:\n{text}"
        );
        insta::assert_snapshot!(format!("config_error__{name}"), text);
    }
}

#[test]
fn the_policy_reference_embeds_exactly_what_explain_prints() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policies.md"))
            .unwrap();
    let mut sources = nsgate::source::Sources::new();
    for p in nsgate::policy::builtin::builtin_policies(&mut sources).unwrap() {
        let text = nsgate::cli::explain_text(&p.meta);
        assert!(
            doc.contains(&format!("```text\n{text}```")),
            "docs/policies.md is out of date for {}; paste `nsgate explain {}`",
            p.meta.id,
            p.meta.id
        );
        let (code, printed) = nsgate(&["explain", &p.meta.id]);
        assert_eq!((code, printed), (0, text));
    }
}

#[test]
fn paths_that_give_nothing_are_errors_not_silent() {
    let empty = std::env::temp_dir().join(format!("nsgate-empty-policies-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let (code, text) = nsgate(&[
        "check",
        "--policies",
        empty.to_str().unwrap(),
        "testdata/terraform/cses-fixed",
    ]);
    assert_eq!(code, 2);
    assert!(text.contains("holds no rule files"), "{text}");
    std::fs::remove_dir_all(&empty).ok();
    let (code, text) = nsgate(&[
        "check",
        "--source",
        "testdata/arm",
        "testdata/plan/incident-fixed/plan.json",
    ]);
    assert_eq!(code, 2);
    assert!(
        text.contains("not a Terraform configuration directory"),
        "{text}"
    );
    let (code, text) = nsgate(&[
        "check",
        "--var-file",
        "testdata/no-such.tfvars",
        "testdata/terraform/cses-fixed",
    ]);
    assert_eq!(code, 2, "{text}");
}
