//! Image references: parsing `repo[:tag][@digest]` and the pinned form deploys use.

use serde::{Deserialize, Serialize};

use crate::ids::Digest;

/// An image as it will be deployed: the tag it was pushed with and the digest that
/// tag resolved to. Deploys use the digest; the tag is kept for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedImage {
    /// Repository, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/podinfo`.
    pub repository: String,
    /// The release tag (already accepted by the app's tag policy).
    pub tag: String,
    /// The manifest digest the tag resolved to.
    pub digest: Digest,
}

impl PinnedImage {
    /// `repository:tag@sha256:...`: runs exactly the digest, reads as the tag.
    pub fn reference(&self) -> String {
        format!("{}:{}@{}", self.repository, self.tag, self.digest)
    }
}

/// A parsed `repository[:tag][@digest]` reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageReference {
    /// Registry host (if any) and path.
    pub repository: String,
    /// The tag, if one was written.
    pub tag: Option<String>,
    /// The digest, if one was written.
    pub digest: Option<Digest>,
}

/// Why a reference cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageReferenceError {
    /// Nothing before the tag or digest.
    #[error("image reference {input:?} has no repository")]
    NoRepository {
        /// The rejected input.
        input: String,
    },
    /// The part after `@` is not a digest.
    #[error("image reference {input:?}: {source}")]
    BadDigest {
        /// The rejected input.
        input: String,
        /// What is wrong with the digest.
        #[source]
        source: crate::ids::DigestError,
    },
}

impl ImageReference {
    /// Parses `registry/path:tag@sha256:...`; a `:` followed by a port in the
    /// registry host is not mistaken for a tag.
    ///
    /// # Errors
    /// [`ImageReferenceError`] when the repository is empty or the digest is malformed.
    pub fn parse(input: &str) -> Result<Self, ImageReferenceError> {
        let (rest, digest) = match input.split_once('@') {
            Some((r, d)) => (
                r,
                Some(
                    Digest::parse(d).map_err(|source| ImageReferenceError::BadDigest {
                        input: input.to_string(),
                        source,
                    })?,
                ),
            ),
            None => (input, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_string()),
            ),
            None => (rest, None),
        };
        if repository.is_empty() {
            return Err(ImageReferenceError::NoRepository {
                input: input.to_string(),
            });
        }
        Ok(Self {
            repository: repository.to_string(),
            tag,
            digest,
        })
    }
}
