//! Sprig's template functions (github.com/Masterminds/sprig/v3), as Helm v4 exposes them.

use super::FuncSpec;

/// All Sprig functions.
pub fn funcs() -> Vec<FuncSpec> {
    Vec::new()
}
