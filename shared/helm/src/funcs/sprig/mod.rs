//! Sprig's template functions (github.com/Masterminds/sprig/v3), as Helm v4 exposes them.
//!
//! Each submodule holds one concern and returns its specs; the helpers here model the
//! Go conversions Sprig leans on everywhere (`strval`, spf13/cast, `empty`, reflect kinds)
//! and the text of the Go runtime panics that text/template turns into errors.

use super::FuncSpec;
use crate::gofmt;
use crate::value::Value;

pub mod cast;
pub mod certs;
pub mod crypto;
pub mod dates;
pub mod defaults;
pub mod der;
pub mod dicts;
pub mod encoding;
pub mod keys;
pub mod lists;
pub mod math;
pub mod network;
pub mod paths;
pub mod reflect;
pub mod regex;
pub mod semver;
pub mod strings;
pub mod timefmt;
pub mod urls;
pub mod wordcase;

/// All Sprig functions (`env` and `expandenv` included; the registry drops them).
pub fn funcs() -> Vec<FuncSpec> {
    let mut v = Vec::new();
    v.extend(strings::funcs());
    v.extend(wordcase::funcs());
    v.extend(lists::funcs());
    v.extend(dicts::funcs());
    v.extend(math::funcs());
    v.extend(cast::funcs());
    v.extend(defaults::funcs());
    v.extend(reflect::funcs());
    v.extend(regex::funcs());
    v.extend(semver::funcs());
    v.extend(encoding::funcs());
    v.extend(paths::funcs());
    v.extend(urls::funcs());
    v.extend(network::funcs());
    v.extend(dates::funcs());
    v.extend(crypto::funcs());
    v.extend(keys::funcs());
    v.extend(certs::funcs());
    v
}

/// Go's panic text for a method call through a nil interface (`reflect.TypeOf(nil).Kind()`).
pub(crate) const NIL_DEREF: &str =
    "runtime error: invalid memory address or nil pointer dereference";

/// Argument `i` as a string (`""` when absent or not a string), for functions whose
/// parameter list already converted it.
pub(crate) fn arg_str(a: &[Value], i: usize) -> &str {
    a.get(i).and_then(Value::as_str).unwrap_or("")
}

/// Argument `i` as an int (`0` when absent or not an int), for functions whose
/// parameter list already converted it.
pub(crate) fn arg_int(a: &[Value], i: usize) -> i64 {
    match a.get(i) {
        Some(Value::Int(n)) => *n,
        _ => 0,
    }
}

/// Sprig's `strval`: strings as they are, bytes as text, Stringers via `String()`, the
/// rest as `fmt.Sprintf("%v")`.
pub fn strval(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Object(o) => o.format(),
        other => gofmt::sprint_one(other),
    }
}

/// Sprig's `empty`: the zero value of its type (nil, false, 0, "", empty list or map);
/// structs are never empty.
pub fn empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::Str(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.borrow().is_empty(),
        Value::Object(_) => false,
    }
}

/// `reflect.TypeOf(v).Kind().String()` (Sprig's error texts name it). Objects whose Go
/// type is a pointer are `ptr`, the others (certificates, `time.Time`) `struct`.
pub fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Object(o) => {
            if o.type_name().starts_with('*') {
                "ptr"
            } else {
                "struct"
            }
        }
        other => other.kind_name(),
    }
}

/// The elements of a Go slice value (`[]interface{}` or `[]byte`), if it is one.
pub fn slice_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.to_vec()),
        Value::Bytes(b) => Some(b.iter().map(|x| Value::Int(i64::from(*x))).collect()),
        _ => None,
    }
}

/// A list of strings as a template value (Go `[]string`).
pub fn str_list<I: IntoIterator<Item = String>>(items: I) -> Value {
    Value::from_list(items.into_iter().map(Value::from).collect())
}

/// Go's `s[lo:hi]` on a string's bytes, with Go's panic text when out of range.
pub fn slice_str(s: &str, lo: i64, hi: i64) -> Result<String, String> {
    let len = s.len() as i64;
    if hi < 0 || hi > len {
        return Err(if hi < 0 {
            format!("runtime error: slice bounds out of range [:{hi}]")
        } else {
            format!("runtime error: slice bounds out of range [:{hi}] with length {len}")
        });
    }
    if lo < 0 || lo > hi {
        return Err(format!(
            "runtime error: slice bounds out of range [{lo}:{hi}]"
        ));
    }
    Ok(bytes_to_string(&s.as_bytes()[lo as usize..hi as usize]))
}

/// Bytes as a Rust string: invalid UTF-8 (a Go string cut mid-rune) becomes U+FFFD.
pub fn bytes_to_string(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Go's `unicode.ToUpper` (simple case mapping: one rune in, one rune out).
pub fn go_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower` (simple case mapping).
pub fn go_lower(c: char) -> char {
    if c == '\u{130}' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToTitle` (title case differs from upper case only for digraphs).
pub fn go_title(c: char) -> char {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => 'ǅ',
        'Ǉ' | 'ǈ' | 'ǉ' => 'ǈ',
        'Ǌ' | 'ǋ' | 'ǌ' => 'ǋ',
        'Ǳ' | 'ǲ' | 'ǳ' => 'ǲ',
        c => go_upper(c),
    }
}

/// Go's `unicode.IsSpace`.
pub fn go_is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `unicode.IsPunct` (Unicode category P), approximated with the ASCII punctuation
/// Go counts plus the general punctuation blocks.
pub fn go_is_punct(c: char) -> bool {
    if c.is_ascii() {
        return matches!(
            c,
            '!' | '"'
                | '#'
                | '%'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | ','
                | '-'
                | '.'
                | '/'
                | ':'
                | ';'
                | '?'
                | '@'
                | '['
                | '\\'
                | ']'
                | '_'
                | '{'
                | '}'
        );
    }
    matches!(c as u32, 0xa1 | 0xa7 | 0xab | 0xb6 | 0xb7 | 0xbb | 0xbf | 0x2010..=0x2027
        | 0x2030..=0x205e | 0x3001..=0x3003 | 0x3008..=0x3011 | 0xff01..=0xff0f)
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Helpers for calling registered functions directly in unit tests.
    use super::*;

    /// Calls the Sprig function `name` with already-converted arguments.
    pub fn call(name: &str, args: &[Value]) -> Result<Value, String> {
        let spec = funcs()
            .into_iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no function {name}"));
        (spec.f)(args)
    }

    /// Calls `name` and prints the result as `%v`.
    pub fn show(name: &str, args: &[Value]) -> String {
        match call(name, args) {
            Ok(v) => strval(&v),
            Err(e) => format!("ERR {e}"),
        }
    }

    /// A string value.
    pub fn s(x: &str) -> Value {
        Value::str(x)
    }

    /// An int value.
    pub fn i(x: i64) -> Value {
        Value::Int(x)
    }

    /// A list value.
    pub fn l(items: &[Value]) -> Value {
        Value::from_list(items.to_vec())
    }

    /// A map value from pairs.
    pub fn m(pairs: &[(&str, Value)]) -> Value {
        Value::from_map(
            pairs
                .iter()
                .map(|(k, v)| (std::rc::Rc::from(*k), v.clone()))
                .collect(),
        )
    }
}
