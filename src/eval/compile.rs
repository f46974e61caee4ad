//! Turning one security rule into flow-set terms, in the context it is evaluated in.
//!
//! A rule matches a cube per dimension; with Unknowns and offline-opaque tags we keep two:
//! `lo`, the flows it certainly matches, and `hi`, the flows it may match. Known rules have
//! `lo == hi`. Application security groups depend on *which* NIC is at each end (a rule naming
//! an ASG applies only to member NICs, nsg-semantics §2.5), so the context carries the
//! endpoints' memberships when they are known.
//!
//! Each thing that makes `lo` and `hi` differ is an [`Atom`]: one unknown yes/no question about
//! a flow ("is its destination in the part of VirtualNetwork nsgate cannot see?", "does the
//! unknown prefix hold its source?"). The same atom asked by two rules has one answer, so a
//! [`Resolution`] (which atoms hold) turns every rule exact at once; [`compile_resolved`]
//! compiles a rule under one. Atoms are per side: a flow's source and destination are two
//! questions even when they share an address (a conservative simplification).

use crate::eval::flowset::{all_ports, port_set, AddrSet, Cube, Hull, PortSet, ProtoSet, NO_PORT};
use crate::eval::intervals::IntervalSet;
use crate::eval::tags::{Bounds, TagContext, TagScope};
use crate::model::{
    Access, AddressItem, AddressSpec, AsgId, Direction, IpVersion, Link, Network, PortRange,
    PortSpec, ProtocolSpec, SecurityRule, ServiceTag, Unknown, Val, VnetId,
};
use crate::source::Span;
use ipnet::IpNet;
use std::sync::Arc;

/// ASG memberships of one end of a flow: `Known` when the end is a specific NIC IP
/// configuration (or a host with no NIC in the model, which belongs to no ASG), `Unknown` when
/// the end is just an address range. `Tag`: the end is "some address of this service tag"
/// (a policy's `from = "GatewayManager"`): it belongs to no ASG, a rule naming the same tag
/// matches it by identity, and any other item matches it only when it certainly holds every
/// address the tag may have (see [`tag_end_bounds`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Membership {
    Known(Vec<AsgId>),
    Unknown,
    Tag(ServiceTag),
}

/// Everything a rule's match depends on besides the rule.
#[derive(Debug, Clone)]
pub struct RuleContext<'a> {
    pub network: &'a Network,
    pub tags: &'a TagContext,
    pub source: &'a Membership,
    pub destination: &'a Membership,
}

/// Which part of a flow (or of a rule) an atom is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Source,
    Destination,
    SourcePorts,
    DestinationPorts,
    Protocol,
    Access,
}

/// One unknown yes/no question a rule's match or verdict depends on (see the module doc).
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// The flow's address on this side lies in the unseen part of VirtualNetwork (on-premises,
    /// gateway and UDR ranges, or an unknown address space) of this VNet. `Internet` asks the
    /// same question, negated.
    VirtualNetwork { scope: TagScope, side: Part },
    /// The flow's address on this side belongs to an opaque service tag (lower-cased name).
    Tag { name: String, side: Part },
    /// The flow's address on this side is a dynamic address of a member of this ASG.
    AsgMember { asg: AsgId, side: Part },
    /// An unknown value holds the flow's part (an unknown prefix holds its source address, an
    /// unknown port its port, an unknown protocol its protocol; for `Access`: the rule allows).
    Value { unknown: Unknown, part: Part },
    /// The rule (by its span and name: a dynamic block writes many rules at one span) with an
    /// unknown direction is inbound.
    Inbound { rule: Span, name: String },
    /// The rule with an unknown priority comes before every placed rule (else: after them all,
    /// where it decides nothing — every other place decides the same as one of the two).
    First { rule: Span, name: String },
    /// The VNet is in scope of a security admin rule whose scope is not knowable offline (a
    /// network group filled by Azure Policy, a link that did not resolve): `why` says which.
    Member { why: Unknown, vnet: VnetId },
    /// As `Value`, for an unknown whose origin is known (`var.admin_cidr`, a template
    /// parameter): every use of that one input value asks the same question.
    Input { origin: Arc<str>, part: Part },
}

impl Atom {
    /// The question "does unknown `u` hold the flow's `part`?": one per origin when `u` has
    /// one, else one per unknown (reason and span).
    pub fn value(u: &Unknown, part: Part) -> Atom {
        match &u.origin {
            Some(origin) => Atom::Input {
                origin: Arc::clone(origin),
                part,
            },
            None => Atom::Value {
                unknown: u.clone(),
                part,
            },
        }
    }
}

/// The atoms that hold; every other atom does not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolution {
    pub holds: Vec<Atom>,
}

impl Resolution {
    pub fn holds(&self, atom: &Atom) -> bool {
        self.holds.contains(atom)
    }

    /// Every resolution of `atoms` (2^n of them; the caller bounds n). The first holds nothing.
    pub fn all(atoms: &[Atom]) -> impl Iterator<Item = Resolution> + '_ {
        let n = atoms.len().min(usize::BITS as usize - 1);
        (0..1usize << n).map(move |mask| Resolution {
            holds: atoms
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, a)| a.clone())
                .collect(),
        })
    }
}

/// A rule in flow-set terms.
#[derive(Debug, Clone)]
pub struct CompiledRule {
    /// Certainly matched flows (`None`: none). The same cube as `hi` when the two are equal
    /// (every known rule), so a rule kept for a whole check run holds one cube.
    pub lo: Option<Arc<Cube>>,
    /// Possibly matched flows (`None`: none).
    pub hi: Option<Arc<Cube>>,
    /// `None` when the access is unknown (the rule may allow or deny).
    pub access: Option<Access>,
    /// Why `lo` and `hi` differ, or why the rule's place or access is uncertain.
    pub reasons: Vec<Unknown>,
    /// The questions whose answers would make the rule exact (empty under a resolution).
    pub atoms: Vec<Atom>,
}

/// Either the bounds over every answer, or the exact rule under one resolution.
struct Reader<'r> {
    resolution: Option<&'r Resolution>,
    atoms: Vec<Atom>,
    reasons: Vec<Unknown>,
}

impl Reader<'_> {
    /// `(lo, hi)` over every answer to `atom`, or the answer's value twice.
    fn pick<T: Clone>(&mut self, atom: Atom, why: &Unknown, lo: T, hi: T) -> (T, T) {
        match self.resolution {
            None => {
                if !self.atoms.contains(&atom) {
                    self.atoms.push(atom);
                }
                if !self.reasons.contains(why) {
                    self.reasons.push(why.clone());
                }
                (lo, hi)
            }
            Some(r) if r.holds(&atom) => (hi.clone(), hi),
            Some(_) => (lo.clone(), lo),
        }
    }
}

/// Compile `rule` for one direction over every answer to its unknowns. `position_known` is
/// false when the rule's priority or direction is unknown: it may then match at most (it is
/// placed as an uncertain rule).
pub fn compile(rule: &SecurityRule, ctx: &RuleContext<'_>, position_known: bool) -> CompiledRule {
    let mut reader = Reader {
        resolution: None,
        atoms: Vec::new(),
        reasons: Vec::new(),
    };
    compile_with(rule, ctx, position_known, None, &mut reader)
}

/// Compile `rule`, evaluated in `direction`, exactly under `resolution` (`lo == hi`; `access` is
/// known).
pub fn compile_resolved(
    rule: &SecurityRule,
    ctx: &RuleContext<'_>,
    direction: Direction,
    resolution: &Resolution,
) -> CompiledRule {
    let mut reader = Reader {
        resolution: Some(resolution),
        atoms: Vec::new(),
        reasons: Vec::new(),
    };
    compile_with(rule, ctx, true, Some(direction), &mut reader)
}

/// Whether a rule whose place is unknown takes part under the reader's resolution.
fn placed_under(rule: &SecurityRule, direction: Direction, reader: &mut Reader<'_>) -> bool {
    let mut placed = true;
    if let Val::Unknown(u) = &rule.direction.value {
        let (inbound, _) = reader.pick(
            Atom::Inbound {
                rule: rule.span,
                name: rule.name.value.clone(),
            },
            u,
            false,
            true,
        );
        placed &= inbound == (direction == Direction::Inbound);
    }
    if let Val::Unknown(u) = &rule.priority.value {
        let (first, _) = reader.pick(
            Atom::First {
                rule: rule.span,
                name: rule.name.value.clone(),
            },
            u,
            false,
            true,
        );
        placed &= first;
    }
    placed
}

fn compile_with(
    rule: &SecurityRule,
    ctx: &RuleContext<'_>,
    position_known: bool,
    direction: Option<Direction>,
    reader: &mut Reader<'_>,
) -> CompiledRule {
    if let Some(d) = direction {
        if !placed_under(rule, d, reader) {
            return CompiledRule {
                lo: None,
                hi: None,
                access: rule.access.value.known().copied().or(Some(Access::Deny)),
                reasons: Vec::new(),
                atoms: Vec::new(),
            };
        }
    } else {
        for field in [
            rule.priority.value.as_unknown(),
            rule.direction.value.as_unknown(),
        ] {
            reader.reasons.extend(field.cloned());
        }
        if let Val::Unknown(u) = &rule.direction.value {
            reader.pick(
                Atom::Inbound {
                    rule: rule.span,
                    name: rule.name.value.clone(),
                },
                u,
                (),
                (),
            );
        }
        if let Val::Unknown(u) = &rule.priority.value {
            reader.pick(
                Atom::First {
                    rule: rule.span,
                    name: rule.name.value.clone(),
                },
                u,
                (),
                (),
            );
        }
    }
    let access = match &rule.access.value {
        Val::Known(a) => Some(*a),
        Val::Unknown(u) => {
            let atom = Atom::value(u, Part::Access);
            match reader.pick(atom, u, None, Some(Access::Allow)) {
                (_, Some(a)) if reader.resolution.is_some() => Some(a),
                _ if reader.resolution.is_some() => Some(Access::Deny),
                _ => None,
            }
        }
    };
    let protocols = match &rule.protocol.value {
        Val::Known(ProtocolSpec::Any) => (ProtoSet::ALL, ProtoSet::ALL),
        Val::Known(ProtocolSpec::Only(p)) => (ProtoSet::only(*p), ProtoSet::only(*p)),
        Val::Unknown(u) => {
            let atom = Atom::value(u, Part::Protocol);
            reader.pick(atom, u, ProtoSet::EMPTY, ProtoSet::ALL)
        }
    };
    let portless_rule = |set: ProtoSet| !set.is_empty() && set.and(ProtoSet::PORTED).is_empty();
    let sp = ports(
        &rule.source_ports,
        portless_rule(protocols.1),
        Part::SourcePorts,
        reader,
    );
    let dp = ports(
        &rule.destination_ports,
        portless_rule(protocols.1),
        Part::DestinationPorts,
        reader,
    );
    let src = addresses(&rule.source, ctx, ctx.source, Part::Source, reader);
    let dst = addresses(
        &rule.destination,
        ctx,
        ctx.destination,
        Part::Destination,
        reader,
    );
    let hi = Cube {
        protocols: protocols.1,
        src: src.hi,
        src_ports: sp.1,
        dst: dst.hi,
        dst_ports: dp.1,
        hull: Hull::FULL,
    }
    .normalize()
    .map(Arc::new);
    let lo = if position_known {
        let lo = Cube {
            protocols: protocols.0,
            src: src.lo,
            src_ports: sp.0,
            dst: dst.lo,
            dst_ports: dp.0,
            hull: Hull::FULL,
        }
        .normalize();
        match (lo, &hi) {
            (Some(lo), Some(hi)) if lo == **hi => Some(Arc::clone(hi)),
            (lo, _) => lo.map(Arc::new),
        }
    } else {
        None
    };
    CompiledRule {
        lo,
        hi,
        access,
        reasons: std::mem::take(&mut reader.reasons),
        atoms: std::mem::take(&mut reader.atoms),
    }
}

/// Certain and possible port sets. A rule for every port, or for a portless protocol, also
/// matches flows without ports.
fn ports(
    spec: &PortSpec,
    portless_protocol: bool,
    part: Part,
    reader: &mut Reader<'_>,
) -> (PortSet, PortSet) {
    let mut known: Vec<PortRange> = Vec::new();
    let mut unknown = false;
    for item in &spec.items {
        match &item.value {
            Val::Known(r) => known.push(*r),
            Val::Unknown(u) => {
                let atom = Atom::value(u, part);
                unknown |= reader.pick(atom, u, false, true).1;
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
    if !unknown {
        return (lo.clone(), lo);
    }
    match reader.resolution {
        // Under a resolution an unknown item that holds the port holds every port.
        Some(_) => (all_ports(), all_ports()),
        None => (lo, all_ports()),
    }
}

fn addresses(
    spec: &AddressSpec,
    ctx: &RuleContext<'_>,
    end: &Membership,
    side: Part,
    reader: &mut Reader<'_>,
) -> Bounds {
    if let Membership::Tag(tag) = end {
        return tag_end_bounds(spec, ctx, tag, side, reader);
    }
    // Known prefixes (a rule may list 4,000) are read from the spec's packed list and merged
    // in one sort below; the union is the same whatever the order. The other items are read
    // in source order, so the unknowns they ask about come in the same order as before.
    let mut parts = Vec::new();
    for item in spec.non_prefixes() {
        let b = match &item.value {
            Val::Known(AddressItem::Prefix(net)) => Bounds::exact(AddrSet::from_net(net)),
            Val::Unknown(u) => {
                let atom = Atom::value(u, side);
                let (lo, hi) = reader.pick(atom, u, AddrSet::empty(), AddrSet::full());
                Bounds { lo, hi }
            }
            Val::Known(AddressItem::Any) => Bounds::exact(AddrSet::full()),
            Val::Known(AddressItem::Tag(tag)) => {
                let b = ctx.tags.expand(tag);
                if b.is_exact() {
                    b
                } else {
                    let why = Unknown {
                        reason: tag_reason(tag, ctx.tags),
                        span: item.span,
                        origin: None,
                    };
                    let atom = match tag {
                        ServiceTag::Other(name) => Atom::Tag {
                            name: name.to_ascii_lowercase(),
                            side,
                        },
                        _ => Atom::VirtualNetwork {
                            scope: ctx.tags.scope,
                            side,
                        },
                    };
                    // Internet is public space *outside* VirtualNetwork: the same question,
                    // answered the other way.
                    let (lo, hi) = if matches!(tag, ServiceTag::Internet) {
                        let (a, b2) = reader.pick(atom, &why, b.hi, b.lo);
                        (b2, a)
                    } else {
                        reader.pick(atom, &why, b.lo, b.hi)
                    };
                    Bounds { lo, hi }
                }
            }
            Val::Known(AddressItem::Asg(link)) => asg_bounds(link, ctx, end, side, reader),
        };
        parts.push(b);
    }
    let nets: Vec<IpNet> = spec.prefixes().collect();
    if !nets.is_empty() {
        parts.push(Bounds::exact(AddrSet::from_nets(&nets)));
    }
    // One union of all items.
    Bounds::union_all(parts)
}

/// A rule side matched against an end that is "some address of service tag `end`" (issue 14
/// item 5): the verdict must hold for whichever address the tag has, so each item matches the
/// end entirely (`*`, the same tag, or an item that certainly holds every address the tag may
/// have — `Internet` holds an opaque tag when the VNet's space is known), not at all (disjoint
/// from everything the tag may hold, an ASG), or undecidably (an unknown: reported, never
/// passed).
fn tag_end_bounds(
    spec: &AddressSpec,
    ctx: &RuleContext<'_>,
    end: &ServiceTag,
    side: Part,
    reader: &mut Reader<'_>,
) -> Bounds {
    let all = || Bounds::exact(AddrSet::full());
    let none = || Bounds::exact(AddrSet::empty());
    let end_may = ctx.tags.expand(end).hi;
    let mut total = none();
    // In source order: a prefix may ask a question here too.
    for item in spec.iter() {
        let item_bounds = match &item.value {
            Val::Unknown(u) => {
                let atom = Atom::value(u, side);
                let (lo, hi) = reader.pick(atom, u, AddrSet::empty(), AddrSet::full());
                total = total.union(&Bounds { lo, hi });
                continue;
            }
            Val::Known(AddressItem::Any) => {
                total = total.union(&all());
                continue;
            }
            Val::Known(AddressItem::Tag(t)) if same_tag(t, end) => {
                total = total.union(&all());
                continue;
            }
            // A service tag's address is no NIC's.
            Val::Known(AddressItem::Asg(_)) => continue,
            Val::Known(AddressItem::Prefix(net)) => Bounds::exact(AddrSet::from_net(net)),
            Val::Known(AddressItem::Tag(t)) => ctx.tags.expand(t),
        };
        let b = if end_may.difference(&item_bounds.lo).is_empty() {
            all()
        } else if end_may.intersect(&item_bounds.hi).is_empty() {
            none()
        } else {
            let why = Unknown {
                reason: format!(
                    "whether the addresses of service tag `{end}` lie in `{}` is not known offline",
                    item.value
                        .known()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ),
                span: item.span,
                origin: None,
            };
            let atom = Atom::value(&why, side);
            let (lo, hi) = reader.pick(atom, &why, AddrSet::empty(), AddrSet::full());
            Bounds { lo, hi }
        };
        total = total.union(&b);
    }
    total
}

/// Tag names compare case-insensitively (nsg-semantics §2.4).
fn same_tag(a: &ServiceTag, b: &ServiceTag) -> bool {
    a.to_string().eq_ignore_ascii_case(&b.to_string())
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
    side: Part,
    reader: &mut Reader<'_>,
) -> Bounds {
    let id = match link {
        Link::Resolved(s) => s.value,
        _ => {
            let u = unlinked(link);
            let atom = Atom::value(&u, side);
            let (lo, hi) = reader.pick(atom, &u, AddrSet::empty(), AddrSet::full());
            return Bounds { lo, hi };
        }
    };
    match end {
        // The end is a known NIC (or a host without one): membership decides, not addresses.
        Membership::Known(asgs) if asgs.contains(&id) => Bounds::exact(AddrSet::full()),
        Membership::Known(_) | Membership::Tag(_) => Bounds::exact(AddrSet::empty()),
        Membership::Unknown => {
            let b = asg_addresses(id, ctx.network);
            if b.is_exact() {
                return b;
            }
            let why = Unknown {
                reason: "a member of the application security group has a dynamic address".into(),
                span: link.span(),
                origin: None,
            };
            let (lo, hi) = reader.pick(Atom::AsgMember { asg: id, side }, &why, b.lo, b.hi);
            Bounds { lo, hi }
        }
    }
}

/// Why an ASG link did not resolve.
fn unlinked(link: &Link<AsgId>) -> Unknown {
    match link {
        Link::Unknown(u) => (**u).clone(),
        Link::Key(k) => Unknown {
            reason: format!("application security group `{}` was not linked", k.value),
            span: k.span,
            origin: None,
        },
        Link::Resolved(s) => Unknown {
            reason: "application security group".into(),
            span: s.span,
            origin: None,
        },
    }
}

/// Addresses of an ASG's members: static addresses certainly, dynamic ones somewhere in their
/// subnet.
fn asg_addresses(id: AsgId, network: &Network) -> Bounds {
    // Certain (static) and possible (dynamic) members, united once at the end.
    let mut certain = Vec::new();
    let mut possible = Vec::new();
    let members = network.asg_members(id).iter();
    for ip in members.filter_map(|(n, i)| network.nic(*n).and_then(|nic| nic.ip_configs.get(*i))) {
        match ip.private_ip.as_ref().map(|f| &f.value) {
            Some(Val::Known(addr)) => certain.push(AddrSet::addr(*addr)),
            _ => {
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
                possible.push(range);
            }
        }
    }
    let lo = AddrSet::union_all(&certain);
    let hi = AddrSet::union_all(certain.iter().chain(&possible));
    Bounds { lo, hi }
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
