#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Load a generated Terraform root module of 1,000 `.tf` files holding 5,000 security rules
//! (plus a VNet, subnets and associations, with variables, locals and references), through the
//! whole front end and the linker. Target: well under 1 s.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};
use nsgate::frontend::terraform;
use nsgate::frontend::{LoadOptions, Loaded};
use nsgate::source::Sources;

const FILES: usize = 1_000;
const RULES_PER_FILE: usize = 5;

fn generate(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("create the bench directory");
    let common = r#"variable "rg" {
  type    = string
  default = "rg-bench"
}

locals {
  location = "westeurope"
}

resource "azurerm_virtual_network" "main" {
  name                = "vnet-bench"
  location            = local.location
  resource_group_name = var.rg
  address_space       = ["10.0.0.0/8"]
}
"#;
    for f in 0..FILES {
        let mut text = if f == 0 {
            common.to_string()
        } else {
            String::new()
        };
        text += &format!(
            r#"resource "azurerm_subnet" "s{f}" {{
  name                 = "snet-{f}"
  resource_group_name  = var.rg
  virtual_network_name = azurerm_virtual_network.main.name
  address_prefixes     = [cidrsubnet("10.0.0.0/8", 16, {f})]
}}

resource "azurerm_network_security_group" "n{f}" {{
  name                = "nsg-{f}"
  location            = local.location
  resource_group_name = var.rg
"#
        );
        for r in 0..RULES_PER_FILE {
            text.push_str(&format!(
                r#"
  security_rule {{
    name                       = "rule-{r}"
    priority                   = {priority}
    direction                  = "Inbound"
    access                     = "{access}"
    protocol                   = "Tcp"
    source_address_prefix      = "10.{a}.{b}.0/24"
    source_port_range          = "*"
    destination_address_prefix = azurerm_subnet.s{f}.address_prefixes[0]
    destination_port_ranges    = ["{port}", "{port2}"]
  }}
"#,
                priority = 100 + r * 10,
                access = if r % 2 == 0 { "Allow" } else { "Deny" },
                a = f % 256,
                b = r,
                port = 1000 + r,
                port2 = 20000 + f,
            ));
        }
        text.push_str(&format!(
            r#"}}

resource "azurerm_subnet_network_security_group_association" "a{f}" {{
  subnet_id                 = azurerm_subnet.s{f}.id
  network_security_group_id = azurerm_network_security_group.n{f}.id
}}
"#
        ));
        std::fs::write(dir.join(format!("nsg_{f:04}.tf")), text).expect("write a .tf file");
    }
}

fn load(dir: &Path) -> usize {
    let mut sources = Sources::new();
    let mut loaded = Loaded::default();
    terraform::load(dir, &LoadOptions::default(), &mut sources, &mut loaded);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors.first());
    let network = nsgate::model::link::link(loaded.network);
    network.nsgs.iter().map(|n| n.rules.len()).sum()
}

fn bench(c: &mut Criterion) {
    let dir: PathBuf = std::env::temp_dir().join(format!("nsgate-bench-tf-{}", std::process::id()));
    generate(&dir);
    let rules = load(&dir);
    assert_eq!(rules, FILES * RULES_PER_FILE);
    let mut group = c.benchmark_group("terraform");
    group.sample_size(10);
    group.bench_function("load_1000_files_5000_rules", |b| b.iter(|| load(&dir)));
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
