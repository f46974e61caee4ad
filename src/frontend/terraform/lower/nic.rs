//! `azurerm_network_interface` (nsg-semantics §3.6): the HCL reading of its arguments; what
//! they mean is [`crate::frontend::vocab::azurerm::nic`].

use super::{raw_field, HclInstance, Res};
use crate::frontend::terraform::context::Evaluator;
use crate::frontend::terraform::keys::id_link;
use crate::frontend::terraform::value::V;
use crate::frontend::vocab::azurerm::nic::{self as vocab_nic, RawIpConfig};
use crate::frontend::vocab::azurerm::{Form, Instance as _, Kind};
use crate::model::{Link, Network, Spanned, Unknown};

pub fn nic(ev: &mut Evaluator, res: &Res, out: &mut Network) {
    let resource = HclInstance::new(ev, res).record(Kind::Nic, &[]);
    let legacy_nsg = ev
        .arg(&res.item, "network_security_group_id")
        .map(|a| (a.at, id_link(&a.value, "network_security_group_id")));
    let mut ip_configs = Vec::new();
    for (index, item) in ev
        .nested(&res.item, "ip_configuration")
        .into_iter()
        .enumerate()
    {
        let p = &mut out.problems;
        let mut scalar = |ev: &mut Evaluator, attr: &str| raw_field(ev.arg(&item, attr), attr, p);
        let name = scalar(ev, "name");
        let version = scalar(ev, "private_ip_address_version");
        let allocation = scalar(ev, "private_ip_address_allocation");
        let address = scalar(ev, "private_ip_address");
        let subnet = ev
            .arg(&item, "subnet_id")
            .and_then(|a| id_link(&a.value, "subnet_id"));
        let asgs = ev.arg(&item, "application_security_group_ids").map(|a| {
            let links = match &a.value.v {
                V::List(items) => items
                    .iter()
                    .filter_map(|v| id_link(v, "application_security_group_ids"))
                    .collect(),
                V::Unknown(_) => vec![Link::Unknown(Box::new(super::unknown_of(&a.value)))],
                _ => vec![Link::Unknown(Box::new(Unknown {
                    reason: "`application_security_group_ids` must be a list of ids".into(),
                    span: a.value.span,
                    origin: None,
                }))],
            };
            Spanned::new(links, a.at)
        });
        let raw = RawIpConfig {
            index,
            name,
            subnet,
            version,
            allocation,
            address,
            asgs,
            span: item.span(),
        };
        ip_configs.push(vocab_nic::ip_config(
            Form::Written,
            raw,
            &res.address,
            &mut out.problems,
        ));
    }
    let nic = vocab_nic::nic(
        Form::Written,
        resource,
        legacy_nsg,
        ip_configs,
        &mut out.problems,
    );
    out.nics.push(nic);
}
