//! Simulated controllers: a loop that, every tick, reconciles what kube-controller-
//! manager, the scheduler, kubelet and the endpoint controllers would do.

mod daemonset;
mod deployment;
mod events;
mod gc;
mod job;
mod misc;
mod pods;
mod replicaset;
mod services;
mod statefulset;
mod util;

use std::time::Duration;

use serde_json::json;

use crate::registry::ResKey;
use crate::state::{lock, Shared, State};

pub use events::emit as emit_event;

/// Creates what a fresh cluster has: system namespaces, nodes, the `kubernetes` Service.
pub fn bootstrap(st: &mut State) {
    let ns_key = ResKey::new("", "namespaces");
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        crate::api::internal_create(
            st,
            &ns_key,
            json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}),
        );
    }
    for i in 1..=st.cfg.nodes.max(1) {
        misc::create_node(st, &format!("sim-node-{i}"), i);
    }
    crate::api::internal_create(
        st,
        &ResKey::new("", "services"),
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}], "sessionAffinity": "None"},
            "status": {"loadBalancer": {}}}),
    );
}

/// One reconciliation pass over everything.
pub fn reconcile_all(st: &mut State) {
    misc::namespaces(st);
    deployment::reconcile(st);
    replicaset::reconcile(st);
    statefulset::reconcile(st);
    daemonset::reconcile(st);
    job::reconcile(st);
    pods::reconcile(st);
    services::reconcile(st);
    misc::pvcs(st);
    gc::reconcile(st);
}

/// Runs the controllers until `stop` turns true.
pub async fn run(shared: Shared, mut stop: tokio::sync::watch::Receiver<bool>) {
    let tick = {
        let st = lock(&shared);
        st.cfg
            .scaled(Duration::from_millis(1000))
            .clamp(Duration::from_millis(20), Duration::from_millis(250))
    };
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick) => {
                let mut st = lock(&shared);
                reconcile_all(&mut st);
            }
            _ = stop.changed() => return,
        }
    }
}
