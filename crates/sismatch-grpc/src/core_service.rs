//! The `MatchingCore` gRPC service: delegate to [`sismatch_core::Core`] with the caller's
//! deadline, map the error.

use std::sync::Arc;
use std::time::Duration;

use sismatch_auth::redact::Redact;
use sismatch_auth::{Directory, rpc};
use sismatch_core::Core;
use sismatch_proto::v1::{self, matching_core_server::MatchingCore};
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status};

use crate::audit::{Answered, Auditor};
use crate::status::core as core_status;

/// The tonic service of the matching core.
#[derive(Clone)]
pub struct CoreService {
    core: Arc<Core>,
    directory: Arc<Directory>,
    auditor: Auditor,
}

impl CoreService {
    /// Serves `core` in open mode (no authentication): local use and tests.
    pub fn new(core: Arc<Core>) -> Self {
        CoreService::with_directory(core, Arc::new(Directory::open()))
    }

    /// Serves `core` to the callers `directory` knows, as its policy allows.
    pub fn with_directory(core: Arc<Core>, directory: Arc<Directory>) -> Self {
        CoreService {
            core,
            directory,
            auditor: Auditor::default(),
        }
    }

    /// Records every request in `auditor`'s log.
    pub fn with_audit(mut self, auditor: Auditor) -> Self {
        self.auditor = auditor;
        self
    }
}

/// The caller's own deadline, from the `grpc-timeout` header (`500m`, `2S`): the fan-out must
/// never outlive it. None when the caller set none or the header is malformed.
pub fn caller_deadline(metadata: &MetadataMap) -> Option<Duration> {
    let header = metadata.get("grpc-timeout")?.to_str().ok()?;
    let split = header.len().checked_sub(1)?;
    let (amount, unit) = header.split_at(split);
    let amount: u64 = amount.parse().ok()?;
    let deadline = match unit {
        "H" => Duration::from_secs(amount.saturating_mul(3600)),
        "M" => Duration::from_secs(amount.saturating_mul(60)),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    };
    Some(deadline)
}

/// The values of identifier queries, for the audit record.
fn values(queries: &[v1::IdentifierQuery]) -> Vec<String> {
    queries.iter().map(|q| q.value.clone()).collect()
}

/// The ids of the alerts of matches, for the audit record.
fn alert_ids(matches: &[v1::Match]) -> Vec<String> {
    matches
        .iter()
        .filter_map(|m| m.alert.as_ref().map(|a| a.id.clone()))
        .collect()
}

#[tonic::async_trait]
impl MatchingCore for CoreService {
    async fn search(
        &self,
        request: Request<v1::MatchingCoreSearchRequest>,
    ) -> Result<Response<v1::MatchingCoreSearchResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::core::SEARCH);
        let caller = audit.authorize(&self.directory, &request)?;
        let deadline = caller_deadline(request.metadata());
        let request = request.into_inner();
        audit.asked(values(&request.queries));
        audit.purpose(request.purpose, &request.case_reference);
        let answer = self.core.search(request, deadline, &caller).await;
        let mut answer = match answer {
            Ok(answer) => answer,
            Err(error) => return Err(audit.failed(core_status(error))),
        };
        answer.redact(&caller);
        audit.finish(Ok(Answered {
            alert_ids: alert_ids(&answer.matches),
            hit: !answer.matches.is_empty(),
            reference: answer.reference.clone(),
        }));
        Ok(Response::new(answer))
    }

    async fn check(
        &self,
        request: Request<v1::CheckRequest>,
    ) -> Result<Response<v1::CheckResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::core::CHECK);
        let caller = audit.authorize(&self.directory, &request)?;
        let deadline = caller_deadline(request.metadata());
        let request = request.into_inner();
        audit.asked(values(&request.identifiers));
        match self.core.check(request, deadline, &caller).await {
            Ok(checked) => {
                audit.finish(Ok(Answered {
                    alert_ids: checked.alert_ids,
                    hit: checked.answer.outcome == i32::from(v1::CheckOutcome::Hit),
                    reference: checked.answer.reference.clone(),
                }));
                Ok(Response::new(checked.answer))
            }
            Err(error) => Err(audit.failed(core_status(error))),
        }
    }

    async fn report_hit(
        &self,
        request: Request<v1::MatchingCoreReportHitRequest>,
    ) -> Result<Response<v1::MatchingCoreReportHitResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::core::REPORT_HIT);
        let caller = audit.authorize(&self.directory, &request)?;
        let deadline = caller_deadline(request.metadata());
        let request = request.into_inner();
        let alert_id = request.hit.as_ref().map(|h| h.alert_id.clone());
        match self.core.report_hit(request, deadline, &caller).await {
            Ok(mut answer) => {
                answer.redact(&caller);
                audit.finish(Ok(Answered {
                    alert_ids: alert_id.into_iter().collect(),
                    hit: true,
                    reference: answer
                        .hit
                        .as_ref()
                        .map(|h| h.id.clone())
                        .unwrap_or_default(),
                }));
                Ok(Response::new(answer))
            }
            Err(error) => Err(audit.failed(core_status(error))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_timeout(value: &str) -> MetadataMap {
        let mut metadata = MetadataMap::new();
        metadata.insert("grpc-timeout", value.parse().unwrap());
        metadata
    }

    #[test]
    fn reads_the_grpc_timeout_header() {
        assert_eq!(
            caller_deadline(&with_timeout("250m")),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            caller_deadline(&with_timeout("2S")),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            caller_deadline(&with_timeout("1500000u")),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(caller_deadline(&with_timeout("12x")), None);
        assert_eq!(caller_deadline(&with_timeout("m")), None);
        assert_eq!(caller_deadline(&MetadataMap::new()), None);
    }
}
