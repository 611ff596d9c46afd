//! The environment record (`environments/<app>/<env>.json`): which revision is
//! live and which execution holds the environment (a lease), so two executions
//! never deploy one environment at once even outside a FIFO queue.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::ExecutionId;
use crate::span::Span;

/// What runs in an environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRelease {
    /// Release revision.
    pub revision: u64,
    /// The execution that deployed it.
    pub execution_id: ExecutionId,
    /// Pinned image reference.
    pub image: String,
    /// Chart version.
    pub chart_version: String,
    /// When its rollout finished.
    pub deployed_at: DateTime<Utc>,
}

/// An execution's hold on an environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The holder.
    pub execution_id: ExecutionId,
    /// When it was taken or last renewed.
    pub acquired_at: DateTime<Utc>,
    /// When others may take it (a crashed holder does not block forever).
    pub expires_at: DateTime<Utc>,
}

/// One app's environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentRecord {
    /// App name.
    pub app: String,
    /// Environment name.
    pub env: String,
    /// What is live, if anything was deployed.
    #[serde(default)]
    pub live: Option<LiveRelease>,
    /// Who is deploying, if anyone.
    #[serde(default)]
    pub lease: Option<Lease>,
}

/// The environment is held by another execution.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{app}/{env} is being deployed by {holder} until {until}; try again after it finishes")]
pub struct LeaseHeld {
    /// App name.
    pub app: String,
    /// Environment name.
    pub env: String,
    /// The execution holding it.
    pub holder: ExecutionId,
    /// When its lease expires.
    pub until: DateTime<Utc>,
}

impl EnvironmentRecord {
    /// An environment nothing was deployed to yet.
    pub fn new(app: &str, env: &str) -> Self {
        Self {
            app: app.to_string(),
            env: env.to_string(),
            live: None,
            lease: None,
        }
    }

    /// The record with `id` holding the environment until `now + ttl`. The holder
    /// may renew; anyone may take an expired lease.
    ///
    /// # Errors
    /// [`LeaseHeld`] when another execution holds an unexpired lease.
    pub fn acquire(
        &self,
        id: &ExecutionId,
        now: DateTime<Utc>,
        ttl: Span,
    ) -> Result<Self, LeaseHeld> {
        if let Some(lease) = &self.lease {
            if lease.execution_id != *id && lease.expires_at > now {
                return Err(LeaseHeld {
                    app: self.app.clone(),
                    env: self.env.clone(),
                    holder: lease.execution_id.clone(),
                    until: lease.expires_at,
                });
            }
        }
        let mut next = self.clone();
        next.lease = Some(Lease {
            execution_id: id.clone(),
            acquired_at: now,
            expires_at: now + ttl.to_chrono(),
        });
        Ok(next)
    }

    /// The record after `id` finished: its lease released, and `live` recorded
    /// when it deployed something (a success, or the revision a rollback restored).
    /// A lease held by someone else is left alone.
    pub fn release(&self, id: &ExecutionId, live: Option<LiveRelease>) -> Self {
        let mut next = self.clone();
        if next.lease.as_ref().is_some_and(|l| l.execution_id == *id) {
            next.lease = None;
        }
        if live.is_some() {
            next.live = live;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn id(n: u8) -> ExecutionId {
        ExecutionId::from_string(format!("web-{n}"))
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn a_held_environment_refuses_other_executions_until_the_lease_expires() {
        let rec = EnvironmentRecord::new("web", "production")
            .acquire(&id(1), now(), Span::from_mins(30))
            .expect("free");
        let held = rec
            .acquire(
                &id(2),
                now() + chrono::Duration::minutes(29),
                Span::from_mins(30),
            )
            .expect_err("held");
        assert_eq!(held.holder, id(1));
        assert!(held
            .to_string()
            .contains("web/production is being deployed by web-1"));
        let renewed = rec
            .acquire(
                &id(1),
                now() + chrono::Duration::minutes(29),
                Span::from_mins(30),
            )
            .expect("renew");
        assert_eq!(
            renewed.lease.as_ref().map(|l| l.expires_at),
            Some(now() + chrono::Duration::minutes(59))
        );
        let taken = rec
            .acquire(
                &id(2),
                now() + chrono::Duration::minutes(30),
                Span::from_mins(30),
            )
            .expect("expired");
        assert_eq!(taken.lease.map(|l| l.execution_id), Some(id(2)));
    }

    #[test]
    fn releasing_records_the_live_revision_and_frees_the_environment() {
        let rec = EnvironmentRecord::new("web", "staging")
            .acquire(&id(1), now(), Span::from_mins(30))
            .expect("free");
        let live = LiveRelease {
            revision: 3,
            execution_id: id(1),
            image: "web:1.0@sha256:...".to_string(),
            chart_version: "1.0.0".to_string(),
            deployed_at: now(),
        };
        let other = rec.release(&id(2), None);
        assert_eq!(other, rec, "only the holder releases");
        let done = rec.release(&id(1), Some(live.clone()));
        assert_eq!((done.lease, done.live), (None, Some(live)));
    }
}
