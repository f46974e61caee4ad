//! `azurerm_virtual_network` (with inline `subnet` blocks), `azurerm_subnet` and
//! `azurerm_subnet_network_security_group_association` (nsg-semantics §3.3–3.5), and
//! `azurerm_virtual_network_peering` (peered VNets widen the `VirtualNetwork` tag, §2.4).

use std::collections::{HashMap, HashSet};

use super::{known, HclInstance, Res};
use crate::frontend::terraform::context::Evaluator;
use crate::frontend::terraform::keys::{id_link, subnet_of_vnet_key};
use crate::frontend::vocab::azurerm::{
    network as networks, peering as peerings, tenant as tenants,
};
use crate::model::{Link, Network, Problem, ProblemKind, Severity, Subnet, Unknown, Vnet, VnetId};
use crate::source::Span;

/// `azurerm_virtual_network` and its inline `subnet` blocks, each read as an instance
/// addressed inside the VNet.
pub fn vnet(ev: &mut Evaluator, res: &Res, out: &mut Network) {
    let mut i = HclInstance::new(ev, res);
    let vnet = networks::vnet(&mut i, &mut out.problems);
    let within = (i.known_arg("resource_group_name"), i.known_arg("name"));
    for item in ev.nested(&res.item, networks::INLINE_SUBNETS) {
        let name = ev.text_arg(&item, "name");
        let label = known(&name).unwrap_or("?").to_string();
        let address = format!("{}.subnet[{label:?}]", res.address);
        let nested = Res {
            key: subnet_of_vnet_key(&res.key, &label).unwrap_or_else(|| format!("tf:{address}")),
            address,
            span: item.span(),
            item,
            scope: res.scope.clone(),
        };
        let mut s = HclInstance {
            ev,
            res: &nested,
            within: Some(within.clone()),
        };
        let subnet = networks::inline_subnet(&mut s, &vnet, &mut out.problems);
        tenants::delegations(&mut s, &subnet, &mut out.tenants);
        out.subnets.push(subnet);
    }
    out.vnets.push(vnet);
}

/// An id argument as a link; a missing one is an Unknown link (and a finding).
pub fn required_link<Id>(ev: &mut Evaluator, res: &Res, field: &str) -> Link<Id> {
    match ev
        .arg(&res.item, field)
        .and_then(|a| id_link(&a.value, field))
    {
        Some(link) => link,
        None => Link::Unknown(Box::new(Unknown {
            reason: format!("`{field}` is not set"),
            span: res.span,
            origin: None,
        })),
    }
}

/// Inline `subnet` blocks conflict with separate `azurerm_subnet` resources on the same VNet,
/// and an inline `security_group` with a separate association (nsg-semantics §3.3).
pub fn check_inline_subnet_conflicts(n: &mut Network) {
    let lower = |s: &str| s.to_ascii_lowercase();
    let inline: Vec<&Subnet> = n
        .subnets
        .iter()
        .filter(|s| s.resource.address.contains(".subnet["))
        .collect();
    if inline.is_empty() {
        return;
    }
    let mut problems = Vec::new();
    // VNet keys that have inline subnets.
    let inline_vnets: HashSet<String> = inline
        .iter()
        .filter_map(|s| match &s.vnet {
            Link::Key(k) => Some(lower(&k.value)),
            _ => None,
        })
        .collect();
    let vnet_keys: HashMap<String, &Vnet> = n
        .vnets
        .iter()
        .filter(|v| {
            v.resource
                .keys
                .iter()
                .any(|k| inline_vnets.contains(&lower(k)))
        })
        .flat_map(|v| v.resource.keys.iter().map(move |k| (lower(k), v)))
        .collect();
    for s in n
        .subnets
        .iter()
        .filter(|s| !s.resource.address.contains(".subnet["))
    {
        let Link::Key(k) = &s.vnet else { continue };
        if let Some(v) = vnet_keys.get(&lower(&k.value)) {
            problems.push(
                Problem::new(
                    ProblemKind::Ambiguous,
                    Severity::Warning,
                    format!(
                        "virtual network `{}` has inline `subnet` blocks and a separate subnet resource `{}`; they overwrite each other on apply",
                        v.resource.name.value, s.resource.address
                    ),
                    s.resource.span,
                )
                .with_related(v.resource.span, "virtual network with inline subnets")
                .with_resource(s.resource.address.clone()),
            );
        }
    }
    let with_nsg: HashMap<String, &Subnet> = inline
        .iter()
        .filter(|s| s.nsg.is_some())
        .flat_map(|s| s.resource.keys.iter().map(move |k| (lower(k), *s)))
        .collect();
    for a in &n.subnet_nsg_associations {
        let Link::Key(k) = &a.from else { continue };
        if let Some(s) = with_nsg.get(&lower(&k.value)) {
            problems.push(
                Problem::new(
                    ProblemKind::Ambiguous,
                    Severity::Warning,
                    format!(
                        "subnet `{}` sets `security_group` inline and also has the association `{}`; they conflict on apply",
                        s.resource.name.value, a.address
                    ),
                    a.span,
                )
                .with_related(s.resource.span, "inline subnet with security_group")
                .with_resource(a.address.clone()),
            );
        }
    }
    n.problems.extend(problems);
}

/// `azurerm_virtual_network_peering`: remembered, then added to its local VNet by
/// [`apply_peerings`] once every VNet of the configuration is known.
pub fn peering(ev: &mut Evaluator, res: &Res) {
    let (local, remote) = peerings::peering(&mut HclInstance::new(ev, res));
    ev.peerings
        .push((local, remote, res.address.clone(), res.span));
}

pub fn apply_peerings(peerings: Vec<(Link<VnetId>, Link<VnetId>, String, Span)>, n: &mut Network) {
    let index: HashMap<String, usize> = n
        .vnets
        .iter()
        .enumerate()
        .flat_map(|(i, v)| {
            v.resource
                .keys
                .iter()
                .map(move |k| (k.to_ascii_lowercase(), i))
        })
        .collect();
    for (local, remote, address, span) in peerings {
        let target = match &local {
            Link::Key(k) => index.get(&k.value.to_ascii_lowercase()).copied(),
            _ => None,
        };
        match target.and_then(|i| n.vnets.get_mut(i)) {
            Some(v) => v.peerings.push(remote),
            None => n.problems.push(
                Problem::new(
                    ProblemKind::Unresolved,
                    Severity::Warning,
                    format!("peering `{address}`: its virtual network is not defined in this configuration; the peering is not applied"),
                    span,
                )
                .with_resource(address),
            ),
        }
    }
}
