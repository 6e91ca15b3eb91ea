//! Service errors to gRPC status codes, in one place.

use sismatch_alert::Invalid;
use sismatch_auth::AuthError;
use sismatch_core::CoreError;
use sismatch_node::NodeError;
use sismatch_partner::PartnerError;
use tonic::{Code, Status};
use tracing::error;

/// The status for a request that broke a rule of the data model: INVALID_ARGUMENT with the
/// field named in the message (`identifiers[0].value: longer than 64 characters`).
pub fn invalid(error: &Invalid) -> Status {
    Status::invalid_argument(error.to_string())
}

/// The status for a node error. Internal errors are logged here with their detail and reach
/// the caller without it.
pub fn node(error: NodeError) -> Status {
    match error {
        NodeError::Invalid(invalid_field) => invalid(&invalid_field),
        NodeError::NotFound(id) => Status::not_found(format!("no alert with id '{id}'")),
        NodeError::NoSuchVersion { .. } | NodeError::HitNotFound(_) => {
            Status::not_found(error.to_string())
        }
        NodeError::FailedPrecondition(message) => Status::failed_precondition(message),
        NodeError::AlreadyExists(message) => Status::already_exists(message),
        NodeError::Unavailable(message) => Status::unavailable(message),
        // gRPC's code for "the entire file system is out of space".
        NodeError::DiskFull => Status::resource_exhausted(error.to_string()),
        NodeError::Internal(detail) => {
            error!(%detail, "internal error");
            Status::new(Code::Internal, "internal error; see the node's log")
        }
    }
}

/// The status for a core error. A node's refusal of a routed request passes through with the
/// node's own code, its message prefixed with the node's name.
pub fn core(error: CoreError) -> Status {
    match error {
        CoreError::Invalid { .. } => Status::invalid_argument(error.to_string()),
        CoreError::FailedPrecondition(message) => Status::failed_precondition(message),
        CoreError::QuotaExceeded(message) => Status::resource_exhausted(message),
        CoreError::Unavailable(message) => Status::unavailable(message),
        CoreError::Node { node, status } => {
            Status::new(status.code(), format!("node {node}: {}", status.message()))
        }
    }
}

/// The status for an authentication or authorisation failure.
pub fn auth(error: AuthError) -> Status {
    match error {
        AuthError::Unauthenticated(message) => Status::unauthenticated(message),
        AuthError::PermissionDenied(message) => Status::permission_denied(message),
        AuthError::Invalid { .. } => {
            error!(%error, "invalid auth settings reached a request");
            Status::internal("internal error; see the server's log")
        }
    }
}

/// The status for a partner error. Internal errors are logged here with their detail and
/// reach the caller without it. (A gate refusal is an answer, not an error.)
pub fn partner(error: PartnerError) -> Status {
    match error {
        PartnerError::Invalid { .. } => Status::invalid_argument(error.to_string()),
        PartnerError::Internal(detail) => {
            error!(%detail, "internal error");
            Status::internal("internal error; see the partner's log")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_resource_exhausted_and_says_so() {
        let status = node(NodeError::DiskFull);
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert!(status.message().contains("disk is full"), "{status:?}");
    }
}
