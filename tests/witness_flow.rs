//! Every witness names the rule that decides exactly that flow (architecture.md, JSON report):
//! for every witness of every scenario under `testdata/{terraform,arm,plan,roots,bicep}`,
//! `nsgate flow --format json` on the same root, protocol, addresses and ports must name the
//! same NSG and rule, alone, at the witness's hop.
//!
//! Witnesses of findings judged on a hypothetical subnet (an NSG attached to nothing in the
//! input, a NIC whose subnet is unresolved) cannot be replayed: `flow` evaluates the input as
//! written, where no subnet carries that NSG. They are counted and listed, not checked.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

fn scenario_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for kind in ["terraform", "arm", "plan", "roots", "bicep"] {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("testdata").join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        out.extend(
            dirs.into_iter()
                .map(|d| d.strip_prefix(root).unwrap().to_path_buf()),
        );
    }
    out
}

/// `10.0.0.4:49152`, `[fd00::4]:22`, `10.0.0.4` (no port).
fn endpoint(address: &Value, port: &Value) -> String {
    let a = address.as_str().unwrap();
    match port.as_u64() {
        Some(p) if a.contains(':') => format!("[{a}]:{p}"),
        Some(p) => format!("{a}:{p}"),
        None => a.to_string(),
    }
}

/// Whether a finding was judged on a subnet the input does not declare.
fn hypothetical(finding: &Value) -> bool {
    finding["message"]
        .as_str()
        .is_some_and(|m| m.contains("(any subnet "))
}

#[test]
fn every_witness_names_the_rule_nsgate_flow_names() {
    let mut checked = 0usize;
    let mut indeterminate = 0usize;
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for dir in scenario_dirs() {
        let dir = dir.to_string_lossy().replace('\\', "/");
        let config = format!("{dir}/nsgate.toml");
        let config_args: Vec<&str> = if Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(&config)
            .is_file()
        {
            vec!["--config", config.as_str()]
        } else {
            Vec::new()
        };
        let mut args = vec!["check", "--fail-on", "never", "--format", "json"];
        args.extend(&config_args);
        args.push(&dir);
        let out = common::nsgate(&args);
        let doc: Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{dir}: not JSON ({e}): {}", out.stdout));
        for finding in doc["findings"].as_array().unwrap() {
            for w in finding["witnesses"].as_array().unwrap() {
                let by = &w["decided_by"];
                if by.is_null() {
                    indeterminate += 1;
                    continue;
                }
                let from = endpoint(&w["source"], &w["source_port"]);
                let to = endpoint(&w["destination"], &w["destination_port"]);
                let protocol = w["protocol"].as_str().unwrap();
                let what = format!(
                    "{dir}: {} witness {protocol} {from} → {to} (decided by {} of {} at {})",
                    finding["policy"].as_str().unwrap(),
                    by["rule"],
                    by["nsg"],
                    by["hop"]
                );
                if hypothetical(finding) {
                    skipped.push(what);
                    continue;
                }
                let root = finding["root"].as_str().unwrap_or(&dir).to_string();
                let mut flow = vec![
                    "flow",
                    "--format",
                    "json",
                    "--protocol",
                    protocol,
                    "--from",
                    &from,
                    "--to",
                    &to,
                ];
                flow.extend(&config_args);
                flow.push(&root);
                let answer = common::nsgate(&flow);
                let Ok(report) = serde_json::from_str::<Value>(&answer.stdout) else {
                    failures.push(format!("{what}: flow printed no JSON: {}", answer.stderr));
                    continue;
                };
                checked += 1;
                // The witness's root answers the flow (flow-v2: one answer per root).
                let Some(hops) = report["roots"][0]["protocols"][0]["hops"].as_array() else {
                    failures.push(format!(
                        "{what}: flow answered in no root: {}",
                        answer.stdout
                    ));
                    continue;
                };
                let Some(hop) = hops.iter().find(|h| h["hop"] == by["hop"]) else {
                    failures.push(format!("{what}: flow has no such hop: {hops:?}"));
                    continue;
                };
                let rules = hop["decided_by"].as_array().unwrap();
                let same = hop["nsg"] == by["nsg"]
                    && rules.len() == 1
                    && rules[0]["rule"] == by["rule"]
                    && rules[0]["priority"] == by["priority"]
                    && rules[0]["access"] == by["access"];
                if !same {
                    failures.push(format!(
                        "{what}: flow says NSG {} decided by {rules:?}",
                        hop["nsg"]
                    ));
                }
            }
        }
    }
    println!(
        "{checked} witnesses replayed through `nsgate flow`; {indeterminate} indeterminate witnesses (no deciding rule); {} on hypothetical subnets not replayable:\n  {}",
        skipped.len(),
        skipped.join("\n  ")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 40, "only {checked} witnesses were checked");
}
