//! Arithmetic: `add`, `add1`, `sub`, `mul`, `div`, `mod`, `max`/`biggest`, `min` on int64
//! (arguments through spf13/cast), the float variants `addf`, `add1f`, `subf`, `mulf`,
//! `divf` with shopspring/decimal's exact arithmetic, `maxf`, `minf`, `ceil`, `floor`,
//! `round` and `randInt`.

use rand::Rng;

use super::cast::{to_float64, to_int64};
use crate::funcs::{func, FuncSpec, Param};
use crate::value::Value;

const DIV_BY_ZERO: &str = "runtime error: integer divide by zero";

fn add1(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(to_int64(&a[0]).wrapping_add(1)))
}

fn add(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(
        a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_int64(v))),
    ))
}

fn sub(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
}

fn div(a: &[Value]) -> Result<Value, String> {
    let d = to_int64(&a[1]);
    if d == 0 {
        return Err(DIV_BY_ZERO.into());
    }
    Ok(Value::Int(to_int64(&a[0]).wrapping_div(d)))
}

fn modulo(a: &[Value]) -> Result<Value, String> {
    let d = to_int64(&a[1]);
    if d == 0 {
        return Err(DIV_BY_ZERO.into());
    }
    Ok(Value::Int(to_int64(&a[0]).wrapping_rem(d)))
}

fn mul(a: &[Value]) -> Result<Value, String> {
    let first = to_int64(&a[0]);
    Ok(Value::Int(
        a[1..]
            .iter()
            .fold(first, |acc, v| acc.wrapping_mul(to_int64(v))),
    ))
}

fn max(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(
        a.iter().map(to_int64).fold(to_int64(&a[0]), i64::max),
    ))
}

fn min(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Int(
        a.iter().map(to_int64).fold(to_int64(&a[0]), i64::min),
    ))
}

/// Go's `math.Max`.
pub fn go_max(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x > 0.0 || y.is_infinite() && y > 0.0 {
        return f64::INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { y } else { x };
    }
    if x > y {
        x
    } else {
        y
    }
}

/// Go's `math.Min`.
pub fn go_min(x: f64, y: f64) -> f64 {
    if x.is_infinite() && x < 0.0 || y.is_infinite() && y < 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 && x == y {
        return if x.is_sign_negative() { x } else { y };
    }
    if x < y {
        x
    } else {
        y
    }
}

fn maxf(a: &[Value]) -> Result<Value, String> {
    let first = to_float64(&a[0]);
    Ok(Value::Float(
        a[1..].iter().map(to_float64).fold(first, go_max),
    ))
}

fn minf(a: &[Value]) -> Result<Value, String> {
    let first = to_float64(&a[0]);
    Ok(Value::Float(
        a[1..].iter().map(to_float64).fold(first, go_min),
    ))
}

fn ceil(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Float(to_float64(&a[0]).ceil()))
}

fn floor(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Float(to_float64(&a[0]).floor()))
}

fn round(a: &[Value]) -> Result<Value, String> {
    let round_on = match a.get(2) {
        Some(Value::Float(f)) => *f,
        _ => 0.5,
    };
    let val = to_float64(&a[0]);
    let places = match a[1] {
        Value::Int(p) => p as f64,
        _ => 0.0,
    };
    let pow = 10f64.powf(places);
    let digit = pow * val;
    let frac = digit - digit.trunc();
    let r = if frac >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    Ok(Value::Float(r / pow))
}

fn rand_int(a: &[Value]) -> Result<Value, String> {
    let (lo, hi) = match (&a[0], &a[1]) {
        (Value::Int(x), Value::Int(y)) => (*x, *y),
        _ => (0, 0),
    };
    let n = hi.wrapping_sub(lo);
    if n <= 0 {
        return Err("invalid argument to Intn".into());
    }
    Ok(Value::Int(rand::thread_rng().gen_range(0..n) + lo))
}

/// A decimal `m × 10^e`, as shopspring/decimal holds one (here with an i128 mantissa;
/// results that would not fit fall back to float arithmetic).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dec {
    m: i128,
    e: i32,
}

impl Dec {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`.
    pub fn from_f64(f: f64) -> Dec {
        if f == 0.0 || !f.is_finite() {
            return Dec { m: 0, e: 0 };
        }
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let neg = mant.starts_with('-');
        let mant = mant.trim_start_matches('-');
        let frac_len = mant.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
        let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
        let m: i128 = digits.parse().unwrap_or(0);
        Dec {
            m: if neg { -m } else { m },
            e: exp - frac_len,
        }
    }

    /// `Float64()`: the nearest float to the exact decimal.
    pub fn to_f64(self) -> f64 {
        format!("{}e{}", self.m, self.e).parse().unwrap_or(0.0)
    }

    fn pow10(n: u32) -> Option<i128> {
        10i128.checked_pow(n)
    }

    fn scaled(self, e: i32) -> Option<i128> {
        // express self with exponent e (e <= self.e)
        let k = u32::try_from(self.e - e).ok()?;
        self.m.checked_mul(Self::pow10(k)?)
    }

    /// Exact sum.
    pub fn checked_add(self, o: Dec) -> Option<Dec> {
        let e = self.e.min(o.e);
        Some(Dec {
            m: self.scaled(e)?.checked_add(o.scaled(e)?)?,
            e,
        })
    }

    /// Exact difference.
    pub fn checked_sub(self, o: Dec) -> Option<Dec> {
        self.checked_add(Dec {
            m: o.m.checked_neg()?,
            e: o.e,
        })
    }

    /// Exact product.
    pub fn checked_mul(self, o: Dec) -> Option<Dec> {
        Some(Dec {
            m: self.m.checked_mul(o.m)?,
            e: self.e.checked_add(o.e)?,
        })
    }

    /// `Div`: the quotient rounded half away from zero to 16 decimal places.
    pub fn checked_div(self, o: Dec) -> Option<Dec> {
        if o.m == 0 {
            return None;
        }
        let s = self.e - o.e + 16;
        let (num, den) = if s >= 0 {
            (self.m.checked_mul(Self::pow10(s as u32)?)?, o.m)
        } else {
            (self.m, o.m.checked_mul(Self::pow10((-s) as u32)?)?)
        };
        let q = num / den;
        let r = num % den;
        let q = if 2 * r.unsigned_abs() >= den.unsigned_abs() {
            if (num < 0) != (den < 0) {
                q - 1
            } else {
                q + 1
            }
        } else {
            q
        };
        Some(Dec { m: q, e: -16 })
    }
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// Sprig's `execDecimalOp`: folds the operands with exact decimal arithmetic and
/// returns the float nearest to the result.
fn decimal_fold(first: &Value, rest: &[Value], op: Op) -> Result<Value, String> {
    let mut f = to_float64(first);
    let mut d = Dec::from_f64(f);
    let mut exact = true;
    for v in rest {
        let x = to_float64(v);
        let dx = Dec::from_f64(x);
        if matches!(op, Op::Div) && x == 0.0 {
            return Err("decimal division by 0".into());
        }
        let next = if exact {
            match op {
                Op::Add => d.checked_add(dx),
                Op::Sub => d.checked_sub(dx),
                Op::Mul => d.checked_mul(dx),
                Op::Div => d.checked_div(dx),
            }
        } else {
            None
        };
        match next {
            Some(n) => {
                d = n;
                f = d.to_f64();
            }
            None => {
                exact = false;
                f = match op {
                    Op::Add => f + x,
                    Op::Sub => f - x,
                    Op::Mul => f * x,
                    Op::Div => f / x,
                };
            }
        }
    }
    Ok(Value::Float(if exact { d.to_f64() } else { f }))
}

fn add1f(a: &[Value]) -> Result<Value, String> {
    decimal_fold(&a[0], &[Value::Int(1)], Op::Add)
}

fn addf(a: &[Value]) -> Result<Value, String> {
    decimal_fold(&Value::Float(0.0), a, Op::Add)
}

fn subf(a: &[Value]) -> Result<Value, String> {
    decimal_fold(&a[0], &a[1..], Op::Sub)
}

fn mulf(a: &[Value]) -> Result<Value, String> {
    decimal_fold(&a[0], &a[1..], Op::Mul)
}

fn divf(a: &[Value]) -> Result<Value, String> {
    decimal_fold(&a[0], &a[1..], Op::Div)
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("add1", &[Any], None, add1),
        func("add", &[], Some(Any), add),
        func("sub", &[Any, Any], None, sub),
        func("div", &[Any, Any], None, div),
        func("mod", &[Any, Any], None, modulo),
        func("mul", &[Any], Some(Any), mul),
        func("randInt", &[Int, Int], None, rand_int),
        func("add1f", &[Any], None, add1f),
        func("addf", &[], Some(Any), addf),
        func("subf", &[Any], Some(Any), subf),
        func("divf", &[Any], Some(Any), divf),
        func("mulf", &[Any], Some(Any), mulf),
        func("biggest", &[Any], Some(Any), max),
        func("max", &[Any], Some(Any), max),
        func("min", &[Any], Some(Any), min),
        func("maxf", &[Any], Some(Any), maxf),
        func("minf", &[Any], Some(Any), minf),
        func("ceil", &[Any], None, ceil),
        func("floor", &[Any], None, floor),
        func("round", &[Any, Int], Some(Float), round),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn f(x: f64) -> Value {
        Value::Float(x)
    }

    #[test]
    fn integer_math_casts_through_int64() {
        assert_eq!(show("add1", &[i(3)]), "4");
        assert_eq!(show("add", &[i(1), i(2), i(3)]), "6");
        assert_eq!(show("add", &[f(1.9), s("2")]), "3");
        assert_eq!(show("sub", &[i(14), i(3)]), "11");
        assert_eq!(show("div", &[i(5), i(4)]), "1");
        assert_eq!(show("div", &[i(5), i(0)]), format!("ERR {DIV_BY_ZERO}"));
        assert_eq!(show("mod", &[i(-7), i(3)]), "-1");
        assert_eq!(show("mul", &[i(1), s("2"), i(3), s("4")]), "24");
        assert_eq!(show("max", &[i(1), i(345), i(7)]), "345");
        assert_eq!(show("min", &[i(1), i(345), i(-7)]), "-7");
        assert_eq!(show("add", &[f(8080.0), i(1)]), "8081");
    }

    #[test]
    fn float_math_is_decimal_exact() {
        assert_eq!(show("add1f", &[f(3.4)]), "4.4");
        assert_eq!(show("addf", &[i(3), f(1.5), f(2.2)]), "6.7");
        assert_eq!(show("addf", &[f(0.1), f(0.2)]), "0.3");
        assert_eq!(show("divf", &[i(2), i(5), i(4)]), "0.1");
        assert_eq!(show("divf", &[i(5), i(4)]), "1.25");
        assert_eq!(show("divf", &[i(1), i(3)]), "0.3333333333333333");
        assert_eq!(show("divf", &[i(2), i(3)]), "0.6666666666666667");
        assert_eq!(show("mulf", &[f(1.2), s("2.4"), i(10), s("4")]), "115.2");
        assert_eq!(show("subf", &[f(4.5), i(1), i(3)]), "0.5");
        assert_eq!(show("divf", &[i(1), i(0)]), "ERR decimal division by 0");
        assert_eq!(show("maxf", &[i(1), f(345.7), i(5)]), "345.7");
        assert_eq!(show("minf", &[f(1.4), i(2)]), "1.4");
    }

    #[test]
    fn rounding_like_sprig() {
        assert_eq!(show("round", &[f(123.555555), i(3)]), "123.556");
        assert_eq!(show("round", &[f(123.5), i(0)]), "124");
        assert_eq!(show("round", &[f(-2.5), i(0)]), "-3");
        assert_eq!(show("round", &[f(123.55), i(1), f(0.6)]), "123.5");
        assert_eq!(show("ceil", &[f(1.2)]), "2");
        assert_eq!(show("floor", &[s("1.8")]), "1");
    }

    #[test]
    fn rand_int_stays_in_range() {
        for _ in 0..20 {
            let v = call("randInt", &[i(3), i(6)]).unwrap();
            let Value::Int(n) = v else { panic!() };
            assert!((3..6).contains(&n));
        }
        assert_eq!(
            show("randInt", &[i(3), i(3)]),
            "ERR invalid argument to Intn"
        );
    }
}
