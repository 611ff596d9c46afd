//! `harness-echo`: a tiny function on `lambda_runtime` 1.x for the emulator's own tests.
//! It answers with its input and the invocation context it was given. Instructions in
//! the event drive the other paths: `{"fail": "msg"}` returns an error, `{"sleep_ms": n}`
//! answers late, `{"exit": code}` ends the process mid-invocation, `{"big_bytes": n}`
//! answers with an n-byte string. An SQS event (`{"Records": [...]}`) gets a batch
//! response naming the records whose JSON body has `"fail": true`. With `HARNESS_ECHO_INIT_ERROR` set it refuses to start,
//! as a function with a bad setting does; with `HARNESS_ECHO_IDLE` set it never calls the
//! Runtime API, so a test can play the runtime's side over raw HTTP.

use std::time::Duration;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    if let Some(records) = payload.get("Records").and_then(Value::as_array) {
        return Ok(batch_response(records));
    }
    if let Some(message) = payload.get("fail").and_then(Value::as_str) {
        return Err(message.into());
    }
    if let Some(code) = payload.get("exit").and_then(Value::as_i64) {
        std::process::exit(i32::try_from(code).unwrap_or(1));
    }
    if let Some(ms) = payload.get("sleep_ms").and_then(Value::as_u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if let Some(size) = payload.get("big_bytes").and_then(Value::as_u64) {
        return Ok(Value::String(
            "x".repeat(usize::try_from(size).unwrap_or(0)),
        ));
    }
    Ok(json!({
        "echo": payload,
        "request_id": context.request_id,
        "deadline_ms": context.deadline,
        "function_arn": context.invoked_function_arn,
        "trace_id": context.xray_trace_id,
        "function_name": context.env_config.function_name,
        "memory": context.env_config.memory,
        "pid": std::process::id(),
    }))
}

/// `{"batchItemFailures": [...]}` naming the records whose body asks to fail.
fn batch_response(records: &[Value]) -> Value {
    let failures: Vec<Value> = records
        .iter()
        .filter(|r| {
            let body = r.get("body").and_then(Value::as_str).unwrap_or_default();
            serde_json::from_str::<Value>(body)
                .is_ok_and(|b| b.get("fail") == Some(&Value::Bool(true)))
        })
        .map(|r| json!({ "itemIdentifier": r.get("messageId").cloned().unwrap_or_default() }))
        .collect();
    json!({ "batchItemFailures": failures })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    if let Ok(reason) = std::env::var("HARNESS_ECHO_INIT_ERROR") {
        return Err(format!("refusing to start: HARNESS_ECHO_INIT_ERROR is set ({reason})").into());
    }
    if std::env::var_os("HARNESS_ECHO_IDLE").is_some() {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        return Ok(());
    }
    lambda_runtime::run(service_fn(handle)).await
}
