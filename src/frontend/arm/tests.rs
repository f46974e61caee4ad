//! End-to-end unit tests of the ARM front end on small inline templates.

use super::*;
use crate::model::{dump::dump, link::link, validate::validate, Link, Network, ProblemKind, Val};

pub(crate) fn run(text: &str, params: Option<&str>) -> (Network, Sources, Vec<InputError>) {
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    load_text(
        "t.json",
        text,
        params.map(|p| ("t.parameters.json", p)),
        &mut sources,
        &mut out,
    );
    let mut net = link(out.network);
    validate(&mut net);
    (net, sources, out.errors)
}

fn dumped(text: &str, params: Option<&str>) -> String {
    let (net, sources, errors) = run(text, params);
    assert!(errors.is_empty(), "{errors:?}");
    dump(&net, &sources)
}

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/// A template with the given parameters, variables and resources (JSON text).
fn tpl(parameters: &str, variables: &str, resources: &str) -> String {
    format!(
        r#"{{ "$schema": "{SCHEMA}", "contentVersion": "1.0.0.0",
  "parameters": {parameters}, "variables": {variables}, "resources": {resources} }}"#
    )
}

const RULE_DENY_ALL: &str = r#"{ "name": "DenyAll", "properties": { "priority": 400, "direction": "Inbound", "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*" } }"#;

#[test]
fn detection_by_schema() {
    assert!(detect(&tpl("{}", "{}", "[]")));
    assert!(detect(
        r#"{"$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"}"#
    ));
    // Without the trailing `#` (seen in the wild) and in another case.
    assert!(detect(
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/DEPLOYMENTTEMPLATE.JSON"}"#
    ));
    assert!(!detect(
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"}"#
    ));
    assert!(!detect(
        r#"{"format_version": "1.2", "planned_values": {}}"#
    ));
    assert!(!detect("param x string // deploymentTemplate.json"));
    assert!(!detect(r#"{"a": "deploymentTemplate.json#"}"#));
    assert!(is_parameters_file(
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {}}"#
    ));
    assert!(!is_parameters_file(&tpl("{}", "{}", "[]")));
}

#[test]
fn comments_and_trailing_commas_are_accepted() {
    let text = format!(
        "// header\n{{ \"$schema\": \"{SCHEMA}\", /* c */ \"resources\": [ {{ \"type\": \"Microsoft.Network/networkSecurityGroups\", \"name\": \"n\", }}, ] }}"
    );
    let (net, _, errors) = run(&text, None);
    assert!(errors.is_empty());
    assert_eq!(net.nsgs.len(), 1);
}

#[test]
fn malformed_json_is_an_input_error_with_a_span() {
    let (_, _, errors) = run("{ \"$schema\": ", None);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].span.is_some());
    let (_, _, errors) = run("[1]", None);
    assert_eq!(errors.len(), 1);
}

#[test]
fn unknown_names_still_link_by_symbol() {
    let text = tpl(
        r#"{ "base": { "type": "string" } }"#,
        r#"{ "nsgName": "[concat(parameters('base'), '-nsg')]" }"#,
        r#"[
      { "type": "Microsoft.Network/networkSecurityGroups", "name": "[variables('nsgName')]" },
      { "type": "Microsoft.Network/virtualNetworks", "name": "[format('{0}-vnet', parameters('base'))]",
        "properties": { "addressSpace": { "addressPrefixes": ["10.1.0.0/16"] },
          "subnets": [ { "name": "roles", "properties": { "addressPrefix": "10.1.0.0/24",
            "networkSecurityGroup": { "id": "[resourceId('Microsoft.Network/networkSecurityGroups', format('{0}-nsg', parameters('base')))]" } } } ] } }
    ]"#,
    );
    let (net, sources, _) = run(&text, None);
    let subnet = &net.subnets[0];
    assert!(
        matches!(subnet.nsg, Some(Link::Resolved(_))),
        "{}",
        dump(&net, &sources)
    );
    assert_eq!(net.nsgs[0].resource.name.value, "{parameters('base')}-nsg");
    assert!(matches!(subnet.vnet, Link::Resolved(_)));
}

#[test]
fn resource_group_name_expressions_mean_the_own_group() {
    let text = tpl(
        "{}",
        "{}",
        r#"[
      { "type": "Microsoft.Network/networkSecurityGroups", "name": "n" },
      { "type": "Microsoft.Network/networkInterfaces", "name": "nic",
        "properties": { "networkSecurityGroup": { "id": "[resourceId(resourceGroup().name, 'Microsoft.Network/networkSecurityGroups', 'n')]" },
          "ipConfigurations": [] } },
      { "type": "Microsoft.Network/networkInterfaces", "name": "nic2",
        "properties": { "networkSecurityGroup": { "id": "[resourceId('other-rg', 'Microsoft.Network/networkSecurityGroups', 'n')]" } } }
    ]"#,
    );
    let (net, _, _) = run(&text, None);
    assert!(matches!(net.nics[0].nsg, Some(Link::Resolved(_))));
    match &net.nics[1].nsg {
        Some(Link::Unknown(u)) => assert!(u.reason.contains("not defined"), "{}", u.reason),
        other => panic!("{other:?}"),
    }
}

#[test]
fn property_copy_builds_rules_from_a_parameter() {
    let text = tpl(
        r#"{ "rules": { "type": "array", "defaultValue": [
            { "name": "A", "priority": 100, "port": "22" },
            { "name": "B", "priority": 110, "port": "3389" } ] } }"#,
        "{}",
        r#"[ { "type": "Microsoft.Network/networkSecurityGroups", "name": "n",
      "properties": { "copy": [ { "name": "securityRules", "count": "[length(parameters('rules'))]",
        "input": { "name": "[parameters('rules')[copyIndex('securityRules')].name]",
          "properties": { "priority": "[parameters('rules')[copyIndex('securityRules')].priority]",
            "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
            "destinationPortRange": "[parameters('rules')[copyIndex('securityRules')].port]" } } } ] } } ]"#,
    );
    let (net, sources, _) = run(&text, None);
    let rules = &net.nsgs[0].rules;
    assert_eq!(rules.len(), 2, "{}", dump(&net, &sources));
    assert_eq!(rules[1].name.value, "B");
    assert_eq!(rules[1].priority(), Some(110));
    // The field points at the expression that produced it.
    assert!(sources.slice(rules[1].priority.span).contains("priority]"));
}

#[test]
fn variable_copy_and_resource_copy() {
    let text = tpl(
        r#"{ "names": { "type": "array", "defaultValue": ["a", "b", "c"] } }"#,
        r#"{ "copy": [ { "name": "rules", "count": 2, "input": {
            "name": "[concat('R', copyIndex('rules', 1))]",
            "properties": { "priority": "[add(100, copyIndex('rules'))]", "direction": "Inbound",
              "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*",
              "destinationAddressPrefix": "*", "destinationPortRange": "*" } } } ] }"#,
        r#"[ { "type": "Microsoft.Network/networkSecurityGroups",
      "name": "[concat('nsg-', parameters('names')[copyIndex()])]",
      "copy": { "name": "nsgLoop", "count": "[length(parameters('names'))]" },
      "properties": { "securityRules": "[variables('rules')]" } } ]"#,
    );
    let (net, sources, _) = run(&text, None);
    assert_eq!(net.nsgs.len(), 3, "{}", dump(&net, &sources));
    assert_eq!(net.nsgs[2].resource.name.value, "nsg-c");
    let names: Vec<_> = net.nsgs[0]
        .rules
        .iter()
        .map(|r| r.name.value.clone())
        .collect();
    assert_eq!(names, ["R1", "R2"]);
    assert_eq!(net.nsgs[0].rules[1].priority(), Some(101));
}

#[test]
fn unknown_copy_count_evaluates_one_representative_and_says_so() {
    let text = tpl(
        r#"{ "n": { "type": "int" } }"#,
        "{}",
        r#"[ { "type": "Microsoft.Network/networkSecurityGroups",
      "name": "[concat('nsg-', copyIndex())]", "copy": { "name": "l", "count": "[parameters('n')]" } } ]"#,
    );
    let (net, _, _) = run(&text, None);
    assert_eq!(net.nsgs.len(), 1);
    assert!(net.problems.iter().any(|p| p
        .message
        .contains("number of copies of this resource is unknown")));
}

#[test]
fn unknown_rule_list_gives_a_rule_of_unknowns_not_an_empty_nsg() {
    let text = tpl(
        r#"{ "rules": { "type": "array" } }"#,
        "{}",
        r#"[ { "type": "Microsoft.Network/networkSecurityGroups", "name": "n",
      "properties": { "securityRules": "[parameters('rules')]" } } ]"#,
    );
    let (net, _, _) = run(&text, None);
    let rule = &net.nsgs[0].rules[0];
    assert!(rule.priority.value.as_unknown().is_some());
    assert!(rule.access.value.as_unknown().is_some());
    assert!(rule.source.get(0).unwrap().value.as_unknown().is_some());
    // Placeholder rules raise no validation problems of their own.
    assert!(net.problems.is_empty(), "{:?}", net.problems);
}

#[test]
fn parameters_file_overrides_defaults_and_keeps_its_spans() {
    let text = tpl(
        r#"{ "src": { "type": "string", "defaultValue": "10.0.0.0/8" } }"#,
        "{}",
        r#"[ { "type": "Microsoft.Network/networkSecurityGroups", "name": "n",
      "properties": { "securityRules": [ { "name": "A", "properties": { "priority": 100,
        "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "[parameters('src')]", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": "22" } } ] } } ]"#,
    );
    let params = r#"{ "parameters": { "src": { "value": "192.168.0.0/16" } } }"#;
    let d = dumped(&text, Some(params));
    assert!(d.contains("192.168.0.0/16:*"), "{d}");
    let d = dumped(&text, None);
    assert!(d.contains("10.0.0.0/8:*"), "{d}");
}

#[test]
fn runtime_values_are_unknown_with_reasons() {
    let text = tpl(
        "{}",
        "{}",
        r#"[ { "type": "Microsoft.Network/networkSecurityGroups", "name": "n",
      "location": "[resourceGroup().location]", "tags": "[reference('x').tags]",
      "properties": { "securityRules": [ { "name": "A", "properties": { "priority": 100,
        "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'pip')).ipAddress]",
        "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "[string(uniqueString('a'))]" } } ] } } ]"#,
    );
    let (net, _, _) = run(&text, None);
    let rule = &net.nsgs[0].rules[0];
    match &rule.source.get(0).unwrap().value {
        Val::Unknown(u) => assert!(u.reason.contains("reference()"), "{}", u.reason),
        other => panic!("{other:?}"),
    }
    match &rule.destination_ports.items[0].value {
        Val::Unknown(u) => assert!(u.reason.contains("uniqueString"), "{}", u.reason),
        other => panic!("{other:?}"),
    }
    // Location and tags are never evaluated, so they raise nothing.
    assert!(net.problems.is_empty(), "{:?}", net.problems);
}

#[test]
fn expression_syntax_errors_are_reported_at_the_expression() {
    let text = tpl(
        "{}",
        "{}",
        r#"[ { "type": "Microsoft.Network/networkSecurityGroups", "name": "[concat('a', ]" } ]"#,
    );
    let (net, sources, _) = run(&text, None);
    let p = net
        .problems
        .iter()
        .find(|p| p.message.contains("does not parse"))
        .expect("a parse problem");
    assert_eq!(p.kind, ProblemKind::InvalidField);
    assert_eq!(sources.slice(p.span), "]");
}

#[test]
fn symbolic_layout_with_existing_and_conditions() {
    let text = format!(
        r#"{{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
  "parameters": {{ "deployNic": {{ "type": "bool", "defaultValue": false }} }},
  "resources": {{
    "nsg": {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "n" }},
    "old": {{ "existing": true, "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "old" }},
    "nic": {{ "condition": "[parameters('deployNic')]", "type": "Microsoft.Network/networkInterfaces", "apiVersion": "2024-05-01", "name": "nic" }}
  }} }}"#
    );
    let (net, _, _) = run(&text, None);
    assert_eq!(net.nsgs.len(), 1);
    assert!(net.nsgs[0]
        .resource
        .keys
        .contains(&"arm-sym:nsg".to_string()));
    assert!(net.nics.is_empty());
}

#[test]
fn exponential_variables_stop_at_the_budget() {
    let v1 = vec!["variables('v0')"; 50].join(", ");
    let v2 = vec!["variables('v1')"; 50].join(", ");
    let text = tpl(
        "{}",
        &format!(
            r#"{{ "v0": "[range(0, 10000)]", "v1": "[concat({v1})]", "v2": "[concat({v2})]" }}"#
        ),
        r#"[ { "type": "Microsoft.Network/networkSecurityGroups", "name": "n",
      "properties": { "securityRules": "[variables('v2')]" } } ]"#,
    );
    let (net, _, _) = run(&text, None);
    assert!(net
        .problems
        .iter()
        .any(|p| p.message.contains("nsgate stopped evaluating")));
    assert!(net.nsgs[0].rules[0].priority.value.as_unknown().is_some());
}

#[test]
fn deep_nesting_and_cycles_do_not_overflow() {
    let deep = format!("[{}1{}]", "add(1, ".repeat(60), ")".repeat(60));
    let mut vars = Vec::new();
    for i in 0..400 {
        vars.push(format!(r#""v{i}": "[variables('v{}')]""#, i + 1));
    }
    vars.push(r#""v400": "[variables('v0')]""#.into());
    let text = tpl(
        "{}",
        &format!("{{ {} }}", vars.join(",")),
        &format!(
            r#"[ {{ "type": "Microsoft.Network/networkSecurityGroups", "name": "[string({d})]" }},
               {{ "type": "Microsoft.Network/networkSecurityGroups", "name": "[variables('v0')]" }} ]"#,
            d = deep.trim_start_matches('[').trim_end_matches(']')
        ),
    );
    // Run in a thread with a small stack, like the test harness on other platforms.
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || run(&text, None).0.nsgs.len())
        .unwrap();
    assert_eq!(handle.join().unwrap(), 2);
}

#[test]
fn nested_deployment_inner_scope_passes_parameters_and_outputs() {
    let inner = r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": { "name": { "type": "string" } },
        "resources": [ { "type": "Microsoft.Network/networkSecurityGroups", "name": "[parameters('name')]",
          "properties": { "securityRules": [ DENY ] } } ],
        "outputs": { "id": { "type": "string", "value": "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('name'))]" } } }"#
        .replace("DENY", RULE_DENY_ALL);
    let text = tpl(
        r#"{ "prefix": { "type": "string" } }"#,
        "{}",
        &format!(
            r#"[ {{ "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nsg-module",
          "properties": {{ "mode": "Incremental", "expressionEvaluationOptions": {{ "scope": "inner" }},
            "parameters": {{ "name": {{ "value": "[format('{{0}}-nsg', parameters('prefix'))]" }} }},
            "template": {inner} }} }},
        {{ "type": "Microsoft.Network/networkInterfaces", "name": "nic",
          "properties": {{ "networkSecurityGroup": {{ "id": "[reference(resourceId('Microsoft.Resources/deployments', 'nsg-module')).outputs.id.value]" }},
            "ipConfigurations": [] }} }} ]"#
        ),
    );
    let (net, sources, _) = run(&text, None);
    assert_eq!(net.nsgs.len(), 1);
    assert_eq!(net.nsgs[0].rules.len(), 1);
    assert_eq!(
        net.nsgs[0].resource.name.value,
        "{parameters('prefix')}-nsg"
    );
    assert!(
        matches!(net.nics[0].nsg, Some(Link::Resolved(_))),
        "{}",
        dump(&net, &sources)
    );
}

#[test]
fn user_functions_and_lambdas() {
    let text = format!(
        r#"{{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
  "functions": [ {{ "namespace": "__bicep", "members": {{ "nsgName": {{
      "parameters": [ {{ "type": "string", "name": "base" }} ],
      "output": {{ "type": "string", "value": "[format('{{0}}-nsg', parameters('base'))]" }} }} }} }} ],
  "parameters": {{ "ports": {{ "type": "array", "defaultValue": [22, 3389, 80] }} }},
  "resources": {{ "nsg": {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
    "name": "[__bicep.nsgName('web')]",
    "properties": {{ "securityRules": "[map(filter(parameters('ports'), lambda('p', not(equals(lambdaVariables('p'), 80)))), lambda('p', 'i', createObject('name', format('Deny{{0}}', lambdaVariables('p')), 'properties', createObject('priority', add(100, lambdaVariables('i')), 'direction', 'Inbound', 'access', 'Deny', 'protocol', 'Tcp', 'sourceAddressPrefix', '*', 'sourcePortRange', '*', 'destinationAddressPrefix', '*', 'destinationPortRange', string(lambdaVariables('p'))))))]" }} }} }} }}"#
    );
    let (net, sources, _) = run(&text, None);
    let d = dump(&net, &sources);
    assert_eq!(net.nsgs[0].resource.name.value, "web-nsg", "{d}");
    let names: Vec<_> = net.nsgs[0]
        .rules
        .iter()
        .map(|r| r.name.value.clone())
        .collect();
    assert_eq!(names, ["Deny22", "Deny3389"], "{d}");
}

#[test]
fn nic_ip_configurations_and_asgs() {
    let text = tpl(
        "{}",
        "{}",
        r#"[
      { "type": "Microsoft.Network/applicationSecurityGroups", "name": "web" },
      { "type": "Microsoft.Network/virtualNetworks", "name": "v",
        "properties": { "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] } },
        "resources": [ { "type": "subnets", "name": "s", "properties": { "addressPrefixes": ["10.0.1.0/24"] } } ] },
      { "type": "Microsoft.Network/networkInterfaces", "name": "nic",
        "properties": { "ipConfigurations": [
          { "name": "ip1", "properties": { "privateIPAllocationMethod": "Static", "privateIPAddress": "10.0.1.4",
            "subnet": { "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]" },
            "applicationSecurityGroups": [ { "id": "[resourceId('Microsoft.Network/applicationSecurityGroups', 'web')]" } ] } },
          { "name": "ip2", "properties": { "privateIPAllocationMethod": "Dynamic", "privateIPAddress": "10.0.1.9",
            "privateIPAddressVersion": "IPv6",
            "subnet": { "id": "[concat(resourceId('Microsoft.Network/virtualNetworks', 'v'), '/subnets/s')]" } } } ] } }
    ]"#,
    );
    let d = dumped(&text, None);
    assert!(
        d.contains("ipconfig ip1 subnet=s ip=10.0.1.4 V4 asgs=[web]"),
        "{d}"
    );
    assert!(
        d.contains("ipconfig ip2 subnet=s ip=dynamic V6 asgs=[]"),
        "{d}"
    );
    assert!(
        d.contains(
            "subnet s [Microsoft.Network/virtualNetworks/v/subnets/s] vnet=v prefixes=10.0.1.0/24"
        ),
        "{d}"
    );
}

#[test]
fn bad_values_are_problems_at_the_value() {
    let text = tpl(
        "{}",
        "{}",
        r#"[ { "type": "Microsoft.Network/virtualNetworks", "name": "v",
      "properties": { "addressSpace": { "addressPrefixes": ["10.0.0.1/16", "nope"] },
        "subnets": [ { "name": "s", "properties": { "addressPrefix": "10.0.1.0/24",
          "networkSecurityGroup": { "id": "just-a-name" } } } ] } } ]"#,
    );
    let (net, sources, _) = run(&text, None);
    let spans: Vec<&str> = net.problems.iter().map(|p| sources.slice(p.span)).collect();
    assert!(spans.contains(&"\"10.0.0.1/16\""), "{spans:?}");
    assert!(spans.contains(&"\"nope\""), "{spans:?}");
    assert!(spans.contains(&"\"just-a-name\""), "{spans:?}");
}

#[test]
fn subscription_scope_template_deploys_into_a_named_resource_group() {
    let text = r#"{ "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    { "type": "Microsoft.Resources/resourceGroups", "apiVersion": "2022-09-01", "name": "rg-net", "location": "westeurope" },
    { "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "net", "resourceGroup": "rg-net",
      "properties": { "mode": "Incremental", "expressionEvaluationOptions": { "scope": "inner" },
        "template": { "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "contentVersion": "1.0.0.0",
          "resources": [
            { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "nsg" },
            { "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "vnet",
              "properties": { "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] },
                "subnets": [ { "name": "s", "properties": { "addressPrefix": "10.0.0.0/24",
                  "networkSecurityGroup": { "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]" } } } ] } },
            { "type": "Microsoft.Network/networkInterfaces", "apiVersion": "2024-05-01", "name": "nic",
              "properties": { "networkSecurityGroup": { "id": "[resourceId(resourceGroup().name, 'Microsoft.Network/networkSecurityGroups', 'nsg')]" } } }
          ] } } } ] }"#;
    let (net, sources, _) = run(text, None);
    let d = dump(&net, &sources);
    assert!(matches!(net.subnets[0].nsg, Some(Link::Resolved(_))), "{d}");
    assert!(matches!(net.nics[0].nsg, Some(Link::Resolved(_))), "{d}");
    let keys = &net.nsgs[0].resource.keys;
    assert!(
        keys.contains(&"name:nsg:rg-net/nsg".to_string()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&"arm:@{subscription().subscriptionid}/rg-net/microsoft.network/networksecuritygroups/nsg".to_string()),
        "{keys:?}"
    );
}

#[test]
fn literal_ids_link_across_inputs_by_azure_id() {
    let text = r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [
    { "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d",
      "subscriptionId": "00000000-0000-0000-0000-000000000001", "resourceGroup": "rg1",
      "properties": { "mode": "Incremental", "expressionEvaluationOptions": { "scope": "inner" },
        "template": { "resources": [ { "type": "Microsoft.Network/networkSecurityGroups", "name": "nsg" } ] } } },
    { "type": "Microsoft.Network/networkInterfaces", "name": "nic",
      "properties": { "networkSecurityGroup": { "id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/nsg" } } } ] }"#;
    let (net, _, _) = run(text, None);
    assert!(net.nsgs[0].resource.keys.contains(
        &"id:/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/nsg".to_string()
    ));
    assert!(matches!(net.nics[0].nsg, Some(Link::Resolved(_))));
}

#[test]
fn outer_scope_nested_templates_use_the_parents_parameters() {
    let text = tpl(
        r#"{ "nsgName": { "type": "string", "defaultValue": "outer-nsg" } }"#,
        "{}",
        r#"[ { "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d",
      "properties": { "mode": "Incremental",
        "template": { "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          "parameters": { "nsgName": { "type": "string", "defaultValue": "inner-nsg" } },
          "resources": [ { "type": "Microsoft.Network/networkSecurityGroups", "name": "[parameters('nsgName')]" } ] } } } ]"#,
    );
    let (net, _, _) = run(&text, None);
    assert_eq!(net.nsgs[0].resource.name.value, "outer-nsg");
}

#[test]
fn symbolic_module_outputs_and_resource_info() {
    let text = format!(
        r#"{{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
  "resources": {{
    "nsgModule": {{ "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nsg-mod",
      "properties": {{ "mode": "Incremental", "expressionEvaluationOptions": {{ "scope": "inner" }},
        "template": {{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
          "resources": {{ "nsg": {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "m-nsg" }} }},
          "outputs": {{ "id": {{ "type": "string", "value": "[resourceInfo('nsg').id]" }} }} }} }} }},
    "asg": {{ "type": "Microsoft.Network/applicationSecurityGroups", "apiVersion": "2024-05-01", "name": "asg1" }},
    "nic": {{ "type": "Microsoft.Network/networkInterfaces", "apiVersion": "2024-05-01", "name": "nic",
      "properties": {{ "networkSecurityGroup": {{ "id": "[reference('nsgModule').outputs.id.value]" }},
        "ipConfigurations": [ {{ "name": "ip", "properties": {{
          "applicationSecurityGroups": [ {{ "id": "[resourceInfo('asg').id]" }} ] }} }} ] }} }}
  }} }}"#
    );
    let (net, sources, _) = run(&text, None);
    let d = dump(&net, &sources);
    assert!(matches!(net.nics[0].nsg, Some(Link::Resolved(_))), "{d}");
    assert!(
        net.nics[0].ip_configs[0].asgs[0].resolved().is_some(),
        "{d}"
    );
    assert!(net.nsgs[0]
        .resource
        .keys
        .contains(&"arm-sym:nsg-mod/nsg".to_string()));
}

#[test]
fn linked_templates_are_noted_not_guessed() {
    let text = tpl(
        "{}",
        "{}",
        r#"[ { "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "d",
      "properties": { "mode": "Incremental", "templateLink": { "uri": "https://example.com/t.json" } } } ]"#,
    );
    let (net, _, _) = run(&text, None);
    assert!(net
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Note && p.message.contains("links to a template file")));
}

#[test]
fn reference_to_a_template_resource_by_name() {
    // checkov's ImplicitDepsResources sample: `reference('myNSG', …).id`.
    let text = tpl(
        "{}",
        "{}",
        r#"[ { "type": "Microsoft.Network/networkSecurityGroups", "name": "myNSG" },
      { "type": "Microsoft.Network/virtualNetworks", "name": "v",
        "properties": { "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] },
          "subnets": [ { "name": "s", "properties": { "addressPrefix": "10.0.1.0/24",
            "networkSecurityGroup": { "id": "[reference('myNSG', '2020-06-01').id]" } } } ] } } ]"#,
    );
    let (net, _, _) = run(&text, None);
    assert!(matches!(net.subnets[0].nsg, Some(Link::Resolved(_))));
}

#[test]
fn parameters_file_errors_are_input_errors_for_that_file() {
    let text = tpl(
        r#"{ "p": { "type": "string", "defaultValue": "x" } }"#,
        "{}",
        "[]",
    );
    let (_, sources, errors) = run(&text, Some("{ not json"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].path, "t.parameters.json");
    assert_eq!(
        sources.name(errors[0].span.unwrap().file),
        "t.parameters.json"
    );
    let (_, _, errors) = run(&text, Some(r#"{ "values": {} }"#));
    assert_eq!(errors.len(), 1);
}

#[test]
fn parameters_the_template_does_not_declare_are_reported() {
    let text = tpl(
        r#"{ "p": { "type": "string", "defaultValue": "x" } }"#,
        "{}",
        "[]",
    );
    let (net, _, errors) = run(&text, Some(r#"{ "parameters": { "q": { "value": 1 } } }"#));
    assert!(errors.is_empty());
    assert!(net.problems.iter().any(|p| p.message.contains("`q`")));
}

#[test]
fn a_parameters_file_loaded_as_a_template_is_an_input_error_with_help() {
    let (_, _, errors) = run(
        r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {} }"#,
        None,
    );
    assert_eq!(errors.len(), 1);
    assert!(errors[0].help.is_some());
}

#[test]
fn nullable_parameters_are_null_and_coalesce_works() {
    let text = format!(
        r#"{{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
  "parameters": {{ "rules": {{ "type": "array", "nullable": true }} }},
  "resources": {{ "nsg": {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "n",
    "properties": {{ "copy": [ {{ "name": "securityRules", "count": "[length(coalesce(parameters('rules'), createArray()))]",
      "input": "[coalesce(parameters('rules'), createArray())[copyIndex('securityRules')]]" }} ] }} }} }} }}"#
    );
    let (net, _, _) = run(&text, None);
    assert!(net.nsgs[0].rules.is_empty());
    assert!(net.problems.is_empty(), "{:?}", net.problems);
}

#[test]
fn large_templates_evaluate_fully_within_the_budget() {
    // 20 NSGs in a copy loop, each with 400 rules from a parameter array via a property copy.
    let rules: Vec<String> = (0..400)
        .map(|i| {
            format!(
                r#"{{ "name": "r{i}", "priority": {}, "port": "{}" }}"#,
                100 + i,
                1000 + i
            )
        })
        .collect();
    let text = tpl(
        &format!(
            r#"{{ "rules": {{ "type": "array", "defaultValue": [{}] }} }}"#,
            rules.join(",")
        ),
        "{}",
        r#"[ { "type": "Microsoft.Network/networkSecurityGroups", "name": "[format('nsg{0}', copyIndex())]",
      "copy": { "name": "l", "count": 20 },
      "properties": { "copy": [ { "name": "securityRules", "count": "[length(parameters('rules'))]",
        "input": { "name": "[parameters('rules')[copyIndex('securityRules')].name]",
          "properties": { "priority": "[parameters('rules')[copyIndex('securityRules')].priority]",
            "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
            "destinationPortRange": "[parameters('rules')[copyIndex('securityRules')].port]" } } } ] } } ]"#,
    );
    let (net, _, _) = run(&text, None);
    assert_eq!(net.nsgs.len(), 20);
    assert!(net.nsgs.iter().all(|n| n.rules.len() == 400));
    assert!(net.problems.is_empty(), "{:?}", net.problems.first());
}

/// The shape of the Azure Verified Modules NSG module (compiled Bicep): a nullable typed rules
/// parameter, a property copy with `coalesce`/`tryGet`, and ASG ids mapped with a lambda.
const AVM_STYLE_NSG: &str = r##"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "languageVersion": "2.0", "contentVersion": "1.0.0.0",
  "definitions": { "rulesType": { "type": "array", "items": { "type": "object" }, "nullable": true } },
  "parameters": {
    "name": { "type": "string" },
    "securityRules": { "$ref": "#/definitions/rulesType" },
    "enableTelemetry": { "type": "bool", "defaultValue": true }
  },
  "resources": {
    "telemetry": { "condition": "[parameters('enableTelemetry')]", "type": "Microsoft.Resources/deployments",
      "apiVersion": "2024-03-01", "name": "[format('tel.{0}', substring(uniqueString(deployment().name), 0, 4))]",
      "properties": { "mode": "Incremental", "template": { "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "resources": [] } } },
    "nsg": { "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-11-01", "name": "[parameters('name')]",
      "properties": { "copy": [ { "name": "securityRules",
        "count": "[length(coalesce(parameters('securityRules'), createArray()))]",
        "input": {
          "name": "[coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].name]",
          "properties": {
            "access": "[coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties.access]",
            "description": "[coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'description'), '')]",
            "destinationAddressPrefix": "[coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'destinationAddressPrefix'), '')]",
            "destinationAddressPrefixes": "[coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'destinationAddressPrefixes'), createArray())]",
            "destinationApplicationSecurityGroups": "[map(coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'destinationApplicationSecurityGroupResourceIds'), createArray()), lambda('id', createObject('id', lambdaVariables('id'))))]",
            "destinationPortRange": "[coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'destinationPortRange'), '')]",
            "destinationPortRanges": "[coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'destinationPortRanges'), createArray())]",
            "direction": "[coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties.direction]",
            "priority": "[coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties.priority]",
            "protocol": "[coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties.protocol]",
            "sourceAddressPrefix": "[coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'sourceAddressPrefix'), '')]",
            "sourceAddressPrefixes": "[coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'sourceAddressPrefixes'), createArray())]",
            "sourceApplicationSecurityGroups": "[map(coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'sourceApplicationSecurityGroupResourceIds'), createArray()), lambda('id', createObject('id', lambdaVariables('id'))))]",
            "sourcePortRange": "[coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'sourcePortRange'), '')]",
            "sourcePortRanges": "[coalesce(tryGet(coalesce(parameters('securityRules'), createArray())[copyIndex('securityRules')].properties, 'sourcePortRanges'), createArray())]"
          } } } ] } } },
  "outputs": { "resourceId": { "type": "string", "value": "[resourceId('Microsoft.Network/networkSecurityGroups', parameters('name'))]" } } }"##;

#[test]
fn avm_style_module_without_rules_has_an_empty_rule_list() {
    let (net, _, errors) = run(AVM_STYLE_NSG, None);
    assert!(errors.is_empty());
    assert_eq!(net.nsgs.len(), 1);
    assert!(net.nsgs[0].rules.is_empty());
    assert!(net.problems.is_empty(), "{:?}", net.problems);
}

#[test]
fn avm_style_module_with_rules_from_a_parameters_file() {
    let params = r#"{ "parameters": { "name": { "value": "nsg-roles" }, "securityRules": { "value": [
      { "name": "AllowInstances", "properties": { "access": "Allow", "direction": "Inbound", "priority": 350,
        "protocol": "Tcp", "sourceAddressPrefix": "10.1.0.0/24", "sourcePortRange": "*",
        "destinationAddressPrefix": "10.1.0.0/24", "destinationPortRanges": ["3389", "20000"] } },
      { "name": "AllowWebFromAsg", "properties": { "access": "Allow", "direction": "Inbound", "priority": 360,
        "protocol": "Tcp", "sourceApplicationSecurityGroupResourceIds": [
          "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/web" ],
        "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "443" } } ] } } }"#;
    let d = dumped(AVM_STYLE_NSG, Some(params));
    assert!(
        d.contains(
            "rule AllowInstances 350 Inbound Allow Tcp 10.1.0.0/24:* -> 10.1.0.0/24:3389,20000"
        ),
        "{d}"
    );
    assert!(d.contains("rule AllowWebFromAsg 360 Inbound Allow Tcp asg:<unknown: application security group `id:/subscriptions/"), "{d}");
    // Empty strings and lists from `coalesce(…, '')` mean "not set", so no singular/plural clash.
    assert!(!d.contains("error["), "{d}");
}

/// The shape of the AVM virtual network module: the VNet without inline subnets, and one
/// nested deployment per subnet (a copy loop of deployments) declaring a child subnet.
#[test]
fn avm_style_subnet_modules_in_a_deployment_loop() {
    let text = format!(
        r#"{{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
  "parameters": {{
    "name": {{ "type": "string", "defaultValue": "vnet-cs" }},
    "subnets": {{ "type": "array", "defaultValue": [
      {{ "name": "roles", "addressPrefix": "10.1.0.0/24",
        "networkSecurityGroupResourceId": "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg-roles')]" }},
      {{ "name": "GatewaySubnet", "addressPrefixes": ["10.1.255.0/27"] }} ] }}
  }},
  "resources": {{
    "nsg": {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "nsg-roles" }},
    "virtualNetwork": {{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "[parameters('name')]",
      "properties": {{ "addressSpace": {{ "addressPrefixes": ["10.1.0.0/16"] }} }} }},
    "virtualNetwork_subnets": {{
      "copy": {{ "name": "virtualNetwork_subnets", "count": "[length(coalesce(parameters('subnets'), createArray()))]", "mode": "serial", "batchSize": 1 }},
      "type": "Microsoft.Resources/deployments", "apiVersion": "2025-04-01",
      "name": "[format('{{0}}-subnet-{{1}}', uniqueString(subscription().id, resourceGroup().id, parameters('name')), copyIndex())]",
      "properties": {{ "expressionEvaluationOptions": {{ "scope": "inner" }}, "mode": "Incremental",
        "parameters": {{
          "virtualNetworkName": {{ "value": "[parameters('name')]" }},
          "name": {{ "value": "[coalesce(parameters('subnets'), createArray())[copyIndex()].name]" }},
          "addressPrefix": {{ "value": "[tryGet(coalesce(parameters('subnets'), createArray())[copyIndex()], 'addressPrefix')]" }},
          "addressPrefixes": {{ "value": "[tryGet(coalesce(parameters('subnets'), createArray())[copyIndex()], 'addressPrefixes')]" }},
          "networkSecurityGroupResourceId": {{ "value": "[tryGet(coalesce(parameters('subnets'), createArray())[copyIndex()], 'networkSecurityGroupResourceId')]" }}
        }},
        "template": {{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
          "parameters": {{
            "name": {{ "type": "string" }}, "virtualNetworkName": {{ "type": "string" }},
            "addressPrefix": {{ "type": "string", "nullable": true }},
            "addressPrefixes": {{ "type": "array", "nullable": true }},
            "networkSecurityGroupResourceId": {{ "type": "string", "nullable": true }}
          }},
          "resources": {{
            "virtualNetwork": {{ "existing": true, "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "[parameters('virtualNetworkName')]" }},
            "subnet": {{ "type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2024-05-01",
              "name": "[format('{{0}}/{{1}}', parameters('virtualNetworkName'), parameters('name'))]",
              "properties": {{
                "addressPrefix": "[parameters('addressPrefix')]",
                "addressPrefixes": "[parameters('addressPrefixes')]",
                "networkSecurityGroup": "[if(not(empty(parameters('networkSecurityGroupResourceId'))), createObject('id', parameters('networkSecurityGroupResourceId')), null())]"
              }} }} }} }} }} }} }} }}"#
    );
    let (net, sources, _) = run(&text, None);
    let d = dump(&net, &sources);
    assert_eq!(net.subnets.len(), 2, "{d}");
    assert!(d.contains("subnet roles ["), "{d}");
    assert!(
        d.contains("vnet=vnet-cs prefixes=10.1.0.0/24 nsg=nsg-roles"),
        "{d}"
    );
    assert!(
        d.contains("vnet=vnet-cs prefixes=10.1.255.0/27 nsg=none"),
        "{d}"
    );
    assert!(!d.contains("error["), "{d}");
}

#[test]
fn existing_resources_in_another_group_resolve_to_that_group() {
    let text = format!(
        r#"{{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
  "resources": {{
    "hubNsg": {{ "existing": true, "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
      "resourceGroup": "rg-hub", "name": "nsg-hub" }},
    "nic": {{ "type": "Microsoft.Network/networkInterfaces", "apiVersion": "2024-05-01", "name": "nic",
      "properties": {{ "networkSecurityGroup": {{ "id": "[resourceInfo('hubNsg').id]" }} }} }} }} }}"#
    );
    let (net, _, _) = run(&text, None);
    match &net.nics[0].nsg {
        Some(Link::Unknown(u)) => assert!(
            u.reason
                .contains("/rg-hub/microsoft.network/networksecuritygroups/nsg-hub"),
            "{}",
            u.reason
        ),
        other => panic!("{other:?}"),
    }
}

// ---- large templates are built only where evaluation reads them ---------------------------

/// A template whose `numbers` variable holds `count` integers (the `arm-numbers` shape of
/// `benches/support/adversarial.rs`, small), with an NSG whose rule reads `prefixes`.
fn numbers_template(count: usize, prefixes: &str) -> String {
    let numbers = (0..count)
        .map(|i| (i % 1000).to_string())
        .collect::<Vec<_>>()
        .join(",");
    tpl(
        "{}",
        &format!(r#"{{"numbers": [{numbers}]}}"#),
        &format!(
            r#"[{{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "nsg-n",
      "properties": {{"securityRules": [{{"name": "AllowSsh", "properties": {{"priority": 100, "direction": "Inbound", "access": "Allow",
        "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "22", "sourceAddressPrefixes": {prefixes},
        "destinationAddressPrefix": "*"}}}}]}}}}]"#
        ),
    )
}

/// Load `text` as [`load_files`] does, with an evaluation budget of `limit`; the template's
/// root (to look at what was built), the network and the problems.
fn load_with_budget(text: &str, limit: u64) -> (Node, Network, Vec<crate::model::Problem>, u64) {
    let mut sources = Sources::new();
    let file = sources.add("t.json", text);
    let shared = sources.get(file).map(|f| f.text.clone()).unwrap();
    let root = json::parse_lazy(&shared, true).unwrap();
    let m = eval::Machine::with_budget(file, text, limit);
    let names = template::names(&m, &root, HashMap::new(), String::new());
    let scope = eval::root_scope(Span::new(file, 0, 0));
    let ctx = template::add_ctx(&m, Rc::new(names), &root, String::new(), 0, scope, true);
    let mut lowerer = lower::Lowerer::new(&m);
    lowerer.lower_ctx(ctx);
    let mut network = lowerer.finish();
    let problems = std::mem::take(&mut network.problems);
    let used = m.budget_used();
    drop(m);
    (root, network, problems, used)
}

fn numbers_of(root: &Node) -> &json::Lazy {
    let numbers = root.get_ci("variables").and_then(|v| v.get_ci("numbers"));
    match numbers.map(|n| &n.value) {
        Some(json::Json::Lazy(l)) => l,
        other => panic!("the numbers variable is not kept lazily: {other:?}"),
    }
}

#[test]
fn a_large_variable_nobody_reads_is_never_built() {
    let text = numbers_template(5_000, r#"["10.0.0.0/8"]"#);
    let (root, network, problems, used) = load_with_budget(&text, eval::BUDGET);
    assert!(!numbers_of(&root).is_built());
    assert!(used < 1_000, "{used} units for a template of one rule");
    assert_eq!(network.nsgs.len(), 1);
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn a_large_variable_that_is_read_is_charged_before_it_is_built() {
    let text = numbers_template(5_000, r#""[variables('numbers')]""#);
    // Enough budget: built and evaluated (5,000 numbers are no prefixes: invalid, not unknown).
    let (root, _, _, used) = load_with_budget(&text, eval::BUDGET);
    assert!(numbers_of(&root).is_built());
    assert!(used >= 5_000, "{used}");
    // Too little: the run ends at the budget, naming the value, and nothing was built.
    let (root, _, problems, _) = load_with_budget(&text, 4_000);
    assert!(!numbers_of(&root).is_built());
    let finding = problems
        .iter()
        .find(|p| p.message.contains("ARM template evaluation budget"))
        .unwrap_or_else(|| panic!("no budget problem: {problems:?}"));
    assert!(
        finding.message.contains("a value of 5001 JSON nodes"),
        "{}",
        finding.message
    );
    let at = finding.span.start as usize..finding.span.end as usize;
    assert!(text[at].starts_with("[0,1,2"), "{:?}", finding.span);
}

/// The shape `bicep build` gives `resourceId(…, createLzNsg[i].?outputs.name)` inside a module's
/// `for` parameter (AVM `lz/sub-vending`): `reference('<symbol>[<i>]')` of a looped module,
/// inside a parameter `copy` loop of another nested deployment.
#[test]
fn reference_to_a_looped_module_inside_a_parameter_copy_loop() {
    let text = format!(
        r#"{{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
  "parameters": {{
    "subnets": {{ "type": "array", "defaultValue": [ {{ "name": "a", "addressPrefix": "10.0.0.0/25" }}, {{ "name": "b", "addressPrefix": "10.0.0.128/25" }} ] }}
  }},
  "resources": {{
    "nsgs": {{
      "copy": {{ "name": "nsgs", "count": "[length(parameters('subnets'))]" }},
      "condition": "[not(empty(parameters('subnets')))]",
      "type": "Microsoft.Resources/deployments", "apiVersion": "2025-04-01",
      "name": "[format('nsg-{{0}}', copyIndex())]",
      "properties": {{ "expressionEvaluationOptions": {{ "scope": "inner" }}, "mode": "Incremental",
        "parameters": {{ "name": {{ "value": "[format('nsg-{{0}}', parameters('subnets')[copyIndex()].name)]" }} }},
        "template": {{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
          "parameters": {{ "name": {{ "type": "string" }} }},
          "resources": {{ "nsg": {{ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "[parameters('name')]" }} }},
          "outputs": {{ "name": {{ "type": "string", "value": "[parameters('name')]" }} }} }} }} }},
    "vnet": {{
      "type": "Microsoft.Resources/deployments", "apiVersion": "2025-04-01", "name": "vnet",
      "properties": {{ "expressionEvaluationOptions": {{ "scope": "inner" }}, "mode": "Incremental",
        "parameters": {{
          "subnets": {{
            "copy": [ {{ "name": "value", "count": "[length(parameters('subnets'))]",
              "input": "[createObject('name', parameters('subnets')[copyIndex('value')].name, 'addressPrefix', parameters('subnets')[copyIndex('value')].addressPrefix, 'nsgId', resourceId('Microsoft.Network/networkSecurityGroups', format('{{0}}', tryGet(if(not(empty(parameters('subnets'))), reference(format('nsgs[{{0}}]', copyIndex('value'))), null()), 'outputs', 'name', 'value'))))]" }} ] }}
        }},
        "template": {{ "$schema": "{SCHEMA}", "languageVersion": "2.0", "contentVersion": "1.0.0.0",
          "parameters": {{ "subnets": {{ "type": "array" }} }},
          "resources": {{
            "vnet": {{ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": "vnet",
              "properties": {{ "addressSpace": {{ "addressPrefixes": ["10.0.0.0/24"] }},
                "copy": [ {{ "name": "subnets", "count": "[length(parameters('subnets'))]",
                  "input": {{ "name": "[parameters('subnets')[copyIndex('subnets')].name]",
                    "properties": {{ "addressPrefix": "[parameters('subnets')[copyIndex('subnets')].addressPrefix]",
                      "networkSecurityGroup": {{ "id": "[parameters('subnets')[copyIndex('subnets')].nsgId]" }} }} }} }} ] }} }} }} }} }} }}
  }} }}"#
    );
    let d = dumped(&text, None);
    assert!(d.contains("prefixes=10.0.0.0/25 nsg=nsg-a"), "{d}");
    assert!(d.contains("prefixes=10.0.0.128/25 nsg=nsg-b"), "{d}");
}
