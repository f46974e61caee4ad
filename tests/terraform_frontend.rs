#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! Scenarios in `testdata/terraform/<case>/`: each is loaded, linked and validated, its model
//! dump is snapshotted, and the facts that matter are asserted so that a snapshot update cannot
//! silently drop them.

use std::path::Path;

use nsgate::frontend::terraform;
use nsgate::frontend::{LoadOptions, Loaded};
use nsgate::model::{dump::dump, link::link, validate::validate, Network, ProblemKind, Val};
use nsgate::source::Sources;

struct Case {
    network: Network,
    sources: Sources,
    loaded_errors: Vec<nsgate::frontend::InputError>,
    dump: String,
}

fn load_with(case: &str, opts: &LoadOptions) -> Case {
    let mut sources = Sources::new();
    let mut loaded = Loaded::default();
    let dir = format!("testdata/terraform/{case}");
    terraform::load(Path::new(&dir), opts, &mut sources, &mut loaded);
    let mut network = link(std::mem::take(&mut loaded.network));
    validate(&mut network);
    let mut dump = dump(&network, &sources);
    for e in &loaded.errors {
        let at = e
            .span
            .map(|s| format!("{}:{}", sources.name(s.file), sources.line_col(s).0))
            .unwrap_or_else(|| e.path.clone());
        dump.push_str(&format!("input-error {at}: {}\n", e.message));
    }
    Case {
        network,
        sources,
        loaded_errors: loaded.errors,
        dump,
    }
}

fn load(case: &str) -> Case {
    load_with(case, &LoadOptions::default())
}

fn rule<'a>(n: &'a Network, nsg: &str, name: &str) -> &'a nsgate::model::SecurityRule {
    n.nsgs
        .iter()
        .find(|g| g.resource.name.value == nsg)
        .unwrap_or_else(|| panic!("no NSG {nsg}"))
        .rules
        .iter()
        .find(|r| r.name.value == name)
        .unwrap_or_else(|| panic!("no rule {name} in {nsg}"))
}

fn subnet_nsg(n: &Network, subnet: &str) -> Option<String> {
    let s = n.subnets.iter().find(|s| s.resource.name.value == subnet)?;
    let id = s.nsg.as_ref()?.resolved()?;
    Some(n.nsg(id)?.resource.name.value.clone())
}

#[test]
fn cses_broken() {
    let c = load("cses-broken");
    insta::assert_snapshot!(c.dump);
    assert!(c.loaded_errors.is_empty());
    let n = &c.network;
    assert_eq!(subnet_nsg(n, "roles").as_deref(), Some("nsg-roles"));
    let names: Vec<_> = n.nsgs[0]
        .rules
        .iter()
        .map(|r| r.name.value.as_str())
        .collect();
    assert_eq!(names, ["AllowLB", "AllowLocalRDP", "DenyAll"]);
    assert_eq!(rule(n, "nsg-roles", "DenyAll").priority(), Some(400));
    // The admin source comes from the variable default: its span points there.
    let src = &rule(n, "nsg-roles", "AllowLocalRDP").source.get(0).unwrap();
    assert_eq!(
        c.sources.name(src.span.file),
        "testdata/terraform/cses-broken/variables.tf"
    );
    assert!(n.problems.is_empty(), "{:?}", n.problems);
}

fn problems(n: &Network) -> Vec<String> {
    n.problems.iter().map(|p| p.message.clone()).collect()
}

fn unknown_reason(f: &nsgate::model::Field<nsgate::model::AddressItem>) -> String {
    f.value
        .as_unknown()
        .map(|u| u.reason.clone())
        .unwrap_or_default()
}

#[test]
fn cses_fixed() {
    let c = load("cses-fixed");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    assert_eq!(subnet_nsg(n, "roles").as_deref(), Some("nsg-roles"));
    let fix = rule(n, "nsg-roles", "AllowInstances");
    assert_eq!(fix.priority(), Some(350));
    assert_eq!(
        fix.source
            .get(0)
            .unwrap()
            .value
            .known()
            .map(|a| a.to_string())
            .as_deref(),
        Some("10.1.0.0/24")
    );
    let ports: Vec<String> = fix
        .destination_ports
        .items
        .iter()
        .map(|p| p.value.known().unwrap().to_string())
        .collect();
    assert_eq!(ports, ["3389", "20000"]);
    assert!(n.problems.is_empty(), "{:?}", n.problems);
}

#[test]
fn tfvars_override_defaults_and_auto_tfvars_override_tfvars() {
    let c = load("tfvars-precedence");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    assert_eq!(
        n.nsgs[0].resource.keys,
        [
            "tf:azurerm_network_security_group.app",
            "name:nsg:rg-app/nsg-app"
        ]
    );
    let admin = &rule(n, "nsg-app", "AllowAdminRdp").source.get(0).unwrap();
    assert_eq!(admin.value.known().unwrap().to_string(), "203.0.113.10/32");
    assert_eq!(
        c.sources.name(admin.span.file),
        "testdata/terraform/tfvars-precedence/admin.auto.tfvars"
    );
    let partners = &rule(n, "nsg-app", "AllowPartners").source.to_vec();
    assert_eq!(partners.len(), 2);
    let bastion = &rule(n, "nsg-app", "AllowBastion").source.get(0).unwrap();
    assert_eq!(
        unknown_reason(bastion),
        "variable `bastion_prefix` has no value"
    );
}

#[test]
fn command_line_and_environment_variables_follow_terraform_precedence() {
    let opts = LoadOptions {
        env: vec![
            ("TF_VAR_bastion_prefix".into(), "10.99.0.0/24".into()),
            ("TF_VAR_admin_cidr".into(), "192.0.2.1".into()),
        ],
        var_files: vec!["testdata/terraform/tfvars-precedence/extra.tfvars.json".into()],
        vars: vec![("rdp_port".into(), "3390".into())],
        ..LoadOptions::default()
    };
    let c = load_with("tfvars-precedence", &opts);
    assert!(c.loaded_errors.is_empty(), "{:?}", c.loaded_errors);
    let n = &c.network;
    // TF_VAR_ beats the default but loses to terraform.tfvars and *.auto.tfvars.
    let admin = &rule(n, "nsg-app", "AllowAdminRdp").source.get(0).unwrap();
    assert_eq!(admin.value.known().unwrap().to_string(), "203.0.113.10/32");
    let bastion = &rule(n, "nsg-app", "AllowBastion").source.get(0).unwrap();
    assert_eq!(bastion.value.known().unwrap().to_string(), "10.99.0.0/24");
    assert_eq!(c.sources.name(bastion.span.file), "TF_VAR_bastion_prefix");
    // --var-file beats the tfvars files; --var (a number here) beats the default.
    let partners: Vec<String> = rule(n, "nsg-app", "AllowPartners")
        .source
        .iter()
        .map(|i| i.value.known().unwrap().to_string())
        .collect();
    assert_eq!(partners, ["10.40.0.0/16"]);
    let port = &rule(n, "nsg-app", "AllowAdminRdp").destination_ports.items[0];
    assert_eq!(port.value.known().unwrap().to_string(), "3390");
}

#[test]
fn dynamic_block_over_a_local_list_and_the_attribute_form() {
    let c = load("dynamic-local-list");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    let names: Vec<_> = n.nsgs[0]
        .rules
        .iter()
        .map(|r| r.name.value.as_str())
        .collect();
    assert_eq!(
        names,
        ["AllowHttp", "AllowHttps", "AllowProbe", "DenyAllInbound"]
    );
    // A rule made by a dynamic block points at its element in the list.
    let (lc, _) = c.sources.line_col(rule(n, "nsg-web", "AllowHttps").span);
    assert_eq!(lc.line, 6);
    let attr = rule(n, "nsg-web-attr", "AllowProbe");
    assert_eq!(attr.priority(), Some(1120));
    assert_eq!(
        attr.destination
            .get(0)
            .unwrap()
            .value
            .known()
            .unwrap()
            .to_string(),
        "10.2.2.0/24"
    );
    assert!(n.problems.is_empty(), "{:?}", n.problems);
}

#[test]
fn count_and_for_each_nsgs() {
    let c = load("count-for-each");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    assert_eq!(n.nsgs.len(), 4);
    assert_eq!(subnet_nsg(n, "snet-web").as_deref(), Some("nsg-web"));
    assert_eq!(subnet_nsg(n, "snet-app").as_deref(), Some("nsg-app"));
    assert_eq!(subnet_nsg(n, "snet-dmz-1").as_deref(), Some("nsg-dmz-01"));
    assert_eq!(
        rule(n, "nsg-dmz-01", "DenyRdpFromInternet").priority(),
        Some(101)
    );
    assert!(n
        .nsgs
        .iter()
        .any(|g| g.resource.address == "azurerm_network_security_group.tier[\"web\"]"));
    assert!(n.problems.is_empty(), "{:?}", n.problems);
}

#[test]
fn local_module_creates_subnet_and_nsg() {
    let c = load("local-module");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    assert_eq!(subnet_nsg(n, "snet-web").as_deref(), Some("nsg-web"));
    assert_eq!(subnet_nsg(n, "snet-jump").as_deref(), Some("nsg-jump"));
    let web = n
        .subnets
        .iter()
        .find(|s| s.resource.name.value == "snet-web")
        .unwrap();
    assert_eq!(
        web.resource.address,
        "module.roles[\"web\"].azurerm_subnet.this"
    );
    assert!(web
        .resource
        .keys
        .contains(&"tf:module.roles[\"web\"].azurerm_subnet.this".to_string()));
    // The caller reads the module's outputs.
    let nic = &n.nics[0].ip_configs[0];
    assert_eq!(
        nic.private_ip
            .as_ref()
            .unwrap()
            .value
            .known()
            .unwrap()
            .to_string(),
        "10.4.9.4"
    );
    let subnet = n
        .subnet(nic.subnet.as_ref().unwrap().resolved().unwrap())
        .unwrap();
    assert_eq!(subnet.resource.name.value, "snet-jump");
    // The optional admin rule exists only where the input was given.
    assert_eq!(
        n.nsgs
            .iter()
            .find(|g| g.resource.name.value == "nsg-web")
            .unwrap()
            .rules
            .len(),
        1
    );
    assert!(rule(n, "nsg-jump", "AllowAdminRdp")
        .source
        .get(0)
        .unwrap()
        .value
        .known()
        .is_some());
    assert!(n.problems.is_empty(), "{:?}", n.problems);
}

#[test]
fn standalone_rules_link_by_reference_and_by_name() {
    let c = load("standalone-rules");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    let names: Vec<_> = n.nsgs[0]
        .rules
        .iter()
        .map(|r| r.name.value.as_str())
        .collect();
    assert_eq!(names, ["AllowSql", "AllowBackup", "DenyAll"]);
    let p = problems(n);
    assert!(
        p.iter().any(|m| m.contains("rejects protocol `TCP`")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|m| m
                .contains("only one of `destination_port_range` and `destination_port_ranges`")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|m| m.contains("`nsg-mixed` has inline rules and separate rule resources")),
        "{p:?}"
    );
    assert!(n
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Unresolved && p.message.contains("AllowMonitoring")));
}

#[test]
fn nic_level_nsg_by_reference_and_by_literal_id() {
    let c = load("nic-nsg");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    for nic in &n.nics {
        let nsg = n
            .nsg(nic.nsg.as_ref().unwrap().resolved().unwrap())
            .unwrap();
        assert_eq!(
            nsg.resource.name.value, "nsg-vm",
            "{}",
            nic.resource.name.value
        );
        let subnet = nic.ip_configs[0].subnet.as_ref().unwrap().resolved();
        assert!(subnet.is_some(), "{} subnet", nic.resource.name.value);
    }
    let dst = &rule(n, "nsg-vm", "AllowRdpFromJump")
        .destination
        .get(0)
        .unwrap();
    assert_eq!(dst.value.known().unwrap().to_string(), "10.6.1.10/32");
    // A static address written in the configuration is the NIC's `private_ip_address`.
    let dst = &rule(n, "nsg-vm", "AllowWinRmFromJump")
        .destination
        .get(0)
        .unwrap();
    assert_eq!(dst.value.known().unwrap().to_string(), "10.6.1.10/32");
    let dst = &rule(n, "nsg-vm", "AllowRdpToVm2")
        .destination
        .get(0)
        .unwrap();
    assert!(unknown_reason(dst).contains("known only after apply"));
    assert!(problems(n)
        .iter()
        .any(|m| m.contains("private_ip_address_allocation `dynamic`")));
}

#[test]
fn asg_membership_and_rules() {
    let c = load("asgs");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    for nic in &n.nics {
        assert_eq!(
            nic.ip_configs[0].asgs.len(),
            1,
            "{}",
            nic.resource.name.value
        );
        assert!(nic.ip_configs[0].asgs[0].resolved().is_some());
    }
    let r = rule(n, "nsg-app", "AllowWebToDb");
    for item in r.source.iter().chain(r.destination.iter()) {
        match item.value.known().unwrap() {
            nsgate::model::AddressItem::Asg(link) => assert!(link.resolved().is_some()),
            other => panic!("{other:?}"),
        }
    }
    assert!(n.problems.is_empty(), "{:?}", n.problems);
}

#[test]
fn remote_modules_and_data_sources_are_notes_and_unknowns() {
    let c = load("remote-module");
    insta::assert_snapshot!(c.dump);
    assert!(c.loaded_errors.is_empty());
    let n = &c.network;
    assert!(n
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Note && p.message.contains("run `terraform init`")));
    let src = &rule(n, "nsg-local", "AllowFromModule")
        .source
        .get(0)
        .unwrap();
    assert!(unknown_reason(src).contains("not installed"));
    let src = &rule(n, "nsg-local", "AllowFromShared")
        .source
        .get(0)
        .unwrap();
    assert!(unknown_reason(src).contains("read by a data source"));
}

#[test]
fn a_syntax_error_is_an_input_error_and_other_files_still_load() {
    let c = load("syntax-error");
    insta::assert_snapshot!(c.dump);
    assert_eq!(c.loaded_errors.len(), 1);
    assert!(c.loaded_errors[0].span.is_some());
    assert_eq!(c.network.nsgs.len(), 1);
    assert!(c.network.nsgs[0].rules.is_empty());
}

#[test]
fn json_syntax() {
    let c = load("json-syntax");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    assert_eq!(n.nsgs[0].resource.keys[1], "name:nsg:rg-json/nsg-json");
    assert_eq!(n.nsgs[0].rules.len(), 2);
}

#[test]
fn inline_vnet_subnets_and_their_conflicts() {
    let c = load("inline-vnet-subnets");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    assert_eq!(subnet_nsg(n, "snet-front").as_deref(), Some("nsg-edge"));
    let back = n
        .subnets
        .iter()
        .find(|s| s.resource.name.value == "snet-back")
        .unwrap();
    assert_eq!(
        back.prefixes[0].value,
        Val::Known("10.9.2.0/24".parse().unwrap())
    );
    let p = problems(n);
    assert!(
        p.iter()
            .any(|m| m.contains("inline `subnet` blocks and a separate subnet resource")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|m| m.contains("sets `security_group` inline and also has the association")),
        "{p:?}"
    );
}

#[test]
fn vnet_peerings_by_reference_and_literal_id() {
    let c = load("vnet-peering");
    insta::assert_snapshot!(c.dump);
    let n = &c.network;
    let hub = n
        .vnets
        .iter()
        .find(|v| v.resource.name.value == "vnet-hub")
        .unwrap();
    let spoke = n
        .vnets
        .iter()
        .find(|v| v.resource.name.value == "vnet-spoke")
        .unwrap();
    assert_eq!(hub.peerings.len(), 2);
    assert_eq!(
        n.vnet(hub.peerings[0].resolved().unwrap())
            .unwrap()
            .resource
            .name
            .value,
        "vnet-spoke"
    );
    assert!(
        hub.peerings[1].resolved().is_none(),
        "a VNet outside the input stays unknown"
    );
    assert_eq!(
        n.vnet(spoke.peerings[0].resolved().unwrap())
            .unwrap()
            .resource
            .name
            .value,
        "vnet-hub"
    );
}

#[test]
fn a_file_means_its_directory_and_a_missing_path_is_an_input_error() {
    let mut sources = Sources::new();
    let mut loaded = Loaded::default();
    let opts = LoadOptions::default();
    terraform::load(
        Path::new("testdata/terraform/cses-fixed/main.tf"),
        &opts,
        &mut sources,
        &mut loaded,
    );
    assert!(loaded.errors.is_empty());
    assert_eq!(loaded.inputs[0].path, "testdata/terraform/cses-fixed");
    assert_eq!(loaded.network.nsgs[0].rules.len(), 4);
    let mut loaded = Loaded::default();
    terraform::load(
        Path::new("testdata/terraform/nope/main.tf"),
        &opts,
        &mut sources,
        &mut loaded,
    );
    assert_eq!(loaded.errors.len(), 1);
    assert!(terraform::detect(Path::new(
        "testdata/terraform/cses-fixed"
    )));
    assert!(!terraform::detect(Path::new("testdata")));
}
