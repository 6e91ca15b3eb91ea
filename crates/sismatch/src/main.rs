//! `sismatch`: the one binary of the federation. National nodes, the matching core, partner
//! nodes and the operator tools are its subcommands.
//!
//! Layer: the outermost. This crate parses the command line, sets up logging and hands over to
//! the library crates; it holds no matching logic of its own.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The federated stolen-object matching engine.
#[derive(Debug, Parser)]
#[command(name = "sismatch", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse, normalise and compare identifiers (hull numbers, VINs, container codes, serials).
    #[command(subcommand)]
    Ident(commands::ident::IdentCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ident(command) => command.run(&mut std::io::stdout().lock()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
