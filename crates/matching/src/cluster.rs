//! Clustering for deduplication that does not chain unrelated people together.
//!
//! Connected components over the edges at or above the threshold are only a first cut. Inside
//! a component of three or more records, clusters are grown from the strongest edge down, and
//! two clusters join only when
//! - no pair across them is a hard conflict (a strong identifier in conflict, MATCH-6, or
//!   birth years more than five apart: a father and a son of the same name), and
//! - the average probability over all pairs across them is at least half the threshold, so a
//!   record that resembles one member does not pull in someone the others do not resemble.

use rustc_hash::FxHashMap;

/// What the clustering needs to know about a pair it has no edge for.
pub trait PairScorer {
    /// Probability of the pair and whether it is a hard conflict.
    fn score(&self, a: u32, b: u32) -> (f64, bool);
}

struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) -> u32 {
        let (ra, rb) = (self.find(a), self.find(b));
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[hi as usize] = lo;
        lo
    }
}

/// Most cross pairs checked per merge; bigger merges are checked on an even sample.
const MAX_CROSS_PAIRS: usize = 4096;

/// Clusters `n` records given the edges at or above `threshold` (`(a, b, probability)`).
/// Returns a cluster number per record, numbered in order of first appearance.
pub fn cluster(
    n: usize,
    edges: &[(u32, u32, f32)],
    threshold: f64,
    scorer: &dyn PairScorer,
) -> Vec<u32> {
    let mut components = UnionFind::new(n);
    for &(a, b, _) in edges {
        components.union(a, b);
    }
    // Edges per component.
    let mut by_component: FxHashMap<u32, Vec<(u32, u32, f32)>> = FxHashMap::default();
    for &(a, b, p) in edges {
        let root = components.find(a);
        by_component.entry(root).or_default().push((a, b, p));
    }
    let mut clusters = UnionFind::new(n);
    for (_, mut component_edges) in by_component {
        if component_edges.len() == 1 {
            let (a, b, _) = component_edges[0];
            clusters.union(a, b);
            continue;
        }
        component_edges.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
        let known: FxHashMap<(u32, u32), f32> = component_edges
            .iter()
            .map(|&(a, b, p)| ((a.min(b), a.max(b)), p))
            .collect();
        let mut members: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for &(a, b, _) in &component_edges {
            members.entry(a).or_insert_with(|| vec![a]);
            members.entry(b).or_insert_with(|| vec![b]);
        }
        for &(a, b, _) in &component_edges {
            let (ra, rb) = (clusters.find(a), clusters.find(b));
            if ra == rb {
                continue;
            }
            let (left, right) = (&members[&ra], &members[&rb]);
            if !supported(left, right, &known, threshold, scorer) {
                continue;
            }
            let root = clusters.union(ra, rb);
            let other = if root == ra { rb } else { ra };
            let moved = members.remove(&other).unwrap_or_default();
            members.entry(root).or_default().extend(moved);
        }
    }
    let mut numbers: FxHashMap<u32, u32> = FxHashMap::default();
    (0..n as u32)
        .map(|i| {
            let root = clusters.find(i);
            let next = numbers.len() as u32;
            *numbers.entry(root).or_insert(next)
        })
        .collect()
}

fn supported(
    left: &[u32],
    right: &[u32],
    known: &FxHashMap<(u32, u32), f32>,
    threshold: f64,
    scorer: &dyn PairScorer,
) -> bool {
    let total = left.len() * right.len();
    let step = total.div_ceil(MAX_CROSS_PAIRS).max(1);
    let mut sum = 0.0;
    let mut count = 0usize;
    let mut index = 0usize;
    for &a in left {
        for &b in right {
            index += 1;
            if !(index - 1).is_multiple_of(step) {
                continue;
            }
            let key = (a.min(b), a.max(b));
            let (p, conflict) = match known.get(&key) {
                Some(&p) => (f64::from(p), false),
                None => scorer.score(key.0, key.1),
            };
            if conflict {
                return false;
            }
            sum += p;
            count += 1;
        }
    }
    count > 0 && sum / count as f64 >= threshold / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probabilities given by a table; anything else is 0 and hard conflicts are listed.
    struct Table(Vec<((u32, u32), f64)>, Vec<(u32, u32)>);

    impl PairScorer for Table {
        fn score(&self, a: u32, b: u32) -> (f64, bool) {
            let p = self
                .0
                .iter()
                .find(|(k, _)| *k == (a, b))
                .map_or(0.0, |(_, p)| *p);
            (p, self.1.contains(&(a, b)))
        }
    }

    #[test]
    fn mutual_matches_form_one_cluster() {
        let edges = [(0, 1, 0.99), (1, 2, 0.98), (0, 2, 0.97)];
        let ids = cluster(4, &edges, 0.5, &Table(vec![], vec![]));
        assert_eq!(ids[0], ids[1]);
        assert_eq!(ids[1], ids[2]);
        assert_ne!(ids[2], ids[3]);
    }

    #[test]
    fn a_hard_conflict_cuts_a_chain() {
        // Father (0) and son (2) share a name; record 1 has no birth date and resembles both.
        let edges = [(0, 1, 0.95), (1, 2, 0.9)];
        let ids = cluster(3, &edges, 0.5, &Table(vec![((0, 2), 0.01)], vec![(0, 2)]));
        assert_eq!(ids[0], ids[1]);
        assert_ne!(ids[1], ids[2]);
    }

    #[test]
    fn a_weak_bridge_does_not_join_two_groups() {
        // Two tight pairs joined by one weak edge: the cross pairs do not support a merge.
        let edges = [(0, 1, 0.99), (2, 3, 0.99), (1, 2, 0.55)];
        let ids = cluster(4, &edges, 0.5, &Table(vec![], vec![]));
        assert_eq!(ids[0], ids[1]);
        assert_eq!(ids[2], ids[3]);
        assert_ne!(ids[0], ids[2]);
    }
}
