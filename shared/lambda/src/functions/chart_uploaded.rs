//! `chart-uploaded`: S3 notifications of the chart bucket, delivered through SQS. Each
//! new `.tgz` is retrieved, verified and opens its execution; the first deploy is
//! queued. Chart verification runs in this process unless a charts queue is configured.
//! `s3:TestEvent`, `index.yaml` and duplicate notifications change nothing.

use lockgate_aws::events::{parse_s3_notification, Parsed};
use lockgate_pipeline::handlers::{self, HandlerError};
use serde_json::Value;

use crate::batch::{self, Disposition, SqsRecord};
use crate::context::FunctionEnv;
use crate::inline;

/// Handles one SQS batch; answers the partial batch response.
///
/// # Errors
/// When the event is not an SQS batch.
pub async fn handle(env: &FunctionEnv, event: &Value) -> Result<Value, String> {
    let records = batch::records(event).map_err(|e| e.to_string())?;
    Ok(batch::run(records, |r| one(env, r)).await)
}

async fn one(env: &FunctionEnv, record: SqsRecord) -> Disposition {
    let notifications = match parse_s3_notification(&record.body) {
        Ok(n) => n,
        Err(e) => return Disposition::Retry(format!("poison: {e}")),
    };
    let queue = env.queue();
    let ctx = match env.ctx(&queue).await {
        Ok(c) => c,
        Err(e) => return Disposition::Retry(e.to_string()),
    };
    for n in notifications {
        let created = match n {
            Parsed::Ignored { reason } => {
                tracing::info!(%reason, "notification ignored");
                continue;
            }
            Parsed::Event(c) => c,
        };
        if created.bucket != env.settings.charts.bucket {
            tracing::warn!(bucket = %created.bucket, key = %created.key, "notification from another bucket ignored");
            continue;
        }
        let Some(key) = created.key.strip_prefix(&env.settings.charts.prefix) else {
            tracing::info!(key = %created.key, "object outside the chart repository prefix ignored");
            continue;
        };
        match handlers::chart_uploaded(&ctx, key).await {
            Ok(Some(id)) => {
                tracing::info!(execution_id = %id, chart = %key, stage = "open", "chart received")
            }
            Ok(None) => tracing::debug!(key, "not a chart archive"),
            Err(HandlerError::Transient(t)) => return Disposition::Retry(t),
            Err(HandlerError::Permanent(p)) => {
                // a refused archive opens no execution: log it; retrying cannot help
                tracing::error!(chart = %key, reason = %p, stage = "open", "chart refused");
                continue;
            }
        }
        if let Disposition::Retry(why) = inline::drain(&ctx, &queue).await {
            return Disposition::Retry(why);
        }
    }
    Disposition::Done
}
