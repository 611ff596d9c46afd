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
        for _ in 0..n {
            let raw = lockgate_helm::action::render_loaded(chart.clone(), &user, &opts)
                .expect("chart renders");
            std::hint::black_box(&raw);
        }
    }
}
