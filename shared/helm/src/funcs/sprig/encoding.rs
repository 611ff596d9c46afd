//! Encodings and checksums: `b64enc`, `b64dec`, `b32enc`, `b32dec` (Go's standard,
//! padded alphabets; decode errors come back as the text), `sha1sum`, `sha256sum`,
//! `sha512sum`, `adler32sum`.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use sha1::Digest as _;

use super::bytes_to_string;
use crate::funcs::{func, FuncSpec, Param};
use crate::value::Value;

/// Go's `base64.StdEncoding` (padded; stray trailing bits are accepted).
pub const GO_STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// `base64.StdEncoding.DecodeString` with Go's error text.
pub fn b64_decode(s: &str) -> Result<Vec<u8>, String> {
    // Go skips CR and LF anywhere in the input
    let clean: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    GO_STD.decode(clean.as_bytes()).map_err(|e| {
        let at = match e {
            base64::DecodeError::InvalidByte(at, _)
            | base64::DecodeError::InvalidLastSymbol(at, _) => at,
            base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => {
                clean.len() / 4 * 4
            }
        };
        format!("illegal base64 data at input byte {at}")
    })
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// `base32.StdEncoding.EncodeToString`.
pub fn b32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(B32[((n >> (35 - 5 * i)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `base32.StdEncoding.DecodeString` with Go's error text.
pub fn b32_decode(s: &str) -> Result<Vec<u8>, String> {
    let clean: Vec<u8> = s.bytes().filter(|c| *c != b'\r' && *c != b'\n').collect();
    let err = |at: usize| format!("illegal base32 data at input byte {at}");
    if !clean.len().is_multiple_of(8) {
        return Err(err(clean.len() / 8 * 8));
    }
    let mut out = Vec::with_capacity(clean.len() / 8 * 5);
    for (q, quantum) in clean.chunks(8).enumerate() {
        let mut n: u64 = 0;
        let mut len = 8;
        for (j, &c) in quantum.iter().enumerate() {
            if c == b'=' {
                if q * 8 + 8 != clean.len() || quantum[j..].iter().any(|x| *x != b'=') {
                    return Err(err(q * 8 + j));
                }
                len = j;
                break;
            }
            let v = B32
                .iter()
                .position(|x| *x == c)
                .ok_or_else(|| err(q * 8 + j))?;
            n |= (v as u64) << (35 - 5 * j);
        }
        let bytes = match len {
            8 => 5,
            7 => 4,
            5 => 3,
            4 => 2,
            2 => 1,
            _ => return Err(err(q * 8 + len)),
        };
        let all = n.to_be_bytes();
        out.extend_from_slice(&all[3..3 + bytes]);
    }
    Ok(out)
}

fn arg(a: &[Value]) -> &str {
    a[0].as_str().unwrap_or("")
}

fn b64enc(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(GO_STD.encode(arg(a))))
}

fn b64dec(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(match b64_decode(arg(a)) {
        Ok(b) => bytes_to_string(&b),
        Err(e) => e,
    }))
}

fn b32enc(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(b32_encode(arg(a).as_bytes())))
}

fn b32dec(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(match b32_decode(arg(a)) {
        Ok(b) => bytes_to_string(&b),
        Err(e) => e,
    }))
}

fn sha1sum(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(hex::encode(sha1::Sha1::digest(arg(a)))))
}

fn sha256sum(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(hex::encode(sha2::Sha256::digest(arg(a)))))
}

fn sha512sum(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(hex::encode(sha2::Sha512::digest(arg(a)))))
}

/// Adler-32 (`hash/adler32`).
pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

fn adler32sum(a: &[Value]) -> Result<Value, String> {
    Ok(Value::from(adler32(arg(a).as_bytes()).to_string()))
}

/// This module's functions.
pub fn funcs() -> Vec<FuncSpec> {
    use Param::*;
    vec![
        func("b64enc", &[Str], None, b64enc),
        func("b64dec", &[Str], None, b64dec),
        func("b32enc", &[Str], None, b32enc),
        func("b32dec", &[Str], None, b32dec),
        func("sha1sum", &[Str], None, sha1sum),
        func("sha256sum", &[Str], None, sha256sum),
        func("sha512sum", &[Str], None, sha512sum),
        func("adler32sum", &[Str], None, adler32sum),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn base64_and_base32_round_trip() {
        assert_eq!(show("b64enc", &[s("abc")]), "YWJj");
        assert_eq!(show("b64dec", &[s("YWJj")]), "abc");
        assert_eq!(
            show("b64dec", &[s("YWJ")]),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(
            show("b64dec", &[s("Y!Jj")]),
            "illegal base64 data at input byte 1"
        );
        assert_eq!(show("b32enc", &[s("abc")]), "MFRGG===");
        assert_eq!(show("b32dec", &[s("MFRGG===")]), "abc");
        assert_eq!(show("b32enc", &[s("abcde")]), "MFRGGZDF");
        assert_eq!(show("b32dec", &[s("MFRGGZDF")]), "abcde");
        assert_eq!(
            show("b32dec", &[s("MFRG")]),
            "illegal base32 data at input byte 0"
        );
    }

    #[test]
    fn checksums() {
        assert_eq!(
            show("sha1sum", &[s("abc")]),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            show("sha256sum", &[s("abc")]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(show("sha512sum", &[s("abc")]).starts_with("ddaf35a193617aba"));
        assert_eq!(show("adler32sum", &[s("abc")]), "38600999");
    }
}
