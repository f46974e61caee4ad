//! `azurerm_network_interface` (nsg-semantics §3.6): the plan's reading of its arguments;
//! what they mean is [`crate::frontend::vocab::azurerm::nic`].

use crate::frontend::plan::lower::{block_expression, Instance, Lowerer, NSG, SUBNET};
use crate::frontend::plan::value::View;
use crate::frontend::vocab::azurerm::nic::{self as vocab_nic, RawIpConfig};
use crate::frontend::vocab::azurerm::{self as vocab, Form};
use crate::model::Problem;

impl Lowerer<'_> {
    pub(super) fn nic(&mut self, inst: &Instance<'_>, view: &View<'_, '_>) {
        let resource =
            vocab::Instance::record(&mut self.planned(inst, view), vocab::Kind::Nic, &[]);
        // Provider < 2.0 (and the data source) carry the NIC's NSG on the NIC itself.
        let nsg_view = view.get("network_security_group_id");
        let legacy_nsg = self
            .id_link(
                inst,
                &nsg_view,
                inst.expression("network_security_group_id"),
                NSG,
            )
            .map(|l| (nsg_view.span(), Some(l)));
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
        for (index, item) in list.items().iter().enumerate() {
            let name = item.get("name");
            let block = block_expression(config, name.text().as_deref());
            let raw = RawIpConfig {
                index,
                name: name.raw(),
                subnet: self.id_link(
                    inst,
                    &item.get("subnet_id"),
                    block.and_then(|b| b.get("subnet_id")),
                    SUBNET,
                ),
                version: item.get("private_ip_address_version").raw(),
                allocation: item.get("private_ip_address_allocation").raw(),
                address: item.get("private_ip_address").raw(),
                asgs: self.asg_ids(
                    inst,
                    &item.get("application_security_group_ids"),
                    block.and_then(|b| b.get("application_security_group_ids")),
                ),
                span: item.span(),
            };
            let ip =
                vocab_nic::ip_config(Form::Planned, raw, &inst.address, &mut self.net.problems);
            ip_configs.push(ip);
        }
        let nic = vocab_nic::nic(
            Form::Planned,
            resource,
            legacy_nsg,
            ip_configs,
            &mut self.net.problems,
        );
        self.net.nics.push(nic);
    }
}
