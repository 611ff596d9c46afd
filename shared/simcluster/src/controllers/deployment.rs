//! Deployment controller: one ReplicaSet per pod template (`pod-template-hash`),
//! revisions, rolling replacement of old ReplicaSets, and the status kubectl and Helm
//! read (observedGeneration, replica counts, Available/Progressing conditions,
//! ProgressDeadlineExceeded).

use std::time::Duration;

use serde_json::{json, Value};

use super::events::emit;
use super::util::{all, condition, int_or_percent, keep_times};
use crate::meta;
use crate::registry::ResKey;
use crate::state::State;

const REVISION: &str = "deployment.kubernetes.io/revision";

/// Reconciles every Deployment.
pub fn reconcile(st: &mut State) {
    let key = ResKey::new("apps", "deployments");
    for d in all(st, "apps", "deployments") {
        if d.pointer("/metadata/deletionTimestamp").is_some() {
            continue;
        }
        reconcile_one(st, &key, &d);
    }
}

fn revision(rs: &Value) -> i64 {
    meta::str_at(
        rs,
        &format!("/metadata/annotations/{}", REVISION.replace('/', "~1")),
    )
    .and_then(|s| s.parse().ok())
    .unwrap_or(0)
}

fn set_annotation(obj: &mut Value, k: &str, v: &str) {
    let md = meta::metadata_mut(obj);
    let a = md.entry("annotations").or_insert_with(|| json!({}));
    if let Some(m) = a.as_object_mut() {
        m.insert(k.into(), json!(v));
    }
}

fn status_i64(obj: &Value, field: &str) -> i64 {
    meta::i64_at(obj, &format!("/status/{field}")).unwrap_or(0)
}

fn reconcile_one(st: &mut State, key: &ResKey, d: &Value) {
    let rs_key = ResKey::new("apps", "replicasets");
    let ns = meta::namespace(d).to_string();
    let dname = meta::name(d).to_string();
    let uid = meta::uid(d).to_string();
    let desired = meta::i64_at(d, "/spec/replicas").unwrap_or(1).max(0);
    let template = d.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let hash = meta::short_hash(&template);
    let owned: Vec<_> = st
        .store
        .list(&rs_key, Some(&ns))
        .into_iter()
        .filter(|r| meta::controlled_by(r, &uid))
        .collect();
    let max_rev = owned.iter().map(|r| revision(r)).max().unwrap_or(0);
    let existing = owned
        .iter()
        .find(|r| meta::str_at(r, "/metadata/labels/pod-template-hash") == Some(hash.as_str()))
        .cloned();
    // Recreate: the new ReplicaSet starts only once every old pod is gone.
    let recreate = meta::str_at(d, "/spec/strategy/type") == Some("Recreate");
    let old_pods: i64 = owned
        .iter()
        .filter(|r| meta::str_at(r, "/metadata/labels/pod-template-hash") != Some(hash.as_str()))
        .map(|r| status_i64(r, "replicas") + meta::i64_at(r, "/spec/replicas").unwrap_or(0))
        .sum();
    let new_target = if recreate && old_pods > 0 { 0 } else { desired };
    let new_rs_name;
    let mut created = false;
    match existing {
        None => {
            new_rs_name = format!("{dname}-{hash}");
            let mut tpl = template.clone();
            meta::object_at(&mut tpl, "metadata")
                .entry("labels")
                .or_insert_with(|| json!({}));
            if let Some(l) = tpl
                .pointer_mut("/metadata/labels")
                .and_then(Value::as_object_mut)
            {
                l.insert("pod-template-hash".into(), json!(hash));
            }
            let mut selector = d.pointer("/spec/selector").cloned().unwrap_or(json!({}));
            meta::object_at(&mut selector, "matchLabels")
                .insert("pod-template-hash".into(), json!(hash));
            let mut labels = template
                .pointer("/metadata/labels")
                .cloned()
                .unwrap_or(json!({}));
            if let Some(l) = labels.as_object_mut() {
                l.insert("pod-template-hash".into(), json!(hash));
            }
            let mut rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": new_rs_name, "namespace": ns, "labels": labels, "ownerReferences": [meta::owner_ref(d)]},
                "spec": {"replicas": new_target, "selector": selector, "template": tpl, "minReadySeconds": d.pointer("/spec/minReadySeconds").cloned().unwrap_or(json!(0))}});
            set_annotation(&mut rs, REVISION, &(max_rev + 1).to_string());
            set_annotation(
                &mut rs,
                "deployment.kubernetes.io/desired-replicas",
                &desired.to_string(),
            );
            crate::api::internal_create(st, &rs_key, rs);
            if new_target > 0 {
                emit(
                    st,
                    d,
                    "Normal",
                    "ScalingReplicaSet",
                    &format!("Scaled up replica set {new_rs_name} from 0 to {new_target}"),
                    "deployment-controller",
                );
            }
            created = true;
        }
        Some(rs) => {
            new_rs_name = meta::name(&rs).to_string();
            let mut upd = (*rs).clone();
            let old_replicas = meta::i64_at(&rs, "/spec/replicas").unwrap_or(0);
            if revision(&rs) < max_rev {
                set_annotation(&mut upd, REVISION, &(max_rev + 1).to_string());
            }
            if old_replicas != new_target {
                upd["spec"]["replicas"] = json!(new_target);
                let verb = if new_target > old_replicas {
                    "up"
                } else {
                    "down"
                };
                emit(
                    st,
                    d,
                    "Normal",
                    "ScalingReplicaSet",
                    &format!(
                        "Scaled {verb} replica set {new_rs_name} from {old_replicas} to {new_target}"
                    ),
                    "deployment-controller",
                );
            }
            crate::api::internal_update(st, &rs_key, &rs, upd);
        }
    }
    let new_rs = st.store.get(&rs_key, &ns, &new_rs_name);
    let new_available = new_rs
        .as_ref()
        .map(|r| status_i64(r, "availableReplicas"))
        .unwrap_or(0);
    // Old ReplicaSets keep serving what the new one cannot yet, newest first.
    let mut olds: Vec<_> = st
        .store
        .list(&rs_key, Some(&ns))
        .into_iter()
        .filter(|r| meta::controlled_by(r, &uid) && meta::name(r) != new_rs_name)
        .collect();
    olds.sort_by_key(|r| std::cmp::Reverse(revision(r)));
    let mut budget = if recreate {
        0
    } else {
        (desired - new_available).max(0)
    };
    for old in &olds {
        let cur = meta::i64_at(old, "/spec/replicas").unwrap_or(0);
        let target = cur.min(budget);
        budget -= target;
        if target != cur {
            let mut upd = (**old).clone();
            upd["spec"]["replicas"] = json!(target);
            crate::api::internal_update(st, &rs_key, old, upd);
            emit(
                st,
                d,
                "Normal",
                "ScalingReplicaSet",
                &format!(
                    "Scaled down replica set {} from {cur} to {target}",
                    meta::name(old)
                ),
                "deployment-controller",
            );
        }
    }
    // Status from every owned ReplicaSet.
    let all_rs: Vec<_> = st
        .store
        .list(&rs_key, Some(&ns))
        .into_iter()
        .filter(|r| meta::controlled_by(r, &uid))
        .collect();
    let sum = |f: &str| all_rs.iter().map(|r| status_i64(r, f)).sum::<i64>();
    let replicas = sum("replicas");
    let ready = sum("readyReplicas");
    let available = sum("availableReplicas");
    let updated = new_rs
        .as_ref()
        .map(|r| status_i64(r, "replicas"))
        .unwrap_or(0);
    let max_unavailable = int_or_percent(
        d.pointer("/spec/strategy/rollingUpdate/maxUnavailable"),
        desired,
        0,
        false,
    );
    let now = meta::now();
    let min_available = available >= desired - max_unavailable;
    let available_cond = if min_available {
        condition(
            "Available",
            true,
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            &now,
        )
    } else {
        condition(
            "Available",
            false,
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            &now,
        )
    };
    let complete = updated == desired
        && replicas == desired
        && available == desired
        && new_available == desired;
    let deadline = Duration::from_secs(
        meta::i64_at(d, "/spec/progressDeadlineSeconds")
            .unwrap_or(600)
            .max(0) as u64,
    );
    let progress_clock = st.clock(&format!("progress/{uid}/{hash}/{new_available}/{desired}"));
    let old_progressing = d
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Progressing").cloned());
    let progressing = if complete {
        condition(
            "Progressing",
            true,
            "NewReplicaSetAvailable",
            &format!("ReplicaSet \"{new_rs_name}\" has successfully progressed."),
            &now,
        )
    } else if progress_clock.elapsed() > st.cfg.scaled(deadline)
        || old_progressing
            .as_ref()
            .is_some_and(|c| c["reason"] == "ProgressDeadlineExceeded" && !created)
    {
        condition(
            "Progressing",
            false,
            "ProgressDeadlineExceeded",
            &format!("ReplicaSet \"{new_rs_name}\" has timed out progressing."),
            &now,
        )
    } else if created {
        condition(
            "Progressing",
            true,
            "NewReplicaSetCreated",
            &format!("Created new replica set \"{new_rs_name}\""),
            &now,
        )
    } else {
        condition(
            "Progressing",
            true,
            "ReplicaSetUpdated",
            &format!("ReplicaSet \"{new_rs_name}\" is progressing."),
            &now,
        )
    };
    let mut conditions = vec![available_cond, progressing];
    keep_times(&mut conditions, d.pointer("/status/conditions"));
    // A Progressing condition that keeps its reason but saw progress gets a new update time.
    if let (Some(old), Some(c)) = (&old_progressing, conditions.get_mut(1)) {
        if old["reason"] == c["reason"]
            && c["reason"] == "ReplicaSetUpdated"
            && d.pointer("/status/availableReplicas") != Some(&json!(available))
        {
            c["lastUpdateTime"] = json!(now);
        }
    }
    let mut status = json!({
        "observedGeneration": meta::i64_at(d, "/metadata/generation").unwrap_or(1),
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "unavailableReplicas": (desired - available).max(0),
        "terminatingReplicas": 0,
        "conditions": conditions,
    });
    if let Some(m) = status.as_object_mut() {
        for k in [
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
        ] {
            if m.get(k) == Some(&json!(0)) {
                m.remove(k);
            }
        }
    }
    let Some(cur) = st.store.get(key, &ns, &dname) else {
        return;
    };
    let rev = new_rs
        .as_ref()
        .map(|r| revision(r))
        .unwrap_or(max_rev + 1)
        .to_string();
    let mut upd = (*cur).clone();
    if meta::str_at(
        &cur,
        &format!("/metadata/annotations/{}", REVISION.replace('/', "~1")),
    ) != Some(rev.as_str())
    {
        set_annotation(&mut upd, REVISION, &rev);
    }
    if let Some(m) = upd.as_object_mut() {
        m.insert("status".into(), status);
    }
    crate::api::internal_update(st, key, &cur, upd);
}
