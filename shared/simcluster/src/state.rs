//! The shared server state: store, registry, configuration, pending faults and the
//! simulated controllers' clocks, behind one mutex.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::config::{Fault, SimConfig};
use crate::error::ApiError;
use crate::registry::Registry;
use crate::store::Store;

/// Shared, locked state.
pub type Shared = Arc<Mutex<State>>;

/// Locks the state; a poisoned lock (a panicked holder) is recovered, as the data
/// stays consistent per write.
pub fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

/// Everything the server and controllers share.
#[derive(Debug)]
pub struct State {
    /// objects
    pub store: Store,
    /// known resource types
    pub registry: Registry,
    /// configuration
    pub cfg: SimConfig,
    /// pending request faults
    pub faults: Vec<Fault>,
    /// future watches to drop right after they start
    pub drop_next_watches: u32,
    /// bumped to close every open watch
    pub drop_watches: tokio::sync::watch::Sender<u64>,
    /// when controllers first saw an object (by uid), for simulated durations
    pub clocks: HashMap<String, Instant>,
    /// last allocated service cluster IP (low bits)
    pub next_service_ip: u32,
    /// last allocated pod IP (low bits)
    pub next_pod_ip: u32,
    /// last allocated node port
    pub next_node_port: u32,
    /// recent requests (`METHOD PATH?QUERY STATUS`), oldest first
    pub request_log: std::collections::VecDeque<String>,
}

impl State {
    /// A fresh state for `cfg`.
    pub fn new(cfg: SimConfig) -> Self {
        let (drop_watches, _) = tokio::sync::watch::channel(0);
        State {
            store: Store::new(cfg.watch_history),
            registry: Registry::default(),
            cfg,
            faults: Vec::new(),
            drop_next_watches: 0,
            drop_watches,
            clocks: HashMap::new(),
            next_service_ip: 10,
            next_pod_ip: 10,
            next_node_port: 30000,
            request_log: std::collections::VecDeque::new(),
        }
    }

    /// Records a fault to inject.
    pub fn inject(&mut self, f: Fault) {
        match f {
            Fault::Clear => {
                self.faults.clear();
                self.drop_next_watches = 0;
            }
            Fault::DropWatches { count } => {
                self.drop_next_watches = count;
                self.drop_watches.send_modify(|g| *g += 1);
            }
            other => self.faults.push(other),
        }
    }

    /// The error an injected fault gives this request, consuming it.
    pub fn take_fault(&mut self, path: &str) -> Option<ApiError> {
        let idx = self.faults.iter().position(|f| match f {
            Fault::Error { path_contains, .. } => {
                path_contains.as_deref().is_none_or(|p| path.contains(p))
            }
            _ => false,
        })?;
        let Fault::Error {
            code,
            count,
            retry_after_secs,
            ..
        } = &mut self.faults[idx]
        else {
            return None;
        };
        let err = if *code == 429 {
            ApiError::too_many_requests(*retry_after_secs)
        } else {
            ApiError::internal(*code, format!("injected fault: HTTP {code} for {path}"))
        };
        *count = count.saturating_sub(1);
        if *count == 0 {
            self.faults.remove(idx);
        }
        Some(err)
    }

    /// When a controller first saw `uid` (now, on first call).
    pub fn clock(&mut self, uid: &str) -> Instant {
        *self
            .clocks
            .entry(uid.to_string())
            .or_insert_with(Instant::now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_faults_fire_count_times_on_matching_paths() {
        let mut s = State::new(SimConfig::default());
        s.inject(Fault::Error {
            code: 500,
            count: 2,
            path_contains: Some("/pods".into()),
            retry_after_secs: 1,
        });
        assert!(s.take_fault("/api/v1/configmaps").is_none());
        assert_eq!(s.take_fault("/api/v1/pods").unwrap().code, 500);
        assert_eq!(s.take_fault("/api/v1/namespaces/a/pods").unwrap().code, 500);
        assert!(s.take_fault("/api/v1/pods").is_none());
    }

    #[test]
    fn throttling_fault_carries_retry_after() {
        let mut s = State::new(SimConfig::default());
        s.inject(Fault::Error {
            code: 429,
            count: 1,
            path_contains: None,
            retry_after_secs: 3,
        });
        let e = s.take_fault("/x").unwrap();
        assert_eq!((e.code, e.retry_after), (429, Some(3)));
        s.inject(Fault::Error {
            code: 503,
            count: 5,
            path_contains: None,
            retry_after_secs: 1,
        });
        s.inject(Fault::Clear);
        assert!(s.take_fault("/x").is_none());
    }
}
