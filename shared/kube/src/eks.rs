//! EKS bearer tokens made the way `aws eks get-token` makes them: a SigV4-presigned STS
//! `GetCallerIdentity` URL with the cluster name signed in the `x-k8s-aws-id` header,
//! base64url-encoded behind the `k8s-aws-v1.` prefix.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The prefix EKS expects on IAM tokens.
pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
/// How long the presigned URL is valid for STS (as aws-iam-authenticator signs it).
const PRESIGN_SECONDS: u32 = 60;
/// EKS accepts a token for 15 minutes; clients refresh at 14, as `aws eks get-token` reports.
const TOKEN_LIFETIME_MINUTES: i64 = 14;

/// AWS credentials to sign with (never logged: `Debug` hides the secret).
#[derive(Clone)]
pub struct AwsCredentials {
    /// access key id
    pub access_key_id: String,
    /// secret access key
    pub secret_access_key: String,
    /// session token of temporary credentials (Lambda roles always have one)
    pub session_token: Option<String>,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl AwsCredentials {
    /// From `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (what
    /// Lambda gives every function).
    pub fn from_env() -> Result<AwsCredentials, String> {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Ok(AwsCredentials {
            access_key_id: get("AWS_ACCESS_KEY_ID")
                .ok_or("AWS_ACCESS_KEY_ID is not set: EKS tokens need AWS credentials")?,
            secret_access_key: get("AWS_SECRET_ACCESS_KEY")
                .ok_or("AWS_SECRET_ACCESS_KEY is not set: EKS tokens need AWS credentials")?,
            session_token: get("AWS_SESSION_TOKEN"),
        })
    }
}

/// A bearer token and when to replace it.
#[derive(Clone)]
pub struct EksToken {
    /// `k8s-aws-v1.<base64url(presigned URL)>`
    pub token: String,
    /// refresh before this instant
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for EksToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EksToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl EksToken {
    /// The token should be replaced (within `margin` of expiry).
    pub fn needs_refresh(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        now + margin >= self.expires_at
    }
}

/// Generates the token for `cluster` in `region` at `now`.
pub fn token(cluster: &str, region: &str, creds: &AwsCredentials, now: DateTime<Utc>) -> EksToken {
    let url = presigned_url(cluster, region, creds, now);
    EksToken {
        token: format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(url)),
        expires_at: now + Duration::minutes(TOKEN_LIFETIME_MINUTES),
    }
}

/// The presigned `GetCallerIdentity` URL inside the token.
pub fn presigned_url(
    cluster: &str,
    region: &str,
    creds: &AwsCredentials,
    now: DateTime<Utc>,
) -> String {
    let host = format!("sts.{region}.amazonaws.com");
    let amz_date = now.format("%Y%m%dT%H%M%SZ").to_string();
    let day = now.format("%Y%m%d").to_string();
    let scope = format!("{day}/{region}/sts/aws4_request");
    let signed_headers = "host;x-k8s-aws-id";
    let mut params: Vec<(&str, String)> = vec![
        ("Action", "GetCallerIdentity".into()),
        ("Version", "2011-06-15".into()),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256".into()),
        (
            "X-Amz-Credential",
            format!("{}/{scope}", creds.access_key_id),
        ),
        ("X-Amz-Date", amz_date.clone()),
        ("X-Amz-Expires", PRESIGN_SECONDS.to_string()),
        ("X-Amz-SignedHeaders", signed_headers.into()),
    ];
    if let Some(t) = &creds.session_token {
        params.push(("X-Amz-Security-Token", t.clone()));
    }
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    encoded.sort();
    let query = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let canonical = format!(
        "GET\n/\n{query}\nhost:{host}\nx-k8s-aws-id:{cluster}\n\n{signed_headers}\n{}",
        hex::encode(Sha256::digest(b""))
    );
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let k_date = hmac(
        format!("AWS4{}", creds.secret_access_key).as_bytes(),
        day.as_bytes(),
    );
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, b"sts");
    let k_signing = hmac(&k_service, b"aws4_request");
    let signature = hex::encode(hmac(&k_signing, to_sign.as_bytes()));
    format!("https://{host}/?{query}&X-Amz-Signature={signature}")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// SigV4 URI encoding: everything but RFC 3986 unreserved characters is %XX.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn creds(session: Option<&str>) -> AwsCredentials {
        AwsCredentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: session.map(str::to_string),
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 12, 30, 5).unwrap()
    }

    #[test]
    fn token_is_prefixed_base64url_of_a_presigned_sts_url() {
        let t = token("prod-eu", "eu-west-1", &creds(None), at());
        let b64 = t
            .token
            .strip_prefix(TOKEN_PREFIX)
            .expect("k8s-aws-v1. prefix");
        assert!(!b64.contains('=') && !b64.contains('+') && !b64.contains('/'));
        let url = String::from_utf8(URL_SAFE_NO_PAD.decode(b64).unwrap()).unwrap();
        assert!(url.starts_with("https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&"));
        assert!(url.contains("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"));
        assert!(url
            .contains("X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Feu-west-1%2Fsts%2Faws4_request"));
        assert!(url.contains("X-Amz-Date=20261128T123005Z"));
        assert!(url.contains("X-Amz-Expires=60"));
        let sig = url.rsplit("X-Amz-Signature=").next().unwrap();
        assert_eq!(sig.len(), 64);
        assert_eq!(t.expires_at, at() + Duration::minutes(14));
    }

    #[test]
    fn cluster_name_is_part_of_the_signature() {
        let a = presigned_url("a", "us-east-1", &creds(None), at());
        let b = presigned_url("b", "us-east-1", &creds(None), at());
        assert_ne!(a, b);
        assert_eq!(
            a.split("X-Amz-Signature").next(),
            b.split("X-Amz-Signature").next()
        );
    }

    #[test]
    fn session_token_is_signed_into_the_query() {
        let u = presigned_url("c", "us-east-1", &creds(Some("tok/en+=")), at());
        assert!(u.contains("X-Amz-Security-Token=tok%2Fen%2B%3D"));
    }

    #[test]
    fn refresh_is_due_within_the_margin() {
        let t = token("c", "us-east-1", &creds(None), at());
        assert!(!t.needs_refresh(at(), Duration::minutes(1)));
        assert!(t.needs_refresh(at() + Duration::minutes(13), Duration::minutes(1)));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let c = creds(Some("sessiontoken"));
        let s = format!("{c:?} {:?}", token("c", "us-east-1", &c, at()));
        assert!(!s.contains("wJalr") && !s.contains("sessiontoken") && !s.contains(TOKEN_PREFIX));
    }
}
