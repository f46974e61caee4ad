//! Words for findings: how rules, NSGs, subnets and port sets are named in messages.

use crate::eval::flowset::PortSet;
use crate::eval::fold::RuleRef;
use crate::eval::path::HopKind;
use crate::model::admin::AdminAction;
use crate::model::{Network, Nsg, NsgId, SecurityRule, Val};
use crate::policy::finding::DecidedBy;

/// `DenyAll (priority 400)`.
pub fn rule(rule: &SecurityRule) -> String {
    match rule.priority() {
        Some(p) => format!("`{}` (priority {p})", rule.name.value),
        None => format!("`{}` (priority unknown)", rule.name.value),
    }
}

/// `3389, 20000`, `1024-65535`.
pub fn ports(set: &PortSet) -> String {
    let parts: Vec<String> = set
        .ranges()
        .iter()
        .filter(|(lo, _)| *lo <= 65535)
        .map(|&(lo, hi)| {
            let hi = hi.min(65535);
            if lo == hi {
                lo.to_string()
            } else {
                format!("{lo}-{hi}")
            }
        })
        .collect();
    parts.join(", ")
}

/// The deciding rule of a witness: an NSG's rule, or a security admin rule (`nsg` is `None`).
pub fn decided_by(
    network: &Network,
    nsg_id: Option<NsgId>,
    rule_ref: RuleRef,
    hop: HopKind,
) -> Option<DecidedBy> {
    let rule = rule_of(network, nsg_id, rule_ref)?;
    let access = match (rule_ref, &rule.access.value) {
        (RuleRef::Admin(i), _) => match network.admin_rules.get(i)?.action.value {
            Val::Known(AdminAction::Deny) | Val::Unknown(_) => crate::model::Access::Deny,
            Val::Known(_) => crate::model::Access::Allow,
        },
        (_, Val::Known(a)) => *a,
        (_, Val::Unknown(_)) => crate::model::Access::Deny,
    };
    Some(DecidedBy {
        nsg: owner_name(network, nsg_id, rule_ref)?,
        rule: rule.name.value.clone(),
        priority: rule.priority(),
        direction: hop.direction(),
        access,
        hop: hop.to_string(),
        hop_id: hop.id(),
        span: rule.span,
    })
}

/// The rule a [`RuleRef`] names: in the NSG, or among the admin rules.
pub fn rule_of(network: &Network, nsg: Option<NsgId>, rule: RuleRef) -> Option<&SecurityRule> {
    match (rule, nsg) {
        (RuleRef::Admin(i), _) => network.admin_rules.get(i).map(|r| &r.rule),
        (_, Some(n)) => rule.resolve(network.nsg(n)?),
        (_, None) => None,
    }
}

/// The name of what holds a rule: the NSG, or the admin rule collection.
pub fn owner_name(network: &Network, nsg: Option<NsgId>, rule: RuleRef) -> Option<String> {
    match (rule, nsg) {
        (RuleRef::Admin(i), _) => {
            let r = network.admin_rules.get(i)?;
            Some(match r.collection.resolved() {
                Some(c) => network
                    .admin_collections
                    .get(c.0)?
                    .resource
                    .name
                    .value
                    .clone(),
                None => "(unknown admin rule collection)".into(),
            })
        }
        (_, Some(n)) => Some(network.nsg(n)?.resource.name.value.clone()),
        (_, None) => None,
    }
}

/// `rule `X` (priority 10) of NSG `nsg`` or `admin rule `X` (AlwaysAllow, priority 10) of
/// collection `c``.
pub fn owned_rule(network: &Network, nsg: Option<NsgId>, rule: RuleRef) -> Option<String> {
    let r = rule_of(network, nsg, rule)?;
    let owner = owner_name(network, nsg, rule)?;
    Some(match rule {
        RuleRef::Admin(i) => {
            let action = network
                .admin_rules
                .get(i)
                .and_then(|a| a.action.value.known().copied())
                .map(|a| a.as_str())
                .unwrap_or("action unknown");
            let priority = r
                .priority()
                .map(|p| format!("priority {p}"))
                .unwrap_or_else(|| "priority unknown".into());
            format!(
                "admin rule `{}` ({action}, {priority}) of admin rule collection `{owner}`",
                r.name.value
            )
        }
        _ => format!("{} of NSG `{owner}`", self::rule(r)),
    })
}

/// The NSG and rule a [`RuleRef`] names.
pub fn resolve(network: &Network, nsg: NsgId, rule: RuleRef) -> Option<(&Nsg, &SecurityRule)> {
    let n = network.nsg(nsg)?;
    Some((n, rule.resolve(n)?))
}
