//! `lockgate simcluster`: run a simulated cluster in the foreground until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::{SimCluster, SimConfig, SimError};

/// Options of `lockgate simcluster`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// address to listen on (port 0 picks a free port)
    pub listen: SocketAddr,
    /// where to write the kubeconfig
    pub kubeconfig_out: Option<PathBuf>,
    /// serve HTTPS with a generated CA
    pub tls: bool,
    /// image globs that crash-loop
    pub crash_images: Vec<String>,
    /// simulated time multiplier
    pub time_scale: f64,
    /// bearer token (a random one when absent)
    pub token: Option<String>,
}

/// Starts the cluster, writes the kubeconfig, prints the URL and serves until Ctrl-C.
///
/// # Errors
/// Start-up failures ([`SimError`]), or the kubeconfig cannot be written
/// ([`SimError::Config`] naming the path).
pub async fn run(opts: RunOptions) -> Result<(), SimError> {
    let cfg = SimConfig {
        token: opts
            .token
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()),
        tls: opts.tls,
        time_scale: opts.time_scale,
        crash_images: opts.crash_images,
        pod_ready_after: Duration::from_secs(3),
        ..SimConfig::default()
    };
    let cluster = SimCluster::start(opts.listen, cfg).await?;
    if let Some(path) = &opts.kubeconfig_out {
        cluster.write_kubeconfig(path).map_err(|e| {
            SimError::Config(format!(
                "cannot write the kubeconfig to {}: {e}",
                path.display()
            ))
        })?;
        println!("kubeconfig written to {}", path.display());
    }
    println!("simcluster serving at {}", cluster.url());
    if !opts.tls {
        println!(
            "note: kubectl and Helm send bearer tokens only over HTTPS; start with --tls for them"
        );
    }
    println!("press Ctrl-C to stop");
    let _ = tokio::signal::ctrl_c().await;
    cluster.shutdown();
    Ok(())
}
