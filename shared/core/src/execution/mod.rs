//! One release candidate moving through an app's environments: its state as a value
//! ([`Execution`]), the events that move it ([`Event`]), the commands it asks the
//! adapters to run ([`Command`]) and the pure transition [`step`].

mod command;
mod event;
mod gate;
mod plan;
mod record;
mod step;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use command::{
    ApprovalRequest, ApprovalState, Command, Link, Notice, NoticeKind, Route, Severity,
    StageSummary,
};
pub use event::{Event, EventBody, TimerKind, Verdict};
pub use plan::{NotifyTarget, Plan, PlanError, StagePlan};
pub use record::{
    ApprovalRecord, DecisionRecord, ExecutionSummary, HistoryEntry, StageRecord, StageStatus,
    StageSummaryRecord, Status,
};
pub use step::{step, Ignored, Step};

use crate::ids::{Digest, ExecutionId};
use crate::image::PinnedImage;

/// A packaged chart in the chart store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartArtifact {
    /// Chart name.
    pub name: String,
    /// Chart version (SemVer).
    pub version: String,
    /// Digest of the `.tgz` archive.
    pub digest: Digest,
    /// Where the archive is in the chart store (key or URL).
    pub location: String,
}

/// What is being released: app, chart and image, and who triggered it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// App name from the configuration.
    pub app: String,
    /// The packaged chart.
    pub chart: ChartArtifact,
    /// The image, pinned by digest.
    pub image: PinnedImage,
    /// Slack user id of the person who triggered the release, if known (four-eyes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggered_by: Option<String>,
}

impl Candidate {
    /// The execution id of this candidate (derived from app, chart and image digests).
    pub fn execution_id(&self) -> ExecutionId {
        ExecutionId::derive(&self.app, &self.chart.digest, &self.image.digest)
    }
}

/// One release candidate's journey. Stored as JSON by the state store adapters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// Content-derived id.
    pub id: ExecutionId,
    /// App name.
    pub app: String,
    /// What is released.
    pub candidate: Candidate,
    /// The app's environments as configured when the execution opened (a later
    /// configuration change does not alter a running execution).
    pub plan: Plan,
    /// Where the execution is.
    pub status: Status,
    /// One record per planned environment, in order.
    pub stages: Vec<StageRecord>,
    /// Audit trail: every applied event, in order.
    pub history: Vec<HistoryEntry>,
    /// When it opened.
    pub opened_at: DateTime<Utc>,
    /// Time of the last applied event.
    pub updated_at: DateTime<Utc>,
    /// Commands of the last applied step. A handler saves the execution before it
    /// sends them; when the step's event is redelivered (the save succeeded, the
    /// sends may not have), it sends these again under the same idempotency keys.
    #[serde(default)]
    pub outbox: Vec<Command>,
}

/// What opens an execution.
#[derive(Clone, Debug, PartialEq)]
pub struct Opening {
    /// The release candidate.
    pub candidate: Candidate,
    /// The app's plan (see [`Plan::for_app`]).
    pub plan: Plan,
    /// Now.
    pub at: DateTime<Utc>,
    /// Other open executions of the same app: each is asked to step aside if it is
    /// still waiting for approval (a newer candidate supersedes it).
    pub open_executions: Vec<ExecutionId>,
}

impl Execution {
    /// Opens an execution in `Received`, asking for the chart to be verified and
    /// older candidates of the same app to be superseded.
    pub fn open(o: Opening) -> (Execution, Vec<Command>) {
        let id = o.candidate.execution_id();
        let stages = o
            .plan
            .stages
            .iter()
            .map(|s| StageRecord::pending(&s.env))
            .collect();
        let exec = Execution {
            id: id.clone(),
            app: o.candidate.app.clone(),
            candidate: o.candidate,
            plan: o.plan,
            status: Status::Received,
            stages,
            history: vec![HistoryEntry {
                at: o.at,
                key: "opened".to_string(),
                event: None,
                status: Status::Received,
            }],
            opened_at: o.at,
            updated_at: o.at,
            outbox: Vec::new(),
        };
        let mut commands = vec![Command::VerifyChart {
            chart: exec.candidate.chart.clone(),
        }];
        for other in o.open_executions {
            if other != id {
                commands.push(Command::SupersedeExecution {
                    id: other,
                    by: id.clone(),
                });
            }
        }
        commands.push(exec.notice(
            NoticeKind::Received,
            None,
            format!(
                "{} {} received (chart {} {})",
                exec.app,
                exec.candidate.image.tag,
                exec.candidate.chart.name,
                exec.candidate.chart.version
            ),
        ));
        let mut exec = exec;
        exec.outbox = commands.clone();
        (exec, commands)
    }

    /// The sequence number of the last applied step (0: the opening); idempotency
    /// keys of its commands derive from it.
    pub fn seq(&self) -> usize {
        self.history.len().saturating_sub(1)
    }

    /// Whether `event` is the last one applied: its redelivery should re-send the
    /// [`Execution::outbox`].
    pub fn is_last_applied(&self, event: &Event) -> bool {
        self.history.last().is_some_and(|h| h.key == event.key())
    }

    /// Index of `env` in the plan.
    pub fn stage_index(&self, env: &str) -> Option<usize> {
        self.plan.stages.iter().position(|s| s.env == env)
    }

    /// The short view the status commands and the demo print.
    pub fn summary(&self) -> ExecutionSummary {
        ExecutionSummary {
            id: self.id.clone(),
            app: self.app.clone(),
            image: self.candidate.image.reference(),
            chart_version: self.candidate.chart.version.clone(),
            status: self.status.to_string(),
            stages: self
                .stages
                .iter()
                .map(|s| StageSummaryRecord {
                    env: s.env.clone(),
                    status: s.status,
                    started_at: s.started_at,
                    finished_at: s.finished_at,
                    revision: s.revision,
                })
                .collect(),
        }
    }

    /// A notification to the app's channels.
    pub(crate) fn notice(&self, kind: NoticeKind, env: Option<&str>, text: String) -> Command {
        Command::Notify {
            notice: Notice {
                kind,
                severity: kind.severity(),
                app: self.app.clone(),
                env: env.map(str::to_string),
                text,
                image: self.candidate.image.reference(),
                chart_version: self.candidate.chart.version.clone(),
                channels: self.plan.notify.clone(),
                execution_id: Some(self.id.clone()),
            },
        }
    }
}
