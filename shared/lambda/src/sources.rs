//! An app's chart source, copied from the configuration bucket (`<prefix><source>/...`)
//! to a fresh local directory for one build. Keys are checked before they become
//! paths: nothing lands outside the directory.

use std::path::{Component, Path, PathBuf};

use lockgate_aws::{get_object_bytes, S3Location};
use lockgate_core::ports::PortError;

/// Copies every object under `location.prefix + source + "/"` into `dest/source/`.
/// Returns how many files were copied.
///
/// # Errors
/// A [`PortError`] from S3, or a permanent one when the source is empty, a key would
/// leave the directory, or a file cannot be written.
pub async fn sync_chart_source(
    s3: &aws_sdk_s3::Client,
    location: &S3Location,
    source: &str,
    dest: &Path,
) -> Result<usize, PortError> {
    let source = source.trim_matches('/');
    let op = format!(
        "copy chart source s3://{}/{}{source}/",
        location.bucket, location.prefix
    );
    let keys = list(s3, location, &format!("{source}/")).await?;
    if keys.is_empty() {
        return Err(PortError::permanent(
            &op,
            format!("no objects there: upload the chart directory of apps[].chart.source ({source}) under the configuration prefix"),
        ));
    }
    let mut n = 0;
    for key in keys {
        let relative = safe_relative(&key).ok_or_else(|| {
            PortError::permanent(&op, format!("key {key:?} would leave the chart directory"))
        })?;
        if key.ends_with('/') {
            continue; // a "folder" marker object
        }
        let bytes =
            get_object_bytes(s3, &location.bucket, &format!("{}{key}", location.prefix)).await?;
        let path = dest.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| PortError::permanent(&op, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| PortError::permanent(&op, e))?;
        n += 1;
    }
    Ok(n)
}

async fn list(
    s3: &aws_sdk_s3::Client,
    location: &S3Location,
    prefix: &str,
) -> Result<Vec<String>, PortError> {
    let full = format!("{}{prefix}", location.prefix);
    let mut keys = Vec::new();
    let mut token = None;
    loop {
        let out = s3
            .list_objects_v2()
            .bucket(&location.bucket)
            .prefix(&full)
            .set_continuation_token(token)
            .send()
            .await
            .map_err(|e| {
                PortError::transient(
                    format!("s3 list s3://{}/{full}", location.bucket),
                    e.to_string(),
                )
            })?;
        keys.extend(
            out.contents()
                .iter()
                .filter_map(|o| o.key()?.strip_prefix(&location.prefix).map(str::to_string)),
        );
        match out.next_continuation_token() {
            Some(t) => token = Some(t.to_string()),
            None => return Ok(keys),
        }
    }
}

/// `key` as a relative path of normal components only.
fn safe_relative(key: &str) -> Option<PathBuf> {
    let path = Path::new(key);
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::safe_relative;

    #[test]
    fn keys_that_leave_the_directory_are_refused() {
        assert!(safe_relative("charts/web/Chart.yaml").is_some());
        assert!(safe_relative("charts/../../etc/passwd").is_none());
        assert!(safe_relative("/etc/passwd").is_none());
        assert!(safe_relative("./x").is_none());
        assert!(safe_relative("").is_none());
    }
}
