//! Field paths and sets as server-side apply tracks them (`managedFields`' FieldsV1):
//! which lists are associative (merged by key), how items are keyed, and conversion
//! between path sets and the FieldsV1 JSON tree.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    /// a map field (`f:name`)
    F(String),
    /// an associative list item by its key (`k:{"name":"app"}`), canonical JSON
    K(String),
}

/// A path from the object root.
pub type Path = Vec<Seg>;

/// A set of paths: leaves, and (paths ending in [`Seg::K`]) list items themselves.
pub type FieldSet = BTreeSet<Path>;

/// The key fields of an associative list called `field`, when its items allow it.
/// Other lists are atomic: replaced as a whole, owned as one field.
pub fn list_keys(field: &str, items: &[Value]) -> Option<&'static [&'static str]> {
    let keys: &'static [&'static str] = match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims" => &["name"],
        "volumeMounts" => &["mountPath"],
        "volumeDevices" => &["devicePath"],
        "conditions" => &["type"],
        "ownerReferences" => &["uid"],
        "hostAliases" => &["ip"],
        "ports" if items.iter().any(|i| i.get("containerPort").is_some()) => {
            &["containerPort", "protocol"]
        }
        "ports" if items.iter().any(|i| i.get("port").is_some()) => &["port", "protocol"],
        _ => return None,
    };
    let primary = keys[0];
    items
        .iter()
        .all(|i| i.get(primary).is_some_and(|v| !v.is_null()))
        .then_some(keys)
}

fn key_default(field: &str) -> Option<Value> {
    (field == "protocol").then(|| Value::String("TCP".into()))
}

/// The canonical key of a list item: JSON object of its key fields, sorted.
pub fn item_key(keys: &[&str], item: &Value) -> String {
    let mut parts: Vec<(String, Value)> = keys
        .iter()
        .filter_map(|k| {
            item.get(*k)
                .filter(|v| !v.is_null())
                .cloned()
                .or_else(|| key_default(k))
                .map(|v| (k.to_string(), v))
        })
        .collect();
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    let body: Vec<String> = parts
        .iter()
        .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// Whether `item` has the key `key` (canonical JSON from [`item_key`]).
pub fn item_matches(item: &Value, key: &str) -> bool {
    let Ok(Value::Object(k)) = serde_json::from_str::<Value>(key) else {
        return false;
    };
    k.iter().all(|(f, want)| {
        item.get(f)
            .filter(|v| !v.is_null())
            .cloned()
            .or_else(|| key_default(f))
            .as_ref()
            == Some(want)
    })
}

/// Every path set by `v`: leaves, and associative list items.
pub fn paths_of(v: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    walk(v, &mut Vec::new(), None, &mut out);
    out
}

fn walk(v: &Value, path: &mut Path, field: Option<&str>, out: &mut FieldSet) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, c) in m {
                path.push(Seg::F(k.clone()));
                walk(c, path, Some(k), out);
                path.pop();
            }
        }
        Value::Array(items)
            if !items.is_empty() && field.and_then(|f| list_keys(f, items)).is_some() =>
        {
            let keys = field.and_then(|f| list_keys(f, items)).unwrap_or(&[]);
            for item in items {
                path.push(Seg::K(item_key(keys, item)));
                out.insert(path.clone());
                walk(item, path, None, out);
                path.pop();
            }
        }
        _ => {
            out.insert(path.clone());
        }
    }
}

/// The value at `path`.
pub fn get<'a>(v: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut cur = v;
    for seg in path {
        cur = match seg {
            Seg::F(name) => cur.get(name)?,
            Seg::K(key) => cur.as_array()?.iter().find(|i| item_matches(i, key))?,
        };
    }
    Some(cur)
}

/// Removes the value at `path` (a list item for a path ending in [`Seg::K`]).
pub fn remove(v: &mut Value, path: &[Seg]) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    let mut cur = v;
    for seg in parent_path {
        let next = match seg {
            Seg::F(name) => cur.get_mut(name),
            Seg::K(key) => cur
                .as_array_mut()
                .and_then(|a| a.iter_mut().find(|i| item_matches(i, key))),
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    match last {
        Seg::F(name) => {
            if let Some(m) = cur.as_object_mut() {
                m.remove(name);
            }
        }
        Seg::K(key) => {
            if let Some(a) = cur.as_array_mut() {
                a.retain(|i| !item_matches(i, key));
            }
        }
    }
}

/// `.spec.template.spec.containers[name="app"].image`, as conflict messages print it.
pub fn display(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::F(n) => {
                s.push('.');
                s.push_str(n);
            }
            Seg::K(k) => {
                let inner: Vec<String> = match serde_json::from_str::<Value>(k) {
                    Ok(Value::Object(m)) => m.iter().map(|(f, v)| format!("{f}={v}")).collect(),
                    _ => vec![k.clone()],
                };
                s.push('[');
                s.push_str(&inner.join(","));
                s.push(']');
            }
        }
    }
    s
}

/// The FieldsV1 tree of a set.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut node = &mut root;
        for seg in path {
            let key = match seg {
                Seg::F(n) => format!("f:{n}"),
                Seg::K(k) => format!("k:{k}"),
            };
            let entry = node.entry(key).or_insert_with(|| Value::Object(Map::new()));
            node = match entry {
                Value::Object(m) => m,
                _ => unreachable!("FieldsV1 nodes are objects"),
            };
        }
        if matches!(path.last(), Some(Seg::K(_))) {
            node.insert(".".into(), Value::Object(Map::new()));
        }
    }
    Value::Object(root)
}

/// The set a FieldsV1 tree describes; unknown entries (`v:`, `i:`) are skipped.
pub fn from_fields_v1(v: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    read_node(v, &mut Vec::new(), &mut out);
    out
}

fn read_node(v: &Value, path: &mut Path, out: &mut FieldSet) {
    let Some(m) = v.as_object() else {
        return;
    };
    for (k, child) in m {
        if k == "." {
            if !path.is_empty() {
                out.insert(path.clone());
            }
            continue;
        }
        let seg = if let Some(n) = k.strip_prefix("f:") {
            Seg::F(n.to_string())
        } else if let Some(key) = k.strip_prefix("k:") {
            Seg::K(key.to_string())
        } else {
            continue;
        };
        path.push(seg);
        if child.as_object().is_none_or(|c| c.is_empty()) {
            out.insert(path.clone());
        } else {
            read_node(child, path, out);
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy() -> Value {
        json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "app", "image": "nginx", "ports": [{"containerPort": 80}]}]}}},
            "metadata": {"labels": {"app": "web"}}})
    }

    #[test]
    fn containers_are_keyed_by_name_and_ports_by_port_and_protocol() {
        let set = paths_of(&deploy());
        let image = vec![
            Seg::F("spec".into()),
            Seg::F("template".into()),
            Seg::F("spec".into()),
            Seg::F("containers".into()),
            Seg::K(r#"{"name":"app"}"#.into()),
            Seg::F("image".into()),
        ];
        assert!(set.contains(&image));
        assert!(set
            .iter()
            .any(|p| p.last() == Some(&Seg::K(r#"{"containerPort":80,"protocol":"TCP"}"#.into()))));
        assert_eq!(get(&deploy(), &image), Some(&json!("nginx")));
        assert_eq!(
            display(&image),
            r#".spec.template.spec.containers[name="app"].image"#
        );
    }

    #[test]
    fn fields_v1_round_trips() {
        let set = paths_of(&deploy());
        let v1 = to_fields_v1(&set);
        assert!(v1
            .pointer("/f:spec/f:template/f:spec/f:containers/k:{\"name\":\"app\"}/.")
            .is_some());
        assert_eq!(from_fields_v1(&v1), set);
    }

    #[test]
    fn remove_drops_fields_and_keyed_items() {
        let mut d = deploy();
        remove(
            &mut d,
            &[
                Seg::F("metadata".into()),
                Seg::F("labels".into()),
                Seg::F("app".into()),
            ],
        );
        assert_eq!(d["metadata"]["labels"], json!({}));
        let item = vec![
            Seg::F("spec".into()),
            Seg::F("template".into()),
            Seg::F("spec".into()),
            Seg::F("containers".into()),
            Seg::K(r#"{"name":"app"}"#.into()),
        ];
        remove(&mut d, &item);
        assert_eq!(d["spec"]["template"]["spec"]["containers"], json!([]));
    }

    #[test]
    fn lists_without_known_keys_are_atomic() {
        let set = paths_of(&json!({"spec": {"args": ["a", "b"]}}));
        assert_eq!(set.len(), 1);
        assert!(list_keys("containers", &[json!({"image": "x"})]).is_none());
    }
}
