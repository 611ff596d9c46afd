//! AWS adapters of lockgate-core's ports and parsing of the events AWS delivers:
//! [`S3StateStore`] and [`S3ChartStore`] (S3 with conditional writes),
//! [`SqsCommandQueue`] (FIFO groups, deduplication, timers), [`EcrImageRegistry`]
//! (tags, scan findings), Secrets Manager ([`get_secret_string`]), the
//! [`events`] parsers and the functions' [`Settings`].
//!
//! Adapters take SDK clients and never read the environment; SDK errors are mapped to
//! `PortError` once, here. Only `functions/*` and the CLI depend on this crate;
//! lockgate-core never names an AWS type.

mod clients;
mod ecr;
mod eks;
mod error;
pub mod events;
mod s3;
mod secrets;
pub mod settings;
mod sqs;

pub use clients::{
    ecr_client, load_sdk_config, s3_client, secrets_client, sqs_client, AwsAdapters,
};
pub use ecr::{scan_status, severity_counts, EcrImageRegistry, RepositoryRef};
pub use eks::{describe_cluster, EksClusterEndpoint};
pub use error::AwsCallError;
pub use s3::{get_object_bytes, S3ChartStore, S3Location, S3StateStore};
pub use secrets::get_secret_string;
pub use settings::{Settings, SettingsError};
pub use sqs::{
    forward_plan, is_fifo, plan, route_from_name, route_name, ForwardError, PlanError, QueueUrls,
    SendPlan, SqsCommandQueue, ATTR_DEDUP_ID, ATTR_GROUP_ID, ATTR_ROUTE, SQS_MAX_DELAY,
};

/// The SDK configuration type the client constructors take.
pub use aws_config::SdkConfig;
