//! The `NationalNode` gRPC service: convert, delegate to [`sismatch_node::Node`], convert back.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sismatch_alert::Status as AlertStatus;
use sismatch_auth::redact::Redact;
use sismatch_auth::{Caller, Directory, rpc};
use sismatch_ident::{IdentifierKind, describe};
use sismatch_node::{
    AlertMatch, Applied, Duplicate, HitQuery, ImportItem, Node, SEARCHABLE_WAIT, SearchQuery,
    SearchRequest,
};
use sismatch_proto::v1::{self, national_node_server::NationalNode};
use sismatch_proto::wire::duration;
use tokio_stream::{Stream, StreamExt, wrappers::ReceiverStream};
use tonic::{Request, Response, Status, Streaming};
use tracing::{Instrument, info_span, warn};

use crate::audit::{Answered, Auditor, Entry};
use crate::convert::{
    alert_in, alert_out, category_in, edit_out, hit_in, hit_out, identifier_out, kind_in,
    status_in, time_in, time_out, version_out,
};
use crate::status::{invalid, node as node_status};

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

/// Records the outcome of a request in its audit `entry` and passes it on.
fn audited<T>(
    entry: Entry,
    result: Result<Response<T>, Status>,
    answered: impl FnOnce(&T) -> Answered,
) -> Result<Response<T>, Status> {
    match &result {
        Ok(response) => entry.finish(Ok(answered(response.get_ref()))),
        Err(status) => entry.finish(Err(status)),
    }
    result
}

/// The audit facts of an answer that carries one alert.
fn one_alert(alert: &Option<v1::Alert>) -> Answered {
    Answered {
        alert_ids: alert.iter().map(|a| a.id.clone()).collect(),
        ..Answered::default()
    }
}

/// The answer, with what `caller` may not see removed: the only way alerts leave the node.
fn redacted<T: Redact>(caller: &Caller, mut answer: T) -> Response<T> {
    answer.redact(caller);
    Response::new(answer)
}

/// A string field left empty (or blank) on the wire: not given.
fn non_blank(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

/// An `expected_version` from the wire: 0 means no check.
fn expected(version: u64) -> Option<u64> {
    (version != 0).then_some(version)
}

/// A domain match for the wire.
fn match_out(country: &str, found: AlertMatch) -> v1::Match {
    let explanation = found
        .hits
        .first()
        .map_or_else(|| "text match".to_string(), |hit| describe(&hit.ops));
    v1::Match {
        node: country.to_string(),
        country: found.alert.country.clone(),
        score: found.score,
        identifier_matches: found
            .hits
            .into_iter()
            .map(|hit| {
                let explanation = describe(&hit.ops);
                v1::IdentifierMatch {
                    query_index: u32::try_from(hit.query_index).unwrap_or(u32::MAX),
                    query_value: hit.query_value,
                    normalized_query: hit.normalised_query,
                    matched_identifier: Some(identifier_out(hit.identifier)),
                    score: hit.score,
                    explanation,
                    edits: hit.ops.iter().map(edit_out).collect(),
                    source: v1::MatchSource::Direct.into(),
                    partner_link: None,
                    kind_mismatch: hit.kind_mismatch,
                }
            })
            .collect(),
        explanation,
        alert: Some(alert_out(found.alert)),
    }
}

fn search_in(request: v1::NationalNodeSearchRequest) -> Result<SearchRequest, Status> {
    let mut queries = Vec::with_capacity(request.queries.len());
    for (i, query) in request.queries.into_iter().enumerate() {
        let kind: Option<IdentifierKind> =
            kind_in(&format!("queries[{i}].kind"), query.kind).map_err(|e| invalid(&e))?;
        queries.push(SearchQuery {
            value: query.value,
            kind,
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

type ImportStream = Pin<Box<dyn Stream<Item = Result<v1::ImportAlertsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl NationalNode for NodeService {
    async fn put_alert(
        &self,
        request: Request<v1::PutAlertRequest>,
    ) -> Result<Response<v1::PutAlertResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::node::PUT_ALERT);
        let caller = audit.authorize(&self.directory, &request)?;
        let result: Result<Response<v1::PutAlertResponse>, Status> = async {
            let request = request.into_inner();
            let alert = request
                .alert
                .ok_or_else(|| Status::invalid_argument("alert: missing"))?;
            let alert = alert_in(alert).map_err(|e| invalid(&e))?;
            let wait = match request.searchable_wait_ms {
                0 => SEARCHABLE_WAIT,
                ms => Duration::from_millis(u64::from(ms)),
            };
            let outcome = self
                .node
                .put_alert_waiting(
                    alert,
                    non_blank(request.reason),
                    expected(request.expected_version),
                    wait,
                )
                .await
                .map_err(node_status)?;
            let (stored, written) = match outcome.applied {
                Applied::Created(a) => (a, v1::WriteOutcome::Created),
                Applied::Updated(a) | Applied::StatusChanged(a) => (a, v1::WriteOutcome::Updated),
                Applied::Unchanged(a) => (a, v1::WriteOutcome::Unchanged),
            };
            Ok(redacted(
                &caller,
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
                },
            ))
        }
        .await;
        audited(audit, result, |a| one_alert(&a.alert))
    }

    async fn get_alert(
        &self,
        request: Request<v1::GetAlertRequest>,
    ) -> Result<Response<v1::GetAlertResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::node::GET_ALERT);
        let caller = audit.authorize(&self.directory, &request)?;
        let result: Result<Response<v1::GetAlertResponse>, Status> = async {
            let request = request.into_inner();
            let alert = if request.version == 0 {
                self.node.get_alert(request.id).await.map_err(node_status)?
            } else {
                let versions = self
                    .node
                    .history(request.id.clone())
                    .await
                    .map_err(node_status)?;
                versions
                    .into_iter()
                    .map(|v| v.alert)
                    .find(|a| a.version == request.version)
                    .ok_or_else(|| {
                        Status::not_found(format!(
                            "alert '{}' has no version {}",
                            request.id, request.version
                        ))
                    })?
            };
            Ok(redacted(
                &caller,
                v1::GetAlertResponse {
                    alert: Some(alert_out(alert)),
                },
            ))
        }
        .await;
        audited(audit, result, |a| one_alert(&a.alert))
    }

    async fn withdraw_alert(
        &self,
        request: Request<v1::WithdrawAlertRequest>,
    ) -> Result<Response<v1::WithdrawAlertResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::node::WITHDRAW_ALERT);
        let caller = audit.authorize(&self.directory, &request)?;
        let result: Result<Response<v1::WithdrawAlertResponse>, Status> = async {
            let request = request.into_inner();
            let alert = self
                .node
                .withdraw(
                    request.id,
                    non_blank(request.reason),
                    expected(request.expected_version),
                )
                .await
                .map_err(node_status)?;
            Ok(redacted(
                &caller,
                v1::WithdrawAlertResponse {
                    alert: Some(alert_out(alert)),
                },
            ))
        }
        .await;
        audited(audit, result, |a| one_alert(&a.alert))
    }

    async fn set_alert_status(
        &self,
        request: Request<v1::SetAlertStatusRequest>,
    ) -> Result<Response<v1::SetAlertStatusResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::node::SET_ALERT_STATUS);
        let caller = audit.authorize(&self.directory, &request)?;
        let result: Result<Response<v1::SetAlertStatusResponse>, Status> = async {
            let request = request.into_inner();
            let status: AlertStatus = status_in("status", request.status)
                .map_err(|e| invalid(&e))?
                .ok_or_else(|| Status::invalid_argument("status: missing"))?;
            let alert = self
                .node
                .set_status(
                    request.id,
                    status,
                    non_blank(request.reason),
                    expected(request.expected_version),
                )
                .await
                .map_err(node_status)?;
            Ok(redacted(
                &caller,
                v1::SetAlertStatusResponse {
                    alert: Some(alert_out(alert)),
                },
            ))
        }
        .await;
        audited(audit, result, |a| one_alert(&a.alert))
    }

    async fn get_alert_history(
        &self,
        request: Request<v1::GetAlertHistoryRequest>,
    ) -> Result<Response<v1::GetAlertHistoryResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::node::GET_ALERT_HISTORY);
        let caller = audit.authorize(&self.directory, &request)?;
        let result: Result<Response<v1::GetAlertHistoryResponse>, Status> = async {
            let versions = self
                .node
                .history(request.into_inner().id)
                .await
                .map_err(node_status)?;
            Ok(redacted(
                &caller,
                v1::GetAlertHistoryResponse {
                    versions: versions.into_iter().map(version_out).collect(),
                },
            ))
        }
        .await;
        audited(audit, result, |_| Answered::default())
    }

    type ImportAlertsStream = ImportStream;

    async fn import_alerts(
        &self,
        request: Request<Streaming<v1::ImportAlertsRequest>>,
    ) -> Result<Response<Self::ImportAlertsStream>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::node::IMPORT_ALERTS);
        audit.authorize(&self.directory, &request)?;
        let result: Result<Response<Self::ImportAlertsStream>, Status> = async {
            let mut batches = request.into_inner();
            let node = Arc::clone(&self.node);
            let (tx, rx) = tokio::sync::mpsc::channel(4);
            let span = info_span!("import");
            tokio::spawn(
                async move {
                    let mut number = 0u64;
                    while let Some(batch) = batches.next().await {
                        number += 1;
                        let started = Instant::now();
                        let batch = match batch {
                            Ok(batch) => batch,
                            Err(status) => {
                                // A batch that does not decode (or is too large) ends the
                                // import with tonic's status, the caller's to read.
                                warn!(%status, "import stream broke");
                                let _ = tx.send(Err(status)).await;
                                break;
                            }
                        };
                        let items = batch
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
                                    .ok_or_else(|| sismatch_alert::Invalid::new("alert", "missing"))
                                    .and_then(alert_in),
                            })
                            .collect();
                        let reply = match node.import_batch(items).await {
                            Ok(outcome) => Ok(v1::ImportAlertsResponse {
                                batch: number,
                                received: outcome.received,
                                created: outcome.created,
                                updated: outcome.updated,
                                unchanged: outcome.unchanged,
                                rejected: outcome.rejected,
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
                                elapsed: Some(duration(started.elapsed())),
                            }),
                            Err(error) => Err(node_status(error)),
                        };
                        let failed = reply.is_err();
                        if tx.send(reply).await.is_err() || failed {
                            break;
                        }
                    }
                }
                .instrument(span),
            );
            let stream: Self::ImportAlertsStream = Box::pin(ReceiverStream::new(rx));
            Ok(Response::new(stream))
        }
        .await;
        audited(audit, result, |_| Answered::default())
    }

    async fn search(
        &self,
        request: Request<v1::NationalNodeSearchRequest>,
    ) -> Result<Response<v1::NationalNodeSearchResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::node::SEARCH);
        let caller = audit.authorize(&self.directory, &request)?;
        let result: Result<Response<v1::NationalNodeSearchResponse>, Status> = async {
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
        }
        .await;
        audited(audit, result, |a| Answered {
            alert_ids: a
                .matches
                .iter()
                .filter_map(|m| m.alert.as_ref().map(|x| x.id.clone()))
                .collect(),
            hit: !a.matches.is_empty(),
            ..Answered::default()
        })
    }

    async fn report_hit(
        &self,
        request: Request<v1::NationalNodeReportHitRequest>,
    ) -> Result<Response<v1::NationalNodeReportHitResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::node::REPORT_HIT);
        let caller = audit.authorize(&self.directory, &request)?;
        let result: Result<Response<v1::NationalNodeReportHitResponse>, Status> = async {
            let hit = request
                .into_inner()
                .hit
                .ok_or_else(|| Status::invalid_argument("hit: missing"))?;
            let hit = hit_in(hit).map_err(|e| invalid(&e))?;
            let (hit, alert) = self.node.report_hit(hit).await.map_err(node_status)?;
            Ok(redacted(
                &caller,
                v1::NationalNodeReportHitResponse {
                    hit: Some(hit_out(hit)),
                    alert: Some(alert_out(alert)),
                },
            ))
        }
        .await;
        audited(audit, result, |a| Answered {
            alert_ids: a.hit.iter().map(|h| h.alert_id.clone()).collect(),
            hit: true,
            reference: a.hit.as_ref().map(|h| h.id.clone()).unwrap_or_default(),
        })
    }

    async fn list_hits(
        &self,
        request: Request<v1::ListHitsRequest>,
    ) -> Result<Response<v1::ListHitsResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::node::LIST_HITS);
        audit.authorize(&self.directory, &request)?;
        let result: Result<Response<v1::ListHitsResponse>, Status> = async {
            let request = request.into_inner();
            let query = HitQuery {
                alert_id: non_blank(request.alert_id),
                since: time_in("since", request.since.as_ref()).map_err(|e| invalid(&e))?,
                page_size: request.page_size as usize,
                page_token: non_blank(request.page_token),
            };
            let page = self.node.list_hits(query).await.map_err(node_status)?;
            Ok(Response::new(v1::ListHitsResponse {
                hits: page.hits.into_iter().map(hit_out).collect(),
                next_page_token: page.next_page_token.unwrap_or_default(),
            }))
        }
        .await;
        audited(audit, result, |_| Answered::default())
    }

    async fn get_node_status(
        &self,
        request: Request<v1::GetNodeStatusRequest>,
    ) -> Result<Response<v1::GetNodeStatusResponse>, Status> {
        let mut audit = self.auditor.begin(&request, rpc::node::GET_NODE_STATUS);
        audit.authorize(&self.directory, &request)?;
        let result: Result<Response<v1::GetNodeStatusResponse>, Status> = async {
            let status = self.node.status().await.map_err(node_status)?;
            let count = |s: AlertStatus| status.alerts.get(&s).copied().unwrap_or(0);
            Ok(Response::new(v1::GetNodeStatusResponse {
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
                store_sequence: status.store_sequence,
                index_sequence: status.index_sequence,
                rebuilding: status.rebuilding,
                rebuild_progress: status.rebuild_progress,
                index_segments: u32::try_from(status.index_segments).unwrap_or(u32::MAX),
            }))
        }
        .await;
        audited(audit, result, |_| Answered::default())
    }
}
