//! Cluster side of deploys: targets and auth (kubeconfig, in-cluster, EKS), apply, prune, wait, roll back, Helm-compatible release records.

pub mod apply;
pub mod cluster;
pub mod deploy;
pub mod eks;
pub mod hooks;
pub mod objects;
pub mod plan;
pub mod ready;
pub mod records;
pub mod release;
pub mod target;
