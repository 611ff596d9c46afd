//! S3 event notifications delivered through SQS: the SQS message body is the S3 event
//! JSON (`{"Records": [...]}`), or the `s3:TestEvent` S3 sends when notifications are
//! configured. Object keys arrive form-urlencoded (`+` for a space, `%2F` for `/` on
//! some implementations) and are decoded here, once. `Put` and
//! `CompleteMultipartUpload` both yield the key: a duplicate is harmless downstream.

use super::{json_type, parse_json, EventError, Obj, Parsed};

const EVENT: &str = "S3 notification";

/// An object was created (`ObjectCreated:*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectCreated {
    /// `ObjectCreated:Put`, `ObjectCreated:CompleteMultipartUpload`, ...
    pub event_name: String,
    /// When (ISO 8601 text, as sent).
    pub event_time: String,
    /// The region of the bucket.
    pub region: String,
    /// The bucket.
    pub bucket: String,
    /// The object key, decoded.
    pub key: String,
    /// Size in bytes, when sent.
    pub size: Option<u64>,
    /// ETag, when sent.
    pub etag: Option<String>,
    /// Version id (versioned buckets), when sent.
    pub version_id: Option<String>,
    /// Ordering token for events of one key, when sent.
    pub sequencer: Option<String>,
}

impl ObjectCreated {
    /// `s3://bucket/key`: a location [`S3ChartStore::get_archive`](crate::S3ChartStore)
    /// reads when the object is in its repository.
    pub fn s3_url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// Decodes a key from an S3 notification: form-urlencoded, so `+` is a space and
/// `%XX` a byte; the bytes must be UTF-8.
///
/// # Errors
/// [`EventError::InvalidValue`] on a `%` not followed by two hex digits or bytes that
/// are not UTF-8.
pub fn decode_key(raw: &str) -> Result<String, EventError> {
    let invalid = |reason: &str| EventError::InvalidValue {
        event: EVENT,
        path: "s3.object.key".to_string(),
        value: raw.to_string(),
        reason: reason.to_string(),
    };
    let bytes = raw.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return Err(invalid(
                    "it is not form-urlencoded: '%' must be followed by two hex digits",
                ));
            }
        }
    }
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .map(|k| k.into_owned())
        .map_err(|_| invalid("it decodes to bytes that are not UTF-8"))
}

/// Reads the body of an SQS message carrying an S3 notification: one result per
/// record (`ObjectCreated:*` events; other events are ignored with the reason), or one
/// ignored result for `s3:TestEvent`.
///
/// # Errors
/// [`EventError`] when the body is not JSON, has no `Records` array, or a record lacks
/// its event name, bucket or key or has them in the wrong shape.
pub fn parse_s3_notification(body: &str) -> Result<Vec<Parsed<ObjectCreated>>, EventError> {
    let value = parse_json(EVENT, body)?;
    let root = Obj::root(EVENT, &value)?;
    if let Some(event) = root.opt_str("Event")? {
        if event == "s3:TestEvent" {
            let bucket = root.opt_str("Bucket")?.unwrap_or("?");
            return Ok(vec![Parsed::ignored(format!(
                "s3:TestEvent for bucket {bucket}: S3 checks the notification configuration"
            ))]);
        }
    }
    let Some(records) = root.opt_array("Records")? else {
        return Err(EventError::MissingField {
            event: EVENT,
            path: "Records (an S3 event notification has a Records array)".to_string(),
        });
    };
    records
        .iter()
        .enumerate()
        .map(|(i, record)| {
            let path = format!("Records[{i}]");
            let serde_json::Value::Object(map) = record else {
                return Err(EventError::WrongType {
                    event: EVENT,
                    path,
                    expected: "an object",
                    found: json_type(record),
                });
            };
            parse_record(&Obj {
                event: EVENT,
                path,
                map,
            })
        })
        .collect()
}

fn parse_record(record: &Obj<'_>) -> Result<Parsed<ObjectCreated>, EventError> {
    let source = record.str("eventSource")?;
    if source != "aws:s3" {
        return Err(EventError::WrongSource {
            event: EVENT,
            found: source.to_string(),
            expected: "aws:s3",
        });
    }
    let event_name = record.str("eventName")?;
    let s3 = record.obj("s3")?;
    let bucket = s3.obj("bucket")?.str("name")?.to_string();
    let object = s3.obj("object")?;
    let raw_key = object.str("key")?;
    let key = decode_key(raw_key).map_err(|e| match e {
        EventError::InvalidValue {
            event,
            value,
            reason,
            ..
        } => EventError::InvalidValue {
            event,
            path: object.path_of("key"),
            value,
            reason,
        },
        other => other,
    })?;
    if !event_name.starts_with("ObjectCreated:") {
        return Ok(Parsed::ignored(format!(
            "{event_name} of s3://{bucket}/{key}: only ObjectCreated events are handled"
        )));
    }
    Ok(Parsed::Event(ObjectCreated {
        event_name: event_name.to_string(),
        event_time: record.opt_str("eventTime")?.unwrap_or_default().to_string(),
        region: record.opt_str("awsRegion")?.unwrap_or_default().to_string(),
        bucket,
        key,
        size: object.opt_u64("size")?,
        etag: object.opt_str("eTag")?.map(str::to_string),
        version_id: object.opt_str("versionId")?.map(str::to_string),
        sequencer: object.opt_str("sequencer")?.map(str::to_string),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_form_urlencoded() {
        assert_eq!(
            decode_key("charts%2Fweb-1.0.0.tgz").unwrap(),
            "charts/web-1.0.0.tgz"
        );
        assert_eq!(decode_key("my+chart+%2B1.tgz").unwrap(), "my chart +1.tgz");
        assert_eq!(decode_key("caf%C3%A9.tgz").unwrap(), "café.tgz");
        assert_eq!(decode_key("plain/key.tgz").unwrap(), "plain/key.tgz");
    }

    #[test]
    fn broken_encodings_are_refused_with_the_reason() {
        let e = decode_key("bad%2").unwrap_err().to_string();
        assert!(e.contains("two hex digits"), "{e}");
        let e = decode_key("bad%zz").unwrap_err().to_string();
        assert!(e.contains("two hex digits"), "{e}");
        let e = decode_key("bad%FF").unwrap_err().to_string();
        assert!(e.contains("UTF-8"), "{e}");
    }
}
