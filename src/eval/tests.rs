//! nsg-semantics.md §0 (the seed incident) and every §7 row that needs no front end, built in
//! Rust. Rows 12–16 (validation) live beside `model::validate` and `model::values`.

use crate::eval::flowset::{port_set, AddrSet, Cube, Flow, FlowSet, ProtoSet};
use crate::eval::fold::RuleRef;
use crate::eval::intervals::IntervalSet;
use crate::eval::path::{evaluate_path, Endpoint, HopKind, PathResult};
use crate::model::builder::{NetworkBuilder, RuleSpec};
use crate::model::{Network, NicId, PortRange, Protocol, SecurityRule, SubnetId};

const SUBNET: &str = "10.1.0.0/24";

fn seed_rules(fixed: bool) -> Vec<SecurityRule> {
    let mut rules = vec![
        RuleSpec::new("AllowLB", 200)
            .from("AzureLoadBalancer")
            .build(),
        RuleSpec::new("AllowLocalRDP", 300)
            .tcp()
            .from("172.16.0.0")
            .to(SUBNET)
            .ports("3389,20000")
            .build(),
    ];
    if fixed {
        rules.push(
            RuleSpec::new("AllowInstances", 350)
                .tcp()
                .from(SUBNET)
                .to(SUBNET)
                .ports("3389,20000")
                .build(),
        );
    }
    rules.push(RuleSpec::new("DenyAll", 400).deny().build());
    rules
}

fn one_subnet(rules: Option<Vec<SecurityRule>>) -> Network {
    let b = NetworkBuilder::new().vnet("vnet-cs", &["10.1.0.0/16"]);
    match rules {
        Some(r) => b
            .nsg("nsg-roles", r)
            .subnet("roles", "vnet-cs", &[SUBNET], Some("nsg-roles")),
        None => b.subnet("roles", "vnet-cs", &[SUBNET], None),
    }
    .build()
}

fn tcp_to(ports: &[u16]) -> FlowSet {
    FlowSet::from_cube(Cube {
        protocols: ProtoSet::only(Protocol::Tcp),
        dst_ports: port_set(ports.iter().map(|p| PortRange::single(*p))),
        ..Cube::universe()
    })
}

/// Intra-subnet TCP to `ports` between the subnet's hosts.
fn intra(n: &Network, ports: &[u16]) -> PathResult {
    let hosts = Endpoint::subnet_hosts(n, SubnetId(0));
    evaluate_path(n, &tcp_to(ports), &hosts, &hosts).unwrap()
}

fn flow(src: &str, sp: u16, dst: &str, dp: u16) -> Flow {
    Flow {
        protocol: Protocol::Tcp,
        src: src.parse().unwrap(),
        src_port: Some(sp),
        dst: dst.parse().unwrap(),
        dst_port: Some(dp),
    }
}

/// (hop, rule name, priority) of every denial, and its destination ports.
type DenialSummary = (HopKind, String, Vec<(u32, u32)>);

fn denials(n: &Network, r: &PathResult) -> Vec<DenialSummary> {
    r.denied
        .iter()
        .map(|d| {
            let nsg = n.nsg(d.nsg.unwrap()).unwrap();
            let rule = d.rule.resolve(nsg).unwrap();
            (
                d.hop,
                rule.name.value.clone(),
                d.region.dst_ports().ranges().to_vec(),
            )
        })
        .collect()
}

#[test]
fn seed_incident_deny_all_400_blocks_intra_subnet_3389_and_20000_inbound() {
    let n = one_subnet(Some(seed_rules(false)));
    let r = intra(&n, &[3389, 20000]);
    assert!(r.allowed.is_empty());
    assert_eq!(
        denials(&n, &r),
        vec![(
            HopKind::DestinationSubnet,
            "DenyAll".to_string(),
            vec![(3389, 3389), (20000, 20000)]
        )]
    );
    assert_eq!(r.denied[0].rule, RuleRef::User(2));
    // The outbound hop passes by the default AllowVnetOutBound.
    let out = &r.passes[0];
    assert_eq!(out.hop, HopKind::SourceSubnet);
    assert_eq!(
        out.rule,
        RuleRef::Default(crate::model::Direction::Outbound, 0)
    );
    assert!(r.indeterminate.is_empty());
}

#[test]
fn seed_incident_allow_instances_350_lets_both_ports_through() {
    let n = one_subnet(Some(seed_rules(true)));
    let r = intra(&n, &[3389, 20000]);
    assert!(r.is_fully_allowed());
    assert!(r
        .allowed
        .contains(&flow("10.1.0.4", 49152, "10.1.0.5", 20000)));
    let inbound: Vec<_> = r
        .passes
        .iter()
        .filter(|p| p.hop == HopKind::DestinationSubnet)
        .collect();
    assert_eq!(inbound.len(), 1);
    assert_eq!(
        inbound[0].rule,
        RuleRef::User(2),
        "decided by AllowInstances"
    );
}

/// §7 row 1 (second half): the admin path is allowed by AllowLocalRDP 300.
#[test]
fn matrix_01_admin_path_allowed_by_300() {
    let n = one_subnet(Some(seed_rules(false)));
    let admin = Endpoint::external(AddrSet::addr("172.16.0.0".parse().unwrap()), "admin");
    let hosts = Endpoint::subnet_hosts(&n, SubnetId(0));
    let r = evaluate_path(&n, &tcp_to(&[3389, 20000]), &admin, &hosts).unwrap();
    assert!(r.is_fully_allowed());
    assert_eq!(r.passes.len(), 1);
    assert_eq!(r.passes[0].rule, RuleRef::User(1));
}

#[test]
fn matrix_03_no_nsg_anywhere_allows() {
    let n = one_subnet(None);
    let r = intra(&n, &[3389, 20000]);
    assert!(r.is_fully_allowed());
    assert!(!r.allowed.is_empty());
    assert!(r.passes.is_empty(), "no NSG decided anything");
}

#[test]
fn matrix_04_default_rules_allow_intra_subnet() {
    let n = one_subnet(Some(vec![]));
    let r = intra(&n, &[3389, 20000]);
    assert!(r.is_fully_allowed());
    let names: Vec<_> = r
        .passes
        .iter()
        .map(|p| {
            p.rule
                .resolve(n.nsg(p.nsg.unwrap()).unwrap())
                .unwrap()
                .name
                .value
                .clone()
        })
        .collect();
    assert_eq!(names, vec!["AllowVnetOutBound", "AllowVnetInBound"]);
}

#[test]
fn matrix_05_outbound_deny_all_at_4000_denies_at_the_source_side() {
    let n = one_subnet(Some(vec![RuleSpec::new("DenyOut", 4000)
        .outbound()
        .deny()
        .build()]));
    let r = intra(&n, &[3389, 20000]);
    assert_eq!(
        denials(&n, &r),
        vec![(
            HopKind::SourceSubnet,
            "DenyOut".into(),
            vec![(3389, 3389), (20000, 20000)]
        )]
    );
}

#[test]
fn matrix_06_nic_nsg_denies_after_the_subnet_allows() {
    let n = NetworkBuilder::new()
        .vnet("v", &["10.1.0.0/16"])
        .nsg("subnet-nsg", vec![])
        .nsg(
            "nic-nsg",
            vec![RuleSpec::new("Deny20000", 300)
                .deny()
                .tcp()
                .ports("20000")
                .build()],
        )
        .subnet("roles", "v", &[SUBNET], Some("subnet-nsg"))
        .nic("vm2", "roles", Some("10.1.0.5"), Some("nic-nsg"), &[])
        .build();
    let src = Endpoint::subnet_hosts(&n, SubnetId(0));
    let dst = Endpoint::nic(&n, NicId(0), 0).unwrap();
    let r = evaluate_path(&n, &tcp_to(&[3389, 20000]), &src, &dst).unwrap();
    assert_eq!(
        denials(&n, &r),
        vec![(
            HopKind::DestinationNic,
            "Deny20000".into(),
            vec![(20000, 20000)]
        )]
    );
    assert!(r
        .allowed
        .contains(&flow("10.1.0.4", 50000, "10.1.0.5", 3389)));
}

#[test]
fn matrix_07_allow_for_3389_only_is_partial() {
    let mut rules = seed_rules(false);
    rules.insert(
        2,
        RuleSpec::new("AllowInstances", 350)
            .tcp()
            .from(SUBNET)
            .to(SUBNET)
            .ports("3389")
            .build(),
    );
    let n = one_subnet(Some(rules));
    let r = intra(&n, &[3389, 20000]);
    assert_eq!(r.allowed.dst_ports().ranges(), &[(3389, 3389)]);
    assert_eq!(
        denials(&n, &r),
        vec![(
            HopKind::DestinationSubnet,
            "DenyAll".into(),
            vec![(20000, 20000)]
        )]
    );
}

#[test]
fn matrix_08_source_port_restriction_strict_vs_ephemeral() {
    let mut rules = seed_rules(false);
    rules.insert(
        2,
        RuleSpec::new("AllowInstances", 350)
            .tcp()
            .from(SUBNET)
            .source_ports("1024-65535")
            .to(SUBNET)
            .ports("3389,20000")
            .build(),
    );
    let n = one_subnet(Some(rules));
    let strict = intra(&n, &[3389, 20000]);
    assert_eq!(strict.denied.len(), 1);
    let denied_sources: Vec<_> = strict.denied[0]
        .region
        .cubes()
        .iter()
        .map(|c| c.src_ports.clone())
        .collect();
    assert!(
        denied_sources
            .iter()
            .all(|s| s == &IntervalSet::range(0, 1023)),
        "{denied_sources:?}"
    );
    let hosts = Endpoint::subnet_hosts(&n, SubnetId(0));
    let ephemeral = FlowSet::from_cube(Cube {
        protocols: ProtoSet::only(Protocol::Tcp),
        src_ports: IntervalSet::range(49152, 65535),
        dst_ports: port_set([PortRange::single(3389), PortRange::single(20000)]),
        ..Cube::universe()
    });
    assert!(evaluate_path(&n, &ephemeral, &hosts, &hosts)
        .unwrap()
        .is_fully_allowed());
}

#[test]
fn matrix_09_virtual_network_to_virtual_network_at_350_allows() {
    let mut rules = seed_rules(false);
    rules.insert(
        2,
        RuleSpec::new("AllowVnet", 350)
            .from("VirtualNetwork")
            .to("VirtualNetwork")
            .build(),
    );
    let n = one_subnet(Some(rules));
    assert!(intra(&n, &[3389, 20000]).is_fully_allowed());
}

#[test]
fn matrix_10_azure_load_balancer_tag_is_only_the_host_vip() {
    let n = one_subnet(Some(vec![
        RuleSpec::new("AllowLB", 200)
            .from("AzureLoadBalancer")
            .build(),
        RuleSpec::new("DenyAll", 400).deny().build(),
    ]));
    let r = intra(&n, &[3389, 20000]);
    assert_eq!(denials(&n, &r)[0].1, "DenyAll");
    assert!(r.allowed.is_empty());
}

#[test]
fn matrix_11_asg_rule_ignored_for_a_nic_that_is_not_a_member() {
    let build = |member: &[&str]| {
        NetworkBuilder::new()
            .vnet("v", &["10.1.0.0/16"])
            .asg("rdp-targets")
            .nsg(
                "nsg",
                vec![
                    RuleSpec::new("AllowToAsg", 350)
                        .tcp()
                        .to_asgs(&["rdp-targets"])
                        .ports("3389,20000")
                        .build(),
                    RuleSpec::new("DenyAll", 400).deny().build(),
                ],
            )
            .subnet("roles", "v", &[SUBNET], Some("nsg"))
            .nic("vm1", "roles", None, None, member)
            .build()
    };
    for (member, allowed) in [(&[][..], false), (&["rdp-targets"][..], true)] {
        let n = build(member);
        let vm = Endpoint::nic(&n, NicId(0), 0).unwrap();
        let r = evaluate_path(&n, &tcp_to(&[3389, 20000]), &vm, &vm).unwrap();
        assert_eq!(r.is_fully_allowed(), allowed, "member={member:?}");
        assert!(
            r.indeterminate.is_empty(),
            "membership of a known NIC is certain"
        );
    }
}

/// §7 row 18 at model level: an unknown source prefix in the allow at 350 flips the verdict.
#[test]
fn unknown_source_in_an_allow_makes_the_verdict_indeterminate_not_allowed() {
    use crate::model::values::{build_rule, Dialect, Raw, RawList, RawRule};
    use crate::model::{RuleOrigin, Spanned, Val};
    let mut rules = seed_rules(false);
    let sp = crate::model::builder::span();
    let s = |t: &str| Some(Spanned::new(Val::Known(Raw::Str(t.into())), sp));
    let mut raw = RawRule::new(sp, RuleOrigin::Inline);
    raw.name = s("AllowInstances");
    raw.priority = s("350");
    raw.direction = s("Inbound");
    raw.access = s("Allow");
    raw.protocol = s("Tcp");
    raw.source_port_range = s("*");
    raw.source_address_prefix = Some(Spanned::new(Val::unknown("known after apply", sp), sp));
    raw.destination_address_prefix = s(SUBNET);
    raw.destination_port_ranges = Some(Spanned::new(
        RawList::Items(vec![s("3389").unwrap(), s("20000").unwrap()]),
        sp,
    ));
    rules.insert(2, build_rule(raw, Dialect::Terraform, &mut Vec::new()));
    let n = one_subnet(Some(rules));
    let r = intra(&n, &[3389, 20000]);
    assert!(r.allowed.is_empty());
    assert!(
        r.denied.is_empty(),
        "DenyAll decides only if the unknown rule does not match"
    );
    assert_eq!(r.indeterminate.len(), 1);
    assert_eq!(r.indeterminate[0].reasons[0].reason, "known after apply");
    assert_eq!(
        r.indeterminate[0].rules,
        vec![RuleRef::User(2), RuleRef::User(3)]
    );
}

#[test]
fn unresolved_subnet_nsg_makes_every_flow_indeterminate() {
    let n = NetworkBuilder::new()
        .vnet("v", &["10.1.0.0/16"])
        .subnet("roles", "v", &[SUBNET], Some("missing-nsg"))
        .build();
    assert!(matches!(
        n.subnets[0].nsg,
        Some(crate::model::Link::Unknown(_))
    ));
    let r = intra(&n, &[3389]);
    assert!(r.allowed.is_empty() && r.denied.is_empty());
    assert_eq!(r.indeterminate.len(), 1);
    assert_eq!(r.indeterminate[0].hop, HopKind::SourceSubnet);
}

#[test]
fn a_certain_deny_after_an_unresolved_hop_is_certain() {
    let n = NetworkBuilder::new()
        .vnet("v", &["10.1.0.0/16"])
        .nsg(
            "nic-nsg",
            vec![RuleSpec::new("DenyRdp", 100)
                .deny()
                .tcp()
                .ports("3389")
                .build()],
        )
        .subnet("roles", "v", &[SUBNET], Some("missing-nsg"))
        .nic("vm", "roles", Some("10.1.0.9"), Some("nic-nsg"), &[])
        .build();
    let src = Endpoint::subnet_hosts(&n, SubnetId(0));
    let dst = Endpoint::nic(&n, NicId(0), 0).unwrap();
    let r = evaluate_path(&n, &tcp_to(&[3389, 443]), &src, &dst).unwrap();
    assert_eq!(
        denials(&n, &r),
        vec![(
            HopKind::DestinationNic,
            "DenyRdp".into(),
            vec![(3389, 3389)]
        )]
    );
    assert_eq!(r.indeterminate.len(), 1);
    assert_eq!(
        r.indeterminate[0].region.dst_ports().ranges(),
        &[(443, 443)]
    );
}

#[test]
fn an_unknown_access_is_indeterminate_and_a_certain_deny_after_uncertainty_is_certain() {
    let mut deny_first = RuleSpec::new("Maybe", 300).tcp().ports("3389").build();
    deny_first.access.value =
        crate::model::Val::unknown("access from a variable", deny_first.access.span);
    let n = one_subnet(Some(vec![
        deny_first,
        RuleSpec::new("DenyAll", 400).deny().build(),
    ]));
    let r = intra(&n, &[3389, 20000]);
    // 3389: the unknown rule matches for certain and may allow or deny.
    assert_eq!(r.indeterminate.len(), 1);
    assert_eq!(
        r.indeterminate[0].region.dst_ports().ranges(),
        &[(3389, 3389)]
    );
    // 20000 is denied by DenyAll for certain.
    assert_eq!(
        denials(&n, &r),
        vec![(
            HopKind::DestinationSubnet,
            "DenyAll".into(),
            vec![(20000, 20000)]
        )]
    );
}

#[test]
fn an_allow_shadowed_by_a_deny_is_a_dead_rule() {
    use crate::eval::compile::{Membership, RuleContext};
    use crate::eval::fold::fold;
    use crate::eval::tags::TagContext;
    let n = one_subnet(Some(vec![
        RuleSpec::new("DenyRdp", 200)
            .deny()
            .tcp()
            .ports("3389")
            .build(),
        RuleSpec::new("AllowRdp", 300)
            .tcp()
            .from("10.0.0.0/8")
            .ports("3389")
            .build(),
        RuleSpec::new("AllowWeb", 310).tcp().ports("443").build(),
    ]));
    let tags = TagContext::for_subnet(&n, Some(SubnetId(0)));
    let m = Membership::Unknown;
    let ctx = RuleContext {
        network: &n,
        tags: &tags,
        source: &m,
        destination: &m,
    };
    let r = fold(
        &n.nsgs[0],
        crate::model::Direction::Inbound,
        &ctx,
        FlowSet::universe(),
    )
    .unwrap();
    assert_eq!(r.dead_user_rules(), vec![1]);
    assert!(r.remainder.is_empty(), "the defaults catch everything");
}

#[test]
fn witnesses_prefer_usable_hosts_and_ephemeral_ports() {
    let n = one_subnet(Some(seed_rules(false)));
    let r = intra(&n, &[20000]);
    let hosts = Endpoint::subnet_hosts(&n, SubnetId(0));
    let usable = hosts.usable_addresses(&n);
    let hint = Cube {
        src: usable.clone(),
        dst: usable,
        src_ports: IntervalSet::range(49152, 65535),
        ..Cube::universe()
    };
    assert_eq!(
        r.denied[0].region.witness(Some(&hint)),
        Some(flow("10.1.0.4", 49152, "10.1.0.5", 20000))
    );
}

/// Issue 15: whether 192.168.1.10 (an on-premises range, perhaps) is in VirtualNetwork cannot be
/// known offline, but `Deny * → VirtualNetwork` and `DenyAllOutBound` deny it either way: one
/// unknown, one answer wherever it is asked, so the flow is denied, not indeterminate.
#[test]
fn a_flow_denied_under_every_reading_of_an_unknown_is_denied() {
    let n = one_subnet(Some(vec![RuleSpec::new("DenyToVnet", 100)
        .outbound()
        .deny()
        .to("VirtualNetwork")
        .build()]));
    let from = Endpoint::subnet_hosts(&n, SubnetId(0));
    let to = Endpoint::external(
        AddrSet::addr("192.168.1.10".parse().unwrap()),
        "on-premises",
    );
    let r = evaluate_path(&n, &tcp_to(&[443]), &from, &to).unwrap();
    assert!(r.indeterminate.is_empty(), "{:?}", r.indeterminate);
    assert!(r.allowed.is_empty());
    assert!(!r.denied.is_empty());
    // A flow the answer does decide stays indeterminate: an allow to VirtualNetwork first.
    let n = one_subnet(Some(vec![RuleSpec::new("AllowToVnet", 100)
        .outbound()
        .to("VirtualNetwork")
        .build()]));
    let r = evaluate_path(&n, &tcp_to(&[443]), &from, &to).unwrap();
    assert!(!r.indeterminate.is_empty());
}
