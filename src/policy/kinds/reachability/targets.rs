//! Parties of a reachability assertion that are not plain address ranges: service tags matched
//! by identity, the hosts of a subnet including undeclared ones, and the health-probe ports of
//! load-balancer backends (issue 14). General machinery: no service is special-cased here.

use crate::eval::compile::Membership;
use crate::eval::flowset::{port_set, PortSet};
use crate::eval::path::{subnet_endpoint_classes, Endpoint};
use crate::eval::tags::TagContext;
use crate::model::tenant::{Host, SubnetTenants, TenantKind, TenantRef};
use crate::model::{Network, PortRange, ServiceTag, SubnetId, Unknown, Val};

/// Tags a flow end is matched by identity: opaque tags (nothing about their addresses is known
/// offline) and VirtualNetwork (partly unknown: on-premises and gateway ranges). A rule naming
/// the same tag matches such an end; see `compile::tag_end_bounds`. `Internet` and
/// `AzureLoadBalancer` stay address ranges (exposure counts Internet addresses).
pub(super) fn by_identity(tag: &ServiceTag) -> bool {
    matches!(tag, ServiceTag::Other(_) | ServiceTag::VirtualNetwork)
}

/// "Some address of service tag `tag`", seen from subnet `s`.
pub(super) fn tag_endpoint(net: &Network, s: SubnetId, tag: &ServiceTag) -> Endpoint {
    let tags = TagContext::for_subnet(net, Some(s));
    let mut e = Endpoint::external(tags.expand(tag).hi, tag.to_string());
    e.membership = Membership::Tag(tag.clone());
    e
}

/// The hosts of subnet `s` NSGs can tell apart: its NIC classes, plus its prefix as a whole
/// when a declared tenant has instances the input does not list (Cloud Services role
/// instances, scale-set instances, Bastion, gateways, node pools are platform-managed hosts
/// anywhere in the prefix).
pub(super) fn subnet_hosts(net: &Network, s: SubnetId) -> Vec<Endpoint> {
    let mut out = subnet_endpoint_classes(net, s);
    let undeclared_hosts = match net.tenants_in(s) {
        SubnetTenants::Unknown => false,
        SubnetTenants::Known(ts) => ts.iter().any(|t| match t {
            TenantRef::Declared(_, tenant) => !matches!(
                tenant.kind,
                TenantKind::PrivateEndpoint | TenantKind::Delegation { .. }
            ),
            TenantRef::Backend(m) => matches!(m.host, Host::Subnet(_)),
            TenantRef::Nic(..) => false,
        }),
    };
    let whole = Endpoint::subnet_hosts(net, s);
    if undeclared_hosts && !out.contains(&whole) {
        out.push(whole);
    }
    out
}

/// One backend of a load-balancer pool in a subnet, and the probe ports it must answer.
pub(super) struct ProbeTarget {
    pub endpoint: Endpoint,
    pub ports: PortSet,
    pub port_text: Vec<String>,
}

/// The destinations of `to = "probe-port"` in subnet `s`: each load-balancer backend there,
/// with the ports of the health probes of the rules that use its pool. A probe port that is
/// not known is returned as an Unknown: the requirement cannot be decided for it.
pub(super) fn probe_targets(net: &Network, s: SubnetId) -> (Vec<ProbeTarget>, Vec<Unknown>) {
    let mut targets = Vec::new();
    let mut unknowns = Vec::new();
    let SubnetTenants::Known(tenants) = net.tenants_in(s) else {
        return (targets, unknowns);
    };
    for t in tenants {
        let TenantRef::Backend(member) = t else {
            continue;
        };
        let mut ports: Vec<u16> = Vec::new();
        let mut probe_names: Vec<String> = Vec::new();
        for (_, probe_id) in net.probes_of(member) {
            let Some(probe) = net.lb_probes.get(probe_id.0) else {
                continue;
            };
            match &probe.port.value {
                Val::Known(p) => {
                    if !ports.contains(p) {
                        ports.push(*p);
                    }
                    let name = probe.resource.name.value.clone();
                    if !probe_names.contains(&name) {
                        probe_names.push(name);
                    }
                }
                Val::Unknown(u) => unknowns.push((**u).clone()),
            }
        }
        if ports.is_empty() {
            continue;
        }
        ports.sort_unstable();
        let pool = member
            .pool
            .resolved()
            .and_then(|p| net.lb_pools.get(p.0))
            .map(|p| p.resource.name.value.clone())
            .unwrap_or_default();
        for mut endpoint in member_endpoints(net, s, &member.host) {
            endpoint.label = format!(
                "backend {} of pool `{pool}` (health probe {})",
                endpoint.label,
                probe_names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            targets.push(ProbeTarget {
                endpoint,
                ports: port_set(ports.iter().map(|p| PortRange::single(*p))),
                port_text: ports.iter().map(u16::to_string).collect(),
            });
        }
    }
    (targets, unknowns)
}

/// The endpoints a pool member stands for in subnet `s`: the NIC's IP configurations there (the
/// named one, or all), or the subnet's hosts (a scale set's instances).
fn member_endpoints(net: &Network, s: SubnetId, host: &Host) -> Vec<Endpoint> {
    match host {
        Host::Subnet(_) => vec![Endpoint::subnet_hosts(net, s)],
        Host::Nic { nic, ip_config } => {
            let Some((id, n)) = nic.resolved().and_then(|id| Some((id, net.nic(id)?))) else {
                return Vec::new();
            };
            n.ip_configs
                .iter()
                .enumerate()
                .filter(|(_, ip)| {
                    ip.subnet.as_ref().and_then(|l| l.resolved()) == Some(s)
                        && ip_config
                            .as_ref()
                            .is_none_or(|want| want.value.eq_ignore_ascii_case(&ip.name.value))
                })
                .filter_map(|(i, _)| Endpoint::nic(net, id, i))
                .collect()
        }
    }
}
