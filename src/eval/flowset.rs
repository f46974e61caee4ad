//! Exact sets of flows: protocol × source address × source port × destination address ×
//! destination port, over IPv4 and IPv6.
//!
//! A [`FlowSet`] is a union of pairwise-disjoint [`Cube`]s; each dimension of a cube is an
//! interval set, so a rule with several prefixes or ports is still one cube. Two facts about
//! real flows are applied to every cube rather than stored in it:
//! - source and destination are of the same address family;
//! - only TCP and UDP carry ports. Flows of portless protocols (ICMP, ESP, AH) carry the
//!   pseudo-port [`NO_PORT`] on both sides; a rule's port set contains it only when the rule
//!   is for every port (`*`, `0-65535`) or names a portless protocol (see `eval::compile`).
//!
//! Subtraction splits a cube into at most five; [`FlowSet::coalesce`] merges cubes that differ
//! in one dimension, and no set may exceed [`MAX_CUBES`]: past that an operation fails with
//! [`TooComplex`] so an adversarial rule set cannot exhaust memory (the caller reports the
//! verdict as indeterminate, never as a pass).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use rustc_hash::{FxHashMap, FxHasher};

use crate::eval::intervals::IntervalSet;
use crate::model::{PortRange, Protocol};

/// The pseudo-port of flows whose protocol has no ports.
pub const NO_PORT: u32 = 65536;

/// Largest number of cubes one flow set may hold.
pub const MAX_CUBES: usize = 1 << 16;

/// An operation would exceed [`MAX_CUBES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooComplex;

impl fmt::Display for TooComplex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the flow region has more than {MAX_CUBES} disjoint parts"
        )
    }
}

/// A set of protocols as a bit mask (bit = index in [`Protocol::ALL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ProtoSet(u8);

impl ProtoSet {
    pub const EMPTY: ProtoSet = ProtoSet(0);
    pub const ALL: ProtoSet = ProtoSet(0b11111);
    pub const PORTED: ProtoSet = ProtoSet(0b00011);
    pub const PORTLESS: ProtoSet = ProtoSet(0b11100);

    pub fn only(p: Protocol) -> ProtoSet {
        ProtoSet(1 << Protocol::ALL.iter().position(|q| *q == p).unwrap_or(0))
    }
    pub fn contains(self, p: Protocol) -> bool {
        self.0 & ProtoSet::only(p).0 != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn and(self, o: ProtoSet) -> ProtoSet {
        ProtoSet(self.0 & o.0)
    }
    pub fn or(self, o: ProtoSet) -> ProtoSet {
        ProtoSet(self.0 | o.0)
    }
    pub fn minus(self, o: ProtoSet) -> ProtoSet {
        ProtoSet(self.0 & !o.0)
    }
    pub fn iter(self) -> impl Iterator<Item = Protocol> {
        Protocol::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

/// A set of addresses of both families.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AddrSet {
    pub v4: IntervalSet<u32>,
    pub v6: IntervalSet<u128>,
}

impl AddrSet {
    pub fn empty() -> AddrSet {
        AddrSet::default()
    }
    pub fn full() -> AddrSet {
        AddrSet {
            v4: IntervalSet::full(),
            v6: IntervalSet::full(),
        }
    }
    pub fn from_net(net: &IpNet) -> AddrSet {
        match net {
            IpNet::V4(n) => AddrSet {
                v4: IntervalSet::range(u32::from(n.network()), u32::from(n.broadcast())),
                v6: IntervalSet::empty(),
            },
            IpNet::V6(n) => AddrSet {
                v4: IntervalSet::empty(),
                v6: IntervalSet::range(u128::from(n.network()), u128::from(n.broadcast())),
            },
        }
    }
    pub fn from_nets<'a>(nets: impl IntoIterator<Item = &'a IpNet>) -> AddrSet {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for net in nets {
            match net {
                IpNet::V4(n) => v4.push((u32::from(n.network()), u32::from(n.broadcast()))),
                IpNet::V6(n) => v6.push((u128::from(n.network()), u128::from(n.broadcast()))),
            }
        }
        AddrSet {
            v4: IntervalSet::from_ranges(v4),
            v6: IntervalSet::from_ranges(v6),
        }
    }
    /// The union of many sets in one sort, linear-logarithmic in their total size (folding
    /// [`AddrSet::union`] over thousands of prefixes would be quadratic).
    pub fn union_all<'a>(sets: impl IntoIterator<Item = &'a AddrSet>) -> AddrSet {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        for s in sets {
            v4.extend_from_slice(s.v4.ranges());
            v6.extend_from_slice(s.v6.ranges());
        }
        AddrSet {
            v4: IntervalSet::from_ranges(v4),
            v6: IntervalSet::from_ranges(v6),
        }
    }
    pub fn addr(a: IpAddr) -> AddrSet {
        AddrSet::from_net(&IpNet::from(a))
    }
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }
    pub fn union(&self, o: &AddrSet) -> AddrSet {
        AddrSet {
            v4: self.v4.union(&o.v4),
            v6: self.v6.union(&o.v6),
        }
    }
    pub fn intersect(&self, o: &AddrSet) -> AddrSet {
        AddrSet {
            v4: self.v4.intersect(&o.v4),
            v6: self.v6.intersect(&o.v6),
        }
    }
    pub fn difference(&self, o: &AddrSet) -> AddrSet {
        AddrSet {
            v4: self.v4.difference(&o.v4),
            v6: self.v6.difference(&o.v6),
        }
    }
    pub fn is_subset(&self, o: &AddrSet) -> bool {
        self.v4.is_subset(&o.v4) && self.v6.is_subset(&o.v6)
    }
    pub fn contains(&self, a: IpAddr) -> bool {
        match a {
            IpAddr::V4(x) => self.v4.contains(u32::from(x)),
            IpAddr::V6(x) => self.v6.contains(u128::from(x)),
        }
    }
}

/// Port sets live in `[0, NO_PORT]`.
pub type PortSet = IntervalSet<u32>;

pub fn all_ports() -> PortSet {
    IntervalSet::range(0, NO_PORT)
}

pub fn real_ports() -> PortSet {
    IntervalSet::range(0, 65535)
}

pub fn port_set(ranges: impl IntoIterator<Item = PortRange>) -> PortSet {
    IntervalSet::from_ranges(
        ranges
            .into_iter()
            .map(|r| (u32::from(r.lo), u32::from(r.hi))),
    )
}

/// A product of one set per dimension (see the module doc for the constraints applied).
#[derive(Debug, Clone)]
pub struct Cube {
    pub protocols: ProtoSet,
    pub src: AddrSet,
    pub src_ports: PortSet,
    pub dst: AddrSet,
    pub dst_ports: PortSet,
    /// A box containing the cube, for a fast disjointness test. It may be larger than the cube
    /// (never smaller): [`Cube::normalize`] makes it tight, and [`Hull::FULL`] is always safe.
    pub hull: Hull,
}

// The hull is a cache of the dimensions: equality and hashing ignore it.
impl PartialEq for Cube {
    fn eq(&self, o: &Cube) -> bool {
        self.protocols == o.protocols
            && self.src == o.src
            && self.src_ports == o.src_ports
            && self.dst == o.dst
            && self.dst_ports == o.dst_ports
    }
}

impl Eq for Cube {}

impl Hash for Cube {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.protocols.hash(h);
        self.src.hash(h);
        self.src_ports.hash(h);
        self.dst.hash(h);
        self.dst_ports.hash(h);
    }
}

/// Smallest and largest value of each dimension (`lo > hi` for an empty one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hull {
    src_ports: (u32, u32),
    dst_ports: (u32, u32),
    src4: (u32, u32),
    dst4: (u32, u32),
    src6: (u128, u128),
    dst6: (u128, u128),
}

impl Hull {
    pub const FULL: Hull = Hull {
        src_ports: (0, u32::MAX),
        dst_ports: (0, u32::MAX),
        src4: (0, u32::MAX),
        dst4: (0, u32::MAX),
        src6: (0, u128::MAX),
        dst6: (0, u128::MAX),
    };

    fn of(c: &Cube) -> Hull {
        fn span<T: crate::eval::intervals::Point>(s: &IntervalSet<T>) -> (T, T) {
            match (s.ranges().first(), s.ranges().last()) {
                (Some(a), Some(b)) => (a.0, b.1),
                _ => (T::MAX, T::MIN),
            }
        }
        Hull {
            src_ports: span(&c.src_ports),
            dst_ports: span(&c.dst_ports),
            src4: span(&c.src.v4),
            dst4: span(&c.dst.v4),
            src6: span(&c.src.v6),
            dst6: span(&c.dst.v6),
        }
    }

    fn overlaps(&self, o: &Hull) -> bool {
        fn meet<T: Ord>(a: &(T, T), b: &(T, T)) -> bool {
            a.0 <= b.1 && b.0 <= a.1
        }
        meet(&self.dst_ports, &o.dst_ports)
            && meet(&self.src_ports, &o.src_ports)
            && ((meet(&self.src4, &o.src4) && meet(&self.dst4, &o.dst4))
                || (meet(&self.src6, &o.src6) && meet(&self.dst6, &o.dst6)))
    }
}

impl Cube {
    /// Every flow.
    pub fn universe() -> Cube {
        Cube {
            protocols: ProtoSet::ALL,
            src: AddrSet::full(),
            src_ports: all_ports(),
            dst: AddrSet::full(),
            dst_ports: all_ports(),
            hull: Hull::FULL,
        }
    }

    /// Drop the parts no real flow can occupy; `None` when nothing is left.
    pub fn normalize(mut self) -> Option<Cube> {
        if self.src.v4.is_empty() || self.dst.v4.is_empty() {
            self.src.v4 = IntervalSet::empty();
            self.dst.v4 = IntervalSet::empty();
        }
        if self.src.v6.is_empty() || self.dst.v6.is_empty() {
            self.src.v6 = IntervalSet::empty();
            self.dst.v6 = IntervalSet::empty();
        }
        if self.src.is_empty() {
            return None;
        }
        let real = real_ports();
        let ported_ok = !self.protocols.and(ProtoSet::PORTED).is_empty()
            && self.src_ports.intersects(&real)
            && self.dst_ports.intersects(&real);
        let portless_ok = !self.protocols.and(ProtoSet::PORTLESS).is_empty()
            && self.src_ports.contains(NO_PORT)
            && self.dst_ports.contains(NO_PORT);
        if !ported_ok {
            self.protocols = self.protocols.minus(ProtoSet::PORTED);
            self.src_ports = self.src_ports.difference(&real);
            self.dst_ports = self.dst_ports.difference(&real);
        }
        if !portless_ok {
            self.protocols = self.protocols.minus(ProtoSet::PORTLESS);
            let none = IntervalSet::point(NO_PORT);
            self.src_ports = self.src_ports.difference(&none);
            self.dst_ports = self.dst_ports.difference(&none);
        }
        if self.protocols.is_empty() {
            return None;
        }
        self.hull = Hull::of(&self);
        Some(self)
    }

    /// A cheap test without allocation: `false` means certainly disjoint.
    pub fn may_intersect(&self, o: &Cube) -> bool {
        // Cheapest and most selective tests first.
        !self.protocols.and(o.protocols).is_empty()
            && self.hull.overlaps(&o.hull)
            && self.dst_ports.intersects(&o.dst_ports)
            && self.src_ports.intersects(&o.src_ports)
            && ((self.src.v4.intersects(&o.src.v4) && self.dst.v4.intersects(&o.dst.v4))
                || (self.src.v6.intersects(&o.src.v6) && self.dst.v6.intersects(&o.dst.v6)))
    }

    pub fn intersect(&self, o: &Cube) -> Option<Cube> {
        if !self.may_intersect(o) {
            return None;
        }
        let protocols = self.protocols.and(o.protocols);
        Cube {
            protocols,
            src: self.src.intersect(&o.src),
            src_ports: self.src_ports.intersect(&o.src_ports),
            dst: self.dst.intersect(&o.dst),
            dst_ports: self.dst_ports.intersect(&o.dst_ports),
            hull: Hull::FULL,
        }
        .normalize()
    }

    /// `self \ o` as at most five disjoint cubes.
    pub fn subtract(&self, o: &Cube) -> Vec<Cube> {
        let mut out = Vec::with_capacity(5);
        let common = self.intersect(o);
        self.clone().subtract_into(o, common.as_ref(), &mut out);
        out
    }

    /// Push the pieces of `self \ o` to `out`, moving `self` when the two are disjoint.
    /// Returns whether `self` was split into more than one piece.
    /// `common` is `self ∩ o`, computed by the caller.
    fn subtract_into(self, o: &Cube, common: Option<&Cube>, out: &mut Vec<Cube>) -> bool {
        let Some(common) = common else {
            out.push(self);
            return false;
        };
        if *common == self {
            return false;
        }
        let before = out.len();
        // Piece k keeps dimensions before k inside `o`, dimension k outside it, the rest as is.
        let mut inside = self.clone();
        let protocols = self.protocols.minus(o.protocols);
        if !protocols.is_empty() {
            out.extend(
                Cube {
                    protocols,
                    ..inside.clone()
                }
                .normalize(),
            );
        }
        inside.protocols = common.protocols;
        let src = self.src.difference(&o.src);
        if !src.is_empty() {
            out.extend(
                Cube {
                    src,
                    ..inside.clone()
                }
                .normalize(),
            );
        }
        inside.src = self.src.intersect(&o.src);
        let dst = self.dst.difference(&o.dst);
        if !dst.is_empty() {
            out.extend(
                Cube {
                    dst,
                    ..inside.clone()
                }
                .normalize(),
            );
        }
        inside.dst = self.dst.intersect(&o.dst);
        let src_ports = self.src_ports.difference(&o.src_ports);
        if !src_ports.is_empty() {
            out.extend(
                Cube {
                    src_ports,
                    ..inside.clone()
                }
                .normalize(),
            );
        }
        inside.src_ports = self.src_ports.intersect(&o.src_ports);
        let dst_ports = self.dst_ports.difference(&o.dst_ports);
        if !dst_ports.is_empty() {
            out.extend(
                Cube {
                    dst_ports,
                    ..inside
                }
                .normalize(),
            );
        }
        out.len() - before > 1
    }

    /// Whether every flow of `o` is in `self`, by a sufficient test: each of `o`'s sets lies in
    /// `self`'s.
    pub fn holds(&self, o: &Cube) -> bool {
        o.protocols.minus(self.protocols).is_empty()
            && o.dst_ports.is_subset(&self.dst_ports)
            && o.src_ports.is_subset(&self.src_ports)
            && o.src.is_subset(&self.src)
            && o.dst.is_subset(&self.dst)
    }

    pub fn contains(&self, f: &Flow) -> bool {
        let (sp, dp) = f.port_points();
        self.protocols.contains(f.protocol)
            && self.src.contains(f.src)
            && self.dst.contains(f.dst)
            && self.src_ports.contains(sp)
            && self.dst_ports.contains(dp)
            && f.src.is_ipv4() == f.dst.is_ipv4()
    }
}

/// One concrete flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flow {
    pub protocol: Protocol,
    pub src: IpAddr,
    /// `None` for protocols without ports.
    pub src_port: Option<u16>,
    pub dst: IpAddr,
    pub dst_port: Option<u16>,
}

impl Flow {
    fn port_points(&self) -> (u32, u32) {
        if self.protocol.has_ports() {
            (
                self.src_port.map(u32::from).unwrap_or(NO_PORT),
                self.dst_port.map(u32::from).unwrap_or(NO_PORT),
            )
        } else {
            (NO_PORT, NO_PORT)
        }
    }

    /// The set holding just this flow.
    pub fn to_cube(&self) -> Cube {
        let (sp, dp) = self.port_points();
        Cube {
            protocols: ProtoSet::only(self.protocol),
            src: AddrSet::addr(self.src),
            src_ports: IntervalSet::point(sp),
            dst: AddrSet::addr(self.dst),
            dst_ports: IntervalSet::point(dp),
            hull: Hull::FULL,
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = |addr: IpAddr, port: Option<u16>| match (addr, port) {
            (IpAddr::V6(a), Some(p)) => format!("[{a}]:{p}"),
            (a, Some(p)) => format!("{a}:{p}"),
            (a, None) => a.to_string(),
        };
        write!(
            f,
            "{} {} → {}",
            self.protocol.as_str().to_ascii_uppercase(),
            endpoint(self.src, self.src_port),
            endpoint(self.dst, self.dst_port)
        )
    }
}

/// A union of pairwise-disjoint cubes.
#[derive(Debug, Clone, Default)]
pub struct FlowSet {
    cubes: Vec<Cube>,
    /// Size after the last full coalescing pass (coalescing is amortized).
    settled: usize,
}

impl PartialEq for FlowSet {
    fn eq(&self, o: &FlowSet) -> bool {
        self.cubes == o.cubes
    }
}

impl Eq for FlowSet {}

impl FlowSet {
    pub fn empty() -> FlowSet {
        FlowSet::default()
    }

    pub fn universe() -> FlowSet {
        FlowSet::from_cube(Cube::universe())
    }

    pub fn from_cube(c: Cube) -> FlowSet {
        FlowSet {
            cubes: c.normalize().into_iter().collect(),
            settled: 1,
        }
    }

    pub fn cubes(&self) -> &[Cube] {
        &self.cubes
    }

    pub fn is_empty(&self) -> bool {
        self.cubes.is_empty()
    }

    pub fn contains(&self, f: &Flow) -> bool {
        self.cubes.iter().any(|c| c.contains(f))
    }

    pub fn intersect_cube(&self, c: &Cube) -> FlowSet {
        let cubes: Vec<Cube> = self.cubes.iter().filter_map(|x| x.intersect(c)).collect();
        FlowSet {
            settled: cubes.len(),
            cubes,
        }
    }

    pub fn intersect(&self, o: &FlowSet) -> Result<FlowSet, TooComplex> {
        let mut cubes = Vec::new();
        for a in &self.cubes {
            for b in &o.cubes {
                if let Some(c) = a.intersect(b) {
                    cubes.push(c);
                    if cubes.len() > MAX_CUBES {
                        return Err(TooComplex);
                    }
                }
            }
        }
        let mut out = FlowSet { cubes, settled: 0 };
        out.coalesce();
        Ok(out)
    }

    /// `self \ c`, consuming `self`; cubes `c` does not touch stay where they are.
    pub fn subtract_cube(mut self, c: &Cube) -> Result<FlowSet, TooComplex> {
        self.split_off(c, false)?;
        Ok(self)
    }

    /// Remove `self ∩ c` from `self` and return it: one pass for the fold's
    /// `decided = remaining ∩ match; remaining = remaining \ match`.
    pub fn split(&mut self, c: &Cube) -> Result<FlowSet, TooComplex> {
        self.split_off(c, true)
    }

    fn split_off(&mut self, c: &Cube, keep_inside: bool) -> Result<FlowSet, TooComplex> {
        let mut inside = Vec::new();
        let mut pieces = Vec::new();
        let mut split = false;
        let mut i = 0;
        while i < self.cubes.len() {
            let touches = self.cubes.get(i).is_some_and(|a| a.may_intersect(c));
            if !touches {
                i += 1;
                continue;
            }
            let a = self.cubes.swap_remove(i);
            let common = a.intersect(c);
            split |= a.subtract_into(c, common.as_ref(), &mut pieces);
            if keep_inside {
                inside.extend(common);
            }
            if self.cubes.len() + pieces.len() > MAX_CUBES {
                return Err(TooComplex);
            }
        }
        self.cubes.append(&mut pieces);
        if split {
            self.maybe_coalesce();
        }
        let mut out = FlowSet {
            settled: inside.len(),
            cubes: inside,
        };
        out.maybe_coalesce();
        Ok(out)
    }

    pub fn subtract(&self, o: &FlowSet) -> Result<FlowSet, TooComplex> {
        let mut out = self.clone();
        for c in &o.cubes {
            if out.is_empty() {
                break;
            }
            out = out.subtract_cube(c)?;
        }
        Ok(out)
    }

    pub fn union(&self, o: &FlowSet) -> Result<FlowSet, TooComplex> {
        if o.is_empty() {
            return Ok(self.clone());
        }
        if self.is_empty() {
            return Ok(o.clone());
        }
        let mut extra = o.subtract(self)?;
        let mut cubes = self.cubes.clone();
        cubes.append(&mut extra.cubes);
        if cubes.len() > MAX_CUBES {
            return Err(TooComplex);
        }
        let mut out = FlowSet {
            cubes,
            settled: self.settled,
        };
        out.maybe_coalesce();
        Ok(out)
    }

    /// The union of two sets known to be disjoint (flows cannot be in both): the cubes are
    /// appended, with no subtraction. Still exact if they did overlap — only less compact.
    pub fn union_disjoint(mut self, o: FlowSet) -> Result<FlowSet, TooComplex> {
        if self.cubes.is_empty() {
            return Ok(o);
        }
        self.cubes.extend(o.cubes);
        if self.cubes.len() > MAX_CUBES {
            return Err(TooComplex);
        }
        self.maybe_coalesce();
        Ok(self)
    }

    /// Coalesce small sets always and large ones when they doubled since the last pass, so the
    /// cost stays amortized linear while the set stays compact.
    fn maybe_coalesce(&mut self) {
        let n = self.cubes.len();
        if n >= 2 && n >= 2 * self.settled.max(4) {
            self.coalesce();
        }
    }

    /// Merge cubes equal in all but one dimension, until nothing merges. Keeps disjointness
    /// (the merged dimension's parts were disjoint) and shrinks typical fold results a lot.
    pub fn coalesce(&mut self) {
        while self.cubes.len() >= 2 {
            let before = self.cubes.len();
            for dim in 0..5 {
                self.merge_along(dim);
            }
            if self.cubes.len() == before {
                break;
            }
        }
        self.settled = self.cubes.len();
    }

    fn merge_along(&mut self, dim: usize) {
        let mut groups: FxHashMap<u64, usize> = FxHashMap::default();
        groups.reserve(self.cubes.len());
        let mut out: Vec<Cube> = Vec::with_capacity(self.cubes.len());
        for c in self.cubes.drain(..) {
            let key = hash_except(&c, dim);
            match groups.get(&key).and_then(|&i| out.get_mut(i)) {
                // Equal hashes are checked for real equality: a collision only skips a merge.
                Some(existing) if same_except(existing, &c, dim) => merge_dim(existing, &c, dim),
                Some(_) => out.push(c),
                None => {
                    groups.insert(key, out.len());
                    out.push(c);
                }
            }
        }
        self.cubes = out;
    }

    /// Some flow of the set, preferring one inside `hint` (plausible addresses and ports).
    pub fn witness(&self, hint: Option<&Cube>) -> Option<Flow> {
        // A flow between two hosts is a better example than a host's flow to itself.
        let apart = |f: &Flow| f.src != f.dst;
        let hinted = |c: &Cube| hint.map_or(Some(c.clone()), |h| c.intersect(h));
        self.cubes
            .iter()
            .filter_map(hinted)
            .filter_map(|c| pick(&c))
            .find(apart)
            .or_else(|| self.cubes.iter().filter_map(pick).find(apart))
            .or_else(|| self.cubes.iter().filter_map(hinted).find_map(|c| pick(&c)))
            .or_else(|| self.cubes.iter().find_map(pick))
    }

    /// The set without flows from an address to itself: a host's flow to itself is not a pair
    /// (nsg-semantics §2.11: A ≠ B). A cube holds only such flows in an address family when
    /// that family's sources and destinations are one and the same address.
    pub fn without_self_flows(&self) -> FlowSet {
        fn one_and_same<T: crate::eval::intervals::Point>(
            src: &IntervalSet<T>,
            dst: &IntervalSet<T>,
        ) -> bool {
            matches!(src.ranges(), [(lo, hi)] if lo == hi) && src == dst
        }
        let cubes: Vec<Cube> = self
            .cubes
            .iter()
            .filter_map(|c| {
                let mut c = c.clone();
                if one_and_same(&c.src.v4, &c.dst.v4) {
                    c.src.v4 = IntervalSet::empty();
                    c.dst.v4 = IntervalSet::empty();
                }
                if one_and_same(&c.src.v6, &c.dst.v6) {
                    c.src.v6 = IntervalSet::empty();
                    c.dst.v6 = IntervalSet::empty();
                }
                c.normalize()
            })
            .collect();
        FlowSet {
            settled: cubes.len(),
            cubes,
        }
    }

    /// The destination ports the set touches (real ports only).
    pub fn dst_ports(&self) -> PortSet {
        let mut ports = PortSet::empty();
        for c in &self.cubes {
            ports = ports.union(&c.dst_ports.intersect(&real_ports()));
        }
        ports
    }

    /// The protocols the set touches.
    pub fn protocols(&self) -> ProtoSet {
        self.cubes
            .iter()
            .fold(ProtoSet::EMPTY, |acc, c| acc.or(c.protocols))
    }
}

/// The shortest prefix `cubes[..k]` whose union holds every flow of `target` (`Some(k)`), or
/// `None` when even all of them leave a flow out. Exact, and cheaper than subtracting each cube
/// in turn: a prefix can cover `target` only when, in every dimension, the union of its cubes'
/// sets holds `target`'s set (each point of a normalized cube's dimension belongs to one of
/// its flows), so the subtraction runs only at prefixes that pass that test, and not at all
/// when one cube holds `target` alone. `cubes` is read lazily, no further than the prefix
/// found (a caller that filters them pays for the filter only that far). `target` must be
/// normalized (as every compiled rule is); an error when the subtraction grows past
/// [`MAX_CUBES`].
pub fn covering_prefix<'c>(
    target: &Cube,
    cubes: impl IntoIterator<Item = &'c Cube>,
) -> Result<Option<usize>, TooComplex> {
    let mut union = Projections::default();
    let mut rest: Option<FlowSet> = None;
    let mut seen: Vec<&Cube> = Vec::new();
    let mut subtracted = 0;
    for (k, cube) in cubes.into_iter().enumerate() {
        seen.push(cube);
        union.add(cube);
        if !union.holds(target) {
            continue;
        }
        // Earlier cubes that held `target` alone made an earlier prefix pass.
        if cube.holds(target) {
            return Ok(Some(k + 1));
        }
        let mut left = rest
            .take()
            .unwrap_or_else(|| FlowSet::from_cube(target.clone()));
        for c in seen.iter().skip(subtracted) {
            left = left.subtract_cube(c)?;
        }
        subtracted = k + 1;
        if left.is_empty() {
            return Ok(Some(k + 1));
        }
        rest = Some(left);
    }
    Ok(None)
}

/// The union of some cubes' sets, dimension by dimension.
#[derive(Default)]
struct Projections {
    protocols: ProtoSet,
    src: AddrSet,
    dst: AddrSet,
    src_ports: PortSet,
    dst_ports: PortSet,
}

impl Projections {
    fn add(&mut self, c: &Cube) {
        self.protocols = self.protocols.or(c.protocols);
        self.src = self.src.union(&c.src);
        self.dst = self.dst.union(&c.dst);
        self.src_ports = self.src_ports.union(&c.src_ports);
        self.dst_ports = self.dst_ports.union(&c.dst_ports);
    }

    fn holds(&self, c: &Cube) -> bool {
        c.protocols.minus(self.protocols).is_empty()
            && c.dst_ports.is_subset(&self.dst_ports)
            && c.src_ports.is_subset(&self.src_ports)
            && c.src.is_subset(&self.src)
            && c.dst.is_subset(&self.dst)
    }
}

/// A hash of every dimension but `dim`, without copying the cube.
fn hash_except(c: &Cube, dim: usize) -> u64 {
    let mut h = FxHasher::default();
    if dim != 0 {
        c.protocols.hash(&mut h);
    }
    if dim != 1 {
        c.src.hash(&mut h);
    }
    if dim != 2 {
        c.dst.hash(&mut h);
    }
    if dim != 3 {
        c.src_ports.hash(&mut h);
    }
    if dim != 4 {
        c.dst_ports.hash(&mut h);
    }
    h.finish()
}

fn same_except(a: &Cube, b: &Cube, dim: usize) -> bool {
    (dim == 0 || a.protocols == b.protocols)
        && (dim == 1 || a.src == b.src)
        && (dim == 2 || a.dst == b.dst)
        && (dim == 3 || a.src_ports == b.src_ports)
        && (dim == 4 || a.dst_ports == b.dst_ports)
}

fn merge_dim(into: &mut Cube, from: &Cube, dim: usize) {
    match dim {
        0 => into.protocols = into.protocols.or(from.protocols),
        1 => into.src = into.src.union(&from.src),
        2 => into.dst = into.dst.union(&from.dst),
        3 => into.src_ports = into.src_ports.union(&from.src_ports),
        _ => into.dst_ports = into.dst_ports.union(&from.dst_ports),
    }
    // The merged dimension grew: the hull must still contain the cube.
    into.hull = Hull::of(into);
}

/// The smallest flow of a normalized cube: IPv4 before IPv6, TCP first, lowest values; the
/// destination differs from the source when the cube allows it.
fn pick(c: &Cube) -> Option<Flow> {
    let (src, dst) = if !c.src.v4.is_empty() {
        let s = c.src.v4.first()?;
        let d = second_choice(&c.dst.v4, s)?;
        (IpAddr::V4(Ipv4Addr::from(s)), IpAddr::V4(Ipv4Addr::from(d)))
    } else {
        let s = c.src.v6.first()?;
        let d = second_choice(&c.dst.v6, s)?;
        (IpAddr::V6(Ipv6Addr::from(s)), IpAddr::V6(Ipv6Addr::from(d)))
    };
    let real = real_ports();
    if let Some(protocol) = c.protocols.and(ProtoSet::PORTED).iter().next() {
        let sp = c.src_ports.intersect(&real).first()?;
        let dp = c.dst_ports.intersect(&real).first()?;
        return Some(Flow {
            protocol,
            src,
            src_port: u16::try_from(sp).ok(),
            dst,
            dst_port: u16::try_from(dp).ok(),
        });
    }
    let protocol = c.protocols.iter().next()?;
    Some(Flow {
        protocol,
        src,
        src_port: None,
        dst,
        dst_port: None,
    })
}

/// The first element of `set` other than `avoid`, or `avoid` itself when it is the only one.
fn second_choice<T: crate::eval::intervals::Point>(set: &IntervalSet<T>, avoid: T) -> Option<T> {
    let first = set.first()?;
    if first != avoid {
        return Some(first);
    }
    let rest = set.difference(&IntervalSet::point(avoid));
    Some(rest.first().unwrap_or(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> AddrSet {
        AddrSet::from_net(&s.parse().unwrap())
    }
    fn tcp(src: &str, dst: &str, ports: (u32, u32)) -> Cube {
        Cube {
            protocols: ProtoSet::only(Protocol::Tcp),
            src: net(src),
            src_ports: all_ports(),
            dst: net(dst),
            dst_ports: IntervalSet::range(ports.0, ports.1),
            hull: Hull::FULL,
        }
        .normalize()
        .unwrap()
    }
    fn flow(s: &str, sp: u16, d: &str, dp: u16) -> Flow {
        Flow {
            protocol: Protocol::Tcp,
            src: s.parse().unwrap(),
            src_port: Some(sp),
            dst: d.parse().unwrap(),
            dst_port: Some(dp),
        }
    }

    /// The shortest covering prefix by subtracting each cube in turn (what
    /// [`covering_prefix`] must answer).
    fn covering_prefix_by_subtraction(target: &Cube, cubes: &[&Cube]) -> Option<usize> {
        let mut rest = FlowSet::from_cube(target.clone());
        for (k, c) in cubes.iter().enumerate() {
            rest = rest.subtract_cube(c).ok()?;
            if rest.is_empty() {
                return Some(k + 1);
            }
        }
        None
    }

    proptest::proptest! {
        /// The projection test and the one-cube shortcut never change the answer.
        #[test]
        fn covering_prefix_agrees_with_subtraction(
            target in cube_strategy(),
            cubes in proptest::collection::vec(cube_strategy(), 0..6),
        ) {
            if let Some(target) = target {
                let cubes: Vec<&Cube> = cubes.iter().flatten().collect();
                proptest::prop_assert_eq!(
                    covering_prefix(&target, cubes.iter().copied()).unwrap(),
                    covering_prefix_by_subtraction(&target, &cubes)
                );
            }
        }
    }

    /// The cubes are read no further than the prefix found: a rule covered by the first of
    /// 10,000 copies of itself reads one (dead-rule was quadratic in an NSG's rules when it
    /// intersected the rule with every earlier one first).
    #[test]
    fn covering_prefix_reads_no_further_than_the_prefix() {
        let target = Cube::universe();
        let copies = vec![Cube::universe(); 10_000];
        let mut read = 0;
        let cubes = copies.iter().inspect(|_| read += 1);
        assert_eq!(covering_prefix(&target, cubes).unwrap(), Some(1));
        assert_eq!(read, 1);
    }

    /// Small cubes over a few addresses and ports, so that prefixes often cover each other.
    fn cube_strategy() -> impl proptest::strategy::Strategy<Value = Option<Cube>> {
        use proptest::prelude::*;
        let set = |max: u32| {
            proptest::collection::vec((0..max, 0..3u32), 1..3)
                .prop_map(|rs| IntervalSet::from_ranges(rs.into_iter().map(|(a, w)| (a, a + w))))
        };
        (
            1u8..32,
            set(12),
            set(12),
            set(6),
            prop_oneof![set(6), Just(all_ports())],
        )
            .prop_map(|(protocols, src, dst, src_ports, dst_ports)| {
                Cube {
                    protocols: ProtoSet(protocols),
                    src: AddrSet {
                        v4: src,
                        v6: IntervalSet::empty(),
                    },
                    src_ports,
                    dst: AddrSet {
                        v4: dst,
                        v6: IntervalSet::empty(),
                    },
                    dst_ports,
                    hull: Hull::FULL,
                }
                .normalize()
            })
    }

    #[test]
    fn subtraction_is_exact_and_disjoint() {
        let a = tcp("10.0.0.0/8", "10.0.0.0/8", (0, 65535));
        let b = tcp("10.1.0.0/16", "10.1.0.0/24", (3389, 3389));
        let pieces = a.subtract(&b);
        assert!(pieces.len() <= 5);
        for (i, p) in pieces.iter().enumerate() {
            assert!(p.intersect(&b).is_none());
            for q in pieces.iter().skip(i + 1) {
                assert!(p.intersect(q).is_none());
            }
        }
        let set = FlowSet {
            cubes: pieces,
            settled: 0,
        };
        assert!(!set.contains(&flow("10.1.2.3", 5, "10.1.0.9", 3389)));
        assert!(set.contains(&flow("10.1.2.3", 5, "10.1.0.9", 3390)));
        assert!(set.contains(&flow("10.2.2.3", 5, "10.1.0.9", 3389)));
    }

    #[test]
    fn families_never_mix() {
        let c = Cube {
            src: net("10.0.0.0/8"),
            dst: net("fd00::/8"),
            ..Cube::universe()
        };
        assert!(c.normalize().is_none());
    }

    #[test]
    fn portless_flows_match_only_any_port_sets() {
        let icmp = Flow {
            protocol: Protocol::Icmp,
            src: "10.0.0.1".parse().unwrap(),
            src_port: None,
            dst: "10.0.0.2".parse().unwrap(),
            dst_port: None,
        };
        assert!(FlowSet::universe().contains(&icmp));
        let c = Cube {
            dst_ports: port_set([PortRange::single(3389)]),
            ..Cube::universe()
        };
        assert!(!FlowSet::from_cube(c).contains(&icmp));
    }

    #[test]
    fn coalescing_rebuilds_a_split_cube() {
        let a = FlowSet::from_cube(tcp("10.0.0.0/8", "10.0.0.0/8", (0, 65535)));
        let b = tcp("10.1.0.0/16", "10.1.0.0/24", (3389, 3389));
        let split = a.clone().subtract_cube(&b).unwrap();
        let mut rebuilt = split.union(&FlowSet::from_cube(b)).unwrap();
        rebuilt.coalesce();
        assert_eq!(rebuilt, a);
    }

    #[test]
    fn witness_prefers_the_hint_and_distinct_endpoints() {
        let set = FlowSet::from_cube(tcp("10.1.0.0/24", "10.1.0.0/24", (3389, 3389)));
        let hint = Cube {
            src: net("10.1.0.4/30"),
            dst: net("10.1.0.4/30"),
            src_ports: IntervalSet::range(49152, 65535),
            ..Cube::universe()
        };
        assert_eq!(
            set.witness(Some(&hint)),
            Some(flow("10.1.0.4", 49152, "10.1.0.5", 3389))
        );
        assert_eq!(
            set.witness(None),
            Some(flow("10.1.0.0", 0, "10.1.0.1", 3389))
        );
        assert_eq!(FlowSet::empty().witness(None), None);
    }
}
