//! Real Helm v4 (helm-python-sdk) against the simulated cluster: install with the
//! kstatus watcher wait (CRDs, hooks, a Deployment and a StatefulSet), upgrade,
//! history, rollback, list and uninstall.

mod common;

use std::path::Path;

use common::{fast, start_tls};
use serde_json::{json, Value};

fn chart() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../helm/tests/charts/webapp")
        .to_string_lossy()
        .into_owned()
}

fn ok(v: Value) -> Value {
    assert_eq!(v["ok"], true, "helm failed: {v}");
    v["result"].clone()
}

fn history(env: &common::Env) -> Vec<(i64, String)> {
    ok(env.helm("default", "history", json!({"name": "web"})))
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn helm_installs_upgrades_rolls_back_lists_and_uninstalls() {
    let env = start_tls(fast());
    let installed = ok(env.helm(
        "default",
        "install",
        json!({"chart": chart(), "name": "web", "wait": "watcher", "timeout": 120}),
    ));
    assert_eq!(installed["status"], "deployed");
    assert_eq!(installed["revision"], 1);
    let deploy = env
        .cluster
        .get_object("apps", "deployments", "default", "web-webapp")
        .expect("deployment created");
    assert_eq!(
        deploy["status"]["readyReplicas"], 2,
        "install waited for readiness"
    );
    assert!(env
        .cluster
        .get_object(
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            "",
            "widgets.example.com"
        )
        .is_some());
    let sts = env
        .cluster
        .get_object("apps", "statefulsets", "default", "web-cache")
        .expect("subchart statefulset");
    assert_eq!(sts["status"]["readyReplicas"], sts["spec"]["replicas"]);
    assert!(env
        .cluster
        .get_object("", "secrets", "default", "sh.helm.release.v1.web.v1")
        .is_some());

    let upgraded = ok(env.helm(
        "default",
        "upgrade",
        json!({"chart": chart(), "name": "web", "values": {"replicaCount": 3, "image": {"tag": "2.1"}}, "wait": "watcher", "timeout": 120}),
    ));
    assert_eq!(upgraded["revision"], 2);
    let deploy = env
        .cluster
        .get_object("apps", "deployments", "default", "web-webapp")
        .unwrap();
    assert_eq!(deploy["spec"]["replicas"], 3);
    assert_eq!(deploy["metadata"]["generation"], 2);
    assert_eq!(deploy["status"]["updatedReplicas"], 3);
    assert_eq!(
        history(&env),
        vec![(1, "superseded".to_string()), (2, "deployed".to_string())]
    );

    ok(env.helm(
        "default",
        "rollback",
        json!({"name": "web", "version": 1, "wait": "legacy", "timeout": 120}),
    ));
    let deploy = env
        .cluster
        .get_object("apps", "deployments", "default", "web-webapp")
        .unwrap();
    assert_eq!(deploy["spec"]["replicas"], 2);
    let image = deploy["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(image.contains(":2.0"), "{image}");
    assert_eq!(history(&env).last().unwrap(), &(3, "deployed".to_string()));

    let listed = ok(env.helm("default", "list", json!({})));
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, vec!["web"]);

    let gone = ok(env.helm(
        "default",
        "uninstall",
        json!({"name": "web", "wait": "watcher", "timeout": 120}),
    ));
    assert_eq!(gone["release"]["status"], "uninstalled");
    assert!(env
        .cluster
        .get_object("apps", "deployments", "default", "web-webapp")
        .is_none());
    assert!(env
        .cluster
        .list_objects("", "secrets", Some("default"))
        .iter()
        .all(|s| s["type"] != "helm.sh/release.v1"));
    assert_eq!(ok(env.helm("default", "list", json!({}))), json!([]));
}

#[test]
fn helm_install_into_a_new_namespace_with_create_namespace() {
    let env = start_tls(fast());
    let out = ok(env.helm(
        "apps",
        "install",
        json!({"chart": chart(), "name": "api", "namespace": "apps", "create_namespace": true, "wait": "watcher", "timeout": 120,
            "values": {"cache": {"enabled": false}, "migrations": {"enabled": false}}}),
    ));
    assert_eq!(out["namespace"], "apps");
    assert!(env
        .cluster
        .get_object("", "namespaces", "", "apps")
        .is_some());
    assert!(env
        .cluster
        .get_object("apps", "deployments", "apps", "api-webapp")
        .is_some());
}
