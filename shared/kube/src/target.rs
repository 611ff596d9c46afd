//! Where a deploy goes and how lockgate authenticates there: a kubeconfig (a file, or its
//! content from a secret store), the in-cluster service account, or EKS with an IAM
//! bearer token that is refreshed before it expires.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::eks::{self, AwsCredentials, EksToken};

/// A cluster to deploy to.
#[derive(Debug, Clone)]
pub enum Target {
    /// A kubeconfig file, with an optional context (else its current context).
    KubeconfigFile {
        /// path of the file
        path: std::path::PathBuf,
        /// context name
        context: Option<String>,
    },
    /// Kubeconfig text (for example read from Secrets Manager).
    KubeconfigContent {
        /// the YAML
        content: String,
        /// context name
        context: Option<String>,
    },
    /// The pod's service account (`KUBERNETES_SERVICE_HOST`, the mounted token and CA).
    InCluster,
    /// An EKS cluster reached with an IAM token.
    Eks(EksTarget),
}

/// An EKS cluster's endpoint and identity.
#[derive(Debug, Clone)]
pub struct EksTarget {
    /// cluster name (signed into the token)
    pub cluster_name: String,
    /// AWS region
    pub region: String,
    /// API server URL (`https://XXXX.gr7.eu-west-1.eks.amazonaws.com`)
    pub endpoint: String,
    /// base64 of the cluster CA bundle (PEM), as `DescribeCluster` returns it
    pub certificate_authority_data: String,
    /// credentials to sign with
    pub credentials: AwsCredentials,
}

/// Why a target could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The kubeconfig is unreadable or invalid.
    #[error("kubeconfig {source_name}: {message}")]
    Kubeconfig {
        /// file path or "content"
        source_name: String,
        /// what is wrong
        message: String,
    },
    /// Not running in a pod.
    #[error("in-cluster config: {0} (is lockgate running in a pod with a service account?)")]
    InCluster(String),
    /// EKS settings are invalid.
    #[error("EKS cluster {cluster}: {message}")]
    Eks {
        /// cluster name
        cluster: String,
        /// what is wrong
        message: String,
    },
    /// The client could not be built.
    #[error("kubernetes client: {0}")]
    Client(String),
}

/// A connected client and, for token-based targets, when to reconnect.
#[derive(Clone)]
pub struct Connection {
    /// the client
    pub client: kube::Client,
    /// the namespace the target names by default
    pub default_namespace: String,
    /// reconnect before this instant (EKS tokens)
    pub expires_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("default_namespace", &self.default_namespace)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Connection {
    /// The connection must be rebuilt (its token is about to expire).
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        self.expires_at
            .is_some_and(|t| now + chrono::Duration::seconds(60) >= t)
    }
}

impl Target {
    /// Connects (builds the client; no request is made yet).
    pub async fn connect(&self, now: DateTime<Utc>) -> Result<Connection, TargetError> {
        let (config, expires_at) = match self {
            Target::KubeconfigFile { path, context } => {
                let name = path.display().to_string();
                let kc = Kubeconfig::read_from(path).map_err(|e| TargetError::Kubeconfig {
                    source_name: name.clone(),
                    message: e.to_string(),
                })?;
                (from_kubeconfig(kc, context.clone(), &name).await?, None)
            }
            Target::KubeconfigContent { content, context } => {
                let kc = Kubeconfig::from_yaml(content).map_err(|e| TargetError::Kubeconfig {
                    source_name: "content".into(),
                    message: e.to_string(),
                })?;
                (from_kubeconfig(kc, context.clone(), "content").await?, None)
            }
            Target::InCluster => (
                kube::Config::incluster().map_err(|e| TargetError::InCluster(e.to_string()))?,
                None,
            ),
            Target::Eks(t) => {
                let tok = eks::token(&t.cluster_name, &t.region, &t.credentials, now);
                (eks_config(t, &tok)?, Some(tok.expires_at))
            }
        };
        let default_namespace = config.default_namespace.clone();
        let client =
            kube::Client::try_from(config).map_err(|e| TargetError::Client(e.to_string()))?;
        Ok(Connection {
            client,
            default_namespace,
            expires_at,
        })
    }
}

async fn from_kubeconfig(
    kc: Kubeconfig,
    context: Option<String>,
    name: &str,
) -> Result<kube::Config, TargetError> {
    let opts = KubeConfigOptions {
        context,
        ..KubeConfigOptions::default()
    };
    kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .map_err(|e| TargetError::Kubeconfig {
            source_name: name.to_string(),
            message: e.to_string(),
        })
}

fn eks_config(t: &EksTarget, tok: &EksToken) -> Result<kube::Config, TargetError> {
    let err = |message: String| TargetError::Eks {
        cluster: t.cluster_name.clone(),
        message,
    };
    let url: http::Uri = t
        .endpoint
        .parse()
        .map_err(|e| err(format!("endpoint {:?}: {e}", t.endpoint)))?;
    if url.scheme_str() != Some("https") {
        return Err(err(format!("endpoint {:?} must be https", t.endpoint)));
    }
    let pem = B64
        .decode(t.certificate_authority_data.trim())
        .map_err(|e| err(format!("certificate authority data is not base64: {e}")))?;
    let ders = pem_certificates(&pem).map_err(err)?;
    let mut config = kube::Config::new(url);
    config.root_cert = Some(ders);
    config.auth_info.token = Some(tok.token.clone().into());
    Ok(config)
}

/// DER certificates of a PEM bundle.
fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "CA bundle is not PEM text".to_string())?;
    let mut out = Vec::new();
    let mut body = String::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            inside = true;
            body.clear();
        } else if line == "-----END CERTIFICATE-----" {
            inside = false;
            out.push(
                B64.decode(&body)
                    .map_err(|e| format!("CA certificate is not valid base64: {e}"))?,
            );
        } else if inside {
            body.push_str(line);
        }
    }
    if out.is_empty() {
        return Err("CA bundle holds no PEM certificate".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_bundles_yield_each_certificate() {
        let pem = "-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nBAUG\n-----END CERTIFICATE-----\n";
        assert_eq!(
            pem_certificates(pem.as_bytes()).unwrap(),
            vec![vec![1, 2, 3], vec![4, 5, 6]]
        );
        assert!(pem_certificates(b"nothing").is_err());
    }

    #[tokio::test]
    async fn eks_targets_validate_endpoint_and_ca() {
        let t = |endpoint: &str, ca: &str| {
            Target::Eks(EksTarget {
                cluster_name: "prod".into(),
                region: "eu-west-1".into(),
                endpoint: endpoint.into(),
                certificate_authority_data: ca.into(),
                credentials: AwsCredentials {
                    access_key_id: "AKID".into(),
                    secret_access_key: "secret".into(),
                    session_token: None,
                },
            })
        };
        let ca = B64.encode("-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n");
        let e = t("http://x", &ca).connect(Utc::now()).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            "EKS cluster prod: endpoint \"http://x\" must be https"
        );
        let e = t("https://x", "!!").connect(Utc::now()).await.unwrap_err();
        assert!(e.to_string().contains("not base64"), "{e}");
    }

    #[tokio::test]
    async fn a_missing_kubeconfig_names_the_file() {
        let e = Target::KubeconfigFile {
            path: "/nonexistent/kubeconfig".into(),
            context: None,
        }
        .connect(Utc::now())
        .await
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("kubeconfig /nonexistent/kubeconfig:"),
            "{e}"
        );
    }
}
