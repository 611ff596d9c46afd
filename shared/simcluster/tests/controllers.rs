//! Simulated controllers seen through the API: StatefulSets, DaemonSets, Jobs,
//! Services (Endpoints, EndpointSlices, load balancers), PVCs, events and slow images.

mod common;

use std::time::Duration;

use common::{api, fast, start, wait_for};
use lockgate_simcluster::SimConfig;
use serde_json::{json, Value};

fn template(app: &str, image: &str) -> Value {
    json!({"metadata": {"labels": {"app": app}}, "spec": {"containers": [{"name": "c", "image": image, "ports": [{"name": "http", "containerPort": 8080}]}]}})
}

fn status_of(env: &common::Env, group: &str, plural: &str, name: &str) -> Value {
    env.cluster
        .get_object(group, plural, "default", name)
        .map(|o| o["status"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn statefulset_creates_ordinal_pods_claims_and_rolls_revisions() {
    let env = start(fast());
    let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}}, "template": template("db", "postgres:16"),
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}});
    assert_eq!(
        api(
            &env,
            "POST",
            "/apis/apps/v1/namespaces/default/statefulsets",
            Some(&sts)
        )
        .status,
        201
    );
    let first = wait_for(Duration::from_secs(10), "statefulset ready", || {
        let s = status_of(&env, "apps", "statefulsets", "db");
        (s["readyReplicas"] == 2 && s["currentRevision"] == s["updateRevision"]).then_some(s)
    });
    assert!(env
        .cluster
        .get_object("", "pods", "default", "db-0")
        .is_some());
    assert!(env
        .cluster
        .get_object("", "pods", "default", "db-1")
        .is_some());
    let pvc = wait_for(Duration::from_secs(5), "claim bound", || {
        env.cluster
            .get_object("", "persistentvolumeclaims", "default", "data-db-0")
            .filter(|p| p["status"]["phase"] == "Bound")
    });
    assert_eq!(pvc["status"]["capacity"]["storage"], "1Gi");
    let r = common::patch(
        &env,
        "/apis/apps/v1/namespaces/default/statefulsets/db",
        "application/strategic-merge-patch+json",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"postgres:17"}]}}}}"#,
    );
    assert_eq!(r.status, 200);
    let done = wait_for(Duration::from_secs(15), "rolled statefulset", || {
        let s = status_of(&env, "apps", "statefulsets", "db");
        (s["updatedReplicas"] == 2
            && s["readyReplicas"] == 2
            && s["currentRevision"] == s["updateRevision"]
            && s["observedGeneration"] == 2)
            .then_some(s)
    });
    assert_ne!(done["updateRevision"], first["updateRevision"]);
}

#[test]
fn daemonset_runs_one_pod_per_simulated_node() {
    let env = start(SimConfig { nodes: 2, ..fast() });
    let ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": template("agent", "agent:1")}});
    assert_eq!(
        api(
            &env,
            "POST",
            "/apis/apps/v1/namespaces/default/daemonsets",
            Some(&ds)
        )
        .status,
        201
    );
    let s = wait_for(Duration::from_secs(10), "daemonset available", || {
        let s = status_of(&env, "apps", "daemonsets", "agent");
        (s["numberAvailable"] == 2).then_some(s)
    });
    assert_eq!(
        (
            s["desiredNumberScheduled"].clone(),
            s["updatedNumberScheduled"].clone()
        ),
        (json!(2), json!(2))
    );
    let nodes: Vec<String> = env
        .cluster
        .list_objects("", "pods", Some("default"))
        .iter()
        .map(|p| p["spec"]["nodeName"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        nodes.contains(&"sim-node-1".to_string()) && nodes.contains(&"sim-node-2".to_string()),
        "{nodes:?}"
    );
}

#[test]
fn job_pods_succeed_and_the_job_completes() {
    let env = start(fast());
    let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"},
        "spec": {"completions": 2, "parallelism": 1, "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "migrate:1"}]}}}});
    assert_eq!(
        api(
            &env,
            "POST",
            "/apis/batch/v1/namespaces/default/jobs",
            Some(&job)
        )
        .status,
        201
    );
    let s = wait_for(Duration::from_secs(10), "job complete", || {
        let s = status_of(&env, "batch", "jobs", "migrate");
        s["conditions"]
            .as_array()
            .is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Complete" && c["status"] == "True")
            })
            .then_some(s)
    });
    assert_eq!(s["succeeded"], 2);
    let pods = env.cluster.list_objects("", "pods", Some("default"));
    assert_eq!(pods.len(), 2);
    assert!(pods.iter().all(|p| p["status"]["phase"] == "Succeeded"));
    assert_eq!(
        pods[0]["status"]["containerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
}

#[test]
fn services_get_endpoints_slices_and_load_balancer_addresses() {
    let env = start(fast());
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template("web", "nginx")}});
    api(
        &env,
        "POST",
        "/apis/apps/v1/namespaces/default/deployments",
        Some(&d),
    );
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}});
    let created = api(
        &env,
        "POST",
        "/api/v1/namespaces/default/services",
        Some(&svc),
    )
    .json();
    assert!(created["spec"]["clusterIP"]
        .as_str()
        .unwrap()
        .starts_with("10.96."));
    assert!(created["spec"]["ports"][0]["nodePort"].as_i64().unwrap() >= 30000);
    let ep = wait_for(Duration::from_secs(10), "two ready endpoints", || {
        env.cluster
            .get_object("", "endpoints", "default", "web")
            .filter(|e| {
                e["subsets"][0]["addresses"]
                    .as_array()
                    .is_some_and(|a| a.len() == 2)
            })
    });
    assert_eq!(
        ep["subsets"][0]["ports"][0]["port"], 8080,
        "named target port resolved"
    );
    let slices = env
        .cluster
        .list_objects("discovery.k8s.io", "endpointslices", Some("default"));
    let slice = slices
        .iter()
        .find(|s| s["metadata"]["labels"]["kubernetes.io/service-name"] == "web")
        .expect("slice");
    let ready = slice["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["conditions"]["ready"] == true)
        .count();
    assert_eq!(ready, 2);
    let lb = wait_for(Duration::from_secs(5), "load balancer ingress", || {
        let s = status_of(&env, "", "services", "web");
        s["loadBalancer"]["ingress"][0]["ip"]
            .as_str()
            .map(String::from)
    });
    assert!(lb.starts_with("172.18.255."));
}

#[test]
fn pods_and_deployments_record_events_like_kubernetes() {
    let env = start(fast());
    let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ev"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "ev"}}, "template": template("ev", "nginx")}});
    api(
        &env,
        "POST",
        "/apis/apps/v1/namespaces/default/deployments",
        Some(&d),
    );
    wait_for(Duration::from_secs(10), "deployment available", || {
        (status_of(&env, "apps", "deployments", "ev")["availableReplicas"] == 1).then_some(())
    });
    let reasons: Vec<String> = env
        .cluster
        .list_objects("", "events", Some("default"))
        .iter()
        .map(|e| e["reason"].as_str().unwrap_or("").to_string())
        .collect();
    for r in [
        "ScalingReplicaSet",
        "SuccessfulCreate",
        "Scheduled",
        "Pulled",
        "Created",
        "Started",
    ] {
        assert!(reasons.iter().any(|x| x == r), "missing {r} in {reasons:?}");
    }
    let new_api = api(
        &env,
        "GET",
        "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=reason%3DScheduled",
        None,
    )
    .json();
    assert_eq!(new_api["items"][0]["regarding"]["kind"], "Pod");
}

#[test]
fn slow_images_become_ready_later_than_others() {
    let env = start(SimConfig {
        slow_images: vec![("slow:*".into(), Duration::from_secs(300))],
        ..fast()
    });
    let pod = |name: &str, image: &str| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": image}]}});
    api(
        &env,
        "POST",
        "/api/v1/namespaces/default/pods",
        Some(&pod("quick", "fast:1")),
    );
    api(
        &env,
        "POST",
        "/api/v1/namespaces/default/pods",
        Some(&pod("late", "slow:1")),
    );
    wait_for(Duration::from_secs(5), "quick pod ready", || {
        (status_of(&env, "", "pods", "quick")["containerStatuses"][0]["ready"] == true)
            .then_some(())
    });
    assert_eq!(
        status_of(&env, "", "pods", "late")["containerStatuses"][0]["ready"],
        false
    );
    wait_for(
        Duration::from_secs(30),
        "slow pod ready (300s scaled by 0.02)",
        || {
            (status_of(&env, "", "pods", "late")["containerStatuses"][0]["ready"] == true)
                .then_some(())
        },
    );
}
