//! Events as Kubernetes components record them, in core/v1 and events.k8s.io/v1;
//! a repeated event bumps its count instead of adding a new one.

use serde_json::{json, Value};

use crate::meta;
use crate::registry::ResKey;
use crate::state::State;

/// Records an event about `involved`.
pub fn emit(
    st: &mut State,
    involved: &Value,
    ty: &str,
    reason: &str,
    message: &str,
    component: &str,
) {
    let ns = match meta::namespace(involved) {
        "" => "default".to_string(),
        ns => ns.to_string(),
    };
    let core = ResKey::new("", "events");
    let now = meta::now();
    let micro = meta::now_micro();
    let existing = st.store.list(&core, Some(&ns)).into_iter().find(|e| {
        e.pointer("/involvedObject/uid").and_then(Value::as_str) == Some(meta::uid(involved))
            && e["reason"] == reason
            && e["message"] == message
    });
    if let Some(e) = existing {
        let mut upd = (*e).clone();
        upd["count"] = json!(e["count"].as_i64().unwrap_or(1) + 1);
        upd["lastTimestamp"] = json!(now);
        st.store.put(&core, upd);
        return;
    }
    let name = format!(
        "{}.{}",
        meta::name(involved),
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    );
    let reference = json!({
        "kind": involved.get("kind").cloned().unwrap_or(Value::Null),
        "namespace": meta::namespace(involved),
        "name": meta::name(involved),
        "uid": meta::uid(involved),
        "apiVersion": involved.get("apiVersion").cloned().unwrap_or(Value::Null),
        "resourceVersion": meta::str_at(involved, "/metadata/resourceVersion").unwrap_or(""),
    });
    crate::api::internal_create(
        st,
        &core,
        json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "involvedObject": reference, "reason": reason, "message": message, "type": ty,
            "source": {"component": component}, "firstTimestamp": now, "lastTimestamp": now, "count": 1,
            "reportingComponent": component, "reportingInstance": "", "eventTime": null}),
    );
    crate::api::internal_create(
        st,
        &ResKey::new("events.k8s.io", "events"),
        json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": name, "namespace": ns},
            "regarding": reference, "reason": reason, "note": message, "type": ty,
            "eventTime": micro, "reportingController": component, "reportingInstance": format!("{component}-sim"),
            "action": reason}),
    );
}
