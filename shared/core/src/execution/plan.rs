//! The snapshot of an app's configuration an execution follows.

use serde::{Deserialize, Serialize};

use crate::config::{ChannelTarget, ClusterSpec, Config, Gate, ImageValuePaths, Link, Strategy};
use crate::span::Span;

/// A notification destination, resolved from the configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyTarget {
    /// Channel name in the configuration.
    pub name: String,
    /// Where messages go.
    pub target: ChannelTarget,
}

/// An app's ordered environments, with every reference resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Helm release name (the app name).
    pub release: String,
    /// Value paths that receive the image.
    pub image_values: ImageValuePaths,
    /// Channels every stage notifies.
    pub notify: Vec<NotifyTarget>,
    /// Environments in promotion order.
    pub stages: Vec<StagePlan>,
    /// Links shown with approval requests (URLs may hold `{app}`, `{env}`,
    /// `{execution_id}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// One environment of a [`Plan`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StagePlan {
    /// Environment name.
    pub env: String,
    /// Target cluster.
    pub cluster: ClusterSpec,
    /// Target namespace.
    pub namespace: String,
    /// Values files inside the chart, in order.
    pub values_files: Vec<String>,
    /// Rollout timeout.
    pub timeout: Span,
    /// Pause between rollout checks.
    pub check_interval: Span,
    /// Rollout strategy.
    pub strategy: Strategy,
    /// Approval gate, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
    /// Where the approval request is posted (the gate's channel or the app's first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_channel: Option<NotifyTarget>,
}

/// Why a plan cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// No app of that name.
    #[error("no app named {app:?} in the configuration (apps: {known})")]
    UnknownApp {
        /// The requested app.
        app: String,
        /// The configured apps, comma-separated.
        known: String,
    },
    /// A reference does not resolve (only for configurations not built by
    /// [`Config::from_yaml`], which checks references).
    #[error("app {app:?}: {what} {name:?} is not defined")]
    Dangling {
        /// The app.
        app: String,
        /// What kind of reference (`cluster`, `channel`).
        what: &'static str,
        /// The missing name.
        name: String,
    },
}

impl Plan {
    /// The plan for `app` in a validated configuration.
    ///
    /// # Errors
    /// [`PlanError`] when the app is unknown or a reference does not resolve.
    pub fn for_app(config: &Config, app: &str) -> Result<Plan, PlanError> {
        let a = config.app(app).ok_or_else(|| PlanError::UnknownApp {
            app: app.to_string(),
            known: config
                .apps
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        let channel = |name: &str| {
            config
                .channel(name)
                .map(|c| NotifyTarget {
                    name: c.name.clone(),
                    target: c.target.clone(),
                })
                .ok_or_else(|| PlanError::Dangling {
                    app: app.to_string(),
                    what: "channel",
                    name: name.to_string(),
                })
        };
        let notify = a
            .notify
            .iter()
            .map(|n| channel(n))
            .collect::<Result<Vec<_>, _>>()?;
        let mut stages = Vec::with_capacity(a.environments.len());
        for e in &a.environments {
            let cluster =
                config
                    .cluster(&e.cluster)
                    .cloned()
                    .ok_or_else(|| PlanError::Dangling {
                        app: app.to_string(),
                        what: "cluster",
                        name: e.cluster.clone(),
                    })?;
            let approval_channel = match e.gate.as_ref().and_then(|g| g.channel.as_deref()) {
                Some(name) => Some(channel(name)?),
                None if e.gate.is_some() => notify.first().cloned(),
                None => None,
            };
            stages.push(StagePlan {
                env: e.name.clone(),
                cluster,
                namespace: e.namespace.clone(),
                values_files: e.values_files.clone(),
                timeout: e.timeout,
                check_interval: e.check_interval,
                strategy: e.strategy.clone(),
                gate: e.gate.clone(),
                approval_channel,
            });
        }
        Ok(Plan {
            release: a.name.clone(),
            image_values: a.chart.image_values.clone(),
            notify,
            stages,
            links: a.links.clone(),
        })
    }
}
