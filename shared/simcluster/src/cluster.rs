//! [`SimCluster`]: a running simulated cluster (server + controllers), started inside
//! a tokio runtime or on a runtime thread of its own.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::config::{Fault, SimConfig};
use crate::error::SimError;
use crate::registry::ResKey;
use crate::state::{lock, Shared, State};

/// A running simulated Kubernetes API server. Stops on [`SimCluster::shutdown`] or drop.
#[derive(Debug)]
pub struct SimCluster {
    addr: SocketAddr,
    token: String,
    ca_pem: Option<String>,
    shared: Shared,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SimCluster {
    /// Binds `listen` (port 0 picks a free port) and starts serving and simulating on
    /// the current tokio runtime.
    ///
    /// # Errors
    /// [`SimError::Bind`] when the address is taken, [`SimError::Tls`] when the
    /// certificates cannot be generated, [`SimError::Config`] for a bad time scale.
    pub async fn start(listen: SocketAddr, cfg: SimConfig) -> Result<SimCluster, SimError> {
        if !(cfg.time_scale.is_finite() && cfg.time_scale > 0.0) {
            return Err(SimError::Config(format!(
                "time_scale must be a positive number, got {}",
                cfg.time_scale
            )));
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SimError::Bind {
            addr: listen,
            source,
        })?;
        let tls = if cfg.tls {
            Some(crate::tls::generate(&addr.ip().to_string())?)
        } else {
            None
        };
        let token = cfg.token.clone();
        let mut state = State::new(cfg);
        crate::controllers::bootstrap(&mut state);
        let shared: Shared = Arc::new(Mutex::new(state));
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let server = tokio::spawn(crate::server::serve(
            listener,
            tls.map(|t| t.acceptor),
            shared.clone(),
            stop_rx.clone(),
        ));
        let controllers = tokio::spawn(crate::controllers::run(shared.clone(), stop_rx));
        Ok(SimCluster {
            addr,
            token,
            ca_pem,
            shared,
            stop,
            tasks: vec![server, controllers],
            thread: None,
        })
    }

    /// Like [`SimCluster::start`], on a runtime thread of its own (for synchronous
    /// callers and tests).
    ///
    /// # Errors
    /// As [`SimCluster::start`], plus [`SimError::Runtime`].
    pub fn start_background(listen: SocketAddr, cfg: SimConfig) -> Result<SimCluster, SimError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("simcluster".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(SimError::Runtime(e)));
                        return;
                    }
                };
                rt.block_on(async move {
                    match SimCluster::start(listen, cfg).await {
                        Ok(mut c) => {
                            let mut stop_rx = c.stop.subscribe();
                            let tasks = std::mem::take(&mut c.tasks);
                            let _ = tx.send(Ok(c));
                            let _ = stop_rx.wait_for(|s| *s).await;
                            for t in tasks {
                                t.abort();
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                });
            })
            .map_err(SimError::Runtime)?;
        let mut cluster = rx.recv().map_err(|_| {
            SimError::Runtime(std::io::Error::other(
                "the simulated cluster thread ended while starting",
            ))
        })??;
        cluster.thread = Some(thread);
        Ok(cluster)
    }

    /// `http://127.0.0.1:PORT` or `https://...`.
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bearer token clients must send.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The CA certificate (PEM) when serving TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// A kubeconfig for this cluster with one context.
    pub fn kubeconfig_yaml(&self, context_name: &str, namespace: &str) -> String {
        crate::kubeconfig::render(
            &self.url(),
            &self.token,
            self.ca_pem.as_deref(),
            context_name,
            namespace,
        )
    }

    /// Writes [`SimCluster::kubeconfig_yaml`] (context `simcluster`, namespace
    /// `default`) to `path`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write_kubeconfig(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.kubeconfig_yaml("simcluster", "default"))
    }

    /// Injects an API fault (errors on coming requests, dropped watches).
    pub fn inject_fault(&self, f: Fault) {
        lock(&self.shared).inject(f);
    }

    /// One stored object (`group` is `""` for core), as stored.
    pub fn get_object(
        &self,
        group: &str,
        plural: &str,
        namespace: &str,
        name: &str,
    ) -> Option<Value> {
        lock(&self.shared)
            .store
            .get(&ResKey::new(group, plural), namespace, name)
            .map(|o| (*o).clone())
    }

    /// Stored objects of one resource, in a namespace or all (`None`).
    pub fn list_objects(&self, group: &str, plural: &str, namespace: Option<&str>) -> Vec<Value> {
        lock(&self.shared)
            .store
            .list(&ResKey::new(group, plural), namespace)
            .iter()
            .map(|o| (**o).clone())
            .collect()
    }

    /// Recent requests as `METHOD PATH?QUERY STATUS`, oldest first.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared).request_log.iter().cloned().collect()
    }

    /// Stops serving and simulating.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        let _ = self.stop.send(true);
        for t in self.tasks.drain(..) {
            t.abort();
        }
        if let Some(th) = self.thread.take() {
            let _ = th.join();
        }
    }
}

impl Drop for SimCluster {
    fn drop(&mut self) {
        self.stop_now();
    }
}
