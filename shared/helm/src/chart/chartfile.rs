//! Decoding `Chart.yaml` / `requirements.yaml` into [`Metadata`] the way Helm's
//! `yaml.Unmarshal(data, &metadata)` does: YAML -> JSON -> Go struct, with JSON's
//! case-insensitive field matching, numbers and bools read into string fields as their Go
//! text, and encoding/json's type-mismatch messages.

use std::rc::Rc;

use super::metadata::{Dependency, Maintainer, Metadata};
use super::yamlnode::{self, Node, Scalar};

/// Wraps a JSON decoding message as sigs.k8s.io/yaml does.
pub(crate) fn json_err(msg: String) -> String {
    format!("error unmarshaling JSON: while decoding JSON: json: {msg}")
}

/// encoding/json's `UnmarshalTypeError` text.
pub(crate) fn type_err(node: &Node, strukt: &str, path: &str, ty: &str) -> String {
    json_err(format!(
        "cannot unmarshal {} into Go struct field {strukt}.{path} of type {ty}",
        yamlnode::json_kind(node)
    ))
}

/// Decodes one YAML text onto `md` (fields absent from the text are left as they are).
///
/// # Errors
/// `error converting YAML to JSON: yaml: ...` for syntax errors, `error unmarshaling
/// JSON: ...` for type mismatches, as sigs.k8s.io/yaml words them.
pub fn decode_into(md: &mut Metadata, text: &str) -> Result<(), String> {
    let root = yamlnode::parse(text).map_err(|e| {
        // Prefer the go-yaml wording of the YAML layer when it also refuses the text.
        match crate::yaml::parse(text) {
            Err(y) => y.to_string(),
            Ok(_) => format!("error converting YAML to JSON: {e}"),
        }
    })?;
    let Some(root) = root else {
        return Ok(());
    };
    // sigs.k8s.io/yaml converts the whole document first: bad keys fail it.
    let raw =
        yamlnode::to_value(&root).map_err(|e| format!("error converting YAML to JSON: {e}"))?;
    let items = match &*root {
        Node::Map(items) => items,
        Node::Scalar { .. } if matches!(yamlnode::scalar_of(&root), Some(Scalar::Null)) => {
            return Ok(())
        }
        other => {
            return Err(json_err(format!(
                "cannot unmarshal {} into Go value of type v2.Metadata",
                yamlnode::json_kind(other)
            )))
        }
    };
    if md.raw.is_nil() {
        md.raw = raw;
    }
    for (key, val) in sorted_fields(items)? {
        decode_field(md, &key, &val)?;
    }
    Ok(())
}

/// Decodes one `Chart.yaml` field (key matched case-insensitively) onto `md`; returns
/// whether the key names a `Metadata` field.
///
/// # Errors
/// Type mismatches, in encoding/json's words.
pub fn decode_field(md: &mut Metadata, key: &str, v: &Node) -> Result<bool, String> {
    let f = |field: &str| type_err(v, "Metadata", field, "string");
    match key.to_ascii_lowercase().as_str() {
        "name" => set_str(&mut md.name, v).map_err(|_| f("name"))?,
        "home" => set_str(&mut md.home, v).map_err(|_| f("home"))?,
        "sources" => set_list(&mut md.sources, v, "Metadata", "sources")?,
        "version" => set_str(&mut md.version, v).map_err(|_| f("version"))?,
        "description" => set_str(&mut md.description, v).map_err(|_| f("description"))?,
        "keywords" => set_list(&mut md.keywords, v, "Metadata", "keywords")?,
        "maintainers" => decode_maintainers(md, v)?,
        "icon" => set_str(&mut md.icon, v).map_err(|_| f("icon"))?,
        "apiversion" => set_str(&mut md.api_version, v).map_err(|_| f("apiVersion"))?,
        "condition" => set_str(&mut md.condition, v).map_err(|_| f("condition"))?,
        "tags" => set_str(&mut md.tags, v).map_err(|_| f("tags"))?,
        "appversion" => set_str(&mut md.app_version, v).map_err(|_| f("appVersion"))?,
        "deprecated" => set_bool(&mut md.deprecated, v, "Metadata", "deprecated")?,
        "annotations" => decode_annotations(md, v)?,
        "kubeversion" => set_str(&mut md.kube_version, v).map_err(|_| f("kubeVersion"))?,
        "dependencies" => decode_dependencies(md, v)?,
        "type" => set_str(&mut md.chart_type, v).map_err(|_| f("type"))?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Map entries in the order encoding/json sees them: sorted keys (JSON marshalling of
/// a Go map), so that of two keys differing only in case the later one wins.
pub(crate) fn sorted_fields(
    items: &[(Rc<Node>, Rc<Node>)],
) -> Result<Vec<(String, Rc<Node>)>, String> {
    let mut entries =
        yamlnode::map_entries(items).map_err(|e| format!("error converting YAML to JSON: {e}"))?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

/// A string field: scalars become their Go text, null leaves the field unchanged.
pub(crate) fn set_str(out: &mut String, v: &Node) -> Result<(), ()> {
    match yamlnode::scalar_of(v) {
        None => Err(()),
        Some(s) => {
            if let Some(t) = yamlnode::scalar_as_go_string(&s) {
                *out = t;
            }
            Ok(())
        }
    }
}

/// A bool field.
pub(crate) fn set_bool(out: &mut bool, v: &Node, strukt: &str, path: &str) -> Result<(), String> {
    match yamlnode::scalar_of(v) {
        Some(Scalar::Bool(b)) => {
            *out = b;
            Ok(())
        }
        Some(Scalar::Null) => Ok(()),
        _ => Err(type_err(v, strukt, path, "bool")),
    }
}

/// A `[]string` field.
pub(crate) fn set_list(
    out: &mut Vec<String>,
    v: &Node,
    strukt: &str,
    path: &str,
) -> Result<(), String> {
    match v {
        Node::Seq(items) => {
            let mut list = Vec::with_capacity(items.len());
            for it in items {
                let mut s = String::new();
                set_str(&mut s, it).map_err(|_| type_err(it, strukt, path, "string"))?;
                list.push(s);
            }
            *out = list;
            Ok(())
        }
        _ if matches!(yamlnode::scalar_of(v), Some(Scalar::Null)) => {
            out.clear();
            Ok(())
        }
        _ => Err(type_err(v, strukt, path, "[]string")),
    }
}

fn decode_annotations(md: &mut Metadata, v: &Node) -> Result<(), String> {
    match v {
        Node::Map(items) => {
            md.has_annotations = true;
            for (k, val) in sorted_fields(items)? {
                let mut s = String::new();
                set_str(&mut s, &val)
                    .map_err(|_| type_err(&val, "Metadata", "annotations", "string"))?;
                md.annotations.insert(k, s);
            }
            Ok(())
        }
        _ if matches!(yamlnode::scalar_of(v), Some(Scalar::Null)) => {
            md.annotations.clear();
            md.has_annotations = false;
            Ok(())
        }
        _ => Err(type_err(v, "Metadata", "annotations", "map[string]string")),
    }
}

fn decode_maintainers(md: &mut Metadata, v: &Node) -> Result<(), String> {
    md.maintainers.clear();
    md.null_maintainer = false;
    let items = match v {
        Node::Seq(items) => items,
        _ if matches!(yamlnode::scalar_of(v), Some(Scalar::Null)) => return Ok(()),
        _ => return Err(type_err(v, "Metadata", "maintainers", "[]*v2.Maintainer")),
    };
    for it in items {
        let fields = match &**it {
            Node::Map(f) => f,
            n if matches!(yamlnode::scalar_of(n), Some(Scalar::Null)) => {
                md.null_maintainer = true;
                continue;
            }
            n => return Err(type_err(n, "Metadata", "maintainers", "v2.Maintainer")),
        };
        let mut m = Maintainer::default();
        for (key, val) in sorted_fields(fields)? {
            let e = |f: &str| type_err(&val, "Maintainer", &format!("maintainers.{f}"), "string");
            match key.to_ascii_lowercase().as_str() {
                "name" => set_str(&mut m.name, &val).map_err(|_| e("name"))?,
                "email" => set_str(&mut m.email, &val).map_err(|_| e("email"))?,
                "url" => set_str(&mut m.url, &val).map_err(|_| e("url"))?,
                _ => {}
            }
        }
        md.maintainers.push(m);
    }
    Ok(())
}

fn decode_dependencies(md: &mut Metadata, v: &Node) -> Result<(), String> {
    md.dependencies.clear();
    md.null_dependency_at = None;
    let items = match v {
        Node::Seq(items) => items,
        _ if matches!(yamlnode::scalar_of(v), Some(Scalar::Null)) => return Ok(()),
        _ => return Err(type_err(v, "Metadata", "dependencies", "[]*v2.Dependency")),
    };
    for it in items {
        match &**it {
            Node::Map(fields) => {
                let d = decode_dependency(fields, "Dependency", "dependencies")?;
                md.dependencies.push(d);
            }
            n if matches!(yamlnode::scalar_of(n), Some(Scalar::Null)) => {
                if md.null_dependency_at.is_none() {
                    md.null_dependency_at = Some(md.dependencies.len());
                }
            }
            n => return Err(type_err(n, "Metadata", "dependencies", "v2.Dependency")),
        }
    }
    Ok(())
}

/// Decodes one dependency map (`Chart.yaml`, `requirements.yaml`, lock files).
///
/// # Errors
/// Type mismatches, in encoding/json's words.
pub(crate) fn decode_dependency(
    fields: &[(Rc<Node>, Rc<Node>)],
    strukt: &str,
    prefix: &str,
) -> Result<Dependency, String> {
    let mut d = Dependency::default();
    for (key, val) in sorted_fields(fields)? {
        let path = |f: &str| format!("{prefix}.{f}");
        let e = |f: &str| type_err(&val, strukt, &path(f), "string");
        match key.to_ascii_lowercase().as_str() {
            "name" => set_str(&mut d.name, &val).map_err(|_| e("name"))?,
            "version" => set_str(&mut d.version, &val).map_err(|_| e("version"))?,
            "repository" => set_str(&mut d.repository, &val).map_err(|_| e("repository"))?,
            "condition" => set_str(&mut d.condition, &val).map_err(|_| e("condition"))?,
            "tags" => set_list(&mut d.tags, &val, strukt, &path("tags"))?,
            "enabled" => set_bool(&mut d.enabled, &val, strukt, &path("enabled"))?,
            "import-values" => match &*val {
                Node::Seq(items) => {
                    d.import_values = items
                        .iter()
                        .map(|i| yamlnode::to_value(i))
                        .collect::<Result<_, _>>()
                        .map_err(|e| format!("error converting YAML to JSON: {e}"))?;
                }
                n if matches!(yamlnode::scalar_of(n), Some(Scalar::Null)) => {
                    d.import_values.clear()
                }
                n => {
                    return Err(type_err(
                        n,
                        strukt,
                        &path("import-values"),
                        "[]interface {}",
                    ))
                }
            },
            "alias" => set_str(&mut d.alias, &val).map_err(|_| e("alias"))?,
            _ => {}
        }
    }
    Ok(d)
}

/// Parses a `Chart.yaml` text into fresh metadata (`apiVersion` defaulting to `v1` as
/// Helm's loader does), without validating it.
///
/// # Errors
/// As [`decode_into`], prefixed `cannot load Chart.yaml: `.
pub fn parse_chart_yaml(text: &str) -> Result<Metadata, String> {
    let mut md = Metadata::default();
    decode_into(&mut md, text).map_err(|e| format!("cannot load Chart.yaml: {e}"))?;
    if md.api_version.is_empty() {
        md.api_version = "v1".into();
    }
    Ok(md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_string_fields_become_go_text() {
        let md = parse_chart_yaml(
            "apiVersion: v2\nname: t\nversion: 1.10.0\nappVersion: 1.10\nkubeVersion: 010\ndescription: 1e3\nicon: true\n",
        )
        .unwrap();
        assert_eq!(md.app_version, "1.1");
        assert_eq!(md.kube_version, "8");
        assert_eq!(md.description, "1000");
        assert_eq!(md.icon, "true");
        assert_eq!(md.version, "1.10.0");
    }

    #[test]
    fn type_mismatches_use_encoding_json_words() {
        let e = parse_chart_yaml("name: t\ndeprecated: \"yes\"\n").unwrap_err();
        assert_eq!(e, "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field Metadata.deprecated of type bool");
        let e = parse_chart_yaml("maintainers:\n- name: [1]\n").unwrap_err();
        assert!(e.ends_with("cannot unmarshal array into Go struct field Maintainer.maintainers.name of type string"), "{e}");
        let e = parse_chart_yaml("keywords: abc\n").unwrap_err();
        assert!(e.ends_with("Metadata.keywords of type []string"), "{e}");
        let e = parse_chart_yaml("annotations:\n  a: {b: 1}\n").unwrap_err();
        assert!(e.ends_with("Metadata.annotations of type string"), "{e}");
        let e = parse_chart_yaml("- a\n").unwrap_err();
        assert!(
            e.ends_with("cannot unmarshal array into Go value of type v2.Metadata"),
            "{e}"
        );
    }

    #[test]
    fn keys_match_case_insensitively_last_sorted_wins() {
        let md = parse_chart_yaml("name: t1\nName: t2\nAPIVERSION: v2\n").unwrap();
        assert_eq!(md.name, "t1");
        assert_eq!(md.api_version, "v2");
    }

    #[test]
    fn empty_file_defaults_to_v1() {
        let md = parse_chart_yaml("").unwrap();
        assert_eq!(md.api_version, "v1");
        assert!(md.name.is_empty());
    }

    #[test]
    fn dependencies_and_nulls() {
        let mut md = parse_chart_yaml(
            "apiVersion: v2\nname: t\nversion: 1.0.0\ndependencies:\n- name: a\n  version: ~1.0\n  repository: https://x\n  tags: [x, 1]\n  enabled: true\n  import-values: [data, {child: c, parent: p}]\n  alias: b\n",
        )
        .unwrap();
        md.validate().unwrap();
        let d = &md.dependencies[0];
        assert_eq!(d.tags, ["x", "1"]);
        assert!(d.enabled);
        assert_eq!(d.import_values.len(), 2);
        let mut md =
            parse_chart_yaml("apiVersion: v2\nname: t\nversion: 1.0.0\ndependencies:\n-\n")
                .unwrap();
        assert_eq!(
            md.validate().unwrap_err().to_string(),
            "validation: dependencies must not contain empty or null nodes"
        );
        let mut md =
            parse_chart_yaml("apiVersion: v2\nname: t\nversion: 1.0.0\nmaintainers:\n-\n").unwrap();
        assert_eq!(
            md.validate().unwrap_err().to_string(),
            "validation: maintainers must not contain empty or null nodes"
        );
    }

    #[test]
    fn syntax_errors_are_wrapped() {
        let e = parse_chart_yaml("name: [\n").unwrap_err();
        assert!(
            e.starts_with("cannot load Chart.yaml: error converting YAML to JSON: yaml: line"),
            "{e}"
        );
    }
}
