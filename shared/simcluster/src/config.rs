//! Configuration of the simulated cluster ([`SimConfig`]), injected API faults
//! ([`Fault`]) and the glob matching used for image patterns.

use std::time::Duration;

use serde::Deserialize;

/// How the simulated cluster behaves. `Default` gives a realistic-looking cluster
/// running 20 times faster than real time.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// bearer token clients must send (`Authorization: Bearer TOKEN`)
    pub token: String,
    /// serve HTTPS with a generated certificate authority
    pub tls: bool,
    /// multiplier applied to every simulated duration: 1.0 = realistic seconds,
    /// 0.05 = 20 times faster
    pub time_scale: f64,
    /// how long (unscaled) a started container takes to become ready
    pub pod_ready_after: Duration,
    /// image globs (`*`, `?`) whose containers crash-loop and never become ready
    pub crash_images: Vec<String>,
    /// image globs whose containers take the given (unscaled) time to become ready
    pub slow_images: Vec<(String, Duration)>,
    /// number of simulated nodes (`sim-node-1` ...); at least 1
    pub nodes: usize,
    /// Kubernetes version reported by `/version` (`v1.37.0`)
    pub kube_version: String,
    /// how many watch events are kept for `resourceVersion` resumption; older
    /// versions get 410 Gone
    pub watch_history: usize,
    /// interval (unscaled) between watch bookmarks when clients ask for them
    pub bookmark_interval: Duration,
    /// how long (unscaled) a crash-looping container waits between restarts
    pub crash_backoff: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            token: "simcluster-token".to_string(),
            tls: false,
            time_scale: 0.05,
            pod_ready_after: Duration::from_secs(3),
            crash_images: Vec::new(),
            slow_images: Vec::new(),
            nodes: 1,
            kube_version: "v1.37.0".to_string(),
            watch_history: 10_000,
            bookmark_interval: Duration::from_secs(20),
            crash_backoff: Duration::from_secs(10),
        }
    }
}

impl SimConfig {
    /// A simulated duration scaled to wall-clock time.
    pub fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.time_scale.max(0.0))
    }

    /// The unscaled readiness delay of a container image, or `None` when it crash-loops.
    pub fn image_ready_after(&self, image: &str) -> Option<Duration> {
        if self.crash_images.iter().any(|p| glob_match(p, image)) {
            return None;
        }
        for (p, d) in &self.slow_images {
            if glob_match(p, image) {
                return Some(*d);
            }
        }
        Some(self.pod_ready_after)
    }
}

/// An API fault to inject, from [`crate::SimCluster::inject_fault`] or
/// `POST /simcluster/faults` (JSON, e.g. `{"type":"error","code":429,"count":2}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Fault {
    /// The next `count` API requests whose path contains `path_contains` (every
    /// request when absent) fail with HTTP `code`; a 429 carries `Retry-After`.
    #[serde(rename_all = "camelCase")]
    Error {
        /// HTTP status (429, 500, 503, ...)
        code: u16,
        /// how many requests fail
        #[serde(default = "one")]
        count: u32,
        /// only requests whose path contains this fail
        #[serde(default)]
        path_contains: Option<String>,
        /// seconds in `Retry-After` for a 429
        #[serde(default = "one_u64")]
        retry_after_secs: u64,
    },
    /// Close every open watch stream now, and the next `count` watches right after
    /// they start.
    #[serde(rename_all = "camelCase")]
    DropWatches {
        /// how many future watches are also dropped
        #[serde(default)]
        count: u32,
    },
    /// Remove every pending fault.
    Clear,
}

fn one() -> u32 {
    1
}
fn one_u64() -> u64 {
    1
}

/// Shell-style glob: `*` matches any run of characters, `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_stars_and_question_marks() {
        assert!(glob_match("*crash*", "registry/crash-app:1"));
        assert!(glob_match("nginx:1.?", "nginx:1.2"));
        assert!(!glob_match("nginx:1.?", "nginx:1.25"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a*b", "acbd"));
    }

    #[test]
    fn crash_images_have_no_ready_time_and_slow_images_their_own() {
        let cfg = SimConfig {
            crash_images: vec!["*:crash".into()],
            slow_images: vec![("slow/*".into(), Duration::from_secs(30))],
            ..SimConfig::default()
        };
        assert_eq!(cfg.image_ready_after("app:crash"), None);
        assert_eq!(
            cfg.image_ready_after("slow/x"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(cfg.image_ready_after("nginx"), Some(cfg.pod_ready_after));
    }

    #[test]
    fn faults_parse_from_admin_json() {
        let f: Fault = serde_json::from_str(r#"{"type":"error","code":429,"count":2}"#).unwrap();
        assert_eq!(
            f,
            Fault::Error {
                code: 429,
                count: 2,
                path_contains: None,
                retry_after_secs: 1
            }
        );
        let d: Fault = serde_json::from_str(r#"{"type":"dropWatches"}"#).unwrap();
        assert_eq!(d, Fault::DropWatches { count: 0 });
    }
}
