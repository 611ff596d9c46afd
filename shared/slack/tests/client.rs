//! The Web API client and the Slack ports against the loopback stand-in: shapes
//! Slack accepts, 429 with Retry-After, permanent errors, one thread per execution.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use lockgate_core::execution::{ApprovalState, Notice, NoticeKind, NotifyTarget};
use lockgate_core::ports::{Approvals, ManualClock, Notifier, PortErrorKind};
use lockgate_core::ExecutionId;
use lockgate_slack::blocks::{approval_request, SlackMessage};
use lockgate_slack::standin::{SlackStandin, TOKEN};
use lockgate_slack::{ClientError, SlackApprovals, SlackClient, SlackNotifier};
use support::*;

fn client(s: &SlackStandin) -> Arc<SlackClient> {
    Arc::new(
        SlackClient::new(&s.api_url(), TOKEN)
            .expect("client")
            .with_retries(3, Duration::from_secs(5)),
    )
}

fn text(t: &str) -> SlackMessage {
    SlackMessage {
        text: t.into(),
        blocks: vec![],
    }
}

#[tokio::test]
async fn a_posted_request_passes_the_standins_block_kit_checks() {
    let s = SlackStandin::start().await.expect("standin");
    let c = client(&s);
    let ts = c
        .post_message(
            "C0DEPLOYS1",
            &approval_request(&request("C0DEPLOYS1")),
            None,
            false,
        )
        .await
        .expect("posted");
    assert!(!ts.is_empty());
    let calls = s.calls_of("chat.postMessage");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].outcome, "ok");
    assert!(c.auth_test().await.is_ok());
}

#[tokio::test]
async fn rate_limits_are_waited_out_with_retry_after() {
    let s = SlackStandin::start().await.expect("standin");
    let c = client(&s);
    s.rate_limit_next(2, 1);
    let started = std::time::Instant::now();
    c.post_message("C1", &text("hi"), None, false)
        .await
        .expect("posted after retries");
    assert!(started.elapsed() >= Duration::from_secs(2));
    let outcomes: Vec<String> = s.calls().into_iter().map(|c| c.outcome).collect();
    assert_eq!(outcomes, ["ratelimited", "ratelimited", "ok"]);
}

#[tokio::test]
async fn endless_rate_limits_give_up_as_a_transient_error() {
    let s = SlackStandin::start().await.expect("standin");
    let c = client(&s);
    s.rate_limit_next(10, 1);
    let e = c
        .post_message("C1", &text("hi"), None, false)
        .await
        .expect_err("gives up");
    assert!(
        matches!(e, ClientError::RateLimited { attempts: 3, .. }),
        "{e}"
    );
    assert!(e.is_transient());
    assert_eq!(s.calls().len(), 3, "bounded retries");
}

#[tokio::test]
async fn a_missing_channel_and_a_dead_token_are_permanent_with_advice() {
    let s = SlackStandin::start().await.expect("standin");
    let c = client(&s);
    s.remove_channel("C0GONE");
    let e = c
        .post_message("C0GONE", &text("hi"), None, false)
        .await
        .expect_err("refused");
    assert_eq!(e.code(), Some("channel_not_found"));
    assert!(!e.is_transient());
    assert!(e.to_string().contains("invite the app"), "{e}");
    let port = e.into_port("notify");
    assert_eq!(port.kind, PortErrorKind::Permanent);

    s.set_invalid_auth(true);
    let e = c.auth_test().await.expect_err("refused");
    assert_eq!(e.code(), Some("invalid_auth"));
    assert!(!e.to_string().contains(TOKEN), "the token is never shown");
    let wrong = SlackClient::new(&s.api_url(), "xoxb-wrong").expect("client");
    s.set_invalid_auth(false);
    assert_eq!(
        wrong.auth_test().await.expect_err("refused").code(),
        Some("invalid_auth")
    );
    assert!(!format!("{wrong:?}").contains("xoxb"));
}

#[tokio::test]
async fn usergroup_members_come_from_the_directory() {
    let s = SlackStandin::start().await.expect("standin");
    let c = client(&s);
    s.set_group(RELEASE_GROUP, &[CAROL]);
    assert_eq!(
        c.usergroup_members(RELEASE_GROUP).await.expect("members"),
        vec![CAROL.to_string()]
    );
    assert_eq!(
        c.groups_of(CAROL).await.expect("groups"),
        vec![RELEASE_GROUP]
    );
    assert!(c.groups_of(MALLORY).await.expect("groups").is_empty());
}

#[tokio::test]
async fn slack_approvals_post_update_in_place_and_answer_privately() {
    let s = SlackStandin::start().await.expect("standin");
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let a = SlackApprovals::new(client(&s), Arc::new(MemStore::default()), clock);
    let r = request("C0DEPLOYS1");
    let handle = a.request(&r).await.expect("requested");
    let posted = s.messages();
    assert_eq!(posted.len(), 1);
    assert_eq!(handle.0, format!("C0DEPLOYS1:{}", posted[0].ts));
    a.update(
        &handle,
        &ApprovalState::Rejected {
            by: BOB.into(),
            reason: Some("not during the sale".into()),
        },
    )
    .await
    .expect("updated");
    let m = &s.messages()[0];
    assert_eq!(m.updates, 1);
    let blocks = m.blocks.to_string();
    assert!(blocks.contains("Rejected") && blocks.contains("not during the sale"));
    assert!(blocks.contains("1.4.2"), "the update keeps the artifact");
    assert!(!blocks.contains("lockgate_approve"), "buttons removed");
    a.answer(BOB, Some(&handle), "this release was decided by U0BOB0002")
        .await
        .expect("answered");
    let eph = s.calls_of("chat.postEphemeral");
    assert_eq!(eph[0].args["user"], BOB);
    assert_eq!(eph[0].args["channel"], "C0DEPLOYS1");
}

#[tokio::test]
async fn a_request_without_a_slack_channel_is_a_permanent_error() {
    let s = SlackStandin::start().await.expect("standin");
    let a = SlackApprovals::new(
        client(&s),
        Arc::new(MemStore::default()),
        Arc::new(ManualClock::new(Utc::now())),
    );
    let mut r = request("C1");
    r.channel = None;
    let e = a.request(&r).await.expect_err("no channel");
    assert_eq!(e.kind, PortErrorKind::Permanent);
    assert!(e.to_string().contains("has no Slack channel"), "{e}");
}

fn notice(kind: NoticeKind, id: &str, text: &str) -> Notice {
    Notice {
        kind,
        severity: kind.severity(),
        app: "web".into(),
        env: Some("staging".into()),
        text: text.into(),
        image: "registry.example.com/web:1.4.2@sha256:00".into(),
        chart_version: "1.4.2".into(),
        channels: vec![NotifyTarget {
            name: "deploys".into(),
            target: lockgate_core::config::ChannelTarget::Slack {
                channel: "C0DEPLOYS1".into(),
            },
        }],
        execution_id: Some(ExecutionId::from_string(id)),
    }
}

#[tokio::test]
async fn notices_of_one_execution_share_a_thread_and_failures_reach_the_channel() {
    let s = SlackStandin::start().await.expect("standin");
    let n = SlackNotifier::new(client(&s), Arc::new(MemStore::default()));
    n.notify(&notice(NoticeKind::Received, "web-1", "received"))
        .await
        .expect("first");
    n.notify(&notice(
        NoticeKind::DeployStarted,
        "web-1",
        "deploying revision 3",
    ))
    .await
    .expect("second");
    n.notify(&notice(NoticeKind::RollingBack, "web-1", "rolling back"))
        .await
        .expect("third");
    n.notify(&notice(NoticeKind::Received, "web-2", "another"))
        .await
        .expect("other execution");
    let m = s.messages();
    assert_eq!(m.len(), 4);
    assert_eq!(m[0].thread_ts, None);
    assert_eq!(m[1].thread_ts.as_deref(), Some(m[0].ts.as_str()));
    assert!(!m[1].broadcast);
    assert_eq!(m[2].thread_ts.as_deref(), Some(m[0].ts.as_str()));
    assert!(m[2].broadcast, "a failure is also shown in the channel");
    assert_eq!(
        m[3].thread_ts, None,
        "another execution starts its own thread"
    );
}

#[tokio::test]
async fn racing_first_notices_make_one_thread() {
    let s = SlackStandin::start().await.expect("standin");
    let n = Arc::new(SlackNotifier::new(
        client(&s),
        Arc::new(MemStore::default()),
    ));
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let n = n.clone();
            tokio::spawn(async move {
                n.notify(&notice(
                    NoticeKind::DeployStarted,
                    "web-race",
                    &format!("n{i}"),
                ))
                .await
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("joins").expect("notified");
    }
    let m = s.messages();
    assert_eq!(m.len(), 8);
    assert_eq!(m.iter().filter(|p| p.thread_ts.is_none()).count(), 1);
}

#[tokio::test]
async fn a_failed_first_post_lets_the_next_notice_start_the_thread() {
    let s = SlackStandin::start().await.expect("standin");
    let n = SlackNotifier::new(client(&s), Arc::new(MemStore::default()));
    s.set_invalid_auth(true);
    let e = n
        .notify(&notice(NoticeKind::Received, "web-3", "received"))
        .await
        .expect_err("dead token");
    assert_eq!(e.kind, PortErrorKind::Permanent);
    s.set_invalid_auth(false);
    n.notify(&notice(NoticeKind::DeployStarted, "web-3", "deploying"))
        .await
        .expect("posted");
    n.notify(&notice(NoticeKind::StageSucceeded, "web-3", "done"))
        .await
        .expect("posted");
    let m = s.messages();
    assert_eq!(m.len(), 2);
    assert_eq!(m[1].thread_ts.as_deref(), Some(m[0].ts.as_str()));
}

#[tokio::test]
async fn a_slack_that_never_answers_times_out_as_a_transient_error() {
    // accepts connections and says nothing
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let c = SlackClient::new(&format!("http://{addr}/api/"), TOKEN)
        .expect("client")
        .with_timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let e = c.auth_test().await.expect_err("times out");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(e, ClientError::Connect { .. }), "{e}");
    assert!(e.is_transient());
    silent.abort();
}
