//! TLS for `--tls`: a generated certificate authority and a server certificate for the
//! loopback names, as a rustls acceptor (HTTP/1.1 over ALPN).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;

use crate::error::SimError;

/// Generated certificates.
pub struct TlsMaterial {
    /// the CA certificate (PEM), for kubeconfig `certificate-authority-data`
    pub ca_pem: String,
    /// the acceptor serving the server certificate
    pub acceptor: TlsAcceptor,
}

fn tls_err(e: impl std::fmt::Display) -> SimError {
    SimError::Tls(e.to_string())
}

/// Generates a CA and a server certificate for `localhost`, `127.0.0.1`, `::1` and
/// `extra_host`.
///
/// # Errors
/// [`SimError::Tls`] when key generation or signing fails.
pub fn generate(extra_host: &str) -> Result<TlsMaterial, SimError> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "simcluster-ca");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(tls_err)?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(tls_err)?;

    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if !names.iter().any(|n| n == extra_host) {
        names.push(extra_host.to_string());
    }
    let mut params = CertificateParams::new(names).map_err(tls_err)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "simcluster");
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().map_err(tls_err)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let cert = params.signed_by(&key, &issuer).map_err(tls_err)?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key_der =
        rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).map_err(tls_err)?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key_der)
        .map_err(tls_err)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        ca_pem: ca_cert.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}
