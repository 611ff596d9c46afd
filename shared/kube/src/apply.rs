//! Applying a set of objects and removing what a revision no longer has: CRDs first (and
//! waited on until established), then namespaces, then everything else with bounded
//! concurrency; transient API errors are retried.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::stream::{self, StreamExt, TryStreamExt};

use crate::cluster::{Cluster, ClusterError};
use crate::objects::{Object, ObjectKey};
use crate::ready::{self, Readiness};

/// Retries a transient failure a few times with backoff.
pub async fn with_retry<T, F, Fut>(mut f: F) -> Result<T, ClusterError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClusterError>>,
{
    let mut delay = Duration::from_millis(200);
    for attempt in 0.. {
        match f().await {
            Err(e) if e.is_transient() && attempt < 4 => {
                tracing::warn!(error = %e, attempt, "transient API error, retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            other => return other,
        }
    }
    unreachable!("the loop returns")
}

async fn apply_all(
    cluster: &Cluster,
    objs: &[&Object],
    ns: &str,
    concurrency: usize,
) -> Result<(), ClusterError> {
    stream::iter(objs.iter().copied())
        .map(|o| with_retry(move || cluster.apply(o, ns)))
        .buffered(concurrency.max(1))
        .try_for_each(|_| async { Ok(()) })
        .await
}

/// Waits until every CRD among `objs` is established (or `deadline`).
async fn wait_established(
    cluster: &Cluster,
    objs: &[&Object],
    deadline: tokio::time::Instant,
) -> Result<(), ClusterError> {
    for o in objs {
        loop {
            let live = with_retry(|| cluster.get(o.api_version(), o.kind(), "", o.name())).await?;
            if live.as_ref().map(ready::assess) == Some(Readiness::Ready) {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(ClusterError::Transport {
                    what: format!("CustomResourceDefinition/{}", o.name()),
                    message: "not established before the deadline".into(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

/// Applies `objs` in waves: CRDs (then waits until established), Namespaces, the rest.
pub async fn apply_set(
    cluster: &Cluster,
    objs: &[Object],
    ns: &str,
    concurrency: usize,
    deadline: tokio::time::Instant,
) -> Result<(), ClusterError> {
    let crds: Vec<&Object> = objs
        .iter()
        .filter(|o| o.kind() == "CustomResourceDefinition")
        .collect();
    let namespaces: Vec<&Object> = objs.iter().filter(|o| o.kind() == "Namespace").collect();
    let rest: Vec<&Object> = objs
        .iter()
        .filter(|o| !matches!(o.kind(), "CustomResourceDefinition" | "Namespace"))
        .collect();
    if !crds.is_empty() {
        apply_all(cluster, &crds, ns, concurrency).await?;
        wait_established(cluster, &crds, deadline).await?;
    }
    apply_all(cluster, &namespaces, ns, concurrency).await?;
    apply_all(cluster, &rest, ns, concurrency).await
}

/// Deletes objects of `old` that `new` no longer has (unless `helm.sh/resource-policy:
/// keep`). Returns what was deleted.
pub async fn prune(
    cluster: &Cluster,
    old: &[Object],
    new: &[Object],
    ns: &str,
) -> Result<Vec<ObjectKey>, ClusterError> {
    let keep: BTreeSet<ObjectKey> = new
        .iter()
        .map(|o| namespaced_key(cluster, o, ns))
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    let mut gone = Vec::new();
    for o in old.iter().rev() {
        let key = namespaced_key(cluster, o, ns);
        if keep.contains(&key) || o.keep() {
            continue;
        }
        let k = key.clone();
        if with_retry(|| cluster.delete_object(o, &k)).await? {
            tracing::info!(object = %key, "pruned");
            gone.push(key);
        }
    }
    Ok(gone)
}

/// Key with the namespace an object lands in (cluster-scoped kinds resolved by the
/// cached discovery where known; otherwise the object's own namespace or `ns`).
fn namespaced_key(cluster: &Cluster, o: &Object, ns: &str) -> ObjectKey {
    let cluster_scoped = cluster.is_cluster_scoped(o.api_version(), o.kind());
    if cluster_scoped {
        o.key(None)
    } else {
        o.key(Some(ns))
    }
}
