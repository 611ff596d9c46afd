//! Rendering a chart as Helm's engine does: every template of the chart and its
//! subcharts parsed into one set (deepest first, so parents' `define`s win), each
//! non-partial executed with its chart's scoped values, `<no value>` removed.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::chart::Chart;
use crate::template::{Options, TemplateSet};
use crate::value::{Map, Value};

pub mod caps;
pub mod files;

pub use caps::Capabilities;
pub use files::Files;

/// The release a render is for (`.Release`).
#[derive(Debug, Clone)]
pub struct ReleaseInfo {
    /// release name
    pub name: String,
    /// namespace
    pub namespace: String,
    /// revision number
    pub revision: i64,
    /// an upgrade rather than an install
    pub is_upgrade: bool,
}

impl Default for ReleaseInfo {
    fn default() -> Self {
        ReleaseInfo {
            name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
        }
    }
}

impl ReleaseInfo {
    /// The `.Release` value.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("IsInstall".into(), Value::Bool(!self.is_upgrade));
        m.insert("IsUpgrade".into(), Value::Bool(self.is_upgrade));
        m.insert("Name".into(), Value::str(&self.name));
        m.insert("Namespace".into(), Value::str(&self.namespace));
        m.insert("Revision".into(), Value::Int(self.revision));
        m.insert("Service".into(), Value::str("Helm"));
        Value::from_map(m)
    }
}

/// Everything a render needs besides the chart and values.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// `.Release`
    pub release: ReleaseInfo,
    /// `.Capabilities`
    pub capabilities: Capabilities,
    /// missing keys are errors
    pub strict: bool,
    /// lint mode: `required` and `fail` do not stop the render
    pub lint: bool,
}

/// Why a render failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template did not parse (Helm's `cleanupParseError` wording).
    #[error("parse error at ({}:{}): {}", .0.name, .0.line, .0.message)]
    Parse(crate::template::ParseError),
    /// A template failed while executing (Go's message, naming file, line and column).
    #[error(transparent)]
    Exec(crate::template::ExecError),
    /// `required` or `fail` stopped the render: Helm's `execution error at (FILE:L:C): MSG`.
    #[error("execution error at ({location}): {message}")]
    Failed {
        /// `chart/templates/x.yaml:LINE:COL`
        location: String,
        /// the chart's own message
        message: String,
    },
}

struct Renderable {
    text: Rc<str>,
    vals: Value,
    /// `.Template.BasePath` (one string per chart)
    base_path: Rc<str>,
}

/// Renders every template. `values` is the coalesced values tree of the top chart.
/// Returns template path (`chart/templates/x.yaml`, `chart/charts/sub/templates/y.yaml`)
/// to rendered text, NOTES.txt files included, partials excluded.
///
/// # Errors
/// The first parse or execution error, in Helm's words.
pub fn render(
    chart: &Chart,
    values: &Value,
    opts: &RenderOptions,
) -> Result<BTreeMap<String, String>, RenderError> {
    crate::funcs::sprig::regex::forget_compiled();
    let out = render_templates(chart, values, opts);
    crate::funcs::sprig::regex::forget_compiled();
    out
}

fn render_templates(
    chart: &Chart,
    values: &Value,
    opts: &RenderOptions,
) -> Result<BTreeMap<String, String>, RenderError> {
    let mut top = Map::new();
    top.insert("Values".into(), values.clone());
    top.insert("Release".into(), opts.release.to_value());
    top.insert("Capabilities".into(), opts.capabilities.to_value());
    let top = Value::from_map(top);
    let mut tpls: BTreeMap<String, Renderable> = BTreeMap::new();
    collect(chart, None, &top, &top, &mut tpls);

    let keys = sort_templates(tpls.keys().cloned().collect());
    let mut set = TemplateSet::new();
    for k in &keys {
        set.add_shared(k, tpls[k].text.clone())
            .map_err(RenderError::Parse)?;
    }
    let exec_opts = Options {
        strict: opts.strict,
        lint: opts.lint,
    };
    let mut out = BTreeMap::new();
    // the `.Template` keys, shared by every template's map
    let (name_key, base_key, template_key): (Rc<str>, Rc<str>, Rc<str>) =
        ("Name".into(), "BasePath".into(), "Template".into());
    for k in &keys {
        if base_name(k).starts_with('_') {
            continue;
        }
        let r = &tpls[k];
        if let Value::Map(m) = &r.vals {
            let mut t = Map::new();
            t.insert(name_key.clone(), Value::str(k));
            t.insert(base_key.clone(), Value::Str(r.base_path.clone()));
            m.borrow_mut()
                .insert(template_key.clone(), Value::from_map(t));
        }
        let text = set
            .execute(k, &r.vals, &exec_opts)
            .map_err(cleanup_exec_error)?;
        let text = if memchr::memmem::find(text.as_bytes(), b"<no value>").is_some() {
            text.replace("<no value>", "")
        } else {
            text
        };
        out.insert(k.clone(), text);
    }
    Ok(out)
}

fn base_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Adds the chart's templates; returns the chart's `next` values map (for `.Subcharts`).
fn collect(
    c: &Chart,
    parent_id: Option<&str>,
    parent_vals: &Value,
    top: &Value,
    out: &mut BTreeMap<String, Renderable>,
) -> Value {
    let id = match parent_id {
        Some(p) => format!("{p}/charts/{}", c.name()),
        None => c.name().to_string(),
    };
    let values = if parent_id.is_none() {
        top.get("Values").unwrap_or_else(Value::new_map)
    } else {
        match parent_vals.get("Values").and_then(|v| v.get(c.name())) {
            Some(v @ Value::Map(_)) => v,
            _ => Value::new_map(),
        }
    };
    let mut next = Map::new();
    next.insert("Chart".into(), chart_value(c, parent_id.is_none()));
    next.insert("Files".into(), Files::new(&c.files).to_value());
    next.insert("Release".into(), top.get("Release").unwrap_or_default());
    next.insert(
        "Capabilities".into(),
        top.get("Capabilities").unwrap_or_default(),
    );
    next.insert("Values".into(), values);
    let next = Value::from_map(next);
    let mut subcharts = Map::new();
    for dep in &c.dependencies {
        let child = collect(dep, Some(&id), &next, top, out);
        subcharts.insert(dep.name().into(), child);
    }
    if let Value::Map(m) = &next {
        m.borrow_mut()
            .insert("Subcharts".into(), Value::from_map(subcharts));
    }
    let base_path: Rc<str> = Rc::from(format!("{id}/templates"));
    for t in &c.templates {
        if c.is_library() && !base_name(&t.name).starts_with('_') {
            continue;
        }
        out.insert(
            format!("{id}/{}", t.name),
            Renderable {
                text: match std::str::from_utf8(&t.data) {
                    Ok(s) => Rc::from(s),
                    Err(_) => Rc::from(String::from_utf8_lossy(&t.data).as_ref()),
                },
                vals: next.clone(),
                base_path: base_path.clone(),
            },
        );
    }
    next
}

/// Helm's order: deepest paths first, then reverse lexical order.
fn sort_templates(keys: Vec<String>) -> Vec<String> {
    let mut keyed: Vec<(usize, String)> = keys
        .into_iter()
        .map(|k| (memchr::memchr_iter(b'/', k.as_bytes()).count(), k))
        .collect();
    keyed.sort_unstable_by(|(da, a), (db, b)| db.cmp(da).then_with(|| b.cmp(a)));
    keyed.into_iter().map(|(_, k)| k).collect()
}

/// The `.Chart` value: Helm v4 passes chart metadata as a map with Go field names, plus
/// `IsRoot`.
pub fn chart_value(c: &Chart, is_root: bool) -> Value {
    let v = c.metadata.to_value();
    if let Value::Map(m) = &v {
        let mut m = m.borrow_mut();
        m.insert("IsRoot".into(), Value::Bool(is_root));
        if !c.metadata.has_annotations {
            m.insert("Annotations".into(), Value::Nil);
        }
    }
    v
}

/// Helm's `cleanupExecError`: a `required`/`fail` message is reported with its location
/// and without Go's call chain.
fn cleanup_exec_error(e: crate::template::ExecError) -> RenderError {
    use crate::funcs::helm::{WARN_END, WARN_START};
    let tokens: Vec<&str> = e.0.splitn(3, ": ").collect();
    if let [_, location, rest] = tokens[..] {
        if let (Some(s), Some(end)) = (rest.find(WARN_START), rest.rfind(WARN_END)) {
            if s + WARN_START.len() <= end {
                return RenderError::Failed {
                    location: location.to_string(),
                    message: rest[s + WARN_START.len()..end].to_string(),
                };
            }
        }
    }
    RenderError::Exec(e)
}
