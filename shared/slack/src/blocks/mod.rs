//! Block Kit messages: the approval request, its updated forms, notices and the
//! reject-reason modal, built as Block Kit JSON (serde_json), plus the button value
//! that carries what is being decided and [`check_limits`] for Slack's limits.

mod approval;
mod limits;
mod notice;
mod value;

use serde_json::{json, Value};

pub use approval::{
    approval_request, approval_update, reject_modal, truncate_diff, MAX_DIFF_LINES,
};
pub use limits::{check_blocks, check_limits, LimitError};
pub use notice::notice;
pub use value::{ButtonValue, ValueError};

/// `action_id` of the Approve button.
pub const APPROVE_ACTION: &str = "lockgate_approve";
/// `action_id` of the Reject button.
pub const REJECT_ACTION: &str = "lockgate_reject";
/// `callback_id` of the reject-reason modal.
pub const REJECT_MODAL: &str = "lockgate_reject_reason";
/// `block_id` of the reason input in the modal.
pub const REASON_BLOCK: &str = "lockgate_reason";
/// `action_id` of the reason input in the modal.
pub const REASON_ACTION: &str = "lockgate_reason_input";

/// A message: the fallback text (notifications, screen readers) and its blocks.
#[derive(Clone, Debug, PartialEq)]
pub struct SlackMessage {
    /// Plain fallback text.
    pub text: String,
    /// Block Kit blocks.
    pub blocks: Vec<Value>,
}

impl SlackMessage {
    /// The `chat.postMessage` / `chat.update` body fields for this message.
    pub fn to_fields(&self) -> Value {
        json!({ "text": self.text, "blocks": self.blocks })
    }
}

/// Escapes `&`, `<` and `>` as Slack's mrkdwn and plain text require.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A Slack user mention for `user` (`<@U123>`), or the text as is when it does not
/// look like a user id.
pub fn mention(user: &str) -> String {
    let is_id = !user.is_empty()
        && user.starts_with(['U', 'W'])
        && user
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if is_id {
        format!("<@{user}>")
    } else {
        escape(user)
    }
}

fn section(block_id: &str, text: String) -> Value {
    json!({ "type": "section", "block_id": block_id, "text": { "type": "mrkdwn", "text": text } })
}

fn context(block_id: &str, text: String) -> Value {
    json!({ "type": "context", "block_id": block_id, "elements": [ { "type": "mrkdwn", "text": text } ] })
}

fn header(block_id: &str, text: &str) -> Value {
    let mut t: String = text.chars().take(150).collect();
    if t.is_empty() {
        t.push(' ');
    }
    json!({ "type": "header", "block_id": block_id, "text": { "type": "plain_text", "text": t } })
}

fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A duration for people: `42s`, `3m 05s`, `2h 10m`.
pub fn duration(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    }
}
