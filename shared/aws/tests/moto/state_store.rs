//! `S3StateStore`: the filesystem store's contract on S3 (conditional writes, ETags,
//! listing by prefix across pages).

use std::sync::Arc;

use futures::stream::{self, StreamExt};
use lockgate_aws::{S3Location, S3StateStore};
use lockgate_core::ports::{PortErrorKind, StateStore, StoreError};

use crate::server::{Moto, MotoSdk};

#[tokio::test]
async fn create_is_if_none_match_and_replace_is_if_match() {
    let moto = Moto::start();
    let s3 = moto.bucket("state").await;
    let s = S3StateStore::new(s3, S3Location::new("state", "records"));
    let v1 = s
        .create("executions/a.json", b"one".to_vec())
        .await
        .unwrap();
    assert!(matches!(
        s.create("executions/a.json", b"two".to_vec()).await,
        Err(StoreError::AlreadyExists { key }) if key == "executions/a.json"
    ));
    let v2 = s
        .replace("executions/a.json", b"two".to_vec(), &v1)
        .await
        .unwrap();
    assert_ne!(v1, v2);
    assert!(matches!(
        s.replace("executions/a.json", b"three".to_vec(), &v1).await,
        Err(StoreError::VersionMismatch { .. })
    ));
    let got = s.get("executions/a.json").await.unwrap().unwrap();
    assert_eq!((got.bytes.as_slice(), got.version), (&b"two"[..], v2));
    assert!(s.get("executions/none.json").await.unwrap().is_none());
    assert!(matches!(
        s.replace("executions/none.json", b"x".to_vec(), &v1).await,
        Err(StoreError::VersionMismatch { .. })
    ));
}

#[tokio::test]
async fn records_live_under_the_prefix_and_keys_are_listed_relative_to_it() {
    let moto = Moto::start();
    let s3 = moto.bucket("state").await;
    let store = S3StateStore::new(s3.clone(), S3Location::new("state", "/prod/"));
    let other = S3StateStore::new(s3.clone(), S3Location::new("state", "staging"));
    for k in ["apps/web/open/1", "apps/web/open/2", "apps/api/open/3"] {
        store.create(k, vec![]).await.unwrap();
    }
    other.create("apps/web/open/9", vec![]).await.unwrap();
    assert_eq!(
        store.list("apps/web/open/").await.unwrap(),
        vec!["apps/web/open/1", "apps/web/open/2"]
    );
    assert_eq!(other.list("").await.unwrap(), vec!["apps/web/open/9"]);
    let raw = s3
        .get_object()
        .bucket("state")
        .key("prod/apps/api/open/3")
        .send()
        .await;
    assert!(raw.is_ok(), "records are stored under the prefix");
}

#[tokio::test]
async fn listing_follows_every_page() {
    let moto = Moto::start();
    let s3 = moto.bucket("state").await;
    let store = Arc::new(S3StateStore::new(s3, S3Location::new("state", "")));
    // ListObjectsV2 answers at most 1000 keys a page.
    let n = 1010;
    stream::iter(0..n)
        .for_each_concurrent(16, |i| {
            let store = store.clone();
            async move {
                store
                    .create(&format!("apps/web/open/{i:05}"), vec![])
                    .await
                    .unwrap();
            }
        })
        .await;
    let keys = store.list("apps/web/open/").await.unwrap();
    assert_eq!(keys.len(), n);
    assert_eq!(
        keys.first().map(String::as_str),
        Some("apps/web/open/00000")
    );
    assert_eq!(keys.last().map(String::as_str), Some("apps/web/open/01009"));
}

#[tokio::test]
async fn concurrent_writers_never_lose_an_update() {
    let moto = Moto::start_serial();
    let s3 = moto.bucket("state").await;
    let store = Arc::new(S3StateStore::new(s3, S3Location::new("state", "")));
    store.create("counter", b"0".to_vec()).await.unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    loop {
                        let cur = store.get("counter").await.unwrap().unwrap();
                        let n: u32 = std::str::from_utf8(&cur.bytes).unwrap().parse().unwrap();
                        match store
                            .replace("counter", (n + 1).to_string().into_bytes(), &cur.version)
                            .await
                        {
                            Ok(_) => break,
                            Err(StoreError::VersionMismatch { .. }) => continue,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(store.get("counter").await.unwrap().unwrap().bytes, b"40");
}

#[tokio::test]
async fn hostile_keys_are_refused_and_a_missing_bucket_is_permanent() {
    let moto = Moto::start();
    let s3 = moto.bucket("state").await;
    let store = S3StateStore::new(s3.clone(), S3Location::new("state", ""));
    for bad in ["../x", "/etc/passwd", "a/../../b", ".locks/x", ""] {
        assert!(store.get(bad).await.is_err(), "{bad}");
    }
    let nowhere = S3StateStore::new(s3, S3Location::new("no-such-bucket", ""));
    match nowhere.create("executions/a.json", b"{}".to_vec()).await {
        Err(StoreError::Port(e)) => {
            assert_eq!(e.kind, PortErrorKind::Permanent, "{e}");
            let text = e.to_string();
            assert!(text.contains("no-such-bucket"), "{text}");
            assert!(text.contains("NoSuchBucket"), "{text}");
        }
        other => panic!("expected a permanent error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_transient_error() {
    let moto = Moto::start();
    let s3 = moto.bucket("state").await;
    let store = S3StateStore::new(s3, S3Location::new("state", ""));
    store
        .create("executions/a.json", b"{}".to_vec())
        .await
        .unwrap();
    drop(moto);
    match store.get("executions/a.json").await {
        Err(StoreError::Port(e)) => assert!(e.is_transient(), "{e}"),
        other => panic!("expected a transient error, got {other:?}"),
    }
}
