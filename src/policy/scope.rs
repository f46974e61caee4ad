//! Which subnets a policy applies to: `[scope]` in a rule file, or the `[policy.ID]` override
//! in `nsgate.toml` (architecture.md, "Policy rule file" and "Subnet tenants").
//!
//! - `subnets`: subnet name globs;
//! - `resources`: subnet resource address globs;
//! - `hosts`: tenant kinds ([`TenantKind::name`](crate::model::tenant::TenantKind::name), `nic`,
//!   `load-balancer-backend`, `unknown`) and the derived kind `unknown-with-rdp-admitted`
//!   (nsg-semantics §6.5): the subnet's tenants are unknown and some user Allow rule of an
//!   inbound NSG on its path admits TCP 3389 or 20000 to an address of the subnet — the
//!   incident's signature.
//!
//! A subnet is in scope when it matches every key given; an omitted key matches every subnet.

use crate::eval::compile::{compile, Membership, RuleContext};
use crate::eval::flowset::{port_set, Cube, FlowSet, ProtoSet};
use crate::eval::path::Endpoint;
use crate::eval::tags::TagContext;
use crate::model::tenant::{SubnetTenants, TenantRef, CLOUD_SERVICE_RDP, LB_BACKEND, NIC, UNKNOWN};

/// The kind name of a Cloud Services role whose RDP setting is not known.
const CLOUD_SERVICE_RDP_UNKNOWN: &str = "cloud-service-rdp-unknown";
use crate::model::{Access, Direction, Network, PortRange, Protocol, SubnetId};
use crate::policy::file::{PolicyError, RawScope};
use crate::policy::kinds::glob_matcher;
use crate::source::{FileId, Span};

/// The derived host kind of NSG001's incident signature.
pub const UNKNOWN_WITH_RDP_ADMITTED: &str = "unknown-with-rdp-admitted";

/// Every name `hosts` accepts.
pub const HOST_KINDS: &[&str] = &[
    CLOUD_SERVICE_RDP,
    "cloud-service",
    "cloud-service-rdp-unknown",
    "vm-scale-set",
    "bastion",
    "application-gateway-v2",
    "application-gateway",
    "application-gateway-unknown-tier",
    "aks-node-pool",
    "private-endpoint",
    "delegation",
    NIC,
    LB_BACKEND,
    UNKNOWN,
    UNKNOWN_WITH_RDP_ADMITTED,
];

/// The RDP ports of the incident signature: 3389, and 20000 of the Cloud Services forwarder.
const RDP_PORTS: [u16; 2] = [3389, 20000];

#[derive(Debug, Clone)]
pub struct Scope {
    subnets: globset::GlobSet,
    resources: Option<globset::GlobSet>,
    /// `None`: every subnet, whatever lives in it.
    hosts: Option<Vec<String>>,
}

/// A tenant that put a subnet in scope, for messages and labels.
#[derive(Debug, Clone, PartialEq)]
pub struct ScopedTenant {
    pub kind: &'static str,
    pub name: String,
    pub span: Span,
}

impl Scope {
    /// The scope of a rule file (`[scope]` absent: every subnet).
    pub fn from_raw(raw: Option<&RawScope>, file: FileId) -> Result<Scope, PolicyError> {
        let every = vec![toml::Spanned::new(0..0, "*".to_string())];
        let subnets = glob_matcher(file, raw.and_then(|s| s.subnets.as_ref()).unwrap_or(&every))?;
        let resources = match raw.and_then(|s| s.resources.as_ref()) {
            Some(globs) => Some(glob_matcher(file, globs)?),
            None => None,
        };
        let hosts = match raw.and_then(|s| s.hosts.as_ref()) {
            Some(list) => {
                let mut names = Vec::new();
                for h in list {
                    check_host_kind(h.get_ref()).map_err(|m| PolicyError::at(file, h.span(), m))?;
                    names.push(h.get_ref().to_ascii_lowercase());
                }
                Some(names)
            }
            None => None,
        };
        Ok(Scope {
            subnets,
            resources,
            hosts,
        })
    }

    /// Replace the subnet globs and host kinds (from `nsgate.toml`): what the override does not
    /// name matches every subnet. An invalid glob or kind is an error (its message).
    pub fn replace(
        &mut self,
        subnets: Option<Vec<String>>,
        hosts: Option<Vec<String>>,
    ) -> Result<(), String> {
        let mut b = globset::GlobSetBuilder::new();
        for g in subnets.unwrap_or_else(|| vec!["*".into()]) {
            let glob = globset::GlobBuilder::new(&g)
                .case_insensitive(true)
                .build()
                .map_err(|e| format!("invalid subnet glob `{g}`: {}", e.kind()))?;
            b.add(glob);
        }
        let globs = b
            .build()
            .map_err(|e| format!("invalid subnet globs: {e}"))?;
        if let Some(list) = &hosts {
            for h in list {
                check_host_kind(h)?;
            }
        }
        self.subnets = globs;
        self.hosts = hosts.map(|l| l.iter().map(|h| h.to_ascii_lowercase()).collect());
        Ok(())
    }

    /// Whether subnet `id` is in scope; when it is, the tenants that put it there (empty when
    /// `hosts` is not given, or only `unknown…` kinds matched).
    pub fn matches(&self, net: &Network, id: SubnetId) -> Option<Vec<ScopedTenant>> {
        let subnet = net.subnet(id)?;
        if !self.subnets.is_match(&subnet.resource.name.value) {
            return None;
        }
        if let Some(r) = &self.resources {
            if !r.is_match(&subnet.resource.address) {
                return None;
            }
        }
        let Some(hosts) = &self.hosts else {
            return Some(Vec::new());
        };
        // A role whose RDP setting is unknown may have RDP: it counts as one that has, so the
        // check runs (and names the role's kind) rather than passing on what nsgate cannot read.
        let wants = |k: &str| {
            hosts.iter().any(|h| h == k)
                || (k == CLOUD_SERVICE_RDP_UNKNOWN && hosts.iter().any(|h| h == CLOUD_SERVICE_RDP))
        };
        // Roles with RDP (or unknown RDP) whose subnet nsgate could not find may live in any
        // subnet: every subnet is in scope for them, never silently out of it.
        let floating: Vec<ScopedTenant> = if wants(CLOUD_SERVICE_RDP) {
            net.tenants
                .iter()
                .filter(|t| wants(t.kind.name()) && net.host_subnets(&t.host).is_empty())
                .map(|t| ScopedTenant {
                    kind: t.kind.name(),
                    name: format!("{} (subnet unknown)", t.name.value),
                    span: t.name.span,
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut matched = match net.tenants_in(id) {
            SubnetTenants::Unknown => {
                let in_scope =
                    wants(UNKNOWN) || (wants(UNKNOWN_WITH_RDP_ADMITTED) && rdp_admitted(net, id));
                if !in_scope && floating.is_empty() {
                    return None;
                }
                Vec::new()
            }
            SubnetTenants::Known(tenants) => tenants
                .iter()
                .filter(|t| wants(t.kind_name()))
                .map(|t| scoped(net, t))
                .collect(),
        };
        let unknown_in_scope =
            matched.is_empty() && matches!(net.tenants_in(id), SubnetTenants::Unknown);
        matched.extend(floating);
        (unknown_in_scope || !matched.is_empty()).then_some(matched)
    }
}

fn check_host_kind(h: &str) -> Result<(), String> {
    if HOST_KINDS.iter().any(|k| k.eq_ignore_ascii_case(h)) {
        Ok(())
    } else {
        Err(format!(
            "`{h}` is not a host kind (use one of: {})",
            HOST_KINDS.join(", ")
        ))
    }
}

fn scoped(net: &Network, t: &TenantRef<'_>) -> ScopedTenant {
    let kind = t.kind_name();
    match t {
        TenantRef::Declared(_, tenant) => ScopedTenant {
            kind,
            name: tenant.name.value.clone(),
            span: tenant.name.span,
        },
        TenantRef::Nic(nic, _) => {
            let n = net.nic(*nic);
            ScopedTenant {
                kind,
                name: n.map(|n| n.resource.name.value.clone()).unwrap_or_default(),
                span: n
                    .map(|n| n.resource.span)
                    .unwrap_or_else(crate::model::builder::span),
            }
        }
        TenantRef::Backend(m) => ScopedTenant {
            kind,
            name: m.address.clone(),
            span: m.span,
        },
    }
}

/// Whether a user Allow rule (or one whose access is unknown) of the subnet's inbound NSG may
/// admit TCP 3389 or 20000 to an address of the subnet. (A subnet with unknown tenants has no
/// NIC in the model, so its NSG is the only inbound NSG on its path.) An NSG the input names
/// but does not define may admit anything: the subnet stays in scope, and the check reports
/// what it cannot decide.
pub fn rdp_admitted(net: &Network, id: SubnetId) -> bool {
    let Some(link) = net.subnet(id).and_then(|s| s.nsg.as_ref()) else {
        return false;
    };
    let Some(nsg) = link.resolved().and_then(|n| net.nsg(n)) else {
        return true;
    };
    let into_subnet = FlowSet::from_cube(Cube {
        protocols: ProtoSet::only(Protocol::Tcp),
        dst: Endpoint::subnet_hosts(net, id).addresses,
        dst_ports: port_set(RDP_PORTS.map(PortRange::single)),
        ..Cube::universe()
    });
    let tags = TagContext::for_subnet(net, Some(id));
    let unknown = Membership::Unknown;
    let ctx = RuleContext {
        network: net,
        tags: &tags,
        source: &unknown,
        destination: &unknown,
    };
    nsg.rules.iter().any(|rule| {
        rule.access() != Some(Access::Deny)
            && rule.direction() != Some(Direction::Outbound)
            && compile(rule, &ctx, true)
                .hi
                .is_some_and(|hi| !into_subnet.intersect_cube(&hi).is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builder::{span, NetworkBuilder, RuleSpec};
    use crate::model::tenant::TenantKind;
    use crate::model::{Spanned, Val};

    fn scope(hosts: &[&str]) -> Scope {
        let raw = RawScope {
            subnets: None,
            resources: None,
            hosts: Some(
                hosts
                    .iter()
                    .map(|h| toml::Spanned::new(0..0, h.to_string()))
                    .collect(),
            ),
        };
        Scope::from_raw(Some(&raw), FileId(0)).unwrap()
    }

    fn role(rdp: bool) -> TenantKind {
        TenantKind::CloudServiceRole {
            service: Spanned::new("ContosoCS".into(), span()),
            role: Spanned::new("WebRole1".into(), span()),
            rdp: Spanned::new(Val::Known(rdp), span()),
        }
    }

    fn net() -> NetworkBuilder {
        NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .nsg(
                "admit-rdp",
                vec![RuleSpec::new("AllowLocalRDP", 300)
                    .tcp()
                    .from("203.0.113.7")
                    .ports("3389")
                    .build()],
            )
            .nsg(
                "admit-https",
                vec![RuleSpec::new("AllowHttps", 300).tcp().ports("443").build()],
            )
            .subnet("roles", "vnet", &["10.1.0.0/24"], Some("admit-rdp"))
            .subnet("norole", "vnet", &["10.1.1.0/24"], Some("admit-rdp"))
            .subnet("vms", "vnet", &["10.1.2.0/24"], Some("admit-rdp"))
            .subnet("unknown-rdp", "vnet", &["10.1.3.0/24"], Some("admit-rdp"))
            .subnet(
                "unknown-https",
                "vnet",
                &["10.1.4.0/24"],
                Some("admit-https"),
            )
            .tenant(role(true), "ContosoCS/WebRole1", "roles")
            .tenant(role(false), "ContosoCS/Worker", "norole")
            .nic("vm1", "vms", None, None, &[])
    }

    #[test]
    fn nsg001_scope_is_rdp_roles_and_the_incident_signature() {
        let n = net().build();
        let s = scope(&[CLOUD_SERVICE_RDP, UNKNOWN_WITH_RDP_ADMITTED]);
        let names: Vec<_> = (0..5)
            .filter(|i| s.matches(&n, SubnetId(*i)).is_some())
            .map(|i| n.subnets[i].resource.name.value.clone())
            .collect();
        assert_eq!(names, ["roles", "unknown-rdp"]);
        let tenants = s.matches(&n, SubnetId(0)).unwrap();
        assert_eq!(tenants[0].name, "ContosoCS/WebRole1");
        assert_eq!(tenants[0].kind, CLOUD_SERVICE_RDP);
    }

    #[test]
    fn roles_with_unknown_rdp_or_an_unknown_subnet_keep_subnets_in_scope() {
        let unknown_rdp = TenantKind::CloudServiceRole {
            service: Spanned::new("ContosoCS".into(), span()),
            role: Spanned::new("WebRole1".into(), span()),
            rdp: Spanned::new(Val::unknown("extensions from a parameter", span()), span()),
        };
        let s = scope(&[CLOUD_SERVICE_RDP, UNKNOWN_WITH_RDP_ADMITTED]);
        let n = net()
            .tenant(unknown_rdp, "ContosoCS/Maybe", "norole")
            .build();
        let on_norole = s.matches(&n, SubnetId(1)).unwrap();
        assert_eq!(on_norole[0].kind, CLOUD_SERVICE_RDP_UNKNOWN);
        // A role with RDP whose subnet is not in the input may be in any subnet, the VM subnet
        // and the one whose NSG admits only HTTPS included.
        let n = net()
            .tenant(role(true), "ContosoCS/Lost", "elsewhere")
            .build();
        for i in [2, 4] {
            let t = s.matches(&n, SubnetId(i)).unwrap();
            assert!(
                t.iter()
                    .any(|t| t.name == "ContosoCS/Lost (subnet unknown)"),
                "{i}"
            );
        }
        // Without such roles the VM subnet stays out of scope.
        assert!(s.matches(&net().build(), SubnetId(2)).is_none());
    }

    #[test]
    fn no_hosts_key_means_every_subnet_and_an_override_can_say_so() {
        let n = net().build();
        let mut s = scope(&[CLOUD_SERVICE_RDP]);
        assert!(s.matches(&n, SubnetId(2)).is_none());
        s.replace(Some(vec!["*".into()]), None).unwrap();
        assert!((0..5).all(|i| s.matches(&n, SubnetId(i)).is_some()));
        s.replace(None, Some(vec!["nic".into()])).unwrap();
        assert!(s.matches(&n, SubnetId(2)).is_some());
        assert!(s.matches(&n, SubnetId(0)).is_none());
        assert!(s.replace(None, Some(vec!["nics".into()])).is_err());
    }

    #[test]
    fn rdp_admitted_ignores_deny_outbound_and_other_ports() {
        let n = NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .nsg(
                "n",
                vec![
                    RuleSpec::new("DenyRdp", 100)
                        .deny()
                        .tcp()
                        .ports("3389")
                        .build(),
                    RuleSpec::new("AllowRdpOut", 200)
                        .outbound()
                        .tcp()
                        .ports("3389")
                        .build(),
                    RuleSpec::new("AllowUdpRdp", 300)
                        .udp()
                        .ports("3389")
                        .build(),
                    RuleSpec::new("AllowElsewhere", 310)
                        .tcp()
                        .to("10.9.0.0/24")
                        .ports("3389")
                        .build(),
                ],
            )
            .subnet("s", "vnet", &["10.1.0.0/24"], Some("n"))
            .build();
        assert!(!rdp_admitted(&n, SubnetId(0)));
    }
}
