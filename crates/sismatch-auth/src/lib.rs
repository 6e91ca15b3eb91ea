//! Who may see what (DESIGN §4): caller identities and roles, which role may call which RPC,
//! and the one place where the restricted part of an alert is removed from an answer.
//!
//! Layer: pure logic beside the services, no IO and no tonic. The gRPC edge turns a connection
//! (the subject of a mutually authenticated client certificate, or a bearer token where the
//! configuration allows tokens) into a [`Caller`] with [`Directory::authenticate`], asks the
//! [`Policy`] before delegating, and passes every answer through [`redact`] before it leaves.
//!
//! What it must never do: let `restricted` (owner and victim data) reach anyone but police of
//! the issuing country and, once the issuing node accepted their hit report, the officer who
//! reported it ([`release`]), or treat a caller it cannot identify as anything but
//! unauthenticated.

mod caller;
mod directory;
mod error;
mod forward;
mod policy;
pub mod redact;
pub mod release;
mod role;
pub mod rpc;

pub use caller::{Caller, Transport};
pub use directory::{AuthMode, AuthSettings, Directory, IdentityEntry};
pub use error::{AuthError, Result};
pub use forward::{ON_BEHALF_OF, decode_on_behalf_of, encode_on_behalf_of};
pub use policy::{Policy, RPCS};
pub use redact::{Redact, redact_alert};
pub use role::Role;
