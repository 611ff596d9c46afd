//! TOML as Helm's `toToml` / `fromToml` (BurntSushi/toml) write and read it: the
//! encoder's layout (plain keys first, then `[tables]` and `[[arrays of tables]]`,
//! nested keys indented two spaces per level, floats always with a decimal point) and
//! the decoder's values (integers are int64, floats float64).

use std::rc::Rc;

use crate::gofmt;
use crate::value::{Map, Value};

/// BurntSushi's `dblQuotedReplacer`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_bare(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn key_part(s: &str) -> String {
    if is_bare(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

fn key_path(k: &[String]) -> String {
    k.iter().map(|p| key_part(p)).collect::<Vec<_>>().join(".")
}

#[derive(PartialEq)]
enum Kind {
    Nil,
    Table,
    ArrayOfTables,
    Other,
}

fn kind(v: &Value) -> Kind {
    match v {
        Value::Nil => Kind::Nil,
        Value::Map(_) => Kind::Table,
        Value::List(l) if !l.is_empty() && l.iter().all(|x| matches!(x, Value::Map(_))) => {
            Kind::ArrayOfTables
        }
        _ => Kind::Other,
    }
}

struct Enc {
    out: String,
}

impl Enc {
    fn wf(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(k: &[String]) -> String {
        "  ".repeat(k.len().saturating_sub(1))
    }

    fn check_array(l: &[Value]) -> Result<(), String> {
        if l.iter().any(Value::is_nil) {
            return Err("toml: cannot encode array with nil element".into());
        }
        Ok(())
    }

    fn element(&mut self, v: &Value) -> Result<(), String> {
        match v {
            Value::Nil => return Err("toml: cannot encode a nil value".into()),
            Value::Bool(b) => self.wf(if *b { "true" } else { "false" }),
            Value::Int(i) => self.wf(&i.to_string()),
            Value::Float(f) => {
                if f.is_nan() {
                    self.wf(if f.is_sign_negative() { "-nan" } else { "nan" });
                } else if f.is_infinite() {
                    self.wf(if *f < 0.0 { "-inf" } else { "inf" });
                } else {
                    let s = gofmt::format_float_g(*f);
                    self.wf(&s);
                    if !s.contains(['.', 'e']) {
                        self.wf(".0");
                    }
                }
            }
            Value::Str(s) => self.wf(&quote(s)),
            Value::Bytes(b) => self.wf(&quote(&String::from_utf8_lossy(b))),
            Value::List(l) => {
                Self::check_array(l)?;
                self.wf("[");
                for (i, it) in l.iter().enumerate() {
                    self.element(it)?;
                    if i + 1 != l.len() {
                        self.wf(", ");
                    }
                }
                self.wf("]");
            }
            Value::Map(m) => self.map(&[], &m.borrow(), true)?,
            Value::Object(o) => self.wf(&quote(&o.format())),
        }
        Ok(())
    }

    fn key_value(&mut self, key: &[String], v: &Value, inline: bool) -> Result<(), String> {
        let last = key.last().map(String::as_str).unwrap_or_default();
        let ind = if inline {
            String::new()
        } else {
            Self::indent(key)
        };
        self.wf(&format!("{ind}{} = ", key_part(last)));
        self.element(v)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }

    fn encode(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        match v {
            Value::Nil => Ok(()),
            Value::Map(m) => self.table(key, &m.borrow()),
            Value::List(l) => {
                Self::check_array(l)?;
                if kind(v) == Kind::ArrayOfTables {
                    for it in l.iter() {
                        if let Value::Map(m) = it {
                            self.newline();
                            self.wf(&format!("{}[[{}]]", Self::indent(key), key_path(key)));
                            self.newline();
                            self.map(key, &m.borrow(), false)?;
                        }
                    }
                    Ok(())
                } else if key.is_empty() {
                    self.element(v)
                } else {
                    self.key_value(key, v, false)
                }
            }
            _ => {
                if key.is_empty() {
                    self.element(v)
                } else {
                    self.key_value(key, v, false)
                }
            }
        }
    }

    fn table(&mut self, key: &[String], m: &Map) -> Result<(), String> {
        if key.len() == 1 {
            self.newline();
        }
        if !key.is_empty() {
            self.wf(&format!("{}[{}]", Self::indent(key), key_path(key)));
            self.newline();
        }
        self.map(key, m, false)
    }

    fn map(&mut self, key: &[String], m: &Map, inline: bool) -> Result<(), String> {
        let mut direct: Vec<(&Rc<str>, &Value)> = Vec::new();
        let mut sub: Vec<(&Rc<str>, &Value)> = Vec::new();
        for (k, v) in m {
            match kind(v) {
                Kind::Table | Kind::ArrayOfTables => sub.push((k, v)),
                Kind::Nil | Kind::Other => direct.push((k, v)),
            }
        }
        if inline {
            self.wf("{");
        }
        let has_sub = !sub.is_empty();
        for (group, trail) in [(direct, has_sub), (sub, false)] {
            let n = group.len();
            for (i, (k, v)) in group.into_iter().enumerate() {
                if v.is_nil() {
                    continue;
                }
                let mut kk = key.to_vec();
                kk.push(k.to_string());
                if inline {
                    self.key_value(&kk[kk.len() - 1..], v, true)?;
                    if trail || i + 1 != n {
                        self.wf(", ");
                    }
                } else {
                    self.encode(&kk, v)?;
                }
            }
        }
        if inline {
            self.wf("}");
        }
        Ok(())
    }
}

/// `toToml`: BurntSushi/toml's encoder output.
///
/// # Errors
/// Values TOML cannot hold (`toml: cannot encode array with nil element`).
pub fn to_string(v: &Value) -> Result<String, String> {
    let mut e = Enc { out: String::new() };
    e.encode(&[], v)?;
    Ok(e.out)
}

fn from_toml(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::from(s),
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::from(d.to_string()),
        toml::Value::Array(a) => Value::from_list(a.into_iter().map(from_toml).collect()),
        toml::Value::Table(t) => Value::from_map(
            t.into_iter()
                .map(|(k, v)| (Rc::from(k), from_toml(v)))
                .collect(),
        ),
    }
}

/// Line (1-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// `fromToml` parse into a map (integers as int64, floats as float64).
///
/// # Errors
/// A `toml: line N: ...` message.
pub fn parse(text: &str) -> Result<Value, String> {
    match text.parse::<toml::Table>() {
        Ok(t) => Ok(from_toml(toml::Value::Table(t))),
        Err(e) => {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            let msg = e.message().trim().to_string();
            let trimmed = text.trim_end();
            let last = trimmed.lines().last().unwrap_or("").trim();
            // BurntSushi's wording for the most common mistake: a bare key at EOF.
            if !last.contains('=') && !last.starts_with('[') && !last.is_empty() {
                let eof_line = line_of(text, trimmed.len());
                return Err(format!(
                    "toml: line {eof_line}: unexpected EOF; expected key separator '='"
                ));
            }
            Err(format!("toml: line {line}: {msg}"))
        }
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
    fn tables_are_written_after_plain_keys_and_indented() {
        let v = obj(&[
            ("mast", obj(&[("sail", Value::str("white"))])),
            ("a", Value::Float(1.0)),
        ]);
        assert_eq!(
            to_string(&v).unwrap(),
            "a = 1.0\n\n[mast]\n  sail = \"white\"\n"
        );
    }

    #[test]
    fn arrays_of_tables_use_double_brackets() {
        let v = obj(&[(
            "t",
            Value::from_list(vec![
                obj(&[("k", Value::Int(1))]),
                obj(&[("k", Value::Int(2))]),
            ]),
        )]);
        assert_eq!(to_string(&v).unwrap(), "[[t]]\n  k = 1\n\n[[t]]\n  k = 2\n");
    }

    #[test]
    fn odd_keys_are_quoted() {
        let v = obj(&[("a b", Value::str("x")), ("", Value::Bool(true))]);
        assert_eq!(to_string(&v).unwrap(), "\"\" = true\n\"a b\" = \"x\"\n");
    }

    #[test]
    fn parse_reads_integers_as_int64() {
        let v = parse("a = 1\nb = 1.5\n[t]\nc = \"x\"\n").unwrap();
        assert_eq!(v.get("a"), Some(Value::Int(1)));
        assert_eq!(v.get("b"), Some(Value::Float(1.5)));
    }

    #[test]
    fn bare_key_at_eof_is_reported_as_burntsushi_does() {
        assert_eq!(
            parse("one").unwrap_err(),
            "toml: line 1: unexpected EOF; expected key separator '='"
        );
    }
}
