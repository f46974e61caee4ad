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
        "testdata/terraform/tenants",
        "testdata/plan/tenants",
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

/// Every tenant kind of the azurerm vocabulary is read from HCL and from a plan alike, and a
/// subnet nothing is placed in says its tenants are unknown.
#[test]
fn subnet_tenants_are_the_same_from_hcl_and_from_a_plan() {
    let kinds = |path: &str| {
        let out = common::nsgate(&["inventory", "--format", "json", path]);
        assert_eq!(out.code, 0, "{path}: {}", out.stderr);
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let root = &doc["roots"][0];
        let mut subnets: Vec<(String, Vec<String>)> = root["subnets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let tenants = match s["tenants"].as_array() {
                    Some(ts) => ts
                        .iter()
                        .map(|t| {
                            format!(
                                "{} {}",
                                t["kind"].as_str().unwrap(),
                                t["name"].as_str().unwrap()
                            )
                        })
                        .collect(),
                    None => vec![format!(
                        "unknown: {}",
                        s["tenants"]["unknown"].as_str().unwrap()
                    )],
                };
                (s["name"].as_str().unwrap().to_string(), tenants)
            })
            .collect();
        subnets.sort();
        let backends: Vec<(String, u64)> = root["load_balancer_backends"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["host"].is_string())
            .map(|b| {
                (
                    b["pool"].as_str().unwrap().to_string(),
                    b["probes"][0]["port"].as_u64().unwrap(),
                )
            })
            .collect();
        (
            subnets,
            backends,
            root["unplaced_tenants"].as_array().unwrap().len(),
        )
    };
    let hcl = kinds("testdata/terraform/tenants");
    let plan = kinds("testdata/plan/tenants");
    assert_eq!(hcl, plan);
    let all: Vec<&str> = hcl
        .0
        .iter()
        .flat_map(|(_, t)| t.iter())
        .map(|t| t.split(' ').next().unwrap())
        .collect();
    for kind in [
        "bastion",
        "application-gateway-v2",
        "aks-node-pool",
        "private-endpoint",
        "delegation",
        "vm-scale-set",
        "nic",
        "load-balancer-backend",
        "unknown:",
    ] {
        assert!(all.contains(&kind), "{kind} missing: {all:?}");
    }
    assert_eq!(
        hcl.1,
        vec![
            ("lb-web/web".to_string(), 8080),
            ("lb-web/web".to_string(), 8080)
        ]
    );
}
