//! Simulated Kubernetes API server: discovery, generic storage, patches, server-side apply, watch and simulated controllers, for tests, demos and dry runs.
