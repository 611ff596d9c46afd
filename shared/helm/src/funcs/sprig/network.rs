//! Network: `getHostByName`.
//!
//! Helm replaces Sprig's resolver with a stub returning "" unless `--enable-dns` is
//! given; rendering here never performs DNS, so the stub is what we provide.

use crate::funcs::{func, FuncSpec, Param};
use crate::value::Value;

fn get_host_by_name(_: &[Value]) -> Result<Value, String> {
    Ok(Value::str(""))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    vec![func("getHostByName", &[Param::Str], None, get_host_by_name)]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn dns_is_disabled_as_in_helm_by_default() {
        assert_eq!(show("getHostByName", &[s("example.com")]), "");
    }
}
