//! The decisions before an execution opens: which app a push releases, whether its
//! tag may, where the image goes in the chart's values, and whether the scan
//! findings let it through.

use std::collections::BTreeMap;

use lockgate_core::config::{PushRefused, ScanPolicy, Severity};
use lockgate_core::ports::{ScanFindings, ScanStatus};
use lockgate_core::tag_policy::{AcceptedTag, TagRefused};
use lockgate_core::{Config, Digest, PinnedImage};

fn sample() -> Config {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/lockgate.yaml"
    ))
    .expect("sample");
    Config::from_yaml(&text).unwrap_or_else(|e| panic!("{e}"))
}

const REPO: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/podinfo";

#[test]
fn a_release_tag_of_a_configured_repository_is_admitted() {
    let config = sample();
    let admitted = config.admit_push(REPO, "6.5.0").expect("admitted");
    assert_eq!(admitted.app.name, "podinfo");
    assert_eq!(
        admitted.tag,
        AcceptedTag::Semver(semver::Version::new(6, 5, 0))
    );
}

#[test]
fn pushes_to_other_repositories_are_refused_naming_the_configured_ones() {
    let err = sample()
        .admit_push("registry.example.com/other", "1.0.0")
        .expect_err("unknown");
    assert!(matches!(err, PushRefused::UnknownRepository { .. }));
    assert!(err.to_string().contains(REPO), "{err}");
}

#[test]
fn tags_outside_the_apps_policy_are_refused_with_the_reason() {
    let config = sample();
    let err = config.admit_push(REPO, "latest").expect_err("mutable");
    assert_eq!(
        err,
        PushRefused::Tag {
            app: "podinfo".into(),
            source: TagRefused::Mutable {
                tag: "latest".into()
            }
        }
    );
    let err = config.admit_push(REPO, "5.9.0").expect_err("below range");
    assert!(
        err.to_string().starts_with(
            "app podinfo: tag \"5.9.0\" does not satisfy the semver >=6.0.0 tag policy"
        ),
        "{err}"
    );
}

#[test]
fn the_image_goes_to_the_configured_value_paths_with_its_digest() {
    let config = sample();
    let image = PinnedImage {
        repository: REPO.into(),
        tag: "6.5.0".into(),
        digest: Digest::of_bytes(b"manifest"),
    };
    let settings = config.apps[0].chart.image_values.settings(&image);
    assert_eq!(
        settings,
        [
            ("image.repository".to_string(), REPO.to_string()),
            ("image.tag".to_string(), "6.5.0".to_string()),
            ("image.digest".to_string(), image.digest.to_string()),
        ]
    );
}

#[test]
fn scan_findings_block_at_the_configured_severity() {
    let policy = ScanPolicy {
        block_at: Severity::High,
        require_result: true,
    };
    let counts = |pairs: &[(Severity, u32)]| pairs.iter().copied().collect::<BTreeMap<_, _>>();
    let clean = ScanFindings {
        status: ScanStatus::Complete,
        counts: counts(&[(Severity::Medium, 4), (Severity::High, 0)]),
    };
    assert!(clean.admit(&policy).is_ok());
    let blocked = ScanFindings {
        status: ScanStatus::Complete,
        counts: counts(&[
            (Severity::Low, 2),
            (Severity::High, 1),
            (Severity::Critical, 2),
        ]),
    };
    let err = blocked.admit(&policy).expect_err("blocked");
    assert_eq!(
        err,
        "the image scan found 1 high, 2 critical (releases are blocked at High and above)"
    );
    let pending = ScanFindings {
        status: ScanStatus::InProgress,
        counts: BTreeMap::new(),
    };
    assert!(pending
        .admit(&policy)
        .expect_err("pending")
        .contains("has not finished"));
    let lenient = ScanPolicy {
        require_result: false,
        ..policy
    };
    assert!(pending.admit(&lenient).is_ok());
    let none = ScanFindings {
        status: ScanStatus::Unavailable,
        counts: BTreeMap::new(),
    };
    assert!(none
        .admit(&policy)
        .expect_err("required")
        .contains("enable scan on push"));
}
