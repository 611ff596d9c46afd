//! SQS batches as Lambda delivers them (`{"Records": [...]}`) and the partial batch
//! response (`ReportBatchItemFailures`): handled messages are deleted by Lambda, the
//! ones named in `batchItemFailures` come back after the visibility timeout and reach
//! the queue's DLQ after `maxReceiveCount` receives.
//!
//! FIFO order: once a message of a group fails, the later messages of that group in
//! the same batch are not run and are reported failed too, so they never overtake it.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;

use serde_json::{json, Value};

/// One SQS message of a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqsRecord {
    /// `messageId` (what a batch failure names).
    pub message_id: String,
    /// The body.
    pub body: String,
    /// ARN of the queue it came from.
    pub source_arn: String,
    /// FIFO message group, if any.
    pub group_id: Option<String>,
    /// How often it was received (1 on the first delivery).
    pub receive_count: u32,
    /// String message attributes.
    pub attributes: BTreeMap<String, String>,
}

impl SqsRecord {
    /// The queue's name (the ARN's last part).
    pub fn queue_name(&self) -> &str {
        self.source_arn.rsplit(':').next().unwrap_or_default()
    }
}

/// Why an event is not an SQS batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an SQS batch: {0} (this function is invoked by an SQS event source mapping)")]
pub struct NotABatch(pub String);

/// The records of an SQS event.
///
/// # Errors
/// [`NotABatch`] when `event` has no `Records` array or a record lacks its `messageId`
/// or `body`.
pub fn records(event: &Value) -> Result<Vec<SqsRecord>, NotABatch> {
    let list = event
        .get("Records")
        .and_then(Value::as_array)
        .ok_or_else(|| NotABatch("no Records array".to_string()))?;
    list.iter()
        .enumerate()
        .map(|(i, r)| {
            let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
            let message_id = text("messageId")
                .ok_or_else(|| NotABatch(format!("record {i} has no messageId")))?;
            let body = text("body").ok_or_else(|| NotABatch(format!("record {i} has no body")))?;
            let system = |k: &str| {
                r.get("attributes")
                    .and_then(|a| a.get(k))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let attributes = r
                .get("messageAttributes")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| {
                            v.get("stringValue")
                                .and_then(Value::as_str)
                                .map(|s| (k.clone(), s.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(SqsRecord {
                message_id,
                body,
                source_arn: text("eventSourceARN").unwrap_or_default(),
                group_id: system("MessageGroupId"),
                receive_count: system("ApproximateReceiveCount")
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(1),
                attributes,
            })
        })
        .collect()
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Handled (or nothing to do): delete it.
    Done,
    /// Leave it on the queue: it is retried, and reaches the DLQ after
    /// `maxReceiveCount` receives.
    Retry(String),
}

/// Runs `handle` on each record in order and returns the batch response naming the
/// records to retry.
pub async fn run<F, Fut>(records: Vec<SqsRecord>, mut handle: F) -> Value
where
    F: FnMut(SqsRecord) -> Fut,
    Fut: Future<Output = Disposition>,
{
    let mut failed_groups: HashSet<String> = HashSet::new();
    let mut failures = Vec::new();
    for record in records {
        let id = record.message_id.clone();
        if let Some(g) = &record.group_id {
            if failed_groups.contains(g) {
                tracing::info!(message_id = %id, group = %g, "held back: an earlier message of its group failed");
                failures.push(id);
                continue;
            }
        }
        let group = record.group_id.clone();
        match handle(record).await {
            Disposition::Done => {}
            Disposition::Retry(why) => {
                tracing::warn!(message_id = %id, reason = %why, "message will be retried");
                failures.push(id);
                if let Some(g) = group {
                    failed_groups.insert(g);
                }
            }
        }
    }
    response(&failures)
}

/// `{"batchItemFailures": [{"itemIdentifier": id}, ...]}`.
pub fn response(failed_ids: &[String]) -> Value {
    let items: Vec<Value> = failed_ids
        .iter()
        .map(|id| json!({ "itemIdentifier": id }))
        .collect();
    json!({ "batchItemFailures": items })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Value {
        json!({"Records": [
            {"messageId": "m1", "body": "{\"fail\":true}", "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:lockgate-deployer.fifo",
             "attributes": {"MessageGroupId": "web/staging", "ApproximateReceiveCount": "2"},
             "messageAttributes": {"lockgate-route": {"stringValue": "deployer", "dataType": "String"}}},
            {"messageId": "m2", "body": "{}", "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:lockgate-deployer.fifo",
             "attributes": {"MessageGroupId": "web/staging"}},
            {"messageId": "m3", "body": "{}", "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:lockgate-deployer.fifo",
             "attributes": {"MessageGroupId": "web/production"}}
        ]})
    }

    #[test]
    fn records_carry_group_attributes_and_receive_count() {
        let r = records(&event()).expect("batch");
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].group_id.as_deref(), Some("web/staging"));
        assert_eq!(r[0].receive_count, 2);
        assert_eq!(r[1].receive_count, 1);
        assert_eq!(r[0].attributes["lockgate-route"], "deployer");
        assert_eq!(r[0].queue_name(), "lockgate-deployer.fifo");
    }

    #[test]
    fn an_event_without_records_is_not_a_batch() {
        let e = records(&json!({"detail-type": "ECR Image Action"})).unwrap_err();
        assert!(e.to_string().contains("no Records array"), "{e}");
        let e = records(&json!({"Records": [{"body": "x"}]})).unwrap_err();
        assert!(e.to_string().contains("record 0 has no messageId"), "{e}");
    }

    #[tokio::test]
    async fn a_failed_message_holds_back_the_rest_of_its_fifo_group_only() {
        let mut ran = Vec::new();
        let answer = run(records(&event()).expect("batch"), |r| {
            ran.push(r.message_id.clone());
            let fail = r.body.contains("fail");
            async move {
                if fail {
                    Disposition::Retry("boom".into())
                } else {
                    Disposition::Done
                }
            }
        })
        .await;
        assert_eq!(ran, vec!["m1", "m3"], "m2 must not overtake m1");
        assert_eq!(
            answer,
            json!({"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]})
        );
    }
}
