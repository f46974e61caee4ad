//! Computed attributes that mirror separately managed resources.
//!
//! An NSG that does not configure `security_rule` (and every `data` NSG) shows in the plan the
//! rules Azure holds *now*: those of `azurerm_network_security_rule` resources included, even
//! ones this plan deletes. A VNet that does not configure `subnet` likewise lists the subnets of
//! `azurerm_subnet` resources. Taken as written, such a plan would evaluate a deleted rule and
//! every separately managed rule or subnet twice. So a mirrored rule or subnet that a separate
//! resource of this plan manages (in any action, deletions included) is dropped: the separate
//! resource's own planned value is what Azure will hold after apply. Mirrored items nobody in
//! the plan manages (made outside Terraform) stay: apply does not touch them.

use std::collections::HashSet;

use crate::frontend::plan::address::Mode;
use crate::frontend::plan::lower::{Instance, Lowerer, NSG};
use crate::frontend::plan::value::View;
use crate::model::Link;

#[derive(Debug, Default)]
pub(super) struct Mirrors {
    /// NSGs (indices) whose `security_rule` is computed.
    nsgs: Vec<usize>,
    /// Subnets (indices) read from a VNet's computed `subnet`.
    subnets: Vec<usize>,
    /// (lower-cased NSG link key, lower-cased rule name) of every separate rule resource.
    rules: HashSet<(String, String)>,
    /// Lower-cased id and name keys of every separate subnet resource.
    subnet_keys: HashSet<String>,
}

impl Lowerer<'_> {
    /// Whether an attribute of an attribute-as-blocks kind is computed rather than configured.
    pub(super) fn is_mirror(&self, inst: &Instance<'_>, attr: &str) -> bool {
        inst.addr.mode == Mode::Data || inst.expression(attr).is_none()
    }

    pub(super) fn mark_mirror_nsg(&mut self, index: usize) {
        self.mirrors.nsgs.push(index);
    }

    pub(super) fn mark_mirror_subnet(&mut self, index: usize) {
        self.mirrors.subnets.push(index);
    }

    /// A separate rule resource manages `name` in the NSG its link names.
    pub(super) fn managed_rule(&mut self, nsg: &Link<crate::model::NsgId>, name: Option<&str>) {
        if let (Link::Key(k), Some(name)) = (nsg, name) {
            self.mirrors
                .rules
                .insert((k.value.to_ascii_lowercase(), name.to_ascii_lowercase()));
        }
    }

    /// A separate subnet resource is known by these keys.
    pub(super) fn managed_subnet(&mut self, keys: &[String]) {
        for k in keys.iter().filter(|k| !k.starts_with("tf:")) {
            self.mirrors.subnet_keys.insert(k.to_ascii_lowercase());
        }
    }

    /// A rule or subnet resource this plan deletes: only its identity matters, to drop the
    /// mirrored copy.
    pub fn removed(&mut self, inst: &Instance<'_>, before: &View<'_, '_>) {
        match inst.addr.rtype.as_str() {
            "azurerm_network_security_rule" => {
                if let Some(nsg) =
                    self.name_link(inst, before, "nsg", "network_security_group_name", NSG)
                {
                    self.managed_rule(&nsg, before.get("name").text().as_deref());
                }
            }
            "azurerm_subnet" => {
                let resource = self.subnet_resource(inst, before);
                self.managed_subnet(&resource.keys);
            }
            _ => {}
        }
    }

    pub(super) fn drop_mirrored(&mut self) {
        let m = std::mem::take(&mut self.mirrors);
        if !m.rules.is_empty() {
            for &i in &m.nsgs {
                let Some(nsg) = self.net.nsgs.get_mut(i) else {
                    continue;
                };
                let keys: Vec<String> = nsg
                    .resource
                    .keys
                    .iter()
                    .map(|k| k.to_ascii_lowercase())
                    .collect();
                nsg.rules.retain(|r| {
                    let name = r.name.value.to_ascii_lowercase();
                    !keys
                        .iter()
                        .any(|k| m.rules.contains(&(k.clone(), name.clone())))
                });
            }
        }
        if !m.subnet_keys.is_empty() && !m.subnets.is_empty() {
            let drop: HashSet<usize> = m
                .subnets
                .iter()
                .copied()
                .filter(|&i| {
                    self.net.subnets.get(i).is_some_and(|s| {
                        s.resource
                            .keys
                            .iter()
                            .any(|k| m.subnet_keys.contains(&k.to_ascii_lowercase()))
                    })
                })
                .collect();
            let mut index = 0usize;
            self.net.subnets.retain(|_| {
                let keep = !drop.contains(&index);
                index += 1;
                keep
            });
        }
    }
}
