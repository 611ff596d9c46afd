//! Helm v4 release records: the JSON Helm stores, gzip + base64 as Helm encodes it, in
//! Secrets named `sh.helm.release.v1.<name>.v<revision>` with Helm's labels, so that
//! real Helm reads releases lockgate made and lockgate reads releases Helm made.
//!
//! Fields lockgate does not model are kept (`extra`) and written back unchanged.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as Json};

/// The Secret `type` Helm gives release records.
pub const SECRET_TYPE: &str = "helm.sh/release.v1";
/// Label keys Helm owns on release Secrets.
pub const SYSTEM_LABELS: [&str; 6] = [
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];
/// Release decompression limit (a hostile Secret cannot exhaust memory).
const MAX_RELEASE_JSON: u64 = 64 << 20;

/// A release's status, as Helm spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// unknown
    #[default]
    Unknown,
    /// the live revision
    Deployed,
    /// uninstalled with history kept
    Uninstalled,
    /// an older revision
    Superseded,
    /// the deploy of this revision failed
    Failed,
    /// being uninstalled
    Uninstalling,
    /// first install under way
    PendingInstall,
    /// upgrade under way
    PendingUpgrade,
    /// rollback under way
    PendingRollback,
}

impl Status {
    /// Helm's spelling (`pending-upgrade`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
        }
    }

    /// A deploy of this revision was in flight.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `release.Info`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Info {
    /// RFC 3339 time of the first deploy
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "time_opt"
    )]
    pub first_deployed: Option<String>,
    /// RFC 3339 time of this revision's deploy
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "time_opt"
    )]
    pub last_deployed: Option<String>,
    /// RFC 3339 time of deletion
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "time_opt"
    )]
    pub deleted: Option<String>,
    /// the log line `helm history` shows
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// status
    #[serde(default)]
    pub status: Status,
    /// the revision a rollback went back to
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rollback_revision: i64,
    /// rendered NOTES.txt
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// fields lockgate does not model
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Helm writes `""` for zero times in some versions: read it as absent.
fn time_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v: Option<String> = Option::deserialize(d)?;
    Ok(v.filter(|s| !s.is_empty()))
}

/// `release.HookExecution`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HookExecution {
    /// start time
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "time_opt"
    )]
    pub started_at: Option<String>,
    /// completion time
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "time_opt"
    )]
    pub completed_at: Option<String>,
    /// Unknown, Running, Succeeded, Failed ("" before any run)
    #[serde(default)]
    pub phase: String,
}

/// `release.Hook`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Hook {
    /// object name
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// object kind
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// template path
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// the document
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    /// events (`pre-install`, ...)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// the last run
    #[serde(default)]
    pub last_run: HookExecution,
    /// weight
    #[serde(default, skip_serializing_if = "is_zero")]
    pub weight: i64,
    /// delete policies
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete_policies: Vec<String>,
    /// fields lockgate does not model
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// `release.Release` (Helm v4, `pkg/release/v1`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Release {
    /// release name
    #[serde(default)]
    pub name: String,
    /// status and times
    #[serde(default)]
    pub info: Info,
    /// the chart as Helm serialises it (metadata, templates, values, schema, files)
    #[serde(default, skip_serializing_if = "Json::is_null")]
    pub chart: Json,
    /// user-supplied values
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub config: Map<String, Json>,
    /// the manifest stream
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    /// hooks
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hooks: Vec<Hook>,
    /// revision
    #[serde(default)]
    pub version: i64,
    /// namespace
    #[serde(default)]
    pub namespace: String,
    /// "ssa" or "csa" (empty: client-side)
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub apply_method: String,
    /// Non-system labels of the record (not in the JSON: Helm keeps them on the Secret).
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// fields lockgate does not model
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// Why a release record could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The Secret has no `data.release`.
    #[error("release secret {0} has no data.release")]
    NoData(String),
    /// base64, gzip or JSON failed.
    #[error("release secret {secret}: {reason}")]
    Corrupt {
        /// secret name
        secret: String,
        /// what failed
        reason: String,
    },
}

impl Release {
    /// `sh.helm.release.v1.<name>.v<revision>`
    pub fn secret_name(&self) -> String {
        secret_name(&self.name, self.version)
    }

    /// `chart-name-version`, as `helm history` prints it.
    pub fn chart_label(&self) -> String {
        let md = &self.chart["metadata"];
        format!(
            "{}-{}",
            md["name"].as_str().unwrap_or(""),
            md["version"].as_str().unwrap_or("")
        )
    }

    /// The chart's appVersion.
    pub fn app_version(&self) -> &str {
        self.chart["metadata"]["appVersion"].as_str().unwrap_or("")
    }

    /// Helm's encoding: JSON, gzip (best compression), standard base64.
    pub fn encode(&self) -> String {
        let body = serde_json::to_vec(self).expect("release JSON");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&body).expect("gzip to memory");
        B64.encode(gz.finish().expect("gzip to memory"))
    }

    /// Reads Helm's encoding (gzip optional, as Helm allows).
    pub fn decode(secret: &str, data: &str) -> Result<Release, RecordError> {
        let corrupt = |reason: String| RecordError::Corrupt {
            secret: secret.to_string(),
            reason,
        };
        let raw = B64
            .decode(data.trim())
            .map_err(|e| corrupt(format!("base64: {e}")))?;
        let json = if raw.starts_with(&[0x1f, 0x8b, 0x08]) {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&raw[..])
                .take(MAX_RELEASE_JSON + 1)
                .read_to_end(&mut out)
                .map_err(|e| corrupt(format!("gzip: {e}")))?;
            if out.len() as u64 > MAX_RELEASE_JSON {
                return Err(corrupt(format!("larger than {MAX_RELEASE_JSON} bytes")));
            }
            out
        } else {
            raw
        };
        serde_json::from_slice(&json).map_err(|e| corrupt(format!("JSON: {e}")))
    }

    /// The Secret object (JSON) that stores this record; `created_at`/`modified_at` are the
    /// unix-seconds labels Helm sets on create and update.
    pub fn to_secret(&self, created_at: Option<i64>, modified_at: Option<i64>) -> Json {
        let mut labels = Map::new();
        for (k, v) in &self.labels {
            labels.insert(k.clone(), json!(v));
        }
        labels.insert("name".into(), json!(self.name));
        labels.insert("owner".into(), json!("helm"));
        labels.insert("status".into(), json!(self.info.status.as_str()));
        labels.insert("version".into(), json!(self.version.to_string()));
        if let Some(t) = created_at {
            labels.insert("createdAt".into(), json!(t.to_string()));
        }
        if let Some(t) = modified_at {
            labels.insert("modifiedAt".into(), json!(t.to_string()));
        }
        // Secret.data values are base64 of the bytes; the bytes are Helm's base64 text
        let inner = self.encode();
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": self.secret_name(),
                "namespace": self.namespace,
                "labels": labels,
            },
            "type": SECRET_TYPE,
            "data": { "release": B64.encode(inner.as_bytes()) },
        })
    }

    /// Reads a release Secret (JSON as the API returns it).
    pub fn from_secret(secret: &Json) -> Result<Release, RecordError> {
        let name = secret["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let data = secret["data"]["release"]
            .as_str()
            .ok_or_else(|| RecordError::NoData(name.clone()))?;
        let inner = B64.decode(data).map_err(|e| RecordError::Corrupt {
            secret: name.clone(),
            reason: format!("Secret data base64: {e}"),
        })?;
        let inner = String::from_utf8_lossy(&inner);
        let mut rel = Release::decode(&name, &inner)?;
        if let Some(labels) = secret["metadata"]["labels"].as_object() {
            for (k, v) in labels {
                if !SYSTEM_LABELS.contains(&k.as_str()) {
                    rel.labels
                        .insert(k.clone(), v.as_str().unwrap_or("").to_string());
                }
            }
        }
        Ok(rel)
    }
}

/// `sh.helm.release.v1.<name>.v<revision>`
pub fn secret_name(release: &str, revision: i64) -> String {
    format!("sh.helm.release.v1.{release}.v{revision}")
}

/// The label selector of every record of a release.
pub fn selector(release: &str) -> String {
    format!("owner=helm,name={release}")
}

/// Helm's release name rules: DNS-1123 subdomain-ish, at most 53 characters.
pub fn validate_name(name: &str) -> Result<(), String> {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    let ends_ok = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if name.is_empty() || name.len() > 53 || !ok_chars || !ends_ok {
        return Err(format!(
            "invalid release name {name:?}: use at most 53 lower-case letters, digits, '-' or '.', starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// Now as Helm writes times (RFC 3339 with nanoseconds, UTC).
pub fn now_rfc3339(now: chrono::DateTime<chrono::Utc>) -> String {
    now.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Release {
        Release {
            name: "web".into(),
            info: Info {
                first_deployed: Some("2026-11-28T10:00:00Z".into()),
                last_deployed: Some("2026-11-28T10:00:00Z".into()),
                description: "Install complete".into(),
                status: Status::Deployed,
                ..Info::default()
            },
            chart: json!({"metadata": {"name": "webapp", "version": "1.2.3", "appVersion": "2.0"}}),
            manifest: "---\n# Source: webapp/templates/cm.yaml\nkind: ConfigMap\n".into(),
            version: 3,
            namespace: "apps".into(),
            apply_method: "ssa".into(),
            labels: [("lockgate.io/digest".to_string(), "abc".to_string())].into(),
            ..Release::default()
        }
    }

    #[test]
    fn secret_round_trips_with_helm_labels_and_double_base64() {
        let r = sample();
        let s = r.to_secret(Some(100), None);
        assert_eq!(s["metadata"]["name"], "sh.helm.release.v1.web.v3");
        assert_eq!(s["metadata"]["labels"]["owner"], "helm");
        assert_eq!(s["metadata"]["labels"]["status"], "deployed");
        assert_eq!(s["metadata"]["labels"]["version"], "3");
        assert_eq!(s["metadata"]["labels"]["createdAt"], "100");
        assert_eq!(s["type"], SECRET_TYPE);
        let outer = B64.decode(s["data"]["release"].as_str().unwrap()).unwrap();
        let gz = B64.decode(&outer).unwrap();
        assert_eq!(
            &gz[..3],
            &[0x1f, 0x8b, 0x08],
            "gzip inside base64 inside base64"
        );
        let back = Release::from_secret(&s).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.chart_label(), "webapp-1.2.3");
    }

    #[test]
    fn unknown_fields_and_empty_times_from_helm_survive() {
        let text = r#"{"name":"x","info":{"first_deployed":"","status":"superseded","resources":{"a":[]}},"version":1,"namespace":"n","future":{"k":1}}"#;
        let r: Release = serde_json::from_str(text).unwrap();
        assert_eq!(r.info.first_deployed, None);
        assert_eq!(r.info.status, Status::Superseded);
        let out = serde_json::to_value(&r).unwrap();
        assert_eq!(out["future"]["k"], 1);
        assert_eq!(out["info"]["resources"]["a"], json!([]));
    }

    #[test]
    fn corrupt_records_are_named() {
        let err = Release::decode("sh.helm.release.v1.x.v1", "%%%").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("release secret sh.helm.release.v1.x.v1: base64"));
        let not_json = B64.encode(b"hello");
        let err = Release::decode("s", &not_json).unwrap_err();
        assert!(err.to_string().contains("JSON"), "{err}");
    }

    #[test]
    fn uncompressed_records_from_old_helm_are_read() {
        let r = sample();
        let plain = B64.encode(serde_json::to_vec(&r).unwrap());
        assert_eq!(Release::decode("s", &plain).unwrap().name, "web");
    }

    #[test]
    fn release_names_follow_helm_rules() {
        assert!(validate_name("web-1").is_ok());
        assert!(validate_name("Web").is_err());
        assert!(validate_name(&"a".repeat(54)).is_err());
        assert!(validate_name("-a").is_err());
    }
}
