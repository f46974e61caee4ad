//! `dead-rule` (NSG010): a user rule that decides no flow at all, because earlier rules match
//! everything it matches — wherever its NSG is attached. The finding names the covering rules.

use crate::eval::compile::{compile, Membership, RuleContext};
use crate::eval::flowset::FlowSet;
use crate::eval::fold::{fold, rule_order, RuleRef};
use crate::eval::tags::TagContext;
use crate::model::{Direction, Network, Nsg, NsgId, SubnetId};
use crate::policy::describe;
use crate::policy::file::{PolicyError, RawPolicy};
use crate::policy::finding::{Finding, Fix, Label};
use crate::policy::kinds::KindEntry;
use crate::policy::{Check, CheckContext, PolicyMeta};
use crate::source::FileId;

pub const ENTRY: KindEntry = KindEntry {
    name: "dead-rule",
    keys: &[],
    build,
};

#[derive(Debug)]
struct DeadRule;

fn build(_: &RawPolicy, _: FileId) -> Result<Box<dyn Check>, PolicyError> {
    Ok(Box::new(DeadRule))
}

/// The subnets whose VNet gives the NSG's tags their meaning (`None`: not attached anywhere).
fn contexts(net: &Network, id: NsgId) -> Vec<Option<SubnetId>> {
    let mut out: Vec<Option<SubnetId>> =
        net.subnets_with_nsg(id).iter().map(|s| Some(*s)).collect();
    for nic in net.nics_with_nsg(id).iter().filter_map(|n| net.nic(*n)) {
        for ip in &nic.ip_configs {
            let s = ip.subnet.as_ref().and_then(|l| l.resolved());
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    if out.is_empty() {
        out.push(None);
    }
    out
}

/// User rules of `direction` dead in every context, with the earlier rules overlapping them.
fn dead_rules(
    net: &Network,
    nsg: &Nsg,
    id: NsgId,
    direction: Direction,
) -> Vec<(usize, Vec<usize>)> {
    let unknown = Membership::Unknown;
    let mut dead: Option<Vec<usize>> = None;
    let mut first_ctx = None;
    for subnet in contexts(net, id) {
        let tags = TagContext::for_subnet(net, subnet);
        let ctx = RuleContext {
            network: net,
            tags: &tags,
            source: &unknown,
            destination: &unknown,
        };
        // Too complex to fold exactly: claim nothing is dead.
        let Ok(result) = fold(nsg, direction, &ctx, FlowSet::universe()) else {
            return Vec::new();
        };
        let here = result.dead_user_rules();
        dead = Some(match dead {
            None => here,
            Some(prev) => prev.into_iter().filter(|r| here.contains(r)).collect(),
        });
        first_ctx.get_or_insert(tags);
    }
    let (Some(dead), Some(tags)) = (dead, first_ctx) else {
        return Vec::new();
    };
    let ctx = RuleContext {
        network: net,
        tags: &tags,
        source: &unknown,
        destination: &unknown,
    };
    let order = rule_order(nsg, direction);
    let compiled: Vec<_> = order
        .iter()
        .map(|(r, placed)| (*r, r.resolve(nsg).map(|rule| compile(rule, &ctx, *placed))))
        .collect();
    dead.into_iter()
        .filter(|i| {
            nsg.rules
                .get(*i)
                .is_some_and(|r| r.direction() == Some(direction))
        })
        .map(|i| {
            let position = compiled
                .iter()
                .position(|(r, _)| *r == RuleRef::User(i))
                .unwrap_or(0);
            let mine = compiled
                .get(position)
                .and_then(|(_, c)| c.as_ref())
                .and_then(|c| c.hi.clone());
            let covering = compiled
                .iter()
                .take(position)
                .filter_map(
                    |(r, c)| match (r, c.as_ref().and_then(|c| c.lo.as_ref()), &mine) {
                        (RuleRef::User(j), Some(lo), Some(m)) if lo.intersect(m).is_some() => {
                            Some(*j)
                        }
                        _ => None,
                    },
                )
                .collect();
            (i, covering)
        })
        .collect()
}

impl Check for DeadRule {
    fn check(&self, policy: &PolicyMeta, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let net = ctx.network;
        for (index, nsg) in net.nsgs.iter().enumerate() {
            for direction in Direction::BOTH {
                for (dead, covering) in dead_rules(net, nsg, NsgId(index), direction) {
                    let Some(rule) = nsg.rules.get(dead) else {
                        continue;
                    };
                    let names: Vec<String> = covering
                        .iter()
                        .filter_map(|c| nsg.rules.get(*c))
                        .map(describe::rule)
                        .collect();
                    let by = if names.is_empty() {
                        "earlier rules".to_string()
                    } else {
                        names.join(", ")
                    };
                    let message = format!(
                        "{} of NSG `{}` never decides any flow: every flow it matches is decided first by {by}",
                        describe::rule(rule),
                        nsg.resource.name.value
                    );
                    let mut f = Finding::new(
                        &policy.id,
                        &policy.name,
                        policy.severity,
                        message,
                        Label::new(rule.span, "this rule is never reached"),
                    )
                    .with_resource(nsg.resource.address.clone(), Some(nsg.resource.span));
                    for c in covering.iter().filter_map(|c| nsg.rules.get(*c)) {
                        f = f.with_label(c.span, format!("{} matches first", describe::rule(c)));
                    }
                    f.fix = Some(Fix {
                        summary: format!("remove {}, or give it a priority before {by} if it is meant to take effect", describe::rule(rule)),
                        snippet: None,
                    });
                    out.push(f.with_fingerprint(&[&rule.name.value, direction.as_str()]));
                }
            }
        }
    }
}
