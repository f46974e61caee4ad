//! Unit tests of the plan front end on small inline plans.

use super::*;
use crate::model::{Link, Network, ProblemKind};

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
    // Members are read until both are seen, in any order; the rest is not walked.
    assert!(detect(
        r#"{"resource_changes":[],"x":1,"format_version":"1.2"}"#
    ));
    assert!(detect(
        r#"{"format_version":"1.2","planned_values":{},"resource_changes":[{"#
    ));
    assert!(!detect(r#"[{"format_version":"1.2","planned_values":{}}]"#));
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
    let src = &allow.source.get(0).unwrap();
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

/// One `resource_changes` entry.
fn change(address: &str, actions: &str, after: &str, unknown: &str) -> String {
    let addr = address::Address::parse(address).unwrap();
    format!(
        r#"{{"address": {address:?}, "mode": "{}", "type": "{}", "name": "{}",
            "provider_name": "registry.terraform.io/hashicorp/azurerm",
            "change": {{"actions": {actions}, "before": null, "after": {after}, "after_unknown": {unknown}}}}}"#,
        if addr.mode == address::Mode::Data {
            "data"
        } else {
            "managed"
        },
        addr.rtype,
        addr.name
    )
}

fn plan_with(changes: &[String], root_module: &str) -> String {
    format!(
        r#"{{"format_version": "1.2", "resource_changes": [{}], "configuration": {{"root_module": {root_module}}}}}"#,
        changes.join(",\n")
    )
}

const RULE: &str = r#"{"name": "AllowAll", "priority": 100, "direction": "Inbound", "access": "Allow",
  "protocol": "*", "description": "", "source_address_prefix": "*", "source_address_prefixes": [],
  "source_application_security_group_ids": [], "source_port_range": "*", "source_port_ranges": [],
  "destination_address_prefix": "*", "destination_address_prefixes": [],
  "destination_application_security_group_ids": [], "destination_port_range": "*",
  "destination_port_ranges": []}"#;

#[test]
fn planned_values_and_prior_state_fill_in_what_has_no_change() {
    let text = r#"{"format_version": "0.1",
      "planned_values": {"root_module": {"child_modules": [{"address": "module.m", "resources": [
        {"address": "module.m.azurerm_network_security_group.a", "mode": "managed",
         "type": "azurerm_network_security_group", "name": "a",
         "values": {"name": "nsg-a", "resource_group_name": "rg", "security_rule": []}}]}]}},
      "prior_state": {"format_version": "0.1", "values": {"root_module": {"resources": [
        {"address": "data.azurerm_subnet.existing", "mode": "data", "type": "azurerm_subnet", "name": "existing",
         "values": {"id": "/subscriptions/s/resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/v/subnets/existing",
                    "name": "existing", "resource_group_name": "rg", "virtual_network_name": "v",
                    "address_prefixes": ["10.9.0.0/24"],
                    "network_security_group_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-old"}}]}}}
    }"#;
    let (out, _) = load_str(text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let n = &out.network;
    assert_eq!(
        n.nsgs[0].resource.address,
        "module.m.azurerm_network_security_group.a"
    );
    assert_eq!(n.subnets[0].resource.name.value, "existing");
    assert!(n.subnets[0]
        .resource
        .keys
        .iter()
        .any(|k| k.starts_with("id:/subscriptions/s/resourcegroups/rg/")));
    // A data source reports the live association.
    match &n.subnets[0].nsg {
        Some(Link::Key(k)) => assert!(k.value.ends_with("networksecuritygroups/nsg-old")),
        other => panic!("{other:?}"),
    }
}

/// Entries are prepared in parallel a batch at a time (two in tests) and applied in order:
/// the model lists instances in the plan's order, each once, with every note.
#[test]
fn instances_are_lowered_once_in_plan_order_across_batches() {
    let nsg = |i: usize| {
        change(
            &format!("azurerm_network_security_group.n{i}"),
            r#"["create"]"#,
            &format!(
                r#"{{"name": "nsg-{i}", "resource_group_name": "rg", "security_rule": [{RULE}]}}"#
            ),
            "{}",
        )
    };
    let mut changes: Vec<String> = (0..5).map(nsg).collect();
    changes.insert(
        2,
        r#"{"address": "not an address", "change": {}}"#.to_string(),
    );
    changes.insert(
        4,
        change(
            "azurerm_network_security_group.gone",
            r#"["delete"]"#,
            "null",
            "{}",
        ),
    );
    changes.push(nsg(0)); // listed twice: lowered twice, as Terraform would never write it
    let value = |name: &str| {
        format!(
            r#"{{"address": "azurerm_network_security_group.{name}", "mode": "managed",
                "type": "azurerm_network_security_group", "name": "{name}",
                "values": {{"name": "{name}", "resource_group_name": "rg", "security_rule": []}}}}"#
        )
    };
    // planned_values repeats changed instances (skipped) and adds one, three times (added
    // once: a repeat in the same batch, then in a later one).
    let values = ["extra", "extra", "n1", "extra", "n4"].map(value).join(",");
    let text = format!(
        r#"{{"format_version": "1.2", "resource_changes": [{}],
            "planned_values": {{"root_module": {{"resources": [{values}]}}}}}}"#,
        changes.join(",")
    );
    let (out, _) = load_str(&text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let names: Vec<&str> = out
        .network
        .nsgs
        .iter()
        .map(|n| n.resource.name.value.as_str())
        .collect();
    assert_eq!(
        names,
        ["nsg-0", "nsg-1", "nsg-2", "nsg-3", "nsg-4", "nsg-0", "extra"]
    );
    assert!(out.network.nsgs.iter().take(5).all(|n| n.rules.len() == 1));
    let notes: Vec<&str> = out
        .network
        .problems
        .iter()
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("`not an address` cannot be read"));
}

#[test]
fn a_wholly_unknown_rule_set_is_an_unknown_rule_when_configured_and_a_note_when_not() {
    let unknown = r#"{"id": true, "security_rule": true}"#;
    let after = r#"{"name": "n", "resource_group_name": "rg"}"#;
    let text = plan_with(
        &[
            change(
                "azurerm_network_security_group.configured",
                r#"["create"]"#,
                after,
                unknown,
            ),
            change(
                "azurerm_network_security_group.bare",
                r#"["create"]"#,
                after,
                unknown,
            ),
        ],
        r#"{"resources": [
          {"address": "azurerm_network_security_group.configured", "mode": "managed", "type": "azurerm_network_security_group", "name": "configured",
           "expressions": {"security_rule": {"references": ["local.rules"]}}},
          {"address": "azurerm_network_security_group.bare", "mode": "managed", "type": "azurerm_network_security_group", "name": "bare",
           "expressions": {"name": {"constant_value": "n"}}}]}"#,
    );
    let (out, _) = load_str(&text);
    let n = &out.network;
    let configured = &n.nsgs[0];
    assert_eq!(configured.rules.len(), 1);
    let r = &configured.rules[0];
    assert!(r
        .priority
        .value
        .as_unknown()
        .unwrap()
        .reason
        .contains("security_rule"));
    assert!(r.direction.value.as_unknown().is_some());
    assert!(n.nsgs[1].rules.is_empty());
    assert!(n.problems.iter().any(|p| p.kind == ProblemKind::Note
        && p.message.contains("azurerm_network_security_group.bare")));
}

#[test]
fn module_instances_pair_through_each_key_of_the_module_call() {
    let assoc_unknown = r#"{"id": true, "network_security_group_id": true, "subnet_id": true}"#;
    let subnet = |k: &str| {
        change(
            &format!(r#"azurerm_subnet.s["{k}"]"#),
            r#"["create"]"#,
            &format!(
                r#"{{"name": "{k}", "resource_group_name": "rg", "virtual_network_name": "v", "address_prefixes": ["10.0.{}.0/24"]}}"#,
                if k == "a" { 1 } else { 2 }
            ),
            r#"{"id": true}"#,
        )
    };
    let text = plan_with(
        &[
            subnet("a"),
            subnet("b"),
            change(
                r#"module.bind["b"].azurerm_network_security_group.this"#,
                r#"["create"]"#,
                r#"{"name": "nsg-b", "resource_group_name": "rg", "security_rule": []}"#,
                r#"{"id": true}"#,
            ),
            change(
                r#"module.bind["b"].azurerm_subnet_network_security_group_association.this"#,
                r#"["create"]"#,
                r#"{}"#,
                assoc_unknown,
            ),
        ],
        r#"{"resources": [
            {"address": "azurerm_subnet.s", "mode": "managed", "type": "azurerm_subnet", "name": "s",
             "expressions": {}, "for_each_expression": {"references": ["var.subnets"]}}],
           "module_calls": {"bind": {"source": "./bind", "for_each_expression": {"references": ["var.subnets"]},
             "expressions": {"subnet_id": {"references": ["azurerm_subnet.s", "each.key"]}},
             "module": {"resources": [
               {"address": "azurerm_network_security_group.this", "mode": "managed", "type": "azurerm_network_security_group", "name": "this", "expressions": {"security_rule": {"constant_value": []}}},
               {"address": "azurerm_subnet_network_security_group_association.this", "mode": "managed",
                "type": "azurerm_subnet_network_security_group_association", "name": "this",
                "expressions": {"subnet_id": {"references": ["var.subnet_id"]},
                                "network_security_group_id": {"references": ["azurerm_network_security_group.this.id", "azurerm_network_security_group.this"]}}}]}}}}"#,
    );
    let (net, _) = linked(&text);
    let b = net
        .subnets
        .iter()
        .find(|s| s.resource.name.value == "b")
        .unwrap();
    let nsg = b.nsg.as_ref().unwrap().resolved().expect("linked");
    assert_eq!(
        net.nsgs[nsg.0].resource.address,
        r#"module.bind["b"].azurerm_network_security_group.this"#
    );
    let a = net
        .subnets
        .iter()
        .find(|s| s.resource.name.value == "a")
        .unwrap();
    assert!(a.nsg.is_none());
}

#[test]
fn inline_vnet_subnets_link_their_security_group_and_mirrors_do_not_double() {
    let nsg_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-x";
    let vnet_after = format!(
        r#"{{"name": "v", "resource_group_name": "rg", "address_space": ["10.0.0.0/16"], "subnet": [
            {{"name": "inline", "address_prefixes": ["10.0.1.0/24"], "security_group": "{nsg_id}", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/inline"}},
            {{"name": "separate", "address_prefixes": ["10.0.2.0/24"], "security_group": "", "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/separate"}}]}}"#
    );
    let text = plan_with(
        &[
            change(
                "azurerm_virtual_network.v",
                r#"["no-op"]"#,
                &vnet_after,
                "{}",
            ),
            change(
                "azurerm_subnet.separate",
                r#"["no-op"]"#,
                r#"{"name": "separate", "resource_group_name": "rg", "virtual_network_name": "v", "address_prefixes": ["10.0.2.0/24"], "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/separate"}"#,
                "{}",
            ),
            change(
                "azurerm_network_security_group.x",
                r#"["no-op"]"#,
                &format!(
                    r#"{{"name": "nsg-x", "resource_group_name": "rg", "security_rule": [{RULE}], "id": "{nsg_id}"}}"#
                ),
                "{}",
            ),
        ],
        r#"{"resources": [
            {"address": "azurerm_virtual_network.v", "mode": "managed", "type": "azurerm_virtual_network", "name": "v", "expressions": {}},
            {"address": "azurerm_network_security_group.x", "mode": "managed", "type": "azurerm_network_security_group", "name": "x", "expressions": {"security_rule": {"constant_value": []}}}]}"#,
    );
    let (net, _) = linked(&text);
    let names: Vec<&str> = net
        .subnets
        .iter()
        .map(|s| s.resource.name.value.as_str())
        .collect();
    assert_eq!(names, vec!["inline", "separate"]);
    assert!(net.subnets[0].nsg.as_ref().unwrap().resolved().is_some());
    assert!(net.subnets[0].vnet.resolved().is_some());
    assert!(
        !net.problems
            .iter()
            .any(|p| p.kind == ProblemKind::Ambiguous),
        "{:?}",
        net.problems
    );
}

#[test]
fn asgs_peerings_and_standalone_rules_through_references() {
    let text = plan_with(
        &[
            change(
                "azurerm_application_security_group.web",
                r#"["create"]"#,
                r#"{"name": "asg-web", "resource_group_name": "rg"}"#,
                r#"{"id": true}"#,
            ),
            change(
                "azurerm_network_security_group.n",
                r#"["create"]"#,
                r#"{"name": "nsg", "resource_group_name": "rg"}"#,
                r#"{"id": true, "security_rule": true}"#,
            ),
            change(
                "azurerm_network_security_rule.r",
                r#"["create"]"#,
                r#"{"name": "AllowWeb", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                      "source_address_prefix": "*", "source_port_range": "*", "destination_port_range": "443",
                      "destination_address_prefix": null, "resource_group_name": "rg"}"#,
                r#"{"id": true, "network_security_group_name": true, "destination_application_security_group_ids": true}"#,
            ),
            change(
                "azurerm_virtual_network.a",
                r#"["create"]"#,
                r#"{"name": "a", "resource_group_name": "rg", "address_space": ["10.0.0.0/16"]}"#,
                r#"{"id": true}"#,
            ),
            change(
                "azurerm_virtual_network.b",
                r#"["create"]"#,
                r#"{"name": "b", "resource_group_name": "rg", "address_space": ["10.1.0.0/16"]}"#,
                r#"{"id": true}"#,
            ),
            change(
                "azurerm_virtual_network_peering.ab",
                r#"["create"]"#,
                r#"{"name": "ab", "resource_group_name": "rg", "virtual_network_name": "a"}"#,
                r#"{"id": true, "remote_virtual_network_id": true}"#,
            ),
            change(
                "azurerm_virtual_network_peering.lost",
                r#"["create"]"#,
                r#"{"name": "x", "resource_group_name": "rg", "virtual_network_name": "nope"}"#,
                r#"{"id": true, "remote_virtual_network_id": true}"#,
            ),
        ],
        r#"{"resources": [
            {"address": "azurerm_network_security_group.n", "mode": "managed", "type": "azurerm_network_security_group", "name": "n", "expressions": {}},
            {"address": "azurerm_network_security_rule.r", "mode": "managed", "type": "azurerm_network_security_rule", "name": "r", "expressions": {
               "network_security_group_name": {"references": ["azurerm_network_security_group.n.name", "azurerm_network_security_group.n"]},
               "destination_application_security_group_ids": {"references": ["azurerm_application_security_group.web.id", "azurerm_application_security_group.web"]}}},
            {"address": "azurerm_virtual_network_peering.ab", "mode": "managed", "type": "azurerm_virtual_network_peering", "name": "ab", "expressions": {
               "remote_virtual_network_id": {"references": ["azurerm_virtual_network.b.id", "azurerm_virtual_network.b"]}}}]}"#,
    );
    let (net, _) = linked(&text);
    let nsg = &net.nsgs[0];
    assert_eq!(nsg.rules.len(), 1);
    let dst = &nsg.rules[0].destination.get(0).unwrap();
    match &dst.value {
        crate::model::Val::Known(crate::model::AddressItem::Asg(link)) => {
            assert_eq!(link.resolved(), Some(crate::model::AsgId(0)))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(net.vnets[0].peerings.len(), 1);
    assert_eq!(
        net.vnets[0].peerings[0].resolved(),
        Some(crate::model::VnetId(1))
    );
    assert!(net
        .problems
        .iter()
        .any(|p| p.message.contains("azurerm_virtual_network_peering.lost")));
}

#[test]
fn bad_addresses_deposed_objects_and_plan_notes() {
    let text = r#"{"format_version": "1.2", "errored": true, "complete": false, "resource_changes": [
      {"address": "azurerm_network_security_group.n[", "mode": "managed", "type": "azurerm_network_security_group", "name": "n",
       "change": {"actions": ["create"], "after": {}, "after_unknown": {}}},
      {"address": "azurerm_network_security_group.d", "deposed": "00000001", "mode": "managed",
       "type": "azurerm_network_security_group", "name": "d",
       "change": {"actions": ["delete"], "before": {"name": "d"}, "after": null, "after_unknown": {}}},
      {"address": "azurerm_network_security_group.d", "mode": "managed", "type": "azurerm_network_security_group", "name": "d",
       "change": {"actions": ["create"], "after": {"name": "d", "resource_group_name": "rg", "security_rule": []}, "after_unknown": {}}}
    ]}"#;
    let (refused, _) = load_str(text);
    assert_eq!(refused.errors.len(), 1, "an errored plan is an input error");
    assert!(refused.errors[0].message.contains("errored"));
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    let allow = LoadOptions {
        allow_incomplete_plan: true,
        ..LoadOptions::default()
    };
    load_text("plan.json", text, &allow, &mut sources, &mut out);
    assert!(out.errors.is_empty());
    let n = &out.network;
    assert_eq!(n.nsgs.len(), 1);
    assert!(n
        .problems
        .iter()
        .any(|p| p.message.contains("cannot be read")));
    for gap in ["errored", "incomplete"] {
        assert!(n.problems.iter().any(|p| p.message.contains(gap)
            && p.kind == crate::model::ProblemKind::Unresolved
            && p.severity == crate::model::Severity::Error));
    }
}

#[test]
fn not_a_plan_is_an_input_error() {
    for text in [
        "[]",
        r#"{"format_version": "1.0", "values": {}}"#,
        r#"{"resource_changes": []}"#,
    ] {
        let (out, _) = load_str(text);
        assert_eq!(out.errors.len(), 1, "{text}");
    }
}

#[test]
fn detection_never_panics_on_fragments() {
    let whole =
        r#"{"format_version":"1.2","resource_changes":[{"address":"a\"b","x":[1,{"y":"\\"}]}]}"#;
    assert!(detect(whole));
    for end in 0..whole.len() {
        let _ = detect(&whole[..end]);
    }
    assert!(detect(
        "\u{feff} {\"format_version\": \"1.2\", \"planned_values\": {"
    ));
}

#[test]
fn format_version_may_be_a_bare_number() {
    let (out, _) = load_str(r#"{"format_version": 1.0, "planned_values": {}}"#);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let (out, _) = load_str(r#"{"format_version": 3, "planned_values": {}}"#);
    assert_eq!(out.errors.len(), 1);
}

/// An azapi subnet whose NSG id is known after apply, with the body's configuration
/// referring to `refs`.
fn azapi_subnet_plan(refs: &str) -> String {
    let subnet = change(
        "azapi_resource.subnet",
        r#"["create"]"#,
        r#"{"type": "Microsoft.Network/virtualNetworks/subnets@2024-05-01", "name": "snet",
            "parent_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet",
            "body": {"properties": {"addressPrefix": "10.0.1.0/24", "networkSecurityGroup": {}}}}"#,
        r#"{"id": true, "body": {"properties": {"networkSecurityGroup": {"id": true}}}}"#,
    );
    let nsg = |name: &str| {
        change(
            &format!("azapi_resource.{name}"),
            r#"["create"]"#,
            r#"{"type": "Microsoft.Network/networkSecurityGroups@2024-05-01", "name": "nsg",
                "parent_id": "/subscriptions/s/resourceGroups/rg", "body": {"properties": {}}}"#,
            r#"{"id": true}"#,
        )
    };
    plan_with(
        &[subnet, nsg("a"), nsg("b")],
        &format!(
            r#"{{"resources": [{{"address": "azapi_resource.subnet", "mode": "managed",
                "type": "azapi_resource", "name": "subnet",
                "expressions": {{"body": {{"references": {refs}}}}}}}]}}"#
        ),
    )
}

#[test]
fn azapi_body_ids_link_through_the_one_resource_the_body_refers_to() {
    let (n, _) = linked(&azapi_subnet_plan(
        r#"["azapi_resource.a.id", "azapi_resource.a"]"#,
    ));
    let subnet = &n.subnets[0];
    assert_eq!(subnet.resource.name.value, "snet");
    let nsg = subnet.nsg.as_ref().and_then(Link::resolved).unwrap();
    assert_eq!(n.nsgs[nsg.0].resource.address, "azapi_resource.a");
}

#[test]
fn azapi_body_ids_with_several_candidates_stay_unknown() {
    let (n, _) = linked(&azapi_subnet_plan(
        r#"["azapi_resource.a.id", "azapi_resource.a", "azapi_resource.b.id", "azapi_resource.b"]"#,
    ));
    match n.subnets[0].nsg.as_ref().unwrap() {
        Link::Unknown(u) => assert!(u.reason.contains("2 candidates"), "{}", u.reason),
        other => panic!("expected an unknown link, got {other:?}"),
    }
}
