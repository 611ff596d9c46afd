//! An in-process queue with SQS FIFO's contract: one message in flight per group,
//! deduplication ids remembered for five minutes, delays, redelivery after a failure
//! with backoff, and a dead-letter list after too many receives.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use lockgate_core::envelope::{Envelope, Outgoing};
use lockgate_core::execution::Route;
use lockgate_core::ports::{async_trait, Clock, CommandQueue, PortError};

/// How long a deduplication id is remembered (as SQS FIFO).
const DEDUP_WINDOW_SECONDS: i64 = 300;

/// A message handed to a consumer.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// queue-assigned id
    pub id: u64,
    /// the route it was sent to
    pub route: Route,
    /// FIFO group
    pub group_id: Option<String>,
    /// the message
    pub envelope: Envelope,
    /// how many times it was received (1 on the first delivery)
    pub receive_count: u32,
}

#[derive(Debug, Clone)]
struct Stored {
    delivery: Delivery,
    visible_at: DateTime<Utc>,
    /// Sent with a delay: until due it waits outside its FIFO group, as a message
    /// on SQS's timer queue does, so it holds nothing back.
    timer: bool,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    messages: Vec<Stored>,
    in_flight: HashSet<u64>,
    busy_groups: HashSet<String>,
    seen: HashMap<String, DateTime<Utc>>,
    dead: Vec<Delivery>,
}

/// The queue (cheap to clone; clones share it).
#[derive(Clone)]
pub struct LocalQueue {
    state: Arc<Mutex<State>>,
    clock: Arc<dyn Clock>,
    max_receives: u32,
    wake: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for LocalQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalQueue")
            .field("max_receives", &self.max_receives)
            .finish()
    }
}

impl LocalQueue {
    /// A queue; a message received `max_receives` times without success is dead-lettered.
    pub fn new(clock: Arc<dyn Clock>, max_receives: u32) -> LocalQueue {
        LocalQueue {
            state: Arc::new(Mutex::new(State::default())),
            clock,
            max_receives: max_receives.max(1),
            wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Enqueues a message (dropped when its deduplication id was seen recently).
    /// Returns whether it was enqueued.
    pub fn push(&self, m: &Outgoing) -> bool {
        let now = self.clock.now();
        let mut st = self.lock();
        st.seen
            .retain(|_, at| now - *at < Duration::seconds(DEDUP_WINDOW_SECONDS));
        if st.seen.contains_key(&m.dedup_id) {
            return false;
        }
        st.seen.insert(m.dedup_id.clone(), now);
        st.next_id += 1;
        let id = st.next_id;
        st.messages.push(Stored {
            delivery: Delivery {
                id,
                route: m.route,
                group_id: m.group_id.clone(),
                envelope: m.envelope.clone(),
                receive_count: 0,
            },
            visible_at: now + m.delay.to_chrono(),
            timer: m.delay.to_chrono() > Duration::zero(),
        });
        drop(st);
        self.wake.notify_waiters();
        true
    }

    /// The next visible message for `route` whose group has nothing in flight: the
    /// oldest of its group (FIFO).
    pub fn receive(&self, route: Route) -> Option<Delivery> {
        let now = self.clock.now();
        let mut st = self.lock();
        let mut blocked: HashSet<String> = st.busy_groups.clone();
        let mut pick = None;
        for (i, m) in st.messages.iter().enumerate() {
            if st.in_flight.contains(&m.delivery.id) || (m.timer && m.visible_at > now) {
                continue;
            }
            let group = m.delivery.group_id.clone();
            if let Some(g) = &group {
                if blocked.contains(g) {
                    continue;
                }
            }
            if m.delivery.route == route && m.visible_at <= now {
                pick = Some(i);
                break;
            }
            // an earlier message of the group holds the ones behind it
            if let Some(g) = group {
                blocked.insert(g);
            }
        }
        let i = pick?;
        let id = st.messages[i].delivery.id;
        st.in_flight.insert(id);
        if let Some(g) = st.messages[i].delivery.group_id.clone() {
            st.busy_groups.insert(g);
        }
        st.messages[i].delivery.receive_count += 1;
        // a retried message holds its group like any other
        st.messages[i].timer = false;
        Some(st.messages[i].delivery.clone())
    }

    /// The message was handled: delete it.
    pub fn ack(&self, d: &Delivery) {
        let mut st = self.lock();
        st.messages.retain(|m| m.delivery.id != d.id);
        release(&mut st, d);
        drop(st);
        self.wake.notify_waiters();
    }

    /// Handling failed: make it visible again after `retry_after`, or dead-letter it
    /// when it was received too often. Returns whether it was dead-lettered.
    pub fn nack(&self, d: &Delivery, retry_after: Duration) -> bool {
        let now = self.clock.now();
        let mut st = self.lock();
        release(&mut st, d);
        let dead = d.receive_count >= self.max_receives;
        if dead {
            st.messages.retain(|m| m.delivery.id != d.id);
            st.dead.push(d.clone());
        } else if let Some(m) = st.messages.iter_mut().find(|m| m.delivery.id == d.id) {
            m.visible_at = now + retry_after;
        }
        drop(st);
        self.wake.notify_waiters();
        dead
    }

    /// Dead-letters a message at once (it can never succeed).
    pub fn dead_letter(&self, d: &Delivery) {
        let mut st = self.lock();
        release(&mut st, d);
        st.messages.retain(|m| m.delivery.id != d.id);
        st.dead.push(d.clone());
        drop(st);
        self.wake.notify_waiters();
    }

    /// Messages dead-lettered so far.
    pub fn dead_letters(&self) -> Vec<Delivery> {
        self.lock().dead.clone()
    }

    /// Messages waiting or in flight.
    pub fn len(&self) -> usize {
        self.lock().messages.len()
    }

    /// Nothing waiting or in flight.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// When the next delayed message becomes visible, if any is waiting.
    pub fn next_visible_at(&self) -> Option<DateTime<Utc>> {
        let st = self.lock();
        st.messages
            .iter()
            .filter(|m| !st.in_flight.contains(&m.delivery.id))
            .map(|m| m.visible_at)
            .min()
    }

    /// Resolves when something was pushed, acked or nacked.
    pub async fn changed(&self) {
        self.wake.notified().await;
    }
}

fn release(st: &mut State, d: &Delivery) {
    st.in_flight.remove(&d.id);
    if let Some(g) = &d.group_id {
        st.busy_groups.remove(g);
    }
}

#[async_trait]
impl CommandQueue for LocalQueue {
    async fn send(&self, message: &Outgoing) -> Result<(), PortError> {
        self.push(message);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockgate_core::ids::ExecutionId;
    use lockgate_core::ports::ManualClock;
    use lockgate_core::span::Span;

    fn msg(route: Route, group: &str, dedup: &str, delay: u64) -> Outgoing {
        Outgoing {
            route,
            group_id: Some(group.to_string()),
            dedup_id: dedup.to_string(),
            delay: Span::from_secs(delay),
            envelope: Envelope {
                v: 1,
                kind: "command.deploy".into(),
                execution_id: ExecutionId::from_string("web-1"),
                idempotency_key: dedup.to_string(),
                payload: serde_json::json!({}),
            },
        }
    }

    fn queue() -> (LocalQueue, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        (LocalQueue::new(clock.clone(), 3), clock)
    }

    #[test]
    fn a_group_delivers_in_order_one_at_a_time() {
        let (q, _) = queue();
        q.push(&msg(Route::Deployer, "web.staging", "a", 0));
        q.push(&msg(Route::Deployer, "web.staging", "b", 0));
        q.push(&msg(Route::Deployer, "web.production", "c", 0));
        let first = q.receive(Route::Deployer).unwrap();
        assert_eq!(first.envelope.idempotency_key, "a");
        let other = q.receive(Route::Deployer).unwrap();
        assert_eq!(other.envelope.idempotency_key, "c", "other groups proceed");
        assert!(q.receive(Route::Deployer).is_none(), "b waits for a");
        q.ack(&first);
        assert_eq!(
            q.receive(Route::Deployer).unwrap().envelope.idempotency_key,
            "b"
        );
    }

    #[test]
    fn duplicates_within_the_window_are_dropped() {
        let (q, clock) = queue();
        assert!(q.push(&msg(Route::Approvals, "g", "same", 0)));
        assert!(!q.push(&msg(Route::Approvals, "g", "same", 0)));
        clock.advance(Duration::seconds(301));
        assert!(q.push(&msg(Route::Approvals, "g", "same", 0)));
    }

    #[test]
    fn a_delayed_message_does_not_hold_back_later_messages_of_its_group() {
        let (q, _clock) = queue();
        assert!(q.push(&msg(Route::Approvals, "g", "timer", 3600)));
        assert!(q.push(&msg(Route::Approvals, "g", "decision", 0)));
        let d = q
            .receive(Route::Approvals)
            .expect("the decision is not held back");
        assert_eq!(d.envelope.idempotency_key, "decision");
    }

    #[test]
    fn delays_hold_messages_until_due() {
        let (q, clock) = queue();
        q.push(&msg(Route::Deployer, "g", "later", 30));
        assert!(q.receive(Route::Deployer).is_none());
        assert!(q.next_visible_at().is_some());
        clock.advance(Duration::seconds(30));
        assert!(q.receive(Route::Deployer).is_some());
    }

    #[test]
    fn failures_are_redelivered_then_dead_lettered() {
        let (q, clock) = queue();
        q.push(&msg(Route::Deployer, "g", "poison", 0));
        for attempt in 1..=3 {
            let d = q.receive(Route::Deployer).expect("delivered again");
            assert_eq!(d.receive_count, attempt);
            let dead = q.nack(&d, Duration::seconds(5));
            assert_eq!(dead, attempt == 3);
            clock.advance(Duration::seconds(5));
        }
        assert!(q.receive(Route::Deployer).is_none());
        assert_eq!(q.dead_letters().len(), 1);
        assert!(q.is_empty());
    }
}
