//! Go `text/template`'s predefined functions: `len`, `index`, `slice`, `print*`,
//! comparisons, `not`, `html`, `js`, `urlquery` (`and`/`or` short-circuit in the executor).

use std::cmp::Ordering;
use std::fmt::Write as _;

use crate::gofmt;
use crate::value::Value;

/// One of Go's predefined template functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// `and` (short-circuit, in the executor)
    And,
    /// `or` (short-circuit, in the executor)
    Or,
    /// `not`
    Not,
    /// `len`
    Len,
    /// `index`
    Index,
    /// `slice`
    Slice,
    /// `print`
    Print,
    /// `printf`
    Printf,
    /// `println`
    Println,
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `lt`
    Lt,
    /// `le`
    Le,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `html`
    Html,
    /// `js`
    Js,
    /// `urlquery`
    Urlquery,
    /// `call`
    Call,
}

impl Builtin {
    /// Every predefined function.
    pub const ALL: &'static [Builtin] = &[
        Builtin::And,
        Builtin::Or,
        Builtin::Not,
        Builtin::Len,
        Builtin::Index,
        Builtin::Slice,
        Builtin::Print,
        Builtin::Printf,
        Builtin::Println,
        Builtin::Eq,
        Builtin::Ne,
        Builtin::Lt,
        Builtin::Le,
        Builtin::Gt,
        Builtin::Ge,
        Builtin::Html,
        Builtin::Js,
        Builtin::Urlquery,
        Builtin::Call,
    ];

    /// The name templates call it by.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::And => "and",
            Builtin::Or => "or",
            Builtin::Not => "not",
            Builtin::Len => "len",
            Builtin::Index => "index",
            Builtin::Slice => "slice",
            Builtin::Print => "print",
            Builtin::Printf => "printf",
            Builtin::Println => "println",
            Builtin::Eq => "eq",
            Builtin::Ne => "ne",
            Builtin::Lt => "lt",
            Builtin::Le => "le",
            Builtin::Gt => "gt",
            Builtin::Ge => "ge",
            Builtin::Html => "html",
            Builtin::Js => "js",
            Builtin::Urlquery => "urlquery",
            Builtin::Call => "call",
        }
    }
}

/// Calls a predefined function (all but `and`/`or`, which the executor evaluates).
pub fn call(b: Builtin, args: &[Value]) -> Result<Value, String> {
    let name = b.name();
    match b {
        Builtin::Not => {
            want_args(name, args, 1)?;
            Ok(Value::Bool(!args[0].truthy()))
        }
        Builtin::Len => {
            want_args(name, args, 1)?;
            len(&args[0])
        }
        Builtin::Index => {
            if args.is_empty() {
                return Err("wrong number of args for index: want at least 1 got 0".into());
            }
            index(&args[0], &args[1..])
        }
        Builtin::Slice => {
            if args.is_empty() {
                return Err("wrong number of args for slice: want at least 1 got 0".into());
            }
            slice(&args[0], &args[1..])
        }
        Builtin::Print => Ok(Value::from(gofmt::sprint(args))),
        Builtin::Println => Ok(Value::from(gofmt::sprintln(args))),
        Builtin::Printf => {
            if args.is_empty() {
                return Err("wrong number of args for printf: want at least 1 got 0".into());
            }
            let Value::Str(f) = &args[0] else {
                return Err(format!(
                    "wrong type for value; expected string; got {}",
                    args[0].type_name()
                ));
            };
            Ok(Value::from(gofmt::sprintf(f, &args[1..])))
        }
        Builtin::Eq => {
            if args.len() < 2 {
                return Err("missing argument for comparison".into());
            }
            eq(&args[0], &args[1..]).map(Value::Bool)
        }
        Builtin::Ne => {
            want_args(name, args, 2)?;
            eq(&args[0], &args[1..2]).map(|b| Value::Bool(!b))
        }
        Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => {
            want_args(name, args, 2)?;
            let o = compare(&args[0], &args[1])?;
            Ok(Value::Bool(match b {
                Builtin::Lt => o == Ordering::Less,
                Builtin::Le => o != Ordering::Greater,
                Builtin::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }))
        }
        Builtin::Html => Ok(Value::from(html_escape(&eval_args(args)))),
        Builtin::Js => Ok(Value::from(js_escape(&eval_args(args)))),
        Builtin::Urlquery => Ok(Value::from(query_escape(&eval_args(args)))),
        Builtin::Call => Err("call of nil".into()),
        Builtin::And | Builtin::Or => Err(format!("{name} is evaluated by the executor")),
    }
}

fn want_args(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() != n {
        return Err(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        ));
    }
    Ok(())
}

fn eval_args(args: &[Value]) -> String {
    if let [Value::Str(s)] = args {
        return s.to_string();
    }
    gofmt::sprint(args)
}

fn len(v: &Value) -> Result<Value, String> {
    let n = match v {
        Value::Str(s) => s.len(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.len(),
        Value::Map(m) => m.borrow().len(),
        Value::Object(o) if o.len().is_some() => o.len().unwrap_or(0),
        Value::Nil => return Err("len of nil pointer".into()),
        other => return Err(format!("len of type {}", other.type_name())),
    };
    Ok(Value::Int(n as i64))
}

fn int_index(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Nil => Err("cannot index slice/array with nil".into()),
        other => Err(format!(
            "cannot index slice/array with type {}",
            other.type_name()
        )),
    }
}

fn index(item: &Value, idx: &[Value]) -> Result<Value, String> {
    let mut cur = item.clone();
    for i in idx {
        cur = match &cur {
            Value::Map(m) => match i {
                Value::Str(k) => m.borrow().get(&**k).cloned().unwrap_or_default(),
                Value::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ))
                }
            },
            Value::List(l) => {
                let n = int_index(i)?;
                if n < 0 || n as usize >= l.len() {
                    return Err(format!("index out of range: {n}"));
                }
                l[n as usize].clone()
            }
            Value::Str(s) => {
                let n = int_index(i)?;
                if n < 0 || n as usize >= s.len() {
                    return Err(format!("index out of range: {n}"));
                }
                Value::Int(s.as_bytes()[n as usize] as i64)
            }
            Value::Bytes(b) => {
                let n = int_index(i)?;
                if n < 0 || n as usize >= b.len() {
                    return Err(format!("index out of range: {n}"));
                }
                Value::Int(b[n as usize] as i64)
            }
            Value::Nil => return Err("index of untyped nil".into()),
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(cur)
}

fn slice(item: &Value, idx: &[Value]) -> Result<Value, String> {
    if idx.len() > 3 {
        return Err(format!("too many slice indexes: {}", idx.len()));
    }
    let len = match item {
        Value::Str(s) => {
            if idx.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.len(),
        Value::Bytes(b) => b.len(),
        Value::Nil => return Err("slice of untyped nil".into()),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut ix = [0usize, len, len];
    for (k, v) in idx.iter().enumerate() {
        let n = int_index(v)?;
        if n < 0 || n as usize > len {
            return Err(format!("index out of range: {n}"));
        }
        ix[k] = n as usize;
    }
    if ix[0] > ix[1] {
        return Err(format!("invalid slice index: {} > {}", ix[0], ix[1]));
    }
    Ok(match item {
        Value::Str(s) => {
            Value::from(s.get(ix[0]..ix[1]).map(str::to_string).unwrap_or_else(|| {
                String::from_utf8_lossy(&s.as_bytes()[ix[0]..ix[1]]).into_owned()
            }))
        }
        Value::List(l) => Value::from_list(l[ix[0]..ix[1]].to_vec()),
        Value::Bytes(b) => Value::Bytes(b[ix[0]..ix[1]].into()),
        _ => Value::Nil,
    })
}

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
    Other,
    Invalid,
}

fn kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::Str(_) => Kind::Str,
        Value::Nil => Kind::Invalid,
        _ => Kind::Other,
    }
}

/// Go's `eq arg1 arg2...`: true when arg1 equals any of the others.
fn eq(a: &Value, others: &[Value]) -> Result<bool, String> {
    let k1 = kind(a);
    for b in others {
        let k2 = kind(b);
        let truth = if k1 != k2 {
            if k1 != Kind::Invalid && k2 != Kind::Invalid {
                return Err("incompatible types for comparison".into());
            }
            false
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x), Value::Int(y)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::Str(x), Value::Str(y)) => x == y,
                (Value::Nil, Value::Nil) => true,
                (Value::List(_) | Value::Map(_) | Value::Bytes(_), _) => {
                    return Err(format!(
                        "non-comparable type {}: {}",
                        gofmt::sprint_one(a),
                        a.type_name()
                    ))
                }
                (Value::Object(x), Value::Object(y)) => std::rc::Rc::ptr_eq(x, y),
                _ => false,
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn compare(a: &Value, b: &Value) -> Result<Ordering, String> {
    let (k1, k2) = (kind(a), kind(b));
    let ordered = |k: Kind| matches!(k, Kind::Int | Kind::Float | Kind::Str);
    if !ordered(k1) || !ordered(k2) {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err("incompatible types for comparison".into());
    }
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        (Value::Str(x), Value::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => Ordering::Equal,
    })
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '"' => out.push_str("&#34;"),
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}
