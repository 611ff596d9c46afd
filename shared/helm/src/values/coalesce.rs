//! Helm's `pkg/chart/common/util` coalescing: chart defaults (`values.yaml`) under user
//! values, recursively for subcharts (`values[subchart]` scoped), `global` copied down
//! (parent globals win), a user `null` deleting a key and its default, and Helm's
//! warnings for table / non-table conflicts.
//!
//! Maps are shared (`Rc<RefCell<..>>`) exactly where Go's maps are shared, so the
//! in-place mutations Helm makes have the same visible effects.

use std::cell::RefCell;
use std::rc::Rc;

use crate::chart::Chart;
use crate::gofmt;
use crate::value::{Map, Value};

use super::ValuesError;

/// A shared Go map.
pub(crate) type MapRef = Rc<RefCell<Map>>;

/// Helm's `common.GlobalKey`.
pub const GLOBAL_KEY: &str = "global";

/// Where the `log.Printf` warnings of coalescing go.
pub type Warnings = Vec<String>;

fn new_map() -> MapRef {
    Rc::new(RefCell::new(Map::new()))
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// The map of a map value; a fresh empty map for anything else (a Go nil map).
pub(crate) fn map_or_empty(v: &Value) -> MapRef {
    match v {
        Value::Map(m) => m.clone(),
        _ => new_map(),
    }
}

/// `copystructure.Copy` of a values map: nested maps and lists copied.
pub(crate) fn deep_copy_map(m: &MapRef) -> MapRef {
    match Value::Map(m.clone()).deep_copy() {
        Value::Map(c) => c,
        _ => new_map(),
    }
}

/// `util.CoalesceValues(chart, vals)`: the values a chart renders with (user values
/// over chart defaults, subcharts under their names). `vals` is not modified.
///
/// # Errors
/// `type mismatch on SUBCHART: ...` when a subchart's values are not a map.
pub fn coalesce_values(
    chart: &Chart,
    vals: &Value,
    warn: &mut Warnings,
) -> Result<Value, ValuesError> {
    let copy = deep_copy_map(&map_or_empty(vals));
    coalesce(warn, chart, &copy, "", false)?;
    Ok(Value::Map(copy))
}

/// `util.MergeValues(chart, vals)`: like [`coalesce_values`] but nulls are kept.
///
/// # Errors
/// As [`coalesce_values`].
pub fn merge_chart_values(
    chart: &Chart,
    vals: &Value,
    warn: &mut Warnings,
) -> Result<Value, ValuesError> {
    let copy = deep_copy_map(&map_or_empty(vals));
    coalesce(warn, chart, &copy, "", true)?;
    Ok(Value::Map(copy))
}

fn coalesce(
    warn: &mut Warnings,
    ch: &Chart,
    dest: &MapRef,
    prefix: &str,
    merge: bool,
) -> Result<(), ValuesError> {
    coalesce_chart_values(warn, ch, dest, prefix, merge);
    coalesce_deps(warn, ch, dest, prefix, merge)
}

fn coalesce_deps(
    warn: &mut Warnings,
    ch: &Chart,
    dest: &MapRef,
    prefix: &str,
    merge: bool,
) -> Result<(), ValuesError> {
    for sub in &ch.dependencies {
        let name = sub.name().to_string();
        let existing = dest.borrow().get(name.as_str()).cloned();
        let dvmap = match existing {
            None => {
                let m = new_map();
                dest.borrow_mut()
                    .insert(name.as_str().into(), Value::Map(m.clone()));
                m
            }
            Some(Value::Map(m)) => m,
            Some(other) => {
                let msg = gofmt::sprintf(
                    "type mismatch on %s: %t",
                    &[Value::from(name.as_str()), other],
                );
                return Err(ValuesError::Coalesce(msg));
            }
        };
        let sub_prefix = concat_prefix(prefix, ch.name());
        coalesce_globals(warn, &dvmap, dest, &sub_prefix);
        coalesce(warn, sub, &dvmap, &sub_prefix, merge)?;
        dest.borrow_mut().insert(name.into(), Value::Map(dvmap));
    }
    Ok(())
}

/// `coalesceGlobals`: the parent's (`src`) globals merged into the subchart's (`dest`).
fn coalesce_globals(warn: &mut Warnings, dest: &MapRef, src: &MapRef, prefix: &str) {
    let dg = match dest.borrow().get(GLOBAL_KEY).cloned() {
        None => new_map(),
        Some(Value::Map(m)) => m,
        Some(_) => {
            warn.push(format!(
                "warning: skipping globals because destination {GLOBAL_KEY} is not a table."
            ));
            return;
        }
    };
    let sg = match src.borrow().get(GLOBAL_KEY).cloned() {
        None => new_map(),
        Some(Value::Map(m)) => m,
        Some(_) => {
            warn.push(format!(
                "warning: skipping globals because source {GLOBAL_KEY} is not a table."
            ));
            return;
        }
    };
    let entries: Vec<(Rc<str>, Value)> = sg
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, val) in entries {
        let existing = dg.borrow().get(&*key).cloned();
        if let Value::Map(vm) = &val {
            let vv: MapRef = Rc::new(RefCell::new(vm.borrow().clone()));
            match existing {
                None => {
                    dg.borrow_mut().insert(key, Value::Map(vv));
                }
                Some(Value::Map(destv)) => {
                    let sub_prefix = concat_prefix(prefix, &key);
                    coalesce_tables_full_key(warn, &vv, &destv, &sub_prefix, true);
                    dg.borrow_mut().insert(key, Value::Map(vv));
                }
                Some(_) => {
                    warn.push(format!(
                        "Conflict: cannot merge map onto non-map for {}. Skipping.",
                        gofmt::quote(&key)
                    ));
                }
            }
        } else if matches!(existing, Some(Value::Map(_))) {
            warn.push(format!("key {key} is table. Skipping"));
        } else {
            dg.borrow_mut().insert(key, val);
        }
    }
    dest.borrow_mut().insert(GLOBAL_KEY.into(), Value::Map(dg));
}

/// `coalesceValues`: the chart's own defaults merged under `v`.
fn coalesce_chart_values(warn: &mut Warnings, ch: &Chart, v: &MapRef, prefix: &str, merge: bool) {
    let sub_prefix = concat_prefix(prefix, ch.name());
    let vc = deep_copy_map(&map_or_empty(&ch.values));
    let entries: Vec<(Rc<str>, Value)> = vc
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, val) in entries {
        let existing = v.borrow().get(&*key).cloned();
        match existing {
            Some(Value::Nil) if !merge => {
                v.borrow_mut().remove(&*key);
            }
            Some(Value::Map(dest)) => match &val {
                Value::Map(src) => {
                    let merge = child_chart_merge_true(ch, &key, merge);
                    if !merge {
                        clean_nil_values(src);
                    }
                    coalesce_tables_full_key(
                        warn,
                        &dest,
                        src,
                        &concat_prefix(&sub_prefix, &key),
                        merge,
                    );
                }
                Value::Nil => {}
                _ => warn.push(format!(
                    "warning: skipped value for {sub_prefix}.{key}: Not a table."
                )),
            },
            Some(_) => {}
            None => {
                if !merge {
                    match &val {
                        Value::Nil => continue,
                        Value::Map(sub) => clean_nil_values(sub),
                        _ => {}
                    }
                }
                v.borrow_mut().insert(key, val);
            }
        }
    }
}

fn child_chart_merge_true(ch: &Chart, key: &str, merge: bool) -> bool {
    ch.dependencies.iter().any(|d| d.name() == key) || merge
}

/// `util.CoalesceTables(dst, src)`: `dst` wins, nulls in `dst` delete `src` defaults.
pub(crate) fn coalesce_tables(warn: &mut Warnings, dst: &MapRef, src: &MapRef) {
    coalesce_tables_full_key(warn, dst, src, "", false);
}

/// `util.MergeTables(dst, src)`: `dst` wins, nulls kept.
pub(crate) fn merge_tables(warn: &mut Warnings, dst: &MapRef, src: &MapRef) {
    coalesce_tables_full_key(warn, dst, src, "", true);
}

/// `coalesceTablesFullKey`: merges `src` into `dst` in place (`dst` authoritative).
pub(crate) fn coalesce_tables_full_key(
    warn: &mut Warnings,
    dst: &MapRef,
    src: &MapRef,
    prefix: &str,
    merge: bool,
) {
    // keys null in `dst`: `src` takes a null there too; remember which of them `src`
    // had a real value for (those are deleted from `dst` below)
    let dst_nils: Vec<Rc<str>> = dst
        .borrow()
        .iter()
        .filter(|(_, v)| v.is_nil())
        .map(|(k, _)| k.clone())
        .collect();
    let mut src_non_nil_at_dst_nils: Vec<&str> = Vec::new();
    {
        let mut sm = src.borrow_mut();
        for k in &dst_nils {
            if sm.get(&**k).is_some_and(|v| !v.is_nil()) {
                src_non_nil_at_dst_nils.push(k);
            }
            sm.insert(k.clone(), Value::Nil);
        }
    }
    let entries: Vec<(Rc<str>, Value)> = src
        .borrow()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, val) in entries {
        let dv = dst.borrow().get(&*key).cloned();
        match dv {
            Some(Value::Nil) if !merge && src_non_nil_at_dst_nils.contains(&&*key) => {
                dst.borrow_mut().remove(&*key);
            }
            None => {
                dst.borrow_mut().insert(key, val);
            }
            Some(dv) => {
                if let Value::Map(vm) = &val {
                    let fullkey = concat_prefix(prefix, &key);
                    if let Value::Map(dm) = &dv {
                        coalesce_tables_full_key(warn, dm, vm, &fullkey, merge);
                    } else {
                        warn.push(format!(
                            "warning: cannot overwrite table with non table for {fullkey} ({})",
                            gofmt::sprint_one(&val)
                        ));
                    }
                } else if matches!(dv, Value::Map(_)) && !val.is_nil() {
                    let fullkey = concat_prefix(prefix, &key);
                    warn.push(format!(
                        "warning: destination for {fullkey} is a table. Ignoring non-table value ({})",
                        gofmt::sprint_one(&val)
                    ));
                }
            }
        }
    }
}

/// `cleanNilValues`: removes nulls from a map and its nested maps, in place.
pub(crate) fn clean_nil_values(m: &MapRef) {
    // nils go in place; nested maps are cleaned after the borrow is released
    let subs: Vec<MapRef> = {
        let mut b = m.borrow_mut();
        b.retain(|_, v| !v.is_nil());
        b.values()
            .filter_map(|v| match v {
                Value::Map(sub) => Some(sub.clone()),
                _ => None,
            })
            .collect()
    };
    for sub in subs {
        clean_nil_values(&sub);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse as unmarshal;

    fn chart(name: &str, values: &str, deps: Vec<Chart>) -> Chart {
        let mut c = Chart {
            values: unmarshal(values).unwrap(),
            dependencies: deps,
            ..Default::default()
        };
        c.metadata.name = name.into();
        c
    }

    fn coalesced(c: &Chart, user: &str) -> String {
        let mut w = Warnings::new();
        coalesce_values(c, &unmarshal(user).unwrap(), &mut w)
            .unwrap()
            .to_string()
    }

    #[test]
    fn user_null_deletes_the_chart_default() {
        let c = chart("top", r#"{"a": 1, "b": {"c": 1, "d": 2}}"#, vec![]);
        assert_eq!(
            coalesced(&c, r#"{"a": null, "b": {"c": null}}"#),
            "map[b:map[d:2]]"
        );
    }

    #[test]
    fn parent_globals_win_over_subchart_globals() {
        let sub = chart("sub", r#"{"global": {"g": "sub", "h": 1}}"#, vec![]);
        let c = chart("top", r#"{"global": {"g": "top"}}"#, vec![sub]);
        assert_eq!(
            coalesced(&c, "{}"),
            "map[global:map[g:top] sub:map[global:map[g:top h:1]]]"
        );
    }

    #[test]
    fn subchart_values_that_are_not_a_map_are_an_error() {
        let c = chart("top", "{}", vec![chart("sub", "{}", vec![])]);
        let err = coalesce_values(
            &c,
            &unmarshal(r#"{"sub": "x"}"#).unwrap(),
            &mut Warnings::new(),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "type mismatch on sub: %!t(string=x)");
    }

    #[test]
    fn table_over_non_table_default_warns_and_keeps_the_user_value() {
        let c = chart("top", r#"{"a": "str"}"#, vec![]);
        let mut w = Warnings::new();
        let v = coalesce_values(&c, &unmarshal(r#"{"a": {"x": 1}}"#).unwrap(), &mut w).unwrap();
        assert_eq!(v.to_string(), "map[a:map[x:1]]");
        assert_eq!(
            w,
            vec!["warning: skipped value for top.a: Not a table.".to_string()]
        );
    }

    #[test]
    fn merge_keeps_nulls() {
        let c = chart("top", r#"{"a": 1, "n": null}"#, vec![]);
        let v = merge_chart_values(
            &c,
            &unmarshal(r#"{"a": null}"#).unwrap(),
            &mut Warnings::new(),
        )
        .unwrap();
        assert_eq!(v.to_string(), "map[a:<nil> n:<nil>]");
    }
}
