//! `lockgate deploy`, `lockgate rollback` and `lockgate history`: Helm-compatible
//! releases applied by lockgate's own deployer.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use lockgate_kube::cluster::Cluster;
use lockgate_kube::deploy::{DeployOptions, Deployer, Outcome, Progress, RollbackOutcome};
use lockgate_kube::plan::{ChartInput, Source};
use lockgate_kube::target::Target;

use crate::ValueFlags;

/// Cluster connection flags.
#[derive(Args, Debug, Clone)]
pub struct ClusterFlags {
    /// kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context (default: its current context)
    #[arg(long = "kube-context", value_name = "NAME")]
    pub context: Option<String>,
    /// namespace of the release
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
}

/// `lockgate deploy`
#[derive(Args, Debug)]
pub struct DeployArgs {
    /// chart directory or .tgz
    pub chart: PathBuf,
    /// release name
    #[arg(long)]
    pub release: String,
    #[command(flatten)]
    pub cluster: ClusterFlags,
    #[command(flatten)]
    pub values: ValueFlags,
    /// how long to wait for readiness (Go duration: 90s, 5m, 1h30m)
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// roll back (or uninstall a first install) when the deploy fails
    #[arg(long)]
    pub atomic: bool,
    /// deploy again a chart and values whose last deploy failed
    #[arg(long)]
    pub retry_failed: bool,
    /// create the namespace if it does not exist
    #[arg(long)]
    pub create_namespace: bool,
}

/// `lockgate rollback`
#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// release name
    pub release: String,
    /// revision to go back to (default: the one before the deployed revision)
    pub revision: Option<i64>,
    #[command(flatten)]
    pub cluster: ClusterFlags,
    /// how long to wait for readiness
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// `lockgate history`
#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// release name
    pub release: String,
    #[command(flatten)]
    pub cluster: ClusterFlags,
    /// output format
    #[arg(short = 'o', long, default_value = "table", value_parser = ["table", "json"])]
    pub output: String,
}

/// Go-style durations: `300ms`, `90s`, `5m`, `1h30m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {s:?}: use a number with a unit, like 90s, 5m or 1h30m");
    let mut total = 0f64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let n: f64 = rest[..n_end].parse().map_err(|_| bad())?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let mult = match &rest[..u_end] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += n * mult;
        rest = &rest[u_end..];
    }
    Ok(Duration::from_secs_f64(total))
}

fn target(f: &ClusterFlags) -> anyhow::Result<Target> {
    let path = match &f.kubeconfig {
        Some(p) => p.clone(),
        None => match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
            Some(v) => PathBuf::from(v),
            None => {
                let home =
                    std::env::var_os("HOME").context("no --kubeconfig, KUBECONFIG or HOME")?;
                PathBuf::from(home).join(".kube/config")
            }
        },
    };
    Ok(Target::KubeconfigFile {
        path,
        context: f.context.clone(),
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

async fn deployer(f: &ClusterFlags) -> anyhow::Result<Deployer> {
    let conn = target(f)?.connect(chrono::Utc::now()).await?;
    Ok(Deployer::new(Arc::new(Cluster::new(conn.client))))
}

/// Progress on stderr: one line rewritten in place on a terminal, otherwise a plain line
/// each time what is awaited changes.
fn reporter() -> impl FnMut(&Progress) {
    use std::io::IsTerminal as _;
    let tty = std::io::stderr().is_terminal();
    let mut last = String::new();
    move |p: &Progress| {
        let line = match p {
            Progress::Waiting {
                revision,
                status,
                pending,
                ..
            } => match pending.first() {
                Some(first) => format!(
                    "revision {revision} ({status}): waiting for {} object(s): {first}",
                    pending.len()
                ),
                None => format!("revision {revision} ({status}): applied"),
            },
            Progress::Done(_) => {
                if tty && !last.is_empty() {
                    eprintln!();
                }
                return;
            }
        };
        if line == last {
            return;
        }
        if tty {
            let width = 160;
            let shown: String = line.chars().take(width).collect();
            eprint!("\r\x1b[2K{shown}");
        } else {
            eprintln!("{line}");
        }
        last = line;
    }
}

fn finish(release: &str, out: &Outcome) -> ExitCode {
    match out {
        Outcome::Deployed {
            revision,
            unchanged: true,
        } => {
            println!("release {release}: revision {revision} already runs this chart and values; nothing to do");
            ExitCode::SUCCESS
        }
        Outcome::Deployed { revision, .. } => {
            println!("release {release}: revision {revision} deployed");
            ExitCode::SUCCESS
        }
        Outcome::Failed { revision, reason } => {
            eprintln!("release {release}: revision {revision} failed: {reason}");
            ExitCode::FAILURE
        }
        Outcome::RolledBack {
            failed_revision,
            reason,
            rollback,
        } => {
            eprintln!("release {release}: revision {failed_revision} failed: {reason}");
            match rollback {
                RollbackOutcome::Restored { revision, to } => {
                    eprintln!("rolled back: revision {revision} runs revision {to} again")
                }
                RollbackOutcome::Uninstalled => {
                    eprintln!("rolled back: the failed install was removed")
                }
                RollbackOutcome::Failed { revision, reason } => {
                    eprintln!("rollback revision {revision} failed too: {reason}")
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// Runs `lockgate deploy`.
pub fn deploy(a: DeployArgs) -> anyhow::Result<ExitCode> {
    let src = Source {
        chart: ChartInput::Path(a.chart.clone()),
        values: a.values.merge_options(),
        files: Default::default(),
    };
    let mut o = DeployOptions::new(&a.release, &a.cluster.namespace);
    o.timeout = a.timeout;
    o.atomic = a.atomic;
    o.retry_failed = a.retry_failed;
    o.create_namespace = a.create_namespace;
    runtime()?.block_on(async {
        let d = deployer(&a.cluster).await?;
        let out = d
            .deploy(&src, &o, Duration::from_millis(250), reporter())
            .await?;
        Ok(finish(&a.release, &out))
    })
}

/// Runs `lockgate rollback`.
pub fn rollback(a: RollbackArgs) -> anyhow::Result<ExitCode> {
    let mut o = DeployOptions::new(&a.release, &a.cluster.namespace);
    o.timeout = a.timeout;
    o.atomic = false;
    runtime()?.block_on(async {
        let d = deployer(&a.cluster).await?;
        let mut p = d.rollback(&o, a.revision, chrono::Utc::now()).await?;
        d.drive(&mut p, &o, Duration::from_millis(250), &mut reporter())
            .await?;
        let Progress::Done(out) = p else {
            unreachable!("drive ends when done")
        };
        match &out {
            Outcome::Deployed { revision, .. } => {
                println!(
                    "release {}: rollback done: revision {revision} deployed",
                    a.release
                );
                Ok(ExitCode::SUCCESS)
            }
            other => Ok(finish(&a.release, other)),
        }
    })
}

/// Runs `lockgate history`.
pub fn history(a: HistoryArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let d = deployer(&a.cluster).await?;
        let hist = d.history(&a.release, &a.cluster.namespace).await?;
        if hist.is_empty() {
            anyhow::bail!(
                "release {}: not found in namespace {}",
                a.release,
                a.cluster.namespace
            );
        }
        if a.output == "json" {
            let rows: Vec<_> = hist
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "revision": r.version,
                        "updated": r.info.last_deployed,
                        "status": r.info.status.as_str(),
                        "chart": r.chart_label(),
                        "app_version": r.app_version(),
                        "description": r.info.description,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        } else {
            println!(
                "{:<9} {:<30} {:<17} {:<28} {:<12} DESCRIPTION",
                "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"
            );
            for r in &hist {
                println!(
                    "{:<9} {:<30} {:<17} {:<28} {:<12} {}",
                    r.version,
                    r.info.last_deployed.as_deref().unwrap_or(""),
                    r.info.status.as_str(),
                    r.chart_label(),
                    r.app_version(),
                    r.info.description
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("5")
            .unwrap_err()
            .contains("invalid duration \"5\""));
        assert!(parse_duration("").is_err());
    }
}
