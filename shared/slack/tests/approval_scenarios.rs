//! Approvals end to end, locally: the real pipeline handlers on the local runtime
//! (filesystem store, in-process queue) and the simulated cluster, with
//! `SlackApprovals` and `SlackNotifier` talking to the Slack stand-in, and clicks
//! sent as Slack signs them through `handle_request`.

mod support;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use lockgate_core::config::Config;
use lockgate_core::envelope::Outgoing;
use lockgate_core::execution::{EventBody, Execution, StageStatus, Status};
use lockgate_core::ports::{Clock, CommandQueue, PortError};
use lockgate_core::span::Span;
use lockgate_core::ExecutionId;
use lockgate_pipeline::clusters::Clusters;
use lockgate_pipeline::handlers::{self, Ctx, ImagePush};
use lockgate_pipeline::local::adapters::LocalRegistry;
use lockgate_pipeline::local::queue::LocalQueue;
use lockgate_pipeline::local::runtime::Runtime;
use lockgate_pipeline::local::store::{FsChartStore, FsStore};
use lockgate_simcluster::{SimCluster, SimConfig};
use lockgate_slack::interaction::GroupCache;
use lockgate_slack::standin::{Posted, SlackStandin, TOKEN};
use lockgate_slack::{
    handle_request, sign_request, InteractionDeps, Request, SlackApprovals, SlackClient,
    SlackNotifier,
};
use serde_json::{json, Value};
use support::{ALICE, BOB, CAROL, MALLORY, RELEASE_GROUP};

const SECRET: &[u8] = b"scenario-signing-secret";
const CHANNEL: &str = "C0DEPLOYS1";

/// The system clock moved forward on demand (expiry without waiting 72 hours).
#[derive(Default)]
struct SkewClock {
    offset: Mutex<chrono::Duration>,
}

impl SkewClock {
    fn advance(&self, by: chrono::Duration) {
        *self.offset.lock().expect("lock") += by;
    }
}

impl Clock for SkewClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().expect("lock")
    }
}

/// The local queue as the AWS command queue behaves: a delayed message waits in the
/// standard timer queue, outside its FIFO group, and joins the group when due
/// (`lockgate_aws::sqs::plan`). `LocalQueue` keeps delayed messages in their group,
/// where they hold back every later message of the execution (a decision, a
/// message update) until the timer is due; so delayed messages are queued here
/// without a group.
struct TimerAwareQueue(LocalQueue);

#[lockgate_core::ports::async_trait]
impl CommandQueue for TimerAwareQueue {
    async fn send(&self, message: &Outgoing) -> Result<(), PortError> {
        if message.delay.as_secs() > 0 {
            let mut m = message.clone();
            m.group_id = None;
            self.0.push(&m);
        } else {
            self.0.push(message);
        }
        Ok(())
    }
}

fn config(quorum: u32) -> String {
    format!(
        r#"
version: 1
clusters: [{{name: local, kind: simulated}}]
notifications: [{{name: deploys, kind: slack, channel: {CHANNEL}}}]
apps:
  - name: hello
    image: {{repository: registry.local/hello, tag_policy: {{kind: semver}}}}
    chart:
      source: hello
      image_values: {{repository: image.repository, tag: image.tag, digest: image.digest}}
    notify: [deploys]
    links: {{status: "https://ci.example.com/executions/{{execution_id}}"}}
    environments:
      - name: staging
        cluster: local
        namespace: hello-staging
        values_files: [values.yaml, values.staging.yaml]
        timeout: 60s
        check_interval: 1s
      - name: production
        cluster: local
        namespace: hello-production
        values_files: [values.yaml, values.production.yaml]
        timeout: 60s
        check_interval: 1s
        gate:
          approvers: {{users: [{ALICE}, {BOB}], groups: [{RELEASE_GROUP}]}}
          quorum: {quorum}
          expiry: 72h
          remind_before: 24h
          four_eyes: true
"#
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read chart") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

struct Scenario {
    _dir: tempfile::TempDir,
    _sim: SimCluster,
    slack: SlackStandin,
    clock: Arc<SkewClock>,
    rt: Runtime,
    deps: InteractionDeps,
}

impl Scenario {
    async fn new(quorum: u32) -> Scenario {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let sources = root.join("sources");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../cli/demo/hello"),
            &sources.join("hello"),
        );
        let config = Arc::new(Config::from_yaml(&config(quorum)).expect("config"));
        let sim = SimCluster::start_background(
            "127.0.0.1:0".parse().expect("address"),
            SimConfig {
                tls: true,
                time_scale: 0.02,
                ..SimConfig::default()
            },
        )
        .expect("simulated cluster");
        let slack = SlackStandin::start().await.expect("slack stand-in");
        slack.set_group(RELEASE_GROUP, &[CAROL]);
        let client = Arc::new(SlackClient::new(&slack.api_url(), TOKEN).expect("client"));
        let clock = Arc::new(SkewClock::default());
        let queue = LocalQueue::new(clock.clone(), 5);
        let sender: Arc<dyn CommandQueue> = Arc::new(TimerAwareQueue(queue.clone()));
        let store = Arc::new(FsStore::new(root.join("state")).expect("store"));
        std::fs::create_dir_all(root.join("work")).expect("workdir");
        let ctx = Ctx {
            config: config.clone(),
            config_dir: sources,
            workdir: root.join("work"),
            store: store.clone(),
            charts: Arc::new(FsChartStore::new(root.join("charts")).expect("charts")),
            queue: sender.clone(),
            registry: Arc::new(LocalRegistry),
            clusters: Arc::new(Clusters::new(
                Some(sim.kubeconfig_yaml("scenario", "default")),
                Default::default(),
            )),
            approvals: Arc::new(SlackApprovals::new(
                client.clone(),
                store.clone(),
                clock.clone(),
            )),
            notifier: Arc::new(SlackNotifier::new(client.clone(), store)),
            clock: clock.clone(),
            max_delay: Span::from_hours(24),
            crash_loop_restarts: Some(2),
        };
        let deps = InteractionDeps {
            signing_secret: SECRET.to_vec(),
            config,
            queue: sender,
            groups: GroupCache::new(client.clone(), Duration::from_secs(60)),
            slack: client,
            clock: clock.clone(),
        };
        Scenario {
            _dir: dir,
            _sim: sim,
            slack,
            clock,
            rt: Runtime { ctx, queue },
            deps,
        }
    }

    async fn push(&self, tag: &str) -> ExecutionId {
        let ctx = &self.rt.ctx;
        let push = ImagePush {
            repository: "registry.local/hello".into(),
            tag: tag.into(),
            digest: None,
            pushed_by: Some(ALICE.into()),
        };
        let artifact = handlers::image_pushed(ctx, &push)
            .await
            .expect("chart built");
        handlers::chart_uploaded(ctx, &artifact.location)
            .await
            .expect("execution opened")
            .expect("an execution")
    }

    async fn exec(&self, id: &ExecutionId) -> Execution {
        handlers::load(&self.rt.ctx, id)
            .await
            .expect("load")
            .expect("execution")
    }

    /// Pumps until `done` holds for the execution (or the queue is idle, when
    /// `done` is none), at most two minutes.
    async fn drive(&self, id: &ExecutionId, done: impl Fn(&Execution) -> bool) -> Execution {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (worked, failed) = self.rt.pump_once().await;
            assert!(failed.is_none(), "a message failed: {failed:?}");
            if !worked {
                let e = self.exec(id).await;
                if done(&e) {
                    return e;
                }
                assert!(Instant::now() < deadline, "stuck at {}", e.status);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    /// Pumps until nothing is visible.
    async fn settle(&self) {
        while self.rt.pump_once().await.0 {}
    }

    async fn to_gate(&self, tag: &str) -> ExecutionId {
        let id = self.push(tag).await;
        self.drive(&id, |e| matches!(e.status, Status::AwaitingApproval { .. }))
            .await;
        self.settle().await;
        id
    }

    fn request_message(&self, id: &ExecutionId) -> Posted {
        self.slack
            .messages()
            .into_iter()
            .find(|m| {
                let blocks = m.blocks.to_string();
                m.thread_ts.is_none() && blocks.contains(id.as_str()) && blocks.contains("lg_facts")
            })
            .expect("the approval request was posted")
    }

    fn signed(&self, payload: &Value) -> Request {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &payload.to_string())
            .finish()
            .into_bytes();
        let ts = self.clock.now().timestamp().to_string();
        Request {
            headers: vec![
                ("x-slack-request-timestamp".into(), ts.clone()),
                ("x-slack-signature".into(), sign_request(SECRET, &ts, &body)),
            ],
            body,
        }
    }

    fn value(&self, id: &ExecutionId, action: &str) -> String {
        let m = self.request_message(id);
        m.blocks
            .as_array()
            .into_iter()
            .flatten()
            .filter(|b| b["type"] == "actions")
            .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
            .find(|e| e["action_id"] == action)
            .and_then(|e| e["value"].as_str().map(str::to_string))
            .expect("the message has the button")
    }

    async fn click(&self, id: &ExecutionId, user: &str, action: &str) -> String {
        let value = self.value(id, action);
        self.click_value(user, action, &value).await
    }

    async fn click_value(&self, user: &str, action: &str, value: &str) -> String {
        let payload = json!({
            "type": "block_actions",
            "user": { "id": user },
            "trigger_id": "1.2.3",
            "response_url": self.slack.response_url(user),
            "channel": { "id": CHANNEL },
            "actions": [ { "action_id": action, "value": value } ]
        });
        let resp = handle_request(&self.signed(&payload), &self.deps).await;
        assert_eq!(resp.status, 200, "{}", resp.body);
        resp.body
    }

    async fn reject(&self, id: &ExecutionId, user: &str, reason: &str) {
        self.click(id, user, "lockgate_reject").await;
        let payload = json!({
            "type": "view_submission",
            "user": { "id": user },
            "view": {
                "callback_id": "lockgate_reject_reason",
                "private_metadata": self.value(id, "lockgate_reject"),
                "state": { "values": { "lockgate_reason": { "lockgate_reason_input": { "value": reason } } } }
            }
        });
        let resp = handle_request(&self.signed(&payload), &self.deps).await;
        assert_eq!(resp.status, 200, "{}", resp.body);
    }
}

fn decisions(e: &Execution) -> usize {
    e.history
        .iter()
        .filter(|h| {
            matches!(
                h.event.as_ref().map(|e| &e.body),
                Some(EventBody::DecisionRecorded { .. })
            )
        })
        .count()
}

fn production(e: &Execution) -> &lockgate_core::execution::StageRecord {
    &e.stages[1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_deploys_production_and_updates_the_message() {
    let s = Scenario::new(1).await;
    let id = s.to_gate("1.0.0").await;
    let link = format!("https://ci.example.com/executions/{id}|status");
    assert!(s.request_message(&id).blocks.to_string().contains(&link));
    let answer = s.click(&id, BOB, "lockgate_approve").await;
    assert!(answer.contains("Recorded"));
    let e = s.drive(&id, |e| e.status.is_final()).await;
    assert_eq!(e.status, Status::Succeeded);
    assert_eq!(production(&e).status, StageStatus::Succeeded);
    assert!(production(&e).revision.is_some());
    let m = s.request_message(&id);
    assert!(m.updates >= 1);
    assert!(m.blocks.to_string().contains("Approved* by <@U0BOB0002>"));
    assert!(
        !m.blocks.to_string().contains("lockgate_approve"),
        "buttons removed"
    );
    // notices went to one thread of this execution
    let tops: Vec<Posted> = s
        .slack
        .messages()
        .into_iter()
        .filter(|m| m.thread_ts.is_none() && m.blocks.to_string().contains("lg_notice"))
        .collect();
    assert_eq!(tops.len(), 1, "one thread per execution");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_with_a_reason_stops_the_release_and_production_is_untouched() {
    let s = Scenario::new(1).await;
    let id = s.to_gate("1.0.0").await;
    s.reject(&id, BOB, "not during the sale").await;
    let e = s.drive(&id, |e| e.status.is_final()).await;
    assert_eq!(
        e.status,
        Status::Rejected {
            env: "production".into(),
            by: BOB.into(),
            reason: Some("not during the sale".into())
        }
    );
    assert_eq!(production(&e).revision, None, "production untouched");
    assert!(s
        .request_message(&id)
        .blocks
        .to_string()
        .contains("Rejected* by <@U0BOB0002>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unauthorized_click_is_refused_and_nothing_changes() {
    let s = Scenario::new(1).await;
    let id = s.to_gate("1.0.0").await;
    let before = s.exec(&id).await;
    let queued = s.rt.queue.len();
    let answer = s.click(&id, MALLORY, "lockgate_approve").await;
    assert!(answer.contains("not an approver"));
    assert_eq!(s.rt.queue.len(), queued, "nothing enqueued");
    s.settle().await;
    let after = s.exec(&id).await;
    assert_eq!(before.history.len(), after.history.len());
    assert!(matches!(after.status, Status::AwaitingApproval { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quorum_two_needs_two_distinct_people() {
    let s = Scenario::new(2).await;
    let id = s.to_gate("1.0.0").await;
    s.click(&id, BOB, "lockgate_approve").await;
    s.settle().await;
    // the same person again counts once
    s.clock.advance(chrono::Duration::seconds(1));
    s.click(&id, BOB, "lockgate_approve").await;
    s.settle().await;
    let e = s.exec(&id).await;
    assert!(
        matches!(e.status, Status::AwaitingApproval { .. }),
        "{}",
        e.status
    );
    assert!(s
        .request_message(&id)
        .blocks
        .to_string()
        .contains("(1 of 2)"));
    // a member of the release group is the second person
    s.click(&id, CAROL, "lockgate_approve").await;
    let e = s.drive(&id, |e| e.status.is_final()).await;
    assert_eq!(e.status, Status::Succeeded);
    assert_eq!(decisions(&e), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_person_who_triggered_the_release_cannot_approve_it() {
    let s = Scenario::new(1).await;
    let id = s.to_gate("1.0.0").await;
    // Alice is on the gate's list but pushed the image (four-eyes)
    s.click(&id, ALICE, "lockgate_approve").await;
    s.settle().await;
    let e = s.exec(&id).await;
    assert!(
        matches!(e.status, Status::AwaitingApproval { .. }),
        "{}",
        e.status
    );
    assert_eq!(decisions(&e), 0);
    assert_eq!(production(&e).revision, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_deciding_in_time_expires_the_request_and_the_message_says_so() {
    let s = Scenario::new(1).await;
    let id = s.to_gate("1.0.0").await;
    let value = s.value(&id, "lockgate_approve");
    s.clock.advance(chrono::Duration::hours(73));
    let e = s.drive(&id, |e| e.status.is_final()).await;
    assert_eq!(
        e.status,
        Status::Expired {
            env: "production".into()
        }
    );
    let m = s.request_message(&id);
    assert!(m.blocks.to_string().contains("Expired* at"), "{}", m.blocks);
    assert!(!m.blocks.to_string().contains("lockgate_approve"));
    // a click on the old button after expiry changes nothing
    s.click_value(BOB, "lockgate_approve", &value).await;
    s.settle().await;
    assert_eq!(s.exec(&id).await.status, e.status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_click_is_one_decision() {
    let s = Scenario::new(1).await;
    let id = s.to_gate("1.0.0").await;
    s.click(&id, BOB, "lockgate_approve").await;
    s.click(&id, BOB, "lockgate_approve").await;
    let e = s.drive(&id, |e| e.status.is_final()).await;
    assert_eq!(e.status, Status::Succeeded);
    assert_eq!(decisions(&e), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_release_supersedes_a_pending_approval_and_its_message_updates() {
    let s = Scenario::new(1).await;
    let old = s.to_gate("1.0.0").await;
    let value = s.value(&old, "lockgate_approve");
    let new = s.to_gate("1.1.0").await;
    let e = s.exec(&old).await;
    assert_eq!(e.status, Status::Superseded { by: new.clone() });
    let m = s.request_message(&old);
    assert!(
        m.blocks.to_string().contains("Superseded* by"),
        "{}",
        m.blocks
    );
    // approving the old request now changes nothing
    s.click_value(BOB, "lockgate_approve", &value).await;
    s.settle().await;
    assert_eq!(s.exec(&old).await.status, Status::Superseded { by: new });
    assert_eq!(production(&s.exec(&old).await).revision, None);
}
