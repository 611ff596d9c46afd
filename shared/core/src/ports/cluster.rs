//! The cluster port: apply a rendered release, check its rollout, roll it back.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::error::PortError;
use crate::config::{ClusterSpec, Strategy};

/// Which release in which cluster and namespace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseTarget {
    /// The cluster.
    pub cluster: ClusterSpec,
    /// Namespace.
    pub namespace: String,
    /// Helm release name.
    pub release: String,
}

/// A chart rendered for one environment, ready to apply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenderedRelease {
    /// Where it goes.
    pub target: ReleaseTarget,
    /// Chart name.
    pub chart_name: String,
    /// Chart version.
    pub chart_version: String,
    /// The chart's appVersion.
    pub app_version: Option<String>,
    /// Rendered manifests, one YAML document each (hooks excluded).
    pub manifests: Vec<String>,
    /// The values the chart was rendered with (stored in the release record).
    pub values: serde_json::Value,
    /// How to roll it out.
    pub strategy: Strategy,
}

/// Where an apply left the release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployOutcome {
    /// The new release revision.
    pub revision: u64,
    /// The revision live before, if any.
    pub previous_revision: Option<u64>,
}

/// A rollout's state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RolloutState {
    /// Still rolling out.
    InProgress,
    /// Every resource is ready.
    Ready,
    /// It cannot succeed (e.g. crash loops, image pull errors, progress deadline).
    Failed {
        /// Why.
        reason: String,
    },
}

/// The answer to a rollout check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutStatus {
    /// Overall state.
    pub state: RolloutState,
    /// What is pending or wrong, for people (`2 of 3 replicas ready`).
    pub message: String,
}

/// A Kubernetes cluster (the real API server or the simulated one).
#[async_trait]
pub trait Cluster: Send + Sync {
    /// Applies `release` (server-side apply, prune of what the release no longer
    /// has) and records a new revision.
    async fn deploy(&self, release: &RenderedRelease) -> Result<DeployOutcome, PortError>;
    /// Checks the rollout of `revision`.
    async fn check(
        &self,
        target: &ReleaseTarget,
        revision: u64,
    ) -> Result<RolloutStatus, PortError>;
    /// Returns the release to `to_revision` (none: remove it), recording a new
    /// revision; returns the revision now live.
    async fn roll_back(
        &self,
        target: &ReleaseTarget,
        to_revision: Option<u64>,
    ) -> Result<Option<u64>, PortError>;
}
