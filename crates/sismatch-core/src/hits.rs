//! Hit reports through the core: a report routed to the node that issued the alert, and Prüm's
//! second step, the alert's restricted part fetched for the officer whose report that node
//! accepted (DESIGN §4).
//!
//! Both are routed by the alert id's country prefix (a hit id, `HIT-<alert id>-<n>`, carries
//! its alert id) and, among the shards of a country, to the one that holds the alert: a shard
//! that answers NOT_FOUND passes the request on to the next. The core forwards the caller, so
//! the node knows which officer reports and which one asks; the node decides what is released,
//! the core decides nothing about it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sismatch_alert::is_alert_id;
use sismatch_auth::Caller;
use sismatch_proto::v1;
use tracing::{info, instrument};

use crate::error::{CoreError, Result};
use crate::federation::{Core, REPORT_DEADLINE, forwarded, within_caller_deadline};
use crate::link::CallError;
use crate::member::Member;

/// The alert id inside hit id `hit_id` (`HIT-<alert id>-<n>`).
fn alert_of_hit(hit_id: &str) -> Option<&str> {
    let rest = hit_id.strip_prefix("HIT-")?;
    let (alert_id, number) = rest.rsplit_once('-')?;
    number.parse::<u64>().ok()?;
    Some(alert_id)
}

impl Core {
    /// Routes a hit report to the node that issued the alert (by the id's country prefix;
    /// among shards, the one that holds it), which records it and confirms the hit.
    #[instrument(name = "report_hit", skip_all)]
    pub async fn report_hit(
        &self,
        request: v1::MatchingCoreReportHitRequest,
        caller_deadline: Option<Duration>,
        caller: &Caller,
    ) -> Result<v1::MatchingCoreReportHitResponse> {
        let Some(hit) = request.hit else {
            return Err(CoreError::invalid("hit", "missing"));
        };
        if !is_alert_id(&hit.alert_id) {
            return Err(CoreError::invalid(
                "hit.alert_id",
                format!("'{}' is not an alert id (CC-...)", hit.alert_id),
            ));
        }
        let deadline = caller_deadline.map_or(REPORT_DEADLINE, within_caller_deadline);
        let on_behalf_of = forwarded(caller);
        let (answer, node) = self
            .route(&hit.alert_id, "hit.alert_id", "the hit report", |member| {
                let routed = v1::NationalNodeReportHitRequest {
                    hit: Some(hit.clone()),
                };
                let on_behalf_of = on_behalf_of.clone();
                async move {
                    let reported = member.report_hit(routed, deadline, on_behalf_of.as_ref());
                    reported.await
                }
            })
            .await?;
        info!(%node, alert = %hit.alert_id, "hit report recorded");
        Ok(v1::MatchingCoreReportHitResponse {
            hit: answer.hit,
            alert: answer.alert,
            node,
        })
    }

    /// Fetches, from the node that issued the alert, the alert of hit report `hit_id` with its
    /// restricted part, on behalf of `caller`: the node answers only the officer who reported
    /// the hit, once it has accepted the report (and its own country's police).
    #[instrument(name = "get_released_alert", skip_all)]
    pub async fn get_released_alert(
        &self,
        request: v1::MatchingCoreGetReleasedAlertRequest,
        caller_deadline: Option<Duration>,
        caller: &Caller,
    ) -> Result<v1::MatchingCoreGetReleasedAlertResponse> {
        let hit_id = request.hit_id;
        let Some(alert_id) = alert_of_hit(&hit_id).filter(|id| is_alert_id(id)) else {
            return Err(CoreError::invalid(
                "hit_id",
                format!("'{hit_id}' is not a hit id (HIT-CC-...-N)"),
            ));
        };
        let deadline = caller_deadline.map_or(REPORT_DEADLINE, within_caller_deadline);
        let on_behalf_of = forwarded(caller);
        let (answer, node) = self
            .route(alert_id, "hit_id", "the request", |member| {
                let routed = v1::NationalNodeGetReleasedAlertRequest {
                    hit_id: hit_id.clone(),
                };
                let on_behalf_of = on_behalf_of.clone();
                async move {
                    let fetched =
                        member.get_released_alert(routed, deadline, on_behalf_of.as_ref());
                    fetched.await
                }
            })
            .await?;
        info!(%node, hit = %hit_id, "released alert fetched");
        Ok(v1::MatchingCoreGetReleasedAlertResponse {
            hit: answer.hit,
            alert: answer.alert,
            node,
        })
    }

    /// Calls the nodes of the country that issued `alert_id` in turn with `call` until one
    /// answers other than NOT_FOUND, and returns its answer and name. `field` names the request
    /// field that carries the id in an INVALID_ARGUMENT (no node of that country); `what` names
    /// the request in an UNAVAILABLE.
    async fn route<T, F, Fut>(
        &self,
        alert_id: &str,
        field: &str,
        what: &str,
        mut call: F,
    ) -> Result<(T, String)>
    where
        F: FnMut(Arc<Member>) -> Fut,
        Fut: Future<Output = std::result::Result<T, CallError>>,
    {
        let country = alert_id.split('-').next().unwrap_or_default();
        let issuing: Vec<&Arc<Member>> = self
            .members
            .iter()
            .filter(|m| m.country() == country)
            .collect();
        if issuing.is_empty() {
            return Err(CoreError::invalid(
                field,
                format!("no node of {country} in this federation"),
            ));
        }
        let mut problems = Vec::new();
        for member in issuing {
            let name = member.name().to_string();
            match call(Arc::clone(member)).await {
                Ok(answer) => return Ok((answer, name)),
                Err(CallError::Failed(status)) if status.code() == tonic::Code::NotFound => {
                    problems.push((name, status));
                }
                Err(CallError::Failed(status)) => {
                    return Err(CoreError::Node { node: name, status });
                }
                Err(other) => {
                    return Err(CoreError::Unavailable(format!(
                        "node {name} cannot take {what} now: {}",
                        other.message()
                    )));
                }
            }
        }
        match problems.pop() {
            Some((node, status)) => Err(CoreError::Node { node, status }),
            None => Err(CoreError::Unavailable(format!(
                "no node of {country} took {what}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_id_carries_its_alert_id() {
        assert_eq!(alert_of_hit("HIT-NL-01J-AB-7"), Some("NL-01J-AB"));
        assert_eq!(alert_of_hit("HIT-NL-1-12"), Some("NL-1"));
        for bad in ["", "HIT-", "HIT-NL-1-x", "NL-1-7"] {
            assert_eq!(alert_of_hit(bad), None, "{bad}");
        }
    }
}
