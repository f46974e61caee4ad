//! Exposure by size (nsg-semantics §2.4): what counts for a `expect = "deny"` assertion is how
//! many public addresses reach the port, not whether one does. An allow from one office
//! address is the recommended way to admit administrators; `*`, `Internet`, a /8 or
//! `0.0.0.0/1` + `128.0.0.0/1` are exposure.
//!
//! Per subnet and assertion, the public sources of the certainly allowed flows (after the
//! first-match walk, minus `except_from`) are counted. More than `max_public_sources`
//! addresses is an error; fewer is a note naming them. The flows that let them in are grouped by
//! the rule that admits them: a group is an error when its own public sources exceed the
//! limit, when it admits any address not certainly public (a private or unknown source of a
//! custom assertion: every such flow violates it), or when the groups exceed the limit only
//! together. Flows whose verdict depends on an unknown never reach this count: they are
//! reported as indeterminate (NSG030), so the count never rests on a guess.

use std::fmt::Write as _;

use ipnet::{IpNet, Ipv4Subnets, Ipv6Subnets};

use crate::eval::flowset::{AddrSet, FlowSet};

/// The default of `max_public_sources`: wider than a /24 is exposure (IPv6 alike: a /120).
pub const DEFAULT_MAX_PUBLIC_SOURCES: u128 = 256;

/// At most this many prefixes are named in a message.
const NAMED: usize = 8;

/// The sources of a set of flows.
pub fn sources(region: &FlowSet) -> AddrSet {
    region
        .cubes()
        .iter()
        .fold(AddrSet::empty(), |acc, c| acc.union(&c.src))
}

/// How many addresses a set holds (saturating at `u128::MAX`).
pub fn address_count(set: &AddrSet) -> u128 {
    let v4 = set
        .v4
        .ranges()
        .iter()
        .map(|(lo, hi)| u128::from(hi - lo) + 1);
    let v6 = set
        .v6
        .ranges()
        .iter()
        .map(|(lo, hi)| (hi - lo).saturating_add(1));
    v4.chain(v6).fold(0, u128::saturating_add)
}

/// The set as the fewest CIDR prefixes, IPv4 first.
pub fn prefixes(set: &AddrSet) -> Vec<IpNet> {
    let mut out: Vec<IpNet> = Vec::new();
    for &(lo, hi) in set.v4.ranges() {
        out.extend(Ipv4Subnets::new(lo.into(), hi.into(), 0).map(IpNet::V4));
    }
    for &(lo, hi) in set.v6.ranges() {
        out.extend(Ipv6Subnets::new(lo.into(), hi.into(), 0).map(IpNet::V6));
    }
    out
}

/// `203.0.113.7`, `203.0.113.0/28, 198.51.100.9`, `… and 3 more`: host prefixes as addresses.
pub fn name_sources(set: &AddrSet) -> String {
    let all = prefixes(set);
    let mut names: Vec<String> = all
        .iter()
        .take(NAMED)
        .map(|n| {
            if n.prefix_len() == n.max_prefix_len() {
                n.addr().to_string()
            } else {
                n.to_string()
            }
        })
        .collect();
    if all.len() > NAMED {
        names.push(format!("and {} more prefixes", all.len() - NAMED));
    }
    names.join(", ")
}

/// `1 public address`, `16 public addresses`, `more than 2^64 public addresses`.
pub fn count_text(n: u128) -> String {
    let mut s = String::new();
    if n == 1 {
        s.push_str("1 public address");
    } else if n <= u128::from(u32::MAX) {
        let _ = write!(s, "{n} public addresses");
    } else {
        let _ = write!(s, "more than 2^{} public addresses", n.ilog2());
    }
    s
}

/// What one group of admitted flows amounts to.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgment {
    /// Its certainly public sources.
    pub public: AddrSet,
    /// How many they are.
    pub count: u128,
    /// Sources not certainly public (private ranges, the VNet, addresses whose kind is not
    /// known): always a violation of a deny assertion.
    pub other: AddrSet,
    /// Error (exposure) or note (a narrow, named public source set).
    pub exposure: bool,
    /// The public addresses all groups of the assertion admit together, when more than one
    /// group contributes.
    pub total: u128,
}

/// Judge the groups of flows one deny assertion admits into one subnet. `public` is the
/// address space certainly public there (Internet's lower bound); `max` the assertion's
/// `max_public_sources`.
pub fn judge(groups: &[&FlowSet], public: &AddrSet, max: u128) -> Vec<Judgment> {
    let mut judged: Vec<Judgment> = groups
        .iter()
        .map(|g| {
            let all = sources(g);
            let public_part = all.intersect(public);
            Judgment {
                count: address_count(&public_part),
                other: all.difference(public),
                public: public_part,
                exposure: false,
                total: 0,
            }
        })
        .collect();
    let union = judged
        .iter()
        .fold(AddrSet::empty(), |acc, j| acc.union(&j.public));
    let total = address_count(&union);
    let alone = judged.iter().any(|j| j.count > max);
    for j in &mut judged {
        j.total = total;
        // Together over the limit with no group over it alone: each group is part of it.
        j.exposure = !j.other.is_empty() || j.count > max || (total > max && !alone);
    }
    judged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::flowset::{Cube, ProtoSet};
    use crate::eval::intervals::IntervalSet;
    use crate::eval::tags::public_space;
    use crate::model::Protocol;

    fn from(nets: &[&str]) -> FlowSet {
        let nets: Vec<IpNet> = nets.iter().map(|n| n.parse().unwrap()).collect();
        FlowSet::from_cube(Cube {
            protocols: ProtoSet::only(Protocol::Tcp),
            src: AddrSet::from_nets(nets.iter()),
            dst: AddrSet::from_net(&"10.0.0.0/24".parse().unwrap())
                .union(&AddrSet::from_net(&"fd00::/64".parse().unwrap())),
            dst_ports: IntervalSet::point(3389),
            ..Cube::universe()
        })
    }

    fn one(nets: &[&str]) -> Judgment {
        judge(&[&from(nets)], public_space(), DEFAULT_MAX_PUBLIC_SOURCES)
            .pop()
            .unwrap()
    }

    #[test]
    fn a_single_admin_address_is_a_note_and_named() {
        let j = one(&["203.0.113.7/32"]);
        assert!(!j.exposure);
        assert_eq!(j.count, 1);
        assert_eq!(name_sources(&j.public), "203.0.113.7");
        assert_eq!(count_text(j.count), "1 public address");
    }

    #[test]
    fn wide_sources_are_exposure() {
        for wide in [
            &["0.0.0.0/0"][..],
            &["0.0.0.0/1", "128.0.0.0/1"],
            &["20.0.0.0/8"],
            &["203.0.113.0/23"],
            &["2001:db8::/32"],
        ] {
            assert!(one(wide).exposure, "{wide:?}");
        }
        // The limit is inclusive: a /24 (or an IPv6 /120) of 256 addresses is narrow.
        assert!(!one(&["203.0.113.0/24"]).exposure);
        assert!(!one(&["2001:db8::/120"]).exposure);
        assert!(one(&["2001:db8::/119"]).exposure);
        assert_eq!(one(&["20.0.0.0/8"]).count, 1 << 24);
    }

    #[test]
    fn private_sources_always_violate() {
        let j = one(&["10.9.0.0/32"]);
        assert!(j.exposure);
        assert_eq!(j.count, 0);
        assert!(!j.other.is_empty());
    }

    #[test]
    fn groups_over_the_limit_only_together_are_all_exposure() {
        let a = from(&["203.0.113.0/24"]);
        let b = from(&["198.51.100.0/25"]);
        let j = judge(&[&a, &b], public_space(), DEFAULT_MAX_PUBLIC_SOURCES);
        assert!(j.iter().all(|j| j.exposure && j.total == 384));
        // With one group over the limit alone, a narrow group beside it stays a note.
        let wide = from(&["0.0.0.0/0"]);
        let admin = from(&["198.51.100.7/32"]);
        let j = judge(&[&wide, &admin], public_space(), DEFAULT_MAX_PUBLIC_SOURCES);
        assert_eq!(
            j.iter().map(|j| j.exposure).collect::<Vec<_>>(),
            vec![true, false]
        );
        // A limit of 0 makes every public source exposure.
        assert!(judge(&[&admin], public_space(), 0)[0].exposure);
    }

    #[test]
    fn sources_are_named_as_few_prefixes() {
        let j = one(&["203.0.113.0/28", "203.0.113.16/32", "2001:db8::1/128"]);
        assert_eq!(j.count, 18);
        assert_eq!(
            name_sources(&j.public),
            "203.0.113.0/28, 203.0.113.16, 2001:db8::1"
        );
        let many: Vec<String> = (0..10).map(|i| format!("203.0.113.{}/32", i * 2)).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(name_sources(&one(&many).public).ends_with("and 2 more prefixes"));
        assert_eq!(
            count_text(address_count(&AddrSet::full())),
            "more than 2^127 public addresses"
        );
    }
}
