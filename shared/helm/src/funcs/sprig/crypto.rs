//! Passwords, symmetric crypto and random bytes: `bcrypt`, `htpasswd`,
//! `derivePassword` (Master Password algorithm, scrypt + HMAC-SHA256), `encryptAES`/
//! `decryptAES` (AES-256-CBC, PKCS#7 padding, random IV prepended, base64),
//! `randBytes`, `uuidv4`.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use base64::Engine as _;
use hmac::Mac;
use rand::RngCore;
use sha1::Digest as _;

use super::bytes_to_string;
use super::encoding::{b64_decode, GO_STD};
use super::{arg_int, arg_str};
use crate::funcs::{func, FuncSpec, Param};
use crate::value::Value;

/// `bcrypt.GenerateFromPassword(p, 10)`, `$2a$` form, or Sprig's failure text.
pub fn bcrypt_hash(p: &str) -> String {
    if p.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    match bcrypt::hash_with_result(p, 10) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

fn bcrypt_fn(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(bcrypt_hash(arg_str(a, 0))))
}

fn htpasswd(a: &[Value]) -> Result<Value, String> {
    let (user, pass, algo) = (arg_str(a, 0), arg_str(a, 1), arg_str(a, 2));
    if user.contains(':') {
        return Ok(Value::from(format!("invalid username: {user}")));
    }
    Ok(Value::from(if algo == "sha" {
        let sum = sha1::Sha1::digest(pass.as_bytes());
        format!("{user}:{{SHA}}{}", GO_STD.encode(sum))
    } else {
        format!("{user}:{}", bcrypt_hash(pass))
    }))
}

const SEED: &str = "com.lyndir.masterpassword";

fn templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword` (the Master Password algorithm).
pub fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(tpls) = templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let params = match scrypt::Params::new(15, 8, 2, 64) {
        Ok(p) => p,
        Err(e) => return format!("failed to derive password: {e}"),
    };
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return format!("failed to derive password: {e}");
    }
    let mut msg = SEED.as_bytes().to_vec();
    msg.extend_from_slice(&(site.len() as u32).to_be_bytes());
    msg.extend_from_slice(site.as_bytes());
    msg.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&key) else {
        return "failed to derive password: bad key".into();
    };
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let tpl = tpls[usize::from(seed[0]) % tpls.len()].as_bytes();
    tpl.iter()
        .enumerate()
        .map(|(i, c)| {
            let chars = template_chars(*c);
            chars[usize::from(seed[i + 1]) % chars.len()] as char
        })
        .collect()
}

fn derive_password_fn(a: &[Value]) -> Result<Value, String> {
    let counter = arg_int(a, 0) as u32;
    Ok(Value::from(derive_password(
        counter,
        arg_str(a, 1),
        arg_str(a, 2),
        arg_str(a, 3),
        arg_str(a, 4),
    )))
}

fn aes_key(password: &str) -> aes::Aes256 {
    let mut key = [0u8; 32];
    let p = password.as_bytes();
    let n = p.len().min(32);
    key[..n].copy_from_slice(&p[..n]);
    aes::Aes256::new(GenericArray::from_slice(&key))
}

/// Sprig's `encryptAES`.
pub fn encrypt_aes(password: &str, plaintext: &str) -> String {
    if plaintext.is_empty() {
        return String::new();
    }
    let cipher = aes_key(password);
    let mut content = plaintext.as_bytes().to_vec();
    let padding = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(padding as u8, padding));
    let mut out = vec![0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut out);
    let mut prev: [u8; 16] = out[..16].try_into().unwrap_or([0; 16]);
    for block in content.chunks(16) {
        let mut b = [0u8; 16];
        for i in 0..16 {
            b[i] = block[i] ^ prev[i];
        }
        let mut ga = GenericArray::from(b);
        cipher.encrypt_block(&mut ga);
        prev.copy_from_slice(&ga);
        out.extend_from_slice(&ga);
    }
    GO_STD.encode(out)
}

/// Sprig's `decryptAES`, with the Go errors and panics it can produce.
pub fn decrypt_aes(password: &str, crypt64: &str) -> Result<String, String> {
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let data = b64_decode(crypt64)?;
    if data.len() < 16 {
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            data.len()
        ));
    }
    let cipher = aes_key(password);
    let (iv, body) = data.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    if body.is_empty() {
        return Err("runtime error: index out of range [-1]".into());
    }
    let mut prev: [u8; 16] = iv.try_into().unwrap_or([0; 16]);
    let mut plain = Vec::with_capacity(body.len());
    for block in body.chunks(16) {
        let mut ga = GenericArray::clone_from_slice(block);
        cipher.decrypt_block(&mut ga);
        for i in 0..16 {
            plain.push(ga[i] ^ prev[i]);
        }
        prev.copy_from_slice(block);
    }
    let pad = usize::from(*plain.last().unwrap_or(&0));
    if pad > plain.len() {
        return Err(format!(
            "runtime error: slice bounds out of range [:{}]",
            plain.len() as i64 - pad as i64
        ));
    }
    Ok(bytes_to_string(&plain[..plain.len() - pad]))
}

fn encrypt_aes_fn(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(encrypt_aes(arg_str(a, 0), arg_str(a, 1))))
}

fn decrypt_aes_fn(a: &[Value]) -> Result<Value, String> {
    decrypt_aes(arg_str(a, 0), arg_str(a, 1)).map(Value::from)
}

fn rand_bytes(a: &[Value]) -> Result<Value, String> {
    let n = arg_int(a, 0);
    if n < 0 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    let mut buf = vec![0u8; n as usize];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    Ok(Value::from(GO_STD.encode(buf)))
}

fn uuidv4(_: &[Value]) -> Result<Value, String> {
    Ok(Value::from(uuid::Uuid::new_v4().to_string()))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("bcrypt", &[Str], None, bcrypt_fn),
        func("htpasswd", &[Str, Str], Some(Str), htpasswd),
        func(
            "derivePassword",
            &[Int, Str, Str, Str, Str],
            None,
            derive_password_fn,
        ),
        func("encryptAES", &[Str, Str], None, encrypt_aes_fn),
        func("decryptAES", &[Str, Str], None, decrypt_aes_fn),
        func("randBytes", &[Int], None, rand_bytes),
        func("uuidv4", &[], None, uuidv4),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn aes_round_trips() {
        let c = encrypt_aes("secretkey", "plaintext");
        assert_eq!(decrypt_aes("secretkey", &c).unwrap(), "plaintext");
        assert_eq!(b64_decode(&c).unwrap().len(), 32);
        assert_eq!(encrypt_aes("k", ""), "");
        assert_eq!(show("decryptAES", &[s("k"), s("")]), "");
        assert_eq!(
            show("decryptAES", &[s("k"), s("YWJj")]),
            "ERR runtime error: slice bounds out of range [:16] with capacity 3"
        );
    }

    #[test]
    fn bcrypt_and_htpasswd_verify() {
        let h = show("bcrypt", &[s("abc")]);
        assert!(h.starts_with("$2a$10$"));
        assert!(bcrypt::verify("abc", &h).unwrap());
        let line = show("htpasswd", &[s("myUser"), s("myPassword"), s("sha")]);
        assert_eq!(line, "myUser:{SHA}VBPuJHI7uixaa6LQGWx4s+5GKNE=");
        assert_eq!(
            show("htpasswd", &[s("a:b"), s("p"), s("")]),
            "invalid username: a:b"
        );
    }

    #[test]
    fn derive_password_matches_sprig_vectors() {
        assert_eq!(
            derive_password(1, "long", "password", "user", "example.com"),
            "ZedaFaxcZaso9*"
        );
        assert_eq!(
            derive_password(1, "nope", "p", "u", "s"),
            "cannot find password template nope"
        );
    }

    #[test]
    fn random_shapes() {
        let r = show("randBytes", &[i(12)]);
        assert_eq!(b64_decode(&r).unwrap().len(), 12);
        let u = show("uuidv4", &[]);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
