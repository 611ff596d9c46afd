//! `deployer`: two event sources. The deployer FIFO queue (one message group per
//! app+environment, so deploys to one environment never overlap): deploys, rollout
//! checks, rollbacks. The standard timer queue: delayed messages of FIFO routes, which
//! are forwarded to their queue when due.

use lockgate_aws::{is_fifo, ATTR_ROUTE};
use serde_json::Value;

use crate::batch::{self, Disposition, SqsRecord};
use crate::context::FunctionEnv;

/// Handles one SQS batch from either queue; answers the partial batch response.
///
/// # Errors
/// When the event is not an SQS batch.
pub async fn handle(env: &FunctionEnv, event: &Value) -> Result<Value, String> {
    let records = batch::records(event).map_err(|e| e.to_string())?;
    Ok(batch::run(records, |r| one(env, r)).await)
}

async fn one(env: &FunctionEnv, record: SqsRecord) -> Disposition {
    if is_timer(env, &record) {
        return forward(env, &record).await;
    }
    crate::envelopes::handle_record(env, &record).await
}

/// Whether the record comes from the timer queue: its queue is not FIFO, or it
/// names the timer queue.
fn is_timer(env: &FunctionEnv, record: &SqsRecord) -> bool {
    let name = record.queue_name();
    match env.settings.queues.timer.as_deref() {
        Some(url) if !name.is_empty() => url.rsplit('/').next() == Some(name),
        _ => !is_fifo(name) && record.attributes.contains_key(ATTR_ROUTE),
    }
}

async fn forward(env: &FunctionEnv, record: &SqsRecord) -> Disposition {
    let attrs = &record.attributes;
    match env
        .aws
        .queue
        .forward(&record.message_id, &record.body, |k| attrs.get(k).cloned())
        .await
    {
        Ok(()) => {
            tracing::debug!(message_id = %record.message_id, route = attrs.get(ATTR_ROUTE).map(String::as_str).unwrap_or(""), "timer forwarded");
            Disposition::Done
        }
        Err(e) if e.is_transient() => Disposition::Retry(e.to_string()),
        Err(e) => Disposition::Retry(format!("poison: {e}")),
    }
}
