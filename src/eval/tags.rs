//! Service tags and special address ranges offline (nsg-semantics.md §2.4).
//!
//! A tag expands to [`Bounds`]: `lo` is what it certainly contains, `hi` what it may contain.
//! - `VirtualNetwork`: lo = the VNet's address spaces + peered VNets in the input + the subnet
//!   itself + 168.63.129.16; hi adds private space (connected on-premises networks, gateways
//!   and UDR prefixes are unknowable offline) — or everything when an address space is unknown.
//! - `AzureLoadBalancer`: exactly 168.63.129.16.
//! - `Internet`: public space minus VirtualNetwork (lo uses VirtualNetwork's hi, hi its lo).
//!   Private and special-use ranges are never Internet.
//! - any other tag (`Storage`, `Sql.WestEurope`, …): opaque; never inside private space, so
//!   lo = ∅ and hi = public space minus the known VNet.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::OnceLock;

use ipnet::IpNet;

use crate::eval::flowset::AddrSet;
use crate::model::{Network, ServiceTag, SubnetId, Unknown, Val, VnetId};

/// The host's virtual IP: health probes, DNS, DHCP (nsg-semantics §2.4).
pub const HOST_VIP: IpAddr = IpAddr::V4(Ipv4Addr::new(168, 63, 129, 16));

/// Private and special-use ranges: not Internet.
const SPECIAL_USE: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "0.0.0.0/8",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
];

/// Ranges a connected on-premises network or gateway could use: what VirtualNetwork may hold
/// beyond the VNets in the input.
const PRIVATE: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "fc00::/7",
];

fn nets(list: &[&str]) -> AddrSet {
    let parsed: Vec<IpNet> = list.iter().filter_map(|s| s.parse().ok()).collect();
    AddrSet::from_nets(parsed.iter())
}

/// Publicly routable space (everything outside the special-use ranges).
pub fn public_space() -> &'static AddrSet {
    static PUBLIC: OnceLock<AddrSet> = OnceLock::new();
    PUBLIC.get_or_init(|| AddrSet::full().difference(&nets(SPECIAL_USE)))
}

pub fn private_space() -> &'static AddrSet {
    static PRIVATE_SET: OnceLock<AddrSet> = OnceLock::new();
    PRIVATE_SET.get_or_init(|| nets(PRIVATE))
}

/// What a set certainly contains and what it may contain (`lo ⊆ hi`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounds {
    pub lo: AddrSet,
    pub hi: AddrSet,
}

impl Bounds {
    pub fn exact(set: AddrSet) -> Bounds {
        Bounds {
            lo: set.clone(),
            hi: set,
        }
    }
    pub fn unknown() -> Bounds {
        Bounds {
            lo: AddrSet::empty(),
            hi: AddrSet::full(),
        }
    }
    pub fn is_exact(&self) -> bool {
        self.lo == self.hi
    }
    /// The union of many bounds at once (see [`AddrSet::union_all`]).
    pub fn union_all(mut parts: Vec<Bounds>) -> Bounds {
        // Most rule sides are one item, and known items are exact: one union, not two.
        if parts.len() == 1 {
            if let Some(one) = parts.pop() {
                return one;
            }
        }
        if parts.iter().all(Bounds::is_exact) {
            return Bounds::exact(AddrSet::union_all(parts.iter().map(|b| &b.lo)));
        }
        Bounds {
            lo: AddrSet::union_all(parts.iter().map(|b| &b.lo)),
            hi: AddrSet::union_all(parts.iter().map(|b| &b.hi)),
        }
    }
    pub fn union(&self, o: &Bounds) -> Bounds {
        Bounds {
            lo: self.lo.union(&o.lo),
            hi: self.hi.union(&o.hi),
        }
    }
}

/// Whose VirtualNetwork a context describes: its unseen part (on-premises and gateway ranges)
/// is one unknown per VNet, wherever a rule names the tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TagScope {
    Vnet(VnetId),
    /// A subnet whose VNet is not known.
    Subnet(SubnetId),
    /// No subnet (an NSG evaluated outside any known subnet).
    Outside,
}

/// The address context of the subnet an NSG is evaluated at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagContext {
    pub scope: TagScope,
    pub virtual_network: Bounds,
    /// Why VirtualNetwork is not exact (for messages).
    pub vnet_unknowns: Vec<Unknown>,
}

impl TagContext {
    /// VirtualNetwork as seen from `subnet` (its VNet, that VNet's peers, the subnet itself).
    /// `None`: a place outside any known subnet (only the host VIP is certain).
    pub fn for_subnet(network: &Network, subnet: Option<SubnetId>) -> TagContext {
        let mut lo_nets: Vec<IpNet> = Vec::new();
        let mut unknowns = Vec::new();
        let mut fully_unknown_space = false;
        let mut add_fields = |fields: &[crate::model::Field<IpNet>],
                              lo: &mut Vec<IpNet>,
                              unknowns: &mut Vec<Unknown>| {
            for f in fields {
                match &f.value {
                    Val::Known(n) => lo.push(*n),
                    Val::Unknown(u) => {
                        unknowns.push((**u).clone());
                        fully_unknown_space = true;
                    }
                }
            }
        };
        if let Some(s) = subnet.and_then(|id| network.subnet(id)) {
            let vnet = s.vnet.resolved().and_then(|v| network.vnet(v));
            let space_known = vnet.is_some_and(|v| {
                !v.address_space.is_empty()
                    && v.address_space.iter().all(|a| a.value.known().is_some())
            });
            if space_known {
                // A subnet lies inside its VNet's space: its unknown prefixes widen nothing.
                lo_nets.extend(s.prefixes.iter().filter_map(|p| p.value.known().copied()));
            } else {
                add_fields(&s.prefixes, &mut lo_nets, &mut unknowns);
            }
            match &s.vnet {
                crate::model::Link::Resolved(v) => {
                    if let Some(vnet) = network.vnet(v.value) {
                        add_fields(&vnet.address_space, &mut lo_nets, &mut unknowns);
                        // Peerings count whichever side declared them.
                        for peer in network.peers_of(v.value) {
                            if let Some(pv) = network.vnet(*peer) {
                                add_fields(&pv.address_space, &mut lo_nets, &mut unknowns);
                            }
                        }
                    }
                }
                crate::model::Link::Unknown(u) => {
                    // A VNet outside the input may use any address space.
                    unknowns.push((**u).clone());
                    fully_unknown_space = true;
                }
                crate::model::Link::Key(_) => {}
            }
        }
        let mut lo = AddrSet::from_nets(lo_nets.iter());
        lo = lo.union(&AddrSet::addr(HOST_VIP));
        let hi = if fully_unknown_space {
            AddrSet::full()
        } else {
            lo.union(private_space())
        };
        let subnet_data = subnet.and_then(|id| Some((id, network.subnet(id)?)));
        let scope = match subnet_data {
            Some((_, s)) if s.vnet.resolved().is_some() => {
                s.vnet.resolved().map_or(TagScope::Outside, TagScope::Vnet)
            }
            Some((id, _)) => TagScope::Subnet(id),
            None => TagScope::Outside,
        };
        TagContext {
            scope,
            virtual_network: Bounds { lo, hi },
            vnet_unknowns: unknowns,
        }
    }

    pub fn expand(&self, tag: &ServiceTag) -> Bounds {
        let vnet = &self.virtual_network;
        match tag {
            ServiceTag::VirtualNetwork => vnet.clone(),
            ServiceTag::AzureLoadBalancer => Bounds::exact(AddrSet::addr(HOST_VIP)),
            ServiceTag::Internet => Bounds {
                lo: public_space().difference(&vnet.hi),
                hi: public_space().difference(&vnet.lo),
            },
            ServiceTag::Other(_) => Bounds {
                lo: AddrSet::empty(),
                hi: public_space().difference(&vnet.lo),
            },
        }
    }
}

/// Whether an address is publicly routable (Internet unless inside a VNet).
pub fn is_public(addr: IpAddr) -> bool {
    public_space().contains(addr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builder::NetworkBuilder;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_special_ranges_are_not_public() {
        for a in [
            "10.1.2.3",
            "172.16.0.0",
            "192.168.1.1",
            "100.64.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "224.0.0.1",
            "255.255.255.255",
            "0.1.2.3",
            "::1",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::",
        ] {
            assert!(!is_public(ip(a)), "{a}");
        }
        for a in [
            "8.8.8.8",
            "203.0.113.10",
            "168.63.129.16",
            "2001:db8::1",
            "172.32.0.1",
        ] {
            assert!(is_public(ip(a)), "{a}");
        }
    }

    #[test]
    fn virtual_network_covers_vnet_peers_and_host_vip() {
        let n = NetworkBuilder::new()
            .vnet("a", &["10.1.0.0/16"])
            .vnet("b", &["10.2.0.0/16"])
            .vnet("c", &["10.3.0.0/16"])
            .peer("a", "b")
            .subnet("s", "a", &["10.1.0.0/24"], None)
            .build();
        let ctx = TagContext::for_subnet(&n, Some(SubnetId(0)));
        let v = ctx.expand(&ServiceTag::VirtualNetwork);
        assert!(v.lo.contains(ip("10.1.200.1")));
        assert!(v.lo.contains(ip("10.2.0.1")));
        assert!(!v.lo.contains(ip("10.3.0.1")), "not peered");
        assert!(v.hi.contains(ip("10.3.0.1")), "could be on-premises");
        assert!(v.lo.contains(HOST_VIP));
        assert!(!v.hi.contains(ip("8.8.8.8")));
    }

    #[test]
    fn internet_is_public_space_outside_the_vnet() {
        let n = NetworkBuilder::new()
            .vnet("a", &["10.1.0.0/16", "20.0.0.0/24"])
            .subnet("s", "a", &["10.1.0.0/24"], None)
            .build();
        let ctx = TagContext::for_subnet(&n, Some(SubnetId(0)));
        let i = ctx.expand(&ServiceTag::Internet);
        assert!(i.lo.contains(ip("8.8.8.8")));
        assert!(
            !i.hi.contains(ip("20.0.0.5")),
            "public range used as VNet space"
        );
        assert!(!i.hi.contains(ip("172.16.0.0")));
        assert!(
            !i.hi.contains(HOST_VIP),
            "168.63.129.16 is inside VirtualNetwork"
        );
        let lb = ctx.expand(&ServiceTag::AzureLoadBalancer);
        assert!(lb.is_exact() && lb.lo.contains(HOST_VIP));
        let storage = ctx.expand(&ServiceTag::Other("Storage".into()));
        assert!(storage.lo.is_empty() && !storage.hi.contains(ip("10.1.0.5")));
    }
}
