//! The matching core: one query, every national node, one merged and explained answer.
//!
//! Layer: service logic, above the wire types and below the tonic adapter. The core holds no
//! alerts. It validates a federated search, fans it out to the nodes in parallel under one
//! deadline ([`fanout`]), merges their ranked lists and groups alerts of several countries on
//! the same object ([`merge`]), and routes hit reports, and the officer's request for an
//! accepted hit's restricted part, to the issuing node. Its data are the
//! `sismatch.v1` messages it forwards: converting them to other types and back would only add
//! places to get the federation protocol wrong.
//!
//! What it must never do: wait on a dead node (a node that failed is skipped until a background
//! reconnect succeeds, see [`member`]), let one node's failure fail the whole search, or answer
//! later than its deadline.

mod config;
mod error;
mod fanout;
mod federation;
mod hits;
mod link;
pub mod member;
pub mod merge;
mod partners;
mod quota;
mod reported;
mod request;

pub use config::{ClientTls, CoreConfig, MemberConfig, PartnerMemberConfig};
pub use error::{CoreError, Result};
pub use fanout::describe_metrics;
pub use federation::{Checked, Core};
pub use reported::{already_reported, already_reported_line};
pub use request::{DEFAULT_TOP_K, MAX_DEADLINE, MAX_QUERIES, MAX_TOP_K};
