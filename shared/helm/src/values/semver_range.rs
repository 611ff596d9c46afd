//! Helm's `IsCompatibleRange(constraint, version)`: Masterminds/semver v3 `NewVersion`
//! (coercing) and `NewConstraint(...).Check`, as dependency processing matches a
//! `Chart.yaml` dependency entry to a chart under `charts/`.

use std::cmp::Ordering;
use std::sync::OnceLock;

use regex::Regex;

/// Go's RE2 `\s`.
const WS: &str = r"[\t\n\f\r ]";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";
const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";

struct Res {
    loose: Regex,
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn res() -> &'static Res {
    static R: OnceLock<Res> = OnceLock::new();
    R.get_or_init(|| {
        let mk = |p: String| Regex::new(&p.replace(r"\s", WS)).expect("static regex");
        Res {
            loose: mk(r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$".into()),
            constraint: mk(format!(r"^\s*({OPS})\s*({CV})\s*$")),
            range: mk(format!(r"\s*({CV})\s+-\s+({CV})\s*")),
            find: mk(format!(r"({OPS})\s*({CV})")),
            valid: mk(format!(r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$")),
        }
    })
}

/// A parsed version (build metadata is ignored by every comparison).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
}

impl Version {
    /// `semver.NewVersion` in coercing mode (`1`, `v1.2`, `1.2.3-rc.1+b`).
    fn parse(v: &str) -> Option<Version> {
        let m = res().loose.captures(v)?;
        let seg = |i: usize| -> Option<u64> {
            match m.get(i) {
                None => Some(0),
                Some(s) => s.as_str().trim_start_matches('.').parse().ok(),
            }
        };
        let pre = m.get(5).map_or("", |s| s.as_str()).to_string();
        if !pre.is_empty() && !valid_prerelease(&pre) {
            return None;
        }
        Some(Version {
            major: seg(1)?,
            minor: seg(2)?,
            patch: seg(3)?,
            pre,
        })
    }

    fn compare(&self, o: &Version) -> Ordering {
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

fn valid_prerelease(p: &str) -> bool {
    p.split('.').all(|part| {
        if part.is_empty() {
            return false;
        }
        if part.bytes().all(|b| b.is_ascii_digit()) {
            return !(part.len() > 1 && part.starts_with('0'));
        }
        part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
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

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

struct Constraint {
    con: Version,
    op: String,
    minor_dirty: bool,
    patch_dirty: bool,
    dirty: bool,
}

fn parse_constraint(c: &str) -> Option<Constraint> {
    if c.is_empty() {
        return Some(Constraint {
            con: Version {
                major: 0,
                minor: 0,
                patch: 0,
                pre: String::new(),
            },
            op: String::new(),
            minor_dirty: false,
            patch_dirty: false,
            dirty: true,
        });
    }
    let m = res().constraint.captures(c)?;
    let g = |i: usize| m.get(i).map_or("", |s| s.as_str());
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
    let con = Version::parse(&ver)?;
    Some(Constraint {
        con,
        op: g(1).to_string(),
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
        match self.op.as_str() {
            "" | "=" => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v.compare(c) == Ordering::Equal
                }
            }
            "!=" => {
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
                v.compare(c) != Ordering::Equal
            }
            ">" => {
                if !self.dirty {
                    return v.compare(c) == Ordering::Greater;
                }
                if v.major > c.major {
                    true
                } else if v.major < c.major || self.minor_dirty {
                    false
                } else if self.patch_dirty {
                    v.minor > c.minor
                } else {
                    v.compare(c) == Ordering::Greater
                }
            }
            "<" => v.compare(c) == Ordering::Less,
            ">=" | "=>" => v.compare(c) != Ordering::Less,
            "<=" | "=<" => {
                if !self.dirty {
                    return v.compare(c) != Ordering::Greater;
                }
                !(v.major > c.major
                    || (v.major == c.major && v.minor > c.minor && !self.minor_dirty))
            }
            "~" | "~>" => self.tilde(v),
            _ => self.caret(v),
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

    fn caret(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
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

/// `strings.Replace(o, from, to, 1)`.
fn replace_first(o: &str, from: &str, to: &str) -> String {
    o.replacen(from, to, 1)
}

/// `util.IsCompatibleRange`: whether `ver` parses and satisfies `constraint`.
pub fn is_compatible_range(constraint: &str, ver: &str) -> bool {
    let Some(v) = Version::parse(ver) else {
        return false;
    };
    // rewriteRange: "1 - 2" becomes ">= 1, <= 2 "
    let mut c = constraint.to_string();
    let matches: Vec<(String, String, String)> = res()
        .range
        .captures_iter(constraint)
        .map(|m| {
            let g = |i: usize| m.get(i).map_or("", |s| s.as_str()).to_string();
            (g(0), g(1), g(11))
        })
        .collect();
    for (whole, a, b) in matches {
        c = replace_first(&c, &whole, &format!(">= {a}, <= {b} "));
    }
    let mut groups: Vec<(Vec<Constraint>, bool)> = Vec::new();
    for part in c.split("||") {
        if !res().valid.is_match(part) {
            return false;
        }
        let mut cs: Vec<&str> = res().find.find_iter(part).map(|m| m.as_str()).collect();
        if cs.is_empty() {
            cs.push(part);
        }
        let mut parsed = Vec::new();
        let mut has_pre = false;
        for s in cs {
            let Some(pc) = parse_constraint(s) else {
                return false;
            };
            has_pre |= !pc.con.pre.is_empty();
            parsed.push(pc);
        }
        groups.push((parsed, has_pre));
    }
    groups
        .iter()
        .any(|(cs, pre)| cs.iter().all(|c| c.check(&v, *pre)))
}

#[cfg(test)]
mod tests {
    use super::is_compatible_range as ok;

    #[test]
    fn ranges_match_like_masterminds_semver() {
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
}
