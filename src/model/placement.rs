//! Where a network security group or a NIC sits when the input does not say.
//!
//! An NSG associated with nothing in the input (the NSG of a module, attached by its caller)
//! is still a rule set someone will attach: it is evaluated as if on a subnet of any private
//! prefix, with `Internet` = public space (architecture.md). A NIC whose subnet could not be
//! resolved (a VM module's `subnet_id` variable) is still an endpoint: its NIC-level NSG is
//! evaluated, and what depends on its subnet — prefixes, the subnet NSG — is Unknown.
//! Both become *hypothetical subnets* in a copy of the network, so every policy kind can treat
//! them like any subnet and say in its findings what was assumed.

use ipnet::IpNet;

use crate::model::{
    Field, IpConfig, Link, Network, NicId, NsgId, Resource, Spanned, Subnet, SubnetId, Unknown,
    Val, Vnet,
};

/// Private address space an unattached NSG's subnet may have (RFC 1918, RFC 4193).
const PRIVATE_PREFIXES: &[&str] = &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

/// Why a hypothetical subnet exists.
#[derive(Debug, Clone, PartialEq)]
pub enum Hypothesis {
    /// This NSG, associated with nothing in the input, as if on a subnet of any private prefix.
    UnattachedNsg(NsgId),
    /// This NIC, whose subnet could not be resolved (the reason), in a subnet nothing is known
    /// of.
    UnplacedNic(NicId, Unknown),
}

impl Hypothesis {
    /// What was assumed, for findings.
    pub fn note(&self, network: &Network) -> String {
        match self {
            Hypothesis::UnattachedNsg(id) => format!(
                "network security group `{}` is attached to nothing in this input; it was evaluated as if attached to a subnet of any private prefix, with Internet = public address space",
                network.nsg(*id).map(|n| n.resource.name.value.as_str()).unwrap_or("?")
            ),
            Hypothesis::UnplacedNic(id, why) => format!(
                "the subnet of NIC `{}` could not be resolved ({}); its NIC-level NSG was evaluated, and what depends on the subnet is unknown",
                network.nic(*id).map(|n| n.resource.name.value.as_str()).unwrap_or("?"),
                why.reason
            ),
        }
    }
}

/// Hypothetical subnets added to a copy of a network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Placements {
    pub subnets: Vec<(SubnetId, Hypothesis)>,
}

impl Placements {
    pub fn hypothesis(&self, subnet: SubnetId) -> Option<&Hypothesis> {
        self.subnets
            .iter()
            .find(|(s, _)| *s == subnet)
            .map(|(_, h)| h)
    }
}

impl Network {
    /// Whether `nsg` is associated with no subnet and no NIC of the input.
    pub fn is_unattached(&self, nsg: NsgId) -> bool {
        self.subnets_with_nsg(nsg).is_empty() && self.nics_with_nsg(nsg).is_empty()
    }

    /// NSGs associated with no subnet and no NIC of the input (the coverage counts them).
    pub fn unattached_nsgs(&self) -> Vec<NsgId> {
        (0..self.nsgs.len())
            .map(NsgId)
            .filter(|id| self.is_unattached(*id))
            .collect()
    }

    /// NICs with an IP configuration whose subnet reference could not be resolved, and why.
    pub fn unplaced_nics(&self) -> Vec<(NicId, Unknown)> {
        let mut out = Vec::new();
        for (i, nic) in self.nics.iter().enumerate() {
            let why = nic.ip_configs.iter().find_map(|ip| match &ip.subnet {
                Some(Link::Unknown(u)) => Some((**u).clone()),
                Some(Link::Key(k)) => Some(Unknown {
                    reason: format!("subnet `{}` was not linked", k.value),
                    span: k.span,
                    origin: None,
                }),
                _ => None,
            });
            if let Some(why) = why {
                out.push((NicId(i), why));
            }
        }
        out
    }

    /// A copy of this (linked) network with a hypothetical subnet for every unattached NSG and
    /// every unplaced NIC; `None` when there is none.
    pub fn with_hypothetical_subnets(&self) -> Option<(Network, Placements)> {
        let unattached = self.unattached_nsgs();
        let unplaced = self.unplaced_nics();
        if unattached.is_empty() && unplaced.is_empty() {
            return None;
        }
        let mut net = self.clone();
        let mut placements = Placements::default();
        for id in unattached {
            let Some(nsg) = self.nsg(id) else { continue };
            let span = nsg.resource.name.span;
            let private: Vec<IpNet> = PRIVATE_PREFIXES
                .iter()
                .filter_map(|p| p.parse().ok())
                .collect();
            let fields: Vec<Field<IpNet>> = private
                .iter()
                .map(|p| Spanned::new(Val::Known(*p), span))
                .collect();
            let name = format!("(any subnet {} is attached to)", nsg.resource.name.value);
            let vnet = crate::model::VnetId(net.vnets.len());
            net.vnets.push(Vnet {
                resource: hypothetical_resource(&name, &nsg.resource.address, span),
                address_space: fields.clone(),
                peerings: Vec::new(),
                location: crate::model::admin::Region::new(Spanned::new(
                    Val::unknown("the region of a subnet this NSG may be attached to", span),
                    span,
                )),
            });
            placements
                .subnets
                .push((SubnetId(net.subnets.len()), Hypothesis::UnattachedNsg(id)));
            net.subnets.push(Subnet {
                resource: hypothetical_resource(&name, &nsg.resource.address, span),
                vnet: Link::Resolved(Spanned::new(vnet, span)),
                prefixes: fields,
                nsg: Some(Link::Resolved(Spanned::new(id, span))),
            });
        }
        for (nic_id, why) in unplaced {
            let Some(nic) = net.nics.get(nic_id.0) else {
                continue;
            };
            let name = format!("(unresolved subnet of NIC {})", nic.resource.name.value);
            let address = nic.resource.address.clone();
            let subnet = SubnetId(net.subnets.len());
            let nsg_unknown = Unknown {
                reason: format!(
                    "the subnet's network security group is unknown: {}",
                    why.reason
                ),
                span: why.span,
                origin: None,
            };
            net.subnets.push(Subnet {
                resource: hypothetical_resource(&name, &address, why.span),
                vnet: Link::Unknown(Box::new(why.clone())),
                prefixes: vec![Spanned::new(Val::Unknown(Box::new(why.clone())), why.span)],
                nsg: Some(Link::Unknown(Box::new(nsg_unknown))),
            });
            if let Some(nic) = net.nics.get_mut(nic_id.0) {
                nic.ip_configs
                    .iter_mut()
                    .filter(|ip| !matches!(ip.subnet, Some(Link::Resolved(_))))
                    .for_each(|ip: &mut IpConfig| {
                        ip.subnet = Some(Link::Resolved(Spanned::new(subnet, why.span)))
                    });
            }
            placements
                .subnets
                .push((subnet, Hypothesis::UnplacedNic(nic_id, why)));
        }
        net.reindex();
        Some((net, placements))
    }
}

fn hypothetical_resource(name: &str, address: &str, span: crate::source::Span) -> Resource {
    Resource {
        name: Spanned::new(name.to_string(), span),
        address: address.to_string(),
        keys: Vec::new(),
        span,
    }
}

#[cfg(test)]
mod tests {
    use crate::model::builder::NetworkBuilder;
    use crate::model::NsgId;

    #[test]
    fn an_nsg_on_nothing_is_unattached_and_gets_a_private_subnet() {
        let n = NetworkBuilder::new()
            .vnet("v", &["10.0.0.0/16"])
            .nsg("on-subnet", vec![])
            .nsg("loose", vec![])
            .subnet("s", "v", &["10.0.0.0/24"], Some("on-subnet"))
            .build();
        assert_eq!(n.unattached_nsgs(), vec![NsgId(1)]);
        let (placed, p) = n.with_hypothetical_subnets().unwrap();
        assert_eq!(p.subnets.len(), 1);
        let (id, _) = &p.subnets[0];
        assert_eq!(placed.subnets_with_nsg(NsgId(1)), &[*id]);
        assert!(!placed.subnets[id.0].prefixes.is_empty());
    }
}
