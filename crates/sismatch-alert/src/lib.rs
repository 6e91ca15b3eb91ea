//! The alert domain model of sismatch: what a national node stores and what its services take
//! and return (DESIGN §2).
//!
//! Layer: domain types, above the identifier core and below storage and services. No IO, no
//! async, no protobuf: the wire format converts to and from these types at the edge, and the
//! store encodes them with serde. Limits and validation live here, once, so that the gRPC
//! service, the importer and the tests all reject the same things with the same field names.

mod alert;
mod change;
mod error;
mod hit;
mod import;
mod language;
mod names;
mod validate;

pub use alert::{Alert, AlertChange, AlertVersion, Contact, IdentifierEntry, Restricted};
pub use change::StoreChange;
pub use error::{Invalid, UnknownName};
pub use hit::{HitDecision, HitReport};
pub use import::{Imported, from_csv, from_ndjson};
pub use language::{default_language, is_language_code};
pub use names::{Category, HitAction, HitState, Legibility, Status};
pub use validate::{Limits, is_alert_id, validate};
