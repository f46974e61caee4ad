//! Reverse links of a linked network, built once by [`link`](crate::model::link::link), so
//! policies and the evaluator never scan every resource for each resource.

use crate::model::tenant::{
    Host, LbMember, LbPoolId, LbProbeId, SubnetTenants, Tenant, TenantId, TenantRef,
};
use crate::model::{AsgId, Network, NicId, NsgId, SubnetId, VnetId};

/// Who points at whom. Indices are positions in the network's lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkIndex {
    /// NIC IP configurations (NIC, configuration) in each subnet.
    pub nics_by_subnet: Vec<Vec<(NicId, usize)>>,
    /// Subnets of each VNet.
    pub subnets_by_vnet: Vec<Vec<SubnetId>>,
    /// VNets peered with each VNet, whichever side declared the peering.
    pub peers: Vec<Vec<VnetId>>,
    /// Subnets and NICs each NSG is associated with.
    pub nsg_subnets: Vec<Vec<SubnetId>>,
    pub nsg_nics: Vec<Vec<NicId>>,
    /// Member IP configurations of each ASG.
    pub asg_members: Vec<Vec<(NicId, usize)>>,
    /// Declared tenants of each subnet (directly, or through a NIC's IP configurations).
    pub tenants_by_subnet: Vec<Vec<TenantId>>,
    /// Load-balancer pool memberships whose backends sit in each subnet.
    pub lb_members_by_subnet: Vec<Vec<usize>>,
    /// The (rule, probe) pairs of the load-balancing rules that use each pool.
    pub pool_probes: Vec<Vec<(usize, LbProbeId)>>,
}

fn push<T: PartialEq>(lists: &mut [Vec<T>], at: usize, item: T) {
    if let Some(list) = lists.get_mut(at) {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

impl NetworkIndex {
    pub fn new(n: &Network) -> NetworkIndex {
        let mut ix = NetworkIndex {
            nics_by_subnet: vec![Vec::new(); n.subnets.len()],
            subnets_by_vnet: vec![Vec::new(); n.vnets.len()],
            peers: vec![Vec::new(); n.vnets.len()],
            nsg_subnets: vec![Vec::new(); n.nsgs.len()],
            nsg_nics: vec![Vec::new(); n.nsgs.len()],
            asg_members: vec![Vec::new(); n.asgs.len()],
            tenants_by_subnet: vec![Vec::new(); n.subnets.len()],
            lb_members_by_subnet: vec![Vec::new(); n.subnets.len()],
            pool_probes: vec![Vec::new(); n.lb_pools.len()],
        };
        for (i, s) in n.subnets.iter().enumerate() {
            if let Some(v) = s.vnet.resolved() {
                push(&mut ix.subnets_by_vnet, v.0, SubnetId(i));
            }
            if let Some(g) = s.nsg.as_ref().and_then(|l| l.resolved()) {
                push(&mut ix.nsg_subnets, g.0, SubnetId(i));
            }
        }
        for (i, v) in n.vnets.iter().enumerate() {
            for p in v.peerings.iter().filter_map(|p| p.resolved()) {
                push(&mut ix.peers, i, p);
                push(&mut ix.peers, p.0, VnetId(i));
            }
        }
        for (i, nic) in n.nics.iter().enumerate() {
            if let Some(g) = nic.nsg.as_ref().and_then(|l| l.resolved()) {
                push(&mut ix.nsg_nics, g.0, NicId(i));
            }
            for (j, ip) in nic.ip_configs.iter().enumerate() {
                if let Some(s) = ip.subnet.as_ref().and_then(|l| l.resolved()) {
                    push(&mut ix.nics_by_subnet, s.0, (NicId(i), j));
                }
                for a in ip.asgs.iter().filter_map(|a| a.resolved()) {
                    push(&mut ix.asg_members, a.0, (NicId(i), j));
                }
            }
        }
        for (i, t) in n.tenants.iter().enumerate() {
            for s in n.host_subnets(&t.host) {
                push(&mut ix.tenants_by_subnet, s.0, TenantId(i));
            }
        }
        for (i, m) in n.lb_members.iter().enumerate() {
            for s in n.host_subnets(&m.host) {
                push(&mut ix.lb_members_by_subnet, s.0, i);
            }
        }
        for (i, r) in n.lb_rules.iter().enumerate() {
            let Some(probe) = r.probe.as_ref().and_then(|p| p.resolved()) else {
                continue;
            };
            for pool in r.pools.iter().filter_map(|p| p.resolved()) {
                push(&mut ix.pool_probes, pool.0, (i, probe));
            }
        }
        ix
    }
}

impl Network {
    /// NIC IP configurations in `subnet`.
    pub fn nics_in_subnet(&self, subnet: SubnetId) -> &[(NicId, usize)] {
        self.index
            .nics_by_subnet
            .get(subnet.0)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn subnets_of_vnet(&self, vnet: VnetId) -> &[SubnetId] {
        self.index
            .subnets_by_vnet
            .get(vnet.0)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn peers_of(&self, vnet: VnetId) -> &[VnetId] {
        self.index
            .peers
            .get(vnet.0)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn subnets_with_nsg(&self, nsg: NsgId) -> &[SubnetId] {
        self.index
            .nsg_subnets
            .get(nsg.0)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn nics_with_nsg(&self, nsg: NsgId) -> &[NicId] {
        self.index
            .nsg_nics
            .get(nsg.0)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn asg_members(&self, asg: AsgId) -> &[(NicId, usize)] {
        self.index
            .asg_members
            .get(asg.0)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

impl Network {
    /// The subnets a tenant's host places it in (none while its link is unresolved).
    pub fn host_subnets(&self, host: &Host) -> Vec<SubnetId> {
        match host {
            Host::Subnet(link) => link.resolved().into_iter().collect(),
            Host::Nic { nic, ip_config } => {
                let Some(nic) = nic.resolved().and_then(|id| self.nic(id)) else {
                    return Vec::new();
                };
                let mut out = Vec::new();
                for ip in &nic.ip_configs {
                    let named = ip_config
                        .as_ref()
                        .is_none_or(|want| want.value.eq_ignore_ascii_case(&ip.name.value));
                    if let Some(s) = ip.subnet.as_ref().and_then(|l| l.resolved()) {
                        if named && !out.contains(&s) {
                            out.push(s);
                        }
                    }
                }
                out
            }
        }
    }

    pub fn tenant(&self, id: TenantId) -> Option<&Tenant> {
        self.tenants.get(id.0)
    }

    /// Everything the input places in `subnet`: declared tenants, NIC IP configurations and
    /// load-balancer backends; [`SubnetTenants::Unknown`] when there is none.
    pub fn tenants_in(&self, subnet: SubnetId) -> SubnetTenants<'_> {
        let declared = self
            .index
            .tenants_by_subnet
            .get(subnet.0)
            .into_iter()
            .flatten()
            .filter_map(|&id| self.tenant(id).map(|t| TenantRef::Declared(id, t)));
        let nics = self
            .nics_in_subnet(subnet)
            .iter()
            .map(|&(nic, ip)| TenantRef::Nic(nic, ip));
        let backends = self
            .index
            .lb_members_by_subnet
            .get(subnet.0)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.lb_members.get(i).map(TenantRef::Backend));
        let all: Vec<TenantRef<'_>> = declared.chain(nics).chain(backends).collect();
        if all.is_empty() {
            SubnetTenants::Unknown
        } else {
            SubnetTenants::Known(all)
        }
    }

    /// The (load-balancing rule, probe) pairs that decide a pool member's health.
    pub fn probes_of(&self, member: &LbMember) -> &[(usize, LbProbeId)] {
        member
            .pool
            .resolved()
            .and_then(|LbPoolId(p)| self.index.pool_probes.get(p))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}
