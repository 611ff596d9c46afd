//! Errors of the emulator itself ([`HarnessError`]) and outcomes of an invocation that
//! did not produce a response ([`FunctionError`]).

use std::path::PathBuf;
use std::time::Duration;

/// Something went wrong running the emulator or the function process: not a verdict on
/// the function's handler.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The loopback listener for the Runtime API could not be bound.
    #[error("cannot bind the Runtime API emulator on 127.0.0.1: {source}")]
    Bind {
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The function binary could not be started.
    #[error("cannot start function binary {path}: {source} (build it first, e.g. `cargo build -p <crate>`)")]
    Spawn {
        /// The binary that was asked for.
        path: PathBuf,
        /// The error from `exec`.
        #[source]
        source: std::io::Error,
    },
    /// `spawn_function` was called while a function process is still running.
    #[error(
        "a function process (pid {pid}) is already running on this emulator; call kill() first"
    )]
    AlreadyRunning {
        /// The running process.
        pid: u32,
    },
    /// No function process is running.
    #[error("no function process is running on this emulator; call spawn_function() first")]
    NotRunning,
    /// The function did not ask for its first event within the time allowed.
    #[error("the function did not call /invocation/next within {waited:?} of being spawned")]
    NotReady {
        /// How long the emulator waited.
        waited: Duration,
    },
    /// The function reported an initialisation error or exited before asking for an event.
    #[error("the function failed during init: {0}")]
    Init(#[source] FunctionError),
    /// Reading `/proc/<pid>/status` failed.
    #[error("cannot read memory statistics of pid {pid} from /proc: {source}")]
    Proc {
        /// The process.
        pid: u32,
        /// The read error.
        #[source]
        source: std::io::Error,
    },
}

/// Why an invocation returned no response: what a caller of `Invoke` would see as a
/// function error, a timeout or a crashed execution environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FunctionError {
    /// The handler failed and the runtime posted to `/invocation/{id}/error`.
    #[error("the function returned an error: {error_type}: {error_message}")]
    Handled {
        /// `errorType` from the runtime's diagnostic (or the `Lambda-Runtime-Function-Error-Type` header).
        error_type: String,
        /// `errorMessage` from the runtime's diagnostic.
        error_message: String,
    },
    /// The runtime posted to `/init/error`.
    #[error("the function reported an init error: {error_type}: {error_message}")]
    InitFailed {
        /// `errorType` of the init diagnostic.
        error_type: String,
        /// `errorMessage` of the init diagnostic.
        error_message: String,
    },
    /// No response within the invocation timeout; like Lambda, the emulator then ends the
    /// process, so the next invocation needs a new `spawn_function`.
    #[error("the function did not answer within {timeout:?}; the process was killed")]
    Timeout {
        /// The timeout of the invocation.
        timeout: Duration,
    },
    /// The runtime did not take the event (`invocation/next`) within the timeout: it was
    /// still initialising or busy. The process is left running.
    #[error(
        "the function did not pick up the event within {waited:?} (still initialising or busy)"
    )]
    NotPickedUp {
        /// How long the event waited.
        waited: Duration,
    },
    /// The process exited (crash, panic with `panic = "abort"`, killed) before answering.
    #[error("the function process exited before answering ({status})")]
    Exited {
        /// The exit status, as the OS reports it.
        status: String,
    },
    /// The response body was larger than the 6 MB Lambda allows.
    #[error("the function's response is {size} bytes, more than the 6291456 bytes Lambda allows")]
    ResponseTooLarge {
        /// Size of the rejected body.
        size: usize,
    },
    /// The response body was not JSON.
    #[error("the function's response is not JSON ({reason}); the first bytes are {preview:?}")]
    ResponseNotJson {
        /// The parser's message.
        reason: String,
        /// The start of the body.
        preview: String,
    },
    /// The event given to `invoke` could not be serialised.
    #[error("the event cannot be serialised as JSON: {0}")]
    BadEvent(String),
    /// No function process is running on the emulator.
    #[error("no function process is running on this emulator; call spawn_function() first")]
    NotRunning,
}
