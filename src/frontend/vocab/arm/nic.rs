//! Network interfaces and their IP configurations.

use super::read::display;
use super::{ArmResource, Lowering, Prop, Tree};
use crate::model::{IpConfig, IpVersion, Nic, Problem, ProblemKind, Severity, Spanned};

impl Lowering {
    pub(super) fn nic<T: Tree>(&mut self, t: &T, r: &ArmResource<T::Node>) {
        let props = t.member(&r.node, "properties");
        let nsg = props
            .as_ref()
            .and_then(|p| self.ref_at(t, p, "networkSecurityGroup"));
        let mut ip_configs = Vec::new();
        if let Some(list) = props.as_ref().and_then(|p| t.member(p, "ipConfigurations")) {
            match t.read(&list) {
                Prop::List(items) => {
                    for item in &items {
                        if let Some(ip) = self.ip_config(t, item) {
                            self.nic_pool_members(t, r, item, &ip.name);
                            ip_configs.push(ip);
                        }
                    }
                }
                _ => self.unresolved_list(
                    t,
                    &list,
                    "the IP configurations of this network interface",
                ),
            }
        }
        self.net.nics.push(Nic {
            resource: r.resource.clone(),
            nsg,
            ip_configs,
        });
    }

    fn ip_config<T: Tree>(&mut self, t: &T, item: &T::Node) -> Option<IpConfig> {
        let span = t.span(item);
        if let Prop::Unknown(_) = t.read(item) {
            self.unresolved_list(t, item, "an IP configuration of this network interface");
            return None;
        }
        let name = match t.member(item, "name") {
            Some(n) => Spanned::new(display(t, &n), t.span(&n)),
            None => Spanned::new("<unknown>".to_string(), span),
        };
        let props = t.member(item, "properties");
        let get = |key: &str| props.as_ref().and_then(|p| t.member(p, key));
        let subnet = props.as_ref().and_then(|p| self.ref_at(t, p, "subnet"));
        let dynamic = get("privateIPAllocationMethod").is_some_and(
            |m| matches!(t.read(&m), Prop::Str(s) if s.eq_ignore_ascii_case("Dynamic")),
        );
        let private_ip = match get("privateIPAddress") {
            Some(v) if !dynamic => Some(self.ip_address(t, &v)),
            _ => None,
        };
        let version = match get("privateIPAddressVersion") {
            Some(v) => match t.read(&v) {
                Prop::Str(s) if s.eq_ignore_ascii_case("IPv6") => IpVersion::V6,
                Prop::Str(s) if s.eq_ignore_ascii_case("IPv4") => IpVersion::V4,
                _ => {
                    self.problem(Problem::new(
                        ProblemKind::Unresolved,
                        Severity::Warning,
                        format!("IP version `{}` is not IPv4 or IPv6 or could not be resolved; evaluated as IPv4", display(t, &v)),
                        t.span(&v),
                    ));
                    IpVersion::V4
                }
            },
            None => IpVersion::V4,
        };
        let asgs = props
            .as_ref()
            .and_then(|p| self.asgs_at(t, p, "applicationSecurityGroups"))
            .map(|s| s.value)
            .unwrap_or_default();
        Some(IpConfig {
            name,
            subnet,
            private_ip,
            version,
            asgs,
            span,
        })
    }
}
