//! `lockgate repo index` writes an index.yaml that lists every packaged chart with its
//! digest, and `--merge` keeps the entries of an existing index.

use std::process::Command;

fn lockgate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(args)
        .output()
        .expect("run lockgate")
}

#[test]
fn index_lists_packages_with_digests_and_urls() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for v in ["1.0.0", "1.1.0"] {
        let out = lockgate(&[
            "package",
            "shared/helm/tests/charts/webapp",
            "--version",
            v,
            "-d",
            d,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = lockgate(&["repo", "index", d, "--url", "https://charts.example.com"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = std::fs::read_to_string(dir.path().join("index.yaml")).unwrap();
    assert!(index.starts_with("apiVersion: v1\n"), "{index}");
    assert!(
        index.contains("https://charts.example.com/webapp-1.1.0.tgz"),
        "{index}"
    );
    // newest first, as Helm sorts
    let (a, b) = (
        index.find("version: 1.1.0").unwrap(),
        index.find("version: 1.0.0").unwrap(),
    );
    assert!(a < b, "{index}");
    let tgz = std::fs::read(dir.path().join("webapp-1.0.0.tgz")).unwrap();
    use sha2::Digest as _;
    let digest = hex::encode(sha2::Sha256::digest(&tgz));
    assert!(index.contains(&format!("digest: {digest}")), "{index}");
}

#[test]
fn merge_keeps_existing_entries() {
    let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (o, n) = (old.path().to_str().unwrap(), new.path().to_str().unwrap());
    assert!(lockgate(&[
        "package",
        "shared/helm/tests/charts/webapp",
        "--version",
        "0.9.0",
        "-d",
        o
    ])
    .status
    .success());
    assert!(lockgate(&["repo", "index", o]).status.success());
    assert!(lockgate(&[
        "package",
        "shared/helm/tests/charts/webapp",
        "--version",
        "2.0.0",
        "-d",
        n
    ])
    .status
    .success());
    let merge = format!("{o}/index.yaml");
    let out = lockgate(&["repo", "index", n, "--merge", &merge]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = std::fs::read_to_string(new.path().join("index.yaml")).unwrap();
    assert!(
        index.contains("version: 2.0.0") && index.contains("version: 0.9.0"),
        "{index}"
    );
}
