//! `values.schema.json` validation as Helm v4 does it (`util.ValidateAgainstSchema`):
//! the chart's schema against its values and each subchart's schema against its scoped
//! values, reported in the words of santhosh-tekuri/jsonschema v6 (Helm's validator)
//! with golang.org/x/text's English number formatting (`12,345`, `1×10²⁰`).
//!
//! Validation itself is done by `boon` (a Rust port of that validator by the same
//! author); its error tree is re-worded here. Remote (`http`, `https`) and `file`
//! references are not fetched (this crate performs no network or file I/O); `urn:`
//! references resolve to the permissive `true` schema, as in Helm.

use std::borrow::Cow;

use boon::{
    CompileError, Compiler, Draft, ErrorKind, InstanceToken, Schemas, UrlLoader, ValidationError,
};

use crate::chart::Chart;
use crate::gofmt;
use crate::value::Value;

use crate::json;

/// The resource name Helm registers a chart's schema under.
const SCHEMA_URL: &str = "file:///values.schema.json";

/// `util.ValidateAgainstSchema(chart, values)`: the chart's schema and, recursively,
/// each subchart's schema against `values[subchart]`.
///
/// # Errors
/// The report Helm prints after its heading: `NAME:\n- at '/path': ...\n` for every
/// chart whose values fail.
pub fn validate_against_schema(chart: &Chart, values: &Value) -> Result<(), String> {
    let mut sb = String::new();
    if let Some(schema) = &chart.schema {
        if let Err(e) = validate_single(values, schema) {
            sb.push_str(&format!("{}:\n", chart.name()));
            sb.push_str(&e);
        }
    }
    for sub in &chart.dependencies {
        let raw = values.get(sub.name());
        let raw = match raw {
            None | Some(Value::Nil) => continue,
            Some(r) => r,
        };
        if !matches!(raw, Value::Map(_)) {
            sb.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                sub.name(),
                go_type(&raw)
            ));
            continue;
        }
        if let Err(e) = validate_against_schema(sub, &raw) {
            sb.push_str(&e);
        }
    }
    if sb.is_empty() {
        Ok(())
    } else {
        Err(sb)
    }
}

fn go_type(v: &Value) -> String {
    match v {
        Value::Int(_) => "int64".into(),
        other => other.type_name(),
    }
}

/// `util.ValidateAgainstSingleSchema(values, schemaJSON)`.
///
/// # Errors
/// The validator's report (`- at '/a': got string, want integer\n`), or why the schema
/// could not be read or compiled.
pub fn validate_single(values: &Value, schema: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(schema);
    let doc = unmarshal_schema(&text)?;
    // plain schemas and values that certainly pass need no compiled validator; every
    // other case (and every error report) is the validator's
    if super::schema_fast::certainly_valid(&doc, values) {
        return Ok(());
    }
    validate_compiled(doc, values)
}

/// The full validator: compiles `doc` and checks `values` against it.
pub(super) fn validate_compiled(doc: serde_json::Value, values: &Value) -> Result<(), String> {
    let mut compiler = Compiler::new();
    compiler.set_default_draft(Draft::V2020_12);
    compiler.use_loader(Box::new(NoFetch));
    let mut schemas = Schemas::new();
    compiler
        .add_resource(SCHEMA_URL, doc)
        .map_err(|e| compile_error(&e))?;
    let idx = compiler
        .compile(SCHEMA_URL, &mut schemas)
        .map_err(|e| compile_error(&e))?;
    let instance = to_json(values);
    match schemas.validate(&instance, idx) {
        Ok(()) => Ok(()),
        Err(e) => {
            let full = display_tree(&e);
            let prefix = format!(
                "jsonschema validation failed with {}\n",
                quote(&format!("{SCHEMA_URL}#"))
            );
            let trimmed = full.strip_prefix(&prefix).unwrap_or(&full);
            Err(format!("{trimmed}\n"))
        }
    }
}

/// `jsonschema.UnmarshalJSON`: one JSON document and nothing after it, errors in Go's
/// words.
fn unmarshal_schema(text: &str) -> Result<serde_json::Value, String> {
    // A document serde_json reads whole is one Go reads whole too: parse it once. Any
    // other text takes the Go decoder's path for its error.
    if let Ok(v) = serde_json::from_str(text) {
        return Ok(v);
    }
    let json_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    if text.trim_matches(json_ws).is_empty() {
        return Err("EOF".into());
    }
    let n = match json::decode_one(text) {
        Ok((_, n)) => n,
        Err(m) if m.starts_with("json: cannot unmarshal number") => text.len(),
        Err(m) => return Err(m),
    };
    if !text[n..].trim_matches(json_ws).is_empty() {
        return Err("invalid character after top-level value".into());
    }
    serde_json::from_str(&text[..n]).map_err(|e| e.to_string())
}

/// Refuses to fetch `$ref`s (no network or file access); `urn:` resolves to `true`.
struct NoFetch;

impl UrlLoader for NoFetch {
    fn load(&self, url: &str) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
        if url.starts_with("urn:") {
            return Ok(serde_json::Value::Bool(true));
        }
        Err(format!("fetching {url} is not supported").into())
    }
}

fn compile_error(e: &CompileError) -> String {
    match e {
        CompileError::ValidationError { url, src } => {
            let url = if url.contains('#') {
                url.clone()
            } else {
                format!("{url}#")
            };
            format!(
                "{} is not valid against metaschema: {}",
                gofmt::quote(&url),
                display_tree(src)
            )
        }
        CompileError::LoadUrlError { url, src } => {
            format!("failing loading {}: {src}", gofmt::quote(url))
        }
        other => format!("{other:#}"),
    }
}

/// Values as the validator sees them (`float64`, `int64`, maps, lists, ...).
fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Nil | Value::Object(_) => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(s.to_string()),
        Value::Bytes(b) => J::Array(b.iter().map(|x| J::from(*x)).collect()),
        Value::List(l) => J::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => J::Object(
            m.borrow()
                .iter()
                .map(|(k, v)| (k.to_string(), to_json(v)))
                .collect(),
        ),
    }
}

/// jsonschema v6's `quote`: Go's `%q` with `"` unescaped and `'` escaped, in single
/// quotes.
fn quote(s: &str) -> String {
    let q = gofmt::quote(s);
    let inner = &q[1..q.len() - 1];
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

fn join_quoted<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| quote(s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// v6's `display` of a primitive: strings quoted, nil as `<nil>`, numbers as written.
fn display(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::String(s) => quote(s),
        J::Array(_) | J::Object(_) => "value".into(),
        J::Null => "<nil>".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => gofmt::format_float_g(f),
            _ => n.to_string(),
        },
    }
}

fn is_primitive(v: &serde_json::Value) -> bool {
    !matches!(
        v,
        serde_json::Value::Array(_) | serde_json::Value::Object(_)
    )
}

/// golang.org/x/text English `%d`: digits grouped by commas.
fn x_int(n: usize) -> String {
    group(&n.to_string())
}

fn group(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn superscript(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '-' => '⁻',
            '0' => '⁰',
            '1' => '¹',
            '2' => '²',
            '3' => '³',
            '4' => '⁴',
            '5' => '⁵',
            '6' => '⁶',
            '7' => '⁷',
            '8' => '⁸',
            _ => '⁹',
        })
        .collect()
}

/// golang.org/x/text English `%v` of a float64: the shortest digits, in scientific
/// form (`1.5×10⁻⁰⁷`) when the exponent is below -4 or at least 6, else grouped
/// decimal (`-12,345.25`).
fn x_float(f: f64) -> String {
    if !f.is_finite() {
        return gofmt::format_float_g(f);
    }
    let sci = format!("{:e}", f.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let sign = if f.is_sign_negative() && f != 0.0 {
        "-"
    } else {
        ""
    };
    if f != 0.0 && !(-4..6).contains(&exp) {
        let mut m = digits[..1].to_string();
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        let e = if exp < 0 {
            format!("-{:02}", -exp)
        } else {
            format!("{exp:02}")
        };
        return format!("{sign}{m}×10{}", superscript(&e));
    }
    // decimal: value = 0.DIGITS × 10^(exp+1)
    let point = exp + 1;
    let (int_part, frac_part) = if point <= 0 {
        (
            "0".to_string(),
            format!("{}{}", "0".repeat((-point) as usize), digits),
        )
    } else if point as usize >= digits.len() {
        (
            format!("{}{}", digits, "0".repeat(point as usize - digits.len())),
            String::new(),
        )
    } else {
        (
            digits[..point as usize].to_string(),
            digits[point as usize..].to_string(),
        )
    };
    let frac_part = frac_part.trim_end_matches('0');
    if frac_part.is_empty() {
        format!("{sign}{}", group(&int_part))
    } else {
        format!("{sign}{}.{frac_part}", group(&int_part))
    }
}

fn x_num(n: &serde_json::Number) -> String {
    x_float(n.as_f64().unwrap_or(0.0))
}

/// The message v6 prints for one error kind.
fn message(kind: &ErrorKind<'_, '_>) -> String {
    match kind {
        ErrorKind::Group | ErrorKind::Reference { .. } => "validation failed".into(),
        ErrorKind::Schema { url } => format!("jsonschema validation failed with {}", quote(url)),
        ErrorKind::ContentSchema => "'contentSchema' failed".into(),
        ErrorKind::PropertyName { prop } => format!("invalid propertyName {}", quote(prop)),
        ErrorKind::RefCycle {
            url,
            kw_loc1,
            kw_loc2,
        } => {
            format!(
                "both {kw_loc1} and {kw_loc2} resolve to {} causing reference cycle",
                gofmt::quote(url)
            )
        }
        ErrorKind::FalseSchema => "false schema".into(),
        ErrorKind::Type { got, want } => {
            let want: Vec<String> = want.iter().map(|t| t.to_string()).collect();
            let got = match got {
                boon::Type::Integer => "number".to_string(),
                g => g.to_string(),
            };
            format!("got {got}, want {}", want.join(" or "))
        }
        ErrorKind::Enum { want } => {
            if want.iter().all(is_primitive) {
                if want.len() == 1 {
                    format!("value must be {}", display(&want[0]))
                } else {
                    let items: Vec<String> = want.iter().map(display).collect();
                    format!("value must be one of {}", items.join(", "))
                }
            } else {
                "'enum' failed".into()
            }
        }
        ErrorKind::Const { want } => {
            if is_primitive(want) {
                format!("value must be {}", display(want))
            } else {
                "'const' failed".into()
            }
        }
        ErrorKind::Format { got, want, err } => {
            let got: &serde_json::Value = got;
            format!("{} is not valid {want}: {err}", display(got))
        }
        ErrorKind::MinProperties { got, want } => {
            format!("minProperties: got {}, want {}", x_int(*got), x_int(*want))
        }
        ErrorKind::MaxProperties { got, want } => {
            format!("maxProperties: got {}, want {}", x_int(*got), x_int(*want))
        }
        ErrorKind::AdditionalProperties { got } => {
            let got: Vec<&str> = got.iter().map(Cow::as_ref).collect();
            format!("additional properties {} not allowed", join_quoted(&got))
        }
        ErrorKind::Required { want } => {
            if want.len() == 1 {
                format!("missing property {}", quote(want[0]))
            } else {
                format!("missing properties {}", join_quoted(want))
            }
        }
        ErrorKind::Dependency { prop, missing }
        | ErrorKind::DependentRequired { prop, missing } => {
            format!(
                "properties {} required, if {} exists",
                join_quoted(missing),
                quote(prop)
            )
        }
        ErrorKind::MinItems { got, want } => {
            format!("minItems: got {}, want {}", x_int(*got), x_int(*want))
        }
        ErrorKind::MaxItems { got, want } => {
            format!("maxItems: got {}, want {}", x_int(*got), x_int(*want))
        }
        ErrorKind::Contains => "no items match contains schema".into(),
        ErrorKind::MinContains { got, want } => {
            if got.is_empty() {
                format!(
                    "min {} items required to match contains schema, but none matched",
                    x_int(*want)
                )
            } else {
                let at: Vec<String> = got.iter().map(ToString::to_string).collect();
                format!(
                    "min {} items required to match contains schema, but matched {} items at {}",
                    x_int(*want),
                    x_int(got.len()),
                    at.join(" ")
                )
            }
        }
        ErrorKind::MaxContains { got, want } => {
            let at: Vec<String> = got.iter().map(ToString::to_string).collect();
            format!(
                "max {} items required to match contains schema, but matched {} items at {}",
                x_int(*want),
                x_int(got.len()),
                at.join(" ")
            )
        }
        ErrorKind::UniqueItems { got } => {
            format!("items at {} and {} are equal", x_int(got[0]), x_int(got[1]))
        }
        ErrorKind::AdditionalItems { got } => {
            format!("last {} additionalItem(s) not allowed", x_int(*got))
        }
        ErrorKind::MinLength { got, want } => {
            format!("minLength: got {}, want {}", x_int(*got), x_int(*want))
        }
        ErrorKind::MaxLength { got, want } => {
            format!("maxLength: got {}, want {}", x_int(*got), x_int(*want))
        }
        ErrorKind::Pattern { got, want } => {
            format!("{} does not match pattern {}", quote(got), quote(want))
        }
        ErrorKind::ContentEncoding { want, err } => {
            format!("value is not {} encoded: {err}", quote(want))
        }
        ErrorKind::ContentMediaType { want, err, .. } => {
            format!("value if not of mediatype {}: {err}", quote(want))
        }
        ErrorKind::Minimum { got, want } => {
            format!("minimum: got {}, want {}", x_num(got), x_num(want))
        }
        ErrorKind::Maximum { got, want } => {
            format!("maximum: got {}, want {}", x_num(got), x_num(want))
        }
        ErrorKind::ExclusiveMinimum { got, want } => {
            format!("exclusiveMinimum: got {}, want {}", x_num(got), x_num(want))
        }
        ErrorKind::ExclusiveMaximum { got, want } => {
            format!("exclusiveMaximum: got {}, want {}", x_num(got), x_num(want))
        }
        ErrorKind::MultipleOf { got, want } => {
            format!("multipleOf: got {}, want {}", x_num(got), x_num(want))
        }
        ErrorKind::Not => "'not' failed".into(),
        ErrorKind::AllOf => "'allOf' failed".into(),
        ErrorKind::AnyOf => "'anyOf' failed".into(),
        ErrorKind::OneOf(None) => "'oneOf' failed, none matched".into(),
        ErrorKind::OneOf(Some((i, j))) => format!(
            "'oneOf' failed, subschemas {}, {} matched",
            x_int(*i),
            x_int(*j)
        ),
    }
}

/// An error of the tree as v6 builds it.
struct Node {
    /// Escaped JSON-pointer tokens of the instance location.
    instance: Vec<String>,
    /// Absolute schema location (`url#/json/pointer`).
    schema_url: String,
    /// `Schema` (the root, printed without `at`), `Reference`, or other.
    tag: Tag,
    msg: String,
    causes: Vec<Node>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tag {
    Schema,
    Reference,
    /// allOf / anyOf / oneOf, which v6 always wraps around their subschemas' errors.
    Applicator,
    Other,
}

fn to_node(e: &ValidationError<'_, '_>) -> Node {
    let tag = match e.kind {
        ErrorKind::Schema { .. } => Tag::Schema,
        ErrorKind::Reference { .. } => Tag::Reference,
        ErrorKind::AllOf | ErrorKind::AnyOf | ErrorKind::OneOf(None) => Tag::Applicator,
        _ => Tag::Other,
    };
    let msg = if let ErrorKind::Schema { url } = &e.kind {
        let url = if url.contains('#') {
            (*url).to_string()
        } else {
            format!("{url}#")
        };
        format!("jsonschema validation failed with {}", quote(&url))
    } else {
        message(&e.kind)
    };
    Node {
        instance: e.instance_location.tokens.iter().map(token).collect(),
        schema_url: e.schema_url.to_string(),
        tag,
        msg,
        causes: e.causes.iter().map(to_node).collect(),
    }
}

fn token(t: &InstanceToken<'_>) -> String {
    match t {
        InstanceToken::Prop(p) => p.replace('~', "~0").replace('/', "~1"),
        InstanceToken::Item(i) => i.to_string(),
    }
}

/// The applicator wrappers (`allOf`/`anyOf`/`oneOf` at `url#path`, with the number of
/// instance tokens consumed before them) on a schema location's path.
fn applicator_steps(schema_url: &str) -> Vec<(String, usize, &'static str)> {
    let (doc, frag) = schema_url.split_once('#').unwrap_or((schema_url, ""));
    let toks: Vec<&str> = frag.split('/').filter(|t| !t.is_empty()).collect();
    let mut out = Vec::new();
    let mut consumed = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let next_is_index = toks
            .get(i + 1)
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
        match t {
            "properties" | "patternProperties" | "prefixItems" => {
                consumed += 1;
                i += 2;
            }
            "$defs" | "definitions" => {
                consumed = 0;
                out.clear();
                i += 2;
            }
            "dependentSchemas" | "dependencies" => i += 2,
            "items" => {
                consumed += 1;
                i += if next_is_index { 2 } else { 1 };
            }
            "additionalProperties"
            | "unevaluatedProperties"
            | "additionalItems"
            | "unevaluatedItems"
            | "contains" => {
                consumed += 1;
                i += 1;
            }
            "allOf" | "anyOf" | "oneOf" if next_is_index => {
                let path = toks[..i].join("/");
                let kw = match t {
                    "allOf" => "allOf",
                    "anyOf" => "anyOf",
                    _ => "oneOf",
                };
                let s = if path.is_empty() {
                    format!("{doc}#")
                } else {
                    format!("{doc}#/{path}")
                };
                out.push((s, consumed, kw));
                i += 2;
            }
            _ => i += 1,
        }
    }
    out
}

/// Restores the applicator nodes boon leaves out when a single subschema failed
/// (v6 always reports `'allOf' failed` with the subschema's error nested).
fn restore_wrappers(node: Node, ancestors: &[(Tag, String)], base: &[String]) -> Node {
    let mut node = node;
    let own_base: Vec<String> = if node.tag == Tag::Reference {
        node.instance.clone()
    } else {
        base.to_vec()
    };
    let mut chain: Vec<(Tag, String)> = ancestors.to_vec();
    chain.push((node.tag, node.schema_url.clone()));
    let causes = std::mem::take(&mut node.causes);
    node.causes = causes
        .into_iter()
        .map(|c| restore_wrappers(c, &chain, &own_base))
        .collect();
    if node.tag == Tag::Schema {
        return node;
    }
    let missing: Vec<(String, usize, &'static str)> = applicator_steps(&node.schema_url)
        .into_iter()
        .filter(|(s, _, _)| *s != node.schema_url || node.tag != Tag::Applicator)
        .filter(|(s, _, _)| {
            !ancestors
                .iter()
                .any(|(t, u)| *t == Tag::Applicator && u == s)
        })
        .collect();
    for (s, consumed, kw) in missing.into_iter().rev() {
        let n = (base.len() + consumed).min(node.instance.len());
        let msg = match kw {
            "allOf" => "'allOf' failed",
            "anyOf" => "'anyOf' failed",
            _ => "'oneOf' failed, none matched",
        };
        node = Node {
            instance: node.instance[..n].to_vec(),
            schema_url: s,
            tag: Tag::Applicator,
            msg: msg.into(),
            causes: vec![node],
        };
    }
    node
}

/// v6's `ValidationError.Error()`: the error tree, one `- at '...': msg` line per
/// error, nested errors indented, a `$ref` with a single cause left out.
fn display_tree(e: &ValidationError<'_, '_>) -> String {
    let node = restore_wrappers(to_node(e), &[], &[]);
    let mut sb = String::new();
    display_into(&node, &mut sb, 0);
    sb
}

fn display_into(e: &Node, sb: &mut String, mut indent: usize) {
    let skip = e.causes.len() == 1 && e.tag == Tag::Reference;
    if !skip {
        if indent > 0 {
            sb.push('\n');
            sb.push_str(&"  ".repeat(indent - 1));
            sb.push_str("- ");
        }
        indent += 1;
        if e.tag == Tag::Schema {
            sb.push_str(&e.msg);
        } else {
            let ptr: String = e.instance.iter().map(|t| format!("/{t}")).collect();
            sb.push_str(&format!("at {}: {}", quote(&ptr), e.msg));
        }
    }
    for c in &e.causes {
        display_into(c, sb, indent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_x_text_english() {
        assert_eq!(x_float(1e20), "1×10²⁰");
        assert_eq!(x_float(1_000_000.0), "1×10⁰⁶");
        assert_eq!(x_float(1_234_567.0), "1.234567×10⁰⁶");
        assert_eq!(x_float(12345.0), "12,345");
        assert_eq!(x_float(123_456.5), "123,456.5");
        assert_eq!(x_float(0.00001), "1×10⁻⁰⁵");
        assert_eq!(x_float(0.0001), "0.0001");
        assert_eq!(x_float(-12345.25), "-12,345.25");
        assert_eq!(x_float(1.5e-7), "1.5×10⁻⁰⁷");
        assert_eq!(x_float(0.0), "0");
        assert_eq!(x_float(10.0), "10");
        assert_eq!(x_int(965), "965");
        assert_eq!(x_int(1234567), "1,234,567");
    }

    #[test]
    fn quote_escapes_single_quotes_only() {
        assert_eq!(quote("it's \"q\""), "'it\\'s \"q\"'");
        assert_eq!(quote("a\nb"), "'a\\nb'");
    }

    #[test]
    fn schema_text_errors_use_go_words() {
        let v = Value::new_map();
        assert_eq!(validate_single(&v, b"").unwrap_err(), "EOF");
        assert_eq!(
            validate_single(&v, b"{} x").unwrap_err(),
            "invalid character after top-level value"
        );
        assert_eq!(
            validate_single(&v, b"{not json").unwrap_err(),
            "invalid character 'n' looking for beginning of object key string"
        );
        assert!(validate_single(&v, br#"{"$ref": "urn:x:y"}"#).is_ok());
    }
}
