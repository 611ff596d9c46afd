//! DaemonSet controller: one pod per simulated node, rolling replacement of outdated
//! pods, and desired/current/ready/updated/available counts.

use serde_json::{json, Value};

use super::util::{
    all, create_pod, delete_pod, owned_pods, pod_from_template, pod_ready, set_status,
};
use crate::meta;
use crate::registry::ResKey;
use crate::state::State;

/// Reconciles every DaemonSet.
pub fn reconcile(st: &mut State) {
    let key = ResKey::new("apps", "daemonsets");
    let nodes: Vec<String> = all(st, "", "nodes")
        .iter()
        .map(|n| meta::name(n).to_string())
        .collect();
    for ds in all(st, "apps", "daemonsets") {
        if ds.pointer("/metadata/deletionTimestamp").is_none() {
            reconcile_one(st, &key, &ds, &nodes);
        }
    }
}

fn reconcile_one(st: &mut State, key: &ResKey, ds: &Value, nodes: &[String]) {
    let ns = meta::namespace(ds).to_string();
    let name = meta::name(ds).to_string();
    let uid = meta::uid(ds).to_string();
    let template = ds.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let hash = meta::short_hash(&template);
    let pods = owned_pods(st, &ns, &uid);
    let node_of = |p: &Value| meta::str_at(p, "/spec/nodeName").unwrap_or("").to_string();
    for node in nodes {
        if !pods.iter().any(|p| node_of(p) == *node) {
            let mut tpl = template.clone();
            meta::object_at(&mut tpl, "spec").insert("nodeName".into(), json!(node));
            let pod_name = format!("{name}-{}", meta::random_suffix(5));
            let pod = pod_from_template(
                ds,
                &tpl,
                &pod_name,
                &[
                    ("controller-revision-hash", &hash),
                    ("pod-template-generation", "1"),
                ],
            );
            create_pod(st, ds, pod, "daemonset-controller");
        }
    }
    let pods = owned_pods(st, &ns, &uid);
    let hash_of = |p: &Value| {
        meta::str_at(p, "/metadata/labels/controller-revision-hash")
            .unwrap_or("")
            .to_string()
    };
    if pods.iter().all(|p| pod_ready(p)) {
        if let Some(p) = pods.iter().find(|p| hash_of(p) != hash) {
            delete_pod(st, ds, p, "daemonset-controller");
        }
    }
    let pods = owned_pods(st, &ns, &uid);
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let updated = pods.iter().filter(|p| hash_of(p) == hash).count();
    let status = json!({
        "observedGeneration": meta::i64_at(ds, "/metadata/generation").unwrap_or(1),
        "desiredNumberScheduled": nodes.len(),
        "currentNumberScheduled": pods.len(),
        "numberMisscheduled": 0,
        "numberReady": ready,
        "updatedNumberScheduled": updated,
        "numberAvailable": ready,
        "numberUnavailable": nodes.len().saturating_sub(ready),
    });
    if let Some(cur) = st.store.get(key, &ns, &name) {
        set_status(st, key, &cur, status);
    }
}
