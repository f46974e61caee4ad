//! A stable, readable text rendering of a network, for extraction snapshots in front-end tests
//! and for debugging. Spans render as `file:line:col`; Unknowns as `<unknown: reason @ loc>`.

use std::fmt::{Display, Write};

use crate::model::{
    AddressItem, AddressSpec, Field, Link, Network, PortSpec, SecurityRule, Spanned, Val,
};
use crate::source::{Sources, Span};

/// A field's value as text, `<unknown: reason>` when unknown.
pub fn field_text<T: Display>(f: &Field<T>) -> String {
    match &f.value {
        Val::Known(v) => v.to_string(),
        Val::Unknown(u) => format!("<unknown: {}>", u.reason),
    }
}

pub fn dump(network: &Network, sources: &Sources) -> String {
    let d = Dumper { network, sources };
    let mut out = String::new();
    d.write(&mut out);
    out
}

struct Dumper<'a> {
    network: &'a Network,
    sources: &'a Sources,
}

impl Dumper<'_> {
    fn at(&self, span: Span) -> String {
        let (start, _) = self.sources.line_col(span);
        format!("{}:{}", self.sources.name(span.file), start)
    }

    fn field<T: Display>(&self, f: &Field<T>) -> String {
        match &f.value {
            Val::Known(v) => v.to_string(),
            Val::Unknown(u) => format!("<unknown: {} @ {}>", u.reason, self.at(u.span)),
        }
    }

    fn link<Id: Copy>(&self, link: &Link<Id>, name: impl Fn(Id) -> Option<String>) -> String {
        match link {
            Link::Resolved(s) => name(s.value).unwrap_or_else(|| "<dangling>".into()),
            Link::Key(k) => format!("<unlinked key {}>", k.value),
            Link::Unknown(u) => format!("<unknown: {} @ {}>", u.reason, self.at(u.span)),
        }
    }

    fn nsg_name(&self, link: &Option<Link<crate::model::NsgId>>) -> String {
        match link {
            None => "none".into(),
            Some(l) => self.link(l, |id| {
                self.network.nsg(id).map(|n| n.resource.name.value.clone())
            }),
        }
    }

    fn address(&self, spec: &AddressSpec) -> String {
        if spec.is_empty() {
            return "<not set>".into();
        }
        let items: Vec<String> = spec
            .iter()
            .map(|item| match &item.value {
                Val::Known(AddressItem::Asg(link)) => format!(
                    "asg:{}",
                    self.link(link, |id| self.network.asg(id).map(|a| a
                        .resource
                        .name
                        .value
                        .clone()))
                ),
                _ => self.field(&item),
            })
            .collect();
        items.join(",")
    }

    fn ports(&self, spec: &PortSpec) -> String {
        if spec.items.is_empty() {
            return "<not set>".into();
        }
        let items: Vec<String> = spec.items.iter().map(|p| self.field(p)).collect();
        items.join(",")
    }

    fn rule(&self, r: &SecurityRule) -> String {
        format!(
            "rule {} {} {} {} {} {}:{} -> {}:{} @ {}",
            r.name.value,
            self.field(&r.priority),
            self.field(&r.direction),
            self.field(&r.access),
            self.field(&r.protocol),
            self.address(&r.source),
            self.ports(&r.source_ports),
            self.address(&r.destination),
            self.ports(&r.destination_ports),
            self.at(r.span),
        )
    }

    fn write(&self, out: &mut String) {
        let n = self.network;
        let name = |s: &Spanned<String>| s.value.clone();
        for v in &n.vnets {
            let space: Vec<String> = v.address_space.iter().map(|p| self.field(p)).collect();
            let peers: Vec<String> = v
                .peerings
                .iter()
                .map(|p| self.link(p, |id| n.vnet(id).map(|x| name(&x.resource.name))))
                .collect();
            let _ = writeln!(
                out,
                "vnet {} [{}] space={} peers=[{}] @ {}",
                v.resource.name.value,
                v.resource.address,
                space.join(","),
                peers.join(","),
                self.at(v.resource.span)
            );
        }
        for s in &n.subnets {
            let prefixes: Vec<String> = s.prefixes.iter().map(|p| self.field(p)).collect();
            let _ = writeln!(
                out,
                "subnet {} [{}] vnet={} prefixes={} nsg={} @ {}",
                s.resource.name.value,
                s.resource.address,
                self.link(&s.vnet, |id| n.vnet(id).map(|x| name(&x.resource.name))),
                prefixes.join(","),
                self.nsg_name(&s.nsg),
                self.at(s.resource.span)
            );
        }
        for g in &n.nsgs {
            let _ = writeln!(
                out,
                "nsg {} [{}] @ {}",
                g.resource.name.value,
                g.resource.address,
                self.at(g.resource.span)
            );
            for r in &g.rules {
                let _ = writeln!(out, "  {}", self.rule(r));
            }
        }
        for nic in &n.nics {
            let _ = writeln!(
                out,
                "nic {} [{}] nsg={} @ {}",
                nic.resource.name.value,
                nic.resource.address,
                self.nsg_name(&nic.nsg),
                self.at(nic.resource.span)
            );
            for ip in &nic.ip_configs {
                let subnet = match &ip.subnet {
                    None => "none".into(),
                    Some(l) => self.link(l, |id| n.subnet(id).map(|x| name(&x.resource.name))),
                };
                let addr = match &ip.private_ip {
                    None => "dynamic".into(),
                    Some(f) => self.field(f),
                };
                let asgs: Vec<String> = ip
                    .asgs
                    .iter()
                    .map(|a| self.link(a, |id| n.asg(id).map(|x| name(&x.resource.name))))
                    .collect();
                let _ = writeln!(
                    out,
                    "  ipconfig {} subnet={} ip={} {:?} asgs=[{}]",
                    ip.name.value,
                    subnet,
                    addr,
                    ip.version,
                    asgs.join(",")
                );
            }
        }
        for a in &n.asgs {
            let _ = writeln!(
                out,
                "asg {} [{}] @ {}",
                a.resource.name.value,
                a.resource.address,
                self.at(a.resource.span)
            );
        }
        for p in &n.problems {
            let _ = writeln!(
                out,
                "{}[{:?}] {}: {}",
                p.severity,
                p.kind,
                self.at(p.span),
                p.message
            );
        }
    }
}
