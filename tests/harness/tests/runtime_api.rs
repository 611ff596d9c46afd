//! The Runtime API on the wire: the test plays the runtime over raw HTTP/1.1 while an
//! idle `harness-echo` process holds the emulator's function slot.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use lockgate_test_harness::{Emulator, FunctionError, HarnessError};
use serde_json::{json, Value};

const ECHO: &str = env!("CARGO_BIN_EXE_harness-echo");
const NEXT: &str = "/2018-06-01/runtime/invocation/next";

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("reply body is JSON")
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("header {name} is present"))
            .to_str()
            .expect("header is text")
    }
}

async fn call(
    emulator: &Emulator,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let stream = tokio::net::TcpStream::connect(emulator.runtime_api())
        .await
        .expect("connects");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("Host", "runtime");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::copy_from_slice(body)))
        .expect("valid request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

/// An emulator whose function slot is held by a process that never polls.
async fn emulator_with_idle_function() -> Arc<Emulator> {
    let emulator = Emulator::start().await.expect("emulator starts");
    emulator
        .spawn_function(
            ECHO,
            [
                ("HARNESS_ECHO_IDLE", "1"),
                ("AWS_LAMBDA_FUNCTION_NAME", "approvals"),
            ],
        )
        .expect("spawns");
    Arc::new(emulator)
}

fn invoke_in_background(
    emulator: &Arc<Emulator>,
    event: Value,
) -> tokio::task::JoinHandle<Result<Value, FunctionError>> {
    let emulator = Arc::clone(emulator);
    tokio::spawn(async move { emulator.invoke(&event, Duration::from_secs(20)).await })
}

#[tokio::test]
async fn next_long_polls_until_an_event_is_queued_then_response_answers_the_invoke() {
    let emulator = emulator_with_idle_function().await;
    let poll = {
        let emulator = Arc::clone(&emulator);
        tokio::spawn(async move { call(&emulator, Method::GET, NEXT, &[], b"").await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!poll.is_finished(), "next waits while nothing is queued");
    let invoking = invoke_in_background(&emulator, json!({"detail-type": "ECR Image Action"}));
    let next = poll.await.expect("poll joins");
    assert_eq!(next.status, StatusCode::OK);
    assert_eq!(next.json(), json!({"detail-type": "ECR Image Action"}));
    assert_eq!(
        next.header("Lambda-Runtime-Invoked-Function-Arn"),
        "arn:aws:lambda:us-east-1:123456789012:function:approvals"
    );
    let deadline: u64 = next
        .header("Lambda-Runtime-Deadline-Ms")
        .parse()
        .expect("deadline in ms");
    assert!(
        deadline > 1_600_000_000_000,
        "deadline {deadline} is epoch milliseconds"
    );
    assert!(next
        .header("Lambda-Runtime-Trace-Id")
        .starts_with("Root=1-"));
    let id = next.header("Lambda-Runtime-Aws-Request-Id").to_owned();

    let path = format!("/2018-06-01/runtime/invocation/{id}/response");
    let posted = call(
        &emulator,
        Method::POST,
        &path,
        &[],
        br#"{"batchItemFailures":[]}"#,
    )
    .await;
    assert_eq!(posted.status, StatusCode::ACCEPTED);
    let answer = invoking.await.expect("joins").expect("answered");
    assert_eq!(answer, json!({"batchItemFailures": []}));

    let again = call(&emulator, Method::POST, &path, &[], b"{}").await;
    assert_eq!(
        again.status,
        StatusCode::BAD_REQUEST,
        "an answered invocation cannot be answered twice"
    );
    assert_eq!(again.json()["errorType"], "InvalidRequestID");
}

#[tokio::test]
async fn error_without_a_json_body_takes_its_type_from_the_header() {
    let emulator = emulator_with_idle_function().await;
    let invoking = invoke_in_background(&emulator, json!({}));
    let next = call(&emulator, Method::GET, NEXT, &[], b"").await;
    let id = next.header("Lambda-Runtime-Aws-Request-Id");
    let path = format!("/2018-06-01/runtime/invocation/{id}/error");
    let posted = call(
        &emulator,
        Method::POST,
        &path,
        &[("Lambda-Runtime-Function-Error-Type", "Runtime.Transient")],
        b"S3 returned 503",
    )
    .await;
    assert_eq!(posted.status, StatusCode::ACCEPTED);
    let err = invoking.await.expect("joins").unwrap_err();
    assert_eq!(
        err,
        FunctionError::Handled {
            error_type: "Runtime.Transient".into(),
            error_message: "S3 returned 503".into()
        }
    );
}

#[tokio::test]
async fn init_error_fails_the_waiting_invocation_and_every_later_one() {
    let emulator = emulator_with_idle_function().await;
    let invoking = invoke_in_background(&emulator, json!({"Records": []}));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let diagnostic = br#"{"errorType":"Settings","errorMessage":"CHART_BUCKET is not set"}"#;
    let posted = call(
        &emulator,
        Method::POST,
        "/2018-06-01/runtime/init/error",
        &[],
        diagnostic,
    )
    .await;
    assert_eq!(posted.status, StatusCode::ACCEPTED);
    let expected = FunctionError::InitFailed {
        error_type: "Settings".into(),
        error_message: "CHART_BUCKET is not set".into(),
    };
    assert_eq!(invoking.await.expect("joins").unwrap_err(), expected);
    let later = emulator
        .invoke(&json!({}), Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(later, expected);
    let ready = emulator
        .wait_ready(Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(
        matches!(ready, HarnessError::Init(FunctionError::InitFailed { .. })),
        "got {ready:?}"
    );
}

#[tokio::test]
async fn response_that_is_not_json_is_reported_with_its_first_bytes() {
    let emulator = emulator_with_idle_function().await;
    let invoking = invoke_in_background(&emulator, json!({}));
    let next = call(&emulator, Method::GET, NEXT, &[], b"").await;
    let id = next.header("Lambda-Runtime-Aws-Request-Id");
    let path = format!("/2018-06-01/runtime/invocation/{id}/response");
    call(&emulator, Method::POST, &path, &[], b"<html>oops</html>").await;
    match invoking.await.expect("joins").unwrap_err() {
        FunctionError::ResponseNotJson { preview, .. } => assert_eq!(preview, "<html>oops</html>"),
        other => panic!("expected a non-JSON response error, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_paths_ids_and_methods_are_refused() {
    let emulator = emulator_with_idle_function().await;
    let unknown_id = call(
        &emulator,
        Method::POST,
        "/2018-06-01/runtime/invocation/nope/response",
        &[],
        b"{}",
    )
    .await;
    assert_eq!(unknown_id.status, StatusCode::BAD_REQUEST);
    let wrong_path = call(
        &emulator,
        Method::GET,
        "/2020-01-01/extension/event/next",
        &[],
        b"",
    )
    .await;
    assert_eq!(wrong_path.status, StatusCode::NOT_FOUND);
    let wrong_method = call(&emulator, Method::POST, NEXT, &[], b"").await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn event_never_polled_is_not_picked_up_and_the_process_is_left_running() {
    let emulator = emulator_with_idle_function().await;
    let waited = Duration::from_millis(200);
    let err = emulator.invoke(&json!({}), waited).await.unwrap_err();
    assert_eq!(err, FunctionError::NotPickedUp { waited });
    assert!(
        emulator.pid().is_some(),
        "a function still initialising is not killed"
    );
    assert_eq!(emulator.stats().events_delivered, 0);
    let late_poll = tokio::time::timeout(
        Duration::from_millis(200),
        call(&emulator, Method::GET, NEXT, &[], b""),
    )
    .await;
    assert!(
        late_poll.is_err(),
        "the abandoned event is not handed out later"
    );
}

#[tokio::test]
async fn timeout_counts_from_the_hand_out_and_the_deadline_header_matches() {
    let emulator = emulator_with_idle_function().await;
    let timeout = Duration::from_millis(1000);
    let invoking = {
        let emulator = Arc::clone(&emulator);
        tokio::spawn(async move { emulator.invoke(&json!({"slow": true}), timeout).await })
    };
    // The event queues for 700 ms before the runtime polls: within the budget for
    // pick-up, and the execution timeout starts only at the hand-out.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let before = std::time::SystemTime::now();
    let next = call(&emulator, Method::GET, NEXT, &[], b"").await;
    let deadline: u128 = next
        .header("Lambda-Runtime-Deadline-Ms")
        .parse()
        .expect("deadline in ms");
    let from = before
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    assert!(
        (from + 1000..=from + 1500).contains(&deadline),
        "deadline {deadline} is about 1 s after {from}"
    );
    let err = invoking.await.expect("joins").unwrap_err();
    assert_eq!(err, FunctionError::Timeout { timeout });
    assert_eq!(
        emulator.pid(),
        None,
        "a timed-out execution environment is killed"
    );
}
