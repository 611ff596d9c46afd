//! Loading a chart from a directory or an archive, following Helm v4's
//! `pkg/chart/v2/loader`: files are sorted into `Chart.yaml`, values, schema, templates,
//! subcharts (`charts/`, directories or `.tgz`, recursively) and everything else.

use std::path::Path;

use super::chartfile;
use super::ignore::{Rules, HELM_IGNORE};
use super::{archive, Chart, File, Metadata};
use crate::value::Value;

/// Limits on what a chart may hold (archives and directories).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum decompressed bytes in total, across nested subchart archives too.
    pub max_total_bytes: u64,
    /// Maximum number of files, across nested subchart archives too.
    pub max_files: usize,
    /// Maximum size of one file.
    pub max_file_bytes: u64,
}

impl Default for Limits {
    /// Helm's defaults: 100 MiB decompressed, 5 MiB a file; at most 10 000 files.
    fn default() -> Limits {
        Limits {
            max_total_bytes: 100 * 1024 * 1024,
            max_files: 10_000,
            max_file_bytes: 5 * 1024 * 1024,
        }
    }
}

/// Maximum nesting of subcharts.
const MAX_DEPTH: usize = 32;

/// What is left of the limits while loading (shared by nested archives).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    pub(crate) limits: Limits,
    pub(crate) bytes_left: u64,
    pub(crate) files_left: usize,
}

impl Budget {
    fn new(limits: &Limits) -> Budget {
        Budget {
            limits: *limits,
            bytes_left: limits.max_total_bytes,
            files_left: limits.max_files,
        }
    }
}

/// Why a chart could not be loaded. Messages are Helm's where Helm has one.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Reading the filesystem failed.
    #[error("{0}")]
    Io(String),
    /// The input is not a gzipped archive.
    #[error("{0}")]
    NotGzip(String),
    /// The archive is hostile, corrupt or over a limit.
    #[error("{0}")]
    Archive(String),
    /// The chart's content is wrong (missing `Chart.yaml`, bad YAML, validation).
    #[error("{0}")]
    Invalid(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

fn io_err(op: &str, path: &Path, e: &std::io::Error) -> LoadError {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    };
    LoadError::Io(format!("{op} {}: {what}", path.display()))
}

/// Loads a chart from a directory or a `.tgz` file (Helm's `loader.Load`).
///
/// # Errors
/// See [`LoadError`].
pub fn load(path: &Path) -> Result<Chart, LoadError> {
    let md = std::fs::metadata(path).map_err(|e| io_err("stat", path, &e))?;
    if md.is_dir() {
        load_dir(path)
    } else {
        load_file(path, &Limits::default())
    }
}

/// Loads a chart archive file (Helm's `loader.LoadFile`, with its helpful message when
/// the file is not a gzipped archive).
///
/// # Errors
/// See [`LoadError`].
pub fn load_file(path: &Path, limits: &Limits) -> Result<Chart, LoadError> {
    let md = std::fs::metadata(path).map_err(|e| io_err("stat", path, &e))?;
    if md.is_dir() {
        return Err(LoadError::Io("cannot load a directory".into()));
    }
    let bytes = std::fs::read(path).map_err(|e| io_err("open", path, &e))?;
    let name = path.display().to_string();
    if !archive::is_gzip(&bytes) {
        if name.ends_with(".yml") || name.ends_with(".yaml") {
            return Err(LoadError::NotGzip(format!(
                "file '{name}' seems to be a YAML file, but expected a gzipped archive"
            )));
        }
        let head = &bytes[..bytes.len().min(512)];
        let kind = if std::str::from_utf8(head).is_ok()
            && !head.iter().any(|&b| b < 0x09 || (0x0E..0x20).contains(&b))
        {
            "text/plain; charset=utf-8"
        } else {
            "application/octet-stream"
        };
        return Err(LoadError::NotGzip(format!(
            "file '{name}' does not appear to be a gzipped archive; got '{kind}'"
        )));
    }
    load_archive_bytes(&bytes, limits)
}

/// Loads a chart archive held in memory (Helm's `loader.LoadArchive`).
///
/// # Errors
/// See [`LoadError`].
pub fn load_archive_bytes(bytes: &[u8], limits: &Limits) -> Result<Chart, LoadError> {
    let mut budget = Budget::new(limits);
    let files = archive::read_archive(bytes, &mut budget)?;
    load_files_inner(files, &mut budget, "", 0)
}

/// Loads a chart directory (Helm's `loader.LoadDir`), honouring `.helmignore`.
///
/// # Errors
/// See [`LoadError`].
pub fn load_dir(path: &Path) -> Result<Chart, LoadError> {
    load_dir_with_limits(path, &Limits::default())
}

/// [`load_dir`] with explicit limits.
///
/// # Errors
/// See [`LoadError`].
pub fn load_dir_with_limits(path: &Path, limits: &Limits) -> Result<Chart, LoadError> {
    let files = read_dir_files(path, limits)?;
    let mut budget = Budget::new(limits);
    load_files_inner(files, &mut budget, "", 0)
}

/// The files of a chart directory as Helm's directory loader collects them: walked in
/// byte order, symlinks followed, `.helmignore` (plus `templates/.?*`) applied, BOMs
/// trimmed. Shared with packaging.
///
/// # Errors
/// Unreadable files, irregular files, bad ignore rules, files over the size limit.
pub fn read_dir_files(path: &Path, limits: &Limits) -> Result<Vec<File>, LoadError> {
    let top = std::fs::canonicalize(path).map_err(|e| io_err("stat", path, &e))?;
    let mut rules = Rules::empty();
    let ifile = top.join(HELM_IGNORE);
    if ifile.is_file() {
        let text = std::fs::read_to_string(&ifile).map_err(|e| io_err("open", &ifile, &e))?;
        rules = Rules::parse(&text).map_err(LoadError::Invalid)?;
    }
    rules.add_defaults();
    let mut files = Vec::new();
    let mut total = 0u64;
    let mut stack = vec![top.clone()];
    walk(&top, "", &rules, limits, &mut files, &mut total, &mut stack)?;
    Ok(files)
}

#[allow(clippy::too_many_arguments)]
fn walk(
    dir: &Path,
    rel: &str,
    rules: &Rules,
    limits: &Limits,
    files: &mut Vec<File>,
    total: &mut u64,
    stack: &mut Vec<std::path::PathBuf>,
) -> Result<(), LoadError> {
    let rd = std::fs::read_dir(dir).map_err(|e| io_err("open", dir, &e))?;
    let mut names: Vec<std::ffi::OsString> = Vec::new();
    for ent in rd {
        names.push(ent.map_err(|e| io_err("readdir", dir, &e))?.file_name());
    }
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    for os_name in names {
        let full = dir.join(&os_name);
        let name = os_name.to_string_lossy().into_owned();
        let n = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        // Follow symlinks as Helm's sympath.Walk does.
        let meta = std::fs::metadata(&full).map_err(|e| {
            LoadError::Io(format!("error evaluating symlink {}: {e}", full.display()))
        })?;
        if meta.is_dir() {
            if rules.ignore(&n, true) {
                continue;
            }
            let canon = std::fs::canonicalize(&full).map_err(|e| io_err("stat", &full, &e))?;
            if stack.contains(&canon) {
                return Err(LoadError::Io(format!(
                    "symbolic link loop at {}",
                    full.display()
                )));
            }
            stack.push(canon);
            walk(&full, &n, rules, limits, files, total, stack)?;
            stack.pop();
            continue;
        }
        if rules.ignore(&n, false) {
            continue;
        }
        if !meta.is_file() {
            return Err(LoadError::Invalid(format!(
                "cannot load irregular file {} as it has file mode type bits set",
                full.display()
            )));
        }
        if meta.len() > limits.max_file_bytes {
            return Err(LoadError::Invalid(format!(
                "chart file {name:?} is larger than the maximum file size {}",
                limits.max_file_bytes
            )));
        }
        if files.len() >= limits.max_files {
            return Err(LoadError::Invalid(format!(
                "chart has more than the maximum of {} files",
                limits.max_files
            )));
        }
        *total += meta.len();
        if *total > limits.max_total_bytes {
            return Err(LoadError::Invalid(format!(
                "chart is larger than the maximum size {}",
                limits.max_total_bytes
            )));
        }
        let mut data =
            std::fs::read(&full).map_err(|e| LoadError::Io(format!("error reading {n}: {e}")))?;
        if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
            data.drain(..3);
        }
        files.push(File {
            name: n,
            data: data.into(),
        });
    }
    Ok(())
}

/// Builds a chart from in-memory files named relative to the chart root (Helm's
/// `loader.LoadFiles`), with default limits for nested archives.
///
/// # Errors
/// See [`LoadError`].
pub fn load_files(files: Vec<File>) -> Result<Chart, LoadError> {
    let mut budget = Budget::new(&Limits::default());
    load_files_inner(files, &mut budget, "", 0)
}

fn text_of(f: &File) -> String {
    String::from_utf8_lossy(&f.data).into_owned()
}

fn load_files_inner(
    files: Vec<File>,
    budget: &mut Budget,
    parent_path: &str,
    depth: usize,
) -> Result<Chart, LoadError> {
    if depth > MAX_DEPTH {
        return Err(LoadError::Invalid(format!(
            "subcharts are nested more than {MAX_DEPTH} deep"
        )));
    }
    let mut c = Chart::default();
    let mut md: Option<Metadata> = None;
    for f in files.iter().filter(|f| f.name == "Chart.yaml") {
        let m = chartfile::parse_chart_yaml(&text_of(f)).map_err(LoadError::Invalid)?;
        md = Some(m);
    }
    let mut subcharts: std::collections::BTreeMap<String, Vec<File>> = Default::default();
    for f in files {
        match f.name.as_str() {
            "Chart.yaml" => continue,
            "Chart.lock" => c.lock = Some(f),
            "values.yaml" => {
                let values = crate::values::load_values(&String::from_utf8_lossy(&f.data))
                    .map_err(|e| LoadError::Invalid(format!("cannot load values.yaml: {e}")))?;
                c.values = Value::from_map(values);
                c.raw_values = Some(f.data.to_vec());
            }
            "values.schema.json" => c.schema = Some(f.data.to_vec()),
            "requirements.yaml" => {
                let m = md.get_or_insert_with(Metadata::default);
                chartfile::decode_into(m, &text_of(&f)).map_err(|e| {
                    LoadError::Invalid(format!("cannot load requirements.yaml: {e}"))
                })?;
                if m.api_version == "v1" {
                    c.files.push(f);
                }
            }
            "requirements.lock" => {
                let m = md.get_or_insert_with(Metadata::default);
                if m.api_version == "v1" {
                    c.files.push(f.clone());
                }
                c.lock = Some(f);
            }
            n if n.starts_with("templates/") => c.templates.push(f),
            n if n.starts_with("charts/") => {
                if n.ends_with(".prov") {
                    c.files.push(f);
                    continue;
                }
                let rest = &n["charts/".len()..];
                let cname = rest.split('/').next().unwrap_or("").to_string();
                subcharts.entry(cname).or_default().push(File {
                    name: rest.to_string(),
                    data: f.data,
                });
            }
            _ => c.files.push(f),
        }
    }
    let Some(mut md) = md else {
        return Err(LoadError::Invalid("Chart.yaml file is missing".into()));
    };
    md.validate()
        .map_err(|e| LoadError::Invalid(e.to_string()))?;
    c.metadata = md;
    c.path = if parent_path.is_empty() {
        c.metadata.name.clone()
    } else {
        format!("{parent_path}/charts/{}", c.metadata.name)
    };
    if c.values.is_nil() {
        c.values = Value::new_map();
    }
    for (n, sfiles) in subcharts {
        if n.starts_with(['_', '.']) {
            continue;
        }
        let wrap = |e: LoadError| {
            LoadError::Invalid(format!(
                "error unpacking subchart {n} in {}: {e}",
                c.metadata.name
            ))
        };
        let sc = if n.ends_with(".tgz") {
            let first = &sfiles[0];
            if first.name != n {
                return Err(LoadError::Invalid(format!(
                    "error unpacking subchart tar in {}: expected {n}, got {}",
                    c.metadata.name, first.name
                )));
            }
            let inner = archive::read_archive(&first.data, budget).map_err(wrap)?;
            load_files_inner(inner, budget, &c.path, depth + 1).map_err(wrap)?
        } else {
            let buff: Vec<File> = sfiles
                .into_iter()
                .filter_map(|f| {
                    let (_, rest) = f.name.split_once('/')?;
                    Some(File {
                        name: rest.to_string(),
                        data: f.data,
                    })
                })
                .collect();
            load_files_inner(buff, budget, &c.path, depth + 1).map_err(wrap)?
        };
        c.dependencies.push(sc);
    }
    Ok(c)
}
