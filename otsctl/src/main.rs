//! otsctl: share a secret through a link that works once.
//!
//! `main` only parses the command line, runs it, and turns the outcome into
//! an exit code; errors are printed here and nowhere else.

mod cli;
mod client;
mod commands;
mod config;
mod destination;
mod error;
mod expiry;
mod input;
mod output;
mod passphrase;

use std::process::ExitCode;

use clap::Parser;

use crate::error::Exit;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is_broken_pipe() => ExitCode::from(Exit::Success.code()),
        Err(err) => {
            eprint!("{}", err.render());
            ExitCode::from(err.exit().code())
        }
    }
}
