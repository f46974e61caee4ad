//! The pre-commit hook end to end (tests/precommit_e2e.sh): a commit of the seed incident's
//! broken Terraform is rejected with NSG001, the fixed one is accepted. Slow (it installs
//! pre-commit from PyPI and builds nsgate in release mode), so it runs with
//! `cargo test -- --include-ignored`, as the README's test command and CI do.

#[test]
#[ignore = "slow: installs pre-commit from PyPI and builds nsgate in release mode"]
fn precommit_hook_rejects_the_broken_commit_and_accepts_the_fix() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/precommit_e2e.sh");
    let status = std::process::Command::new("bash")
        .arg(script)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status();
    match status {
        Ok(s) => assert!(
            s.success(),
            "tests/precommit_e2e.sh failed ({s}); its output is above"
        ),
        Err(e) => panic!("cannot run bash tests/precommit_e2e.sh: {e}"),
    }
}
