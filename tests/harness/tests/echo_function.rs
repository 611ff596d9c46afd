//! The emulator driving a real `lambda_runtime` 1.x binary (`harness-echo`): answers,
//! handler errors, timeouts, crashes, kills, init failures, size limits and measurements.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lockgate_test_harness::{Emulator, FunctionError, HarnessError};
use serde_json::{json, Value};

const ECHO: &str = env!("CARGO_BIN_EXE_harness-echo");
const READY: Duration = Duration::from_secs(10);
const INVOKE: Duration = Duration::from_secs(10);
const NO_ENV: [(&str, &str); 0] = [];

async fn started_echo() -> Emulator {
    let emulator = Emulator::start().await.expect("emulator starts");
    emulator
        .spawn_function(ECHO, NO_ENV)
        .expect("echo binary spawns");
    emulator
        .wait_ready(READY)
        .await
        .expect("echo binary becomes ready");
    emulator
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

#[tokio::test]
async fn event_round_trips_with_the_invocation_headers() {
    let emulator = started_echo().await;
    let before = now_ms();
    let answer = emulator
        .invoke(
            &json!({"hello": "world", "n": [1, 2]}),
            Duration::from_secs(30),
        )
        .await
        .expect("echo answers");
    assert_eq!(answer["echo"], json!({"hello": "world", "n": [1, 2]}));
    assert_eq!(answer["function_name"], "harness-echo");
    assert_eq!(answer["memory"], 128);
    assert_eq!(
        answer["function_arn"],
        "arn:aws:lambda:us-east-1:123456789012:function:harness-echo"
    );
    let request_id = answer["request_id"]
        .as_str()
        .expect("request id is a string");
    assert_eq!(
        request_id.len(),
        36,
        "request id {request_id} is UUID-shaped"
    );
    let deadline = answer["deadline_ms"]
        .as_u64()
        .expect("deadline is a number");
    assert!(
        (before + 29_000..=now_ms() + 30_000).contains(&deadline),
        "deadline {deadline} is about 30 s after {before}"
    );
    let trace = answer["trace_id"].as_str().expect("trace id is set");
    assert!(
        trace.starts_with("Root=1-") && trace.contains(";Parent="),
        "trace id {trace}"
    );
    assert_eq!(emulator.stats().events_delivered, 1);
    emulator.kill().await;
}

#[tokio::test]
async fn env_overrides_the_function_name_memory_and_region() {
    let emulator = Emulator::start().await.expect("emulator starts");
    emulator
        .spawn_function(
            ECHO,
            [
                ("AWS_LAMBDA_FUNCTION_NAME", "deployer"),
                ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"),
                ("AWS_REGION", "eu-west-1"),
            ],
        )
        .expect("spawns");
    let answer = emulator
        .invoke(&json!({}), INVOKE)
        .await
        .expect("echo answers");
    assert_eq!(answer["function_name"], "deployer");
    assert_eq!(answer["memory"], 512);
    assert_eq!(
        answer["function_arn"],
        "arn:aws:lambda:eu-west-1:123456789012:function:deployer"
    );
}

#[tokio::test]
async fn handler_error_is_a_function_error_and_the_process_keeps_serving() {
    let emulator = started_echo().await;
    let pid = emulator.pid().expect("running");
    let err = emulator
        .invoke(&json!({"fail": "chart digest mismatch"}), INVOKE)
        .await
        .unwrap_err();
    match err {
        FunctionError::Handled {
            error_message,
            error_type,
        } => {
            assert_eq!(error_message, "chart digest mismatch");
            assert!(!error_type.is_empty());
        }
        other => panic!("expected a handled error, got {other:?}"),
    }
    let answer = emulator
        .invoke(&json!({"after": "error"}), INVOKE)
        .await
        .expect("still serving");
    assert_eq!(answer["echo"]["after"], "error");
    assert_eq!(
        answer["pid"], pid,
        "the same process served both invocations"
    );
}

#[tokio::test]
async fn slow_handler_times_out_and_its_process_is_killed() {
    let emulator = started_echo().await;
    let timeout = Duration::from_millis(300);
    let err = emulator
        .invoke(&json!({"sleep_ms": 10_000}), timeout)
        .await
        .unwrap_err();
    assert_eq!(err, FunctionError::Timeout { timeout });
    assert_eq!(emulator.pid(), None, "the timed-out process is gone");
    assert_eq!(
        emulator.invoke(&json!({}), INVOKE).await.unwrap_err(),
        FunctionError::NotRunning
    );
}

#[tokio::test]
async fn crash_mid_invocation_is_reported_and_a_respawned_process_serves_the_retry() {
    let emulator = started_echo().await;
    let err = emulator
        .invoke(&json!({"exit": 3}), INVOKE)
        .await
        .unwrap_err();
    match err {
        FunctionError::Exited { status } => assert!(status.contains('3'), "status {status}"),
        other => panic!("expected an exit, got {other:?}"),
    }
    emulator
        .spawn_function(ECHO, NO_ENV)
        .expect("respawns after the crash");
    let answer = emulator
        .invoke(&json!({"retry": 1}), INVOKE)
        .await
        .expect("retry answered");
    assert_eq!(answer["echo"]["retry"], 1);
}

#[tokio::test]
async fn kill_during_an_invocation_fails_it_as_an_exit() {
    let emulator = Arc::new(started_echo().await);
    let invoking = {
        let emulator = Arc::clone(&emulator);
        tokio::spawn(async move {
            emulator
                .invoke(&json!({"sleep_ms": 30_000}), Duration::from_secs(60))
                .await
        })
    };
    let waited = tokio::time::timeout(Duration::from_secs(10), async {
        while emulator.stats().events_delivered == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "the function picked up the event");
    let status = emulator.kill().await.expect("a process was running");
    assert!(status.contains("signal: 9"), "killed by SIGKILL: {status}");
    let result = invoking.await.expect("invoke task joins");
    assert!(
        matches!(result, Err(FunctionError::Exited { .. })),
        "got {result:?}"
    );
}

#[tokio::test]
async fn function_that_exits_during_init_fails_wait_ready_with_its_output_in_the_logs() {
    let emulator = Emulator::start().await.expect("emulator starts");
    emulator
        .spawn_function(
            ECHO,
            [("HARNESS_ECHO_INIT_ERROR", "DEPLOYER_QUEUE_URL is missing")],
        )
        .expect("spawns");
    let err = emulator.wait_ready(READY).await.unwrap_err();
    assert!(
        matches!(err, HarnessError::Init(FunctionError::Exited { .. })),
        "got {err:?}"
    );
    // The output pipes close with the process; give the capture task a moment to drain.
    let logs = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let logs = emulator.logs();
            if logs.contains("DEPLOYER_QUEUE_URL is missing") {
                return logs;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        logs.is_ok(),
        "init failure is in the captured output: {:?}",
        emulator.logs()
    );
}

#[tokio::test]
async fn cold_start_and_peak_rss_are_measured() {
    let emulator = Emulator::start().await.expect("emulator starts");
    emulator.spawn_function(ECHO, NO_ENV).expect("spawns");
    let cold_start = emulator.wait_ready(READY).await.expect("ready");
    assert!(
        cold_start > Duration::ZERO && cold_start < READY,
        "cold start {cold_start:?}"
    );
    assert_eq!(emulator.stats().cold_start, Some(cold_start));
    let live = emulator.sample_peak_rss().expect("VmHWM readable");
    assert!(
        (256 * 1024..1024 * 1024 * 1024).contains(&live),
        "peak RSS {live} bytes"
    );
    emulator
        .invoke(&json!({"big_bytes": 2_000_000}), INVOKE)
        .await
        .expect("answers 2 MB");
    let after = emulator
        .stats()
        .peak_rss_bytes
        .expect("sampled after the invocation");
    assert!(
        after >= live + 2_000_000,
        "a 2 MB answer raises the peak: {live} -> {after}"
    );
    emulator.kill().await;
    assert_eq!(
        emulator.stats().peak_rss_bytes,
        Some(after),
        "kept after kill"
    );
    assert_eq!(
        emulator.stats().cold_start,
        Some(cold_start),
        "kept after kill"
    );
}

#[tokio::test]
async fn response_over_six_megabytes_is_refused() {
    let emulator = started_echo().await;
    let err = emulator
        .invoke(&json!({"big_bytes": 7_000_000}), INVOKE)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FunctionError::ResponseTooLarge { size } if size > Emulator::MAX_RESPONSE_BYTES),
        "got {err:?}"
    );
}

#[tokio::test]
async fn queued_invocations_are_served_one_at_a_time_in_order() {
    let emulator = Arc::new(started_echo().await);
    let calls: Vec<_> = (0..4)
        .map(|i| {
            let emulator = Arc::clone(&emulator);
            tokio::spawn(async move {
                emulator
                    .invoke(&json!({"i": i, "sleep_ms": 20}), INVOKE)
                    .await
            })
        })
        .collect();
    let mut ids = Vec::new();
    let mut pids = Vec::new();
    for call in calls {
        let answer: Value = call.await.expect("joins").expect("answered");
        ids.push(answer["request_id"].as_str().expect("id").to_owned());
        pids.push(answer["pid"].clone());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "every invocation had its own request id");
    assert!(
        pids.windows(2).all(|w| w[0] == w[1]),
        "one process served them all"
    );
    assert_eq!(emulator.stats().events_delivered, 4);
}

#[tokio::test]
async fn spawning_twice_without_kill_is_refused() {
    let emulator = started_echo().await;
    let err = emulator.spawn_function(ECHO, NO_ENV).unwrap_err();
    assert!(
        matches!(err, HarnessError::AlreadyRunning { .. }),
        "got {err:?}"
    );
}

#[tokio::test]
async fn missing_binary_is_a_spawn_error_naming_it() {
    let emulator = Emulator::start().await.expect("emulator starts");
    let err = emulator
        .spawn_function("/nonexistent/image-pushed", NO_ENV)
        .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/image-pushed"),
        "{err}"
    );
}

#[tokio::test]
async fn time_waiting_behind_an_earlier_invocation_does_not_count_against_the_timeout() {
    let emulator = Arc::new(started_echo().await);
    // Each takes 600 ms of a 1 s timeout; the second waits 600 ms for the first, so it
    // would time out if the timeout counted from queueing rather than hand-out.
    let timeout = Duration::from_millis(1000);
    let calls: Vec<_> = (0..2)
        .map(|i| {
            let emulator = Arc::clone(&emulator);
            tokio::spawn(async move {
                emulator
                    .invoke(&json!({"i": i, "sleep_ms": 600}), timeout)
                    .await
            })
        })
        .collect();
    for call in calls {
        let answer = call
            .await
            .expect("joins")
            .expect("answered within its own timeout");
        assert_eq!(answer["echo"]["sleep_ms"], 600);
    }
}

#[tokio::test]
async fn sqs_batch_through_a_real_function_deletes_what_succeeded_and_retries_the_rest() {
    use lockgate_test_harness::sqs::{settle_batch, sqs_event, SqsMessage};
    let emulator = started_echo().await;
    let messages: Vec<SqsMessage> = [("m1", false), ("m2", true), ("m3", false)]
        .into_iter()
        .map(|(id, fail)| SqsMessage {
            message_id: id.to_owned(),
            receipt_handle: format!("handle-{id}"),
            body: json!({"v": 1, "fail": fail}).to_string(),
            ..SqsMessage::default()
        })
        .collect();
    let event = sqs_event(
        "arn:aws:sqs:us-east-1:123456789012:lockgate-chart-uploads",
        &messages,
    );
    let outcome = emulator.invoke(&event, INVOKE).await;
    let settled = settle_batch(&messages, &outcome);
    assert_eq!(settled.delete, ["m1", "m3"]);
    assert_eq!(settled.retry, ["m2"]);

    let crashed = emulator.invoke(&json!({"exit": 9}), INVOKE).await;
    let settled = settle_batch(&messages, &crashed);
    assert_eq!(
        settled.retry,
        ["m1", "m2", "m3"],
        "a crashed invocation retries its whole batch"
    );
}
