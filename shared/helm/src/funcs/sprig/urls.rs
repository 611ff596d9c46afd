//! URLs: `urlParse` and `urlJoin`, with Go's `net/url` parsing, escaping and
//! `URL.String()` rules.

use super::go_kind;
use crate::funcs::{func, FuncSpec, Param};
use crate::gofmt;
use crate::value::{Map, Value};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host {
        if c >= 0x80 {
            return false;
        }
        if b"!$&'()*+,;=:[]<>\"".contains(&c) {
            return false;
        }
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host => true,
            };
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

/// Go's `url.escape`.
fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    // only ASCII was pushed as chars above when escaping; rebuild UTF-8 for hosts
    if mode == Mode::Host && !s.is_ascii() {
        let mut bytes = Vec::new();
        for &b in s.as_bytes() {
            if should_escape(b, mode) {
                bytes.extend_from_slice(format!("%{b:02X}").as_bytes());
            } else {
                bytes.push(b);
            }
        }
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    out
}

/// Go's `url.unescape` (no `+` handling outside queries).
fn unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            match (
                b.get(i + 1).and_then(|c| hex(*c)),
                b.get(i + 2).and_then(|c| hex(*c)),
            ) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                }
                _ => {
                    let end = (i + 3).min(b.len());
                    return Err(format!(
                        "invalid URL escape {}",
                        gofmt::quote(&String::from_utf8_lossy(&b[i..end]))
                    ));
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The parts of a parsed URL Sprig exposes.
#[derive(Default, Debug)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_query: String,
    force_query: bool,
    fragment: String,
}

fn parse_error(op: &str, url: &str, msg: &str) -> String {
    format!("{op} {}: {msg}", gofmt::quote(url))
}

/// Go's `url.Parse`.
fn parse(raw: &str) -> Result<Url, String> {
    let (rest, frag) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (raw, None),
    };
    let mut u = parse_no_fragment(rest).map_err(|m| parse_error("parse", raw, &m))?;
    if let Some(f) = frag {
        u.fragment = unescape(f).map_err(|m| parse_error("parse", raw, &m))?;
    }
    Ok(u)
}

fn parse_no_fragment(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut u = Url::default();
    if raw.is_empty() {
        return Ok(u);
    }
    let mut rest = raw;
    // scheme
    for (i, c) in raw.char_indices() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || c == '+' || c == '-' || c == '.' {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == ':' {
            if i == 0 {
                return Err("missing protocol scheme".into());
            }
            u.scheme = raw[..i].to_ascii_lowercase();
            rest = &raw[i + 1..];
        }
        break;
    }
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        u.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        u.raw_query = q.to_string();
        rest = r;
    }
    if !rest.starts_with('/') {
        if !u.scheme.is_empty() {
            u.opaque = rest.to_string();
            return Ok(u);
        }
        let seg = rest.split('/').next().unwrap_or("");
        if seg.contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!u.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, tail) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        parse_authority(&mut u, authority)?;
        rest = tail;
    }
    u.path = unescape(rest)?;
    Ok(u)
}

fn parse_authority(u: &mut Url, authority: &str) -> Result<(), String> {
    let (userinfo, host) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    u.host = parse_host(host)?;
    if let Some(ui) = userinfo {
        let ok = ui
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c));
        if !ok {
            return Err("net/url: invalid userinfo".into());
        }
        u.user = Some(match ui.split_once(':') {
            Some((n, p)) => (unescape(n)?, Some(unescape(p)?)),
            None => (unescape(ui)?, None),
        });
    }
    Ok(())
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(end) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        let port = &host[end + 1..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", gofmt::quote(port)));
        }
    } else if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", gofmt::quote(port)));
        }
    }
    unescape(host)
}

fn valid_optional_port(port: &str) -> bool {
    if port.is_empty() {
        return true;
    }
    match port.strip_prefix(':') {
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
        None => false,
    }
}

/// `URL.Hostname()`: the host without port or IPv6 brackets.
fn hostname(host: &str) -> String {
    let h = if host.starts_with('[') {
        host.find(']').map_or(host, |i| &host[..=i])
    } else {
        host.rfind(':').map_or(host, |i| &host[..i])
    };
    h.trim_start_matches('[').trim_end_matches(']').to_string()
}

fn user_string(user: &(String, Option<String>)) -> String {
    let mut s = escape(&user.0, Mode::UserPassword);
    if let Some(p) = &user.1 {
        s.push(':');
        s.push_str(&escape(p, Mode::UserPassword));
    }
    s
}

/// Go's `URL.String()`.
fn to_string(u: &Url) -> String {
    let mut buf = String::new();
    if !u.scheme.is_empty() {
        buf.push_str(&u.scheme);
        buf.push(':');
    }
    if !u.opaque.is_empty() {
        buf.push_str(&u.opaque);
    } else {
        if !u.scheme.is_empty() || !u.host.is_empty() || u.user.is_some() {
            if !u.host.is_empty() || !u.path.is_empty() || u.user.is_some() {
                buf.push_str("//");
            }
            if let Some(user) = &u.user {
                buf.push_str(&user_string(user));
                buf.push('@');
            }
            if !u.host.is_empty() {
                buf.push_str(&escape(&u.host, Mode::Host));
            }
        }
        let path = escape(&u.path, Mode::Path);
        if !path.is_empty() && !path.starts_with('/') && !u.host.is_empty() {
            buf.push('/');
        }
        if buf.is_empty() && path.split('/').next().unwrap_or("").contains(':') {
            buf.push_str("./");
        }
        buf.push_str(&path);
    }
    if u.force_query || !u.raw_query.is_empty() {
        buf.push('?');
        buf.push_str(&u.raw_query);
    }
    if !u.fragment.is_empty() {
        buf.push('#');
        buf.push_str(&escape(&u.fragment, Mode::Fragment));
    }
    buf
}

fn url_parse(a: &[Value]) -> Result<Value, String> {
    let raw = a[0].as_str().unwrap_or("");
    let u = parse(raw).map_err(|e| format!("unable to parse url: {e}"))?;
    let mut m = Map::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.into(), Value::from(v));
    };
    put("scheme", u.scheme.clone());
    put("host", u.host.clone());
    put("hostname", hostname(&u.host));
    put("path", u.path.clone());
    put("query", u.raw_query.clone());
    put("opaque", u.opaque.clone());
    put("fragment", u.fragment.clone());
    put(
        "userinfo",
        u.user.as_ref().map(user_string).unwrap_or_default(),
    );
    Ok(Value::from_map(m))
}

fn dict_get(d: &Value, key: &str) -> Result<String, String> {
    match d.get(key) {
        None => Ok(String::new()),
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(Value::Nil) => Err(super::NIL_DEREF.into()),
        Some(other) => Err(format!(
            "unable to parse {key} key, must be of type string, but {} found",
            go_kind(&other)
        )),
    }
}

fn url_join(a: &[Value]) -> Result<Value, String> {
    let d = &a[0];
    let mut u = Url {
        scheme: dict_get(d, "scheme")?,
        host: dict_get(d, "host")?,
        path: dict_get(d, "path")?,
        raw_query: dict_get(d, "query")?,
        opaque: dict_get(d, "opaque")?,
        fragment: dict_get(d, "fragment")?,
        ..Url::default()
    };
    let userinfo = dict_get(d, "userinfo")?;
    if !userinfo.is_empty() {
        let tmp = parse(&format!("proto://{userinfo}@host"))
            .map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
        u.user = tmp.user;
    }
    Ok(Value::from(to_string(&u)))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    vec![
        func("urlParse", &[Param::Str], None, url_parse),
        func("urlJoin", &[Param::Map], None, url_join),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::strval;
    use super::super::testutil::*;

    #[test]
    fn parse_splits_every_part() {
        let v = call("urlParse", &[s("proto://auth@host:80/path?query#fragment")]).unwrap();
        assert_eq!(
            strval(&v),
            "map[fragment:fragment host:host:80 hostname:host opaque: path:/path query:query scheme:proto userinfo:auth]"
        );
        let v = call("urlParse", &[s("mailto:joe@example.com")]).unwrap();
        assert_eq!(v.get("opaque").unwrap(), s("joe@example.com"));
        let v = call("urlParse", &[s("https://[::1]:8443/a%20b")]).unwrap();
        assert_eq!(v.get("hostname").unwrap(), s("::1"));
        assert_eq!(v.get("path").unwrap(), s("/a b"));
        assert!(show("urlParse", &[s("http://h:x/")]).starts_with("ERR unable to parse url: parse"));
    }

    #[test]
    fn join_builds_go_url_strings() {
        let d = m(&[
            ("fragment", s("fragment")),
            ("host", s("host:80")),
            ("path", s("/path")),
            ("query", s("query")),
            ("scheme", s("proto")),
        ]);
        assert_eq!(show("urlJoin", &[d]), "proto://host:80/path?query#fragment");
        let d = m(&[
            ("fragment", s("fragment")),
            ("host", s("host:80")),
            ("path", s("/path")),
            ("scheme", s("proto")),
            ("userinfo", s("ASDJKJSD")),
        ]);
        assert_eq!(
            show("urlJoin", &[d]),
            "proto://ASDJKJSD@host:80/path#fragment"
        );
        let d = m(&[("scheme", s("http")), ("host", s("h")), ("path", s("a b"))]);
        assert_eq!(show("urlJoin", &[d]), "http://h/a%20b");
        let d = m(&[("host", i(1))]);
        assert_eq!(
            show("urlJoin", &[d]),
            "ERR unable to parse host key, must be of type string, but int found"
        );
    }
}
