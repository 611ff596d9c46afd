//! Every Sprig and Helm function vector renders what real Helm v4.2.3 rendered.

use lockgate_helm::template::render_str;
use lockgate_helm::value::{Map, Value};

fn to_value(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        // values pass through Helm's YAML/JSON path: every number is a float64
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => Value::from_list(a.iter().map(to_value).collect()),
        serde_json::Value::Object(o) => Value::from_map(
            o.iter()
                .map(|(k, v)| (k.as_str().into(), to_value(v)))
                .collect::<Map>(),
        ),
    }
}

/// Templates whose output is random on purpose: checked for shape instead.
fn shape_ok(template: &str, expected: &str, got: &str) -> Option<bool> {
    if template.contains("shuffle") {
        let mut a: Vec<char> = expected.chars().collect();
        let mut b: Vec<char> = got.chars().collect();
        a.sort_unstable();
        b.sort_unstable();
        return Some(a == b);
    }
    None
}

fn run(file: &str) -> (usize, Vec<String>) {
    let path = format!(
        "{}/tests/fixtures/vectors/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("vector file")).expect("json");
    let vectors = doc["vectors"].as_array().expect("vectors");
    let mut failures = Vec::new();
    for v in vectors {
        let t = v["template"].as_str().expect("template");
        let vars = to_value(&v["vars"]);
        // Helm replays each vector through `tpl`, which strips "<no value>".
        let got = render_str(t, &vars).map(|s| s.replace("<no value>", ""));
        let ok = match (&v["helm_error"], &got) {
            // Helm ran the vector through `tpl` as a template named "gotpl", so its
            // message ends with exactly the error we give for the same template
            (serde_json::Value::String(e), Err(ours)) => {
                if !e.ends_with(ours.as_str()) {
                    failures.push(format!("{t}: Helm said {e:?}, we said {ours:?}"));
                }
                continue;
            }
            (serde_json::Value::String(e), Ok(out)) => {
                failures.push(format!("{t}: expected error {e:?}, got {out:?}"));
                continue;
            }
            (_, Ok(out)) => {
                let want = v["helm_output"].as_str().unwrap_or("");
                shape_ok(t, want, out).unwrap_or(out == want)
            }
            (_, Err(e)) => {
                failures.push(format!("{t}: unexpected error {e}"));
                continue;
            }
        };
        if !ok {
            failures.push(format!(
                "{t}: want {:?}, got {:?}",
                v["helm_output"].as_str().unwrap_or(""),
                got.unwrap_or_default()
            ));
        }
    }
    (vectors.len(), failures)
}

#[test]
fn sprig_vectors_match_helm() {
    let (n, failures) = run("sprig_vectors.json");
    assert!(
        failures.is_empty(),
        "{} of {n} sprig vectors differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn helm_function_vectors_match_helm() {
    let (n, failures) = run("helm_funcs_vectors.json");
    assert!(
        failures.is_empty(),
        "{} of {n} helm vectors differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
