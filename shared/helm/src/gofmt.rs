//! Go's `fmt` and `strconv` formatting for template values: `%v`, `Sprint`, `Sprintf`,
//! float formatting and `strconv.Quote`, byte for byte as Go prints them.

use std::fmt::Write as _;

use crate::value::Value;

/// Appends Go's `%v` of `v` (`fmt.Sprint(v)`).
pub fn write_value(out: &mut String, v: &Value) {
    write_verb(out, v, 'v', &Spec::default());
}

/// Go's `fmt.Sprint(v)`.
pub fn sprint_one(v: &Value) -> String {
    let mut s = String::new();
    write_value(&mut s, v);
    s
}

/// Go's `fmt.Sprint(args...)`: a space between operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            let prev_str = matches!(args[i - 1], Value::Str(_));
            let cur_str = matches!(a, Value::Str(_));
            if !prev_str && !cur_str {
                out.push(' ');
            }
        }
        write_value(&mut out, a);
    }
    out
}

/// Go's `fmt.Sprintln(args...)`: always spaces, and a newline at the end.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_value(&mut out, a);
    }
    out.push('\n');
    out
}

/// Formats a float as `strconv.FormatFloat(f, 'g', -1, 64)` (what `%v` prints).
pub fn format_float_g(f: f64) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    let (neg, digits, exp10) = shortest_digits(f);
    let exp = exp10 - 1; // exponent of the first digit
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    // %e when exp < -4 || exp >= eprec, and eprec is 6 for the shortest form
    if !(-4..6).contains(&exp) {
        push_e(&mut out, &digits, exp, None);
        return out;
    }
    push_f(&mut out, &digits, exp10, None);
    out
}

/// Formats a float as `strconv.FormatFloat(f, 'g', -1, 32)`: what go-yaml makes of a
/// float map key, and sigs.k8s.io/yaml of a float read into a string field.
pub fn format_float32_g(f: f64) -> String {
    let f32v = f as f32;
    if f32v.is_nan() {
        return "NaN".into();
    }
    if f32v.is_infinite() {
        return if f32v > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    // Shortest f32 digits, re-expressed through the f64 'g' formatter.
    let s = format!("{:e}", f32v);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
        return out;
    }
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// Formats a float as `strconv.FormatFloat(f, 'f', -1, 64)`.
pub fn format_float_f_shortest(f: f64) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    let (neg, digits, exp10) = shortest_digits(f);
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    push_f(&mut out, &digits, exp10, None);
    out
}

/// Formats a float the way Go's `encoding/json` does (`'f'` unless the exponent is
/// below -6 or at least 21, then `'e'` with a short exponent).
pub fn format_float_json(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let (neg, digits, exp10) = shortest_digits(f);
        let mut out = String::new();
        if neg {
            out.push('-');
        }
        push_e(&mut out, &digits, exp10 - 1, None);
        // json cleans e-09 to e-9
        if let Some(pos) = out.find("e-0") {
            out.remove(pos + 2);
        }
        if let Some(pos) = out.find("e+0") {
            out.remove(pos + 2);
        }
        return out;
    }
    format_float_f_shortest(f)
}

fn special_float(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".into())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.into())
    } else {
        None
    }
}

/// Shortest round-trip digits: (negative, digits without leading zeros, decimal point
/// position) so that the value is `0.DIGITS x 10^dp`.
fn shortest_digits(f: f64) -> (bool, Vec<u8>, i32) {
    let neg = f.is_sign_negative() && f != 0.0 || (f == 0.0 && f.is_sign_negative());
    if f == 0.0 {
        return (neg, vec![b'0'], 1);
    }
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').expect("rust {:e} has an exponent");
    let exp: i32 = exp.parse().expect("exponent is a number");
    let digits: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
    (neg, digits, exp + 1)
}

/// Digits rounded to `n` significant digits (returns digits and new decimal point).
fn round_digits(f: f64, sig: usize) -> (Vec<u8>, i32) {
    let s = format!("{:.*e}", sig.saturating_sub(1), f.abs());
    let (mant, exp) = s.split_once('e').expect("exponent");
    let exp: i32 = exp.parse().expect("exponent");
    let digits: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
    (digits, exp + 1)
}

fn push_e(out: &mut String, digits: &[u8], exp: i32, prec: Option<usize>) {
    out.push(digits[0] as char);
    let rest = &digits[1..];
    let frac_len = prec.unwrap_or(rest.len());
    if frac_len > 0 {
        out.push('.');
        for i in 0..frac_len {
            out.push(*rest.get(i).unwrap_or(&b'0') as char);
        }
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let e = exp.unsigned_abs();
    if e < 10 {
        out.push('0');
    }
    let _ = write!(out, "{e}");
}

fn push_f(out: &mut String, digits: &[u8], dp: i32, prec: Option<usize>) {
    // integer part
    if dp > 0 {
        for i in 0..dp as usize {
            out.push(*digits.get(i).unwrap_or(&b'0') as char);
        }
    } else {
        out.push('0');
    }
    let frac_digits: Vec<u8> = (0..)
        .map(|i: i32| {
            let idx = dp + i;
            if idx < 0 {
                b'0'
            } else {
                *digits.get(idx as usize).unwrap_or(&b'0')
            }
        })
        .take(match prec {
            Some(p) => p,
            None => (digits.len() as i32 - dp).max(0) as usize,
        })
        .collect();
    if !frac_digits.is_empty() {
        out.push('.');
        for d in frac_digits {
            out.push(d as char);
        }
    }
}

/// Go's `strconv.Quote`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_quoted_char(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Quotes raw bytes as Go's `strconv.Quote` does for strings that may hold invalid UTF-8.
pub fn quote_bytes(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => quote(s),
        Err(_) => {
            let mut out = String::from("\"");
            let mut rest = b;
            while !rest.is_empty() {
                match std::str::from_utf8(rest) {
                    Ok(s) => {
                        for c in s.chars() {
                            push_quoted_char(&mut out, c, '"');
                        }
                        break;
                    }
                    Err(e) => {
                        let good = &rest[..e.valid_up_to()];
                        for c in std::str::from_utf8(good).unwrap_or("").chars() {
                            push_quoted_char(&mut out, c, '"');
                        }
                        let bad = rest[e.valid_up_to()];
                        let _ = write!(out, "\\x{bad:02x}");
                        rest = &rest[e.valid_up_to() + 1..];
                    }
                }
            }
            out.push('"');
            out
        }
    }
}

fn push_quoted_char(out: &mut String, c: char, q: char) {
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == q => {
            out.push('\\');
            out.push(c);
        }
        c if is_go_print(c) => out.push(c),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and ASCII space.
fn is_go_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    // format characters (Cf) and private/unassigned areas Go treats as not printable
    !matches!(u, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f
        | 0x202a..=0x202e | 0x2060..=0x206f | 0xfeff | 0xfff9..=0xfffb | 0xe000..=0xf8ff
        | 0xfffe | 0xffff | 0xd800..=0xdfff)
}

/// A parsed `%` directive's flags.
#[derive(Default, Clone, Debug)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Go's `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut argi = 0usize;
    let mut chars = format.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '%' {
            // the text up to the next verb, at once
            let end = memchr::memchr(b'%', &format.as_bytes()[i..]).map_or(format.len(), |n| i + n);
            out.push_str(&format[i..end]);
            while chars.peek().is_some_and(|&(j, _)| j < end) {
                chars.next();
            }
            continue;
        }
        let mut spec = Spec::default();
        // flags
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                _ => break,
            }
            chars.next();
        }
        // width
        if let Some(&(_, '*')) = chars.peek() {
            chars.next();
            if let Some(Value::Int(w)) = args.get(argi) {
                if *w < 0 {
                    spec.minus = true;
                }
                spec.width = Some(w.unsigned_abs() as usize);
            }
            argi += 1;
        } else {
            let mut w = String::new();
            while let Some(&(_, d)) = chars.peek() {
                if d.is_ascii_digit() {
                    w.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            if !w.is_empty() {
                spec.width = w.parse().ok();
            }
        }
        // precision
        if let Some(&(_, '.')) = chars.peek() {
            chars.next();
            if let Some(&(_, '*')) = chars.peek() {
                chars.next();
                if let Some(Value::Int(p)) = args.get(argi) {
                    spec.prec = Some((*p).max(0) as usize);
                }
                argi += 1;
            } else {
                let mut p = String::new();
                while let Some(&(_, d)) = chars.peek() {
                    if d.is_ascii_digit() {
                        p.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                spec.prec = Some(p.parse().unwrap_or(0));
            }
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(argi) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        argi += 1;
        if spec.width.is_none() {
            // nothing to pad: straight into the output
            write_verb(&mut out, arg, verb, &spec);
        } else {
            let mut s = String::new();
            write_verb(&mut s, arg, verb, &spec);
            pad(&mut out, &s, &spec);
        }
    }
    if argi < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[argi..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if a.is_nil() {
                out.push_str("<nil>");
            } else {
                let _ = write!(out, "{}=", a.type_name());
                write_value(&mut out, a);
            }
        }
        out.push(')');
    }
    out
}

fn pad(out: &mut String, s: &str, spec: &Spec) {
    let len = s.chars().count();
    match spec.width {
        Some(w) if w > len => {
            let n = w - len;
            if spec.minus {
                out.push_str(s);
                out.extend(std::iter::repeat_n(' ', n));
            } else if spec.zero && s.starts_with(['-', '+']) && !s.contains('!') {
                let (sign, rest) = s.split_at(1);
                out.push_str(sign);
                out.extend(std::iter::repeat_n('0', n));
                out.push_str(rest);
            } else if spec.zero && !s.contains('!') {
                out.extend(std::iter::repeat_n('0', n));
                out.push_str(s);
            } else {
                out.extend(std::iter::repeat_n(' ', n));
                out.push_str(s);
            }
        }
        _ => out.push_str(s),
    }
}

fn bad_verb(out: &mut String, v: &Value, verb: char) {
    if v.is_nil() {
        let _ = write!(out, "%!{verb}(<nil>)");
        return;
    }
    let _ = write!(out, "%!{verb}({}=", v.type_name());
    write_value(out, v);
    out.push(')');
}

fn write_verb(out: &mut String, v: &Value, verb: char, spec: &Spec) {
    match v {
        Value::Nil => match verb {
            'v' | 's' => out.push_str(if verb == 'v' { "<nil>" } else { "%!s(<nil>)" }),
            'T' => out.push_str("<nil>"),
            _ => bad_verb(out, v, verb),
        },
        Value::Bool(b) => match verb {
            'v' | 't' => out.push_str(if *b { "true" } else { "false" }),
            'T' => out.push_str("bool"),
            _ => bad_verb(out, v, verb),
        },
        Value::Int(i) => write_int(out, v, *i, verb, spec),
        Value::Float(f) => write_float(out, v, *f, verb, spec),
        Value::Str(s) => write_str(out, v, s.as_bytes(), verb, spec),
        Value::Bytes(b) => match verb {
            's' | 'q' | 'x' | 'X' => write_str(out, v, b, verb, spec),
            'T' => out.push_str("[]uint8"),
            _ => {
                out.push('[');
                for (i, byte) in b.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    write_int(out, v, *byte as i64, verb, spec);
                }
                out.push(']');
            }
        },
        Value::List(l) => {
            if verb == 'T' {
                out.push_str("[]interface {}");
                return;
            }
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_verb(out, e, verb, spec);
            }
            out.push(']');
        }
        Value::Map(m) => {
            if verb == 'T' {
                out.push_str("map[string]interface {}");
                return;
            }
            out.push_str("map[");
            for (i, (k, e)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_str(out, &Value::Nil, k.as_bytes(), verb, spec);
                out.push(':');
                write_verb(out, e, verb, spec);
            }
            out.push(']');
        }
        Value::Object(o) => match verb {
            'T' => out.push_str(o.type_name()),
            _ => out.push_str(&o.format()),
        },
    }
}

fn write_int(out: &mut String, v: &Value, i: i64, verb: char, spec: &Spec) {
    let sign = |out: &mut String| {
        if i < 0 {
            out.push('-');
        } else if spec.plus {
            out.push('+');
        } else if spec.space {
            out.push(' ');
        }
    };
    let u = i.unsigned_abs();
    match verb {
        'v' | 'd' => {
            sign(out);
            let digits = u.to_string();
            if let Some(p) = spec.prec {
                out.extend(std::iter::repeat_n('0', p.saturating_sub(digits.len())));
            }
            out.push_str(&digits);
        }
        'b' => {
            sign(out);
            let _ = write!(out, "{u:b}");
        }
        'o' | 'O' => {
            sign(out);
            if verb == 'O' {
                out.push_str("0o");
            } else if spec.sharp {
                out.push('0');
            }
            let _ = write!(out, "{u:o}");
        }
        'x' => {
            sign(out);
            if spec.sharp {
                out.push_str("0x");
            }
            let _ = write!(out, "{u:x}");
        }
        'X' => {
            sign(out);
            if spec.sharp {
                out.push_str("0X");
            }
            let _ = write!(out, "{u:X}");
        }
        'c' => out.push(char::from_u32(i as u32).unwrap_or('\u{fffd}')),
        'q' => {
            let c = char::from_u32(i as u32).unwrap_or('\u{fffd}');
            out.push('\'');
            push_quoted_char(out, c, '\'');
            out.push('\'');
        }
        'U' => {
            let _ = write!(out, "U+{:04X}", u);
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 's' | 't' => bad_verb(out, v, verb),
        'T' => out.push_str("int"),
        _ => bad_verb(out, v, verb),
    }
}

fn write_float(out: &mut String, v: &Value, f: f64, verb: char, spec: &Spec) {
    let mut s = match verb {
        'v' | 'g' | 'G' => match spec.prec {
            None => format_float_g(f),
            Some(p) => format_g_prec(f, p.max(1)),
        },
        'f' | 'F' => {
            if let Some(sp) = special_float(f) {
                sp
            } else {
                format!("{:.*}", spec.prec.unwrap_or(6), f)
            }
        }
        'e' | 'E' => {
            if let Some(sp) = special_float(f) {
                sp
            } else {
                let p = spec.prec.unwrap_or(6);
                let (digits, dp) = round_digits(f, p + 1);
                let mut s = String::new();
                if f.is_sign_negative() {
                    s.push('-');
                }
                if f == 0.0 {
                    push_e(&mut s, b"0", 0, Some(p));
                } else {
                    push_e(&mut s, &digits, dp - 1, Some(p));
                }
                s
            }
        }
        'T' => {
            out.push_str("float64");
            return;
        }
        _ => {
            bad_verb(out, v, verb);
            return;
        }
    };
    if verb == 'G' || verb == 'E' {
        s = s.to_uppercase();
    }
    if !s.starts_with('-') {
        if spec.plus {
            s.insert(0, '+');
        } else if spec.space {
            s.insert(0, ' ');
        }
    } else if s == "+Inf" && !spec.plus {
        s.remove(0);
        s.insert(0, '+');
    }
    out.push_str(&s);
}

fn format_g_prec(f: f64, p: usize) -> String {
    if let Some(s) = special_float(f) {
        return s;
    }
    if f == 0.0 {
        return "0".into();
    }
    let (mut digits, dp) = round_digits(f, p);
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let mut eprec = p as i32;
    if eprec > digits.len() as i32 && digits.len() as i32 >= dp {
        eprec = digits.len() as i32;
    }
    let exp = dp - 1;
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if exp < -4 || exp >= eprec {
        push_e(&mut out, &digits, exp, None);
    } else {
        push_f(&mut out, &digits, dp, None);
    }
    out
}

fn write_str(out: &mut String, v: &Value, b: &[u8], verb: char, spec: &Spec) {
    match verb {
        'v' | 's' => {
            let s = String::from_utf8_lossy(b);
            match spec.prec {
                Some(p) => out.extend(s.chars().take(p)),
                None => out.push_str(&s),
            }
        }
        'q' => {
            if spec.sharp && !b.contains(&b'`') {
                out.push('`');
                out.push_str(&String::from_utf8_lossy(b));
                out.push('`');
            } else {
                out.push_str(&quote_bytes(b));
            }
        }
        'x' => {
            for (i, byte) in b.iter().enumerate() {
                if spec.space && i > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{byte:02x}");
            }
        }
        'X' => {
            for byte in b {
                let _ = write!(out, "{byte:02X}");
            }
        }
        'T' => out.push_str("string"),
        _ => bad_verb(out, v, verb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_go_prints_them() {
        assert_eq!(format_float_g(8080.0), "8080");
        assert_eq!(format_float_g(1_000_000.0), "1e+06");
        assert_eq!(format_float_g(123456.0), "123456");
        assert_eq!(format_float_g(1.5), "1.5");
        assert_eq!(format_float_g(0.0001), "0.0001");
        assert_eq!(format_float_g(0.00001), "1e-05");
        assert_eq!(format_float_g(123456789.0), "1.23456789e+08");
        assert_eq!(format_float_g(-2.5), "-2.5");
        assert_eq!(format_float_g(0.0), "0");
        assert_eq!(format_float_json(1e21), "1e+21");
        assert_eq!(format_float_json(1000000.0), "1000000");
        assert_eq!(format_float_json(0.0000001), "1e-7");
    }

    #[test]
    fn sprintf_matches_go() {
        let s = |f: &str, a: &[Value]| sprintf(f, a);
        assert_eq!(s("%d", &[Value::Float(8080.0)]), "%!d(float64=8080)");
        assert_eq!(s("%s-%d", &[Value::str("a"), Value::Int(3)]), "a-3");
        assert_eq!(s("%05d", &[Value::Int(42)]), "00042");
        assert_eq!(s("%.2f", &[Value::Float(1.005)]), "1.00");
        assert_eq!(s("%q", &[Value::str("a\"b")]), "\"a\\\"b\"");
        assert_eq!(s("%v %v", &[Value::Int(1)]), "1 %!v(MISSING)");
        assert_eq!(
            s("%s", &[Value::Int(1), Value::str("x")]),
            "%!s(int=1)%!(EXTRA string=x)"
        );
        assert_eq!(s("%x", &[Value::str("hi")]), "6869");
        assert_eq!(s("%-4s|", &[Value::str("a")]), "a   |");
    }

    #[test]
    fn sprint_spaces_between_non_strings() {
        assert_eq!(sprint(&[Value::Int(1), Value::Int(2)]), "1 2");
        assert_eq!(sprint(&[Value::str("a"), Value::Int(2)]), "a2");
    }
}
