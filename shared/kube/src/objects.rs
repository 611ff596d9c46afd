//! Kubernetes objects from rendered documents and stored manifests: YAML read with Helm's
//! rules into JSON, identity for pruning, and Helm's resource-policy annotation.

use serde_json::Value as Json;

use lockgate_helm::release::Manifest;

/// One object to apply, with the template it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// template path (`chart/templates/x.yaml`), for messages
    pub source: String,
    /// the object as JSON
    pub body: Json,
}

/// Identity of an object across revisions: group, kind, namespace, name (Helm compares
/// objects by these, not by version).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// API group ("" for core)
    pub group: String,
    /// kind
    pub kind: String,
    /// namespace ("" when cluster-scoped or not set)
    pub namespace: String,
    /// name
    pub name: String,
}

impl std::fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{} in {}", self.kind, self.name, self.namespace)
        }
    }
}

/// Why a document is not an object lockgate can apply.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// The YAML does not parse.
    #[error("{source_path}: YAML: {message}")]
    Yaml {
        /// template path
        source_path: String,
        /// parser message
        message: String,
    },
    /// `apiVersion`, `kind` or `metadata.name` is missing.
    #[error("{source_path}: object has no {field}: every document must set apiVersion, kind and metadata.name")]
    Missing {
        /// template path
        source_path: String,
        /// the missing field
        field: &'static str,
    },
}

impl Object {
    /// `apiVersion`
    pub fn api_version(&self) -> &str {
        self.body["apiVersion"].as_str().unwrap_or("")
    }
    /// `kind`
    pub fn kind(&self) -> &str {
        self.body["kind"].as_str().unwrap_or("")
    }
    /// `metadata.name`
    pub fn name(&self) -> &str {
        self.body["metadata"]["name"].as_str().unwrap_or("")
    }
    /// `metadata.namespace` ("" when unset)
    pub fn namespace(&self) -> &str {
        self.body["metadata"]["namespace"].as_str().unwrap_or("")
    }
    /// API group of `apiVersion`.
    pub fn group(&self) -> &str {
        group_of(self.api_version())
    }
    /// Identity with `namespace` filled in for namespaced objects that leave it unset.
    pub fn key(&self, default_namespace: Option<&str>) -> ObjectKey {
        let ns = match (self.namespace(), default_namespace) {
            ("", Some(d)) => d.to_string(),
            (n, _) => n.to_string(),
        };
        ObjectKey {
            group: self.group().to_string(),
            kind: self.kind().to_string(),
            namespace: ns,
            name: self.name().to_string(),
        }
    }
    /// `helm.sh/resource-policy: keep`: never deleted by upgrades, rollbacks or uninstall.
    pub fn keep(&self) -> bool {
        self.body["metadata"]["annotations"]["helm.sh/resource-policy"].as_str() == Some("keep")
    }
}

/// The group of an `apiVersion` (`apps/v1` -> `apps`, `v1` -> ``).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Reads one document with Helm's YAML rules (YAML 1.1 scalars, as sigs.k8s.io/yaml).
/// `Ok(None)` for an empty document.
pub fn parse_document(source: &str, text: &str) -> Result<Option<Object>, ObjectError> {
    let yaml_err = |message: String| ObjectError::Yaml {
        source_path: source.to_string(),
        message,
    };
    let v = lockgate_helm::yaml::parse(text).map_err(|e| yaml_err(e.to_string()))?;
    if matches!(v, lockgate_helm::value::Value::Nil) {
        return Ok(None);
    }
    let text = lockgate_helm::json::to_string(&v).map_err(yaml_err)?;
    let body: Json = serde_json::from_str(&text).map_err(|e| yaml_err(e.to_string()))?;
    let obj = Object {
        source: source.to_string(),
        body,
    };
    let missing = |field| ObjectError::Missing {
        source_path: source.to_string(),
        field,
    };
    if obj.api_version().is_empty() {
        return Err(missing("apiVersion"));
    }
    if obj.kind().is_empty() {
        return Err(missing("kind"));
    }
    if obj.name().is_empty() {
        return Err(missing("metadata.name"));
    }
    Ok(Some(obj))
}

/// Objects of rendered manifests, in the given (install) order.
pub fn from_manifests(manifests: &[Manifest]) -> Result<Vec<Object>, ObjectError> {
    let mut out = Vec::with_capacity(manifests.len());
    for m in manifests {
        if let Some(o) = parse_document(&m.path, &m.content)? {
            out.push(o);
        }
    }
    Ok(out)
}

/// Objects of a stored manifest stream (`---\n# Source: PATH\nDOC\n`...), as a release
/// record keeps them. Documents that do not parse are reported.
pub fn from_stream(stream: &str) -> Result<Vec<Object>, ObjectError> {
    let mut out = Vec::new();
    for doc in lockgate_helm::release::split_manifests(stream) {
        let source = doc
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .unwrap_or("manifest")
            .to_string();
        if let Some(o) = parse_document(&source, &doc)? {
            out.push(o);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_read_with_helm_yaml_rules() {
        let o = parse_document(
            "c/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  port: \"80\"\n  count: 3\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(o.kind(), "ConfigMap");
        assert_eq!(o.body["data"]["count"], 3, "{}", o.body);
        assert_eq!(o.key(Some("apps")).to_string(), "ConfigMap/x in apps");
        assert_eq!(o.group(), "");
    }

    #[test]
    fn empty_documents_are_skipped_and_incomplete_ones_named() {
        assert!(parse_document("a", "# only a comment\n").unwrap().is_none());
        let err = parse_document(
            "c/templates/bad.yaml",
            "kind: ConfigMap\nmetadata: {name: x}\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "c/templates/bad.yaml: object has no apiVersion: every document must set apiVersion, kind and metadata.name"
        );
    }

    #[test]
    fn stored_streams_split_with_their_sources() {
        let s = "---\n# Source: c/templates/a.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  annotations:\n    helm.sh/resource-policy: keep\n";
        let objs = from_stream(s).unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].source, "c/templates/a.yaml");
        assert_eq!(objs[0].group(), "apps");
        assert!(objs[1].keep());
    }
}
