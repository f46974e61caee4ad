//! Generator of a large Terraform plan JSON for benches/plan_load.rs and the memory
//! measurement with examples/plan_bench_file.rs: a first deploy of `nsgs` subnets, NSGs with
//! `rules_per_nsg` inline rules each, and subnet–NSG associations, all three with `for_each`,
//! so every id is unknown and each association links through `configuration` references with
//! `each.key` pairing — the most expensive path of the plan front end.
//!
//! `Layout::Full` writes what `terraform show -json` writes (compact): `planned_values` with
//! `sensitive_values`, `resource_changes` with `before`, `after`, `after_unknown`,
//! `before_sensitive`, `after_sensitive`, and `configuration`. `Layout::Dense` keeps only
//! `resource_changes` (`after`, `after_unknown`) and `configuration`: the same model from about
//! a third of the bytes, the worst case for memory per byte of input.

#![allow(dead_code)]

use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Full,
    Dense,
}

pub struct Shape {
    pub nsgs: usize,
    pub rules_per_nsg: usize,
    pub layout: Layout,
}

const PROVIDER: &str = "registry.terraform.io/hashicorp/azurerm";

fn key(i: usize) -> String {
    format!("s{i:05}")
}

fn prefix(i: usize) -> String {
    format!("10.{}.{}.0/24", (i / 256) % 256, i % 256)
}

/// One inline rule, every attribute present ("" and [] for unset), keys sorted.
fn rule(out: &mut String, i: usize, j: usize, last: bool) {
    let (access, protocol) = if last {
        ("Deny", "*")
    } else {
        let protocol = match j % 3 {
            0 => "Tcp",
            1 => "Udp",
            _ => "*",
        };
        ("Allow", protocol)
    };
    let direction = if j % 4 == 3 { "Outbound" } else { "Inbound" };
    let (src, srcs) = match j % 3 {
        0 => ("", r#"["10.250.0.0/16","192.168.10.0/24"]"#.to_string()),
        1 => ("VirtualNetwork", "[]".to_string()),
        _ => ("", format!(r#"["{}"]"#, prefix(i))),
    };
    let src = if last { "*" } else { src };
    let srcs = if last { "[]".to_string() } else { srcs };
    let (dport, dports) = if last {
        ("*", "[]")
    } else if j % 2 == 0 {
        ("", r#"["3389","443","8443"]"#)
    } else {
        ("22", "[]")
    };
    let _ = write!(
        out,
        r#"{{"access":"{access}","description":"","destination_address_prefix":"{dst}","destination_address_prefixes":[],"destination_application_security_group_ids":[],"destination_port_range":"{dport}","destination_port_ranges":{dports},"direction":"{direction}","name":"rule-{j:02}","priority":{prio},"protocol":"{protocol}","source_address_prefix":"{src}","source_address_prefixes":{srcs},"source_application_security_group_ids":[],"source_port_range":"*","source_port_ranges":[]}}"#,
        dst = if last { "*".to_string() } else { prefix(i) },
        prio = if last { 4000 } else { 100 + 10 * j },
    );
}

/// `after_unknown`/`*_sensitive` twin of a rule: the empty lists stay, known leaves are
/// omitted, items of non-empty lists are `false`.
fn rule_bools(out: &mut String, j: usize, last: bool) {
    let srcs = if last || j % 3 == 1 {
        "[]"
    } else if j % 3 == 0 {
        "[false,false]"
    } else {
        "[false]"
    };
    let dports = if !last && j % 2 == 0 {
        "[false,false,false]"
    } else {
        "[]"
    };
    let _ = write!(
        out,
        r#"{{"destination_address_prefixes":[],"destination_application_security_group_ids":[],"destination_port_ranges":{dports},"source_address_prefixes":{srcs},"source_application_security_group_ids":[],"source_port_ranges":[]}}"#
    );
}

fn nsg_values(out: &mut String, i: usize, rules: usize) {
    let _ = write!(
        out,
        r#"{{"location":"westeurope","name":"nsg-{k}","resource_group_name":"rg-bench","security_rule":["#,
        k = key(i)
    );
    for j in 0..rules {
        if j > 0 {
            out.push(',');
        }
        rule(out, i, j, j + 1 == rules);
    }
    out.push_str(r#"],"tags":null,"timeouts":null}"#);
}

fn nsg_bools(out: &mut String, rules: usize, unknown: bool) {
    out.push('{');
    if unknown {
        out.push_str(r#""id":true,"#);
    }
    out.push_str(r#""security_rule":["#);
    for j in 0..rules {
        if j > 0 {
            out.push(',');
        }
        rule_bools(out, j, j + 1 == rules);
    }
    out.push_str("]}");
}

fn subnet_values(out: &mut String, i: usize) {
    let _ = write!(
        out,
        r#"{{"address_prefixes":["{p}"],"default_outbound_access_enabled":true,"delegation":[],"name":"snet-{k}","private_endpoint_network_policies":"Disabled","private_link_service_network_policies_enabled":true,"resource_group_name":"rg-bench","service_endpoint_policy_ids":null,"service_endpoints":null,"timeouts":null,"virtual_network_name":"vnet-bench"}}"#,
        p = prefix(i),
        k = key(i)
    );
}

const SUBNET_UNKNOWN: &str = r#"{"address_prefixes":[false],"delegation":[],"id":true}"#;
const SUBNET_SENSITIVE: &str = r#"{"address_prefixes":[false],"delegation":[]}"#;
const ASSOC_VALUES: &str = r#"{"timeouts":null}"#;
const ASSOC_UNKNOWN: &str = r#"{"id":true,"network_security_group_id":true,"subnet_id":true}"#;

struct Instance<'a> {
    rtype: &'a str,
    name: &'a str,
    key: String,
}

impl Instance<'_> {
    fn address(&self) -> String {
        format!(r#"{}.{}[\"{}\"]"#, self.rtype, self.name, self.key)
    }
}

fn header(out: &mut String, inst: &Instance<'_>) {
    let _ = write!(
        out,
        r#""address":"{a}","mode":"managed","type":"{t}","name":"{n}","index":"{k}","provider_name":"{PROVIDER}""#,
        a = inst.address(),
        t = inst.rtype,
        n = inst.name,
        k = inst.key
    );
}

fn write_values(
    kind: &str,
    i: usize,
    rules: usize,
    vals: &mut String,
    unk: &mut String,
    sens: &mut String,
) {
    vals.clear();
    unk.clear();
    sens.clear();
    match kind {
        "azurerm_network_security_group" => {
            nsg_values(vals, i, rules);
            nsg_bools(unk, rules, true);
            nsg_bools(sens, rules, false);
        }
        "azurerm_subnet" => {
            subnet_values(vals, i);
            unk.push_str(SUBNET_UNKNOWN);
            sens.push_str(SUBNET_SENSITIVE);
        }
        _ => {
            vals.push_str(ASSOC_VALUES);
            unk.push_str(ASSOC_UNKNOWN);
            sens.push_str("{}");
        }
    }
}

const VNET_CHANGE: &str = r#"{"address":"azurerm_virtual_network.main","mode":"managed","type":"azurerm_virtual_network","name":"main","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{"actions":["create"],"before":null,"after":{"address_space":["10.0.0.0/8"],"bgp_community":null,"ddos_protection_plan":[],"edge_zone":null,"encryption":[],"flow_timeout_in_minutes":null,"location":"westeurope","name":"vnet-bench","resource_group_name":"rg-bench","tags":null,"timeouts":null},"after_unknown":{"address_space":[false],"ddos_protection_plan":[],"dns_servers":true,"encryption":[],"guid":true,"id":true,"subnet":true},"before_sensitive":false,"after_sensitive":{"address_space":[false],"ddos_protection_plan":[],"encryption":[]}}}"#;

/// The whole plan text.
pub fn generate(shape: &Shape) -> String {
    let n = shape.nsgs;
    let r = shape.rules_per_nsg;
    let full = shape.layout == Layout::Full;
    let mut out = String::with_capacity(n * r * if full { 1800 } else { 700 } + (1 << 20));
    out.push_str(r#"{"format_version":"1.2","terraform_version":"1.9.4","#);

    let kinds = [
        "azurerm_network_security_group",
        "azurerm_subnet",
        "azurerm_subnet_network_security_group_association",
    ];
    let mut values = String::new();
    let mut unknown = String::new();
    let mut sensitive = String::new();
    if full {
        out.push_str(r#""planned_values":{"root_module":{"resources":["#);
        let mut first = true;
        for kind in kinds {
            for i in 0..n {
                write_values(kind, i, r, &mut values, &mut unknown, &mut sensitive);
                if !first {
                    out.push(',');
                }
                first = false;
                out.push('{');
                header(
                    &mut out,
                    &Instance {
                        rtype: kind,
                        name: "app",
                        key: key(i),
                    },
                );
                let _ = write!(
                    out,
                    r#","schema_version":0,"values":{values},"sensitive_values":{sensitive}}}"#
                );
            }
        }
        out.push_str("]}},");
    }

    out.push_str(r#""resource_changes":["#);
    out.push_str(VNET_CHANGE);
    let mut first = false;
    for kind in kinds {
        for i in 0..n {
            write_values(kind, i, r, &mut values, &mut unknown, &mut sensitive);
            if !first {
                out.push(',');
            }
            first = false;
            out.push('{');
            header(
                &mut out,
                &Instance {
                    rtype: kind,
                    name: "app",
                    key: key(i),
                },
            );
            if full {
                let _ = write!(
                    out,
                    r#","change":{{"actions":["create"],"before":null,"after":{values},"after_unknown":{unknown},"before_sensitive":false,"after_sensitive":{sensitive}}}}}"#
                );
            } else {
                let _ = write!(
                    out,
                    r#","change":{{"actions":["create"],"before":null,"after":{values},"after_unknown":{unknown}}}}}"#
                );
            }
        }
    }
    out.push_str("],");

    // The configuration: three for_each resource blocks and their references.
    out.push_str(r#""configuration":{"provider_config":{"azurerm":{"name":"azurerm","full_name":"registry.terraform.io/hashicorp/azurerm","expressions":{"features":[{}]}}},"root_module":{"resources":["#);
    out.push_str(r#"{"address":"azurerm_network_security_group.app","mode":"managed","type":"azurerm_network_security_group","name":"app","provider_config_key":"azurerm","expressions":{"location":{"constant_value":"westeurope"},"name":{"references":["each.key"]},"resource_group_name":{"constant_value":"rg-bench"},"security_rule":{"references":["each.value"]}},"schema_version":0,"for_each_expression":{"references":["local.subnets"]}},"#);
    out.push_str(r#"{"address":"azurerm_subnet.app","mode":"managed","type":"azurerm_subnet","name":"app","provider_config_key":"azurerm","expressions":{"address_prefixes":{"references":["each.value"]},"name":{"references":["each.key"]},"resource_group_name":{"constant_value":"rg-bench"},"virtual_network_name":{"constant_value":"vnet-bench"}},"schema_version":0,"for_each_expression":{"references":["local.subnets"]}},"#);
    out.push_str(r#"{"address":"azurerm_subnet_network_security_group_association.app","mode":"managed","type":"azurerm_subnet_network_security_group_association","name":"app","provider_config_key":"azurerm","expressions":{"network_security_group_id":{"references":["azurerm_network_security_group.app","each.key"]},"subnet_id":{"references":["azurerm_subnet.app","each.key"]}},"schema_version":0,"for_each_expression":{"references":["local.subnets"]}}"#);
    out.push_str("]}},");
    out.push_str(
        r#""timestamp":"2026-11-20T09:14:03Z","applyable":true,"complete":true,"errored":false}"#,
    );
    out
}
