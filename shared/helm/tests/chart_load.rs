//! Loading the fixture charts as Helm v4 loads them (expectations taken from real Helm
//! v4.2.3 on the same fixtures): `.helmignore`, file sorting, values, metadata, the
//! `.Chart` object, subcharts, and apiVersion v1 requirements files.

mod common;

use common::{copy_tree, fixture, scratch};
use lockgate_helm::chart::{self, load, load_dir};
use lockgate_helm::Value;

fn names(files: &[chart::File]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn basic_chart_sorts_files_like_helm() {
    let c = load_dir(&fixture("basic")).unwrap();
    assert_eq!(
        names(&c.files),
        [
            ".helmignore",
            "README.md",
            "crds/widget.yaml",
            "files/config.json",
            "files/sub/n.txt"
        ]
    );
    assert_eq!(
        names(&c.templates),
        [
            "templates/NOTES.txt",
            "templates/_helpers.tpl",
            "templates/configmap.yaml"
        ]
    );
    assert!(c.schema.is_some());
    assert_eq!(c.crd_files().count(), 1);
    assert_eq!(c.path, "basic");
}

#[test]
fn basic_metadata_matches_helm() {
    let c = load(&fixture("basic")).unwrap();
    let m = &c.metadata;
    assert_eq!(m.app_version, "1.1");
    assert_eq!(m.description, "A test chart on two lines ");
    assert_eq!(m.keywords, ["test", "42"]);
    assert_eq!(m.annotations["count"], "3");
    assert_eq!(m.kube_version, ">=1.20.0-0");
    assert_eq!(m.maintainers[0].url, "https://ada.example.com");
    let d = &m.dependencies[0];
    assert_eq!(
        (d.name.as_str(), d.condition.as_str()),
        ("sub", "sub.enabled")
    );
    assert_eq!(d.tags, ["backend"]);
    assert_eq!(d.import_values.len(), 2);
    assert!(m.raw.get("dependencies").is_some());
}

#[test]
fn chart_object_has_go_field_names() {
    let c = load_dir(&fixture("basic")).unwrap();
    let v = c.metadata.to_value();
    assert_eq!(v.get("AppVersion"), Some(Value::str("1.1")));
    assert_eq!(v.get("APIVersion"), Some(Value::str("v2")));
    assert_eq!(v.get("Type"), Some(Value::str("application")));
    let kw = v.get("Keywords").unwrap();
    assert_eq!(kw.as_list().unwrap().len(), 2);
    let deps = v.get("Dependencies").unwrap();
    let d0 = &deps.as_list().unwrap()[0];
    assert_eq!(d0.get("Repository"), Some(Value::str("file://charts/sub")));
    assert_eq!(d0.get("Enabled"), Some(Value::Bool(false)));
    let mts = v.get("Maintainers").unwrap();
    let mt = &mts.as_list().unwrap()[0];
    assert_eq!(mt.get("Email"), Some(Value::str("ada@example.com")));
}

#[test]
fn multi_document_values_are_merged() {
    let c = load_dir(&fixture("basic")).unwrap();
    let img = c.values.get("image").unwrap();
    assert_eq!(img.get("repository"), Some(Value::str("nginx")));
    assert_eq!(img.get("pullPolicy"), Some(Value::str("IfNotPresent")));
    assert_eq!(c.values.get("replicas"), Some(Value::Float(1.0)));
    assert!(c
        .raw_values
        .as_ref()
        .unwrap()
        .starts_with(b"# default values"));
}

#[test]
fn subchart_directories_load_with_their_path() {
    let c = load_dir(&fixture("basic")).unwrap();
    assert_eq!(c.dependencies.len(), 1);
    let sub = &c.dependencies[0];
    assert_eq!(sub.name(), "sub");
    assert_eq!(sub.path, "basic/charts/sub");
    assert_eq!(names(&sub.templates), ["templates/svc.yaml"]);
}

#[test]
fn legacy_v1_chart_reads_requirements() {
    let c = load_dir(&fixture("legacy")).unwrap();
    assert_eq!(c.metadata.api_version, "v1");
    assert_eq!(
        c.metadata.dependencies[0].repository,
        "https://charts.example.com"
    );
    assert_eq!(names(&c.files), ["requirements.lock", "requirements.yaml"]);
    assert!(c.lock.is_some());
    assert!(c.values.as_map().unwrap().borrow().is_empty());
}

#[test]
fn missing_chart_yaml_and_validation_errors_use_helm_words() {
    let d = scratch("nochart");
    std::fs::write(d.join("values.yaml"), "a: 1\n").unwrap();
    assert_eq!(
        load_dir(&d).unwrap_err().to_string(),
        "Chart.yaml file is missing"
    );
    std::fs::write(d.join("Chart.yaml"), "apiVersion: v2\nversion: 1.0.0\n").unwrap();
    assert_eq!(
        load_dir(&d).unwrap_err().to_string(),
        "validation: chart.metadata.name is required"
    );
    std::fs::write(
        d.join("Chart.yaml"),
        "apiVersion: v2\nname: x\nversion: 1.0.0\ndeprecated: \"yes\"\n",
    )
    .unwrap();
    assert_eq!(
        load_dir(&d).unwrap_err().to_string(),
        "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field Metadata.deprecated of type bool"
    );
}

#[test]
fn stray_files_in_charts_dir_fail_like_helm() {
    let d = scratch("stray");
    copy_tree(&fixture("basic"), &d);
    std::fs::write(d.join("charts/README.md"), "x").unwrap();
    std::fs::write(d.join("charts/sub-0.1.0.tgz.prov"), "sig").unwrap();
    std::fs::create_dir_all(d.join("charts/_skipped")).unwrap();
    std::fs::write(d.join("charts/_skipped/x"), "x").unwrap();
    let e = load_dir(&d).unwrap_err().to_string();
    assert_eq!(
        e,
        "error unpacking subchart README.md in basic: Chart.yaml file is missing"
    );
    std::fs::remove_file(d.join("charts/README.md")).unwrap();
    let c = load_dir(&d).unwrap();
    assert!(names(&c.files).contains(&"charts/sub-0.1.0.tgz.prov"));
}

#[test]
fn archive_subcharts_load_recursively() {
    let d = scratch("tgzsub");
    copy_tree(&fixture("basic"), &d);
    let sub = d.join("charts/sub");
    let out = scratch("tgzsub-out");
    let p = lockgate_helm::package::package(
        &sub,
        &lockgate_helm::package::PackageOptions {
            dest: out.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    std::fs::remove_dir_all(&sub).unwrap();
    std::fs::copy(&p, d.join("charts/sub-0.1.0.tgz")).unwrap();
    let c = load_dir(&d).unwrap();
    assert_eq!(c.dependencies[0].name(), "sub");
    assert_eq!(c.dependencies[0].path, "basic/charts/sub");
    assert_eq!(
        c.dependencies[0].values.get("enabled"),
        Some(Value::Bool(true))
    );
}

#[test]
fn helmignore_rules_apply_and_bad_rules_fail() {
    let d = scratch("ignore");
    copy_tree(&fixture("basic"), &d);
    std::fs::write(d.join(".helmignore"), "a/**/b\n").unwrap();
    assert_eq!(
        load_dir(&d).unwrap_err().to_string(),
        "double-star (**) syntax is not supported"
    );
    std::fs::write(d.join(".helmignore"), "README.md\nfiles/\n.helmignore\n").unwrap();
    let c = load_dir(&d).unwrap();
    assert_eq!(
        names(&c.files),
        ["ci/values.yaml", "crds/widget.yaml", "docs/guide.md"]
    );
}

#[cfg(unix)]
#[test]
fn directory_symlinks_are_followed_like_helm() {
    let d = scratch("symlink");
    copy_tree(&fixture("basic"), &d);
    let target = scratch("symlink-target");
    std::fs::write(target.join("extra.txt"), "x").unwrap();
    std::os::unix::fs::symlink(&target, d.join("linked")).unwrap();
    let c = load_dir(&d).unwrap();
    assert!(names(&c.files).contains(&"linked/extra.txt"));
    std::os::unix::fs::symlink(&d, d.join("loop")).unwrap();
    assert!(load_dir(&d)
        .unwrap_err()
        .to_string()
        .contains("symbolic link loop"));
}

#[test]
fn loading_a_non_archive_file_explains_itself() {
    let e = load(&fixture("basic").join("values.yaml"))
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("seems to be a YAML file, but expected a gzipped archive"),
        "{e}"
    );
    let e = load(&fixture("basic").join("README.md"))
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("does not appear to be a gzipped archive; got 'text/plain; charset=utf-8'"),
        "{e}"
    );
    let e = load(&fixture("nope")).unwrap_err().to_string();
    assert!(
        e.starts_with("stat ") && e.ends_with("no such file or directory"),
        "{e}"
    );
}
