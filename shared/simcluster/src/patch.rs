//! Patches: JSON merge patch (RFC 7386), strategic merge patch (lists of containers,
//! ports, env, volumes... merged by key; `$patch` directives) and JSON patch (RFC 6902).

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::fieldset::{item_key, list_keys};

/// The patch flavours, by request `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json`
    Json,
    /// `application/merge-patch+json`
    Merge,
    /// `application/strategic-merge-patch+json`
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply)
    Apply,
}

impl PatchType {
    /// The patch type of a `Content-Type` header.
    ///
    /// # Errors
    /// 415 naming the unsupported content type and the supported ones.
    pub fn from_content_type(ct: &str) -> Result<Self, ApiError> {
        let base = ct.split(';').next().unwrap_or("").trim();
        match base {
            "application/json-patch+json" => Ok(PatchType::Json),
            "application/merge-patch+json" => Ok(PatchType::Merge),
            "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Ok(PatchType::Apply),
            other => Err(ApiError::unsupported_media(format!(
                "the body of the request was in an unknown format ({other:?}) - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
            ))),
        }
    }
}

/// Applies a JSON merge patch to `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    json_patch::merge(target, patch);
}

/// Applies a JSON patch (a list of operations) to `target`.
///
/// # Errors
/// 422 when the operations are malformed or a `test`/path fails.
pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), ApiError> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| ApiError::bad_request(format!("invalid JSON patch: {e}")))?;
    json_patch::patch(target, &ops).map_err(|e| {
        let mut err = ApiError::bad_request(format!(
            "the server rejected our request due to an error in our request: {e}"
        ));
        err.code = 422;
        err.reason = "Invalid";
        err
    })
}

/// Applies a strategic merge patch to `target`.
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    smp(target, patch, None);
}

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

fn smp(target: &mut Value, patch: &Value, _field: Option<&str>) {
    let Value::Object(pm) = patch else {
        *target = strip_directives(patch);
        return;
    };
    if pm.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = strip_directives(patch);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    for (k, pv) in pm {
        if let Some(list) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(cur)), Some(del)) = (target.get_mut(list), pv.as_array()) {
                cur.retain(|x| !del.contains(x));
            }
            continue;
        }
        if k.starts_with('$') {
            continue;
        }
        let Some(tm) = target.as_object_mut() else {
            return;
        };
        if pv.is_null() {
            tm.remove(k);
            continue;
        }
        match (tm.get_mut(k), pv) {
            (Some(Value::Array(cur)), Value::Array(items)) => {
                let all: Vec<Value> = cur.iter().chain(items.iter()).cloned().collect();
                match list_keys(k, &all) {
                    Some(keys) => merge_keyed_list(cur, items, keys),
                    None => *cur = items.iter().map(strip_directives).collect(),
                }
            }
            (Some(cur @ Value::Object(_)), Value::Object(_)) => smp(cur, pv, Some(k)),
            (_, _) => {
                let mut fresh = Value::Null;
                if pv.is_object() {
                    smp(&mut fresh, pv, Some(k));
                } else {
                    fresh = strip_directives(pv);
                }
                tm.insert(k.clone(), fresh);
            }
        }
    }
}

fn merge_keyed_list(cur: &mut Vec<Value>, items: &[Value], keys: &[&str]) {
    for item in items {
        let key = item_key(keys, item);
        let pos = cur.iter().position(|c| item_key(keys, c) == key);
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => {
                cur.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => smp(&mut cur[i], item, None),
            (None, false) => cur.push(strip_directives(item)),
        }
    }
}

/// Merges an applied configuration into `target` the way server-side apply does:
/// maps recursively, associative lists item by item (by key), everything else replaced.
pub fn merge_applied(target: &mut Value, applied: &Value) {
    merge_applied_field(target, applied, None);
}

fn merge_applied_field(target: &mut Value, applied: &Value, field: Option<&str>) {
    match (target, applied) {
        (t @ Value::Object(_), Value::Object(am)) => {
            let Value::Object(tm) = t else { return };
            for (k, av) in am {
                match tm.get_mut(k) {
                    Some(tv) => merge_applied_field(tv, av, Some(k)),
                    None => {
                        tm.insert(k.clone(), av.clone());
                    }
                }
            }
        }
        (Value::Array(cur), Value::Array(items)) => {
            let all: Vec<Value> = cur.iter().chain(items.iter()).cloned().collect();
            match field.and_then(|f| list_keys(f, &all)) {
                Some(keys) => {
                    for item in items {
                        let key = item_key(keys, item);
                        match cur.iter_mut().find(|c| item_key(keys, c) == key) {
                            Some(existing) => merge_applied_field(existing, item, None),
                            None => cur.push(item.clone()),
                        }
                    }
                }
                None => *cur = items.clone(),
            }
        }
        (t, a) => *t = a.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy() -> Value {
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "nginx:1", "env": [{"name": "A", "value": "1"}]},
            {"name": "side", "image": "busybox"}]}}}, "metadata": {"labels": {"a": "1", "b": "2"}}})
    }

    #[test]
    fn strategic_merge_updates_containers_by_name() {
        let mut d = deploy();
        strategic_merge(
            &mut d,
            &json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "nginx:2", "env": [{"name": "B", "value": "2"}]}]}}}}),
        );
        let cs = &d["spec"]["template"]["spec"]["containers"];
        assert_eq!(cs.as_array().unwrap().len(), 2);
        assert_eq!(cs[0]["image"], "nginx:2");
        assert_eq!(cs[0]["env"].as_array().unwrap().len(), 2);
        assert_eq!(cs[1]["image"], "busybox");
    }

    #[test]
    fn strategic_merge_honours_delete_directive_and_null() {
        let mut d = deploy();
        strategic_merge(
            &mut d,
            &json!({"metadata": {"labels": {"a": null}},
            "spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}],
            "$setElementOrder/containers": [{"name": "app"}]}}}}),
        );
        assert_eq!(d["metadata"]["labels"], json!({"b": "2"}));
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(d["spec"]["template"]["spec"]
            .get("$setElementOrder/containers")
            .is_none());
    }

    #[test]
    fn merge_patch_replaces_lists_and_removes_nulls() {
        let mut d = deploy();
        merge_patch(
            &mut d,
            &json!({"metadata": {"labels": {"b": null, "c": "3"}},
            "spec": {"template": {"spec": {"containers": [{"name": "only"}]}}}}),
        );
        assert_eq!(d["metadata"]["labels"], json!({"a": "1", "c": "3"}));
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"],
            json!([{"name": "only"}])
        );
    }

    #[test]
    fn json_patch_applies_operations_and_rejects_failed_tests() {
        let mut d = deploy();
        json_patch(
            &mut d,
            &json!([{"op": "replace", "path": "/metadata/labels/a", "value": "9"}]),
        )
        .unwrap();
        assert_eq!(d["metadata"]["labels"]["a"], "9");
        let err = json_patch(
            &mut d,
            &json!([{"op": "test", "path": "/metadata/labels/a", "value": "0"}]),
        )
        .unwrap_err();
        assert_eq!(err.code, 422);
    }

    #[test]
    fn applied_config_merges_keyed_items_and_replaces_atomic_lists() {
        let mut d = deploy();
        merge_applied(
            &mut d,
            &json!({"spec": {"template": {"spec": {"containers": [
            {"name": "side", "args": ["x"]}, {"name": "new", "image": "n"}]}}}}),
        );
        let cs = d["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap();
        assert_eq!(cs.len(), 3);
        assert_eq!(cs[1]["args"], json!(["x"]));
        assert_eq!(cs[1]["image"], "busybox");
    }

    #[test]
    fn patch_content_types_are_recognised() {
        assert_eq!(
            PatchType::from_content_type("application/apply-patch+yaml; charset=utf-8").unwrap(),
            PatchType::Apply
        );
        assert_eq!(
            PatchType::from_content_type("text/plain").unwrap_err().code,
            415
        );
    }
}
