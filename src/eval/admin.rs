//! The security admin rules of one VNet in one direction, over a set of flows (§6.8).
//!
//! Admin rules are folded like an NSG's rules (by priority, first match, no defaults), but a
//! rule has three outcomes: `Deny` drops the flow, `AlwaysAllow` lets it through without the
//! NSGs, `Allow` (or no match) hands it to the NSGs. The NSG fold decides between two
//! outcomes, so it runs twice with the actions read two ways — "is the flow dropped?"
//! (`Deny` against the rest) and "is it always allowed?" (`AlwaysAllow` against the rest) —
//! and each flow's outcome is certain exactly when both questions have certain answers. Each
//! reading ends with a catch-all for "no rule matched" (not dropped; not always allowed), so a
//! flow an uncertain rule would decide the same way as no match is certain.
//! Both folds are exact where nothing is unknown, and sound where something is: a flow is
//! called dropped, always allowed or handed over only when every reading agrees.
//!
//! A rule whose scope is not knowable offline (a dynamic network group) may or may not apply:
//! it is folded as a rule whose place is uncertain, and under a resolution of the unknowns
//! ([`Atom::Member`]) it is either in the list or not.

use crate::eval::compile::{compile, compile_resolved, Atom, Resolution, RuleContext};
use crate::eval::flowset::{FlowSet, TooComplex};
use crate::eval::fold::{fold_order, FoldResult, RuleRef};
use crate::model::admin::{AdminAction, AdminScope};
use crate::model::defaults::default_rules;
use crate::model::{Access, Direction, Network, SecurityRule, Unknown, Val, VnetId};

/// Flows decided at an admin hop, each part with the admin rule (index into
/// `Network::admin_rules`) that decides it.
#[derive(Debug, Default)]
pub struct AdminOutcome {
    pub dropped: Vec<(usize, FlowSet)>,
    pub always: Vec<(usize, FlowSet)>,
    /// Handed to the NSGs by an `Allow` rule (`Some`) or because no rule matched (`None`).
    pub handed: Vec<(Option<usize>, FlowSet)>,
    /// Flows whose outcome depends on unknowns. `may_bypass`: one of the possible outcomes is
    /// `AlwaysAllow`, so the NSGs on this side may not see them.
    pub uncertain: Vec<AdminUncertain>,
}

#[derive(Debug)]
pub struct AdminUncertain {
    pub region: FlowSet,
    pub rules: Vec<usize>,
    pub reasons: Vec<Unknown>,
    pub may_bypass: bool,
}

/// Which question a fold answers.
#[derive(Clone, Copy, PartialEq)]
enum Reading {
    /// `Deny` is Deny, every other action Allow.
    Dropped,
    /// `AlwaysAllow` is Allow, every other action Deny.
    Always,
}

/// The scope's rules read for one question, in evaluation order. `rules[i]` of the result is
/// `RuleRef::User(i)`; `admin[i]` its index in `Network::admin_rules`.
struct Listing {
    rules: Vec<SecurityRule>,
    admin: Vec<usize>,
    order: Vec<(RuleRef, bool)>,
}

fn read_action(rule: &crate::model::admin::AdminRule, reading: Reading) -> SecurityRule {
    let mut r = rule.rule.clone();
    r.access.value = match &rule.action.value {
        Val::Known(a) => Val::Known(match (reading, a) {
            (Reading::Dropped, AdminAction::Deny) => Access::Deny,
            (Reading::Dropped, _) => Access::Allow,
            (Reading::Always, AdminAction::AlwaysAllow) => Access::Allow,
            (Reading::Always, _) => Access::Deny,
        }),
        // Two questions about one unknown action: two variables, so that every action (and a
        // few impossible mixes, each of which reads as a real outcome) is some resolution.
        Val::Unknown(u) => Val::Unknown(Box::new(Unknown {
            reason: match reading {
                Reading::Dropped => u.reason.clone(),
                Reading::Always => format!("{} (whether it is AlwaysAllow)", u.reason),
            },
            span: u.span,
            origin: None,
        })),
    };
    r
}

fn listing(
    network: &Network,
    vnet: VnetId,
    scope: &AdminScope,
    direction: Direction,
    reading: Reading,
    resolution: Option<&Resolution>,
) -> Listing {
    let mut rules = Vec::new();
    let mut admin = Vec::new();
    let mut unplaced = Vec::new();
    let mut placed = Vec::new();
    for (index, why) in &scope.rules {
        let Some(rule) = network.admin_rules.get(*index) else {
            continue;
        };
        let certain_scope = match resolution {
            _ if why.is_empty() => true,
            Some(r) => {
                if !why.iter().all(|w| r.holds(&member_atom(w, vnet))) {
                    continue;
                }
                true
            }
            None => false,
        };
        let i = rules.len();
        rules.push(read_action(rule, reading));
        admin.push(*index);
        let r = &rule.rule;
        match (&r.priority.value, &r.direction.value) {
            (Val::Known(p), Val::Known(d)) if *d == direction => {
                placed.push((*p, i, certain_scope))
            }
            (Val::Known(p), Val::Unknown(_)) => placed.push((*p, i, false)),
            (Val::Unknown(_), Val::Unknown(_)) => unplaced.push(i),
            (Val::Unknown(_), Val::Known(d)) if *d == direction => unplaced.push(i),
            _ => {}
        }
    }
    placed.sort_by_key(|(p, i, _)| (*p, *i));
    let mut order: Vec<(RuleRef, bool)> = unplaced
        .into_iter()
        .map(|i| (RuleRef::User(i), false))
        .collect();
    order.extend(placed.into_iter().map(|(_, i, k)| (RuleRef::User(i), k)));
    // No rule matching is an outcome of its own in each reading (not dropped; not always
    // allowed), so it ends the list as a catch-all: a flow an uncertain rule may decide alike
    // is then certain. The catch-all has no admin index.
    if let Some(all) = default_rules(direction).last() {
        let mut all = all.clone();
        all.access.value = Val::Known(match reading {
            Reading::Dropped => Access::Allow,
            Reading::Always => Access::Deny,
        });
        order.push((RuleRef::User(rules.len()), true));
        rules.push(all);
    }
    Listing {
        rules,
        admin,
        order,
    }
}

fn member_atom(why: &Unknown, vnet: VnetId) -> Atom {
    Atom::Member {
        why: why.clone(),
        vnet,
    }
}

#[allow(clippy::too_many_arguments)] // one admin hop's whole context, read once per question
fn fold_reading(
    network: &Network,
    vnet: VnetId,
    scope: &AdminScope,
    direction: Direction,
    reading: Reading,
    ctx: &RuleContext<'_>,
    flows: FlowSet,
    resolution: Option<&Resolution>,
) -> Result<(FoldResult, Vec<usize>), TooComplex> {
    let l = listing(network, vnet, scope, direction, reading, resolution);
    let rules = &l.rules;
    let result = fold_order(
        l.order,
        |r| match r {
            RuleRef::User(i) => rules.get(i),
            _ => None,
        },
        flows,
        |rule, placed| match resolution {
            None => compile(rule, ctx, placed),
            Some(res) => compile_resolved(rule, ctx, direction, res),
        },
    )?;
    Ok((result, l.admin))
}

fn admin_index(r: RuleRef, admin: &[usize]) -> Option<usize> {
    match r {
        RuleRef::User(i) => admin.get(i).copied(),
        _ => None,
    }
}

fn union_all<'a>(parts: impl Iterator<Item = &'a FlowSet>) -> Result<FlowSet, TooComplex> {
    let mut out = FlowSet::empty();
    for p in parts {
        out = out.union(p)?;
    }
    Ok(out)
}

/// The admin outcome of `flows` at `vnet`'s admin rules in `direction`.
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    network: &Network,
    vnet: VnetId,
    scope: &AdminScope,
    direction: Direction,
    ctx: &RuleContext<'_>,
    flows: FlowSet,
    resolution: Option<&Resolution>,
) -> Result<AdminOutcome, TooComplex> {
    let (drop, drop_ix) = fold_reading(
        network,
        vnet,
        scope,
        direction,
        Reading::Dropped,
        ctx,
        flows.clone(),
        resolution,
    )?;
    let (always, always_ix) = fold_reading(
        network,
        vnet,
        scope,
        direction,
        Reading::Always,
        ctx,
        flows.clone(),
        resolution,
    )?;
    let mut out = AdminOutcome::default();
    let mut dropped_all = FlowSet::empty();
    let mut not_dropped = drop.remainder.clone();
    for d in &drop.decided {
        match d.access {
            Access::Deny => {
                if let Some(i) = admin_index(d.rule, &drop_ix) {
                    out.dropped.push((i, d.region.clone()));
                }
                dropped_all = dropped_all.union(&d.region)?;
            }
            Access::Allow => not_dropped = not_dropped.union(&d.region)?,
        }
    }
    let mut always_all = FlowSet::empty();
    let mut not_always = always.remainder.clone();
    for d in &always.decided {
        match d.access {
            Access::Allow => {
                let region = d.region.subtract(&dropped_all)?;
                if let (Some(i), false) = (admin_index(d.rule, &always_ix), region.is_empty()) {
                    always_all = always_all.union(&region)?;
                    out.always.push((i, region));
                }
            }
            Access::Deny => not_always = not_always.union(&d.region)?,
        }
    }
    let handed = not_dropped.intersect(&not_always)?;
    // Attribute handed-over flows: an `Allow` rule matched them, or nothing did.
    let mut attributed = FlowSet::empty();
    for d in drop.decided.iter().filter(|d| d.access == Access::Allow) {
        let part = d.region.intersect(&handed)?;
        if let (Some(i), false) = (admin_index(d.rule, &drop_ix), part.is_empty()) {
            attributed = attributed.union(&part)?;
            out.handed.push((Some(i), part));
        }
    }
    let unmatched = handed.subtract(&attributed)?;
    if !unmatched.is_empty() {
        out.handed.push((None, unmatched));
    }
    let settled = union_all([&dropped_all, &always_all, &handed].into_iter())?;
    let rest = flows.subtract(&settled)?;
    if !rest.is_empty() {
        let mut rules = Vec::new();
        let mut reasons = Vec::new();
        for (u, ix) in drop
            .indeterminate
            .iter()
            .map(|u| (u, &drop_ix))
            .chain(always.indeterminate.iter().map(|u| (u, &always_ix)))
        {
            for r in u.rules.iter().filter_map(|r| admin_index(*r, ix)) {
                if !rules.contains(&r) {
                    rules.push(r);
                }
            }
            for why in &u.reasons {
                if !reasons.contains(why) {
                    reasons.push(why.clone());
                }
            }
        }
        for (i, why) in &scope.rules {
            if !rules.contains(i) {
                continue;
            }
            for w in why {
                if !reasons.contains(w) {
                    reasons.push(w.clone());
                }
            }
        }
        let sure = rest.intersect(&not_always)?;
        let bypass = rest.subtract(&not_always)?;
        for (region, may_bypass) in [(sure, false), (bypass, true)] {
            if !region.is_empty() {
                out.uncertain.push(AdminUncertain {
                    region,
                    rules: rules.clone(),
                    reasons: reasons.clone(),
                    may_bypass,
                });
            }
        }
    }
    Ok(out)
}

/// The unknown questions the scope's rules ask about `flows` (for correlating unknowns).
pub fn atoms(
    network: &Network,
    vnet: VnetId,
    scope: &AdminScope,
    direction: Direction,
    ctx: &RuleContext<'_>,
    flows: &FlowSet,
) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::new();
    for reading in [Reading::Dropped, Reading::Always] {
        let l = listing(network, vnet, scope, direction, reading, None);
        for (r, placed) in &l.order {
            let RuleRef::User(i) = r else { continue };
            let (Some(rule), Some(index)) = (l.rules.get(*i), l.admin.get(*i)) else {
                continue;
            };
            let c = compile(rule, ctx, *placed);
            let relevant =
                c.hi.as_ref()
                    .is_some_and(|hi| !flows.intersect_cube(hi).is_empty());
            if !relevant {
                continue;
            }
            let conditional = scope
                .rules
                .iter()
                .find(|(x, _)| x == index)
                .into_iter()
                .flat_map(|(_, why)| why.iter().map(|w| member_atom(w, vnet)));
            for a in c.atoms.into_iter().chain(conditional) {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::eval::flowset::{port_set, Cube, FlowSet, ProtoSet};
    use crate::eval::fold::RuleRef;
    use crate::eval::path::{evaluate_path, Endpoint, HopKind, PathResult};
    use crate::model::admin::{AdminAction, Region};
    use crate::model::builder::{NetworkBuilder, RuleSpec};
    use crate::model::{Network, PortRange, Protocol, Spanned, SubnetId, Val};

    const SUBNET: &str = "10.1.0.0/24";

    /// One subnet whose NSG denies everything inbound, with one admin rule on TCP 3389.
    fn net(action: AdminAction, dynamic: bool) -> Network {
        NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .nsg("nsg", vec![RuleSpec::new("DenyAll", 400).deny().build()])
            .subnet("roles", "vnet", &[SUBNET], Some("nsg"))
            .admin_rule(
                action,
                RuleSpec::new("Rdp", 10).tcp().ports("3389").build(),
                "vnet",
                dynamic,
            )
            .build()
    }

    fn rdp(n: &Network) -> PathResult {
        let hosts = Endpoint::subnet_hosts(n, SubnetId(0));
        let flows = FlowSet::from_cube(Cube {
            protocols: ProtoSet::only(Protocol::Tcp),
            dst_ports: port_set([PortRange::single(3389)]),
            ..Cube::universe()
        });
        evaluate_path(n, &flows, &hosts, &hosts).unwrap()
    }

    #[test]
    fn always_allow_takes_flows_past_the_nsgs_that_deny_them() {
        let r = rdp(&net(AdminAction::AlwaysAllow, false));
        assert!(r.is_fully_allowed(), "{r:?}");
        assert!(r
            .passes
            .iter()
            .any(|p| p.hop == HopKind::DestinationAdmin && p.rule == RuleRef::Admin(0)));
    }

    #[test]
    fn allow_hands_flows_to_the_nsgs() {
        let r = rdp(&net(AdminAction::Allow, false));
        assert!(r.allowed.is_empty());
        assert_eq!(r.denied.len(), 1);
        assert_eq!(r.denied[0].hop, HopKind::DestinationSubnet);
    }

    #[test]
    fn deny_drops_flows_before_the_nsgs() {
        let n = NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .nsg("nsg", vec![RuleSpec::new("AllowAll", 100).build()])
            .subnet("roles", "vnet", &[SUBNET], Some("nsg"))
            .admin_rule(
                AdminAction::Deny,
                RuleSpec::new("NoRdp", 10).tcp().ports("3389").build(),
                "vnet",
                false,
            )
            .build();
        let r = rdp(&n);
        assert!(r.allowed.is_empty());
        assert_eq!(r.denied.len(), 1);
        assert_eq!(r.denied[0].hop, HopKind::DestinationAdmin);
        assert_eq!(r.denied[0].rule, RuleRef::Admin(0));
        assert_eq!(r.denied[0].nsg, None);
    }

    #[test]
    fn a_rule_of_a_dynamic_group_is_indeterminate_only_where_it_could_change_the_verdict() {
        // AlwaysAllow may apply: allowed if so, denied by the NSG if not.
        let r = rdp(&net(AdminAction::AlwaysAllow, true));
        assert!(r.allowed.is_empty() && r.denied.is_empty());
        assert!(!r.indeterminate.is_empty());
        // A Deny that may apply, before an NSG that denies anyway: denied either way.
        let r = rdp(&net(AdminAction::Deny, true));
        assert!(r.indeterminate.is_empty(), "{:?}", r.indeterminate);
        assert!(!r.denied.is_empty());
    }

    #[test]
    fn an_allow_that_may_apply_hands_flows_to_the_nsgs_of_its_side_either_way() {
        // Matched or not, an outbound `Allow` hands the flows to the source side's NSGs, so the
        // source subnet's deny decides them, not the destination's.
        let n = NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .nsg(
                "out",
                vec![RuleSpec::new("NoOut", 400).outbound().deny().build()],
            )
            .nsg("in", vec![RuleSpec::new("NoIn", 400).deny().build()])
            .subnet("a", "vnet", &[SUBNET], Some("out"))
            .subnet("b", "vnet", &["10.1.1.0/24"], Some("in"))
            .admin_rule(
                AdminAction::Allow,
                RuleSpec::new("Rdp", 10)
                    .outbound()
                    .tcp()
                    .ports("3389")
                    .build(),
                "vnet",
                true,
            )
            .build();
        let flows = FlowSet::from_cube(Cube {
            protocols: ProtoSet::only(Protocol::Tcp),
            dst_ports: port_set([PortRange::single(3389)]),
            ..Cube::universe()
        });
        let (a, b) = (
            Endpoint::subnet_hosts(&n, SubnetId(0)),
            Endpoint::subnet_hosts(&n, SubnetId(1)),
        );
        let r = evaluate_path(&n, &flows, &a, &b).unwrap();
        assert!(r.indeterminate.is_empty(), "{:?}", r.indeterminate);
        assert!(!r.denied.is_empty());
        assert!(
            r.denied.iter().all(|d| d.hop == HopKind::SourceSubnet),
            "{:?}",
            r.denied
        );
    }

    #[test]
    fn an_undeployed_configuration_puts_no_admin_hop_on_the_path() {
        let mut n = net(AdminAction::AlwaysAllow, false);
        n.admin_deployments.clear();
        let n = crate::model::link::link(n);
        let r = rdp(&n);
        assert!(r.hops.iter().all(|h| !h.kind.is_admin()));
        assert!(r.allowed.is_empty());
    }

    #[test]
    fn exempt_subnets_get_no_admin_hop() {
        let n = NetworkBuilder::new()
            .vnet("vnet", &["10.1.0.0/16"])
            .nsg("nsg", vec![RuleSpec::new("DenyAll", 400).deny().build()])
            .subnet("GatewaySubnet", "vnet", &[SUBNET], Some("nsg"))
            .admin_rule(
                AdminAction::AlwaysAllow,
                RuleSpec::new("Rdp", 10).tcp().ports("3389").build(),
                "vnet",
                false,
            )
            .build();
        let r = rdp(&n);
        assert!(r.hops.iter().all(|h| !h.kind.is_admin()));
    }

    fn in_region(mut n: Network, name: Val<String>, expr: Option<&str>) -> Network {
        for v in &mut n.vnets {
            v.location = Region {
                name: Spanned::new(name.clone(), crate::model::builder::span()),
                expr: expr.map(str::to_string),
            };
        }
        n
    }

    #[test]
    fn a_configuration_deployed_to_another_region_puts_no_admin_hop_on_the_path() {
        let n = in_region(
            net(AdminAction::AlwaysAllow, false),
            Val::Known("East US".into()),
            None,
        );
        let r = rdp(&n);
        assert!(r.hops.iter().all(|h| !h.kind.is_admin()));
        assert!(r.allowed.is_empty() && r.indeterminate.is_empty());
        // The same region written another way.
        let n = in_region(
            net(AdminAction::AlwaysAllow, false),
            Val::Known("West Europe".into()),
            None,
        );
        assert!(rdp(&n).is_fully_allowed());
    }

    #[test]
    fn an_unknown_region_makes_the_verdicts_it_could_change_indeterminate() {
        let unknown = || Val::unknown("no value", crate::model::builder::span());
        let r = rdp(&in_region(
            net(AdminAction::AlwaysAllow, false),
            unknown(),
            None,
        ));
        assert!(r.allowed.is_empty() && r.denied.is_empty());
        assert!(!r.indeterminate.is_empty());
        // A Deny that may apply, before an NSG that denies anyway: denied either way.
        let r = rdp(&in_region(net(AdminAction::Deny, false), unknown(), None));
        assert!(r.indeterminate.is_empty() && !r.denied.is_empty());
    }

    #[test]
    fn regions_written_by_one_expression_are_the_same_region() {
        let mut n = net(AdminAction::AlwaysAllow, false);
        let expr = "{resourceGroup().location}";
        for c in &mut n.admin_configs {
            for d in &mut c.regions {
                d.region = Region {
                    name: Spanned::new(
                        Val::unknown("deployment time", crate::model::builder::span()),
                        crate::model::builder::span(),
                    ),
                    expr: Some(expr.into()),
                };
            }
        }
        let unknown = Val::unknown("resource group", crate::model::builder::span());
        assert!(rdp(&in_region(n.clone(), unknown.clone(), Some(expr))).is_fully_allowed());
        // Another expression: unknown whether it is the same region.
        let r = rdp(&in_region(n, unknown, Some("{parameters('other')}")));
        assert!(!r.indeterminate.is_empty());
    }
}
