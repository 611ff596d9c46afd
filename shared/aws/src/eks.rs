//! EKS: where a cluster's API server is and which CA signs it (`DescribeCluster`), so
//! the deployer can reach clusters named in the configuration by name and region.

use aws_config::{Region, SdkConfig};
use lockgate_core::ports::PortError;

use crate::error::port_error;

/// A cluster's API endpoint and CA bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EksClusterEndpoint {
    /// `https://...eks.amazonaws.com`.
    pub endpoint: String,
    /// Base64 PEM bundle of the cluster CA.
    pub certificate_authority_data: String,
}

/// Describes the EKS cluster `name` in `region`.
///
/// # Errors
/// A [`PortError`]: permanent when the cluster does not exist, is not allowed, or is
/// not active yet (no endpoint); transient on throttling and network failures.
pub async fn describe_cluster(
    config: &SdkConfig,
    name: &str,
    region: &str,
) -> Result<EksClusterEndpoint, PortError> {
    let op = format!("eks describe-cluster {name} in {region}");
    let conf = aws_sdk_eks::config::Builder::from(config)
        .region(Region::new(region.to_string()))
        .build();
    let out = aws_sdk_eks::Client::from_conf(conf)
        .describe_cluster()
        .name(name)
        .send()
        .await
        .map_err(|e| port_error(&op, e))?;
    let cluster = out
        .cluster
        .ok_or_else(|| PortError::permanent(&op, "EKS answered without a cluster".to_string()))?;
    let endpoint = cluster.endpoint.ok_or_else(|| {
        PortError::permanent(
            &op,
            format!(
                "cluster {name} has no endpoint yet (status {:?}): wait until it is ACTIVE",
                cluster.status
            ),
        )
    })?;
    let certificate_authority_data = cluster
        .certificate_authority
        .and_then(|c| c.data)
        .ok_or_else(|| PortError::permanent(&op, format!("cluster {name} has no CA data")))?;
    Ok(EksClusterEndpoint {
        endpoint,
        certificate_authority_data,
    })
}
