//! `approvals`: the approvals queue: approval requests and their updates, decisions
//! (enqueued by `slack-interactions`), reminder and expiry timers, supersession, and
//! notifications (the approvals function holds the Slack token).

use serde_json::Value;

use crate::batch::{self, Disposition, SqsRecord};
use crate::context::FunctionEnv;

/// Handles one SQS batch; answers the partial batch response.
///
/// # Errors
/// When the event is not an SQS batch.
pub async fn handle(env: &FunctionEnv, event: &Value) -> Result<Value, String> {
    let records = batch::records(event).map_err(|e| e.to_string())?;
    Ok(batch::run(records, |r| one(env, r)).await)
}

async fn one(env: &FunctionEnv, record: SqsRecord) -> Disposition {
    crate::envelopes::handle_record(env, &record).await
}
