//! Dictionary functions: `dict`, `get`, `set`, `unset`, `hasKey`, `pluck`, `keys`, `pick`,
//! `omit`, `values`, `dig`, `merge`/`mergeOverwrite` (dario.cat/mergo semantics) and
//! their `must` variants. Maps are shared references, as in Go: `set` and `merge`
//! mutate the map they are given.

use std::cell::RefCell;
use std::rc::Rc;

use super::{empty, strval};
use crate::funcs::{func, FuncSpec, Param};
use crate::value::{Map, Value};

fn key(a: &[Value], i: usize) -> String {
    a.get(i).and_then(Value::as_str).unwrap_or("").to_string()
}

fn dict(a: &[Value]) -> Result<Value, String> {
    let mut m = Map::new();
    for pair in a.chunks(2) {
        let k = strval(&pair[0]);
        m.insert(
            k.into(),
            pair.get(1).cloned().unwrap_or_else(|| Value::str("")),
        );
    }
    Ok(Value::from_map(m))
}

fn get(a: &[Value]) -> Result<Value, String> {
    Ok(a[0].get(&key(a, 1)).unwrap_or_else(|| Value::str("")))
}

fn set(a: &[Value]) -> Result<Value, String> {
    match &a[0] {
        Value::Map(m) => {
            m.borrow_mut().insert(key(a, 1).into(), a[2].clone());
            Ok(a[0].clone())
        }
        _ => Err("assignment to entry in nil map".into()),
    }
}

fn unset(a: &[Value]) -> Result<Value, String> {
    if let Value::Map(m) = &a[0] {
        m.borrow_mut().remove(key(a, 1).as_str());
    }
    Ok(a[0].clone())
}

fn has_key(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(a[0].get(&key(a, 1)).is_some()))
}

fn pluck(a: &[Value]) -> Result<Value, String> {
    let k = key(a, 0);
    Ok(Value::from_list(
        a[1..].iter().filter_map(|d| d.get(&k)).collect(),
    ))
}

/// `keys`: Go returns each map's keys in random order; we return them sorted per map,
/// which is one of the orders Go may produce (templates sort them anyway).
fn keys(a: &[Value]) -> Result<Value, String> {
    let mut out = Vec::new();
    for d in a {
        if let Value::Map(m) = d {
            out.extend(m.borrow().keys().map(|k| Value::Str(k.clone())));
        }
    }
    Ok(Value::from_list(out))
}

fn pick(a: &[Value]) -> Result<Value, String> {
    let mut res = Map::new();
    for k in a[1..].iter().filter_map(Value::as_str) {
        if let Some(v) = a[0].get(k) {
            res.insert(k.into(), v);
        }
    }
    Ok(Value::from_map(res))
}

fn omit(a: &[Value]) -> Result<Value, String> {
    let drop: Vec<&str> = a[1..].iter().filter_map(Value::as_str).collect();
    let res = match &a[0] {
        Value::Map(m) => m
            .borrow()
            .iter()
            .filter(|(k, _)| !drop.contains(&&***k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => Map::new(),
    };
    Ok(Value::from_map(res))
}

/// `values`: Go's order is random; we return them in key order.
fn values(a: &[Value]) -> Result<Value, String> {
    let out = match &a[0] {
        Value::Map(m) => m.borrow().values().cloned().collect(),
        _ => Vec::new(),
    };
    Ok(Value::from_list(out))
}

fn not_a(v: &Value, want: &str) -> String {
    let got = if v.is_nil() {
        "nil".to_string()
    } else {
        v.type_name()
    };
    format!("interface conversion: interface {{}} is {got}, not {want}")
}

const MAP_T: &str = "map[string]interface {}";

fn dig(a: &[Value]) -> Result<Value, String> {
    if a.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let dict = &a[a.len() - 1];
    let def = &a[a.len() - 2];
    let mut ks = Vec::new();
    for k in &a[..a.len() - 2] {
        match k {
            Value::Str(s) => ks.push(s.to_string()),
            other => return Err(not_a(other, "string")),
        }
    }
    let mut cur = dict.clone();
    for (i, k) in ks.iter().enumerate() {
        let Value::Map(m) = &cur else {
            return Err(not_a(&cur, MAP_T));
        };
        let step = m.borrow().get(k.as_str()).cloned();
        match step {
            None => return Ok(def.clone()),
            Some(v) if i + 1 == ks.len() => return Ok(v),
            Some(v) => cur = v,
        }
    }
    Ok(def.clone())
}

/// mergo's emptiness test for a destination value.
fn mergo_empty(v: &Value) -> bool {
    empty(v)
}

/// `mergo.Merge` / `mergo.MergeWithOverwrite` of `src` into the map `dst`, in place.
///
/// Sub-maps present on both sides merge recursively (into the destination's own map,
/// which other holders see); lists are never merged; a destination value that is not
/// empty is kept unless `overwrite`; values are shared, not copied.
pub fn mergo_merge(dst: &Rc<RefCell<Map>>, src: &Map, overwrite: bool) {
    for (k, sv) in src {
        let dv = dst.borrow().get(k).cloned();
        if sv.is_nil() {
            if overwrite {
                dst.borrow_mut().insert(k.clone(), Value::Nil);
            }
            continue;
        }
        if let (Value::Map(sm), Some(Value::Map(dm))) = (sv, &dv) {
            if !Rc::ptr_eq(sm, dm) {
                let snapshot = sm.borrow().clone();
                mergo_merge(dm, &snapshot, overwrite);
            }
        }
        if let Some(d) = &dv {
            if !mergo_empty(d) {
                if matches!(sv, Value::List(_) | Value::Bytes(_)) {
                    continue;
                }
                if matches!(sv, Value::Map(_)) && matches!(d, Value::Map(_)) {
                    continue;
                }
            }
        }
        let set = overwrite || dv.as_ref().is_none_or(mergo_empty);
        if set {
            dst.borrow_mut().insert(k.clone(), sv.clone());
        }
    }
}

fn merge_with(a: &[Value], overwrite: bool) -> Value {
    let dst = match &a[0] {
        Value::Map(m) => m.clone(),
        _ => Rc::new(RefCell::new(Map::new())),
    };
    for src in &a[1..] {
        if let Value::Map(s) = src {
            let snapshot = s.borrow().clone();
            mergo_merge(&dst, &snapshot, overwrite);
        }
    }
    Value::Map(dst)
}

fn merge(a: &[Value]) -> Result<Value, String> {
    Ok(merge_with(a, false))
}

fn merge_overwrite(a: &[Value]) -> Result<Value, String> {
    Ok(merge_with(a, true))
}

fn deep_copy(a: &[Value]) -> Result<Value, String> {
    Ok(a[0].deep_copy())
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::{Any, Str};
    const M: Param = Param::Map;
    vec![
        func("dict", &[], Some(Any), dict),
        func("get", &[M, Str], None, get),
        func("set", &[M, Str, Any], None, set),
        func("unset", &[M, Str], None, unset),
        func("hasKey", &[M, Str], None, has_key),
        func("pluck", &[Str], Some(M), pluck),
        func("keys", &[], Some(M), keys),
        func("pick", &[M], Some(Str), pick),
        func("omit", &[M], Some(Str), omit),
        func("values", &[M], None, values),
        func("dig", &[], Some(Any), dig),
        func("merge", &[M], Some(M), merge),
        func("mustMerge", &[M], Some(M), merge),
        func("mergeOverwrite", &[M], Some(M), merge_overwrite),
        func("mustMergeOverwrite", &[M], Some(M), merge_overwrite),
        func("deepCopy", &[Any], None, deep_copy),
        func("mustDeepCopy", &[Any], None, deep_copy),
    ]
}

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn dict_get_set_unset_share_the_map() {
        let d = call("dict", &[s("one"), i(1), s("two"), i(2), s("odd")]).unwrap();
        assert_eq!(strval(&d), "map[odd: one:1 two:2]");
        call("set", &[d.clone(), s("three"), i(3)]).unwrap();
        call("unset", &[d.clone(), s("two")]).unwrap();
        assert_eq!(strval(&d), "map[odd: one:1 three:3]");
        assert_eq!(show("get", &[d.clone(), s("one")]), "1");
        assert_eq!(show("get", &[d.clone(), s("nope")]), "");
        assert_eq!(show("hasKey", &[d.clone(), s("three")]), "true");
        assert_eq!(show("get", &[Value::Nil, s("x")]), "");
        assert_eq!(
            show("set", &[Value::Nil, s("x"), i(1)]),
            "ERR assignment to entry in nil map"
        );
        let k = call("dict", &[i(1), s("a")]).unwrap();
        assert_eq!(strval(&k), "map[1:a]");
    }

    #[test]
    fn pluck_keys_pick_omit_values() {
        let d1 = m(&[("one", i(1)), ("two", i(222))]);
        let d2 = m(&[("two", i(333))]);
        assert_eq!(
            show("pluck", &[s("two"), d1.clone(), d2.clone()]),
            "[222 333]"
        );
        assert_eq!(show("keys", &[d1.clone(), d2.clone()]), "[one two two]");
        assert_eq!(
            show("pick", &[d1.clone(), s("two"), s("three")]),
            "map[two:222]"
        );
        assert_eq!(show("omit", &[d1.clone(), s("one")]), "map[two:222]");
        assert_eq!(show("values", &[d1]), "[1 222]");
    }

    #[test]
    fn dig_walks_nested_maps() {
        let d = m(&[("a", m(&[("b", m(&[("c", i(1))]))]))]);
        assert_eq!(
            show("dig", &[s("a"), s("b"), s("c"), s(""), d.clone()]),
            "1"
        );
        assert_eq!(
            show("dig", &[s("a"), s("b"), s("z"), s("2"), d.clone()]),
            "2"
        );
        assert_eq!(
            show("dig", &[s("a"), s("b"), s("c"), s("d"), s(""), d.clone()]),
            "ERR interface conversion: interface {} is int, not map[string]interface {}"
        );
        assert_eq!(
            show("dig", &[i(1), s(""), d]),
            "ERR interface conversion: interface {} is int, not string"
        );
        assert_eq!(
            show("dig", &[s("a"), s("")]),
            "ERR dig needs at least three arguments"
        );
    }

    #[test]
    fn merge_keeps_non_empty_destination_values() {
        let dst = m(&[
            ("a", s("one")),
            ("c", i(3)),
            ("d", m(&[("f", i(5))])),
            ("g", l(&[i(8), i(9)])),
            ("i", s("eye")),
            ("k", m(&[("l", Value::Bool(true))])),
        ]);
        let src1 = m(&[
            ("a", i(1)),
            ("b", i(2)),
            ("d", m(&[("e", s("four"))])),
            ("g", l(&[i(6), i(7)])),
            ("i", s("aye")),
            ("j", s("jay")),
            ("k", m(&[("l", Value::Bool(false))])),
        ]);
        let src2 = m(&[("h", i(10)), ("i", s("i")), ("j", s("j"))]);
        let out = call("merge", &[dst.clone(), src1.clone(), src2.clone()]).unwrap();
        assert_eq!(
            strval(&out),
            "map[a:one b:2 c:3 d:map[e:four f:5] g:[8 9] h:10 i:eye j:jay k:map[l:true]]"
        );
        assert_eq!(strval(&dst), strval(&out));
    }

    #[test]
    fn merge_overwrite_replaces_even_with_empty_values() {
        let dst = m(&[
            ("a", s("one")),
            ("d", m(&[("f", i(5))])),
            ("k", m(&[("l", Value::Bool(true))])),
        ]);
        let src = m(&[
            ("a", i(1)),
            ("d", m(&[("e", s("four"))])),
            ("k", m(&[("l", Value::Bool(false))])),
        ]);
        let out = call("mergeOverwrite", &[dst, src]).unwrap();
        assert_eq!(strval(&out), "map[a:1 d:map[e:four f:5] k:map[l:false]]");
    }

    #[test]
    fn merge_shares_source_sub_maps() {
        // the vector from Sprig's tests: $one's sub-map is adopted by $target, then
        // merged into by $two
        let target = m(&[]);
        let one = m(&[("foo", m(&[("bar", s("baz"))])), ("qux", Value::Bool(true))]);
        let two = m(&[
            ("foo", m(&[("bar", s("baz2"))])),
            ("qux", Value::Bool(false)),
        ]);
        call("mergeOverwrite", &[target.clone(), one.clone()]).unwrap();
        call("mergeOverwrite", &[target.clone(), two]).unwrap();
        assert_eq!(strval(&one), "map[foo:map[bar:baz2] qux:true]");
        assert_eq!(strval(&target), "map[foo:map[bar:baz2] qux:false]");
    }

    #[test]
    fn merge_into_nil_makes_a_new_map() {
        let out = call("merge", &[Value::Nil, m(&[("a", i(1))])]).unwrap();
        assert_eq!(strval(&out), "map[a:1]");
    }

    #[test]
    fn deep_copy_detaches_maps() {
        let one = m(&[("foo", m(&[("bar", s("baz"))]))]);
        let c = call("deepCopy", &[one.clone()]).unwrap();
        call("set", &[c.get("foo").unwrap(), s("bar"), s("x")]).unwrap();
        assert_eq!(strval(&one), "map[foo:map[bar:baz]]");
    }
}
