//! Where and how each message goes, as pure functions: the queue of its route, the
//! FIFO fields, the delay, and the message attributes; and the forwarding of a due
//! timer message to the queue of its route.

use lockgate_core::envelope::Outgoing;
use lockgate_core::execution::Route;
use lockgate_core::span::Span;
use sha2::{Digest as _, Sha256};

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
    /// Chart verification (`chart-uploaded`), if it is queued (a function may run
    /// it in-process instead).
    pub charts: Option<String>,
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
    /// The queue of `route`, if it has one.
    pub fn of(&self, route: Route) -> Option<&str> {
        match route {
            Route::Charts => self.charts.as_deref(),
            Route::Deployer => Some(&self.deployer),
            Route::Approvals => Some(&self.approvals),
            Route::Notifications => Some(&self.notifications),
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

/// The route named `name` in a message attribute ([`route_name`]'s inverse).
pub fn route_from_name(name: &str) -> Option<Route> {
    [
        Route::Charts,
        Route::Deployer,
        Route::Approvals,
        Route::Notifications,
    ]
    .into_iter()
    .find(|r| route_name(*r) == name)
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
pub enum PlanError {
    /// The route has no queue.
    #[error(
        "no queue is configured for route {route}: configure one, or run its commands in-process"
    )]
    NoQueue {
        /// The route.
        route: &'static str,
    },
    /// A delayed message for a FIFO queue, and no timer queue.
    #[error("a delayed message for the FIFO queue {queue_url} needs a timer queue (SQS FIFO cannot delay single messages): configure a standard timer queue")]
    NoTimerQueue {
        /// The FIFO queue.
        queue_url: String,
    },
}

fn target(urls: &QueueUrls, route: Route) -> Result<&str, PlanError> {
    urls.of(route).ok_or(PlanError::NoQueue {
        route: route_name(route),
    })
}

/// Plans sending `message` with `urls`: the queue, delay, FIFO fields and attributes.
///
/// # Errors
/// [`PlanError`] when the route has no queue, or a delayed message is for a FIFO
/// route and there is no timer queue.
pub fn plan(urls: &QueueUrls, message: &Outgoing) -> Result<SendPlan, PlanError> {
    let target = target(urls, message.route)?;
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
    let timer = urls
        .timer
        .as_deref()
        .ok_or_else(|| PlanError::NoTimerQueue {
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

/// Why a timer message cannot be forwarded (it was not sent by [`plan`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForwardError {
    /// An attribute the timer message needs is absent.
    #[error("timer message {message_id} has no {attribute} attribute: only messages sent by lockgate's command queue can be forwarded")]
    MissingAttribute {
        /// The SQS message id.
        message_id: String,
        /// The attribute.
        attribute: &'static str,
    },
    /// The route has no queue.
    #[error("timer message {message_id}: {source}")]
    Plan {
        /// The SQS message id.
        message_id: String,
        /// Why.
        #[source]
        source: PlanError,
    },
    /// The route attribute names no route.
    #[error("timer message {message_id} names the unknown route {route:?} (expected charts, deployer, approvals or notifications)")]
    UnknownRoute {
        /// The SQS message id.
        message_id: String,
        /// The value found.
        route: String,
    },
}

/// Plans forwarding a due message from the timer queue to the queue of its route:
/// `message_id` is the timer message's SQS id, `attribute` looks up its message
/// attributes (string values) by name.
///
/// A FIFO destination gets the original group and a deduplication id derived from
/// the original one and `message_id`: a redelivery of the same timer message is
/// dropped by SQS, while a later re-delay of the same command (a new timer message)
/// still arrives, even within FIFO's five-minute deduplication window.
///
/// # Errors
/// [`ForwardError`] when the attributes [`plan`] sets are missing or unknown.
pub fn forward_plan(
    urls: &QueueUrls,
    message_id: &str,
    attribute: impl Fn(&str) -> Option<String>,
) -> Result<SendPlan, ForwardError> {
    let need = |name: &'static str| {
        attribute(name).ok_or_else(|| ForwardError::MissingAttribute {
            message_id: message_id.to_string(),
            attribute: name,
        })
    };
    let name = need(ATTR_ROUTE)?;
    let route = route_from_name(&name).ok_or_else(|| ForwardError::UnknownRoute {
        message_id: message_id.to_string(),
        route: name.clone(),
    })?;
    let target = target(urls, route).map_err(|source| ForwardError::Plan {
        message_id: message_id.to_string(),
        source,
    })?;
    let attributes = vec![(ATTR_ROUTE, name)];
    if !is_fifo(target) {
        return Ok(SendPlan {
            queue_url: target.to_string(),
            delay_seconds: None,
            group_id: None,
            dedup_id: None,
            attributes,
        });
    }
    let group = need(ATTR_GROUP_ID)?;
    let dedup = need(ATTR_DEDUP_ID)?;
    let hop = hex::encode(Sha256::digest(format!("{dedup}/{message_id}").as_bytes()));
    Ok(SendPlan {
        queue_url: target.to_string(),
        delay_seconds: None,
        group_id: Some(group),
        dedup_id: Some(hop),
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockgate_core::envelope::Envelope;
    use lockgate_core::ids::ExecutionId;

    fn urls() -> QueueUrls {
        QueueUrls {
            charts: Some("https://sqs/1/charts".into()),
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
    fn due_timer_messages_are_forwarded_to_their_route_with_a_dedup_id_per_hop() {
        let sent = plan(&urls(), &outgoing(Route::Deployer, Some("web.staging"), 30)).unwrap();
        let attrs = |name: &str| {
            sent.attributes
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        };
        let first = forward_plan(&urls(), "msg-1", attrs).unwrap();
        assert_eq!(first.queue_url, "https://sqs/1/deployer.fifo");
        assert_eq!(first.group_id.as_deref(), Some("web.staging"));
        assert_eq!(first.delay_seconds, None);
        let again = forward_plan(&urls(), "msg-1", attrs).unwrap();
        assert_eq!(
            first.dedup_id, again.dedup_id,
            "a redelivery is deduplicated"
        );
        let later = forward_plan(&urls(), "msg-2", attrs).unwrap();
        assert_ne!(
            first.dedup_id, later.dedup_id,
            "a re-delay is a new message"
        );
        assert_eq!(first.dedup_id.map(|d| d.len()), Some(64));
    }

    #[test]
    fn timer_messages_without_lockgate_attributes_are_refused() {
        let e = forward_plan(&urls(), "m", |_| None).unwrap_err();
        assert!(e.to_string().contains("lockgate-route"), "{e}");
        let e = forward_plan(&urls(), "m", |n| {
            (n == ATTR_ROUTE).then(|| "billing".into())
        })
        .unwrap_err();
        assert!(e.to_string().contains("\"billing\""), "{e}");
        let e = forward_plan(&urls(), "m", |n| {
            (n == ATTR_ROUTE).then(|| "deployer".into())
        })
        .unwrap_err();
        assert!(e.to_string().contains(ATTR_GROUP_ID), "{e}");
    }

    #[test]
    fn route_names_read_back() {
        for r in [
            Route::Charts,
            Route::Deployer,
            Route::Approvals,
            Route::Notifications,
        ] {
            assert_eq!(route_from_name(route_name(r)), Some(r));
        }
        assert_eq!(route_from_name("nope"), None);
    }

    #[test]
    fn a_route_without_a_queue_is_named() {
        let mut u = urls();
        u.charts = None;
        let err = plan(&u, &outgoing(Route::Charts, None, 0)).unwrap_err();
        assert_eq!(err, PlanError::NoQueue { route: "charts" });
        assert!(err.to_string().contains("route charts"), "{err}");
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
