//! otsd: parse the configuration, set up logging, serve until a signal.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;
use otsd::config::{Args, Config, reject_empty_env};

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) => return usage(&err),
    };
    match start(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("otsd: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// clap's own output: help and version on stdout with status 0, usage errors
/// on stderr with status 2.
fn usage(err: &clap::Error) -> ExitCode {
    // Nothing useful can be done when stdout or stderr is closed.
    let _ = err.print();
    if err.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS }
}

fn start(args: Args) -> anyhow::Result<()> {
    reject_empty_env(|name| std::env::var_os(name))?;
    let config = Config::from_args(&args)?;
    otsd::logging::init(&config.log)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(otsd::run(config))
}
