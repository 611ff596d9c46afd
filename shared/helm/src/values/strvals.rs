//! Helm's `pkg/strvals`: the `--set`, `--set-string`, `--set-json` and `--set-file`
//! parsers (`name1=value1,name2.sub[0]=value2`), with Go's quirks and error texts.
//!
//! The parsers write into an existing map the way `strvals.ParseInto` does: maps merge
//! key by key, `a[i]=v` writes one element of an existing list, scalars overwrite.

use std::cell::RefCell;
use std::rc::Rc;

use crate::gofmt;
use crate::value::{Map, Value};

use crate::json;

/// Helm's `strvals.MaxIndex`: the largest list index `a[i]=v` may write.
pub const MAX_INDEX: i64 = 65536;

/// Helm's `strvals.MaxNestedNameLevel`: the deepest `a.b.c...` key.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// A `--set*` expression Helm's strvals refused, worded as Helm words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Reads a `--set-file` value: gets the file name, returns the value (Helm: the file's
/// text as a string) or the error message (e.g. `open x: no such file or directory`).
pub type FileReader<'r> = &'r mut dyn FnMut(&str) -> Result<Value, String>;

/// `strvals.ParseInto`: `--set` (integers become `Value::Int`, `true`/`false` bools,
/// `null` nil, everything else strings). `dest` becomes a map if it is not one.
///
/// # Errors
/// A malformed expression, with strvals' message (e.g. `key "x" has no value`).
pub fn parse_set(expr: &str, dest: &mut Value) -> Result<(), ParseError> {
    run(expr, dest, Mode::Typed)
}

/// `strvals.ParseIntoString`: `--set-string` (every value a string).
///
/// # Errors
/// A malformed expression, with strvals' message.
pub fn parse_set_string(expr: &str, dest: &mut Value) -> Result<(), ParseError> {
    run(expr, dest, Mode::Strings)
}

/// `strvals.ParseJSON`: `--set-json` in `key=JSON` form (an empty value is null).
///
/// # Errors
/// A malformed expression or JSON value, with strvals' / `encoding/json`'s message.
pub fn parse_set_json(expr: &str, dest: &mut Value) -> Result<(), ParseError> {
    run(expr, dest, Mode::Json)
}

/// `strvals.ParseIntoFile`: `--set-file`; `reader` turns each value (a path) into the
/// value to store.
///
/// # Errors
/// A malformed expression or the reader's error.
pub fn parse_set_file(
    expr: &str,
    dest: &mut Value,
    reader: FileReader<'_>,
) -> Result<(), ParseError> {
    run(expr, dest, Mode::File(reader))
}

/// The map inside `dest`, replacing a non-map `dest` with a new empty map.
pub(crate) fn dest_map(dest: &mut Value) -> Rc<RefCell<Map>> {
    if let Value::Map(m) = dest {
        return m.clone();
    }
    let m = Rc::new(RefCell::new(Map::new()));
    *dest = Value::Map(m.clone());
    m
}

fn run(expr: &str, dest: &mut Value, mode: Mode<'_>) -> Result<(), ParseError> {
    let data = dest_map(dest);
    let mut p = Parser {
        sc: Scanner::new(expr),
        mode,
    };
    loop {
        match p.key(&data, 0) {
            Ok(()) => {}
            Err(Stop::Eof) => return Ok(()),
            Err(Stop::NotList) => return Err(ParseError("not a list".into())),
            Err(Stop::Msg(m)) => return Err(ParseError(m)),
        }
    }
}

/// How values are turned into `Value`s.
enum Mode<'r> {
    Typed,
    Strings,
    Json,
    File(FileReader<'r>),
}

/// Go error values the parser passes around: `io.EOF` (or an error wrapping it, which
/// ends parsing successfully), `ErrNotList`, and everything else.
#[derive(Debug)]
pub(crate) enum Stop {
    Eof,
    NotList,
    Msg(String),
}

/// A `bytes.Buffer` read rune by rune.
pub(crate) struct Scanner<'s> {
    s: &'s str,
    pos: usize,
    last: usize,
}

impl<'s> Scanner<'s> {
    pub(crate) fn new(s: &'s str) -> Self {
        Scanner { s, pos: 0, last: 0 }
    }

    pub(crate) fn read(&mut self) -> Option<char> {
        let c = self.s[self.pos..].chars().next()?;
        self.last = c.len_utf8();
        self.pos += self.last;
        Some(c)
    }

    pub(crate) fn unread(&mut self) {
        self.pos -= self.last;
        self.last = 0;
    }

    fn rest(&self) -> &'s str {
        &self.s[self.pos..]
    }

    fn skip_bytes(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.s.len());
        self.last = 0;
    }

    /// `runesUntil` (`escapes`: a backslash takes the next rune literally) or
    /// `runesUntilLiteral`: the runes before a stop rune, the stop rune, or `None` at EOF.
    pub(crate) fn until(&mut self, stop: &[char], escapes: bool) -> (String, Option<char>) {
        let mut v = String::new();
        loop {
            match self.read() {
                None => return (v, None),
                Some(r) if stop.contains(&r) => return (v, Some(r)),
                Some('\\') if escapes => match self.read() {
                    None => return (v, None),
                    Some(n) => v.push(n),
                },
                Some(r) => v.push(r),
            }
        }
    }
}

/// Go's `%q` of a string.
pub(crate) fn q(s: &str) -> String {
    gofmt::quote(s)
}

/// Go's `%q` of a `[]rune`: `['a' 'b']`.
pub(crate) fn q_runes(s: &str) -> String {
    let parts: Vec<String> = s.chars().map(quote_rune).collect();
    format!("[{}]", parts.join(" "))
}

fn quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '"' => "'\"'".into(),
        c => {
            let s = gofmt::quote(&c.to_string());
            format!("'{}'", &s[1..s.len() - 1])
        }
    }
}

/// The Go dynamic type of a value as a failed type assertion names it.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Nil => "nil",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int64",
        Value::Float(_) => "float64",
        Value::Str(_) => "string",
        Value::Bytes(_) => "[]uint8",
        Value::List(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
        Value::Object(_) => "interface {}",
    }
}

/// The recovered panic of `v.(T)` inside `key()`.
pub(crate) fn assertion_panic(v: &Value, want: &str) -> Stop {
    Stop::Msg(format!(
        "unable to parse key: interface conversion: interface {{}} is {}, not {want}",
        go_type(v)
    ))
}

pub(crate) const LIST_T: &str = "[]interface {}";
pub(crate) const MAP_T: &str = "map[string]interface {}";

/// `set(data, key, val)`: an empty key is not set.
pub(crate) fn set(data: &Rc<RefCell<Map>>, key: &str, val: Value) {
    if !key.is_empty() {
        data.borrow_mut().insert(key.into(), val);
    }
}

/// `setIndex`.
pub(crate) fn set_index(
    mut list: Vec<Value>,
    index: i64,
    val: Value,
) -> (Vec<Value>, Result<(), Stop>) {
    if index < 0 {
        return (
            list,
            Err(Stop::Msg(format!("negative {index} index not allowed"))),
        );
    }
    if index > MAX_INDEX {
        return (
            list,
            Err(Stop::Msg(format!(
                "index of {index} is greater than maximum supported index of {MAX_INDEX}"
            ))),
        );
    }
    let i = index as usize;
    if list.len() <= i {
        list.resize(i + 1, Value::Nil);
    }
    list[i] = val;
    (list, Ok(()))
}

/// `strconv.Atoi` with Go's error text.
pub(crate) fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {}: invalid syntax", q(s)));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", q(s)))
}

/// `keyIndex`: the index between `[` and `]`, errors already prefixed for the caller.
pub(crate) fn key_index(sc: &mut Scanner<'_>, escapes: bool) -> Result<i64, Stop> {
    let (v, last) = sc.until(&[']'], escapes);
    if last.is_none() {
        // "error parsing index: EOF" wraps io.EOF, so parsing ends successfully.
        return Err(Stop::Eof);
    }
    atoi(&v).map_err(|e| Stop::Msg(format!("error parsing index: {e}")))
}

/// Go's `strings.EqualFold` against an ASCII lower-case word.
fn equal_fold(s: &str, word: &str) -> bool {
    let mut a = s.chars();
    for w in word.chars() {
        match a.next() {
            Some(c) if c.to_ascii_lowercase() == w => {}
            Some('\u{17f}') if w == 's' => {}
            Some('\u{212a}') if w == 'k' => {}
            _ => return false,
        }
    }
    a.next().is_none()
}

/// `typedVal(v, false)`.
pub(crate) fn typed_val(val: &str) -> Value {
    if equal_fold(val, "true") {
        return Value::Bool(true);
    }
    if equal_fold(val, "false") {
        return Value::Bool(false);
    }
    if equal_fold(val, "null") {
        return Value::Nil;
    }
    if val == "0" {
        return Value::Int(0);
    }
    if !val.is_empty() && !val.starts_with('0') {
        let digits = val.strip_prefix(['+', '-']).unwrap_or(val);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(i) = val.parse::<i64>() {
                return Value::Int(i);
            }
        }
    }
    Value::str(val)
}

struct Parser<'s, 'r> {
    sc: Scanner<'s>,
    mode: Mode<'r>,
}

impl Parser<'_, '_> {
    fn read_value(&mut self, rs: &str) -> Result<Value, Stop> {
        match &mut self.mode {
            Mode::Typed | Mode::Json => Ok(typed_val(rs)),
            Mode::Strings => Ok(Value::str(rs)),
            Mode::File(reader) => reader(rs).map_err(Stop::Msg),
        }
    }

    fn key(&mut self, data: &Rc<RefCell<Map>>, mut level: usize) -> Result<(), Stop> {
        let (k, last) = self.sc.until(&['=', '[', ',', '.'], true);
        match last {
            None if k.is_empty() => Err(Stop::Eof),
            None => Err(Stop::Msg(format!("key {} has no value", q(&k)))),
            Some('[') => {
                let i = key_index(&mut self.sc, true)?;
                let existing = data.borrow().get(k.as_str()).cloned();
                let list = match existing {
                    None => Vec::new(),
                    Some(Value::List(l)) => l.to_vec(),
                    Some(other) => return Err(assertion_panic(&other, LIST_T)),
                };
                let (list, res) = self.list_item(list, i, level);
                set(data, &k, Value::from_list(list));
                res
            }
            Some('=') => {
                if matches!(self.mode, Mode::Json) {
                    return match self.json_value()? {
                        None => {
                            set(data, &k, Value::Nil);
                            Ok(())
                        }
                        Some(v) => {
                            set(data, &k, v);
                            self.empty_val().map(|_| ())
                        }
                    };
                }
                match self.val_list() {
                    Ok(vl) => {
                        set(data, &k, Value::from_list(vl));
                        Ok(())
                    }
                    Err(Stop::Eof) => {
                        set(data, &k, Value::str(""));
                        Err(Stop::Eof)
                    }
                    Err(Stop::NotList) => {
                        let rs = self.val();
                        let v = self.read_value(&rs);
                        // Go stores the reader's value even when it failed (nil then).
                        set(data, &k, v.as_ref().cloned().unwrap_or(Value::Nil));
                        v.map(|_| ())
                    }
                    Err(e) => Err(e),
                }
            }
            Some(',') => {
                set(data, &k, Value::str(""));
                Err(Stop::Msg(format!(
                    "key {} has no value (cannot end with ,)",
                    q(&k)
                )))
            }
            Some(_) => {
                // '.'
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(Stop::Msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let existing = data.borrow().get(k.as_str()).cloned();
                let inner = match existing {
                    None => Rc::new(RefCell::new(Map::new())),
                    Some(Value::Map(m)) => m,
                    Some(other) => return Err(assertion_panic(&other, MAP_T)),
                };
                let e = self.key(&inner, level);
                let empty = inner.borrow().is_empty();
                if e.is_ok() && empty {
                    return Err(Stop::Msg(format!("key map {} has no value", q(&k))));
                }
                if !empty {
                    set(data, &k, Value::Map(inner));
                }
                e
            }
        }
    }

    fn list_item(
        &mut self,
        mut list: Vec<Value>,
        i: i64,
        level: usize,
    ) -> (Vec<Value>, Result<(), Stop>) {
        if i < 0 {
            return (
                list,
                Err(Stop::Msg(format!("negative {i} index not allowed"))),
            );
        }
        let (k, last) = self.sc.until(&['[', '.', '='], true);
        if !k.is_empty() {
            let msg = format!("unexpected data at end of array index: {}", q_runes(&k));
            return (list, Err(Stop::Msg(msg)));
        }
        match last {
            None => (list, Err(Stop::Eof)),
            Some('=') => {
                if matches!(self.mode, Mode::Json) {
                    return match self.json_value() {
                        Err(e) => (list, Err(e)),
                        Ok(None) => set_index(list, i, Value::Nil),
                        Ok(Some(v)) => {
                            let (list, r) = set_index(list, i, v);
                            if r.is_err() {
                                return (list, r);
                            }
                            (list, self.empty_val().map(|_| ()))
                        }
                    };
                }
                match self.val_list() {
                    Ok(vl) => set_index(list, i, Value::from_list(vl)),
                    Err(Stop::Eof) => set_index(list, i, Value::str("")),
                    Err(Stop::NotList) => {
                        let rs = self.val();
                        match self.read_value(&rs) {
                            Ok(v) => set_index(list, i, v),
                            Err(e) => (list, Err(e)),
                        }
                    }
                    Err(e) => (list, Err(e)),
                }
            }
            Some('[') => {
                let next = match key_index(&mut self.sc, true) {
                    Ok(n) => n,
                    Err(e) => return (list, Err(e)),
                };
                let crt = match list.get(i as usize) {
                    None | Some(Value::Nil) => Vec::new(),
                    Some(Value::List(l)) => l.to_vec(),
                    Some(other) => {
                        let e = assertion_panic(other, LIST_T);
                        return (list, Err(e));
                    }
                };
                let (list2, r) = self.list_item(crt, next, level);
                if r.is_err() {
                    return (list, r);
                }
                set_index(list, i, Value::from_list(list2))
            }
            Some(_) => {
                // '.': a nested object
                let inner = match list.get(i as usize) {
                    None => Rc::new(RefCell::new(Map::new())),
                    Some(Value::Map(m)) => m.clone(),
                    Some(_) => {
                        // indices out of order: an empty map replaces the element in place
                        let m = Rc::new(RefCell::new(Map::new()));
                        list[i as usize] = Value::Map(m.clone());
                        m
                    }
                };
                if let Err(e) = self.key(&inner, level) {
                    return (list, Err(e));
                }
                set_index(list, i, Value::Map(inner))
            }
        }
    }

    /// `emptyVal`: skips spaces; true at EOF or after a consumed comma.
    fn empty_val(&mut self) -> Result<bool, Stop> {
        loop {
            match self.sc.read() {
                None | Some(',') => return Ok(true),
                Some(r) if r.is_whitespace() => {}
                Some(_) => {
                    self.sc.unread();
                    return Ok(false);
                }
            }
        }
    }

    /// The `key=JSON` value: `None` for an empty value (null), else the decoded value
    /// with its text consumed.
    fn json_value(&mut self) -> Result<Option<Value>, Stop> {
        if self.empty_val()? {
            return Ok(None);
        }
        let (v, n) = json::decode_one(self.sc.rest()).map_err(Stop::Msg)?;
        self.sc.skip_bytes(n);
        Ok(Some(v))
    }

    fn val(&mut self) -> String {
        self.sc.until(&[','], true).0
    }

    fn val_list(&mut self) -> Result<Vec<Value>, Stop> {
        match self.sc.read() {
            None => return Err(Stop::Eof),
            Some('{') => {}
            Some(_) => {
                self.sc.unread();
                return Err(Stop::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.sc.until(&[',', '}'], true);
            match last {
                None => return Err(Stop::Msg("list must terminate with '}'".into())),
                Some('}') => {
                    if let Some(r) = self.sc.read() {
                        if r != ',' {
                            self.sc.unread();
                        }
                    }
                    let v = self.read_value(&rs)?;
                    list.push(v);
                    return Ok(list);
                }
                Some(_) => {
                    let v = self.read_value(&rs)?;
                    list.push(v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse as unmarshal;

    #[test]
    fn set_merges_into_existing_maps_and_lists() {
        let mut dest = unmarshal(r#"{"a": {"x": 1}, "l": [1, 2, 3]}"#).unwrap();
        parse_set("a.y=2,l[1]=b", &mut dest).unwrap();
        assert_eq!(dest.to_string(), "map[a:map[x:1 y:2] l:[1 b 3]]");
        assert_eq!(dest.get("a").unwrap().get("y"), Some(Value::Int(2)));
    }

    #[test]
    fn indexing_a_yaml_number_reports_its_go_type() {
        let mut dest = unmarshal(r#"{"a": 1}"#).unwrap();
        let err = parse_set("a[0]=1", &mut dest).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unable to parse key: interface conversion: interface {} is float64, not []interface {}"
        );
    }

    #[test]
    fn typed_values_follow_strvals_rules() {
        assert_eq!(typed_val("TRUE"), Value::Bool(true));
        assert_eq!(typed_val("null"), Value::Nil);
        assert_eq!(typed_val("0"), Value::Int(0));
        assert_eq!(typed_val("007"), Value::str("007"));
        assert_eq!(typed_val("-12"), Value::Int(-12));
        assert_eq!(typed_val("1.5"), Value::str("1.5"));
        assert_eq!(
            typed_val("9223372036854775808"),
            Value::str("9223372036854775808")
        );
    }

    #[test]
    fn non_map_dest_becomes_a_map() {
        let mut dest = Value::Nil;
        parse_set_string("a=1", &mut dest).unwrap();
        assert_eq!(dest.to_string(), "map[a:1]");
    }
}
