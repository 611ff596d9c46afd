//! Settings to adapters: the configuration read from its bucket and prefix, and
//! `AwsAdapters` built from settings reaching their resources.

use lockgate_core::ports::{PortErrorKind, StateStore};

use crate::server::{Moto, MotoSdk};

#[tokio::test]
async fn the_configuration_is_read_from_its_bucket_and_prefix() {
    use lockgate_aws::settings;
    let moto = Moto::start();
    let s3 = moto.bucket("config").await;
    s3.put_object()
        .bucket("config")
        .key("prod/lockgate.yaml")
        .body(b"version: 1\n".to_vec().into())
        .send()
        .await
        .unwrap();
    let vars = |prefix: &'static str| {
        move |name: &str| {
            Some(match name {
                settings::CONFIG_BUCKET => "config".to_string(),
                settings::CONFIG_PREFIX => prefix.to_string(),
                settings::STATE_BUCKET | settings::CHART_BUCKET => "b-1".to_string(),
                settings::DEPLOYER_QUEUE_URL => "http://q/deployer.fifo".to_string(),
                n if n.ends_with("_QUEUE_URL") => format!("http://q/{n}"),
                _ => return None,
            })
        }
    };
    let prod = lockgate_aws::Settings::from_lookup(vars("prod/")).unwrap();
    assert_eq!(prod.read_config(&s3).await.unwrap(), "version: 1\n");
    let staging = lockgate_aws::Settings::from_lookup(vars("staging")).unwrap();
    let e = staging.read_config(&s3).await.unwrap_err();
    assert_eq!(e.kind, PortErrorKind::Permanent);
    assert!(
        e.to_string().contains("s3://config/staging/lockgate.yaml"),
        "{e}"
    );
}

#[tokio::test]
async fn adapters_built_from_settings_reach_their_resources() {
    use lockgate_aws::{settings, AwsAdapters, Settings};
    use lockgate_core::envelope::{Envelope, Outgoing};
    use lockgate_core::execution::Route;
    use lockgate_core::ids::ExecutionId;
    use lockgate_core::ports::{ChartStore, CommandQueue};
    use lockgate_core::span::Span;

    let moto = Moto::start();
    let s3 = moto.bucket("lockgate-state").await;
    s3.create_bucket()
        .bucket("lockgate-charts")
        .send()
        .await
        .unwrap();
    let sqs = lockgate_aws::sqs_client(&moto.sdk_config());
    let mut urls = std::collections::HashMap::new();
    for (var, name) in [
        (settings::DEPLOYER_QUEUE_URL, "deployer.fifo"),
        (settings::APPROVALS_QUEUE_URL, "approvals"),
        (settings::TIMERS_QUEUE_URL, "timers"),
    ] {
        let mut req = sqs.create_queue().queue_name(name);
        if name.ends_with(".fifo") {
            req = req.attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true");
        }
        urls.insert(var, req.send().await.unwrap().queue_url.unwrap());
    }
    let settings = Settings::from_lookup(|name| {
        Some(match name {
            settings::CONFIG_BUCKET | settings::STATE_BUCKET => "lockgate-state".to_string(),
            settings::STATE_PREFIX => "state/".to_string(),
            settings::CHART_BUCKET => "lockgate-charts".to_string(),
            settings::S3_PATH_STYLE => "true".to_string(),
            other => return urls.get(other).cloned(),
        })
    })
    .unwrap();
    let aws = AwsAdapters::new(&moto.sdk_config(), &settings);
    aws.state
        .create("executions/e.json", b"{}".to_vec())
        .await
        .unwrap();
    assert!(s3
        .get_object()
        .bucket("lockgate-state")
        .key("state/executions/e.json")
        .send()
        .await
        .is_ok());
    aws.charts
        .put_archive("web", "1.0.0", b"tgz".to_vec())
        .await
        .unwrap();
    let envelope = Envelope {
        v: 1,
        kind: "command.notify".into(),
        execution_id: ExecutionId::from_string("web-1"),
        idempotency_key: "web-1/notify/0/0".into(),
        payload: serde_json::json!({}),
    };
    aws.queue
        .send(&Outgoing {
            route: Route::Notifications,
            group_id: None,
            dedup_id: envelope.dedup_id(),
            delay: Span::from_secs(0),
            envelope,
        })
        .await
        .unwrap();
    let got = sqs
        .receive_message()
        .queue_url(&settings.queues.approvals)
        .wait_time_seconds(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.messages().len(),
        1,
        "notifications go to the approvals queue"
    );
}
