//! Errors: [`SimError`] for starting the server, and [`ApiError`], a Kubernetes
//! `Status` failure as the API returns it (404 NotFound, 409 Conflict, 422 Invalid, ...).

use serde_json::{json, Value};

/// Why the simulated cluster could not start or write its files.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}; pick a free port or use port 0")]
    Bind {
        /// the address asked for
        addr: std::net::SocketAddr,
        /// the socket error
        #[source]
        source: std::io::Error,
    },
    /// Generating the TLS certificate authority or server certificate failed.
    #[error("cannot generate the TLS certificates: {0}")]
    Tls(String),
    /// The background runtime thread could not be started.
    #[error("cannot start the simulated cluster's runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The configuration is unusable.
    #[error("invalid simulated cluster configuration: {0}")]
    Config(String),
}

/// A failed API call, rendered as a Kubernetes `Status` object.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code
    pub code: u16,
    /// Kubernetes reason (`NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, ...)
    pub reason: &'static str,
    /// human-readable message
    pub message: String,
    /// `details` of the Status (name, group, kind, causes)
    pub details: Option<Value>,
    /// seconds for a `Retry-After` header (429)
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    fn with_details(mut self, group: &str, kind: &str, name: &str) -> Self {
        let mut d = json!({ "name": name, "kind": kind });
        if !group.is_empty() {
            d["group"] = json!(group);
        }
        self.details = Some(d);
        self
    }

    /// 404: `deployments.apps "x" not found`.
    pub fn not_found(group: &str, plural: &str, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{name}\" not found", group_resource(group, plural)),
        )
        .with_details(group, plural, name)
    }

    /// 409: the object already exists.
    pub fn already_exists(group: &str, plural: &str, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!(
                "{} \"{name}\" already exists",
                group_resource(group, plural)
            ),
        )
        .with_details(group, plural, name)
    }

    /// 409: the request's `resourceVersion` is stale.
    pub fn conflict(group: &str, plural: &str, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                group_resource(group, plural)
            ),
        )
        .with_details(group, plural, name)
    }

    /// 409: server-side apply conflicts with other field managers.
    pub fn apply_conflict(message: String, causes: Vec<Value>) -> Self {
        let mut e = Self::new(409, "Conflict", message);
        e.details = Some(json!({ "causes": causes }));
        e
    }

    /// 422: the object is invalid; `causes` are `(field, message)` pairs.
    pub fn invalid(group: &str, kind: &str, name: &str, causes: &[(String, String)]) -> Self {
        let gk = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let list: Vec<String> = causes.iter().map(|(f, m)| format!("{f}: {m}")).collect();
        let msg = if list.len() == 1 {
            format!("{gk} \"{name}\" is invalid: {}", list[0])
        } else {
            format!("{gk} \"{name}\" is invalid: [{}]", list.join(", "))
        };
        let mut e = Self::new(422, "Invalid", msg).with_details(group, kind, name);
        if let Some(d) = e.details.as_mut() {
            d["causes"] = causes
                .iter()
                .map(|(f, m)| json!({"reason": "FieldValueInvalid", "message": m, "field": f}))
                .collect();
        }
        e
    }

    /// 400: malformed request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// 401: missing or wrong bearer token.
    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    /// 405: verb not supported on this path.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    /// 410: the requested resourceVersion is older than the watch history kept.
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    /// 415: unsupported patch or body content type.
    pub fn unsupported_media(message: impl Into<String>) -> Self {
        Self::new(415, "UnsupportedMediaType", message)
    }

    /// 429: injected throttling.
    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            429,
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later",
        );
        e.retry_after = Some(retry_after);
        e.details = Some(json!({ "retryAfterSeconds": retry_after }));
        e
    }

    /// 500 (or another 5xx): injected or internal failure.
    pub fn internal(code: u16, message: impl Into<String>) -> Self {
        Self::new(code, "InternalError", message)
    }

    /// 404 for an unknown path.
    pub fn path_not_found(path: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("the server could not find the requested resource ({path})"),
        )
    }

    /// The `Status` object.
    pub fn to_status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            s["details"] = d.clone();
        }
        s
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

/// `deployments.apps` or `pods`.
pub fn group_resource(group: &str, plural: &str) -> String {
    if group.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}.{group}")
    }
}
