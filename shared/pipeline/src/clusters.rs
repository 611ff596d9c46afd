//! Clusters named in the configuration, connected on first use and reconnected when
//! their credentials (EKS tokens) are about to expire.

use std::collections::HashMap;
use std::sync::Arc;

use lockgate_core::config::{ClusterSpec, Connection};
use lockgate_core::ports::PortError;
use lockgate_kube::cluster::Cluster;
use lockgate_kube::deploy::Deployer;
use lockgate_kube::eks::AwsCredentials;
use lockgate_kube::target::{Connection as Conn, EksTarget, Target};
use tokio::sync::Mutex;

/// Where EKS clusters are (endpoint and CA come from `DescribeCluster` in AWS; tests
/// and local runs give them directly).
#[derive(Debug, Clone)]
pub struct EksEndpoint {
    /// API server URL
    pub endpoint: String,
    /// base64 CA bundle
    pub certificate_authority_data: String,
}

/// Resolves cluster specs to deployers.
pub struct Clusters {
    simulated: Option<String>,
    eks: HashMap<String, EksEndpoint>,
    cache: Mutex<HashMap<String, (Deployer, Conn)>>,
}

impl std::fmt::Debug for Clusters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clusters").finish()
    }
}

impl Clusters {
    /// `simulated_kubeconfig`: the embedded cluster's kubeconfig, for `kind: simulated`.
    pub fn new(
        simulated_kubeconfig: Option<String>,
        eks: HashMap<String, EksEndpoint>,
    ) -> Clusters {
        Clusters {
            simulated: simulated_kubeconfig,
            eks,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn target(&self, spec: &ClusterSpec) -> Result<Target, PortError> {
        Ok(match &spec.connection {
            Connection::Simulated => Target::KubeconfigContent {
                content: self.simulated.clone().ok_or_else(|| {
                    PortError::permanent(
                        format!("cluster {}", spec.name),
                        "kind: simulated needs the embedded cluster (lockgate demo / lockgate run start one)".to_string(),
                    )
                })?,
                context: None,
            },
            Connection::Kubeconfig { path, context } => {
                let path = match path {
                    Some(p) => p.into(),
                    None => match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
                        Some(p) => p.into(),
                        None => std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".kube/config"),
                    },
                };
                Target::KubeconfigFile {
                    path,
                    context: context.clone(),
                }
            }
            Connection::InCluster => Target::InCluster,
            Connection::Eks {
                cluster_name, region, ..
            } => {
                let ep = self.eks.get(&spec.name).ok_or_else(|| {
                    PortError::permanent(
                        format!("cluster {}", spec.name),
                        "no endpoint known for this EKS cluster".to_string(),
                    )
                })?;
                Target::Eks(EksTarget {
                    cluster_name: cluster_name.clone(),
                    region: region.clone(),
                    endpoint: ep.endpoint.clone(),
                    certificate_authority_data: ep.certificate_authority_data.clone(),
                    credentials: AwsCredentials::from_env()
                        .map_err(|e| PortError::permanent(format!("cluster {}", spec.name), e))?,
                })
            }
        })
    }

    /// A deployer for the cluster.
    pub async fn deployer(&self, spec: &ClusterSpec) -> Result<Deployer, PortError> {
        let now = chrono::Utc::now();
        let mut cache = self.cache.lock().await;
        if let Some((d, c)) = cache.get(&spec.name) {
            if !c.is_stale(now) {
                return Ok(d.clone());
            }
        }
        let conn =
            self.target(spec)?.connect(now).await.map_err(|e| {
                PortError::transient(format!("cluster {}", spec.name), e.to_string())
            })?;
        let d = Deployer::new(Arc::new(Cluster::new(conn.client.clone())));
        cache.insert(spec.name.clone(), (d.clone(), conn));
        Ok(d)
    }
}
