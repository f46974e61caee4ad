//! Evaluator speed: `cargo bench --bench eval`.
//!
//! - `fold/1000-rules`: one NSG at Azure's limit (1,000 rules of mixed prefixes, ports and
//!   protocols, in both directions), folded over every flow, per direction; and
//!   `fold/1000-rules-one-direction`, all 1,000 in one direction (target < 5 ms);
//! - `query/5000-nsgs-x-50-rules`: 5,000 subnets, each with its own 50-rule NSG, and the
//!   intra-subnet TCP 3389/20000 query on each (target < 1 s);
//! - `fold/adversarial`: rules built to fragment the remaining region as much as possible;
//!   the size bound (`MAX_CUBES`) keeps memory bounded, and the run reports the largest
//!   region seen.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use nsgate::eval::compile::{Membership, RuleContext};
use nsgate::eval::flowset::{port_set, Cube, FlowSet, ProtoSet};
use nsgate::eval::fold::fold;
use nsgate::eval::path::{evaluate_path, Endpoint};
use nsgate::eval::tags::TagContext;
use nsgate::model::builder::{NetworkBuilder, RuleSpec};
use nsgate::model::{Direction, Network, PortRange, Protocol, SecurityRule, SubnetId};

/// A small deterministic generator (no dependency, same input every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

/// A realistic mix: subnet and host prefixes, tags, single ports, ranges and lists.
fn mixed_rules(count: usize, seed: u64) -> Vec<SecurityRule> {
    mixed_rules_in(count, seed, None)
}

/// `direction`: all rules in it, or (None) each rule in a random direction.
fn mixed_rules_in(count: usize, seed: u64, direction: Option<Direction>) -> Vec<SecurityRule> {
    let mut g = Lcg(seed);
    (0..count)
        .map(|i| {
            let prefix = |g: &mut Lcg| match g.next(6) {
                0 => "*".to_string(),
                1 => "VirtualNetwork".to_string(),
                2 => format!("10.{}.{}.0/24", g.next(4), g.next(256)),
                3 => format!("10.{}.0.0/16", g.next(4)),
                4 => format!("203.0.{}.{}", g.next(256), g.next(256)),
                _ => format!("10.{}.{}.{}/32", g.next(4), g.next(256), g.next(256)),
            };
            let ports = |g: &mut Lcg| match g.next(5) {
                0 => "*".to_string(),
                1 => format!("{}", g.next(65536)),
                2 => {
                    let lo = g.next(60000);
                    format!("{}-{}", lo, lo + g.next(5000))
                }
                3 => format!("{},{}", g.next(65536), g.next(65536)),
                _ => ["22", "80", "443", "3389", "20000"][g.next(5) as usize].to_string(),
            };
            let mut spec = RuleSpec::new(&format!("rule{i}"), 100 + i as u32)
                .protocol(["Tcp", "Udp", "*"][g.next(3) as usize])
                .from(&prefix(&mut g))
                .to(&prefix(&mut g))
                .ports(&ports(&mut g));
            let inbound = match direction {
                Some(d) => d == Direction::Inbound,
                None => g.next(2) == 0,
            };
            spec = if inbound {
                spec.inbound()
            } else {
                spec.outbound()
            };
            spec = if g.next(3) == 0 {
                spec.deny()
            } else {
                spec.allow()
            };
            spec.build()
        })
        .collect()
}

/// Rules whose regions overlap on every dimension at once, at staggered offsets.
fn adversarial_rules(count: usize) -> Vec<SecurityRule> {
    (0..count)
        .map(|i| {
            let sp = (i * 131) % 60000;
            let dp = (i * 977) % 60000;
            RuleSpec::new(&format!("adv{i}"), 100 + i as u32)
                .protocol(if i % 2 == 0 { "Tcp" } else { "Udp" })
                .from(&format!("10.{}.0.0/{}", i % 4, 14 + i % 4))
                .to(&format!(
                    "10.{}.{}.0/{}",
                    (i / 3) % 4,
                    (i * 7) % 256,
                    16 + i % 8
                ))
                .source_ports(&format!("{}-{}", sp, sp + 3000 + (i % 7) * 100))
                .ports(&format!("{}-{}", dp, dp + 500 + (i % 5) * 1000))
                .deny()
                .build()
        })
        .collect()
}

fn one_nsg(rules: Vec<SecurityRule>) -> Network {
    NetworkBuilder::new()
        .vnet("v", &["10.0.0.0/8"])
        .nsg("big", rules)
        .subnet("s", "v", &["10.0.0.0/24"], Some("big"))
        .build()
}

fn fold_universe(n: &Network, direction: Direction) -> usize {
    let tags = TagContext::for_subnet(n, Some(SubnetId(0)));
    let m = Membership::Unknown;
    let ctx = RuleContext {
        network: n,
        tags: &tags,
        source: &m,
        destination: &m,
    };
    let r = fold(&n.nsgs[0], direction, &ctx, FlowSet::universe());
    match r {
        Ok(r) => r
            .decided
            .iter()
            .map(|d| d.region.cubes().len())
            .max()
            .unwrap_or(0),
        Err(_) => usize::MAX,
    }
}

fn many_subnets(subnets: usize, rules_each: usize) -> Network {
    let mut b = NetworkBuilder::new().vnet("v", &["10.0.0.0/8"]);
    for s in 0..subnets {
        let rules = mixed_rules(rules_each, s as u64 + 1);
        let name = format!("nsg{s}");
        b = b.nsg(&name, rules).subnet(
            &format!("s{s}"),
            "v",
            &[&format!("10.{}.{}.0/24", s / 256, s % 256)],
            Some(&name),
        );
    }
    b.build()
}

fn intra_subnet_queries(n: &Network) -> usize {
    let flows = FlowSet::from_cube(Cube {
        protocols: ProtoSet::only(Protocol::Tcp),
        dst_ports: port_set([PortRange::single(3389), PortRange::single(20000)]),
        ..Cube::universe()
    });
    let mut denied = 0;
    for s in 0..n.subnets.len() {
        let hosts = Endpoint::subnet_hosts(n, SubnetId(s));
        let r = evaluate_path(n, &flows, &hosts, &hosts).unwrap();
        denied += r.denied.len();
    }
    denied
}

fn benches(c: &mut Criterion) {
    let big = one_nsg(mixed_rules(1000, 42));
    c.bench_function("fold/1000-rules/inbound", |b| {
        b.iter(|| fold_universe(black_box(&big), Direction::Inbound))
    });
    c.bench_function("fold/1000-rules/outbound", |b| {
        b.iter(|| fold_universe(black_box(&big), Direction::Outbound))
    });

    let one_way = one_nsg(mixed_rules_in(1000, 42, Some(Direction::Inbound)));
    c.bench_function("fold/1000-rules-one-direction", |b| {
        b.iter(|| fold_universe(black_box(&one_way), Direction::Inbound))
    });

    let adversarial = one_nsg(adversarial_rules(1000));
    eprintln!(
        "adversarial: largest decided region = {} cubes (bound {})",
        fold_universe(&adversarial, Direction::Inbound),
        nsgate::eval::flowset::MAX_CUBES
    );
    let mut group = c.benchmark_group("fold/adversarial");
    group.sample_size(10);
    group.bench_function("1000-rules", |b| {
        b.iter(|| fold_universe(black_box(&adversarial), Direction::Inbound))
    });
    group.finish();

    let estate = many_subnets(5000, 50);
    let mut group = c.benchmark_group("query");
    group.sample_size(10);
    group.bench_function("5000-nsgs-x-50-rules", |b| {
        b.iter(|| intra_subnet_queries(black_box(&estate)))
    });
    group.finish();
}

criterion_group!(eval_benches, benches);
criterion_main!(eval_benches);
