//! Validation of federated requests at the core, before anything is sent to a node: a bad
//! request is refused once, naming the field, instead of once per node.

use std::time::Duration;

use sismatch_ident::is_country_code;
use sismatch_proto::v1;

use crate::error::{CoreError, Result};

/// Query values per search (proto: at most 32).
pub const MAX_QUERIES: usize = 32;
/// Matches per answer (proto: at most 100).
pub const MAX_TOP_K: usize = 100;
/// Matches per answer when the request says 0.
pub const DEFAULT_TOP_K: usize = 10;
/// Longest fan-out deadline a request may ask for.
pub const MAX_DEADLINE: Duration = Duration::from_secs(30);
/// Characters per query value.
const MAX_VALUE: usize = 64;
/// Characters of a manufacturer hint.
const MAX_MANUFACTURER: usize = 128;
/// Characters of the free-text part.
const MAX_TEXT: usize = 1024;
/// Characters of a case reference.
const MAX_CASE_REFERENCE: usize = 64;

/// A search the core has accepted: what to send to the nodes, and how to merge.
#[derive(Debug, Clone)]
pub struct SearchPlan {
    /// The request forwarded to every node asked.
    pub node_request: v1::NationalNodeSearchRequest,
    /// Countries whose nodes are asked; empty = all.
    pub countries: Vec<String>,
    /// Matches in the merged answer.
    pub top_k: usize,
    /// The request's own deadline, if it gave one.
    pub deadline: Option<Duration>,
    /// Whether to expand the queries through the manufacturer partners.
    pub expand: bool,
}

fn chars(value: &str) -> usize {
    value.chars().count()
}

/// Checks one list of query values (`field` names the list in errors).
pub fn check_queries(field: &str, queries: &[v1::IdentifierQuery], max: usize) -> Result<()> {
    if queries.len() > max {
        return Err(CoreError::invalid(
            field,
            format!("{} values given, at most {max} allowed", queries.len()),
        ));
    }
    for (i, query) in queries.iter().enumerate() {
        let value = query.value.trim();
        if value.is_empty() {
            return Err(CoreError::invalid(format!("{field}[{i}].value"), "empty"));
        }
        if chars(value) > MAX_VALUE {
            return Err(CoreError::invalid(
                format!("{field}[{i}].value"),
                format!("longer than {MAX_VALUE} characters"),
            ));
        }
        if chars(&query.manufacturer) > MAX_MANUFACTURER {
            return Err(CoreError::invalid(
                format!("{field}[{i}].manufacturer"),
                format!("longer than {MAX_MANUFACTURER} characters"),
            ));
        }
        if v1::IdentifierKind::try_from(query.kind).is_err() {
            return Err(CoreError::invalid(
                format!("{field}[{i}].kind"),
                format!("unknown identifier kind {}", query.kind),
            ));
        }
    }
    Ok(())
}

fn check_filter(filter: &v1::SearchFilter) -> Result<Vec<String>> {
    for (i, category) in filter.categories.iter().enumerate() {
        if v1::ObjectCategory::try_from(*category).is_err() {
            return Err(CoreError::invalid(
                format!("filter.categories[{i}]"),
                format!("unknown category {category}"),
            ));
        }
    }
    let mut countries = Vec::with_capacity(filter.countries.len());
    for (i, country) in filter.countries.iter().enumerate() {
        let code = country.trim().to_ascii_uppercase();
        if !is_country_code(&code) {
            return Err(CoreError::invalid(
                format!("filter.countries[{i}]"),
                format!("'{country}' is not an ISO 3166-1 alpha-2 code"),
            ));
        }
        countries.push(code);
    }
    Ok(countries)
}

/// Validates a federated search.
pub fn plan(request: v1::MatchingCoreSearchRequest) -> Result<SearchPlan> {
    if request.queries.is_empty() && request.text.trim().is_empty() {
        return Err(CoreError::invalid(
            "queries",
            "give at least one identifier value (or a text)",
        ));
    }
    check_queries("queries", &request.queries, MAX_QUERIES)?;
    if chars(&request.text) > MAX_TEXT {
        return Err(CoreError::invalid(
            "text",
            format!("longer than {MAX_TEXT} characters"),
        ));
    }
    let top_k = match request.top_k as usize {
        0 => DEFAULT_TOP_K,
        n if n > MAX_TOP_K => {
            return Err(CoreError::invalid(
                "top_k",
                format!("{n} is more than {MAX_TOP_K}"),
            ));
        }
        n => n,
    };
    if !(0.0..=1.0).contains(&request.min_score) {
        return Err(CoreError::invalid("min_score", "must be within [0, 1]"));
    }
    let deadline = match u64::from(request.deadline_ms) {
        0 => None,
        ms if Duration::from_millis(ms) > MAX_DEADLINE => {
            return Err(CoreError::invalid(
                "deadline_ms",
                format!("{ms} is more than {}", MAX_DEADLINE.as_millis()),
            ));
        }
        ms => Some(Duration::from_millis(ms)),
    };
    if chars(&request.case_reference) > MAX_CASE_REFERENCE {
        return Err(CoreError::invalid(
            "case_reference",
            format!("longer than {MAX_CASE_REFERENCE} characters"),
        ));
    }
    if request.expand_via_partners {
        if request.purpose == 0 {
            return Err(CoreError::invalid(
                "purpose",
                "required with expand_via_partners",
            ));
        }
        if request.case_reference.trim().is_empty() {
            return Err(CoreError::invalid(
                "case_reference",
                "required with expand_via_partners",
            ));
        }
    }
    let expand = request.expand_via_partners;
    let filter = request.filter.unwrap_or_default();
    let countries = check_filter(&filter)?;
    Ok(SearchPlan {
        node_request: v1::NationalNodeSearchRequest {
            queries: request.queries,
            text: request.text,
            filter: Some(filter),
            top_k: u32::try_from(top_k).unwrap_or(u32::MAX),
            min_score: request.min_score,
            purpose: request.purpose,
            case_reference: request.case_reference,
        },
        countries,
        top_k,
        deadline,
        expand,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(value: &str) -> v1::IdentifierQuery {
        v1::IdentifierQuery {
            value: value.to_string(),
            ..v1::IdentifierQuery::default()
        }
    }

    fn field_of(request: v1::MatchingCoreSearchRequest) -> String {
        match plan(request) {
            Err(CoreError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid argument, got {other:?}"),
        }
    }

    #[test]
    fn names_the_bad_field() {
        let base = v1::MatchingCoreSearchRequest {
            queries: vec![query("ABC12345D404")],
            ..v1::MatchingCoreSearchRequest::default()
        };
        assert_eq!(
            field_of(v1::MatchingCoreSearchRequest {
                queries: vec![],
                ..base.clone()
            }),
            "queries"
        );
        assert_eq!(
            field_of(v1::MatchingCoreSearchRequest {
                queries: vec![query("A"), query(&"X".repeat(65))],
                ..base.clone()
            }),
            "queries[1].value"
        );
        assert_eq!(
            field_of(v1::MatchingCoreSearchRequest {
                top_k: 101,
                ..base.clone()
            }),
            "top_k"
        );
        assert_eq!(
            field_of(v1::MatchingCoreSearchRequest {
                deadline_ms: 30_001,
                ..base.clone()
            }),
            "deadline_ms"
        );
        assert_eq!(
            field_of(v1::MatchingCoreSearchRequest {
                min_score: f64::NAN,
                ..base.clone()
            }),
            "min_score"
        );
        assert_eq!(
            field_of(v1::MatchingCoreSearchRequest {
                filter: Some(v1::SearchFilter {
                    countries: vec!["XX".to_string()],
                    ..v1::SearchFilter::default()
                }),
                ..base.clone()
            }),
            "filter.countries[0]"
        );
        assert_eq!(
            field_of(v1::MatchingCoreSearchRequest {
                expand_via_partners: true,
                ..base
            }),
            "purpose"
        );
    }

    #[test]
    fn defaults_and_countries() {
        let accepted = plan(v1::MatchingCoreSearchRequest {
            queries: vec![query("ABC12345D404")],
            filter: Some(v1::SearchFilter {
                countries: vec!["nl".to_string()],
                ..v1::SearchFilter::default()
            }),
            ..v1::MatchingCoreSearchRequest::default()
        })
        .unwrap();
        assert_eq!(accepted.top_k, DEFAULT_TOP_K);
        assert_eq!(accepted.countries, vec!["NL".to_string()]);
        assert_eq!(accepted.deadline, None);
        assert_eq!(accepted.node_request.top_k, 10);
    }
}
