//! Semantic versions as Masterminds/semver v3 reads them: `semver` (a `*semver.Version`
//! object with `Major`, `Minor`, `Patch`, `Prerelease`, `Metadata`, `Original` and a
//! `Compare` method) and `semverCompare` (constraints with `^`, `~`, comparison
//! operators, `x` wildcards, hyphen ranges, `,`/space for AND and `||` for OR).

use std::cmp::Ordering;
use std::rc::Rc;
use std::sync::OnceLock;

use regex::Regex;

use super::regex::compile;
use crate::funcs::{func, FuncSpec, Param};
use crate::gofmt;
use crate::value::{Object, Value};

const INVALID: &str = "invalid semantic version";

/// A parsed version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Major number.
    pub major: u64,
    /// Minor number.
    pub minor: u64,
    /// Patch number.
    pub patch: u64,
    /// Prerelease (after `-`).
    pub pre: String,
    /// Build metadata (after `+`).
    pub metadata: String,
    /// The text it was parsed from.
    pub original: String,
}

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

struct Patterns {
    loose: Regex,
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let c = |p: &str| compile(p).expect("semver patterns are valid");
        Patterns {
            loose: c(r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$"),
            constraint: c(&format!(r"^\s*({OPS})\s*({CV})\s*$")),
            range: c(&format!(r"\s*({CV})\s+-\s+({CV})\s*")),
            find: c(&format!(r"({OPS})\s*({CV})")),
            valid: c(&format!(r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$")),
        }
    })
}

fn parse_segment(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        format!(
            "error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            gofmt::quote(s)
        )
    })
}

fn only(s: &str, f: impl Fn(char) -> bool) -> bool {
    s.chars().all(f)
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

fn validate_prerelease(p: &str) -> Result<(), String> {
    for part in p.split('.') {
        if part.is_empty() {
            return Err("invalid prerelease string".into());
        } else if only(part, |c| c.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err("version segment starts with 0".into());
            }
        } else if !only(part, allowed) {
            return Err("invalid prerelease string".into());
        }
    }
    Ok(())
}

fn validate_metadata(m: &str) -> Result<(), String> {
    if m.split('.').any(|p| p.is_empty() || !only(p, allowed)) {
        return Err("invalid metadata string".into());
    }
    Ok(())
}

impl Version {
    /// `semver.NewVersion` (coercing: `1`, `1.2`, `v1.2.3` are accepted).
    ///
    /// # Errors
    /// semver's messages (`invalid semantic version`, ...).
    pub fn parse(v: &str) -> Result<Version, String> {
        let caps = patterns().loose.captures(v).ok_or(INVALID)?;
        let g = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        let major = parse_segment(g(1))?;
        let minor = if g(2).is_empty() {
            0
        } else {
            parse_segment(&g(2)[1..])?
        };
        let patch = if g(3).is_empty() {
            0
        } else {
            parse_segment(&g(3)[1..])?
        };
        let ver = Version {
            major,
            minor,
            patch,
            pre: g(5).to_string(),
            metadata: g(8).to_string(),
            original: v.to_string(),
        };
        if !ver.pre.is_empty() {
            validate_prerelease(&ver.pre)?;
        }
        if !ver.metadata.is_empty() {
            validate_metadata(&ver.metadata)?;
        }
        Ok(ver)
    }

    /// semver's `Compare` (metadata ignored).
    pub fn compare(&self, o: &Version) -> Ordering {
        self.major
            .cmp(&o.major)
            .then(self.minor.cmp(&o.minor))
            .then(self.patch.cmp(&o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            })
    }

    fn canonical(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            s.push('+');
            s.push_str(&self.metadata);
        }
        s
    }
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let ap: Vec<&str> = a.split('.').collect();
    let bp: Vec<&str> = b.split('.').collect();
    for i in 0..ap.len().max(bp.len()) {
        let d = compare_pre_part(
            ap.get(i).copied().unwrap_or(""),
            bp.get(i).copied().unwrap_or(""),
        );
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(a), Ok(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

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
            "String" => Value::from(self.canonical()),
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
        self.canonical()
    }

    fn to_json_value(&self) -> Option<Value> {
        Some(Value::from(self.canonical()))
    }

    fn as_string(&self) -> Option<String> {
        Some(self.canonical())
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Gt,
    Lt,
    Gte,
    Lte,
    Tilde,
    Caret,
}

#[derive(Debug)]
struct Constraint {
    con: Version,
    op: Op,
    minor_dirty: bool,
    patch_dirty: bool,
    dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

fn improper(c: &str) -> String {
    format!("improper constraint: {}", gofmt::quote(c))
}

fn parse_constraint(c: &str) -> Result<Constraint, String> {
    if c.is_empty() {
        return Ok(Constraint {
            con: Version::parse("0.0.0")?,
            op: Op::TildeOrEqual,
            minor_dirty: false,
            patch_dirty: false,
            dirty: true,
        });
    }
    let caps = patterns()
        .constraint
        .captures(c)
        .ok_or_else(|| improper(c))?;
    let g = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    let op = match g(1) {
        "" | "=" => Op::TildeOrEqual,
        "!=" => Op::NotEqual,
        ">" => Op::Gt,
        "<" => Op::Lt,
        ">=" | "=>" => Op::Gte,
        "<=" | "=<" => Op::Lte,
        "~" | "~>" => Op::Tilde,
        _ => Op::Caret,
    };
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let ver = if is_x(g(3)) || g(3).is_empty() {
        dirty = true;
        format!("0.0.0{}", g(6))
    } else if is_x(g(4).trim_start_matches('.')) || g(4).is_empty() {
        minor_dirty = true;
        dirty = true;
        format!("{}.0.0{}", g(3), g(6))
    } else if is_x(g(5).trim_start_matches('.')) || g(5).is_empty() {
        dirty = true;
        patch_dirty = true;
        format!("{}{}.0{}", g(3), g(4), g(6))
    } else {
        g(2).to_string()
    };
    let con = Version::parse(&ver).map_err(|_| "constraint parser error".to_string())?;
    Ok(Constraint {
        con,
        op,
        minor_dirty,
        patch_dirty,
        dirty,
    })
}

impl Constraint {
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let c = &self.con;
        let cmp = v.compare(c);
        match self.op {
            Op::TildeOrEqual => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    cmp == Ordering::Equal
                }
            }
            Op::Tilde => self.tilde(v),
            Op::NotEqual => {
                if self.dirty {
                    if c.major != v.major {
                        return true;
                    }
                    if c.minor != v.minor && !self.minor_dirty {
                        return true;
                    } else if self.minor_dirty {
                        return false;
                    } else if c.patch != v.patch && !self.patch_dirty {
                        return true;
                    } else if self.patch_dirty {
                        if !v.pre.is_empty() || !c.pre.is_empty() {
                            return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
                        }
                        return false;
                    }
                }
                cmp != Ordering::Equal
            }
            Op::Gt => {
                if !self.dirty {
                    return cmp == Ordering::Greater;
                }
                if v.major != c.major {
                    return v.major > c.major;
                }
                if self.minor_dirty {
                    return false;
                }
                if self.patch_dirty {
                    return v.minor > c.minor;
                }
                cmp == Ordering::Greater
            }
            Op::Lt => cmp == Ordering::Less,
            Op::Gte => cmp != Ordering::Less,
            Op::Lte => {
                if !self.dirty {
                    return cmp != Ordering::Greater;
                }
                if v.major > c.major {
                    return false;
                }
                !(v.major == c.major && v.minor > c.minor && !self.minor_dirty)
            }
            Op::Caret => {
                if cmp == Ordering::Less {
                    return false;
                }
                if c.major > 0 || self.minor_dirty {
                    return v.major == c.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.minor == c.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                c.patch == v.patch
            }
        }
    }

    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }
}

/// A parsed constraint expression: OR of ANDs.
#[derive(Debug)]
pub struct Constraints {
    groups: Vec<(Vec<Constraint>, bool)>,
}

/// semver's `rewriteRange`: `1.2 - 1.4.5` becomes `>= 1.2, <= 1.4.5`.
fn rewrite_range(s: &str) -> String {
    let re = &patterns().range;
    let mut out = s.to_string();
    for caps in re.captures_iter(s) {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let a = caps.get(1).map_or("", |m| m.as_str());
        let b = caps.get(11).map_or("", |m| m.as_str());
        out = out.replacen(whole, &format!(">= {a}, <= {b} "), 1);
    }
    out
}

impl Constraints {
    /// `semver.NewConstraint`.
    ///
    /// # Errors
    /// `improper constraint: "..."` and the version parser's errors.
    pub fn parse(c: &str) -> Result<Constraints, String> {
        let c = rewrite_range(c);
        let mut groups = Vec::new();
        for part in c.split("||") {
            if !patterns().valid.is_match(part) {
                return Err(improper(part));
            }
            let mut found: Vec<String> = patterns()
                .find
                .find_iter(part)
                .map(|m| m.as_str().to_string())
                .collect();
            if found.is_empty() {
                found.push(part.to_string());
            }
            let mut cs = Vec::new();
            let mut has_pre = false;
            for f in &found {
                let pc = parse_constraint(f)?;
                has_pre |= !pc.con.pre.is_empty();
                cs.push(pc);
            }
            groups.push((cs, has_pre));
        }
        Ok(Constraints { groups })
    }

    /// Whether `v` satisfies any of the OR groups.
    pub fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .any(|(cs, pre)| cs.iter().all(|c| c.check(v, *pre)))
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

    fn check(c: &str, v: &str) -> bool {
        Constraints::parse(c)
            .unwrap()
            .check(&Version::parse(v).unwrap())
    }

    #[test]
    fn versions_parse_loosely() {
        let v = Version::parse("1.2.3-beta.1+c0ff33").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 2, 3));
        assert_eq!(v.pre, "beta.1");
        assert_eq!(v.metadata, "c0ff33");
        assert_eq!(Version::parse("v1.2").unwrap().canonical(), "1.2.0");
        assert_eq!(Version::parse("badVersion").unwrap_err(), INVALID);
        assert_eq!(
            Version::parse("1.2.3-01").unwrap_err(),
            "version segment starts with 0"
        );
    }

    #[test]
    fn constraints_follow_semver_v3() {
        assert!(check("1.2.3", "1.2.3"));
        assert!(check("^1.2.0", "1.2.3"));
        assert!(!check("^1.2.0", "2.2.3"));
        assert!(check("~1.2.0", "1.2.9"));
        assert!(!check("~1.2.0", "1.3.0"));
        assert!(check(">=1.2, <1.4", "1.3.5"));
        assert!(check(">=1.2 <1.4", "1.3.5"));
        assert!(check("1.2 - 1.4.5", "1.4.5"));
        assert!(!check("1.2 - 1.4.5", "1.4.6"));
        assert!(check("1.x", "1.9.0"));
        assert!(check("*", "3.0.0"));
        assert!(!check("*", "3.0.0-alpha"));
        assert!(check(">=1.0.0-0", "1.0.0-alpha"));
        assert!(check("<1.0 || >=2.0", "2.1.0"));
        assert!(!check("!=1.2.3", "1.2.3"));
        assert!(check("^0.2.3", "0.2.5"));
        assert!(!check("^0.2.3", "0.3.0"));
        assert!(check(">= 1.19.0-0", "1.30.0"));
        assert!(check("~1.x", "1.5.0"));
        assert!(check(">1.x", "2.0.0"));
        assert!(!check(">1.x", "1.9.0"));
        assert!(check("<=1.2.x", "1.2.9"));
    }

    #[test]
    fn semver_compare_errors() {
        assert_eq!(
            show("semverCompare", &[s("badConstraint"), s("1.2.3")]),
            "ERR improper constraint: \"badConstraint\""
        );
        assert_eq!(
            show("semverCompare", &[s("1.2.0"), s("badVersion")]),
            format!("ERR {INVALID}")
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
