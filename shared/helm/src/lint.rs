//! `lockgate lint` (in progress).

use std::path::Path;

use crate::values::MergeOptions;

/// A lint report.
#[derive(Debug, Default)]
pub struct Report {
    /// rendered lines
    pub lines: Vec<String>,
    /// errors found
    pub errors: usize,
    /// warnings found
    pub warnings: usize,
}

impl Report {
    /// Text as Helm prints it.
    pub fn render(&self) -> String {
        self.lines.join("\n") + "\n"
    }
    /// Whether the chart failed.
    pub fn failed(&self, strict: bool) -> bool {
        self.errors > 0 || (strict && self.warnings > 0)
    }
}

/// Lints a chart.
pub fn lint(chart: &Path, values: &MergeOptions, strict: bool) -> Report {
    let _ = (chart, values, strict);
    Report::default()
}
