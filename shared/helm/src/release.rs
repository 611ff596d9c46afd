//! Turning rendered templates into what Helm installs and `helm template` prints:
//! documents split as Helm splits them, hooks separated, kinds in install order,
//! `# Source:` headers, NOTES.txt, CRDs.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use crate::chart::Chart;
use crate::value::Value;

/// Helm's install order of kinds (unknown kinds go last, alphabetically).
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The hook events Helm knows.
pub const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
    "test-success",
];

/// One document of the release manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// template path it came from
    pub path: String,
    /// the document text
    pub content: String,
    /// `kind`
    pub kind: String,
    /// `metadata.name`
    pub name: String,
}

/// One hook document.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// the document
    pub manifest: Manifest,
    /// lower-cased events from `helm.sh/hook`
    pub events: Vec<String>,
    /// `helm.sh/hook-weight`
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` entries
    pub delete_policies: Vec<String>,
}

/// A render sorted for installation.
#[derive(Debug, Clone, Default)]
pub struct SortedRelease {
    /// non-hook documents in install order
    pub manifests: Vec<Manifest>,
    /// hooks in kind order
    pub hooks: Vec<Hook>,
    /// the top chart's NOTES.txt
    pub notes: String,
}

/// Why documents could not be sorted.
#[derive(Debug, thiserror::Error)]
pub enum SortError {
    /// A document is not valid YAML.
    #[error("YAML parse error on {path}: {message}")]
    Yaml {
        /// template path
        path: String,
        /// parser message
        message: String,
    },
}

fn is_go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || c.is_whitespace()
}

/// Splits a rendered file into documents as Helm's `SplitManifests` yields them.
pub fn split_manifests(text: &str) -> Vec<String> {
    static SEP: OnceLock<Regex> = OnceLock::new();
    let sep = SEP.get_or_init(|| {
        Regex::new(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*").expect("separator regex")
    });
    let t = text.trim_start_matches(is_go_space);
    sep.split(t)
        .filter(|d| !d.trim_matches(is_go_space).is_empty())
        .map(|d| d.trim_start_matches(is_go_space).to_string())
        .collect()
}

fn scalar_string(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        Value::Str(s) => s.to_string(),
        other => crate::gofmt::sprint_one(other),
    }
}

/// Sorts rendered templates into manifests and hooks (Helm's `SortManifests`).
///
/// # Errors
/// A document that is not valid YAML.
pub fn sort_manifests(
    rendered: &BTreeMap<String, String>,
    top_chart: &str,
) -> Result<SortedRelease, SortError> {
    let mut out = SortedRelease::default();
    let notes_path = format!("{top_chart}/templates/NOTES.txt");
    for (path, content) in rendered {
        if path.ends_with("NOTES.txt") {
            if *path == notes_path {
                out.notes = content.clone();
            }
            continue;
        }
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim_matches(is_go_space).is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let head = crate::yaml::parse(&doc).map_err(|e| SortError::Yaml {
                path: path.clone(),
                message: e.message,
            })?;
            let kind = head
                .get("kind")
                .map(|v| scalar_string(&v))
                .unwrap_or_default();
            let md = head.get("metadata").unwrap_or_default();
            let name = md
                .get("name")
                .map(|v| scalar_string(&v))
                .unwrap_or_default();
            let manifest = Manifest {
                path: path.clone(),
                content: doc,
                kind,
                name,
            };
            let ann = md.get("annotations");
            let hook_ann = ann.as_ref().and_then(|a| a.get("helm.sh/hook"));
            let Some(hook_ann) = hook_ann else {
                out.manifests.push(manifest);
                continue;
            };
            let events: Vec<String> = scalar_string(&hook_ann)
                .split(',')
                .map(|e| e.trim().to_lowercase())
                .collect();
            if events.iter().any(|e| !HOOK_EVENTS.contains(&e.as_str())) {
                continue; // Helm skips documents with unknown hook events
            }
            let ann = ann.unwrap_or_default();
            let weight = ann
                .get("helm.sh/hook-weight")
                .map(|w| scalar_string(&w))
                .and_then(|w| w.trim().parse().ok())
                .unwrap_or(0);
            let delete_policies = ann
                .get("helm.sh/hook-delete-policy")
                .map(|p| {
                    scalar_string(&p)
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            out.hooks.push(Hook {
                manifest,
                events,
                weight,
                delete_policies,
            });
        }
    }
    out.manifests.sort_by(|a, b| kind_cmp(&a.kind, &b.kind));
    out.hooks
        .sort_by(|a, b| kind_cmp(&a.manifest.kind, &b.manifest.kind));
    Ok(out)
}

fn kind_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let ra = INSTALL_ORDER.iter().position(|k| *k == a);
    let rb = INSTALL_ORDER.iter().position(|k| *k == b);
    match (ra, rb) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// CRD files of the chart and its subcharts, as `(path, text)` (Helm's `CRDObjects`).
pub fn crd_objects(chart: &Chart) -> Vec<(String, String)> {
    fn walk(c: &Chart, id: &str, out: &mut Vec<(String, String)>) {
        for f in c.crd_files() {
            out.push((
                format!("{id}/{}", f.name),
                String::from_utf8_lossy(&f.data).into_owned(),
            ));
        }
        for d in &c.dependencies {
            walk(d, &format!("{id}/charts/{}", d.name()), out);
        }
    }
    let mut out = Vec::new();
    walk(chart, chart.name(), &mut out);
    out
}

/// Options of `helm template`'s output.
#[derive(Debug, Clone, Copy, Default)]
pub struct TemplateOutput {
    /// prepend the charts' CRDs
    pub include_crds: bool,
    /// leave out test hooks
    pub skip_tests: bool,
}

/// The manifest stream Helm stores for a release (`---\n# Source: PATH\nDOC\n` each).
pub fn manifest_stream(chart: &Chart, sorted: &SortedRelease, include_crds: bool) -> String {
    let mut s = String::new();
    if include_crds {
        for (path, text) in crd_objects(chart) {
            s.push_str(&format!("---\n# Source: {path}\n{text}\n"));
        }
    }
    for m in &sorted.manifests {
        s.push_str(&format!("---\n# Source: {}\n{}\n", m.path, m.content));
    }
    s
}

/// Exactly what `helm template` prints to stdout.
pub fn template_stdout(chart: &Chart, sorted: &SortedRelease, opts: TemplateOutput) -> String {
    let manifest = manifest_stream(chart, sorted, opts.include_crds);
    let mut out = manifest.trim_matches(is_go_space).to_string();
    out.push('\n');
    for h in &sorted.hooks {
        if opts.skip_tests && h.events.iter().any(|e| e == "test" || e == "test-success") {
            continue;
        }
        out.push_str(&format!(
            "---\n# Source: {}\n{}\n",
            h.manifest.path, h.manifest.content
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_documents_in_order() {
        let docs = split_manifests("\n---\na: 1\n---\n\nb: 2\n  \n---   \nc: 3\n");
        assert_eq!(docs, vec!["a: 1", "b: 2", "c: 3\n"]);
    }

    #[test]
    fn unknown_kinds_sort_last_alphabetically() {
        let mut k = vec!["Zed", "Deployment", "Alpha", "Namespace"];
        k.sort_by(|a, b| kind_cmp(a, b));
        assert_eq!(k, vec!["Namespace", "Deployment", "Alpha", "Zed"]);
    }
}
