//! Write the generated benchmark plan to a file, for measuring peak memory of a whole load:
//!
//! ```text
//! cargo run --release --example plan_bench_file -- /tmp/plan-full.json full
//! /usr/bin/time -v target/release/examples/plan_dump --quiet /tmp/plan-full.json
//! /usr/bin/time -v target/release/examples/plan_dump --quiet --serde /tmp/plan-full.json
//! ```

#[path = "../benches/support/plan_gen.rs"]
mod plan_gen;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .map(String::as_str)
        .unwrap_or("plan-bench.json");
    let layout = match args.get(1).map(String::as_str) {
        Some("dense") => plan_gen::Layout::Dense,
        _ => plan_gen::Layout::Full,
    };
    let nsgs = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let text = plan_gen::generate(&plan_gen::Shape {
        nsgs,
        rules_per_nsg: 10,
        layout,
    });
    if let Err(e) = std::fs::write(path, &text) {
        eprintln!("cannot write {path}: {e}");
        std::process::exit(2);
    }
    eprintln!("wrote {path}: {} bytes", text.len());
}
