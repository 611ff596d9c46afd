//! Watch streams: `{"type": ..., "object": ...}` lines over a chunked response, resumed
//! from a `resourceVersion` (410 Gone when too old), with initial events
//! (`sendInitialEvents`), bookmarks, timeouts and injected drops.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc};

use crate::api::{present, Target};
use crate::error::ApiError;
use crate::meta;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::state::{lock, Shared};
use crate::store::{Change, EventKind};

/// What the client asked to watch.
#[derive(Debug, Clone, Default)]
pub struct WatchParams {
    /// `resourceVersion` (absent or "0": start with the current state)
    pub resource_version: Option<String>,
    /// `sendInitialEvents=true`
    pub send_initial_events: bool,
    /// `allowWatchBookmarks=true`
    pub bookmarks: bool,
    /// `timeoutSeconds`
    pub timeout: Option<Duration>,
    /// `labelSelector`
    pub labels: LabelSelector,
    /// `fieldSelector`
    pub fields: FieldSelector,
    /// objects as `meta.k8s.io/v1` Tables (`kubectl get --watch`)
    pub table: bool,
}

fn line(kind: &str, object: &Value) -> Bytes {
    let mut s = json!({"type": kind, "object": object}).to_string();
    s.push('\n');
    Bytes::from(s)
}

struct Filter {
    target: Target,
    params: WatchParams,
}

impl Filter {
    fn selects(&self, obj: &Value) -> bool {
        self.params.labels.matches(obj) && self.params.fields.matches(obj)
    }

    /// The event type this watcher sees for a change, if any: objects entering the
    /// selection are ADDED and objects leaving it are DELETED, as the API server does.
    fn event_type(&self, c: &Change) -> Option<&'static str> {
        if c.res != self.target.rt.key()
            || self
                .target
                .namespace
                .as_deref()
                .is_some_and(|ns| meta::namespace(&c.object) != ns)
        {
            return None;
        }
        let now = self.selects(&c.object);
        match c.kind {
            EventKind::Added | EventKind::Deleted => now.then_some(c.kind.as_str()),
            EventKind::Modified => {
                let before = c.prev.as_deref().is_some_and(|p| self.selects(p));
                match (before, now) {
                    (true, true) => Some("MODIFIED"),
                    (false, true) => Some("ADDED"),
                    (true, false) => Some("DELETED"),
                    (false, false) => None,
                }
            }
        }
    }

    fn accepts(&self, c: &Change) -> bool {
        self.event_type(c).is_some()
    }

    fn render(&self, c: &Change) -> Bytes {
        let ty = self.event_type(c).unwrap_or(c.kind.as_str());
        let obj = present(&self.target.rt, &self.target.version, &c.object);
        if self.params.table {
            let rv = meta::str_at(&obj, "/metadata/resourceVersion")
                .unwrap_or("")
                .to_string();
            return line(ty, &crate::table::table(&self.target.rt, &[obj], &rv, None));
        }
        line(ty, &obj)
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut md = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            md["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let obj = json!({"kind": self.target.rt.kind, "apiVersion": self.target.rt.api_version(&self.target.version), "metadata": md});
        line("BOOKMARK", &obj)
    }
}

/// Starts a watch; returns the stream of encoded events.
///
/// # Errors
/// 400 for a malformed `resourceVersion`.
pub fn start(
    shared: &Shared,
    target: Target,
    params: WatchParams,
) -> Result<mpsc::Receiver<Bytes>, ApiError> {
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let filter = Filter { target, params };
    let mut initial: Vec<Bytes> = Vec::new();
    let (changes, mut dropped, start_rv, drop_now, bookmark_every) = {
        let mut st = lock(shared);
        let changes = st.store.subscribe();
        let dropped = st.drop_watches.subscribe();
        let now_rv = st.store.rv();
        let key = filter.target.rt.key();
        let rv = filter
            .params
            .resource_version
            .as_deref()
            .filter(|r| !r.is_empty() && *r != "0");
        if filter.params.send_initial_events || rv.is_none() {
            for o in st.store.list(&key, filter.target.namespace.as_deref()) {
                let c = Change {
                    rv: now_rv,
                    kind: EventKind::Added,
                    res: key.clone(),
                    object: o,
                    prev: None,
                };
                if filter.accepts(&c) {
                    initial.push(filter.render(&c));
                }
            }
            if filter.params.send_initial_events {
                initial.push(filter.bookmark(now_rv, true));
            }
        } else if let Some(rv) = rv {
            let rv: u64 = rv.parse().map_err(|_| {
                ApiError::bad_request(format!("invalid resourceVersion {rv:?}: must be a number"))
            })?;
            if rv < st.store.oldest_resumable() {
                let err = ApiError::gone(format!(
                    "too old resource version: {rv} ({})",
                    st.store.oldest_resumable()
                ));
                initial.push(line("ERROR", &err.to_status()));
                for b in initial {
                    let _ = tx.try_send(b);
                }
                return Ok(rx);
            }
            for c in st.store.changes_since(&key, rv) {
                if filter.accepts(&c) {
                    initial.push(filter.render(&c));
                }
            }
        }
        let drop_now = st.drop_next_watches > 0;
        if drop_now {
            st.drop_next_watches -= 1;
        }
        let every = st
            .cfg
            .scaled(st.cfg.bookmark_interval)
            .max(Duration::from_millis(50));
        (changes, dropped.clone(), now_rv, drop_now, every)
    };
    dropped.borrow_and_update();
    let shared = shared.clone();
    tokio::spawn(async move {
        for b in initial {
            if tx.send(b).await.is_err() {
                return;
            }
        }
        if drop_now {
            return;
        }
        run(
            shared,
            filter,
            changes,
            dropped,
            start_rv,
            bookmark_every,
            tx,
        )
        .await;
    });
    Ok(rx)
}

async fn run(
    shared: Shared,
    filter: Filter,
    mut changes: broadcast::Receiver<Arc<Change>>,
    mut dropped: tokio::sync::watch::Receiver<u64>,
    start_rv: u64,
    bookmark_every: Duration,
    tx: mpsc::Sender<Bytes>,
) {
    let deadline = filter
        .params
        .timeout
        .map(|t| tokio::time::Instant::now() + t);
    let mut bookmark = tokio::time::interval(bookmark_every);
    bookmark.tick().await;
    loop {
        let timeout = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            c = changes.recv() => match c {
                Ok(c) => {
                    if c.rv > start_rv && filter.accepts(&c) && tx.send(filter.render(&c)).await.is_err() {
                        return;
                    }
                }
                // A watcher too slow to keep up is closed; clients resume from their last version.
                Err(_) => return,
            },
            _ = bookmark.tick(), if filter.params.bookmarks => {
                let rv = lock(&shared).store.rv();
                if tx.send(filter.bookmark(rv, false)).await.is_err() {
                    return;
                }
            }
            _ = dropped.changed() => return,
            _ = timeout => return,
            _ = tx.closed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;
    use crate::registry::ResKey;
    use crate::state::State;
    use std::sync::Mutex;

    fn setup() -> (Shared, Target) {
        let st = State::new(SimConfig::default());
        let rt = st
            .registry
            .by_key(&ResKey::new("", "configmaps"))
            .unwrap()
            .clone();
        let t = Target {
            version: "v1".into(),
            rt,
            namespace: Some("a".into()),
            name: None,
            sub: None,
        };
        (Arc::new(Mutex::new(st)), t)
    }

    fn put(shared: &Shared, ns: &str, name: &str) -> u64 {
        let mut st = lock(shared);
        st.store.put(
            &ResKey::new("", "configmaps"),
            json!({"metadata": {"namespace": ns, "name": name}}),
        );
        st.store.rv()
    }

    async fn next(rx: &mut mpsc::Receiver<Bytes>) -> Value {
        let b = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        serde_json::from_slice(&b).unwrap()
    }

    #[tokio::test]
    async fn watch_without_version_lists_then_follows_its_namespace() {
        let (shared, t) = setup();
        put(&shared, "a", "x");
        let mut rx = start(&shared, t, WatchParams::default()).unwrap();
        assert_eq!(next(&mut rx).await["object"]["metadata"]["name"], "x");
        put(&shared, "b", "other");
        put(&shared, "a", "y");
        let e = next(&mut rx).await;
        assert_eq!(
            (e["type"].as_str(), e["object"]["metadata"]["name"].as_str()),
            (Some("ADDED"), Some("y"))
        );
        assert_eq!(e["object"]["kind"], "ConfigMap");
    }

    #[tokio::test]
    async fn watch_from_a_version_replays_only_newer_changes() {
        let (shared, t) = setup();
        put(&shared, "a", "old");
        let rv = put(&shared, "a", "old");
        put(&shared, "a", "new");
        let params = WatchParams {
            resource_version: Some(rv.to_string()),
            ..WatchParams::default()
        };
        let mut rx = start(&shared, t, params).unwrap();
        let e = next(&mut rx).await;
        assert_eq!(e["object"]["metadata"]["name"], "new");
        assert_eq!(
            e["object"]["metadata"]["resourceVersion"],
            json!((rv + 1).to_string())
        );
    }

    #[tokio::test]
    async fn non_numeric_versions_are_rejected() {
        let (shared, t) = setup();
        let params = WatchParams {
            resource_version: Some("abc".into()),
            ..WatchParams::default()
        };
        assert_eq!(start(&shared, t, params).unwrap_err().code, 400);
    }

    #[tokio::test]
    async fn objects_leaving_a_label_selection_are_deleted_and_entering_ones_added() {
        let (shared, t) = setup();
        let params = WatchParams {
            labels: LabelSelector::parse("tier=web").unwrap(),
            ..WatchParams::default()
        };
        let mut rx = start(&shared, t, params).unwrap();
        let res = ResKey::new("", "configmaps");
        let labelled = |tier: &str| json!({"metadata": {"namespace": "a", "name": "m", "labels": {"tier": tier}}});
        lock(&shared).store.put(&res, labelled("db"));
        lock(&shared).store.put(&res, labelled("web"));
        assert_eq!(next(&mut rx).await["type"], "ADDED");
        lock(&shared).store.put(&res, labelled("db"));
        assert_eq!(next(&mut rx).await["type"], "DELETED");
    }
}
