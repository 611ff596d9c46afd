//! The function process: started with a Lambda-like environment, its stdout and stderr
//! captured, its exit watched, and its peak resident set read from `/proc`.

use std::ffi::OsString;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;
use tokio::sync::{oneshot, watch};

use crate::error::HarnessError;

/// Captured output is kept up to this many bytes; older lines are dropped first.
const MAX_LOG_BYTES: usize = 4 * 1024 * 1024;

/// A running (or finished) function process.
pub(crate) struct FunctionProcess {
    /// OS process id.
    pub pid: u32,
    /// When `exec` returned.
    pub spawned_at: Instant,
    /// `Some(status)` once the process has exited.
    pub exit: watch::Receiver<Option<String>>,
    kill: Option<oneshot::Sender<()>>,
}

impl FunctionProcess {
    /// Starts `binary` with exactly `env` (plus `PATH`), output captured into `logs`.
    pub(crate) fn spawn(
        binary: &Path,
        env: &[(OsString, OsString)],
        logs: &Logs,
    ) -> Result<Self, HarnessError> {
        let mut command = Command::new(binary);
        command
            .env_clear()
            .envs(std::env::var_os("PATH").map(|p| (OsString::from("PATH"), p)))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let spawn_error = |source| HarnessError::Spawn {
            path: binary.to_path_buf(),
            source,
        };
        let mut child = command.spawn().map_err(spawn_error)?;
        let spawned_at = Instant::now();
        let pid = child
            .id()
            .ok_or_else(|| spawn_error(std::io::Error::other("the process exited at once")))?;
        if let Some(out) = child.stdout.take() {
            tokio::spawn(capture(out, logs.clone()));
        }
        if let Some(err) = child.stderr.take() {
            tokio::spawn(capture(err, logs.clone()));
        }
        let (exit_tx, exit) = watch::channel(None);
        let (kill, kill_rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let status = tokio::select! {
                status = child.wait() => status,
                _ = kill_rx => {
                    let _ = child.start_kill();
                    child.wait().await
                }
            };
            let text = match status {
                Ok(status) => status.to_string(),
                Err(e) => format!("unknown exit status: {e}"),
            };
            exit_tx.send_replace(Some(text));
        });
        Ok(Self {
            pid,
            spawned_at,
            exit,
            kill: Some(kill),
        })
    }

    /// The exit status if the process has already exited.
    pub(crate) fn exited(&self) -> Option<String> {
        self.exit.borrow().clone()
    }

    /// Sends SIGKILL and waits for the process to be reaped; returns its exit status.
    pub(crate) async fn kill(mut self) -> String {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
        wait_exit(&mut self.exit).await
    }
}

/// Waits until the watched process has exited and returns its status.
pub(crate) async fn wait_exit(exit: &mut watch::Receiver<Option<String>>) -> String {
    match exit.wait_for(Option::is_some).await {
        Ok(status) => status.clone().unwrap_or_default(),
        // The watcher task ended without a status: the runtime is shutting down.
        Err(_) => "unknown (watcher ended)".to_owned(),
    }
}

/// Peak resident set size (`VmHWM`) of a live process, in bytes.
pub(crate) fn peak_rss_bytes(pid: u32) -> Result<u64, HarnessError> {
    let proc_error = |source| HarnessError::Proc { pid, source };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(proc_error)?;
    parse_vm_hwm(&status)
        .ok_or_else(|| proc_error(std::io::Error::other("no VmHWM line in /proc/<pid>/status")))
}

/// Reads `VmHWM:   1234 kB` from the text of `/proc/<pid>/status`.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let mut fields = line["VmHWM:".len()..].split_whitespace();
    let value: u64 = fields.next()?.parse().ok()?;
    match fields.next() {
        Some("kB") => Some(value * 1024),
        _ => None,
    }
}

/// Captured stdout and stderr of every process an emulator has run, interleaved by line.
#[derive(Clone, Default)]
pub(crate) struct Logs(Arc<Mutex<String>>);

impl Logs {
    pub(crate) fn text(&self) -> String {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn push_line(&self, line: &str) {
        let mut text = self.0.lock().unwrap_or_else(|p| p.into_inner());
        text.push_str(line);
        text.push('\n');
        if text.len() > MAX_LOG_BYTES {
            let mut cut = text.len() - MAX_LOG_BYTES;
            while !text.is_char_boundary(cut) {
                cut += 1;
            }
            text.drain(..cut);
        }
    }
}

async fn capture(stream: impl AsyncRead + Unpin, logs: Logs) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        logs.push_line(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::parse_vm_hwm;

    #[test]
    fn vm_hwm_is_read_in_bytes() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmHWM:\t    3456 kB\nVmRSS:\t 3000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(3456 * 1024));
    }

    #[test]
    fn status_without_vm_hwm_gives_none() {
        assert_eq!(parse_vm_hwm("Name:\tkthreadd\nState:\tS\n"), None);
        assert_eq!(parse_vm_hwm("VmHWM:\t12 MB\n"), None);
    }
}
