//! Measures a Lambda function binary through the emulator: cold start (exec to the first
//! `invocation/next`), time to the first handled event, peak RSS and file size.
//!
//! `cargo run -p lockgate-test-harness --example measure -- BINARY [EVENT.json] [KEY=VALUE...]`
//!
//! Without an event file it sends `{}`. The answer (or the function error) is printed, so
//! a function that rejects `{}` still gets its cold start and memory measured.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use lockgate_test_harness::Emulator;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(binary) = args.next().map(PathBuf::from) else {
        eprintln!("usage: measure BINARY [EVENT.json] [KEY=VALUE...]");
        return ExitCode::from(2);
    };
    let mut event = serde_json::json!({});
    let mut env = Vec::new();
    for arg in args {
        if let Some((key, value)) = arg.split_once('=') {
            env.push((key.to_owned(), value.to_owned()));
            continue;
        }
        let parsed = std::fs::read_to_string(&arg)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()));
        match parsed {
            Ok(value) => event = value,
            Err(e) => {
                eprintln!("cannot read the event {arg}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    match measure(&binary, &event, env).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {e}", binary.display());
            ExitCode::FAILURE
        }
    }
}

async fn measure(
    binary: &PathBuf,
    event: &serde_json::Value,
    env: Vec<(String, String)>,
) -> Result<(), Box<dyn std::error::Error>> {
    let size = std::fs::metadata(binary)?.len();
    let emulator = Emulator::start().await?;
    let spawned = Instant::now();
    emulator.spawn_function(binary, env)?;
    let cold_start = emulator.wait_ready(Duration::from_secs(30)).await?;
    let answer = emulator.invoke(event, Duration::from_secs(60)).await;
    let first_event = spawned.elapsed();
    let rss = emulator
        .sample_peak_rss()
        .ok()
        .or(emulator.stats().peak_rss_bytes);
    emulator.kill().await;
    println!("binary:            {}", binary.display());
    println!("size:              {:.1} MB", size as f64 / 1e6);
    println!(
        "cold start:        {:.1} ms (exec to first invocation/next)",
        ms(cold_start)
    );
    println!(
        "first event:       {:.1} ms (exec to answer)",
        ms(first_event)
    );
    match rss {
        Some(rss) => println!("peak RSS:          {:.1} MB", rss as f64 / 1e6),
        None => println!("peak RSS:          unknown (the process had exited)"),
    }
    match answer {
        Ok(value) => println!("answer:            {value}"),
        Err(e) => println!("function error:    {e}"),
    }
    if !emulator.logs().is_empty() {
        println!("--- function output ---\n{}", emulator.logs().trim_end());
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
