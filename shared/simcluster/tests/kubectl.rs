//! Real kubectl 1.37 against the simulated cluster: server-side apply, get, rollout
//! status, wait, delete with garbage collection, conflicts, CRDs and crash loops.

mod common;

use std::time::Duration;

use common::{fast, start_tls, wait_for};
use lockgate_simcluster::SimConfig;

const APP: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 80
"#;

#[test]
fn kubectl_applies_rolls_out_waits_gets_and_deletes_with_garbage_collection() {
    let env = start_tls(fast());
    let f = env.file("app.yaml", APP);
    let out = env.kubectl_ok(&["apply", "--server-side", "-f", &f]);
    assert!(
        out.contains("deployment.apps/web serverside-applied"),
        "{out}"
    );
    let out = env.kubectl_ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    assert!(
        out.contains("deployment \"web\" successfully rolled out"),
        "{out}"
    );
    let out = env.kubectl_ok(&[
        "wait",
        "--for=condition=Available",
        "deployment/web",
        "--timeout=30s",
    ]);
    assert!(out.contains("condition met"), "{out}");

    let yaml = env.kubectl_ok(&["get", "deployment", "web", "-o", "yaml"]);
    assert!(yaml.contains("readyReplicas: 2"), "{yaml}");
    assert!(yaml.contains("reason: NewReplicaSetAvailable"), "{yaml}");
    assert!(yaml.contains("uid: "), "{yaml}");
    let cm = env.kubectl_ok(&[
        "get",
        "configmap",
        "web-config",
        "-o",
        "jsonpath={.data.greeting}",
    ]);
    assert_eq!(cm, "hello");
    let ips = env.kubectl_ok(&[
        "get",
        "endpoints",
        "web",
        "-o",
        "jsonpath={.subsets[0].addresses[*].ip}",
    ]);
    assert_eq!(ips.split_whitespace().count(), 2, "{ips}");
    let managers = env.kubectl_ok(&[
        "get",
        "deployment",
        "web",
        "--show-managed-fields",
        "-o",
        "jsonpath={.metadata.managedFields[*].manager}",
    ]);
    assert!(managers.contains("kubectl"), "{managers}");

    env.kubectl_ok(&["delete", "deployment", "web"]);
    wait_for(
        Duration::from_secs(10),
        "ReplicaSets and Pods to be collected",
        || {
            (env.cluster
                .list_objects("apps", "replicasets", Some("default"))
                .is_empty()
                && env
                    .cluster
                    .list_objects("", "pods", Some("default"))
                    .is_empty())
            .then_some(())
        },
    );
    let out = env.kubectl(&["get", "deployment", "web"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("deployments.apps \"web\" not found"));
}

#[test]
fn kubectl_reapply_with_a_new_image_bumps_generation_and_replaces_the_replicaset() {
    let env = start_tls(fast());
    env.kubectl_ok(&["apply", "--server-side", "-f", &env.file("v1.yaml", APP)]);
    env.kubectl_ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    let first_rs = env.kubectl_ok(&["get", "rs", "-o", "jsonpath={.items[*].metadata.name}"]);
    env.kubectl_ok(&[
        "apply",
        "--server-side",
        "-f",
        &env.file("v2.yaml", &APP.replace("nginx:1.27", "nginx:1.28")),
    ]);
    let generation = env.kubectl_ok(&[
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.metadata.generation}",
    ]);
    assert_eq!(generation, "2");
    env.kubectl_ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    let sets = env.kubectl_ok(&["get", "rs", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.replicas}={.metadata.annotations.deployment\\.kubernetes\\.io/revision} {end}"]);
    let sets: Vec<&str> = sets.split_whitespace().collect();
    assert_eq!(sets.len(), 2, "{sets:?}");
    assert!(
        sets.contains(&format!("{first_rs}=0=1").as_str()),
        "old ReplicaSet scaled to 0: {sets:?}"
    );
    assert!(
        sets.iter().any(|s| s.ends_with("=2=2")),
        "new ReplicaSet at revision 2: {sets:?}"
    );
    // Re-applying the same manifest changes nothing.
    let rv = env.kubectl_ok(&[
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.metadata.generation}",
    ]);
    env.kubectl_ok(&[
        "apply",
        "--server-side",
        "-f",
        &env.file("v2b.yaml", &APP.replace("nginx:1.27", "nginx:1.28")),
    ]);
    assert_eq!(
        env.kubectl_ok(&[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.metadata.generation}"
        ]),
        rv
    );
}

#[test]
fn kubectl_apply_by_another_manager_conflicts_until_forced() {
    let env = start_tls(fast());
    env.kubectl_ok(&["apply", "--server-side", "-f", &env.file("app.yaml", APP)]);
    let scaled = env.file("scaled.yaml", &APP.replace("replicas: 2", "replicas: 5"));
    let out = env.kubectl(&[
        "apply",
        "--server-side",
        "--field-manager=ops",
        "-f",
        &scaled,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas"
        ),
        "{err}"
    );
    env.kubectl_ok(&[
        "apply",
        "--server-side",
        "--field-manager=ops",
        "--force-conflicts",
        "-f",
        &scaled,
    ]);
    assert_eq!(
        env.kubectl_ok(&[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.replicas}"
        ]),
        "5"
    );
    let fields = env.kubectl_ok(&["get", "deployment", "web", "--show-managed-fields", "-o", "jsonpath={range .metadata.managedFields[*]}{.manager}:{.fieldsV1.f:spec.f:replicas}{\"\\n\"}{end}"]);
    assert!(
        fields.lines().any(|l| l == "ops:{}"),
        "ops owns replicas: {fields}"
    );
    assert!(
        fields.lines().any(|l| l == "kubectl:"),
        "kubectl lost replicas: {fields}"
    );
}

#[test]
fn kubectl_applies_a_crd_and_then_a_custom_resource() {
    let env = start_tls(fast());
    let crd = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"#;
    env.kubectl_ok(&["apply", "--server-side", "-f", &env.file("crd.yaml", crd)]);
    env.kubectl_ok(&[
        "wait",
        "--for=condition=Established",
        "crd/widgets.example.com",
        "--timeout=10s",
    ]);
    let cr = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n";
    let out = env.kubectl_ok(&["apply", "--server-side", "-f", &env.file("cr.yaml", cr)]);
    assert!(
        out.contains("widget.example.com/w1 serverside-applied"),
        "{out}"
    );
    assert_eq!(
        env.kubectl_ok(&["get", "wd", "w1", "-o", "jsonpath={.spec.size}"]),
        "3"
    );
    env.kubectl_ok(&["delete", "crd", "widgets.example.com"]);
    assert!(env
        .cluster
        .list_objects("example.com", "widgets", None)
        .is_empty());
}

#[test]
fn kubectl_rollout_status_fails_for_a_crash_looping_image() {
    let env = start_tls(SimConfig {
        crash_images: vec!["*crashy*".into()],
        ..fast()
    });
    let manifest = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  replicas: 1
  progressDeadlineSeconds: 600
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      containers: [{name: app, image: "registry.local/crashy:1"}]
"#;
    env.kubectl_ok(&[
        "apply",
        "--server-side",
        "-f",
        &env.file("bad.yaml", manifest),
    ]);
    let out = env.kubectl(&["rollout", "status", "deployment/bad", "--timeout=2s"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("timed out waiting for the condition"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 of 1 updated replicas are available"));
    // The progress deadline (600s scaled by 0.02 = 12s) then fails the rollout outright.
    let out = env.kubectl(&["rollout", "status", "deployment/bad", "--timeout=60s"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("deployment \"bad\" exceeded its progress deadline"),
        "{stderr}"
    );
    let reason = env.kubectl_ok(&[
        "get",
        "pods",
        "-l",
        "app=bad",
        "-o",
        "jsonpath={.items[0].status.containerStatuses[0].state.waiting.reason}",
    ]);
    assert_eq!(reason, "CrashLoopBackOff");
    let events = env.kubectl_ok(&[
        "get",
        "events",
        "--field-selector",
        "reason=BackOff",
        "-o",
        "jsonpath={.items[*].message}",
    ]);
    assert!(
        events.contains("Back-off restarting failed container"),
        "{events}"
    );
}

#[test]
fn kubectl_with_a_wrong_token_is_unauthorized() {
    let env = start_tls(fast());
    let text = std::fs::read_to_string(&env.kubeconfig)
        .unwrap()
        .replace(env.cluster.token(), "wrong-token");
    std::fs::write(&env.kubeconfig, text).unwrap();
    let out = env.kubectl(&["get", "namespaces"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("You must be logged in to the server"),
        "{stderr}"
    );
}

#[test]
fn kubectl_get_prints_columns_and_scale_changes_replicas() {
    let env = start_tls(fast());
    env.kubectl_ok(&["apply", "--server-side", "-f", &env.file("app.yaml", APP)]);
    env.kubectl_ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    let table = env.kubectl_ok(&["get", "deployments"]);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        vec!["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    );
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(&row[..4], &["web", "2/2", "2", "2"]);
    let pods = env.kubectl_ok(&["get", "pods", "-l", "app=web"]);
    assert!(pods.lines().next().unwrap().starts_with("NAME"), "{pods}");
    assert_eq!(
        pods.lines()
            .filter(|l| l.contains("1/1") && l.contains("Running"))
            .count(),
        2,
        "{pods}"
    );
    let svc = env.kubectl_ok(&["get", "service", "web"]);
    assert!(svc.contains("ClusterIP") && svc.contains("80/TCP"), "{svc}");

    let out = env.kubectl_ok(&["scale", "deployment/web", "--replicas=3"]);
    assert!(out.contains("deployment.apps/web scaled"), "{out}");
    env.kubectl_ok(&["rollout", "status", "deployment/web", "--timeout=60s"]);
    assert_eq!(
        env.kubectl_ok(&[
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.status.availableReplicas}"
        ]),
        "3"
    );
}

#[test]
fn kubectl_imperative_creates_of_namespaces_configmaps_and_secrets_work() {
    let env = start_tls(fast());
    // Typed kubectl commands send protobuf bodies for these kinds.
    env.kubectl_ok(&["create", "namespace", "team"]);
    let ns = env
        .cluster
        .get_object("", "namespaces", "", "team")
        .expect("namespace stored");
    assert_eq!(ns["spec"]["finalizers"], serde_json::json!(["kubernetes"]));
    assert!(ns["metadata"].get("generateName").is_none());
    env.kubectl_ok(&[
        "create",
        "configmap",
        "settings",
        "-n",
        "team",
        "--from-literal=mode=fast",
    ]);
    env.kubectl_ok(&[
        "create",
        "secret",
        "generic",
        "creds",
        "-n",
        "team",
        "--from-literal=token=abc",
    ]);
    assert_eq!(
        env.kubectl_ok(&[
            "get",
            "cm",
            "settings",
            "-n",
            "team",
            "-o",
            "jsonpath={.data.mode}"
        ]),
        "fast"
    );
    assert_eq!(
        env.kubectl_ok(&[
            "get",
            "secret",
            "creds",
            "-n",
            "team",
            "-o",
            "jsonpath={.data.token}"
        ]),
        "YWJj"
    );
    let ns_table = env.kubectl_ok(&["get", "namespace", "team"]);
    assert!(ns_table.contains("Active"), "{ns_table}");
    env.kubectl_ok(&["delete", "namespace", "team"]);
    assert!(env
        .cluster
        .list_objects("", "configmaps", Some("team"))
        .is_empty());
}

#[test]
fn kubectl_rollout_status_follows_statefulsets_daemonsets_and_recreate_deployments() {
    let env = start_tls(fast());
    let manifest = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "postgres:16"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "agent:1"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  replicas: 2
  strategy: {type: Recreate}
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: w, image: "worker:1"}]
"#;
    env.kubectl_ok(&[
        "apply",
        "--server-side",
        "-f",
        &env.file("set.yaml", manifest),
    ]);
    let out = env.kubectl_ok(&["rollout", "status", "statefulset/db", "--timeout=60s"]);
    // The API server defaults `rollingUpdate.partition: 0`, so kubectl reports a partitioned roll out.
    assert!(
        out.contains("partitioned roll out complete: 2 new pods have been updated"),
        "{out}"
    );
    let out = env.kubectl_ok(&["rollout", "status", "daemonset/agent", "--timeout=60s"]);
    assert!(
        out.contains("daemon set \"agent\" successfully rolled out"),
        "{out}"
    );
    env.kubectl_ok(&["rollout", "status", "deployment/worker", "--timeout=60s"]);

    let v2 = manifest
        .replace("postgres:16", "postgres:17")
        .replace("worker:1", "worker:2");
    env.kubectl_ok(&["apply", "--server-side", "-f", &env.file("set2.yaml", &v2)]);
    let out = env.kubectl_ok(&["rollout", "status", "statefulset/db", "--timeout=60s"]);
    assert!(
        out.contains("partitioned roll out complete: 2 new pods have been updated"),
        "{out}"
    );
    let sts = env
        .cluster
        .get_object("apps", "statefulsets", "default", "db")
        .unwrap();
    assert_eq!(
        sts["status"]["currentRevision"],
        sts["status"]["updateRevision"]
    );
    env.kubectl_ok(&["rollout", "status", "deployment/worker", "--timeout=60s"]);
    let images = env.kubectl_ok(&[
        "get",
        "pods",
        "-l",
        "app=worker",
        "-o",
        "jsonpath={.items[*].spec.containers[0].image}",
    ]);
    assert_eq!(
        images.split_whitespace().collect::<Vec<_>>(),
        vec!["worker:2", "worker:2"]
    );
}
