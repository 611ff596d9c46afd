//! [`SqsCommandQueue`]: the command queue on SQS. Each route has a queue; FIFO queues
//! (`.fifo` URLs) get the message group and deduplication id of the [`Outgoing`].
//! SQS FIFO queues cannot delay single messages, so a delayed message for a FIFO
//! route goes to a standard "timer" queue with `DelaySeconds`; delays beyond SQS's
//! 15 minutes are capped (the handler re-delays when the message arrives early).

use std::collections::HashMap;

use aws_sdk_sqs::types::MessageAttributeValue;
use aws_sdk_sqs::Client;
use lockgate_core::envelope::Outgoing;
use lockgate_core::execution::Route;
use lockgate_core::ports::{async_trait, CommandQueue, PortError};
use lockgate_core::span::Span;

use crate::error::port_error;

/// The longest delay SQS holds a message (15 minutes).
pub const SQS_MAX_DELAY: Span = Span::from_secs(900);

/// Message attribute naming the route a message is for (`deployer`), on every message.
pub const ATTR_ROUTE: &str = "lockgate-route";
/// Message attribute on timer-queue messages: the FIFO group id of the destination.
pub const ATTR_GROUP_ID: &str = "lockgate-group-id";
/// Message attribute on timer-queue messages: the FIFO deduplication id.
pub const ATTR_DEDUP_ID: &str = "lockgate-dedup-id";

/// The queue URL of each route, and the timer queue for delayed FIFO messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueUrls {
    /// Chart verification (`chart-uploaded`).
    pub charts: String,
    /// Deploys, rollout checks, rollbacks (`deployer`; FIFO).
    pub deployer: String,
    /// Approval requests, timers, decisions (`approvals`).
    pub approvals: String,
    /// Notifications.
    pub notifications: String,
    /// A standard queue for delayed messages of FIFO routes, if any route is FIFO.
    pub timer: Option<String>,
}

impl QueueUrls {
    /// The queue of `route`.
    pub fn of(&self, route: Route) -> &str {
        match route {
            Route::Charts => &self.charts,
            Route::Deployer => &self.deployer,
            Route::Approvals => &self.approvals,
            Route::Notifications => &self.notifications,
        }
    }
}

/// The name of `route` in message attributes (as in envelopes: snake case).
pub fn route_name(route: Route) -> &'static str {
    match route {
        Route::Charts => "charts",
        Route::Deployer => "deployer",
        Route::Approvals => "approvals",
        Route::Notifications => "notifications",
    }
}

/// Whether `url` names a FIFO queue (SQS requires the `.fifo` suffix).
pub fn is_fifo(url: &str) -> bool {
    url.ends_with(".fifo")
}

/// Where and how one message is sent: the pure part of [`SqsCommandQueue::send`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendPlan {
    /// The queue URL.
    pub queue_url: String,
    /// `DelaySeconds` (0..=900), only on standard queues.
    pub delay_seconds: Option<i32>,
    /// `MessageGroupId`, only on FIFO queues.
    pub group_id: Option<String>,
    /// `MessageDeduplicationId`, only on FIFO queues.
    pub dedup_id: Option<String>,
    /// Message attributes (route, and the FIFO fields for timer messages).
    pub attributes: Vec<(&'static str, String)>,
}

/// Why a message cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a delayed message for the FIFO queue {queue_url} needs a timer queue (SQS FIFO cannot delay single messages): configure a standard timer queue")]
pub struct NoTimerQueue {
    /// The FIFO queue.
    pub queue_url: String,
}

/// Plans sending `message` with `urls`: the queue, delay, FIFO fields and attributes.
///
/// # Errors
/// [`NoTimerQueue`] when a delayed message is for a FIFO route and there is no timer
/// queue.
pub fn plan(urls: &QueueUrls, message: &Outgoing) -> Result<SendPlan, NoTimerQueue> {
    let target = urls.of(message.route);
    let delay = message.delay.min(SQS_MAX_DELAY).as_secs();
    let delay = i32::try_from(delay).unwrap_or(900);
    let group = || {
        message
            .group_id
            .clone()
            .unwrap_or_else(|| message.envelope.execution_id.to_string())
    };
    let mut attributes = vec![(ATTR_ROUTE, route_name(message.route).to_string())];
    if !is_fifo(target) {
        return Ok(SendPlan {
            queue_url: target.to_string(),
            delay_seconds: (delay > 0).then_some(delay),
            group_id: None,
            dedup_id: None,
            attributes,
        });
    }
    if delay == 0 {
        return Ok(SendPlan {
            queue_url: target.to_string(),
            delay_seconds: None,
            group_id: Some(group()),
            dedup_id: Some(message.dedup_id.clone()),
            attributes,
        });
    }
    let timer = urls.timer.as_deref().ok_or_else(|| NoTimerQueue {
        queue_url: target.to_string(),
    })?;
    attributes.push((ATTR_GROUP_ID, group()));
    attributes.push((ATTR_DEDUP_ID, message.dedup_id.clone()));
    Ok(SendPlan {
        queue_url: timer.to_string(),
        delay_seconds: Some(delay),
        group_id: None,
        dedup_id: None,
        attributes,
    })
}

/// The command queue on SQS.
#[derive(Clone, Debug)]
pub struct SqsCommandQueue {
    client: Client,
    urls: QueueUrls,
}

impl SqsCommandQueue {
    /// Sends to the queues in `urls`.
    pub fn new(client: Client, urls: QueueUrls) -> Self {
        Self { client, urls }
    }

    /// The queues.
    pub fn urls(&self) -> &QueueUrls {
        &self.urls
    }
}

fn string_attribute(value: String) -> Result<MessageAttributeValue, PortError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|e| PortError::permanent("sqs message attribute", e))
}

#[async_trait]
impl CommandQueue for SqsCommandQueue {
    async fn send(&self, message: &Outgoing) -> Result<(), PortError> {
        let op = format!(
            "sqs send {} for {}",
            message.envelope.kind, message.envelope.execution_id
        );
        let plan = plan(&self.urls, message).map_err(|e| PortError::permanent(&op, e))?;
        let mut attributes = HashMap::new();
        for (name, value) in plan.attributes {
            attributes.insert(name.to_string(), string_attribute(value)?);
        }
        self.client
            .send_message()
            .queue_url(&plan.queue_url)
            .message_body(message.envelope.to_json())
            .set_delay_seconds(plan.delay_seconds)
            .set_message_group_id(plan.group_id)
            .set_message_deduplication_id(plan.dedup_id)
            .set_message_attributes(Some(attributes))
            .send()
            .await
            .map_err(|e| port_error(format!("{op} to {}", plan.queue_url), e))?;
        tracing::debug!(
            route = route_name(message.route),
            queue = %plan.queue_url,
            kind = %message.envelope.kind,
            "message sent"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockgate_core::envelope::Envelope;
    use lockgate_core::ids::ExecutionId;

    fn urls() -> QueueUrls {
        QueueUrls {
            charts: "https://sqs/1/charts".into(),
            deployer: "https://sqs/1/deployer.fifo".into(),
            approvals: "https://sqs/1/approvals.fifo".into(),
            notifications: "https://sqs/1/notifications".into(),
            timer: Some("https://sqs/1/timers".into()),
        }
    }

    fn outgoing(route: Route, group: Option<&str>, delay: u64) -> Outgoing {
        Outgoing {
            route,
            group_id: group.map(str::to_string),
            dedup_id: "d".repeat(64),
            delay: Span::from_secs(delay),
            envelope: Envelope {
                v: 1,
                kind: "command.deploy".into(),
                execution_id: ExecutionId::from_string("web-1"),
                idempotency_key: "web-1/deploy/staging".into(),
                payload: serde_json::json!({}),
            },
        }
    }

    #[test]
    fn fifo_messages_carry_group_and_dedup_id() {
        let p = plan(&urls(), &outgoing(Route::Deployer, Some("web.staging"), 0)).unwrap();
        assert_eq!(p.queue_url, "https://sqs/1/deployer.fifo");
        assert_eq!(p.group_id.as_deref(), Some("web.staging"));
        assert_eq!(p.dedup_id, Some("d".repeat(64)));
        assert_eq!(p.delay_seconds, None);
    }

    #[test]
    fn fifo_messages_without_a_group_use_the_execution_id() {
        let p = plan(&urls(), &outgoing(Route::Approvals, None, 0)).unwrap();
        assert_eq!(p.group_id.as_deref(), Some("web-1"));
    }

    #[test]
    fn delayed_fifo_messages_go_to_the_timer_queue_with_their_fifo_fields() {
        let p = plan(&urls(), &outgoing(Route::Deployer, Some("web.staging"), 30)).unwrap();
        assert_eq!(p.queue_url, "https://sqs/1/timers");
        assert_eq!(p.delay_seconds, Some(30));
        assert_eq!((p.group_id, p.dedup_id), (None, None));
        assert!(p
            .attributes
            .contains(&(ATTR_GROUP_ID, "web.staging".to_string())));
        assert!(p.attributes.contains(&(ATTR_ROUTE, "deployer".to_string())));
    }

    #[test]
    fn delays_beyond_fifteen_minutes_are_capped() {
        let p = plan(&urls(), &outgoing(Route::Charts, None, 7200)).unwrap();
        assert_eq!(p.queue_url, "https://sqs/1/charts");
        assert_eq!(p.delay_seconds, Some(900));
    }

    #[test]
    fn standard_queues_get_no_fifo_fields() {
        let p = plan(&urls(), &outgoing(Route::Notifications, Some("g"), 0)).unwrap();
        assert_eq!(
            (p.group_id, p.dedup_id, p.delay_seconds),
            (None, None, None)
        );
    }

    #[test]
    fn a_delayed_fifo_message_without_timer_queue_names_the_queue() {
        let mut u = urls();
        u.timer = None;
        let err = plan(&u, &outgoing(Route::Deployer, Some("g"), 5)).unwrap_err();
        assert!(err.to_string().contains("deployer.fifo"), "{err}");
        assert!(err.to_string().contains("timer queue"), "{err}");
    }
}
