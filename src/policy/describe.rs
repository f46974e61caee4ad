//! Words for findings: how rules, NSGs, subnets and port sets are named in messages.

use crate::eval::flowset::PortSet;
use crate::eval::fold::RuleRef;
use crate::eval::path::HopKind;
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

/// The deciding rule of a witness.
pub fn decided_by(
    network: &Network,
    nsg_id: NsgId,
    rule_ref: RuleRef,
    hop: HopKind,
) -> Option<DecidedBy> {
    let nsg = network.nsg(nsg_id)?;
    let rule = rule_ref.resolve(nsg)?;
    Some(DecidedBy {
        nsg: nsg.resource.name.value.clone(),
        rule: rule.name.value.clone(),
        priority: rule.priority(),
        direction: hop.direction(),
        access: match &rule.access.value {
            Val::Known(a) => *a,
            Val::Unknown(_) => crate::model::Access::Deny,
        },
        hop: hop.to_string(),
        hop_id: hop.id(),
        span: rule.span,
    })
}

/// The NSG and rule a [`RuleRef`] names.
pub fn resolve(network: &Network, nsg: NsgId, rule: RuleRef) -> Option<(&Nsg, &SecurityRule)> {
    let n = network.nsg(nsg)?;
    Some((n, rule.resolve(n)?))
}
