//! Identifiers recorded as patterns: a number partly ground off (legibility GROUND_OFF or
//! PARTIAL) whose unreadable characters the officer wrote as `?` (one each) or `*` (a run),
//! `AB???345D404`. Such a record is matched the other way round: the number an officer reads
//! later is the text, the record the pattern (`sismatch_ident::Query::Pattern` scores it).
//!
//! Why apart from the keys: the deletion keys of whole values assume a stored value is what
//! was on the object; three `?` dropped from a value are three edits, past what a search
//! tolerates. Ground-off records are few, so they are filed by one 4-gram of their longest
//! run of readable characters (a number the pattern matches holds that run, so one of its own
//! 4-grams is that one) and checked with `verify::glob` on skeletons (look-alikes agree, as
//! in any pattern): a search makes one map look-up per 4-gram of the value read.

use std::collections::HashMap;

use sismatch_ident::{Query, skeleton, without_droppable_head};

use crate::keys::{GRAM, gram};
use crate::symbols::symbols;
use crate::table::Table;
use crate::verify::glob;

/// The stored patterns of a table, by one 4-gram of each.
#[derive(Debug, Default)]
pub(crate) struct StoredPatterns {
    by_gram: HashMap<u32, Vec<u32>>,
    /// Identifier rows filed (dead ones included, until the table is rebuilt).
    filed: usize,
}

impl StoredPatterns {
    /// Files identifier row `ident`, whose skeleton is the pattern `skeleton` (one that
    /// [`is_fileable`]).
    pub(crate) fn file(&mut self, ident: u32, skeleton: &[char]) {
        let Some(run) = longest_run(skeleton).filter(|run| run.len() >= GRAM) else {
            return;
        };
        self.by_gram
            .entry(gram(&run[..GRAM], 0))
            .or_default()
            .push(ident);
        self.filed += 1;
    }

    /// The alert rows with a live stored pattern that the whole value of one of `queries`
    /// matches (with or without a droppable head), each once, in no particular order.
    pub(crate) fn matching(&self, table: &Table, queries: &[Query]) -> Vec<u32> {
        let mut alerts = Vec::new();
        if self.filed == 0 {
            return alerts;
        }
        for value in read_skeletons(queries) {
            let text = symbols(&value);
            for window in value.windows(GRAM) {
                for &ident in self.by_gram.get(&gram(window, 0)).into_iter().flatten() {
                    let row = &table.idents[ident as usize];
                    if table.ident_live(ident)
                        && glob(row.skeleton.get(&table.spill), &text)
                        && !alerts.contains(&row.alert)
                    {
                        alerts.push(row.alert);
                    }
                }
            }
        }
        alerts
    }

    /// Bytes held, roughly.
    pub(crate) fn bytes(&self) -> usize {
        self.by_gram.capacity() * (size_of::<(u32, Vec<u32>)>() + 1) + self.filed * 4
    }
}

/// The skeletons of the whole values of `queries`, with and without a droppable head.
fn read_skeletons(queries: &[Query]) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    for query in queries {
        if let Query::Value(value) = query {
            out.push(skeleton(&value.normalised).chars().collect());
            if let Some(rest) = without_droppable_head(&value.normalised) {
                out.push(skeleton(rest).chars().collect());
            }
        }
    }
    out
}

/// Whether a pattern of skeleton `skeleton` can be filed: it holds a run of [`GRAM`]
/// readable characters. Another is kept as the value without its wildcards, as before.
pub(crate) fn is_fileable(skeleton: &[char]) -> bool {
    longest_run(skeleton).is_some_and(|run| run.len() >= GRAM)
}

/// The longest run of characters of `skeleton` that are not wildcards.
fn longest_run(skeleton: &[char]) -> Option<&[char]> {
    skeleton
        .split(|c| matches!(c, '?' | '*'))
        .max_by_key(|run| run.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_readable_run_files_a_pattern() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(
            longest_run(&chars("A8???345D404")),
            Some(&chars("345D404")[..])
        );
        assert_eq!(longest_run(&chars("*12*")), Some(&chars("12")[..]));
        assert!(!is_fileable(&chars("A8?12?45")));
        assert!(is_fileable(&chars("A8???345D404")));
    }
}
