//! `nsgate inventory` (issue 10): what nsgate read, root by root, in the JSON contract of
//! `schema/inventory-v1.schema.json`, with unknowns as `{"unknown": reason}`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(common::root().join("schema/inventory-v1.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::meta::validate(&schema).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// Every scenario's inventory matches the schema.
#[test]
fn every_scenario_inventory_matches_the_schema() {
    let v = validator();
    let mut checked = 0;
    for kind in ["terraform", "arm", "plan", "roots"] {
        let mut dirs: Vec<_> = std::fs::read_dir(common::root().join("testdata").join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for d in dirs {
            let rel = d
                .strip_prefix(common::root())
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let out = common::nsgate(&["inventory", "--format", "json", &rel]);
            if out.code != 0 {
                // Inputs that cannot be read are errors, as in `check`.
                assert_eq!(out.code, 2, "{rel}: {}", out.stderr);
                assert!(!out.stderr.is_empty(), "{rel}");
                continue;
            }
            let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{rel}: {errors:?}");
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} scenarios checked");
}

#[test]
fn inventory_snapshots() {
    for path in [
        "testdata/terraform/cses-broken",
        "testdata/terraform/remote-module",
        "testdata/plan/unknown-source-prefix",
        "testdata/arm/nic-nsg",
        "testdata/terraform/admin-dynamic-group",
        "testdata/arm/admin-deny-closes-rdp",
    ] {
        let name = path.replace('/', "__");
        let human = common::nsgate(&["inventory", path]);
        assert_eq!(human.code, 0, "{path}: {}", human.stderr);
        insta::assert_snapshot!(format!("human__{name}"), human.stdout);
        let json = common::nsgate(&["inventory", "--format", "json", path]);
        insta::assert_snapshot!(format!("json__{name}"), json.stdout);
    }
}

#[test]
fn unknown_values_are_marked_where_the_value_would_stand() {
    let out = common::nsgate(&[
        "inventory",
        "--format",
        "json",
        "testdata/terraform/remote-module",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let rules = doc["roots"][0]["nsgs"][0]["rules"].as_array().unwrap();
    let reason = rules[0]["sources"][0]["unknown"].as_str().unwrap();
    assert!(reason.contains("data source"), "{reason}");
}
