//! Which register entries a look-up matches: exact keys first, look-alike skeletons second.
//!
//! A partner *discloses* data, so a match must be near-certain. The national nodes search
//! with edit distances because a candidate there is only shown to police, ranked and
//! explained; here every match is handed over as linked identifiers and sale facts of
//! somebody's purchase. So there is no edit-distance or fragment search: a value matches an
//! entry when their keys are equal, or, only when no entry has the exact key, when their
//! look-alike skeletons are equal (an officer who read `6CJ-1O13456` on a worn plate means
//! `6CJ-1013456`; makers do not issue serials that differ only by look-alikes). A correct
//! reading therefore never discloses a neighbouring entry.
//!
//! A query's kind selects the slots searched (none given: every slot); its manufacturer hint
//! is not used, since a register holds one maker's entries.

use std::collections::BTreeSet;

use crate::answer::Found;
use crate::error::Result;
use crate::record::Slot;
use crate::request::QueryValue;
use crate::store::{Index, Register};

/// Most entries answered for one query value, in slot and id order. A serial is normally in one or
/// two entries (a sale, a refit); the bound keeps a short look-alike value from listing a
/// large part of the register.
pub(crate) const MAX_RECORDS_PER_VALUE: usize = 16;

/// The entries matching `queries`, by query value, then slot, then record id. Blocking.
pub(crate) fn find(register: &Register, queries: &[QueryValue]) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    for (index, query) in (0_u32..).zip(queries) {
        let mut matched = matches(register, query, Index::Keys)?;
        if matched.is_empty() {
            matched = matches(register, query, Index::Skeletons)?;
        }
        let (slots, ids): (Vec<Slot>, Vec<String>) =
            matched.into_iter().take(MAX_RECORDS_PER_VALUE).unzip();
        let records = register.get_many(&ids)?;
        for (slot, record) in slots.into_iter().zip(records) {
            if let Some(record) = record {
                found.push(Found {
                    query_index: index,
                    slot,
                    record,
                });
            }
        }
    }
    Ok(found)
}

/// `(slot, record id)` of the entries whose identifier in a slot of the query's kind has the
/// query's key (or skeleton) in `index`.
fn matches(
    register: &Register,
    query: &QueryValue,
    index: Index,
) -> Result<BTreeSet<(Slot, String)>> {
    let mut matched = BTreeSet::new();
    for slot in Slot::for_query(query.kind) {
        let parsed = slot.parse(&query.value);
        if !parsed.is_indexable() {
            continue;
        }
        let key = match index {
            Index::Keys => &parsed.key,
            Index::Skeletons => &parsed.skeleton,
        };
        for id in register.ids(index, *slot, key)? {
            matched.insert((*slot, id));
        }
    }
    Ok(matched)
}
