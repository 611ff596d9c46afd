//! JSON as Go's `encoding/json` writes and reads it for `interface{}` values: sorted keys,
//! HTML-safe escaping (or not, for Sprig's `toRawJson`), `MarshalIndent`; `Unmarshal`
//! of a whole document and a `Decoder` reading one value (`--set-json`), with Go's
//! scanner wording (numbers become float64).

use std::fmt::Write as _;

use crate::gofmt;
use crate::value::{Map, Value};

fn write_string(out: &mut String, s: &str, escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if escape_html => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xF) as usize] as char);
            }
            c if (c as u32) < 0x20 => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xF) as usize] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Enc {
    escape_html: bool,
    indent: Option<&'static str>,
}

impl Enc {
    fn newline(&self, out: &mut String, depth: usize) {
        if let Some(ind) = self.indent {
            out.push('\n');
            for _ in 0..depth {
                out.push_str(ind);
            }
        }
    }

    fn value(&self, out: &mut String, v: &Value, depth: usize) -> Result<(), String> {
        match v {
            Value::Nil => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => {
                if !f.is_finite() {
                    return Err(format!(
                        "json: unsupported value: {}",
                        gofmt::format_float_g(*f)
                    ));
                }
                out.push_str(&gofmt::format_float_json(*f));
            }
            Value::Str(s) => write_string(out, s, self.escape_html),
            Value::Bytes(b) => {
                use base64::Engine;
                let s = base64::engine::general_purpose::STANDARD.encode(b);
                write_string(out, &s, self.escape_html);
            }
            Value::List(l) => {
                if l.is_empty() {
                    out.push_str("[]");
                    return Ok(());
                }
                out.push('[');
                for (i, it) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.newline(out, depth + 1);
                    self.value(out, it, depth + 1)?;
                }
                self.newline(out, depth);
                out.push(']');
            }
            Value::Map(m) => {
                let m = m.borrow();
                if m.is_empty() {
                    out.push_str("{}");
                    return Ok(());
                }
                out.push('{');
                for (i, (k, it)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.newline(out, depth + 1);
                    write_string(out, k, self.escape_html);
                    out.push(':');
                    if self.indent.is_some() {
                        out.push(' ');
                    }
                    self.value(out, it, depth + 1)?;
                }
                self.newline(out, depth);
                out.push('}');
            }
            Value::Object(o) => match o.to_json_value() {
                Some(v) => self.value(out, &v, depth)?,
                None => write_string(out, &o.format(), self.escape_html),
            },
        }
        Ok(())
    }
}

/// `json.Marshal(v)`: map keys sorted, `<`, `>`, `&` escaped as `\u003c` ..., floats as Go
/// formats them.
///
/// # Errors
/// Values JSON cannot hold (`json: unsupported value: NaN`).
pub fn to_string(v: &Value) -> Result<String, String> {
    encode(v, true, None)
}

/// Sprig's `toRawJson`: an `Encoder` with `SetEscapeHTML(false)`, trailing newline trimmed.
///
/// # Errors
/// As [`to_string`].
pub fn to_string_raw(v: &Value) -> Result<String, String> {
    encode(v, false, None)
}

/// Sprig's `toPrettyJson`: `json.MarshalIndent(v, "", "  ")`.
///
/// # Errors
/// As [`to_string`].
pub fn to_string_pretty(v: &Value) -> Result<String, String> {
    encode(v, true, Some("  "))
}

fn encode(v: &Value, escape_html: bool, indent: Option<&'static str>) -> Result<String, String> {
    let mut out = String::new();
    Enc {
        escape_html,
        indent,
    }
    .value(&mut out, v, 0)?;
    Ok(out)
}

/// Go's `maxNestingDepth`.
const MAX_DEPTH: usize = 10000;

enum JErr {
    /// Input ended inside a value.
    Eof,
    /// A scanner or conversion error, worded.
    Msg(String),
}

/// Reads one JSON value from the start of `s` as `json.NewDecoder(...).Decode(&v)`
/// does (`--set-json`, schema numbers), returning it and the number of bytes consumed
/// (`InputOffset`); the rest is left unread. Where [`parse`] says `unexpected end of
/// JSON input`, a decoder says `unexpected EOF`.
///
/// # Errors
/// Go's message: a syntax error, `unexpected EOF`, or a number out of float64 range.
pub fn decode_one(s: &str) -> Result<(Value, usize), String> {
    let mut p = P {
        b: s.as_bytes(),
        pos: 0,
        depth: 0,
        type_err: None,
    };
    p.skip_ws();
    match p.value() {
        Ok(v) => match p.type_err {
            Some(e) => Err(e),
            None => Ok((v, p.pos)),
        },
        Err(JErr::Eof) => Err("unexpected EOF".into()),
        Err(JErr::Msg(m)) => Err(m),
    }
}

/// `json.Unmarshal` into `interface{}`: the whole text must be one value (trailing data
/// is a syntax error); numbers become `Value::Float`.
///
/// # Errors
/// Go's message for malformed input (`invalid character 'x' looking for beginning of
/// value`, `unexpected end of JSON input`, ...); syntax errors win over a number out
/// of float64 range, as Go checks the syntax first.
pub fn parse(s: &str) -> Result<Value, String> {
    let mut p = P {
        b: s.as_bytes(),
        pos: 0,
        depth: 0,
        type_err: None,
    };
    p.skip_ws();
    let v = match p.value() {
        Ok(v) => v,
        Err(JErr::Eof) => return Err("unexpected end of JSON input".into()),
        Err(JErr::Msg(m)) => return Err(m),
    };
    p.skip_ws();
    if let Some(&c) = p.b.get(p.pos) {
        return Err(format!(
            "invalid character {} after top-level value",
            quote_char(c)
        ));
    }
    match p.type_err {
        Some(e) => Err(e),
        None => Ok(v),
    }
}

/// Go's `quoteChar` for scanner errors.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        c => {
            let s = gofmt::quote(&char::from(c).to_string());
            format!("'{}'", &s[1..s.len() - 1])
        }
    }
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

struct P<'a> {
    b: &'a [u8],
    pos: usize,
    depth: usize,
    /// The first `UnmarshalTypeError` (decoding goes on after it, as Go's does).
    type_err: Option<String>,
}

impl P<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.b.len() && is_ws(self.b[self.pos]) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Result<u8, JErr> {
        self.b.get(self.pos).copied().ok_or(JErr::Eof)
    }

    fn err(&self, c: u8, ctx: &str) -> JErr {
        JErr::Msg(format!("invalid character {} {ctx}", quote_char(c)))
    }

    /// stateBeginValue (whitespace already skipped by the caller or here).
    fn value(&mut self) -> Result<Value, JErr> {
        self.skip_ws();
        let c = self.peek()?;
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(Value::from(self.string()?)),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Nil),
            c => Err(self.err(c, "looking for beginning of value")),
        }
    }

    fn push(&mut self, c: u8) -> Result<(), JErr> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(c, "exceeded max depth"));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Value, JErr> {
        self.push(b'{')?;
        self.pos += 1;
        let mut m = Map::new();
        self.skip_ws();
        if self.peek()? == b'}' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::from_map(m));
        }
        loop {
            self.skip_ws();
            let c = self.peek()?;
            if c != b'"' {
                return Err(self.err(c, "looking for beginning of object key string"));
            }
            let k = self.string()?;
            self.skip_ws();
            let c = self.peek()?;
            if c != b':' {
                return Err(self.err(c, "after object key"));
            }
            self.pos += 1;
            let v = self.value()?;
            m.insert(k.into(), v);
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::from_map(m));
                }
                c => return Err(self.err(c, "after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, JErr> {
        self.push(b'[')?;
        self.pos += 1;
        let mut l = Vec::new();
        self.skip_ws();
        if self.peek()? == b']' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::from_list(l));
        }
        loop {
            l.push(self.value()?);
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::from_list(l));
                }
                c => return Err(self.err(c, "after array element")),
            }
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, JErr> {
        self.pos += 1;
        for w in word.bytes().skip(1) {
            let c = self.peek()?;
            if c != w {
                let ctx = format!("in literal {word} (expecting {})", quote_char(w));
                return Err(self.err(c, &ctx));
            }
            self.pos += 1;
        }
        Ok(v)
    }

    fn digits(&mut self) {
        while self.pos < self.b.len() && self.b[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Result<Value, JErr> {
        let start = self.pos;
        if self.b[self.pos] == b'-' {
            self.pos += 1;
            let c = self.peek()?;
            if !c.is_ascii_digit() {
                return Err(self.err(c, "in numeric literal"));
            }
        }
        if self.b[self.pos] == b'0' {
            self.pos += 1;
        } else {
            self.digits();
        }
        if self.pos < self.b.len() && self.b[self.pos] == b'.' {
            self.pos += 1;
            let c = self.peek()?;
            if !c.is_ascii_digit() {
                return Err(self.err(c, "after decimal point in numeric literal"));
            }
            self.digits();
        }
        if self.pos < self.b.len() && matches!(self.b[self.pos], b'e' | b'E') {
            self.pos += 1;
            if matches!(self.peek()?, b'+' | b'-') {
                self.pos += 1;
            }
            let c = self.peek()?;
            if !c.is_ascii_digit() {
                return Err(self.err(c, "in exponent of numeric literal"));
            }
            self.digits();
        }
        let text = std::str::from_utf8(&self.b[start..self.pos]).unwrap_or("0");
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => {
                if self.type_err.is_none() {
                    self.type_err = Some(format!(
                        "json: cannot unmarshal number {text} into Go value of type float64"
                    ));
                }
                Ok(Value::Nil)
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JErr> {
        let mut r = 0u32;
        for _ in 0..4 {
            let c = self.peek()?;
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(self.err(c, "in \\u hexadecimal character escape")),
            };
            r = r * 16 + u32::from(d);
            self.pos += 1;
        }
        Ok(r)
    }

    /// A string starting at the opening quote; escapes decoded as Go's `unquote` does
    /// (a lone surrogate becomes U+FFFD).
    fn string(&mut self) -> Result<String, JErr> {
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        let mut pending_high: Option<u32> = None;
        loop {
            let c = self.peek()?;
            if c == b'\\' {
                self.pos += 1;
                let e = self.peek()?;
                let simple = match e {
                    b'"' => Some(b'"'),
                    b'\\' => Some(b'\\'),
                    b'/' => Some(b'/'),
                    b'b' => Some(8),
                    b'f' => Some(12),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    b'u' => None,
                    _ => return Err(self.err(e, "in string escape code")),
                };
                self.pos += 1;
                let r = match simple {
                    Some(b) => {
                        flush_high(&mut out, &mut pending_high);
                        out.push(b);
                        continue;
                    }
                    None => self.hex4()?,
                };
                if let Some(hi) = pending_high.take() {
                    if (0xDC00..0xE000).contains(&r) {
                        let cp = 0x10000 + ((hi - 0xD800) << 10) + (r - 0xDC00);
                        push_char(&mut out, char::from_u32(cp).unwrap_or('\u{fffd}'));
                        continue;
                    }
                    push_char(&mut out, '\u{fffd}');
                }
                if (0xD800..0xDC00).contains(&r) {
                    pending_high = Some(r);
                } else {
                    push_char(&mut out, char::from_u32(r).unwrap_or('\u{fffd}'));
                }
                continue;
            }
            flush_high(&mut out, &mut pending_high);
            if c == b'"' {
                self.pos += 1;
                return Ok(String::from_utf8(out).unwrap_or_default());
            }
            if c < 0x20 {
                return Err(self.err(c, "in string literal"));
            }
            out.push(c);
            self.pos += 1;
        }
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn flush_high(out: &mut Vec<u8>, pending: &mut Option<u32>) {
    if pending.take().is_some() {
        push_char(out, '\u{fffd}');
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "array",
        Value::Map(_) => "object",
        Value::Str(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    }
}

/// `json.Unmarshal` into `map[string]interface{}` (Helm's `fromJson`): null leaves the
/// map empty.
///
/// # Errors
/// Syntax errors, or `json: cannot unmarshal array into Go value of type
/// map[string]interface {}`.
pub fn parse_map(text: &str) -> Result<Value, String> {
    match parse(text)? {
        Value::Nil => Ok(Value::new_map()),
        v @ Value::Map(_) => Ok(v),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        )),
    }
}

/// `json.Unmarshal` into `[]interface{}` (Helm's `fromJsonArray`).
///
/// # Errors
/// Syntax errors, or `json: cannot unmarshal object into Go value of type []interface {}`.
pub fn parse_list(text: &str) -> Result<Value, String> {
    match parse(text)? {
        Value::Nil => Ok(Value::from_list(Vec::new())),
        v @ Value::List(_) => Ok(v),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind(&other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::from_map(
            pairs
                .iter()
                .map(|(k, v)| (std::rc::Rc::from(*k), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn marshal_sorts_keys_and_escapes_html() {
        let v = obj(&[("b", Value::str("<a&b>")), ("a", Value::Float(1.5))]);
        assert_eq!(
            to_string(&v).unwrap(),
            r#"{"a":1.5,"b":"\u003ca\u0026b\u003e"}"#
        );
        assert_eq!(to_string_raw(&v).unwrap(), r#"{"a":1.5,"b":"<a&b>"}"#);
    }

    #[test]
    fn pretty_uses_two_space_indent() {
        let v = obj(&[
            ("a", Value::from_list(vec![Value::Int(1)])),
            ("e", Value::new_map()),
        ]);
        assert_eq!(
            to_string_pretty(&v).unwrap(),
            "{\n  \"a\": [\n    1\n  ],\n  \"e\": {}\n}"
        );
    }

    #[test]
    fn nan_is_refused() {
        assert_eq!(
            to_string(&Value::Float(f64::NAN)).unwrap_err(),
            "json: unsupported value: NaN"
        );
    }

    #[test]
    fn unmarshal_reads_numbers_as_floats() {
        let v = parse(r#"{"a": [1, 2.5e3, "x\u00e9"], "b": null}"#).unwrap();
        assert_eq!(
            v.get("a").unwrap().as_list().unwrap()[1],
            Value::Float(2500.0)
        );
        assert_eq!(v.get("b"), Some(Value::Nil));
    }

    #[test]
    fn syntax_errors_use_go_wording() {
        assert_eq!(parse("{").unwrap_err(), "unexpected end of JSON input");
        assert_eq!(
            parse("x").unwrap_err(),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            parse("[1 2]").unwrap_err(),
            "invalid character '2' after array element"
        );
        assert_eq!(
            parse("{} x").unwrap_err(),
            "invalid character 'x' after top-level value"
        );
    }

    #[test]
    fn type_errors_name_the_go_type() {
        assert_eq!(
            parse_map("[1]").unwrap_err(),
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
        assert_eq!(
            parse_list("{}").unwrap_err(),
            "json: cannot unmarshal object into Go value of type []interface {}"
        );
    }

    #[test]
    fn decode_one_stops_after_the_value() {
        let (v, n) = decode_one("[1,\"a\"],b=2").unwrap();
        assert_eq!(n, 7);
        assert_eq!(
            v,
            Value::from_list(vec![Value::Float(1.0), Value::str("a")])
        );
        let (_, n) = decode_one("12 ,x").unwrap();
        assert_eq!(n, 2);
        let (_, n) = decode_one("true").unwrap();
        assert_eq!(n, 4);
    }

    #[test]
    fn syntax_errors_use_go_words() {
        assert_eq!(
            decode_one("x").unwrap_err(),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            decode_one("{\"a\" 1}").unwrap_err(),
            "invalid character '1' after object key"
        );
        assert_eq!(
            decode_one("[1,]").unwrap_err(),
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(decode_one("tru").unwrap_err(), "unexpected EOF");
        assert_eq!(
            decode_one("trux").unwrap_err(),
            "invalid character 'x' in literal true (expecting 'e')"
        );
        assert_eq!(
            decode_one("1.x").unwrap_err(),
            "invalid character 'x' after decimal point in numeric literal"
        );
        assert_eq!(
            parse("{} x").unwrap_err(),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(parse("{").unwrap_err(), "unexpected end of JSON input");
    }

    #[test]
    fn surrogates_and_range() {
        let (v, _) = decode_one(r#""\ud83d\ude00\ud800x""#).unwrap();
        assert_eq!(v, Value::str("\u{1f600}\u{fffd}x"));
        assert_eq!(
            decode_one("1e999").unwrap_err(),
            "json: cannot unmarshal number 1e999 into Go value of type float64"
        );
    }
}
