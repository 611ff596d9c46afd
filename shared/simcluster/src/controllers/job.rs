//! Job controller: runs pods until `completions` succeed (Complete and
//! SuccessCriteriaMet conditions), or more than `backoffLimit` fail (Failed).

use serde_json::{json, Value};

use super::util::{
    all, condition, create_pod, owned_pods, pod_from_template, pod_phase, set_status,
};
use crate::meta;
use crate::registry::ResKey;
use crate::state::State;

/// Reconciles every Job.
pub fn reconcile(st: &mut State) {
    let key = ResKey::new("batch", "jobs");
    for job in all(st, "batch", "jobs") {
        if job.pointer("/metadata/deletionTimestamp").is_none() {
            reconcile_one(st, &key, &job);
        }
    }
}

fn finished(job: &Value) -> bool {
    job.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True"
            })
        })
}

fn reconcile_one(st: &mut State, key: &ResKey, job: &Value) {
    if finished(job) || job.pointer("/spec/suspend") == Some(&json!(true)) {
        return;
    }
    let ns = meta::namespace(job).to_string();
    let name = meta::name(job).to_string();
    let uid = meta::uid(job).to_string();
    let completions = meta::i64_at(job, "/spec/completions").unwrap_or(1).max(1);
    let parallelism = meta::i64_at(job, "/spec/parallelism").unwrap_or(1).max(1);
    let backoff_limit = meta::i64_at(job, "/spec/backoffLimit").unwrap_or(6);
    let pods = owned_pods(st, &ns, &uid);
    let count = |phase: &str| pods.iter().filter(|p| pod_phase(p) == phase).count() as i64;
    let (succeeded, failed) = (count("Succeeded"), count("Failed"));
    let active = pods.len() as i64 - succeeded - failed;
    let now = meta::now();
    let start = meta::str_at(job, "/status/startTime")
        .unwrap_or(&now)
        .to_string();
    let mut status = json!({"startTime": start, "active": active, "succeeded": succeeded, "failed": failed, "ready": 0, "terminating": 0});
    if succeeded >= completions {
        status["completionTime"] = json!(now);
        status["active"] = json!(0);
        status["conditions"] = json!([
            condition(
                "SuccessCriteriaMet",
                true,
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                &now
            ),
            condition(
                "Complete",
                true,
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                &now
            ),
        ]);
    } else if failed > backoff_limit {
        status["conditions"] = json!([
            condition(
                "FailureTarget",
                true,
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                &now
            ),
            condition(
                "Failed",
                true,
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                &now
            ),
        ]);
    } else {
        let missing = (parallelism.min(completions - succeeded) - active).max(0);
        let mut template = job.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let spec = meta::object_at(&mut template, "spec");
        spec.entry("restartPolicy").or_insert(json!("Never"));
        for _ in 0..missing {
            let pod_name = format!("{name}-{}", meta::random_suffix(5));
            let pod = pod_from_template(
                job,
                &template,
                &pod_name,
                &[
                    ("job-name", &name),
                    ("batch.kubernetes.io/job-name", &name),
                    ("controller-uid", &uid),
                    ("batch.kubernetes.io/controller-uid", &uid),
                ],
            );
            create_pod(st, job, pod, "job-controller");
        }
        if missing > 0 {
            status["active"] = json!(active + missing);
        }
    }
    if let Some(cur) = st.store.get(key, &ns, &name) {
        if set_status(st, key, &cur, status)
            && finished(
                &st.store
                    .get(key, &ns, &name)
                    .map(|j| (*j).clone())
                    .unwrap_or_default(),
            )
        {
            let reason = if succeeded >= completions {
                "Completed"
            } else {
                "BackoffLimitExceeded"
            };
            let msg = if succeeded >= completions {
                "Job completed"
            } else {
                "Job has reached the specified backoff limit"
            };
            let ty = if succeeded >= completions {
                "Normal"
            } else {
                "Warning"
            };
            super::events::emit(st, &cur, ty, reason, msg, "job-controller");
        }
    }
}
