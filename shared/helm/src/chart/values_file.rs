//! Helm's `loader.LoadValues`: a values file may hold several YAML documents (split the
//! way k8s' `YAMLReader` splits them, on `---` lines); each must be a map, and they are
//! merged in order with `MergeMaps` (nested maps merged, anything else replaced).

use crate::value::{Map, Value};

/// Splits a YAML stream into documents as `k8s.io/apimachinery/pkg/util/yaml.YAMLReader`
/// does: a line starting with `---` ends a document; only spaces or a comment may
/// follow the separator; empty documents are skipped.
///
/// # Errors
/// `invalid Yaml document separator: REST`.
pub fn split_documents(text: &str) -> Result<Vec<String>, String> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim_matches(|c: char| c.is_whitespace());
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(format!("invalid Yaml document separator: {trimmed}"));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
            }
            continue;
        }
        buf.push_str(line);
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

/// Helm's `MergeMaps(a, b)`: `b` wins; maps present in both are merged recursively.
pub fn merge_maps(a: &Map, b: &Map) -> Map {
    let mut out = a.clone();
    for (k, v) in b {
        if let (Some(bm), Some(Value::Map(am))) = (v.as_map(), out.get(k)) {
            let merged = merge_maps(&am.borrow(), &bm.borrow());
            out.insert(k.clone(), Value::from_map(merged));
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
    out
}

/// Parses a values file (`values.yaml` or `-f`) into a map, as Helm's `LoadValues`.
///
/// # Errors
/// `error reading yaml document: ...` or `cannot unmarshal yaml document: ...`, with
/// the YAML layer's message inside.
pub fn load_values(data: &[u8]) -> Result<Value, String> {
    let text = String::from_utf8_lossy(data);
    let mut text = text.into_owned();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let docs = split_documents(&text).map_err(|e| format!("error reading yaml document: {e}"))?;
    let mut values = Map::new();
    for doc in docs {
        let v = crate::yaml::parse_map(&doc)
            .map_err(|e| format!("cannot unmarshal yaml document: {e}"))?;
        let current = match v {
            Value::Map(m) => m.borrow().clone(),
            _ => continue,
        };
        values = merge_maps(&values, &current);
    }
    Ok(Value::from_map(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_split_on_separator_lines() {
        let d = split_documents("a: 1\n---\nb: 2\n--- # c\n---\nc: 3\n").unwrap();
        assert_eq!(d, ["a: 1\n", "b: 2\n", "c: 3\n"]);
        assert_eq!(
            split_documents("a: 1\n--- x\n").unwrap_err(),
            "invalid Yaml document separator: x"
        );
    }

    #[test]
    fn merge_is_deep_for_maps_only() {
        let mut a = Map::new();
        let mut inner = Map::new();
        inner.insert("x".into(), Value::Int(1));
        inner.insert("y".into(), Value::Int(2));
        a.insert("m".into(), Value::from_map(inner));
        a.insert("l".into(), Value::from_list(vec![Value::Int(1)]));
        let mut b = Map::new();
        let mut inner = Map::new();
        inner.insert("y".into(), Value::Int(3));
        b.insert("m".into(), Value::from_map(inner));
        b.insert("l".into(), Value::from_list(vec![]));
        let out = merge_maps(&a, &b);
        let m = out["m"].clone();
        assert_eq!(m.get("x"), Some(Value::Int(1)));
        assert_eq!(m.get("y"), Some(Value::Int(3)));
        assert_eq!(out["l"], Value::from_list(vec![]));
    }
}
