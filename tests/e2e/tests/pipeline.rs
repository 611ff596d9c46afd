//! The pipeline end to end through the real function binaries on moto: an ECR push
//! event -> chart published to the S3 repository -> S3 notification -> staging
//! deployed -> approval requested -> decision -> production deployed, with
//! notifications; and the same under duplicate deliveries, a function killed
//! mid-message, and a staging rollout that fails.

use std::time::Duration;

use lockgate_core::execution::{Execution, Status};
use lockgate_e2e::{Delivery, Stack, StackOptions, APPROVER, CHANNEL};

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
    let (status, body) = stack.click(&exec, APPROVER, "lockgate_approve").await;
    assert_eq!(status, 200, "{body}");
    let execs = stack
        .run_until("the production rollout", LIMIT, final_)
        .await;
    stack.settle().await;
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
    let exec = through_production(&stack, "1.0.0").await;
    assert_eq!(stack.index_versions().await.len(), 1);
    // the approval request was updated in place, and every stage was told in one thread
    let request = stack.approval_message(&exec);
    assert!(request.updates >= 1, "the request was updated: {request:?}");
    assert!(
        request.blocks.to_string().contains("*Approved* by"),
        "{}",
        request.blocks
    );
    assert!(
        !request.blocks.to_string().contains("lockgate_approve"),
        "buttons removed"
    );
    let messages = stack.slack.messages();
    let roots: Vec<_> = messages
        .iter()
        .filter(|m| {
            m.thread_ts.is_none()
                && m.channel == CHANNEL
                && !m.blocks.to_string().contains("lockgate_approve")
                && m.ts != request.ts
        })
        .collect();
    assert_eq!(roots.len(), 1, "one thread per execution: {messages:?}");
    let thread: Vec<String> = messages
        .iter()
        .filter(|m| m.thread_ts.as_deref() == Some(roots[0].ts.as_str()))
        .map(|m| m.text.clone())
        .collect();
    let all = format!("{}\n{}", roots[0].text, thread.join("\n"));
    for notice in [
        "deploying revision 1 to staging",
        "staging is running revision 1 (in ",
        "deploy to production approved by U0APPROVER1",
        "production is running revision 1 (in ",
    ] {
        assert!(
            all.contains(notice),
            "no notice {notice:?} in the thread:\n{all}"
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
    assert_eq!(
        stack
            .approval_message(&exec)
            .blocks
            .to_string()
            .matches("*Approved* by")
            .count(),
        1
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_decisions_are_verified_authorized_and_final() {
    let stack = Stack::start(StackOptions::default()).await;
    stack.push_image("1.0.0").await;
    let execs = stack
        .run_until("the production gate", LIMIT, awaiting)
        .await;
    let exec = execs[0].clone();

    // a forged request is refused and changes nothing
    let forged = serde_json::json!({"type": "block_actions", "user": {"id": APPROVER},
        "actions": [{"action_id": "lockgate_approve", "value": stack.button_value(&exec, "lockgate_approve")}]});
    let (status, _) = stack
        .slack_request_signed_with(&forged, "not-the-signing-secret")
        .await;
    assert_eq!(status, 401);
    // someone who is not an approver is told so, and nothing is queued
    let (status, body) = stack.click(&exec, "U0MALLORY9", "lockgate_approve").await;
    assert_eq!(status, 200);
    assert!(body.contains("not"), "{body}");
    // the approver rejects with a reason
    let (status, body) = stack
        .reject(&exec, APPROVER, "error rate too high in staging")
        .await;
    assert_eq!(status, 200, "{body}");
    let execs = stack.run_until("the rejection", LIMIT, final_).await;
    match &execs[0].status {
        Status::Rejected { by, reason, .. } => {
            assert_eq!(by, APPROVER);
            assert_eq!(reason.as_deref(), Some("error rate too high in staging"));
        }
        other => panic!("expected Rejected, got {other}"),
    }
    let decisions = execs[0]
        .history
        .iter()
        .filter(|h| h.key.starts_with("decision/"))
        .count();
    assert_eq!(decisions, 1, "only the approver's decision was recorded");
    assert!(Stack::releases(&stack.production, "hello-production").is_empty());
    stack.settle().await;
    let request = stack.approval_message(&exec).blocks.to_string();
    assert!(
        request.contains("*Rejected* by") && request.contains("error rate too high"),
        "{request}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_release_supersedes_a_pending_approval_and_its_message_says_so() {
    let stack = Stack::start(StackOptions::default()).await;
    stack.push_image("1.0.0").await;
    let first = stack.run_until("the first gate", LIMIT, awaiting).await[0].clone();
    let approve_first = stack.button_value(&first, "lockgate_approve");
    stack.push_image("1.0.1").await;
    let execs = stack
        .run_until("the second gate", LIMIT, |e| {
            e.len() == 2
                && e.iter()
                    .any(|x| matches!(x.status, Status::Superseded { .. }))
                && awaiting(e)
        })
        .await;
    let old = execs.iter().find(|e| e.id == first.id).expect("first");
    assert!(
        matches!(old.status, Status::Superseded { .. }),
        "{}",
        old.status
    );
    stack
        .run_until("the message update", LIMIT, |_| {
            stack
                .approval_message(&first)
                .blocks
                .to_string()
                .contains("*Superseded*")
        })
        .await;
    // a click on the superseded request changes nothing
    let (status, body) = stack
        .click_value(APPROVER, "lockgate_approve", &approve_first)
        .await;
    assert_eq!(status, 200, "{body}");
    stack
        .run_until("quiet", Duration::from_secs(10), |_| true)
        .await;
    let execs = stack.executions().await;
    let old = execs.iter().find(|e| e.id == first.id).expect("first");
    assert!(
        matches!(old.status, Status::Superseded { .. }),
        "{}",
        old.status
    );
    assert!(Stack::releases(&stack.production, "hello-production").is_empty());
    let told: Vec<String> = stack
        .slack
        .calls_of("chat.postEphemeral")
        .iter()
        .map(|c| c.args.to_string())
        .collect();
    assert!(
        told.iter().any(|t| t.contains("superseded by")),
        "the clicker was told the release was superseded: {told:?}"
    );
}
