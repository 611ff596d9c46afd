//! The values diff an approver sees: the user values of the candidate (the
//! environment's values files and the pinned image) against those of the revision
//! running in the gated environment now, as `path: value` lines, `-` for what goes,
//! `+` for what comes. Best effort: when the cluster cannot be read the request goes
//! out without a diff.

use std::collections::BTreeMap;

use lockgate_core::execution::{ApprovalRequest, Plan};
use lockgate_kube::release::Status;
use serde_json::{Map, Value as Json};

use crate::handlers::{source, values_files, Ctx};

/// The diff for `request`, or `None` when it cannot be computed.
pub async fn for_request(ctx: &Ctx, request: &ApprovalRequest) -> Option<String> {
    let plan = Plan::for_app(&ctx.config, &request.app).ok()?;
    let stage = plan.stages.iter().find(|s| s.env == request.env)?;
    let bytes = ctx.charts.get_archive(&request.chart.location).await.ok()?;
    let names = stage.values_files.clone();
    let image = request.image.clone();
    let paths = plan.image_values.clone();
    let candidate = tokio::task::spawn_blocking(move || {
        let files = values_files(&bytes, &names).ok()?;
        let src = source(bytes, &names, files, &image, &paths);
        lockgate_kube::plan::prepare(&src).ok().map(|p| p.config)
    })
    .await
    .ok()??;
    let deployer = ctx.clusters.deployer(&stage.cluster).await.ok()?;
    let history = deployer
        .history(&plan.release, &stage.namespace)
        .await
        .ok()?;
    let live = history
        .iter()
        .rev()
        .find(|r| r.info.status == Status::Deployed)
        .map(|r| r.config.clone());
    Some(match live {
        Some(live) => diff(&live, &candidate),
        None => format!(
            "first release to {}: nothing runs there yet\n{}",
            request.env,
            diff(&Map::new(), &candidate)
        ),
    })
}

/// `path: value` lines that differ between `old` and `new`; `(no changes)` when none.
pub fn diff(old: &Map<String, Json>, new: &Map<String, Json>) -> String {
    let (old, new) = (flatten(old), flatten(new));
    let mut lines = Vec::new();
    for (k, v) in &old {
        match new.get(k) {
            Some(n) if n == v => {}
            _ => lines.push(format!("- {k}: {v}")),
        }
        if let Some(n) = new.get(k).filter(|n| *n != v) {
            lines.push(format!("+ {k}: {n}"));
        }
    }
    for (k, n) in &new {
        if !old.contains_key(k) {
            lines.push(format!("+ {k}: {n}"));
        }
    }
    if lines.is_empty() {
        "(no changes)".to_string()
    } else {
        lines.join("\n")
    }
}

fn flatten(map: &Map<String, Json>) -> BTreeMap<String, String> {
    fn walk(prefix: &str, v: &Json, out: &mut BTreeMap<String, String>) {
        match v {
            Json::Object(m) if !m.is_empty() => {
                for (k, v) in m {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&p, v, out);
                }
            }
            Json::Array(a) if !a.is_empty() => {
                for (i, v) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), v, out);
                }
            }
            Json::String(s) => {
                out.insert(prefix.to_string(), s.clone());
            }
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    for (k, v) in map {
        walk(k, v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::diff;
    use serde_json::json;

    fn map(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn changed_added_and_removed_values_are_listed_by_path() {
        let old = map(
            json!({"image": {"tag": "1.0.0", "digest": "sha256:aa"}, "replicas": 2, "debug": true}),
        );
        let new = map(
            json!({"image": {"tag": "1.1.0", "digest": "sha256:bb"}, "replicas": 2, "ports": [80]}),
        );
        assert_eq!(
            diff(&old, &new),
            "- debug: true\n- image.digest: sha256:aa\n+ image.digest: sha256:bb\n- image.tag: 1.0.0\n+ image.tag: 1.1.0\n+ ports[0]: 80"
        );
    }

    #[test]
    fn identical_values_say_so() {
        let v = map(json!({"a": {"b": [1, 2]}}));
        assert_eq!(diff(&v, &v), "(no changes)");
    }
}
