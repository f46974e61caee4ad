//! Exactly which flows a finding is about: every group of flows carries the one rule that
//! decides each of them, so a witness drawn from a group names the rule `nsgate flow` names
//! for it (architecture.md, JSON report); and a host's flow to itself is never one of them
//! (nsg-semantics §2.11: A ≠ B).

use crate::eval::flowset::{FlowSet, TooComplex};
use crate::eval::fold::RuleRef;
use crate::eval::path::{HopKind, HopNsg, PathResult};
use crate::model::NsgId;

/// `result` without flows from an address to itself, in every part.
pub fn without_self_flows(mut result: PathResult) -> PathResult {
    result.allowed = result.allowed.without_self_flows();
    for d in &mut result.denied {
        d.region = d.region.without_self_flows();
    }
    result.denied.retain(|d| !d.region.is_empty());
    for u in &mut result.indeterminate {
        u.region = u.region.without_self_flows();
    }
    result.indeterminate.retain(|u| !u.region.is_empty());
    for p in &mut result.passes {
        p.region = p.region.without_self_flows();
    }
    result.passes.retain(|p| !p.region.is_empty());
    result
}

/// Certainly allowed flows, grouped by the rule that admits them at the last hop with an NSG.
#[derive(Debug, Clone, PartialEq)]
pub struct Admitted {
    pub hop: HopKind,
    /// The NSG (`None`: a security admin rule) and rule. `None` only for flows no rule of
    /// that hop is recorded for (never expected: every allowed flow passed each NSG by one
    /// rule, or an admin `AlwaysAllow` let it past the NSGs).
    pub rule: Option<(Option<NsgId>, RuleRef)>,
    pub region: FlowSet,
}

/// Split `result.allowed` by the rule that lets each flow through at the last hop with an
/// NSG: each part is decided by exactly its rule.
pub fn admitted_by_rule(result: &PathResult) -> Result<Vec<Admitted>, TooComplex> {
    let last = result
        .hops
        .iter()
        .filter(|h| matches!(h.nsg, HopNsg::Nsg { .. }))
        .map(|h| h.kind)
        .max()
        .unwrap_or(HopKind::DestinationSubnet);
    let mut rest = result.allowed.clone();
    let mut out = Vec::new();
    // Flows an admin `AlwaysAllow` let past the NSGs are decided at that admin hop.
    let admin = |h: HopKind| matches!(h, HopKind::SourceAdmin | HopKind::DestinationAdmin);
    for p in result
        .passes
        .iter()
        .filter(|p| p.hop == last)
        .chain(result.passes.iter().filter(|p| admin(p.hop)))
    {
        if rest.is_empty() {
            break;
        }
        let part = rest.intersect(&p.region)?;
        if part.is_empty() {
            continue;
        }
        rest = rest.subtract(&part)?;
        out.push(Admitted {
            hop: p.hop,
            rule: Some((p.nsg, p.rule)),
            region: part,
        });
    }
    if !rest.is_empty() {
        out.push(Admitted {
            hop: last,
            rule: None,
            region: rest,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::flowset::{AddrSet, Cube, Flow, ProtoSet};
    use crate::eval::intervals::IntervalSet;
    use crate::eval::path::{evaluate_path, Endpoint};
    use crate::model::builder::{NetworkBuilder, RuleSpec};
    use crate::model::{Protocol, SubnetId};

    /// The bug this fixes: TCP and UDP 3389 admitted by two rules; the TCP witness must name
    /// the TCP rule, and a witness from source port 80 the rule that matches port 80.
    #[test]
    fn each_part_is_admitted_by_exactly_its_rule() {
        let udp = RuleSpec::new("AllowUdp", 100).udp().ports("3389").build();
        let tcp80 = RuleSpec::new("AllowFrom80", 110)
            .tcp()
            .source_ports("80")
            .ports("3389")
            .build();
        let tcp = RuleSpec::new("AllowTcp", 120).tcp().ports("3389").build();
        let net = NetworkBuilder::new()
            .vnet("v", &["10.0.0.0/16"])
            .nsg("n", vec![udp, tcp80, tcp])
            .subnet("s", "v", &["10.0.0.0/24"], Some("n"))
            .build();
        let src = Endpoint::external(
            AddrSet::from_net(&"203.0.113.0/24".parse().unwrap()),
            "Internet",
        );
        let dst = Endpoint::subnet_hosts(&net, SubnetId(0));
        let flows = FlowSet::from_cube(Cube {
            protocols: ProtoSet::PORTED,
            dst_ports: IntervalSet::point(3389),
            ..Cube::universe()
        });
        let result = evaluate_path(&net, &flows, &src, &dst).unwrap();
        let parts = admitted_by_rule(&result).unwrap();
        let names: Vec<String> = parts
            .iter()
            .map(|p| {
                let (n, r) = p.rule.unwrap();
                r.resolve(net.nsg(n.unwrap()).unwrap())
                    .unwrap()
                    .name
                    .value
                    .clone()
            })
            .collect();
        assert_eq!(names, ["AllowUdp", "AllowFrom80", "AllowTcp"]);
        for p in &parts {
            let flow = p.region.witness(None).unwrap();
            let single =
                evaluate_path(&net, &FlowSet::from_cube(flow.to_cube()), &src, &dst).unwrap();
            let by: Vec<_> = single
                .passes
                .iter()
                .filter(|x| x.hop == p.hop)
                .map(|x| (x.nsg, x.rule))
                .collect();
            assert_eq!(by, vec![p.rule.unwrap()], "{flow}");
        }
        let tcp_part = parts
            .iter()
            .find(|p| p.region.protocols() == ProtoSet::only(Protocol::Tcp));
        assert!(tcp_part.is_some());
    }

    #[test]
    fn flows_to_oneself_are_not_pairs() {
        let one = AddrSet::addr("10.0.0.5".parse().unwrap());
        let set = FlowSet::from_cube(Cube {
            src: one.clone(),
            dst: one.clone(),
            ..Cube::universe()
        });
        assert!(set.without_self_flows().is_empty());
        // Two hosts: their flows to each other stay, and the witness is one of those.
        let two = AddrSet::from_net(&"10.0.0.4/31".parse().unwrap());
        let set = FlowSet::from_cube(Cube {
            protocols: ProtoSet::only(Protocol::Tcp),
            src: two.clone(),
            dst: two,
            ..Cube::universe()
        });
        let w: Flow = set.without_self_flows().witness(None).unwrap();
        assert_ne!(w.src, w.dst);
        // A hint narrowing to one host does not make the witness a self-flow.
        let hint = Cube {
            src: one.clone(),
            dst: one,
            ..Cube::universe()
        };
        let w = set.witness(Some(&hint)).unwrap();
        assert_ne!(w.src, w.dst);
    }

    /// NSG001's pairs (issue 15): two VMs of one NIC class may reach each other on 3389, but
    /// neither may reach itself (no rule admits A → A). A host's flow to itself is not a pair,
    /// so the "must allow" assertion holds; a third host denied is still reported.
    #[test]
    fn an_allow_assertion_ignores_each_hosts_flow_to_itself() {
        let policy_text = r#"
id = "T001"
name = "t"
severity = "error"
summary = "RDP between instances"
kind = "reachability"
[[assert]]
expect = "allow"
protocol = "tcp"
from = "subnet"
to = "subnet"
ports = ["3389"]
"#;
        let run = |third: bool| {
            let rules = vec![
                RuleSpec::new("Allow4to5", 100)
                    .tcp()
                    .from("10.0.0.4")
                    .to("10.0.0.5")
                    .ports("3389")
                    .build(),
                RuleSpec::new("Allow5to4", 110)
                    .tcp()
                    .from("10.0.0.5")
                    .to("10.0.0.4")
                    .ports("3389")
                    .build(),
                RuleSpec::new("DenyAll", 400).deny().build(),
            ];
            let mut b = NetworkBuilder::new()
                .vnet("v", &["10.0.0.0/16"])
                .nsg("n", rules)
                .subnet("s", "v", &["10.0.0.0/24"], Some("n"))
                .nic("vm4", "s", Some("10.0.0.4"), None, &[])
                .nic("vm5", "s", Some("10.0.0.5"), None, &[]);
            if third {
                b = b.nic("vm6", "s", Some("10.0.0.6"), None, &[]);
            }
            let net = b.build();
            let mut sources = crate::source::Sources::new();
            let file = sources.add("t.toml", policy_text);
            let policy = crate::policy::load_policy(file, &sources).unwrap();
            let rules = crate::eval::compiled::CompiledRules::new(&net);
            let ctx = crate::policy::CheckContext {
                network: &net,
                sources: &sources,
                unknown_value: None,
                rules: &rules,
            };
            crate::policy::run(&[policy], &ctx)
        };
        assert_eq!(run(false), Vec::new(), "only self-flows are denied");
        let findings = run(true);
        assert_eq!(findings.len(), 1);
        for w in &findings[0].witnesses {
            assert_ne!(w.flow.src, w.flow.dst, "{}", w.flow);
        }
    }
}
