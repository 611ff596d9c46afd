//! Ports: one trait per capability the pipeline needs from the outside world,
//! in domain types. Adapters (S3, SQS, ECR, Kubernetes, Slack, the filesystem, the
//! simulated cluster) implement them; handlers hold them as `Arc<dyn Port>`.
//!
//! The traits use [`async_trait`](macro@async_trait) so they stay object-safe;
//! implement them with `#[lockgate_core::ports::async_trait]`.

mod approvals;
mod clock;
mod cluster;
mod error;
mod notify;
mod queue;
mod registry;
mod store;

pub use approvals::{ApprovalHandle, Approvals};
pub use async_trait::async_trait;
pub use clock::{Clock, ManualClock};
pub use cluster::{
    Cluster, DeployOutcome, ReleaseTarget, RenderedRelease, RolloutState, RolloutStatus,
};
pub use error::{PortError, PortErrorKind};
pub use notify::Notifier;
pub use queue::CommandQueue;
pub use registry::{ImageRegistry, ScanFindings, ScanStatus};
pub use store::{keys, ChartStore, ObjectVersion, StateStore, StoreError, Versioned};
