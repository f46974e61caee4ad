//! `azurerm_network_interface` and its `ip_configuration` blocks (nsg-semantics §3.6): what the
//! arguments mean, once for HCL and plan JSON. Each front end reads the raw arguments (and
//! links ids its own way); this module decides the address, the IP version, what provider
//! versions removed, and what is invalid.

use std::net::IpAddr;

use super::Form;
use crate::model::values::{Raw, RawField};
use crate::model::{
    AsgId, Field, IpConfig, IpVersion, Link, Nic, NsgId, Problem, Resource, Spanned, SubnetId,
    Unknown, Val,
};
use crate::source::Span;

/// The arguments of one `ip_configuration` block, as a front end read them.
pub struct RawIpConfig {
    /// Position in the NIC's list, for a configuration whose name is not known.
    pub index: usize,
    pub name: Option<RawField>,
    pub subnet: Option<Link<SubnetId>>,
    pub version: Option<RawField>,
    pub allocation: Option<RawField>,
    pub address: Option<RawField>,
    /// `application_security_group_ids` (removed in provider 2.0; a plan's computed copy).
    pub asgs: Option<Spanned<Vec<Link<AsgId>>>>,
    pub span: Span,
}

/// A NIC from its record, its own NSG argument (removed in provider 2.0: `(where, link)`), and
/// its IP configurations.
pub fn nic(
    form: Form,
    resource: Resource,
    legacy_nsg: Option<(Span, Option<Link<NsgId>>)>,
    ip_configs: Vec<IpConfig>,
    problems: &mut Vec<Problem>,
) -> Nic {
    if let (Form::Written, Some((at, _))) = (form, &legacy_nsg) {
        problems.push(
            Problem::warning(
                "`network_security_group_id` on azurerm_network_interface was removed in provider 2.0; use azurerm_network_interface_security_group_association (evaluated as associated)",
                *at,
            )
            .with_resource(resource.address.clone()),
        );
    }
    Nic {
        nsg: legacy_nsg.and_then(|(_, l)| l),
        resource,
        ip_configs,
    }
}

/// One IP configuration of the NIC at `address`.
pub fn ip_config(
    form: Form,
    raw: RawIpConfig,
    address: &str,
    problems: &mut Vec<Problem>,
) -> IpConfig {
    let name = match &raw.name {
        Some(Spanned {
            value: Val::Known(Raw::Str(n)),
            span,
        }) if !n.is_empty() => Spanned::new(n.clone(), *span),
        _ => Spanned::new(format!("ip_configuration[{}]", raw.index), raw.span),
    };
    let version = match raw.version.as_ref().map(|v| &v.value) {
        Some(Val::Known(Raw::Str(v))) if v.eq_ignore_ascii_case("IPv6") => IpVersion::V6,
        _ => IpVersion::V4,
    };
    let private_ip = private_ip(form, &raw, address, problems);
    let asgs = match raw.asgs {
        Some(list) => {
            if form == Form::Written {
                problems.push(
                    Problem::warning(
                        "`ip_configuration.application_security_group_ids` was removed in provider 2.0; use azurerm_network_interface_application_security_group_association (evaluated as members)",
                        list.span,
                    )
                    .with_resource(address.to_string()),
                );
            }
            list.value
        }
        None => Vec::new(),
    };
    IpConfig {
        name,
        subnet: raw.subnet,
        private_ip,
        version,
        asgs,
        span: raw.span,
    }
}

/// The private address. `None` means dynamic allocation: somewhere in the subnet, which the
/// model defines. A plan shows the address a dynamic configuration already holds; a
/// configuration as written does not know it.
fn private_ip(
    form: Form,
    raw: &RawIpConfig,
    address: &str,
    problems: &mut Vec<Problem>,
) -> Option<Field<IpAddr>> {
    let known_address =
        |problems: &mut Vec<Problem>| raw.address.as_ref().map(|a| parse_ip(a, address, problems));
    let Some(allocation) = &raw.allocation else {
        return known_address(problems);
    };
    let written = match &allocation.value {
        Val::Known(r) => r.text(),
        Val::Unknown(u) => {
            // The allocation decides whether the address argument counts: unknown either way,
            // unless the plan already shows the address.
            return match (form, &raw.address) {
                (Form::Planned, Some(a)) if a.value.known().is_some() => known_address(problems),
                _ => Some(Spanned::new(Val::Unknown(u.clone()), allocation.span)),
            };
        }
    };
    let canonical = if written.eq_ignore_ascii_case("Dynamic") {
        "Dynamic"
    } else if written.eq_ignore_ascii_case("Static") {
        "Static"
    } else {
        problems.push(
            Problem::invalid(
                format!("private_ip_address_allocation `{written}` is not Dynamic or Static"),
                allocation.span,
            )
            .with_resource(address.to_string()),
        );
        return Some(Spanned::new(
            Val::unknown("invalid private_ip_address_allocation", allocation.span),
            allocation.span,
        ));
    };
    if form == Form::Written && written != canonical {
        problems.push(
            Problem::invalid(
                format!("azurerm provider 3.x and later rejects private_ip_address_allocation `{written}`: write `{canonical}`"),
                allocation.span,
            )
            .with_resource(address.to_string()),
        );
    }
    match (canonical, form) {
        ("Static", _) => known_address(problems),
        // Dynamic: a plan's known address is the one already allocated.
        (_, Form::Planned) => known_address(problems).filter(|a| a.value.known().is_some()),
        _ => None,
    }
}

fn parse_ip(field: &RawField, address: &str, problems: &mut Vec<Problem>) -> Field<IpAddr> {
    let text = match &field.value {
        Val::Known(r) => r.text(),
        Val::Unknown(u) => return Spanned::new(Val::Unknown(u.clone()), field.span),
    };
    match text.trim().parse::<IpAddr>() {
        Ok(ip) => Spanned::new(Val::Known(ip), field.span),
        Err(_) => {
            let msg = format!("`{text}` is not an IP address");
            problems
                .push(Problem::invalid(msg.clone(), field.span).with_resource(address.to_string()));
            Spanned::new(
                Val::Unknown(Box::new(Unknown {
                    reason: msg,
                    span: field.span,
                    origin: None,
                })),
                field.span,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builder::span;

    fn text(t: &str) -> Option<RawField> {
        Some(Spanned::new(Val::Known(Raw::Str(t.into())), span()))
    }

    fn unknown() -> Option<RawField> {
        Some(Spanned::new(
            Val::unknown("known after apply", span()),
            span(),
        ))
    }

    fn config(allocation: Option<RawField>, address: Option<RawField>) -> RawIpConfig {
        RawIpConfig {
            index: 0,
            name: text("ipconfig1"),
            subnet: None,
            version: None,
            allocation,
            address,
            asgs: None,
            span: span(),
        }
    }

    fn ip(form: Form, c: RawIpConfig) -> (Option<Field<IpAddr>>, Vec<Problem>) {
        let mut problems = Vec::new();
        let ip = ip_config(form, c, "nic", &mut problems).private_ip;
        (ip, problems)
    }

    #[test]
    fn dynamic_is_anywhere_in_the_subnet_unless_a_plan_shows_the_allocated_address() {
        let (written, _) = ip(Form::Written, config(text("Dynamic"), text("10.0.0.4")));
        assert_eq!(written, None);
        let (planned, _) = ip(Form::Planned, config(text("Dynamic"), text("10.0.0.4")));
        assert_eq!(
            planned.and_then(|a| a.value.known().copied()),
            Some("10.0.0.4".parse().unwrap())
        );
        let (pending, _) = ip(Form::Planned, config(text("Dynamic"), unknown()));
        assert_eq!(pending, None);
    }

    #[test]
    fn a_static_address_known_only_after_apply_is_unknown() {
        let (a, _) = ip(Form::Planned, config(text("Static"), unknown()));
        assert!(a.is_some_and(|a| a.value.as_unknown().is_some()));
    }

    #[test]
    fn casing_and_values_the_provider_rejects_are_reported_only_as_written() {
        let (_, p) = ip(Form::Written, config(text("static"), text("10.0.0.4")));
        assert_eq!(p.len(), 1, "{p:?}");
        let (_, p) = ip(Form::Planned, config(text("static"), text("10.0.0.4")));
        assert!(p.is_empty());
        let (a, p) = ip(Form::Written, config(text("Fixed"), text("10.0.0.4")));
        assert_eq!(p.len(), 1);
        assert!(a.is_some_and(|a| a.value.as_unknown().is_some()));
    }

    #[test]
    fn an_unknown_allocation_leaves_the_address_unknown() {
        let (a, _) = ip(Form::Written, config(unknown(), text("10.0.0.4")));
        assert!(a.is_some_and(|a| a.value.as_unknown().is_some()));
    }
}
