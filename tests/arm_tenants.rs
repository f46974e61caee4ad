#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    clippy::panic
)]
//! Subnet tenants from the `arm` vocabulary (nsg-semantics §6.6): every tenant scenario of
//! `testdata/{arm,bicep,terraform}/` is loaded through discovery, linked, and what each subnet
//! holds (`Network::tenants_in`) is snapshotted with the span that says so, with the
//! load-balancer pools, probes and rules and the tenants whose subnet is not known.

mod common;

use std::fmt::Write;
use std::path::PathBuf;

use nsgate::frontend::{load_paths, LoadOptions};
use nsgate::model::link::link;
use nsgate::model::tenant::{Host, SubnetTenants, TenantKind, TenantRef};
use nsgate::model::{Link, Network, SubnetId, Val};
use nsgate::source::{Sources, Span};

fn at(sources: &Sources, span: Span) -> String {
    let (start, _) = sources.line_col(span);
    format!(
        "{}:{}:{} `{}`",
        sources.name(span.file),
        start.line,
        start.column,
        sources
            .slice(span)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
    )
}

fn val<T: std::fmt::Display>(v: &Val<T>) -> String {
    match v {
        Val::Known(x) => x.to_string(),
        Val::Unknown(u) => format!("unknown ({})", u.reason),
    }
}

fn kind_detail(k: &TenantKind) -> String {
    match k {
        TenantKind::CloudServiceRole { service, role, rdp } => {
            format!(
                " service={} role={} rdp={}",
                service.value,
                role.value,
                val(&rdp.value)
            )
        }
        TenantKind::ApplicationGateway { tier } => format!(" tier={}", val(&tier.value)),
        TenantKind::Delegation { service } => format!(" service={}", val(&service.value)),
        _ => String::new(),
    }
}

/// What the input places where, as text.
fn render(net: &Network, sources: &Sources) -> String {
    let mut out = String::new();
    for (i, s) in net.subnets.iter().enumerate() {
        writeln!(out, "subnet {}:", s.resource.name.value).unwrap();
        match net.tenants_in(SubnetId(i)) {
            SubnetTenants::Unknown => writeln!(out, "  unknown").unwrap(),
            SubnetTenants::Known(ts) => {
                for t in ts {
                    let line = match t {
                        TenantRef::Declared(_, d) => format!(
                            "{} {}{} at {}",
                            t.kind_name(),
                            d.name.value,
                            kind_detail(&d.kind),
                            at(sources, d.span)
                        ),
                        TenantRef::Nic(nic, ip) => {
                            let n = net.nic(nic).unwrap();
                            format!(
                                "nic {}/{}",
                                n.resource.name.value, n.ip_configs[ip].name.value
                            )
                        }
                        TenantRef::Backend(m) => {
                            let pool = m
                                .pool
                                .resolved()
                                .map(|p| net.lb_pools[p.0].resource.name.value.clone());
                            let ports: Vec<String> = net
                                .probes_of(m)
                                .iter()
                                .map(|(_, p)| {
                                    let p = &net.lb_probes[p.0];
                                    format!("{} {}", val(&p.protocol.value), val(&p.port.value))
                                })
                                .collect();
                            format!(
                                "load-balancer-backend {} pool={} probes=[{}] at {}",
                                m.address,
                                pool.unwrap_or_else(|| "?".into()),
                                ports.join(", "),
                                at(sources, m.span)
                            )
                        }
                    };
                    writeln!(out, "  {line}").unwrap();
                }
            }
        }
    }
    let nowhere: Vec<String> = net
        .tenants
        .iter()
        .filter_map(|t| match &t.host {
            Host::Subnet(Link::Unknown(u)) => Some(format!(
                "  {} {}{}: {} at {}",
                t.kind.name(),
                t.name.value,
                kind_detail(&t.kind),
                u.reason,
                at(sources, t.span)
            )),
            _ => None,
        })
        .collect();
    if !nowhere.is_empty() {
        writeln!(out, "in no known subnet:\n{}", nowhere.join("\n")).unwrap();
    }
    for r in &net.lb_rules {
        let pools: Vec<String> = r
            .pools
            .iter()
            .map(|p| match p {
                Link::Resolved(id) => net.lb_pools[id.value.0].resource.name.value.clone(),
                Link::Key(k) => format!("unresolved {}", k.value),
                Link::Unknown(u) => format!("unknown ({})", u.reason),
            })
            .collect();
        let probe = match &r.probe {
            Some(Link::Resolved(id)) => net.lb_probes[id.value.0].resource.name.value.clone(),
            Some(Link::Unknown(u)) => format!("unknown ({})", u.reason),
            Some(Link::Key(k)) => format!("unresolved {}", k.value),
            None => "none".into(),
        };
        writeln!(
            out,
            "lb rule {}: pools=[{}] probe={probe}",
            r.resource.name.value,
            pools.join(", ")
        )
        .unwrap();
    }
    out
}

fn tenants_of(case: &str) -> String {
    tenants_with(case, &LoadOptions::default())
}

fn tenants_with(case: &str, opts: &LoadOptions) -> String {
    let mut sources = Sources::new();
    let loaded = load_paths(&[PathBuf::from(case)], None, opts, &mut sources);
    assert!(loaded.errors.is_empty(), "{case}: {:?}", loaded.errors);
    let net = link(loaded.network);
    let inputs: Vec<&str> = loaded.inputs.iter().map(|i| i.path.as_str()).collect();
    format!("inputs: {}\n{}", inputs.join(", "), render(&net, &sources))
}

macro_rules! case {
    ($name:ident, $path:literal) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(tenants_of($path));
        }
    };
}

case!(
    cloud_service_rdp_inline,
    "testdata/arm/cloud-service-rdp-inline"
);
case!(cloud_service_no_rdp, "testdata/arm/cloud-service-no-rdp");
case!(
    cloud_service_cscfg_file,
    "testdata/arm/cloud-service-cscfg-file"
);
case!(tenants_all, "testdata/arm/tenants-all");

/// Microsoft's Cloud Services (extended support) samples, each deployed by `configurationUrl`
/// with the `.cscfg` beside the template, and the parameters file the sample names
/// (`*.parameter.json`, which the loader does not find by itself).
#[test]
fn microsoft_samples_place_their_roles_in_their_subnets() {
    let root =
        common::root().join("../shared/corpus/Azure-Samples__cloud-services-extended-support");
    if !root.is_dir() {
        common::missing_prerequisite(&format!("the public corpus at {}", root.display()));
        return;
    }
    let mut out = String::new();
    for sample in [
        "101-cses-multirole-rdp",
        "101-cses-multirole-wad",
        "101-cses-singlerole-certificate",
    ] {
        let dir = root.join(sample);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let find = |suffix: &str| {
            files
                .iter()
                .find(|f| f.to_string_lossy().ends_with(suffix))
                .unwrap()
                .clone()
        };
        let opts = LoadOptions {
            parameters: Some(find(".parameter.json")),
            ..LoadOptions::default()
        };
        let text = tenants_with(find(".template.json").to_str().unwrap(), &opts);
        let shown = text.replace(&format!("{}/", root.display()), "");
        writeln!(out, "== {sample}\n{shown}").unwrap();
    }
    insta::assert_snapshot!(out);
}
case!(bicep_cloud_service_rdp, "testdata/bicep/cloud-service-rdp");
case!(
    bicep_cloud_service_cscfg_file,
    "testdata/bicep/cloud-service-cscfg-file"
);
case!(
    azapi_cloud_service,
    "testdata/terraform/azapi-cloud-service"
);
