//! YAML as Helm reads and writes it: sigs.k8s.io/yaml over go-yaml v2 (YAML 1.1 scalars,
//! every number read into `interface{}` becomes a float64, keys become strings) and its
//! emitter (sorted keys, go-yaml v2 quoting, folding and indentation); `toYamlPretty`'s
//! go-yaml v3 encoder.

mod decode;
mod emit;
mod fast;
mod parse;
pub(crate) mod resolve;
mod sort;

use std::cmp::Ordering;
use std::rc::Rc;

use crate::value::Value;
use emit::{ENode, Options, Style};
use resolve::{resolve_v2, Resolved};

/// A YAML syntax or conversion error, in go-yaml's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// e.g. `yaml: line 3: mapping values are not allowed in this context`
    pub message: String,
}

impl YamlError {
    /// An error with this exact message.
    pub fn new(message: impl Into<String>) -> YamlError {
        YamlError {
            message: message.into(),
        }
    }
}

/// The YAML-to-JSON half of `sigs.k8s.io/yaml.Unmarshal` for one parsed document.
fn doc_to_value(node: Option<&parse::Node>) -> Result<Value, YamlError> {
    let wrap = |m: String| YamlError::new(format!("error converting YAML to JSON: {m}"));
    let Some(node) = node else {
        return Ok(Value::Nil);
    };
    let go = decode::decode(node).map_err(wrap)?;
    decode::to_json_value(&go).map_err(wrap)
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &interface{})`: the first document.
///
/// # Errors
/// Malformed YAML, with go-yaml's message wrapped as sigs.k8s.io/yaml wraps it.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    if let Some(v) = fast::parse_value(text.strip_prefix('\u{FEFF}').unwrap_or(text)) {
        return Ok(v);
    }
    let doc = parse::parse_first(text)
        .map_err(|e| YamlError::new(format!("error converting YAML to JSON: {}", e.message)))?;
    doc_to_value(doc.as_ref())
}

/// Every document of a stream, each as [`parse`] reads one (an empty document is nil).
///
/// # Errors
/// The first malformed document's error.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, YamlError> {
    let docs = parse::parse_documents(text)
        .map_err(|e| YamlError::new(format!("error converting YAML to JSON: {}", e.message)))?;
    docs.iter().map(|d| doc_to_value(d.as_ref())).collect()
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) | Value::Bytes(_) => "array",
        Value::Map(_) => "object",
        Value::Str(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    }
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &map[string]interface{})` (Helm's values files and
/// `fromYaml`): a nil document gives an empty map.
///
/// # Errors
/// Malformed YAML, or a document that is not a mapping
/// (`error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go
/// value of type map[string]interface {}`).
pub fn parse_map(text: &str) -> Result<Value, YamlError> {
    match parse(text)? {
        Value::Nil => Ok(Value::new_map()),
        v @ Value::Map(_) => Ok(v),
        other => Err(YamlError::new(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        ))),
    }
}

/// Helm's values-file read (`chartutil.ReadValues`): like [`parse_map`], but type errors
/// name Helm's `common.Values` type.
///
/// # Errors
/// Malformed YAML, or a document that is not a mapping.
pub fn parse_values(text: &str) -> Result<Value, YamlError> {
    parse_map(text).map_err(|e| {
        YamlError::new(e.message.replace(
            "Go value of type map[string]interface {}",
            "Go value of type common.Values",
        ))
    })
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &[]interface{})` (`fromYamlArray`).
///
/// # Errors
/// Malformed YAML, or a document that is not a sequence.
pub fn parse_list(text: &str) -> Result<Value, YamlError> {
    match parse(text)? {
        Value::Nil => Ok(Value::from_list(Vec::new())),
        v @ Value::List(_) => Ok(v),
        other => Err(YamlError::new(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind(&other)
        ))),
    }
}

fn go_float_text(f: f64) -> String {
    match crate::gofmt::format_float_g(f).as_str() {
        "+Inf" => ".inf".into(),
        "-Inf" => "-.inf".into(),
        "NaN" => ".nan".into(),
        s => s.to_string(),
    }
}

/// A JSON number's text as go-yaml v2 reads it back and writes it (`8080`, `1e+21`).
fn v2_number(json_text: &str) -> String {
    match resolve_v2(json_text) {
        Resolved::Int(i) => i.to_string(),
        Resolved::Uint(u) => u.to_string(),
        Resolved::Float(f) => go_float_text(f),
        _ => json_text.to_string(),
    }
}

/// What a string becomes after `json.Marshal` and go-yaml v2 reading the JSON text
/// back: JSON writes U+0085 raw, and YAML folds it as a line break in a quoted scalar.
fn json_yaml_string(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('\u{85}') {
        return std::borrow::Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\u{85}' {
            while out.ends_with(' ') {
                out.pop();
            }
            let mut breaks = 0;
            while i < chars.len() && (chars[i] == '\u{85}' || chars[i] == ' ') {
                if chars[i] == '\u{85}' {
                    breaks += 1;
                }
                i += 1;
            }
            if breaks == 1 {
                out.push(' ');
            } else {
                for _ in 1..breaks {
                    out.push('\n');
                }
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    std::borrow::Cow::Owned(out)
}

fn v2_string(s: &str) -> ENode {
    let s: &str = &json_yaml_string(s);
    let can_plain = matches!(resolve_v2(s), Resolved::Str) && !resolve::is_base60_float(s);
    let style = if s.contains('\n') {
        Style::Literal
    } else if can_plain {
        Style::Plain
    } else {
        Style::Double
    };
    ENode::Scalar(s.to_string(), style)
}

fn v3_string(s: &str) -> ENode {
    let style = if s.contains('\n') {
        Style::Literal
    } else if !resolve::v3_needs_quotes(s) {
        Style::Plain
    } else {
        Style::Double
    };
    ENode::Scalar(s.to_string(), style)
}

fn bytes_b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// `json.Marshal` then go-yaml v2 `Unmarshal` into `interface{}`, as nodes to emit.
fn v2_node(v: &Value) -> Result<ENode, YamlError> {
    Ok(match v {
        Value::Nil => ENode::Scalar("null".into(), Style::Plain),
        Value::Bool(b) => ENode::Scalar(b.to_string(), Style::Plain),
        Value::Int(i) => ENode::Scalar(i.to_string(), Style::Plain),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(YamlError::new(format!(
                    "json: unsupported value: {}",
                    crate::gofmt::format_float_g(*f)
                )));
            }
            ENode::Scalar(
                v2_number(&crate::gofmt::format_float_json(*f)),
                Style::Plain,
            )
        }
        Value::Str(s) => v2_string(s),
        Value::Bytes(b) => v2_string(&bytes_b64(b)),
        Value::List(l) => ENode::Seq(l.iter().map(v2_node).collect::<Result<_, _>>()?),
        Value::Map(m) => {
            let m = m.borrow();
            let mut entries: Vec<(&Rc<str>, &Value)> = m.iter().collect();
            sort::sort_by_key_str(&mut entries, |e| e.0, false);
            let mut pairs = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                pairs.push((v2_string(k), v2_node(v)?));
            }
            ENode::Map(pairs)
        }
        Value::Object(o) => match o.to_json_value() {
            Some(v) => return v2_node(&v),
            None => v2_string(&o.format()),
        },
    })
}

/// go-yaml v3 encoding of the Go value itself (no JSON round trip).
fn v3_node(v: &Value) -> ENode {
    match v {
        Value::Nil => ENode::Scalar("null".into(), Style::Plain),
        Value::Bool(b) => ENode::Scalar(b.to_string(), Style::Plain),
        Value::Int(i) => ENode::Scalar(i.to_string(), Style::Plain),
        Value::Float(f) => ENode::Scalar(go_float_text(*f), Style::Plain),
        Value::Str(s) => v3_string(s),
        Value::Bytes(b) => ENode::Seq(
            b.iter()
                .map(|x| ENode::Scalar(x.to_string(), Style::Plain))
                .collect(),
        ),
        Value::List(l) => ENode::Seq(l.iter().map(v3_node).collect()),
        Value::Map(m) => {
            let m = m.borrow();
            let mut entries: Vec<(&Rc<str>, &Value)> = m.iter().collect();
            sort::sort_by_key_str(&mut entries, |e| e.0, true);
            ENode::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| (v3_string(k), v3_node(v)))
                    .collect(),
            )
        }
        Value::Object(o) => match o.to_json_value() {
            Some(v) => v3_node(&v),
            None => v3_string(&o.format()),
        },
    }
}

/// `sigs.k8s.io/yaml.Marshal(v)`: ends with a newline.
///
/// # Errors
/// Values JSON cannot hold (`json: unsupported value: NaN`).
pub fn to_string(v: &Value) -> Result<String, YamlError> {
    let node = v2_node(v)?;
    Ok(emit::emit_document(
        &node,
        Options {
            indent: 2,
            width: Some(80),
            indentless_seq: true,
        },
    ))
}

/// go-yaml v3 `Encoder` with `SetIndent(2)` (Helm's `toYamlPretty`): ends with a newline.
///
/// # Errors
/// None in practice; kept for symmetry with [`to_string`].
pub fn to_string_pretty(v: &Value) -> Result<String, YamlError> {
    Ok(emit::emit_document(
        &v3_node(v),
        Options {
            indent: 2,
            width: None,
            indentless_seq: false,
        },
    ))
}

/// go-yaml v2's natural key order for strings (used by [`to_string`]).
pub fn key_order(a: &str, b: &str) -> Ordering {
    sort::natural_cmp_v2(a, b)
}

#[cfg(test)]
mod tests;
