//! `helm package` equivalence: layout under `NAME/`, `.helmignore` honoured,
//! version/appVersion overrides, byte-for-byte reproducibility, and a round trip
//! through the loader giving back the source chart.

mod common;

use common::{copy_tree, fixture, scratch};
use lockgate_helm::chart::{self, load, load_dir};
use lockgate_helm::package::{package, PackageOptions};

fn entry_names(tgz: &std::path::Path) -> Vec<(String, u32, u64, u64)> {
    let f = std::fs::File::open(tgz).unwrap();
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
    a.entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let h = e.header();
            (
                e.path().unwrap().to_string_lossy().into_owned(),
                h.mode().unwrap(),
                h.mtime().unwrap(),
                h.uid().unwrap(),
            )
        })
        .collect()
}

#[test]
fn package_lays_out_entries_like_helm() {
    let out = scratch("pkg-layout");
    let p = package(
        &fixture("basic"),
        &PackageOptions {
            dest: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(p, out.join("basic-0.3.0.tgz"));
    let names: Vec<String> = entry_names(&p).into_iter().map(|e| e.0).collect();
    assert_eq!(
        names,
        [
            "basic/Chart.yaml",
            "basic/values.yaml",
            "basic/values.schema.json",
            "basic/templates/NOTES.txt",
            "basic/templates/_helpers.tpl",
            "basic/templates/configmap.yaml",
            "basic/.helmignore",
            "basic/README.md",
            "basic/crds/widget.yaml",
            "basic/files/config.json",
            "basic/files/sub/n.txt",
            "basic/charts/sub/Chart.yaml",
            "basic/charts/sub/values.yaml",
            "basic/charts/sub/templates/svc.yaml",
        ]
    );
    for (_, mode, mtime, uid) in entry_names(&p) {
        assert_eq!((mode, uid), (0o644, 0));
        let want = lockgate_helm::package::source_date_epoch();
        assert_eq!(mtime, want);
    }
}

#[test]
fn package_is_reproducible() {
    let a = scratch("pkg-a");
    let b = scratch("pkg-b");
    let pa = package(
        &fixture("basic"),
        &PackageOptions {
            dest: a,
            ..Default::default()
        },
    )
    .unwrap();
    // A copy has other inode times and paths: the bytes must not change.
    let src = scratch("pkg-src");
    copy_tree(&fixture("basic"), &src);
    let pb = package(
        &src,
        &PackageOptions {
            dest: b,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(std::fs::read(pa).unwrap(), std::fs::read(pb).unwrap());
}

#[test]
fn package_round_trips_through_the_loader() {
    let out = scratch("pkg-rt");
    let p = package(
        &fixture("basic"),
        &PackageOptions {
            dest: out,
            ..Default::default()
        },
    )
    .unwrap();
    let src = load_dir(&fixture("basic")).unwrap();
    let back = load(&p).unwrap();
    assert_eq!(back.metadata.to_value(), src.metadata.to_value());
    assert_eq!(back.files, src.files);
    assert_eq!(back.templates, src.templates);
    assert_eq!(back.values, src.values);
    assert_eq!(back.raw_values, src.raw_values);
    assert_eq!(back.schema, src.schema);
    assert_eq!(back.dependencies.len(), 1);
    assert_eq!(
        back.dependencies[0].templates,
        src.dependencies[0].templates
    );
}

#[test]
fn version_overrides_are_applied_and_checked() {
    let out = scratch("pkg-ver");
    let opts = PackageOptions {
        version: Some("1.2.3-rc.1".into()),
        app_version: Some("2.0".into()),
        dest: out.clone(),
    };
    let p = package(&fixture("basic"), &opts).unwrap();
    assert_eq!(p, out.join("basic-1.2.3-rc.1.tgz"));
    let c = load(&p).unwrap();
    assert_eq!(c.metadata.version, "1.2.3-rc.1");
    assert_eq!(c.metadata.app_version, "2.0");
    let bad = PackageOptions {
        version: Some("nope".into()),
        ..opts
    };
    assert_eq!(
        package(&fixture("basic"), &bad).unwrap_err().to_string(),
        "invalid semantic version"
    );
}

#[test]
fn missing_dependencies_stop_packaging() {
    let d = scratch("pkg-missing");
    copy_tree(&fixture("basic"), &d);
    std::fs::remove_dir_all(d.join("charts/sub")).unwrap();
    let e = package(
        &d,
        &PackageOptions {
            dest: scratch("pkg-missing-out"),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "found in Chart.yaml, but missing in charts/ directory: sub"
    );
}

#[test]
fn v1_charts_keep_requirements_files() {
    let out = scratch("pkg-v1");
    let p = package(
        &fixture("legacy"),
        &PackageOptions {
            dest: out,
            ..Default::default()
        },
    )
    .unwrap();
    let names: Vec<String> = entry_names(&p).into_iter().map(|e| e.0).collect();
    assert_eq!(
        names,
        [
            "legacy/Chart.yaml",
            "legacy/templates/list.yaml",
            "legacy/requirements.lock",
            "legacy/requirements.yaml",
            "legacy/charts/dep/Chart.yaml"
        ]
    );
    let c: chart::Chart = load(&p).unwrap();
    assert_eq!(c.metadata.dependencies.len(), 1);
    if let Ok(dir) = std::env::var("LOCKGATE_KEEP_PACKAGES") {
        let basic = package(
            &fixture("basic"),
            &PackageOptions {
                dest: dir.clone().into(),
                ..Default::default()
            },
        )
        .unwrap();
        let legacy = package(
            &fixture("legacy"),
            &PackageOptions {
                dest: dir.into(),
                ..Default::default()
            },
        )
        .unwrap();
        eprintln!("kept {} {}", basic.display(), legacy.display());
    }
}
