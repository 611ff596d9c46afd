//! JSON as Go's `encoding/json` writes and reads it for `interface{}` values: sorted keys,
//! HTML-safe escaping (or not, for Sprig's `toRawJson`), `MarshalIndent`, and
//! `Unmarshal` with Go's error texts (numbers become float64).

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
    let mut out = String::new();
    Enc {
        escape_html: true,
        indent: None,
    }
    .value(&mut out, v, 0)?;
    Ok(out)
}

/// Sprig's `toRawJson`: an `Encoder` with `SetEscapeHTML(false)`, trailing newline trimmed.
///
/// # Errors
/// As [`to_string`].
pub fn to_string_raw(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    Enc {
        escape_html: false,
        indent: None,
    }
    .value(&mut out, v, 0)?;
    Ok(out)
}

/// Sprig's `toPrettyJson`: `json.MarshalIndent(v, "", "  ")`.
///
/// # Errors
/// As [`to_string`].
pub fn to_string_pretty(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    Enc {
        escape_html: true,
        indent: Some("  "),
    }
    .value(&mut out, v, 0)?;
    Ok(out)
}

/// Go's `quoteChar` for syntax error messages.
fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '"' => "'\"'".into(),
        c => {
            let q = gofmt::quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

struct Dec<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl Dec<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && is_ws(self.s[self.i]) {
            self.i += 1;
        }
    }

    fn cur_char(&self) -> char {
        self.text[self.i..].chars().next().unwrap_or('\u{FFFD}')
    }

    fn err_at(&self, context: &str) -> String {
        if self.i >= self.s.len() {
            return "unexpected end of JSON input".into();
        }
        format!(
            "invalid character {} {context}",
            quote_char(self.cur_char())
        )
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > 10000 {
            return Err("exceeded max depth".into());
        }
        self.ws();
        let Some(&b) = self.s.get(self.i) else {
            return Err("unexpected end of JSON input".into());
        };
        match b {
            b'{' => {
                self.i += 1;
                let mut m = Map::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Value::from_map(m));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return Err(self.err_at("looking for beginning of object key string"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return Err(self.err_at("after object key"));
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    m.insert(k, v);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Value::from_map(m));
                        }
                        _ => return Err(self.err_at("after object key:value pair")),
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut l = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Value::from_list(l));
                }
                loop {
                    l.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::from_list(l));
                        }
                        _ => return Err(self.err_at("after array element")),
                    }
                }
            }
            b'"' => Ok(Value::str(&self.string()?)),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Nil),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(self.err_at("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        let w = word.as_bytes();
        for (k, &expect) in w.iter().enumerate() {
            match self.s.get(self.i) {
                None => return Err("unexpected end of JSON input".into()),
                Some(&c) if c == expect => self.i += 1,
                Some(_) => {
                    return Err(self.err_at(&format!(
                        "in literal {word} (expecting {})",
                        quote_char(expect as char)
                    )))
                }
            }
            let _ = k;
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        let digits = |d: &mut Self| {
            let st = d.i;
            while d.i < d.s.len() && d.s[d.i].is_ascii_digit() {
                d.i += 1;
            }
            d.i - st
        };
        if self.s[self.i] == b'-' {
            self.i += 1;
            match self.s.get(self.i) {
                None => return Err("unexpected end of JSON input".into()),
                Some(c) if c.is_ascii_digit() => {}
                Some(_) => return Err(self.err_at("in numeric literal")),
            }
        }
        if self.s[self.i] == b'0' {
            self.i += 1;
        } else {
            digits(self);
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return Err(self.err_at("after decimal point in numeric literal"));
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.err_at("in exponent of numeric literal"));
            }
        }
        let text = &self.text[start..self.i];
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => Err(format!(
                "json: cannot unmarshal number {text} into Go value of type float64"
            )),
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(&c) = self.s.get(self.i) else {
                return Err("unexpected end of JSON input".into());
            };
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.err_at("in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err("unexpected end of JSON input".into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err("unexpected end of JSON input".into());
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let u = self.hex4()?;
                            if (0xD800..0xDC00).contains(&u)
                                && self.s.get(self.i) == Some(&b'\\')
                                && self.s.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    let cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                                    out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                                } else {
                                    out.push('\u{FFFD}');
                                    self.i = save;
                                }
                            } else {
                                out.push(char::from_u32(u).unwrap_or('\u{FFFD}'));
                            }
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err_at("in string escape code"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.err_at("in string literal")),
                _ => {
                    let ch = self.cur_char();
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }
}

/// `json.Unmarshal` into `interface{}`: numbers become `Value::Float`.
///
/// # Errors
/// Go's message for malformed input (`invalid character 'x' looking for beginning of
/// value`, `unexpected end of JSON input`, ...).
pub fn parse(text: &str) -> Result<Value, String> {
    let mut d = Dec {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    let v = d.value(0)?;
    d.ws();
    if d.i < d.s.len() {
        return Err(d.err_at("after top-level value"));
    }
    Ok(v)
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
                .map(|(k, v)| (k.to_string(), v.clone()))
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
}
