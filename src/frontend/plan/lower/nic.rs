//! Network interfaces, their NSG and ASG associations, and application security groups
//! (nsg-semantics §3.6–3.9).

use std::net::IpAddr;

use crate::frontend::plan::lower::{block_expression, Instance, Lowerer, NSG, SUBNET};
use crate::frontend::plan::value::View;
use crate::frontend::vocab::azurerm as vocab;
use crate::model::{IpConfig, IpVersion, Nic, Problem, Spanned, Unknown, Val};

impl Lowerer<'_> {
    pub(super) fn nic(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) {
        let resource =
            vocab::Instance::record(&mut self.planned(inst, view), vocab::Kind::Nic, &[]);
        // Provider < 2.0 (and the data source) carry the NIC's NSG on the NIC itself.
        let nsg = self.id_link(
            inst,
            &view.get("network_security_group_id"),
            inst.expression("network_security_group_id"),
            NSG,
        );
        let config = inst.expression("ip_configuration");
        let list = view.get("ip_configuration");
        let mut ip_configs = Vec::new();
        if list.is_unknown() {
            self.problem(Problem::new(
                crate::model::ProblemKind::Unresolved,
                crate::model::Severity::Warning,
                format!(
                    "the IP configurations of `{}` are known only after apply; they are not evaluated",
                    inst.address
                ),
                list.span(),
            ));
        }
        for item in list.items() {
            let name_view = item.get("name");
            let name = name_view.text();
            let name = name.as_deref();
            let block = block_expression(config, name);
            let subnet = self.id_link(
                inst,
                &item.get("subnet_id"),
                block.and_then(|b| b.get("subnet_id")),
                SUBNET,
            );
            let version = match item.get("private_ip_address_version").text() {
                Some(v) if v.eq_ignore_ascii_case("IPv6") => IpVersion::V6,
                _ => IpVersion::V4,
            };
            let private_ip = self.private_ip(&item);
            let asg_view = item.get("application_security_group_ids");
            let asgs = self
                .asg_ids(
                    inst,
                    &asg_view,
                    block.and_then(|b| b.get("application_security_group_ids")),
                )
                .map(|s| s.value)
                .unwrap_or_default();
            ip_configs.push(IpConfig {
                name: Spanned::new(
                    name.map(str::to_string)
                        .unwrap_or_else(|| format!("<unnamed: {}>", name_view.path())),
                    name_view.span(),
                ),
                subnet,
                private_ip,
                version,
                asgs,
                span: item.span(),
            });
        }
        self.net.nics.push(Nic {
            resource,
            nsg,
            ip_configs,
        });
    }

    /// The private address: known (static, or already allocated) → that address; unknown with
    /// static allocation → Unknown; unknown with dynamic allocation → `None` (somewhere in the
    /// subnet), which the model defines for dynamic allocation.
    fn private_ip(&mut self, item: &View<'_, '_>) -> Option<crate::model::Field<IpAddr>> {
        let addr = item.get("private_ip_address");
        let is_static = item
            .get("private_ip_address_allocation")
            .text()
            .is_some_and(|a| a.eq_ignore_ascii_case("static"));
        if addr.is_unknown() {
            return is_static.then(|| Spanned::new(Val::Unknown(addr.unknown_here()), addr.span()));
        }
        let text = addr.text()?;
        let value = match text.trim().parse::<IpAddr>() {
            Ok(ip) => Val::Known(ip),
            Err(_) => {
                self.problem(Problem::invalid(
                    format!("`{text}` is not a valid IP address"),
                    addr.span(),
                ));
                Val::Unknown(Unknown {
                    reason: format!("invalid address `{text}`"),
                    span: addr.span(),
                })
            }
        };
        Some(Spanned::new(value, addr.span()))
    }
}
