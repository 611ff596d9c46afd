//! A Slack Web API client over HTTP (hyper; HTTPS with the process's rustls
//! provider): `chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.open`,
//! `usergroups.users.list`, `usergroups.list`, `auth.test`, and posts to an
//! interaction's `response_url`. A 429 waits for `Retry-After` (bounded); Slack's
//! error codes map to transient or permanent [`PortError`]s. The token is never logged.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lockgate_core::ports::PortError;
use serde_json::{json, Value};

use crate::blocks::SlackMessage;

/// Slack's Web API base URL.
pub const DEFAULT_API_URL: &str = "https://slack.com/api/";

/// Why a Slack call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The base URL or a response URL does not parse.
    #[error("Slack URL {url:?} is not a valid http(s) URL")]
    BadUrl {
        /// The URL.
        url: String,
    },
    /// The connection failed (DNS, TCP, TLS, timeout).
    #[error("{method}: cannot reach Slack: {source}")]
    Connect {
        /// The method called.
        method: String,
        /// The HTTP client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Slack kept answering 429 after the allowed retries.
    #[error("{method}: rate limited by Slack {attempts} times (Retry-After {retry_after}s)")]
    RateLimited {
        /// The method called.
        method: String,
        /// Attempts made.
        attempts: u32,
        /// The last Retry-After.
        retry_after: u64,
    },
    /// An HTTP status other than 200 and 429.
    #[error("{method}: Slack answered HTTP {status}")]
    Status {
        /// The method called.
        method: String,
        /// The status.
        status: u16,
    },
    /// The body is not Slack's JSON answer.
    #[error("{method}: Slack's answer is not JSON: {source}")]
    BadAnswer {
        /// The method called.
        method: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// Slack answered `ok: false`.
    #[error("{method}: Slack refused: {error}{hint}")]
    Api {
        /// The method called.
        method: String,
        /// Slack's error code (`channel_not_found`, `invalid_auth`, ...).
        error: String,
        /// What to do about it.
        hint: &'static str,
    },
}

impl ClientError {
    /// Whether a retry later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Connect { .. } | ClientError::RateLimited { .. } => true,
            ClientError::Status { status, .. } => *status >= 500,
            ClientError::Api { error, .. } => matches!(
                error.as_str(),
                "ratelimited"
                    | "internal_error"
                    | "fatal_error"
                    | "service_unavailable"
                    | "request_timeout"
            ),
            ClientError::BadUrl { .. } | ClientError::BadAnswer { .. } => false,
        }
    }

    /// Slack's error code, for `ok: false` answers.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// As a port error of `op`.
    pub fn into_port(self, op: impl Into<String>) -> PortError {
        if self.is_transient() {
            PortError::transient(op, self)
        } else {
            PortError::permanent(op, self)
        }
    }
}

fn hint(error: &str) -> &'static str {
    match error {
        "channel_not_found" => " (the channel id is wrong, or the app is not in it: invite the app or fix the channel in lockgate.yaml)",
        "not_in_channel" => " (invite the app to the channel)",
        "invalid_auth" | "not_authed" => " (the bot token is missing or wrong: check the Slack token secret)",
        "token_expired" | "token_revoked" => " (the bot token expired or was revoked: rotate it in the Slack token secret)",
        "account_inactive" => " (the app's user or workspace is deactivated: reinstall the app)",
        "invalid_blocks" => " (a rendered message breaks Block Kit rules: report this as a lockgate bug)",
        "expired_trigger_id" => " (the click is older than 3 seconds: click again)",
        _ => "",
    }
}

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// The Web API client.
#[derive(Clone)]
pub struct SlackClient {
    base: String,
    token: String,
    http: Client<Https, Full<Bytes>>,
    max_attempts: u32,
    max_wait: Duration,
    timeout: Duration,
}

impl std::fmt::Debug for SlackClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the token
        f.debug_struct("SlackClient")
            .field("base", &self.base)
            .finish()
    }
}

impl SlackClient {
    /// A client for the API at `base_url` (e.g. [`DEFAULT_API_URL`] or a loopback
    /// stand-in) with the bot `token`. HTTPS uses the process-level rustls provider
    /// when one is installed, aws-lc-rs otherwise.
    ///
    /// # Errors
    /// [`ClientError::BadUrl`] when the base URL is not http(s), or the system's
    /// root certificates cannot be read.
    pub fn new(base_url: &str, token: impl Into<String>) -> Result<Self, ClientError> {
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ClientError::BadUrl {
                url: base_url.to_string(),
            });
        }
        let mut base = base_url.to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|_| ClientError::BadUrl { url: base.clone() })?
            .https_or_http()
            .enable_http1()
            .build();
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Ok(Self {
            base,
            token: token.into(),
            http,
            max_attempts: 4,
            max_wait: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        })
    }

    /// Changes how often a 429 is retried and the longest `Retry-After` honoured.
    pub fn with_retries(mut self, max_attempts: u32, max_wait: Duration) -> Self {
        self.max_attempts = max_attempts.max(1);
        self.max_wait = max_wait;
        self
    }

    /// Changes how long one HTTP exchange may take (default 10 s; the interaction
    /// endpoint uses less, as Slack wants its answer within 3 seconds).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The API base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Calls `method` with a JSON body; returns Slack's answer when `ok` is true.
    ///
    /// # Errors
    /// [`ClientError`]: connection, HTTP status, rate limit after retries, or Slack's
    /// `ok: false` with its error code.
    pub async fn call(&self, method: &str, body: &Value) -> Result<Value, ClientError> {
        let url = format!("{}{method}", self.base);
        let bytes = Bytes::from(body.to_string());
        self.send(
            method,
            &url,
            Some("application/json; charset=utf-8"),
            bytes,
            true,
        )
        .await
    }

    /// Calls a read method with form-encoded arguments (Slack's read methods take
    /// no JSON).
    ///
    /// # Errors
    /// As [`SlackClient::call`].
    pub async fn call_form(
        &self,
        method: &str,
        args: &[(&str, &str)],
    ) -> Result<Value, ClientError> {
        let url = format!("{}{method}", self.base);
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(args)
            .finish();
        self.send(
            method,
            &url,
            Some("application/x-www-form-urlencoded"),
            Bytes::from(body),
            true,
        )
        .await
    }

    async fn send(
        &self,
        method: &str,
        url: &str,
        content_type: Option<&str>,
        body: Bytes,
        with_token: bool,
    ) -> Result<Value, ClientError> {
        let uri: hyper::Uri = url.parse().map_err(|_| ClientError::BadUrl {
            url: url.to_string(),
        })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = hyper::Request::builder()
                .method(Method::POST)
                .uri(uri.clone());
            if let Some(ct) = content_type {
                req = req.header(CONTENT_TYPE, ct);
            }
            if with_token {
                req = req.header(AUTHORIZATION, format!("Bearer {}", self.token));
            }
            let req = req
                .body(Full::new(body.clone()))
                .map_err(|e| ClientError::Connect {
                    method: method.to_string(),
                    source: e.into(),
                })?;
            let resp = tokio::time::timeout(self.timeout, self.http.request(req))
                .await
                .map_err(|e| ClientError::Connect {
                    method: method.to_string(),
                    source: e.into(),
                })?
                .map_err(|e| ClientError::Connect {
                    method: method.to_string(),
                    source: e.into(),
                })?;
            let status = resp.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let retry_after = resp
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(1);
                let wait = Duration::from_secs(retry_after);
                if attempt >= self.max_attempts || wait > self.max_wait {
                    return Err(ClientError::RateLimited {
                        method: method.to_string(),
                        attempts: attempt,
                        retry_after,
                    });
                }
                tracing::warn!(method, retry_after, attempt, "slack rate limited; waiting");
                tokio::time::sleep(wait).await;
                continue;
            }
            let bytes = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| ClientError::Connect {
                    method: method.to_string(),
                    source: e.into(),
                })?
                .to_bytes();
            if status != StatusCode::OK {
                return Err(ClientError::Status {
                    method: method.to_string(),
                    status: status.as_u16(),
                });
            }
            if !with_token && bytes.trim_ascii() == b"ok" {
                // response_url answers plain "ok"
                return Ok(json!({ "ok": true }));
            }
            let value: Value =
                serde_json::from_slice(&bytes).map_err(|source| ClientError::BadAnswer {
                    method: method.to_string(),
                    source,
                })?;
            if value["ok"].as_bool() == Some(true) {
                return Ok(value);
            }
            let error = value["error"]
                .as_str()
                .unwrap_or("unknown_error")
                .to_string();
            return Err(ClientError::Api {
                method: method.to_string(),
                hint: hint(&error),
                error,
            });
        }
    }

    /// Posts `message` to `channel` (in the thread `thread_ts` when given; also to
    /// the channel when `broadcast`); returns the message's `ts`.
    ///
    /// # Errors
    /// As [`SlackClient::call`].
    pub async fn post_message(
        &self,
        channel: &str,
        message: &SlackMessage,
        thread_ts: Option<&str>,
        broadcast: bool,
    ) -> Result<String, ClientError> {
        let mut body = message.to_fields();
        body["channel"] = json!(channel);
        if let Some(ts) = thread_ts {
            body["thread_ts"] = json!(ts);
            if broadcast {
                body["reply_broadcast"] = json!(true);
            }
        }
        let answer = self.call("chat.postMessage", &body).await?;
        Ok(answer["ts"].as_str().unwrap_or_default().to_string())
    }

    /// Replaces the message `ts` in `channel` with `message`.
    ///
    /// # Errors
    /// As [`SlackClient::call`].
    pub async fn update(
        &self,
        channel: &str,
        ts: &str,
        message: &SlackMessage,
    ) -> Result<(), ClientError> {
        let mut body = message.to_fields();
        body["channel"] = json!(channel);
        body["ts"] = json!(ts);
        self.call("chat.update", &body).await.map(|_| ())
    }

    /// Shows `text` to `user` only, in `channel`.
    ///
    /// # Errors
    /// As [`SlackClient::call`].
    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        text: &str,
    ) -> Result<(), ClientError> {
        let body = json!({ "channel": channel, "user": user, "text": text });
        self.call("chat.postEphemeral", &body).await.map(|_| ())
    }

    /// Opens `view` (a modal) for the interaction `trigger_id`.
    ///
    /// # Errors
    /// As [`SlackClient::call`].
    pub async fn open_view(&self, trigger_id: &str, view: &Value) -> Result<(), ClientError> {
        let body = json!({ "trigger_id": trigger_id, "view": view });
        self.call("views.open", &body).await.map(|_| ())
    }

    /// The user ids in user group `group`.
    ///
    /// # Errors
    /// As [`SlackClient::call`].
    pub async fn usergroup_members(&self, group: &str) -> Result<Vec<String>, ClientError> {
        let answer = self
            .call_form("usergroups.users.list", &[("usergroup", group)])
            .await?;
        Ok(strings(&answer["users"]))
    }

    /// The user groups `user` is a member of (`usergroups.list` with users).
    ///
    /// # Errors
    /// As [`SlackClient::call`].
    pub async fn groups_of(&self, user: &str) -> Result<Vec<String>, ClientError> {
        let answer = self
            .call_form("usergroups.list", &[("include_users", "true")])
            .await?;
        Ok(answer["usergroups"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|g| strings(&g["users"]).iter().any(|u| u == user))
            .filter_map(|g| g["id"].as_str().map(str::to_string))
            .collect())
    }

    /// Who the token belongs to (`auth.test`): checks the token at start-up.
    ///
    /// # Errors
    /// As [`SlackClient::call`].
    pub async fn auth_test(&self) -> Result<Value, ClientError> {
        self.call_form("auth.test", &[]).await
    }

    /// Posts `body` to an interaction's `response_url` (no token: the URL is the
    /// credential).
    ///
    /// # Errors
    /// As [`SlackClient::call`].
    pub async fn respond(&self, response_url: &str, body: &Value) -> Result<(), ClientError> {
        if !(response_url.starts_with("https://") || response_url.starts_with("http://")) {
            return Err(ClientError::BadUrl {
                url: response_url.to_string(),
            });
        }
        self.send(
            "response_url",
            response_url,
            Some("application/json; charset=utf-8"),
            Bytes::from(body.to_string()),
            false,
        )
        .await
        .map(|_| ())
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u.as_str().map(str::to_string))
        .collect()
}
