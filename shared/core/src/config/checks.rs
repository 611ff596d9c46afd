//! Shape checks of names, ids, paths and repositories.

use super::node::Reader;

/// Names become Kubernetes names, S3 keys and SQS group ids: DNS labels.
pub(super) fn check_name(r: &mut Reader, path: &str, name: &str, max: usize) {
    let ok = name.len() <= max
        && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !ok {
        r.error(
            path,
            format!("{name:?} is not a valid name: use lowercase letters, digits and '-', starting with a letter, at most {max} characters"),
        );
    }
}

pub(super) fn is_slack_id(id: &str, prefixes: &[char]) -> bool {
    id.len() >= 3
        && id.starts_with(prefixes)
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

pub(super) fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

pub(super) fn is_value_path(s: &str) -> bool {
    s.split('.').all(|seg| {
        !seg.is_empty()
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

pub(super) fn check_repository(repo: &str) -> Result<(), String> {
    if repo.contains("://") {
        return Err(format!(
            "{repo:?} has a scheme: write the repository as registry/path, without https://"
        ));
    }
    if repo.contains('@') {
        return Err(format!(
            "{repo:?} contains a digest: write the repository alone; lockgate pins digests itself"
        ));
    }
    let last = repo.rsplit('/').next().unwrap_or(repo);
    if last.contains(':') {
        return Err(format!("{repo:?} contains a tag: write the repository alone; the tag policy decides which tags release"));
    }
    let path_ok = repo
        .split('/')
        .skip(usize::from(repo.contains('/')))
        .all(|seg| {
            !seg.is_empty()
                && seg.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                })
        });
    if !path_ok {
        return Err(format!("{repo:?} is not a repository name: use lowercase letters, digits, '.', '_', '-' and '/'"));
    }
    Ok(())
}

pub(super) fn check_values_file(f: &str) -> Result<(), String> {
    if f.starts_with('/') || f.split('/').any(|seg| seg == "..") {
        return Err(format!("{f:?} leaves the chart: values files are paths inside the chart, such as values.production.yaml"));
    }
    if !(f.ends_with(".yaml") || f.ends_with(".yml")) {
        return Err(format!(
            "{f:?} is not a YAML file: values files end in .yaml or .yml"
        ));
    }
    Ok(())
}
