//! Generators of the adversarial inputs of issue 16, shared by `examples/adversarial.rs` (full
//! size, for measuring) and `tests/robustness.rs` (small size, for regression).

#![allow(dead_code)]

use std::fmt::Write;

/// The text of `shape` at `size`, or None for an unknown shape.
pub fn generate(shape: &str, size: usize) -> Option<String> {
    Some(match shape {
        "tf-flatten" => tf_doubling(size, "flatten(local.s)"),
        "tf-jsonencode" => tf_doubling(size, "[jsonencode(local.s)]"),
        "tf-eq" => tf_doubling(size, "local.s == local.t ? [\"10.0.0.0/8\"] : []"),
        "tf-toset" => tf_doubling(size, "toset(local.s)"),
        "tf-distinct" => tf_doubling(size, "distinct(local.s)"),
        "tf-setunion" => tf_doubling(size, "setunion(local.s, local.t)"),
        "tf-dynamic" => tf_dynamic(size),
        "arm-string" => arm_doubling(size, "[createArray(string(variables('s')))]"),
        "arm-json" => arm_doubling(size, "[json(string(variables('s')))]"),
        "arm-equals" => arm_doubling(
            size,
            "[if(equals(variables('s'), variables('t')), createArray('10.0.0.0/8'), createArray())]",
        ),
        "arm-copy" => arm_copy(size),
        "arm-numbers" => arm_numbers(size),
        "tf-numbers" => tf_numbers(size),
        "big-nsg" => big_nsg(1_000, size) + tf_attachment(),
        "frag-nsg" => fragmenting_nsg(size, 16) + tf_attachment(),
        "arm-copy-flat" => arm_copy_prefixes(size, 1),
        _ => return None,
    })
}

/// Locals `s0` … `s<n>`, each a list of two references to the one before; `s` and `t` are the
/// last (two names, so `==` and set functions cannot shortcut on one reference).
fn tf_doubling_locals(n: usize) -> String {
    let mut out = String::from("locals {\n  s0 = [\"10.0.0.0/8\"]\n");
    for i in 1..=n {
        let _ = writeln!(out, "  s{i} = [local.s{p}, local.s{p}]", p = i - 1);
    }
    let _ = writeln!(
        out,
        "  s = local.s{n}\n  t = [local.s{p}, local.s{p}]\n}}",
        p = n.saturating_sub(1)
    );
    out
}

fn tf_nsg(prefixes: &str) -> String {
    format!(
        r#"
resource "azurerm_network_security_group" "n" {{
  name                = "nsg-n"
  location            = "westeurope"
  resource_group_name = "rg"
  security_rule {{
    name                       = "AllowSsh"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefixes    = {prefixes}
    destination_address_prefix = "*"
  }}
}}
"#
    )
}

fn tf_doubling(n: usize, prefixes: &str) -> String {
    tf_doubling_locals(n) + &tf_nsg(prefixes)
}

fn tf_dynamic(n: usize) -> String {
    tf_doubling_locals(n)
        + r#"
resource "azurerm_network_security_group" "n" {
  name                = "nsg-n"
  location            = "westeurope"
  resource_group_name = "rg"
  dynamic "security_rule" {
    for_each = flatten(local.s)
    content {
      name                       = "r${security_rule.key}"
      priority                   = 100 + security_rule.key
      direction                  = "Inbound"
      access                     = "Allow"
      protocol                   = "Tcp"
      source_port_range          = "*"
      destination_port_range     = "22"
      source_address_prefix      = security_rule.value
      destination_address_prefix = "*"
    }
  }
}
"#
}

fn arm_rule(prefixes: &str) -> String {
    format!(
        r#"{{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "nsg-n", "location": "westeurope",
      "properties": {{"securityRules": [{{"name": "AllowSsh", "properties": {{"priority": 100, "direction": "Inbound", "access": "Allow",
        "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "22", "sourceAddressPrefixes": "{prefixes}",
        "destinationAddressPrefix": "*"}}}}]}}}}"#
    )
}

fn arm_doubling(n: usize, prefixes: &str) -> String {
    let mut vars = String::from("\"s0\": \"[createArray('10.0.0.0/8')]\"");
    for i in 1..=n {
        let _ = write!(
            vars,
            ",\n    \"s{i}\": \"[createArray(variables('s{p}'), variables('s{p}'))]\"",
            p = i - 1
        );
    }
    let p = n.saturating_sub(1);
    let _ = write!(
        vars,
        ",\n    \"s\": \"[variables('s{n}')]\",\n    \"t\": \"[createArray(variables('s{p}'), variables('s{p}'))]\""
    );
    format!(
        "{{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n  \"contentVersion\": \"1.0.0.0\",\n  \"variables\": {{\n    {vars}\n  }},\n  \"resources\": [{}]\n}}\n",
        arm_rule(prefixes)
    )
}

/// `n` NSGs × `n` rules, each rule with the same `n`-prefix variable.
fn arm_copy(n: usize) -> String {
    arm_copy_prefixes(n, n)
}

/// `n` NSGs × `n` rules, each rule with the same `prefixes`-prefix variable.
fn arm_copy_prefixes(n: usize, prefixes: usize) -> String {
    format!(
        r#"{{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "variables": {{"copy": [{{"name": "prefixes", "count": {prefixes}, "input": "[concat('10.', string(div(copyIndex('prefixes'), 256)), '.', string(mod(copyIndex('prefixes'), 256)), '.0/24')]"}}]}},
  "resources": [{{
    "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
    "name": "[concat('nsg-', copyIndex())]", "location": "westeurope",
    "copy": {{"name": "nsgs", "count": {n}}},
    "properties": {{"copy": [{{"name": "securityRules", "count": {n}, "input": {{
      "name": "[concat('r', copyIndex('securityRules'))]",
      "properties": {{"priority": "[add(100, copyIndex('securityRules'))]", "direction": "Inbound", "access": "Allow",
        "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": "22",
        "sourceAddressPrefixes": "[variables('prefixes')]", "destinationAddressPrefix": "*"}}}}}}]}}
  }}]
}}
"#
    )
}

/// One line: a template whose `numbers` variable holds `mb` MB of small integers.
fn arm_numbers(mb: usize) -> String {
    let mut nums = String::with_capacity(mb << 20);
    let mut i = 0u32;
    while nums.len() < mb << 20 {
        let _ = write!(nums, "{},", i % 1000);
        i += 1;
    }
    nums.push('0');
    format!(
        "{{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\", \"contentVersion\": \"1.0.0.0\", \"variables\": {{\"numbers\": [{nums}]}}, \"resources\": [{}]}}",
        arm_rule("[createArray('10.0.0.0/8')]")
    )
}

/// A `locals` block holding `mb` MB of small integers, beside one NSG.
fn tf_numbers(mb: usize) -> String {
    let mut nums = String::with_capacity(mb << 20);
    let mut i = 0u32;
    while nums.len() < mb << 20 {
        let _ = write!(nums, "{},", i % 1000);
        i += 1;
    }
    nums.push('0');
    format!("locals {{\n  numbers = [{nums}]\n}}\n") + &tf_nsg("[\"10.0.0.0/8\"]")
}

/// One NSG of `rules` inbound rules, each with `prefixes` distinct source prefixes, as
/// Terraform HCL (Azure's limits are 1,000 rules and 4,000 prefixes per rule).
fn big_nsg(rules: usize, prefixes: usize) -> String {
    let mut out = String::from(
        "resource \"azurerm_network_security_group\" \"n\" {\n  name = \"nsg-n\"\n  location = \"westeurope\"\n  resource_group_name = \"rg\"\n",
    );
    for r in 0..rules {
        let _ = write!(
            out,
            "  security_rule {{\n    name = \"r{r}\"\n    priority = {}\n    direction = \"Inbound\"\n    access = \"{}\"\n    protocol = \"Tcp\"\n    source_port_range = \"*\"\n    destination_port_range = \"{}\"\n    destination_address_prefix = \"*\"\n    source_address_prefixes = [",
            100 + r,
            if r % 2 == 0 { "Allow" } else { "Deny" },
            1000 + r
        );
        for p in 0..prefixes {
            let k = r * prefixes + p;
            let _ = write!(
                out,
                "\"{}.{}.{}.0/24\",",
                10 + (k >> 16) % 200,
                (k >> 8) & 255,
                k & 255
            );
        }
        out.push_str("]\n  }\n");
    }
    out.push_str("}\n");
    out
}

/// One NSG of `rules` rules built to fragment the flow space: every rule overlaps the others on
/// every dimension at staggered offsets (source and destination prefixes of several lengths,
/// source and destination port ranges, alternating protocols and access), each with
/// `prefixes` source and destination prefixes, as Terraform HCL.
fn fragmenting_nsg(rules: usize, prefixes: usize) -> String {
    let mut out = String::from(
        "resource \"azurerm_network_security_group\" \"n\" {\n  name = \"nsg-n\"\n  location = \"westeurope\"\n  resource_group_name = \"rg\"\n",
    );
    let list = |seed: usize, len: usize| {
        let mut l = String::new();
        for p in 0..prefixes {
            let k = seed.wrapping_mul(2_654_435_761).wrapping_add(p * 40_503) % (1 << 24);
            let bits = len + p % 4;
            let mask = !0u32 << (32 - bits);
            let addr = (10u32 << 24 | k as u32) & mask;
            let _ = write!(
                l,
                "\"{}.{}.{}.{}/{bits}\",",
                addr >> 24,
                (addr >> 16) & 255,
                (addr >> 8) & 255,
                addr & 255
            );
        }
        l
    };
    for i in 0..rules {
        let sp = (i * 131) % 60_000;
        let dp = (i * 977) % 60_000;
        let _ = write!(
            out,
            "  security_rule {{\n    name = \"f{i}\"\n    priority = {}\n    direction = \"Inbound\"\n    access = \"{}\"\n    protocol = \"{}\"\n    source_port_range = \"{}-{}\"\n    destination_port_range = \"{}-{}\"\n    source_address_prefixes = [{}]\n    destination_address_prefixes = [{}]\n  }}\n",
            100 + i,
            if i % 3 == 0 { "Allow" } else { "Deny" },
            if i % 2 == 0 { "Tcp" } else { "Udp" },
            sp,
            sp + 3000 + (i % 7) * 100,
            dp,
            dp + 500 + (i % 5) * 1000,
            list(i, 12 + i % 4),
            list(i + 7919, 14 + i % 8),
        );
    }
    out.push_str("}\n");
    out
}

/// A VNet and a subnet with NSG `n` attached, so the policies evaluate its rules over real flows
/// (an NSG attached to nothing is only checked rule by rule).
fn tf_attachment() -> &'static str {
    r#"
resource "azurerm_virtual_network" "v" {
  name                = "vnet"
  location            = "westeurope"
  resource_group_name = "rg"
  address_space       = ["10.0.0.0/8"]
}

resource "azurerm_subnet" "s" {
  name                 = "snet"
  resource_group_name  = "rg"
  virtual_network_name = azurerm_virtual_network.v.name
  address_prefixes     = ["10.0.0.0/24"]
}

resource "azurerm_subnet_network_security_group_association" "a" {
  subnet_id                 = azurerm_subnet.s.id
  network_security_group_id = azurerm_network_security_group.n.id
}
"#
}
