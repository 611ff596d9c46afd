//! S3 stores: [`S3StateStore`] (execution and environment records, compare-and-swap
//! on the ETag) and [`S3ChartStore`] (a Helm repository: `NAME-VERSION.tgz` and
//! `index.yaml`). Same contracts as the filesystem stores of `lockgate-pipeline`.

mod objects;

use aws_sdk_s3::Client;
use lockgate_core::ports::{
    async_trait, ChartStore, ObjectVersion, PortError, StateStore, StoreError, Versioned,
};

pub use objects::S3Location;
use objects::{Condition, Objects};

/// The bytes of the object `key` in `bucket` (e.g. `lockgate.yaml` at cold start).
///
/// # Errors
/// A permanent [`PortError`] naming `s3://bucket/key` when there is no such object;
/// others as mapped from the SDK.
pub async fn get_object_bytes(
    client: &Client,
    bucket: &str,
    key: &str,
) -> Result<Vec<u8>, PortError> {
    let objects = Objects::new(client.clone(), S3Location::new(bucket, ""));
    match objects.get(key).await {
        Ok(Some(v)) => Ok(v.bytes),
        Ok(None) => Err(PortError::permanent(
            format!("s3 get s3://{bucket}/{key}"),
            "no such object: upload it or fix the location".to_string(),
        )),
        Err(StoreError::Port(e)) => Err(e),
        Err(other) => Err(PortError::permanent(
            format!("s3 get s3://{bucket}/{key}"),
            other,
        )),
    }
}

/// The key of a repository's index.
const INDEX_KEY: &str = "index.yaml";

/// Execution and environment records as JSON objects under a prefix of a bucket.
/// `create` is `PutObject` with `If-None-Match: *`, `replace` is `PutObject` with
/// `If-Match`, and an [`ObjectVersion`] is the object's ETag.
#[derive(Clone, Debug)]
pub struct S3StateStore {
    objects: Objects,
}

impl S3StateStore {
    /// A store of records under `location` (the client needs `s3:GetObject`,
    /// `s3:PutObject` and `s3:ListBucket` there: without `ListBucket`, S3 answers
    /// 403 rather than 404 for a missing record).
    pub fn new(client: Client, location: S3Location) -> Self {
        Self {
            objects: Objects::new(client, location),
        }
    }

    /// Where the records are.
    pub fn location(&self) -> &S3Location {
        self.objects.location()
    }
}

#[async_trait]
impl StateStore for S3StateStore {
    async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        self.objects.get(key).await
    }

    async fn create(&self, key: &str, bytes: Vec<u8>) -> Result<ObjectVersion, StoreError> {
        self.objects
            .put(key, bytes, Condition::Absent, "application/json", None)
            .await
    }

    async fn replace(
        &self,
        key: &str,
        bytes: Vec<u8>,
        expected: &ObjectVersion,
    ) -> Result<ObjectVersion, StoreError> {
        self.objects
            .put(
                key,
                bytes,
                Condition::At(expected),
                "application/json",
                None,
            )
            .await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.objects.list(prefix).await
    }
}

/// A Helm chart repository in S3: `NAME-VERSION.tgz` archives and `index.yaml` under
/// a prefix, so `helm repo add` works against the bucket (served over HTTPS or through
/// an S3 Helm plugin). Archives are immutable; the index is written with
/// compare-and-swap.
#[derive(Clone, Debug)]
pub struct S3ChartStore {
    objects: Objects,
}

impl S3ChartStore {
    /// A repository under `location`.
    pub fn new(client: Client, location: S3Location) -> Self {
        Self {
            objects: Objects::new(client, location),
        }
    }

    /// Where the repository is.
    pub fn location(&self) -> &S3Location {
        self.objects.location()
    }

    /// The repository key of `location` as [`ChartStore::put_archive`] returned it
    /// (`web-1.0.0.tgz`), or as `s3://bucket/prefix/web-1.0.0.tgz` in this
    /// repository's bucket.
    fn key_of(&self, location: &str) -> Result<String, StoreError> {
        let Some(rest) = location.strip_prefix("s3://") else {
            return Ok(location.to_string());
        };
        let loc = self.objects.location();
        let refuse = |why: String| {
            StoreError::Port(PortError::permanent(
                format!("chart archive {location}"),
                why,
            ))
        };
        let (bucket, key) = rest
            .split_once('/')
            .ok_or_else(|| refuse("an s3:// location needs a bucket and a key".to_string()))?;
        if bucket != loc.bucket {
            return Err(refuse(format!(
                "the archive is in bucket {bucket}, this repository is in bucket {}",
                loc.bucket
            )));
        }
        key.strip_prefix(&loc.prefix)
            .map(str::to_string)
            .ok_or_else(|| {
                refuse(format!(
                    "the archive is outside this repository's prefix {:?}",
                    loc.prefix
                ))
            })
    }
}

#[async_trait]
impl ChartStore for S3ChartStore {
    async fn put_archive(
        &self,
        name: &str,
        version: &str,
        bytes: Vec<u8>,
    ) -> Result<String, StoreError> {
        let key = format!("{name}-{version}.tgz");
        if name.contains('/') || version.contains('/') {
            return Err(StoreError::Port(PortError::permanent(
                format!("chart archive {key}"),
                "chart names and versions cannot contain '/'".to_string(),
            )));
        }
        match self
            .objects
            .put(
                &key,
                bytes.clone(),
                Condition::Absent,
                "application/gzip",
                None,
            )
            .await
        {
            Ok(_) => Ok(key),
            Err(StoreError::AlreadyExists { .. }) => match self.objects.get(&key).await? {
                Some(current) if current.bytes == bytes => Ok(key),
                _ => Err(StoreError::AlreadyExists { key }),
            },
            Err(e) => Err(e),
        }
    }

    async fn get_archive(&self, location: &str) -> Result<Vec<u8>, StoreError> {
        let key = self.key_of(location)?;
        self.objects
            .get(&key)
            .await?
            .map(|v| v.bytes)
            .ok_or_else(|| {
                StoreError::Port(PortError::permanent(
                    format!("get {key}"),
                    "no such chart archive".to_string(),
                ))
            })
    }

    async fn get_index(&self) -> Result<Option<Versioned>, StoreError> {
        self.objects.get(INDEX_KEY).await
    }

    async fn put_index(
        &self,
        bytes: Vec<u8>,
        expected: Option<&ObjectVersion>,
    ) -> Result<ObjectVersion, StoreError> {
        let condition = match expected {
            None => Condition::Absent,
            Some(v) => Condition::At(v),
        };
        // no-cache: a repository served over HTTP must never hand out a stale index.
        self.objects
            .put(
                INDEX_KEY,
                bytes,
                condition,
                "application/x-yaml",
                Some("no-cache"),
            )
            .await
    }
}
