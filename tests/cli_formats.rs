#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! The CLI run in-process over the same scenarios in every format (snapshots at width 100,
//! no colour), plus exit codes, `--fail-on`, `--output`, colour rules, determinism, standard
//! input, `flow`, `policies` and `explain`. Targeted assertions sit beside the snapshots so an
//! update cannot silently drop what matters.

mod common;

use clap::Parser;
use common::{nsgate, nsgate_with, redact_version, temp_path, Env, FORMATS, SCENARIOS};

fn check(format: &str, path: &str) -> common::Output {
    nsgate(&["check", "--format", format, path])
}

/// Every format over every scenario: snapshot, exit code, and the format's own invariants.
fn snapshot_format(format: &str) {
    for (name, path, code) in SCENARIOS {
        let out = check(format, path);
        assert_eq!(
            out.code, *code,
            "{format} {path}: exit code\n{}",
            out.stdout
        );
        assert!(
            !out.stdout.contains('\u{1b}'),
            "{format} {path}: colour codes in a report to a pipe"
        );
        assert_eq!(out.stderr, "", "{format} {path}: the report goes to stdout");
        insta::assert_snapshot!(format!("{format}__{name}"), redact_version(&out.stdout));
    }
}

#[test]
fn human() {
    snapshot_format("human");
    let broken = check("human", "testdata/terraform/cses-broken").stdout;
    for needle in [
        "NSG001/intra-subnet-rdp-blocked",
        "denies TCP 3389, 20000 between instances of `roles`",
        "NSG `nsg-roles` is associated here",
        "witness: TCP 10.1.0.4:49152 → 10.1.0.5:20000 denied by `DenyAll`",
        "priority                   = 350",
        "nsgate: 1 error, 0 warnings, 0 notes in 1 root (1 input)",
        "coverage: evaluated 1 NSG (0 unattached), 3 rules, 1 subnet, 0 network interfaces; 0 unknown values; 0 suppressed, 0 baselined",
    ] {
        assert!(broken.contains(needle), "missing {needle:?} in\n{broken}");
    }
    let error = check("human", "testdata/terraform/syntax-error").stdout;
    assert!(error.contains("1 input or configuration error"), "{error}");
}

#[test]
fn compact() {
    snapshot_format("compact");
    let out = check("compact", "testdata/terraform/cses-broken").stdout;
    assert!(out.starts_with("testdata/terraform/cses-broken/main.tf:53:3: error[NSG001] "));
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn json() {
    snapshot_format("json");
    let out = check("json", "testdata/terraform/cses-broken").stdout;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    let f = &v["findings"][0];
    assert_eq!(f["policy"], "NSG001");
    assert_eq!(f["location"]["start"]["line"], 53);
    let ports: Vec<_> = f["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["destination_port"].as_u64().unwrap())
        .collect();
    assert_eq!(ports, [3389, 20000], "a witness per failing port");
    assert_eq!(v["summary"]["error"], 1);
    // An input error is in the report, not lost.
    let err: serde_json::Value =
        serde_json::from_str(&check("json", "testdata/terraform/syntax-error").stdout).unwrap();
    assert_eq!(err["errors"].as_array().unwrap().len(), 1);
}

#[test]
fn sarif() {
    snapshot_format("sarif");
    let out = check("sarif", "testdata/terraform/cses-broken").stdout;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(
        rules.len(),
        nsgate::policy::builtin::BUILTINS.len(),
        "every policy that ran"
    );
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "NSG001");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "NSG001"
    );
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 53);
    assert_eq!(region["startColumn"], 3);
    assert!(result["partialFingerprints"]["nsgateFingerprint/v1"].is_string());
    // The synthetic default rules are described, never given as an artifact.
    assert!(!out.contains("azure-default-rules"));
    assert!(result["message"]["text"]
        .as_str()
        .unwrap()
        .contains("Azure default rule `AllowVnetInBound`"));
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    // The rule help is exactly what `explain` prints.
    let explain = nsgate(&["explain", "NSG001"]).stdout;
    assert_eq!(rules[0]["help"]["text"], explain.as_str());

    let err: serde_json::Value =
        serde_json::from_str(&check("sarif", "testdata/terraform/syntax-error").stdout).unwrap();
    let inv = &err["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert_eq!(inv["toolExecutionNotifications"][0]["level"], "error");
}

#[test]
fn junit() {
    snapshot_format("junit");
    let out = check("junit", "testdata/terraform/cses-broken").stdout;
    let suites = format!(
        "<testsuites name=\"nsgate\" tests=\"{}\" failures=\"1\" errors=\"0\"",
        nsgate::policy::builtin::BUILTINS.len()
    );
    assert!(out.contains(&suites), "{out}");
    assert!(out.contains(
        "<testcase classname=\"NSG001 intra-subnet-rdp-blocked\" name=\"azurerm_network_security_group.roles\""
    ));
    assert!(out.contains("message=\"testdata/terraform/cses-broken/main.tf:53:3: RDP between"));
    assert!(
        out.contains("&lt;azure-default-rules&gt;"),
        "text is escaped"
    );
    let err = check("junit", "testdata/terraform/syntax-error").stdout;
    assert!(err.contains("<error type=\"input\""));
}

#[test]
fn github() {
    snapshot_format("github");
    let out = check("github", "testdata/terraform/cses-broken").stdout;
    assert!(out.starts_with(
        "::error file=testdata/terraform/cses-broken/main.tf,line=53,endLine=63,title=NSG001 intra-subnet-rdp-blocked::RDP between"
    ));
    assert_eq!(out.lines().count(), 1, "multi-line messages are escaped");
    assert!(out.contains("%0Afix: add an Allow rule"));
    let warn = check("github", "testdata/terraform/inline-vnet-subnets").stdout;
    assert!(warn.lines().all(|l| l.starts_with("::warning ")));
    let note = check("github", "testdata/terraform/remote-module").stdout;
    assert!(note.lines().any(|l| l.starts_with("::notice ")));
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    for format in FORMATS {
        for (_, path, _) in SCENARIOS {
            let a = check(format, path).stdout;
            let b = check(format, path).stdout;
            assert!(a == b, "{format} {path}: two runs differ");
        }
    }
}

#[test]
fn exit_codes_follow_fail_on() {
    let code = |args: &[&str]| nsgate(args).code;
    // 0 clean, 1 findings, 2 tool error.
    assert_eq!(code(&["check", "testdata/terraform/cses-fixed"]), 0);
    assert_eq!(code(&["check", "testdata/terraform/cses-broken"]), 1);
    assert_eq!(code(&["check", "testdata/terraform/syntax-error"]), 2);
    assert_eq!(code(&["check", "testdata/terraform/does-not-exist"]), 2);
    // Warnings only.
    let warnings = "testdata/terraform/inline-vnet-subnets";
    assert_eq!(code(&["check", warnings]), 0);
    assert_eq!(code(&["check", "--fail-on", "error", warnings]), 0);
    assert_eq!(code(&["check", "--fail-on", "warning", warnings]), 1);
    assert_eq!(code(&["check", "--fail-on", "note", warnings]), 1);
    assert_eq!(code(&["check", "--fail-on", "never", warnings]), 0);
    // A note alone fails only at --fail-on note.
    let note = [
        "check",
        "--only",
        "NSG030",
        "testdata/terraform/remote-module",
    ];
    let out = nsgate(&[&note[..], &["--format", "compact"]].concat());
    assert!(out.stdout.contains("note[NSG030]"), "{}", out.stdout);
    assert_eq!(code(&[&note[..], &["--fail-on", "note"]].concat()), 1);
    assert_eq!(code(&note), 0);
    // Errors: never hides findings, never hides tool errors.
    let broken = "testdata/terraform/cses-broken";
    assert_eq!(code(&["check", "--fail-on", "never", broken]), 0);
    assert_eq!(code(&["check", "--fail-on", "warning", broken]), 1);
    assert_eq!(
        code(&[
            "check",
            "--fail-on",
            "never",
            "testdata/terraform/syntax-error"
        ]),
        2
    );
    // Bad arguments: an unknown policy ID is a tool error; clap's usage errors exit with 2.
    assert_eq!(code(&["check", "--only", "NSG999", broken]), 2);
    let usage = nsgate::cli::Cli::try_parse_from(["nsgate", "check", "--format", "xml"]);
    assert_eq!(usage.unwrap_err().exit_code(), 2);
    let usage = nsgate::cli::Cli::try_parse_from(["nsgate", "check", "--fail-on", "sometimes"]);
    assert_eq!(usage.unwrap_err().exit_code(), 2);
}

#[test]
fn an_input_error_still_reports_the_other_inputs() {
    let out = nsgate(&[
        "check",
        "--format",
        "compact",
        "testdata/terraform/syntax-error",
        "testdata/terraform/cses-broken",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("error[nsgate] syntax error"));
    assert!(out.stdout.contains("error[NSG001]"));
}

#[test]
fn output_file_gets_the_report_without_colour() {
    for format in FORMATS {
        let file = temp_path(&format!("report.{format}"));
        let terminal = Env {
            terminal: true,
            ..Env::default()
        };
        let out = nsgate_with(
            &[
                "check",
                "--format",
                format,
                "--output",
                file.to_str().unwrap(),
                "testdata/terraform/cses-broken",
            ],
            &terminal,
        );
        assert_eq!(out.code, 1);
        assert_eq!(out.stdout, "", "{format}: nothing on stdout with --output");
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(!written.contains('\u{1b}'), "{format}: colour in a file");
        assert_eq!(
            written,
            check(format, "testdata/terraform/cses-broken").stdout,
            "{format}: the file holds the same report"
        );
        std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
    }
    // An unwritable output is a tool error, with the reason on stderr.
    let out = nsgate(&[
        "check",
        "--output",
        "testdata/no-such-dir/report.txt",
        "testdata/terraform/cses-fixed",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot write"), "{}", out.stderr);
}

#[test]
fn human_colour_only_on_a_terminal_without_no_color() {
    let args = ["check", "testdata/terraform/cses-broken"];
    let run = |terminal: bool, vars: &[(&str, &str)]| {
        nsgate_with(
            &args,
            &Env {
                terminal,
                vars: vars
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Env::default()
            },
        )
        .stdout
    };
    assert!(run(true, &[]).contains("\u{1b}["), "colour on a terminal");
    assert!(!run(false, &[]).contains('\u{1b}'), "no colour to a pipe");
    assert!(!run(true, &[("NO_COLOR", "1")]).contains('\u{1b}'));
    // NO_COLOR counts only when set to something (no-color.org).
    assert!(run(true, &[("NO_COLOR", "")]).contains("\u{1b}["));
    // Machine formats never colour, even on a terminal.
    for format in ["compact", "json", "sarif", "junit", "github"] {
        let out = nsgate_with(
            &[
                "check",
                "--format",
                format,
                "testdata/terraform/cses-broken",
            ],
            &Env {
                terminal: true,
                ..Env::default()
            },
        );
        assert!(!out.stdout.contains('\u{1b}'), "{format}");
    }
}

/// `nsgate:ignore` comments are honoured on standard input as in the file it came from.
#[test]
fn suppressions_are_read_from_standard_input() {
    let dir = "testdata/terraform/suppressed";
    let text = std::fs::read_to_string(format!("{dir}/main.tf")).unwrap();
    let summary = |args: &[&str], stdin: &str| {
        let out = nsgate_with(
            args,
            &Env {
                stdin: stdin.to_string(),
                ..Env::default()
            },
        );
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let policies: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["policy"].as_str().unwrap().to_string())
            .collect();
        (policies, doc["coverage"]["suppressed"].clone())
    };
    let from_file = summary(&["check", "--format", "json", dir], "");
    let from_stdin = summary(&["check", "--format", "json", "-"], &text);
    assert_eq!(from_stdin, from_file);
    assert_eq!(from_stdin.1, 1, "{from_stdin:?}");
}

/// Bicep on standard input (an editor piping its buffer) is read as Bicep: the same findings
/// as from the file, a fix written in Bicep, and Bicep comments as suppressions.
#[test]
fn bicep_is_read_from_standard_input() {
    let check = |args: &[&str], stdin: &str| {
        let out = nsgate_with(
            args,
            &Env {
                stdin: stdin.to_string(),
                ..Env::default()
            },
        );
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let policies: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["policy"].as_str().unwrap().to_string())
            .collect();
        (
            out.code,
            policies,
            doc["coverage"]["suppressed"].clone(),
            doc,
        )
    };
    for case in ["seed-broken", "seed-suppressed"] {
        let dir = format!("testdata/bicep/{case}");
        let text = std::fs::read_to_string(format!("{dir}/main.bicep")).unwrap();
        let file = check(&["check", "--format", "json", &dir], "");
        let stdin = check(&["check", "--format", "json", "-"], &text);
        assert_eq!(
            (&stdin.0, &stdin.1, &stdin.2),
            (&file.0, &file.1, &file.2),
            "{case}"
        );
    }
    let text = std::fs::read_to_string("testdata/bicep/seed-broken/main.bicep").unwrap();
    let (_, _, _, doc) = check(&["check", "--format", "json", "-"], &text);
    let fix = doc["findings"][0]["fix"]["snippet"]
        .as_str()
        .unwrap_or_default();
    assert!(fix.contains("name: 'AllowInstances'"), "{doc}");
}

#[test]
fn plan_gate_reads_standard_input() {
    // `terraform show -json plan.tfplan | nsgate check -`
    let plan = std::fs::read_to_string("testdata/plan/incident-broken/plan.json").unwrap();
    let stdin = |format: &str| {
        nsgate_with(
            &["check", "--format", format, "-"],
            &Env {
                stdin: plan.clone(),
                ..Env::default()
            },
        )
    };
    let out = stdin("compact");
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("<stdin>:"), "{}", out.stdout);
    assert!(out.stdout.contains("error[NSG001]"));
    // Formats that hand paths to other tools never name `<stdin>` as a file.
    let sarif = stdin("sarif").stdout;
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "NSG001");
    assert!(!sarif.contains("\"uri\": \"%3Cstdin"), "{sarif}");
    assert!(!stdin("github").stdout.contains("file="));
    insta::assert_snapshot!("sarif__stdin-plan", redact_version(&sarif));
    // Not a plan, template or Terraform: exit 2.
    let junk = nsgate_with(
        &["check", "-"],
        &Env {
            stdin: "hello".into(),
            ..Env::default()
        },
    );
    assert_eq!(junk.code, 2);
}

#[test]
fn flow_prints_each_hop_and_the_verdict() {
    let broken = nsgate(&[
        "flow",
        "--from",
        "10.1.0.4",
        "--to",
        "10.1.0.5:20000",
        "testdata/terraform/cses-broken",
    ]);
    assert_eq!(broken.code, 1);
    assert!(broken.stdout.contains(
        "Deny by `DenyAll` (priority 400) at testdata/terraform/cses-broken/main.tf:53:3"
    ));
    assert!(broken.stdout.contains("verdict: Deny"));
    insta::assert_snapshot!("flow__cses-broken-20000", broken.stdout);
    let fixed = nsgate(&[
        "flow",
        "--from",
        "10.1.0.4:49152",
        "--to",
        "10.1.0.5:20000",
        "--protocol",
        "tcp",
        "testdata/terraform/cses-fixed",
    ]);
    assert_eq!(fixed.code, 0);
    assert!(fixed.stdout.contains("verdict: Allow"));
    insta::assert_snapshot!("flow__cses-fixed-20000", fixed.stdout);
    // Bad endpoints are usage errors.
    let bad = nsgate(&["flow", "--from", "nowhere", "--to", "10.1.0.5:1", "."]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--from and --to"));
    let portless = nsgate(&["flow", "--from", "10.1.0.4", "--to", "10.1.0.5", "."]);
    assert_eq!(portless.code, 2);
}

const FLOW_CASE: &str = "testdata/flow/paths";

fn flow_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(common::root().join("schema/flow-v2.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::meta::validate(&schema).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// One flow query in both formats: the human text and the JSON snapshotted, the JSON checked
/// against its schema, and the exit code the same in both.
fn flow_both(name: &str, args: &[&str], env: &Env) -> (common::Output, serde_json::Value) {
    let mut human_args = vec!["flow"];
    human_args.extend_from_slice(args);
    let human = nsgate_with(&human_args, env);
    let mut json_args = human_args.clone();
    json_args.extend_from_slice(&["--format", "json"]);
    let json = nsgate_with(&json_args, env);
    assert_eq!(human.code, json.code, "{name}: exit codes differ");
    assert_eq!(json.stderr, "", "{name}");
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let validator = flow_validator();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{name}: {errors:?}");
    insta::assert_snapshot!(format!("flow__{name}"), human.stdout);
    insta::assert_snapshot!(format!("flow__{name}.json"), json.stdout);
    (human, doc)
}

#[test]
fn flow_icmp_is_evaluated_and_ports_do_not_apply() {
    let (out, doc) = flow_both(
        "icmp",
        &[
            "--from",
            "10.1.0.4",
            "--to",
            "10.1.1.5",
            "--protocol",
            "icmp",
            FLOW_CASE,
        ],
        &Env::default(),
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("Deny by `DenyIcmp`"), "{}", out.stdout);
    assert_eq!(doc["verdict"], "deny");
    let ported = nsgate(&[
        "flow",
        "--from",
        "10.1.0.4",
        "--to",
        "10.1.1.5:7",
        "--protocol",
        "icmp",
        FLOW_CASE,
    ]);
    assert_eq!(ported.code, 2);
    assert!(
        ported.stderr.contains("ports do not apply to ICMP"),
        "{}",
        ported.stderr
    );
}

#[test]
fn flow_any_covers_every_protocol() {
    let (out, doc) = flow_both(
        "any",
        &[
            "--from",
            "10.1.0.4",
            "--to",
            "10.1.1.5:443",
            "--protocol",
            "any",
            FLOW_CASE,
        ],
        &Env::default(),
    );
    assert_eq!(out.code, 1, "ICMP is denied");
    let verdicts: Vec<(String, String)> = doc["roots"][0]["protocols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["protocol"].as_str().unwrap().to_string(),
                p["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(verdicts.len(), 5);
    assert!(verdicts.contains(&("icmp".into(), "deny".into())));
    assert!(verdicts.contains(&("tcp".into(), "allow".into())));
    assert_eq!(doc["verdict"], "mixed");
}

#[test]
fn flow_indeterminate_hop_names_what_it_depends_on() {
    let (out, doc) = flow_both(
        "indeterminate",
        &["--from", "10.1.0.4", "--to", "10.1.1.5:22", FLOW_CASE],
        &Env::default(),
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("indeterminate: depends on variable `jump_host`"),
        "{}",
        out.stdout
    );
    assert_eq!(doc["roots"][0]["protocols"][0]["verdict"], "indeterminate");
    // The same flow with the variable given is decided.
    let given = nsgate(&[
        "flow",
        "--from",
        "10.1.0.4",
        "--to",
        "10.1.1.5:22",
        "--var",
        "jump_host=10.1.0.4",
        FLOW_CASE,
    ]);
    assert_eq!(given.code, 0, "{}", given.stdout);
}

#[test]
fn flow_denied_under_every_reading_of_an_unknown_is_denied() {
    // Whether 192.168.1.10 is in VirtualNetwork is unknown offline; either way it is denied.
    let (out, _) = flow_both(
        "correlated-unknown",
        &["--from", "10.1.2.4", "--to", "192.168.1.10:443", FLOW_CASE],
        &Env::default(),
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("verdict: Deny"), "{}", out.stdout);
}

/// One input value used by several rules is one unknown (issue 15): `DenyAdminRdp` and
/// `AllowAdminRdp` both name it, so RDP from anywhere is denied whatever its value. SSH is
/// allowed by a range *derived* from it, another unknown: indeterminate.
#[test]
fn flow_one_unknown_used_twice_is_one_variable_and_a_derived_one_is_another() {
    for (name, dir) in [
        (
            "unknown-used-twice-tf",
            "testdata/terraform/unknown-variable-used-twice",
        ),
        (
            "unknown-used-twice-arm",
            "testdata/arm/unknown-parameter-used-twice",
        ),
    ] {
        let rdp = ["--from", "203.0.113.5", "--to", "10.6.1.4:3389", dir];
        let (out, _) = flow_both(&format!("{name}-rdp"), &rdp, &Env::default());
        assert_eq!(out.code, 1, "{}", out.stdout);
        assert!(out.stdout.contains("verdict: Deny"), "{}", out.stdout);
        let ssh = ["--from", "203.0.113.5", "--to", "10.6.1.4:22", dir];
        let (out, _) = flow_both(&format!("{name}-ssh"), &ssh, &Env::default());
        assert_eq!(out.code, 1, "{}", out.stdout);
        assert!(
            out.stdout.contains("verdict: Indeterminate"),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn flow_outside_every_subnet_says_which_hops_are_not_evaluated() {
    let (out, doc) = flow_both(
        "outside",
        &["--from", "203.0.113.7", "--to", "10.1.1.5:443", FLOW_CASE],
        &Env::default(),
    );
    assert!(
        out.stdout
            .contains("203.0.113.7 is outside every subnet of the input"),
        "{}",
        out.stdout
    );
    assert_eq!(doc["roots"][0]["source"]["kind"], "outside");
    assert_eq!(
        doc["roots"][0]["protocols"][0]["hops"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn flow_reads_standard_input() {
    let template = std::fs::read_to_string("testdata/plan/incident-broken/plan.json").unwrap();
    let env = Env {
        stdin: template,
        ..Env::default()
    };
    let (out, _) = flow_both(
        "stdin",
        &["--from", "10.1.0.4", "--to", "10.1.0.5:20000", "-"],
        &env,
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("at <stdin>:"), "{}", out.stdout);
}

const ROOTS_CASE: &str = "testdata/flow/roots";

#[test]
fn flow_answers_each_root_on_its_own() {
    // dev denies RDP from the jump subnet, prod allows it: two answers, never one merged
    // network; `other` holds neither address and is named, not answered.
    let (out, doc) = flow_both(
        "roots",
        &["--from", "10.20.0.4", "--to", "10.20.1.5:3389", ROOTS_CASE],
        &Env::default(),
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    let answers: Vec<(String, String)> = doc["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["root"].as_str().unwrap();
            let name = name.rsplit('/').next().unwrap().to_string();
            (name, r["verdict"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        answers,
        [
            ("dev".into(), "deny".into()),
            ("prod".into(), "allow".into())
        ]
    );
    assert_eq!(doc["verdict"], "mixed");
    assert_eq!(doc["off_path"].as_array().unwrap().len(), 1);

    // --root picks one answer; its exit code is that root's.
    let prod = nsgate(&[
        "flow",
        "--from",
        "10.20.0.4",
        "--to",
        "10.20.1.5:3389",
        "--root",
        &format!("{ROOTS_CASE}/prod"),
        ROOTS_CASE,
    ]);
    assert_eq!(prod.code, 0, "{}{}", prod.stdout, prod.stderr);
    assert!(!prod.stdout.contains("nsg-vms-dev"), "{}", prod.stdout);
    let unknown = nsgate(&[
        "flow",
        "--from",
        "10.20.0.4",
        "--to",
        "10.20.1.5:3389",
        "--root",
        "nope",
        ROOTS_CASE,
    ]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("--root nope"), "{}", unknown.stderr);

    // A flow no root holds passes no NSG of the input, and says so.
    let (none, doc) = flow_both(
        "roots-none",
        &[
            "--from",
            "192.0.2.1",
            "--to",
            "198.51.100.1:3389",
            ROOTS_CASE,
        ],
        &Env::default(),
    );
    assert_eq!(none.code, 0);
    assert!(doc["roots"].as_array().unwrap().is_empty());
    assert_eq!(doc["off_path"].as_array().unwrap().len(), 3);
}

#[test]
fn flow_reads_an_address_as_a_dynamic_nic_too() {
    // 10.1.1.9 is no NIC's static address, but it may be nic-db's dynamic one, whose NSG
    // denies 5432: as a plain host it is allowed, as nic-db denied, so the verdict is
    // indeterminate (exit 1), with both readings shown.
    let case = "testdata/flow/dynamic-nic";
    let (out, doc) = flow_both(
        "dynamic-nic",
        &["--from", "10.1.1.4", "--to", "10.1.1.9:5432", case],
        &Env::default(),
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    let p = &doc["roots"][0]["protocols"][0];
    assert_eq!(p["verdict"], "indeterminate");
    let readings: Vec<(&str, &str)> = p["alternatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["endpoint"].as_str().unwrap(),
                a["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(readings, [("source", "allow"), ("destination", "deny")]);
    // On 443 every reading allows: the verdict stands.
    let open = nsgate(&["flow", "--from", "10.1.1.4", "--to", "10.1.1.9:443", case]);
    assert_eq!(open.code, 0, "{}", open.stdout);
}

#[test]
fn policies_lists_the_builtins() {
    let out = nsgate(&["policies"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout.lines().count(),
        nsgate::policy::builtin::BUILTINS.len()
    );
    assert!(out
        .stdout
        .starts_with("NSG001   intra-subnet-rdp-blocked   error    RDP"));
    insta::assert_snapshot!("policies", out.stdout);
}

#[test]
fn explain_prints_summary_why_and_fix() {
    let out = nsgate(&["explain", "NSG001"]);
    assert_eq!(out.code, 0);
    for needle in [
        "NSG001 intra-subnet-rdp-blocked",
        "\nWhy\n",
        "\nFix\n",
        "20000",
    ] {
        assert!(out.stdout.contains(needle), "{needle:?}");
    }
    insta::assert_snapshot!("explain__NSG001", out.stdout);
    // By name too; unknown IDs are a tool error.
    assert_eq!(
        nsgate(&["explain", "intra-subnet-rdp-blocked"]).stdout,
        out.stdout
    );
    let unknown = nsgate(&["explain", "NSG999"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("NSG999"));
}

/// Suppressed and baselined findings are not reported, but SARIF lists them as suppressed
/// results (code scanning shows them dismissed) and every format counts them (issue 10).
#[test]
fn sarif_lists_suppressed_and_baselined_findings_as_suppressed() {
    let out = check("sarif", "testdata/terraform/suppressed");
    let log: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let run = &log["runs"][0];
    let suppressed: Vec<&serde_json::Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert!(!suppressed.is_empty(), "{}", out.stdout);
    for r in &suppressed {
        assert_eq!(r["suppressions"][0]["kind"], "inSource");
    }
    assert_eq!(
        run["properties"]["nsgate/coverage"]["suppressed"],
        suppressed.len()
    );
    let json: serde_json::Value =
        serde_json::from_str(&check("json", "testdata/terraform/suppressed").stdout).unwrap();
    assert_eq!(json["coverage"]["suppressed"], suppressed.len());
    assert!(check("human", "testdata/terraform/suppressed")
        .stdout
        .contains(&format!("{} suppressed", suppressed.len())));

    let dir = std::env::temp_dir().join(format!("nsgate-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = dir.join("baseline.json");
    let path = "testdata/terraform/cses-broken";
    let written = nsgate(&[
        "check",
        "--write-baseline",
        baseline.to_str().unwrap(),
        path,
    ]);
    assert_eq!(written.code, 1);
    let out = nsgate(&[
        "check",
        "--format",
        "sarif",
        "--baseline",
        baseline.to_str().unwrap(),
        path,
    ]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let log: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["suppressions"][0]["kind"], "external");
    assert_eq!(
        log["runs"][0]["properties"]["nsgate/coverage"]["baselined"],
        1
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn flow_shows_the_admin_hop_and_its_deciding_rule() {
    // An admin AlwaysAllow takes the flow past the NSG whose DenyAll would deny it.
    let (out, doc) = flow_both(
        "admin-always-allow",
        &[
            "--from",
            "10.1.0.4",
            "--to",
            "10.1.0.5:20000",
            "testdata/terraform/admin-always-allow",
        ],
        &Env::default(),
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out
        .stdout
        .contains("AlwaysAllow (NSGs not consulted) by admin rule `InstancesRdp`"));
    let hops = doc["roots"][0]["protocols"][0]["hops"].as_array().unwrap();
    assert!(
        hops.iter()
            .any(|h| h["hop"] == "destination-admin"
                && h["decided_by"][0]["action"] == "always-allow")
    );
    assert!(hops
        .iter()
        .any(|h| h["hop"] == "destination-subnet" && h["outcome"] == "bypassed"));
    // An admin Deny drops the flow before the NSG that allows it.
    let (out, _) = flow_both(
        "admin-deny",
        &[
            "--from",
            "203.0.113.7",
            "--to",
            "10.20.1.5:3389",
            "testdata/terraform/admin-deny-closes-rdp",
        ],
        &Env::default(),
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("Deny by admin rule `DenyRdpInbound`"),
        "{}",
        out.stdout
    );
}

#[test]
fn flow_shows_the_admin_hop_from_arm_azapi_and_bicep() {
    // The same admin Deny on 3389, written as an ARM template, with azapi and in Bicep: each
    // drops the flow before the NSG that allows it, naming the rule and where it is written.
    for (name, dir, file) in [
        (
            "admin-deny-arm",
            "testdata/arm/admin-deny-closes-rdp",
            "azuredeploy.json",
        ),
        (
            "admin-deny-azapi",
            "testdata/terraform/admin-azapi-deny-closes-rdp",
            "main.tf",
        ),
        (
            "admin-deny-bicep",
            "testdata/bicep/admin-deny-closes-rdp",
            "main.bicep",
        ),
    ] {
        let (out, doc) = flow_both(
            name,
            &["--from", "203.0.113.7", "--to", "10.20.1.5:3389", dir],
            &Env::default(),
        );
        assert_eq!(out.code, 1, "{name}: {}", out.stdout);
        assert!(
            out.stdout.contains(&format!(
                "Deny by admin rule `DenyRdpInbound` (priority 10) at {dir}/{file}:"
            )),
            "{name}: {}",
            out.stdout
        );
        let hops = doc["roots"][0]["protocols"][0]["hops"].as_array().unwrap();
        assert!(
            hops.iter()
                .any(|h| h["hop"] == "destination-admin" && h["decided_by"][0]["action"] == "deny"),
            "{name}: {doc}"
        );
    }
}
