//! Storage ports: execution and environment records (compare-and-swap) and the
//! chart repository (archives and `index.yaml`), plus the shared key layout.

use async_trait::async_trait;

use super::error::PortError;

/// An opaque version of a stored object (an S3 ETag, a file's content hash).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectVersion(pub String);

/// Stored bytes with their version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The object's bytes.
    pub bytes: Vec<u8>,
    /// Its version, for a later compare-and-swap.
    pub version: ObjectVersion,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `create` found the key already there (`If-None-Match: *` gave 412).
    #[error("{key} already exists")]
    AlreadyExists {
        /// The key.
        key: String,
    },
    /// `replace` found another version (`If-Match` gave 412): re-read and retry.
    #[error("{key} changed since it was read (expected version {expected})")]
    VersionMismatch {
        /// The key.
        key: String,
        /// The version the caller had.
        expected: String,
    },
    /// Any other failure.
    #[error(transparent)]
    Port(#[from] PortError),
}

/// Records stored as JSON under keys (see [`keys`]), written with compare-and-swap.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// The object at `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError>;
    /// Writes `bytes` at `key` only if nothing is there.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] when the key exists.
    async fn create(&self, key: &str, bytes: Vec<u8>) -> Result<ObjectVersion, StoreError>;
    /// Replaces the object at `key` only if it is still at `expected`.
    ///
    /// # Errors
    /// [`StoreError::VersionMismatch`] when it changed meanwhile.
    async fn replace(
        &self,
        key: &str,
        bytes: Vec<u8>,
        expected: &ObjectVersion,
    ) -> Result<ObjectVersion, StoreError>;
    /// Keys under `prefix`, sorted.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError>;
}

/// The chart repository: archives and the `index.yaml` that makes it a Helm repo.
#[async_trait]
pub trait ChartStore: Send + Sync {
    /// Stores a chart archive under `name-version.tgz`; storing identical bytes
    /// again succeeds. Returns the archive's location (key or URL).
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] when different bytes are stored there
    /// (a chart version is immutable).
    async fn put_archive(
        &self,
        name: &str,
        version: &str,
        bytes: Vec<u8>,
    ) -> Result<String, StoreError>;
    /// The archive at `location`.
    async fn get_archive(&self, location: &str) -> Result<Vec<u8>, StoreError>;
    /// The repository's `index.yaml`, if there is one.
    async fn get_index(&self) -> Result<Option<Versioned>, StoreError>;
    /// Writes `index.yaml`: created when `expected` is none, else replaced only if
    /// still at `expected`.
    ///
    /// # Errors
    /// [`StoreError::AlreadyExists`] / [`StoreError::VersionMismatch`] on a race.
    async fn put_index(
        &self,
        bytes: Vec<u8>,
        expected: Option<&ObjectVersion>,
    ) -> Result<ObjectVersion, StoreError>;
}

/// The key layout every [`StateStore`] adapter shares (S3 and the local filesystem).
pub mod keys {
    use crate::ids::ExecutionId;

    /// `executions/<id>.json`: one execution.
    pub fn execution(id: &ExecutionId) -> String {
        format!("executions/{id}.json")
    }

    /// `environments/<app>/<env>.json`: live revision and in-flight execution.
    pub fn environment(app: &str, env: &str) -> String {
        format!("environments/{app}/{env}.json")
    }

    /// `apps/<app>/open/<id>`: marks an open execution of the app (listed by prefix
    /// to find executions a newer candidate supersedes).
    pub fn open_execution(app: &str, id: &ExecutionId) -> String {
        format!("apps/{app}/open/{id}")
    }

    /// Prefix of [`open_execution`] keys for `app`.
    pub fn open_executions_prefix(app: &str) -> String {
        format!("apps/{app}/open/")
    }
}
