//! `deployer`: the Lambda function's process; everything it does is in lockgate-lambda
//! (`functions::deployer`), where it is tested.

use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    lockgate_lambda::main(lockgate_lambda::Function::Deployer).await
}
