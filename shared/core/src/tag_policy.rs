//! Which image tags may become releases. Mutable tags (`latest`, `stable`, `main`...)
//! are always refused: a deploy must name one image forever, and lockgate pins the
//! digest the tag resolved to.

use serde::{Deserialize, Serialize};

use crate::ids::Digest;

/// Tags that conventionally move from image to image. Refused whatever the policy
/// says, because a release built from them cannot be reproduced or audited.
pub const MUTABLE_TAGS: &[&str] = &[
    "latest",
    "stable",
    "main",
    "master",
    "trunk",
    "head",
    "dev",
    "develop",
    "development",
    "edge",
    "nightly",
    "current",
    "next",
    "release",
    "prod",
    "production",
    "staging",
    "test",
    "testing",
    "canary",
    "beta",
    "alpha",
    "snapshot",
    "unstable",
    "default",
];

/// How an app's release tags must look.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TagPolicy {
    /// Semantic versions (`1.4.2`, `v1.4.2`), optionally within a range such as
    /// `>=1.2, <2`.
    Semver {
        /// A SemVer requirement the version must match (on its release part when
        /// pre-releases are allowed).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        range: Option<String>,
        /// Whether `1.4.2-rc.1` style pre-releases are accepted.
        #[serde(default)]
        allow_prerelease: bool,
    },
    /// Git commit ids in lowercase hex (`3f2a9c1`).
    GitSha {
        /// Shortest accepted id (default 7, as `git rev-parse --short`).
        #[serde(default = "default_sha_min")]
        min_length: usize,
        /// Longest accepted id (default 40, a full SHA-1; 64 for SHA-256 repositories).
        #[serde(default = "default_sha_max")]
        max_length: usize,
    },
    /// Any tag matching a regular expression (anchored: the whole tag must match).
    Regex {
        /// The pattern, in Rust `regex` syntax.
        pattern: String,
    },
}

fn default_sha_min() -> usize {
    7
}

fn default_sha_max() -> usize {
    40
}

impl Default for TagPolicy {
    fn default() -> Self {
        TagPolicy::Semver {
            range: None,
            allow_prerelease: false,
        }
    }
}

/// Why a tag cannot become a release. The message says what to push instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagRefused {
    /// The tag is empty (an untagged push).
    #[error("the image has no tag: push it with a release tag such as 1.4.2 or a git sha")]
    Empty,
    /// The tag is not a valid OCI tag.
    #[error("{tag:?} is not a valid image tag: tags are 1 to 128 letters, digits, '_', '.' or '-' and do not start with '.' or '-'")]
    Malformed {
        /// The refused tag.
        tag: String,
    },
    /// A digest was given where a tag belongs.
    #[error("{tag:?} contains a digest: give the tag alone (lockgate resolves and pins the digest itself)")]
    Digest {
        /// The refused tag.
        tag: String,
    },
    /// The tag is mutable by convention.
    #[error("{tag:?} is a mutable tag: it can point at a different image tomorrow, so it cannot be released; tag releases with a version (1.4.2) or a git sha")]
    Mutable {
        /// The refused tag.
        tag: String,
    },
    /// The tag breaks the app's policy.
    #[error("tag {tag:?} does not satisfy the {policy} tag policy: {reason}")]
    Policy {
        /// The refused tag.
        tag: String,
        /// The policy, as configured (e.g. `semver >=1.0.0`).
        policy: String,
        /// What is wrong.
        reason: String,
    },
}

/// What a tag was accepted as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptedTag {
    /// A semantic version.
    Semver(semver::Version),
    /// A git commit id.
    GitSha(String),
    /// A tag matching the app's pattern.
    Pattern(String),
}

impl TagPolicy {
    /// Checks the policy's own settings (range syntax, pattern syntax, sha lengths).
    ///
    /// # Errors
    /// A message naming the bad setting and what to write instead.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            TagPolicy::Semver { range: Some(r), .. } => {
                semver::VersionReq::parse(r).map(|_| ()).map_err(|e| {
                    format!(
                        "range {r:?} is not a SemVer requirement ({e}): write e.g. \">=1.2.0, <2\""
                    )
                })
            }
            TagPolicy::Semver { range: None, .. } => Ok(()),
            TagPolicy::GitSha {
                min_length,
                max_length,
            } => {
                if *min_length < 7 {
                    Err(format!(
                        "min_length {min_length} is too short to name a commit: use 7 or more"
                    ))
                } else if max_length < min_length || *max_length > 64 {
                    Err(format!(
                        "max_length {max_length} must be between min_length ({min_length}) and 64"
                    ))
                } else {
                    Ok(())
                }
            }
            TagPolicy::Regex { pattern } => {
                let re = compile_anchored(pattern).map_err(|_| {
                    // The unanchored pattern's error points at what the user wrote.
                    let detail = match regex::Regex::new(pattern) {
                        Err(regex::Error::Syntax(text)) => text
                            .lines()
                            .last()
                            .unwrap_or_default()
                            .trim_start_matches("error: ")
                            .to_string(),
                        Err(other) => other.to_string(),
                        Ok(_) => "it cannot be anchored".to_string(),
                    };
                    format!("pattern {pattern:?} is not a valid regular expression: {detail}")
                })?;
                match MUTABLE_TAGS.iter().find(|t| re.is_match(t)) {
                    Some(t) => Err(format!(
                        "pattern {pattern:?} matches the mutable tag {t:?}: narrow it to release tags"
                    )),
                    None => Ok(()),
                }
            }
        }
    }

    /// Decides whether `tag` may become a release.
    ///
    /// # Errors
    /// [`TagRefused`] with the reason: empty, malformed, a digest, a mutable tag, or
    /// outside the policy.
    pub fn check(&self, tag: &str) -> Result<AcceptedTag, TagRefused> {
        check_tag_shape(tag)?;
        let refuse = |reason: String| TagRefused::Policy {
            tag: tag.to_string(),
            policy: self.to_string(),
            reason,
        };
        match self {
            TagPolicy::Semver {
                range,
                allow_prerelease,
            } => {
                let text = tag.strip_prefix('v').unwrap_or(tag);
                let version = semver::Version::parse(text).map_err(|e| {
                    refuse(format!(
                        "not a semantic version ({e}); write MAJOR.MINOR.PATCH such as 1.4.2"
                    ))
                })?;
                if !version.pre.is_empty() && !allow_prerelease {
                    return Err(refuse(format!(
                        "{version} is a pre-release and this policy does not allow them"
                    )));
                }
                if let Some(range) = range {
                    let req = semver::VersionReq::parse(range)
                        .map_err(|e| refuse(format!("the range {range:?} is invalid: {e}")))?;
                    // Match pre-releases by their release part: `>=1.2` should admit
                    // `1.3.0-rc.1` once pre-releases are allowed at all.
                    let mut release = version.clone();
                    release.pre = semver::Prerelease::EMPTY;
                    if !req.matches(&release) {
                        return Err(refuse(format!("{version} is outside {range}")));
                    }
                }
                Ok(AcceptedTag::Semver(version))
            }
            TagPolicy::GitSha {
                min_length,
                max_length,
            } => {
                if !tag.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                    return Err(refuse("a git sha is lowercase hex (0-9, a-f)".to_string()));
                }
                if tag.len() < *min_length || tag.len() > *max_length {
                    return Err(refuse(format!(
                        "{} characters; a git sha here has {min_length} to {max_length}",
                        tag.len()
                    )));
                }
                Ok(AcceptedTag::GitSha(tag.to_string()))
            }
            TagPolicy::Regex { pattern } => {
                let re = compile_anchored(pattern)
                    .map_err(|e| refuse(format!("the pattern is invalid: {e}")))?;
                if re.is_match(tag) {
                    Ok(AcceptedTag::Pattern(tag.to_string()))
                } else {
                    Err(refuse(format!("it does not match {pattern}")))
                }
            }
        }
    }
}

impl std::fmt::Display for TagPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TagPolicy::Semver { range: Some(r), .. } => write!(f, "semver {r}"),
            TagPolicy::Semver { range: None, .. } => f.write_str("semver"),
            TagPolicy::GitSha { .. } => f.write_str("git sha"),
            TagPolicy::Regex { pattern } => write!(f, "regex {pattern}"),
        }
    }
}

/// Refusals every policy shares: empty, malformed, digest, mutable.
fn check_tag_shape(tag: &str) -> Result<(), TagRefused> {
    if tag.trim().is_empty() {
        return Err(TagRefused::Empty);
    }
    if tag.contains('@') || tag.starts_with("sha256:") || Digest::parse(tag).is_ok() {
        return Err(TagRefused::Digest {
            tag: tag.to_string(),
        });
    }
    let valid = tag.len() <= 128
        && tag
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if !valid {
        return Err(TagRefused::Malformed {
            tag: tag.to_string(),
        });
    }
    if MUTABLE_TAGS.iter().any(|m| m.eq_ignore_ascii_case(tag)) {
        return Err(TagRefused::Mutable {
            tag: tag.to_string(),
        });
    }
    Ok(())
}

fn compile_anchored(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&format!("^(?:{pattern})$"))
}
