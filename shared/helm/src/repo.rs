//! The chart repository index (`index.yaml`) as Helm's `pkg/repo/v1` reads and writes
//! it: entries per chart name, each a chart version (its `Chart.yaml` fields plus
//! `urls`, `created`, `digest`, ...); `helm repo index` building (with `--merge`
//! semantics), sorting (newest SemVer first) and YAML output with Helm's JSON field
//! names and Go's RFC 3339 timestamps.

use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;

use chrono::{DateTime, FixedOffset, Timelike};
use sha2::{Digest, Sha256};

use crate::chart::chartfile::{self, json_err, set_bool, set_list, set_str, sorted_fields};
use crate::chart::yamlnode::{self, Node, Scalar};
use crate::chart::Metadata;
use crate::semver::Version;
use crate::value::{Map, Value};

/// A Go `time.Time` as the index stores it (with its UTC offset).
pub type Time = DateTime<FixedOffset>;

/// Go's zero time, `0001-01-01T00:00:00Z`.
pub fn zero_time() -> Time {
    DateTime::parse_from_rfc3339("0001-01-01T00:00:00Z").unwrap_or_default()
}

/// Formats a time as Go's `time.RFC3339Nano` (trailing fractional zeros dropped, `Z`
/// for a zero offset), which is how `time.Time` marshals to JSON.
pub fn format_rfc3339_nano(t: &Time) -> String {
    let mut s = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    let off = t.offset().local_minus_utc();
    if off == 0 {
        s.push('Z');
    } else {
        let sign = if off < 0 { '-' } else { '+' };
        let a = off.unsigned_abs();
        s.push_str(&format!("{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60));
    }
    s
}

/// One chart version in the index (Helm's `repo.ChartVersion`).
#[derive(Clone, Debug)]
pub struct ChartVersion {
    /// The chart's metadata (flattened into the entry).
    pub metadata: Metadata,
    /// `urls`
    pub urls: Vec<String>,
    /// `created`
    pub created: Time,
    /// `removed`
    pub removed: bool,
    /// `digest`: hex SHA-256 of the archive.
    pub digest: String,
    /// Deprecated `checksum`, `engine`, `tillerVersion`, `url`, kept when read.
    pub deprecated: BTreeMap<String, String>,
}

/// The repository index (Helm's `repo.IndexFile`).
#[derive(Clone, Debug)]
pub struct IndexFile {
    /// `apiVersion` (`v1`).
    pub api_version: String,
    /// `generated`
    pub generated: Time,
    /// `entries`: chart name to its versions.
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
    /// `publicKeys`
    pub public_keys: Vec<String>,
    /// `annotations`
    pub annotations: BTreeMap<String, String>,
    /// `serverInfo` (kept for ChartMuseum indexes).
    pub server_info: Option<Value>,
}

/// URL `path.Join` as Helm's `urlutil.URLJoin`: the base's path and the parts joined
/// and cleaned, scheme, host, query and fragment kept.
pub fn url_join(base: &str, parts: &[&str]) -> String {
    let (head, rest) = match base.find("://") {
        Some(i) => {
            let after = &base[i + 3..];
            let p = after
                .find(['/', '?', '#'])
                .map_or(base.len(), |j| i + 3 + j);
            (&base[..p], &base[p..])
        }
        None => ("", base),
    };
    let (path, tail) = match rest.find(['?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let mut all = vec![path];
    all.extend_from_slice(parts);
    let joined = path_join(&all);
    let joined = if !head.is_empty() && !joined.is_empty() && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    };
    format!("{head}{joined}{tail}")
}

/// Go's `path.Join`.
fn path_join(elems: &[&str]) -> String {
    let non_empty: Vec<&str> = elems.iter().copied().filter(|e| !e.is_empty()).collect();
    if non_empty.is_empty() {
        return String::new();
    }
    path_clean(&non_empty.join("/"))
}

/// Go's `path.Clean`.
fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            x => out.push(x),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

impl ChartVersion {
    /// The entry as `yaml.Marshal` sees it: metadata JSON fields plus `urls`,
    /// `created`, `removed`/`digest` (omitempty) and deprecated fields.
    pub fn to_value(&self) -> Value {
        let v = self.metadata.to_json_value();
        {
            let Value::Map(m) = &v else { return v };
            let mut m = m.borrow_mut();
            m.insert(
                "urls".into(),
                Value::from_list(self.urls.iter().map(|u| Value::str(u)).collect()),
            );
            m.insert(
                "created".into(),
                Value::str(&format_rfc3339_nano(&self.created)),
            );
            if self.removed {
                m.insert("removed".into(), Value::Bool(true));
            }
            if !self.digest.is_empty() {
                m.insert("digest".into(), Value::str(&self.digest));
            }
            for (k, val) in &self.deprecated {
                if !val.is_empty() {
                    m.insert(k.as_str().into(), Value::str(val));
                }
            }
        }
        v
    }
}

impl IndexFile {
    /// An empty index (`repo.NewIndexFile`) generated at `now`.
    pub fn new(now: Time) -> IndexFile {
        IndexFile {
            api_version: "v1".into(),
            generated: now,
            entries: BTreeMap::new(),
            public_keys: Vec::new(),
            annotations: BTreeMap::new(),
            server_info: None,
        }
    }

    /// Adds a chart version (`MustAdd`): defaults apiVersion to v1, validates, builds
    /// the URL from `base_url` and the file's base name.
    ///
    /// # Errors
    /// `validate failed for FILE: validation: ...`.
    pub fn must_add(
        &mut self,
        mut md: Metadata,
        filename: &str,
        base_url: &str,
        digest: &str,
        created: Time,
    ) -> Result<(), String> {
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
        md.validate()
            .map_err(|e| format!("validate failed for {filename}: {e}"))?;
        let url = if base_url.is_empty() {
            filename.to_string()
        } else {
            let file = filename.rsplit('/').next().unwrap_or(filename);
            url_join(base_url, &[file])
        };
        let cv = ChartVersion {
            metadata: md,
            urls: vec![url],
            created,
            removed: false,
            digest: digest.to_string(),
            deprecated: BTreeMap::new(),
        };
        self.entries
            .entry(cv.metadata.name.clone())
            .or_default()
            .push(cv);
        Ok(())
    }

    /// Whether `name` has exactly `version`.
    pub fn has(&self, name: &str, version: &str) -> bool {
        self.get(name, version).is_some()
    }

    /// The entry for `name` at exactly `version`, or the first (newest once sorted)
    /// when `version` is empty.
    pub fn get(&self, name: &str, version: &str) -> Option<&ChartVersion> {
        let vs = self.entries.get(name)?;
        if version.is_empty() {
            return vs
                .iter()
                .find(|v| Version::parse(&v.metadata.version).is_ok());
        }
        vs.iter().find(|v| v.metadata.version == version)
    }

    /// `IndexFile.Merge(f)`: adds the versions of `other` that this index lacks (the
    /// entries already here win). `helm repo index --merge OLD` builds the new index
    /// from the directory and merges OLD into it.
    pub fn merge(&mut self, other: &IndexFile) {
        for cvs in other.entries.values() {
            for cv in cvs {
                if !self.has(&cv.metadata.name, &cv.metadata.version) {
                    self.entries
                        .entry(cv.metadata.name.clone())
                        .or_default()
                        .push(cv.clone());
                }
            }
        }
    }

    /// `SortEntries`: every name's versions newest first by SemVer; versions that do
    /// not parse go last.
    pub fn sort_entries(&mut self) {
        for vs in self.entries.values_mut() {
            vs.sort_by(|a, b| {
                let pa = Version::parse(&a.metadata.version);
                let pb = Version::parse(&b.metadata.version);
                match (pa, pb) {
                    (Ok(x), Ok(y)) => y.compare(&x),
                    (Ok(_), Err(_)) => std::cmp::Ordering::Less,
                    (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
                    (Err(_), Err(_)) => std::cmp::Ordering::Equal,
                }
            });
        }
    }

    /// The index as `yaml.Marshal(IndexFile)` sees it (JSON field names).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        if let Some(si) = self.server_info.as_ref().filter(|v| v.truthy()) {
            m.insert("serverInfo".into(), si.clone());
        }
        m.insert("apiVersion".into(), Value::str(&self.api_version));
        m.insert(
            "generated".into(),
            Value::str(&format_rfc3339_nano(&self.generated)),
        );
        let mut entries = Map::new();
        for (name, vs) in &self.entries {
            entries.insert(
                name.as_str().into(),
                Value::from_list(vs.iter().map(ChartVersion::to_value).collect()),
            );
        }
        m.insert("entries".into(), Value::from_map(entries));
        if !self.public_keys.is_empty() {
            m.insert(
                "publicKeys".into(),
                Value::from_list(self.public_keys.iter().map(|k| Value::str(k)).collect()),
            );
        }
        if !self.annotations.is_empty() {
            m.insert("annotations".into(), Value::from_str_map(&self.annotations));
        }
        Value::from_map(m)
    }

    /// `index.yaml` text as `helm repo index` writes it.
    ///
    /// # Errors
    /// YAML marshalling failures.
    pub fn to_yaml(&self) -> Result<String, String> {
        crate::yaml::to_string(&self.to_value()).map_err(|e| e.to_string())
    }

    /// Reads an index (`loadIndex`): JSON or strict YAML; null and invalid entries are
    /// skipped as Helm skips them; entries are sorted.
    ///
    /// # Errors
    /// `empty index.yaml file`, `no API version specified`, syntax and type errors.
    pub fn parse(data: &[u8]) -> Result<IndexFile, String> {
        if data.is_empty() {
            return Err("empty index.yaml file".into());
        }
        let strict = serde_json::from_slice::<serde_json::Value>(data).is_err();
        let text = String::from_utf8_lossy(data);
        let root =
            yamlnode::parse(&text).map_err(|e| format!("error converting YAML to JSON: {e}"))?;
        let mut idx = IndexFile::new(zero_time());
        idx.api_version.clear();
        let items = match root.as_deref() {
            Some(Node::Map(items)) => items.clone(),
            None => Vec::new(),
            Some(n) if matches!(yamlnode::scalar_of(n), Some(Scalar::Null)) => Vec::new(),
            Some(n) => {
                return Err(json_err(format!(
                    "cannot unmarshal {} into Go value of type repo.IndexFile",
                    yamlnode::json_kind(n)
                )))
            }
        };
        for (key, val) in sorted_fields(&items)? {
            let e = |f: &str, t: &str| chartfile::type_err(&val, "IndexFile", f, t);
            match key.to_ascii_lowercase().as_str() {
                "apiversion" => {
                    set_str(&mut idx.api_version, &val).map_err(|_| e("apiVersion", "string"))?
                }
                "generated" => idx.generated = parse_time(&val, "IndexFile", "generated")?,
                "publickeys" => set_list(&mut idx.public_keys, &val, "IndexFile", "publicKeys")?,
                "serverinfo" => {
                    idx.server_info = Some(yamlnode::to_value(&val)?);
                }
                "annotations" => {
                    let mut md = Metadata::default();
                    chartfile::decode_field(&mut md, "annotations", &val)?;
                    idx.annotations = md.annotations;
                }
                "entries" => decode_entries(&mut idx, &val, strict)?,
                _ if strict => return Err(json_err(format!("unknown field {key:?}"))),
                _ => {}
            }
        }
        idx.sort_entries();
        if idx.api_version.is_empty() {
            return Err("no API version specified".into());
        }
        Ok(idx)
    }
}

fn parse_time(v: &Node, strukt: &str, field: &str) -> Result<Time, String> {
    match yamlnode::scalar_of(v) {
        Some(Scalar::Null) => Ok(zero_time()),
        Some(Scalar::Str(s)) => DateTime::parse_from_rfc3339(&s).map_err(|_| {
            format!(
                "error unmarshaling JSON: while decoding JSON: parsing time {} as \"2006-01-02T15:04:05Z07:00\": cannot parse {} as RFC 3339",
                crate::gofmt::quote(&s),
                crate::gofmt::quote(&s)
            )
        }),
        _ => Err(chartfile::type_err(v, strukt, field, "time.Time")),
    }
}

fn decode_entries(idx: &mut IndexFile, v: &Node, strict: bool) -> Result<(), String> {
    let items = match v {
        Node::Map(items) => items,
        _ if matches!(yamlnode::scalar_of(v), Some(Scalar::Null)) => return Ok(()),
        _ => {
            return Err(chartfile::type_err(
                v,
                "IndexFile",
                "entries",
                "map[string]repo.ChartVersions",
            ))
        }
    };
    for (name, list) in sorted_fields(items)? {
        let vs: &[Rc<Node>] = match &*list {
            Node::Seq(vs) => vs,
            n if matches!(yamlnode::scalar_of(n), Some(Scalar::Null)) => &[],
            n => {
                return Err(chartfile::type_err(
                    n,
                    "IndexFile",
                    "entries",
                    "repo.ChartVersions",
                ))
            }
        };
        let mut out = Vec::new();
        for cv in vs {
            let Node::Map(fields) = &**cv else {
                if matches!(yamlnode::scalar_of(cv), Some(Scalar::Null)) {
                    continue; // Helm skips empty entries.
                }
                return Err(chartfile::type_err(
                    cv,
                    "IndexFile",
                    "entries",
                    "repo.ChartVersion",
                ));
            };
            let mut c = decode_chart_version(fields, strict)?;
            if c.metadata.api_version.is_empty() {
                c.metadata.api_version = "v1".into();
            }
            match c.metadata.validate() {
                Ok(()) => out.push(c),
                Err(e)
                    if e.0
                        .starts_with("more than one dependency with name or alias") =>
                {
                    out.push(c)
                }
                Err(_) => {} // Helm logs and skips invalid entries.
            }
        }
        idx.entries.insert(name, out);
    }
    Ok(())
}

fn decode_chart_version(
    fields: &[(Rc<Node>, Rc<Node>)],
    strict: bool,
) -> Result<ChartVersion, String> {
    let mut cv = ChartVersion {
        metadata: Metadata::default(),
        urls: Vec::new(),
        created: zero_time(),
        removed: false,
        digest: String::new(),
        deprecated: BTreeMap::new(),
    };
    for (key, val) in sorted_fields(fields)? {
        let lower = key.to_ascii_lowercase();
        match lower.as_str() {
            "urls" => set_list(&mut cv.urls, &val, "ChartVersion", "entries.urls")?,
            "created" => cv.created = parse_time(&val, "ChartVersion", "entries.created")?,
            "removed" => set_bool(&mut cv.removed, &val, "ChartVersion", "entries.removed")?,
            "digest" => set_str(&mut cv.digest, &val).map_err(|_| {
                chartfile::type_err(&val, "ChartVersion", "entries.digest", "string")
            })?,
            "checksum" | "engine" | "tillerversion" | "url" => {
                let json_name = match lower.as_str() {
                    "tillerversion" => "tillerVersion",
                    other => other,
                };
                let mut s = String::new();
                set_str(&mut s, &val).map_err(|_| {
                    chartfile::type_err(
                        &val,
                        "ChartVersion",
                        &format!("entries.{json_name}"),
                        "string",
                    )
                })?;
                cv.deprecated.insert(json_name.to_string(), s);
            }
            _ => {
                let known = chartfile::decode_field(&mut cv.metadata, &key, &val)?;
                if !known && strict {
                    return Err(json_err(format!("unknown field {key:?}")));
                }
            }
        }
    }
    Ok(cv)
}

/// Hex SHA-256 of a file (Helm's `provenance.DigestFile`).
///
/// # Errors
/// Read failures.
pub fn digest_file(path: &Path) -> Result<String, String> {
    let data = std::fs::read(path).map_err(|e| format!("open {}: {e}", path.display()))?;
    Ok(hex::encode(Sha256::digest(&data)))
}

/// `repo.IndexDirectory`: indexes `*.tgz` in `dir` and one level below, skipping files
/// that do not load as charts; `created` stamps every entry and the index.
///
/// # Errors
/// `failed adding to FILE to index: ...`, read failures.
pub fn index_directory(dir: &Path, base_url: &str, created: Time) -> Result<IndexFile, String> {
    let mut archives: Vec<(String, String, std::path::PathBuf)> = Vec::new();
    let list = |d: &Path| -> Vec<std::path::PathBuf> {
        let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(d)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.sort();
        v
    };
    for p in list(dir) {
        if p.is_file() && p.extension().is_some_and(|e| e == "tgz") {
            let f = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            archives.push((String::new(), f, p));
        }
    }
    let mut nested = Vec::new();
    for sub in list(dir).into_iter().filter(|p| p.is_dir()) {
        let parent = sub
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for p in list(&sub) {
            if p.is_file() && p.extension().is_some_and(|e| e == "tgz") {
                let f = p
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                nested.push((parent.clone(), f, p));
            }
        }
    }
    nested.sort_by(|a, b| a.2.cmp(&b.2));
    archives.extend(nested);
    let mut index = IndexFile::new(created);
    for (parent, fname, path) in archives {
        let parent_url = url_join(base_url, &[&parent]);
        let Ok(c) = crate::chart::load(&path) else {
            continue; // Not a chart.
        };
        let hash = digest_file(&path)?;
        index
            .must_add(c.metadata, &fname, &parent_url, &hash, created)
            .map_err(|e| format!("failed adding to {fname} to index: {e}"))?;
    }
    Ok(index)
}

/// `helm repo index DIR [--url URL] [--merge OLD]`: returns the index to write as
/// `DIR/index.yaml`; `merge` is the old index's text, if any.
///
/// # Errors
/// As [`index_directory`]; `merge failed: ...`.
pub fn repo_index(
    dir: &Path,
    base_url: &str,
    merge: Option<&[u8]>,
    now: Time,
) -> Result<IndexFile, String> {
    let mut i = index_directory(dir, base_url, now)?;
    if let Some(old) = merge {
        let i2 = IndexFile::parse(old).map_err(|e| format!("merge failed: {e}"))?;
        i.merge(&i2);
    }
    i.sort_entries();
    Ok(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Time {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn times_print_as_go_rfc3339_nano() {
        assert_eq!(
            format_rfc3339_nano(&t("2016-10-06T16:23:20.499814565-06:00")),
            "2016-10-06T16:23:20.499814565-06:00"
        );
        assert_eq!(
            format_rfc3339_nano(&t("2020-01-01T00:00:00.500+00:00")),
            "2020-01-01T00:00:00.5Z"
        );
        assert_eq!(format_rfc3339_nano(&zero_time()), "0001-01-01T00:00:00Z");
    }

    #[test]
    fn urls_join_like_helm() {
        assert_eq!(
            url_join("https://e.com/charts", &["a-1.tgz"]),
            "https://e.com/charts/a-1.tgz"
        );
        assert_eq!(
            url_join("https://e.com", &["a-1.tgz"]),
            "https://e.com/a-1.tgz"
        );
        assert_eq!(
            url_join("https://e.com/x/?q=1", &["a.tgz"]),
            "https://e.com/x/a.tgz?q=1"
        );
        assert_eq!(url_join("", &[""]), "");
        assert_eq!(url_join("", &["sub"]), "sub");
    }

    fn md(name: &str, version: &str) -> Metadata {
        Metadata {
            api_version: "v2".into(),
            name: name.into(),
            version: version.into(),
            ..Metadata::default()
        }
    }

    #[test]
    fn sorting_is_newest_semver_first_invalid_last() {
        let now = t("2024-01-01T00:00:00Z");
        let mut i = IndexFile::new(now);
        for v in ["1.0.0", "1.10.0", "1.2.0", "2.0.0-rc.1", "2.0.0"] {
            i.must_add(md("a", v), "a.tgz", "", "", now).unwrap();
        }
        i.sort_entries();
        let got: Vec<&str> = i.entries["a"]
            .iter()
            .map(|c| c.metadata.version.as_str())
            .collect();
        assert_eq!(got, ["2.0.0", "2.0.0-rc.1", "1.10.0", "1.2.0", "1.0.0"]);
    }

    #[test]
    fn merge_keeps_existing_entries() {
        let now = t("2024-01-01T00:00:00Z");
        let mut a = IndexFile::new(now);
        a.must_add(md("x", "1.0.0"), "x-1.0.0.tgz", "https://new", "d1", now)
            .unwrap();
        let mut b = IndexFile::new(now);
        b.must_add(md("x", "1.0.0"), "x-1.0.0.tgz", "https://old", "d0", now)
            .unwrap();
        b.must_add(md("x", "0.9.0"), "x-0.9.0.tgz", "https://old", "d2", now)
            .unwrap();
        a.merge(&b);
        a.sort_entries();
        assert_eq!(a.entries["x"].len(), 2);
        assert_eq!(a.entries["x"][0].digest, "d1");
    }

    #[test]
    fn parse_skips_invalid_and_requires_api_version() {
        let text = "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    urls: [u]\n    created: 2020-01-01T00:00:00Z\n  - name: a\n    version: bad\n  -\ngenerated: 2020-01-02T03:04:05.06Z\n";
        let i = IndexFile::parse(text.as_bytes()).unwrap();
        assert_eq!(i.entries["a"].len(), 1);
        assert_eq!(format_rfc3339_nano(&i.generated), "2020-01-02T03:04:05.06Z");
        assert_eq!(
            IndexFile::parse(b"entries: {}\n").unwrap_err(),
            "no API version specified"
        );
        assert_eq!(IndexFile::parse(b"").unwrap_err(), "empty index.yaml file");
        assert!(IndexFile::parse(b"apiVersion: v1\nbogus: 1\n")
            .unwrap_err()
            .contains("unknown field \"bogus\""));
    }
}
