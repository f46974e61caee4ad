//! Building a [`Network`] in Rust, for tests, benchmarks and embedders.
//!
//! Rules go through [`values::build_rule`] like every front end, so a rule written here is
//! parsed and validated exactly as one written in HCL or ARM. Spans point at offset 0 of
//! [`BUILDER_FILE`], a file id no run loads.

use crate::model::tenant::{Host, LbMember, LbPool, LbProbe, LbRule, Tenant, TenantKind};
use crate::model::values::{self, Dialect, Raw, RawList, RawRule};
use crate::model::{
    Asg, IpConfig, IpVersion, Link, Network, Nic, Nsg, Problem, Resource, RuleOrigin, SecurityRule,
    Spanned, Subnet, Val, Vnet,
};
use crate::source::{FileId, Span};

/// The file id of builder spans.
pub const BUILDER_FILE: FileId = FileId(u32::MAX);

/// The region of every builder VNet and admin deployment.
pub const REGION: &str = "westeurope";

pub fn span() -> Span {
    Span::new(BUILDER_FILE, 0, 0)
}

pub fn key<Id>(k: &str) -> Link<Id> {
    Link::Key(Spanned::new(k.to_string(), span()))
}

pub fn resource(name: &str, keys: &[&str]) -> Resource {
    Resource {
        name: Spanned::new(name.to_string(), span()),
        address: name.to_string(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
        span: span(),
    }
}

/// A fluent rule: `RuleSpec::new("AllowInstances", 350).tcp().from("10.1.0.0/24")…build()`.
/// Defaults: Inbound, Allow, protocol `*`, every address and port `*`. A comma-separated
/// address or port list goes into the plural field.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    name: String,
    priority: u32,
    direction: &'static str,
    access: &'static str,
    protocol: String,
    source: String,
    source_ports: String,
    destination: String,
    destination_ports: String,
    source_asgs: Vec<String>,
    destination_asgs: Vec<String>,
}

impl RuleSpec {
    pub fn new(name: &str, priority: u32) -> RuleSpec {
        RuleSpec {
            name: name.to_string(),
            priority,
            direction: "Inbound",
            access: "Allow",
            protocol: "*".into(),
            source: "*".into(),
            source_ports: "*".into(),
            destination: "*".into(),
            destination_ports: "*".into(),
            source_asgs: Vec::new(),
            destination_asgs: Vec::new(),
        }
    }
    pub fn inbound(mut self) -> Self {
        self.direction = "Inbound";
        self
    }
    pub fn outbound(mut self) -> Self {
        self.direction = "Outbound";
        self
    }
    pub fn allow(mut self) -> Self {
        self.access = "Allow";
        self
    }
    pub fn deny(mut self) -> Self {
        self.access = "Deny";
        self
    }
    pub fn protocol(mut self, p: &str) -> Self {
        self.protocol = p.to_string();
        self
    }
    pub fn tcp(self) -> Self {
        self.protocol("Tcp")
    }
    pub fn udp(self) -> Self {
        self.protocol("Udp")
    }
    pub fn from(mut self, a: &str) -> Self {
        self.source = a.to_string();
        self
    }
    pub fn to(mut self, a: &str) -> Self {
        self.destination = a.to_string();
        self
    }
    pub fn source_ports(mut self, p: &str) -> Self {
        self.source_ports = p.to_string();
        self
    }
    pub fn ports(mut self, p: &str) -> Self {
        self.destination_ports = p.to_string();
        self
    }
    pub fn from_asgs(mut self, keys: &[&str]) -> Self {
        self.source_asgs = keys.iter().map(|k| k.to_string()).collect();
        self
    }
    pub fn to_asgs(mut self, keys: &[&str]) -> Self {
        self.destination_asgs = keys.iter().map(|k| k.to_string()).collect();
        self
    }

    /// The rule, and any validation problems it has.
    pub fn build_checked(self) -> (SecurityRule, Vec<Problem>) {
        let s = |t: &str| Some(Spanned::new(Val::Known(Raw::Str(t.to_string())), span()));
        let list = |t: &str| {
            Some(Spanned::new(
                RawList::Items(
                    t.split(',')
                        .map(|p| Spanned::new(Val::Known(Raw::Str(p.trim().to_string())), span()))
                        .collect(),
                ),
                span(),
            ))
        };
        let asgs = |keys: &[String]| {
            Some(Spanned::new(
                keys.iter().map(|k| key(k)).collect::<Vec<_>>(),
                span(),
            ))
        };
        let mut raw = RawRule::new(span(), RuleOrigin::Inline);
        raw.name = s(&self.name);
        raw.priority = Some(Spanned::new(
            Val::Known(Raw::Num(f64::from(self.priority))),
            span(),
        ));
        raw.direction = s(self.direction);
        raw.access = s(self.access);
        raw.protocol = s(&self.protocol);
        if self.source_ports.contains(',') {
            raw.source_port_ranges = list(&self.source_ports);
        } else {
            raw.source_port_range = s(&self.source_ports);
        }
        if self.destination_ports.contains(',') {
            raw.destination_port_ranges = list(&self.destination_ports);
        } else {
            raw.destination_port_range = s(&self.destination_ports);
        }
        if !self.source_asgs.is_empty() {
            raw.source_asgs = asgs(&self.source_asgs);
        } else if self.source.contains(',') {
            raw.source_address_prefixes = list(&self.source);
        } else {
            raw.source_address_prefix = s(&self.source);
        }
        if !self.destination_asgs.is_empty() {
            raw.destination_asgs = asgs(&self.destination_asgs);
        } else if self.destination.contains(',') {
            raw.destination_address_prefixes = list(&self.destination);
        } else {
            raw.destination_address_prefix = s(&self.destination);
        }
        let mut problems = Vec::new();
        let rule = values::build_rule(raw, Dialect::Arm, &mut problems);
        (rule, problems)
    }

    pub fn build(self) -> SecurityRule {
        self.build_checked().0
    }
}

/// A rule with every field `*` (Inbound Allow), to be adjusted by tests.
pub fn rule(name: &str, priority: u32) -> SecurityRule {
    RuleSpec::new(name, priority).build()
}

pub fn nsg(name: &str, keys: &[&str], rules: Vec<SecurityRule>) -> Nsg {
    Nsg {
        resource: resource(name, keys),
        rules,
    }
}

pub fn vnet(name: &str, space: &[&str]) -> Vnet {
    Vnet {
        resource: resource(name, &[name]),
        address_space: space.iter().map(|p| prefix_field(p)).collect(),
        peerings: Vec::new(),
        location: crate::model::admin::Region::new(Spanned::new(Val::Known(REGION.into()), span())),
    }
}

/// A subnet of VNet key `vnet:<...>` unset; link it with [`NetworkBuilder`].
pub fn subnet(name: &str, prefixes: &[&str]) -> Subnet {
    Subnet {
        resource: resource(name, &[name]),
        vnet: Link::Unknown(Box::new(crate::model::Unknown {
            reason: "no virtual network given".into(),
            span: span(),
            origin: None,
        })),
        prefixes: prefixes.iter().map(|p| prefix_field(p)).collect(),
        nsg: None,
    }
}

fn prefix_field(text: &str) -> crate::model::Field<ipnet::IpNet> {
    let value = match text.parse() {
        Ok(net) => Val::Known(net),
        Err(_) => Val::unknown(format!("invalid prefix {text}"), span()),
    };
    Spanned::new(value, span())
}

/// Builds a linked network by name: resources are keyed by their names.
#[derive(Debug, Default)]
pub struct NetworkBuilder {
    net: Network,
}

impl NetworkBuilder {
    pub fn new() -> NetworkBuilder {
        NetworkBuilder::default()
    }

    pub fn vnet(mut self, name: &str, space: &[&str]) -> Self {
        self.net.vnets.push(vnet(name, space));
        self
    }

    /// Peer two VNets (both directions).
    pub fn peer(mut self, a: &str, b: &str) -> Self {
        for v in &mut self.net.vnets {
            if v.resource.name.value == a {
                v.peerings.push(key(b));
            } else if v.resource.name.value == b {
                v.peerings.push(key(a));
            }
        }
        self
    }

    pub fn nsg(mut self, name: &str, rules: Vec<SecurityRule>) -> Self {
        self.net.nsgs.push(nsg(name, &[name], rules));
        self
    }

    /// A subnet in `vnet` with an optional NSG (by name).
    pub fn subnet(mut self, name: &str, vnet: &str, prefixes: &[&str], nsg: Option<&str>) -> Self {
        let mut s = subnet(name, prefixes);
        s.vnet = key(vnet);
        s.nsg = nsg.map(key);
        self.net.subnets.push(s);
        self
    }

    pub fn asg(mut self, name: &str) -> Self {
        self.net.asgs.push(Asg {
            resource: resource(name, &[name]),
        });
        self
    }

    /// A NIC with one IPv4 configuration in `subnet` (static IP when given), an optional NSG
    /// and ASG memberships.
    pub fn nic(
        mut self,
        name: &str,
        subnet: &str,
        ip: Option<&str>,
        nsg: Option<&str>,
        asgs: &[&str],
    ) -> Self {
        let private_ip = ip.map(|t| {
            let value = match t.parse() {
                Ok(addr) => Val::Known(addr),
                Err(_) => Val::unknown(format!("invalid address {t}"), span()),
            };
            Spanned::new(value, span())
        });
        self.net.nics.push(Nic {
            resource: resource(name, &[name]),
            nsg: nsg.map(key),
            ip_configs: vec![IpConfig {
                name: Spanned::new("ipconfig1".into(), span()),
                subnet: Some(key(subnet)),
                private_ip,
                version: IpVersion::V4,
                asgs: asgs.iter().map(|a| key(a)).collect(),
                span: span(),
            }],
        });
        self
    }

    /// A declared tenant of `kind` named `name` in subnet `subnet`.
    pub fn tenant(mut self, kind: TenantKind, name: &str, subnet: &str) -> Self {
        self.net.tenants.push(Tenant {
            kind,
            name: Spanned::new(name.to_string(), span()),
            address: name.to_string(),
            host: Host::Subnet(key(subnet)),
            span: span(),
        });
        self
    }

    /// A load balancer `lb` with one pool, one TCP probe on `probe_port` and a rule that uses
    /// both, and the NIC `nic` (all of its IP configurations) in the pool.
    pub fn lb_backend(mut self, lb: &str, probe_port: u16, nic: &str) -> Self {
        let pool = format!("{lb}/pool");
        let probe = format!("{lb}/probe");
        self.net.lb_pools.push(LbPool {
            resource: resource(&pool, &[&pool]),
        });
        self.net.lb_probes.push(LbProbe {
            resource: resource(&probe, &[&probe]),
            port: Spanned::new(Val::Known(probe_port), span()),
            protocol: Spanned::new(Val::Known("Tcp".into()), span()),
        });
        self.net.lb_rules.push(LbRule {
            resource: resource(&format!("{lb}/rule"), &[]),
            pools: vec![key(&pool)],
            probe: Some(key(&probe)),
        });
        self.net.lb_members.push(LbMember {
            pool: key(&pool),
            host: Host::Nic {
                nic: key(nic),
                ip_config: None,
            },
            address: format!("{nic}-pool-association"),
            span: span(),
        });
        self
    }

    /// A deployed security admin rule applied to `vnet` through a network group of its own:
    /// `rule`'s access is replaced by `action`. `dynamic`: the group is (also) filled by Azure
    /// Policy, so whether `vnet` is a member is unknown.
    pub fn admin_rule(
        mut self,
        action: crate::model::admin::AdminAction,
        mut rule: SecurityRule,
        vnet: &str,
        dynamic: bool,
    ) -> Self {
        use crate::model::admin::*;
        let i = self.net.admin_rules.len();
        let (group, config, collection) =
            (format!("ng-{i}"), format!("cfg-{i}"), format!("coll-{i}"));
        self.net.admin_groups.push(AdminGroup {
            resource: resource(&group, &[&group]),
            dynamic: Vec::new(),
        });
        if dynamic {
            self.net.admin_policies.push(AdminPolicy {
                group: key(&group),
                address: format!("policy-{i}"),
                span: span(),
            });
        } else {
            self.net.admin_members.push(AdminMember {
                group: key(&group),
                vnet: key(vnet),
                address: format!("member-{i}"),
                span: span(),
            });
        }
        self.net.admin_configs.push(AdminConfig {
            resource: resource(&config, &[&config]),
            intent_policy_services: Spanned::new(Val::Known(IntentPolicyServices::None), span()),
            deployment: Deployment::NotDeployed,
            regions: Vec::new(),
        });
        self.net.admin_deployments.push(AdminDeployment {
            configs: Val::Known(vec![key(&config)]),
            scope_access: Spanned::new(Val::Known("SecurityAdmin".into()), span()),
            regions: Val::Known(vec![Region::new(Spanned::new(
                Val::Known(REGION.into()),
                span(),
            ))]),
            address: format!("deployment-{i}"),
            span: span(),
        });
        self.net.admin_collections.push(AdminCollection {
            resource: resource(&collection, &[&collection]),
            config: key(&config),
            groups: vec![key(&group)],
        });
        rule.access.value = Val::Known(match action {
            AdminAction::Deny => crate::model::Access::Deny,
            _ => crate::model::Access::Allow,
        });
        self.net.admin_rules.push(AdminRule {
            rule,
            action: Spanned::new(Val::Known(action), span()),
            collection: key(&collection),
            address: format!("admin-rule-{i}"),
        });
        self
    }

    /// The raw network, before linking.
    pub fn unlinked(self) -> Network {
        self.net
    }

    pub fn build(self) -> Network {
        crate::model::link::link(self.net)
    }
}
