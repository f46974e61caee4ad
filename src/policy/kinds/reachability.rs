//! `reachability`: assertions that a set of flows must pass (`expect = "allow"`) or must not
//! (`expect = "deny"`) between parties, for every subnet in scope (NSG001–NSG003).
//!
//! Only endpoints with at least one NSG on their path are checked: a subnet with no NSG at all
//! is NSG004's finding, not an "open to the Internet" one (architecture.md).

use std::collections::BTreeMap;

use ipnet::IpNet;

use crate::eval::compiled::CompiledRules;
use crate::eval::flowset::{port_set, AddrSet, Cube, FlowSet, PortSet, ProtoSet};
use crate::eval::fold::RuleRef;
use crate::eval::intervals::IntervalSet;
use crate::eval::path::{
    evaluate_path_with, hops, AddressUncertainty, Endpoint, HopKind, HopNsg, PathResult, Undecided,
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
use crate::policy::kinds::KindEntry;
use crate::policy::scope::{Scope, ScopedTenant};
use crate::policy::{Check, CheckContext, PolicyMeta};
use crate::source::{FileId, Span};

mod exact;
mod exposure;
mod targets;

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
    /// Every address outside the subnet (`from = "outside"`).
    Outside,
    /// Each load-balancer backend of the subnet on its health-probe ports (`to = "probe-port"`).
    ProbePort,
}

#[derive(Debug, Clone)]
struct Assertion {
    expect: Access,
    /// `expect = "some"`: at least one flow of the set must pass (a service reachable at all).
    at_least_one: bool,
    /// Its place in the rule file: failures and flows of different assertions are listed and
    /// judged apart.
    index: usize,
    protocols: ProtoSet,
    from: Vec<Party>,
    to: Vec<Party>,
    ports: PortSet,
    port_text: Vec<String>,
    source_ports: PortSet,
    except_from: Vec<IpNet>,
    /// `expect = "deny"`: how many public sources may reach the ports before it is exposure
    /// (an error); fewer are a note naming them (nsg-semantics §2.4).
    max_public_sources: u128,
}

#[derive(Debug)]
struct Reachability {
    scope: Scope,
    asserts: Vec<Assertion>,
}

fn build(raw: &RawPolicy, file: FileId) -> Result<Box<dyn Check>, PolicyError> {
    let asserts = match &raw.asserts {
        Some(list) if !list.get_ref().is_empty() => list
            .get_ref()
            .iter()
            .enumerate()
            .map(|(i, a)| assertion(a.get_ref(), file, i))
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(PolicyError::at(
                file,
                raw.kind.span(),
                "a reachability policy needs at least one [[assert]] table",
            ))
        }
    };
    let scope = Scope::from_raw(raw.scope.as_ref().map(|s| s.get_ref()), file)?;
    Ok(Box::new(Reachability { scope, asserts }))
}

fn assertion(a: &RawAssert, file: FileId, index: usize) -> Result<Assertion, PolicyError> {
    let (expect, at_least_one) = match a.expect.get_ref().as_str() {
        "allow" => (Access::Allow, false),
        "some" => (Access::Allow, true),
        "deny" => (Access::Deny, false),
        other => {
            return Err(PolicyError::at(
                file,
                a.expect.span(),
                format!("`expect` must be \"allow\", \"some\" or \"deny\", not `{other}`"),
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
                .with_help("use subnet, vnet, outside, any, Internet, a service tag, probe-port (in `to`), or an IP address or CIDR prefix")
        })).collect()
    };
    let from = parties(&a.from)?;
    let to = parties(&a.to)?;
    if from.contains(&Party::ProbePort) {
        return Err(PolicyError::at(
            file,
            a.from.span(),
            "`probe-port` is a destination: use it in `to`",
        ));
    }
    if to.contains(&Party::ProbePort) {
        if to.len() > 1 {
            return Err(PolicyError::at(
                file,
                a.to.span(),
                "`probe-port` names the destinations and their ports: it stands alone in `to`",
            ));
        }
        if let Some(p) = &a.ports {
            return Err(PolicyError::at(
                file,
                p.span(),
                "`ports` is not used with `to = \"probe-port\"`: the ports are each backend's health-probe ports",
            ));
        }
    }
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
    let max_public_sources = max_public_sources(a, expect, file)?;
    Ok(Assertion {
        expect,
        at_least_one,
        index,
        protocols,
        from,
        to,
        ports,
        port_text,
        source_ports,
        except_from,
        max_public_sources,
    })
}

/// `max_public_sources`: a count of addresses, for deny assertions only.
fn max_public_sources(a: &RawAssert, expect: Access, file: FileId) -> Result<u128, PolicyError> {
    let Some(v) = &a.max_public_sources else {
        return Ok(exposure::DEFAULT_MAX_PUBLIC_SOURCES);
    };
    if expect != Access::Deny {
        return Err(PolicyError::at(
            file,
            v.span(),
            "`max_public_sources` applies to `expect = \"deny\"` assertions only",
        ));
    }
    u128::try_from(*v.get_ref()).map_err(|_| {
        PolicyError::at(
            file,
            v.span(),
            format!(
                "`max_public_sources` must be 0 or more, not {}",
                v.get_ref()
            ),
        )
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
        "outside" => return Some(Party::Outside),
        "probe-port" => return Some(Party::ProbePort),
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
        // The rules compiled so far belong to the input's network, not to this one.
        let hypothetical_rules;
        let rules = match &placed {
            Some((n, _)) => {
                hypothetical_rules = CompiledRules::new(n);
                &hypothetical_rules
            }
            None => ctx.rules,
        };
        let ctx = &CheckContext {
            network: net,
            rules,
            ..*ctx
        };
        for (index, subnet) in net.subnets.iter().enumerate() {
            let id = SubnetId(index);
            let Some(hosted) = self.scope.matches(net, id) else {
                continue;
            };
            let hypothesis = placements.and_then(|p| p.hypothesis(id));
            let mut report = SubnetReport::default();
            // Flows among a subnet's own hosts need a real subnet.
            for a in self
                .asserts
                .iter()
                .filter(|a| hypothesis.is_none() || !a.needs_a_real_subnet())
            {
                if a.at_least_one {
                    check_some(ctx.rules, id, a, &mut report);
                } else {
                    check_assertion(ctx.rules, id, a, &mut report);
                }
            }
            let first = out.len();
            report.emit(policy, ctx, subnet, id, out);
            for f in out.iter_mut().skip(first) {
                name_tenants(f, subnet, &hosted);
            }
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

    fn set_scope(
        &mut self,
        subnets: Option<Vec<String>>,
        hosts: Option<Vec<String>>,
    ) -> Result<(), String> {
        self.scope.replace(subnets, hosts)
    }

    fn add_except_from(&mut self, prefixes: Vec<IpNet>) {
        for a in &mut self.asserts {
            a.except_from.extend(prefixes.iter().copied());
        }
    }

    fn set_max_public_sources(&mut self, max: u128) -> Result<(), String> {
        let mut deny = self
            .asserts
            .iter_mut()
            .filter(|a| a.expect == Access::Deny)
            .peekable();
        if deny.peek().is_none() {
            return Err("it has no `expect = \"deny\"` assertion to apply it to".into());
        }
        deny.for_each(|a| a.max_public_sources = max);
        Ok(())
    }
}

/// Endpoints standing for the parties of one side, seen from subnet `s`.
fn endpoints(
    rules: &CompiledRules<'_>,
    s: SubnetId,
    parties: &[Party],
    except: &[IpNet],
) -> Vec<Endpoint> {
    let net = rules.network();
    let mut out = Vec::new();
    let mut outside = AddrSet::empty();
    // What the outside parties certainly hold, and why not all of `outside` (tags over an
    // address space that is not known).
    let mut outside_sure = AddrSet::empty();
    let mut outside_unknowns: Vec<Unknown> = Vec::new();
    // The subnet's tag context, shared with the compiled rules (computed once per subnet).
    let tags = rules.tags(Some(s));
    let mut labels = Vec::new();
    for p in parties {
        match p {
            Party::Subnet => out.extend(targets::subnet_hosts(net, s)),
            Party::Vnet => {
                let vnet = net.subnet(s).and_then(|x| x.vnet.resolved());
                let subnets = vnet
                    .map(|v| net.subnets_of_vnet(v).to_vec())
                    .unwrap_or_else(|| vec![s]);
                for other in subnets {
                    out.extend(targets::subnet_hosts(net, other));
                }
            }
            Party::Tag(tag) if targets::by_identity(tag) => {
                out.push(targets::tag_endpoint(net, s, tag));
            }
            Party::Outside => {
                let own = Endpoint::subnet_hosts(net, s);
                outside = outside.union(&AddrSet::full().difference(&own.addresses));
                outside_sure = outside_sure.union(&AddrSet::full().difference(&own.addresses));
                labels.push("outside the subnet".to_string());
            }
            // The destinations of `probe-port` come with their ports: see `check_assertion`.
            Party::ProbePort => {}
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
        origin: None,
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
    denied: BTreeMap<(usize, HopKind, Option<NsgId>, RuleRef), Failure>,
    /// `expect = "some"` assertions no flow of which passes, with the rules that deny them.
    unreached: Vec<Unreached>,
    /// Whether some flow of the assertions checked so far passes.
    passed: bool,
    /// Flows that must not pass but do, grouped by assertion and by the rule that lets them
    /// in.
    allowed: BTreeMap<(usize, HopKind, Option<NsgId>, Option<RuleRef>), Failure>,
    /// Flows whose verdict depends on unknowns.
    uncertain: Vec<Uncertain>,
    /// Every hop's association, for labels.
    associations: Vec<(NsgId, Span)>,
}

/// An `expect = "some"` assertion, the rules that deny all of its flows, and a witness.
type Unreached = (
    Assertion,
    Vec<(HopKind, Option<NsgId>, RuleRef)>,
    Vec<Witness>,
);

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

fn check_assertion(
    rules: &CompiledRules<'_>,
    s: SubnetId,
    a: &Assertion,
    report: &mut SubnetReport,
) {
    let net = rules.network();
    let sources = endpoints(rules, s, &a.from, &a.except_from);
    if a.to.contains(&Party::ProbePort) {
        let (probes, unknowns) = targets::probe_targets(net, s);
        for t in probes {
            let mut per_backend = a.clone();
            per_backend.ports = t.ports;
            per_backend.port_text = t.port_text;
            check_pairs(rules, s, &per_backend, &sources, &[t.endpoint], report);
        }
        if !unknowns.is_empty() {
            let flows = FlowSet::from_cube(Cube {
                protocols: a.protocols,
                ..Cube::universe()
            });
            report
                .uncertain
                .push((flows, unknowns, Vec::new(), Cube::universe()));
        }
        return;
    }
    let destinations = endpoints(rules, s, &a.to, &[]);
    check_pairs(rules, s, a, &sources, &destinations, report);
}

fn check_pairs(
    rules: &CompiledRules<'_>,
    s: SubnetId,
    a: &Assertion,
    sources: &[Endpoint],
    destinations: &[Endpoint],
    report: &mut SubnetReport,
) {
    let net = rules.network();
    let flows = FlowSet::from_cube(Cube {
        protocols: a.protocols,
        src_ports: a.source_ports.clone(),
        dst_ports: a.ports.clone(),
        ..Cube::universe()
    });
    for src in sources {
        for dst in destinations {
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
            let result = match evaluate_path_with(rules, &flows, src, dst) {
                Ok(r) => r,
                Err(e) => {
                    let span = net
                        .subnet(s)
                        .map(|x| x.resource.span)
                        .unwrap_or_else(crate::model::builder::span);
                    let why = Unknown {
                        reason: format!("the evaluation is too complex to be exact ({e})"),
                        span,
                        origin: None,
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
    let result = exact::without_self_flows(result);
    let h = hint(net, src, dst, a);
    let failure = |region: FlowSet| Failure {
        region,
        hint: h.clone(),
        assertion: a.clone(),
        src_label: src.label.clone(),
        dst_label: dst.label.clone(),
    };
    // Flows that must not pass, grouped with the rule that admits exactly those.
    let mut groups = Vec::new();
    if a.expect == Access::Deny {
        match exact::admitted_by_rule(&result) {
            Ok(g) => groups = g,
            Err(e) => {
                let span = dst
                    .subnet
                    .and_then(|s| net.subnet(s))
                    .map(|x| x.resource.span)
                    .unwrap_or_else(crate::model::builder::span);
                let why = Unknown {
                    reason: format!("the evaluation is too complex to be exact ({e})"),
                    span,
                    origin: None,
                };
                let all = result.allowed.clone();
                report
                    .uncertain
                    .push((all, vec![why], Vec::new(), h.clone()));
            }
        }
    }
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
    if !result.allowed.is_empty() {
        report.passed = true;
    }
    match a.expect {
        Access::Allow => {
            for mut d in result.denied {
                d.region = unsure(d.region, Some((d.nsg, d.rule)));
                if d.region.is_empty() {
                    continue;
                }
                let key = (a.index, d.hop, d.nsg, d.rule);
                match report.denied.get_mut(&key) {
                    Some(f) => {
                        f.region = f.region.union(&d.region).unwrap_or(d.region);
                        // Backends on their own probe ports, denied by one rule: name them all.
                        if a.to.contains(&Party::ProbePort) {
                            merge_target(f, a, dst);
                        }
                    }
                    None => {
                        report.denied.insert(key, failure(d.region));
                    }
                }
            }
        }
        Access::Deny => {
            for g in groups {
                let allowed = unsure(g.region, g.rule);
                if allowed.is_empty() {
                    continue;
                }
                let key = (
                    a.index,
                    g.hop,
                    g.rule.and_then(|(n, _)| n),
                    g.rule.map(|(_, r)| r),
                );
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
    let count = exposure::address_count(&exposure::sources(region));
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
    rules: &CompiledRules<'_>,
    nsg_id: NsgId,
    deciding: RuleRef,
    hop: HopKind,
    subnet: Option<SubnetId>,
    region: &FlowSet,
) -> Option<Span> {
    let tags = rules.tags(subnet);
    let unknown = crate::eval::compile::Membership::Unknown;
    let compiled = rules.nsg(nsg_id, hop.direction(), &tags, &unknown, &unknown)?;
    let nsg = compiled.nsg();
    let order = compiled.order();
    let start = order.iter().position(|(r, _)| *r == deciding)? + 1;
    for (position, (r, _)) in order.iter().enumerate().skip(start) {
        let rule = r.resolve(nsg)?;
        if rule.access() != Some(Access::Allow) {
            continue;
        }
        if let Some(hi) = &compiled.get(position)?.hi {
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
        for (a, rules, witnesses) in &self.unreached {
            out.push(unreached_finding(
                policy,
                ctx,
                subnet,
                &prefix_text,
                a,
                rules,
                witnesses,
            ));
        }
        if !self.denied.is_empty() {
            out.push(self.denied_finding(policy, ctx, subnet, id, &prefix_text, &subnet_labels));
        }
        let judged = self.judge_exposure(ctx.rules, id);
        for (((_, hop, nsg, rule), f), judgment) in self.allowed.iter().zip(&judged) {
            let target = if f.dst_label.starts_with("subnet") {
                format!("{} ({prefix_text})", f.dst_label)
            } else {
                format!("{} in subnet `{name}` ({prefix_text})", f.dst_label)
            };
            let what = format!(
                "{} {}",
                protocol_names(f.region.protocols()),
                describe::ports(&f.region.dst_ports())
            );
            let named = exposure::name_sources(&judgment.public);
            let mut msg = if judgment.exposure {
                format!("{what} from {} can reach {target}", f.src_label)
            } else {
                format!(
                    "{what} reachable from {} {named} in {target}",
                    exposure::count_text(judgment.count)
                )
            };
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
                    let from = if judgment.exposure {
                        f.src_label.clone()
                    } else {
                        named.clone()
                    };
                    Label::new(r.span, format!("allows {what} from {from}"))
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
            msg.push_str(&exposure_detail(judgment, f.assertion.max_public_sources));
            let severity = if judgment.exposure {
                policy.severity
            } else {
                crate::model::Severity::Note
            };
            let mut finding = subnet_labels(Finding::new(
                &policy.id,
                &policy.name,
                severity,
                msg,
                primary,
            ));
            finding.witnesses = witnesses(net, f, rule.map(|r| (*nsg, r, *hop)), None);
            if let Some((n, r)) = resolved {
                finding = finding.with_resource(n.resource.address.clone(), Some(n.resource.span));
                finding.fix = Some(if judgment.exposure {
                    deny_fix(ctx, n, r, f, *hop)
                } else {
                    trust_fix(&policy.id, &judgment.public, &named)
                });
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

    /// Each group of admitted flows (in the order of `allowed`) judged by the size of its
    /// public sources, per assertion (nsg-semantics §2.4).
    fn judge_exposure(&self, rules: &CompiledRules<'_>, id: SubnetId) -> Vec<exposure::Judgment> {
        let public = rules.tags(Some(id)).expand(&ServiceTag::Internet).lo;
        let mut judged = vec![None; self.allowed.len()];
        let mut assertions: Vec<usize> = self.allowed.keys().map(|k| k.0).collect();
        assertions.dedup();
        for index in assertions {
            let members: Vec<(usize, &Failure)> = self
                .allowed
                .iter()
                .enumerate()
                .filter(|(_, (k, _))| k.0 == index)
                .map(|(i, (_, f))| (i, f))
                .collect();
            let max = members
                .first()
                .map_or(exposure::DEFAULT_MAX_PUBLIC_SOURCES, |(_, f)| {
                    f.assertion.max_public_sources
                });
            let regions: Vec<&FlowSet> = members.iter().map(|(_, f)| &f.region).collect();
            for ((i, _), j) in members.iter().zip(exposure::judge(&regions, &public, max)) {
                if let Some(slot) = judged.get_mut(*i) {
                    *slot = Some(j);
                }
            }
        }
        judged.into_iter().flatten().collect()
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
        for ((_, hop, nsg_id, rule_ref), f) in &self.denied {
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
            let default_deny = if rule.is_default() {
                " (no rule allows it; the default deny does)"
            } else {
                ""
            };
            parts.push(format!(
                "{what} {between} is denied by {} of NSG `{}` ({hop}){default_deny}",
                describe::rule(rule),
                nsg.resource.name.value
            ));
            fingerprint.push(format!(
                "{}:{}:{}",
                nsg.resource.address,
                rule.name.value,
                describe::ports(&f.region.dst_ports())
            ));
            let label = if f.src_label == f.dst_label {
                Label::new(
                    rule.span,
                    format!("denies {what} between instances of `{name}`"),
                )
            } else {
                Label::new(rule.span, format!("denies {what} {between}"))
            };
            if first.is_none() {
                first = Some((
                    label,
                    Some((nsg.resource.address.clone(), nsg.resource.span)),
                ));
            } else {
                labels.push(label);
            }
            if let Some(lost) = lost_allow(ctx.rules, nsg_id, *rule_ref, *hop, Some(id), &f.region)
            {
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
        // Only an unknown the user wrote can be the primary location; one that only Azure's
        // default rules carry (`VirtualNetwork`) leaves it to the subnet, which editors and
        // code-scanning tools can show.
        let user_written = |r: &&&Unknown| {
            ctx.sources
                .get(r.span.file)
                .is_some_and(|f| f.origin == crate::source::Origin::User)
        };
        let (primary, secondary) = match reasons.first().filter(user_written) {
            Some(r) => (
                Label::new(r.span, format!("unknown: {}", r.reason)),
                reasons.get(1..).unwrap_or_default(),
            ),
            None => (
                Label::new(
                    subnet.resource.span,
                    "the verdict for this subnet is unknown",
                ),
                reasons.as_slice(),
            ),
        };
        let mut finding = Finding::new(&target.id, &target.name, target.severity, message, primary)
            .with_resource(subnet.resource.address.clone(), Some(subnet.resource.span))
            .with_note(format!("nsgate reports this as {} instead of passing it: a gate never passes on what it could not read", target.id));
        for r in secondary {
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
            Party::Any | Party::Outside | Party::ProbePort => out.push("*".into()),
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

/// Why an admitted source set is (or is not) exposure, for the message.
fn exposure_detail(j: &exposure::Judgment, max: u128) -> String {
    if !j.other.is_empty() {
        return format!(
            " — including sources that are not certainly public ({})",
            exposure::name_sources(&j.other)
        );
    }
    if !j.exposure {
        return " — make sure it is trusted; exempt it with `except_from`".into();
    }
    if j.count > max {
        // Name the sources when a few prefixes say it (`20.0.0.0/8`), not `*`'s hundreds.
        let few = exposure::prefixes(&j.public).len() <= 4;
        let named = if few {
            format!(" ({})", exposure::name_sources(&j.public))
        } else {
            String::new()
        };
        format!(
            " — {}{named}, over the `max_public_sources` limit of {max}",
            exposure::count_text(j.count)
        )
    } else {
        format!(
            " — {} ({}) here, {} with the subnet's other allows: over the `max_public_sources` limit of {max}",
            exposure::count_text(j.count),
            exposure::name_sources(&j.public),
            exposure::count_text(j.total)
        )
    }
}

/// For a narrow public source set: exempt it once it is known to be trusted.
fn trust_fix(policy: &str, public: &AddrSet, named: &str) -> Fix {
    let list: Vec<String> = exposure::prefixes(public)
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect();
    Fix {
        summary: format!(
            "make sure {named} is trusted (an office or VPN egress address), then exempt it in nsgate.toml; otherwise restrict the rule or remove it"
        ),
        snippet: Some(format!(
            "[policy.{policy}]\nexcept_from = [{}]",
            list.join(", ")
        )),
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

/// Name the tenants that put the subnet in scope (the cloud service and roles of NSG001):
/// in the message, and a label at each.
fn name_tenants(f: &mut Finding, subnet: &Subnet, hosted: &[ScopedTenant]) {
    // NICs and backends are named by the flows themselves; declared tenants (the cloud
    // service and roles, the gateway) are not.
    let declared: Vec<&ScopedTenant> = hosted
        .iter()
        .filter(|t| {
            t.kind != crate::model::tenant::NIC && t.kind != crate::model::tenant::LB_BACKEND
        })
        .collect();
    if let Some(first) = declared.first() {
        let names: Vec<String> = declared.iter().map(|t| format!("`{}`", t.name)).collect();
        f.message.push_str(&format!(
            " (subnet `{}` hosts {}: {})",
            subnet.resource.name.value,
            first.kind,
            names.join(", ")
        ));
    }
    for t in hosted {
        f.labels.push(Label::new(
            t.span,
            format!("{} `{}` lives here", t.kind, t.name),
        ));
    }
}

/// Add a further destination (and its ports) to a failure that one rule decides for several.
fn merge_target(f: &mut Failure, a: &Assertion, dst: &Endpoint) {
    if !f.dst_label.contains(&dst.label) {
        f.dst_label = format!("{}; {}", f.dst_label, dst.label);
    }
    for p in &a.port_text {
        if !f.assertion.port_text.contains(p) {
            f.assertion.port_text.push(p.clone());
        }
    }
}

/// `expect = "some"`: when no flow of the assertion passes (and none is undecided), the
/// subnet is unreachable for it; the rules that deny the flows are named.
fn check_some(rules: &CompiledRules<'_>, s: SubnetId, a: &Assertion, report: &mut SubnetReport) {
    let net = rules.network();
    let mut probe = SubnetReport::default();
    check_assertion(rules, s, a, &mut probe);
    if probe.passed {
        return;
    }
    if !probe.uncertain.is_empty() {
        report.uncertain.extend(probe.uncertain);
        return;
    }
    if probe.denied.is_empty() {
        // No NSG on any path: NSG004's concern, not unreachability.
        return;
    }
    let mut rules = Vec::new();
    let mut found = Vec::new();
    for ((_, hop, nsg, rule), f) in &probe.denied {
        rules.push((*hop, *nsg, *rule));
        found.extend(witnesses(net, f, Some((*nsg, *rule, *hop)), None));
    }
    found.truncate(1);
    report.unreached.push((a.clone(), rules, found));
}

fn unreached_finding(
    policy: &PolicyMeta,
    ctx: &CheckContext<'_>,
    subnet: &Subnet,
    prefix_text: &str,
    a: &Assertion,
    rules: &[(HopKind, Option<NsgId>, RuleRef)],
    found: &[Witness],
) -> Finding {
    let net = ctx.network;
    // Each denying rule (of an NSG, or a security admin rule) with its text and span.
    let resolved: Vec<(String, Span)> = rules
        .iter()
        .filter_map(|(hop, n, r)| {
            let rule = describe::rule_of(net, *n, *r)?;
            let owned = describe::owned_rule(net, *n, *r)?;
            Some((format!("{owned} ({hop})"), rule.span))
        })
        .collect();
    let deciders: Vec<String> = resolved.iter().map(|(text, _)| text.clone()).collect();
    let message = format!(
        "{}: no {} {} flow from {} reaches subnet `{}` ({prefix_text}); denied by {}",
        policy.summary.trim_end_matches('.'),
        protocol_names(a.protocols),
        a.port_text.join(", "),
        a.from
            .iter()
            .map(|p| match p {
                Party::Outside => "outside the subnet".to_string(),
                other => party_text(std::slice::from_ref(other), subnet).join(", "),
            })
            .collect::<Vec<_>>()
            .join(", "),
        subnet.resource.name.value,
        deciders.join(", ")
    );
    let primary = resolved
        .first()
        .map(|(_, span)| Label::new(*span, "denies every one of these flows"))
        .unwrap_or_else(|| Label::new(subnet.resource.span, "here"));
    let mut f = Finding::new(&policy.id, &policy.name, policy.severity, message, primary)
        .with_resource(subnet.resource.address.clone(), Some(subnet.resource.span));
    for (_, span) in resolved.iter().skip(1) {
        f = f.with_label(*span, "denies these flows too");
    }
    f.witnesses = found.to_vec();
    let ports = a.port_text.join(",");
    f.with_fingerprint(&[&subnet.resource.address, &ports, "unreached"])
}

#[cfg(test)]
mod tests;
