//! SDK clients from one shared configuration. Endpoints (for tests: moto) come from
//! the SDK's own `AWS_ENDPOINT_URL` or from the configuration the caller passes;
//! nothing here reads test-only settings.

use aws_config::{BehaviorVersion, SdkConfig};

/// The SDK configuration from the environment (region, credentials, endpoint), as
/// the Lambda runtime provides it.
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// An S3 client; `path_style` addresses buckets as `endpoint/bucket/key` (S3-compatible
/// stores and loopback endpoints, where `bucket.host` does not resolve).
pub fn s3_client(config: &SdkConfig, path_style: bool) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(path_style)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// An SQS client.
pub fn sqs_client(config: &SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(config)
}

/// An ECR client.
pub fn ecr_client(config: &SdkConfig) -> aws_sdk_ecr::Client {
    aws_sdk_ecr::Client::new(config)
}

/// A Secrets Manager client.
pub fn secrets_client(config: &SdkConfig) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(config)
}

/// Every adapter a function needs, built from the SDK configuration and the
/// function's [`Settings`](crate::Settings) (no I/O until used).
#[derive(Clone, Debug)]
pub struct AwsAdapters {
    /// Execution and environment records.
    pub state: crate::S3StateStore,
    /// The chart repository.
    pub charts: crate::S3ChartStore,
    /// The command queue.
    pub queue: crate::SqsCommandQueue,
    /// ECR.
    pub registry: crate::EcrImageRegistry,
    /// The S3 client (configuration, chart sources).
    pub s3: aws_sdk_s3::Client,
    /// The Secrets Manager client (Slack token, cluster credentials).
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl AwsAdapters {
    /// The adapters for `settings`, through clients configured by `config`.
    pub fn new(config: &SdkConfig, settings: &crate::Settings) -> Self {
        let s3 = s3_client(config, settings.s3_path_style);
        Self {
            state: crate::S3StateStore::new(s3.clone(), settings.state.clone()),
            charts: crate::S3ChartStore::new(s3.clone(), settings.charts.clone()),
            queue: crate::SqsCommandQueue::new(sqs_client(config), settings.queues.clone()),
            registry: crate::EcrImageRegistry::new(ecr_client(config)),
            s3,
            secrets: secrets_client(config),
        }
    }
}
