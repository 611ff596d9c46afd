//! Rendered messages: what approvers see, how it changes after a decision, and that
//! every form stays within Slack's limits (including a huge values diff).

use chrono::{Duration, TimeZone, Utc};
use lockgate_core::execution::{
    ApprovalRequest, ApprovalState, ChartArtifact, Link, Notice, NoticeKind, StageStatus,
    StageSummary,
};
use lockgate_core::{Digest, ExecutionId, PinnedImage};
use lockgate_slack::blocks::{
    approval_request, approval_update, check_limits, notice, truncate_diff, ButtonValue,
    LimitError, SlackMessage, APPROVE_ACTION, MAX_DIFF_LINES, REJECT_ACTION,
};
use serde_json::Value;

fn request(diff: Option<String>) -> ApprovalRequest {
    let chart = Digest::of_bytes(b"web-1.4.2.tgz");
    let image = Digest::of_bytes(b"manifest");
    let t = Utc
        .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
        .single()
        .expect("time");
    ApprovalRequest {
        execution_id: ExecutionId::derive("web", &chart, &image),
        app: "web".into(),
        env: "production".into(),
        chart: ChartArtifact {
            name: "web".into(),
            version: "1.4.2".into(),
            digest: chart,
            location: "web-1.4.2.tgz".into(),
        },
        image: PinnedImage {
            repository: "registry.example.com/web".into(),
            tag: "1.4.2".into(),
            digest: image,
        },
        triggered_by: Some("U0ALICE01".into()),
        users: vec!["U0BOB0002".into()],
        groups: vec!["S0RELEASE".into()],
        quorum: 1,
        four_eyes: true,
        expires_at: t + Duration::hours(72),
        channel: None,
        previous_stages: vec![StageSummary {
            env: "staging".into(),
            status: StageStatus::Succeeded,
            revision: Some(7),
            started_at: Some(t - Duration::seconds(95)),
            finished_at: Some(t),
        }],
        values_diff: diff,
        links: vec![Link {
            label: "execution".into(),
            url: "https://ci.example.com/web/1".into(),
        }],
    }
}

fn all_text(m: &SlackMessage) -> String {
    serde_json::to_string(&m.blocks).expect("json")
}

fn buttons(m: &SlackMessage) -> Vec<Value> {
    m.blocks
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn huge_diff(lines: usize) -> String {
    (0..lines)
        .map(|i| format!("+  replicas_{i}: {}", "x".repeat(60)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_request_shows_the_artifact_the_trigger_staging_and_links() {
    let m = approval_request(&request(Some("-  replicas: 2\n+  replicas: 3".into())));
    check_limits(&m).expect("within limits");
    let text = all_text(&m);
    for needle in [
        "web",
        "production",
        "1.4.2",
        "<@U0ALICE01>",
        "revision 7",
        "rolled out in 1m 35s",
        "+  replicas: 3",
        "https://ci.example.com/web/1|execution",
        "four-eyes",
    ] {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
    let r = request(None);
    assert!(text.contains(r.image.digest.short()));
}

#[test]
fn approve_asks_for_confirmation_and_both_buttons_carry_what_ships() {
    let r = request(None);
    let m = approval_request(&r);
    let b = buttons(&m);
    assert_eq!(b.len(), 2);
    assert_eq!(b[0]["action_id"], APPROVE_ACTION);
    assert!(
        b[0]["confirm"].is_object(),
        "approve needs a confirm dialog"
    );
    assert_eq!(b[1]["action_id"], REJECT_ACTION);
    for button in &b {
        let v = ButtonValue::parse(button["value"].as_str().expect("value")).expect("parses");
        assert_eq!(v.execution_id, r.execution_id);
        assert_eq!(v.env, "production");
        assert_eq!(v.digest, r.chart.digest);
    }
}

#[test]
fn a_huge_values_diff_is_cut_at_a_line_boundary_and_stays_within_limits() {
    let diff = huge_diff(5000);
    let m = approval_request(&request(Some(diff)));
    check_limits(&m).expect("within limits");
    let diff_block = m
        .blocks
        .iter()
        .find(|b| b["block_id"] == "lg_diff")
        .expect("diff block");
    let text = diff_block["text"]["text"].as_str().expect("text");
    assert!(text.chars().count() <= 3000);
    let shown = text
        .lines()
        .filter(|l| l.starts_with("+  replicas_"))
        .count();
    assert!(shown <= MAX_DIFF_LINES && shown > 0);
    assert!(
        text.ends_with(&format!("... {} more lines", 5000 - shown)),
        "{text}"
    );
    // every shown line is whole
    assert!(text
        .lines()
        .filter(|l| l.starts_with("+  replicas_"))
        .all(|l| l.ends_with(&"x".repeat(60))));
}

#[test]
fn a_short_diff_is_shown_whole() {
    let t = truncate_diff("-a: 1\n+a: 2");
    assert_eq!(t, "```\n-a: 1\n+a: 2\n```");
}

#[test]
fn one_enormous_line_is_cut_not_dropped() {
    let t = truncate_diff(&format!("+key: {}\n+next: 1", "y".repeat(10_000)));
    assert!(t.len() < 3000);
    assert!(t.contains("+key: yyy"));
    assert!(t.contains("+next: 1"));
}

#[test]
fn final_forms_say_who_and_when_and_drop_the_buttons() {
    let r = request(Some(huge_diff(300)));
    let at = Utc
        .with_ymd_and_hms(2026, 11, 28, 13, 5, 0)
        .single()
        .expect("time");
    let forms = [
        (
            ApprovalState::Approved {
                by: vec!["U0BOB0002".into()],
            },
            "Approved* by <@U0BOB0002> at 2026-11-28 13:05 UTC",
        ),
        (
            ApprovalState::Rejected {
                by: "U0BOB0002".into(),
                reason: Some("not during the sale <b>".into()),
            },
            "Rejected* by <@U0BOB0002> at 2026-11-28 13:05 UTC: not during the sale &lt;b&gt;",
        ),
        (ApprovalState::Expired, "Expired* at 2026-11-28 13:05 UTC"),
        (
            ApprovalState::Superseded {
                by: ExecutionId::from_string("web-00112233aabbccdd"),
            },
            "Superseded* by `web-00112233aabbccdd` at 2026-11-28 13:05 UTC",
        ),
    ];
    for (state, needle) in forms {
        let m = approval_update(Some(&r), &state, at);
        check_limits(&m).expect("within limits");
        assert!(buttons(&m).is_empty(), "{state:?} keeps buttons");
        assert!(
            all_text(&m).contains(needle),
            "{needle} not in {}",
            all_text(&m)
        );
        assert!(
            all_text(&m).contains("1.4.2"),
            "the artifact is still shown"
        );
    }
}

#[test]
fn a_pending_quorum_keeps_the_buttons_and_counts() {
    let r = request(None);
    let m = approval_update(
        Some(&r),
        &ApprovalState::Pending {
            approved_by: vec!["U0BOB0002".into()],
            quorum: 2,
        },
        r.expires_at - Duration::hours(70),
    );
    check_limits(&m).expect("within limits");
    assert_eq!(buttons(&m).len(), 2);
    assert!(all_text(&m).contains("(1 of 2)"));
}

#[test]
fn an_update_without_the_original_request_still_says_the_outcome() {
    let m = approval_update(None, &ApprovalState::Expired, Utc::now());
    check_limits(&m).expect("within limits");
    assert!(all_text(&m).contains("Expired"));
}

#[test]
fn notices_are_one_line_with_the_artifact() {
    let n = Notice {
        kind: NoticeKind::RollingBack,
        severity: NoticeKind::RollingBack.severity(),
        app: "web".into(),
        env: Some("staging".into()),
        text: "staging: rollout of revision 4 failed: CrashLoopBackOff; rolling back".into(),
        image: "registry.example.com/web:1.4.2@sha256:abc".into(),
        chart_version: "1.4.2".into(),
        channels: vec![],
        execution_id: Some(ExecutionId::from_string("web-0011")),
    };
    let m = notice(&n);
    check_limits(&m).expect("within limits");
    let t = all_text(&m);
    assert!(t.contains(":rotating_light: *web* staging: staging: rollout of revision 4 failed"));
    assert!(t.contains("web-0011"));
    let long = Notice {
        text: "z".repeat(10_000),
        ..n
    };
    check_limits(&notice(&long)).expect("a long notice is cut to the limit");
}

#[test]
fn limits_catch_what_slack_would_refuse() {
    let too_many = SlackMessage {
        text: String::new(),
        blocks: (0..51)
            .map(|i| serde_json::json!({"type": "divider", "block_id": format!("b{i}")}))
            .collect(),
    };
    assert_eq!(check_limits(&too_many), Err(LimitError::TooManyBlocks(51)));
    let dup = SlackMessage {
        text: String::new(),
        blocks: vec![
            serde_json::json!({"type": "divider", "block_id": "same"}),
            serde_json::json!({"type": "divider", "block_id": "same"}),
        ],
    };
    assert!(matches!(check_limits(&dup), Err(LimitError::BlockId(_))));
    let long_value = SlackMessage {
        text: String::new(),
        blocks: vec![
            serde_json::json!({"type": "actions", "block_id": "a", "elements": [
                {"type": "button", "action_id": "x", "text": {"type": "plain_text", "text": "ok"}, "value": "v".repeat(151)}
            ]}),
        ],
    };
    assert!(matches!(
        check_limits(&long_value),
        Err(LimitError::ButtonValue { len: 151, .. })
    ));
    let long_section = SlackMessage {
        text: String::new(),
        blocks: vec![
            serde_json::json!({"type": "section", "block_id": "s", "text": {"type": "mrkdwn", "text": "a".repeat(3001)}}),
        ],
    };
    assert!(matches!(
        check_limits(&long_section),
        Err(LimitError::SectionText { len: 3001, .. })
    ));
}
