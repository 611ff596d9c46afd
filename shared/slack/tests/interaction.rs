//! The interaction endpoint: signed requests as Slack signs them, through
//! `handle_request`, against the stand-in; what is enqueued and what people see.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use lockgate_core::envelope::Message;
use lockgate_core::execution::{EventBody, Route, Verdict};
use lockgate_core::ports::{Clock, ManualClock};
use lockgate_core::Config;
use lockgate_slack::blocks::{approval_request, SlackMessage};
use lockgate_slack::interaction::GroupCache;
use lockgate_slack::standin::{SlackStandin, TOKEN};
use lockgate_slack::{handle_request, sign_request, InteractionDeps, Request, SlackClient};
use serde_json::{json, Value};
use support::*;

const SECRET: &[u8] = b"signing-secret-for-tests";

struct Rig {
    slack: SlackStandin,
    queue: Arc<RecordingQueue>,
    deps: InteractionDeps,
    clock: Arc<ManualClock>,
}

async fn rig() -> Rig {
    let slack = SlackStandin::start().await.expect("standin");
    slack.set_group(RELEASE_GROUP, &[CAROL]);
    let client = Arc::new(SlackClient::new(&slack.api_url(), TOKEN).expect("client"));
    let queue = Arc::new(RecordingQueue::default());
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let deps = InteractionDeps {
        signing_secret: SECRET.to_vec(),
        config: Arc::new(Config::from_yaml(CONFIG).expect("config")),
        queue: queue.clone(),
        slack: client.clone(),
        groups: GroupCache::new(client, Duration::from_secs(60)),
        clock: clock.clone(),
    };
    Rig {
        slack,
        queue,
        deps,
        clock,
    }
}

fn button_value(action: &str) -> String {
    let m: SlackMessage = approval_request(&request("C0DEPLOYS1"));
    m.blocks
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == action)
        .and_then(|e| e["value"].as_str().map(str::to_string))
        .expect("button")
}

fn click(rig: &Rig, user: &str, action: &str) -> Value {
    json!({
        "type": "block_actions",
        "user": { "id": user, "username": "someone" },
        "trigger_id": "12345.98765.abcd",
        "response_url": rig.slack.response_url("r1"),
        "channel": { "id": "C0DEPLOYS1" },
        "container": { "type": "message", "channel_id": "C0DEPLOYS1", "message_ts": "1.2" },
        "actions": [ { "type": "button", "block_id": "lg_actions", "action_id": action, "value": button_value(action) } ]
    })
}

fn reason_submission(user: &str, reason: &str) -> Value {
    json!({
        "type": "view_submission",
        "user": { "id": user },
        "view": {
            "callback_id": "lockgate_reject_reason",
            "private_metadata": button_value("lockgate_reject"),
            "state": { "values": { "lockgate_reason": { "lockgate_reason_input": { "type": "plain_text_input", "value": reason } } } }
        }
    })
}

fn body(payload: &Value) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish()
        .into_bytes()
}

fn signed(rig: &Rig, body: Vec<u8>) -> Request {
    let ts = rig.clock.now().timestamp().to_string();
    let sig = sign_request(SECRET, &ts, &body);
    Request {
        headers: vec![
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("X-Slack-Request-Timestamp".into(), ts),
            ("X-Slack-Signature".into(), sig),
        ],
        body,
    }
}

fn decisions(rig: &Rig) -> Vec<EventBody> {
    rig.queue
        .sent()
        .into_iter()
        .map(|o| {
            assert_eq!(o.route, Route::Approvals);
            match o.envelope.decode().expect("decodes") {
                Message::Event(e) => e.body,
                Message::Command(c) => panic!("a command was enqueued: {c:?}"),
            }
        })
        .collect()
}

#[tokio::test]
async fn an_approvers_click_enqueues_one_decision_with_the_digest_and_answers_at_once() {
    let rig = rig().await;
    let resp = handle_request(
        &signed(&rig, body(&click(&rig, BOB, "lockgate_approve"))),
        &rig.deps,
    )
    .await;
    assert_eq!(resp.status, 200);
    assert!(resp.body.contains("Recorded"), "{}", resp.body);
    let d = decisions(&rig);
    assert_eq!(d.len(), 1);
    let EventBody::DecisionRecorded {
        env,
        by,
        verdict,
        digest,
        groups,
        ..
    } = &d[0]
    else {
        panic!("not a decision: {d:?}");
    };
    assert_eq!(
        (env.as_str(), by.as_str(), *verdict),
        ("production", BOB, Verdict::Approve)
    );
    assert_eq!(digest.as_ref(), Some(&request("C1").chart.digest));
    assert!(groups.is_empty());
    assert_eq!(
        rig.queue.sent()[0].envelope.execution_id,
        request("C1").execution_id
    );
    let answered = rig.slack.calls_of("response_url");
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].args["body"]["response_type"], "ephemeral");
}

#[tokio::test]
async fn a_double_click_is_one_decision() {
    let rig = rig().await;
    for _ in 0..2 {
        let r = handle_request(
            &signed(&rig, body(&click(&rig, BOB, "lockgate_approve"))),
            &rig.deps,
        )
        .await;
        assert_eq!(r.status, 200);
    }
    let sent = rig.queue.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].envelope.idempotency_key,
        sent[1].envelope.idempotency_key
    );
    assert_eq!(sent[0].dedup_id, sent[1].dedup_id);
}

#[tokio::test]
async fn forged_stale_or_unsigned_requests_get_401_and_nothing_is_enqueued() {
    let rig = rig().await;
    let b = body(&click(&rig, BOB, "lockgate_approve"));
    let mut forged = signed(&rig, b.clone());
    forged.headers[2].1 = sign_request(
        b"not the secret",
        &rig.clock.now().timestamp().to_string(),
        &b,
    );
    let mut altered = signed(&rig, b.clone());
    altered.body[10] ^= 1;
    let stale = signed(&rig, b.clone());
    let unsigned = Request {
        headers: vec![],
        body: b.clone(),
    };
    let mut no_v0 = signed(&rig, b.clone());
    no_v0.headers[2].1 = no_v0.headers[2].1.trim_start_matches("v0=").to_string();
    rig.clock.advance(chrono::Duration::minutes(6));
    let resp = handle_request(&stale, &rig.deps).await;
    assert_eq!(
        (resp.status, resp.body.as_str()),
        (401, "timestamp outside 5 minute window")
    );
    rig.clock.advance(chrono::Duration::minutes(-6));
    for (req, why) in [
        (forged, "signature mismatch"),
        (altered, "signature mismatch"),
        (unsigned, "missing X-Slack-Request-Timestamp header"),
        (no_v0, "signature without v0= prefix"),
    ] {
        let resp = handle_request(&req, &rig.deps).await;
        assert_eq!((resp.status, resp.body.as_str()), (401, why));
    }
    assert!(rig.queue.sent().is_empty());
    assert!(rig.slack.calls().is_empty(), "nothing reached Slack either");
}

#[tokio::test]
async fn malformed_payloads_get_400_naming_the_problem() {
    let rig = rig().await;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"token=abc".to_vec(), "no payload form field"),
        (
            body(&json!({"type": "block_actions", "actions": []})),
            "payload has no user.id",
        ),
        (
            body(
                &json!({"type": "block_actions", "user": {"id": BOB}, "actions": [{"action_id": "lockgate_approve", "value": "web-1|production"}]}),
            ),
            "is not <execution>|<environment>|<digest>",
        ),
        (
            body(&json!({"type": "message_action", "user": {"id": BOB}})),
            "is not handled",
        ),
    ];
    for (b, needle) in cases {
        let resp = handle_request(&signed(&rig, b), &rig.deps).await;
        assert_eq!(resp.status, 400);
        assert!(resp.body.contains(needle), "{} lacks {needle}", resp.body);
    }
    assert!(rig.queue.sent().is_empty());
}

#[tokio::test]
async fn someone_not_on_the_gate_is_refused_privately_and_nothing_is_enqueued() {
    let rig = rig().await;
    for action in ["lockgate_approve", "lockgate_reject"] {
        let resp = handle_request(
            &signed(&rig, body(&click(&rig, MALLORY, action))),
            &rig.deps,
        )
        .await;
        assert_eq!(resp.status, 200);
        assert!(resp.body.contains("not an approver"), "{}", resp.body);
    }
    assert!(rig.queue.sent().is_empty());
    assert!(rig.slack.calls_of("views.open").is_empty());
    assert_eq!(rig.slack.calls_of("response_url").len(), 2);
}

#[tokio::test]
async fn a_group_member_may_decide_and_the_group_is_read_once() {
    let rig = rig().await;
    for _ in 0..3 {
        let resp = handle_request(
            &signed(&rig, body(&click(&rig, CAROL, "lockgate_approve"))),
            &rig.deps,
        )
        .await;
        assert_eq!(resp.status, 200);
    }
    let d = decisions(&rig);
    let EventBody::DecisionRecorded { groups, by, .. } = &d[0] else {
        panic!("{d:?}")
    };
    assert_eq!(
        (by.as_str(), groups.clone()),
        (CAROL, vec![RELEASE_GROUP.to_string()])
    );
    assert_eq!(
        rig.slack.calls_of("usergroups.users.list").len(),
        1,
        "cached"
    );
}

#[tokio::test]
async fn reject_asks_for_a_reason_then_enqueues_the_rejection_with_it() {
    let rig = rig().await;
    let resp = handle_request(
        &signed(&rig, body(&click(&rig, BOB, "lockgate_reject"))),
        &rig.deps,
    )
    .await;
    assert_eq!(resp.status, 200);
    assert!(rig.queue.sent().is_empty(), "no decision before the reason");
    let opened = rig.slack.calls_of("views.open");
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].outcome, "ok");
    assert_eq!(
        opened[0].args["view"]["private_metadata"],
        button_value("lockgate_reject")
    );

    let empty = handle_request(
        &signed(&rig, body(&reason_submission(BOB, "  "))),
        &rig.deps,
    )
    .await;
    assert!(
        empty.body.contains("\"response_action\":\"errors\""),
        "{}",
        empty.body
    );
    assert!(rig.queue.sent().is_empty());

    let resp = handle_request(
        &signed(&rig, body(&reason_submission(BOB, "not during the sale"))),
        &rig.deps,
    )
    .await;
    assert_eq!(resp.status, 200);
    assert!(resp.body.contains("clear"));
    let d = decisions(&rig);
    let EventBody::DecisionRecorded {
        verdict, reason, ..
    } = &d[0]
    else {
        panic!("{d:?}")
    };
    assert_eq!(*verdict, Verdict::Reject);
    assert_eq!(reason.as_deref(), Some("not during the sale"));
}

#[tokio::test]
async fn a_reason_from_someone_not_on_the_gate_is_refused() {
    let rig = rig().await;
    let resp = handle_request(
        &signed(&rig, body(&reason_submission(MALLORY, "no"))),
        &rig.deps,
    )
    .await;
    assert_eq!(resp.status, 200);
    assert!(resp.body.contains("not an approver"));
    assert!(rig.queue.sent().is_empty());
}

#[tokio::test]
async fn a_base64_body_from_a_function_url_verifies_like_the_raw_one() {
    use base64::Engine as _;
    let rig = rig().await;
    let raw = signed(&rig, body(&click(&rig, BOB, "lockgate_approve")));
    let encoded = base64::engine::general_purpose::STANDARD.encode(&raw.body);
    let req = Request::from_parts(raw.headers.clone(), Some(&encoded), true).expect("decodes");
    assert_eq!(req.body, raw.body);
    let resp = handle_request(&req, &rig.deps).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.content_type(), "application/json");
    assert!(Request::from_parts(vec![], Some("%%%"), true).is_err());
}
