//! Install, upgrade and roll back a release, resumably: every step's progress lives in
//! the release record (status, labels) and the cluster, never only in memory, so a
//! deployer killed at any point and started again finishes the same deploy with no
//! duplicate revision; a Lambda can `start` a deploy and `check` it from later
//! invocations (durable timers).
//!
//! Identity: a candidate's digest (chart + values) is kept on its record
//! (`lockgate.io/digest`). Deploying the digest the latest record already holds resumes
//! or reports that record instead of making a new revision.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::apply::{self, with_retry};
use crate::cluster::{Cluster, ClusterError};
use crate::hooks;
use crate::objects::{self, Object, ObjectError};
use crate::plan::{self, PlanError, Source};
use crate::ready::{self, Readiness};
use crate::records::{Records, RecordsError, Stored};
use crate::release::{self, Info, Release, Status};

/// Label: the candidate digest (first 32 hex digits: label values hold at most 63).
pub const LABEL_DIGEST: &str = "lockgate.io/digest";
/// Label: unix seconds after which an unfinished revision counts as failed.
pub const LABEL_DEADLINE: &str = "lockgate.io/deadline";
/// Label: roll back automatically on failure.
pub const LABEL_ATOMIC: &str = "lockgate.io/atomic";
/// Label (on rollback revisions): digest of the candidate that failed.
pub const LABEL_FAILED_DIGEST: &str = "lockgate.io/failed-digest";

/// How to deploy.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// release name
    pub release: String,
    /// namespace of the release (and of objects that name none)
    pub namespace: String,
    /// how long readiness may take
    pub timeout: Duration,
    /// roll back (or uninstall a first install) on failure
    pub atomic: bool,
    /// deploy again a candidate whose last attempt failed
    pub retry_failed: bool,
    /// objects applied at once
    pub concurrency: usize,
    /// create the namespace when it does not exist
    pub create_namespace: bool,
    /// fail at once when a workload's container is in CrashLoopBackOff with at least
    /// this many restarts (rather than waiting for the deadline)
    pub crash_loop_restarts: Option<i64>,
}

impl DeployOptions {
    /// Defaults: 5 minutes, atomic, 8 at once.
    pub fn new(release: &str, namespace: &str) -> DeployOptions {
        DeployOptions {
            release: release.to_string(),
            namespace: namespace.to_string(),
            timeout: Duration::from_secs(300),
            atomic: true,
            retry_failed: false,
            concurrency: 8,
            create_namespace: false,
            crash_loop_restarts: None,
        }
    }
}

/// What a rollback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackOutcome {
    /// revision `revision` now runs what revision `to` ran
    Restored {
        /// the rollback's revision
        revision: i64,
        /// the revision restored
        to: i64,
    },
    /// a failed first install was removed (history kept as `uninstalled`)
    Uninstalled,
    /// the rollback failed too
    Failed {
        /// the rollback's revision
        revision: i64,
        /// why
        reason: String,
    },
}

/// How a deploy ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `revision` is deployed and ready
    Deployed {
        /// revision
        revision: i64,
        /// the candidate was already deployed: nothing was done
        unchanged: bool,
    },
    /// the deploy failed and nothing was rolled back
    Failed {
        /// revision
        revision: i64,
        /// why
        reason: String,
    },
    /// the deploy failed and was rolled back
    RolledBack {
        /// the failed revision
        failed_revision: i64,
        /// why it failed
        reason: String,
        /// what the rollback did
        rollback: RollbackOutcome,
    },
}

/// Where a deploy stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// objects are applied; readiness pending
    Waiting {
        /// revision being waited on
        revision: i64,
        /// status of that revision (pending-install/upgrade/rollback)
        status: Status,
        /// what is not ready yet, and why
        pending: Vec<String>,
        /// wall-clock deadline
        deadline: DateTime<Utc>,
    },
    /// finished
    Done(Outcome),
}

/// Why a deploy could not proceed (as opposed to a rollout that failed, which is an
/// [`Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The chart or values cannot be rendered.
    #[error("release {release}: {source}")]
    Plan {
        /// release
        release: String,
        /// why
        #[source]
        source: PlanError,
    },
    /// The API failed.
    #[error("release {release}: {source}")]
    Cluster {
        /// release
        release: String,
        /// why
        #[source]
        source: ClusterError,
    },
    /// Records failed.
    #[error("release {release}: {source}")]
    Records {
        /// release
        release: String,
        /// why
        #[source]
        source: RecordsError,
    },
    /// Another deploy of a different candidate is in flight.
    #[error("release {release}: revision {revision} is being deployed by another process until {until}; try again after that")]
    Busy {
        /// release
        release: String,
        /// its revision
        revision: i64,
        /// its deadline
        until: DateTime<Utc>,
    },
    /// Invalid request.
    #[error("{0}")]
    Invalid(String),
    /// Nothing to act on.
    #[error("release {release}: {message}")]
    NotFound {
        /// release
        release: String,
        /// what is missing
        message: String,
    },
}

/// Deploys releases to one cluster.
#[derive(Debug, Clone)]
pub struct Deployer {
    cluster: Arc<Cluster>,
    caps: Arc<tokio::sync::OnceCell<(String, Vec<String>)>>,
}

fn short(digest: &str) -> String {
    digest.chars().take(32).collect()
}

fn unix(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn deadline_of(r: &Release) -> Option<DateTime<Utc>> {
    r.labels
        .get(LABEL_DEADLINE)
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| DateTime::from_timestamp(s, 0))
}

/// When a pending revision may be taken over: its deadline, or for records another tool
/// wrote (no deadline label), ten minutes after it was last deployed.
fn lease_of(r: &Release) -> Option<DateTime<Utc>> {
    deadline_of(r).or_else(|| {
        r.info
            .last_deployed
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc) + chrono::Duration::minutes(10))
    })
}

/// A tokio instant for a wall-clock deadline.
fn instant(deadline: DateTime<Utc>, now: DateTime<Utc>) -> tokio::time::Instant {
    let left = (deadline - now).to_std().unwrap_or_default();
    tokio::time::Instant::now() + left
}

impl Deployer {
    /// A deployer over a cluster.
    pub fn new(cluster: Arc<Cluster>) -> Deployer {
        Deployer {
            cluster,
            caps: Arc::new(tokio::sync::OnceCell::new()),
        }
    }

    /// The cluster.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    fn err_c(&self, release: &str) -> impl Fn(ClusterError) -> DeployError + '_ {
        let r = release.to_string();
        move |source| DeployError::Cluster {
            release: r.clone(),
            source,
        }
    }

    fn err_r(release: &str) -> impl Fn(RecordsError) -> DeployError {
        let r = release.to_string();
        move |source| DeployError::Records {
            release: r.clone(),
            source,
        }
    }

    async fn capabilities(&self) -> Result<&(String, Vec<String>), ClusterError> {
        self.caps
            .get_or_try_init(|| async { self.cluster.capabilities().await })
            .await
    }

    /// Every revision of a release, oldest first.
    pub async fn history(&self, name: &str, ns: &str) -> Result<Vec<Release>, DeployError> {
        Ok(Records::new(&self.cluster, ns)
            .history(name)
            .await
            .map_err(Self::err_r(name))?
            .into_iter()
            .map(|s| s.release)
            .collect())
    }

    /// Starts (or resumes) a deploy of `src`: applies it and returns `Waiting`, or the
    /// outcome when nothing is left to wait for.
    pub async fn start(
        &self,
        src: &Source,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        release::validate_name(&o.release).map_err(DeployError::Invalid)?;
        let name = &o.release;
        let records = Records::new(&self.cluster, &o.namespace);
        let prepared = plan::prepare(src).map_err(|source| DeployError::Plan {
            release: name.clone(),
            source,
        })?;
        let digest = short(&prepared.digest);
        if o.create_namespace {
            self.ensure_namespace(&o.namespace)
                .await
                .map_err(self.err_c(name))?;
        }
        let hist = records.history(name).await.map_err(Self::err_r(name))?;
        if let Some(latest) = hist.last() {
            let l = &latest.release;
            let same = l.labels.get(LABEL_DIGEST) == Some(&digest);
            match l.info.status {
                Status::PendingRollback => {
                    // an interrupted rollback is finished before anything else
                    return self.resume(&hist, latest, o, now).await;
                }
                s if s.is_pending() && same => return self.resume(&hist, latest, o, now).await,
                s if s.is_pending() => {
                    let until = lease_of(l).unwrap_or(now);
                    if now < until {
                        return Err(DeployError::Busy {
                            release: name.clone(),
                            revision: l.version,
                            until,
                        });
                    }
                    self.abandon(&records, latest, now).await?;
                }
                Status::Deployed if same => {
                    return Ok(Progress::Done(Outcome::Deployed {
                        revision: l.version,
                        unchanged: true,
                    }))
                }
                Status::Deployed
                    if !o.retry_failed && l.labels.get(LABEL_FAILED_DIGEST) == Some(&digest) =>
                {
                    let failed = hist
                        .iter()
                        .rev()
                        .find(|s| s.release.info.status == Status::Failed);
                    return Ok(Progress::Done(Outcome::RolledBack {
                        failed_revision: failed.map_or(0, |f| f.release.version),
                        reason: failed
                            .map(|f| f.release.info.description.clone())
                            .unwrap_or_default(),
                        rollback: RollbackOutcome::Restored {
                            revision: l.version,
                            to: l.info.rollback_revision,
                        },
                    }));
                }
                Status::Failed if same && !o.retry_failed => {
                    if l.labels.get(LABEL_ATOMIC).is_some_and(|v| v == "true") {
                        // failed, its rollback not begun: do it now
                        return self
                            .begin_rollback(&hist, latest, &l.info.description, o, now)
                            .await;
                    }
                    return Ok(Progress::Done(Outcome::Failed {
                        revision: l.version,
                        reason: l.info.description.clone(),
                    }));
                }
                Status::Uninstalled if same && !o.retry_failed => {
                    return Ok(Progress::Done(Outcome::RolledBack {
                        failed_revision: l.version,
                        reason: l.info.description.clone(),
                        rollback: RollbackOutcome::Uninstalled,
                    }));
                }
                _ => {}
            }
        }
        let hist = records.history(name).await.map_err(Self::err_r(name))?;
        self.begin(src, &hist, &digest, o, now).await
    }

    async fn ensure_namespace(&self, ns: &str) -> Result<(), ClusterError> {
        if self.cluster.get("v1", "Namespace", "", ns).await?.is_some() {
            return Ok(());
        }
        let body =
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        self.cluster.create(&body, "").await.map(|_| ())
    }

    /// A pending revision whose deployer is gone: marked failed.
    async fn abandon(
        &self,
        records: &Records<'_>,
        s: &Stored,
        now: DateTime<Utc>,
    ) -> Result<(), DeployError> {
        let mut r = s.release.clone();
        r.info.description = format!(
            "lockgate: the deploy stopped while {} and did not finish before its deadline",
            r.info.status
        );
        r.info.status = Status::Failed;
        records
            .update(s, &r, unix(now))
            .await
            .map_err(Self::err_r(&r.name))?;
        Ok(())
    }

    async fn begin(
        &self,
        src: &Source,
        hist: &[Stored],
        digest: &str,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        let name = &o.release;
        let records = Records::new(&self.cluster, &o.namespace);
        let latest = hist.last().map(|s| &s.release);
        let is_upgrade = latest.is_some_and(|l| l.info.status != Status::Uninstalled);
        let revision = latest.map_or(1, |l| l.version + 1);
        let (kube_version, api_versions) =
            self.capabilities().await.map_err(self.err_c(name))?.clone();
        let planned = plan::render(
            src,
            name,
            &o.namespace,
            revision,
            is_upgrade,
            &kube_version,
            &api_versions,
        )
        .map_err(|source| DeployError::Plan {
            release: name.clone(),
            source,
        })?;
        let deadline = now + chrono::Duration::from_std(o.timeout).unwrap_or_default();
        let first = hist
            .iter()
            .find_map(|s| s.release.info.first_deployed.clone())
            .filter(|_| is_upgrade);
        let mut rel = Release {
            name: name.clone(),
            info: Info {
                first_deployed: Some(first.unwrap_or_else(|| release::now_rfc3339(now))),
                last_deployed: Some(release::now_rfc3339(now)),
                description: if is_upgrade {
                    "Preparing upgrade".into()
                } else {
                    "Initial install underway".into()
                },
                status: if is_upgrade {
                    Status::PendingUpgrade
                } else {
                    Status::PendingInstall
                },
                notes: planned.notes.clone(),
                ..Info::default()
            },
            chart: planned.prepared.chart.clone(),
            config: planned.prepared.config.clone(),
            manifest: planned.manifest.clone(),
            hooks: planned.hooks.clone(),
            version: revision,
            namespace: o.namespace.clone(),
            // lockgate applies server-side with its own field manager; the record says
            // client-side so that Helm's own rollback and upgrade patch rather than
            // conflict with lockgate's field ownership
            apply_method: "csa".into(),
            ..Release::default()
        };
        rel.labels.insert(LABEL_DIGEST.into(), digest.to_string());
        rel.labels
            .insert(LABEL_DEADLINE.into(), unix(deadline).to_string());
        rel.labels.insert(LABEL_ATOMIC.into(), o.atomic.to_string());
        tracing::info!(release = %name, revision, upgrade = is_upgrade, "deploy started");
        let stored = records
            .create(&rel, unix(now))
            .await
            .map_err(Self::err_r(name))?;
        let crds = if is_upgrade {
            Vec::new()
        } else {
            planned.crds.clone()
        };
        self.apply_revision(hist, stored, &crds, o, now, deadline)
            .await
    }

    /// Applies a pending revision (first time or again after an interruption): pre hooks,
    /// CRDs, objects, pruning of the previous revision's leftovers.
    async fn apply_revision(
        &self,
        hist: &[Stored],
        mut stored: Stored,
        crds: &[Object],
        o: &DeployOptions,
        now: DateTime<Utc>,
        deadline: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        let name = o.release.clone();
        let records = Records::new(&self.cluster, &o.namespace);
        let rel = stored.release.clone();
        let event = match rel.info.status {
            Status::PendingInstall => "install",
            Status::PendingRollback => "rollback",
            _ => "upgrade",
        };
        let until = instant(deadline, now);
        let objs = objects::from_stream(&rel.manifest).map_err(|e| plan_obj(&name, e))?;
        // pre hooks
        let mut hooks_state = rel.hooks.clone();
        let pre = hooks::run(
            &self.cluster,
            &mut hooks_state,
            &format!("pre-{event}"),
            &o.namespace,
            until,
        )
        .await;
        if hooks_state != rel.hooks {
            let mut r = stored.release.clone();
            r.hooks = hooks_state.clone();
            stored = records
                .update(&stored, &r, unix(now))
                .await
                .map_err(Self::err_r(&name))?;
        }
        if let Err(e) = pre {
            return self.fail(stored, e.to_string(), o, now).await;
        }
        let applied = async {
            if !crds.is_empty() {
                apply::apply_set(&self.cluster, crds, &o.namespace, o.concurrency, until).await?;
            }
            apply::apply_set(&self.cluster, &objs, &o.namespace, o.concurrency, until).await?;
            // what the live revision had and this one has not
            let mut gone = Vec::new();
            for prev in hist
                .iter()
                .rev()
                .filter(|s| s.release.version != rel.version)
            {
                if matches!(prev.release.info.status, Status::Deployed | Status::Failed)
                    || (rel.info.status == Status::PendingRollback
                        && prev.release.info.status.is_pending())
                {
                    if let Ok(old) = objects::from_stream(&prev.release.manifest) {
                        gone.extend(apply::prune(&self.cluster, &old, &objs, &o.namespace).await?);
                    }
                }
                if prev.release.info.status == Status::Deployed {
                    break;
                }
            }
            Ok::<_, ClusterError>(gone)
        }
        .await;
        match applied {
            Ok(_) => self.check_stored(hist, stored, o, now).await,
            Err(e) if e.is_transient() => Err(self.err_c(&name)(e)),
            Err(e) => self.fail(stored, e.to_string(), o, now).await,
        }
    }

    async fn resume(
        &self,
        hist: &[Stored],
        s: &Stored,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        tracing::info!(release = %o.release, revision = s.release.version, status = %s.release.info.status, "resuming an interrupted deploy");
        let deadline = deadline_of(&s.release).unwrap_or(now);
        self.apply_revision(hist, s.clone(), &[], o, now, deadline)
            .await
    }

    /// Checks a release's latest revision once: finalizes it when ready, fails it (and
    /// rolls back when atomic) when it failed or ran out of time, or reports what is
    /// pending.
    pub async fn check(
        &self,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        let records = Records::new(&self.cluster, &o.namespace);
        let hist = records
            .history(&o.release)
            .await
            .map_err(Self::err_r(&o.release))?;
        let Some(latest) = hist.last().cloned() else {
            return Err(DeployError::NotFound {
                release: o.release.clone(),
                message: "no revisions".into(),
            });
        };
        self.check_stored(&hist, latest, o, now).await
    }

    async fn check_stored(
        &self,
        hist: &[Stored],
        stored: Stored,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        let rel = &stored.release;
        let name = &o.release;
        match rel.info.status {
            Status::Deployed => {
                return Ok(Progress::Done(Outcome::Deployed {
                    revision: rel.version,
                    unchanged: false,
                }))
            }
            Status::Failed => {
                return Ok(Progress::Done(Outcome::Failed {
                    revision: rel.version,
                    reason: rel.info.description.clone(),
                }))
            }
            s if !s.is_pending() => {
                return Err(DeployError::NotFound {
                    release: name.clone(),
                    message: format!("revision {} is {s}: nothing to check", rel.version),
                })
            }
            _ => {}
        }
        let deadline = deadline_of(rel).unwrap_or(now);
        let objs = objects::from_stream(&rel.manifest).map_err(|e| plan_obj(name, e))?;
        let (pending, failed) = self
            .readiness(&objs, &o.namespace, o.crash_loop_restarts)
            .await
            .map_err(self.err_c(name))?;
        if let Some(reason) = failed {
            return self.fail(stored, reason, o, now).await;
        }
        if !pending.is_empty() {
            if now >= deadline {
                let reason = format!(
                    "timed out after {} waiting for {}",
                    humantime(o.timeout),
                    pending.join("; ")
                );
                return self.fail(stored, reason, o, now).await;
            }
            return Ok(Progress::Waiting {
                revision: rel.version,
                status: rel.info.status,
                pending,
                deadline,
            });
        }
        self.succeed(hist, stored, o, now).await
    }

    /// Not-ready objects with reasons, and the first failure. Live objects are read with
    /// one list per kind and namespace, not one request per object.
    async fn readiness(
        &self,
        objs: &[Object],
        ns: &str,
        crash_limit: Option<i64>,
    ) -> Result<(Vec<String>, Option<String>), ClusterError> {
        use std::collections::HashMap;
        let mut live_by: HashMap<(String, String, String), HashMap<String, serde_json::Value>> =
            HashMap::new();
        let mut placed = Vec::with_capacity(objs.len());
        for obj in objs {
            let (_, ons) = self.cluster.placement(obj, ns).await?;
            let group = (
                obj.api_version().to_string(),
                obj.kind().to_string(),
                ons.clone(),
            );
            if !live_by.contains_key(&group) {
                let items =
                    with_retry(|| self.cluster.list(&group.0, &group.1, &group.2, "")).await?;
                let by_name = items
                    .into_iter()
                    .map(|o| (o["metadata"]["name"].as_str().unwrap_or("").to_string(), o))
                    .collect();
                live_by.insert(group.clone(), by_name);
            }
            placed.push((obj, group));
        }
        let mut pending = Vec::new();
        for (obj, group) in placed {
            let live = live_by.get(&group).and_then(|m| m.get(obj.name()));
            let key = obj.key(Some(&group.2));
            match live.map(ready::assess) {
                None => pending.push(format!("{key}: not found")),
                Some(Readiness::Ready) => {}
                Some(Readiness::Failed(r)) => {
                    let why = self.why(obj, live.unwrap(), &group.2).await;
                    return Ok((pending, Some(format!("{key}: {r}{why}"))));
                }
                Some(Readiness::Pending(r)) => {
                    if let Some(limit) = crash_limit {
                        if let Some(c) = self
                            .crash_looping(obj, live.unwrap(), &group.2, limit)
                            .await
                        {
                            return Ok((pending, Some(format!("{key}: {r} ({c})"))));
                        }
                    }
                    // details only for the first few: each costs API calls
                    let why = if pending.len() < 3 {
                        self.why(obj, live.unwrap(), &group.2).await
                    } else {
                        String::new()
                    };
                    pending.push(format!("{key}: {r}{why}"));
                }
            }
        }
        Ok((pending, None))
    }

    /// A container of the workload's pods crash-looping at least `limit` times.
    async fn crash_looping(
        &self,
        obj: &Object,
        live: &serde_json::Value,
        ns: &str,
        limit: i64,
    ) -> Option<String> {
        if !matches!(obj.kind(), "Deployment" | "StatefulSet" | "DaemonSet") {
            return None;
        }
        let selector = match_labels(live)?;
        let pods = self.cluster.list("v1", "Pod", ns, &selector).await.ok()?;
        // only pods of the current template count: during a rollback the failed
        // revision's pods still crash until they are replaced
        let images: Vec<&str> = live["spec"]["template"]["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["image"].as_str())
            .collect();
        for p in &pods {
            let current = p["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["image"].as_str())
                .all(|i| images.contains(&i));
            if !current {
                continue;
            }
            for cs in p["status"]["containerStatuses"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let crashing = cs["state"]["waiting"]["reason"] == "CrashLoopBackOff";
                if crashing && cs["restartCount"].as_i64().unwrap_or(0) >= limit {
                    let reason = ready::waiting_reasons(p)
                        .into_iter()
                        .next()
                        .unwrap_or_default();
                    return Some(format!(
                        "pod {}: {reason}",
                        p["metadata"]["name"].as_str().unwrap_or("?")
                    ));
                }
            }
        }
        None
    }

    /// Pod-level reasons (waiting containers) and the latest warning event of a workload.
    async fn why(&self, obj: &Object, live: &serde_json::Value, ns: &str) -> String {
        if !matches!(
            obj.kind(),
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job"
        ) {
            return String::new();
        }
        let Some(selector) = match_labels(live) else {
            return String::new();
        };
        let Ok(pods) = self.cluster.list("v1", "Pod", ns, &selector).await else {
            return String::new();
        };
        let mut reasons: Vec<String> = Vec::new();
        for p in &pods {
            for r in ready::waiting_reasons(p) {
                let line = format!("pod {}: {r}", p["metadata"]["name"].as_str().unwrap_or("?"));
                if !reasons.iter().any(|x| x.ends_with(&r)) {
                    reasons.push(line);
                }
            }
        }
        if let Some(p) = pods.first() {
            let pod = p["metadata"]["name"].as_str().unwrap_or("");
            if let Ok(events) = self
                .cluster
                .list_fields(
                    "v1",
                    "Event",
                    ns,
                    &format!("involvedObject.name={pod},type=Warning"),
                )
                .await
            {
                if let Some(e) = events.last() {
                    reasons.push(format!(
                        "event {}: {}",
                        e["reason"].as_str().unwrap_or(""),
                        e["message"].as_str().unwrap_or("")
                    ));
                }
            }
        }
        reasons.truncate(3);
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join("; "))
        }
    }

    async fn succeed(
        &self,
        hist: &[Stored],
        stored: Stored,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        let name = &o.release;
        let records = Records::new(&self.cluster, &o.namespace);
        let mut rel = stored.release.clone();
        let event = match rel.info.status {
            Status::PendingInstall => "install",
            Status::PendingRollback => "rollback",
            _ => "upgrade",
        };
        let deadline = deadline_of(&rel).unwrap_or(now) + chrono::Duration::seconds(60);
        if let Err(e) = hooks::run(
            &self.cluster,
            &mut rel.hooks,
            &format!("post-{event}"),
            &o.namespace,
            instant(deadline, now),
        )
        .await
        {
            let stored = records
                .update(&stored, &rel, unix(now))
                .await
                .map_err(Self::err_r(name))?;
            return self.fail(stored, e.to_string(), o, now).await;
        }
        // older deployed revisions are superseded first: a crash in between leaves this
        // revision pending, and the next start resumes and finishes it
        for s in hist.iter().filter(|s| s.release.version != rel.version) {
            if s.release.info.status == Status::Deployed {
                let mut old = s.release.clone();
                old.info.status = Status::Superseded;
                records
                    .update(s, &old, unix(now))
                    .await
                    .map_err(Self::err_r(name))?;
            }
        }
        let was = rel.info.status;
        rel.info.status = Status::Deployed;
        rel.info.description = match was {
            Status::PendingInstall => "Install complete".into(),
            Status::PendingRollback => format!("Rollback to {}", rel.info.rollback_revision),
            _ => "Upgrade complete".into(),
        };
        rel.labels.remove(LABEL_DEADLINE);
        records
            .update(&stored, &rel, unix(now))
            .await
            .map_err(Self::err_r(name))?;
        tracing::info!(release = %name, revision = rel.version, "deployed");
        if was == Status::PendingRollback {
            let failed = hist.iter().rev().find(|s| {
                s.release.info.status == Status::Failed && s.release.version < rel.version
            });
            if let Some(f) = failed.filter(|f| {
                f.release.labels.get(LABEL_DIGEST) == rel.labels.get(LABEL_FAILED_DIGEST)
            }) {
                return Ok(Progress::Done(Outcome::RolledBack {
                    failed_revision: f.release.version,
                    reason: f.release.info.description.clone(),
                    rollback: RollbackOutcome::Restored {
                        revision: rel.version,
                        to: rel.info.rollback_revision,
                    },
                }));
            }
        }
        Ok(Progress::Done(Outcome::Deployed {
            revision: rel.version,
            unchanged: false,
        }))
    }

    async fn fail(
        &self,
        stored: Stored,
        reason: String,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        let name = &o.release;
        let records = Records::new(&self.cluster, &o.namespace);
        let mut rel = stored.release.clone();
        let was = rel.info.status;
        rel.info.description = match was {
            Status::PendingRollback => format!("Rollback \"{name}\" failed: {reason}"),
            Status::PendingInstall => format!("Release \"{name}\" failed: {reason}"),
            _ => format!("Upgrade \"{name}\" failed: {reason}"),
        };
        rel.info.status = Status::Failed;
        rel.labels.remove(LABEL_DEADLINE);
        tracing::warn!(release = %name, revision = rel.version, %reason, "deploy failed");
        let stored = records
            .update(&stored, &rel, unix(now))
            .await
            .map_err(Self::err_r(name))?;
        if was == Status::PendingRollback {
            // report the original failure and that its rollback failed too
            let hist = records.history(name).await.map_err(Self::err_r(name))?;
            let failed = hist.iter().rev().find(|s| {
                s.release.version < rel.version && s.release.info.status == Status::Failed
            });
            return Ok(Progress::Done(Outcome::RolledBack {
                failed_revision: failed.map_or(0, |f| f.release.version),
                reason: failed
                    .map(|f| f.release.info.description.clone())
                    .unwrap_or_default(),
                rollback: RollbackOutcome::Failed {
                    revision: rel.version,
                    reason: rel.info.description.clone(),
                },
            }));
        }
        if rel.labels.get(LABEL_ATOMIC).is_some_and(|v| v == "true") {
            let hist = records.history(name).await.map_err(Self::err_r(name))?;
            return self
                .begin_rollback(&hist, &stored, &rel.info.description, o, now)
                .await;
        }
        Ok(Progress::Done(Outcome::Failed {
            revision: rel.version,
            reason: rel.info.description,
        }))
    }

    /// After `failed` (the latest record): restore the last deployed revision as a new
    /// revision, or uninstall when there is none.
    async fn begin_rollback(
        &self,
        hist: &[Stored],
        failed: &Stored,
        reason: &str,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        let name = &o.release;
        let target = hist.iter().rev().find(|s| {
            s.release.version < failed.release.version && s.release.info.status == Status::Deployed
        });
        let Some(target) = target else {
            return self.uninstall_failed(hist, failed, reason, o, now).await;
        };
        let digest = failed
            .release
            .labels
            .get(LABEL_DIGEST)
            .cloned()
            .unwrap_or_default();
        let rel =
            self.rollback_record(&target.release, failed.release.version + 1, &digest, o, now);
        let records = Records::new(&self.cluster, &o.namespace);
        tracing::warn!(release = %name, to = target.release.version, "rolling back");
        let stored = records
            .create(&rel, unix(now))
            .await
            .map_err(Self::err_r(name))?;
        let hist = records.history(name).await.map_err(Self::err_r(name))?;
        let deadline = deadline_of(&rel).unwrap_or(now);
        Box::pin(self.apply_revision(&hist, stored, &[], o, now, deadline)).await
    }

    fn rollback_record(
        &self,
        target: &Release,
        revision: i64,
        failed_digest: &str,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Release {
        let mut rel = target.clone();
        rel.version = revision;
        rel.info.status = Status::PendingRollback;
        rel.info.description = format!("Rollback to {}", target.version);
        rel.info.rollback_revision = target.version;
        rel.info.last_deployed = Some(release::now_rfc3339(now));
        rel.info.deleted = None;
        for h in &mut rel.hooks {
            h.last_run = release::HookExecution::default();
        }
        rel.labels.remove(LABEL_DEADLINE);
        rel.labels.remove(LABEL_FAILED_DIGEST);
        let deadline = now + chrono::Duration::from_std(o.timeout).unwrap_or_default();
        rel.labels
            .insert(LABEL_DEADLINE.into(), unix(deadline).to_string());
        rel.labels.insert(LABEL_ATOMIC.into(), "false".into());
        if !failed_digest.is_empty() {
            rel.labels
                .insert(LABEL_FAILED_DIGEST.into(), failed_digest.to_string());
        }
        rel
    }

    async fn uninstall_failed(
        &self,
        hist: &[Stored],
        failed: &Stored,
        reason: &str,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        let name = &o.release;
        let records = Records::new(&self.cluster, &o.namespace);
        let objs = objects::from_stream(&failed.release.manifest).unwrap_or_default();
        for obj in objs.iter().rev().filter(|x| !x.keep()) {
            let (_, ns) = match self.cluster.placement(obj, &o.namespace).await {
                Ok(p) => p,
                Err(ClusterError::UnknownKind { .. }) => continue,
                Err(e) => return Err(self.err_c(name)(e)),
            };
            with_retry(|| {
                self.cluster
                    .delete(obj.api_version(), obj.kind(), &ns, obj.name())
            })
            .await
            .map_err(self.err_c(name))?;
        }
        let _ = hist;
        let mut rel = failed.release.clone();
        rel.info.status = Status::Uninstalled;
        rel.info.deleted = Some(release::now_rfc3339(now));
        rel.info.description = format!("{reason}; uninstalled (atomic install)");
        records
            .update(failed, &rel, unix(now))
            .await
            .map_err(Self::err_r(name))?;
        Ok(Progress::Done(Outcome::RolledBack {
            failed_revision: rel.version,
            reason: reason.to_string(),
            rollback: RollbackOutcome::Uninstalled,
        }))
    }

    /// Removes the latest revision's objects and marks it uninstalled (history kept):
    /// what undoing a failed first install means.
    pub async fn uninstall(
        &self,
        o: &DeployOptions,
        now: DateTime<Utc>,
    ) -> Result<(), DeployError> {
        let records = Records::new(&self.cluster, &o.namespace);
        let hist = records
            .history(&o.release)
            .await
            .map_err(Self::err_r(&o.release))?;
        let Some(latest) = hist.last() else {
            return Ok(());
        };
        if latest.release.info.status == Status::Uninstalled {
            return Ok(());
        }
        let reason = latest.release.info.description.clone();
        self.uninstall_failed(&hist, latest, &reason, o, now)
            .await
            .map(|_| ())
    }

    /// Rolls a release back to `to` (default: the revision before the deployed one) as a
    /// new revision, like `helm rollback`; returns once applied (`Waiting`), or done.
    pub async fn rollback(
        &self,
        o: &DeployOptions,
        to: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Progress, DeployError> {
        let name = &o.release;
        let records = Records::new(&self.cluster, &o.namespace);
        let hist = records.history(name).await.map_err(Self::err_r(name))?;
        let Some(latest) = hist.last() else {
            return Err(DeployError::NotFound {
                release: name.clone(),
                message: format!("no revisions in namespace {}", o.namespace),
            });
        };
        if latest.release.info.status.is_pending() {
            let until = lease_of(&latest.release).unwrap_or(now);
            if now < until {
                return Err(DeployError::Busy {
                    release: name.clone(),
                    revision: latest.release.version,
                    until,
                });
            }
            self.abandon(&records, latest, now).await?;
        }
        let current = hist
            .iter()
            .rev()
            .find(|s| s.release.info.status == Status::Deployed);
        let to = match to {
            Some(v) => v,
            None => {
                let cur = current.map_or(latest.release.version, |c| c.release.version);
                cur - 1
            }
        };
        let Some(target) = hist.iter().find(|s| s.release.version == to) else {
            return Err(DeployError::NotFound {
                release: name.clone(),
                message: format!(
                    "revision {to} does not exist (history has {})",
                    hist.iter()
                        .map(|s| s.release.version.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        };
        let rel = self.rollback_record(&target.release, latest.release.version + 1, "", o, now);
        let stored = records
            .create(&rel, unix(now))
            .await
            .map_err(Self::err_r(name))?;
        let hist = records.history(name).await.map_err(Self::err_r(name))?;
        let deadline = deadline_of(&rel).unwrap_or(now);
        self.apply_revision(&hist, stored, &[], o, now, deadline)
            .await
    }

    /// Drives `start`/`check` to the end, polling every `poll`, reporting progress.
    pub async fn deploy(
        &self,
        src: &Source,
        o: &DeployOptions,
        poll: Duration,
        mut on_progress: impl FnMut(&Progress),
    ) -> Result<Outcome, DeployError> {
        let mut p = self.start(src, o, Utc::now()).await?;
        self.drive(&mut p, o, poll, &mut on_progress).await?;
        // a rollback left behind by an earlier deployer was finished first: now ours
        if let Progress::Done(_) = &p {
            let prepared = plan::prepare(src).map_err(|source| DeployError::Plan {
                release: o.release.clone(),
                source,
            })?;
            let hist = self.history(&o.release, &o.namespace).await?;
            let ours = hist.iter().any(|r| {
                r.labels.get(LABEL_DIGEST) == Some(&short(&prepared.digest))
                    || r.labels.get(LABEL_FAILED_DIGEST) == Some(&short(&prepared.digest))
            });
            if !ours {
                p = self.start(src, o, Utc::now()).await?;
                self.drive(&mut p, o, poll, &mut on_progress).await?;
            }
        }
        match p {
            Progress::Done(out) => Ok(out),
            Progress::Waiting { .. } => unreachable!("drive ends when done"),
        }
    }

    /// Polls until `p` is done.
    pub async fn drive(
        &self,
        p: &mut Progress,
        o: &DeployOptions,
        poll: Duration,
        on_progress: &mut impl FnMut(&Progress),
    ) -> Result<(), DeployError> {
        on_progress(p);
        while let Progress::Waiting { .. } = p {
            tokio::time::sleep(poll).await;
            *p = self.check(o, Utc::now()).await?;
            on_progress(p);
        }
        Ok(())
    }
}

/// A workload's `spec.selector.matchLabels` as a label selector.
fn match_labels(live: &serde_json::Value) -> Option<String> {
    let sel = live["spec"]["selector"]["matchLabels"].as_object()?;
    Some(
        sel.iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(","),
    )
}

fn plan_obj(release: &str, e: ObjectError) -> DeployError {
    DeployError::Plan {
        release: release.to_string(),
        source: PlanError::Object(e),
    }
}

/// `5m0s`-style durations, as Go prints them.
pub fn humantime(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, m, s) => format!("{h}h{m}m{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_does() {
        assert_eq!(humantime(Duration::from_secs(300)), "5m0s");
        assert_eq!(humantime(Duration::from_secs(42)), "42s");
        assert_eq!(humantime(Duration::from_secs(3723)), "1h2m3s");
    }
}
