//! lockgate-helm: a native Helm v4 chart engine. It owns chart loading (directories and
//! hostile-input-safe archives), values (files, `--set` flags, coalescing, schema),
//! Go `text/template` with Sprig and Helm's functions, rendering and Helm's output
//! order, lint, packaging and the repository index. It performs no network or cluster
//! I/O and depends on no other lockgate crate.

pub mod action;
pub mod chart;
pub mod engine;
pub mod funcs;
pub mod gofmt;
pub mod json;
pub mod lint;
pub mod package;
pub mod release;
pub mod repo;
pub mod semver;
pub mod template;
pub mod toml;
pub mod value;
pub mod values;
pub mod yaml;

pub use value::{Map, Value};
