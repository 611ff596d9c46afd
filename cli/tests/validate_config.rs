//! `lockgate validate-config`: a valid file prints a one-line summary; a broken one
//! prints every problem with its path and exits 1.

use std::path::Path;
use std::process::Command;

fn lockgate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .args(args)
        .output()
        .expect("runs lockgate")
}

fn core_file(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/core")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn valid_config_prints_counts_and_exits_zero() {
    let out = lockgate(&["validate-config", &core_file("examples/lockgate.yaml")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "ok: 1 apps, 2 environments\n"
    );
}

#[test]
fn broken_config_prints_every_error_and_exits_one() {
    let file = core_file("tests/configs/bad/02-unknown-keys.yaml");
    let expected = std::fs::read_to_string(core_file("tests/configs/bad/02-unknown-keys.expected"))
        .expect("expected errors");
    let out = lockgate(&["validate-config", &file]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), expected);
    assert!(out.stdout.is_empty());
}

#[test]
fn missing_file_is_named_in_the_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope.yaml");
    let out = lockgate(&["validate-config", &missing.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.yaml"));
}
