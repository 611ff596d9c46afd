//! Temporary minimal coalescing (replaced by the full implementation).

use crate::chart::Chart;
use crate::value::{Map, Value};

use super::ValuesError;

/// Coalesces chart defaults under user values, recursively for subcharts.
///
/// # Errors
/// None yet.
pub fn prepare(chart: &mut Chart, user: &Value) -> Result<Value, ValuesError> {
    Ok(coalesce(chart, &user.deep_copy()))
}

fn coalesce(chart: &Chart, v: &Value) -> Value {
    let out = match v {
        Value::Map(_) => v.clone(),
        _ => Value::new_map(),
    };
    if let (Value::Map(dst), Value::Map(src)) = (&out, &chart.values) {
        merge_defaults(&mut dst.borrow_mut(), &src.borrow());
    }
    for dep in &chart.dependencies {
        let name = dep.name().to_string();
        let sub = out.get(&name).unwrap_or_else(Value::new_map);
        let sub = coalesce(dep, &sub);
        if let (Some(Value::Map(pg)), Value::Map(sm)) = (out.get("global"), &sub) {
            let mut sm = sm.borrow_mut();
            let g = sm.entry("global".into()).or_insert_with(Value::new_map);
            if let Value::Map(gm) = g {
                for (k, val) in pg.borrow().iter() {
                    gm.borrow_mut().insert(k.clone(), val.clone());
                }
            }
        }
        if let Value::Map(m) = &out {
            m.borrow_mut().insert(name, sub);
        }
    }
    out
}

fn merge_defaults(dst: &mut Map, src: &Map) {
    for (k, dv) in src {
        match dst.get(k) {
            None => {
                dst.insert(k.clone(), dv.deep_copy());
            }
            Some(Value::Nil) => {
                dst.remove(k);
            }
            Some(Value::Map(um)) => {
                if let Value::Map(dm) = dv {
                    let um = um.clone();
                    merge_defaults(&mut um.borrow_mut(), &dm.borrow());
                }
            }
            Some(_) => {}
        }
    }
}
