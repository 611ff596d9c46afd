//! Test support: an in-memory state store and a recording command queue (the ports
//! the Slack adapters and the endpoint write to), a Slack config and a request.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use lockgate_core::envelope::Outgoing;
use lockgate_core::execution::{ApprovalRequest, ChartArtifact};
use lockgate_core::ports::{
    async_trait, CommandQueue, ObjectVersion, PortError, StateStore, StoreError, Versioned,
};
use lockgate_core::{Digest, ExecutionId, PinnedImage};

/// Records in memory, with compare-and-swap.
#[derive(Default)]
pub struct MemStore {
    objects: Mutex<BTreeMap<String, (Vec<u8>, u64)>>,
    counter: Mutex<u64>,
}

impl MemStore {
    fn next(&self) -> u64 {
        let mut c = self.counter.lock().expect("lock");
        *c += 1;
        *c
    }
}

#[async_trait]
impl StateStore for MemStore {
    async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        Ok(self
            .objects
            .lock()
            .expect("lock")
            .get(key)
            .map(|(b, v)| Versioned {
                bytes: b.clone(),
                version: ObjectVersion(v.to_string()),
            }))
    }
    async fn create(&self, key: &str, bytes: Vec<u8>) -> Result<ObjectVersion, StoreError> {
        let v = self.next();
        let mut o = self.objects.lock().expect("lock");
        if o.contains_key(key) {
            return Err(StoreError::AlreadyExists { key: key.into() });
        }
        o.insert(key.into(), (bytes, v));
        Ok(ObjectVersion(v.to_string()))
    }
    async fn replace(
        &self,
        key: &str,
        bytes: Vec<u8>,
        expected: &ObjectVersion,
    ) -> Result<ObjectVersion, StoreError> {
        let v = self.next();
        let mut o = self.objects.lock().expect("lock");
        match o.get(key) {
            Some((_, cur)) if cur.to_string() == expected.0 => {
                o.insert(key.into(), (bytes, v));
                Ok(ObjectVersion(v.to_string()))
            }
            _ => Err(StoreError::VersionMismatch {
                key: key.into(),
                expected: expected.0.clone(),
            }),
        }
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .objects
            .lock()
            .expect("lock")
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }
}

/// Keeps what was sent.
#[derive(Default)]
pub struct RecordingQueue {
    pub sent: Mutex<Vec<Outgoing>>,
}

#[async_trait]
impl CommandQueue for RecordingQueue {
    async fn send(&self, message: &Outgoing) -> Result<(), PortError> {
        self.sent.lock().expect("lock").push(message.clone());
        Ok(())
    }
}

impl RecordingQueue {
    pub fn sent(&self) -> Vec<Outgoing> {
        self.sent.lock().expect("lock").clone()
    }
}

pub const CONFIG: &str = r#"
version: 1
clusters: [{name: eu, kind: simulated}]
notifications: [{name: deploys, kind: slack, channel: C0DEPLOYS1}]
apps:
  - name: web
    image: {repository: registry.example.com/web}
    chart: {source: charts/web}
    notify: [deploys]
    environments:
      - {name: staging, cluster: eu, namespace: web-staging, timeout: 5m, check_interval: 10s}
      - name: production
        cluster: eu
        namespace: web
        timeout: 10m
        check_interval: 30s
        gate:
          approvers: {users: [U0ALICE01, U0BOB0002], groups: [S0RELEASE]}
          quorum: 1
          expiry: 72h
          remind_before: 24h
          four_eyes: true
"#;

pub const ALICE: &str = "U0ALICE01";
pub const BOB: &str = "U0BOB0002";
pub const CAROL: &str = "U0CAROL03";
pub const MALLORY: &str = "U0MALLORY";
pub const RELEASE_GROUP: &str = "S0RELEASE";

pub fn request(channel: &str) -> ApprovalRequest {
    let chart = Digest::of_bytes(b"web-1.4.2.tgz");
    let image = Digest::of_bytes(b"manifest");
    let t = Utc
        .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
        .single()
        .expect("time");
    ApprovalRequest {
        execution_id: ExecutionId::derive("web", &chart, &image),
        app: "web".into(),
        env: "production".into(),
        chart: ChartArtifact {
            name: "web".into(),
            version: "1.4.2".into(),
            digest: chart,
            location: "web-1.4.2.tgz".into(),
        },
        image: PinnedImage {
            repository: "registry.example.com/web".into(),
            tag: "1.4.2".into(),
            digest: image,
        },
        triggered_by: Some(ALICE.into()),
        users: vec![ALICE.into(), BOB.into()],
        groups: vec![RELEASE_GROUP.into()],
        quorum: 1,
        four_eyes: true,
        expires_at: t + Duration::hours(72),
        channel: Some(lockgate_core::execution::NotifyTarget {
            name: "deploys".into(),
            target: lockgate_core::config::ChannelTarget::Slack {
                channel: channel.into(),
            },
        }),
        previous_stages: vec![],
        values_diff: None,
        links: vec![],
    }
}

pub fn arc<T>(t: T) -> Arc<T> {
    Arc::new(t)
}
