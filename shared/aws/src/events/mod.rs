//! Parsing of the events AWS delivers, as pure functions: EventBridge "ECR Image
//! Action" and "ECR Image Scan" events ([`parse_ecr_event`]) and S3 notifications
//! delivered through SQS ([`parse_s3_notification`]). An event that is well formed
//! but not for us (a delete, a failed push, `s3:TestEvent`) is [`Parsed::Ignored`]
//! with the reason; a malformed one is an [`EventError`] naming the field and what is
//! wrong with it (a permanent failure: retrying cannot fix it).

mod ecr;
mod s3;

use serde_json::{Map, Value};

pub use ecr::{
    parse_ecr_event, parse_ecr_event_value, EcrEvent, EventMeta, ImagePushed, ImageScanned,
};
pub use s3::{decode_key, parse_s3_notification, ObjectCreated};

/// A parsed event, or why it is of no interest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed<T> {
    /// An event to act on.
    Event(T),
    /// A well-formed event to skip (acknowledge without acting).
    Ignored {
        /// Why, for the log.
        reason: String,
    },
}

impl<T> Parsed<T> {
    /// The event, if it is one to act on.
    pub fn event(self) -> Option<T> {
        match self {
            Parsed::Event(e) => Some(e),
            Parsed::Ignored { .. } => None,
        }
    }

    fn ignored(reason: impl Into<String>) -> Self {
        Parsed::Ignored {
            reason: reason.into(),
        }
    }
}

/// Why an event cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// Not JSON.
    #[error("{event} is not valid JSON: {source}")]
    Malformed {
        /// What was being read (`EventBridge event`, `S3 notification`).
        event: &'static str,
        /// The parser's error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A required field is absent (or null).
    #[error("{event} has no {path}")]
    MissingField {
        /// What was being read.
        event: &'static str,
        /// The field's path, e.g. `detail.image-digest`.
        path: String,
    },
    /// A field has the wrong JSON type.
    #[error("{event}: {path} must be {expected}, found {found}")]
    WrongType {
        /// What was being read.
        event: &'static str,
        /// The field's path.
        path: String,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// A field has a value that cannot be right.
    #[error("{event}: {path} is {value:?}: {reason}")]
    InvalidValue {
        /// What was being read.
        event: &'static str,
        /// The field's path.
        path: String,
        /// The value.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An event from another service than the one this parser reads.
    #[error(
        "{event}: source is {found:?}, expected {expected:?}: route only {expected} events here"
    )]
    WrongSource {
        /// What was being read.
        event: &'static str,
        /// The source found.
        found: String,
        /// The source expected.
        expected: &'static str,
    },
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

/// Parses `text` as JSON for `event`.
fn parse_json(event: &'static str, text: &str) -> Result<Value, EventError> {
    serde_json::from_str(text).map_err(|source| EventError::Malformed { event, source })
}

/// A JSON object being read, with its path for messages.
#[derive(Clone)]
struct Obj<'a> {
    event: &'static str,
    path: String,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    /// The document `value`, which must be an object.
    fn root(event: &'static str, value: &'a Value) -> Result<Self, EventError> {
        match value {
            Value::Object(map) => Ok(Self {
                event,
                path: String::new(),
                map,
            }),
            other => Err(EventError::WrongType {
                event,
                path: "the document".to_string(),
                expected: "an object",
                found: json_type(other),
            }),
        }
    }

    fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    /// The field `name`; null counts as absent.
    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn missing(&self, name: &str) -> EventError {
        EventError::MissingField {
            event: self.event,
            path: self.path_of(name),
        }
    }

    fn wrong(&self, name: &str, expected: &'static str, found: &Value) -> EventError {
        EventError::WrongType {
            event: self.event,
            path: self.path_of(name),
            expected,
            found: json_type(found),
        }
    }

    /// An invalid-value error for the field `name`.
    fn invalid(&self, name: &str, value: &str, reason: impl Into<String>) -> EventError {
        EventError::InvalidValue {
            event: self.event,
            path: self.path_of(name),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    fn opt_str(&self, name: &str) -> Result<Option<&'a str>, EventError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(name, "a string", other)),
        }
    }

    /// A required, non-empty string.
    fn str(&self, name: &str) -> Result<&'a str, EventError> {
        match self.opt_str(name)? {
            Some("") => Err(self.invalid(name, "", "it must not be empty")),
            Some(s) => Ok(s),
            None => Err(self.missing(name)),
        }
    }

    fn opt_u64(&self, name: &str) -> Result<Option<u64>, EventError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.invalid(name, &n.to_string(), "expected a whole number ≥ 0")),
            Some(other) => Err(self.wrong(name, "a number", other)),
        }
    }

    /// The object field `name`.
    fn obj(&self, name: &str) -> Result<Obj<'a>, EventError> {
        match self.get(name) {
            Some(Value::Object(map)) => Ok(Obj {
                event: self.event,
                path: self.path_of(name),
                map,
            }),
            Some(other) => Err(self.wrong(name, "an object", other)),
            None => Err(self.missing(name)),
        }
    }

    fn opt_array(&self, name: &str) -> Result<Option<&'a Vec<Value>>, EventError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.wrong(name, "an array", other)),
        }
    }
}
