//! TOML as Helm's `toToml` / `fromToml` (BurntSushi/toml) write and read it.

use crate::value::Value;

/// `toToml`: BurntSushi/toml's encoder output.
///
/// # Errors
/// Values TOML cannot hold.
pub fn to_string(v: &Value) -> Result<String, String> {
    let _ = v;
    Err("toml: not implemented yet".into())
}

/// `fromToml` parse into a map.
///
/// # Errors
/// BurntSushi's message for malformed input.
pub fn parse(text: &str) -> Result<Value, String> {
    let _ = text;
    Err("toml: not implemented yet".into())
}
