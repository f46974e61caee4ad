//! Never a silent pass (issue 10): on random networks where prefixes, address spaces,
//! associations and rule fields are replaced by unknowns, the outcome is never "no error
//! finding" when some resolution of the unknowns produces an error finding.
//!
//! Each unknown has a few candidate values; every resolution is checked with all built-in
//! policies, and the unresolved network must then have an error finding too (the violation
//! itself, or NSG030 saying it cannot be decided). Longer search:
//! `PROPTEST_CASES=2000 cargo test --release --test fail_closed`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use nsgate::model::builder::{span, NetworkBuilder, RuleSpec};
use nsgate::model::{Field, Link, Network, PortRange, Severity, Spanned, Unknown, Val};
use nsgate::policy::{builtin::builtin_policies, CheckContext};
use nsgate::source::Sources;
use proptest::prelude::*;

/// A field: known, or unknown with the values it may resolve to.
#[derive(Debug, Clone)]
enum Opt<T> {
    Known(T),
    Unknown(Vec<T>),
}

fn opt<T: Clone + std::fmt::Debug + 'static>(values: Vec<T>) -> impl Strategy<Value = Opt<T>> {
    let pick = prop::sample::select(values.clone());
    prop_oneof![
        3 => pick.prop_map(Opt::Known),
        1 => prop::sample::subsequence(values.clone(), 1..=values.len().min(2)).prop_map(Opt::Unknown),
    ]
}

#[derive(Debug, Clone)]
struct RuleCase {
    priority: u32,
    allow: bool,
    source: Opt<&'static str>,
    port: Opt<&'static str>,
    destination: Opt<&'static str>,
}

#[derive(Debug, Clone)]
struct Case {
    space: Opt<&'static str>,
    prefixes: Vec<Opt<&'static str>>,
    /// The subnet's association: attached (true) or none (false).
    attached: Opt<bool>,
    rules: Vec<RuleCase>,
}

fn rule_case() -> impl Strategy<Value = RuleCase> {
    (
        prop::sample::select(vec![100u32, 200, 300]),
        any::<bool>(),
        opt(vec!["*", "Internet", "10.0.0.0/8", "203.0.113.0/24"]),
        opt(vec!["3389", "22", "1000-4000", "443"]),
        opt(vec!["*", "10.0.1.0/24", "10.0.2.0/24", "VirtualNetwork"]),
    )
        .prop_map(|(priority, allow, source, port, destination)| RuleCase {
            priority,
            allow,
            source,
            port,
            destination,
        })
}

fn case() -> impl Strategy<Value = Case> {
    (
        opt(vec!["10.0.0.0/16", "10.0.0.0/8"]),
        prop::collection::vec(opt(vec!["10.0.1.0/24", "10.0.2.0/24"]), 1..=2),
        opt(vec![true, false]),
        prop::collection::vec(rule_case(), 1..=3),
    )
        .prop_map(|(space, prefixes, attached, rules)| Case {
            space,
            prefixes,
            attached,
            rules,
        })
}

fn unknown(what: &str) -> Unknown {
    Unknown::new(format!("{what} is unknown"), span())
}

/// How many unknowns a case has, and the candidate counts of each.
fn unknown_sizes(c: &Case) -> Vec<usize> {
    fn size<T>(o: &Opt<T>) -> Option<usize> {
        match o {
            Opt::Known(_) => None,
            Opt::Unknown(v) => Some(v.len()),
        }
    }
    let mut out = Vec::new();
    out.extend(size(&c.space));
    out.extend(c.prefixes.iter().filter_map(size));
    out.extend(size(&c.attached));
    for r in &c.rules {
        out.extend(size(&r.source));
        out.extend(size(&r.port));
        out.extend(size(&r.destination));
    }
    out
}

/// Resolves the unknowns in order: `choice` gives each one's candidate, or `None` leaves them
/// unknown.
struct Resolver<'a> {
    choice: Option<&'a [usize]>,
    next: usize,
}

impl Resolver<'_> {
    fn get<T: Copy>(&mut self, o: &Opt<T>) -> Option<T> {
        match o {
            Opt::Known(v) => Some(*v),
            Opt::Unknown(vs) => {
                let i = self.next;
                self.next += 1;
                self.choice.map(|c| vs[c[i]])
            }
        }
    }
}

/// Each unknown names its own field: unknowns that are equal are one variable (correlated,
/// nsg-semantics §2.10), which distinct fields of a random case are not.
fn field<T>(v: Option<T>, what: &str) -> Field<T> {
    Spanned::new(
        v.map_or_else(|| Val::from(unknown(what)), Val::Known),
        span(),
    )
}

fn build(c: &Case, choice: Option<&[usize]>) -> Network {
    let mut r = Resolver { choice, next: 0 };
    let space = r.get(&c.space);
    let prefixes: Vec<Option<&str>> = c.prefixes.iter().map(|p| r.get(p)).collect();
    let attached = r.get(&c.attached);
    let mut rules = Vec::new();
    for (i, rc) in c.rules.iter().enumerate() {
        let spec = RuleSpec::new(&format!("R{i}"), rc.priority + i as u32)
            .inbound()
            .tcp();
        let spec = if rc.allow { spec.allow() } else { spec.deny() };
        let (source, port, destination) =
            (r.get(&rc.source), r.get(&rc.port), r.get(&rc.destination));
        let mut rule = spec
            .from(source.unwrap_or("*"))
            .ports(port.unwrap_or("*"))
            .to(destination.unwrap_or("*"))
            .build();
        if source.is_none() {
            rule.source = nsgate::model::AddressSpec::from_items(
                vec![field(None, &format!("source of R{i}"))],
                rule.source.span,
            );
        }
        if destination.is_none() {
            rule.destination = nsgate::model::AddressSpec::from_items(
                vec![field(None, &format!("destination of R{i}"))],
                rule.destination.span,
            );
        }
        if port.is_none() {
            rule.destination_ports.items = vec![field::<PortRange>(None, &format!("port of R{i}"))];
        }
        rules.push(rule);
    }
    let mut net = NetworkBuilder::new()
        .vnet("vnet", &["10.0.0.0/16"])
        .nsg("nsg", rules)
        .subnet("web", "vnet", &["10.0.1.0/24"], Some("nsg"))
        .build();
    net.vnets[0].address_space = vec![field(space.map(|s| s.parse().unwrap()), "address space")];
    net.subnets[0].prefixes = prefixes
        .iter()
        .enumerate()
        .map(|(i, p)| field(p.map(|s| s.parse().unwrap()), &format!("prefix {i}")))
        .collect();
    match attached {
        Some(true) => {}
        Some(false) => net.subnets[0].nsg = None,
        None => net.subnets[0].nsg = Some(Link::from(unknown("association"))),
    }
    net.reindex();
    net
}

/// Whether the built-in policies report an error finding.
fn has_error(net: &Network) -> Option<String> {
    let mut sources = Sources::new();
    let policies = builtin_policies(&mut sources).unwrap();
    let unknown_value = policies
        .iter()
        .find(|p| p.meta.kind == "unknown-value")
        .map(|p| &p.meta);
    let ctx = CheckContext {
        network: net,
        sources: &sources,
        unknown_value,
        rules: &nsgate::eval::compiled::CompiledRules::new(net),
    };
    nsgate::policy::run(&policies, &ctx)
        .into_iter()
        .find(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.policy, f.message))
}

/// Every combination of candidate indices.
fn resolutions(sizes: &[usize]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for &n in sizes {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..n).map(move |i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect();
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn an_unknown_never_hides_an_error_some_resolution_has(c in case()) {
        let sizes = unknown_sizes(&c);
        prop_assume!(!sizes.is_empty() && sizes.iter().product::<usize>() <= 64);
        let failing = resolutions(&sizes)
            .into_iter()
            .find_map(|choice| has_error(&build(&c, Some(&choice))).map(|f| (choice, f)));
        if let Some((choice, finding)) = failing {
            prop_assert!(
                has_error(&build(&c, None)).is_some(),
                "resolution {choice:?} reports `{finding}`, the unresolved network passes"
            );
        }
    }
}
