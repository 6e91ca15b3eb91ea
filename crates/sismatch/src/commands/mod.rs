//! One module per subcommand, and what the servers and clients among them share.

pub mod alerts;
pub mod audit;
pub mod bench;
pub mod certs;
pub mod check;
pub mod client;
pub mod core;
pub mod demo;
pub mod demo_partner;
pub mod hits;
pub mod ident;
pub mod import;
pub mod node;
pub mod ops;
pub mod partner;
pub mod report_hit;
pub mod search;
pub mod security;
pub mod serve;
pub mod table;
pub mod try_it;
pub mod web;
