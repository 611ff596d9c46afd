//! Helpers shared by the simulated controllers.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::meta;
use crate::registry::ResKey;
use crate::state::State;

/// Objects of one resource in all namespaces.
pub fn all(st: &State, group: &str, plural: &str) -> Vec<Arc<Value>> {
    st.store.list(&ResKey::new(group, plural), None)
}

/// Pods controlled by `owner_uid` in `ns`.
pub fn owned_pods(st: &State, ns: &str, owner_uid: &str) -> Vec<Arc<Value>> {
    st.store
        .list(&ResKey::new("", "pods"), Some(ns))
        .into_iter()
        .filter(|p| meta::controlled_by(p, owner_uid))
        .collect()
}

/// Whether a pod's Ready condition is True.
pub fn pod_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// A pod's phase.
pub fn pod_phase(pod: &Value) -> &str {
    meta::str_at(pod, "/status/phase").unwrap_or("Pending")
}

/// Whether a pod has finished (Succeeded or Failed).
pub fn pod_terminal(pod: &Value) -> bool {
    matches!(pod_phase(pod), "Succeeded" | "Failed")
}

/// Replaces `status` of `obj` when it differs; returns whether it wrote.
pub fn set_status(st: &mut State, key: &ResKey, obj: &Value, status: Value) -> bool {
    if obj.get("status") == Some(&status) {
        return false;
    }
    let mut new = obj.clone();
    if let Some(m) = new.as_object_mut() {
        m.insert("status".into(), status);
    }
    crate::api::internal_update(st, key, obj, new).is_some()
}

/// Builds a pod from a template, owned by `owner`.
pub fn pod_from_template(
    owner: &Value,
    template: &Value,
    name: &str,
    extra_labels: &[(&str, &str)],
) -> Value {
    let mut labels = template
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or(json!({}));
    if let Some(l) = labels.as_object_mut() {
        for (k, v) in extra_labels {
            l.insert((*k).into(), json!(v));
        }
    }
    let mut md = json!({
        "name": name,
        "namespace": meta::namespace(owner),
        "labels": labels,
        "ownerReferences": [meta::owner_ref(owner)],
    });
    if let Some(a) = template.pointer("/metadata/annotations") {
        md["annotations"] = a.clone();
    }
    let mut spec = template.get("spec").cloned().unwrap_or(json!({}));
    if let Some(s) = spec.as_object_mut() {
        s.entry("restartPolicy").or_insert(json!("Always"));
        s.entry("dnsPolicy").or_insert(json!("ClusterFirst"));
        s.entry("schedulerName")
            .or_insert(json!("default-scheduler"));
        s.entry("serviceAccountName").or_insert(json!("default"));
        s.entry("terminationGracePeriodSeconds")
            .or_insert(json!(30));
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": {"phase": "Pending"}})
}

/// Creates a pod and records SuccessfulCreate on its owner.
pub fn create_pod(st: &mut State, owner: &Value, pod: Value, component: &str) {
    let name = meta::name(&pod).to_string();
    crate::api::internal_create(st, &ResKey::new("", "pods"), pod);
    super::events::emit(
        st,
        owner,
        "Normal",
        "SuccessfulCreate",
        &format!("Created pod: {name}"),
        component,
    );
}

/// Deletes a pod and records SuccessfulDelete on its owner.
pub fn delete_pod(st: &mut State, owner: &Value, pod: &Value, component: &str) {
    let rt = st.registry.by_key(&ResKey::new("", "pods")).cloned();
    if let Some(rt) = rt {
        crate::api::remove_now(st, &rt, pod);
    }
    super::events::emit(
        st,
        owner,
        "Normal",
        "SuccessfulDelete",
        &format!("Deleted pod: {}", meta::name(pod)),
        component,
    );
}

/// Integer or percentage of `total` (rounded down, or up with `round_up`).
pub fn int_or_percent(v: Option<&Value>, total: i64, default: i64, round_up: bool) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(default),
        Some(Value::String(s)) => match s.strip_suffix('%').and_then(|p| p.parse::<f64>().ok()) {
            Some(p) => {
                let x = p * total as f64 / 100.0;
                if round_up {
                    x.ceil() as i64
                } else {
                    x.floor() as i64
                }
            }
            None => s.parse().unwrap_or(default),
        },
        _ => default,
    }
}

/// A condition object.
pub fn condition(ty: &str, status: bool, reason: &str, message: &str, since: &str) -> Value {
    json!({"type": ty, "status": if status { "True" } else { "False" }, "reason": reason, "message": message,
        "lastTransitionTime": since, "lastUpdateTime": since})
}

/// Keeps the transition time of an unchanged condition from `old` conditions.
pub fn keep_times(new: &mut [Value], old: Option<&Value>) {
    let old: Vec<Value> = old.and_then(Value::as_array).cloned().unwrap_or_default();
    for c in new.iter_mut() {
        if let Some(o) = old.iter().find(|o| o["type"] == c["type"]) {
            if o["status"] == c["status"] && o["reason"] == c["reason"] {
                for k in ["lastTransitionTime", "lastUpdateTime", "lastProbeTime"] {
                    if let Some(t) = o.get(k) {
                        c[k] = t.clone();
                    }
                }
            } else if o["status"] == c["status"] {
                if let Some(t) = o.get("lastTransitionTime") {
                    c["lastTransitionTime"] = t.clone();
                }
            }
        }
    }
}
