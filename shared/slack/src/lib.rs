//! Slack for lockgate: verifies Slack's signed requests ([`verify`]) and renders
//! Block Kit approval requests, their updates and notices ([`blocks`]).

pub mod blocks;
pub mod verify;

pub use verify::{sign_request, verify_request, VerifyError};
