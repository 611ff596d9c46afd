//! User values as `helm install/template` builds them: `-f` files
//! (`pkg/chart/v2/loader.LoadValues`: multi-document YAML merged in order) and
//! `pkg/cli/values.Options.MergeValues` (files, then `--set-json`, `--set`,
//! `--set-string`, `--set-file`, `--set-literal`).

use std::cell::RefCell;
use std::rc::Rc;

use crate::value::{Map, Value};

use super::{literal, strvals, ValuesError};
use crate::json;

/// Every way `helm` takes user values, in the flags' own order.
#[derive(Clone, Debug, Default)]
pub struct MergeOptions {
    /// `-f/--values` file names (read through the reader).
    pub value_files: Vec<String>,
    /// `--set-json` expressions (`key=JSON` or a whole JSON object).
    pub json_values: Vec<String>,
    /// `--set` expressions.
    pub values: Vec<String>,
    /// `--set-string` expressions.
    pub string_values: Vec<String>,
    /// `--set-file` expressions (`key=path`).
    pub file_values: Vec<String>,
    /// `--set-literal` expressions.
    pub literal_values: Vec<String>,
}

/// Reads a file named on the command line (`-f` or `--set-file`): its bytes, or the
/// error text Helm would print (e.g. `open x.yaml: no such file or directory`).
pub type ReadFile<'r> = &'r mut dyn FnMut(&str) -> Result<Vec<u8>, String>;

/// `values.Options.MergeValues`: builds the user values map.
///
/// # Errors
/// Helm's messages: a file that cannot be read or parsed (`failed to parse NAME: ...`),
/// or a malformed `--set*` expression (`failed parsing --set data: ...`).
pub fn merge_values(opts: &MergeOptions, read: ReadFile<'_>) -> Result<Value, ValuesError> {
    let mut base = Map::new();
    for name in &opts.value_files {
        let raw = read(name).map_err(ValuesError::ReadFile)?;
        let text = String::from_utf8_lossy(&raw);
        let current = load_values(&text).map_err(|message| ValuesError::ParseFile {
            file: name.clone(),
            message,
        })?;
        base = merge_maps(&base, &current);
    }
    let mut base = Value::from_map(base);
    for value in &opts.json_values {
        let trimmed = value.trim();
        if trimmed.starts_with('{') {
            let parsed = json::parse(trimmed).map_err(|_| {
                ValuesError::SetJson(format!("failed parsing --set-json data JSON: {value}"))
            })?;
            let map = match parsed {
                Value::Map(m) => m.borrow().clone(),
                _ => Map::new(),
            };
            let merged = merge_maps(&map_of(&base), &map);
            base = Value::from_map(merged);
        } else if strvals::parse_set_json(value, &mut base).is_err() {
            return Err(ValuesError::SetJson(format!(
                "failed parsing --set-json data {value}"
            )));
        }
    }
    for value in &opts.values {
        strvals::parse_set(value, &mut base).map_err(|e| ValuesError::Set("--set", e.0))?;
    }
    for value in &opts.string_values {
        strvals::parse_set_string(value, &mut base)
            .map_err(|e| ValuesError::Set("--set-string", e.0))?;
    }
    for value in &opts.file_values {
        let mut reader = |path: &str| -> Result<Value, String> {
            let bytes = read(path)?;
            Ok(Value::from(String::from_utf8_lossy(&bytes).into_owned()))
        };
        strvals::parse_set_file(value, &mut base, &mut reader)
            .map_err(|e| ValuesError::Set("--set-file", e.0))?;
    }
    for value in &opts.literal_values {
        literal::parse_set_literal(value, &mut base)
            .map_err(|e| ValuesError::Set("--set-literal", e.0))?;
    }
    Ok(base)
}

fn map_of(v: &Value) -> Map {
    match v {
        Value::Map(m) => m.borrow().clone(),
        _ => Map::new(),
    }
}

/// `loader.LoadValues`: each YAML document of a values file (split as
/// `k8s.io/apimachinery`'s `YAMLReader` splits them) parsed by Helm's YAML reader into a
/// map, the maps merged in order with [`merge_maps`].
///
/// # Errors
/// `error reading yaml document: ...` for a bad separator line, `cannot unmarshal yaml
/// document: ...` for a document that is not a map or not YAML.
pub fn load_values(text: &str) -> Result<Map, String> {
    load_values_with(text, &|doc| {
        crate::yaml::parse_map(doc).map_err(|e| e.message)
    })
}

/// [`load_values`] with the document parser passed in: `sigs.k8s.io/yaml.Unmarshal`
/// into a map (nil documents give an empty map; errors are its full message).
pub(crate) fn load_values_with(
    text: &str,
    parse: &dyn Fn(&str) -> Result<Value, String>,
) -> Result<Map, String> {
    let mut values = Map::new();
    for doc in split_documents(text)? {
        let current = match parse(&doc) {
            Ok(Value::Map(m)) => m.borrow().clone(),
            Ok(_) => Map::new(),
            Err(e) => return Err(format!("cannot unmarshal yaml document: {e}")),
        };
        values = merge_maps(&values, &current);
    }
    Ok(values)
}

/// `YAMLReader.Read` over the whole text: documents split at lines starting with `---`
/// followed by nothing but spaces or a comment; line ends normalised to `\n` as
/// `bufio.ReadLine` does; empty documents dropped.
///
/// # Errors
/// `error reading yaml document: invalid Yaml document separator: REST`.
pub fn split_documents(text: &str) -> Result<Vec<String>, String> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    let mut lines: Vec<&str> = text.split('\n').collect();
    if text.ends_with('\n') || text.is_empty() {
        lines.pop();
    }
    for line in lines {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(format!(
                    "error reading yaml document: invalid Yaml document separator: {trimmed}"
                ));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
            }
            continue;
        }
        buf.push_str(line);
        buf.push('\n');
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

/// `loader.MergeMaps(a, b)`: a new map with `b`'s keys winning; where both hold maps
/// they are merged recursively (into new maps; other values are shared).
pub fn merge_maps(a: &Map, b: &Map) -> Map {
    let mut out = a.clone();
    for (k, v) in b {
        if let Value::Map(bm) = v {
            if let Some(Value::Map(am)) = out.get(k) {
                let merged = merge_maps(&am.borrow(), &bm.borrow());
                out.insert(k.clone(), Value::Map(Rc::new(RefCell::new(merged))));
                continue;
            }
        }
        out.insert(k.clone(), v.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_parse(doc: &str) -> Result<Value, String> {
        if doc.trim().is_empty() {
            return Ok(Value::Nil);
        }
        json::parse(doc)
    }

    /// A JSON stand-in for the YAML reader, as `Unmarshal` into a map words errors.
    fn json_map(doc: &str) -> Result<Value, String> {
        match json_parse(doc)? {
            Value::Nil => Ok(Value::new_map()),
            m @ Value::Map(_) => Ok(m),
            _ => Err("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}".into()),
        }
    }

    fn read_fixture(name: &str) -> Result<Vec<u8>, String> {
        match name {
            "a.json" => Ok(br#"{"a": {"x": 1, "y": 2}, "list": [1, 2]}"#.to_vec()),
            "f.txt" => Ok(b"file text\n".to_vec()),
            other => Err(format!("open {other}: no such file or directory")),
        }
    }

    #[test]
    fn documents_split_at_separator_lines() {
        let docs = split_documents("a: 1\n---\nb: 2\r\n--- # c\n---\n\nc: 3").unwrap();
        assert_eq!(docs, vec!["a: 1\n", "b: 2\n", "\nc: 3\n"]);
        assert_eq!(split_documents("").unwrap(), Vec::<String>::new());
        assert_eq!(split_documents("---\n---\n").unwrap(), Vec::<String>::new());
        assert_eq!(
            split_documents("a: 1\n--- b\n").unwrap_err(),
            "error reading yaml document: invalid Yaml document separator: b"
        );
        assert_eq!(
            split_documents("----\n").unwrap_err(),
            "error reading yaml document: invalid Yaml document separator: -"
        );
    }

    #[test]
    fn documents_merge_in_order_and_reject_non_maps() {
        let m = load_values_with(
            "{\"a\": {\"x\": 1}}\n---\n{\"a\": {\"y\": 2}, \"b\": 1}\n---\n",
            &json_map,
        )
        .unwrap();
        assert_eq!(Value::from_map(m).to_string(), "map[a:map[x:1 y:2] b:1]");
        let e = load_values_with("[1]", &json_map).unwrap_err();
        assert_eq!(
            e,
            "cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
    }

    #[test]
    fn merge_maps_replaces_non_maps_and_merges_maps() {
        let a = json_parse(r#"{"a": {"x": 1, "l": [1]}, "s": "x", "m": {"k": 1}}"#).unwrap();
        let b = json_parse(r#"{"a": {"l": [2]}, "s": {"n": 1}, "m": "flat"}"#).unwrap();
        let out = merge_maps(&a.as_map().unwrap().borrow(), &b.as_map().unwrap().borrow());
        assert_eq!(
            Value::from_map(out).to_string(),
            "map[a:map[l:[2] x:1] m:flat s:map[n:1]]"
        );
    }

    #[test]
    fn flags_apply_in_helm_order() {
        let opts = MergeOptions {
            json_values: vec![r#"{"j": {"k": 1}}"#.into(), "a.z=[true]".into()],
            values: vec!["a.x=10,n=1".into()],
            string_values: vec!["n=2".into()],
            file_values: vec!["f=f.txt".into()],
            literal_values: vec!["lit=a,b".into()],
            ..Default::default()
        };
        let mut read = read_fixture;
        let v = merge_values(&opts, &mut read).unwrap();
        assert_eq!(
            v.to_string(),
            "map[a:map[x:10 z:[true]] f:file text\n j:map[k:1] lit:a,b n:2]"
        );
        assert_eq!(v.get("a").unwrap().get("x"), Some(Value::Int(10)));
    }

    #[test]
    fn yaml_values_files_merge_documents() {
        let m = load_values("a:\n  x: 1\n---\na:\n  z: [1, 2]\nb: true\n---\n# only a comment\n")
            .unwrap();
        assert_eq!(
            Value::from_map(m).to_string(),
            "map[a:map[x:1 z:[1 2]] b:true]"
        );
        assert_eq!(
            load_values("- a\n").unwrap_err(),
            "cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
        assert!(load_values("a: [").unwrap_err().starts_with(
            "cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 1:"
        ));
    }

    #[test]
    fn flag_errors_use_helm_words() {
        let mut read = read_fixture;
        let cases: Vec<(MergeOptions, &str)> = vec![
            (
                MergeOptions {
                    values: vec!["a".into()],
                    ..Default::default()
                },
                "failed parsing --set data: key \"a\" has no value",
            ),
            (
                MergeOptions {
                    json_values: vec!["{bad".into()],
                    ..Default::default()
                },
                "failed parsing --set-json data JSON: {bad",
            ),
            (
                MergeOptions {
                    json_values: vec!["a=x".into()],
                    ..Default::default()
                },
                "failed parsing --set-json data a=x",
            ),
            (
                MergeOptions {
                    file_values: vec!["a=nope".into()],
                    ..Default::default()
                },
                "failed parsing --set-file data: open nope: no such file or directory",
            ),
            (
                MergeOptions {
                    value_files: vec!["nope.yaml".into()],
                    ..Default::default()
                },
                "open nope.yaml: no such file or directory",
            ),
        ];
        for (opts, want) in cases {
            assert_eq!(
                merge_values(&opts, &mut read).unwrap_err().to_string(),
                want
            );
        }
    }

    #[test]
    fn documents_split_on_separator_lines() {
        let d = split_documents("a: 1\n---\nb: 2\n--- # c\n---\nc: 3\n").unwrap();
        assert_eq!(d, ["a: 1\n", "b: 2\n", "c: 3\n"]);
        assert!(split_documents("a: 1\n--- x\n")
            .unwrap_err()
            .ends_with("invalid Yaml document separator: x"));
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
