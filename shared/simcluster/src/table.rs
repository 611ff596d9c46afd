//! Server-side printing: `meta.k8s.io/v1` Table responses for `kubectl get`, with the
//! columns kubectl users expect for common kinds (NAME/READY/STATUS/... /AGE).

use serde_json::{json, Value};

use crate::meta;
use crate::registry::ResourceType;

/// Whether an `Accept` header asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.replace(' ', "").contains("as=Table"))
}

/// `kubectl`-style age of a timestamp (`45s`, `3m20s`, `5h`, `2d`).
pub fn age(timestamp: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(timestamp) else {
        return "<unknown>".into();
    };
    let secs = (chrono::Utc::now() - t.with_timezone(&chrono::Utc))
        .num_seconds()
        .max(0);
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86400);
    if secs < 120 {
        format!("{secs}s")
    } else if m < 10 {
        format!("{m}m{}s", secs % 60)
    } else if h < 3 {
        format!("{m}m")
    } else if h < 8 {
        format!("{h}h{}m", m % 60)
    } else if h < 48 {
        format!("{h}h")
    } else {
        format!("{d}d")
    }
}

fn s(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn n(o: &Value, p: &str) -> i64 {
    meta::i64_at(o, p).unwrap_or(0)
}

fn pod_status(p: &Value) -> String {
    for c in p
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(r) = c.pointer("/state/waiting/reason").and_then(Value::as_str) {
            return r.to_string();
        }
    }
    if meta::str_at(p, "/status/phase") == Some("Succeeded") {
        return "Completed".into();
    }
    meta::str_at(p, "/status/phase")
        .unwrap_or("Pending")
        .to_string()
}

fn ports(svc: &Value) -> String {
    let list: Vec<String> = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
            match p.get("nodePort") {
                Some(np) => format!("{}:{}/{proto}", s(p.get("port")), s(Some(np))),
                None => format!("{}/{proto}", s(p.get("port"))),
            }
        })
        .collect();
    if list.is_empty() {
        "<none>".into()
    } else {
        list.join(",")
    }
}

fn or_none(v: String) -> String {
    if v.is_empty() {
        "<none>".into()
    } else {
        v
    }
}

fn columns_and_cells(kind: &str, group: &str, o: &Value) -> (Vec<&'static str>, Vec<Value>) {
    let name = json!(meta::name(o));
    let age = json!(age(
        meta::str_at(o, "/metadata/creationTimestamp").unwrap_or("")
    ));
    match (group, kind) {
        ("", "Pod") => {
            let cs: Vec<Value> = o
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = o
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let ready = cs.iter().filter(|c| c["ready"] == true).count();
            let restarts: i64 = cs.iter().filter_map(|c| c["restartCount"].as_i64()).sum();
            (
                vec!["Name", "Ready", "Status", "Restarts", "Age"],
                vec![
                    name,
                    json!(format!("{ready}/{total}")),
                    json!(pod_status(o)),
                    json!(restarts),
                    age,
                ],
            )
        }
        ("apps", "Deployment") => (
            vec!["Name", "Ready", "Up-to-date", "Available", "Age"],
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    n(o, "/status/readyReplicas"),
                    n(o, "/spec/replicas")
                )),
                json!(n(o, "/status/updatedReplicas")),
                json!(n(o, "/status/availableReplicas")),
                age,
            ],
        ),
        ("apps", "ReplicaSet") => (
            vec!["Name", "Desired", "Current", "Ready", "Age"],
            vec![
                name,
                json!(n(o, "/spec/replicas")),
                json!(n(o, "/status/replicas")),
                json!(n(o, "/status/readyReplicas")),
                age,
            ],
        ),
        ("apps", "StatefulSet") => (
            vec!["Name", "Ready", "Age"],
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    n(o, "/status/readyReplicas"),
                    n(o, "/spec/replicas")
                )),
                age,
            ],
        ),
        ("apps", "DaemonSet") => (
            vec![
                "Name",
                "Desired",
                "Current",
                "Ready",
                "Up-to-date",
                "Available",
                "Age",
            ],
            vec![
                name,
                json!(n(o, "/status/desiredNumberScheduled")),
                json!(n(o, "/status/currentNumberScheduled")),
                json!(n(o, "/status/numberReady")),
                json!(n(o, "/status/updatedNumberScheduled")),
                json!(n(o, "/status/numberAvailable")),
                age,
            ],
        ),
        ("batch", "Job") => {
            let done = o
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .and_then(|cs| {
                    cs.iter()
                        .find(|c| {
                            c["status"] == "True"
                                && (c["type"] == "Complete" || c["type"] == "Failed")
                        })
                        .map(|c| s(c.get("type")))
                });
            (
                vec!["Name", "Status", "Completions", "Age"],
                vec![
                    name,
                    json!(done.unwrap_or_else(|| "Running".into())),
                    json!(format!(
                        "{}/{}",
                        n(o, "/status/succeeded"),
                        n(o, "/spec/completions")
                    )),
                    age,
                ],
            )
        }
        ("", "Service") => {
            let external = o
                .pointer("/status/loadBalancer/ingress")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .map(|i| s(i.get("ip").or(i.get("hostname"))))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            (
                vec![
                    "Name",
                    "Type",
                    "Cluster-IP",
                    "External-IP",
                    "Port(s)",
                    "Age",
                ],
                vec![
                    name,
                    json!(s(o.pointer("/spec/type"))),
                    json!(or_none(s(o.pointer("/spec/clusterIP")))),
                    json!(or_none(external)),
                    json!(ports(o)),
                    age,
                ],
            )
        }
        ("", "Namespace") => (
            vec!["Name", "Status", "Age"],
            vec![name, json!(s(o.pointer("/status/phase"))), age],
        ),
        ("", "Node") => (
            vec!["Name", "Status", "Roles", "Age", "Version"],
            vec![
                name,
                json!("Ready"),
                json!("control-plane"),
                age,
                json!(s(o.pointer("/status/nodeInfo/kubeletVersion"))),
            ],
        ),
        ("", "PersistentVolumeClaim") => (
            vec![
                "Name",
                "Status",
                "Volume",
                "Capacity",
                "Access Modes",
                "Age",
            ],
            vec![
                name,
                json!(s(o.pointer("/status/phase"))),
                json!(s(o.pointer("/spec/volumeName"))),
                json!(s(o.pointer("/status/capacity/storage"))),
                json!(o
                    .pointer("/status/accessModes")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().map(|m| s(Some(m))).collect::<Vec<_>>().join(","))
                    .unwrap_or_default()),
                age,
            ],
        ),
        ("", "Event") => (
            vec!["Last Seen", "Type", "Reason", "Object", "Message"],
            vec![
                json!(self::age(meta::str_at(o, "/lastTimestamp").unwrap_or(""))),
                json!(s(o.get("type"))),
                json!(s(o.get("reason"))),
                json!(format!(
                    "{}/{}",
                    s(o.pointer("/involvedObject/kind")).to_lowercase(),
                    s(o.pointer("/involvedObject/name"))
                )),
                json!(s(o.get("message"))),
            ],
        ),
        ("", "ConfigMap") => (
            vec!["Name", "Data", "Age"],
            vec![
                name,
                json!(o
                    .get("data")
                    .and_then(Value::as_object)
                    .map_or(0, |m| m.len())),
                age,
            ],
        ),
        ("", "Secret") => (
            vec!["Name", "Type", "Data", "Age"],
            vec![
                name,
                json!(s(o.get("type"))),
                json!(o
                    .get("data")
                    .and_then(Value::as_object)
                    .map_or(0, |m| m.len())),
                age,
            ],
        ),
        _ => (vec!["Name", "Age"], vec![name, age]),
    }
}

/// A Table of `items` (objects as the API returns them).
pub fn table(
    rt: &ResourceType,
    items: &[Value],
    resource_version: &str,
    include_object: Option<&str>,
) -> Value {
    let (cols, _) = columns_and_cells(&rt.kind, &rt.group, &json!({}));
    let column_definitions: Vec<Value> = cols
        .iter()
        .map(|c| {
            let format = if *c == "Name" { "name" } else { "" };
            json!({"name": c, "type": "string", "format": format, "description": "", "priority": 0})
        })
        .collect();
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let (_, cells) = columns_and_cells(&rt.kind, &rt.group, o);
            let object = match include_object {
                Some("Object") => o.clone(),
                Some("None") => Value::Null,
                _ => json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o.get("metadata").cloned().unwrap_or(json!({}))}),
            };
            json!({"cells": cells, "object": object})
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": column_definitions, "rows": rows})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn pod_rows_show_ready_status_and_restarts() {
        let rt = Registry::default().by_kind("", "Pod").unwrap().clone();
        let pod = json!({"metadata": {"name": "p", "creationTimestamp": crate::meta::now()},
            "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"ready": true, "restartCount": 0, "state": {"running": {}}},
                {"ready": false, "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        let t = table(&rt, &[pod], "5", None);
        assert_eq!(t["columnDefinitions"][1]["name"], "Ready");
        assert_eq!(
            t["rows"][0]["cells"],
            json!(["p", "1/2", "CrashLoopBackOff", 3, "0s"])
        );
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    }

    #[test]
    fn ages_read_like_kubectl() {
        let ago = |s: i64| (chrono::Utc::now() - chrono::Duration::seconds(s)).to_rfc3339();
        assert_eq!(age(&ago(5)), "5s");
        assert_eq!(age(&ago(200)), "3m20s");
        assert_eq!(age(&ago(3 * 86400)), "3d");
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
    }
}
