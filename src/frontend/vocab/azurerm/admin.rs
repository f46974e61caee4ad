//! Virtual Network Manager security admin rules in azurerm (nsg-semantics §6.8):
//! `azurerm_network_manager_network_group`, `_static_member`,
//! `_security_admin_configuration`, `_admin_rule_collection`, `_admin_rule`, `_deployment`,
//! and `azurerm_policy_definition`s of mode `Microsoft.Network.Data` (Azure Policy that fills
//! network groups dynamically). The network manager itself carries nothing the evaluation
//! needs (its scope decides what it *may* manage; the groups say what it does).

use super::{Instance, Kind};
use crate::model::admin::{
    AdminCollection, AdminConfig, AdminDeployment, AdminGroup, AdminMember, Deployment,
    IntentPolicyServices, Region,
};
use crate::model::admin_build::{build_admin_rule, RawAdminAddress, RawAdminRule};
use crate::model::values::{Dialect, RawList, RawRule};
use crate::model::{Link, Network, Problem, RuleOrigin, Spanned, Unknown, Val};

pub const GROUP: &str = "azurerm_network_manager_network_group";
pub const MEMBER: &str = "azurerm_network_manager_static_member";
pub const CONFIG: &str = "azurerm_network_manager_security_admin_configuration";
pub const COLLECTION: &str = "azurerm_network_manager_admin_rule_collection";
pub const RULE: &str = "azurerm_network_manager_admin_rule";
pub const DEPLOYMENT: &str = "azurerm_network_manager_deployment";
pub const POLICY: &str = "azurerm_policy_definition";

pub fn is_admin_type(rtype: &str) -> bool {
    matches!(
        rtype,
        GROUP | MEMBER | CONFIG | COLLECTION | RULE | DEPLOYMENT | POLICY
    )
}

/// Lower one instance of an admin type into `out`.
pub fn lower<I: Instance>(rtype: &str, i: &mut I, out: &mut Network) {
    match rtype {
        GROUP => out.admin_groups.push(AdminGroup {
            resource: i.record(Kind::NetworkGroup, &[]),
            dynamic: Vec::new(),
        }),
        MEMBER => out.admin_members.push(AdminMember {
            group: i.required_link("network_group_id", Kind::NetworkGroup),
            vnet: i.required_link("target_virtual_network_id", Kind::Vnet),
            address: i.address().to_string(),
            span: i.span(),
        }),
        CONFIG => out.admin_configs.push(config(i, &mut out.problems)),
        COLLECTION => out.admin_collections.push(AdminCollection {
            resource: i.record(Kind::AdminCollection, &[]),
            config: i.required_link("security_admin_configuration_id", Kind::AdminConfig),
            groups: match i.links("network_group_ids", Kind::NetworkGroup) {
                Some(Spanned {
                    value: Val::Known(l),
                    ..
                }) => l,
                Some(Spanned {
                    value: Val::Unknown(u),
                    ..
                }) => vec![Link::Unknown(u)],
                None => Vec::new(),
            },
        }),
        RULE => {
            let r = rule(i);
            out.admin_rules
                .push(build_admin_rule(r, Dialect::Terraform, &mut out.problems));
        }
        DEPLOYMENT => out.admin_deployments.push(AdminDeployment {
            configs: match i.links("configuration_ids", Kind::AdminConfig) {
                Some(s) => s.value,
                None => Val::Known(Vec::new()),
            },
            scope_access: text(i, "scope_access"),
            // One deployment resource per region.
            regions: Val::Known(vec![Region::new(text(i, "location"))]),
            address: i.address().to_string(),
            span: i.span(),
        }),
        POLICY => policy(i, out),
        _ => {}
    }
}

/// A string argument; Unknown (saying so) when it is not set.
pub fn text<I: Instance>(i: &mut I, attr: &'static str) -> crate::model::Field<String> {
    match i.scalar(attr) {
        Some(f) => Spanned::new(
            match f.value {
                Val::Known(r) => Val::Known(r.text()),
                Val::Unknown(u) => Val::Unknown(u),
            },
            f.span,
        ),
        None => Spanned::new(
            Val::unknown(format!("`{attr}` is not set"), i.span()),
            i.span(),
        ),
    }
}

fn config<I: Instance>(i: &mut I, problems: &mut Vec<Problem>) -> AdminConfig {
    let resource = i.record(Kind::AdminConfig, &[]);
    let attr = "apply_on_network_intent_policy_based_services";
    let mode = match i.list(attr) {
        None => Spanned::new(Val::Known(IntentPolicyServices::None), resource.span),
        Some(Spanned {
            value: RawList::Unknown(u),
            span,
        }) => Spanned::new(Val::Unknown(Box::new(u)), span),
        Some(Spanned {
            value: RawList::Items(items),
            span,
        }) => {
            let mut mode = Val::Known(IntentPolicyServices::None);
            for item in items {
                match item.value {
                    Val::Unknown(u) => mode = Val::Unknown(u),
                    Val::Known(r) => match r.text().as_str() {
                        "None" => {}
                        "All" => mode = Val::Known(IntentPolicyServices::All),
                        "AllowRulesOnly" => mode = Val::Known(IntentPolicyServices::AllowRulesOnly),
                        other => problems.push(Problem::invalid(
                            format!("`{other}` is not one of None, All, AllowRulesOnly"),
                            item.span,
                        )),
                    },
                }
            }
            Spanned::new(mode, span)
        }
    };
    AdminConfig {
        resource,
        intent_policy_services: mode,
        deployment: Deployment::NotDeployed,
        regions: Vec::new(),
    }
}

fn rule<I: Instance>(i: &mut I) -> RawAdminRule {
    let mut base = RawRule::new(
        i.span(),
        RuleOrigin::Standalone {
            address: i.address().to_string(),
        },
    );
    base.name = i.scalar("name");
    base.description = i.scalar("description");
    base.direction = i.scalar("direction");
    base.protocol = i.scalar("protocol");
    base.source_port_ranges = i.list("source_port_ranges");
    base.destination_port_ranges = i.list("destination_port_ranges");
    let mut sides = ["source", "destination"].map(|side| {
        i.blocks(side, &["address_prefix", "address_prefix_type"])
            .map(|b| {
                Spanned::new(
                    match b.value {
                        Val::Known(items) => Val::Known(
                            items
                                .into_iter()
                                .map(|(span, mut args)| {
                                    let kind = args.pop().flatten();
                                    let prefix = args.pop().flatten();
                                    RawAdminAddress { prefix, kind, span }
                                })
                                .collect(),
                        ),
                        Val::Unknown(u) => Val::Unknown(u),
                    },
                    b.span,
                )
            })
    });
    let destinations = sides[1].take();
    let sources = sides[0].take();
    RawAdminRule {
        base,
        priority: i.scalar("priority"),
        action: i.scalar("action"),
        sources,
        destinations,
        collection: i.required_link("admin_rule_collection_id", Kind::AdminCollection),
        address: i.address().to_string(),
    }
}

/// A policy definition of mode `Microsoft.Network.Data` adds VNets to a network group
/// (effect `addToNetworkGroup`); which VNets depends on Azure resources nsgate cannot see.
fn policy<I: Instance>(i: &mut I, out: &mut Network) {
    let mode = text(i, "mode");
    if !mode
        .value
        .known()
        .is_some_and(|m| m.eq_ignore_ascii_case("Microsoft.Network.Data"))
    {
        return;
    }
    let rule = text(i, "policy_rule");
    let group = match &rule.value {
        Val::Known(t) => match network_group_id(t) {
            Some(id) => Link::Key(Spanned::new(
                crate::frontend::terraform::keys::id_key(&id),
                rule.span,
            )),
            None => Link::Unknown(Box::new(Unknown {
                reason: "the policy rule names no network group".into(),
                span: rule.span,
                origin: None,
            })),
        },
        Val::Unknown(_) => i.required_link("policy_rule", Kind::NetworkGroup),
    };
    out.admin_policies.push(crate::model::admin::AdminPolicy {
        group,
        address: i.address().to_string(),
        span: i.span(),
    });
}

/// The `networkGroupId` an `addToNetworkGroup` policy rule names.
pub fn network_group_id(rule: &str) -> Option<String> {
    let at = rule.find("networkGroupId")?;
    let rest = rule.get(at + "networkGroupId".len()..)?;
    let start = rest.find('"')? + 1;
    let rest = rest.get(start..)?;
    // Skip the `": "` between key and value.
    let rest = rest.trim_start_matches([':', ' ', '"']);
    let end = rest.find('"')?;
    Some(rest.get(..end)?.to_string())
}
