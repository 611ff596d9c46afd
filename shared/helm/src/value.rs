//! The dynamic value every template sees: a model of Go's `interface{}` as Helm uses it.
//!
//! Maps have reference semantics (Go maps are references: `set $d "k" "v"` is seen by
//! every holder of `$d`), lists and strings are cheap to clone.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::gofmt;

mod map;

pub(crate) use map::prefix as key_prefix;

pub use map::{
    Entry, IntoIter, Iter, IterMut, Keys, Map, OccupiedEntry, VacantEntry, Values, ValuesMut,
};

/// A Go struct-like value with fields and methods (`.Files`, `.Capabilities`, a semver
/// version, a generated certificate).
pub trait Object: fmt::Debug {
    /// Go type name as `printf "%T"` shows it, e.g. `*semver.Version`.
    fn type_name(&self) -> &str;
    /// A field or a method called without arguments; `None` when there is none.
    fn field(&self, name: &str) -> Option<Value>;
    /// A method called with arguments; `None` when there is no such method.
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let _ = (name, args);
        None
    }
    /// `%v` text (Go's `String()` where the type has one).
    fn format(&self) -> String;
    /// Whether the method `name` exists and takes arguments (so `.Obj.M a b` is a call).
    fn has_method(&self, name: &str) -> bool {
        let _ = name;
        false
    }
    /// The value `json.Marshal` / `toYaml` see (struct fields by their JSON names).
    fn to_json_value(&self) -> Option<Value> {
        None
    }
    /// The text when the object is used where Go wants a string (a `fmt.Stringer`).
    fn as_string(&self) -> Option<String> {
        None
    }
    /// `len` of the object, for map- and slice-like objects.
    fn len(&self) -> Option<usize> {
        None
    }
    /// Whether `len` is zero (`None` when the object has no length).
    fn is_empty(&self) -> Option<bool> {
        self.len().map(|n| n == 0)
    }
    /// Key/element pairs for `range`, for map- and slice-like objects (in Go's order).
    fn entries(&self) -> Option<Vec<(Value, Value)>> {
        None
    }
}

/// A dynamic template value.
#[derive(Clone, Default)]
pub enum Value {
    /// Go's untyped nil (`interface{}` holding nothing).
    #[default]
    Nil,
    /// `bool`
    Bool(bool),
    /// `int` / `int64`
    Int(i64),
    /// `float64`: every number read from YAML or JSON values is one, as in Helm.
    Float(f64),
    /// `string`
    Str(Rc<str>),
    /// `[]byte` (`.Files.GetBytes`, `b64dec` inputs); `%v` prints it as numbers.
    Bytes(std::sync::Arc<[u8]>),
    /// `[]interface{}`
    List(Rc<Vec<Value>>),
    /// `map[string]interface{}` (shared: mutations are visible to every holder).
    Map(Rc<RefCell<Map>>),
    /// A struct or other typed Go value.
    Object(Rc<dyn Object>),
}

impl Value {
    /// A new, empty, shared map.
    pub fn new_map() -> Value {
        Value::Map(Rc::new(RefCell::new(Map::new())))
    }

    /// Wraps an owned map.
    pub fn from_map(m: Map) -> Value {
        Value::Map(Rc::new(RefCell::new(m)))
    }

    /// A map of strings (`map[string]string`, e.g. annotations) as a value.
    pub fn from_str_map(m: &BTreeMap<String, String>) -> Value {
        Value::from_map(
            m.iter()
                .map(|(k, v)| (Rc::from(k.as_str()), Value::str(v)))
                .collect(),
        )
    }

    /// Wraps an owned list.
    pub fn from_list(l: Vec<Value>) -> Value {
        Value::List(Rc::new(l))
    }

    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    /// Whether this is nil.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The map inside, if this is a map.
    pub fn as_map(&self) -> Option<&Rc<RefCell<Map>>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The list inside, if this is a list.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// Go template truthiness: false, 0, nil, and empty strings, lists and maps are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.borrow().is_empty(),
            // map- and slice-like objects (`.Files.Glob ...`) are false when empty
            Value::Object(o) => o.is_empty() != Some(true),
        }
    }

    /// Go's type name as `%T` and `typeOf` print it.
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Float(_) => "float64".into(),
            Value::Str(_) => "string".into(),
            Value::Bytes(_) => "[]uint8".into(),
            Value::List(_) => "[]interface {}".into(),
            Value::Map(_) => "map[string]interface {}".into(),
            Value::Object(o) => o.type_name().to_string(),
        }
    }

    /// Go's reflect kind name as `kindOf` prints it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float64",
            Value::Str(_) => "string",
            Value::Bytes(_) | Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(_) => "ptr",
        }
    }

    /// A deep copy: maps are copied, not shared (Go's `deepCopy`).
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::Map(m) => {
                // the entries are cloned as they stand (no re-sorting); then every nested map
                // and list is replaced by its own copy
                let mut copy = m.borrow().clone();
                for v in copy.values_mut() {
                    if matches!(v, Value::Map(_) | Value::List(_)) {
                        *v = v.deep_copy();
                    }
                }
                Value::from_map(copy)
            }
            // lists are never changed in place: one that holds no map (the only mutable
            // value) is shared as it is
            Value::List(l) if l.iter().any(Value::holds_map) => {
                Value::from_list(l.iter().map(Value::deep_copy).collect())
            }
            other => other.clone(),
        }
    }

    /// Whether a map is reachable from this value (so a copy must not share it).
    fn holds_map(&self) -> bool {
        match self {
            Value::Map(_) => true,
            Value::List(l) => l.iter().any(Value::holds_map),
            _ => false,
        }
    }

    /// Looks a key up in a map value.
    pub fn get(&self, key: &str) -> Option<Value> {
        match self {
            Value::Map(m) => m.borrow().get(key).cloned(),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    /// Go's `fmt.Sprint(v)` (`%v`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        gofmt::write_value(&mut s, self);
        f.write_str(&s)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "{s:?}"),
            other => write!(f, "{other}"),
        }
    }
}

impl PartialEq for Value {
    /// Deep equality as Go's `reflect.DeepEqual` sees it (ints and floats differ).
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => Rc::ptr_eq(a, b) || *a.borrow() == *b.borrow(),
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(Rc::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<Vec<Value>> for Value {
    fn from(l: Vec<Value>) -> Value {
        Value::from_list(l)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::from_map(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_of(pairs: &[(&str, Value)]) -> Value {
        Value::from_map(
            pairs
                .iter()
                .map(|(k, v)| (std::rc::Rc::from(*k), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn deep_copy_gives_nested_maps_their_own_storage() {
        let inner = map_of(&[("a", Value::Int(1))]);
        let listed = map_of(&[("b", Value::Int(2))]);
        let orig = map_of(&[
            ("inner", inner.clone()),
            (
                "list",
                Value::from_list(vec![listed.clone(), Value::str("x")]),
            ),
        ]);
        let copy = orig.deep_copy();
        assert_eq!(copy, orig);
        // changing the originals' maps leaves the copy as it was
        inner
            .as_map()
            .unwrap()
            .borrow_mut()
            .insert("a".into(), Value::Int(9));
        listed
            .as_map()
            .unwrap()
            .borrow_mut()
            .insert("b".into(), Value::Int(9));
        assert_eq!(copy.get("inner").unwrap().get("a"), Some(Value::Int(1)));
        let list = copy.get("list").unwrap();
        assert_eq!(list.as_list().unwrap()[0].get("b"), Some(Value::Int(2)));
    }

    #[test]
    fn deep_copy_of_a_map_is_a_new_map() {
        let orig = map_of(&[("k", Value::from_list(vec![Value::Int(1)]))]);
        let copy = orig.deep_copy();
        copy.as_map()
            .unwrap()
            .borrow_mut()
            .insert("n".into(), Value::Nil);
        assert_eq!(orig.get("n"), None);
        assert_eq!(copy.get("k"), orig.get("k"));
    }
}
