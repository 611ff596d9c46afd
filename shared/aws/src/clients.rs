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
