//! `azurerm_network_interface`, its NSG and ASG associations, and
//! `azurerm_application_security_group` (nsg-semantics §3.6–3.9).

use super::{ip_field, HclInstance, Res};
use crate::frontend::terraform::context::Evaluator;
use crate::frontend::terraform::keys::id_link;
use crate::frontend::terraform::value::V;
use crate::frontend::vocab::azurerm::{Instance as _, Kind};
use crate::model::{IpConfig, IpVersion, Network, Nic, Problem, Spanned, Val};

pub fn nic(ev: &mut Evaluator, res: &Res, out: &mut Network) {
    let resource = HclInstance::new(ev, res).record(Kind::Nic, &[]);
    let mut nsg = None;
    if let Some(a) = ev.arg(&res.item, "network_security_group_id") {
        out.problems.push(
            Problem::warning(
                "`network_security_group_id` on azurerm_network_interface was removed in provider 2.0; use azurerm_network_interface_security_group_association (evaluated as associated)",
                a.at,
            )
            .with_resource(res.address.clone()),
        );
        nsg = id_link(&a.value, "network_security_group_id");
    }
    let mut ip_configs = Vec::new();
    for (i, item) in ev
        .nested(&res.item, "ip_configuration")
        .into_iter()
        .enumerate()
    {
        let ip_name = match ev.text_arg(&item, "name") {
            Some(Spanned {
                value: Val::Known(n),
                span,
            }) => Spanned::new(n, span),
            _ => Spanned::new(format!("ip_configuration[{i}]"), item.span()),
        };
        let subnet = ev
            .arg(&item, "subnet_id")
            .and_then(|a| id_link(&a.value, "subnet_id"));
        let version = match ev
            .arg(&item, "private_ip_address_version")
            .map(|a| a.value.v)
        {
            Some(V::Str(s)) if s.eq_ignore_ascii_case("IPv6") => IpVersion::V6,
            _ => IpVersion::V4,
        };
        let allocation = ev.arg(&item, "private_ip_address_allocation");
        let address = ev.arg(&item, "private_ip_address");
        let private_ip = match allocation.as_ref().map(|a| &a.value.v) {
            Some(V::Str(s)) if s.eq_ignore_ascii_case("Dynamic") => {
                case_check(
                    s,
                    "Dynamic",
                    allocation.as_ref().map(|a| a.value.span),
                    res,
                    out,
                );
                None
            }
            Some(V::Str(s)) if s.eq_ignore_ascii_case("Static") => {
                case_check(
                    s,
                    "Static",
                    allocation.as_ref().map(|a| a.value.span),
                    res,
                    out,
                );
                address.map(|a| ip_field(a, &mut out.problems))
            }
            // Unknown or invalid allocation: the address is not known either way.
            Some(_) => {
                let a = allocation.as_ref().map(|a| a.value.clone());
                a.map(|v| {
                    let unk = match v.unk() {
                        Some(_) => super::unknown_of(&v),
                        None => {
                            out.problems.push(
                                Problem::invalid(
                                    format!("private_ip_address_allocation `{v}` is not Dynamic or Static"),
                                    v.span,
                                )
                                .with_resource(res.address.clone()),
                            );
                            crate::model::Unknown {
                                reason: "invalid private_ip_address_allocation".into(),
                                span: v.span,
                            }
                        }
                    };
                    Spanned::new(Val::Unknown(unk), v.span)
                })
            }
            None => address.map(|a| ip_field(a, &mut out.problems)),
        };
        let mut asgs = Vec::new();
        if let Some(a) = ev.arg(&item, "application_security_group_ids") {
            out.problems.push(
                Problem::warning(
                    "`ip_configuration.application_security_group_ids` was removed in provider 2.0; use azurerm_network_interface_application_security_group_association (evaluated as members)",
                    a.at,
                )
                .with_resource(res.address.clone()),
            );
            if let V::List(items) = &a.value.v {
                asgs.extend(
                    items
                        .iter()
                        .filter_map(|v| id_link(v, "application_security_group_ids")),
                );
            }
        }
        ip_configs.push(IpConfig {
            name: ip_name,
            subnet,
            private_ip,
            version,
            asgs,
            span: item.span(),
        });
    }
    out.nics.push(Nic {
        resource,
        nsg,
        ip_configs,
    });
}

fn case_check(
    written: &str,
    canonical: &str,
    span: Option<crate::source::Span>,
    res: &Res,
    out: &mut Network,
) {
    if written != canonical {
        if let Some(span) = span {
            out.problems.push(
                Problem::invalid(
                    format!("azurerm provider 3.x and later rejects private_ip_address_allocation `{written}`: write `{canonical}`"),
                    span,
                )
                .with_resource(res.address.clone()),
            );
        }
    }
}
