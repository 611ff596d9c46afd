//! The pure transition: `step(execution, event)` gives the next execution and the
//! commands to run, or says why nothing changes. Replays, stale copies and events
//! that arrive too early change nothing; that is how at-least-once delivery becomes
//! exactly-once effect.

use chrono::{DateTime, Utc};

use super::command::{ApprovalRequest, ApprovalState, Command, NoticeKind, StageSummary};
use super::event::{Event, EventBody, TimerKind};
use super::record::{ApprovalRecord, HistoryEntry, StageStatus, Status};
use super::Execution;

/// The outcome of applying one event.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// The event applied: store `next` (compare-and-swap), then send `commands`.
    Applied {
        /// The new execution.
        next: Box<Execution>,
        /// What to run, in order.
        commands: Vec<Command>,
    },
    /// Nothing changes.
    Unchanged(Ignored),
}

/// Why an event changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Ignored {
    /// The event was applied before (same key).
    #[error("duplicate: event {key} was already applied")]
    Duplicate {
        /// The event's key.
        key: String,
    },
    /// The event is about a phase the execution has left.
    #[error("stale: {reason}")]
    Stale {
        /// Why it no longer applies.
        reason: String,
    },
    /// The event is about a phase not reached yet (delivered out of order, or a
    /// timer that fired early): deliver it again later.
    #[error("not yet: {reason}")]
    NotYet {
        /// What must happen first.
        reason: String,
    },
    /// The event is not allowed (an approver who may not decide, a foreign
    /// digest). The adapter may tell whoever sent it.
    #[error("refused: {reason}")]
    Refused {
        /// Why.
        reason: String,
    },
    /// The execution is over.
    #[error("finished: the execution is {status}")]
    Finished {
        /// Its final status.
        status: String,
    },
}

impl Ignored {
    /// Whether the message should be delivered again later (a partial batch
    /// failure), rather than acknowledged.
    pub fn retry_later(&self) -> bool {
        matches!(self, Ignored::NotYet { .. })
    }
}

/// Applies `event` to `exec`. Pure: the same inputs always give the same step.
pub fn step(exec: &Execution, event: &Event) -> Step {
    let key = event.key();
    if exec.history.iter().any(|h| h.key == key) {
        return Step::Unchanged(Ignored::Duplicate { key });
    }
    if exec.status.is_final() {
        return Step::Unchanged(Ignored::Finished {
            status: exec.status.to_string(),
        });
    }
    let mut m = Machine {
        next: exec.clone(),
        commands: Vec::new(),
        at: event.at,
    };
    match m.apply(&event.body) {
        Ok(()) => {
            let mut next = m.next;
            next.history.push(HistoryEntry {
                at: event.at,
                key,
                event: Some(event.clone()),
                status: next.status.clone(),
            });
            next.updated_at = next.updated_at.max(event.at);
            next.outbox = m.commands.clone();
            Step::Applied {
                next: Box::new(next),
                commands: m.commands,
            }
        }
        Err(ignored) => Step::Unchanged(ignored),
    }
}

/// ` (in 1m5s)` from `since` to `now`, or nothing without a start.
fn elapsed(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match since {
        Some(t) if now >= t => {
            let secs = u64::try_from((now - t).num_seconds()).unwrap_or(0);
            format!(" (in {})", crate::span::Span::from_secs(secs))
        }
        _ => String::new(),
    }
}

/// Where an event's environment stands relative to the current stage.
pub(super) enum Position {
    Past,
    Current(usize),
    Future,
}

pub(super) struct Machine {
    pub(super) next: Execution,
    pub(super) commands: Vec<Command>,
    pub(super) at: DateTime<Utc>,
}

pub(super) type Applied = Result<(), Ignored>;

pub(super) fn stale(reason: impl Into<String>) -> Ignored {
    Ignored::Stale {
        reason: reason.into(),
    }
}

pub(super) fn not_yet(reason: impl Into<String>) -> Ignored {
    Ignored::NotYet {
        reason: reason.into(),
    }
}

pub(super) fn refused(reason: impl Into<String>) -> Ignored {
    Ignored::Refused {
        reason: reason.into(),
    }
}

impl Machine {
    fn apply(&mut self, body: &EventBody) -> Applied {
        match body {
            EventBody::ChartVerified { chart_digest } => {
                if self.next.status != Status::Received {
                    return Err(stale("the chart was already verified"));
                }
                if *chart_digest != self.next.candidate.chart.digest {
                    return Err(refused(format!(
                        "verified chart {chart_digest} is not this execution's chart {}",
                        self.next.candidate.chart.digest
                    )));
                }
                self.enter_stage(0, Status::Verified);
                Ok(())
            }
            EventBody::ChartRejected { reason } => {
                if self.next.status != Status::Received {
                    return Err(stale("the chart was already verified"));
                }
                self.fail(format!("chart refused: {reason}"));
                Ok(())
            }
            EventBody::DeployStarted {
                env,
                revision,
                previous_revision,
            } => {
                let i = self.locate(env)?;
                match &self.next.status {
                    Status::Verified | Status::Deploying { .. } | Status::Approved { .. } => {}
                    Status::AwaitingApproval { .. } => {
                        return Err(not_yet(format!("{env} is waiting for approval")))
                    }
                    other => return Err(stale(format!("{env} is already {other}"))),
                }
                let stage_plan = &self.next.plan.stages[i];
                let deadline = self.at + stage_plan.timeout.to_chrono();
                let interval = stage_plan.check_interval;
                let stage = &mut self.next.stages[i];
                stage.status = StageStatus::Verifying;
                stage.revision = Some(*revision);
                stage.previous_revision = *previous_revision;
                stage.deadline = Some(deadline);
                stage.check_attempt = 1;
                self.next.status = Status::Verifying { env: env.clone() };
                self.check(i, *revision, 1, interval, deadline);
                let text = format!("deploying revision {revision} to {env}");
                self.notify(NoticeKind::DeployStarted, Some(env), text);
                Ok(())
            }
            EventBody::DeployFailed {
                env,
                reason,
                previous_revision,
            } => {
                let i = self.locate(env)?;
                match &self.next.status {
                    Status::Verified | Status::Deploying { .. } | Status::Approved { .. } => {}
                    Status::AwaitingApproval { .. } => {
                        return Err(not_yet(format!("{env} is waiting for approval")))
                    }
                    other => return Err(stale(format!("{env} is already {other}"))),
                }
                self.next.stages[i].previous_revision = *previous_revision;
                self.roll_back(i, format!("deploy failed: {reason}"));
                Ok(())
            }
            EventBody::RolloutProgressed {
                env,
                revision,
                attempt,
                message,
            } => {
                let i = self.check_result(env, *revision, *attempt)?;
                let deadline = self.next.stages[i].deadline.unwrap_or(self.at);
                if self.at >= deadline {
                    let timeout = self.next.plan.stages[i].timeout;
                    self.roll_back(i, format!("rollout of revision {revision} did not finish within {timeout}: {message}"));
                } else {
                    let interval = self.next.plan.stages[i].check_interval;
                    self.next.stages[i].check_attempt = attempt + 1;
                    self.check(i, *revision, attempt + 1, interval, deadline);
                }
                Ok(())
            }
            EventBody::RolloutSucceeded {
                env,
                revision,
                attempt,
            } => {
                let i = self.check_result(env, *revision, *attempt)?;
                let stage = &mut self.next.stages[i];
                stage.status = StageStatus::Succeeded;
                stage.finished_at = Some(self.at);
                let took = elapsed(stage.started_at, self.at);
                let text = format!("{env} is running revision {revision}{took}");
                self.notify(NoticeKind::StageSucceeded, Some(env), text);
                self.enter_stage(i + 1, Status::Deploying { env: String::new() });
                Ok(())
            }
            EventBody::RolloutFailed {
                env,
                revision,
                attempt,
                reason,
            } => {
                let i = self.check_result(env, *revision, *attempt)?;
                self.roll_back(
                    i,
                    format!("rollout of revision {revision} failed: {reason}"),
                );
                Ok(())
            }
            EventBody::RolledBack { env, revision } => {
                let i = self.locate(env)?;
                let Status::RollingBack { reason, .. } = &self.next.status else {
                    return Err(not_yet(format!("no rollback of {env} was requested")));
                };
                let reason = reason.clone();
                let stage = &mut self.next.stages[i];
                stage.status = StageStatus::RolledBack;
                stage.finished_at = Some(self.at);
                let to = match revision {
                    Some(r) => format!("revision {r}"),
                    None => "nothing (the first install was removed)".to_string(),
                };
                self.next.status = Status::RolledBack {
                    env: env.clone(),
                    reason: reason.clone(),
                };
                let took = elapsed(self.next.stages[i].started_at, self.at);
                let text = format!("{env} rolled back to {to}: {reason}{took}");
                self.notify(NoticeKind::RolledBack, Some(env), text);
                Ok(())
            }
            EventBody::RollbackFailed { env, reason } => {
                let i = self.locate(env)?;
                let Status::RollingBack { reason: cause, .. } = &self.next.status else {
                    return Err(not_yet(format!("no rollback of {env} was requested")));
                };
                let text = format!("rollback of {env} failed: {reason} (after: {cause})");
                let stage = &mut self.next.stages[i];
                stage.status = StageStatus::Failed;
                stage.finished_at = Some(self.at);
                stage.reason = Some(text.clone());
                self.fail(text);
                Ok(())
            }
            EventBody::DecisionRecorded {
                env,
                decision_id,
                by,
                groups,
                verdict,
                reason,
                digest,
            } => self.decide(
                env,
                decision_id,
                by,
                groups,
                *verdict,
                reason.clone(),
                digest.as_ref(),
            ),
            EventBody::TimerFired { env, timer } => self.timer(env, *timer),
            EventBody::Superseded { by } => {
                if *by == self.next.id {
                    return Err(refused("an execution cannot supersede itself"));
                }
                let Status::AwaitingApproval { env } = self.next.status.clone() else {
                    return Err(stale(format!(
                        "only an execution waiting for approval is superseded; this one is {}",
                        self.next.status
                    )));
                };
                let i = self.current_index()?;
                let stage = &mut self.next.stages[i];
                stage.status = StageStatus::Superseded;
                stage.finished_at = Some(self.at);
                self.next.status = Status::Superseded { by: by.clone() };
                self.update_approval(i, ApprovalState::Superseded { by: by.clone() });
                self.notify(
                    NoticeKind::Superseded,
                    Some(&env),
                    format!("superseded by {by} while waiting for approval of {env}"),
                );
                Ok(())
            }
            EventBody::Aborted { command, reason } => {
                if self.next.status.is_final() {
                    return Err(stale(format!(
                        "the execution is already {}",
                        self.next.status
                    )));
                }
                if let Ok(i) = self.current_index() {
                    let stage = &mut self.next.stages[i];
                    stage.status = StageStatus::Failed;
                    stage.finished_at = Some(self.at);
                    stage.reason = Some(reason.clone());
                }
                self.fail(format!("{command} failed: {reason}"));
                Ok(())
            }
        }
    }

    /// The stage the status is about.
    pub(super) fn current_index(&self) -> Result<usize, Ignored> {
        self.next
            .status
            .env()
            .and_then(|env| self.next.stage_index(env))
            .ok_or_else(|| stale(format!("the execution is {}", self.next.status)))
    }

    pub(super) fn position(&self, env: &str) -> Result<Position, Ignored> {
        let Some(i) = self.next.stage_index(env) else {
            return Err(refused(format!(
                "{env:?} is not an environment of {}",
                self.next.app
            )));
        };
        let current = match &self.next.status {
            Status::Received | Status::Verified => 0,
            _ => self.current_index()?,
        };
        Ok(match i.cmp(&current) {
            std::cmp::Ordering::Less => Position::Past,
            std::cmp::Ordering::Equal if self.next.status == Status::Received => Position::Future,
            std::cmp::Ordering::Equal => Position::Current(i),
            std::cmp::Ordering::Greater => Position::Future,
        })
    }

    /// The index of `env` if it is the current stage.
    fn locate(&self, env: &str) -> Result<usize, Ignored> {
        match self.position(env)? {
            Position::Current(i) => Ok(i),
            Position::Past => Err(stale(format!("{env} is done"))),
            Position::Future => Err(not_yet(format!("{env} is not reached yet"))),
        }
    }

    /// Validates a rollout check answer: current env, verifying, same revision,
    /// the attempt being waited for.
    fn check_result(&self, env: &str, revision: u64, attempt: u32) -> Result<usize, Ignored> {
        let i = self.locate(env)?;
        match &self.next.status {
            Status::Verifying { .. } => {}
            Status::RollingBack { .. } => return Err(stale(format!("{env} is rolling back"))),
            other => return Err(not_yet(format!("{env} is {other}, not verifying"))),
        }
        let stage = &self.next.stages[i];
        if stage.revision != Some(revision) {
            return Err(stale(format!(
                "revision {revision} is not the one deployed to {env} ({})",
                stage.revision.map_or("none".to_string(), |r| r.to_string())
            )));
        }
        match attempt.cmp(&stage.check_attempt) {
            std::cmp::Ordering::Less => Err(stale(format!(
                "check {attempt} was superseded by check {}",
                stage.check_attempt
            ))),
            std::cmp::Ordering::Greater => Err(not_yet(format!(
                "check {attempt} answered before check {}",
                stage.check_attempt
            ))),
            std::cmp::Ordering::Equal => Ok(i),
        }
    }

    /// Starts stage `i`: the gate first if it has one, else the deploy. `status` is
    /// the status of a queued deploy (Verified for the first stage, Deploying after
    /// a promotion); past the last stage the execution succeeded.
    fn enter_stage(&mut self, i: usize, status: Status) {
        let Some(plan) = self.next.plan.stages.get(i).cloned() else {
            self.next.status = Status::Succeeded;
            let envs: Vec<&str> = self
                .next
                .plan
                .stages
                .iter()
                .map(|s| s.env.as_str())
                .collect();
            let took = elapsed(Some(self.next.opened_at), self.at);
            let text = format!("released to {}{took}", envs.join(", "));
            self.notify(NoticeKind::Succeeded, None, text);
            return;
        };
        self.next.stages[i].started_at = Some(self.at);
        let Some(gate) = &plan.gate else {
            let status = match status {
                Status::Deploying { .. } => Status::Deploying {
                    env: plan.env.clone(),
                },
                other => other,
            };
            self.deploy(i, status);
            return;
        };
        let expires_at = self.at + gate.expiry.to_chrono();
        let remind_at = expires_at - gate.remind_before.to_chrono();
        self.next.stages[i].status = StageStatus::AwaitingApproval;
        self.next.stages[i].approval = Some(ApprovalRecord {
            requested_at: self.at,
            remind_at,
            expires_at,
            reminded: false,
            decisions: Vec::new(),
        });
        self.next.status = Status::AwaitingApproval {
            env: plan.env.clone(),
        };
        let c = &self.next.candidate;
        let request = ApprovalRequest {
            execution_id: self.next.id.clone(),
            app: self.next.app.clone(),
            env: plan.env.clone(),
            chart: c.chart.clone(),
            image: c.image.clone(),
            triggered_by: c.triggered_by.clone(),
            users: gate.users.clone(),
            groups: gate.groups.clone(),
            quorum: gate.quorum,
            four_eyes: gate.four_eyes,
            expires_at,
            channel: plan.approval_channel.clone(),
            previous_stages: self.next.stages[..i]
                .iter()
                .map(|s| StageSummary {
                    env: s.env.clone(),
                    status: s.status,
                    revision: s.revision,
                    started_at: s.started_at,
                    finished_at: s.finished_at,
                })
                .collect(),
            values_diff: None,
            links: self
                .next
                .plan
                .links
                .iter()
                .map(|l| super::Link {
                    label: l.label.clone(),
                    url: l
                        .url
                        .replace("{app}", &self.next.app)
                        .replace("{env}", &plan.env)
                        .replace("{execution_id}", self.next.id.as_str()),
                })
                .collect(),
        };
        self.commands.push(Command::RequestApproval { request });
        for (timer, fire_at) in [
            (TimerKind::ApprovalReminder, remind_at),
            (TimerKind::ApprovalExpiry, expires_at),
        ] {
            self.commands.push(Command::ScheduleTimer {
                env: plan.env.clone(),
                timer,
                fire_at,
            });
        }
        let text = format!(
            "approval needed to deploy to {} ({} of {} approver(s); expires {})",
            plan.env,
            gate.quorum,
            gate.users.len() + gate.groups.len(),
            expires_at.to_rfc3339()
        );
        self.notify(NoticeKind::ApprovalRequested, Some(&plan.env), text);
    }

    /// Queues the deploy of stage `i`.
    pub(super) fn deploy(&mut self, i: usize, status: Status) {
        let plan = &self.next.plan;
        let stage = &plan.stages[i];
        let c = &self.next.candidate;
        self.commands.push(Command::Deploy {
            app: self.next.app.clone(),
            env: stage.env.clone(),
            cluster: stage.cluster.clone(),
            namespace: stage.namespace.clone(),
            release: plan.release.clone(),
            chart: c.chart.clone(),
            values_files: stage.values_files.clone(),
            image: c.image.clone(),
            image_values: plan.image_values.clone(),
            timeout: stage.timeout,
            strategy: stage.strategy.clone(),
        });
        self.next.stages[i].status = StageStatus::Queued;
        self.next.status = status;
    }

    fn check(
        &mut self,
        i: usize,
        revision: u64,
        attempt: u32,
        delay: crate::span::Span,
        deadline: DateTime<Utc>,
    ) {
        let plan = &self.next.plan;
        let stage = &plan.stages[i];
        self.commands.push(Command::CheckRollout {
            app: self.next.app.clone(),
            env: stage.env.clone(),
            cluster: stage.cluster.clone(),
            namespace: stage.namespace.clone(),
            release: plan.release.clone(),
            revision,
            attempt,
            delay,
            deadline,
        });
    }

    fn roll_back(&mut self, i: usize, reason: String) {
        let plan = &self.next.plan;
        let stage = &plan.stages[i];
        let env = stage.env.clone();
        let to_revision = self.next.stages[i].previous_revision;
        self.commands.push(Command::RollBack {
            app: self.next.app.clone(),
            env: env.clone(),
            cluster: stage.cluster.clone(),
            namespace: stage.namespace.clone(),
            release: plan.release.clone(),
            to_revision,
            reason: reason.clone(),
        });
        let record = &mut self.next.stages[i];
        record.status = StageStatus::RollingBack;
        record.reason = Some(reason.clone());
        self.next.status = Status::RollingBack {
            env: env.clone(),
            reason: reason.clone(),
        };
        self.notify(
            NoticeKind::RollingBack,
            Some(&env),
            format!("{env}: {reason}; rolling back"),
        );
    }

    fn fail(&mut self, reason: String) {
        self.next.status = Status::Failed {
            reason: reason.clone(),
        };
        self.notify(NoticeKind::Failed, None, reason);
    }

    pub(super) fn notify(&mut self, kind: NoticeKind, env: Option<&str>, text: String) {
        let notice = self.next.notice(kind, env, text);
        self.commands.push(notice);
    }
}
