//! The two forms of `nsgate flow`'s answer: human text and JSON (schema/flow-v2.schema.json).
//! Both show the answer root by root, the roots the flow does not touch, and what was skipped.

use serde::Serialize;

use super::{protocol_name, Decision, FlowReport, Outcome, Place, ProtocolReport, RootAnswer};
use super::{LoadedRoot, Verdict};
use crate::eval::path::{Endpoint, HopKind};
use crate::model::{Network, Unknown};
use crate::source::{Sources, Span};

fn at(sources: &Sources, span: Span) -> String {
    let (start, _) = sources.line_col(span);
    format!("{}:{}", sources.name(span.file), start)
}

fn place_text(net: &Network, e: &Endpoint, place: &Place) -> String {
    let subnet_name = |id| {
        net.subnet(id)
            .map(|s| format!("subnet `{}`", s.resource.name.value))
            .unwrap_or_else(|| "an unknown subnet".into())
    };
    match place {
        Place::Nic { subnet, .. } => match subnet {
            Some(s) => format!("{} in {}", e.label, subnet_name(*s)),
            None => format!("{} (its subnet is not known)", e.label),
        },
        Place::Subnet(s) => format!(
            "a host of {} (no NIC in the input has this static address)",
            subnet_name(*s)
        ),
        Place::Outside => "outside every subnet of the input".into(),
    }
}

fn decision_text(sources: &Sources, d: &Decision) -> String {
    let prio = d
        .priority
        .map_or("priority unknown".to_string(), |p| format!("priority {p}"));
    match d.admin_action {
        Some(action) => {
            let effect = match action {
                crate::model::admin::AdminAction::Allow => " (handed to the NSGs)",
                crate::model::admin::AdminAction::AlwaysAllow => " (NSGs not consulted)",
                crate::model::admin::AdminAction::Deny => "",
            };
            format!(
                "{action}{effect} by admin rule `{}` ({prio}) at {}",
                d.rule,
                at(sources, d.span)
            )
        }
        None => format!(
            "{} by `{}` ({prio}) at {}",
            if d.allow { "Allow" } else { "Deny" },
            d.rule,
            at(sources, d.span)
        ),
    }
}

fn reasons_text(sources: &Sources, reasons: &[Unknown]) -> String {
    reasons
        .iter()
        .map(|r| format!("{} (at {})", r.reason, at(sources, r.span)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Allow => "Allow",
        Verdict::Deny => "Deny",
        Verdict::Indeterminate => "Indeterminate (depends on values nsgate could not resolve)",
        Verdict::Partial => "Partial (some of these flows are denied)",
        Verdict::AllowedInPart => {
            "Allowed in part; the rest is indeterminate (depends on values nsgate could not resolve)"
        }
    }
}

/// Why hops are missing from the path: an end outside every subnet has no NSG of the input.
fn missing_hops(query_end: &str, place: &Place, source: bool) -> Option<String> {
    if *place != Place::Outside {
        return None;
    }
    let hops = if source {
        "source NIC and source subnet (outbound)"
    } else {
        "destination subnet and destination NIC (inbound)"
    };
    Some(format!(
        "{query_end} is outside every subnet of the input: the {hops} hops are not evaluated"
    ))
}

fn endpoint_text(ip: std::net::IpAddr, port: Option<u16>) -> String {
    match (ip, port) {
        (std::net::IpAddr::V6(_), Some(p)) => format!("[{ip}]:{p}"),
        (_, Some(p)) => format!("{ip}:{p}"),
        (_, None) => ip.to_string(),
    }
}

/// The hops of one protocol; `titled` when several protocols are shown, each under its name.
fn protocol_block(out: &mut String, p: &ProtocolReport, net_sources: &Sources, titled: bool) {
    if titled {
        let proto = p.protocol.as_str().to_ascii_uppercase();
        let note = if p.protocol.has_ports() {
            ""
        } else {
            " (no ports)"
        };
        out.push_str(&format!("{proto}{note}:\n"));
    }
    if p.hops.is_empty() {
        out.push_str("  no NSG of the input is on this path\n");
    }
    for (i, hop) in p.hops.iter().enumerate() {
        let at_hop = match (&hop.nsg, &hop.nsg_unknown) {
            (Some((name, _, _)), _) if hop.kind.is_admin() => {
                format!("admin rules of VNet `{name}`")
            }
            (Some((name, _, _)), _) => format!("NSG `{name}`"),
            (None, Some(u)) => format!("NSG unknown ({})", u.reason),
            (None, None) => "no NSG".into(),
        };
        let what = match &hop.outcome {
            Outcome::NoNsg if hop.kind.is_admin() => {
                "no admin rule matches: the NSGs decide".to_string()
            }
            Outcome::NoNsg => "passes".to_string(),
            Outcome::Bypassed => "skipped (an admin AlwaysAllow took the flows past)".to_string(),
            Outcome::NotReached => "not reached (denied at an earlier hop)".to_string(),
            Outcome::Decided(d) => d
                .iter()
                .map(|d| decision_text(net_sources, d))
                .collect::<Vec<_>>()
                .join("; "),
            Outcome::Indeterminate { decided, reasons } => {
                let mut parts: Vec<String> = decided
                    .iter()
                    .map(|d| decision_text(net_sources, d))
                    .collect();
                parts.push(format!(
                    "indeterminate: depends on {}",
                    reasons_text(net_sources, reasons)
                ));
                parts.join("; ")
            }
        };
        out.push_str(&format!("  {}. {}: {at_hop}: {what}\n", i + 1, hop.kind));
    }
    for a in &p.alternatives {
        out.push_str(&format!(
            "  note: the {} address may be the dynamic address of NIC `{}` ({}): as that NIC, {}\n",
            if a.source { "source" } else { "destination" },
            a.nic,
            at(net_sources, a.span),
            verdict_text(a.verdict)
        ));
    }
    let indent = if titled { "  " } else { "" };
    out.push_str(&format!("{indent}verdict: {}\n", verdict_text(p.verdict)));
}

/// Most skipped paths listed; `nsgate inventory` lists them all.
const MAX_SKIPPED_SHOWN: usize = 5;

pub(crate) fn human(r: &FlowReport, roots: &[LoadedRoot], sources: &Sources) -> String {
    let q = &r.query;
    let mut out = format!(
        "flow {} {} → {}\n",
        protocol_name(q.protocol),
        endpoint_text(q.src, q.src_port),
        endpoint_text(q.dst, q.dst_port)
    );
    for a in &r.answers {
        let Some(root) = roots.get(a.root) else {
            continue;
        };
        out.push_str(&format!("root {} ({})\n", root.name, root.info().kind));
        root_block(&mut out, r, a, &root.network, sources);
    }
    if r.answers.len() > 1 {
        let each: Vec<String> = r
            .answers
            .iter()
            .filter_map(|a| Some(format!("{} {}", roots.get(a.root)?.name, a.verdict())))
            .collect();
        out.push_str(&format!(
            "verdict across {} roots: {} ({})\n",
            r.answers.len(),
            r.verdict(),
            each.join(", ")
        ));
    }
    if r.answers.is_empty() {
        out.push_str(&format!(
            "  neither address is on a NIC or in a subnet of {}: no NSG of the input is on this path\n",
            match r.off_path.as_slice() {
                [] => "the input".to_string(),
                [one] => format!("root {one}"),
                all => format!("the {} roots ({})", all.len(), all.join(", ")),
            }
        ));
        out.push_str("verdict: Allow\n");
    } else if !r.off_path.is_empty() {
        out.push_str(&format!(
            "not on this path: {} (neither address is on a NIC or in a subnet of theirs)\n",
            r.off_path.join(", ")
        ));
    }
    if !r.skipped.is_empty() {
        out.push_str(&format!("skipped {} path(s):\n", r.skipped.len()));
        for s in r.skipped.iter().take(MAX_SKIPPED_SHOWN) {
            out.push_str(&format!("  {}: {}\n", s.path, s.reason));
        }
        if r.skipped.len() > MAX_SKIPPED_SHOWN {
            out.push_str(&format!(
                "  … and {} more (`nsgate inventory` lists them)\n",
                r.skipped.len() - MAX_SKIPPED_SHOWN
            ));
        }
    }
    out
}

/// The answer in one root: where the addresses are, each protocol's hops and verdict.
fn root_block(out: &mut String, r: &FlowReport, a: &RootAnswer, net: &Network, sources: &Sources) {
    let q = &r.query;
    out.push_str(&format!(
        "  from: {}\n",
        place_text(net, &a.source.0, &a.source.1)
    ));
    out.push_str(&format!(
        "  to:   {}\n",
        place_text(net, &a.destination.0, &a.destination.1)
    ));
    for note in [
        missing_hops(&q.src.to_string(), &a.source.1, true),
        missing_hops(&q.dst.to_string(), &a.destination.1, false),
    ]
    .into_iter()
    .flatten()
    {
        out.push_str(&format!("  note: {note}\n"));
    }
    if a.protocols.len() > 1 && q.dst_port.is_some() {
        out.push_str(
            "  note: ports apply to TCP and UDP only; ICMP, ESP and AH flows carry none\n",
        );
    }
    for p in &a.protocols {
        protocol_block(out, p, sources, a.protocols.len() > 1);
    }
    if a.protocols.len() > 1 {
        let each: Vec<String> = a
            .protocols
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p.protocol.as_str().to_ascii_uppercase(),
                    p.verdict.as_str()
                )
            })
            .collect();
        out.push_str(&format!("verdict: {} ({})\n", a.verdict(), each.join(", ")));
    }
}

// ------------------------------------------------------------------------------ JSON

#[derive(Serialize)]
struct Position {
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct Location {
    path: String,
    start: Position,
    end: Position,
}

fn loc(sources: &Sources, span: Span) -> Location {
    let (path, start, end) = crate::report::location(sources, span);
    Location {
        path,
        start: Position {
            line: start.line,
            column: start.column,
        },
        end: Position {
            line: end.line,
            column: end.column,
        },
    }
}

#[derive(Serialize)]
struct Doc {
    version: u32,
    query: QueryOut,
    roots: Vec<RootOut>,
    off_path: Vec<String>,
    skipped: Vec<SkippedOut>,
    verdict: &'static str,
}

#[derive(Serialize)]
struct RootOut {
    root: String,
    kind: &'static str,
    source: EndpointOut,
    destination: EndpointOut,
    notes: Vec<String>,
    protocols: Vec<ProtocolOut>,
    verdict: &'static str,
}

#[derive(Serialize)]
struct SkippedOut {
    path: String,
    reason: String,
}

#[derive(Serialize)]
struct QueryOut {
    protocol: &'static str,
    source: String,
    source_port: Option<u16>,
    destination: String,
    destination_port: Option<u16>,
}

#[derive(Serialize)]
struct EndpointOut {
    address: String,
    /// `nic`, `subnet` or `outside`.
    kind: &'static str,
    nic: Option<String>,
    subnet: Option<String>,
    vnet: Option<String>,
}

#[derive(Serialize)]
struct UnknownOut {
    reason: String,
    location: Location,
}

#[derive(Serialize)]
struct RuleOut {
    rule: String,
    priority: Option<u32>,
    access: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    location: Location,
}

#[derive(Serialize)]
struct HopOut {
    hop: &'static str,
    direction: &'static str,
    /// `nsg`, `none` (no NSG at this level) or `unknown` (an NSG could not be resolved).
    kind: &'static str,
    nsg: Option<String>,
    resource: Option<String>,
    nsg_location: Option<Location>,
    /// `allow`, `deny`, `mixed`, `indeterminate`, `passes` or `not-reached`.
    outcome: &'static str,
    decided_by: Vec<RuleOut>,
    unknowns: Vec<UnknownOut>,
}

#[derive(Serialize)]
struct ProtocolOut {
    protocol: &'static str,
    verdict: &'static str,
    hops: Vec<HopOut>,
    unknowns: Vec<UnknownOut>,
    alternatives: Vec<AlternativeOut>,
}

#[derive(Serialize)]
struct AlternativeOut {
    /// `source` or `destination`.
    endpoint: &'static str,
    nic: String,
    location: Location,
    verdict: &'static str,
}

fn hop_id(kind: HopKind) -> &'static str {
    kind.id()
}

fn endpoint_out(net: &Network, ip: std::net::IpAddr, place: &Place) -> EndpointOut {
    let subnet_and_vnet = |id: crate::model::SubnetId| {
        let s = net.subnet(id);
        let vnet = s
            .and_then(|s| s.vnet.resolved())
            .and_then(|v| net.vnet(v))
            .map(|v| v.resource.name.value.clone());
        (s.map(|s| s.resource.name.value.clone()), vnet)
    };
    let (kind, nic, (subnet, vnet)) = match place {
        Place::Nic { nic, subnet } => (
            "nic",
            net.nic(*nic).map(|n| n.resource.name.value.clone()),
            subnet.map(subnet_and_vnet).unwrap_or((None, None)),
        ),
        Place::Subnet(s) => ("subnet", None, subnet_and_vnet(*s)),
        Place::Outside => ("outside", None, (None, None)),
    };
    EndpointOut {
        address: ip.to_string(),
        kind,
        nic,
        subnet,
        vnet,
    }
}

fn rule_out(sources: &Sources, d: &Decision) -> RuleOut {
    RuleOut {
        rule: d.rule.clone(),
        priority: d.priority,
        access: if d.allow { "allow" } else { "deny" },
        action: d.admin_action.map(|a| match a {
            crate::model::admin::AdminAction::Allow => "allow",
            crate::model::admin::AdminAction::AlwaysAllow => "always-allow",
            crate::model::admin::AdminAction::Deny => "deny",
        }),
        location: loc(sources, d.span),
    }
}

fn unknowns_out(sources: &Sources, list: &[Unknown]) -> Vec<UnknownOut> {
    list.iter()
        .map(|u| UnknownOut {
            reason: u.reason.clone(),
            location: loc(sources, u.span),
        })
        .collect()
}

fn decided_outcome(d: &[Decision]) -> &'static str {
    if d.iter().all(|x| x.allow) {
        "allow"
    } else if d.iter().all(|x| !x.allow) {
        "deny"
    } else {
        "mixed"
    }
}

fn protocol_out(sources: &Sources, p: &ProtocolReport) -> ProtocolOut {
    let hops = p
        .hops
        .iter()
        .map(|h| {
            let (outcome, decided, unknowns): (&'static str, &[Decision], &[Unknown]) = match &h
                .outcome
            {
                Outcome::NoNsg => ("passes", &[], &[]),
                Outcome::NotReached => ("not-reached", &[], &[]),
                Outcome::Bypassed => ("bypassed", &[], &[]),
                Outcome::Decided(d) => (decided_outcome(d), d, &[]),
                Outcome::Indeterminate { decided, reasons } => ("indeterminate", decided, reasons),
            };
            let mut unknowns = unknowns_out(sources, unknowns);
            if let Some(u) = &h.nsg_unknown {
                unknowns.extend(unknowns_out(sources, std::slice::from_ref(u)));
            }
            HopOut {
                hop: hop_id(h.kind),
                direction: match h.kind.direction() {
                    crate::model::Direction::Inbound => "inbound",
                    crate::model::Direction::Outbound => "outbound",
                },
                kind: match (&h.nsg, &h.nsg_unknown) {
                    (Some(_), _) if h.kind.is_admin() => "admin",
                    (Some(_), _) => "nsg",
                    (None, Some(_)) => "unknown",
                    (None, None) => "none",
                },
                nsg: h.nsg.as_ref().map(|n| n.0.clone()),
                resource: h.nsg.as_ref().map(|n| n.1.clone()),
                nsg_location: h.nsg.as_ref().map(|n| loc(sources, n.2)),
                outcome,
                decided_by: decided.iter().map(|d| rule_out(sources, d)).collect(),
                unknowns,
            }
        })
        .collect();
    ProtocolOut {
        protocol: protocol_json(p.protocol),
        verdict: p.verdict.as_str(),
        hops,
        unknowns: unknowns_out(sources, &p.unknowns),
        alternatives: p
            .alternatives
            .iter()
            .map(|a| AlternativeOut {
                endpoint: if a.source { "source" } else { "destination" },
                nic: a.nic.clone(),
                location: loc(sources, a.span),
                verdict: a.verdict.as_str(),
            })
            .collect(),
    }
}

fn protocol_json(p: crate::model::Protocol) -> &'static str {
    use crate::model::Protocol::*;
    match p {
        Tcp => "tcp",
        Udp => "udp",
        Icmp => "icmp",
        Esp => "esp",
        Ah => "ah",
    }
}

pub(crate) fn json(r: &FlowReport, roots: &[LoadedRoot], sources: &Sources) -> String {
    let q = &r.query;
    let doc = Doc {
        version: 2,
        query: QueryOut {
            protocol: match q.protocol {
                super::FlowProtocol::Any => "any",
                _ => q.protocols().first().map_or("any", |p| protocol_json(*p)),
            },
            source: q.src.to_string(),
            source_port: q.src_port,
            destination: q.dst.to_string(),
            destination_port: q.dst_port,
        },
        roots: r
            .answers
            .iter()
            .filter_map(|a| {
                let root = roots.get(a.root)?;
                Some(root_out(q, a, root, sources))
            })
            .collect(),
        off_path: r.off_path.clone(),
        skipped: r
            .skipped
            .iter()
            .map(|s| SkippedOut {
                path: s.path.clone(),
                reason: s.reason.clone(),
            })
            .collect(),
        verdict: r.verdict(),
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

fn root_out(q: &super::Query, a: &RootAnswer, root: &LoadedRoot, sources: &Sources) -> RootOut {
    let net = &root.network;
    let notes = [
        missing_hops(&q.src.to_string(), &a.source.1, true),
        missing_hops(&q.dst.to_string(), &a.destination.1, false),
    ]
    .into_iter()
    .flatten()
    .collect();
    RootOut {
        root: root.name.clone(),
        kind: root.info().kind,
        source: endpoint_out(net, q.src, &a.source.1),
        destination: endpoint_out(net, q.dst, &a.destination.1),
        notes,
        protocols: a
            .protocols
            .iter()
            .map(|p| protocol_out(sources, p))
            .collect(),
        verdict: a.verdict(),
    }
}
