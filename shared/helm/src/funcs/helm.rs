//! Helm's own template functions: `toYaml`, `fromYaml`, `toJson`, `toToml`, `required`,
//! `lookup`, ... (pkg/engine/funcs.go). `include` and `tpl` live in the executor.

use super::{func, FuncSpec, Param};
use crate::value::{Map, Value};
use crate::{json, toml, yaml};

/// Helm's marker around `required` messages; the engine extracts the text between the
/// markers when it reports the execution error (`cleanupExecError`).
pub const WARN_START: &str = "HELM_ERR_START";
/// See [`WARN_START`].
pub const WARN_END: &str = "HELM_ERR_END";

const ANY: &[Param] = &[Param::Any];
const STR: &[Param] = &[Param::Str];

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}

fn str_arg(args: &[Value], i: usize) -> String {
    args.get(i)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn trim_nl(s: String) -> String {
    match s.strip_suffix('\n') {
        Some(t) => t.to_string(),
        None => s,
    }
}

fn error_map(msg: String) -> Value {
    let mut m = Map::new();
    m.insert("Error".into(), Value::from(msg));
    Value::from_map(m)
}

fn to_yaml(args: &[Value]) -> Result<Value, String> {
    Ok(Value::from(
        yaml::to_string(&arg(args, 0))
            .map(trim_nl)
            .unwrap_or_default(),
    ))
}

fn must_to_yaml(args: &[Value]) -> Result<Value, String> {
    yaml::to_string(&arg(args, 0))
        .map(|s| Value::from(trim_nl(s)))
        .map_err(|e| e.message)
}

fn to_yaml_pretty(args: &[Value]) -> Result<Value, String> {
    Ok(Value::from(
        yaml::to_string_pretty(&arg(args, 0))
            .map(trim_nl)
            .unwrap_or_default(),
    ))
}

fn from_yaml(args: &[Value]) -> Result<Value, String> {
    Ok(yaml::parse_map(&str_arg(args, 0)).unwrap_or_else(|e| error_map(e.message)))
}

fn from_yaml_array(args: &[Value]) -> Result<Value, String> {
    Ok(yaml::parse_list(&str_arg(args, 0))
        .unwrap_or_else(|e| Value::from_list(vec![Value::from(e.message)])))
}

fn to_json(args: &[Value]) -> Result<Value, String> {
    Ok(Value::from(
        json::to_string(&arg(args, 0)).unwrap_or_default(),
    ))
}

fn must_to_json(args: &[Value]) -> Result<Value, String> {
    json::to_string(&arg(args, 0)).map(Value::from)
}

fn from_json(args: &[Value]) -> Result<Value, String> {
    Ok(json::parse_map(&str_arg(args, 0)).unwrap_or_else(error_map))
}

fn from_json_array(args: &[Value]) -> Result<Value, String> {
    Ok(json::parse_list(&str_arg(args, 0))
        .unwrap_or_else(|e| Value::from_list(vec![Value::from(e)])))
}

fn to_toml(args: &[Value]) -> Result<Value, String> {
    Ok(Value::from(
        toml::to_string(&arg(args, 0)).unwrap_or_else(|e| e),
    ))
}

fn must_to_toml(args: &[Value]) -> Result<Value, String> {
    toml::to_string(&arg(args, 0)).map(Value::from)
}

fn from_toml(args: &[Value]) -> Result<Value, String> {
    Ok(toml::parse(&str_arg(args, 0)).unwrap_or_else(error_map))
}

/// `required MSG VAL`: fails with the (marker-wrapped) message when VAL is nil or "".
/// `fail MSG`: Helm's override of Sprig's, wrapping the message like `required`.
fn fail(args: &[Value]) -> Result<Value, String> {
    Err(format!("{WARN_START}{}{WARN_END}", str_arg(args, 0)))
}

fn required(args: &[Value]) -> Result<Value, String> {
    let warn = str_arg(args, 0);
    let val = arg(args, 1);
    let missing = match &val {
        Value::Nil => true,
        Value::Str(s) => s.is_empty(),
        _ => false,
    };
    if missing {
        return Err(format!("{WARN_START}{warn}{WARN_END}"));
    }
    Ok(val)
}

/// `lookup`: no cluster is ever reached, so an empty map (as `helm template` gives).
fn lookup(_args: &[Value]) -> Result<Value, String> {
    Ok(Value::new_map())
}

/// All of Helm's native functions.
pub fn funcs() -> Vec<FuncSpec> {
    vec![
        func("toYaml", ANY, None, to_yaml),
        func("mustToYaml", ANY, None, must_to_yaml),
        func("toYamlPretty", ANY, None, to_yaml_pretty),
        func("fromYaml", STR, None, from_yaml),
        func("fromYamlArray", STR, None, from_yaml_array),
        func("toJson", ANY, None, to_json),
        func("mustToJson", ANY, None, must_to_json),
        func("fromJson", STR, None, from_json),
        func("fromJsonArray", STR, None, from_json_array),
        func("toToml", ANY, None, to_toml),
        func("mustToToml", ANY, None, must_to_toml),
        func("fromToml", STR, None, from_toml),
        func("required", &[Param::Str, Param::Any], None, required),
        func("fail", STR, None, fail),
        func(
            "lookup",
            &[Param::Str, Param::Str, Param::Str, Param::Str],
            None,
            lookup,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(name: &str, args: &[Value]) -> Result<Value, String> {
        let f = funcs().into_iter().find(|f| f.name == name).unwrap();
        (f.f)(args)
    }

    #[test]
    fn to_yaml_trims_the_final_newline() {
        let v = yaml::parse_map("foo: bar").unwrap();
        assert_eq!(call("toYaml", &[v]).unwrap(), Value::str("foo: bar"));
    }

    #[test]
    fn from_yaml_errors_become_an_error_key() {
        let v = call("fromYaml", &[Value::str("- one\n- two\n")]).unwrap();
        assert_eq!(
            v.get("Error").unwrap().to_string(),
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
    }

    #[test]
    fn from_yaml_array_errors_become_a_one_element_list() {
        let v = call("fromYamlArray", &[Value::str("hello: world")]).unwrap();
        assert_eq!(v.as_list().unwrap().len(), 1);
    }

    #[test]
    fn required_refuses_nil_and_empty_strings() {
        assert!(call("required", &[Value::str("need x"), Value::Nil]).is_err());
        assert!(call("required", &[Value::str("need x"), Value::str("")]).is_err());
        assert_eq!(
            call("required", &[Value::str("m"), Value::Float(0.0)]).unwrap(),
            Value::Float(0.0)
        );
    }

    #[test]
    fn lookup_is_an_empty_map() {
        let v = call(
            "lookup",
            &[
                Value::str("v1"),
                Value::str("Pod"),
                Value::str(""),
                Value::str(""),
            ],
        )
        .unwrap();
        assert!(v.as_map().unwrap().borrow().is_empty());
    }
}
