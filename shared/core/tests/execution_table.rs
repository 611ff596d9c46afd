//! Every transition of the execution state machine, table-driven: a state reached
//! by a prefix of events, one event, and the expected outcome (next status and the
//! commands emitted, or why nothing changes).

mod common;

use common::*;
use lockgate_core::execution::{
    step, ApprovalState, Command, Event, Execution, Ignored, StageStatus, Status, Step, TimerKind,
    Verdict,
};

/// Times (seconds after t0) of the prefix events.
const VERIFIED_AT: i64 = 10;
const STAGING_STARTED_AT: i64 = 20;
const STAGING_DONE_AT: i64 = 60;
const APPROVED_AT: i64 = 3_600;
const PROD_STARTED_AT: i64 = 3_700;

fn received() -> Execution {
    open(1)
}
fn verified() -> Execution {
    run(received(), &[chart_verified(VERIFIED_AT)])
}
fn staging_verifying() -> Execution {
    run(
        verified(),
        &[deploy_started(STAGING_STARTED_AT, "staging", 1, None)],
    )
}
fn staging_second_check() -> Execution {
    run(staging_verifying(), &[progressed(30, "staging", 1, 1)])
}
fn staging_rolling_back() -> Execution {
    run(staging_verifying(), &[failed(40, "staging", 1, 1)])
}
fn awaiting_production() -> Execution {
    run(
        staging_verifying(),
        &[succeeded(STAGING_DONE_AT, "staging", 1, 1)],
    )
}
fn approved_production() -> Execution {
    run(
        awaiting_production(),
        &[decision(APPROVED_AT, "d-bob", BOB, Verdict::Approve)],
    )
}
fn production_verifying() -> Execution {
    run(
        approved_production(),
        &[deploy_started(PROD_STARTED_AT, "production", 5, Some(4))],
    )
}
fn production_rolling_back() -> Execution {
    run(
        production_verifying(),
        &[failed(PROD_STARTED_AT + 30, "production", 5, 1)],
    )
}
fn all_succeeded() -> Execution {
    run(
        production_verifying(),
        &[succeeded(PROD_STARTED_AT + 30, "production", 5, 1)],
    )
}
fn awaiting_with_quorum_two() -> Execution {
    run(
        open(2),
        &[
            chart_verified(VERIFIED_AT),
            deploy_started(STAGING_STARTED_AT, "staging", 1, None),
            succeeded(STAGING_DONE_AT, "staging", 1, 1),
        ],
    )
}
fn one_of_two_approvals() -> Execution {
    run(
        awaiting_with_quorum_two(),
        &[decision(APPROVED_AT, "d-bob", BOB, Verdict::Approve)],
    )
}

/// The expected outcome of a row.
enum Expect {
    /// Applied: the status afterwards (as displayed) and the command names, in order.
    Applied(&'static str, &'static [&'static str]),
    /// Unchanged, for this reason (the `Ignored` variant's name).
    Ignored(&'static str),
}

struct Row {
    name: &'static str,
    from: fn() -> Execution,
    event: Event,
    expect: Expect,
}

fn ignored_name(i: &Ignored) -> &'static str {
    match i {
        Ignored::Duplicate { .. } => "duplicate",
        Ignored::Stale { .. } => "stale",
        Ignored::NotYet { .. } => "not_yet",
        Ignored::Refused { .. } => "refused",
        Ignored::Finished { .. } => "finished",
    }
}

fn rows() -> Vec<Row> {
    use Expect::{Applied, Ignored as Ign};
    let expiry = STAGING_DONE_AT + EXPIRY;
    let remind = expiry - 24 * 3600;
    let wrong_digest = lockgate_core::execution::EventBody::ChartVerified {
        chart_digest: lockgate_core::Digest::of_bytes(b"another chart"),
    };
    let r = |name, from, event, expect| Row {
        name,
        from,
        event,
        expect,
    };
    vec![
        // Received
        r("verified chart starts the first environment", received, chart_verified(VERIFIED_AT), Applied("verified", &["deploy"])),
        r("a chart with another digest is refused", received, ev(VERIFIED_AT, wrong_digest), Ign("refused")),
        r("a rejected chart fails the execution", received, ev(5, lockgate_core::execution::EventBody::ChartRejected { reason: "archive holds ../etc/passwd".into() }), Applied("failed: chart refused: archive holds ../etc/passwd", &["notify"])),
        r("a deploy report before verification waits", received, deploy_started(5, "staging", 1, None), Ign("not_yet")),
        r("an unknown environment is refused", received, deploy_started(5, "qa", 1, None), Ign("refused")),
        // Verified
        r("replayed verification is a duplicate", verified, chart_verified(VERIFIED_AT + 1), Ign("duplicate")),
        r("deploy started moves to verifying and schedules the first check", verified, deploy_started(STAGING_STARTED_AT, "staging", 1, None), Applied("verifying staging", &["check_rollout", "notify"])),
        r("a failed apply rolls back", verified, deploy_failed(STAGING_STARTED_AT, "staging", Some(3)), Applied("rolling back staging", &["roll_back", "notify"])),
        r("production deploy reports wait while staging runs", verified, deploy_started(STAGING_STARTED_AT, "production", 1, None), Ign("not_yet")),
        r("a check answer before the deploy started waits", verified, succeeded(30, "staging", 1, 1), Ign("not_yet")),
        // Verifying staging
        r("an unfinished rollout schedules the next check", staging_verifying, progressed(30, "staging", 1, 1), Applied("verifying staging", &["check_rollout"])),
        r("an unfinished rollout past its timeout rolls back", staging_verifying, progressed(STAGING_STARTED_AT + 300, "staging", 1, 1), Applied("rolling back staging", &["roll_back", "notify"])),
        r("a later check's answer waits for the current one", staging_verifying, progressed(30, "staging", 1, 2), Ign("not_yet")),
        r("an answer about another revision is stale", staging_verifying, succeeded(30, "staging", 9, 1), Ign("stale")),
        r("a second deploy report for the stage is a duplicate", staging_verifying, deploy_started(25, "staging", 2, None), Ign("duplicate")),
        r("a successful staging rollout opens production's gate", staging_verifying, succeeded(STAGING_DONE_AT, "staging", 1, 1), Applied("awaiting approval for production", &["notify", "request_approval", "schedule_timer", "schedule_timer", "notify"])),
        r("a failed rollout rolls back", staging_verifying, failed(40, "staging", 1, 1), Applied("rolling back staging", &["roll_back", "notify"])),
        r("a rollback report without a rollback waits", staging_verifying, rolled_back(40, "staging", None), Ign("not_yet")),
        r("a running execution is not superseded", staging_verifying, superseded(40, other_execution()), Ign("stale")),
        r("an early decision waits for the gate", staging_verifying, decision(40, "d-early", BOB, Verdict::Approve), Ign("not_yet")),
        r("an answer to a superseded check is stale", staging_second_check, succeeded(40, "staging", 1, 1), Ign("stale")),
        r("the current check's answer applies", staging_second_check, succeeded(40, "staging", 1, 2), Applied("awaiting approval for production", &["notify", "request_approval", "schedule_timer", "schedule_timer", "notify"])),
        // Rolling back staging
        r("a finished rollback ends the execution", staging_rolling_back, rolled_back(50, "staging", None), Applied("rolled back in staging: rollout of revision 1 failed: CrashLoopBackOff", &["notify"])),
        r("a failed rollback fails the execution", staging_rolling_back, rollback_failed(50, "staging"), Applied("failed: rollback of staging failed: the API server is unreachable (after: rollout of revision 1 failed: CrashLoopBackOff)", &["notify"])),
        r("check answers during a rollback are stale", staging_rolling_back, succeeded(50, "staging", 1, 1), Ign("stale")),
        r("a replayed failure during a rollback is a duplicate", staging_rolling_back, failed(45, "staging", 1, 1), Ign("duplicate")),
        r("later progress during a rollback is stale", staging_rolling_back, progressed(50, "staging", 1, 1), Ign("stale")),
        // Awaiting approval
        r("an allowed approver's approval reaches quorum and deploys", awaiting_production, decision(APPROVED_AT, "d-bob", BOB, Verdict::Approve), Applied("approved for production", &["update_approval", "notify", "deploy"])),
        r("a group member may approve", awaiting_production, decision(APPROVED_AT, "d-carol", CAROL, Verdict::Approve), Applied("approved for production", &["update_approval", "notify", "deploy"])),
        r("the person who triggered the release cannot approve it", awaiting_production, decision(APPROVED_AT, "d-alice", ALICE, Verdict::Approve), Ign("refused")),
        r("someone who is not an approver cannot decide", awaiting_production, decision(APPROVED_AT, "d-mallory", MALLORY, Verdict::Approve), Ign("refused")),
        r("a rejection is final", awaiting_production, decision(APPROVED_AT, "d-bob", BOB, Verdict::Reject), Applied("rejected for production by U0BOB0002", &["update_approval", "notify"])),
        r("a decision after expiry expires the request", awaiting_production, decision(expiry, "d-late", BOB, Verdict::Approve), Applied("approval for production expired", &["update_approval", "notify"])),
        r("a reminder that fires early waits", awaiting_production, timer(remind - 1, TimerKind::ApprovalReminder), Ign("not_yet")),
        r("a due reminder notifies and keeps waiting", awaiting_production, timer(remind, TimerKind::ApprovalReminder), Applied("awaiting approval for production", &["notify"])),
        r("an expiry timer that fires early waits", awaiting_production, timer(expiry - 1, TimerKind::ApprovalExpiry), Ign("not_yet")),
        r("a due expiry timer expires the request", awaiting_production, timer(expiry, TimerKind::ApprovalExpiry), Applied("approval for production expired", &["update_approval", "notify"])),
        r("a newer candidate supersedes one waiting for approval", awaiting_production, superseded(APPROVED_AT, other_execution()), Applied("superseded by web-", &["update_approval", "notify"])),
        r("an execution cannot supersede itself", awaiting_production, superseded(APPROVED_AT, received().id), Ign("refused")),
        r("a production deploy report before approval waits", awaiting_production, deploy_started(APPROVED_AT, "production", 5, Some(4)), Ign("not_yet")),
        r("a decision at an ungated environment is stale", awaiting_production, ev(APPROVED_AT, lockgate_core::execution::EventBody::DecisionRecorded { env: "staging".into(), decision_id: "d-s".into(), by: BOB.into(), groups: vec![], verdict: Verdict::Approve, reason: None, digest: None }), Ign("stale")),
        r("a decision for a different chart digest is refused", awaiting_production, ev(APPROVED_AT, lockgate_core::execution::EventBody::DecisionRecorded { env: "production".into(), decision_id: "d-old".into(), by: BOB.into(), groups: vec![], verdict: Verdict::Approve, reason: None, digest: Some(lockgate_core::Digest::of_bytes(b"another chart")) }), Ign("refused")),
        r("a decision naming this chart's digest applies", awaiting_production, ev(APPROVED_AT, lockgate_core::execution::EventBody::DecisionRecorded { env: "production".into(), decision_id: "d-this".into(), by: BOB.into(), groups: vec![], verdict: Verdict::Approve, reason: None, digest: Some(candidate().chart.digest) }), Applied("approved for production", &["update_approval", "notify", "deploy"])),
        // Quorum of two
        r("the first of two approvals keeps waiting", awaiting_with_quorum_two, decision(APPROVED_AT, "d-bob", BOB, Verdict::Approve), Applied("awaiting approval for production", &["update_approval", "notify"])),
        r("the same approver twice counts once", one_of_two_approvals, decision(APPROVED_AT + 5, "d-bob-2", BOB, Verdict::Approve), Ign("duplicate")),
        r("a second distinct approver reaches quorum", one_of_two_approvals, decision(APPROVED_AT + 5, "d-carol", CAROL, Verdict::Approve), Applied("approved for production", &["update_approval", "notify", "deploy"])),
        r("a rejection after one approval is final", one_of_two_approvals, decision(APPROVED_AT + 5, "d-carol", CAROL, Verdict::Reject), Applied("rejected for production by U0CAROL03", &["update_approval", "notify"])),
        // Approved
        r("decisions after the gate is decided are stale", approved_production, decision(APPROVED_AT + 5, "d-carol", CAROL, Verdict::Reject), Ign("stale")),
        r("the expiry timer after approval is stale", approved_production, timer(expiry, TimerKind::ApprovalExpiry), Ign("stale")),
        r("an approved execution is no longer superseded", approved_production, superseded(APPROVED_AT + 5, other_execution()), Ign("stale")),
        r("the production deploy starts after approval", approved_production, deploy_started(PROD_STARTED_AT, "production", 5, Some(4)), Applied("verifying production", &["check_rollout", "notify"])),
        r("staging reports after promotion are stale", approved_production, progressed(PROD_STARTED_AT, "staging", 1, 1), Ign("stale")),
        // Verifying production
        r("the last environment's success ends the execution", production_verifying, succeeded(PROD_STARTED_AT + 30, "production", 5, 1), Applied("succeeded", &["notify", "notify"])),
        r("a failed production rollout rolls back", production_verifying, failed(PROD_STARTED_AT + 30, "production", 5, 1), Applied("rolling back production", &["roll_back", "notify"])),
        r("production's rollback ends the execution", production_rolling_back, rolled_back(PROD_STARTED_AT + 60, "production", Some(6)), Applied("rolled back in production: rollout of revision 5 failed: CrashLoopBackOff", &["notify"])),
        // A command that failed for good
        r("a command failing for good fails the execution and says why", awaiting_production, ev(APPROVED_AT, lockgate_core::execution::EventBody::Aborted { command: "request_approval".into(), reason: "slack: channel_not_found".into() }), Applied("failed: request_approval failed: slack: channel_not_found", &["notify"])),
        r("an aborted command on a finished execution changes nothing", all_succeeded, ev(PROD_STARTED_AT + 90, lockgate_core::execution::EventBody::Aborted { command: "notify".into(), reason: "invalid_auth".into() }), Ign("finished")),
        // Final
        r("nothing applies to a finished execution", all_succeeded, rolled_back(PROD_STARTED_AT + 90, "production", Some(6)), Ign("finished")),
        r("a replay on a finished execution is still a duplicate", all_succeeded, succeeded(PROD_STARTED_AT + 30, "production", 5, 1), Ign("duplicate")),
    ]
}

#[test]
fn every_transition_in_the_table_behaves_as_listed() {
    let mut failures = Vec::new();
    for row in rows() {
        let before = (row.from)();
        let outcome = step(&before, &row.event);
        let problem = match (&row.expect, &outcome) {
            (Expect::Applied(status, names), Step::Applied { next, commands }) => {
                let got: Vec<&str> = commands.iter().map(Command::name).collect();
                let shown = next.status.to_string();
                if !shown.starts_with(status) || (shown != *status && !status.ends_with('-')) {
                    Some(format!("status {shown:?}, expected {status:?}"))
                } else if got != *names {
                    Some(format!("commands {got:?}, expected {names:?}"))
                } else if next.history.last().map(|h| h.key.clone()) != Some(row.event.key()) {
                    Some("the event is not the last history entry".to_string())
                } else {
                    None
                }
            }
            (Expect::Ignored(kind), Step::Unchanged(why)) => {
                (ignored_name(why) != *kind).then(|| format!("ignored as {why}, expected {kind}"))
            }
            (Expect::Applied(..), Step::Unchanged(why)) => Some(format!("unchanged: {why}")),
            (Expect::Ignored(kind), Step::Applied { next, .. }) => {
                Some(format!("applied (now {}), expected {kind}", next.status))
            }
        };
        if let Some(p) = problem {
            failures.push(format!("{}: {p}", row.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_covers_every_status() {
    let mut seen: Vec<String> = Vec::new();
    for row in rows() {
        let s = (row.from)().status;
        let tag = serde_json::to_value(&s).expect("json")["state"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        seen.push(tag);
        if let Step::Applied { next, .. } = step(&(row.from)(), &row.event) {
            let tag = serde_json::to_value(&next.status).expect("json")["state"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            seen.push(tag);
        }
    }
    for state in [
        "received",
        "verified",
        "deploying",
        "verifying",
        "rolling_back",
        "awaiting_approval",
        "approved",
        "succeeded",
        "rolled_back",
        "failed",
        "rejected",
        "expired",
        "superseded",
    ] {
        if state == "deploying" {
            continue; // reached only by promotion to an ungated environment: see the test below
        }
        assert!(
            seen.iter().any(|s| s == state),
            "no row reaches or starts from {state}"
        );
    }
}

#[test]
fn promotion_to_an_ungated_environment_queues_its_deploy() {
    let mut plan = plan(1);
    plan.stages[1].gate = None;
    let exec = Execution::open(lockgate_core::execution::Opening {
        candidate: candidate(),
        plan,
        at: t0(),
        open_executions: vec![],
    })
    .0;
    let exec = run(
        exec,
        &[chart_verified(1), deploy_started(2, "staging", 1, None)],
    );
    let Step::Applied { next, commands } = step(&exec, &succeeded(3, "staging", 1, 1)) else {
        panic!("success did not apply");
    };
    assert_eq!(
        next.status,
        Status::Deploying {
            env: "production".into()
        }
    );
    assert!(matches!(&commands[1], Command::Deploy { env, .. } if env == "production"));
}

#[test]
fn deploy_command_carries_everything_the_deployer_needs() {
    let Step::Applied { commands, .. } = step(&received(), &chart_verified(VERIFIED_AT)) else {
        panic!("verification did not apply");
    };
    let Command::Deploy {
        app,
        env,
        cluster,
        namespace,
        release,
        chart,
        values_files,
        image,
        image_values,
        timeout,
        ..
    } = &commands[0]
    else {
        panic!("first command is {}", commands[0].name());
    };
    assert_eq!(
        (
            app.as_str(),
            env.as_str(),
            namespace.as_str(),
            release.as_str()
        ),
        ("web", "staging", "web-staging", "web")
    );
    assert_eq!(cluster.name, "eu");
    assert_eq!(chart.version, "1.4.2");
    assert_eq!(values_files, &["values.yaml", "values.staging.yaml"]);
    assert_eq!(
        image.digest,
        candidate().image.digest,
        "deploys pin the digest"
    );
    assert_eq!(image_values.repository, "image.repository");
    assert_eq!(timeout.as_secs(), 300);
}

#[test]
fn rollout_checks_are_durable_timers_until_the_deadline() {
    let Step::Applied { next, commands } = step(
        &verified(),
        &deploy_started(STAGING_STARTED_AT, "staging", 1, None),
    ) else {
        panic!("deploy start did not apply");
    };
    let Command::CheckRollout {
        attempt,
        delay,
        deadline,
        revision,
        ..
    } = &commands[0]
    else {
        panic!("expected a check");
    };
    assert_eq!((*attempt, *revision, delay.as_secs()), (1, 1, 10));
    assert_eq!(*deadline, at(STAGING_STARTED_AT + 300));
    assert_eq!(next.stages[0].deadline, Some(*deadline));
    assert_eq!(
        commands[0]
            .delay(at(STAGING_STARTED_AT), lockgate_core::Span::from_mins(15))
            .as_secs(),
        10
    );
}

#[test]
fn rollback_returns_to_the_previous_revision() {
    let Step::Applied { commands, .. } = step(
        &production_verifying(),
        &failed(PROD_STARTED_AT + 30, "production", 5, 1),
    ) else {
        panic!("failure did not apply");
    };
    assert!(
        matches!(&commands[0], Command::RollBack { to_revision: Some(4), env, .. } if env == "production")
    );
}

#[test]
fn approval_request_shows_the_gate_and_the_staging_result() {
    let Step::Applied { next, commands } = step(
        &staging_verifying(),
        &succeeded(STAGING_DONE_AT, "staging", 1, 1),
    ) else {
        panic!("success did not apply");
    };
    let Command::RequestApproval { request } = &commands[1] else {
        panic!("expected a request")
    };
    assert_eq!(request.env, "production");
    assert_eq!(request.users, [ALICE, BOB]);
    assert_eq!(request.groups, [RELEASE_GROUP]);
    assert_eq!(request.quorum, 1);
    assert!(request.four_eyes);
    assert_eq!(request.triggered_by.as_deref(), Some(ALICE));
    assert_eq!(
        request.expires_at,
        at(STAGING_DONE_AT + EXPIRY),
        "72h after the request"
    );
    assert_eq!(request.previous_stages.len(), 1);
    assert_eq!(request.previous_stages[0].status, StageStatus::Succeeded);
    assert_eq!(request.previous_stages[0].revision, Some(1));
    let timers: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::ScheduleTimer { timer, fire_at, .. } => Some((*timer, *fire_at)),
            _ => None,
        })
        .collect();
    assert_eq!(
        timers,
        [
            (
                TimerKind::ApprovalReminder,
                at(STAGING_DONE_AT + EXPIRY - 24 * 3600)
            ),
            (TimerKind::ApprovalExpiry, at(STAGING_DONE_AT + EXPIRY)),
        ]
    );
    let approval = next.stages[1].approval.as_ref().expect("approval record");
    assert_eq!(approval.requested_at, at(STAGING_DONE_AT));
}

#[test]
fn decisions_are_recorded_with_who_and_when() {
    let exec = run(
        one_of_two_approvals(),
        &[decision(
            APPROVED_AT + 5,
            "d-carol",
            CAROL,
            Verdict::Approve,
        )],
    );
    let approval = exec.stages[1].approval.as_ref().expect("approval record");
    let who: Vec<(&str, &str)> = approval
        .decisions
        .iter()
        .map(|d| (d.id.as_str(), d.by.as_str()))
        .collect();
    assert_eq!(who, [("d-bob", BOB), ("d-carol", CAROL)]);
    assert_eq!(approval.decisions[1].at, at(APPROVED_AT + 5));
    let Some(Command::UpdateApproval { state, .. }) = exec.outbox.first() else {
        panic!("no update")
    };
    assert_eq!(
        state,
        &ApprovalState::Approved {
            by: vec![BOB.to_string(), CAROL.to_string()]
        }
    );
}

#[test]
fn stage_records_keep_start_finish_and_revision() {
    let exec = all_succeeded();
    let summary = exec.summary();
    assert_eq!(summary.status, "succeeded");
    assert_eq!(summary.chart_version, "1.4.2");
    assert!(summary
        .image
        .ends_with(&format!("@{}", candidate().image.digest)));
    let staging = &summary.stages[0];
    assert_eq!(
        (staging.status, staging.revision),
        (StageStatus::Succeeded, Some(1))
    );
    assert_eq!(staging.started_at, Some(at(VERIFIED_AT)));
    assert_eq!(staging.finished_at, Some(at(STAGING_DONE_AT)));
    let prod = &summary.stages[1];
    assert_eq!(
        (prod.status, prod.revision),
        (StageStatus::Succeeded, Some(5))
    );
    assert_eq!(
        prod.started_at,
        Some(at(STAGING_DONE_AT)),
        "the gate is part of the stage"
    );
    assert_eq!(prod.finished_at, Some(at(PROD_STARTED_AT + 30)));
    let keys: Vec<&str> = exec.history.iter().map(|h| h.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "opened",
            "chart_verified",
            "deploy_started/staging",
            "rollout_succeeded/staging/1",
            "decision/d-bob",
            "deploy_started/production",
            "rollout_succeeded/production/5",
        ]
    );
}

#[test]
fn executions_round_trip_through_json() {
    for exec in [
        received(),
        awaiting_production(),
        production_rolling_back(),
        all_succeeded(),
    ] {
        let text = serde_json::to_string(&exec).expect("serializes");
        let back: Execution = serde_json::from_str(&text).expect("deserializes");
        assert_eq!(back, exec);
    }
    let summary = serde_json::to_value(all_succeeded().summary()).expect("json");
    for key in ["id", "app", "image", "chart_version", "status", "stages"] {
        assert!(summary.get(key).is_some(), "summary lacks {key}");
    }
    for key in ["env", "status", "started_at", "finished_at", "revision"] {
        assert!(summary["stages"][0].get(key).is_some(), "stage lacks {key}");
    }
}

#[test]
fn opening_asks_for_verification_and_supersedes_older_candidates() {
    let (exec, commands) = Execution::open(lockgate_core::execution::Opening {
        candidate: candidate(),
        plan: plan(1),
        at: t0(),
        open_executions: vec![other_execution(), candidate().execution_id()],
    });
    assert_eq!(exec.status, Status::Received);
    let names: Vec<&str> = commands.iter().map(Command::name).collect();
    assert_eq!(
        names,
        ["verify_chart", "supersede_execution", "notify"],
        "never itself"
    );
    assert!(
        matches!(&commands[1], Command::SupersedeExecution { id, by } if *id == other_execution() && *by == exec.id)
    );
    assert_eq!(exec.outbox, commands);
}

#[test]
fn the_outbox_holds_the_last_steps_commands_for_redelivery() {
    let before = staging_verifying();
    let event = succeeded(STAGING_DONE_AT, "staging", 1, 1);
    let Step::Applied { next, commands } = step(&before, &event) else {
        panic!("did not apply")
    };
    assert_eq!(next.outbox, commands);
    assert!(next.is_last_applied(&event));
    assert!(matches!(
        step(&next, &event),
        Step::Unchanged(Ignored::Duplicate { .. })
    ));
}

#[test]
fn unchanged_steps_tell_whether_to_retry() {
    let Step::Unchanged(why) = step(&received(), &deploy_started(5, "staging", 1, None)) else {
        panic!("applied")
    };
    assert!(why.retry_later());
    let Step::Unchanged(why) = step(&verified(), &chart_verified(11)) else {
        panic!("applied")
    };
    assert!(!why.retry_later());
}
