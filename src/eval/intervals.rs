//! Sets of integers as sorted, disjoint, non-adjacent inclusive intervals.
//!
//! One dimension of a flow set: ports (`u32`, with one pseudo-port for protocols without
//! ports), IPv4 addresses (`u32`) and IPv6 addresses (`u128`). Every operation is linear in the
//! number of intervals and keeps the canonical form, so equal sets compare equal.

use std::fmt;

use smallvec::SmallVec;

/// Most dimensions of a rule or region are one or two intervals: keep those inline.
type Ranges<T> = SmallVec<[(T, T); 2]>;

/// A point type with a total order and a bounded domain.
pub trait Point: Copy + Ord + fmt::Debug + std::hash::Hash {
    const MIN: Self;
    const MAX: Self;
    /// `self + 1` (callers never ask for the successor of `MAX`).
    fn succ(self) -> Self;
    /// `self - 1` (callers never ask for the predecessor of `MIN`).
    fn pred(self) -> Self;
}

macro_rules! point {
    ($t:ty) => {
        impl Point for $t {
            const MIN: $t = <$t>::MIN;
            const MAX: $t = <$t>::MAX;
            fn succ(self) -> $t {
                self.saturating_add(1)
            }
            fn pred(self) -> $t {
                self.saturating_sub(1)
            }
        }
    };
}
point!(u32);
point!(u128);

/// A canonical set of points: intervals sorted, disjoint and never adjacent.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct IntervalSet<T: Point> {
    ranges: Ranges<T>,
}

impl<T: Point> fmt::Debug for IntervalSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ranges.iter()).finish()
    }
}

impl<T: Point> IntervalSet<T> {
    pub fn empty() -> Self {
        IntervalSet {
            ranges: SmallVec::new(),
        }
    }

    /// The whole domain `[MIN, MAX]`.
    pub fn full() -> Self {
        IntervalSet::range(T::MIN, T::MAX)
    }

    /// `[lo, hi]`, empty when `lo > hi`.
    pub fn range(lo: T, hi: T) -> Self {
        if lo > hi {
            return IntervalSet::empty();
        }
        let mut ranges = SmallVec::new();
        ranges.push((lo, hi));
        IntervalSet { ranges }
    }

    pub fn point(p: T) -> Self {
        IntervalSet::range(p, p)
    }

    /// Build from arbitrary (possibly overlapping, unordered) ranges.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (T, T)>) -> Self {
        let mut v: Ranges<T> = ranges.into_iter().filter(|(lo, hi)| lo <= hi).collect();
        v.sort_unstable();
        let mut out: Ranges<T> = SmallVec::with_capacity(v.len());
        for (lo, hi) in v {
            match out.last_mut() {
                Some(last) if last.1 == T::MAX || lo <= last.1.succ() => {
                    last.1 = last.1.max(hi);
                }
                _ => out.push((lo, hi)),
            }
        }
        IntervalSet { ranges: out }
    }

    pub fn ranges(&self) -> &[(T, T)] {
        &self.ranges
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.ranges.as_slice() == [(T::MIN, T::MAX)]
    }

    pub fn first(&self) -> Option<T> {
        self.ranges.first().map(|r| r.0)
    }

    pub fn contains(&self, p: T) -> bool {
        // Binary search on interval starts.
        let idx = self.ranges.partition_point(|r| r.0 <= p);
        idx > 0 && self.ranges.get(idx - 1).is_some_and(|r| p <= r.1)
    }

    pub fn union(&self, other: &Self) -> Self {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        IntervalSet::from_ranges(self.ranges.iter().chain(other.ranges.iter()).copied())
    }

    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = SmallVec::new();
        let (mut i, mut j) = (0, 0);
        while let (Some(a), Some(b)) = (self.ranges.get(i), other.ranges.get(j)) {
            let lo = a.0.max(b.0);
            let hi = a.1.min(b.1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet { ranges: out }
    }

    pub fn intersects(&self, other: &Self) -> bool {
        let (mut i, mut j) = (0, 0);
        while let (Some(a), Some(b)) = (self.ranges.get(i), other.ranges.get(j)) {
            if a.0.max(b.0) <= a.1.min(b.1) {
                return true;
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }

    pub fn complement(&self) -> Self {
        let mut out = SmallVec::with_capacity(self.ranges.len() + 1);
        let mut next = Some(T::MIN);
        for &(lo, hi) in &self.ranges {
            if let Some(start) = next {
                if start < lo {
                    out.push((start, lo.pred()));
                }
            }
            next = if hi == T::MAX { None } else { Some(hi.succ()) };
        }
        if let Some(start) = next {
            out.push((start, T::MAX));
        }
        IntervalSet { ranges: out }
    }

    pub fn difference(&self, other: &Self) -> Self {
        if other.is_empty() || self.is_empty() {
            return self.clone();
        }
        self.intersect(&other.complement())
    }

    /// Without allocating: each interval of `self` must lie inside one of `other`'s (they are
    /// never adjacent, so an interval inside the union lies inside one).
    pub fn is_subset(&self, other: &Self) -> bool {
        let mut j = 0;
        for &(lo, hi) in &self.ranges {
            while other.ranges.get(j).is_some_and(|o| o.1 < lo) {
                j += 1;
            }
            match other.ranges.get(j) {
                Some(o) if o.0 <= lo && hi <= o.1 => {}
                _ => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(r: &[(u32, u32)]) -> IntervalSet<u32> {
        IntervalSet::from_ranges(r.iter().copied())
    }

    #[test]
    fn subset_agrees_with_difference() {
        let sets = [
            set(&[]),
            set(&[(0, 3)]),
            set(&[(2, 3)]),
            set(&[(0, 1), (3, 4)]),
            set(&[(0, 4)]),
            set(&[(5, 9), (20, 30)]),
            set(&[(6, 8), (21, 21), (30, 30)]),
            set(&[(4, 9), (20, 31)]),
        ];
        for a in &sets {
            for b in &sets {
                assert_eq!(a.is_subset(b), a.difference(b).is_empty(), "{a:?} ⊆ {b:?}");
            }
        }
    }

    #[test]
    fn canonical_form_merges_overlaps_and_adjacency() {
        assert_eq!(
            set(&[(5, 9), (1, 3), (4, 4), (20, 30), (25, 40)]).ranges(),
            &[(1, 9), (20, 40)]
        );
        assert_eq!(set(&[(3, 1)]), IntervalSet::empty());
        assert_eq!(set(&[(0, u32::MAX), (5, 6)]), IntervalSet::full());
    }

    #[test]
    fn algebra_matches_point_semantics() {
        let a = set(&[(1, 10), (20, 30)]);
        let b = set(&[(5, 25)]);
        assert_eq!(a.intersect(&b).ranges(), &[(5, 10), (20, 25)]);
        assert_eq!(a.difference(&b).ranges(), &[(1, 4), (26, 30)]);
        assert_eq!(a.union(&b).ranges(), &[(1, 30)]);
        assert!(a.intersects(&b));
        assert!(!a.intersects(&set(&[(11, 19)])));
        assert!(a.contains(10) && !a.contains(11) && a.contains(20));
        assert_eq!(
            IntervalSet::<u32>::full().complement(),
            IntervalSet::empty()
        );
        assert_eq!(
            IntervalSet::<u32>::empty().complement(),
            IntervalSet::full()
        );
        assert_eq!(set(&[(0, 0)]).complement().ranges(), &[(1, u32::MAX)]);
        assert_eq!(
            set(&[(u32::MAX, u32::MAX)]).complement().ranges(),
            &[(0, u32::MAX - 1)]
        );
    }

    #[test]
    fn u128_domain_edges() {
        let full = IntervalSet::<u128>::full();
        let top = IntervalSet::point(u128::MAX);
        assert_eq!(full.difference(&top).ranges(), &[(0, u128::MAX - 1)]);
        assert!(top.is_subset(&full));
    }
}
