//! The first decision on a push: which app the repository releases and whether
//! its tag may become a release.

use super::{App, Config};
use crate::tag_policy::{AcceptedTag, TagRefused};

/// A push the configuration accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct Admitted<'a> {
    /// The app the repository releases.
    pub app: &'a App,
    /// What the tag was accepted as.
    pub tag: AcceptedTag,
}

/// Why a push does not start a release.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushRefused {
    /// No app releases from this repository (an unrelated push: ignore it).
    #[error("no app releases from repository {repository:?} (configured repositories: {known})")]
    UnknownRepository {
        /// The pushed repository.
        repository: String,
        /// Configured repositories, comma-separated.
        known: String,
    },
    /// The tag breaks the app's tag policy.
    #[error("app {app}: {source}")]
    Tag {
        /// The app.
        app: String,
        /// Why the tag is refused.
        #[source]
        source: TagRefused,
    },
}

impl Config {
    /// Decides whether a push of `repository:tag` starts a release, and of which app.
    ///
    /// # Errors
    /// [`PushRefused`]: unknown repository, or a tag the app's policy refuses.
    pub fn admit_push(&self, repository: &str, tag: &str) -> Result<Admitted<'_>, PushRefused> {
        let app =
            self.app_for_repository(repository)
                .ok_or_else(|| PushRefused::UnknownRepository {
                    repository: repository.to_string(),
                    known: self
                        .apps
                        .iter()
                        .map(|a| a.image.repository.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
        let tag = app
            .image
            .tag_policy
            .check(tag)
            .map_err(|source| PushRefused::Tag {
                app: app.name.clone(),
                source,
            })?;
        Ok(Admitted { app, tag })
    }
}
