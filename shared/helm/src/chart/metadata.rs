//! `Chart.yaml` (Helm's `chart.Metadata`): the model, validation with Helm's messages,
//! the `.Chart` template object and the JSON-tagged form Helm writes back out.
//! Decoding lives in `chartfile.rs`.

use std::collections::BTreeMap;

use crate::value::{Map, Value};

use crate::semver;

/// A maintainer entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Maintainer {
    /// name
    pub name: String,
    /// email
    pub email: String,
    /// url
    pub url: String,
}

/// A `dependencies:` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dependency {
    /// name
    pub name: String,
    /// version (range)
    pub version: String,
    /// repository
    pub repository: String,
    /// condition (comma-separated value paths)
    pub condition: String,
    /// tags
    pub tags: Vec<String>,
    /// enabled (set while processing conditions)
    pub enabled: bool,
    /// import-values: strings or `{child, parent}` maps
    pub import_values: Vec<Value>,
    /// alias
    pub alias: String,
}

/// Parsed `Chart.yaml`.
#[derive(Clone, Debug, Default)]
pub struct Metadata {
    /// apiVersion (v1 or v2)
    pub api_version: String,
    /// name
    pub name: String,
    /// version (SemVer 2)
    pub version: String,
    /// kubeVersion constraint
    pub kube_version: String,
    /// description
    pub description: String,
    /// type (application or library)
    pub chart_type: String,
    /// keywords
    pub keywords: Vec<String>,
    /// home
    pub home: String,
    /// sources
    pub sources: Vec<String>,
    /// dependencies
    pub dependencies: Vec<Dependency>,
    /// maintainers
    pub maintainers: Vec<Maintainer>,
    /// icon
    pub icon: String,
    /// appVersion
    pub app_version: String,
    /// deprecated
    pub deprecated: bool,
    /// annotations
    pub annotations: BTreeMap<String, String>,
    /// The whole parsed document, for fields not modelled above.
    pub raw: Value,
    /// condition (a top-level `condition:`, kept as Helm keeps it)
    pub condition: String,
    /// tags (a top-level `tags:` string, kept as Helm keeps it)
    pub tags: String,
    /// Whether `annotations:` was present (Go's non-nil map).
    pub has_annotations: bool,
    /// `maintainers:` held a null entry (Helm refuses it at validation).
    pub(crate) null_maintainer: bool,
    /// Index of the first null `dependencies:` entry (refused at validation).
    pub(crate) null_dependency_at: Option<usize>,
}

/// Helm's `chart.ValidationError`: prints as `validation: MESSAGE`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("validation: {0}")]
pub struct ValidationError(pub String);

/// `^[a-zA-Z0-9_-]+$`
fn is_valid_alias(a: &str) -> bool {
    !a.is_empty()
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Go's `filepath.Base` (Unix).
fn go_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    t.rsplit('/').next().unwrap_or(t)
}

/// Whether Go's `unicode.IsPrint` holds (approximation: control, format, private-use
/// and noncharacter code points are not printable).
fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if c.is_control() {
        return false;
    }
    let format = matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
        | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F);
    let private = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    let nonchar = (0xFDD0..=0xFDEF).contains(&u) || (u & 0xFFFE) == 0xFFFE;
    !(format || private || nonchar)
}

/// Helm's `sanitizeString`: every Unicode space becomes ' ', unprintable runes go.
pub fn sanitize_string(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if is_go_printable(c) {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

fn sanitize_all(v: &mut [String]) {
    for s in v {
        *s = sanitize_string(s);
    }
}

impl Dependency {
    /// `Dependency.Validate`: sanitizes strings and checks the alias.
    ///
    /// # Errors
    /// `dependency "NAME" has disallowed characters in the alias`.
    pub fn validate(&mut self) -> Result<(), ValidationError> {
        self.name = sanitize_string(&self.name);
        self.version = sanitize_string(&self.version);
        self.repository = sanitize_string(&self.repository);
        self.condition = sanitize_string(&self.condition);
        sanitize_all(&mut self.tags);
        if !self.alias.is_empty() && !is_valid_alias(&self.alias) {
            return Err(ValidationError(format!(
                "dependency {} has disallowed characters in the alias",
                crate::gofmt::quote(&self.name)
            )));
        }
        Ok(())
    }

    /// The map a template sees (Go field names, as `structToMap` builds it).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("Name".into(), Value::str(&self.name));
        m.insert("Version".into(), Value::str(&self.version));
        m.insert("Repository".into(), Value::str(&self.repository));
        m.insert("Condition".into(), Value::str(&self.condition));
        m.insert("Tags".into(), str_list(&self.tags));
        m.insert("Enabled".into(), Value::Bool(self.enabled));
        m.insert(
            "ImportValues".into(),
            Value::from_list(self.import_values.clone()),
        );
        m.insert("Alias".into(), Value::str(&self.alias));
        Value::from_map(m)
    }

    /// The JSON-tagged form (`name`, `version`, `repository`, ... with Helm's omitempty).
    pub fn to_json_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), Value::str(&self.name));
        put_str(&mut m, "version", &self.version);
        m.insert("repository".into(), Value::str(&self.repository));
        put_str(&mut m, "condition", &self.condition);
        put_list(&mut m, "tags", &self.tags);
        if self.enabled {
            m.insert("enabled".into(), Value::Bool(true));
        }
        if !self.import_values.is_empty() {
            m.insert(
                "import-values".into(),
                Value::from_list(self.import_values.clone()),
            );
        }
        put_str(&mut m, "alias", &self.alias);
        Value::from_map(m)
    }
}

fn str_list(v: &[String]) -> Value {
    Value::from_list(v.iter().map(|s| Value::str(s)).collect())
}

fn put_str(m: &mut Map, k: &str, v: &str) {
    if !v.is_empty() {
        m.insert(k.into(), Value::str(v));
    }
}

fn put_list(m: &mut Map, k: &str, v: &[String]) {
    if !v.is_empty() {
        m.insert(k.into(), str_list(v));
    }
}

impl Maintainer {
    /// The map a template sees: `Name`, `Email`, `URL`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("Name".into(), Value::str(&self.name));
        m.insert("Email".into(), Value::str(&self.email));
        m.insert("URL".into(), Value::str(&self.url));
        Value::from_map(m)
    }

    /// The JSON-tagged form (all fields omitempty).
    pub fn to_json_value(&self) -> Value {
        let mut m = Map::new();
        put_str(&mut m, "name", &self.name);
        put_str(&mut m, "email", &self.email);
        put_str(&mut m, "url", &self.url);
        Value::from_map(m)
    }
}

impl Metadata {
    /// `Metadata.Validate`: sanitizes the free-text fields (spaces normalised,
    /// unprintable runes dropped) and checks what Helm checks, with Helm's messages.
    ///
    /// # Errors
    /// The first problem found, e.g. `validation: chart.metadata.name is required`.
    pub fn validate(&mut self) -> Result<(), ValidationError> {
        let err = |m: String| Err(ValidationError(m));
        self.name = sanitize_string(&self.name);
        self.description = sanitize_string(&self.description);
        self.home = sanitize_string(&self.home);
        self.icon = sanitize_string(&self.icon);
        self.condition = sanitize_string(&self.condition);
        self.tags = sanitize_string(&self.tags);
        self.app_version = sanitize_string(&self.app_version);
        self.kube_version = sanitize_string(&self.kube_version);
        sanitize_all(&mut self.sources);
        sanitize_all(&mut self.keywords);

        if self.api_version.is_empty() {
            return err("chart.metadata.apiVersion is required".into());
        }
        if self.name.is_empty() {
            return err("chart.metadata.name is required".into());
        }
        if self.name == "." || self.name == ".." {
            return err(format!(
                "chart.metadata.name {} is not allowed",
                crate::gofmt::quote(&self.name)
            ));
        }
        if self.name != go_base(&self.name) {
            return err(format!(
                "chart.metadata.name {} is invalid",
                crate::gofmt::quote(&self.name)
            ));
        }
        if self.version.is_empty() {
            return err("chart.metadata.version is required".into());
        }
        if semver::Version::parse(&self.version).is_err() {
            return err(format!(
                "chart.metadata.version {} is invalid",
                crate::gofmt::quote(&self.version)
            ));
        }
        if !matches!(self.chart_type.as_str(), "" | "application" | "library") {
            return err("chart.metadata.type must be application or library".into());
        }
        if self.null_maintainer {
            return err("maintainers must not contain empty or null nodes".into());
        }
        for m in &mut self.maintainers {
            m.name = sanitize_string(&m.name);
            m.email = sanitize_string(&m.email);
            m.url = sanitize_string(&m.url);
        }
        let mut seen = std::collections::HashSet::new();
        for (i, d) in self.dependencies.iter_mut().enumerate() {
            if self.null_dependency_at == Some(i) {
                return err("dependencies must not contain empty or null nodes".into());
            }
            d.validate()?;
            let key = if d.alias.is_empty() {
                d.name.clone()
            } else {
                d.alias.clone()
            };
            if !seen.insert(key.clone()) {
                return err(format!(
                    "more than one dependency with name or alias {}",
                    crate::gofmt::quote(&key)
                ));
            }
        }
        if self.null_dependency_at.is_some() {
            return err("dependencies must not contain empty or null nodes".into());
        }
        Ok(())
    }

    /// The `.Chart` object templates see: Helm's `structToMap(Metadata)` with Go field
    /// names (`Name`, `Version`, `AppVersion`, `APIVersion`, `Maintainers` as maps of
    /// `Name`/`Email`/`URL`, ...). Lists are never nil. The engine adds `IsRoot`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        let s = |v: &str| Value::str(v);
        m.insert("Name".into(), s(&self.name));
        m.insert("Home".into(), s(&self.home));
        m.insert("Sources".into(), str_list(&self.sources));
        m.insert("Version".into(), s(&self.version));
        m.insert("Description".into(), s(&self.description));
        m.insert("Keywords".into(), str_list(&self.keywords));
        m.insert(
            "Maintainers".into(),
            Value::from_list(self.maintainers.iter().map(Maintainer::to_value).collect()),
        );
        m.insert("Icon".into(), s(&self.icon));
        m.insert("APIVersion".into(), s(&self.api_version));
        m.insert("Condition".into(), s(&self.condition));
        m.insert("Tags".into(), s(&self.tags));
        m.insert("AppVersion".into(), s(&self.app_version));
        m.insert("Deprecated".into(), Value::Bool(self.deprecated));
        m.insert("Annotations".into(), Value::from_str_map(&self.annotations));
        m.insert("KubeVersion".into(), s(&self.kube_version));
        m.insert(
            "Dependencies".into(),
            Value::from_list(self.dependencies.iter().map(Dependency::to_value).collect()),
        );
        m.insert("Type".into(), s(&self.chart_type));
        Value::from_map(m)
    }

    /// The JSON-tagged form `yaml.Marshal(metadata)` writes (every field omitempty).
    pub fn to_json_value(&self) -> Value {
        let mut m = Map::new();
        put_str(&mut m, "name", &self.name);
        put_str(&mut m, "home", &self.home);
        put_list(&mut m, "sources", &self.sources);
        put_str(&mut m, "version", &self.version);
        put_str(&mut m, "description", &self.description);
        put_list(&mut m, "keywords", &self.keywords);
        if !self.maintainers.is_empty() {
            m.insert(
                "maintainers".into(),
                Value::from_list(
                    self.maintainers
                        .iter()
                        .map(Maintainer::to_json_value)
                        .collect(),
                ),
            );
        }
        put_str(&mut m, "icon", &self.icon);
        put_str(&mut m, "apiVersion", &self.api_version);
        put_str(&mut m, "condition", &self.condition);
        put_str(&mut m, "tags", &self.tags);
        put_str(&mut m, "appVersion", &self.app_version);
        if self.deprecated {
            m.insert("deprecated".into(), Value::Bool(true));
        }
        if !self.annotations.is_empty() {
            m.insert("annotations".into(), Value::from_str_map(&self.annotations));
        }
        put_str(&mut m, "kubeVersion", &self.kube_version);
        if !self.dependencies.is_empty() {
            m.insert(
                "dependencies".into(),
                Value::from_list(
                    self.dependencies
                        .iter()
                        .map(Dependency::to_json_value)
                        .collect(),
                ),
            );
        }
        put_str(&mut m, "type", &self.chart_type);
        Value::from_map(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Metadata {
        Metadata {
            api_version: "v2".into(),
            name: "demo".into(),
            version: "1.0.0".into(),
            ..Metadata::default()
        }
    }

    fn verr(m: &mut Metadata) -> String {
        m.validate().unwrap_err().to_string()
    }

    #[test]
    fn validation_messages_match_helm() {
        let mut m = valid();
        m.api_version.clear();
        assert_eq!(
            verr(&mut m),
            "validation: chart.metadata.apiVersion is required"
        );
        let mut m = valid();
        m.name = "..".into();
        assert_eq!(
            verr(&mut m),
            "validation: chart.metadata.name \"..\" is not allowed"
        );
        let mut m = valid();
        m.name = "a/b".into();
        assert_eq!(
            verr(&mut m),
            "validation: chart.metadata.name \"a/b\" is invalid"
        );
        let mut m = valid();
        m.version = "one".into();
        assert_eq!(
            verr(&mut m),
            "validation: chart.metadata.version \"one\" is invalid"
        );
        let mut m = valid();
        m.chart_type = "app".into();
        assert_eq!(
            verr(&mut m),
            "validation: chart.metadata.type must be application or library"
        );
    }

    #[test]
    fn dependency_rules() {
        let mut m = valid();
        m.dependencies = vec![
            Dependency {
                name: "a".into(),
                ..Default::default()
            },
            Dependency {
                name: "b".into(),
                alias: "a".into(),
                ..Default::default()
            },
        ];
        assert_eq!(
            verr(&mut m),
            "validation: more than one dependency with name or alias \"a\""
        );
        let mut m = valid();
        m.dependencies = vec![Dependency {
            name: "x".into(),
            alias: "a.b".into(),
            ..Default::default()
        }];
        assert_eq!(
            verr(&mut m),
            "validation: dependency \"x\" has disallowed characters in the alias"
        );
    }

    #[test]
    fn sanitizing_normalises_spaces_and_drops_controls() {
        assert_eq!(sanitize_string("a\nb\tc\u{7}d\u{200b}e"), "a b cde");
        let mut m = valid();
        m.description = "line one\nline two\n".into();
        m.validate().unwrap();
        assert_eq!(m.description, "line one line two ");
    }

    #[test]
    fn chart_object_uses_go_field_names() {
        let mut m = valid();
        m.maintainers = vec![Maintainer {
            name: "n".into(),
            email: "e".into(),
            url: "u".into(),
        }];
        let v = m.to_value();
        assert_eq!(v.get("APIVersion"), Some(Value::str("v2")));
        assert_eq!(v.get("Keywords"), Some(Value::from_list(vec![])));
        let mt = v.get("Maintainers").unwrap();
        assert_eq!(mt.as_list().unwrap()[0].get("URL"), Some(Value::str("u")));
        assert_eq!(v.get("Deprecated"), Some(Value::Bool(false)));
    }

    #[test]
    fn json_form_omits_empty_fields() {
        let m = valid();
        let v = m.to_json_value();
        let keys: Vec<String> = v
            .as_map()
            .unwrap()
            .borrow()
            .keys()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(keys, ["apiVersion", "name", "version"]);
    }
}
