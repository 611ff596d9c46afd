//! `.helmignore` rules exactly as Helm's `pkg/ignore` evaluates them, over Go's
//! `path/filepath.Match` glob syntax.
//!
//! Helm's quirks are kept on purpose: `**` is refused, a pattern without `/` matches the
//! base name only, a leading `/` anchors at the chart root, a trailing `/` matches
//! directories only, and a `!` rule ignores every path that does *not* match it (a
//! negated directory rule ignores every file). `.helmignore` itself is not ignored
//! unless a rule says so; `templates/.?*` (dotfiles under `templates/`) always is.

/// Name of the ignore file in a chart directory.
pub const HELM_IGNORE: &str = ".helmignore";

/// Go's `filepath.ErrBadPattern` text.
pub const ERR_BAD_PATTERN: &str = "syntax error in pattern";

/// One parsed rule.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    /// The glob, with `!`, a trailing `/` and a leading `/` removed.
    glob: String,
    /// How the glob is applied.
    scope: Scope,
    negate: bool,
    must_dir: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Leading `/` or a `/` inside: matched against the whole relative path.
    Path,
    /// No `/`: matched against the base name.
    Base,
}

/// A parsed `.helmignore` (Helm's `ignore.Rules`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

impl Rules {
    /// No rules at all (`ignore.Empty()`).
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// Parses a `.helmignore` text, one rule a line (`ignore.Parse`).
    ///
    /// # Errors
    /// `double-star (**) syntax is not supported`, or `syntax error in pattern`.
    pub fn parse(text: &str) -> Result<Rules, String> {
        let mut r = Rules::empty();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            r.add_rule(line)?;
        }
        Ok(r)
    }

    /// Adds Helm's default rule: ignore dotfiles in `templates/` (`AddDefaults`).
    pub fn add_defaults(&mut self) {
        // A fixed, valid rule: cannot fail.
        let _ = self.add_rule("templates/.?*");
    }

    /// Parses and appends one rule line (`parseRule`).
    ///
    /// # Errors
    /// As [`Rules::parse`].
    pub fn add_rule(&mut self, rule: &str) -> Result<(), String> {
        let rule = rule.trim_matches(|c: char| c.is_whitespace());
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err("double-star (**) syntax is not supported".into());
        }
        glob_match(rule, "abc")?;
        let (negate, rest) = match rule.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (must_dir, rest) = match rest.strip_suffix('/') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (glob, scope) = if let Some(r) = rest.strip_prefix('/') {
            (r, Scope::Path)
        } else if rest.contains('/') {
            (rest, Scope::Path)
        } else {
            (rest, Scope::Base)
        };
        self.patterns.push(Pattern {
            glob: glob.to_string(),
            scope,
            negate,
            must_dir,
        });
        Ok(())
    }

    /// Whether `path` (relative, `/`-separated) is ignored (`Rules.Ignore`). Rules are
    /// tried in order and the first decisive one wins.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            let subject = match p.scope {
                Scope::Path => path,
                Scope::Base => base_name(path),
            };
            let matched = glob_match(&p.glob, subject).unwrap_or(false);
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !matched {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

/// Go's `filepath.Base` for `/`-separated paths.
fn base_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// Go's `filepath.Match(pattern, name)` on Unix: `*`, `?`, `[...]` (with `^` negation
/// and ranges) and `\` escapes; `*` and `?` never match `/`.
///
/// # Errors
/// `syntax error in pattern` for a malformed pattern.
pub fn glob_match(pattern: &str, name: &str) -> Result<bool, String> {
    let mut pattern = pattern;
    let mut name = name;
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains('/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            for (i, c) in name.char_indices() {
                if c == '/' {
                    break;
                }
                let after = &name[i + c.len_utf8()..];
                let (t, ok) = match_chunk(chunk, after)?;
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
            }
        }
        // Report syntax errors in the rest of the pattern before failing.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, "")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Splits off leading stars and the chunk up to the next unbracketed `*`.
fn scan_chunk(pattern: &str) -> (bool, &str, &str) {
    let trimmed = pattern.trim_start_matches('*');
    let star = trimmed.len() != pattern.len();
    let bytes = trimmed.as_bytes();
    let mut in_range = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 < bytes.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &trimmed[..i], &trimmed[i..])
}

fn bad() -> String {
    ERR_BAD_PATTERN.to_string()
}

/// Matches one chunk at the start of `s`; returns the rest of `s` and whether it matched.
fn match_chunk<'a>(chunk: &str, s: &'a str) -> Result<(&'a str, bool), String> {
    let mut chunk = chunk;
    let mut s = s;
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        let c = chunk.as_bytes()[0];
        match c {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let ch = s.chars().next().unwrap_or('\0');
                    r = ch;
                    s = &s[ch.len_utf8()..];
                }
                chunk = &chunk[1..];
                let negated = chunk.starts_with('^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.starts_with(']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if let Some(rest) = chunk.strip_prefix('-') {
                        let (h, rest) = get_esc(rest)?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s.starts_with('/') {
                        failed = true;
                    }
                    let ch = s.chars().next().unwrap_or('\0');
                    s = &s[ch.len_utf8()..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                if c == b'\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return Err(bad());
                    }
                }
                let pc = chunk.chars().next().unwrap_or('\0');
                if !failed {
                    if s.starts_with(pc) {
                        s = &s[pc.len_utf8()..];
                    } else {
                        failed = true;
                    }
                }
                chunk = &chunk[pc.len_utf8()..];
            }
        }
    }
    if failed {
        return Ok(("", false));
    }
    Ok((s, true))
}

/// One possibly escaped character of a `[...]` class.
fn get_esc(chunk: &str) -> Result<(char, &str), String> {
    if chunk.is_empty() || chunk.starts_with('-') || chunk.starts_with(']') {
        return Err(bad());
    }
    let mut chunk = chunk;
    if let Some(rest) = chunk.strip_prefix('\\') {
        chunk = rest;
        if chunk.is_empty() {
            return Err(bad());
        }
    }
    let ch = chunk.chars().next().ok_or_else(bad)?;
    let rest = &chunk[ch.len_utf8()..];
    if rest.is_empty() {
        return Err(bad());
    }
    Ok((ch, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Rules {
        let mut r = Rules::parse(text).unwrap();
        r.add_defaults();
        r
    }

    #[test]
    fn glob_matches_like_go_filepath_match() {
        let cases = [
            ("abc", "abc", true),
            ("*", "abc", true),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*", "ab/c", false),
            ("a*/b", "abc/b", true),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b?c*x", "abxbbxdbxebxczzx", true),
            ("a*b?c*x", "abxbbxdbxebxczzy", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[^c]", "abc", false),
            ("ab[^b-d]", "abe", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a/b", false),
            ("a*b", "a/b", false),
            ("[\\]a]", "]", true),
            ("*x", "xxx", true),
        ];
        for (p, n, want) in cases {
            assert_eq!(glob_match(p, n), Ok(want), "{p} vs {n}");
        }
    }

    #[test]
    fn glob_reports_bad_patterns() {
        for p in [
            "[", "[^", "[^bc", "a[", "[]a]", "[-]", "[x-]", "[a-b-c]", "a\\", "*x[",
        ] {
            assert_eq!(glob_match(p, "a"), Err(ERR_BAD_PATTERN.into()), "{p}");
        }
    }

    #[test]
    fn base_name_rules_match_any_depth() {
        let r = rules("*.bak\n# comment\n\n  .git/  \n");
        assert!(r.ignore("a.bak", false));
        assert!(r.ignore("x/y/a.bak", false));
        assert!(r.ignore(".git", true));
        assert!(!r.ignore(".git", false));
        assert!(!r.ignore("a.yaml", false));
    }

    #[test]
    fn slash_rules_match_whole_path() {
        let r = rules("docs/*.md\n/secret.txt\n");
        assert!(r.ignore("docs/a.md", false));
        assert!(!r.ignore("x/docs/a.md", false));
        assert!(r.ignore("secret.txt", false));
        assert!(!r.ignore("x/secret.txt", false));
    }

    #[test]
    fn default_rule_ignores_template_dotfiles() {
        let r = rules("");
        assert!(r.ignore("templates/.hidden", false));
        assert!(!r.ignore("templates/a.yaml", false));
        assert!(!r.ignore(".helmignore", false));
    }

    #[test]
    fn negation_ignores_everything_not_matching() {
        let r = Rules::parse("!keep.txt\n").unwrap();
        assert!(!r.ignore("keep.txt", false));
        assert!(r.ignore("other.txt", false));
        let r = Rules::parse("!dir/\n").unwrap();
        assert!(r.ignore("file", false));
    }

    #[test]
    fn double_star_and_bad_patterns_are_errors() {
        assert_eq!(
            Rules::parse("a/**/b").unwrap_err(),
            "double-star (**) syntax is not supported"
        );
        assert_eq!(Rules::parse("[").unwrap_err(), ERR_BAD_PATTERN);
    }

    #[test]
    fn root_and_empty_paths_are_never_ignored() {
        let r = rules("*\n");
        assert!(!r.ignore("", true));
        assert!(!r.ignore(".", true));
        assert!(r.ignore("x", true));
    }
}
