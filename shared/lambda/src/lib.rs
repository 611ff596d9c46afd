//! What the Lambda functions share: settings validated at cold start, the handler
//! context over the AWS adapters, SQS batches with partial failures and FIFO order,
//! the failure policy (retry, fail the execution, or leave poison for the DLQ), and
//! each function's event handling. The binaries in `functions/` call [`main`].

pub mod batch;
pub mod context;
pub mod envelopes;
pub mod functions;
pub mod init;
pub mod inline;
pub mod log;
pub mod sources;

use std::process::ExitCode;
use std::sync::Arc;

use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

pub use context::{FunctionEnv, StartError};

/// The functions of the SQS/EventBridge side (`slack-interactions` has its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// EventBridge (ECR push / scan) -> chart published.
    ImagePushed,
    /// SQS <- S3 ObjectCreated -> execution opened.
    ChartUploaded,
    /// SQS FIFO deploys and the timer queue.
    Deployer,
    /// SQS approvals, decisions, notifications.
    Approvals,
}

impl Function {
    /// The function's (and binary's) name.
    pub fn name(self) -> &'static str {
        match self {
            Function::ImagePushed => "image-pushed",
            Function::ChartUploaded => "chart-uploaded",
            Function::Deployer => "deployer",
            Function::Approvals => "approvals",
        }
    }

    /// Handles one invocation's event. `Err` fails the invocation (Lambda retries it).
    ///
    /// # Errors
    /// Transient failures, and events of the wrong shape.
    pub async fn handle(self, env: &FunctionEnv, event: &Value) -> Result<Value, String> {
        // Boxed: the handlers' futures are deep; boxing keeps each binary's
        // future type small.
        match self {
            Function::ImagePushed => Box::pin(functions::image_pushed::handle(env, event)).await,
            Function::ChartUploaded => {
                Box::pin(functions::chart_uploaded::handle(env, event)).await
            }
            Function::Deployer => Box::pin(functions::deployer::handle(env, event)).await,
            Function::Approvals => Box::pin(functions::approvals::handle(env, event)).await,
        }
    }
}

/// A function's whole process: logs, settings (an init error names every bad
/// variable), then the Runtime API loop.
pub async fn main(function: Function) -> ExitCode {
    init::start(function.name());
    let env = match FunctionEnv::from_env(function.name()).await {
        Ok(env) => Arc::new(env),
        Err(e) => return init::fail(function.name(), e).await,
    };
    let handler = service_fn(move |event: LambdaEvent<Value>| {
        let env = env.clone();
        async move {
            let request_id = event.context.request_id.clone();
            let span = tracing::info_span!("invocation", function = function.name(), request_id = %request_id);
            let _enter = span.enter();
            function
                .handle(&env, &event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    });
    match lambda_runtime::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "runtime loop ended");
            ExitCode::FAILURE
        }
    }
}
