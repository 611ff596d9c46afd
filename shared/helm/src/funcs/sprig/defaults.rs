//! Defaults and flow helpers: `default`, `empty`, `coalesce`, `all`, `any`, `ternary`,
//! and Sprig's JSON functions (`toJson`, `toPrettyJson`, `toRawJson`, `fromJson` and
//! the `must` variants; Helm replaces some of these with its own).

use super::empty;
use crate::funcs::{func, FuncSpec, Param};
use crate::json;
use crate::value::Value;

fn dfault(a: &[Value]) -> Result<Value, String> {
    match a.get(1) {
        Some(g) if !empty(g) => Ok(g.clone()),
        _ => Ok(a[0].clone()),
    }
}

fn empty_fn(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(empty(&a[0])))
}

fn coalesce(a: &[Value]) -> Result<Value, String> {
    Ok(a.iter().find(|v| !empty(v)).cloned().unwrap_or(Value::Nil))
}

fn all(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(a.iter().all(|v| !empty(v))))
}

fn any(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(a.iter().any(|v| !empty(v))))
}

fn ternary(a: &[Value]) -> Result<Value, String> {
    let cond = matches!(a[2], Value::Bool(true));
    Ok(if cond { a[0].clone() } else { a[1].clone() })
}

fn arg_str(a: &[Value]) -> &str {
    a[0].as_str().unwrap_or("")
}

fn from_json(a: &[Value]) -> Result<Value, String> {
    Ok(json::parse(arg_str(a)).unwrap_or(Value::Nil))
}

fn must_from_json(a: &[Value]) -> Result<Value, String> {
    json::parse(arg_str(a))
}

fn to_json(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(json::to_string(&a[0]).unwrap_or_default()))
}

fn must_to_json(a: &[Value]) -> Result<Value, String> {
    json::to_string(&a[0]).map(Value::from)
}

fn to_pretty_json(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(
        json::to_string_pretty(&a[0]).unwrap_or_default(),
    ))
}

fn must_to_pretty_json(a: &[Value]) -> Result<Value, String> {
    json::to_string_pretty(&a[0]).map(Value::from)
}

/// `toRawJson` panics on error in Sprig, which the template reports: same as `must`.
fn to_raw_json(a: &[Value]) -> Result<Value, String> {
    json::to_string_raw(&a[0]).map(Value::from)
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("default", &[Any], Some(Any), dfault),
        func("empty", &[Any], None, empty_fn),
        func("coalesce", &[], Some(Any), coalesce),
        func("all", &[], Some(Any), all),
        func("any", &[], Some(Any), any),
        func("ternary", &[Any, Any, Bool], None, ternary),
        func("fromJson", &[Str], None, from_json),
        func("mustFromJson", &[Str], None, must_from_json),
        func("toJson", &[Any], None, to_json),
        func("mustToJson", &[Any], None, must_to_json),
        func("toPrettyJson", &[Any], None, to_pretty_json),
        func("mustToPrettyJson", &[Any], None, must_to_pretty_json),
        func("toRawJson", &[Any], None, to_raw_json),
        func("mustToRawJson", &[Any], None, to_raw_json),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn default_uses_go_zero_values() {
        assert_eq!(show("default", &[s("foo"), s("")]), "foo");
        assert_eq!(show("default", &[s("foo"), i(234)]), "234");
        assert_eq!(show("default", &[s("foo"), Value::Float(2.34)]), "2.34");
        assert_eq!(show("default", &[s("foo"), Value::Nil]), "foo");
        assert_eq!(show("default", &[s("123")]), "123");
        assert_eq!(show("default", &[s("x"), l(&[])]), "x");
        assert_eq!(show("default", &[s("x"), Value::Bool(false)]), "x");
    }

    #[test]
    fn empty_coalesce_all_any() {
        for (v, want) in [
            (i(1), "false"),
            (i(0), "true"),
            (s(""), "true"),
            (Value::Float(0.0), "true"),
            (Value::Bool(false), "true"),
            (m(&[]), "true"),
            (Value::Nil, "true"),
        ] {
            assert_eq!(show("empty", &[v]), want);
        }
        assert_eq!(show("coalesce", &[s(""), i(0), Value::Nil, i(2)]), "2");
        assert_eq!(call("coalesce", &[]).unwrap(), Value::Nil);
        assert_eq!(show("all", &[s(""), i(2)]), "false");
        assert_eq!(show("all", &[]), "true");
        assert_eq!(show("any", &[s(""), i(2)]), "true");
        assert_eq!(show("any", &[]), "false");
    }

    #[test]
    fn ternary_picks_by_bool() {
        assert_eq!(
            show("ternary", &[s("foo"), s("bar"), Value::Bool(true)]),
            "foo"
        );
        assert_eq!(
            show("ternary", &[s("foo"), s("bar"), Value::Bool(false)]),
            "bar"
        );
    }

    #[test]
    fn from_json_swallows_errors() {
        assert_eq!(call("fromJson", &[s("{not json")]).unwrap(), Value::Nil);
        assert!(call("mustFromJson", &[s("{not json")]).is_err());
    }
}
