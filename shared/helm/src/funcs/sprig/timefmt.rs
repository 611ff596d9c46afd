//! Go's `time` package text forms: layout-based `Format` and `Parse` ("2006-01-02
//! 15:04:05"), `ParseDuration` and `Duration.String`, over a small civil-time model.

use chrono::{DateTime, Datelike, NaiveDate, Timelike};

use crate::gofmt;

/// An instant with the zone it is shown in (Go's `time.Time`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoTime {
    /// Seconds since the Unix epoch.
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nsec: u32,
    /// Zone offset east of UTC, in seconds.
    pub offset: i32,
    /// Zone abbreviation ("UTC", "CET"; "" for an unnamed fixed zone).
    pub zone: String,
}

/// Wall-clock fields of a time in its zone.
#[derive(Clone, Copy, Debug)]
pub struct Civil {
    /// Year.
    pub year: i64,
    /// Month 1..=12.
    pub month: u32,
    /// Day of month.
    pub day: u32,
    /// Hour.
    pub hour: u32,
    /// Minute.
    pub min: u32,
    /// Second.
    pub sec: u32,
    /// Day of year, 1-based.
    pub yday: u32,
    /// Day of week, 0 = Sunday.
    pub wday: u32,
}

/// Go's zero `time.Time{}`: 0001-01-01 00:00:00 UTC.
pub const ZERO_UNIX: i64 = -62_135_596_800;

impl GoTime {
    /// A UTC time.
    pub fn utc(secs: i64, nsec: u32) -> GoTime {
        GoTime {
            secs,
            nsec,
            offset: 0,
            zone: "UTC".into(),
        }
    }

    /// Go's zero time.
    pub fn zero() -> GoTime {
        GoTime::utc(ZERO_UNIX, 0)
    }

    /// The wall-clock fields.
    pub fn civil(&self) -> Civil {
        let local = self.secs.saturating_add(i64::from(self.offset));
        let dt = DateTime::from_timestamp(local, 0)
            .unwrap_or_default()
            .naive_utc();
        Civil {
            year: i64::from(dt.year()),
            month: dt.month(),
            day: dt.day(),
            hour: dt.hour(),
            min: dt.minute(),
            sec: dt.second(),
            yday: dt.ordinal(),
            wday: dt.weekday().num_days_from_sunday(),
        }
    }

    /// Nanoseconds since the epoch (saturating).
    pub fn unix_nano(&self) -> i64 {
        self.secs
            .saturating_mul(1_000_000_000)
            .saturating_add(i64::from(self.nsec))
    }

    /// The time plus a duration in nanoseconds.
    pub fn add(&self, d: i64) -> GoTime {
        let total = i128::from(self.nsec) + i128::from(d % 1_000_000_000);
        let mut secs = self.secs.saturating_add(d / 1_000_000_000);
        let mut ns = total;
        if ns < 0 {
            ns += 1_000_000_000;
            secs -= 1;
        } else if ns >= 1_000_000_000 {
            ns -= 1_000_000_000;
            secs += 1;
        }
        GoTime {
            secs,
            nsec: ns as u32,
            ..self.clone()
        }
    }

    /// Go's `Time.String()`.
    pub fn to_go_string(&self) -> String {
        format(self, "2006-01-02 15:04:05.999999999 -0700 MST")
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    Tz,
    Iso(&'static str),
    Num(&'static str),
    Frac0(usize, u8),
    Frac9(usize, u8),
}

fn lower_start(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_lowercase)
}

/// Go's `nextStdChunk`: (literal prefix length, chunk, chunk length).
fn next_std(l: &[u8]) -> Option<(usize, Std, usize)> {
    let has = |i: usize, s: &str| l.len() >= i + s.len() && &l[i..i + s.len()] == s.as_bytes();
    for i in 0..l.len() {
        let found = match l[i] {
            b'J' if has(i, "Jan") => {
                if has(i, "January") {
                    Some((Std::LongMonth, 7))
                } else if !lower_start(&l[i + 3..]) {
                    Some((Std::Month, 3))
                } else {
                    None
                }
            }
            b'M' => {
                if has(i, "Monday") {
                    Some((Std::LongWeekDay, 6))
                } else if has(i, "Mon") && !lower_start(&l[i + 3..]) {
                    Some((Std::WeekDay, 3))
                } else if has(i, "MST") {
                    Some((Std::Tz, 3))
                } else {
                    None
                }
            }
            b'0' => {
                if l.len() >= i + 2 && (b'1'..=b'6').contains(&l[i + 1]) {
                    let s = [
                        Std::ZeroMonth,
                        Std::ZeroDay,
                        Std::ZeroHour12,
                        Std::ZeroMinute,
                        Std::ZeroSecond,
                        Std::Year,
                    ];
                    Some((s[(l[i + 1] - b'1') as usize], 2))
                } else if has(i, "002") {
                    Some((Std::ZeroYearDay, 3))
                } else {
                    None
                }
            }
            b'1' => Some(if has(i, "15") {
                (Std::Hour, 2)
            } else {
                (Std::NumMonth, 1)
            }),
            b'2' => Some(if has(i, "2006") {
                (Std::LongYear, 4)
            } else {
                (Std::Day, 1)
            }),
            b'_' => {
                if has(i, "_2") {
                    if has(i, "_2006") {
                        return Some((i + 1, Std::LongYear, 4));
                    }
                    Some((Std::UnderDay, 2))
                } else if has(i, "__2") {
                    Some((Std::UnderYearDay, 3))
                } else {
                    None
                }
            }
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if has(i, "PM") => Some((Std::PM, 2)),
            b'p' if has(i, "pm") => Some((Std::Pm, 2)),
            b'-' => ["-070000", "-07:00:00", "-0700", "-07:00", "-07"]
                .into_iter()
                .find(|p| has(i, p))
                .map(|p| (Std::Num(p), p.len())),
            b'Z' => ["Z070000", "Z07:00:00", "Z0700", "Z07:00", "Z07"]
                .into_iter()
                .find(|p| has(i, p))
                .map(|p| (Std::Iso(p), p.len())),
            c @ (b'.' | b',') if i + 1 < l.len() && (l[i + 1] == b'0' || l[i + 1] == b'9') => {
                let ch = l[i + 1];
                let mut j = i + 1;
                while j < l.len() && l[j] == ch {
                    j += 1;
                }
                if j < l.len() && l[j].is_ascii_digit() {
                    None
                } else if ch == b'0' {
                    Some((Std::Frac0(j - i - 1, c), j - i))
                } else {
                    Some((Std::Frac9(j - i - 1, c), j - i))
                }
            }
            _ => None,
        };
        if let Some((std, len)) = found {
            return Some((i, std, len));
        }
    }
    None
}

fn pad(out: &mut String, v: i64, width: usize, fill: char) {
    let s = v.unsigned_abs().to_string();
    if v < 0 {
        out.push('-');
    }
    for _ in s.len()..width {
        out.push(fill);
    }
    out.push_str(&s);
}

/// Go's `Time.Format(layout)`.
pub fn format(t: &GoTime, layout: &str) -> String {
    let c = t.civil();
    let mut out = String::with_capacity(layout.len() + 10);
    let mut rest = layout.as_bytes();
    while let Some((pre, std, len)) = next_std(rest) {
        out.push_str(&String::from_utf8_lossy(&rest[..pre]));
        rest = &rest[pre + len..];
        match std {
            Std::Year => pad(&mut out, c.year.rem_euclid(100), 2, '0'),
            Std::LongYear => pad(&mut out, c.year, 4, '0'),
            Std::Month => out.push_str(&MONTHS[c.month as usize - 1][..3]),
            Std::LongMonth => out.push_str(MONTHS[c.month as usize - 1]),
            Std::NumMonth => pad(&mut out, i64::from(c.month), 0, '0'),
            Std::ZeroMonth => pad(&mut out, i64::from(c.month), 2, '0'),
            Std::WeekDay => out.push_str(&DAYS[c.wday as usize][..3]),
            Std::LongWeekDay => out.push_str(DAYS[c.wday as usize]),
            Std::Day => pad(&mut out, i64::from(c.day), 0, '0'),
            Std::UnderDay => pad(&mut out, i64::from(c.day), 2, ' '),
            Std::ZeroDay => pad(&mut out, i64::from(c.day), 2, '0'),
            Std::UnderYearDay => pad(&mut out, i64::from(c.yday), 3, ' '),
            Std::ZeroYearDay => pad(&mut out, i64::from(c.yday), 3, '0'),
            Std::Hour => pad(&mut out, i64::from(c.hour), 2, '0'),
            Std::Hour12 | Std::ZeroHour12 => {
                let h = match c.hour % 12 {
                    0 => 12,
                    h => h,
                };
                pad(
                    &mut out,
                    i64::from(h),
                    if std == Std::Hour12 { 0 } else { 2 },
                    '0',
                );
            }
            Std::Minute => pad(&mut out, i64::from(c.min), 0, '0'),
            Std::ZeroMinute => pad(&mut out, i64::from(c.min), 2, '0'),
            Std::Second => pad(&mut out, i64::from(c.sec), 0, '0'),
            Std::ZeroSecond => pad(&mut out, i64::from(c.sec), 2, '0'),
            Std::PM => out.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => out.push_str(if c.hour >= 12 { "pm" } else { "am" }),
            Std::Iso(p) | Std::Num(p) => {
                if matches!(std, Std::Iso(_)) && t.offset == 0 {
                    out.push('Z');
                    continue;
                }
                let z = t.offset / 60;
                let abs = z.abs();
                out.push(if z < 0 { '-' } else { '+' });
                pad(&mut out, i64::from(abs / 60), 2, '0');
                let colon = p.contains(':');
                let short = p.ends_with("07");
                if !short {
                    if colon {
                        out.push(':');
                    }
                    pad(&mut out, i64::from(abs % 60), 2, '0');
                }
                if p.len() >= 7 && (p.ends_with("0000") || p.ends_with(":00:00")) {
                    if colon {
                        out.push(':');
                    }
                    pad(&mut out, i64::from(t.offset.abs() % 60), 2, '0');
                }
            }
            Std::Tz => {
                if !t.zone.is_empty() {
                    out.push_str(&t.zone);
                } else {
                    let z = t.offset / 60;
                    out.push(if z < 0 { '-' } else { '+' });
                    pad(&mut out, i64::from(z.abs() / 60), 2, '0');
                    pad(&mut out, i64::from(z.abs() % 60), 2, '0');
                }
            }
            Std::Frac0(n, sep) | Std::Frac9(n, sep) => {
                let digits = format!("{:09}", t.nsec);
                let mut d = &digits[..n.min(9)];
                if matches!(std, Std::Frac9(..)) {
                    d = d.trim_end_matches('0');
                    if d.is_empty() {
                        continue;
                    }
                }
                out.push(sep as char);
                out.push_str(d);
                if matches!(std, Std::Frac0(..)) {
                    for _ in 9..n {
                        out.push('0');
                    }
                }
            }
        }
    }
    out.push_str(&String::from_utf8_lossy(rest));
    out
}

fn parse_err(layout: &str, value: &str, lelem: &str, velem: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        gofmt::quote(value),
        gofmt::quote(layout),
        gofmt::quote(velem),
        gofmt::quote(lelem)
    )
}

fn getnum(v: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = v.as_bytes();
    if !b.first()?.is_ascii_digit() {
        return None;
    }
    if !b.get(1).is_some_and(u8::is_ascii_digit) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &v[1..]));
    }
    Some((
        i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'),
        &v[2..],
    ))
}

fn lookup<'a>(v: &'a str, names: &[&str], abbrev: bool) -> Option<(usize, &'a str)> {
    for (i, n) in names.iter().enumerate() {
        let n = if abbrev { &n[..3] } else { n };
        if v.len() >= n.len() && v.is_char_boundary(n.len()) && v[..n.len()].eq_ignore_ascii_case(n)
        {
            return Some((i, &v[n.len()..]));
        }
    }
    None
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `time.ParseInLocation(layout, value, loc)` where `loc` is a fixed zone
/// (`offset` seconds east, abbreviation `zone`).
///
/// # Errors
/// Go's `parsing time ...` messages.
pub fn parse(layout: &str, value: &str, offset: i32, zone: &str) -> Result<GoTime, String> {
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let (mut pm, mut am) = (false, false);
    let mut z_utc = false;
    let mut zone_off: Option<i32> = None;
    let mut zone_name: Option<String> = None;
    let mut l = layout;
    let mut v = value;
    loop {
        let Some((pre, std, len)) = next_std(l.as_bytes()) else {
            let lit = l;
            if !v.starts_with(lit) {
                return Err(parse_err(layout, value, lit, v));
            }
            v = &v[lit.len()..];
            break;
        };
        let lit = &l[..pre];
        if !v.starts_with(lit) {
            return Err(parse_err(layout, value, lit, v));
        }
        v = &v[lit.len()..];
        let stdstr = &l[pre..pre + len];
        l = &l[pre + len..];
        let hold = v;
        let mut range_err: Option<&str> = None;
        let res: Option<&str> = match std {
            Std::Year => {
                if v.len() < 2 || !v.as_bytes()[..2].iter().all(u8::is_ascii_digit) {
                    None
                } else {
                    let y: i64 = v[..2].parse().unwrap_or(0);
                    year = if y >= 69 { y + 1900 } else { y + 2000 };
                    Some(&v[2..])
                }
            }
            Std::LongYear => {
                if v.len() < 4 || !v.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
                    None
                } else {
                    year = v[..4].parse().unwrap_or(0);
                    Some(&v[4..])
                }
            }
            Std::Month | Std::LongMonth => lookup(v, &MONTHS, std == Std::Month).map(|(i, r)| {
                month = i as i64 + 1;
                r
            }),
            Std::NumMonth | Std::ZeroMonth => getnum(v, std == Std::ZeroMonth).map(|(n, r)| {
                if !(1..=12).contains(&n) {
                    range_err = Some("month");
                }
                month = n;
                r
            }),
            Std::WeekDay | Std::LongWeekDay => {
                lookup(v, &DAYS, std == Std::WeekDay).map(|(_, r)| r)
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                let v2 = if std == Std::UnderDay {
                    v.strip_prefix(' ').unwrap_or(v)
                } else {
                    v
                };
                getnum(v2, std == Std::ZeroDay).map(|(n, r)| {
                    day = n;
                    r
                })
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                let b = v.trim_start_matches(' ');
                let take = b.bytes().take(3).take_while(u8::is_ascii_digit).count();
                if take == 0 || (std == Std::ZeroYearDay && take < 3) {
                    None
                } else {
                    yday = b[..take].parse().unwrap_or(0);
                    Some(&b[take..])
                }
            }
            Std::Hour => getnum(v, false).map(|(n, r)| {
                if !(0..24).contains(&n) {
                    range_err = Some("hour");
                }
                hour = n;
                r
            }),
            Std::Hour12 | Std::ZeroHour12 => getnum(v, std == Std::ZeroHour12).map(|(n, r)| {
                if !(0..=12).contains(&n) {
                    range_err = Some("hour");
                }
                hour = n;
                r
            }),
            Std::Minute | Std::ZeroMinute => getnum(v, std == Std::ZeroMinute).map(|(n, r)| {
                if !(0..60).contains(&n) {
                    range_err = Some("minute");
                }
                min = n;
                r
            }),
            Std::Second | Std::ZeroSecond => getnum(v, std == Std::ZeroSecond).map(|(n, mut r)| {
                if !(0..60).contains(&n) {
                    range_err = Some("second");
                }
                sec = n;
                // a fraction right after seconds is read even if the layout has none
                let rb = r.as_bytes();
                let next_is_frac = matches!(
                    next_std(l.as_bytes()),
                    Some((0, Std::Frac0(..) | Std::Frac9(..), _))
                );
                if rb.len() >= 2
                    && (rb[0] == b'.' || rb[0] == b',')
                    && rb[1].is_ascii_digit()
                    && !next_is_frac
                {
                    let n = 1 + rb[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    nsec = frac_nanos(&r[1..n]);
                    r = &r[n..];
                }
                r
            }),
            Std::PM | Std::Pm => {
                let (p, a) = if std == Std::PM {
                    ("PM", "AM")
                } else {
                    ("pm", "am")
                };
                if let Some(r) = v.strip_prefix(p) {
                    pm = true;
                    Some(r)
                } else if let Some(r) = v.strip_prefix(a) {
                    am = true;
                    Some(r)
                } else {
                    None
                }
            }
            Std::Iso(p) | Std::Num(p) => {
                if matches!(std, Std::Iso(_)) && v.starts_with('Z') {
                    z_utc = true;
                    Some(&v[1..])
                } else {
                    parse_offset(v, &p[1..]).map(|(o, r)| {
                        zone_off = Some(o);
                        r
                    })
                }
            }
            Std::Tz => {
                if let Some(r) = v.strip_prefix("UTC") {
                    z_utc = true;
                    Some(r)
                } else {
                    let n = v.bytes().take_while(u8::is_ascii_uppercase).count();
                    if (3..=5).contains(&n) {
                        zone_name = Some(v[..n].to_string());
                        Some(&v[n..])
                    } else {
                        None
                    }
                }
            }
            Std::Frac0(n, sep) => {
                let b = v.as_bytes();
                if b.len() < n + 1 || b[0] != sep || !b[1..=n].iter().all(u8::is_ascii_digit) {
                    None
                } else {
                    nsec = frac_nanos(&v[1..=n]);
                    Some(&v[n + 1..])
                }
            }
            Std::Frac9(_, _) => {
                let b = v.as_bytes();
                if b.len() < 2 || !(b[0] == b'.' || b[0] == b',') || !b[1].is_ascii_digit() {
                    Some(v)
                } else {
                    let n = 1 + b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    nsec = frac_nanos(&v[1..n]);
                    Some(&v[n..])
                }
            }
        };
        if let Some(what) = range_err {
            return Err(format!(
                "parsing time {}: {what} out of range",
                gofmt::quote(value)
            ));
        }
        match res {
            Some(r) => v = r,
            None => return Err(parse_err(layout, value, stdstr, hold)),
        }
    }
    if !v.is_empty() {
        return Err(format!(
            "parsing time {}: extra text: {}",
            gofmt::quote(value),
            gofmt::quote(v)
        ));
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let leap = days_in(2, year) == 29;
        if yday < 1 || yday > if leap { 366 } else { 365 } {
            return Err(format!(
                "parsing time {}: day-of-year out of range",
                gofmt::quote(value)
            ));
        }
        let mut rem = yday;
        let mut m = 1;
        while rem > days_in(m, year) {
            rem -= days_in(m, year);
            m += 1;
        }
        if (month >= 0 && month != m) || (day >= 0 && day != rem) {
            return Err(format!(
                "parsing time {}: day-of-year does not match",
                gofmt::quote(value)
            ));
        }
        month = m;
        day = rem;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(format!(
            "parsing time {}: day out of range",
            gofmt::quote(value)
        ));
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)
        .and_then(|d| d.and_hms_opt(hour as u32, min as u32, sec as u32))
        .ok_or_else(|| format!("parsing time {}: day out of range", gofmt::quote(value)))?;
    let wall = date.and_utc().timestamp();
    let nsec = nsec as u32;
    if z_utc {
        return Ok(GoTime::utc(wall, nsec));
    }
    if let Some(o) = zone_off {
        let name = if o == offset {
            zone.to_string()
        } else {
            String::new()
        };
        return Ok(GoTime {
            secs: wall - i64::from(o),
            nsec,
            offset: o,
            zone: name,
        });
    }
    if let Some(n) = zone_name {
        if n == zone {
            return Ok(GoTime {
                secs: wall - i64::from(offset),
                nsec,
                offset,
                zone: n,
            });
        }
        return Ok(GoTime {
            secs: wall,
            nsec,
            offset: 0,
            zone: n,
        });
    }
    Ok(GoTime {
        secs: wall - i64::from(offset),
        nsec,
        offset,
        zone: zone.to_string(),
    })
}

fn frac_nanos(digits: &str) -> i64 {
    let mut d: String = digits.chars().take(9).collect();
    while d.len() < 9 {
        d.push('0');
    }
    d.parse().unwrap_or(0)
}

/// Reads `+hh`, `+hhmm`, `+hh:mm`, `+hh:mm:ss`, ... per the layout form `p`.
fn parse_offset<'a>(v: &'a str, p: &str) -> Option<(i32, &'a str)> {
    let b = v.as_bytes();
    let sign = match b.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let num = |s: &[u8]| -> i32 {
        std::str::from_utf8(s)
            .ok()
            .and_then(|x| x.parse().ok())
            .unwrap_or(0)
    };
    let (h, m, s, used) = match p {
        "07" if b.len() >= 3 && digits(&b[1..3]) => (num(&b[1..3]), 0, 0, 3),
        "0700" if b.len() >= 5 && digits(&b[1..5]) => (num(&b[1..3]), num(&b[3..5]), 0, 5),
        "07:00" if b.len() >= 6 && b[3] == b':' && digits(&b[1..3]) && digits(&b[4..6]) => {
            (num(&b[1..3]), num(&b[4..6]), 0, 6)
        }
        "070000" if b.len() >= 7 && digits(&b[1..7]) => {
            (num(&b[1..3]), num(&b[3..5]), num(&b[5..7]), 7)
        }
        "07:00:00" if b.len() >= 9 && b[3] == b':' && b[6] == b':' => {
            (num(&b[1..3]), num(&b[4..6]), num(&b[7..9]), 9)
        }
        _ => return None,
    };
    Some((sign * (h * 3600 + m * 60 + s), &v[used..]))
}

/// Go's `time.ParseDuration`, in nanoseconds.
///
/// # Errors
/// `time: invalid duration "..."` and Go's other messages.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = gofmt::quote(s);
    let invalid = || format!("time: invalid duration {orig}");
    let mut rest = s;
    let neg = rest.starts_with('-');
    if rest.starts_with(['-', '+']) {
        rest = &rest[1..];
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let b = rest.as_bytes();
        if !(b[0] == b'.' || b[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let int_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let int_part: u128 = if int_len == 0 {
            0
        } else {
            rest[..int_len].parse().map_err(|_| invalid())?
        };
        rest = &rest[int_len..];
        let mut frac = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac = &r[..n];
            rest = &r[n..];
        }
        if int_len == 0 && frac.is_empty() {
            return Err(invalid());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {orig}"));
        }
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {orig}",
                    gofmt::quote(unit)
                ))
            }
        };
        let mut v = int_part.checked_mul(scale).ok_or_else(invalid)?;
        if !frac.is_empty() {
            let mut f: u128 = 0;
            let mut div: u128 = 1;
            for c in frac.bytes().take(30) {
                f = f * 10 + u128::from(c - b'0');
                div *= 10;
            }
            v += f * scale / div;
        }
        total = total.checked_add(v).ok_or_else(invalid)?;
        if total > 1u128 << 63 {
            return Err(invalid());
        }
    }
    if !neg && total > i64::MAX as u128 {
        return Err(invalid());
    }
    Ok(if neg {
        (total as i128).wrapping_neg() as i64
    } else {
        total as i64
    })
}

fn frac_str(v: u64, prec: u32) -> (String, u64) {
    let mut digits = String::new();
    let mut v = v;
    let mut printed = false;
    for _ in 0..prec {
        let d = v % 10;
        printed = printed || d != 0;
        if printed {
            digits.insert(0, char::from(b'0' + d as u8));
        }
        v /= 10;
    }
    if printed {
        digits.insert(0, '.');
    }
    (digits, v)
}

/// Go's `Duration.String()`.
pub fn format_duration(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        if u == 0 {
            return "0s".into();
        }
        let (unit, prec) = if u < 1_000 {
            ("ns", 0)
        } else if u < 1_000_000 {
            ("µs", 3)
        } else {
            ("ms", 6)
        };
        let (frac, int) = frac_str(u, prec);
        out = format!("{int}{frac}{unit}");
    } else {
        let (frac, rest) = frac_str(u, 9);
        u = rest;
        out.insert_str(0, &format!("{}{frac}s", u % 60));
        u /= 60;
        if u > 0 {
            out.insert_str(0, &format!("{}m", u % 60));
            u /= 60;
            if u > 0 {
                out.insert_str(0, &format!("{u}h"));
            }
        }
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Go's `Duration.Round(m)`.
pub fn round_duration(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    let less_than_half = |x: i64, y: i64| (x as u64).wrapping_add(x as u64) < y as u64;
    let mut r = d % m;
    if d < 0 {
        r = -r;
        if less_than_half(r, m) {
            return d + r;
        }
        return d.checked_sub(m - r).unwrap_or(i64::MIN);
    }
    if less_than_half(r, m) {
        return d - r;
    }
    d.checked_add(m - r).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> GoTime {
        GoTime::utc(secs, 0)
    }

    #[test]
    fn formats_go_layouts() {
        let x = GoTime {
            nsec: 123_400_000,
            ..t(1_514_678_400 + 13 * 3600 + 5 * 60 + 7)
        };
        assert_eq!(format(&x, "2006-01-02 15:04:05"), "2017-12-31 13:05:07");
        assert_eq!(format(&x, "02/01/2006"), "31/12/2017");
        assert_eq!(format(&x, "Jan _2 3:04PM"), "Dec 31 1:05PM");
        assert_eq!(format(&x, "Monday, January 2 06"), "Sunday, December 31 17");
        assert_eq!(
            format(&x, "15:04:05.000 .999 Z07:00 -0700 MST"),
            "13:05:07.123 .123 Z +0000 UTC"
        );
        assert_eq!(x.to_go_string(), "2017-12-31 13:05:07.1234 +0000 UTC");
        assert_eq!(
            GoTime::zero().to_go_string(),
            "0001-01-01 00:00:00 +0000 UTC"
        );
        let cet = GoTime {
            offset: 3600,
            zone: "CET".into(),
            ..t(0)
        };
        assert_eq!(
            format(&cet, "2006-01-02T15:04:05Z07:00 MST"),
            "1970-01-01T01:00:00+01:00 CET"
        );
    }

    #[test]
    fn parses_go_layouts() {
        let x = parse("2006-01-02", "2017-12-31", 0, "UTC").unwrap();
        assert_eq!(x.to_go_string(), "2017-12-31 00:00:00 +0000 UTC");
        let x = parse(
            "2006-01-02T15:04:05Z07:00",
            "2020-02-29T10:00:00+02:00",
            0,
            "UTC",
        )
        .unwrap();
        assert_eq!(x.secs, 1_582_963_200);
        assert_eq!(x.to_go_string(), "2020-02-29 10:00:00 +0200 +0200");
        assert_eq!(
            parse("2006-01-02", "2017-13-01", 0, "UTC").unwrap_err(),
            "parsing time \"2017-13-01\": month out of range"
        );
        assert_eq!(
            parse("2006-01-02", "x", 0, "UTC").unwrap_err(),
            "parsing time \"x\" as \"2006-01-02\": cannot parse \"x\" as \"2006\""
        );
        assert_eq!(
            parse("2006-01-02", "2017-02-30", 0, "UTC").unwrap_err(),
            "parsing time \"2017-02-30\": day out of range"
        );
        assert_eq!(
            parse("2006", "2017x", 0, "UTC").unwrap_err(),
            "parsing time \"2017x\": extra text: \"x\""
        );
        let x = parse("15:04:05", "01:02:03.5", 0, "UTC").unwrap();
        assert_eq!(x.nsec, 500_000_000);
    }

    #[test]
    fn durations_like_go() {
        assert_eq!(parse_duration("1h2m3.5s").unwrap(), 3_723_500_000_000);
        assert_eq!(parse_duration("-1.5h").unwrap(), -5_400_000_000_000);
        assert_eq!(parse_duration("300ms").unwrap(), 300_000_000);
        assert_eq!(
            parse_duration("x").unwrap_err(),
            "time: invalid duration \"x\""
        );
        assert_eq!(
            parse_duration("1").unwrap_err(),
            "time: missing unit in duration \"1\""
        );
        assert_eq!(
            parse_duration("1d").unwrap_err(),
            "time: unknown unit \"d\" in duration \"1d\""
        );
        assert_eq!(format_duration(61_000_000_000), "1m1s");
        assert_eq!(format_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(format_duration(93_784_000_000_000), "26h3m4s");
        assert_eq!(format_duration(1_500_000), "1.5ms");
        assert_eq!(format_duration(1_000), "1µs");
        assert_eq!(format_duration(-2_500_000_000), "-2.5s");
        assert_eq!(format_duration(0), "0s");
        assert_eq!(round_duration(1_600_000_000, 1_000_000_000), 2_000_000_000);
        assert_eq!(
            round_duration(-1_500_000_000, 1_000_000_000),
            -2_000_000_000
        );
    }
}
