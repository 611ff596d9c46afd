//! The `slack-interactions` endpoint as a function: verify Slack's signature (401,
//! nothing enqueued), parse (400), authorize the clicker against the gate of the
//! app and environment in the configuration (users, and user groups via
//! `usergroups.users.list`, cached), then enqueue a `DecisionRecorded` event for the
//! execution and answer at once. Reject opens a reason modal first. It never
//! deploys: the approvals handler applies the queued decision.

mod groups;
mod payload;

use std::sync::Arc;

use lockgate_core::config::Gate;
use lockgate_core::envelope::{Envelope, Outgoing};
use lockgate_core::execution::{Event, EventBody, Route, Verdict};
use lockgate_core::ports::{Clock, CommandQueue};
use lockgate_core::span::Span;
use lockgate_core::Config;
use serde_json::{json, Value};

pub use groups::GroupCache;
pub use payload::{parse, Click, Interaction, PayloadError};

use crate::blocks::{reject_modal, ButtonValue};
use crate::client::SlackClient;
use crate::verify::verify_request;

/// An HTTP request as the Function URL delivers it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Headers (names compared case-insensitively).
    pub headers: Vec<(String, String)>,
    /// The raw body (already base64-decoded).
    pub body: Vec<u8>,
}

/// Why a delivered request cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("request body is marked base64 but does not decode: {0}")]
pub struct BodyError(String);

impl Request {
    /// A request from a Function URL event's parts: headers, the body text and
    /// whether it is base64-encoded (Function URLs encode form bodies).
    ///
    /// # Errors
    /// [`BodyError`] when a base64 body does not decode.
    pub fn from_parts(
        headers: impl IntoIterator<Item = (String, String)>,
        body: Option<&str>,
        is_base64: bool,
    ) -> Result<Self, BodyError> {
        use base64::Engine as _;
        let body = match (body, is_base64) {
            (None, _) => Vec::new(),
            (Some(b), false) => b.as_bytes().to_vec(),
            (Some(b), true) => base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .map_err(|e| BodyError(e.to_string()))?,
        };
        Ok(Self {
            headers: headers.into_iter().collect(),
            body,
        })
    }

    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The answer to Slack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Body (JSON, or empty).
    pub body: String,
}

impl Response {
    /// The `Content-Type` of the body.
    pub fn content_type(&self) -> &'static str {
        if self.body.starts_with('{') {
            "application/json"
        } else {
            "text/plain; charset=utf-8"
        }
    }

    fn json(status: u16, v: &Value) -> Self {
        Self {
            status,
            body: v.to_string(),
        }
    }

    fn text(status: u16, t: impl Into<String>) -> Self {
        Self {
            status,
            body: t.into(),
        }
    }
}

/// What the endpoint needs.
pub struct InteractionDeps {
    /// The Slack app's signing secret.
    pub signing_secret: Vec<u8>,
    /// The configuration (gates).
    pub config: Arc<Config>,
    /// Where decisions go (the approvals queue).
    pub queue: Arc<dyn CommandQueue>,
    /// Slack, for modals and answers.
    pub slack: Arc<SlackClient>,
    /// Group membership, cached.
    pub groups: GroupCache,
    /// Time (verification window, event time).
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for InteractionDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the signing secret
        f.debug_struct("InteractionDeps").finish_non_exhaustive()
    }
}

/// The system clock (the endpoint checks request times against it).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

/// The decision id of `user`'s `verdict` at `env` of `execution`: the same click
/// twice is the same decision (and the same queue message).
pub fn decision_id(execution: &str, env: &str, user: &str, verdict: Verdict) -> String {
    let v = match verdict {
        Verdict::Approve => "approve",
        Verdict::Reject => "reject",
    };
    format!("slack/{execution}/{env}/{user}/{v}")
}

fn ephemeral(text: &str) -> Value {
    json!({ "response_type": "ephemeral", "replace_original": false, "text": text })
}

/// Handles one request from Slack.
pub async fn handle_request(req: &Request, deps: &InteractionDeps) -> Response {
    let now = deps.clock.now();
    if let Err(e) = verify_request(
        &deps.signing_secret,
        req.header("x-slack-request-timestamp"),
        req.header("x-slack-signature"),
        &req.body,
        now.timestamp(),
    ) {
        tracing::warn!(reason = %e, "slack request refused");
        return Response::text(401, e.to_string());
    }
    let interaction = match payload::parse(&req.body) {
        Ok(i) => i,
        Err(e) => return Response::text(400, e.to_string()),
    };
    let (user, value, verdict, reason, click) = match interaction {
        Interaction::Approve(c) => (
            c.user.clone(),
            c.value.clone(),
            Verdict::Approve,
            None,
            Some(c),
        ),
        Interaction::Reject(c) => (
            c.user.clone(),
            c.value.clone(),
            Verdict::Reject,
            None,
            Some(c),
        ),
        Interaction::RejectReason {
            user,
            value,
            reason,
        } => {
            if reason.is_empty() {
                return Response::json(
                    200,
                    &json!({ "response_action": "errors", "errors": { crate::blocks::REASON_BLOCK: "Say why: the reason goes into the audit trail." } }),
                );
            }
            (user, value, Verdict::Reject, Some(reason), None)
        }
    };
    let value = match ButtonValue::parse(&value) {
        Ok(v) => v,
        Err(e) => return Response::text(400, e.to_string()),
    };
    let gate = match gate_of(&deps.config, &value) {
        Ok(g) => g,
        Err(msg) => return answer(deps, click.as_ref(), &msg).await,
    };
    let groups = match authorize(deps, gate, &user).await {
        Ok(Some(groups)) => groups,
        Ok(None) => {
            tracing::info!(user = %user, execution_id = %value.execution_id, env = %value.env, "not an approver");
            let msg = format!(
                "You are not an approver of {} for {}: nothing was recorded. Ask someone on the gate's list.",
                value.env,
                value.app()
            );
            return answer(deps, click.as_ref(), &msg).await;
        }
        Err(msg) => return answer(deps, click.as_ref(), &msg).await,
    };
    // Reject button: ask for a reason first
    if let (Verdict::Reject, None, Some(c)) = (verdict, &reason, &click) {
        let Some(trigger) = c.trigger_id.as_deref() else {
            return Response::text(
                400,
                "payload has no trigger_id (needed to ask for a reason)",
            );
        };
        return match deps
            .slack
            .open_view(trigger, &reject_modal(&value.encode()))
            .await
        {
            Ok(()) => Response::text(200, ""),
            Err(e) => {
                tracing::warn!(error = %e, "cannot open the reject modal");
                answer(
                    deps,
                    click.as_ref(),
                    "Slack did not open the reason dialog; click Reject again.",
                )
                .await
            }
        };
    }
    let body = EventBody::DecisionRecorded {
        env: value.env.clone(),
        decision_id: decision_id(value.execution_id.as_str(), &value.env, &user, verdict),
        by: user.clone(),
        groups,
        verdict,
        reason,
        digest: Some(value.digest.clone()),
    };
    let envelope = Envelope::event(&value.execution_id, &Event::new(now, body));
    let out = Outgoing {
        route: Route::Approvals,
        group_id: Some(value.execution_id.to_string()),
        dedup_id: envelope.dedup_id(),
        delay: Span::from_secs(0),
        envelope,
    };
    if let Err(e) = deps.queue.send(&out).await {
        tracing::error!(error = %e, execution_id = %value.execution_id, "decision not enqueued");
        return answer(
            deps,
            click.as_ref(),
            "Your decision could not be recorded (queue unavailable); click again in a moment.",
        )
        .await;
    }
    tracing::info!(execution_id = %value.execution_id, env = %value.env, user = %user, verdict = ?verdict, "decision enqueued");
    match click {
        Some(_) => {
            let msg = format!(
                "Recorded: your approval of {} to {}. The message updates when the gate decides.",
                value.execution_id, value.env
            );
            answer(deps, click.as_ref(), &msg).await
        }
        // modal submission: close it
        None => Response::json(200, &json!({ "response_action": "clear" })),
    }
}

/// Answers the clicker: ephemeral in the body, and through the `response_url` when
/// there is one (Slack ignores bodies of block_actions answers).
async fn answer(deps: &InteractionDeps, click: Option<&Click>, text: &str) -> Response {
    let body = ephemeral(text);
    if let Some(url) = click.and_then(|c| c.response_url.as_deref()) {
        if let Err(e) = deps.slack.respond(url, &body).await {
            tracing::warn!(error = %e, "cannot answer through response_url");
        }
    }
    Response::json(200, &body)
}

fn gate_of<'a>(config: &'a Config, value: &ButtonValue) -> Result<&'a Gate, String> {
    let app = config
        .apps
        .iter()
        .find(|a| a.name == value.app())
        .ok_or_else(|| {
            format!(
                "App {} is not in lockgate's configuration any more: nothing was recorded.",
                value.app()
            )
        })?;
    app.environments
        .iter()
        .find(|e| e.name == value.env)
        .and_then(|e| e.gate.as_ref())
        .ok_or_else(|| {
            format!(
                "{} of {} has no approval gate now: nothing was recorded.",
                value.env, app.name
            )
        })
}

/// `Some(groups the user is in)` when `user` may decide at `gate`.
async fn authorize(
    deps: &InteractionDeps,
    gate: &Gate,
    user: &str,
) -> Result<Option<Vec<String>>, String> {
    let mut member_of = Vec::new();
    for g in &gate.groups {
        match deps.groups.members(g).await {
            Ok(users) if users.iter().any(|u| u == user) => member_of.push(g.clone()),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(group = %g, error = %e, "cannot read user group");
                if !gate.users.iter().any(|u| u == user) {
                    return Err("Could not check your user group membership with Slack; nothing was recorded. Click again in a moment.".to_string());
                }
            }
        }
    }
    Ok(gate.allows(user, &member_of).then_some(member_of))
}
