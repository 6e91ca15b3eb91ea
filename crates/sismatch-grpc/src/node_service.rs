//! The `NationalNode` gRPC service: each handler is one audited call ([`Auditor::call`]) that
//! converts the request (`convert.rs`, `node_convert.rs`), calls [`sismatch_node::Node`] and
//! converts the answer back, with what the caller may not see removed.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sismatch_alert::HitDecision;
use sismatch_auth::redact::Redact;
use sismatch_auth::release::{check_release, check_reporting_country};
use sismatch_auth::{Caller, Directory, rpc};
use sismatch_node::{ExpiringQuery, Extension, HitQuery, Import, Node};
use sismatch_proto::v1::{self, national_node_server::NationalNode};
use sismatch_proto::wire::duration;
use tokio_stream::{Stream, StreamExt, wrappers::ReceiverStream};
use tonic::{Request, Response, Status, Streaming};
use tracing::{Instrument, info_span, warn};

use crate::audit::{Answered, Auditor, Entry};
use crate::call::{Asked, Recorded, recorded};
use crate::convert::{
    alert_in, alert_out, hit_in, hit_out, hit_state_in, status_in, time_in, version_out,
};
use crate::node_convert::{
    batch_out, items_in, match_out, non_blank, put_out, required, search_in, searchable_wait,
    status_out, version_in,
};
use crate::status::{auth as auth_status, invalid, node as node_status};

/// The tonic service of one national node.
#[derive(Clone)]
pub struct NodeService {
    node: Arc<Node>,
    directory: Arc<Directory>,
    auditor: Auditor,
}

impl NodeService {
    /// Serves `node` in open mode (no authentication): local use and tests.
    pub fn new(node: Arc<Node>) -> Self {
        NodeService::with_directory(node, Arc::new(Directory::open()))
    }

    /// Serves `node` to the callers `directory` knows, as its policy allows.
    pub fn with_directory(node: Arc<Node>, directory: Arc<Directory>) -> Self {
        NodeService {
            node,
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

/// The answer, with what `caller` may not see removed: the only way alerts leave the node.
fn redacted<T: Redact>(caller: &Caller, mut answer: T) -> T {
    answer.redact(caller);
    answer
}

type ImportStream = Pin<Box<dyn Stream<Item = Result<v1::ImportAlertsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl NationalNode for NodeService {
    async fn put_alert(
        &self,
        request: Request<v1::PutAlertRequest>,
    ) -> Result<Response<v1::PutAlertResponse>, Status> {
        let call = |caller: Caller, request: Request<v1::PutAlertRequest>| async move {
            let request = request.into_inner();
            let alert = alert_in(required(request.alert, "alert")?).map_err(|e| invalid(&e))?;
            let reason = non_blank(request.reason);
            let expected = version_in(request.expected_version);
            let wait = searchable_wait(request.searchable_wait_ms);
            let by = caller.name.clone();
            let outcome = self
                .node
                .put_alert_waiting(alert, reason, expected, by, wait)
                .await;
            Ok(redacted(&caller, put_out(outcome.map_err(node_status)?)))
        };
        let rpc = rpc::node::PUT_ALERT;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn get_alert(
        &self,
        request: Request<v1::GetAlertRequest>,
    ) -> Result<Response<v1::GetAlertResponse>, Status> {
        let call = |caller, request: Request<v1::GetAlertRequest>| async move {
            let request = request.into_inner();
            let version = version_in(request.version);
            let alert = self.node.get_alert_at(request.id, version).await;
            let alert = Some(alert_out(alert.map_err(node_status)?));
            Ok(redacted(&caller, v1::GetAlertResponse { alert }))
        };
        let rpc = rpc::node::GET_ALERT;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn withdraw_alert(
        &self,
        request: Request<v1::WithdrawAlertRequest>,
    ) -> Result<Response<v1::WithdrawAlertResponse>, Status> {
        let call = |caller: Caller, request: Request<v1::WithdrawAlertRequest>| async move {
            let request = request.into_inner();
            let reason = non_blank(request.reason);
            let expected = version_in(request.expected_version);
            let by = caller.name.clone();
            let alert = self.node.withdraw(request.id, reason, expected, by).await;
            let alert = Some(alert_out(alert.map_err(node_status)?));
            Ok(redacted(&caller, v1::WithdrawAlertResponse { alert }))
        };
        let rpc = rpc::node::WITHDRAW_ALERT;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn set_alert_status(
        &self,
        request: Request<v1::SetAlertStatusRequest>,
    ) -> Result<Response<v1::SetAlertStatusResponse>, Status> {
        let call = |caller: Caller, request: Request<v1::SetAlertStatusRequest>| async move {
            let request = request.into_inner();
            let status = status_in("status", request.status).map_err(|e| invalid(&e))?;
            let status = required(status, "status")?;
            let reason = non_blank(request.reason);
            let expected = version_in(request.expected_version);
            let alert = self
                .node
                .set_status(request.id, status, reason, expected, caller.name.clone())
                .await;
            let alert = Some(alert_out(alert.map_err(node_status)?));
            Ok(redacted(&caller, v1::SetAlertStatusResponse { alert }))
        };
        let rpc = rpc::node::SET_ALERT_STATUS;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn get_alert_history(
        &self,
        request: Request<v1::GetAlertHistoryRequest>,
    ) -> Result<Response<v1::GetAlertHistoryResponse>, Status> {
        let call = |caller, request: Request<v1::GetAlertHistoryRequest>| async move {
            let versions = self.node.history(request.into_inner().id).await;
            let versions = versions.map_err(node_status)?.into_iter().map(version_out);
            let answer = v1::GetAlertHistoryResponse {
                versions: versions.collect(),
            };
            Ok(redacted(&caller, answer))
        };
        let rpc = rpc::node::GET_ALERT_HISTORY;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    type ImportAlertsStream = ImportStream;

    async fn import_alerts(
        &self,
        request: Request<Streaming<v1::ImportAlertsRequest>>,
    ) -> Result<Response<Self::ImportAlertsStream>, Status> {
        let call = |caller: Caller, request: Request<Streaming<v1::ImportAlertsRequest>>| async move {
            let mut batches = request.into_inner();
            let mut import = Import::new(Arc::clone(&self.node), caller.name);
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            let acknowledge = async move {
                while let Some(batch) = batches.next().await {
                    let batch = match batch {
                        Ok(batch) => batch,
                        Err(status) => {
                            // A batch that does not decode (or is too large) ends the import
                            // with tonic's status, the caller's to read.
                            warn!(%status, "import stream broke");
                            let _ = tx.send(Err(status)).await;
                            break;
                        }
                    };
                    let reply = import.batch(items_in(batch)).await;
                    let reply = reply.map(batch_out).map_err(node_status);
                    let failed = reply.is_err();
                    if tx.send(reply).await.is_err() || failed {
                        break;
                    }
                }
            };
            tokio::spawn(acknowledge.instrument(info_span!("import")));
            let stream: ImportStream = Box::pin(ReceiverStream::new(rx));
            Ok(stream)
        };
        let rpc = rpc::node::IMPORT_ALERTS;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn search(
        &self,
        request: Request<v1::NationalNodeSearchRequest>,
    ) -> Result<Response<v1::NationalNodeSearchResponse>, Status> {
        let call = |caller, request: Request<v1::NationalNodeSearchRequest>| async move {
            let started = Instant::now();
            let search = search_in(request.into_inner())?;
            let result = self.node.search(search).await.map_err(node_status)?;
            let country = self.node.country().to_string();
            Ok(redacted(
                &caller,
                v1::NationalNodeSearchResponse {
                    matches: result
                        .matches
                        .into_iter()
                        .map(|m| match_out(&country, m))
                        .collect(),
                    truncated: result.truncated,
                    index_sequence: result.index_sequence,
                    elapsed: Some(duration(started.elapsed())),
                },
            ))
        };
        let rpc = rpc::node::SEARCH;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn report_hit(
        &self,
        request: Request<v1::NationalNodeReportHitRequest>,
    ) -> Result<Response<v1::NationalNodeReportHitResponse>, Status> {
        let call = |caller: Caller, request: Request<v1::NationalNodeReportHitRequest>| async move {
            let hit = required(request.into_inner().hit, "hit")?;
            check_reporting_country(&caller, &hit).map_err(auth_status)?;
            let hit = hit_in(hit).map_err(|e| invalid(&e))?;
            let reported = self.node.report_hit(hit, caller.name.clone()).await;
            let (hit, alert) = reported.map_err(node_status)?;
            let answer = v1::NationalNodeReportHitResponse {
                hit: Some(hit_out(hit)),
                alert: Some(alert_out(alert)),
            };
            Ok(redacted(&caller, answer))
        };
        let rpc = rpc::node::REPORT_HIT;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn list_hits(
        &self,
        request: Request<v1::ListHitsRequest>,
    ) -> Result<Response<v1::ListHitsResponse>, Status> {
        let call = |_, request: Request<v1::ListHitsRequest>| async move {
            let request = request.into_inner();
            let query = HitQuery {
                alert_id: non_blank(request.alert_id),
                since: time_in("since", request.since.as_ref()).map_err(|e| invalid(&e))?,
                state: hit_state_in("state", request.state).map_err(|e| invalid(&e))?,
                page_size: request.page_size as usize,
                page_token: non_blank(request.page_token),
            };
            let page = self.node.list_hits(query).await.map_err(node_status)?;
            Ok(v1::ListHitsResponse {
                hits: page.hits.into_iter().map(hit_out).collect(),
                next_page_token: page.next_page_token.unwrap_or_default(),
            })
        };
        let rpc = rpc::node::LIST_HITS;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn accept_hit(
        &self,
        request: Request<v1::AcceptHitRequest>,
    ) -> Result<Response<v1::AcceptHitResponse>, Status> {
        let call = |caller: Caller, request: Request<v1::AcceptHitRequest>| async move {
            let hit_id = request.into_inner().hit_id;
            let decided = self
                .node
                .decide_hit(hit_id, HitDecision::Accept, caller.name);
            let hit = decided.await.map_err(node_status)?;
            Ok(v1::AcceptHitResponse {
                hit: Some(hit_out(hit)),
            })
        };
        let rpc = rpc::node::ACCEPT_HIT;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn decline_hit(
        &self,
        request: Request<v1::DeclineHitRequest>,
    ) -> Result<Response<v1::DeclineHitResponse>, Status> {
        let call = |caller: Caller, request: Request<v1::DeclineHitRequest>| async move {
            let request = request.into_inner();
            let decision = HitDecision::Decline {
                reason: request.reason,
            };
            let decided = self.node.decide_hit(request.hit_id, decision, caller.name);
            let hit = decided.await.map_err(node_status)?;
            Ok(v1::DeclineHitResponse {
                hit: Some(hit_out(hit)),
            })
        };
        let rpc = rpc::node::DECLINE_HIT;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn get_released_alert(
        &self,
        request: Request<v1::NationalNodeGetReleasedAlertRequest>,
    ) -> Result<Response<v1::NationalNodeGetReleasedAlertResponse>, Status> {
        let call = |caller, request: Request<v1::NationalNodeGetReleasedAlertRequest>| async move {
            let hit_id = request.into_inner().hit_id;
            let (hit, alert) = self
                .node
                .hit_with_alert(hit_id)
                .await
                .map_err(node_status)?;
            let (hit, alert) = (hit_out(hit), alert_out(alert));
            check_release(&caller, &hit, &alert).map_err(auth_status)?;
            let answer = v1::NationalNodeGetReleasedAlertResponse {
                hit: Some(hit),
                alert: Some(alert),
            };
            Ok(redacted(&caller, answer))
        };
        let rpc = rpc::node::GET_RELEASED_ALERT;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn get_node_status(
        &self,
        request: Request<v1::GetNodeStatusRequest>,
    ) -> Result<Response<v1::GetNodeStatusResponse>, Status> {
        let call = |_, _| async move {
            let status = self.node.status().await.map_err(node_status)?;
            Ok(status_out(status))
        };
        let rpc = rpc::node::GET_NODE_STATUS;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn list_expiring_alerts(
        &self,
        request: Request<v1::ListExpiringAlertsRequest>,
    ) -> Result<Response<v1::ListExpiringAlertsResponse>, Status> {
        let call = |caller, request: Request<v1::ListExpiringAlertsRequest>| async move {
            let request = request.into_inner();
            let query = ExpiringQuery {
                within: window_in(request.within)?,
                page_size: request.page_size as usize,
                page_token: non_blank(request.page_token),
            };
            let page = self.node.list_expiring(query).await.map_err(node_status)?;
            let answer = v1::ListExpiringAlertsResponse {
                alerts: page.alerts.into_iter().map(alert_out).collect(),
                next_page_token: page.next_page_token.unwrap_or_default(),
            };
            Ok(redacted(&caller, answer))
        };
        let rpc = rpc::node::LIST_EXPIRING_ALERTS;
        self.auditor.call(&self.directory, rpc, request, call).await
    }

    async fn extend_alert(
        &self,
        request: Request<v1::ExtendAlertRequest>,
    ) -> Result<Response<v1::ExtendAlertResponse>, Status> {
        let call = |caller: Caller, request: Request<v1::ExtendAlertRequest>| async move {
            let request = request.into_inner();
            let until = time_in("expires_at", request.expires_at.as_ref());
            let extension = Extension {
                id: request.id,
                until: required(until.map_err(|e| invalid(&e))?, "expires_at")?,
                reason: request.reason,
                expected_version: version_in(request.expected_version),
            };
            let alert = self
                .node
                .extend_expiry(extension, caller.name.clone())
                .await;
            let alert = Some(alert_out(alert.map_err(node_status)?));
            Ok(redacted(&caller, v1::ExtendAlertResponse { alert }))
        };
        let rpc = rpc::node::EXTEND_ALERT;
        self.auditor.call(&self.directory, rpc, request, call).await
    }
}

/// A review window from the wire: unset for the node's default, a negative or malformed one
/// INVALID_ARGUMENT naming `within`.
fn window_in(within: Option<prost_types::Duration>) -> Result<Option<Duration>, Status> {
    within
        .map(|within| {
            Duration::try_from(within)
                .map_err(|e| Status::invalid_argument(format!("within: not a duration: {e}")))
        })
        .transpose()
}

/// A search records the values searched, and the purpose and case reference the core passed
/// on (DESIGN §4): who asked a node about a number, and why, is in the node's own log.
impl Asked for v1::NationalNodeSearchRequest {
    fn asked(&self, entry: &mut Entry) {
        entry.asked(self.queries.iter().map(|q| q.value.clone()));
        entry.purpose(self.purpose, &self.case_reference);
    }
}

/// The other node requests state nothing for the audit record before they run.
impl Asked for v1::PutAlertRequest {}
impl Asked for v1::GetAlertRequest {}
impl Asked for v1::WithdrawAlertRequest {}
impl Asked for v1::SetAlertStatusRequest {}
impl Asked for v1::GetAlertHistoryRequest {}
impl Asked for Streaming<v1::ImportAlertsRequest> {}
impl Asked for v1::NationalNodeReportHitRequest {}
impl Asked for v1::ListHitsRequest {}
impl Asked for v1::GetNodeStatusRequest {}
impl Asked for v1::ListExpiringAlertsRequest {}
impl Asked for v1::ExtendAlertRequest {}

/// A decision or a release names its hit report before it runs, so that a refusal is recorded
/// with the report it was about.
macro_rules! about_hit {
    ($($ty:ty),+ $(,)?) => {$(
        impl Asked for $ty {
            fn asked(&self, entry: &mut Entry) {
                entry.about_hit(&self.hit_id);
            }
        }
    )+};
}
about_hit!(
    v1::AcceptHitRequest,
    v1::DeclineHitRequest,
    v1::NationalNodeGetReleasedAlertRequest,
);

recorded!(|answer| Answered::one_alert(answer.alert.as_ref()) =>
    v1::PutAlertResponse,
    v1::GetAlertResponse,
    v1::WithdrawAlertResponse,
    v1::SetAlertStatusResponse,
    v1::ExtendAlertResponse,
);
recorded!(|answer| Answered::matches(&answer.matches) => v1::NationalNodeSearchResponse);
recorded!(|answer| Answered::hit_report(answer.hit.as_ref()) => v1::NationalNodeReportHitResponse);
recorded!(|answer| Answered::about_hit(answer.hit.as_ref()) =>
    v1::AcceptHitResponse,
    v1::DeclineHitResponse,
    v1::NationalNodeGetReleasedAlertResponse,
);
recorded!(|answer| Answered::alerts(&answer.alerts) => v1::ListExpiringAlertsResponse);
// No alert named: history (the alert id is in the request), hit listings, the node's status.
recorded!(|_answer| Answered::default() =>
    v1::GetAlertHistoryResponse,
    v1::ListHitsResponse,
    v1::GetNodeStatusResponse,
);

/// The import stream is acknowledged batch by batch and names no alert. Any lifetime, not only
/// `ImportStream`'s `'static`: the `Send` check of tonic's handler futures asks for the
/// implementation at every lifetime.
impl<'a> Recorded
    for Pin<Box<dyn Stream<Item = Result<v1::ImportAlertsResponse, Status>> + Send + 'a>>
{
    fn answered(&self) -> Answered {
        Answered::default()
    }
}
