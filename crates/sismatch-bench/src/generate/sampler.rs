//! Choosing the queries while the corpus streams by: for every corruption type, the objects
//! with the smallest keyed hashes (bottom-k sampling), so the choice is deterministic for a
//! seed, uniform over the corpus, and needs memory for the chosen queries only.
//!
//! A corruption is computed only for an object that would enter the sample: about
//! `k · ln(objects / k)` times per type over a whole corpus, however large.

use std::collections::BinaryHeap;

use sismatch_alert::Alert;
use sismatch_ident::{IdentifierKind, parse};
use sismatch_sample::{Corruption, corrupt, mistaken_kind};

use super::mix;
use crate::query::{QueryRecord, QueryValue, SEVERAL};

/// The corruptions a query of several identifiers misreads one of its values with.
const SEVERAL_CORRUPTIONS: [Corruption; 4] = [
    Corruption::LookAlike,
    Corruption::OneEdit,
    Corruption::TwoEdits,
    Corruption::Transposition,
];

/// One sampled query, with its place in the sample.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Picked {
    /// The keyed hash that ranks it: the smaller, the surer it stays in the sample.
    pub priority: u64,
    /// The query, without its id yet.
    pub query: QueryRecord,
}

impl Ord for Picked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.priority.cmp(&other.priority)
    }
}

impl PartialOrd for Picked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The labels sampled: every corruption, then queries of several identifiers.
pub(crate) fn labels() -> Vec<&'static str> {
    let mut labels: Vec<&str> = Corruption::ALL.iter().map(|c| c.as_str()).collect();
    labels.push(SEVERAL);
    labels
}

/// Bottom-k samples of queries, one heap per label (largest priority on top, to be evicted).
pub(crate) struct Sampler {
    seed: u64,
    per_label: usize,
    heaps: Vec<BinaryHeap<Picked>>,
}

impl Sampler {
    /// A sampler of `per_label` queries per label.
    pub(crate) fn new(seed: u64, per_label: usize) -> Sampler {
        Sampler {
            seed,
            per_label,
            heaps: labels().iter().map(|_| BinaryHeap::new()).collect(),
        }
    }

    /// Offers object `object`, reported by `alerts` (one, or two for a shared object).
    pub(crate) fn offer(&mut self, object: u64, alerts: &[Alert]) {
        let expected: Vec<String> = alerts
            .iter()
            .filter(|alert| alert.status.is_searchable())
            .map(|alert| alert.id.clone())
            .collect();
        let Some(first) = alerts.first() else {
            return;
        };
        if expected.is_empty() {
            return;
        }
        for (index, heap) in self.heaps.iter_mut().enumerate() {
            let priority = mix(&[self.seed, object, index as u64]);
            let full = heap.len() >= self.per_label;
            if self.per_label == 0 || (full && heap.peek().is_some_and(|p| p.priority <= priority))
            {
                continue;
            }
            let made = match Corruption::ALL.get(index) {
                Some(&corruption) => single(first, corruption, priority),
                None => several(first, priority),
            };
            let Some((values, sources)) = made else {
                continue;
            };
            let corruption = labels()[index].to_string();
            heap.push(Picked {
                priority,
                query: QueryRecord {
                    id: String::new(),
                    corruption,
                    values,
                    text: None,
                    expected: expected.clone(),
                    sources,
                },
            });
            if heap.len() > self.per_label {
                heap.pop();
            }
        }
    }

    /// The sampled queries, every label together.
    pub(crate) fn finish(self) -> Vec<Picked> {
        self.heaps
            .into_iter()
            .flat_map(BinaryHeap::into_vec)
            .collect()
    }
}

/// The indexable identifiers of `alert`, starting at a place chosen by `priority`.
fn rotated(alert: &Alert, priority: u64) -> Vec<&sismatch_alert::IdentifierEntry> {
    let usable: Vec<_> = alert
        .identifiers
        .iter()
        .filter(|entry| parse(&entry.value, Some(entry.kind)).is_indexable())
        .collect();
    if usable.is_empty() {
        return usable;
    }
    let start = (priority % usable.len() as u64) as usize;
    usable[start..]
        .iter()
        .chain(&usable[..start])
        .copied()
        .collect()
}

type Made = (Vec<QueryValue>, Vec<QueryValue>);

/// One identifier of `alert` misread by `corruption`, typed as the officer would declare it.
fn single(alert: &Alert, corruption: Corruption, priority: u64) -> Option<Made> {
    for entry in rotated(alert, priority) {
        let Some(typed) = corrupt(&entry.value, corruption, priority) else {
            continue;
        };
        let kind = match corruption {
            Corruption::WrongKind => mistaken_kind(entry.kind),
            Corruption::PrefixDropped => IdentifierKind::Hin,
            Corruption::PrefixAdded => IdentifierKind::Cin,
            _ => entry.kind,
        };
        let source = QueryValue::new(entry.kind, entry.value.clone());
        return Some((vec![QueryValue::new(kind, typed)], vec![source]));
    }
    None
}

/// Two different numbers of one object (a hull number and the engine serial, a VIN and the
/// plate), one of them misread.
fn several(alert: &Alert, priority: u64) -> Option<Made> {
    let entries = rotated(alert, priority);
    let first = entries.first()?;
    let first_key = parse(&first.value, Some(first.kind)).key;
    let second = entries
        .iter()
        .find(|entry| parse(&entry.value, Some(entry.kind)).key != first_key)?;
    let pair = [*first, *second];
    let misread = (priority >> 8) as usize % 2;
    let shift = (priority >> 16) as usize;
    let mut values = Vec::with_capacity(2);
    for (i, entry) in pair.iter().enumerate() {
        let value = if i == misread {
            (0..SEVERAL_CORRUPTIONS.len()).find_map(|n| {
                let corruption = SEVERAL_CORRUPTIONS[(shift + n) % SEVERAL_CORRUPTIONS.len()];
                corrupt(&entry.value, corruption, priority)
            })?
        } else {
            entry.value.clone()
        };
        values.push(QueryValue::new(entry.kind, value));
    }
    let sources = pair
        .iter()
        .map(|entry| QueryValue::new(entry.kind, entry.value.clone()))
        .collect();
    Some((values, sources))
}
