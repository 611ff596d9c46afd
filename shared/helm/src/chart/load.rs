//! Loading a chart from a directory or an archive (in progress).

use super::Chart;

/// Limits on archive extraction.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Maximum decompressed bytes in total.
    pub max_total_bytes: u64,
    /// Maximum number of entries.
    pub max_files: usize,
    /// Maximum size of one file.
    pub max_file_bytes: u64,
}

/// Why a chart could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Anything (placeholder until the loader lands).
    #[error("{0}")]
    Other(String),
}

/// Loads a chart from a directory or a `.tgz` file.
///
/// # Errors
/// See [`LoadError`].
pub fn load(path: &std::path::Path) -> Result<Chart, LoadError> {
    Err(LoadError::Other(format!("cannot load {}", path.display())))
}

/// Loads a chart directory.
///
/// # Errors
/// See [`LoadError`].
pub fn load_dir(path: &std::path::Path) -> Result<Chart, LoadError> {
    load(path)
}

/// Loads a chart archive held in memory.
///
/// # Errors
/// See [`LoadError`].
pub fn load_archive_bytes(bytes: &[u8], limits: &Limits) -> Result<Chart, LoadError> {
    let _ = (bytes, limits);
    Err(LoadError::Other("not implemented".into()))
}
