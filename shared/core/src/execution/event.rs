//! Events: what happened, as reported by the adapters. Each carries what is needed
//! to recognise a duplicate or a stale copy (environment, revision, attempt,
//! decision id).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{Digest, ExecutionId};

/// Something that happened to an execution, at a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When it happened (from the Clock port of whoever observed it).
    pub at: DateTime<Utc>,
    /// What happened.
    #[serde(flatten)]
    pub body: EventBody,
}

/// Approve or reject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Let the release through the gate.
    Approve,
    /// Stop the release (final).
    Reject,
}

/// Timers the execution schedules for itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// Remind approvers before the request expires.
    ApprovalReminder,
    /// Close the request when nobody decided in time.
    ApprovalExpiry,
}

impl TimerKind {
    /// Snake-case name, used in keys.
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::ApprovalReminder => "approval_reminder",
            TimerKind::ApprovalExpiry => "approval_expiry",
        }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    /// The chart archive passed verification (size, extraction, checksum, Chart.yaml).
    ChartVerified {
        /// Digest of the archive that was verified.
        chart_digest: Digest,
    },
    /// The chart archive failed verification.
    ChartRejected {
        /// Why.
        reason: String,
    },
    /// The deployer applied the release in `env`.
    DeployStarted {
        /// Environment.
        env: String,
        /// The new release revision.
        revision: u64,
        /// The revision live before, if any (the rollback target).
        #[serde(default)]
        previous_revision: Option<u64>,
    },
    /// The deployer could not apply the release in `env`.
    DeployFailed {
        /// Environment.
        env: String,
        /// Why.
        reason: String,
        /// The revision live before, if any (the rollback target).
        #[serde(default)]
        previous_revision: Option<u64>,
    },
    /// Rollout check `attempt` found the rollout still in progress.
    RolloutProgressed {
        /// Environment.
        env: String,
        /// Revision checked.
        revision: u64,
        /// Which check.
        attempt: u32,
        /// What is still pending (e.g. `2 of 3 replicas ready`).
        message: String,
    },
    /// Rollout check `attempt` found the rollout complete.
    RolloutSucceeded {
        /// Environment.
        env: String,
        /// Revision checked.
        revision: u64,
        /// Which check.
        attempt: u32,
    },
    /// Rollout check `attempt` found the rollout failed.
    RolloutFailed {
        /// Environment.
        env: String,
        /// Revision checked.
        revision: u64,
        /// Which check.
        attempt: u32,
        /// Why.
        reason: String,
    },
    /// The deployer rolled `env` back.
    RolledBack {
        /// Environment.
        env: String,
        /// The revision now live (none when a first install was removed).
        #[serde(default)]
        revision: Option<u64>,
    },
    /// The rollback itself failed.
    RollbackFailed {
        /// Environment.
        env: String,
        /// Why.
        reason: String,
    },
    /// An approver decided at `env`'s gate.
    DecisionRecorded {
        /// Environment whose gate is decided.
        env: String,
        /// Unique id of the decision (e.g. the Slack interaction's trigger id).
        decision_id: String,
        /// Slack user id of the approver.
        by: String,
        /// Slack user groups the approver belongs to (resolved by the adapter).
        #[serde(default)]
        groups: Vec<String>,
        /// Approve or reject.
        verdict: Verdict,
        /// The approver's reason, if given.
        #[serde(default)]
        reason: Option<String>,
        /// Digest of the chart the approver was shown; the gate refuses a decision
        /// for another artifact, so what is approved is what ships.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        digest: Option<Digest>,
    },
    /// A timer the execution scheduled fired.
    TimerFired {
        /// Environment the timer is about.
        env: String,
        /// Which timer.
        timer: TimerKind,
    },
    /// A newer candidate of the same app asks this one to step aside.
    Superseded {
        /// The newer execution.
        by: ExecutionId,
    },
    /// A command of the execution failed for good (retrying cannot help): the
    /// execution fails and says why, instead of its message looping.
    Aborted {
        /// The command that failed (`request_approval`).
        command: String,
        /// Why.
        reason: String,
    },
}

impl Event {
    /// An event at `at`.
    pub fn new(at: DateTime<Utc>, body: EventBody) -> Self {
        Self { at, body }
    }

    /// Deduplication key: two deliveries of one event share it. Derived from the
    /// event's identity (environment, revision, attempt, decision id), never from
    /// its time, so a redelivery with a new timestamp is still a duplicate.
    pub fn key(&self) -> String {
        match &self.body {
            EventBody::ChartVerified { .. } => "chart_verified".to_string(),
            EventBody::ChartRejected { .. } => "chart_rejected".to_string(),
            EventBody::DeployStarted { env, .. } => format!("deploy_started/{env}"),
            EventBody::DeployFailed { env, .. } => format!("deploy_failed/{env}"),
            EventBody::RolloutProgressed {
                env,
                revision,
                attempt,
                ..
            } => {
                format!("rollout_progressed/{env}/{revision}/{attempt}")
            }
            EventBody::RolloutSucceeded { env, revision, .. } => {
                format!("rollout_succeeded/{env}/{revision}")
            }
            EventBody::RolloutFailed { env, revision, .. } => {
                format!("rollout_failed/{env}/{revision}")
            }
            EventBody::RolledBack { env, .. } => format!("rolled_back/{env}"),
            EventBody::RollbackFailed { env, .. } => format!("rollback_failed/{env}"),
            EventBody::DecisionRecorded { decision_id, .. } => format!("decision/{decision_id}"),
            EventBody::TimerFired { env, timer } => format!("timer/{env}/{}", timer.as_str()),
            EventBody::Superseded { .. } => "superseded".to_string(),
            EventBody::Aborted { command, .. } => format!("aborted/{command}"),
        }
    }

    /// The snake-case name of the event (`deploy_started`), as in envelopes.
    pub fn name(&self) -> &'static str {
        self.body.name()
    }
}

impl EventBody {
    /// The snake-case name of the event (`deploy_started`).
    pub fn name(&self) -> &'static str {
        match self {
            EventBody::ChartVerified { .. } => "chart_verified",
            EventBody::ChartRejected { .. } => "chart_rejected",
            EventBody::DeployStarted { .. } => "deploy_started",
            EventBody::DeployFailed { .. } => "deploy_failed",
            EventBody::RolloutProgressed { .. } => "rollout_progressed",
            EventBody::RolloutSucceeded { .. } => "rollout_succeeded",
            EventBody::RolloutFailed { .. } => "rollout_failed",
            EventBody::RolledBack { .. } => "rolled_back",
            EventBody::RollbackFailed { .. } => "rollback_failed",
            EventBody::DecisionRecorded { .. } => "decision_recorded",
            EventBody::TimerFired { .. } => "timer_fired",
            EventBody::Superseded { .. } => "superseded",
            EventBody::Aborted { .. } => "aborted",
        }
    }

    /// Every event name, for envelope validation.
    pub const NAMES: &'static [&'static str] = &[
        "chart_verified",
        "chart_rejected",
        "deploy_started",
        "deploy_failed",
        "rollout_progressed",
        "rollout_succeeded",
        "rollout_failed",
        "rolled_back",
        "rollback_failed",
        "decision_recorded",
        "timer_fired",
        "superseded",
        "aborted",
    ];
}
