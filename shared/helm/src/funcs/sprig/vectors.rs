//! Sprig's own test vectors, replayed through Helm v4.2.3
//! (`shared/helm-compat/vectors/sprig_vectors.json`), rendered with our executor and
//! compared byte for byte (random ones by shape).

use std::path::PathBuf;

use crate::template::render_str;
use crate::value::Value;

fn vectors_path() -> Option<PathBuf> {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for up in here.ancestors() {
        let p = up.join("shared/helm-compat/vectors/sprig_vectors.json");
        if p.exists() {
            return Some(p);
        }
        let p = up.join("../shared/helm-compat/vectors/sprig_vectors.json");
        if p.exists() {
            return Some(p);
        }
    }
    let p = PathBuf::from("/work/shared/helm-compat/vectors/sprig_vectors.json");
    p.exists().then_some(p)
}

fn sorted_chars(s: &str) -> Vec<char> {
    let mut v: Vec<char> = s.chars().collect();
    v.sort_unstable();
    v
}

#[test]
fn sprig_vectors_render_as_helm_does() {
    let Some(path) = vectors_path() else {
        eprintln!("sprig_vectors.json not found; skipping");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read vectors");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("vectors are JSON");
    let vectors = doc["vectors"].as_array().expect("vectors array");
    let mut failures = Vec::new();
    let mut compared = 0usize;
    for v in vectors {
        let tpl = v["template"].as_str().unwrap_or_default();
        let vars_json = serde_json::to_string(&v["vars"]).unwrap_or_else(|_| "null".into());
        let vars = crate::json::parse(&vars_json).unwrap_or(Value::Nil);
        let got = render_str(tpl, &vars).map(|s| s.replace("<no value>", ""));
        let divergence = v["divergence"].as_str().unwrap_or("");
        match (v["helm_error"].as_str(), &got) {
            (Some(_), Err(_)) => {}
            (Some(want), Ok(out)) => {
                failures.push(format!("{tpl:?}: want error {want:?}, got {out:?}"))
            }
            (None, Err(e)) => failures.push(format!("{tpl:?}: unexpected error {e}")),
            (None, Ok(out)) => {
                let want = v["helm_output"].as_str().unwrap_or_default();
                let ok = if divergence == "seeded-rng" {
                    sorted_chars(out) == sorted_chars(want)
                } else {
                    out == want
                };
                compared += 1;
                if !ok {
                    failures.push(format!("{tpl:?}: want {want:?}, got {out:?}"));
                }
            }
        }
        // where Helm failed inside a function, the message must match too
        if let (Some(want), Err(e)) = (v["helm_error"].as_str(), &got) {
            if let Some(pos) = e.find("error calling ") {
                if !want.ends_with(&e[pos..]) {
                    failures.push(format!(
                        "{tpl:?}: error text {:?} not in {want:?}",
                        &e[pos..]
                    ));
                }
            }
        }
    }
    eprintln!("{compared} outputs compared, {} vectors", vectors.len());
    assert!(compared > 300, "only {compared} outputs compared");
    assert!(
        failures.is_empty(),
        "{} of {} vectors differ:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}
