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

#[path = "../benches/support/adversarial.rs"]
mod adversarial;

/// Run `nsgate check` over one generated shape; the compact report.
fn check_shape(shape: &str, size: usize, file: &str) -> common::Output {
    let text = adversarial::generate(shape, size).unwrap();
    let path = common::temp_path(file);
    std::fs::write(&path, text).unwrap();
    nsgate_with(
        &["check", "--format", "compact", path.to_str().unwrap()],
        &Env::default(),
    )
}

/// A shape far past the budget ends with an error-level NSG030 naming the budget. The work
/// is bounded by the budget itself (every unit charged before it is done), so the test also
/// ends: 2^40 elements would never finish otherwise.
fn assert_budget_finding(shape: &str, size: usize, file: &str, budget: &str) {
    let out = check_shape(shape, size, file);
    assert_eq!(
        out.code, 1,
        "{shape}: exit code\n{}{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("error[NSG030]") && l.contains(budget)),
        "{shape}: no NSG030 naming the {budget:?} budget\n{}",
        out.stdout
    );
}

#[test]
fn terraform_doubling_lists_stop_at_the_budget() {
    for op in [
        "flatten",
        "jsonencode",
        "eq",
        "toset",
        "distinct",
        "setunion",
        "dynamic",
    ] {
        assert_budget_finding(
            &format!("tf-{op}"),
            40,
            "main.tf",
            "Terraform evaluation budget",
        );
    }
}

#[test]
fn arm_doubling_arrays_stop_at_the_budget() {
    for op in ["string", "json", "equals"] {
        assert_budget_finding(
            &format!("arm-{op}"),
            40,
            "azuredeploy.json",
            "ARM template evaluation budget",
        );
    }
}

// The full-size nested copy loops (800 NSGs × 800 rules × 800 prefixes, or × 1 prefix) stop at
// the budget too, but evaluate up to it first, which takes long in a debug build:
// `cargo run --release --example adversarial -- arm-copy-flat 800 azuredeploy.json` writes
// one; `benches/scaling.sh arm-copy` measures them.

#[test]
fn nested_copy_loops_are_charged_per_instance_up_front() {
    // 800 NSGs × 800 rules whose input is 17 JSON nodes: 10.9 million units before any rule is
    // built, past the 10-million ARM budget, so the resource loop stops at once and names itself.
    let text = adversarial::generate("arm-copy-flat", 800).unwrap().replace(
        "\"destinationAddressPrefix\": \"*\"",
        "\"destinationAddressPrefix\": \"*\", \"description\": \"d\", \"destinationPortRanges\": [], \"sourcePortRanges\": [], \"destinationAddressPrefixes\": [], \"sourceApplicationSecurityGroups\": [], \"destinationApplicationSecurityGroups\": []",
    );
    let path = common::temp_path("azuredeploy.json");
    std::fs::write(&path, text).unwrap();
    let out = nsgate_with(
        &["check", "--format", "compact", path.to_str().unwrap()],
        &Env::default(),
    );
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let finding = out
        .stdout
        .lines()
        .find(|l| l.contains("error[NSG030]") && l.contains("ARM template evaluation budget"));
    assert!(
        finding.is_some_and(|l| l.contains("the copy loop `nsgs` (800 instances)")),
        "no NSG030 naming the copy loop\n{}",
        out.stdout
    );
}

#[test]
fn small_copy_loops_evaluate_fully() {
    let out = check_shape("arm-copy", 5, "azuredeploy.json");
    assert!(!out.stdout.contains("budget"), "{}", out.stdout);
}

/// Found by fuzzing `arm_loader`: doubling arrays of a string that holds commas, turned into
/// one address value by `string()`, is 21 MB with over a million comma-separated parts. It
/// used to become a million address items whose unknowns each quoted the whole value (26 s in
/// a debug build). Now the value is one unknown past Azure's 4,000 addresses per rule, and
/// messages quote an excerpt: the report stays small.
#[test]
fn a_megabyte_address_value_with_commas_is_one_unknown_and_quoted_short() {
    let path = "fuzz/corpus/arm_loader/timeout-comma-doubling.json";
    let out = nsgate_with(&["check", "--format", "compact", path], &Env::default());
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("comma-separated parts, more than the 4000 addresses"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.len() < 20_000,
        "report of {} bytes",
        out.stdout.len()
    );
}

/// Standard input that cannot be read (here invalid UTF-8; `/dev/zero`, at its first NUL byte,
/// takes the same path) is one clear error, exit 2, under the name every other report uses
/// for it; the empty text it leaves is not also sniffed as an unknown kind of input.
#[test]
fn unreadable_standard_input_is_one_error() {
    use clap::Parser;
    let binary: Vec<u8> = [&b"{\"a\": "[..], &[0u8; 4096][..]].concat();
    for (stdin, why) in [
        (&[0xff, 0xfe, b'{'][..], "neither UTF-8 nor UTF-16"),
        (&binary[..], "NUL byte (at byte 6)"),
    ] {
        let cli = nsgate::cli::Cli::try_parse_from(["nsgate", "check", "--format", "compact", "-"])
            .unwrap();
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let mut stdin = stdin;
        let code = nsgate::cli::run(
            cli,
            &mut nsgate::cli::Io {
                stdout: &mut stdout,
                stderr: &mut stderr,
                stdin: &mut stdin,
                env: Vec::new(),
                stdout_is_terminal: false,
                cwd: common::root(),
                exits_after: false,
            },
        );
        let out = String::from_utf8(stdout).unwrap();
        assert_eq!(code, 2, "{out}");
        let errors: Vec<&str> = out.lines().filter(|l| l.contains("error[")).collect();
        assert_eq!(errors.len(), 1, "{out}");
        assert!(
            errors[0].starts_with("<stdin>")
                && errors[0].contains("cannot read standard input")
                && errors[0].contains(why),
            "{out}"
        );
    }
}

/// A rule with thousands of bad addresses (a copy loop can give every rule of every NSG the
/// same bad list: 1.7 GB for a 945-byte template found by fuzzing) lists the first 16
/// problems and one line for the rest, and keeps a bounded number of unknowns per side, each
/// side still unknown where it has a bad address.
#[test]
fn thousands_of_bad_addresses_are_a_few_problems_and_unknowns() {
    let bad: Vec<String> = (0..4000)
        .map(|i| format!("\"300.0.{}.{}\"", i / 256, i % 256))
        .collect();
    let template = format!(
        r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [{{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
    "name": "nsg", "location": "westeurope", "properties": {{"securityRules": [{{"name": "many-bad",
      "properties": {{"priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourcePortRange": "*", "destinationPortRange": "22", "sourceAddressPrefixes": [{}],
        "destinationAddressPrefixes": ["10.0.0.0/24", "999.1.1.1"]}}}}]}}}}]}}"#,
        bad.join(", ")
    );
    let dir = common::temp_path("bad-addresses");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("azuredeploy.json"), template).unwrap();
    let dir = dir.to_str().unwrap();
    let out = nsgate_with(&["check", "--format", "compact", dir], &Env::default());
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let listed = out
        .stdout
        .lines()
        .filter(|l| l.contains("is not a valid IP address"))
        .count();
    assert_eq!(listed, 17, "16 problems and one summary\n{}", out.stdout);
    assert!(out
        .stdout
        .contains("more than 16 problems with its addresses, the rest not listed"));
    let inventory = nsgate_with(&["inventory", dir], &Env::default());
    assert_eq!(inventory.code, 0, "{}", inventory.stderr);
    assert_eq!(
        inventory
            .stdout
            .matches("<unknown: invalid address")
            .count(),
        17
    );
    assert!(inventory
        .stdout
        .contains("<unknown: more than 16 invalid addresses>"));
    assert!(inventory
        .stdout
        .contains("<unknown: invalid address `999.1.1.1`>"));
}
