//! Message envelopes: every command and event round-trips through JSON; unknown
//! versions and kinds, malformed JSON and bad payloads give an error naming what is
//! wrong; FIFO group and deduplication ids are stable and within SQS limits.

mod common;

use common::*;
use lockgate_core::envelope::{fifo_group_id, outbox, Envelope, EnvelopeError, Message};
use lockgate_core::execution::{step, Command, Event, Execution, Route, Step, Verdict};
use lockgate_core::Span;

/// Every command and event a full run (with a rollback and a rejection) produces.
fn samples() -> (Vec<(Execution, Command)>, Vec<Event>) {
    let runs: Vec<Vec<Event>> = vec![
        vec![
            chart_verified(5),
            deploy_started(10, "staging", 1, None),
            progressed(20, "staging", 1, 1),
            succeeded(30, "staging", 1, 2),
            timer(
                30 + EXPIRY - 24 * 3600,
                lockgate_core::execution::TimerKind::ApprovalReminder,
            ),
            decision(100, "d-1", BOB, Verdict::Approve),
            deploy_started(200, "production", 5, Some(4)),
            failed(230, "production", 5, 1),
            rolled_back(260, "production", Some(6)),
        ],
        vec![ev(
            5,
            lockgate_core::execution::EventBody::ChartRejected {
                reason: "Chart.yaml is missing".to_string(),
            },
        )],
        vec![
            chart_verified(5),
            deploy_failed(10, "staging", None),
            rollback_failed(20, "staging"),
        ],
        vec![
            chart_verified(5),
            deploy_started(10, "staging", 1, None),
            succeeded(30, "staging", 1, 1),
            decision(100, "d-1", CAROL, Verdict::Reject),
        ],
        vec![
            chart_verified(5),
            deploy_started(10, "staging", 1, None),
            succeeded(30, "staging", 1, 1),
            superseded(100, other_execution()),
        ],
        vec![
            chart_verified(5),
            ev(
                6,
                lockgate_core::execution::EventBody::Aborted {
                    command: "deploy".into(),
                    reason: "cluster staging: no endpoint known".into(),
                },
            ),
        ],
    ];
    let (first, opening) = Execution::open(lockgate_core::execution::Opening {
        candidate: candidate(),
        plan: plan(1),
        at: t0(),
        open_executions: vec![other_execution()],
    });
    let mut commands: Vec<(Execution, Command)> =
        opening.into_iter().map(|c| (first.clone(), c)).collect();
    let mut events = Vec::new();
    for run in runs {
        let mut exec = open(1);
        for e in run {
            events.push(e.clone());
            if let Step::Applied { next, commands: cs } = step(&exec, &e) {
                exec = *next;
                commands.extend(cs.into_iter().map(|c| (exec.clone(), c)));
            }
        }
    }
    (commands, events)
}

#[test]
fn every_command_and_event_kind_round_trips() {
    let (commands, events) = samples();
    let mut command_kinds: Vec<&str> = commands.iter().map(|(_, c)| c.name()).collect();
    command_kinds.sort_unstable();
    command_kinds.dedup();
    assert_eq!(
        command_kinds.len(),
        Command::NAMES.len(),
        "samples cover {command_kinds:?}"
    );
    for (exec, c) in &commands {
        let env = Envelope::command(&exec.id, c.idempotency_key(&exec.id, exec.seq(), 0), c);
        assert_eq!(env.kind, format!("command.{}", c.name()));
        assert!(
            env.payload.get("type").is_none(),
            "the kind is not repeated in the payload"
        );
        let back = Envelope::from_json(&env.to_json()).expect("parses");
        assert_eq!(back, env);
        assert_eq!(
            back.decode().expect("decodes"),
            Message::Command(Box::new(c.clone()))
        );
    }
    for e in &events {
        let env = Envelope::event(&open(1).id, e);
        assert_eq!(env.idempotency_key, format!("{}/{}", open(1).id, e.key()));
        let back = Envelope::from_json(&env.to_json()).expect("parses");
        assert_eq!(back.decode().expect("decodes"), Message::Event(e.clone()));
    }
    let mut event_kinds: Vec<&str> = events.iter().map(Event::name).collect();
    event_kinds.sort_unstable();
    event_kinds.dedup();
    assert_eq!(
        event_kinds.len(),
        lockgate_core::execution::EventBody::NAMES.len(),
        "{event_kinds:?}"
    );
}

#[test]
fn the_wire_shape_has_the_five_fields() {
    let env = Envelope::event(&open(1).id, &deploy_started(10, "staging", 3, Some(2)));
    let json: serde_json::Value = serde_json::from_str(&env.to_json()).expect("json");
    assert_eq!(json["v"], 1);
    assert_eq!(json["kind"], "event.deploy_started");
    assert_eq!(json["execution_id"], open(1).id.as_str());
    assert_eq!(json["payload"]["env"], "staging");
    assert_eq!(json["payload"]["revision"], 3);
    assert_eq!(json["payload"]["at"], "2026-03-01T12:00:10Z");
    assert_eq!(json.as_object().map(|o| o.len()), Some(5));
}

fn error_of(text: &str) -> EnvelopeError {
    match Envelope::from_json(text).and_then(|e| e.decode()) {
        Ok(m) => panic!("{text} decoded as {m:?}"),
        Err(e) => e,
    }
}

#[test]
fn malformed_json_is_reported_with_its_position() {
    let e = error_of(r#"{"v": 1, "kind": "#);
    assert!(matches!(e, EnvelopeError::Malformed { .. }));
    assert!(
        e.to_string().starts_with("message is not valid JSON: "),
        "{e}"
    );
    assert!(e.to_string().contains("line 1"), "{e}");
    let e = error_of("[1, 2]");
    assert_eq!(e.to_string(), "message is a JSON an array, expected an object with v, kind, execution_id, idempotency_key and payload");
}

#[test]
fn unknown_versions_are_refused_with_the_supported_one() {
    let e = error_of(
        r#"{"v": 2, "kind": "event.superseded", "execution_id": "x", "idempotency_key": "k", "payload": {}}"#,
    );
    assert!(matches!(e, EnvelopeError::UnsupportedVersion { v: 2 }));
    assert!(
        e.to_string()
            .contains("v=2 is not supported (this build reads v=1)"),
        "{e}"
    );
    let e = error_of(
        r#"{"v": "1", "kind": "event.superseded", "execution_id": "x", "idempotency_key": "k", "payload": {}}"#,
    );
    assert_eq!(
        e.to_string(),
        r#"message field "v" must be a number, found a string"#
    );
}

#[test]
fn unknown_kinds_are_refused_with_the_known_ones() {
    for kind in [
        "event.exploded",
        "command.launch",
        "deploy",
        "Event.superseded",
    ] {
        let text = format!(
            r#"{{"v": 1, "kind": "{kind}", "execution_id": "x", "idempotency_key": "k", "payload": {{}}}}"#
        );
        let e = error_of(&text);
        assert!(
            matches!(e, EnvelopeError::UnknownKind { .. }),
            "{kind}: {e}"
        );
        let msg = e.to_string();
        assert!(msg.contains(&format!("{kind:?} is unknown")), "{msg}");
        assert!(
            msg.contains("command.deploy") && msg.contains("event.decision_recorded"),
            "{msg}"
        );
    }
}

#[test]
fn missing_and_mistyped_fields_are_named() {
    let e =
        error_of(r#"{"v": 1, "kind": "event.superseded", "idempotency_key": "k", "payload": {}}"#);
    assert_eq!(e.to_string(), r#"message has no "execution_id" field"#);
    let e = error_of(
        r#"{"v": 1, "kind": "event.superseded", "execution_id": "x", "idempotency_key": 7, "payload": {}}"#,
    );
    assert_eq!(
        e.to_string(),
        r#"message field "idempotency_key" must be a string, found a number"#
    );
    let e = error_of(
        r#"{"v": 1, "kind": "event.superseded", "execution_id": "x", "idempotency_key": "k", "payload": []}"#,
    );
    assert_eq!(
        e.to_string(),
        r#"message field "payload" must be an object, found an array"#
    );
}

#[test]
fn payloads_that_do_not_fit_their_kind_name_the_problem() {
    let e = error_of(
        r#"{"v": 1, "kind": "event.deploy_started", "execution_id": "x", "idempotency_key": "k", "payload": {"at": "2026-03-01T12:00:00Z", "env": "staging"}}"#,
    );
    assert!(matches!(e, EnvelopeError::BadPayload { .. }));
    assert!(
        e.to_string().starts_with(
            r#"payload of "event.deploy_started" is invalid: missing field `revision`"#
        ),
        "{e}"
    );
    let e = error_of(
        r#"{"v": 1, "kind": "event.decision_recorded", "execution_id": "x", "idempotency_key": "k", "payload": {"at": "2026-03-01T12:00:00Z", "env": "production", "decision_id": "d", "by": "U1", "verdict": "maybe"}}"#,
    );
    assert!(e.to_string().contains("unknown variant `maybe`"), "{e}");
    let e = error_of(
        r#"{"v": 1, "kind": "event.chart_verified", "execution_id": "x", "idempotency_key": "k", "payload": {"at": "2026-03-01T12:00:00Z", "chart_digest": "md5:abc"}}"#,
    );
    assert!(e.to_string().contains("is not a digest"), "{e}");
}

#[test]
fn dedup_ids_derive_from_idempotency_keys_within_sqs_limits() {
    let id = open(1).id;
    let a = Envelope::event(&id, &progressed(10, "staging", 1, 1));
    let same_later = Envelope::event(&id, &progressed(99, "staging", 1, 1));
    let next = Envelope::event(&id, &progressed(10, "staging", 1, 2));
    assert_eq!(
        a.dedup_id(),
        same_later.dedup_id(),
        "a redelivery with a new time is the same message"
    );
    assert_ne!(a.dedup_id(), next.dedup_id());
    assert_eq!(a.dedup_id().len(), 64);
    assert!(a.dedup_id().bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn fifo_groups_are_per_app_and_environment() {
    assert_eq!(fifo_group_id("web", "production"), "web.production");
    assert_ne!(
        fifo_group_id("web", "staging"),
        fifo_group_id("web", "production")
    );
    assert_ne!(
        fifo_group_id("web", "staging"),
        fifo_group_id("api", "staging")
    );
    let odd = fifo_group_id("web app/ü", "prod");
    assert!(
        odd.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
        "{odd}"
    );
    assert!(fifo_group_id(&"a".repeat(200), "prod").len() <= 128);
}

#[test]
fn the_outbox_routes_deploy_commands_to_their_environment_group_with_delays() {
    let exec = run(
        open(1),
        &[chart_verified(5), deploy_started(10, "staging", 1, None)],
    );
    let sent = outbox(&exec, at(10), Span::from_mins(15));
    let check = sent
        .iter()
        .find(|o| o.envelope.kind == "command.check_rollout")
        .expect("a check");
    assert_eq!(check.route, Route::Deployer);
    assert_eq!(check.group_id.as_deref(), Some("web.staging"));
    assert_eq!(check.delay, Span::from_secs(10));
    assert_eq!(
        check.envelope.idempotency_key,
        format!("{}/check_rollout/staging/1/1", exec.id)
    );
    let notify = sent
        .iter()
        .find(|o| o.envelope.kind == "command.notify")
        .expect("a notice");
    assert_eq!(notify.route, Route::Notifications);
    assert_eq!(notify.delay, Span::from_secs(0));
    // Sending the same outbox again (a redelivered event) gives the same ids.
    assert_eq!(
        outbox(&exec, at(11), Span::from_mins(15))[0].dedup_id,
        sent[0].dedup_id
    );
}

#[test]
fn long_timers_are_capped_at_the_queue_limit() {
    let exec = run(
        open(1),
        &[
            chart_verified(5),
            deploy_started(10, "staging", 1, None),
            succeeded(30, "staging", 1, 1),
        ],
    );
    let sent = outbox(&exec, at(30), Span::from_mins(15));
    let timers: Vec<_> = sent
        .iter()
        .filter(|o| o.envelope.kind == "command.schedule_timer")
        .collect();
    assert_eq!(timers.len(), 2);
    assert!(timers
        .iter()
        .all(|t| t.delay == Span::from_mins(15) && t.route == Route::Approvals));
}
