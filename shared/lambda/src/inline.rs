//! A command queue for a function: messages of routes that have an SQS queue go to
//! it; messages of routes without one (chart verification, when no charts queue is
//! configured) are kept and run in this process by [`drain`], right after the handler
//! that produced them, through the same handlers.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use lockgate_aws::SqsCommandQueue;
use lockgate_core::envelope::{Envelope, Outgoing};
use lockgate_core::ports::{async_trait, CommandQueue, PortError};
use lockgate_pipeline::handlers::Ctx;

use crate::batch::Disposition;

/// SQS for routes with a queue; in process for the others.
#[derive(Debug, Clone)]
pub struct InlineQueue {
    sqs: SqsCommandQueue,
    pending: Arc<Mutex<VecDeque<Envelope>>>,
}

impl InlineQueue {
    /// Sends through `sqs`.
    pub fn new(sqs: SqsCommandQueue) -> Self {
        Self {
            sqs,
            pending: Arc::default(),
        }
    }

    fn pop(&self) -> Option<Envelope> {
        self.pending.lock().ok()?.pop_front()
    }
}

#[async_trait]
impl CommandQueue for InlineQueue {
    async fn send(&self, message: &Outgoing) -> Result<(), PortError> {
        if self.sqs.urls().of(message.route).is_some() {
            return self.sqs.send(message).await;
        }
        tracing::debug!(kind = %message.envelope.kind, execution_id = %message.envelope.execution_id, "run in process");
        self.pending
            .lock()
            .map_err(|_| PortError::permanent("inline queue", "poisoned lock"))?
            .push_back(message.envelope.clone());
        Ok(())
    }
}

/// Runs the messages kept by `queue` (and those they produce) with `ctx`, whose queue
/// must be `queue`. The first that must be retried stops the rest: the triggering
/// message is retried as a whole, and every handler is idempotent.
pub async fn drain(ctx: &Ctx, queue: &InlineQueue) -> Disposition {
    while let Some(envelope) = queue.pop() {
        if let Disposition::Retry(why) = crate::envelopes::handle(ctx, &envelope).await {
            if let Ok(mut p) = queue.pending.lock() {
                p.clear();
            }
            return Disposition::Retry(why);
        }
    }
    Disposition::Done
}
