//! Helpers shared by the integration tests: scratch directories, fixture paths, raw
//! tar/gzip builders that can write entries a well-behaved tool never would, and the
//! report of a replay of recorded Helm fixtures.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh empty scratch directory.
pub fn scratch(tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let p = std::env::temp_dir().join(format!("lockgate-chart-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// A fixture chart under `tests/charts/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/charts")
        .join(name)
}

/// Copies a directory tree.
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// One raw tar entry.
pub struct Entry {
    pub name: String,
    pub kind: tar::EntryType,
    pub data: Vec<u8>,
    pub link: Option<String>,
    /// Size written in the header (defaults to the data length).
    pub header_size: Option<u64>,
}

impl Entry {
    pub fn file(name: &str, data: &[u8]) -> Entry {
        Entry {
            name: name.into(),
            kind: tar::EntryType::Regular,
            data: data.to_vec(),
            link: None,
            header_size: None,
        }
    }
    pub fn kind(name: &str, kind: tar::EntryType, link: Option<&str>) -> Entry {
        Entry {
            name: name.into(),
            kind,
            data: Vec::new(),
            link: link.map(String::from),
            header_size: None,
        }
    }
}

/// Tar bytes with names written verbatim (no sanitising).
pub fn tar_bytes(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let mut h = tar::Header::new_old();
        {
            let old = h.as_old_mut();
            let nb = e.name.as_bytes();
            assert!(nb.len() < 100, "test names must be short");
            old.name[..nb.len()].copy_from_slice(nb);
            if let Some(l) = &e.link {
                old.linkname[..l.len()].copy_from_slice(l.as_bytes());
            }
        }
        h.set_mode(0o644);
        h.set_entry_type(e.kind);
        h.set_size(e.header_size.unwrap_or(e.data.len() as u64));
        h.set_mtime(0);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(&e.data);
        let pad = (512 - e.data.len() % 512) % 512;
        out.extend(std::iter::repeat_n(0u8, pad));
    }
    out.extend(std::iter::repeat_n(0u8, 1024));
    out
}

/// Gzip-compresses bytes.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// A gzipped tar of the entries.
pub fn tgz(entries: &[Entry]) -> Vec<u8> {
    gzip(&tar_bytes(entries))
}

/// A minimal valid chart's entries under `top/`.
pub fn minimal(top: &str) -> Vec<Entry> {
    vec![
        Entry::file(
            &format!("{top}/Chart.yaml"),
            b"apiVersion: v2\nname: mini\nversion: 0.1.0\n",
        ),
        Entry::file(&format!("{top}/values.yaml"), b"a: 1\n"),
        Entry::file(&format!("{top}/templates/cm.yaml"), b"kind: ConfigMap\n"),
    ]
}

/// Ends a replay of recorded Helm cases: panics listing every case that differs.
pub fn assert_no_failures(failures: &[String], total: usize) {
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        total,
        failures.join("\n")
    );
}
