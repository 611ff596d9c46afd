//! Executions through the StateStore port: created once, events applied with
//! compare-and-swap (a lost race re-reads and steps again), redelivered events
//! re-send the outbox, open executions are found per app. The store here is an
//! in-memory implementation of the port written for these tests.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use common::*;
use futures::executor::block_on;
use lockgate_core::execution::{Execution, Ignored, Status, Verdict};
use lockgate_core::ports::{async_trait, keys, ObjectVersion, StateStore, StoreError, Versioned};
use lockgate_core::records::{self, Applied, RecordError};

/// Versions are a counter; behaves like S3 conditional writes.
#[derive(Default)]
struct MemoryStateStore {
    objects: Mutex<BTreeMap<String, (Vec<u8>, u64)>>,
    counter: Mutex<u64>,
}

impl MemoryStateStore {
    fn next_version(&self) -> u64 {
        let mut c = self.counter.lock().expect("lock");
        *c += 1;
        *c
    }
}

#[async_trait]
impl StateStore for MemoryStateStore {
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
        let v = self.next_version();
        let mut objects = self.objects.lock().expect("lock");
        if objects.contains_key(key) {
            return Err(StoreError::AlreadyExists {
                key: key.to_string(),
            });
        }
        objects.insert(key.to_string(), (bytes, v));
        Ok(ObjectVersion(v.to_string()))
    }
    async fn replace(
        &self,
        key: &str,
        bytes: Vec<u8>,
        expected: &ObjectVersion,
    ) -> Result<ObjectVersion, StoreError> {
        let v = self.next_version();
        let mut objects = self.objects.lock().expect("lock");
        match objects.get(key) {
            Some((_, current)) if current.to_string() == expected.0 => {
                objects.insert(key.to_string(), (bytes, v));
                Ok(ObjectVersion(v.to_string()))
            }
            _ => Err(StoreError::VersionMismatch {
                key: key.to_string(),
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

/// Lets another writer apply `event` just before our first replace: we lose the race.
struct RacingStore {
    inner: Arc<MemoryStateStore>,
    rival: Mutex<Option<lockgate_core::execution::Event>>,
}

#[async_trait]
impl StateStore for RacingStore {
    async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        self.inner.get(key).await
    }
    async fn create(&self, key: &str, bytes: Vec<u8>) -> Result<ObjectVersion, StoreError> {
        self.inner.create(key, bytes).await
    }
    async fn replace(
        &self,
        key: &str,
        bytes: Vec<u8>,
        expected: &ObjectVersion,
    ) -> Result<ObjectVersion, StoreError> {
        let rival = self.rival.lock().expect("lock").take();
        if let Some(event) = rival {
            let id = open(1).id;
            let store: &dyn StateStore = self.inner.as_ref();
            records::apply(store, &id, &event)
                .await
                .expect("rival applies");
        }
        self.inner.replace(key, bytes, expected).await
    }
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.inner.list(prefix).await
    }
}

#[test]
fn an_execution_is_created_once() {
    let store = MemoryStateStore::default();
    let exec = open(1);
    assert!(block_on(records::create(&store, &exec)).expect("create"));
    assert!(
        !block_on(records::create(&store, &exec)).expect("replay"),
        "a replayed upload creates nothing"
    );
    let stored = block_on(records::load(&store, &exec.id))
        .expect("load")
        .expect("exists");
    assert_eq!(stored.execution, exec);
}

#[test]
fn events_are_applied_and_stored() {
    let store = MemoryStateStore::default();
    let exec = open(1);
    block_on(records::create(&store, &exec)).expect("create");
    let Applied::Changed {
        execution,
        commands,
    } = block_on(records::apply(&store, &exec.id, &chart_verified(5))).expect("apply")
    else {
        panic!("did not change");
    };
    assert_eq!(execution.status, Status::Verified);
    assert_eq!(commands[0].name(), "deploy");
    let stored = block_on(records::load(&store, &exec.id))
        .expect("load")
        .expect("exists");
    assert_eq!(stored.execution, execution);
}

#[test]
fn a_redelivered_event_resends_the_outbox_and_changes_nothing() {
    let store = MemoryStateStore::default();
    let exec = open(1);
    block_on(records::create(&store, &exec)).expect("create");
    let Applied::Changed { commands, .. } =
        block_on(records::apply(&store, &exec.id, &chart_verified(5))).expect("apply")
    else {
        panic!("did not change");
    };
    let Applied::Unchanged { reason, resend, .. } =
        block_on(records::apply(&store, &exec.id, &chart_verified(5))).expect("replay")
    else {
        panic!("changed twice");
    };
    assert!(matches!(reason, Ignored::Duplicate { .. }));
    assert_eq!(resend, commands);
    block_on(records::apply(
        &store,
        &exec.id,
        &deploy_started(10, "staging", 1, None),
    ))
    .expect("apply");
    let Applied::Unchanged { resend, .. } =
        block_on(records::apply(&store, &exec.id, &chart_verified(5))).expect("old replay")
    else {
        panic!("changed");
    };
    assert!(
        resend.is_empty(),
        "an older event's commands were sent after its successor was stored"
    );
}

#[test]
fn a_lost_compare_and_swap_reads_again_and_steps_on_the_new_state() {
    let inner = Arc::new(MemoryStateStore::default());
    let exec = run(
        open(1),
        &[
            chart_verified(5),
            deploy_started(10, "staging", 1, None),
            succeeded(20, "staging", 1, 1),
        ],
    );
    block_on(records::create(inner.as_ref(), &exec)).expect("create");
    let store = RacingStore {
        inner: inner.clone(),
        rival: Mutex::new(Some(decision(100, "d-carol", CAROL, Verdict::Approve))),
    };
    // Bob's approval loses the race to Carol's; re-read, Bob's decision is now stale.
    let out = block_on(records::apply(
        &store,
        &exec.id,
        &decision(101, "d-bob", BOB, Verdict::Approve),
    ))
    .expect("apply");
    let Applied::Unchanged {
        execution, reason, ..
    } = out
    else {
        panic!("Bob's decision applied over Carol's")
    };
    assert!(matches!(reason, Ignored::Stale { .. }), "{reason}");
    assert_eq!(
        execution.status,
        Status::Approved {
            env: "production".into()
        }
    );
    let approval = execution.stages[1].approval.as_ref().expect("approval");
    assert_eq!(approval.decisions.len(), 1, "first decision wins");
    assert_eq!(approval.decisions[0].by, CAROL);
}

#[test]
fn missing_and_corrupt_records_are_reported() {
    let store = MemoryStateStore::default();
    let id = open(1).id;
    let err = block_on(records::apply(&store, &id, &chart_verified(5))).expect_err("missing");
    assert!(matches!(err, RecordError::NotFound { .. }) && !err.is_transient());
    block_on(store.create(&keys::execution(&id), b"{\"id\": 3}".to_vec())).expect("write");
    let err = block_on(records::load(&store, &id)).expect_err("corrupt");
    assert!(
        err.to_string().starts_with(&format!(
            "executions/{id}.json is not a valid execution record"
        )),
        "{err}"
    );
}

#[test]
fn open_executions_leave_out_finished_ones() {
    let store = MemoryStateStore::default();
    let running = open(1);
    block_on(records::create(&store, &running)).expect("create");
    let mut other = candidate();
    other.image.tag = "1.4.3".into();
    other.image.digest = lockgate_core::Digest::of_bytes(b"newer image");
    let finished = Execution::open(lockgate_core::execution::Opening {
        candidate: other,
        plan: plan(1),
        at: t0(),
        open_executions: vec![],
    })
    .0;
    block_on(records::create(&store, &finished)).expect("create");
    block_on(records::apply(
        &store,
        &finished.id,
        &ev(
            5,
            lockgate_core::execution::EventBody::ChartRejected {
                reason: "bad".into(),
            },
        ),
    ))
    .expect("apply");
    let open_ids = block_on(records::open_executions(&store, "web")).expect("list");
    assert_eq!(open_ids, vec![running.id]);
    assert!(block_on(records::open_executions(&store, "api"))
        .expect("list")
        .is_empty());
}

#[test]
fn ports_are_usable_as_shared_trait_objects() {
    let store: Arc<dyn StateStore> = Arc::new(MemoryStateStore::default());
    let exec = open(1);
    let handle = store.clone();
    assert!(block_on(records::create(handle.as_ref(), &exec)).expect("create"));
    assert!(block_on(store.get(&keys::execution(&exec.id)))
        .expect("get")
        .is_some());
}
