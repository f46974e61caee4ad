//! Differential test: the set-based evaluator against a naive reference that walks the rules
//! for one flow at a time, written separately from `nsgate::eval` and as plainly as possible.
//!
//! Random networks (two subnets, dual-stack, an optional NIC with its own NSG and ASGs, random
//! rules with v4/v6 prefixes, tags, ASGs, port ranges, protocols, both directions, and
//! occasional unknown values) are evaluated once over the universe of flows; flows sampled on
//! and around every boundary the rules use are then classified by both sides.
//! `PROPTEST_CASES=5000 cargo test --release --test eval_oracle` runs a larger search.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]

use std::net::IpAddr;

use ipnet::IpNet;
use nsgate::eval::compile::Membership;
use nsgate::eval::flowset::{AddrSet, Flow, FlowSet};
use nsgate::eval::fold::RuleRef;
use nsgate::eval::path::{evaluate_path, Endpoint, HopKind};
use nsgate::model::builder::{span, NetworkBuilder, RuleSpec};
use nsgate::model::defaults::default_rules;
use nsgate::model::{
    Access, AddressItem, AsgId, Direction, Link, Network, NicId, Protocol, ProtocolSpec,
    SecurityRule, ServiceTag, Spanned, SubnetId, Val,
};
use proptest::prelude::*;

// ---------------------------------------------------------------- the reference evaluator

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe,
}

fn tri_and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::No, _) | (_, Tri::No) => Tri::No,
        (Tri::Yes, Tri::Yes) => Tri::Yes,
        _ => Tri::Maybe,
    }
}

fn tri_or(items: impl Iterator<Item = Tri>) -> Tri {
    let mut out = Tri::No;
    for t in items {
        match t {
            Tri::Yes => return Tri::Yes,
            Tri::Maybe => out = Tri::Maybe,
            Tri::No => {}
        }
    }
    out
}

fn yes_if(b: bool) -> Tri {
    if b {
        Tri::Yes
    } else {
        Tri::No
    }
}

fn in_nets(addr: IpAddr, nets: &[&str]) -> bool {
    nets.iter()
        .any(|n| n.parse::<IpNet>().unwrap().contains(&addr))
}

fn is_public(addr: IpAddr) -> bool {
    !in_nets(
        addr,
        &[
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "0.0.0.0/8",
            "224.0.0.0/4",
            "240.0.0.0/4",
            "::/128",
            "::1/128",
            "fc00::/7",
            "fe80::/10",
            "ff00::/8",
        ],
    )
}

fn is_private(addr: IpAddr) -> bool {
    in_nets(
        addr,
        &[
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "fc00::/7",
        ],
    )
}

/// Where an NSG is evaluated: the subnet giving VirtualNetwork its meaning, and the ASG
/// memberships of each end (`None`: unknown identity).
struct Place<'a> {
    net: &'a Network,
    subnet: Option<SubnetId>,
    src_asgs: Option<Vec<AsgId>>,
    dst_asgs: Option<Vec<AsgId>>,
}

impl Place<'_> {
    /// (certainly VirtualNetwork, possibly VirtualNetwork).
    fn virtual_network(&self, addr: IpAddr) -> (bool, bool) {
        let mut known = addr == "168.63.129.16".parse::<IpAddr>().unwrap();
        let mut space_unknown = false;
        if let Some(s) = self.subnet.and_then(|s| self.net.subnet(s)) {
            let mut fields: Vec<&Val<IpNet>> = s.prefixes.iter().map(|p| &p.value).collect();
            if let Some(v) = s.vnet.resolved().and_then(|v| self.net.vnet(v)) {
                fields.extend(v.address_space.iter().map(|p| &p.value));
                let me = s.vnet.resolved().unwrap();
                for other in &self.net.vnets {
                    let peered = v
                        .peerings
                        .iter()
                        .any(|p| p.resolved().and_then(|id| self.net.vnet(id)) == Some(other))
                        || other.peerings.iter().any(|p| p.resolved() == Some(me));
                    if peered {
                        fields.extend(other.address_space.iter().map(|p| &p.value));
                    }
                }
            }
            for f in fields {
                match f {
                    Val::Known(n) => known |= n.contains(&addr),
                    Val::Unknown(_) => space_unknown = true,
                }
            }
        }
        (known, known || space_unknown || is_private(addr))
    }

    fn address(&self, item: &Val<AddressItem>, addr: IpAddr, asgs: &Option<Vec<AsgId>>) -> Tri {
        match item {
            Val::Unknown(_) => Tri::Maybe,
            Val::Known(AddressItem::Any) => Tri::Yes,
            Val::Known(AddressItem::Prefix(n)) => yes_if(n.contains(&addr)),
            Val::Known(AddressItem::Tag(tag)) => {
                let (vnet_lo, vnet_hi) = self.virtual_network(addr);
                match tag {
                    ServiceTag::VirtualNetwork => match (vnet_lo, vnet_hi) {
                        (true, _) => Tri::Yes,
                        (false, true) => Tri::Maybe,
                        _ => Tri::No,
                    },
                    ServiceTag::AzureLoadBalancer => {
                        yes_if(addr == "168.63.129.16".parse::<IpAddr>().unwrap())
                    }
                    ServiceTag::Internet => {
                        if !is_public(addr) || vnet_lo {
                            Tri::No
                        } else if vnet_hi {
                            Tri::Maybe
                        } else {
                            Tri::Yes
                        }
                    }
                    ServiceTag::Other(_) => {
                        if is_public(addr) && !vnet_lo {
                            Tri::Maybe
                        } else {
                            Tri::No
                        }
                    }
                }
            }
            Val::Known(AddressItem::Asg(link)) => {
                let Some(id) = link.resolved() else {
                    return Tri::Maybe;
                };
                match asgs {
                    Some(list) => yes_if(list.contains(&id)),
                    None => {
                        let mut out = Tri::No;
                        for ip in self.net.nics.iter().flat_map(|n| n.ip_configs.iter()) {
                            if !ip.asgs.iter().any(|a| a.resolved() == Some(id)) {
                                continue;
                            }
                            match ip.private_ip.as_ref().map(|f| &f.value) {
                                Some(Val::Known(a)) if *a == addr => return Tri::Yes,
                                Some(Val::Known(_)) => {}
                                _ => {
                                    let s = ip
                                        .subnet
                                        .as_ref()
                                        .and_then(|l| l.resolved())
                                        .and_then(|s| self.net.subnet(s));
                                    let inside = s.is_some_and(|s| {
                                        s.prefixes.iter().any(|p| {
                                            p.value.known().is_some_and(|n| n.contains(&addr))
                                        })
                                    });
                                    if inside && addr.is_ipv4() {
                                        out = Tri::Maybe;
                                    }
                                }
                            }
                        }
                        out
                    }
                }
            }
        }
    }

    fn rule_matches(&self, r: &SecurityRule, f: &Flow) -> Tri {
        let proto = match &r.protocol.value {
            Val::Unknown(_) => Tri::Maybe,
            Val::Known(ProtocolSpec::Any) => Tri::Yes,
            Val::Known(ProtocolSpec::Only(p)) => yes_if(*p == f.protocol),
        };
        let portless_rule =
            matches!(r.protocol.value, Val::Known(ProtocolSpec::Only(p)) if !p.has_ports());
        let ports = |spec: &nsgate::model::PortSpec, port: Option<u16>| -> Tri {
            let unknown = spec.items.iter().any(|i| i.value.as_unknown().is_some());
            let known: Vec<_> = spec.items.iter().filter_map(|i| i.value.known()).collect();
            let covers_all = (0u32..=65535).step_by(1).all(|p| {
                known
                    .iter()
                    .any(|r| u32::from(r.lo) <= p && p <= u32::from(r.hi))
            });
            let hit = match (f.protocol.has_ports(), port) {
                (true, Some(p)) => known.iter().any(|r| r.lo <= p && p <= r.hi),
                _ => covers_all || portless_rule,
            };
            if hit {
                Tri::Yes
            } else if unknown {
                Tri::Maybe
            } else {
                Tri::No
            }
        };
        let src = tri_or(
            r.source
                .items
                .iter()
                .map(|i| self.address(&i.value, f.src, &self.src_asgs)),
        );
        let dst = tri_or(
            r.destination
                .items
                .iter()
                .map(|i| self.address(&i.value, f.dst, &self.dst_asgs)),
        );
        [
            ports(&r.source_ports, f.src_port),
            ports(&r.destination_ports, f.dst_port),
            src,
            dst,
        ]
        .into_iter()
        .fold(proto, tri_and)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Allow,
    Deny(HopKind, usize, RuleRef),
    Indeterminate,
}

/// One NSG, one direction, one flow: first match with uncertain rules tracked by the set of
/// accesses they could have given.
fn reference_nsg(
    place: &Place<'_>,
    nsg_index: usize,
    dir: Direction,
    f: &Flow,
) -> Result<(Access, RuleRef), ()> {
    let nsg = &place.net.nsgs[nsg_index];
    let mut first: Vec<(RuleRef, bool)> = Vec::new();
    let mut by_priority: Vec<(u32, usize, bool)> = Vec::new();
    for (i, r) in nsg.rules.iter().enumerate() {
        let p = r.priority.value.known().copied();
        let d = r.direction.value.known().copied();
        match (p, d) {
            (Some(p), Some(d)) if d == dir => by_priority.push((p, i, true)),
            (Some(p), None) => by_priority.push((p, i, false)),
            (None, None) => first.push((RuleRef::User(i), false)),
            (None, Some(d)) if d == dir => first.push((RuleRef::User(i), false)),
            _ => {}
        }
    }
    by_priority.sort();
    let mut walk = first;
    walk.extend(
        by_priority
            .into_iter()
            .map(|(_, i, placed)| (RuleRef::User(i), placed)),
    );
    walk.extend((0..3).map(|i| (RuleRef::Default(dir, i), true)));
    let mut seen_allow = false;
    let mut seen_deny = false;
    for (rule_ref, placed) in walk {
        let rule = match rule_ref {
            RuleRef::User(i) => &nsg.rules[i],
            RuleRef::Default(d, i) => &default_rules(d)[i],
        };
        let mut m = place.rule_matches(rule, f);
        if m == Tri::Yes && !placed {
            m = Tri::Maybe;
        }
        let access = rule.access.value.known().copied();
        let (may_allow, may_deny) = match access {
            Some(Access::Allow) => (true, false),
            Some(Access::Deny) => (false, true),
            None => (true, true),
        };
        match m {
            Tri::No => continue,
            Tri::Maybe => {
                seen_allow |= may_allow;
                seen_deny |= may_deny;
                if seen_allow && seen_deny {
                    return Err(());
                }
            }
            Tri::Yes => {
                let allow = seen_allow || may_allow;
                let deny = seen_deny || may_deny;
                return match (allow, deny) {
                    (true, false) => Ok((Access::Allow, rule_ref)),
                    (false, true) => Ok((Access::Deny, rule_ref)),
                    _ => Err(()),
                };
            }
        }
    }
    Err(())
}

/// The end of a flow as the reference sees it.
#[derive(Debug, Clone)]
struct End {
    subnet: Option<SubnetId>,
    nic: Option<NicId>,
    asgs: Option<Vec<AsgId>>,
}

fn reference_path(net: &Network, src: &End, dst: &End, f: &Flow) -> Verdict {
    let nsg_of = |link: Option<&Link<nsgate::model::NsgId>>| -> Option<Result<usize, ()>> {
        link.map(|l| l.resolved().map(|id| id.0).ok_or(()))
    };
    let subnet_nsg =
        |s: Option<SubnetId>| nsg_of(s.and_then(|s| net.subnet(s)).and_then(|s| s.nsg.as_ref()));
    let nic_nsg =
        |n: Option<NicId>| nsg_of(n.and_then(|n| net.nic(n)).and_then(|n| n.nsg.as_ref()));
    let mut hops = Vec::new();
    if src.nic.is_some() {
        hops.push((HopKind::SourceNic, nic_nsg(src.nic), src.subnet));
    }
    if src.subnet.is_some() {
        hops.push((HopKind::SourceSubnet, subnet_nsg(src.subnet), src.subnet));
    }
    if dst.subnet.is_some() {
        hops.push((
            HopKind::DestinationSubnet,
            subnet_nsg(dst.subnet),
            dst.subnet,
        ));
    }
    if dst.nic.is_some() {
        hops.push((HopKind::DestinationNic, nic_nsg(dst.nic), dst.subnet));
    }
    let mut uncertain = false;
    for (kind, nsg, subnet) in hops {
        let dir = match kind {
            HopKind::SourceNic | HopKind::SourceSubnet => Direction::Outbound,
            _ => Direction::Inbound,
        };
        match nsg {
            None => {}
            Some(Err(())) => uncertain = true,
            Some(Ok(index)) => {
                let place = Place {
                    net,
                    subnet,
                    src_asgs: src.asgs.clone(),
                    dst_asgs: dst.asgs.clone(),
                };
                match reference_nsg(&place, index, dir, f) {
                    Ok((Access::Deny, rule)) => return Verdict::Deny(kind, index, rule),
                    Ok((Access::Allow, _)) => {}
                    Err(()) => uncertain = true,
                }
            }
        }
    }
    if uncertain {
        Verdict::Indeterminate
    } else {
        Verdict::Allow
    }
}

// ---------------------------------------------------------------- random networks

const ADDRESSES: &[&str] = &[
    "*",
    "10.1.0.0/24",
    "10.1.0.0/25",
    "10.1.0.128/25",
    "10.1.0.10",
    "10.1.1.0/24",
    "10.0.0.0/8",
    "172.16.0.0",
    "0.0.0.0/0",
    "8.8.8.0/24",
    "fd00:1::/48",
    "fd00:1:0:1::/64",
    "::/0",
    "2001:db8::/32",
    "VirtualNetwork",
    "AzureLoadBalancer",
    "Internet",
    "Storage",
];
const PORTS: &[&str] = &[
    "*",
    "22",
    "3389",
    "20000",
    "0-1023",
    "1024-65535",
    "3389-3390",
    "65535",
    "0",
    "3389,20000",
    "0-65535",
];
const PROTOCOLS: &[&str] = &["*", "Tcp", "Udp", "Icmp", "Esp", "Ah"];

#[derive(Debug, Clone)]
enum Side {
    Prefixes(Vec<usize>),
    Asgs(Vec<usize>),
    Unknown,
}

#[derive(Debug, Clone)]
struct RandRule {
    priority: Option<u32>,
    direction: Option<bool>,
    access: Option<bool>,
    protocol: Option<usize>,
    src: Side,
    dst: Side,
    src_ports: Option<usize>,
    dst_ports: Option<usize>,
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![
        8 => prop::collection::vec(0..ADDRESSES.len(), 1..3).prop_map(Side::Prefixes),
        2 => prop::collection::vec(0..3usize, 1..3).prop_map(Side::Asgs),
        1 => Just(Side::Unknown),
    ]
}

fn maybe<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Option<T>> {
    prop_oneof![12 => s.prop_map(Some), 1 => Just(None)]
}

fn rand_rule() -> impl Strategy<Value = RandRule> {
    (
        maybe(prop::sample::select(vec![100u32, 150, 200, 300, 4096])),
        maybe(any::<bool>()),
        maybe(any::<bool>()),
        maybe(0..PROTOCOLS.len()),
        side(),
        side(),
        maybe(prop_oneof![4 => Just(0usize), 1 => 0..PORTS.len()]),
        maybe(0..PORTS.len()),
    )
        .prop_map(
            |(priority, direction, access, protocol, src, dst, src_ports, dst_ports)| RandRule {
                priority,
                direction,
                access,
                protocol,
                src,
                dst,
                src_ports,
                dst_ports,
            },
        )
}

fn unknown<T>() -> Val<T> {
    Val::unknown("random unknown", span())
}

fn to_rule(r: &RandRule, i: usize) -> SecurityRule {
    let mut spec = RuleSpec::new(&format!("r{i}"), r.priority.unwrap_or(100));
    spec = if r.direction.unwrap_or(true) {
        spec.inbound()
    } else {
        spec.outbound()
    };
    spec = if r.access.unwrap_or(true) {
        spec.allow()
    } else {
        spec.deny()
    };
    spec = spec.protocol(PROTOCOLS[r.protocol.unwrap_or(0)]);
    spec = spec
        .source_ports(PORTS[r.src_ports.unwrap_or(0)])
        .ports(PORTS[r.dst_ports.unwrap_or(0)]);
    let asg_names = ["g1", "g2", "missing"];
    let join = |ix: &[usize]| {
        ix.iter()
            .map(|i| ADDRESSES[*i])
            .collect::<Vec<_>>()
            .join(",")
    };
    match &r.src {
        Side::Prefixes(ix) => spec = spec.from(&join(ix)),
        Side::Asgs(ix) => {
            spec = spec.from_asgs(&ix.iter().map(|i| asg_names[*i]).collect::<Vec<_>>())
        }
        Side::Unknown => {}
    }
    match &r.dst {
        Side::Prefixes(ix) => spec = spec.to(&join(ix)),
        Side::Asgs(ix) => {
            spec = spec.to_asgs(&ix.iter().map(|i| asg_names[*i]).collect::<Vec<_>>())
        }
        Side::Unknown => {}
    }
    let mut rule = spec.build();
    if r.priority.is_none() {
        rule.priority.value = unknown();
    }
    if r.direction.is_none() {
        rule.direction.value = unknown();
    }
    if r.access.is_none() {
        rule.access.value = unknown();
    }
    if r.protocol.is_none() {
        rule.protocol.value = unknown();
    }
    if matches!(r.src, Side::Unknown) {
        rule.source.items = vec![Spanned::new(unknown(), span())];
    }
    if matches!(r.dst, Side::Unknown) {
        rule.destination.items = vec![Spanned::new(unknown(), span())];
    }
    if r.src_ports.is_none() {
        rule.source_ports
            .items
            .push(Spanned::new(unknown(), span()));
    }
    if r.dst_ports.is_none() {
        rule.destination_ports.items = vec![Spanned::new(unknown(), span())];
    }
    rule
}

#[derive(Debug, Clone)]
struct Case {
    nsgs: Vec<Vec<RandRule>>,
    subnet_nsg: [usize; 2],
    nic_nsg: usize,
    nic_static: bool,
    nic_asgs: Vec<usize>,
    peered: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(prop::collection::vec(rand_rule(), 0..7), 3),
        [0..5usize, 0..5usize],
        0..5usize,
        any::<bool>(),
        prop::collection::vec(0..2usize, 0..3),
        any::<bool>(),
    )
        .prop_map(
            |(nsgs, subnet_nsg, nic_nsg, nic_static, nic_asgs, peered)| Case {
                nsgs,
                subnet_nsg,
                nic_nsg,
                nic_static,
                nic_asgs,
                peered,
            },
        )
}

/// NSG choice: 0..3 = that NSG, 3 = none, 4 = a name that does not resolve.
fn nsg_name(choice: usize) -> Option<&'static str> {
    ["n0", "n1", "n2"]
        .get(choice)
        .copied()
        .or(if choice == 4 { Some("missing") } else { None })
}

fn build(c: &Case) -> Network {
    let mut b = NetworkBuilder::new()
        .vnet("v", &["10.1.0.0/16", "fd00:1::/48"])
        .vnet("p", &["10.2.0.0/16"])
        .asg("g1")
        .asg("g2");
    if c.peered {
        b = b.peer("v", "p");
    }
    for (i, rules) in c.nsgs.iter().enumerate() {
        b = b.nsg(
            &format!("n{i}"),
            rules
                .iter()
                .enumerate()
                .map(|(j, r)| to_rule(r, j))
                .collect(),
        );
    }
    b = b
        .subnet(
            "a",
            "v",
            &["10.1.0.0/24", "fd00:1:0:1::/64"],
            nsg_name(c.subnet_nsg[0]),
        )
        .subnet(
            "b",
            "v",
            &["10.1.1.0/24", "fd00:1:0:2::/64"],
            nsg_name(c.subnet_nsg[1]),
        );
    let asgs: Vec<&str> = c.nic_asgs.iter().map(|i| ["g1", "g2"][*i]).collect();
    b.nic(
        "vm",
        "a",
        c.nic_static.then_some("10.1.0.10"),
        nsg_name(c.nic_nsg),
        &asgs,
    )
    .build()
}

const FLOW_ADDRS: &[&str] = &[
    "10.1.0.0",
    "10.1.0.4",
    "10.1.0.10",
    "10.1.0.127",
    "10.1.0.128",
    "10.1.0.255",
    "10.1.1.5",
    "10.1.255.255",
    "10.2.0.1",
    "10.0.255.255",
    "172.16.0.0",
    "172.16.0.1",
    "8.8.8.8",
    "8.8.7.255",
    "168.63.129.16",
    "192.168.1.1",
    "0.0.0.0",
    "255.255.255.255",
    "fd00:1::1",
    "fd00:1:0:1::5",
    "fd00:1:0:2::1",
    "2001:db8::1",
    "::1",
    "fc00::1",
];
const FLOW_PORTS: &[u16] = &[
    0, 1, 21, 22, 23, 1023, 1024, 3388, 3389, 3390, 3391, 19999, 20000, 20001, 49152, 65535,
];

fn flows() -> impl Strategy<Value = Vec<Flow>> {
    let one = (
        0..5usize,
        0..FLOW_ADDRS.len(),
        0..FLOW_PORTS.len(),
        0..FLOW_ADDRS.len(),
        0..FLOW_PORTS.len(),
    )
        .prop_map(|(p, s, sp, d, dp)| {
            let protocol = Protocol::ALL[p];
            let ported = protocol.has_ports();
            Flow {
                protocol,
                src: FLOW_ADDRS[s].parse().unwrap(),
                src_port: ported.then_some(FLOW_PORTS[sp]),
                dst: FLOW_ADDRS[d].parse().unwrap(),
                dst_port: ported.then_some(FLOW_PORTS[dp]),
            }
        });
    prop::collection::vec(one, 48)
}

/// The endpoints exercised, as the evaluator and as the reference see them.
fn endpoints(net: &Network) -> Vec<(Endpoint, End)> {
    let nic_asgs = {
        let mut v: Vec<AsgId> = net.nics[0].ip_configs[0]
            .asgs
            .iter()
            .filter_map(|a| a.resolved())
            .collect();
        v.sort();
        v
    };
    let mut unknown_identity = Endpoint::external(AddrSet::full(), "any address in subnet a");
    unknown_identity.subnet = Some(SubnetId(0));
    unknown_identity.membership = Membership::Unknown;
    vec![
        (
            Endpoint::subnet_hosts(net, SubnetId(0)),
            End {
                subnet: Some(SubnetId(0)),
                nic: None,
                asgs: Some(vec![]),
            },
        ),
        (
            Endpoint::subnet_hosts(net, SubnetId(1)),
            End {
                subnet: Some(SubnetId(1)),
                nic: None,
                asgs: Some(vec![]),
            },
        ),
        (
            Endpoint::nic(net, NicId(0), 0).unwrap(),
            End {
                subnet: Some(SubnetId(0)),
                nic: Some(NicId(0)),
                asgs: Some(nic_asgs),
            },
        ),
        (
            Endpoint::external(AddrSet::full(), "outside"),
            End {
                subnet: None,
                nic: None,
                asgs: Some(vec![]),
            },
        ),
        (
            unknown_identity,
            End {
                subnet: Some(SubnetId(0)),
                nic: None,
                asgs: None,
            },
        ),
    ]
}

/// Where the evaluator put a flow; exactly one region must hold it.
fn classify(r: &nsgate::eval::PathResult, f: &Flow) -> Verdict {
    let mut found = Vec::new();
    if r.allowed.contains(f) {
        found.push(Verdict::Allow);
    }
    for d in &r.denied {
        if d.region.contains(f) {
            found.push(Verdict::Deny(d.hop, d.nsg.0, d.rule));
        }
    }
    for u in &r.indeterminate {
        if u.region.contains(f) {
            found.push(Verdict::Indeterminate);
        }
    }
    assert_eq!(
        found.len(),
        1,
        "flow {f} is in {} regions: {found:?}",
        found.len()
    );
    found.pop().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn set_evaluator_agrees_with_the_one_flow_reference(c in case(), sample in flows(), src_i in 0..5usize, dst_i in 0..5usize) {
        let net = build(&c);
        let eps = endpoints(&net);
        let (src, src_end) = &eps[src_i];
        let (dst, dst_end) = &eps[dst_i];
        let result = evaluate_path(&net, &FlowSet::universe(), src, dst).unwrap();
        for f in &sample {
            if !src.addresses.contains(f.src) || !dst.addresses.contains(f.dst) || f.src.is_ipv4() != f.dst.is_ipv4() {
                continue;
            }
            let got = classify(&result, f);
            let want = reference_path(&net, src_end, dst_end, f);
            prop_assert_eq!(&got, &want, "flow {} from {} to {}", f, src.label, dst.label);
            // A one-flow query must agree with the universe query.
            let single = evaluate_path(&net, &FlowSet::from_cube(f.to_cube()), src, dst).unwrap();
            prop_assert_eq!(classify(&single, f), want);
        }
    }
}
