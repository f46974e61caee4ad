//! Unit tests of the plan front end on small inline plans.

use super::*;
use crate::model::{Link, Network};

fn load_str(text: &str) -> (Loaded, Sources) {
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    load_text(
        "plan.json",
        text,
        &LoadOptions::default(),
        &mut sources,
        &mut out,
    );
    (out, sources)
}

fn linked(text: &str) -> (Network, Sources) {
    let (out, sources) = load_str(text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    (crate::model::link::link(out.network), sources)
}

#[test]
fn detection_by_content() {
    assert!(detect(r#"{"format_version":"1.2","resource_changes":[]}"#));
    assert!(detect(r#"{"format_version":"0.1","planned_values":{}}"#));
    assert!(!detect(r#"{"format_version":"1.0","values":{}}"#));
    assert!(!detect(r#"{"$schema":"x","resources":[]}"#));
    assert!(!detect("not json"));
}

#[test]
fn unsupported_major_is_an_input_error() {
    let (out, _) = load_str(r#"{"format_version":"2.0","resource_changes":[]}"#);
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].message.contains("format_version `2.0`"));
    assert!(out.errors[0].span.is_some());
}

#[test]
fn malformed_json_is_an_input_error_with_offset() {
    let (out, _) = load_str(r#"{"format_version":"1.2","resource_changes":[}"#);
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].message.contains("malformed"));
    assert_eq!(out.inputs.len(), 1);
}

#[test]
fn first_deploy_links_through_references() {
    let text = r#"{
  "format_version": "1.2",
  "resource_changes": [
    {"address": "azurerm_subnet.roles", "mode": "managed", "type": "azurerm_subnet", "name": "roles",
     "change": {"actions": ["create"], "before": null,
       "after": {"name": "roles", "resource_group_name": "rg", "virtual_network_name": "vnet", "address_prefixes": ["10.1.0.0/24"]},
       "after_unknown": {"id": true, "address_prefixes": [false]}}},
    {"address": "azurerm_network_security_group.roles", "mode": "managed", "type": "azurerm_network_security_group", "name": "roles",
     "change": {"actions": ["create"], "before": null,
       "after": {"name": "nsg-roles", "resource_group_name": "rg", "security_rule": [
         {"name": "DenyAll", "priority": 400, "direction": "Inbound", "access": "Deny", "protocol": "*",
          "description": "", "source_address_prefix": "*", "source_address_prefixes": [],
          "source_application_security_group_ids": [], "source_port_range": "*", "source_port_ranges": [],
          "destination_address_prefix": "*", "destination_address_prefixes": [],
          "destination_application_security_group_ids": [], "destination_port_range": "*", "destination_port_ranges": []},
         {"name": "AllowX", "priority": 300, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
          "description": "", "source_address_prefix": null, "source_address_prefixes": [],
          "source_application_security_group_ids": [], "source_port_range": "*", "source_port_ranges": [],
          "destination_address_prefix": "10.1.0.0/24", "destination_address_prefixes": [],
          "destination_application_security_group_ids": [], "destination_port_range": "3389", "destination_port_ranges": []}]},
       "after_unknown": {"id": true, "security_rule": [{}, {"source_address_prefix": true}]}}},
    {"address": "azurerm_subnet_network_security_group_association.roles", "mode": "managed",
     "type": "azurerm_subnet_network_security_group_association", "name": "roles",
     "change": {"actions": ["create"], "before": null, "after": {"timeouts": null},
       "after_unknown": {"id": true, "network_security_group_id": true, "subnet_id": true}}}
  ],
  "configuration": {"root_module": {"resources": [
    {"address": "azurerm_subnet_network_security_group_association.roles", "mode": "managed",
     "type": "azurerm_subnet_network_security_group_association", "name": "roles",
     "expressions": {
       "subnet_id": {"references": ["azurerm_subnet.roles.id", "azurerm_subnet.roles"]},
       "network_security_group_id": {"references": ["azurerm_network_security_group.roles.id", "azurerm_network_security_group.roles"]}}}
  ]}}
}"#;
    let (net, sources) = linked(text);
    assert_eq!(net.subnets.len(), 1);
    assert!(net.subnets[0].nsg.as_ref().unwrap().resolved().is_some());
    let rules = &net.nsgs[0].rules;
    assert_eq!(rules.len(), 2);
    let allow = &rules[1];
    let src = &allow.source.items[0];
    let u = src.value.as_unknown().expect("unknown source");
    assert_eq!(
        u.reason,
        "known after apply: security_rule[1].source_address_prefix"
    );
    assert_eq!(sources.slice(u.span), "null");
    assert_eq!(
        sources.slice(allow.destination_ports.items[0].span),
        "\"3389\""
    );
    assert!(sources
        .slice(allow.span)
        .starts_with("{\"name\": \"AllowX\""));
}

#[test]
fn deletes_and_forgets_are_dropped_replacements_kept() {
    let nsg = |addr: &str, actions: &str| {
        format!(
            r#"{{"address": "azurerm_network_security_group.{addr}", "mode": "managed", "type": "azurerm_network_security_group", "name": "{addr}",
              "change": {{"actions": {actions}, "before": {{"name": "{addr}", "resource_group_name": "rg", "security_rule": []}},
                "after": {}, "after_unknown": {{}}}}}}"#,
            if actions.contains("create") || actions.contains("no-op") {
                format!(r#"{{"name": "{addr}", "resource_group_name": "rg", "security_rule": []}}"#)
            } else {
                "null".to_string()
            }
        )
    };
    let text = format!(
        r#"{{"format_version": "1.2", "resource_changes": [{}, {}, {}, {}]}}"#,
        nsg("gone", r#"["delete"]"#),
        nsg("forgotten", r#"["forget"]"#),
        nsg("replaced", r#"["delete", "create"]"#),
        nsg("kept", r#"["no-op"]"#),
    );
    let (net, _) = linked(&text);
    let names: Vec<&str> = net
        .nsgs
        .iter()
        .map(|n| n.resource.name.value.as_str())
        .collect();
    assert_eq!(names, vec!["replaced", "kept"]);
}

#[test]
fn association_that_cannot_be_linked_is_unknown_not_guessed() {
    let text = r#"{"format_version": "1.2", "resource_changes": [
    {"address": "azurerm_subnet_network_security_group_association.a", "mode": "managed",
     "type": "azurerm_subnet_network_security_group_association", "name": "a",
     "change": {"actions": ["create"], "before": null, "after": {"timeouts": null},
       "after_unknown": {"id": true, "network_security_group_id": true, "subnet_id": true}}}]}"#;
    let (out, _) = load_str(text);
    let a = &out.network.subnet_nsg_associations[0];
    match &a.from {
        Link::Unknown(u) => assert!(u.reason.contains("no configuration"), "{}", u.reason),
        other => panic!("{other:?}"),
    }
}
