//! Fixtures shared by the execution tests: a two-stage app (staging, then a gated
//! production), a candidate, times, and event constructors.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};

use lockgate_core::execution::{
    step, Candidate, ChartArtifact, Event, EventBody, Execution, Opening, Plan, Step, TimerKind,
    Verdict,
};
use lockgate_core::{Config, Digest, ExecutionId, PinnedImage};

pub const CONFIG: &str = r#"
version: 1
clusters: [{name: eu, kind: simulated}]
notifications: [{name: deploys, kind: log}]
apps:
  - name: web
    image: {repository: registry.example.com/web}
    chart: {source: charts/web}
    notify: [deploys]
    environments:
      - {name: staging, cluster: eu, namespace: web-staging, timeout: 5m, check_interval: 10s}
      - name: production
        cluster: eu
        namespace: web
        timeout: 10m
        check_interval: 30s
        gate:
          approvers: {users: [U0ALICE01, U0BOB0002], groups: [S0RELEASE]}
          quorum: 1
          expiry: 72h
          remind_before: 24h
          four_eyes: true
"#;

/// Triggered the release: barred from approving (four-eyes).
pub const ALICE: &str = "U0ALICE01";
/// A listed approver.
pub const BOB: &str = "U0BOB0002";
/// Approves through the S0RELEASE group.
pub const CAROL: &str = "U0CAROL03";
/// Not an approver.
pub const MALLORY: &str = "U0MALLORY";
pub const RELEASE_GROUP: &str = "S0RELEASE";

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
        .single()
        .expect("valid time")
}

/// `secs` seconds after [`t0`].
pub fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

pub fn plan(quorum: u32) -> Plan {
    let config = Config::from_yaml(CONFIG).unwrap_or_else(|e| panic!("fixture config: {e}"));
    let mut plan = Plan::for_app(&config, "web").expect("plan");
    if let Some(gate) = plan.stages[1].gate.as_mut() {
        gate.quorum = quorum;
    }
    plan
}

pub fn candidate() -> Candidate {
    Candidate {
        app: "web".to_string(),
        chart: ChartArtifact {
            name: "web".to_string(),
            version: "1.4.2".to_string(),
            digest: Digest::of_bytes(b"chart web-1.4.2.tgz"),
            location: "charts/web-1.4.2.tgz".to_string(),
        },
        image: PinnedImage {
            repository: "registry.example.com/web".to_string(),
            tag: "1.4.2".to_string(),
            digest: Digest::of_bytes(b"image manifest"),
        },
        triggered_by: Some(ALICE.to_string()),
    }
}

pub fn open(quorum: u32) -> Execution {
    Execution::open(Opening {
        candidate: candidate(),
        plan: plan(quorum),
        at: t0(),
        open_executions: Vec::new(),
    })
    .0
}

pub fn other_execution() -> ExecutionId {
    ExecutionId::derive(
        "web",
        &Digest::of_bytes(b"other chart"),
        &Digest::of_bytes(b"other image"),
    )
}

pub fn ev(secs: i64, body: EventBody) -> Event {
    Event::new(at(secs), body)
}

pub fn chart_verified(secs: i64) -> Event {
    ev(
        secs,
        EventBody::ChartVerified {
            chart_digest: candidate().chart.digest,
        },
    )
}

pub fn deploy_started(secs: i64, env: &str, revision: u64, previous: Option<u64>) -> Event {
    ev(
        secs,
        EventBody::DeployStarted {
            env: env.to_string(),
            revision,
            previous_revision: previous,
        },
    )
}

pub fn deploy_failed(secs: i64, env: &str, previous: Option<u64>) -> Event {
    ev(
        secs,
        EventBody::DeployFailed {
            env: env.to_string(),
            reason: "admission webhook denied the Deployment".to_string(),
            previous_revision: previous,
        },
    )
}

pub fn progressed(secs: i64, env: &str, revision: u64, attempt: u32) -> Event {
    ev(
        secs,
        EventBody::RolloutProgressed {
            env: env.to_string(),
            revision,
            attempt,
            message: "1 of 3 replicas ready".to_string(),
        },
    )
}

pub fn succeeded(secs: i64, env: &str, revision: u64, attempt: u32) -> Event {
    ev(
        secs,
        EventBody::RolloutSucceeded {
            env: env.to_string(),
            revision,
            attempt,
        },
    )
}

pub fn failed(secs: i64, env: &str, revision: u64, attempt: u32) -> Event {
    ev(
        secs,
        EventBody::RolloutFailed {
            env: env.to_string(),
            revision,
            attempt,
            reason: "CrashLoopBackOff".to_string(),
        },
    )
}

pub fn rolled_back(secs: i64, env: &str, revision: Option<u64>) -> Event {
    ev(
        secs,
        EventBody::RolledBack {
            env: env.to_string(),
            revision,
        },
    )
}

pub fn rollback_failed(secs: i64, env: &str) -> Event {
    ev(
        secs,
        EventBody::RollbackFailed {
            env: env.to_string(),
            reason: "the API server is unreachable".to_string(),
        },
    )
}

pub fn decision(secs: i64, id: &str, by: &str, verdict: Verdict) -> Event {
    let groups = if by == CAROL {
        vec![RELEASE_GROUP.to_string()]
    } else {
        Vec::new()
    };
    ev(
        secs,
        EventBody::DecisionRecorded {
            env: "production".to_string(),
            decision_id: id.to_string(),
            by: by.to_string(),
            groups,
            verdict,
            reason: (verdict == Verdict::Reject).then(|| "not during the sale".to_string()),
            digest: None,
        },
    )
}

pub fn timer(secs: i64, kind: TimerKind) -> Event {
    ev(
        secs,
        EventBody::TimerFired {
            env: "production".to_string(),
            timer: kind,
        },
    )
}

pub fn superseded(secs: i64, by: ExecutionId) -> Event {
    ev(secs, EventBody::Superseded { by })
}

/// Applies `events` in order; each must apply.
pub fn run(mut exec: Execution, events: &[Event]) -> Execution {
    for e in events {
        match step(&exec, e) {
            Step::Applied { next, .. } => exec = *next,
            Step::Unchanged(why) => panic!("{} did not apply at {}: {why}", e.key(), exec.status),
        }
    }
    exec
}

/// Seconds of the 72h expiry.
pub const EXPIRY: i64 = 72 * 3600;
