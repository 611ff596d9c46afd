//! The pure half of an SQS event source mapping, for tests that play one: build the
//! `{"Records": [...]}` event Lambda hands a function from received messages, and settle
//! the batch from the function's answer the way Lambda does with
//! `ReportBatchItemFailures` (delete what succeeded, leave the rest to be redelivered).
//! Receiving and deleting are the caller's (it owns the SQS client).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::error::FunctionError;

/// One received SQS message, as `ReceiveMessage` returned it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqsMessage {
    /// `MessageId`: the `itemIdentifier` a batch response names.
    pub message_id: String,
    /// `ReceiptHandle`, needed to delete the message.
    pub receipt_handle: String,
    /// `Body`.
    pub body: String,
    /// `MD5OfBody`.
    pub md5_of_body: String,
    /// System attributes (`ApproximateReceiveCount`, `SentTimestamp`, `MessageGroupId`, ...).
    pub attributes: BTreeMap<String, String>,
    /// String message attributes, by name.
    pub message_attributes: BTreeMap<String, String>,
}

/// The SQS event Lambda would pass for `messages` from the queue `queue_arn`.
pub fn sqs_event(queue_arn: &str, messages: &[SqsMessage]) -> Value {
    let region = queue_arn.split(':').nth(3).unwrap_or("us-east-1");
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: Map<String, Value> = m
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let message_attributes: Map<String, Value> = m
                .message_attributes
                .iter()
                .map(|(k, v)| {
                    let attr = json!({
                        "stringValue": v,
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": "String",
                    });
                    (k.clone(), attr)
                })
                .collect();
            json!({
                "messageId": m.message_id,
                "receiptHandle": m.receipt_handle,
                "body": m.body,
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "md5OfBody": m.md5_of_body,
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            })
        })
        .collect();
    json!({ "Records": records })
}

/// What to do with a batch after the function answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    /// Message ids to delete (handled).
    pub delete: Vec<String>,
    /// Message ids to leave on the queue; they come back after the visibility timeout.
    pub retry: Vec<String>,
    /// Why the whole batch is retried, when it is.
    pub batch_failed: Option<String>,
}

/// Settles a batch the way Lambda does for a mapping with `ReportBatchItemFailures`:
/// an invocation error, a timeout or a crash retries every message; a response naming an
/// id that is not in the batch (or an empty id) is invalid and retries every message;
/// otherwise the ids in `batchItemFailures` are retried and the rest deleted. A `null`,
/// empty or `{}` response means every message succeeded.
pub fn settle_batch(messages: &[SqsMessage], outcome: &Result<Value, FunctionError>) -> Settlement {
    let all_ids = || {
        messages
            .iter()
            .map(|m| m.message_id.clone())
            .collect::<Vec<_>>()
    };
    let whole_batch = |reason: String| Settlement {
        delete: Vec::new(),
        retry: all_ids(),
        batch_failed: Some(reason),
    };
    let response = match outcome {
        Err(error) => return whole_batch(format!("invocation failed: {error}")),
        Ok(response) => response,
    };
    let failures = match response.get("batchItemFailures") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => return whole_batch(format!("batchItemFailures is not a list: {other}")),
    };
    let mut retry = Vec::new();
    for item in &failures {
        match item.get("itemIdentifier").and_then(Value::as_str) {
            Some(id) if !id.is_empty() && messages.iter().any(|m| m.message_id == id) => {
                if !retry.iter().any(|r| r == id) {
                    retry.push(id.to_owned());
                }
            }
            _ => {
                return whole_batch(format!(
                    "batch response names an item not in the batch: {item}"
                ))
            }
        }
    }
    let delete = all_ids()
        .into_iter()
        .filter(|id| !retry.contains(id))
        .collect();
    let retry = all_ids()
        .into_iter()
        .filter(|id| retry.contains(id))
        .collect();
    Settlement {
        delete,
        retry,
        batch_failed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, group: Option<&str>) -> SqsMessage {
        let mut attributes =
            BTreeMap::from([("ApproximateReceiveCount".to_owned(), "1".to_owned())]);
        if let Some(group) = group {
            attributes.insert("MessageGroupId".to_owned(), group.to_owned());
        }
        SqsMessage {
            message_id: id.to_owned(),
            receipt_handle: format!("rh-{id}"),
            body: format!("{{\"v\":1,\"id\":\"{id}\"}}"),
            md5_of_body: "0".repeat(32),
            attributes,
            message_attributes: BTreeMap::from([("kind".to_owned(), "deploy".to_owned())]),
        }
    }

    #[test]
    fn event_has_the_documented_record_shape() {
        let arn = "arn:aws:sqs:eu-west-1:123456789012:lockgate-deployer.fifo";
        let event = sqs_event(arn, &[message("m1", Some("web/staging"))]);
        let record = &event["Records"][0];
        assert_eq!(record["messageId"], "m1");
        assert_eq!(record["receiptHandle"], "rh-m1");
        assert_eq!(record["eventSource"], "aws:sqs");
        assert_eq!(record["eventSourceARN"], arn);
        assert_eq!(record["awsRegion"], "eu-west-1");
        assert_eq!(record["attributes"]["MessageGroupId"], "web/staging");
        assert_eq!(record["messageAttributes"]["kind"]["stringValue"], "deploy");
        assert_eq!(record["messageAttributes"]["kind"]["dataType"], "String");
        let body: Value = serde_json::from_str(record["body"].as_str().expect("body is a string"))
            .expect("JSON body");
        assert_eq!(body["id"], "m1");
    }

    #[test]
    fn reported_failures_are_retried_and_the_rest_deleted() {
        let batch = [message("a", None), message("b", None), message("c", None)];
        let answer = Ok(json!({"batchItemFailures": [{"itemIdentifier": "b"}]}));
        let settled = settle_batch(&batch, &answer);
        assert_eq!(settled.delete, ["a", "c"]);
        assert_eq!(settled.retry, ["b"]);
        assert_eq!(settled.batch_failed, None);
    }

    #[test]
    fn empty_null_or_missing_failures_delete_everything() {
        let batch = [message("a", None), message("b", None)];
        for answer in [
            json!(null),
            json!({}),
            json!({"batchItemFailures": []}),
            json!({"batchItemFailures": null}),
        ] {
            let settled = settle_batch(&batch, &Ok(answer.clone()));
            assert_eq!(settled.delete, ["a", "b"], "answer {answer}");
            assert!(settled.retry.is_empty(), "answer {answer}");
        }
    }

    #[test]
    fn function_error_retries_the_whole_batch() {
        let batch = [message("a", None), message("b", None)];
        let error = FunctionError::Exited {
            status: "signal: 9 (SIGKILL)".into(),
        };
        let settled = settle_batch(&batch, &Err(error));
        assert!(settled.delete.is_empty());
        assert_eq!(settled.retry, ["a", "b"]);
        assert!(settled
            .batch_failed
            .expect("whole batch failed")
            .contains("SIGKILL"));
    }

    #[test]
    fn unknown_or_empty_item_identifier_fails_the_whole_batch() {
        let batch = [message("a", None), message("b", None)];
        for answer in [
            json!({"batchItemFailures": [{"itemIdentifier": "zzz"}]}),
            json!({"batchItemFailures": [{"itemIdentifier": ""}]}),
            json!({"batchItemFailures": [{}]}),
            json!({"batchItemFailures": "a"}),
        ] {
            let settled = settle_batch(&batch, &Ok(answer.clone()));
            assert!(settled.delete.is_empty(), "answer {answer}");
            assert_eq!(settled.retry, ["a", "b"], "answer {answer}");
            assert!(settled.batch_failed.is_some(), "answer {answer}");
        }
    }

    #[test]
    fn retry_keeps_batch_order_and_names_each_message_once() {
        let batch = [
            message("a", Some("g")),
            message("b", Some("g")),
            message("c", Some("g")),
        ];
        let answer = Ok(json!({"batchItemFailures": [
            {"itemIdentifier": "c"}, {"itemIdentifier": "b"}, {"itemIdentifier": "c"}
        ]}));
        let settled = settle_batch(&batch, &answer);
        assert_eq!(settled.delete, ["a"]);
        assert_eq!(settled.retry, ["b", "c"]);
    }
}
