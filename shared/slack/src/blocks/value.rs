//! The Approve/Reject button value: execution id, environment and the chart digest,
//! compact enough for Slack's 150 characters (the digest as base64url, 43 chars).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use lockgate_core::{Digest, ExecutionId};

/// What a button decides on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ButtonValue {
    /// The execution.
    pub execution_id: ExecutionId,
    /// The gated environment.
    pub env: String,
    /// Digest of the chart the approver is shown (so what is approved ships).
    pub digest: Digest,
}

/// Why a button value cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Not three `|`-separated parts.
    #[error("button value {0:?} is not <execution>|<environment>|<digest>")]
    Shape(String),
    /// The digest part is not 32 bytes of base64url.
    #[error("button value {0:?} has no valid chart digest (expected 43 characters of base64url)")]
    Digest(String),
}

impl ButtonValue {
    /// The value for the request of `execution_id` at `env` for chart `digest`.
    pub fn new(execution_id: ExecutionId, env: impl Into<String>, digest: Digest) -> Self {
        Self {
            execution_id,
            env: env.into(),
            digest,
        }
    }

    /// `<execution>|<env>|<digest as base64url>`.
    pub fn encode(&self) -> String {
        let bytes = hex::decode(self.digest.hex()).unwrap_or_default();
        format!(
            "{}|{}|{}",
            self.execution_id,
            self.env,
            URL_SAFE_NO_PAD.encode(bytes)
        )
    }

    /// Reads a value made by [`ButtonValue::encode`].
    ///
    /// # Errors
    /// [`ValueError`] naming the value when its shape or digest is wrong.
    pub fn parse(value: &str) -> Result<Self, ValueError> {
        let mut parts = value.split('|');
        let (Some(id), Some(env), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ValueError::Shape(value.to_string()));
        };
        if id.is_empty() || env.is_empty() {
            return Err(ValueError::Shape(value.to_string()));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(d)
            .ok()
            .filter(|b| b.len() == 32)
            .ok_or_else(|| ValueError::Digest(value.to_string()))?;
        let digest = Digest::parse(&format!("sha256:{}", hex::encode(bytes)))
            .map_err(|_| ValueError::Digest(value.to_string()))?;
        Ok(Self::new(ExecutionId::from_string(id), env, digest))
    }

    /// The app of the execution (`<app>-<16 hex>`).
    pub fn app(&self) -> &str {
        self.execution_id
            .as_str()
            .rsplit_once('-')
            .map_or(self.execution_id.as_str(), |(app, _)| app)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_round_trips_and_stays_short() {
        let digest = Digest::of_bytes(b"chart");
        let id = ExecutionId::derive("checkout-api", &digest, &Digest::of_bytes(b"img"));
        let v = ButtonValue::new(id, "production", digest);
        let s = v.encode();
        assert!(s.len() < 100, "{s}");
        assert_eq!(ButtonValue::parse(&s), Ok(v.clone()));
        assert_eq!(v.app(), "checkout-api");
    }

    #[test]
    fn malformed_values_are_named() {
        assert!(matches!(
            ButtonValue::parse("a|b"),
            Err(ValueError::Shape(_))
        ));
        assert!(matches!(
            ButtonValue::parse("a|b|c|d"),
            Err(ValueError::Shape(_))
        ));
        assert!(matches!(
            ButtonValue::parse("a|b|!!"),
            Err(ValueError::Digest(_))
        ));
        assert!(matches!(
            ButtonValue::parse("|b|x"),
            Err(ValueError::Shape(_))
        ));
    }
}
