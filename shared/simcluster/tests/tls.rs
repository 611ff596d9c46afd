//! TLS: a rustls client (what the kube crate uses) trusts the generated CA from the
//! kubeconfig and reaches the API with the bearer token.

mod common;

use std::sync::Arc;

use base64::Engine as _;
use common::fast;
use lockgate_simcluster::{SimCluster, SimConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get_version(cluster: &SimCluster, ca_pem: &str, token: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(cluster.addr())
        .await
        .unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector
        .connect(name, tcp)
        .await
        .expect("certificate verifies against the CA");
    let req = format!("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n");
    tls.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    tls.read_to_string(&mut out).await.ok();
    out
}

#[tokio::test]
async fn rustls_client_trusts_the_generated_ca_and_authenticates_with_the_token() {
    let cluster = SimCluster::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            tls: true,
            ..fast()
        },
    )
    .await
    .unwrap();
    assert!(cluster.url().starts_with("https://127.0.0.1:"));
    let kubeconfig: serde_json::Value =
        serde_saphyr::from_str(&cluster.kubeconfig_yaml("ctx", "apps")).unwrap();
    let ca_b64 = kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"]
        .as_str()
        .unwrap();
    let ca_pem = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(ca_b64)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(Some(ca_pem.as_str()), cluster.ca_pem());
    let ok = get_version(&cluster, &ca_pem, cluster.token()).await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("\"gitVersion\":\"v1.37.0\""), "{ok}");
    let denied = get_version(&cluster, &ca_pem, "wrong").await;
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    cluster.shutdown();
}

#[test]
fn port_zero_picks_a_free_port_and_shutdown_frees_it() {
    let cluster = SimCluster::start_background("127.0.0.1:0".parse().unwrap(), fast()).unwrap();
    let addr = cluster.addr();
    assert_ne!(addr.port(), 0);
    assert_eq!(cluster.url(), format!("http://{addr}"));
    let taken = SimCluster::start_background(addr, fast());
    assert!(matches!(
        taken,
        Err(lockgate_simcluster::SimError::Bind { .. })
    ));
    cluster.shutdown();
    let again = SimCluster::start_background(addr, fast()).expect("port is free after shutdown");
    drop(again);
}
