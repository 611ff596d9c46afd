//! Private keys as Sprig makes and reads them: RSA (PKCS#1 `RSA PRIVATE KEY`), ECDSA
//! P-256 (SEC 1 `EC PRIVATE KEY`), Ed25519 (PKCS#8 `PRIVATE KEY`) and DSA (Sprig's own
//! `DSA PRIVATE KEY` sequence), with `genPrivateKey`.

use p256::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};
use rand::rngs::OsRng;
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _};

use super::der::{self, bits, oid, oid_text, pem_decode, pem_encode, seq, uint};
use crate::funcs::{func, FuncSpec, Param};
use crate::value::Value;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_ED25519: &str = "1.3.101.112";

/// A private key of one of the kinds Sprig supports.
#[derive(Clone, Debug)]
pub enum PrivKey {
    /// RSA.
    Rsa(Box<rsa::RsaPrivateKey>),
    /// ECDSA on P-256.
    Ec(p256::SecretKey),
    /// Ed25519.
    Ed(Box<ed25519_dalek::SigningKey>),
    /// DSA: P, Q, G, Y, X as big-endian bytes.
    Dsa(Vec<Vec<u8>>),
}

impl PrivKey {
    /// A new key: "" or "rsa" (4096 bits), "dsa" (L2048N256), "ecdsa" (P-256),
    /// "ed25519"; `Err` holds Sprig's text for anything else.
    pub fn generate(kind: &str) -> Result<PrivKey, String> {
        match kind {
            "" | "rsa" => Self::rsa(4096),
            "ecdsa" => Ok(PrivKey::Ec(p256::SecretKey::random(&mut OsRng))),
            "ed25519" => Ok(PrivKey::Ed(Box::new(ed25519_dalek::SigningKey::generate(
                &mut OsRng,
            )))),
            "dsa" => {
                let comps = dsa::Components::generate(&mut OsRng, dsa::KeySize::DSA_2048_256);
                let sk = dsa::SigningKey::generate(&mut OsRng, comps);
                let vk = sk.verifying_key();
                let c = vk.components();
                Ok(PrivKey::Dsa(vec![
                    c.p().to_bytes_be(),
                    c.q().to_bytes_be(),
                    c.g().to_bytes_be(),
                    vk.y().to_bytes_be(),
                    sk.x().to_bytes_be(),
                ]))
            }
            other => Err(format!("Unknown type {other}")),
        }
    }

    /// A new RSA key of `bits` bits.
    pub fn rsa(bits: usize) -> Result<PrivKey, String> {
        rsa::RsaPrivateKey::new(&mut OsRng, bits)
            .map(|k| PrivKey::Rsa(Box::new(k)))
            .map_err(|e| format!("error generating rsa key: {e}"))
    }

    /// Sprig's `pemBlockForKey`.
    pub fn to_pem(&self) -> String {
        match self {
            PrivKey::Rsa(k) => match k.to_pkcs1_der() {
                Ok(d) => pem_encode("RSA PRIVATE KEY", d.as_bytes()),
                Err(_) => String::new(),
            },
            PrivKey::Ec(k) => match k.to_sec1_der() {
                Ok(d) => pem_encode("EC PRIVATE KEY", &d),
                Err(_) => String::new(),
            },
            PrivKey::Ed(k) => {
                let inner = der::octets(&k.to_bytes());
                let body = seq(&[
                    der::small_int(0),
                    seq(&[oid(OID_ED25519)]),
                    der::octets(&inner),
                ]);
                pem_encode("PRIVATE KEY", &body)
            }
            PrivKey::Dsa(parts) => {
                let mut items = vec![der::small_int(0)];
                items.extend(parts.iter().map(|p| uint(p)));
                pem_encode("DSA PRIVATE KEY", &seq(&items))
            }
        }
    }

    /// The DER SubjectPublicKeyInfo, or Go's error for key types x509 cannot marshal.
    pub fn spki(&self) -> Result<Vec<u8>, String> {
        match self {
            PrivKey::Rsa(k) => rsa::pkcs8::EncodePublicKey::to_public_key_der(&k.to_public_key())
                .map(|d| d.as_bytes().to_vec())
                .map_err(|e| e.to_string()),
            PrivKey::Ec(k) => k
                .public_key()
                .to_public_key_der()
                .map(|d| d.as_bytes().to_vec())
                .map_err(|e| e.to_string()),
            PrivKey::Ed(k) => Ok(seq(&[
                seq(&[oid(OID_ED25519)]),
                bits(&k.verifying_key().to_bytes()),
            ])),
            PrivKey::Dsa(_) => Err("x509: unsupported public key type: *dsa.PublicKey".into()),
        }
    }

    /// The signature AlgorithmIdentifier Go picks for this key.
    pub fn sig_alg(&self) -> Vec<u8> {
        match self {
            PrivKey::Rsa(_) => seq(&[oid("1.2.840.113549.1.1.11"), vec![5, 0]]),
            PrivKey::Ec(_) => seq(&[oid("1.2.840.10045.4.3.2")]),
            PrivKey::Ed(_) | PrivKey::Dsa(_) => seq(&[oid(OID_ED25519)]),
        }
    }

    /// Signs `msg` as `x509.CreateCertificate` would: (AlgorithmIdentifier, signature).
    pub fn sign(&self, msg: &[u8]) -> Result<(Vec<u8>, Vec<u8>), String> {
        match self {
            PrivKey::Rsa(k) => {
                use rsa::signature::{SignatureEncoding as _, Signer as _};
                let sk = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone());
                let sig = sk.try_sign(msg).map_err(|e| e.to_string())?;
                Ok((
                    seq(&[oid("1.2.840.113549.1.1.11"), vec![5, 0]]),
                    sig.to_vec(),
                ))
            }
            PrivKey::Ec(k) => {
                use p256::ecdsa::signature::Signer as _;
                let sk = p256::ecdsa::SigningKey::from(k.clone());
                let sig: p256::ecdsa::DerSignature = sk.try_sign(msg).map_err(|e| e.to_string())?;
                Ok((seq(&[oid("1.2.840.10045.4.3.2")]), sig.as_bytes().to_vec()))
            }
            PrivKey::Ed(k) => {
                use ed25519_dalek::Signer as _;
                Ok((seq(&[oid(OID_ED25519)]), k.sign(msg).to_bytes().to_vec()))
            }
            PrivKey::Dsa(_) => {
                Err("x509: certificate private key does not implement crypto.Signer".into())
            }
        }
    }

    /// Sprig's `parsePrivateKeyPEM`.
    ///
    /// # Errors
    /// Sprig's messages (`no PEM data in input`, ...).
    pub fn parse_pem(text: &str) -> Result<PrivKey, String> {
        let (kind, der) = pem_decode(text).ok_or("no PEM data in input")?;
        if kind == "PRIVATE KEY" {
            return parse_pkcs8(&der).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
        }
        let Some(prefix) = kind.strip_suffix(" PRIVATE KEY") else {
            return Err(format!("no private key data in PEM block of type {kind}"));
        };
        match prefix {
            "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
                .map(|k| PrivKey::Rsa(Box::new(k)))
                .map_err(|_| {
                    "parsing RSA private key from PEM: x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)".to_string()
                }),
            "EC" => parse_sec1(&der).map_err(|e| format!("parsing EC private key from PEM: {e}")),
            "DSA" => {
                let parts = der::read(&der)
                    .filter(|(t, _)| t.tag == 0x30)
                    .and_then(|(t, _)| der::children(t.body))
                    .filter(|c| c.len() >= 6 && c.iter().all(|x| x.tag == 0x02))
                    .ok_or("parsing DSA private key from PEM: asn1: structure error")?;
                Ok(PrivKey::Dsa(parts[1..6].iter().map(|p| p.body.to_vec()).collect()))
            }
            _ => Err(format!("invalid private key type {kind}")),
        }
    }
}

fn parse_sec1(der_bytes: &[u8]) -> Result<PrivKey, String> {
    // the curve must be P-256
    let (t, _) = der::read(der_bytes).ok_or("x509: failed to parse EC private key")?;
    let kids = der::children(t.body).ok_or("x509: failed to parse EC private key")?;
    for k in &kids {
        if k.tag == 0xa0 {
            if let Some((o, _)) = der::read(k.body) {
                if oid_text(o.body) != OID_P256 {
                    return Err("x509: unknown elliptic curve".into());
                }
            }
        }
    }
    p256::SecretKey::from_sec1_der(der_bytes)
        .map(PrivKey::Ec)
        .map_err(|_| "x509: failed to parse EC private key".to_string())
}

fn parse_pkcs8(der_bytes: &[u8]) -> Result<PrivKey, String> {
    let malformed = || "x509: malformed PKCS#8 private key".to_string();
    let (t, _) = der::read(der_bytes).ok_or_else(malformed)?;
    let kids = der::children(t.body).ok_or_else(malformed)?;
    let alg = kids
        .get(1)
        .and_then(|a| der::children(a.body))
        .ok_or_else(malformed)?;
    let alg_oid = alg
        .first()
        .map(|o| oid_text(o.body))
        .ok_or_else(malformed)?;
    match alg_oid.as_str() {
        OID_RSA => rsa::RsaPrivateKey::from_pkcs8_der(der_bytes)
            .map(|k| PrivKey::Rsa(Box::new(k)))
            .map_err(|_| "x509: failed to parse RSA private key embedded in PKCS#8".to_string()),
        OID_EC => {
            let curve = alg.get(1).map(|o| oid_text(o.body)).unwrap_or_default();
            if curve != OID_P256 {
                return Err("x509: failed to parse EC private key embedded in PKCS#8: x509: unknown elliptic curve".into());
            }
            p256::SecretKey::from_pkcs8_der(der_bytes)
                .map(PrivKey::Ec)
                .map_err(|_| "x509: failed to parse EC private key embedded in PKCS#8".to_string())
        }
        OID_ED25519 => {
            let inner = kids
                .get(2)
                .and_then(|o| der::read(o.body))
                .map(|(t, _)| t.body);
            let seed: [u8; 32] = inner
                .and_then(|b| b.try_into().ok())
                .ok_or("x509: invalid Ed25519 private key")?;
            Ok(PrivKey::Ed(Box::new(
                ed25519_dalek::SigningKey::from_bytes(&seed),
            )))
        }
        other => Err(format!(
            "x509: PKCS#8 wrapping contained private key with unknown algorithm: {other}"
        )),
    }
}

fn gen_private_key(a: &[Value]) -> Result<Value, String> {
    let kind = a[0].as_str().unwrap_or("");
    Ok(Value::from(match PrivKey::generate(kind) {
        Ok(k) => k.to_pem(),
        Err(e) if e.starts_with("Unknown type") => e,
        Err(e) => format!("failed to generate private key: {e}"),
    }))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    vec![func("genPrivateKey", &[Param::Str], None, gen_private_key)]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn ecdsa_and_ed25519_keys_round_trip_through_pem() {
        for kind in ["ecdsa", "ed25519"] {
            let pem = show("genPrivateKey", &[s(kind)]);
            let want = if kind == "ecdsa" {
                "EC PRIVATE KEY"
            } else {
                "PRIVATE KEY"
            };
            assert!(
                pem.starts_with(&format!("-----BEGIN {want}-----\n")),
                "{pem}"
            );
            let k = PrivKey::parse_pem(&pem).unwrap();
            assert_eq!(k.to_pem(), pem);
        }
        assert_eq!(show("genPrivateKey", &[s("foo")]), "Unknown type foo");
    }

    #[test]
    fn parse_errors_read_like_sprig() {
        assert_eq!(
            PrivKey::parse_pem("junk").unwrap_err(),
            "no PEM data in input"
        );
        let cert = pem_encode("CERTIFICATE", &[1, 2]);
        assert_eq!(
            PrivKey::parse_pem(&cert).unwrap_err(),
            "no private key data in PEM block of type CERTIFICATE"
        );
        let odd = pem_encode("FOO PRIVATE KEY", &[1, 2]);
        assert_eq!(
            PrivKey::parse_pem(&odd).unwrap_err(),
            "invalid private key type FOO PRIVATE KEY"
        );
    }

    #[test]
    fn rsa_and_dsa_keys() {
        let pem = show("genPrivateKey", &[s("rsa")]);
        assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        assert!(PrivKey::parse_pem(&pem).is_ok());
        let pem = show("genPrivateKey", &[s("dsa")]);
        assert!(pem.starts_with("-----BEGIN DSA PRIVATE KEY-----"));
        assert!(PrivKey::parse_pem(&pem).is_ok());
    }
}
