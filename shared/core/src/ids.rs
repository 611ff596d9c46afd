//! Identifiers of the domain: content digests and execution ids derived from content.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

/// A content digest such as `sha256:9f86d0...` (image manifests, chart archives).
///
/// Only `sha256` with 64 lowercase hex characters is accepted: it is what OCI
/// registries and the chart store produce, and one spelling keeps ids stable.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

/// Why a string is not a [`Digest`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a digest: expected sha256: followed by 64 lowercase hex characters")]
pub struct DigestError {
    /// The rejected input.
    pub input: String,
}

impl Digest {
    /// Parses `sha256:<64 lowercase hex>`.
    ///
    /// # Errors
    /// [`DigestError`] naming the input when it has another algorithm, length or case.
    pub fn parse(input: &str) -> Result<Self, DigestError> {
        let ok = input.strip_prefix("sha256:").is_some_and(|h| {
            h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        });
        if ok {
            Ok(Self(input.to_string()))
        } else {
            Err(DigestError {
                input: input.to_string(),
            })
        }
    }

    /// The sha256 digest of `bytes`, e.g. of a chart archive.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(format!("sha256:{}", hex::encode(Sha256::digest(bytes))))
    }

    /// The full `sha256:...` form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex part after `sha256:`.
    pub fn hex(&self) -> &str {
        self.0.strip_prefix("sha256:").unwrap_or(&self.0)
    }

    /// The first 12 hex characters, as registries and Docker show digests.
    pub fn short(&self) -> &str {
        let h = self.hex();
        &h[..h.len().min(12)]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Identifies one execution: `<app>-<16 hex>`, derived from the app, the chart
/// digest and the image digest, so reopening the same release candidate (a
/// replayed upload) names the same execution.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExecutionId(String);

impl ExecutionId {
    /// The id of the candidate (app, chart digest, image digest).
    pub fn derive(app: &str, chart: &Digest, image: &Digest) -> Self {
        let mut h = Sha256::new();
        for part in [app, chart.as_str(), image.as_str()] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        let hex = hex::encode(h.finalize());
        Self(format!("{app}-{}", &hex[..16]))
    }

    /// Wraps an id read from a message or a record. Ids are opaque to the core:
    /// only [`ExecutionId::derive`] makes new ones.
    pub fn from_string(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text (it is safe in S3 keys, file names and SQS group ids).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExecutionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_accepts_only_lowercase_sha256() {
        let hex = "a".repeat(64);
        assert!(Digest::parse(&format!("sha256:{hex}")).is_ok());
        assert!(Digest::parse(&format!("sha256:{}", "A".repeat(64))).is_err());
        assert!(Digest::parse(&format!("sha512:{hex}")).is_err());
        assert!(Digest::parse("sha256:abc").is_err());
    }

    #[test]
    fn execution_id_depends_on_every_part_of_the_candidate() {
        let a = Digest::of_bytes(b"a");
        let b = Digest::of_bytes(b"b");
        let id = ExecutionId::derive("web", &a, &b);
        assert_eq!(id, ExecutionId::derive("web", &a, &b));
        assert_ne!(id, ExecutionId::derive("web", &b, &a));
        assert_ne!(id, ExecutionId::derive("api", &a, &b));
        assert!(id.as_str().starts_with("web-"));
        assert_eq!(id.as_str().len(), "web-".len() + 16);
    }
}
