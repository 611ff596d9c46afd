//! `image-pushed`: an EventBridge event from ECR (invoked directly by the rule).
//! A push of a tagged image (or a finished scan, for apps that gate on scan results)
//! becomes a chart with the image pinned, linted, packaged and published to the chart
//! bucket. A transient error fails the invocation, so Lambda retries it (then its DLQ);
//! a permanent one (unknown repository, refused tag, blocking findings, a malformed
//! event) is answered `refused`, logged and notified: retrying cannot fix it.

use lockgate_aws::events::{parse_ecr_event_value, EcrEvent, Parsed};
use lockgate_core::execution::{Notice, NoticeKind, Plan};
use lockgate_core::ids::Digest;
use lockgate_core::ports::ScanStatus;
use lockgate_pipeline::handlers::{self, Ctx, HandlerError, ImagePush};
use serde_json::{json, Value};

use crate::context::FunctionEnv;

/// Handles one event. `Err` only for transient failures (the invocation is retried).
///
/// # Errors
/// The transient failure, as text.
pub async fn handle(env: &FunctionEnv, event: &Value) -> Result<Value, String> {
    let parsed = match parse_ecr_event_value(event) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, stage = "image", "malformed ECR event refused");
            return Ok(json!({ "outcome": "refused", "reason": e.to_string() }));
        }
    };
    let pushes = match parsed {
        Parsed::Ignored { reason } => {
            tracing::info!(%reason, stage = "image", "event ignored");
            return Ok(json!({ "outcome": "ignored", "reason": reason }));
        }
        Parsed::Event(EcrEvent::ImagePushed(p)) => vec![(
            ImagePush {
                repository: p.repository_uri(),
                tag: p.image_tag.clone(),
                digest: Some(p.image_digest.clone()),
                pushed_by: None,
            },
            false,
        )],
        Parsed::Event(EcrEvent::ImageScanned(s)) => {
            let uri = lockgate_aws::events::ImagePushed {
                meta: s.meta.clone(),
                repository_name: s.repository_name.clone(),
                image_digest: s.image_digest.clone(),
                image_tag: String::new(),
            }
            .repository_uri();
            s.image_tags
                .iter()
                .map(|t| {
                    (
                        ImagePush {
                            repository: uri.clone(),
                            tag: t.clone(),
                            digest: Some(s.image_digest.clone()),
                            pushed_by: None,
                        },
                        true,
                    )
                })
                .collect()
        }
    };
    let queue = env.queue();
    let ctx = env.ctx(&queue).await.map_err(|e| match e {
        HandlerError::Transient(t) => t,
        HandlerError::Permanent(p) => format!("configuration: {p}"),
    })?;
    let mut results = Vec::new();
    for (push, from_scan) in pushes {
        results.push(one(env, &ctx, &push, from_scan).await?);
    }
    Ok(json!({ "outcome": "handled", "images": results }))
}

async fn one(
    env: &FunctionEnv,
    ctx: &Ctx,
    push: &ImagePush,
    from_scan: bool,
) -> Result<Value, String> {
    let app = ctx.config.app_for_repository(&push.repository).cloned();
    if let (Some(app), Some(digest)) = (&app, &push.digest) {
        match &app.image.scan {
            // a scan result only matters to apps that gate on it
            None if from_scan => {
                return Ok(
                    json!({ "image": format!("{}:{}", push.repository, push.tag), "outcome": "ignored", "reason": "the app does not gate on scan results" }),
                )
            }
            Some(_) if !from_scan => {
                if let Some(waiting) = scan_pending(ctx, &push.repository, digest).await? {
                    return Ok(
                        json!({ "image": format!("{}:{}", push.repository, push.tag), "outcome": "waiting", "reason": waiting }),
                    );
                }
            }
            _ => {}
        }
        if let Err(e) = sync_source(env, ctx, &app.chart.source).await {
            return match e {
                HandlerError::Transient(t) => Err(t),
                HandlerError::Permanent(p) => Ok(refuse(ctx, push, Some(&app.name), p).await),
            };
        }
    }
    match handlers::image_pushed(ctx, push).await {
        Ok(chart) => Ok(json!({
            "image": format!("{}:{}", push.repository, push.tag),
            "outcome": "published",
            "chart": chart.name,
            "version": chart.version,
            "location": chart.location,
        })),
        Err(HandlerError::Transient(t)) => Err(t),
        Err(HandlerError::Permanent(p)) => {
            Ok(refuse(ctx, push, app.as_ref().map(|a| a.name.as_str()), p).await)
        }
    }
}

/// `Some(reason)` while the image's scan has not finished (its scan event will come).
async fn scan_pending(
    ctx: &Ctx,
    repository: &str,
    digest: &Digest,
) -> Result<Option<String>, String> {
    match ctx.registry.scan_findings(repository, digest).await {
        Ok(f) if f.status == ScanStatus::InProgress => Ok(Some(
            "the image scan has not finished: the release continues on its scan event".into(),
        )),
        Ok(_) => Ok(None),
        Err(e) if e.is_transient() => Err(e.to_string()),
        Err(_) => Ok(None), // image_pushed reports it
    }
}

/// Copies the app's chart source from the configuration bucket into the context's
/// configuration directory, fresh for this build.
async fn sync_source(env: &FunctionEnv, ctx: &Ctx, source: &str) -> Result<(), HandlerError> {
    let dest = ctx.config_dir.join(source.trim_matches('/'));
    if dest.exists() {
        std::fs::remove_dir_all(&dest)
            .map_err(|e| HandlerError::Transient(format!("clear {}: {e}", dest.display())))?;
    }
    let n = crate::sources::sync_chart_source(
        &env.aws.s3,
        &env.settings.config,
        source,
        &ctx.config_dir,
    )
    .await?;
    tracing::debug!(source, files = n, "chart source copied");
    Ok(())
}

/// Logs and notifies a permanent refusal; the answer says why.
async fn refuse(ctx: &Ctx, push: &ImagePush, app: Option<&str>, reason: String) -> Value {
    let image = format!("{}:{}", push.repository, push.tag);
    tracing::error!(app = app.unwrap_or(""), image = %image, reason = %reason, stage = "image", "image refused");
    if let Some(app) = app {
        let channels = Plan::for_app(&ctx.config, app)
            .map(|p| p.notify)
            .unwrap_or_default();
        let notice = Notice {
            kind: NoticeKind::Failed,
            severity: NoticeKind::Failed.severity(),
            app: app.to_string(),
            env: None,
            text: format!("image {image} was not released: {reason}"),
            image: image.clone(),
            chart_version: String::new(),
            channels,
            execution_id: None,
        };
        if let Err(e) = ctx.notifier.notify(&notice).await {
            tracing::warn!(app, error = %e, "could not notify the refusal");
        }
    }
    json!({ "image": image, "outcome": "refused", "reason": reason })
}
