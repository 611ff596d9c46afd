//! Release records in the cluster: read a release's history, create a revision, and
//! update one with compare-and-swap on the Secret's `resourceVersion`.

use serde_json::Value as Json;

use crate::cluster::{Cluster, ClusterError};
use crate::release::{self, RecordError, Release};

/// A record as stored, with what a compare-and-swap needs.
#[derive(Debug, Clone)]
pub struct Stored {
    /// the record
    pub release: Release,
    /// the Secret's resourceVersion
    pub resource_version: String,
    /// `createdAt` label (unix seconds), kept across updates
    pub created_at: Option<i64>,
}

/// Why records could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    /// The API failed.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// A record is corrupt.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// Someone else wrote the record first.
    #[error("release record {0} was changed by another writer")]
    Conflict(String),
    /// The revision exists already.
    #[error("release record {0} already exists: another deploy of this release is running")]
    Exists(String),
}

/// The release records of one namespace.
#[derive(Debug)]
pub struct Records<'c> {
    cluster: &'c Cluster,
    namespace: String,
}

impl<'c> Records<'c> {
    /// Records in `namespace`.
    pub fn new(cluster: &'c Cluster, namespace: &str) -> Records<'c> {
        Records {
            cluster,
            namespace: namespace.to_string(),
        }
    }

    /// Every revision of `name`, oldest first.
    pub async fn history(&self, name: &str) -> Result<Vec<Stored>, RecordsError> {
        let items = self
            .cluster
            .list("v1", "Secret", &self.namespace, &release::selector(name))
            .await?;
        let mut out = Vec::with_capacity(items.len());
        for s in items {
            if s["type"] != release::SECRET_TYPE {
                continue;
            }
            out.push(stored(&s)?);
        }
        out.sort_by_key(|s| s.release.version);
        Ok(out)
    }

    /// Creates a new revision's record.
    pub async fn create(&self, rel: &Release, now: i64) -> Result<Stored, RecordsError> {
        let body = rel.to_secret(Some(now), None);
        if !self.cluster.create(&body, &self.namespace).await? {
            return Err(RecordsError::Exists(rel.secret_name()));
        }
        // read back for the resourceVersion
        let live = self
            .cluster
            .get("v1", "Secret", &self.namespace, &rel.secret_name())
            .await?
            .ok_or_else(|| RecordsError::Conflict(rel.secret_name()))?;
        stored(&live)
    }

    /// Writes `rel` over the record `prev` read, failing with `Conflict` if it changed.
    pub async fn update(
        &self,
        prev: &Stored,
        rel: &Release,
        now: i64,
    ) -> Result<Stored, RecordsError> {
        let mut body = rel.to_secret(prev.created_at, Some(now));
        body["metadata"]["resourceVersion"] = Json::String(prev.resource_version.clone());
        match self.cluster.replace(&body, &self.namespace).await {
            Ok(live) => stored(&live),
            Err(e) if e.status() == Some(409) => Err(RecordsError::Conflict(rel.secret_name())),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes every record of `name` (uninstall without history).
    pub async fn delete_all(&self, name: &str) -> Result<(), RecordsError> {
        for s in self.history(name).await? {
            self.cluster
                .delete("v1", "Secret", &self.namespace, &s.release.secret_name())
                .await?;
        }
        Ok(())
    }
}

fn stored(secret: &Json) -> Result<Stored, RecordsError> {
    let release = Release::from_secret(secret)?;
    let md = &secret["metadata"];
    Ok(Stored {
        release,
        resource_version: md["resourceVersion"].as_str().unwrap_or("").to_string(),
        created_at: md["labels"]["createdAt"]
            .as_str()
            .and_then(|s| s.parse().ok()),
    })
}
