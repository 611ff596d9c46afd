//! Notices as one line: an emoji for the severity, app and environment, the core's
//! text (revisions, reasons, durations) and the artifact in a context line.

use lockgate_core::execution::{Notice, NoticeKind, Severity};
use serde_json::json;

use super::{context, escape, SlackMessage};

/// The message for `notice`.
pub fn notice(n: &Notice) -> SlackMessage {
    let icon = match (n.severity, n.kind) {
        (_, NoticeKind::Succeeded | NoticeKind::StageSucceeded | NoticeKind::Approved) => {
            ":white_check_mark:"
        }
        (Severity::Error, _) => ":rotating_light:",
        (Severity::Warning, _) => ":warning:",
        (Severity::Info, _) => ":information_source:",
    };
    let place = match &n.env {
        Some(env) => format!("*{}* {}", escape(&n.app), escape(env)),
        None => format!("*{}*", escape(&n.app)),
    };
    let line = format!("{icon} {place}: {}", escape(&n.text));
    let line: String = line.chars().take(2900).collect();
    let mut facts = format!(
        "chart {} · image `{}`",
        escape(&n.chart_version),
        escape(&n.image)
    );
    if let Some(id) = &n.execution_id {
        facts.push_str(&format!(" · execution `{}`", escape(id.as_str())));
    }
    SlackMessage {
        text: format!("{} {}: {}", n.app, n.env.as_deref().unwrap_or(""), n.text),
        blocks: vec![
            json!({ "type": "section", "block_id": "lg_notice", "text": { "type": "mrkdwn", "text": line } }),
            context("lg_notice_facts", facts),
        ],
    }
}
