//! Virtual networks (with inline subnets), subnets, subnet–NSG associations and peerings
//! (nsg-semantics §3.3–3.5).

use std::collections::HashMap;

use ipnet::IpNet;

use crate::frontend::plan::address::Mode;
use crate::frontend::plan::lower::{
    block_expression, Block, Instance, Lowered, Lowerer, Peering, Planned,
};
use crate::frontend::plan::value::View;
use crate::frontend::vocab::azurerm::{
    self as vocab, network as networks, peering as peerings, tenant as tenants,
};
use crate::model::tenant::Tenant;
use crate::model::{
    Field, Link, Problem, ProblemKind, Resource, Severity, Spanned, Subnet, Unknown, Val, Vnet,
};

/// A subnet resource lowered by [`Lowerer::lower_subnet`], not yet added.
#[derive(Debug)]
pub struct LoweredSubnet {
    subnet: Subnet,
    delegations: Vec<Tenant>,
    problems: Vec<Problem>,
    /// A managed resource (not a data source): the VNet's mirrored copy of it is dropped.
    managed: bool,
}

impl Lowerer<'_> {
    pub(super) fn vnet(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) {
        let mut problems = Vec::new();
        let vnet = networks::vnet(&mut self.planned(inst, view), &mut problems);
        if inst.addr.mode == Mode::Managed {
            self.inline_subnets(inst, view, &vnet, &mut problems);
        }
        self.net.problems.extend(problems);
        self.net.vnets.push(vnet);
    }

    /// `subnet` blocks inside `azurerm_virtual_network` (optional + computed).
    fn inline_subnets(
        &mut self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
        vnet: &Vnet,
        problems: &mut Vec<Problem>,
    ) {
        let set = view.get(networks::INLINE_SUBNETS);
        let config = inst.expression(networks::INLINE_SUBNETS);
        let mirror = self.is_mirror(inst, networks::INLINE_SUBNETS);
        if set.is_unknown() {
            if config.is_some() {
                problems.push(Problem::new(
                    ProblemKind::Unresolved,
                    Severity::Warning,
                    format!(
                        "the inline subnets of `{}` are known only after apply; they are not evaluated",
                        inst.address
                    ),
                    set.span(),
                ));
            }
            return;
        }
        let rg = view
            .get("resource_group_name")
            .text()
            .map(|t| t.to_string());
        let parent = view.get("name").text().map(|t| t.to_string());
        for item in set.items() {
            let name = item.get("name").text();
            let block = Block {
                expr: block_expression(config, name.as_deref()),
                rg: rg.clone(),
                parent: parent.clone(),
            };
            let mut planned = Planned {
                lowerer: self,
                inst,
                view: &item,
                block: Some(block),
            };
            let subnet = networks::inline_subnet(&mut planned, vnet, problems);
            // A mirrored copy's delegations are read from the subnet resource itself.
            let mut delegations = Vec::new();
            if mirror {
                self.mark_mirror_subnet(self.net.subnets.len());
            } else {
                tenants::delegations(&mut planned, &subnet, &mut delegations);
            }
            self.net.tenants.extend(delegations);
            self.net.subnets.push(subnet);
        }
    }

    /// A subnet resource's record and keys.
    pub(super) fn subnet_resource(&self, inst: &Instance<'_>, view: &View<'_, '_>) -> Resource {
        vocab::Instance::record(
            &mut self.planned(inst, view),
            vocab::Kind::Subnet,
            &["virtual_network_name"],
        )
    }

    /// A subnet resource (see [`Lowerer::lower_apart`]).
    pub(super) fn lower_subnet(&self, inst: &Instance<'_>, view: &View<'_, '_>) -> Lowered {
        let mut problems = Vec::new();
        let mut planned = self.planned(inst, view);
        let subnet = networks::subnet(&mut planned, &mut problems);
        let mut delegations = Vec::new();
        let managed = inst.addr.mode == Mode::Managed;
        if managed {
            tenants::delegations(&mut planned, &subnet, &mut delegations);
        }
        Lowered::Subnet(LoweredSubnet {
            subnet,
            delegations,
            problems,
            managed,
        })
    }

    pub(super) fn push_subnet(&mut self, lowered: LoweredSubnet) {
        let LoweredSubnet {
            subnet,
            mut delegations,
            mut problems,
            managed,
        } = lowered;
        if managed {
            self.managed_subnet(&subnet.resource.keys);
        }
        self.net.tenants.append(&mut delegations);
        self.net.problems.append(&mut problems);
        self.net.subnets.push(subnet);
    }

    pub(super) fn peering(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) {
        let (local, remote) = peerings::peering(&mut self.planned(inst, view));
        self.peerings.push(Peering {
            local,
            remote,
            address: inst.address.clone(),
            span: inst.span,
        });
    }

    /// Attach each peering to its local VNet in this plan. The model keeps peerings on the
    /// VNet, so a peering whose local VNet is not in this plan is reported, not dropped.
    pub(super) fn apply_peerings(&mut self) {
        if self.peerings.is_empty() {
            return;
        }
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, v) in self.net.vnets.iter().enumerate() {
            for k in &v.resource.keys {
                by_key.entry(k.to_ascii_lowercase()).or_default().push(i);
            }
        }
        for p in std::mem::take(&mut self.peerings) {
            let target = match &p.local {
                Link::Key(k) => {
                    match by_key.get(&k.value.to_ascii_lowercase()).map(Vec::as_slice) {
                        Some([one]) => Ok(*one),
                        Some(_) => Err(format!("`{}` names several virtual networks", k.value)),
                        None => Err(format!("`{}` is not in this plan", k.value)),
                    }
                }
                Link::Unknown(u) => Err(u.reason.clone()),
                Link::Resolved(_) => Err("already resolved".into()),
            };
            match target.map(|i| self.net.vnets.get_mut(i)) {
                Ok(Some(vnet)) => vnet.peerings.push(p.remote),
                Ok(None) => {}
                Err(why) => self.problem(
                    Problem::new(
                        ProblemKind::Unresolved,
                        Severity::Warning,
                        format!(
                            "peering `{}`: its local virtual network could not be found ({why}); the peering is not evaluated",
                            p.address
                        ),
                        p.span,
                    )
                    .with_resource(p.address.clone()),
                ),
            }
        }
    }
}

/// A list of prefixes (or a single one): each parsed, unknowns and invalid values kept as
/// Unknowns (invalid ones also reported).
pub(super) fn prefixes(view: &View<'_, '_>, problems: &mut Vec<Problem>) -> Vec<Field<IpNet>> {
    if view.is_unknown() {
        return vec![Spanned::new(
            Val::Unknown(Box::new(view.unknown_here())),
            view.span(),
        )];
    }
    let single = view.is_string();
    let items = if single { Vec::new() } else { view.items() };
    let items: Vec<&View<'_, '_>> = if single {
        vec![view]
    } else {
        items.iter().collect()
    };
    let mut out = Vec::new();
    for item in items {
        if item.is_unknown() {
            out.push(Spanned::new(
                Val::Unknown(Box::new(item.unknown_here())),
                item.span(),
            ));
            continue;
        }
        let Some(text) = item.text() else { continue };
        let value = match text.trim().parse::<IpNet>() {
            Ok(net) => Val::Known(net),
            Err(_) => {
                problems.push(Problem::invalid(
                    format!("`{text}` is not a valid CIDR prefix"),
                    item.span(),
                ));
                Val::Unknown(Box::new(Unknown {
                    reason: format!("invalid prefix `{text}`"),
                    span: item.span(),
                    origin: None,
                }))
            }
        };
        out.push(Spanned::new(value, item.span()));
    }
    out
}
