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

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cube {
    pub protocols: ProtoSet,
    pub src: AddrSet,
    pub src_ports: PortSet,
    pub dst: AddrSet,
    pub dst_ports: PortSet,
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
        Some(self)
    }

    pub fn intersect(&self, o: &Cube) -> Option<Cube> {
        let protocols = self.protocols.and(o.protocols);
        if protocols.is_empty() {
            return None;
        }
        Cube {
            protocols,
            src: self.src.intersect(&o.src),
            src_ports: self.src_ports.intersect(&o.src_ports),
            dst: self.dst.intersect(&o.dst),
            dst_ports: self.dst_ports.intersect(&o.dst_ports),
        }
        .normalize()
    }

    /// `self \ o` as at most five disjoint cubes.
    pub fn subtract(&self, o: &Cube) -> Vec<Cube> {
        let Some(common) = self.intersect(o) else {
            return vec![self.clone()];
        };
        if common == *self {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(5);
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
        out
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
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowSet {
    cubes: Vec<Cube>,
}

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
        FlowSet {
            cubes: self.cubes.iter().filter_map(|x| x.intersect(c)).collect(),
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
        let mut out = FlowSet { cubes };
        out.coalesce();
        Ok(out)
    }

    pub fn subtract_cube(&self, c: &Cube) -> Result<FlowSet, TooComplex> {
        let mut cubes = Vec::with_capacity(self.cubes.len());
        let mut split = false;
        for a in &self.cubes {
            let pieces = a.subtract(c);
            split |= pieces.len() > 1;
            cubes.extend(pieces);
            if cubes.len() > MAX_CUBES {
                return Err(TooComplex);
            }
        }
        let mut out = FlowSet { cubes };
        if split {
            out.coalesce();
        }
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
        let mut extra = o.subtract(self)?;
        let mut cubes = self.cubes.clone();
        cubes.append(&mut extra.cubes);
        if cubes.len() > MAX_CUBES {
            return Err(TooComplex);
        }
        let mut out = FlowSet { cubes };
        out.coalesce();
        Ok(out)
    }

    /// Merge cubes equal in all but one dimension, until nothing merges. Keeps disjointness
    /// (the merged dimension's parts were disjoint) and shrinks typical fold results a lot.
    pub fn coalesce(&mut self) {
        if self.cubes.len() < 2 {
            return;
        }
        loop {
            let before = self.cubes.len();
            for dim in 0..5 {
                self.merge_along(dim);
            }
            if self.cubes.len() == before {
                break;
            }
        }
    }

    fn merge_along(&mut self, dim: usize) {
        let mut groups: HashMap<Cube, usize> = HashMap::with_capacity(self.cubes.len());
        let mut out: Vec<Cube> = Vec::with_capacity(self.cubes.len());
        for c in self.cubes.drain(..) {
            let key = blank(&c, dim);
            match groups.get(&key).and_then(|&i| out.get_mut(i)) {
                Some(existing) => merge_dim(existing, &c, dim),
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
        if let Some(h) = hint {
            if let Some(f) = self
                .cubes
                .iter()
                .filter_map(|c| c.intersect(h))
                .find_map(|c| pick(&c))
            {
                return Some(f);
            }
        }
        self.cubes.iter().find_map(pick)
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

fn blank(c: &Cube, dim: usize) -> Cube {
    let mut k = c.clone();
    match dim {
        0 => k.protocols = ProtoSet::EMPTY,
        1 => k.src = AddrSet::empty(),
        2 => k.dst = AddrSet::empty(),
        3 => k.src_ports = PortSet::empty(),
        _ => k.dst_ports = PortSet::empty(),
    }
    k
}

fn merge_dim(into: &mut Cube, from: &Cube, dim: usize) {
    match dim {
        0 => into.protocols = into.protocols.or(from.protocols),
        1 => into.src = into.src.union(&from.src),
        2 => into.dst = into.dst.union(&from.dst),
        3 => into.src_ports = into.src_ports.union(&from.src_ports),
        _ => into.dst_ports = into.dst_ports.union(&from.dst_ports),
    }
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
        }
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
        let set = FlowSet { cubes: pieces };
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
        let split = a.subtract_cube(&b).unwrap();
        let rebuilt = split.union(&FlowSet::from_cube(b)).unwrap();
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
