//! The first-match fold of one NSG in one direction, over a set of flows (Batfish style).
//!
//! Rules are taken by ascending priority (ties: order written), then Azure's defaults. For a
//! rule with certain match `lo` and possible match `hi`, each flow still walking the list
//! either certainly matches (its verdict is decided), may match (the verdict may be the rule's
//! access or whatever comes later), or does not match. Flows are tracked in three branches:
//! none of their earlier rules *may* have matched, or one that may have matched would have
//! allowed, or denied. A flow whose possible verdicts include both Allow and Deny is
//! indeterminate (nsg-semantics §2.10). With no uncertainty this is the plain fold:
//! `decided = remaining ∩ match(rule); remaining = remaining \ match(rule)`.
//!
//! Rules whose priority or direction is unknown may sit anywhere: they are treated as
//! possibly matching before every rule of that direction, which over-approximates the
//! verdicts they could cause (sound: an Allow is never claimed that could be a Deny).
//!
//! Cost: O(R · C) cube operations for R rules and C cubes in the walking region (C is bounded
//! by [`MAX_CUBES`](crate::eval::flowset::MAX_CUBES)).

use std::borrow::Cow;

use crate::eval::compile::{
    compile, compile_resolved, Atom, CompiledRule, Resolution, RuleContext,
};
use crate::eval::compiled::CompiledNsg;
use crate::eval::flowset::{port_set, Cube, FlowSet, ProtoSet, TooComplex, NO_PORT};
use crate::eval::intervals::IntervalSet;
use crate::model::defaults::default_rules;
use crate::model::{Access, Direction, Nsg, ProtocolSpec, SecurityRule, Unknown, Val};

/// A rule of an NSG in one direction: a user rule (index into `Nsg::rules`) or a default
/// (index into `default_rules(direction)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleRef {
    User(usize),
    Default(Direction, usize),
    /// A security admin rule: an index into `Network::admin_rules` (it belongs to no NSG).
    Admin(usize),
}

impl RuleRef {
    pub fn resolve<'a>(&self, nsg: &'a Nsg) -> Option<&'a SecurityRule> {
        match *self {
            RuleRef::User(i) => nsg.rules.get(i),
            RuleRef::Default(d, i) => default_rules(d).get(i),
            RuleRef::Admin(_) => None,
        }
    }
}

/// Flows a rule certainly decides.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub rule: RuleRef,
    pub access: Access,
    pub region: FlowSet,
}

/// Flows whose verdict depends on something unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertain {
    pub region: FlowSet,
    /// The rules that may or may not have matched (or whose access is unknown), in order.
    pub rules: Vec<RuleRef>,
    pub reasons: Vec<Unknown>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FoldResult {
    /// In evaluation order; only rules that decide some flow.
    pub decided: Vec<Decided>,
    pub indeterminate: Vec<Uncertain>,
    /// Flows no rule decided (empty whenever the defaults are reached, as they catch all).
    pub remainder: FlowSet,
    /// The order the rules were considered in.
    pub order: Vec<RuleRef>,
}

impl FoldResult {
    /// User rules that decide no flow and take part in no uncertain verdict.
    pub fn dead_user_rules(&self) -> Vec<usize> {
        self.order
            .iter()
            .filter_map(|r| match r {
                RuleRef::User(i) => Some(*i),
                RuleRef::Default(..) | RuleRef::Admin(_) => None,
            })
            .filter(|i| {
                let r = RuleRef::User(*i);
                !self.decided.iter().any(|d| d.rule == r)
                    && !self.indeterminate.iter().any(|u| u.rules.contains(&r))
            })
            .collect()
    }
}

/// The order rules are considered in for `direction`, each with whether its place is certain.
pub fn rule_order(nsg: &Nsg, direction: Direction) -> Vec<(RuleRef, bool)> {
    let mut unplaced = Vec::new();
    let mut placed = Vec::new();
    for (i, rule) in nsg.rules.iter().enumerate() {
        match (&rule.priority.value, &rule.direction.value) {
            (Val::Known(p), Val::Known(d)) if *d == direction => placed.push((*p, i, true)),
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
    order.extend(
        placed
            .into_iter()
            .map(|(_, i, known)| (RuleRef::User(i), known)),
    );
    order.extend(
        (0..default_rules(direction).len()).map(|i| (RuleRef::Default(direction, i), true)),
    );
    order
}

/// A branch of flows still walking the rule list (see the module doc).
#[derive(Debug, Default)]
struct Branch {
    region: FlowSet,
    because: Vec<RuleRef>,
    reasons: Vec<Unknown>,
}

/// Fold `flows` through `nsg` in `direction` under `ctx`, over every answer to the unknowns
/// (each rule's unknowns taken on their own: sound, but it may call indeterminate a flow that
/// every consistent answer decides alike — see [`fold_resolved`]).
pub fn fold(
    nsg: &Nsg,
    direction: Direction,
    ctx: &RuleContext<'_>,
    flows: FlowSet,
) -> Result<FoldResult, TooComplex> {
    fold_by(nsg, direction, flows, |rule, placed| {
        compile(rule, ctx, placed)
    })
}

/// The exact fold under one resolution of the unknowns: nothing is indeterminate.
pub fn fold_resolved(
    nsg: &Nsg,
    direction: Direction,
    ctx: &RuleContext<'_>,
    flows: FlowSet,
    resolution: &Resolution,
) -> Result<FoldResult, TooComplex> {
    fold_by(nsg, direction, flows, |rule, _| {
        compile_resolved(rule, ctx, direction, resolution)
    })
}

/// The atoms (unknown questions) of the rules of `nsg` in `direction` that may match `flows`.
pub fn atoms(nsg: &Nsg, direction: Direction, ctx: &RuleContext<'_>, flows: &FlowSet) -> Vec<Atom> {
    let order = rule_order(nsg, direction);
    let compiled = order
        .iter()
        .filter_map(|(r, placed)| Some(compile(r.resolve(nsg)?, ctx, *placed)));
    relevant_atoms(compiled.collect::<Vec<_>>().iter(), flows)
}

/// [`atoms`], over rules compiled once per context.
pub fn atoms_compiled(rules: &CompiledNsg<'_>, flows: &FlowSet) -> Vec<Atom> {
    // A rule that cannot meet the flows asks nothing relevant: it is not compiled.
    let nsg = rules.nsg();
    let positions = rules
        .order()
        .iter()
        .enumerate()
        .filter(|(_, (rule_ref, _))| {
            rule_ref
                .resolve(nsg)
                .is_none_or(|rule| may_meet(rule, flows.cubes().iter()))
        })
        .map(|(position, _)| position);
    relevant_atoms(positions.filter_map(|i| rules.get(i)), flows)
}

/// Whether `rule` may match a flow of `cubes`, judged from its protocol and destination ports
/// as written, without compiling it: `false` only when those certainly exclude every flow
/// there, so that the compiled rule (whatever its addresses, place or access) would match
/// none of them and decide nothing. Most rules of a large NSG fail this test for a question
/// about one or two ports, and are then never compiled.
fn may_meet<'c>(rule: &SecurityRule, mut cubes: impl Iterator<Item = &'c Cube>) -> bool {
    let protocols = match &rule.protocol.value {
        Val::Known(ProtocolSpec::Any) => ProtoSet::ALL,
        Val::Known(ProtocolSpec::Only(p)) => ProtoSet::only(*p),
        Val::Unknown(_) => return true,
    };
    let items = &rule.destination_ports.items;
    if items.iter().any(|i| i.value.as_unknown().is_some()) {
        return true;
    }
    // A superset of what the rule's compiled destination ports can be: the pseudo-port of
    // portless flows is added for some rules only.
    let known = items.iter().filter_map(|i| i.value.known().copied());
    let ports = port_set(known).union(&IntervalSet::point(NO_PORT));
    cubes.any(|c| !c.protocols.and(protocols).is_empty() && c.dst_ports.intersects(&ports))
}

fn relevant_atoms<'c>(rules: impl Iterator<Item = &'c CompiledRule>, flows: &FlowSet) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::new();
    for c in rules {
        let relevant =
            c.hi.as_ref()
                .is_some_and(|hi| !flows.intersect_cube(hi).is_empty());
        if relevant {
            for a in &c.atoms {
                if !out.contains(a) {
                    out.push(a.clone());
                }
            }
        }
    }
    out
}

/// [`fold`] (`resolution` = `None`) or [`fold_resolved`], over rules compiled once per context.
pub fn fold_compiled(
    rules: &CompiledNsg<'_>,
    flows: FlowSet,
    resolution: Option<&Resolution>,
) -> Result<FoldResult, TooComplex> {
    fold_with(
        rules.order().to_vec(),
        flows,
        Some(rules.nsg()),
        |position, _, _| match resolution {
            None => rules.get(position).map(Cow::Borrowed),
            Some(r) => rules.resolved(position, r),
        },
    )
}

fn fold_by(
    nsg: &Nsg,
    direction: Direction,
    flows: FlowSet,
    compile_rule: impl Fn(&SecurityRule, bool) -> CompiledRule,
) -> Result<FoldResult, TooComplex> {
    fold_order(
        rule_order(nsg, direction),
        |r| r.resolve(nsg),
        flows,
        compile_rule,
    )
}

/// The fold over an explicit order of rules (each with whether its place is certain), without
/// Azure's defaults unless `order` names them: flows no rule decides are the remainder. Admin
/// rule collections are folded this way.
pub fn fold_order<'r>(
    order: Vec<(RuleRef, bool)>,
    resolve: impl Fn(RuleRef) -> Option<&'r SecurityRule>,
    flows: FlowSet,
    compile_rule: impl Fn(&SecurityRule, bool) -> CompiledRule,
) -> Result<FoldResult, TooComplex> {
    fold_with(order, flows, None, |_, rule_ref, placed| {
        resolve(rule_ref).map(|rule| Cow::Owned(compile_rule(rule, placed)))
    })
}

/// The fold over `order`, `rule_at(position, rule, placed)` giving each compiled rule (`None`:
/// skipped) when the walk reaches it. With `nsg`, a rule that cannot meet the flows still
/// walking ([`may_meet`]) is skipped without being asked for: it would decide nothing.
fn fold_with<'c>(
    order: Vec<(RuleRef, bool)>,
    flows: FlowSet,
    nsg: Option<&Nsg>,
    mut rule_at: impl FnMut(usize, RuleRef, bool) -> Option<Cow<'c, CompiledRule>>,
) -> Result<FoldResult, TooComplex> {
    // Branches: [0] nothing uncertain yet, [1] may already be allowed, [2] may already be denied.
    let mut branches = [
        Branch {
            region: flows,
            ..Branch::default()
        },
        Branch::default(),
        Branch::default(),
    ];
    let mut decided: Vec<Decided> = Vec::new();
    let mut indeterminate: Vec<Uncertain> = Vec::new();
    for (position, &(rule_ref, placed)) in order.iter().enumerate() {
        if branches.iter().all(|b| b.region.is_empty()) {
            break;
        }
        let walking = || branches.iter().flat_map(|b| b.region.cubes());
        let skip = nsg
            .and_then(|n| rule_ref.resolve(n))
            .is_some_and(|rule| !may_meet(rule, walking()));
        if skip {
            continue;
        }
        let Some(compiled) = rule_at(position, rule_ref, placed) else {
            continue;
        };
        step(
            rule_ref,
            &compiled,
            &mut branches,
            &mut decided,
            &mut indeterminate,
        )?;
    }
    let mut remainder = std::mem::take(&mut branches[0].region);
    for b in branches.iter_mut().skip(1) {
        if !b.region.is_empty() {
            // Flows that may have been decided by an uncertain rule and then matched nothing.
            indeterminate.push(Uncertain {
                region: std::mem::take(&mut b.region),
                rules: std::mem::take(&mut b.because),
                reasons: std::mem::take(&mut b.reasons),
            });
        }
    }
    remainder.coalesce();
    Ok(FoldResult {
        decided,
        indeterminate,
        remainder,
        order: order.into_iter().map(|(r, _)| r).collect(),
    })
}

fn branch_index(access: Access) -> usize {
    match access {
        Access::Allow => 1,
        Access::Deny => 2,
    }
}

fn step(
    rule_ref: RuleRef,
    rule: &CompiledRule,
    branches: &mut [Branch; 3],
    decided: &mut Vec<Decided>,
    indeterminate: &mut Vec<Uncertain>,
) -> Result<(), TooComplex> {
    let Some(hi) = &rule.hi else { return Ok(()) };
    let exact = rule.lo.as_ref() == Some(hi);
    // Regions moving into branch 1/2 after this rule (applied after all branches are walked,
    // so a flow meets each rule once).
    let mut moved: [Branch; 3] = Default::default();
    for (index, branch) in branches.iter_mut().enumerate() {
        if branch.region.is_empty() {
            continue;
        }
        let seen = match index {
            1 => Some(Access::Allow),
            2 => Some(Access::Deny),
            _ => None,
        };
        let (yes, maybe) = if exact {
            // The common case: one pass splits off what the rule decides.
            (branch.region.split(hi)?, FlowSet::empty())
        } else {
            let yes = match &rule.lo {
                Some(lo) => branch.region.intersect_cube(lo),
                None => FlowSet::empty(),
            };
            let possible = branch.region.intersect_cube(hi);
            let maybe = match &rule.lo {
                Some(lo) => possible.subtract_cube(lo)?,
                None => possible,
            };
            if !yes.is_empty() || !maybe.is_empty() {
                branch.region = std::mem::take(&mut branch.region).subtract_cube(hi)?;
            }
            (yes, maybe)
        };
        if yes.is_empty() && maybe.is_empty() {
            continue;
        }
        let mut because = branch.because.clone();
        because.push(rule_ref);
        let mut reasons = branch.reasons.clone();
        reasons.extend(rule.reasons.iter().cloned());
        // The verdict is certain when the rule's access is known and agrees with any access an
        // earlier uncertain rule may have given.
        let certain = rule.access.filter(|a| seen.is_none_or(|s| s == *a));
        if !yes.is_empty() {
            match certain {
                Some(a) => record(decided, rule_ref, a, yes)?,
                None => indeterminate.push(Uncertain {
                    region: yes,
                    rules: because.clone(),
                    reasons: reasons.clone(),
                }),
            }
        }
        if !maybe.is_empty() {
            let target = certain.map(branch_index).and_then(|i| moved.get_mut(i));
            match target {
                Some(slot) => absorb(slot, maybe, because, reasons)?,
                None => indeterminate.push(Uncertain {
                    region: maybe,
                    rules: because,
                    reasons,
                }),
            }
        }
    }
    for (branch, moved) in branches.iter_mut().zip(moved) {
        if !moved.region.is_empty() {
            absorb(branch, moved.region, moved.because, moved.reasons)?;
        }
    }
    Ok(())
}

/// Add flows (and why they are uncertain) to a branch.
fn absorb(
    branch: &mut Branch,
    region: FlowSet,
    because: Vec<RuleRef>,
    reasons: Vec<Unknown>,
) -> Result<(), TooComplex> {
    // Branches are disjoint (a flow walks in one), so moved flows are new to this branch.
    branch.region = std::mem::take(&mut branch.region).union_disjoint(region)?;
    for r in because {
        if !branch.because.contains(&r) {
            branch.because.push(r);
        }
    }
    for u in reasons {
        if !branch.reasons.contains(&u) {
            branch.reasons.push(u);
        }
    }
    Ok(())
}

fn record(
    decided: &mut Vec<Decided>,
    rule: RuleRef,
    access: Access,
    region: FlowSet,
) -> Result<(), TooComplex> {
    // A rule's parts are recorded while that rule is walked, so only the last entry can match.
    if let Some(d) = decided.last_mut().filter(|d| d.rule == rule) {
        // Parts from different branches are disjoint.
        d.region = std::mem::take(&mut d.region).union_disjoint(region)?;
    } else {
        decided.push(Decided {
            rule,
            access,
            region,
        });
    }
    Ok(())
}
