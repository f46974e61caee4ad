//! Each NSG's rules compiled once per context and shared by every policy and fold of a check run.
//!
//! A compiled rule depends on the rule, the network, the tag context (which subnet's
//! VirtualNetwork), the ASG memberships of the flow's two ends and whether its place is certain
//! (fixed by the rule order of its direction). [`CompiledRules`] belongs to one network; it keys
//! each NSG's rules by (NSG, direction, tag context, memberships) and compiles each rule the
//! first time it is asked for. Memberships are read only by rules that name a linked ASG, so
//! for an NSG without one every known membership shares the entry of `Unknown` (compile gives
//! the same rule for both).
//!
//! The cache is bounded: it keeps the compiled rules of at most [`MAX_KEPT_RULES`] rule
//! positions, so its memory is a constant, not a multiple of the input (a compiled rule is
//! several times the size of the rule it comes from). Entries past the bound are compiled for
//! the call and dropped with it. The first entries are kept, never replaced: the policies scan
//! the NSGs in the same order one after another, and for a cyclic scan larger than the cache,
//! keeping a fixed part hits on that part every time, where replacing the oldest (LRU) would
//! never hit. The last [`RECENT`] entries not kept are also held, because one path's
//! evaluation asks for the same NSGs again (its questions, then each of their answers).
//!
//! `Sync`: the policies of one check run in parallel and share it. Which entries a parallel run
//! keeps depends on the order the threads ask; what they compile does not.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::eval::compile::{
    compile, compile_resolved, CompiledRule, Membership, Resolution, RuleContext,
};
use crate::eval::fold::{rule_order, RuleRef};
use crate::eval::tags::TagContext;
use crate::model::defaults::default_rules;
use crate::model::{AddressItem, Direction, Link, Network, Nsg, NsgId, SubnetId};

/// Contexts kept per NSG and direction; past this (ends with many distinct ASG memberships)
/// rules are compiled for the call without being kept, so a lookup stays cheap.
const MAX_CONTEXTS: usize = 64;

/// Rule positions (Azure's default rules included) whose compiled rules are kept (see the
/// module doc): about 20–25 MB (measured ~650 bytes per position with its cube, questions and
/// entry). The dense benchmark plan has 16 positions per NSG: its first 2,048 NSGs are kept.
/// Unbounded, the cache was 1.1× the plan file at 20,000 NSGs and took the run over 3× the
/// file in memory; bounded, that run takes 2.9× the file and 5–15% more time
/// (docs/performance.md).
pub const MAX_KEPT_RULES: usize = 1 << 15;

/// Entries past the bound held for the lookups that follow (see the module doc).
const RECENT: usize = 16;

/// The compiled rules of one network's NSGs (see the module doc).
#[derive(Debug)]
pub struct CompiledRules<'n> {
    network: &'n Network,
    tags: Mutex<HashMap<Option<SubnetId>, Arc<TagContext>>>,
    nsgs: Mutex<Nsgs>,
    defaults: Mutex<Vec<Arc<Defaults>>>,
    max_kept_rules: usize,
}

/// The kept entries and what goes with them, under one lock.
#[derive(Debug, Default)]
struct Nsgs {
    buckets: HashMap<(NsgId, Direction), Bucket>,
    /// Rule positions held by kept entries.
    kept_rules: usize,
    /// The last entries past the bound, oldest first.
    recent: VecDeque<(NsgId, Arc<Entry>)>,
}

/// A lock of the cache. A thread that panicked while holding it left nothing half-written
/// that a lookup could misread (entries are inserted whole), so a poisoned lock is used as is.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Azure's default rules of one direction in one context: the same for every NSG there (they
/// name no ASG, so a known membership is kept as `Unknown`).
#[derive(Debug)]
struct Defaults {
    tags: Arc<TagContext>,
    source: Membership,
    destination: Membership,
    direction: Direction,
    compiled: Vec<OnceLock<Option<CompiledRule>>>,
}

#[derive(Debug)]
struct Bucket {
    /// Whether a rule names a linked ASG (memberships then matter).
    reads_memberships: bool,
    contexts: Vec<Arc<Entry>>,
}

/// One NSG in one direction and one context.
#[derive(Debug)]
struct Entry {
    tags: Arc<TagContext>,
    source: Membership,
    destination: Membership,
    direction: Direction,
    order: Vec<(RuleRef, bool)>,
    /// Per position of `order`; the defaults' positions stay empty (see `defaults`).
    compiled: Vec<OnceLock<Option<CompiledRule>>>,
    defaults: Arc<Defaults>,
}

/// The rules of one NSG in one direction and context, in evaluation order, compiled on demand.
#[derive(Debug, Clone)]
pub struct CompiledNsg<'n> {
    network: &'n Network,
    nsg: &'n Nsg,
    entry: Arc<Entry>,
}

impl<'n> CompiledRules<'n> {
    pub fn new(network: &'n Network) -> CompiledRules<'n> {
        CompiledRules::keeping(network, MAX_KEPT_RULES)
    }

    /// A cache that keeps the compiled rules of at most `max_kept_rules` rule positions.
    pub fn keeping(network: &'n Network, max_kept_rules: usize) -> CompiledRules<'n> {
        CompiledRules {
            network,
            tags: Mutex::default(),
            nsgs: Mutex::default(),
            defaults: Mutex::default(),
            max_kept_rules,
        }
    }

    pub fn network(&self) -> &'n Network {
        self.network
    }

    /// [`TagContext::for_subnet`], computed once per subnet.
    pub fn tags(&self, subnet: Option<SubnetId>) -> Arc<TagContext> {
        if let Some(t) = lock(&self.tags).get(&subnet) {
            return Arc::clone(t);
        }
        // Computed outside the lock; if another thread stored one meanwhile, that one is kept.
        let t = Arc::new(TagContext::for_subnet(self.network, subnet));
        Arc::clone(lock(&self.tags).entry(subnet).or_insert(t))
    }

    /// The rules of NSG `id` in `direction`, compiled in this context (`None`: no such NSG).
    pub fn nsg(
        &self,
        id: NsgId,
        direction: Direction,
        tags: &Arc<TagContext>,
        source: &Membership,
        destination: &Membership,
    ) -> Option<CompiledNsg<'n>> {
        let nsg = self.network.nsg(id)?;
        let mut guard = lock(&self.nsgs);
        let nsgs = &mut *guard;
        let bucket = nsgs
            .buckets
            .entry((id, direction))
            .or_insert_with(|| Bucket {
                reads_memberships: names_a_linked_asg(nsg),
                contexts: Vec::new(),
            });
        let key = |m: &Membership| match m {
            Membership::Known(_) if !bucket.reads_memberships => Membership::Unknown,
            m => m.clone(),
        };
        let (source, destination) = (key(source), key(destination));
        let same = |e: &Entry| {
            e.source == source
                && e.destination == destination
                && (Arc::ptr_eq(&e.tags, tags) || e.tags == *tags)
        };
        let found = bucket
            .contexts
            .iter()
            .find(|e| same(e))
            .cloned()
            .or_else(|| {
                let held = nsgs
                    .recent
                    .iter()
                    .rev()
                    .find(|(i, e)| *i == id && e.direction == direction && same(e));
                held.map(|(_, e)| Arc::clone(e))
            });
        let entry = match found {
            Some(e) => e,
            None => {
                let order = rule_order(nsg, direction);
                let defaults = self.defaults(direction, tags, &source, &destination);
                let e = Arc::new(Entry {
                    defaults,
                    tags: Arc::clone(tags),
                    source,
                    destination,
                    direction,
                    compiled: order.iter().map(|_| OnceLock::new()).collect(),
                    order,
                });
                let kept = nsgs.kept_rules + e.order.len();
                if bucket.contexts.len() < MAX_CONTEXTS && kept <= self.max_kept_rules {
                    nsgs.kept_rules = kept;
                    bucket.contexts.push(Arc::clone(&e));
                } else {
                    if nsgs.recent.len() == RECENT {
                        nsgs.recent.pop_front();
                    }
                    nsgs.recent.push_back((id, Arc::clone(&e)));
                }
                e
            }
        };
        Some(CompiledNsg {
            network: self.network,
            nsg,
            entry,
        })
    }
}

impl CompiledRules<'_> {
    /// The default rules of `direction` in this context, shared by every NSG (the last
    /// contexts are searched, so a lookup stays cheap with many).
    fn defaults(
        &self,
        direction: Direction,
        tags: &Arc<TagContext>,
        source: &Membership,
        destination: &Membership,
    ) -> Arc<Defaults> {
        let key = |m: &Membership| match m {
            Membership::Known(_) => Membership::Unknown,
            m => m.clone(),
        };
        let (source, destination) = (key(source), key(destination));
        let mut all = lock(&self.defaults);
        let found = all.iter().rev().take(MAX_CONTEXTS).find(|d| {
            d.direction == direction
                && d.source == source
                && d.destination == destination
                && (Arc::ptr_eq(&d.tags, tags) || d.tags == *tags)
        });
        if let Some(d) = found {
            return Arc::clone(d);
        }
        let d = Arc::new(Defaults {
            tags: Arc::clone(tags),
            source,
            destination,
            direction,
            compiled: default_rules(direction)
                .iter()
                .map(|_| OnceLock::new())
                .collect(),
        });
        all.push(Arc::clone(&d));
        d
    }
}

/// Whether some rule of `nsg` names an ASG that resolved (the only items that read the ends'
/// memberships, besides an end that is a service tag, which is kept in the key as is).
fn names_a_linked_asg(nsg: &Nsg) -> bool {
    nsg.rules.iter().any(|r| {
        [&r.source, &r.destination].into_iter().any(|side| {
            // ASGs are never packed: they are among the spec's other items.
            side.others().iter().any(|i| {
                matches!(i.value.known(), Some(AddressItem::Asg(link)) if matches!(**link, Link::Resolved(_)))
            })
        })
    })
}

impl<'n> CompiledNsg<'n> {
    pub fn nsg(&self) -> &'n Nsg {
        self.nsg
    }

    /// The rules in evaluation order, each with whether its place is certain
    /// ([`rule_order`]).
    pub fn order(&self) -> &[(RuleRef, bool)] {
        &self.entry.order
    }

    pub fn len(&self) -> usize {
        self.entry.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entry.order.is_empty()
    }

    fn context(&self) -> RuleContext<'_> {
        RuleContext {
            network: self.network,
            tags: &self.entry.tags,
            source: &self.entry.source,
            destination: &self.entry.destination,
        }
    }

    /// The rule at `position` of the order over every answer to its unknowns
    /// ([`compile`]), compiled the first time it is asked for.
    pub fn get(&self, position: usize) -> Option<&CompiledRule> {
        let (rule_ref, placed) = *self.entry.order.get(position)?;
        if let RuleRef::Default(_, i) = rule_ref {
            let d = &self.entry.defaults;
            let ctx = RuleContext {
                network: self.network,
                tags: &d.tags,
                source: &d.source,
                destination: &d.destination,
            };
            return d
                .compiled
                .get(i)?
                .get_or_init(|| Some(compile(rule_ref.resolve(self.nsg)?, &ctx, placed)))
                .as_ref();
        }
        let cell = self.entry.compiled.get(position)?;
        cell.get_or_init(|| {
            let rule = rule_ref.resolve(self.nsg)?;
            Some(compile(rule, &self.context(), placed))
        })
        .as_ref()
    }

    /// The rule at `position` exactly under `resolution` ([`compile_resolved`]). A placed rule
    /// that asks no question is the same under every resolution: the shared one is returned.
    pub fn resolved(
        &self,
        position: usize,
        resolution: &Resolution,
    ) -> Option<Cow<'_, CompiledRule>> {
        let (rule_ref, placed) = *self.entry.order.get(position)?;
        let shared = self.get(position)?;
        if placed && shared.atoms.is_empty() {
            return Some(Cow::Borrowed(shared));
        }
        let rule = rule_ref.resolve(self.nsg)?;
        Some(Cow::Owned(compile_resolved(
            rule,
            &self.context(),
            self.entry.direction,
            resolution,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::compile::Atom;
    use crate::model::builder::{NetworkBuilder, RuleSpec};

    fn net() -> Network {
        NetworkBuilder::new()
            .vnet("v", &["10.1.0.0/16"])
            .nsg(
                "nsg",
                vec![
                    RuleSpec::new("FromVnet", 100)
                        .tcp()
                        .from("VirtualNetwork")
                        .ports("22")
                        .build(),
                    RuleSpec::new("Web", 200).tcp().ports("443").build(),
                ],
            )
            .subnet("a", "v", &["10.1.0.0/24"], Some("nsg"))
            .subnet("b", "v", &["10.1.1.0/24"], Some("nsg"))
            .build()
    }

    /// Every cached rule equals a fresh compile in the same context, and a second lookup in
    /// the same context (a known membership without ASG rules included) shares the entry.
    #[test]
    fn cached_rules_equal_fresh_compiles_and_are_shared() {
        let n = net();
        let cache = CompiledRules::new(&n);
        let tags = cache.tags(Some(SubnetId(0)));
        let unknown = Membership::Unknown;
        let none = Membership::Known(Vec::new());
        let a = cache
            .nsg(NsgId(0), Direction::Inbound, &tags, &unknown, &unknown)
            .unwrap();
        let b = cache
            .nsg(NsgId(0), Direction::Inbound, &tags, &none, &unknown)
            .unwrap();
        assert!(Arc::ptr_eq(&a.entry, &b.entry));
        let ctx = RuleContext {
            network: &n,
            tags: &tags,
            source: &none,
            destination: &unknown,
        };
        for (position, (r, placed)) in a.order().iter().enumerate() {
            let fresh = compile(r.resolve(&n.nsgs[0]).unwrap(), &ctx, *placed);
            let cached = b.get(position).unwrap();
            assert_eq!(
                (&cached.lo, &cached.hi, cached.access),
                (&fresh.lo, &fresh.hi, fresh.access)
            );
            assert_eq!(cached.atoms, fresh.atoms);
        }
        // A subnet of the same VNet sees the same VirtualNetwork: the same context.
        let sibling = cache.tags(Some(SubnetId(1)));
        assert_eq!(*sibling, TagContext::for_subnet(&n, Some(SubnetId(1))));
        let d = cache
            .nsg(NsgId(0), Direction::Inbound, &sibling, &unknown, &unknown)
            .unwrap();
        assert!(Arc::ptr_eq(&a.entry, &d.entry));
        // Outside any subnet, VirtualNetwork is another context.
        let other = cache.tags(None);
        let c = cache
            .nsg(NsgId(0), Direction::Inbound, &other, &unknown, &unknown)
            .unwrap();
        assert!(!Arc::ptr_eq(&a.entry, &c.entry));
    }

    /// Past the bound, entries are not kept (the first ones stay shared; the last few are held
    /// for the lookups that follow), and what they compile is the same.
    #[test]
    fn entries_past_the_bound_are_not_kept_and_compile_the_same() {
        let n = net();
        let unknown = Membership::Unknown;
        let unbounded = CompiledRules::new(&n);
        let tags = unbounded.tags(Some(SubnetId(0)));
        let all = unbounded
            .nsg(NsgId(0), Direction::Inbound, &tags, &unknown, &unknown)
            .unwrap();
        let size = all.order().len();
        // Room for exactly one entry: the subnet's context is kept, the outside one is not.
        let bounded = CompiledRules::keeping(&n, size);
        let tags = bounded.tags(Some(SubnetId(0)));
        let outside = bounded.tags(None);
        let lookup = |t: &Arc<TagContext>| {
            bounded
                .nsg(NsgId(0), Direction::Inbound, t, &unknown, &unknown)
                .unwrap()
        };
        assert!(Arc::ptr_eq(&lookup(&tags).entry, &lookup(&tags).entry));
        // The outside context is past the bound: not kept, but held among the recent entries.
        assert!(Arc::ptr_eq(
            &lookup(&outside).entry,
            &lookup(&outside).entry
        ));
        assert_eq!(lock(&bounded.nsgs).kept_rules, size);
        assert_eq!(lock(&bounded.nsgs).recent.len(), 1);
        let fresh = CompiledRules::keeping(&n, 0);
        let never = fresh
            .nsg(
                NsgId(0),
                Direction::Inbound,
                &fresh.tags(None),
                &unknown,
                &unknown,
            )
            .unwrap();
        let kept = unbounded
            .nsg(
                NsgId(0),
                Direction::Inbound,
                &unbounded.tags(None),
                &unknown,
                &unknown,
            )
            .unwrap();
        for position in 0..size {
            let (a, b) = (never.get(position).unwrap(), kept.get(position).unwrap());
            assert_eq!((&a.lo, &a.hi, a.access), (&b.lo, &b.hi, b.access));
            assert_eq!(a.atoms, b.atoms);
        }
        assert_eq!(lock(&fresh.nsgs).kept_rules, 0);
    }

    /// Under a resolution, a rule without questions is the shared one and a rule with
    /// questions is compiled under it.
    #[test]
    fn resolved_rules_match_compile_resolved() {
        let n = net();
        let cache = CompiledRules::new(&n);
        let tags = cache.tags(Some(SubnetId(0)));
        let unknown = Membership::Unknown;
        let rules = cache
            .nsg(NsgId(0), Direction::Inbound, &tags, &unknown, &unknown)
            .unwrap();
        let atoms: Vec<Atom> = rules.get(0).unwrap().atoms.clone();
        assert!(!atoms.is_empty(), "VirtualNetwork asks a question");
        let ctx = RuleContext {
            network: &n,
            tags: &tags,
            source: &unknown,
            destination: &unknown,
        };
        for resolution in Resolution::all(&atoms) {
            for (position, (r, _)) in rules.order().iter().enumerate() {
                let got = rules.resolved(position, &resolution).unwrap();
                let want = compile_resolved(
                    r.resolve(&n.nsgs[0]).unwrap(),
                    &ctx,
                    Direction::Inbound,
                    &resolution,
                );
                assert_eq!(
                    (&got.lo, &got.hi, got.access),
                    (&want.lo, &want.hi, want.access)
                );
                let shared = rules.get(position).unwrap().atoms.is_empty();
                assert_eq!(matches!(got, Cow::Borrowed(_)), shared);
            }
        }
    }
}
