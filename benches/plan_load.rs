//! Loading a large Terraform plan (nsg-semantics §5; issue 6 item 8): 20,000 NSGs with 10
//! inline rules each (200,000 rules), 20,000 subnets and 20,000 subnet–NSG associations, a
//! first deploy linked through `configuration` references (see support/plan_gen.rs).
//!
//! Compares (a) parsing the file into `serde_json::Value` — the reference point — with (b)
//! nsgate's plan front end plus `model::link::link`. The target is (b) ≤ 2 × (a).
//!
//! `PLAN_BENCH_LAYOUT=full|dense` (default dense: `resource_changes` and `configuration`
//! only, ~167 MB; full is what `terraform show -json` writes, ~380 MB) and
//! `PLAN_BENCH_NSGS=N` (default 20000) pick the input. Peak memory is measured on the whole
//! program instead; see examples/plan_bench_file.rs.

#[path = "support/plan_gen.rs"]
mod plan_gen;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use nsgate::frontend::{plan, LoadOptions, Loaded};
use nsgate::source::Sources;

fn bench(c: &mut Criterion) {
    let layout = match std::env::var("PLAN_BENCH_LAYOUT").as_deref() {
        Ok("full") => plan_gen::Layout::Full,
        _ => plan_gen::Layout::Dense,
    };
    let nsgs = std::env::var("PLAN_BENCH_NSGS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let text = plan_gen::generate(&plan_gen::Shape {
        nsgs,
        rules_per_nsg: 10,
        layout,
    });
    eprintln!("plan: {layout:?}, {nsgs} NSGs, {} bytes", text.len());
    let mut group = c.benchmark_group("plan_load");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            v
        })
    });
    group.bench_function("nsgate_load_and_link", |b| {
        b.iter(|| {
            let mut sources = Sources::new();
            let mut out = Loaded::default();
            // The copy stands for reading the file: load_text owns its text.
            plan::load_text(
                "plan.json",
                text.as_str(),
                &LoadOptions::default(),
                &mut sources,
                &mut out,
            );
            nsgate::model::link::link(out.network)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
