//! Settings of the Lambda functions, read once at cold start from the environment
//! through a lookup function (so tests never set process variables). Every missing or
//! invalid variable is reported at once, each with its name and what to change.

use std::fmt;

use lockgate_core::ports::PortError;

use crate::s3::S3Location;
use crate::sqs::{is_fifo, QueueUrls};

/// The bucket holding `lockgate.yaml` and the apps' chart sources.
pub const CONFIG_BUCKET: &str = "LOCKGATE_CONFIG_BUCKET";
/// Key prefix of `lockgate.yaml` and the chart sources (optional).
pub const CONFIG_PREFIX: &str = "LOCKGATE_CONFIG_PREFIX";
/// The configuration's object name under [`CONFIG_PREFIX`].
pub const CONFIG_FILE_NAME: &str = "lockgate.yaml";
/// The bucket of execution and environment records.
pub const STATE_BUCKET: &str = "LOCKGATE_STATE_BUCKET";
/// Key prefix of the records (optional).
pub const STATE_PREFIX: &str = "LOCKGATE_STATE_PREFIX";
/// The chart repository bucket.
pub const CHART_BUCKET: &str = "LOCKGATE_CHART_BUCKET";
/// Key prefix of the chart repository (optional).
pub const CHART_PREFIX: &str = "LOCKGATE_CHART_PREFIX";
/// Queue of chart verification (optional: `chart-uploaded` may verify in-process).
pub const CHARTS_QUEUE_URL: &str = "LOCKGATE_CHARTS_QUEUE_URL";
/// Queue of the deployer (FIFO).
pub const DEPLOYER_QUEUE_URL: &str = "LOCKGATE_DEPLOYER_QUEUE_URL";
/// Queue of approvals.
pub const APPROVALS_QUEUE_URL: &str = "LOCKGATE_APPROVALS_QUEUE_URL";
/// Queue of notifications (optional: the approvals queue, whose consumer holds the
/// Slack token).
pub const NOTIFICATIONS_QUEUE_URL: &str = "LOCKGATE_NOTIFICATIONS_QUEUE_URL";
/// Standard queue for delayed messages of FIFO routes.
pub const TIMERS_QUEUE_URL: &str = "LOCKGATE_TIMERS_QUEUE_URL";
/// Secrets Manager name or ARN of the Slack bot token (optional).
pub const SLACK_TOKEN_SECRET: &str = "LOCKGATE_SLACK_TOKEN_SECRET_ARN";
/// Secrets Manager name or ARN of the Slack signing secret (optional).
pub const SLACK_SIGNING_SECRET: &str = "LOCKGATE_SLACK_SIGNING_SECRET_ARN";
/// `true` to address S3 path-style (optional; S3-compatible stores, loopback).
pub const S3_PATH_STYLE: &str = "LOCKGATE_S3_PATH_STYLE";

/// Everything a function needs to reach its AWS resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Where `lockgate.yaml` and the chart sources are.
    pub config: S3Location,
    /// Execution and environment records.
    pub state: S3Location,
    /// The chart repository.
    pub charts: S3Location,
    /// The queue of each route, and the timer queue.
    pub queues: QueueUrls,
    /// Secret holding the Slack bot token, if Slack is used.
    pub slack_token_secret: Option<String>,
    /// Secret holding the Slack signing secret, if Slack is used.
    pub slack_signing_secret: Option<String>,
    /// Address S3 path-style.
    pub s3_path_style: bool,
}

/// One missing or invalid variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    /// The variable.
    pub variable: &'static str,
    /// What is wrong and what to set.
    pub problem: String,
}

/// Every missing or invalid variable found at cold start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct SettingsError {
    /// The problems, in the order the variables are read.
    pub errors: Vec<SettingError>,
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} environment variable(s) missing or invalid:",
            self.errors.len()
        )?;
        for e in &self.errors {
            write!(f, "\n  {}: {}", e.variable, e.problem)?;
        }
        Ok(())
    }
}

/// Reads variables and collects what is wrong with them.
struct Reader<F> {
    lookup: F,
    errors: Vec<SettingError>,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    fn fail(&mut self, variable: &'static str, problem: impl Into<String>) {
        self.errors.push(SettingError {
            variable,
            problem: problem.into(),
        });
    }

    fn optional(&self, variable: &'static str) -> Option<String> {
        (self.lookup)(variable)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn required(&mut self, variable: &'static str, what: &str) -> String {
        match self.optional(variable) {
            Some(v) => v,
            None => {
                self.fail(variable, format!("missing: set it to {what}"));
                String::new()
            }
        }
    }

    fn bucket(&mut self, variable: &'static str) -> String {
        let name = self.required(variable, "an S3 bucket name");
        if !name.is_empty() {
            if let Err(why) = check_bucket_name(&name) {
                self.fail(variable, format!("{name:?} is not a bucket name: {why}"));
            }
        }
        name
    }

    fn queue(&mut self, variable: &'static str, fifo: Option<bool>) -> String {
        let url = self.required(
            variable,
            "an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)",
        );
        if url.is_empty() {
            return url;
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            self.fail(
                variable,
                format!("{url:?} is not a queue URL: it must start with https:// (use the QueueUrl, not the ARN or name)"),
            );
        } else if fifo == Some(true) && !is_fifo(&url) {
            self.fail(
                variable,
                format!("{url:?} is not a FIFO queue: deploys need one (its name ends in .fifo)"),
            );
        } else if fifo == Some(false) && is_fifo(&url) {
            self.fail(
                variable,
                format!("{url:?} is a FIFO queue: the timer queue must be a standard queue (FIFO queues cannot delay single messages)"),
            );
        }
        url
    }

    fn flag(&mut self, variable: &'static str) -> bool {
        match self.optional(variable).as_deref() {
            None | Some("false" | "0" | "no") => false,
            Some("true" | "1" | "yes") => true,
            Some(other) => {
                self.fail(
                    variable,
                    format!("{other:?} is not a boolean: use true or false"),
                );
                false
            }
        }
    }
}

/// Checks S3's bucket naming rules (3-63 characters of lowercase letters, digits,
/// dots and hyphens, starting and ending with a letter or digit).
fn check_bucket_name(name: &str) -> Result<(), &'static str> {
    if !(3..=63).contains(&name.len()) {
        return Err("it must be 3 to 63 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return Err("use only lowercase letters, digits, '.' and '-'");
    }
    let edge = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !edge(name.bytes().next()) || !edge(name.bytes().last()) {
        return Err("it must start and end with a letter or digit");
    }
    Ok(())
}

impl Settings {
    /// The key of `lockgate.yaml` in the configuration bucket.
    pub fn config_key(&self) -> String {
        format!("{}{CONFIG_FILE_NAME}", self.config.prefix)
    }

    /// The configuration text, read from S3 through `s3`.
    ///
    /// # Errors
    /// A permanent [`PortError`] naming the object when it is missing or not UTF-8;
    /// transient on throttling and network failures.
    pub async fn read_config(&self, s3: &aws_sdk_s3::Client) -> Result<String, PortError> {
        let key = self.config_key();
        let bytes = crate::s3::get_object_bytes(s3, &self.config.bucket, &key).await?;
        String::from_utf8(bytes).map_err(|e| {
            PortError::permanent(
                format!("read configuration s3://{}/{key}", self.config.bucket),
                e,
            )
        })
    }

    /// Reads the settings from the process environment.
    ///
    /// # Errors
    /// [`SettingsError`] listing every missing or invalid variable.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup` (variable name to value).
    ///
    /// # Errors
    /// [`SettingsError`] listing every missing or invalid variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let mut r = Reader {
            lookup,
            errors: Vec::new(),
        };
        let config_bucket = r.bucket(CONFIG_BUCKET);
        let config_prefix = r.optional(CONFIG_PREFIX).unwrap_or_default();
        let state_bucket = r.bucket(STATE_BUCKET);
        let state_prefix = r.optional(STATE_PREFIX).unwrap_or_default();
        let chart_bucket = r.bucket(CHART_BUCKET);
        let chart_prefix = r.optional(CHART_PREFIX).unwrap_or_default();
        let charts = r
            .optional(CHARTS_QUEUE_URL)
            .map(|_| r.queue(CHARTS_QUEUE_URL, None));
        let deployer = r.queue(DEPLOYER_QUEUE_URL, Some(true));
        let approvals = r.queue(APPROVALS_QUEUE_URL, None);
        let notifications = match r.optional(NOTIFICATIONS_QUEUE_URL) {
            Some(_) => r.queue(NOTIFICATIONS_QUEUE_URL, None),
            None => approvals.clone(),
        };
        // The deployer queue is FIFO, so delayed deploy messages (rollout checks)
        // always need the timer queue.
        let timer = r.queue(TIMERS_QUEUE_URL, Some(false));
        let settings = Settings {
            config: S3Location::new(config_bucket, &config_prefix),
            state: S3Location::new(state_bucket, &state_prefix),
            charts: S3Location::new(chart_bucket, &chart_prefix),
            queues: QueueUrls {
                charts,
                deployer,
                approvals,
                notifications,
                timer: Some(timer),
            },
            slack_token_secret: r.optional(SLACK_TOKEN_SECRET),
            slack_signing_secret: r.optional(SLACK_SIGNING_SECRET),
            s3_path_style: r.flag(S3_PATH_STYLE),
        };
        if r.errors.is_empty() {
            Ok(settings)
        } else {
            Err(SettingsError { errors: r.errors })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn complete() -> HashMap<&'static str, String> {
        let q = |n: &str| format!("https://sqs.eu-west-1.amazonaws.com/123456789012/{n}");
        HashMap::from([
            (CONFIG_BUCKET, "lockgate-config".to_string()),
            (CONFIG_PREFIX, "prod/".to_string()),
            (STATE_BUCKET, "lockgate-state".to_string()),
            (CHART_BUCKET, "lockgate-charts".to_string()),
            (CHART_PREFIX, "/stable/".to_string()),
            (CHARTS_QUEUE_URL, q("charts")),
            (DEPLOYER_QUEUE_URL, q("deployer.fifo")),
            (APPROVALS_QUEUE_URL, q("approvals.fifo")),
            (NOTIFICATIONS_QUEUE_URL, q("notifications")),
            (TIMERS_QUEUE_URL, q("timers")),
            (S3_PATH_STYLE, "true".to_string()),
        ])
    }

    fn read(vars: &HashMap<&'static str, String>) -> Result<Settings, SettingsError> {
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn a_complete_environment_reads() {
        let s = read(&complete()).unwrap();
        assert_eq!(s.config, S3Location::new("lockgate-config", "prod"));
        assert_eq!(s.config_key(), "prod/lockgate.yaml");
        assert_eq!(s.charts.prefix, "stable/");
        assert_eq!(s.state.prefix, "");
        assert!(s.queues.deployer.ends_with("deployer.fifo"));
        assert!(s.s3_path_style);
        assert_eq!(s.slack_token_secret, None);
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let mut vars = complete();
        vars.remove(STATE_BUCKET);
        vars.remove(CONFIG_BUCKET);
        vars.insert(CHART_BUCKET, "Charts_Bucket".into());
        vars.insert(DEPLOYER_QUEUE_URL, "https://sqs/1/deployer".into());
        vars.insert(TIMERS_QUEUE_URL, "https://sqs/1/timers.fifo".into());
        vars.insert(
            APPROVALS_QUEUE_URL,
            "arn:aws:sqs:eu-west-1:1:approvals".into(),
        );
        vars.insert(S3_PATH_STYLE, "maybe".into());
        let err = read(&vars).unwrap_err();
        let names: Vec<&str> = err.errors.iter().map(|e| e.variable).collect();
        assert_eq!(
            names,
            vec![
                CONFIG_BUCKET,
                STATE_BUCKET,
                CHART_BUCKET,
                DEPLOYER_QUEUE_URL,
                APPROVALS_QUEUE_URL,
                TIMERS_QUEUE_URL,
                S3_PATH_STYLE
            ]
        );
        let text = err.to_string();
        assert!(text.starts_with("7 environment variable(s)"), "{text}");
        assert!(text.contains("LOCKGATE_STATE_BUCKET: missing"), "{text}");
        assert!(text.contains("not a FIFO queue"), "{text}");
        assert!(text.contains("must be a standard queue"), "{text}");
        assert!(text.contains("not the ARN"), "{text}");
    }

    #[test]
    fn blank_values_count_as_missing() {
        let mut vars = complete();
        vars.insert(DEPLOYER_QUEUE_URL, "  ".into());
        vars.insert(CHARTS_QUEUE_URL, "  ".into());
        let err = read(&vars).unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].variable, DEPLOYER_QUEUE_URL);
        vars.remove(DEPLOYER_QUEUE_URL);
        vars.insert(DEPLOYER_QUEUE_URL, "https://sqs/1/deployer.fifo".into());
        assert_eq!(read(&vars).unwrap().queues.charts, None, "optional");
    }

    #[test]
    fn the_variables_of_the_sam_template_are_enough() {
        let q = |n: &str| format!("https://sqs.eu-west-1.amazonaws.com/123456789012/{n}");
        let vars = HashMap::from([
            (
                CONFIG_BUCKET,
                "lockgate-state-123456789012-eu-west-1".to_string(),
            ),
            (CONFIG_PREFIX, "config/".to_string()),
            (
                STATE_BUCKET,
                "lockgate-state-123456789012-eu-west-1".to_string(),
            ),
            (STATE_PREFIX, "state/".to_string()),
            (
                CHART_BUCKET,
                "lockgate-charts-123456789012-eu-west-1".to_string(),
            ),
            (DEPLOYER_QUEUE_URL, q("lockgate-deployer.fifo")),
            (APPROVALS_QUEUE_URL, q("lockgate-approvals.fifo")),
            (TIMERS_QUEUE_URL, q("lockgate-timers")),
            (
                SLACK_TOKEN_SECRET,
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-bot-AbCdEf".to_string(),
            ),
        ]);
        let s = read(&vars).unwrap();
        assert_eq!(s.config_key(), "config/lockgate.yaml");
        assert_eq!(s.queues.charts, None);
        assert_eq!(s.queues.notifications, s.queues.approvals);
        assert!(s.slack_token_secret.is_some());
    }

    #[test]
    fn notifications_default_to_the_approvals_queue() {
        let mut vars = complete();
        vars.remove(NOTIFICATIONS_QUEUE_URL);
        let s = read(&vars).unwrap();
        assert_eq!(s.queues.notifications, s.queues.approvals);
        vars.insert(NOTIFICATIONS_QUEUE_URL, "sqs-notifications".into());
        assert_eq!(
            read(&vars).unwrap_err().errors[0].variable,
            NOTIFICATIONS_QUEUE_URL
        );
    }
}
