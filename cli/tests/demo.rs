//! `lockgate demo --auto-approve --output json` on a fresh state: the healthy release
//! succeeds through staging and production; the crashing one rolls back in staging and
//! production keeps running the first release.

use std::process::Command;

use serde_json::Value;

#[test]
fn demo_releases_the_healthy_image_and_rolls_back_the_crashing_one() {
    let state = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .args(["demo", "--auto-approve", "--output", "json", "--state"])
        .arg(state.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "demo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document on stdout");
    let execs = doc["executions"].as_array().unwrap();
    assert_eq!(execs.len(), 2);

    let first = &execs[0];
    assert_eq!(first["status"], "Succeeded");
    assert_eq!(first["app"], "hello");
    assert!(first["image"]
        .as_str()
        .unwrap()
        .starts_with("registry.local/hello:1.0.0@sha256:"));
    let stages: Vec<(&str, &str, i64)> = first["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["env"].as_str().unwrap(),
                s["status"].as_str().unwrap(),
                s["revision"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stages,
        vec![("staging", "succeeded", 1), ("production", "succeeded", 1)]
    );
    for s in first["stages"].as_array().unwrap() {
        assert!(
            s["started_at"].is_string() && s["finished_at"].is_string(),
            "{s}"
        );
    }

    let second = &execs[1];
    assert_eq!(second["status"], "RolledBack");
    assert_eq!(second["stages"][0]["env"], "staging");
    assert_eq!(second["stages"][0]["status"], "rolled_back");
    assert_eq!(second["stages"][1]["env"], "production");
    assert_eq!(
        second["stages"][1]["status"], "pending",
        "production was never touched"
    );
    assert!(second["stages"][1]["started_at"].is_null());

    let live = doc["environments"].as_array().unwrap();
    let prod = live.iter().find(|e| e["env"] == "production").unwrap();
    assert_eq!(
        prod["revision"], 1,
        "production still runs its first revision"
    );
    assert!(prod["image"].as_str().unwrap().contains(":1.0.0@"));
    let staging = live.iter().find(|e| e["env"] == "staging").unwrap();
    assert!(
        staging["image"].as_str().unwrap().contains(":1.0.0@"),
        "staging is back on the healthy image"
    );

    // the chart repository is a real Helm repository
    let index = std::fs::read_to_string(state.path().join("charts/index.yaml")).unwrap();
    assert!(index.contains("hello-0.1.0-lg"), "{index}");
}
