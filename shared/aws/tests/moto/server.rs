//! The harness's moto server, and SDK clients pointed at it with explicit
//! configuration (no process environment).

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_s3::config::{Credentials, Region, SharedCredentialsProvider};
pub use lockgate_test_harness::moto::{Moto, REGION};

/// SDK clients for a [`Moto`].
pub(crate) trait MotoSdk {
    /// SDK configuration for this server: region, dummy credentials, its endpoint.
    fn sdk_config(&self) -> SdkConfig;
    /// A path-style S3 client.
    fn s3(&self) -> aws_sdk_s3::Client;
    /// A bucket made for the test.
    async fn bucket(&self, name: &str) -> aws_sdk_s3::Client;
}

impl MotoSdk for Moto {
    fn sdk_config(&self) -> SdkConfig {
        SdkConfig::builder()
            .region(Region::new(REGION))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "moto",
            )))
            .endpoint_url(&self.endpoint)
            .behavior_version(BehaviorVersion::latest())
            .build()
    }

    fn s3(&self) -> aws_sdk_s3::Client {
        lockgate_aws::s3_client(&self.sdk_config(), true)
    }

    async fn bucket(&self, name: &str) -> aws_sdk_s3::Client {
        let s3 = self.s3();
        s3.create_bucket()
            .bucket(name)
            .send()
            .await
            .expect("create bucket");
        s3
    }
}
