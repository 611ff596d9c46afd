//! Small controllers: nodes, per-namespace defaults (ServiceAccount `default`,
//! ConfigMap `kube-root-ca.crt`) and PersistentVolumeClaim binding.

use serde_json::{json, Value};

use super::util::all;
use crate::meta;
use crate::registry::ResKey;
use crate::state::State;

/// Creates a Ready node.
pub fn create_node(st: &mut State, name: &str, index: usize) {
    let now = meta::now();
    crate::api::internal_create(
        st,
        &ResKey::new("", "nodes"),
        json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64", "node-role.kubernetes.io/control-plane": ""}},
            "spec": {"podCIDR": format!("10.244.{index}.0/24")},
            "status": {
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": now, "lastTransitionTime": now}],
                "addresses": [{"type": "InternalIP", "address": format!("172.18.0.{}", index + 1)}, {"type": "Hostname", "address": name}],
                "capacity": {"cpu": "8", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
                "allocatable": {"cpu": "8", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"},
                "nodeInfo": {"kubeletVersion": st.cfg.kube_version, "containerRuntimeVersion": "containerd://2.0.0",
                    "operatingSystem": "linux", "architecture": "amd64", "osImage": "simcluster", "kernelVersion": "6.1.0",
                    "machineID": "", "systemUUID": "", "bootID": "", "kubeProxyVersion": ""}}}),
    );
}

/// Gives every namespace its default ServiceAccount and root CA ConfigMap.
pub fn namespaces(st: &mut State) {
    let sa_key = ResKey::new("", "serviceaccounts");
    let cm_key = ResKey::new("", "configmaps");
    for ns in all(st, "", "namespaces") {
        let name = meta::name(&ns).to_string();
        if st.store.get(&sa_key, &name, "default").is_none() {
            crate::api::internal_create(
                st,
                &sa_key,
                json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": name}}),
            );
        }
        if st.store.get(&cm_key, &name, "kube-root-ca.crt").is_none() {
            crate::api::internal_create(
                st,
                &cm_key,
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt", "namespace": name},
                    "data": {"ca.crt": "simulated"}}),
            );
        }
    }
}

/// Binds every pending claim.
pub fn pvcs(st: &mut State) {
    let key = ResKey::new("", "persistentvolumeclaims");
    for pvc in all(st, "", "persistentvolumeclaims") {
        if meta::str_at(&pvc, "/status/phase") == Some("Bound") {
            continue;
        }
        let mut upd = (*pvc).clone();
        let volume = format!("pvc-{}", meta::uid(&pvc));
        meta::object_at(&mut upd, "spec").insert("volumeName".into(), json!(volume));
        meta::object_at(&mut upd, "spec")
            .entry("storageClassName")
            .or_insert(json!("standard"));
        let capacity = pvc
            .pointer("/spec/resources/requests")
            .cloned()
            .unwrap_or(json!({}));
        let modes = pvc
            .pointer("/spec/accessModes")
            .cloned()
            .unwrap_or(json!(["ReadWriteOnce"]));
        if let Some(m) = upd.as_object_mut() {
            m.insert(
                "status".into(),
                json!({"phase": "Bound", "capacity": capacity, "accessModes": modes}),
            );
        }
        let md = meta::metadata_mut(&mut upd);
        let ann = md.entry("annotations").or_insert_with(|| json!({}));
        if let Some(a) = ann.as_object_mut() {
            a.insert(
                "pv.kubernetes.io/bind-completed".into(),
                Value::String("yes".into()),
            );
        }
        crate::api::internal_update(st, &key, &pvc, upd);
    }
}
