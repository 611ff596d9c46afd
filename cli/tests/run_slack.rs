//! `lockgate run --slack-token-env`: the local pipeline posts its approval request and
//! its notices to Slack (here the loopback stand-in), updates the request in place
//! when `lockgate approve` decides, and keeps one thread per execution.

use std::path::PathBuf;
use std::process::Command;

use lockgate_simcluster::{SimCluster, SimConfig};
use lockgate_slack::standin::SlackStandin;

mod common;

use common::{lockgate, push_hello};

fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A simulated cluster, the demo app with its notices in Slack channel C0LOCAL01, and
/// the paths of its kubeconfig, configuration and state.
struct Local {
    _sim: SimCluster,
    _dir: tempfile::TempDir,
    kubeconfig: PathBuf,
    config: PathBuf,
    state: PathBuf,
}

fn local() -> Local {
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
    let text = std::fs::read_to_string(demo.join("lockgate.yaml"))
        .unwrap()
        .replace(
            "    kind: simulated",
            &format!(
                "    kind: kubeconfig\n    kubeconfig: {}",
                kubeconfig.display()
            ),
        )
        .replace(
            "  - name: terminal\n    kind: log",
            "  - name: terminal\n    kind: slack\n    channel: C0LOCAL01",
        );
    let config = dir.path().join("lockgate.yaml");
    std::fs::write(&config, text).unwrap();
    let state = dir.path().join("state");
    Local {
        _sim: sim,
        kubeconfig,
        config,
        state,
        _dir: dir,
    }
}

/// `lockgate run --exit-when-idle` against `slack`.
fn run_with_slack(l: &Local, slack: &SlackStandin) -> Command {
    let mut c = lockgate();
    c.args([
        "run",
        "--exit-when-idle",
        "--slack-token-env",
        "LG_TEST_SLACK_TOKEN",
        "--slack-api-url",
    ])
    .arg(slack.api_url())
    .arg("--config")
    .arg(&l.config)
    .arg("--state")
    .arg(&l.state)
    .env("LG_TEST_SLACK_TOKEN", lockgate_slack::standin::TOKEN);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lockgate_run_with_a_slack_token_asks_and_tells_in_slack() {
    let slack = SlackStandin::start().await.unwrap();
    let l = local();
    let (kubeconfig, state) = (l.kubeconfig.clone(), l.state.clone());
    let run = || run_with_slack(&l, &slack);
    ok(&mut push_hello(&state));
    let mut first = run();
    tokio::task::spawn_blocking(move || ok(&mut first))
        .await
        .unwrap();
    let request = slack
        .messages()
        .into_iter()
        .find(|m| m.blocks.to_string().contains("lockgate_approve"))
        .expect("the approval request was posted to Slack");
    assert_eq!(request.channel, "C0LOCAL01");
    let status = ok(lockgate()
        .args(["status", "-o", "json", "--state"])
        .arg(&state));
    let doc: serde_json::Value = serde_json::from_str(&status).unwrap();
    let id = doc["executions"][0]["id"].as_str().unwrap().to_string();
    ok(lockgate()
        .args(["approve", &id, "--as", "U0DEMOAPPROVER", "--state"])
        .arg(&state));
    let mut again = run();
    tokio::task::spawn_blocking(move || ok(&mut again))
        .await
        .unwrap();
    let updated = slack
        .messages()
        .into_iter()
        .find(|m| m.ts == request.ts)
        .unwrap();
    assert!(
        updated.blocks.to_string().contains("*Approved* by"),
        "{}",
        updated.blocks
    );
    let threads: std::collections::BTreeSet<_> = slack
        .messages()
        .iter()
        .filter_map(|m| m.thread_ts.clone())
        .collect();
    assert_eq!(
        threads.len(),
        1,
        "one thread for the execution: {:?}",
        slack.messages()
    );
    let texts: Vec<String> = slack.messages().iter().map(|m| m.text.clone()).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("production is running revision 1")),
        "{texts:?}"
    );
    assert_eq!(
        common::revisions(&kubeconfig, "hello", "hello-production"),
        vec![(1, "deployed".to_string())]
    );
    drop(l);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slack_failure_does_not_stop_the_pipeline_and_shows_in_status() {
    let slack = SlackStandin::start().await.unwrap();
    slack.set_invalid_auth(true); // a revoked token
    let l = local();
    let (kubeconfig, state) = (l.kubeconfig.clone(), l.state.clone());
    ok(&mut push_hello(&state));
    let mut run = run_with_slack(&l, &slack);
    tokio::task::spawn_blocking(move || ok(&mut run))
        .await
        .unwrap();
    // staging was deployed although no notice got through
    assert_eq!(
        common::revisions(&kubeconfig, "hello", "hello-staging"),
        vec![(1, "deployed".to_string())]
    );
    let text = ok(lockgate().args(["status", "--state"]).arg(&state));
    assert!(
        text.contains("notification not delivered") && text.contains("invalid_auth"),
        "{text}"
    );
    let doc: serde_json::Value = serde_json::from_str(&ok(lockgate()
        .args(["status", "-o", "json", "--state"])
        .arg(&state)))
    .unwrap();
    let failures = doc["executions"][0]["notification_failures"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!failures.is_empty(), "{doc}");
    drop(l);
}
