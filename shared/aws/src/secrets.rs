//! Secrets Manager: the text of a secret (the Slack token, a kubeconfig). Values are
//! never logged.

use aws_sdk_secretsmanager::Client;
use lockgate_core::ports::PortError;

use crate::error::port_error;

/// The `SecretString` of the secret `name` (a name or an ARN), current version.
///
/// # Errors
/// A [`PortError`]: permanent when the secret does not exist, is not allowed, or holds
/// only binary data; transient on throttling and network failures.
pub async fn get_secret_string(client: &Client, name: &str) -> Result<String, PortError> {
    let op = format!("secretsmanager get-secret-value {name}");
    let out = client
        .get_secret_value()
        .secret_id(name)
        .send()
        .await
        .map_err(|e| port_error(&op, e))?;
    out.secret_string.ok_or_else(|| {
        PortError::permanent(
            op,
            format!("secret {name} holds binary data, not text: store the value as a SecretString"),
        )
    })
}
