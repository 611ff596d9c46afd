//! Slack for lockgate: verifies Slack's signed requests ([`verify`]), renders Block
//! Kit approval requests, their updates and notices ([`blocks`]), turns button clicks
//! and modal submissions into decision events on the command queue ([`interaction`]),
//! talks to the Web API ([`client`]) and implements the core's `Approvals` and
//! `Notifier` ports over it ([`ports`]). With the `standin` feature, [`standin`] is a
//! loopback Slack for tests.
//!
//! Depends on `lockgate-core` only among workspace crates; it never deploys: a
//! decision becomes a queued event that the approvals handler applies.

pub mod blocks;
pub mod client;
pub mod interaction;
pub mod ports;
#[cfg(feature = "standin")]
pub mod standin;
pub mod verify;

pub use client::{ClientError, SlackClient};
pub use interaction::{handle_request, BodyError, InteractionDeps, Request, Response};
pub use ports::{SlackApprovals, SlackNotifier};
pub use verify::{sign_request, verify_request, VerifyError};
