//! List functions: `list`/`tuple`, `append`/`push`, `prepend`, `first`, `rest`, `last`,
//! `initial`, `reverse`, `uniq`, `without`, `has`, `compact`, `slice`, `concat`, `chunk`,
//! `sortAlpha`, `until`, `untilStep`, `seq`, with their `must` variants.
//!
//! Sprig's plain variants panic with the same message the `must` ones return, and
//! text/template turns the panic into the call's error, so both return `Err` alike.

use super::arg_int;
use super::cast::to_int64;
use super::strings::strslice;
use super::{empty, go_kind, slice_items, str_list, strval, NIL_DEREF};
use crate::funcs::{func, FuncSpec, Param};
use crate::value::Value;

/// The items of a list argument, or Sprig's error `"{prefix} {kind}"`.
fn items(v: &Value, prefix: &str) -> Result<Vec<Value>, String> {
    match slice_items(v) {
        Some(it) => Ok(it),
        None if v.is_nil() => Err(NIL_DEREF.into()),
        None => Err(format!("{prefix} {}", go_kind(v))),
    }
}

fn list(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from_list(a.to_vec()))
}

fn push(a: &[Value]) -> Result<Value, String> {
    let mut l = items(&a[0], "Cannot push on type")?;
    l.push(a[1].clone());
    Ok(Value::from_list(l))
}

fn prepend(a: &[Value]) -> Result<Value, String> {
    let mut l = items(&a[0], "Cannot prepend on type")?;
    l.insert(0, a[1].clone());
    Ok(Value::from_list(l))
}

fn chunk(a: &[Value]) -> Result<Value, String> {
    let size = match a[0] {
        Value::Int(n) => n,
        _ => 0,
    };
    let l = items(&a[1], "Cannot chunk type")?;
    if l.is_empty() && size > 0 {
        return Ok(Value::from_list(Vec::new()));
    }
    if size <= 0 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    let out = l
        .chunks(size as usize)
        .map(|c| Value::from_list(c.to_vec()))
        .collect();
    Ok(Value::from_list(out))
}

fn first(a: &[Value]) -> Result<Value, String> {
    let l = items(&a[0], "Cannot find first on type")?;
    Ok(l.first().cloned().unwrap_or(Value::Nil))
}

fn last(a: &[Value]) -> Result<Value, String> {
    let l = items(&a[0], "Cannot find last on type")?;
    Ok(l.last().cloned().unwrap_or(Value::Nil))
}

fn rest(a: &[Value]) -> Result<Value, String> {
    let l = items(&a[0], "Cannot find rest on type")?;
    Ok(Value::from_list(l.into_iter().skip(1).collect()))
}

fn initial(a: &[Value]) -> Result<Value, String> {
    let mut l = items(&a[0], "Cannot find initial on type")?;
    l.pop();
    Ok(Value::from_list(l))
}

fn reverse(a: &[Value]) -> Result<Value, String> {
    let mut l = items(&a[0], "Cannot find reverse on type")?;
    l.reverse();
    Ok(Value::from_list(l))
}

fn compact(a: &[Value]) -> Result<Value, String> {
    let l = items(&a[0], "Cannot compact on type")?;
    Ok(Value::from_list(
        l.into_iter().filter(|v| !empty(v)).collect(),
    ))
}

fn uniq(a: &[Value]) -> Result<Value, String> {
    let l = items(&a[0], "Cannot find uniq on type")?;
    let mut out: Vec<Value> = Vec::new();
    for v in l {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(Value::from_list(out))
}

fn without(a: &[Value]) -> Result<Value, String> {
    let l = items(&a[0], "Cannot find without on type")?;
    let omit = &a[1..];
    Ok(Value::from_list(
        l.into_iter().filter(|v| !omit.contains(v)).collect(),
    ))
}

fn has(a: &[Value]) -> Result<Value, String> {
    if a[1].is_nil() {
        return Ok(Value::Bool(false));
    }
    let l = items(&a[1], "Cannot find has on type")?;
    Ok(Value::Bool(l.contains(&a[0])))
}

fn slice(a: &[Value]) -> Result<Value, String> {
    let src = &a[0];
    let l = items(src, "list should be type of slice or array but")?;
    if l.is_empty() {
        return Ok(Value::Nil);
    }
    let start = a.get(1).map(to_int64).unwrap_or(0);
    let end = if a.len() < 3 {
        l.len() as i64
    } else {
        to_int64(&a[2])
    };
    if start < 0 || end < start || end > l.len() as i64 {
        return Err("reflect: slice index out of range".into());
    }
    let (s, e) = (start as usize, end as usize);
    Ok(match src {
        Value::Bytes(b) => Value::Bytes(b[s..e].into()),
        _ => Value::from_list(l[s..e].to_vec()),
    })
}

fn concat(a: &[Value]) -> Result<Value, String> {
    let mut out = Vec::new();
    for v in a {
        match slice_items(v) {
            Some(it) => out.extend(it),
            None if v.is_nil() => return Err(NIL_DEREF.into()),
            None => return Err(format!("Cannot concat type {} as list", go_kind(v))),
        }
    }
    Ok(Value::from_list(out))
}

fn sort_alpha(a: &[Value]) -> Result<Value, String> {
    let v = &a[0];
    if slice_items(v).is_some() {
        let mut s = strslice(v);
        s.sort();
        return Ok(str_list(s));
    }
    Ok(str_list(vec![strval(v)]))
}

/// Sprig's `untilStep`: `[start, stop)` by `step`, empty when the step points away.
pub fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    if stop < start {
        if step >= 0 {
            return v;
        }
        let mut i = start;
        while i > stop {
            v.push(i);
            i += step;
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    let mut i = start;
    while i < stop {
        v.push(i);
        i += step;
    }
    v
}

fn ints(v: Vec<i64>) -> Value {
    Value::from_list(v.into_iter().map(Value::Int).collect())
}

fn until(a: &[Value]) -> Result<Value, String> {
    let n = arg_int(a, 0);
    Ok(ints(until_step(0, n, if n < 0 { -1 } else { 1 })))
}

fn until_step_fn(a: &[Value]) -> Result<Value, String> {
    Ok(ints(until_step(
        arg_int(a, 0),
        arg_int(a, 1),
        arg_int(a, 2),
    )))
}

fn seq(a: &[Value]) -> Result<Value, String> {
    let p: Vec<i64> = (0..a.len()).map(|i| arg_int(a, i)).collect();
    let r = match p.len() {
        1 => {
            let (start, end) = (1, p[0]);
            let inc = if end < start { -1 } else { 1 };
            until_step(start, end + inc, inc)
        }
        2 => {
            let (start, end) = (p[0], p[1]);
            let step = if end < start { -1 } else { 1 };
            until_step(start, end + step, step)
        }
        3 => {
            let (start, step, end) = (p[0], p[1], p[2]);
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return Ok(Value::str(""));
                }
            }
            until_step(start, end + inc, step)
        }
        _ => Vec::new(),
    };
    let s: Vec<String> = r.iter().map(i64::to_string).collect();
    Ok(Value::from(s.join(" ")))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("list", &[], Some(Any), list),
        func("tuple", &[], Some(Any), list),
        func("append", &[Any, Any], None, push),
        func("push", &[Any, Any], None, push),
        func("mustAppend", &[Any, Any], None, push),
        func("mustPush", &[Any, Any], None, push),
        func("prepend", &[Any, Any], None, prepend),
        func("mustPrepend", &[Any, Any], None, prepend),
        func("chunk", &[Int, Any], None, chunk),
        func("mustChunk", &[Int, Any], None, chunk),
        func("first", &[Any], None, first),
        func("mustFirst", &[Any], None, first),
        func("last", &[Any], None, last),
        func("mustLast", &[Any], None, last),
        func("rest", &[Any], None, rest),
        func("mustRest", &[Any], None, rest),
        func("initial", &[Any], None, initial),
        func("mustInitial", &[Any], None, initial),
        func("reverse", &[Any], None, reverse),
        func("mustReverse", &[Any], None, reverse),
        func("compact", &[Any], None, compact),
        func("mustCompact", &[Any], None, compact),
        func("uniq", &[Any], None, uniq),
        func("mustUniq", &[Any], None, uniq),
        func("without", &[Any], Some(Any), without),
        func("mustWithout", &[Any], Some(Any), without),
        func("has", &[Any, Any], None, has),
        func("mustHas", &[Any, Any], None, has),
        func("slice", &[Any], Some(Any), slice),
        func("mustSlice", &[Any], Some(Any), slice),
        func("concat", &[], Some(Any), concat),
        func("sortAlpha", &[Any], None, sort_alpha),
        func("until", &[Int], None, until),
        func("untilStep", &[Int, Int, Int], None, until_step_fn),
        func("seq", &[], Some(Int), seq),
    ]
}

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn list_accessors() {
        let l3 = l(&[i(1), i(2), i(3)]);
        assert_eq!(show("first", &[l3.clone()]), "1");
        assert_eq!(show("last", &[l3.clone()]), "3");
        assert_eq!(show("rest", &[l3.clone()]), "[2 3]");
        assert_eq!(show("initial", &[l3.clone()]), "[1 2]");
        assert_eq!(show("reverse", &[l3.clone()]), "[3 2 1]");
        assert_eq!(call("first", &[l(&[])]).unwrap(), Value::Nil);
        assert_eq!(show("rest", &[l(&[])]), "[]");
        assert_eq!(show("append", &[l3.clone(), i(4)]), "[1 2 3 4]");
        assert_eq!(show("prepend", &[l3, i(0)]), "[0 1 2 3]");
    }

    #[test]
    fn non_lists_fail_with_sprig_text() {
        assert_eq!(
            show("first", &[s("x")]),
            "ERR Cannot find first on type string"
        );
        assert_eq!(
            show("mustPush", &[i(1), i(2)]),
            "ERR Cannot push on type int"
        );
        assert_eq!(show("rest", &[Value::Nil]), format!("ERR {NIL_DEREF}"));
        assert_eq!(
            show("mustHas", &[i(1), s("x")]),
            "ERR Cannot find has on type string"
        );
        assert_eq!(show("has", &[s("bar"), Value::Nil]), "false");
        assert_eq!(
            show("slice", &[m(&[])]),
            "ERR list should be type of slice or array but map"
        );
        assert_eq!(
            show("concat", &[l(&[]), i(1)]),
            "ERR Cannot concat type int as list"
        );
    }

    #[test]
    fn uniq_compact_without_use_deep_equality() {
        let v = l(&[s("foo"), i(1), i(1), s("foo"), Value::Float(1.0)]);
        assert_eq!(show("uniq", &[v]), "[foo 1 1]");
        assert_eq!(
            show("compact", &[l(&[i(1), i(0), s(""), s("hello")])]),
            "[1 hello]"
        );
        assert_eq!(show("without", &[l(&[i(1), i(1), i(2)]), i(1)]), "[2]");
        assert_eq!(show("has", &[i(1), l(&[i(1), i(2)])]), "true");
    }

    #[test]
    fn slice_chunk_concat() {
        let l3 = l(&[i(1), i(2), i(3)]);
        assert_eq!(show("slice", &[l3.clone()]), "[1 2 3]");
        assert_eq!(show("slice", &[l3.clone(), i(1)]), "[2 3]");
        assert_eq!(show("slice", &[l3.clone(), i(0), i(1)]), "[1]");
        assert_eq!(
            show("slice", &[l3.clone(), i(2), i(5)]),
            "ERR reflect: slice index out of range"
        );
        assert_eq!(call("slice", &[l(&[])]).unwrap(), Value::Nil);
        let c = call("chunk", &[i(2), l3.clone()]).unwrap();
        assert_eq!(strval(&c), "[[1 2] [3]]");
        assert_eq!(show("chunk", &[i(3), l(&[])]), "[]");
        assert_eq!(show("concat", &[l3, l(&[Value::Nil])]), "[1 2 3 <nil>]");
    }

    #[test]
    fn sort_alpha_sorts_strings() {
        assert_eq!(
            show("sortAlpha", &[l(&[i(2), i(1), s("b"), s("a")])]),
            "[1 2 a b]"
        );
        assert_eq!(show("sortAlpha", &[s("x")]), "[x]");
        assert_eq!(show("sortAlpha", &[Value::Nil]), "[<nil>]");
    }

    #[test]
    fn ranges_like_sprig() {
        assert_eq!(show("until", &[i(3)]), "[0 1 2]");
        assert_eq!(show("until", &[i(-3)]), "[0 -1 -2]");
        assert_eq!(show("untilStep", &[i(0), i(-10), i(-2)]), "[0 -2 -4 -6 -8]");
        assert_eq!(show("untilStep", &[i(3), i(99), i(0)]), "[]");
        let seq = |a: &[i64]| show("seq", &a.iter().map(|x| i(*x)).collect::<Vec<_>>());
        assert_eq!(seq(&[0, 1, 3]), "0 1 2 3");
        assert_eq!(seq(&[0, 3, 10]), "0 3 6 9");
        assert_eq!(seq(&[3, 3, 2]), "");
        assert_eq!(seq(&[3, -3, 2]), "3");
        assert_eq!(seq(&[]), "");
        assert_eq!(seq(&[5]), "1 2 3 4 5");
        assert_eq!(seq(&[-5]), "1 0 -1 -2 -3 -4 -5");
        assert_eq!(seq(&[0]), "1 0");
        assert_eq!(seq(&[0, 1, 2, 3]), "");
        assert_eq!(seq(&[0, -4]), "0 -1 -2 -3 -4");
    }
}
