//! Template functions: the registry shape, Sprig's functions and Helm's own.
//!
//! A function declares Go parameter types; the template executor converts arguments
//! with Go's rules before the call (so a `Str` parameter always receives a
//! `Value::Str`, an `Int` one a `Value::Int`, ...) and wraps an `Err(msg)` as
//! `error calling NAME: msg`, as Go's text/template does.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use crate::value::Value;

pub mod helm;
pub mod sprig;

/// The Go type of one function parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// `interface{}`: anything, nil included.
    Any,
    /// `string`
    Str,
    /// `int` / `int64`
    Int,
    /// `float64`
    Float,
    /// `bool`
    Bool,
    /// `[]interface{}` (nil allowed)
    List,
    /// `map[string]interface{}` (nil allowed)
    Map,
}

/// A native function body: arguments already converted to the declared types.
pub type NativeFn = fn(&[Value]) -> Result<Value, String>;

/// One template function.
#[derive(Clone, Copy)]
pub struct FuncSpec {
    /// The name templates call it by.
    pub name: &'static str,
    /// Fixed parameters.
    pub params: &'static [Param],
    /// The type of trailing variadic arguments, if the function is variadic.
    pub variadic: Option<Param>,
    /// The body.
    pub f: NativeFn,
}

impl std::fmt::Debug for FuncSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "func {}", self.name)
    }
}

/// Helper for building specs tersely: `func("upper", &[Param::Str], None, upper)`.
pub const fn func(
    name: &'static str,
    params: &'static [Param],
    variadic: Option<Param>,
    f: NativeFn,
) -> FuncSpec {
    FuncSpec {
        name,
        params,
        variadic,
        f,
    }
}

/// Every native function Helm's engine exposes (Sprig less `env`/`expandenv`, plus
/// Helm's own), by name. `include`, `tpl` are handled by the executor itself.
pub fn registry() -> &'static FxHashMap<&'static str, FuncSpec> {
    static REG: OnceLock<FxHashMap<&'static str, FuncSpec>> = OnceLock::new();
    REG.get_or_init(|| {
        let mut m = FxHashMap::default();
        for f in sprig::funcs() {
            m.insert(f.name, f);
        }
        // Helm's own functions replace Sprig's of the same name (toYaml, ...).
        for f in helm::funcs() {
            m.insert(f.name, f);
        }
        m.remove("env");
        m.remove("expandenv");
        m
    })
}
