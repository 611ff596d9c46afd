//! String functions: `trim*`, `upper`, `lower`, `title`, `substr`, `trunc`, `repeat`,
//! `quote`, `squote`, `cat`, `indent`, `nindent`, `replace`, `plural`, `contains`,
//! `hasPrefix`, `hasSuffix`, `split`, `splitList`, `splitn`, `join`, `toStrings`,
//! the `rand*` strings, `hello` and `fail`.

use rand::Rng;

use super::{arg_int, arg_str};
use super::{go_is_space, go_lower, go_title, go_upper, slice_items, slice_str, str_list, strval};
use crate::funcs::{func, FuncSpec, Param};
use crate::gofmt;
use crate::value::{Map, Value};

fn ok_str(s: impl AsRef<str>) -> Result<Value, String> {
    Ok(Value::str(s.as_ref()))
}

/// The result of a function that returns part of its string argument `a[i]`: the
/// argument itself (shared, no copy) when the part is all of it.
fn ok_part(a: &[Value], i: usize, part: &str) -> Result<Value, String> {
    match a.get(i) {
        Some(v @ Value::Str(s)) if s.len() == part.len() => Ok(v.clone()),
        _ => ok_str(part),
    }
}

/// Go's `strings.Repeat`, with its panic text for a negative count.
pub fn repeat_str(s: &str, n: i64) -> Result<String, String> {
    if n < 0 {
        return Err("strings: negative Repeat count".into());
    }
    Ok(s.repeat(n as usize))
}

fn hello(_: &[Value]) -> Result<Value, String> {
    ok_str("Hello!")
}

fn trim(a: &[Value]) -> Result<Value, String> {
    ok_part(a, 0, arg_str(a, 0).trim_matches(go_is_space))
}

fn upper(a: &[Value]) -> Result<Value, String> {
    ok_str(arg_str(a, 0).chars().map(go_upper).collect::<String>())
}

fn lower(a: &[Value]) -> Result<Value, String> {
    ok_str(arg_str(a, 0).chars().map(go_lower).collect::<String>())
}

/// Go's `strings.Title` word-boundary rule.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    go_is_space(c)
}

fn title(a: &[Value]) -> Result<Value, String> {
    let mut prev = ' ';
    let out: String = arg_str(a, 0)
        .chars()
        .map(|c| {
            let r = if is_separator(prev) { go_title(c) } else { c };
            prev = c;
            r
        })
        .collect();
    ok_str(out)
}

fn substr(a: &[Value]) -> Result<Value, String> {
    let (start, end, s) = (arg_int(a, 0), arg_int(a, 1), arg_str(a, 2));
    let len = s.len() as i64;
    let r = if start < 0 {
        slice_str(s, 0, end)?
    } else if end < 0 || end > len {
        slice_str(s, start, len)?
    } else {
        slice_str(s, start, end)?
    };
    ok_str(r)
}

fn trunc(a: &[Value]) -> Result<Value, String> {
    let (c, s) = (arg_int(a, 0), arg_str(a, 1));
    let len = s.len() as i64;
    if c < 0 && len + c > 0 {
        return ok_str(slice_str(s, len + c, len)?);
    }
    if c >= 0 && len > c {
        return ok_str(slice_str(s, 0, c)?);
    }
    ok_part(a, 1, s)
}

fn repeat(a: &[Value]) -> Result<Value, String> {
    ok_str(repeat_str(arg_str(a, 1), arg_int(a, 0))?)
}

fn trim_all(a: &[Value]) -> Result<Value, String> {
    let cut = arg_str(a, 0);
    ok_part(a, 1, arg_str(a, 1).trim_matches(|c| cut.contains(c)))
}

fn trim_suffix(a: &[Value]) -> Result<Value, String> {
    let s = arg_str(a, 1);
    ok_part(a, 1, s.strip_suffix(arg_str(a, 0)).unwrap_or(s))
}

fn trim_prefix(a: &[Value]) -> Result<Value, String> {
    let s = arg_str(a, 1);
    ok_part(a, 1, s.strip_prefix(arg_str(a, 0)).unwrap_or(s))
}

fn contains(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(arg_str(a, 1).contains(arg_str(a, 0))))
}

fn has_prefix(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(arg_str(a, 1).starts_with(arg_str(a, 0))))
}

fn has_suffix(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(arg_str(a, 1).ends_with(arg_str(a, 0))))
}

fn quote(a: &[Value]) -> Result<Value, String> {
    if let [Value::Str(s)] = a {
        return ok_str(gofmt::quote(s));
    }
    let out: Vec<String> = a
        .iter()
        .filter(|v| !v.is_nil())
        .map(|v| gofmt::quote(&strval(v)))
        .collect();
    ok_str(out.join(" "))
}

fn squote(a: &[Value]) -> Result<Value, String> {
    let out: Vec<String> = a
        .iter()
        .filter(|v| !v.is_nil())
        .map(|v| format!("'{}'", gofmt::sprint_one(v)))
        .collect();
    ok_str(out.join(" "))
}

fn cat(a: &[Value]) -> Result<Value, String> {
    let out: Vec<String> = a
        .iter()
        .filter(|v| !v.is_nil())
        .map(gofmt::sprint_one)
        .collect();
    ok_str(out.join(" "))
}

/// Sprig's `indent`: every line prefixed with `spaces` spaces.
pub fn indent_str(spaces: i64, v: &str) -> Result<String, String> {
    indent_with(spaces, v, "")
}

/// `lead` followed by `v` with `spaces` spaces before every line, built in one buffer.
fn indent_with(spaces: i64, v: &str, lead: &str) -> Result<String, String> {
    let pad = repeat_str(" ", spaces)?;
    let lines = 1 + memchr::memchr_iter(b'\n', v.as_bytes()).count();
    let mut out = String::with_capacity(lead.len() + v.len() + lines * pad.len());
    out.push_str(lead);
    out.push_str(&pad);
    let mut last = 0;
    for nl in memchr::memchr_iter(b'\n', v.as_bytes()) {
        out.push_str(&v[last..=nl]);
        out.push_str(&pad);
        last = nl + 1;
    }
    out.push_str(&v[last..]);
    Ok(out)
}

fn indent(a: &[Value]) -> Result<Value, String> {
    ok_str(indent_str(arg_int(a, 0), arg_str(a, 1))?)
}

fn nindent(a: &[Value]) -> Result<Value, String> {
    ok_str(indent_with(arg_int(a, 0), arg_str(a, 1), "\n")?)
}

fn replace(a: &[Value]) -> Result<Value, String> {
    ok_str(go_replace_all(arg_str(a, 2), arg_str(a, 0), arg_str(a, 1)))
}

/// Go's `strings.Replace(s, old, new, -1)`: an empty `old` inserts `new` around every rune.
pub fn go_replace_all(s: &str, old: &str, new: &str) -> String {
    if !old.is_empty() {
        return s.replace(old, new);
    }
    let mut out = String::with_capacity(s.len() + new.len() * (s.len() + 1));
    out.push_str(new);
    for c in s.chars() {
        out.push(c);
        out.push_str(new);
    }
    out
}

fn plural(a: &[Value]) -> Result<Value, String> {
    ok_str(if arg_int(a, 2) == 1 {
        arg_str(a, 0)
    } else {
        arg_str(a, 1)
    })
}

/// Sprig's `strslice`: the elements of a slice as strings (nils dropped); a non-slice
/// becomes a one-element list, nil an empty one.
pub fn strslice(v: &Value) -> Vec<String> {
    match slice_items(v) {
        Some(items) => items.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        None if v.is_nil() => Vec::new(),
        None => vec![strval(v)],
    }
}

fn to_strings(a: &[Value]) -> Result<Value, String> {
    Ok(str_list(strslice(&a[0])))
}

fn join(a: &[Value]) -> Result<Value, String> {
    ok_str(strslice(&a[1]).join(arg_str(a, 0)))
}

/// Go's `strings.SplitN(s, sep, n)` (n < 0: all; n == 0: none).
pub fn go_split_n(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        // explode into runes, the last one holding the rest
        let chars: Vec<char> = s.chars().collect();
        let limit = if n < 0 || n as usize > chars.len() {
            chars.len()
        } else {
            n as usize
        };
        let mut out: Vec<String> = Vec::with_capacity(limit);
        let mut idx = 0;
        for (i, c) in s.char_indices() {
            if out.len() + 1 == limit {
                idx = i;
                break;
            }
            out.push(c.to_string());
            idx = i + c.len_utf8();
        }
        if out.len() < limit {
            out.push(s[idx..].to_string());
        }
        return out;
    }
    if n < 0 {
        return s.split(sep).map(String::from).collect();
    }
    s.splitn(n as usize, sep).map(String::from).collect()
}

fn indexed_map(parts: Vec<String>) -> Value {
    let m: Map = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (format!("_{i}").into(), Value::from(p)))
        .collect();
    Value::from_map(m)
}

fn split(a: &[Value]) -> Result<Value, String> {
    Ok(indexed_map(go_split_n(arg_str(a, 1), arg_str(a, 0), -1)))
}

fn split_list(a: &[Value]) -> Result<Value, String> {
    Ok(str_list(go_split_n(arg_str(a, 1), arg_str(a, 0), -1)))
}

fn splitn(a: &[Value]) -> Result<Value, String> {
    Ok(indexed_map(go_split_n(
        arg_str(a, 2),
        arg_str(a, 0),
        arg_int(a, 1),
    )))
}

fn random_from(count: i64, alphabet: &[u8]) -> String {
    if count <= 0 {
        return String::new();
    }
    let mut rng = rand::thread_rng();
    (0..count)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";

fn rand_alpha_num(a: &[Value]) -> Result<Value, String> {
    let all: Vec<u8> = ALPHA.iter().chain(DIGITS).copied().collect();
    ok_str(random_from(arg_int(a, 0), &all))
}

fn rand_alpha(a: &[Value]) -> Result<Value, String> {
    ok_str(random_from(arg_int(a, 0), ALPHA))
}

fn rand_numeric(a: &[Value]) -> Result<Value, String> {
    ok_str(random_from(arg_int(a, 0), DIGITS))
}

fn rand_ascii(a: &[Value]) -> Result<Value, String> {
    let printable: Vec<u8> = (32u8..=126).collect();
    ok_str(random_from(arg_int(a, 0), &printable))
}

fn fail(a: &[Value]) -> Result<Value, String> {
    Err(arg_str(a, 0).to_string())
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("hello", &[], None, hello),
        func("trim", &[Str], None, trim),
        func("upper", &[Str], None, upper),
        func("lower", &[Str], None, lower),
        func("title", &[Str], None, title),
        func("substr", &[Int, Int, Str], None, substr),
        func("trunc", &[Int, Str], None, trunc),
        func("repeat", &[Int, Str], None, repeat),
        func("trimall", &[Str, Str], None, trim_all),
        func("trimAll", &[Str, Str], None, trim_all),
        func("trimSuffix", &[Str, Str], None, trim_suffix),
        func("trimPrefix", &[Str, Str], None, trim_prefix),
        func("contains", &[Str, Str], None, contains),
        func("hasPrefix", &[Str, Str], None, has_prefix),
        func("hasSuffix", &[Str, Str], None, has_suffix),
        func("quote", &[], Some(Any), quote),
        func("squote", &[], Some(Any), squote),
        func("cat", &[], Some(Any), cat),
        func("indent", &[Int, Str], None, indent),
        func("nindent", &[Int, Str], None, nindent),
        func("replace", &[Str, Str, Str], None, replace),
        func("plural", &[Str, Str, Int], None, plural),
        func("toStrings", &[Any], None, to_strings),
        func("join", &[Str, Any], None, join),
        func("split", &[Str, Str], None, split),
        func("splitList", &[Str, Str], None, split_list),
        func("splitn", &[Str, Int, Str], None, splitn),
        func("randAlphaNum", &[Int], None, rand_alpha_num),
        func("randAlpha", &[Int], None, rand_alpha),
        func("randNumeric", &[Int], None, rand_numeric),
        func("randAscii", &[Int], None, rand_ascii),
        func("fail", &[Str], None, fail),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn substr_and_trunc_slice_bytes_like_go() {
        assert_eq!(show("substr", &[i(0), i(3), s("fooo")]), "foo");
        assert_eq!(show("substr", &[i(0), i(10), s("foo")]), "foo");
        assert_eq!(show("substr", &[i(-1), i(2), s("foo")]), "fo");
        assert_eq!(
            show("substr", &[i(-1), i(10), s("foo")]),
            "ERR runtime error: slice bounds out of range [:10] with length 3"
        );
        assert_eq!(
            show("substr", &[i(5), i(-1), s("foo")]),
            "ERR runtime error: slice bounds out of range [5:3]"
        );
        assert_eq!(show("trunc", &[i(3), s("foooooo")]), "foo");
        assert_eq!(show("trunc", &[i(-3), s("baaaaaar")]), "aar");
        assert_eq!(show("trunc", &[i(-999), s("baaaaaar")]), "baaaaaar");
        assert_eq!(show("trunc", &[i(0), s("baaaaaz")]), "");
    }

    #[test]
    fn quote_skips_nil_and_uses_strval() {
        assert_eq!(show("quote", &[s("a"), Value::Nil, i(1)]), "\"a\" \"1\"");
        assert_eq!(show("quote", &[s("\"a\"")]), "\"\\\"a\\\"\"");
        assert_eq!(show("squote", &[s("a"), i(2)]), "'a' '2'");
        assert_eq!(show("quote", &[Value::Nil]), "");
        assert_eq!(show("cat", &[s("a"), Value::Nil, s("b"), i(3)]), "a b 3");
    }

    #[test]
    fn indent_prefixes_every_line() {
        assert_eq!(show("indent", &[i(4), s("a\nb\nc")]), "    a\n    b\n    c");
        assert_eq!(show("nindent", &[i(2), s("a\nb")]), "\n  a\n  b");
        assert_eq!(
            show("indent", &[i(-1), s("a")]),
            "ERR strings: negative Repeat count"
        );
    }

    #[test]
    fn title_follows_go_word_boundaries() {
        assert_eq!(
            show("title", &[s("hello world-foo_bar 3d")]),
            "Hello World-Foo_bar 3d"
        );
        assert_eq!(show("upper", &[s("straße")]), "STRAßE");
        assert_eq!(show("lower", &[s("ÀB")]), "àb");
    }

    #[test]
    fn split_family() {
        let v = call("split", &[s("$"), s("foo$bar$baz")]).unwrap();
        assert_eq!(strval(&v), "map[_0:foo _1:bar _2:baz]");
        let v = call("splitn", &[s("$"), i(2), s("foo$bar$baz")]).unwrap();
        assert_eq!(strval(&v), "map[_0:foo _1:bar$baz]");
        assert_eq!(show("splitList", &[s(","), s("a,b,,c")]), "[a b  c]");
        assert_eq!(show("splitList", &[s(""), s("abc")]), "[a b c]");
        assert_eq!(go_split_n("abc", "", 2), vec!["a", "bc"]);
    }

    #[test]
    fn join_and_to_strings_drop_nils() {
        assert_eq!(
            show("join", &[s("-"), l(&[i(1), Value::Nil, s("2")])]),
            "1-2"
        );
        assert_eq!(show("join", &[s("-"), s("abc")]), "abc");
        assert_eq!(show("join", &[s("-"), Value::Nil]), "");
        let v = call("toStrings", &[l(&[i(1), i(2)])]).unwrap();
        assert_eq!(v.as_list().unwrap()[1], s("2"));
    }

    #[test]
    fn small_string_helpers() {
        assert_eq!(show("trim", &[s("   5.00   ")]), "5.00");
        assert_eq!(show("trimAll", &[s("$"), s("$5.00$")]), "5.00");
        assert_eq!(show("trimPrefix", &[s("$"), s("$5.00")]), "5.00");
        assert_eq!(show("trimSuffix", &[s("$"), s("5.00$")]), "5.00");
        assert_eq!(show("contains", &[s("cat"), s("fair catch")]), "true");
        assert_eq!(show("hasPrefix", &[s("cat"), s("catch")]), "true");
        assert_eq!(show("hasSuffix", &[s("cat"), s("ducat")]), "true");
        assert_eq!(
            show("replace", &[s(" "), s("-"), s("I Am Henry VIII")]),
            "I-Am-Henry-VIII"
        );
        assert_eq!(show("replace", &[s(""), s("-"), s("ab")]), "-a-b-");
        assert_eq!(show("plural", &[s("one"), s("many"), i(1)]), "one");
        assert_eq!(show("plural", &[s("one"), s("many"), i(2)]), "many");
        assert_eq!(show("repeat", &[i(3), s("ab")]), "ababab");
        assert_eq!(show("hello", &[]), "Hello!");
        assert_eq!(show("fail", &[s("boom")]), "ERR boom");
    }

    #[test]
    fn random_strings_have_the_right_shape() {
        let v = show("randAlphaNum", &[i(12)]);
        assert_eq!(v.len(), 12);
        assert!(v.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(show("randAlpha", &[i(8)])
            .bytes()
            .all(|b| b.is_ascii_alphabetic()));
        assert!(show("randNumeric", &[i(8)])
            .bytes()
            .all(|b| b.is_ascii_digit()));
        assert!(show("randAscii", &[i(8)])
            .bytes()
            .all(|b| (32..=126).contains(&b)));
        assert_eq!(show("randAlpha", &[i(-1)]), "");
    }
}
