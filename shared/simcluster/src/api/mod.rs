//! API semantics independent of HTTP: get, list (selectors, pagination), create,
//! update, patch (JSON, merge, strategic, server-side apply), delete (cascading by
//! owner references, propagation policies, finalizers) and internal controller writes.

use std::sync::Arc;

use base64::Engine as _;
use serde_json::{json, Value};

use crate::admission;
use crate::error::ApiError;
use crate::meta;
use crate::patch::{self, PatchType};
use crate::registry::{ResKey, ResourceType};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::ssa::{self, Scope};
use crate::state::State;

mod delete;
mod patching;
mod scale;

pub use delete::{delete, dependents, empty, internal_create, internal_update, remove_now};
pub use patching::{parse_apply_body, patch};
pub use scale::{get_scale, scale_of, write_scale};

/// The resource a request addresses.
#[derive(Debug, Clone)]
pub struct Target {
    /// the type
    pub rt: ResourceType,
    /// requested version
    pub version: String,
    /// namespace from the path (`None` for cluster-scoped or all-namespace requests)
    pub namespace: Option<String>,
    /// object name from the path
    pub name: Option<String>,
    /// subresource (`status`)
    pub sub: Option<String>,
}

impl Target {
    fn ns(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }
    fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("")
    }
    fn scope(&self) -> Scope {
        if self.sub.as_deref() == Some("status") {
            Scope::Status
        } else {
            Scope::Main {
                has_status: self.rt.status,
            }
        }
    }
    fn api_version(&self) -> String {
        self.rt.api_version(&self.version)
    }
    fn not_found(&self) -> ApiError {
        ApiError::not_found(&self.rt.group, &self.rt.plural, self.name())
    }
}

/// Options of a write.
#[derive(Debug, Clone, Default)]
pub struct WriteOpts {
    /// field manager
    pub manager: String,
    /// `dryRun=All`: validate and return, store nothing
    pub dry_run: bool,
    /// `force=true` for server-side apply
    pub force: bool,
    /// the manager came from the `fieldManager` parameter (required for apply)
    pub manager_given: bool,
}

/// Options of a list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// `labelSelector`
    pub labels: LabelSelector,
    /// `fieldSelector`
    pub fields: FieldSelector,
    /// `limit` (0 = all)
    pub limit: usize,
    /// `continue` token
    pub continue_token: Option<String>,
}

/// How dependents of a deleted object are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    /// dependents are deleted afterwards by the garbage collector
    #[default]
    Background,
    /// dependents are deleted first
    Foreground,
    /// dependents lose their owner reference and stay
    Orphan,
}

/// Sets `apiVersion` and `kind` as the request's version shows them.
pub fn present(rt: &ResourceType, version: &str, obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.insert("apiVersion".into(), json!(rt.api_version(version)));
        m.insert("kind".into(), json!(rt.kind));
    }
    o
}

/// One object.
///
/// # Errors
/// 404 NotFound.
pub fn get(st: &State, t: &Target) -> Result<Value, ApiError> {
    st.store
        .get(&t.rt.key(), t.ns(), t.name())
        .map(|o| present(&t.rt, &t.version, &o))
        .ok_or_else(|| t.not_found())
}

/// A list, filtered and paginated.
///
/// # Errors
/// 400 for a malformed continue token.
pub fn list(st: &State, t: &Target, q: &ListQuery) -> Result<Value, ApiError> {
    let all = st.store.list(&t.rt.key(), t.namespace.as_deref());
    let after = match &q.continue_token {
        Some(tok) => {
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(tok)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    ApiError::bad_request("continue key is not valid: illegal base64 data")
                })?;
            Some(raw)
        }
        None => None,
    };
    let mut items: Vec<Arc<Value>> = all
        .into_iter()
        .filter(|o| {
            after
                .as_ref()
                .is_none_or(|a| format!("{}/{}", meta::namespace(o), meta::name(o)) > *a)
        })
        .filter(|o| q.labels.matches(o) && q.fields.matches(o))
        .collect();
    let mut cont = None;
    let mut remaining = 0;
    if q.limit > 0 && items.len() > q.limit {
        remaining = items.len() - q.limit;
        items.truncate(q.limit);
        if let Some(last) = items.last() {
            let key = format!("{}/{}", meta::namespace(last), meta::name(last));
            cont = Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key));
        }
    }
    let mut md = json!({"resourceVersion": st.store.rv().to_string()});
    if let Some(c) = cont {
        md["continue"] = json!(c);
        md["remainingItemCount"] = json!(remaining);
    }
    Ok(json!({
        "apiVersion": t.api_version(),
        "kind": format!("{}List", t.rt.kind),
        "metadata": md,
        "items": items.iter().map(|o| present(&t.rt, &t.version, o)).collect::<Vec<_>>(),
    }))
}

fn rv_of(obj: &Value) -> &str {
    meta::str_at(obj, "/metadata/resourceVersion").unwrap_or("")
}

fn without_rv(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    o
}

fn spec_part(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        for k in ["metadata", "status", "apiVersion", "kind"] {
            m.remove(k);
        }
    }
    o
}

fn ensure_namespace_exists(st: &State, t: &Target) -> Result<(), ApiError> {
    if t.rt.namespaced
        && st
            .store
            .get(&ResKey::new("", "namespaces"), "", t.ns())
            .is_none()
    {
        return Err(ApiError::not_found("", "namespaces", t.ns()));
    }
    Ok(())
}

/// Stores `new` (replacing `old`) after admission; skips writes that change nothing.
fn commit(
    st: &mut State,
    t: &Target,
    old: Option<&Value>,
    mut new: Value,
    opts: &WriteOpts,
) -> Result<Value, ApiError> {
    if t.scope() != Scope::Status {
        admission::admit(st, &t.rt, old, &mut new)?;
    }
    if let Some(m) = new.as_object_mut() {
        m.insert(
            "apiVersion".into(),
            json!(t.rt.api_version(&t.rt.versions[0])),
        );
        m.insert("kind".into(), json!(t.rt.kind));
    }
    let generation = match old {
        Some(o) => {
            let g = meta::i64_at(o, "/metadata/generation").unwrap_or(1);
            if spec_part(o) != spec_part(&new) {
                g + 1
            } else {
                g
            }
        }
        None => 1,
    };
    meta::metadata_mut(&mut new).insert("generation".into(), json!(generation));
    if let Some(o) = old {
        if without_rv(o) == without_rv(&new) {
            return Ok(present(&t.rt, &t.version, o));
        }
    }
    if opts.dry_run {
        return Ok(present(&t.rt, &t.version, &new));
    }
    // An object being deleted goes once its last finalizer is removed.
    let finalizing = new.pointer("/metadata/deletionTimestamp").is_some()
        && new
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_none_or(|f| f.is_empty());
    let stored = st.store.put(&t.rt.key(), new);
    after_write(st, &t.rt, &stored);
    if finalizing {
        remove_now(st, &t.rt, &stored);
    }
    Ok(present(&t.rt, &t.version, &stored))
}

/// Side effects of a stored write (CRDs register their types).
fn after_write(st: &mut State, rt: &ResourceType, obj: &Value) {
    if rt.group == "apiextensions.k8s.io" && rt.kind == "CustomResourceDefinition" {
        st.registry.register_crd(obj);
    }
}

/// Creates an object (POST).
///
/// # Errors
/// 400 for a namespace mismatch, 404 for a missing namespace, 409 AlreadyExists,
/// 422 for invalid objects.
pub fn create(
    st: &mut State,
    t: &Target,
    body: Value,
    opts: &WriteOpts,
) -> Result<Value, ApiError> {
    let mut new = body;
    if !new.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    }
    let body_ns = meta::namespace(&new).to_string();
    if t.rt.namespaced {
        if !body_ns.is_empty() && body_ns != t.ns() {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        meta::metadata_mut(&mut new).insert("namespace".into(), json!(t.ns()));
        ensure_namespace_exists(st, t)?;
    } else {
        meta::metadata_mut(&mut new).remove("namespace");
    }
    if meta::name(&new).is_empty() {
        match meta::str_at(&new, "/metadata/generateName").map(String::from) {
            Some(prefix) if !prefix.is_empty() => {
                let n = format!("{prefix}{}", meta::random_suffix(5));
                meta::metadata_mut(&mut new).insert("name".into(), json!(n));
            }
            _ => {
                return Err(ApiError::invalid(
                    &t.rt.group,
                    &t.rt.kind,
                    "",
                    &[(
                        "metadata.name".into(),
                        "Required value: name or generateName is required".into(),
                    )],
                ))
            }
        }
    }
    let name = meta::name(&new).to_string();
    if st.store.get(&t.rt.key(), t.ns(), &name).is_some() {
        return Err(ApiError::already_exists(&t.rt.group, &t.rt.plural, &name));
    }
    stamp_new(&mut new);
    if t.rt.status {
        if let Some(m) = new.as_object_mut() {
            m.remove("status");
        }
    }
    ssa::record_update(None, &mut new, &opts.manager, &t.api_version(), t.scope());
    let t = Target {
        name: Some(name),
        ..t.clone()
    };
    commit(st, &t, None, new, opts)
}

fn stamp_new(obj: &mut Value) {
    let md = meta::metadata_mut(obj);
    md.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
    md.insert("creationTimestamp".into(), json!(meta::now()));
    md.remove("resourceVersion");
    md.remove("managedFields");
    md.remove("deletionTimestamp");
}

/// Keeps identity and server-owned metadata of `old` in `new`.
fn keep_identity(old: &Value, new: &mut Value) {
    let md = meta::metadata_mut(new);
    for k in [
        "uid",
        "creationTimestamp",
        "name",
        "namespace",
        "generation",
        "deletionTimestamp",
        "managedFields",
    ] {
        match old.pointer(&format!("/metadata/{k}")) {
            Some(v) => {
                md.insert(k.into(), v.clone());
            }
            None => {
                md.remove(k);
            }
        }
    }
}

/// Restores the part of `old` a write in `scope` must not change.
fn keep_out_of_scope(old: &Value, new: &mut Value, scope: Scope) {
    match scope {
        Scope::Main { has_status: true } => {
            if let Some(m) = new.as_object_mut() {
                match old.get("status") {
                    Some(s) => m.insert("status".into(), s.clone()),
                    None => m.remove("status"),
                };
            }
        }
        Scope::Main { has_status: false } => {}
        Scope::Status => {
            let status = new.get("status").cloned();
            *new = old.clone();
            if let Some(m) = new.as_object_mut() {
                match status {
                    Some(s) => m.insert("status".into(), s),
                    None => m.remove("status"),
                };
            }
        }
    }
}

fn check_precondition(t: &Target, old: &Value, body: &Value) -> Result<(), ApiError> {
    let want = rv_of(body);
    if !want.is_empty() && want != rv_of(old) {
        return Err(ApiError::conflict(&t.rt.group, &t.rt.plural, t.name()));
    }
    Ok(())
}

/// Replaces an object (PUT), on the main resource or the status subresource.
///
/// # Errors
/// 404, 409 Conflict on a stale `resourceVersion`, 400 for a name mismatch, 422.
pub fn update(
    st: &mut State,
    t: &Target,
    body: Value,
    opts: &WriteOpts,
) -> Result<Value, ApiError> {
    let old = st
        .store
        .get(&t.rt.key(), t.ns(), t.name())
        .ok_or_else(|| t.not_found())?;
    if !meta::name(&body).is_empty() && meta::name(&body) != t.name() {
        return Err(ApiError::bad_request(
            "the name of the object does not match the name on the URL",
        ));
    }
    check_precondition(t, &old, &body)?;
    let mut new = body;
    keep_out_of_scope(&old, &mut new, t.scope());
    keep_identity(&old, &mut new);
    ssa::record_update(
        Some(&old),
        &mut new,
        &opts.manager,
        &t.api_version(),
        t.scope(),
    );
    commit(st, t, Some(&old), new, opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;

    fn state() -> State {
        let mut st = State::new(SimConfig::default());
        crate::controllers::bootstrap(&mut st);
        st
    }

    fn target(
        st: &State,
        group: &str,
        plural: &str,
        ns: Option<&str>,
        name: Option<&str>,
    ) -> Target {
        let rt = st
            .registry
            .by_key(&ResKey::new(group, plural))
            .unwrap()
            .clone();
        Target {
            version: rt.versions[0].clone(),
            rt,
            namespace: ns.map(String::from),
            name: name.map(String::from),
            sub: None,
        }
    }

    fn opts() -> WriteOpts {
        WriteOpts {
            manager: "test".into(),
            manager_given: true,
            ..WriteOpts::default()
        }
    }

    #[test]
    fn finalizers_hold_a_deleted_object_until_removed() {
        let mut st = state();
        let t = target(&st, "", "configmaps", Some("default"), None);
        create(
            &mut st,
            &t,
            json!({"metadata": {"name": "f", "finalizers": ["example.com/hold"]}}),
            &opts(),
        )
        .unwrap();
        let named = Target {
            name: Some("f".into()),
            ..t
        };
        let marked = delete(&mut st, &named, Propagation::Background, &json!({}), false).unwrap();
        assert!(marked["metadata"]["deletionTimestamp"].is_string());
        let mut cur = get(&st, &named).unwrap();
        cur["metadata"]["finalizers"] = json!([]);
        update(&mut st, &named, cur, &opts()).unwrap();
        assert_eq!(get(&st, &named).unwrap_err().code, 404);
    }

    #[test]
    fn deleting_a_namespace_removes_its_contents() {
        let mut st = state();
        let ns = target(&st, "", "namespaces", None, None);
        create(&mut st, &ns, json!({"metadata": {"name": "team"}}), &opts()).unwrap();
        let cms = target(&st, "", "configmaps", Some("team"), None);
        create(&mut st, &cms, json!({"metadata": {"name": "c"}}), &opts()).unwrap();
        delete(
            &mut st,
            &Target {
                name: Some("team".into()),
                ..ns
            },
            Propagation::Background,
            &json!({}),
            false,
        )
        .unwrap();
        assert!(st
            .store
            .list(&ResKey::new("", "configmaps"), Some("team"))
            .is_empty());
    }

    #[test]
    fn apply_creates_missing_objects_and_unchanged_writes_keep_the_version() {
        let mut st = state();
        let t = target(&st, "", "configmaps", Some("default"), Some("a"));
        let body =
            br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"x":"1"}}"#;
        let (first, created) = patch(&mut st, &t, PatchType::Apply, body, &opts()).unwrap();
        assert!(created);
        let (second, created) = patch(&mut st, &t, PatchType::Apply, body, &opts()).unwrap();
        assert!(!created);
        assert_eq!(
            first["metadata"]["resourceVersion"],
            second["metadata"]["resourceVersion"]
        );
        let yaml = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: '2'\n";
        let (third, _) = patch(&mut st, &t, PatchType::Apply, yaml, &opts()).unwrap();
        assert_eq!(third["data"]["x"], "2");
        let wrong = Target {
            name: Some("b".into()),
            ..t
        };
        assert_eq!(
            patch(&mut st, &wrong, PatchType::Apply, body, &opts())
                .unwrap_err()
                .code,
            400
        );
    }

    #[test]
    fn deleting_a_crd_removes_its_objects_and_type() {
        let mut st = state();
        let crds = target(
            &st,
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            None,
            None,
        );
        create(&mut st, &crds, json!({"metadata": {"name": "things.example.com"}, "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "things", "kind": "Thing"}, "versions": [{"name": "v1", "served": true, "storage": true}]}}), &opts()).unwrap();
        let things = target(&st, "example.com", "things", Some("default"), None);
        create(
            &mut st,
            &things,
            json!({"metadata": {"name": "t"}}),
            &opts(),
        )
        .unwrap();
        delete(
            &mut st,
            &Target {
                name: Some("things.example.com".into()),
                ..crds
            },
            Propagation::Background,
            &json!({}),
            false,
        )
        .unwrap();
        assert!(st
            .registry
            .by_key(&ResKey::new("example.com", "things"))
            .is_none());
        assert!(st
            .store
            .list(&ResKey::new("example.com", "things"), None)
            .is_empty());
    }

    #[test]
    fn generate_name_gets_a_random_suffix() {
        let mut st = state();
        let t = target(&st, "", "configmaps", Some("default"), None);
        let o = create(
            &mut st,
            &t,
            json!({"metadata": {"generateName": "gen-"}}),
            &opts(),
        )
        .unwrap();
        let name = o["metadata"]["name"].as_str().unwrap();
        assert!(name.starts_with("gen-") && name.len() == 9, "{name}");
        assert_eq!(
            create(&mut st, &t, json!({"metadata": {}}), &opts())
                .unwrap_err()
                .code,
            422
        );
    }
}
