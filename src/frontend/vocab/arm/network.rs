//! Virtual networks with inline subnets and peerings, child subnets and child peerings.

use ipnet::IpNet;

use super::read::display;
use super::{link, ArmResource, Lowering, Prop, Tree};
use crate::model::{Field, Link, Problem, Resource, Spanned, Subnet, Val, Vnet, VnetId};
use crate::source::Span;

/// The type of an inline subnet, as Azure spells it.
const SUBNET_TYPE: &str = "Microsoft.Network/virtualNetworks/subnets";

impl Lowering {
    pub(super) fn vnet<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let props = t.member(&r.node, "properties");
        let mut address_space = Vec::new();
        let space = props.as_ref().and_then(|p| t.member(p, "addressSpace"));
        if let Some(list) = space.as_ref().and_then(|a| t.member(a, "addressPrefixes")) {
            address_space = self.prefix_list(t, &list, "addressPrefixes");
        }
        if address_space.is_empty() {
            let at = space.as_ref().map_or(r.resource.span, |s| t.span(s));
            let ipam = space
                .as_ref()
                .and_then(|a| t.member(a, "ipamPoolPrefixAllocations"))
                .is_some();
            let reason = if ipam {
                "the address space is allocated from an IPAM pool at deployment time"
            } else {
                self.problem(Problem::invalid(
                    format!(
                        "virtual network `{}` has no address space",
                        r.resource.name.value
                    ),
                    at,
                ));
                "the virtual network has no address space"
            };
            address_space.push(Spanned::new(Val::unknown(reason, at), at));
        }
        let mut peerings = Vec::new();
        if let Some(props) = &props {
            if let Some(list) = t.member(props, "virtualNetworkPeerings") {
                match t.read(&list) {
                    Prop::List(items) => {
                        for item in &items {
                            let remote = t
                                .member(item, "properties")
                                .and_then(|p| self.ref_at(t, &p, "remoteVirtualNetwork"));
                            peerings.extend(remote);
                        }
                    }
                    _ => self.unresolved_list(t, &list, "the peerings of this virtual network"),
                }
            }
            if let Some(list) = t.member(props, "subnets") {
                match t.read(&list) {
                    Prop::List(items) => {
                        for item in &items {
                            self.inline_subnet(t, r, item);
                        }
                    }
                    _ => self.unresolved_list(t, &list, "the subnets of this virtual network"),
                }
            }
        }
        let location = self.location_of(t, r);
        self.net.vnets.push(Vnet {
            resource: r.resource.clone(),
            address_space,
            peerings,
            location,
        });
    }

    fn inline_subnet<T: Tree>(&mut self, t: &T, vnet: &ArmResource<T::Node>, item: &T::Node) {
        let span = t.span(item);
        if let Prop::Unknown(_) = t.read(item) {
            self.unresolved_list(t, item, "a subnet of this virtual network");
            return;
        }
        let name = t.member(item, "name");
        let (text, name_span, keys) = match &name {
            Some(n) => (display(t, n), t.span(n), t.child_keys(SUBNET_TYPE, n)),
            None => ("<unknown>".to_string(), span, Vec::new()),
        };
        let resource = Resource {
            name: Spanned::new(text.clone(), name_span),
            address: format!("{}/subnets/{text}", vnet.resource.address),
            keys,
            span,
        };
        let props = t.member(item, "properties");
        self.push_subnet(t, resource, link(&vnet.own), props, span);
    }

    pub(super) fn subnet_resource<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let vnet = match &r.parent {
            Some(target) => link(target),
            None => link(&r.own),
        };
        let props = t.member(&r.node, "properties");
        self.push_subnet(t, r.resource.clone(), vnet, props, r.resource.span);
    }

    fn push_subnet<T: Tree>(
        &mut self,
        t: &T,
        resource: Resource,
        vnet: Link<VnetId>,
        props: Option<T::Node>,
        span: Span,
    ) {
        let mut prefixes = Vec::new();
        let mut nsg = None;
        if let Some(props) = &props {
            if let Some(p) = t.member(props, "addressPrefix") {
                prefixes.push(self.prefix(t, &p));
            }
            if let Some(list) = t.member(props, "addressPrefixes") {
                for p in self.prefix_list(t, &list, "addressPrefixes") {
                    let dup = prefixes.iter().any(|q: &Field<IpNet>| {
                        matches!((&q.value, &p.value), (Val::Known(a), Val::Known(b)) if a == b)
                    });
                    if !dup {
                        prefixes.push(p);
                    }
                }
            }
            nsg = self.ref_at(t, props, "networkSecurityGroup");
            if prefixes.is_empty() {
                if let Some(ipam) = t.member(props, "ipamPoolPrefixAllocations") {
                    let at = t.span(&ipam);
                    prefixes.push(Spanned::new(
                        Val::unknown(
                            "the prefix is allocated from an IPAM pool at deployment time",
                            at,
                        ),
                        at,
                    ));
                }
            }
        }
        if prefixes.is_empty() {
            self.problem(Problem::invalid(
                format!("subnet `{}` has no address prefix", resource.name.value),
                span,
            ));
            prefixes.push(Spanned::new(
                Val::unknown("the subnet has no address prefix", span),
                span,
            ));
        }
        if let Some(props) = &props {
            self.delegations(t, &resource, props);
        }
        self.net.subnets.push(Subnet {
            resource,
            vnet,
            prefixes,
            nsg,
        });
    }

    pub(super) fn peering_resource<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let Some(Ok(vnet)) = &r.parent else { return };
        let remote = t
            .member(&r.node, "properties")
            .and_then(|p| self.ref_at(t, &p, "remoteVirtualNetwork"));
        if let Some(remote) = remote {
            self.peerings
                .push((vnet.value.clone(), remote, r.resource.span));
        }
    }
}
