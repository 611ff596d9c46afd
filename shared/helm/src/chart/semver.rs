//! Masterminds/semver v3 `NewVersion` (coercing mode, Helm's default) and `Compare`, as
//! Helm uses them to validate chart versions and to sort repository entries.

use std::cmp::Ordering;

/// A parsed version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor (0 when absent).
    pub minor: u64,
    /// Patch (0 when absent).
    pub patch: u64,
    /// Pre-release, without `-`.
    pub pre: String,
    /// Build metadata, without `+`.
    pub metadata: String,
}

const ALLOWED: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";

fn is_ident_part(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Matches `[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*`.
fn is_dotted(s: &str) -> bool {
    s.split('.').all(is_ident_part)
}

impl Version {
    /// `semver.NewVersion(v)`: `v?MAJOR(.MINOR)?(.PATCH)?(-PRE)?(+META)?`, leading zeros
    /// allowed in the numeric parts.
    ///
    /// # Errors
    /// Masterminds' messages: `invalid semantic version`, `invalid prerelease string`,
    /// `version segment starts with 0`, `invalid metadata string`, or a number overflow.
    pub fn parse(v: &str) -> Result<Version, String> {
        let invalid = || "invalid semantic version".to_string();
        let s = v.strip_prefix('v').unwrap_or(v);
        let (core_pre, metadata) = match s.split_once('+') {
            Some((a, b)) => (a, b),
            None => (s, ""),
        };
        if s.contains('+') && !is_dotted(metadata) {
            return Err(invalid());
        }
        let (core, pre) = match core_pre.split_once('-') {
            Some((a, b)) => (a, b),
            None => (core_pre, ""),
        };
        if core_pre.contains('-') && !is_dotted(pre) {
            return Err(invalid());
        }
        let nums: Vec<&str> = core.split('.').collect();
        if nums.is_empty()
            || nums.len() > 3
            || nums
                .iter()
                .any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid());
        }
        let num = |i: usize| -> Result<u64, String> {
            match nums.get(i) {
                None => Ok(0),
                Some(n) => n.parse::<u64>().map_err(|_| {
                    format!(
                        "error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
                        crate::gofmt::quote(n)
                    )
                }),
            }
        };
        let ver = Version {
            major: num(0)?,
            minor: num(1)?,
            patch: num(2)?,
            pre: pre.to_string(),
            metadata: metadata.to_string(),
        };
        if !ver.pre.is_empty() {
            for p in ver.pre.split('.') {
                if p.is_empty() {
                    return Err("invalid prerelease string".into());
                } else if p.bytes().all(|b| b.is_ascii_digit()) {
                    if p.len() > 1 && p.starts_with('0') {
                        return Err("version segment starts with 0".into());
                    }
                } else if !p.chars().all(|c| ALLOWED.contains(c)) {
                    return Err("invalid prerelease string".into());
                }
            }
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

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let ap: Vec<&str> = a.split('.').collect();
    let bp: Vec<&str> = b.split('.').collect();
    for i in 0..ap.len().max(bp.len()) {
        let x = ap.get(i).copied().unwrap_or("");
        let y = bp.get(i).copied().unwrap_or("");
        let d = compare_pre_part(x, y);
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
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(_), Err(_)) => Ordering::Less,
        (Ok(a), Ok(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
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
}
