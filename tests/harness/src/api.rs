//! The Lambda Runtime API over HTTP/1.1 (hyper 1): `invocation/next` long-poll,
//! `invocation/{id}/response`, `invocation/{id}/error` and `init/error`, backed by the
//! shared invocation queue in [`Shared`].

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch, Notify};
use tokio::task::JoinSet;

use crate::error::FunctionError;

/// The API version prefix every Runtime API path starts with.
const PREFIX: &str = "/2018-06-01/runtime";
/// Lambda's limit on a synchronous response (6 MB).
pub(crate) const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;
/// Bodies are read up to this size; anything larger is refused without reading more.
const MAX_BODY_BYTES: usize = MAX_RESPONSE_BYTES + 1;

/// What became of one invocation: the response body, or why there is none.
pub(crate) type Outcome = Result<Bytes, FunctionError>;

/// One queued event with the headers `next` hands out alongside it.
pub(crate) struct Invocation {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: String,
    /// The event body.
    pub body: Bytes,
    /// The invocation's timeout; `Lambda-Runtime-Deadline-Ms` is hand-out time plus this.
    pub timeout: Duration,
    /// Told when `next` hands the event out (the invocation starts).
    pub started: Option<oneshot::Sender<()>>,
    /// `Lambda-Runtime-Invoked-Function-Arn`.
    pub function_arn: String,
    /// `Lambda-Runtime-Trace-Id`.
    pub trace_id: String,
}

/// Lifecycle of the current function process as the Runtime API saw it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lifecycle {
    /// When the process first called `invocation/next`.
    pub first_next: Option<Instant>,
    /// The diagnostic it posted to `init/error`, if any.
    pub init_error: Option<FunctionError>,
}

#[derive(Default)]
struct Queue {
    pending: VecDeque<(Invocation, oneshot::Sender<Outcome>)>,
    in_flight: HashMap<String, oneshot::Sender<Outcome>>,
    handed_out: u64,
}

/// State shared between the HTTP server and the [`crate::Emulator`].
pub(crate) struct Shared {
    queue: Mutex<Queue>,
    event_ready: Notify,
    lifecycle: watch::Sender<Lifecycle>,
}

impl Shared {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            queue: Mutex::new(Queue::default()),
            event_ready: Notify::new(),
            lifecycle: watch::Sender::new(Lifecycle::default()),
        })
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        // A poisoned lock only means another task panicked mid-update of plain data.
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues an event; the returned receiver resolves when the function answers.
    pub(crate) fn enqueue(&self, invocation: Invocation) -> oneshot::Receiver<Outcome> {
        let (tx, rx) = oneshot::channel();
        self.queue().pending.push_back((invocation, tx));
        self.event_ready.notify_one();
        rx
    }

    /// Forgets an invocation that timed out or whose process died.
    pub(crate) fn abandon(&self, request_id: &str) {
        let mut queue = self.queue();
        queue
            .pending
            .retain(|(inv, _)| inv.request_id != request_id);
        queue.in_flight.remove(request_id);
    }

    /// Starts a new process lifecycle (on spawn).
    pub(crate) fn reset_lifecycle(&self) {
        self.lifecycle.send_replace(Lifecycle::default());
    }

    /// Watches the lifecycle of the current process.
    pub(crate) fn lifecycle(&self) -> watch::Receiver<Lifecycle> {
        self.lifecycle.subscribe()
    }

    /// How many events `next` has handed out since the emulator started.
    pub(crate) fn handed_out(&self) -> u64 {
        self.queue().handed_out
    }

    /// Waits for the next event, moves it to the in-flight set and tells its invoker.
    async fn next_invocation(&self) -> Invocation {
        self.lifecycle.send_if_modified(|life| {
            if life.first_next.is_none() {
                life.first_next = Some(Instant::now());
                true
            } else {
                false
            }
        });
        loop {
            {
                let mut queue = self.queue();
                if let Some((mut inv, tx)) = queue.pending.pop_front() {
                    queue.in_flight.insert(inv.request_id.clone(), tx);
                    queue.handed_out += 1;
                    if let Some(started) = inv.started.take() {
                        let _ = started.send(());
                    }
                    return inv;
                }
            }
            self.event_ready.notified().await;
        }
    }

    /// Resolves an in-flight invocation; `false` when the id is unknown.
    fn complete(&self, request_id: &str, outcome: Outcome) -> bool {
        let Some(tx) = self.queue().in_flight.remove(request_id) else {
            return false;
        };
        // The invoker may have given up (timeout); that is not the runtime's concern.
        let _ = tx.send(outcome);
        true
    }

    /// Records an init error and fails everything queued or in flight with it.
    fn init_failed(&self, error: FunctionError) {
        self.lifecycle
            .send_modify(|life| life.init_error = Some(error.clone()));
        let mut queue = self.queue();
        for (_, tx) in queue.pending.drain(..) {
            let _ = tx.send(Err(error.clone()));
        }
        for (_, tx) in queue.in_flight.drain() {
            let _ = tx.send(Err(error.clone()));
        }
    }
}

/// Accepts connections until the returned task is aborted; aborting it also ends every
/// connection it serves.
pub(crate) fn serve(listener: TcpListener, shared: Arc<Shared>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            while connections.try_join_next().is_some() {}
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let shared = Arc::clone(&shared);
            connections.spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let shared = Arc::clone(&shared);
                    async move { Ok::<_, Infallible>(route(&shared, req).await) }
                });
                // A runtime that dies mid-request just drops its connection.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}

/// Dispatches one Runtime API request.
async fn route(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return error_response(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("no such path {path}"),
        );
    };
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    match (req.method(), segments.as_slice()) {
        (&Method::GET, ["invocation", "next"]) => next(shared).await,
        (&Method::POST, ["invocation", id, "response"]) => {
            let id = (*id).to_owned();
            match read_body(req).await {
                Ok(body) => response(shared, &id, body),
                Err(size) => too_large(shared, &id, size),
            }
        }
        (&Method::POST, ["invocation", id, "error"]) => {
            let id = (*id).to_owned();
            let header_type = error_type_header(&req);
            let body = read_body(req).await.unwrap_or_default();
            let (error_type, error_message) = parse_diagnostic(&body, header_type);
            let outcome = Err(FunctionError::Handled {
                error_type,
                error_message,
            });
            if shared.complete(&id, outcome) {
                accepted()
            } else {
                unknown_request(&id)
            }
        }
        (&Method::POST, ["init", "error"]) => {
            let header_type = error_type_header(&req);
            let body = read_body(req).await.unwrap_or_default();
            let (error_type, error_message) = parse_diagnostic(&body, header_type);
            shared.init_failed(FunctionError::InitFailed {
                error_type,
                error_message,
            });
            accepted()
        }
        (
            _,
            ["invocation", "next"] | ["invocation", _, "response" | "error"] | ["init", "error"],
        ) => error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!("{} is not allowed on {path}", req.method()),
        ),
        _ => error_response(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("no such path {path}"),
        ),
    }
}

async fn next(shared: &Shared) -> Response<Full<Bytes>> {
    let inv = shared.next_invocation().await;
    let mut builder = Response::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .header("Lambda-Runtime-Aws-Request-Id", &inv.request_id)
        .header(
            "Lambda-Runtime-Deadline-Ms",
            deadline_ms(inv.timeout).to_string(),
        )
        .header("Lambda-Runtime-Invoked-Function-Arn", &inv.function_arn);
    builder = builder.header("Lambda-Runtime-Trace-Id", &inv.trace_id);
    builder.body(Full::new(inv.body)).unwrap_or_else(|_| {
        error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ContainerError",
            "cannot build the next response",
        )
    })
}

/// Epoch milliseconds `timeout` from now.
fn deadline_ms(timeout: Duration) -> u64 {
    (SystemTime::now() + timeout)
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn response(shared: &Shared, id: &str, body: Bytes) -> Response<Full<Bytes>> {
    if shared.complete(id, Ok(body)) {
        accepted()
    } else {
        unknown_request(id)
    }
}

fn too_large(shared: &Shared, id: &str, size: usize) -> Response<Full<Bytes>> {
    shared.complete(id, Err(FunctionError::ResponseTooLarge { size }));
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        &format!("response of {size} bytes exceeds the {MAX_RESPONSE_BYTES} bytes allowed"),
    )
}

/// Reads a body up to the response limit; `Err(size)` when it is larger (size is a lower bound).
async fn read_body(req: Request<Incoming>) -> Result<Bytes, usize> {
    let declared = req
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = declared.filter(|len| *len > MAX_RESPONSE_BYTES) {
        return Err(len);
    }
    match Limited::new(req.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => {
            let bytes = collected.to_bytes();
            if bytes.len() > MAX_RESPONSE_BYTES {
                Err(bytes.len())
            } else {
                Ok(bytes)
            }
        }
        Err(_) => Err(MAX_BODY_BYTES),
    }
}

fn error_type_header(req: &Request<Incoming>) -> Option<String> {
    req.headers()
        .get("Lambda-Runtime-Function-Error-Type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Reads `{"errorType": .., "errorMessage": ..}`; tolerates a body that is not JSON.
fn parse_diagnostic(body: &[u8], header_type: Option<String>) -> (String, String) {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    let error_type = field("errorType")
        .or(header_type)
        .unwrap_or_else(|| "Unknown".to_owned());
    let error_message =
        field("errorMessage").unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    (error_type, error_message)
}

fn accepted() -> Response<Full<Bytes>> {
    json_response(StatusCode::ACCEPTED, serde_json::json!({ "status": "OK" }))
}

fn unknown_request(id: &str) -> Response<Full<Bytes>> {
    error_response(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        &format!("request id {id} is not an invocation in flight"),
    )
}

fn error_response(status: StatusCode, error_type: &str, message: &str) -> Response<Full<Bytes>> {
    json_response(
        status,
        serde_json::json!({ "errorType": error_type, "errorMessage": message }),
    )
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    resp
}
