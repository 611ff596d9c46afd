//! Values: reading values files, `--set` parsing (Helm's strvals), coalescing chart
//! defaults with user values (globals, subchart scoping, null deletes), dependency
//! processing (condition, tags, alias, import-values) and `values.schema.json`.

pub mod coalesce;
pub mod deps;
pub mod files;
pub mod literal;
pub mod schema;
mod schema_fast;
pub mod strvals;

pub use coalesce::{coalesce_values, merge_chart_values, Warnings, GLOBAL_KEY};
pub use deps::process_dependencies;
pub use files::{load_values, merge_maps, merge_values, MergeOptions};
pub use literal::parse_set_literal;
pub use strvals::{parse_set, parse_set_file, parse_set_json, parse_set_string, ParseError};

/// Why user values could not be built or did not fit the chart, in Helm's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValuesError {
    /// A `-f` file could not be read (the reader's message, e.g. `open x: no such file
    /// or directory`).
    #[error("{0}")]
    ReadFile(String),
    /// A `-f` file is not a YAML map.
    #[error("failed to parse {file}: {message}")]
    ParseFile {
        /// The file name as given.
        file: String,
        /// `cannot unmarshal yaml document: ...`
        message: String,
    },
    /// A `--set-json` value Helm refused (`failed parsing --set-json data ...`).
    #[error("{0}")]
    SetJson(String),
    /// A `--set`, `--set-string`, `--set-file` or `--set-literal` expression Helm refused.
    #[error("failed parsing {0} data: {1}")]
    Set(&'static str, String),
    /// Coalescing failed (`type mismatch on NAME: %t`).
    #[error("{0}")]
    Coalesce(String),
    /// Values failed `values.schema.json` (the text after Helm's heading).
    #[error(
        "values don't meet the specifications of the schema(s) in the following chart(s):\n{0}"
    )]
    Schema(String),
}

/// What the renderer calls: Helm's `ProcessDependencies` (conditions, tags, aliases,
/// import-values; disabled subcharts are removed from `chart`), then `CoalesceValues`
/// and `values.schema.json` validation of the chart and every subchart. Returns the
/// top chart's `.Values` (subchart values nested under their names or aliases).
///
/// # Errors
/// Helm's messages: `type mismatch on NAME: ...`, or `values don't meet the
/// specifications of the schema(s) in the following chart(s):\n...`.
pub fn prepare(
    chart: &mut crate::chart::Chart,
    user: &crate::Value,
) -> Result<crate::Value, ValuesError> {
    prepare_with(chart, user, false, &mut Vec::new())
}

/// [`prepare`] with `--skip-schema-validation` and a sink for Helm's warnings
/// (`warning: skipped value for ...`, `returned non-bool value ...`).
///
/// # Errors
/// As [`prepare`].
pub fn prepare_with(
    chart: &mut crate::chart::Chart,
    user: &crate::Value,
    skip_schema_validation: bool,
    warnings: &mut Warnings,
) -> Result<crate::Value, ValuesError> {
    process_dependencies(chart, user, warnings)?;
    let vals = coalesce_values(chart, user, warnings)?;
    if !skip_schema_validation {
        schema::validate_against_schema(chart, &vals).map_err(ValuesError::Schema)?;
    }
    Ok(vals)
}
