//! `lockgate bench`: in-process render timings for the benchmark script, measured the
//! way the Helm side is measured (chart loaded once; each iteration processes
//! dependencies, coalesces values and renders every template).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// charts to render
    #[arg(required = true)]
    charts: Vec<PathBuf>,
    /// renders per chart
    #[arg(long, default_value_t = 20)]
    iterations: usize,
}

pub fn run(a: BenchArgs) -> anyhow::Result<ExitCode> {
    use lockgate_helm::action;
    for path in &a.charts {
        let chart = lockgate_helm::chart::load(path)?;
        let opts = lockgate_helm::engine::RenderOptions::default();
        let user = lockgate_helm::value::Value::new_map();
        let mut times = Vec::with_capacity(a.iterations);
        for _ in 0..a.iterations.max(1) {
            // dependency processing changes the chart: each render gets a fresh copy,
            // made outside the timed span (Helm renders the chart object it loaded)
            let fresh = chart.clone();
            let t0 = Instant::now();
            let raw = action::render_loaded(fresh, &user, &opts)?;
            std::hint::black_box(&raw);
            times.push(t0.elapsed().as_nanos() as u64);
        }
        times.sort_unstable();
        let doc = serde_json::json!({
            "chart": path.display().to_string(),
            "median_ns": times[times.len() / 2],
            "min_ns": times[0],
            "iterations": times.len(),
        });
        println!("{doc}");
    }
    Ok(ExitCode::SUCCESS)
}
