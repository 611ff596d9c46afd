//! `slack-interactions`: the Lambda behind the Slack Function URL. It verifies the
//! request's signature, authorizes the clicker against the gate, enqueues the
//! decision on the approvals queue and answers Slack at once; it never deploys. All
//! logic is in `lockgate_slack::interaction` (tested there); this binary reads its
//! settings at cold start and translates the Function URL event.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use aws_lambda_events::event::lambda_function_urls::{
    LambdaFunctionUrlRequest, LambdaFunctionUrlResponse,
};
use lambda_runtime::{service_fn, LambdaEvent};
use lockgate_aws::get_secret_string;
use lockgate_aws::{AwsAdapters, Settings};
use lockgate_core::Config;
use lockgate_slack::client::DEFAULT_API_URL;
use lockgate_slack::interaction::{GroupCache, SystemClock};
use lockgate_slack::{handle_request, InteractionDeps, Request, SlackClient};

/// Overrides the Slack Web API base URL (tests point it at a loopback stand-in).
const SLACK_API_URL: &str = "LOCKGATE_SLACK_API_URL";

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    // rustls has two providers compiled in (aws-lc-rs for the SDK, ring elsewhere):
    // pick one before any TLS client is built
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .without_time()
        .init();
    let deps = match connect().await {
        Ok(d) => d,
        Err(e) => {
            // fail the cold start, loudly
            tracing::error!(error = format!("{e:#}"), "slack-interactions cannot start");
            return Err(e.into());
        }
    };
    let deps = &deps;
    lambda_runtime::run(service_fn(
        move |ev: LambdaEvent<LambdaFunctionUrlRequest>| async move { handle(deps, ev).await },
    ))
    .await
}

async fn connect() -> anyhow::Result<InteractionDeps> {
    let settings = Settings::from_env()?;
    let sdk = lockgate_aws::load_sdk_config().await;
    let aws = AwsAdapters::new(&sdk, &settings);
    let signing_name = settings.slack_signing_secret.as_deref().with_context(|| {
        format!("{}: missing: set it to the Secrets Manager name or ARN of the Slack app's signing secret", lockgate_aws::settings::SLACK_SIGNING_SECRET)
    })?;
    let token_name = settings.slack_token_secret.as_deref().with_context(|| {
        format!("{}: missing: set it to the Secrets Manager name or ARN of the Slack bot token (needed for user groups and the reject dialog)", lockgate_aws::settings::SLACK_TOKEN_SECRET)
    })?;
    let signing_secret = get_secret_string(&aws.secrets, signing_name)
        .await
        .context("reading the Slack signing secret")?;
    let token = get_secret_string(&aws.secrets, token_name)
        .await
        .context("reading the Slack bot token")?;
    let text = settings
        .read_config(&aws.s3)
        .await
        .context("reading lockgate.yaml")?;
    let config = Config::from_yaml(&text).map_err(|e| anyhow::anyhow!("lockgate.yaml: {e}"))?;
    let api = std::env::var(SLACK_API_URL).unwrap_or_else(|_| DEFAULT_API_URL.to_string());
    let slack = Arc::new(
        SlackClient::new(&api, token.trim())
            .with_context(|| format!("{SLACK_API_URL}: {api:?} is not an http(s) URL"))?
            // Slack wants an answer within 3 seconds: do not wait out long rate limits
            .with_retries(2, Duration::from_secs(1))
            .with_timeout(Duration::from_millis(1500)),
    );
    Ok(InteractionDeps {
        signing_secret: signing_secret.trim().as_bytes().to_vec(),
        config: Arc::new(config),
        queue: Arc::new(aws.queue),
        groups: GroupCache::new(slack.clone(), Duration::from_secs(60)),
        slack,
        clock: Arc::new(SystemClock),
    })
}

async fn handle(
    deps: &InteractionDeps,
    ev: LambdaEvent<LambdaFunctionUrlRequest>,
) -> Result<LambdaFunctionUrlResponse, lambda_runtime::Error> {
    let req = ev.payload;
    let headers = req.headers.iter().filter_map(|(k, v)| {
        v.to_str()
            .ok()
            .map(|v| (k.as_str().to_string(), v.to_string()))
    });
    let resp = match Request::from_parts(headers, req.body.as_deref(), req.is_base64_encoded) {
        Ok(r) => handle_request(&r, deps).await,
        Err(e) => lockgate_slack::Response {
            status: 400,
            body: e.to_string(),
        },
    };
    let mut out = LambdaFunctionUrlResponse::default();
    out.status_code = i64::from(resp.status);
    if let Ok(ct) = http::HeaderValue::from_str(resp.content_type()) {
        out.headers.insert(http::header::CONTENT_TYPE, ct);
    }
    out.body = Some(resp.body);
    Ok(out)
}
