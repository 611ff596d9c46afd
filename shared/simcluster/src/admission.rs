//! Defaulting and validation per kind, run on every client write before it is stored
//! (what Kubernetes' registry strategies and admission do for the kinds we simulate).

use base64::Engine as _;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::meta;
use crate::registry::ResourceType;
use crate::state::State;

fn set_default(obj: &mut Value, pointer: &str, value: Value) {
    if obj.pointer(pointer).is_some() {
        return;
    }
    let mut parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let Some(last) = parts.pop() else { return };
    let mut cur = obj;
    for p in parts {
        let Some(m) = cur.as_object_mut() else { return };
        cur = m.entry(p.to_string()).or_insert_with(|| json!({}));
    }
    if let Some(m) = cur.as_object_mut() {
        m.insert(last.to_string(), value);
    }
}

/// Defaults and validates `new` (with `old` for updates) for its kind.
///
/// # Errors
/// 422 Invalid naming the field and what is wrong with it.
pub fn admit(
    st: &mut State,
    rt: &ResourceType,
    old: Option<&Value>,
    new: &mut Value,
) -> Result<(), ApiError> {
    let name = meta::name(new).to_string();
    let invalid = |field: &str, msg: String| {
        ApiError::invalid(&rt.group, &rt.kind, &name, &[(field.to_string(), msg)])
    };
    if !rt.custom && rt.kind != "Event" && !meta::is_dns_subdomain(&name) {
        return Err(invalid(
            "metadata.name",
            format!("Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"),
        ));
    }
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") => {
            if rt.kind != "DaemonSet" {
                set_default(new, "/spec/replicas", json!(1));
            }
            set_default(new, "/spec/revisionHistoryLimit", json!(10));
            if rt.kind == "Deployment" {
                set_default(new, "/spec/progressDeadlineSeconds", json!(600));
                set_default(
                    new,
                    "/spec/strategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}),
                );
            }
            if rt.kind == "DaemonSet" {
                set_default(
                    new,
                    "/spec/updateStrategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
                );
            }
            if rt.kind == "StatefulSet" {
                set_default(new, "/spec/podManagementPolicy", json!("OrderedReady"));
                set_default(
                    new,
                    "/spec/updateStrategy",
                    json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
                );
            }
            let Some(sel) = new.pointer("/spec/selector").filter(|s| s.is_object()) else {
                return Err(invalid("spec.selector", "Required value".into()));
            };
            let selector = crate::selectors::LabelSelector::from_object(sel);
            let template = json!({"metadata": {"labels": new.pointer("/spec/template/metadata/labels").cloned().unwrap_or(json!({}))}});
            if selector.is_empty() || !selector.matches(&template) {
                return Err(invalid(
                    "spec.template.metadata.labels",
                    "Invalid value: the template labels do not match the selector: `selector` does not match template `labels`".into(),
                ));
            }
            if new
                .pointer("/spec/template/spec/containers")
                .and_then(Value::as_array)
                .is_none_or(|c| c.is_empty())
            {
                return Err(invalid(
                    "spec.template.spec.containers",
                    "Required value".into(),
                ));
            }
        }
        ("batch", "Job") => {
            set_default(new, "/spec/completions", json!(1));
            set_default(new, "/spec/parallelism", json!(1));
            set_default(new, "/spec/backoffLimit", json!(6));
        }
        ("", "Service") => admit_service(st, old, new),
        ("", "Secret") => {
            set_default(new, "/type", json!("Opaque"));
            if let Some(Value::Object(sd)) =
                new.as_object_mut().and_then(|m| m.remove("stringData"))
            {
                let data = meta::object_at(new, "data");
                for (k, v) in sd {
                    let s = v.as_str().unwrap_or_default();
                    data.insert(
                        k,
                        json!(base64::engine::general_purpose::STANDARD.encode(s)),
                    );
                }
            }
        }
        ("", "Namespace") => {
            meta::object_at(new, "status").insert("phase".into(), json!("Active"));
            set_default(new, "/spec/finalizers", json!(["kubernetes"]));
            let labels = meta::metadata_mut(new)
                .entry("labels")
                .or_insert_with(|| json!({}));
            if let Some(l) = labels.as_object_mut() {
                l.insert("kubernetes.io/metadata.name".into(), json!(name));
            }
        }
        ("", "PersistentVolumeClaim") => {
            set_default(new, "/spec/volumeMode", json!("Filesystem"));
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => admit_crd(rt, new, &name)?,
        _ => {}
    }
    Ok(())
}

fn admit_service(st: &mut State, old: Option<&Value>, new: &mut Value) {
    set_default(new, "/spec/type", json!("ClusterIP"));
    set_default(new, "/spec/sessionAffinity", json!("None"));
    let ty = meta::str_at(new, "/spec/type")
        .unwrap_or("ClusterIP")
        .to_string();
    // Allocated addresses survive writes that do not mention them.
    for field in ["clusterIP", "clusterIPs"] {
        if new.pointer(&format!("/spec/{field}")).is_none() {
            if let Some(v) = old.and_then(|o| o.pointer(&format!("/spec/{field}"))) {
                meta::object_at(new, "spec").insert(field.into(), v.clone());
            }
        }
    }
    if ty != "ExternalName" && new.pointer("/spec/clusterIP").is_none() {
        st.next_service_ip += 1;
        let n = st.next_service_ip;
        let ip = format!("10.96.{}.{}", (n >> 8) & 0xff, n & 0xff);
        let spec = meta::object_at(new, "spec");
        spec.insert("clusterIP".into(), json!(ip));
        spec.insert("clusterIPs".into(), json!([ip]));
    }
    if new.pointer("/spec/clusterIPs").is_none() {
        if let Some(ip) = new.pointer("/spec/clusterIP").cloned() {
            meta::object_at(new, "spec").insert("clusterIPs".into(), json!([ip]));
        }
    }
    if ty != "ExternalName" {
        set_default(new, "/spec/ipFamilies", json!(["IPv4"]));
        set_default(new, "/spec/ipFamilyPolicy", json!("SingleStack"));
        set_default(new, "/spec/internalTrafficPolicy", json!("Cluster"));
    }
    let old_ports = old
        .and_then(|o| o.pointer("/spec/ports"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let needs_node_port = ty == "NodePort" || ty == "LoadBalancer";
    if let Some(ports) = new.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut() {
            let Some(pm) = p.as_object_mut() else {
                continue;
            };
            pm.entry("protocol").or_insert(json!("TCP"));
            if let Some(port) = pm.get("port").cloned() {
                pm.entry("targetPort").or_insert(port.clone());
                if needs_node_port && !pm.contains_key("nodePort") {
                    let prev = old_ports
                        .iter()
                        .find(|o| o.get("port") == Some(&port))
                        .and_then(|o| o.get("nodePort"))
                        .cloned();
                    let np = prev.unwrap_or_else(|| {
                        st.next_node_port += 1;
                        json!(st.next_node_port)
                    });
                    pm.insert("nodePort".into(), np);
                }
            }
        }
    }
}

fn admit_crd(rt: &ResourceType, new: &mut Value, name: &str) -> Result<(), ApiError> {
    let plural = meta::str_at(new, "/spec/names/plural")
        .unwrap_or_default()
        .to_string();
    let group = meta::str_at(new, "/spec/group")
        .unwrap_or_default()
        .to_string();
    let mut causes = Vec::new();
    if group.is_empty() {
        causes.push(("spec.group".to_string(), "Required value".to_string()));
    }
    if plural.is_empty() {
        causes.push((
            "spec.names.plural".to_string(),
            "Required value".to_string(),
        ));
    }
    if meta::str_at(new, "/spec/names/kind").is_none() {
        causes.push(("spec.names.kind".to_string(), "Required value".to_string()));
    }
    if new
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .is_none_or(|v| v.is_empty())
    {
        causes.push((
            "spec.versions".to_string(),
            "Required value: must have exactly one version marked as storage version".to_string(),
        ));
    }
    if causes.is_empty() && name != format!("{plural}.{group}") {
        causes.push((
            "metadata.name".to_string(),
            format!("Invalid value: {name:?}: must be spec.names.plural+\".\"+spec.group"),
        ));
    }
    if !causes.is_empty() {
        return Err(ApiError::invalid(&rt.group, &rt.kind, name, &causes));
    }
    let now = meta::now();
    let stored: Vec<Value> = new
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
        .filter_map(|v| v.get("name").cloned())
        .collect();
    let names = new.pointer("/spec/names").cloned().unwrap_or(json!({}));
    let status = json!({
        "acceptedNames": names,
        "storedVersions": stored,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now},
        ],
    });
    if let Some(m) = new.as_object_mut() {
        m.insert("status".into(), status);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use crate::registry::Registry;

    fn rt(group: &str, kind: &str) -> ResourceType {
        Registry::default().by_kind(group, kind).unwrap().clone()
    }

    #[test]
    fn deployment_gets_defaults_and_needs_a_matching_selector() {
        let mut st = State::new(SimConfig::default());
        let mut d = json!({"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "a", "image": "x"}]}}}});
        admit(&mut st, &rt("apps", "Deployment"), None, &mut d).unwrap();
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(d["spec"]["progressDeadlineSeconds"], 600);
        d["spec"]["template"]["metadata"]["labels"]["app"] = json!("other");
        let err = admit(&mut st, &rt("apps", "Deployment"), None, &mut d).unwrap_err();
        assert_eq!(err.code, 422);
        assert!(
            err.message
                .starts_with("Deployment.apps \"web\" is invalid: spec.template.metadata.labels"),
            "{}",
            err.message
        );
    }

    #[test]
    fn service_gets_a_cluster_ip_that_survives_updates() {
        let mut st = State::new(SimConfig::default());
        let mut s = json!({"metadata": {"name": "web"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}});
        admit(&mut st, &rt("", "Service"), None, &mut s).unwrap();
        let ip = s["spec"]["clusterIP"].clone();
        assert!(ip.as_str().unwrap().starts_with("10.96."));
        assert_eq!(s["spec"]["ports"][0]["targetPort"], 80);
        let np = s["spec"]["ports"][0]["nodePort"].clone();
        let mut again = json!({"metadata": {"name": "web"}, "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]}});
        admit(&mut st, &rt("", "Service"), Some(&s), &mut again).unwrap();
        assert_eq!(again["spec"]["clusterIP"], ip);
        assert_eq!(again["spec"]["ports"][0]["nodePort"], np);
    }

    #[test]
    fn secret_string_data_becomes_base64_data() {
        let mut st = State::new(SimConfig::default());
        let mut s = json!({"metadata": {"name": "s"}, "stringData": {"k": "v"}});
        admit(&mut st, &rt("", "Secret"), None, &mut s).unwrap();
        assert_eq!(s["data"]["k"], "dg==");
        assert!(s.get("stringData").is_none());
    }

    #[test]
    fn crd_name_must_be_plural_dot_group_and_gets_established() {
        let mut st = State::new(SimConfig::default());
        let crt = rt("apiextensions.k8s.io", "CustomResourceDefinition");
        let mut c = json!({"metadata": {"name": "widgets.example.com"}, "spec": {"group": "example.com",
            "names": {"plural": "widgets", "kind": "Widget"}, "scope": "Namespaced",
            "versions": [{"name": "v1", "served": true, "storage": true}]}});
        admit(&mut st, &crt, None, &mut c).unwrap();
        assert_eq!(c["status"]["conditions"][1]["type"], "Established");
        c["metadata"]["name"] = json!("wrong.example.com");
        assert_eq!(admit(&mut st, &crt, None, &mut c).unwrap_err().code, 422);
    }

    #[test]
    fn invalid_names_are_rejected() {
        let mut st = State::new(SimConfig::default());
        let mut cm = json!({"metadata": {"name": "Bad_Name"}});
        assert_eq!(
            admit(&mut st, &rt("", "ConfigMap"), None, &mut cm)
                .unwrap_err()
                .code,
            422
        );
    }
}
