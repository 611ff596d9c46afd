//! The image registry port: tags to digests, and vulnerability scan findings.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::error::PortError;
use crate::config::{ScanPolicy, Severity};
use crate::ids::Digest;

/// Whether a scan has a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanStatus {
    /// Still scanning.
    InProgress,
    /// Finished: see the findings.
    Complete,
    /// No scan (not enabled, or failed).
    Unavailable,
}

/// A scan's result: number of findings per severity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanFindings {
    /// Whether there is a result.
    pub status: ScanStatus,
    /// Findings per severity.
    pub counts: BTreeMap<Severity, u32>,
}

impl ScanFindings {
    /// Whether `policy` lets the image through: `Ok` to release, `Err` with the
    /// reason otherwise (blocking findings, or no result when one is required).
    ///
    /// # Errors
    /// A message saying what blocks the release.
    pub fn admit(&self, policy: &ScanPolicy) -> Result<(), String> {
        match self.status {
            ScanStatus::Complete => {
                let blocking: Vec<String> = self
                    .counts
                    .iter()
                    .filter(|(sev, n)| **sev >= policy.block_at && **n > 0)
                    .map(|(sev, n)| format!("{n} {sev:?}").to_lowercase())
                    .collect();
                if blocking.is_empty() {
                    Ok(())
                } else {
                    Err(format!(
                        "the image scan found {} (releases are blocked at {:?} and above)",
                        blocking.join(", "),
                        policy.block_at
                    ))
                }
            }
            ScanStatus::InProgress if policy.require_result => {
                Err("the image scan has not finished: waiting for its result".to_string())
            }
            ScanStatus::Unavailable if policy.require_result => Err(
                "the image has no scan result and the app requires one: enable scan on push"
                    .to_string(),
            ),
            _ => Ok(()),
        }
    }
}

/// An OCI registry (ECR in AWS).
#[async_trait]
pub trait ImageRegistry: Send + Sync {
    /// The manifest digest `tag` points at now.
    ///
    /// # Errors
    /// A permanent [`PortError`] when the repository or tag does not exist.
    async fn resolve_tag(&self, repository: &str, tag: &str) -> Result<Digest, PortError>;
    /// The scan findings of the image `digest`.
    async fn scan_findings(
        &self,
        repository: &str,
        digest: &Digest,
    ) -> Result<ScanFindings, PortError>;
}
