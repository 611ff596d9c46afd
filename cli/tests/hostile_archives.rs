//! Hostile chart archives fail fast with a message that names the problem: path
//! traversal, absolute paths, links, decompression bombs, truncated or non-gzip files,
//! archives that are not charts.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const CHART_YAML: &[u8] = b"apiVersion: v2\nname: x\nversion: 0.1.0\n";

/// Tar entries written with raw headers so hostile names survive.
fn tar(entries: &[(&str, tar::EntryType, &[u8], Option<&str>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, data, link) in entries {
        let mut h = tar::Header::new_old();
        {
            let raw = h.as_old_mut();
            raw.name[..name.len()].copy_from_slice(name.as_bytes());
            if let Some(l) = link {
                raw.linkname[..l.len()].copy_from_slice(l.as_bytes());
            }
        }
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn template(dir: &Path, name: &str, bytes: &[u8]) -> (bool, String, Duration) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let t0 = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .arg("template")
        .arg(&path)
        .output()
        .expect("run lockgate");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        t0.elapsed(),
    )
}

fn refused(name: &str, bytes: &[u8], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (ok, err, _) = template(dir.path(), name, bytes);
    assert!(!ok, "{name} was accepted");
    assert!(
        err.contains(name),
        "{name}: message does not name the file: {err}"
    );
    assert!(err.contains(needle), "{name}: expected {needle:?} in {err}");
}

use tar::EntryType as T;

#[test]
fn path_traversal_is_refused() {
    let a = gz(&tar(&[
        ("x/Chart.yaml", T::Regular, CHART_YAML, None),
        ("x/../../etc/evil", T::Regular, b"a", None),
    ]));
    refused("traversal.tgz", &a, "x/../../etc/evil");
}

#[test]
fn absolute_paths_are_refused() {
    let a = gz(&tar(&[
        ("x/Chart.yaml", T::Regular, CHART_YAML, None),
        ("/etc/evil", T::Regular, b"a", None),
    ]));
    refused("absolute.tgz", &a, "/etc/evil");
}

#[test]
fn symlinks_are_refused() {
    let a = gz(&tar(&[
        ("x/Chart.yaml", T::Regular, CHART_YAML, None),
        ("x/templates/a.yaml", T::Symlink, b"", Some("/etc/passwd")),
    ]));
    refused("symlink.tgz", &a, "symbolic links are not allowed");
}

#[test]
fn hardlinks_are_refused() {
    let a = gz(&tar(&[
        ("x/Chart.yaml", T::Regular, CHART_YAML, None),
        ("x/templates/a.yaml", T::Link, b"", Some("x/Chart.yaml")),
    ]));
    refused("hardlink.tgz", &a, "x/templates/a.yaml");
}

#[test]
fn a_decompression_bomb_fails_fast() {
    // 300 MiB of zeros compress to a few hundred KiB
    let zeros = vec![0u8; 300 * 1024 * 1024];
    let a = gz(&tar(&[
        ("x/Chart.yaml", T::Regular, CHART_YAML, None),
        ("x/big", T::Regular, &zeros, None),
    ]));
    drop(zeros);
    let dir = tempfile::tempdir().unwrap();
    let (ok, err, took) = template(dir.path(), "bomb.tgz", &a);
    assert!(!ok);
    assert!(err.contains("larger than the maximum size"), "{err}");
    // stops at the limit instead of inflating everything: well under the time to
    // inflate 300 MiB in a debug-free release binary on a loaded machine
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn truncated_gzip_is_refused() {
    let a = gz(&tar(&[
        ("x/Chart.yaml", T::Regular, CHART_YAML, None),
        ("x/values.yaml", T::Regular, &[b'a'; 4096], None),
    ]));
    refused("truncated.tgz", &a[..a.len() / 2], "corrupt or truncated");
}

#[test]
fn non_gzip_data_is_refused() {
    refused(
        "notgzip.tgz",
        b"this is not a gzip stream",
        "does not appear to be a gzipped archive",
    );
}

#[test]
fn an_archive_that_is_not_a_chart_is_refused() {
    let a = gz(&tar(&[("x/values.yaml", T::Regular, b"a: 1\n", None)]));
    refused("notachart.tgz", &a, "Chart.yaml file is missing");
}
