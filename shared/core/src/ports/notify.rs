//! The notification port.

use async_trait::async_trait;

use super::error::PortError;
use crate::execution::Notice;

/// Sends notices to their channels (a Slack thread per execution; the log locally).
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Sends `notice` to each of its channels.
    async fn notify(&self, notice: &Notice) -> Result<(), PortError>;
}
