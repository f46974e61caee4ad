//! Tenants that sit in a subnet through a subnet reference of their own (nsg-semantics §6.6):
//! Azure Bastion, Application Gateways (with their SKU tier), AKS node pools, private
//! endpoints, and subnet delegations.

use super::read::display;
use super::{ArmResource, Lowering, Prop, Tree};
use crate::model::tenant::{Host, Tenant, TenantKind};
use crate::model::{Field, Link, Resource, Spanned, SubnetId, Unknown, Val};
use crate::source::Span;

/// A subnet a tenant is placed in, and where the input says so.
pub(super) type Placement = (Link<SubnetId>, Span);

impl Lowering {
    pub(super) fn push_tenant(
        &mut self,
        kind: TenantKind,
        name: Spanned<String>,
        r: &Resource,
        host: Host,
        span: Span,
    ) {
        self.net.tenants.push(Tenant {
            kind,
            name,
            address: r.address.clone(),
            host,
            span,
        });
    }

    /// The items of the list `key` of `node`. A list that cannot be read is reported, and
    /// stands for one item of unknown content, so the tenants it holds are not dropped.
    pub(super) fn items<T: Tree>(
        &mut self,
        t: &T,
        node: &T::Node,
        key: &str,
        what: &str,
    ) -> Result<Vec<T::Node>, Unknown> {
        let Some(list) = t.member(node, key) else {
            return Ok(Vec::new());
        };
        match t.read(&list) {
            Prop::List(items) => Ok(items),
            Prop::Unknown(u) => Err(Unknown {
                reason: format!("{what} could not be resolved ({})", u.reason),
                span: t.span(&list),
                origin: None,
            }),
            _ => {
                self.unresolved_list(t, &list, what);
                Err(Unknown {
                    reason: format!("{what} are not an array"),
                    span: t.span(&list),
                    origin: None,
                })
            }
        }
    }

    /// The subnets of a list of IP configurations (`<key>[].properties.subnet.id`).
    pub(super) fn ip_config_subnets<T: Tree>(
        &mut self,
        t: &T,
        props: Option<&T::Node>,
        key: &str,
        what: &str,
    ) -> Vec<Placement> {
        let Some(props) = props else {
            return Vec::new();
        };
        match self.items(t, props, key, what) {
            Ok(items) => items
                .iter()
                .filter_map(|item| {
                    let span = t.span(item);
                    if let Prop::Unknown(u) = t.read(item) {
                        return Some((Link::Unknown(Box::new(u)), span));
                    }
                    let props = t.member(item, "properties")?;
                    let subnet = self.ref_at(t, &props, "subnet")?;
                    Some((subnet, span))
                })
                .collect(),
            Err(u) => vec![(Link::Unknown(Box::new(u.clone())), u.span)],
        }
    }

    fn place_all(
        &mut self,
        kind: &TenantKind,
        name: &Spanned<String>,
        r: &Resource,
        at: Vec<Placement>,
    ) {
        for (subnet, span) in at {
            self.push_tenant(kind.clone(), name.clone(), r, Host::Subnet(subnet), span);
        }
    }

    pub(super) fn bastion<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let props = t.member(&r.node, "properties");
        let at = self.ip_config_subnets(
            t,
            props.as_ref(),
            "ipConfigurations",
            "the IP configurations of this Bastion host",
        );
        self.place_all(&TenantKind::Bastion, &r.resource.name, &r.resource, at);
    }

    pub(super) fn application_gateway<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let props = t.member(&r.node, "properties");
        let tier = self.sku_tier(t, props.as_ref(), &r.resource);
        let at = self.ip_config_subnets(
            t,
            props.as_ref(),
            "gatewayIPConfigurations",
            "the gateway IP configurations of this application gateway",
        );
        let kind = TenantKind::ApplicationGateway { tier };
        self.place_all(&kind, &r.resource.name, &r.resource, at);
    }

    /// `properties.sku.tier` of an application gateway (its `sku.name` when the tier is not
    /// written: the names of the v2 SKUs are the tiers).
    fn sku_tier<T: Tree>(&mut self, t: &T, props: Option<&T::Node>, r: &Resource) -> Field<String> {
        let sku = props.and_then(|p| t.member(p, "sku"));
        let field = sku
            .as_ref()
            .and_then(|s| t.member(s, "tier").or_else(|| t.member(s, "name")));
        match field {
            Some(v) => {
                let span = t.span(&v);
                match t.read(&v) {
                    Prop::Str(s) => Spanned::new(Val::Known(s), span),
                    Prop::Unknown(u) => Spanned::new(Val::Unknown(Box::new(u)), span),
                    other => Spanned::new(
                        Val::unknown(format!("the SKU tier is a {}", other.type_name()), span),
                        span,
                    ),
                }
            }
            None => {
                let span = sku.as_ref().map_or(r.span, |s| t.span(s));
                Spanned::new(Val::unknown("the SKU tier is not written", span), span)
            }
        }
    }

    pub(super) fn aks<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let Some(props) = t.member(&r.node, "properties") else {
            return;
        };
        let pools = match self.items(
            t,
            &props,
            "agentPoolProfiles",
            "the agent pools of this cluster",
        ) {
            Ok(items) => items,
            Err(u) => {
                let name = r.resource.name.clone();
                let span = u.span;
                self.push_tenant(
                    TenantKind::AksNodePool,
                    name,
                    &r.resource,
                    Host::Subnet(Link::Unknown(Box::new(u))),
                    span,
                );
                return;
            }
        };
        for pool in &pools {
            let own = t.member(pool, "name").map(|n| display(t, &n));
            let name = format!(
                "{}/{}",
                r.resource.name.value,
                own.as_deref().unwrap_or("<unknown>")
            );
            self.aks_pool_in(t, pool, Spanned::new(name, t.span(pool)), &r.resource);
        }
    }

    /// A separate node pool (`managedClusters/agentPools`): `properties.vnetSubnetID`.
    pub(super) fn aks_pool<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let Some(props) = t.member(&r.node, "properties") else {
            return;
        };
        let name = Spanned::new(child_display(r), r.resource.name.span);
        self.aks_pool_in(t, &props, name, &r.resource);
    }

    /// A pool without `vnetSubnetID` lives in a VNet AKS creates itself, outside the input.
    fn aks_pool_in<T: Tree>(&mut self, t: &T, pool: &T::Node, name: Spanned<String>, r: &Resource) {
        let Some(id) = t.member(pool, "vnetSubnetID") else {
            return;
        };
        let subnet = self.id_link(t, &id);
        let span = t.span(&id);
        self.push_tenant(TenantKind::AksNodePool, name, r, Host::Subnet(subnet), span);
    }

    pub(super) fn private_endpoint<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let Some(props) = t.member(&r.node, "properties") else {
            return;
        };
        let Some(subnet) = self.ref_at(t, &props, "subnet") else {
            return;
        };
        let span = t
            .member(&props, "subnet")
            .map_or(r.resource.span, |s| t.span(&s));
        let name = r.resource.name.clone();
        self.push_tenant(
            TenantKind::PrivateEndpoint,
            name,
            &r.resource,
            Host::Subnet(subnet),
            span,
        );
    }

    /// `delegations[].properties.serviceName` of a subnet (inline or a child resource).
    pub(super) fn delegations<T: Tree>(&mut self, t: &T, subnet: &Resource, props: &T::Node) {
        let host = || match subnet.keys.first() {
            Some(k) => Link::Key(Spanned::new(k.clone(), subnet.name.span)),
            None => Link::Unknown(Box::new(Unknown {
                reason: "the subnet has no id a reference could use".into(),
                span: subnet.span,
                origin: None,
            })),
        };
        let items = match self.items(t, props, "delegations", "the delegations of this subnet") {
            Ok(items) => items,
            Err(u) => {
                let service = Spanned::new(Val::Unknown(Box::new(u.clone())), u.span);
                let name = Spanned::new(format!("{}/<delegations>", subnet.name.value), u.span);
                self.push_tenant(
                    TenantKind::Delegation { service },
                    name,
                    subnet,
                    Host::Subnet(host()),
                    u.span,
                );
                return;
            }
        };
        for item in &items {
            let span = t.span(item);
            let service = match t
                .member(item, "properties")
                .and_then(|p| t.member(&p, "serviceName"))
            {
                Some(v) => {
                    let at = t.span(&v);
                    match t.read(&v) {
                        Prop::Str(s) => Spanned::new(Val::Known(s), at),
                        Prop::Unknown(u) => Spanned::new(Val::Unknown(Box::new(u)), at),
                        _ => Spanned::new(Val::unknown("the service name is not a string", at), at),
                    }
                }
                None => Spanned::new(Val::unknown("the delegation names no service", span), span),
            };
            let own = t.member(item, "name").map(|n| display(t, &n));
            let label = match (&service.value, own) {
                (Val::Known(s), _) => s.clone(),
                (_, Some(n)) => n,
                _ => "<unknown>".to_string(),
            };
            let name = Spanned::new(format!("{}/{label}", subnet.name.value), span);
            self.push_tenant(
                TenantKind::Delegation { service },
                name,
                subnet,
                Host::Subnet(host()),
                span,
            );
        }
    }
}

/// A child resource's name as `<parent>/<own>`, the way an inline child is shown.
pub(super) fn child_display<N>(r: &ArmResource<N>) -> String {
    match &r.parent {
        Some(Ok(parent)) => {
            let of = parent.value.rsplit('/').next().unwrap_or_default();
            format!("{of}/{}", r.resource.name.value)
        }
        _ => r.resource.name.value.clone(),
    }
}
