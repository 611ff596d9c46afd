//! Simulated Kubernetes API server: discovery, generic storage, patches, server-side apply, watch and simulated controllers, for tests, demos and dry runs.
//!
//! Real `kubectl` 1.37 and Helm v4 work against it (see `tests/kubectl.rs` and
//! `tests/helm.rs`), and so does any client of the Kubernetes REST API (the `kube`
//! crate). It owns nothing but its in-memory state; it depends on no other workspace
//! crate and names no client library type.
//!
//! # Starting one
//! ```no_run
//! use lockgate_simcluster::{SimCluster, SimConfig};
//! let cluster = SimCluster::start_background("127.0.0.1:0".parse().unwrap(),
//!     SimConfig { tls: true, ..SimConfig::default() }).unwrap();
//! cluster.write_kubeconfig(std::path::Path::new("kubeconfig")).unwrap();
//! println!("{} (token {})", cluster.url(), cluster.token());
//! cluster.shutdown(); // also on drop
//! ```
//! [`SimCluster::start`] does the same inside a running tokio runtime. Go clients
//! (kubectl, Helm) send bearer tokens only over HTTPS: use `tls: true` for them.
//!
//! # Public API
//! - [`SimConfig`] (token, TLS, `time_scale`, readiness delay, crash/slow image globs,
//!   node count, watch history, bookmark interval) and [`Fault`] (API errors, dropped
//!   watches).
//! - [`SimCluster`]: `start`, `start_background`, `url`, `addr`, `token`, `ca_pem`,
//!   `kubeconfig_yaml`, `write_kubeconfig`, `inject_fault`, `get_object`,
//!   `list_objects`, `requests` (recent request log), `shutdown`.
//! - [`cli::run`]: the `lockgate simcluster` command.
//!
//! # What is served
//! - `/version`, `/api`, `/apis`, `/apis/GROUP[/VERSION]`, aggregated discovery
//!   (`apidiscovery.k8s.io/v2`), and an OpenAPI v3 index (`/openapi/v3`) that tells
//!   kubectl the server validates fields itself (no schemas).
//! - Every built-in kind in [`registry`] and any kind a CustomResourceDefinition
//!   registers (Established at once); get, list (label/field selectors,
//!   `limit`/`continue`), watch (resume by `resourceVersion`, 410 Gone when older than
//!   the history, `sendInitialEvents` with the initial-events-end bookmark,
//!   `allowWatchBookmarks`, `timeoutSeconds`), create, update, delete and
//!   deletecollection (`propagationPolicy` Background/Foreground/Orphan, finalizers,
//!   owner-reference garbage collection), JSON/merge/strategic merge patches,
//!   server-side apply (`managedFields`, conflicts, `force`), the `status` and
//!   `scale` subresources, optimistic concurrency, `generation`, `dryRun=All`,
//!   Status errors, and `meta.k8s.io/v1` Tables for `kubectl get` (also on watches).
//!   Request bodies are JSON, YAML (apply) or, for Secrets and ConfigMaps, protobuf
//!   (Helm's release storage); responses are JSON.
//! - Admin: `POST /simcluster/faults` (a [`Fault`] as JSON), `DELETE
//!   /simcluster/faults`, `GET /simcluster/requests`.
//!
//! # Simulated controllers
//! Deployments (ReplicaSets per `pod-template-hash`, revisions, rolling replacement,
//! Available/Progressing conditions, `ProgressDeadlineExceeded`), ReplicaSets,
//! StatefulSets (ordinals, revisions, PVCs), DaemonSets (one pod per node
//! `sim-node-N`), Jobs (Complete/Failed), a scheduler and kubelet (readiness after
//! `pod_ready_after * time_scale`, CrashLoopBackOff for `crash_images`), Services
//! (ClusterIP, node ports, Endpoints, EndpointSlices, LoadBalancer ingress), PVC
//! binding, per-namespace defaults and Events (core/v1 and events.k8s.io/v1).
//!
//! Not simulated: authorization (one token, full access), admission webhooks, schema
//! validation (`fieldValidation` is accepted and ignored), conversion between custom
//! resource versions, graceful pod termination, protobuf responses, HTTP/2.

pub mod config;
pub mod error;
pub mod fieldset;
pub mod meta;
pub mod patch;
pub mod registry;
pub mod selectors;
pub mod ssa;
pub mod store;

pub use config::{Fault, SimConfig};
pub use error::{ApiError, SimError};
pub mod admission;
pub mod api;
pub mod cluster;
pub mod controllers;
pub mod discovery;
pub mod kubeconfig;
pub mod server;
pub mod state;
pub mod tls;
pub mod watch;

pub use cluster::SimCluster;
pub mod cli;
pub mod openapi;
pub mod protobuf;
pub mod table;
