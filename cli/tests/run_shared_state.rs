//! Two `lockgate run` processes on one state directory, fed the same image push twice
//! and the same approval twice: one execution, one revision per environment, never a
//! second deploy of the candidate.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use lockgate_simcluster::{SimCluster, SimConfig};
use serde_json::Value;

mod common;

use common::{lockgate, push_hello};

struct Killed(Vec<Child>);
impl Drop for Killed {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn status(state: &Path) -> Vec<Value> {
    let out = lockgate()
        .args(["status", "-o", "json", "--state"])
        .arg(state)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["executions"].as_array().unwrap().clone()
}

fn wait_for(
    state: &Path,
    procs: &mut Killed,
    what: &str,
    pred: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let t0 = Instant::now();
    loop {
        for c in &mut procs.0 {
            assert!(
                c.try_wait().unwrap().is_none(),
                "a lockgate run process exited early"
            );
        }
        let s = status(state);
        if pred(&s) {
            return s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}: {s:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn two_run_processes_never_deploy_a_candidate_twice() {
    let sim = SimCluster::start_background(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            tls: true,
            time_scale: 0.02,
            ..SimConfig::default()
        },
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let demo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("demo");
    common::copy_dir(&demo.join("hello"), &dir.path().join("hello"));
    let config = std::fs::read_to_string(demo.join("lockgate.yaml"))
        .unwrap()
        .replace(
            "    kind: simulated",
            &format!(
                "    kind: kubeconfig\n    kubeconfig: {}",
                kubeconfig.display()
            ),
        );
    let config_path = dir.path().join("lockgate.yaml");
    std::fs::write(&config_path, config).unwrap();
    let state = dir.path().join("state");

    // the same push, delivered twice
    for _ in 0..2 {
        let out = push_hello(&state).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let spawn = || {
        lockgate()
            .args(["run", "--config"])
            .arg(&config_path)
            .arg("--state")
            .arg(&state)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut procs = Killed(vec![spawn(), spawn()]);

    let s = wait_for(&state, &mut procs, "the approval gate", |s| {
        s.iter().any(|e| {
            e["detail"]
                .as_str()
                .unwrap_or("")
                .starts_with("awaiting approval")
        })
    });
    assert_eq!(s.len(), 1, "one candidate, one execution: {s:?}");
    let id = s[0]["id"].as_str().unwrap().to_string();

    // four-eyes: the pusher cannot approve
    let out = lockgate()
        .args(["approve", &id, "--as", "U0DEVELOPER", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an approver"));
    // the approver clicks twice
    for _ in 0..2 {
        let out = lockgate()
            .args(["approve", &id, "--as", "U0DEMOAPPROVER", "--state"])
            .arg(&state)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let s = wait_for(&state, &mut procs, "success", |s| {
        s.iter().all(|e| e["status"] == "Succeeded")
    });
    assert_eq!(s.len(), 1);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        common::revisions(&kubeconfig, "hello", "hello-staging"),
        vec![(1, "deployed".to_string())]
    );
    assert_eq!(
        common::revisions(&kubeconfig, "hello", "hello-production"),
        vec![(1, "deployed".to_string())]
    );
    drop(sim);
}
