//! What a deploy will apply: the chart rendered for a revision with the cluster's
//! capabilities, sorted into CRDs, objects and hooks, with the release record's chart and
//! values in Helm's JSON form, and a digest identifying the candidate (chart + values).
//!
//! The chart engine's values are single-threaded; everything returned here is plain data.

use std::collections::BTreeMap;
use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

use lockgate_helm::chart::{self, Chart};
use lockgate_helm::engine::{Capabilities, ReleaseInfo, RenderOptions};
use lockgate_helm::values::MergeOptions;

use crate::objects::{self, Object, ObjectError};
use crate::release::Hook;

/// The chart to deploy.
#[derive(Debug, Clone)]
pub enum ChartInput {
    /// a chart directory or `.tgz` on disk
    Path(PathBuf),
    /// a packaged chart's bytes (read with the hostile-archive limits)
    Archive(Vec<u8>),
}

/// Chart and values of a deploy.
#[derive(Debug, Clone)]
pub struct Source {
    /// the chart
    pub chart: ChartInput,
    /// `-f` / `--set` style values
    pub values: MergeOptions,
    /// contents of values files named in `values.value_files` that are not on disk
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Why a chart could not be rendered for a deploy.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Loading the chart failed.
    #[error("chart: {0}")]
    Load(#[from] chart::LoadError),
    /// Rendering failed (values, schema, templates).
    #[error("{0}")]
    Render(#[from] lockgate_helm::action::ActionError),
    /// A rendered document is not an object.
    #[error("{0}")]
    Object(#[from] ObjectError),
    /// A document failed to sort.
    #[error("{0}")]
    Sort(#[from] lockgate_helm::release::SortError),
}

/// The candidate's identity and release-record parts, known before the revision is.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// the chart in Helm's release JSON form
    pub chart: Json,
    /// user values (`helm get values`)
    pub config: Map<String, Json>,
    /// sha256 over chart and values, hex
    pub digest: String,
}

/// Everything a revision applies.
#[derive(Debug, Clone)]
pub struct Planned {
    /// record parts
    pub prepared: Prepared,
    /// CRDs from the charts' `crds/` folders (installed first, on install only)
    pub crds: Vec<Object>,
    /// objects in install order
    pub objects: Vec<Object>,
    /// hooks as the release records them
    pub hooks: Vec<Hook>,
    /// the manifest stream the record keeps
    pub manifest: String,
    /// rendered NOTES.txt
    pub notes: String,
}

fn load(input: &ChartInput) -> Result<Chart, PlanError> {
    Ok(match input {
        ChartInput::Path(p) => chart::load(p)?,
        ChartInput::Archive(b) => chart::load_archive_bytes(b, &chart::Limits::default())?,
    })
}

fn user_values(src: &Source) -> Result<lockgate_helm::value::Value, PlanError> {
    let mut read = |name: &str| match src.files.get(name) {
        Some(b) => Ok(b.clone()),
        None => std::fs::read(name).map_err(|e| format!("open {name}: {e}")),
    };
    lockgate_helm::values::merge_values(&src.values, &mut read)
        .map_err(|e| PlanError::Render(e.into()))
}

fn to_json(v: &lockgate_helm::value::Value) -> Json {
    lockgate_helm::json::to_string(v)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Json::Null)
}

fn files_json(files: &[chart::File]) -> Json {
    Json::Array(
        files
            .iter()
            .map(|f| json!({"name": f.name, "data": B64.encode(&f.data)}))
            .collect(),
    )
}

/// The chart as Helm's `chart.Chart` marshals to JSON (dependencies are not kept, as in
/// Helm's records).
pub fn chart_json(c: &Chart) -> Json {
    let m = &c.metadata;
    let mut md = Map::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            md.insert(k.into(), json!(v));
        }
    };
    put("name", &m.name);
    put("home", &m.home);
    put("version", &m.version);
    put("description", &m.description);
    put("icon", &m.icon);
    put("apiVersion", &m.api_version);
    put("condition", &m.condition);
    put("tags", &m.tags);
    put("appVersion", &m.app_version);
    put("kubeVersion", &m.kube_version);
    put("type", &m.chart_type);
    if !m.sources.is_empty() {
        md.insert("sources".into(), json!(m.sources));
    }
    if !m.keywords.is_empty() {
        md.insert("keywords".into(), json!(m.keywords));
    }
    if !m.maintainers.is_empty() {
        let ms: Vec<Json> = m
            .maintainers
            .iter()
            .map(|x| {
                let mut o = Map::new();
                for (k, v) in [("name", &x.name), ("email", &x.email), ("url", &x.url)] {
                    if !v.is_empty() {
                        o.insert(k.into(), json!(v));
                    }
                }
                Json::Object(o)
            })
            .collect();
        md.insert("maintainers".into(), Json::Array(ms));
    }
    if m.deprecated {
        md.insert("deprecated".into(), json!(true));
    }
    if !m.annotations.is_empty() {
        md.insert("annotations".into(), json!(m.annotations));
    }
    if !m.dependencies.is_empty() {
        let ds: Vec<Json> = m
            .dependencies
            .iter()
            .map(|d| to_json(&d.to_json_value()))
            .collect();
        md.insert("dependencies".into(), Json::Array(ds));
    }
    let lock = match &c.lock {
        Some(f) => lockgate_helm::yaml::parse(&String::from_utf8_lossy(&f.data))
            .map(|v| to_json(&v))
            .unwrap_or(Json::Null),
        None => Json::Null,
    };
    json!({
        "metadata": md,
        "lock": lock,
        "templates": files_json(&c.templates),
        "values": to_json(&c.values),
        "schema": c.schema.as_ref().map(|s| B64.encode(s)),
        "files": files_json(&c.files),
    })
}

/// Loads the chart and values and identifies the candidate.
pub fn prepare(src: &Source) -> Result<Prepared, PlanError> {
    let c = load(&src.chart)?;
    let user = user_values(src)?;
    Ok(prepared(&c, &user))
}

fn prepared(c: &Chart, user: &lockgate_helm::value::Value) -> Prepared {
    let chart = chart_json(c);
    let config = match to_json(user) {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    // dependencies are part of what ships even though records leave them out
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(&chart).unwrap_or_default());
    fn deps(c: &Chart, h: &mut Sha256) {
        for d in &c.dependencies {
            h.update(serde_json::to_vec(&chart_json(d)).unwrap_or_default());
            deps(d, h);
        }
    }
    deps(c, &mut h);
    h.update(serde_json::to_vec(&config).unwrap_or_default());
    Prepared {
        chart,
        config,
        digest: hex::encode(h.finalize()),
    }
}

/// Renders revision `revision` of release `name` in `namespace` for a cluster with the
/// given version and API versions.
pub fn render(
    src: &Source,
    name: &str,
    namespace: &str,
    revision: i64,
    is_upgrade: bool,
    kube_version: &str,
    api_versions: &[String],
) -> Result<Planned, PlanError> {
    let c = load(&src.chart)?;
    let user = user_values(src)?;
    let prepared = prepared(&c, &user);
    let mut caps = Capabilities::new(kube_version, &[])
        .map_err(|e| PlanError::Render(lockgate_helm::action::ActionError::KubeVersion(e)))?;
    if !api_versions.is_empty() {
        caps.api_versions = api_versions.into();
    }
    let opts = RenderOptions {
        release: ReleaseInfo {
            name: name.to_string(),
            namespace: namespace.to_string(),
            revision,
            is_upgrade,
        },
        capabilities: caps,
        strict: false,
        lint: false,
    };
    let crd_sources = lockgate_helm::release::crd_objects(&c);
    let chart_name = c.name().to_string();
    let raw = lockgate_helm::action::render_loaded(c, &user, &opts)?;
    let notes = raw
        .get(&format!("{chart_name}/templates/NOTES.txt"))
        .cloned()
        .unwrap_or_default();
    let sorted = lockgate_helm::release::sort_manifests(&raw, &chart_name)?;
    let mut crds = Vec::new();
    for (path, text) in &crd_sources {
        for doc in lockgate_helm::release::split_manifests(text) {
            if let Some(o) = objects::parse_document(path, &doc)? {
                crds.push(o);
            }
        }
    }
    let objects = objects::from_manifests(&sorted.manifests)?;
    let hooks = sorted
        .hooks
        .iter()
        .map(|h| Hook {
            name: h.manifest.name.clone(),
            kind: h.manifest.kind.clone(),
            path: h.manifest.path.clone(),
            manifest: h.manifest.content.clone(),
            events: h.events.clone(),
            weight: h.weight,
            delete_policies: h.delete_policies.clone(),
            ..Hook::default()
        })
        .collect();
    let mut manifest = String::new();
    for m in &sorted.manifests {
        manifest.push_str(&format!("---\n# Source: {}\n{}\n", m.path, m.content));
    }
    Ok(Planned {
        prepared,
        crds,
        objects,
        hooks,
        manifest,
        notes,
    })
}
