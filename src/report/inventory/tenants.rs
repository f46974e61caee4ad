//! Who lives in each subnet, for `nsgate inventory` (architecture.md, "Subnet tenants"): each
//! subnet's tenants or that they are unknown, every load-balancer backend with the probe
//! ports it must answer, and the tenants the input places in no subnet nsgate can name.

use serde_json::{json, Value};

use super::{at, field_json, link_json, link_text, loc, subnet_name, unknown};
use crate::model::tenant::{Host, LbMember, SubnetTenants, TenantRef};
use crate::model::{Link, Network, SubnetId};
use crate::source::{Sources, Span};

/// Why a subnet's tenants are unknown.
const NONE_PLACED: &str = "nothing in the input places anything in this subnet";

/// One tenant as the inventory shows it.
struct Shown {
    kind: &'static str,
    name: String,
    resource: String,
    span: Span,
}

fn shown(net: &Network, t: &TenantRef<'_>) -> Option<Shown> {
    Some(match t {
        TenantRef::Declared(_, d) => Shown {
            kind: t.kind_name(),
            name: d.name.value.clone(),
            resource: d.address.clone(),
            span: d.span,
        },
        TenantRef::Nic(nic, ip) => {
            let nic = net.nic(*nic)?;
            let ip = nic.ip_configs.get(*ip)?;
            Shown {
                kind: t.kind_name(),
                name: format!("{}/{}", nic.resource.name.value, ip.name.value),
                resource: nic.resource.address.clone(),
                span: ip.span,
            }
        }
        TenantRef::Backend(m) => Shown {
            kind: t.kind_name(),
            name: pool_name(net, m),
            resource: m.address.clone(),
            span: m.span,
        },
    })
}

fn pool_name(net: &Network, m: &LbMember) -> String {
    link_text(&m.pool, |id| {
        net.lb_pools
            .get(id.0)
            .map(|p| p.resource.name.value.clone())
    })
}

/// A subnet's `tenants`: a list, or `{"unknown": …}` when nothing is placed in it.
pub fn subnet_json(net: &Network, subnet: SubnetId, sources: &Sources) -> Value {
    match net.tenants_in(subnet) {
        SubnetTenants::Unknown => unknown(NONE_PLACED),
        SubnetTenants::Known(ts) => Value::Array(
            ts.iter()
                .filter_map(|t| shown(net, t))
                .map(|s| {
                    json!({
                        "kind": s.kind,
                        "name": s.name,
                        "resource": s.resource,
                        "location": loc(sources, s.span),
                    })
                })
                .collect(),
        ),
    }
}

/// A subnet's tenants, one line each, for the human inventory.
pub fn subnet_lines(net: &Network, subnet: SubnetId, sources: &Sources, out: &mut String) {
    match net.tenants_in(subnet) {
        SubnetTenants::Unknown => out.push_str(&format!("    tenants unknown: {NONE_PLACED}\n")),
        SubnetTenants::Known(ts) => {
            for s in ts.iter().filter_map(|t| shown(net, t)) {
                out.push_str(&format!(
                    "    tenant {} {} ({}) at {}\n",
                    s.kind,
                    s.name,
                    s.resource,
                    at(sources, s.span)
                ));
            }
        }
    }
}

/// Where a backend or tenant lives, as text: the subnet, or the NIC (and IP configuration).
fn host_json(net: &Network, host: &Host) -> Value {
    match host {
        Host::Subnet(l) => link_json(l, |id| net.subnet(id).map(|s| subnet_name(net, s))),
        Host::Nic { nic, ip_config } => {
            match link_json(nic, |id| net.nic(id).map(|n| n.resource.name.value.clone())) {
                Value::String(n) => Value::String(match ip_config {
                    Some(ip) => format!("NIC {n}/{}", ip.value),
                    None => format!("NIC {n}"),
                }),
                other => other,
            }
        }
    }
}

fn host_text(net: &Network, host: &Host) -> String {
    match host_json(net, host) {
        Value::String(s) => s,
        Value::Object(m) => format!(
            "<unknown: {}>",
            m.get("unknown").and_then(Value::as_str).unwrap_or_default()
        ),
        _ => "none".into(),
    }
}

/// The probes that decide a backend's health: (probe name, port, protocol, rule name).
fn probes(net: &Network, m: &LbMember) -> Vec<(String, Value, Value, String)> {
    net.probes_of(m)
        .iter()
        .filter_map(|&(rule, probe)| {
            let rule = net.lb_rules.get(rule)?;
            let probe = net.lb_probes.get(probe.0)?;
            Some((
                probe.resource.name.value.clone(),
                match &probe.port.value {
                    crate::model::Val::Known(p) => Value::from(*p),
                    crate::model::Val::Unknown(u) => unknown(&u.reason),
                },
                field_json(&probe.protocol),
                rule.resource.name.value.clone(),
            ))
        })
        .collect()
}

/// Every load-balancer pool membership, with where the backend is and its probes.
pub fn backends_json(net: &Network, sources: &Sources) -> Value {
    Value::Array(
        net.lb_members
            .iter()
            .map(|m| {
                json!({
                    "pool": link_json(&m.pool, |id| net.lb_pools.get(id.0).map(|p| p.resource.name.value.clone())),
                    "resource": m.address,
                    "host": host_json(net, &m.host),
                    "subnets": net.host_subnets(&m.host).into_iter().filter_map(|s| net.subnet(s).map(|s| subnet_name(net, s))).collect::<Vec<_>>(),
                    "location": loc(sources, m.span),
                    "probes": probes(net, m).into_iter().map(|(name, port, protocol, rule)| json!({
                        "name": name, "port": port, "protocol": protocol, "rule": rule,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

pub fn backend_lines(net: &Network, sources: &Sources, out: &mut String) {
    for m in &net.lb_members {
        let probes: Vec<String> = probes(net, m)
            .into_iter()
            .map(|(name, port, protocol, rule)| {
                let text = |v: Value| match v {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    other => format!(
                        "<unknown: {}>",
                        other
                            .get("unknown")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                    ),
                };
                format!(
                    "probe {name} {} port {} (rule {rule})",
                    text(protocol),
                    text(port)
                )
            })
            .collect();
        out.push_str(&format!(
            "  load-balancer backend {} ← {} in {} at {}: {}\n",
            pool_name(net, m),
            m.address,
            host_text(net, &m.host),
            at(sources, m.span),
            if probes.is_empty() {
                "no load-balancing rule with a probe uses this pool".to_string()
            } else {
                probes.join("; ")
            }
        ));
    }
}

/// Declared tenants whose subnet (or NIC) is not known: listed, so none is dropped silently.
fn unplaced(net: &Network) -> impl Iterator<Item = &crate::model::tenant::Tenant> {
    net.tenants.iter().filter(|t| match &t.host {
        Host::Subnet(l) => !matches!(l, Link::Resolved(_)),
        Host::Nic { nic, .. } => !matches!(nic, Link::Resolved(_)),
    })
}

pub fn unplaced_json(net: &Network, sources: &Sources) -> Value {
    Value::Array(
        unplaced(net)
            .map(|t| {
                json!({
                    "kind": t.kind.name(),
                    "name": t.name.value,
                    "resource": t.address,
                    "host": host_json(net, &t.host),
                    "location": loc(sources, t.span),
                })
            })
            .collect(),
    )
}

pub fn unplaced_lines(net: &Network, sources: &Sources, out: &mut String) {
    for t in unplaced(net) {
        out.push_str(&format!(
            "  tenant {} {} ({}) at {} in no known subnet: {}\n",
            t.kind.name(),
            t.name.value,
            t.address,
            at(sources, t.span),
            host_text(net, &t.host)
        ));
    }
}
