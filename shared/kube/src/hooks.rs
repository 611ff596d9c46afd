//! Helm hooks: the documents annotated `helm.sh/hook` run at their event in weight order,
//! each waited on (Jobs until complete, Pods until succeeded), with Helm's delete
//! policies (`before-hook-creation` by default, `hook-succeeded`, `hook-failed`). A hook
//! whose last run succeeded is not run again when an interrupted deploy resumes.

use std::time::Duration;

use crate::apply::with_retry;
use crate::cluster::Cluster;
use crate::objects::{self, Object};
use crate::ready::{self, Readiness};
use crate::release::{now_rfc3339, Hook};

/// A hook failed.
#[derive(Debug, thiserror::Error)]
#[error("{event} hook {kind}/{name} failed: {reason}")]
pub struct HookError {
    /// event
    pub event: String,
    /// kind
    pub kind: String,
    /// name
    pub name: String,
    /// why
    pub reason: String,
}

fn has_policy(h: &Hook, p: &str) -> bool {
    h.delete_policies.iter().any(|x| x == p)
}

/// Runs the hooks of `event` in `hooks` (updating their `last_run`), in weight order.
pub async fn run(
    cluster: &Cluster,
    hooks: &mut [Hook],
    event: &str,
    ns: &str,
    deadline: tokio::time::Instant,
) -> Result<(), HookError> {
    let mut idx: Vec<usize> = (0..hooks.len())
        .filter(|&i| hooks[i].events.iter().any(|e| e == event))
        .collect();
    idx.sort_by_key(|&i| (hooks[i].weight, hooks[i].name.clone()));
    for i in idx {
        if hooks[i].last_run.phase == "Succeeded" {
            continue;
        }
        let h = &mut hooks[i];
        let fail = |reason: String, h: &Hook| HookError {
            event: event.to_string(),
            kind: h.kind.clone(),
            name: h.name.clone(),
            reason,
        };
        let obj = match objects::parse_document(&h.path, &h.manifest) {
            Ok(Some(o)) => o,
            Ok(None) => continue,
            Err(e) => return Err(fail(e.to_string(), h)),
        };
        h.last_run.started_at = Some(now_rfc3339(chrono::Utc::now()));
        h.last_run.phase = "Running".into();
        let before = has_policy(h, "before-hook-creation") || h.delete_policies.is_empty();
        if before {
            delete_and_wait(cluster, &obj, ns, deadline)
                .await
                .map_err(|r| fail(r, h))?;
        }
        let result = match with_retry(|| cluster.apply(&obj, ns)).await {
            Ok(_) => wait(cluster, &obj, ns, deadline).await,
            Err(e) => Err(e.to_string()),
        };
        h.last_run.completed_at = Some(now_rfc3339(chrono::Utc::now()));
        match result {
            Ok(()) => {
                h.last_run.phase = "Succeeded".into();
                if has_policy(h, "hook-succeeded") {
                    let _ = delete_and_wait(cluster, &obj, ns, deadline).await;
                }
            }
            Err(reason) => {
                h.last_run.phase = "Failed".into();
                if has_policy(h, "hook-failed") {
                    let _ = delete_and_wait(cluster, &obj, ns, deadline).await;
                }
                return Err(fail(reason, h));
            }
        }
    }
    Ok(())
}

async fn delete_and_wait(
    cluster: &Cluster,
    obj: &Object,
    ns: &str,
    deadline: tokio::time::Instant,
) -> Result<(), String> {
    let (kind, ns) = cluster
        .placement(obj, ns)
        .await
        .map_err(|e| e.to_string())?;
    let _ = kind;
    let existed = with_retry(|| cluster.delete(obj.api_version(), obj.kind(), &ns, obj.name()))
        .await
        .map_err(|e| e.to_string())?;
    if !existed {
        return Ok(());
    }
    while with_retry(|| cluster.get(obj.api_version(), obj.kind(), &ns, obj.name()))
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        if tokio::time::Instant::now() >= deadline {
            return Err("the previous hook object was not deleted before the deadline".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

async fn wait(
    cluster: &Cluster,
    obj: &Object,
    ns: &str,
    deadline: tokio::time::Instant,
) -> Result<(), String> {
    let (_, ns) = cluster
        .placement(obj, ns)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let live = with_retry(|| cluster.get(obj.api_version(), obj.kind(), &ns, obj.name()))
            .await
            .map_err(|e| e.to_string())?;
        let state = match &live {
            Some(l) => ready::assess(l),
            None => Readiness::Pending("not found".into()),
        };
        match state {
            Readiness::Ready => return Ok(()),
            Readiness::Failed(r) => return Err(r),
            Readiness::Pending(r) => {
                if tokio::time::Instant::now() >= deadline {
                    return Err(format!("timed out: {r}"));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
