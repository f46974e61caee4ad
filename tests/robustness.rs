#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! Hostile and unlucky inputs (issue 16): every output format survives a finding past column
//! 65535 and names with terminal control characters, and the evaluators stop at their budgets
//! with an NSG030 finding instead of running out of memory or time.

mod common;

use common::{nsgate_with, Env, FORMATS};

/// Appends control sequences to the name of every object that has a priority (a rule).
fn poison_rule_names(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            if o.contains_key("priority") {
                if let Some(serde_json::Value::String(name)) = o.get_mut("name") {
                    name.push_str("\u{1b}[2J\u{1b}]0;owned\u{7}\r");
                }
            }
            o.values_mut().for_each(poison_rule_names);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(poison_rule_names),
        _ => {}
    }
}

/// The incident plan as `terraform show -json` writes it (one line), pushed past column 65535,
/// with every rule name carrying an ANSI "clear screen" and an OSC title sequence.
fn hostile_plan() -> String {
    let text = std::fs::read_to_string("testdata/plan/incident-broken/plan.json").unwrap();
    let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    poison_rule_names(&mut plan);
    format!(
        "{}{}",
        " ".repeat(70_000),
        serde_json::to_string(&plan).unwrap()
    )
}

#[test]
fn every_format_survives_long_lines_and_control_characters() {
    common::root();
    let env = Env {
        stdin: hostile_plan(),
        terminal: false,
        ..Env::default()
    };
    for format in FORMATS {
        let out = nsgate_with(&["check", "--format", format, "-"], &env);
        assert_eq!(
            out.code, 1,
            "{format}: exit code\n{}{}",
            out.stdout, out.stderr
        );
        if matches!(*format, "human" | "compact" | "github") {
            for c in ['\u{1b}', '\u{7}', '\r'] {
                assert!(
                    !out.stdout.contains(c),
                    "{format}: raw {c:?} reaches the terminal\n{}",
                    out.stdout
                );
            }
        }
    }
    // The human report falls back to a plain location for the long line, and still names
    // the rule (escaped).
    let human = nsgate_with(&["check", "--format", "human", "-"], &env).stdout;
    assert!(human.contains("<stdin>:1:7"), "{human}");
    assert!(human.contains("\\u{1b}[2J"), "{human}");
}
