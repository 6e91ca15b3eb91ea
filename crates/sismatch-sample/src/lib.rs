//! Sample data for sismatch: a deterministic, streaming generator of realistic stolen-object
//! alerts spread over several countries, and the misreadings an officer makes when typing
//! their numbers.
//!
//! Why it exists: `sismatch demo` needs a believable local federation in one command, and the
//! operator benchmarks (`sismatch bench generate`) need large corpora and query sets that are
//! the same on every machine, so that recall and latency can be compared from run to run. The
//! objects follow the real formats (HINs and CINs of one hull, VINs and ISO 6346 codes with
//! valid check digits, makers' serial styles), the shares of a national register, and the
//! languages of the reporting countries; a small share of objects is reported in two countries,
//! which is what the federation's grouping must find. One engine maker's sales register over
//! the sample (`register.rs`) lets the demo's manufacturer partner lead from an engine serial
//! no alert holds to the stolen boat it was sold with.
//!
//! It is also the one source of seeded test data: the tests and benches of the workspace take
//! its [`Rng`], its small predictable alerts ([`fixture`]) and its misreadings ([`corrupt`])
//! rather than keeping generators of their own that drift apart.
//!
//! Layer: beside the identifier core and the alert model, which it uses; below the services and
//! the binary. Pure: no IO, no clock (times are relative to the fixed [`BASE_TIME`]), no
//! threads, no global state. It must never depend on the platform or on an external random
//! number crate (a corpus must not change under a `cargo update`), never hold a generated
//! corpus in memory (ten million alerts must stream), and never produce an alert that the node
//! of its country would reject.

mod config;
mod corrupt;
mod describe;
mod examples;
pub mod fixture;
mod generator;
mod lang;
mod objects;
mod people;
mod register;
mod report;
mod rng;
#[cfg(test)]
mod tests;

pub use config::{Result, SampleConfig, SampleError};
pub use corrupt::{Corruption, corrupt, mistaken_kind};
pub use examples::{ExampleQuery, example_queries};
pub use generator::{Generator, Sample};
pub use register::{PartnerCase, REGISTER_MAKER, REGISTER_PREFIXES, RegisterSale, sales_register};
pub use report::BASE_TIME;
pub use rng::Rng;
