#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! ARM front end: scenario snapshots (testdata/arm/<case>/) and the corpus walk.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nsgate::frontend::{arm, Input, InputKind, LoadOptions, Loaded};
use nsgate::model::dump::dump;
use nsgate::model::{
    link::link, validate::validate, AddressItem, Link, Network, ProblemKind, SecurityRule,
    Severity, Val,
};
use nsgate::source::Sources;

struct Case {
    net: Network,
    sources: Sources,
    inputs: Vec<Input>,
}

/// Load every template of `testdata/arm/<case>/` (parameters files beside them are found by
/// the loader), link and validate.
fn load_case(case: &str) -> Case {
    load_case_with(case, &LoadOptions::default())
}

fn load_case_with(case: &str, opts: &LoadOptions) -> Case {
    let dir = Path::new("testdata/arm").join(case);
    let mut files = Vec::new();
    walk(&dir, &mut files);
    let mut sources = Sources::new();
    let mut out = Loaded::default();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        if arm::detect(&text) {
            arm::load(&f, opts, &mut sources, &mut out);
        }
    }
    assert!(out.errors.is_empty(), "{case}: {:?}", out.errors);
    let mut net = link(out.network);
    validate(&mut net);
    Case {
        net,
        sources,
        inputs: out.inputs,
    }
}

impl Case {
    fn dump(&self) -> String {
        dump(&self.net, &self.sources)
    }

    /// The rules of the NSG named `name`, as `name priority access protocol src:ports -> dst:ports`.
    fn rules(&self, nsg: &str) -> Vec<String> {
        let g = self
            .net
            .nsgs
            .iter()
            .find(|g| g.resource.name.value == nsg)
            .unwrap_or_else(|| panic!("no NSG {nsg}:\n{}", self.dump()));
        g.rules.iter().map(summary).collect()
    }

    /// The NSG linked to the subnet named `subnet`.
    fn subnet_nsg(&self, subnet: &str) -> Option<String> {
        let s = self
            .net
            .subnets
            .iter()
            .find(|s| s.resource.name.value == subnet)
            .unwrap_or_else(|| panic!("no subnet {subnet}:\n{}", self.dump()));
        let id = s.nsg.as_ref()?.resolved()?;
        Some(self.net.nsg(id)?.resource.name.value.clone())
    }

    fn errors_and_warnings(&self) -> Vec<String> {
        self.net
            .problems
            .iter()
            .filter(|p| p.severity >= Severity::Warning)
            .map(|p| p.message.clone())
            .collect()
    }
}

fn summary(r: &SecurityRule) -> String {
    let field = |v: String| v;
    let addr = |a: &nsgate::model::AddressSpec| {
        a.iter()
            .map(|i| match &i.value {
                Val::Known(x) => x.to_string(),
                Val::Unknown(u) => format!("?{}", u.reason),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let ports = |p: &nsgate::model::PortSpec| {
        p.items
            .iter()
            .map(|i| match &i.value {
                Val::Known(x) => x.to_string(),
                Val::Unknown(u) => format!("?{}", u.reason),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    field(format!(
        "{} {} {} {} {} {}:{} -> {}:{}",
        r.name.value,
        r.priority().map_or("?".into(), |p| p.to_string()),
        r.direction().map_or("?".into(), |d| d.to_string()),
        r.access().map_or("?".into(), |a| a.to_string()),
        r.protocol
            .value
            .known()
            .map_or("?".into(), |p| p.to_string()),
        addr(&r.source),
        ports(&r.source_ports),
        addr(&r.destination),
        ports(&r.destination_ports),
    ))
}

const SEED_BROKEN: [&str; 3] = [
    "AllowLB 200 Inbound Allow * AzureLoadBalancer:* -> *:*",
    "AllowLocalRDP 300 Inbound Allow Tcp 172.16.0.0/32:* -> 10.1.0.0/24:3389,20000",
    "DenyAll 400 Inbound Deny * *:* -> *:*",
];
const ALLOW_INSTANCES: &str =
    "AllowInstances 350 Inbound Allow Tcp 10.1.0.0/24:* -> 10.1.0.0/24:3389,20000";

fn seed_fixed() -> Vec<String> {
    let [lb, rdp, deny] = SEED_BROKEN;
    vec![lb.into(), rdp.into(), ALLOW_INSTANCES.into(), deny.into()]
}

/// Rule summaries in priority order (the order Azure evaluates them).
fn by_priority(mut rules: Vec<String>) -> Vec<String> {
    rules.sort_by_key(|r| r.split(' ').nth(1).unwrap().parse::<u32>().unwrap());
    rules
}

fn assert_roles_subnet(c: &Case, nsg: &str) {
    let s = c
        .net
        .subnets
        .iter()
        .find(|s| s.resource.name.value == "roles")
        .unwrap();
    let prefixes: Vec<_> = s
        .prefixes
        .iter()
        .map(|p| p.value.known().unwrap().to_string())
        .collect();
    assert_eq!(prefixes, ["10.1.0.0/24"]);
    assert_eq!(c.subnet_nsg("roles").as_deref(), Some(nsg), "{}", c.dump());
    let vnet = c.net.vnet(s.vnet.resolved().unwrap()).unwrap();
    assert_eq!(
        vnet.address_space[0].value.known().unwrap().to_string(),
        "10.1.0.0/16"
    );
}

#[test]
fn seed_broken_classic() {
    let c = load_case("seed-broken-classic");
    insta::assert_snapshot!("seed-broken-classic", c.dump());
    assert_eq!(c.rules("nsg-roles"), SEED_BROKEN);
    assert_roles_subnet(&c, "nsg-roles");
    assert!(
        c.errors_and_warnings().is_empty(),
        "{:?}",
        c.errors_and_warnings()
    );
}

#[test]
fn seed_fixed_classic() {
    let c = load_case("seed-fixed-classic");
    insta::assert_snapshot!("seed-fixed-classic", c.dump());
    assert_eq!(c.rules("nsg-roles"), seed_fixed());
    assert_roles_subnet(&c, "nsg-roles");
    assert!(
        c.errors_and_warnings().is_empty(),
        "{:?}",
        c.errors_and_warnings()
    );
}

#[test]
fn seed_broken_symbolic() {
    let c = load_case("seed-broken-symbolic");
    insta::assert_snapshot!("seed-broken-symbolic", c.dump());
    assert_eq!(c.rules("nsg-roles"), SEED_BROKEN);
    assert_roles_subnet(&c, "nsg-roles");
    let nsg = &c.net.nsgs[0];
    assert!(nsg.resource.keys.contains(&"arm-sym:nsg".to_string()));
    assert!(nsg
        .resource
        .keys
        .contains(&"arm:microsoft.network/networksecuritygroups/nsg-roles".to_string()));
    assert!(
        c.errors_and_warnings().is_empty(),
        "{:?}",
        c.errors_and_warnings()
    );
}

#[test]
fn seed_fixed_symbolic() {
    let c = load_case("seed-fixed-symbolic");
    insta::assert_snapshot!("seed-fixed-symbolic", c.dump());
    assert_eq!(c.rules("nsg-roles"), seed_fixed());
    assert_roles_subnet(&c, "nsg-roles");
    assert!(
        c.errors_and_warnings().is_empty(),
        "{:?}",
        c.errors_and_warnings()
    );
}

#[test]
fn rule_spans_point_at_the_rule_objects() {
    let c = load_case("seed-fixed-classic");
    let nsg = &c.net.nsgs[0];
    let r = nsg
        .rules
        .iter()
        .find(|r| r.name.value == "AllowInstances")
        .unwrap();
    let text = c.sources.slice(r.span);
    assert!(
        text.starts_with('{') && text.contains("\"AllowInstances\""),
        "{text}"
    );
    assert_eq!(c.sources.slice(r.priority.span), "350");
    assert_eq!(
        c.sources.slice(r.source.span),
        "\"[parameters('roleSubnetPrefix')]\""
    );
    let subnet = &c.net.subnets[0];
    assert_eq!(
        c.sources.slice(subnet.nsg.as_ref().unwrap().span()),
        "\"[resourceId('Microsoft.Network/networkSecurityGroups', variables('nsgName'))]\""
    );
}

#[test]
fn rules_from_a_property_copy_loop() {
    let c = load_case("rules-copy-loop");
    insta::assert_snapshot!("rules-copy-loop", c.dump());
    assert_eq!(c.rules("nsg-roles"), seed_fixed());
    assert_roles_subnet(&c, "nsg-roles");
    assert!(
        c.errors_and_warnings().is_empty(),
        "{:?}",
        c.errors_and_warnings()
    );
}

#[test]
fn child_rule_resources() {
    let c = load_case("child-rules");
    insta::assert_snapshot!("child-rules", c.dump());
    assert_eq!(by_priority(c.rules("nsg-roles")), seed_fixed());
    assert_roles_subnet(&c, "nsg-roles");
    assert!(c.net.nsgs[0]
        .rules
        .iter()
        .all(|r| matches!(r.origin, nsgate::model::RuleOrigin::Standalone { .. })));
    assert!(
        c.errors_and_warnings().is_empty(),
        "{:?}",
        c.errors_and_warnings()
    );
}

#[test]
fn nic_level_nsg() {
    let c = load_case("nic-nsg");
    insta::assert_snapshot!("nic-nsg", c.dump());
    assert_eq!(c.net.nics.len(), 2);
    for (nic, ip) in c.net.nics.iter().zip(["10.1.0.4", "10.1.0.5"]) {
        let nsg = c
            .net
            .nsg(nic.nsg.as_ref().unwrap().resolved().unwrap())
            .unwrap();
        assert_eq!(nsg.resource.name.value, "nsg-nic");
        let cfg = &nic.ip_configs[0];
        assert_eq!(
            cfg.private_ip
                .as_ref()
                .unwrap()
                .value
                .known()
                .unwrap()
                .to_string(),
            ip
        );
        let subnet = c
            .net
            .subnet(cfg.subnet.as_ref().unwrap().resolved().unwrap())
            .unwrap();
        assert_eq!(subnet.resource.name.value, "roles");
        assert!(subnet.nsg.is_none());
        assert_eq!(cfg.asgs.len(), 1);
        assert!(cfg.asgs[0].resolved().is_some());
    }
    assert!(c.rules("nsg-nic")[0].starts_with("AllowInstances 350 Inbound Allow Tcp ASG "));
    assert!(
        c.errors_and_warnings().is_empty(),
        "{:?}",
        c.errors_and_warnings()
    );
}

#[test]
fn bicep_module_as_nested_deployment() {
    let c = load_case("bicep-module");
    insta::assert_snapshot!("bicep-module", c.dump());
    let rules = c.rules("cs-roles-nsg");
    assert_eq!(rules.len(), 4);
    assert_eq!(rules[2], ALLOW_INSTANCES);
    assert_roles_subnet(&c, "cs-roles-nsg");
    let vnet = &c.net.vnets[0];
    assert_eq!(vnet.resource.name.value, "cs-vnet");
    assert!(
        vnet.resource
            .address
            .starts_with("{deployment().name}-vnet::"),
        "{}",
        vnet.resource.address
    );
    assert!(
        c.errors_and_warnings().is_empty(),
        "{:?}",
        c.errors_and_warnings()
    );
}

#[test]
fn parameters_file_beside_the_template_overrides_defaults() {
    let c = load_case("parameters-file");
    insta::assert_snapshot!("parameters-file", c.dump());
    assert_eq!(by_priority(c.rules("nsg-roles")), seed_fixed());
    assert_roles_subnet(&c, "nsg-roles");
    assert!(c.inputs.contains(&Input {
        path: "testdata/arm/parameters-file/azuredeploy.parameters.json".into(),
        kind: InputKind::Arm,
    }));
    // The rule that came from the parameters file points into it.
    let nsg = &c.net.nsgs[0];
    let r = nsg
        .rules
        .iter()
        .find(|r| r.name.value == "AllowInstances")
        .unwrap();
    assert_eq!(
        c.sources.name(r.span.file),
        "testdata/arm/parameters-file/azuredeploy.parameters.json"
    );
    assert!(
        c.errors_and_warnings().is_empty(),
        "{:?}",
        c.errors_and_warnings()
    );
}

#[test]
fn explicit_parameters_option_wins() {
    // Without the parameters file's values, `nsgName` has no value: the NSG is still linked
    // to its subnet (by the symbol of the unknown name) and RDP is open to `*`.
    let empty = std::env::temp_dir().join("nsgate-arm-empty.parameters.json");
    std::fs::write(&empty, r#"{ "parameters": {} }"#).unwrap();
    let c = load_case_with(
        "parameters-file",
        &LoadOptions {
            parameters: Some(empty),
            ..LoadOptions::default()
        },
    );
    let nsg = &c.net.nsgs[0];
    assert_eq!(nsg.resource.name.value, "{parameters('nsgname')}");
    assert_eq!(
        c.subnet_nsg("roles").as_deref(),
        Some("{parameters('nsgname')}")
    );
    assert_eq!(
        c.rules("{parameters('nsgname')}")[1],
        "AllowLocalRDP 300 Inbound Allow Tcp *:* -> 10.1.0.0/24:3389,20000"
    );
}

#[test]
fn design_example_mixes_inline_and_child_rules() {
    let c = load_case("design-example");
    insta::assert_snapshot!("design-example", c.dump());
    assert_eq!(c.rules("cs-roles-nsg").len(), 4);
    assert!(c
        .net
        .problems
        .iter()
        .any(|p| p.kind == ProblemKind::Ambiguous));
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Every Unknown reason in a linked network, for the corpus statistics.
fn unknown_reasons(n: &Network, out: &mut BTreeMap<String, usize>) {
    let mut add = |r: &str| *out.entry(r.to_string()).or_default() += 1;
    for nsg in &n.nsgs {
        for r in &nsg.rules {
            for u in [
                r.priority.value.as_unknown(),
                r.direction.value.as_unknown(),
                r.access.value.as_unknown(),
                r.protocol.value.as_unknown(),
            ]
            .into_iter()
            .flatten()
            {
                add(&u.reason);
            }
            for item in r.source.iter().chain(r.destination.iter()) {
                match &item.value {
                    Val::Unknown(u) => add(&u.reason),
                    Val::Known(AddressItem::Asg(l)) => {
                        if let Link::Unknown(u) = &**l {
                            add(&u.reason)
                        }
                    }
                    _ => {}
                }
            }
            for p in r
                .source_ports
                .items
                .iter()
                .chain(&r.destination_ports.items)
            {
                if let Val::Unknown(u) = &p.value {
                    add(&u.reason);
                }
            }
        }
    }
    for s in &n.subnets {
        for p in &s.prefixes {
            if let Val::Unknown(u) = &p.value {
                add(&u.reason);
            }
        }
        if let Some(Link::Unknown(u)) = &s.nsg {
            add(&u.reason);
        }
        if let Link::Unknown(u) = &s.vnet {
            add(&u.reason);
        }
    }
    for nic in &n.nics {
        if let Some(Link::Unknown(u)) = &nic.nsg {
            add(&u.reason);
        }
        for ip in &nic.ip_configs {
            if let Some(Link::Unknown(u)) = &ip.subnet {
                add(&u.reason);
            }
            if let Some(f) = &ip.private_ip {
                if let Val::Unknown(u) = &f.value {
                    add(&u.reason);
                }
            }
        }
    }
}

#[test]
fn corpus_templates_load_without_panics_or_input_errors() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !root.is_dir() {
        common::missing_prerequisite(&format!("corpus not found at {}", root.display()));
        return;
    }
    let mut files = Vec::new();
    walk(root, &mut files);
    let json: Vec<_> = files
        .iter()
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        })
        .collect();
    let (mut templates, mut loaded, mut nsgs, mut rules, mut subnets, mut nics) =
        (0, 0, 0, 0, 0, 0);
    let mut reasons = BTreeMap::new();
    let mut problems = BTreeMap::new();
    for path in &json {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if !arm::detect(&text) {
            continue;
        }
        templates += 1;
        let mut sources = Sources::new();
        let mut out = Loaded::default();
        arm::load(path, &LoadOptions::default(), &mut sources, &mut out);
        assert!(
            out.errors.is_empty(),
            "{}: {:?}",
            path.display(),
            out.errors
        );
        loaded += 1;
        let mut net = link(out.network);
        validate(&mut net);
        nsgs += net.nsgs.len();
        rules += net.nsgs.iter().map(|n| n.rules.len()).sum::<usize>();
        subnets += net.subnets.len();
        nics += net.nics.len();
        unknown_reasons(&net, &mut reasons);
        for p in &net.problems {
            *problems
                .entry(format!("{}[{:?}]", p.severity, p.kind))
                .or_insert(0usize) += 1;
        }
        println!(
            "{}: {} NSGs, {} rules, {} subnets, {} NICs, {} problems",
            path.strip_prefix(root).unwrap_or(path).display(),
            net.nsgs.len(),
            net.nsgs.iter().map(|n| n.rules.len()).sum::<usize>(),
            net.subnets.len(),
            net.nics.len(),
            net.problems.len()
        );
    }
    println!(
        "\njson files: {}, ARM templates detected: {templates}, loaded: {loaded}",
        json.len()
    );
    println!("NSGs: {nsgs}, rules: {rules}, subnets: {subnets}, NICs: {nics}");
    println!("problems by severity and kind: {problems:?}");
    println!("unknowns by reason:");
    for (r, n) in &reasons {
        println!("  {n:4}  {r}");
    }
    assert!(templates > 0);
}
