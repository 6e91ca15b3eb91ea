//! The `MatchingCore` gRPC service: each handler is one audited call ([`Auditor::call`]) that
//! delegates to [`sismatch_core::Core`] with the caller's deadline and maps the error.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sismatch_auth::redact::Redact;
use sismatch_auth::{Caller, Directory, rpc};
use sismatch_core::{Checked, Core};
use sismatch_proto::v1::{self, matching_core_server::MatchingCore};
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status};

use crate::audit::{Answered, Auditor, Entry};
use crate::call::{Asked, Recorded, Reply, recorded};
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

/// The answer, with what `caller` may not see removed.
fn redacted<T: Redact>(caller: &Caller, mut answer: T) -> T {
    answer.redact(caller);
    answer
}

#[tonic::async_trait]
impl MatchingCore for CoreService {
    async fn search(
        &self,
        request: Request<v1::MatchingCoreSearchRequest>,
    ) -> Result<Response<v1::MatchingCoreSearchResponse>, Status> {
        let call = |caller, request: Request<v1::MatchingCoreSearchRequest>| async move {
            let deadline = caller_deadline(request.metadata());
            let answer = self.core.search(request.into_inner(), deadline, &caller);
            Ok(redacted(&caller, answer.await.map_err(core_status)?))
        };
        let rpc = rpc::core::SEARCH;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn check(
        &self,
        request: Request<v1::CheckRequest>,
    ) -> Result<Response<v1::CheckResponse>, Status> {
        let call = |caller, request: Request<v1::CheckRequest>| async move {
            let deadline = caller_deadline(request.metadata());
            let checked = self.core.check(request.into_inner(), deadline, &caller);
            checked.await.map_err(core_status)
        };
        let rpc = rpc::core::CHECK;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn report_hit(
        &self,
        request: Request<v1::MatchingCoreReportHitRequest>,
    ) -> Result<Response<v1::MatchingCoreReportHitResponse>, Status> {
        let call = |caller, request: Request<v1::MatchingCoreReportHitRequest>| async move {
            let deadline = caller_deadline(request.metadata());
            let answer = self
                .core
                .report_hit(request.into_inner(), deadline, &caller);
            Ok(redacted(&caller, answer.await.map_err(core_status)?))
        };
        let rpc = rpc::core::REPORT_HIT;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn get_released_alert(
        &self,
        request: Request<v1::MatchingCoreGetReleasedAlertRequest>,
    ) -> Result<Response<v1::MatchingCoreGetReleasedAlertResponse>, Status> {
        let call = |caller, request: Request<v1::MatchingCoreGetReleasedAlertRequest>| async move {
            let deadline = caller_deadline(request.metadata());
            let answer = self
                .core
                .get_released_alert(request.into_inner(), deadline, &caller);
            Ok(redacted(&caller, answer.await.map_err(core_status)?))
        };
        let rpc = rpc::core::GET_RELEASED_ALERT;
        self.auditor.call(&self.directory, rpc, request, call).await
    }
}

impl Asked for v1::MatchingCoreSearchRequest {
    fn asked(&self, entry: &mut Entry) {
        entry.asked(values(&self.queries));
        entry.purpose(self.purpose, &self.case_reference);
    }
}

impl Asked for v1::CheckRequest {
    fn asked(&self, entry: &mut Entry) {
        entry.asked(values(&self.identifiers));
    }
}

/// The alert is named by the answer's hit.
impl Asked for v1::MatchingCoreReportHitRequest {}

/// The hit report asked about is recorded before the call, so that a refusal names it.
impl Asked for v1::MatchingCoreGetReleasedAlertRequest {
    fn asked(&self, entry: &mut Entry) {
        entry.about_hit(&self.hit_id);
    }
}

impl Recorded for v1::MatchingCoreSearchResponse {
    fn answered(&self) -> Answered {
        Answered {
            reference: self.reference.clone(),
            ..Answered::matches(&self.matches)
        }
    }
}

/// A dealer's check is recorded with the alerts it matched, which the dealer never sees.
impl Reply for Checked {
    type Message = v1::CheckResponse;

    fn record(
        self,
        entry: Entry,
    ) -> impl Future<Output = Result<v1::CheckResponse, Status>> + Send {
        entry.finish(Ok(Answered {
            hit: self.answer.outcome == i32::from(v1::CheckOutcome::Hit),
            reference: self.answer.reference.clone(),
            alert_ids: self.alert_ids,
        }));
        std::future::ready(Ok(self.answer))
    }
}

recorded!(|answer| Answered::hit_report(answer.hit.as_ref()) => v1::MatchingCoreReportHitResponse);
recorded!(|answer| Answered::about_hit(answer.hit.as_ref()) => v1::MatchingCoreGetReleasedAlertResponse);

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
