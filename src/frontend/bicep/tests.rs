//! Evaluator tests: each Bicep construct, checked on the network it yields.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::frontend::Loaded;
use crate::model::{dump::dump, link::link};
use crate::source::Sources;

/// Load Bicep text and dump the linked network (rules and subnets, with unknown reasons).
fn net(text: &str) -> (String, Loaded) {
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    super::load_text("t.bicep", text, &mut sources, &mut out);
    let network = std::mem::take(&mut out.network);
    (dump(&link(network), &sources), out)
}

fn nsg_with(rule: &str, decls: &str) -> String {
    format!(
        "{decls}\nresource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {{\n  name: 'n'\n  properties: {{\n    securityRules: [\n{rule}\n    ]\n  }}\n}}\n"
    )
}

fn rule(name: &str, priority: &str, port: &str) -> String {
    format!(
        "{{ name: {name}, properties: {{ priority: {priority}, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: {port} }} }}"
    )
}

#[test]
fn params_vars_interpolation_ternary_and_functions() {
    let text = nsg_with(
        &rule("'${prefix}-rule'", "base + 10", "useHttps ? '443' : '80'"),
        "param prefix string = 'web'\nparam useHttps bool = true\nvar base = length(['a', 'b']) * 50",
    );
    let (d, out) = net(&text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(
        d.contains("rule web-rule 110 Inbound Allow Tcp *:* -> *:443"),
        "{d}"
    );
}

#[test]
fn user_functions_lambdas_and_loops() {
    let text = nsg_with(
        "      for (p, i) in filter(ports, x => x != '22'): { name: named(p), properties: { priority: 100 + i, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: p } }",
        "param ports array = ['22', '80', '443']\nfunc named(p string) string => 'allow-${p}'",
    )
    .replace("securityRules: [\n      for", "securityRules: [for")
    .replace("} }\n    ]", "} }]");
    let (d, out) = net(&text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(d.contains("rule allow-80 100"), "{d}");
    assert!(d.contains("rule allow-443 101"), "{d}");
    assert!(!d.contains("allow-22"), "{d}");
}

#[test]
fn offline_unknowables_are_unknown_with_a_reason() {
    let text = nsg_with(
        &rule("'r'", "100", "port"),
        "param port string\nvar u = uniqueString(resourceGroup().id)",
    );
    let (d, _) = net(&text);
    assert!(d.contains("parameter `port` has no value"), "{d}");
}

#[test]
fn load_text_content_of_a_missing_file_is_an_unknown_and_a_problem() {
    let text = nsg_with(&rule("loadTextContent('nope.txt')", "100", "'22'"), "");
    let (d, _) = net(&text);
    assert!(d.contains("could not be read"), "{d}");
}

#[test]
fn conditions_false_deploy_nothing() {
    let text = nsg_with(&rule("'r'", "100", "'22'"), "param on bool = false")
        .replace("= {\n  name: 'n'", "= if (on) {\n  name: 'n'");
    let (d, _) = net(&text);
    assert!(!d.contains("rule r"), "{d}");
}

#[test]
fn deep_or_hostile_input_ends_without_panic() {
    let deep = format!("var x = {}1{}", "(".repeat(5000), ")".repeat(5000));
    let (_, _) = net(&deep);
    let self_ref = "var a = b\nvar b = a\n".to_string() + &nsg_with(&rule("a", "100", "'22'"), "");
    let (d, _) = net(&self_ref);
    assert!(d.contains("refers to itself"), "{d}");
}

#[test]
fn a_missing_module_file_is_a_warning_and_its_outputs_unknown() {
    let text = "module m './not-here.bicep' = {\n  name: 'm'\n}\n".to_string()
        + &nsg_with(&rule("m.outputs.name", "100", "'22'"), "");
    let (d, out) = net(&text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(
        d.contains("warning[") && d.contains("does not exist"),
        "{d}"
    );
    assert!(d.contains("unknown"), "{d}");
}

#[test]
fn spreads_merge_objects_and_flatten_arrays() {
    let text = nsg_with(
        "{ name: 'r', properties: { ...base, ...(open ? { sourceAddressPrefix: '*' } : {}), destinationPortRanges: [...ports, '443'] } }",
        "param open bool = true\nvar ports = ['22']\nvar base = { priority: 100, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: '10.0.0.0/8', sourcePortRange: '*', destinationAddressPrefix: '*' }",
    );
    let (d, out) = net(&text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(
        d.contains("rule r 100 Inbound Allow Tcp *:* -> *:22,443"),
        "{d}"
    );
}

#[test]
fn a_spread_of_an_unknown_object_leaves_what_it_may_override_unknown() {
    let text = nsg_with(
        "{ name: 'r', properties: { priority: 100, ...extra, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: '*', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '22' } }",
        "param extra object",
    );
    let (d, _) = net(&text);
    assert!(d.contains("parameter `extra` has no value"), "{d}");
    assert!(
        !d.contains("rule r 100"),
        "the priority may be overridden: {d}"
    );
}

#[test]
fn strings_starting_with_comment_markers_keep_their_text() {
    let text = nsg_with(&rule("'r'", "100", "'22'"), "var a = '//x'\nvar b = '/*'")
        .replace("name: 'n'", "name: '${a}${b}'");
    let (d, out) = net(&text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(d.contains("//x/*"), "{d}");
}

#[test]
fn standard_input_is_sniffed_as_bicep_only_when_it_is() {
    use crate::frontend::{stdin_kind, InputKind};
    let bicep = "param p string\nresource nsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {\n}\n";
    assert_eq!(stdin_kind(bicep), Some(InputKind::Bicep));
    assert_eq!(
        stdin_kind("targetScope = 'subscription'\n"),
        Some(InputKind::Bicep)
    );
    assert_eq!(
        stdin_kind("module m './x.bicep' = {\n}\n"),
        Some(InputKind::Bicep)
    );
    // Terraform labels are double-quoted.
    let hcl = "resource \"azurerm_network_security_group\" \"n\" {\n}\nmodule \"m\" {\n}\n";
    assert_eq!(stdin_kind(hcl), Some(InputKind::Terraform));
    // A quoted word is not a declaration.
    assert_eq!(stdin_kind("resource 'x'\n"), None);
    assert_eq!(stdin_kind("resources x 'y'\n"), None);
}

/// `res.properties.x` compiles to `reference(res).x`: what the declaration sets is known, any
/// other property only after deployment (the ARM front end's reason), never "no such property".
#[test]
fn undeclared_resource_properties_are_known_only_after_deployment() {
    let text = "resource alias 'Microsoft.Subscription/aliases@2021-10-01' = {\n  name: 'a'\n  properties: { workload: 'Production' }\n}\nresource nic 'Microsoft.Network/networkInterfaces@2024-05-01' = {\n  name: '${alias.properties.workload}-nic'\n  properties: {\n    networkSecurityGroup: { id: resourceId(alias.properties.subscriptionId, 'rg', 'Microsoft.Network/networkSecurityGroups', 'n') }\n  }\n}\n";
    let (d, out) = net(text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(d.contains("nic Production-nic"), "{d}");
    // The id is symbolic in the unknown subscription id, read from the alias after deployment.
    assert!(
        d.contains("nsg=<unknown: network security group `arm:@{reference('/subscriptions/"),
        "{d}"
    );
    assert!(d.contains("/aliases/a').subscriptionid}/rg/"), "{d}");
    assert!(!d.contains("has no property"), "{d}");
}
