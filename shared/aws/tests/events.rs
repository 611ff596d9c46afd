//! Event parsing on fixtures shaped like the AWS documentation's examples: ECR Image
//! Action and Image Scan events as EventBridge delivers them to a Lambda, and S3
//! notifications inside the SQS events Lambda receives. Malformed ones fail with a
//! message naming the field.

use std::path::PathBuf;

use lockgate_aws::events::{
    parse_ecr_event, parse_ecr_event_value, parse_s3_notification, EcrEvent, EventError,
    ObjectCreated, Parsed,
};
use lockgate_core::config::Severity;
use lockgate_core::ports::ScanStatus;

fn fixture(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The SQS message bodies of a Lambda SQS event fixture.
fn sqs_bodies(path: &str) -> Vec<String> {
    let event: serde_json::Value = serde_json::from_str(&fixture(path)).unwrap();
    event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap().to_string())
        .collect()
}

fn ecr(path: &str) -> Parsed<EcrEvent> {
    parse_ecr_event(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ecr_error(path: &str) -> String {
    match parse_ecr_event(&fixture(path)) {
        Err(e) => e.to_string(),
        Ok(p) => panic!("{path} parsed: {p:?}"),
    }
}

fn s3(path: &str) -> Vec<Parsed<ObjectCreated>> {
    let bodies = sqs_bodies(path);
    assert_eq!(bodies.len(), 1);
    parse_s3_notification(&bodies[0]).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn s3_error(path: &str) -> EventError {
    let bodies = sqs_bodies(path);
    match parse_s3_notification(&bodies[0]) {
        Err(e) => e,
        Ok(p) => panic!("{path} parsed: {p:?}"),
    }
}

fn ignored_reason<T: std::fmt::Debug>(p: Parsed<T>) -> String {
    match p {
        Parsed::Ignored { reason } => reason,
        Parsed::Event(e) => panic!("expected ignored, got {e:?}"),
    }
}

#[test]
fn a_successful_push_yields_repository_digest_and_tag() {
    let Parsed::Event(EcrEvent::ImagePushed(push)) = ecr("ecr/image-action-push.json") else {
        panic!("not a push");
    };
    assert_eq!(push.repository_name, "my-repository-name");
    assert_eq!(push.image_tag, "1.4.2");
    assert_eq!(
        push.image_digest.as_str(),
        "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378abcd12345678"
    );
    assert_eq!(push.meta.id, "13cde686-328b-6117-af20-0e5566167482");
    assert_eq!(
        push.repository_uri(),
        "123456789012.dkr.ecr.us-west-2.amazonaws.com/my-repository-name"
    );
}

#[test]
fn an_event_already_read_as_json_parses_the_same() {
    let text = fixture("ecr/image-action-push.json");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        parse_ecr_event_value(&value).unwrap(),
        parse_ecr_event(&text).unwrap()
    );
    let e = parse_ecr_event_value(&serde_json::json!(["not", "an", "event"])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "EventBridge event: the document must be an object, found an array"
    );
}

#[test]
fn deletes_failures_untagged_pushes_and_other_ecr_events_are_ignored_with_a_reason() {
    let r = ignored_reason(ecr("ecr/image-action-delete.json"));
    assert!(r.contains("DELETE") && r.contains("not a push"), "{r}");
    let r = ignored_reason(ecr("ecr/image-action-failure.json"));
    assert!(r.contains("FAILURE"), "{r}");
    let r = ignored_reason(ecr("ecr/image-action-untagged.json"));
    assert!(r.contains("no tag"), "{r}");
    let r = ignored_reason(ecr("ecr/pull-through-cache.json"));
    assert!(r.contains("ECR Pull Through Cache Action"), "{r}");
}

#[test]
fn a_scan_yields_status_and_counts_per_severity() {
    let Parsed::Event(EcrEvent::ImageScanned(scan)) = ecr("ecr/image-scan-complete.json") else {
        panic!("not a scan");
    };
    assert_eq!(scan.repository_name, "my-repository-name");
    assert_eq!(scan.findings.status, ScanStatus::Complete);
    assert_eq!(scan.findings.counts.get(&Severity::Critical), Some(&10));
    assert_eq!(scan.findings.counts.get(&Severity::Medium), Some(&9));
    assert!(scan.image_tags.is_empty());

    let Parsed::Event(EcrEvent::ImageScanned(clean)) = ecr("ecr/image-scan-clean.json") else {
        panic!("not a scan");
    };
    assert!(clean.findings.counts.is_empty());
    assert_eq!(clean.image_tags, vec!["1.4.2", "stable"]);
}

#[test]
fn malformed_ecr_events_name_what_is_wrong() {
    let e = ecr_error("ecr/malformed-short-digest.json");
    assert!(e.contains("detail.image-digest"), "{e}");
    assert!(e.contains("64 lowercase hex"), "{e}");
    let e = ecr_error("ecr/malformed-missing-repository.json");
    assert_eq!(e, "EventBridge event has no detail.repository-name");
    let e = ecr_error("ecr/malformed-tag-not-string.json");
    assert_eq!(
        e,
        "EventBridge event: detail.image-tag must be a string, found a number"
    );
    let e = ecr_error("ecr/malformed-wrong-source.json");
    assert!(
        e.contains("\"aws.s3\"") && e.contains("route only aws.ecr"),
        "{e}"
    );
    let e = ecr_error("ecr/malformed-no-detail.json");
    assert_eq!(e, "EventBridge event has no detail");
    let e = ecr_error("ecr/malformed-scan-count.json");
    assert!(e.contains("detail.finding-severity-counts.CRITICAL"), "{e}");
    let e = ecr_error("ecr/malformed-truncated.json");
    assert!(e.starts_with("EventBridge event is not valid JSON"), "{e}");
}

#[test]
fn an_s3_put_through_sqs_yields_the_decoded_key() {
    let parsed = s3("s3/sqs-put.json");
    let [Parsed::Event(created)] = parsed.as_slice() else {
        panic!("{parsed:?}");
    };
    assert_eq!(created.event_name, "ObjectCreated:Put");
    assert_eq!(created.bucket, "amzn-s3-demo-bucket");
    assert_eq!(created.key, "stable/web app-1.2.0.tgz", "'+' is a space");
    assert_eq!(created.size, Some(1024));
    assert_eq!(created.sequencer.as_deref(), Some("0055AED6DCD90281E5"));
}

#[test]
fn keys_with_encoded_slashes_decode_like_aws_keys() {
    let parsed = s3("s3/sqs-put-moto-encoded.json");
    let [Parsed::Event(created)] = parsed.as_slice() else {
        panic!("{parsed:?}");
    };
    assert_eq!(created.key, "stable/web+app café-1.2.0.tgz");
}

#[test]
fn put_and_complete_multipart_upload_yield_the_same_key() {
    let put = s3("s3/sqs-put.json").remove(0).event().unwrap();
    let multipart = s3("s3/sqs-complete-multipart-upload.json")
        .remove(0)
        .event()
        .unwrap();
    assert_eq!(
        multipart.event_name,
        "ObjectCreated:CompleteMultipartUpload"
    );
    assert_eq!((put.bucket, put.key), (multipart.bucket, multipart.key));
}

#[test]
fn test_events_and_removals_are_ignored_with_a_reason() {
    let parsed = s3("s3/sqs-test-event.json");
    let [Parsed::Ignored { reason }] = parsed.as_slice() else {
        panic!("{parsed:?}");
    };
    assert!(
        reason.contains("s3:TestEvent") && reason.contains("amzn-s3-demo-bucket"),
        "{reason}"
    );
    let r = ignored_reason(s3("s3/sqs-object-removed.json").remove(0));
    assert!(r.contains("ObjectRemoved:Delete"), "{r}");
}

#[test]
fn malformed_s3_notifications_name_what_is_wrong() {
    let e = s3_error("s3/malformed-sqs-missing-key.json").to_string();
    assert_eq!(e, "S3 notification has no Records[0].s3.object.key");
    let e = s3_error("s3/malformed-sqs-bad-encoding.json").to_string();
    assert!(e.contains("Records[0].s3.object.key"), "{e}");
    assert!(e.contains("two hex digits"), "{e}");
    let e = s3_error("s3/malformed-sqs-records-not-array.json").to_string();
    assert_eq!(
        e,
        "S3 notification: Records must be an array, found an object"
    );
    let e = s3_error("s3/malformed-sqs-body-not-json.json");
    assert!(matches!(e, EventError::Malformed { .. }), "{e}");
    let e = s3_error("s3/malformed-sqs-size-string.json").to_string();
    assert_eq!(
        e,
        "S3 notification: Records[0].s3.object.size must be a number, found a string"
    );
}
