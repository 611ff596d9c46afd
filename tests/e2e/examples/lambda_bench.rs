//! Cold start, first handled event, peak RSS and stripped size of each function
//! binary, through the Lambda Runtime API emulator on the e2e stack (moto, the Slack
//! stand-in, two simulated clusters).
//!
//! `cargo run --release -p lockgate-e2e --example lambda_bench [-- RUNS]`
//! (needs `LOCKGATE_TEST_PYTHON` for moto, and the function binaries built in the same
//! profile). Targets: under 30 ms from exec to ready, under 40 MB peak RSS.

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use lockgate_core::envelope::Envelope;
use lockgate_core::execution::{Event, EventBody, TimerKind};
use lockgate_core::ids::ExecutionId;
use lockgate_e2e::{Stack, StackOptions};
use lockgate_test_harness::sqs::{sqs_event, SqsMessage};
use serde_json::{json, Value};

const READY_TARGET_MS: f64 = 30.0;
const RSS_TARGET_MB: f64 = 40.0;

fn sqs_record(body: &str) -> Vec<SqsMessage> {
    vec![SqsMessage {
        message_id: "bench-1".into(),
        receipt_handle: "bench-1".into(),
        body: body.into(),
        ..SqsMessage::default()
    }]
}

/// A light but real first event per function: each reads its configuration (and, for
/// the SQS functions, its Slack token) and handles the event to the end.
fn first_event(stack: &Stack, function: &str) -> Value {
    let arn = |q: &str| format!("arn:aws:sqs:us-east-1:123456789012:{q}");
    let unknown = ExecutionId::from_string("hello-bench-0000000000000000".to_string());
    let timer = Envelope::event(
        &unknown,
        &Event::new(
            chrono::Utc::now(),
            EventBody::TimerFired {
                env: "production".into(),
                timer: TimerKind::ApprovalExpiry,
            },
        ),
    )
    .to_json();
    match function {
        "image-pushed" => {
            let mut e =
                lockgate_e2e::ecr_push_event("1.0.0", &format!("sha256:{}", "ab".repeat(32)));
            e["detail"]["repository-name"] = json!("not-an-app");
            e
        }
        "chart-uploaded" => sqs_event(
            &arn("lockgate-chart-uploads"),
            &sqs_record(
                r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-28T12:00:00.000Z","Bucket":"lockgate-charts","RequestId":"R","HostId":"H"}"#,
            ),
        ),
        "deployer" => sqs_event(&arn("lockgate-deployer.fifo"), &sqs_record(&timer)),
        "approvals" => sqs_event(&arn("lockgate-approvals.fifo"), &sqs_record(&timer)),
        _ => stack.signed_click_event("U0NOTANAPPROVER", "lockgate_approve", "x|production|AAAA"),
    }
}

fn stripped_size(binary: &Path) -> Option<u64> {
    let copy = std::env::temp_dir().join(format!(
        "lockgate-bench-{}-{}",
        std::process::id(),
        binary.file_name()?.to_string_lossy()
    ));
    std::fs::copy(binary, &copy).ok()?;
    let ok = Command::new("strip").arg(&copy).status().ok()?.success();
    let size = std::fs::metadata(&copy).ok()?.len();
    let _ = std::fs::remove_file(&copy);
    ok.then_some(size)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let stack = Stack::start(StackOptions::default()).await;
    println!(
        "{:<20} {:>10} {:>12} {:>12} {:>14} {:>12}",
        "function", "stripped", "ready med", "ready max", "1st event med", "peak RSS"
    );
    let mut within = true;
    for function in lockgate_e2e::FUNCTIONS {
        let binary = stack.binary(function);
        let size =
            stripped_size(&binary).map_or("?".to_string(), |s| format!("{:.1} MB", s as f64 / 1e6));
        let event = first_event(&stack, function);
        let (mut ready, mut first, mut rss) = (Vec::new(), Vec::new(), 0u64);
        for _ in 0..runs {
            stack.function(function).kill().await;
            let t0 = Instant::now();
            ready.push(stack.spawn(function).await.as_secs_f64() * 1e3);
            let answer = stack
                .function(function)
                .invoke(&event, Duration::from_secs(30))
                .await;
            first.push(t0.elapsed().as_secs_f64() * 1e3);
            if let Err(e) = answer {
                eprintln!(
                    "{function}: the first event failed: {e}\n{}",
                    stack.function(function).logs()
                );
                return ExitCode::FAILURE;
            }
            let peak = stack
                .function(function)
                .sample_peak_rss()
                .ok()
                .or(stack.function(function).stats().peak_rss_bytes)
                .unwrap_or(0);
            rss = rss.max(peak);
        }
        let ready_med = median(ready.clone());
        let ready_max = ready.iter().copied().fold(0.0, f64::max);
        let rss_mb = rss as f64 / 1e6;
        within &= ready_med < READY_TARGET_MS && rss_mb < RSS_TARGET_MB;
        println!(
            "{function:<20} {size:>10} {:>9.1} ms {:>9.1} ms {:>11.1} ms {:>9.1} MB",
            ready_med,
            ready_max,
            median(first),
            rss_mb
        );
    }
    println!(
        "targets: ready < {READY_TARGET_MS} ms (median of {runs}), peak RSS < {RSS_TARGET_MB} MB: {}",
        if within { "met" } else { "NOT met" }
    );
    ExitCode::SUCCESS
}
