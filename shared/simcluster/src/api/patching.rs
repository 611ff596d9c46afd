//! Patches (JSON, merge, strategic merge) and server-side apply of stored objects.

use serde_json::{json, Value};

use super::*;

/// Parses an apply body (YAML or JSON).
///
/// # Errors
/// 400 naming the YAML problem.
pub fn parse_apply_body(body: &[u8]) -> Result<Value, ApiError> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return Ok(v);
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the apply body is not UTF-8"))?;
    serde_saphyr::from_str::<Value>(text)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))
}

/// Patches an object; server-side apply creates it when missing. Returns the object
/// and whether it was created.
///
/// # Errors
/// 404 (non-apply patches of missing objects), 409 conflicts, 415, 422.
pub fn patch(
    st: &mut State,
    t: &Target,
    ptype: PatchType,
    body: &[u8],
    opts: &WriteOpts,
) -> Result<(Value, bool), ApiError> {
    let old = st.store.get(&t.rt.key(), t.ns(), t.name());
    if ptype == PatchType::Apply {
        return apply(st, t, old.as_deref(), body, opts);
    }
    let old = old.ok_or_else(|| t.not_found())?;
    let patch_doc: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
    let mut new = (*old).clone();
    match ptype {
        PatchType::Json => patch::json_patch(&mut new, &patch_doc)?,
        PatchType::Merge => patch::merge_patch(&mut new, &patch_doc),
        PatchType::Strategic => patch::strategic_merge(&mut new, &patch_doc),
        PatchType::Apply => unreachable!("handled above"),
    }
    check_precondition(t, &old, &new)?;
    keep_out_of_scope(&old, &mut new, t.scope());
    keep_identity(&old, &mut new);
    ssa::record_update(
        Some(&old),
        &mut new,
        &opts.manager,
        &t.api_version(),
        t.scope(),
    );
    commit(st, t, Some(&old), new, opts).map(|v| (v, false))
}

fn apply(
    st: &mut State,
    t: &Target,
    old: Option<&Value>,
    body: &[u8],
    opts: &WriteOpts,
) -> Result<(Value, bool), ApiError> {
    if opts.manager.is_empty() || !opts.manager_given {
        return Err(ApiError::bad_request(
            "PATCH requests with apply content type require fieldManager",
        ));
    }
    let applied = parse_apply_body(body)?;
    if !applied.is_object() {
        return Err(ApiError::bad_request("the apply body must be an object"));
    }
    let body_name = meta::name(&applied);
    if body_name != t.name() {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name:?}) does not match the name on the URL ({:?})",
            t.name()
        )));
    }
    let body_ns = meta::namespace(&applied);
    if t.rt.namespaced && !body_ns.is_empty() && body_ns != t.ns() {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    if let Some(old) = old {
        check_precondition(t, old, &applied)?;
    }
    let out = ssa::apply(
        old,
        &applied,
        &opts.manager,
        &t.api_version(),
        opts.force,
        t.scope(),
    )?;
    let mut new = out.object;
    match old {
        Some(old) => {
            keep_out_of_scope(old, &mut new, t.scope());
            let mf = new.pointer("/metadata/managedFields").cloned();
            keep_identity(old, &mut new);
            let md = meta::metadata_mut(&mut new);
            match mf {
                Some(mf) => md.insert("managedFields".into(), mf),
                None => md.remove("managedFields"),
            };
            commit(st, t, Some(old), new, opts).map(|v| (v, false))
        }
        None => {
            if t.scope() == Scope::Status {
                return Err(t.not_found());
            }
            if t.rt.namespaced {
                ensure_namespace_exists(st, t)?;
            }
            let md = meta::metadata_mut(&mut new);
            md.insert("name".into(), json!(t.name()));
            if t.rt.namespaced {
                md.insert("namespace".into(), json!(t.ns()));
            }
            let mf = new.pointer("/metadata/managedFields").cloned();
            stamp_new(&mut new);
            if let Some(mf) = mf {
                meta::metadata_mut(&mut new).insert("managedFields".into(), mf);
            }
            commit(st, t, None, new, opts).map(|v| (v, true))
        }
    }
}
