//! A minimal OpenAPI v3 index: one document per group-version listing each resource's
//! PATCH operation with its `fieldValidation` parameter, which is what kubectl reads to
//! decide that the server validates fields itself (no schemas are served).

use serde_json::{json, Map, Value};

use crate::registry::Registry;

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: the group-version index.
pub fn root(reg: &Registry) -> Value {
    let mut paths = Map::new();
    for (g, versions) in reg.groups() {
        for v in versions {
            let p = gv_path(&g, &v);
            let doc = group_version(reg, &g, &v).unwrap_or(Value::Null);
            let hash = crate::meta::short_hash(&doc);
            paths.insert(
                p.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{p}?hash={hash}")}),
            );
        }
    }
    json!({"paths": paths})
}

/// `/openapi/v3/api/v1` or `/openapi/v3/apis/GROUP/VERSION`, when served.
pub fn group_version(reg: &Registry, group: &str, version: &str) -> Option<Value> {
    let types = reg.in_group_version(group, version);
    if types.is_empty() {
        return None;
    }
    let params = json!([
        {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
        {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
        {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
        {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": true}},
    ]);
    let mut paths = Map::new();
    for t in types {
        let base = if t.namespaced {
            format!(
                "/{}/namespaces/{{namespace}}/{}/{{name}}",
                gv_path(group, version),
                t.plural
            )
        } else {
            format!("/{}/{}/{{name}}", gv_path(group, version), t.plural)
        };
        let gvk = json!({"group": group, "version": version, "kind": t.kind});
        let op = |verb: &str| {
            json!({"operationId": format!("{verb}{}", t.kind), "parameters": params, "x-kubernetes-action": verb,
                "x-kubernetes-group-version-kind": gvk, "responses": {"200": {"description": "OK"}}})
        };
        paths.insert(base, json!({"get": op("get"), "put": op("put"), "patch": op("patch"), "delete": op("delete")}));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "simcluster"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_version_documents_advertise_field_validation_on_patch() {
        let reg = Registry::default();
        let doc = group_version(&reg, "apps", "v1").unwrap();
        let op = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert_eq!(op["parameters"][0]["name"], "fieldValidation");
        let r = root(&reg);
        assert!(r["paths"]["apis/apps/v1"]["serverRelativeURL"]
            .as_str()
            .unwrap()
            .starts_with("/openapi/v3/apis/apps/v1?hash="));
        assert!(r["paths"]["api/v1"].is_object());
    }
}
