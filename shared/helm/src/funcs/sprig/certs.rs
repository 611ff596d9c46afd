//! placeholder

use crate::funcs::FuncSpec;

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    Vec::new()
}
