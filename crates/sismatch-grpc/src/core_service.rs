//! The `MatchingCore` gRPC service: delegate to [`sismatch_core::Core`] with the caller's
//! deadline, map the error.

use std::sync::Arc;
use std::time::Duration;

use sismatch_core::Core;
use sismatch_proto::v1::{self, matching_core_server::MatchingCore};
use tonic::metadata::MetadataMap;
use tonic::{Request, Response, Status};

use crate::status::core as core_status;

/// The tonic service of the matching core.
#[derive(Clone)]
pub struct CoreService {
    core: Arc<Core>,
}

impl CoreService {
    /// Serves `core`.
    pub fn new(core: Arc<Core>) -> Self {
        CoreService { core }
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

#[tonic::async_trait]
impl MatchingCore for CoreService {
    async fn search(
        &self,
        request: Request<v1::MatchingCoreSearchRequest>,
    ) -> Result<Response<v1::MatchingCoreSearchResponse>, Status> {
        let deadline = caller_deadline(request.metadata());
        let answer = self.core.search(request.into_inner(), deadline).await;
        answer.map(Response::new).map_err(core_status)
    }

    async fn check(
        &self,
        request: Request<v1::CheckRequest>,
    ) -> Result<Response<v1::CheckResponse>, Status> {
        let deadline = caller_deadline(request.metadata());
        let answer = self.core.check(request.into_inner(), deadline).await;
        answer.map(Response::new).map_err(core_status)
    }

    async fn report_hit(
        &self,
        request: Request<v1::MatchingCoreReportHitRequest>,
    ) -> Result<Response<v1::MatchingCoreReportHitResponse>, Status> {
        let deadline = caller_deadline(request.metadata());
        let answer = self.core.report_hit(request.into_inner(), deadline).await;
        answer.map(Response::new).map_err(core_status)
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
