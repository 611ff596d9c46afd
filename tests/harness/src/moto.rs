//! A moto server (the real AWS wire protocols: S3, SQS, ECR, Secrets Manager, ...) on a
//! free loopback port, from the project venv named by `LOCKGATE_TEST_PYTHON`; killed
//! when the guard drops. Tests build their SDK clients against [`Moto::endpoint`].

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The region moto's resources are made in by the tests.
pub const REGION: &str = "us-east-1";

/// moto's account id.
pub const ACCOUNT: &str = "123456789012";

/// moto's own server, one request at a time: moto checks `If-Match` and
/// `If-None-Match` and then writes without a lock, so under load two concurrent
/// conditional writes can both pass (S3 itself is atomic). Tests of concurrent
/// compare-and-swap writers use this form.
const SERIAL_MOTO: &str = "
import os, sys
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault('MOTO_PORT', str(port))
run_simple(host, port, DomainDispatcherApplication(create_backend_app), threaded=False, request_handler=MotoRequestHandler)
";

/// The venv python named by `LOCKGATE_TEST_PYTHON`.
fn python() -> PathBuf {
    match std::env::var_os("LOCKGATE_TEST_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "LOCKGATE_TEST_PYTHON is not set: these tests run the AWS adapters against moto from the project venv; run `bash scripts/test.sh`"
        ),
    }
}

/// `moto_server` next to the venv python.
fn moto_server_bin() -> PathBuf {
    let bin = python()
        .parent()
        .map(|d| d.join("moto_server"))
        .unwrap_or_else(|| PathBuf::from("moto_server"));
    assert!(
        bin.exists(),
        "moto_server not found at {} (install moto[server] in the venv: run `bash scripts/test.sh`)",
        bin.display()
    );
    bin
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running moto server; killed on drop.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
}

impl Moto {
    /// Starts `moto_server` on a free port and waits until it accepts connections.
    pub fn start() -> Moto {
        let bin = moto_server_bin();
        Self::spawn(|port| {
            let mut c = Command::new(&bin);
            c.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
            c
        })
    }

    /// Starts moto serving one request at a time (see [`SERIAL_MOTO`]): for tests of
    /// concurrent conditional writers.
    pub fn start_serial() -> Moto {
        let python = python();
        Self::spawn(|port| {
            let mut c = Command::new(&python);
            c.args(["-c", SERIAL_MOTO, "127.0.0.1", &port.to_string()]);
            c
        })
    }

    fn spawn(command: impl Fn(u16) -> Command) -> Moto {
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let mut child = command(port)
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting moto: {e}"));
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!("moto_server exited with {status} (port {port} taken?)");
                    break;
                }
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Moto {
                        child,
                        endpoint: format!("http://{addr}"),
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
            if last.is_empty() {
                last = format!("moto_server did not listen on {addr} within 30 s");
            }
        }
        panic!("{last}");
    }
}

impl Moto {
    /// Environment variables pointing an AWS SDK (a function process) at this server.
    pub fn sdk_env(&self) -> Vec<(String, String)> {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_REGION", REGION),
            ("AWS_DEFAULT_REGION", REGION),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// POSTs `body` (JSON) to moto's own API at `path` (e.g. to configure canned
    /// results); panics unless moto answers 2xx.
    pub fn post_moto_api(&self, path: &str, body: &str) {
        use std::io::{Read, Write};
        let addr = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).expect("connect to moto");
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("write request");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read answer");
        let status = answer.split_whitespace().nth(1).unwrap_or_default();
        assert!(
            status.starts_with('2'),
            "moto API {path} answered: {answer}"
        );
    }
}
