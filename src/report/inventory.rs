//! `nsgate inventory`: what nsgate read and will evaluate, root by root (architecture.md,
//! "Inventory JSON"). A value nsgate could not compute is `{"unknown": reason}` wherever a
//! value would stand; `schema/inventory-v1.schema.json` describes the JSON exactly.

mod tenants;

use serde_json::{json, Map, Value};

use crate::discover::Skipped;
use crate::model::{
    AddressItem, AddressSpec, Field, Link, Network, Nsg, PortSpec, SecurityRule, Subnet, SubnetId,
    Val,
};
use crate::report::{location, RootInfo};
use crate::source::{Sources, Span};

/// One root's model, as loaded and linked.
pub struct InventoryRoot<'a> {
    pub info: RootInfo,
    pub network: &'a Network,
}

/// The inventory as JSON (version 1).
pub fn to_json(roots: &[InventoryRoot<'_>], skipped: &[Skipped], sources: &Sources) -> Value {
    json!({
        "version": 1,
        "roots": roots.iter().map(|r| root_json(r, sources)).collect::<Vec<_>>(),
        "skipped": skipped
            .iter()
            .map(|s| json!({ "path": s.path, "reason": s.reason }))
            .collect::<Vec<_>>(),
    })
}

pub fn render_json(roots: &[InventoryRoot<'_>], skipped: &[Skipped], sources: &Sources) -> String {
    let mut text = serde_json::to_string_pretty(&to_json(roots, skipped, sources))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// The same, for a reader: one block per root.
pub fn render_human(roots: &[InventoryRoot<'_>], skipped: &[Skipped], sources: &Sources) -> String {
    let mut out = String::new();
    for r in roots {
        let net = r.network;
        out.push_str(&format!("root {} ({})\n", r.info.name, r.info.kind));
        for (id, nsg) in net.nsgs.iter().enumerate() {
            let attached = attachments(net, id);
            out.push_str(&format!(
                "  NSG {} ({}) at {}: {}\n",
                nsg.resource.name.value,
                nsg.resource.address,
                at(sources, nsg.resource.span),
                if attached.is_empty() {
                    "attached to nothing in this root".to_string()
                } else {
                    format!("attached to {}", attached.join(", "))
                }
            ));
            for rule in sorted_rules(nsg) {
                out.push_str(&format!("    {}\n", rule_line(net, rule)));
            }
        }
        for (i, s) in net.subnets.iter().enumerate() {
            out.push_str(&format!(
                "  subnet {} {} — NSG {}\n",
                subnet_name(net, s),
                s.prefixes
                    .iter()
                    .map(field_text)
                    .collect::<Vec<_>>()
                    .join(", "),
                subnet_nsg_text(net, s)
            ));
            tenants::subnet_lines(net, SubnetId(i), sources, &mut out);
        }
        tenants::unplaced_lines(net, sources, &mut out);
        tenants::backend_lines(net, sources, &mut out);
        for nic in &net.nics {
            let configs: Vec<String> = nic
                .ip_configs
                .iter()
                .map(|ip| {
                    format!(
                        "{} in {} at {}",
                        ip.name.value,
                        ip.subnet
                            .as_ref()
                            .map(|l| link_text(l, |id| net.subnet(id).map(|s| subnet_name(net, s))))
                            .unwrap_or_else(|| "no subnet".into()),
                        ip.private_ip
                            .as_ref()
                            .map(field_text)
                            .unwrap_or_else(|| "a dynamic address".into())
                    )
                })
                .collect();
            out.push_str(&format!(
                "  NIC {} — NSG {}; {}\n",
                nic.resource.name.value,
                nic.nsg
                    .as_ref()
                    .map(|l| link_text(l, |id| net.nsg(id).map(|n| n.resource.name.value.clone())))
                    .unwrap_or_else(|| "none".into()),
                configs.join("; ")
            ));
        }
        for (i, r) in net.admin_rules.iter().enumerate() {
            let (vnets, maybe) = admin_rule_vnets(net, i);
            let mut applies: Vec<String> = vnets;
            applies.extend(maybe.into_iter().map(|(v, _)| format!("{v} (maybe)")));
            let deployment = match admin_deployment(net, r) {
                Value::String(s) => s,
                _ => "deployment unknown".into(),
            };
            out.push_str(&format!(
                "  admin rule {} ({}, {}) at {}: {}; applies to {}\n",
                rule_line(net, &r.rule),
                r.action
                    .value
                    .known()
                    .map_or("action unknown", |a| a.as_str()),
                deployment,
                at(sources, r.rule.span),
                match admin_collection_name(net, r) {
                    Value::String(s) => format!("collection {s}"),
                    _ => "collection unknown".into(),
                },
                if applies.is_empty() {
                    "no VNet of this root".to_string()
                } else {
                    applies.join(", ")
                }
            ));
        }
        if net.nsgs.is_empty() && net.subnets.is_empty() && net.nics.is_empty() {
            out.push_str("  no NSG, subnet or network interface\n");
        }
    }
    if !skipped.is_empty() {
        out.push_str("skipped:\n");
        for s in skipped {
            out.push_str(&format!("  {}: {}\n", s.path, s.reason));
        }
    }
    if roots.is_empty() {
        out.push_str("no root found\n");
    }
    out
}

fn root_json(r: &InventoryRoot<'_>, sources: &Sources) -> Value {
    let net = r.network;
    json!({
        "path": r.info.name,
        "kind": r.info.kind,
        "inputs": r.info.inputs.iter().map(|i| i.path.clone()).collect::<Vec<_>>(),
        "nsgs": net.nsgs.iter().enumerate().map(|(i, n)| nsg_json(net, i, n, sources)).collect::<Vec<_>>(),
        "subnets": net.subnets.iter().enumerate().map(|(i, s)| subnet_json(net, SubnetId(i), s, sources)).collect::<Vec<_>>(),
        "unplaced_tenants": tenants::unplaced_json(net, sources),
        "load_balancer_backends": tenants::backends_json(net, sources),
        "nics": net.nics.iter().map(|nic| json!({
            "name": nic.resource.name.value,
            "resource": nic.resource.address,
            "location": loc(sources, nic.resource.span),
            "nsg": nic.nsg.as_ref().map(|l| link_json(l, |id| net.nsg(id).map(|n| n.resource.name.value.clone()))),
            "ip_configurations": nic.ip_configs.iter().map(|ip| json!({
                "name": ip.name.value,
                "subnet": ip.subnet.as_ref().map(|l| link_json(l, |id| net.subnet(id).map(|s| subnet_name(net, s)))),
                "private_ip": ip.private_ip.as_ref().map(field_json),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "admin_rules": net.admin_rules.iter().enumerate().map(|(i, r)| admin_rule_json(net, i, r, sources)).collect::<Vec<_>>(),
    })
}

/// Where an admin rule applies: VNets certainly, and VNets it may apply to with why.
fn admin_rule_vnets(net: &Network, index: usize) -> (Vec<String>, Vec<(String, String)>) {
    let mut sure = Vec::new();
    let mut maybe = Vec::new();
    for (v, vnet) in net.vnets.iter().enumerate() {
        let scope = net.admin_scope(crate::model::VnetId(v));
        for (_, why) in scope.rules.iter().filter(|(i, _)| *i == index) {
            let name = vnet.resource.name.value.clone();
            if why.is_empty() {
                sure.push(name);
            } else {
                let reasons: Vec<&str> = why.iter().map(|u| u.reason.as_str()).collect();
                maybe.push((name, reasons.join("; ")));
            }
        }
    }
    (sure, maybe)
}

fn admin_collection_name(net: &Network, r: &crate::model::admin::AdminRule) -> Value {
    link_json(&r.collection, |id| {
        net.admin_collections
            .get(id.0)
            .map(|c| c.resource.name.value.clone())
    })
}

fn admin_deployment(net: &Network, r: &crate::model::admin::AdminRule) -> Value {
    use crate::model::admin::Deployment;
    let config = r
        .collection
        .resolved()
        .and_then(|c| net.admin_collections.get(c.0))
        .and_then(|c| c.config.resolved())
        .and_then(|c| net.admin_configs.get(c.0));
    match config.map(|c| &c.deployment) {
        Some(Deployment::Deployed(_)) => json!("deployed"),
        Some(Deployment::NotDeployed) => json!("not-deployed"),
        Some(Deployment::Unknown(u)) => unknown(&u.reason),
        None => unknown("the rule's configuration is not known"),
    }
}

fn admin_action_json(r: &crate::model::admin::AdminRule) -> Value {
    use crate::model::admin::AdminAction;
    match &r.action.value {
        crate::model::Val::Known(AdminAction::Allow) => json!("allow"),
        crate::model::Val::Known(AdminAction::AlwaysAllow) => json!("always-allow"),
        crate::model::Val::Known(AdminAction::Deny) => json!("deny"),
        crate::model::Val::Unknown(u) => unknown(&u.reason),
    }
}

fn admin_rule_json(
    net: &Network,
    index: usize,
    r: &crate::model::admin::AdminRule,
    sources: &Sources,
) -> Value {
    let (vnets, maybe) = admin_rule_vnets(net, index);
    let rule = &r.rule;
    json!({
        "name": rule.name.value,
        "resource": r.address,
        "collection": admin_collection_name(net, r),
        "deployment": admin_deployment(net, r),
        "action": admin_action_json(r),
        "priority": priority_json(&rule.priority),
        "direction": enum_json(&rule.direction),
        "protocol": enum_json(&rule.protocol),
        "sources": addresses(&rule.source),
        "source_ports": ports(&rule.source_ports),
        "destinations": addresses(&rule.destination),
        "destination_ports": ports(&rule.destination_ports),
        "vnets": vnets,
        "vnets_maybe": maybe.into_iter().map(|(vnet, why)| json!({ "vnet": vnet, "unknown": why })).collect::<Vec<_>>(),
        "location": loc(sources, rule.span),
    })
}

fn nsg_json(net: &Network, id: usize, nsg: &Nsg, sources: &Sources) -> Value {
    let subnets: Vec<String> = net
        .index
        .nsg_subnets
        .get(id)
        .into_iter()
        .flatten()
        .filter_map(|s| net.subnet(*s).map(|s| subnet_name(net, s)))
        .collect();
    let nics: Vec<String> = net
        .index
        .nsg_nics
        .get(id)
        .into_iter()
        .flatten()
        .filter_map(|n| net.nic(*n).map(|n| n.resource.name.value.clone()))
        .collect();
    json!({
        "name": nsg.resource.name.value,
        "resource": nsg.resource.address,
        "location": loc(sources, nsg.resource.span),
        "attached_to": { "subnets": subnets, "nics": nics },
        "rules": sorted_rules(nsg).into_iter().map(|r| rule_json(net, r, sources)).collect::<Vec<_>>(),
    })
}

fn rule_json(net: &Network, r: &SecurityRule, sources: &Sources) -> Value {
    json!({
        "name": r.name.value,
        "priority": priority_json(&r.priority),
        "direction": enum_json(&r.direction),
        "access": enum_json(&r.access),
        "protocol": enum_json(&r.protocol),
        "sources": addresses(&r.source),
        "source_ports": ports(&r.source_ports),
        "destinations": addresses(&r.destination),
        "destination_ports": ports(&r.destination_ports),
        "source_asgs": asgs(net, &r.source),
        "destination_asgs": asgs(net, &r.destination),
        "location": loc(sources, r.span),
    })
}

fn subnet_json(net: &Network, id: SubnetId, s: &Subnet, sources: &Sources) -> Value {
    json!({
        "name": s.resource.name.value,
        "resource": s.resource.address,
        "vnet": link_json(&s.vnet, |id| net.vnet(id).map(|v| v.resource.name.value.clone())),
        "prefixes": s.prefixes.iter().map(field_json).collect::<Vec<_>>(),
        "nsg": s.nsg.as_ref().map(|l| link_json(l, |id| net.nsg(id).map(|n| n.resource.name.value.clone()))),
        "tenants": tenants::subnet_json(net, id, sources),
        "location": loc(sources, s.resource.span),
    })
}

/// User rules in evaluation order: by direction, then priority (unknown priorities last).
fn sorted_rules(nsg: &Nsg) -> Vec<&SecurityRule> {
    let mut rules: Vec<&SecurityRule> = nsg.rules.iter().collect();
    rules.sort_by_key(|r| (r.direction(), r.priority().unwrap_or(u32::MAX)));
    rules
}

fn rule_line(net: &Network, r: &SecurityRule) -> String {
    let item = |i: &Field<AddressItem>| match &i.value {
        Val::Known(AddressItem::Asg(l)) => format!(
            "ASG {}",
            link_text(l, |id| net.asg(id).map(|g| g.resource.name.value.clone()))
        ),
        _ => field_text(i),
    };
    let side = |a: &AddressSpec, p: &PortSpec| {
        format!(
            "{}:{}",
            a.iter().map(|i| item(&i)).collect::<Vec<_>>().join(","),
            p.items.iter().map(field_text).collect::<Vec<_>>().join(",")
        )
    };
    format!(
        "{} {} {} {} {} → {}  {}",
        field_text(&r.priority),
        field_text(&r.direction),
        field_text(&r.access),
        field_text(&r.protocol),
        side(&r.source, &r.source_ports),
        side(&r.destination, &r.destination_ports),
        r.name.value
    )
}

fn addresses(a: &AddressSpec) -> Vec<Value> {
    a.iter()
        .filter(|i| !matches!(i.value, Val::Known(AddressItem::Asg(_))))
        .map(|i| field_json(&i))
        .collect()
}

fn asgs(net: &Network, a: &AddressSpec) -> Vec<Value> {
    a.others()
        .iter()
        .filter_map(|i| match &i.value {
            Val::Known(AddressItem::Asg(l)) => Some(link_json(l, |id| {
                net.asg(id).map(|g| g.resource.name.value.clone())
            })),
            _ => None,
        })
        .collect()
}

fn ports(p: &PortSpec) -> Vec<Value> {
    p.items.iter().map(field_json).collect()
}

fn attachments(net: &Network, id: usize) -> Vec<String> {
    let subnets = net
        .index
        .nsg_subnets
        .get(id)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            net.subnet(*s)
                .map(|s| format!("subnet {}", subnet_name(net, s)))
        });
    let nics = net
        .index
        .nsg_nics
        .get(id)
        .into_iter()
        .flatten()
        .filter_map(|n| {
            net.nic(*n)
                .map(|n| format!("NIC {}", n.resource.name.value))
        });
    subnets.chain(nics).collect()
}

/// `vnet/subnet`, or the subnet's name alone when its VNet is not known.
fn subnet_name(net: &Network, s: &Subnet) -> String {
    match s.vnet.resolved().and_then(|v| net.vnet(v)) {
        Some(v) => format!("{}/{}", v.resource.name.value, s.resource.name.value),
        None => s.resource.name.value.clone(),
    }
}

fn subnet_nsg_text(net: &Network, s: &Subnet) -> String {
    s.nsg
        .as_ref()
        .map(|l| link_text(l, |id| net.nsg(id).map(|n| n.resource.name.value.clone())))
        .unwrap_or_else(|| "none".into())
}

fn unknown(reason: &str) -> Value {
    let mut m = Map::new();
    m.insert("unknown".into(), Value::String(reason.to_string()));
    Value::Object(m)
}

fn field_json<T: std::fmt::Display>(f: &Field<T>) -> Value {
    match &f.value {
        Val::Known(v) => Value::String(v.to_string()),
        Val::Unknown(u) => unknown(&u.reason),
    }
}

fn priority_json(f: &Field<u32>) -> Value {
    match &f.value {
        Val::Known(p) => Value::from(*p),
        Val::Unknown(u) => unknown(&u.reason),
    }
}

/// Enums in Azure's canonical casing, lower case (`inbound`, `allow`, `tcp`, `*`).
fn enum_json<T: std::fmt::Display>(f: &Field<T>) -> Value {
    match &f.value {
        Val::Known(v) => Value::String(v.to_string().to_ascii_lowercase()),
        Val::Unknown(u) => unknown(&u.reason),
    }
}

fn field_text<T: std::fmt::Display>(f: &Field<T>) -> String {
    match &f.value {
        Val::Known(v) => v.to_string(),
        Val::Unknown(u) => format!("<unknown: {}>", u.reason),
    }
}

fn link_json<Id: Copy>(l: &Link<Id>, name: impl Fn(Id) -> Option<String>) -> Value {
    match l {
        Link::Resolved(id) => name(id.value).map(Value::String).unwrap_or(Value::Null),
        Link::Unknown(u) => unknown(&u.reason),
        Link::Key(k) => unknown(&format!("not linked: {}", k.value)),
    }
}

fn link_text<Id: Copy>(l: &Link<Id>, name: impl Fn(Id) -> Option<String>) -> String {
    match link_json(l, name) {
        Value::String(s) => s,
        Value::Object(m) => format!(
            "<unknown: {}>",
            m.get("unknown").and_then(Value::as_str).unwrap_or("")
        ),
        _ => "none".into(),
    }
}

fn loc(sources: &Sources, span: Span) -> Value {
    let (path, start, end) = location(sources, span);
    json!({
        "path": path,
        "start": { "line": start.line, "column": start.column },
        "end": { "line": end.line, "column": end.column },
    })
}

fn at(sources: &Sources, span: Span) -> String {
    let (path, start, _) = location(sources, span);
    format!("{path}:{}", start.line)
}
