//! Regular expressions with Go's RE2 syntax: `regexMatch`, `regexFind`, `regexFindAll`,
//! `regexReplaceAll` (`$1`/`${name}` expansion), `regexReplaceAllLiteral`, `regexSplit`,
//! `regexQuoteMeta` and the `must` variants.
//!
//! Go patterns are translated for the `regex` crate: Perl classes (`\d`, `\s`, `\w`,
//! `\b`) are ASCII-only in Go, `\Q...\E` quotes, and `[`, `&&`, `--`, `~~` are plain
//! characters inside Go classes.

use std::rc::Rc;

use regex::Regex;

use super::arg_str;
use super::str_list;
use crate::funcs::{func, FuncSpec, Param};
use crate::gofmt;
use crate::value::Value;

fn perl_class(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "[0-9]",
        'D' => "[^0-9]",
        's' => "[\\t\\n\\f\\r ]",
        'S' => "[^\\t\\n\\f\\r ]",
        'w' => "[0-9A-Za-z_]",
        'W' => "[^0-9A-Za-z_]",
        _ => return None,
    })
}

/// Rewrites a Go regexp into the `regex` crate's dialect with the same meaning.
pub fn translate(pat: &str) -> String {
    let chars: Vec<char> = pat.chars().collect();
    let mut out = String::with_capacity(pat.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = 0usize;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let n = chars[i + 1];
            if n == 'Q' {
                // literal text up to \E
                let mut j = i + 2;
                while j < chars.len() && !(chars[j] == '\\' && chars.get(j + 1) == Some(&'E')) {
                    let lit = chars[j].to_string();
                    out.push_str(&regex::escape(&lit));
                    j += 1;
                }
                i = if j < chars.len() { j + 2 } else { j };
                continue;
            }
            if let Some(cls) = perl_class(n) {
                out.push_str(cls);
            } else if !in_class && (n == 'b' || n == 'B') {
                out.push_str(if n == 'b' { "(?-u:\\b)" } else { "(?-u:\\B)" });
            } else {
                out.push(c);
                out.push(n);
            }
            i += 2;
            continue;
        }
        if in_class {
            let first = i == class_start || (i == class_start + 1 && chars[class_start] == '^');
            match c {
                ']' if !first => {
                    in_class = false;
                    out.push(c);
                }
                '[' => {
                    // POSIX classes like [:alpha:] pass through
                    let rest: String = chars[i..].iter().take(12).collect();
                    if let Some(end) = rest.find(":]").filter(|_| rest.starts_with("[:")) {
                        let take = rest[..end + 2].chars().count();
                        out.extend(&chars[i..i + take]);
                        i += take;
                        continue;
                    }
                    out.push_str("\\[");
                }
                '&' | '-' | '~' if i > class_start && chars[i - 1] == c => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
            i += 1;
            continue;
        }
        if c == '[' {
            in_class = true;
            class_start = i + 1;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Go's `regexp.Compile` error text for a pattern the `regex` crate rejected.
fn go_error(pat: &str, err: &regex::Error) -> String {
    let msg = err.to_string();
    let code = if msg.contains("unclosed group") {
        "missing closing )"
    } else if msg.contains("unopened group") {
        "unexpected )"
    } else if msg.contains("unclosed character class") {
        "missing closing ]"
    } else if msg.contains("repetition operator missing expression") {
        "missing argument to repetition operator"
    } else if msg.contains("escape") {
        "invalid escape sequence"
    } else if msg.contains("range") && msg.contains("class") {
        "invalid character class range"
    } else if msg.contains("repetition") || msg.contains("decimal") {
        "invalid repeat count"
    } else if msg.contains("flag") || msg.contains("group") {
        "invalid or unsupported Perl syntax"
    } else {
        "invalid regexp"
    };
    format!("error parsing regexp: {code}: `{pat}`")
}

thread_local! {
    /// Patterns compiled during the running render.
    static CACHE: std::cell::RefCell<std::collections::HashMap<String, Rc<Regex>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Forgets the patterns compiled so far: a render starts with none, so that each
/// render pays for compiling its own patterns (as Helm compiles them on every call)
/// and nothing carries over from one render to the next.
pub fn forget_compiled() {
    CACHE.with(|c| c.borrow_mut().clear());
}

/// Compiles a Go pattern; the error is Go's `regexp.Compile` text.
///
/// Within a render, compiled patterns are memoised per thread (compiling is a pure
/// function of the pattern, and charts call the same few patterns in loops); see
/// [`forget_compiled`]. The compiled regex is shared, not cloned: a clone of a `Regex`
/// gets a new pool of matching caches, and making a cache costs more than most matches.
pub fn compile(pat: &str) -> Result<Rc<Regex>, String> {
    if let Some(r) = CACHE.with(|c| c.borrow().get(pat).cloned()) {
        return Ok(r);
    }
    let re = Rc::new(Regex::new(&translate(pat)).map_err(|e| go_error(pat, &e))?);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 512 {
            c.clear();
        }
        c.insert(pat.to_string(), re.clone());
    });
    Ok(re)
}

/// Go's `regexp.MustCompile` panic text, as the non-`must` functions report it.
fn must_compile(pat: &str) -> Result<Rc<Regex>, String> {
    compile(pat).map_err(|e| {
        let q = if pat.contains('`') || pat.chars().any(|c| c.is_control() && c != '\t') {
            gofmt::quote(pat)
        } else {
            format!("`{pat}`")
        };
        format!("regexp: Compile({q}): {e}")
    })
}

fn narg(a: &[Value], i: usize) -> i64 {
    match a.get(i) {
        Some(Value::Int(x)) => *x,
        _ => 0,
    }
}

/// Go's `FindAllString(s, n)`.
fn find_all(re: &Regex, text: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    let it = re.find_iter(text).map(|m| m.as_str().to_string());
    if n < 0 {
        it.collect()
    } else {
        it.take(n as usize).collect()
    }
}

/// Go's `Regexp.Split(s, n)`.
fn split(re: &Regex, text: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !re.as_str().is_empty() && text.is_empty() {
        return vec![String::new()];
    }
    let matches: Vec<(usize, usize)> = re
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .take(if n < 0 { usize::MAX } else { n as usize })
        .collect();
    let mut out = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for (ms, me) in matches {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = ms;
        if me != 0 {
            out.push(text[beg..end].to_string());
        }
        beg = me;
    }
    if end != text.len() {
        out.push(text[beg..].to_string());
    }
    out
}

fn regex_match(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(
        compile(arg_str(a, 0)).is_ok_and(|re| re.is_match(arg_str(a, 1))),
    ))
}

fn must_regex_match(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(compile(arg_str(a, 0))?.is_match(arg_str(a, 1))))
}

fn regex_find_all(a: &[Value]) -> Result<Value, String> {
    Ok(str_list(find_all(
        &*must_compile(arg_str(a, 0))?,
        arg_str(a, 1),
        narg(a, 2),
    )))
}

fn must_regex_find_all(a: &[Value]) -> Result<Value, String> {
    Ok(str_list(find_all(
        &*compile(arg_str(a, 0))?,
        arg_str(a, 1),
        narg(a, 2),
    )))
}

fn find(re: &Regex, text: &str) -> Value {
    Value::from(re.find(text).map_or("", |m| m.as_str()))
}

fn regex_find(a: &[Value]) -> Result<Value, String> {
    Ok(find(&*must_compile(arg_str(a, 0))?, arg_str(a, 1)))
}

fn must_regex_find(a: &[Value]) -> Result<Value, String> {
    Ok(find(&*compile(arg_str(a, 0))?, arg_str(a, 1)))
}

fn replace(re: &Regex, text: &str, repl: &str, literal: bool) -> Value {
    let out = if literal {
        re.replace_all(text, regex::NoExpand(repl))
    } else {
        re.replace_all(text, repl)
    };
    Value::from(out.into_owned())
}

fn regex_replace_all(a: &[Value]) -> Result<Value, String> {
    Ok(replace(
        &*must_compile(arg_str(a, 0))?,
        arg_str(a, 1),
        arg_str(a, 2),
        false,
    ))
}

fn must_regex_replace_all(a: &[Value]) -> Result<Value, String> {
    Ok(replace(
        &*compile(arg_str(a, 0))?,
        arg_str(a, 1),
        arg_str(a, 2),
        false,
    ))
}

fn regex_replace_all_literal(a: &[Value]) -> Result<Value, String> {
    Ok(replace(
        &*must_compile(arg_str(a, 0))?,
        arg_str(a, 1),
        arg_str(a, 2),
        true,
    ))
}

fn must_regex_replace_all_literal(a: &[Value]) -> Result<Value, String> {
    Ok(replace(
        &*compile(arg_str(a, 0))?,
        arg_str(a, 1),
        arg_str(a, 2),
        true,
    ))
}

fn regex_split(a: &[Value]) -> Result<Value, String> {
    Ok(str_list(split(
        &*must_compile(arg_str(a, 0))?,
        arg_str(a, 1),
        narg(a, 2),
    )))
}

fn must_regex_split(a: &[Value]) -> Result<Value, String> {
    Ok(str_list(split(
        &*compile(arg_str(a, 0))?,
        arg_str(a, 1),
        narg(a, 2),
    )))
}

/// Go's `regexp.QuoteMeta`.
pub fn quote_meta(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn regex_quote_meta(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(quote_meta(arg_str(a, 0))))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("regexMatch", &[Str, Str], None, regex_match),
        func("mustRegexMatch", &[Str, Str], None, must_regex_match),
        func("regexFindAll", &[Str, Str, Int], None, regex_find_all),
        func(
            "mustRegexFindAll",
            &[Str, Str, Int],
            None,
            must_regex_find_all,
        ),
        func("regexFind", &[Str, Str], None, regex_find),
        func("mustRegexFind", &[Str, Str], None, must_regex_find),
        func("regexReplaceAll", &[Str, Str, Str], None, regex_replace_all),
        func(
            "mustRegexReplaceAll",
            &[Str, Str, Str],
            None,
            must_regex_replace_all,
        ),
        func(
            "regexReplaceAllLiteral",
            &[Str, Str, Str],
            None,
            regex_replace_all_literal,
        ),
        func(
            "mustRegexReplaceAllLiteral",
            &[Str, Str, Str],
            None,
            must_regex_replace_all_literal,
        ),
        func("regexSplit", &[Str, Str, Int], None, regex_split),
        func("mustRegexSplit", &[Str, Str, Int], None, must_regex_split),
        func("regexQuoteMeta", &[Str], None, regex_quote_meta),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn compiled_patterns_last_until_a_render_forgets_them() {
        let cached = || super::CACHE.with(|c| c.borrow().len());
        super::forget_compiled();
        assert!(super::compile("^a+b$").is_ok_and(|r| r.is_match("aab")));
        assert!(super::compile("^a+b$").is_ok());
        assert_eq!(cached(), 1);
        super::forget_compiled();
        assert_eq!(cached(), 0);
    }

    #[test]
    fn match_find_replace_like_sprig_tests() {
        assert_eq!(
            show(
                "regexMatch",
                &[
                    s("^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[A-Za-z]{2,}$"),
                    s("test@acme.com")
                ]
            ),
            "true"
        );
        assert_eq!(show("regexMatch", &[s("("), s("x")]), "false");
        assert_eq!(
            show("regexFindAll", &[s("a{2}"), s("aaaaaaaa"), i(-1)]),
            "[aa aa aa aa]"
        );
        assert_eq!(
            show("regexFindAll", &[s("a{2}"), s("aaaaaaaa"), i(2)]),
            "[aa aa]"
        );
        assert_eq!(
            show("regexFind", &[s("[a-zA-Z][1-9]"), s("abcd1234")]),
            "d1"
        );
        assert_eq!(
            show(
                "regexReplaceAll",
                &[s("a(x*)b"), s("-ab-axxb-"), s("${1}W")]
            ),
            "-W-xxW-"
        );
        assert_eq!(
            show("regexReplaceAll", &[s("a(x*)b"), s("-ab-axxb-"), s("$1W")]),
            "---"
        );
        assert_eq!(
            show(
                "regexReplaceAllLiteral",
                &[s("a(x*)b"), s("-ab-axxb-"), s("${1}")]
            ),
            "-${1}-${1}-"
        );
        assert_eq!(show("regexSplit", &[s("z+"), s("pizza"), i(-1)]), "[pi a]");
        assert_eq!(show("regexSplit", &[s("z+"), s("pizza"), i(1)]), "[pizza]");
        assert_eq!(
            show("regexSplit", &[s("/"), s("foo/bar/baz"), i(-1)]),
            "[foo bar baz]"
        );
        assert_eq!(show("regexQuoteMeta", &[s("1.2.3")]), "1\\.2\\.3");
    }

    #[test]
    fn perl_classes_are_ascii_like_go() {
        assert_eq!(show("regexMatch", &[s("^\\d+$"), s("١٢")]), "false");
        assert_eq!(show("regexMatch", &[s("^\\w+$"), s("é")]), "false");
        assert_eq!(show("regexMatch", &[s("^[\\d.]+$"), s("1.2")]), "true");
        assert_eq!(show("regexMatch", &[s("^[[]$"), s("[")]), "true");
        assert_eq!(show("regexMatch", &[s("^[[:alpha:]]+$"), s("ab")]), "true");
        assert_eq!(show("regexMatch", &[s("^\\Qa.b\\E$"), s("a.b")]), "true");
        assert_eq!(show("regexMatch", &[s("^\\Qa.b\\E$"), s("axb")]), "false");
    }

    #[test]
    fn compile_errors_read_like_go() {
        assert_eq!(
            show("mustRegexMatch", &[s("("), s("x")]),
            "ERR error parsing regexp: missing closing ): `(`"
        );
        assert_eq!(
            show("regexFind", &[s("("), s("x")]),
            "ERR regexp: Compile(`(`): error parsing regexp: missing closing ): `(`"
        );
    }
}
