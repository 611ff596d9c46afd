//! Approvals and notices when no Slack token is configured: requests and notices go to
//! the function's log (CloudWatch), and decisions come from whatever enqueues them on
//! the approvals queue (`slack-interactions`, or an operator's tooling).

use lockgate_core::execution::{ApprovalRequest, ApprovalState, Notice};
use lockgate_core::ports::{async_trait, ApprovalHandle, Approvals, Notifier, PortError};

/// Writes notices to the log.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    async fn notify(&self, notice: &Notice) -> Result<(), PortError> {
        tracing::info!(
            app = %notice.app,
            env = notice.env.as_deref().unwrap_or(""),
            kind = ?notice.kind,
            severity = ?notice.severity,
            image = %notice.image,
            chart_version = %notice.chart_version,
            stage = "notify",
            "{}",
            notice.text
        );
        Ok(())
    }
}

/// Writes approval requests and their updates to the log.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogApprovals;

#[async_trait]
impl Approvals for LogApprovals {
    async fn request(&self, request: &ApprovalRequest) -> Result<ApprovalHandle, PortError> {
        tracing::warn!(
            execution_id = %request.execution_id,
            app = %request.app,
            env = %request.env,
            image = %request.image.reference(),
            quorum = request.quorum,
            stage = "approval",
            "approval needed (no Slack configured: enqueue a decision on the approvals queue)"
        );
        Ok(ApprovalHandle(format!(
            "log:{}:{}",
            request.execution_id, request.env
        )))
    }

    async fn update(
        &self,
        handle: &ApprovalHandle,
        state: &ApprovalState,
    ) -> Result<(), PortError> {
        tracing::info!(handle = %handle.0, state = ?state, stage = "approval", "approval updated");
        Ok(())
    }

    async fn groups_of(&self, _user: &str) -> Result<Vec<String>, PortError> {
        Ok(Vec::new())
    }
}
