//! The pipeline end to end through the real function binaries on moto: an ECR push
//! event -> chart published to the S3 repository -> S3 notification -> staging
//! deployed -> approval requested -> decision -> production deployed, with
//! notifications; and the same under duplicate deliveries, a function killed
//! mid-message, and a staging rollout that fails.

use std::time::Duration;

use lockgate_core::execution::{Execution, Status, Verdict};
use lockgate_e2e::{Delivery, Stack, StackOptions, APPROVER};

const LIMIT: Duration = Duration::from_secs(120);

fn awaiting(execs: &[Execution]) -> bool {
    execs
        .iter()
        .any(|e| matches!(&e.status, Status::AwaitingApproval { env } if env == "production"))
}

fn final_(execs: &[Execution]) -> bool {
    !execs.is_empty() && execs.iter().all(|e| e.status.is_final())
}

fn release_statuses(releases: &[serde_json::Value]) -> Vec<String> {
    let mut v: Vec<String> = releases
        .iter()
        .map(|s| {
            format!(
                "v{}:{}",
                s["metadata"]["labels"]["version"].as_str().unwrap_or("?"),
                s["metadata"]["labels"]["status"].as_str().unwrap_or("?")
            )
        })
        .collect();
    v.sort();
    v
}

async fn through_production(stack: &Stack, tag: &str) -> Execution {
    let (digest, answers) = stack.push_image(tag).await;
    for a in &answers {
        assert_eq!(a["outcome"], "handled", "{a}");
        assert_eq!(a["images"][0]["outcome"], "published", "{a}");
    }
    let execs = stack
        .run_until("the production gate", LIMIT, awaiting)
        .await;
    assert_eq!(execs.len(), 1, "one execution per candidate");
    let exec = execs[0].clone();
    assert_eq!(exec.candidate.image.digest.to_string(), digest);
    assert_eq!(
        release_statuses(&Stack::releases(&stack.staging, "hello-staging")),
        vec!["v1:deployed"]
    );
    assert!(
        Stack::releases(&stack.production, "hello-production").is_empty(),
        "production waits for the approval"
    );
    stack
        .decide(&exec, "production", APPROVER, Verdict::Approve, None)
        .await;
    let execs = stack
        .run_until("the production rollout", LIMIT, final_)
        .await;
    assert_eq!(execs[0].status, Status::Succeeded, "{}", stack.logs());
    assert_eq!(
        release_statuses(&Stack::releases(&stack.production, "hello-production")),
        vec!["v1:deployed"]
    );
    let deployments =
        stack
            .production
            .list_objects("apps", "deployments", Some("hello-production"));
    let image = deployments[0]["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        image.contains(&digest),
        "production runs the pinned digest: {image}"
    );
    execs[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_push_reaches_production_after_approval() {
    let stack = Stack::start(StackOptions::default()).await;
    through_production(&stack, "1.0.0").await;
    assert_eq!(stack.index_versions().await.len(), 1);
    let logs = stack.logs();
    for notice in [
        "deploying revision 1 to staging",
        "staging is running revision 1",
        "approval needed",
        "deploy to production approved by U0APPROVER1",
        "production is running revision 1",
    ] {
        assert!(
            logs.contains(notice),
            "no notice {notice:?} in the logs:\n{logs}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_delivered_twice_changes_nothing() {
    let stack = Stack::start(StackOptions {
        delivery: Delivery::Twice,
        ..StackOptions::default()
    })
    .await;
    let exec = through_production(&stack, "1.0.0").await;
    // one chart, one execution, one revision per environment (checked above), and the
    // execution's history has each event once
    assert_eq!(stack.index_versions().await.len(), 1);
    let mut keys: Vec<&str> = exec.history.iter().map(|h| h.key.as_str()).collect();
    let n = keys.len();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(
        keys.len(),
        n,
        "an event was applied twice: {:?}",
        exec.history
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployer_killed_mid_message_is_retried_and_the_pipeline_completes() {
    let stack = Stack::start(StackOptions::default()).await;
    stack.kill_during_next_batch("deployer");
    through_production(&stack, "1.0.0").await;
    assert!(
        stack.function("deployer").logs().contains("cannot start") == false,
        "the restarted deployer started"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_staging_rollout_rolls_back_and_stops() {
    let stack = Stack::start(StackOptions {
        staging_crash_images: vec!["*hello:1.1.0@*".into()],
        ..StackOptions::default()
    })
    .await;
    stack.push_image("1.1.0").await;
    let execs = stack.run_until("the staging rollback", LIMIT, final_).await;
    match &execs[0].status {
        Status::RolledBack { env, reason } => {
            assert_eq!(env, "staging");
            assert!(
                reason.contains("CrashLoopBackOff") || reason.contains("did not finish"),
                "{reason}"
            );
        }
        other => panic!(
            "expected a rollback in staging, got {other}\n{}",
            stack.logs()
        ),
    }
    assert!(
        Stack::releases(&stack.production, "hello-production").is_empty(),
        "production untouched"
    );
    assert!(
        !stack.logs().contains("approval needed"),
        "no approval was requested"
    );
}
