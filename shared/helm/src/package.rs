//! `helm package`: load a chart directory (honouring `.helmignore`), apply version and
//! appVersion overrides, validate, and write `NAME-VERSION.tgz` laid out as Helm's
//! `chartutil.Save` lays it out (`NAME/Chart.yaml` re-marshalled, `Chart.lock`, raw
//! `values.yaml`, schema, templates, other files, then subcharts under
//! `NAME/charts/SUB/`).
//!
//! The archive is reproducible: the same input gives identical bytes. Every entry has
//! mode 0644, uid/gid 0, no owner names and one fixed mtime (`SOURCE_DATE_EPOCH` when
//! set, else the Unix epoch); the gzip header has no timestamp or file name and carries
//! Helm's extra field and `Helm` comment.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::chart::{self, Chart, LoadError};
use crate::semver;

/// Helm's gzip extra field (`chartutil.headerBytes`).
const HEADER_BYTES: &[u8] = b"rr\x28\x00aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";

/// What `helm package` is asked to do.
#[derive(Clone, Debug, Default)]
pub struct PackageOptions {
    /// `--version`: replaces `version` in `Chart.yaml`.
    pub version: Option<String>,
    /// `--app-version`: replaces `appVersion` in `Chart.yaml`.
    pub app_version: Option<String>,
    /// Destination directory (created when missing).
    pub dest: PathBuf,
}

/// Why packaging failed.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The chart did not load.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The chart is not fit to package (Helm's message).
    #[error("{0}")]
    Invalid(String),
    /// Writing failed.
    #[error("{0}")]
    Io(String),
}

/// The fixed entry mtime: `SOURCE_DATE_EPOCH` when set and valid, else 0.
pub fn source_date_epoch() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0)
}

/// Packages the chart directory `chart_dir` into `dest/NAME-VERSION.tgz`.
///
/// # Errors
/// Load errors; `found in Chart.yaml, but missing in charts/ directory: ...`; a bad
/// `--version` (Masterminds' message); `chart validation: ...`; write failures.
pub fn package(chart_dir: &Path, opts: &PackageOptions) -> Result<PathBuf, PackageError> {
    let mut ch = chart::load_dir(chart_dir)?;
    if let Some(v) = opts.version.as_deref().filter(|v| !v.is_empty()) {
        ch.metadata.version = v.to_string();
    }
    semver::Version::parse(&ch.metadata.version).map_err(PackageError::Invalid)?;
    if let Some(v) = opts.app_version.as_deref().filter(|v| !v.is_empty()) {
        ch.metadata.app_version = v.to_string();
    }
    check_dependencies(&ch)?;
    save(&mut ch, &opts.dest, source_date_epoch())
}

/// Helm's `CheckDependencies`: every `dependencies:` entry must be in `charts/`.
///
/// # Errors
/// `found in Chart.yaml, but missing in charts/ directory: a, b`.
pub fn check_dependencies(ch: &Chart) -> Result<(), PackageError> {
    let missing: Vec<&str> = ch
        .metadata
        .dependencies
        .iter()
        .filter(|d| !ch.dependencies.iter().any(|c| c.name() == d.name))
        .map(|d| d.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(PackageError::Invalid(format!(
        "found in Chart.yaml, but missing in charts/ directory: {}",
        missing.join(", ")
    )))
}

/// `chartutil.Save`: validates and writes `dest/NAME-VERSION.tgz`.
///
/// # Errors
/// `chart validation: ...`, bad schema JSON, write failures.
pub fn save(ch: &mut Chart, dest: &Path, mtime: u64) -> Result<PathBuf, PackageError> {
    ch.metadata
        .validate()
        .map_err(|e| PackageError::Invalid(format!("chart validation: {e}")))?;
    let bytes = archive_bytes(ch, mtime)?;
    let path = dest.join(format!("{}-{}.tgz", ch.name(), ch.metadata.version));
    if dest.exists() && !dest.is_dir() {
        return Err(PackageError::Io(format!(
            "is not a directory: {}",
            dest.display()
        )));
    }
    std::fs::create_dir_all(dest)
        .map_err(|e| PackageError::Io(format!("mkdir {}: {e}", dest.display())))?;
    std::fs::write(&path, bytes)
        .map_err(|e| PackageError::Io(format!("open {}: {e}", path.display())))?;
    Ok(path)
}

/// The `.tgz` bytes for a chart (no validation).
///
/// # Errors
/// Bad schema JSON, YAML marshalling or tar failures.
pub fn archive_bytes(ch: &Chart, mtime: u64) -> Result<Vec<u8>, PackageError> {
    let gz = flate2::GzBuilder::new()
        .extra(HEADER_BYTES.to_vec())
        .comment("Helm")
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    let mut tw = tar::Builder::new(gz);
    tw.mode(tar::HeaderMode::Deterministic);
    write_chart(&mut tw, ch, "", mtime)?;
    let gz = tw
        .into_inner()
        .map_err(|e| PackageError::Io(format!("tar: {e}")))?;
    gz.finish()
        .map_err(|e| PackageError::Io(format!("gzip: {e}")))
}

fn write_chart<W: Write>(
    tw: &mut tar::Builder<W>,
    ch: &Chart,
    prefix: &str,
    mtime: u64,
) -> Result<(), PackageError> {
    let name = ch.name();
    if name.is_empty() || name.contains('/') {
        return Err(PackageError::Invalid(format!(
            "invalid chart name {}",
            crate::gofmt::quote(name)
        )));
    }
    let base = if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    };
    let mut md = ch.metadata.clone();
    if md.api_version == "v1" {
        md.dependencies.clear();
    }
    let cdata = crate::yaml::to_string(&md.to_json_value())
        .map_err(|e| PackageError::Invalid(e.to_string()))?;
    add(tw, &format!("{base}/Chart.yaml"), cdata.as_bytes(), mtime)?;
    if ch.metadata.api_version == "v2" {
        if let Some(lock) = &ch.lock {
            add(tw, &format!("{base}/Chart.lock"), &lock.data, mtime)?;
        }
    }
    if let Some(v) = &ch.raw_values {
        add(tw, &format!("{base}/values.yaml"), v, mtime)?;
    }
    if let Some(schema) = &ch.schema {
        if serde_json::from_slice::<serde_json::Value>(schema).is_err() {
            return Err(PackageError::Invalid(
                "invalid JSON in values.schema.json".into(),
            ));
        }
        add(tw, &format!("{base}/values.schema.json"), schema, mtime)?;
    }
    for f in ch.templates.iter().chain(ch.files.iter()) {
        add(tw, &format!("{base}/{}", f.name), &f.data, mtime)?;
    }
    for dep in &ch.dependencies {
        write_chart(tw, dep, &format!("{base}/charts"), mtime)?;
    }
    Ok(())
}

fn add<W: Write>(
    tw: &mut tar::Builder<W>,
    path: &str,
    data: &[u8],
    mtime: u64,
) -> Result<(), PackageError> {
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(mtime);
    h.set_size(data.len() as u64);
    tw.append_data(&mut h, path, data)
        .map_err(|e| PackageError::Io(format!("tar {path}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::File;

    fn chart() -> Chart {
        let mut c = crate::chart::load_files(vec![
            File {
                name: "Chart.yaml".into(),
                data: b"apiVersion: v2\nname: demo\nversion: 0.1.0\n"
                    .to_vec()
                    .into(),
            },
            File {
                name: "values.yaml".into(),
                data: b"a: 1\n".to_vec().into(),
            },
            File {
                name: "templates/cm.yaml".into(),
                data: b"kind: ConfigMap\n".to_vec().into(),
            },
        ])
        .unwrap();
        c.metadata.validate().unwrap();
        c
    }

    #[test]
    fn archive_is_reproducible_and_reloads() {
        let c = chart();
        let a = archive_bytes(&c, 0).unwrap();
        let b = archive_bytes(&c, 0).unwrap();
        assert_eq!(a, b);
        let back = crate::chart::load_archive_bytes(&a, &Default::default()).unwrap();
        assert_eq!(back.name(), "demo");
        assert_eq!(back.templates.len(), 1);
        assert_eq!(back.raw_values.as_deref(), Some(&b"a: 1\n"[..]));
    }

    #[test]
    fn gzip_header_has_no_timestamp_and_helm_comment() {
        let a = archive_bytes(&chart(), 0).unwrap();
        assert_eq!(&a[..3], &[0x1f, 0x8b, 0x08]);
        assert_eq!(&a[4..8], &[0, 0, 0, 0]);
        assert_eq!(a[3] & 0x08, 0, "no file name");
        assert_ne!(a[3] & 0x10, 0, "comment");
    }

    #[test]
    fn missing_dependencies_are_reported() {
        let mut c = chart();
        c.metadata.dependencies.push(crate::chart::Dependency {
            name: "redis".into(),
            ..Default::default()
        });
        assert_eq!(
            check_dependencies(&c).unwrap_err().to_string(),
            "found in Chart.yaml, but missing in charts/ directory: redis"
        );
    }
}
