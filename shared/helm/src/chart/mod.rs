//! Charts: the in-memory model, loading from a directory or a `.tgz` (hostile-input
//! safe), `.helmignore`, and `Chart.yaml` metadata.

use crate::value::Value;

pub mod archive;
pub mod chartfile;
pub mod ignore;
pub mod load;
pub mod metadata;
pub mod yamlnode;

pub use load::{
    load, load_archive_bytes, load_dir, load_dir_with_limits, load_file, load_files,
    read_dir_files, Limits, LoadError,
};
pub use metadata::{Dependency, Maintainer, Metadata, ValidationError};

/// One file of a chart, its name relative to the chart root with `/` separators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// e.g. `templates/deployment.yaml`, `files/config.json`
    pub name: String,
    /// The bytes.
    pub data: std::sync::Arc<[u8]>,
}

/// A loaded chart and its subcharts (Helm's `chart.Chart`).
#[derive(Clone, Debug, Default)]
pub struct Chart {
    /// Parsed `Chart.yaml`.
    pub metadata: Metadata,
    /// `Chart.lock` (v2) / `requirements.lock` (v1), raw, if present.
    pub lock: Option<File>,
    /// Files under `templates/`.
    pub templates: Vec<File>,
    /// Parsed `values.yaml` (a map; empty when absent).
    pub values: Value,
    /// Raw `values.yaml` bytes (kept for packaging and diffs).
    pub raw_values: Option<Vec<u8>>,
    /// Raw `values.schema.json`, if present.
    pub schema: Option<Vec<u8>>,
    /// Every other file (`.Files`): README, LICENSE, `files/...`, `crds/...`, ...
    /// Not `Chart.yaml`, `values.yaml`, `values.schema.json`, templates, or `charts/`.
    pub files: Vec<File>,
    /// Subcharts from `charts/` (directories or archives), in name order.
    pub dependencies: Vec<Chart>,
    /// The chart's path as loaded (`name` or `parent/charts/name`), for messages.
    pub path: String,
}

impl Chart {
    /// Chart name from metadata.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Files under `crds/` (Helm's `CRDObjects` source).
    pub fn crd_files(&self) -> impl Iterator<Item = &File> {
        self.files.iter().filter(|f| f.name.starts_with("crds/"))
    }

    /// Whether this is a library chart (`type: library`).
    pub fn is_library(&self) -> bool {
        self.metadata.chart_type == "library"
    }
}
