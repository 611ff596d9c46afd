//! YAML as Helm reads and writes it: sigs.k8s.io/yaml over go-yaml v2 (YAML 1.1 scalars,
//! every number read into `interface{}` becomes a float64, keys become strings) and its
//! emitter (sorted keys, go-yaml v2 quoting, folding and indentation).

use crate::value::Value;

/// A YAML syntax or conversion error, in go-yaml's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// e.g. `yaml: line 3: mapping values are not allowed in this context`
    pub message: String,
}

/// `sigs.k8s.io/yaml.Unmarshal(text, &interface{})`: one document.
///
/// # Errors
/// Malformed YAML, with go-yaml's message.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    let _ = text;
    Err(YamlError { message: "yaml: not implemented yet".into() })
}

/// `sigs.k8s.io/yaml.Marshal(v)` (ends with a newline unless empty).
///
/// # Errors
/// Values YAML cannot hold.
pub fn to_string(v: &Value) -> Result<String, YamlError> {
    let _ = v;
    Err(YamlError { message: "yaml: not implemented yet".into() })
}
