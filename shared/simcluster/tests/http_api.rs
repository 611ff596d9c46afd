//! The REST API over plain HTTP: authentication, CRUD semantics, optimistic
//! concurrency, patches, pagination, watch (resume, 410, initial events, bookmarks),
//! dry runs, propagation policies and injected faults.

mod common;

use std::time::Duration;

use common::{api, fast, http, patch, start, wait_for, WatchStream};
use lockgate_simcluster::{Fault, SimConfig};
use serde_json::{json, Value};

fn cm(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {"k": "v"}})
}

const CMS: &str = "/api/v1/namespaces/default/configmaps";

#[test]
fn missing_or_wrong_token_gets_a_401_status() {
    let env = start(fast());
    for token in [None, Some("nope")] {
        let r = http(
            env.cluster.addr(),
            "GET",
            "/api/v1/namespaces",
            token,
            "application/json",
            b"",
        );
        assert_eq!(r.status, 401);
        let s = r.json();
        assert_eq!(
            (s["kind"].as_str(), s["reason"].as_str(), s["code"].as_i64()),
            (Some("Status"), Some("Unauthorized"), Some(401))
        );
    }
    assert_eq!(api(&env, "GET", "/api/v1/namespaces", None).status, 200);
}

#[test]
fn create_get_update_and_delete_follow_kubernetes_semantics() {
    let env = start(fast());
    let created = api(&env, "POST", CMS, Some(&cm("a", json!({"app": "x"}))));
    assert_eq!(created.status, 201);
    let obj = created.json();
    assert!(obj["metadata"]["uid"]
        .as_str()
        .is_some_and(|u| u.len() == 36));
    assert!(obj["metadata"]["creationTimestamp"].is_string());
    let again = api(&env, "POST", CMS, Some(&cm("a", json!({}))));
    assert_eq!(
        (again.status, again.json()["reason"].clone()),
        (409, json!("AlreadyExists"))
    );

    let mut stale = obj.clone();
    stale["data"]["k"] = json!("v2");
    let updated = api(&env, "PUT", &format!("{CMS}/a"), Some(&stale));
    assert_eq!(updated.status, 200);
    let conflict = api(&env, "PUT", &format!("{CMS}/a"), Some(&stale));
    assert_eq!(conflict.status, 409);
    assert_eq!(conflict.json()["reason"], "Conflict");
    assert!(conflict.json()["message"]
        .as_str()
        .unwrap()
        .contains("the object has been modified"));

    let missing = api(&env, "GET", &format!("{CMS}/nope"), None);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["message"], "configmaps \"nope\" not found");
    assert_eq!(api(&env, "DELETE", &format!("{CMS}/a"), None).status, 200);
    assert_eq!(api(&env, "GET", &format!("{CMS}/a"), None).status, 404);
    let no_ns = api(
        &env,
        "POST",
        "/api/v1/namespaces/ghost/configmaps",
        Some(&cm("b", json!({}))),
    );
    assert_eq!(no_ns.status, 404);
    assert_eq!(no_ns.json()["message"], "namespaces \"ghost\" not found");
}

#[test]
fn invalid_objects_get_422_with_causes() {
    let env = start(fast());
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": {"metadata": {"labels": {"app": "b"}},
        "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
    let r = api(
        &env,
        "POST",
        "/apis/apps/v1/namespaces/default/deployments",
        Some(&d),
    );
    assert_eq!(r.status, 422);
    let s = r.json();
    assert_eq!(s["reason"], "Invalid");
    assert_eq!(
        s["details"]["causes"][0]["field"],
        "spec.template.metadata.labels"
    );
}

#[test]
fn generation_bumps_on_spec_changes_only() {
    let env = start(fast());
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "a"}}, "template": {"metadata": {"labels": {"app": "a"}},
        "spec": {"containers": [{"name": "c", "image": "i"}]}}}});
    let path = "/apis/apps/v1/namespaces/default/deployments";
    assert_eq!(
        api(&env, "POST", path, Some(&d)).json()["metadata"]["generation"],
        1
    );
    let r = patch(
        &env,
        &format!("{path}/d"),
        "application/merge-patch+json",
        r#"{"metadata":{"labels":{"x":"y"}}}"#,
    );
    assert_eq!(r.json()["metadata"]["generation"], 1);
    let r = patch(
        &env,
        &format!("{path}/d"),
        "application/strategic-merge-patch+json",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i2"}]}}}}"#,
    );
    let obj = r.json();
    assert_eq!(obj["metadata"]["generation"], 2);
    assert_eq!(
        obj["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = patch(
        &env,
        &format!("{path}/d"),
        "application/json-patch+json",
        r#"[{"op":"replace","path":"/spec/replicas","value":4}]"#,
    );
    assert_eq!(
        (
            r.json()["spec"]["replicas"].clone(),
            r.json()["metadata"]["generation"].clone()
        ),
        (json!(4), json!(3))
    );
    let status = patch(
        &env,
        &format!("{path}/d/status"),
        "application/merge-patch+json",
        r#"{"status":{"replicas":9},"spec":{"replicas":1}}"#,
    );
    assert_eq!(status.status, 200);
    let live = api(&env, "GET", &format!("{path}/d"), None).json();
    assert_eq!(
        live["spec"]["replicas"], 4,
        "status subresource leaves spec alone"
    );
    assert_eq!(live["metadata"]["generation"], 3);
}

#[test]
fn server_side_apply_over_http_creates_then_conflicts_with_a_409_status() {
    let env = start(fast());
    let body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s\ndata:\n  a: \"1\"\n";
    let r = patch(
        &env,
        &format!("{CMS}/s?fieldManager=one"),
        "application/apply-patch+yaml",
        body,
    );
    assert_eq!(r.status, 201);
    let r = patch(
        &env,
        &format!("{CMS}/s?fieldManager=two"),
        "application/apply-patch+yaml",
        &body.replace("\"1\"", "\"2\""),
    );
    assert_eq!(r.status, 409);
    let s = r.json();
    assert_eq!(s["reason"], "Conflict");
    assert_eq!(s["details"]["causes"][0]["type"], "FieldManagerConflict");
    assert_eq!(s["details"]["causes"][0]["field"], ".data.a");
    let r = patch(
        &env,
        &format!("{CMS}/s?fieldManager=two&force=true"),
        "application/apply-patch+yaml",
        &body.replace("\"1\"", "\"2\""),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["data"]["a"], "2");
    let missing_manager = patch(
        &env,
        &format!("{CMS}/s"),
        "application/apply-patch+yaml",
        body,
    );
    assert_eq!(missing_manager.status, 400);
}

#[test]
fn lists_filter_by_label_and_field_selectors_and_paginate() {
    let env = start(fast());
    for i in 0..5 {
        api(
            &env,
            "POST",
            CMS,
            Some(&cm(
                &format!("c{i}"),
                json!({"tier": if i % 2 == 0 { "even" } else { "odd" }}),
            )),
        );
    }
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    let even = api(
        &env,
        "GET",
        &format!("{CMS}?labelSelector=tier%3Deven"),
        None,
    )
    .json();
    assert_eq!(names(&even), vec!["c0", "c2", "c4"]);
    let one = api(
        &env,
        "GET",
        &format!("{CMS}?fieldSelector=metadata.name%3Dc3"),
        None,
    )
    .json();
    assert_eq!(names(&one), vec!["c3"]);
    let notin = api(
        &env,
        "GET",
        &format!("{CMS}?labelSelector=tier%20notin%20(even),tier"),
        None,
    )
    .json();
    assert_eq!(names(&notin), vec!["c1", "c3"]);
    let mut seen = Vec::new();
    let mut path = format!("{CMS}?limit=2&labelSelector=tier");
    loop {
        let page = api(&env, "GET", &path, None).json();
        assert!(page["items"].as_array().unwrap().len() <= 2);
        seen.extend(names(&page));
        match page["metadata"]["continue"].as_str() {
            Some(c) => path = format!("{CMS}?limit=2&labelSelector=tier&continue={c}"),
            None => break,
        }
    }
    assert_eq!(seen, vec!["c0", "c1", "c2", "c3", "c4"]);
    let all = api(&env, "GET", "/api/v1/configmaps", None).json();
    assert_eq!(all["kind"], "ConfigMapList");
    assert!(all["metadata"]["resourceVersion"].as_str().is_some());
}

#[test]
fn watch_resumes_from_a_resource_version_and_old_versions_are_gone() {
    let env = start(SimConfig {
        watch_history: 16,
        ..fast()
    });
    let first = api(&env, "POST", CMS, Some(&cm("w0", json!({})))).json();
    let rv = first["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    api(&env, "POST", CMS, Some(&cm("w1", json!({}))));
    let (status, mut w) =
        WatchStream::open(&env, &format!("{CMS}?watch=true&resourceVersion={rv}"));
    assert_eq!(status, 200);
    let e = w.next().unwrap();
    assert_eq!(
        (e["type"].as_str(), e["object"]["metadata"]["name"].as_str()),
        (Some("ADDED"), Some("w1"))
    );
    api(&env, "DELETE", &format!("{CMS}/w0"), None);
    let e = w.next().unwrap();
    assert_eq!(
        (e["type"].as_str(), e["object"]["metadata"]["name"].as_str()),
        (Some("DELETED"), Some("w0"))
    );
    // Flood the history so the first version falls out of it.
    for i in 0..40 {
        api(&env, "POST", CMS, Some(&cm(&format!("f{i}"), json!({}))));
    }
    let (_, mut old) = WatchStream::open(&env, &format!("{CMS}?watch=true&resourceVersion={rv}"));
    let e = old.next().unwrap();
    assert_eq!(e["type"], "ERROR");
    assert_eq!(e["object"]["code"], 410);
    assert_eq!(e["object"]["reason"], "Expired");
    assert!(old.next().is_none());
}

#[test]
fn watch_list_sends_initial_events_then_a_bookmark_and_periodic_bookmarks() {
    let env = start(SimConfig {
        bookmark_interval: Duration::from_secs(5),
        ..fast()
    });
    api(&env, "POST", CMS, Some(&cm("i0", json!({"a": "1"}))));
    api(&env, "POST", CMS, Some(&cm("i1", json!({"a": "2"}))));
    let (_, mut w) = WatchStream::open(
        &env,
        &format!("{CMS}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&labelSelector=a%3D1"),
    );
    let e = w.next().unwrap();
    assert_eq!(
        (e["type"].as_str(), e["object"]["metadata"]["name"].as_str()),
        (Some("ADDED"), Some("i0"))
    );
    let b = w.next().unwrap();
    assert_eq!(b["type"], "BOOKMARK");
    assert_eq!(
        b["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    let b2 = w.next().unwrap();
    assert_eq!(
        b2["type"], "BOOKMARK",
        "a periodic bookmark follows (5s scaled by 0.02)"
    );
    assert!(b2["object"]["metadata"].get("annotations").is_none());
}

#[test]
fn watch_with_timeout_ends_and_dropped_watches_close() {
    let env = start(fast());
    let (_, mut w) = WatchStream::open(&env, &format!("{CMS}?watch=true&timeoutSeconds=1"));
    let start = std::time::Instant::now();
    while w.next().is_some() {}
    assert!(start.elapsed() < Duration::from_secs(5));
    let (_, mut w) = WatchStream::open(&env, &format!("{CMS}?watch=true&resourceVersion=1"));
    env.cluster.inject_fault(Fault::DropWatches { count: 0 });
    wait_for(Duration::from_secs(5), "the watch to close", || {
        while w.next().is_some() {}
        Some(())
    });
}

#[test]
fn injected_errors_fail_requests_with_retry_after_then_recover() {
    let env = start(fast());
    let r = http(
        env.cluster.addr(),
        "POST",
        "/simcluster/faults",
        Some(env.cluster.token()),
        "application/json",
        br#"{"type":"error","code":429,"count":2,"pathContains":"configmaps","retryAfterSecs":2}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        api(&env, "GET", "/api/v1/namespaces", None).status,
        200,
        "other paths unaffected"
    );
    for _ in 0..2 {
        let r = api(&env, "GET", CMS, None);
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after"), Some("2"));
        assert_eq!(r.json()["reason"], "TooManyRequests");
    }
    assert_eq!(api(&env, "GET", CMS, None).status, 200);
    env.cluster.inject_fault(Fault::Error {
        code: 500,
        count: 1,
        path_contains: None,
        retry_after_secs: 1,
    });
    assert_eq!(api(&env, "GET", CMS, None).status, 500);
    assert_eq!(api(&env, "GET", CMS, None).status, 200);
    let bad = http(
        env.cluster.addr(),
        "POST",
        "/simcluster/faults",
        Some(env.cluster.token()),
        "application/json",
        b"{}",
    );
    assert_eq!(bad.status, 400);
}

#[test]
fn dry_run_validates_without_storing() {
    let env = start(fast());
    let r = api(
        &env,
        "POST",
        &format!("{CMS}?dryRun=All"),
        Some(&cm("dry", json!({}))),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["metadata"]["name"], "dry");
    assert_eq!(api(&env, "GET", &format!("{CMS}/dry"), None).status, 404);
}

fn deployment(name: &str, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}},
        "spec": {"containers": [{"name": "c", "image": image}]}}}})
}

#[test]
fn orphan_propagation_keeps_dependents_and_foreground_removes_them_first() {
    let env = start(fast());
    let path = "/apis/apps/v1/namespaces/default/deployments";
    api(&env, "POST", path, Some(&deployment("keep", "nginx")));
    api(&env, "POST", path, Some(&deployment("drop", "nginx")));
    wait_for(Duration::from_secs(10), "ReplicaSets", || {
        (env.cluster
            .list_objects("apps", "replicasets", Some("default"))
            .len()
            == 2)
            .then_some(())
    });
    let r = api(
        &env,
        "DELETE",
        &format!("{path}/keep?propagationPolicy=Orphan"),
        None,
    );
    assert_eq!(r.status, 200);
    let r = http(
        env.cluster.addr(),
        "DELETE",
        &format!("{path}/drop"),
        Some(env.cluster.token()),
        "application/json",
        br#"{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"}"#,
    );
    assert_eq!(r.status, 200);
    let sets = env
        .cluster
        .list_objects("apps", "replicasets", Some("default"));
    assert_eq!(sets.len(), 1);
    assert!(sets[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .starts_with("keep-"));
    assert!(sets[0]["metadata"]
        .get("ownerReferences")
        .and_then(Value::as_array)
        .is_none_or(|r| r.is_empty()));
}

#[test]
fn protobuf_bodies_other_than_secrets_and_configmaps_are_refused() {
    let env = start(fast());
    let r = http(
        env.cluster.addr(),
        "POST",
        "/apis/apps/v1/namespaces/default/deployments",
        Some(env.cluster.token()),
        "application/vnd.kubernetes.protobuf",
        b"k8s\0\x0a\x15\x0a\x07apps/v1\x12\x0aDeployment",
    );
    assert_eq!(r.status, 415);
}

#[test]
fn discovery_serves_legacy_and_aggregated_documents_and_new_crds() {
    let env = start(fast());
    let v = api(&env, "GET", "/version", None).json();
    assert_eq!(v["gitVersion"], "v1.37.0");
    let agg = http(
        env.cluster.addr(),
        "GET",
        "/apis",
        Some(env.cluster.token()),
        "application/json",
        b"",
    );
    assert_eq!(agg.json()["kind"], "APIGroupList");
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"}, "spec": {"group": "example.com", "scope": "Cluster",
        "names": {"plural": "gadgets", "kind": "Gadget"}, "versions": [{"name": "v1beta1", "served": true, "storage": true}]}});
    let created = api(
        &env,
        "POST",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        Some(&crd),
    )
    .json();
    let est = created["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Established")
        .unwrap()
        .clone();
    assert_eq!(est["status"], "True");
    let list = api(&env, "GET", "/apis/example.com/v1beta1", None).json();
    assert_eq!(list["resources"][0]["name"], "gadgets");
    assert_eq!(list["resources"][0]["namespaced"], false);
    let g = json!({"apiVersion": "example.com/v1beta1", "kind": "Gadget", "metadata": {"name": "g1"}, "spec": {"x": 1}});
    assert_eq!(
        api(&env, "POST", "/apis/example.com/v1beta1/gadgets", Some(&g)).status,
        201
    );
    assert_eq!(
        api(&env, "GET", "/apis/example.com/v1beta1/gadgets/g1", None).json()["spec"]["x"],
        1
    );
}
