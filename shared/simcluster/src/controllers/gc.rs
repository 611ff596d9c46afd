//! Garbage collector: objects whose every owner is gone are deleted (background
//! cascading, one generation of dependents per pass).

use std::collections::HashSet;

use serde_json::Value;

use crate::meta;
use crate::state::State;

/// Deletes orphaned dependents.
pub fn reconcile(st: &mut State) {
    let keys = st.store.resources();
    let mut uids: HashSet<String> = HashSet::new();
    for k in &keys {
        for o in st.store.list(k, None) {
            uids.insert(meta::uid(&o).to_string());
        }
    }
    for k in &keys {
        for o in st.store.list(k, None) {
            let Some(refs) = o
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
            else {
                continue;
            };
            if refs.is_empty() {
                continue;
            }
            let alive = refs.iter().any(|r| {
                r.get("uid")
                    .and_then(Value::as_str)
                    .is_some_and(|u| uids.contains(u))
            });
            if !alive {
                if let Some(rt) = st.registry.by_key(k).cloned() {
                    crate::api::remove_now(st, &rt, &o);
                } else {
                    st.store.remove(k, meta::namespace(&o), meta::name(&o));
                }
            }
        }
    }
}
