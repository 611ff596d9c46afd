//! Domain of the lockgate pipeline: configuration (`lockgate.yaml`), tag policy, the
//! execution state machine ([`execution::step`]), versioned message envelopes and
//! the ports (traits) the adapters implement.
//!
//! This crate does no I/O: no files, network, clock or runtime. It decides; the
//! adapters act. It names no AWS, Kubernetes or Slack type and depends on no other
//! workspace crate.

pub mod config;
pub mod envelope;
pub mod environment;
pub mod execution;
pub mod ids;
pub mod image;
pub mod ports;
pub mod records;
pub mod span;
pub mod tag_policy;

pub use config::{Config, ConfigError, ConfigErrors};
pub use ids::{Digest, ExecutionId};
pub use image::PinnedImage;
pub use span::Span;
pub use tag_policy::{TagPolicy, TagRefused};
