//! The path a flow takes through NSGs (nsg-semantics.md §2.6), and the query API.
//!
//! `source VNet admin rules (out) → source NIC NSG (out) → source subnet NSG (out) →
//! destination VNet admin rules (in) → destination subnet NSG (in) → destination NIC NSG
//! (in)`; a level without an NSG passes everything, a deny at any hop ends the walk, and
//! intra-subnet traffic takes the same path (the subnet's NSG is evaluated twice, once per
//! direction). Admin rules (§6.8) are evaluated before the NSGs of their side: `AlwaysAllow`
//! lets flows past that side's NSGs, `Deny` drops them. A hop whose NSG could not be resolved
//! makes every flow reaching it indeterminate — never allowed.

use std::fmt;

use crate::eval::admin;
use crate::eval::compile::{Atom, Membership, Resolution, RuleContext};
use crate::eval::compiled::CompiledRules;
use crate::eval::flowset::{AddrSet, Cube, FlowSet, TooComplex};
use crate::eval::fold::{atoms_compiled, fold_compiled, RuleRef};
use crate::eval::intervals::IntervalSet;
use crate::eval::tags::TagContext;
use crate::model::{
    Direction, IpVersion, Link, Network, NicId, NsgId, SubnetId, Unknown, Val, VnetId,
};
use crate::source::Span;

/// One end of a flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// The addresses this end may have.
    pub addresses: AddrSet,
    /// The subnet it sits in (`None`: outside every modelled subnet).
    pub subnet: Option<SubnetId>,
    /// The NIC, when this end is a NIC IP configuration (or a class of NICs alike).
    pub nics: Vec<NicId>,
    /// The NSG on the NIC(s), when there is one.
    pub nic_nsg: Option<Link<NsgId>>,
    pub membership: Membership,
    /// For messages: `subnet roles`, `NIC vm1`, `10.0.0.0/8`.
    pub label: String,
    /// When `addresses` is only what this end *may* have (a prefix, an address space or a
    /// tag that could not be computed): what it certainly has, and why the rest is unsure.
    pub uncertainty: Option<AddressUncertainty>,
}

/// Addresses of an endpoint that are not exactly known (nsg-semantics §2.10): a verdict on
/// flows outside `sure` holds only for some values of the unknowns.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressUncertainty {
    pub sure: AddrSet,
    pub reasons: Vec<Unknown>,
}

impl Endpoint {
    /// Hosts of a subnet that have no NIC in the model (Cloud Services role instances, VMs
    /// deployed elsewhere): only the subnet's NSG applies, and they belong to no ASG.
    pub fn subnet_hosts(network: &Network, subnet: SubnetId) -> Endpoint {
        let name = network
            .subnet(subnet)
            .map(|s| s.resource.name.value.clone())
            .unwrap_or_default();
        let (addresses, uncertainty) = subnet_addresses(network, subnet);
        Endpoint {
            addresses,
            subnet: Some(subnet),
            nics: Vec::new(),
            nic_nsg: None,
            membership: Membership::Known(Vec::new()),
            label: format!("subnet `{name}`"),
            uncertainty,
        }
    }

    /// One IP configuration of a NIC.
    pub fn nic(network: &Network, nic: NicId, ip_config: usize) -> Option<Endpoint> {
        let n = network.nic(nic)?;
        let ip = n.ip_configs.get(ip_config)?;
        let subnet = ip.subnet.as_ref().and_then(|l| l.resolved());
        let (addresses, uncertainty) = match ip.private_ip.as_ref().map(|f| &f.value) {
            Some(Val::Known(addr)) => (AddrSet::addr(*addr), None),
            // Dynamic (or unknown) address: somewhere in its subnet, in its family.
            _ => {
                let (mut set, mut uncertainty) = match (subnet, ip.subnet.as_ref()) {
                    (Some(s), _) => subnet_addresses(network, s),
                    (None, Some(Link::Unknown(u))) => (
                        AddrSet::full(),
                        Some(AddressUncertainty {
                            sure: AddrSet::empty(),
                            reasons: vec![(**u).clone()],
                        }),
                    ),
                    (None, _) => (AddrSet::full(), None),
                };
                let family = |set: &mut AddrSet| match ip.version {
                    IpVersion::V4 => set.v6 = IntervalSet::empty(),
                    IpVersion::V6 => set.v4 = IntervalSet::empty(),
                };
                family(&mut set);
                if let Some(u) = uncertainty.as_mut() {
                    family(&mut u.sure);
                }
                (set, uncertainty)
            }
        };
        let mut asgs: Vec<_> = ip.asgs.iter().filter_map(|a| a.resolved()).collect();
        asgs.sort();
        let membership = if ip.asgs.iter().all(|a| a.resolved().is_some()) {
            Membership::Known(asgs)
        } else {
            Membership::Unknown
        };
        Some(Endpoint {
            addresses,
            subnet,
            nics: vec![nic],
            nic_nsg: n.nsg.clone(),
            membership,
            label: format!("NIC `{}`", n.resource.name.value),
            uncertainty,
        })
    }

    /// Addresses outside the model (Internet, on-premises): no NSG on this side.
    pub fn external(addresses: AddrSet, label: impl Into<String>) -> Endpoint {
        Endpoint {
            addresses,
            subnet: None,
            nics: Vec::new(),
            nic_nsg: None,
            membership: Membership::Known(Vec::new()),
            label: label.into(),
            uncertainty: None,
        }
    }

    /// What this end certainly has: all its addresses, unless they are uncertain.
    pub fn sure_addresses(&self) -> &AddrSet {
        match &self.uncertainty {
            Some(u) => &u.sure,
            None => &self.addresses,
        }
    }

    /// Usable host addresses: Azure reserves the first four and the last address of each IPv4
    /// prefix. For witnesses, so they look like real instances.
    pub fn usable_addresses(&self, network: &Network) -> AddrSet {
        let Some(subnet) = self.subnet.and_then(|s| network.subnet(s)) else {
            return self.addresses.clone();
        };
        let mut reserved = Vec::new();
        for p in subnet.prefixes.iter().filter_map(|p| p.value.known()) {
            if let ipnet::IpNet::V4(n) = p {
                let (first, last) = (u32::from(n.network()), u32::from(n.broadcast()));
                if last - first >= 5 {
                    reserved.push((first, first + 3));
                    reserved.push((last, last));
                }
            }
        }
        let reserved = AddrSet {
            v4: IntervalSet::from_ranges(reserved),
            v6: IntervalSet::empty(),
        };
        self.addresses.difference(&reserved)
    }
}

/// The addresses a subnet's hosts may have, and — when a prefix is unknown — what they
/// certainly have. An unknown prefix lies somewhere in the VNet's address space (Azure places
/// subnets inside it); when that is not known either, anywhere.
fn subnet_addresses(network: &Network, subnet: SubnetId) -> (AddrSet, Option<AddressUncertainty>) {
    let Some(s) = network.subnet(subnet) else {
        return (AddrSet::empty(), None);
    };
    let known: Vec<_> = s
        .prefixes
        .iter()
        .filter_map(|p| p.value.known().copied())
        .collect();
    let sure = AddrSet::from_nets(known.iter());
    let reasons: Vec<Unknown> = s
        .prefixes
        .iter()
        .filter_map(|p| p.value.as_unknown().cloned())
        .collect();
    if reasons.is_empty() {
        return (sure, None);
    }
    let vnet_space = s
        .vnet
        .resolved()
        .and_then(|v| network.vnet(v))
        .and_then(|v| {
            let nets: Option<Vec<_>> = v
                .address_space
                .iter()
                .map(|a| a.value.known().copied())
                .collect();
            nets.filter(|n| !n.is_empty())
        });
    let may = match vnet_space {
        Some(nets) => AddrSet::from_nets(nets.iter()).union(&sure),
        None => AddrSet::full(),
    };
    (may, Some(AddressUncertainty { sure, reasons }))
}

/// The classes of endpoints in a subnet that NSGs can tell apart: NICs grouped by their NSG
/// and ASG memberships (addresses united), and — when the model has no NIC in the subnet — its
/// plain hosts. Checking every pair of classes covers every pair of hosts without a quadratic
/// walk over NICs.
pub fn subnet_endpoint_classes(network: &Network, subnet: SubnetId) -> Vec<Endpoint> {
    let mut classes: Vec<Endpoint> = Vec::new();
    for &(nic, ip_index) in network.nics_in_subnet(subnet) {
        let Some(e) = Endpoint::nic(network, nic, ip_index) else {
            continue;
        };
        let same = |c: &Endpoint| {
            c.nic_nsg.as_ref().map(link_key) == e.nic_nsg.as_ref().map(link_key)
                && c.membership == e.membership
        };
        match classes.iter_mut().find(|c| same(c)) {
            Some(c) => {
                c.uncertainty = merge_uncertainty(c, &e);
                c.addresses = c.addresses.union(&e.addresses);
                c.nics.extend(e.nics);
                if c.nics.len() == 2 {
                    c.label = format!("{} (and NICs alike)", c.label);
                }
            }
            None => classes.push(e),
        }
    }
    if classes.is_empty() {
        classes.push(Endpoint::subnet_hosts(network, subnet));
    }
    classes
}

/// The uncertainty of two endpoints united: sure of what either surely has.
fn merge_uncertainty(a: &Endpoint, b: &Endpoint) -> Option<AddressUncertainty> {
    if a.uncertainty.is_none() && b.uncertainty.is_none() {
        return None;
    }
    let mut reasons = Vec::new();
    for u in a.uncertainty.iter().chain(b.uncertainty.iter()) {
        for r in &u.reasons {
            if !reasons.contains(r) {
                reasons.push(r.clone());
            }
        }
    }
    Some(AddressUncertainty {
        sure: a.sure_addresses().union(b.sure_addresses()),
        reasons,
    })
}

fn link_key(l: &Link<NsgId>) -> Option<NsgId> {
    l.resolved()
}

/// Which hop of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HopKind {
    /// The security admin rules of the source's VNet, outbound.
    SourceAdmin,
    SourceNic,
    SourceSubnet,
    /// The security admin rules of the destination's VNet, inbound.
    DestinationAdmin,
    DestinationSubnet,
    DestinationNic,
}

impl HopKind {
    /// `source-nic`, `destination-subnet`…: the hop's name in JSON output.
    pub fn id(self) -> &'static str {
        match self {
            HopKind::SourceAdmin => "source-admin",
            HopKind::DestinationAdmin => "destination-admin",
            HopKind::SourceNic => "source-nic",
            HopKind::SourceSubnet => "source-subnet",
            HopKind::DestinationSubnet => "destination-subnet",
            HopKind::DestinationNic => "destination-nic",
        }
    }

    pub fn direction(self) -> Direction {
        if self.is_source() {
            Direction::Outbound
        } else {
            Direction::Inbound
        }
    }

    /// A hop on the source's side (outbound).
    pub fn is_source(self) -> bool {
        matches!(
            self,
            HopKind::SourceAdmin | HopKind::SourceNic | HopKind::SourceSubnet
        )
    }

    pub fn is_admin(self) -> bool {
        matches!(self, HopKind::SourceAdmin | HopKind::DestinationAdmin)
    }
}

impl fmt::Display for HopKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HopKind::SourceAdmin => "source VNet admin rules, outbound",
            HopKind::DestinationAdmin => "destination VNet admin rules, inbound",
            HopKind::SourceNic => "source NIC, outbound",
            HopKind::SourceSubnet => "source subnet, outbound",
            HopKind::DestinationSubnet => "destination subnet, inbound",
            HopKind::DestinationNic => "destination NIC, inbound",
        })
    }
}

/// What sits at a hop.
#[derive(Debug, Clone, PartialEq)]
pub enum HopNsg {
    /// No NSG at this level: everything passes.
    None,
    /// This NSG, associated at `association` (where the user wrote the link).
    Nsg { nsg: NsgId, association: Span },
    /// An NSG may be here but could not be resolved.
    Unknown(Unknown),
    /// The security admin rules that apply to this VNet.
    Admin { vnet: VnetId },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    pub kind: HopKind,
    pub nsg: HopNsg,
    /// The subnet whose VNet gives `VirtualNetwork` its meaning here.
    pub subnet: Option<SubnetId>,
}

/// Flows denied at a hop by a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Denial {
    pub hop: HopKind,
    /// `None` at an admin hop (the rule is a [`RuleRef::Admin`]).
    pub nsg: Option<NsgId>,
    pub rule: RuleRef,
    pub region: FlowSet,
}

/// Flows allowed at a hop by a rule (for explanations).
#[derive(Debug, Clone, PartialEq)]
pub struct Pass {
    pub hop: HopKind,
    /// `None` at an admin hop (the rule is a [`RuleRef::Admin`]).
    pub nsg: Option<NsgId>,
    pub rule: RuleRef,
    pub region: FlowSet,
}

/// Flows whose verdict depends on something unknown, at the first hop where that happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Undecided {
    pub hop: HopKind,
    /// Later hops where the verdict of some of these flows also depends on unknowns.
    pub also: Vec<HopKind>,
    pub nsg: Option<NsgId>,
    pub rules: Vec<RuleRef>,
    pub reasons: Vec<Unknown>,
    pub region: FlowSet,
    /// The admin hop whose `AlwaysAllow` may have let these flows past the NSGs of its side
    /// (those NSGs then cannot settle them).
    pub bypass: Option<HopKind>,
}

/// The verdict on a set of flows between two endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct PathResult {
    pub hops: Vec<Hop>,
    /// Certainly allowed end to end.
    pub allowed: FlowSet,
    /// Certainly denied, each part by the first hop and rule that deny it.
    pub denied: Vec<Denial>,
    /// Verdict depends on an unknown.
    pub indeterminate: Vec<Undecided>,
    /// For allowed flows: the rule that let them through at each hop.
    pub passes: Vec<Pass>,
}

impl PathResult {
    pub fn is_fully_allowed(&self) -> bool {
        self.denied.is_empty() && self.indeterminate.is_empty()
    }
}

fn hop_nsg(link: Option<&Link<NsgId>>, network: &Network) -> HopNsg {
    match link {
        None => HopNsg::None,
        Some(Link::Resolved(s)) if network.nsg(s.value).is_some() => HopNsg::Nsg {
            nsg: s.value,
            association: s.span,
        },
        Some(Link::Resolved(s)) => HopNsg::Unknown(Unknown {
            reason: "association points at a missing network security group".into(),
            span: s.span,
            origin: None,
        }),
        Some(Link::Unknown(u)) => HopNsg::Unknown((**u).clone()),
        Some(Link::Key(k)) => HopNsg::Unknown(Unknown {
            reason: format!("network security group `{}` was not linked", k.value),
            span: k.span,
            origin: None,
        }),
    }
}

/// The hops between two endpoints, in Azure's order.
pub fn hops(network: &Network, src: &Endpoint, dst: &Endpoint) -> Vec<Hop> {
    let subnet_nsg = |s: Option<SubnetId>| -> Option<&Link<NsgId>> {
        s.and_then(|id| network.subnet(id))
            .and_then(|s| s.nsg.as_ref())
    };
    let mut out = Vec::new();
    if let Some(vnet) = admin_vnet(network, src) {
        out.push(Hop {
            kind: HopKind::SourceAdmin,
            nsg: HopNsg::Admin { vnet },
            subnet: src.subnet,
        });
    }
    if !src.nics.is_empty() {
        out.push(Hop {
            kind: HopKind::SourceNic,
            nsg: hop_nsg(src.nic_nsg.as_ref(), network),
            subnet: src.subnet,
        });
    }
    if src.subnet.is_some() {
        out.push(Hop {
            kind: HopKind::SourceSubnet,
            nsg: hop_nsg(subnet_nsg(src.subnet), network),
            subnet: src.subnet,
        });
    }
    if let Some(vnet) = admin_vnet(network, dst) {
        out.push(Hop {
            kind: HopKind::DestinationAdmin,
            nsg: HopNsg::Admin { vnet },
            subnet: dst.subnet,
        });
    }
    if dst.subnet.is_some() {
        out.push(Hop {
            kind: HopKind::DestinationSubnet,
            nsg: hop_nsg(subnet_nsg(dst.subnet), network),
            subnet: dst.subnet,
        });
    }
    if !dst.nics.is_empty() {
        out.push(Hop {
            kind: HopKind::DestinationNic,
            nsg: hop_nsg(dst.nic_nsg.as_ref(), network),
            subnet: dst.subnet,
        });
    }
    out
}

/// The VNet whose admin rules apply to an endpoint: its subnet's VNet, when admin rules are
/// in scope there and the subnet is not one Azure exempts.
fn admin_vnet(network: &Network, end: &Endpoint) -> Option<VnetId> {
    let subnet = end.subnet?;
    let vnet = network.subnet(subnet)?.vnet.resolved()?;
    if crate::model::admin::subnet_exempt(network, subnet) || network.admin_scope(vnet).is_empty() {
        return None;
    }
    Some(vnet)
}

/// Most unknown questions enumerated per path when correlating unknowns (2^n walks over the
/// undecided flows only); past this the uncorrelated, sound verdict stands.
pub const MAX_ATOMS: usize = 10;

/// The flows of `flows` going from `src` to `dst`: which are allowed, which denied (by which
/// hop and rule), and which depend on unknowns. `flows` is first narrowed to the endpoints'
/// addresses.
///
/// Unknowns are correlated (nsg-semantics §2.10): one unknown is one variable wherever it
/// appears, so a flow is indeterminate only when two consistent resolutions of the unknowns
/// give it different verdicts. A first walk takes each rule's unknowns on their own (cheap, and
/// exact whenever nothing is unknown); the flows it leaves undecided are then walked once per
/// resolution of the questions the rules on the path ask about them.
pub fn evaluate_path(
    network: &Network,
    flows: &FlowSet,
    src: &Endpoint,
    dst: &Endpoint,
) -> Result<PathResult, TooComplex> {
    evaluate_path_with(&CompiledRules::new(network), flows, src, dst)
}

/// [`evaluate_path`] in the network of `rules`, reusing (and adding to) its compiled rules: a
/// check evaluates many paths through the same NSGs.
pub fn evaluate_path_with(
    rules: &CompiledRules<'_>,
    flows: &FlowSet,
    src: &Endpoint,
    dst: &Endpoint,
) -> Result<PathResult, TooComplex> {
    let ends = Cube {
        src: src.addresses.clone(),
        dst: dst.addresses.clone(),
        ..Cube::universe()
    };
    let mut result = walk(rules, flows.intersect_cube(&ends), src, dst, None)?;
    if !result.indeterminate.is_empty() {
        correlate(rules, src, dst, &mut result)?;
    }
    Ok(result)
}

/// The rule context of a hop.
fn hop_context<'a>(
    network: &'a Network,
    tags: &'a TagContext,
    src: &'a Endpoint,
    dst: &'a Endpoint,
) -> RuleContext<'a> {
    RuleContext {
        network,
        tags,
        source: &src.membership,
        destination: &dst.membership,
    }
}

/// Re-decide the undecided flows of `result` under every resolution of the unknowns they
/// depend on: flows every resolution allows are allowed, flows every resolution denies are
/// denied (attributed as in the first resolution, where no unknown holds), the rest stay
/// indeterminate.
fn correlate(
    rules: &CompiledRules<'_>,
    src: &Endpoint,
    dst: &Endpoint,
    result: &mut PathResult,
) -> Result<(), TooComplex> {
    let (undecided, atoms) = undecided_atoms_in(rules, src, dst, result)?;
    if atoms.is_empty() || atoms.len() > MAX_ATOMS {
        return Ok(());
    }
    let mut always_allowed: Option<FlowSet> = None;
    let mut always_denied: Option<FlowSet> = None;
    let mut first: Option<PathResult> = None;
    for resolution in Resolution::all(&atoms) {
        let r = walk(rules, undecided.clone(), src, dst, Some(&resolution))?;
        let mut denied = FlowSet::empty();
        for d in &r.denied {
            denied = denied.union_disjoint(d.region.clone())?;
        }
        always_allowed = Some(match always_allowed {
            None => r.allowed.clone(),
            Some(prev) => prev.intersect(&r.allowed)?,
        });
        always_denied = Some(match always_denied {
            None => denied,
            Some(prev) => prev.intersect(&denied)?,
        });
        if first.is_none() {
            first = Some(r);
        }
    }
    let (Some(allowed), Some(denied), Some(first)) = (always_allowed, always_denied, first) else {
        return Ok(());
    };
    let settled = allowed.union(&denied)?;
    if settled.is_empty() {
        return Ok(());
    }
    for d in first.denied {
        let region = d.region.intersect(&denied)?;
        if !region.is_empty() {
            result.denied.push(Denial { region, ..d });
        }
    }
    for p in first.passes {
        let mut region = p.region.intersect(&settled)?;
        // A flow undecided only at a later hop already has its pass at this hop recorded.
        for q in result.passes.iter().filter(|q| q.hop == p.hop) {
            if region.is_empty() {
                break;
            }
            region = region.subtract(&q.region)?;
        }
        if !region.is_empty() {
            result.passes.push(Pass { region, ..p });
        }
    }
    result.allowed = std::mem::take(&mut result.allowed).union_disjoint(allowed)?;
    let mut still = Vec::with_capacity(result.indeterminate.len());
    for mut u in std::mem::take(&mut result.indeterminate) {
        u.region = u.region.subtract(&settled)?;
        if !u.region.is_empty() {
            still.push(u);
        }
    }
    result.indeterminate = still;
    Ok(())
}

/// The flows `result` leaves undecided, and the unknown questions the rules on the path ask
/// about them.
pub fn undecided_atoms(
    network: &Network,
    src: &Endpoint,
    dst: &Endpoint,
    result: &PathResult,
) -> Result<(FlowSet, Vec<Atom>), TooComplex> {
    undecided_atoms_in(&CompiledRules::new(network), src, dst, result)
}

fn undecided_atoms_in(
    rules: &CompiledRules<'_>,
    src: &Endpoint,
    dst: &Endpoint,
    result: &PathResult,
) -> Result<(FlowSet, Vec<Atom>), TooComplex> {
    let mut undecided = FlowSet::empty();
    for u in &result.indeterminate {
        undecided = undecided.union_disjoint(u.region.clone())?;
    }
    let network = rules.network();
    let mut atoms: Vec<Atom> = Vec::new();
    for hop in &result.hops {
        if let HopNsg::Admin { vnet } = &hop.nsg {
            let tags = rules.tags(hop.subnet);
            let ctx = hop_context(network, &tags, src, dst);
            let scope = network.admin_scope(*vnet);
            let direction = hop.kind.direction();
            for a in admin::atoms(network, *vnet, &scope, direction, &ctx, &undecided) {
                if !atoms.contains(&a) {
                    atoms.push(a);
                }
            }
            continue;
        }
        let HopNsg::Nsg { nsg: id, .. } = &hop.nsg else {
            continue;
        };
        let tags = rules.tags(hop.subnet);
        let direction = hop.kind.direction();
        let Some(nsg) = rules.nsg(*id, direction, &tags, &src.membership, &dst.membership) else {
            continue;
        };
        for a in atoms_compiled(&nsg, &undecided) {
            if !atoms.contains(&a) {
                atoms.push(a);
            }
        }
    }
    Ok((undecided, atoms))
}

/// One walk along the path: over every answer to the unknowns (`resolution` = `None`, each
/// rule's unknowns on their own) or under one resolution.
fn walk(
    rules: &CompiledRules<'_>,
    flows: FlowSet,
    src: &Endpoint,
    dst: &Endpoint,
    resolution: Option<&Resolution>,
) -> Result<PathResult, TooComplex> {
    let network = rules.network();
    let mut allowed = flows;
    let hops = hops(network, src, dst);
    let mut denied = Vec::new();
    let mut passes = Vec::new();
    let mut undecided: Vec<Undecided> = Vec::new();
    // Flows an admin `AlwaysAllow` let past the NSGs of its side (`held_source`): they rejoin
    // the walk on the other side.
    let mut held = FlowSet::empty();
    let mut held_source = true;
    for hop in &hops {
        if hop.kind.is_source() != held_source && !held.is_empty() {
            allowed = allowed.union_disjoint(std::mem::take(&mut held))?;
        }
        if hop.kind.is_admin() {
            held_source = hop.kind.is_source();
        }
        match &hop.nsg {
            HopNsg::None => {}
            HopNsg::Admin { vnet } => {
                let tags = rules.tags(hop.subnet);
                let ctx = hop_context(network, &tags, src, dst);
                let mut state = WalkState {
                    allowed: &mut allowed,
                    held: &mut held,
                    denied: &mut denied,
                    passes: &mut passes,
                    undecided: &mut undecided,
                };
                admin_hop(network, hop, *vnet, &ctx, resolution, &mut state)?;
            }
            HopNsg::Unknown(u) => {
                if !allowed.is_empty() {
                    undecided.push(Undecided {
                        hop: hop.kind,
                        also: Vec::new(),
                        nsg: None,
                        rules: Vec::new(),
                        reasons: vec![u.clone()],
                        region: std::mem::take(&mut allowed),
                        bypass: None,
                    });
                }
            }
            HopNsg::Nsg { nsg: id, .. } => {
                let tags = rules.tags(hop.subnet);
                let direction = hop.kind.direction();
                let Some(nsg) = rules.nsg(*id, direction, &tags, &src.membership, &dst.membership)
                else {
                    continue;
                };
                let fold_here = |flows: FlowSet| fold_compiled(&nsg, flows, resolution);
                // Certainly-allowed flows so far.
                let result = fold_here(std::mem::take(&mut allowed))?;
                for d in result.decided {
                    match d.access {
                        crate::model::Access::Allow => {
                            // Regions decided by different rules are disjoint.
                            allowed =
                                std::mem::take(&mut allowed).union_disjoint(d.region.clone())?;
                            passes.push(Pass {
                                hop: hop.kind,
                                nsg: Some(*id),
                                rule: d.rule,
                                region: d.region,
                            });
                        }
                        crate::model::Access::Deny => denied.push(Denial {
                            hop: hop.kind,
                            nsg: Some(*id),
                            rule: d.rule,
                            region: d.region,
                        }),
                    }
                }
                for u in result.indeterminate {
                    undecided.push(Undecided {
                        hop: hop.kind,
                        also: Vec::new(),
                        nsg: Some(*id),
                        rules: u.rules,
                        reasons: u.reasons,
                        region: u.region,
                        bypass: None,
                    });
                }
                // Flows already undecided are still denied for certain if this hop denies them.
                let mut still = Vec::with_capacity(undecided.len());
                for mut u in std::mem::take(&mut undecided) {
                    let bypassed = u
                        .bypass
                        .is_some_and(|b| b.is_source() == hop.kind.is_source());
                    if u.hop == hop.kind || bypassed {
                        still.push(u);
                        continue;
                    }
                    let later = fold_here(std::mem::take(&mut u.region))?;
                    let mut keep = FlowSet::empty();
                    for d in later.decided {
                        match d.access {
                            crate::model::Access::Deny => denied.push(Denial {
                                hop: hop.kind,
                                nsg: Some(*id),
                                rule: d.rule,
                                region: d.region,
                            }),
                            crate::model::Access::Allow => {
                                // For explanations: the rule this hop lets them through by.
                                passes.push(Pass {
                                    hop: hop.kind,
                                    nsg: Some(*id),
                                    rule: d.rule,
                                    region: d.region.clone(),
                                });
                                keep = keep.union_disjoint(d.region)?;
                            }
                        }
                    }
                    for x in later.indeterminate {
                        keep = keep.union_disjoint(x.region)?;
                        if !u.also.contains(&hop.kind) {
                            u.also.push(hop.kind);
                        }
                        for r in x.reasons {
                            if !u.reasons.contains(&r) {
                                u.reasons.push(r);
                            }
                        }
                    }
                    if !keep.is_empty() {
                        u.region = keep;
                        still.push(u);
                    }
                }
                undecided = still;
            }
        }
    }
    if !held.is_empty() {
        allowed = allowed.union_disjoint(held)?;
    }
    Ok(PathResult {
        hops,
        allowed,
        denied,
        indeterminate: undecided,
        passes,
    })
}

/// The walk's running state, lent to one hop.
struct WalkState<'w> {
    allowed: &'w mut FlowSet,
    held: &'w mut FlowSet,
    denied: &'w mut Vec<Denial>,
    passes: &'w mut Vec<Pass>,
    undecided: &'w mut Vec<Undecided>,
}

/// An admin hop: dropped flows are denied, always-allowed flows skip this side's NSGs (held
/// until the other side, or the end), handed-over flows walk on, and flows whose outcome is
/// unknown become undecided. Flows already undecided are evaluated too: a drop settles them.
fn admin_hop(
    network: &Network,
    hop: &Hop,
    vnet: VnetId,
    ctx: &RuleContext<'_>,
    resolution: Option<&Resolution>,
    st: &mut WalkState<'_>,
) -> Result<(), TooComplex> {
    let scope = network.admin_scope(vnet);
    let direction = hop.kind.direction();
    let run =
        |flows: FlowSet| admin::evaluate(network, vnet, &scope, direction, ctx, flows, resolution);
    let out = run(std::mem::take(st.allowed))?;
    record_admin_decisions(hop.kind, &out, st);
    for (_, region) in out.always {
        *st.held = std::mem::take(st.held).union_disjoint(region)?;
    }
    for (_, region) in out.handed {
        *st.allowed = std::mem::take(st.allowed).union_disjoint(region)?;
    }
    let mut still = Vec::with_capacity(st.undecided.len());
    for u in out.uncertain {
        still.push(Undecided {
            hop: hop.kind,
            also: Vec::new(),
            nsg: None,
            rules: u.rules.into_iter().map(RuleRef::Admin).collect(),
            reasons: u.reasons,
            region: u.region,
            bypass: u.may_bypass.then_some(hop.kind),
        });
    }
    for mut u in std::mem::take(st.undecided) {
        let later = run(std::mem::take(&mut u.region))?;
        record_admin_decisions(hop.kind, &later, st);
        let mut parts: Vec<(FlowSet, Option<HopKind>)> = Vec::new();
        for (_, region) in later.always {
            parts.push((region, Some(hop.kind)));
        }
        for (_, region) in later.handed {
            parts.push((region, None));
        }
        for x in later.uncertain {
            if !u.also.contains(&hop.kind) {
                u.also.push(hop.kind);
            }
            for r in x.reasons {
                if !u.reasons.contains(&r) {
                    u.reasons.push(r);
                }
            }
            parts.push((x.region, x.may_bypass.then_some(hop.kind)));
        }
        for (region, bypass) in parts {
            if !region.is_empty() {
                still.push(Undecided {
                    region,
                    bypass,
                    ..u.clone()
                });
            }
        }
    }
    *st.undecided = still;
    Ok(())
}

fn record_admin_decisions(hop: HopKind, out: &admin::AdminOutcome, st: &mut WalkState<'_>) {
    for (i, region) in &out.dropped {
        st.denied.push(Denial {
            hop,
            nsg: None,
            rule: RuleRef::Admin(*i),
            region: region.clone(),
        });
    }
    let handed = out.handed.iter().filter_map(|(i, r)| i.map(|i| (i, r)));
    for (i, region) in out.always.iter().map(|(i, r)| (*i, r)).chain(handed) {
        st.passes.push(Pass {
            hop,
            nsg: None,
            rule: RuleRef::Admin(i),
            region: region.clone(),
        });
    }
}
