//! Link keys (see `frontend/mod.rs`): name pairs, literal Azure ids, and turning a value
//! written in an id or name field into the key of the resource it names.
//!
//! A literal Azure id names its resource by resource group and names, so it is turned into the
//! *name-pair* key (`name:nsg:<rg>/<name>`), which every resource defined in Terraform carries
//! when its name and resource group are known; Terraform resources never know their full id
//! (the subscription is not in the configuration). The subscription in the literal id is
//! therefore not compared: two same-named resources in one resource group of two
//! subscriptions would be reported as ambiguous by the linker. An id of a shape nsgate does
//! not know stays an `id:<lower-cased id>` key.

use std::collections::BTreeMap;

use super::value::{Value, V};
use crate::model::{Link, Spanned, Unknown};

/// `name:<kind>:<rg>/<name>[/<child>]`.
pub fn name_key(kind: &str, rg: &str, names: &[&str]) -> String {
    format!("name:{kind}:{rg}/{}", names.join("/"))
}

/// The name-pair key a literal Azure resource id stands for, or `id:…` for other shapes.
pub fn id_key(id: &str) -> String {
    parse_id(id).unwrap_or_else(|| format!("id:{}", id.to_ascii_lowercase()))
}

fn parse_id(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.trim_matches('/').split('/').collect();
    let eq = |i: usize, s: &str| parts.get(i).is_some_and(|p| p.eq_ignore_ascii_case(s));
    if !(eq(0, "subscriptions") && eq(2, "resourceGroups") && eq(4, "providers")) {
        return None;
    }
    if !eq(5, "Microsoft.Network") {
        return None;
    }
    let rg = parts.get(3)?;
    let rtype = parts.get(6)?.to_ascii_lowercase();
    let name = parts.get(7)?;
    let kind = match (rtype.as_str(), parts.len()) {
        ("networksecuritygroups", 8) => "nsg",
        ("virtualnetworks", 8) => "vnet",
        ("virtualnetworks", 10) if eq(8, "subnets") => {
            return Some(name_key("subnet", rg, &[name, parts.get(9)?]))
        }
        ("networkinterfaces", 8) => "nic",
        ("applicationsecuritygroups", 8) => "asg",
        _ => return None,
    };
    Some(name_key(kind, rg, &[name]))
}

/// The key of subnet `name` of the VNet whose key is `vnet` (`tf:<address>`): what an inline
/// subnet block is keyed by, what a separate `azurerm_subnet` of that VNet also carries, and
/// what `"${azurerm_virtual_network.x.id}/subnets/NAME"` evaluates to
/// (`Evaluator::template`), so that id links an inline or a separate subnet whose id is known
/// only after apply. `None` when `vnet` is not a Terraform resource key.
pub fn subnet_of_vnet_key(vnet: &str, name: &str) -> Option<String> {
    vnet.starts_with("tf:")
        .then(|| format!("{vnet}.subnet[{name:?}]"))
}

/// Whether a string looks like an Azure resource id.
pub fn looks_like_id(s: &str) -> bool {
    s.trim_start()
        .to_ascii_lowercase()
        .starts_with("/subscriptions/")
}

/// The link a value in an id field (`subnet_id`, `network_security_group_id`…) stands for.
/// `None` when the field is null (not set).
pub fn id_link<Id>(value: &Value, field: &str) -> Option<Link<Id>> {
    if let Some(of) = &value.of {
        return Some(Link::Key(Spanned::new(of.to_string(), value.span)));
    }
    match &value.v {
        V::Null => None,
        V::Str(s) if looks_like_id(s) => Some(Link::Key(Spanned::new(id_key(s), value.span))),
        V::Str(s) => Some(unknown(
            format!("`{field}` = `{s}` is not an Azure resource id"),
            value,
        )),
        V::Unknown(u) => Some(Link::Unknown(Box::new(u.to_model()))),
        _ => Some(unknown(
            format!(
                "`{field}` must be a resource id, not a {}",
                value.type_name()
            ),
            value,
        )),
    }
}

fn unknown<Id>(reason: String, value: &Value) -> Link<Id> {
    Link::Unknown(Box::new(Unknown {
        reason,
        span: value.span,
        origin: None,
    }))
}

/// The link a name field stands for (`network_security_group_name`, `virtual_network_name`):
/// the resource the name was read from (`azurerm_network_security_group.x.name`), else the
/// name pair with `rg`.
pub fn name_link<Id>(
    name: &Value,
    rg: &Value,
    kind: &str,
    parents: &[&str],
    field: &str,
) -> Link<Id> {
    if let Some(of) = &name.of {
        return Link::Key(Spanned::new(of.to_string(), name.span));
    }
    let n = match name.to_text(field) {
        Ok(n) => n,
        Err(u) => return unknown_of(&u, field),
    };
    let r = match rg.to_text("resource_group_name") {
        Ok(r) => r,
        Err(u) => return unknown_of(&u, "resource_group_name"),
    };
    let mut names: Vec<&str> = parents.to_vec();
    names.push(&n);
    Link::Key(Spanned::new(name_key(kind, &r, &names), name.span))
}

fn unknown_of<Id>(v: &Value, field: &str) -> Link<Id> {
    match v.unk() {
        Some(u) => Link::Unknown(Box::new(u.to_model())),
        None => Link::Unknown(Box::new(Unknown {
            reason: format!("`{field}` is not set"),
            span: v.span,
            origin: None,
        })),
    }
}

/// The key of the resource a data source reads, from its arguments.
pub fn data_source_key(rtype: &str, args: &BTreeMap<String, Value>) -> Option<String> {
    let get = |k: &str| match args.get(k).map(|v| &v.v) {
        Some(V::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    let rg = get("resource_group_name")?;
    let name = get("name")?;
    let kind = match rtype {
        "azurerm_network_security_group" => "nsg",
        "azurerm_virtual_network" => "vnet",
        "azurerm_subnet" => {
            return Some(name_key(
                "subnet",
                rg,
                &[get("virtual_network_name")?, name],
            ))
        }
        "azurerm_network_interface" => "nic",
        "azurerm_application_security_group" => "asg",
        _ => return None,
    };
    Some(name_key(kind, rg, &[name]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_ids_become_name_pairs() {
        assert_eq!(
            id_key("/subscriptions/0000/resourceGroups/rg-cs/providers/Microsoft.Network/networkSecurityGroups/nsg-roles"),
            "name:nsg:rg-cs/nsg-roles"
        );
        assert_eq!(
            id_key("/SUBSCRIPTIONS/0000/resourcegroups/rg/providers/microsoft.network/virtualNetworks/v/subnets/s"),
            "name:subnet:rg/v/s"
        );
        assert_eq!(
            id_key(
                "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
            ),
            "id:/subscriptions/0/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm"
        );
    }
}
