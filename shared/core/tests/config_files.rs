//! Configuration files: the sample loads, and every broken file under
//! `tests/configs/bad/` reports exactly the problems listed in its `.expected`
//! file (one `path: message` per line), all of them, each with its path.

use std::path::{Path, PathBuf};

use lockgate_core::config::{Config, Strategy};
use lockgate_core::execution::Plan;
use lockgate_core::Span;

fn dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn bad_configs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir("tests/configs/bad"))
        .expect("tests/configs/bad exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn sample_config_loads_with_staging_ungated_and_production_gated() {
    let text = std::fs::read_to_string(dir("examples/lockgate.yaml")).expect("sample config");
    let config =
        Config::from_yaml(&text).unwrap_or_else(|e| panic!("sample config is invalid:\n{e}"));
    assert_eq!(config.apps.len(), 1);
    let app = &config.apps[0];
    assert_eq!(app.name, "podinfo");
    let envs: Vec<&str> = app.environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(envs, ["staging", "production"]);
    assert!(app.environments[0].gate.is_none());
    let gate = app.environments[1]
        .gate
        .as_ref()
        .expect("production is gated");
    assert_eq!(gate.users.len(), 2);
    assert_eq!(gate.quorum, 1);
    assert_eq!(gate.expiry, Span::from_hours(72));
    assert!(gate.four_eyes);
    assert_eq!(
        app.environments[1].values_files,
        ["values.yaml", "values.production.yaml"]
    );
    assert_eq!(app.environments[1].strategy, Strategy::Rolling);
    assert_eq!(
        app.chart.name, "podinfo",
        "chart name defaults to the app name"
    );

    let plan = Plan::for_app(&config, "podinfo").expect("plan");
    assert_eq!(plan.stages.len(), 2);
    assert_eq!(plan.stages[1].cluster.name, "prod-eu");
    let channel = plan.stages[1]
        .approval_channel
        .as_ref()
        .expect("approval channel");
    assert_eq!(
        channel.name, "deploys",
        "a gate without a channel posts to the app's first channel"
    );
}

#[test]
fn a_loaded_config_round_trips_through_json() {
    let text = std::fs::read_to_string(dir("examples/lockgate.yaml")).expect("sample config");
    let config = Config::from_yaml(&text).unwrap_or_else(|e| panic!("{e}"));
    let json = serde_json::to_string(&config).expect("serializes");
    let back: Config = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, config);
}

#[test]
fn yaml_1_1_booleans_stay_text() {
    let text = "version: 1\nclusters: [{name: no, kind: simulated}]\napps:\n  - name: web\n    image: {repository: r.example.com/web}\n    chart: {source: charts/web}\n    environments: [{name: staging, cluster: no, namespace: web}]\n";
    let config = Config::from_yaml(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.clusters[0].name, "no");
}

#[test]
fn defaults_fill_values_files_timeouts_and_gate_settings() {
    let text = "version: 1\nclusters: [{name: eu, kind: simulated}]\nnotifications: [{name: n, kind: log}]\napps:\n  - name: web\n    image: {repository: r.example.com/web, tag_policy: git_sha}\n    chart: {source: charts/web}\n    notify: [n]\n    environments:\n      - {name: qa, cluster: eu, namespace: web}\n      - {name: prod, cluster: eu, namespace: web-prod, gate: {approvers: {users: [U01]}, expiry: 6h}}\n";
    let config = Config::from_yaml(text).unwrap_or_else(|e| panic!("{e}"));
    let qa = &config.apps[0].environments[0];
    assert_eq!(qa.values_files, ["values.yaml", "values.qa.yaml"]);
    assert_eq!(qa.timeout, Span::from_mins(5));
    assert_eq!(qa.check_interval, Span::from_secs(10));
    let gate = config.apps[0].environments[1].gate.as_ref().expect("gate");
    assert_eq!(gate.quorum, 1);
    assert!(gate.four_eyes, "four-eyes is on unless a gate turns it off");
    assert_eq!(
        gate.remind_before,
        Span::from_hours(2),
        "a third of a short expiry"
    );
    assert_eq!(
        config.apps[0].chart.image_values.repository,
        "image.repository"
    );
    assert_eq!(config.environment_count(), 2);
}

#[test]
fn at_least_fifteen_broken_configs_are_checked() {
    assert!(bad_configs().len() >= 15, "found {}", bad_configs().len());
}

#[test]
fn every_broken_config_reports_exactly_its_expected_errors() {
    let mut failures = Vec::new();
    for file in bad_configs() {
        let text = std::fs::read_to_string(&file).expect("readable config");
        let expected_file = file.with_extension("expected");
        let expected = std::fs::read_to_string(&expected_file)
            .unwrap_or_else(|_| panic!("{} has no .expected file", file.display()));
        let expected: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
        let actual = match Config::from_yaml(&text) {
            Ok(_) => vec!["<no errors>".to_string()],
            Err(errors) => errors.errors().iter().map(ToString::to_string).collect(),
        };
        if actual != expected {
            failures.push(format!(
                "{}\n  expected:\n    {}\n  actual:\n    {}",
                file.display(),
                expected.join("\n    "),
                actual.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_error_in_a_broken_config_names_a_path_except_syntax_errors() {
    for file in bad_configs() {
        let text = std::fs::read_to_string(&file).expect("readable config");
        let Err(errors) = Config::from_yaml(&text) else {
            panic!("{} loaded without errors", file.display());
        };
        for e in errors.errors() {
            let whole_document = e.message.starts_with("not valid YAML")
                || e.message.starts_with("expected a mapping");
            assert!(
                !e.path.is_empty() || whole_document,
                "{}: error without a path: {e}",
                file.display()
            );
        }
    }
}
