//! Who lives in each subnet (nsg-semantics §6.6, architecture.md "Subnet tenants").
//!
//! Front ends write a [`Tenant`] for each thing an input places in a subnet (or on a NIC) —
//! Cloud Services roles, scale sets, Bastion, Application Gateways, AKS node pools, private
//! endpoints, delegations — with the span that says so. NICs are tenants too, but they are
//! already in the model: [`Network::tenants_in`] reports them from the NIC list instead of a
//! second copy. Load-balancer backends are derived the same way from the load-balancer
//! resources ([`LbPool`], [`LbProbe`], [`LbRule`], [`LbMember`]): which probe ports a backend
//! must answer is only known once the pools, rules and probes are linked, which
//! [`link`](super::link::link) does for every front end at once.
//!
//! A subnet nothing in the input places anything in has tenants of its own kind: unknown
//! ([`SubnetTenants::Unknown`]). Policies scope by tenant kind ([`TenantKind::name`]).

use super::{Field, Link, NicId, Resource, Spanned, SubnetId, Val};
use crate::source::Span;

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub usize);
    };
}
id_type!(TenantId);
id_type!(LbPoolId);
id_type!(LbProbeId);

/// Where a tenant lives: a subnet, or a NIC (whose IP configurations place it in subnets).
#[derive(Debug, Clone, PartialEq)]
pub enum Host {
    Subnet(Link<SubnetId>),
    /// `ip_config`: the IP configuration's name when the input names one (a backend pool
    /// association names it); `None` means every IP configuration of the NIC.
    Nic {
        nic: Link<NicId>,
        ip_config: Option<Spanned<String>>,
    },
}

/// What kind of thing a declared tenant is, with what policies need to know about it.
#[derive(Debug, Clone, PartialEq)]
pub enum TenantKind {
    /// A role of a Cloud Services (extended support) deployment. `rdp`: whether Remote Desktop
    /// is enabled for the role (the RDP extension, or a `.csdef` importing `RemoteAccess`);
    /// Unknown when the input does not say (an extension list from an unknown parameter).
    CloudServiceRole {
        service: Spanned<String>,
        role: Spanned<String>,
        rdp: Field<bool>,
    },
    /// A virtual machine scale set's instances.
    ScaleSet,
    /// An Azure Bastion host.
    Bastion,
    /// An Application Gateway; `tier` as written (`Standard_v2`, `WAF_v2`, `Standard`, …).
    ApplicationGateway { tier: Field<String> },
    /// An AKS node pool (the cluster's default pool or a separate one).
    AksNodePool,
    /// A private endpoint.
    PrivateEndpoint,
    /// A subnet delegation to a service (`Microsoft.Web/serverFarms`, …).
    Delegation { service: Field<String> },
}

impl TenantKind {
    /// The kind's name in policy scopes (`[scope] hosts`), inventory and messages.
    pub fn name(&self) -> &'static str {
        match self {
            TenantKind::CloudServiceRole { rdp, .. } => match rdp.value {
                Val::Known(true) => CLOUD_SERVICE_RDP,
                Val::Known(false) => "cloud-service",
                Val::Unknown(_) => "cloud-service-rdp-unknown",
            },
            TenantKind::ScaleSet => "vm-scale-set",
            TenantKind::Bastion => "bastion",
            TenantKind::ApplicationGateway { tier } => match tier.value.known() {
                Some(t) if is_v2_tier(t) => "application-gateway-v2",
                Some(_) => "application-gateway",
                None => "application-gateway-unknown-tier",
            },
            TenantKind::AksNodePool => "aks-node-pool",
            TenantKind::PrivateEndpoint => "private-endpoint",
            TenantKind::Delegation { .. } => "delegation",
        }
    }
}

/// The scope name of subnets hosting Cloud Services roles with RDP enabled.
pub const CLOUD_SERVICE_RDP: &str = "cloud-service-rdp";
/// The scope name of NIC tenants (VMs and standalone NICs).
pub const NIC: &str = "nic";
/// The scope name of load-balancer backends.
pub const LB_BACKEND: &str = "load-balancer-backend";
/// The scope name of subnets with no known tenant.
pub const UNKNOWN: &str = "unknown";

/// Application Gateway tiers of the v2 SKU (compared case-insensitively).
pub fn is_v2_tier(tier: &str) -> bool {
    tier.eq_ignore_ascii_case("Standard_v2") || tier.eq_ignore_ascii_case("WAF_v2")
}

/// One thing the input places in a subnet or on a NIC.
#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    pub kind: TenantKind,
    /// What a reader calls it: `ContosoCS/WebRole1`, the Bastion host's name…
    pub name: Spanned<String>,
    /// The declaring resource's address (Terraform address, ARM resource id or symbolic name).
    pub address: String,
    pub host: Host,
    pub span: Span,
}

/// A load balancer's backend address pool.
#[derive(Debug, Clone, PartialEq)]
pub struct LbPool {
    /// The pool; its display name is `<load balancer>/<pool>` where both are known.
    pub resource: Resource,
}

/// A load balancer's health probe. Health probes of every protocol (TCP, HTTP, HTTPS) reach
/// the backend over TCP from `AzureLoadBalancer` (168.63.129.16).
#[derive(Debug, Clone, PartialEq)]
pub struct LbProbe {
    pub resource: Resource,
    pub port: Field<u16>,
    /// As written (`Tcp`, `Http`, `Https`), for messages.
    pub protocol: Field<String>,
}

/// A load-balancing rule: traffic to its pools is only sent to backends its probe finds
/// healthy.
#[derive(Debug, Clone, PartialEq)]
pub struct LbRule {
    pub resource: Resource,
    pub pools: Vec<Link<LbPoolId>>,
    /// `None`: the rule names no probe.
    pub probe: Option<Link<LbProbeId>>,
}

/// A backend's membership of a pool: a NIC IP configuration (association resource, or the
/// NIC's own pool list), or a scale set's instances in a subnet.
#[derive(Debug, Clone, PartialEq)]
pub struct LbMember {
    pub pool: Link<LbPoolId>,
    pub host: Host,
    /// The declaring resource's address.
    pub address: String,
    pub span: Span,
}

/// The tenants of one subnet, as policies see them.
#[derive(Debug, Clone, PartialEq)]
pub enum SubnetTenants<'a> {
    /// Nothing in the input places anything in the subnet.
    Unknown,
    Known(Vec<TenantRef<'a>>),
}

/// One tenant of a subnet: declared, a NIC IP configuration, or a load-balancer backend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TenantRef<'a> {
    Declared(TenantId, &'a Tenant),
    Nic(NicId, usize),
    Backend(&'a LbMember),
}

impl TenantRef<'_> {
    /// The kind's name in policy scopes.
    pub fn kind_name(&self) -> &'static str {
        match self {
            TenantRef::Declared(_, t) => t.kind.name(),
            TenantRef::Nic(..) => NIC,
            TenantRef::Backend(_) => LB_BACKEND,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builder::{span, NetworkBuilder};

    fn roles_net() -> NetworkBuilder {
        NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .subnet("roles", "vnet", &["10.1.0.0/24"], None)
            .subnet("vms", "vnet", &["10.1.1.0/24"], None)
            .subnet("empty", "vnet", &["10.1.2.0/24"], None)
    }

    fn rdp_role() -> TenantKind {
        TenantKind::CloudServiceRole {
            service: Spanned::new("ContosoCS".into(), span()),
            role: Spanned::new("WebRole1".into(), span()),
            rdp: Spanned::new(Val::Known(true), span()),
        }
    }

    fn kinds(n: &crate::model::Network, subnet: usize) -> Option<Vec<&'static str>> {
        match n.tenants_in(SubnetId(subnet)) {
            SubnetTenants::Unknown => None,
            SubnetTenants::Known(ts) => Some(ts.iter().map(TenantRef::kind_name).collect()),
        }
    }

    #[test]
    fn declared_nic_and_backend_tenants_land_in_their_subnets() {
        let n = roles_net()
            .tenant(rdp_role(), "ContosoCS/WebRole1", "roles")
            .nic("vm1", "vms", None, None, &[])
            .lb_backend("lb", 80, "vm1")
            .build();
        assert_eq!(kinds(&n, 0), Some(vec![CLOUD_SERVICE_RDP]));
        assert_eq!(kinds(&n, 1), Some(vec![NIC, LB_BACKEND]));
        assert_eq!(kinds(&n, 2), None, "nothing placed there: unknown");
        let member = &n.lb_members[0];
        let probes = n.probes_of(member);
        assert_eq!(probes.len(), 1);
        let port = n.lb_probes[probes[0].1 .0].port.value.known().copied();
        assert_eq!(port, Some(80));
    }

    #[test]
    fn a_tenant_whose_subnet_is_not_in_the_input_lands_nowhere() {
        let n = roles_net()
            .tenant(rdp_role(), "ContosoCS/WebRole1", "elsewhere")
            .build();
        assert!(matches!(n.tenants[0].host, Host::Subnet(Link::Unknown(_))));
        assert_eq!(kinds(&n, 0), None);
    }

    #[test]
    fn application_gateway_tiers_name_their_kind() {
        let tier = |t: &str| TenantKind::ApplicationGateway {
            tier: Spanned::new(Val::Known(t.into()), span()),
        };
        assert_eq!(tier("WAF_v2").name(), "application-gateway-v2");
        assert_eq!(tier("standard_V2").name(), "application-gateway-v2");
        assert_eq!(tier("Standard").name(), "application-gateway");
    }
}
