//! Minimal DER and PEM: the encoder the certificate builder needs and a reader for the
//! few structures Sprig parses back (private keys, a signer certificate).

use base64::Engine as _;

use super::encoding::GO_STD;

/// One TLV: tag byte and contents.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of already-encoded parts.
pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// An unsigned INTEGER from big-endian bytes.
pub fn uint(bytes: &[u8]) -> Vec<u8> {
    let mut b: Vec<u8> = bytes.iter().copied().skip_while(|x| *x == 0).collect();
    if b.is_empty() || b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    tlv(0x02, &b)
}

/// A small INTEGER.
pub fn small_int(v: u8) -> Vec<u8> {
    uint(&[v])
}

/// An OBJECT IDENTIFIER from dotted text.
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|x| x.parse().ok()).collect();
    let mut body = Vec::new();
    if arcs.len() >= 2 {
        let mut push = |mut v: u64| {
            let mut tmp = vec![(v & 0x7f) as u8];
            v >>= 7;
            while v > 0 {
                tmp.push(0x80 | (v & 0x7f) as u8);
                v >>= 7;
            }
            tmp.reverse();
            body.extend(tmp);
        };
        push(arcs[0] * 40 + arcs[1]);
        for a in &arcs[2..] {
            push(*a);
        }
    }
    tlv(0x06, &body)
}

/// A BIT STRING with no unused bits.
pub fn bits(bytes: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8];
    b.extend_from_slice(bytes);
    tlv(0x03, &b)
}

/// An OCTET STRING.
pub fn octets(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

/// A parsed TLV: tag, contents, and the whole encoding.
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    /// Tag byte.
    pub tag: u8,
    /// Contents.
    pub body: &'a [u8],
    /// Tag, length and contents.
    pub raw: &'a [u8],
}

/// Reads one TLV from the front of `data`, returning it and the rest.
pub fn read(data: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let tag = *data.first()?;
    let l0 = *data.get(1)?;
    let (len, hdr) = if l0 < 0x80 {
        (usize::from(l0), 2)
    } else {
        let n = usize::from(l0 & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*data.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let end = hdr.checked_add(len)?;
    if end > data.len() {
        return None;
    }
    Some((
        Tlv {
            tag,
            body: &data[hdr..end],
            raw: &data[..end],
        },
        &data[end..],
    ))
}

/// All TLVs inside a constructed value's contents.
pub fn children(body: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let (t, r) = read(rest)?;
        out.push(t);
        rest = r;
    }
    Some(out)
}

/// Decodes dotted OID text from OID contents.
pub fn oid_text(body: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut v: u64 = 0;
    for &b in body {
        v = (v << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (v / 40).min(2);
                arcs.push(first);
                arcs.push(v - first * 40);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// `pem.EncodeToMemory`: 64-column base64 between BEGIN/END lines.
pub fn pem_encode(kind: &str, der: &[u8]) -> String {
    let b64 = GO_STD.encode(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

/// `pem.Decode`: the first block's type and bytes.
pub fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let type_end = rest.find("-----")?;
    let kind = rest[..type_end].to_string();
    let body_start = &rest[type_end + 5..];
    let end_marker = format!("-----END {kind}-----");
    let end = body_start.find(&end_marker)?;
    let body: String = body_start[..end]
        .lines()
        .filter(|l| !l.contains(':'))
        .collect::<String>()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = GO_STD.decode(body.as_bytes()).ok()?;
    Some((kind, der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_reads_back() {
        assert_eq!(
            oid("1.2.840.113549.1.1.11"),
            vec![6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 11]
        );
        assert_eq!(oid_text(&oid("2.5.29.14")[2..]), "2.5.29.14");
        assert_eq!(uint(&[0x80]), vec![2, 2, 0, 0x80]);
        let long = tlv(0x04, &[7u8; 300]);
        assert_eq!(&long[..4], &[4, 0x82, 1, 44]);
        let (t, rest) = read(&long).unwrap();
        assert_eq!((t.tag, t.body.len(), rest.len()), (4, 300, 0));
        let pem = pem_encode("TEST", &[1u8; 100]);
        assert_eq!(pem.lines().nth(1).unwrap().len(), 64);
        assert_eq!(
            pem_decode(&pem).unwrap(),
            ("TEST".to_string(), vec![1u8; 100])
        );
    }
}
