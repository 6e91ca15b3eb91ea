//! Recording every request in the server's audit log (DESIGN §4, safe outputs): who asked,
//! in which role and for which purpose, what was asked, what was answered, and the outcome,
//! including refusals (UNAUTHENTICATED, PERMISSION_DENIED).

use std::sync::Arc;
use std::time::Instant;

use sismatch_audit::AuditLog;
use sismatch_auth::{Caller, Directory};
use sismatch_proto::v1;
use sismatch_proto::wire::duration;
use tonic::{Request, Status};
use tracing::error;

use crate::auth::caller_of;
use crate::status::auth as auth_status;

/// A server's audit log, or none (then requests are not recorded: tests and tools).
#[derive(Clone, Default)]
pub struct Auditor {
    log: Option<Arc<AuditLog>>,
}

impl Auditor {
    /// Records into `log`.
    pub fn new(log: Arc<AuditLog>) -> Auditor {
        Auditor { log: Some(log) }
    }

    /// Starts the record of one request to `rpc` (`MatchingCore/Search`).
    pub fn begin<T>(&self, request: &Request<T>, rpc: &str) -> Entry {
        Entry {
            log: self.log.clone(),
            started: Instant::now(),
            record: v1::AuditRecord {
                rpc: format!("/sismatch.v1.{rpc}"),
                peer: request
                    .remote_addr()
                    .map(|addr| addr.to_string())
                    .unwrap_or_default(),
                ..v1::AuditRecord::default()
            },
            rpc: rpc.to_string(),
        }
    }
}

/// The record of one request, filled as the handler learns more, written at the end.
pub struct Entry {
    log: Option<Arc<AuditLog>>,
    started: Instant,
    record: v1::AuditRecord,
    rpc: String,
}

/// What a request was answered, for its audit record.
#[derive(Debug, Default)]
pub struct Answered {
    /// Ids of the alerts in the answer.
    pub alert_ids: Vec<String>,
    /// Whether the answer was a hit.
    pub hit: bool,
    /// The reference given to the caller.
    pub reference: String,
}

impl Answered {
    /// An answer that carries `alert`, if any.
    pub fn one_alert(alert: Option<&v1::Alert>) -> Answered {
        Answered {
            alert_ids: alert.iter().map(|a| a.id.clone()).collect(),
            ..Answered::default()
        }
    }

    /// An answer that lists `alerts` (the alerts due for review): which ones were shown.
    pub fn alerts(alerts: &[v1::Alert]) -> Answered {
        Answered {
            alert_ids: alerts.iter().map(|a| a.id.clone()).collect(),
            ..Answered::default()
        }
    }

    /// A search's answer: the alerts of its matches, a hit when there is one.
    pub fn matches(matches: &[v1::Match]) -> Answered {
        Answered {
            alert_ids: matches
                .iter()
                .filter_map(|m| m.alert.as_ref().map(|a| a.id.clone()))
                .collect(),
            hit: !matches.is_empty(),
            ..Answered::default()
        }
    }

    /// A hit report's answer: the alert hit, and the report's id as the reference.
    pub fn hit_report(hit: Option<&v1::HitReport>) -> Answered {
        Answered {
            alert_ids: hit.iter().map(|h| h.alert_id.clone()).collect(),
            hit: true,
            reference: hit.map(|h| h.id.clone()).unwrap_or_default(),
        }
    }

    /// An answer about one hit report (a decision, a released alert): the alert it is on, and
    /// the report's id as the reference.
    pub fn about_hit(hit: Option<&v1::HitReport>) -> Answered {
        Answered {
            alert_ids: hit.iter().map(|h| h.alert_id.clone()).collect(),
            hit: false,
            reference: hit.map(|h| h.id.clone()).unwrap_or_default(),
        }
    }
}

impl Entry {
    /// Identifies and authorises the caller; a refusal is recorded before it is returned, with
    /// the caller's identity when it was identified (a PERMISSION_DENIED says who).
    ///
    /// Once the audit log has stopped (a write failed: a full disk), every request is refused
    /// with UNAVAILABLE before anything is done: an answer must not leave unrecorded (DESIGN
    /// §4), and a stopped log records nothing until the server restarts.
    pub fn authorize<T>(
        &mut self,
        directory: &Directory,
        request: &Request<T>,
    ) -> Result<Caller, Status> {
        if let Some(failure) = self.log.as_ref().and_then(|log| log.failure()) {
            error!(error = %failure, rpc = %self.rpc, "request refused: the audit log has stopped");
            return Err(Status::unavailable(format!(
                "the server's audit log has stopped ({failure}); no request is answered \
                 unrecorded: free the disk and restart the server"
            )));
        }
        let rpc = self.rpc.clone();
        let caller = caller_of(directory, request).and_then(|caller| {
            // Recorded before the policy answers, so that a refusal says who was refused.
            self.record.caller = match &caller.via {
                Some(via) => format!("{} via {via}", caller.name),
                None => caller.name.clone(),
            };
            self.record.role = caller.role.to_proto();
            self.record.caller_country = caller.country.clone().unwrap_or_default();
            let allowed = directory.policy().check(&caller, &rpc);
            allowed.map(|()| caller).map_err(auth_status)
        });
        if let Err(status) = &caller {
            self.write(status);
        }
        caller
    }

    /// The hit report a request is about, as its reference: a refused decision or release is
    /// recorded with the report it was about.
    pub fn about_hit(&mut self, hit_id: &str) {
        self.record.reference = hit_id.to_string();
    }

    /// The identifier values asked about.
    pub fn asked(&mut self, values: impl IntoIterator<Item = String>) {
        self.record.identifiers.extend(values);
    }

    /// The stated purpose and case reference.
    pub fn purpose(&mut self, purpose: i32, case_reference: &str) {
        self.record.purpose = purpose;
        self.record.case_reference = case_reference.to_string();
    }

    /// Records the outcome of the request: `answered` when it succeeded.
    pub fn finish(mut self, outcome: Result<Answered, &Status>) {
        match outcome {
            Ok(answered) => {
                self.record.alert_ids = answered.alert_ids;
                self.record.hit = answered.hit;
                self.record.reference = answered.reference;
                self.write(&Status::ok(""));
            }
            Err(status) => self.write(status),
        }
    }

    /// Records a failed request and hands its status back, for `Err(audit.failed(status))`.
    pub fn failed(self, status: Status) -> Status {
        self.finish(Err(&status));
        status
    }

    /// Records a successful answer whose audit fields `fill` sets (a partner look-up knows
    /// best what it disclosed), and returns only once the record is on disk: the answer must
    /// not leave unless its record survives a crash (DESIGN §4, safe outputs). When the record
    /// cannot be written the answer is withheld with INTERNAL; nothing was disclosed.
    pub async fn finish_durably_with(
        mut self,
        fill: impl FnOnce(&mut v1::AuditRecord),
    ) -> Result<(), Status> {
        fill(&mut self.record);
        self.stamp(&Status::ok(""));
        let Some(log) = self.log.clone() else {
            return Ok(());
        };
        let record = std::mem::take(&mut self.record);
        let written = match tokio::task::spawn_blocking(move || log.append_durable(record)).await {
            Ok(appended) => appended.map_err(|e| e.to_string()),
            Err(task) => Err(task.to_string()),
        };
        written.map(|_| ()).map_err(|problem| {
            error!(error = %problem, rpc = %self.rpc, "the audit log refused a record; answer withheld");
            Status::internal("the request could not be audited; nothing was disclosed")
        })
    }

    /// Sets the record's outcome: the status and the time the request took.
    fn stamp(&mut self, status: &Status) {
        let elapsed = self.started.elapsed();
        self.record.status_code = status.code() as i32;
        if status.code() != tonic::Code::Ok {
            self.record.status_message = status.message().to_string();
        }
        self.record.elapsed = Some(duration(elapsed));
    }

    /// Queues the record with `status` as its outcome (written with the next group commit).
    fn write(&mut self, status: &Status) {
        let Some(log) = self.log.clone() else {
            return;
        };
        self.stamp(status);
        if let Err(problem) = log.append(std::mem::take(&mut self.record)) {
            error!(error = %problem, rpc = %self.rpc, "the audit log refused a record");
        }
    }
}
