//! Helm's own template functions: `toYaml`, `fromYaml`, `toJson`, `toToml`, `required`,
//! `lookup`, ... (pkg/engine/funcs.go). `include` and `tpl` live in the executor.

use super::FuncSpec;

/// All of Helm's native functions.
pub fn funcs() -> Vec<FuncSpec> {
    Vec::new()
}
