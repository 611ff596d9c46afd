//! `EcrImageRegistry` on moto's ECR: tags resolve to the manifest digest, scan
//! findings map to status and counts per severity.

use lockgate_aws::EcrImageRegistry;
use lockgate_core::config::{ScanPolicy, Severity};
use lockgate_core::ids::Digest;
use lockgate_core::ports::{ImageRegistry, PortErrorKind, ScanStatus};

use crate::server::{Moto, MotoSdk};

const MANIFEST: &str = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,"digest":"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":32654,"digest":"sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"}]}"#;

async fn pushed(moto: &Moto) -> (aws_sdk_ecr::Client, Digest) {
    let ecr = lockgate_aws::ecr_client(&moto.sdk_config());
    ecr.create_repository()
        .repository_name("team/web")
        .send()
        .await
        .unwrap();
    // moto computes digests its own way unless told: pass the manifest's sha256, as
    // ECR reports it.
    let digest = Digest::of_bytes(MANIFEST.as_bytes());
    ecr.put_image()
        .repository_name("team/web")
        .image_manifest(MANIFEST)
        .image_tag("1.4.2")
        .image_digest(digest.as_str())
        .send()
        .await
        .unwrap();
    (ecr, digest)
}

#[tokio::test]
async fn tags_resolve_to_the_manifest_digest() {
    let moto = Moto::start();
    let (ecr, digest) = pushed(&moto).await;
    let registry = EcrImageRegistry::new(ecr);
    assert_eq!(
        registry.resolve_tag("team/web", "1.4.2").await.unwrap(),
        digest
    );
    assert_eq!(
        registry
            .resolve_tag(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/web",
                "1.4.2"
            )
            .await
            .unwrap(),
        digest,
        "a repository URI names the same repository"
    );
    let missing = registry.resolve_tag("team/web", "9.9.9").await.unwrap_err();
    assert_eq!(missing.kind, PortErrorKind::Permanent, "{missing}");
    assert!(missing.to_string().contains("ImageNotFound"), "{missing}");
    let no_repo = registry.resolve_tag("team/api", "1.0.0").await.unwrap_err();
    assert_eq!(no_repo.kind, PortErrorKind::Permanent);
    assert!(
        no_repo.to_string().contains("RepositoryNotFound"),
        "{no_repo}"
    );
}

#[tokio::test]
async fn scan_findings_gate_the_release() {
    let moto = Moto::start();
    let (ecr, digest) = pushed(&moto).await;
    let registry = EcrImageRegistry::new(ecr.clone());
    let before = registry.scan_findings("team/web", &digest).await.unwrap();
    assert_eq!(before.status, ScanStatus::Unavailable, "no scan yet");
    assert!(before.counts.is_empty());

    moto.post_moto_api(
        "/moto-api/static/ecr/scan-finding-results",
        &serde_json::json!({
            "region": "us-east-1",
            "results": [{
                "registryId": "123456789012",
                "repositoryName": "team/web",
                "imageId": {"imageDigest": digest.as_str()},
                "imageScanStatus": {"status": "COMPLETE", "description": "done"},
                "imageScanFindings": {
                    "findingSeverityCounts": {"CRITICAL": 2, "MEDIUM": 3, "UNDEFINED": 1}
                }
            }]
        })
        .to_string(),
    );
    ecr.start_image_scan()
        .repository_name("team/web")
        .image_id(
            aws_sdk_ecr::types::ImageIdentifier::builder()
                .image_digest(digest.as_str())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let after = registry.scan_findings("team/web", &digest).await.unwrap();
    assert_eq!(after.status, ScanStatus::Complete);
    assert_eq!(after.counts.get(&Severity::Critical), Some(&2));
    assert_eq!(after.counts.get(&Severity::Medium), Some(&3));
    assert_eq!(after.counts.len(), 2, "UNDEFINED is left out");
    let gate = ScanPolicy {
        block_at: Severity::High,
        require_result: true,
    };
    let refused = after.admit(&gate).unwrap_err();
    assert!(refused.contains("2 critical"), "{refused}");
    let medium_findings_only = lockgate_core::ports::ScanFindings {
        counts: after
            .counts
            .iter()
            .filter(|(s, _)| **s < Severity::High)
            .map(|(s, n)| (*s, *n))
            .collect(),
        ..after.clone()
    };
    assert!(medium_findings_only.admit(&gate).is_ok());
}
