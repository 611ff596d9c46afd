//! Conditional object reads and writes under a bucket prefix: the S3 operations both
//! stores share. `create` is `PutObject` with `If-None-Match: *`, `replace` is
//! `PutObject` with `If-Match: <etag>`; a 412 becomes the store's race error.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use lockgate_core::ports::{ObjectVersion, PortError, StoreError, Versioned};

use crate::error::{failure_of, port_error};

/// A bucket and a key prefix (empty, or ending in `/`) objects live under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket.
    pub bucket: String,
    /// The key prefix: empty, or ending in `/`.
    pub prefix: String,
}

impl S3Location {
    /// Objects under `prefix` in `bucket`; a non-empty prefix gets a trailing `/` and
    /// loses leading ones (`state` and `/state/` both mean `state/`).
    pub fn new(bucket: impl Into<String>, prefix: &str) -> Self {
        let trimmed = prefix.trim_matches('/');
        let prefix = if trimmed.is_empty() {
            String::new()
        } else {
            format!("{trimmed}/")
        };
        Self {
            bucket: bucket.into(),
            prefix,
        }
    }
}

/// How a write is conditioned.
pub(crate) enum Condition<'a> {
    /// Only if no object is there (`If-None-Match: *`).
    Absent,
    /// Only if the object is still at this version (`If-Match`).
    At(&'a ObjectVersion),
}

/// Refuses keys the filesystem store refuses too, so both stores accept the same
/// keys: empty, ending in `/`, with a `\`, starting with `.`, or with an empty, `.`
/// or `..` segment.
pub(crate) fn check_key(key: &str) -> Result<(), StoreError> {
    let ok = !key.is_empty()
        && !key.ends_with('/')
        && !key.contains('\\')
        && !key.starts_with('.')
        && key.split('/').all(|s| !matches!(s, "" | "." | ".."));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Port(PortError::permanent(
            format!("key {key:?}"),
            "keys are relative paths of plain names (no '..', no leading '/' or '.')".to_string(),
        )))
    }
}

/// Objects under one [`S3Location`].
#[derive(Clone, Debug)]
pub(crate) struct Objects {
    client: Client,
    location: S3Location,
}

impl Objects {
    pub fn new(client: Client, location: S3Location) -> Self {
        Self { client, location }
    }

    pub fn location(&self) -> &S3Location {
        &self.location
    }

    /// The full S3 key of `key`, after checking it.
    pub fn full_key(&self, key: &str) -> Result<String, StoreError> {
        check_key(key)?;
        Ok(format!("{}{key}", self.location.prefix))
    }

    fn op(&self, verb: &str, full_key: &str) -> String {
        format!("s3 {verb} s3://{}/{full_key}", self.location.bucket)
    }

    /// The object at `key` with its ETag, if there is one.
    pub async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let full = self.full_key(key)?;
        let out = match self
            .client
            .get_object()
            .bucket(&self.location.bucket)
            .key(&full)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let f = failure_of(&e);
                if f.is_code("NoSuchKey") || (f.is_status(404) && !f.is_code("NoSuchBucket")) {
                    return Ok(None);
                }
                return Err(port_error(self.op("get", &full), e).into());
            }
        };
        let version = out.e_tag.clone().ok_or_else(|| {
            PortError::permanent(self.op("get", &full), "S3 answered without an ETag")
        })?;
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| PortError::transient(self.op("get", &full), e))?
            .into_bytes()
            .to_vec();
        Ok(Some(Versioned {
            bytes,
            version: ObjectVersion(version),
        }))
    }

    /// Writes `bytes` at `key` if `condition` holds; a 412 (and a 409, S3's answer
    /// to a concurrent conditional write of the same key) is the race error of the
    /// condition.
    pub async fn put(
        &self,
        key: &str,
        bytes: Vec<u8>,
        condition: Condition<'_>,
        content_type: &str,
        cache_control: Option<&str>,
    ) -> Result<ObjectVersion, StoreError> {
        let full = self.full_key(key)?;
        let mut req = self
            .client
            .put_object()
            .bucket(&self.location.bucket)
            .key(&full)
            .content_type(content_type)
            .set_cache_control(cache_control.map(str::to_string))
            .body(ByteStream::from(bytes));
        req = match condition {
            Condition::Absent => req.if_none_match("*"),
            Condition::At(v) => req.if_match(&v.0),
        };
        let out = match req.send().await {
            Ok(out) => out,
            Err(e) => {
                let f = failure_of(&e);
                let race = f.is_status(412) || f.is_status(409);
                return Err(match condition {
                    Condition::Absent if race => StoreError::AlreadyExists {
                        key: key.to_string(),
                    },
                    // If-Match on a key that is gone answers 404: it changed too.
                    Condition::At(v) if race || f.is_code("NoSuchKey") => {
                        StoreError::VersionMismatch {
                            key: key.to_string(),
                            expected: v.0.clone(),
                        }
                    }
                    _ => port_error(self.op("put", &full), e).into(),
                });
            }
        };
        let etag = out.e_tag.ok_or_else(|| {
            PortError::permanent(self.op("put", &full), "S3 answered without an ETag")
        })?;
        Ok(ObjectVersion(etag))
    }

    /// Keys (relative to the location's prefix) starting with `prefix`, sorted;
    /// follows every page of `ListObjectsV2`.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let full_prefix = format!("{}{prefix}", self.location.prefix);
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&self.location.bucket)
                .prefix(&full_prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| port_error(self.op("list", &full_prefix), e))?;
            for object in out.contents() {
                if let Some(key) = object
                    .key()
                    .and_then(|k| k.strip_prefix(&self.location.prefix))
                {
                    keys.push(key.to_string());
                }
            }
            match out.next_continuation_token() {
                Some(next) if out.is_truncated().unwrap_or(false) => {
                    token = Some(next.to_string());
                }
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_normalized_to_one_trailing_slash() {
        assert_eq!(S3Location::new("b", "").prefix, "");
        assert_eq!(S3Location::new("b", "/").prefix, "");
        assert_eq!(S3Location::new("b", "state").prefix, "state/");
        assert_eq!(S3Location::new("b", "/a/b/").prefix, "a/b/");
    }

    #[test]
    fn hostile_keys_are_refused_like_the_filesystem_store() {
        for bad in [
            "",
            "../x",
            "/etc/passwd",
            "a/../../b",
            ".locks/x",
            "a//b",
            "a/",
            "a\\b",
        ] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
        for good in [
            "executions/a.json",
            "apps/web/open/1",
            "web-1.0.0.tgz",
            "a b/c+d",
        ] {
            assert!(check_key(good).is_ok(), "{good:?}");
        }
    }
}
