//! The `scale` subresource (`autoscaling/v1` Scale) of Deployments, ReplicaSets and StatefulSets.

use serde_json::{json, Map, Value};

use super::*;

/// The `autoscaling/v1` Scale of a scalable object.
pub fn scale_of(obj: &Value) -> Value {
    let selector = obj
        .pointer("/spec/selector/matchLabels")
        .or_else(|| obj.pointer("/spec/selector"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let mut md = Map::new();
    for k in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = obj.pointer(&format!("/metadata/{k}")) {
            md.insert(k.into(), v.clone());
        }
    }
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": md,
        "spec": {"replicas": meta::i64_at(obj, "/spec/replicas").unwrap_or(1)},
        "status": {"replicas": meta::i64_at(obj, "/status/replicas").unwrap_or(0), "selector": selector},
    })
}

/// Reads the `scale` subresource.
///
/// # Errors
/// 404.
pub fn get_scale(st: &State, t: &Target) -> Result<Value, ApiError> {
    let obj = st
        .store
        .get(&t.rt.key(), t.ns(), t.name())
        .ok_or_else(|| t.not_found())?;
    Ok(scale_of(&obj))
}

/// Writes the `scale` subresource: a replacement Scale (`ptype` absent) or a patch of
/// it; the object's `spec.replicas` changes. Returns the new Scale.
///
/// # Errors
/// 404, 409 on a stale `resourceVersion`, 400/422 for bad bodies.
pub fn write_scale(
    st: &mut State,
    t: &Target,
    ptype: Option<PatchType>,
    body: &[u8],
    opts: &WriteOpts,
) -> Result<Value, ApiError> {
    let old = st
        .store
        .get(&t.rt.key(), t.ns(), t.name())
        .ok_or_else(|| t.not_found())?;
    let mut scale = scale_of(&old);
    let doc: Value = match ptype {
        Some(PatchType::Apply) => parse_apply_body(body)?,
        _ => serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding the Scale body: {e}")))?,
    };
    match ptype {
        None => scale = doc,
        Some(PatchType::Json) => patch::json_patch(&mut scale, &doc)?,
        Some(PatchType::Merge | PatchType::Apply) => patch::merge_patch(&mut scale, &doc),
        Some(PatchType::Strategic) => patch::strategic_merge(&mut scale, &doc),
    }
    check_precondition(t, &old, &scale)?;
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .filter(|r| *r >= 0)
        .ok_or_else(|| {
            ApiError::invalid(
                "autoscaling",
                "Scale",
                t.name(),
                &[(
                    "spec.replicas".into(),
                    "Invalid value: must be a non-negative integer".into(),
                )],
            )
        })?;
    let mut new = (*old).clone();
    meta::object_at(&mut new, "spec").insert("replicas".into(), json!(replicas));
    let main = Target {
        sub: None,
        ..t.clone()
    };
    ssa::record_update(
        Some(&old),
        &mut new,
        &opts.manager,
        &main.api_version(),
        main.scope(),
    );
    let stored = commit(st, &main, Some(&old), new, opts)?;
    Ok(scale_of(&stored))
}
