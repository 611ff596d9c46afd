//! EventBridge events from ECR: "ECR Image Action" (a push: repository, digest, tag)
//! and "ECR Image Scan" (scan status and findings per severity). `aws_lambda_events`
//! has no type for the push detail, so both details are read here, field by field.

use std::collections::BTreeMap;

use lockgate_core::ids::Digest;
use lockgate_core::ports::ScanFindings;
use serde_json::Value;

use super::{parse_json, EventError, Obj, Parsed};
use crate::ecr::{scan_status, severity_counts};

const EVENT: &str = "EventBridge event";

/// The envelope fields of an EventBridge event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventMeta {
    /// Event id (EventBridge delivers at least once: duplicates share it).
    pub id: String,
    /// Account that emitted it.
    pub account: String,
    /// Region it was emitted in.
    pub region: String,
    /// When (RFC 3339 text, as sent).
    pub time: String,
}

/// A successful push of a tagged image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImagePushed {
    /// The event's envelope.
    pub meta: EventMeta,
    /// Repository name (`web`, `team/web`).
    pub repository_name: String,
    /// The pushed manifest's digest.
    pub image_digest: Digest,
    /// The pushed tag.
    pub image_tag: String,
}

impl ImagePushed {
    /// The repository URI images are pulled by:
    /// `<account>.dkr.ecr.<region>.amazonaws.com/<name>` (`.com.cn` in China regions).
    pub fn repository_uri(&self) -> String {
        let domain = if self.meta.region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!(
            "{}.dkr.ecr.{}.{domain}/{}",
            self.meta.account, self.meta.region, self.repository_name
        )
    }
}

/// A finished (or failed) basic scan of an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageScanned {
    /// The event's envelope.
    pub meta: EventMeta,
    /// Repository name.
    pub repository_name: String,
    /// The scanned manifest's digest.
    pub image_digest: Digest,
    /// The image's tags (may be empty).
    pub image_tags: Vec<String>,
    /// Status and counts per severity.
    pub findings: ScanFindings,
}

/// An ECR event to act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EcrEvent {
    /// "ECR Image Action", PUSH, SUCCESS, with a tag.
    ImagePushed(ImagePushed),
    /// "ECR Image Scan".
    ImageScanned(ImageScanned),
}

/// Reads an EventBridge event from ECR (the JSON a Lambda target receives).
///
/// Pushes that failed, deletes, untagged pushes and other ECR detail types are
/// [`Parsed::Ignored`] with the reason.
///
/// # Errors
/// [`EventError`] when the text is not JSON, the source is not `aws.ecr`, or a field
/// is missing or malformed (e.g. a digest that is not `sha256:` + 64 hex characters).
pub fn parse_ecr_event(text: &str) -> Result<Parsed<EcrEvent>, EventError> {
    parse_ecr_event_value(&parse_json(EVENT, text)?)
}

/// [`parse_ecr_event`] on an event already read as JSON (a Lambda handler's
/// `LambdaEvent<serde_json::Value>` payload).
///
/// # Errors
/// As [`parse_ecr_event`], except for invalid JSON.
pub fn parse_ecr_event_value(value: &Value) -> Result<Parsed<EcrEvent>, EventError> {
    let root = Obj::root(EVENT, value)?;
    let source = root.str("source")?;
    if source != "aws.ecr" {
        return Err(EventError::WrongSource {
            event: EVENT,
            found: source.to_string(),
            expected: "aws.ecr",
        });
    }
    let detail_type = root.str("detail-type")?;
    let meta = EventMeta {
        id: root.str("id")?.to_string(),
        account: root.str("account")?.to_string(),
        region: root.str("region")?.to_string(),
        time: root.opt_str("time")?.unwrap_or_default().to_string(),
    };
    match detail_type {
        "ECR Image Action" => image_action(meta, &root.obj("detail")?),
        "ECR Image Scan" => image_scan(meta, &root.obj("detail")?),
        other => Ok(Parsed::ignored(format!(
            "ECR event {other:?} is not handled: only \"ECR Image Action\" and \"ECR Image Scan\" are"
        ))),
    }
}

fn digest(detail: &Obj<'_>) -> Result<Digest, EventError> {
    let text = detail.str("image-digest")?;
    Digest::parse(text).map_err(|e| detail.invalid("image-digest", text, e.to_string()))
}

fn image_action(meta: EventMeta, detail: &Obj<'_>) -> Result<Parsed<EcrEvent>, EventError> {
    let action = detail.str("action-type")?;
    let result = detail.str("result")?;
    let repository_name = detail.str("repository-name")?;
    let tag = detail.opt_str("image-tag")?.unwrap_or_default();
    if action != "PUSH" {
        return Ok(Parsed::ignored(format!(
            "ECR {action} of {repository_name}:{tag} is not a push: only pushes are released"
        )));
    }
    if result != "SUCCESS" {
        return Ok(Parsed::ignored(format!(
            "ECR push of {repository_name}:{tag} has result {result}: only successful pushes are released"
        )));
    }
    let image_digest = digest(detail)?;
    if tag.is_empty() {
        return Ok(Parsed::ignored(format!(
            "ECR push of {repository_name}@{image_digest} has no tag: only tagged images are released"
        )));
    }
    Ok(Parsed::Event(EcrEvent::ImagePushed(ImagePushed {
        meta,
        repository_name: repository_name.to_string(),
        image_digest,
        image_tag: tag.to_string(),
    })))
}

fn image_scan(meta: EventMeta, detail: &Obj<'_>) -> Result<Parsed<EcrEvent>, EventError> {
    let status = detail.str("scan-status")?;
    let repository_name = detail.str("repository-name")?.to_string();
    let image_digest = digest(detail)?;
    let mut image_tags = Vec::new();
    for (i, tag) in detail
        .opt_array("image-tags")?
        .into_iter()
        .flatten()
        .enumerate()
    {
        match tag {
            Value::String(t) => image_tags.push(t.clone()),
            other => {
                return Err(EventError::WrongType {
                    event: EVENT,
                    path: format!("{}[{i}]", detail.path_of("image-tags")),
                    expected: "a string",
                    found: super::json_type(other),
                })
            }
        }
    }
    let counts = match detail.get("finding-severity-counts") {
        None => BTreeMap::new(),
        Some(Value::Object(map)) => {
            let counts_obj = detail.obj("finding-severity-counts")?;
            let mut pairs = Vec::new();
            for (name, n) in map {
                match n.as_u64() {
                    Some(n) => pairs.push((name.as_str(), i64::try_from(n).unwrap_or(i64::MAX))),
                    None => {
                        return Err(counts_obj.invalid(
                            name,
                            &n.to_string(),
                            "a finding count must be a whole number ≥ 0",
                        ))
                    }
                }
            }
            severity_counts(pairs)
        }
        Some(other) => {
            return Err(detail.wrong("finding-severity-counts", "an object", other));
        }
    };
    Ok(Parsed::Event(EcrEvent::ImageScanned(ImageScanned {
        meta,
        repository_name,
        image_digest,
        image_tags,
        findings: ScanFindings {
            status: scan_status(status),
            counts,
        },
    })))
}
