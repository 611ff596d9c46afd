//! The table the parser resolves function names in: every template parse looks up
//! each function it calls, so names are compared as a few machine words, not bytes.

use super::FuncRef;
use crate::value::key_prefix;

/// A name as up to two words that, with its length, tell it apart from every other
/// name of that length up to 16 bytes (longer names are compared in full as well).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    len: usize,
    a: u64,
    b: u64,
}

impl Key {
    /// The first eight bytes and, past eight, the last eight (the same words the value
    /// map compares keys by): with the length they cover every byte up to 16.
    fn of(s: &str) -> Key {
        let b = s.as_bytes();
        let len = b.len();
        let tail = if len > 8 {
            key_prefix(&b[len - 8..])
        } else {
            0
        };
        Key {
            len,
            a: key_prefix(b),
            b: tail,
        }
    }

    fn slot(&self, mask: usize) -> usize {
        let h =
            (self.a ^ self.b.rotate_left(29) ^ self.len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 40) as usize & mask
    }
}

/// An open-addressing table of function names (linear probing, at most half full).
pub(super) struct FuncTable {
    slots: Vec<Option<(Key, &'static str, FuncRef)>>,
    mask: usize,
}

impl FuncTable {
    /// A table of these names (a later duplicate replaces an earlier one).
    pub(super) fn new(names: impl IntoIterator<Item = (&'static str, FuncRef)>) -> FuncTable {
        let names: Vec<_> = names.into_iter().collect();
        let size = (names.len() * 2).next_power_of_two().max(16);
        let mut t = FuncTable {
            slots: vec![None; size],
            mask: size - 1,
        };
        for (name, f) in names {
            let key = Key::of(name);
            let mut i = key.slot(t.mask);
            loop {
                match &mut t.slots[i] {
                    Some((k, n, old)) if *k == key && *n == name => {
                        *old = f;
                        break;
                    }
                    Some(_) => i = (i + 1) & t.mask,
                    empty @ None => {
                        *empty = Some((key, name, f));
                        break;
                    }
                }
            }
        }
        t
    }

    /// The function called `name`, if any.
    pub(super) fn get(&self, name: &str) -> Option<FuncRef> {
        let key = Key::of(name);
        let mut i = key.slot(self.mask);
        loop {
            let (k, n, f) = self.slots[i].as_ref()?;
            if *k == key && (key.len <= 16 || *n == name) {
                return Some(*f);
            }
            i = (i + 1) & self.mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Builtin;

    fn f(i: usize) -> FuncRef {
        FuncRef::Builtin(Builtin::ALL[i % Builtin::ALL.len()])
    }

    #[test]
    fn finds_every_name_and_nothing_else() {
        let names = [
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "toYaml",
            "include",
            "nindent",
            "toString",
            "trimSuffix",
            "fromYamlArray",
            "semverCompare",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnopr",
            "genSelfSignedCert",
        ];
        let t = FuncTable::new(names.iter().enumerate().map(|(i, n)| (*n, f(i))));
        for (i, n) in names.iter().enumerate() {
            let got = t.get(n).map(|r| r.name());
            assert_eq!(got, Some(f(i).name()), "{n}");
        }
        for miss in [
            "",
            "b",
            "ba",
            "acb",
            "abce",
            "abcdf",
            "toyaml",
            "includ",
            "includes",
            "abcdefghijklmnoq",
            "abcdefghijklmnopz",
            "abcdefghijklmnxpq",
            "genSelfSignedCerts",
        ] {
            assert!(t.get(miss).is_none(), "{miss}");
        }
    }

    #[test]
    fn agrees_with_a_plain_map_on_the_registry() {
        let all: Vec<(&'static str, FuncRef)> = crate::funcs::registry()
            .iter()
            .map(|(n, s)| (*n, FuncRef::Native(s)))
            .collect();
        let t = FuncTable::new(all.iter().copied());
        let map: std::collections::HashMap<_, _> = all.iter().copied().collect();
        for (name, _) in &all {
            assert_eq!(
                t.get(name).map(|r| r.name()),
                map.get(name).map(|r| r.name())
            );
            // every one-byte change of a real name is found only if it is a name too
            let mut b = name.as_bytes().to_vec();
            for i in 0..b.len() {
                let orig = b[i];
                b[i] = if orig == b'z' { b'a' } else { orig + 1 };
                let s = std::str::from_utf8(&b).unwrap_or("");
                assert_eq!(t.get(s).is_some(), map.contains_key(s), "{s}");
                b[i] = orig;
            }
        }
    }
}
