//! Node tree to Go values as go-yaml v2 decodes into `interface{}` (tags, merge keys,
//! alias limits), then sigs.k8s.io/yaml's YAML-to-JSON step: keys become strings,
//! numbers become float64, NaN and infinities are refused by `json.Marshal`.

use super::parse::Node;
use super::resolve::{resolve_v2, Resolved};
use crate::gofmt::format_float32_g;
use crate::value::{Map, Value};

/// A value as go-yaml v2 produces it for `interface{}`.
#[derive(Debug, Clone, PartialEq)]
pub enum GoVal {
    /// nil
    Nil,
    /// bool
    Bool(bool),
    /// int
    Int(i64),
    /// uint64
    Uint(u64),
    /// float64
    Float(f64),
    /// string
    Str(String),
    /// []interface{}
    Seq(Vec<GoVal>),
    /// map[interface{}]interface{} (insertion order, unique keys)
    Map(Vec<(GoVal, GoVal)>),
}

struct Decoder {
    count: usize,
    alias_count: usize,
    alias_depth: usize,
}

fn allowed_alias_ratio(count: usize) -> f64 {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    if count <= LOW {
        0.99
    } else if count >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((count - LOW) as f64 / (HIGH - LOW) as f64)
    }
}

/// go-yaml's `yaml: ` prefixed failure.
fn fail(msg: impl Into<String>) -> String {
    format!("yaml: {}", msg.into())
}

impl Decoder {
    fn decode(&mut self, n: &Node) -> Result<GoVal, String> {
        self.count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.count > 1000
            && self.alias_count as f64 / self.count as f64 > allowed_alias_ratio(self.count)
        {
            return Err(fail("document contains excessive aliasing"));
        }
        match n {
            Node::Scalar { value, plain, tag } => scalar(value, *plain, tag.as_deref()),
            Node::Alias(target) => {
                self.alias_depth += 1;
                let r = self.decode(target);
                self.alias_depth -= 1;
                r
            }
            Node::Seq(items) => Ok(GoVal::Seq(
                items
                    .iter()
                    .map(|i| self.decode(i))
                    .collect::<Result<_, _>>()?,
            )),
            Node::Map(pairs) => {
                let mut out: Vec<(GoVal, GoVal)> = Vec::new();
                self.mapping_into(pairs, &mut out)?;
                Ok(GoVal::Map(out))
            }
        }
    }

    fn mapping_into(
        &mut self,
        pairs: &[(Node, Node)],
        out: &mut Vec<(GoVal, GoVal)>,
    ) -> Result<(), String> {
        for (k, v) in pairs {
            if is_merge(k) {
                self.merge(v, out)?;
                continue;
            }
            let key = self.decode(k)?;
            if matches!(key, GoVal::Map(_) | GoVal::Seq(_)) {
                return Err(fail(format!("invalid map key: {}", go_sharp_v(&key))));
            }
            let val = self.decode(v)?;
            set_key(out, key, val);
        }
        Ok(())
    }

    fn merge(&mut self, n: &Node, out: &mut Vec<(GoVal, GoVal)>) -> Result<(), String> {
        let want = || fail("map merge requires map or sequence of maps as the value");
        match n {
            Node::Map(p) => self.mapping_into(p, out),
            Node::Alias(t) => match &**t {
                Node::Map(p) => {
                    self.alias_depth += 1;
                    let r = self.mapping_into(p, out);
                    self.alias_depth -= 1;
                    r
                }
                _ => Err(want()),
            },
            Node::Seq(items) => {
                for it in items.iter().rev() {
                    let inner = match it {
                        Node::Alias(t) => &**t,
                        other => other,
                    };
                    match inner {
                        Node::Map(p) => self.mapping_into(p, out)?,
                        _ => return Err(want()),
                    }
                }
                Ok(())
            }
            Node::Scalar { .. } => Err(want()),
        }
    }
}

fn set_key(out: &mut Vec<(GoVal, GoVal)>, key: GoVal, val: GoVal) {
    if let Some(slot) = out.iter_mut().find(|(k, _)| go_key_eq(k, &key)) {
        slot.1 = val;
    } else {
        out.push((key, val));
    }
}

fn go_key_eq(a: &GoVal, b: &GoVal) -> bool {
    match (a, b) {
        (GoVal::Float(x), GoVal::Float(y)) => x == y,
        _ => a == b,
    }
}

/// Go's `%#v` of a decoded value (for error messages).
pub fn go_sharp_v(v: &GoVal) -> String {
    match v {
        GoVal::Nil => "interface {}(nil)".into(),
        GoVal::Bool(b) => b.to_string(),
        GoVal::Int(i) => i.to_string(),
        GoVal::Uint(u) => format!("0x{u:x}"),
        GoVal::Float(f) => crate::gofmt::format_float_g(*f),
        GoVal::Str(s) => crate::gofmt::quote(s),
        GoVal::Seq(items) => format!(
            "[]interface {{}}{{{}}}",
            items.iter().map(go_sharp_v).collect::<Vec<_>>().join(", ")
        ),
        GoVal::Map(pairs) => {
            let mut parts: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (go_sharp_v(k), go_sharp_v(v)))
                .collect();
            parts.sort();
            format!(
                "map[interface {{}}]interface {{}}{{{}}}",
                parts
                    .into_iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}

fn is_merge(k: &Node) -> bool {
    matches!(k, Node::Scalar { value, plain, tag }
        if value == "<<" && ((*plain && tag.is_none()) || tag.as_deref() == Some("!!merge")))
}

fn short_tag_of(r: &Resolved) -> &'static str {
    match r {
        Resolved::Null => "!!null",
        Resolved::Bool(_) => "!!bool",
        Resolved::Int(_) | Resolved::Uint(_) => "!!int",
        Resolved::Float(_) => "!!float",
        Resolved::Timestamp => "!!timestamp",
        Resolved::Merge => "!!merge",
        Resolved::Str => "!!str",
    }
}

fn resolved_val(r: Resolved, text: &str) -> GoVal {
    match r {
        Resolved::Null => GoVal::Nil,
        Resolved::Bool(b) => GoVal::Bool(b),
        Resolved::Int(i) => GoVal::Int(i),
        Resolved::Uint(u) => GoVal::Uint(u),
        Resolved::Float(f) => GoVal::Float(f),
        Resolved::Timestamp | Resolved::Merge | Resolved::Str => GoVal::Str(text.to_string()),
    }
}

fn scalar(value: &str, plain: bool, tag: Option<&str>) -> Result<GoVal, String> {
    let Some(tag) = tag else {
        if !plain {
            return Ok(GoVal::Str(value.to_string()));
        }
        return Ok(resolved_val(resolve_v2(value), value));
    };
    match tag {
        "!!str" => Ok(GoVal::Str(value.to_string())),
        "!!binary" => {
            use base64::Engine;
            let clean: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(clean.as_bytes()) {
                Ok(b) => Ok(GoVal::Str(String::from_utf8_lossy(&b).into_owned())),
                Err(_) => Err(fail("!!binary value contains invalid base64 data")),
            }
        }
        "!!bool" | "!!int" | "!!float" | "!!null" | "!!timestamp" => {
            let r = resolve_v2(value);
            let rtag = short_tag_of(&r);
            if rtag == tag {
                return Ok(resolved_val(r, value));
            }
            if tag == "!!float" {
                match r {
                    Resolved::Int(i) => return Ok(GoVal::Float(i as f64)),
                    Resolved::Uint(u) => return Ok(GoVal::Float(u as f64)),
                    _ => {}
                }
            }
            Err(fail(format!("cannot decode {rtag} `{value}` as a {tag}")))
        }
        _ => Ok(GoVal::Str(value.to_string())),
    }
}

/// Decodes a node tree as go-yaml v2 does into `interface{}`.
///
/// # Errors
/// go-yaml's decode failures (bad tags, merge values, aliasing).
pub fn decode(n: &Node) -> Result<GoVal, String> {
    Decoder {
        count: 0,
        alias_count: 0,
        alias_depth: 0,
    }
    .decode(n)
}

fn key_string(k: &GoVal, v: &GoVal) -> Result<String, String> {
    let unsupported = |ty: &str, key: String| {
        Err(format!(
            "unsupported map key of type: {ty}, key: {key}, value: {}",
            go_sharp_v(v)
        ))
    };
    Ok(match k {
        GoVal::Str(s) => s.clone(),
        GoVal::Int(i) => i.to_string(),
        GoVal::Float(f) => match format_float32_g(*f).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            s => s.to_string(),
        },
        GoVal::Bool(b) => b.to_string(),
        GoVal::Nil => return unsupported("%!s(<nil>)", "<nil>".into()),
        GoVal::Uint(u) => return unsupported("uint64", format!("0x{u:x}")),
        GoVal::Seq(_) | GoVal::Map(_) => return unsupported("[]interface {}", go_sharp_v(k)),
    })
}

/// sigs.k8s.io/yaml's `convertToJSONableObject` then `json.Marshal` and
/// `json.Unmarshal` into `interface{}`: the value Helm ends up with.
///
/// # Errors
/// Unsupported keys, NaN or infinite numbers (`json: unsupported value: NaN`).
pub fn to_json_value(v: &GoVal) -> Result<Value, String> {
    Ok(match v {
        GoVal::Nil => Value::Nil,
        GoVal::Bool(b) => Value::Bool(*b),
        GoVal::Int(i) => Value::Float(*i as f64),
        GoVal::Uint(u) => Value::Float(*u as f64),
        GoVal::Float(f) => {
            if f.is_nan() {
                return Err("json: unsupported value: NaN".into());
            }
            if f.is_infinite() {
                return Err(format!(
                    "json: unsupported value: {}",
                    if *f > 0.0 { "+Inf" } else { "-Inf" }
                ));
            }
            Value::Float(*f)
        }
        GoVal::Str(s) => Value::str(s),
        GoVal::Seq(items) => {
            Value::from_list(items.iter().map(to_json_value).collect::<Result<_, _>>()?)
        }
        GoVal::Map(pairs) => {
            let mut m = Map::new();
            for (k, v) in pairs {
                let ks = key_string(k, v)?;
                m.insert(ks.into(), to_json_value(v)?);
            }
            Value::from_map(m)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_keys_format_with_32_bit_precision() {
        assert_eq!(format_float32_g(1.5), "1.5");
        assert_eq!(format_float32_g(std::f64::consts::PI), "3.1415927");
        assert_eq!(format_float32_g(1e21), "1e+21");
        assert_eq!(format_float32_g(1e6), "1e+06");
        assert_eq!(format_float32_g(100000.0), "100000");
        assert_eq!(format_float32_g(0.0001), "0.0001");
        assert_eq!(format_float32_g(0.00001), "1e-05");
    }
}
