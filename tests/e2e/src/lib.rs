//! The deployed form of lockgate on loopback, for end-to-end tests: moto (S3, SQS, ECR)
//! with the stack's buckets, queues and S3 -> SQS notification; two simulated clusters
//! (staging, production); the real function binaries, each behind its own Lambda
//! Runtime API emulator; and the event source mappings played here: receive a batch,
//! invoke, delete what the batch response says succeeded.

mod stack;

pub use stack::{
    ecr_push_event, Delivery, Stack, StackOptions, APP, APPROVER, CHANNEL, FUNCTIONS, REPOSITORY,
};
