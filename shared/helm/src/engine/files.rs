//! `.Files`: a chart's non-template files with Helm's accessors (`Get`, `GetBytes`,
//! `Glob`, `Lines`, `AsConfig`, `AsSecrets`).

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use base64::Engine as _;

use crate::value::{Map, Object, Value};

/// A set of chart files, by path.
#[derive(Debug, Clone, Default)]
pub struct Files(pub Rc<BTreeMap<String, Arc<[u8]>>>);

impl Files {
    /// Files from a chart's file list.
    pub fn new(files: &[crate::chart::File]) -> Files {
        Files(Rc::new(
            files
                .iter()
                .map(|f| (f.name.clone(), f.data.clone()))
                .collect(),
        ))
    }

    /// The template value.
    pub fn to_value(&self) -> Value {
        Value::Object(Rc::new(self.clone()))
    }

    fn get(&self, name: &str) -> String {
        self.0
            .get(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }

    fn glob(&self, pattern: &str) -> Files {
        let pat: Vec<char> = pattern.chars().collect();
        Files(Rc::new(
            self.0
                .iter()
                .filter(|(name, _)| {
                    let n: Vec<char> = name.chars().collect();
                    glob_match(&pat, &n)
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ))
    }

    fn as_map(&self, encode: bool) -> Value {
        let mut m = Map::new();
        for (k, v) in self.0.iter() {
            let base = k.rsplit('/').next().unwrap_or(k).to_string();
            let s = if encode {
                base64::engine::general_purpose::STANDARD.encode(v)
            } else {
                String::from_utf8_lossy(v).into_owned()
            };
            m.insert(base.into(), Value::from(s));
        }
        Value::from_map(m)
    }
}

fn to_yaml(v: &Value) -> String {
    crate::yaml::to_string(v)
        .map(|s| s.strip_suffix('\n').map(str::to_string).unwrap_or(s))
        .unwrap_or_default()
}

impl Object for Files {
    fn type_name(&self) -> &str {
        "engine.files"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "AsConfig" => Some(Value::from(if self.0.is_empty() {
                String::new()
            } else {
                to_yaml(&self.as_map(false))
            })),
            "AsSecrets" => Some(Value::from(if self.0.is_empty() {
                String::new()
            } else {
                to_yaml(&self.as_map(true))
            })),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "Get" | "GetBytes" | "Glob" | "Lines")
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let arg = match args {
            [Value::Str(s)] => s.to_string(),
            [other] => {
                return Some(Err(format!(
                    "wrong type for value; expected string; got {}",
                    other.type_name()
                )))
            }
            _ => {
                return Some(Err(format!(
                    "wrong number of args for {name}: want 1 got {}",
                    args.len()
                )))
            }
        };
        Some(Ok(match name {
            "Get" => Value::from(self.get(&arg)),
            "GetBytes" => Value::Bytes(
                self.0
                    .get(&arg)
                    .cloned()
                    .unwrap_or_else(|| Arc::from(&[][..])),
            ),
            "Glob" => self.glob(&arg).to_value(),
            "Lines" => {
                let Some(b) = self.0.get(&arg) else {
                    return Some(Ok(Value::from_list(Vec::new())));
                };
                let mut s = String::from_utf8_lossy(b).into_owned();
                if s.ends_with('\n') {
                    s.pop();
                }
                Value::from_list(s.split('\n').map(Value::str).collect())
            }
            _ => return None,
        }))
    }
    fn format(&self) -> String {
        let mut out = String::from("map[");
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(k);
            out.push(':');
            out.push_str(&crate::gofmt::sprint_one(&Value::Bytes(v.clone())));
        }
        out.push(']');
        out
    }
    fn len(&self) -> Option<usize> {
        Some(self.0.len())
    }
    fn entries(&self) -> Option<Vec<(Value, Value)>> {
        Some(
            self.0
                .iter()
                .map(|(k, v)| (Value::str(k), Value::Bytes(v.clone())))
                .collect(),
        )
    }
    fn to_json_value(&self) -> Option<Value> {
        let mut m = Map::new();
        for (k, v) in self.0.iter() {
            m.insert(
                k.as_str().into(),
                Value::from(base64::engine::general_purpose::STANDARD.encode(v)),
            );
        }
        Some(Value::from_map(m))
    }
}

/// gobwas/glob matching with `/` as separator: `*` and `?` stay within a path segment,
/// `**` crosses segments, `[...]` classes (with `!` negation) and `{a,b}` alternatives.
pub fn glob_match(p: &[char], s: &[char]) -> bool {
    if p.is_empty() {
        return s.is_empty();
    }
    match p[0] {
        '*' => {
            if p.get(1) == Some(&'*') {
                let rest = &p[2..];
                (0..=s.len()).any(|i| glob_match(rest, &s[i..]))
            } else {
                let rest = &p[1..];
                for i in 0..=s.len() {
                    if glob_match(rest, &s[i..]) {
                        return true;
                    }
                    if i < s.len() && s[i] == '/' {
                        break;
                    }
                }
                false
            }
        }
        '?' => !s.is_empty() && s[0] != '/' && glob_match(&p[1..], &s[1..]),
        '[' => {
            let Some(end) = p.iter().position(|c| *c == ']') else {
                return !s.is_empty() && s[0] == '[' && glob_match(&p[1..], &s[1..]);
            };
            if s.is_empty() || s[0] == '/' {
                return false;
            }
            let class = &p[1..end];
            let (neg, class) = match class.first() {
                Some('!') | Some('^') => (true, &class[1..]),
                _ => (false, class),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == '-' {
                    if class[i] <= s[0] && s[0] <= class[i + 2] {
                        hit = true;
                    }
                    i += 3;
                } else {
                    if class[i] == s[0] {
                        hit = true;
                    }
                    i += 1;
                }
            }
            hit != neg && glob_match(&p[end + 1..], &s[1..])
        }
        '{' => {
            let Some(end) = p.iter().position(|c| *c == '}') else {
                return !s.is_empty() && s[0] == '{' && glob_match(&p[1..], &s[1..]);
            };
            let inner: String = p[1..end].iter().collect();
            inner.split(',').any(|alt| {
                let mut np: Vec<char> = alt.chars().collect();
                np.extend_from_slice(&p[end + 1..]);
                glob_match(&np, s)
            })
        }
        '\\' if p.len() > 1 => !s.is_empty() && s[0] == p[1] && glob_match(&p[2..], &s[1..]),
        c => !s.is_empty() && s[0] == c && glob_match(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    fn m(p: &str, s: &str) -> bool {
        glob_match(
            &p.chars().collect::<Vec<_>>(),
            &s.chars().collect::<Vec<_>>(),
        )
    }

    #[test]
    fn glob_follows_gobwas_rules() {
        assert!(m("files/*.json", "files/a.json"));
        assert!(!m("files/*.json", "files/sub/a.json"));
        assert!(m("files/**.json", "files/sub/a.json"));
        assert!(m("dashboards/{a,b}.json", "dashboards/b.json"));
        assert!(m("f?le", "file"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[!a-c]x", "bx"));
    }
}
