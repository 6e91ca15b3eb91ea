//! The gRPC edge of sismatch: tonic adapters over the plain async services.
//!
//! Layer: wire format, above the services. A handler is one audited call ([`call`]): it
//! converts the request with the functions of [`convert`] (errors name the field), calls the
//! service, converts the answer back, and maps a service error to a `tonic::Status` in
//! [`status`] — the one place where codes are decided. No business logic lives here.

pub mod audit;
pub mod auth;
pub mod call;
pub mod convert;
mod core_service;
pub mod limit;
pub mod missing;
mod node_convert;
mod node_service;
mod partner_service;
pub mod status;

pub use core_service::{CoreService, caller_deadline};
pub use limit::MessageLimitLayer;
pub use missing::MissingMessageLayer;
pub use node_service::NodeService;
pub use partner_service::PartnerService;
