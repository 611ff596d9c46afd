//! Slack request verification (signing secret, v0): HMAC-SHA256 over
//! `v0:{timestamp}:{body}`, compared in constant time, with a 5-minute window either
//! way against replays.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a request's timestamp may be from now, either way (seconds).
pub const MAX_SKEW_SECS: i64 = 5 * 60;

/// Why a request is not from Slack (or not fresh).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// No `X-Slack-Request-Timestamp`.
    #[error("missing X-Slack-Request-Timestamp header")]
    MissingTimestamp,
    /// No `X-Slack-Signature`.
    #[error("missing X-Slack-Signature header")]
    MissingSignature,
    /// The signature does not start with `v0=`.
    #[error("signature without v0= prefix")]
    NoV0Prefix,
    /// The timestamp is not whole seconds since the epoch.
    #[error("timestamp is not a unix time")]
    BadTimestamp,
    /// The timestamp is more than 5 minutes before or after now.
    #[error("timestamp outside 5 minute window")]
    Stale,
    /// The signature is not the HMAC of this body with this secret.
    #[error("signature mismatch")]
    Mismatch,
}

/// Checks that `body` was signed by Slack with `signing_secret` at `timestamp`, and
/// that `timestamp` is within 5 minutes of `now_unix`.
///
/// # Errors
/// The first [`VerifyError`] found: missing headers, a signature without `v0=`, a bad
/// or stale timestamp, or a signature mismatch.
pub fn verify_request(
    signing_secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_unix: i64,
) -> Result<(), VerifyError> {
    let timestamp = timestamp.ok_or(VerifyError::MissingTimestamp)?.trim();
    let signature = signature.ok_or(VerifyError::MissingSignature)?.trim();
    let hex_sig = signature
        .strip_prefix("v0=")
        .ok_or(VerifyError::NoV0Prefix)?;
    let ts: i64 = timestamp.parse().map_err(|_| VerifyError::BadTimestamp)?;
    if (now_unix - ts).abs() > MAX_SKEW_SECS {
        return Err(VerifyError::Stale);
    }
    let expected = hex::decode(hex_sig).map_err(|_| VerifyError::Mismatch)?;
    let mac = mac(signing_secret, timestamp, body);
    // verify_slice compares in constant time
    mac.verify_slice(&expected)
        .map_err(|_| VerifyError::Mismatch)
}

/// The `X-Slack-Signature` Slack sends for `body` at `timestamp` (`v0=<hex>`): what
/// the stand-in and tests sign requests with.
pub fn sign_request(signing_secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let mac = mac(signing_secret, timestamp, body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const DOC_SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    const NOW: i64 = 1_531_420_618;

    fn signed(secret: &[u8], ts: i64, body: &[u8]) -> (String, String) {
        let ts = ts.to_string();
        let sig = sign_request(secret, &ts, body);
        (ts, sig)
    }

    #[test]
    fn slacks_documented_example_verifies_at_its_timestamp() {
        assert_eq!(
            verify_request(SECRET, Some(TS), Some(DOC_SIG), BODY.as_bytes(), NOW),
            Ok(())
        );
        assert_eq!(sign_request(SECRET, TS, BODY.as_bytes()), DOC_SIG);
    }

    #[test]
    fn a_request_signed_with_the_secret_is_valid() {
        let (ts, sig) = signed(b"s3cret", NOW, b"payload=%7B%7D");
        assert_eq!(
            verify_request(
                b"s3cret",
                Some(&ts),
                Some(&sig),
                b"payload=%7B%7D",
                NOW + 10
            ),
            Ok(())
        );
    }

    #[test]
    fn a_request_signed_with_another_secret_is_a_mismatch() {
        let (ts, sig) = signed(b"not the secret", NOW, b"payload=%7B%7D");
        assert_eq!(
            verify_request(b"s3cret", Some(&ts), Some(&sig), b"payload=%7B%7D", NOW),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn a_body_altered_by_one_byte_is_a_mismatch() {
        let body = BODY.as_bytes().to_vec();
        for i in [0, body.len() / 2, body.len() - 1] {
            let mut altered = body.clone();
            altered[i] ^= 0x01;
            assert_eq!(
                verify_request(SECRET, Some(TS), Some(DOC_SIG), &altered, NOW),
                Err(VerifyError::Mismatch),
                "byte {i}"
            );
        }
    }

    #[test]
    fn timestamps_six_minutes_old_or_ahead_are_outside_the_window() {
        for ts in [NOW - 360, NOW + 360] {
            let (t, sig) = signed(SECRET, ts, b"x");
            assert_eq!(
                verify_request(SECRET, Some(&t), Some(&sig), b"x", NOW),
                Err(VerifyError::Stale)
            );
        }
        for ts in [NOW - 299, NOW + 299] {
            let (t, sig) = signed(SECRET, ts, b"x");
            assert_eq!(
                verify_request(SECRET, Some(&t), Some(&sig), b"x", NOW),
                Ok(())
            );
        }
    }

    #[test]
    fn missing_headers_are_named() {
        assert_eq!(
            verify_request(SECRET, None, Some(DOC_SIG), b"", NOW),
            Err(VerifyError::MissingTimestamp)
        );
        assert_eq!(
            verify_request(SECRET, Some(TS), None, b"", NOW),
            Err(VerifyError::MissingSignature)
        );
        assert_eq!(
            VerifyError::MissingTimestamp.to_string(),
            "missing X-Slack-Request-Timestamp header"
        );
        assert_eq!(
            VerifyError::MissingSignature.to_string(),
            "missing X-Slack-Signature header"
        );
    }

    #[test]
    fn a_signature_without_v0_is_refused() {
        let bare = DOC_SIG.trim_start_matches("v0=");
        assert_eq!(
            verify_request(SECRET, Some(TS), Some(bare), BODY.as_bytes(), NOW),
            Err(VerifyError::NoV0Prefix)
        );
        assert_eq!(
            VerifyError::NoV0Prefix.to_string(),
            "signature without v0= prefix"
        );
    }

    #[test]
    fn a_timestamp_that_is_not_a_number_is_refused() {
        assert_eq!(
            verify_request(SECRET, Some("yesterday"), Some(DOC_SIG), b"", NOW),
            Err(VerifyError::BadTimestamp)
        );
    }

    #[test]
    fn a_signature_that_is_not_hex_is_a_mismatch() {
        assert_eq!(
            verify_request(SECRET, Some(TS), Some("v0=zz"), BODY.as_bytes(), NOW),
            Err(VerifyError::Mismatch)
        );
    }
}
