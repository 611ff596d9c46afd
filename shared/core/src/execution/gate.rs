//! The approval gate: decisions (allowed approvers, four-eyes, quorum of distinct
//! people, first decision wins, a reject is final), reminders and expiry.

use super::command::{ApprovalState, Command, NoticeKind};
use super::event::{TimerKind, Verdict};
use super::record::{DecisionRecord, StageStatus, Status};
use crate::ids::Digest;

use super::step::{not_yet, refused, stale, Applied, Ignored, Machine, Position};

impl Machine {
    pub(super) fn update_approval(&mut self, i: usize, state: ApprovalState) {
        self.commands.push(Command::UpdateApproval {
            env: self.next.plan.stages[i].env.clone(),
            channel: self.next.plan.stages[i].approval_channel.clone(),
            state,
        });
    }

    /// Finds the open gate of `env`.
    fn open_gate(&self, env: &str) -> Result<usize, Ignored> {
        let i = match self.position(env)? {
            Position::Current(i) => i,
            Position::Past => return Err(stale(format!("the gate of {env} was decided"))),
            Position::Future => return Err(not_yet(format!("{env}'s gate is not open yet"))),
        };
        if self.next.plan.stages[i].gate.is_none() {
            return Err(refused(format!("{env} has no approval gate")));
        }
        match &self.next.status {
            Status::AwaitingApproval { .. } => Ok(i),
            _ => Err(stale(format!("the gate of {env} was decided"))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn decide(
        &mut self,
        env: &str,
        decision_id: &str,
        by: &str,
        groups: &[String],
        verdict: Verdict,
        reason: Option<String>,
        digest: Option<&Digest>,
    ) -> Applied {
        let i = self.open_gate(env)?;
        let chart = &self.next.candidate.chart.digest;
        if let Some(d) = digest.filter(|d| *d != chart) {
            return Err(refused(format!(
                "this decision was for a different artifact (chart {}) than the release waiting at {env} (chart {}): decide on the current request",
                d.short(),
                chart.short()
            )));
        }
        let gate = self.next.plan.stages[i]
            .gate
            .clone()
            .ok_or_else(|| refused("no gate"))?;
        if !gate.allows(by, groups) {
            return Err(refused(format!("{by} is not an approver of {env}")));
        }
        if gate.four_eyes && self.next.candidate.triggered_by.as_deref() == Some(by) {
            return Err(refused(format!(
                "{by} triggered this release and {env} needs someone else's decision (four-eyes)"
            )));
        }
        let record = self.next.stages[i]
            .approval
            .clone()
            .ok_or_else(|| stale("no approval request"))?;
        if self.at >= record.expires_at {
            self.expire(i);
            return Ok(());
        }
        if record.decisions.iter().any(|d| d.by == by) {
            return Err(Ignored::Duplicate {
                key: format!("decision of {by} at {env}"),
            });
        }
        let decision = DecisionRecord {
            id: decision_id.to_string(),
            by: by.to_string(),
            verdict,
            reason: reason.clone(),
            at: self.at,
        };
        let approval = self.next.stages[i]
            .approval
            .as_mut()
            .ok_or_else(|| stale("no approval request"))?;
        approval.decisions.push(decision);
        let approved_by: Vec<String> = approval
            .decisions
            .iter()
            .filter(|d| d.verdict == Verdict::Approve)
            .map(|d| d.by.clone())
            .collect();
        match verdict {
            Verdict::Reject => {
                let stage = &mut self.next.stages[i];
                stage.status = StageStatus::Rejected;
                stage.finished_at = Some(self.at);
                stage.reason = reason.clone();
                self.next.status = Status::Rejected {
                    env: env.to_string(),
                    by: by.to_string(),
                    reason: reason.clone(),
                };
                self.update_approval(
                    i,
                    ApprovalState::Rejected {
                        by: by.to_string(),
                        reason: reason.clone(),
                    },
                );
                let why = reason.map(|r| format!(": {r}")).unwrap_or_default();
                self.notify(
                    NoticeKind::Rejected,
                    Some(env),
                    format!("{by} rejected the deploy to {env}{why}"),
                );
            }
            Verdict::Approve if approved_by.len() >= gate.quorum as usize => {
                self.update_approval(
                    i,
                    ApprovalState::Approved {
                        by: approved_by.clone(),
                    },
                );
                self.notify(
                    NoticeKind::Approved,
                    Some(env),
                    format!("deploy to {env} approved by {}", approved_by.join(", ")),
                );
                self.deploy(
                    i,
                    Status::Approved {
                        env: env.to_string(),
                    },
                );
            }
            Verdict::Approve => {
                let text = format!(
                    "{by} approved the deploy to {env} ({} of {})",
                    approved_by.len(),
                    gate.quorum
                );
                self.update_approval(
                    i,
                    ApprovalState::Pending {
                        approved_by,
                        quorum: gate.quorum,
                    },
                );
                self.notify(NoticeKind::ApprovalPending, Some(env), text);
            }
        }
        Ok(())
    }

    pub(super) fn timer(&mut self, env: &str, timer: TimerKind) -> Applied {
        let i = self.open_gate(env)?;
        let record = self.next.stages[i]
            .approval
            .clone()
            .ok_or_else(|| stale("no approval request"))?;
        match timer {
            TimerKind::ApprovalReminder => {
                if self.at < record.remind_at {
                    return Err(not_yet(format!(
                        "the reminder is due at {}",
                        record.remind_at.to_rfc3339()
                    )));
                }
                if let Some(a) = self.next.stages[i].approval.as_mut() {
                    a.reminded = true;
                }
                let text = format!(
                    "reminder: the deploy to {env} expires at {} ({} of {} approvals)",
                    record.expires_at.to_rfc3339(),
                    record.approvals(),
                    self.next.plan.stages[i]
                        .gate
                        .as_ref()
                        .map_or(0, |g| g.quorum)
                );
                self.notify(NoticeKind::ApprovalReminder, Some(env), text);
            }
            TimerKind::ApprovalExpiry => {
                if self.at < record.expires_at {
                    return Err(not_yet(format!(
                        "the request expires at {}",
                        record.expires_at.to_rfc3339()
                    )));
                }
                self.expire(i);
            }
        }
        Ok(())
    }

    fn expire(&mut self, i: usize) {
        let env = self.next.plan.stages[i].env.clone();
        let stage = &mut self.next.stages[i];
        stage.status = StageStatus::Expired;
        stage.finished_at = Some(self.at);
        self.next.status = Status::Expired { env: env.clone() };
        self.update_approval(i, ApprovalState::Expired);
        self.notify(
            NoticeKind::Expired,
            Some(&env),
            format!("nobody decided on the deploy to {env} in time; the release stops here"),
        );
    }
}
