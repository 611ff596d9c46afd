//! Test support for lockgate's Lambda functions: a Lambda Runtime API emulator on a
//! loopback port that runs the real function binaries, hands them events through
//! `GET /2018-06-01/runtime/invocation/next` and collects their responses and errors,
//! measuring cold start (exec to first `next`) and peak RSS (`VmHWM` from `/proc`).
//!
//! [`sqs`] builds the SQS events an event source mapping would deliver and settles a
//! batch from the function's `batchItemFailures`, for tests that play the mapping.
//!
//! It needs no AWS: everything listens on 127.0.0.1. It must not depend on any lockgate
//! crate, so every crate's tests can use it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use lockgate_test_harness::Emulator;
//!
//! let emulator = Emulator::start().await?;
//! emulator.spawn_function("target/debug/deployer", [("RUST_LOG", "info")])?;
//! let cold_start = emulator.wait_ready(Duration::from_secs(5)).await?;
//! let answer = emulator.invoke(&serde_json::json!({"Records": []}), Duration::from_secs(30)).await?;
//! emulator.kill().await;
//! # let _ = (cold_start, answer);
//! # Ok(()) }
//! ```

mod api;
mod emulator;
mod error;
pub mod moto;
mod process;
pub mod sqs;

pub use emulator::{Emulator, FunctionStats};
pub use error::{FunctionError, HarnessError};
