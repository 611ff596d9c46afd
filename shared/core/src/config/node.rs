//! The YAML document as an ordered tree, and a reader over it that records every
//! problem with its path instead of stopping at the first (as serde derive would).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::error::ConfigError;

/// A YAML value with mapping order kept, so problems are reported in document order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// How the value reads in a message: `a string`, `a list`...
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Node::Null => "empty (null)",
            Node::Bool(_) => "a boolean",
            Node::Int(_) => "an integer",
            Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a mapping",
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(i64::try_from(v).map_or(Node::Float(v as f64), Node::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((k, v)) = map.next_entry::<Node, Node>()? {
            let key = match k {
                Node::Str(s) => s,
                Node::Int(i) => i.to_string(),
                Node::Bool(b) => b.to_string(),
                Node::Float(f) => f.to_string(),
                Node::Null => "null".to_string(),
                Node::Seq(_) | Node::Map(_) => {
                    return Err(de::Error::custom("mapping keys must be plain text"))
                }
            };
            entries.push((key, v));
        }
        Ok(Node::Map(entries))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

/// Collects problems while reading the tree.
#[derive(Default)]
pub(crate) struct Reader {
    pub(crate) errors: Vec<ConfigError>,
}

/// `base.key`, or `key` at the root.
pub(crate) fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// `base[i]`.
pub(crate) fn index(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

/// A mapping being read, with the keys it may hold.
pub(crate) struct Obj<'a> {
    pub(crate) path: String,
    entries: &'a [(String, Node)],
}

impl<'a> Obj<'a> {
    /// The value under `key`, if present and not null.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Node::Null))
    }

    /// Whether `key` is written (even as null).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k == key)
    }

    /// The path of `key` inside this mapping.
    pub(crate) fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }
}

impl Reader {
    pub(crate) fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        // One problem, one line: messages from other libraries may span several.
        let message: String = message.into();
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        self.errors.push(ConfigError::new(path, message));
    }

    /// Reads a mapping, reporting unknown keys (with a suggestion when one is close).
    pub(crate) fn obj<'a>(
        &mut self,
        path: &str,
        node: &'a Node,
        allowed: &[&str],
    ) -> Option<Obj<'a>> {
        let Node::Map(entries) = node else {
            self.error(
                path,
                format!("expected a mapping, found {}", node.describe()),
            );
            return None;
        };
        for (i, (key, _)) in entries.iter().enumerate() {
            if entries[..i].iter().any(|(k, _)| k == key) {
                self.error(join(path, key), "is written twice: keep one");
                continue;
            }
            if !allowed.contains(&key.as_str()) {
                let hint = match closest(key, allowed) {
                    Some(s) => format!(" (did you mean {s:?}?)"),
                    None => format!(" (expected one of: {})", allowed.join(", ")),
                };
                self.error(join(path, key), format!("unknown key{hint}"));
            }
        }
        Some(Obj {
            path: path.to_string(),
            entries,
        })
    }

    /// Reads a list.
    pub(crate) fn seq<'a>(&mut self, path: &str, node: &'a Node) -> Option<&'a [Node]> {
        match node {
            Node::Seq(items) => Some(items),
            other => {
                self.error(path, format!("expected a list, found {}", other.describe()));
                None
            }
        }
    }

    /// A string at `path` (numbers are refused: `version: 1.10` would lose its zero).
    pub(crate) fn string(&mut self, path: &str, node: &Node) -> Option<String> {
        match node {
            Node::Str(s) if !s.trim().is_empty() => Some(s.clone()),
            Node::Str(_) => {
                self.error(path, "must not be empty");
                None
            }
            other => {
                self.error(
                    path,
                    format!("expected a string, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// A required string under `key`.
    pub(crate) fn req_string(&mut self, obj: &Obj<'_>, key: &str) -> Option<String> {
        match obj.get(key) {
            Some(n) => self.string(&obj.at(key), n),
            None => {
                self.error(obj.at(key), "is required");
                None
            }
        }
    }

    /// An optional string under `key`.
    pub(crate) fn opt_string(&mut self, obj: &Obj<'_>, key: &str) -> Option<String> {
        obj.get(key).and_then(|n| self.string(&obj.at(key), n))
    }

    /// An optional boolean under `key`.
    pub(crate) fn opt_bool(&mut self, obj: &Obj<'_>, key: &str) -> Option<bool> {
        match obj.get(key)? {
            Node::Bool(b) => Some(*b),
            other => {
                self.error(
                    obj.at(key),
                    format!("expected true or false, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// An optional non-negative integer under `key`.
    pub(crate) fn opt_uint(&mut self, obj: &Obj<'_>, key: &str) -> Option<u64> {
        match obj.get(key)? {
            Node::Int(i) if *i >= 0 => Some(*i as u64),
            Node::Int(i) => {
                self.error(obj.at(key), format!("must not be negative (found {i})"));
                None
            }
            other => {
                self.error(
                    obj.at(key),
                    format!("expected a whole number, found {}", other.describe()),
                );
                None
            }
        }
    }

    /// An optional list of strings under `key`.
    pub(crate) fn opt_strings(&mut self, obj: &Obj<'_>, key: &str) -> Option<Vec<String>> {
        let node = obj.get(key)?;
        let path = obj.at(key);
        let items = self.seq(&path, node)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.string(&index(&path, i), item) {
                out.push(s);
            }
        }
        Some(out)
    }
}

/// The allowed key nearest to `key` by edit distance, if it is a plausible typo.
fn closest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(key, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
