//! Parsing Slack's interaction requests: a form body with one `payload` field holding
//! JSON, of type `block_actions` (our Approve/Reject buttons) or `view_submission`
//! (the reject-reason modal). Errors name what is missing or wrong.

use serde_json::Value;

use crate::blocks::{APPROVE_ACTION, REASON_ACTION, REASON_BLOCK, REJECT_ACTION, REJECT_MODAL};

/// What a person did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Interaction {
    /// Clicked Approve (after confirming).
    Approve(Click),
    /// Clicked Reject: a reason modal should open.
    Reject(Click),
    /// Submitted the reject-reason modal.
    RejectReason {
        /// Slack user id.
        user: String,
        /// The button value (from `private_metadata`).
        value: String,
        /// The reason typed.
        reason: String,
    },
}

/// A button click.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Click {
    /// Slack user id.
    pub user: String,
    /// The button value.
    pub value: String,
    /// For opening a modal (valid 3 seconds).
    pub trigger_id: Option<String>,
    /// Where to answer (ephemeral messages).
    pub response_url: Option<String>,
    /// The channel of the message.
    pub channel: Option<String>,
}

/// Why a request body is not an interaction we handle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// No `payload=` form field.
    #[error("request body has no payload form field (expected application/x-www-form-urlencoded with payload=<json>)")]
    NoPayload,
    /// The payload is not JSON.
    #[error("payload is not JSON: {0}")]
    NotJson(String),
    /// A field is missing or has the wrong type.
    #[error("payload has no {0}")]
    Missing(&'static str),
    /// An interaction type we do not handle.
    #[error("payload type {0:?} is not handled (expected block_actions or view_submission)")]
    Type(String),
    /// A button or modal that is not ours.
    #[error("{0} is not a lockgate approval control")]
    Unknown(String),
}

fn text<'a>(v: &'a Value, what: &'static str) -> Result<&'a str, PayloadError> {
    v.as_str()
        .filter(|s| !s.is_empty())
        .ok_or(PayloadError::Missing(what))
}

/// Parses a form-encoded interaction body.
///
/// # Errors
/// [`PayloadError`] naming what is missing or not ours.
pub fn parse(body: &[u8]) -> Result<Interaction, PayloadError> {
    let payload = form_urlencoded::parse(body)
        .find(|(k, _)| k == "payload")
        .map(|(_, v)| v.into_owned())
        .ok_or(PayloadError::NoPayload)?;
    let p: Value =
        serde_json::from_str(&payload).map_err(|e| PayloadError::NotJson(e.to_string()))?;
    let user = text(&p["user"]["id"], "user.id")?.to_string();
    match text(&p["type"], "type")? {
        "block_actions" => {
            let action = p["actions"]
                .as_array()
                .and_then(|a| a.first())
                .ok_or(PayloadError::Missing("actions[0]"))?;
            let action_id = text(&action["action_id"], "actions[0].action_id")?;
            let click = Click {
                user,
                value: text(&action["value"], "actions[0].value")?.to_string(),
                trigger_id: p["trigger_id"].as_str().map(str::to_string),
                response_url: p["response_url"].as_str().map(str::to_string),
                channel: p["channel"]["id"]
                    .as_str()
                    .or_else(|| p["container"]["channel_id"].as_str())
                    .map(str::to_string),
            };
            match action_id {
                APPROVE_ACTION => Ok(Interaction::Approve(click)),
                REJECT_ACTION => Ok(Interaction::Reject(click)),
                other => Err(PayloadError::Unknown(format!("action {other:?}"))),
            }
        }
        "view_submission" => {
            let view = &p["view"];
            let callback = text(&view["callback_id"], "view.callback_id")?;
            if callback != REJECT_MODAL {
                return Err(PayloadError::Unknown(format!("view {callback:?}")));
            }
            let value = text(&view["private_metadata"], "view.private_metadata")?.to_string();
            let reason = view["state"]["values"][REASON_BLOCK][REASON_ACTION]["value"]
                .as_str()
                .unwrap_or("")
                .trim()
                .to_string();
            Ok(Interaction::RejectReason {
                user,
                value,
                reason,
            })
        }
        other => Err(PayloadError::Type(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(json: &str) -> Vec<u8> {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", json)
            .finish()
            .into_bytes()
    }

    #[test]
    fn an_approve_click_is_read_with_its_reply_channels() {
        let body = form(
            r#"{"type":"block_actions","user":{"id":"U1"},"trigger_id":"t","response_url":"https://hooks.slack.com/x","channel":{"id":"C1"},"actions":[{"action_id":"lockgate_approve","value":"v"}]}"#,
        );
        let Ok(Interaction::Approve(c)) = parse(&body) else {
            panic!("not an approve: {:?}", parse(&body));
        };
        assert_eq!((c.user.as_str(), c.value.as_str()), ("U1", "v"));
        assert_eq!(c.channel.as_deref(), Some("C1"));
        assert_eq!(c.response_url.as_deref(), Some("https://hooks.slack.com/x"));
    }

    #[test]
    fn a_reason_submission_is_read_from_the_modal_state() {
        let body = form(
            r#"{"type":"view_submission","user":{"id":"U2"},"view":{"callback_id":"lockgate_reject_reason","private_metadata":"v","state":{"values":{"lockgate_reason":{"lockgate_reason_input":{"type":"plain_text_input","value":" not today "}}}}}}"#,
        );
        assert_eq!(
            parse(&body),
            Ok(Interaction::RejectReason {
                user: "U2".into(),
                value: "v".into(),
                reason: "not today".into()
            })
        );
    }

    #[test]
    fn malformed_bodies_say_what_is_wrong() {
        assert_eq!(parse(b"token=x"), Err(PayloadError::NoPayload));
        assert!(matches!(
            parse(&form("{nope")),
            Err(PayloadError::NotJson(_))
        ));
        assert_eq!(
            parse(&form(r#"{"type":"block_actions","actions":[]}"#)),
            Err(PayloadError::Missing("user.id"))
        );
        assert_eq!(
            parse(&form(
                r#"{"type":"block_actions","user":{"id":"U"},"actions":[]}"#
            )),
            Err(PayloadError::Missing("actions[0]"))
        );
        assert_eq!(
            parse(&form(r#"{"type":"shortcut","user":{"id":"U"}}"#)),
            Err(PayloadError::Type("shortcut".into()))
        );
        assert!(matches!(
            parse(&form(
                r#"{"type":"block_actions","user":{"id":"U"},"actions":[{"action_id":"other","value":"v"}]}"#
            )),
            Err(PayloadError::Unknown(_))
        ));
        assert_eq!(
            PayloadError::Missing("view.private_metadata").to_string(),
            "payload has no view.private_metadata"
        );
    }
}
