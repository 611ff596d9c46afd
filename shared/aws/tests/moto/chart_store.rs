//! `S3ChartStore`: a Helm repository on S3. Archives are immutable, the index is a
//! compare-and-swap write, and concurrent publishes keep every entry.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use lockgate_aws::{S3ChartStore, S3Location};
use lockgate_core::config::ImageValuePaths;
use lockgate_core::ids::Digest;
use lockgate_core::image::PinnedImage;
use lockgate_core::ports::{ChartStore, ObjectVersion, StoreError, Versioned};
use lockgate_helm::repo::IndexFile;
use lockgate_pipeline::chart_build;

use crate::server::{Moto, MotoSdk};

#[tokio::test]
async fn chart_versions_are_immutable() {
    let moto = Moto::start();
    let s3 = moto.bucket("charts").await;
    let c = S3ChartStore::new(s3.clone(), S3Location::new("charts", "stable"));
    assert_eq!(
        c.put_archive("web", "1.0.0", b"a".to_vec()).await.unwrap(),
        "web-1.0.0.tgz"
    );
    assert_eq!(
        c.put_archive("web", "1.0.0", b"a".to_vec()).await.unwrap(),
        "web-1.0.0.tgz",
        "the same bytes again are fine"
    );
    assert!(matches!(
        c.put_archive("web", "1.0.0", b"b".to_vec()).await,
        Err(StoreError::AlreadyExists { .. })
    ));
    assert_eq!(c.get_archive("web-1.0.0.tgz").await.unwrap(), b"a");
    assert_eq!(
        c.get_archive("s3://charts/stable/web-1.0.0.tgz")
            .await
            .unwrap(),
        b"a"
    );
    assert!(c
        .get_archive("s3://elsewhere/stable/web-1.0.0.tgz")
        .await
        .is_err());
    assert!(c.get_archive("web-9.9.9.tgz").await.is_err());
    let raw = s3
        .get_object()
        .bucket("charts")
        .key("stable/web-1.0.0.tgz")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.content_type(), Some("application/gzip"));
}

#[tokio::test]
async fn the_index_is_written_with_compare_and_swap() {
    let moto = Moto::start();
    let s3 = moto.bucket("charts").await;
    let c = S3ChartStore::new(s3, S3Location::new("charts", ""));
    assert!(c.get_index().await.unwrap().is_none());
    let v = c.put_index(b"x".to_vec(), None).await.unwrap();
    assert!(matches!(
        c.put_index(b"y".to_vec(), None).await,
        Err(StoreError::AlreadyExists { .. })
    ));
    let v2 = c.put_index(b"y".to_vec(), Some(&v)).await.unwrap();
    assert!(matches!(
        c.put_index(b"z".to_vec(), Some(&v)).await,
        Err(StoreError::VersionMismatch { .. })
    ));
    let got = c.get_index().await.unwrap().unwrap();
    assert_eq!((got.bytes.as_slice(), got.version), (&b"y"[..], v2));
}

fn chart_source(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: web\nversion: 1.2.0\ndescription: a web app\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("values.yaml"),
        "image:\n  repository: web\n  tag: latest\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("templates/configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  image: {{ .Values.image.repository }}:{{ .Values.image.tag }}\n",
    )
    .unwrap();
}

/// Counts the index writes that landed and the ones refused for a race, to tell a
/// lost entry's cause: a publish that gave up, or a server that took a stale write.
#[derive(Debug)]
struct CountingStore {
    inner: S3ChartStore,
    written: AtomicUsize,
    raced: AtomicUsize,
}

#[lockgate_core::ports::async_trait]
impl ChartStore for CountingStore {
    async fn put_archive(
        &self,
        name: &str,
        version: &str,
        bytes: Vec<u8>,
    ) -> Result<String, StoreError> {
        self.inner.put_archive(name, version, bytes).await
    }

    async fn get_archive(&self, location: &str) -> Result<Vec<u8>, StoreError> {
        self.inner.get_archive(location).await
    }

    async fn get_index(&self) -> Result<Option<Versioned>, StoreError> {
        self.inner.get_index().await
    }

    async fn put_index(
        &self,
        bytes: Vec<u8>,
        expected: Option<&ObjectVersion>,
    ) -> Result<ObjectVersion, StoreError> {
        let result = self.inner.put_index(bytes, expected).await;
        match &result {
            Ok(_) => self.written.fetch_add(1, Ordering::SeqCst),
            Err(_) => self.raced.fetch_add(1, Ordering::SeqCst),
        };
        result
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_publishes_leave_twenty_entries() {
    let moto = Moto::start_serial();
    let s3 = moto.bucket("charts").await;
    let store = Arc::new(CountingStore {
        inner: S3ChartStore::new(s3, S3Location::new("charts", "")),
        written: AtomicUsize::new(0),
        raced: AtomicUsize::new(0),
    });
    let work = tempfile::tempdir().unwrap();
    let source = work.path().join("src");
    chart_source(&source);
    let paths = ImageValuePaths {
        repository: "image.repository".into(),
        tag: "image.tag".into(),
        digest: None,
    };
    let built: Vec<_> = (0..20)
        .map(|i| {
            let image = PinnedImage {
                repository: "123456789012.dkr.ecr.us-east-1.amazonaws.com/web".into(),
                tag: format!("1.0.{i}"),
                digest: Digest::of_bytes(format!("manifest {i}").as_bytes()),
            };
            chart_build::build(&source, &image, &paths, None, work.path()).unwrap()
        })
        .collect();
    let tasks: Vec<_> = built
        .iter()
        .cloned()
        .map(|b| {
            let store = store.clone();
            tokio::spawn(async move { chart_build::publish(store.as_ref(), &b).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let index = store.get_index().await.unwrap().unwrap();
    let index = IndexFile::parse(&index.bytes).unwrap();
    let entries = index.entries.get("web").expect("web entries");
    let (written, raced) = (
        store.written.load(Ordering::SeqCst),
        store.raced.load(Ordering::SeqCst),
    );
    assert_eq!(
        (entries.len(), written),
        (20, 20),
        "every publish is in index.yaml, each written once ({raced} writes lost a race and were retried)"
    );
    for b in &built {
        assert!(index.has("web", &b.version), "{} missing", b.version);
        let bytes = store
            .get_archive(&format!("web-{}.tgz", b.version))
            .await
            .unwrap();
        assert_eq!(Digest::of_bytes(&bytes), b.digest);
    }
}

#[tokio::test]
async fn an_upload_notification_through_sqs_leads_back_to_the_archive() {
    use aws_sdk_s3::types::{
        Event, FilterRule, FilterRuleName, NotificationConfiguration,
        NotificationConfigurationFilter, QueueConfiguration, S3KeyFilter,
    };
    use lockgate_aws::events::{parse_s3_notification, Parsed};

    let moto = Moto::start();
    let s3 = moto.bucket("charts").await;
    let sqs = lockgate_aws::sqs_client(&moto.sdk_config());
    let queue_url = sqs
        .create_queue()
        .queue_name("chart-uploads")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let notify = QueueConfiguration::builder()
        .queue_arn("arn:aws:sqs:us-east-1:123456789012:chart-uploads")
        .events(Event::S3ObjectCreated)
        .filter(
            NotificationConfigurationFilter::builder()
                .key(
                    S3KeyFilter::builder()
                        .filter_rules(
                            FilterRule::builder()
                                .name(FilterRuleName::Suffix)
                                .value(".tgz")
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .build()
        .unwrap();
    s3.put_bucket_notification_configuration()
        .bucket("charts")
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(notify)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let store = S3ChartStore::new(s3, S3Location::new("charts", "stable"));
    store
        .put_archive("web", "1.0.0+build.1", b"archive".to_vec())
        .await
        .unwrap();
    store
        .put_index(b"apiVersion: v1\n".to_vec(), None)
        .await
        .unwrap();

    let mut created = Vec::new();
    let mut ignored = Vec::new();
    for _ in 0..5 {
        let got = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for m in got.messages() {
            for parsed in parse_s3_notification(m.body().unwrap()).unwrap() {
                match parsed {
                    Parsed::Event(e) => created.push(e),
                    Parsed::Ignored { reason } => ignored.push(reason),
                }
            }
        }
        if !created.is_empty() {
            break;
        }
    }
    assert!(
        ignored.iter().all(|r| r.contains("s3:TestEvent")),
        "{ignored:?}"
    );
    assert_eq!(created.len(), 1, "only the .tgz notifies: {created:?}");
    assert_eq!(created[0].key, "stable/web-1.0.0+build.1.tgz");
    assert_eq!(
        store.get_archive(&created[0].s3_url()).await.unwrap(),
        b"archive"
    );
}
