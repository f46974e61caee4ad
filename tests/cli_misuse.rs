//! Command-line misuse is an error (exit 2, a clear message), and baselines fail closed
//! (issue 10, item 7).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::nsgate;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nsgate-misuse-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn only_and_skip_that_leave_nothing_to_run_are_an_error() {
    let out = nsgate(&[
        "check",
        "--only",
        "NSG002",
        "--skip",
        "nsg002",
        "testdata/terraform/asgs",
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stdout.contains("leave no policy to run"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_missing_var_file_or_parameters_file_is_an_error_for_any_input() {
    for (flag, input) in [
        ("--var-file", "testdata/arm/nic-nsg"),
        ("--parameters", "testdata/terraform/asgs"),
    ] {
        let out = nsgate(&["check", flag, "testdata/no-such-file", input]);
        assert_eq!(out.code, 2, "{flag}: {}", out.stdout);
        assert!(
            out.stdout.contains("no such file"),
            "{flag}: {}",
            out.stdout
        );
    }
}

#[test]
fn a_run_that_exits_2_leaves_the_baseline_untouched() {
    let dir = scratch("baseline");
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, "untouched").unwrap();
    let out = nsgate(&[
        "check",
        "--write-baseline",
        baseline.to_str().unwrap(),
        "testdata/terraform/syntax-error",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("not written"), "{}", out.stdout);
    assert_eq!(std::fs::read_to_string(&baseline).unwrap(), "untouched");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn widening_a_baselined_exposure_is_a_new_finding() {
    let dir = scratch("widen");
    let narrow = std::fs::read_to_string("testdata/terraform/unattached-nsg/main.tf")
        .unwrap()
        .replace(
            "source_address_prefix      = \"*\"",
            "source_address_prefix      = \"203.0.113.10\"",
        );
    let tf = dir.join("main.tf");
    std::fs::write(&tf, &narrow).unwrap();
    let baseline = dir.join("baseline.json");
    let (b, d) = (baseline.to_str().unwrap(), dir.to_str().unwrap());
    // One admin address is a note (exposure by size, nsg-semantics §2.4); it is baselined too.
    assert_eq!(nsgate(&["check", "--write-baseline", b, d]).code, 0);
    assert_eq!(nsgate(&["check", "--baseline", b, d]).code, 0, "baselined");
    std::fs::write(&tf, narrow.replace("\"203.0.113.10\"", "\"*\"")).unwrap();
    let out = nsgate(&["check", "--format", "compact", "--baseline", b, d]);
    assert_eq!(out.code, 1, "one host widened to * is new: {}", out.stdout);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn workspace_gives_terraform_workspace_its_value() {
    let dir = "testdata/terraform/workspace-prefix";
    let unknown = nsgate(&["check", "--format", "compact", dir]);
    assert!(unknown.stdout.contains("NSG030"), "{}", unknown.stdout);
    let prod = nsgate(&["check", "--format", "compact", "--workspace", "prod", dir]);
    assert!(prod.stdout.contains("error[NSG002]"), "{}", prod.stdout);
    assert_eq!(
        nsgate(&["check", "--workspace", "default", dir]).code,
        0,
        "in `default` the rule matches nothing"
    );
}

#[test]
fn an_errored_plan_is_refused_unless_allowed_and_then_reported() {
    let plan = "testdata/plan/errored";
    assert_eq!(nsgate(&["check", plan]).code, 2);
    let allowed = nsgate(&[
        "check",
        "--format",
        "compact",
        "--allow-incomplete-plan",
        plan,
    ]);
    assert_eq!(allowed.code, 1, "{}", allowed.stdout);
    assert_eq!(allowed.stdout.matches("error[NSG030]").count(), 2);
}
