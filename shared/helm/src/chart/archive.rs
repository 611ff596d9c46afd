//! Reading a chart `.tgz` safely: every entry is checked before a byte of it is kept.
//!
//! Refused, each with a message naming the entry: path traversal (`..` anywhere),
//! absolute and drive-letter paths, entries outside the single top-level directory,
//! symbolic and hard links, devices, FIFOs and other non-regular entries, more entries
//! than [`Limits::max_files`], a file over [`Limits::max_file_bytes`], and more than
//! [`Limits::max_total_bytes`] decompressed in total. Sizes are checked from the tar
//! header before reading and counted while streaming, and the gzip stream itself is
//! capped, so a decompression bomb fails fast without being inflated into memory.
//! Truncated or corrupt gzip/tar data and non-gzip input are errors too.

use std::io::Read;

use super::load::{Budget, LoadError};
use super::File;

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Slack allowed in the raw decompressed stream for tar headers and padding.
const HEADER_SLACK_PER_FILE: u64 = 4096;

/// A reader that fails once more than `left` bytes have passed through.
struct CappedReader<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "decompressed chart is larger than the maximum size {}",
                self.limit
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Whether the bytes start with the gzip magic number.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1F, 0x8B, 0x08])
}

fn corrupt(e: std::io::Error) -> LoadError {
    let msg = e.to_string();
    if msg.starts_with("decompressed chart is larger") {
        return LoadError::Archive(msg);
    }
    LoadError::Archive(format!("chart archive is corrupt or truncated: {msg}"))
}

/// Reads the files of a gzipped tar archive, names relative to the top directory
/// (`mychart/templates/a.yaml` -> `templates/a.yaml`), charging sizes to `budget`.
///
/// # Errors
/// [`LoadError::NotGzip`] or [`LoadError::Archive`] as described in the module docs.
pub(crate) fn read_archive(bytes: &[u8], budget: &mut Budget) -> Result<Vec<File>, LoadError> {
    if !is_gzip(bytes) {
        return Err(LoadError::NotGzip(
            "chart archive is not gzip-compressed data (gzip: invalid header)".into(),
        ));
    }
    let limits = budget.limits;
    let stream_cap = budget
        .bytes_left
        .saturating_add(HEADER_SLACK_PER_FILE.saturating_mul(limits.max_files as u64 + 4));
    let gz = flate2::read::MultiGzDecoder::new(bytes);
    let capped = CappedReader {
        inner: gz,
        left: stream_cap,
        limit: limits.max_total_bytes,
    };
    let mut tar = tar::Archive::new(capped);
    let mut files = Vec::new();
    let mut top: Option<String> = None;
    for entry in tar.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let raw_name = String::from_utf8(entry.path_bytes().into_owned()).map_err(|_| {
            LoadError::Archive("chart archive entry has a name that is not UTF-8".into())
        })?;
        let kind = entry.header().entry_type();
        let what = |m: &str| LoadError::Archive(format!("chart archive entry {raw_name:?}: {m}"));
        if kind.is_dir() {
            continue;
        }
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        if kind.is_symlink() {
            return Err(what("symbolic links are not allowed"));
        }
        if kind.is_hard_link() {
            return Err(what("hard links are not allowed"));
        }
        if kind.is_character_special() || kind.is_block_special() {
            return Err(what("device files are not allowed"));
        }
        if kind.is_fifo() {
            return Err(what("FIFOs are not allowed"));
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            return Err(what(&format!(
                "unsupported entry type {:?}",
                kind.as_byte() as char
            )));
        }
        let name = check_name(&raw_name, &mut top)?;
        if files.len() >= limits.max_files || budget.files_left == 0 {
            return Err(LoadError::Archive(format!(
                "chart archive has more than the maximum of {} files",
                limits.max_files
            )));
        }
        let size = entry.header().size().map_err(corrupt)?;
        if size > budget.bytes_left {
            return Err(LoadError::Archive(format!(
                "decompressed chart is larger than the maximum size {}",
                limits.max_total_bytes
            )));
        }
        if size > limits.max_file_bytes {
            return Err(LoadError::Archive(format!(
                "decompressed chart file {raw_name:?} is larger than the maximum file size {}",
                limits.max_file_bytes
            )));
        }
        let mut data = Vec::with_capacity(size as usize);
        let got = (&mut entry)
            .take(size)
            .read_to_end(&mut data)
            .map_err(corrupt)? as u64;
        if got < size {
            return Err(LoadError::Archive(format!(
                "chart archive entry {raw_name:?} is truncated ({got} of {size} bytes)"
            )));
        }
        budget.bytes_left -= got;
        budget.files_left -= 1;
        if data.starts_with(UTF8_BOM) {
            data.drain(..3);
        }
        files.push(File {
            name,
            data: data.into(),
        });
    }
    if files.is_empty() {
        return Err(LoadError::Archive("no files in chart archive".into()));
    }
    Ok(files)
}

/// Checks one entry name and strips the top directory.
fn check_name(raw: &str, top: &mut Option<String>) -> Result<String, LoadError> {
    let bad = |m: &str| LoadError::Archive(format!("chart archive entry {raw:?}: {m}"));
    let delim = if raw.contains('\\') { '\\' } else { '/' };
    if raw.starts_with(['/', '\\']) || is_drive_path(raw) {
        return Err(bad("chart illegally contains absolute paths"));
    }
    let parts: Vec<&str> = raw.split(delim).collect();
    if parts.contains(&"..") {
        return Err(bad("chart illegally references parent directory"));
    }
    let first = parts[0];
    if parts.len() < 2 || first.is_empty() || first == "." {
        if first == "Chart.yaml" {
            return Err(bad("chart yaml not in base directory"));
        }
        return Err(bad(
            "chart illegally contains content outside the base directory",
        ));
    }
    match top {
        None => *top = Some(first.to_string()),
        Some(t) if t == first => {}
        Some(t) => {
            return Err(bad(&format!(
                "entry is outside the archive's single top-level directory {t:?}"
            )))
        }
    }
    let rest: Vec<&str> = parts[1..]
        .iter()
        .copied()
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if rest.is_empty() {
        return Err(bad(
            "chart illegally contains content outside the base directory",
        ));
    }
    let name = rest.join("/");
    if is_drive_path(&name) {
        return Err(bad("chart contains illegally named files"));
    }
    Ok(name)
}

/// `^[a-zA-Z]:/` (or a backslash).
fn is_drive_path(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'/' || b[2] == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_top_directory() {
        let mut top = None;
        assert_eq!(
            check_name("c/templates/a.yaml", &mut top).unwrap(),
            "templates/a.yaml"
        );
        assert_eq!(check_name("c/./x//y", &mut top).unwrap(), "x/y");
        assert!(check_name("d/Chart.yaml", &mut top).is_err());
    }

    #[test]
    fn hostile_names_are_refused() {
        for n in [
            "/etc/passwd",
            "c/../x",
            "Chart.yaml",
            "C:/x",
            "c/",
            "./c/x",
            "c\\..\\x",
        ] {
            let mut top = None;
            assert!(check_name(n, &mut top).is_err(), "{n}");
        }
    }

    #[test]
    fn windows_separators_are_normalised() {
        let mut top = None;
        assert_eq!(
            check_name("c\\templates\\a.yaml", &mut top).unwrap(),
            "templates/a.yaml"
        );
    }
}
