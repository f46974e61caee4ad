//! Who lives in each subnet, in the azurerm vocabulary (nsg-semantics §6.6): scale sets,
//! Bastion hosts, Application Gateways, AKS node pools, private endpoints and subnet
//! delegations as [`Tenant`]s, and load balancers' pools, probes, rules and pool memberships.
//!
//! Each tenant's span is the argument that places it (`subnet_id`, `vnet_subnet_id`…). A
//! placement nsgate cannot compute is a `Link::Unknown` with the reason, never a dropped
//! tenant; a resource that places nothing in a subnet by design (an AKS cluster on its own
//! managed VNet, a Developer-SKU Bastion) is no tenant.

use std::collections::HashMap;

use super::{typed, Element, Got, Instance, Kind, Read, Untyped};
use crate::model::tenant::{Host, LbMember, LbPool, LbProbe, LbRule, Tenant, TenantKind};
use crate::model::{
    Field, Link, Network, Problem, Resource, Spanned, Subnet, SubnetId, Unknown, Val,
};
use crate::source::Span;

/// Scale-set types and the nested blocks that hold their IP configurations.
const SCALE_SETS: [(&str, [&str; 2]); 4] = [
    (
        "azurerm_linux_virtual_machine_scale_set",
        ["network_interface", "ip_configuration"],
    ),
    (
        "azurerm_windows_virtual_machine_scale_set",
        ["network_interface", "ip_configuration"],
    ),
    (
        "azurerm_orchestrated_virtual_machine_scale_set",
        ["network_interface", "ip_configuration"],
    ),
    (
        "azurerm_virtual_machine_scale_set",
        ["network_profile", "ip_configuration"],
    ),
];

const LB: &str = "azurerm_lb";
const LB_POOL: &str = "azurerm_lb_backend_address_pool";
const LB_PROBE: &str = "azurerm_lb_probe";
const LB_RULE: &str = "azurerm_lb_rule";
const NIC_POOL: &str = "azurerm_network_interface_backend_address_pool_association";
const POOL_ADDRESS: &str = "azurerm_lb_backend_address_pool_address";
const BASTION: &str = "azurerm_bastion_host";
const APP_GATEWAY: &str = "azurerm_application_gateway";
const AKS: &str = "azurerm_kubernetes_cluster";
const AKS_POOL: &str = "azurerm_kubernetes_cluster_node_pool";
const PRIVATE_ENDPOINT: &str = "azurerm_private_endpoint";

/// The nested blocks of a subnet that delegate it (`delegation[].service_delegation[]`).
const DELEGATION: [&str; 2] = ["delegation", "service_delegation"];

/// Whether this vocabulary reads tenants or load-balancer parts from managed resources of
/// this type.
pub fn is_tenant_type(rtype: &str) -> bool {
    scale_set_path(rtype).is_some()
        || matches!(
            rtype,
            LB | LB_POOL
                | LB_PROBE
                | LB_RULE
                | NIC_POOL
                | POOL_ADDRESS
                | BASTION
                | APP_GATEWAY
                | AKS
                | AKS_POOL
                | PRIVATE_ENDPOINT
        )
}

fn scale_set_path(rtype: &str) -> Option<[&'static str; 2]> {
    SCALE_SETS
        .iter()
        .find(|(t, _)| *t == rtype)
        .map(|(_, path)| *path)
}

/// Read one managed resource of a [`is_tenant_type`] type into `net`; load-balancer parts
/// are named after their load balancer by [`LbNames::apply`] once every one is read.
pub fn lower<I: Instance>(rtype: &str, i: &mut I, net: &mut Network, lbs: &mut LbNames) {
    if let Some(path) = scale_set_path(rtype) {
        return scale_set(i, &path, net);
    }
    match rtype {
        LB => lbs.lbs.push(i.record(Kind::Lb, &[])),
        LB_POOL => {
            let resource = i.record(Kind::LbPool, &[]);
            lbs.pending(Part::Pool(net.lb_pools.len()), i);
            net.lb_pools.push(LbPool { resource });
        }
        LB_PROBE => {
            let probe = probe(i, &mut net.problems);
            lbs.pending(Part::Probe(net.lb_probes.len()), i);
            net.lb_probes.push(probe);
        }
        LB_RULE => {
            let rule = lb_rule(i);
            lbs.pending(Part::Rule(net.lb_rules.len()), i);
            net.lb_rules.push(rule);
        }
        NIC_POOL => net.lb_members.push(nic_pool_member(i)),
        POOL_ADDRESS => net.lb_members.push(pool_address_member(i)),
        BASTION => place(
            i,
            &["ip_configuration"],
            "subnet_id",
            Need::Required,
            net,
            |_| TenantKind::Bastion,
        ),
        APP_GATEWAY => {
            let tier = sku_tier(i);
            place(
                i,
                &["gateway_ip_configuration"],
                "subnet_id",
                Need::Required,
                net,
                |_| TenantKind::ApplicationGateway { tier: tier.clone() },
            )
        }
        AKS => place(
            i,
            &["default_node_pool"],
            "vnet_subnet_id",
            Need::Optional,
            net,
            |_| TenantKind::AksNodePool,
        ),
        AKS_POOL => place(i, &[], "vnet_subnet_id", Need::Optional, net, |_| {
            TenantKind::AksNodePool
        }),
        PRIVATE_ENDPOINT => place(i, &[], "subnet_id", Need::Required, net, |_| {
            TenantKind::PrivateEndpoint
        }),
        _ => {}
    }
}

/// Whether a resource without the placing argument is a tenant of an unknown subnet
/// (`Required`) or no tenant at all (`Optional`: it lives outside the input's subnets, like
/// an AKS cluster on a VNet AKS manages).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Required,
    Optional,
}

/// One tenant per element at `path` that places the resource in a subnet through `attr`
/// (one per subnet: two IP configurations in the same subnet are one tenant there).
fn place<I: Instance>(
    i: &mut I,
    path: &[&'static str],
    attr: &'static str,
    need: Need,
    net: &mut Network,
    kind: impl Fn(&Element) -> TenantKind,
) {
    let name = display_name(i);
    let mut seen: Vec<String> = Vec::new();
    for element in i.elements(path, &[(attr, Read::Link(Kind::Subnet))]) {
        let (link, span, kind) = match element {
            Ok(e) => {
                let (link, at) = match e.values.first() {
                    Some(Got::Link(Some(link), at)) => (typed(link.clone()), *at),
                    Some(Got::Link(None, at)) if need == Need::Required => {
                        (not_set(attr, *at), *at)
                    }
                    _ => continue,
                };
                (link, span_of(&e, at), kind(&e))
            }
            Err(u) => {
                let span = u.span;
                (
                    Link::Unknown(Box::new(u)),
                    span,
                    kind(&unknown_element(span)),
                )
            }
        };
        if let Link::Key(k) = &link {
            let key = k.value.to_ascii_lowercase();
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
        }
        net.tenants.push(Tenant {
            kind,
            name: name.clone(),
            address: i.address().to_string(),
            host: Host::Subnet(link),
            span,
        });
    }
}

/// A scale set is a tenant of the subnet of each of its IP configurations, and a member of
/// that configuration's backend pools there. An IP configuration without `subnet_id` (IPv6,
/// in the subnet of its IPv4 sibling) places nothing unless no configuration has one.
fn scale_set<I: Instance>(i: &mut I, path: &[&'static str], net: &mut Network) {
    let name = display_name(i);
    let address = i.address().to_string();
    let elements = i.elements(
        path,
        &[
            ("subnet_id", Read::Link(Kind::Subnet)),
            (
                "load_balancer_backend_address_pool_ids",
                Read::Links(Kind::LbPool),
            ),
        ],
    );
    let any_subnet = elements.iter().any(|e| {
        e.as_ref()
            .is_ok_and(|e| matches!(e.values.first(), Some(Got::Link(Some(_), _))))
    });
    let mut seen: Vec<String> = Vec::new();
    for element in elements {
        let (subnet, span, pools) = match element {
            Ok(e) => {
                let (subnet, at) = match e.values.first() {
                    Some(Got::Link(Some(l), at)) => (typed::<SubnetId>(l.clone()), *at),
                    Some(Got::Link(None, at)) if !any_subnet => (not_set("subnet_id", *at), *at),
                    _ => continue,
                };
                // A membership's span is the pool list as written in the scale set (a
                // reference's own span is the pool resource's).
                let pools = match e.values.get(1) {
                    Some(Got::Links(Some(pools), at)) => {
                        pools.iter().map(|p| (typed(p.clone()), *at)).collect()
                    }
                    _ => Vec::new(),
                };
                (subnet, span_of(&e, at), pools)
            }
            Err(u) => {
                let span = u.span;
                // Its pools are as unknown as its subnet: no membership is claimed.
                (Link::Unknown(Box::new(u)), span, Vec::new())
            }
        };
        for (pool, at) in pools {
            net.lb_members.push(LbMember {
                pool,
                host: Host::Subnet(subnet.clone()),
                address: address.clone(),
                span: at,
            });
        }
        if let Link::Key(k) = &subnet {
            let key = k.value.to_ascii_lowercase();
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
        }
        net.tenants.push(Tenant {
            kind: TenantKind::ScaleSet,
            name: name.clone(),
            address: address.clone(),
            host: Host::Subnet(subnet),
            span,
        });
    }
}

/// `sku[0].tier` of an Application Gateway (required by the provider).
fn sku_tier<I: Instance>(i: &mut I) -> Field<String> {
    match i
        .elements(&["sku"], &[("tier", Read::Text)])
        .into_iter()
        .next()
    {
        Some(Ok(e)) => match e.values.first() {
            Some(Got::Text(Some(tier), _)) => tier.clone(),
            _ => unknown_field("`sku.tier` is not set", e.span),
        },
        Some(Err(u)) => Spanned::new(Val::Unknown(Box::new(u.clone())), u.span),
        None => unknown_field("`sku` is not set", i.span()),
    }
}

/// `azurerm_lb_probe`: `port` (required), `protocol` (the provider's default is `Tcp`).
fn probe<I: Instance>(i: &mut I, problems: &mut Vec<Problem>) -> LbProbe {
    let resource = i.record(Kind::LbProbe, &[]);
    let values = top(i, &[("port", Read::Text), ("protocol", Read::Text)]);
    let port = match values.first() {
        Some(Got::Text(Some(f), _)) => port_field(f, i.address(), problems),
        Some(Got::Text(None, at)) => unknown_field("`port` is not set", *at),
        _ => unknown_field("the probe's port could not be read", i.span()),
    };
    let protocol = match values.get(1) {
        Some(Got::Text(Some(f), _)) => f.clone(),
        // Not set: the provider's default.
        _ => Spanned::new(Val::Known("Tcp".to_string()), i.span()),
    };
    LbProbe {
        resource,
        port,
        protocol,
    }
}

fn port_field(f: &Field<String>, address: &str, problems: &mut Vec<Problem>) -> Field<u16> {
    let Val::Known(text) = &f.value else {
        return Spanned::new(
            Val::Unknown(Box::new(f.value.as_unknown().cloned().unwrap_or_else(
                || Unknown {
                    reason: "unknown port".into(),
                    span: f.span,
                    origin: None,
                },
            ))),
            f.span,
        );
    };
    match text.trim().parse::<u16>() {
        Ok(p) if p > 0 => Spanned::new(Val::Known(p), f.span),
        _ => {
            let msg = format!("probe port `{text}` is not a port number (1-65535)");
            problems.push(Problem::invalid(msg.clone(), f.span).with_resource(address.to_string()));
            unknown_field(&msg, f.span)
        }
    }
}

/// `azurerm_lb_rule`: its pools (`backend_address_pool_ids`, or provider 2.x's
/// `backend_address_pool_id`) and `probe_id`.
fn lb_rule<I: Instance>(i: &mut I) -> LbRule {
    let resource = i.record(Kind::LbRule, &[]);
    let values = top(
        i,
        &[
            ("backend_address_pool_ids", Read::Links(Kind::LbPool)),
            ("backend_address_pool_id", Read::Link(Kind::LbPool)),
            ("probe_id", Read::Link(Kind::LbProbe)),
        ],
    );
    let mut pools: Vec<_> = match values.first() {
        Some(Got::Links(Some(links), _)) => links.iter().cloned().map(typed).collect(),
        _ => Vec::new(),
    };
    if let Some(Got::Link(Some(link), _)) = values.get(1) {
        pools.push(typed(link.clone()));
    }
    let probe = match values.get(2) {
        Some(Got::Link(Some(link), _)) => Some(typed(link.clone())),
        _ => None,
    };
    LbRule {
        resource,
        pools,
        probe,
    }
}

/// `azurerm_network_interface_backend_address_pool_association`: one IP configuration of a
/// NIC in a pool. An IP configuration name nsgate cannot know stands for every IP
/// configuration of the NIC (the model's `None`).
fn nic_pool_member<I: Instance>(i: &mut I) -> LbMember {
    let values = top(
        i,
        &[
            ("backend_address_pool_id", Read::Link(Kind::LbPool)),
            ("network_interface_id", Read::Link(Kind::Nic)),
            ("ip_configuration_name", Read::Text),
        ],
    );
    let pool = required(values.first(), "backend_address_pool_id", i.span());
    let nic = required(values.get(1), "network_interface_id", i.span());
    let ip_config = match values.get(2) {
        Some(Got::Text(
            Some(Spanned {
                value: Val::Known(name),
                span,
            }),
            _,
        )) => Some(Spanned::new(name.clone(), *span)),
        _ => None,
    };
    let span = match values.get(1) {
        Some(Got::Link(Some(_), at)) => *at,
        _ => i.span(),
    };
    LbMember {
        pool,
        host: Host::Nic { nic, ip_config },
        address: i.address().to_string(),
        span,
    }
}

/// `azurerm_lb_backend_address_pool_address`: an IP-based backend, an address in a VNet.
/// Which subnet holds the address is not read yet: its host is an Unknown that says so, so
/// the backend is listed but checked in no subnet.
fn pool_address_member<I: Instance>(i: &mut I) -> LbMember {
    let values = top(
        i,
        &[
            ("backend_address_pool_id", Read::Link(Kind::LbPool)),
            ("ip_address", Read::Text),
        ],
    );
    let pool = required(values.first(), "backend_address_pool_id", i.span());
    let (ip, at) = match values.get(1) {
        Some(Got::Text(Some(f), at)) => (
            f.value
                .known()
                .cloned()
                .unwrap_or_else(|| "an address known only after apply".into()),
            *at,
        ),
        _ => ("an unset address".to_string(), i.span()),
    };
    LbMember {
        pool,
        host: Host::Subnet(Link::Unknown(Box::new(Unknown {
            reason: format!(
                "IP-based backend {ip}: nsgate does not place backend pool addresses in a subnet"
            ),
            span: at,
            origin: None,
        }))),
        address: i.address().to_string(),
        span: at,
    }
}

/// `delegation[].service_delegation[].name` of a subnet (an `azurerm_subnet` or an inline
/// `subnet` block): a tenant of the subnet per delegated service.
pub fn delegations<I: Instance>(i: &mut I, subnet: &Subnet, tenants: &mut Vec<Tenant>) {
    let Some(key) = subnet.resource.keys.first() else {
        return;
    };
    for element in i.elements(&DELEGATION, &[("name", Read::Text)]) {
        let (service, span) = match element {
            Ok(e) => match e.values.first() {
                Some(Got::Text(Some(f), at)) => (f.clone(), span_of(&e, *at)),
                _ => (
                    unknown_field("`service_delegation.name` is not set", e.span),
                    e.span,
                ),
            },
            Err(u) => {
                let span = u.span;
                (Spanned::new(Val::Unknown(Box::new(u)), span), span)
            }
        };
        let name = match &service.value {
            Val::Known(s) => Spanned::new(s.clone(), service.span),
            Val::Unknown(_) => Spanned::new("delegation".to_string(), service.span),
        };
        tenants.push(Tenant {
            kind: TenantKind::Delegation { service },
            name,
            address: subnet.resource.address.clone(),
            host: Host::Subnet(Link::Key(Spanned::new(key.clone(), span))),
            span,
        });
    }
}

/// The load balancer of each pool, probe and rule, remembered until every `azurerm_lb` of the
/// input is read: their display names are `<load balancer>/<name>` where the load balancer
/// is known.
#[derive(Debug, Default)]
pub struct LbNames {
    lbs: Vec<Resource>,
    parts: Vec<(Part, Option<Link<Untyped>>, Option<String>)>,
}

#[derive(Debug, Clone, Copy)]
enum Part {
    Pool(usize),
    Probe(usize),
    Rule(usize),
}

impl LbNames {
    fn pending<I: Instance>(&mut self, part: Part, i: &mut I) {
        let values = top(
            i,
            &[
                ("loadbalancer_id", Read::Link(Kind::Lb)),
                ("loadbalancer_id", Read::Text),
            ],
        );
        let link = match values.first() {
            Some(Got::Link(l, _)) => l.clone(),
            _ => None,
        };
        let literal = match values.get(1) {
            Some(Got::Text(Some(f), _)) => f.value.known().and_then(|t| lb_name_in_id(t)),
            _ => None,
        };
        self.parts.push((part, link, literal));
    }

    /// Name each pool, probe and rule after its load balancer; the name alone where the load
    /// balancer is not in the input and its id is not literal.
    pub fn apply(self, net: &mut Network) {
        let mut by_key: HashMap<String, Vec<&str>> = HashMap::new();
        for lb in &self.lbs {
            for k in &lb.keys {
                by_key
                    .entry(k.to_ascii_lowercase())
                    .or_default()
                    .push(&lb.name.value);
            }
        }
        for (part, link, literal) in &self.parts {
            let from_link = match link {
                Some(Link::Key(k)) => match by_key.get(&k.value.to_ascii_lowercase()) {
                    Some(names) if names.len() == 1 => names.first().map(|n| n.to_string()),
                    _ => None,
                },
                _ => None,
            };
            let Some(lb) = from_link.or_else(|| literal.clone()) else {
                continue;
            };
            let resource = match *part {
                Part::Pool(i) => net.lb_pools.get_mut(i).map(|p| &mut p.resource),
                Part::Probe(i) => net.lb_probes.get_mut(i).map(|p| &mut p.resource),
                Part::Rule(i) => net.lb_rules.get_mut(i).map(|p| &mut p.resource),
            };
            if let Some(r) = resource {
                r.name.value = format!("{lb}/{}", r.name.value);
            }
        }
    }
}

/// The load balancer's name in a literal id of it or of one of its parts.
fn lb_name_in_id(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.trim_matches('/').split('/').collect();
    let at = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("loadBalancers"))?;
    parts.get(at + 1).map(|s| s.to_string())
}

/// The resource's own arguments.
fn top<I: Instance>(i: &mut I, reads: &[(&'static str, Read)]) -> Vec<Got> {
    match i.elements(&[], reads).into_iter().next() {
        Some(Ok(e)) => e.values,
        _ => Vec::new(),
    }
}

/// The resource's `name`, or its address.
fn display_name<I: Instance>(i: &mut I) -> Spanned<String> {
    match top(i, &[("name", Read::Text)]).first() {
        Some(Got::Text(
            Some(Spanned {
                value: Val::Known(n),
                span,
            }),
            _,
        )) => Spanned::new(n.clone(), *span),
        _ => Spanned::new(i.address().to_string(), i.span()),
    }
}

fn required<Id>(got: Option<&Got>, attr: &str, fallback: Span) -> Link<Id> {
    match got {
        Some(Got::Link(Some(link), _)) => typed(link.clone()),
        Some(Got::Link(None, at)) => not_set(attr, *at),
        _ => not_set(attr, fallback),
    }
}

fn not_set<Id>(attr: &str, at: Span) -> Link<Id> {
    Link::Unknown(Box::new(Unknown {
        reason: format!("`{attr}` is not set"),
        span: at,
        origin: None,
    }))
}

fn unknown_field<T>(reason: &str, span: Span) -> Field<T> {
    Spanned::new(Val::unknown(reason.to_string(), span), span)
}

/// The span of the argument that places a tenant: where it is set, else the element.
fn span_of(e: &Element, at: Span) -> Span {
    if at.is_empty() {
        e.span
    } else {
        at
    }
}

fn unknown_element(span: Span) -> Element {
    Element {
        span,
        values: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::frontend::terraform::{fs::MemFs, load_dir};
    use crate::frontend::{LoadOptions, Loaded};
    use crate::model::tenant::{Host, SubnetTenants, TenantKind, TenantRef};
    use crate::model::{link::link, Link, Network, SubnetId, Val};
    use crate::source::Sources;

    const NET: &str = r#"
resource "azurerm_virtual_network" "v" {
  name                = "v"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/16"]
}
resource "azurerm_subnet" "a" {
  name                 = "a"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.1.0/24"]
}
resource "azurerm_subnet" "b" {
  name                 = "b"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.2.0/24"]
}
"#;

    fn hcl(text: &str) -> (Network, Sources) {
        let mut fs = MemFs::new();
        fs.add("root/main.tf", format!("{NET}{text}"));
        let mut sources = Sources::new();
        let mut out = Loaded::default();
        load_dir(
            &fs,
            Path::new("root"),
            &LoadOptions::default(),
            &mut sources,
            &mut out,
        );
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        (link(out.network), sources)
    }

    /// The kind names of subnet `a` (index 0) and `b` (index 1); `None`: unknown.
    fn kinds(n: &Network, subnet: usize) -> Option<Vec<&'static str>> {
        match n.tenants_in(SubnetId(subnet)) {
            SubnetTenants::Unknown => None,
            SubnetTenants::Known(ts) => Some(ts.iter().map(TenantRef::kind_name).collect()),
        }
    }

    #[test]
    fn each_kind_lands_in_its_subnet_with_the_span_of_its_subnet_argument() {
        let (n, sources) = hcl(r#"
resource "azurerm_bastion_host" "h" {
  name = "bas"
  ip_configuration {
    name      = "c"
    subnet_id = azurerm_subnet.a.id
  }
}
resource "azurerm_application_gateway" "g" {
  name = "agw"
  sku {
    name = "Standard_v2"
    tier = "Standard_v2"
  }
  gateway_ip_configuration {
    name      = "g"
    subnet_id = azurerm_subnet.b.id
  }
}
resource "azurerm_private_endpoint" "p" {
  name      = "pe"
  subnet_id = azurerm_subnet.b.id
}
"#);
        assert_eq!(kinds(&n, 0), Some(vec!["bastion"]));
        assert_eq!(
            kinds(&n, 1),
            Some(vec!["application-gateway-v2", "private-endpoint"])
        );
        let bastion = &n.tenants[0];
        assert_eq!(bastion.name.value, "bas");
        assert_eq!(sources.slice(bastion.span), "azurerm_subnet.a.id");
    }

    #[test]
    fn an_unknown_subnet_is_an_unknown_host_not_a_dropped_tenant() {
        let (n, _) = hcl(r#"
variable "subnet" { type = string }
resource "azurerm_private_endpoint" "p" {
  name      = "pe"
  subnet_id = var.subnet
}
resource "azurerm_bastion_host" "h" {
  name = "bas"
}
"#);
        assert_eq!(
            n.tenants.len(),
            1,
            "a Bastion without ip_configuration (Developer SKU) places nothing"
        );
        assert!(
            matches!(&n.tenants[0].host, Host::Subnet(Link::Unknown(u)) if u.reason.contains("subnet"))
        );
        assert_eq!(kinds(&n, 0), None);
    }

    #[test]
    fn aks_without_a_subnet_lives_on_its_own_vnet_and_sku_tier_unknown_is_said() {
        let (n, _) = hcl(r#"
variable "tier" { type = string }
resource "azurerm_kubernetes_cluster" "k" {
  name = "aks"
  default_node_pool {
    name = "system"
  }
}
resource "azurerm_kubernetes_cluster_node_pool" "p" {
  name           = "user"
  vnet_subnet_id = azurerm_subnet.a.id
}
resource "azurerm_application_gateway" "g" {
  name = "agw"
  sku {
    name = "x"
    tier = var.tier
  }
  gateway_ip_configuration {
    name      = "g"
    subnet_id = azurerm_subnet.b.id
  }
}
"#);
        assert_eq!(kinds(&n, 0), Some(vec!["aks-node-pool"]));
        assert_eq!(kinds(&n, 1), Some(vec!["application-gateway-unknown-tier"]));
        assert_eq!(n.tenants.len(), 2);
    }

    #[test]
    fn scale_sets_are_tenants_and_pool_members_whose_probes_are_known() {
        let (n, _) = hcl(r#"
resource "azurerm_lb" "lb" {
  name                = "lb"
  resource_group_name = "rg"
}
resource "azurerm_lb_backend_address_pool" "p" {
  name            = "pool"
  loadbalancer_id = azurerm_lb.lb.id
}
resource "azurerm_lb_probe" "pr" {
  name            = "probe"
  loadbalancer_id = azurerm_lb.lb.id
  port            = 8080
}
resource "azurerm_lb_rule" "r" {
  name                     = "rule"
  loadbalancer_id          = azurerm_lb.lb.id
  backend_address_pool_ids = [azurerm_lb_backend_address_pool.p.id]
  probe_id                 = azurerm_lb_probe.pr.id
}
resource "azurerm_windows_virtual_machine_scale_set" "s" {
  name = "vmss"
  network_interface {
    name = "n"
    ip_configuration {
      name                                   = "ipv4"
      subnet_id                              = azurerm_subnet.a.id
      load_balancer_backend_address_pool_ids = [azurerm_lb_backend_address_pool.p.id]
    }
    ip_configuration {
      name    = "ipv6"
      version = "IPv6"
    }
  }
}
resource "azurerm_virtual_machine_scale_set" "legacy" {
  name = "legacy"
  network_profile {
    name = "n"
    ip_configuration {
      name      = "c"
      subnet_id = azurerm_subnet.b.id
    }
  }
}
"#);
        assert_eq!(
            kinds(&n, 0),
            Some(vec!["vm-scale-set", "load-balancer-backend"])
        );
        assert_eq!(kinds(&n, 1), Some(vec!["vm-scale-set"]));
        assert_eq!(n.lb_pools[0].resource.name.value, "lb/pool");
        assert_eq!(n.lb_probes[0].resource.name.value, "lb/probe");
        let probes = n.probes_of(&n.lb_members[0]);
        let port = probes
            .first()
            .and_then(|(_, p)| n.lb_probes.get(p.0))
            .and_then(|p| p.port.value.known().copied());
        assert_eq!(port, Some(8080));
        assert_eq!(n.lb_probes[0].protocol.value, Val::Known("Tcp".to_string()));
    }

    #[test]
    fn nic_associations_name_their_ip_configuration_and_ip_backends_are_unplaced() {
        let (n, _) = hcl(r#"
resource "azurerm_network_interface" "nic" {
  name                = "nic"
  resource_group_name = "rg"
  ip_configuration {
    name                          = "main"
    subnet_id                     = azurerm_subnet.b.id
    private_ip_address_allocation = "Dynamic"
  }
}
resource "azurerm_lb_backend_address_pool" "p" {
  name            = "pool"
  loadbalancer_id = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/ext"
}
resource "azurerm_network_interface_backend_address_pool_association" "a" {
  network_interface_id    = azurerm_network_interface.nic.id
  ip_configuration_name   = "main"
  backend_address_pool_id = azurerm_lb_backend_address_pool.p.id
}
resource "azurerm_lb_backend_address_pool_address" "ip" {
  name                    = "ip"
  backend_address_pool_id = azurerm_lb_backend_address_pool.p.id
  ip_address              = "10.0.1.4"
}
"#);
        assert_eq!(n.lb_pools[0].resource.name.value, "ext/pool");
        assert_eq!(kinds(&n, 1), Some(vec!["nic", "load-balancer-backend"]));
        assert!(matches!(
            &n.lb_members[0].host,
            Host::Nic { ip_config: Some(ip), .. } if ip.value == "main"
        ));
        assert!(
            matches!(&n.lb_members[1].host, Host::Subnet(Link::Unknown(u)) if u.reason.contains("10.0.1.4"))
        );
        assert_eq!(kinds(&n, 0), None, "the IP-based backend is placed nowhere");
    }

    #[test]
    fn delegations_of_subnet_resources_and_inline_subnets() {
        let (n, _) = hcl(r#"
resource "azurerm_subnet" "d" {
  name                 = "d"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.3.0/24"]
  delegation {
    name = "x"
    service_delegation {
      name = "Microsoft.Web/serverFarms"
    }
  }
}
resource "azurerm_virtual_network" "w" {
  name                = "w"
  resource_group_name = "rg"
  address_space       = ["10.1.0.0/16"]
  subnet {
    name             = "inline"
    address_prefixes = ["10.1.0.0/24"]
    delegation {
      name = "y"
      service_delegation {
        name = "Microsoft.Sql/managedInstances"
      }
    }
  }
}
"#);
        let services: Vec<(String, Option<String>)> = n
            .tenants
            .iter()
            .map(|t| {
                let subnet = match &t.host {
                    Host::Subnet(l) => l
                        .resolved()
                        .and_then(|s| n.subnet(s))
                        .map(|s| s.resource.name.value.clone()),
                    Host::Nic { .. } => None,
                };
                match &t.kind {
                    TenantKind::Delegation { service } => {
                        (service.value.known().cloned().unwrap_or_default(), subnet)
                    }
                    _ => (String::new(), subnet),
                }
            })
            .collect();
        assert_eq!(
            services,
            vec![
                (
                    "Microsoft.Web/serverFarms".to_string(),
                    Some("d".to_string())
                ),
                (
                    "Microsoft.Sql/managedInstances".to_string(),
                    Some("inline".to_string())
                ),
            ]
        );
    }

    /// A plan whose scale set's `network_interface` blocks are known only after apply: the
    /// scale set is a tenant of an unknown subnet (with the path), not dropped; a private
    /// endpoint's known subnet id links by id.
    #[test]
    fn plan_blocks_known_only_after_apply_are_unknown_hosts() {
        let subnet_id = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a";
        let change = |rtype: &str, name: &str, after: &str, unknown: &str| {
            format!(
                r#"{{"address":"{rtype}.{name}","mode":"managed","type":"{rtype}","name":"{name}","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{after},"after_unknown":{unknown}}}}}"#
            )
        };
        let text = format!(
            r#"{{"format_version":"1.2","resource_changes":[{},{},{}]}}"#,
            change(
                "azurerm_subnet",
                "a",
                &format!(
                    r#"{{"name":"a","resource_group_name":"rg","virtual_network_name":"v","address_prefixes":["10.0.1.0/24"],"id":"{subnet_id}"}}"#
                ),
                "{}"
            ),
            change(
                "azurerm_linux_virtual_machine_scale_set",
                "s",
                r#"{"name":"vmss"}"#,
                r#"{"network_interface":true}"#
            ),
            change(
                "azurerm_private_endpoint",
                "p",
                &format!(r#"{{"name":"pe","subnet_id":"{subnet_id}"}}"#),
                "{}"
            ),
        );
        let mut sources = Sources::new();
        let mut out = Loaded::default();
        crate::frontend::plan::load_text(
            "plan.json",
            text,
            &LoadOptions::default(),
            &mut sources,
            &mut out,
        );
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let n = link(out.network);
        assert_eq!(kinds(&n, 0), Some(vec!["private-endpoint"]));
        let vmss = n
            .tenants
            .iter()
            .find(|t| t.name.value == "vmss")
            .expect("the scale set is a tenant");
        assert!(
            matches!(&vmss.host, Host::Subnet(Link::Unknown(u)) if u.reason.contains("network_interface")),
            "{:?}",
            vmss.host
        );
    }
}
