//! `reachability`: assertions that a set of flows must pass (`expect = "allow"`) or must not
//! (`expect = "deny"`) between parties, for every subnet in scope (NSG001–NSG003).
//!
//! Only endpoints with at least one NSG on their path are checked: a subnet with no NSG at all
//! is NSG004's finding, not an "open to the Internet" one (architecture.md).

use std::collections::BTreeMap;

use ipnet::IpNet;

use crate::eval::compile::{compile, RuleContext};
use crate::eval::flowset::{port_set, AddrSet, Cube, FlowSet, PortSet, ProtoSet};
use crate::eval::fold::{rule_order, RuleRef};
use crate::eval::intervals::IntervalSet;
use crate::eval::path::{
    evaluate_path, hops, subnet_endpoint_classes, AddressUncertainty, Endpoint, HopKind, HopNsg,
    PathResult, Undecided,
};
use crate::eval::tags::TagContext;
use crate::model::values::{parse_address, parse_port_range};
use crate::model::{
    Access, AddressItem, Network, NsgId, Protocol, ServiceTag, Subnet, SubnetId, Unknown,
};
use crate::policy::describe;
use crate::policy::file::{OneOrMany, PolicyError, PortValue, RawAssert, RawPolicy};
use crate::policy::finding::{Finding, Fix, Label, Witness};
use crate::policy::fix::{free_priority, language_of, render, RuleSuggestion, Slot};
use crate::policy::kinds::{glob_matcher, KindEntry};
use crate::policy::{Check, CheckContext, PolicyMeta};
use crate::source::{FileId, Span};

pub const ENTRY: KindEntry = KindEntry {
    name: "reachability",
    keys: &["scope", "assert"],
    build,
};

#[derive(Debug, Clone, PartialEq)]
enum Party {
    Subnet,
    Vnet,
    Any,
    Tag(ServiceTag),
    Prefix(IpNet),
}

#[derive(Debug, Clone)]
struct Assertion {
    expect: Access,
    protocols: ProtoSet,
    from: Vec<Party>,
    to: Vec<Party>,
    ports: PortSet,
    port_text: Vec<String>,
    source_ports: PortSet,
    except_from: Vec<IpNet>,
}

#[derive(Debug)]
struct Reachability {
    subnets: globset::GlobSet,
    resources: Option<globset::GlobSet>,
    asserts: Vec<Assertion>,
}

fn build(raw: &RawPolicy, file: FileId) -> Result<Box<dyn Check>, PolicyError> {
    let asserts = match &raw.asserts {
        Some(list) if !list.get_ref().is_empty() => list
            .get_ref()
            .iter()
            .map(|a| assertion(a.get_ref(), file))
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(PolicyError::at(
                file,
                raw.kind.span(),
                "a reachability policy needs at least one [[assert]] table",
            ))
        }
    };
    let default_scope = vec![toml::Spanned::new(0..0, "*".to_string())];
    let scope = raw.scope.as_ref().map(|s| s.get_ref());
    let subnets = glob_matcher(
        file,
        scope
            .and_then(|s| s.subnets.as_ref())
            .unwrap_or(&default_scope),
    )?;
    let resources = match scope.and_then(|s| s.resources.as_ref()) {
        Some(globs) => Some(glob_matcher(file, globs)?),
        None => None,
    };
    Ok(Box::new(Reachability {
        subnets,
        resources,
        asserts,
    }))
}

fn assertion(a: &RawAssert, file: FileId) -> Result<Assertion, PolicyError> {
    let expect = match a.expect.get_ref().as_str() {
        "allow" => Access::Allow,
        "deny" => Access::Deny,
        other => {
            return Err(PolicyError::at(
                file,
                a.expect.span(),
                format!("`expect` must be \"allow\" or \"deny\", not `{other}`"),
            ))
        }
    };
    let mut protocols = ProtoSet::EMPTY;
    for p in a.protocol.get_ref().items() {
        let set = match p.to_ascii_lowercase().as_str() {
            "*" | "any" => ProtoSet::ALL,
            other => match Protocol::ALL
                .iter()
                .find(|q| q.as_str().eq_ignore_ascii_case(other))
            {
                Some(q) => ProtoSet::only(*q),
                None => {
                    return Err(PolicyError::at(
                        file,
                        a.protocol.span(),
                        format!("unknown protocol `{p}`"),
                    )
                    .with_help("use tcp, udp, icmp, esp, ah or any"))
                }
            },
        };
        protocols = protocols.or(set);
    }
    let parties = |v: &toml::Spanned<OneOrMany>| -> Result<Vec<Party>, PolicyError> {
        v.get_ref().items().into_iter().map(|t| party(t).ok_or_else(|| {
            PolicyError::at(file, v.span(), format!("`{t}` is not a party"))
                .with_help("use subnet, vnet, any, Internet, a service tag, or an IP address or CIDR prefix")
        })).collect()
    };
    let from = parties(&a.from)?;
    let to = parties(&a.to)?;
    let port_list = |v: &Option<toml::Spanned<Vec<toml::Spanned<PortValue>>>>| -> Result<(PortSet, Vec<String>), PolicyError> {
        let Some(list) = v else {
            return Ok((port_set([crate::model::PortRange::ALL]), vec!["*".into()]));
        };
        let mut ranges = Vec::new();
        let mut text = Vec::new();
        for p in list.get_ref() {
            let t = p.get_ref().text();
            let r = parse_port_range(&t).map_err(|m| PolicyError::at(file, p.span(), m))?;
            ranges.push(r);
            text.push(t);
        }
        Ok((port_set(ranges), text))
    };
    let (ports, port_text) = port_list(&a.ports)?;
    let (source_ports, _) = port_list(&a.source_ports)?;
    let mut except_from = Vec::new();
    if let Some(list) = &a.except_from {
        for p in list.get_ref() {
            match parse_address(p.get_ref()).item {
                Some(AddressItem::Prefix(net)) => except_from.push(net),
                _ => {
                    return Err(PolicyError::at(
                        file,
                        p.span(),
                        format!("`{}` is not an IP address or CIDR prefix", p.get_ref()),
                    ))
                }
            }
        }
    }
    Ok(Assertion {
        expect,
        protocols,
        from,
        to,
        ports,
        port_text,
        source_ports,
        except_from,
    })
}

impl Assertion {
    /// Whether its sources are hosts of the subnet or its VNet (NSG001's flows).
    fn needs_a_real_subnet(&self) -> bool {
        self.from
            .iter()
            .any(|p| matches!(p, Party::Subnet | Party::Vnet))
    }
}

fn party(t: &str) -> Option<Party> {
    match t.to_ascii_lowercase().as_str() {
        "subnet" => return Some(Party::Subnet),
        "vnet" => return Some(Party::Vnet),
        "any" | "*" => return Some(Party::Any),
        _ => {}
    }
    match parse_address(t).item? {
        AddressItem::Any => Some(Party::Any),
        AddressItem::Prefix(net) => Some(Party::Prefix(net)),
        AddressItem::Tag(tag) => Some(Party::Tag(tag)),
        AddressItem::Asg(_) => None,
    }
}

impl Check for Reachability {
    fn check(&self, policy: &PolicyMeta, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        // Unattached NSGs and NICs in unresolved subnets are judged on hypothetical subnets.
        let placed = ctx.network.with_hypothetical_subnets();
        let (net, placements) = match &placed {
            Some((n, p)) => (n, Some(p)),
            None => (ctx.network, None),
        };
        let ctx = &CheckContext {
            network: net,
            ..*ctx
        };
        for (index, subnet) in net.subnets.iter().enumerate() {
            let id = SubnetId(index);
            if !self.subnets.is_match(&subnet.resource.name.value) {
                continue;
            }
            if let Some(r) = &self.resources {
                if !r.is_match(&subnet.resource.address) {
                    continue;
                }
            }
            let hypothesis = placements.and_then(|p| p.hypothesis(id));
            let mut report = SubnetReport::default();
            // Flows among a subnet's own hosts need a real subnet.
            for a in self
                .asserts
                .iter()
                .filter(|a| hypothesis.is_none() || !a.needs_a_real_subnet())
            {
                check_assertion(net, id, a, &mut report);
            }
            let first = out.len();
            report.emit(policy, ctx, subnet, id, out);
            if let Some(h) = hypothesis {
                let note = h.note(net);
                // The hypothetical prefixes are not written anywhere: no label for them.
                let assumed = format!("subnet `{}` is ", subnet.resource.name.value);
                for f in out.iter_mut().skip(first) {
                    f.labels.retain(|l| {
                        !(l.span == subnet.resource.span && l.message.starts_with(&assumed))
                    });
                    f.notes.push(note.clone());
                }
            }
        }
    }

    fn set_scope(&mut self, subnets: Vec<String>) -> Result<(), String> {
        let mut b = globset::GlobSetBuilder::new();
        for g in &subnets {
            let glob = globset::GlobBuilder::new(g)
                .case_insensitive(true)
                .build()
                .map_err(|e| format!("invalid subnet glob `{g}`: {}", e.kind()))?;
            b.add(glob);
        }
        self.subnets = b
            .build()
            .map_err(|e| format!("invalid subnet globs: {e}"))?;
        Ok(())
    }

    fn add_except_from(&mut self, prefixes: Vec<IpNet>) {
        for a in &mut self.asserts {
            a.except_from.extend(prefixes.iter().copied());
        }
    }
}

/// Endpoints standing for the parties of one side, seen from subnet `s`.
fn endpoints(net: &Network, s: SubnetId, parties: &[Party], except: &[IpNet]) -> Vec<Endpoint> {
    let mut out = Vec::new();
    let mut outside = AddrSet::empty();
    // What the outside parties certainly hold, and why not all of `outside` (tags over an
    // address space that is not known).
    let mut outside_sure = AddrSet::empty();
    let mut outside_unknowns: Vec<Unknown> = Vec::new();
    let tags = TagContext::for_subnet(net, Some(s));
    let mut labels = Vec::new();
    for p in parties {
        match p {
            Party::Subnet => out.extend(subnet_endpoint_classes(net, s)),
            Party::Vnet => {
                let vnet = net.subnet(s).and_then(|x| x.vnet.resolved());
                let subnets = vnet
                    .map(|v| net.subnets_of_vnet(v).to_vec())
                    .unwrap_or_else(|| vec![s]);
                for other in subnets {
                    out.extend(subnet_endpoint_classes(net, other));
                }
            }
            Party::Any => {
                outside = AddrSet::full();
                outside_sure = AddrSet::full();
                labels.push("any address".to_string());
            }
            Party::Tag(tag) => {
                let bounds = tags.expand(tag);
                if !bounds.is_exact() {
                    outside_unknowns.extend(tag_unknowns(net, s, tag, &tags));
                }
                outside = outside.union(&bounds.hi);
                outside_sure = outside_sure.union(&bounds.lo);
                labels.push(tag.to_string());
            }
            Party::Prefix(net) => {
                outside = outside.union(&AddrSet::from_net(net));
                outside_sure = outside_sure.union(&AddrSet::from_net(net));
                labels.push(net.to_string());
            }
        }
    }
    if !outside.is_empty() {
        let mut e = Endpoint::external(outside, labels.join(", "));
        if e.addresses != outside_sure {
            e.uncertainty = Some(AddressUncertainty {
                sure: outside_sure,
                reasons: outside_unknowns,
            });
        }
        out.push(e);
    }
    // Trusted sources leave every endpoint of this side, external or in the model.
    if !except.is_empty() {
        let excluded = AddrSet::from_nets(except.iter());
        for e in &mut out {
            e.addresses = e.addresses.difference(&excluded);
            if let Some(u) = e.uncertainty.as_mut() {
                u.sure = u.sure.difference(&excluded);
            }
        }
    }
    out
}

/// Why a tag's addresses are not exact seen from subnet `s`.
fn tag_unknowns(net: &Network, s: SubnetId, tag: &ServiceTag, tags: &TagContext) -> Vec<Unknown> {
    if !tags.vnet_unknowns.is_empty() {
        return tags.vnet_unknowns.clone();
    }
    let span = net
        .subnet(s)
        .map(|x| x.resource.span)
        .unwrap_or_else(crate::model::builder::span);
    vec![Unknown {
        reason: format!("the addresses of service tag `{tag}` are not known offline"),
        span,
    }]
}

/// The part of a failing `region` that fails whatever the unknown addresses of its endpoints
/// turn out to be, and the part that fails only for some of them (with why).
fn split_by_certainty(
    region: FlowSet,
    src: &Endpoint,
    dst: &Endpoint,
) -> (FlowSet, Option<(FlowSet, Vec<Unknown>)>) {
    if src.uncertainty.is_none() && dst.uncertainty.is_none() {
        return (region, None);
    }
    let reasons: Vec<Unknown> = src
        .uncertainty
        .iter()
        .chain(dst.uncertainty.iter())
        .flat_map(|u| u.reasons.iter().cloned())
        .collect();
    let certain = region.intersect_cube(&Cube {
        src: src.sure_addresses().clone(),
        dst: dst.sure_addresses().clone(),
        ..Cube::universe()
    });
    match region.subtract(&certain) {
        Ok(rest) if rest.is_empty() => (certain, None),
        Ok(rest) => (certain, Some((rest, reasons))),
        // Too complex to split: all of it is uncertain, never passed.
        Err(_) => (FlowSet::empty(), Some((region, reasons))),
    }
}

/// What went wrong for one subnet, across assertions and endpoint pairs.
#[derive(Default)]
struct SubnetReport {
    /// Flows that must pass but are denied, grouped by who denies them.
    denied: BTreeMap<(HopKind, Option<NsgId>, RuleRef), Failure>,
    /// Flows that must not pass but do, grouped by the rule that lets them in.
    allowed: BTreeMap<(HopKind, Option<NsgId>, Option<RuleRef>), Failure>,
    /// Flows whose verdict depends on unknowns.
    uncertain: Vec<Uncertain>,
    /// Every hop's association, for labels.
    associations: Vec<(NsgId, Span)>,
}

/// Flows whose verdict is unknown, why, the rules that may decide them, and a witness hint.
type Uncertain = (FlowSet, Vec<Unknown>, Vec<(Option<NsgId>, RuleRef)>, Cube);

struct Failure {
    region: FlowSet,
    hint: Cube,
    assertion: Assertion,
    src_label: String,
    dst_label: String,
}

fn hint(net: &Network, src: &Endpoint, dst: &Endpoint, a: &Assertion) -> Cube {
    let ephemeral = a.source_ports.intersect(&IntervalSet::range(49152, 65535));
    Cube {
        protocols: if a.protocols.contains(Protocol::Tcp) {
            ProtoSet::only(Protocol::Tcp)
        } else {
            a.protocols
        },
        src: src.usable_addresses(net),
        dst: dst.usable_addresses(net),
        src_ports: if ephemeral.is_empty() {
            a.source_ports.clone()
        } else {
            ephemeral
        },
        ..Cube::universe()
    }
}

/// One NIC with one address: its flows to the same endpoint are flows to itself. (A class of
/// several NICs alike keeps its own address pairs; only NSG rules naming one address on both
/// sides could tell those apart from the real pairs.)
fn is_one_host(e: &Endpoint) -> bool {
    let single = |v4: &[(u32, u32)], v6: &[(u128, u128)]| match (v4, v6) {
        ([(lo, hi)], []) => lo == hi,
        ([], [(lo, hi)]) => lo == hi,
        _ => false,
    };
    e.nics.len() == 1 && single(e.addresses.v4.ranges(), e.addresses.v6.ranges())
}

fn check_assertion(net: &Network, s: SubnetId, a: &Assertion, report: &mut SubnetReport) {
    let flows = FlowSet::from_cube(Cube {
        protocols: a.protocols,
        src_ports: a.source_ports.clone(),
        dst_ports: a.ports.clone(),
        ..Cube::universe()
    });
    let sources = endpoints(net, s, &a.from, &a.except_from);
    let destinations = endpoints(net, s, &a.to, &[]);
    for src in &sources {
        for dst in &destinations {
            if is_one_host(src) && src == dst {
                // A NIC's flow to itself is not a pair (nsg-semantics §2.11: A ≠ B).
                continue;
            }
            let path = hops(net, src, dst);
            if path.iter().all(|h| h.nsg == HopNsg::None) {
                continue;
            }
            for h in &path {
                if let HopNsg::Nsg { nsg, association } = &h.nsg {
                    if !report.associations.contains(&(*nsg, *association)) {
                        report.associations.push((*nsg, *association));
                    }
                }
            }
            let result = match evaluate_path(net, &flows, src, dst) {
                Ok(r) => r,
                Err(e) => {
                    let span = net
                        .subnet(s)
                        .map(|x| x.resource.span)
                        .unwrap_or_else(crate::model::builder::span);
                    let why = Unknown {
                        reason: format!("the evaluation is too complex to be exact ({e})"),
                        span,
                    };
                    report.uncertain.push((
                        flows.clone(),
                        vec![why],
                        Vec::new(),
                        hint(net, src, dst, a),
                    ));
                    continue;
                }
            };
            record(net, a, src, dst, result, report);
        }
    }
}

fn record(
    net: &Network,
    a: &Assertion,
    src: &Endpoint,
    dst: &Endpoint,
    result: PathResult,
    report: &mut SubnetReport,
) {
    let h = hint(net, src, dst, a);
    let failure = |region: FlowSet| Failure {
        region,
        hint: h.clone(),
        assertion: a.clone(),
        src_label: src.label.clone(),
        dst_label: dst.label.clone(),
    };
    // Failing flows of an endpoint whose addresses are unsure fail only for some values of
    // the unknowns: those are indeterminate (NSG030), never dropped.
    let mut unsure = |region: FlowSet, rule: Option<(Option<NsgId>, RuleRef)>| {
        let (certain, rest) = split_by_certainty(region, src, dst);
        if let Some((region, reasons)) = rest {
            report
                .uncertain
                .push((region, reasons, rule.into_iter().collect(), h.clone()));
        }
        certain
    };
    match a.expect {
        Access::Allow => {
            for mut d in result.denied {
                d.region = unsure(d.region, Some((d.nsg, d.rule)));
                if d.region.is_empty() {
                    continue;
                }
                let key = (d.hop, d.nsg, d.rule);
                match report.denied.get_mut(&key) {
                    Some(f) => f.region = f.region.union(&d.region).unwrap_or(d.region),
                    None => {
                        report.denied.insert(key, failure(d.region));
                    }
                }
            }
        }
        Access::Deny => {
            if !result.allowed.is_empty() {
                // The rule that lets the flows in at the last hop with an NSG.
                let last = result
                    .passes
                    .iter()
                    .filter(|p| {
                        p.region
                            .cubes()
                            .iter()
                            .any(|c| !result.allowed.intersect_cube(c).is_empty())
                    })
                    .max_by_key(|p| p.hop);
                let key = (
                    last.map(|p| p.hop).unwrap_or(HopKind::DestinationSubnet),
                    last.and_then(|p| p.nsg),
                    last.map(|p| p.rule),
                );
                let allowed = unsure(result.allowed.clone(), last.map(|p| (p.nsg, p.rule)));
                if allowed.is_empty() {
                    return record_indeterminate(result.indeterminate, &h, report);
                }
                match report.allowed.get_mut(&key) {
                    Some(f) => f.region = f.region.union(&allowed).unwrap_or(allowed),
                    None => {
                        report.allowed.insert(key, failure(allowed));
                    }
                }
            }
        }
    }
    record_indeterminate(result.indeterminate, &h, report);
}

fn record_indeterminate(list: Vec<Undecided>, h: &Cube, report: &mut SubnetReport) {
    for u in list {
        let rules = u
            .rules
            .iter()
            .filter(|r| u.nsg.is_some() || matches!(r, RuleRef::Admin(_)))
            .map(|r| (u.nsg, *r))
            .collect();
        report
            .uncertain
            .push((u.region, u.reasons, rules, h.clone()));
    }
}

/// How wide the sources of failing flows are, in classes stable under small edits: a single
/// host, a narrow range (up to 256 addresses), or wide.
fn source_class(region: &FlowSet) -> String {
    let mut v4 = IntervalSet::<u32>::empty();
    let mut v6 = IntervalSet::<u128>::empty();
    for c in region.cubes() {
        v4 = v4.union(&c.src.v4);
        v6 = v6.union(&c.src.v6);
    }
    let count: u128 = v4
        .ranges()
        .iter()
        .map(|(lo, hi)| u128::from(hi - lo) + 1)
        .chain(
            v6.ranges()
                .iter()
                .map(|(lo, hi)| (hi - lo).saturating_add(1)),
        )
        .fold(0u128, u128::saturating_add);
    match count {
        0 | 1 => "sources:host",
        2..=256 => "sources:narrow",
        _ => "sources:wide",
    }
    .to_string()
}

fn protocol_names(set: ProtoSet) -> String {
    if set == ProtoSet::ALL {
        return "any protocol".into();
    }
    let names: Vec<String> = set
        .iter()
        .map(|p| p.as_str().to_ascii_uppercase())
        .collect();
    names.join("/")
}

fn subnet_prefixes(subnet: &Subnet) -> Vec<String> {
    subnet
        .prefixes
        .iter()
        .filter_map(|p| p.value.known().map(|n| n.to_string()))
        .collect()
}

/// One witness per failing port range (the first port of a range).
fn witnesses(
    net: &Network,
    f: &Failure,
    decided: Option<(Option<NsgId>, RuleRef, HopKind)>,
    note: Option<String>,
) -> Vec<Witness> {
    let mut out = Vec::new();
    let ports = f.region.dst_ports();
    let port_groups: Vec<(u32, u32)> = if ports.is_empty() {
        vec![(0, crate::eval::flowset::NO_PORT)]
    } else {
        ports.ranges().to_vec()
    };
    for (lo, hi) in port_groups {
        let part = f.region.intersect_cube(&Cube {
            dst_ports: IntervalSet::range(lo, hi),
            ..Cube::universe()
        });
        let part = if part.is_empty() {
            f.region.clone()
        } else {
            part
        };
        if let Some(flow) = part.witness(Some(&f.hint)) {
            out.push(Witness {
                flow,
                decided_by: decided.and_then(|(n, r, h)| describe::decided_by(net, n, r, h)),
                note: note.clone(),
            });
        }
    }
    out
}

/// The first allow after the deciding rule that would have matched these flows: the rule that
/// "lost" to the deny.
fn lost_allow(
    net: &Network,
    nsg_id: NsgId,
    deciding: RuleRef,
    hop: HopKind,
    subnet: Option<SubnetId>,
    region: &FlowSet,
) -> Option<Span> {
    let nsg = net.nsg(nsg_id)?;
    let tags = TagContext::for_subnet(net, subnet);
    let unknown = crate::eval::compile::Membership::Unknown;
    let ctx = RuleContext {
        network: net,
        tags: &tags,
        source: &unknown,
        destination: &unknown,
    };
    let order = rule_order(nsg, hop.direction());
    let start = order.iter().position(|(r, _)| *r == deciding)? + 1;
    for (r, placed) in order.iter().skip(start) {
        let rule = r.resolve(nsg)?;
        if rule.access() != Some(Access::Allow) {
            continue;
        }
        let compiled = compile(rule, &ctx, *placed);
        if let Some(hi) = &compiled.hi {
            if !region.intersect_cube(hi).is_empty() {
                return Some(rule.span);
            }
        }
    }
    None
}

impl SubnetReport {
    fn emit(
        self,
        policy: &PolicyMeta,
        ctx: &CheckContext<'_>,
        subnet: &Subnet,
        id: SubnetId,
        out: &mut Vec<Finding>,
    ) {
        let net = ctx.network;
        let name = &subnet.resource.name.value;
        let prefixes = subnet_prefixes(subnet);
        let prefix_text = if prefixes.is_empty() {
            "prefixes unknown".to_string()
        } else {
            prefixes.join(", ")
        };
        let subnet_labels = |mut f: Finding| {
            for p in &subnet.prefixes {
                f = f.with_label(
                    p.span,
                    format!("subnet `{name}` is {}", crate::model::dump::field_text(p)),
                );
            }
            f
        };
        if !self.denied.is_empty() {
            out.push(self.denied_finding(policy, ctx, subnet, id, &prefix_text, &subnet_labels));
        }
        for ((hop, nsg, rule), f) in &self.allowed {
            let target = if f.dst_label.starts_with("subnet") {
                format!("{} ({prefix_text})", f.dst_label)
            } else {
                format!("{} in subnet `{name}` ({prefix_text})", f.dst_label)
            };
            let mut msg = format!(
                "{} {} from {} can reach {target}",
                protocol_names(f.region.protocols()),
                describe::ports(&f.region.dst_ports()),
                f.src_label,
            );
            let resolved = nsg
                .zip(*rule)
                .and_then(|(n, r)| describe::resolve(net, n, r));
            let primary = match resolved {
                Some((n, r)) => {
                    msg.push_str(&format!(
                        ": allowed by {} of NSG `{}` ({hop})",
                        describe::rule(r),
                        n.resource.name.value
                    ));
                    Label::new(
                        r.span,
                        format!(
                            "allows {} {} from {}",
                            protocol_names(f.region.protocols()),
                            describe::ports(&f.region.dst_ports()),
                            f.src_label
                        ),
                    )
                }
                None => match rule.and_then(|r| {
                    let admin = describe::rule_of(net, None, r)?;
                    Some((admin, describe::owned_rule(net, None, r)?))
                }) {
                    // An admin rule (AlwaysAllow) lets them in past the NSGs.
                    Some((admin, owned)) => {
                        msg.push_str(&format!(": allowed by {owned} ({hop})"));
                        Label::new(admin.span, "lets these flows past the NSGs")
                    }
                    None => Label::new(
                        subnet.resource.span,
                        "no rule on the path denies these flows",
                    ),
                },
            };
            let mut finding = subnet_labels(Finding::new(
                &policy.id,
                &policy.name,
                policy.severity,
                msg,
                primary,
            ));
            finding.witnesses = witnesses(net, f, rule.map(|r| (*nsg, r, *hop)), None);
            if let Some((n, r)) = resolved {
                finding = finding.with_resource(n.resource.address.clone(), Some(n.resource.span));
                finding.fix = Some(deny_fix(ctx, n, r, f, *hop));
            }
            let rule_name = resolved
                .map(|(_, r)| r.name.value.clone())
                .unwrap_or_default();
            let ports = describe::ports(&f.region.dst_ports());
            // What fails, so widening a baselined exposure (one host → `*`) is a new finding.
            let protocols = protocol_names(f.region.protocols());
            let sources = source_class(&f.region);
            out.push(finding.with_fingerprint(&[
                &subnet.resource.address,
                &rule_name,
                &ports,
                &protocols,
                &sources,
            ]));
        }
        if !self.uncertain.is_empty() {
            out.push(self.uncertain_finding(policy, ctx, subnet, &prefix_text));
        }
    }

    fn denied_finding(
        &self,
        policy: &PolicyMeta,
        ctx: &CheckContext<'_>,
        subnet: &Subnet,
        id: SubnetId,
        prefix_text: &str,
        subnet_labels: &dyn Fn(Finding) -> Finding,
    ) -> Finding {
        let net = ctx.network;
        let name = &subnet.resource.name.value;
        let mut parts = Vec::new();
        let mut first: Option<(Label, Option<(String, Span)>)> = None;
        let mut all_witnesses = Vec::new();
        let mut fixes = Vec::new();
        let mut labels = Vec::new();
        let mut fingerprint = vec![subnet.resource.address.clone()];
        for ((hop, nsg_id, rule_ref), f) in &self.denied {
            let Some(nsg_id) = nsg_id else {
                // Dropped by a security admin rule: no NSG edit can fix that.
                let (Some(rule), Some(owned)) = (
                    describe::rule_of(net, None, *rule_ref),
                    describe::owned_rule(net, None, *rule_ref),
                ) else {
                    continue;
                };
                let what = format!(
                    "{} {}",
                    protocol_names(f.region.protocols()),
                    describe::ports(&f.region.dst_ports())
                );
                parts.push(format!(
                    "{what} from {} to {} is denied by {owned} ({hop})",
                    f.src_label, f.dst_label
                ));
                fingerprint.push(format!("admin:{}:{}", rule.name.value, what));
                let label = Label::new(
                    rule.span,
                    format!("denies {what} before any NSG is consulted"),
                );
                if first.is_none() {
                    first = Some((label, None));
                } else {
                    labels.push(label);
                }
                all_witnesses.extend(witnesses(net, f, Some((None, *rule_ref, *hop)), None));
                continue;
            };
            let nsg_id = *nsg_id;
            let Some((nsg, rule)) = describe::resolve(net, nsg_id, *rule_ref) else {
                continue;
            };
            let what = format!(
                "{} {}",
                protocol_names(f.region.protocols()),
                describe::ports(&f.region.dst_ports())
            );
            let between = if f.src_label == f.dst_label {
                format!("within {} ({prefix_text})", f.src_label)
            } else {
                format!("from {} to {}", f.src_label, f.dst_label)
            };
            parts.push(format!(
                "{what} {between} is denied by {} of NSG `{}` ({hop})",
                describe::rule(rule),
                nsg.resource.name.value
            ));
            fingerprint.push(format!(
                "{}:{}:{}",
                nsg.resource.address,
                rule.name.value,
                describe::ports(&f.region.dst_ports())
            ));
            let label = Label::new(
                rule.span,
                format!("denies {what} between instances of `{name}`"),
            );
            if first.is_none() {
                first = Some((
                    label,
                    Some((nsg.resource.address.clone(), nsg.resource.span)),
                ));
            } else {
                labels.push(label);
            }
            if let Some(lost) = lost_allow(net, nsg_id, *rule_ref, *hop, Some(id), &f.region) {
                labels.push(Label::new(
                    lost,
                    "this allow is never reached for these flows",
                ));
            }
            all_witnesses.extend(witnesses(
                net,
                f,
                Some((Some(nsg_id), *rule_ref, *hop)),
                None,
            ));
            fixes.push(allow_fix(ctx, nsg, rule, f, *hop, subnet));
        }
        let Some((primary, resource)) = first else {
            return Finding::new(
                &policy.id,
                &policy.name,
                policy.severity,
                format!("subnet `{name}`: required flows are denied"),
                Label::new(subnet.resource.span, "here"),
            );
        };
        let message = format!(
            "{}: {}",
            policy.summary.trim_end_matches('.'),
            parts.join("; ")
        );
        let mut finding = subnet_labels(Finding::new(
            &policy.id,
            &policy.name,
            policy.severity,
            message,
            primary,
        ));
        for l in labels {
            finding = finding.with_label(l.span, l.message);
        }
        for (nsg_id, span) in &self.associations {
            if let Some(n) = net.nsg(*nsg_id) {
                finding = finding.with_label(
                    *span,
                    format!("NSG `{}` is associated here", n.resource.name.value),
                );
            }
        }
        if let Some((address, span)) = resource {
            finding = finding.with_resource(address, Some(span));
        }
        finding.witnesses = all_witnesses;
        finding.fix = merge_fixes(fixes);
        let parts: Vec<&str> = fingerprint.iter().map(String::as_str).collect();
        finding.with_fingerprint(&parts)
    }

    fn uncertain_finding(
        &self,
        policy: &PolicyMeta,
        ctx: &CheckContext<'_>,
        subnet: &Subnet,
        prefix_text: &str,
    ) -> Finding {
        let net = ctx.network;
        let target = ctx.unknown_value.unwrap_or(policy);
        let mut reasons: Vec<&Unknown> = Vec::new();
        for (_, rs, _, _) in &self.uncertain {
            for r in rs {
                if !reasons.iter().any(|x| x.reason == r.reason) {
                    reasons.push(r);
                }
            }
        }
        // What the user wrote comes first: the primary label points at it, not at a default rule.
        reasons.sort_by_key(|r| {
            ctx.sources
                .get(r.span.file)
                .is_none_or(|f| f.origin != crate::source::Origin::User)
        });
        let reason_text: Vec<String> = reasons.iter().map(|r| r.reason.clone()).collect();
        let message = format!(
            "{} cannot be decided for subnet `{}` ({prefix_text}): the verdict depends on values that are not known ({})",
            policy.id,
            subnet.resource.name.value,
            reason_text.join("; ")
        );
        let primary = reasons
            .first()
            .map(|r| Label::new(r.span, format!("unknown: {}", r.reason)))
            .unwrap_or_else(|| Label::new(subnet.resource.span, "verdict unknown"));
        let mut finding = Finding::new(&target.id, &target.name, target.severity, message, primary)
            .with_resource(subnet.resource.address.clone(), Some(subnet.resource.span))
            .with_note(format!("nsgate reports this as {} instead of passing it: a gate never passes on what it could not read", target.id));
        for r in reasons.iter().skip(1) {
            finding = finding.with_label(r.span, format!("unknown: {}", r.reason));
        }
        for (region, _, rules, h) in &self.uncertain {
            for (n, r) in rules {
                if let (Some(rule), Some(owned)) = (
                    describe::rule_of(net, *n, *r),
                    describe::owned_rule(net, *n, *r),
                ) {
                    finding = finding.with_label(
                        rule.span,
                        format!("{owned} may or may not decide these flows"),
                    );
                }
            }
            if let Some(flow) = region.witness(Some(h)) {
                finding.witnesses.push(Witness {
                    flow,
                    decided_by: None,
                    note: Some("verdict indeterminate".into()),
                });
            }
        }
        let reason_key = reason_text.join("|");
        finding.with_fingerprint(&[&policy.id, &subnet.resource.address, &reason_key])
    }
}

fn party_text(parties: &[Party], subnet: &Subnet) -> Vec<String> {
    let mut out = Vec::new();
    for p in parties {
        match p {
            Party::Subnet | Party::Vnet => out.extend(subnet_prefixes(subnet)),
            Party::Any => out.push("*".into()),
            Party::Tag(t) => out.push(t.to_string()),
            Party::Prefix(n) => out.push(n.to_string()),
        }
    }
    if out.is_empty() {
        out.push("*".into());
    }
    out
}

fn protocol_field(set: ProtoSet) -> String {
    let mut it = set.iter();
    match (it.next(), it.next()) {
        (Some(p), None) => p.as_str().to_string(),
        _ => "*".to_string(),
    }
}

fn allow_fix(
    ctx: &CheckContext<'_>,
    nsg: &crate::model::Nsg,
    rule: &crate::model::SecurityRule,
    f: &Failure,
    hop: HopKind,
    subnet: &Subnet,
) -> Fix {
    let direction = hop.direction();
    let before = rule.priority().unwrap_or(4096);
    let intra =
        f.assertion.from.contains(&Party::Subnet) && f.assertion.to.contains(&Party::Subnet);
    let what = format!(
        "{} {}",
        protocol_names(f.assertion.protocols),
        f.assertion.port_text.join(",")
    );
    let sources = party_text(&f.assertion.from, subnet);
    let destinations = party_text(&f.assertion.to, subnet);
    match free_priority(nsg, direction, before) {
        Slot::Free(priority) => {
            let suggestion = RuleSuggestion {
                name: if intra {
                    "AllowInstances".into()
                } else {
                    format!("Allow{}", f.assertion.port_text.join("_"))
                },
                priority,
                direction,
                access: Access::Allow,
                protocol: protocol_field(f.assertion.protocols),
                sources: sources.clone(),
                destinations: destinations.clone(),
                ports: f.assertion.port_text.clone(),
            };
            let language = language_of(ctx.sources, nsg.resource.span.file);
            Fix {
                summary: format!(
                    "add an Allow rule for {what} from {} to {} to NSG `{}` ({}) at priority {priority}, before {}",
                    sources.join(","),
                    destinations.join(","),
                    nsg.resource.name.value,
                    direction.as_str().to_ascii_lowercase(),
                    describe::rule(rule)
                ),
                snippet: Some(render(&suggestion, language)),
            }
        }
        Slot::Full { after, before } => {
            // The rule holding the slot just before the deciding one must move to make room.
            let blocking: Vec<String> = nsg
                .rules
                .iter()
                .filter(|r| r.direction() == Some(direction) && r.priority() == Some(after))
                .map(describe::rule)
                .collect();
            let blocking = if blocking.is_empty() {
                format!("the rule at priority {after}")
            } else {
                blocking.join(", ")
            };
            Fix {
                summary: format!(
                    "NSG `{}` has no free priority between {after} and {before}: move {blocking} to a lower number (or renumber the rules before {}) to make room for an Allow rule for {what} from {} to {}",
                    nsg.resource.name.value,
                    describe::rule(rule),
                    sources.join(","),
                    destinations.join(",")
                ),
                snippet: None,
            }
        }
    }
}

fn deny_fix(
    ctx: &CheckContext<'_>,
    nsg: &crate::model::Nsg,
    rule: &crate::model::SecurityRule,
    f: &Failure,
    hop: HopKind,
) -> Fix {
    let direction = hop.direction();
    let before = rule.priority().unwrap_or(4096);
    let what = format!(
        "{} {}",
        protocol_names(f.region.protocols()),
        describe::ports(&f.region.dst_ports())
    );
    let sources: Vec<String> = f
        .assertion
        .from
        .iter()
        .map(|p| match p {
            Party::Tag(t) => t.to_string(),
            Party::Prefix(n) => n.to_string(),
            _ => "*".into(),
        })
        .collect();
    let restrict = format!(
        "restrict {} to trusted source prefixes",
        describe::rule(rule)
    );
    match free_priority(nsg, direction, before) {
        Slot::Free(priority) => {
            let suggestion = RuleSuggestion {
                name: format!("Deny{}", f.assertion.port_text.join("_")),
                priority,
                direction,
                access: Access::Deny,
                protocol: protocol_field(f.region.protocols()),
                sources: sources.clone(),
                destinations: vec!["*".into()],
                ports: f.assertion.port_text.clone(),
            };
            Fix {
                summary: format!("{restrict}, or add a Deny rule for {what} from {} at priority {priority}, before it", sources.join(",")),
                snippet: Some(render(&suggestion, language_of(ctx.sources, nsg.resource.span.file))),
            }
        }
        Slot::Full { .. } => Fix {
            summary: restrict,
            snippet: None,
        },
    }
}

fn merge_fixes(fixes: Vec<Fix>) -> Option<Fix> {
    let mut it = fixes.into_iter();
    let first = it.next()?;
    let mut summary = first.summary;
    let mut snippet = first.snippet;
    for f in it {
        if summary.contains(&f.summary) {
            continue;
        }
        summary.push_str("; and ");
        summary.push_str(&f.summary);
        snippet = match (snippet, f.snippet) {
            (Some(a), Some(b)) if a != b => Some(format!("{a}\n\n{b}")),
            (a, b) => a.or(b),
        };
    }
    Some(Fix { summary, snippet })
}
