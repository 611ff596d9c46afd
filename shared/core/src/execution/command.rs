//! Commands: what the execution asks the adapters to do. Each is self-contained (an
//! adapter needs no configuration to run it) and names the queue that carries it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::TimerKind;
use super::plan::NotifyTarget;
use super::record::StageStatus;
use super::ChartArtifact;
pub use crate::config::Link;
use crate::config::{ClusterSpec, ImageValuePaths, Strategy};
use crate::ids::ExecutionId;
use crate::image::PinnedImage;
use crate::span::Span;

/// Something an adapter must do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Verify the chart archive; answer with `ChartVerified` or `ChartRejected`.
    VerifyChart {
        /// The archive.
        chart: ChartArtifact,
    },
    /// Render and apply the release in `env`; answer with `DeployStarted` or
    /// `DeployFailed`.
    Deploy {
        /// App name.
        app: String,
        /// Environment.
        env: String,
        /// Target cluster.
        cluster: ClusterSpec,
        /// Target namespace.
        namespace: String,
        /// Helm release name.
        release: String,
        /// The chart.
        chart: ChartArtifact,
        /// Values files inside the chart, in order.
        values_files: Vec<String>,
        /// The image, pinned by digest.
        image: PinnedImage,
        /// Value paths that receive the image.
        image_values: ImageValuePaths,
        /// Rollout timeout.
        timeout: Span,
        /// Rollout strategy.
        strategy: Strategy,
    },
    /// After `delay`, check the rollout of `revision`; answer with
    /// `RolloutProgressed`, `RolloutSucceeded` or `RolloutFailed` for `attempt`.
    CheckRollout {
        /// App name.
        app: String,
        /// Environment.
        env: String,
        /// Target cluster.
        cluster: ClusterSpec,
        /// Target namespace.
        namespace: String,
        /// Helm release name.
        release: String,
        /// Revision being rolled out.
        revision: u64,
        /// Which check this is (1, 2, ...).
        attempt: u32,
        /// Wait this long before checking (a delayed message: a durable timer).
        delay: Span,
        /// The rollout must be complete by then.
        deadline: DateTime<Utc>,
    },
    /// Roll `env` back; answer with `RolledBack` or `RollbackFailed`.
    RollBack {
        /// App name.
        app: String,
        /// Environment.
        env: String,
        /// Target cluster.
        cluster: ClusterSpec,
        /// Target namespace.
        namespace: String,
        /// Helm release name.
        release: String,
        /// Revision to return to; none: remove what the failed first install applied.
        to_revision: Option<u64>,
        /// Why.
        reason: String,
    },
    /// Ask the gate's approvers to decide.
    RequestApproval {
        /// What to show them.
        request: ApprovalRequest,
    },
    /// Update the approval request where it was posted.
    UpdateApproval {
        /// Environment whose gate it is.
        env: String,
        /// Where it was posted.
        channel: Option<NotifyTarget>,
        /// The new state.
        state: ApprovalState,
    },
    /// Deliver a `TimerFired` event at `fire_at` (a delayed message, re-delayed when
    /// the queue's delay limit is shorter).
    ScheduleTimer {
        /// Environment the timer is about.
        env: String,
        /// Which timer.
        timer: TimerKind,
        /// When it fires.
        fire_at: DateTime<Utc>,
    },
    /// Tell people.
    Notify {
        /// The message.
        notice: Notice,
    },
    /// Deliver `Superseded { by }` to execution `id`.
    SupersedeExecution {
        /// The older execution.
        id: ExecutionId,
        /// The newer one.
        by: ExecutionId,
    },
}

/// Which handler (queue) runs a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Chart verification (`chart-uploaded`).
    Charts,
    /// Deploys, rollout checks, rollbacks (`deployer`, FIFO per app+environment).
    Deployer,
    /// Approval requests, timers, decisions, supersession (`approvals`).
    Approvals,
    /// Notifications.
    Notifications,
}

impl Command {
    /// The snake-case name of the command (`deploy`), as in envelopes.
    pub fn name(&self) -> &'static str {
        match self {
            Command::VerifyChart { .. } => "verify_chart",
            Command::Deploy { .. } => "deploy",
            Command::CheckRollout { .. } => "check_rollout",
            Command::RollBack { .. } => "roll_back",
            Command::RequestApproval { .. } => "request_approval",
            Command::UpdateApproval { .. } => "update_approval",
            Command::ScheduleTimer { .. } => "schedule_timer",
            Command::Notify { .. } => "notify",
            Command::SupersedeExecution { .. } => "supersede_execution",
        }
    }

    /// Every command name, for envelope validation.
    pub const NAMES: &'static [&'static str] = &[
        "verify_chart",
        "deploy",
        "check_rollout",
        "roll_back",
        "request_approval",
        "update_approval",
        "schedule_timer",
        "notify",
        "supersede_execution",
    ];

    /// The handler that runs it.
    pub fn route(&self) -> Route {
        match self {
            Command::VerifyChart { .. } => Route::Charts,
            Command::Deploy { .. } | Command::CheckRollout { .. } | Command::RollBack { .. } => {
                Route::Deployer
            }
            Command::RequestApproval { .. }
            | Command::UpdateApproval { .. }
            | Command::ScheduleTimer { .. }
            | Command::SupersedeExecution { .. } => Route::Approvals,
            Command::Notify { .. } => Route::Notifications,
        }
    }

    /// The environment it is about, if any.
    pub fn env(&self) -> Option<&str> {
        match self {
            Command::Deploy { env, .. }
            | Command::CheckRollout { env, .. }
            | Command::RollBack { env, .. }
            | Command::UpdateApproval { env, .. }
            | Command::ScheduleTimer { env, .. } => Some(env),
            Command::RequestApproval { request } => Some(&request.env),
            Command::Notify { notice } => notice.env.as_deref(),
            Command::VerifyChart { .. } | Command::SupersedeExecution { .. } => None,
        }
    }

    /// How long the queue should hold the message at `now`, at most `max` (SQS
    /// allows 15 minutes; a longer timer is re-delayed by its handler).
    pub fn delay(&self, now: DateTime<Utc>, max: Span) -> Span {
        let wanted = match self {
            Command::CheckRollout { delay, .. } => *delay,
            Command::ScheduleTimer { fire_at, .. } => {
                let secs = (*fire_at - now).num_seconds().max(0);
                Span::from_secs(u64::try_from(secs).unwrap_or(0))
            }
            _ => Span::from_secs(0),
        };
        wanted.min(max)
    }
}

/// What approvers are shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    /// Execution id (buttons carry it back).
    pub execution_id: ExecutionId,
    /// App name.
    pub app: String,
    /// Environment the gate guards.
    pub env: String,
    /// The chart.
    pub chart: ChartArtifact,
    /// The image, pinned.
    pub image: PinnedImage,
    /// Who triggered the release, if known.
    pub triggered_by: Option<String>,
    /// Allowed approvers (Slack user ids).
    pub users: Vec<String>,
    /// Allowed approver groups (Slack user group ids).
    pub groups: Vec<String>,
    /// Approvals needed.
    pub quorum: u32,
    /// Whether the trigger is barred from approving.
    pub four_eyes: bool,
    /// When the request expires.
    pub expires_at: DateTime<Utc>,
    /// Where to post it.
    pub channel: Option<NotifyTarget>,
    /// Results of the environments before this one.
    pub previous_stages: Vec<StageSummary>,
    /// The values diff against what runs now, if the pipeline computed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_diff: Option<String>,
    /// Links to show (execution status, logs, dashboards).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// An earlier stage, as shown in an approval request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageSummary {
    /// Environment.
    pub env: String,
    /// Its status.
    pub status: StageStatus,
    /// Revision deployed.
    pub revision: Option<u64>,
    /// When it started (with `finished_at`, the rollout time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// The state of an approval request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ApprovalState {
    /// Still open: some approvals so far.
    Pending {
        /// Who approved so far.
        approved_by: Vec<String>,
        /// Approvals needed.
        quorum: u32,
    },
    /// Quorum reached.
    Approved {
        /// Who approved.
        by: Vec<String>,
    },
    /// Rejected.
    Rejected {
        /// Who rejected.
        by: String,
        /// Their reason.
        reason: Option<String>,
    },
    /// Nobody decided in time.
    Expired,
    /// A newer candidate replaced this one.
    Superseded {
        /// The newer execution.
        by: ExecutionId,
    },
}

/// How loud a notice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Progress.
    Info,
    /// Needs attention (approval, reminder, expiry).
    Warning,
    /// Something failed.
    Error,
}

/// What a notice is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A candidate arrived.
    Received,
    /// A deploy was applied.
    DeployStarted,
    /// An environment rolled out.
    StageSucceeded,
    /// Approval requested.
    ApprovalRequested,
    /// An approval was counted; more are needed.
    ApprovalPending,
    /// Reminder before expiry.
    ApprovalReminder,
    /// Gate approved.
    Approved,
    /// Gate rejected.
    Rejected,
    /// Gate expired.
    Expired,
    /// A rollout failed; rolling back.
    RollingBack,
    /// Rolled back.
    RolledBack,
    /// The execution failed.
    Failed,
    /// Every environment succeeded.
    Succeeded,
    /// Replaced by a newer candidate.
    Superseded,
}

impl NoticeKind {
    /// The severity this kind is sent with.
    pub fn severity(self) -> Severity {
        match self {
            NoticeKind::RollingBack | NoticeKind::RolledBack | NoticeKind::Failed => {
                Severity::Error
            }
            NoticeKind::ApprovalRequested
            | NoticeKind::ApprovalReminder
            | NoticeKind::Rejected
            | NoticeKind::Expired => Severity::Warning,
            _ => Severity::Info,
        }
    }
}

/// A notification, structured so each channel can format it its own way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// What it is about.
    pub kind: NoticeKind,
    /// How loud.
    pub severity: Severity,
    /// App name.
    pub app: String,
    /// Environment, if any.
    pub env: Option<String>,
    /// One line for people.
    pub text: String,
    /// Pinned image reference.
    pub image: String,
    /// Chart version.
    pub chart_version: String,
    /// Where to send it.
    pub channels: Vec<NotifyTarget>,
    /// The execution it is about (a notifier keeps one thread per execution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<ExecutionId>,
}
