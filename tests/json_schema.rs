#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! `schema/report-v1.schema.json` describes the JSON report exactly: real output of every
//! scenario validates against it, and documents with a missing, extra or mistyped key do not.

mod common;

use common::{nsgate, nsgate_with, Env, SCENARIOS};

fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(common::root().join("schema/report-v1.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::meta::validate(&schema).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// Reports of every scenario, plus a few that exercise other corners (stdin, several inputs,
/// a policy filter, findings with indeterminate witnesses).
fn reports() -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    let mut add = |what: String, text: String| {
        out.push((what, serde_json::from_str(&text).unwrap()));
    };
    for (_, path, _) in SCENARIOS {
        add(
            path.to_string(),
            nsgate(&["check", "--format", "json", path]).stdout,
        );
    }
    for dir in [
        "testdata/terraform/standalone-rules",
        "testdata/terraform/nic-nsg",
        "testdata/plan/unknown-source-prefix",
        "testdata/plan/count-for-each",
        "testdata/arm/seed-broken-symbolic",
    ] {
        add(
            dir.to_string(),
            nsgate(&["check", "--format", "json", dir]).stdout,
        );
    }
    let several = [
        "check",
        "--format",
        "json",
        "testdata/terraform/cses-broken",
        "testdata/terraform/syntax-error",
        "testdata/arm/seed-broken-classic",
    ];
    add("several".into(), nsgate(&several).stdout);
    let plan = std::fs::read_to_string("testdata/plan/incident-broken/plan.json").unwrap();
    let stdin = nsgate_with(
        &["check", "--format", "json", "-"],
        &Env {
            stdin: plan,
            ..Env::default()
        },
    );
    add("stdin".into(), stdin.stdout);
    let junk = nsgate_with(
        &["check", "--format", "json", "-"],
        &Env {
            stdin: "hello".into(),
            ..Env::default()
        },
    );
    add("stdin junk".into(), junk.stdout);
    out
}

#[test]
fn real_reports_validate() {
    let v = validator();
    let all = reports();
    for (what, doc) in &all {
        let errs = errors(&v, doc);
        assert!(errs.is_empty(), "{what}: {errs:#?}");
    }
    // The corners are really exercised.
    let any = |pred: &dyn Fn(&serde_json::Value) -> bool| all.iter().any(|(_, d)| pred(d));
    assert!(any(&|d| d["errors"]
        .as_array()
        .is_some_and(|e| !e.is_empty())));
    assert!(any(&|d| d["errors"][0]["location"].is_null()));
    assert!(any(&|d| d["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["fix"].is_null())));
    assert!(any(&|d| d["findings"].as_array().unwrap().iter().any(
        |f| f["witnesses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["decided_by"].is_null())
    )));
}

#[test]
fn the_schema_rejects_what_the_contract_forbids() {
    let v = validator();
    let text = nsgate(&[
        "check",
        "--format",
        "json",
        "testdata/terraform/cses-broken",
    ])
    .stdout;
    let good: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(errors(&v, &good).is_empty());
    type Mutation = Box<dyn Fn(&mut serde_json::Value)>;
    let mutations: Vec<(&str, Mutation)> = vec![
        ("extra top-level key", Box::new(|d| d["extra"] = 1.into())),
        (
            "missing summary",
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("summary");
            }),
        ),
        ("version 2", Box::new(|d| d["version"] = 2.into())),
        (
            "severity spelled differently",
            Box::new(|d| d["findings"][0]["severity"] = "ERROR".into()),
        ),
        (
            "column 0",
            Box::new(|d| d["findings"][0]["location"]["start"]["column"] = 0.into()),
        ),
        (
            "extra finding key",
            Box::new(|d| d["findings"][0]["extra"] = true.into()),
        ),
        (
            "missing resource (null is required instead)",
            Box::new(|d| {
                d["findings"][0].as_object_mut().unwrap().remove("resource");
            }),
        ),
        (
            "port out of range",
            Box::new(|d| d["findings"][0]["witnesses"][0]["destination_port"] = 70000.into()),
        ),
        (
            "direction spelled differently",
            Box::new(|d| {
                d["findings"][0]["witnesses"][0]["decided_by"]["direction"] = "Inbound".into()
            }),
        ),
    ];
    for (what, mutate) in mutations {
        let mut doc = good.clone();
        mutate(&mut doc);
        assert!(!errors(&v, &doc).is_empty(), "the schema accepts: {what}");
    }
}
