//! Server-side apply and field ownership: `managedFields` entries per manager and
//! operation, conflicts (409 with Kubernetes' conflict Status) and `force`, and the
//! ownership transfer that ordinary writes (create, update, patch) cause.

use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::fieldset::{self, FieldSet, Path, Seg};
use crate::patch::merge_applied;

/// Which part of an object a write addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// the main resource; `status` is excluded when the type has a status subresource
    Main {
        /// the type has a `status` subresource
        has_status: bool,
    },
    /// the `status` subresource
    Status,
}

impl Scope {
    fn subresource(self) -> Option<&'static str> {
        match self {
            Scope::Main { .. } => None,
            Scope::Status => Some("status"),
        }
    }
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// field manager name
    pub manager: String,
    /// `Apply` or `Update`
    pub operation: String,
    /// apiVersion the manager used
    pub api_version: String,
    /// when the entry last changed
    pub time: String,
    /// `status` for the status subresource
    pub subresource: Option<String>,
    /// owned fields
    pub fields: FieldSet,
}

/// The `managedFields` entries of an object.
pub fn read_entries(obj: &Value) -> Vec<Entry> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some(Entry {
                manager: e.get("manager")?.as_str()?.to_string(),
                operation: e
                    .get("operation")
                    .and_then(Value::as_str)
                    .unwrap_or("Update")
                    .to_string(),
                api_version: e
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                time: e
                    .get("time")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                subresource: e
                    .get("subresource")
                    .and_then(Value::as_str)
                    .map(String::from),
                fields: e
                    .get("fieldsV1")
                    .map(fieldset::from_fields_v1)
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// Writes entries into `metadata.managedFields`, dropping empty ones.
pub fn write_entries(obj: &mut Value, entries: &[Entry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(|e| {
            let mut v = json!({
                "manager": e.manager,
                "operation": e.operation,
                "apiVersion": e.api_version,
                "time": e.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": fieldset::to_fields_v1(&e.fields),
            });
            if let Some(s) = &e.subresource {
                v["subresource"] = json!(s);
            }
            v
        })
        .collect();
    let meta = crate::meta::metadata_mut(obj);
    if list.is_empty() {
        meta.remove("managedFields");
    } else {
        meta.insert("managedFields".into(), Value::Array(list));
    }
}

const UNTRACKED_META: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
    "generateName",
];

/// The part of `obj` whose fields are tracked in `scope`.
pub fn tracked_view(obj: &Value, scope: Scope) -> Value {
    let Some(m) = obj.as_object() else {
        return Value::Object(Map::new());
    };
    let mut out = Map::new();
    for (k, v) in m {
        match (k.as_str(), scope) {
            ("apiVersion" | "kind", _) => {}
            ("status", Scope::Main { has_status: true }) => {}
            ("status", Scope::Status) => {
                out.insert(k.clone(), v.clone());
            }
            (_, Scope::Status) => {}
            ("metadata", _) => {
                let meta: Map<String, Value> = v
                    .as_object()
                    .map(|mm| {
                        mm.iter()
                            .filter(|(mk, _)| !UNTRACKED_META.contains(&mk.as_str()))
                            .map(|(mk, mv)| (mk.clone(), mv.clone()))
                            .collect()
                    })
                    .unwrap_or_default();
                if !meta.is_empty() {
                    out.insert(k.clone(), Value::Object(meta));
                }
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn is_prefix(prefix: &Path, path: &Path) -> bool {
    path.len() > prefix.len() && path[..prefix.len()] == prefix[..]
}

fn is_leaf(p: &Path) -> bool {
    !matches!(p.last(), Some(Seg::K(_)))
}

/// Result of a server-side apply.
#[derive(Debug, Clone)]
pub struct Applied {
    /// the merged object, with updated `managedFields`
    pub object: Value,
}

/// Applies `applied` (an applied configuration) as `manager` onto `live` (absent for a
/// create).
///
/// # Errors
/// 409 Conflict listing every field another manager owns with a different value,
/// unless `force` is set (then ownership moves to `manager`).
pub fn apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
    scope: Scope,
) -> Result<Applied, ApiError> {
    let applied_view = tracked_view(applied, scope);
    let new_set = fieldset::paths_of(&applied_view);
    let mut entries = live.map(read_entries).unwrap_or_default();
    let sub = scope.subresource().map(String::from);
    let live_obj = live.cloned().unwrap_or_else(|| Value::Object(Map::new()));

    let is_self =
        |e: &Entry| e.manager == manager && e.operation == "Apply" && e.subresource == sub;
    let mut conflicts: Vec<(usize, Path)> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if is_self(e) || e.subresource != sub {
            continue;
        }
        for p in new_set.intersection(&e.fields).filter(|p| is_leaf(p)) {
            if fieldset::get(&live_obj, p) != fieldset::get(&applied_view, p) {
                conflicts.push((i, p.clone()));
            }
        }
    }
    if !conflicts.is_empty() {
        if !force {
            return Err(conflict_error(&entries, &conflicts));
        }
        for (i, p) in &conflicts {
            entries[*i].fields.remove(p);
        }
    }

    let old_set = entries
        .iter()
        .find(|e| is_self(e))
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    let others: FieldSet = entries
        .iter()
        .filter(|e| !is_self(e))
        .flat_map(|e| e.fields.iter().cloned())
        .collect();
    let mut result = live_obj.clone();
    for p in old_set.difference(&new_set) {
        let kept_by_others = others.contains(p) || others.iter().any(|q| is_prefix(p, q));
        let still_applied = new_set.iter().any(|q| is_prefix(p, q));
        if !kept_by_others && !still_applied {
            fieldset::remove(&mut result, p);
        }
    }
    let mut merge_src = applied_view.clone();
    if let (Some(dst), Some(src)) = (merge_src.as_object_mut(), applied.as_object()) {
        for k in ["apiVersion", "kind"] {
            if let Some(v) = src.get(k) {
                dst.insert(k.into(), v.clone());
            }
        }
    }
    merge_applied(&mut result, &merge_src);

    let now = crate::meta::now();
    match entries.iter_mut().find(|e| is_self(e)) {
        Some(e) => {
            if e.fields != new_set {
                e.time = now;
            }
            e.fields = new_set;
            e.api_version = api_version.to_string();
        }
        None => entries.push(Entry {
            manager: manager.to_string(),
            operation: "Apply".into(),
            api_version: api_version.to_string(),
            time: now,
            subresource: sub,
            fields: new_set,
        }),
    }
    prune(&mut entries, &result, scope);
    write_entries(&mut result, &entries);
    Ok(Applied { object: result })
}

fn conflict_error(entries: &[Entry], conflicts: &[(usize, Path)]) -> ApiError {
    let n = conflicts.len();
    let mut by_manager: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, p) in conflicts {
        match by_manager.iter_mut().find(|(m, _)| m == i) {
            Some((_, ps)) => ps.push(fieldset::display(p)),
            None => by_manager.push((*i, vec![fieldset::display(p)])),
        }
    }
    let mut parts = Vec::new();
    let mut causes = Vec::new();
    for (i, paths) in &by_manager {
        let e = &entries[*i];
        let who = format!("conflict with \"{}\" using {}", e.manager, e.api_version);
        if paths.len() == 1 {
            parts.push(format!("{who}: {}", paths[0]));
        } else {
            let list: Vec<String> = paths.iter().map(|p| format!("- {p}")).collect();
            parts.push(format!(
                "conflicts with \"{}\" using {}:\n{}",
                e.manager,
                e.api_version,
                list.join("\n")
            ));
        }
        for p in paths {
            causes.push(json!({"type": "FieldManagerConflict", "message": who, "field": p}));
        }
    }
    let plural = if n == 1 { "conflict" } else { "conflicts" };
    ApiError::apply_conflict(
        format!("Apply failed with {n} {plural}: {}", parts.join("\n")),
        causes,
    )
}

/// Records an ordinary write (create, update, non-apply patch) by `manager`: fields it
/// changed become its own and leave other managers; removed fields leave everyone.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    scope: Scope,
) {
    let empty = Value::Object(Map::new());
    let old_view = tracked_view(old.unwrap_or(&empty), scope);
    let new_view = tracked_view(new, scope);
    let old_paths = fieldset::paths_of(&old_view);
    let new_paths = fieldset::paths_of(&new_view);
    let changed: FieldSet = new_paths
        .iter()
        .filter(|p| {
            fieldset::get(&old_view, p) != fieldset::get(&new_view, p)
                || !old_paths.contains(*p) && !is_leaf(p)
        })
        .cloned()
        .collect();
    let removed: FieldSet = old_paths.difference(&new_paths).cloned().collect();
    let mut entries = old.map(read_entries).unwrap_or_default();
    let sub = scope.subresource().map(String::from);
    if changed.is_empty() && removed.is_empty() {
        write_entries(new, &entries);
        return;
    }
    let is_self =
        |e: &Entry| e.manager == manager && e.operation == "Update" && e.subresource == sub;
    for e in entries.iter_mut().filter(|e| !is_self(e)) {
        e.fields
            .retain(|p| !changed.contains(p) && !removed.contains(p));
    }
    let now = crate::meta::now();
    match entries.iter_mut().find(|e| is_self(e)) {
        Some(e) => {
            e.fields.extend(changed);
            e.fields.retain(|p| !removed.contains(p));
            e.time = now;
            e.api_version = api_version.to_string();
        }
        None if !changed.is_empty() => entries.push(Entry {
            manager: manager.to_string(),
            operation: "Update".into(),
            api_version: api_version.to_string(),
            time: now,
            subresource: sub,
            fields: changed,
        }),
        None => {}
    }
    prune(&mut entries, new, scope);
    write_entries(new, &entries);
}

/// Drops owned paths that no longer exist in the object.
fn prune(entries: &mut [Entry], obj: &Value, scope: Scope) {
    let view = tracked_view(obj, scope);
    for e in entries.iter_mut() {
        if e.subresource.as_deref() == scope.subresource() {
            e.fields.retain(|p| fieldset::get(&view, p).is_some());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: Scope = Scope::Main { has_status: true };

    fn cfg(replicas: i64, image: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "app", "image": image}]}}}})
    }

    #[test]
    fn first_apply_creates_and_records_the_manager() {
        let out = apply(None, &cfg(2, "nginx"), "kubectl", "apps/v1", false, MAIN)
            .unwrap()
            .object;
        assert_eq!(out["spec"]["replicas"], 2);
        let entries = read_entries(&out);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].operation, "Apply");
        assert!(out
            .pointer("/metadata/managedFields/0/fieldsV1/f:spec/f:replicas")
            .is_some());
    }

    #[test]
    fn reapplying_the_same_config_changes_nothing() {
        let once = apply(None, &cfg(2, "nginx"), "kubectl", "apps/v1", false, MAIN)
            .unwrap()
            .object;
        let twice = apply(
            Some(&once),
            &cfg(2, "nginx"),
            "kubectl",
            "apps/v1",
            false,
            MAIN,
        )
        .unwrap()
        .object;
        assert_eq!(once, twice);
    }

    #[test]
    fn another_manager_changing_an_owned_field_conflicts_until_forced() {
        let live = apply(None, &cfg(2, "nginx"), "kubectl", "apps/v1", false, MAIN)
            .unwrap()
            .object;
        let other = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 5}});
        let err = apply(Some(&live), &other, "ops", "apps/v1", false, MAIN).unwrap_err();
        assert_eq!(err.code, 409);
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas"
        );
        assert_eq!(err.details.unwrap()["causes"][0]["field"], ".spec.replicas");
        let forced = apply(Some(&live), &other, "ops", "apps/v1", true, MAIN)
            .unwrap()
            .object;
        assert_eq!(forced["spec"]["replicas"], 5);
        let entries = read_entries(&forced);
        let kubectl = entries.iter().find(|e| e.manager == "kubectl").unwrap();
        assert!(!kubectl
            .fields
            .contains(&vec![Seg::F("spec".into()), Seg::F("replicas".into())]));
    }

    #[test]
    fn same_value_from_two_managers_is_shared_not_a_conflict() {
        let live = apply(None, &cfg(2, "nginx"), "kubectl", "apps/v1", false, MAIN)
            .unwrap()
            .object;
        let out = apply(
            Some(&live),
            &cfg(2, "nginx"),
            "helm",
            "apps/v1",
            false,
            MAIN,
        )
        .unwrap()
        .object;
        assert_eq!(read_entries(&out).len(), 2);
    }

    #[test]
    fn fields_dropped_from_the_config_are_removed_unless_others_own_them() {
        let mut c = cfg(2, "nginx");
        c["metadata"]["labels"]["extra"] = json!("x");
        let live = apply(None, &c, "kubectl", "apps/v1", false, MAIN)
            .unwrap()
            .object;
        let out = apply(
            Some(&live),
            &cfg(2, "nginx"),
            "kubectl",
            "apps/v1",
            false,
            MAIN,
        )
        .unwrap()
        .object;
        assert!(out["metadata"]["labels"].get("extra").is_none());
        // A container added by another manager survives the first manager's re-apply.
        let mut with_side = live.clone();
        with_side["spec"]["template"]["spec"]["containers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "side", "image": "b"}));
        record_update(Some(&live), &mut with_side, "editor", "apps/v1", MAIN);
        let out = apply(
            Some(&with_side),
            &cfg(3, "nginx"),
            "kubectl",
            "apps/v1",
            false,
            MAIN,
        )
        .unwrap()
        .object;
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(out["spec"]["replicas"], 3);
    }

    #[test]
    fn updates_take_ownership_of_changed_fields() {
        let live = apply(None, &cfg(2, "nginx"), "kubectl", "apps/v1", false, MAIN)
            .unwrap()
            .object;
        let mut scaled = live.clone();
        scaled["spec"]["replicas"] = json!(4);
        record_update(Some(&live), &mut scaled, "kubectl-scale", "apps/v1", MAIN);
        let err = apply(
            Some(&scaled),
            &cfg(2, "nginx"),
            "kubectl",
            "apps/v1",
            false,
            MAIN,
        )
        .unwrap_err();
        assert!(err.message.contains("kubectl-scale"), "{}", err.message);
    }

    #[test]
    fn status_is_not_tracked_on_the_main_resource() {
        let mut c = cfg(1, "nginx");
        c["status"] = json!({"replicas": 1});
        let out = apply(None, &c, "kubectl", "apps/v1", false, MAIN)
            .unwrap()
            .object;
        assert!(out.get("status").is_none());
    }
}
