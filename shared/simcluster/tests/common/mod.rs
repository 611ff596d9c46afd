//! Test support: start a simulated cluster, find the venv's real clients (kubectl,
//! Helm via python), a minimal HTTP/1.1 client for plain-HTTP API calls, and polling.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use lockgate_simcluster::{SimCluster, SimConfig};
use serde_json::Value;

/// The venv python from `LOCKGATE_TEST_PYTHON`; fails the test when it is unset.
pub fn python() -> PathBuf {
    match std::env::var_os("LOCKGATE_TEST_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "LOCKGATE_TEST_PYTHON is not set: this test drives real kubectl/Helm from the project venv; run `bash scripts/test.sh`"
        ),
    }
}

/// `kubectl` next to the venv python.
pub fn kubectl_bin() -> PathBuf {
    let py = python();
    let bin = py
        .parent()
        .map(|d| d.join("kubectl"))
        .unwrap_or_else(|| PathBuf::from("kubectl"));
    assert!(
        bin.exists(),
        "kubectl not found at {} (run `bash scripts/test.sh` to set up the venv)",
        bin.display()
    );
    bin
}

/// A running cluster with a kubeconfig written to a temporary directory.
pub struct Env {
    pub cluster: SimCluster,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

/// Starts a cluster on a free loopback port.
pub fn start(cfg: SimConfig) -> Env {
    let cluster = SimCluster::start_background("127.0.0.1:0".parse().unwrap(), cfg)
        .expect("simcluster starts");
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    cluster.write_kubeconfig(&kubeconfig).unwrap();
    Env {
        cluster,
        dir,
        kubeconfig,
    }
}

/// A TLS cluster (kubectl and Helm send bearer tokens only over HTTPS).
pub fn start_tls(mut cfg: SimConfig) -> Env {
    cfg.tls = true;
    start(cfg)
}

impl Env {
    /// Runs kubectl with this cluster's kubeconfig.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new(kubectl_bin())
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .output()
            .expect("kubectl runs")
    }

    /// Runs kubectl and returns stdout, failing the test (with stderr) on error.
    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Writes a manifest file and returns its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }

    /// Runs one Helm action through the support script; returns its JSON answer.
    pub fn helm(&self, namespace: &str, op: &str, args: Value) -> Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/helm_op.py");
        let out = Command::new(python())
            .arg(script)
            .arg(&self.kubeconfig)
            .arg(namespace)
            .arg(op)
            .arg(args.to_string())
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "helm_op.py {op} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "helm_op.py printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

/// Polls `f` until it returns `Some`, or panics naming `what` after `timeout`.
pub fn wait_for<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// A plain-HTTP response.
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_head(reader: &mut BufReader<TcpStream>) -> (u16, Vec<(String, String)>) {
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    (status, headers)
}

fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> BufReader<TcpStream> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    BufReader::new(s)
}

/// One request; reads the whole (possibly chunked) response.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Resp {
    let mut reader = send(addr, method, path, token, content_type, body);
    let (status, headers) = read_head(&mut reader);
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).unwrap();
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        reader.read_to_end(&mut body).unwrap();
    }
    Resp {
        status,
        headers,
        body,
    }
}

/// JSON request with the cluster's token.
pub fn api(env: &Env, method: &str, path: &str, body: Option<&Value>) -> Resp {
    let b = body.map(|b| b.to_string()).unwrap_or_default();
    http(
        env.cluster.addr(),
        method,
        path,
        Some(env.cluster.token()),
        "application/json",
        b.as_bytes(),
    )
}

/// A PATCH of the given content type with the cluster's token.
pub fn patch(env: &Env, path: &str, content_type: &str, body: &str) -> Resp {
    http(
        env.cluster.addr(),
        "PATCH",
        path,
        Some(env.cluster.token()),
        content_type,
        body.as_bytes(),
    )
}

/// An open watch stream: reads one event line at a time.
pub struct WatchStream {
    reader: BufReader<TcpStream>,
    pending: Vec<u8>,
}

impl WatchStream {
    /// Opens `path` (which must include `watch=true`).
    pub fn open(env: &Env, path: &str) -> (u16, WatchStream) {
        let mut reader = send(
            env.cluster.addr(),
            "GET",
            path,
            Some(env.cluster.token()),
            "application/json",
            b"",
        );
        let (status, _) = read_head(&mut reader);
        (
            status,
            WatchStream {
                reader,
                pending: Vec::new(),
            },
        )
    }

    /// The next event, or `None` when the server closed the stream.
    pub fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(pos) = self.pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=pos).collect();
                if line.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                return Some(serde_json::from_slice(&line).expect("watch line is JSON"));
            }
            let mut size = String::new();
            if self.reader.read_line(&mut size).ok()? == 0 {
                return None;
            }
            let n = usize::from_str_radix(size.trim(), 16).ok()?;
            if n == 0 {
                return None;
            }
            let mut chunk = vec![0; n + 2];
            self.reader.read_exact(&mut chunk).ok()?;
            self.pending.extend_from_slice(&chunk[..n]);
        }
    }
}

/// A fast cluster configuration for tests.
pub fn fast() -> SimConfig {
    SimConfig {
        time_scale: 0.02,
        ..SimConfig::default()
    }
}
