//! Helpers shared by the CLI's integration tests.

use std::path::Path;
use std::process::Command;

/// The `lockgate` binary under test.
pub fn lockgate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lockgate"))
}

/// `lockgate push-image hello 1.0.0 --by U0DEVELOPER --state STATE`: the demo app's
/// image push, announced by a developer.
#[allow(dead_code)] // not every test binary pushes
pub fn push_hello(state: &Path) -> Command {
    let mut cmd = lockgate();
    cmd.args([
        "push-image",
        "hello",
        "1.0.0",
        "--by",
        "U0DEVELOPER",
        "--state",
    ])
    .arg(state);
    cmd
}

/// `(revision, status)` of every revision of `release` in `ns`, as `lockgate history -o json` reports them.
pub fn revisions(kubeconfig: &Path, release: &str, ns: &str) -> Vec<(i64, String)> {
    let out = lockgate()
        .args(["history", release, "-n", ns, "-o", "json", "--kubeconfig"])
        .arg(kubeconfig)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    rows.iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Copies the directory tree `from` to `to`.
#[allow(dead_code)] // not every test binary copies
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}
