//! The error every port returns for failures of the outside world.

use std::error::Error as StdError;

/// What the caller should do about a port failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortErrorKind {
    /// Retry later (throttling, 5xx, timeouts, connection resets).
    Transient,
    /// Retrying will not help (validation, not found, forbidden).
    Permanent,
    /// Someone else changed the thing first (409, 412): re-read and decide again.
    Conflict,
}

/// A failure at an adapter's edge, mapped once from the SDK's error.
#[derive(Debug, thiserror::Error)]
#[error("{op} failed ({kind:?}): {source}")]
pub struct PortError {
    /// Whether to retry.
    pub kind: PortErrorKind,
    /// The operation, e.g. `s3 put executions/web-1.json`.
    pub op: String,
    /// The adapter's error.
    #[source]
    pub source: Box<dyn StdError + Send + Sync>,
}

impl PortError {
    /// A failure of `op` of `kind`, caused by `source`.
    pub fn new(
        kind: PortErrorKind,
        op: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            op: op.into(),
            source: source.into(),
        }
    }

    /// A transient failure.
    pub fn transient(
        op: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self::new(PortErrorKind::Transient, op, source)
    }

    /// A permanent failure.
    pub fn permanent(
        op: impl Into<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        Self::new(PortErrorKind::Permanent, op, source)
    }

    /// Whether retrying may succeed.
    pub fn is_transient(&self) -> bool {
        self.kind == PortErrorKind::Transient
    }
}
