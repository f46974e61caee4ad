//! Virtual machine scale sets: their instances live in the subnets of the IP configurations
//! of the scale set's network profile, and join the load-balancer pools those name.

use super::{ArmResource, Lowering, Prop, Tree};
use crate::model::tenant::{Host, TenantKind};
use crate::model::Link;

impl Lowering {
    pub(super) fn scale_set<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let Some(props) = t.member(&r.node, "properties") else {
            return;
        };
        // `virtualMachineProfile.networkProfile` (Uniform and Flexible orchestration).
        let profile = t
            .member(&props, "virtualMachineProfile")
            .and_then(|v| t.member(&v, "networkProfile"))
            .or_else(|| t.member(&props, "networkProfile"));
        let Some(profile) = profile else { return };
        let what = "the network interface configurations of this scale set";
        let configs = match self.items(t, &profile, "networkInterfaceConfigurations", what) {
            Ok(c) => c,
            Err(u) => return self.unplaced_scale_set(r, u),
        };
        for config in &configs {
            let props = t.member(config, "properties");
            let what = "the IP configurations of this scale set's network interface";
            let ips = match props
                .as_ref()
                .map(|p| self.items(t, p, "ipConfigurations", what))
            {
                Some(Ok(ips)) => ips,
                Some(Err(u)) => {
                    self.unplaced_scale_set(r, u);
                    continue;
                }
                None => continue,
            };
            for ip in &ips {
                let span = t.span(ip);
                let subnet = match t.read(ip) {
                    Prop::Unknown(u) => Some(Link::Unknown(Box::new(u))),
                    _ => t
                        .member(ip, "properties")
                        .and_then(|p| self.ref_at(t, &p, "subnet")),
                };
                let Some(subnet) = subnet else { continue };
                let host = Host::Subnet(subnet);
                if let Some(p) = t.member(ip, "properties") {
                    self.pool_members(t, &p, &host, &r.resource.address);
                }
                let name = r.resource.name.clone();
                self.push_tenant(TenantKind::ScaleSet, name, &r.resource, host, span);
            }
        }
    }

    /// A scale set whose configurations cannot be read lives in a subnet nsgate cannot name.
    fn unplaced_scale_set<N>(&mut self, r: &ArmResource<N>, why: crate::model::Unknown) {
        let span = why.span;
        let name = r.resource.name.clone();
        let host = Host::Subnet(Link::Unknown(Box::new(why)));
        self.push_tenant(TenantKind::ScaleSet, name, &r.resource, host, span);
    }
}
