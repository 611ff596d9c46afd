//! Tag policy: mutable and malformed tags are refused with a reason whatever the
//! policy; semver ranges, git sha lengths and patterns decide the rest.

use lockgate_core::image::{ImageReference, PinnedImage};
use lockgate_core::tag_policy::{AcceptedTag, TagPolicy, TagRefused};
use lockgate_core::Digest;

fn semver(range: Option<&str>, allow_prerelease: bool) -> TagPolicy {
    TagPolicy::Semver {
        range: range.map(str::to_string),
        allow_prerelease,
    }
}

fn git_sha() -> TagPolicy {
    TagPolicy::GitSha {
        min_length: 7,
        max_length: 40,
    }
}

fn regex(pattern: &str) -> TagPolicy {
    TagPolicy::Regex {
        pattern: pattern.to_string(),
    }
}

fn every_policy() -> Vec<TagPolicy> {
    vec![semver(None, true), git_sha(), regex(".+"), regex("[a-z]+")]
}

#[test]
fn mutable_tags_are_refused_by_every_policy_with_the_reason() {
    for tag in [
        "latest", "stable", "main", "master", "LATEST", "Latest", "dev", "nightly", "edge",
    ] {
        for policy in every_policy() {
            let err = policy.check(tag).expect_err(tag);
            assert_eq!(
                err,
                TagRefused::Mutable {
                    tag: tag.to_string()
                },
                "{policy}"
            );
            let text = err.to_string();
            assert!(text.contains("mutable tag"), "{text}");
            assert!(text.contains(tag), "{text}");
        }
    }
}

#[test]
fn empty_tags_are_refused_as_untagged_pushes() {
    for tag in ["", " ", "\t"] {
        for policy in every_policy() {
            assert_eq!(
                policy.check(tag),
                Err(TagRefused::Empty),
                "{tag:?} {policy}"
            );
        }
    }
    assert!(TagRefused::Empty.to_string().contains("no tag"));
}

#[test]
fn digests_given_as_tags_are_refused() {
    let digest = format!("sha256:{}", "ab".repeat(32));
    for tag in [
        digest.clone(),
        format!("1.2.3@{digest}"),
        "sha256:abc".to_string(),
    ] {
        for policy in every_policy() {
            let err = policy.check(&tag).expect_err(&tag);
            assert!(matches!(err, TagRefused::Digest { .. }), "{tag}: {err}");
            assert!(err.to_string().contains("pins the digest"), "{err}");
        }
    }
}

#[test]
fn malformed_tags_are_refused() {
    for tag in [
        "-1.2.3",
        ".hidden",
        "has space",
        "slash/tag",
        "colon:tag",
        &"a".repeat(129),
    ] {
        let err = semver(None, false).check(tag).expect_err(tag);
        assert!(matches!(err, TagRefused::Malformed { .. }), "{tag}: {err}");
    }
    assert!(
        regex(".+").check(&"a".repeat(128)).is_ok(),
        "128 characters is the OCI limit"
    );
}

#[test]
fn semver_accepts_versions_with_or_without_v() {
    let policy = semver(None, false);
    assert_eq!(
        policy.check("1.4.2"),
        Ok(AcceptedTag::Semver(semver::Version::new(1, 4, 2)))
    );
    assert_eq!(
        policy.check("v1.4.2"),
        Ok(AcceptedTag::Semver(semver::Version::new(1, 4, 2)))
    );
    // OCI tags cannot hold '+', so SemVer build metadata never reaches the policy.
    let err = policy.check("1.4.2+build.7").expect_err("plus sign");
    assert!(matches!(err, TagRefused::Malformed { .. }), "{err}");
}

#[test]
fn semver_refuses_partial_versions_and_names() {
    let policy = semver(None, true);
    for tag in ["1.4", "1", "release-1.4.2", "01.2.3", "1.2.3.4", "3f2a9c1"] {
        let err = policy.check(tag).expect_err(tag);
        assert!(matches!(err, TagRefused::Policy { .. }), "{tag}: {err}");
        assert!(err.to_string().contains("not a semantic version"), "{err}");
    }
}

#[test]
fn semver_prereleases_need_allow_prerelease() {
    let err = semver(None, false)
        .check("2.0.0-rc.1")
        .expect_err("pre-release");
    assert!(err.to_string().contains("pre-release"), "{err}");
    assert!(semver(None, true).check("2.0.0-rc.1").is_ok());
}

#[test]
fn semver_ranges_bound_versions() {
    let policy = semver(Some(">=1.2.0, <2"), true);
    for ok in ["1.2.0", "1.9.9", "v1.10.0", "1.5.0-beta.1"] {
        assert!(policy.check(ok).is_ok(), "{ok}");
    }
    for bad in ["1.1.9", "2.0.0", "2.0.0-rc.1", "0.9.0"] {
        let err = policy.check(bad).expect_err(bad);
        assert!(
            err.to_string().contains("is outside >=1.2.0, <2"),
            "{bad}: {err}"
        );
    }
    let caret = semver(Some("^6.5"), false);
    assert!(caret.check("6.7.1").is_ok());
    assert!(caret.check("7.0.0").is_err());
    let tilde = semver(Some("~6.5"), false);
    assert!(tilde.check("6.5.9").is_ok());
    assert!(tilde.check("6.6.0").is_err());
}

#[test]
fn git_sha_lengths_are_bounded() {
    let policy = git_sha();
    let full = "3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39";
    assert_eq!(full.len(), 40);
    for ok in ["3f2a9c1", "3f2a9c1e8b7d", full] {
        assert_eq!(
            policy.check(ok),
            Ok(AcceptedTag::GitSha(ok.to_string())),
            "{ok}"
        );
    }
    let short = policy.check("3f2a9c").expect_err("6 characters");
    assert!(
        short
            .to_string()
            .contains("6 characters; a git sha here has 7 to 40"),
        "{short}"
    );
    assert!(policy.check(&format!("{full}0")).is_err(), "41 characters");
    let upper = policy.check("3F2A9C1").expect_err("uppercase");
    assert!(upper.to_string().contains("lowercase hex"), "{upper}");
    assert!(policy.check("3f2a9g1").is_err(), "g is not hex");

    let sha256_repos = TagPolicy::GitSha {
        min_length: 12,
        max_length: 64,
    };
    assert!(sha256_repos.check(&"a1".repeat(32)).is_ok());
    assert!(sha256_repos.check("3f2a9c1e8b7").is_err(), "11 < 12");
}

#[test]
fn regex_patterns_must_match_the_whole_tag() {
    let policy = regex(r"release-\d+");
    assert_eq!(
        policy.check("release-42"),
        Ok(AcceptedTag::Pattern("release-42".to_string()))
    );
    for bad in ["release-42-hotfix", "pre-release-42", "release-"] {
        let err = policy.check(bad).expect_err(bad);
        assert!(
            err.to_string().contains(r"does not match release-\d+"),
            "{err}"
        );
    }
    let alternation = regex("v1|v2");
    assert!(alternation.check("v1").is_ok());
    assert!(
        alternation.check("v12").is_err(),
        "alternation is anchored as a whole"
    );
}

#[test]
fn policy_settings_are_validated() {
    assert!(semver(Some(">=1.0"), false).validate().is_ok());
    assert!(semver(Some("banana"), false).validate().is_err());
    assert!(git_sha().validate().is_ok());
    let short = TagPolicy::GitSha {
        min_length: 4,
        max_length: 40,
    };
    assert!(short.validate().unwrap_err().contains("too short"));
    let inverted = TagPolicy::GitSha {
        min_length: 12,
        max_length: 8,
    };
    assert!(inverted.validate().is_err());
    assert!(regex("v[0-9+")
        .validate()
        .unwrap_err()
        .contains("unclosed character class"));
    let permissive = regex("[a-z]+").validate().unwrap_err();
    assert!(
        permissive.contains("matches the mutable tag \"latest\""),
        "{permissive}"
    );
    assert!(regex(r"v\d+\.\d+\.\d+").validate().is_ok());
}

#[test]
fn pinned_images_deploy_by_digest() {
    let digest = Digest::of_bytes(b"manifest");
    let image = PinnedImage {
        repository: "registry.example.com:5000/team/web".to_string(),
        tag: "1.4.2".to_string(),
        digest: digest.clone(),
    };
    let reference = image.reference();
    assert_eq!(
        reference,
        format!("registry.example.com:5000/team/web:1.4.2@{digest}")
    );
    let parsed = ImageReference::parse(&reference).expect("parses");
    assert_eq!(parsed.repository, "registry.example.com:5000/team/web");
    assert_eq!(parsed.tag.as_deref(), Some("1.4.2"));
    assert_eq!(parsed.digest, Some(digest));
}

#[test]
fn image_references_parse_ports_tags_and_digests() {
    let r = ImageReference::parse("localhost:5000/web").expect("parses");
    assert_eq!(
        (r.repository.as_str(), r.tag, r.digest),
        ("localhost:5000/web", None, None)
    );
    let r = ImageReference::parse("web:6.5.0").expect("parses");
    assert_eq!(
        (r.repository.as_str(), r.tag.as_deref()),
        ("web", Some("6.5.0"))
    );
    assert!(ImageReference::parse("web@sha256:short").is_err());
    assert!(ImageReference::parse(":1.0").is_err());
}
