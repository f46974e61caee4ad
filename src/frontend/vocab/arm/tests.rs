//! The lowering fed by a materialized value tree (here `serde_json` values with builder
//! spans), the way Bicep's evaluator feeds it: what a [`Tree`] has to provide, and nothing
//! more.

use serde_json::{json, Value};

use super::*;
use crate::model::builder::span;
use crate::model::values::Raw;
use crate::model::{Link, Val};

struct Json;

impl Tree for Json {
    type Node = Value;

    fn member(&self, node: &Value, key: &str) -> Option<Value> {
        let obj = node.as_object()?;
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_null())
    }

    fn read(&self, node: &Value) -> Prop<Value> {
        match node {
            Value::Null => Prop::Null,
            Value::Bool(b) => Prop::Bool(*b),
            Value::Number(n) => Prop::Num(n.as_f64().unwrap_or_default()),
            Value::String(s) if s == "?" => Prop::Unknown(Unknown {
                reason: "not known".into(),
                span: span(),
                origin: None,
            }),
            Value::String(s) => Prop::Str(s.clone()),
            Value::Array(items) => Prop::List(items.clone()),
            Value::Object(_) => Prop::Object,
        }
    }

    fn span(&self, _node: &Value) -> Span {
        span()
    }

    fn id_key(&self, node: &Value) -> IdKey {
        match node.as_str() {
            Some("?") => IdKey::Unknown(Unknown {
                reason: "not known".into(),
                span: span(),
                origin: None,
            }),
            Some(id) => IdKey::Key(format!("id:{}", id.to_ascii_lowercase())),
            None => IdKey::Invalid(node.to_string()),
        }
    }

    fn child_keys(&self, _ty: &str, name: &Value) -> Vec<String> {
        name.as_str()
            .map(|n| vec![format!("id:/vnet/subnets/{n}")])
            .unwrap_or_default()
    }
}

fn resource(ty: &str, name: &str, node: Value, parent: Option<&str>) -> ArmResource<Value> {
    ArmResource {
        ty: ty.into(),
        node,
        resource: Resource {
            name: Spanned::new(name.into(), span()),
            address: format!("{ty}/{name}"),
            keys: vec![format!("id:/{name}")],
            span: span(),
        },
        name: Some(Spanned::new(Val::Known(Raw::Str(name.into())), span())),
        own: Ok(Spanned::new(format!("id:/{name}"), span())),
        parent: parent.map(|p| Ok(Spanned::new(format!("id:/{p}"), span()))),
    }
}

fn rule(port: &str) -> Value {
    json!({"priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
           "sourceAddressPrefix": "*", "sourcePortRange": "*",
           "destinationAddressPrefix": "*", "destinationPortRange": port})
}

#[test]
fn a_materialized_tree_feeds_nsgs_rules_vnets_and_subnets() {
    let mut l = Lowering::new();
    let nsg = json!({"properties": {"securityRules": [{"name": "ssh", "properties": rule("22")}]}});
    l.resource(
        &Json,
        &resource("Microsoft.Network/networkSecurityGroups", "nsg", nsg, None),
    );
    let child = json!({"properties": rule("3389")});
    let r = resource(
        "Microsoft.Network/networkSecurityGroups/securityRules",
        "rdp",
        child,
        Some("nsg"),
    );
    l.resource(&Json, &r);
    let vnet = json!({"properties": {
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
        "subnets": [{"name": "a", "properties": {"addressPrefix": "10.0.1.0/24",
                     "networkSecurityGroup": {"id": "/nsg"}}}]
    }});
    l.resource(
        &Json,
        &resource("Microsoft.Network/virtualNetworks", "vnet", vnet, None),
    );
    let net = l.finish();
    assert!(net.problems.is_empty(), "{:?}", net.problems);
    assert_eq!(net.nsgs.len(), 1);
    assert_eq!(net.nsgs[0].rules[0].name.value, "ssh");
    assert_eq!(net.standalone_rules.len(), 1);
    assert_eq!(net.standalone_rules[0].rule.name.value, "rdp");
    assert!(matches!(&net.standalone_rules[0].nsg, Link::Key(k) if k.value == "id:/nsg"));
    assert_eq!(net.subnets.len(), 1);
    assert_eq!(
        net.subnets[0].resource.keys,
        vec!["id:/vnet/subnets/a".to_string()]
    );
    assert!(matches!(&net.subnets[0].nsg, Some(Link::Key(k)) if k.value == "id:/nsg"));
    assert!(matches!(&net.subnets[0].vnet, Link::Key(k) if k.value == "id:/vnet"));
}

#[test]
fn unknown_values_stay_unknown_and_are_never_invalid() {
    let mut l = Lowering::new();
    let nsg = json!({"properties": {"securityRules": "?"}});
    l.resource(
        &Json,
        &resource("Microsoft.Network/networkSecurityGroups", "nsg", nsg, None),
    );
    let subnet = json!({"properties": {"addressPrefix": "?", "networkSecurityGroup": {"id": "?"}}});
    let mut r = resource(
        "Microsoft.Network/virtualNetworks/subnets",
        "s",
        subnet,
        None,
    );
    r.parent = Some(Err(Unknown {
        reason: "the name is not known".into(),
        span: span(),
        origin: None,
    }));
    l.resource(&Json, &r);
    let net = l.finish();
    assert!(net.problems.is_empty(), "{:?}", net.problems);
    // One rule of unknowns keeps evaluation conservative.
    assert_eq!(net.nsgs[0].rules.len(), 1);
    assert!(net.nsgs[0].rules[0].priority.value.known().is_none());
    assert!(net.subnets[0].prefixes[0].value.known().is_none());
    assert!(matches!(net.subnets[0].nsg, Some(Link::Unknown(_))));
    assert!(matches!(net.subnets[0].vnet, Link::Unknown(_)));
}

#[test]
fn types_outside_the_model_are_ignored() {
    let mut l = Lowering::new();
    let r = resource("Microsoft.Storage/storageAccounts", "st", json!({}), None);
    l.resource(&Json, &r);
    let net = l.finish();
    assert!(net.nsgs.is_empty() && net.problems.is_empty());
}

fn cloud_service(props: Value) -> Network {
    let mut l = Lowering::new();
    let r = resource(
        "Microsoft.Compute/cloudServices",
        "cs",
        json!({ "properties": props }),
        None,
    );
    l.resource(&Json, &r);
    l.finish()
}

fn roles(net: &Network) -> Vec<(String, Option<bool>, bool)> {
    use crate::model::tenant::{Host, TenantKind};
    net.tenants
        .iter()
        .filter_map(|t| match (&t.kind, &t.host) {
            (TenantKind::CloudServiceRole { role, rdp, .. }, Host::Subnet(link)) => Some((
                role.value.clone(),
                rdp.value.known().copied(),
                matches!(link, Link::Unknown(_)),
            )),
            _ => None,
        })
        .collect()
}

const RDP: &str = "Microsoft.Windows.Azure.Extensions";

#[test]
fn an_unknown_configuration_keeps_the_roles_in_an_unknown_subnet() {
    let net = cloud_service(json!({
        "configuration": "?",
        "roleProfile": {"roles": [{"name": "Web"}, {"name": "Worker"}]},
        "extensionProfile": {"extensions": [
            {"name": "rdp", "properties": {"publisher": RDP, "type": "RDP", "rolesAppliedTo": ["Worker"]}}
        ]}
    }));
    assert_eq!(
        roles(&net),
        vec![
            ("Web".into(), Some(false), true),
            ("Worker".into(), Some(true), true)
        ]
    );
    let reason = match &net.tenants[0].host {
        crate::model::tenant::Host::Subnet(Link::Unknown(u)) => u.reason.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        reason.contains("service configuration is not known"),
        "{reason}"
    );
}

#[test]
fn an_unknown_extension_list_leaves_rdp_unknown_and_an_unknown_role_list_one_tenant() {
    let net = cloud_service(json!({
        "configurationUrl": "https://example/cs.cscfg",
        "roleProfile": {"roles": "?"},
        "extensionProfile": {"extensions": "?"}
    }));
    assert_eq!(roles(&net), vec![("<roles>".into(), None, true)]);
}

#[test]
fn an_inline_configuration_places_each_role_in_its_subnets() {
    let xml = r#"<ServiceConfiguration serviceName="cs"><NetworkConfiguration>
        <VirtualNetworkSite name="vnet"/><AddressAssignments>
        <InstanceAddress roleName="Web"><Subnets><Subnet name="a"/><Subnet name="b"/></Subnets></InstanceAddress>
        </AddressAssignments></NetworkConfiguration></ServiceConfiguration>"#;
    let net = cloud_service(json!({
        "configuration": xml,
        "roleProfile": {"roles": [{"name": "Web"}, {"name": "Other"}]},
        "extensionProfile": {"extensions": [{"properties": {"publisher": RDP, "type": "rdp"}}]}
    }));
    // The Json tree cannot locate subnets by name (no deployment scope): the links say so.
    assert_eq!(
        roles(&net),
        vec![
            ("Web".into(), Some(true), true),
            ("Web".into(), Some(true), true),
            ("Other".into(), Some(true), true)
        ]
    );
    let reasons: Vec<String> = net
        .tenants
        .iter()
        .filter_map(|t| match &t.host {
            crate::model::tenant::Host::Subnet(Link::Unknown(u)) => Some(u.reason.clone()),
            _ => None,
        })
        .collect();
    assert!(
        reasons[0].contains("subnet `a` of virtual network `vnet`"),
        "{reasons:?}"
    );
    assert!(
        reasons[2].contains("assigns role `Other` no subnet"),
        "{reasons:?}"
    );
}

#[test]
fn malformed_inline_xml_is_invalid_where_it_is_written() {
    let net = cloud_service(json!({
        "configuration": "<ServiceConfiguration>",
        "roleProfile": {"roles": [{"name": "Web"}]}
    }));
    assert_eq!(net.problems.len(), 1, "{:?}", net.problems);
    assert!(net.problems[0].message.contains("not well-formed XML"));
    assert_eq!(roles(&net), vec![("Web".into(), Some(false), true)]);
}

#[test]
fn load_balancer_pools_probes_rules_and_nic_members() {
    let mut l = Lowering::new();
    let lb = json!({"properties": {
        "backendAddressPools": [{"name": "pool"}],
        "probes": [{"name": "p", "properties": {"protocol": "Tcp", "port": 8080}},
                   {"name": "bad", "properties": {"protocol": "Tcp", "port": 70000}}],
        "loadBalancingRules": [{"name": "r", "properties": {
            "backendAddressPool": {"id": "/lb/pool"}, "probe": {"id": "/lb/p"}}}]
    }});
    l.resource(
        &Json,
        &resource("Microsoft.Network/loadBalancers", "lb", lb, None),
    );
    let nic = json!({"properties": {"ipConfigurations": [{"name": "ip1", "properties": {
        "subnet": {"id": "/vnet/subnets/a"},
        "loadBalancerBackendAddressPools": [{"id": "/lb/pool"}]}}]}});
    l.resource(
        &Json,
        &resource("Microsoft.Network/networkInterfaces", "nic", nic, None),
    );
    let net = l.finish();
    assert_eq!(net.lb_pools[0].resource.name.value, "lb/pool");
    assert_eq!(net.lb_probes[0].port.value.known(), Some(&8080));
    assert!(net.lb_probes[1].port.value.known().is_none());
    assert_eq!(
        net.problems.len(),
        1,
        "the invalid port: {:?}",
        net.problems
    );
    assert!(matches!(&net.lb_rules[0].probe, Some(Link::Key(k)) if k.value == "id:/lb/p"));
    let m = &net.lb_members[0];
    assert!(matches!(&m.pool, Link::Key(k) if k.value == "id:/lb/pool"));
    assert!(matches!(
        &m.host,
        crate::model::tenant::Host::Nic { ip_config: Some(n), .. } if n.value == "ip1"
    ));
}
