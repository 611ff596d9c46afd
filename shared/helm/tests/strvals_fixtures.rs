//! Helm v4.2.3's strvals parsers, recorded by `tests/fixtures/strvals/gen.py`, replayed
//! against lockgate-helm's `--set*` parsers (output compared as Go's `json.Marshal`).

mod common;

use std::collections::BTreeMap;

use lockgate_helm::values::{
    parse_set, parse_set_file, parse_set_json, parse_set_literal, parse_set_string,
};
use lockgate_helm::Value;

#[test]
fn strvals_matches_helm_on_recorded_expressions() {
    let text = include_str!("fixtures/strvals/cases.json");
    let doc: serde_json::Value = serde_json::from_str(text).expect("fixture parses");
    let files: BTreeMap<String, String> = doc["files"]
        .as_object()
        .expect("files")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect();
    let cases = doc["cases"].as_array().expect("cases");
    let mut failures = Vec::new();
    for case in cases {
        let mode = case["mode"].as_str().unwrap_or_default();
        let expr = case["expr"].as_str().unwrap_or_default();
        let mut dest = Value::new_map();
        let res = match mode {
            "set" => parse_set(expr, &mut dest),
            "set_string" => parse_set_string(expr, &mut dest),
            "set_json" => parse_set_json(expr, &mut dest),
            "set_literal" => parse_set_literal(expr, &mut dest),
            "set_file" => {
                let mut reader = |path: &str| -> Result<Value, String> {
                    files
                        .get(path)
                        .map(|t| Value::str(t))
                        .ok_or_else(|| format!("open {path}: no such file or directory"))
                };
                parse_set_file(expr, &mut dest, &mut reader)
            }
            other => panic!("unknown mode {other}"),
        };
        let got = match res {
            Ok(()) => (
                Some(lockgate_helm::json::to_string(&dest).expect("json")),
                None,
            ),
            Err(e) => (None, Some(e.to_string())),
        };
        let want = (
            case["out"].as_str().map(str::to_string),
            case["err"].as_str().map(str::to_string),
        );
        if got != want {
            failures.push(format!("{mode} {expr:?}: got {got:?}, helm {want:?}"));
        }
    }
    common::assert_no_failures(&failures, cases.len());
}
