//! Local stand-ins for the outside world: the system clock, a registry that pins tags to
//! digests without a network, approvals answered on the terminal (or automatically, or
//! later with `lockgate approve`), and a notifier that keeps the timeline.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use lockgate_core::execution::{ApprovalRequest, ApprovalState, Notice};
use lockgate_core::ids::Digest;
use lockgate_core::ports::{
    async_trait, ApprovalHandle, Approvals, Clock, ImageRegistry, Notifier, PortError,
    ScanFindings, ScanStatus,
};

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A registry for local runs: a tag's digest is the one given with the push, else a
/// stable digest of `repository:tag` (there is no registry to ask); no scan results.
#[derive(Debug, Clone, Default)]
pub struct LocalRegistry;

impl LocalRegistry {
    /// The digest a local push without `--digest` gets.
    pub fn digest_for(repository: &str, tag: &str) -> Digest {
        Digest::of_bytes(format!("{repository}:{tag}").as_bytes())
    }
}

#[async_trait]
impl ImageRegistry for LocalRegistry {
    async fn resolve_tag(&self, repository: &str, tag: &str) -> Result<Digest, PortError> {
        Ok(Self::digest_for(repository, tag))
    }

    async fn scan_findings(
        &self,
        _repository: &str,
        _digest: &Digest,
    ) -> Result<ScanFindings, PortError> {
        Ok(ScanFindings {
            status: ScanStatus::Unavailable,
            counts: Default::default(),
        })
    }
}

/// One line of the timeline.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    /// when
    pub at: DateTime<Utc>,
    /// the notice
    pub notice: Notice,
}

/// Keeps every notice; optionally prints each as it comes.
#[derive(Debug, Clone, Default)]
pub struct TimelineNotifier {
    entries: Arc<Mutex<Vec<TimelineEntry>>>,
    print: bool,
    started: Option<DateTime<Utc>>,
}

impl TimelineNotifier {
    /// `print`: write each notice to stdout as `+12.3s  [env] text`.
    pub fn new(print: bool) -> TimelineNotifier {
        TimelineNotifier {
            entries: Arc::default(),
            print,
            started: Some(Utc::now()),
        }
    }

    /// Everything notified so far.
    pub fn entries(&self) -> Vec<TimelineEntry> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[async_trait]
impl Notifier for TimelineNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), PortError> {
        let at = Utc::now();
        if self.print {
            let since = (at - self.started.unwrap_or(at)).num_milliseconds() as f64 / 1000.0;
            let env = notice
                .env
                .as_deref()
                .map(|e| format!("[{e}] "))
                .unwrap_or_default();
            use std::io::IsTerminal as _;
            // clear a progress line the caller may have drawn
            let clear = if std::io::stdout().is_terminal() {
                "\r\x1b[2K"
            } else {
                ""
            };
            println!("{clear}  +{since:6.1}s  {env}{}", notice.text);
        }
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(TimelineEntry {
                at,
                notice: notice.clone(),
            });
        Ok(())
    }
}

/// How local approvals are answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalMode {
    /// approve at once, as the gate's first approver
    Auto,
    /// ask on the terminal
    Prompt,
    /// wait for `lockgate approve` / `lockgate reject`
    External,
}

/// A request waiting for a decision.
#[derive(Debug, Clone)]
pub struct PendingApproval {
    /// the request
    pub request: ApprovalRequest,
}

/// Approvals for local runs: requests are queued for the runtime to answer (by mode).
#[derive(Debug, Clone)]
pub struct LocalApprovals {
    /// the mode
    pub mode: ApprovalMode,
    pending: Arc<Mutex<Vec<PendingApproval>>>,
}

impl LocalApprovals {
    /// Approvals answered by `mode`.
    pub fn new(mode: ApprovalMode) -> LocalApprovals {
        LocalApprovals {
            mode,
            pending: Arc::default(),
        }
    }

    /// Takes the requests made since the last call.
    pub fn take_pending(&self) -> Vec<PendingApproval> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait]
impl Approvals for LocalApprovals {
    async fn request(&self, request: &ApprovalRequest) -> Result<ApprovalHandle, PortError> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(PendingApproval {
                request: request.clone(),
            });
        Ok(ApprovalHandle(format!(
            "local:{}:{}",
            request.execution_id, request.env
        )))
    }

    async fn update(
        &self,
        handle: &ApprovalHandle,
        state: &ApprovalState,
    ) -> Result<(), PortError> {
        tracing::info!(handle = %handle.0, state = ?state, "approval updated");
        Ok(())
    }

    async fn groups_of(&self, _user: &str) -> Result<Vec<String>, PortError> {
        Ok(Vec::new())
    }
}
