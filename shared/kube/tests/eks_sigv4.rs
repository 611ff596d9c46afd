//! The EKS token's presigned URL carries the same SigV4 signature that the AWS SDK's own
//! signer (`aws-sigv4`) computes for the same request, credentials and time.

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use chrono::{DateTime, TimeZone, Utc};
use lockgate_kube::eks::{self, AwsCredentials};

fn sdk_signature(
    cluster: &str,
    region: &str,
    creds: &AwsCredentials,
    at: DateTime<Utc>,
) -> Vec<(String, String)> {
    let identity = aws_credential_types::Credentials::new(
        &creds.access_key_id,
        &creds.secret_access_key,
        creds.session_token.clone(),
        None,
        "test",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(60));
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(at.timestamp() as u64);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(time)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let url =
        format!("https://sts.{region}.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15");
    let headers = [("x-k8s-aws-id", cluster)];
    let req =
        SignableRequest::new("GET", url, headers.into_iter(), SignableBody::Bytes(&[])).unwrap();
    let (instructions, _) = sign(req, &params).unwrap().into_parts();
    instructions
        .params()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn query_of(token: &str) -> Vec<(String, String)> {
    use base64::Engine as _;
    let b64 = token.strip_prefix(eks::TOKEN_PREFIX).expect("prefix");
    let url = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(b64)
            .unwrap(),
    )
    .unwrap();
    let q = url.split_once('?').unwrap().1;
    q.split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn check(creds: AwsCredentials) {
    let at = Utc.with_ymd_and_hms(2026, 11, 28, 9, 15, 42).unwrap();
    let token = eks::token("prod-eu", "eu-west-1", &creds, at);
    let ours = query_of(&token.token);
    let sdk = sdk_signature("prod-eu", "eu-west-1", &creds, at);
    let get =
        |v: &[(String, String)], k: &str| v.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    for (k, v) in &sdk {
        assert_eq!(get(&ours, k).as_ref(), Some(v), "query parameter {k}");
    }
    assert_eq!(
        get(&ours, "X-Amz-SignedHeaders").as_deref(),
        Some("host;x-k8s-aws-id")
    );
    assert_eq!(get(&ours, "Action").as_deref(), Some("GetCallerIdentity"));
    assert!(sdk.iter().any(|(k, _)| k == "X-Amz-Signature"));
}

#[test]
fn signature_matches_the_aws_sdk_signer() {
    check(AwsCredentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        session_token: None,
    });
}

#[test]
fn signature_with_a_session_token_matches_the_aws_sdk_signer() {
    check(AwsCredentials {
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: "secret/with+chars".into(),
        session_token: Some("FwoGZXIvYXdzEJr//////////wEaDM+token=".into()),
    });
}
