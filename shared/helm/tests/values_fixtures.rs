//! Helm v4.2.3's dependency processing, coalescing and schema validation, recorded by
//! `tests/fixtures/values/gen.py` on small chart trees, replayed against
//! `lockgate_helm::values::prepare` (charts built in memory, values as Helm reads them).

mod common;

use lockgate_helm::chart::{Chart, Dependency, Metadata};
use lockgate_helm::json;
use lockgate_helm::values::prepare;
use lockgate_helm::Value;

fn json_value(v: &serde_json::Value) -> Value {
    json::parse(&v.to_string()).expect("fixture JSON")
}

fn build_chart(spec: &serde_json::Value) -> Chart {
    let mut meta = Metadata::default();
    meta.api_version = "v2".into();
    meta.name = spec["name"].as_str().unwrap_or_default().into();
    meta.version = spec["version"].as_str().unwrap_or_default().into();
    meta.chart_type = spec["type"].as_str().unwrap_or_default().into();
    let mut raw =
        serde_json::json!({"apiVersion": "v2", "name": meta.name, "version": meta.version});
    if let Some(deps) = spec.get("dependencies") {
        raw["dependencies"] = deps.clone();
        for d in deps.as_array().expect("deps list") {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            meta.dependencies.push(Dependency {
                name: s("name"),
                version: s("version"),
                repository: s("repository"),
                condition: s("condition"),
                tags: d["tags"]
                    .as_array()
                    .map(|t| {
                        t.iter()
                            .map(|x| x.as_str().unwrap_or_default().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                enabled: false,
                import_values: d["import-values"]
                    .as_array()
                    .map(|l| l.iter().map(json_value).collect())
                    .unwrap_or_default(),
                alias: s("alias"),
            });
        }
    }
    meta.raw = json_value(&raw);
    let values = match &spec["values"] {
        serde_json::Value::Null => Value::new_map(),
        v => json_value(v),
    };
    let schema = spec.get("schema").map(|s| match s {
        serde_json::Value::String(text) => text.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    });
    let mut dependencies: Vec<Chart> = spec["charts"]
        .as_array()
        .map(|l| l.iter().map(build_chart).collect())
        .unwrap_or_default();
    dependencies.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
    Chart {
        metadata: meta,
        values,
        schema,
        dependencies,
        ..Default::default()
    }
}

/// Schema reports list sibling errors in Go map order (random in Helm itself): compare
/// them as sorted blocks, per chart section.
fn normalise(err: &str) -> String {
    fn sort_level(lines: &[&str], indent: usize) -> Vec<String> {
        let prefix = format!("{}- ", "  ".repeat(indent));
        let nested = format!("{}  ", "  ".repeat(indent));
        let mut out: Vec<String> = Vec::new();
        let mut blocks: Vec<Vec<String>> = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            if lines[i].starts_with(&prefix) {
                let mut j = i + 1;
                while j < lines.len() && lines[j].starts_with(&nested) {
                    j += 1;
                }
                let mut block = vec![lines[i].to_string()];
                block.extend(sort_level(&lines[i + 1..j], indent + 1));
                blocks.push(block);
                i = j;
            } else {
                blocks.sort();
                out.extend(blocks.drain(..).flatten());
                out.push(lines[i].to_string());
                i += 1;
            }
        }
        blocks.sort();
        out.extend(blocks.into_iter().flatten());
        out
    }
    let lines: Vec<&str> = err.split('\n').collect();
    sort_level(&lines, 0).join("\n")
}

#[test]
fn prepare_matches_helm_on_recorded_charts() {
    let text = include_str!("fixtures/values/cases.json");
    let doc: serde_json::Value = serde_json::from_str(text).expect("fixture parses");
    let cases = doc["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap_or_default();
        let mut chart = build_chart(&case["chart"]);
        let user = json_value(&case["user"]);
        let got = match prepare(&mut chart, &user) {
            Ok(v) => (
                Some(lockgate_helm::json::to_string(&v).expect("json")),
                None,
            ),
            Err(e) => (None, Some(normalise(&e.to_string()))),
        };
        let want = (
            case["out"].as_str().map(str::to_string),
            case["err"].as_str().map(normalise),
        );
        if got != want {
            failures.push(format!("{name}:\n  got  {got:?}\n  helm {want:?}"));
        }
    }
    common::assert_no_failures(&failures, cases.len());
}
