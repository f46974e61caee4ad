#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! The plan JSON front end on the scenarios in testdata/plan and on the plans in the shared
//! corpus: extraction snapshots (`model::dump`) plus the facts each scenario exists for.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nsgate::frontend::{plan, LoadOptions, Loaded};
use nsgate::model::{
    AddressItem, Link, Network, Nsg, ProblemKind, RuleOrigin, SecurityRule, Subnet, Val,
};
use nsgate::source::Sources;

fn scenario(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/plan")
        .join(case)
        .join("plan.json")
}

/// Load, link and validate one scenario; the display name is relative so snapshots are stable.
fn load(case: &str) -> (Network, Sources) {
    let text = std::fs::read_to_string(scenario(case)).unwrap();
    assert!(plan::detect(&text), "{case} is not detected as a plan");
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    plan::load_text(
        &format!("{case}/plan.json"),
        text,
        &LoadOptions::default(),
        &mut sources,
        &mut out,
    );
    assert!(out.errors.is_empty(), "{case}: {:?}", out.errors);
    assert_eq!(out.inputs.len(), 1);
    let mut network = nsgate::model::link::link(out.network);
    nsgate::model::validate::validate(&mut network);
    (network, sources)
}

fn snapshot(case: &str) -> (Network, Sources) {
    let (network, sources) = load(case);
    let dump = nsgate::model::dump::dump(&network, &sources);
    insta::with_settings!({snapshot_suffix => case}, {
        insta::assert_snapshot!("dump", dump);
    });
    (network, sources)
}

fn nsg<'n>(n: &'n Network, name: &str) -> &'n Nsg {
    n.nsgs
        .iter()
        .find(|g| g.resource.name.value == name)
        .unwrap_or_else(|| panic!("no NSG {name}"))
}

fn subnet<'n>(n: &'n Network, name: &str) -> &'n Subnet {
    n.subnets
        .iter()
        .find(|s| s.resource.name.value == name)
        .unwrap_or_else(|| panic!("no subnet {name}"))
}

fn rule_names(nsg: &Nsg) -> Vec<&str> {
    let mut names: Vec<&str> = nsg.rules.iter().map(|r| r.name.value.as_str()).collect();
    names.sort();
    names
}

fn rule<'n>(nsg: &'n Nsg, name: &str) -> &'n SecurityRule {
    nsg.rules
        .iter()
        .find(|r| r.name.value == name)
        .unwrap_or_else(|| panic!("no rule {name}"))
}

/// The NSG a subnet is associated with, by name.
fn subnet_nsg<'n>(n: &'n Network, subnet_name: &str) -> Option<&'n str> {
    let link = subnet(n, subnet_name).nsg.as_ref()?;
    let id = link.resolved()?;
    Some(n.nsg(id)?.resource.name.value.as_str())
}

/// Every Unknown in a linked network: rule fields, and links of subnets and NICs.
fn unknown_reasons(n: &Network) -> Vec<String> {
    fn field<T>(out: &mut Vec<String>, v: &Val<T>) {
        if let Val::Unknown(u) = v {
            out.push(u.reason.clone());
        }
    }
    fn link<T>(out: &mut Vec<String>, l: Option<&Link<T>>) {
        if let Some(Link::Unknown(u)) = l {
            out.push(u.reason.clone());
        }
    }
    let mut out = Vec::new();
    for g in &n.nsgs {
        for r in &g.rules {
            field(&mut out, &r.priority.value);
            field(&mut out, &r.direction.value);
            field(&mut out, &r.access.value);
            field(&mut out, &r.protocol.value);
            for item in r.source.iter().chain(r.destination.iter()) {
                field(&mut out, &item.value);
                if let Val::Known(AddressItem::Asg(l)) = &item.value {
                    link(&mut out, Some(l));
                }
            }
            for item in r
                .source_ports
                .items
                .iter()
                .chain(&r.destination_ports.items)
            {
                field(&mut out, &item.value);
            }
        }
    }
    for s in &n.subnets {
        link(&mut out, s.nsg.as_ref());
        link(&mut out, Some(&s.vnet));
        for p in &s.prefixes {
            field(&mut out, &p.value);
        }
    }
    for nic in &n.nics {
        link(&mut out, nic.nsg.as_ref());
        for ip in &nic.ip_configs {
            link(&mut out, ip.subnet.as_ref());
        }
    }
    out
}

#[test]
fn incident_broken_first_deploy() {
    let (n, sources) = snapshot("incident-broken");
    let g = nsg(&n, "nsg-roles");
    assert_eq!(rule_names(g), vec!["AllowLB", "AllowLocalRDP", "DenyAll"]);
    // Every id is unknown on a first deploy: the association links through references.
    assert_eq!(subnet_nsg(&n, "roles"), Some("nsg-roles"));
    let roles = subnet(&n, "roles");
    assert_eq!(
        roles.prefixes[0].value,
        Val::Known("10.1.0.0/24".parse().unwrap())
    );
    assert!(roles.vnet.resolved().is_some());
    let deny = rule(g, "DenyAll");
    assert_eq!(deny.priority(), Some(400));
    // Spans point at the rule's object and each value in the plan.
    assert!(sources.slice(deny.span).starts_with('{'));
    assert_eq!(sources.slice(deny.priority.span), "400");
    let rdp = rule(g, "AllowLocalRDP");
    let ports: Vec<String> = rdp
        .destination_ports
        .items
        .iter()
        .map(|p| sources.slice(p.span).to_string())
        .collect();
    assert_eq!(ports, vec!["\"20000\"", "\"3389\""]);
    assert!(
        n.problems
            .iter()
            .all(|p| p.severity < nsgate::model::Severity::Warning),
        "{:?}",
        n.problems
    );
}

#[test]
fn incident_fixed_first_deploy() {
    let (n, _) = snapshot("incident-fixed");
    let g = nsg(&n, "nsg-roles");
    let fix = rule(g, "AllowInstances");
    assert_eq!(fix.priority(), Some(350));
    assert_eq!(
        fix.source.get(0).unwrap().value,
        Val::Known(AddressItem::Prefix("10.1.0.0/24".parse().unwrap()))
    );
    assert_eq!(subnet_nsg(&n, "roles"), Some("nsg-roles"));
}

#[test]
fn existing_infrastructure_links_by_known_ids() {
    let (n, _) = snapshot("existing-noop");
    assert_eq!(subnet_nsg(&n, "roles"), Some("nsg-roles"));
    // The VNet's computed `subnet` mirrors the separate subnet resource: one subnet, not two.
    assert_eq!(n.subnets.len(), 1);
    assert!(n.subnets[0]
        .resource
        .keys
        .iter()
        .any(|k| k.starts_with("id:/subscriptions/")));
    assert_eq!(rule_names(nsg(&n, "nsg-roles")).len(), 4);
    assert!(
        !n.problems.iter().any(|p| p.kind == ProblemKind::Ambiguous),
        "{:?}",
        n.problems
    );
}

#[test]
fn update_that_removes_the_intra_subnet_allow() {
    let (n, _) = snapshot("update-removes-intra-subnet-allow");
    let g = nsg(&n, "nsg-roles");
    // The post-apply world: `after`, not `before`.
    assert_eq!(rule_names(g), vec!["AllowLB", "AllowLocalRDP", "DenyAll"]);
    assert_eq!(subnet_nsg(&n, "roles"), Some("nsg-roles"));
}

#[test]
fn deleted_standalone_rule_is_gone_and_mirrored_rules_are_not_doubled() {
    let (n, _) = snapshot("delete-rule");
    let g = nsg(&n, "nsg-legacy");
    assert_eq!(rule_names(g), vec!["AllowLB", "AllowLocalRDP", "DenyAll"]);
    assert!(g
        .rules
        .iter()
        .all(|r| matches!(r.origin, RuleOrigin::Standalone { .. })));
    assert_eq!(subnet_nsg(&n, "roles"), Some("nsg-legacy"));
}

#[test]
fn unknown_source_prefix_stays_unknown() {
    let (n, _) = snapshot("unknown-source-prefix");
    let g = nsg(&n, "nsg-admin");
    let r = rule(g, "AllowAdminRdp");
    match &r.source.get(0).unwrap().value {
        Val::Unknown(u) => {
            assert!(
                u.reason.starts_with("known after apply: security_rule[")
                    && u.reason.ends_with("].source_address_prefix"),
                "{}",
                u.reason
            );
        }
        other => panic!("source should be unknown, got {other:?}"),
    }
    assert_eq!(subnet_nsg(&n, "admin"), Some("nsg-admin"));
}

#[test]
fn nested_modules_link_through_variables_and_outputs() {
    let (n, _) = snapshot("nested-modules");
    let g = nsg(&n, "nsg-app");
    assert_eq!(
        g.resource.address,
        "module.network.module.nsg.azurerm_network_security_group.this"
    );
    // module.network's association: subnet_id → azurerm_subnet.this, NSG → module.nsg.id.
    assert_eq!(subnet_nsg(&n, "app"), Some("nsg-app"));
    // module.app's NIC: subnet via var.subnet_id → module.network.subnet_id; its NSG
    // association via var.nsg_id → module.network.nsg_id → module.nsg.id.
    let nic = &n.nics[0];
    let ip = &nic.ip_configs[0];
    let sid = ip
        .subnet
        .as_ref()
        .unwrap()
        .resolved()
        .expect("NIC subnet linked");
    assert_eq!(n.subnet(sid).unwrap().resource.name.value, "app");
    let nid = nic
        .nsg
        .as_ref()
        .unwrap()
        .resolved()
        .expect("NIC NSG linked");
    assert_eq!(n.nsg(nid).unwrap().resource.name.value, "nsg-app");
}

#[test]
fn count_and_for_each_pair_instances() {
    let (n, _) = snapshot("count-for-each");
    assert_eq!(subnet_nsg(&n, "snet-web"), Some("nsg-web"));
    assert_eq!(subnet_nsg(&n, "snet-app"), Some("nsg-app"));
    // Bound through each.value: not guessed.
    match &subnet(&n, "snet-db").nsg {
        None => {}
        Some(Link::Unknown(_)) => {}
        other => panic!("snet-db must not be linked: {other:?}"),
    }
    assert!(n.problems.iter().any(|p| p.kind == ProblemKind::Unresolved
        && p.message
            .contains("azurerm_subnet_network_security_group_association.bound")));
    assert_eq!(n.nics.len(), 2);
    for (i, nic) in n.nics.iter().enumerate() {
        assert_eq!(nic.resource.name.value, format!("vm-{i}-nic"));
        let nsg_id = nic
            .nsg
            .as_ref()
            .unwrap()
            .resolved()
            .expect("NIC NSG paired");
        assert_eq!(n.nsg(nsg_id).unwrap().resource.name.value, "nsg-web");
        let ip = nic.ip_configs[0].private_ip.as_ref().unwrap();
        assert_eq!(
            ip.value,
            Val::Known(format!("10.2.1.{}", 10 + i).parse().unwrap())
        );
    }
}

/// An `azapi_resource_action` commit in a plan deploys the configurations its body names to
/// its target locations, as in HCL; an azapi VNet's `location` (beside its body) is its region.
#[test]
fn azapi_commit_deploys_to_the_azapi_vnets_region() {
    use nsgate::model::admin::Deployment;
    let (n, _) = load("admin-azapi-commit");
    let vnet = n
        .vnets
        .iter()
        .find(|v| v.resource.name.value == "vnet-web")
        .unwrap();
    assert_eq!(vnet.location.name.value, Val::Known("westeurope".into()));
    assert_eq!(n.admin_deployments.len(), 1);
    let config = &n.admin_configs[0];
    assert!(
        matches!(config.deployment, Deployment::Deployed(_)),
        "{:?}",
        config.deployment
    );
    assert_eq!(config.regions.len(), 1);
    assert_eq!(
        config.regions[0].region.name.value,
        Val::Known("westeurope".into())
    );
    assert!(config.regions[0].maybe.is_none());

    let (n, _) = load("admin-azapi-not-committed");
    assert!(n.admin_deployments.is_empty());
    assert_eq!(n.admin_configs[0].deployment, Deployment::NotDeployed);

    // A 1.x string body known only after apply: which configurations, and where, is Unknown
    // with the path of what is unknown.
    let (n, _) = load("admin-azapi-commit-unknown");
    let d = &n.admin_deployments[0];
    match (&d.configs, &d.regions) {
        (Val::Unknown(c), Val::Unknown(r)) => {
            assert_eq!(c.reason, "known after apply: body.configurationIds");
            assert_eq!(r.reason, "known after apply: body.targetLocations");
        }
        other => panic!("expected unknown configurations and regions, got {other:?}"),
    }
    assert!(matches!(
        n.admin_configs[0].deployment,
        Deployment::Unknown(_)
    ));
}

/// Every plan JSON in the shared corpus loads without an InputError; counts for the report.
#[test]
fn corpus_plans_load() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !root.is_dir() {
        common::missing_prerequisite(&format!("no corpus at {}", root.display()));
        return;
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut plans = 0;
    let mut totals = BTreeMap::<&str, usize>::new();
    let mut unknowns = BTreeMap::<String, usize>::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if !plan::detect(&text) {
            continue;
        }
        plans += 1;
        let mut sources = Sources::new();
        let mut out = Loaded::default();
        let name = path.strip_prefix(root).unwrap().display().to_string();
        plan::load_text(&name, text, &LoadOptions::default(), &mut sources, &mut out);
        assert!(out.errors.is_empty(), "{name}: {:?}", out.errors);
        let mut n = nsgate::model::link::link(out.network);
        nsgate::model::validate::validate(&mut n);
        let rules: usize = n.nsgs.iter().map(|g| g.rules.len()).sum();
        println!(
            "{name}: {} NSGs, {rules} rules, {} subnets, {} NICs, {} problems",
            n.nsgs.len(),
            n.subnets.len(),
            n.nics.len(),
            n.problems.len()
        );
        *totals.entry("nsgs").or_default() += n.nsgs.len();
        *totals.entry("rules").or_default() += rules;
        *totals.entry("subnets").or_default() += n.subnets.len();
        *totals.entry("nics").or_default() += n.nics.len();
        *totals.entry("problems").or_default() += n.problems.len();
        for reason in unknown_reasons(&n) {
            // Group by the reason's kind, not the exact path or name.
            let kind = reason
                .split([':', ';', '`'])
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            *unknowns.entry(kind).or_default() += 1;
        }
        for p in &n.problems {
            println!("  {:?} {:?}: {}", p.severity, p.kind, p.message);
        }
    }
    println!(
        "corpus: {} files scanned, {plans} plans, totals {totals:?}",
        files.len()
    );
    println!("unknowns by reason: {unknowns:?}");
    assert!(
        plans >= 4,
        "expected the corpus's plan files, found {plans}"
    );
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}
