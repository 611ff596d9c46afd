//! Values: reading values files, `--set` parsing (Helm's strvals), coalescing chart
//! defaults with user values (globals, subchart scoping, null deletes), dependency
//! processing (condition, tags, alias, import-values) and `values.schema.json`.

pub mod gojson;
pub mod literal;
pub mod strvals;

pub use literal::parse_set_literal;
pub use strvals::{parse_set, parse_set_file, parse_set_json, parse_set_string, ParseError};
