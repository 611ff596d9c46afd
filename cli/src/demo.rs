//! `lockgate demo`: the whole pipeline on a fresh machine, with nothing else running. An
//! embedded sample app (`hello`) goes from an image push to a published chart, a
//! staging deploy, an approval and a production rollout on the embedded simulated
//! cluster; then an image whose containers crash is pushed, and staging rolls back by
//! itself while production keeps running the first release.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use lockgate_core::config::Config;
use lockgate_core::execution::{EventBody, Execution, Status, Verdict};
use lockgate_core::ids::ExecutionId;
use lockgate_core::span::Span;
use lockgate_pipeline::clusters::Clusters;
use lockgate_pipeline::handlers::{self, Ctx, ImagePush};
use lockgate_pipeline::local::adapters::{
    ApprovalMode, LocalApprovals, LocalRegistry, SystemClock, TimelineNotifier,
};
use lockgate_pipeline::local::queue::LocalQueue;
use lockgate_pipeline::local::runtime::Runtime;
use lockgate_pipeline::local::store::{FsChartStore, FsStore};
use lockgate_simcluster::{SimCluster, SimConfig};
use serde_json::json;

/// The demo's files: the pipeline configuration and the sample chart.
const FILES: &[(&str, &str)] = &[
    ("lockgate.yaml", include_str!("../demo/lockgate.yaml")),
    ("hello/Chart.yaml", include_str!("../demo/hello/Chart.yaml")),
    (
        "hello/values.yaml",
        include_str!("../demo/hello/values.yaml"),
    ),
    (
        "hello/values.staging.yaml",
        include_str!("../demo/hello/values.staging.yaml"),
    ),
    (
        "hello/values.production.yaml",
        include_str!("../demo/hello/values.production.yaml"),
    ),
    (
        "hello/templates/_helpers.tpl",
        include_str!("../demo/hello/templates/_helpers.tpl"),
    ),
    (
        "hello/templates/configmap.yaml",
        include_str!("../demo/hello/templates/configmap.yaml"),
    ),
    (
        "hello/templates/deployment.yaml",
        include_str!("../demo/hello/templates/deployment.yaml"),
    ),
    (
        "hello/templates/service.yaml",
        include_str!("../demo/hello/templates/service.yaml"),
    ),
];

const REPOSITORY: &str = "registry.local/hello";
/// Who pushes the demo's images (the four-eyes rule keeps them from approving).
const PUSHER: &str = "U0DEVELOPER";

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// a readable timeline
    Text,
    /// one JSON document
    Json,
}

/// `lockgate demo`
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// approve production automatically instead of asking on the terminal
    #[arg(long)]
    pub auto_approve: bool,
    /// output format
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// keep the demo's state (chart repository, executions) in this directory
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// simulated time: 1.0 is realistic, 0.05 is 20 times faster
    #[arg(long, default_value_t = 0.05)]
    pub time_scale: f64,
}

struct Demo {
    rt: Runtime,
    approvals: LocalApprovals,
    text: bool,
    auto: bool,
}

fn say(text: bool, line: &str) {
    if text {
        println!("{line}");
    }
}

/// Runs the demo.
pub fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let tmp;
    let root: PathBuf = match &a.state {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let sources = root.join("sources");
    for (name, text) in FILES {
        let p = sources.join(name);
        std::fs::create_dir_all(p.parent().expect("file has a folder"))?;
        std::fs::write(&p, text)?;
    }
    let config =
        Config::from_yaml(FILES[0].1).map_err(|e| anyhow::anyhow!("demo configuration: {e}"))?;
    let text = a.output == Output::Text;
    say(
        text,
        "lockgate demo: an image push to production on the embedded simulated cluster\n",
    );
    let sim = SimCluster::start_background(
        "127.0.0.1:0".parse().expect("address"),
        SimConfig {
            tls: true,
            time_scale: a.time_scale,
            crash_images: vec![format!("*/hello:1.1.0@*")],
            ..SimConfig::default()
        },
    )
    .context("starting the simulated cluster")?;
    say(
        text,
        &format!(
            "cluster   simulated Kubernetes API at {} (state in {})",
            sim.url(),
            root.display()
        ),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(demo(&a, config, &root, &sources, &sim));
    drop(sim);
    result
}

async fn demo(
    a: &DemoArgs,
    config: Config,
    root: &Path,
    sources: &Path,
    sim: &SimCluster,
) -> anyhow::Result<ExitCode> {
    let text = a.output == Output::Text;
    let queue = LocalQueue::new(Arc::new(SystemClock), 5);
    let approvals = LocalApprovals::new(if a.auto_approve {
        ApprovalMode::Auto
    } else {
        ApprovalMode::Prompt
    });
    let notifier = TimelineNotifier::new(text);
    let ctx = Ctx {
        config: Arc::new(config),
        config_dir: sources.to_path_buf(),
        workdir: root.join("work"),
        store: Arc::new(FsStore::new(root.join("state"))?),
        charts: Arc::new(FsChartStore::new(root.join("charts"))?),
        queue: Arc::new(queue.clone()),
        registry: Arc::new(LocalRegistry),
        clusters: Arc::new(Clusters::new(
            Some(sim.kubeconfig_yaml("lockgate-demo", "default")),
            Default::default(),
        )),
        approvals: Arc::new(approvals.clone()),
        notifier: Arc::new(notifier.clone()),
        clock: Arc::new(SystemClock),
        max_delay: Span::from_hours(24),
        crash_loop_restarts: Some(2),
    };
    std::fs::create_dir_all(root.join("work"))?;
    let demo = Demo {
        rt: Runtime { ctx, queue },
        approvals,
        text,
        auto: a.auto_approve,
    };
    let mut executions = Vec::new();
    for (tag, what) in [
        ("1.0.0", "a healthy image"),
        ("1.1.0", "an image whose containers crash on start"),
    ] {
        say(text, &format!("\n== push {REPOSITORY}:{tag} ({what})"));
        let t0 = Instant::now();
        let id = demo.push(tag).await?;
        let exec = demo.drive(&id).await?;
        say(
            text,
            &format!(
                "   {} after {:.1}s: {}",
                exec.id,
                t0.elapsed().as_secs_f64(),
                exec.status
            ),
        );
        executions.push(exec);
    }
    let live = demo.live().await?;
    let ok = matches!(executions[0].status, Status::Succeeded)
        && matches!(&executions[1].status, Status::RolledBack { env, .. } if env == "staging")
        && live.iter().any(|l| {
            l["env"] == "production" && l["image"].as_str().is_some_and(|i| i.contains(":1.0.0@"))
        });
    match a.output {
        Output::Json => {
            let doc = json!({
                "executions": executions.iter().map(summary).collect::<Vec<_>>(),
                "environments": live,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        Output::Text => {
            println!("\n== summary");
            for e in &executions {
                println!(
                    "{} {}  {}  chart {}",
                    e.id,
                    e.candidate.image.tag,
                    status_name(&e.status),
                    e.candidate.chart.version
                );
                for s in &e.stages {
                    let took = match (s.started_at, s.finished_at) {
                        (Some(a), Some(b)) => {
                            format!("{:.1}s", (b - a).num_milliseconds() as f64 / 1000.0)
                        }
                        _ => "-".into(),
                    };
                    let rev = s
                        .revision
                        .map(|r| format!("revision {r}"))
                        .unwrap_or_default();
                    println!(
                        "    {:<11} {:<18} {:>7}  {rev}",
                        s.env,
                        format!("{:?}", s.status),
                        took
                    );
                }
            }
            for l in &live {
                println!(
                    "live: {} runs revision {} ({})",
                    l["env"].as_str().unwrap_or(""),
                    l["revision"],
                    l["image"].as_str().unwrap_or("")
                );
            }
            println!(
                "\n{}",
                if ok {
                    "The healthy release reached production; the crashing one was rolled back in staging and never reached production."
                } else {
                    "The demo did not end as expected: see the timeline above."
                }
            );
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

impl Demo {
    async fn push(&self, tag: &str) -> anyhow::Result<ExecutionId> {
        let ctx = &self.rt.ctx;
        let push = ImagePush {
            repository: REPOSITORY.into(),
            tag: tag.into(),
            digest: None,
            pushed_by: Some(PUSHER.into()),
        };
        let artifact = handlers::image_pushed(ctx, &push).await?;
        say(
            self.text,
            &format!(
                "   chart {} {} linted, packaged and published to the local chart repository",
                artifact.name, artifact.version
            ),
        );
        let id = handlers::chart_uploaded(ctx, &artifact.location)
            .await?
            .context("the chart upload opened no execution")?;
        Ok(id)
    }

    /// Pumps the pipeline until the execution ends, answering approvals on the way.
    async fn drive(&self, id: &ExecutionId) -> anyhow::Result<Execution> {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(600);
        let tty = self.text && std::io::stdout().is_terminal();
        let mut frame = 0usize;
        loop {
            let (worked, failed) = self.rt.pump_once().await;
            if let Some(f) = failed {
                say(
                    self.text,
                    &format!("   ! {} for {} failed: {}", f.kind, f.execution_id, f.error),
                );
            }
            for p in self.approvals.take_pending() {
                self.answer(&p.request).await?;
            }
            if worked {
                continue;
            }
            let exec = handlers::load(&self.rt.ctx, id)
                .await?
                .context("execution vanished")?;
            if exec.status.is_final() {
                if tty {
                    print!("\r\x1b[2K");
                }
                return Ok(exec);
            }
            if tty {
                const SPIN: [char; 4] = ['|', '/', '-', '\\'];
                frame += 1;
                print!(
                    "\r\x1b[2K  {} {} ({:.0}s)",
                    SPIN[frame % 4],
                    exec.status,
                    started.elapsed().as_secs_f64()
                );
                std::io::stdout().flush()?;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "execution {id} did not finish in 10 minutes: {}",
                exec.status
            );
            let wait = self
                .rt
                .queue
                .next_visible_at()
                .map(|t| (t - chrono::Utc::now()).to_std().unwrap_or_default())
                .unwrap_or(Duration::from_millis(100))
                .min(Duration::from_millis(100));
            tokio::time::sleep(wait).await;
        }
    }

    async fn answer(&self, r: &lockgate_core::execution::ApprovalRequest) -> anyhow::Result<()> {
        let approver = r
            .users
            .first()
            .cloned()
            .unwrap_or_else(|| "U0DEMOAPPROVER".into());
        let (verdict, reason) = if self.auto {
            say(
                self.text,
                &format!(
                    "   approval for {}: approved automatically as {approver} (--auto-approve)",
                    r.env
                ),
            );
            (Verdict::Approve, None)
        } else {
            print!(
                "\n   Release {} {} (chart {}) to {}? Approve as {approver} [y/N] ",
                r.app,
                r.image.reference(),
                r.chart.version,
                r.env
            );
            std::io::stdout().flush()?;
            let mut line = String::new();
            let n = std::io::stdin().lock().read_line(&mut line)?;
            if n == 0 && !std::io::stdin().is_terminal() {
                println!(
                    "(no answer on standard input: rejecting; pass --auto-approve to approve)"
                );
            }
            if line.trim().eq_ignore_ascii_case("y") || line.trim().eq_ignore_ascii_case("yes") {
                (Verdict::Approve, None)
            } else {
                (
                    Verdict::Reject,
                    Some("rejected on the terminal".to_string()),
                )
            }
        };
        let body = EventBody::DecisionRecorded {
            env: r.env.clone(),
            decision_id: format!("terminal-{}-{}", r.execution_id, r.env),
            by: approver,
            groups: Vec::new(),
            verdict,
            reason,
            digest: None,
        };
        handlers::record_decision(&self.rt.ctx, &r.execution_id, body).await?;
        Ok(())
    }

    /// What each environment runs now, read from the cluster's release records.
    async fn live(&self) -> anyhow::Result<Vec<serde_json::Value>> {
        let ctx = &self.rt.ctx;
        let app = &ctx.config.apps[0];
        let mut out = Vec::new();
        for env in &app.environments {
            let spec = ctx.config.cluster(&env.cluster).context("demo cluster")?;
            let d = ctx.clusters.deployer(spec).await?;
            let hist = d.history(&app.name, &env.namespace).await?;
            if let Some(r) = hist
                .iter()
                .rev()
                .find(|r| r.info.status == lockgate_kube::release::Status::Deployed)
            {
                let image = r.chart["metadata"]["annotations"]
                    [lockgate_pipeline::chart_build::ANNOTATION_TAG]
                    .as_str()
                    .map(|t| {
                        format!(
                            "{REPOSITORY}:{t}@{}",
                            r.chart["metadata"]["annotations"]
                                [lockgate_pipeline::chart_build::ANNOTATION_DIGEST]
                                .as_str()
                                .unwrap_or("")
                        )
                    })
                    .unwrap_or_default();
                out.push(json!({
                    "env": env.name,
                    "namespace": env.namespace,
                    "revision": r.version,
                    "chart_version": r.chart["metadata"]["version"],
                    "image": image,
                }));
            }
        }
        Ok(out)
    }
}

/// The state's name, as DESIGN.md spells states.
pub fn status_name(s: &Status) -> &'static str {
    match s {
        Status::Received => "Received",
        Status::Verified => "Verified",
        Status::Deploying { .. } => "Deploying",
        Status::Verifying { .. } => "Verifying",
        Status::RollingBack { .. } => "RollingBack",
        Status::AwaitingApproval { .. } => "AwaitingApproval",
        Status::Approved { .. } => "Approved",
        Status::Succeeded => "Succeeded",
        Status::RolledBack { .. } => "RolledBack",
        Status::Failed { .. } => "Failed",
        Status::Rejected { .. } => "Rejected",
        Status::Expired { .. } => "Expired",
        Status::Superseded { .. } => "Superseded",
    }
}

/// One execution as the JSON output shows it.
pub fn summary(e: &Execution) -> serde_json::Value {
    json!({
        "id": e.id,
        "app": e.app,
        "image": e.candidate.image.reference(),
        "chart_version": e.candidate.chart.version,
        "status": status_name(&e.status),
        "detail": e.status.to_string(),
        "stages": e.stages.iter().map(|s| json!({
            "env": s.env,
            "status": s.status,
            "started_at": s.started_at,
            "finished_at": s.finished_at,
            "revision": s.revision,
        })).collect::<Vec<_>>(),
    })
}
