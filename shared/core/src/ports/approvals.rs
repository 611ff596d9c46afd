//! The approvals port: ask people, update the request, resolve group membership.

use async_trait::async_trait;

use super::error::PortError;
use crate::execution::{ApprovalRequest, ApprovalState};

/// Where a posted request lives (e.g. a Slack channel id and message ts), so it can
/// be updated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalHandle(pub String);

/// Where approvers decide (Slack in AWS; the terminal or a local page locally).
#[async_trait]
pub trait Approvals: Send + Sync {
    /// Posts the request; returns where it is.
    async fn request(&self, request: &ApprovalRequest) -> Result<ApprovalHandle, PortError>;
    /// Shows the request's new state where it was posted.
    async fn update(&self, handle: &ApprovalHandle, state: &ApprovalState)
        -> Result<(), PortError>;
    /// The user groups `user` belongs to (checked against the gate's groups).
    async fn groups_of(&self, user: &str) -> Result<Vec<String>, PortError>;
    /// Tells `user` privately about their decision on the request at `handle`
    /// ("superseded", "decided by X at T", "you triggered this release").
    /// Adapters without a private channel keep the default, which does nothing.
    async fn answer(
        &self,
        user: &str,
        handle: Option<&ApprovalHandle>,
        text: &str,
    ) -> Result<(), PortError> {
        let _ = (user, handle, text);
        Ok(())
    }
}
