//! `Chart.yaml` (Helm's `chart.Metadata`): parsing, validation, and the `.Chart` value.

use crate::value::Value;

/// A maintainer entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Maintainer {
    /// name
    pub name: String,
    /// email
    pub email: String,
    /// url
    pub url: String,
}

/// A `dependencies:` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dependency {
    /// name
    pub name: String,
    /// version (range)
    pub version: String,
    /// repository
    pub repository: String,
    /// condition (comma-separated value paths)
    pub condition: String,
    /// tags
    pub tags: Vec<String>,
    /// enabled (set while processing conditions)
    pub enabled: bool,
    /// import-values: strings or `{child, parent}` maps
    pub import_values: Vec<Value>,
    /// alias
    pub alias: String,
}

/// Parsed `Chart.yaml`.
#[derive(Clone, Debug, Default)]
pub struct Metadata {
    /// apiVersion (v1 or v2)
    pub api_version: String,
    /// name
    pub name: String,
    /// version (SemVer 2)
    pub version: String,
    /// kubeVersion constraint
    pub kube_version: String,
    /// description
    pub description: String,
    /// type (application or library)
    pub chart_type: String,
    /// keywords
    pub keywords: Vec<String>,
    /// home
    pub home: String,
    /// sources
    pub sources: Vec<String>,
    /// dependencies
    pub dependencies: Vec<Dependency>,
    /// maintainers
    pub maintainers: Vec<Maintainer>,
    /// icon
    pub icon: String,
    /// appVersion
    pub app_version: String,
    /// deprecated
    pub deprecated: bool,
    /// annotations
    pub annotations: std::collections::BTreeMap<String, String>,
    /// The whole parsed document, for fields not modelled above.
    pub raw: Value,
}
