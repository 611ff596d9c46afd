//! `lockgate lint` reports what `helm lint` reports for the rules that matter, and fails
//! a broken chart with messages that name the file.

use std::path::Path;
use std::process::Command;

fn lint(chart: &Path, extra: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .arg("lint")
        .arg(chart)
        .args(extra)
        .output()
        .expect("run lockgate");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn chart(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn a_good_chart_passes_with_advice_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/helm/tests/charts/webapp");
    let (ok, out) = lint(&root, &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("[INFO] Chart.yaml: icon is recommended"),
        "{out}"
    );
    assert!(
        out.contains("1 chart(s) linted, 0 chart(s) failed"),
        "{out}"
    );
}

#[test]
fn chart_yaml_problems_are_errors() {
    let dir = chart(&[
        ("Chart.yaml", "apiVersion: v3\nname: demo\nversion: one\n"),
        (
            "templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n",
        ),
    ]);
    let (ok, out) = lint(dir.path(), &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("[ERROR] Chart.yaml"), "{out}");
}

#[test]
fn objects_without_kind_or_with_bad_names_are_errors() {
    let dir = chart(&[
        ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
        ("values.yaml", "name: Not_Valid\n"),
        (
            "templates/a.yaml",
            "apiVersion: v1\nmetadata:\n  name: ok\n",
        ),
        (
            "templates/b.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n",
        ),
        (
            "templates/c.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec: {}\n",
        ),
    ]);
    let (ok, out) = lint(dir.path(), &[]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("[ERROR] templates/a.yaml: object has no kind"),
        "{out}"
    );
    assert!(
        out.contains("[ERROR] templates/b.yaml: object name does not conform"),
        "{out}"
    );
    assert!(
        out.contains("[ERROR] templates/c.yaml: a Deployment must contain matchLabels"),
        "{out}"
    );
}

#[test]
fn a_template_that_does_not_parse_is_an_error_naming_it() {
    let dir = chart(&[
        ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
        ("templates/a.yaml", "a: {{ .Values.x \n"),
    ]);
    let (ok, out) = lint(dir.path(), &[]);
    assert!(!ok);
    assert!(out.contains("demo/templates/a.yaml"), "{out}");
}

#[test]
fn required_values_do_not_stop_lint_but_strict_makes_warnings_fail() {
    let dir = chart(&[
        ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\nicon: https://example.com/i.png\n"),
        ("values.yaml", "{}\n"),
        (
            "templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  x: {{ required \"x is required\" .Values.x | quote }}\n",
        ),
    ]);
    let (ok, out) = lint(dir.path(), &[]);
    assert!(ok, "{out}");
    let (ok, out) = lint(dir.path(), &["--set", "x=1"]);
    assert!(ok, "{out}");
}
