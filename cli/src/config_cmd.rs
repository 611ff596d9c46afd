//! `lockgate validate-config FILE`: reads a `lockgate.yaml` and prints
//! `ok: N apps, M environments`, or every problem (`path: message`, one per line)
//! and exits 1.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

/// Arguments of `lockgate validate-config`.
#[derive(Args, Debug)]
pub struct ValidateConfigArgs {
    /// configuration file (lockgate.yaml)
    pub file: PathBuf,
}

/// Runs the command.
pub fn run(a: ValidateConfigArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("reading {}", a.file.display()))?;
    match lockgate_core::Config::from_yaml(&text) {
        Ok(config) => {
            println!("{}", config.summary_line());
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            let mut err = std::io::stderr().lock();
            for e in errors.errors() {
                writeln!(err, "{e}")?;
            }
            Ok(ExitCode::FAILURE)
        }
    }
}
