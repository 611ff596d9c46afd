//! `handle_request` on a signed Approve click: verify the signature, parse the
//! payload, authorize through a warm user-group cache, enqueue the decision to an
//! in-memory queue. Target: under 5 ms of the endpoint's own time.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use lockgate_core::envelope::Outgoing;
use lockgate_core::ports::{async_trait, CommandQueue, ManualClock, PortError};
use lockgate_core::{Config, Digest, ExecutionId};
use lockgate_slack::blocks::ButtonValue;
use lockgate_slack::interaction::GroupCache;
use lockgate_slack::standin::{SlackStandin, TOKEN};
use lockgate_slack::{handle_request, sign_request, InteractionDeps, Request, SlackClient};
use serde_json::json;

const CONFIG: &str = r#"
version: 1
clusters: [{name: eu, kind: simulated}]
notifications: [{name: deploys, kind: slack, channel: C0DEPLOYS1}]
apps:
  - name: web
    image: {repository: registry.example.com/web}
    chart: {source: charts/web}
    notify: [deploys]
    environments:
      - {name: staging, cluster: eu, namespace: web-staging}
      - name: production
        cluster: eu
        namespace: web
        gate:
          approvers: {users: [U0BOB0002], groups: [S0RELEASE]}
"#;
const SECRET: &[u8] = b"bench-signing-secret";

/// Counts what it is sent (the in-memory queue).
#[derive(Default)]
struct CountingQueue(AtomicUsize);

#[async_trait]
impl CommandQueue for CountingQueue {
    async fn send(&self, message: &Outgoing) -> Result<(), PortError> {
        black_box(message);
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let slack = rt.block_on(SlackStandin::start()).expect("stand-in");
    slack.set_group("S0RELEASE", &["U0CAROL03"]);
    let client = Arc::new(SlackClient::new(&slack.api_url(), TOKEN).expect("client"));
    let now = Utc::now();
    let queue = Arc::new(CountingQueue::default());
    let deps = InteractionDeps {
        signing_secret: SECRET.to_vec(),
        config: Arc::new(Config::from_yaml(CONFIG).expect("config")),
        queue: queue.clone(),
        groups: GroupCache::new(client.clone(), Duration::from_secs(3600)),
        slack: client,
        clock: Arc::new(ManualClock::new(now)),
    };
    let chart = Digest::of_bytes(b"chart");
    let id = ExecutionId::derive("web", &chart, &Digest::of_bytes(b"image"));
    let value = ButtonValue::new(id, "production", chart).encode();
    // a group member, so authorization reads the (warm) group cache
    let payload = json!({
        "type": "block_actions",
        "user": { "id": "U0CAROL03", "username": "carol", "team_id": "T0TEAM" },
        "api_app_id": "A0LOCKGATE",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": "C0DEPLOYS1" },
        "channel": { "id": "C0DEPLOYS1", "name": "deploys" },
        "actions": [ { "type": "button", "block_id": "lg_actions", "action_id": "lockgate_approve", "value": value, "action_ts": "1700000001.000200" } ]
    });
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
        .into_bytes();
    let ts = now.timestamp().to_string();
    let req = Request {
        headers: vec![
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("x-slack-request-timestamp".into(), ts.clone()),
            ("x-slack-signature".into(), sign_request(SECRET, &ts, &body)),
        ],
        body,
    };
    // warm the group cache (one usergroups.users.list), check the request is accepted
    let first = rt.block_on(handle_request(&req, &deps));
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        queue.0.load(Ordering::Relaxed),
        1,
        "the decision was enqueued"
    );

    let n = 2000;
    let started = Instant::now();
    for _ in 0..n {
        black_box(rt.block_on(handle_request(black_box(&req), &deps)));
    }
    let per = started.elapsed() / n;
    println!(
        "slack-interactions handle_request (verify, parse, authorize with a warm group cache, enqueue): {:.1} µs per signed request over {n} requests (target < 5 ms)",
        per.as_secs_f64() * 1e6
    );
    assert_eq!(
        slack.calls_of("usergroups.users.list").len(),
        1,
        "cache stayed warm"
    );

    c.bench_function("handle_request signed approve", |b| {
        b.iter(|| rt.block_on(handle_request(black_box(&req), &deps)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
