//! Readiness of live objects, per kind, as a pure judgement of the object's status
//! (the rules kstatus and Helm's waiter apply): ready, still progressing (and why), or
//! failed for good (and why).

use serde_json::Value as Json;

/// The state of one live object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// ready
    Ready,
    /// not yet: the reason
    Pending(String),
    /// will not become ready: the reason
    Failed(String),
}

fn int(v: &Json) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn condition<'a>(obj: &'a Json, kind: &str) -> Option<&'a Json> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

fn condition_true(obj: &Json, kind: &str) -> bool {
    condition(obj, kind).is_some_and(|c| c["status"] == "True")
}

/// Judges one live object.
pub fn assess(obj: &Json) -> Readiness {
    let generation = int(&obj["metadata"]["generation"]);
    let observed = &obj["status"]["observedGeneration"];
    let kind = obj["kind"].as_str().unwrap_or("");
    let tracks_generation = matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet");
    if tracks_generation && !observed.is_null() && int(observed) < generation {
        return Readiness::Pending(format!(
            "the controller has not observed generation {generation} yet (observed {})",
            int(observed)
        ));
    }
    if tracks_generation && observed.is_null() {
        return Readiness::Pending("the controller has not reported status yet".into());
    }
    match kind {
        "Deployment" => deployment(obj),
        "StatefulSet" => stateful_set(obj),
        "DaemonSet" => daemon_set(obj),
        "Job" => job(obj),
        "Pod" => pod(obj),
        "PersistentVolumeClaim" => match obj["status"]["phase"].as_str() {
            Some("Bound") => Readiness::Ready,
            p => Readiness::Pending(format!(
                "claim is {} (waiting for Bound)",
                p.unwrap_or("not bound")
            )),
        },
        "Service" => service(obj),
        "CustomResourceDefinition" => {
            if condition_true(obj, "Established") {
                Readiness::Ready
            } else if condition(obj, "NamesAccepted").is_some_and(|c| c["status"] == "False") {
                Readiness::Failed(format!(
                    "names not accepted: {}",
                    condition(obj, "NamesAccepted").unwrap()["message"]
                        .as_str()
                        .unwrap_or("")
                ))
            } else {
                Readiness::Pending("not established yet".into())
            }
        }
        _ => Readiness::Ready,
    }
}

fn deployment(obj: &Json) -> Readiness {
    if let Some(c) = condition(obj, "Progressing") {
        if c["reason"] == "ProgressDeadlineExceeded" {
            return Readiness::Failed(format!(
                "progress deadline exceeded: {}",
                c["message"].as_str().unwrap_or("")
            ));
        }
    }
    let want = obj["spec"]["replicas"].as_i64().unwrap_or(1);
    let st = &obj["status"];
    let (updated, total, available) = (
        int(&st["updatedReplicas"]),
        int(&st["replicas"]),
        int(&st["availableReplicas"]),
    );
    if updated < want {
        return Readiness::Pending(format!("{updated} of {want} replicas updated"));
    }
    if total > updated {
        return Readiness::Pending(format!(
            "{} old replicas are pending termination",
            total - updated
        ));
    }
    if available < updated {
        return Readiness::Pending(format!(
            "{available} of {updated} updated replicas available"
        ));
    }
    Readiness::Ready
}

fn stateful_set(obj: &Json) -> Readiness {
    if obj["spec"]["updateStrategy"]["type"] == "OnDelete" {
        return Readiness::Ready;
    }
    let want = obj["spec"]["replicas"].as_i64().unwrap_or(1);
    let st = &obj["status"];
    let partition = int(&obj["spec"]["updateStrategy"]["rollingUpdate"]["partition"]);
    let ready = int(&st["readyReplicas"]);
    if ready < want {
        return Readiness::Pending(format!("{ready} of {want} replicas ready"));
    }
    let updated = int(&st["updatedReplicas"]);
    if partition == 0 && st["currentRevision"] != st["updateRevision"] {
        return Readiness::Pending(format!("{updated} of {want} replicas updated"));
    }
    if updated < want - partition {
        return Readiness::Pending(format!(
            "{updated} of {} replicas updated",
            want - partition
        ));
    }
    Readiness::Ready
}

fn daemon_set(obj: &Json) -> Readiness {
    let st = &obj["status"];
    let desired = int(&st["desiredNumberScheduled"]);
    let updated = int(&st["updatedNumberScheduled"]);
    let available = int(&st["numberAvailable"]);
    if updated < desired {
        return Readiness::Pending(format!("{updated} of {desired} pods updated"));
    }
    if available < desired {
        return Readiness::Pending(format!("{available} of {desired} pods available"));
    }
    Readiness::Ready
}

fn job(obj: &Json) -> Readiness {
    if condition_true(obj, "Complete") {
        return Readiness::Ready;
    }
    if let Some(c) = condition(obj, "Failed").filter(|c| c["status"] == "True") {
        return Readiness::Failed(format!(
            "job failed: {} {}",
            c["reason"].as_str().unwrap_or(""),
            c["message"].as_str().unwrap_or("")
        ));
    }
    Readiness::Pending(format!(
        "job not complete ({} succeeded, {} active)",
        int(&obj["status"]["succeeded"]),
        int(&obj["status"]["active"])
    ))
}

fn pod(obj: &Json) -> Readiness {
    match obj["status"]["phase"].as_str() {
        Some("Succeeded") => Readiness::Ready,
        Some("Failed") => Readiness::Failed(format!(
            "pod failed: {}",
            obj["status"]["message"].as_str().unwrap_or("")
        )),
        _ if condition_true(obj, "Ready") => Readiness::Ready,
        _ => Readiness::Pending(
            waiting_reasons(obj)
                .into_iter()
                .next()
                .unwrap_or_else(|| "pod not ready".into()),
        ),
    }
}

fn service(obj: &Json) -> Readiness {
    match obj["spec"]["type"].as_str() {
        Some("ExternalName") => Readiness::Ready,
        Some("LoadBalancer") => {
            let has_ingress = obj["status"]["loadBalancer"]["ingress"]
                .as_array()
                .is_some_and(|a| !a.is_empty());
            if has_ingress {
                Readiness::Ready
            } else {
                Readiness::Pending("load balancer has no ingress address yet".into())
            }
        }
        _ => Readiness::Ready,
    }
}

/// Why a pod's containers are not running: `container app: CrashLoopBackOff (restarted 4
/// times): back-off 40s restarting failed container`.
pub fn waiting_reasons(pod: &Json) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["initContainerStatuses", "containerStatuses"] {
        for cs in pod["status"][key].as_array().into_iter().flatten() {
            let waiting = &cs["state"]["waiting"];
            let terminated = &cs["state"]["terminated"];
            let name = cs["name"].as_str().unwrap_or("?");
            let restarts = int(&cs["restartCount"]);
            let (reason, message) = if !waiting.is_null() {
                (waiting["reason"].as_str(), waiting["message"].as_str())
            } else if !terminated.is_null() && terminated["reason"] != "Completed" {
                (
                    terminated["reason"].as_str(),
                    terminated["message"].as_str(),
                )
            } else {
                continue;
            };
            let Some(reason) = reason else { continue };
            let mut s = format!("container {name}: {reason}");
            if restarts > 0 {
                s.push_str(&format!(" (restarted {restarts} times)"));
            }
            if let Some(m) = message.filter(|m| !m.is_empty()) {
                s.push_str(&format!(": {m}"));
            }
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy(status: Json) -> Json {
        json!({"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 3}, "status": status})
    }

    #[test]
    fn deployment_waits_for_the_controller_then_replicas() {
        assert!(matches!(assess(&deploy(json!({}))), Readiness::Pending(_)));
        assert_eq!(
            assess(&deploy(json!({"observedGeneration": 1}))),
            Readiness::Pending(
                "the controller has not observed generation 2 yet (observed 1)".into()
            )
        );
        assert_eq!(
            assess(&deploy(
                json!({"observedGeneration": 2, "updatedReplicas": 1, "replicas": 3})
            )),
            Readiness::Pending("1 of 3 replicas updated".into())
        );
        assert_eq!(
            assess(&deploy(
                json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 4, "availableReplicas": 3})
            )),
            Readiness::Pending("1 old replicas are pending termination".into())
        );
        assert_eq!(
            assess(&deploy(
                json!({"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3})
            )),
            Readiness::Ready
        );
    }

    #[test]
    fn deployment_past_its_progress_deadline_has_failed() {
        let d = deploy(json!({"observedGeneration": 2, "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": "ReplicaSet \"web-5d\" has timed out progressing."}]}));
        assert_eq!(
            assess(&d),
            Readiness::Failed(
                "progress deadline exceeded: ReplicaSet \"web-5d\" has timed out progressing."
                    .into()
            )
        );
    }

    #[test]
    fn jobs_complete_or_fail() {
        let done = json!({"kind": "Job", "status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(assess(&done), Readiness::Ready);
        let failed = json!({"kind": "Job", "status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}});
        assert!(
            matches!(assess(&failed), Readiness::Failed(m) if m.contains("BackoffLimitExceeded"))
        );
        let running = json!({"kind": "Job", "status": {"active": 1}});
        assert_eq!(
            assess(&running),
            Readiness::Pending("job not complete (0 succeeded, 1 active)".into())
        );
    }

    #[test]
    fn statefulsets_daemonsets_claims_services_and_crds() {
        let sts = json!({"kind": "StatefulSet", "metadata": {"generation": 1}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "readyReplicas": 2, "updatedReplicas": 2, "currentRevision": "a", "updateRevision": "a"}});
        assert_eq!(assess(&sts), Readiness::Ready);
        let ds = json!({"kind": "DaemonSet", "metadata": {"generation": 1},
            "status": {"observedGeneration": 1, "desiredNumberScheduled": 1, "updatedNumberScheduled": 1, "numberAvailable": 0}});
        assert_eq!(
            assess(&ds),
            Readiness::Pending("0 of 1 pods available".into())
        );
        let pvc = json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}});
        assert!(matches!(assess(&pvc), Readiness::Pending(_)));
        let lb = json!({"kind": "Service", "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {}}});
        assert!(matches!(assess(&lb), Readiness::Pending(_)));
        let crd = json!({"kind": "CustomResourceDefinition", "status": {"conditions": [{"type": "Established", "status": "True"}]}});
        assert_eq!(assess(&crd), Readiness::Ready);
        assert_eq!(assess(&json!({"kind": "ConfigMap"})), Readiness::Ready);
    }

    #[test]
    fn crash_looping_containers_are_described() {
        let p = json!({"kind": "Pod", "status": {"phase": "Running", "containerStatuses": [
            {"name": "app", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container"}}}]}});
        assert_eq!(
            waiting_reasons(&p),
            vec!["container app: CrashLoopBackOff (restarted 4 times): back-off 40s restarting failed container"]
        );
        assert!(matches!(assess(&p), Readiness::Pending(m) if m.contains("CrashLoopBackOff")));
    }
}
