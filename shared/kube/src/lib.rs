//! Cluster side of deploys: targets and auth (kubeconfig, in-cluster, EKS), apply, prune, wait, roll back, Helm-compatible release records.
