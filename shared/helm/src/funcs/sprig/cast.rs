//! Conversions: spf13/cast's `ToInt64`/`ToFloat64` as Sprig uses them (strings parsed,
//! floats truncated, bools 1/0, nil 0), and `atoi`, `int`, `int64`, `float64`,
//! `toString`, `toDecimal`.

use super::strval;
use crate::funcs::{func, FuncSpec, Param};
use crate::gofmt;
use crate::value::Value;

/// Go's `strconv.ParseInt(s, base, 64)`; base 0 reads Go literal prefixes and
/// underscores. `None` on any error.
pub fn parse_int(s: &str, base: u32) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits, prefixed) = if base == 0 {
        let lower = body.to_ascii_lowercase();
        if lower.starts_with("0x") {
            (16, &body[2..], true)
        } else if lower.starts_with("0o") {
            (8, &body[2..], true)
        } else if lower.starts_with("0b") {
            (2, &body[2..], true)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..], true)
        } else {
            (10, body, false)
        }
    } else {
        (base, body, false)
    };
    if base == 0 && !underscores_ok(digits, prefixed) {
        return None;
    }
    let clean: String = if base == 0 {
        digits.chars().filter(|c| *c != '_').collect()
    } else {
        digits.to_string()
    };
    if clean.is_empty() {
        return None;
    }
    let mag = u64::from_str_radix(&clean, radix).ok()?;
    if neg {
        if mag > (i64::MAX as u64) + 1 {
            None
        } else {
            Some((mag as i64).wrapping_neg())
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// Go's rule: an underscore must sit between digits (or right after a base prefix).
fn underscores_ok(digits: &str, prefixed: bool) -> bool {
    if !digits.contains('_') {
        return true;
    }
    let b = digits.as_bytes();
    let mut prev_digit = prefixed;
    for (i, c) in b.iter().enumerate() {
        if *c == b'_' {
            if !prev_digit {
                return false;
            }
            prev_digit = false;
            if i + 1 == b.len() {
                return false;
            }
        } else {
            prev_digit = true;
        }
    }
    true
}

/// Go's `strconv.ParseFloat(s, 64)`; `None` on error.
pub fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim_start_matches(['+', '-']);
    let lower = t.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        let neg = s.starts_with('-');
        return Some(match lower.as_str() {
            "nan" => f64::NAN,
            _ if neg => f64::NEG_INFINITY,
            _ => f64::INFINITY,
        });
    }
    if s.is_empty() || s.contains(['i', 'I', 'n', 'N']) || s.matches(['+', '-']).count() > 2 {
        return None;
    }
    s.parse::<f64>().ok()
}

/// cast's `trimZeroDecimal`: "10.00" reads as "10".
fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=b.len()).rev() {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Go's `int64(f)` on amd64: out-of-range and NaN give the minimum int64.
pub fn float_to_int(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// spf13/cast `ToInt64` (and `ToInt`): 0 when the value does not convert.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        Value::Float(f) => float_to_int(*f),
        Value::Bool(b) => i64::from(*b),
        Value::Str(s) => parse_int(trim_zero_decimal(s), 0).unwrap_or(0),
        _ => 0,
    }
}

/// spf13/cast `ToFloat64`: 0 when the value does not convert.
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Str(s) => parse_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

fn atoi(a: &[Value]) -> Result<Value, String> {
    let s = a[0].as_str().unwrap_or("");
    // strconv.Atoi: base 10, no prefixes or underscores
    let ok = !s.contains('_') && {
        let body = s.trim_start_matches(['+', '-']);
        s.len() - body.len() <= 1 && !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit())
    };
    Ok(Value::Int(if ok {
        parse_int(s, 10).unwrap_or(0)
    } else {
        0
    }))
}

fn int(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(to_int64(&a[0])))
}

fn float64(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Float(to_float64(&a[0])))
}

fn to_string(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(strval(&a[0])))
}

fn to_decimal(a: &[Value]) -> Result<Value, String> {
    let s = gofmt::sprint_one(&a[0]);
    let body = s.trim_start_matches(['+', '-']);
    let ok = s.len() - body.len() <= 1
        && !body.is_empty()
        && body.bytes().all(|b| (b'0'..=b'7').contains(&b));
    Ok(Value::Int(if ok {
        parse_int(&s, 8).unwrap_or(0)
    } else {
        0
    }))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("atoi", &[Str], None, atoi),
        func("int", &[Any], None, int),
        func("int64", &[Any], None, int),
        func("float64", &[Any], None, float64),
        func("toString", &[Any], None, to_string),
        func("toDecimal", &[Any], None, to_decimal),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn to_int64_follows_spf13_cast() {
        assert_eq!(to_int64(&s("42")), 42);
        assert_eq!(to_int64(&s("0x1F")), 31);
        assert_eq!(to_int64(&s("010")), 8);
        assert_eq!(to_int64(&s("08")), 0);
        assert_eq!(to_int64(&s("10.00")), 10);
        assert_eq!(to_int64(&s("10.5")), 0);
        assert_eq!(to_int64(&s("1_000")), 1000);
        assert_eq!(to_int64(&s("abc")), 0);
        assert_eq!(to_int64(&Value::Float(3.9)), 3);
        assert_eq!(to_int64(&Value::Float(-3.9)), -3);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
        assert_eq!(to_int64(&Value::Nil), 0);
    }

    #[test]
    fn to_float64_parses_strings() {
        assert_eq!(to_float64(&s("2.4")), 2.4);
        assert_eq!(to_float64(&s("x")), 0.0);
        assert_eq!(to_float64(&i(3)), 3.0);
        assert!(to_float64(&s("NaN")).is_nan());
    }

    #[test]
    fn atoi_and_to_decimal_swallow_errors() {
        assert_eq!(show("atoi", &[s("12")]), "12");
        assert_eq!(show("atoi", &[s("0x12")]), "0");
        assert_eq!(show("atoi", &[s("-7")]), "-7");
        assert_eq!(show("toDecimal", &[s("0777")]), "511");
        assert_eq!(show("toDecimal", &[i(777)]), "511");
        assert_eq!(show("toDecimal", &[s("9")]), "0");
        assert_eq!(show("toString", &[Value::Float(1e6)]), "1e+06");
        assert_eq!(show("int", &[s("5")]), "5");
        assert_eq!(show("float64", &[s("1.5")]), "1.5");
    }
}
