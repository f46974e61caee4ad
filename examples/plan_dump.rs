//! Print the linked model of one plan JSON (`cargo run --release --example plan_dump -- FILE`):
//! a debugging aid, and the program the memory figure of benches/plan_load.rs is taken with
//! (`/usr/bin/time -v target/release/examples/plan_dump --quiet FILE`).

use std::path::Path;
use std::process::ExitCode;

use nsgate::frontend::{plan, LoadOptions, Loaded};
use nsgate::source::Sources;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quiet = args.iter().any(|a| a == "--quiet");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: plan_dump [--quiet] FILE");
        return ExitCode::from(2);
    };
    if args.iter().any(|a| a == "--serde") {
        // The reference point: the same file into serde_json::Value.
        let started = std::time::Instant::now();
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        eprintln!(
            "serde_json::Value in {:.3}s ({} top-level keys)",
            started.elapsed().as_secs_f64(),
            value.as_object().map_or(0, |o| o.len())
        );
        return ExitCode::SUCCESS;
    }
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    let started = std::time::Instant::now();
    plan::load(
        Path::new(path),
        &LoadOptions::default(),
        &mut sources,
        &mut out,
    );
    let network = nsgate::model::link::link(out.network);
    let elapsed = started.elapsed();
    for e in &out.errors {
        eprintln!("error: {}: {}", e.path, e.message);
    }
    let rules: usize = network.nsgs.iter().map(|g| g.rules.len()).sum();
    eprintln!(
        "loaded and linked in {:.3}s: {} NSGs, {rules} rules, {} subnets, {} NICs, {} problems",
        elapsed.as_secs_f64(),
        network.nsgs.len(),
        network.subnets.len(),
        network.nics.len(),
        network.problems.len()
    );
    if !quiet {
        print!("{}", nsgate::model::dump::dump(&network, &sources));
    }
    if out.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
