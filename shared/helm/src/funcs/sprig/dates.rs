//! Dates: `now`, `date`, `dateInZone`/`date_in_zone`, `htmlDate`, `htmlDateInZone`,
//! `toDate`, `mustToDate`, `dateModify`/`date_modify`, `mustDateModify`/
//! `must_date_modify`, `ago`, `duration`, `durationRound`, `unixEpoch`.
//!
//! Go's `time.Local` is taken to be UTC (what Helm sees in a container without a zone
//! file); named zones come from the IANA database (`chrono-tz`). `time.Time` values are
//! objects of type `time.Time` with the usual methods (`Unix`, `Format`, `Year`, ...).
//! Sprig switches on `int64` for epoch seconds; every integer here is `Value::Int`, so
//! template literals count as epoch seconds too.

use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{Offset, TimeZone};
use chrono_tz::{OffsetName, Tz};

use super::arg_str;
use super::timefmt::{self, format, format_duration, parse_duration, round_duration, GoTime};
use crate::funcs::{func, FuncSpec, Param};
use crate::value::{Object, Value};

impl Object for GoTime {
    fn type_name(&self) -> &str {
        "time.Time"
    }

    fn field(&self, name: &str) -> Option<Value> {
        let c = self.civil();
        Some(match name {
            "Unix" => Value::Int(self.secs),
            "UnixNano" => Value::Int(self.unix_nano()),
            "UnixMilli" => Value::Int(self.secs * 1000 + i64::from(self.nsec / 1_000_000)),
            "Year" => Value::Int(c.year),
            "Month" => Value::from(format(self, "January")),
            "Day" => Value::Int(i64::from(c.day)),
            "Hour" => Value::Int(i64::from(c.hour)),
            "Minute" => Value::Int(i64::from(c.min)),
            "Second" => Value::Int(i64::from(c.sec)),
            "Nanosecond" => Value::Int(i64::from(self.nsec)),
            "YearDay" => Value::Int(i64::from(c.yday)),
            "Weekday" => Value::from(format(self, "Monday")),
            "String" => Value::from(self.to_go_string()),
            "IsZero" => Value::Bool(self.secs == timefmt::ZERO_UNIX && self.nsec == 0),
            "UTC" => Value::Object(Rc::new(GoTime::utc(self.secs, self.nsec))),
            "Local" => Value::Object(Rc::new(GoTime::utc(self.secs, self.nsec))),
            _ => return None,
        })
    }

    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if !self.has_method(name) {
            return None;
        }
        Some(match (name, args) {
            ("Format", [Value::Str(l)]) => Ok(Value::from(format(self, l))),
            ("Add", [Value::Int(d)]) => Ok(Value::Object(Rc::new(self.add(*d)))),
            ("Before" | "After" | "Equal" | "Sub", [v]) => match time_of(v) {
                Some(o) => {
                    let (a, b) = ((self.secs, self.nsec), (o.secs, o.nsec));
                    Ok(match name {
                        "Before" => Value::Bool(a < b),
                        "After" => Value::Bool(a > b),
                        "Equal" => Value::Bool(a == b),
                        _ => Value::Int(self.unix_nano().saturating_sub(o.unix_nano())),
                    })
                }
                None => Err(format!(
                    "wrong type for value; expected time.Time; got {}",
                    v.type_name()
                )),
            },
            ("In", [_]) => Ok(Value::Object(Rc::new(self.clone()))),
            _ => Err(format!("wrong arguments for method {name}")),
        })
    }

    fn format(&self) -> String {
        self.to_go_string()
    }

    fn to_json_value(&self) -> Option<Value> {
        Some(Value::from(format(
            self,
            "2006-01-02T15:04:05.999999999Z07:00",
        )))
    }

    fn as_string(&self) -> Option<String> {
        Some(self.to_go_string())
    }

    fn has_method(&self, name: &str) -> bool {
        matches!(
            name,
            "Format" | "Add" | "Before" | "After" | "Equal" | "Sub" | "In"
        )
    }
}

/// The `time.Time` inside a template value.
pub fn time_of(v: &Value) -> Option<GoTime> {
    let Value::Object(o) = v else { return None };
    if o.type_name() != "time.Time" {
        return None;
    }
    let secs = match o.field("Unix")? {
        Value::Int(s) => s,
        _ => return None,
    };
    let nsec = match o.field("Nanosecond")? {
        Value::Int(n) => n as u32,
        _ => 0,
    };
    // recover the zone from the printed form: "... -0700 MST"
    let text = o.format();
    let mut parts = text.rsplitn(3, ' ');
    let zone = parts.next().unwrap_or("UTC").to_string();
    let off = parts.next().unwrap_or("+0000");
    let sign = if off.starts_with('-') { -1 } else { 1 };
    let digits = off.trim_start_matches(['+', '-']);
    let h: i32 = digits.get(..2).and_then(|x| x.parse().ok()).unwrap_or(0);
    let m: i32 = digits.get(2..4).and_then(|x| x.parse().ok()).unwrap_or(0);
    let offset = sign * (h * 3600 + m * 60);
    let zone = if zone.starts_with(['+', '-']) {
        String::new()
    } else {
        zone
    };
    Some(GoTime {
        secs,
        nsec,
        offset,
        zone,
    })
}

/// The current time in the local zone (UTC).
pub fn now_time() -> GoTime {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    GoTime::utc(d.as_secs() as i64, d.subsec_nanos())
}

/// `time.LoadLocation(zone)` applied to an instant; unknown zones fall back to UTC as
/// Sprig does.
pub fn in_zone(t: &GoTime, zone: &str) -> GoTime {
    if matches!(zone, "" | "UTC" | "Local") {
        return GoTime::utc(t.secs, t.nsec);
    }
    let Ok(tz) = zone.parse::<Tz>() else {
        return GoTime::utc(t.secs, t.nsec);
    };
    let Some(dt) = chrono::DateTime::from_timestamp(t.secs, t.nsec) else {
        return GoTime::utc(t.secs, t.nsec);
    };
    let off = tz.offset_from_utc_datetime(&dt.naive_utc());
    GoTime {
        secs: t.secs,
        nsec: t.nsec,
        offset: off.fix().local_minus_utc(),
        zone: off.abbreviation().unwrap_or("").to_string(),
    }
}

fn obj(t: GoTime) -> Value {
    Value::Object(Rc::new(t))
}

/// Sprig's date argument: a time, epoch seconds, or (anything else) now.
fn time_arg(v: &Value) -> GoTime {
    match v {
        Value::Int(s) => GoTime::utc(*s, 0),
        other => time_of(other).unwrap_or_else(now_time),
    }
}

fn need_time(v: &Value) -> Result<GoTime, String> {
    time_of(v).ok_or_else(|| {
        let got = if v.is_nil() {
            "<nil>".to_string()
        } else {
            v.type_name()
        };
        format!("wrong type for value; expected time.Time; got {got}")
    })
}

fn now(_: &[Value]) -> Result<Value, String> {
    Ok(obj(now_time()))
}

fn date(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(format(
        &in_zone(&time_arg(&a[1]), "Local"),
        arg_str(a, 0),
    )))
}

fn date_in_zone(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(format(
        &in_zone(&time_arg(&a[1]), arg_str(a, 2)),
        arg_str(a, 0),
    )))
}

fn html_date(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(format(
        &in_zone(&time_arg(&a[0]), "Local"),
        "2006-01-02",
    )))
}

fn html_date_in_zone(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(format(
        &in_zone(&time_arg(&a[0]), arg_str(a, 1)),
        "2006-01-02",
    )))
}

fn to_date(a: &[Value]) -> Result<Value, String> {
    Ok(obj(
        timefmt::parse(arg_str(a, 0), arg_str(a, 1), 0, "UTC").unwrap_or_else(|_| GoTime::zero())
    ))
}

fn must_to_date(a: &[Value]) -> Result<Value, String> {
    timefmt::parse(arg_str(a, 0), arg_str(a, 1), 0, "UTC").map(obj)
}

fn date_modify(a: &[Value]) -> Result<Value, String> {
    let t = need_time(&a[1])?;
    Ok(obj(match parse_duration(arg_str(a, 0)) {
        Ok(d) => t.add(d),
        Err(_) => t,
    }))
}

fn must_date_modify(a: &[Value]) -> Result<Value, String> {
    let t = need_time(&a[1])?;
    Ok(obj(t.add(parse_duration(arg_str(a, 0))?)))
}

fn since(t: &GoTime) -> i64 {
    now_time().unix_nano().saturating_sub(t.unix_nano())
}

fn ago(a: &[Value]) -> Result<Value, String> {
    let t = time_arg(&a[0]);
    Ok(Value::from(format_duration(round_duration(
        since(&t),
        1_000_000_000,
    ))))
}

fn duration(a: &[Value]) -> Result<Value, String> {
    let n: i64 = match &a[0] {
        Value::Str(x) => super::cast::parse_int(x, 10).unwrap_or(0),
        Value::Int(n) => *n,
        _ => 0,
    };
    Ok(Value::from(format_duration(n.wrapping_mul(1_000_000_000))))
}

fn duration_round(a: &[Value]) -> Result<Value, String> {
    let d: i64 = match &a[0] {
        Value::Str(x) => parse_duration(x).unwrap_or(0),
        Value::Int(n) => *n,
        other => time_of(other).map_or(0, |t| since(&t)),
    };
    let u = d.unsigned_abs();
    const SEC: u64 = 1_000_000_000;
    let units: [(u64, &str); 6] = [
        (SEC * 3600 * 24 * 365, "y"),
        (SEC * 3600 * 24 * 30, "mo"),
        (SEC * 3600 * 24, "d"),
        (SEC * 3600, "h"),
        (SEC * 60, "m"),
        (SEC, "s"),
    ];
    for (size, name) in units {
        if u > size {
            return Ok(Value::from(format!("{}{name}", u / size)));
        }
    }
    Ok(Value::str("0s"))
}

fn unix_epoch(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(need_time(&a[0])?.secs.to_string()))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("now", &[], None, now),
        func("date", &[Str, Any], None, date),
        func("dateInZone", &[Str, Any, Str], None, date_in_zone),
        func("date_in_zone", &[Str, Any, Str], None, date_in_zone),
        func("htmlDate", &[Any], None, html_date),
        func("htmlDateInZone", &[Any, Str], None, html_date_in_zone),
        func("toDate", &[Str, Str], None, to_date),
        func("mustToDate", &[Str, Str], None, must_to_date),
        func("dateModify", &[Str, Any], None, date_modify),
        func("date_modify", &[Str, Any], None, date_modify),
        func("mustDateModify", &[Str, Any], None, must_date_modify),
        func("must_date_modify", &[Str, Any], None, must_date_modify),
        func("ago", &[Any], None, ago),
        func("duration", &[Any], None, duration),
        func("durationRound", &[Any], None, duration_round),
        func("unixEpoch", &[Any], None, unix_epoch),
    ]
}

#[cfg(test)]
#[allow(clippy::cloned_ref_to_slice_refs)]
mod tests {
    use super::super::strval;
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn to_date_then_date_formats() {
        let t = call("toDate", &[s("2006-01-02"), s("2017-12-31")]).unwrap();
        assert_eq!(show("date", &[s("02/01/2006"), t.clone()]), "31/12/2017");
        assert_eq!(strval(&t), "2017-12-31 00:00:00 +0000 UTC");
        assert_eq!(show("unixEpoch", &[t.clone()]), "1514678400");
        assert_eq!(show("htmlDate", &[t.clone()]), "2017-12-31");
        assert_eq!(
            show(
                "dateInZone",
                &[s("2006-01-02 15:04 MST"), t.clone(), s("Europe/Berlin")]
            ),
            "2017-12-31 01:00 CET"
        );
        assert_eq!(
            show("htmlDateInZone", &[t.clone(), s("Nowhere/City")]),
            "2017-12-31"
        );
        let bad = call("toDate", &[s("2006-01-02"), s("nope")]).unwrap();
        assert_eq!(strval(&bad), "0001-01-01 00:00:00 +0000 UTC");
        assert!(show("mustToDate", &[s("2006-01-02"), s("nope")])
            .starts_with("ERR parsing time \"nope\""));
        assert_eq!(show("date", &[s("2006"), i(0)]), "1970");
    }

    #[test]
    fn date_modify_adds_durations() {
        let t = call("toDate", &[s("2006-01-02"), s("2017-12-31")]).unwrap();
        let m = call("dateModify", &[s("1.5h"), t.clone()]).unwrap();
        assert_eq!(strval(&m), "2017-12-31 01:30:00 +0000 UTC");
        let m = call("dateModify", &[s("bogus"), t.clone()]).unwrap();
        assert_eq!(strval(&m), "2017-12-31 00:00:00 +0000 UTC");
        assert_eq!(
            show("mustDateModify", &[s("bogus"), t]),
            "ERR time: invalid duration \"bogus\""
        );
        assert_eq!(
            show("dateModify", &[s("1h"), s("x")]),
            "ERR wrong type for value; expected time.Time; got string"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(show("duration", &[s("61")]), "1m1s");
        assert_eq!(show("duration", &[s("3600")]), "1h0m0s");
        assert_eq!(show("duration", &[s("93784")]), "26h3m4s");
        assert_eq!(show("duration", &[Value::Float(61.0)]), "0s");
        assert_eq!(show("durationRound", &[s("2h5s")]), "2h");
        assert_eq!(show("durationRound", &[s("24h5s")]), "1d");
        assert_eq!(show("durationRound", &[s("2400h5s")]), "3mo");
        assert_eq!(show("durationRound", &[s("-2400h5s")]), "3mo");
        assert_eq!(show("durationRound", &[s("1s")]), "0s");
    }

    #[test]
    fn ago_and_now() {
        let n0 = now_time();
        let past = GoTime::utc(n0.secs - 125, n0.nsec);
        assert_eq!(show("ago", &[obj(past)]), "2m5s");
        let n = call("now", &[]).unwrap();
        assert_eq!(n.type_name(), "time.Time");
        let Value::Object(o) = &n else { panic!() };
        assert!(matches!(o.field("Year"), Some(Value::Int(y)) if y >= 2024));
        assert_eq!(
            o.call("Format", &[s("2006")]).unwrap().unwrap(),
            o.field("Year").map(|y| Value::from(strval(&y))).unwrap()
        );
    }
}
