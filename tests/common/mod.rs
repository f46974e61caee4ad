//! Running the CLI in-process for integration tests: `nsgate::cli::run` with in-memory
//! standard streams, from the crate's root so the `testdata/…` paths (and the paths in every
//! report and snapshot) are the same on every machine.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Once;

use clap::Parser;

/// What one run printed and returned.
pub struct Output {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// How the process looks to the CLI.
#[derive(Default)]
pub struct Env {
    pub terminal: bool,
    pub vars: Vec<(String, String)>,
    pub stdin: String,
}

/// The crate root: cargo runs integration tests there already; make sure of it once.
pub fn root() -> PathBuf {
    static CD: Once = Once::new();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    CD.call_once(|| std::env::set_current_dir(&root).unwrap());
    root
}

pub fn nsgate(args: &[&str]) -> Output {
    nsgate_with(args, &Env::default())
}

pub fn nsgate_with(args: &[&str], env: &Env) -> Output {
    let cwd = root();
    let cli =
        nsgate::cli::Cli::try_parse_from(std::iter::once("nsgate").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("arguments {args:?} do not parse: {e}"));
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut stdin = env.stdin.as_bytes();
    let code = {
        let mut io = nsgate::cli::Io {
            stdout: &mut stdout,
            stderr: &mut stderr,
            stdin: &mut stdin,
            env: env.vars.clone(),
            stdout_is_terminal: env.terminal,
            cwd,
            exits_after: false,
        };
        nsgate::cli::run(cli, &mut io)
    };
    Output {
        code,
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

/// The scenarios every format is snapshotted over: `(snapshot name, path, exit code)`.
pub const SCENARIOS: &[(&str, &str, u8)] = &[
    // The seed incident: NSG001, with a label in Azure's synthetic default rules.
    ("tf-cses-broken", "testdata/terraform/cses-broken", 1),
    ("tf-cses-fixed", "testdata/terraform/cses-fixed", 0),
    // A finding whose labels are in two files (a local module); RDP from one admin address
    // is a note (nsg-semantics §2.4), so exit 0.
    ("tf-local-module", "testdata/terraform/local-module", 0),
    // Warnings only: exit 0 under the default --fail-on error.
    (
        "tf-inline-vnet-subnets",
        "testdata/terraform/inline-vnet-subnets",
        0,
    ),
    // A note and warnings.
    ("tf-remote-module", "testdata/terraform/remote-module", 0),
    // Input error: exit 2.
    ("tf-syntax-error", "testdata/terraform/syntax-error", 2),
    // A Terraform plan (`terraform show -json`).
    ("plan-incident-broken", "testdata/plan/incident-broken", 1),
    // An ARM template: a warning and a note (RDP from one admin address), so exit 0.
    ("arm-design-example", "testdata/arm/design-example", 0),
];

pub const FORMATS: &[&str] = &["human", "compact", "json", "sarif", "junit", "github"];

/// Reports name the tool's version; snapshots should not change with it.
pub fn redact_version(s: &str) -> String {
    s.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[version]\"",
    )
}

/// A fresh path in the system's temporary directory.
pub fn temp_path(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "nsgate-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A prerequisite of a test (the shared corpus, an installed tool) is missing. Outside CI the
/// test is skipped, saying so on the real standard error (not the captured one, so a reader
/// of `cargo test` sees it even when the test passes); under `CI=true`, where CI provides every
/// prerequisite, it fails: a test never passes by skipping there.
pub fn missing_prerequisite(what: &str) {
    use std::io::Write;
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    assert!(!ci, "prerequisite missing under CI=true: {what}");
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED {}: {what} (this fails under CI=true)",
        std::thread::current().name().unwrap_or("test")
    );
}
