//! Properties of the execution state machine under at-least-once delivery:
//! - any interleaving of duplicated, reordered and stale events (events that arrive
//!   too early are delivered again later, as SQS does with a partial batch failure)
//!   ends in the same state as the clean sequence;
//! - no sequence of events, however wild, deploys to a gated environment without a
//!   quorum of allowed approvals recorded before the gate expired.

mod common;

use std::collections::VecDeque;

use common::*;
use lockgate_core::execution::{
    step, Command, Event, EventBody, Execution, Ignored, StageStatus, Step, TimerKind, Verdict,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Rollout {
    Succeed { checks: u32 },
    Fail { checks: u32 },
    TimeOut,
    ApplyFails,
    RollbackFails { checks: u32 },
}

#[derive(Debug, Clone)]
enum Gate {
    /// Quorum 1: one approval (by Carol through her group, or by Bob).
    ApproveOne {
        carol: bool,
    },
    /// Quorum 2: Bob and Carol approve (in either order).
    ApproveTwo {
        carol_first: bool,
    },
    Reject {
        carol: bool,
    },
    Expire,
}

#[derive(Debug, Clone)]
struct Scenario {
    staging: Rollout,
    gate: Gate,
    production: Rollout,
}

impl Scenario {
    fn quorum(&self) -> u32 {
        if matches!(self.gate, Gate::ApproveTwo { .. }) {
            2
        } else {
            1
        }
    }

    /// Whether two events in the clean sequence commute (two approvals): then
    /// their order in the audit trail follows their arrival.
    fn has_commuting_events(&self) -> bool {
        matches!(self.gate, Gate::ApproveTwo { .. })
    }

    /// The clean sequence: every event in causal order, each applying.
    fn clean_events(&self) -> Vec<Event> {
        let mut t = 0i64;
        let mut next_t = |step: i64| {
            t += step;
            t
        };
        let mut out = vec![chart_verified(next_t(5))];
        if !rollout(
            &mut out,
            &mut next_t,
            "staging",
            1,
            None,
            &self.staging,
            300,
        ) {
            return out;
        }
        let requested = next_t(0);
        match &self.gate {
            Gate::ApproveOne { carol } => {
                let who = if *carol { CAROL } else { BOB };
                out.push(decision(next_t(600), "d-1", who, Verdict::Approve));
            }
            Gate::ApproveTwo { carol_first } => {
                let (a, b) = if *carol_first {
                    (CAROL, BOB)
                } else {
                    (BOB, CAROL)
                };
                out.push(decision(next_t(600), "d-1", a, Verdict::Approve));
                out.push(decision(next_t(600), "d-2", b, Verdict::Approve));
            }
            Gate::Reject { carol } => {
                let who = if *carol { CAROL } else { BOB };
                out.push(decision(next_t(600), "d-1", who, Verdict::Reject));
                return out;
            }
            Gate::Expire => {
                out.push(timer(requested + EXPIRY, TimerKind::ApprovalExpiry));
                return out;
            }
        }
        rollout(
            &mut out,
            &mut next_t,
            "production",
            5,
            Some(4),
            &self.production,
            600,
        );
        out
    }
}

/// Appends one environment's events; returns whether the rollout succeeded.
fn rollout(
    out: &mut Vec<Event>,
    next_t: &mut impl FnMut(i64) -> i64,
    env: &str,
    rev: u64,
    prev: Option<u64>,
    how: &Rollout,
    timeout: i64,
) -> bool {
    if let Rollout::ApplyFails = how {
        out.push(deploy_failed(next_t(10), env, prev));
        out.push(rolled_back(next_t(10), env, prev));
        return false;
    }
    let started = next_t(10);
    out.push(deploy_started(started, env, rev, prev));
    let checks = match how {
        Rollout::Succeed { checks }
        | Rollout::Fail { checks }
        | Rollout::RollbackFails { checks } => *checks,
        Rollout::TimeOut | Rollout::ApplyFails => 0,
    };
    for attempt in 1..=checks {
        out.push(progressed(next_t(10), env, rev, attempt));
    }
    match how {
        Rollout::Succeed { .. } => {
            out.push(succeeded(next_t(10), env, rev, checks + 1));
            true
        }
        Rollout::Fail { .. } => {
            out.push(failed(next_t(10), env, rev, checks + 1));
            out.push(rolled_back(next_t(10), env, prev));
            false
        }
        Rollout::RollbackFails { .. } => {
            out.push(failed(next_t(10), env, rev, checks + 1));
            out.push(rollback_failed(next_t(10), env));
            false
        }
        Rollout::TimeOut => {
            out.push(progressed(started + timeout, env, rev, 1));
            next_t(timeout);
            out.push(rolled_back(next_t(10), env, prev));
            false
        }
        Rollout::ApplyFails => false,
    }
}

/// Events that can never apply, whatever the state: other revisions, superseded
/// attempts, people who may not decide, unknown environments, foreign digests.
fn junk(i: usize) -> Event {
    match i % 10 {
        0 => progressed(15, "staging", 99, 1),
        1 => succeeded(25, "staging", 99, 1),
        2 => progressed(35, "staging", 1, 0),
        3 => decision(700, "d-mallory", MALLORY, Verdict::Approve),
        4 => decision(700, "d-alice", ALICE, Verdict::Approve),
        5 => superseded(800, open(1).id),
        6 => deploy_started(40, "qa", 3, None),
        7 => ev(
            5,
            EventBody::ChartVerified {
                chart_digest: lockgate_core::Digest::of_bytes(b"forged"),
            },
        ),
        8 => ev(
            900,
            EventBody::TimerFired {
                env: "staging".into(),
                timer: TimerKind::ApprovalExpiry,
            },
        ),
        _ => failed(45, "production", 99, 1),
    }
}

fn arb_rollout() -> impl Strategy<Value = Rollout> {
    prop_oneof![
        3 => (0u32..4).prop_map(|checks| Rollout::Succeed { checks }),
        1 => (0u32..3).prop_map(|checks| Rollout::Fail { checks }),
        1 => Just(Rollout::TimeOut),
        1 => Just(Rollout::ApplyFails),
        1 => (0u32..2).prop_map(|checks| Rollout::RollbackFails { checks }),
    ]
}

fn arb_gate() -> impl Strategy<Value = Gate> {
    prop_oneof![
        3 => any::<bool>().prop_map(|carol| Gate::ApproveOne { carol }),
        2 => any::<bool>().prop_map(|carol_first| Gate::ApproveTwo { carol_first }),
        1 => any::<bool>().prop_map(|carol| Gate::Reject { carol }),
        1 => Just(Gate::Expire),
    ]
}

fn arb_scenario() -> impl Strategy<Value = Scenario> {
    (arb_rollout(), arb_gate(), arb_rollout()).prop_map(|(staging, gate, production)| Scenario {
        staging,
        gate,
        production,
    })
}

/// Delivers `messages` in order; an event that is not due yet goes to the back of
/// the queue. Checks the gate invariant after every applied step.
fn deliver(mut exec: Execution, messages: Vec<Event>) -> Result<Execution, TestCaseError> {
    let mut queue: VecDeque<Event> = messages.into();
    // Redeliveries since the queue last changed: a whole pass over the queue that
    // only puts events back means the remaining events can never apply.
    let mut idle = 0usize;
    while let Some(event) = queue.pop_front() {
        match step(&exec, &event) {
            Step::Applied { next, commands } => {
                check_gate(&next, &event, &commands)?;
                exec = *next;
                idle = 0;
            }
            Step::Unchanged(why) if why.retry_later() => {
                queue.push_back(event);
                idle += 1;
                prop_assert!(
                    idle <= queue.len(),
                    "delivery is stuck at {}: {} event(s) can never apply ({why})",
                    exec.status,
                    queue.len()
                );
            }
            // Dropping a duplicate or stale event shrinks the queue: progress too.
            Step::Unchanged(_) => idle = 0,
        }
    }
    Ok(exec)
}

/// No gated environment is deployed, or deploying, without a quorum of distinct
/// allowed approvers who decided before expiry, and only a decision deploys it.
fn check_gate(exec: &Execution, event: &Event, commands: &[Command]) -> Result<(), TestCaseError> {
    for (i, plan) in exec.plan.stages.iter().enumerate() {
        let Some(gate) = &plan.gate else { continue };
        let stage = &exec.stages[i];
        let past_gate = !matches!(
            stage.status,
            StageStatus::Pending
                | StageStatus::AwaitingApproval
                | StageStatus::Rejected
                | StageStatus::Expired
                | StageStatus::Superseded
        );
        let deploys_here = commands
            .iter()
            .any(|c| matches!(c, Command::Deploy { env, .. } if *env == plan.env));
        if !past_gate && !deploys_here {
            continue;
        }
        let Some(approval) = &stage.approval else {
            return Err(TestCaseError::fail(format!(
                "{} passed its gate with no approval record",
                plan.env
            )));
        };
        let mut approvers: Vec<&str> = approval
            .decisions
            .iter()
            .filter(|d| d.verdict == Verdict::Approve && d.at < approval.expires_at)
            .filter(|d| gate.users.contains(&d.by) || d.by == CAROL)
            .filter(|d| {
                !(gate.four_eyes && exec.candidate.triggered_by.as_deref() == Some(d.by.as_str()))
            })
            .map(|d| d.by.as_str())
            .collect();
        approvers.sort_unstable();
        approvers.dedup();
        prop_assert!(
            approvers.len() >= gate.quorum as usize,
            "{} passed its gate with approvals from {:?} (quorum {})",
            plan.env,
            approvers,
            gate.quorum
        );
        prop_assert!(
            !approval
                .decisions
                .iter()
                .any(|d| d.verdict == Verdict::Reject),
            "{} passed its gate after a rejection",
            plan.env
        );
        if deploys_here {
            prop_assert!(
                matches!(event.body, EventBody::DecisionRecorded { .. }),
                "{} deployed by {} rather than a decision",
                plan.env,
                event.key()
            );
        }
    }
    Ok(())
}

/// The parts of an execution that must not depend on delivery order when two
/// approvals commute: everything but the order approvals were recorded in.
fn normalized(exec: &Execution) -> (String, Vec<String>, Vec<String>) {
    let mut stages = exec.stages.clone();
    for s in &mut stages {
        if let Some(a) = s.approval.as_mut() {
            a.decisions.sort_by(|x, y| x.id.cmp(&y.id));
        }
    }
    let mut keys: Vec<String> = exec.history.iter().map(|h| h.key.clone()).collect();
    keys.sort();
    (
        serde_json::to_string(&exec.status).unwrap_or_default(),
        stages
            .iter()
            .map(|s| serde_json::to_string(s).unwrap_or_default())
            .collect(),
        keys,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn noisy_delivery_ends_in_the_clean_state(
        scenario in arb_scenario(),
        duplicate in prop::collection::vec(0usize..4, 0..40),
        junk_picks in prop::collection::vec(0usize..10, 0..12),
        order_seed in prop::collection::vec(any::<u32>(), 80),
    ) {
        let clean = scenario.clean_events();
        let start = open(scenario.quorum());
        let expected = {
            let mut exec = start.clone();
            for e in &clean {
                match step(&exec, e) {
                    Step::Applied { next, commands } => {
                        check_gate(&next, e, &commands)?;
                        exec = *next;
                    }
                    Step::Unchanged(why) => {
                        return Err(TestCaseError::fail(format!("clean event {} did not apply: {why}", e.key())));
                    }
                }
            }
            exec
        };
        prop_assert!(expected.status.is_final(), "clean run ended at {}", expected.status);

        let mut messages = clean.clone();
        for (i, copies) in duplicate.iter().enumerate() {
            if let Some(e) = clean.get(i) {
                for _ in 0..*copies {
                    messages.push(e.clone());
                }
            }
        }
        messages.extend(junk_picks.iter().map(|i| junk(*i)));
        // Shuffle with the generated seed (Fisher-Yates), so proptest can shrink it.
        for i in (1..messages.len()).rev() {
            let j = order_seed[i % order_seed.len()] as usize % (i + 1);
            messages.swap(i, j);
        }

        let actual = deliver(start, messages)?;
        if scenario.has_commuting_events() {
            prop_assert_eq!(normalized(&actual), normalized(&expected));
        } else {
            prop_assert_eq!(&actual, &expected);
        }
    }

    #[test]
    fn no_event_sequence_passes_a_gate_without_a_decision(
        quorum in 1u32..3,
        from_gate in any::<bool>(),
        events in prop::collection::vec(arb_any_event(), 1..60),
    ) {
        let mut exec = open(quorum);
        if from_gate {
            exec = run(exec, &[
                chart_verified(5),
                deploy_started(10, "staging", 1, None),
                succeeded(20, "staging", 1, 1),
            ]);
        }
        for event in &events {
            match step(&exec, event) {
                Step::Applied { next, commands } => {
                    check_gate(&next, event, &commands)?;
                    prop_assert_eq!(next.history.last().map(|h| h.key.clone()), Some(event.key()));
                    exec = *next;
                }
                Step::Unchanged(Ignored::Duplicate { .. }) => {}
                Step::Unchanged(_) => {}
            }
        }
    }

    #[test]
    fn replaying_an_applied_event_changes_nothing(
        events in prop::collection::vec(arb_any_event(), 1..40),
    ) {
        let mut exec = open(1);
        let mut applied = Vec::new();
        for event in &events {
            if let Step::Applied { next, .. } = step(&exec, event) {
                exec = *next;
                applied.push(event.clone());
            }
        }
        for event in &applied {
            let replay = step(&exec, event);
            let unchanged = matches!(
                replay,
                Step::Unchanged(Ignored::Duplicate { .. }) | Step::Unchanged(Ignored::Finished { .. })
            );
            prop_assert!(unchanged, "replaying {} gave {:?}", event.key(), replay);
        }
    }
}

/// Any event at all: right and wrong environments, revisions, attempts, people,
/// verdicts and times.
fn arb_any_event() -> impl Strategy<Value = Event> {
    let env = prop::sample::select(vec!["staging", "production", "qa"]);
    let who = prop::sample::select(vec![ALICE, BOB, CAROL, MALLORY]);
    (
        0u8..12,
        env,
        1u64..3,
        1u32..4,
        who,
        any::<bool>(),
        0i64..(4 * EXPIRY),
        0u32..5,
    )
        .prop_map(|(kind, env, rev, attempt, who, approve, secs, id)| {
            let verdict = if approve {
                Verdict::Approve
            } else {
                Verdict::Reject
            };
            match kind {
                0 => chart_verified(secs),
                1 => deploy_started(
                    secs,
                    env,
                    rev,
                    Some(rev.saturating_sub(1)).filter(|r| *r > 0),
                ),
                2 => deploy_failed(secs, env, None),
                3 => progressed(secs, env, rev, attempt),
                4 => succeeded(secs, env, rev, attempt),
                5 => failed(secs, env, rev, attempt),
                6 => rolled_back(secs, env, Some(rev)),
                7 => rollback_failed(secs, env),
                8 | 9 => {
                    let mut e = decision(secs, &format!("d-{id}"), who, verdict);
                    if let EventBody::DecisionRecorded { env: target, .. } = &mut e.body {
                        *target = if env == "qa" {
                            "production".to_string()
                        } else {
                            env.to_string()
                        };
                    }
                    e
                }
                10 => timer(
                    secs,
                    if approve {
                        TimerKind::ApprovalExpiry
                    } else {
                        TimerKind::ApprovalReminder
                    },
                ),
                _ => superseded(secs, other_execution()),
            }
        })
}
