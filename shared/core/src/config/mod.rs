//! `lockgate.yaml`: apps, their ordered environments, clusters and notification
//! channels. [`Config::from_yaml`] reads and validates in one call and reports every
//! problem with its path, never only the first.

mod checks;
mod error;
mod intake;
mod node;
mod parse;
mod parse_env;
mod validate;

use serde::{Deserialize, Serialize};

pub use error::{ConfigError, ConfigErrors};
pub use intake::{Admitted, PushRefused};

use crate::span::Span;
use crate::tag_policy::TagPolicy;

/// The configuration format version this crate reads.
pub const CONFIG_VERSION: u64 = 1;

/// Default rollout timeout per environment.
pub const DEFAULT_TIMEOUT: Span = Span::from_mins(5);
/// Default pause between rollout checks.
pub const DEFAULT_CHECK_INTERVAL: Span = Span::from_secs(10);
/// Default time an approval request stays open.
pub const DEFAULT_EXPIRY: Span = Span::from_hours(72);
/// Default time before expiry at which approvers are reminded.
pub const DEFAULT_REMIND_BEFORE: Span = Span::from_hours(24);

/// A whole, validated `lockgate.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Format version (1).
    pub version: u64,
    /// Clusters environments deploy to.
    pub clusters: Vec<ClusterSpec>,
    /// Where notifications go.
    pub notifications: Vec<Channel>,
    /// The applications lockgate releases.
    pub apps: Vec<App>,
}

/// A Kubernetes cluster and how to reach it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSpec {
    /// Name environments refer to.
    pub name: String,
    /// How to connect.
    pub connection: Connection,
}

/// How to reach a cluster. The adapters turn this into a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Connection {
    /// A kubeconfig file and context (local runs).
    Kubeconfig {
        /// Kubeconfig path; default: the usual lookup (`KUBECONFIG`, `~/.kube/config`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
        /// Context name; default: the file's current context.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        context: Option<String>,
    },
    /// An EKS cluster, authenticated with the function's IAM role.
    Eks {
        /// EKS cluster name.
        cluster_name: String,
        /// AWS region.
        region: String,
        /// Role to assume first, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role_arn: Option<String>,
    },
    /// The cluster the process runs in (service account).
    InCluster,
    /// lockgate's embedded simulated API server (demos, dry runs).
    Simulated,
}

/// A notification destination.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// Name apps and gates refer to.
    pub name: String,
    /// Where messages go.
    pub target: ChannelTarget,
}

/// The medium of a [`Channel`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChannelTarget {
    /// A Slack conversation, by id (`C0123456789`).
    Slack {
        /// Slack channel id.
        channel: String,
    },
    /// The process log / terminal (local runs).
    Log,
}

/// One application: its image, its chart and its ordered environments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct App {
    /// App name (a DNS label; also the Helm release name by default).
    pub name: String,
    /// Image repository and tag policy.
    pub image: ImageSpec,
    /// Chart source and where the image goes in its values.
    pub chart: ChartSpec,
    /// Names of the channels every stage notifies.
    pub notify: Vec<String>,
    /// Environments in promotion order.
    pub environments: Vec<Environment>,
    /// Links shown with approval requests (`label: URL`, in order); `{app}`,
    /// `{env}` and `{execution_id}` in a URL are filled in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// A labelled link shown with approval requests and notices.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// What it is (`logs`, `dashboard`).
    pub label: String,
    /// Where it goes.
    pub url: String,
}

/// Which image an app releases.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSpec {
    /// Repository (`registry/path`) whose pushes release this app.
    pub repository: String,
    /// Which tags may become releases.
    pub tag_policy: TagPolicy,
    /// Vulnerability scan gate, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanPolicy>,
}

/// Refuse images whose scan found problems at or above a severity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanPolicy {
    /// Findings at or above this severity block the release.
    pub block_at: Severity,
    /// Wait for a scan result (true) or release when none is available (false).
    pub require_result: bool,
}

/// Vulnerability severity, ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational.
    Informational,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Reads `low`, `HIGH`, ... (case-insensitive, as registries spell them).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_lowercase().as_str() {
            "informational" | "info" => Severity::Informational,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

/// Where an app's chart comes from and where the image goes in its values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartSpec {
    /// Chart directory or archive the release chart is built from (a path relative
    /// to the configuration, or an `s3://` URL).
    pub source: String,
    /// Chart name in the chart repository (default: the app name).
    pub name: String,
    /// Value paths that receive the image.
    pub image_values: ImageValuePaths,
}

/// Dotted value paths (`image.repository`) that receive the released image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageValuePaths {
    /// Receives the repository.
    pub repository: String,
    /// Receives the tag.
    pub tag: String,
    /// Receives the digest (`sha256:...`), if the chart has a place for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// One environment an app is promoted through.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// Environment name (`staging`, `production`).
    pub name: String,
    /// Cluster name (one of [`Config::clusters`]).
    pub cluster: String,
    /// Namespace the release lives in.
    pub namespace: String,
    /// Values files inside the chart, applied in order (later wins).
    pub values_files: Vec<String>,
    /// How long a rollout may take before it is rolled back.
    pub timeout: Span,
    /// Pause between rollout checks.
    pub check_interval: Span,
    /// How the rollout proceeds.
    pub strategy: Strategy,
    /// Approval needed before deploying here, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<Gate>,
}

/// How a rollout proceeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Strategy {
    /// Kubernetes rolling update.
    Rolling,
    /// Start the new version beside the old one, switch traffic when ready.
    BlueGreen,
    /// Shift traffic in steps, checking a metric between steps.
    Canary {
        /// Traffic percentages, increasing, each 1..=100.
        steps: Vec<u8>,
        /// Time at each step before the next.
        step_interval: Span,
        /// Metric check between steps, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        analysis: Option<Analysis>,
    },
}

/// A metric query checked during a canary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// PromQL query returning one number.
    pub query: String,
    /// Largest acceptable value.
    pub max: f64,
}

/// An approval gate before an environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    /// Slack user ids allowed to decide.
    pub users: Vec<String>,
    /// Slack user group ids whose members may decide.
    pub groups: Vec<String>,
    /// Distinct approvals needed.
    pub quorum: u32,
    /// How long the request stays open.
    pub expiry: Span,
    /// How long before expiry approvers are reminded.
    pub remind_before: Span,
    /// Whether the person who triggered the release is barred from approving it.
    pub four_eyes: bool,
    /// Channel the request is posted to (default: the app's first channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

impl ImageValuePaths {
    /// The `(value path, value)` pairs that put `image` into a chart's values:
    /// repository, tag and, when the chart has a place for it, the digest.
    pub fn settings(&self, image: &crate::image::PinnedImage) -> Vec<(String, String)> {
        let mut out = vec![
            (self.repository.clone(), image.repository.clone()),
            (self.tag.clone(), image.tag.clone()),
        ];
        if let Some(path) = &self.digest {
            out.push((path.clone(), image.digest.to_string()));
        }
        out
    }
}

impl Gate {
    /// Whether `user` (a member of `groups`) may decide at this gate, ignoring
    /// four-eyes (which depends on the execution).
    pub fn allows(&self, user: &str, groups: &[String]) -> bool {
        self.users.iter().any(|u| u == user) || groups.iter().any(|g| self.groups.contains(g))
    }
}

impl Config {
    /// Reads and validates `lockgate.yaml` text.
    ///
    /// # Errors
    /// [`ConfigErrors`] with every problem found (YAML syntax, unknown keys, wrong
    /// types, missing keys, bad values, dangling references), each with its path.
    pub fn from_yaml(text: &str) -> Result<Config, ConfigErrors> {
        // YAML 1.2 booleans only: `n`, `no` and `off` stay text (a namespace `no`
        // must not become `false`).
        // Duplicate keys pass through to the reader, which reports them with a path.
        let options = serde_saphyr::options! {
            strict_booleans: true,
            duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        };
        let node: node::Node = match serde_saphyr::from_str_with_options(text, options) {
            Ok(n) => n,
            Err(e) => {
                // One line: the CLI prints one `path: message` per line.
                let text = e.without_snippet().to_string();
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let text = text.strip_prefix("error: ").unwrap_or(&text);
                return Err(ConfigErrors(vec![ConfigError::new(
                    "",
                    format!("not valid YAML: {text}"),
                )]));
            }
        };
        let mut reader = node::Reader::default();
        let config = parse::config(&mut reader, &node);
        if let Some(config) = &config {
            validate::cross_check(&mut reader, config);
        }
        match config {
            Some(c) if reader.errors.is_empty() => Ok(c),
            _ => {
                if reader.errors.is_empty() {
                    reader.error("", "the document is empty: write a lockgate configuration (version, clusters, apps)");
                }
                Err(ConfigErrors(reader.errors))
            }
        }
    }

    /// The app whose image lives in `repository`, if any.
    pub fn app_for_repository(&self, repository: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.image.repository == repository)
    }

    /// The app named `name`, if any.
    pub fn app(&self, name: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.name == name)
    }

    /// The cluster named `name`, if any.
    pub fn cluster(&self, name: &str) -> Option<&ClusterSpec> {
        self.clusters.iter().find(|c| c.name == name)
    }

    /// The channel named `name`, if any.
    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.notifications.iter().find(|c| c.name == name)
    }

    /// `ok: N apps, M environments`, what `lockgate validate-config` prints.
    pub fn summary_line(&self) -> String {
        format!(
            "ok: {} apps, {} environments",
            self.apps.len(),
            self.environment_count()
        )
    }

    /// Total number of environments over all apps.
    pub fn environment_count(&self) -> usize {
        self.apps.iter().map(|a| a.environments.len()).sum()
    }
}
