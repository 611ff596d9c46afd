//! Helm's `ProcessDependencies` (`pkg/chart/v2/util/dependencies.go`): subcharts
//! matched to `Chart.yaml` dependency entries (name and version range), aliases,
//! enabling by `tags` and `condition`, removal of disabled subcharts, and
//! `import-values` copied from children into parents.

use std::collections::BTreeSet;

use crate::chart::{Chart, Dependency};
use crate::gofmt;
use crate::value::{Map, Value};

use super::coalesce::{
    coalesce_tables, coalesce_values, deep_copy_map, map_or_empty, merge_chart_values,
    merge_tables, MapRef, Warnings,
};
use super::ValuesError;
use crate::semver::is_compatible_range;

/// `ProcessDependencies(chart, vals)`: enables/disables subcharts against the user
/// values `vals`, renames aliased subcharts, drops disabled ones (recursively), then
/// imports values from children into parents (Helm's merge mode).
///
/// # Errors
/// A coalescing error (`type mismatch on NAME: ...`).
pub fn process_dependencies(
    chart: &mut Chart,
    vals: &Value,
    warn: &mut Warnings,
) -> Result<(), ValuesError> {
    process_dependency_enabled(chart, vals, "", warn)?;
    process_dependency_import_values(chart, true, warn)
}

/// Whether Go's `c.Metadata.Dependencies` is nil: no entries, and no `dependencies`
/// list in `Chart.yaml`.
fn deps_nil(c: &Chart) -> bool {
    c.metadata.dependencies.is_empty()
        && !matches!(c.metadata.raw.get("dependencies"), Some(Value::List(_)))
}

/// `getAliasDependency`: a copy of the first chart matching `dep` by name and version
/// range, renamed to the alias if there is one.
fn get_alias_dependency(charts: &[Chart], dep: &Dependency) -> Option<Chart> {
    let c = charts
        .iter()
        .find(|c| c.name() == dep.name && is_compatible_range(&dep.version, &c.metadata.version))?;
    let mut out = c.clone();
    if !dep.alias.is_empty() {
        out.metadata.name = dep.alias.clone();
    }
    Some(out)
}

fn process_dependency_enabled(
    c: &mut Chart,
    v: &Value,
    path: &str,
    warn: &mut Warnings,
) -> Result<(), ValuesError> {
    if deps_nil(c) {
        return Ok(());
    }
    let existing = std::mem::take(&mut c.dependencies);
    let mut chart_deps: Vec<Chart> = existing
        .iter()
        .filter(|e| {
            !c.metadata.dependencies.iter().any(|req| {
                e.name() == req.name && is_compatible_range(&req.version, &e.metadata.version)
            })
        })
        .cloned()
        .collect();
    for req in &mut c.metadata.dependencies {
        if let Some(cd) = get_alias_dependency(&existing, req) {
            chart_deps.push(cd);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.dependencies = chart_deps;
    for req in &mut c.metadata.dependencies {
        req.enabled = true;
    }
    let cvals = coalesce_values(c, v, warn)?;
    process_dependency_tags(&mut c.metadata.dependencies, &cvals, warn);
    process_dependency_conditions(&mut c.metadata.dependencies, &cvals, path, warn);
    let rm: BTreeSet<String> = c
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    let mut cd: Vec<Chart> = std::mem::take(&mut c.dependencies)
        .into_iter()
        .filter(|n| !rm.contains(n.name()))
        .collect();
    let cd_metadata: Vec<Dependency> = c
        .metadata
        .dependencies
        .iter()
        .filter(|n| !rm.contains(&n.name))
        .cloned()
        .collect();
    for t in &mut cd {
        let subpath = format!("{path}{}.", t.name());
        process_dependency_enabled(t, &cvals, &subpath, warn)?;
    }
    c.metadata.dependencies = cd_metadata;
    c.dependencies = cd;
    Ok(())
}

/// `Values.Table(name)`: the map at a dotted path.
pub(crate) fn table(v: &Value, name: &str) -> Option<MapRef> {
    let mut cur = map_or_empty(v);
    for n in name.split('.') {
        let next = match cur.borrow().get(n) {
            Some(Value::Map(m)) => m.clone(),
            _ => return None,
        };
        cur = next;
    }
    Some(cur)
}

/// `Values.PathValue(path)`: a non-table value at a dotted path.
fn path_value(v: &Value, path: &str) -> Option<Value> {
    if path.is_empty() {
        return None;
    }
    let (parent, key) = match path.rsplit_once('.') {
        None => (None, path),
        Some((p, k)) => (Some(p), k),
    };
    let t = match parent {
        None => map_or_empty(v),
        Some(p) => table(v, p)?,
    };
    let found = t.borrow().get(key).cloned();
    match found {
        Some(Value::Map(_)) | None => None,
        Some(x) => Some(x),
    }
}

fn process_dependency_conditions(
    reqs: &mut [Dependency],
    cvals: &Value,
    cpath: &str,
    warn: &mut Warnings,
) {
    for r in reqs {
        for c in r.condition.trim().split(',') {
            if c.is_empty() {
                continue;
            }
            match path_value(cvals, &format!("{cpath}{c}")) {
                Some(Value::Bool(b)) => {
                    r.enabled = b;
                    break;
                }
                Some(_) => warn.push(format!("returned non-bool value path={c} chart={}", r.name)),
                None => {}
            }
        }
    }
}

fn process_dependency_tags(reqs: &mut [Dependency], cvals: &Value, warn: &mut Warnings) {
    let Some(vt) = table(cvals, "tags") else {
        return;
    };
    let vt = vt.borrow();
    for r in reqs {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            match vt.get(k.as_str()) {
                Some(Value::Bool(true)) => has_true = true,
                Some(Value::Bool(false)) => has_false = true,
                Some(_) => warn.push(format!("returned non-bool value tag={k} chart={}", r.name)),
                None => {}
            }
        }
        r.enabled = has_true || !has_false;
    }
}

/// `pathToMap`: `data` nested under the dotted `path` (`.` is the root).
fn path_to_map(path: &str, data: MapRef) -> MapRef {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for p in path.split('.').rev() {
        let mut m = Map::new();
        m.insert(p.into(), Value::Map(cur));
        cur = std::rc::Rc::new(std::cell::RefCell::new(m));
    }
    cur
}

/// `Values.AsMap()`: an empty table becomes a fresh map.
fn as_map(t: MapRef) -> MapRef {
    if t.borrow().is_empty() {
        return std::rc::Rc::new(std::cell::RefCell::new(Map::new()));
    }
    t
}

fn process_import_values(
    c: &mut Chart,
    merge: bool,
    warn: &mut Warnings,
) -> Result<(), ValuesError> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let cvals = if merge {
        merge_chart_values(c, &Value::Nil, warn)?
    } else {
        coalesce_values(c, &Value::Nil, warn)?
    };
    let b: MapRef = std::rc::Rc::new(std::cell::RefCell::new(Map::new()));
    for r in &mut c.metadata.dependencies {
        let mut outiv = Vec::new();
        for riv in &r.import_values {
            match riv {
                Value::Map(iv) => {
                    let child =
                        gofmt::sprint_one(&iv.borrow().get("child").cloned().unwrap_or(Value::Nil));
                    let parent = gofmt::sprint_one(
                        &iv.borrow().get("parent").cloned().unwrap_or(Value::Nil),
                    );
                    outiv.push(child_parent(&child, &parent));
                    let Some(vv) = table(&cvals, &format!("{}.{child}", r.name)) else {
                        warn.push(format!(
                            "ImportValues missing table from chart {}: {child}",
                            r.name
                        ));
                        continue;
                    };
                    let src = path_to_map(&parent, as_map(vv));
                    if merge {
                        merge_tables(warn, &b, &src);
                    } else {
                        coalesce_tables(warn, &b, &src);
                    }
                }
                Value::Str(iv) => {
                    let child = format!("exports.{iv}");
                    outiv.push(child_parent(&child, "."));
                    let Some(vm) = table(&cvals, &format!("{}.{child}", r.name)) else {
                        warn.push(format!("ImportValues missing table: {child}"));
                        continue;
                    };
                    let src = as_map(vm);
                    if merge {
                        merge_tables(warn, &b, &src);
                    } else {
                        coalesce_tables(warn, &b, &src);
                    }
                }
                _ => {}
            }
        }
        r.import_values = outiv;
    }
    let cv = map_or_empty(&cvals);
    if merge {
        let cv = deep_copy_map(&cv);
        merge_tables(warn, &cv, &b);
        c.values = Value::Map(cv);
    } else {
        let cv = trim_nil_values(&cv);
        coalesce_tables(warn, &cv, &b);
        c.values = Value::Map(cv);
    }
    Ok(())
}

fn child_parent(child: &str, parent: &str) -> Value {
    let mut m = Map::new();
    m.insert("child".into(), Value::from(child));
    m.insert("parent".into(), Value::from(parent));
    Value::from_map(m)
}

/// `trimNilValues`: a deep copy without nulls.
fn trim_nil_values(m: &MapRef) -> MapRef {
    let copy = deep_copy_map(m);
    super::coalesce::clean_nil_values(&copy);
    copy
}

fn process_dependency_import_values(
    c: &mut Chart,
    merge: bool,
    warn: &mut Warnings,
) -> Result<(), ValuesError> {
    for d in &mut c.dependencies {
        process_dependency_import_values(d, merge, warn)?;
    }
    process_import_values(c, merge, warn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse as unmarshal;

    fn sub(name: &str, values: &str) -> Chart {
        let mut c = Chart {
            values: unmarshal(values).unwrap(),
            ..Default::default()
        };
        c.metadata.name = name.into();
        c.metadata.version = "1.0.0".into();
        c
    }

    fn dep(name: &str, condition: &str, alias: &str) -> Dependency {
        Dependency {
            name: name.into(),
            version: "^1.0.0".into(),
            condition: condition.into(),
            alias: alias.into(),
            ..Default::default()
        }
    }

    #[test]
    fn path_value_finds_scalars_only() {
        let v = unmarshal(r#"{"a": {"b": true, "t": {}}, "c": 1}"#).unwrap();
        assert_eq!(path_value(&v, "a.b"), Some(Value::Bool(true)));
        assert_eq!(path_value(&v, "c"), Some(Value::Float(1.0)));
        assert_eq!(path_value(&v, "a.t"), None);
        assert_eq!(path_value(&v, "a.x.y"), None);
    }

    #[test]
    fn condition_false_removes_the_subchart() {
        let mut top = sub("top", r#"{"s": {"on": false}}"#);
        top.dependencies = vec![sub("s", "{}")];
        top.metadata.dependencies = vec![dep("s", "s.on", "")];
        process_dependencies(&mut top, &Value::Nil, &mut Warnings::new()).unwrap();
        assert!(top.dependencies.is_empty());
        assert!(top.metadata.dependencies.is_empty());
    }

    #[test]
    fn alias_renames_a_copy_of_the_subchart() {
        let mut top = sub("top", "{}");
        top.dependencies = vec![sub("s", r#"{"k": 1}"#)];
        top.metadata.dependencies = vec![dep("s", "", "one"), dep("s", "", "two")];
        process_dependencies(&mut top, &Value::Nil, &mut Warnings::new()).unwrap();
        let names: Vec<&str> = top.dependencies.iter().map(Chart::name).collect();
        assert_eq!(names, vec!["one", "two"]);
        assert_eq!(top.metadata.dependencies[1].name, "two");
    }

    #[test]
    fn import_values_string_form_copies_exports() {
        let mut top = sub("top", r#"{"mine": 1}"#);
        top.dependencies = vec![sub("s", r#"{"exports": {"data": {"k": 2}}}"#)];
        let mut d = dep("s", "", "");
        d.import_values = vec![Value::str("data")];
        top.metadata.dependencies = vec![d];
        process_dependencies(&mut top, &Value::Nil, &mut Warnings::new()).unwrap();
        assert_eq!(top.values.get("k"), Some(Value::Float(2.0)));
        assert_eq!(
            top.metadata.dependencies[0].import_values[0].to_string(),
            "map[child:exports.data parent:.]"
        );
    }
}
