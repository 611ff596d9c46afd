//! Slack for lockgate: verifies Slack's signed requests ([`verify`]).

pub mod verify;

pub use verify::{sign_request, verify_request, VerifyError};
