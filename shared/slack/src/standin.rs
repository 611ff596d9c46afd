//! A loopback Slack Web API stand-in for tests (feature `standin`). It speaks the
//! methods lockgate calls, checks their shape as Slack would (a token, channel and
//! text present, Block Kit block and action ids, text limits, 50 blocks), records
//! every call, keeps posted messages and their updates, and plays faults: the next
//! N calls answer 429 with `Retry-After`, a channel that is not found, a dead token.
//! It also serves `response_url`s under `/response/<id>`.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::blocks::check_blocks;

/// The bot token the stand-in accepts.
pub const TOKEN: &str = "xoxb-standin-token";

/// One recorded call.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// Method (`chat.postMessage`), or `response_url` for posts to a response URL.
    pub method: String,
    /// Arguments (JSON body, or form fields as a JSON object).
    pub args: Value,
    /// What the stand-in answered: `ok`, or the error code (`ratelimited` for 429).
    pub outcome: String,
}

/// A message as the stand-in keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Posted {
    /// Channel id.
    pub channel: String,
    /// Its ts.
    pub ts: String,
    /// The thread it replies in, if any.
    pub thread_ts: Option<String>,
    /// Whether a reply was also broadcast to the channel.
    pub broadcast: bool,
    /// Current text.
    pub text: String,
    /// Current blocks.
    pub blocks: Value,
    /// How often it was updated.
    pub updates: u32,
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    messages: Vec<Posted>,
    groups: HashMap<String, Vec<String>>,
    missing_channels: HashSet<String>,
    rate_limit: u32,
    retry_after: u64,
    invalid_auth: bool,
    next_ts: u64,
}

/// The running stand-in; stops when dropped.
pub struct SlackStandin {
    addr: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for SlackStandin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackStandin")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for SlackStandin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SlackStandin {
    /// Starts on 127.0.0.1 on a free port.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            next_ts: 1_700_000_000_000_100,
            ..State::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let st = shared.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| serve(st.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(Self { addr, state, task })
    }

    /// The Web API base URL (`http://127.0.0.1:PORT/api/`).
    pub fn api_url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// A `response_url` for interaction `id`.
    pub fn response_url(&self, id: &str) -> String {
        format!("http://{}/response/{id}", self.addr)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.lock().calls.clone()
    }

    /// Calls of `method` so far.
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.lock()
            .calls
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// Messages posted so far (with their current content).
    pub fn messages(&self) -> Vec<Posted> {
        self.lock().messages.clone()
    }

    /// Sets the members of user group `group`.
    pub fn set_group(&self, group: &str, members: &[&str]) {
        self.lock().groups.insert(
            group.to_string(),
            members.iter().map(|m| (*m).to_string()).collect(),
        );
    }

    /// The next `n` calls answer 429 with `Retry-After: retry_after_secs`.
    pub fn rate_limit_next(&self, n: u32, retry_after_secs: u64) {
        let mut s = self.lock();
        s.rate_limit = n;
        s.retry_after = retry_after_secs;
    }

    /// Posts to `channel` answer `channel_not_found`.
    pub fn remove_channel(&self, channel: &str) {
        self.lock().missing_channels.insert(channel.to_string());
    }

    /// Every call answers `invalid_auth` (a revoked token) while `on`.
    pub fn set_invalid_auth(&self, on: bool) {
        self.lock().invalid_auth = on;
    }
}

async fn serve(
    state: Arc<Mutex<State>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    let token = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let form = req
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let args: Value = if form {
        Value::Object(
            form_urlencoded::parse(&body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        )
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(id) = path.strip_prefix("/response/") {
        let outcome = if args.is_object() {
            "ok"
        } else {
            "invalid_payload"
        };
        s.calls.push(Call {
            method: "response_url".to_string(),
            args: json!({ "id": id, "body": args }),
            outcome: outcome.to_string(),
        });
        return Ok(reply(StatusCode::OK, Bytes::from_static(b"ok"), None));
    }
    let Some(method) = path.strip_prefix("/api/").map(str::to_string) else {
        return Ok(reply(StatusCode::NOT_FOUND, Bytes::new(), None));
    };
    if s.rate_limit > 0 {
        s.rate_limit -= 1;
        let after = s.retry_after;
        s.calls.push(Call {
            method,
            args,
            outcome: "ratelimited".to_string(),
        });
        return Ok(reply(
            StatusCode::TOO_MANY_REQUESTS,
            Bytes::from(json!({"ok": false, "error": "ratelimited"}).to_string()),
            Some(after),
        ));
    }
    let answer = if token.as_deref().is_none_or(str::is_empty) {
        Err("not_authed".to_string())
    } else if s.invalid_auth || token.as_deref() != Some(TOKEN) {
        Err("invalid_auth".to_string())
    } else {
        handle(&mut s, &method, &args)
    };
    let (outcome, body) = match answer {
        Ok(mut v) => {
            v["ok"] = json!(true);
            ("ok".to_string(), v)
        }
        Err(e) => (e.clone(), json!({ "ok": false, "error": e })),
    };
    s.calls.push(Call {
        method,
        args,
        outcome,
    });
    Ok(reply(StatusCode::OK, Bytes::from(body.to_string()), None))
}

fn reply(status: StatusCode, body: Bytes, retry_after: Option<u64>) -> Response<Full<Bytes>> {
    let mut b = Response::builder()
        .status(status)
        .header(hyper::header::CONTENT_TYPE, "application/json");
    if let Some(secs) = retry_after {
        b = b.header(hyper::header::RETRY_AFTER, secs.to_string());
    }
    b.body(Full::new(body))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn text_ok(args: &Value) -> Result<(), String> {
    let text = args["text"].as_str().unwrap_or("");
    let blocks = args["blocks"].as_array();
    if text.is_empty() && blocks.is_none_or(Vec::is_empty) {
        return Err("no_text".to_string());
    }
    if text.chars().count() > 40_000 {
        return Err("msg_too_long".to_string());
    }
    if let Some(b) = blocks {
        check_blocks(b).map_err(|_| "invalid_blocks".to_string())?;
    }
    Ok(())
}

fn channel<'a>(s: &State, args: &'a Value) -> Result<&'a str, String> {
    let c = args["channel"].as_str().unwrap_or("");
    if c.is_empty() || s.missing_channels.contains(c) {
        return Err("channel_not_found".to_string());
    }
    Ok(c)
}

fn handle(s: &mut State, method: &str, args: &Value) -> Result<Value, String> {
    match method {
        "auth.test" => {
            Ok(json!({ "user_id": "U0LOCKGATE", "team_id": "T0STANDIN", "bot_id": "B0LOCKGATE" }))
        }
        "chat.postMessage" => {
            let c = channel(s, args)?.to_string();
            text_ok(args)?;
            let thread_ts = args["thread_ts"].as_str().map(str::to_string);
            if let Some(t) = &thread_ts {
                if !s.messages.iter().any(|m| m.channel == c && &m.ts == t) {
                    return Err("thread_not_found".to_string());
                }
            }
            s.next_ts += 1;
            let ts = format!("{}.{:06}", s.next_ts / 1_000_000, s.next_ts % 1_000_000);
            s.messages.push(Posted {
                channel: c.clone(),
                ts: ts.clone(),
                thread_ts,
                broadcast: args["reply_broadcast"].as_bool().unwrap_or(false),
                text: args["text"].as_str().unwrap_or("").to_string(),
                blocks: args["blocks"].clone(),
                updates: 0,
            });
            Ok(json!({ "channel": c, "ts": ts }))
        }
        "chat.update" => {
            let c = channel(s, args)?.to_string();
            text_ok(args)?;
            let ts = args["ts"].as_str().unwrap_or("");
            let m = s
                .messages
                .iter_mut()
                .find(|m| m.channel == c && m.ts == ts)
                .ok_or_else(|| "message_not_found".to_string())?;
            m.text = args["text"].as_str().unwrap_or("").to_string();
            m.blocks = args["blocks"].clone();
            m.updates += 1;
            Ok(json!({ "channel": c, "ts": ts }))
        }
        "chat.postEphemeral" => {
            channel(s, args)?;
            if args["user"].as_str().is_none_or(str::is_empty) {
                return Err("user_not_found".to_string());
            }
            text_ok(args)?;
            Ok(json!({ "message_ts": "0" }))
        }
        "views.open" => {
            if args["trigger_id"].as_str().is_none_or(str::is_empty) {
                return Err("invalid_trigger_id".to_string());
            }
            let view = &args["view"];
            if view["type"] != "modal" || view["callback_id"].as_str().is_none() {
                return Err("invalid_arguments".to_string());
            }
            let blocks = view["blocks"].as_array().cloned().unwrap_or_default();
            check_blocks(&blocks).map_err(|_| "invalid_blocks".to_string())?;
            if view["private_metadata"].as_str().map_or(0, str::len) > 3000 {
                return Err("invalid_arguments".to_string());
            }
            Ok(json!({ "view": { "id": "V0STANDIN" } }))
        }
        "usergroups.users.list" => {
            let g = args["usergroup"].as_str().unwrap_or("");
            let users = s
                .groups
                .get(g)
                .cloned()
                .ok_or_else(|| "no_such_subteam".to_string())?;
            Ok(json!({ "users": users }))
        }
        "usergroups.list" => {
            let groups: Vec<Value> = s
                .groups
                .iter()
                .map(|(id, users)| json!({ "id": id, "users": users }))
                .collect();
            Ok(json!({ "usergroups": groups }))
        }
        _ => Err("unknown_method".to_string()),
    }
}
