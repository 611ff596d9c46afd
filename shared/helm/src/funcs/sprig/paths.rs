//! Paths: `base`, `dir`, `clean`, `ext`, `isAbs` (Go's `path`) and the `os*` variants
//! (Go's `path/filepath`, which on Linux behaves the same).

use crate::funcs::{func, FuncSpec, Param};
use crate::value::Value;

/// Go's `path.Clean`.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `path.Base`.
pub fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    match t.rfind('/') {
        Some(i) => t[i + 1..].to_string(),
        None => t.to_string(),
    }
}

/// Go's `path.Dir`.
pub fn dir(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean(&p[..cut])
}

/// Go's `path.Ext`.
pub fn ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        match c {
            '/' => break,
            '.' => return p[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

fn arg(a: &[Value]) -> &str {
    a[0].as_str().unwrap_or("")
}

fn base_fn(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(base(arg(a))))
}

fn dir_fn(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(dir(arg(a))))
}

fn clean_fn(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(clean(arg(a))))
}

fn ext_fn(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(ext(arg(a))))
}

fn is_abs(a: &[Value]) -> Result<Value, String> {
    Ok(Value::Bool(arg(a).starts_with('/')))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("base", &[Str], None, base_fn),
        func("dir", &[Str], None, dir_fn),
        func("clean", &[Str], None, clean_fn),
        func("ext", &[Str], None, ext_fn),
        func("isAbs", &[Str], None, is_abs),
        func("osBase", &[Str], None, base_fn),
        func("osDir", &[Str], None, dir_fn),
        func("osClean", &[Str], None, clean_fn),
        func("osExt", &[Str], None, ext_fn),
        func("osIsAbs", &[Str], None, is_abs),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_path_semantics() {
        assert_eq!(base("foo/bar"), "bar");
        assert_eq!(base("foo/bar/"), "bar");
        assert_eq!(base(""), ".");
        assert_eq!(base("///"), "/");
        assert_eq!(dir("foo/bar/baz"), "foo/bar");
        assert_eq!(dir("foo"), ".");
        assert_eq!(dir("/foo"), "/");
        assert_eq!(clean("/foo/../foo/../bar"), "/bar");
        assert_eq!(clean("a/../../b/./c//"), "../b/c");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean(""), ".");
        assert_eq!(ext("/foo/bar/baz.txt"), ".txt");
        assert_eq!(ext("/foo.d/bar"), "");
    }
}
