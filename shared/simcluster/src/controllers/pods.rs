//! Scheduler and kubelet: pods get a node, containers start, become ready after the
//! configured (scaled) time, crash-loop for configured images, and pods of Jobs (or
//! with restartPolicy Never/OnFailure) succeed.

use std::time::Duration;

use serde_json::{json, Value};

use super::events::emit;
use super::util::{condition, keep_times};
use crate::meta;
use crate::registry::ResKey;
use crate::state::State;

/// Reconciles every pod.
pub fn reconcile(st: &mut State) {
    let key = ResKey::new("", "pods");
    for pod in st.store.list(&key, None) {
        if pod.pointer("/metadata/deletionTimestamp").is_some() {
            continue;
        }
        reconcile_pod(st, &key, &pod);
    }
}

fn node_for(st: &State, pod: &Value) -> String {
    let n = st.cfg.nodes.max(1);
    let h = meta::uid(pod)
        .bytes()
        .fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(b as usize));
    format!("sim-node-{}", h % n + 1)
}

fn node_ip(node: &str) -> String {
    let i: u32 = node
        .rsplit('-')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    format!("172.18.0.{}", i + 1)
}

fn reconcile_pod(st: &mut State, key: &ResKey, pod: &Value) {
    let mut new = pod.clone();
    let now = meta::now();
    let name = meta::name(pod).to_string();
    let ns = meta::namespace(pod).to_string();
    // Scheduling.
    let node = match meta::str_at(pod, "/spec/nodeName") {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => {
            let n = node_for(st, pod);
            meta::object_at(&mut new, "spec").insert("nodeName".into(), json!(n));
            emit(
                st,
                pod,
                "Normal",
                "Scheduled",
                &format!("Successfully assigned {ns}/{name} to {n}"),
                "default-scheduler",
            );
            n
        }
    };
    let phase_before = meta::str_at(pod, "/status/phase")
        .unwrap_or("Pending")
        .to_string();
    if matches!(phase_before.as_str(), "Succeeded" | "Failed") {
        crate::api::internal_update(st, key, pod, new);
        return;
    }
    let started = st.clock(meta::uid(pod));
    let elapsed = started.elapsed();
    let restart_policy = meta::str_at(pod, "/spec/restartPolicy")
        .unwrap_or("Always")
        .to_string();
    let runs_to_completion = restart_policy != "Always";
    let containers: Vec<Value> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let old_statuses: Vec<Value> = pod
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let start_time = pod
        .pointer("/status/startTime")
        .and_then(Value::as_str)
        .unwrap_or(&now)
        .to_string();
    let backoff = st
        .cfg
        .scaled(st.cfg.crash_backoff)
        .max(Duration::from_millis(1));
    let mut statuses = Vec::new();
    let mut all_ready = true;
    let mut all_done = true;
    let mut any_failed = false;
    for (i, c) in containers.iter().enumerate() {
        let cname = c
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let image = c
            .get("image")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let old = old_statuses.iter().find(|s| s["name"] == cname.as_str());
        if old.is_none() {
            emit(
                st,
                pod,
                "Normal",
                "Pulling",
                &format!("Pulling image \"{image}\""),
                "kubelet",
            );
            emit(
                st,
                pod,
                "Normal",
                "Pulled",
                &format!("Successfully pulled image \"{image}\""),
                "kubelet",
            );
            emit(
                st,
                pod,
                "Normal",
                "Created",
                &format!("Created container: {cname}"),
                "kubelet",
            );
            emit(
                st,
                pod,
                "Normal",
                "Started",
                &format!("Started container {cname}"),
                "kubelet",
            );
        }
        let base = json!({"name": cname, "image": image, "imageID": format!("docker.io/library/{image}@sha256:{}", "0".repeat(64)),
            "containerID": format!("containerd://{:064x}", i + 1)});
        let status = match st.cfg.image_ready_after(&image) {
            None => {
                all_ready = false;
                all_done = false;
                let restarts = (elapsed.as_secs_f64() / backoff.as_secs_f64()).floor() as i64 + 1;
                let old_restarts = old.and_then(|o| o["restartCount"].as_i64()).unwrap_or(0);
                if restarts > old_restarts {
                    emit(
                        st,
                        pod,
                        "Warning",
                        "BackOff",
                        "Back-off restarting failed container",
                        "kubelet",
                    );
                }
                if runs_to_completion && restart_policy == "Never" {
                    any_failed = true;
                }
                let mut s = base.clone();
                s["ready"] = json!(false);
                s["started"] = json!(false);
                s["restartCount"] = json!(restarts);
                s["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
                    "message": format!("back-off 10s restarting failed container={cname} pod={name}_{ns}")}});
                s["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": start_time, "finishedAt": now}});
                s
            }
            Some(after) => {
                let ready = elapsed >= st.cfg.scaled(after);
                let mut s = base.clone();
                s["restartCount"] =
                    json!(old.and_then(|o| o["restartCount"].as_i64()).unwrap_or(0));
                let since = old
                    .and_then(|o| o.pointer("/state/running/startedAt"))
                    .cloned()
                    .unwrap_or(json!(now));
                if runs_to_completion && ready {
                    s["ready"] = json!(false);
                    s["started"] = json!(false);
                    s["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": since, "finishedAt": now}});
                    all_ready = false;
                } else {
                    all_done = false;
                    all_ready &= ready;
                    s["ready"] = json!(ready);
                    s["started"] = json!(true);
                    s["state"] = json!({"running": {"startedAt": since}});
                }
                s
            }
        };
        // Keep a finished or unchanged container's status as it was.
        let status = match old {
            Some(o) if o.pointer("/state/terminated").is_some() && runs_to_completion => o.clone(),
            Some(o)
                if o["ready"] == status["ready"]
                    && o["restartCount"] == status["restartCount"]
                    && o["state"].as_object().map(|m| m.keys().collect::<Vec<_>>())
                        == status["state"]
                            .as_object()
                            .map(|m| m.keys().collect::<Vec<_>>()) =>
            {
                o.clone()
            }
            _ => status,
        };
        statuses.push(status);
    }
    let phase = if containers.is_empty() {
        "Pending"
    } else if runs_to_completion && all_done {
        "Succeeded"
    } else if any_failed && elapsed >= backoff {
        "Failed"
    } else {
        "Running"
    };
    let pod_ip = match meta::str_at(pod, "/status/podIP") {
        Some(ip) => ip.to_string(),
        None => {
            st.next_pod_ip += 1;
            let n = st.next_pod_ip;
            format!("10.244.{}.{}", (n >> 8) & 0xff, n & 0xff)
        }
    };
    let done = phase == "Succeeded" || phase == "Failed";
    let ready_reason = if done {
        "PodCompleted"
    } else if all_ready {
        ""
    } else {
        "ContainersNotReady"
    };
    let mut conditions = vec![
        condition("PodReadyToStartContainers", true, "", "", &now),
        condition("Initialized", true, "", "", &now),
        condition("Ready", all_ready, ready_reason, "", &now),
        condition("ContainersReady", all_ready, ready_reason, "", &now),
        condition("PodScheduled", true, "", "", &now),
    ];
    for c in conditions.iter_mut() {
        if let Some(m) = c.as_object_mut() {
            m.remove("lastUpdateTime");
            m.insert("lastProbeTime".into(), Value::Null);
            if m.get("reason").and_then(Value::as_str) == Some("") {
                m.remove("reason");
            }
            if m.get("message").and_then(Value::as_str) == Some("") {
                m.remove("message");
            }
        }
    }
    keep_times(&mut conditions, pod.pointer("/status/conditions"));
    let status = json!({
        "phase": phase,
        "conditions": conditions,
        "hostIP": node_ip(&node),
        "hostIPs": [{"ip": node_ip(&node)}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": start_time,
        "containerStatuses": statuses,
        "qosClass": "BestEffort",
    });
    if let Some(m) = new.as_object_mut() {
        m.insert("status".into(), status);
    }
    crate::api::internal_update(st, key, pod, new);
}
