//! `lockgate slack ...`: tools for operators of the Slack integration.
//! `verify-request` checks a request the way `slack-interactions` does, with the same
//! code, so a rejected request can be debugged from its headers and body.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};

/// `lockgate slack` subcommands.
#[derive(Args, Debug)]
pub struct SlackArgs {
    #[command(subcommand)]
    command: SlackCommand,
}

#[derive(Subcommand, Debug)]
enum SlackCommand {
    /// Verify a Slack request's signature (body on stdin): prints `valid` (exit 0) or
    /// why not (exit 1).
    VerifyRequest(VerifyArgs),
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// Environment variable holding the app's signing secret.
    #[arg(long, value_name = "VAR")]
    signing_secret_env: String,
    /// The X-Slack-Request-Timestamp header.
    #[arg(long, value_name = "T")]
    timestamp: String,
    /// The X-Slack-Signature header (`v0=...`).
    #[arg(long, value_name = "SIG")]
    signature: String,
    /// Check as if now were this unix time (default: the system clock).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<i64>,
}

/// Runs `lockgate slack ...`.
pub fn run(a: SlackArgs) -> anyhow::Result<ExitCode> {
    match a.command {
        SlackCommand::VerifyRequest(v) => verify(v),
    }
}

fn verify(v: VerifyArgs) -> anyhow::Result<ExitCode> {
    let secret = std::env::var(&v.signing_secret_env).with_context(|| {
        format!(
            "--signing-secret-env {0}: the variable {0} is not set; export the app's signing secret in it",
            v.signing_secret_env
        )
    })?;
    let mut body = Vec::new();
    std::io::stdin()
        .read_to_end(&mut body)
        .context("cannot read the request body from stdin")?;
    let now = v.now.unwrap_or_else(|| chrono::Utc::now().timestamp());
    match lockgate_slack::verify_request(
        secret.as_bytes(),
        Some(&v.timestamp),
        Some(&v.signature),
        &body,
        now,
    ) {
        Ok(()) => {
            println!("valid");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("{e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
