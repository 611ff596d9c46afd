//! A small YAML node tree (over `saphyr-parser`) with go-yaml v2 scalar resolution, for
//! decoding typed files (`Chart.yaml`, `requirements.yaml`, `index.yaml`) the way
//! sigs.k8s.io/yaml decodes into Go structs: a number or bool read into a `string` field
//! becomes its Go text (`1.10` -> `"1.1"`, `010` -> `"8"`), keys match fields
//! case-insensitively, and values without a typed target become JSON-like [`Value`]s.

use std::collections::HashMap;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle};

use crate::gofmt::format_float32_g;
use crate::value::{Map, Value};
use crate::yaml::resolve::{resolve_v2, Resolved};

/// Maximum node visits while expanding aliases (go-yaml's "excessive aliasing" guard).
const MAX_VISITS: usize = 4_000_000;

/// A parsed YAML node.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// A scalar: text, whether it was plain (unquoted, not a block), and its tag.
    Scalar {
        /// The scalar text.
        text: String,
        /// Plain style (subject to implicit typing).
        plain: bool,
        /// A tag such as `!!str`, if given.
        tag: Option<String>,
    },
    /// A sequence.
    Seq(Vec<Rc<Node>>),
    /// A mapping, in document order.
    Map(Vec<(Rc<Node>, Rc<Node>)>),
}

/// A resolved scalar as go-yaml v2 types it for `interface{}`.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// `~`, `null`, empty.
    Null,
    /// `true`, `yes`, `on`, ...
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer above `i64::MAX`.
    Uint(u64),
    /// A float.
    Float(f64),
    /// Anything else (timestamps included).
    Str(String),
}

/// Parses the first document of `text`; `None` for an empty document.
///
/// # Errors
/// A message in go-yaml's shape, `yaml: line N: ...`.
pub fn parse(text: &str) -> Result<Option<Rc<Node>>, String> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut root: Option<Rc<Node>> = None;
    let mut seen_doc = false;
    for item in Parser::new_from_str(text) {
        let (ev, _span) =
            item.map_err(|e| format!("yaml: line {}: {}", e.marker().line().max(1), e.info()))?;
        let node = match ev {
            Event::DocumentStart(_) => {
                if seen_doc {
                    break;
                }
                seen_doc = true;
                continue;
            }
            Event::DocumentEnd => break,
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::Alias(id) => anchors
                .get(&id)
                .cloned()
                .ok_or_else(|| "yaml: unknown anchor referenced".to_string())?,
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let n = Rc::new(Node::Scalar {
                    text: text.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tag,
                });
                if anchor > 0 {
                    anchors.insert(anchor, n.clone());
                }
                n
            }
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(anchor, Vec::new()));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map(anchor, Vec::new(), None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (anchor, n) = match stack.pop() {
                    Some(Frame::Seq(a, items)) => (a, Node::Seq(items)),
                    Some(Frame::Map(a, items, _)) => (a, Node::Map(items)),
                    None => return Err("yaml: unbalanced collection end".into()),
                };
                let n = Rc::new(n);
                if anchor > 0 {
                    anchors.insert(anchor, n.clone());
                }
                n
            }
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, items, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => items.push((k, node)),
            },
        }
    }
    Ok(root)
}

enum Frame {
    Seq(usize, Vec<Rc<Node>>),
    Map(usize, Vec<(Rc<Node>, Rc<Node>)>, Option<Rc<Node>>),
}

/// go-yaml v2's typing of a scalar for an `interface{}` target: `!!str`/`!!binary` and
/// quoted or block scalars stay text; anything else goes through the shared plain-scalar
/// resolver (`yaml::resolve`; timestamps stay text).
pub fn resolve(text: &str, plain: bool, tag: Option<&str>) -> Scalar {
    match tag {
        Some("!!str") | Some("tag:yaml.org,2002:str") => return Scalar::Str(text.into()),
        Some("!!binary") | Some("tag:yaml.org,2002:binary") => return Scalar::Str(text.into()),
        _ => {}
    }
    if !plain && tag.is_none() {
        return Scalar::Str(text.into());
    }
    match resolve_v2(text) {
        Resolved::Null => Scalar::Null,
        Resolved::Bool(b) => Scalar::Bool(b),
        Resolved::Int(i) => Scalar::Int(i),
        Resolved::Uint(u) => Scalar::Uint(u),
        Resolved::Float(f) => Scalar::Float(f),
        Resolved::Timestamp | Resolved::Merge | Resolved::Str => Scalar::Str(text.into()),
    }
}

/// The Go text a scalar gets when decoded into a `string` field; `None` for null.
pub fn scalar_as_go_string(s: &Scalar) -> Option<String> {
    match s {
        Scalar::Null => None,
        Scalar::Bool(b) => Some(b.to_string()),
        Scalar::Int(i) => Some(i.to_string()),
        Scalar::Uint(u) => Some(u.to_string()),
        Scalar::Float(f) => Some(format_float32_g(*f)),
        Scalar::Str(s) => Some(s.clone()),
    }
}

/// A map key as sigs.k8s.io/yaml turns it into a JSON key.
///
/// # Errors
/// Keys JSON cannot hold (null, collections), in go-yaml's words.
pub fn key_string(n: &Node) -> Result<String, String> {
    match n {
        Node::Scalar { text, plain, tag } => match resolve(text, *plain, tag.as_deref()) {
            Scalar::Null => Err("yaml: unsupported map key of type: <nil>".into()),
            s => Ok(scalar_as_go_string(&s).unwrap_or_default()),
        },
        Node::Seq(_) => Err("yaml: invalid map key: []interface {}".into()),
        Node::Map(_) => Err("yaml: invalid map key: map[interface {}]interface {}".into()),
    }
}

/// A scalar node's resolution, or `None` for collections.
pub fn scalar_of(n: &Node) -> Option<Scalar> {
    match n {
        Node::Scalar { text, plain, tag } => Some(resolve(text, *plain, tag.as_deref())),
        _ => None,
    }
}

/// The JSON type name encoding/json reports for a node (`string`, `number`, `array`, ...).
pub fn json_kind(n: &Node) -> &'static str {
    match n {
        Node::Seq(_) => "array",
        Node::Map(_) => "object",
        Node::Scalar { .. } => match scalar_of(n) {
            Some(Scalar::Null) => "null",
            Some(Scalar::Bool(_)) => "bool",
            Some(Scalar::Int(_) | Scalar::Uint(_) | Scalar::Float(_)) => "number",
            _ => "string",
        },
    }
}

/// Map entries with string keys, in document order, later duplicates replacing earlier
/// ones, and `<<` merge keys expanded.
///
/// # Errors
/// Bad keys.
pub fn map_entries(items: &[(Rc<Node>, Rc<Node>)]) -> Result<Vec<(String, Rc<Node>)>, String> {
    let mut out: Vec<(String, Rc<Node>)> = Vec::new();
    let put = |k: String, v: Rc<Node>, out: &mut Vec<(String, Rc<Node>)>| {
        if let Some(slot) = out.iter_mut().find(|(ek, _)| *ek == k) {
            slot.1 = v;
        } else {
            out.push((k, v));
        }
    };
    for (k, v) in items {
        if matches!(&**k, Node::Scalar { text, plain: true, .. } if text == "<<") {
            let sources: Vec<Rc<Node>> = match &**v {
                Node::Map(_) => vec![v.clone()],
                Node::Seq(s) => s.clone(),
                _ => {
                    return Err(
                        "yaml: map merge requires map or sequence of maps as the value".into(),
                    )
                }
            };
            for src in sources {
                if let Node::Map(inner) = &*src {
                    for (ik, iv) in map_entries(inner)? {
                        put(ik, iv, &mut out);
                    }
                }
            }
            continue;
        }
        put(key_string(k)?, v.clone(), &mut out);
    }
    Ok(out)
}

/// Converts a node the way sigs.k8s.io/yaml does for an `interface{}` target: numbers
/// become floats, keys become strings.
///
/// # Errors
/// Bad keys or excessive aliasing.
pub fn to_value(n: &Node) -> Result<Value, String> {
    let mut visits = 0usize;
    to_value_counted(n, &mut visits)
}

fn to_value_counted(n: &Node, visits: &mut usize) -> Result<Value, String> {
    *visits += 1;
    if *visits > MAX_VISITS {
        return Err("yaml: document contains excessive aliasing".into());
    }
    Ok(match n {
        Node::Scalar { .. } => match scalar_of(n).unwrap_or(Scalar::Null) {
            Scalar::Null => Value::Nil,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::Float(i as f64),
            Scalar::Uint(u) => Value::Float(u as f64),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Str(s) => Value::str(&s),
        },
        Node::Seq(items) => Value::from_list(
            items
                .iter()
                .map(|i| to_value_counted(i, visits))
                .collect::<Result<_, _>>()?,
        ),
        Node::Map(items) => {
            let mut m = Map::new();
            for (k, v) in map_entries(items)? {
                m.insert(k.into(), to_value_counted(&v, visits)?);
            }
            Value::from_map(m)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(s: &str) -> Scalar {
        resolve(s, true, None)
    }

    #[test]
    fn plain_scalars_resolve_like_go_yaml_v2() {
        assert_eq!(res("010"), Scalar::Int(8));
        assert_eq!(res("0x1F"), Scalar::Int(31));
        assert_eq!(res("1_000"), Scalar::Int(1000));
        assert_eq!(res("-5"), Scalar::Int(-5));
        assert_eq!(res("1.10"), Scalar::Float(1.1));
        assert_eq!(res("1e3"), Scalar::Float(1000.0));
        assert_eq!(res(".5"), Scalar::Float(0.5));
        assert_eq!(res("yes"), Scalar::Bool(true));
        assert_eq!(res("Off"), Scalar::Bool(false));
        assert_eq!(res("~"), Scalar::Null);
        assert_eq!(res("1.0.0"), Scalar::Str("1.0.0".into()));
        assert_eq!(res("2001-12-14"), Scalar::Str("2001-12-14".into()));
        assert_eq!(res("18446744073709551615"), Scalar::Uint(u64::MAX));
        assert_eq!(resolve("10", false, None), Scalar::Str("10".into()));
        assert_eq!(resolve("10", false, Some("!!int")), Scalar::Int(10));
    }

    #[test]
    fn floats_format_as_go_float32_shortest() {
        assert_eq!(format_float32_g(1.1), "1.1");
        assert_eq!(format_float32_g(1.0), "1");
        assert_eq!(format_float32_g(1000.0), "1000");
        assert_eq!(format_float32_g(1e6), "1e+06");
        assert_eq!(format_float32_g(12345678901.0), "1.2345679e+10");
        assert_eq!(format_float32_g(0.0001), "0.0001");
        assert_eq!(format_float32_g(0.00001), "1e-05");
        assert_eq!(format_float32_g(-2.5), "-2.5");
        assert_eq!(format_float32_g(123456.0), "123456");
        assert_eq!(format_float32_g(0.1), "0.1");
    }

    #[test]
    fn parses_nested_documents_and_aliases() {
        let n = parse("a: &x [1, two]\nb: *x\nc: {d: null}\n")
            .unwrap()
            .unwrap();
        let v = to_value(&n).unwrap();
        assert_eq!(v.get("b").unwrap().as_list().unwrap().len(), 2);
        assert_eq!(v.get("a").unwrap().as_list().unwrap()[0], Value::Float(1.0));
        assert!(v.get("c").unwrap().get("d").unwrap().is_nil());
    }

    #[test]
    fn empty_document_is_none() {
        assert!(parse("").unwrap().is_none());
        assert!(parse("# only a comment\n").unwrap().is_none());
    }

    #[test]
    fn syntax_errors_name_a_line() {
        let e = parse("a: [\n").unwrap_err();
        assert!(e.starts_with("yaml: line "), "{e}");
    }

    #[test]
    fn merge_keys_and_duplicates() {
        let n = parse("base: &b {x: 1, z: 2}\nm:\n  <<: *b\n  z: 3\n  z: 4\n  y: 5\n")
            .unwrap()
            .unwrap();
        let v = to_value(&n).unwrap();
        let m = v.get("m").unwrap();
        assert_eq!(m.get("x"), Some(Value::Float(1.0)));
        assert_eq!(m.get("z"), Some(Value::Float(4.0)));
        // YAML 1.1: a plain `y` key is the bool true.
        assert_eq!(m.get("true"), Some(Value::Float(5.0)));
    }
}
