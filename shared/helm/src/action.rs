//! The user-facing operations built from the engine's parts, as Helm's `pkg/action`:
//! load a chart, build user values from flags, process dependencies, coalesce, check
//! the schema and kubeVersion, render, sort.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::chart::{self, Chart};
use crate::engine::{self, Capabilities, ReleaseInfo, RenderOptions};
use crate::release::{self, SortedRelease, TemplateOutput};
use crate::value::Value;
use crate::values::{self, MergeOptions};

/// A `template` request.
#[derive(Debug, Clone, Default)]
pub struct TemplateRequest {
    /// chart directory or archive
    pub chart: PathBuf,
    /// user values flags
    pub values: MergeOptions,
    /// `.Release`
    pub release: ReleaseInfo,
    /// `--kube-version`
    pub kube_version: Option<String>,
    /// `--api-versions`
    pub api_versions: Vec<String>,
    /// missing keys are errors
    pub strict: bool,
    /// lint mode (`required`/`fail` do not stop the render)
    pub lint: bool,
}

/// Why an operation failed: each variant names the input at fault.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The chart could not be loaded.
    #[error("loading chart {path}")]
    Load {
        /// the chart path
        path: String,
        /// why
        #[source]
        source: chart::LoadError,
    },
    /// User values could not be built or do not fit the chart.
    #[error(transparent)]
    Values(#[from] values::ValuesError),
    /// `--kube-version` is malformed.
    #[error("invalid --kube-version: {0}")]
    KubeVersion(String),
    /// The chart's `kubeVersion` excludes the target version.
    #[error(
        "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {version}"
    )]
    IncompatibleKube {
        /// the chart's constraint
        constraint: String,
        /// the target version
        version: String,
    },
    /// A template failed to parse or execute.
    #[error(transparent)]
    Render(#[from] engine::RenderError),
    /// A rendered document is not valid YAML.
    #[error(transparent)]
    Sort(#[from] release::SortError),
}

/// A rendered chart.
#[derive(Debug)]
pub struct Rendered {
    /// the chart (after dependency processing)
    pub chart: Chart,
    /// template path -> rendered text
    pub raw: BTreeMap<String, String>,
}

impl Rendered {
    /// The top chart's rendered NOTES.txt ("" when none).
    pub fn notes(&self) -> String {
        self.raw
            .get(&format!("{}/templates/NOTES.txt", self.chart.name()))
            .cloned()
            .unwrap_or_default()
    }

    /// Manifests and hooks in install order.
    ///
    /// # Errors
    /// A rendered document that is not valid YAML.
    pub fn sorted(&self) -> Result<SortedRelease, release::SortError> {
        release::sort_manifests(&self.raw, self.chart.name())
    }

    /// Exactly what `helm template` prints.
    ///
    /// # Errors
    /// A rendered document that is not valid YAML.
    pub fn stdout(&self, opts: TemplateOutput) -> Result<String, release::SortError> {
        Ok(release::template_stdout(&self.chart, &self.sorted()?, opts))
    }
}

/// Loads the chart, builds the values from flags (files read from disk) and renders.
///
/// # Errors
/// See [`ActionError`].
pub fn render(req: &TemplateRequest) -> Result<Rendered, ActionError> {
    let chart = chart::load(&req.chart).map_err(|source| ActionError::Load {
        path: req.chart.display().to_string(),
        source,
    })?;
    let mut read =
        |name: &str| std::fs::read(name).map_err(|e| format!("open {name}: {}", io_reason(&e)));
    let user = values::merge_values(&req.values, &mut read)?;
    let caps = Capabilities::new(
        req.kube_version
            .as_deref()
            .unwrap_or(engine::caps::DEFAULT_KUBE_VERSION),
        &req.api_versions,
    )
    .map_err(ActionError::KubeVersion)?;
    let opts = RenderOptions {
        release: req.release.clone(),
        capabilities: caps,
        strict: req.strict,
        lint: req.lint,
    };
    let (chart, raw) = render_chart(chart, &user, &opts)?;
    Ok(Rendered { chart, raw })
}

/// Renders an already loaded chart with user values (what the benchmark times).
///
/// # Errors
/// See [`ActionError`].
pub fn render_loaded(
    chart: Chart,
    user: &Value,
    opts: &RenderOptions,
) -> Result<BTreeMap<String, String>, ActionError> {
    render_chart(chart, user, opts).map(|(_, raw)| raw)
}

fn render_chart(
    mut chart: Chart,
    user: &Value,
    opts: &RenderOptions,
) -> Result<(Chart, BTreeMap<String, String>), ActionError> {
    let coalesced = values::prepare(&mut chart, user)?;
    let constraint = chart.metadata.kube_version.clone();
    if !constraint.is_empty() && !kube_version_ok(&constraint, &opts.capabilities.kube_version) {
        return Err(ActionError::IncompatibleKube {
            constraint,
            version: opts.capabilities.kube_version.clone(),
        });
    }
    let raw = engine::render(&chart, &coalesced, opts)?;
    Ok((chart, raw))
}

/// Go's wording for common I/O errors.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn kube_version_ok(constraint: &str, version: &str) -> bool {
    crate::semver::is_compatible_range(constraint, version)
}
