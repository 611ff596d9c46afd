//! A quick answer to "do these values pass this `values.schema.json`?" for the plain
//! schemas charts write (`type`, `properties`, `required`, `items`, `enum`, `$ref` to
//! local definitions, ...), read straight from the chart's values without building a
//! validator.
//!
//! It only ever says "valid" when the full validator (`boon`, see [`super::schema`])
//! would accept both the schema and the values: any keyword, draft or value it is not
//! sure about makes it answer "don't know", and the caller then runs the full
//! validator, which also words every error. Its checks mirror the validator's: numbers
//! as `serde_json` numbers (a float with no fraction is an integer, `1 == 1.0`),
//! string lengths in characters, patterns as `regex` patterns.

use std::cell::RefCell;

use regex::Regex;
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Map as JMap, Number, Value as J};

use crate::value::Value;

/// Whether `values` certainly pass the schema `doc` (and `doc` certainly compiles).
/// `false` means "not known": run the full validator.
pub(super) fn certainly_valid(doc: &J, values: &Value) -> bool {
    let Some(checker) = Checker::new(doc) else {
        return false;
    };
    checker.validate(doc, values, 0) == Verdict::Valid
}

/// One keyword's or one schema's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// the validator accepts
    Valid,
    /// the validator rejects
    Invalid,
    /// not known here
    Unknown,
}

impl Verdict {
    fn of(ok: bool) -> Self {
        if ok {
            Verdict::Valid
        } else {
            Verdict::Invalid
        }
    }
}

/// How deep schemas may nest (through `$ref`s) before the answer is "not known".
const MAX_DEPTH: usize = 256;

/// Keywords of the drafts that this fast path does not evaluate: a schema using any of
/// them goes to the full validator.
const UNSUPPORTED: &[&str] = &[
    "format",
    "patternProperties",
    "propertyNames",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "if",
    "then",
    "else",
    "contains",
    "minContains",
    "maxContains",
    "prefixItems",
    "additionalItems",
    "unevaluatedItems",
    "unevaluatedProperties",
    "multipleOf",
    "minProperties",
    "maxProperties",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "$recursiveAnchor",
    "$vocabulary",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "id",
];

const TYPES: &[&str] = &[
    "null", "boolean", "object", "array", "number", "integer", "string",
];

/// A schema document that passed the well-formedness check, with its patterns compiled.
struct Checker<'a> {
    root: &'a J,
    /// draft 7 or older: a `$ref` makes the validator ignore its siblings
    refs_hide_siblings: bool,
    /// patterns compiled when a string first meets them (`None`: did not compile)
    patterns: RefCell<FxHashMap<&'a str, Option<Regex>>>,
}

impl<'a> Checker<'a> {
    /// `None` when the document uses anything this fast path does not know for sure
    /// compiles (unknown drafts, remote references, unsupported keywords, odd forms).
    fn new(root: &'a J) -> Option<Self> {
        let draft = match root.get("$schema") {
            None => Draft::Latest,
            Some(J::String(s)) => draft_of(s)?,
            Some(_) => return None,
        };
        let mut c = Checker {
            root,
            refs_hide_siblings: draft == Draft::Seven,
            patterns: RefCell::default(),
        };
        let mut seen = FxHashSet::default();
        c.well_formed(root, true, &mut seen).then_some(c)
    }

    /// Whether `s` is a schema every supported draft's metaschema accepts, using only
    /// keywords evaluated here (unknown keywords are annotations and pass).
    fn well_formed(&mut self, s: &'a J, is_root: bool, seen: &mut FxHashSet<usize>) -> bool {
        let m = match s {
            J::Bool(_) => return true,
            J::Object(m) => m,
            _ => return false,
        };
        m.iter()
            .all(|(k, v)| self.keyword_well_formed(k, v, is_root, seen))
    }

    fn keyword_well_formed(
        &mut self,
        k: &str,
        v: &'a J,
        is_root: bool,
        seen: &mut FxHashSet<usize>,
    ) -> bool {
        match k {
            "$schema" => is_root,
            "$id" => is_root && v.as_str().is_some_and(plain_absolute_url),
            // a target is checked once (references may form cycles)
            "$ref" => match v.as_str().and_then(|r| self.resolve(r)) {
                Some(target) => {
                    !seen.insert(std::ptr::from_ref(target) as usize)
                        || self.well_formed(target, false, seen)
                }
                None => false,
            },
            "$comment" | "title" | "description" => v.is_string(),
            "deprecated" | "readOnly" | "writeOnly" | "uniqueItems" => v.is_boolean(),
            "default" | "const" => true,
            "examples" => v.is_array(),
            "type" => type_well_formed(v),
            "enum" => v.as_array().is_some_and(|a| !a.is_empty()),
            "required" => v.as_array().is_some_and(|a| unique_strings(a)),
            "minimum" | "maximum" => v.is_number(),
            "minLength" | "maxLength" | "minItems" | "maxItems" => v.as_u64().is_some(),
            "properties" => v
                .as_object()
                .is_some_and(|m| m.values().all(|sub| self.well_formed(sub, false, seen))),
            // definitions are what references point at: each is checked once
            "definitions" | "$defs" => v.as_object().is_some_and(|m| {
                m.values().all(|sub| {
                    !seen.insert(std::ptr::from_ref(sub) as usize)
                        || self.well_formed(sub, false, seen)
                })
            }),
            "additionalProperties" | "items" | "not" => self.well_formed(v, false, seen),
            "allOf" | "anyOf" | "oneOf" => v.as_array().is_some_and(|a| {
                !a.is_empty() && a.iter().all(|sub| self.well_formed(sub, false, seen))
            }),
            "pattern" => v.as_str().is_some_and(|p| self.pattern_well_formed(p)),
            other => !UNSUPPORTED.contains(&other),
        }
    }

    /// Patterns without escapes, flags, POSIX classes or class set operations read the
    /// same as ECMA patterns and as the validator's translation of them. Such a pattern
    /// without counted repetition compiles whenever it parses (its program grows with
    /// its length only), so it is compiled only when a value meets it.
    fn pattern_well_formed(&mut self, p: &'a str) -> bool {
        if self.patterns.get_mut().contains_key(p) {
            return true;
        }
        let plain = !p.contains('\\')
            && !p.contains("(?")
            && !p.contains("[:")
            && !p.contains("&&")
            && !p.contains("--")
            && !p.contains("~~")
            && !nested_class(p);
        if !plain {
            return false;
        }
        if p.len() <= 1024 && !p.contains('{') {
            return regex_syntax::Parser::new().parse(p).is_ok();
        }
        match Regex::new(p) {
            Ok(re) => {
                self.patterns.get_mut().insert(p, Some(re));
                true
            }
            Err(_) => false,
        }
    }

    /// Whether `s` matches `p` (`None`: the pattern did not compile after all).
    fn matches(&self, p: &'a str, s: &str) -> Option<bool> {
        let mut patterns = self.patterns.borrow_mut();
        let re = patterns.entry(p).or_insert_with(|| Regex::new(p).ok());
        re.as_ref().map(|re| re.is_match(s))
    }

    /// A `#` or `#/json/pointer` reference into this document.
    fn resolve(&self, r: &str) -> Option<&'a J> {
        let frag = r.strip_prefix('#')?;
        if frag.contains('%') {
            return None;
        }
        if frag.is_empty() {
            return Some(self.root);
        }
        pointer(self.root, frag.strip_prefix('/')?)
    }

    fn validate(&self, s: &'a J, v: &Value, depth: usize) -> Verdict {
        if depth > MAX_DEPTH {
            return Verdict::Unknown;
        }
        let m = match s {
            J::Bool(b) => return Verdict::of(*b),
            J::Object(m) => m,
            _ => return Verdict::Unknown,
        };
        let inst = Inst::of(v);
        let hides = self.refs_hide_siblings && m.contains_key("$ref");
        let mut acc = Verdict::Valid;
        for (k, kv) in m {
            let mut verdict = self.keyword(k, kv, m, v, &inst, depth);
            if hides && k != "$ref" && verdict == Verdict::Invalid {
                verdict = Verdict::Unknown;
            }
            match verdict {
                Verdict::Valid => {}
                Verdict::Invalid => return Verdict::Invalid,
                Verdict::Unknown => acc = Verdict::Unknown,
            }
        }
        acc
    }

    fn keyword(
        &self,
        k: &str,
        kv: &'a J,
        schema: &'a JMap<String, J>,
        v: &Value,
        inst: &Inst<'_>,
        depth: usize,
    ) -> Verdict {
        match k {
            "$ref" => match kv.as_str().and_then(|r| self.resolve(r)) {
                Some(target) => self.validate(target, v, depth + 1),
                None => Verdict::Unknown,
            },
            "type" => match kv {
                J::String(t) => inst.has_type(t),
                J::Array(ts) => any_of(ts.iter().map(|t| match t.as_str() {
                    Some(t) => inst.has_type(t),
                    None => Verdict::Unknown,
                })),
                _ => Verdict::Unknown,
            },
            "properties" => match (inst, kv) {
                (Inst::Object(map), J::Object(props)) => {
                    let map = map.borrow();
                    all_of(
                        props
                            .iter()
                            .map(|(name, sub)| match map.get(name.as_str()) {
                                Some(val) => self.validate(sub, val, depth + 1),
                                None => Verdict::Valid,
                            }),
                    )
                }
                (Inst::Object(_), _) => Verdict::Unknown,
                _ => Verdict::Valid,
            },
            "additionalProperties" => match inst {
                Inst::Object(map) => {
                    let props = schema.get("properties").and_then(J::as_object);
                    let map = map.borrow();
                    all_of(
                        map.iter()
                            .filter(|(key, _)| !props.is_some_and(|p| p.contains_key(&***key)))
                            .map(|(_, val)| self.validate(kv, val, depth + 1)),
                    )
                }
                _ => Verdict::Valid,
            },
            "required" => match (inst, kv) {
                (Inst::Object(map), J::Array(names)) => {
                    let map = map.borrow();
                    all_of(names.iter().map(|n| match n.as_str() {
                        Some(n) => Verdict::of(map.contains_key(n)),
                        None => Verdict::Unknown,
                    }))
                }
                (Inst::Object(_), _) => Verdict::Unknown,
                _ => Verdict::Valid,
            },
            "items" => match inst {
                Inst::Array(items) => {
                    all_of(items.iter().map(|item| self.validate(kv, item, depth + 1)))
                }
                _ => Verdict::Valid,
            },
            "enum" => match kv {
                J::Array(options) => any_of(options.iter().map(|o| equals(o, v))),
                _ => Verdict::Unknown,
            },
            "const" => equals(kv, v),
            "minimum" | "maximum" => match (inst, kv) {
                (Inst::Number(n), J::Number(bound)) => match (n.as_f64(), bound.as_f64()) {
                    (Some(x), Some(b)) if exact_f64(n) && exact_f64(bound) => {
                        Verdict::of(if k == "minimum" { x >= b } else { x <= b })
                    }
                    _ => Verdict::Unknown,
                },
                (Inst::Number(_), _) | (Inst::Other, _) => Verdict::Unknown,
                _ => Verdict::Valid,
            },
            "minLength" | "maxLength" => match (inst, kv.as_u64()) {
                (Inst::String(s), Some(bound)) => {
                    let len = s.chars().count() as u64;
                    Verdict::of(if k == "minLength" {
                        len >= bound
                    } else {
                        len <= bound
                    })
                }
                (Inst::String(_), None) | (Inst::Other, _) => Verdict::Unknown,
                _ => Verdict::Valid,
            },
            "minItems" | "maxItems" => match (inst, kv.as_u64()) {
                (Inst::Array(items), Some(bound)) => {
                    let len = items.len() as u64;
                    Verdict::of(if k == "minItems" {
                        len >= bound
                    } else {
                        len <= bound
                    })
                }
                (Inst::Array(_), None) | (Inst::Other, _) => Verdict::Unknown,
                _ => Verdict::Valid,
            },
            "uniqueItems" => match (inst, kv) {
                (Inst::Array(items), J::Bool(true)) => unique_scalars(items),
                (Inst::Other, J::Bool(true)) => Verdict::Unknown,
                _ => Verdict::Valid,
            },
            "pattern" => match (inst, kv.as_str()) {
                (Inst::String(s), Some(p)) => {
                    self.matches(p, s).map_or(Verdict::Unknown, Verdict::of)
                }
                (Inst::String(_), None) | (Inst::Other, _) => Verdict::Unknown,
                _ => Verdict::Valid,
            },
            "allOf" => match kv {
                J::Array(subs) => all_of(subs.iter().map(|sub| self.validate(sub, v, depth + 1))),
                _ => Verdict::Unknown,
            },
            "anyOf" => match kv {
                J::Array(subs) => any_of(subs.iter().map(|sub| self.validate(sub, v, depth + 1))),
                _ => Verdict::Unknown,
            },
            "oneOf" => match kv {
                J::Array(subs) => {
                    let mut valid = 0;
                    for sub in subs {
                        match self.validate(sub, v, depth + 1) {
                            Verdict::Valid => valid += 1,
                            Verdict::Invalid => {}
                            Verdict::Unknown => return Verdict::Unknown,
                        }
                    }
                    Verdict::of(valid == 1)
                }
                _ => Verdict::Unknown,
            },
            "not" => match self.validate(kv, v, depth + 1) {
                Verdict::Valid => Verdict::Invalid,
                Verdict::Invalid => Verdict::Valid,
                Verdict::Unknown => Verdict::Unknown,
            },
            // annotations, `$schema`, `$id`, definitions and unknown keywords
            _ => Verdict::Valid,
        }
    }
}

/// The drafts whose keywords above mean the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Draft {
    Seven,
    Latest,
}

/// The validator's reading of `$schema` (http or https, optional empty fragment);
/// drafts 4 and 6 are left to it.
fn draft_of(url: &str) -> Option<Draft> {
    let url = url.strip_suffix('#').unwrap_or(url);
    let url = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    match url {
        "json-schema.org/schema"
        | "json-schema.org/draft/2020-12/schema"
        | "json-schema.org/draft/2019-09/schema" => Some(Draft::Latest),
        "json-schema.org/draft-07/schema" => Some(Draft::Seven),
        _ => None,
    }
}

/// A JSON pointer (after its first `/`) into `doc`; array indexes without leading zeros.
fn pointer<'a>(doc: &'a J, path: &str) -> Option<&'a J> {
    path.split('/').try_fold(doc, |node, token| {
        let token: std::borrow::Cow<'_, str> = if token.contains('~') {
            token.replace("~1", "/").replace("~0", "~").into()
        } else {
            token.into()
        };
        match node {
            J::Object(m) => m.get(token.as_ref()),
            J::Array(a) => {
                let plain = token.bytes().all(|b| b.is_ascii_digit())
                    && !token.is_empty()
                    && (token.len() == 1 || !token.starts_with('0'));
                a.get(token.parse::<usize>().ok().filter(|_| plain)?)
            }
            _ => None,
        }
    })
}

fn plain_absolute_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && !s.contains(['#', '%', '\\'])
        && !s.chars().any(char::is_whitespace)
}

fn type_well_formed(v: &J) -> bool {
    match v {
        J::String(t) => TYPES.contains(&t.as_str()),
        J::Array(ts) => {
            !ts.is_empty()
                && ts
                    .iter()
                    .all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t)))
                && unique_strings(ts)
        }
        _ => false,
    }
}

fn unique_strings(a: &[J]) -> bool {
    let mut seen = FxHashSet::default();
    a.iter().all(|s| s.as_str().is_some_and(|s| seen.insert(s)))
}

/// Whether a character class opens inside another one (`[a[b]]`), which `regex` reads
/// as a nested class and ECMA as a literal `[`.
fn nested_class(p: &str) -> bool {
    let mut in_class = false;
    let mut prev = ' ';
    for c in p.chars() {
        match c {
            '[' if in_class => return true,
            '[' => in_class = true,
            // `[]` and `[^]` are not closed by their first `]` in `regex`
            ']' if in_class && (prev == '[' || prev == '^') => return true,
            ']' => in_class = false,
            _ => {}
        }
        prev = c;
    }
    false
}

/// Whether the number is exactly what `as_f64` gives.
fn exact_f64(n: &Number) -> bool {
    const LIMIT: u64 = 1 << 53;
    if let Some(u) = n.as_u64() {
        u <= LIMIT
    } else if let Some(i) = n.as_i64() {
        i.unsigned_abs() <= LIMIT
    } else {
        n.as_f64().is_some_and(f64::is_finite)
    }
}

fn all_of(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let mut acc = Verdict::Valid;
    for v in verdicts {
        match v {
            Verdict::Valid => {}
            Verdict::Invalid => return Verdict::Invalid,
            Verdict::Unknown => acc = Verdict::Unknown,
        }
    }
    acc
}

fn any_of(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let mut acc = Verdict::Invalid;
    for v in verdicts {
        match v {
            Verdict::Valid => return Verdict::Valid,
            Verdict::Invalid => {}
            Verdict::Unknown => acc = Verdict::Unknown,
        }
    }
    acc
}

/// A value as the validator sees it (the same conversion as `schema::to_json`).
enum Inst<'v> {
    Null,
    Bool(bool),
    Number(Number),
    String(&'v str),
    Array(&'v [Value]),
    Object(&'v std::cell::RefCell<crate::value::Map>),
    /// byte strings: not judged here
    Other,
}

impl<'v> Inst<'v> {
    fn of(v: &'v Value) -> Self {
        match v {
            Value::Nil | Value::Object(_) => Inst::Null,
            Value::Bool(b) => Inst::Bool(*b),
            Value::Int(i) => Inst::Number(Number::from(*i)),
            Value::Float(f) => Number::from_f64(*f).map_or(Inst::Null, Inst::Number),
            Value::Str(s) => Inst::String(s),
            Value::List(l) => Inst::Array(l),
            Value::Map(m) => Inst::Object(m),
            Value::Bytes(_) => Inst::Other,
        }
    }

    fn has_type(&self, t: &str) -> Verdict {
        let ok = match (self, t) {
            (Inst::Other, _) => return Verdict::Unknown,
            (Inst::Null, "null")
            | (Inst::Bool(_), "boolean")
            | (Inst::Number(_), "number")
            | (Inst::String(_), "string")
            | (Inst::Array(_), "array")
            | (Inst::Object(_), "object") => true,
            (Inst::Number(n), "integer") => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        };
        Verdict::of(ok)
    }
}

/// The validator's equality (numbers by value) between a schema constant and a value.
fn equals(j: &J, v: &Value) -> Verdict {
    match (j, Inst::of(v)) {
        (_, Inst::Other) => Verdict::Unknown,
        (J::Null, Inst::Null) => Verdict::Valid,
        (J::Bool(a), Inst::Bool(b)) => Verdict::of(*a == b),
        (J::String(a), Inst::String(b)) => Verdict::of(a == b),
        (J::Number(a), Inst::Number(b)) => Verdict::of(numbers_equal(a, &b)),
        (J::Array(a), Inst::Array(b)) => {
            if a.len() != b.len() {
                return Verdict::Invalid;
            }
            all_of(a.iter().zip(b).map(|(x, y)| equals(x, y)))
        }
        (J::Object(a), Inst::Object(b)) => {
            let b = b.borrow();
            if a.len() != b.len() {
                return Verdict::Invalid;
            }
            all_of(a.iter().map(|(k, x)| match b.get(k.as_str()) {
                Some(y) => equals(x, y),
                None => Verdict::Invalid,
            }))
        }
        _ => Verdict::Invalid,
    }
}

fn numbers_equal(a: &Number, b: &Number) -> bool {
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) {
        return x == y;
    }
    false
}

/// `uniqueItems` over strings, booleans and nulls; anything else is left to the
/// validator.
fn unique_scalars(items: &[Value]) -> Verdict {
    let mut strings = FxHashSet::default();
    let (mut trues, mut falses, mut nulls) = (0, 0, 0);
    for item in items {
        match Inst::of(item) {
            Inst::String(s) => {
                if !strings.insert(s) {
                    return Verdict::Invalid;
                }
            }
            Inst::Bool(true) => trues += 1,
            Inst::Bool(false) => falses += 1,
            Inst::Null => nulls += 1,
            _ => return Verdict::Unknown,
        }
    }
    Verdict::of(trues <= 1 && falses <= 1 && nulls <= 1)
}

#[cfg(test)]
mod tests;
