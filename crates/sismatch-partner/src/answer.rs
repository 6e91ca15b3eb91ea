//! The answer to a look-up, and what its audit record needs.
//!
//! The partner does not write the audit log itself (the log is its own crate, and the server
//! also knows the peer, the RPC and the time spent): every answer carries a [`LookupAudit`]
//! with what only the partner knows, and the server records it.

use std::collections::BTreeSet;

use sismatch_proto::v1;

use crate::config::SaleField;
use crate::gate::Refusal;
use crate::record::{RegisterRecord, Slot, disclosed};
use crate::request::Checked;

/// The answer to one look-up.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupAnswer {
    /// What the caller receives.
    pub response: v1::LookupResponse,
    /// What the audit log records about it (DESIGN §4, safe outputs).
    pub audit: LookupAudit,
}

/// What an audit record of a look-up needs from the partner, field for field as in
/// `sismatch.v1.AuditRecord`. A malformed request is not answered but returned as an error,
/// so that the server records it with its status code: it has no `LookupAudit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupAudit {
    /// The stated purpose (UNSPECIFIED when none).
    pub purpose: v1::LookupPurpose,
    /// The stated case reference, trimmed; empty when none.
    pub case_reference: String,
    /// The stated officer or unit, trimmed; not in `AuditRecord` (the caller identity is),
    /// kept for a server that records it.
    pub officer: String,
    /// The identifier values asked about, as given.
    pub identifiers: Vec<String>,
    /// Every identifier the answer disclosed, as `KIND:value` (`HIN:ABC12345D404`), each
    /// once; empty when the look-up was refused or found nothing.
    pub disclosed_identifiers: Vec<String>,
    /// Whether the register held at least one identifier asked about (outcome FOUND).
    pub hit: bool,
    /// The gate's refusal; UNSPECIFIED when the look-up passed the gate.
    pub refusal: v1::RefusalReason,
    /// The reference of the look-up, as in the response (`L-<ULID>`).
    pub reference: String,
}

impl LookupAudit {
    /// Sets the fields of `record` that the look-up knows: purpose, case reference,
    /// identifiers, disclosed identifiers, hit, reference, and as status message the refusal
    /// reason (`REFUSAL_REASON_NOT_POLICE`). The server sets the rest.
    pub fn fill(&self, record: &mut v1::AuditRecord) {
        record.purpose = self.purpose.into();
        record.case_reference.clone_from(&self.case_reference);
        record.identifiers.clone_from(&self.identifiers);
        record
            .disclosed_identifiers
            .clone_from(&self.disclosed_identifiers);
        record.hit = self.hit;
        record.status_message = if self.refusal == v1::RefusalReason::Unspecified {
            String::new()
        } else {
            self.refusal.as_str_name().to_string()
        };
        record.reference.clone_from(&self.reference);
    }
}

/// A register entry that matched query value `query_index` through its identifier in `slot`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) query_index: u32,
    pub(crate) slot: Slot,
    pub(crate) record: RegisterRecord,
}

fn audit_of(checked: Checked, reference: &str) -> LookupAudit {
    LookupAudit {
        purpose: checked.purpose,
        case_reference: checked.case_reference,
        officer: checked.officer,
        identifiers: checked.queries.into_iter().map(|q| q.value).collect(),
        disclosed_identifiers: Vec::new(),
        hit: false,
        refusal: v1::RefusalReason::Unspecified,
        reference: reference.to_string(),
    }
}

/// The answer to a look-up the gate refused: the reason, and nothing from the register.
pub(crate) fn refused(
    maker: &str,
    reference: String,
    checked: Checked,
    refusal: Refusal,
) -> LookupAnswer {
    let mut audit = audit_of(checked, &reference);
    audit.refusal = refusal.reason;
    LookupAnswer {
        response: v1::LookupResponse {
            outcome: v1::LookupOutcome::Refused.into(),
            refusal: refusal.reason.into(),
            refusal_message: refusal.message,
            records: Vec::new(),
            partner: maker.to_string(),
            reference,
        },
        audit,
    }
}

/// The answer to a look-up that passed the gate: the matching entries, each with its linked
/// identifiers and the sale facts in `share`.
pub(crate) fn answered(
    maker: &str,
    reference: String,
    checked: Checked,
    found: &[Found],
    share: &BTreeSet<SaleField>,
) -> LookupAnswer {
    let mut audit = audit_of(checked, &reference);
    let mut disclosed_set = BTreeSet::new();
    let mut records = Vec::with_capacity(found.len());
    for entry in found {
        let record = partner_record(entry, share);
        let linked = record.linked.iter().filter_map(|l| l.identifier.as_ref());
        for identifier in record.identifier.iter().chain(linked) {
            let text = disclosed(identifier);
            if disclosed_set.insert(text.clone()) {
                audit.disclosed_identifiers.push(text);
            }
        }
        records.push(record);
    }
    audit.hit = !records.is_empty();
    let outcome = if audit.hit {
        v1::LookupOutcome::Found
    } else {
        v1::LookupOutcome::NotFound
    };
    LookupAnswer {
        response: v1::LookupResponse {
            outcome: outcome.into(),
            refusal: v1::RefusalReason::Unspecified.into(),
            refusal_message: String::new(),
            records,
            partner: maker.to_string(),
            reference,
        },
        audit,
    }
}

fn partner_record(found: &Found, share: &BTreeSet<SaleField>) -> v1::PartnerRecord {
    let record = &found.record;
    let linked = Slot::ALL
        .into_iter()
        .filter(|slot| *slot != found.slot)
        .filter_map(|slot| {
            let identifier = record.wire_identifier(slot)?;
            Some(v1::LinkedIdentifier {
                identifier: Some(identifier),
                relation: record.relation(found.slot, slot).into(),
            })
        })
        .collect();
    v1::PartnerRecord {
        query_index: found.query_index,
        identifier: record.wire_identifier(found.slot),
        linked,
        sale: sale_facts(record, share),
    }
}

/// The sale facts of `record` that the partner agreed to share; `None` when none of them is
/// both agreed and known.
fn sale_facts(record: &RegisterRecord, share: &BTreeSet<SaleField>) -> Option<v1::SaleFacts> {
    let agreed = |field: SaleField| share.contains(&field);
    let mut facts = v1::SaleFacts::default();
    if agreed(SaleField::Dealer) {
        facts.dealer = record.dealer.clone().unwrap_or_default();
    }
    if agreed(SaleField::DealerCountry) {
        facts.dealer_country = record.dealer_country.clone().unwrap_or_default();
    }
    if agreed(SaleField::SoldAt) {
        facts.sold_at = record.sold_at.map(|t| prost_types::Timestamp {
            seconds: t.as_second(),
            nanos: t.subsec_nanosecond(),
        });
    }
    if agreed(SaleField::Model) {
        facts.model = record.model.clone().unwrap_or_default();
    }
    (facts != v1::SaleFacts::default()).then_some(facts)
}
