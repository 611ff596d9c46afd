//! [`Emulator`]: one Lambda execution environment on loopback. It serves the Runtime
//! API, runs one function process at a time, hands it events and collects the answers.

use std::ffi::{OsStr, OsString};
use std::hash::{BuildHasher, Hasher, RandomState};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::api::{self, Invocation, Shared, MAX_RESPONSE_BYTES};
use crate::error::{FunctionError, HarnessError};
use crate::process::{self, FunctionProcess, Logs};

/// Account id used in the function ARNs the emulator hands out.
const ACCOUNT_ID: &str = "123456789012";

/// Measurements of the current (or last) function process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunctionStats {
    /// Time from `exec` to the process's first `GET /invocation/next` (cold start).
    pub cold_start: Option<Duration>,
    /// Peak resident set size (`VmHWM`) in bytes, as last sampled: after each invocation
    /// and just before `kill`.
    pub peak_rss_bytes: Option<u64>,
    /// Events handed out through `invocation/next` since the emulator started.
    pub events_delivered: u64,
}

struct Slot {
    process: Option<FunctionProcess>,
    /// Pid and exec time of the last process spawned, kept after it is gone.
    last: Option<(u32, Instant)>,
    function_name: String,
    region: String,
    peak_rss_bytes: Option<u64>,
}

/// A Lambda Runtime API emulator on a loopback port it picked, driving one function
/// process at a time. Dropping it stops the server and kills the process.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
    slot: Mutex<Slot>,
    logs: Logs,
    sequence: AtomicU64,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
        // The process was started with kill_on_drop; dropping the slot ends it.
        self.slot().process.take();
    }
}

impl Emulator {
    /// Binds `127.0.0.1:0` and starts serving the Runtime API.
    ///
    /// # Errors
    /// [`HarnessError::Bind`] when no loopback port can be bound.
    pub async fn start() -> Result<Self, HarnessError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|source| HarnessError::Bind { source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| HarnessError::Bind { source })?;
        let shared = Shared::new();
        let server = api::serve(listener, Arc::clone(&shared));
        Ok(Self {
            addr,
            shared,
            server,
            slot: Mutex::new(Slot {
                process: None,
                last: None,
                function_name: String::new(),
                region: String::new(),
                peak_rss_bytes: None,
            }),
            logs: Logs::default(),
            sequence: AtomicU64::new(0),
        })
    }

    /// `host:port` of the Runtime API: the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn runtime_api(&self) -> String {
        self.addr.to_string()
    }

    /// Starts the function binary with a Lambda-like environment: the process environment
    /// is cleared (only `PATH` is kept), then `AWS_LAMBDA_RUNTIME_API`,
    /// `AWS_LAMBDA_FUNCTION_NAME` (the binary's file name), `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`
    /// (128), `AWS_LAMBDA_FUNCTION_VERSION`, `AWS_LAMBDA_LOG_GROUP_NAME`,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`, `_HANDLER`, `AWS_REGION`, `LAMBDA_TASK_ROOT` and
    /// `AWS_LAMBDA_INITIALIZATION_TYPE` are set, and `env` last, so it can override any of
    /// them. Returns without waiting for the function to be ready: see [`Self::wait_ready`].
    ///
    /// # Errors
    /// [`HarnessError::AlreadyRunning`] while a process runs; [`HarnessError::Spawn`]
    /// when the binary cannot be executed.
    pub fn spawn_function<I, K, V>(
        &self,
        binary: impl AsRef<Path>,
        env: I,
    ) -> Result<(), HarnessError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let binary = binary.as_ref();
        let mut slot = self.slot();
        if let Some(running) = slot.process.as_ref().filter(|p| p.exited().is_none()) {
            return Err(HarnessError::AlreadyRunning { pid: running.pid });
        }
        let user_env: Vec<(OsString, OsString)> = env
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
            .collect();
        let name = binary
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let task_root = binary
            .parent()
            .map(|p| p.as_os_str().to_owned())
            .unwrap_or_default();
        let mut full_env: Vec<(OsString, OsString)> = [
            ("AWS_LAMBDA_RUNTIME_API", OsString::from(self.runtime_api())),
            ("AWS_LAMBDA_FUNCTION_NAME", OsString::from(&name)),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", OsString::from("128")),
            ("AWS_LAMBDA_FUNCTION_VERSION", OsString::from("$LATEST")),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                OsString::from(format!("/aws/lambda/{name}")),
            ),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                OsString::from("emulator/[$LATEST]0"),
            ),
            (
                "AWS_LAMBDA_INITIALIZATION_TYPE",
                OsString::from("on-demand"),
            ),
            ("AWS_REGION", OsString::from("us-east-1")),
            ("_HANDLER", OsString::from("bootstrap")),
            ("LAMBDA_TASK_ROOT", task_root),
        ]
        .into_iter()
        .map(|(k, v)| (OsString::from(k), v))
        .collect();
        full_env.extend(user_env);
        let lookup = |key: &str| {
            full_env
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        slot.function_name = lookup("AWS_LAMBDA_FUNCTION_NAME");
        slot.region = lookup("AWS_REGION");
        slot.peak_rss_bytes = None;
        self.shared.reset_lifecycle();
        let process = FunctionProcess::spawn(binary, &full_env, &self.logs)?;
        slot.last = Some((process.pid, process.spawned_at));
        slot.process = Some(process);
        Ok(())
    }

    /// Waits until the process first calls `invocation/next` and returns the cold start
    /// (exec to that call).
    ///
    /// # Errors
    /// [`HarnessError::NotRunning`] without a process; [`HarnessError::Init`] when it
    /// posts to `init/error` or exits first; [`HarnessError::NotReady`] after `timeout`.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<Duration, HarnessError> {
        let (spawned_at, mut exit) = {
            let slot = self.slot();
            let process = slot.process.as_ref().ok_or(HarnessError::NotRunning)?;
            (process.spawned_at, process.exit.clone())
        };
        let mut lifecycle = self.shared.lifecycle();
        let ready = lifecycle.wait_for(|l| l.first_next.is_some() || l.init_error.is_some());
        let outcome = tokio::select! {
            life = ready => life.ok().map(|l| l.clone()),
            status = process::wait_exit(&mut exit) => {
                return Err(HarnessError::Init(FunctionError::Exited { status }));
            }
            _ = tokio::time::sleep(timeout) => return Err(HarnessError::NotReady { waited: timeout }),
        };
        match outcome {
            Some(life) => match (life.init_error, life.first_next) {
                (Some(error), _) => Err(HarnessError::Init(error)),
                (None, Some(at)) => Ok(at.saturating_duration_since(spawned_at)),
                (None, None) => Err(HarnessError::NotReady { waited: timeout }),
            },
            None => Err(HarnessError::NotRunning),
        }
    }

    /// Invokes the function with `event` and waits for its answer, as a synchronous
    /// `Invoke` would. Like Lambda, `timeout` runs from the moment the runtime takes the
    /// event (`invocation/next`), and on timeout the process is killed. Waiting for the
    /// runtime to take the event (it is initialising or busy with earlier events) is
    /// bounded by `timeout` too, and ends in [`FunctionError::NotPickedUp`] without a kill.
    ///
    /// # Errors
    /// A [`FunctionError`] saying why there is no response: handler error, init error,
    /// timeout, process exit, oversized or non-JSON response, or no process at all.
    pub async fn invoke(
        &self,
        event: &serde_json::Value,
        timeout: Duration,
    ) -> Result<serde_json::Value, FunctionError> {
        let body = serde_json::to_vec(event).map_err(|e| FunctionError::BadEvent(e.to_string()))?;
        let (mut exit, function_arn, pid) = {
            let slot = self.slot();
            let process = slot.process.as_ref().ok_or(FunctionError::NotRunning)?;
            let arn = format!(
                "arn:aws:lambda:{}:{ACCOUNT_ID}:function:{}",
                slot.region, slot.function_name
            );
            (process.exit.clone(), arn, process.pid)
        };
        if let Some(error) = self.shared.lifecycle().borrow().init_error.clone() {
            return Err(error);
        }
        let request_id = self.request_id();
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let mut rx = self.shared.enqueue(Invocation {
            request_id: request_id.clone(),
            body: body.into(),
            timeout,
            started: Some(started_tx),
            function_arn,
            trace_id: trace_id(),
        });
        // Like Lambda, the timeout runs from the start of the invocation (the runtime's
        // `next`), not from the queueing; waiting to be picked up is bounded separately.
        let picked_up = tokio::select! {
            picked = started => {
                if picked.is_ok() {
                    None
                } else {
                    // Dropped unstarted: the queue failed it (init error); rx holds why.
                    Some((&mut rx).await.unwrap_or(Err(FunctionError::NotRunning)))
                }
            }
            answer = &mut rx => Some(answer.unwrap_or(Err(FunctionError::NotRunning))),
            status = process::wait_exit(&mut exit) => Some(Err(FunctionError::Exited { status })),
            _ = tokio::time::sleep(timeout) => Some(Err(FunctionError::NotPickedUp { waited: timeout })),
        };
        let started_at = Instant::now();
        let outcome = match picked_up {
            Some(outcome) => outcome,
            None => tokio::select! {
                answer = &mut rx => answer.unwrap_or(Err(FunctionError::NotRunning)),
                status = process::wait_exit(&mut exit) => Err(FunctionError::Exited { status }),
                _ = tokio::time::sleep(timeout) => Err(FunctionError::Timeout { timeout }),
            },
        };
        self.shared.abandon(&request_id);
        tracing::debug!(request_id = %request_id, elapsed_ms = started_at.elapsed().as_millis() as u64, "invocation finished");
        if let Ok(rss) = process::peak_rss_bytes(pid) {
            self.record_rss(pid, rss);
        }
        if matches!(outcome, Err(FunctionError::Timeout { .. })) && self.pid() == Some(pid) {
            // Only the process that timed out; a test may have respawned meanwhile.
            self.kill().await;
        }
        let body = outcome?;
        serde_json::from_slice(&body).map_err(|e| FunctionError::ResponseNotJson {
            reason: e.to_string(),
            preview: String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        })
    }

    /// Kills the function process (SIGKILL) after sampling its peak RSS; returns its exit
    /// status, or `None` when no process was running. The emulator stays up: spawn again
    /// to get a fresh execution environment.
    pub async fn kill(&self) -> Option<String> {
        let process = self.slot().process.take()?;
        if let Ok(rss) = process::peak_rss_bytes(process.pid) {
            self.record_rss(process.pid, rss);
        }
        Some(process.kill().await)
    }

    /// The process id of the running function, if one is running.
    pub fn pid(&self) -> Option<u32> {
        self.slot()
            .process
            .as_ref()
            .filter(|p| p.exited().is_none())
            .map(|p| p.pid)
    }

    /// Cold start, peak RSS and delivered events of the current or last process.
    pub fn stats(&self) -> FunctionStats {
        let slot = self.slot();
        let cold_start = match (self.shared.lifecycle().borrow().first_next, slot.last) {
            (Some(first), Some((_, spawned_at))) => {
                Some(first.saturating_duration_since(spawned_at))
            }
            _ => None,
        };
        FunctionStats {
            cold_start,
            peak_rss_bytes: slot.peak_rss_bytes,
            events_delivered: self.shared.handed_out(),
        }
    }

    /// Samples the running process's peak RSS (`VmHWM`) now.
    ///
    /// # Errors
    /// [`HarnessError::NotRunning`] without a process; [`HarnessError::Proc`] when
    /// `/proc/<pid>/status` cannot be read.
    pub fn sample_peak_rss(&self) -> Result<u64, HarnessError> {
        let pid = self.pid().ok_or(HarnessError::NotRunning)?;
        let rss = process::peak_rss_bytes(pid)?;
        self.record_rss(pid, rss);
        Ok(rss)
    }

    /// Everything the function processes wrote to stdout and stderr so far, by line.
    pub fn logs(&self) -> String {
        self.logs.text()
    }

    /// Lambda's limit on a response body, which the emulator enforces.
    pub const MAX_RESPONSE_BYTES: usize = MAX_RESPONSE_BYTES;

    fn record_rss(&self, pid: u32, rss: u64) {
        let mut slot = self.slot();
        if slot.last.is_some_and(|(last, _)| last == pid) {
            slot.peak_rss_bytes = Some(slot.peak_rss_bytes.map_or(rss, |old| old.max(rss)));
        }
    }

    fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh request id shaped like Lambda's (a UUID).
    fn request_id(&self) -> String {
        let seq = self.sequence.fetch_add(1, Ordering::Relaxed);
        let a = random_u64();
        let b = random_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            a & 0xfff,
            b & 0xfff,
            ((b >> 16) ^ seq) & 0xffff_ffff_ffff
        )
    }
}

fn epoch_millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// An X-Ray trace header: `Root=1-<epoch seconds hex>-<96-bit id>;Parent=<64-bit>;Sampled=0`.
fn trace_id() -> String {
    let secs = epoch_millis(SystemTime::now()) / 1000;
    let hi = random_u64();
    let parent = random_u64();
    format!(
        "Root=1-{secs:08x}-{:08x}{:016x};Parent={parent:016x};Sampled=0",
        (hi >> 32) as u32,
        random_u64()
    )
}

/// Random bits from the standard library's per-process hash keys; ids, not secrets.
fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}
