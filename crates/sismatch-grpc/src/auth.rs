//! Who is calling: the connection's client certificate, a bearer token, or the end caller a
//! trusted core forwards for, turned into a [`Caller`] (the audit entry then asks the policy:
//! `audit.rs`, `Entry::authorize`).

use sismatch_auth::{Caller, Directory, ON_BEHALF_OF};
use tonic::{Request, Status};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::status::auth as auth_status;

/// The common name of the client certificate of a mutually authenticated TLS connection, if
/// the connection is one and the certificate has a subject common name.
fn certificate_subject<T>(request: &Request<T>) -> Option<String> {
    let certificates = request.peer_certs()?;
    let leaf = certificates.first()?;
    let (_, certificate) = X509Certificate::from_der(leaf.as_ref()).ok()?;
    let subject = certificate.subject();
    let name = subject.iter_common_name().next()?;
    name.as_str().ok().map(str::to_string)
}

/// The token of an `authorization: Bearer <token>` metadata entry.
fn bearer_token<T>(request: &Request<T>) -> Option<String> {
    let value = request.metadata().get("authorization")?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// The caller of `request`, or UNAUTHENTICATED / PERMISSION_DENIED with the reason.
pub fn caller_of<T>(directory: &Directory, request: &Request<T>) -> Result<Caller, Status> {
    let subject = certificate_subject(request);
    let token = bearer_token(request);
    let forwarded = request
        .metadata()
        .get(ON_BEHALF_OF)
        .and_then(|value| value.to_str().ok());
    directory
        .authenticate(subject.as_deref(), token.as_deref(), forwarded)
        .map_err(auth_status)
}
