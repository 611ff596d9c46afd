//! `lockgate slack verify-request`: the built binary checks a request's signature
//! with the same code as `slack-interactions`: `valid` and exit 0, or the reason and
//! exit 1.

use std::io::Write as _;
use std::process::{Command, Stdio};

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const TS: &str = "1531420618";
const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

fn verify(body: &str, extra: &[&str], secret: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockgate"));
    cmd.args([
        "slack",
        "verify-request",
        "--signing-secret-env",
        "LOCKGATE_TEST_SLACK_SECRET",
        "--timestamp",
        TS,
        "--signature",
        SIG,
    ])
    .args(extra)
    .env_remove("LOCKGATE_TEST_SLACK_SECRET")
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if let Some(s) = secret {
        cmd.env("LOCKGATE_TEST_SLACK_SECRET", s);
    }
    let mut child = cmd.spawn().expect("runs lockgate");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.as_bytes())
        .expect("writes body");
    let out = child.wait_with_output().expect("waits");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn slacks_documented_request_is_valid_at_its_timestamp() {
    let (code, out, err) = verify(BODY, &["--now", TS], Some(SECRET));
    assert_eq!((code, out.as_str()), (0, "valid"), "{err}");
}

#[test]
fn an_altered_body_is_a_signature_mismatch() {
    let altered = BODY.replace("roadrunner", "roadrunneR");
    let (code, out, _) = verify(&altered, &["--now", TS], Some(SECRET));
    assert_eq!((code, out.as_str()), (1, "signature mismatch"));
}

#[test]
fn a_request_checked_six_minutes_later_is_outside_the_window() {
    let (code, out, _) = verify(BODY, &["--now", "1531420978"], Some(SECRET));
    assert_eq!(
        (code, out.as_str()),
        (1, "timestamp outside 5 minute window")
    );
}

#[test]
fn an_unset_secret_variable_is_named() {
    let (code, _, err) = verify(BODY, &["--now", TS], None);
    assert_eq!(code, 1);
    assert!(err.contains("LOCKGATE_TEST_SLACK_SECRET"), "{err}");
}
