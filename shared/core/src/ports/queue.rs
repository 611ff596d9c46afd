//! The queue port: where commands and events go next.

use async_trait::async_trait;

use super::error::PortError;
use crate::envelope::Outgoing;

/// Sends messages to the handler named by their route: FIFO groups, deduplication
/// ids and delays as the [`Outgoing`] says. A delay longer than the queue allows is
/// the adapter's to split (send with the longest delay; the handler re-delays).
#[async_trait]
pub trait CommandQueue: Send + Sync {
    /// Sends one message.
    async fn send(&self, message: &Outgoing) -> Result<(), PortError>;
}
