//! The built-in tenant policies (NSG001 scope, NSG005–NSG008) and a user policy of the same
//! shape, on networks from the test builder.

use crate::model::builder::{span, NetworkBuilder, RuleSpec};
use crate::model::tenant::TenantKind;
use crate::model::{Network, Spanned, Val};
use crate::policy::builtin::builtin_policies;
use crate::policy::{load_policy, run, CheckContext, Finding, Policy};
use crate::source::Sources;

fn findings_with(net: &Network, extra: &[&str]) -> Vec<Finding> {
    let mut sources = Sources::new();
    let mut policies: Vec<Policy> = builtin_policies(&mut sources).unwrap();
    for text in extra {
        let file = sources.add("user.toml", *text);
        policies.push(load_policy(file, &sources).unwrap());
    }
    let unknown_value = policies
        .iter()
        .find(|p| p.meta.kind == "unknown-value")
        .map(|p| p.meta.clone());
    let rules = crate::eval::compiled::CompiledRules::new(net);
    let ctx = CheckContext {
        network: net,
        sources: &sources,
        unknown_value: unknown_value.as_ref(),
        rules: &rules,
    };
    run(&policies, &ctx)
}

fn findings(net: &Network) -> Vec<Finding> {
    findings_with(net, &[])
}

fn of<'a>(fs: &'a [Finding], id: &str) -> Vec<&'a Finding> {
    fs.iter().filter(|f| f.policy == id).collect()
}

fn deny_all_in(priority: u32) -> crate::model::SecurityRule {
    RuleSpec::new("DenyAll", priority).deny().build()
}

fn role(rdp: bool) -> TenantKind {
    TenantKind::CloudServiceRole {
        service: Spanned::new("ContosoCS".into(), span()),
        role: Spanned::new("WebRole1".into(), span()),
        rdp: Spanned::new(Val::Known(rdp), span()),
    }
}

fn admin_rdp() -> crate::model::SecurityRule {
    RuleSpec::new("AllowLocalRDP", 300)
        .tcp()
        .from("172.16.0.0")
        .ports("3389")
        .build()
}

#[test]
fn nsg001_covers_the_whole_prefix_of_a_role_subnet_and_names_the_roles() {
    // A declared NIC in the subnet would make the classic check pairs of NICs only; the role
    // instances are undeclared hosts anywhere in the prefix.
    let net = NetworkBuilder::new()
        .vnet("vnet", &["10.1.0.0/16"])
        .nsg("nsg", vec![admin_rdp(), deny_all_in(400)])
        .subnet("roles", "vnet", &["10.1.0.0/24"], Some("nsg"))
        .nic("jump", "roles", Some("10.1.0.10"), None, &[])
        .tenant(role(true), "ContosoCS/WebRole1", "roles")
        .build();
    let fs = findings(&net);
    let nsg001 = of(&fs, "NSG001");
    assert_eq!(nsg001.len(), 1, "{fs:#?}");
    assert!(nsg001[0].message.contains("ContosoCS/WebRole1"));
    assert!(nsg001[0].message.contains("subnet `roles`"));
    assert!(of(&fs, "NSG008").is_empty(), "172.16.0.0 reaches 3389");
}

#[test]
fn nsg001_ignores_vm_subnets_and_roles_without_rdp() {
    let net = NetworkBuilder::new()
        .vnet("vnet", &["10.1.0.0/16"])
        .nsg("nsg", vec![admin_rdp(), deny_all_in(400)])
        .subnet("vms", "vnet", &["10.1.0.0/24"], Some("nsg"))
        .subnet("norole", "vnet", &["10.1.1.0/24"], Some("nsg"))
        .nic("vm1", "vms", None, None, &[])
        .tenant(role(false), "ContosoCS/Worker", "norole")
        .build();
    assert!(of(&findings(&net), "NSG001").is_empty());
}

#[test]
fn nsg008_warns_when_an_rdp_role_is_reachable_from_nowhere() {
    let net = NetworkBuilder::new()
        .vnet("vnet", &["10.1.0.0/16"])
        .nsg("nsg", vec![deny_all_in(400)])
        .subnet("roles", "vnet", &["10.1.0.0/24"], Some("nsg"))
        .tenant(role(true), "ContosoCS/WebRole1", "roles")
        .build();
    let fs = findings(&net);
    let warn = of(&fs, "NSG008");
    assert_eq!(warn.len(), 1, "{fs:#?}");
    assert!(warn[0].message.contains("DenyAll"), "{}", warn[0].message);
    assert!(warn[0].message.contains("ContosoCS/WebRole1"));
}

#[test]
fn nsg005_probe_port_denied_by_a_deny_all_and_fixed_by_an_allow() {
    let build = |rules: Vec<crate::model::SecurityRule>| {
        NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .nsg("nsg", rules)
            .subnet("web", "vnet", &["10.1.0.0/24"], Some("nsg"))
            .nic("vm1", "web", Some("10.1.0.4"), None, &[])
            .lb_backend("lb", 80, "vm1")
            .build()
    };
    let broken = findings(&build(vec![deny_all_in(4000)]));
    let probe = of(&broken, "NSG005");
    assert_eq!(probe.len(), 1, "{broken:#?}");
    let f = probe[0];
    assert!(f.message.contains("AzureLoadBalancer"), "{}", f.message);
    assert!(f.message.contains("lb/pool") && f.message.contains("lb/probe"));
    assert!(f.message.contains("NIC `vm1`"));
    let w = &f.witnesses[0];
    assert_eq!(w.flow.dst_port, Some(80));
    assert_eq!(w.flow.src.to_string(), "168.63.129.16");
    let fix = f.fix.as_ref().unwrap();
    assert!(fix.summary.contains("AzureLoadBalancer"), "{}", fix.summary);
    let allow = RuleSpec::new("AllowProbe", 3900)
        .tcp()
        .from("AzureLoadBalancer")
        .ports("80")
        .build();
    assert!(of(&findings(&build(vec![allow, deny_all_in(4000)])), "NSG005").is_empty());
}

#[test]
fn nsg007_gateway_manager_matches_by_tag_identity_and_other_tags_are_undecided() {
    let v2 = TenantKind::ApplicationGateway {
        tier: Spanned::new(Val::Known("WAF_v2".into()), span()),
    };
    let build = |source: &str| {
        NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .nsg(
                "nsg",
                vec![
                    RuleSpec::new("AllowGwm", 100)
                        .tcp()
                        .from(source)
                        .ports("65200-65535")
                        .build(),
                    RuleSpec::new("AllowLb", 110)
                        .from("AzureLoadBalancer")
                        .build(),
                    deny_all_in(4000),
                ],
            )
            .subnet("appgw", "vnet", &["10.1.0.0/24"], Some("nsg"))
            .tenant(v2.clone(), "agw", "appgw")
            .build()
    };
    let ok = findings(&build("GatewayManager"));
    assert!(of(&ok, "NSG007").is_empty(), "{ok:#?}");
    assert!(of(&ok, "NSG030").is_empty(), "{ok:#?}");
    let star = findings(&build("*"));
    assert!(of(&star, "NSG007").is_empty() && of(&star, "NSG030").is_empty());
    let internet = findings(&build("Internet"));
    assert!(
        of(&internet, "NSG007").is_empty() && of(&internet, "NSG030").is_empty(),
        "Internet holds every public address outside a known VNet: {internet:#?}"
    );
    let other = findings(&build("AzureCloud"));
    assert!(of(&other, "NSG007").is_empty(), "{other:#?}");
    let undecided = of(&other, "NSG030");
    assert_eq!(undecided.len(), 1, "{other:#?}");
    assert!(undecided[0].message.contains("GatewayManager"));
    let prefix = findings(&build("52.0.0.0/8"));
    assert_eq!(of(&prefix, "NSG030").len(), 1, "{prefix:#?}");
    let missing = findings(&build("10.0.0.0/8"));
    assert_eq!(
        of(&missing, "NSG007").len(),
        1,
        "a private prefix holds no GatewayManager address: {missing:#?}"
    );
}

#[test]
fn a_user_policy_of_the_same_shape_checks_its_own_service() {
    // An organisation's health checker on port 8081 of every load-balancer backend, and a
    // monitoring service tag that must reach the private endpoints' subnets on 443.
    let user = r#"
id       = "ORG200"
name     = "health-checker-and-monitoring"
severity = "error"
summary  = "Backends answer the health checker on their probe ports; monitoring reaches 443"
kind     = "reachability"

[scope]
hosts = ["load-balancer-backend", "private-endpoint"]

[[assert]]
expect   = "allow"
protocol = "tcp"
from     = "10.9.0.0/24"
to       = "probe-port"

[[assert]]
expect   = "allow"
protocol = "tcp"
from     = "AzureMonitor"
to       = "subnet"
ports    = ["443"]
"#;
    let net = NetworkBuilder::new()
        .vnet("vnet", &["10.1.0.0/16"])
        .nsg(
            "nsg",
            vec![
                RuleSpec::new("AllowMonitor", 100)
                    .tcp()
                    .from("AzureMonitor")
                    .ports("443")
                    .build(),
                deny_all_in(4000),
            ],
        )
        .subnet("web", "vnet", &["10.1.0.0/24"], Some("nsg"))
        .nic("vm1", "web", Some("10.1.0.4"), None, &[])
        .lb_backend("lb", 8081, "vm1")
        .build();
    let fs = findings_with(&net, &[user]);
    let org = of(&fs, "ORG200");
    assert_eq!(org.len(), 1, "{fs:#?}");
    assert!(org[0].message.contains("10.9.0.0/24"), "{}", org[0].message);
    assert!(
        !org[0].message.contains("AzureMonitor"),
        "the monitoring rule allows its tag"
    );
    assert_eq!(org[0].witnesses[0].flow.dst_port, Some(8081));
}

#[test]
fn opaque_tags_match_by_identity_supersets_pass_and_the_rest_is_undecided() {
    let user = r#"
id       = "ORG300"
name     = "gateway-manager-reaches-management-ports"
severity = "error"
summary  = "GatewayManager reaches TCP 65200-65535"
kind     = "reachability"

[[assert]]
expect   = "allow"
protocol = "tcp"
from     = "GatewayManager"
to       = "subnet"
ports    = ["65200-65535"]
"#;
    let build = |source: &str| {
        NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .nsg(
                "nsg",
                vec![
                    RuleSpec::new("AllowGwm", 100)
                        .tcp()
                        .from(source)
                        .ports("65200-65535")
                        .build(),
                    deny_all_in(4000),
                ],
            )
            .subnet("appgw", "vnet", &["10.1.0.0/24"], Some("nsg"))
            .build()
    };
    let run = |source: &str| findings_with(&build(source), &[user]);
    for source in ["GatewayManager", "gatewaymanager", "*", "Internet"] {
        let fs = run(source);
        assert!(
            of(&fs, "ORG300").is_empty() && of(&fs, "NSG030").is_empty(),
            "{source} holds every GatewayManager address: {fs:#?}"
        );
    }
    for source in ["AzureCloud", "52.0.0.0/8"] {
        let fs = run(source);
        assert!(of(&fs, "ORG300").is_empty(), "{source}: {fs:#?}");
        let undecided = of(&fs, "NSG030");
        assert_eq!(undecided.len(), 1, "{source}: {fs:#?}");
        assert!(undecided[0].message.contains("GatewayManager"));
    }
    for source in ["10.0.0.0/8", "VirtualNetwork", "AzureLoadBalancer"] {
        let fs = run(source);
        assert_eq!(
            of(&fs, "ORG300").len(),
            1,
            "{source} holds no GatewayManager address: {fs:#?}"
        );
    }
}

#[test]
fn expect_some_fails_only_when_no_flow_passes_and_names_the_deciding_rules() {
    let user = r#"
id       = "ORG400"
name     = "admins-reach-rdp"
severity = "warning"
summary  = "Someone outside the subnet reaches RDP"
kind     = "reachability"

[[assert]]
expect   = "some"
protocol = "tcp"
from     = "outside"
to       = "subnet"
ports    = ["3389"]
"#;
    let build = |rules: Vec<crate::model::SecurityRule>| {
        NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .nsg("nsg", rules)
            .subnet("roles", "vnet", &["10.1.0.0/24"], Some("nsg"))
            .build()
    };
    let closed = findings_with(&build(vec![deny_all_in(400)]), &[user]);
    let org = of(&closed, "ORG400");
    assert_eq!(org.len(), 1, "{closed:#?}");
    assert!(org[0].message.contains("DenyAll"), "{}", org[0].message);
    assert!(org[0].message.contains("outside the subnet"));
    let one_admin = findings_with(&build(vec![admin_rdp(), deny_all_in(400)]), &[user]);
    assert!(of(&one_admin, "ORG400").is_empty(), "{one_admin:#?}");
}
