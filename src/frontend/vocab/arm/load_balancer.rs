//! Load balancers: backend pools (inline, or `loadBalancers/backendAddressPools` resources),
//! health probes and load-balancing rules, and the NIC IP configurations that join a pool.
//! Pools and probes are known by the keys of their Azure ids, so the ids a rule or a NIC
//! writes (`resourceId(…)`, `concat(…)`) link to them.

use super::read::display;
use super::{link, ArmResource, Lowering, Prop, Tree};
use crate::model::tenant::{Host, LbMember, LbPool, LbProbe, LbRule};
use crate::model::{Field, Problem, Resource, Spanned, Val};
use crate::source::Span;

/// Child types of a load balancer, as Azure spells them.
const POOL_TYPE: &str = "Microsoft.Network/loadBalancers/backendAddressPools";
const PROBE_TYPE: &str = "Microsoft.Network/loadBalancers/probes";

impl Lowering {
    pub(super) fn load_balancer<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let Some(props) = t.member(&r.node, "properties") else {
            return;
        };
        let what = "the backend pools of this load balancer";
        for item in self
            .items(t, &props, "backendAddressPools", what)
            .unwrap_or_default()
        {
            let resource = self.inline_child(t, r, &item, POOL_TYPE, "backendAddressPools");
            self.net.lb_pools.push(LbPool { resource });
        }
        let what = "the health probes of this load balancer";
        for item in self.items(t, &props, "probes", what).unwrap_or_default() {
            let resource = self.inline_child(t, r, &item, PROBE_TYPE, "probes");
            let p = t.member(&item, "properties");
            let port = self.probe_port(t, p.as_ref(), resource.span);
            let protocol = self.text_at(t, p.as_ref(), "protocol", resource.span);
            self.net.lb_probes.push(LbProbe {
                resource,
                port,
                protocol,
            });
        }
        let what = "the load-balancing rules of this load balancer";
        for item in self
            .items(t, &props, "loadBalancingRules", what)
            .unwrap_or_default()
        {
            let own = t.member(&item, "name").map(|n| display(t, &n));
            let name = format!(
                "{}/{}",
                r.resource.name.value,
                own.as_deref().unwrap_or("<unknown>")
            );
            let span = t.span(&item);
            let p = t.member(&item, "properties");
            let mut pools = Vec::new();
            let mut probe = None;
            if let Some(p) = &p {
                pools.extend(self.ref_at(t, p, "backendAddressPool"));
                if let Some(list) = self.refs_at(t, p, "backendAddressPools") {
                    pools.extend(list.value);
                }
                probe = self.ref_at(t, p, "probe");
            }
            self.net.lb_rules.push(LbRule {
                resource: Resource {
                    name: Spanned::new(name.clone(), span),
                    address: format!(
                        "{}/loadBalancingRules/{}",
                        r.resource.address,
                        own.unwrap_or_default()
                    ),
                    keys: Vec::new(),
                    span,
                },
                pools,
                probe,
            });
        }
    }

    /// A `loadBalancers/backendAddressPools` resource.
    pub(super) fn pool_resource<N>(&mut self, r: &ArmResource<N>) {
        let mut resource = r.resource.clone();
        resource.name.value = super::tenants::child_display(r);
        self.net.lb_pools.push(LbPool { resource });
    }

    /// A pool or probe written inline in a load balancer, known by its child id.
    fn inline_child<T: Tree>(
        &mut self,
        t: &T,
        lb: &ArmResource<T::Node>,
        item: &T::Node,
        ty: &str,
        segment: &str,
    ) -> Resource {
        let span = t.span(item);
        let name = t.member(item, "name");
        let (text, name_span, keys) = match &name {
            Some(n) => (display(t, n), t.span(n), t.child_keys(ty, n)),
            None => ("<unknown>".to_string(), span, Vec::new()),
        };
        Resource {
            name: Spanned::new(format!("{}/{text}", lb.resource.name.value), name_span),
            address: format!("{}/{segment}/{text}", lb.resource.address),
            keys,
            span,
        }
    }

    fn probe_port<T: Tree>(&mut self, t: &T, props: Option<&T::Node>, at: Span) -> Field<u16> {
        let Some(v) = props.and_then(|p| t.member(p, "port")) else {
            return Spanned::new(Val::unknown("the probe has no port", at), at);
        };
        let span = t.span(&v);
        let val = match t.read(&v) {
            Prop::Num(n) if n.fract() == 0.0 && (1.0..=65535.0).contains(&n) => {
                Val::Known(n as u16)
            }
            Prop::Str(s) if s.trim().parse::<u16>().is_ok_and(|n| n > 0) => {
                Val::Known(s.trim().parse::<u16>().unwrap_or_default())
            }
            Prop::Unknown(u) => Val::Unknown(Box::new(u)),
            other => {
                let text = match other {
                    Prop::Num(n) => n.to_string(),
                    Prop::Str(s) => format!("`{s}`"),
                    o => format!("a {}", o.type_name()),
                };
                self.problem(Problem::invalid(
                    format!("probe port {text} is not a port number (1-65535)"),
                    span,
                ));
                Val::unknown("the probe port is invalid", span)
            }
        };
        Spanned::new(val, span)
    }

    /// A string member, as written; Unknown when absent or not a string.
    pub(super) fn text_at<T: Tree>(
        &mut self,
        t: &T,
        node: Option<&T::Node>,
        key: &str,
        at: Span,
    ) -> Field<String> {
        let Some(v) = node.and_then(|n| t.member(n, key)) else {
            return Spanned::new(Val::unknown(format!("`{key}` is not written"), at), at);
        };
        let span = t.span(&v);
        let val = match t.read(&v) {
            Prop::Str(s) => Val::Known(s),
            Prop::Unknown(u) => Val::Unknown(Box::new(u)),
            other => Val::unknown(format!("`{key}` is a {}", other.type_name()), span),
        };
        Spanned::new(val, span)
    }

    /// `loadBalancerBackendAddressPools` of an IP configuration's properties: each pool gets
    /// `host` as a member.
    pub(super) fn pool_members<T: Tree>(
        &mut self,
        t: &T,
        props: &T::Node,
        host: &Host,
        address: &str,
    ) {
        let Some(list) = self.refs_at(t, props, "loadBalancerBackendAddressPools") else {
            return;
        };
        for pool in list.value {
            self.net.lb_members.push(LbMember {
                pool,
                host: host.clone(),
                address: address.to_string(),
                span: list.span,
            });
        }
    }

    /// A NIC IP configuration's pool memberships.
    pub(super) fn nic_pool_members<T: Tree>(
        &mut self,
        t: &T,
        nic: &ArmResource<T::Node>,
        item: &T::Node,
        ip_config: &Spanned<String>,
    ) {
        let Some(props) = t.member(item, "properties") else {
            return;
        };
        let host = Host::Nic {
            nic: link(&nic.own),
            ip_config: Some(ip_config.clone()),
        };
        self.pool_members(t, &props, &host, &nic.resource.address);
    }
}
