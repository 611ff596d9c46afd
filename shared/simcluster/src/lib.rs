//! Simulated Kubernetes API server: discovery, generic storage, patches, server-side apply, watch and simulated controllers, for tests, demos and dry runs.

pub mod config;
pub mod error;
pub mod fieldset;
pub mod meta;
pub mod patch;
pub mod registry;
pub mod selectors;
pub mod ssa;
pub mod store;

pub use config::{Fault, SimConfig};
pub use error::{ApiError, SimError};
pub mod admission;
pub mod api;
pub mod cluster;
pub mod controllers;
pub mod discovery;
pub mod kubeconfig;
pub mod server;
pub mod state;
pub mod tls;
pub mod watch;

pub use cluster::SimCluster;
pub mod cli;
pub mod openapi;
pub mod protobuf;
