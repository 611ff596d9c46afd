//! Hostile and broken chart archives: each must be refused with a message that names
//! the entry and the problem, and a decompression bomb must fail fast.

mod common;

use common::{gzip, minimal, tar_bytes, tgz, Entry};
use lockgate_helm::chart::{load_archive_bytes, Limits};
use tar::EntryType;

fn err_of(bytes: &[u8]) -> String {
    err_with(bytes, &Limits::default())
}

fn err_with(bytes: &[u8], limits: &Limits) -> String {
    match load_archive_bytes(bytes, limits) {
        Ok(c) => panic!("archive loaded as {}", c.name()),
        Err(e) => e.to_string(),
    }
}

fn with(extra: Entry) -> Vec<u8> {
    let mut e = minimal("mini");
    e.push(extra);
    tgz(&e)
}

#[test]
fn a_well_formed_archive_loads() {
    let c = load_archive_bytes(&tgz(&minimal("mini")), &Limits::default()).unwrap();
    assert_eq!(c.name(), "mini");
    assert_eq!(c.templates.len(), 1);
}

#[test]
fn parent_directory_traversal_is_refused() {
    let e = err_of(&with(Entry::file("mini/../../etc/passwd", b"x")));
    assert!(e.contains("\"mini/../../etc/passwd\""), "{e}");
    assert!(e.contains("parent directory"), "{e}");
    let e = err_of(&with(Entry::file("mini/templates/../../x", b"x")));
    assert!(e.contains("parent directory"), "{e}");
}

#[test]
fn absolute_paths_are_refused() {
    let e = err_of(&with(Entry::file("/etc/passwd", b"x")));
    assert!(
        e.contains("\"/etc/passwd\"") && e.contains("absolute"),
        "{e}"
    );
    let e = err_of(&with(Entry::file("C:/evil", b"x")));
    assert!(e.contains("absolute"), "{e}");
}

#[test]
fn symlinks_and_hardlinks_are_refused() {
    let e = err_of(&with(Entry::kind(
        "mini/templates/link.yaml",
        EntryType::Symlink,
        Some("/etc/passwd"),
    )));
    assert!(
        e.contains("\"mini/templates/link.yaml\"") && e.contains("symbolic links"),
        "{e}"
    );
    let e = err_of(&with(Entry::kind(
        "mini/hard",
        EntryType::Link,
        Some("mini/Chart.yaml"),
    )));
    assert!(
        e.contains("\"mini/hard\"") && e.contains("hard links"),
        "{e}"
    );
}

#[test]
fn devices_and_fifos_are_refused() {
    let e = err_of(&with(Entry::kind("mini/dev", EntryType::Char, None)));
    assert!(e.contains("\"mini/dev\"") && e.contains("device"), "{e}");
    let e = err_of(&with(Entry::kind("mini/blk", EntryType::Block, None)));
    assert!(e.contains("device"), "{e}");
    let e = err_of(&with(Entry::kind("mini/fifo", EntryType::Fifo, None)));
    assert!(e.contains("FIFO"), "{e}");
}

#[test]
fn entries_outside_the_single_top_directory_are_refused() {
    let e = err_of(&with(Entry::file("other/values.yaml", b"x")));
    assert!(
        e.contains("\"other/values.yaml\"") && e.contains("top-level directory"),
        "{e}"
    );
    let e = err_of(&with(Entry::file("loose.txt", b"x")));
    assert!(
        e.contains("\"loose.txt\"") && e.contains("outside the base directory"),
        "{e}"
    );
    let e = err_of(&tgz(&[Entry::file("Chart.yaml", b"name: x\n")]));
    assert!(e.contains("chart yaml not in base directory"), "{e}");
}

#[test]
fn too_many_files_is_refused() {
    let mut entries = minimal("mini");
    for i in 0..20 {
        entries.push(Entry::file(&format!("mini/files/f{i}"), b"x"));
    }
    let limits = Limits {
        max_files: 10,
        ..Limits::default()
    };
    let e = err_with(&tgz(&entries), &limits);
    assert!(e.contains("more than the maximum of 10 files"), "{e}");
}

#[test]
fn a_file_over_the_per_file_limit_is_refused() {
    let limits = Limits {
        max_file_bytes: 1024,
        ..Limits::default()
    };
    let e = err_with(&with(Entry::file("mini/files/big", &[b'a'; 2048])), &limits);
    assert!(
        e.contains("\"mini/files/big\"") && e.contains("maximum file size 1024"),
        "{e}"
    );
}

#[test]
fn total_size_over_the_limit_is_refused() {
    let mut entries = minimal("mini");
    for i in 0..8 {
        entries.push(Entry::file(&format!("mini/files/f{i}"), &[b'a'; 1000]));
    }
    let limits = Limits {
        max_total_bytes: 4000,
        ..Limits::default()
    };
    let e = err_with(&tgz(&entries), &limits);
    assert!(
        e.contains("decompressed chart is larger than the maximum size 4000"),
        "{e}"
    );
}

#[test]
fn a_decompression_bomb_fails_fast() {
    // 1 GiB claimed in one entry over a stream of zeros: the header
    // size is refused before any of it is inflated.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    use std::io::Write;
    let mut head = tar_bytes(&[Entry {
        header_size: Some(1 << 30),
        ..Entry::file("bomb/files/zeros", b"")
    }]);
    head.truncate(512);
    enc.write_all(&head).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..16 {
        enc.write_all(&chunk).unwrap();
    }
    let bytes = enc.finish().unwrap();
    let t = std::time::Instant::now();
    let e = err_of(&bytes);
    assert!(e.contains("maximum"), "{e}");
    assert!(t.elapsed().as_secs() < 5, "took {:?}", t.elapsed());
}

#[test]
fn a_lying_small_header_over_a_huge_stream_is_capped() {
    // Many tiny entries whose padding hides a huge stream: the raw gzip stream is capped.
    let mut tar = tar_bytes(&minimal("mini"));
    tar.truncate(tar.len() - 1024);
    tar.extend(std::iter::repeat_n(0u8, 8 << 20));
    let limits = Limits {
        max_total_bytes: 1 << 20,
        max_files: 10,
        ..Limits::default()
    };
    // Trailing zero blocks end the archive: loading succeeds without reading them all,
    // or fails on the cap; either way it must not allocate the stream.
    let _ = load_archive_bytes(&gzip(&tar), &limits);
}

#[test]
fn truncated_gzip_is_refused() {
    let full = tgz(&minimal("mini"));
    let e = err_of(&full[..full.len() / 2]);
    assert!(
        e.contains("corrupt or truncated") || e.contains("truncated"),
        "{e}"
    );
}

#[test]
fn truncated_tar_is_refused() {
    let mut entries = minimal("mini");
    entries.push(Entry::file("mini/files/data", &[b'z'; 4000]));
    let mut tar = tar_bytes(&entries);
    let cut = tar.len() - 1024 - 3000;
    tar.truncate(cut);
    let e = err_of(&gzip(&tar));
    assert!(
        e.contains("\"mini/files/data\"") || e.contains("truncated"),
        "{e}"
    );
}

#[test]
fn non_gzip_data_is_refused() {
    let e = err_of(b"apiVersion: v2\nname: x\n");
    assert!(e.contains("not gzip"), "{e}");
    let e = err_of(&tar_bytes(&minimal("mini")));
    assert!(e.contains("not gzip"), "{e}");
}

#[test]
fn an_archive_without_chart_yaml_is_refused() {
    let e = err_of(&tgz(&[Entry::file("mini/values.yaml", b"a: 1\n")]));
    assert_eq!(e, "Chart.yaml file is missing");
    let e = err_of(&tgz(&[]));
    assert_eq!(e, "no files in chart archive");
}

#[test]
fn hostile_entries_in_a_nested_subchart_archive_are_refused() {
    let inner = tgz(&[
        Entry::file(
            "sub/Chart.yaml",
            b"apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        ),
        Entry::kind("sub/templates/x", EntryType::Symlink, Some("/etc/shadow")),
    ]);
    let e = err_of(&with(Entry::file("mini/charts/sub-0.1.0.tgz", &inner)));
    assert!(
        e.starts_with("error unpacking subchart sub-0.1.0.tgz in mini: "),
        "{e}"
    );
    assert!(e.contains("symbolic links"), "{e}");
}

#[test]
fn nested_archives_share_one_size_budget() {
    let big = vec![b'q'; 3000];
    let inner = tgz(&[
        Entry::file(
            "sub/Chart.yaml",
            b"apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        ),
        Entry::file("sub/files/big", &big),
    ]);
    let mut entries = minimal("mini");
    entries.push(Entry::file("mini/files/big", &big));
    entries.push(Entry::file("mini/charts/sub-0.1.0.tgz", &inner));
    let limits = Limits {
        max_total_bytes: 5000,
        ..Limits::default()
    };
    let e = err_with(&tgz(&entries), &limits);
    assert!(e.contains("maximum size 5000"), "{e}");
}

#[test]
fn windows_separators_and_bom_are_handled() {
    let entries = vec![
        Entry::file(
            "mini\\Chart.yaml",
            b"\xEF\xBB\xBFapiVersion: v2\nname: mini\nversion: 0.1.0\n",
        ),
        Entry::file("mini\\templates\\a.yaml", b"a"),
    ];
    let c = load_archive_bytes(&tgz(&entries), &Limits::default()).unwrap();
    assert_eq!(c.templates[0].name, "templates/a.yaml");
}
