//! One-line scalars for the fast path: plain and quoted scalars (with their escapes)
//! and flow sequences of them, read as saphyr-parser reads them in block context.

use std::borrow::Cow;

use super::{Build, MAX_KEY_LEN};

/// Nothing but spaces, or spaces and a comment, up to the end of the line.
pub(super) fn is_line_end(after: &str) -> bool {
    let tail = after.trim_start_matches(' ');
    tail.is_empty() || (tail.len() < after.len() && tail.starts_with('#'))
}

/// The one-line plain or quoted scalar at the start of `s`: its text, whether it is
/// plain, and, when a `:` indicator follows it (it is a key), what follows the `:`
/// (empty or starting with a space); `None` then means it fills the line.
pub(super) fn leading_scalar(s: &str) -> Option<(Cow<'_, str>, bool, Option<&str>)> {
    let b = s.as_bytes();
    if matches!(b.first(), Some(b'\'' | b'"')) {
        let (text, after) = quoted(s)?;
        let tail = after.trim_start_matches(' ');
        if let Some(rest) = tail.strip_prefix(':') {
            let key_len = s.len() - rest.len();
            let ok = (rest.is_empty() || rest.starts_with(' ')) && key_len <= MAX_KEY_LEN;
            return ok.then_some((text, false, Some(rest)));
        }
        return is_line_end(after).then_some((text, false, None));
    }
    if !starts_plain(b) {
        return None;
    }
    for i in memchr::memchr2_iter(b':', b'#', b) {
        if b[i] == b':' && matches!(b.get(i + 1), None | Some(b' ')) {
            let key = s[..i].trim_end_matches(' ');
            return (i <= MAX_KEY_LEN).then_some((Cow::Borrowed(key), true, Some(&s[i + 1..])));
        }
        if b[i] == b'#' && i > 0 && b[i - 1] == b' ' {
            return Some((Cow::Borrowed(s[..i].trim_end_matches(' ')), true, None));
        }
    }
    Some((Cow::Borrowed(s.trim_end_matches(' ')), true, None))
}

/// Whether a plain scalar may start here in block context: not with an indicator, and
/// `-`, `?` and `:` only when followed by a non-space.
fn starts_plain(b: &[u8]) -> bool {
    match b.first() {
        None => false,
        Some(b'-' | b'?' | b':') => !matches!(b.get(1), None | Some(b' ')),
        Some(c) => !matches!(
            c,
            b'[' | b']'
                | b'{'
                | b'}'
                | b','
                | b'#'
                | b'&'
                | b'*'
                | b'!'
                | b'|'
                | b'>'
                | b'\''
                | b'"'
                | b'%'
                | b'@'
                | b'`'
        ),
    }
}

/// A one-line flow collection filling the rest of its line: `{}`, or a sequence of
/// quoted scalars and simple plain scalars (`[]`, `["a", b]`).
pub(super) fn flow<B: Build>(content: &str) -> Option<B::Out> {
    let mut rest = content[1..].trim_start_matches(' ');
    if content.starts_with('{') {
        let after = rest.strip_prefix('}')?;
        return is_line_end(after).then(|| B::map(Vec::new()));
    }
    let mut items = Vec::new();
    if let Some(after) = rest.strip_prefix(']') {
        rest = after;
    } else {
        loop {
            let (text, plain, after) = flow_item(rest)?;
            items.push(B::scalar(&text, plain)?);
            let after = after.trim_start_matches(' ');
            if let Some(next) = after.strip_prefix(',') {
                rest = next.trim_start_matches(' ');
            } else {
                rest = after.strip_prefix(']')?;
                break;
            }
        }
    }
    is_line_end(rest).then(|| B::seq(items))
}

/// One item of a flow sequence, a quoted scalar or a plain one free of flow and
/// mapping indicators: its text, whether it is plain, and what follows it.
fn flow_item(s: &str) -> Option<(Cow<'_, str>, bool, &str)> {
    let b = s.as_bytes();
    if matches!(b.first(), Some(b'\'' | b'"')) {
        let (text, after) = quoted(s)?;
        return Some((text, false, after));
    }
    let flow_dash = b.len() > 1 && matches!(b[1], b',' | b'[' | b']' | b'{' | b'}');
    if !starts_plain(b) || matches!(b[0], b'?' | b':') || (b[0] == b'-' && flow_dash) {
        return None;
    }
    let end = b.iter().position(|c| {
        matches!(
            c,
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b':' | b'\'' | b'"'
        )
    })?;
    Some((
        Cow::Borrowed(s[..end].trim_end_matches(' ')),
        true,
        &s[end..],
    ))
}

/// A single- or double-quoted scalar at the start of `s`, closed on the same line: its
/// value and what follows the closing quote.
fn quoted(s: &str) -> Option<(Cow<'_, str>, &str)> {
    let quote = s.as_bytes()[0];
    let body = &s[1..];
    // without escapes (or doubled single quotes) the value is the text itself
    let special = body
        .bytes()
        .position(|c| c == quote || (quote == b'"' && c == b'\\'))?;
    let doubled = quote == b'\'' && body.as_bytes().get(special + 1) == Some(&b'\'');
    if body.as_bytes()[special] == quote && !doubled {
        return Some((Cow::Borrowed(&body[..special]), &body[special + 1..]));
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if quote == b'\'' => {
                if body[i + 1..].starts_with('\'') {
                    out.push('\'');
                    chars.next();
                } else {
                    return Some((Cow::Owned(out), &body[i + 1..]));
                }
            }
            '"' if quote == b'"' => return Some((Cow::Owned(out), &body[i + 1..])),
            '\\' if quote == b'"' => {
                let (_, e) = chars.next()?;
                let hex_len = match e {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    _ => {
                        out.push(simple_escape(e)?);
                        continue;
                    }
                };
                let digits = body.get(i + 2..i + 2 + hex_len)?;
                if !digits.bytes().all(|d| d.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(char::from_u32(u32::from_str_radix(digits, 16).ok()?)?);
                for _ in 0..hex_len {
                    chars.next();
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// The character a one-letter double-quoted escape stands for (YAML 1.2's list).
fn simple_escape(e: char) -> Option<char> {
    Some(match e {
        '0' => '\0',
        'a' => '\x07',
        'b' => '\x08',
        't' => '\t',
        'n' => '\n',
        'v' => '\x0b',
        'f' => '\x0c',
        'r' => '\r',
        'e' => '\x1b',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        _ => return None,
    })
}
