//! Runs the pipeline's queued work in one process: pumps the local queue into the
//! handlers (every route), retries transient failures with backoff and dead-letters
//! messages that keep failing or can never succeed.

use std::time::Duration;

use lockgate_core::execution::Route;

use crate::handlers::{self, Ctx};
use crate::local::queue::LocalQueue;

/// Routes in the order the pump serves them.
const ROUTES: [Route; 4] = [
    Route::Notifications,
    Route::Charts,
    Route::Approvals,
    Route::Deployer,
];

/// The local pump.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// handler context (its queue is `queue`)
    pub ctx: Ctx,
    /// the queue
    pub queue: LocalQueue,
}

/// A message that failed for good.
#[derive(Debug, Clone)]
pub struct Failure {
    /// message kind
    pub kind: String,
    /// execution
    pub execution_id: String,
    /// why
    pub error: String,
}

impl Runtime {
    /// Handles one visible message, if any. Returns whether one was handled, and the
    /// failure when it was dead-lettered.
    pub async fn pump_once(&self) -> (bool, Option<Failure>) {
        for route in ROUTES {
            let Some(d) = self.queue.receive(route) else {
                continue;
            };
            let result = handlers::handle(&self.ctx, &d.envelope).await;
            let failure = match result {
                Ok(()) => {
                    self.queue.ack(&d);
                    None
                }
                Err(e) if e.is_transient() => {
                    let backoff = chrono::Duration::milliseconds(250 << d.receive_count.min(6));
                    tracing::warn!(execution_id = %d.envelope.execution_id, kind = %d.envelope.kind, error = %e, "retrying");
                    self.queue
                        .nack(&d, backoff)
                        .then(|| failure(&d.envelope, e.to_string()))
                }
                Err(e) => {
                    tracing::error!(execution_id = %d.envelope.execution_id, kind = %d.envelope.kind, error = %e, "message failed");
                    self.queue.dead_letter(&d);
                    Some(failure(&d.envelope, e.to_string()))
                }
            };
            return (true, failure);
        }
        (false, None)
    }

    /// Pumps until `done()` says so or nothing is left to wait for; sleeps until the
    /// next delayed message. Returns the failures seen.
    pub async fn run_until(
        &self,
        mut done: impl FnMut() -> bool,
        idle_tick: Duration,
    ) -> Vec<Failure> {
        let mut failures = Vec::new();
        loop {
            if done() {
                return failures;
            }
            let (worked, failed) = self.pump_once().await;
            failures.extend(failed);
            if worked {
                continue;
            }
            if self.queue.is_empty() {
                return failures;
            }
            let wait = self
                .queue
                .next_visible_at()
                .map(|t| (t - chrono::Utc::now()).to_std().unwrap_or_default())
                .unwrap_or(idle_tick)
                .min(idle_tick);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.queue.changed() => {}
            }
        }
    }
}

fn failure(env: &lockgate_core::envelope::Envelope, error: String) -> Failure {
    Failure {
        kind: env.kind.clone(),
        execution_id: env.execution_id.to_string(),
        error,
    }
}
