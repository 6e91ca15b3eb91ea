//! One module per subcommand, and what the servers and clients among them share.

pub mod client;
pub mod ident;
pub mod import;
pub mod node;
pub mod search;
pub mod serve;
