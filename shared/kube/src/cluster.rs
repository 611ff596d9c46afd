//! A thin, dynamic view of one cluster: kind discovery (cached, refreshed when a CRD
//! adds kinds), server-side apply, get, list, delete and the cluster's capabilities.

use std::collections::HashMap;
use std::sync::Mutex;

use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Scope;
use serde_json::Value as Json;

use crate::objects::{group_of, Object, ObjectKey};

/// Field manager lockgate applies with.
pub const FIELD_MANAGER: &str = "lockgate";

/// An API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The cluster does not serve the kind.
    #[error("{api_version} {kind} is not served by the cluster (is its CRD installed?)")]
    UnknownKind {
        /// apiVersion
        api_version: String,
        /// kind
        kind: String,
    },
    /// The API answered with an error.
    #[error("{what}: {status} {reason}: {message}")]
    Api {
        /// the object or operation
        what: String,
        /// HTTP status
        status: u16,
        /// Kubernetes reason (NotFound, Conflict, ...)
        reason: String,
        /// message
        message: String,
    },
    /// The API could not be reached.
    #[error("{what}: {message}")]
    Transport {
        /// the object or operation
        what: String,
        /// what failed
        message: String,
    },
}

impl ClusterError {
    fn from_kube(what: String, e: kube::Error) -> ClusterError {
        match e {
            kube::Error::Api(s) => ClusterError::Api {
                what,
                status: s.code,
                reason: s.reason.clone(),
                message: s.message.clone(),
            },
            other => ClusterError::Transport {
                what,
                message: other.to_string(),
            },
        }
    }

    /// HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClusterError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Worth retrying (throttled, server error, transport).
    pub fn is_transient(&self) -> bool {
        match self {
            ClusterError::Api { status, .. } => *status == 429 || *status >= 500,
            ClusterError::Transport { .. } => true,
            ClusterError::UnknownKind { .. } => false,
        }
    }
}

/// Resolved kind: the API resource and whether it is namespaced.
#[derive(Debug, Clone)]
pub struct Kind {
    /// resource
    pub resource: ApiResource,
    /// namespaced
    pub namespaced: bool,
}

/// The cluster, as lockgate uses it.
pub struct Cluster {
    client: kube::Client,
    kinds: Mutex<HashMap<(String, String), Kind>>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cluster")
    }
}

impl Cluster {
    /// Wraps a connected client.
    pub fn new(client: kube::Client) -> Cluster {
        Cluster {
            client,
            kinds: Mutex::new(HashMap::new()),
        }
    }

    /// The underlying client.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// Resolves `apiVersion` + `kind` (cached; a miss asks the cluster again, so kinds
    /// added by CRDs are found).
    pub async fn kind(&self, api_version: &str, kind: &str) -> Result<Kind, ClusterError> {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(k) = self.kinds.lock().expect("kind cache").get(&key) {
            return Ok(k.clone());
        }
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        let gvk = GroupVersionKind::gvk(group, version, kind);
        let unknown = || ClusterError::UnknownKind {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
        };
        let (resource, caps) = match kube::discovery::pinned_kind(&self.client, &gvk).await {
            Ok(r) => r,
            Err(kube::Error::Api(s)) if s.code == 404 => return Err(unknown()),
            Err(kube::Error::Discovery(_)) => return Err(unknown()),
            Err(e) => {
                return Err(ClusterError::from_kube(
                    format!("discovery of {api_version} {kind}"),
                    e,
                ))
            }
        };
        let k = Kind {
            resource,
            namespaced: caps.scope == Scope::Namespaced,
        };
        self.kinds
            .lock()
            .expect("kind cache")
            .insert(key, k.clone());
        Ok(k)
    }

    /// Known to be cluster-scoped (from discovery done so far, or well-known kinds).
    pub fn is_cluster_scoped(&self, api_version: &str, kind: &str) -> bool {
        let key = (api_version.to_string(), kind.to_string());
        if let Some(k) = self.kinds.lock().expect("kind cache").get(&key) {
            return !k.namespaced;
        }
        matches!(
            kind,
            "Namespace"
                | "CustomResourceDefinition"
                | "ClusterRole"
                | "ClusterRoleBinding"
                | "PersistentVolume"
                | "StorageClass"
                | "PriorityClass"
                | "IngressClass"
                | "ValidatingWebhookConfiguration"
                | "MutatingWebhookConfiguration"
                | "APIService"
                | "Node"
        )
    }

    fn api(&self, kind: &Kind, namespace: &str) -> Api<DynamicObject> {
        if kind.namespaced {
            Api::namespaced_with(self.client.clone(), namespace, &kind.resource)
        } else {
            Api::all_with(self.client.clone(), &kind.resource)
        }
    }

    /// The object's namespace as applied: its own, else `default_ns` when namespaced;
    /// "" when cluster-scoped.
    pub async fn placement(
        &self,
        obj: &Object,
        default_ns: &str,
    ) -> Result<(Kind, String), ClusterError> {
        let kind = self.kind(obj.api_version(), obj.kind()).await?;
        let ns = if !kind.namespaced {
            String::new()
        } else if obj.namespace().is_empty() {
            default_ns.to_string()
        } else {
            obj.namespace().to_string()
        };
        Ok((kind, ns))
    }

    /// Server-side apply with lockgate's field manager, taking over conflicting fields
    /// (lockgate owns the release). Returns the live object.
    pub async fn apply(&self, obj: &Object, default_ns: &str) -> Result<Json, ClusterError> {
        let (kind, ns) = self.placement(obj, default_ns).await?;
        let mut body = obj.body.clone();
        if kind.namespaced {
            body["metadata"]["namespace"] = Json::String(ns.clone());
        } else if let Some(m) = body["metadata"].as_object_mut() {
            m.remove("namespace");
        }
        let api = self.api(&kind, &ns);
        let pp = PatchParams::apply(FIELD_MANAGER).force();
        let what = || format!("apply {}", obj.key(Some(&ns)));
        let live = api
            .patch(obj.name(), &pp, &Patch::Apply(&body))
            .await
            .map_err(|e| ClusterError::from_kube(what(), e))?;
        serde_json::to_value(live).map_err(|e| ClusterError::Transport {
            what: what(),
            message: e.to_string(),
        })
    }

    /// Gets a live object (`None` when absent).
    pub async fn get(
        &self,
        api_version: &str,
        kind: &str,
        ns: &str,
        name: &str,
    ) -> Result<Option<Json>, ClusterError> {
        let k = self.kind(api_version, kind).await?;
        let what = || format!("get {kind}/{name}");
        let got = self
            .api(&k, ns)
            .get_opt(name)
            .await
            .map_err(|e| ClusterError::from_kube(what(), e))?;
        got.map(serde_json::to_value)
            .transpose()
            .map_err(|e| ClusterError::Transport {
                what: what(),
                message: e.to_string(),
            })
    }

    /// Lists objects with a label selector.
    pub async fn list(
        &self,
        api_version: &str,
        kind: &str,
        ns: &str,
        labels: &str,
    ) -> Result<Vec<Json>, ClusterError> {
        self.list_with(
            api_version,
            kind,
            ns,
            ListParams::default().labels(labels),
            labels,
        )
        .await
    }

    /// Lists objects with a field selector.
    pub async fn list_fields(
        &self,
        api_version: &str,
        kind: &str,
        ns: &str,
        fields: &str,
    ) -> Result<Vec<Json>, ClusterError> {
        self.list_with(
            api_version,
            kind,
            ns,
            ListParams::default().fields(fields),
            fields,
        )
        .await
    }

    async fn list_with(
        &self,
        api_version: &str,
        kind: &str,
        ns: &str,
        lp: ListParams,
        selector: &str,
    ) -> Result<Vec<Json>, ClusterError> {
        let k = self.kind(api_version, kind).await?;
        let list = self
            .api(&k, ns)
            .list(&lp)
            .await
            .map_err(|e| ClusterError::from_kube(format!("list {kind} {selector}"), e))?;
        list.items
            .into_iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()
            .map_err(|e| ClusterError::Transport {
                what: format!("list {kind}"),
                message: e.to_string(),
            })
    }

    /// Creates an object; `Ok(false)` when it already exists.
    pub async fn create(&self, body: &Json, ns: &str) -> Result<bool, ClusterError> {
        let av = body["apiVersion"].as_str().unwrap_or("");
        let kd = body["kind"].as_str().unwrap_or("");
        let k = self.kind(av, kd).await?;
        let obj: DynamicObject =
            serde_json::from_value(body.clone()).map_err(|e| ClusterError::Transport {
                what: format!("create {kd}"),
                message: e.to_string(),
            })?;
        match self.api(&k, ns).create(&PostParams::default(), &obj).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
            Err(e) => Err(ClusterError::from_kube(
                format!(
                    "create {kd}/{}",
                    body["metadata"]["name"].as_str().unwrap_or("")
                ),
                e,
            )),
        }
    }

    /// Replaces an object; the body's `metadata.resourceVersion` makes it a
    /// compare-and-swap (409 Conflict when someone wrote in between).
    pub async fn replace(&self, body: &Json, ns: &str) -> Result<Json, ClusterError> {
        let av = body["apiVersion"].as_str().unwrap_or("");
        let kd = body["kind"].as_str().unwrap_or("");
        let name = body["metadata"]["name"].as_str().unwrap_or("");
        let k = self.kind(av, kd).await?;
        let what = || format!("replace {kd}/{name}");
        let obj: DynamicObject =
            serde_json::from_value(body.clone()).map_err(|e| ClusterError::Transport {
                what: what(),
                message: e.to_string(),
            })?;
        let live = self
            .api(&k, ns)
            .replace(name, &PostParams::default(), &obj)
            .await
            .map_err(|e| ClusterError::from_kube(what(), e))?;
        serde_json::to_value(live).map_err(|e| ClusterError::Transport {
            what: what(),
            message: e.to_string(),
        })
    }

    /// Deletes an object (background propagation); `Ok(false)` when it was absent.
    pub async fn delete(
        &self,
        api_version: &str,
        kind: &str,
        ns: &str,
        name: &str,
    ) -> Result<bool, ClusterError> {
        let k = match self.kind(api_version, kind).await {
            Ok(k) => k,
            // the kind is gone (its CRD was removed): so is the object
            Err(ClusterError::UnknownKind { .. }) => return Ok(false),
            Err(e) => return Err(e),
        };
        match self
            .api(&k, ns)
            .delete(name, &DeleteParams::background())
            .await
        {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
            Err(e) => Err(ClusterError::from_kube(format!("delete {kind}/{name}"), e)),
        }
    }

    /// Deletes the object a key names (its apiVersion from the stored object).
    pub async fn delete_object(&self, obj: &Object, key: &ObjectKey) -> Result<bool, ClusterError> {
        self.delete(obj.api_version(), &key.kind, &key.namespace, &key.name)
            .await
    }

    /// The cluster's version (`v1.36.0`) and API versions (`group/version` and
    /// `group/version/Kind`), as Helm gives them to templates.
    pub async fn capabilities(&self) -> Result<(String, Vec<String>), ClusterError> {
        let t = |e| ClusterError::from_kube("discovery".into(), e);
        let v = self.client.apiserver_version().await.map_err(t)?;
        let mut out = Vec::new();
        let core = self.client.list_core_api_versions().await.map_err(t)?;
        for ver in core.versions {
            out.push(ver.clone());
            if let Ok(rs) = self.client.list_core_api_resources(&ver).await {
                for r in rs.resources.iter().filter(|r| !r.name.contains('/')) {
                    out.push(format!("{ver}/{}", r.kind));
                }
            }
        }
        let groups = self.client.list_api_groups().await.map_err(t)?;
        for g in groups.groups {
            for gv in g.versions {
                out.push(gv.group_version.clone());
                if let Ok(rs) = self
                    .client
                    .list_api_group_resources(&gv.group_version)
                    .await
                {
                    for r in rs.resources.iter().filter(|r| !r.name.contains('/')) {
                        out.push(format!("{}/{}", gv.group_version, r.kind));
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        Ok((v.git_version, out))
    }
}

/// `group/kind` of an object for messages.
pub fn group_kind(api_version: &str, kind: &str) -> String {
    match group_of(api_version) {
        "" => kind.to_string(),
        g => format!("{kind}.{g}"),
    }
}
