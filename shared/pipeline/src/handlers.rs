//! The pipeline's handlers, the same for the Lambda functions and the local runtime:
//! an image push becomes a published chart; a chart upload opens an execution; every
//! queued command runs against its port and reports an event; every event is applied to
//! its execution with compare-and-swap, and the execution's outbox is sent.
//!
//! Every handler is safe to run twice on the same message: executions are keyed by
//! content, events carry their identity (a duplicate is `Unchanged` and only re-sends
//! the outbox under the same deduplication ids), and deploys are idempotent per
//! candidate (see `lockgate_kube::deploy`).

use std::collections::BTreeMap;

use sha2::Digest as _;
use std::path::PathBuf;
use std::sync::Arc;

use lockgate_core::config::Config;
use lockgate_core::envelope::{self, Envelope, Message};
use lockgate_core::execution::{
    Candidate, ChartArtifact, Command, Event, EventBody, Execution, Opening, Plan,
};
use lockgate_core::ids::{Digest, ExecutionId};
use lockgate_core::image::PinnedImage;
use lockgate_core::ports::{
    ApprovalHandle, Approvals, ChartStore, Clock, CommandQueue, ImageRegistry, Notifier, PortError,
    StateStore, StoreError,
};
use lockgate_core::records;
use lockgate_core::span::Span;
use lockgate_kube::deploy::{DeployError, DeployOptions, Outcome, Progress};
use lockgate_kube::plan::{ChartInput, Source};

use crate::chart_build::{self, ANNOTATION_DIGEST, ANNOTATION_REPOSITORY, ANNOTATION_TAG};
use crate::clusters::Clusters;

/// Annotation naming who pushed the image (for the four-eyes rule).
pub const ANNOTATION_TRIGGERED_BY: &str = "lockgate.io/triggered-by";

/// Everything a handler needs: configuration and ports.
#[derive(Clone)]
pub struct Ctx {
    /// the configuration
    pub config: Arc<Config>,
    /// directory chart sources are relative to
    pub config_dir: PathBuf,
    /// scratch space for chart builds
    pub workdir: PathBuf,
    /// execution records
    pub store: Arc<dyn StateStore>,
    /// the chart repository
    pub charts: Arc<dyn ChartStore>,
    /// where commands go
    pub queue: Arc<dyn CommandQueue>,
    /// tags to digests, scan findings
    pub registry: Arc<dyn ImageRegistry>,
    /// the clusters
    pub clusters: Arc<Clusters>,
    /// approval requests
    pub approvals: Arc<dyn Approvals>,
    /// notifications
    pub notifier: Arc<dyn Notifier>,
    /// time
    pub clock: Arc<dyn Clock>,
    /// the longest delay the queue takes (SQS: 15 minutes); longer timers are chained
    pub max_delay: Span,
    /// a workload whose containers restarted this often in CrashLoopBackOff fails at once
    pub crash_loop_restarts: Option<i64>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("config_dir", &self.config_dir)
            .finish()
    }
}

/// Why a handler did not finish: transient errors are retried by the queue, permanent
/// ones are reported and the message is not retried.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Retry later.
    #[error("{0} (will retry)")]
    Transient(String),
    /// Retrying cannot help.
    #[error("{0}")]
    Permanent(String),
}

impl HandlerError {
    /// Worth retrying.
    pub fn is_transient(&self) -> bool {
        matches!(self, HandlerError::Transient(_))
    }
}

impl From<PortError> for HandlerError {
    fn from(e: PortError) -> Self {
        if e.is_transient() {
            HandlerError::Transient(e.to_string())
        } else {
            HandlerError::Permanent(e.to_string())
        }
    }
}

impl From<StoreError> for HandlerError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Port(p) => p.into(),
            other => HandlerError::Transient(other.to_string()),
        }
    }
}

/// An image pushed to a registry.
#[derive(Debug, Clone)]
pub struct ImagePush {
    /// repository (`123.dkr.ecr.eu-west-1.amazonaws.com/web`)
    pub repository: String,
    /// tag
    pub tag: String,
    /// digest when the event carries it
    pub digest: Option<Digest>,
    /// who pushed it (Slack user id), for the four-eyes rule
    pub pushed_by: Option<String>,
}

/// An image push: checks the app and tag policy, resolves and scans the digest, builds,
/// lints, packages and publishes the chart. Returns the published chart.
pub async fn image_pushed(ctx: &Ctx, push: &ImagePush) -> Result<ChartArtifact, HandlerError> {
    let config = &ctx.config;
    let app = config.app_for_repository(&push.repository).ok_or_else(|| {
        HandlerError::Permanent(format!(
            "image repository {} belongs to no app: add it as apps[].image.repository in lockgate.yaml (known: {})",
            push.repository,
            config.apps.iter().map(|a| a.image.repository.as_str()).collect::<Vec<_>>().join(", ")
        ))
    })?;
    app.image.tag_policy.check(&push.tag).map_err(|e| {
        HandlerError::Permanent(format!(
            "app {}: image {}:{} refused: {e}",
            app.name, push.repository, push.tag
        ))
    })?;
    let digest = match &push.digest {
        Some(d) => d.clone(),
        None => {
            ctx.registry
                .resolve_tag(&push.repository, &push.tag)
                .await?
        }
    };
    if let Some(policy) = &app.image.scan {
        let findings = ctx
            .registry
            .scan_findings(&push.repository, &digest)
            .await?;
        findings.admit(policy).map_err(|e| {
            HandlerError::Permanent(format!(
                "app {}: image {}@{digest} blocked by its scan: {e}",
                app.name, push.repository
            ))
        })?;
    }
    let image = PinnedImage {
        repository: push.repository.clone(),
        tag: push.tag.clone(),
        digest,
    };
    let source = ctx.config_dir.join(&app.chart.source);
    let paths = app.chart.image_values.clone();
    let workdir = ctx.workdir.clone();
    let by = push.pushed_by.clone();
    let img = image.clone();
    let built = tokio::task::spawn_blocking(move || {
        chart_build::build(&source, &img, &paths, by.as_deref(), &workdir)
    })
    .await
    .map_err(|e| HandlerError::Transient(e.to_string()))?
    .map_err(|e| HandlerError::Permanent(format!("app {}: {e}", app.name)))?;
    let artifact = chart_build::publish(ctx.charts.as_ref(), &built)
        .await
        .map_err(|e| HandlerError::Transient(e.to_string()))?;
    tracing::info!(app = %app.name, chart = %artifact.name, version = %artifact.version, image = %image.reference(), stage = "publish", "chart published");
    Ok(artifact)
}

/// What a verified archive says about itself.
#[derive(Debug, Clone)]
struct ArchiveFacts {
    name: String,
    version: String,
    image: Result<PinnedImage, String>,
    triggered_by: Option<String>,
}

fn archive_facts(bytes: &[u8]) -> Result<ArchiveFacts, String> {
    let chart = lockgate_helm::chart::load_archive_bytes(bytes, &Default::default())
        .map_err(|e| e.to_string())?;
    let md = &chart.metadata;
    let ann = |k: &str| md.annotations.get(k).cloned();
    let image = (|| {
        let repository = ann(ANNOTATION_REPOSITORY).ok_or("no image repository annotation")?;
        let tag = ann(ANNOTATION_TAG).ok_or("no image tag annotation")?;
        let digest = ann(ANNOTATION_DIGEST).ok_or("no image digest annotation")?;
        let digest = Digest::parse(&digest).map_err(|e| e.to_string())?;
        Ok::<_, String>(PinnedImage {
            repository,
            tag,
            digest,
        })
    })();
    Ok(ArchiveFacts {
        name: md.name.clone(),
        version: md.version.clone(),
        image: image.map_err(|e| {
            format!("{e}: charts must be published by lockgate's image step, which pins the image in Chart.yaml annotations")
        }),
        triggered_by: ann(ANNOTATION_TRIGGERED_BY),
    })
}

/// A chart archive landed in the repository: verifies it and opens its execution.
/// Returns `None` for objects that are not chart archives (`index.yaml`).
pub async fn chart_uploaded(
    ctx: &Ctx,
    location: &str,
) -> Result<Option<ExecutionId>, HandlerError> {
    if !location.ends_with(".tgz") {
        return Ok(None);
    }
    let bytes = ctx.charts.get_archive(location).await?;
    let digest = Digest::of_bytes(&bytes);
    let facts = tokio::task::spawn_blocking(move || archive_facts(&bytes))
        .await
        .map_err(|e| HandlerError::Transient(e.to_string()))?
        .map_err(|e| HandlerError::Permanent(format!("chart archive {location}: {e}")))?;
    let app = ctx
        .config
        .apps
        .iter()
        .find(|a| a.chart.name == facts.name)
        .ok_or_else(|| {
            HandlerError::Permanent(format!(
                "chart archive {location}: chart {} belongs to no app (apps[].chart.name in lockgate.yaml)",
                facts.name
            ))
        })?;
    let image = facts
        .image
        .clone()
        .map_err(|e| HandlerError::Permanent(format!("chart archive {location}: {e}")))?;
    let candidate = Candidate {
        app: app.name.clone(),
        chart: ChartArtifact {
            name: facts.name.clone(),
            version: facts.version.clone(),
            digest,
            location: location.to_string(),
        },
        image,
        triggered_by: facts.triggered_by.clone(),
    };
    let plan = Plan::for_app(&ctx.config, &app.name)
        .map_err(|e| HandlerError::Permanent(e.to_string()))?;
    let open = records::open_executions(ctx.store.as_ref(), &app.name)
        .await
        .map_err(record_error)?;
    let now = ctx.clock.now();
    let (exec, _) = Execution::open(Opening {
        candidate,
        plan,
        at: now,
        open_executions: open,
    });
    if !records::create(ctx.store.as_ref(), &exec)
        .await
        .map_err(record_error)?
    {
        // a duplicate upload notification: re-send the opening's outbox if it is still
        // the last step, else nothing
        if let Some(existing) = records::load(ctx.store.as_ref(), &exec.id)
            .await
            .map_err(record_error)?
        {
            if existing.execution.seq() == 0 {
                send_outbox(ctx, &existing.execution).await?;
            }
        }
        return Ok(Some(exec.id));
    }
    tracing::info!(execution_id = %exec.id, app = %app.name, stage = "open", "execution opened");
    send_outbox(ctx, &exec).await?;
    Ok(Some(exec.id))
}

fn record_error(e: records::RecordError) -> HandlerError {
    if e.is_transient() {
        HandlerError::Transient(e.to_string())
    } else {
        HandlerError::Permanent(e.to_string())
    }
}

async fn send_outbox(ctx: &Ctx, exec: &Execution) -> Result<(), HandlerError> {
    for m in envelope::outbox(exec, ctx.clock.now(), ctx.max_delay) {
        ctx.queue.send(&m).await?;
    }
    Ok(())
}

/// Loads an execution.
pub async fn load(ctx: &Ctx, id: &ExecutionId) -> Result<Option<Execution>, HandlerError> {
    Ok(records::load(ctx.store.as_ref(), id)
        .await
        .map_err(record_error)?
        .map(|s| s.execution))
}

/// What applying an event did.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// The execution moved on.
    Moved(Box<Execution>),
    /// Nothing changed (duplicate, stale or finished).
    Unchanged(String),
}

/// Applies `event` to execution `id` with compare-and-swap, then sends its outbox (or,
/// for a redelivered event whose step was saved, sends that outbox again).
pub async fn apply_event(
    ctx: &Ctx,
    id: &ExecutionId,
    event: &Event,
) -> Result<Applied, HandlerError> {
    match records::apply(ctx.store.as_ref(), id, event)
        .await
        .map_err(record_error)?
    {
        records::Applied::Changed { execution, .. } => {
            tracing::info!(execution_id = %id, app = %execution.app, env = ?event.body_env(), status = %execution.status, stage = "step", "event applied");
            send_outbox(ctx, &execution).await?;
            Ok(Applied::Moved(Box::new(execution)))
        }
        records::Applied::Unchanged { reason, .. } if reason.retry_later() => {
            // it arrived before what it follows: let the queue deliver it again
            Err(HandlerError::Transient(format!("execution {id}: {reason}")))
        }
        records::Applied::Unchanged {
            execution,
            reason,
            resend,
        } => {
            if !resend.is_empty() {
                send_outbox(ctx, &execution).await?;
            }
            tracing::debug!(execution_id = %id, reason = %reason, "event changes nothing");
            Ok(Applied::Unchanged(reason.to_string()))
        }
    }
}

/// Small helpers the handlers need on events.
trait EventEnv {
    fn body_env(&self) -> Option<&str>;
}

impl EventEnv for Event {
    fn body_env(&self) -> Option<&str> {
        match &self.body {
            EventBody::DeployStarted { env, .. }
            | EventBody::DeployFailed { env, .. }
            | EventBody::RolloutProgressed { env, .. }
            | EventBody::RolloutSucceeded { env, .. }
            | EventBody::RolloutFailed { env, .. }
            | EventBody::RolledBack { env, .. }
            | EventBody::RollbackFailed { env, .. }
            | EventBody::DecisionRecorded { env, .. }
            | EventBody::TimerFired { env, .. } => Some(env),
            _ => None,
        }
    }
}

/// Handles one queued message: runs a command and applies the event it produces, or
/// applies an event.
pub async fn handle(ctx: &Ctx, env: &Envelope) -> Result<(), HandlerError> {
    let msg = env
        .decode()
        .map_err(|e| HandlerError::Permanent(format!("message {}: {e}", env.idempotency_key)))?;
    match msg {
        Message::Event(e) => {
            let applied = apply_event(ctx, &env.execution_id, &e).await?;
            if let (Applied::Unchanged(reason), EventBody::DecisionRecorded { env: gate, by, .. }) =
                (&applied, &e.body)
            {
                answer_decider(ctx, &env.execution_id, gate, by, reason).await;
            }
            Ok(())
        }
        Message::Command(c) => {
            if let Some(event) = run(ctx, &env.execution_id, &c, env).await? {
                apply_event(ctx, &env.execution_id, &event).await?;
            }
            Ok(())
        }
    }
}

/// Tells someone whose decision changed nothing why: the release was superseded, or
/// already decided by someone else at some time, or they may not decide it. Best
/// effort: a failure is logged, never retried.
async fn answer_decider(ctx: &Ctx, id: &ExecutionId, gate: &str, by: &str, reason: &str) {
    let exec = match load(ctx, id).await {
        Ok(Some(e)) => e,
        _ => return,
    };
    let text = decision_answer(&exec, gate, by, reason);
    let handle = match ctx.store.get(&approval_key(id, gate)).await {
        Ok(Some(v)) => Some(ApprovalHandle(
            String::from_utf8_lossy(&v.bytes).into_owned(),
        )),
        _ => None,
    };
    if let Err(e) = ctx.approvals.answer(by, handle.as_ref(), &text).await {
        tracing::warn!(execution_id = %id, user = by, error = %e, "could not answer the decider");
    }
}

/// What a decider is told when their decision changed nothing.
pub fn decision_answer(exec: &Execution, gate: &str, by: &str, reason: &str) -> String {
    use lockgate_core::execution::Status;
    let what = format!("{} {} to {gate}", exec.app, exec.candidate.image.tag);
    if let Status::Superseded { by: newer } = &exec.status {
        return format!(
            "{what}: this release was superseded by {newer}; your decision was not recorded"
        );
    }
    let decided = exec
        .stage_index(gate)
        .and_then(|i| exec.stages[i].approval.as_ref())
        .map(|a| a.decisions.clone())
        .unwrap_or_default();
    if let Some(mine) = decided.iter().find(|d| d.by == by) {
        let verdict = match mine.verdict {
            lockgate_core::execution::Verdict::Approve => "approve",
            lockgate_core::execution::Verdict::Reject => "reject",
        };
        return format!(
            "{what}: your decision ({verdict}) was already recorded at {}",
            mine.at.format("%Y-%m-%d %H:%M UTC")
        );
    }
    if exec.status.is_final() || reason.starts_with("stale") {
        if let Some(last) = decided.last() {
            return format!(
                "{what}: this release was decided by {} at {} ({}); your decision was not recorded",
                last.by,
                last.at.format("%Y-%m-%d %H:%M UTC"),
                exec.status
            );
        }
        return format!(
            "{what}: this release is {}; your decision was not recorded",
            exec.status
        );
    }
    format!("{what}: your decision was not recorded: {reason}")
}

fn deploy_error(e: DeployError) -> HandlerError {
    match &e {
        DeployError::Busy { .. } => HandlerError::Transient(e.to_string()),
        DeployError::Cluster { source, .. } if source.is_transient() => {
            HandlerError::Transient(e.to_string())
        }
        DeployError::Records { .. } => HandlerError::Transient(e.to_string()),
        _ => HandlerError::Permanent(e.to_string()),
    }
}

fn options(ctx: &Ctx, release: &str, namespace: &str, timeout: Span) -> DeployOptions {
    let mut o = DeployOptions::new(release, namespace);
    o.timeout = timeout.to_std();
    o.atomic = false; // the execution decides about rollbacks
    o.create_namespace = true;
    o.crash_loop_restarts = ctx.crash_loop_restarts;
    o
}

/// What a deploy renders: the archive, the environment's values files, and the image
/// pinned through `--set-string` at the chart's image value paths.
pub(crate) fn source(
    bytes: Vec<u8>,
    names: &[String],
    files: BTreeMap<String, Vec<u8>>,
    image: &PinnedImage,
    image_values: &lockgate_core::config::ImageValuePaths,
) -> Source {
    let mut sets = vec![
        format!("{}={}", image_values.repository, image.repository),
        format!("{}={}", image_values.tag, image.tag),
    ];
    if let Some(p) = &image_values.digest {
        sets.push(format!("{p}={}", image.digest));
    }
    Source {
        chart: ChartInput::Archive(bytes),
        values: lockgate_helm::values::MergeOptions {
            value_files: names.to_vec(),
            string_values: sets,
            ..Default::default()
        },
        files,
    }
}

/// Values files named by the environment, read from the chart archive.
pub(crate) fn values_files(
    bytes: &[u8],
    names: &[String],
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let chart = lockgate_helm::chart::load_archive_bytes(bytes, &Default::default())
        .map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for n in names {
        if n == "values.yaml" {
            out.insert(n.clone(), chart.raw_values.clone().unwrap_or_default());
            continue;
        }
        let f = chart
            .files
            .iter()
            .find(|f| &f.name == n)
            .ok_or_else(|| format!("values file {n} is not in chart {}: add it to the chart or remove it from values_files", chart.name()))?;
        out.insert(n.clone(), f.data.to_vec());
    }
    Ok(out)
}

async fn run(
    ctx: &Ctx,
    id: &ExecutionId,
    c: &Command,
    env: &Envelope,
) -> Result<Option<Event>, HandlerError> {
    let now = ctx.clock.now();
    let ev = |body| Some(Event::new(ctx.clock.now(), body));
    match c {
        Command::VerifyChart { chart } => {
            let bytes = ctx.charts.get_archive(&chart.location).await?;
            let got = Digest::of_bytes(&bytes);
            if got != chart.digest {
                return Ok(ev(EventBody::ChartRejected {
                    reason: format!(
                        "{} has digest {got}, expected {}",
                        chart.location, chart.digest
                    ),
                }));
            }
            let check = tokio::task::spawn_blocking(move || archive_facts(&bytes))
                .await
                .map_err(|e| HandlerError::Transient(e.to_string()))?;
            Ok(match check {
                Ok(_) => ev(EventBody::ChartVerified { chart_digest: got }),
                Err(reason) => ev(EventBody::ChartRejected { reason }),
            })
        }
        Command::Deploy {
            env: e,
            cluster,
            namespace,
            release,
            chart,
            values_files: names,
            image,
            image_values,
            timeout,
            ..
        } => {
            let d = ctx.clusters.deployer(cluster).await?;
            let bytes = ctx.charts.get_archive(&chart.location).await?;
            let names2 = names.clone();
            let b2 = bytes.clone();
            let files = match tokio::task::spawn_blocking(move || values_files(&b2, &names2))
                .await
                .map_err(|e| HandlerError::Transient(e.to_string()))?
            {
                Ok(f) => f,
                Err(reason) => {
                    return Ok(ev(EventBody::DeployFailed {
                        env: e.clone(),
                        reason,
                        previous_revision: None,
                    }))
                }
            };
            let src = source(bytes, names, files, image, image_values);
            let o = options(ctx, release, namespace, *timeout);
            let previous = d
                .history(release, namespace)
                .await
                .map_err(deploy_error)?
                .iter()
                .rev()
                .find(|r| r.info.status == lockgate_kube::release::Status::Deployed)
                .map(|r| r.version as u64);
            let body = match d.start(&src, &o, now).await {
                Ok(Progress::Waiting { revision, .. }) => EventBody::DeployStarted {
                    env: e.clone(),
                    revision: revision as u64,
                    previous_revision: previous,
                },
                Ok(Progress::Done(Outcome::Deployed { revision, .. })) => {
                    EventBody::DeployStarted {
                        env: e.clone(),
                        revision: revision as u64,
                        previous_revision: previous.filter(|p| *p != revision as u64),
                    }
                }
                Ok(Progress::Done(
                    Outcome::Failed { reason, .. } | Outcome::RolledBack { reason, .. },
                )) => EventBody::DeployFailed {
                    env: e.clone(),
                    reason,
                    previous_revision: previous,
                },
                Err(err) => match deploy_error(err) {
                    HandlerError::Permanent(reason) => EventBody::DeployFailed {
                        env: e.clone(),
                        reason,
                        previous_revision: previous,
                    },
                    t => return Err(t),
                },
            };
            Ok(ev(body))
        }
        Command::CheckRollout {
            env: e,
            cluster,
            namespace,
            release,
            revision,
            attempt,
            ..
        } => {
            let d = ctx.clusters.deployer(cluster).await?;
            let o = options(ctx, release, namespace, Span::from_secs(0));
            let body = match d.check(&o, now).await.map_err(deploy_error)? {
                Progress::Waiting { pending, .. } => EventBody::RolloutProgressed {
                    env: e.clone(),
                    revision: *revision,
                    attempt: *attempt,
                    message: pending.first().cloned().unwrap_or_default(),
                },
                Progress::Done(Outcome::Deployed { .. }) => EventBody::RolloutSucceeded {
                    env: e.clone(),
                    revision: *revision,
                    attempt: *attempt,
                },
                Progress::Done(
                    Outcome::Failed { reason, .. } | Outcome::RolledBack { reason, .. },
                ) => EventBody::RolloutFailed {
                    env: e.clone(),
                    revision: *revision,
                    attempt: *attempt,
                    reason,
                },
            };
            Ok(ev(body))
        }
        Command::RollBack {
            app,
            env: e,
            cluster,
            namespace,
            release,
            to_revision,
            ..
        } => {
            let d = ctx.clusters.deployer(cluster).await?;
            let timeout = ctx
                .config
                .app(app)
                .and_then(|a| a.environments.iter().find(|x| &x.name == e))
                .map_or(Span::from_mins(5), |x| x.timeout);
            let o = options(ctx, release, namespace, timeout);
            let body = match to_revision {
                None => match d.uninstall(&o, now).await {
                    Ok(()) => EventBody::RolledBack {
                        env: e.clone(),
                        revision: None,
                    },
                    Err(err) => EventBody::RollbackFailed {
                        env: e.clone(),
                        reason: err.to_string(),
                    },
                },
                Some(to) => {
                    let mut p = match d.rollback(&o, Some(*to as i64), now).await {
                        Ok(p) => p,
                        Err(err) => {
                            return match deploy_error(err) {
                                HandlerError::Permanent(reason) => {
                                    Ok(ev(EventBody::RollbackFailed {
                                        env: e.clone(),
                                        reason,
                                    }))
                                }
                                t => Err(t),
                            }
                        }
                    };
                    d.drive(
                        &mut p,
                        &o,
                        std::time::Duration::from_millis(250),
                        &mut |_| {},
                    )
                    .await
                    .map_err(deploy_error)?;
                    match p {
                        Progress::Done(Outcome::Deployed { revision, .. }) => {
                            EventBody::RolledBack {
                                env: e.clone(),
                                revision: Some(revision as u64),
                            }
                        }
                        Progress::Done(other) => EventBody::RollbackFailed {
                            env: e.clone(),
                            reason: describe(&other),
                        },
                        Progress::Waiting { .. } => unreachable!("drive ends when done"),
                    }
                }
            };
            Ok(ev(body))
        }
        Command::RequestApproval { request } => {
            let key = approval_key(id, &request.env);
            if ctx.store.get(&key).await?.is_some() {
                // posted before (a redelivery): one request per gate
                return Ok(None);
            }
            let mut request = request.clone();
            if request.values_diff.is_none() {
                request.values_diff = crate::values_diff::for_request(ctx, &request).await;
            }
            let handle = ctx.approvals.request(&request).await?;
            match ctx.store.create(&key, handle.0.into_bytes()).await {
                Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            Ok(None)
        }
        Command::UpdateApproval { env: e, state, .. } => {
            if let Some(v) = ctx.store.get(&approval_key(id, e)).await? {
                let handle = ApprovalHandle(String::from_utf8_lossy(&v.bytes).into_owned());
                ctx.approvals.update(&handle, state).await?;
            }
            Ok(None)
        }
        Command::ScheduleTimer {
            env: e,
            timer,
            fire_at,
        } => {
            if *fire_at > now {
                // the queue's longest delay fell short: wait again
                let mut again = env.clone();
                again.idempotency_key = format!("{}/{}", env.idempotency_key, now.timestamp());
                let out = envelope::Outgoing {
                    route: c.route(),
                    group_id: Some(id.to_string()),
                    dedup_id: again.dedup_id(),
                    delay: c.delay(now, ctx.max_delay),
                    envelope: again,
                };
                ctx.queue.send(&out).await?;
                return Ok(None);
            }
            Ok(ev(EventBody::TimerFired {
                env: e.clone(),
                timer: *timer,
            }))
        }
        Command::Notify { notice } => {
            if let Err(e) = ctx.notifier.notify(notice).await {
                // a notification failure never stops the pipeline
                tracing::warn!(execution_id = %id, app = %notice.app, error = %e, "notification failed");
                if e.is_transient() {
                    return Err(e.into());
                }
                // kept with the execution so `lockgate status` shows it
                let failure = NotifyFailure {
                    at: now,
                    kind: format!("{:?}", notice.kind),
                    text: notice.text.clone(),
                    error: e.to_string(),
                };
                let key = notify_failure_key(id, &env.idempotency_key);
                match ctx
                    .store
                    .create(&key, serde_json::to_vec(&failure).unwrap_or_default())
                    .await
                {
                    Ok(_) | Err(StoreError::AlreadyExists { .. }) => {}
                    Err(e) => {
                        tracing::warn!(execution_id = %id, error = %e, "could not record the notification failure")
                    }
                }
            }
            Ok(None)
        }
        Command::SupersedeExecution { id: other, by } => {
            let e = Event::new(now, EventBody::Superseded { by: by.clone() });
            match apply_event(ctx, other, &e).await {
                Ok(_) | Err(HandlerError::Permanent(_)) => {}
                Err(t) => return Err(t),
            }
            Ok(None)
        }
    }
}

/// A deploy outcome in words.
pub fn describe(o: &Outcome) -> String {
    use lockgate_kube::deploy::RollbackOutcome;
    match o {
        Outcome::Deployed { revision, .. } => format!("revision {revision} deployed"),
        Outcome::Failed { revision, reason } => format!("revision {revision} failed: {reason}"),
        Outcome::RolledBack {
            failed_revision,
            reason,
            rollback,
        } => {
            let r = match rollback {
                RollbackOutcome::Restored { revision, to } => {
                    format!("revision {revision} restored revision {to}")
                }
                RollbackOutcome::Uninstalled => "the release was uninstalled".to_string(),
                RollbackOutcome::Failed { revision, reason } => {
                    format!("rollback revision {revision} failed: {reason}")
                }
            };
            format!("revision {failed_revision} failed ({reason}); {r}")
        }
    }
}

/// A notice that could not be delivered for good (kept for `lockgate status`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotifyFailure {
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The notice's kind.
    pub kind: String,
    /// The notice's text.
    pub text: String,
    /// Why it was not delivered.
    pub error: String,
}

/// Where a failed notice of execution `id` (message `message_key`) is kept.
pub fn notify_failure_key(id: &ExecutionId, message_key: &str) -> String {
    let h = hex::encode(sha2::Sha256::digest(message_key.as_bytes()));
    format!("notify-failures/{id}/{}", &h[..16])
}

/// The notices of execution `id` that could not be delivered, oldest first.
///
/// # Errors
/// When the store cannot be read.
pub async fn notify_failures(
    store: &dyn StateStore,
    id: &ExecutionId,
) -> Result<Vec<NotifyFailure>, StoreError> {
    let mut out = Vec::new();
    for key in store.list(&format!("notify-failures/{id}/")).await? {
        if let Some(v) = store.get(&key).await? {
            if let Ok(f) = serde_json::from_slice::<NotifyFailure>(&v.bytes) {
                out.push(f);
            }
        }
    }
    out.sort_by_key(|f| f.at);
    Ok(out)
}

/// Where the handle of an approval request is kept.
pub fn approval_key(id: &ExecutionId, env: &str) -> String {
    format!("approvals/{id}/{env}")
}

/// Records a decision (from Slack or `lockgate approve`): applies it to the execution.
pub async fn record_decision(
    ctx: &Ctx,
    id: &ExecutionId,
    body: EventBody,
) -> Result<Applied, HandlerError> {
    let e = Event::new(ctx.clock.now(), body);
    apply_event(ctx, id, &e).await
}
