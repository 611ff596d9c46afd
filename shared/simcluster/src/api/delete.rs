//! Deletion (finalizers, propagation policies, namespaces, CRDs) and the writes simulated controllers make.

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::*;

/// Deletes an object. Objects with finalizers get a `deletionTimestamp` and stay
/// until their finalizers are removed.
///
/// # Errors
/// 404, 409 when a `preconditions.resourceVersion`/`uid` does not match.
pub fn delete(
    st: &mut State,
    t: &Target,
    propagation: Propagation,
    preconditions: &Value,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let old = st
        .store
        .get(&t.rt.key(), t.ns(), t.name())
        .ok_or_else(|| t.not_found())?;
    if let Some(rv) = preconditions.get("resourceVersion").and_then(Value::as_str) {
        if rv != rv_of(&old) {
            return Err(ApiError::conflict(&t.rt.group, &t.rt.plural, t.name()));
        }
    }
    if let Some(uid) = preconditions.get("uid").and_then(Value::as_str) {
        if uid != meta::uid(&old) {
            return Err(ApiError::conflict(&t.rt.group, &t.rt.plural, t.name()));
        }
    }
    if dry_run {
        return Ok(present(&t.rt, &t.version, &old));
    }
    let has_finalizers = old
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| !f.is_empty());
    if has_finalizers && t.rt.kind != "Namespace" {
        if old.pointer("/metadata/deletionTimestamp").is_some() {
            return Ok(present(&t.rt, &t.version, &old));
        }
        let mut marked = (*old).clone();
        meta::metadata_mut(&mut marked).insert("deletionTimestamp".into(), json!(meta::now()));
        let stored = st.store.put(&t.rt.key(), marked);
        return Ok(present(&t.rt, &t.version, &stored));
    }
    let uid = meta::uid(&old).to_string();
    match propagation {
        Propagation::Orphan => orphan_dependents(st, &uid),
        Propagation::Foreground => delete_dependents(st, &uid),
        Propagation::Background => {}
    }
    let gone = remove_now(st, &t.rt, &old).unwrap_or(old);
    Ok(present(&t.rt, &t.version, &gone))
}

/// Removes an object immediately, with what its kind implies (a namespace's contents,
/// a CRD's custom resources and type).
pub fn remove_now(st: &mut State, rt: &ResourceType, obj: &Value) -> Option<Arc<Value>> {
    let name = meta::name(obj).to_string();
    let ns = meta::namespace(obj).to_string();
    if rt.group.is_empty() && rt.kind == "Namespace" {
        for key in st.store.resources() {
            let namespaced = st.registry.by_key(&key).is_none_or(|t| t.namespaced);
            if !namespaced {
                continue;
            }
            for o in st.store.list(&key, Some(&name)) {
                st.store.remove(&key, &name, meta::name(&o));
            }
        }
    }
    if rt.group == "apiextensions.k8s.io" && rt.kind == "CustomResourceDefinition" {
        if let (Some(g), Some(p)) = (
            meta::str_at(obj, "/spec/group"),
            meta::str_at(obj, "/spec/names/plural"),
        ) {
            let key = ResKey::new(g, p);
            for o in st.store.list(&key, None) {
                st.store.remove(&key, meta::namespace(&o), meta::name(&o));
            }
            st.registry.unregister(&key);
        }
    }
    st.clocks.remove(meta::uid(obj));
    st.store.remove(&rt.key(), &ns, &name)
}

/// Every object whose owner references include `uid`.
pub fn dependents(st: &State, uid: &str) -> Vec<(ResKey, Arc<Value>)> {
    let mut out = Vec::new();
    for key in st.store.resources() {
        for o in st.store.list(&key, None) {
            let owned = o
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|refs| {
                    refs.iter()
                        .any(|r| r.get("uid").and_then(Value::as_str) == Some(uid))
                });
            if owned {
                out.push((key.clone(), o));
            }
        }
    }
    out
}

fn delete_dependents(st: &mut State, uid: &str) {
    for (key, o) in dependents(st, uid) {
        delete_dependents(st, meta::uid(&o));
        if let Some(rt) = st.registry.by_key(&key).cloned() {
            remove_now(st, &rt, &o);
        }
    }
}

fn orphan_dependents(st: &mut State, uid: &str) {
    for (key, o) in dependents(st, uid) {
        let mut updated = (*o).clone();
        if let Some(refs) = updated
            .pointer_mut("/metadata/ownerReferences")
            .and_then(Value::as_array_mut)
        {
            refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(uid));
        }
        st.store.put(&key, updated);
    }
}

/// Creates an object on behalf of a simulated controller.
pub fn internal_create(st: &mut State, key: &ResKey, mut obj: Value) -> Arc<Value> {
    stamp_new(&mut obj);
    meta::metadata_mut(&mut obj).insert("generation".into(), json!(1));
    st.store.put(key, obj)
}

/// Stores a controller's change of an existing object when it changes anything.
pub fn internal_update(
    st: &mut State,
    key: &ResKey,
    old: &Value,
    new: Value,
) -> Option<Arc<Value>> {
    if without_rv(old) == without_rv(&new) {
        return None;
    }
    Some(st.store.put(key, new))
}

/// An empty object map, for callers building JSON.
pub fn empty() -> Value {
    Value::Object(Map::new())
}
