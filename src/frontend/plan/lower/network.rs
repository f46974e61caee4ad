//! Virtual networks (with inline subnets), subnets, subnet–NSG associations and peerings
//! (nsg-semantics §3.3–3.5).

use std::collections::HashMap;

use ipnet::IpNet;

use crate::frontend::plan::address::Mode;
use crate::frontend::plan::lower::{block_expression, Instance, Lowerer, Peering, NSG, VNET};
use crate::frontend::plan::value::View;
use crate::model::{
    Field, Link, Problem, ProblemKind, Resource, Severity, Spanned, Subnet, Unknown, Val, Vnet,
};

impl Lowerer<'_> {
    pub(super) fn vnet(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) {
        let rg = view.get("resource_group_name").text();
        let name = view.get("name").text();
        let name_key = match (&rg, &name) {
            (Some(rg), Some(n)) => Some(format!("name:vnet:{rg}/{n}")),
            _ => None,
        };
        let resource = self.resource(inst, view, name_key);
        let address_space = self.prefixes(&view.get("address_space"));
        self.net.vnets.push(Vnet {
            resource,
            address_space,
            peerings: Vec::new(),
        });
        if inst.addr.mode == Mode::Managed {
            self.inline_subnets(inst, view, rg.as_deref(), name.as_deref());
        }
    }

    /// `subnet` blocks inside `azurerm_virtual_network` (optional + computed).
    fn inline_subnets(
        &mut self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
        rg: Option<&str>,
        vnet_name: Option<&str>,
    ) {
        let set = view.get("subnet");
        let config = inst.expression("subnet");
        let mirror = self.is_mirror(inst, "subnet");
        if set.is_unknown() {
            if config.is_some() {
                self.problem(Problem::new(
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
        for item in set.items() {
            let name = item.get("name").text();
            let name = name.as_deref();
            let mut keys = Vec::new();
            let address = match name {
                Some(n) => format!("{}.subnet[{:?}]", inst.address, n),
                None => format!("{}.subnet", inst.address),
            };
            keys.push(format!("tf:{address}"));
            if let Some(id) = item.get("id").text() {
                keys.push(super::id_key(&id));
            }
            if let (Some(rg), Some(v), Some(n)) = (rg, vnet_name, name) {
                keys.push(format!("name:subnet:{rg}/{v}/{n}"));
            }
            let name_view = item.get("name");
            let resource = Resource {
                name: Spanned::new(
                    name.map(str::to_string).unwrap_or_else(|| address.clone()),
                    name_view.span(),
                ),
                address,
                keys,
                span: item.span(),
            };
            let mut prefixes = self.prefixes(&item.get("address_prefixes"));
            if prefixes.is_empty() {
                prefixes = self.prefixes(&item.get("address_prefix"));
            }
            let block = block_expression(config, name);
            if mirror {
                self.mark_mirror_subnet(self.net.subnets.len());
            }
            let nsg = self.id_link(
                inst,
                &item.get("security_group"),
                block.and_then(|b| b.get("security_group")),
                NSG,
            );
            self.net.subnets.push(Subnet {
                resource,
                vnet: Link::Key(Spanned::new(format!("tf:{}", inst.address), item.span())),
                prefixes,
                nsg,
            });
        }
    }

    /// A subnet resource's record and keys.
    pub(super) fn subnet_resource(&self, inst: &Instance<'_>, view: &View<'_, '_>) -> Resource {
        let name_key = match (
            view.get("resource_group_name").text(),
            view.get("virtual_network_name").text(),
            view.get("name").text(),
        ) {
            (Some(rg), Some(v), Some(n)) => Some(format!("name:subnet:{rg}/{v}/{n}")),
            _ => None,
        };
        self.resource(inst, view, name_key)
    }

    pub(super) fn subnet(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) {
        let resource = self.subnet_resource(inst, view);
        if inst.addr.mode == Mode::Managed {
            self.managed_subnet(&resource.keys);
        }
        let vnet = self
            .name_link(inst, view, "vnet", "virtual_network_name", VNET)
            .unwrap_or_else(|| self.missing(view, "virtual_network_name"));
        let mut prefixes = self.prefixes(&view.get("address_prefixes"));
        if prefixes.is_empty() {
            prefixes = self.prefixes(&view.get("address_prefix"));
        }
        let nsg = self.subnet_nsg(inst, view);
        self.net.subnets.push(Subnet {
            resource,
            vnet,
            prefixes,
            nsg,
        });
    }

    /// A subnet's own NSG attribute. A data source reports the live association. A managed
    /// subnet's computed `network_security_group_id` only mirrors associations made elsewhere
    /// (the association resources are the source of truth), so it is read only when the
    /// configuration sets it: the legacy (< 2.0) `network_security_group_id` or the write-only
    /// `network_security_group_id_wo`, which is null in plans and known only from its
    /// expression.
    fn subnet_nsg(
        &self,
        inst: &Instance<'_>,
        view: &View<'_, '_>,
    ) -> Option<Link<crate::model::NsgId>> {
        let attr = view.get("network_security_group_id");
        if inst.addr.mode == Mode::Data {
            return self.id_link(inst, &attr, None, NSG);
        }
        if let Some(expr) = inst.expression("network_security_group_id") {
            return self.id_link(inst, &attr, Some(expr), NSG);
        }
        let expr = inst.expression("network_security_group_id_wo")?;
        let wo = view.get("network_security_group_id_wo");
        if let Some(id) = expr.get("constant_value").and_then(|c| c.as_str()) {
            if !id.is_empty() {
                return Some(Link::Key(Spanned::new(super::id_key(id), wo.span())));
            }
            return None;
        }
        Some(self.reference_link(inst, &wo, Some(expr), NSG))
    }

    pub(super) fn peering(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) {
        let local = self
            .name_link(inst, view, "vnet", "virtual_network_name", VNET)
            .unwrap_or_else(|| self.missing(view, "virtual_network_name"));
        let remote_view = view.get("remote_virtual_network_id");
        let remote = self
            .id_link(
                inst,
                &remote_view,
                inst.expression("remote_virtual_network_id"),
                VNET,
            )
            .unwrap_or_else(|| self.missing(view, "remote_virtual_network_id"));
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

    /// A list of prefixes (or a single one): each parsed, unknowns and invalid values kept as
    /// Unknowns (invalid ones also reported).
    pub(super) fn prefixes(&mut self, view: &View<'_, '_>) -> Vec<Field<IpNet>> {
        if view.is_unknown() {
            return vec![Spanned::new(Val::Unknown(view.unknown_here()), view.span())];
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
                out.push(Spanned::new(Val::Unknown(item.unknown_here()), item.span()));
                continue;
            }
            let Some(text) = item.text() else { continue };
            let value = match text.trim().parse::<IpNet>() {
                Ok(net) => Val::Known(net),
                Err(_) => {
                    self.problem(Problem::invalid(
                        format!("`{text}` is not a valid CIDR prefix"),
                        item.span(),
                    ));
                    Val::Unknown(Unknown {
                        reason: format!("invalid prefix `{text}`"),
                        span: item.span(),
                    })
                }
            };
            out.push(Spanned::new(value, item.span()));
        }
        out
    }
}
