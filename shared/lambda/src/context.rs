//! A function's environment: settings validated at cold start (no network), the AWS
//! adapters, and the configuration read from S3 on first use and re-read after a
//! minute, with the clusters it names (EKS endpoints looked up once per read).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lockgate_aws::{AwsAdapters, SdkConfig, Settings, SettingsError, SQS_MAX_DELAY};
use lockgate_core::config::{Config, Connection};
use lockgate_core::ports::{Approvals, Notifier, PortError};
use lockgate_pipeline::clusters::{Clusters, EksEndpoint};
use lockgate_pipeline::handlers::{Ctx, HandlerError};
use lockgate_pipeline::local::adapters::SystemClock;
use tokio::sync::Mutex;

use crate::inline::InlineQueue;
use crate::log::{LogApprovals, LogNotifier};

/// How long a read configuration is used before it is read again.
pub const CONFIG_TTL: Duration = Duration::from_secs(60);

/// Optional: restarts after which a crash-looping workload fails its rollout at once.
pub const CRASH_LOOP_RESTARTS: &str = "LOCKGATE_CRASH_LOOP_RESTARTS";

/// Why a function cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Environment variables are missing or wrong.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// Another setting is wrong.
    #[error("{variable}: {problem}")]
    Invalid {
        /// The variable.
        variable: &'static str,
        /// What is wrong and what to set.
        problem: String,
    },
}

#[derive(Clone)]
struct Loaded {
    at: Instant,
    config: Arc<Config>,
    clusters: Arc<Clusters>,
}

/// Where approval requests and notices go.
#[derive(Clone)]
struct Outlets {
    approvals: Arc<dyn Approvals>,
    notifier: Arc<dyn Notifier>,
}

/// A cluster's `kubeconfig` starting with this names a Secrets Manager secret holding
/// the kubeconfig (for clusters that are not EKS).
pub const KUBECONFIG_SECRET_PREFIX: &str = "secretsmanager:";

/// Writes `bytes` to `file` readable by this user only.
fn write_private(
    dir: &std::path::Path,
    file: &std::path::Path,
    bytes: &[u8],
) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::create_dir_all(dir)?;
    let tmp = file.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(bytes)?;
    std::fs::rename(tmp, file)
}

/// Overrides the Slack Web API base URL (tests point it at a loopback stand-in).
pub const SLACK_API_URL: &str = "LOCKGATE_SLACK_API_URL";

/// Everything a function keeps between invocations.
pub struct FunctionEnv {
    /// The function's name (`deployer`).
    pub function: &'static str,
    /// Its settings.
    pub settings: Settings,
    /// Its AWS adapters.
    pub aws: AwsAdapters,
    sdk: SdkConfig,
    loaded: Mutex<Option<Loaded>>,
    outlets: Mutex<Option<Outlets>>,
    slack_api_url: String,
    /// Scratch space (Lambda's `/tmp`).
    pub workdir: PathBuf,
    crash_loop_restarts: Option<i64>,
}

impl std::fmt::Debug for FunctionEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionEnv")
            .field("function", &self.function)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl FunctionEnv {
    /// Reads and validates the settings from the process environment and builds the
    /// adapters. Does no network I/O, so a cold start stays short.
    ///
    /// # Errors
    /// [`StartError`] naming every missing or invalid variable.
    pub async fn from_env(function: &'static str) -> Result<Self, StartError> {
        let settings = Settings::from_env()?;
        let crash_loop_restarts = match std::env::var(CRASH_LOOP_RESTARTS) {
            Ok(v) if !v.trim().is_empty() => Some(
                v.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| StartError::Invalid {
                        variable: CRASH_LOOP_RESTARTS,
                        problem: format!("{v:?} is not a positive number of restarts"),
                    })?,
            ),
            _ => None,
        };
        let sdk = lockgate_aws::load_sdk_config().await;
        let mut env = Self::new(function, settings, sdk, crash_loop_restarts);
        if let Ok(url) = std::env::var(SLACK_API_URL) {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(StartError::Invalid {
                    variable: SLACK_API_URL,
                    problem: format!("{url:?} is not an http(s) URL"),
                });
            }
            env.slack_api_url = url;
        }
        Ok(env)
    }

    /// The environment of `function` with `settings`, through clients built from `sdk`.
    pub fn new(
        function: &'static str,
        settings: Settings,
        sdk: SdkConfig,
        crash_loop_restarts: Option<i64>,
    ) -> Self {
        let aws = AwsAdapters::new(&sdk, &settings);
        Self {
            function,
            settings,
            aws,
            sdk,
            loaded: Mutex::new(None),
            outlets: Mutex::new(None),
            slack_api_url: lockgate_slack::client::DEFAULT_API_URL.to_string(),
            workdir: std::env::temp_dir().join("lockgate"),
            crash_loop_restarts,
        }
    }

    /// The configuration, read from S3 if not read in the last [`CONFIG_TTL`].
    ///
    /// # Errors
    /// Transient when S3 cannot be read; permanent when the configuration is missing
    /// or invalid (the message lists every problem).
    pub async fn config(&self) -> Result<Arc<Config>, HandlerError> {
        Ok(self.load().await?.config)
    }

    async fn load(&self) -> Result<Loaded, HandlerError> {
        let mut loaded = self.loaded.lock().await;
        if let Some(l) = loaded.as_ref().filter(|l| l.at.elapsed() < CONFIG_TTL) {
            return Ok(l.clone());
        }
        let text = self.settings.read_config(&self.aws.s3).await?;
        let where_ = format!(
            "s3://{}/{}",
            self.settings.config.bucket,
            self.settings.config_key()
        );
        let mut config = Config::from_yaml(&text)
            .map_err(|e| HandlerError::Permanent(format!("configuration {where_}:\n{e}")))?;
        self.fetch_kubeconfigs(&mut config).await?;
        let mut eks = HashMap::new();
        for c in &config.clusters {
            if let Connection::Eks {
                cluster_name,
                region,
                ..
            } = &c.connection
            {
                let ep = lockgate_aws::describe_cluster(&self.sdk, cluster_name, region)
                    .await
                    .map_err(|e: PortError| HandlerError::from(e))?;
                eks.insert(
                    c.name.clone(),
                    EksEndpoint {
                        endpoint: ep.endpoint,
                        certificate_authority_data: ep.certificate_authority_data,
                    },
                );
            }
        }
        let fresh = Loaded {
            at: Instant::now(),
            config: Arc::new(config),
            clusters: Arc::new(Clusters::new(None, eks)),
        };
        *loaded = Some(fresh.clone());
        Ok(fresh)
    }

    /// Kubeconfigs named `secretsmanager:<secret name or ARN>` in the configuration are
    /// read from Secrets Manager into private files under the scratch directory, and
    /// the configuration points at those files.
    async fn fetch_kubeconfigs(&self, config: &mut Config) -> Result<(), HandlerError> {
        for c in &mut config.clusters {
            let Connection::Kubeconfig {
                path: Some(path), ..
            } = &mut c.connection
            else {
                continue;
            };
            let Some(secret) = path.strip_prefix(KUBECONFIG_SECRET_PREFIX) else {
                continue;
            };
            let text = lockgate_aws::get_secret_string(&self.aws.secrets, secret)
                .await
                .map_err(HandlerError::from)?;
            let dir = self.workdir.join("kubeconfigs");
            let file = dir.join(&c.name);
            write_private(&dir, &file, text.as_bytes()).map_err(|e| {
                HandlerError::Transient(format!("write the kubeconfig of cluster {}: {e}", c.name))
            })?;
            *path = file.to_string_lossy().into_owned();
        }
        Ok(())
    }

    /// Slack when a bot token secret is configured (read once, on first use), else
    /// the log.
    async fn outlets(&self) -> Result<Outlets, HandlerError> {
        let mut outlets = self.outlets.lock().await;
        if let Some(o) = outlets.as_ref() {
            return Ok(o.clone());
        }
        let fresh = match &self.settings.slack_token_secret {
            None => Outlets {
                approvals: Arc::new(LogApprovals),
                notifier: Arc::new(LogNotifier),
            },
            Some(secret) => {
                let token = lockgate_aws::get_secret_string(&self.aws.secrets, secret).await?;
                let client = lockgate_slack::SlackClient::new(&self.slack_api_url, token.trim())
                    .map_err(|e| HandlerError::Permanent(format!("{SLACK_API_URL}: {e}")))?;
                let client = Arc::new(client);
                let store: Arc<dyn lockgate_core::ports::StateStore> =
                    Arc::new(self.aws.state.clone());
                Outlets {
                    approvals: Arc::new(lockgate_slack::SlackApprovals::new(
                        client.clone(),
                        store.clone(),
                        Arc::new(SystemClock),
                    )),
                    notifier: Arc::new(lockgate_slack::SlackNotifier::new(client, store)),
                }
            }
        };
        *outlets = Some(fresh.clone());
        Ok(fresh)
    }

    /// The handler context for one invocation, sending through `queue`.
    ///
    /// # Errors
    /// As [`FunctionEnv::config`].
    pub async fn ctx(&self, queue: &InlineQueue) -> Result<Ctx, HandlerError> {
        let loaded = self.load().await?;
        let outlets = self.outlets().await?;
        Ok(Ctx {
            config: loaded.config,
            config_dir: self.workdir.join("config"),
            workdir: self.workdir.join("work"),
            store: Arc::new(self.aws.state.clone()),
            charts: Arc::new(self.aws.charts.clone()),
            queue: Arc::new(queue.clone()),
            registry: Arc::new(self.aws.registry.clone()),
            clusters: loaded.clusters,
            approvals: outlets.approvals,
            notifier: outlets.notifier,
            clock: Arc::new(SystemClock),
            max_delay: SQS_MAX_DELAY,
            crash_loop_restarts: self.crash_loop_restarts,
        })
    }

    /// A queue for one invocation.
    pub fn queue(&self) -> InlineQueue {
        InlineQueue::new(self.aws.queue.clone())
    }
}
