//! Secrets Manager on moto: text secrets are read, binary and missing ones refused.

use aws_sdk_secretsmanager::primitives::Blob;
use lockgate_aws::get_secret_string;
use lockgate_core::ports::PortErrorKind;

use crate::server::{Moto, MotoSdk};

#[tokio::test]
async fn text_secrets_are_read_and_others_refused_with_the_name() {
    let moto = Moto::start();
    let sm = lockgate_aws::secrets_client(&moto.sdk_config());
    sm.create_secret()
        .name("lockgate/slack-token")
        .secret_string("xoxb-test-token")
        .send()
        .await
        .unwrap();
    sm.create_secret()
        .name("lockgate/binary")
        .secret_binary(Blob::new(vec![0u8, 159, 146, 150]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        get_secret_string(&sm, "lockgate/slack-token")
            .await
            .unwrap(),
        "xoxb-test-token"
    );
    let binary = get_secret_string(&sm, "lockgate/binary").await.unwrap_err();
    assert_eq!(binary.kind, PortErrorKind::Permanent);
    assert!(binary.to_string().contains("SecretString"), "{binary}");
    let missing = get_secret_string(&sm, "lockgate/none").await.unwrap_err();
    assert_eq!(missing.kind, PortErrorKind::Permanent, "{missing}");
    assert!(missing.to_string().contains("lockgate/none"), "{missing}");
    assert!(
        missing.to_string().contains("ResourceNotFound"),
        "{missing}"
    );
}
