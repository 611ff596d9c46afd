//! Word and case functions from Sprig's helper libraries: `snakecase`, `kebabcase`,
//! `camelcase` (huandu/xstrings v1.5), `swapcase`, `untitle`, `initials`, `nospace`,
//! `abbrev`, `abbrevboth`, `wrap`, `wrapWith` (Masterminds/goutils) and `shuffle`.
//!
//! goutils walks some strings byte by byte as if each byte were a rune; that is kept,
//! since Helm prints what it computes.

use rand::seq::SliceRandom;

use super::{arg_int, arg_str};
use super::{bytes_to_string, go_is_punct, go_is_space, go_lower, go_title, go_upper};
use crate::funcs::{func, FuncSpec, Param};
use crate::value::Value;

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || go_is_space(c)
}

/// xstrings' `isAlphabet`: a letter that is not a CJK ideograph.
fn is_alphabet(c: char) -> bool {
    if !c.is_alphabetic() {
        return false;
    }
    let u = c as u32;
    !(u >= 0x3400
        && ((0x4E00..=0x9FCC).contains(&u)
            || (0x3400..=0x4D85).contains(&u)
            || (0x20000..=0x2B81D).contains(&u)))
}

fn is_upper(c: char) -> bool {
    c.is_uppercase()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alpha,
    Connector,
    Punct,
    Other,
}

/// xstrings' `nextWord`: the type of the next word, the word, and the rest.
fn next_word(s: &[char]) -> (Word, &[char], &[char]) {
    if s.is_empty() {
        return (Word::Invalid, s, s);
    }
    let r = s[0];
    let mut n = 1;
    let wt;
    if is_connector(r) {
        wt = Word::Connector;
        while n < s.len() && is_connector(s[n]) {
            n += 1;
        }
    } else if go_is_punct(r) {
        wt = Word::Punct;
        while n < s.len() && go_is_punct(s[n]) {
            n += 1;
        }
    } else if is_upper(r) {
        wt = Word::Upper;
        if n < s.len() {
            if is_upper(s[n]) {
                n += 1;
                while n < s.len() && is_upper(s[n]) {
                    n += 1;
                }
                // "HTTPServer": the last capital starts the next word
                if n < s.len() && is_alphabet(s[n]) {
                    n -= 1;
                }
            } else if is_alphabet(s[n]) {
                n += 1;
                while n < s.len() && is_alphabet(s[n]) && !is_upper(s[n]) {
                    n += 1;
                }
            }
        }
    } else if is_alphabet(r) {
        wt = Word::Alpha;
        while n < s.len() && is_alphabet(s[n]) && !is_upper(s[n]) {
            n += 1;
        }
    } else if r.is_numeric() {
        wt = Word::Number;
        while n < s.len() && s[n].is_numeric() {
            n += 1;
        }
    } else {
        wt = Word::Other;
        while n < s.len() {
            let c = s[n];
            if is_connector(c) || is_alphabet(c) || c.is_numeric() || go_is_punct(c) {
                break;
            }
            n += 1;
        }
    }
    (wt, &s[..n], &s[n..])
}

fn to_lower(buf: &mut String, wt: Word, word: &[char], connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        buf.extend(word.iter());
        return;
    }
    for &c in word {
        if is_connector(c) {
            buf.push(connector);
        } else if is_upper(c) {
            buf.push(go_lower(c));
        } else {
            buf.push(c);
        }
    }
}

/// xstrings `camelCaseToLowerCase`: the engine of `snakecase` and `kebabcase`.
pub fn camel_to_lower(s: &str, connector: char) -> String {
    if s.is_empty() {
        return String::new();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut buf = String::with_capacity(s.len() + 4);
    let (mut wt, mut word, mut rest) = next_word(&chars);
    while !rest.is_empty() {
        if wt != Word::Connector {
            to_lower(&mut buf, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, rest) = next_word(rest);
        match prev {
            Word::Number => {
                while wt == Word::Alpha || wt == Word::Number {
                    to_lower(&mut buf, wt, word, connector);
                    (wt, word, rest) = next_word(rest);
                }
                if wt != Word::Invalid && wt != Word::Punct && wt != Word::Connector {
                    buf.push(connector);
                }
            }
            Word::Connector => to_lower(&mut buf, prev, last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        buf.push(connector);
                    }
                    continue;
                }
                if rest.is_empty() {
                    continue;
                }
                let num = word;
                (wt, word, rest) = next_word(rest);
                if wt != Word::Alpha {
                    to_lower(&mut buf, Word::Number, num, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        buf.push(connector);
                    }
                    continue;
                }
                buf.push(connector);
                to_lower(&mut buf, Word::Number, num, connector);
                while wt == Word::Alpha || wt == Word::Number {
                    to_lower(&mut buf, wt, word, connector);
                    (wt, word, rest) = next_word(rest);
                }
                if wt != Word::Invalid && wt != Word::Connector && wt != Word::Punct {
                    buf.push(connector);
                }
            }
        }
    }
    to_lower(&mut buf, wt, word, connector);
    buf
}

/// xstrings `ToPascalCase` (Sprig's `camelcase`): connectors dropped, the next rune
/// upper-cased, the rest of an all-caps word lowered.
pub fn pascal_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let mut buf = String::with_capacity(s.len());
    let mut i = 0;
    let mut r0 = '\0';
    let mut first_upper = false;
    while i < chars.len() {
        r0 = chars[i];
        i += 1;
        if !is_connector(r0) {
            first_upper = is_upper(r0);
            r0 = go_upper(r0);
            break;
        }
        buf.push(r0);
    }
    // xstrings' special case: when the first loop consumed everything, the last rune
    // is written (again, for an all-connector string)
    if i >= chars.len() {
        buf.push(r0);
        return buf;
    }
    while i < chars.len() {
        let r1 = r0;
        r0 = chars[i];
        i += 1;
        if is_connector(r0) && is_connector(r1) {
            buf.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = is_upper(r0);
            r0 = go_upper(r0);
        } else {
            if first_upper {
                if is_upper(r0) {
                    r0 = go_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            buf.push(r1);
        }
    }
    buf.push(r0);
    buf
}

/// goutils `SwapCase`: upper and title to lower, lower to title after a space, else upper.
pub fn swap_case(s: &str) -> String {
    let mut ws = true;
    s.chars()
        .map(|c| {
            if c.is_uppercase() {
                ws = false;
                go_lower(c)
            } else if c.is_lowercase() {
                let r = if ws { go_title(c) } else { go_upper(c) };
                ws = false;
                r
            } else {
                ws = go_is_space(c);
                c
            }
        })
        .collect()
}

/// goutils `Uncapitalize`: the first letter of every space-separated word lowered.
pub fn uncapitalize(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if go_is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                go_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils `Initials`, byte-wise as goutils does it.
pub fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for b in s.bytes() {
        let c = char::from(b);
        if go_is_space(c) {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

/// goutils `DeleteWhiteSpace`, byte-wise (non-ASCII text is re-encoded as Latin-1 runes
/// when anything was deleted, as in Go).
pub fn delete_white_space(s: &str) -> String {
    let kept: String = s
        .bytes()
        .map(char::from)
        .filter(|c| !go_is_space(*c))
        .collect();
    if kept.chars().count() == s.len() {
        s.to_string()
    } else {
        kept
    }
}

/// goutils `AbbreviateFull` (`Err` for widths it rejects).
pub fn abbreviate_full(s: &str, offset: i64, max_width: i64) -> Result<String, String> {
    let b = s.as_bytes();
    let len = b.len() as i64;
    if s.is_empty() {
        return Ok(String::new());
    }
    if max_width < 4 {
        return Err("stringutils illegal argument: Minimum abbreviation width is 4".into());
    }
    if len <= max_width {
        return Ok(s.to_string());
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return Ok(format!(
            "{}...",
            bytes_to_string(&b[..(max_width - 3) as usize])
        ));
    }
    if max_width < 7 {
        return Err(
            "stringutils illegal argument: Minimum abbreviation width with offset is 7".into(),
        );
    }
    if offset + max_width - 3 < len {
        let rest = bytes_to_string(&b[offset as usize..]);
        let inner = abbreviate_full(&rest, 0, max_width - 3).unwrap_or_default();
        return Ok(format!("...{inner}"));
    }
    Ok(format!(
        "...{}",
        bytes_to_string(&b[(len - (max_width - 3)) as usize..])
    ))
}

/// goutils `WrapCustom`, on bytes as goutils does.
pub fn wrap_custom(s: &str, wrap_len: i64, newline: &str, wrap_long: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if newline.is_empty() { "\n" } else { newline };
    let wl = wrap_len.max(1) as usize;
    let b = s.as_bytes();
    let n = b.len();
    let mut offset = 0usize;
    let mut out: Vec<u8> = Vec::with_capacity(n + 8);
    while n - offset > wl {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = (wl + offset + 1).min(n);
        let window = &b[offset..end];
        if let Some(sp) = window.iter().rposition(|c| *c == b' ') {
            let at = sp + offset;
            out.extend_from_slice(&b[offset..at]);
            out.extend_from_slice(nl.as_bytes());
            offset = at + 1;
        } else if wrap_long {
            out.extend_from_slice(&b[offset..wl + offset]);
            out.extend_from_slice(nl.as_bytes());
            offset += wl;
        } else {
            let end = wl + offset;
            match b[end..].iter().position(|c| *c == b' ') {
                None => {
                    out.extend_from_slice(&b[offset..]);
                    offset = n;
                }
                Some(idx) => {
                    let at = idx + end;
                    out.extend_from_slice(&b[offset..at]);
                    out.extend_from_slice(nl.as_bytes());
                    offset = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    bytes_to_string(&out)
}

fn ok_str(s: String) -> Result<Value, String> {
    Ok(Value::from(s))
}

fn snakecase(a: &[Value]) -> Result<Value, String> {
    ok_str(camel_to_lower(arg_str(a, 0), '_'))
}

fn kebabcase(a: &[Value]) -> Result<Value, String> {
    ok_str(camel_to_lower(arg_str(a, 0), '-'))
}

fn camelcase(a: &[Value]) -> Result<Value, String> {
    ok_str(pascal_case(arg_str(a, 0)))
}

fn swapcase(a: &[Value]) -> Result<Value, String> {
    ok_str(swap_case(arg_str(a, 0)))
}

fn untitle(a: &[Value]) -> Result<Value, String> {
    ok_str(uncapitalize(arg_str(a, 0)))
}

fn initials_fn(a: &[Value]) -> Result<Value, String> {
    ok_str(initials(arg_str(a, 0)))
}

fn nospace(a: &[Value]) -> Result<Value, String> {
    ok_str(delete_white_space(arg_str(a, 0)))
}

fn abbrev(a: &[Value]) -> Result<Value, String> {
    let (w, s) = (arg_int(a, 0), arg_str(a, 1));
    if w < 4 {
        return ok_str(s.to_string());
    }
    ok_str(abbreviate_full(s, 0, w).unwrap_or_default())
}

fn abbrevboth(a: &[Value]) -> Result<Value, String> {
    let (left, right, s) = (arg_int(a, 0), arg_int(a, 1), arg_str(a, 2));
    if right < 4 || left > 0 && right < 7 {
        return ok_str(s.to_string());
    }
    ok_str(abbreviate_full(s, left, right).unwrap_or_default())
}

fn wrap(a: &[Value]) -> Result<Value, String> {
    ok_str(wrap_custom(arg_str(a, 1), arg_int(a, 0), "", false))
}

fn wrap_with(a: &[Value]) -> Result<Value, String> {
    ok_str(wrap_custom(
        arg_str(a, 2),
        arg_int(a, 0),
        arg_str(a, 1),
        true,
    ))
}

fn shuffle(a: &[Value]) -> Result<Value, String> {
    let mut chars: Vec<char> = arg_str(a, 0).chars().collect();
    chars.shuffle(&mut rand::thread_rng());
    ok_str(chars.into_iter().collect())
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("snakecase", &[Str], None, snakecase),
        func("kebabcase", &[Str], None, kebabcase),
        func("camelcase", &[Str], None, camelcase),
        func("swapcase", &[Str], None, swapcase),
        func("untitle", &[Str], None, untitle),
        func("initials", &[Str], None, initials_fn),
        func("nospace", &[Str], None, nospace),
        func("abbrev", &[Int, Str], None, abbrev),
        func("abbrevboth", &[Int, Int, Str], None, abbrevboth),
        func("wrap", &[Int, Str], None, wrap),
        func("wrapWith", &[Int, Str, Str], None, wrap_with),
        func("shuffle", &[Str], None, shuffle),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn snake_and_kebab_split_words_like_xstrings() {
        for (input, want) in [
            ("FirstName", "first_name"),
            ("HTTPServer", "http_server"),
            ("NoHTTPS", "no_https"),
            ("GO_PATH", "go_path"),
            ("GO PATH", "go_path"),
            ("GO-PATH", "go_path"),
            ("http2xx", "http_2xx"),
            ("HTTP20xOK", "http_20x_ok"),
            ("Duration2m3s", "duration_2m3s"),
            ("Bld4Floor3rd", "bld4_floor_3rd"),
            ("a", "a"),
            ("", ""),
        ] {
            assert_eq!(camel_to_lower(input, '_'), want, "{input}");
        }
        assert_eq!(show("kebabcase", &[s("HTTPServer")]), "http-server");
    }

    #[test]
    fn camelcase_is_pascal_case() {
        for (input, want) in [
            ("http_server", "HttpServer"),
            ("_camel_case", "_CamelCase"),
            ("no_https", "NoHttps"),
            ("_complex__case_", "_Complex_Case_"),
            ("all", "All"),
            ("some words", "SomeWords"),
            ("GOLANG_IS_GREAT", "GolangIsGreat"),
            ("a", "A"),
        ] {
            assert_eq!(pascal_case(input), want, "{input}");
        }
    }

    #[test]
    fn goutils_word_helpers() {
        assert_eq!(show("abbrev", &[i(5), s("hello world")]), "he...");
        assert_eq!(
            show("abbrevboth", &[i(5), i(10), s("1234 5678 9123")]),
            "...5678..."
        );
        assert_eq!(show("nospace", &[s("h e l l o ")]), "hello");
        assert_eq!(show("untitle", &[s("First Try")]), "first try");
        assert_eq!(show("initials", &[s("First Try")]), "FT");
        assert_eq!(show("wrap", &[i(5), s("Hello World")]), "Hello\nWorld");
        assert_eq!(
            show("wrapWith", &[i(5), s("\t"), s("Hello World")]),
            "Hello\tWorld"
        );
        assert_eq!(show("wrapWith", &[i(3), s("|"), s("abcdefg")]), "abc|def|g");
        assert_eq!(show("wrap", &[i(3), s("abcdefg hi")]), "abcdefg\nhi");
        assert_eq!(show("swapcase", &[s("This Is A.Test")]), "tHIS iS a.tEST");
    }

    #[test]
    fn shuffle_keeps_the_runes() {
        let out = show("shuffle", &[s("Hello World")]);
        let mut a: Vec<char> = out.chars().collect();
        let mut b: Vec<char> = "Hello World".chars().collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }
}
