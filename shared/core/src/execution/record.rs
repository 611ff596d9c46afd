//! The stored parts of an execution: its status, per-stage records and history.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::{Event, Verdict};
use crate::ids::ExecutionId;

/// Where an execution is. Each non-final state names what it waits for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    /// Opened; waiting for the chart to be verified.
    Received,
    /// Chart verified; the first environment's deploy is queued, waiting for the
    /// deployer to start it.
    Verified,
    /// A deploy to `env` is queued after the previous environment succeeded.
    Deploying {
        /// Environment.
        env: String,
    },
    /// The release is applied in `env`; its rollout is being checked.
    Verifying {
        /// Environment.
        env: String,
    },
    /// The rollout in `env` failed; a rollback is running.
    RollingBack {
        /// Environment.
        env: String,
        /// Why the rollout failed.
        reason: String,
    },
    /// Waiting for the gate before `env` to be decided.
    AwaitingApproval {
        /// Environment.
        env: String,
    },
    /// The gate before `env` approved; its deploy is queued.
    Approved {
        /// Environment.
        env: String,
    },
    /// Every environment succeeded. Final.
    Succeeded,
    /// A rollout failed in `env` and was rolled back. Final.
    RolledBack {
        /// Environment.
        env: String,
        /// Why the rollout failed.
        reason: String,
    },
    /// Could not continue (chart refused, rollback failed). Final.
    Failed {
        /// What went wrong.
        reason: String,
    },
    /// An approver rejected the release at `env`'s gate. Final.
    Rejected {
        /// Environment whose gate rejected.
        env: String,
        /// Slack user id of the approver.
        by: String,
        /// The approver's reason, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Nobody decided before the gate's expiry. Final.
    Expired {
        /// Environment whose gate expired.
        env: String,
    },
    /// A newer candidate of the app replaced this one while it waited for approval. Final.
    Superseded {
        /// The newer execution.
        by: ExecutionId,
    },
}

impl Status {
    /// Whether nothing more can happen.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Status::Succeeded
                | Status::RolledBack { .. }
                | Status::Failed { .. }
                | Status::Rejected { .. }
                | Status::Expired { .. }
                | Status::Superseded { .. }
        )
    }

    /// The environment the status is about, if any.
    pub fn env(&self) -> Option<&str> {
        match self {
            Status::Deploying { env }
            | Status::Verifying { env }
            | Status::RollingBack { env, .. }
            | Status::AwaitingApproval { env }
            | Status::Approved { env }
            | Status::RolledBack { env, .. }
            | Status::Rejected { env, .. }
            | Status::Expired { env } => Some(env),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Received => f.write_str("received"),
            Status::Verified => f.write_str("verified"),
            Status::Deploying { env } => write!(f, "deploying {env}"),
            Status::Verifying { env } => write!(f, "verifying {env}"),
            Status::RollingBack { env, .. } => write!(f, "rolling back {env}"),
            Status::AwaitingApproval { env } => write!(f, "awaiting approval for {env}"),
            Status::Approved { env } => write!(f, "approved for {env}"),
            Status::Succeeded => f.write_str("succeeded"),
            Status::RolledBack { env, reason } => write!(f, "rolled back in {env}: {reason}"),
            Status::Failed { reason } => write!(f, "failed: {reason}"),
            Status::Rejected { env, by, .. } => write!(f, "rejected for {env} by {by}"),
            Status::Expired { env } => write!(f, "approval for {env} expired"),
            Status::Superseded { by } => write!(f, "superseded by {by}"),
        }
    }
}

/// Where one environment's stage is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    /// Not reached yet.
    Pending,
    /// Gate open.
    AwaitingApproval,
    /// Deploy queued (after verification, promotion or approval).
    Queued,
    /// Applied; rollout being checked.
    Verifying,
    /// Rollout failed; rolling back.
    RollingBack,
    /// Rolled out.
    Succeeded,
    /// Rolled back after a failure.
    RolledBack,
    /// Could not be deployed or rolled back.
    Failed,
    /// Gate rejected.
    Rejected,
    /// Gate expired.
    Expired,
    /// Replaced by a newer candidate while waiting for approval.
    Superseded,
}

/// One environment's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    /// Environment name.
    pub env: String,
    /// Where the stage is.
    pub status: StageStatus,
    /// When the stage began (approval requested, or deploy queued).
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    /// When the stage ended.
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// Release revision deployed here.
    #[serde(default)]
    pub revision: Option<u64>,
    /// Release revision live before this deploy (the rollback target).
    #[serde(default)]
    pub previous_revision: Option<u64>,
    /// When the rollout must be complete.
    #[serde(default)]
    pub deadline: Option<DateTime<Utc>>,
    /// Number of the rollout check being waited for (0: none yet).
    #[serde(default)]
    pub check_attempt: u32,
    /// Why the stage failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The gate's request and decisions, for gated environments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalRecord>,
}

impl StageRecord {
    /// A stage not reached yet.
    pub fn pending(env: &str) -> Self {
        Self {
            env: env.to_string(),
            status: StageStatus::Pending,
            started_at: None,
            finished_at: None,
            revision: None,
            previous_revision: None,
            deadline: None,
            check_attempt: 0,
            reason: None,
            approval: None,
        }
    }
}

/// An approval request and its decisions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    /// When approval was requested.
    pub requested_at: DateTime<Utc>,
    /// When the reminder is due.
    pub remind_at: DateTime<Utc>,
    /// When the request expires.
    pub expires_at: DateTime<Utc>,
    /// Whether approvers were reminded.
    pub reminded: bool,
    /// Counted decisions, in the order they were recorded.
    pub decisions: Vec<DecisionRecord>,
}

impl ApprovalRecord {
    /// Distinct approvers who approved.
    pub fn approvals(&self) -> usize {
        self.decisions
            .iter()
            .filter(|d| d.verdict == Verdict::Approve)
            .count()
    }
}

/// One recorded decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Id of the decision (from the interaction), for deduplication.
    pub id: String,
    /// Slack user id of the approver.
    pub by: String,
    /// Approve or reject.
    pub verdict: Verdict,
    /// The approver's reason, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was made.
    pub at: DateTime<Utc>,
}

/// One applied event in the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When the event happened.
    pub at: DateTime<Utc>,
    /// The event's deduplication key.
    pub key: String,
    /// The event (none for the opening entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Event>,
    /// Status after the event.
    pub status: Status,
}

/// The short view of an execution: `{"id","app","image","chart_version","status","stages"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionSummary {
    /// Execution id.
    pub id: ExecutionId,
    /// App name.
    pub app: String,
    /// Pinned image reference.
    pub image: String,
    /// Chart version.
    pub chart_version: String,
    /// Status, as text.
    pub status: String,
    /// Per-environment records.
    pub stages: Vec<StageSummaryRecord>,
}

/// One stage in an [`ExecutionSummary`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageSummaryRecord {
    /// Environment name.
    pub env: String,
    /// Stage status.
    pub status: StageStatus,
    /// When the stage began.
    pub started_at: Option<DateTime<Utc>>,
    /// When the stage ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Deployed revision.
    pub revision: Option<u64>,
}
