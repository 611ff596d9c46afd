//! Versioned object storage: every write gets the next global `resourceVersion` and is
//! recorded in a bounded event log that watches resume from and are broadcast to.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

use crate::registry::ResKey;

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// created
    Added,
    /// updated
    Modified,
    /// removed
    Deleted,
}

impl EventKind {
    /// The watch event `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Added => "ADDED",
            EventKind::Modified => "MODIFIED",
            EventKind::Deleted => "DELETED",
        }
    }
}

/// One change, as watches see it.
#[derive(Debug, Clone)]
pub struct Change {
    /// the resourceVersion of this change
    pub rv: u64,
    /// what happened
    pub kind: EventKind,
    /// which resource
    pub res: ResKey,
    /// the object after the change (before it, for deletes, with the delete's version)
    pub object: Arc<Value>,
    /// the object before a modification
    pub prev: Option<Arc<Value>>,
}

/// Object key within a resource: (namespace, name); namespace is empty when cluster-scoped.
pub type ObjKey = (String, String);

/// The object store.
#[derive(Debug)]
pub struct Store {
    rv: u64,
    objects: BTreeMap<ResKey, BTreeMap<ObjKey, Arc<Value>>>,
    log: VecDeque<Arc<Change>>,
    log_cap: usize,
    tx: broadcast::Sender<Arc<Change>>,
}

impl Store {
    /// An empty store keeping `history` changes for watch resumption.
    pub fn new(history: usize) -> Self {
        let (tx, _) = broadcast::channel(4096);
        Store {
            rv: 1,
            objects: BTreeMap::new(),
            log: VecDeque::new(),
            log_cap: history.max(16),
            tx,
        }
    }

    /// The newest resourceVersion.
    pub fn rv(&self) -> u64 {
        self.rv
    }

    /// The oldest resourceVersion a watch may resume from.
    pub fn oldest_resumable(&self) -> u64 {
        self.log.front().map(|c| c.rv - 1).unwrap_or(self.rv)
    }

    /// New changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.tx.subscribe()
    }

    /// Logged changes of `res` newer than `rv`.
    pub fn changes_since(&self, res: &ResKey, rv: u64) -> Vec<Arc<Change>> {
        self.log
            .iter()
            .filter(|c| c.rv > rv && &c.res == res)
            .cloned()
            .collect()
    }

    /// One object.
    pub fn get(&self, res: &ResKey, ns: &str, name: &str) -> Option<Arc<Value>> {
        self.objects
            .get(res)
            .and_then(|m| m.get(&(ns.to_string(), name.to_string())))
            .cloned()
    }

    /// Objects of `res`, in one namespace or all (`None`), sorted by namespace and name.
    pub fn list(&self, res: &ResKey, ns: Option<&str>) -> Vec<Arc<Value>> {
        let Some(m) = self.objects.get(res) else {
            return Vec::new();
        };
        match ns {
            Some(ns) => m
                .range((ns.to_string(), String::new())..)
                .take_while(|((n, _), _)| n == ns)
                .map(|(_, v)| v.clone())
                .collect(),
            None => m.values().cloned().collect(),
        }
    }

    /// Every resource key holding objects.
    pub fn resources(&self) -> Vec<ResKey> {
        self.objects.keys().cloned().collect()
    }

    /// Stores `obj` (new or replacing), stamping the next resourceVersion; returns it.
    pub fn put(&mut self, res: &ResKey, mut obj: Value) -> Arc<Value> {
        self.rv += 1;
        let rv = self.rv;
        crate::meta::metadata_mut(&mut obj)
            .insert("resourceVersion".into(), Value::String(rv.to_string()));
        let key = (
            crate::meta::namespace(&obj).to_string(),
            crate::meta::name(&obj).to_string(),
        );
        let obj = Arc::new(obj);
        let prev = self
            .objects
            .entry(res.clone())
            .or_default()
            .insert(key, obj.clone());
        let kind = if prev.is_some() {
            EventKind::Modified
        } else {
            EventKind::Added
        };
        self.record(rv, kind, res, obj.clone(), prev);
        obj
    }

    /// Removes an object; returns it stamped with the deletion's resourceVersion.
    pub fn remove(&mut self, res: &ResKey, ns: &str, name: &str) -> Option<Arc<Value>> {
        let removed = self
            .objects
            .get_mut(res)?
            .remove(&(ns.to_string(), name.to_string()))?;
        self.rv += 1;
        let rv = self.rv;
        let mut obj = (*removed).clone();
        crate::meta::metadata_mut(&mut obj)
            .insert("resourceVersion".into(), Value::String(rv.to_string()));
        let obj = Arc::new(obj);
        self.record(rv, EventKind::Deleted, res, obj.clone(), None);
        Some(obj)
    }

    fn record(
        &mut self,
        rv: u64,
        kind: EventKind,
        res: &ResKey,
        object: Arc<Value>,
        prev: Option<Arc<Value>>,
    ) {
        let change = Arc::new(Change {
            rv,
            kind,
            res: res.clone(),
            object,
            prev,
        });
        self.log.push_back(change.clone());
        while self.log.len() > self.log_cap {
            self.log.pop_front();
        }
        // No receivers is normal: nobody is watching.
        let _ = self.tx.send(change);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(ns: &str, name: &str) -> Value {
        json!({"metadata": {"namespace": ns, "name": name}})
    }

    #[test]
    fn writes_bump_resource_version_and_are_logged_per_resource() {
        let mut s = Store::new(100);
        let res = ResKey::new("", "configmaps");
        let start = s.rv();
        let a = s.put(&res, cm("a", "x"));
        assert_eq!(
            a["metadata"]["resourceVersion"],
            json!((start + 1).to_string())
        );
        s.put(&ResKey::new("", "secrets"), cm("a", "y"));
        s.put(&res, cm("a", "x"));
        let changes = s.changes_since(&res, start);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[1].kind, EventKind::Modified);
        let gone = s.remove(&res, "a", "x").unwrap();
        assert_eq!(
            gone["metadata"]["resourceVersion"],
            json!(s.rv().to_string())
        );
        assert!(s.get(&res, "a", "x").is_none());
    }

    #[test]
    fn list_filters_by_namespace_in_name_order() {
        let mut s = Store::new(100);
        let res = ResKey::new("", "configmaps");
        for (ns, n) in [("b", "z"), ("a", "y"), ("b", "c"), ("bb", "a")] {
            s.put(&res, cm(ns, n));
        }
        let names: Vec<_> = s
            .list(&res, Some("b"))
            .iter()
            .map(|o| crate::meta::name(o).to_string())
            .collect();
        assert_eq!(names, vec!["c", "z"]);
        assert_eq!(s.list(&res, None).len(), 4);
    }

    #[test]
    fn old_changes_fall_out_of_the_bounded_log() {
        let mut s = Store::new(16);
        let res = ResKey::new("", "configmaps");
        for i in 0..40 {
            s.put(&res, cm("a", &format!("o{i}")));
        }
        assert!(s.oldest_resumable() > 20);
    }
}
