//! The fast path against the full validator: whenever it answers "valid", the full
//! validator accepts too, and plain chart schemas get that answer.

use super::certainly_valid;
use crate::value::Value;
use crate::values::schema::validate_compiled;

/// (fast answer, full validator's answer) for a JSON schema and YAML values.
fn both(schema: &str, values: &str) -> (bool, Result<(), String>) {
    let doc: serde_json::Value = serde_json::from_str(schema).expect("test schema is JSON");
    let vals: Value = crate::yaml::parse(values).expect("test values are YAML");
    (certainly_valid(&doc, &vals), validate_compiled(doc, &vals))
}

fn assert_fast_valid(schema: &str, values: &str) {
    let (fast, full) = both(schema, values);
    assert_eq!(full, Ok(()), "full validator on {values}");
    assert!(fast, "fast path should accept {values} against {schema}");
}

fn assert_left_to_validator(schema: &str, values: &str) -> Result<(), String> {
    let (fast, full) = both(schema, values);
    assert!(
        !fast,
        "fast path should not decide {values} against {schema}"
    );
    full
}

const PLAIN: &str = r##"{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["image"],
  "additionalProperties": false,
  "properties": {
    "image": {"type": "object", "properties": {
      "repository": {"type": "string", "minLength": 1},
      "tag": {"type": ["string", "null"], "pattern": "^v?[0-9]+(.[0-9]+)*$"},
      "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]}
    }},
    "replicas": {"type": "integer", "minimum": 0, "maximum": 10},
    "ratio": {"type": "number"},
    "ports": {"type": "array", "items": {"$ref": "#/definitions/port"}, "uniqueItems": true, "maxItems": 3},
    "mode": {"oneOf": [{"type": "string"}, {"type": "boolean"}]},
    "extra": {"anyOf": [{"type": "null"}, {"type": "object"}]},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "form": {"hidden": true}
  },
  "definitions": {"port": {"type": "string", "maxLength": 5}}
}"##;

#[test]
fn plain_chart_values_pass_without_the_validator() {
    assert_fast_valid(
        PLAIN,
        "image: {repository: nginx, tag: v1.2.3, pullPolicy: Always}\nreplicas: 3\n\
         ratio: 0.5\nports: [http, https]\nmode: true\nextra: null\nlabels: {a: b}\n",
    );
}

#[test]
fn a_float_without_fraction_is_an_integer_as_for_the_validator() {
    assert_fast_valid(PLAIN, "image: {}\nreplicas: 3.0\n");
}

#[test]
fn values_that_fail_are_left_to_the_validator_for_its_report() {
    for values in [
        "replicas: 1\n",                    // missing required
        "image: {}\nreplicas: 2.5\n",       // not an integer
        "image: {}\nreplicas: 11\n",        // above maximum
        "image: {repository: ''}\n",        // too short
        "image: {tag: latest}\n",           // pattern
        "image: {pullPolicy: Sometimes}\n", // not in enum
        "image: {}\nports: [a, a]\n",       // not unique
        "image: {}\nports: [a, b, c, d]\n", // too many
        "image: {}\nports: [toolong]\n",    // through $ref
        "image: {}\nmode: 3\n",             // no oneOf branch
        "image: {}\nlabels: {a: 1}\n",      // additionalProperties schema
        "image: {}\nunknown: 1\n",          // additionalProperties false
    ] {
        let full = assert_left_to_validator(PLAIN, values);
        assert!(full.is_err(), "validator should reject {values}");
    }
}

#[test]
fn unsupported_keywords_go_to_the_validator_even_when_values_pass() {
    for schema in [
        r#"{"properties": {"a": {"type": "string", "format": "email"}}}"#,
        r#"{"patternProperties": {"^a": {"type": "string"}}}"#,
        r#"{"properties": {"a": {"type": "string", "pattern": "^\\d+$"}}}"#,
        r#"{"properties": {"a": {"$ref": "https://example.com/s.json"}}}"#,
        r#"{"$schema": "http://json-schema.org/draft-04/schema#"}"#,
        r#"{"properties": {"a": {"type": "integer", "exclusiveMinimum": 0}}}"#,
    ] {
        let _ = assert_left_to_validator(schema, "a: '12'\n");
    }
}

#[test]
fn malformed_schemas_are_left_to_the_validator_which_refuses_them() {
    for schema in [
        r#"{"type": "int"}"#,
        r#"{"required": "a"}"#,
        r#"{"properties": {"a": {"minLength": -1}}}"#,
        r##"{"properties": {"a": {"$ref": "#/definitions/missing"}}}"##,
        r#"{"items": [{"type": "string"}]}"#,
        r#"{"properties": {"b": {"pattern": "(a"}}}"#,
        r#"{"properties": {"b": {"pattern": "a{2,1}"}}}"#,
    ] {
        let full = assert_left_to_validator(schema, "a: x\n");
        assert!(full.is_err(), "validator should refuse {schema}");
    }
}

#[test]
fn draft7_ref_siblings_that_fail_are_not_called_invalid() {
    // draft 7 ignores keywords next to `$ref`: the validator accepts, the fast path
    // must not decide on the failing sibling
    let schema = r##"{"$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"s": {"type": "string"}},
        "properties": {"a": {"$ref": "#/definitions/s", "not": {"type": "string"}}}}"##;
    assert_eq!(assert_left_to_validator(schema, "a: x\n"), Ok(()));
    let via_not = r##"{"$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"s": {"type": "string"}},
        "properties": {"a": {"not": {"$ref": "#/definitions/s", "type": "integer"}}}}"##;
    let (fast, full) = both(via_not, "a: x\n");
    assert!(!fast);
    assert!(full.is_err());
}

#[test]
fn enum_and_const_compare_numbers_by_value() {
    assert_fast_valid(r#"{"properties": {"a": {"enum": [1, 2]}}}"#, "a: 1.0\n");
    assert_fast_valid(
        r#"{"properties": {"a": {"const": {"x": [true, null]}}}}"#,
        "a: {x: [true, null]}\n",
    );
    let full = assert_left_to_validator(r#"{"properties": {"a": {"const": 2}}}"#, "a: 1\n");
    assert!(full.is_err());
}

#[test]
fn patterns_with_counted_repetition_match_as_in_the_validator() {
    let schema =
        r#"{"properties": {"digest": {"type": "string", "pattern": "^sha256:[a-f0-9]{4}$"}}}"#;
    assert_fast_valid(schema, "digest: sha256:0a1b\n");
    let full = assert_left_to_validator(schema, "digest: sha256:0a1\n");
    assert!(full.is_err());
}

#[test]
fn references_follow_json_pointers_with_escapes() {
    let schema = r##"{"$defs": {"a/b": {"type": "string"}, "t~": {"type": "integer"}},
        "x-list": [{"type": "boolean"}],
        "properties": {"s": {"$ref": "#/$defs/a~1b"}, "n": {"$ref": "#/$defs/t~0"},
        "b": {"$ref": "#/x-list/0"}, "all": {"$ref": "#"}}}"##;
    assert_fast_valid(schema, "s: x\nn: 1\nb: true\n");
    let full = assert_left_to_validator(schema, "s: 1\n");
    assert!(full.is_err());
}

#[test]
fn fast_answers_never_contradict_the_validator_on_odd_references() {
    for schema in [
        r##"{"$defs": {"a": {"$ref": "#/$defs/a"}}, "properties": {"x": {"$ref": "#/$defs/a"}}}"##,
        r##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "properties": {"x": {"$ref": "#/$defs/a"}}}"##,
        r##"{"$schema": "http://json-schema.org/draft-07/schema#", "definitions": {"a": {"$ref": "#/definitions/a"}}, "properties": {"x": {"$ref": "#/definitions/a"}}}"##,
        r##"{"properties": {"x": {"$ref": "#/properties/x"}}}"##,
        r##"{"properties": {"x": {"$ref": "#"}}, "type": "object"}"##,
    ] {
        for values in ["y: 1\n", "x: 1\n", "x: {x: {}}\n"] {
            let (fast, full) = both(schema, values);
            assert!(
                !fast || full.is_ok(),
                "fast path accepted {values} against {schema}, validator said {full:?}"
            );
        }
    }
}
