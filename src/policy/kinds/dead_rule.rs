//! `dead-rule` (NSG010): a user rule that decides no flow at all, because earlier rules match
//! everything it matches — wherever its NSG is attached. The finding names the covering rules.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use std::borrow::Cow;

use crate::eval::compile::{Atom, CompiledRule, Membership, Resolution};
use crate::eval::compiled::{CompiledNsg, CompiledRules};
use crate::eval::flowset::covering_prefix;
use crate::eval::fold::RuleRef;
use crate::eval::path::MAX_ATOMS;
use crate::model::tenant::{SubnetTenants, TenantKind, TenantRef};
use crate::model::{
    AddressItem, Direction, Network, Nsg, NsgId, SecurityRule, ServiceTag, SubnetId,
};
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

/// Whether a service's documented NSG requirements name `rule` (nsg-semantics §6.7, encoded as
/// NSG006 and NSG007): an Allow from `GatewayManager` or `AzureLoadBalancer` (inbound), or to
/// `AzureCloud` (outbound, Bastion), in an NSG on `AzureBastionSubnet` or on a subnet that holds
/// Azure Bastion or an Application Gateway. Such a rule is often shadowed by an earlier allow from `Internet` or
/// `*`, yet Microsoft lists it among the rules the service needs and a deployment may be
/// rejected without it, so NSG010 does not advise removing it.
fn required_by_service(net: &Network, id: NsgId, rule: &SecurityRule) -> bool {
    let (Some(crate::model::Access::Allow), Some(direction)) = (rule.access(), rule.direction())
    else {
        return false;
    };
    let (side, tags): (_, &[&str]) = match direction {
        Direction::Inbound => (&rule.source, &["GatewayManager", "AzureLoadBalancer"]),
        Direction::Outbound => (&rule.destination, &["AzureCloud"]),
    };
    let names_tag = side.non_prefixes().any(|item| match item.value.known() {
        Some(AddressItem::Tag(ServiceTag::AzureLoadBalancer)) => {
            tags.contains(&"AzureLoadBalancer")
        }
        Some(AddressItem::Tag(ServiceTag::Other(name))) => {
            tags.iter().any(|t| name.eq_ignore_ascii_case(t))
        }
        _ => false,
    });
    names_tag
        && net.subnets_with_nsg(id).iter().any(|subnet| {
            // Bastion deploys only to `AzureBastionSubnet` (NSG006's scope).
            let bastion_subnet = net.subnet(*subnet).is_some_and(|s| {
                s.resource
                    .name
                    .value
                    .eq_ignore_ascii_case("AzureBastionSubnet")
            });
            if bastion_subnet {
                return true;
            }
            let SubnetTenants::Known(tenants) = net.tenants_in(*subnet) else {
                return false;
            };
            tenants.iter().any(|t| match t {
                TenantRef::Declared(_, t) => match &t.kind {
                    TenantKind::Bastion => true,
                    TenantKind::ApplicationGateway { .. } => direction == Direction::Inbound,
                    _ => false,
                },
                _ => false,
            })
        })
}

/// User rules of `direction` that decide no flow wherever the NSG is attached: every flow the
/// rule *may* match is *certainly* matched by earlier rules. Only the rule's own region is
/// refined (by the earlier rules that overlap it), which costs far less than folding the whole
/// flow space, and never calls a rule dead that an unknown value could make reachable. Each
/// dead rule comes with the earlier user rules that cover it.
/// A rule without addresses or ports on a side: Azure rejects it (NSG021 says so), so whether
/// it would decide a flow is moot, and "remove it" would be the wrong advice.
fn lacks_a_side(rule: &SecurityRule) -> bool {
    rule.source.is_empty()
        || rule.destination.is_empty()
        || rule.source_ports.items.is_empty()
        || rule.destination_ports.items.is_empty()
}

/// The rules of one NSG, direction and context, each with its reference, compiled once per
/// check run (shared with the other policies).
fn compiled_in_order<'c>(compiled: &'c CompiledNsg<'_>) -> Vec<(RuleRef, &'c CompiledRule)> {
    compiled
        .order()
        .iter()
        .enumerate()
        .filter_map(|(position, (r, _))| Some((*r, compiled.get(position)?)))
        .collect()
}

fn dead_rules(
    rules: &CompiledRules<'_>,
    nsg: &Nsg,
    id: NsgId,
    direction: Direction,
) -> Vec<(usize, Vec<usize>)> {
    let net = rules.network();
    let unknown = Membership::Unknown;
    let mut dead: Option<BTreeMap<usize, Vec<usize>>> = None;
    for subnet in contexts(net, id) {
        let tags = rules.tags(subnet);
        let Some(compiled_nsg) = rules.nsg(id, direction, &tags, &unknown, &unknown) else {
            continue;
        };
        let compiled = compiled_in_order(&compiled_nsg);
        let mut resolved = ResolvedRules::default();
        let mut here = BTreeMap::new();
        for (position, (rule_ref, rule)) in compiled.iter().enumerate() {
            let RuleRef::User(i) = rule_ref else { continue };
            // A rule whose place is uncertain is never claimed dead.
            let placed = nsg
                .rules
                .get(*i)
                .is_some_and(|r| r.direction() == Some(direction) && r.priority().is_some());
            if !placed {
                continue;
            }
            let covering = covered(rule, compiled.iter().take(position).copied()).or_else(|| {
                covered_in_every_resolution(&compiled_nsg, position, &compiled, &mut resolved)
            });
            if let Some(covering) = covering {
                here.insert(*i, covering);
            }
        }
        dead = Some(match dead {
            None => here,
            Some(prev) => prev
                .into_iter()
                .filter(|(k, _)| here.contains_key(k))
                .collect(),
        });
    }
    dead.unwrap_or_default().into_iter().collect()
}

/// The earlier user rules that certainly match everything `rule` may match (those whose
/// certain match meets it, up to the first whose addition covers it), or `None` when some flow
/// gets past them (or the region is too complex to tell).
fn covered<'a>(
    rule: &CompiledRule,
    earlier: impl Iterator<Item = (RuleRef, &'a CompiledRule)>,
) -> Option<Vec<usize>> {
    let Some(hi) = &rule.hi else {
        // It matches no flow at all here.
        return Some(Vec::new());
    };
    // Read lazily: with many rules covered by the first ones (copies of one rule), the
    // intersection with every earlier rule would be quadratic in the NSG's rules.
    let mut meeting: Vec<RuleRef> = Vec::new();
    let cubes = earlier
        .filter_map(|(r, c)| c.lo.as_deref().map(|lo| (r, lo)))
        .filter(|(_, lo)| hi.intersect(lo).is_some())
        .map(|(r, lo)| {
            meeting.push(r);
            lo
        });
    let k = covering_prefix(hi, cubes).ok()??;
    Some(
        meeting
            .iter()
            .take(k)
            .filter_map(|r| match r {
                RuleRef::User(j) => Some(*j),
                _ => None,
            })
            .collect(),
    )
}

/// Unknowns are one variable wherever they appear: a rule naming `VirtualNetwork` after an
/// identical one is dead although neither matches a known set. Under every resolution of the
/// questions the rule and the earlier rules ask, the earlier rules must cover it (enumerated
/// only while there are at most [`MAX_ATOMS`] questions; past that the rule is not called dead).
/// Rules that ask no question are the shared compiled ones under every resolution.
fn covered_in_every_resolution<'c>(
    rules: &'c CompiledNsg<'_>,
    position: usize,
    compiled: &[(RuleRef, &CompiledRule)],
    resolved: &mut ResolvedRules<'c>,
) -> Option<Vec<usize>> {
    if escapes_every_resolution(compiled, position) {
        return None;
    }
    let mut atoms: Vec<Atom> = Vec::new();
    for (_, c) in compiled.iter().take(position + 1) {
        for a in &c.atoms {
            if !atoms.contains(a) {
                atoms.push(a.clone());
            }
        }
    }
    if atoms.is_empty() || atoms.len() > MAX_ATOMS {
        return None;
    }
    let mut covering: Vec<usize> = Vec::new();
    for resolution in Resolution::all(&atoms) {
        let keys: Vec<(usize, u64)> = (0..=position)
            .filter_map(|p| resolved.compiled_key(rules, p, &resolution))
            .collect();
        let exact: Vec<(RuleRef, &CompiledRule)> = keys
            .iter()
            .filter_map(|key| {
                let (rule_ref, _) = rules.order().get(key.0)?;
                Some((*rule_ref, resolved.by_answers.get(key)?.as_ref()))
            })
            .collect();
        let (last, earlier) = exact.split_last()?;
        for j in covered(last.1, earlier.iter().copied())? {
            if !covering.contains(&j) {
                covering.push(j);
            }
        }
    }
    covering.sort_unstable();
    Some(covering)
}

/// The rules of one NSG compiled exactly under resolutions, by position and the answers to
/// the rule's own questions (all that a resolved rule reads). Resolutions that differ only
/// in other questions share one compiled rule, and each later position reuses the earlier
/// ones: without this, rules sharing one question (a copy loop's rules with the same unknown
/// field) were compiled again for every later rule, quadratic in the NSG's rules.
#[derive(Default)]
struct ResolvedRules<'c> {
    by_answers: HashMap<(usize, u64), Cow<'c, CompiledRule>>,
}

// A rule's answers are a bit mask: it asks at most the [`MAX_ATOMS`] questions enumerated.
const _: () = assert!(MAX_ATOMS <= 64);

impl<'c> ResolvedRules<'c> {
    /// The key of position `p` exactly under `resolution`, compiled the first time its
    /// answers are seen (`None`: no rule there).
    fn compiled_key(
        &mut self,
        rules: &'c CompiledNsg<'_>,
        p: usize,
        resolution: &Resolution,
    ) -> Option<(usize, u64)> {
        let answers = rules
            .get(p)?
            .atoms
            .iter()
            .enumerate()
            .filter(|(_, a)| resolution.holds(a))
            .fold(0u64, |m, (i, _)| m | (1u64 << (i % 64)));
        let key = (p, answers);
        if let Entry::Vacant(slot) = self.by_answers.entry(key) {
            slot.insert(rules.resolved(p, resolution)?);
        }
        Some(key)
    }
}

/// Whether some flow the rule at `position` certainly matches is matched by no earlier rule
/// under any answer (outside the `hi` of them all). Every resolution then leaves that flow to
/// the rule (a resolved rule matches at least its `lo`, an earlier one at most its `hi`), so
/// [`covered_in_every_resolution`] would find it uncovered in the first resolution: this
/// answers the same without compiling the rules once per resolution. `false` when unsure.
fn escapes_every_resolution(compiled: &[(RuleRef, &CompiledRule)], position: usize) -> bool {
    let Some(Some(lo)) = compiled.get(position).map(|(_, c)| &c.lo) else {
        return false;
    };
    let his = compiled
        .iter()
        .take(position)
        .filter_map(|(_, c)| c.hi.as_deref())
        .filter(|hi| lo.may_intersect(hi));
    matches!(covering_prefix(lo, his), Ok(None))
}

impl Check for DeadRule {
    fn check(&self, policy: &PolicyMeta, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
        let net = ctx.network;
        for (index, nsg) in net.nsgs.iter().enumerate() {
            for direction in Direction::BOTH {
                for (dead, covering) in dead_rules(ctx.rules, nsg, NsgId(index), direction) {
                    let Some(rule) = nsg.rules.get(dead) else {
                        continue;
                    };
                    if required_by_service(net, NsgId(index), rule) || lacks_a_side(rule) {
                        continue;
                    }
                    let names: Vec<String> = covering
                        .iter()
                        .filter_map(|c| nsg.rules.get(*c))
                        .map(describe::rule)
                        .collect();
                    let by = names.join(", ");
                    let why = if names.is_empty() {
                        "it matches no flow where its NSG is attached".to_string()
                    } else {
                        format!("every flow it matches is decided first by {by}")
                    };
                    let message = format!(
                        "{} of NSG `{}` never decides any flow: {why}",
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
                    if net.is_unattached(NsgId(index)) {
                        f = f.with_note(format!(
                            "network security group `{}` is attached to nothing in this input; it was judged on its own, without the address space of a subnet",
                            nsg.resource.name.value
                        ));
                    }
                    for c in covering.iter().filter_map(|c| nsg.rules.get(*c)) {
                        f = f.with_label(c.span, format!("{} matches first", describe::rule(c)));
                    }
                    f.fix = Some(Fix {
                        summary: if names.is_empty() {
                            format!(
                                "remove {}, or correct what it matches",
                                describe::rule(rule)
                            )
                        } else {
                            format!("remove {}, or give it a priority before {by} if it is meant to take effect", describe::rule(rule))
                        },
                        snippet: None,
                    });
                    out.push(f.with_fingerprint(&[&rule.name.value, direction.as_str()]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builder::{NetworkBuilder, RuleSpec};
    use crate::model::{Unknown, Val};

    /// Runs `check` on the inbound rules of the first NSG in the first subnet's context.
    fn with_first_nsg(
        net: &Network,
        check: impl FnOnce(&CompiledNsg<'_>, &[(RuleRef, &CompiledRule)]),
    ) {
        let rules = CompiledRules::new(net);
        let tags = rules.tags(Some(SubnetId(0)));
        let unknown = Membership::Unknown;
        let nsg = rules
            .nsg(NsgId(0), Direction::Inbound, &tags, &unknown, &unknown)
            .unwrap();
        check(&nsg, &compiled_in_order(&nsg));
    }

    /// The shortcut answers "not dead" only where enumerating every resolution does too, and
    /// leaves a rule an unknown may shadow to the enumeration.
    #[test]
    fn escaping_rules_skip_the_enumeration_with_the_same_answer() {
        let net = NetworkBuilder::new()
            .vnet("vnet", &["10.0.0.0/16"])
            .nsg(
                "nsg",
                vec![
                    RuleSpec::new("FromVnet", 100)
                        .tcp()
                        .from("VirtualNetwork")
                        .ports("22")
                        .build(),
                    RuleSpec::new("Private", 200)
                        .tcp()
                        .from("10.0.0.0/16")
                        .ports("22")
                        .build(),
                    RuleSpec::new("Public", 300)
                        .tcp()
                        .from("203.0.113.0/24")
                        .ports("22")
                        .build(),
                ],
            )
            .subnet("a", "vnet", &["10.0.1.0/24"], Some("nsg"))
            .build();
        with_first_nsg(&net, |nsg, compiled| {
            // `Private` lies inside what `FromVnet` may match: only the enumeration can tell.
            assert!(!escapes_every_resolution(compiled, 1));
            assert_eq!(
                covered_in_every_resolution(nsg, 1, compiled, &mut ResolvedRules::default()),
                Some(vec![0])
            );
            // `Public` is outside it under every answer: the shortcut and the enumeration agree.
            assert!(escapes_every_resolution(compiled, 2));
            assert_eq!(
                covered_in_every_resolution(nsg, 2, compiled, &mut ResolvedRules::default()),
                None
            );
        });
    }

    /// Rules sharing one question (a copy loop's rules with the same unknown protocol) are
    /// compiled once per answer for the whole NSG, not again for every later rule: the
    /// enumeration was quadratic in the NSG's rules (2.3 s for 50 NSGs of 50 such rules, 15 s
    /// for 100 of 100). Each position gives the same answer as with a memo of its own.
    #[test]
    fn rules_sharing_a_question_are_compiled_once_per_answer() {
        let shared = Unknown {
            reason: "`protocol` is not set".into(),
            span: crate::model::builder::span(),
            origin: None,
        };
        let rules: Vec<SecurityRule> = (0..40)
            .map(|i| {
                let mut r = RuleSpec::new(&format!("r{i}"), 100 + i)
                    .from(&format!("10.0.{}.0/24", i % 4))
                    .ports("22")
                    .build();
                r.protocol.value = Val::Unknown(Box::new(shared.clone()));
                r
            })
            .collect();
        let net = NetworkBuilder::new()
            .vnet("vnet", &["10.0.0.0/16"])
            .nsg("nsg", rules)
            .subnet("a", "vnet", &["10.0.1.0/24"], Some("nsg"))
            .build();
        with_first_nsg(&net, |nsg, compiled| {
            let mut memo = ResolvedRules::default();
            let mut dead = 0;
            for position in 0..40 {
                let shared_memo = covered_in_every_resolution(nsg, position, compiled, &mut memo);
                let own = covered_in_every_resolution(
                    nsg,
                    position,
                    compiled,
                    &mut ResolvedRules::default(),
                );
                assert_eq!(shared_memo, own, "position {position}");
                dead += usize::from(shared_memo.is_some());
            }
            // Rules 4.. repeat an earlier source under the same unknown protocol: dead.
            assert_eq!(dead, 36);
            // One question: each position compiled under at most its two answers, in all.
            assert!(memo.by_answers.len() <= 2 * 40, "{}", memo.by_answers.len());
        });
    }
}
