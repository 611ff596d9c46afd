//! StatefulSet controller: ordinal pods (`NAME-0`...), ordered readiness, rolling
//! replacement from the highest ordinal, PVCs from volumeClaimTemplates,
//! ControllerRevisions and currentRevision/updateRevision.

use serde_json::{json, Value};

use super::util::{
    all, create_pod, delete_pod, owned_pods, pod_from_template, pod_ready, set_status,
};
use crate::meta;
use crate::registry::ResKey;
use crate::state::State;

/// Reconciles every StatefulSet.
pub fn reconcile(st: &mut State) {
    let key = ResKey::new("apps", "statefulsets");
    for s in all(st, "apps", "statefulsets") {
        if s.pointer("/metadata/deletionTimestamp").is_none() {
            reconcile_one(st, &key, &s);
        }
    }
}

fn ordinal(pod: &Value, set: &str) -> Option<i64> {
    meta::name(pod)
        .strip_prefix(set)?
        .strip_prefix('-')?
        .parse()
        .ok()
}

fn reconcile_one(st: &mut State, key: &ResKey, s: &Value) {
    let ns = meta::namespace(s).to_string();
    let name = meta::name(s).to_string();
    let uid = meta::uid(s).to_string();
    let want = meta::i64_at(s, "/spec/replicas").unwrap_or(1).max(0);
    let template = s.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let update_rev = format!("{name}-{}", meta::short_hash(&template));
    let rev_key = ResKey::new("apps", "controllerrevisions");
    if st.store.get(&rev_key, &ns, &update_rev).is_none() {
        let n = st
            .store
            .list(&rev_key, Some(&ns))
            .iter()
            .filter(|r| meta::controlled_by(r, &uid))
            .count()
            + 1;
        crate::api::internal_create(
            st,
            &rev_key,
            json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": update_rev, "namespace": ns, "labels": template.pointer("/metadata/labels").cloned().unwrap_or(json!({})),
                    "ownerReferences": [meta::owner_ref(s)]},
                "data": {"spec": {"template": template}}, "revision": n}),
        );
    }
    let parallel = meta::str_at(s, "/spec/podManagementPolicy") == Some("Parallel");
    let pods = owned_pods(st, &ns, &uid);
    // Scale down from the highest ordinal.
    for p in &pods {
        if ordinal(p, &name).is_none_or(|o| o >= want) {
            delete_pod(st, s, p, "statefulset-controller");
            return;
        }
    }
    // Create missing ordinals, in order unless Parallel.
    for i in 0..want {
        let pod_name = format!("{name}-{i}");
        if pods.iter().any(|p| meta::name(p) == pod_name) {
            continue;
        }
        let earlier_ready = pods
            .iter()
            .filter(|p| ordinal(p, &name).is_some_and(|o| o < i))
            .all(|p| pod_ready(p))
            && pods
                .iter()
                .filter(|p| ordinal(p, &name).is_some_and(|o| o < i))
                .count() as i64
                == i;
        if !parallel && !earlier_ready {
            break;
        }
        for tpl in s
            .pointer("/spec/volumeClaimTemplates")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let claim = format!("{}-{pod_name}", meta::name(tpl));
            let pvc_key = ResKey::new("", "persistentvolumeclaims");
            if st.store.get(&pvc_key, &ns, &claim).is_none() {
                let mut labels = template
                    .pointer("/metadata/labels")
                    .cloned()
                    .unwrap_or(json!({}));
                if let Some(l) = labels.as_object_mut() {
                    l.insert("apps.kubernetes.io/pod-index".into(), json!(i.to_string()));
                }
                crate::api::internal_create(
                    st,
                    &pvc_key,
                    json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                        "metadata": {"name": claim, "namespace": ns, "labels": labels},
                        "spec": tpl.get("spec").cloned().unwrap_or(json!({})), "status": {"phase": "Pending"}}),
                );
            }
        }
        let idx = i.to_string();
        let pod = pod_from_template(
            s,
            &template,
            &pod_name,
            &[
                ("controller-revision-hash", &update_rev),
                ("statefulset.kubernetes.io/pod-name", &pod_name),
                ("apps.kubernetes.io/pod-index", &idx),
            ],
        );
        create_pod(st, s, pod, "statefulset-controller");
        if !parallel {
            break;
        }
    }
    let pods = owned_pods(st, &ns, &uid);
    let rev_of = |p: &Value| {
        meta::str_at(p, "/metadata/labels/controller-revision-hash")
            .unwrap_or("")
            .to_string()
    };
    // Rolling update: replace the highest outdated ordinal once everything is ready.
    let all_ready = pods.len() as i64 == want && pods.iter().all(|p| pod_ready(p));
    if all_ready {
        let mut outdated: Vec<_> = pods.iter().filter(|p| rev_of(p) != update_rev).collect();
        outdated.sort_by_key(|p| std::cmp::Reverse(ordinal(p, &name).unwrap_or(0)));
        if let Some(p) = outdated.first() {
            delete_pod(st, s, p, "statefulset-controller");
        }
    }
    let pods = owned_pods(st, &ns, &uid);
    let ready = pods.iter().filter(|p| pod_ready(p)).count() as i64;
    let updated = pods.iter().filter(|p| rev_of(p) == update_rev).count() as i64;
    let old_current = meta::str_at(s, "/status/currentRevision").map(String::from);
    let current_rev = if updated == want && ready == want {
        update_rev.clone()
    } else {
        old_current.unwrap_or_else(|| update_rev.clone())
    };
    let current = pods.iter().filter(|p| rev_of(p) == current_rev).count() as i64;
    let status = json!({
        "observedGeneration": meta::i64_at(s, "/metadata/generation").unwrap_or(1),
        "replicas": pods.len(),
        "readyReplicas": ready,
        "currentReplicas": current,
        "updatedReplicas": updated,
        "availableReplicas": ready,
        "currentRevision": current_rev,
        "updateRevision": update_rev,
        "collisionCount": 0,
    });
    if let Some(cur) = st.store.get(key, &ns, &name) {
        set_status(st, key, &cur, status);
    }
}
