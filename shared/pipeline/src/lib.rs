//! The pipeline's handlers over the core's ports, shared by the Lambda functions and the
//! local runtime, and the local adapters (filesystem stores, in-process queue) that run
//! the whole pipeline in one process.

pub mod chart_build;
pub mod clusters;
pub mod handlers;
pub mod local;
pub mod values_diff;
