//! X.509 certificates as Sprig makes them: `genCA`, `genCAWithKey`,
//! `genSelfSignedCert`, `genSelfSignedCertWithKey`, `genSignedCert`,
//! `genSignedCertWithKey`, `buildCustomCert`. Results are `sprig.certificate` objects
//! with PEM `Cert` and `Key` fields; the DER follows Go's `x509.CreateCertificate`
//! (v3, random 128-bit serial, key usage, server+client auth, basic constraints,
//! subject key id on CAs, authority key id from the signer, SANs).

use std::net::IpAddr;
use std::rc::Rc;

use rand::RngCore;
use sha1::Digest as _;

use super::dates::now_time;
use super::der::{self, oid, seq, tlv};
use super::encoding::b64_decode;
use super::keys::PrivKey;
use super::timefmt::{format, GoTime};
use super::{arg_int, arg_str};
use crate::funcs::{func, FuncSpec, Param};
use crate::value::{Object, Value};

/// Sprig's `certificate{Cert, Key}`.
#[derive(Clone, Debug)]
pub struct Certificate {
    /// PEM certificate.
    pub cert: String,
    /// PEM private key.
    pub key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> &str {
        "sprig.certificate"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::from(self.cert.clone())),
            "Key" => Some(Value::from(self.key.clone())),
            _ => None,
        }
    }

    fn format(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }

    fn to_json_value(&self) -> Option<Value> {
        let mut m = crate::value::Map::new();
        m.insert("Cert".into(), Value::from(self.cert.clone()));
        m.insert("Key".into(), Value::from(self.key.clone()));
        Some(Value::from_map(m))
    }
}

fn cert_value(c: Certificate) -> Value {
    Value::Object(Rc::new(c))
}

/// A certificate back from a template value.
fn certificate_of(v: &Value) -> Result<Certificate, String> {
    match v {
        Value::Object(o) if o.type_name() == "sprig.certificate" => {
            let get = |n: &str| {
                o.field(n)
                    .and_then(|x| x.as_str().map(String::from))
                    .unwrap_or_default()
            };
            Ok(Certificate {
                cert: get("Cert"),
                key: get("Key"),
            })
        }
        other => {
            let got = if other.is_nil() {
                "<nil>".to_string()
            } else {
                other.type_name()
            };
            Err(format!(
                "wrong type for value; expected sprig.certificate; got {got}"
            ))
        }
    }
}

fn printable(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

/// A Name with only a common name (empty when `cn` is empty, as Go writes it).
fn name(cn: &str) -> Vec<u8> {
    if cn.is_empty() {
        return seq(&[]);
    }
    let value = tlv(if printable(cn) { 0x13 } else { 0x0c }, cn.as_bytes());
    seq(&[tlv(0x31, &seq(&[oid("2.5.4.3"), value]))])
}

fn asn1_time(t: &GoTime) -> Vec<u8> {
    let year = t.civil().year;
    if (1950..2050).contains(&year) {
        tlv(0x17, format(t, "060102150405Z").as_bytes())
    } else {
        tlv(0x18, format(t, "20060102150405Z").as_bytes())
    }
}

fn extension(id: &str, critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(vec![0x01, 0x01, 0xff]);
    }
    parts.push(der::octets(value));
    seq(&parts)
}

/// Go's key-usage BIT STRING (bit 0 = digitalSignature).
fn key_usage(ku: u16) -> Vec<u8> {
    let a = [(ku as u8).reverse_bits(), ((ku >> 8) as u8).reverse_bits()];
    let bytes: &[u8] = if a[1] != 0 { &a } else { &a[..1] };
    let last = bytes[bytes.len() - 1];
    let unused = if last == 0 {
        0
    } else {
        last.trailing_zeros() as u8
    };
    let mut body = vec![unused];
    body.extend_from_slice(bytes);
    tlv(0x03, &body)
}

const KU_DIGITAL_SIGNATURE: u16 = 1;
const KU_KEY_ENCIPHERMENT: u16 = 1 << 2;
const KU_CERT_SIGN: u16 = 1 << 5;

fn ips_of(ips: &Value) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    for ip in ips.as_list().unwrap_or(&[]) {
        let Value::Str(s) = ip else {
            return Err(format!(
                "error parsing ip: {} is not a string",
                super::strval(ip)
            ));
        };
        let parsed: IpAddr = s.parse().map_err(|_| format!("error parsing ip: {s}"))?;
        out.push(match parsed {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.octets().to_vec(),
                None => v6.octets().to_vec(),
            },
        });
    }
    Ok(out)
}

fn dns_of(dns: &Value) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for d in dns.as_list().unwrap_or(&[]) {
        match d {
            Value::Str(s) => out.push(s.to_string()),
            other => {
                return Err(format!(
                    "error processing alternate dns name: {} is not a string",
                    super::strval(other)
                ))
            }
        }
    }
    Ok(out)
}

/// What the issuer contributes: its subject and subject key id.
struct Issuer {
    subject: Vec<u8>,
    key_id: Option<Vec<u8>>,
}

/// Reads subject and subject key id from a DER certificate (Go's `ParseCertificate`
/// check, reduced to structure).
fn parse_cert(der_bytes: &[u8]) -> Option<Issuer> {
    let (cert, rest) = der::read(der_bytes)?;
    if cert.tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let parts = der::children(cert.body)?;
    if parts.len() != 3 || parts[2].tag != 0x03 {
        return None;
    }
    let tbs = der::children(parts[0].body)?;
    let off = usize::from(tbs.first()?.tag == 0xa0);
    let subject = tbs.get(off + 4)?;
    if subject.tag != 0x30 || tbs.get(off + 5)?.tag != 0x30 {
        return None;
    }
    let mut key_id = None;
    for t in &tbs[off + 6..] {
        if t.tag != 0xa3 {
            continue;
        }
        let (exts, _) = der::read(t.body)?;
        for ext in der::children(exts.body)? {
            let f = der::children(ext.body)?;
            if der::oid_text(f.first()?.body) == "2.5.29.14" {
                let (inner, _) = der::read(f.last()?.body)?;
                key_id = Some(inner.body.to_vec());
            }
        }
    }
    Some(Issuer {
        subject: subject.raw.to_vec(),
        key_id,
    })
}

struct Template {
    cn: String,
    ips: Vec<Vec<u8>>,
    dns: Vec<String>,
    days: i64,
    is_ca: bool,
}

/// Go's `x509.CreateCertificate` + PEM, as Sprig's `getCertAndKey`.
fn create(
    t: &Template,
    key: &PrivKey,
    issuer: Option<(&Issuer, &PrivKey)>,
) -> Result<Certificate, String> {
    let spki = key
        .spki()
        .map_err(|e| format!("error creating certificate: {e}"))?;
    let signer = issuer.map_or(key, |(_, k)| k);
    // the signer must be able to sign before anything else is checked
    if let PrivKey::Dsa(_) = signer {
        return Err("error creating certificate: x509: certificate private key does not implement crypto.Signer".into());
    }
    let mut serial = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut serial);
    let now = now_time();
    let not_before = GoTime {
        nsec: 0,
        ..now.clone()
    };
    let not_after = not_before.add(t.days.saturating_mul(86_400_000_000_000));
    let subject = name(&t.cn);
    let issuer_name = issuer.map_or_else(|| subject.clone(), |(i, _)| i.subject.clone());

    let mut exts = Vec::new();
    let mut ku = KU_KEY_ENCIPHERMENT | KU_DIGITAL_SIGNATURE;
    if t.is_ca {
        ku |= KU_CERT_SIGN;
    }
    exts.push(extension("2.5.29.15", true, &key_usage(ku)));
    exts.push(extension(
        "2.5.29.37",
        false,
        &seq(&[oid("1.3.6.1.5.5.7.3.1"), oid("1.3.6.1.5.5.7.3.2")]),
    ));
    let bc = if t.is_ca {
        seq(&[vec![0x01, 0x01, 0xff]])
    } else {
        seq(&[])
    };
    exts.push(extension("2.5.29.19", true, &bc));
    if t.is_ca {
        let (spki_t, _) = der::read(&spki).ok_or("error creating certificate: bad key")?;
        let kids = der::children(spki_t.body).ok_or("error creating certificate: bad key")?;
        let key_bits = kids
            .get(1)
            .map_or(&[][..], |b| b.body.get(1..).unwrap_or(&[]));
        exts.push(extension(
            "2.5.29.14",
            false,
            &der::octets(&sha1::Sha1::digest(key_bits)),
        ));
    }
    if let Some((i, _)) = issuer {
        if let Some(kid) = i.key_id.as_ref().filter(|_| i.subject != subject) {
            exts.push(extension("2.5.29.35", false, &seq(&[tlv(0x80, kid)])));
        }
    }
    if !t.dns.is_empty() || !t.ips.is_empty() {
        let mut names: Vec<Vec<u8>> = t.dns.iter().map(|d| tlv(0x82, d.as_bytes())).collect();
        names.extend(t.ips.iter().map(|ip| tlv(0x87, ip)));
        exts.push(extension("2.5.29.17", t.cn.is_empty(), &seq(&names)));
    }

    let alg = signer.sig_alg();
    let tbs = seq(&[
        tlv(0xa0, &der::small_int(2)),
        der::uint(&serial),
        alg.clone(),
        issuer_name,
        seq(&[asn1_time(&not_before), asn1_time(&not_after)]),
        subject,
        spki,
        tlv(0xa3, &seq(&exts)),
    ]);
    let (alg, sig) = signer
        .sign(&tbs)
        .map_err(|e| format!("error creating certificate: {e}"))?;
    let cert = seq(&[tbs, alg, der::bits(&sig)]);
    Ok(Certificate {
        cert: der::pem_encode("CERTIFICATE", &cert),
        key: key.to_pem(),
    })
}

fn with_key(pem: &str) -> Result<PrivKey, String> {
    PrivKey::parse_pem(pem).map_err(|e| format!("parsing private key: {e}"))
}

fn ca(a: &[Value], key: PrivKey) -> Result<Value, String> {
    let t = Template {
        cn: arg_str(a, 0).into(),
        ips: vec![],
        dns: vec![],
        days: arg_int(a, 1),
        is_ca: true,
    };
    create(&t, &key, None).map(cert_value)
}

fn gen_ca(a: &[Value]) -> Result<Value, String> {
    ca(a, PrivKey::rsa(2048)?)
}

fn gen_ca_with_key(a: &[Value]) -> Result<Value, String> {
    ca(a, with_key(arg_str(a, 2))?)
}

fn self_signed(a: &[Value], key: PrivKey) -> Result<Value, String> {
    let t = Template {
        cn: arg_str(a, 0).into(),
        ips: ips_of(&a[1])?,
        dns: dns_of(&a[2])?,
        days: arg_int(a, 3),
        is_ca: false,
    };
    create(&t, &key, None).map(cert_value)
}

fn gen_self_signed(a: &[Value]) -> Result<Value, String> {
    self_signed(a, PrivKey::rsa(2048)?)
}

fn gen_self_signed_with_key(a: &[Value]) -> Result<Value, String> {
    self_signed(a, with_key(arg_str(a, 4))?)
}

fn signed(a: &[Value], key: PrivKey) -> Result<Value, String> {
    let ca = certificate_of(&a[4])?;
    let signer_der = der::pem_decode(&ca.cert)
        .ok_or("unable to decode certificate")?
        .1;
    let issuer = parse_cert(&signer_der)
        .ok_or("error parsing certificate: decodedSignerCert.Bytes: x509: malformed certificate")?;
    let signer_key =
        PrivKey::parse_pem(&ca.key).map_err(|e| format!("error parsing private key: {e}"))?;
    let t = Template {
        cn: arg_str(a, 0).into(),
        ips: ips_of(&a[1])?,
        dns: dns_of(&a[2])?,
        days: arg_int(a, 3),
        is_ca: false,
    };
    create(&t, &key, Some((&issuer, &signer_key))).map(cert_value)
}

fn gen_signed(a: &[Value]) -> Result<Value, String> {
    certificate_of(&a[4])?;
    signed(a, PrivKey::rsa(2048)?)
}

fn gen_signed_with_key(a: &[Value]) -> Result<Value, String> {
    certificate_of(&a[4])?;
    signed(a, with_key(arg_str(a, 5))?)
}

fn build_custom_cert(a: &[Value]) -> Result<Value, String> {
    let cert = b64_decode(arg_str(a, 0)).map_err(|_| "unable to decode base64 certificate")?;
    let key = b64_decode(arg_str(a, 1)).map_err(|_| "unable to decode base64 private key")?;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let der_bytes = der::pem_decode(&cert)
        .ok_or("unable to decode certificate")?
        .1;
    parse_cert(&der_bytes)
        .ok_or("error parsing certificate: decodedCert.Bytes: x509: malformed certificate")?;
    PrivKey::parse_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(cert_value(Certificate { cert, key }))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("genCA", &[Str, Int], None, gen_ca),
        func("genCAWithKey", &[Str, Int, Str], None, gen_ca_with_key),
        func(
            "genSelfSignedCert",
            &[Str, List, List, Int],
            None,
            gen_self_signed,
        ),
        func(
            "genSelfSignedCertWithKey",
            &[Str, List, List, Int, Str],
            None,
            gen_self_signed_with_key,
        ),
        func(
            "genSignedCert",
            &[Str, List, List, Int, Any],
            None,
            gen_signed,
        ),
        func(
            "genSignedCertWithKey",
            &[Str, List, List, Int, Any, Str],
            None,
            gen_signed_with_key,
        ),
        func("buildCustomCert", &[Str, Str], None, build_custom_cert),
    ]
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::super::encoding::GO_STD;
    use super::super::testutil::*;
    use super::*;

    fn fields(v: &Value) -> (String, String) {
        let c = certificate_of(v).unwrap();
        (c.cert, c.key)
    }

    fn ec_key() -> String {
        PrivKey::generate("ecdsa").unwrap().to_pem()
    }

    #[test]
    fn ca_signs_a_leaf_with_sans() {
        let ca = call("genCAWithKey", &[s("my-ca"), i(365), s(&ec_key())]).unwrap();
        let (ca_cert, _) = fields(&ca);
        let ca_der = der::pem_decode(&ca_cert).unwrap().1;
        let ca_info = parse_cert(&ca_der).unwrap();
        assert!(ca_info.key_id.is_some());
        let leaf = call(
            "genSignedCertWithKey",
            &[
                s("leaf.example"),
                l(&[s("10.0.0.1"), s("::1")]),
                l(&[s("a.example")]),
                i(30),
                ca.clone(),
                s(&ec_key()),
            ],
        )
        .unwrap();
        let (leaf_cert, leaf_key) = fields(&leaf);
        assert!(leaf_cert.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(leaf_key.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        let leaf_der = der::pem_decode(&leaf_cert).unwrap().1;
        let info = parse_cert(&leaf_der).unwrap();
        assert_eq!(info.subject, name("leaf.example"));
        // the issuer field holds the CA's subject
        let issuer_pos = leaf_der
            .windows(ca_info.subject.len())
            .position(|w| w == ca_info.subject.as_slice());
        assert!(issuer_pos.is_some());
        // and the certificate verifies with the CA key
        assert_ecdsa_signed_by(&leaf_der, &ca_der);
    }

    fn assert_ecdsa_signed_by(cert: &[u8], ca: &[u8]) {
        use p256::ecdsa::signature::Verifier as _;
        let (c, _) = der::read(cert).unwrap();
        let parts = der::children(c.body).unwrap();
        let sig = p256::ecdsa::DerSignature::try_from(&parts[2].body[1..]).unwrap();
        let (ca_t, _) = der::read(ca).unwrap();
        let tbs = der::children(der::children(ca_t.body).unwrap()[0].body).unwrap();
        let spki = tbs
            .iter()
            .find(|t| t.tag == 0x30 && t.raw.len() > 80)
            .unwrap();
        use p256::pkcs8::DecodePublicKey as _;
        let vk = p256::ecdsa::VerifyingKey::from_public_key_der(spki.raw).unwrap();
        vk.verify(parts[0].raw, &sig).unwrap();
    }

    #[test]
    fn self_signed_ed25519_and_build_custom_cert() {
        let key = PrivKey::generate("ed25519").unwrap().to_pem();
        let c = call(
            "genSelfSignedCertWithKey",
            &[s("x"), Value::Nil, Value::Nil, i(1), s(&key)],
        )
        .unwrap();
        let (cert, k) = fields(&c);
        assert_eq!(k, key);
        let b = call(
            "buildCustomCert",
            &[s(&GO_STD.encode(&cert)), s(&GO_STD.encode(&k))],
        )
        .unwrap();
        assert_eq!(fields(&b).0, cert);
        assert_eq!(
            show("buildCustomCert", &[s("!!"), s("")]),
            "ERR unable to decode base64 certificate"
        );
        assert_eq!(
            show(
                "buildCustomCert",
                &[s(&GO_STD.encode("x")), s(&GO_STD.encode("y"))]
            ),
            "ERR unable to decode certificate"
        );
    }

    #[test]
    fn argument_errors_read_like_sprig() {
        let key = ec_key();
        assert_eq!(
            show(
                "genSelfSignedCertWithKey",
                &[s("x"), l(&[i(1)]), Value::Nil, i(1), s(&key)]
            ),
            "ERR error parsing ip: 1 is not a string"
        );
        assert_eq!(
            show(
                "genSelfSignedCertWithKey",
                &[s("x"), l(&[s("1.2.3")]), Value::Nil, i(1), s(&key)]
            ),
            "ERR error parsing ip: 1.2.3"
        );
        assert_eq!(
            show("genCAWithKey", &[s("x"), i(1), s("nope")]),
            "ERR parsing private key: no PEM data in input"
        );
        assert_eq!(
            show(
                "genSignedCert",
                &[s("x"), Value::Nil, Value::Nil, i(1), s("ca")]
            ),
            "ERR wrong type for value; expected sprig.certificate; got string"
        );
    }

    #[test]
    fn key_usage_bits_match_go() {
        assert_eq!(
            key_usage(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT),
            vec![3, 2, 5, 0xa0]
        );
        assert_eq!(
            key_usage(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_CERT_SIGN),
            vec![3, 2, 2, 0xa4]
        );
    }

    #[test]
    fn rsa_ca_and_leaf() {
        let ca = call("genCA", &[s("ca"), i(10)]).unwrap();
        let leaf = call(
            "genSignedCert",
            &[s("leaf"), Value::Nil, l(&[s("a")]), i(10), ca],
        )
        .unwrap();
        assert!(fields(&leaf)
            .1
            .starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    }
}
