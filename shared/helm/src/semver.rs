//! Semantic versions as Masterminds/semver v3 reads them, the one implementation the
//! crate uses: `NewVersion` in coercing mode (Helm's default: `1`, `v1.2`, leading zeros
//! in the numbers), `Compare`, `NewConstraint(...).Check` (`^`, `~`, comparison
//! operators, `x` wildcards, hyphen ranges, `,`/space for AND, `||` for OR) and Helm's
//! `IsCompatibleRange`.
//!
//! Users: chart metadata validation, the loader, `package`, the repository index, lint,
//! the CLI, dependency matching, the `kubeVersion` check and Sprig's `semver` /
//! `semverCompare`.

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

use crate::gofmt;

const INVALID: &str = "invalid semantic version";

/// A parsed version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Major number.
    pub major: u64,
    /// Minor number (0 when absent).
    pub minor: u64,
    /// Patch number (0 when absent).
    pub patch: u64,
    /// Prerelease, without `-`.
    pub pre: String,
    /// Build metadata, without `+`.
    pub metadata: String,
    /// The text it was parsed from.
    pub original: String,
}

fn is_ident_part(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Matches `[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*`.
fn is_dotted(s: &str) -> bool {
    s.split('.').all(is_ident_part)
}

fn parse_segment(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        format!(
            "error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            gofmt::quote(s)
        )
    })
}

fn validate_prerelease(p: &str) -> Result<(), String> {
    for part in p.split('.') {
        if part.is_empty() {
            return Err("invalid prerelease string".into());
        } else if part.bytes().all(|b| b.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err("version segment starts with 0".into());
            }
        } else if !is_ident_part(part) {
            return Err("invalid prerelease string".into());
        }
    }
    Ok(())
}

impl Version {
    /// `semver.NewVersion(v)`: `v?MAJOR(.MINOR)?(.PATCH)?(-PRE)?(+META)?` (the shape of
    /// Masterminds' loose pattern), leading zeros allowed in the numeric parts.
    ///
    /// # Errors
    /// Masterminds' messages: `invalid semantic version`, `invalid prerelease string`,
    /// `version segment starts with 0`, or a number overflow.
    pub fn parse(v: &str) -> Result<Version, String> {
        let s = v.strip_prefix('v').unwrap_or(v);
        let (core_pre, metadata) = match s.split_once('+') {
            Some((a, b)) if is_dotted(b) => (a, b),
            Some(_) => return Err(INVALID.into()),
            None => (s, ""),
        };
        let (core, pre) = match core_pre.split_once('-') {
            Some((a, b)) if is_dotted(b) => (a, b),
            Some(_) => return Err(INVALID.into()),
            None => (core_pre, ""),
        };
        let nums: Vec<&str> = core.split('.').collect();
        if nums.len() > 3
            || nums
                .iter()
                .any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(INVALID.into());
        }
        let num = |i: usize| nums.get(i).map_or(Ok(0), |n| parse_segment(n));
        let ver = Version {
            major: num(0)?,
            minor: num(1)?,
            patch: num(2)?,
            pre: pre.to_string(),
            metadata: metadata.to_string(),
            original: v.to_string(),
        };
        if !ver.pre.is_empty() {
            validate_prerelease(&ver.pre)?;
        }
        Ok(ver)
    }

    /// Masterminds' `Compare`: numbers, then pre-release (a release sorts above its
    /// pre-releases); metadata is ignored.
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
}

/// semver's `String()`: `MAJOR.MINOR.PATCH[-PRE][+META]`.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
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
        (Err(_), Err(_)) => s.cmp(o),
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

/// Go's RE2 `\s`.
const WS: &str = r"[\t\n\f\r ]";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";

struct Patterns {
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let c = |p: String| Regex::new(&p.replace(r"\s", WS)).expect("static regex");
        Patterns {
            constraint: c(format!(r"^\s*({OPS})\s*({CV})\s*$")),
            range: c(format!(r"\s*({CV})\s+-\s+({CV})\s*")),
            find: c(format!(r"({OPS})\s*({CV})")),
            valid: c(format!(
                r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$"
            )),
        }
    })
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
    constraint_from_parts(g(1), [g(2), g(3), g(4), g(5), g(6)])
}

/// A constraint from the parts the constraint pattern captures: the operator, then the
/// version text, its major part, `.minor`, `.patch` and `-pre` (each "" when absent).
fn constraint_from_parts(op: &str, parts: [&str; 5]) -> Result<Constraint, String> {
    let g = |i: usize| parts[i - 2];
    let op = match op {
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

/// The common shape of a constraint, one operator and one version with no white space,
/// comma, `||` or range (`^1.2.3`, `>=0.1.0-0`, `1.x`), parsed without the patterns;
/// `None` for anything else, which the pattern path parses (and words its errors).
/// For these strings the patterns find exactly the operator and the whole version, so
/// both paths give the same constraint (a test compares them).
fn parse_simple(c: &str) -> Option<Result<Constraints, String>> {
    let op_len = c
        .bytes()
        .take_while(|b| matches!(b, b'=' | b'!' | b'>' | b'<' | b'~' | b'^'))
        .count();
    let (op, cv) = c.split_at(op_len);
    if !matches!(
        op,
        "" | "=" | "!=" | ">" | "<" | ">=" | "=>" | "<=" | "=<" | "~" | "~>" | "^"
    ) {
        return None;
    }
    let body = cv.strip_prefix('v').unwrap_or(cv);
    let (rest, meta) = match body.split_once('+') {
        Some((r, m)) => (r, Some(m)),
        None => (body, None),
    };
    let (nums, pre) = match rest.split_once('-') {
        Some((n, p)) => (n, Some(p)),
        None => (rest, None),
    };
    if !pre.is_none_or(is_dotted) || !meta.is_none_or(is_dotted) {
        return None;
    }
    let mut parts = nums.split('.');
    let major = parts.next().unwrap_or("");
    let minor = parts.next();
    let patch = parts.next();
    let number = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'x' | b'X' | b'*'))
    };
    if parts.next().is_some()
        || !number(major)
        || !minor.is_none_or(number)
        || !patch.is_none_or(number)
    {
        return None;
    }
    // the captured `.minor`, `.patch` and `-pre` keep their leading separator
    let dot_minor = minor.map_or(0, |m| m.len() + 1);
    let dot_patch = patch.map_or(0, |p| p.len() + 1);
    let after_major = major.len();
    let minor_text = &nums[after_major..after_major + dot_minor];
    let patch_text = &nums[after_major + dot_minor..after_major + dot_minor + dot_patch];
    let pre_text = &rest[nums.len()..];
    Some(
        constraint_from_parts(op, [cv, major, minor_text, patch_text, pre_text]).map(|pc| {
            let has_pre = !pc.con.pre.is_empty();
            Constraints {
                groups: vec![(vec![pc], has_pre)],
            }
        }),
    )
}

/// semver's `rewriteRange`: `1.2 - 1.4.5` becomes `>= 1.2, <= 1.4.5 `.
fn rewrite_range(s: &str) -> String {
    let mut out = s.to_string();
    for caps in patterns().range.captures_iter(s) {
        let g = |i: usize| caps.get(i).map_or("", |m| m.as_str());
        out = out.replacen(g(0), &format!(">= {}, <= {} ", g(1), g(11)), 1);
    }
    out
}

impl Constraints {
    /// `semver.NewConstraint`.
    ///
    /// # Errors
    /// `improper constraint: "..."` and `constraint parser error`.
    pub fn parse(c: &str) -> Result<Constraints, String> {
        if let Some(simple) = parse_simple(c) {
            return simple;
        }
        let c = rewrite_range(c);
        let mut groups = Vec::new();
        for part in c.split("||") {
            if !patterns().valid.is_match(part) {
                return Err(improper(part));
            }
            let mut found: Vec<&str> = patterns()
                .find
                .find_iter(part)
                .map(|m| m.as_str())
                .collect();
            if found.is_empty() {
                found.push(part);
            }
            let mut cs = Vec::new();
            let mut has_pre = false;
            for f in found {
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

/// Helm's `util.IsCompatibleRange`: whether `version` parses and satisfies `constraint`
/// (either failing to parse counts as not compatible).
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let Ok(v) = Version::parse(version) else {
        return false;
    };
    Constraints::parse(constraint).is_ok_and(|c| c.check(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn check(c: &str, v: &str) -> bool {
        Constraints::parse(c)
            .unwrap()
            .check(&Version::parse(v).unwrap())
    }

    #[test]
    fn parses_loose_versions_like_helm() {
        for ok in [
            "1.0.0",
            "v1.0",
            "1",
            "01.0.0",
            "1.2.3-rc.1+build.5",
            "1.0.0-alpha-1",
        ] {
            assert!(Version::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "one",
            "1.0.0.0",
            "1..0",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-a..b",
            " 1.0.0",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Version::parse("1.0.0-01").unwrap_err(),
            "version segment starts with 0"
        );
    }

    #[test]
    fn versions_parse_loosely() {
        let v = Version::parse("1.2.3-beta.1+c0ff33").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 2, 3));
        assert_eq!(v.pre, "beta.1");
        assert_eq!(v.metadata, "c0ff33");
        assert_eq!(Version::parse("v1.2").unwrap().to_string(), "1.2.0");
        assert_eq!(Version::parse("badVersion").unwrap_err(), INVALID);
        assert_eq!(
            Version::parse("1.2.3-01").unwrap_err(),
            "version segment starts with 0"
        );
    }

    #[test]
    fn compares_with_prerelease_rules() {
        assert_eq!(v("1.0.0").compare(&v("1.0.0-rc.1")), Ordering::Greater);
        assert_eq!(v("1.0.0-rc.2").compare(&v("1.0.0-rc.10")), Ordering::Less);
        assert_eq!(
            v("1.0.0-beta").compare(&v("1.0.0-alpha")),
            Ordering::Greater
        );
        assert_eq!(v("1.0.0-1").compare(&v("1.0.0-a")), Ordering::Less);
        assert_eq!(v("1.0.0+a").compare(&v("1.0.0+b")), Ordering::Equal);
        assert_eq!(v("2.0").compare(&v("10.0")), Ordering::Less);
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
    fn ranges_match_like_masterminds_semver() {
        let ok = is_compatible_range;
        assert!(ok("1.2.3", "1.2.3"));
        assert!(ok("~1.2.0", "1.2.9"));
        assert!(!ok("~1.2.0", "1.3.0"));
        assert!(ok("^1.2.0", "1.9.0"));
        assert!(!ok("^1.2.0", "2.0.0"));
        assert!(ok("^0.2.0", "0.2.5"));
        assert!(!ok("^0.2.0", "0.3.0"));
        assert!(ok(">=1.0.0 <2.0.0", "1.5.0"));
        assert!(ok(">=1.0.0, <2.0.0", "1.5.0"));
        assert!(ok("1.x", "1.7.1"));
        assert!(ok("*", "3.0.0"));
        assert!(ok("1 - 2", "2.5.0"));
        assert!(!ok("1 - 2", "3.0.0"));
        assert!(ok("<1 || >=3", "3.1.0"));
        assert!(!ok("*", "1.0.0-rc1"));
        assert!(ok(">=1.0.0-0", "1.0.0-rc1"));
        assert!(ok("1.2", "1.2.4"));
        assert!(!ok("", "1.0.0"));
        assert!(!ok("1.0.0", "not-a-version"));
        assert!(ok("!=1.2.3", "1.2.4"));
        assert!(ok("v1.2.3", "1.2.3"));
    }

    #[test]
    fn simple_constraints_parse_as_the_patterns_do() {
        let ops = [
            "", "=", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "^",
        ];
        let versions = [
            "1",
            "1.2",
            "1.2.3",
            "v1.2.3",
            "1.x",
            "1.2.x",
            "x",
            "*",
            "X.1",
            "1.2.*",
            "01.2.3",
            "1.2.3-beta.1",
            "1.2.3-0",
            "0.1.0-0",
            "1.2.3+build.5",
            "1.2-rc1+m",
            "1.2.3.4",
            "1..2",
            "1.2.3-",
            "1.2.3-a..b",
            "a.b.c",
            "1.2.3+",
            "18446744073709551616",
        ];
        let probes = [
            "0.0.0",
            "0.1.0",
            "1.0.0",
            "1.2.0",
            "1.2.3",
            "1.2.4-beta",
            "1.3.0",
            "2.0.0",
        ];
        let mut simple = 0;
        for op in ops {
            for v in versions {
                let c = format!("{op}{v}");
                let fast = parse_simple(&c);
                let Some(fast) = fast else { continue };
                simple += 1;
                // the pattern path, as parse() takes it without the fast path
                let slow = {
                    let found: Vec<&str> =
                        patterns().find.find_iter(&c).map(|m| m.as_str()).collect();
                    assert!(patterns().valid.is_match(&c), "{c} is valid");
                    assert_eq!(
                        found,
                        vec![c.as_str()],
                        "{c}: the pattern finds the whole text"
                    );
                    parse_constraint(&c).map(|pc| {
                        let has_pre = !pc.con.pre.is_empty();
                        Constraints {
                            groups: vec![(vec![pc], has_pre)],
                        }
                    })
                };
                assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{c}");
                if let (Ok(f), Ok(s)) = (&fast, &slow) {
                    for p in probes {
                        let p = Version::parse(p).unwrap();
                        assert_eq!(f.check(&p), s.check(&p), "{c} on {}", p.original);
                    }
                }
            }
        }
        assert!(
            simple > 150,
            "most generated constraints take the fast path: {simple}"
        );
    }
}
