//! `lockgate package` writes the same bytes for the same input, and real Helm v4 loads
//! the archive and renders it exactly as it renders the source directory (and as
//! lockgate renders it).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn lockgate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("run lockgate")
}

fn package_into(dir: &Path) -> PathBuf {
    let out = lockgate(&[
        "package",
        "shared/helm/tests/charts/webapp",
        "-d",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tgz = dir.join("webapp-1.2.3.tgz");
    assert!(
        tgz.exists(),
        "package wrote {}",
        String::from_utf8_lossy(&out.stdout)
    );
    tgz
}

#[test]
fn packaging_twice_gives_identical_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = std::fs::read(package_into(a.path())).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = std::fs::read(package_into(b.path())).unwrap();
    assert_eq!(first, second);
}

#[test]
fn version_flags_set_the_archive_name_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let out = lockgate(&[
        "package",
        "shared/helm/tests/charts/webapp",
        "--version",
        "2.0.0-rc.1",
        "--app-version",
        "sha-abc123",
        "-d",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tgz = dir.path().join("webapp-2.0.0-rc.1.tgz");
    let rendered = lockgate(&["template", tgz.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&rendered.stdout);
    assert!(text.contains("helm.sh/chart: webapp-2.0.0-rc.1"), "{text}");
    assert!(
        text.contains("app.kubernetes.io/version: \"sha-abc123\""),
        "{text}"
    );
}

#[test]
fn a_bad_version_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = lockgate(&[
        "package",
        "shared/helm/tests/charts/webapp",
        "--version",
        "latest",
        "-d",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("latest"), "{err}");
}

fn helm_render(python: &str, chart: &Path) -> serde_json::Value {
    let out = Command::new(python)
        .arg(root().join("cli/tests/support/helm_render.py"))
        .arg(chart)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "helm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn real_helm_loads_the_package_and_renders_it_like_the_directory() {
    let python = std::env::var("LOCKGATE_TEST_PYTHON").expect(
        "LOCKGATE_TEST_PYTHON must name the venv python with helm-python-sdk: run scripts/test.sh",
    );
    let dir = tempfile::tempdir().unwrap();
    let tgz = package_into(dir.path());
    let from_archive = helm_render(&python, &tgz);
    let from_dir = helm_render(&python, &root().join("shared/helm/tests/charts/webapp"));
    assert_eq!(from_archive["raw"], from_dir["raw"]);
    assert_eq!(from_archive["metadata"]["version"], "1.2.3");
    let ours = lockgate(&["template", tgz.to_str().unwrap(), "-o", "raw-json"]);
    assert!(ours.status.success());
    let ours: serde_json::Value = serde_json::from_slice(&ours.stdout).unwrap();
    assert_eq!(ours["raw"], from_archive["raw"]);
}
