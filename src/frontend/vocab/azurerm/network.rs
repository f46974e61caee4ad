//! `azurerm_virtual_network` (with inline `subnet` blocks) and `azurerm_subnet`
//! (nsg-semantics §3.3–3.4).

use ipnet::IpNet;

use super::{Form, Instance, Kind};
use crate::model::{Field, Link, NsgId, Problem, Spanned, Subnet, Vnet};
use crate::source::Span;

/// The nested blocks of `azurerm_virtual_network` that declare subnets ([`inline_subnet`]).
pub const INLINE_SUBNETS: &str = "subnet";

/// `azurerm_virtual_network`.
pub fn vnet<I: Instance>(i: &mut I, problems: &mut Vec<Problem>) -> Vnet {
    let resource = i.record(Kind::Vnet, &[]);
    let address_space = i
        .prefixes("address_space", problems)
        .map(|(p, _)| p)
        .unwrap_or_default();
    Vnet {
        resource,
        address_space,
        peerings: Vec::new(),
        location: crate::model::admin::Region::new(super::admin::text(i, "location")),
    }
}

/// One inline `subnet` block of `vnet`: `address_prefix` in provider 3.x, `address_prefixes`
/// in 4.x.
pub fn inline_subnet<S: Instance>(s: &mut S, vnet: &Vnet, problems: &mut Vec<Problem>) -> Subnet {
    // Linked to its VNet by the VNet's address key, the first it is known by.
    let vnet_key = vnet
        .resource
        .keys
        .first()
        .map(String::as_str)
        .unwrap_or_default();
    let resource = s.record(Kind::Subnet, &[]);
    let (v4, v3) = both_prefixes(s, ("address_prefixes", "address_prefix"), problems);
    if let (Form::Written, Some((_, a)), Some((_, b))) = (s.form(), &v4, &v3) {
        problems.push(
            Problem::invalid(
                "an inline subnet sets both `address_prefix` (provider 3.x) and `address_prefixes` (4.x)",
                a.to(*b),
            )
            .with_resource(vnet.resource.address.clone()),
        );
    }
    let prefixes = concat(v4, v3);
    let nsg = s.link("security_group", Kind::Nsg).and_then(|(_, l)| l);
    Subnet {
        resource,
        vnet: Link::Key(Spanned::new(vnet_key.to_string(), s.span())),
        prefixes,
        nsg,
    }
}

/// `azurerm_subnet`.
pub fn subnet<I: Instance>(i: &mut I, problems: &mut Vec<Problem>) -> Subnet {
    let resource = i.record(Kind::Subnet, &["virtual_network_name"]);
    let vnet = i.name_link("virtual_network_name", Kind::Vnet);
    let (v4, legacy) = both_prefixes(i, ("address_prefixes", "address_prefix"), problems);
    if let (Form::Written, Some((_, at))) = (i.form(), &legacy) {
        problems.push(
            Problem::invalid(
                "`address_prefix` was removed from azurerm_subnet in provider 3.0: use `address_prefixes`",
                *at,
            )
            .with_resource(i.address().to_string()),
        );
    }
    let prefixes = concat(v4, legacy);
    Subnet {
        resource,
        vnet,
        prefixes,
        nsg: subnet_nsg(i, problems),
    }
}

/// A subnet's own NSG argument: the write-only `network_security_group_id_wo`, or the
/// `network_security_group_id` removed in provider 2.0 (still evaluated as associated). The
/// association resources are the usual way.
fn subnet_nsg<I: Instance>(i: &mut I, problems: &mut Vec<Problem>) -> Option<Link<NsgId>> {
    let wo = i.link("network_security_group_id_wo", Kind::Nsg);
    let legacy = i.link("network_security_group_id", Kind::Nsg);
    if let (Form::Written, Some((at, _))) = (i.form(), &legacy) {
        problems.push(
            Problem::warning(
                "`network_security_group_id` on azurerm_subnet was removed in provider 2.0; use azurerm_subnet_network_security_group_association (evaluated as associated)",
                *at,
            )
            .with_resource(i.address().to_string()),
        );
    }
    wo.and_then(|(_, l)| l)
        .or_else(|| legacy.and_then(|(_, l)| l))
}

type Prefixes = Option<(Vec<Field<IpNet>>, Span)>;

/// The prefix arguments of two provider versions (`address_prefixes`, `address_prefix`). A
/// configuration as written keeps every prefix it sets (setting both is reported); a plan shows
/// both attributes with the same value under providers that had both, so there the legacy one
/// is read only when the current one is empty.
fn both_prefixes<I: Instance>(
    i: &mut I,
    (current, legacy): (&'static str, &'static str),
    problems: &mut Vec<Problem>,
) -> (Prefixes, Prefixes) {
    let first = i.prefixes(current, problems);
    let has_first = first.as_ref().is_some_and(|(p, _)| !p.is_empty());
    let second = match i.form() {
        Form::Planned if has_first => None,
        _ => i.prefixes(legacy, problems),
    };
    (first, second)
}

fn concat(first: Prefixes, second: Prefixes) -> Vec<Field<IpNet>> {
    first
        .into_iter()
        .chain(second)
        .flat_map(|(p, _)| p)
        .collect()
}
