//! Each function's event handling, over a [`FunctionEnv`](crate::FunctionEnv); the
//! binaries in `functions/` only start the runtime with one of these.

pub mod approvals;
pub mod chart_uploaded;
pub mod deployer;
pub mod image_pushed;
