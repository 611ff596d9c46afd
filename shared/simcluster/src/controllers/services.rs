//! Service controllers: Endpoints and EndpointSlices from the pods a Service selects,
//! and a load balancer address for `type: LoadBalancer`.

use serde_json::{json, Value};

use super::util::{all, pod_ready, pod_terminal, set_status};
use crate::meta;
use crate::registry::ResKey;
use crate::selectors::LabelSelector;
use crate::state::State;

/// Reconciles every Service.
pub fn reconcile(st: &mut State) {
    let key = ResKey::new("", "services");
    let services = all(st, "", "services");
    for svc in &services {
        if meta::name(svc) == "kubernetes" && meta::namespace(svc) == "default" {
            continue;
        }
        endpoints(st, svc);
        if meta::str_at(svc, "/spec/type") == Some("LoadBalancer")
            && svc.pointer("/status/loadBalancer/ingress").is_none()
        {
            st.next_service_ip += 1;
            let ip = format!("172.18.255.{}", st.next_service_ip % 250 + 1);
            set_status(
                st,
                &key,
                svc,
                json!({"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}),
            );
        }
    }
    // Endpoints of deleted Services go too.
    let ep_key = ResKey::new("", "endpoints");
    for ep in all(st, "", "endpoints") {
        if st
            .store
            .get(&key, meta::namespace(&ep), meta::name(&ep))
            .is_none()
        {
            st.store
                .remove(&ep_key, meta::namespace(&ep), meta::name(&ep));
        }
    }
}

fn target_port(port: &Value, pod: Option<&Value>) -> Value {
    match port.get("targetPort") {
        Some(Value::String(named)) => pod
            .and_then(|p| p.pointer("/spec/containers"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|c| {
                c.get("ports")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .find(|cp| cp.get("name").and_then(Value::as_str) == Some(named))
            .and_then(|cp| cp.get("containerPort").cloned())
            .unwrap_or_else(|| port.get("port").cloned().unwrap_or(Value::Null)),
        Some(v) => v.clone(),
        None => port.get("port").cloned().unwrap_or(Value::Null),
    }
}

fn endpoints(st: &mut State, svc: &Value) {
    let Some(selector) = svc
        .pointer("/spec/selector")
        .filter(|s| s.as_object().is_some_and(|m| !m.is_empty()))
    else {
        return;
    };
    let ns = meta::namespace(svc).to_string();
    let name = meta::name(svc).to_string();
    let sel = LabelSelector::from_map(selector);
    let pods: Vec<_> = st
        .store
        .list(&ResKey::new("", "pods"), Some(&ns))
        .into_iter()
        .filter(|p| {
            sel.matches(p) && !pod_terminal(p) && meta::str_at(p, "/status/podIP").is_some()
        })
        .collect();
    let ports: Vec<Value> = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let first_pod = pods.first().map(|p| (**p).clone());
    let ep_ports: Vec<Value> = ports
        .iter()
        .map(|p| {
            let mut e = json!({"port": target_port(p, first_pod.as_ref()), "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP"))});
            if let Some(n) = p.get("name") {
                e["name"] = n.clone();
            }
            e
        })
        .collect();
    let address = |p: &Value| {
        json!({"ip": meta::str_at(p, "/status/podIP").unwrap_or(""), "nodeName": meta::str_at(p, "/spec/nodeName").unwrap_or(""),
            "targetRef": {"kind": "Pod", "namespace": ns, "name": meta::name(p), "uid": meta::uid(p)}})
    };
    let ready: Vec<Value> = pods
        .iter()
        .filter(|p| pod_ready(p))
        .map(|p| address(p))
        .collect();
    let not_ready: Vec<Value> = pods
        .iter()
        .filter(|p| !pod_ready(p))
        .map(|p| address(p))
        .collect();
    let mut subset = json!({"ports": ep_ports});
    if !ready.is_empty() {
        subset["addresses"] = json!(ready);
    }
    if !not_ready.is_empty() {
        subset["notReadyAddresses"] = json!(not_ready);
    }
    let subsets = if pods.is_empty() {
        json!([])
    } else {
        json!([subset])
    };
    let labels = svc
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or(json!({}));
    let ep_key = ResKey::new("", "endpoints");
    match st.store.get(&ep_key, &ns, &name) {
        Some(cur) => {
            let mut upd = (*cur).clone();
            upd["subsets"] = subsets;
            crate::api::internal_update(st, &ep_key, &cur, upd);
        }
        None => {
            crate::api::internal_create(
                st,
                &ep_key,
                json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": ns, "labels": labels}, "subsets": subsets}),
            );
        }
    }
    let slice_name = format!("{name}-{}", &meta::short_hash(&json!(meta::uid(svc)))[..5]);
    let endpoints: Vec<Value> = pods
        .iter()
        .map(|p| {
            let r = pod_ready(p);
            json!({"addresses": [meta::str_at(p, "/status/podIP").unwrap_or("")],
                "conditions": {"ready": r, "serving": r, "terminating": false},
                "nodeName": meta::str_at(p, "/spec/nodeName").unwrap_or(""),
                "targetRef": {"kind": "Pod", "namespace": ns, "name": meta::name(p), "uid": meta::uid(p)}})
        })
        .collect();
    let slice_key = ResKey::new("discovery.k8s.io", "endpointslices");
    let mut slice_ports = ep_ports.clone();
    for p in slice_ports.iter_mut() {
        if p.get("name").is_none() {
            p["name"] = json!("");
        }
    }
    match st.store.get(&slice_key, &ns, &slice_name) {
        Some(cur) => {
            let mut upd = (*cur).clone();
            upd["endpoints"] = json!(endpoints);
            upd["ports"] = json!(slice_ports);
            crate::api::internal_update(st, &slice_key, &cur, upd);
        }
        None => {
            let mut svc_with_kind = svc.clone();
            svc_with_kind["apiVersion"] = json!("v1");
            svc_with_kind["kind"] = json!("Service");
            let mut owner = meta::owner_ref(&svc_with_kind);
            owner["blockOwnerDeletion"] = json!(true);
            crate::api::internal_create(
                st,
                &slice_key,
                json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                    "metadata": {"name": slice_name, "namespace": ns, "ownerReferences": [owner],
                        "labels": {"kubernetes.io/service-name": name, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}},
                    "addressType": "IPv4", "endpoints": endpoints, "ports": slice_ports}),
            );
        }
    }
}
