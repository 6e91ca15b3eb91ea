//! The second pass: completing the ground truth against the whole corpus.
//!
//! Makers' serial spaces are small (a Mercury serial is a two-character code and six digits),
//! so in a large corpus two objects can carry the very same number. A search for it rightly
//! returns both; counting the other one as wrong would blame the engine for the data. So every
//! searchable alert carrying a query source's number (same identifier key: separators, case
//! and a CIN's country prefix do not count) is expected too, for queries of one value. A
//! negative whose number turns out to be on a stolen object is dropped.

use std::collections::HashMap;

use sismatch_ident::{IdentifierKind, parse};
use sismatch_sample::{Generator, SampleConfig};

use super::sampler::Picked;
use crate::error::Result;
use crate::progress::Progress;
use crate::query::{QueryValue, SEVERAL};

fn key(value: &QueryValue) -> String {
    let kind = value
        .kind
        .as_deref()
        .and_then(|name| name.parse::<IdentifierKind>().ok());
    parse(&value.value, kind).key
}

/// Adds the alerts sharing a source's number to each query's expected ids, and returns which
/// negatives are stored after all (by index).
pub(crate) fn complete(
    sample: &SampleConfig,
    picked: &mut [Picked],
    negatives: &[QueryValue],
    progress: bool,
) -> Result<Vec<bool>> {
    let mut wanted: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, entry) in picked.iter().enumerate() {
        if entry.query.corruption == SEVERAL {
            continue;
        }
        for source in &entry.query.sources {
            wanted.entry(key(source)).or_default().push(i);
        }
    }
    let mut negative_keys: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, value) in negatives.iter().enumerate() {
        negative_keys.entry(key(value)).or_default().push(i);
    }
    let mut stored = vec![false; negatives.len()];
    let shown = Progress::new("truth", sample.alerts);
    let bar = if progress {
        &shown
    } else {
        &Progress::hidden()
    };
    for generated in Generator::new(sample)? {
        let alert = &generated.alert;
        for entry in &alert.identifiers {
            let found = parse(&entry.value, Some(entry.kind)).key;
            if let Some(queries) = wanted.get(&found)
                && alert.status.is_searchable()
            {
                for &i in queries {
                    let expected = &mut picked[i].query.expected;
                    if !expected.contains(&alert.id) {
                        expected.push(alert.id.clone());
                    }
                }
            }
            for &i in negative_keys.get(&found).into_iter().flatten() {
                stored[i] = true;
            }
        }
        bar.inc(1);
    }
    bar.finish();
    Ok(stored)
}
