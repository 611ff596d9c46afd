//! Values: reading values files, `--set` parsing (Helm's strvals), coalescing chart
//! defaults with user values (globals, subchart scoping, null deletes), dependency
//! processing (condition, tags, alias, import-values) and `values.schema.json`.

pub mod files;
pub mod gojson;
pub mod literal;
pub mod strvals;

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
}

pub mod prepare;
pub use prepare::prepare;
