//! `lockgate lint`: Helm's lint rules that matter (Chart.yaml fields, values and schema,
//! templates render, documents are valid YAML with `apiVersion`, `kind` and valid
//! names), reported as `helm lint` reports them.

use std::path::Path;

use crate::action::{self, TemplateRequest};
use crate::chart::{self, Chart};
use crate::release;
use crate::value::Value;
use crate::values::MergeOptions;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// advice
    Info,
    /// likely a problem
    Warning,
    /// the chart is broken
    Error,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// severity
    pub severity: Severity,
    /// the file it is about, relative to the chart (`Chart.yaml`, `templates/x.yaml`)
    pub path: String,
    /// what is wrong and what to change
    pub message: String,
}

/// The findings for one chart.
#[derive(Debug, Default)]
pub struct Report {
    /// the chart as given
    pub chart: String,
    /// findings in rule order
    pub findings: Vec<Finding>,
}

impl Report {
    fn add(&mut self, severity: Severity, path: &str, message: impl Into<String>) {
        self.findings.push(Finding {
            severity,
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// Text as `helm lint` prints it.
    pub fn render(&self) -> String {
        let mut s = format!("==> Linting {}\n", self.chart);
        for f in &self.findings {
            s.push_str(&format!(
                "[{}] {}: {}\n",
                f.severity.label(),
                f.path,
                f.message
            ));
        }
        s.push('\n');
        s
    }

    /// Whether the chart failed: any error, or any warning when strict.
    pub fn failed(&self, strict: bool) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Error || (strict && f.severity == Severity::Warning))
    }
}

/// Lints one chart directory or archive with the given user values.
pub fn lint(chart_path: &Path, values: &MergeOptions, strict: bool) -> Report {
    let mut r = Report {
        chart: chart_path.display().to_string(),
        ..Report::default()
    };
    let chart = match chart::load(chart_path) {
        Ok(c) => c,
        Err(e) => {
            r.add(
                Severity::Error,
                "Chart.yaml",
                format!("unable to load chart: {e}"),
            );
            return r;
        }
    };
    lint_chartfile(&chart, &mut r);
    if chart.raw_values.is_none() {
        r.add(Severity::Info, "values.yaml", "file does not exist");
    }
    if chart.templates.is_empty() && !chart_path.join("templates").is_dir() && chart_path.is_dir() {
        r.add(Severity::Warning, "templates/", "directory does not exist");
    }
    for t in &chart.templates {
        let ext = t.name.rsplit('.').next().unwrap_or("");
        if !matches!(ext, "yaml" | "yml" | "tpl" | "txt") {
            r.add(
                Severity::Error,
                &t.name,
                format!("file extension '.{ext}' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt"),
            );
        }
    }
    let req = TemplateRequest {
        chart: chart_path.to_path_buf(),
        values: values.clone(),
        strict,
        lint: true,
        ..TemplateRequest::default()
    };
    let rendered = match action::render(&req) {
        Ok(x) => x,
        Err(e) => {
            r.add(Severity::Error, "templates/", error_chain(&e));
            return r;
        }
    };
    let prefix = format!("{}/", chart.name());
    for (path, text) in &rendered.raw {
        if path.ends_with("NOTES.txt")
            || !path.starts_with(&prefix)
            || path[prefix.len()..].starts_with("charts/")
        {
            continue;
        }
        let rel = &path[prefix.len()..];
        for doc in release::split_manifests(text) {
            if doc
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
            {
                continue;
            }
            let parsed = match crate::yaml::parse(&doc) {
                Ok(v) => v,
                Err(e) => {
                    r.add(
                        Severity::Error,
                        rel,
                        format!("unable to parse YAML: {}", e.message),
                    );
                    continue;
                }
            };
            lint_object(&parsed, rel, &mut r);
        }
    }
    r
}

fn lint_chartfile(chart: &Chart, r: &mut Report) {
    let md = &chart.metadata;
    let f = "Chart.yaml";
    if md.name.is_empty() {
        r.add(Severity::Error, f, "name is required");
    } else if !is_valid_chart_name(&md.name) {
        r.add(
            Severity::Error,
            f,
            format!("chart.metadata.name {:?} is invalid", md.name),
        );
    }
    match md.api_version.as_str() {
        "" => r.add(
            Severity::Error,
            f,
            "apiVersion is required. The value must be either \"v1\" or \"v2\"",
        ),
        "v1" | "v2" => {}
        other => r.add(
            Severity::Error,
            f,
            format!("apiVersion '{other}' is not valid. The value must be either \"v1\" or \"v2\""),
        ),
    }
    if md.version.is_empty() {
        r.add(Severity::Error, f, "version is required");
    } else if crate::semver::Version::parse(&md.version).is_err() {
        r.add(
            Severity::Error,
            f,
            format!("version '{}' is not a valid SemVer", md.version),
        );
    }
    for m in &md.maintainers {
        if m.name.is_empty() {
            r.add(Severity::Error, f, "each maintainer requires a name");
        } else if !m.email.is_empty() && !m.email.contains('@') {
            r.add(
                Severity::Error,
                f,
                format!("invalid email '{}' for maintainer '{}'", m.email, m.name),
            );
        }
    }
    for s in &md.sources {
        if !(s.starts_with("http://") || s.starts_with("https://")) {
            r.add(Severity::Error, f, format!("invalid source URL '{s}'"));
        }
    }
    if md.icon.is_empty() {
        r.add(Severity::Info, f, "icon is recommended");
    } else if !(md.icon.starts_with("http://") || md.icon.starts_with("https://")) {
        r.add(
            Severity::Error,
            f,
            format!("invalid icon URL '{}'", md.icon),
        );
    }
    if !md.chart_type.is_empty() && md.api_version == "v1" {
        r.add(
            Severity::Error,
            f,
            "chart type is not valid in apiVersion 'v1'. It is valid in apiVersion 'v2'",
        );
    }
    if !matches!(md.chart_type.as_str(), "" | "application" | "library") {
        r.add(
            Severity::Error,
            f,
            format!(
                "chart type '{}' is not valid: use application or library",
                md.chart_type
            ),
        );
    }
    if !md.dependencies.is_empty() && md.api_version == "v1" {
        r.add(Severity::Error, f, "dependencies are not valid in the Chart file with apiVersion 'v1'. They are valid in apiVersion 'v2'");
    }
}

fn is_valid_chart_name(n: &str) -> bool {
    !n.contains(['/', '\\']) && n != "." && n != ".."
}

/// DNS-1123 subdomain (most object names).
fn is_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn lint_object(obj: &Value, path: &str, r: &mut Report) {
    let Value::Map(_) = obj else {
        if !obj.is_nil() {
            r.add(
                Severity::Error,
                path,
                "document is not a Kubernetes object (a YAML mapping is expected)",
            );
        }
        return;
    };
    let api = obj
        .get("apiVersion")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let kind = obj
        .get("kind")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    if api.is_empty() {
        r.add(
            Severity::Error,
            path,
            "object has no apiVersion: set apiVersion (e.g. apps/v1)",
        );
    }
    if kind.is_empty() {
        r.add(
            Severity::Error,
            path,
            "object has no kind: set kind (e.g. Deployment)",
        );
    }
    let name = obj
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    if !name.is_empty() && !is_dns1123_subdomain(&name) {
        r.add(
            Severity::Error,
            path,
            format!(
                "object name does not conform to Kubernetes naming requirements: {name:?}: lowercase letters, digits, '-' and '.' only, starting and ending with a letter or digit"
            ),
        );
    }
    if matches!(
        kind.as_str(),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
    ) {
        let sel = obj.get("spec").and_then(|s| s.get("selector"));
        let has = sel
            .map(|s| s.get("matchLabels").is_some() || s.get("matchExpressions").is_some())
            .unwrap_or(false);
        if !has {
            r.add(
                Severity::Error,
                path,
                format!("a {kind} must contain matchLabels or matchExpression selectors"),
            );
        }
    }
}

/// An error and its sources, joined as `a: b: c`.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(src) = cur {
        let t = src.to_string();
        if !s.ends_with(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = src.source();
    }
    s
}
