//! Renders corpus charts in a loop, for profilers (callgrind, perf): loads each chart
//! once, then processes dependencies, values and every template N times.
//!
//!     cargo run --release -p lockgate-helm --example render_loop -- N CHART...

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .expect("usage: render_loop N CHART...");
    let opts = lockgate_helm::engine::RenderOptions::default();
    let user = lockgate_helm::value::Value::new_map();
    for path in args {
        let chart = lockgate_helm::chart::load(std::path::Path::new(&path)).expect("chart loads");
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let fresh = chart.clone();
            let t0 = std::time::Instant::now();
            let raw =
                lockgate_helm::action::render_loaded(fresh, &user, &opts).expect("chart renders");
            std::hint::black_box(&raw);
            drop(raw);
            times.push(t0.elapsed().as_nanos() as u64);
        }
        times.sort_unstable();
        eprintln!("{path}: median {} ns", times[times.len() / 2]);
    }
}
