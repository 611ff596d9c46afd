//! Executor behaviour checked against what Go's text/template prints.

use super::render_str;
use crate::value::{Map, Value};

fn vals() -> Value {
    let mut inner = Map::new();
    inner.insert("name".into(), Value::str("web"));
    inner.insert("port".into(), Value::Float(8080.0));
    inner.insert("big".into(), Value::Float(1_000_000.0));
    inner.insert(
        "list".into(),
        Value::from_list(vec![Value::str("a"), Value::str("b")]),
    );
    let mut m = Map::new();
    m.insert("Values".into(), Value::from_map(inner));
    Value::from_map(m)
}

fn r(t: &str) -> String {
    render_str(t, &vals()).unwrap_or_else(|e| format!("ERR: {e}"))
}

#[test]
fn fields_and_numbers_print_like_go() {
    assert_eq!(r("{{ .Values.name }}:{{ .Values.port }}"), "web:8080");
    assert_eq!(r("{{ .Values.big }}"), "1e+06");
    assert_eq!(r("{{ .Values.missing }}"), "<no value>");
    assert_eq!(r("{{ 3 }} {{ 1.5 }} {{ \"s\" }}"), "3 1.5 s");
    assert_eq!(r("{{ .Values.list }}"), "[a b]");
}

#[test]
fn nil_intermediate_field_is_an_error() {
    assert_eq!(
        r("{{ .Values.a.b }}"),
        "ERR: template: gotpl:1:10: executing \"gotpl\" at <.Values.a.b>: nil pointer evaluating interface {}.b"
    );
}

#[test]
fn control_structures() {
    assert_eq!(r("{{ if .Values.name }}y{{ else }}n{{ end }}"), "y");
    assert_eq!(
        r("{{ if .Values.x }}1{{ else if .Values.name }}2{{ else }}3{{ end }}"),
        "2"
    );
    assert_eq!(r("{{ with .Values.name }}{{ . }}{{ end }}"), "web");
    assert_eq!(
        r("{{ with .Values.x }}{{ . }}{{ else with .Values.name }}w{{ end }}"),
        "w"
    );
    assert_eq!(
        r("{{ range $i, $e := .Values.list }}{{ $i }}={{ $e }},{{ end }}"),
        "0=a,1=b,"
    );
    assert_eq!(r("{{ range .Values.x }}x{{ else }}empty{{ end }}"), "empty");
    assert_eq!(
        r("{{ range $k, $v := .Values }}{{ $k }} {{ end }}"),
        "big list name port "
    );
    assert_eq!(r("{{ range 3 }}{{ . }}{{ end }}"), "012");
    assert_eq!(
        r("{{ range .Values.list }}{{ if eq . \"a\" }}{{ continue }}{{ end }}{{ . }}{{ end }}"),
        "b"
    );
    assert_eq!(r("{{ range .Values.list }}{{ break }}{{ . }}{{ end }}"), "");
}

#[test]
fn whitespace_trimming() {
    assert_eq!(r("a  {{- \"b\" -}}  \n c"), "abc");
    assert_eq!(r("a {{/* comment */}} b"), "a  b");
    assert_eq!(r("a {{- /* comment */ -}} b"), "ab");
}

#[test]
fn variables_and_scopes() {
    assert_eq!(
        r("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}"),
        "2"
    );
    assert_eq!(
        r("{{ $x := \"a\" }}{{ with .Values }}{{ $x }}{{ $.Values.name }}{{ end }}"),
        "aweb"
    );
}

#[test]
fn define_and_template() {
    assert_eq!(
        r("{{ define \"t\" }}[{{ . }}]{{ end }}{{ template \"t\" .Values.name }}"),
        "[web]"
    );
    assert_eq!(
        r("{{ block \"b\" .Values.name }}<{{ . }}>{{ end }}"),
        "<web>"
    );
    assert_eq!(
        r("{{ define \"t\" }}{{ . }}{{ end }}{{ include \"t\" 5 | printf \"%s!\" }}"),
        "5!"
    );
}

#[test]
fn builtins_behave_like_go() {
    assert_eq!(
        r("{{ len .Values.list }} {{ index .Values.list 1 }}"),
        "2 b"
    );
    assert_eq!(
        r("{{ and 1 0 }} {{ or 0 \"\" \"x\" }} {{ not 0 }}"),
        "0 x true"
    );
    assert_eq!(r("{{ printf \"%d-%s\" 3 \"x\" }}"), "3-x");
    assert_eq!(r("{{ printf \"%d\" .Values.port }}"), "%!d(float64=8080)");
    assert_eq!(r("{{ print 1 2 \"a\" 3 }}"), "1 2a3");
    assert_eq!(
        r("{{ eq .Values.name \"web\" }} {{ ne 1 2 }} {{ lt 1 2 }}"),
        "true true true"
    );
    assert!(r("{{ eq .Values.port 8080 }}").contains("incompatible types for comparison"));
    assert_eq!(r("{{ eq .Values.missing \"x\" }}"), "false");
    assert_eq!(r("{{ slice \"hello\" 1 3 }}"), "el");
}

#[test]
fn tpl_renders_strings_as_templates() {
    assert_eq!(r("{{ tpl \"{{ .Values.name }}-x\" . }}"), "web-x");
}

#[test]
fn parse_errors_name_the_template() {
    assert!(r("{{ if }}").starts_with("ERR: template: gotpl:1:"));
    assert_eq!(
        r("{{ nosuch 1 }}"),
        "ERR: template: gotpl:1: function \"nosuch\" not defined"
    );
}

#[test]
fn empty_file_sets_are_false() {
    use crate::chart::File;
    use crate::engine::Files;
    let files = Files::new(&[File {
        name: "files/a.json".into(),
        data: b"{}".to_vec().into(),
    }]);
    let mut m = Map::new();
    m.insert("Files".into(), files.to_value());
    let dot = Value::from_map(m);
    let r = |t: &str| render_str(t, &dot).unwrap();
    assert_eq!(
        r("{{ if .Files.Glob \"files/*.json\" }}yes{{ else }}no{{ end }}"),
        "yes"
    );
    assert_eq!(
        r("{{ if .Files.Glob \"none/*\" }}yes{{ else }}no{{ end }}"),
        "no"
    );
    assert_eq!(
        r("{{ range $p, $_ := .Files.Glob \"files/*\" }}{{ $p }}{{ end }}"),
        "files/a.json"
    );
}

#[test]
fn literals_lex_like_go() {
    assert_eq!(r("{{ \"a\\tb\" }}|{{ `raw\\n` }}"), "a\tb|raw\\n");
    assert_eq!(r("{{ 'a' }} {{ '\\n' }}"), "97 10");
    assert_eq!(
        r("{{ 0x10 }} {{ -3 }} {{ 1e3 }} {{ .5 }} {{ 1_000 }}"),
        "16 -3 1000 0.5 1000"
    );
    assert_eq!(r("{{ ( 1 ) }}{{(2)}}"), "12");
    assert_eq!(r("{{ $é := 1 }}{{ $é }}"), "1");
    assert_eq!(r("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}"), "2");
}

#[test]
fn trim_markers_and_comments() {
    assert_eq!(r("a {{- /* c */ -}} b"), "ab");
    assert_eq!(r("a {{/* c */}} b"), "a  b");
    assert_eq!(r("{{ 3 -}} \n x"), "3x");
    assert_eq!(r("x \n{{- 3 }}"), "x3");
    assert_eq!(r("{{- 3 -}}"), "3");
}

#[test]
fn lexer_errors_carry_go_messages_and_lines() {
    assert_eq!(
        r("{{ `x\ny` }}{{ nosuch }}"),
        "ERR: template: gotpl:2: function \"nosuch\" not defined"
    );
    assert_eq!(
        r("{{ ) }}"),
        "ERR: template: gotpl:1: unexpected right paren"
    );
    assert_eq!(r("{{ (1 }}"), "ERR: template: gotpl:1: unclosed left paren");
    assert_eq!(r("\n{{ 1"), "ERR: template: gotpl:2: unclosed action");
    assert_eq!(
        r("{{ \"a }}"),
        "ERR: template: gotpl:1: unterminated quoted string"
    );
    assert_eq!(r("{{ a:b }}"), "ERR: template: gotpl:1: expected :=");
}

#[test]
fn parse_errors_report_the_line_of_the_offending_token() {
    assert_eq!(
        r("{{ if 1 }}\n\n{{ end }}\n{{ end }}"),
        "ERR: template: gotpl:4: unexpected {{end}}"
    );
    assert_eq!(
        r("a\n{{/* two\nlines */}}\n{{ nosuch }}"),
        "ERR: template: gotpl:4: function \"nosuch\" not defined"
    );
    assert_eq!(r("{{ if 1 }}\nx"), "ERR: template: gotpl:2: unexpected EOF");
}

#[test]
fn argument_count_is_checked_before_arguments_run() {
    // Go's evalCall: a wrong count is reported even when an argument would fail
    // (checked against Helm v4: "wrong number of args for trunc: want 2 got 3")
    let e = r(r#"{{ trunc 1 (fail "boom") "x" }}"#);
    assert!(
        e.contains("wrong number of args for trunc: want 2 got 3"),
        "{e}"
    );
    // arguments convert in order: the first bad one is reported
    let e = r(r#"{{ trunc "a" (fail "boom") }}"#);
    assert!(e.contains("expected integer; found \"a\""), "{e}");
}

#[test]
fn an_include_nested_past_helms_limit_is_an_error() {
    // a template that includes itself until Helm's limit of 1000 nested includes of
    // one name; the error names the template as Helm's does
    let t = r#"{{ define "x" }}{{ include "x" . }}{{ end }}{{ include "x" . }}"#;
    // a thousand nested calls need more stack than a test thread has in a debug build
    // (the CLI renders on a thread with a large stack)
    let e = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(move || r(t))
        .and_then(|h| {
            h.join()
                .map_err(|_| std::io::Error::other("render panicked"))
        })
        .unwrap_or_else(|e| e.to_string());
    assert!(
        e.contains("rendering template has a nested reference name: x: unable to execute template"),
        "{e}"
    );
    // nesting other names does not count against one name
    let ok = r#"{{ define "a" }}A{{ end }}{{ define "b" }}{{ include "a" . }}{{ include "a" . }}{{ end }}{{ include "b" . }}"#;
    assert_eq!(r(ok), "AA");
}
