//! The chart step of an image push: the app's chart with the pushed image pinned in its
//! values (repository, tag, digest), a version derived from the chart and the image
//! (so the same push always builds the same bytes), linted, packaged reproducibly, and
//! published to the chart repository with a compare-and-swap `index.yaml` update.

use std::path::{Path, PathBuf};

use lockgate_core::config::ImageValuePaths;
use lockgate_core::execution::ChartArtifact;
use lockgate_core::ids::Digest;
use lockgate_core::image::PinnedImage;
use lockgate_core::ports::{ChartStore, StoreError};
use lockgate_helm::value::Value;
use sha2::{Digest as _, Sha256};

/// Chart.yaml annotations that carry the image through the chart repository.
pub const ANNOTATION_REPOSITORY: &str = "lockgate.io/image-repository";
/// See [`ANNOTATION_REPOSITORY`].
pub const ANNOTATION_TAG: &str = "lockgate.io/image-tag";
/// See [`ANNOTATION_REPOSITORY`].
pub const ANNOTATION_DIGEST: &str = "lockgate.io/image-digest";

/// Why a chart could not be built or published.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The chart source is unusable.
    #[error("chart source {path}: {message}")]
    Source {
        /// source path
        path: String,
        /// what is wrong
        message: String,
    },
    /// Lint found errors.
    #[error("chart {chart} fails lint: {findings}")]
    Lint {
        /// chart name
        chart: String,
        /// the error findings
        findings: String,
    },
    /// Packaging failed.
    #[error("packaging chart {chart}: {message}")]
    Package {
        /// chart name
        chart: String,
        /// why
        message: String,
    },
    /// The repository refused the write.
    #[error("publishing chart: {0}")]
    Store(#[from] StoreError),
}

/// A packaged chart ready to publish.
#[derive(Debug, Clone)]
pub struct BuiltChart {
    /// chart name
    pub name: String,
    /// chart version
    pub version: String,
    /// the `.tgz`
    pub bytes: Vec<u8>,
    /// sha256 of the `.tgz`
    pub digest: Digest,
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let dest = to.join(entry.file_name());
        if ty.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else if ty.is_file() {
            std::fs::copy(entry.path(), dest)?;
        }
        // links are not followed: a chart source is a plain tree
    }
    Ok(())
}

/// Sets `a.b.c` in a values map, creating maps on the way.
fn set_path(root: &Value, path: &str, v: Value) {
    let mut cur = root.clone();
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let Some(map) = cur.as_map().cloned() else {
            return;
        };
        if i == parts.len() - 1 {
            map.borrow_mut().insert((*part).into(), v);
            return;
        }
        let next = map.borrow().get(*part).cloned();
        let next = match next {
            Some(n) if n.as_map().is_some() => n,
            _ => {
                let n = Value::new_map();
                map.borrow_mut().insert((*part).into(), n.clone());
                n
            }
        };
        cur = next;
    }
}

fn tree_digest(dir: &Path, h: &mut Sha256) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        h.update(e.file_name().to_string_lossy().as_bytes());
        if e.file_type()?.is_dir() {
            tree_digest(&e.path(), h)?;
        } else {
            h.update(std::fs::read(e.path())?);
        }
    }
    Ok(())
}

/// Builds the release chart for `image` from the chart directory `source`, in `workdir`.
pub fn build(
    source: &Path,
    image: &PinnedImage,
    paths: &ImageValuePaths,
    triggered_by: Option<&str>,
    workdir: &Path,
) -> Result<BuiltChart, BuildError> {
    let src_err = |message: String| BuildError::Source {
        path: source.display().to_string(),
        message,
    };
    if !source.join("Chart.yaml").is_file() {
        return Err(src_err(
            "no Chart.yaml: point chart.source at a chart directory".into(),
        ));
    }
    let mut h = Sha256::new();
    tree_digest(source, &mut h).map_err(|e| src_err(e.to_string()))?;
    h.update(image.digest.as_str().as_bytes());
    h.update(image.repository.as_bytes());
    h.update(image.tag.as_bytes());
    h.update(triggered_by.unwrap_or("").as_bytes());
    let stamp = hex::encode(h.finalize());
    let dir: PathBuf = workdir.join(format!("chart-{}", &stamp[..16]));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(source, &dir).map_err(|e| src_err(e.to_string()))?;

    // values: the image, pinned
    let values_path = dir.join("values.yaml");
    let text = std::fs::read_to_string(&values_path).unwrap_or_default();
    let values = lockgate_helm::yaml::parse_values(&text)
        .map_err(|e| src_err(format!("values.yaml: {e}")))?;
    let values = if values.as_map().is_some() {
        values
    } else {
        Value::new_map()
    };
    set_path(&values, &paths.repository, Value::str(&image.repository));
    set_path(&values, &paths.tag, Value::str(&image.tag));
    if let Some(d) = &paths.digest {
        set_path(&values, d, Value::str(image.digest.as_str()));
    }
    let out = lockgate_helm::yaml::to_string(&values).map_err(|e| src_err(e.to_string()))?;
    std::fs::write(&values_path, out).map_err(|e| src_err(e.to_string()))?;

    // Chart.yaml: version, appVersion, the image in annotations
    let chart_yaml = dir.join("Chart.yaml");
    let text = std::fs::read_to_string(&chart_yaml).map_err(|e| src_err(e.to_string()))?;
    let meta =
        lockgate_helm::yaml::parse(&text).map_err(|e| src_err(format!("Chart.yaml: {e}")))?;
    let Some(map) = meta.as_map().cloned() else {
        return Err(src_err("Chart.yaml is not a map".into()));
    };
    let base = map
        .borrow()
        .get("version")
        .map(|v| v.to_string())
        .unwrap_or_else(|| "0.1.0".into());
    let base = base.split(['-', '+']).next().unwrap_or("0.1.0").to_string();
    let version = format!("{base}-lg{}", &stamp[..12]);
    map.borrow_mut()
        .insert("version".into(), Value::str(&version));
    map.borrow_mut()
        .insert("appVersion".into(), Value::str(&image.tag));
    let ann = map
        .borrow()
        .get("annotations")
        .cloned()
        .filter(|a| a.as_map().is_some());
    let ann = ann.unwrap_or_else(|| {
        let a = Value::new_map();
        map.borrow_mut().insert("annotations".into(), a.clone());
        a
    });
    let am = ann.as_map().cloned().expect("annotations map");
    am.borrow_mut()
        .insert(ANNOTATION_REPOSITORY.into(), Value::str(&image.repository));
    am.borrow_mut()
        .insert(ANNOTATION_TAG.into(), Value::str(&image.tag));
    am.borrow_mut()
        .insert(ANNOTATION_DIGEST.into(), Value::str(image.digest.as_str()));
    if let Some(by) = triggered_by {
        am.borrow_mut().insert(
            crate::handlers::ANNOTATION_TRIGGERED_BY.into(),
            Value::str(by),
        );
    }
    let out = lockgate_helm::yaml::to_string(&meta).map_err(|e| src_err(e.to_string()))?;
    std::fs::write(&chart_yaml, out).map_err(|e| src_err(e.to_string()))?;

    let report = lockgate_helm::lint::lint(&dir, &Default::default(), false);
    let name = map
        .borrow()
        .get("name")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let errors: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == lockgate_helm::lint::Severity::Error)
        .map(|f| format!("{}: {}", f.path, f.message))
        .collect();
    if !errors.is_empty() {
        return Err(BuildError::Lint {
            chart: name,
            findings: errors.join("; "),
        });
    }
    let chart = lockgate_helm::chart::load(&dir).map_err(|e| src_err(e.to_string()))?;
    let bytes =
        lockgate_helm::package::archive_bytes(&chart, lockgate_helm::package::source_date_epoch())
            .map_err(|e| BuildError::Package {
                chart: name.clone(),
                message: e.to_string(),
            })?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(BuiltChart {
        name,
        version,
        digest: Digest::of_bytes(&bytes),
        bytes,
    })
}

/// Adds the chart to `index.yaml` (sync part of [`publish`]).
fn index_with(
    current: Option<&[u8]>,
    built: &BuiltChart,
    location: &str,
) -> Result<Option<Vec<u8>>, String> {
    let now = chrono::Utc::now().fixed_offset();
    let mut index = match current {
        Some(b) => lockgate_helm::repo::IndexFile::parse(b)?,
        None => lockgate_helm::repo::IndexFile::new(now),
    };
    if index.has(&built.name, &built.version) {
        return Ok(None);
    }
    let chart = lockgate_helm::chart::load_archive_bytes(&built.bytes, &Default::default())
        .map_err(|e| e.to_string())?;
    index.must_add(
        chart.metadata.clone(),
        location,
        "",
        built.digest.hex(),
        now,
    )?;
    index.sort_entries();
    index.generated = now;
    index.to_yaml().map(|y| Some(y.into_bytes()))
}

/// Publishes the archive and records it in `index.yaml`; concurrent publishes never
/// lose an entry (the index write is a compare-and-swap, retried on a race).
pub async fn publish(
    charts: &dyn ChartStore,
    built: &BuiltChart,
) -> Result<ChartArtifact, BuildError> {
    let location = charts
        .put_archive(&built.name, &built.version, built.bytes.clone())
        .await?;
    let mut delay_ms = 20u64;
    let mut recorded = false;
    for attempt in 0..60u32 {
        let current = charts.get_index().await?;
        let next = index_with(
            current.as_ref().map(|v| v.bytes.as_slice()),
            built,
            &location,
        )
        .map_err(|message| BuildError::Package {
            chart: built.name.clone(),
            message: format!("index.yaml: {message}"),
        })?;
        let Some(bytes) = next else {
            recorded = true;
            break;
        };
        match charts
            .put_index(bytes, current.as_ref().map(|v| &v.version))
            .await
        {
            Ok(_) => {
                recorded = true;
                break;
            }
            Err(StoreError::AlreadyExists { .. } | StoreError::VersionMismatch { .. }) => {
                // another publish won the race: back off with jitter, read again
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos());
                let jitter = u64::from(nanos ^ attempt.wrapping_mul(7919)) % delay_ms.max(1);
                tokio::time::sleep(std::time::Duration::from_millis(delay_ms + jitter)).await;
                delay_ms = (delay_ms * 2).min(1000);
            }
            Err(e) => return Err(e.into()),
        }
    }
    if !recorded {
        return Err(BuildError::Store(StoreError::VersionMismatch {
            key: "index.yaml".into(),
            expected: format!(
                "an index with {} {} (60 attempts lost the race)",
                built.name, built.version
            ),
        }));
    }
    Ok(ChartArtifact {
        name: built.name.clone(),
        version: built.version.clone(),
        digest: built.digest.clone(),
        location,
    })
}
