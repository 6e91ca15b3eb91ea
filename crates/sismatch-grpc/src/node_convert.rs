//! Conversions of the `NationalNode` messages that have no use outside its adapter: search
//! requests and matches, put and import answers, the node's status. The field-level conversions
//! they are built from (alerts, identifiers, enums, times) are in `convert.rs`.

use std::time::Duration;

use sismatch_alert::{Invalid, Status as AlertStatus};
use sismatch_ident::{IdentifierKind, describe};
use sismatch_node::{
    AlertMatch, Applied, BatchReport, Duplicate, IdentifierHit, ImportItem, NodeStatus, PutOutcome,
    SEARCHABLE_WAIT, SearchQuery, SearchRequest,
};
use sismatch_proto::v1;
use sismatch_proto::wire::duration;
use tonic::Status;

use crate::convert::{
    alert_in, alert_out, alert_with_identifiers_out, category_in, edit_out, identifier_out,
    kind_in, kind_out, read_identifier_out, time_out,
};
use crate::status::invalid;

/// A string field left empty (or blank) on the wire: not given.
pub(crate) fn non_blank(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

/// A version number from the wire (`expected_version`, `version`): 0 means none given.
pub(crate) fn version_in(version: u64) -> Option<u64> {
    (version != 0).then_some(version)
}

/// A message field the request must carry, or INVALID_ARGUMENT naming it.
pub(crate) fn required<T>(field: Option<T>, name: &str) -> Result<T, Status> {
    field.ok_or_else(|| Status::invalid_argument(format!("{name}: missing")))
}

/// How long a put waits for its alert to become searchable: 0 is the default.
pub(crate) fn searchable_wait(ms: u32) -> Duration {
    match ms {
        0 => SEARCHABLE_WAIT,
        ms => Duration::from_millis(u64::from(ms)),
    }
}

/// The answer to a put.
pub(crate) fn put_out(outcome: PutOutcome) -> v1::PutAlertResponse {
    let (stored, written) = match outcome.applied {
        Applied::Created(a) => (a, v1::WriteOutcome::Created),
        Applied::Updated(a) | Applied::StatusChanged(a) => (a, v1::WriteOutcome::Updated),
        Applied::Unchanged(a) => (a, v1::WriteOutcome::Unchanged),
    };
    v1::PutAlertResponse {
        alert: Some(alert_out(stored)),
        outcome: written.into(),
        duplicates: outcome
            .duplicates
            .into_iter()
            .map(
                |Duplicate {
                     alert_id,
                     identifier,
                 }| v1::DuplicateIdentifier {
                    identifier: Some(identifier_out(identifier)),
                    alert_id,
                },
            )
            .collect(),
        searchable: outcome.searchable,
    }
}

/// The items of an import batch; an item without an alert is that item's error, and an item
/// without a line number is numbered by its position.
pub(crate) fn items_in(batch: v1::ImportAlertsRequest) -> Vec<ImportItem> {
    batch
        .items
        .into_iter()
        .enumerate()
        .map(|(i, item)| ImportItem {
            line: if item.line == 0 {
                i as u64 + 1
            } else {
                item.line
            },
            alert: item
                .alert
                .ok_or_else(|| Invalid::new("alert", "missing"))
                .and_then(alert_in),
        })
        .collect()
}

/// The acknowledgement of one import batch.
pub(crate) fn batch_out(report: BatchReport) -> v1::ImportAlertsResponse {
    let outcome = report.outcome;
    v1::ImportAlertsResponse {
        batch: report.batch,
        received: outcome.received,
        created: outcome.created,
        updated: outcome.updated,
        unchanged: outcome.unchanged,
        rejected: outcome.rejected,
        linked: outcome.linked,
        duplicates: outcome.duplicates,
        errors: outcome
            .errors
            .into_iter()
            .map(|e| v1::ImportError {
                line: e.line,
                alert_id: e.alert_id,
                field: e.error.field,
                message: e.error.message,
            })
            .collect(),
        sequence: outcome.sequence,
        elapsed: Some(duration(report.elapsed)),
    }
}

/// A domain match for the wire. Its explanation summarises every stored identifier that
/// agreed (`2 identifiers agree; HIN: exact; engine: look-alike S→5 at 3`), or is the one
/// identifier's explanation when one agreed, then `text agrees (relevance 0.62)` when the
/// request's text did (alone for a text-only match).
pub(crate) fn match_out(country: &str, found: AlertMatch) -> v1::Match {
    let AlertMatch {
        mut alert,
        readings,
        score,
        hits,
        text_relevance,
    } = found;
    // Each stored identifier converted once, from the node's reading of it when there is one.
    let identifiers: Vec<v1::Identifier> = std::mem::take(&mut alert.identifiers)
        .into_iter()
        .enumerate()
        .map(|(i, entry)| match readings.get(i) {
            Some(parsed) => read_identifier_out(entry, parsed),
            None => identifier_out(entry),
        })
        .collect();
    let mut agreeing: Vec<(IdentifierKind, String, String)> = Vec::new();
    let mut identifier_matches = Vec::with_capacity(hits.len());
    for hit in hits {
        let kind = hit.identifier.kind;
        let value = hit.identifier.value.clone();
        let converted = identifiers
            .get(hit.ordinal)
            .filter(|out| out.value == value && out.kind == kind_out(kind))
            .cloned();
        let out = hit_out(hit, converted);
        // Hits come best first: a stored identifier two query values matched counts once.
        if !agreeing.iter().any(|(k, v, _)| *k == kind && *v == value) {
            agreeing.push((kind, value, out.explanation.clone()));
        }
        identifier_matches.push(out);
    }
    let text = format!("text agrees (relevance {text_relevance:.2})");
    let explanation = match &agreeing[..] {
        [] => text,
        [(_, _, one)] if text_relevance > 0.0 => format!("{one}; {text}"),
        [(_, _, one)] => one.clone(),
        several => {
            let each = several
                .iter()
                .map(|(kind, _, explanation)| format!("{}: {explanation}", kind.label()));
            let mut each: Vec<String> = each.collect();
            if text_relevance > 0.0 {
                each.push(text);
            }
            format!("{} identifiers agree; {}", several.len(), each.join("; "))
        }
    };
    v1::Match {
        node: country.to_string(),
        country: alert.country.clone(),
        score,
        identifier_matches,
        explanation,
        alert: Some(alert_with_identifiers_out(alert, identifiers)),
    }
}

/// One identifier that matched, for the wire. Its explanation is the edit operations, then
/// the stored value's check-digit verdict where its format has one: a valid check digit is
/// confidence the number was recorded right, an invalid one is shown and never a rejection.
/// `converted` is the stored identifier as the answer's alert shows it, when already converted.
fn hit_out(hit: IdentifierHit, converted: Option<v1::Identifier>) -> v1::IdentifierMatch {
    let identifier = converted.unwrap_or_else(|| identifier_out(hit.identifier));
    let mut explanation = describe(&hit.ops);
    if hit.maker_mismatch {
        explanation.push_str(", another maker than asked");
    }
    match identifier.check_digit() {
        v1::CheckDigit::Valid => explanation.push_str(", check digit valid"),
        v1::CheckDigit::Invalid => {
            explanation.push_str(", check digit INVALID (shown, not rejected)");
        }
        v1::CheckDigit::NotApplicable | v1::CheckDigit::Unspecified => {}
    }
    v1::IdentifierMatch {
        query_index: u32::try_from(hit.query_index).unwrap_or(u32::MAX),
        query_value: hit.query_value,
        normalized_query: hit.normalised_query,
        matched_identifier: Some(identifier),
        score: hit.score,
        explanation,
        edits: hit.ops.iter().map(edit_out).collect(),
        source: v1::MatchSource::Direct.into(),
        partner_link: None,
        kind_mismatch: hit.kind_mismatch,
    }
}

/// A search request from the wire, with the field named in an error.
pub(crate) fn search_in(request: v1::NationalNodeSearchRequest) -> Result<SearchRequest, Status> {
    let mut queries = Vec::with_capacity(request.queries.len());
    for (i, query) in request.queries.into_iter().enumerate() {
        let kind: Option<IdentifierKind> =
            kind_in(&format!("queries[{i}].kind"), query.kind).map_err(|e| invalid(&e))?;
        queries.push(SearchQuery {
            value: query.value,
            kind,
            manufacturer: (!query.manufacturer.trim().is_empty()).then_some(query.manufacturer),
        });
    }
    let filter = request.filter.unwrap_or_default();
    let mut categories = Vec::with_capacity(filter.categories.len());
    for (i, number) in filter.categories.into_iter().enumerate() {
        if let Some(category) =
            category_in(&format!("filter.categories[{i}]"), number).map_err(|e| invalid(&e))?
        {
            categories.push(category);
        }
    }
    Ok(SearchRequest {
        queries,
        text: non_blank(request.text),
        categories,
        include_expired: filter.include_expired,
        include_inactive: filter.include_inactive,
        top_k: request.top_k as usize,
        min_score: request.min_score,
    })
}

/// The node's status for the wire.
pub(crate) fn status_out(status: NodeStatus) -> v1::GetNodeStatusResponse {
    let count = |s: AlertStatus| status.alerts.get(&s).copied().unwrap_or(0);
    v1::GetNodeStatusResponse {
        country: status.country,
        node: status.name,
        version: env!("CARGO_PKG_VERSION").to_string(),
        started_at: time_out(Some(status.started_at)),
        alerts_total: status.alerts.values().sum(),
        alerts_active: count(AlertStatus::Active),
        alerts_hit_confirmed: count(AlertStatus::HitConfirmed),
        alerts_recovered: count(AlertStatus::Recovered),
        alerts_withdrawn: count(AlertStatus::Withdrawn),
        alerts_expired: status.alerts_expired,
        identifiers_indexed: status.identifiers_indexed,
        hits_received: status.hits_received,
        hits_pending: status.hits_pending,
        store_sequence: status.store_sequence,
        index_sequence: status.index_sequence,
        rebuilding: status.rebuilding,
        rebuild_progress: status.rebuild_progress,
        index_segments: u32::try_from(status.index_segments).unwrap_or(u32::MAX),
        searches_last_minute: status.recent.searches,
        search_failures_last_minute: status.recent.failures,
        search_p50_ms_last_minute: status.recent.p50_ms,
        search_p99_ms_last_minute: status.recent.p99_ms,
    }
}

#[cfg(test)]
mod tests {
    use sismatch_alert::{Alert, Category, IdentifierEntry};
    use sismatch_ident::{EditOp, MatchMode};

    use super::*;

    fn hit(
        query_index: usize,
        kind: IdentifierKind,
        value: &str,
        ops: Vec<EditOp>,
    ) -> IdentifierHit {
        IdentifierHit {
            query_index,
            query_value: value.to_string(),
            normalised_query: value.to_string(),
            identifier: IdentifierEntry::new(kind, value),
            ordinal: 0,
            score: 1.0,
            mode: MatchMode::Edits,
            ops,
            kind_mismatch: false,
            maker_mismatch: false,
        }
    }

    fn explained(hits: Vec<IdentifierHit>) -> String {
        explained_with_text(hits, 0.0)
    }

    /// The match of an alert holding the hits' identifiers, read as the node reads them.
    fn found(mut hits: Vec<IdentifierHit>, text_relevance: f64) -> AlertMatch {
        let mut identifiers: Vec<IdentifierEntry> = Vec::new();
        for hit in &mut hits {
            hit.ordinal = match identifiers.iter().position(|i| *i == hit.identifier) {
                Some(at) => at,
                None => {
                    identifiers.push(hit.identifier.clone());
                    identifiers.len() - 1
                }
            };
        }
        let readings = identifiers
            .iter()
            .map(|i| sismatch_ident::parse(&i.value, Some(i.kind)))
            .collect();
        AlertMatch {
            alert: Alert::new("NL-1", "NL", Category::Boat, identifiers),
            readings,
            score: 1.0,
            hits,
            text_relevance,
        }
    }

    fn explained_with_text(hits: Vec<IdentifierHit>, text_relevance: f64) -> String {
        match_out("NL", found(hits, text_relevance)).explanation
    }

    #[test]
    fn a_matched_identifier_is_shown_as_the_alert_shows_it() {
        let vin = hit(0, IdentifierKind::Vin, "1HGCM82633A004352", Vec::new());
        let hin = hit(1, IdentifierKind::Hin, "abc12345d404", Vec::new());
        let out = match_out("NL", found(vec![vin, hin], 0.0));
        let alert = out.alert.unwrap();
        assert_eq!(alert.identifiers.len(), 2);
        assert_eq!(alert.identifiers[1].normalized, "ABC12345D404");
        assert_eq!(
            alert.identifiers[0].check_digit(),
            v1::CheckDigit::Valid,
            "{:?}",
            alert.identifiers[0]
        );
        assert!(!alert.identifiers[0].parts.is_empty());
        for (i, hit) in out.identifier_matches.iter().enumerate() {
            assert_eq!(hit.matched_identifier.as_ref(), Some(&alert.identifiers[i]));
        }
        // Without the node's readings (an alert converted alone) the same is shown.
        let mut plain = found(Vec::new(), 0.0);
        plain.alert.identifiers = vec![IdentifierEntry::new(IdentifierKind::Hin, "abc12345d404")];
        let plain = match_out("NL", plain).alert.unwrap();
        assert_eq!(plain.identifiers[0], alert.identifiers[1]);
    }

    #[test]
    fn a_match_explains_every_identifier_that_agreed() {
        let look_alike = EditOp::LookAlike {
            at: 3,
            query: 'S',
            stored: '5',
        };
        let hin = || hit(0, IdentifierKind::Hin, "ABC12345D404", Vec::new());
        let engine = hit(
            1,
            IdentifierKind::EngineSerial,
            "6CJ1013456",
            vec![look_alike],
        );
        assert_eq!(
            explained(vec![hin(), engine]),
            "2 identifiers agree; HIN: exact; engine: look-alike S→5 at 3"
        );
        assert_eq!(explained(vec![hin()]), "exact");
        // Two query values that found the same stored number are one identifier agreeing.
        let again = hit(1, IdentifierKind::Hin, "ABC12345D404", Vec::new());
        assert_eq!(explained(vec![hin(), again]), "exact");
        // The request's text agreeing comes last, or alone for a text-only match.
        assert_eq!(
            explained_with_text(vec![hin()], 0.623),
            "exact; text agrees (relevance 0.62)"
        );
        assert_eq!(
            explained_with_text(
                vec![
                    hin(),
                    hit(1, IdentifierKind::Cin, "NLABC12345D404", Vec::new())
                ],
                0.5
            ),
            "2 identifiers agree; HIN: exact; CIN: exact; text agrees (relevance 0.50)"
        );
        assert_eq!(
            explained_with_text(Vec::new(), 0.3),
            "text agrees (relevance 0.30)"
        );
    }

    #[test]
    fn an_identifier_of_another_maker_says_so() {
        let other = IdentifierHit {
            maker_mismatch: true,
            ..hit(0, IdentifierKind::FirearmSerial, "BXK4471", Vec::new())
        };
        assert_eq!(explained(vec![other]), "exact, another maker than asked");
    }

    #[test]
    fn an_identifier_match_shows_the_stored_check_digit() {
        let valid = hit(0, IdentifierKind::Vin, "1HGCM82633A004352", Vec::new());
        assert_eq!(explained(vec![valid]), "exact, check digit valid");
        let invalid = hit(0, IdentifierKind::Vin, "1HGCM82643A004352", Vec::new());
        assert_eq!(
            explained(vec![invalid]),
            "exact, check digit INVALID (shown, not rejected)"
        );
    }
}
