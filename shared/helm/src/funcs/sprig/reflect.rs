//! Reflection: `typeOf`, `typeIs`, `typeIsLike`, `kindOf`, `kindIs`, `deepEqual`.
//!
//! Values carry one Go type each: every list is `[]interface {}` and every integer
//! `int` (Sprig's `[]string` and `int64` results print the same but `typeOf` names
//! them differently in Go).

use super::go_kind;
use crate::funcs::{func, FuncSpec, Param};
use crate::value::Value;

fn target(a: &[Value]) -> &str {
    a[0].as_str().unwrap_or("")
}

fn type_of(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(a[0].type_name()))
}

fn type_is(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(target(a) == a[1].type_name()))
}

fn type_is_like(a: &[Value]) -> Result<Value, String> {
    let t = a[1].type_name();
    let want = target(a);
    Ok(Value::Bool(want == t || format!("*{want}") == t))
}

fn kind_of(a: &[Value]) -> Result<Value, String> {
    Ok(Value::str(go_kind(&a[0])))
}

fn kind_is(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(target(a) == go_kind(&a[1])))
}

fn deep_equal(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(a[0] == a[1]))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("typeOf", &[Any], None, type_of),
        func("typeIs", &[Str, Any], None, type_is),
        func("typeIsLike", &[Str, Any], None, type_is_like),
        func("kindOf", &[Any], None, kind_of),
        func("kindIs", &[Str, Any], None, kind_is),
        func("deepEqual", &[Any, Any], None, deep_equal),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn types_and_kinds_as_go_names_them() {
        assert_eq!(show("typeOf", &[s("x")]), "string");
        assert_eq!(show("typeOf", &[Value::Float(1.0)]), "float64");
        assert_eq!(show("typeOf", &[Value::Nil]), "<nil>");
        assert_eq!(show("kindOf", &[l(&[s("hello")])]), "slice");
        assert_eq!(show("kindOf", &[m(&[])]), "map");
        assert_eq!(show("kindOf", &[Value::Nil]), "invalid");
        assert_eq!(
            show("typeIs", &[s("*sprig.fixtureTO"), s("hello")]),
            "false"
        );
        assert_eq!(show("typeIsLike", &[s("string"), s("foo")]), "true");
        assert_eq!(show("kindIs", &[s("ptr"), s("hello")]), "false");
        assert_eq!(show("kindIs", &[s("int"), i(1)]), "true");
    }

    #[test]
    fn deep_equal_distinguishes_ints_and_floats() {
        assert_eq!(show("deepEqual", &[i(1), i(1)]), "true");
        assert_eq!(show("deepEqual", &[i(1), Value::Float(1.0)]), "false");
        assert_eq!(
            show("deepEqual", &[m(&[("a", i(1))]), m(&[("a", i(1))])]),
            "true"
        );
    }
}
