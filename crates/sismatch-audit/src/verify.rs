//! Verifying a log: reading it in sequence order and naming the first record that breaks
//! the chain. One pass, one record in memory at a time.

use std::fmt;
use std::path::Path;

use prost::Message;
use sismatch_proto::v1::AuditRecord;

use crate::chain::{self, Last};
use crate::db;
use crate::error::Result;

/// The outcome of [`verify`]: how many records the log holds, and the first that breaks the
/// chain, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Number of records in the log, broken ones included.
    pub records: u64,
    /// The first record (in sequence order) that was altered, removed or added; `None` when
    /// the chain is intact. Only the first is named: once the chain is broken, what follows
    /// cannot be trusted to say more.
    pub first_broken: Option<Broken>,
}

impl Verification {
    /// Whether every record is in place and unaltered, as far as the chain can tell.
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// Where the chain breaks and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The record at fault: the altered or undecodable one, the first missing one, or the
    /// one whose `previous_hash` no longer matches its predecessor.
    pub sequence: u64,
    /// What failed.
    pub reason: Reason,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {} is broken: {}", self.sequence, self.reason)
    }
}

/// What failed at a broken record. The wording (`Display`) is what `sismatch audit verify`
/// prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The record with this sequence is not in the log (removed), though a later one is, or
    /// the log recorded writing it.
    Missing(u64),
    /// The record's bytes are not an `AuditRecord`.
    Undecodable,
    /// The record's `sequence` field (this value) differs from its position in the log: it
    /// was moved.
    WrongSequence(u64),
    /// The first record's `previous_hash` is not empty: records before it were removed.
    FirstPreviousHash,
    /// The record's `previous_hash` differs from the `hash` of the record before it (this
    /// sequence): that one was altered and its hash recomputed, or this one was replaced.
    PreviousHash(u64),
    /// The record's `hash` is not the hash of its content: the record was altered.
    Hash,
    /// The last record's `hash` differs from the one the log recorded writing last: the last
    /// record was replaced.
    LastHash,
    /// The record is beyond the last one the log recorded writing: it was added by someone
    /// else.
    Unrecorded,
    /// A key in the records that is not a sequence number (1, 2, ...): something else wrote
    /// to the log.
    StrayKey,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Missing(sequence) => write!(f, "record {sequence} is missing"),
            Reason::Undecodable => f.write_str("record cannot be decoded"),
            Reason::WrongSequence(field) => write!(f, "its sequence field says {field}"),
            Reason::FirstPreviousHash => {
                f.write_str("previous_hash of the first record is not empty")
            }
            Reason::PreviousHash(sequence) => {
                write!(f, "previous_hash does not match record {sequence}")
            }
            Reason::Hash => f.write_str("hash does not match the record's content"),
            Reason::LastHash => f.write_str("hash does not match the last hash the log recorded"),
            Reason::Unrecorded => f.write_str("record is beyond the last one the log recorded"),
            Reason::StrayKey => f.write_str("a key that is not a sequence number"),
        }
    }
}

/// Verifies the log in folder `dir`: sequences 1..n without gaps, each record's
/// `previous_hash` equal to the `hash` of the one before, each `hash` recomputed from the
/// record's content, and the end of the chain where the log recorded it.
///
/// Opens the log read-only, so it works on the log of a stopped server and of a running one
/// (it then verifies the records durable when it started). Fails only when the log cannot be
/// read ([`crate::AuditError::NotFound`] for a folder without one); a broken chain is an
/// answer, not an error.
pub fn verify(dir: &Path) -> Result<Verification> {
    let database = db::open_read_only(dir)?;
    let recorded = db::recorded_last(&database)?;
    let mut chain = Chain::default();
    for item in db::scan(&database)? {
        let (key, value) = item?;
        chain.push(&key, &value);
    }
    let verification = chain.finish(recorded.as_ref());
    tracing::info!(
        path = %dir.display(),
        records = verification.records,
        broken = verification.first_broken.as_ref().map(|b| b.sequence),
        "audit log verified"
    );
    Ok(verification)
}

/// The verification so far.
#[derive(Debug, Default)]
struct Chain {
    /// Records seen.
    records: u64,
    /// The last record that linked correctly.
    previous: Last,
    /// The first break found.
    first_broken: Option<Broken>,
}

impl Chain {
    /// Takes the next record in key order.
    fn push(&mut self, key: &[u8], value: &[u8]) {
        self.records += 1;
        if self.first_broken.is_none()
            && let Err(broken) = self.link(key, value)
        {
            self.first_broken = Some(broken);
        }
    }

    /// Checks that the record at `key` continues the chain, and makes it the previous one.
    fn link(&mut self, key: &[u8], value: &[u8]) -> std::result::Result<(), Broken> {
        let expected = self.previous.sequence.saturating_add(1);
        let broken = |sequence, reason| Err(Broken { sequence, reason });
        let sequence = match chain::sequence_of(key) {
            Some(sequence) if sequence >= expected => sequence,
            _ => return broken(expected, Reason::StrayKey),
        };
        if sequence > expected {
            return broken(expected, Reason::Missing(expected));
        }
        let Ok(mut record) = AuditRecord::decode(value) else {
            return broken(sequence, Reason::Undecodable);
        };
        if record.sequence != sequence {
            return broken(sequence, Reason::WrongSequence(record.sequence));
        }
        if record.previous_hash != self.previous.hash {
            let reason = match self.previous.sequence {
                0 => Reason::FirstPreviousHash,
                previous => Reason::PreviousHash(previous),
            };
            return broken(sequence, reason);
        }
        if chain::content_hash(&mut record) != record.hash.as_slice() {
            return broken(sequence, Reason::Hash);
        }
        self.previous = Last {
            sequence,
            hash: record.hash,
        };
        Ok(())
    }

    /// The verification, once every record was pushed: a chain that links throughout must
    /// also end where the log recorded its last write.
    fn finish(self, recorded: Option<&Last>) -> Verification {
        let end = &self.previous;
        let first_broken = self.first_broken.or_else(|| match recorded {
            None if end.sequence == 0 => None,
            None => Some(Broken {
                sequence: 1,
                reason: Reason::Unrecorded,
            }),
            Some(last) if last.sequence > end.sequence => {
                let missing = end.sequence + 1;
                Some(Broken {
                    sequence: missing,
                    reason: Reason::Missing(missing),
                })
            }
            Some(last) if last.sequence < end.sequence => Some(Broken {
                sequence: last.sequence + 1,
                reason: Reason::Unrecorded,
            }),
            Some(last) if last.hash != end.hash => Some(Broken {
                sequence: end.sequence,
                reason: Reason::LastHash,
            }),
            Some(_) => None,
        });
        Verification {
            records: self.records,
            first_broken,
        }
    }
}
