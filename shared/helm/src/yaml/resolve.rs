//! Plain-scalar resolution as go-yaml v2 (`resolve.go`) does it: YAML 1.1 booleans,
//! nulls, Go `strconv` integers (any base), the `yamlStyleFloat` pattern, `.inf`/`.nan`,
//! and the timestamp check (timestamps stay strings for `interface{}` targets, but make
//! the emitter quote them).

/// What a plain scalar resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// `!!null`
    Null,
    /// `!!bool`
    Bool(bool),
    /// `!!int` that fits an int64
    Int(i64),
    /// `!!int` above int64's range
    Uint(u64),
    /// `!!float`
    Float(f64),
    /// `!!timestamp` (kept as the string for `interface{}` targets)
    Timestamp,
    /// `<<`
    Merge,
    /// `!!str`
    Str,
}

/// go-yaml v2's `resolveMap`.
fn lookup_map(s: &str) -> Option<Resolved> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        "<<" => Resolved::Merge,
        _ => return None,
    })
}

/// Resolves a plain scalar as go-yaml v2 does for an untagged node.
pub fn resolve_v2(s: &str) -> Resolved {
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    if hint == 0 {
        return Resolved::Str;
    }
    if let Some(r) = lookup_map(s) {
        return r;
    }
    match hint {
        b'.' => {
            if let Some(f) = go_parse_float(s) {
                return Resolved::Float(f);
            }
        }
        b'D' | b'S' => {
            if hint == b'D' && is_timestamp(s) {
                return Resolved::Timestamp;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = go_parse_int(&plain) {
                return Resolved::Int(i);
            }
            if let Some(u) = go_parse_uint(&plain) {
                return Resolved::Uint(u);
            }
            if yaml_style_float(&plain) {
                if let Some(f) = go_parse_float(&plain) {
                    return Resolved::Float(f);
                }
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                if let Ok(i) = i64::from_str_radix(rest, 2) {
                    if !rest.starts_with(['+', '-']) {
                        return Resolved::Int(i);
                    }
                }
            } else if let Some(rest) = plain.strip_prefix("-0b") {
                if !rest.starts_with(['+', '-']) {
                    if let Ok(i) = i64::from_str_radix(&format!("-{rest}"), 2) {
                        return Resolved::Int(i);
                    }
                }
            }
        }
        _ => {}
    }
    Resolved::Str
}

/// Whether go-yaml v3 would resolve this plain scalar to something other than a string
/// (or quote it anyway: old YAML 1.1 booleans, base-60 floats).
pub fn v3_needs_quotes(s: &str) -> bool {
    if is_base60_float(s) || is_old_bool(s) {
        return true;
    }
    let hint = match s.as_bytes().first() {
        None => return true,
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => return false,
    };
    match s {
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "~" | "null" | "Null" | "NULL"
        | ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" | "<<" => return true,
        _ => {}
    }
    match hint {
        b'.' => go_parse_float(s).is_some(),
        b'D' | b'S' => {
            if hint == b'D' && is_timestamp(s) {
                return true;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if go_parse_int(&plain).is_some() || go_parse_uint(&plain).is_some() {
                return true;
            }
            if yaml_style_float(&plain) && go_parse_float(&plain).is_some() {
                return true;
            }
            let bin = plain
                .strip_prefix("0b")
                .or_else(|| plain.strip_prefix("-0b"));
            bin.is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b == b'0' || b == b'1'))
        }
        _ => false,
    }
}

fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
pub fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        // [0-5]?[0-9]
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let n = i - start;
        if n == 0 || (n == 2 && b[start] > b'5') {
            // a two-digit group must start with 0-5; one digit is fine
            if n == 2 {
                // backtrack: treat as one digit then the next char must not be a digit
                return false;
            }
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseInt(s, 0, 64)` for a string without underscores.
pub fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = go_parse_uint(body)?;
    if neg {
        if u <= (i64::MAX as u64) + 1 {
            Some((u as i128).wrapping_neg() as i64)
        } else {
            None
        }
    } else if u <= i64::MAX as u64 {
        Some(u as i64)
    } else {
        None
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` for a string without underscores.
pub fn go_parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() {
        return None;
    }
    let (radix, digits) = if b[0] == b'0' && b.len() > 1 {
        match b[1] {
            b'x' | b'X' => (16, &s[2..]),
            b'o' | b'O' => (8, &s[2..]),
            b'b' | b'B' => (2, &s[2..]),
            _ => (8, &s[1..]),
        }
    } else {
        (10, s)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal text (range errors fail).
pub fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if lower == "nan" {
        return Some(f64::NAN);
    }
    if lower.starts_with("0x") {
        return None;
    }
    let clean: String = if s.contains('_') {
        if !underscore_ok(s) {
            return None;
        }
        s.chars().filter(|&c| c != '_').collect()
    } else {
        s.to_string()
    };
    if !clean
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let f: f64 = clean.parse().ok()?;
    if f.is_infinite() {
        return None;
    }
    Some(f)
}

fn underscore_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut saw = b'^';
    for &c in s.as_bytes() {
        if c.is_ascii_digit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// go-yaml v2's `parseTimestamp` success check: `YYYY-` then one of the layouts
/// `2006-1-2T15:4:5.999999999Z07:00`, its lower-case `t` form,
/// `2006-1-2 15:4:5.999999999` or `2006-1-2`, as Go's `time.Parse` accepts them.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits4 = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits4 != 4 || b.len() == 4 || b[4] != b'-' {
        return false;
    }
    let year: i32 = s[..4].parse().unwrap_or(0);
    let mut i = 5;
    let Some(month) = num12(b, &mut i) else {
        return false;
    };
    if !(1..=12).contains(&month) || b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = num12(b, &mut i) else {
        return false;
    };
    if day < 1 || day > days_in(year, month) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if sep != b'T' && sep != b't' && sep != b' ' {
        return false;
    }
    i += 1;
    let Some(h) = num12(b, &mut i) else {
        return false;
    };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(m) = num12(b, &mut i) else {
        return false;
    };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(sec) = num12(b, &mut i) else {
        return false;
    };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    if i < b.len() && (b[i] == b'.' || b[i] == b',') && b.get(i + 1).is_some_and(u8::is_ascii_digit)
    {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    // Z07:00
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let r = &b[i + 1..];
            r.len() == 5
                && r[0].is_ascii_digit()
                && r[1].is_ascii_digit()
                && r[2] == b':'
                && r[3].is_ascii_digit()
                && r[4].is_ascii_digit()
                && (r[0] - b'0') * 10 + (r[1] - b'0') < 24
                && (r[3] - b'0') * 10 + (r[4] - b'0') < 60
        }
        _ => false,
    }
}

fn num12(b: &[u8], i: &mut usize) -> Option<u32> {
    let st = *i;
    while *i < b.len() && b[*i].is_ascii_digit() && *i - st < 2 {
        *i += 1;
    }
    if *i == st {
        return None;
    }
    std::str::from_utf8(&b[st..*i]).ok()?.parse().ok()
}

fn days_in(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml11_booleans_and_nulls_resolve() {
        assert_eq!(resolve_v2("yes"), Resolved::Bool(true));
        assert_eq!(resolve_v2("Off"), Resolved::Bool(false));
        assert_eq!(resolve_v2("~"), Resolved::Null);
        assert_eq!(resolve_v2(""), Resolved::Null);
        assert_eq!(resolve_v2("yES"), Resolved::Str);
    }

    #[test]
    fn go_integers_in_any_base_resolve() {
        assert_eq!(resolve_v2("0x1F"), Resolved::Int(31));
        assert_eq!(resolve_v2("017"), Resolved::Int(15));
        assert_eq!(resolve_v2("0b101"), Resolved::Int(5));
        assert_eq!(resolve_v2("1_000"), Resolved::Int(1000));
        assert_eq!(resolve_v2("-12"), Resolved::Int(-12));
        assert_eq!(resolve_v2("08"), Resolved::Float(8.0));
        assert_eq!(resolve_v2("18446744073709551615"), Resolved::Uint(u64::MAX));
    }

    #[test]
    fn floats_follow_the_yaml_style_pattern() {
        assert_eq!(resolve_v2("1.5"), Resolved::Float(1.5));
        assert_eq!(resolve_v2("1e3"), Resolved::Float(1000.0));
        assert_eq!(resolve_v2(".5"), Resolved::Float(0.5));
        assert_eq!(resolve_v2("1e400"), Resolved::Str);
        assert_eq!(resolve_v2("1.2.3"), Resolved::Str);
        assert_eq!(resolve_v2("12:30:00"), Resolved::Str);
    }

    #[test]
    fn timestamps_are_detected() {
        assert!(is_timestamp("2001-12-14"));
        assert!(is_timestamp("2001-12-14T21:59:43.10Z"));
        assert!(is_timestamp("2001-2-3 1:2:3"));
        assert!(!is_timestamp("2001-02-30"));
        assert!(!is_timestamp("2001-12-14 21:59:43.10 -5"));
    }

    #[test]
    fn base60_floats_are_detected() {
        assert!(is_base60_float("190:20:30"));
        assert!(is_base60_float("1:20"));
        assert!(!is_base60_float("1:60"));
        assert!(!is_base60_float("abc"));
    }
}
