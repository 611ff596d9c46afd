//! The approval request message, its updated forms (approved, rejected, expired,
//! superseded: buttons removed, who and when shown) and the reject-reason modal.

use chrono::{DateTime, Utc};
use lockgate_core::execution::{ApprovalRequest, ApprovalState, StageStatus, StageSummary};
use serde_json::{json, Value};

use super::{
    context, duration, escape, header, mention, section, time, ButtonValue, SlackMessage,
    APPROVE_ACTION, REASON_ACTION, REASON_BLOCK, REJECT_ACTION, REJECT_MODAL,
};

/// Most diff lines shown before the rest is collapsed into "... N more lines".
pub const MAX_DIFF_LINES: usize = 40;
/// Characters of diff text allowed in its section (Slack allows 3000 per section).
const MAX_DIFF_CHARS: usize = 2700;

/// The message asking the gate's approvers to decide, with Approve (confirmed) and
/// Reject (asks for a reason) buttons.
pub fn approval_request(req: &ApprovalRequest) -> SlackMessage {
    let mut blocks = body(req);
    let value =
        ButtonValue::new(req.execution_id.clone(), &req.env, req.chart.digest.clone()).encode();
    blocks.push(section(
        "lg_deadline",
        format!(
            "Needs {} approval(s){}. Expires {}.",
            req.quorum,
            if req.four_eyes {
                "; the person who triggered it cannot approve (four-eyes)"
            } else {
                ""
            },
            time(req.expires_at)
        ),
    ));
    blocks.push(actions(&value, req));
    SlackMessage {
        text: format!(
            "Approval needed: {} {} to {}",
            req.app, req.chart.version, req.env
        ),
        blocks,
    }
}

/// The request after a decision or an event: the same facts with the outcome, who
/// and when; buttons stay only while it is pending. `req` is the request as posted,
/// when it is known.
pub fn approval_update(
    req: Option<&ApprovalRequest>,
    state: &ApprovalState,
    at: DateTime<Utc>,
) -> SlackMessage {
    let mut blocks = req.map(body).unwrap_or_default();
    let when = time(at);
    let (line, text) = match state {
        ApprovalState::Pending {
            approved_by,
            quorum,
        } => (
            format!(
                ":hourglass_flowing_sand: Approved by {} ({} of {}) at {when}; waiting for more.",
                mentions(approved_by),
                approved_by.len(),
                quorum
            ),
            "Approval pending".to_string(),
        ),
        ApprovalState::Approved { by } => (
            format!(
                ":white_check_mark: *Approved* by {} at {when}. Deploying.",
                mentions(by)
            ),
            "Approved".to_string(),
        ),
        ApprovalState::Rejected { by, reason } => (
            format!(
                ":x: *Rejected* by {} at {when}{}",
                mention(by),
                reason
                    .as_deref()
                    .map(|r| format!(": {}", escape(r)))
                    .unwrap_or_else(|| ".".to_string())
            ),
            "Rejected".to_string(),
        ),
        ApprovalState::Expired => (
            format!(
                ":hourglass: *Expired* at {when}: nobody decided in time; the release stops here."
            ),
            "Expired".to_string(),
        ),
        ApprovalState::Superseded { by } => (
            format!(
                ":fast_forward: *Superseded* by `{}` at {when}: a newer release replaced this one.",
                escape(by.as_str())
            ),
            "Superseded".to_string(),
        ),
    };
    blocks.push(section("lg_outcome", line));
    if let (ApprovalState::Pending { .. }, Some(r)) = (state, req) {
        let value =
            ButtonValue::new(r.execution_id.clone(), &r.env, r.chart.digest.clone()).encode();
        blocks.push(actions(&value, r));
    }
    let subject = req
        .map(|r| format!(": {} {} to {}", r.app, r.chart.version, r.env))
        .unwrap_or_default();
    SlackMessage {
        text: format!("{text}{subject}"),
        blocks,
    }
}

/// The modal that asks a rejecter for a reason; `button_value` comes back in
/// `private_metadata`.
pub fn reject_modal(button_value: &str) -> Value {
    json!({
        "type": "modal",
        "callback_id": REJECT_MODAL,
        "private_metadata": button_value,
        "title": { "type": "plain_text", "text": "Reject release" },
        "submit": { "type": "plain_text", "text": "Reject" },
        "close": { "type": "plain_text", "text": "Cancel" },
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": { "type": "plain_text", "text": "Why? (goes into the audit trail)" },
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_ACTION,
                    "multiline": true,
                    "max_length": 500
                }
            }
        ]
    })
}

fn body(req: &ApprovalRequest) -> Vec<Value> {
    let mut blocks = vec![header(
        "lg_header",
        &format!("Deploy {} {} to {}?", req.app, req.chart.version, req.env),
    )];
    let triggered = req
        .triggered_by
        .as_deref()
        .map_or_else(|| "unknown".to_string(), mention);
    let fields = [
        ("App", escape(&req.app)),
        ("Environment", escape(&req.env)),
        ("Chart version", escape(&req.chart.version)),
        ("Image tag", format!("`{}`", escape(&req.image.tag))),
        ("Image digest", format!("`{}`", req.image.digest.short())),
        ("Chart digest", format!("`{}`", req.chart.digest.short())),
        ("Triggered by", triggered),
        (
            "Execution",
            format!("`{}`", escape(req.execution_id.as_str())),
        ),
    ];
    let fields: Vec<Value> = fields
        .iter()
        .map(|(k, v)| json!({ "type": "mrkdwn", "text": format!("*{k}*\n{v}") }))
        .collect();
    blocks.push(json!({ "type": "section", "block_id": "lg_facts", "fields": fields }));
    if !req.previous_stages.is_empty() {
        let lines: Vec<String> = req.previous_stages.iter().map(stage_line).collect();
        blocks.push(section(
            "lg_stages",
            format!("*Before {}*\n{}", escape(&req.env), lines.join("\n")),
        ));
    }
    if let Some(diff) = req.values_diff.as_deref().filter(|d| !d.trim().is_empty()) {
        blocks.push(section(
            "lg_diff",
            format!(
                "*Values diff against what runs now*\n{}",
                truncate_diff(diff)
            ),
        ));
    }
    if !req.links.is_empty() {
        let links: Vec<String> = req
            .links
            .iter()
            .map(|l| format!("<{}|{}>", l.url.replace(['|', '>'], ""), escape(&l.label)))
            .collect();
        blocks.push(context("lg_links", links.join("  ·  ")));
    }
    blocks
}

fn stage_line(s: &StageSummary) -> String {
    let status = match s.status {
        StageStatus::Succeeded => ":white_check_mark: succeeded",
        StageStatus::RolledBack => ":leftwards_arrow_with_hook: rolled back",
        StageStatus::Failed => ":x: failed",
        _ => ":grey_question: not finished",
    };
    let mut line = format!("• {}: {status}", escape(&s.env));
    if let Some(r) = s.revision {
        line.push_str(&format!(", revision {r}"));
    }
    if let (Some(a), Some(b)) = (s.started_at, s.finished_at) {
        line.push_str(&format!(", rolled out in {}", duration(b - a)));
    }
    if let Some(f) = s.finished_at {
        line.push_str(&format!(" (finished {})", time(f)));
    }
    line
}

fn actions(value: &str, req: &ApprovalRequest) -> Value {
    json!({
        "type": "actions",
        "block_id": "lg_actions",
        "elements": [
            {
                "type": "button",
                "action_id": APPROVE_ACTION,
                "style": "primary",
                "text": { "type": "plain_text", "text": "Approve" },
                "value": value,
                "confirm": {
                    "title": { "type": "plain_text", "text": "Approve this release?" },
                    "text": { "type": "mrkdwn", "text": format!(
                        "Deploy {} {} (image `{}`) to *{}*.",
                        escape(&req.app), escape(&req.chart.version), escape(&req.image.tag), escape(&req.env)
                    ) },
                    "confirm": { "type": "plain_text", "text": "Approve" },
                    "deny": { "type": "plain_text", "text": "Cancel" }
                }
            },
            {
                "type": "button",
                "action_id": REJECT_ACTION,
                "style": "danger",
                "text": { "type": "plain_text", "text": "Reject" },
                "value": value
            }
        ]
    })
}

fn mentions(users: &[String]) -> String {
    users
        .iter()
        .map(|u| mention(u))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The diff as a code block that fits a section: at most [`MAX_DIFF_LINES`] lines
/// and about 2700 characters, cut at a line boundary with "... N more lines".
pub fn truncate_diff(diff: &str) -> String {
    let lines: Vec<&str> = diff.lines().collect();
    let mut shown = String::new();
    let mut n = 0;
    for line in &lines {
        let line = escape(&line.replace("```", "'''"));
        // a single line longer than a quarter of the budget is cut, not dropped
        let line = if line.len() > MAX_DIFF_CHARS / 4 {
            let mut cut: String = line.chars().take(MAX_DIFF_CHARS / 8).collect();
            cut.push_str(" …");
            cut
        } else {
            line
        };
        if n == MAX_DIFF_LINES || shown.len() + line.len() + 1 > MAX_DIFF_CHARS {
            break;
        }
        shown.push_str(&line);
        shown.push('\n');
        n += 1;
    }
    let rest = lines.len() - n;
    let more = if rest > 0 {
        format!("\n... {rest} more lines")
    } else {
        String::new()
    };
    format!("```\n{shown}```{more}")
}
