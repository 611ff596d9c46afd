//! ReplicaSet controller: keeps `spec.replicas` pods from the template and reports
//! replicas, ready and available counts.

use serde_json::{json, Value};

use super::util::{
    all, create_pod, delete_pod, owned_pods, pod_from_template, pod_ready, pod_terminal, set_status,
};
use crate::meta;
use crate::registry::ResKey;
use crate::state::State;

/// Reconciles every ReplicaSet.
pub fn reconcile(st: &mut State) {
    let key = ResKey::new("apps", "replicasets");
    for rs in all(st, "apps", "replicasets") {
        if rs.pointer("/metadata/deletionTimestamp").is_some() {
            continue;
        }
        reconcile_one(st, &key, &rs);
    }
}

fn reconcile_one(st: &mut State, key: &ResKey, rs: &Value) {
    let ns = meta::namespace(rs).to_string();
    let uid = meta::uid(rs).to_string();
    let want = meta::i64_at(rs, "/spec/replicas").unwrap_or(1).max(0) as usize;
    let mut pods: Vec<_> = owned_pods(st, &ns, &uid)
        .into_iter()
        .filter(|p| !pod_terminal(p))
        .collect();
    if pods.len() < want {
        let template = rs.pointer("/spec/template").cloned().unwrap_or(json!({}));
        for _ in pods.len()..want {
            let name = format!("{}-{}", meta::name(rs), meta::random_suffix(5));
            let pod = pod_from_template(rs, &template, &name, &[]);
            create_pod(st, rs, pod, "replicaset-controller");
        }
    } else if pods.len() > want {
        // Not-ready pods go first, then the newest.
        pods.sort_by_key(|p| {
            (
                pod_ready(p),
                std::cmp::Reverse(
                    meta::str_at(p, "/metadata/creationTimestamp")
                        .unwrap_or("")
                        .to_string(),
                ),
            )
        });
        for p in pods.iter().take(pods.len() - want) {
            delete_pod(st, rs, p, "replicaset-controller");
        }
    }
    let pods: Vec<_> = owned_pods(st, &ns, &uid)
        .into_iter()
        .filter(|p| !pod_terminal(p))
        .collect();
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    let mut status = json!({
        "replicas": pods.len(),
        "fullyLabeledReplicas": pods.len(),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "terminatingReplicas": 0,
        "observedGeneration": meta::i64_at(rs, "/metadata/generation").unwrap_or(1),
    });
    if let Some(m) = status.as_object_mut() {
        for k in ["readyReplicas", "availableReplicas", "fullyLabeledReplicas"] {
            if m.get(k) == Some(&json!(0)) {
                m.remove(k);
            }
        }
    }
    let current = st.store.get(key, &ns, meta::name(rs));
    if let Some(cur) = current {
        set_status(st, key, &cur, status);
    }
}
