//! The `ManufacturerPartner` gRPC service: identify the caller, delegate to
//! [`sismatch_partner::Partner`], map the error.
//!
//! The default policy lets every role call `Lookup`: the partner's gate refuses a non-police
//! caller with the reason (DESIGN §4). A caller that cannot be identified is turned away with
//! UNAUTHENTICATED. Every look-up, refused or not, is audited with what it disclosed.

use std::sync::Arc;

use sismatch_auth::{Directory, rpc};
use sismatch_partner::{LookupAnswer, Partner};
use sismatch_proto::v1::{self, manufacturer_partner_server::ManufacturerPartner};
use tonic::{Request, Response, Status};

use crate::audit::{Auditor, Entry};
use crate::call::{Asked, Reply};
use crate::status::partner as partner_status;

/// The tonic service of one partner node.
#[derive(Clone)]
pub struct PartnerService {
    partner: Arc<Partner>,
    directory: Arc<Directory>,
    auditor: Auditor,
}

impl PartnerService {
    /// Serves `partner`, identifying callers with `directory`.
    pub fn new(partner: Arc<Partner>, directory: Arc<Directory>) -> Self {
        PartnerService {
            partner,
            directory,
            auditor: Auditor::default(),
        }
    }

    /// Records every look-up in `auditor`'s log.
    pub fn with_audit(mut self, auditor: Auditor) -> Self {
        self.auditor = auditor;
        self
    }
}

#[tonic::async_trait]
impl ManufacturerPartner for PartnerService {
    async fn lookup(
        &self,
        request: Request<v1::LookupRequest>,
    ) -> Result<Response<v1::LookupResponse>, Status> {
        let call = |caller, request: Request<v1::LookupRequest>| async move {
            let answer = self.partner.lookup(&caller, request.into_inner()).await;
            answer.map_err(partner_status)
        };
        let rpc = rpc::partner::LOOKUP;
        self.auditor.call(&self.directory, rpc, request, call).await
    }
}

impl Asked for v1::LookupRequest {
    fn asked(&self, entry: &mut Entry) {
        entry.asked(self.identifiers.iter().map(|q| q.value.clone()));
        entry.purpose(self.purpose, &self.case_reference);
    }
}

/// What a maker disclosed leaves only once its record is on disk (DESIGN §4, safe outputs).
impl Reply for LookupAnswer {
    type Message = v1::LookupResponse;

    async fn record(self, entry: Entry) -> Result<v1::LookupResponse, Status> {
        entry
            .finish_durably_with(|record| self.audit.fill(record))
            .await?;
        Ok(self.response)
    }
}
