//! Decoding of Kubernetes' protobuf request bodies (`application/vnd.kubernetes.protobuf`)
//! for the kinds typed Go clients send that way: Helm's release storage writes Secrets
//! (and ConfigMaps with its configmap driver), `kubectl create namespace` writes a
//! Namespace. Other kinds are refused with 415 rather than half-decoded. Responses are
//! always JSON, which those clients also accept.

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::error::ApiError;

const MAGIC: &[u8] = b"k8s\0";

/// A decoded protobuf field value.
#[derive(Debug, Clone, PartialEq)]
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

fn bad(what: &str) -> ApiError {
    ApiError::bad_request(format!(
        "cannot decode the protobuf request body: {what}; send JSON instead"
    ))
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64, ApiError> {
    let mut out = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos).ok_or_else(|| bad("truncated varint"))?;
        *pos += 1;
        out |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(out);
        }
    }
    Err(bad("varint too long"))
}

fn fields(buf: &[u8]) -> Result<Vec<(u64, Field<'_>)>, ApiError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let tag = varint(buf, &mut pos)?;
        let (num, wire) = (tag >> 3, tag & 7);
        let f = match wire {
            0 => Field::Varint(varint(buf, &mut pos)?),
            1 => {
                pos += 8;
                Field::Fixed
            }
            2 => {
                let len =
                    usize::try_from(varint(buf, &mut pos)?).map_err(|_| bad("length too large"))?;
                let end = pos
                    .checked_add(len)
                    .filter(|e| *e <= buf.len())
                    .ok_or_else(|| bad("truncated field"))?;
                let b = &buf[pos..end];
                pos = end;
                Field::Bytes(b)
            }
            5 => {
                pos += 4;
                Field::Fixed
            }
            _ => return Err(bad("unsupported wire type")),
        };
        out.push((num, f));
    }
    if pos > buf.len() {
        return Err(bad("truncated fixed-width field"));
    }
    Ok(out)
}

fn string(b: &[u8]) -> Result<String, ApiError> {
    String::from_utf8(b.to_vec()).map_err(|_| bad("string is not UTF-8"))
}

fn map_entry(b: &[u8]) -> Result<(String, &[u8]), ApiError> {
    let mut key = String::new();
    let mut val: &[u8] = &[];
    for (n, f) in fields(b)? {
        match (n, f) {
            (1, Field::Bytes(k)) => key = string(k)?,
            (2, Field::Bytes(v)) => val = v,
            _ => {}
        }
    }
    Ok((key, val))
}

fn time(b: &[u8]) -> Result<Value, ApiError> {
    let mut secs = 0i64;
    for (n, f) in fields(b)? {
        if let (1, Field::Varint(v)) = (n, f) {
            secs = v as i64;
        }
    }
    Ok(chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| json!(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()))
        .unwrap_or(Value::Null))
}

fn owner_reference(b: &[u8]) -> Result<Value, ApiError> {
    let mut o = Map::new();
    for (n, f) in fields(b)? {
        match (n, f) {
            (1, Field::Bytes(v)) => {
                o.insert("kind".into(), json!(string(v)?));
            }
            (3, Field::Bytes(v)) => {
                o.insert("name".into(), json!(string(v)?));
            }
            (4, Field::Bytes(v)) => {
                o.insert("uid".into(), json!(string(v)?));
            }
            (5, Field::Bytes(v)) => {
                o.insert("apiVersion".into(), json!(string(v)?));
            }
            (6, Field::Varint(v)) => {
                o.insert("controller".into(), json!(v != 0));
            }
            (7, Field::Varint(v)) => {
                o.insert("blockOwnerDeletion".into(), json!(v != 0));
            }
            _ => {}
        }
    }
    Ok(Value::Object(o))
}

fn object_meta(b: &[u8]) -> Result<Value, ApiError> {
    let mut m = Map::new();
    let mut labels = Map::new();
    let mut annotations = Map::new();
    let mut owners = Vec::new();
    let mut finalizers = Vec::new();
    for (n, f) in fields(b)? {
        match (n, f) {
            (1, Field::Bytes(v)) if !v.is_empty() => {
                m.insert("name".into(), json!(string(v)?));
            }
            (2, Field::Bytes(v)) if !v.is_empty() => {
                m.insert("generateName".into(), json!(string(v)?));
            }
            (3, Field::Bytes(v)) if !v.is_empty() => {
                m.insert("namespace".into(), json!(string(v)?));
            }
            (5, Field::Bytes(v)) if !v.is_empty() => {
                m.insert("uid".into(), json!(string(v)?));
            }
            (6, Field::Bytes(v)) if !v.is_empty() => {
                m.insert("resourceVersion".into(), json!(string(v)?));
            }
            (7, Field::Varint(v)) => {
                m.insert("generation".into(), json!(v));
            }
            (8, Field::Bytes(v)) => {
                m.insert("creationTimestamp".into(), time(v)?);
            }
            (11, Field::Bytes(v)) => {
                let (k, val) = map_entry(v)?;
                labels.insert(k, json!(string(val)?));
            }
            (12, Field::Bytes(v)) => {
                let (k, val) = map_entry(v)?;
                annotations.insert(k, json!(string(val)?));
            }
            (13, Field::Bytes(v)) => owners.push(owner_reference(v)?),
            (14, Field::Bytes(v)) => finalizers.push(json!(string(v)?)),
            _ => {}
        }
    }
    if !labels.is_empty() {
        m.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        m.insert("annotations".into(), Value::Object(annotations));
    }
    if !owners.is_empty() {
        m.insert("ownerReferences".into(), Value::Array(owners));
    }
    if !finalizers.is_empty() {
        m.insert("finalizers".into(), Value::Array(finalizers));
    }
    Ok(Value::Object(m))
}

/// Decodes a protobuf-encoded Secret, ConfigMap or Namespace into its JSON form.
///
/// # Errors
/// 415 for other kinds (send JSON), 400 for malformed bodies.
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let rest = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad("missing the k8s protobuf prefix"))?;
    let mut api_version = String::new();
    let mut kind = String::new();
    let mut raw: &[u8] = &[];
    for (n, f) in fields(rest)? {
        match (n, f) {
            (1, Field::Bytes(tm)) => {
                for (tn, tf) in fields(tm)? {
                    match (tn, tf) {
                        (1, Field::Bytes(v)) => api_version = string(v)?,
                        (2, Field::Bytes(v)) => kind = string(v)?,
                        _ => {}
                    }
                }
            }
            (2, Field::Bytes(r)) => raw = r,
            _ => {}
        }
    }
    let b64 = |b: &[u8]| json!(base64::engine::general_purpose::STANDARD.encode(b));
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    let mut data = Map::new();
    let mut other = Map::new();
    match kind.as_str() {
        "Secret" => {
            for (n, f) in fields(raw)? {
                match (n, f) {
                    (1, Field::Bytes(v)) => {
                        obj.insert("metadata".into(), object_meta(v)?);
                    }
                    (2, Field::Bytes(v)) => {
                        let (k, val) = map_entry(v)?;
                        data.insert(k, b64(val));
                    }
                    (3, Field::Bytes(v)) if !v.is_empty() => {
                        obj.insert("type".into(), json!(string(v)?));
                    }
                    (4, Field::Bytes(v)) => {
                        let (k, val) = map_entry(v)?;
                        other.insert(k, json!(string(val)?));
                    }
                    (5, Field::Varint(v)) => {
                        obj.insert("immutable".into(), json!(v != 0));
                    }
                    _ => {}
                }
            }
            if !other.is_empty() {
                obj.insert("stringData".into(), Value::Object(other));
            }
        }
        "ConfigMap" => {
            for (n, f) in fields(raw)? {
                match (n, f) {
                    (1, Field::Bytes(v)) => {
                        obj.insert("metadata".into(), object_meta(v)?);
                    }
                    (2, Field::Bytes(v)) => {
                        let (k, val) = map_entry(v)?;
                        data.insert(k, json!(string(val)?));
                    }
                    (3, Field::Bytes(v)) => {
                        let (k, val) = map_entry(v)?;
                        other.insert(k, b64(val));
                    }
                    (4, Field::Varint(v)) => {
                        obj.insert("immutable".into(), json!(v != 0));
                    }
                    _ => {}
                }
            }
            if !other.is_empty() {
                obj.insert("binaryData".into(), Value::Object(other));
            }
        }
        "Namespace" => {
            for (n, f) in fields(raw)? {
                match (n, f) {
                    (1, Field::Bytes(v)) => {
                        obj.insert("metadata".into(), object_meta(v)?);
                    }
                    (2, Field::Bytes(spec)) => {
                        let mut finalizers = Vec::new();
                        for (sn, sf) in fields(spec)? {
                            if let (1, Field::Bytes(v)) = (sn, sf) {
                                finalizers.push(json!(string(v)?));
                            }
                        }
                        if !finalizers.is_empty() {
                            obj.insert("spec".into(), json!({"finalizers": finalizers}));
                        }
                    }
                    _ => {}
                }
            }
        }
        other_kind => {
            return Err(ApiError::unsupported_media(format!(
                "protobuf bodies are only decoded for Secret, ConfigMap and Namespace, not {other_kind:?}: send application/json (kubectl apply does)"
            )))
        }
    }
    if !data.is_empty() {
        obj.insert("data".into(), Value::Object(data));
    }
    Ok(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ld(num: u64, b: &[u8]) -> Vec<u8> {
        let mut out = vec![((num << 3) | 2) as u8, b.len() as u8];
        out.extend_from_slice(b);
        out
    }

    #[test]
    fn secret_with_labels_and_data_decodes() {
        let label = [ld(1, b"owner"), ld(2, b"helm")].concat();
        let meta = [ld(1, b"sh.helm.release.v1.web.v1"), ld(11, &label)].concat();
        let entry = [ld(1, b"release"), ld(2, b"\x01\x02")].concat();
        let secret = [ld(1, &meta), ld(2, &entry), ld(3, b"helm.sh/release.v1")].concat();
        let tm = [ld(1, b"v1"), ld(2, b"Secret")].concat();
        let body = [MAGIC.to_vec(), ld(1, &tm), ld(2, &secret)].concat();
        let v = decode(&body).unwrap();
        assert_eq!(v["kind"], "Secret");
        assert_eq!(v["metadata"]["name"], "sh.helm.release.v1.web.v1");
        assert_eq!(v["metadata"]["labels"]["owner"], "helm");
        assert_eq!(v["data"]["release"], "AQI=");
        assert_eq!(v["type"], "helm.sh/release.v1");
    }

    #[test]
    fn other_kinds_and_garbage_are_rejected() {
        let tm = [ld(1, b"apps/v1"), ld(2, b"Deployment")].concat();
        let body = [MAGIC.to_vec(), ld(1, &tm)].concat();
        assert_eq!(decode(&body).unwrap_err().code, 415);
        assert_eq!(decode(b"nope").unwrap_err().code, 400);
        assert_eq!(decode(b"k8s\0\x0a\x09ab").unwrap_err().code, 400);
    }
}
