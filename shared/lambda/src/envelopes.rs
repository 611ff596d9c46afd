//! One queued envelope through the pipeline's handlers, with the failure policy of the
//! functions: a transient error is retried (the message stays on its queue); a
//! permanent one fails the execution with an `Aborted` event (which notifies) and the
//! message is done, so it never loops; a message that is not a lockgate envelope at
//! all is poison: it is retried until its queue moves it to the DLQ, whose alarm
//! tells people.

use lockgate_core::envelope::{Envelope, Message};
use lockgate_core::execution::{Event, EventBody};
use lockgate_pipeline::handlers::{self, Ctx, HandlerError};

use crate::batch::Disposition;

/// One SQS record holding an envelope, in a context of its own: the envelope, then
/// whatever it queued for this process.
pub async fn handle_record(
    env: &crate::FunctionEnv,
    record: &crate::batch::SqsRecord,
) -> Disposition {
    let queue = env.queue();
    let ctx = match env.ctx(&queue).await {
        Ok(c) => c,
        Err(e) => return Disposition::Retry(e.to_string()),
    };
    match handle_body(&ctx, &record.body).await {
        Disposition::Done => crate::inline::drain(&ctx, &queue).await,
        retry => retry,
    }
}

/// Parses a message body as an envelope and handles it.
pub async fn handle_body(ctx: &Ctx, body: &str) -> Disposition {
    match Envelope::from_json(body) {
        Ok(envelope) => handle(ctx, &envelope).await,
        Err(e) => poison(format!("not a lockgate message: {e}")),
    }
}

/// Handles one envelope.
pub async fn handle(ctx: &Ctx, envelope: &Envelope) -> Disposition {
    let id = &envelope.execution_id;
    let message = match envelope.decode() {
        Ok(m) => m,
        Err(e) => {
            return poison(format!(
                "message {} of {id} cannot be read: {e}",
                envelope.idempotency_key
            ))
        }
    };
    let span = tracing::info_span!("message", execution_id = %id, kind = %envelope.kind);
    let _enter = span.enter();
    match handlers::handle(ctx, envelope).await {
        Ok(()) => Disposition::Done,
        Err(e @ HandlerError::Transient(_)) => Disposition::Retry(e.to_string()),
        Err(HandlerError::Permanent(reason)) => {
            tracing::error!(execution_id = %id, kind = %envelope.kind, reason = %reason, "failed for good");
            let command = match &message {
                Message::Command(c) => c.name().to_string(),
                Message::Event(e) => e.name().to_string(),
            };
            abort(ctx, envelope, command, reason).await
        }
    }
}

/// Fails the execution of `envelope` because `command` failed for good.
async fn abort(ctx: &Ctx, envelope: &Envelope, command: String, reason: String) -> Disposition {
    let event = Event::new(ctx.clock.now(), EventBody::Aborted { command, reason });
    match handlers::apply_event(ctx, &envelope.execution_id, &event).await {
        Ok(_) => Disposition::Done,
        Err(e @ HandlerError::Transient(_)) => Disposition::Retry(e.to_string()),
        // no such execution, or it cannot take the event: nothing left to fail
        Err(HandlerError::Permanent(why)) => {
            tracing::error!(execution_id = %envelope.execution_id, reason = %why, "could not fail the execution");
            Disposition::Done
        }
    }
}

fn poison(why: String) -> Disposition {
    tracing::error!(reason = %why, "poison message: it stays on its queue until the DLQ takes it");
    Disposition::Retry(format!("poison: {why}"))
}
