//! Go's `encoding/json` decoding into `interface{}` as `--set-json` uses it: one value
//! read by a `json.Decoder` (its length reported, the rest left unread), and
//! `json.Unmarshal` of a whole document. Numbers become `Value::Float`; syntax errors
//! carry Go's scanner wording (`invalid character 'x' looking for beginning of value`).

use crate::gofmt;
use crate::value::{Map, Value};

/// Go's `maxNestingDepth`.
const MAX_DEPTH: usize = 10000;

enum JErr {
    /// Input ended inside a value.
    Eof,
    /// A scanner or conversion error, worded.
    Msg(String),
}

/// Reads one JSON value from the start of `s` as `json.NewDecoder(...).Decode(&v)`
/// does, returning it and the number of bytes consumed (`InputOffset`).
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

/// `json.Unmarshal(text, &v)` with `v interface{}`.
///
/// # Errors
/// Go's message (`unexpected end of JSON input`, `invalid character ...`).
pub fn unmarshal(s: &str) -> Result<Value, String> {
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
            m.insert(k, v);
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

#[cfg(test)]
mod tests {
    use super::*;

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
            unmarshal("{} x").unwrap_err(),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(unmarshal("{").unwrap_err(), "unexpected end of JSON input");
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
