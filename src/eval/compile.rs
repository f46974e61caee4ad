//! Turning one security rule into flow-set terms, in the context it is evaluated in.
//!
//! A rule matches a cube per dimension; with Unknowns and offline-opaque tags we keep two:
//! `lo`, the flows it certainly matches, and `hi`, the flows it may match. Known rules have
//! `lo == hi`. Application security groups depend on *which* NIC is at each end (a rule naming
//! an ASG applies only to member NICs, nsg-semantics §2.5), so the context carries the
//! endpoints' memberships when they are known.

use crate::eval::flowset::{all_ports, port_set, AddrSet, Cube, Hull, PortSet, ProtoSet, NO_PORT};
use crate::eval::intervals::IntervalSet;
use crate::eval::tags::{Bounds, TagContext};
use crate::model::{
    Access, AddressItem, AddressSpec, AsgId, IpVersion, Link, Network, PortRange, PortSpec,
    ProtocolSpec, SecurityRule, Unknown, Val,
};

/// ASG memberships of one end of a flow: `Known` when the end is a specific NIC IP
/// configuration (or a host with no NIC in the model, which belongs to no ASG), `Unknown` when
/// the end is just an address range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Membership {
    Known(Vec<AsgId>),
    Unknown,
}

/// Everything a rule's match depends on besides the rule.
#[derive(Debug, Clone)]
pub struct RuleContext<'a> {
    pub network: &'a Network,
    pub tags: &'a TagContext,
    pub source: &'a Membership,
    pub destination: &'a Membership,
}

/// A rule in flow-set terms.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// Certainly matched flows (`None`: none).
    pub lo: Option<Cube>,
    /// Possibly matched flows (`None`: none).
    pub hi: Option<Cube>,
    /// `None` when the access is unknown (the rule may allow or deny).
    pub access: Option<Access>,
    /// Why `lo` and `hi` differ, or why the rule's place or access is uncertain.
    pub reasons: Vec<Unknown>,
}

/// Compile `rule` for one direction. `position_known` is false when the rule's priority or
/// direction is unknown: it may then match at most (it is placed as an uncertain rule).
pub fn compile(rule: &SecurityRule, ctx: &RuleContext<'_>, position_known: bool) -> CompiledRule {
    let mut reasons = Vec::new();
    for field in [
        rule.priority.value.as_unknown(),
        rule.direction.value.as_unknown(),
    ] {
        reasons.extend(field.cloned());
    }
    let access = match &rule.access.value {
        Val::Known(a) => Some(*a),
        Val::Unknown(u) => {
            reasons.push(u.clone());
            None
        }
    };
    let protocols = match &rule.protocol.value {
        Val::Known(ProtocolSpec::Any) => (ProtoSet::ALL, ProtoSet::ALL),
        Val::Known(ProtocolSpec::Only(p)) => (ProtoSet::only(*p), ProtoSet::only(*p)),
        Val::Unknown(u) => {
            reasons.push(u.clone());
            (ProtoSet::EMPTY, ProtoSet::ALL)
        }
    };
    let portless_rule = |set: ProtoSet| !set.is_empty() && set.and(ProtoSet::PORTED).is_empty();
    let sp = ports(&rule.source_ports, portless_rule(protocols.1), &mut reasons);
    let dp = ports(
        &rule.destination_ports,
        portless_rule(protocols.1),
        &mut reasons,
    );
    let src = addresses(&rule.source, ctx, ctx.source, &mut reasons);
    let dst = addresses(&rule.destination, ctx, ctx.destination, &mut reasons);
    let hi = Cube {
        protocols: protocols.1,
        src: src.hi,
        src_ports: sp.1,
        dst: dst.hi,
        dst_ports: dp.1,
        hull: Hull::FULL,
    }
    .normalize();
    let lo = if position_known {
        Cube {
            protocols: protocols.0,
            src: src.lo,
            src_ports: sp.0,
            dst: dst.lo,
            dst_ports: dp.0,
            hull: Hull::FULL,
        }
        .normalize()
    } else {
        None
    };
    CompiledRule {
        lo,
        hi,
        access,
        reasons,
    }
}

/// Certain and possible port sets. A rule for every port, or for a portless protocol, also
/// matches flows without ports.
fn ports(
    spec: &PortSpec,
    portless_protocol: bool,
    reasons: &mut Vec<Unknown>,
) -> (PortSet, PortSet) {
    let mut known: Vec<PortRange> = Vec::new();
    let mut unknown = false;
    for item in &spec.items {
        match &item.value {
            Val::Known(r) => known.push(*r),
            Val::Unknown(u) => {
                reasons.push(u.clone());
                unknown = true;
            }
        }
    }
    let with_portless = |set: PortSet| {
        if portless_protocol || set.ranges() == [(0, 65535)] {
            set.union(&IntervalSet::point(NO_PORT))
        } else {
            set
        }
    };
    let lo = with_portless(port_set(known));
    let hi = if unknown { all_ports() } else { lo.clone() };
    (lo, hi)
}

fn addresses(
    spec: &AddressSpec,
    ctx: &RuleContext<'_>,
    end: &Membership,
    reasons: &mut Vec<Unknown>,
) -> Bounds {
    let mut total = Bounds::exact(AddrSet::empty());
    for item in &spec.items {
        let b = match &item.value {
            Val::Unknown(u) => {
                reasons.push(u.clone());
                Bounds::unknown()
            }
            Val::Known(AddressItem::Any) => Bounds::exact(AddrSet::full()),
            Val::Known(AddressItem::Prefix(net)) => Bounds::exact(AddrSet::from_net(net)),
            Val::Known(AddressItem::Tag(tag)) => {
                let b = ctx.tags.expand(tag);
                if !b.is_exact() {
                    reasons.push(Unknown {
                        reason: tag_reason(tag, ctx.tags),
                        span: item.span,
                    });
                }
                b
            }
            Val::Known(AddressItem::Asg(link)) => asg_bounds(link, ctx, end, reasons),
        };
        total = total.union(&b);
    }
    total
}

fn tag_reason(tag: &crate::model::ServiceTag, tags: &TagContext) -> String {
    use crate::model::ServiceTag::*;
    match tag {
        VirtualNetwork | Internet => {
            let mut why = format!(
                "`{tag}` is known only in part offline: VirtualNetwork also holds connected on-premises and gateway ranges"
            );
            if let Some(u) = tags.vnet_unknowns.first() {
                why.push_str(&format!(" (and {})", u.reason));
            }
            why
        }
        _ => format!("service tag `{tag}` cannot be expanded offline"),
    }
}

fn asg_bounds(
    link: &Link<AsgId>,
    ctx: &RuleContext<'_>,
    end: &Membership,
    reasons: &mut Vec<Unknown>,
) -> Bounds {
    let id = match link {
        Link::Resolved(s) => s.value,
        Link::Unknown(u) => {
            reasons.push(u.clone());
            return Bounds::unknown();
        }
        Link::Key(k) => {
            reasons.push(Unknown {
                reason: format!("application security group `{}` was not linked", k.value),
                span: k.span,
            });
            return Bounds::unknown();
        }
    };
    match end {
        // The end is a known NIC (or a host without one): membership decides, not addresses.
        Membership::Known(asgs) if asgs.contains(&id) => Bounds::exact(AddrSet::full()),
        Membership::Known(_) => Bounds::exact(AddrSet::empty()),
        Membership::Unknown => asg_addresses(id, ctx.network, link, reasons),
    }
}

/// Addresses of an ASG's members: static addresses certainly, dynamic ones somewhere in their
/// subnet.
fn asg_addresses(
    id: AsgId,
    network: &Network,
    link: &Link<AsgId>,
    reasons: &mut Vec<Unknown>,
) -> Bounds {
    let mut b = Bounds::exact(AddrSet::empty());
    let mut uncertain = false;
    let members = network.asg_members(id).iter();
    for ip in members.filter_map(|(n, i)| network.nic(*n).and_then(|nic| nic.ip_configs.get(*i))) {
        match ip.private_ip.as_ref().map(|f| &f.value) {
            Some(Val::Known(addr)) => {
                let one = AddrSet::addr(*addr);
                b = b.union(&Bounds::exact(one));
            }
            _ => {
                uncertain = true;
                let subnet = ip
                    .subnet
                    .as_ref()
                    .and_then(|l| l.resolved())
                    .and_then(|s| network.subnet(s));
                let range = match subnet {
                    Some(s) => {
                        let nets: Vec<_> = s
                            .prefixes
                            .iter()
                            .filter_map(|p| p.value.known().copied())
                            .collect();
                        let mut set = AddrSet::from_nets(nets.iter());
                        // Keep the family of the IP configuration.
                        match ip.version {
                            IpVersion::V4 => set.v6 = IntervalSet::empty(),
                            IpVersion::V6 => set.v4 = IntervalSet::empty(),
                        }
                        set
                    }
                    None => AddrSet::full(),
                };
                b.hi = b.hi.union(&range);
            }
        }
    }
    if uncertain {
        reasons.push(Unknown {
            reason: "a member of the application security group has a dynamic address".into(),
            span: link.span(),
        });
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builder::*;
    use crate::model::SubnetId;

    fn compile_in(n: &Network, rule: &SecurityRule) -> CompiledRule {
        let tags = TagContext::for_subnet(n, Some(SubnetId(0)));
        let m = Membership::Unknown;
        let ctx = RuleContext {
            network: n,
            tags: &tags,
            source: &m,
            destination: &m,
        };
        compile(rule, &ctx, true)
    }

    fn net() -> Network {
        NetworkBuilder::new()
            .vnet("v", &["10.1.0.0/16"])
            .subnet("s", "v", &["10.1.0.0/24"], None)
            .build()
    }

    #[test]
    fn a_known_rule_has_equal_bounds() {
        let n = net();
        let c = compile_in(
            &n,
            &RuleSpec::new("r", 300)
                .tcp()
                .from("10.1.0.0/24")
                .ports("3389,20000")
                .build(),
        );
        assert_eq!(c.lo, c.hi);
        assert!(c.reasons.is_empty());
        let lo = c.lo.unwrap();
        assert!(lo.dst_ports.contains(20000) && !lo.dst_ports.contains(NO_PORT));
    }

    #[test]
    fn star_ports_match_portless_protocols_and_explicit_full_range_too() {
        let n = net();
        for spec in ["*", "0-65535"] {
            let c = compile_in(&n, &RuleSpec::new("r", 300).ports(spec).build());
            assert!(c.lo.unwrap().dst_ports.contains(NO_PORT), "{spec}");
        }
    }

    #[test]
    fn opaque_tags_and_unknowns_widen_only_hi() {
        let n = net();
        let c = compile_in(&n, &RuleSpec::new("r", 300).from("Storage").build());
        assert!(c.lo.is_none());
        assert!(c.hi.is_some());
        assert_eq!(c.reasons.len(), 1);
    }
}
