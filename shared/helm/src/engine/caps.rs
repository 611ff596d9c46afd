//! `.Capabilities`: the Kubernetes version, API versions and Helm version templates see.

use std::rc::Rc;

use crate::value::{Object, Value};

/// The API group versions Helm v4.2 reports when no cluster is asked (`helm template`).
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// Helm's default Kubernetes version for rendering without a cluster.
pub const DEFAULT_KUBE_VERSION: &str = "v1.36.0";

/// What the cluster is assumed to offer.
#[derive(Debug, Clone)]
pub struct Capabilities {
    /// e.g. `v1.36.0` (as given, with a `v` prefix)
    pub kube_version: String,
    /// major component
    pub major: String,
    /// minor component
    pub minor: String,
    /// group/version (and group/version/kind) strings
    pub api_versions: std::sync::Arc<[String]>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities::new(DEFAULT_KUBE_VERSION, &[]).expect("default kube version parses")
    }
}

impl Capabilities {
    /// Capabilities for a Kubernetes version (`1.30`, `v1.30.0`) plus extra API versions.
    ///
    /// # Errors
    /// A version that is not `[v]MAJOR.MINOR[.PATCH]`.
    pub fn new(kube_version: &str, extra_api_versions: &[String]) -> Result<Self, String> {
        let v = kube_version.trim();
        let bare = v.strip_prefix('v').unwrap_or(v);
        let mut parts = bare.split(['.', '-', '+']);
        let major = parts.next().unwrap_or("");
        let minor = parts.next().unwrap_or("0");
        if major.is_empty()
            || !major.bytes().all(|b| b.is_ascii_digit())
            || !minor.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(format!(
                "kube-version {kube_version:?}: expected a version like v1.30.0"
            ));
        }
        let mut api_versions: Vec<String> =
            DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect();
        api_versions.extend(extra_api_versions.iter().cloned());
        Ok(Capabilities {
            kube_version: format!("v{bare}"),
            major: major.trim_start_matches('0').to_string().max_or_zero(),
            minor: minor.trim_start_matches('0').to_string().max_or_zero(),
            api_versions: api_versions.into(),
        })
    }

    /// The `.Capabilities` template value.
    pub fn to_value(&self) -> Value {
        Value::Object(Rc::new(CapsObject {
            kube: Value::Object(Rc::new(KubeVersion(self.clone()))),
            apis: Value::Object(Rc::new(VersionSet(self.api_versions.clone()))),
        }))
    }
}

trait ZeroDefault {
    fn max_or_zero(self) -> String;
}

impl ZeroDefault for String {
    fn max_or_zero(self) -> String {
        if self.is_empty() {
            "0".into()
        } else {
            self
        }
    }
}

#[derive(Debug)]
struct CapsObject {
    kube: Value,
    apis: Value,
}

fn helm_version() -> Value {
    Value::Object(Rc::new(BuildInfo))
}

impl Object for CapsObject {
    fn type_name(&self) -> &str {
        "*common.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(self.kube.clone()),
            "APIVersions" => Some(self.apis.clone()),
            "HelmVersion" => Some(helm_version()),
            _ => None,
        }
    }
    fn format(&self) -> String {
        format!("&{{{} {} {}}}", self.kube, self.apis, BuildInfo.format())
    }
    fn to_json_value(&self) -> Option<Value> {
        let mut m = crate::value::Map::new();
        m.insert("KubeVersion".into(), obj_json(&self.kube));
        m.insert("APIVersions".into(), obj_json(&self.apis));
        m.insert(
            "HelmVersion".into(),
            BuildInfo.to_json_value().unwrap_or_default(),
        );
        Some(Value::from_map(m))
    }
}

fn obj_json(v: &Value) -> Value {
    match v {
        Value::Object(o) => o.to_json_value().unwrap_or_default(),
        other => other.clone(),
    }
}

#[derive(Debug)]
struct KubeVersion(Capabilities);

impl Object for KubeVersion {
    fn type_name(&self) -> &str {
        "common.KubeVersion"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" | "GitVersion" | "String" => Some(Value::str(&self.0.kube_version)),
            "Major" => Some(Value::str(&self.0.major)),
            "Minor" => Some(Value::str(&self.0.minor)),
            _ => None,
        }
    }
    fn format(&self) -> String {
        self.0.kube_version.clone()
    }
    fn to_json_value(&self) -> Option<Value> {
        let mut m = crate::value::Map::new();
        m.insert("Version".into(), Value::str(&self.0.kube_version));
        m.insert("Major".into(), Value::str(&self.0.major));
        m.insert("Minor".into(), Value::str(&self.0.minor));
        Some(Value::from_map(m))
    }
    fn as_string(&self) -> Option<String> {
        Some(self.0.kube_version.clone())
    }
}

#[derive(Debug)]
struct VersionSet(std::sync::Arc<[String]>);

impl Object for VersionSet {
    fn type_name(&self) -> &str {
        "common.VersionSet"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if name != "Has" {
            return None;
        }
        let Some(Value::Str(s)) = args.first() else {
            return Some(Err("wrong type for value; expected string".into()));
        };
        Some(Ok(Value::Bool(self.0.iter().any(|v| v == &**s))))
    }
    fn format(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn to_json_value(&self) -> Option<Value> {
        Some(Value::from_list(
            self.0.iter().map(|s| Value::str(s)).collect(),
        ))
    }
    fn len(&self) -> Option<usize> {
        Some(self.0.len())
    }
    fn entries(&self) -> Option<Vec<(Value, Value)>> {
        Some(
            self.0
                .iter()
                .enumerate()
                .map(|(i, s)| (Value::Int(i as i64), Value::str(s)))
                .collect(),
        )
    }
}

#[derive(Debug)]
struct BuildInfo;

impl Object for BuildInfo {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::str("v4.2")),
            "GitCommit" | "GitTreeState" => Some(Value::str("")),
            "GoVersion" => Some(Value::str("go1.26.6")),
            "KubeClientVersion" => Some(Value::str("v1.36")),
            _ => None,
        }
    }
    fn format(&self) -> String {
        "{v4.2   go1.26.6 v1.36}".into()
    }
    fn to_json_value(&self) -> Option<Value> {
        let mut m = crate::value::Map::new();
        m.insert("version".into(), Value::str("v4.2"));
        m.insert("go_version".into(), Value::str("go1.26.6"));
        m.insert("kube_client_version".into(), Value::str("v1.36"));
        Some(Value::from_map(m))
    }
}
