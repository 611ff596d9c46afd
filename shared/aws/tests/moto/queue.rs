//! `SqsCommandQueue` on moto's SQS: FIFO groups and deduplication ids, delays on the
//! standard timer queue, the route in a message attribute.

use std::time::Duration;

use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};
use lockgate_aws::{QueueUrls, SqsCommandQueue, ATTR_DEDUP_ID, ATTR_GROUP_ID, ATTR_ROUTE};
use lockgate_core::envelope::{Envelope, Outgoing};
use lockgate_core::execution::Route;
use lockgate_core::ids::ExecutionId;
use lockgate_core::ports::{CommandQueue, PortErrorKind};
use lockgate_core::span::Span;

use crate::server::{Moto, MotoSdk};

async fn queue(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    let mut req = sqs.create_queue().queue_name(name);
    if name.ends_with(".fifo") {
        req = req
            .attributes(QueueAttributeName::FifoQueue, "true")
            .attributes(QueueAttributeName::ContentBasedDeduplication, "false");
    }
    req.send().await.unwrap().queue_url.unwrap()
}

async fn setup(moto: &Moto) -> (aws_sdk_sqs::Client, QueueUrls) {
    let sqs = lockgate_aws::sqs_client(&moto.sdk_config());
    let urls = QueueUrls {
        charts: Some(queue(&sqs, "charts").await),
        deployer: queue(&sqs, "deployer.fifo").await,
        approvals: queue(&sqs, "approvals.fifo").await,
        notifications: queue(&sqs, "notifications").await,
        timer: Some(queue(&sqs, "timers").await),
    };
    (sqs, urls)
}

fn outgoing(route: Route, group: &str, key: &str, delay: u64) -> Outgoing {
    let envelope = Envelope {
        v: 1,
        kind: "command.deploy".into(),
        execution_id: ExecutionId::from_string("web-1"),
        idempotency_key: key.to_string(),
        payload: serde_json::json!({"env": "staging"}),
    };
    Outgoing {
        route,
        group_id: Some(group.to_string()),
        dedup_id: envelope.dedup_id(),
        delay: Span::from_secs(delay),
        envelope,
    }
}

async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, wait: i32) -> Vec<Message> {
    sqs.receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .message_attribute_names("All")
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default()
}

/// Polls `url` until messages arrive or `within` passes.
async fn receive_within(sqs: &aws_sdk_sqs::Client, url: &str, within: Duration) -> Vec<Message> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let got = receive(sqs, url, 1).await;
        if !got.is_empty() || tokio::time::Instant::now() >= deadline {
            return got;
        }
    }
}

fn system(m: &Message, name: MessageSystemAttributeName) -> Option<String> {
    m.attributes().and_then(|a| a.get(&name)).cloned()
}

fn attribute(m: &Message, name: &str) -> Option<String> {
    m.message_attributes()
        .and_then(|a| a.get(name))
        .and_then(|v| v.string_value())
        .map(str::to_string)
}

#[tokio::test]
async fn fifo_messages_carry_their_group_and_duplicates_are_dropped() {
    let moto = Moto::start();
    let (sqs, urls) = setup(&moto).await;
    let q = SqsCommandQueue::new(sqs.clone(), urls.clone());
    let m = outgoing(Route::Deployer, "web.staging", "web-1/deploy/staging", 0);
    q.send(&m).await.unwrap();
    q.send(&m).await.unwrap();
    let got = receive(&sqs, &urls.deployer, 1).await;
    assert_eq!(got.len(), 1, "the duplicate is dropped by SQS");
    let msg = &got[0];
    assert_eq!(
        system(msg, MessageSystemAttributeName::MessageGroupId).as_deref(),
        Some("web.staging")
    );
    assert_eq!(
        system(msg, MessageSystemAttributeName::MessageDeduplicationId),
        Some(m.dedup_id.clone())
    );
    assert_eq!(attribute(msg, ATTR_ROUTE).as_deref(), Some("deployer"));
    let back = Envelope::from_json(msg.body().unwrap()).unwrap();
    assert_eq!(back, m.envelope);
}

#[tokio::test]
async fn delayed_fifo_messages_wait_on_the_timer_queue() {
    let moto = Moto::start();
    let (sqs, urls) = setup(&moto).await;
    let q = SqsCommandQueue::new(sqs.clone(), urls.clone());
    // Long enough that a loaded machine still looks before it is due.
    let m = outgoing(Route::Deployer, "web.staging", "web-1/check/1", 6);
    q.send(&m).await.unwrap();
    let timer = urls.timer.clone().unwrap();
    assert!(receive(&sqs, &urls.deployer, 0).await.is_empty());
    assert!(
        receive(&sqs, &timer, 0).await.is_empty(),
        "not visible before its delay"
    );
    let got = receive_within(&sqs, &timer, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1);
    assert_eq!(attribute(&got[0], ATTR_ROUTE).as_deref(), Some("deployer"));
    assert_eq!(
        attribute(&got[0], ATTR_GROUP_ID).as_deref(),
        Some("web.staging")
    );
    assert_eq!(attribute(&got[0], ATTR_DEDUP_ID), Some(m.dedup_id.clone()));
}

#[tokio::test]
async fn standard_routes_take_delays_directly() {
    let moto = Moto::start();
    let (sqs, urls) = setup(&moto).await;
    let q = SqsCommandQueue::new(sqs.clone(), urls.clone());
    q.send(&outgoing(Route::Charts, "g", "k1", 0))
        .await
        .unwrap();
    q.send(&outgoing(Route::Charts, "g", "k2", 6))
        .await
        .unwrap();
    let key = |m: &Message| {
        Envelope::from_json(m.body().unwrap())
            .unwrap()
            .idempotency_key
    };
    let charts = urls.charts.clone().unwrap();
    let now = receive(&sqs, &charts, 1).await;
    assert_eq!(
        now.iter().map(key).collect::<Vec<_>>(),
        vec!["k1"],
        "only the undelayed message is visible"
    );
    assert_eq!(attribute(&now[0], ATTR_ROUTE).as_deref(), Some("charts"));
    let later = receive_within(&sqs, &charts, Duration::from_secs(20)).await;
    assert_eq!(later.iter().map(key).collect::<Vec<_>>(), vec!["k2"]);
}

#[tokio::test]
async fn a_missing_queue_is_a_permanent_error_naming_it() {
    let moto = Moto::start();
    let (sqs, mut urls) = setup(&moto).await;
    urls.approvals = format!("{}/123456789012/gone.fifo", moto.endpoint);
    let q = SqsCommandQueue::new(sqs, urls);
    let err = q
        .send(&outgoing(Route::Approvals, "g", "k", 0))
        .await
        .unwrap_err();
    assert_eq!(err.kind, PortErrorKind::Permanent, "{err}");
    assert!(err.to_string().contains("gone.fifo"), "{err}");
}

/// Receives one message from the timer queue and forwards it with the adapter.
async fn forward_one(sqs: &aws_sdk_sqs::Client, q: &SqsCommandQueue, timer: &str) -> Message {
    let got = receive_within(sqs, timer, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1, "one timer message due");
    let m = got.into_iter().next().unwrap();
    q.forward(m.message_id().unwrap(), m.body().unwrap(), |name| {
        attribute(&m, name)
    })
    .await
    .unwrap();
    sqs.delete_message()
        .queue_url(timer)
        .receipt_handle(m.receipt_handle().unwrap())
        .send()
        .await
        .unwrap();
    m
}

#[tokio::test]
async fn due_timer_messages_are_forwarded_to_their_fifo_queue_and_re_delays_are_not_lost() {
    let moto = Moto::start();
    let (sqs, urls) = setup(&moto).await;
    let timer = urls.timer.clone().unwrap();
    let q = SqsCommandQueue::new(sqs.clone(), urls.clone());
    let m = outgoing(
        Route::Approvals,
        "web-1",
        "web-1/timer/production/expiry",
        1,
    );

    q.send(&m).await.unwrap();
    let first = forward_one(&sqs, &q, &timer).await;
    // SQS standard queues deliver at least once: a redelivered timer message is
    // forwarded again, and FIFO deduplication drops the copy.
    q.forward(first.message_id().unwrap(), first.body().unwrap(), |name| {
        attribute(&first, name)
    })
    .await
    .unwrap();
    let arrived = receive_within(&sqs, &urls.approvals, Duration::from_secs(5)).await;
    assert_eq!(arrived.len(), 1, "the redelivery is deduplicated");
    assert_eq!(
        system(&arrived[0], MessageSystemAttributeName::MessageGroupId).as_deref(),
        Some("web-1")
    );
    assert_eq!(arrived[0].body(), Some(m.envelope.to_json().as_str()));
    sqs.delete_message()
        .queue_url(&urls.approvals)
        .receipt_handle(arrived[0].receipt_handle().unwrap())
        .send()
        .await
        .unwrap();

    // The handler found it early and re-delayed the same command: a new timer message,
    // forwarded within FIFO's five-minute window, still arrives.
    q.send(&m).await.unwrap();
    forward_one(&sqs, &q, &timer).await;
    assert_eq!(
        receive_within(&sqs, &urls.approvals, Duration::from_secs(5))
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn foreign_messages_on_the_timer_queue_are_refused_permanently() {
    let moto = Moto::start();
    let (sqs, urls) = setup(&moto).await;
    let q = SqsCommandQueue::new(sqs, urls);
    let e = q.forward("m-1", "{}", |_| None).await.unwrap_err();
    assert_eq!(e.kind, PortErrorKind::Permanent);
    assert!(e.to_string().contains("lockgate-route"), "{e}");
}
