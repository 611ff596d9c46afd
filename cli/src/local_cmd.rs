//! The local pipeline service and its companions: `lockgate run` watches a state
//! directory's inbox (image pushes, approval decisions) and its chart repository, and
//! runs the pipeline in process; `push-image`, `approve`, `reject` and `status` talk to it
//! through that directory. Several `run` processes may share one directory: inbox files
//! are claimed by atomic rename, records are written with compare-and-swap, and deploys
//! are idempotent per candidate.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use lockgate_core::config::Config;
use lockgate_core::execution::{EventBody, Execution, Status, Verdict};
use lockgate_core::ids::{Digest, ExecutionId};
use lockgate_core::ports::{keys, StateStore};
use lockgate_core::span::Span;
use lockgate_pipeline::clusters::Clusters;
use lockgate_pipeline::handlers::{self, Ctx, ImagePush};
use lockgate_pipeline::local::adapters::{
    ApprovalMode, LocalApprovals, LocalRegistry, SystemClock, TimelineNotifier,
};
use lockgate_pipeline::local::queue::LocalQueue;
use lockgate_pipeline::local::runtime::Runtime;
use lockgate_pipeline::local::store::{FsChartStore, FsStore};
use serde_json::json;

/// `lockgate run`
#[derive(Args, Debug)]
pub struct RunArgs {
    /// the pipeline configuration
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// state directory (records, chart repository, inbox)
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// exit once the inbox is empty and no execution is in progress (for scripts and tests)
    #[arg(long)]
    pub exit_when_idle: bool,
    /// simulated time for `kind: simulated` clusters
    #[arg(long, default_value_t = 0.05)]
    pub time_scale: f64,
    /// post approval requests and notices to real Slack with the bot token in this
    /// environment variable (decide with `lockgate approve` / `reject`, or Slack's
    /// buttons when slack-interactions is deployed)
    #[arg(long, value_name = "VAR")]
    pub slack_token_env: Option<String>,
    /// Slack Web API base URL
    #[arg(long, value_name = "URL", default_value = lockgate_slack::client::DEFAULT_API_URL)]
    pub slack_api_url: String,
}

/// `lockgate push-image`
#[derive(Args, Debug)]
pub struct PushArgs {
    /// app name from the configuration
    pub app: String,
    /// image tag
    pub tag: String,
    /// image digest (sha256:...); default: derived from the tag (no registry locally)
    #[arg(long)]
    pub digest: Option<String>,
    /// who pushed (a Slack user id), for the four-eyes rule
    #[arg(long = "by")]
    pub by: Option<String>,
    /// state directory of `lockgate run`
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
}

/// `lockgate approve` / `lockgate reject`
#[derive(Args, Debug)]
pub struct DecideArgs {
    /// execution id (see `lockgate status`)
    pub execution: String,
    /// the approver (a Slack user id of the gate); default: $LOCKGATE_USER
    #[arg(long = "as")]
    pub user: Option<String>,
    /// reason (required for reject)
    #[arg(long)]
    pub reason: Option<String>,
    /// state directory of `lockgate run`
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
}

/// `lockgate status`
#[derive(Args, Debug)]
pub struct StatusArgs {
    /// one execution (default: all)
    pub execution: Option<String>,
    /// state directory
    #[arg(long, value_name = "DIR")]
    pub state: PathBuf,
    /// output format
    #[arg(short = 'o', long, default_value = "text", value_parser = ["text", "json"])]
    pub output: String,
}

fn inbox(state: &Path, kind: &str) -> PathBuf {
    state.join("inbox").join(kind)
}

fn write_inbox(state: &Path, kind: &str, doc: &serde_json::Value) -> anyhow::Result<PathBuf> {
    let dir = inbox(state, kind);
    std::fs::create_dir_all(&dir)?;
    let name = format!(
        "{}-{}-{:08x}.json",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"),
        std::process::id(),
        rand_u32()
    );
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec_pretty(doc)?)?;
    let path = dir.join(name);
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

fn rand_u32() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    t.subsec_nanos() ^ std::process::id().rotate_left(16)
}

/// Claims inbox files by renaming them out of the inbox: only one process wins each.
fn claim(state: &Path, kind: &str) -> Vec<serde_json::Value> {
    let dir = inbox(state, kind);
    let claimed = state.join("inbox").join("claimed");
    let _ = std::fs::create_dir_all(&claimed);
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for n in names {
        let to = claimed.join(format!("{kind}-{n}"));
        if std::fs::rename(dir.join(&n), &to).is_ok() {
            match std::fs::read(&to)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
            {
                Some(v) => out.push(v),
                None => {
                    eprintln!("inbox/{kind}/{n}: not valid JSON; ignored (kept in inbox/claimed)")
                }
            }
        }
    }
    out
}

/// Runs `lockgate push-image`.
pub fn push_image(a: PushArgs) -> anyhow::Result<ExitCode> {
    if let Some(d) = &a.digest {
        Digest::parse(d).map_err(|e| anyhow::anyhow!("--digest: {e}"))?;
    }
    let path = write_inbox(
        &a.state,
        "images",
        &json!({"app": a.app, "tag": a.tag, "digest": a.digest, "by": a.by}),
    )?;
    println!(
        "queued {}:{} for `lockgate run` ({})",
        a.app,
        a.tag,
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn store(state: &Path) -> anyhow::Result<FsStore> {
    Ok(FsStore::new(state.join("state"))?)
}

async fn executions(store: &FsStore) -> anyhow::Result<Vec<Execution>> {
    let mut out = Vec::new();
    for k in store.list("executions/").await? {
        if let Some(v) = store.get(&k).await? {
            out.push(
                serde_json::from_slice::<Execution>(&v.bytes)
                    .with_context(|| format!("record {k}"))?,
            );
        }
    }
    out.sort_by_key(|e| e.opened_at);
    Ok(out)
}

fn rt() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Runs `lockgate approve` or `lockgate reject`.
pub fn decide(a: DecideArgs, verdict: Verdict) -> anyhow::Result<ExitCode> {
    if verdict == Verdict::Reject && a.reason.as_deref().is_none_or(str::is_empty) {
        anyhow::bail!("lockgate reject needs --reason: say why, it goes into the audit trail");
    }
    let user = a
        .user
        .clone()
        .or_else(|| std::env::var("LOCKGATE_USER").ok())
        .context("say who decides: --as USER (a Slack user id of the gate) or LOCKGATE_USER")?;
    let store = store(&a.state)?;
    let id = ExecutionId::from_string(a.execution.clone());
    let exec = rt()?
        .block_on(async { store.get(&keys::execution(&id)).await })?
        .with_context(|| format!("no execution {} in {}", a.execution, a.state.display()))?;
    let exec: Execution = serde_json::from_slice(&exec.bytes)?;
    // the same person's same decision again (a double click) is harmless
    let earlier = exec
        .history
        .iter()
        .find_map(|h| match h.event.as_ref().map(|e| &e.body) {
            Some(EventBody::DecisionRecorded {
                by,
                verdict: v,
                env,
                ..
            }) if by == &user && *v == verdict => Some((env.clone(), h.at)),
            _ => None,
        });
    if let Some((env, at)) = earlier {
        println!(
            "{} for {env} by {user} was already recorded at {}; nothing to do (it is {})",
            exec.id,
            at.format("%Y-%m-%d %H:%M:%S UTC"),
            exec.status
        );
        return Ok(ExitCode::SUCCESS);
    }
    let Status::AwaitingApproval { env } = &exec.status else {
        anyhow::bail!(
            "execution {} is not waiting for approval (it is {})",
            exec.id,
            exec.status
        );
    };
    let gate = exec
        .plan
        .stages
        .iter()
        .find(|s| &s.env == env)
        .and_then(|s| s.gate.clone());
    if let Some(g) = &gate {
        if !g.users.iter().any(|u| u == &user) && g.groups.is_empty() {
            anyhow::bail!(
                "{user} is not an approver of {env} (approvers: {})",
                g.users.join(", ")
            );
        }
    }
    let path = write_inbox(
        &a.state,
        "decisions",
        &json!({
            "execution_id": exec.id,
            "env": env,
            "by": user,
            "verdict": verdict,
            "reason": a.reason,
            "decision_id": format!("cli-{}-{env}-{user}", exec.id),
        }),
    )?;
    println!(
        "{} {} for {env} as {user}: recorded for `lockgate run` ({})",
        if verdict == Verdict::Approve {
            "approved"
        } else {
            "rejected"
        },
        exec.id,
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `lockgate status`.
pub fn status(a: StatusArgs) -> anyhow::Result<ExitCode> {
    let store = store(&a.state)?;
    let all = rt()?.block_on(executions(&store))?;
    let shown: Vec<&Execution> = all
        .iter()
        .filter(|e| a.execution.as_deref().is_none_or(|x| e.id.as_str() == x))
        .collect();
    if let Some(x) = &a.execution {
        anyhow::ensure!(
            !shown.is_empty(),
            "no execution {x} in {}",
            a.state.display()
        );
    }
    let mut failures = std::collections::BTreeMap::new();
    for e in &shown {
        let f = rt()?.block_on(handlers::notify_failures(&store, &e.id))?;
        if !f.is_empty() {
            failures.insert(e.id.to_string(), f);
        }
    }
    if a.output == "json" {
        let doc = json!({
            "executions": shown.iter().map(|e| {
                let mut s = crate::demo::summary(e);
                if let Some(f) = failures.get(e.id.as_str()) {
                    s["notification_failures"] = json!(f);
                }
                s
            }).collect::<Vec<_>>()
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    for e in shown {
        println!(
            "{}  {} {}  {}",
            e.id, e.app, e.candidate.image.tag, e.status
        );
        for s in &e.stages {
            println!(
                "    {:<12} {:<18} {}",
                s.env,
                format!("{:?}", s.status),
                s.revision
                    .map(|r| format!("revision {r}"))
                    .unwrap_or_default()
            );
        }
        for f in failures.get(e.id.as_str()).into_iter().flatten() {
            println!(
                "    notification not delivered at {}: {} ({})",
                f.at.format("%Y-%m-%d %H:%M:%S UTC"),
                f.error,
                f.text
            );
        }
        if a.execution.is_some() {
            for h in &e.history {
                println!(
                    "    {}  {}  -> {}",
                    h.at.format("%H:%M:%S%.3f"),
                    h.key,
                    h.status
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `lockgate run`.
pub fn run(a: RunArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&a.config)
        .with_context(|| format!("reading {}", a.config.display()))?;
    let config =
        Config::from_yaml(&text).map_err(|e| anyhow::anyhow!("{}:\n{e}", a.config.display()))?;
    let needs_sim = config
        .clusters
        .iter()
        .any(|c| matches!(c.connection, lockgate_core::config::Connection::Simulated));
    let sim = if needs_sim {
        Some(lockgate_simcluster::SimCluster::start_background(
            "127.0.0.1:0".parse().expect("address"),
            lockgate_simcluster::SimConfig {
                tls: true,
                time_scale: a.time_scale,
                ..Default::default()
            },
        )?)
    } else {
        None
    };
    let config_dir = a
        .config
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(a.state.join("work"))?;
    let queue = LocalQueue::new(Arc::new(SystemClock), 5);
    let approvals = LocalApprovals::new(ApprovalMode::External);
    let state_store: Arc<dyn lockgate_core::ports::StateStore> = Arc::new(store(&a.state)?);
    let (slack_approvals, notifier): (
        Option<Arc<dyn lockgate_core::ports::Approvals>>,
        Arc<dyn lockgate_core::ports::Notifier>,
    ) = match &a.slack_token_env {
        None => (None, Arc::new(TimelineNotifier::new(true))),
        Some(var) => {
            let token = std::env::var(var)
                .ok()
                .filter(|t| !t.trim().is_empty())
                .with_context(|| format!("--slack-token-env {var}: the variable is not set (export the bot token, xoxb-..., in it)"))?;
            let client = Arc::new(
                lockgate_slack::SlackClient::new(&a.slack_api_url, token.trim())
                    .with_context(|| format!("--slack-api-url {}", a.slack_api_url))?,
            );
            (
                Some(Arc::new(lockgate_slack::SlackApprovals::new(
                    client.clone(),
                    state_store.clone(),
                    Arc::new(SystemClock),
                ))),
                Arc::new(lockgate_slack::SlackNotifier::new(
                    client,
                    state_store.clone(),
                )),
            )
        }
    };
    let ctx = Ctx {
        config: Arc::new(config),
        config_dir,
        workdir: a.state.join("work"),
        store: state_store,
        charts: Arc::new(FsChartStore::new(a.state.join("charts"))?),
        queue: Arc::new(queue.clone()),
        registry: Arc::new(LocalRegistry),
        clusters: Arc::new(Clusters::new(
            sim.as_ref()
                .map(|s| s.kubeconfig_yaml("lockgate-run", "default")),
            Default::default(),
        )),
        approvals: slack_approvals.unwrap_or_else(|| Arc::new(approvals.clone())),
        notifier,
        clock: Arc::new(SystemClock),
        max_delay: Span::from_hours(24),
        crash_loop_restarts: Some(3),
    };
    let runtime = Runtime { ctx, queue };
    println!(
        "lockgate run: watching {} (Ctrl-C stops)",
        a.state.display()
    );
    let result = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(service(&runtime, &approvals, &a.state, a.exit_when_idle));
    drop(sim);
    result.map(|()| ExitCode::SUCCESS)
}

async fn service(
    rt: &Runtime,
    approvals: &LocalApprovals,
    state: &Path,
    exit_when_idle: bool,
) -> anyhow::Result<()> {
    let ctx = &rt.ctx;
    let mut seen_charts: HashSet<String> = HashSet::new();
    let mut idle_since: Option<Instant> = None;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let mut busy = false;
        for push in claim(state, "images") {
            busy = true;
            let app_name = push["app"].as_str().unwrap_or("");
            let Some(app) = ctx.config.app(app_name) else {
                eprintln!("push for unknown app {app_name:?}: add it to the configuration");
                continue;
            };
            let digest = push["digest"].as_str().and_then(|d| Digest::parse(d).ok());
            let p = ImagePush {
                repository: app.image.repository.clone(),
                tag: push["tag"].as_str().unwrap_or("").to_string(),
                digest,
                pushed_by: push["by"].as_str().map(str::to_string),
            };
            match handlers::image_pushed(ctx, &p).await {
                Ok(artifact) => {
                    println!("published chart {} {}", artifact.name, artifact.version);
                    seen_charts.insert(artifact.location.clone());
                    if let Err(e) = handlers::chart_uploaded(ctx, &artifact.location).await {
                        eprintln!("chart {}: {e}", artifact.location);
                    }
                }
                Err(e) => eprintln!("push {}:{}: {e}", p.repository, p.tag),
            }
        }
        // charts dropped into the repository by other means
        if let Ok(entries) = std::fs::read_dir(state.join("charts")) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".tgz") && seen_charts.insert(name.clone()) {
                    busy = true;
                    if let Err(err) = handlers::chart_uploaded(ctx, &name).await {
                        eprintln!("chart {name}: {err}");
                    }
                }
            }
        }
        for d in claim(state, "decisions") {
            busy = true;
            let id = ExecutionId::from_string(d["execution_id"].as_str().unwrap_or(""));
            let verdict = if d["verdict"] == "reject" {
                Verdict::Reject
            } else {
                Verdict::Approve
            };
            let body = EventBody::DecisionRecorded {
                env: d["env"].as_str().unwrap_or("").to_string(),
                decision_id: d["decision_id"].as_str().unwrap_or("").to_string(),
                by: d["by"].as_str().unwrap_or("").to_string(),
                groups: Vec::new(),
                verdict,
                reason: d["reason"].as_str().map(str::to_string),
                digest: None,
            };
            if let Err(e) = handlers::record_decision(ctx, &id, body).await {
                eprintln!("decision for {id}: {e}");
            }
        }
        for p in approvals.take_pending() {
            println!(
                "approval needed: {} {} to {} — run `lockgate approve {} --as USER --state {}`",
                p.request.app,
                p.request.image.reference(),
                p.request.env,
                p.request.execution_id,
                state.display()
            );
        }
        while let (true, failed) = rt.pump_once().await {
            busy = true;
            if let Some(f) = failed {
                eprintln!("{} for {} failed: {}", f.kind, f.execution_id, f.error);
            }
        }
        if exit_when_idle {
            let in_progress = executions_in_progress(ctx).await?;
            if busy || in_progress {
                idle_since = None;
            } else if idle_since.get_or_insert_with(Instant::now).elapsed()
                > Duration::from_millis(600)
            {
                return Ok(());
            }
        }
        tokio::select! {
            _ = &mut ctrl_c => return Ok(()),
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

/// Whether some execution is still moving (awaiting approval counts as idle).
async fn executions_in_progress(ctx: &Ctx) -> anyhow::Result<bool> {
    for k in ctx.store.list("executions/").await? {
        if let Some(v) = ctx.store.get(&k).await? {
            let e: Execution = serde_json::from_slice(&v.bytes)?;
            if !e.status.is_final() && !matches!(e.status, Status::AwaitingApproval { .. }) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
