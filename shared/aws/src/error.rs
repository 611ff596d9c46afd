//! Mapping of AWS SDK errors to [`PortError`], once, at the adapter edge: throttling,
//! 5xx, timeouts and dispatch failures are transient; 409 and 412 are conflicts;
//! every other answer is permanent.

use std::error::Error as StdError;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use lockgate_core::ports::{PortError, PortErrorKind};

/// Error codes AWS services use for throttling and passing failures (retry later).
const TRANSIENT_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "ServiceUnavailable",
    "KMSThrottlingException",
];

/// One failed AWS call: the service's error code and message, the HTTP status, and
/// the SDK error behind them.
#[derive(Debug, thiserror::Error)]
#[error("{summary}")]
pub struct AwsCallError {
    /// `Code: message (HTTP status)` as far as known.
    summary: String,
    /// The service's error code (`NoSuchKey`, `PreconditionFailed`), if any.
    pub code: Option<String>,
    /// The HTTP status of the answer, if one came.
    pub status: Option<u16>,
    /// The SDK's error.
    #[source]
    source: Box<dyn StdError + Send + Sync>,
}

/// What a failed call looks like: its status and code, read before the error is
/// boxed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub status: Option<u16>,
    pub code: Option<String>,
}

impl Failure {
    /// Whether the answer was HTTP `status`.
    pub fn is_status(&self, status: u16) -> bool {
        self.status == Some(status)
    }

    /// Whether the service's error code is `code`.
    pub fn is_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }
}

/// Reads the status and code of `err`.
pub(crate) fn failure_of<E: ProvideErrorMetadata>(err: &SdkError<E>) -> Failure {
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = match err {
        SdkError::ServiceError(s) => s.err().code().map(str::to_string),
        _ => None,
    };
    Failure { status, code }
}

/// The kind of `err`: what the caller should do about it.
fn kind_of<E>(err: &SdkError<E>, failure: &Failure) -> PortErrorKind {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            PortErrorKind::Transient
        }
        SdkError::ConstructionFailure(_) => PortErrorKind::Permanent,
        _ => {
            if failure
                .code
                .as_deref()
                .is_some_and(|c| TRANSIENT_CODES.contains(&c))
            {
                return PortErrorKind::Transient;
            }
            match failure.status {
                Some(409 | 412) => PortErrorKind::Conflict,
                Some(429) | Some(500..=599) => PortErrorKind::Transient,
                // A service error without a response cannot happen; retrying is the
                // safe answer if it does.
                None => PortErrorKind::Transient,
                Some(_) => PortErrorKind::Permanent,
            }
        }
    }
}

/// Maps the SDK error of operation `op` (e.g. `s3 put state/executions/a.json`) to a
/// [`PortError`] of the right kind, keeping the SDK error as its source.
pub(crate) fn port_error<E>(op: impl Into<String>, err: SdkError<E>) -> PortError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let failure = failure_of(&err);
    let kind = kind_of(&err, &failure);
    PortError::new(kind, op, call_error(failure, err))
}

fn call_error<E>(failure: Failure, err: SdkError<E>) -> AwsCallError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let message = match &err {
        SdkError::ServiceError(s) => s.err().message().map(str::to_string),
        SdkError::TimeoutError(_) => Some("the request timed out".to_string()),
        SdkError::DispatchFailure(d) => Some(match d.as_connector_error() {
            Some(c) => format!("the request could not be sent: {c}"),
            None => "the request could not be sent".to_string(),
        }),
        SdkError::ResponseError(_) => Some("the response could not be read".to_string()),
        SdkError::ConstructionFailure(_) => Some("the request could not be built".to_string()),
        _ => None,
    };
    let mut summary = failure.code.clone().unwrap_or_else(|| "error".to_string());
    if let Some(m) = message {
        summary.push_str(": ");
        summary.push_str(&m);
    }
    if let Some(s) = failure.status {
        summary.push_str(&format!(" (HTTP {s})"));
    }
    AwsCallError {
        summary,
        code: failure.code,
        status: failure.status,
        source: Box::new(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_s3::operation::get_object::GetObjectError;

    #[test]
    fn construction_failures_are_permanent() {
        let err: SdkError<GetObjectError> = SdkError::construction_failure("bad input");
        let e = port_error("s3 get x", err);
        assert_eq!(e.kind, PortErrorKind::Permanent);
        assert!(e.to_string().contains("s3 get x"), "{e}");
        assert!(e.to_string().contains("could not be built"), "{e}");
    }

    fn answer(status: u16, code: &str) -> SdkError<GetObjectError> {
        use aws_sdk_s3::config::http::HttpResponse;
        use aws_sdk_s3::error::ErrorMetadata;
        use aws_sdk_s3::primitives::SdkBody;
        use aws_smithy_runtime_api::http::StatusCode;
        let status = StatusCode::try_from(status).unwrap();
        SdkError::service_error(
            GetObjectError::generic(
                ErrorMetadata::builder()
                    .code(code)
                    .message("the service says so")
                    .build(),
            ),
            HttpResponse::new(status, SdkBody::empty()),
        )
    }

    #[test]
    fn answers_map_to_what_the_caller_should_do() {
        let cases = [
            (412, "PreconditionFailed", PortErrorKind::Conflict),
            (409, "ConditionalRequestConflict", PortErrorKind::Conflict),
            (503, "SlowDown", PortErrorKind::Transient),
            (500, "InternalError", PortErrorKind::Transient),
            (429, "TooManyRequestsException", PortErrorKind::Transient),
            (400, "ThrottlingException", PortErrorKind::Transient),
            (403, "AccessDenied", PortErrorKind::Permanent),
            (404, "NoSuchBucket", PortErrorKind::Permanent),
            (400, "InvalidParameterValue", PortErrorKind::Permanent),
        ];
        for (status, code, kind) in cases {
            let e = port_error("s3 put s3://b/k", answer(status, code));
            assert_eq!(e.kind, kind, "{status} {code}");
            assert_eq!(
                e.to_string(),
                format!(
                    "s3 put s3://b/k failed ({kind:?}): {code}: the service says so (HTTP {status})"
                )
            );
        }
    }

    #[test]
    fn the_sdk_error_stays_the_source() {
        let e = port_error("s3 get s3://b/k", answer(404, "NoSuchBucket"));
        let call = std::error::Error::source(&e).expect("the call error");
        assert!(
            std::error::Error::source(call).is_some(),
            "the SDK error is kept"
        );
    }

    #[test]
    fn timeouts_are_transient() {
        let err: SdkError<GetObjectError> = SdkError::timeout_error("slow");
        assert_eq!(port_error("s3 get x", err).kind, PortErrorKind::Transient);
    }
}
