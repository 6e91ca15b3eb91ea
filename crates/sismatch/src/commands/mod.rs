//! One module per subcommand.

pub mod ident;
