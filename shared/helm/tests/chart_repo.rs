//! `helm repo index` equivalence: entries from packaged charts (nested directories
//! too, non-charts skipped), URLs, digests, `--merge` keeping versions the directory
//! lacks, newest-first order, and the YAML text Helm writes.

mod common;

use common::{fixture, scratch};
use lockgate_helm::chart::load_dir;
use lockgate_helm::package::save;
use lockgate_helm::repo::{self, IndexFile, Time};

fn now() -> Time {
    chrono::DateTime::parse_from_rfc3339("2024-05-06T07:08:09.123456789Z").unwrap()
}

const OLD: &str = r#"apiVersion: v1
entries:
  basic:
  - apiVersion: v2
    created: "2016-10-06T16:23:20.499814565-06:00"
    digest: olddigest
    name: basic
    urls:
    - https://old.example.com/basic-0.3.0.tgz
    version: 0.3.0
  - apiVersion: v2
    created: "2016-10-06T16:23:20.5-06:00"
    digest: olddigest2
    name: basic
    urls:
    - https://old.example.com/basic-0.2.0.tgz
    version: 0.2.0
generated: "2016-10-06T16:23:20.499029981-06:00"
"#;

/// What real Helm v4.2.3 wrote for the same directory (times replaced by `now()`).
const EXPECTED: &str = include_str!("charts/repo-index-expected.yaml");

fn repo_dir() -> std::path::PathBuf {
    let d = scratch("repo");
    std::fs::create_dir_all(d.join("nested")).unwrap();
    // Epoch mtimes whatever SOURCE_DATE_EPOCH says, so the digests are fixed.
    let mut basic = load_dir(&fixture("basic")).unwrap();
    save(&mut basic, &d, 0).unwrap();
    let mut legacy = load_dir(&fixture("legacy")).unwrap();
    save(&mut legacy, &d.join("nested"), 0).unwrap();
    std::fs::write(d.join("junk.tgz"), "not a chart").unwrap();
    d
}

#[test]
fn repo_index_with_merge_writes_what_helm_writes() {
    let d = repo_dir();
    let idx = repo::repo_index(
        &d,
        "https://charts.example.com/x",
        Some(OLD.as_bytes()),
        now(),
    )
    .unwrap();
    let text = idx.to_yaml().unwrap();
    if let Ok(p) = std::env::var("LOCKGATE_KEEP_INDEX") {
        std::fs::write(p, &text).unwrap();
    }
    assert_eq!(text, EXPECTED);
}

#[test]
fn written_index_reads_back_identically() {
    let d = repo_dir();
    let idx = repo::repo_index(&d, "", None, now()).unwrap();
    let text = idx.to_yaml().unwrap();
    let back = IndexFile::parse(text.as_bytes()).unwrap();
    assert_eq!(back.to_yaml().unwrap(), text);
    assert_eq!(back.entries["basic"][0].urls, ["basic-0.3.0.tgz"]);
    assert_eq!(back.entries["legacy"][0].urls, ["nested/legacy-1.0.0.tgz"]);
    let digest = repo::digest_file(&d.join("basic-0.3.0.tgz")).unwrap();
    assert_eq!(back.entries["basic"][0].digest, digest);
    assert_eq!(digest.len(), 64);
}

#[test]
fn json_indexes_are_read_too() {
    let json = r#"{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"1.0.0","urls":["a-1.0.0.tgz"],"created":"2020-01-01T00:00:00Z","extra":1}]},"generated":"2020-01-01T00:00:00Z"}"#;
    let idx = IndexFile::parse(json.as_bytes()).unwrap();
    assert_eq!(idx.entries["a"][0].metadata.api_version, "v1");
}
