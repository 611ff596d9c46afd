//! `lockgate simcluster`: a simulated Kubernetes API server for kubectl, Helm and demos.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// Run a simulated Kubernetes API server until Ctrl-C.
#[derive(Args, Debug)]
pub struct SimclusterArgs {
    /// address to listen on; port 0 picks a free port
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// write a kubeconfig for the cluster to this file
    #[arg(long = "kubeconfig-out", value_name = "FILE")]
    kubeconfig_out: Option<PathBuf>,
    /// serve HTTPS with a generated certificate authority
    #[arg(long)]
    tls: bool,
    /// container images (globs) that crash-loop and never become ready (repeatable)
    #[arg(long = "crash-image", value_name = "PATTERN")]
    crash_image: Vec<String>,
    /// simulated time multiplier: 1.0 = realistic, 0.05 = 20 times faster
    #[arg(long = "time-scale", default_value_t = 0.05)]
    time_scale: f64,
    /// bearer token clients must send (random when absent)
    #[arg(long)]
    token: Option<String>,
}

/// Runs the command.
pub fn run(args: SimclusterArgs) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(lockgate_simcluster::cli::run(
        lockgate_simcluster::cli::RunOptions {
            listen: args.listen,
            kubeconfig_out: args.kubeconfig_out,
            tls: args.tls,
            crash_images: args.crash_image,
            time_scale: args.time_scale,
            token: args.token,
        },
    ))?;
    Ok(())
}
