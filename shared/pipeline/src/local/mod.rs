//! Local adapters: the same contracts as the AWS ones, on the filesystem and in process.

pub mod adapters;
pub mod queue;
pub mod runtime;
pub mod store;
