//! Behaviour tests for the YAML front door (parse and marshal as Helm does).

use super::*;

fn y(text: &str) -> Value {
    parse(text).unwrap()
}

#[test]
fn numbers_become_floats_and_keys_strings() {
    let v = y("a: 1\n2: x\ntrue: yy\n1.5: z\n");
    assert_eq!(v.get("a"), Some(Value::Float(1.0)));
    assert_eq!(v.get("2"), Some(Value::str("x")));
    assert_eq!(v.get("true"), Some(Value::str("yy")));
    assert_eq!(v.get("1.5"), Some(Value::str("z")));
}

#[test]
fn merge_keys_and_aliases_expand() {
    let v = y("base: &b {x: 1, w: 2}\nd:\n  <<: *b\n  w: 3\n");
    let d = v.get("d").unwrap();
    assert_eq!(d.get("x"), Some(Value::Float(1.0)));
    assert_eq!(d.get("w"), Some(Value::Float(3.0)));
}

#[test]
fn mapping_value_error_is_worded_as_go_yaml() {
    let e = parse("a: b: c").unwrap_err();
    assert_eq!(
        e.message,
        "error converting YAML to JSON: yaml: mapping values are not allowed in this context"
    );
}

#[test]
fn non_map_document_is_refused_for_map_targets() {
    let e = parse_map("- a\n").unwrap_err();
    assert!(e
        .message
        .ends_with("cannot unmarshal array into Go value of type map[string]interface {}"));
}

#[test]
fn marshal_quotes_ambiguous_strings() {
    let mut m = crate::value::Map::new();
    m.insert("a".into(), Value::str("true"));
    m.insert("b".into(), Value::str(""));
    m.insert("c".into(), Value::Float(8080.0));
    m.insert("d".into(), Value::str("line1\nline2"));
    let out = to_string(&Value::from_map(m)).unwrap();
    assert_eq!(
        out,
        "a: \"true\"\nb: \"\"\nc: 8080\nd: |-\n  line1\n  line2\n"
    );
}

#[test]
fn pretty_indents_sequences() {
    let mut m = crate::value::Map::new();
    m.insert(
        "baz".into(),
        Value::from_list(vec![Value::Int(1), Value::Int(2)]),
    );
    assert_eq!(
        to_string_pretty(&Value::from_map(m)).unwrap(),
        "baz:\n  - 1\n  - 2\n"
    );
}
