//! One audited call: the skeleton every handler of the node, core and partner services shares,
//! written once so that no handler can skip a step of it.
//!
//! [`Auditor::call`] starts the request's audit record, notes what the request states
//! ([`Asked`]), identifies and authorises the caller (a refusal is recorded, with who asked what,
//! and returned), runs the
//! handler's body with the caller, records what was answered or why it failed ([`Reply`]), and
//! only then lets the answer go. The body is what is left of a handler: convert the request,
//! call the service, convert the answer back.

use std::future::Future;

use sismatch_auth::{Caller, Directory};
use tonic::{Request, Response, Status};

use crate::audit::{Answered, Auditor, Entry};

/// What a request states before it runs, for its audit record: the identifiers asked about and
/// the purpose. Most requests state nothing there.
pub trait Asked {
    /// Notes in the entry what the request asks; nothing by default.
    fn asked(&self, _entry: &mut Entry) {}
}

/// An answer as its audit record sees it.
pub trait Reply: Send + Sized {
    /// What the caller receives.
    type Message;

    /// Records the answer in `entry` and hands over what the caller receives; an error when the
    /// answer may not leave (its record could not be made durable).
    fn record(self, entry: Entry) -> impl Future<Output = Result<Self::Message, Status>> + Send;
}

/// An answer sent as it is and recorded, with the next group commit, as its [`Answered`] facts.
pub trait Recorded: Send {
    /// The audit facts of the answer.
    fn answered(&self) -> Answered;
}

/// [`Recorded`] for answers whose audit facts are one expression of the answer:
/// `recorded!(|answer| Answered::one_alert(answer.alert.as_ref()) => v1::GetAlertResponse)`.
macro_rules! recorded {
    (|$answer:ident| $facts:expr => $($ty:ty),+ $(,)?) => {$(
        impl $crate::call::Recorded for $ty {
            fn answered(&self) -> $crate::audit::Answered {
                let $answer = self;
                $facts
            }
        }
    )+};
}
pub(crate) use recorded;

impl<T: Recorded> Reply for T {
    type Message = T;

    fn record(self, entry: Entry) -> impl Future<Output = Result<T, Status>> + Send {
        entry.finish(Ok(self.answered()));
        std::future::ready(Ok(self))
    }
}

impl Auditor {
    /// Runs `body` for `request` to `rpc` (`NationalNode/Search`, [`sismatch_auth::rpc`]) as one
    /// audited call: authorised by `directory`, recorded whatever the outcome.
    pub async fn call<T, R, F, Fut>(
        &self,
        directory: &Directory,
        rpc: &str,
        request: Request<T>,
        body: F,
    ) -> Result<Response<R::Message>, Status>
    where
        T: Asked,
        R: Reply,
        F: FnOnce(Caller, Request<T>) -> Fut,
        Fut: Future<Output = Result<R, Status>>,
    {
        let mut entry = self.begin(&request, rpc);
        request.get_ref().asked(&mut entry);
        let caller = entry.authorize(directory, &request)?;
        match body(caller, request).await {
            Ok(reply) => reply.record(entry).await.map(Response::new),
            Err(status) => Err(entry.failed(status)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sismatch_audit::AuditLog;
    use sismatch_auth::{Directory, rpc};
    use sismatch_proto::v1;
    use tonic::{Code, Request, Status};

    use crate::audit::Auditor;

    fn get_alert(id: &str) -> Request<v1::GetAlertRequest> {
        Request::new(v1::GetAlertRequest {
            id: id.to_string(),
            version: 0,
        })
    }

    #[tokio::test]
    async fn a_call_is_recorded_with_its_answer_or_its_failure() {
        let dir = tempfile::tempdir().unwrap();
        let log = Arc::new(AuditLog::open(dir.path(), "node NL").unwrap());
        let auditor = Auditor::new(Arc::clone(&log));
        let directory = Directory::open();
        let rpc = rpc::node::GET_ALERT;

        let found = auditor.call(
            &directory,
            rpc,
            get_alert("NL-1"),
            |_, request| async move {
                let alert = v1::Alert {
                    id: request.into_inner().id,
                    ..v1::Alert::default()
                };
                Ok(v1::GetAlertResponse { alert: Some(alert) })
            },
        );
        let answer = found.await.unwrap().into_inner();
        assert_eq!(answer.alert.map(|a| a.id).as_deref(), Some("NL-1"));
        let missing = auditor.call(&directory, rpc, get_alert("NL-2"), |_, _| async {
            Err::<v1::GetAlertResponse, _>(Status::not_found("no alert with id 'NL-2'"))
        });
        assert_eq!(missing.await.unwrap_err().code(), Code::NotFound);

        log.flush().unwrap();
        let mut exported = Vec::new();
        sismatch_audit::export(dir.path(), None, &mut exported).unwrap();
        let ndjson = serde_json::Deserializer::from_slice(&exported).into_iter();
        let records: Vec<serde_json::Value> = ndjson.collect::<Result<_, _>>().unwrap();
        assert_eq!(records.len(), 2, "{records:?}");
        for record in &records {
            assert_eq!(record["rpc"], "/sismatch.v1.NationalNode/GetAlert");
        }
        assert_eq!(records[0]["status_code"], 0);
        assert_eq!(records[0]["alert_ids"], serde_json::json!(["NL-1"]));
        assert_eq!(records[1]["status_code"], Code::NotFound as i32);
        assert_eq!(records[1]["status_message"], "no alert with id 'NL-2'");
        assert_eq!(records[1]["alert_ids"], serde_json::json!([]));
    }
}
