//! The resource types the server knows: built-in Kubernetes kinds and the ones
//! CustomResourceDefinitions register at run time.

use serde_json::Value;

/// One resource (a plural under a group) and the versions it is served at.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    /// API group (`""` for core)
    pub group: String,
    /// served versions, preferred first
    pub versions: Vec<String>,
    /// `Deployment`
    pub kind: String,
    /// `deployments`
    pub plural: String,
    /// `deployment`
    pub singular: String,
    /// namespaced (true) or cluster-scoped
    pub namespaced: bool,
    /// `deploy`
    pub short_names: Vec<String>,
    /// `all`
    pub categories: Vec<String>,
    /// has a `status` subresource
    pub status: bool,
    /// registered by a CustomResourceDefinition
    pub custom: bool,
}

impl ResourceType {
    /// `apps/v1` or `v1`.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{}", self.group, version)
        }
    }

    /// Whether the type has a `scale` subresource.
    pub fn has_scale(&self) -> bool {
        matches!(
            (self.group.as_str(), self.kind.as_str()),
            ("apps", "Deployment" | "ReplicaSet" | "StatefulSet") | ("", "ReplicationController")
        )
    }

    /// The storage key of this resource.
    pub fn key(&self) -> ResKey {
        ResKey {
            group: self.group.clone(),
            plural: self.plural.clone(),
        }
    }
}

/// Identifies stored objects of one resource regardless of version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResKey {
    /// API group
    pub group: String,
    /// plural resource name
    pub plural: String,
}

impl ResKey {
    /// A key from its parts.
    pub fn new(group: &str, plural: &str) -> Self {
        ResKey {
            group: group.to_string(),
            plural: plural.to_string(),
        }
    }
}

/// All known resource types.
#[derive(Debug, Clone)]
pub struct Registry {
    types: Vec<ResourceType>,
}

type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static str,
    bool,
);

// (group, version, kind, plural, namespaced, short names, status subresource)
const BUILTINS: &[Builtin] = &[
    ("", "v1", "Namespace", "namespaces", false, "ns", true),
    ("", "v1", "Node", "nodes", false, "no", true),
    ("", "v1", "Pod", "pods", true, "po", true),
    ("", "v1", "Service", "services", true, "svc", true),
    ("", "v1", "Endpoints", "endpoints", true, "ep", false),
    ("", "v1", "ConfigMap", "configmaps", true, "cm", false),
    ("", "v1", "Secret", "secrets", true, "", false),
    (
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        true,
        "sa",
        false,
    ),
    ("", "v1", "Event", "events", true, "ev", false),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        "pvc",
        true,
    ),
    (
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        false,
        "pv",
        true,
    ),
    (
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
        "rc",
        true,
    ),
    ("", "v1", "LimitRange", "limitranges", true, "limits", false),
    (
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        true,
        "quota",
        true,
    ),
    (
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        "deploy",
        true,
    ),
    ("apps", "v1", "ReplicaSet", "replicasets", true, "rs", true),
    (
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        true,
        "sts",
        true,
    ),
    ("apps", "v1", "DaemonSet", "daemonsets", true, "ds", true),
    (
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        true,
        "",
        false,
    ),
    ("batch", "v1", "Job", "jobs", true, "", true),
    ("batch", "v1", "CronJob", "cronjobs", true, "cj", true),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        "hpa",
        true,
    ),
    (
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        true,
        "ing",
        true,
    ),
    (
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        false,
        "",
        false,
    ),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        "netpol",
        false,
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        "pdb",
        true,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        "",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        "",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        "",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        "",
        false,
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        "crd,crds",
        true,
    ),
    (
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        true,
        "",
        false,
    ),
    ("events.k8s.io", "v1", "Event", "events", true, "ev", false),
    (
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        true,
        "",
        false,
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        false,
        "sc",
        false,
    ),
    (
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        false,
        "pc",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
        "",
        false,
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
        "",
        false,
    ),
];

const IN_ALL: &[&str] = &[
    "pods",
    "services",
    "deployments",
    "replicasets",
    "statefulsets",
    "daemonsets",
    "jobs",
    "cronjobs",
    "replicationcontrollers",
    "horizontalpodautoscalers",
];

impl Default for Registry {
    fn default() -> Self {
        let types = BUILTINS
            .iter()
            .map(
                |&(group, version, kind, plural, namespaced, short, status)| ResourceType {
                    group: group.into(),
                    versions: vec![version.into()],
                    kind: kind.into(),
                    plural: plural.into(),
                    singular: kind.to_lowercase(),
                    namespaced,
                    short_names: short
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                    categories: if IN_ALL.contains(&plural) {
                        vec!["all".into()]
                    } else {
                        vec![]
                    },
                    status,
                    custom: false,
                },
            )
            .collect();
        Registry { types }
    }
}

impl Registry {
    /// Every type.
    pub fn all(&self) -> &[ResourceType] {
        &self.types
    }

    /// The type served at `group/version` under `plural`.
    pub fn find(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.types.iter().find(|t| {
            t.group == group && t.plural == plural && t.versions.iter().any(|v| v == version)
        })
    }

    /// The type of a group and plural, at any version.
    pub fn by_key(&self, key: &ResKey) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == key.group && t.plural == key.plural)
    }

    /// The type of a kind in a group.
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.kind == kind)
    }

    /// Served groups with their versions, in registration order.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for t in &self.types {
            match out.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, vs)) => {
                    for v in &t.versions {
                        if !vs.contains(v) {
                            vs.push(v.clone());
                        }
                    }
                }
                None => out.push((t.group.clone(), t.versions.clone())),
            }
        }
        out
    }

    /// Types served at one group/version.
    pub fn in_group_version(&self, group: &str, version: &str) -> Vec<&ResourceType> {
        self.types
            .iter()
            .filter(|t| t.group == group && t.versions.iter().any(|v| v == version))
            .collect()
    }

    /// Registers (or replaces) the type a CustomResourceDefinition describes.
    /// Returns `None` when the definition lacks group, names or served versions.
    pub fn register_crd(&mut self, crd: &Value) -> Option<ResourceType> {
        let spec = crd.get("spec")?;
        let group = spec.get("group")?.as_str()?.to_string();
        let names = spec.get("names")?;
        let plural = names.get("plural")?.as_str()?.to_string();
        let kind = names.get("kind")?.as_str()?.to_string();
        let singular = names
            .get("singular")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| kind.to_lowercase());
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut versions = Vec::new();
        let mut status = false;
        for v in spec
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if v.get("served").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            if let Some(name) = v.get("name").and_then(Value::as_str) {
                if v.get("storage").and_then(Value::as_bool) == Some(true) {
                    versions.insert(0, name.to_string());
                } else {
                    versions.push(name.to_string());
                }
            }
            if v.pointer("/subresources/status").is_some() {
                status = true;
            }
        }
        if versions.is_empty() {
            return None;
        }
        let t = ResourceType {
            group,
            versions,
            kind,
            plural,
            singular,
            namespaced: spec.get("scope").and_then(Value::as_str) != Some("Cluster"),
            short_names: strings(names.get("shortNames")),
            categories: strings(names.get("categories")),
            status,
            custom: true,
        };
        self.types
            .retain(|x| !(x.group == t.group && x.plural == t.plural));
        self.types.push(t.clone());
        Some(t)
    }

    /// Removes a custom type.
    pub fn unregister(&mut self, key: &ResKey) {
        self.types
            .retain(|t| !(t.custom && t.group == key.group && t.plural == key.plural));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crd_registration_serves_its_versions_and_scope() {
        let mut r = Registry::default();
        let crd = json!({"spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1alpha1", "served": true, "storage": false},
                         {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}}]}});
        let t = r.register_crd(&crd).unwrap();
        assert_eq!(t.versions, vec!["v1", "v1alpha1"]);
        assert!(t.status && t.namespaced);
        assert!(r.find("example.com", "v1alpha1", "widgets").is_some());
        r.unregister(&t.key());
        assert!(r.find("example.com", "v1", "widgets").is_none());
    }

    #[test]
    fn builtin_deployments_are_found_by_kind_and_plural() {
        let r = Registry::default();
        assert_eq!(
            r.by_kind("apps", "Deployment").unwrap().plural,
            "deployments"
        );
        assert!(r.find("apps", "v1", "deployments").unwrap().status);
        assert!(r
            .groups()
            .iter()
            .any(|(g, v)| g.is_empty() && v == &vec!["v1".to_string()]));
    }
}
