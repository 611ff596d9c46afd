//! Versioned message envelopes for every command and event that crosses a queue:
//! `{"v": 1, "kind": "command.deploy", "execution_id": ..., "idempotency_key": ...,
//! "payload": {...}}`. Decoding names what is wrong: malformed JSON, a missing or
//! mistyped field, an unknown version or kind, a payload that does not fit its kind.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::execution::{Command, Event, EventBody, Execution, Route};
use crate::ids::ExecutionId;
use crate::span::Span;

/// The envelope version this crate writes and reads.
pub const ENVELOPE_VERSION: u64 = 1;

/// A message on a queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Envelope version.
    pub v: u64,
    /// `command.<name>` or `event.<name>`.
    pub kind: String,
    /// The execution it is about.
    pub execution_id: ExecutionId,
    /// Same key, same effect: the consumer's deduplication key.
    pub idempotency_key: String,
    /// The command's or event's fields.
    pub payload: Value,
}

/// A decoded envelope.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// A command to run (boxed: commands carry whole cluster and chart specs).
    Command(Box<Command>),
    /// An event to apply.
    Event(Event),
}

/// Why a message cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON at all.
    #[error("message is not valid JSON: {source}")]
    Malformed {
        /// The parser's error (with line and column).
        #[source]
        source: serde_json::Error,
    },
    /// JSON, but not an object.
    #[error("message is a JSON {found}, expected an object with v, kind, execution_id, idempotency_key and payload")]
    NotAnObject {
        /// What it is instead.
        found: &'static str,
    },
    /// A required field is absent.
    #[error("message has no {field:?} field")]
    MissingField {
        /// The field.
        field: &'static str,
    },
    /// A field has the wrong JSON type.
    #[error("message field {field:?} must be {expected}, found {found}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// A version this build does not read.
    #[error("message version v={v} is not supported (this build reads v={ENVELOPE_VERSION}); upgrade the consumer or resend as v={ENVELOPE_VERSION}")]
    UnsupportedVersion {
        /// The version found.
        v: u64,
    },
    /// A kind this build does not know.
    #[error("message kind {kind:?} is unknown: expected command.<name> or event.<name> with one of the names {known}")]
    UnknownKind {
        /// The kind found.
        kind: String,
        /// Known names, comma-separated.
        known: String,
    },
    /// The payload does not fit the kind.
    #[error("payload of {kind:?} is invalid: {source}")]
    BadPayload {
        /// The kind.
        kind: String,
        /// What serde found wrong (missing field, wrong type, unknown variant).
        #[source]
        source: serde_json::Error,
    },
}

impl Envelope {
    /// Wraps a command. `key` comes from [`Command::idempotency_key`].
    pub fn command(execution_id: &ExecutionId, key: String, command: &Command) -> Self {
        Self {
            v: ENVELOPE_VERSION,
            kind: format!("command.{}", command.name()),
            execution_id: execution_id.clone(),
            idempotency_key: key,
            payload: without_type(serde_json::to_value(command)),
        }
    }

    /// Wraps an event; its idempotency key is `<execution id>/<event key>`.
    pub fn event(execution_id: &ExecutionId, event: &Event) -> Self {
        Self {
            v: ENVELOPE_VERSION,
            kind: format!("event.{}", event.name()),
            execution_id: execution_id.clone(),
            idempotency_key: format!("{execution_id}/{}", event.key()),
            payload: without_type(serde_json::to_value(event)),
        }
    }

    /// The JSON text.
    pub fn to_json(&self) -> String {
        // Serializing plain data to a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads and checks an envelope: JSON object, every field with its type, a
    /// known version and kind. The payload is checked by [`Envelope::decode`].
    ///
    /// # Errors
    /// [`EnvelopeError`] naming what is wrong.
    pub fn from_json(text: &str) -> Result<Self, EnvelopeError> {
        let value: Value =
            serde_json::from_str(text).map_err(|source| EnvelopeError::Malformed { source })?;
        let Value::Object(mut obj) = value else {
            return Err(EnvelopeError::NotAnObject {
                found: json_type(&value),
            });
        };
        let v = match take(&mut obj, "v")? {
            Value::Number(n) => n.as_u64().ok_or(EnvelopeError::WrongType {
                field: "v",
                expected: "a positive whole number",
                found: "a number",
            })?,
            other => return Err(wrong("v", "a number", &other)),
        };
        if v != ENVELOPE_VERSION {
            return Err(EnvelopeError::UnsupportedVersion { v });
        }
        let kind = string(&mut obj, "kind")?;
        let execution_id = ExecutionId::from_string(string(&mut obj, "execution_id")?);
        let idempotency_key = string(&mut obj, "idempotency_key")?;
        let payload = take(&mut obj, "payload")?;
        if !payload.is_object() {
            return Err(wrong("payload", "an object", &payload));
        }
        if split_kind(&kind).is_none() {
            return Err(unknown_kind(&kind));
        }
        Ok(Self {
            v,
            kind,
            execution_id,
            idempotency_key,
            payload,
        })
    }

    /// The command or event inside.
    ///
    /// # Errors
    /// [`EnvelopeError::UnknownKind`] or [`EnvelopeError::BadPayload`].
    pub fn decode(&self) -> Result<Message, EnvelopeError> {
        let (is_command, name) = split_kind(&self.kind).ok_or_else(|| unknown_kind(&self.kind))?;
        let mut payload = self.payload.clone();
        if let Value::Object(obj) = &mut payload {
            obj.insert("type".to_string(), Value::String(name.to_string()));
        }
        let bad = |source| EnvelopeError::BadPayload {
            kind: self.kind.clone(),
            source,
        };
        if is_command {
            serde_json::from_value(payload)
                .map(Message::Command)
                .map_err(bad)
        } else {
            serde_json::from_value(payload)
                .map(Message::Event)
                .map_err(bad)
        }
    }

    /// SQS FIFO deduplication id: the sha256 of the idempotency key, in hex (64
    /// characters, within SQS's 128 and its character set whatever the key holds).
    pub fn dedup_id(&self) -> String {
        hex::encode(Sha256::digest(self.idempotency_key.as_bytes()))
    }
}

/// SQS FIFO message group id for an app's environment: deploys to one environment
/// never overlap, different environments and apps proceed in parallel.
pub fn fifo_group_id(app: &str, env: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let mut id = format!("{}.{}", clean(app), clean(env));
    id.truncate(128);
    id
}

/// A command ready for its queue.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    /// Which handler runs it.
    pub route: Route,
    /// FIFO group id (deployer commands: app + environment).
    pub group_id: Option<String>,
    /// FIFO deduplication id.
    pub dedup_id: String,
    /// How long the queue should hold it (capped at `max_delay`).
    pub delay: Span,
    /// The message.
    pub envelope: Envelope,
}

impl Command {
    /// The idempotency key of this command when it is the `index`-th command of
    /// step `seq` of `execution`. Commands with an identity of their own (a deploy
    /// to an environment, a given rollout check) are keyed by it, so the same
    /// request from two steps is still one message; others by their place.
    pub fn idempotency_key(&self, execution: &ExecutionId, seq: usize, index: usize) -> String {
        let tail = match self {
            Command::VerifyChart { .. } => "verify_chart".to_string(),
            Command::Deploy { env, .. } => format!("deploy/{env}"),
            Command::CheckRollout {
                env,
                revision,
                attempt,
                ..
            } => {
                format!("check_rollout/{env}/{revision}/{attempt}")
            }
            Command::RollBack { env, .. } => format!("roll_back/{env}"),
            Command::RequestApproval { request } => format!("request_approval/{}", request.env),
            Command::ScheduleTimer { env, timer, .. } => format!("timer/{env}/{}", timer.as_str()),
            Command::SupersedeExecution { id, .. } => format!("supersede/{id}"),
            Command::UpdateApproval { .. } | Command::Notify { .. } => {
                format!("{}/{seq}/{index}", self.name())
            }
        };
        format!("{execution}/{tail}")
    }
}

/// The execution's outbox (the commands of its last applied step) as messages,
/// with the delays they need at `now`.
pub fn outbox(
    execution: &Execution,
    now: chrono::DateTime<chrono::Utc>,
    max_delay: Span,
) -> Vec<Outgoing> {
    execution
        .outbox
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let envelope = Envelope::command(
                &execution.id,
                c.idempotency_key(&execution.id, execution.seq(), i),
                c,
            );
            let group_id = match (c.route(), c.env()) {
                (Route::Deployer, Some(env)) => Some(fifo_group_id(&execution.app, env)),
                _ => Some(execution.id.to_string()),
            };
            Outgoing {
                route: c.route(),
                group_id,
                dedup_id: envelope.dedup_id(),
                delay: c.delay(now, max_delay),
                envelope,
            }
        })
        .collect()
}

fn split_kind(kind: &str) -> Option<(bool, &str)> {
    if let Some(name) = kind.strip_prefix("command.") {
        Command::NAMES.contains(&name).then_some((true, name))
    } else if let Some(name) = kind.strip_prefix("event.") {
        EventBody::NAMES.contains(&name).then_some((false, name))
    } else {
        None
    }
}

fn unknown_kind(kind: &str) -> EnvelopeError {
    let known: Vec<String> = Command::NAMES
        .iter()
        .map(|n| format!("command.{n}"))
        .chain(EventBody::NAMES.iter().map(|n| format!("event.{n}")))
        .collect();
    EnvelopeError::UnknownKind {
        kind: kind.to_string(),
        known: known.join(", "),
    }
}

fn without_type(value: Result<Value, serde_json::Error>) -> Value {
    match value {
        Ok(Value::Object(mut obj)) => {
            obj.remove("type");
            Value::Object(obj)
        }
        Ok(other) => other,
        Err(_) => Value::Object(Map::new()),
    }
}

fn take(obj: &mut Map<String, Value>, field: &'static str) -> Result<Value, EnvelopeError> {
    obj.remove(field)
        .ok_or(EnvelopeError::MissingField { field })
}

fn string(obj: &mut Map<String, Value>, field: &'static str) -> Result<String, EnvelopeError> {
    match take(obj, field)? {
        Value::String(s) if !s.is_empty() => Ok(s),
        Value::String(_) => Err(EnvelopeError::WrongType {
            field,
            expected: "a non-empty string",
            found: "an empty string",
        }),
        other => Err(wrong(field, "a string", &other)),
    }
}

fn wrong(field: &'static str, expected: &'static str, found: &Value) -> EnvelopeError {
    EnvelopeError::WrongType {
        field,
        expected,
        found: json_type(found),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
