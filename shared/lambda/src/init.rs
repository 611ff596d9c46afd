//! Process start of a function: JSON logs, one TLS crypto provider, and reporting a
//! bad setting to the Runtime API's `init/error` (so Lambda shows the message) before
//! exiting.

use std::fmt::Display;
use std::process::ExitCode;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The variable the Lambda runtime sets to the Runtime API's `host:port`.
pub const RUNTIME_API: &str = "AWS_LAMBDA_RUNTIME_API";

/// JSON logs to stderr, filtered by `RUST_LOG` (default `info`), tagged with the
/// function's name. Installs aws-lc-rs as the process's TLS crypto provider, so
/// clients that bring another provider never make rustls guess.
pub fn start(function: &'static str) {
    // Already installed (tests that call this twice) is fine.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_current_span(false)
        .try_init();
    tracing::debug!(function, "starting");
}

/// Reports `error` as the function's init error to the Runtime API (when there is
/// one) and to stderr, and returns the exit code to leave with.
pub async fn fail(function: &'static str, error: impl Display) -> ExitCode {
    let message = format!("{function} cannot start: {error}");
    tracing::error!(function, error = %error, "cannot start");
    eprintln!("{message}");
    if let Ok(api) = std::env::var(RUNTIME_API) {
        if let Err(e) = post_init_error(&api, &message).await {
            eprintln!("could not report the init error to the Runtime API at {api}: {e}");
        }
    }
    ExitCode::FAILURE
}

/// `POST /2018-06-01/runtime/init/error` over a plain HTTP/1.1 connection.
async fn post_init_error(api: &str, message: &str) -> std::io::Result<()> {
    let body = serde_json::json!({
        "errorMessage": message,
        "errorType": "Runtime.InvalidSettings",
    })
    .to_string();
    let mut stream = tokio::net::TcpStream::connect(api).await?;
    let request = format!(
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\nContent-Type: application/json\r\nLambda-Runtime-Function-Error-Type: Runtime.InvalidSettings\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(())
}
