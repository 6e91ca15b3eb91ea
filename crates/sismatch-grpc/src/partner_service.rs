//! The `ManufacturerPartner` gRPC service: identify the caller, delegate to
//! [`sismatch_partner::Partner`], map the error.
//!
//! The default policy lets every role call `Lookup`: the partner's gate refuses a non-police
//! caller with the reason (DESIGN §4). A caller that cannot be identified is turned away with
//! UNAUTHENTICATED. Every look-up, refused or not, is audited with what it disclosed.

use std::sync::Arc;

use sismatch_auth::{Directory, rpc};
use sismatch_partner::Partner;
use sismatch_proto::v1::{self, manufacturer_partner_server::ManufacturerPartner};
use tonic::{Request, Response, Status};

use crate::audit::Auditor;
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
        let mut audit = self.auditor.begin(&request, rpc::partner::LOOKUP);
        let caller = audit.authorize(&self.directory, &request)?;
        let request = request.into_inner();
        audit.asked(request.identifiers.iter().map(|q| q.value.clone()));
        audit.purpose(request.purpose, &request.case_reference);
        match self.partner.lookup(&caller, request).await {
            Ok(answer) => {
                audit
                    .finish_durably_with(|record| answer.audit.fill(record))
                    .await?;
                Ok(Response::new(answer.response))
            }
            Err(error) => Err(audit.failed(partner_status(error))),
        }
    }
}
