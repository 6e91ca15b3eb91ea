//! Posting lists: 32-bit key → ids, in memory, as a few immutable sorted segments.
//!
//! A segment is one sorted array of `(key, id)` pairs (8 bytes each) with a directory on the
//! key's top bits, so that a look-up reads one directory slot and one short run of keys: about
//! two cache misses, however large the segment. New pairs arrive as a new segment per applied
//! batch; segments of similar size are merged (a linear merge of two sorted arrays, no key is
//! computed again), so a node holds a handful of segments however it was filled, and one after
//! [`Postings::compact`]. Merging drops the pairs of ids that are no longer live.

use std::sync::Arc;

/// Average pairs per directory bucket: a bucket's keys fit in one or two cache lines.
const PAIRS_PER_BUCKET: usize = 8;

/// A segment is merged into its predecessor once the predecessor is at most this many times
/// larger: segment sizes grow geometrically, so there are few of them.
const MERGE_RATIO: usize = 4;

/// One immutable sorted run of pairs.
#[derive(Debug, Default)]
pub(crate) struct Segment {
    /// `dir[b]..dir[b + 1]` is the range of bucket `b` (keys whose top `bits` bits are `b`).
    dir: Vec<u32>,
    bits: u32,
    keys: Vec<u32>,
    ids: Vec<u32>,
}

impl Segment {
    /// A segment of `pairs` (any order, duplicates removed).
    pub(crate) fn build(mut pairs: Vec<(u32, u32)>) -> Segment {
        pairs.sort_unstable();
        pairs.dedup();
        let (keys, ids) = pairs.into_iter().unzip();
        Segment::from_sorted(keys, ids)
    }

    fn from_sorted(keys: Vec<u32>, ids: Vec<u32>) -> Segment {
        let buckets = (keys.len() / PAIRS_PER_BUCKET).max(1).next_power_of_two();
        let bits = buckets.trailing_zeros();
        let mut dir = Vec::with_capacity(buckets + 1);
        let mut at = 0usize;
        for bucket in 0..buckets {
            while at < keys.len() && bucket_of(keys[at], bits) < bucket {
                at += 1;
            }
            dir.push(at as u32);
        }
        dir.push(keys.len() as u32);
        Segment {
            dir,
            bits,
            keys,
            ids,
        }
    }

    /// The ids under `key`, ascending.
    pub(crate) fn get(&self, key: u32) -> &[u32] {
        let (start, end) = self.span(key, self.bucket(key));
        &self.ids[start..end]
    }

    /// Where bucket of `key` starts and ends in `keys`.
    fn bucket(&self, key: u32) -> (u32, u32) {
        let bucket = bucket_of(key, self.bits);
        (self.dir[bucket], self.dir[bucket + 1])
    }

    /// Where the pairs of `key` are, within its `bucket`.
    fn span(&self, key: u32, (start, end): (u32, u32)) -> (usize, usize) {
        let (start, end) = (start as usize, end as usize);
        let run = &self.keys[start..end];
        let first = run.partition_point(|&k| k < key);
        let last = first + run[first..].partition_point(|&k| k == key);
        (start + first, start + last)
    }

    /// Where the pairs of each of `keys` are: the look-ups of all keys in three passes (the
    /// directory slots, then the runs of keys, the caller then reads the ids), each a tight
    /// loop of loads that do not wait on each other, so the processor overlaps the cache misses
    /// of a search's hundreds of probes instead of taking them one after the other.
    fn spans(&self, keys: &[u32]) -> Vec<(usize, usize)> {
        let buckets: Vec<(u32, u32)> = keys.iter().map(|&key| self.bucket(key)).collect();
        keys.iter()
            .zip(buckets)
            .map(|(&key, bucket)| self.span(key, bucket))
            .collect()
    }

    /// Number of pairs.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Bytes held.
    fn bytes(&self) -> usize {
        4 * (self.dir.capacity() + self.keys.capacity() + self.ids.capacity())
    }

    /// The pairs of `parts` whose id is live, as one segment.
    fn merge(parts: &[Arc<Segment>], live: &dyn Fn(u32) -> bool) -> Segment {
        let total = parts.iter().map(|s| s.len()).sum();
        let mut keys = Vec::with_capacity(total);
        let mut ids = Vec::with_capacity(total);
        let mut cursors = vec![0usize; parts.len()];
        loop {
            let mut best: Option<(u32, u32, usize)> = None;
            for (i, part) in parts.iter().enumerate() {
                let at = cursors[i];
                if at < part.len() {
                    let pair = (part.keys[at], part.ids[at]);
                    if best.is_none_or(|(k, id, _)| pair < (k, id)) {
                        best = Some((pair.0, pair.1, i));
                    }
                }
            }
            let Some((key, id, from)) = best else {
                break;
            };
            cursors[from] += 1;
            if live(id) && (keys.last() != Some(&key) || ids.last() != Some(&id)) {
                keys.push(key);
                ids.push(id);
            }
        }
        keys.shrink_to_fit();
        ids.shrink_to_fit();
        Segment::from_sorted(keys, ids)
    }
}

fn bucket_of(key: u32, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        (key >> (32 - bits)) as usize
    }
}

/// The posting lists of one kind of key: a list of segments, oldest (largest) first.
#[derive(Debug, Default, Clone)]
pub(crate) struct Postings {
    segments: Vec<Arc<Segment>>,
}

impl Postings {
    /// Calls `f` with every id under `key`, segment by segment.
    pub(crate) fn for_each(&self, key: u32, mut f: impl FnMut(u32)) {
        for segment in &self.segments {
            for &id in segment.get(key) {
                f(id);
            }
        }
    }

    /// Appends the ids under every key of `keys` to `out`, looked up together (see
    /// `Segment::spans`).
    pub(crate) fn extend_many(&self, keys: &[u32], out: &mut Vec<u32>) {
        for segment in &self.segments {
            let spans = segment.spans(keys);
            out.reserve(spans.iter().map(|(start, end)| end - start).sum());
            for (start, end) in spans {
                out.extend_from_slice(&segment.ids[start..end]);
            }
        }
    }

    /// How many ids are under each of `keys` (dead ones included): the cost of reading them.
    pub(crate) fn counts(&self, keys: &[u32]) -> Vec<usize> {
        let mut counts = vec![0; keys.len()];
        for segment in &self.segments {
            for (count, (start, end)) in counts.iter_mut().zip(segment.spans(keys)) {
                *count += end - start;
            }
        }
        counts
    }

    /// Adds a segment of new pairs.
    pub(crate) fn push(&mut self, segment: Segment) {
        if segment.len() > 0 {
            self.segments.push(Arc::new(segment));
        }
    }

    /// The merge the policy asks for now, if any: the last segments, from the first whose
    /// size is within [`MERGE_RATIO`] of the total of those after it.
    pub(crate) fn due_merge(&self) -> Option<usize> {
        let mut after = 0usize;
        let mut from = None;
        for (i, segment) in self.segments.iter().enumerate().rev() {
            if after > 0 && segment.len() <= MERGE_RATIO * after {
                from = Some(i);
            }
            after += segment.len();
        }
        from.filter(|&i| i + 1 < self.segments.len())
    }

    /// Merges the segments from `from` on into one, keeping the pairs whose id is live. The
    /// result replaces them through [`Postings::replace_tail`]; the merge itself reads only
    /// immutable segments, so searches go on meanwhile.
    pub(crate) fn merged_tail(&self, from: usize, live: &dyn Fn(u32) -> bool) -> Merged {
        let parts: Vec<Arc<Segment>> = self.segments[from..].to_vec();
        Merged {
            from,
            replaced: parts.len(),
            segment: Segment::merge(&parts, live),
        }
    }

    /// Puts a merge's result in place of the segments it merged.
    pub(crate) fn replace_tail(&mut self, merged: Merged) {
        let end = merged.from + merged.replaced;
        if end > self.segments.len() || merged.replaced == 0 {
            return;
        }
        self.segments
            .splice(merged.from..end, [Arc::new(merged.segment)]);
        self.segments.retain(|s| s.len() > 0);
    }

    /// Number of segments.
    pub(crate) fn segments(&self) -> usize {
        self.segments.len()
    }

    /// Number of pairs, dead ones included.
    pub(crate) fn pairs(&self) -> usize {
        self.segments.iter().map(|s| s.len()).sum()
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        self.segments.iter().map(|s| s.bytes()).sum()
    }
}

/// A merged segment waiting to replace the segments it came from.
pub(crate) struct Merged {
    from: usize,
    replaced: usize,
    segment: Segment,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(postings: &Postings, key: u32) -> Vec<u32> {
        let mut out = Vec::new();
        postings.for_each(key, |id| out.push(id));
        out.sort_unstable();
        out
    }

    #[test]
    fn look_ups_merges_and_dead_ids() {
        let mut postings = Postings::default();
        let spread = |i: u32| i.wrapping_mul(0x9E37_79B9);
        for batch in 0..20u32 {
            let pairs = (0..500)
                .map(|i| (spread(i % 97), batch * 1000 + i))
                .collect();
            postings.push(Segment::build(pairs));
            while let Some(from) = postings.due_merge() {
                let merged = postings.merged_tail(from, &|id| id % 7 != 0);
                postings.replace_tail(merged);
            }
        }
        assert!(postings.segments() <= 4, "{}", postings.segments());
        let expected: Vec<u32> = (0..20u32)
            .flat_map(|batch| (0..500).map(move |i| (batch, i)))
            .filter(|(_, i)| i % 97 == 5)
            .map(|(batch, i)| batch * 1000 + i)
            .collect();
        let found: Vec<u32> = ids(&postings, spread(5))
            .into_iter()
            .filter(|id| id % 7 != 0)
            .collect();
        let expected: Vec<u32> = expected.into_iter().filter(|id| id % 7 != 0).collect();
        assert_eq!(found, expected);
        assert!(ids(&postings, 12345).is_empty() || spread(5) == 12345);
        let keys = [spread(5), spread(6), 12345, spread(5)];
        let mut many = Vec::new();
        postings.extend_many(&keys, &mut many);
        let mut one_by_one = Vec::new();
        for key in keys {
            postings.for_each(key, |id| one_by_one.push(id));
        }
        many.sort_unstable();
        one_by_one.sort_unstable();
        assert_eq!(many, one_by_one);
        let counts: Vec<usize> = keys.iter().map(|&k| ids(&postings, k).len()).collect();
        assert_eq!(postings.counts(&keys), counts);
    }

    #[test]
    fn an_empty_segment_answers_nothing() {
        let segment = Segment::build(Vec::new());
        assert!(segment.get(7).is_empty());
        let one = Segment::build(vec![(u32::MAX, 1), (0, 2), (u32::MAX, 1)]);
        assert_eq!(one.get(u32::MAX), &[1]);
        assert_eq!(one.get(0), &[2]);
    }
}
