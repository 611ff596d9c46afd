//! [`EcrImageRegistry`]: tags to digests with `DescribeImages`, scan findings with
//! `DescribeImageScanFindings` (status and counts per severity).

use std::collections::BTreeMap;

use aws_sdk_ecr::types::ImageIdentifier;
use aws_sdk_ecr::Client;
use lockgate_core::config::Severity;
use lockgate_core::ids::Digest;
use lockgate_core::ports::{async_trait, ImageRegistry, PortError, ScanFindings, ScanStatus};

use crate::error::{failure_of, port_error};

/// An ECR registry.
#[derive(Clone, Debug)]
pub struct EcrImageRegistry {
    client: Client,
}

/// A repository as ECR's API names it: the registry (account) id when the input
/// carried one, and the repository name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepositoryRef {
    /// `123456789012` from `123456789012.dkr.ecr.eu-west-1.amazonaws.com/web`.
    pub registry_id: Option<String>,
    /// `web`, or `team/web`.
    pub name: String,
}

impl RepositoryRef {
    /// Reads a repository name (`web`, `team/web`) or a repository URI
    /// (`123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web`).
    pub fn parse(repository: &str) -> Self {
        if let Some((host, name)) = repository.split_once('/') {
            if host.contains(".dkr.ecr.") {
                let account = host.split('.').next().unwrap_or_default();
                return Self {
                    registry_id: Some(account.to_string()).filter(|a| !a.is_empty()),
                    name: name.to_string(),
                };
            }
        }
        Self {
            registry_id: None,
            name: repository.to_string(),
        }
    }
}

/// The scan status of ECR's `scan-status` / `ImageScanStatus.status` text.
pub fn scan_status(text: &str) -> ScanStatus {
    match text {
        "COMPLETE" | "ACTIVE" => ScanStatus::Complete,
        "IN_PROGRESS" | "PENDING" => ScanStatus::InProgress,
        // FAILED, UNSUPPORTED_IMAGE, FINDINGS_UNAVAILABLE, SCAN_ELIGIBILITY_EXPIRED,
        // LIMIT_EXCEEDED, IMAGE_ARCHIVED and whatever ECR adds: no result to gate on.
        _ => ScanStatus::Unavailable,
    }
}

/// Counts per severity from ECR's `SEVERITY -> count` map; `UNDEFINED` (and unknown
/// severities) are left out, negative counts read as zero.
pub fn severity_counts<'a>(
    counts: impl IntoIterator<Item = (&'a str, i64)>,
) -> BTreeMap<Severity, u32> {
    let mut out = BTreeMap::new();
    for (name, n) in counts {
        if let Some(sev) = Severity::parse(name) {
            let n = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
            *out.entry(sev).or_insert(0) += n;
        }
    }
    out
}

impl EcrImageRegistry {
    /// A registry through `client` (needs `ecr:DescribeImages` and
    /// `ecr:DescribeImageScanFindings` on the repositories).
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl ImageRegistry for EcrImageRegistry {
    async fn resolve_tag(&self, repository: &str, tag: &str) -> Result<Digest, PortError> {
        let repo = RepositoryRef::parse(repository);
        let op = format!("ecr describe-images {}:{tag}", repo.name);
        let out = self
            .client
            .describe_images()
            .set_registry_id(repo.registry_id.clone())
            .repository_name(&repo.name)
            .image_ids(ImageIdentifier::builder().image_tag(tag).build())
            .send()
            .await
            .map_err(|e| port_error(&op, e))?;
        let digest = out
            .image_details()
            .iter()
            .find_map(|d| d.image_digest())
            .ok_or_else(|| {
                PortError::permanent(
                    &op,
                    format!("ECR has no image tagged {tag} in {}", repo.name),
                )
            })?;
        Digest::parse(digest).map_err(|e| PortError::permanent(&op, e))
    }

    async fn scan_findings(
        &self,
        repository: &str,
        digest: &Digest,
    ) -> Result<ScanFindings, PortError> {
        let repo = RepositoryRef::parse(repository);
        let op = format!(
            "ecr describe-image-scan-findings {}@{}",
            repo.name,
            digest.as_str()
        );
        let result = self
            .client
            .describe_image_scan_findings()
            .set_registry_id(repo.registry_id.clone())
            .repository_name(&repo.name)
            .image_id(
                ImageIdentifier::builder()
                    .image_digest(digest.as_str())
                    .build(),
            )
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e) if failure_of(&e).is_code("ScanNotFoundException") => {
                return Ok(ScanFindings {
                    status: ScanStatus::Unavailable,
                    counts: BTreeMap::new(),
                });
            }
            Err(e) => return Err(port_error(&op, e)),
        };
        let status = out
            .image_scan_status()
            .and_then(|s| s.status())
            .map_or(ScanStatus::Unavailable, |s| scan_status(s.as_str()));
        let counts = out
            .image_scan_findings()
            .and_then(|f| f.finding_severity_counts())
            .map(|m| severity_counts(m.iter().map(|(k, v)| (k.as_str(), i64::from(*v)))))
            .unwrap_or_default();
        Ok(ScanFindings { status, counts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_uris_name_the_registry_and_the_repository() {
        let r = RepositoryRef::parse("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web");
        assert_eq!(r.registry_id.as_deref(), Some("123456789012"));
        assert_eq!(r.name, "team/web");
        let plain = RepositoryRef::parse("team/web");
        assert_eq!((plain.registry_id, plain.name.as_str()), (None, "team/web"));
    }

    #[test]
    fn scan_statuses_map_to_what_the_gate_needs() {
        assert_eq!(scan_status("COMPLETE"), ScanStatus::Complete);
        assert_eq!(scan_status("IN_PROGRESS"), ScanStatus::InProgress);
        assert_eq!(scan_status("FAILED"), ScanStatus::Unavailable);
        assert_eq!(scan_status("SOMETHING_NEW"), ScanStatus::Unavailable);
    }

    #[test]
    fn undefined_severities_are_left_out() {
        let c = severity_counts([("CRITICAL", 2), ("UNDEFINED", 5), ("LOW", -1)]);
        assert_eq!(c.get(&Severity::Critical), Some(&2));
        assert_eq!(c.get(&Severity::Low), Some(&0));
        assert_eq!(c.len(), 2);
    }
}
