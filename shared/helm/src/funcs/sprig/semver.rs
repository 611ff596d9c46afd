//! Semantic versions as Masterminds/semver v3 reads them: `semver` (a `*semver.Version`
//! object with `Major`, `Minor`, `Patch`, `Prerelease`, `Metadata`, `Original` and a
//! `Compare` method) and `semverCompare` (constraints with `^`, `~`, comparison
//! operators, `x` wildcards, hyphen ranges, `,`/space for AND and `||` for OR).

use std::cmp::Ordering;
use std::rc::Rc;

use crate::funcs::{func, FuncSpec, Param};
use crate::semver::{Constraints, Version};
use crate::value::{Object, Value};

impl Object for Version {
    fn type_name(&self) -> &str {
        "*semver.Version"
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Major" => Value::Int(self.major as i64),
            "Minor" => Value::Int(self.minor as i64),
            "Patch" => Value::Int(self.patch as i64),
            "Prerelease" => Value::from(self.pre.clone()),
            "Metadata" => Value::from(self.metadata.clone()),
            "Original" => Value::from(self.original.clone()),
            "String" => Value::from(self.to_string()),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if !self.has_method(name) {
            return None;
        }
        let other = match args {
            [v] => match version_of(v) {
                Some(o) => o,
                None => {
                    return Some(Err(format!(
                        "wrong type for value; expected *semver.Version; got {}",
                        v.type_name()
                    )))
                }
            },
            _ => {
                return Some(Err(format!(
                    "wrong number of args for {name}: want 1 got {}",
                    args.len()
                )))
            }
        };
        let ord = self.compare(&other);
        Some(Ok(match name {
            "Compare" => Value::Int(match ord {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            }),
            "LessThan" => Value::Bool(ord == Ordering::Less),
            "GreaterThan" => Value::Bool(ord == Ordering::Greater),
            "LessThanEqual" => Value::Bool(ord != Ordering::Greater),
            "GreaterThanEqual" => Value::Bool(ord != Ordering::Less),
            _ => Value::Bool(ord == Ordering::Equal),
        }))
    }

    fn format(&self) -> String {
        self.to_string()
    }

    fn to_json_value(&self) -> Option<Value> {
        Some(Value::from(self.to_string()))
    }

    fn as_string(&self) -> Option<String> {
        Some(self.to_string())
    }

    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Compare" | "LessThan" | "GreaterThan" | "Equal" | "LessThanEqual" | "GreaterThanEqual"
        )
    }
}

/// A version back from a template value holding a `*semver.Version`.
fn version_of(v: &Value) -> Option<Version> {
    match v {
        Value::Object(o) if o.type_name() == "*semver.Version" => {
            let orig = o.field("Original")?;
            Version::parse(orig.as_str()?).ok()
        }
        _ => None,
    }
}

fn semver_fn(a: &[Value]) -> Result<Value, String> {
    let v = Version::parse(a[0].as_str().unwrap_or(""))?;
    Ok(Value::Object(Rc::new(v)))
}

fn semver_compare(a: &[Value]) -> Result<Value, String> {
    let c = Constraints::parse(a[0].as_str().unwrap_or(""))?;
    let v = Version::parse(a[1].as_str().unwrap_or(""))?;
    Ok(Value::Bool(c.check(&v)))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("semver", &[Str], None, semver_fn),
        func("semverCompare", &[Str, Str], None, semver_compare),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::strval;
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn semver_compare_errors() {
        assert_eq!(
            show("semverCompare", &[s("badConstraint"), s("1.2.3")]),
            "ERR improper constraint: \"badConstraint\""
        );
        assert_eq!(
            show("semverCompare", &[s("1.2.0"), s("badVersion")]),
            "ERR invalid semantic version"
        );
    }

    #[test]
    fn semver_object_fields_and_compare() {
        let v = call("semver", &[s("1.2.3-beta.1+c0ff33")]).unwrap();
        let Value::Object(o) = &v else { panic!() };
        assert_eq!(o.field("Prerelease").unwrap(), s("beta.1"));
        assert_eq!(o.field("Major").unwrap(), i(1));
        assert_eq!(o.type_name(), "*semver.Version");
        let a = call("semver", &[s("1.3.3")]).unwrap();
        let b = call("semver", &[s("1.2.3")]).unwrap();
        let Value::Object(ao) = &a else { panic!() };
        assert_eq!(ao.call("Compare", &[b]).unwrap().unwrap(), i(1));
        assert_eq!(strval(&v), "1.2.3-beta.1+c0ff33");
    }
}
