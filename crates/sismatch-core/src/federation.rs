//! The core's operations: federated search and dealer check (hit routing is `hits.rs`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use sismatch_auth::{Caller, Role, Transport, encode_on_behalf_of};
use sismatch_ident::is_country_code;
use sismatch_proto::v1;
use sismatch_proto::wire::duration;
use tonic::metadata::{Ascii, MetadataValue};
use tracing::{Span, debug, info, instrument};

use crate::config::CoreConfig;
use crate::error::{CoreError, Result};
use crate::fanout::{Reply, search_all};
use crate::member::Member;
use crate::merge::{NodeAnswer, groups, merge};
use crate::partners::{PartnerMember, expand as expand_via, mark};
use crate::quota::Quotas;
use crate::reported::already_reported;
use crate::request::{MAX_QUERIES, SearchPlan, check_queries, plan};

/// Identifier values per dealer check (proto: 1 to 16).
const MAX_CHECK_VALUES: usize = 16;
/// Lowest score that makes a dealer check a hit: stricter than a police search, because a
/// dealer acts on a bare hit / no-hit without seeing why (one edit or a few look-alikes on a
/// long number still hit; two edits do not).
pub const CHECK_THRESHOLD: f64 = 0.75;
/// How long a hit report (or a released alert) may take when the caller sets no deadline.
pub(crate) const REPORT_DEADLINE: Duration = Duration::from_secs(5);
/// The least time kept back from the caller's own deadline to merge, audit and answer.
const MIN_ANSWER_MARGIN: Duration = Duration::from_millis(20);

/// How long the nodes may take within the caller's own deadline `caller`: a tenth of it (at
/// least [`MIN_ANSWER_MARGIN`]) is kept back to merge, audit and send the answer, so that a
/// busy core still answers before the caller's deadline instead of failing with CANCELLED.
pub(crate) fn within_caller_deadline(caller: Duration) -> Duration {
    caller.saturating_sub((caller / 10).max(MIN_ANSWER_MARGIN))
}

/// A dealer check's answer, and what only the audit log may know: the alerts it hit, so that
/// the police can follow the reference the dealer quotes.
#[derive(Debug)]
pub struct Checked {
    /// What the dealer gets: outcome, reference, time.
    pub answer: v1::CheckResponse,
    /// The alerts that matched (never sent to the dealer).
    pub alert_ids: Vec<String>,
}

/// The matching core of one federation.
pub struct Core {
    pub(crate) members: Vec<Arc<Member>>,
    partners: Vec<Arc<PartnerMember>>,
    default_deadline: Duration,
    quotas: Quotas,
}

/// The metadata naming `caller` to the nodes, so that police get their own country's
/// restricted data through the core. None for the open caller: a core that authenticates
/// nobody vouches for nobody.
pub(crate) fn forwarded(caller: &Caller) -> Option<MetadataValue<Ascii>> {
    if caller.transport == Transport::Open {
        return None;
    }
    encode_on_behalf_of(caller).parse().ok()
}

/// A new reference for an answer, to quote to the police or find in the logs.
fn reference(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new())
}

impl Core {
    /// A core over the configured nodes. Refuses a configuration without nodes, with a
    /// country that is not an ISO code, or with two nodes of one name.
    pub fn new(config: CoreConfig) -> Result<Core> {
        if config.members.is_empty() {
            return Err(CoreError::invalid("nodes", "no national node configured"));
        }
        let mut members: Vec<Arc<Member>> = Vec::with_capacity(config.members.len());
        for member in config.members {
            if !is_country_code(&member.country) {
                return Err(CoreError::invalid(
                    format!("nodes.{}.country", member.name),
                    format!("'{}' is not an ISO 3166-1 alpha-2 code", member.country),
                ));
            }
            if members.iter().any(|m| m.name() == member.name) {
                return Err(CoreError::invalid(
                    format!("nodes.{}", member.name),
                    "two nodes with this name",
                ));
            }
            members.push(Member::new(
                member,
                config.connect_timeout,
                config.max_backoff,
                config.tls.as_ref(),
            )?);
        }
        let mut partners = Vec::with_capacity(config.partners.len());
        for partner in config.partners {
            partners.push(PartnerMember::new(
                partner,
                config.connect_timeout,
                config.max_backoff,
                config.tls.as_ref(),
            )?);
        }
        Ok(Core {
            members,
            partners,
            default_deadline: config.default_deadline,
            quotas: Quotas::new(config.dealer_checks_per_minute),
        })
    }

    /// The federation's nodes, in configuration order.
    pub fn members(&self) -> &[Arc<Member>] {
        &self.members
    }

    /// The fan-out deadline: the request's own or the default, cut to what the caller's gRPC
    /// deadline leaves after answering.
    fn deadline(&self, requested: Option<Duration>, caller: Option<Duration>) -> Duration {
        let wanted = requested.unwrap_or(self.default_deadline);
        match caller {
            Some(caller) => wanted.min(within_caller_deadline(caller)),
            None => wanted,
        }
    }

    fn select(&self, countries: &[String]) -> Result<Vec<(usize, Arc<Member>)>> {
        for (i, country) in countries.iter().enumerate() {
            if !self.members.iter().any(|m| m.country() == country) {
                return Err(CoreError::invalid(
                    format!("filter.countries[{i}]"),
                    format!("no node of {country} in this federation"),
                ));
            }
        }
        Ok(self
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| countries.is_empty() || countries.iter().any(|c| c == m.country()))
            .map(|(i, m)| (i, Arc::clone(m)))
            .collect())
    }

    /// Federated search: asks the selected nodes in parallel, merges their matches, groups the
    /// same object reported by several countries, and says per node what happened. Answers by
    /// the deadline whatever the nodes do. `caller_deadline` is the caller's own gRPC deadline.
    #[instrument(name = "federated_search", skip_all, fields(reference = tracing::field::Empty))]
    pub async fn search(
        &self,
        request: v1::MatchingCoreSearchRequest,
        caller_deadline: Option<Duration>,
        caller: &Caller,
    ) -> Result<v1::MatchingCoreSearchResponse> {
        let started = Instant::now();
        let reference = reference("S");
        Span::current().record("reference", reference.as_str());
        let SearchPlan {
            mut node_request,
            countries,
            top_k,
            deadline,
            expand,
        } = plan(request)?;
        let members = self.select(&countries)?;
        let deadline = self.deadline(deadline, caller_deadline);
        let original = u32::try_from(node_request.queries.len()).unwrap_or(u32::MAX);
        let mut expansions = Vec::new();
        let mut partner_statuses = Vec::new();
        if expand {
            if self.partners.is_empty() {
                return Err(CoreError::FailedPrecondition(
                    "expand_via_partners: this core has no manufacturer partners configured"
                        .to_string(),
                ));
            }
            // The partners get half the deadline: the nodes must still be asked after them.
            let expanded = expand_via(
                &self.partners,
                &node_request.queries,
                node_request.purpose,
                &node_request.case_reference,
                forwarded(caller),
                deadline / 2,
            )
            .await;
            for expansion in &expanded.expansions {
                if node_request.queries.len() >= MAX_QUERIES {
                    break;
                }
                let linked = expansion.link.linked.clone().unwrap_or_default();
                node_request.queries.push(v1::IdentifierQuery {
                    value: linked.value,
                    kind: linked.kind,
                    manufacturer: linked.manufacturer,
                });
                expansions.push(expansion.clone());
            }
            partner_statuses = expanded.statuses;
        }
        let remaining = deadline.saturating_sub(started.elapsed());
        let replies = search_all(members, &node_request, remaining, forwarded(caller)).await;
        let (mut answers, nodes) = collect(replies);
        for answer in &mut answers {
            for found in &mut answer.matches {
                mark(found, original, &expansions);
            }
        }
        let matches = merge(answers, top_k);
        let found_groups = groups(&matches);
        let reported = already_reported(&matches);
        let partial = nodes
            .iter()
            .chain(&partner_statuses)
            .any(|n| n.outcome != i32::from(v1::NodeOutcome::Ok));
        debug!(
            matches = matches.len(),
            groups = found_groups.len(),
            partial,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "federated search answered"
        );
        Ok(v1::MatchingCoreSearchResponse {
            matches,
            groups: found_groups,
            already_reported: reported,
            nodes,
            partners: partner_statuses,
            partial,
            elapsed: Some(duration(started.elapsed())),
            reference,
        })
    }

    /// Dealer check: hit / no-hit over every node with the stricter [`CHECK_THRESHOLD`], and a
    /// reference; nothing about the alerts leaves the core.
    #[instrument(name = "dealer_check", skip_all, fields(reference = tracing::field::Empty))]
    pub async fn check(
        &self,
        request: v1::CheckRequest,
        caller_deadline: Option<Duration>,
        caller: &Caller,
    ) -> Result<Checked> {
        let reference = reference("C");
        Span::current().record("reference", reference.as_str());
        if caller.role == Role::Dealer && !self.quotas.admit(&caller.name, Instant::now()) {
            return Err(CoreError::QuotaExceeded(format!(
                "{} has used its checks for this minute; try again later",
                caller.name
            )));
        }
        if request.identifiers.is_empty() {
            return Err(CoreError::invalid("identifiers", "give at least one value"));
        }
        check_queries("identifiers", &request.identifiers, MAX_CHECK_VALUES)?;
        if v1::ObjectCategory::try_from(request.category).is_err() {
            return Err(CoreError::invalid(
                "category",
                format!("unknown category {}", request.category),
            ));
        }
        let categories = if request.category == 0 {
            Vec::new()
        } else {
            vec![request.category]
        };
        let node_request = v1::NationalNodeSearchRequest {
            queries: request.identifiers,
            filter: Some(v1::SearchFilter {
                categories,
                ..v1::SearchFilter::default()
            }),
            top_k: 1,
            min_score: CHECK_THRESHOLD,
            ..v1::NationalNodeSearchRequest::default()
        };
        let members = self.select(&[])?;
        let deadline = self.deadline(None, caller_deadline);
        let replies = search_all(members, &node_request, deadline, None).await;
        let (answers, nodes) = collect(replies);
        let hits: Vec<String> = merge(answers, MAX_CHECK_VALUES)
            .iter()
            .filter_map(|m| m.alert.as_ref().map(|a| a.id.clone()))
            .collect();
        let complete = nodes
            .iter()
            .all(|n| n.outcome == i32::from(v1::NodeOutcome::Ok));
        let outcome = match (hits.is_empty(), complete) {
            (false, _) => v1::CheckOutcome::Hit,
            (true, true) => v1::CheckOutcome::NoHit,
            (true, false) => v1::CheckOutcome::Incomplete,
        };
        let mut countries_checked: Vec<String> = nodes
            .iter()
            .filter(|n| n.outcome == i32::from(v1::NodeOutcome::Ok))
            .map(|n| n.country.clone())
            .collect();
        countries_checked.sort();
        countries_checked.dedup();
        info!(outcome = outcome.as_str_name(), alerts = ?hits, "dealer check answered");
        let now = Timestamp::now();
        Ok(Checked {
            answer: v1::CheckResponse {
                outcome: outcome.into(),
                reference,
                checked_at: Some(prost_types::Timestamp {
                    seconds: now.as_second(),
                    nanos: now.subsec_nanosecond(),
                }),
                countries_checked,
            },
            alert_ids: hits,
        })
    }
}

/// Splits replies into the answers to merge and the status line of every node.
fn collect(replies: Vec<Reply>) -> (Vec<NodeAnswer>, Vec<v1::NodeStatus>) {
    let mut answers = Vec::with_capacity(replies.len());
    let mut nodes = Vec::with_capacity(replies.len());
    for reply in replies {
        let mut status = v1::NodeStatus {
            node: reply.member.name().to_string(),
            country: reply.member.country().to_string(),
            address: reply.member.address().to_string(),
            elapsed: Some(duration(reply.elapsed)),
            ..v1::NodeStatus::default()
        };
        match reply.outcome {
            Ok(answer) => {
                status.outcome = v1::NodeOutcome::Ok.into();
                status.results = u32::try_from(answer.matches.len()).unwrap_or(u32::MAX);
                answers.push(NodeAnswer {
                    node: reply.member.name().to_string(),
                    matches: answer.matches,
                });
            }
            Err(problem) => {
                status.outcome = problem.outcome().into();
                status.message = problem.message();
            }
        }
        nodes.push(status);
    }
    (answers, nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenth_of_the_callers_deadline_is_kept_to_answer() {
        let ms = Duration::from_millis;
        assert_eq!(within_caller_deadline(ms(1500)), ms(1350));
        assert_eq!(within_caller_deadline(ms(500)), ms(450));
        assert_eq!(within_caller_deadline(ms(100)), ms(80), "at least 20 ms");
        assert_eq!(within_caller_deadline(ms(10)), ms(0));
    }
}
